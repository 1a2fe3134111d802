"""Type coercion before the pandera checks.

Parsing happens here, cell by cell, so that a value that cannot be parsed is reported once, as
``coerce_dtype(...)`` with the offending value, instead of cascading into dtype and comparison
errors. The pandera models then run on rows whose types are clean.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute

from riskscore._arrow_values import decimal_floats, is_text_list, joined_text_lists
from riskscore._numbers import fold_width, looks_formatted, styles_reading
from riskscore._pandera import pa
from riskscore._validation import concat_failures, failures_from_mask
from riskscore.schemas._ids import ID_COLUMNS, id_problems, id_text
from riskscore.schemas._tables import TEXT_LIST_COLUMNS

#: Dates outside ``[DATE_MIN, DATE_MAX)`` are not plausible inputs: rejected as ``date_out_of_range``.
DATE_MIN, DATE_MAX = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")
#: Amounts above this (in absolute value) are not plausible inputs: rejected as ``amount_out_of_range``.
MAX_AMOUNT = 1e12
#: Installment numbers above this are not plausible inputs: rejected as ``installment_no_out_of_range``.
MAX_INSTALLMENT_NO = 10_000
#: column -> (largest plausible absolute value, check name)
_CAPS: dict[str, tuple[float, str]] = {
    "amount_due": (MAX_AMOUNT, "amount_out_of_range"), "amount_paid": (MAX_AMOUNT, "amount_out_of_range"),
    "installment_no": (MAX_INSTALLMENT_NO, "installment_no_out_of_range"),
}
_ID_CHECKS = (
    ("id_not_text", "{col} must be text (or a whole number below 2**53), got a {kind} value"),
    ("id_blank", "{col} is empty or only spaces"),
    ("id_whitespace", "{col} has spaces before or after it: ids are compared exactly; trim them in the extract"),
)

#: A zone at the end of a time: Z, +08:00, +0800, +08 after a time (PostgreSQL writes timestamptz so), or
#: `` UTC`` (BigQuery's and Trino's text of a timestamp).
_TZ_SUFFIX = re.compile(r"(Z|\sUTC|[+-]\d{2}:?\d{2}|:\d{2}(\.\d+)?\s*[+-]\d{2})$")
#: Text dates are read only in ISO 8601's year-first order (``2024-03-01``, ``2024/03/01``, with
#: an optional time and zone). Day-first and month-first text (``01/03/2024``) is ambiguous: it is
#: rejected as ``date_format``, never guessed (guessing swapped day and month in a lender's
#: extract without a word).
_ISO_DATE = re.compile(r"\d{4}([-/])\d{1,2}\1\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
                       r"\s*(Z|UTC|[+-]\d{2}(:?\d{2})?)?")
#: How a flag's true and false are written (any case, spaces around them ignored): 1.0 and 0.0 as pandas
#: writes a flag column that once held a missing value; 是 and 否 as Chinese systems export yes and no.
FLAG_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0", "是"})
FLAG_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0", "否"})
#: :data:`_TZ_SUFFIX` and :data:`_ISO_DATE` for Arrow's RE2 engine (no back-references), on text that
#: :func:`_regex_per_distinct` gives it: ASCII with no whitespace at either end, where they agree with
#: Python's (``_WS``: the ASCII characters Python's ``\s`` and ``str.strip`` take for whitespace).
_WS = r"[\t\n\x0b\x0c\r \x1c-\x1f]"
_TZ_SUFFIX_RE2 = rf"(Z|{_WS}UTC|[+-]\d{{2}}:?\d{{2}}|:\d{{2}}(\.\d+)?{_WS}*[+-]\d{{2}})$"
_ISO_DATE_RE2 = (rf"^\d{{4}}(-\d{{1,2}}-\d{{1,2}}|/\d{{1,2}}/\d{{1,2}})"
                 rf"([T ]\d{{1,2}}:\d{{2}}(:\d{{2}}(\.\d{{1,9}})?)?)?{_WS}*(Z|UTC|[+-]\d{{2}}(:?\d{{2}})?)?$")


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


def _joined_lists(table: str, name: str, s: pd.Series) -> pd.Series:
    """A comma-list column (:data:`TEXT_LIST_COLUMNS`) holding lists of text (a pandas column of lists)
    as the file readers read ``array<string>``: :func:`~riskscore._arrow_values.joined_text_lists`;
    other values, and other columns, as they are."""
    if (table, name) not in TEXT_LIST_COLUMNS or not pd.api.types.is_object_dtype(s.dtype):
        return s
    try:
        arr = pyarrow.array(s, from_pandas=True)
    except (pyarrow.ArrowException, TypeError, ValueError):  # lists among text: the text as a list of itself
        try:
            arr = pyarrow.array(s.map(lambda v: [v] if isinstance(v, str) else v), from_pandas=True)
        except (pyarrow.ArrowException, TypeError, ValueError):
            return s
    if not is_text_list(arr.type):
        return s
    return pd.Series(joined_text_lists(arr).to_numpy(zero_copy_only=False), index=s.index, dtype=object)


def _narrow_float(dtype: object) -> bool:
    """float16 or float32, numpy's or pandas' nullable ``Float32``."""
    try:
        return pd.api.types.is_float_dtype(dtype) and np.dtype(getattr(dtype, "numpy_dtype", dtype)).itemsize < 8
    except TypeError:
        return False


def _numeric(s: pd.Series) -> pd.Series:
    """``pd.to_numeric`` of ``s`` as float64; text it cannot read is read again with full-width
    characters as their ASCII forms (``１２３４．５``, as a Chinese input method types it): only
    the failing values pay for it."""
    if _narrow_float(s.dtype):  # 99.99 stored in 32 bits is 99.99, not 99.98999786... (as the file readers read it)
        wide = decimal_floats(pyarrow.array(s, from_pandas=True))
        return pd.Series(wide.to_numpy(zero_copy_only=False), index=s.index)
    if isinstance(s.dtype, pd.StringDtype) and len(s):  # text as read from a CSV: Arrow's parse when all read
        try:  # (Arrow and pandas read every number Arrow reads alike, to the last bit; + 0.0 makes -0 zero)
            parsed = pyarrow.compute.cast(pyarrow.array(s, from_pandas=True), pyarrow.float64())
            return pd.Series(parsed.to_numpy(zero_copy_only=False) + 0.0, index=s.index)
        except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, pyarrow.ArrowNotImplementedError):
            pass  # some text is not a plain number: pandas' reading below, and the reject's reason
    out = pd.to_numeric(s, errors="coerce").astype("float64")
    failed = s.notna() & out.isna()
    if failed.any():
        values = s[failed]
        wide = values.map(lambda v: isinstance(v, str) and not v.isascii()).astype(bool)
        if wide.any():
            folded = pd.to_numeric(values[wide].map(fold_width).astype(object), errors="coerce").astype("float64")
            out = out.copy()
            out.loc[folded.index] = folded
    return out


def _as_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = _numeric(s)
    return out, s.notna() & out.isna()


def _as_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    num = _numeric(s)
    with np.errstate(invalid="ignore"):
        bad = (s.notna() & num.isna()) | (num.notna() & np.isfinite(num) & (num != np.round(num)))
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
        if isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):  # a flag stored as a number
            return bool(v)
        text = str(v).strip().lower()
        if text in FLAG_TRUE:
            return True
        if text in FLAG_FALSE:
            return False
        return "?"

    out = _per_distinct(s, parse)  # a flag column has a handful of spellings
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

    return _regex_per_distinct(s, _TZ_SUFFIX_RE2, one)


def _regex_per_distinct(s: pd.Series, re2: str, fn: Callable[[object], bool], *, negate: bool = False) -> pd.Series:
    """``fn`` of each cell as a boolean Series, once per distinct value; for distinct ASCII text with no
    whitespace at either end, by whether Arrow's regex ``re2`` matches (``negate``: does not match),
    which agrees with ``fn`` there, else by ``fn``:
    a contact log's timestamps are nearly all distinct, and Python's call per value was most of the
    validation of a CSV extract."""
    codes, uniques = _factorize(s)
    values = np.empty(len(uniques) + 1, dtype=bool)
    values[-1] = fn(None)
    slow = np.ones(len(uniques), dtype=bool)
    if isinstance(s.dtype, pd.StringDtype):  # text only (the nulls are coded apart)
        text = np.ones(len(uniques), dtype=bool)
        arr = pyarrow.array(uniques, from_pandas=True).cast(pyarrow.string())
    else:
        text = np.fromiter((isinstance(u, str) for u in uniques), dtype=bool, count=len(uniques))
        arr = pyarrow.array(uniques[text].tolist(), pyarrow.string())
    if text.any():
        plain = pyarrow.compute.and_(pyarrow.compute.string_is_ascii(arr), pyarrow.compute.invert(
            pyarrow.compute.match_substring_regex(arr, rf"^{_WS}|{_WS}$")))
        fast = np.flatnonzero(text)[plain.to_numpy(zero_copy_only=False)]
        hit = pyarrow.compute.match_substring_regex(arr.filter(plain), re2).to_numpy(zero_copy_only=False)
        values[fast] = ~hit if negate else hit
        slow[fast] = False
    for i in np.flatnonzero(slow):
        values[i] = fn(uniques[i])
    return pd.Series(values[codes], index=s.index)


def _factorize(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of ``s``, nulls coded -1; unhashable cells (lists) each their own value."""
    try:
        return pd.factorize(s, use_na_sentinel=True)
    except TypeError:
        return np.arange(len(s)), s.to_numpy(dtype=object)


def _per_distinct(s: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """``fn`` of each cell, computed once per distinct value (dates repeat across a portfolio)."""
    codes, uniques = _factorize(s)
    values = np.array([fn(u) for u in uniques] + [fn(None)], dtype=object)
    return pd.Series(values[codes], index=s.index)


def _aware_wall_time(v: object) -> pd.Timestamp:
    """The wall time of one timezone-aware value in its own zone (NaT when it cannot be read)."""
    try:
        return pd.Timestamp(v).tz_localize(None)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT


def _parse_dates(s: pd.Series, aware: pd.Series, *, utc: bool) -> pd.Series:
    """Microsecond timestamps (UTC for ``utc``) of the cells to read; never a nanosecond overflow.

    A calendar-date column keeps the wall time of a timezone-aware value in its stored zone
    (``2024-03-01T00:00+08:00`` is the date 2024-03-01); the UTC column converts it to UTC.
    """
    unit = "datetime64[us, UTC]" if utc else "datetime64[us]"
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert("UTC") if utc else s.dt.tz_localize(None)
        return out.astype(unit)
    if pd.api.types.is_datetime64_dtype(s):
        return (s.dt.tz_localize("UTC") if utc else s).astype(unit)
    out = pd.Series(pd.NaT, index=s.index, dtype=unit)
    if utc:
        if aware.any():
            out[aware] = pd.to_datetime(s[aware], errors="coerce", utc=True, format="mixed").astype(unit)
        return out
    naive = s.notna() & ~aware
    if naive.any():
        codes, uniques = _factorize(s[naive])  # parse each distinct text once
        parsed = pd.to_datetime(pd.Series(uniques, dtype=object), errors="coerce", format="mixed").astype(unit)
        out[naive] = parsed.to_numpy()[codes]
    if aware.any():
        codes, uniques = _factorize(s[aware])
        walls = pd.Series([_aware_wall_time(u) for u in uniques], dtype=unit)
        out[aware] = walls.to_numpy()[codes]
    return out


def _not_iso_text(s: pd.Series) -> pd.Series:
    """Cells holding text that is not a year-first ISO 8601 date (see :data:`_ISO_DATE`)."""
    if s.dtype.kind in "Mm" or isinstance(s.dtype, pd.DatetimeTZDtype):
        return pd.Series(False, index=s.index)
    return _regex_per_distinct(s, _ISO_DATE_RE2, lambda v: isinstance(v, str) and _ISO_DATE.fullmatch(v.strip())
                               is None, negate=True)


def _as_datetime(s: pd.Series, *, utc: bool) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.Series]:
    """Parse dates; return (typed, unreadable, wrong time-zone awareness, out of range, not ISO text)."""
    stored = _stored_datetimes(s, utc=utc)
    if stored is not None:
        return stored
    not_iso = _not_iso_text(s) & s.notna()
    s = s.where(~not_iso)
    aware = _has_tz(s) & s.notna()
    wrong_tz = (~aware & s.notna()) if utc else pd.Series(False, index=s.index)
    ok = s.notna() & ~wrong_tz
    parsed = _parse_dates(s.where(ok), aware & ok, utc=utc)
    lo, hi = (DATE_MIN.tz_localize("UTC"), DATE_MAX.tz_localize("UTC")) if utc else (DATE_MIN, DATE_MAX)
    out_of_range = parsed.notna() & ((parsed < lo) | (parsed >= hi))
    out = parsed.where(~out_of_range).astype("datetime64[ns, UTC]" if utc else "datetime64[ns]")
    return out, ok & parsed.isna(), wrong_tz, out_of_range.astype(bool), not_iso


def _stored_datetimes(s: pd.Series, *, utc: bool) -> tuple[pd.Series, ...] | None:
    """:func:`_as_datetime` of a column that already holds datetimes of the kind wanted (naive for a
    date, aware for the UTC column): nothing to parse, only the plausible range to check."""
    if utc and isinstance(s.dtype, pd.DatetimeTZDtype):
        values = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    elif not utc and s.dtype.kind == "M" and not isinstance(s.dtype, pd.DatetimeTZDtype):
        values = s.to_numpy()
    else:
        return None
    unit = np.datetime_data(values.dtype)[0]
    nat = np.isnat(values)
    with np.errstate(invalid="ignore"):
        beyond = ~nat & ((values < np.datetime64(DATE_MIN, unit)) | (values >= np.datetime64(DATE_MAX, unit)))
    out = pd.Series(np.where(beyond, np.datetime64("NaT", unit), values).astype("datetime64[ns]"), index=s.index)
    if utc:
        out = out.dt.tz_localize("UTC")
    none = pd.Series(np.zeros(len(s), dtype=bool), index=s.index)
    return out, none, none, pd.Series(beyond, index=s.index), none


def calendar_dates(s: pd.Series) -> pd.Series:
    """A date column read as the contracts read it (``datetime64[ns]``); unreadable or implausible cells are NaT.

    Examples
    --------
    >>> import pandas as pd
    >>> calendar_dates(pd.Series(["2024-03-01", "2300-01-01", "2024-03-02T00:00:00+08:00"])).tolist()
    [Timestamp('2024-03-01 00:00:00'), NaT, Timestamp('2024-03-02 00:00:00')]
    """
    return _as_datetime(s, utc=False)[0]


def _id_failures(table: str, df: pd.DataFrame, name: str,
                 raw: pd.Series) -> tuple[pd.Series, list[pd.DataFrame], tuple[np.ndarray, pd.Series]]:
    """Ids as canonical text (:mod:`riskscore.schemas._ids`), the failures of ids that are not usable,
    and the text's (codes, distinct values): the ids are read once per distinct value."""
    text, not_text = id_text(raw)
    codes, uniques = _factorize(text)
    distinct = pd.Series(uniques, dtype=text.dtype if isinstance(text.dtype, pd.StringDtype) else object)
    blank_u, padded_u = id_problems(distinct)
    usable = ~not_text.to_numpy()
    blank = pd.Series(np.r_[blank_u.to_numpy(bool), False][codes] & usable, index=text.index)
    padded = pd.Series(np.r_[padded_u.to_numpy(bool), False][codes] & usable, index=text.index)
    failures = []
    for (check, reason), mask in zip(_ID_CHECKS, (not_text, blank, padded), strict=True):
        if mask.any():
            kind = type(raw[mask].iloc[0]).__name__ if check == "id_not_text" else ""
            failures.append(failures_from_mask(table, df, mask, column=name, check=check,
                                               reason=reason.format(col=name, kind=kind)))
    unusable = not_text | blank | padded
    out = text.astype(object).where(~unusable, None) if unusable.any() else text
    return out, failures, (np.asarray(codes, dtype=np.int64), distinct)


#: Columns of a fixed vocabulary, read in any case and without surrounding spaces (``SMS`` is ``sms``):
#: per table, the single-value columns, the comma-separated channel lists and the time-zone names
#: (IANA names are matched in any case: no two differ only by case).
_VOCABULARY = {"borrowers": ("preferred_channel",), "contacts": ("channel", "outcome", "direction")}
_CHANNEL_LISTS = {"borrowers": ("channels_allowed",)}
_ZONES = {"borrowers": ("timezone", "timezone_candidates")}


@lru_cache(maxsize=1)
def _zone_spellings() -> dict[str, str]:
    """Each IANA zone name in lower case -> the name (no two differ only by case)."""
    from riskscore.schemas._tables import valid_timezones

    return {z.lower(): z for z in valid_timezones()}


def _normalised(table: str, name: str, out: pd.Series) -> pd.Series:
    """A vocabulary column's text as the contract spells it (lower-case channels and outcomes,
    canonical IANA zones), each distinct value once; other columns as they are."""
    if name in _VOCABULARY.get(table, ()):
        def fn(v: str) -> str:
            return v.strip().lower()
    elif name in _CHANNEL_LISTS.get(table, ()):
        def fn(v: str) -> str:
            return ",".join(p.strip().lower() for p in v.split(","))
    elif name in _ZONES.get(table, ()):
        zones = _zone_spellings()

        def fn(v: str) -> str:
            return ",".join(zones.get(p.strip().lower(), p.strip()) for p in v.split(","))
    else:
        return out
    try:  # a column already spelt as the contract spells it (the usual case) is left as it is, cheaply
        distinct = pyarrow.compute.unique(pyarrow.array(out, from_pandas=True)).to_pylist()
        if all(fn(v) == v for v in distinct if isinstance(v, str)):
            return out
    except (pyarrow.ArrowException, TypeError):
        pass
    codes, uniques = _factorize(out)
    if not len(uniques):
        return out
    mapped = np.array([fn(u) if isinstance(u, str) else u for u in uniques] + [None], dtype=object)
    result = pd.Series(mapped[codes], index=out.index, name=out.name, dtype=object)
    return result.astype(out.dtype) if isinstance(out.dtype, pd.StringDtype) else result


#: What a missing value of a required column may have meant, where the usual writing of it is easily lost.
_MISSING_HINTS = {"amount_paid": " on a row with a paid_date (a row with neither a paid_date nor an amount is an "
                                 "unpaid installment: nothing paid)",
                  "channels_allowed": "; a borrower who allows no channel has an empty text: a quoted \"\" in a CSV "
                                      "(an empty cell without quotes is missing), \"\" in parquet or pandas; an "
                                      "extract that writes missing as \\N (PostgreSQL's COPY) and no channel as an "
                                      "empty cell says so in the columns file: borrowers: {channels_allowed: "
                                      "{'': ''}}"}


def _number_hint(kind: str, raw: pd.Series, bad: pd.Series) -> str:
    """For numbers that failed because of how they are written (``1.234,56``, ``12,50``): the style
    they read in, to pass (several when they read differently in each: never chosen for the user)."""
    if kind not in ("float", "int") or not bad.any():
        return ""
    values = raw[bad].to_numpy(dtype=object)
    if not looks_formatted(values):
        return ""
    styles = styles_reading(values)
    if len(styles) == 1:
        how = "groups or a decimal comma" if styles[0][-1].isdigit() and styles[0][0].isdigit() else "a currency mark"
        option = f"'{styles[0]}'" if not styles[0].isascii() or " " in styles[0] else styles[0]
        return (f"; these numbers are written as {styles[0]} ({how}), which is never guessed: "
                f"give the style with --number-format {option} (number_format={styles[0]!r} in Python)")
    if styles:
        return (f"; these numbers read differently as {' or '.join(styles)} (groups or a decimal comma are never "
                f"guessed): give the extract's style with --number-format (number_format= in Python)")
    return ("; numbers written with groups or a decimal comma (1.234,56, 12,50, 1,234.56) are never guessed: "
            "give their style (--number-format 1.234,56; number_format= in Python)")


def _range_failures(table: str, df: pd.DataFrame, name: str, out: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Values beyond the column's plausible bound (:data:`_CAPS`), and their failures."""
    cap, check = _CAPS[name]
    with np.errstate(invalid="ignore"):
        beyond = out.notna() & ~(out.abs() <= cap)
    what = "a finite amount" if check == "amount_out_of_range" else "a number"
    return out.where(~beyond), failures_from_mask(
        table, df, beyond, column=name, check=check,
        reason=f"{name} must be {what} of at most {cap:,.0f} in absolute value")


def coerce_frame(table: str, df: pd.DataFrame, schema: pa.DataFrameSchema,
                 codes: dict[str, tuple[np.ndarray, pd.Series]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse every contract column of ``df``; return (typed frame, failure cases).

    Columns that are not part of the contract are passed through untouched. A row with a
    failure keeps a null in the failing cell of the typed frame. ``codes``, when given, receives
    the id columns' (codes per row, distinct texts): equal codes, equal ids (-1: missing).
    """
    typed = df.copy(deep=False)  # copy-on-write: the caller's frame never changes
    failures = []
    for name, col in schema.columns.items():
        if name not in df.columns:
            continue
        kind = column_kind(col.dtype)
        raw = df[name]
        if name in ID_COLUMNS:
            out, found, coded = _id_failures(table, df, name, raw)
            failures.extend(found)
            if codes is not None:
                codes[name] = coded
        elif kind in ("date", "utc"):
            out, bad, wrong_tz, beyond, not_iso = _as_datetime(raw, utc=kind == "utc")
            failures.append(failures_from_mask(
                table, df, not_iso, column=name, check="date_format",
                reason=f"{name} must be an ISO 8601 date, year first (YYYY-MM-DD), or match the date format given "
                       "for it (a value shown '(not FORMAT)' does not); day-first or month-first text such as "
                       "01/03/2024 is ambiguous and never guessed: give its format (--date-format, date_format=)"))
            failures.append(failures_from_mask(
                table, df, bad, column=name, check=f"coerce_dtype('{col.dtype}')",
                reason=f"{name} cannot be read as {kind}"))
            failures.append(failures_from_mask(
                table, df, beyond, column=name, check="date_out_of_range",
                reason=f"{name} lies outside {DATE_MIN.date()} .. {(DATE_MAX - pd.Timedelta(days=1)).date()}: "
                       "not a plausible date"))
            failures.append(failures_from_mask(
                table, df, wrong_tz, column=name, check="timezone_awareness",
                reason=f"{name} must hold timezone-aware (UTC) timestamps; name the zone of the log's clock: "
                       f"--date-format {table}.{name}=ZONE (or FORMAT@ZONE; date_format= in Python), or "
                       "pd.to_datetime(x).dt.tz_localize(ZONE) on a frame"))
        else:
            raw = _joined_lists(table, name, raw)
            out, bad = {"str": _as_str, "float": _as_float, "int": _as_int, "bool": _as_bool}[kind](raw)
            if kind == "str":
                out = _normalised(table, name, out)
            failures.append(failures_from_mask(
                table, df, bad, column=name, check=f"coerce_dtype('{col.dtype}')",
                reason=f"{name} cannot be read as {kind}" + _number_hint(kind, raw, bad)))
            if name in _CAPS:
                out, beyond = _range_failures(table, df, name, out)
                failures.append(beyond)
        missing = raw.isna()
        if table == "installments" and name == "amount_paid" and "paid_date" in df.columns and missing.any():
            # a row with neither a payment date nor an amount is an unpaid installment, as a ledger
            # writes it (Home Credit's installments do): nothing paid, 0 as the contract has it
            unpaid = missing & df["paid_date"].isna()
            out = out.mask(unpaid.to_numpy(), 0.0)
            missing = missing & ~unpaid
        if not col.nullable:
            failures.append(failures_from_mask(
                table, df, missing, column=name, check="not_nullable",
                reason=f"{name} is required but missing" + _MISSING_HINTS.get(name, "")))
        typed[name] = out
    return typed, concat_failures(failures)
