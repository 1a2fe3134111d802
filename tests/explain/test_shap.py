"""SHAP values: the table TreeSHAP against LightGBM's pred_contrib and shap.TreeExplainer; additivity."""

from __future__ import annotations

from unittest import mock

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore.explain import BASE_VALUE, Explainer, _treeshap, explain
from riskscore.model import RepaymentModel


@pytest.fixture(scope="module")
def fitted(fit_on_world):
    model, _, _, X = fit_on_world(1500, 21, n_estimators=60, max_depth=-1)
    return model, X


NAMES = [f"f{i}" for i in range(6)]


def _messy(n, seed):
    """Features with NaNs, exact zeros and ties, so every missing-value branch is taken."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[rng.random((n, 6)) < 0.15] = np.nan
    X[:, 2] = np.round(X[:, 2])
    X[:, 3] = np.where(rng.random(n) < 0.4, 0.0, X[:, 3])
    y = np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) * np.nan_to_num(X[:, 3]) + rng.normal(size=n) > 0
    return X.astype(np.float32), y


def test_matches_pred_contrib_on_a_repayment_model(fitted):
    model, X = fitted
    ours = explain(model, X, chunk_size=700)
    ref = explain(model, X, method="lightgbm")
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-9)
    assert list(ours.columns) == [*model.feature_names_in_, BASE_VALUE] and ours.index.equals(X.index)


@pytest.mark.parametrize("params", [{"num_leaves": 31}, {"num_leaves": 63, "min_data_in_leaf": 3},
                                    {"num_leaves": 15, "max_depth": 4, "zero_as_missing": True},
                                    {"num_leaves": 15, "use_missing": False}])
def test_matches_pred_contrib_on_any_tree_shape(params):
    X, y = _messy(3000, 1)
    data = lgb.Dataset(X, label=y, feature_name=NAMES)
    booster = lgb.train({"objective": "binary", "verbosity": -1, **params}, data, 40)
    frame = pd.DataFrame(X, columns=NAMES)
    ref = booster.predict(X, pred_contrib=True)
    np.testing.assert_allclose(Explainer(booster).shap_values(frame).to_numpy(), ref, rtol=0, atol=1e-9)
    # leaves too deep for a table are computed on the fly, with the same result
    with mock.patch.object(_treeshap, "MAX_TABLE_DEPTH", 2):
        forest = _treeshap.forest_from_booster(booster)
        assert (forest.table_start < 0).any()
        np.testing.assert_allclose(_treeshap.tree_shap(forest, X), ref[:, :-1], rtol=0, atol=1e-9)


@pytest.mark.filterwarnings("ignore:LightGBM binary classifier:UserWarning")
def test_agrees_with_shap_tree_explainer(fitted):
    shap = pytest.importorskip("shap")
    model, X = fitted
    sample = X.iloc[:300]
    ours = explain(model, sample)
    ref = shap.TreeExplainer(model.likelihood_).shap_values(sample.to_numpy(np.float32))
    ref = ref[1] if isinstance(ref, list) else ref
    np.testing.assert_allclose(ours.drop(columns=BASE_VALUE).to_numpy(), ref, rtol=0, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), leaves=st.integers(2, 40), rounds=st.integers(1, 30))
def test_values_add_up_to_the_raw_margin(seed, leaves, rounds):
    X, y = _messy(400, seed)
    booster = lgb.train({"objective": "binary", "verbosity": -1, "num_leaves": leaves, "min_data_in_leaf": 5,
                         "seed": seed}, lgb.Dataset(X, label=y, feature_name=NAMES), rounds)
    shap = Explainer(booster).shap_values(pd.DataFrame(X, columns=NAMES))
    total = shap.drop(columns=BASE_VALUE).sum(axis=1) + shap[BASE_VALUE]
    np.testing.assert_allclose(total, booster.predict(X, raw_score=True), rtol=0, atol=1e-9)


def test_input_errors(fitted):
    model, X = fitted
    with pytest.raises(ValueError, match="lacks 1 feature"):
        explain(model, X.drop(columns="days_past_due"))
    with pytest.raises(TypeError, match="DataFrame"):
        explain(model, X.to_numpy())
    with pytest.raises(ValueError, match="not fitted"):
        explain(RepaymentModel(), X)
    with pytest.raises(ValueError, match="method"):
        explain(model, X, method="kernel")
    with pytest.raises(ValueError, match="chunk_size"):
        explain(model, X, chunk_size=0)
