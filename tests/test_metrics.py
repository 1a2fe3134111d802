"""Metric functions against brute-force definitions."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore import metrics
from riskscore.metrics import (
    bootstrap_interval,
    concordance_index,
    expected_calibration_error,
    integrated_brier_score,
    kaplan_meier,
    population_stability_index,
)


def _brute_c(event, time, risk):
    num = den = 0.0
    for i in range(len(time)):
        if not event[i]:
            continue
        for j in range(len(time)):
            if time[i] < time[j] or (time[i] == time[j] and not event[j] and i != j):
                den += 1
                num += 1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0
    return num / den


@pytest.mark.parametrize("few_times", [1024, 0], ids=["vectorised", "fenwick"])
@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.booleans(), st.integers(1, 6), st.integers(0, 4)), min_size=2, max_size=40))
def test_concordance_matches_the_definition_with_ties(few_times, rows):
    with mock.patch.object(metrics, "_FEW_TIMES", few_times):
        _check_concordance(rows)


def _check_concordance(rows):
    event = np.array([r[0] for r in rows])
    time = np.array([r[1] for r in rows], dtype=float)
    risk = np.array([r[2] for r in rows], dtype=float)
    if not event.any():
        with pytest.raises(ValueError, match="all samples are censored"):
            concordance_index(event, time, risk)
        return
    try:
        expected = _brute_c(event, time, risk)
    except ZeroDivisionError:
        with pytest.raises(ValueError, match="no comparable pair"):
            concordance_index(event, time, risk)
        return
    assert concordance_index(event, time, risk) == pytest.approx(expected, abs=1e-12)


def test_kaplan_meier_by_hand():
    times, surv = kaplan_meier(np.array([2.0, 3, 3, 5, 8, 8]), np.array([True, True, False, True, False, True]))
    assert times.tolist() == [2, 3, 5, 8]
    # at risk 6, 5 (one censored at 3 stays at risk at 3), 3, 2
    assert surv.tolist() == pytest.approx([5 / 6, 5 / 6 * 4 / 5, 2 / 3 * 2 / 3, 4 / 9 * 1 / 2])


def test_brier_of_the_kaplan_meier_curve_is_below_a_quarter():
    rng = np.random.default_rng(0)
    t = rng.exponential(10, 2000).round() + 1
    e = rng.random(2000) < 0.8
    grid = np.array([2.0, 5, 10, 20])
    km_t, km_s = kaplan_meier(t, e)
    s = np.concatenate([[1.0], km_s])[np.searchsorted(km_t, grid, side="right")]
    ibs_km = integrated_brier_score(e, t, np.tile(s, (2000, 1)), grid)
    ibs_half = integrated_brier_score(e, t, np.full((2000, 4), 0.5), grid)
    assert 0 < ibs_km < 0.25 and ibs_km < ibs_half


def test_ece_and_psi():
    y = np.array([0, 0, 1, 1])
    assert expected_calibration_error(y, np.array([0.1, 0.1, 0.9, 0.9]), n_bins=2) == pytest.approx(0.1)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=5000), rng.normal(0.5, size=5000)
    assert population_stability_index(a, a) == 0.0
    assert population_stability_index(a, b) > 0.1


def test_bootstrap_interval_resamples_whole_groups():
    rng = np.random.default_rng(1)
    # 50 groups of 40 identical rows: the mean's spread is that of 50 draws, not of 2,000.
    x = np.repeat(rng.normal(size=50), 40)
    groups = np.repeat(np.arange(50), 40)
    rows = bootstrap_interval(np.mean, x, n_resamples=400)
    clustered = bootstrap_interval(np.mean, x, groups=groups, n_resamples=400)
    assert (clustered[1] - clustered[0]) > 4 * (rows[1] - rows[0])
    sd = x[::40].std() / np.sqrt(50)
    assert clustered[1] - clustered[0] == pytest.approx(2 * 1.96 * sd, rel=0.2)


def test_bootstrap_interval_skips_undefined_resamples_and_checks_input():
    y = np.array([0] * 3 + [1] * 3)
    calls = []

    def stat(a):
        calls.append(1)
        if a.min() == a.max():
            raise ValueError("one class")
        return a.mean()

    low, high = bootstrap_interval(stat, y, n_resamples=300, random_state=0)
    assert 0 < low <= high < 1 and len(calls) == 300
    with pytest.raises(ValueError, match="equal length"):
        bootstrap_interval(np.mean, y, groups=np.arange(3))
    with pytest.raises(ValueError, match="level"):
        bootstrap_interval(np.mean, y, level=95)


def test_bootstrap_interval_of_an_auc_skips_one_class_resamples_silently_on_every_scikit_learn():
    # riskscore train on 12 borrowers printed "AUC 0.5000 [nan, nan]" and scikit-learn's "Only one class
    # is present in y_true" warning: scikit-learn 1.9 returns nan with a warning where 1.5 raised ValueError
    from sklearn.metrics import roc_auc_score

    y = np.array([1, 1, 0, 1, 1, 0, 1, 1])
    p = np.array([0.9, 0.8, 0.3, 0.7, 0.6, 0.65, 0.2, 0.95])
    groups = np.repeat(np.arange(4), 2)

    def refusing(a, b):  # the same statistic, undefined resamples refused
        if len(np.unique(a)) < 2:
            raise ValueError("one class")
        return roc_auc_score(a, b)

    interval = bootstrap_interval(roc_auc_score, y, p, groups=groups, n_resamples=200)  # no warning: errors here
    assert all(np.isfinite(interval)) and 0 <= interval[0] <= interval[1] <= 1
    assert interval == bootstrap_interval(refusing, y, p, groups=groups, n_resamples=200)
    nan_instead = bootstrap_interval(lambda a: np.nan if a.min() == a.max() else a.mean(), y, n_resamples=50)
    assert nan_instead == bootstrap_interval(lambda a: refusing(a, a) and a.mean(), y, n_resamples=50)


# -- scorecard conventions: KS, Gini, score bands, WoE / IV ---------------------------------------

_labels_and_scores = st.integers(2, 60).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)),
    st.lists(st.integers(0, 6).map(float), min_size=n, max_size=n)))


@given(_labels_and_scores)
@settings(max_examples=150, deadline=None)
def test_ks_and_gini_match_their_textbook_definitions(data):
    from scipy.stats import ks_2samp
    from sklearn.metrics import roc_auc_score

    y, s = np.array(data[0]), np.array(data[1])
    assert metrics.gini(y, s) == pytest.approx(2 * roc_auc_score(y, s) - 1, abs=1e-12)
    # method="asymp": the statistic is the same; scipy's exact p-value warns on some tied samples,
    # and its asymptotic one divides by zero on one row per class (only the p-value; errstate)
    with np.errstate(divide="ignore"):
        textbook = ks_2samp(s[y == 1], s[y == 0], method="asymp").statistic
    assert metrics.ks_statistic(y, s) == pytest.approx(textbook, abs=1e-12)


def test_ks_and_gini_refuse_one_class_and_non_finite_scores():
    with pytest.raises(ValueError, match="y must hold both classes"):
        metrics.ks_statistic([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="score must be finite"):
        metrics.gini([0, 1], [0.1, np.nan])


def test_score_bands_exact():
    bands = metrics.score_bands([1, 1, 0, 1, 0, 0], [655, 642, 645, 610, 590, 595], width=20)
    assert [(b["points_low"], b["rows"], b["repaid"]) for b in bands] == [(640.0, 3, 2), (600.0, 1, 1),
                                                                          (580.0, 2, 0)]
    assert bands[0]["odds"] == 2.0 and bands[1]["odds"] is None and bands[2]["odds"] == 0.0
    assert [b["cum_share"] for b in bands] == [0.5, 4 / 6, 1.0]
    assert bands[-1]["cum_repaid_share"] == 1.0 and bands[-1]["cum_not_repaid_share"] == 1.0
    # the largest gap between the cumulative shares is the KS of the banded score
    gap = max(abs(b["cum_repaid_share"] - b["cum_not_repaid_share"]) for b in bands)
    assert gap == pytest.approx(metrics.ks_statistic([1, 1, 0, 1, 0, 0], [640, 640, 640, 600, 580, 580]))


def test_woe_and_iv_by_hand():
    # the median 3 is the edge, and a value on an edge falls in the lower bin: {1, 2, 3} and {4, 4};
    # goods 2 of 3 and 1 of 3, bads 1 of 2 in each
    x, y = [1, 2, 3, 4, 4], [1, 0, 1, 1, 0]
    table = metrics.woe_table(x, y, n_bins=2, smoothing=0)
    good, bad = np.array([2 / 3, 1 / 3]), np.array([1 / 2, 1 / 2])
    woe = np.log(good / bad)
    assert [(b["low"], b["high"], b["rows"]) for b in table] == [(1.0, 3.0, 3), (4.0, 4.0, 2)]
    np.testing.assert_allclose([b["woe"] for b in table], woe, atol=1e-12)
    np.testing.assert_allclose(sum(b["iv"] for b in table), ((good - bad) * woe).sum(), atol=1e-12)


def test_woe_puts_missing_values_in_a_bin_of_their_own():
    table = metrics.woe_table([1.0, np.nan, 2.0, np.nan], [1, 0, 0, 1], n_bins=2)
    assert table[-1]["rows"] == 2 and np.isnan(table[-1]["low"])
    assert sum(b["rows"] for b in table) == 4
