"""SHAP values of the likelihood head, chunked, by riskscore's table TreeSHAP or LightGBM's."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from riskscore.explain._treeshap import Forest, forest_from_booster, tree_shap
from riskscore.model import RepaymentModel

__all__ = ["BASE_VALUE", "Explainer", "explain"]

#: Name of the column holding the base value (the expected margin) in :func:`explain`'s output.
BASE_VALUE = "base_value"
_METHODS = ("auto", "table", "lightgbm")


class Explainer:
    """SHAP values of a :class:`~riskscore.model.RepaymentModel`'s likelihood head (log-odds).

    The model is flattened once (trees and per-leaf SHAP tables, see
    :mod:`riskscore.explain._treeshap`); every call then explains rows in chunks.

    **What is explained.** The uncalibrated margin (log-odds) of the likelihood head:
    ``base_value + sum(shap) == raw log-odds`` exactly. The isotonic calibrator, when the model has
    one, is a monotone map applied after it: it never changes the order of borrowers nor the sign of
    a reason, but the SHAP values do not add up to the calibrated probability.

    Parameters
    ----------
    model : RepaymentModel or lightgbm.Booster
        A fitted model (a bare binary/regression ``Booster`` is accepted too).
    method : {"auto", "table", "lightgbm"}, default "auto"
        ``"table"``: riskscore's exact table TreeSHAP (numba, several times faster than LightGBM's
        ``pred_contrib``; see ``benchmarks/explain.py``). ``"lightgbm"``: ``pred_contrib``.
        ``"auto"`` is ``"table"``.
    chunk_size : int, default 50_000
        Rows explained at a time: memory beyond the output is one chunk's input.

    Examples
    --------
    >>> import lightgbm as lgb, numpy as np, pandas as pd
    >>> from riskscore.explain import Explainer
    >>> X = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> booster = lgb.train({"objective": "binary", "verbosity": -1, "num_leaves": 7},
    ...                     lgb.Dataset(X, label=X["a"] > 0), num_boost_round=20)
    >>> shap = Explainer(booster).shap_values(X)
    >>> margin = booster.predict(X, raw_score=True)
    >>> bool(np.allclose(shap.drop(columns="base_value").sum(axis=1) + shap["base_value"], margin))
    True
    """

    def __init__(self, model: RepaymentModel | lgb.Booster, *, method: str = "auto", chunk_size: int = 50_000):
        if method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
        if isinstance(model, RepaymentModel):
            if not hasattr(model, "likelihood_"):
                raise ValueError("The RepaymentModel is not fitted: call fit or load_bundle first.")
            self.booster = model.likelihood_
            self.features = [str(c) for c in model.feature_names_in_]
        elif isinstance(model, lgb.Booster):
            self.booster = model
            self.features = list(model.feature_name())
        else:
            raise TypeError("Explainer needs a fitted RepaymentModel or a lightgbm.Booster, "
                            f"got {type(model).__name__}.")
        self.num_iteration = self.booster.best_iteration or None
        self.method = "table" if method == "auto" else method
        self.chunk_size = chunk_size
        self._forest: Forest | None = None

    @property
    def forest(self) -> Forest:
        """The flattened model (built on first use)."""
        if self._forest is None:
            self._forest = forest_from_booster(self.booster, self.num_iteration)
        return self._forest

    @property
    def base_value(self) -> float:
        """The expected margin: SHAP values of a row add up to its margin minus this."""
        return self.forest.base_value

    def _matrix(self, X: Any) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a DataFrame of the model's features, got {type(X).__name__}.")
        missing = [c for c in self.features if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks {len(missing)} feature(s) of the model: {missing[:5]}"
                             f"{' ...' if len(missing) > 5 else ''}.")
        bad = [c for c in self.features if not pd.api.types.is_numeric_dtype(X[c])]
        if bad:
            raise ValueError(f"Feature column(s) {bad[:5]} are not numeric; explain takes the FeatureBuilder's output.")
        return X[self.features]

    def shap_values(self, X: pd.DataFrame) -> pd.DataFrame:
        """SHAP values in log-odds, one column per feature plus ``base_value``, indexed like ``X``."""
        frame = self._matrix(X)
        n, k = frame.shape
        out = np.zeros((n, k + 1), dtype=np.float64)
        for start in range(0, n, self.chunk_size):
            part = frame.iloc[start:start + self.chunk_size].to_numpy(np.float32)  # one chunk converted at a time
            if self.method == "table":
                chunk = out[start:start + len(part), :k]  # filled in place, no copy of the chunk
                tree_shap(self.forest, part, out=chunk)
                out[start:start + len(part), k] = self.forest.base_value
            else:
                out[start:start + len(part)] = self.booster.predict(part, pred_contrib=True,
                                                                    num_iteration=self.num_iteration)
        return pd.DataFrame(out, index=X.index, columns=[*self.features, BASE_VALUE])


def explain(model: RepaymentModel | lgb.Booster, X: pd.DataFrame, *, method: str = "auto",
            chunk_size: int = 50_000) -> pd.DataFrame:
    """Per-row SHAP values of the likelihood head in log-odds, with the base value.

    Reasons explain the **uncalibrated** margin: ``base_value`` plus the row's values equals the
    head's raw log-odds exactly; the calibrator (isotonic, monotone) is applied after it. See
    :class:`Explainer` for the methods and the chunking.

    Parameters
    ----------
    model : RepaymentModel or lightgbm.Booster
    X : DataFrame
        The model's features (extra columns are ignored).
    method : {"auto", "table", "lightgbm"}, default "auto"
    chunk_size : int, default 50_000

    Returns
    -------
    DataFrame
        One column per feature (positive: towards repayment) and ``base_value``; index of ``X``.

    Examples
    --------
    >>> from riskscore.explain import explain
    >>> shap = explain(model, X)                       # doctest: +SKIP
    >>> shap.drop(columns="base_value").sum(axis=1)    # doctest: +SKIP
    """
    return Explainer(model, method=method, chunk_size=chunk_size).shap_values(X)
