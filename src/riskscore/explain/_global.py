"""Global explanations: importance per feature and family, dependence data, and plots."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskscore.explain._catalogue import FAMILIES
from riskscore.explain._shap import BASE_VALUE
from riskscore.features import registry_for

__all__ = ["dependence", "importance", "plot_dependence", "plot_importance", "plot_waterfall"]


def family_totals(values: pd.DataFrame) -> pd.DataFrame:
    """Per-row sum of SHAP values over each reason family (rows x families).

    ``values`` holds feature columns only (no ``base_value``); every column must be in the registry.
    """
    family = registry_for(values.columns)["family"]
    if family.isna().any():
        raise ValueError(f"Feature(s) {list(family.index[family.isna()][:5])} are not in the feature registry, "
                         "so they have no reason family.")
    return values.T.groupby(family.to_numpy()).sum().T


def importance(shap: pd.DataFrame, *, by: str = "feature") -> pd.DataFrame:
    """Mean |SHAP| (log-odds) per feature or per reason family, largest first.

    Parameters
    ----------
    shap : DataFrame
        Output of :func:`explain`.
    by : {"feature", "family"}, default "feature"
        Per family, the SHAP values of a family's features are summed per row first (the family's
        total push), then averaged in absolute value.

    Returns
    -------
    DataFrame
        ``mean_abs_shap``, ``mean_shap`` and ``family`` (and ``code`` by family), indexed by name.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.explain import importance
    >>> shap = pd.DataFrame({"days_past_due": [-1.0, 0.5], "share_late_3": [0.2, -0.2], "base_value": 2.0})
    >>> importance(shap)["mean_abs_shap"].round(2).tolist()
    [0.75, 0.2]
    """
    if by not in ("feature", "family"):
        raise ValueError(f"by must be 'feature' or 'family', got {by!r}.")
    values = shap.drop(columns=[BASE_VALUE], errors="ignore")
    if by == "family":
        values = family_totals(values)
    out = pd.DataFrame({"mean_abs_shap": values.abs().mean(), "mean_shap": values.mean()})
    if by == "family":
        out["code"] = [FAMILIES[f][0] for f in out.index]
    else:
        out["family"] = registry_for(values.columns)["family"]
    out.index.name = by
    return out.sort_values("mean_abs_shap", ascending=False, kind="stable")


def dependence(shap: pd.DataFrame, X: pd.DataFrame, feature: str, *, max_points: int = 5000,
               random_state: int = 0) -> pd.DataFrame:
    """Feature value against its SHAP value (a sample of rows), for dependence plots.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.explain import dependence
    >>> X = pd.DataFrame({"days_past_due": [0.0, 10.0, 40.0]})
    >>> shap = pd.DataFrame({"days_past_due": [0.3, -0.4, -1.2], "base_value": 2.0})
    >>> dependence(shap, X, "days_past_due")["shap"].tolist()
    [0.3, -0.4, -1.2]
    """
    if feature not in shap.columns or feature not in X.columns:
        raise ValueError(f"{feature!r} must be a column of both shap and X.")
    if not shap.index.equals(X.index):
        raise ValueError("shap and X must have the same index (shap = explain(model, X)).")
    out = pd.DataFrame({"value": X[feature].to_numpy(float), "shap": shap[feature].to_numpy(float)}, index=X.index)
    if len(out) > max_points:
        out = out.sample(max_points, random_state=random_state)
    return out.sort_values("value", kind="stable")


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Plotting needs matplotlib: pip install 'riskscore[notebooks]'.") from exc
    return plt.subplots()[1]


def plot_importance(table: pd.DataFrame, *, top: int = 15, ax: Any = None) -> Any:
    """Horizontal bar chart of :func:`importance`'s ``mean_abs_shap``; returns the axes."""
    ax = _axes(ax)
    head = table.head(top).iloc[::-1]
    ax.barh([str(i) for i in head.index], head["mean_abs_shap"])
    ax.set_xlabel("mean |SHAP| (log-odds of repaying)")
    return ax


def plot_dependence(data: pd.DataFrame, feature: str, *, ax: Any = None) -> Any:
    """Scatter of :func:`dependence`'s output; returns the axes."""
    ax = _axes(ax)
    ax.scatter(data["value"], data["shap"], s=4, alpha=0.4)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel(feature)
    ax.set_ylabel("SHAP (log-odds of repaying)")
    return ax


def plot_waterfall(shap_row: pd.Series, *, top: int = 10, ax: Any = None) -> Any:
    """Waterfall of one row of :func:`explain`: base value, the largest pushes, the margin.

    The x range covers the whole path (base, every running total, the margin) with a margin, so
    no bar is clipped; each bar's value is printed at its end (signed, outside the bar), the
    dashed line is the base value and the axis is labelled in log-odds.
    """
    ax = _axes(ax)
    base = float(shap_row[BASE_VALUE])
    values = shap_row.drop(BASE_VALUE)
    order = values.abs().sort_values(ascending=False).index
    shown, rest = values[order[:top]], float(values[order[top:]].sum())
    labels = [*map(str, shown.index), *(["other features"] if len(order) > top else [])]
    steps = [*shown.to_numpy(), *([rest] if len(order) > top else [])]
    start = base + np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    colors = ["tab:green" if s >= 0 else "tab:red" for s in steps]
    bars = ax.barh(labels[::-1], steps[::-1], left=start[::-1], color=colors[::-1])
    ax.axvline(base, color="grey", lw=0.8, ls="--")
    ends = np.concatenate([[base], start + np.asarray(steps, dtype=float)])
    lo, hi = float(min(ends.min(), start.min())), float(max(ends.max(), start.max()))
    pad = max(hi - lo, 1e-6) * 0.18  # room for the value labels on both sides
    ax.set_xlim(lo - pad, hi + pad)
    ax.bar_label(bars, labels=[f"{s:+.2f}" for s in steps[::-1]], padding=3, fontsize=8)
    ax.set_xlabel(f"log-odds of repaying (base {base:.2f}, this row {base + sum(steps):.2f})")
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)
    return ax
