"""The scorecard metrics on messy notebook input: missing labels, NaN scores, bad options, pandas types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score

from riskscore.metrics import (
    calibration_table,
    concordance_index,
    expected_calibration_error,
    gini,
    ks_statistic,
    population_stability_index,
    score_bands,
    woe_table,
)

Y = np.array([0, 0, 1, 1, 1, 0, 1, 0])
S = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.5])


def test_pandas_and_numpy_give_the_same_exact_values():
    ks = ks_2samp(S[Y == 1], S[Y == 0]).statistic
    g = 2 * roc_auc_score(Y, S) - 1
    assert (ks, g) == (0.75, 0.75)
    for y, s in [(Y, S), (pd.Series(Y, index=range(10, 18)), pd.Series(S)), (pd.array(Y, dtype="Int64"), list(S)),
                 (Y.astype(bool), pd.Series(S, dtype="Float64")), (pd.Series(Y.astype(bool), dtype="boolean"), S)]:
        assert ks_statistic(y, s) == pytest.approx(ks, abs=1e-12)
        assert gini(y, s) == pytest.approx(g, abs=1e-12)


def test_constant_scores_and_a_tiny_sample():
    assert ks_statistic(Y, np.ones(8)) == 0.0
    assert gini(Y, np.ones(8)) == 0.0
    assert ks_statistic([0, 1], [0.2, 0.9]) == 1.0
    assert gini([1, 0], [0.2, 0.9]) == -1.0


@pytest.mark.parametrize("f", [ks_statistic, gini])
def test_missing_labels_are_named_not_a_pandas_error(f):
    y = pd.array([True, False, None, True, False, True, False, True], dtype="boolean")
    with pytest.raises(ValueError, match=r"^y has 1 missing value\(s\), e\.g\. at position 2; drop those rows "):
        f(y, S)
    with pytest.raises(ValueError, match=r"^y has 1 missing value\(s\)"):
        f(np.where(Y == 1, 1.0, np.nan)[:1].tolist() + Y[1:].tolist(), S)


@pytest.mark.parametrize("f", [ks_statistic, gini])
def test_nan_scores_are_counted_and_located(f):
    with pytest.raises(ValueError, match=r"^score must be finite: 2 NaN or infinite value\(s\), e\.g\. at position 3"):
        f(Y, np.where(S > 0.75, np.nan, S))
    with pytest.raises(ValueError, match=r"^score must be finite: 1 NaN or infinite value\(s\)"):
        f(Y, pd.Series(S, dtype="Float64").mask(S > 0.85))


def test_text_labels_say_how_to_map_them():
    with pytest.raises(ValueError, match=r"got the values \['bad', 'good'\]; map text labels to 0/1 first, "
                                         r"e\.g\. y == 'good'"):
        ks_statistic(np.array(["good", "bad"] * 4), S)


def test_score_bands_names_points():
    with pytest.raises(ValueError, match=r"^points must be finite: 1 NaN or infinite value\(s\), e\.g\. at position 0"):
        score_bands(Y, np.r_[np.nan, 600 + 100 * S[1:]])
    with pytest.raises(ValueError, match=r"^width must be a positive number of points, got '20'\.$"):
        score_bands(Y, 600 + 100 * S, "20")
    with pytest.raises(ValueError, match=r"^y and points must be 1-d and of the same length, got shapes \(7,\)"):
        score_bands(Y[:7], 600 + 100 * S)


def test_score_bands_of_constant_points_is_one_band():
    (band,) = score_bands(Y, np.full(8, 600.0))
    assert (band["points_low"], band["rows"], band["repaid_rate"], band["odds"]) == (600.0, 8, 0.5, 1.0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_bins": 2.5}, r"^n_bins must be an int >= 1, got 2\.5\.$"),
    ({"n_bins": 0}, r"^n_bins must be an int >= 1, got 0\.$"),
    ({"smoothing": -1}, r"^smoothing must be a number >= 0, got -1\.$"),   # gave WoE of the wrong sign
    ({"smoothing": np.nan}, r"^smoothing must be a number >= 0, got nan\.$"),  # gave -inf everywhere
])
def test_woe_options_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        woe_table(S, Y, **kwargs)


def test_woe_names_x():
    with pytest.raises(ValueError, match=r"^x must be numbers \(could not convert string to float"):
        woe_table(np.array(list("abcdabcd")), Y)
    with pytest.raises(ValueError, match=r"^x and y must be 1-d and of the same length, got shapes \(8,\) and \(5,\)"):
        woe_table(S, Y[:5])


def test_woe_of_a_constant_or_all_missing_feature_is_one_bin_worth_nothing():
    for x in (np.ones(8), np.full(8, np.nan), pd.Series(np.ones(8), dtype="Float64")):
        (b,) = woe_table(x, Y)
        assert (b["rows"], b["good"], b["bad"], b["woe"], b["iv"]) == (8, 4, 4, 0.0, 0.0)


def test_psi_refuses_what_it_cannot_measure():
    with pytest.raises(ValueError, match=r"^actual is empty\.$"):       # was 13.8, a "shift" of nothing
        population_stability_index(np.arange(10.0), np.array([]))
    with pytest.raises(ValueError, match=r"^expected has no values that are not NaN\.$"):
        population_stability_index(np.full(10, np.nan), np.arange(10.0))


def test_concordance_refuses_nan_risk():
    # a NaN risk compared as neither larger nor smaller: C was 0.0
    with pytest.raises(ValueError, match=r"^risk must be finite: 1 NaN or infinite value\(s\), e\.g\. at position 1"):
        concordance_index(np.array([True, False]), np.array([1.0, 2.0]), np.array([0.5, np.nan]))


def test_calibration_refuses_empty_or_nan_predictions():
    with pytest.raises(ValueError, match=r"^y and p are empty\.$"):
        expected_calibration_error([], [])
    with pytest.raises(ValueError, match=r"^p must be finite: 1 NaN or infinite value\(s\)"):
        calibration_table(Y, np.r_[S[:-1], np.nan])
    assert calibration_table(np.ones(2), [0.2, 0.4], n_bins=1)[0]["observed"] == 1.0   # one class is fine here


def test_integrated_brier_refuses_nan_curves_and_a_grid_that_does_not_increase():
    from riskscore.metrics import integrated_brier_score

    e, t, grid = np.array([True, True, False, True]), np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.5, 3.5])
    curves = np.full((4, 3), 0.5)
    assert integrated_brier_score(e, t, curves, grid) == pytest.approx(0.25)
    curves[0, 0] = np.nan   # was a NaN score, silently
    with pytest.raises(ValueError, match=r"^survival must be finite: 1 NaN or infinite value\(s\)"):
        integrated_brier_score(e, t, curves, grid)
    with pytest.raises(ValueError, match=r"^grid must be finite and strictly increasing, got \[1\.5, 1\.5, 3\.5\]\.$"):
        integrated_brier_score(e, t, np.full((4, 3), 0.5), np.array([1.5, 1.5, 3.5]))


def test_a_predict_proba_matrix_says_which_column():
    with pytest.raises(ValueError, match=r"^score must be 1-d, got shape \(8, 2\): pass one column, e\.g\. "
                                         r"predict_proba\(X\)\[:, 1\]\.$"):
        gini(Y, np.c_[1 - S, S])
