"""Shared helpers that build actionable validation messages and failure tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from riskscore.exceptions import FAILURE_COLUMNS, DataError

MAX_EXAMPLES = 3


_EMPTY = pd.DataFrame({c: pd.Series(dtype=object) for c in FAILURE_COLUMNS})


def empty_failures() -> pd.DataFrame:
    """An empty failure-case table with the standard columns (a fresh copy: callers may add rows)."""
    return _EMPTY.copy()


def pandera_failures(table: str, err: object, reason: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    """Failure cases of a pandera ``SchemaErrors``, one row per failing cell, with a reason sentence."""
    fc = err.failure_cases
    out = pd.DataFrame({
        "table": table,
        "column": fc["column"].astype(object).to_numpy(),
        "check": fc["check"].astype(str).to_numpy(),
        "index": fc["index"].to_numpy(dtype=object),
        "failure_case": fc["failure_case"].astype(str).to_numpy(),
    })
    reason = reason or (lambda column, check: f"{column} fails {check}")
    out["reason"] = [reason(str(c), k) for c, k in zip(out["column"], out["check"], strict=True)]
    return out[FAILURE_COLUMNS]


def failures_from_mask(
    table: str,
    df: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    *,
    column: str,
    check: str,
    reason: str,
    value_columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Turn a boolean mask of failing rows into failure cases.

    ``failure_case`` holds the failing values of ``value_columns`` (default: ``column``)
    rendered as ``col=value`` text, so mixed types fit in one column.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return empty_failures()
    rows = df.loc[mask]
    cols = list(value_columns) if value_columns is not None else [column]
    cols = [c for c in cols if c in rows.columns]
    if len(cols) == 1:
        case = rows[cols[0]].astype(str)
    else:
        case = pd.Series(
            [", ".join(f"{c}={v}" for c, v in zip(cols, vals, strict=True))
             for vals in rows[cols].astype(str).itertuples(index=False)],
            index=rows.index,
            dtype=object,
        )
    return pd.DataFrame(
        {
            "table": table,
            "column": column,
            "check": check,
            "index": rows.index.to_numpy(dtype=object),
            "failure_case": case.to_numpy(dtype=object),
            "reason": reason,
        }
    )


def concat_failures(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate failure tables, keeping the standard columns and a fresh index."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_failures()
    return pd.concat(frames, ignore_index=True)[FAILURE_COLUMNS]


def format_failures(table: str, failures: pd.DataFrame, *, max_examples: int = MAX_EXAMPLES) -> str:
    """Render failure cases as the message of a :class:`~riskscore.DataError`.

    One paragraph per (column, check): how many rows fail, why, and a few example rows.
    """
    if failures.empty:
        return f"{table}: no failures"
    n_rows = failures["index"].nunique(dropna=False)
    lines = [f"{table}: {n_rows} row(s) fail {len(failures)} check(s)"]
    for (column, check), grp in failures.groupby(["column", "check"], sort=False, dropna=False):
        n = grp["index"].nunique(dropna=False)
        reason = grp["reason"].iloc[0]
        lines.append(f"- {n} row(s) fail check '{check}' on column '{column}': {reason}")
        lines.append(f"    {'index':<10} {column}")
        for idx, case in zip(grp["index"].head(max_examples), grp["failure_case"].head(max_examples),
                             strict=True):
            lines.append(f"    {idx!s:<10} {case}")
        if n > max_examples:
            lines.append(f"    (+{n - max_examples} more; see err.failure_cases)")
    lines.append(
        f"Hint: fix the extract, or set the failing rows aside with "
        f"riskscore.quarantine(df, table={table!r}), which returns (good, rejects)."
    )
    return "\n".join(lines)


def check_columns_present(table: str, df: pd.DataFrame, required: Iterable[str]) -> pd.DataFrame:
    """Failure cases for required columns that are missing, with a close-match hint."""
    import difflib

    missing = [c for c in required if c not in df.columns]
    rows = []
    for col in missing:
        close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        rows.append(
            {
                "table": table, "column": col, "check": "column_in_dataframe", "index": None,
                "failure_case": col, "reason": f"required column {col!r} is missing{hint}",
            }
        )
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS) if rows else empty_failures()


def data_error(table: str, failures: pd.DataFrame) -> DataError:
    """A :class:`~riskscore.DataError` whose message lists the failures (see ``format_failures``)."""
    return DataError(table, failures, format_failures(table, failures))
