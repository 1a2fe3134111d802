"""Run a pandera schema's column contract on a frame that is already typed, without pandera's copies.

The schema stays the one statement of what is checked: its columns' dtypes, nullability,
uniqueness and checks are read from it here. :func:`passes` evaluates them column by column
(each :class:`pandera.Check` is called as pandera calls it) on a frame whose cells
:func:`riskscore.schemas._coerce.coerce_frame` has already parsed, and returns the frame pandera
would return, or ``None`` as soon as anything fails or is not plainly known to pass. Then the
caller runs ``schema.validate(lazy=True)`` itself, which reports every failure exactly as it always
has: a frame that passes here passes there with the same result, and every other frame is
judged by pandera alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore._pandera import pa

__all__ = ["passes"]


#: pandera's built-in checks that judge each value alone: run on a column's distinct values when known.
_ELEMENT_WISE = frozenset({"str_length", "isin", "notin", "str_matches", "str_contains", "str_startswith",
                           "str_endswith", "greater_than_or_equal_to", "greater_than", "less_than",
                           "less_than_or_equal_to", "in_range", "equal_to", "not_equal_to"})


def passes(schema: pa.DataFrameSchema, df: pd.DataFrame,
           codes: dict[str, tuple[np.ndarray, pd.Series]] | None = None) -> pd.DataFrame | None:
    """``df`` as ``schema.validate(df)`` returns it when every column passes; ``None`` otherwise.

    Only what a typed frame needs is done here: a float column of whole numbers becomes the
    schema's integer dtype, an object column of booleans boolean and an object column of nulls
    only its text dtype (as pandera's coercion does); any other dtype difference, a frame-level
    check or option, or a failing check returns ``None``. ``codes`` gives columns' (codes per row,
    distinct values): their built-in value checks run once per distinct value present.
    """
    codes = codes or {}
    if schema.checks or schema.unique or schema.parsers or not schema.coerce or any(
            getattr(col, "parsers", None) or col.regex for col in schema.columns.values()):
        return None
    casts: dict[str, pd.Series] = {}
    for name, col in schema.columns.items():
        if name not in df.columns:
            if col.required:
                return None
            continue
        column = df[name]
        s = _typed(column, col)
        if s is None or (not col.nullable and bool(s.isna().any())):
            return None
        if col.unique and bool(s.duplicated().any()):
            return None
        distinct = _present(*codes[name]) if name in codes and s is column else None
        if any(not _passed(check, distinct if distinct is not None and check.name in _ELEMENT_WISE else s)
               for check in col.checks):
            return None
        if s is not column:
            casts[name] = s
    return df.assign(**casts) if casts else df


def _present(codes: np.ndarray, distinct: pd.Series) -> pd.Series | None:
    """The distinct values that occur in ``codes`` (``None`` when a row has no code)."""
    if len(codes) and codes.min() < 0:
        return None
    return distinct[np.bincount(codes, minlength=len(distinct)) > 0]


def _typed(s: pd.Series, col: pa.Column) -> pd.Series | None:
    """``s`` in the dtype pandera coerces the column to: as it is, a float column of whole numbers
    made integer, an object column of booleans (none missing) made boolean, or an object column of
    nulls only made text."""
    target = getattr(col.dtype, "type", None)
    if target is None:
        return None
    if s.dtype == target:
        return s
    if isinstance(target, pd.StringDtype) and s.dtype == object and not s.notna().any():  # every cell null
        return s.astype(target)
    if target == np.dtype(bool) and s.dtype == object and pd.api.types.infer_dtype(s, skipna=False) == "boolean":
        return s.astype(bool)  # flags read as Python booleans, none missing
    if target == np.dtype("int64") and s.dtype == np.float64:
        values = s.to_numpy()
        if np.isfinite(values).all() and (values == np.round(values)).all():
            return s.astype("int64")
    return None


def _passed(check: pa.Check, s: pd.Series) -> bool:
    """Whether pandera's check passes on ``s`` (a check pandera would run per group, or on the
    whole frame, is not plainly known to pass here)."""
    if check.groupby is not None:
        return False
    return bool(check(s).check_passed)
