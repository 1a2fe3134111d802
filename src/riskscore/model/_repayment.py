"""RepaymentModel: the likelihood head and the timing head, consistent by construction."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from riskscore._compat import Hidden, Interval, IntOptions, InvalidParameterError, StrOptions, public_names
from riskscore._dates import as_of_dates
from riskscore.model._calibration import isotonic_calibrator, isotonic_helps
from riskscore.model._frames import check_numeric, duplicated, unstorable_names
from riskscore.model._hazard import HazardGBM
from riskscore.model._scaling import ScoreScaling
from riskscore.model._survival import check_survival_y

__all__ = ["DEFAULT_EDGES", "RepaymentModel"]

#: Interval edges (days) of the timing head: fine early, and every reporting horizon is an edge.
DEFAULT_EDGES = (0, 1, 2, 3, 4, 5, 7, 10, 14, 21, 30, 45, 60, 75, 90)
GRADES = ("A", "B", "C", "D", "E", "F", "G")
#: Where a column that is not a number most often comes from: who and when kept as columns.
_KEYS_HINT = ("keep borrower_id and as_of in the index, not as columns (riskscore.split_xy does: "
              "X.set_index(['borrower_id', 'as_of'])), and encode other text as numbers")


def _check_numeric(X: pd.DataFrame, what: str) -> pd.DataFrame:
    """``X`` with object columns of numbers as floats, or one line naming the columns that are not numbers
    (with the likely cause when they are the keys)."""
    keys = {"borrower_id", "as_of"} & {str(c) for c in X.columns}
    check_numeric(X, who="RepaymentModel", what=what, hint=_KEYS_HINT if keys else "")
    objects = [i for i, dtype in enumerate(X.dtypes) if pd.api.types.is_object_dtype(dtype)]
    if objects:  # numbers (and pandas' NA) in an object column: LightGBM's float matrix cannot take NA
        X = X.copy()
        for i in objects:
            X.isetitem(i, X.iloc[:, i].to_numpy(dtype=float, na_value=np.nan))
    return X


def _registry_monotone(columns: list[str]) -> dict[str, int]:
    from riskscore.features import registry_for  # the model layer may read the registry

    monotone = registry_for(columns)["monotone"].fillna(0)
    return {c: int(m) for c, m in monotone.items() if m != 0}


def _registry_monotone_any(columns: list[str]) -> bool:
    """Whether any of ``columns`` is a registry feature (some have no monotone direction)."""
    from riskscore.features import registry_for

    return bool((registry_for(columns)["family"] != "own_data").any())


def _holdout(X: pd.DataFrame, y: np.ndarray, fraction: float, horizon: int, seed: int | None
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows to fit on and rows held out for early stopping: by as-of date, else by borrower, else at random."""
    n = len(X)
    names = list(X.index.names)
    rng = np.random.default_rng(seed or 0)
    event, time = y["event"], y["time"]
    held = None
    if "as_of" in names:
        as_of = as_of_dates(X.index.get_level_values("as_of"), "X's as_of index level")
        cutoff = as_of.sort_values()[min(int(np.floor(n * (1 - fraction))), n - 1)]
        held = np.flatnonzero(as_of >= cutoff)
        # an earlier row whose label window reaches the held-out dates would leak their outcomes
        fit = np.flatnonzero(as_of + pd.Timedelta(days=horizon) <= cutoff)
    elif "borrower_id" in names:
        codes, uniques = pd.factorize(X.index.get_level_values("borrower_id"))
        chosen = rng.random(len(uniques)) < fraction
        held, fit = np.flatnonzero(chosen[codes]), np.flatnonzero(~chosen[codes])
    else:
        warnings.warn("RepaymentModel.fit without eval_set: X's index names neither 'as_of' nor 'borrower_id', "
                      f"so {fraction:.0%} of the rows are held out at random for early stopping and calibration "
                      "(one borrower's snapshots may sit on both sides). Build X with riskscore.split_xy, or "
                      "pass eval_set.", UserWarning, stacklevel=3)
        chosen = rng.random(n) < fraction
        held, fit = np.flatnonzero(chosen), np.flatnonzero(~chosen)
    label = event & (time <= horizon)
    known = event | (time >= horizon)
    usable = all(len(np.unique(label[rows][known[rows]])) == 2 and event[rows].any() for rows in (fit, held))
    if not usable:
        warnings.warn(f"RepaymentModel.fit without eval_set: a {fraction:.0%} hold-out of these {n} rows leaves "
                      "one side without both outcomes, so there is no early stopping and no calibration; pass "
                      "eval_set or more rows.", UserWarning, stacklevel=3)
        return np.arange(n), None
    return fit, held


class RepaymentModel(BaseEstimator):
    """Likelihood and timing of repayment from riskscore features.

    Two LightGBM heads share the label ``y`` (structured: event, time):

    * the **likelihood head**, a binary classifier of "repaid within ``likelihood_days``" on the
      rows whose outcome is known at the horizon (a row censored before it is left out, never
      counted as non-repayment), calibrated by isotonic regression on the validation split when
      that lowers the expected calibration error;
    * the **timing head**, a :class:`HazardGBM` survival curve on :data:`DEFAULT_EDGES`.

    They agree by construction: each borrower's survival curve is rescaled as
    ``S'(d) = S(d) ** alpha`` (a per-borrower proportional-hazards adjustment that keeps the
    curve's shape and monotonicity) with ``alpha`` chosen so that ``1 - S'(likelihood_days)``
    equals the calibrated likelihood exactly.

    Parameters
    ----------
    likelihood_days : int, default 30
        The likelihood is P(repaid within this many days); must be an interval edge of the
        timing head (:data:`DEFAULT_EDGES`, 1 to 90), where the two heads are made to agree.
        Not the censoring horizon of the label (``censor_days`` of :func:`riskscore.make_snapshots`,
        90 by default), which must be at least this long.
    n_estimators : int >= 1, default 600
        Boosting rounds of both heads (an upper bound: early stopping with a validation split).
    learning_rate : float in (0, 1], default 0.05
        Of both heads; a rate above 1 over-shoots every boosting step, so it is refused.
    num_leaves : int in [2, 131072], default 31
        Of both heads (LightGBM's bounds).
    min_child_samples : int >= 0, default 100
        Of both heads.
    max_depth : int >= 1 or -1, default 6
        Depth cap of the likelihood head's trees (-1: none). Explaining a row costs about
        O(leaves x depth) per tree (see :func:`riskscore.explain.explain`), so shallow trees make
        the nightly SHAP pass cheaper; the AUC cost is measured in ``benchmarks/model_synthetic.py``.
    monotone : {"registry"}, dict or None, default "registry"
        Monotone constraints on the likelihood of repaying: ``"registry"`` takes the directions
        the feature registry marks as unambiguous (e.g. more days past due never raises it); a
        dict maps column names of ``X`` to -1, 0 or 1 (a name ``X`` lacks is refused, not ignored).
    calibration : {"auto", "isotonic", "none"}, default "auto"
        With a validation split: isotonic regression on it, always ("isotonic") or when it
        lowers the log-loss out of fold ("auto": 5-fold cross-fitting on the validation split,
        so the choice is not judged on the rows it was fitted to). The calibrated likelihood
        stays within ``[1/(2n), 1 - 1/(2n)]`` for ``n`` validation rows: n rows cannot show
        certainty.
    early_stopping_rounds : int >= 1, default 50
        With a validation split in ``fit``.
    validation_fraction : float in (0, 0.5] or None, default 0.2
        When ``fit`` gets no ``eval_set``, this share of the rows is held out for early stopping
        and calibration (like scikit-learn's ``HistGradientBoostingClassifier``, the final model
        is not refitted on them). The split respects time and borrowers when ``X`` says who and
        when, as :func:`riskscore.split_xy` does with its index (``borrower_id``, ``as_of``): the
        latest as-of dates are held out, and earlier rows whose ``likelihood_days`` label window
        reaches into them are left out of training; with only ``borrower_id``, whole borrowers are
        held out. Without either, the rows are split at random with a warning (one borrower's
        snapshots then sit on both sides). ``None``: no early stopping and no calibration, every
        row fits both heads for ``n_estimators`` rounds.
    scaling : ScoreScaling, optional
        Points scaling (600 points at 50:1, 20 PDO by default).
    random_state : int >= 0, optional
    horizon_days : int, optional
        Deprecated: renamed ``likelihood_days`` in riskscore 0.2, removed in 0.4. When given, it
        wins over ``likelihood_days`` and ``fit`` warns.

    Attributes
    ----------
    likelihood_ : lightgbm.Booster
    timing_ : HazardGBM
    calibrator_ : dict or None
        Isotonic thresholds ``{"x": [...], "y": [...]}`` (JSON-able), when calibrated.
    grade_edges_ : ndarray
        Points cut-offs of grades A (best) to G, from the training distribution.
    feature_names_in_ : ndarray of str
    classes_ : ndarray
        ``[False, True]``: not repaid / repaid within the horizon.
    likelihood_days_ : int
        The likelihood horizon used (``likelihood_days``, or the deprecated ``horizon_days``).

    Examples
    --------
    >>> from riskscore.model import RepaymentModel, load_bundle
    >>> RepaymentModel(14, n_estimators=200).get_params()["likelihood_days"]
    14
    >>> try:
    ...     RepaymentModel(31).fit(None, None)  # parameters are checked before the data
    ... except ValueError as err:
    ...     print(err)
    The 'likelihood_days' parameter of RepaymentModel must be an int among
    {1, 2, 3, 4, 5, 7, 10, 14, 21, 30, 45, 60, 75, 90}. Got 31 instead.

    It is not a scikit-learn *classifier* although it has ``predict_proba``: its ``y`` is a
    survival label, so scikit-learn must not stratify folds on it (it would treat every
    (event, time) pair as a class); model selection uses plain or :class:`BorrowerTimeSplit` folds.
    Fitted without ``eval_set``, it holds out ``validation_fraction`` of the rows itself, by
    as-of date when ``X`` carries it (``split_xy`` puts ``borrower_id`` and ``as_of`` in the
    index), and :meth:`score` is the AUC of the likelihood, so scikit-learn's model selection
    works with its defaults (``cross_val_score(model, X, y, cv=BorrowerTimeSplit())``).
    scikit-learn's *named* scorers (``scoring="roc_auc"``, ``"neg_log_loss"``) read ``y`` as class
    labels and score every fold NaN on a survival label (with a warning ending "multi_class must
    be in ('ovo', 'ovr')"); leave ``scoring`` out, or pass :data:`riskscore.model.SCORERS`
    (``scoring=SCORERS["auc"]``, or the dict with ``refit="auc"``: ``auc``, ``gini``, ``ks``,
    ``neg_log_loss``, ``c_index``).

    >>> model = load_bundle("models/sample")   # fitted: see riskscore.model.train
    >>> model.likelihood_days_, model.feature_names_in_[:2].tolist()
    (30, ['share_late_3', 'share_late30_3'])
    """

    _parameter_constraints: ClassVar[dict[str, list[object]]] = {
        "likelihood_days": [IntOptions(DEFAULT_EDGES[1:])],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, 1, closed="right")],
        "num_leaves": [Interval(Integral, 2, 131072, closed="both")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), IntOptions({-1})],
        "min_child_samples": [Interval(Integral, 0, None, closed="left")],
        "monotone": [StrOptions({"registry"}), dict, None],
        "calibration": [StrOptions({"auto", "isotonic", "none"})],
        "early_stopping_rounds": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 0.5, closed="right"), None],
        "scaling": [ScoreScaling, None],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "horizon_days": [IntOptions(DEFAULT_EDGES[1:]), Hidden(StrOptions({"deprecated"}))],
    }

    def __init__(self, likelihood_days: int = 30, *, n_estimators: int = 600, learning_rate: float = 0.05,
                 num_leaves: int = 31, max_depth: int = 6, min_child_samples: int = 100, monotone: object = "registry",
                 calibration: str = "auto", early_stopping_rounds: int = 50, validation_fraction: float | None = 0.2,
                 scaling: ScoreScaling | None = None, random_state: int | None = None,
                 horizon_days: int | str = "deprecated"):
        self.likelihood_days = likelihood_days
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.monotone = monotone
        self.calibration = calibration
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.scaling = scaling
        self.random_state = random_state
        self.horizon_days = horizon_days

    def _validate_params(self) -> None:
        try:
            super()._validate_params()
        except InvalidParameterError as err:  # 'riskscore.model.ScoreScaling', not its private module
            raise InvalidParameterError(public_names(str(err))) from None

    # -- fitting -----------------------------------------------------------------------------
    def _check(self, X: object) -> pd.DataFrame:
        """X as a DataFrame: a 2-d array (e.g. from a scikit-learn imputer) takes the fitted column names."""
        if isinstance(X, pd.DataFrame):
            return X
        try:
            arr = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as err:
            raise TypeError(f"RepaymentModel needs X as a DataFrame of riskscore features or a 2-d numeric array, "
                            f"got {type(X).__name__}.") from err
        if arr.ndim != 2:
            raise ValueError(f"X must be 2-d (rows x features), got an array of shape {arr.shape}.")
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = [f"x{i}" for i in range(arr.shape[1])]
        elif len(names) != arr.shape[1]:
            raise ValueError(f"X has {arr.shape[1]} columns; the model was fitted with {len(names)} features.")
        return pd.DataFrame(arr, columns=list(names))

    def _resolve_likelihood_days(self) -> int:
        if isinstance(self.horizon_days, str) and self.horizon_days == "deprecated":
            return int(self.likelihood_days)
        warnings.warn("'horizon_days' was renamed 'likelihood_days' in riskscore 0.2 and will be removed in 0.4.",
                      FutureWarning, stacklevel=3)
        return int(self.horizon_days)

    def _binary(self, y: object) -> tuple[np.ndarray, np.ndarray]:
        event, time = check_survival_y(y)
        known = event | (time >= self.likelihood_days_)
        return (event & (time <= self.likelihood_days_)).astype(float), known

    def _monotone_list(self, columns: list[str]) -> list[int]:
        if self.monotone == "registry":
            mapping = _registry_monotone(columns)
            if not mapping and not _registry_monotone_any(columns):
                warnings.warn(f"RepaymentModel(monotone='registry'): none of X's {len(columns)} columns is a riskscore "
                              f"feature (e.g. {columns[0]!r}), so no monotone constraint applies; keep the feature "
                              "names (set_output(transform='pandas') on the steps before, verbose_feature_names_out="
                              "False on a ColumnTransformer), or pass monotone=None or a dict.", UserWarning,
                              stacklevel=3)
        else:
            mapping = {str(k): v for k, v in (self.monotone or {}).items()}
            unknown = [k for k in mapping if k not in set(columns)]
            if unknown:
                raise ValueError(f"RepaymentModel: monotone names feature(s) X does not have: {unknown[:5]}.")
            bad = [(k, v) for k, v in mapping.items() if isinstance(v, bool) or v not in (-1, 0, 1)]
            if bad:
                raise ValueError(f"RepaymentModel: monotone values must be -1, 0 or 1 (decreasing, none, increasing), "
                                 f"got {bad[0][1]!r} for {bad[0][0]!r}.")
        return [int(mapping.get(c, 0)) for c in columns]

    def fit(self, X: pd.DataFrame, y: object, *, eval_set: tuple[pd.DataFrame, object] | None = None
            ) -> RepaymentModel:
        """Fit both heads; ``eval_set`` (a later, time-based split) drives early stopping and calibration."""
        self._validate_params()
        self.likelihood_days_ = self._resolve_likelihood_days()
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_  # a refit names array columns afresh
        X = self._check(X)
        columns = [str(c) for c in X.columns]
        self._check_names(columns)
        X = _check_numeric(X, "X")
        check_survival_y(y)
        if len(X) != len(np.asarray(y)):
            raise ValueError(f"X has {len(X)} rows but y has {len(np.asarray(y))}.")
        if eval_set is not None:
            eval_set = self._eval_set(eval_set, columns)
        self.feature_names_in_ = np.asarray(columns, dtype=object)
        self.n_features_in_ = len(columns)
        self.classes_ = np.array([False, True])
        if eval_set is None and self.validation_fraction is not None:
            fit_rows, held = _holdout(X, np.asarray(y), self.validation_fraction, self.likelihood_days_,
                                      self.random_state)
            if held is not None:
                eval_set = (X.iloc[held], np.asarray(y)[held])
                X, y = X.iloc[fit_rows], np.asarray(y)[fit_rows]
        target, known = self._binary(y)
        mono = self._monotone_list(columns)
        params = {"objective": "binary", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
                  "max_depth": self.max_depth,
                  "min_child_samples": self.min_child_samples, "monotone_constraints": mono,
                  "monotone_constraints_method": "advanced", "seed": self.random_state or 0, "deterministic": True,
                  "force_row_wise": True, "verbosity": -1}
        train = lgb.Dataset(X.loc[known].to_numpy(np.float32), label=target[known], feature_name=columns)
        valid_sets, callbacks, Xv, yv_bin, kv = [], [], None, None, None
        if eval_set is not None:
            Xv = eval_set[0]
            yv_bin, kv = self._binary(eval_set[1])
            valid_sets = [lgb.Dataset(Xv.loc[kv].to_numpy(np.float32), label=yv_bin[kv], reference=train)]
            callbacks = [lgb.early_stopping(self.early_stopping_rounds, verbose=False)]
        self.likelihood_ = lgb.train(params, train, num_boost_round=self.n_estimators, valid_sets=valid_sets,
                                     callbacks=callbacks)
        self.timing_ = HazardGBM(self.n_estimators, learning_rate=self.learning_rate, num_leaves=self.num_leaves,
                                 min_child_samples=self.min_child_samples, interval_edges=DEFAULT_EDGES,
                                 monotone_constraints=mono, categorical_features=None,  # numbers, as the likelihood
                                 early_stopping_rounds=self.early_stopping_rounds if eval_set is not None else None,
                                 max_rows=5_000_000, random_state=self.random_state,
                                 # the settings this head was validated with inside RepaymentModel (HazardGBM's
                                 # own defaults were chosen for it alone, on the survival panel); the split is ours
                                 subsample=1.0, colsample_bytree=1.0, reg_lambda=0.0, validation_fraction=None)
        self.timing_.fit(X, y, eval_set=(Xv, eval_set[1]) if eval_set is not None else None)
        self.calibrator_ = None
        if eval_set is not None and self.calibration != "none":
            raw, known = self._raw_proba(Xv.loc[kv]), np.asarray(yv_bin[kv], dtype=float)
            if self.calibration == "isotonic" or isotonic_helps(raw, known, self.random_state):
                self.calibrator_ = isotonic_calibrator(raw, known)
        points = self.points(X)
        self.grade_edges_ = np.quantile(points, np.linspace(0, 1, len(GRADES) + 1)[1:-1])[::-1]
        return self

    @staticmethod
    def _check_names(columns: list[str]) -> None:
        """Feature names LightGBM can store, once each (the likelihood head keeps them as they are)."""
        twice, bad = duplicated(columns), unstorable_names(columns)
        if twice:
            raise ValueError(f"RepaymentModel: X has duplicated column(s) {twice[:5]}; give each feature its own name.")
        if bad:
            raise ValueError(f"RepaymentModel: column name(s) {bad[:5]} hold a character LightGBM cannot store in a "
                             'model (one of " , : [ ] { }); rename them, e.g. X.rename(columns={...}).')

    def _eval_set(self, eval_set: object, columns: list[str]) -> tuple[pd.DataFrame, object]:
        """``eval_set`` as (features in ``columns``' order, y), checked against the training ``X``."""
        if not isinstance(eval_set, tuple | list) or len(eval_set) != 2:
            raise ValueError(f"eval_set must be a pair (X_val, y_val), got {type(eval_set).__name__}"
                             f"{f' of length {len(eval_set)}' if hasattr(eval_set, '__len__') else ''}.")
        Xv = self._check(eval_set[0])
        missing = [c for c in columns if c not in {str(k) for k in Xv.columns}]
        if missing:
            raise ValueError(f"eval_set's X lacks {len(missing)} feature(s) of X: {missing[:5]}.")
        Xv = Xv.set_axis([str(c) for c in Xv.columns], axis=1)[columns]
        Xv = _check_numeric(Xv, "eval_set's X")
        try:
            check_survival_y(eval_set[1])
        except ValueError as err:
            raise ValueError(f"eval_set's y: {err}") from err
        if len(Xv) != len(np.asarray(eval_set[1])):
            raise ValueError(f"eval_set's X has {len(Xv)} rows but its y has {len(np.asarray(eval_set[1]))}.")
        return Xv, eval_set[1]

    def score(self, X: pd.DataFrame, y: object, sample_weight: object = None) -> float:
        """AUC of the likelihood on the rows whose outcome at ``likelihood_days_`` is known.

        The default metric of scikit-learn's model selection (``cross_val_score``,
        ``GridSearchCV``) for this estimator: the label is the survival label ``y`` (event, time),
        read as "repaid within ``likelihood_days_``"; rows censored before the horizon are left
        out, as in training.

        Parameters
        ----------
        X : DataFrame of features
        y : structured array (event, time)
        sample_weight : array-like, optional
            Weights of the rows (only those known at the horizon count).

        Returns
        -------
        float
            ROC AUC in [0, 1]; ``nan`` when the known rows hold a single class (AUC undefined).
        """
        from sklearn.metrics import roc_auc_score

        check_is_fitted(self, "likelihood_")
        target, known = self._binary(y)
        X = self._check(X)
        if len(X) != len(target):
            raise ValueError(f"RepaymentModel.score: X has {len(X)} rows but y has {len(target)}.")
        if sample_weight is not None and len(np.asarray(sample_weight)) != len(X):
            raise ValueError(f"RepaymentModel.score: sample_weight has {len(np.asarray(sample_weight))} values for "
                             f"{len(X)} rows.")
        if len(np.unique(target[known])) < 2:
            warnings.warn("RepaymentModel.score: the rows known at the horizon hold one class; AUC is undefined.",
                          UserWarning, stacklevel=2)
            return float("nan")
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[known]
        p = self.likelihood(X.iloc[np.flatnonzero(known)])
        return float(roc_auc_score(target[known], p, sample_weight=weight))

    # -- prediction --------------------------------------------------------------------------
    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "likelihood_")
        X = self._check(X)
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks {len(missing)} feature(s) the model was fitted with: {missing[:5]}.")
        return _check_numeric(X[list(self.feature_names_in_)], "X")

    def _raw_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.likelihood_.predict(X.to_numpy(np.float32), num_iteration=self.likelihood_.best_iteration or None)

    def likelihood(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated P(repaid within ``likelihood_days``), shape (n_samples,)."""
        raw = self._raw_proba(self._features(X))
        if self.calibrator_ is None:
            return raw
        return np.interp(raw, self.calibrator_["x"], self.calibrator_["y"])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``[[P(not repaid), P(repaid)]]`` within ``likelihood_days`` (scikit-learn convention)."""
        p = self.likelihood(X)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """True where repayment within the horizon is more likely than not."""
        return self.likelihood(X) >= 0.5

    def _curve(self, X: pd.DataFrame, likelihood: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        X = self._features(X)
        surv = np.clip(self.timing_.predict_survival(X), 1e-9, 1 - 1e-12)
        edges = np.asarray(DEFAULT_EDGES[1:], dtype=float)
        at = int(np.flatnonzero(edges == self.likelihood_days_)[0])
        target = np.clip(1 - (self.likelihood(X) if likelihood is None else likelihood), 1e-9, 1 - 1e-12)
        alpha = np.log(target) / np.log(surv[:, at])
        return edges, surv ** alpha[:, None]

    def predict_survival(self, X: pd.DataFrame, days: Sequence[int] = (7, 14, 30, 60, 90)) -> pd.DataFrame:
        """P(repaid within each of ``days``) and the expected days to repay within the last edge.

        Returns a DataFrame with ``p_repaid_{d}d`` per day and ``expected_days`` (the
        restricted mean time to repay within 90 days), indexed like ``X``.
        """
        return self._survival_frame(X, days, None)

    def _survival_frame(self, X: pd.DataFrame, days: Sequence[int], likelihood: np.ndarray | None) -> pd.DataFrame:
        edges, surv = self._curve(X, likelihood)
        out = pd.DataFrame(index=X.index)
        for d in days:
            if d not in edges:
                raise ValueError(f"days must be interval edges {DEFAULT_EDGES[1:]}, got {d}.")
            out[f"p_repaid_{d}d"] = 1 - surv[:, int(np.flatnonzero(edges == d)[0])]
        out["expected_days"] = self._restricted_mean(edges, surv)
        return out

    @staticmethod
    def _restricted_mean(edges: np.ndarray, surv: np.ndarray) -> np.ndarray:
        widths = np.diff(np.concatenate([[0.0], edges]))
        at_start = np.hstack([np.ones((len(surv), 1)), surv[:, :-1]])
        return (at_start * widths).sum(axis=1)

    def expected_days(self, X: pd.DataFrame) -> np.ndarray:
        """Restricted mean days to repay within 90 days."""
        edges, surv = self._curve(X)
        return self._restricted_mean(edges, surv)

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """Score points of the likelihood (see :class:`ScoreScaling`)."""
        return (self.scaling or ScoreScaling()).points(self.likelihood(X))

    def grade(self, X: pd.DataFrame) -> np.ndarray:
        """Risk grade A (most likely to repay) to G, by the training distribution of points."""
        return self._grades(self.points(X))

    def _grades(self, points: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "grade_edges_")
        idx = np.searchsorted(-self.grade_edges_, -points, side="left")  # ties go to the better grade
        return np.asarray(GRADES, dtype=object)[idx]

    def predict_scores(self, X: pd.DataFrame, days: Sequence[int] = (7, 14, 30, 60, 90)) -> pd.DataFrame:
        """Everything a scoring run reports, each head predicted once.

        Returns a DataFrame indexed like ``X`` with ``likelihood``, ``p_repaid_{d}d`` per day,
        ``expected_days``, ``points`` and ``grade``: the values of :meth:`likelihood`,
        :meth:`predict_survival`, :meth:`points` and :meth:`grade`, at a third of their cost.

        Examples
        --------
        >>> from riskscore.model import load_bundle                          # doctest: +SKIP
        >>> load_bundle("models/sample").predict_scores(X).columns.tolist()  # doctest: +SKIP
        ['likelihood', 'p_repaid_7d', ..., 'expected_days', 'points', 'grade']
        """
        likelihood = self.likelihood(X)
        out = self._survival_frame(X, days, likelihood)
        out.insert(0, "likelihood", likelihood)
        out["points"] = (self.scaling or ScoreScaling()).points(likelihood)
        out["grade"] = self._grades(out["points"].to_numpy())
        return out
