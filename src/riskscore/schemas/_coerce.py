"""Type coercion before the pandera checks.

Parsing happens here, cell by cell, so that a value that cannot be parsed is reported once, as
``coerce_dtype(...)`` with the offending value, instead of cascading into dtype and comparison
errors. The pandera models then run on rows whose types are clean.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pandera.pandas as pa

from riskscore._validation import concat_failures, failures_from_mask

_TZ_SUFFIX = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def column_kind(dtype: object) -> str:
    """Map a pandera column dtype to one of our coercion kinds."""
    text = str(dtype)
    if "UTC" in text:
        return "utc"
    if text.startswith("datetime64"):
        return "date"
    if text.startswith("int"):
        return "int"
    if text.startswith("float"):
        return "float"
    if text == "bool":
        return "bool"
    return "str"


def _as_str(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if isinstance(s.dtype, pd.StringDtype):  # already text (pandas' str dtype): nothing to parse
        return s, pd.Series(False, index=s.index)
    out = s.astype(object).where(s.isna(), s.astype(str))
    return out.astype(object), pd.Series(False, index=s.index)


def _as_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = pd.to_numeric(s, errors="coerce").astype("float64")
    bad = s.notna() & out.isna()
    return out, bad | ~np.isfinite(out.fillna(0.0))


def _as_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    bad = (s.notna() & num.isna()) | (num.notna() & (num != np.round(num)))
    return num, bad


def _as_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s):
        return s.astype(object), pd.Series(False, index=s.index)
    if pd.api.types.infer_dtype(s, skipna=False) == "boolean":  # all booleans, no nulls (e.g. a filled default)
        return s.astype(bool).astype(object), pd.Series(False, index=s.index)

    def parse(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, bool | np.bool_):
            return bool(v)
        text = str(v).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return "?"

    out = s.map(parse).astype(object)
    bad = out.map(lambda v: isinstance(v, str)).astype(bool)
    return out.where(~bad, None), bad


def _has_tz(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return pd.Series(True, index=s.index)
    if pd.api.types.is_datetime64_dtype(s):
        return pd.Series(False, index=s.index)

    def one(v: object) -> bool:
        if isinstance(v, str):
            return bool(_TZ_SUFFIX.search(v.strip()))
        return getattr(v, "tzinfo", None) is not None

    return s.map(one).astype(bool)


def _as_datetime(s: pd.Series, *, utc: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse dates; also return where the time-zone awareness is wrong for the column."""
    aware = _has_tz(s) & s.notna()
    wrong_tz = (~aware & s.notna()) if utc else aware
    ok = s.notna() & ~wrong_tz
    if utc:
        out = pd.to_datetime(s.where(ok), errors="coerce", utc=True, format="mixed")
        out = out.astype("datetime64[ns, UTC]")
    else:
        out = pd.to_datetime(s.where(ok), errors="coerce", format="mixed")
        out = out.astype("datetime64[ns]")
    bad = ok & out.isna()
    return out, bad, wrong_tz


def coerce_frame(table: str, df: pd.DataFrame, schema: pa.DataFrameSchema) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse every contract column of ``df``; return (typed frame, failure cases).

    Columns that are not part of the contract are passed through untouched. A row with a
    failure keeps a null in the failing cell of the typed frame.
    """
    typed = df.copy()
    failures = []
    for name, col in schema.columns.items():
        if name not in df.columns:
            continue
        kind = column_kind(col.dtype)
        raw = df[name]
        wrong_tz = None
        if kind in ("date", "utc"):
            out, bad, wrong_tz = _as_datetime(raw, utc=kind == "utc")
        else:
            out, bad = {"str": _as_str, "float": _as_float, "int": _as_int, "bool": _as_bool}[kind](raw)
        failures.append(failures_from_mask(
            table, df, bad, column=name, check=f"coerce_dtype('{col.dtype}')",
            reason=f"{name} cannot be read as {kind}"))
        if wrong_tz is not None:
            want = ("timezone-aware (UTC) timestamps; localize the log's clock first, e.g. "
                    "pd.to_datetime(x).dt.tz_localize('UTC')") if kind == "utc" else (
                    "calendar dates without a time zone")
            failures.append(failures_from_mask(
                table, df, wrong_tz, column=name, check="timezone_awareness",
                reason=f"{name} must hold {want}"))
        if not col.nullable:
            failures.append(failures_from_mask(
                table, df, raw.isna(), column=name, check="not_nullable",
                reason=f"{name} is required but missing"))
        typed[name] = out
    return typed, concat_failures(failures)
