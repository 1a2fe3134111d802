"""scikit-learn model selection works with riskscore's estimators and survival labels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline

import riskscore
from riskscore.labels import BorrowerTimeSplit, rolling_as_of_dates
from riskscore.metrics import concordance_index
from riskscore.model import SCORERS, HazardGBM, RepaymentModel
from riskscore.snapshots import split_xy


@pytest.fixture(scope="module")
def xy():
    world = riskscore.generate(1500, seed=5)
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-08-01", freq="28D"),
                                     contacts=world.contacts, data_end=world.end)
    return split_xy(snaps)


def _small(**kw):
    return RepaymentModel(n_estimators=40, random_state=0, **kw)


def test_split_xy_puts_who_and_when_in_the_index(xy):
    X, _ = xy
    assert X.index.names == ["borrower_id", "as_of"]
    assert {"borrower_id", "as_of", "time", "event"}.isdisjoint(X.columns)


def test_score_is_the_auc_of_the_likelihood_on_rows_known_at_the_horizon(xy):
    X, y = xy
    model = _small().fit(X, y)
    known = y["event"] | (y["time"] >= 30)
    label = y["event"] & (y["time"] <= 30)
    expected = roc_auc_score(label[known], model.likelihood(X)[known])
    assert model.score(X, y) == pytest.approx(expected, abs=1e-12)
    assert 0.5 < model.score(X, y) <= 1


def test_cross_val_score_gives_finite_scores_with_default_arguments(xy):
    X, y = xy
    scores = cross_val_score(_small(), X, y, cv=3)
    assert np.isfinite(scores).all() and (scores > 0.5).all()
    hazard = cross_val_score(HazardGBM(n_estimators=30, random_state=0), X, y, cv=3)
    assert np.isfinite(hazard).all() and (hazard > 0.5).all()


def test_cross_val_score_with_borrower_time_split_and_named_scorers(xy):
    X, y = xy
    cv = BorrowerTimeSplit(n_splits=3, embargo_days=90)
    out = cross_validate(_small(), X, y, cv=cv, scoring=SCORERS)
    for name in ("auc", "gini", "ks", "neg_log_loss", "c_index"):
        assert np.isfinite(out[f"test_{name}"]).all(), name
    np.testing.assert_allclose(out["test_gini"], 2 * out["test_auc"] - 1, atol=1e-12)
    assert (out["test_neg_log_loss"] < 0).all()


def test_grid_search_picks_from_finite_scores(xy):
    X, y = xy
    search = GridSearchCV(_small(), {"num_leaves": [4, 15]}, cv=BorrowerTimeSplit(n_splits=2)).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["num_leaves"] in (4, 15)


def test_a_pipeline_with_a_numpy_step_works(xy):
    X, y = xy
    with pytest.warns(UserWarning, match="held out at random"):  # an array no longer says who and when
        pipe = make_pipeline(SimpleImputer(), _small(monotone=None)).fit(X, y)
    p = pipe.predict_proba(X)[:, 1]
    assert p.shape == (len(X),) and np.isfinite(p).all()
    assert np.isfinite(pipe.score(X, y))


def test_without_eval_set_the_model_holds_out_the_latest_dates(xy):
    X, y = xy
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the index says when: no warning
        model = _small().fit(X, y)
    assert model.likelihood_.best_iteration > 0  # early stopping ran on the hold-out
    off = _small(validation_fraction=None).fit(X, y)
    assert off.likelihood_.best_iteration == 0 and off.calibrator_ is None


def test_without_who_or_when_the_hold_out_is_random_and_says_so(xy):
    X, y = xy
    with pytest.warns(UserWarning, match="index names neither 'as_of' nor 'borrower_id'"):
        _small().fit(X.reset_index(drop=True), y)


@given(n_borrowers=st.integers(4, 30), n_dates=st.integers(4, 12), n_splits=st.integers(2, 4),
       embargo=st.sampled_from([0, 14, 30, 60]), seed=st.integers(0, 10), keep=st.floats(0.5, 1.0))
@settings(max_examples=60, deadline=None)
def test_borrower_time_split_laws(n_borrowers, n_dates, n_splits, embargo, seed, keep):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"b{i}" for i in range(n_borrowers)],
                                      pd.date_range("2024-01-01", periods=n_dates, freq="14D")],
                                     names=["borrower_id", "as_of"])
    X = pd.DataFrame({"x": np.arange(len(idx))}, index=idx).iloc[rng.random(len(idx)) < keep]
    who = X.index.get_level_values("borrower_id")
    when = X.index.get_level_values("as_of")
    try:
        folds = list(BorrowerTimeSplit(n_splits=n_splits, embargo_days=embargo, random_state=seed).split(X))
    except ValueError as err:
        assert "fold" in str(err) or "rows" in str(err)
        return
    tested: list[str] = []
    for train, test in folds:
        assert set(who[train]).isdisjoint(who[test])                      # never trained on a tested borrower
        assert (when[train] + pd.Timedelta(days=embargo)).max() <= when[test].min()  # labels closed before
        tested.extend(sorted(set(who[test])))
    assert len(tested) == len(set(tested))                                # each borrower tested in one fold


def test_borrower_time_split_refuses_what_it_cannot_split():
    X = pd.DataFrame({"x": range(4)})
    with pytest.raises(ValueError, match="needs the as-of date of every row"):
        next(BorrowerTimeSplit().split(X))
    X["as_of"] = pd.to_datetime(["2024-01-01"] * 4)
    with pytest.raises(ValueError, match="needs the borrower of every row"):
        next(BorrowerTimeSplit().split(X))
    with pytest.raises(ValueError, match="The 'n_splits' parameter of BorrowerTimeSplit must be"):
        next(BorrowerTimeSplit(n_splits=1).split(X, groups=list("abcd")))


def test_ordinary_kfold_leaks_where_borrower_time_split_does_not(xy):
    X, _ = xy
    who = X.index.get_level_values("borrower_id")
    train, test = next(KFold(5, shuffle=True, random_state=0).split(X))
    assert not set(who[train]).isdisjoint(who[test])  # the leak this splitter exists for
    train, test = next(BorrowerTimeSplit().split(X))
    assert set(who[train]).isdisjoint(who[test])


def test_c_index_scorer_matches_the_metric(xy):
    X, y = xy
    model = _small().fit(X, y)
    assert SCORERS["c_index"](model, X, y) == pytest.approx(
        concordance_index(y["event"], y["time"], -model.expected_days(X)), abs=1e-12)


@pytest.mark.parametrize(("as_of", "message"), [
    (["2024-01-01", "x"] * 20, r"^X's as_of must be dates or text written year first \(YYYY-MM-DD\), got e\.g\. 'x'"),
    ([pd.Timestamp("2024-01-01"), pd.NaT] * 20, r"^X's as_of has 20 missing date\(s\), e\.g\. at row 1; "),
])
def test_borrower_time_split_refuses_as_of_dates_it_would_misorder_or_drop(as_of, message):
    # missing dates used to drop their rows from every fold, silently
    X = pd.DataFrame({"borrower_id": [f"b{i}" for i in range(40)], "as_of": as_of, "x": 0.0})
    with pytest.raises(ValueError, match=message):
        list(BorrowerTimeSplit(n_splits=2, embargo_days=0).split(X))
