"""HazardGBM on the data a notebook gives it: odd column names, text columns, bad eval sets, tiny data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.model import HazardGBM, make_survival_y
from riskscore.model._frames import booster_names


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = np.ceil(rng.exponential(10 * np.exp(-X[:, 0])))
    return X, make_survival_y(t < 30, np.minimum(t, 30))


def _fit(X, y, **kw):
    return HazardGBM(n_estimators=20, random_state=0, **kw).fit(X, y)


@pytest.mark.parametrize("names", [
    ["a b", "x[0]", "ü:col"],                 # characters LightGBM refuses in a feature name
    ["interval_start", "a", "b"],             # the name of the column HazardGBM adds itself
    ["a b", "a_b", "c"],                      # equal once whitespace is replaced
])  # duplicated names are refused (test_hazard.py), as RepaymentModel and scikit-learn 1.9's estimators refuse them
def test_any_column_names_fit_like_plain_ones(names):
    X, y = _data()
    odd, plain = pd.DataFrame(X, columns=names), pd.DataFrame(X, columns=["f0", "f1", "f2"])
    model = _fit(odd, y)
    assert model.feature_names_in_.tolist() == names
    np.testing.assert_array_equal(model.predict(odd), _fit(plain, y).predict(plain))
    with pytest.raises(ValueError, match="different columns than at fit time"):
        model.predict(plain)


def test_monotone_dict_is_keyed_by_the_users_names():
    X, y = _data()
    odd = pd.DataFrame(X, columns=["a b", "x[0]", "ü:col"])
    plain = pd.DataFrame(X, columns=["f0", "f1", "f2"])
    a = _fit(odd, y, monotone_constraints={"x[0]": 1}).predict(odd)
    b = _fit(plain, y, monotone_constraints={"f1": 1}).predict(plain)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, _fit(plain, y).predict(plain))  # the constraint did something


def test_booster_names_are_distinct_and_storable():
    assert booster_names(["a", "b"], reserved=("interval_start",)) == ["a", "b"]
    assert booster_names(['x"1', "{a}", "a b", "a_b", "interval_start"], reserved=("interval_start",)) == \
        ["x_1", "_a_", "a_b", "a_b_1", "interval_start_1"]


@pytest.mark.parametrize(("column", "dtype", "kw"), [
    (["north", "south"] * 100, "str", {}),
    (pd.Categorical(["north", "south"] * 100), "category", {"categorical_features": None}),
    (pd.Timestamp("2025-01-01"), "datetime64", {}),
])
def test_a_non_numeric_column_is_named(column, dtype, kw):
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(region=column)
    with pytest.raises(ValueError, match=rf"^HazardGBM: X has 1 column\(s\) that are not numbers: 'region' \({dtype}"
                                         r".*name them in categorical_features"):
        _fit(frame, y, **kw)


def test_number_like_columns_are_read():
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    odd = frame.assign(a=frame["a"].astype(object), b=frame["b"].astype("Float64"), flag=frame["c"] > 0)
    odd.loc[3, "a"], odd.loc[4, "b"] = pd.NA, pd.NA   # pandas' missing value in an object column too
    plain = frame.assign(flag=(frame["c"] > 0).astype(float))
    plain.loc[3, "a"], plain.loc[4, "b"] = np.nan, np.nan
    np.testing.assert_array_equal(_fit(odd, y).predict(odd), _fit(plain, y).predict(plain))


@pytest.mark.parametrize(("make", "message"), [
    (lambda X, y: [X], r"^eval_set must be a pair \(X_val, y_val\), got list of length 1\.$"),
    (lambda X, y: (X, y[:10]), r"^eval_set's X has 200 rows but its y has 10\.$"),
    (lambda X, y: (X[["a", "b"]], y), r"^eval_set's X has different columns than X:\n--- X\n\+\+\+ eval_set"),
    (lambda X, y: (X.to_numpy()[:, :2], y), r"^eval_set's X has 2 features, X has 3\.$"),
    (lambda X, y: (X, make_survival_y(np.zeros(len(y), bool), y["time"])), r"^eval_set's y: all samples are censored"),
])
def test_a_bad_eval_set_is_refused(make, message):
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    with pytest.raises(ValueError, match=message):
        HazardGBM(n_estimators=20).fit(frame, y, eval_set=make(frame, y))


@pytest.mark.parametrize("constraints", [{"a": 2}, ["x", 0, 0], [True, 0, 0]])
def test_monotone_values_must_be_directions(constraints):
    X, y = _data()
    with pytest.raises(ValueError, match=r"^monotone_constraints values must be -1, 0 or 1 .*, got "):
        _fit(pd.DataFrame(X, columns=["a", "b", "c"]), y, monotone_constraints=constraints)


@pytest.mark.parametrize(("X", "message"), [
    (np.zeros((0, 3)), r"X has shape \(0, 3\); it needs at least one row and one column"),
    (np.zeros((5, 0)), r"X has shape \(5, 0\); it needs at least one row and one column"),
    (np.zeros(5), r"X must be 2-d \(n_samples, n_features\), got shape \(5,\)"),
    ([["a", "b"]] * 5, r"X must be numeric \(could not convert string to float"),
])
def test_shapeless_or_text_arrays_are_refused(X, message):
    y = make_survival_y(np.ones(len(X), bool), np.arange(1.0, len(X) + 1))
    with pytest.raises(ValueError, match="^HazardGBM: " + message):
        HazardGBM().fit(X, y)


@pytest.mark.parametrize(("event", "time"), [([True], [5.0]), ([True, False, False], [0.0, 0.0, 0.0])])
def test_too_few_observed_samples_is_one_line(event, time):
    X = np.zeros((len(event), 2))
    with pytest.raises(ValueError, match=r"^HazardGBM needs at least 2 samples with an event or a time > 0, got 1\.$"):
        HazardGBM().fit(X, make_survival_y(event, time))


@pytest.mark.parametrize("event", [[0, 1, np.nan], [0, 2, 1], ["no", "yes", "no"], pd.array([True, None, False],
                                                                                          dtype="boolean")])
def test_make_survival_y_refuses_events_that_are_not_booleans_or_0_1(event):
    # these used to become True (an event) silently: NaN, 2 and any text are truthy
    with pytest.raises(ValueError, match=r"^event must be booleans or 0/1 without missing values; "):
        make_survival_y(event, [1.0, 2.0, 3.0])


def test_make_survival_y_reads_0_1_and_booleans():
    for event in ([0, 1, 1], [0.0, 1.0, 1.0], [False, True, True], pd.Series([0, 1, 1], dtype="Int64")):
        assert make_survival_y(event, [1, 2, 3])["event"].tolist() == [False, True, True]


def test_monotone_dict_keys_match_non_text_column_names():
    X, y = _data()
    frame = pd.DataFrame(X)  # columns 0, 1, 2: feature_names_in_ '0', '1', '2'
    a = _fit(frame, y, monotone_constraints={1: 1}).predict(frame)
    np.testing.assert_array_equal(a, _fit(frame, y, monotone_constraints=[0, 1, 0]).predict(frame))


def test_an_infinite_interval_edge_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match=r"^The 'interval_edges' parameter of HazardGBM must be an array-like of at "
                                         r"least 2 increasing finite numbers starting at 0\. Got \[0, 5, inf\]"):
        HazardGBM(interval_edges=[0, 5, np.inf]).fit(X, y)
