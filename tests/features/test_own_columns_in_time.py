"""The user's own columns from a borrowers table versioned in time: the values in effect at the as-of date."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from riskscore import DataError, DataQualityWarning
from riskscore.features import FeatureBuilder, learn_categories

T = "2024-03-10"


@pytest.fixture
def history() -> pd.DataFrame:
    """b1's limit raised on T (known at T) and again the day after (not known at T); b2's first row starts
    after T; text dates, as a CSV gives them."""
    return pd.DataFrame({"borrower_id": ["b1", "b1", "b1", "b2"],
                         "valid_from": ["", T, "2024-03-11", "2024-04-01"],
                         "limit": [100.0, 200.0, 900.0, 50.0],
                         "employment": ["salaried", "self-employed", "retired", "salaried"]})


def _build(installments, table, as_of=T):
    fb = FeatureBuilder(static=("limit",), categorical={"employment": ["salaried", "self-employed"]},
                        population="all")
    return fb.fit().transform(installments, as_of, borrowers=table)


def test_each_as_of_date_reads_the_row_in_effect(installments, history):
    at_t = _build(installments, history)
    assert at_t.loc["b1", "limit"] == 200.0 and at_t.loc["b1", "employment"] == 1.0
    assert np.isnan(at_t.loc["b2", "limit"]) and np.isnan(at_t.loc["b2", "employment"])  # nothing known of b2 yet
    before = _build(installments, history, "2024-03-09")
    assert before.loc["b1", "limit"] == 100.0 and before.loc["b1", "employment"] == 0.0
    later = _build(installments, history, "2024-04-02")
    assert later["limit"].tolist() == [900.0, 50.0] and later.loc["b1", "employment"] == 2.0  # "another value"


def test_rows_dated_after_the_as_of_date_change_nothing(installments, history):
    starts = pd.to_datetime(history["valid_from"]).astype("datetime64[ns]")
    known = history[(starts.isna() | (starts <= pd.Timestamp(T))).to_numpy()]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)  # b2 has rows: no "no borrower in the table" warning
        pd.testing.assert_frame_equal(_build(installments, history), _build(installments, known))


def test_two_values_from_one_date_are_refused_naming_the_versions(installments, history):
    twice = pd.concat([history, history.iloc[[1]].assign(limit=250.0)], ignore_index=True)
    with pytest.raises(DataError, match=r"column 'limit' has different values for borrower 'b1' .* one per borrower "
                                        r"and valid_from"):
        _build(installments, twice)
    with pytest.raises(DataError, match=r"column 'valid_from' holds 1 value\(s\) that are not dates \(e.g. "
                                        r"'10/03/2024'\)"):
        _build(installments, history.assign(valid_from=["", "10/03/2024", "2024-03-11", "2024-04-01"]))


def test_learnt_categories_count_each_value_a_borrower_held_once():
    table = pd.DataFrame({"borrower_id": ["b1", "b1", "b1", "b2", "b3"],
                          "valid_from": [None, "2024-01-01", "2024-02-01", None, None],
                          "employment": ["salaried", "salaried", "retired", "retired", "salaried"]})
    assert learn_categories(table, ["employment"], min_borrowers=2) == {"employment": ["retired", "salaried"]}
    # without dates the same rows are two values for b1: refused as before
    with pytest.raises(DataError, match="column 'employment' has different values for borrower 'b1'"):
        learn_categories(table.drop(columns="valid_from"), ["employment"], min_borrowers=2)
