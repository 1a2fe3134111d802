"""Population stability: exact values, additivity of chunk counts, and the bundle's reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore.model import load_bundle
from riskscore.monitor import (
    bin_counts,
    merge_counts,
    population_stability_index,
    psi_noise,
    psi_summary,
    psi_table,
    reference_distribution,
)
from tests.batch.conftest import BUNDLE


def test_psi_by_hand():
    # bins 10/40/50 % against 20/30/50 %: 0.1 ln(2) + 0.1 ln(3/4) with signs
    want = (0.2 - 0.1) * math.log(0.2 / 0.1) + (0.3 - 0.4) * math.log(0.3 / 0.4) + 0.0
    assert population_stability_index([10, 40, 50], [20, 30, 50]) == pytest.approx(want, abs=1e-15)
    assert population_stability_index([1, 1], [1, 1]) == 0.0
    assert math.isnan(population_stability_index([1, 1], [0, 0]))
    with pytest.raises(ValueError, match="1-d and of one length"):
        population_stability_index([1, 2], [1, 2, 3])


def test_flags_follow_the_usual_thresholds():
    ref = {"columns": {c: {"edges": [0.0], "shares": [0.5, 0.5, 0.0]} for c in "abc"}}
    table = psi_table(ref, {"a": [50, 50, 0], "b": [70, 30, 0], "c": [90, 10, 0]}).set_index("column")
    assert table.loc["a", "flag"] == "stable"
    assert table.loc["b", "flag"] == "moderate" and 0.1 <= table.loc["b", "psi"] < 0.25
    assert table.loc["c", "flag"] == "major"
    assert list(table.index) == ["c", "b", "a"]


SHARES = [0.095] * 10 + [0.05]  # deciles and a few missing values


@pytest.mark.parametrize(("rows", "reference_rows"), [(10, 1000), (65, 400), (300, 1000), (5000, 20000)])
def test_without_drift_a_column_is_flagged_about_one_time_in_a_hundred(rows, reference_rows):
    """Two samples of one distribution: the flag fires at the noise level's rate, whatever the sizes."""
    rng = np.random.default_rng(rows)
    ref = {"rows": reference_rows, "columns": {}}
    counts = {}
    for i in range(200):
        ref["columns"][f"c{i}"] = {"shares": list(rng.multinomial(reference_rows, SHARES) / reference_rows)}
        counts[f"c{i}"] = list(rng.multinomial(rows, SHARES))
    flagged = len(psi_summary(ref, counts)["flagged"])
    assert flagged <= 8  # 1 % of 200 is 2 expected; the plain thresholds flag 99 % at 10 rows
    plain = sum(population_stability_index(ref["columns"][c]["shares"], counts[c]) >= 0.1 for c in counts)
    assert rows > 65 or plain > 100  # ...and 87 % at 65: what the noise level is for


def test_a_real_shift_is_flagged_even_in_a_small_run():
    ref = {"rows": 400, "columns": {"x": {"shares": SHARES}}}
    shifted = [0, 0, 0, 0, 0, 5, 10, 15, 15, 20, 0]  # 65 rows, all in the upper half
    row = psi_table(ref, {"x": shifted}).iloc[0]
    assert row["flag"] == "major" and row["psi"] > row["noise"] > 0.25
    assert psi_noise(SHARES, 65, 400) > psi_noise(SHARES, 650, 4000) > psi_noise(SHARES, 6500, 40000)
    assert psi_noise(SHARES, 65, 400) == psi_noise(SHARES, 65, 400)  # seeded


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.none()), min_size=1, max_size=200), st.integers(1, 5))
def test_chunk_counts_add_up_to_the_whole(values, parts):
    frame = pd.DataFrame({"x": pd.array(values, dtype="Float64").astype(float)})
    ref = reference_distribution(frame, bins=4)
    assert sum(ref["columns"]["x"]["shares"]) == pytest.approx(1.0)
    whole = bin_counts(ref, frame)
    merged: dict = {}
    for chunk in np.array_split(np.arange(len(frame)), parts):
        merged = merge_counts(merged, bin_counts(ref, frame.iloc[chunk]))
    assert merged == whole and sum(whole["x"]) == len(frame)
    assert psi_table(ref, whole)["psi"].iloc[0] == pytest.approx(0.0, abs=1e-6)  # the reference against itself


def test_the_committed_bundle_carries_a_reference_of_every_feature_and_the_score():
    model = load_bundle(BUNDLE)
    assert set(model.reference_["columns"]) == {*model.feature_names_in_, "likelihood"}
    spec = model.reference_["columns"]["likelihood"]
    assert sum(spec["shares"]) == pytest.approx(1.0, abs=1e-6) and len(spec["shares"]) == len(spec["edges"]) + 2
    assert 5 <= len(spec["edges"]) <= 9  # deciles, fewer where the calibrated score ties
