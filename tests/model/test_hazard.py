"""HazardGBM: the person-period expansion, recovery of a known hazard, scikit-learn behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from riskscore.metrics import concordance_index
from riskscore.model import HazardGBM, make_survival_y
from riskscore.model._hazard import SINGLE_THREAD_ROWS, expand


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
     (make_survival_y([True, False], [-1.0, 4.0]), r"time must be finite and >= 0; 1 sample\(s\) break this, "
                                                    r"e.g. rows \[0\] with time \[-1.0\]"),
     # lifelines' way (an event and a duration column) and an event coded 1/0: the message says how
     (pd.DataFrame({"E": [1, 0], "T": [3.0, 4.0]}), r"^y must be a structured array with two fields \(event: bool, "
                                                    r"time: float\), got a DataFrame with columns 'E', 'T'; build it "
                                                    r"with riskscore\.model\.make_survival_y\(df\[event_column\], "
                                                    r"df\[time_column\]\)\.$"),
     (np.array([(1, 3.0), (0, 4.0)], dtype=[("event", int), ("time", float)]),
      r"y needs a boolean event field, .*; riskscore\.model\.make_survival_y\(event, time\) takes an event coded "
      r"1/0\.$")],
)
def test_bad_labels(y, message):
    with pytest.raises(ValueError, match=message):
        HazardGBM(n_estimators=2).fit(np.zeros((2, 1)), y)


def test_duplicated_column_names_are_refused_as_repayment_model_refuses_them():
    # they were fitted (the booster renamed them a, a_1); a later X with the two swapped scored silently.
    # scikit-learn 1.9's own estimators refuse them too (narwhals' DuplicateError)
    X, y, _ = _constant_hazard_data(300, 6)
    X = X.iloc[:, :2].set_axis(["a", "a"], axis=1)
    with pytest.raises(ValueError, match=r"^HazardGBM: X has duplicated column\(s\) \['a'\]; give each feature its "
                                         r"own name\.$"):
        HazardGBM(n_estimators=2).fit(X, y)
    with pytest.raises(ValueError, match=r"duplicated column\(s\) \['1'\]"):  # the names are stored as text
        HazardGBM(n_estimators=2).fit(X.set_axis([1, "1"], axis=1), y)


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


# -- time == 0 (scikit-survival's convention) --------------------------------------------------
def test_time_zero_falls_in_the_first_interval():
    edges = np.array([0.0, 7, 14])
    event = np.array([True, False, True])
    time = np.array([0.0, 0.0, 9.0])
    sample, k, y, w = expand(np.zeros((3, 1), np.float32), event, time, edges)
    # the event at 0 is an event of (0, 7]; the sample censored at 0 was observed for no time: no row
    assert sample.tolist() == [0, 2, 2]
    assert k.tolist() == [0, 0, 1]
    assert y.tolist() == [1, 0, 1]
    assert w.tolist() == [1, 1, 1]


def test_fits_and_predicts_with_events_and_censoring_at_time_zero():
    X, y, _ = _constant_hazard_data(600, 7)
    y["time"][:30] = 0.0       # events and censorings on day 0, as in flchain
    model = HazardGBM(random_state=0).fit(X, y)
    surv = model.predict_survival_function(X, return_array=True)
    assert np.isfinite(surv).all() and (surv <= 1).all() and (np.diff(surv, axis=1) <= 1e-12).all()
    assert model.interval_edges_[0] == 0 and model.predict_survival_function(X.iloc[:1])[0]([0.0])[0] == 1.0


# -- default interval edges ------------------------------------------------------------------
def test_default_edges_are_quantiles_of_the_event_times():
    X, y, _ = _constant_hazard_data(2000, 8)
    edges = HazardGBM(n_intervals=4, n_estimators=2, validation_fraction=None).fit(X, y).interval_edges_
    q = np.ceil(np.quantile(y["time"][y["event"]], [0.25, 0.5, 0.75, 1.0]))   # whole days: rounded up
    assert edges.tolist() == [0.0, *q.tolist()]
    y_years = make_survival_y(y["event"], y["time"] / 365.25)     # times in years: kept as they are
    edges = HazardGBM(n_intervals=4, n_estimators=2, validation_fraction=None).fit(X, y_years).interval_edges_
    assert len(edges) == 5 and edges[1] < 1


# -- cumulative hazard and score ---------------------------------------------------------------
def test_cumulative_hazard_is_minus_log_survival():
    X, y, _ = _constant_hazard_data(1000, 9)
    model = HazardGBM(random_state=0).fit(X, y)
    surv = model.predict_survival_function(X.iloc[:5], return_array=True)
    cumhaz = model.predict_cumulative_hazard_function(X.iloc[:5], return_array=True)
    np.testing.assert_allclose(cumhaz, -np.log(surv))
    assert (np.diff(cumhaz, axis=1) >= 0).all()
    functions = model.predict_cumulative_hazard_function(X.iloc[:5])
    ends = model.interval_edges_[1:]
    assert functions.shape == (5,)
    assert functions[0]([0.0])[0] == 0.0                                     # nothing at the first edge
    np.testing.assert_allclose(functions[2](ends), cumhaz[2])
    # the hazard constant within an interval: the cumulative hazard is linear between the ends,
    # the survival log-linear; after the last end both stay
    mids = (ends[:-1] + ends[1:]) / 2
    np.testing.assert_allclose(functions[2](mids), (cumhaz[2][:-1] + cumhaz[2][1:]) / 2)
    np.testing.assert_allclose(model.predict_survival_function(X.iloc[2:3])[0](mids),
                               np.sqrt(surv[2][:-1] * surv[2][1:]))
    np.testing.assert_allclose(functions[2]([ends[-1] + 100.0]), cumhaz[2][-1:])


def _harrell_by_hand(event, time, risk):
    """Harrell's C pair by pair, as sksurv.metrics.concordance_index_censored defines it."""
    concordant = comparable = 0.0
    for i in range(len(time)):
        for j in range(len(time)):
            if event[i] and (time[i] < time[j] or (time[i] == time[j] and not event[j])):
                comparable += 1
                concordant += 1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0
    return concordant / comparable


def test_score_is_harrells_c_of_predict():
    X, y, _ = _constant_hazard_data(800, 10)
    model = HazardGBM(random_state=0).fit(X.iloc[:600], y[:600])
    Xs, ys = X.iloc[600:], y[600:]
    risk = model.predict(Xs)
    expected = _harrell_by_hand(ys["event"], ys["time"], risk)
    assert model.score(Xs, ys) == pytest.approx(expected, abs=1e-12)
    assert model.score(Xs, ys) == concordance_index(ys["event"], ys["time"], risk)


def test_harrell_by_hand_on_a_tiny_example():
    # comparable pairs (i an event before j): (0,1) concordant, (0,2) tied risks = 1/2, (0,3)
    # concordant, (1,2) comparable (2 censored at the same time) but discordant, (1,3) concordant
    event = np.array([True, True, False, False])
    time = np.array([1.0, 2.0, 2.0, 3.0])
    risk = np.array([0.5, 0.4, 0.5, 0.3])
    assert _harrell_by_hand(event, time, risk) == 3.5 / 5
    assert concordance_index(event, time, risk) == 3.5 / 5


# -- defaults that suit small data -------------------------------------------------------------
def test_small_data_runs_on_one_thread_and_large_on_all_cores():
    X, y, _ = _constant_hazard_data(300, 11)
    model = HazardGBM(random_state=0).fit(X, y)
    assert model.n_threads_ == 1                                   # 300 samples: thread start-up would dominate
    assert model.booster_.params["num_threads"] == 1
    assert HazardGBM(n_jobs=2).fit(X, y).n_threads_ == 2           # an explicit n_jobs wins
    params = HazardGBM()._params(None, 2, SINGLE_THREAD_ROWS)
    assert params["num_threads"] == 0                              # all cores on large expansions


def test_auto_leaf_size_scales_with_the_expansion():
    est = HazardGBM()
    assert est._params(None, 2, 1_500)["min_child_samples"] == 20      # floor on small data
    assert est._params(None, 2, 40_000)["min_child_samples"] == 400     # 1% of the person-period rows
    assert est._params(None, 2, 10_000_000)["min_child_samples"] == 1000
    assert HazardGBM(min_child_samples=7)._params(None, 2, 40_000)["min_child_samples"] == 7


# -- internal early stopping -------------------------------------------------------------------
def test_internal_early_stopping_keeps_the_best_round():
    X, y, _ = _constant_hazard_data(2000, 12)
    model = HazardGBM(n_estimators=1000, learning_rate=0.3, random_state=0).fit(X, y)
    assert model.validation_score_ is not None
    assert model.best_iteration_ < 1000
    assert model.booster_.num_trees() == model.best_iteration_        # the rounds past the best are dropped
    assert model.booster_.best_score["valid_0"]["binary_logloss"] == model.validation_score_
    again = HazardGBM(n_estimators=1000, learning_rate=0.3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), again.predict(X))
    off = HazardGBM(n_estimators=40, validation_fraction=None, random_state=0).fit(X, y)
    assert off.validation_score_ is None and off.best_iteration_ == 40
    off = HazardGBM(n_estimators=40, early_stopping_rounds=None, random_state=0).fit(X, y)
    assert off.validation_score_ is None and off.best_iteration_ == 40


def test_small_data_shortcuts_give_the_same_model(monkeypatch):
    """On small data the rounds past the best are rolled back in place (no text round trip) and
    all-zero monotone constraints are not passed: the trees are those of the plain path."""
    X, y, _ = _constant_hazard_data(1500, 14)
    fast = HazardGBM(n_estimators=400, learning_rate=0.3, monotone_constraints=[0, 0], random_state=0).fit(X, y)
    assert "monotone_constraints" not in fast.booster_.params
    assert fast.booster_.num_trees() == fast.best_iteration_ < 400
    import riskscore.model._hazard as hazard

    monkeypatch.setattr(hazard, "SINGLE_THREAD_ROWS", 0)        # every fit takes the large-data path
    plain = HazardGBM(n_estimators=400, learning_rate=0.3, random_state=0, n_jobs=1).fit(X, y)
    assert plain.best_iteration_ == fast.best_iteration_
    def trees(model: HazardGBM) -> str:
        text = model.booster_.model_to_string()
        return text[text.index("Tree=0"):text.index("end of trees")]

    assert trees(fast) == trees(plain)
    np.testing.assert_array_equal(fast.predict_hazard(X), plain.predict_hazard(X))


def test_internal_split_is_stratified_by_event():
    event = np.zeros(1000, bool)
    event[:100] = True
    held = HazardGBM(validation_fraction=0.2)._validation_split(event, np.random.default_rng(0))
    assert len(held) == 200 and event[held].sum() == 20


def test_too_few_events_for_a_split_fits_every_round():
    X, y, _ = _constant_hazard_data(200, 13)
    y["event"][:] = False
    y["event"][:10] = True                     # 2 events would go to validation: below the minimum of 5
    model = HazardGBM(n_estimators=25, random_state=0).fit(X, y)
    assert model.validation_score_ is None and model.best_iteration_ == 25


def test_old_parameter_sets_still_construct():
    # the parameters RepaymentModel passes and those stored in bundles before validation_fraction existed
    stored = {"colsample_bytree": 1.0, "early_stopping_rounds": 50, "interval_edges": [0, 1, 2, 3, 5, 7, 10],
              "learning_rate": 0.05, "max_depth": -1, "max_rows": 5000000, "min_child_samples": 100,
              "monotone_constraints": None, "n_estimators": 600, "n_intervals": 12, "n_jobs": None,
              "num_leaves": 31, "random_state": 0, "reg_lambda": 0.0, "subsample": 1.0}
    assert HazardGBM(**stored).get_params()["validation_fraction"] == 0.2
