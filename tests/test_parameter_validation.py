"""Parameter validation the scikit-learn way, over the whole package (style.md section 2).

The test walks every module of riskscore and collects

* every class that is a scikit-learn estimator or declares ``_parameter_constraints``
  (estimators validate in ``fit``; :class:`~riskscore.policy.ContactPolicy` and
  :class:`~riskscore.model.ScoreScaling` on construction), and
* every function decorated with ``validate_params`` (through ``riskscore._compat``).

For each constrained parameter it passes a value of a type no constraint accepts and, where the
constraints allow one, a value of an accepted type outside the allowed range or set, and expects
scikit-learn's message: "The 'x' parameter of Y must be ... Got ... instead." (an
``InvalidParameterError``: both a ``ValueError`` and a ``TypeError``). Hypothesis then throws
arbitrary values at every parameter: whatever no constraint accepts is refused with that message.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator

import riskscore
from riskscore._compat import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    make_constraint,
    validate_parameter_constraints,
    validate_params,
)
from riskscore.features import FeatureBuilder
from riskscore.model import HazardGBM, RepaymentModel, make_survival_y
from riskscore.policy import ContactPolicy


def _modules():
    with warnings.catch_warnings():
        # pyspark (the spark extra) warns about pandas 3 on import; riskscore does not use pyspark.pandas
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        for info in pkgutil.walk_packages(riskscore.__path__, "riskscore."):
            if not info.name.endswith("__main__"):  # running the CLI is not importing it
                yield importlib.import_module(info.name)


def _owners():
    """Every validating class and function defined in riskscore, once each."""
    found = {}
    for module in _modules():
        for obj in vars(module).values():
            if not str(getattr(obj, "__module__", "")).startswith("riskscore"):
                continue
            if inspect.isclass(obj) and (issubclass(obj, BaseEstimator) or hasattr(obj, "_parameter_constraints")):
                found[obj] = obj.__name__
            elif inspect.isfunction(obj) and hasattr(obj, "_skl_parameter_constraints"):
                found[obj] = obj.__qualname__
    return sorted(found.items(), key=lambda kv: (kv[0].__module__, kv[1]))


OWNERS = _owners()
#: Functions that declare only some parameters, and why.
PARTIAL = {"score_portfolio": "only the scalar options: paths, profile and policy options are checked where opened"}


def _constraints(owner):
    return owner._parameter_constraints if inspect.isclass(owner) else owner._skl_parameter_constraints


def _named_parameters(owner):
    """The named parameters; for a class whose ``__init__`` passes ``**kwargs`` on (the baselines of
    ContactPolicy), also those of the parent it passes them to."""
    inits = [vars(c)["__init__"] for c in owner.__mro__ if "__init__" in vars(c)] if inspect.isclass(owner) \
        else [owner]
    out = {}
    for init in inits:
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                out.setdefault(p.name, p)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return list(out.values())


def _valid(constraints):
    """A value that satisfies one of the constraints (only its type matters: validation comes first)."""
    from sklearn.utils._param_validation import generate_valid_param  # test helper, not used by the library

    for c in constraints:
        try:
            value = generate_valid_param(make_constraint(c))
        except (TypeError, ValueError):  # an abstract type or one that needs arguments
            continue
        if make_constraint(c).is_satisfied_by(value):
            return value
    return None


def _call(owner, **params):
    """Trigger validation the public way: construct (and for an estimator, fit)."""
    constraints = _constraints(owner)
    required = {p.name: _valid(constraints.get(p.name, [])) for p in _named_parameters(owner)
                if p.default is p.empty and p.name not in params}
    if inspect.isclass(owner) and issubclass(owner, BaseEstimator):
        estimator = owner(**required, **params)  # never raises: scikit-learn estimators validate in fit
        fit_args = [p for p in inspect.signature(estimator.fit).parameters.values()
                    if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        return estimator.fit(*[None] * len(fit_args))  # parameters are validated before the data is read
    return owner(**required, **params)


def _rejects(constraints, value):
    return not any(make_constraint(c).is_satisfied_by(value) for c in constraints)


def _bad_values(constraints):
    """Values of an accepted type that no constraint allows (as scikit-learn's check_param_validation)."""
    from sklearn.utils._param_validation import generate_invalid_param_val

    out = []
    for c in map(make_constraint, constraints):
        if isinstance(c, Options) and not isinstance(c, StrOptions) and c.type is Integral:
            candidates = [max(c.options) + 1, min(c.options) - 1]
        else:
            try:
                candidates = [generate_invalid_param_val(c)]
            except NotImplementedError:
                continue
        out += [v for v in candidates if _rejects(constraints, v)]
    return out


#: Values of an accepted type that the declarative constraints cannot express, checked after them.
EXTRA_BAD = {(FeatureBuilder, "windows"): [(3, 3), (), [0, 3]],
             (HazardGBM, "interval_edges"): [[0, 2, 1], [1, 2], [0], [["a"]]]}

CASES = [(owner, name, param) for owner, name in OWNERS for param in _constraints(owner)]
BAD_VALUES = [(owner, name, param, value) for owner, name, param in CASES
              for value in _bad_values(_constraints(owner)[param]) + EXTRA_BAD.get((owner, param), [])]
#: Test ids that do not depend on the process (a generated invalid option lists a set's members in hash
#: order, and objects print their address): pytest-xdist's workers must collect the same ids.
BAD_IDS = [f"{n}-{p}-{sum(1 for _, n2, p2, _ in BAD_VALUES[:i] if (n2, p2) == (n, p))}"
           for i, (_, n, p, _) in enumerate(BAD_VALUES)]


def _message(param, name):
    return rf"The '{param}' parameter of {re.escape(name)} must be .* Got .* instead\."


def test_the_walk_finds_the_estimators_and_the_validated_functions():
    names = {name for _, name in OWNERS}
    assert {"HazardGBM", "RepaymentModel", "FeatureBuilder", "ScoreScaling", "ContactPolicy"} <= names
    assert {"make_snapshots", "make_labels", "rolling_as_of_dates", "time_split", "split_xy", "train", "evaluate",
            "generate", "quarantine", "reason_codes", "check_plans", "score_portfolio"} <= names


@pytest.mark.parametrize(("owner", "name"), OWNERS, ids=[n for _, n in OWNERS])
def test_every_parameter_has_a_constraint(owner, name):
    declared = set(_constraints(owner))
    named = {p.name for p in _named_parameters(owner)}
    if inspect.isclass(owner) and issubclass(owner, BaseEstimator):
        named = set(owner().get_params(deep=False))
    assert declared <= named, f"{name} declares constraints of parameters it does not take: {declared - named}"
    if name not in PARTIAL:
        assert named <= declared, f"{name} has parameters without a constraint: {sorted(named - declared)}"


@pytest.mark.parametrize(("owner", "name"), OWNERS, ids=[n for _, n in OWNERS])
def test_every_default_is_accepted(owner, name):
    if inspect.isclass(owner) and issubclass(owner, BaseEstimator):
        owner()._validate_params()
        return
    defaults = {p.name: p.default for p in _named_parameters(owner) if p.default is not p.empty}
    validate_parameter_constraints(_constraints(owner), defaults, caller_name=name)
    if inspect.isclass(owner) and all(p.default is not p.empty for p in _named_parameters(owner)):
        owner()  # constructing with the defaults runs the same validation


@pytest.mark.parametrize(("owner", "name", "param"), CASES, ids=[f"{n}-{p}" for _, n, p in CASES])
def test_a_bad_type_is_refused_with_the_parameter_named(owner, name, param):
    bad = type("BadType", (), {})()
    assert _rejects(_constraints(owner)[param], bad)
    with pytest.raises(TypeError, match=_message(param, name)) as caught:
        _call(owner, **{param: bad})
    # a class is named where users import it ('riskscore.model.ScoreScaling'), never by a private module
    assert not re.search(r"riskscore[.\w]*\._", str(caught.value)), str(caught.value)


@pytest.mark.parametrize(("owner", "name", "param", "value"), BAD_VALUES, ids=BAD_IDS)
def test_a_bad_value_is_refused_with_the_parameter_named(owner, name, param, value):
    with pytest.raises(ValueError, match=_message(param, name)):
        _call(owner, **{param: value})


ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.binary(max_size=4), st.complex_numbers(max_magnitude=10),
    st.lists(st.integers(-3, 100), max_size=4), st.tuples(st.integers(-3, 100), st.integers(-3, 100)),
    st.dictionaries(st.text(max_size=3), st.integers(-1, 1), max_size=2), st.just(object()),
    st.just(np.float64("nan")), st.just(np.int64(-1)), st.just(pd.NaT),
)


@pytest.mark.parametrize(("owner", "name", "param"), CASES, ids=[f"{n}-{p}" for _, n, p in CASES])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_whatever_no_constraint_accepts_is_refused(owner, name, param, data):
    constraints = _constraints(owner)[param]
    value = data.draw(ANYTHING.filter(lambda v: _rejects(constraints, v)), label=param)
    with pytest.raises(InvalidParameterError, match=_message(param, name)):
        _call(owner, **{param: value})


# -- explicit cases ------------------------------------------------------------------------------
def _survival_data(n=200):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    t = np.ceil(rng.exponential(10, n))
    return X, make_survival_y(t < 30, np.minimum(t, 30))


def test_a_learning_rate_above_one_is_refused_at_fit():
    X, y = _survival_data()
    model = HazardGBM(learning_rate=10)  # constructing never raises (scikit-learn's contract)
    with pytest.raises(ValueError, match=r"The 'learning_rate' parameter of HazardGBM must be a float in the range "
                                         r"\(0\.0, 1\.0\]\. Got 10 instead\."):
        model.fit(X, y)
    HazardGBM(learning_rate=1.0, n_estimators=2).fit(X, y)  # the bound itself is allowed


def test_one_leaf_is_refused():
    X, y = _survival_data()
    with pytest.raises(ValueError, match=r"The 'num_leaves' parameter of RepaymentModel must be an int in the range "
                                         r"\[2, 131072\]\. Got 1 instead\."):
        RepaymentModel(num_leaves=1).fit(X, y)


def test_the_likelihood_horizon_must_be_an_edge_of_the_curve():
    X, y = _survival_data()
    with pytest.raises(ValueError, match=r"The 'likelihood_days' parameter of RepaymentModel must be an int among "
                                         r"\{1, 2, 3, 4, 5, 7, 10, 14, 21, 30, 45, 60, 75, 90\}\. Got 31 instead\."):
        RepaymentModel(likelihood_days=31).fit(X, y)


def test_transform_validates_without_fit():
    with pytest.raises(ValueError, match="The 'population' parameter of FeatureBuilder must be"):
        FeatureBuilder(population="everyone").transform(pd.DataFrame(), "2024-01-01")
    with pytest.raises(ValueError, match="The 'windows' parameter of FeatureBuilder must be"):
        FeatureBuilder(windows=(3, 3)).get_feature_names_out()


def test_an_error_inside_a_validated_function_names_its_owner():
    """scikit-learn renames the owner of an InvalidParameterError raised inside a decorated function
    to the function; riskscore's functions take estimators and policies, so _compat keeps the owner."""

    @validate_params({"n": [Interval(Integral, 0, None, closed="left")]}, prefer_skip_nested_validation=True)
    def plan_with(n):
        ContactPolicy(plan_days=n)

    with pytest.raises(ValueError, match=r"The 'plan_days' parameter of ContactPolicy must be an int in the range "
                                         r"\[1, 60\]\. Got 0 instead\."):
        plan_with(0)
    with pytest.raises(ValueError, match=r"The 'n' parameter of .*plan_with must be"):
        plan_with(-1)
    assert set(plan_with._skl_parameter_constraints) == {"n"}  # introspectable, as in scikit-learn


def test_estimators_validate_inside_a_validated_function():
    """prefer_skip_nested_validation skips only nested *decorated* functions: estimators and policies
    check their own parameters directly, whoever calls them."""

    @validate_params({}, prefer_skip_nested_validation=True)
    def build():
        FeatureBuilder(lookahead_days=-1).fit()

    with pytest.raises(ValueError, match="The 'lookahead_days' parameter of FeatureBuilder must be"):
        build()


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match=r"The thresholds of ContactPolicy must satisfy low_threshold <= "
                                         r"self_cure_threshold <= no_contact_threshold\. Got 0\.9, 0\.8 and 0\.95"):
        ContactPolicy(low_threshold=0.9)
