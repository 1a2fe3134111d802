"""Feature matrices for the LightGBM models: non-numeric columns named, names LightGBM can store."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["booster_names", "check_numeric", "column_diff", "duplicated", "numeric_matrix", "unstorable_names"]

#: LightGBM keeps feature names in a JSON model header and refuses these characters in them.
_UNSTORABLE = re.compile(r'[",:\[\]{}]')


def _not_numeric(frame: pd.DataFrame) -> list[str]:
    """Columns that are not numbers or booleans (object columns of number text count as numbers)."""
    bad = []
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                                 and not pd.api.types.is_timedelta64_dtype(dtype)):
            continue
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
            try:
                frame[name].to_numpy(dtype=np.float32, na_value=np.nan)
                continue
            except (TypeError, ValueError):
                pass
        bad.append(name)
    return bad


def check_numeric(frame: pd.DataFrame, *, who: str, what: str = "X", hint: str = "") -> None:
    """One line naming the columns of ``frame`` that are not numbers or booleans, with their dtypes."""
    bad = _not_numeric(frame)
    if bad:
        listed = ", ".join(f"{c!r} ({frame[c].dtype})" for c in bad[:5])
        listed += f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        hint = hint or "encode text and categories as numbers (e.g. OrdinalEncoder) and dates as days"
        raise ValueError(f"{who}: {what} has {len(bad)} column(s) that are not numbers: {listed}; {hint}.")


def numeric_matrix(X: object, *, who: str, what: str = "X", hint: str = "") -> tuple[np.ndarray, list[str] | None]:
    """``X`` as a 2-d float32 matrix (and its column names when it is a DataFrame), or one line naming the problem.

    Refused: no rows, no columns, an array that is not 2-d, and columns that are not numbers or
    booleans (text, categories of text, dates, durations), each named with its dtype.
    """
    if isinstance(X, pd.DataFrame):
        check_numeric(X, who=who, what=what, hint=hint)
        names = [str(c) for c in X.columns]
        try:
            matrix = X.to_numpy(dtype=np.float32, na_value=np.nan)
        except (TypeError, ValueError):  # pandas' NA inside an object column: column by column
            matrix = np.column_stack([X.iloc[:, i].to_numpy(dtype=np.float32, na_value=np.nan)
                                      for i in range(X.shape[1])]) if X.shape[1] else np.empty((len(X), 0), np.float32)
    else:
        try:
            matrix, names = np.asarray(X, dtype=np.float32), None
        except (TypeError, ValueError) as err:
            raise ValueError(f"{who}: {what} must be numeric ({err}).") from err
        if matrix.ndim != 2:
            raise ValueError(f"{who}: {what} must be 2-d (n_samples, n_features), got shape {matrix.shape}.")
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValueError(f"{who}: {what} has shape {matrix.shape}; it needs at least one row and one column.")
    return matrix, names


def unstorable_names(names: list[str]) -> list[str]:
    """The names LightGBM refuses to store (they hold one of ``" , : [ ] { }``)."""
    return [n for n in names if _UNSTORABLE.search(n)]


def duplicated(names: list[str]) -> list[str]:
    """Names that occur more than once, in first-seen order."""
    seen: set[str] = set()
    return list(dict.fromkeys(n for n in names if n in seen or seen.add(n)))


def booster_names(names: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    """Distinct names LightGBM accepts, one per column: the names themselves when they already are.

    Characters LightGBM refuses, and whitespace (which it would silently turn into ``_``), become
    ``_``; a name that then repeats another, or a ``reserved`` one, gets a ``_1``, ``_2``, ... suffix.
    """
    out: list[str] = []
    taken = set(reserved)
    for name in names:
        base = re.sub(r"\s", "_", _UNSTORABLE.sub("_", name)) or "_"
        candidate, i = base, 0
        while candidate in taken:
            i += 1
            candidate = f"{base}_{i}"
        taken.add(candidate)
        out.append(candidate)
    return out


def column_diff(before: list[str], after: list[str], a: str, b: str) -> str:
    """The lines of a unified diff between two lists of column names labelled ``a`` and ``b``."""
    import difflib

    return "\n".join(difflib.unified_diff(before, after, a, b, lineterm=""))
