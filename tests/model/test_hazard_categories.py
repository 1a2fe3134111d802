"""HazardGBM with categorical columns: pandas categories, named text columns, integer codes."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from riskscore.model import HazardGBM, make_survival_y

REGIONS = np.array(["east", "north", "south", "west"], dtype=object)


def _data(n=300, seed=0):
    """One number with no effect and a region that sets the hazard (west and north early, south late)."""
    rng = np.random.default_rng(seed)
    region = REGIONS[rng.integers(0, 4, n)]
    scale = pd.Series(region).map({"east": 10.0, "north": 3.0, "south": 30.0, "west": 2.0}).to_numpy()
    t = np.ceil(rng.exponential(scale))
    y = make_survival_y(t < 40, np.minimum(t, 40))
    return pd.DataFrame({"noise": rng.normal(size=n), "region": region}), y


def _fit(X, y, eval_set=None, **kw):
    return HazardGBM(n_estimators=60, random_state=0, **kw).fit(X, y, eval_set=eval_set)


def test_a_category_column_is_split_on_as_categories():
    X, y = _data()
    Xc = X.assign(region=X["region"].astype("category"))
    model = _fit(Xc, y)
    assert model.is_categorical_.tolist() == [False, True]
    assert [c.tolist() for c in model.categories_] == [REGIONS.tolist()]
    trees = model.booster_.dump_model()["tree_info"]

    def decisions(node):
        if "split_feature" not in node:
            return []
        return [(node["split_feature"], node["decision_type"]),
                *decisions(node["left_child"]), *decisions(node["right_child"])]

    splits = [d for tree in trees for d in decisions(tree["tree_structure"])]
    assert (1, "==") in splits  # LightGBM's split by a set of categories, on a few hundred samples
    risk = model.predict(Xc)
    by_region = pd.Series(risk).groupby(X["region"].to_numpy()).mean()
    assert by_region["west"] > by_region["east"] > by_region["south"]
    assert model.score(Xc, y) > 0.65


def test_a_named_text_column_a_category_column_and_codes_fit_the_same_model():
    X, y = _data()
    from_dtype = _fit(X.assign(region=X["region"].astype("category")), y).predict(X.assign(
        region=X["region"].astype("category")))
    named = _fit(X, y, categorical_features=["region"])
    codes = X.assign(region=pd.Categorical(X["region"]).codes).to_numpy(dtype=float)
    by_position = _fit(codes, y, categorical_features=[1])
    mask = _fit(codes, y, categorical_features=[False, True])
    np.testing.assert_array_equal(named.predict(X), from_dtype)
    np.testing.assert_array_equal(by_position.predict(codes), from_dtype)
    np.testing.assert_array_equal(mask.predict(codes), from_dtype)
    assert by_position.categories_[0].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_values_are_matched_by_value_not_by_code():
    X, y = _data()
    model = _fit(X.assign(region=X["region"].astype("category")), y)
    expected = model.predict(X.assign(region=X["region"].astype("category")))
    reordered = X.assign(region=pd.Categorical(X["region"], categories=REGIONS[::-1]))  # other codes
    subset = X.iloc[:5].assign(region=pd.Categorical(X["region"].iloc[:5]))  # fewer categories
    text = X.assign(region=X["region"].astype(object))
    np.testing.assert_array_equal(model.predict(reordered), expected)
    np.testing.assert_array_equal(model.predict(subset), expected[:5])
    np.testing.assert_array_equal(model.predict(text), expected)


def test_an_unseen_or_missing_category_goes_where_missing_values_go():
    X, y = _data()
    model = _fit(X, y, categorical_features=["region"])
    probe = X.iloc[:3].copy()
    unseen = probe.assign(region=["mars", "pluto", "mars"])
    missing = probe.assign(region=[None, np.nan, None])
    np.testing.assert_array_equal(model.predict(unseen), model.predict(missing))
    assert not np.array_equal(model.predict(unseen), model.predict(probe))


def test_eval_set_is_coded_with_the_training_categories():
    X, y = _data(seed=1)
    Xv, yv = _data(seed=2)
    Xv_reordered = Xv.assign(region=pd.Categorical(Xv["region"], categories=REGIONS[::-1]))
    a = _fit(X.assign(region=X["region"].astype("category")), y, eval_set=(Xv_reordered, yv))
    b = _fit(X, y, categorical_features=["region"], eval_set=(Xv, yv))
    assert a.best_iteration_ == b.best_iteration_
    np.testing.assert_array_equal(a.predict(Xv), b.predict(Xv))


def test_a_refit_without_categories_forgets_them():
    X, y = _data()
    model = _fit(X, y, categorical_features=["region"])
    codes = X.assign(region=pd.Categorical(X["region"]).codes)
    model.set_params(categorical_features=None).fit(codes, y)
    assert model.is_categorical_ is None and model.categories_ == []
    assert model.predict(codes).shape == (len(X),)


@pytest.mark.parametrize(("spec", "message"), [
    (["province"], r"^HazardGBM: categorical_features names 'province', which is not a column of X \(columns: "
                   r"'noise', 'region'\)\.$"),
    ([5], r"^HazardGBM: categorical_features has the position 5, but X has 2 column\(s\)\.$"),
    ([True, False, True], r"^HazardGBM: categorical_features as a boolean mask needs one value per column of X "
                          r"\(2\), got 3\.$"),
    ([1.5], r"^HazardGBM: categorical_features holds 1\.5; give column names, positions, or one true/false per "
            r"column\.$"),
])
def test_a_wrong_categorical_features_is_one_line(spec, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        _fit(X, y, categorical_features=spec)


def test_names_need_a_dataframe_and_text_needs_naming():
    X, y = _data()
    with pytest.raises(ValueError, match=r"names a column \('region'\) but X has no column names \(an array\)"):
        _fit(X.to_numpy(), y, categorical_features=["region"])
    with pytest.raises(ValueError, match=r"'region' \(str.*name them in categorical_features"):
        _fit(X, y)
    with pytest.raises(ValueError, match=r"must be a str among \{'from_dtype'\}"):
        _fit(X, y, categorical_features="all")


def test_a_monotone_constraint_on_a_category_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match=r"gives the categorical feature 'region' a direction"):
        _fit(X, y, categorical_features=["region"], monotone_constraints={"region": 1})
    _fit(X, y, categorical_features=["region"], monotone_constraints={"noise": 1})  # the other column may have one


def test_predict_checks_the_columns_before_reading_them_by_position():
    X, y = _data()
    model = _fit(X.to_numpy(), y, categorical_features=[1])
    with pytest.raises(ValueError, match=r"^X has 3 features, but HazardGBM was fitted with 2\.$"):
        model.predict(np.column_stack([X.to_numpy(), X.to_numpy()[:, :1]]))


def test_the_parameter_clones_and_the_model_pickles():
    X, y = _data()
    model = _fit(X, y, categorical_features=["region"])
    assert clone(model).get_params()["categorical_features"] == ["region"]
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_categories_split_on_small_data():
    """LightGBM's own ``min_data_per_group`` (100 rows per category) would leave a 60-sample data set's
    region almost unused: it is the leaf size here."""
    X, y = _data(n=60)
    model = _fit(X, y, categorical_features=["region"])
    assert model.booster_.params["min_data_per_group"] == model.booster_.params["min_child_samples"] == 20
    assert model.booster_.feature_importance()[1] >= 20  # splits on the region (9 with LightGBM's 100)


def test_a_model_pickled_before_the_parameter_existed_loads_reading_numbers():
    X, y = _data()
    codes = X.assign(region=pd.Categorical(X["region"]).codes)
    model = _fit(codes, y, categorical_features=None)
    del model.categorical_features, model.is_categorical_, model.categories_  # as riskscore 0.1 pickled it
    again = pickle.loads(pickle.dumps(model))
    assert again.get_params()["categorical_features"] is None
    np.testing.assert_array_equal(again.predict(codes), model.predict(codes))
    assert repr(again) == "HazardGBM(categorical_features=None, n_estimators=60, random_state=0)"
