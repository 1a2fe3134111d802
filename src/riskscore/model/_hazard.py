"""HazardGBM: a discrete-time hazard model on LightGBM, in the scikit-survival convention."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from riskscore._compat import Interval, IntOptions, invalid_parameter
from riskscore.metrics import concordance_index
from riskscore.model._survival import StepFunction, check_survival_y

__all__ = ["HazardGBM"]


def _as_matrix(X: object) -> tuple[np.ndarray, list[str] | None]:
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=np.float32), [str(c) for c in X.columns]
    arr = np.asarray(X, dtype=np.float32)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-d (n_samples, n_features), got shape {arr.shape}.")
    return arr, None


def expand(X: np.ndarray, event: np.ndarray, time: np.ndarray, edges: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Person-period rows: one per sample and interval (a_k, b_k] it was at risk in.

    A sample with time ``T`` in interval ``k`` contributes ``y = 0`` rows for every earlier
    interval and, for interval ``k``, ``y = 1`` if ``T`` is an event, else ``y = 0`` weighted by
    the share of the interval it was observed ((T - a_k) / (b_k - a_k): exact for a constant
    hazard within the interval, and exactly 1 when censoring falls on an edge). Times past the
    last edge survive every interval. Returns (row -> sample index, interval index, y, weight).
    """
    n_int = len(edges) - 1
    last = np.minimum(np.searchsorted(edges, time, side="left") - 1, n_int - 1)
    beyond = time > edges[-1]
    counts = last + 1
    sample = np.repeat(np.arange(len(time)), counts)
    k = np.arange(len(sample)) - np.repeat(np.cumsum(counts) - counts, counts)
    is_last = k == last[sample]
    y = (is_last & event[sample] & ~beyond[sample]).astype(np.float32)
    width = edges[k + 1] - edges[k]
    observed = np.clip((time[sample] - edges[k]) / width, 0.0, 1.0)
    weight = np.where(is_last & ~event[sample] & ~beyond[sample], observed, 1.0).astype(np.float32)
    return sample, k, y, weight


class HazardGBM(BaseEstimator):
    """Survival estimator: a LightGBM classifier of the hazard in each time interval.

    The time axis is cut into intervals (a_k, b_k] by ``interval_edges``; each sample becomes
    one row per interval it was at risk in, with the interval start as an extra feature, and
    LightGBM learns h_k(x) = P(event in interval k | at risk at its start, x). Then
    S(b_k | x) = prod_{j <= k} (1 - h_j(x)). Censoring is handled exactly for censoring on an
    interval edge, and with a fractional weight within an interval (see :func:`expand`).

    It follows scikit-survival: ``fit(X, y)`` with ``y`` a structured array (event, time),
    ``predict(X)`` a risk score (higher = earlier event: minus the restricted mean time to
    event up to the last edge), ``predict_survival_function(X)`` step functions, and
    ``score(X, y)`` Harrell's concordance index.

    Parameters
    ----------
    n_estimators : int >= 1, default 300
        Boosting rounds (an upper bound when early stopping is on).
    learning_rate : float in (0, 1], default 0.05
        Shrinkage. LightGBM accepts any positive rate, but a rate above 1 over-shoots every
        step (a tree's leaf values are already Newton steps), so it is refused.
    num_leaves : int in [2, 131072], default 31
        LightGBM's own bounds.
    max_depth : int >= 1 or -1, default -1
        Depth cap of the trees; -1 means none.
    min_child_samples : int >= 0, default 50
        Fewest rows (person-periods) in a leaf.
    subsample, colsample_bytree : float in (0, 1], default 1.0
        Row (bagging) and column fractions per tree.
    reg_lambda : float >= 0, default 0.0
        L2 penalty on leaf values.
    interval_edges : array-like of float, optional
        Increasing edges starting at 0. By default the quantiles of the event times at
        ``n_intervals`` levels.
    n_intervals : int >= 1, default 12
        Number of intervals when ``interval_edges`` is not given.
    monotone_constraints : dict or list, optional
        Direction per feature (``{name: -1 | 0 | 1}`` or one int per column) for the hazard.
    early_stopping_rounds : int >= 1, optional
        With ``eval_set`` in ``fit``, stop when the validation log-loss has not improved for
        this many rounds.
    max_rows : int >= 1, optional
        Cap on person-period rows: above it, ``y = 0`` rows are sampled with probability p and
        weighted 1/p (unbiased), so memory stays bounded on millions of snapshots.
    random_state : int >= 0, optional
        Seed (LightGBM runs deterministically).
    n_jobs : int >= 1, optional
        LightGBM threads (default: all cores).

    Attributes
    ----------
    booster_ : lightgbm.Booster
    interval_edges_ : ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` was a DataFrame.
    best_iteration_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.model import HazardGBM, make_survival_y
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3))
    >>> t = np.ceil(rng.exponential(10 * np.exp(-X[:, 0])))
    >>> y = make_survival_y(t < 30, np.minimum(t, 30))
    >>> model = HazardGBM(n_estimators=50, random_state=0).fit(X, y)
    >>> model.score(X, y) > 0.6
    True
    >>> model.predict_survival_function(X[:2])[0]([7, 14]).round(2).shape
    (2,)
    """

    _parameter_constraints: ClassVar[dict[str, list[object]]] = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, 1, closed="right")],
        "num_leaves": [Interval(Integral, 2, 131072, closed="both")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), IntOptions({-1})],
        "min_child_samples": [Interval(Integral, 0, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(Real, 0, 1, closed="right")],
        "reg_lambda": [Interval(Real, 0, None, closed="left")],
        "interval_edges": ["array-like", None],
        "n_intervals": [Interval(Integral, 1, None, closed="left")],
        "monotone_constraints": [dict, "array-like", None],
        "early_stopping_rounds": [Interval(Integral, 1, None, closed="left"), None],
        "max_rows": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, n_estimators: int = 300, *, learning_rate: float = 0.05, num_leaves: int = 31,
                 max_depth: int = -1, min_child_samples: int = 50, subsample: float = 1.0,
                 colsample_bytree: float = 1.0, reg_lambda: float = 0.0, interval_edges: object = None,
                 n_intervals: int = 12, monotone_constraints: object = None, early_stopping_rounds: int | None = None,
                 max_rows: int | None = None, random_state: int | None = None, n_jobs: int | None = None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.interval_edges = interval_edges
        self.n_intervals = n_intervals
        self.monotone_constraints = monotone_constraints
        self.early_stopping_rounds = early_stopping_rounds
        self.max_rows = max_rows
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.interval_edges is not None:
            try:
                edges = np.asarray(self.interval_edges, dtype=float)
            except (TypeError, ValueError):
                edges = np.empty(0)
            if edges.ndim != 1 or len(edges) < 2 or edges[0] != 0 or not np.all(np.diff(edges) > 0):
                raise invalid_parameter("interval_edges", type(self).__name__,
                                        "an array-like of at least 2 increasing numbers starting at 0",
                                        self.interval_edges)

    def _edges(self, event: np.ndarray, time: np.ndarray) -> np.ndarray:
        if self.interval_edges is not None:
            return np.asarray(self.interval_edges, dtype=float)
        q = np.quantile(time[event], np.linspace(0, 1, self.n_intervals + 1)[1:])
        return np.unique(np.concatenate([[0.0], np.ceil(q)]))

    def _monotone(self, names: list[str] | None, n: int) -> list[int]:
        mc = self.monotone_constraints
        if mc is None:
            return [0] * (n + 1)
        if isinstance(mc, dict):
            if names is None:
                raise ValueError("monotone_constraints as a dict needs X as a DataFrame with column names.")
            unknown = set(mc) - set(names)
            if unknown:
                raise ValueError(f"monotone_constraints names unknown features: {sorted(unknown)}.")
            return [int(mc.get(c, 0)) for c in names] + [0]
        values = [int(v) for v in mc]
        if len(values) != n:
            raise ValueError(f"monotone_constraints has {len(values)} values for {n} features.")
        return [*values, 0]

    def _design(self, X: np.ndarray, sample: np.ndarray, k: np.ndarray) -> np.ndarray:
        rows = X[sample]
        return np.hstack([rows, self.interval_edges_[k][:, None].astype(np.float32)])

    def fit(self, X: object, y: object, *, eval_set: tuple[object, object] | None = None) -> HazardGBM:
        """Fit on ``X`` and a survival label ``y`` (structured: event, time).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : structured array of (event: bool, time: float)
        eval_set : (X_val, y_val), optional
            A (time-based) validation split for early stopping.
        """
        self._validate_params()
        matrix, names = _as_matrix(X)
        event, time = check_survival_y(y)
        if len(matrix) != len(event):
            raise ValueError(f"X has {len(matrix)} rows but y has {len(event)}.")
        self.n_features_in_ = matrix.shape[1]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_  # a refit on an array must not keep the previous fit's names
        self.interval_edges_ = self._edges(event, time)
        rng = np.random.default_rng(self.random_state)
        train = self._dataset(matrix, event, time, rng, names)
        params = {
            "objective": "binary", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "max_depth": self.max_depth, "min_child_samples": self.min_child_samples,
            "bagging_fraction": self.subsample, "bagging_freq": 1 if self.subsample < 1 else 0,
            "feature_fraction": self.colsample_bytree, "lambda_l2": self.reg_lambda,
            "monotone_constraints": self._monotone(names, matrix.shape[1]), "monotone_constraints_method": "advanced",
            "seed": 0 if self.random_state is None else int(self.random_state), "deterministic": True,
            "force_row_wise": True, "verbosity": -1, "num_threads": self.n_jobs or 0,
        }
        callbacks = []
        valid_sets = []
        if eval_set is not None:
            Xv, yv = eval_set
            mv, _ = _as_matrix(Xv)
            ev, tv = check_survival_y(yv)
            valid_sets = [self._dataset(mv, ev, tv, rng, names, reference=train)]
            if self.early_stopping_rounds:
                callbacks.append(lgb.early_stopping(self.early_stopping_rounds, verbose=False))
        self.booster_ = lgb.train(params, train, num_boost_round=self.n_estimators, valid_sets=valid_sets,
                                  callbacks=callbacks)
        self.best_iteration_ = int(self.booster_.best_iteration or self.n_estimators)
        return self

    def _dataset(self, matrix: np.ndarray, event: np.ndarray, time: np.ndarray, rng: np.random.Generator,
                 names: list[str] | None, reference: lgb.Dataset | None = None) -> lgb.Dataset:
        sample, k, target, weight = expand(matrix, event, time, self.interval_edges_)
        if self.max_rows is not None and len(sample) > self.max_rows:
            zeros = target == 0
            p = max((self.max_rows - (~zeros).sum()) / max(zeros.sum(), 1), 1e-3)
            keep = ~zeros | (rng.random(len(sample)) < p)
            weight = np.where(zeros, weight / p, weight)[keep]
            sample, k, target = sample[keep], k[keep], target[keep]
        cols = [*names, "interval_start"] if names is not None else None
        return lgb.Dataset(self._design(matrix, sample, k), label=target, weight=weight, feature_name=cols or "auto",
                           reference=reference, free_raw_data=True)

    def _check_X(self, X: object) -> np.ndarray:
        check_is_fitted(self, "booster_")
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            cols = [str(c) for c in X.columns]
            if cols != list(self.feature_names_in_):
                import difflib

                diff = "\n".join(difflib.unified_diff(list(self.feature_names_in_), cols, "fit", "predict",
                                                       lineterm=""))
                raise ValueError(f"X has different columns than at fit time:\n{diff}")
        matrix, _ = _as_matrix(X)
        if matrix.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {matrix.shape[1]} features, but HazardGBM was fitted with {self.n_features_in_}.")
        return matrix

    def predict_hazard(self, X: object) -> np.ndarray:
        """Hazard h_k(x) of each interval, shape (n_samples, n_intervals)."""
        matrix = self._check_X(X)
        n, n_int = len(matrix), len(self.interval_edges_) - 1
        sample = np.repeat(np.arange(n), n_int)
        k = np.tile(np.arange(n_int), n)
        h = self.booster_.predict(self._design(matrix, sample, k), num_iteration=self.best_iteration_)
        return h.reshape(n, n_int)

    def predict_survival(self, X: object) -> np.ndarray:
        """S(b_k | x) at each interval's end, shape (n_samples, n_intervals)."""
        return np.cumprod(1.0 - self.predict_hazard(X), axis=1)

    def predict_survival_function(self, X: object, return_array: bool = False) -> np.ndarray:
        """Survival functions: an array of :class:`StepFunction` (or of values at the edges)."""
        surv = self.predict_survival(X)
        if return_array:
            return surv
        x = self.interval_edges_[1:]
        return np.array([StepFunction(x, row) for row in surv], dtype=object)

    def predict(self, X: object) -> np.ndarray:
        """Risk score: minus the restricted mean time to event (higher = earlier event)."""
        surv = self.predict_survival(X)
        widths = np.diff(self.interval_edges_)
        at_start = np.hstack([np.ones((len(surv), 1)), surv[:, :-1]])
        return -(at_start * widths).sum(axis=1)

    def score(self, X: object, y: object) -> float:
        """Harrell's concordance index of :meth:`predict` on (X, y)."""
        event, time = check_survival_y(y)
        return concordance_index(event, time, self.predict(X))
