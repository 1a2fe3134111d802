"""HazardGBM: the person-period expansion, recovery of a known hazard, scikit-learn behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from riskscore.model import HazardGBM, make_survival_y
from riskscore.model._hazard import expand


def test_expansion_by_hand():
    edges = np.array([0.0, 7, 14, 30])
    event = np.array([True, False, False, True])
    time = np.array([10.0, 10.0, 14.0, 45.0])
    sample, k, y, w = expand(np.zeros((4, 1), np.float32), event, time, edges)
    assert sample.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 3]
    assert k.tolist() == [0, 1, 0, 1, 0, 1, 0, 1, 2]
    assert y.tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0]        # an event past the last edge survives the grid
    assert w.tolist() == pytest.approx([1, 1, 1, 3 / 7, 1, 1, 1, 1, 1])  # censored at 10: 3 of 7 days seen


def _constant_hazard_data(n, seed):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n)
    h = np.where(group == 1, 0.15, 0.03)          # daily hazards
    t = rng.geometric(h).astype(float)
    c = rng.integers(5, 60, n).astype(float)      # censoring
    X = pd.DataFrame({"group": group.astype(float), "noise": rng.normal(size=n)})
    return X, make_survival_y(t <= c, np.minimum(t, c)), h


def test_recovers_a_known_hazard():
    X, y, _ = _constant_hazard_data(20_000, 0)
    edges = np.array([0.0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60])
    model = HazardGBM(n_estimators=150, learning_rate=0.05, interval_edges=edges, random_state=0).fit(X, y)
    surv = model.predict_survival_function(pd.DataFrame({"group": [0.0, 1.0], "noise": [0.0, 0.0]}))
    for s, daily in zip(surv, (0.03, 0.15), strict=True):
        for day in (7, 14, 30):
            assert s([day])[0] == pytest.approx((1 - daily) ** day, abs=0.03), (daily, day)
    assert model.score(X, y) > 0.64


def test_deterministic_and_cloneable():
    X, y, _ = _constant_hazard_data(3000, 1)
    a = HazardGBM(n_estimators=30, random_state=3).fit(X, y).predict(X)
    b = HazardGBM(n_estimators=30, random_state=3).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    est = HazardGBM(n_estimators=5, num_leaves=7)
    assert clone(est).get_params() == est.get_params()
    assert not hasattr(est, "booster_")


def test_pipeline_and_grid_search_use_harrells_c():
    X, y, _ = _constant_hazard_data(3000, 2)
    pipe = make_pipeline(StandardScaler(), HazardGBM(n_estimators=20, random_state=0))
    pipe.fit(X.to_numpy(), y)
    assert 0.5 < pipe.score(X.to_numpy(), y) <= 1
    grid = GridSearchCV(HazardGBM(n_estimators=20, random_state=0), {"num_leaves": [4, 15]}, cv=KFold(3))
    grid.fit(X, y)
    assert set(grid.cv_results_["mean_test_score"]) and grid.best_params_["num_leaves"] in (4, 15)


def test_monotone_constraint_is_obeyed():
    X, y, _ = _constant_hazard_data(4000, 3)
    model = HazardGBM(n_estimators=60, monotone_constraints={"noise": -1}, random_state=0).fit(X, y)
    grid = pd.DataFrame({"group": 0.0, "noise": np.linspace(-3, 3, 50)})
    hazard = model.predict_hazard(grid)
    assert (np.diff(hazard, axis=0) <= 1e-12).all()


def test_max_rows_bounds_the_expansion_without_bias():
    X, y, _ = _constant_hazard_data(6000, 4)
    full = HazardGBM(n_estimators=60, random_state=0).fit(X, y)
    capped = HazardGBM(n_estimators=60, max_rows=8000, random_state=0).fit(X, y)
    assert np.abs(full.predict_survival(X) - capped.predict_survival(X)).mean() < 0.05


def test_early_stopping_on_a_validation_split():
    X, y, _ = _constant_hazard_data(6000, 5)
    model = HazardGBM(n_estimators=2000, learning_rate=0.2, early_stopping_rounds=10, random_state=0)
    model.fit(X.iloc[:4000], y[:4000], eval_set=(X.iloc[4000:], y[4000:]))
    assert model.best_iteration_ < 2000


@pytest.mark.parametrize(
    ("y", "message"),
    [(make_survival_y([False, False], [3.0, 4.0]), "all samples are censored"),
     (np.array([1.0, 2.0]), r"y must be a structured array with two fields \(event: bool, time: float\)"),
     (make_survival_y([True, False], [0.0, 4.0]), "time must be finite and > 0")],
)
def test_bad_labels(y, message):
    with pytest.raises(ValueError, match=message):
        HazardGBM(n_estimators=2).fit(np.zeros((2, 1)), y)


def test_predict_checks_the_columns():
    X, y, _ = _constant_hazard_data(500, 6)
    model = HazardGBM(n_estimators=5).fit(X, y)
    with pytest.raises(ValueError, match=r"X has different columns than at fit time:(.|\n)*\+nois"):
        model.predict(X.rename(columns={"noise": "nois"}))
    with pytest.raises(ValueError, match="monotone_constraints names unknown features"):
        HazardGBM(monotone_constraints={"nope": 1}).fit(X, y)
    with pytest.raises(ValueError,
                       match=r"The 'n_estimators' parameter of HazardGBM must be an int in the range \[1, inf\)"):
        HazardGBM(n_estimators=0).fit(X, y)
