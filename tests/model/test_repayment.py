"""RepaymentModel: the two heads agree, calibration, points and grades, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import riskscore
from riskscore.labels import rolling_as_of_dates, time_split
from riskscore.model import RepaymentModel, ScoreScaling
from riskscore.snapshots import split_xy


@pytest.fixture(scope="module")
def split():
    world = riskscore.generate(4000, seed=13)
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-08-01", freq="14D"),
                                     contacts=world.contacts, data_end=world.end)
    train, valid, test = time_split(snaps, valid_start="2025-01-01", test_start="2025-05-01", embargo_days=30)
    return split_xy(train), split_xy(valid), split_xy(test)


@pytest.fixture(scope="module")
def model(split):
    (X, y), valid, _ = split
    return RepaymentModel(n_estimators=200, random_state=0).fit(X, y, eval_set=valid)


def test_likelihood_and_curve_agree_at_the_horizon(model, split):
    X, _ = split[2]
    curve = model.predict_survival(X)
    np.testing.assert_allclose(curve["p_repaid_30d"], model.likelihood(X), atol=1e-9)
    values = curve[[f"p_repaid_{d}d" for d in (7, 14, 30, 60, 90)]].to_numpy()
    assert (np.diff(values, axis=1) >= -1e-12).all()          # repaid-by-d grows with d
    assert ((values >= 0) & (values <= 1)).all()
    assert curve["expected_days"].between(0, 90).all()
    np.testing.assert_allclose(curve["expected_days"], model.expected_days(X))


def test_discriminates_and_is_calibrated(model, split):
    X, y = split[2]
    known = y["event"] | (y["time"] >= 30)
    label = (y["event"] & (y["time"] <= 30))[known]
    p = model.likelihood(X)[known]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(label, p) > 0.85
    assert abs(p.mean() - label.mean()) < 0.03
    assert model.timing_.score(X, y) > 0.65


def test_sklearn_surface(model, split):
    X, _ = split[2]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == [False, True]
    assert (model.predict(X) == (proba[:, 1] >= 0.5)).all()


def test_points_and_grades(model, split):
    X, _ = split[2]
    points, grades = model.points(X), model.grade(X)
    assert set(grades) <= set("ABCDEFG")
    by_grade = pd.Series(points).groupby(grades).mean()
    assert by_grade.is_monotonic_decreasing                 # A has the highest points
    assert ScoreScaling(base_points=500, base_odds=10, pdo=40).points([10 / 11])[0] == pytest.approx(500)


def test_monotone_constraints_come_from_the_registry(model, split):
    X, _ = split[2]
    row = X.iloc[[0]].copy()
    rows = pd.concat([row.assign(days_past_due=d) for d in (0, 5, 30, 90, 200)])
    assert (np.diff(model.likelihood(rows)) <= 1e-12).all()


def test_errors(split):
    (X, y), _, _ = split
    with pytest.raises(TypeError, match="RepaymentModel needs X as a DataFrame of riskscore features or a 2-d"):
        RepaymentModel().fit([["a", "b"], ["c", "d"]], y[:2])
    with pytest.raises(ValueError, match=r"X must be 2-d \(rows x features\), got an array of shape \(3,\)"):
        RepaymentModel().fit([1.0, 2.0, 3.0], y[:3])
    with pytest.raises(ValueError, match=r"The 'likelihood_days' parameter of RepaymentModel must be an int among"):
        RepaymentModel(likelihood_days=31).fit(X, y)
    fitted = RepaymentModel(n_estimators=5).fit(X, y)
    with pytest.raises(ValueError, match=r"X lacks 1 feature\(s\) the model was fitted with: \['days_past_due'\]"):
        fitted.likelihood(X.drop(columns="days_past_due"))


def test_predict_scores_is_the_separate_methods_in_one_pass(model, split):
    X, _ = split[2]
    both = model.predict_scores(X, days=(7, 30, 90))
    np.testing.assert_array_equal(both["likelihood"], model.likelihood(X))
    pd.testing.assert_frame_equal(both[["p_repaid_7d", "p_repaid_30d", "p_repaid_90d", "expected_days"]],
                                  model.predict_survival(X, days=(7, 30, 90)))
    np.testing.assert_array_equal(both["points"], model.points(X))
    np.testing.assert_array_equal(both["grade"], model.grade(X))


def test_horizon_days_is_the_deprecated_name_of_likelihood_days(split):
    (X, y), valid, (Xs, _) = split
    assert {"likelihood_days", "horizon_days"} <= set(RepaymentModel().get_params())
    new = RepaymentModel(14, n_estimators=20, random_state=0).fit(X, y, eval_set=valid)
    old = RepaymentModel(horizon_days=14, n_estimators=20, random_state=0)
    with pytest.warns(FutureWarning, match="'horizon_days' was renamed 'likelihood_days' in riskscore 0.2 and will "
                                           "be removed in 0.4") as record:
        old.fit(X, y, eval_set=valid)
    assert record[0].filename == __file__
    assert old.likelihood_days_ == new.likelihood_days_ == 14
    assert old.get_params()["horizon_days"] == 14 and clone(old).get_params() == old.get_params()
    np.testing.assert_array_equal(old.likelihood(Xs), new.likelihood(Xs))
    pd.testing.assert_frame_equal(old.predict_scores(Xs), new.predict_scores(Xs))
    with pytest.raises(ValueError, match="The 'horizon_days' parameter of RepaymentModel must be an int among"):
        RepaymentModel(horizon_days=31).fit(X, y)
