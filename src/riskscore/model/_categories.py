"""Categorical columns for HazardGBM: which columns are categories, their values, their codes.

LightGBM splits a categorical feature by sets of its values, given the values as integer codes
(non-negative; negative or missing codes go with the missing values). Here a categorical column
is coded by the position of its value among the categories seen at ``fit``; a missing value,
and at prediction a value never seen at ``fit``, becomes NaN (LightGBM's missing value).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskscore.model._frames import numeric_matrix

__all__ = ["HINT", "categorical_mask", "encode", "fit_categories"]

#: The hint of the refusal of a text column when no categorical column is named.
HINT = ("name them in categorical_features (by default the columns of pandas' 'category' dtype; a list takes only "
        "the columns it names), or encode them as numbers; dates as days")


def categorical_mask(X: object, spec: object, n_features: int, *, who: str) -> np.ndarray:
    """Which of the ``n_features`` columns of ``X`` are categorical under ``spec``.

    ``"from_dtype"``: the DataFrame columns of pandas' ``category`` dtype (none for an array);
    ``None``: none; else a boolean mask of length ``n_features``, or column positions, or (for a
    DataFrame) column names, each checked.
    """
    mask = np.zeros(n_features, dtype=bool)
    if spec is None:
        return mask
    if isinstance(spec, str):  # "from_dtype", the only string the parameter's constraint lets through
        if isinstance(X, pd.DataFrame):
            mask[:] = [isinstance(d, pd.CategoricalDtype) for d in X.dtypes]
        return mask
    items = list(np.asarray(spec, dtype=object).ravel())
    if items and all(isinstance(v, bool | np.bool_) for v in items):
        if len(items) != n_features:
            raise ValueError(f"{who}: categorical_features as a boolean mask needs one value per column of X "
                             f"({n_features}), got {len(items)}.")
        return np.asarray(items, dtype=bool)
    names = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
    for item in items:
        mask[_position(item, names, n_features, who)] = True
    return mask


def _position(item: object, names: list[str] | None, n_features: int, who: str) -> int:
    """The column position ``categorical_features`` means by one of its items (a name or a position)."""
    if isinstance(item, str):
        if names is None:
            raise ValueError(f"{who}: categorical_features names a column ({item!r}) but X has no column "
                             "names (an array): give positions, or X as a DataFrame.")
        if item not in names:
            raise ValueError(f"{who}: categorical_features names {item!r}, which is not a column of X "
                             f"(columns: {', '.join(map(repr, names[:8]))}{' ...' if len(names) > 8 else ''}).")
        return names.index(item)
    if isinstance(item, int | np.integer) and not isinstance(item, bool | np.bool_):
        if not -n_features <= int(item) < n_features:
            raise ValueError(f"{who}: categorical_features has the position {int(item)}, but X has "
                             f"{n_features} column(s).")
        return int(item)
    raise ValueError(f"{who}: categorical_features holds {item!r}; give column names, positions, or one "
                     "true/false per column.")


def _as_frame(X: object, *, who: str, what: str) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"{who}: {what} must be 2-d (n_samples, n_features), got shape {array.shape}.")
    return pd.DataFrame(array)


def _sorted_values(values: pd.Series) -> np.ndarray:
    """The distinct non-missing values of a column, sorted (as text when they do not compare)."""
    distinct = pd.unique(values.dropna().to_numpy(dtype=object))
    try:
        return np.asarray(sorted(distinct), dtype=object)
    except TypeError:  # numbers and text mixed
        return np.asarray(sorted(distinct, key=str), dtype=object)


def fit_categories(X: object, mask: np.ndarray, *, who: str, what: str = "X") -> list[np.ndarray]:
    """The categories of each categorical column of ``X``: a ``category`` column's own categories
    (in their order, unused ones included), else its distinct values, sorted."""
    frame = _as_frame(X, who=who, what=what)
    out = []
    for i in np.flatnonzero(mask):
        column = frame.iloc[:, i]
        if isinstance(column.dtype, pd.CategoricalDtype):
            out.append(np.asarray(column.cat.categories, dtype=object))
        else:
            out.append(_sorted_values(column))
    return out


def encode(X: object, mask: np.ndarray, categories: Sequence[np.ndarray], *, who: str,
           what: str = "X") -> np.ndarray:
    """``X`` as a float32 matrix: numbers as they are, each categorical column as the position of
    its value in its categories (NaN when missing or not among them)."""
    frame = _as_frame(X, who=who, what=what)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(f"{who}: {what} has shape {frame.shape}; it needs at least one row and one column.")
    out = np.empty(frame.shape, dtype=np.float32)
    if not mask.all():
        out[:, ~mask] = numeric_matrix(frame.iloc[:, np.flatnonzero(~mask)], who=who, what=what, hint=HINT)[0]
    for i, cats in zip(np.flatnonzero(mask), categories, strict=True):
        column = frame.iloc[:, i]
        known = pd.Index(cats, dtype=object)
        if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.equals(known):
            codes = column.cat.codes.to_numpy()  # the same categories: their codes, -1 when missing
        else:
            codes = known.get_indexer(pd.Index(column.to_numpy(dtype=object), dtype=object))
        out[:, i] = np.where(codes >= 0, codes, np.nan)
    return out
