"""scikit-learn's estimator checks, where they apply to survival estimators.

`check_estimator` as a whole assumes a classification or regression ``y``; survival labels are
structured arrays (event, time). So the checks that do not fit run from scikit-learn itself, and
the fit-time invariants it would check (parameters untouched by fit, batch invariance,
``n_features_in_``, pickling) are written here with survival labels.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks as ec

from riskscore.features import FeatureBuilder
from riskscore.model import HazardGBM, RepaymentModel, make_survival_y

_CHECKS = [
    "check_estimator_cloneable",  # scikit-learn 1.6 on
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    # every constructor parameter has a constraint, and a bad type or value fails fit with the
    # message "The 'x' parameter of Y must be ... Got ... instead." (fit validates before the data)
    "check_param_validation",
]
PARAM_CHECKS = [getattr(ec, name) for name in _CHECKS if hasattr(ec, name)]


@pytest.mark.parametrize("estimator", [HazardGBM(), RepaymentModel(), FeatureBuilder()],
                         ids=["HazardGBM", "RepaymentModel", "FeatureBuilder"])
@pytest.mark.parametrize("check", PARAM_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_parameter_checks(estimator, check):
    check(type(estimator).__name__, clone(estimator))


def _data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    t = np.ceil(rng.exponential(12 * np.exp(-X["a"].to_numpy())))
    c = rng.integers(5, 80, n)
    return X, make_survival_y(t <= c, np.minimum(t, c))


def test_fit_does_not_change_parameters_and_sets_fitted_attributes():
    X, y = _data()
    est = HazardGBM(n_estimators=20, random_state=0)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in est.get_params().items()}
    est.fit(X, y)
    assert est.get_params() == before
    assert est.n_features_in_ == 4 and list(est.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match=r"4 features|different columns"):
        est.predict(X[["a", "b", "c"]])


def test_predictions_do_not_depend_on_the_batch():
    X, y = _data()
    est = HazardGBM(n_estimators=20, random_state=0).fit(X, y)
    whole = est.predict(X)
    parts = np.concatenate([est.predict(X.iloc[i:i + 97]) for i in range(0, len(X), 97)])
    np.testing.assert_array_equal(whole, parts)
    surv = est.predict_survival(X)
    np.testing.assert_array_equal(surv[5:9], est.predict_survival(X.iloc[5:9]))


def test_numpy_input_and_pickle_round_trip():
    X, y = _data()
    est = HazardGBM(n_estimators=20, random_state=0).fit(X.to_numpy(), y)
    assert not hasattr(est, "feature_names_in_")
    again = pickle.loads(pickle.dumps(est))  # the user's own object: pickling it is their choice
    np.testing.assert_array_equal(est.predict(X.to_numpy()), again.predict(X.to_numpy()))


def test_refit_forgets_the_previous_fit():
    X, y = _data()
    est = HazardGBM(n_estimators=20, random_state=0)
    est.fit(X[["a", "b"]], y)
    est.fit(X, y)
    assert est.n_features_in_ == 4
    est.fit(X.to_numpy(), y)
    assert not hasattr(est, "feature_names_in_")
    est.fit(X, y)
    np.testing.assert_array_equal(est.predict(X), clone(est).fit(X, y).predict(X))
