"""Reason codes: catalogue coverage, family grouping, true sentences, languages; global views."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from riskscore.explain import (
    FAMILIES,
    LANGUAGES,
    REASON_COLUMNS,
    dependence,
    explain,
    importance,
    plot_dependence,
    plot_importance,
    plot_waterfall,
    reason_codes,
)
from riskscore.explain._catalogue import NO_ADVERSE, SENTENCES, feature_kind
from riskscore.features import feature_registry


@pytest.fixture(scope="module")
def scored(fit_on_world):
    model, world, test, X = fit_on_world(2000, 23, n_estimators=80)
    test, Xt = test.reset_index(drop=True), X.reset_index(drop=True)
    return model, Xt, explain(model, Xt), test["borrower_id"].to_numpy(), world.borrowers


def test_catalogue_covers_every_feature_and_family_in_every_language():
    registry = feature_registry(windows=(3, 6, 12, 24))
    for name, row in registry.iterrows():
        assert feature_kind(name) in SENTENCES, name
        assert row["family"] in FAMILIES, (name, row["family"])
    for kind, texts in SENTENCES.items():
        assert set(texts) == set(LANGUAGES), kind
    for family, (code, names, missing) in FAMILIES.items():
        assert re.fullmatch(r"RS-[A-Z-]+", code) and set(names) == set(missing) == set(LANGUAGES), family
    assert len({code for code, _, _ in FAMILIES.values()}) == len(FAMILIES)
    assert set(NO_ADVERSE[1]) == set(LANGUAGES)


def _expected_numbers(feature: str, value: float, matured: float) -> set[float]:
    """Recompute, independently of the catalogue code, what a sentence may quote."""
    value, matured = abs(float(value)), float(matured)  # signed features quote their magnitude (in words: before/fell)
    window = re.search(r"_(3|6|12)$", feature)
    w = int(window.group(1)) if window and not feature.startswith(("days_late_std", "cures")) else None
    numbers = {float(x) for x in re.findall(r"\d+", feature)} | {3.0, 12.0, 30.0, 90.0, 180.0}
    if feature.startswith(("share_late", "share_partial", "share_paid_full")) and not feature.endswith("_365d"):
        n = matured if w is None else min(w, matured)
        return numbers | {n, round(value * n)}
    if w is not None:
        numbers.add(float(w))
    if feature.startswith(("paid_at_due", "paid_ratio", "paid_share", "paid_to_due", "utilisation",
                           "latest_due_to_limit")) or feature == "share_late_365d":  # shares quoted in percent
        return numbers | {round(value * 100)}
    return numbers | {round(value), round(value, 1), round(value, 2)}


def _quoted(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_quoted_number_is_recomputed_from_the_features(scored, language):
    model, X, shap, _, _ = scored
    reasons = reason_codes(model, X, shap=shap, language=language, direction="both")
    assert list(reasons.columns) == REASON_COLUMNS and (reasons["language"] == language).all()
    quoted = reasons.dropna(subset=["feature"])
    assert len(quoted) > 500
    for r in quoted.itertuples():
        value = X.at[r.row, r.feature]
        assert r.value == value or (np.isnan(r.value) and np.isnan(value))
        if np.isnan(value):
            assert r.text == FAMILIES[r.family][2][language]
            continue
        allowed = _expected_numbers(r.feature, value, X.at[r.row, "n_matured"])
        for number in _quoted(r.text):
            assert any(abs(number - a) < 1e-9 for a in allowed), (r.feature, value, r.text)


def test_reasons_are_adverse_distinct_families_ranked_and_at_most_four(scored):
    model, X, shap, _, _ = scored
    reasons = reason_codes(model, X, shap=shap)
    assert reasons.groupby("row").size().max() <= 4
    assert set(reasons["row"]) == set(X.index)  # every row gets a reason, RS-NONE at least
    real = reasons[reasons["code"] != "RS-NONE"]
    assert (real["family_shap"] <= -0.01).all()
    assert not real.duplicated(["row", "family"]).any()
    assert (real.groupby("row")["family_shap"].apply(lambda s: s.is_monotonic_increasing)).all()
    assert (real.groupby("row")["rank"].apply(lambda s: list(s) == list(range(1, len(s) + 1)))).all()
    # the family's value is the sum of its features' SHAP values; the lead feature is its most adverse
    registry = feature_registry()
    for r in real.sample(200, random_state=0).itertuples():
        members = registry.index[registry["family"] == r.family].intersection(shap.columns)
        assert r.family_shap == pytest.approx(shap.loc[r.row, members].sum(), abs=1e-12)
        assert r.shap == pytest.approx(shap.loc[r.row, members].min(), abs=1e-12)
        assert r.code == FAMILIES[r.family][0]


def test_a_borrower_with_no_adverse_factor_gets_rs_none(scored):
    model, X, shap, _, _ = scored
    reasons = reason_codes(model, X.iloc[:50], shap=shap.iloc[:50], min_impact=1e9)
    assert (reasons["code"] == "RS-NONE").all() and len(reasons) == 50
    assert reasons["text"].iloc[0] == NO_ADVERSE[1]["en"]
    favourable = reason_codes(model, X.iloc[:50], shap=shap.iloc[:50], direction="favourable")
    assert (favourable["family_shap"] >= 0.01).all() and (favourable["direction"] == "favourable").all()


def test_language_per_borrower(scored):
    model, X, shap, ids, borrowers = scored
    reasons = reason_codes(model, X.iloc[:300], shap=shap.iloc[:300], borrowers=borrowers, ids=ids[:300])
    expected = borrowers.set_index("borrower_id").loc[ids[:300], "language"].str.split("-").str[0].to_numpy()
    got = reasons.groupby("row")["language"].first().reindex(X.index[:300]).to_numpy()
    np.testing.assert_array_equal(got, expected)
    zh = reasons[reasons["language"] == "zh"]
    assert len(zh) and zh["text"].str.contains("[\u4e00-\u9fff]").all()
    odd = borrowers.assign(language="fr")
    with pytest.raises(ValueError, match="No catalogue for language"):
        reason_codes(model, X.iloc[:5], shap=shap.iloc[:5], borrowers=odd, ids=ids[:5])
    fr = reason_codes(model, X.iloc[:5], shap=shap.iloc[:5], borrowers=odd, ids=ids[:5], fallback="en")
    assert (fr["language"] == "en").all()
    with pytest.raises(ValueError, match="no borrower"):
        reason_codes(model, X.iloc[:5], shap=shap.iloc[:5], borrowers=borrowers)


def test_argument_errors(scored):
    model, X, shap, _, _ = scored
    with pytest.raises(ValueError, match="language"):
        reason_codes(model, X.iloc[:3], language="fr")
    with pytest.raises(ValueError, match="top"):
        reason_codes(model, X.iloc[:3], top=0)
    with pytest.raises(ValueError, match="direction"):
        reason_codes(model, X.iloc[:3], direction="up")
    with pytest.raises(ValueError, match="index differs"):
        reason_codes(model, X.iloc[:3], shap=shap.iloc[3:6])


def test_importance_and_dependence(scored):
    _, X, shap, _, _ = scored
    by_feature = importance(shap)
    assert by_feature["mean_abs_shap"].is_monotonic_decreasing
    assert by_feature.loc["days_past_due", "mean_abs_shap"] == pytest.approx(shap["days_past_due"].abs().mean())
    by_family = importance(shap, by="family")
    late = feature_registry().query("family == 'late_history'").index.intersection(shap.columns)
    assert by_family.loc["late_history", "mean_abs_shap"] == pytest.approx(shap[late].sum(axis=1).abs().mean())
    assert by_family.loc["late_history", "code"] == "RS-LATE-HIST"
    dep = dependence(shap, X, "days_past_due", max_points=100)
    assert len(dep) == 100 and dep["value"].is_monotonic_increasing
    assert (dep["shap"] == shap.loc[dep.index, "days_past_due"]).all()


def test_plots_draw_on_given_axes(scored):
    plt = pytest.importorskip("matplotlib.pyplot")
    _, X, shap, _, _ = scored
    fig, axes = plt.subplots(1, 3)
    assert plot_importance(importance(shap), top=5, ax=axes[0]) is axes[0]
    assert len(axes[0].patches) == 5
    plot_dependence(dependence(shap, X, "days_past_due"), "days_past_due", ax=axes[1])
    plot_waterfall(shap.iloc[0], top=6, ax=axes[2])
    assert len(axes[2].patches) == 7  # six features and "other features"
    plt.close(fig)
    assert isinstance(shap, pd.DataFrame)
