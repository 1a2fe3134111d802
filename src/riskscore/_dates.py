"""Text dates read with a strftime format: the one code behind every reader's ``date_format``.

:class:`riskscore.io.InputFormat` (the readers, both engines, the report) and
:func:`riskscore.quarantine` (frames already in memory) check a ``date_format`` specification
and convert text dates here, so all of them read a date the same way. Nothing here imports
riskscore above :mod:`riskscore.exceptions`, so the contracts (:mod:`riskscore.schemas`) can use it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["DATE_COLUMNS", "EPOCH_FORMATS", "NAIVE_TIME", "NUMBER_DATE_FORMATS", "SERIAL_FORMATS", "TABLES",
           "as_of_dates", "as_of_timestamp", "convert_dates", "formats_for", "is_number_format", "one_array",
           "split_zone"]

def one_array(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as one Arrow array (a ChunkedArray's chunks combined): what the readers' column checks take.

    Examples
    --------
    >>> one_array(pa.chunked_array([[1], [2, 3]])).to_pylist()
    [1, 2, 3]
    """
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


TABLES: tuple[str, ...] = ("installments", "borrowers", "contacts")
#: The date columns of each table (``contacted_at`` is a timestamp with a zone; ``valid_from`` is optional).
DATE_COLUMNS: dict[str, tuple[str, ...]] = {"installments": ("due_date", "paid_date"), "borrowers": ("valid_from",),
                                            "contacts": ("contacted_at",)}
_ALL = "*"
_KEY = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$")
_TIME_DIRECTIVES = re.compile(r"%[HIMSfpzZXc]")

def _date_column_table(column: str) -> str | None:
    return next((t for t, cols in DATE_COLUMNS.items() if column in cols), None)


#: Unix time formats: seconds or milliseconds since 1970-01-01 UTC (app and call-centre logs), the
#: number of microseconds in one unit of each.
EPOCH_FORMATS: dict[str, int] = {"epoch_s": 1_000_000, "epoch_ms": 1_000}
#: Unix time beyond year 9999 (in microseconds) is no time (and has no ISO text).
_EPOCH_MAX_US = 253_402_300_799_999_999
#: Spreadsheet serial dates: days since an origin, the fraction the time of day. ``excel`` is Excel's
#: 1900 date system (Windows Excel, LibreOffice and WPS write it: 45352 is 2024-03-01), ``excel1904``
#: the 1904 system of old Mac workbooks (45352 is 2028-03-02). Each: (day 0, largest serial, whether
#: Excel's phantom 1900-02-29, serial 60, sits in the count).
SERIAL_FORMATS: dict[str, tuple[str, int, bool]] = {"excel": ("1899-12-31", 2_958_465, True),
                                                    "excel1904": ("1904-01-01", 2_957_003, False)}
#: Formats of dates written as numbers (never guessed: the user names one).
NUMBER_DATE_FORMATS: tuple[str, ...] = (*EPOCH_FORMATS, *SERIAL_FORMATS)
_DAY_MS = 86_400_000


#: Contact times written without a UTC offset (a call-centre log in local time) read in a zone the user
#: names: the format ``"Asia/Shanghai"`` (ISO 8601 text or timestamps without a zone) or
#: ``"%d/%m/%Y %H:%M@Asia/Shanghai"`` (a strftime format, then the zone), ``"excel@Asia/Shanghai"``.
_ZONE = "@"
_WHERE_ZONE = ("*", "contacts", "contacted_at", "contacts.contacted_at")


def split_zone(fmt: str) -> tuple[str | None, str | None]:
    """(the format without its zone, ``None`` for ISO 8601; the IANA zone or ``None``) of a checked format.

    Examples
    --------
    >>> split_zone("Asia/Shanghai"), split_zone("%d/%m/%Y %H:%M@Asia/Shanghai"), split_zone("%d/%m/%Y")
    ((None, 'Asia/Shanghai'), ('%d/%m/%Y %H:%M', 'Asia/Shanghai'), ('%d/%m/%Y', None))
    """
    if fmt in NUMBER_DATE_FORMATS:
        return fmt, None
    if "%" not in fmt and _ZONE not in fmt:
        return None, fmt
    head, sep, zone = fmt.rpartition(_ZONE)
    if sep and "%" not in zone:
        return head, zone
    return fmt, None


def is_number_format(fmt: str | None) -> bool:
    """Whether ``fmt`` reads dates written as numbers (Unix time, spreadsheet serials), with a zone or not."""
    return fmt is not None and split_zone(fmt)[0] in NUMBER_DATE_FORMATS


def _check_zone(key: str, zone: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(zone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ValueError(f"date_format {key!r}: {zone!r} is neither a strftime format such as '%d/%m/%Y' nor an IANA "
                         "time zone such as 'Asia/Shanghai' (or epoch_s, epoch_ms for Unix time, excel for "
                         "spreadsheet serial dates).") from None
    if key not in _WHERE_ZONE:
        raise ValueError(f"date_format {key!r}: a time zone ({zone}) reads contact times written without a UTC "
                         "offset; give it for contacts.contacted_at, not for dates.")


def _check_format(key: str, fmt: object) -> str:
    if not isinstance(fmt, str):
        raise ValueError(f"date_format {key!r}: {fmt!r} is not a strftime format such as '%d/%m/%Y' (or epoch_s, "
                         "epoch_ms for Unix time, excel for spreadsheet serial dates, an IANA time zone for contact "
                         "times without an offset).")
    base, zone = split_zone(fmt)
    if zone is not None:
        _check_zone(key, zone)
        if base in EPOCH_FORMATS:
            raise ValueError(f"date_format {key!r}: Unix time ({base}) is UTC by definition; give it without a zone.")
    if base is None or base in NUMBER_DATE_FORMATS:
        return fmt
    if "%" not in base:
        raise ValueError(f"date_format {key!r}: {fmt!r} is not a strftime format such as '%d/%m/%Y' (or epoch_s, "
                         "epoch_ms for Unix time, excel for spreadsheet serial dates).")
    try:
        dt.datetime(2024, 3, 15, 10, 30, tzinfo=dt.UTC).strftime(base)
    except ValueError as err:
        raise ValueError(f"date_format {key!r}: {fmt!r} is not a strftime format ({err}).") from None
    return fmt


def _date_spec(date_format: str | Mapping[str, str] | None) -> dict[str, str]:
    """``date_format`` as ``{"*" | table | column | "table.column": format}``, every key checked."""
    if date_format is None:
        return {}
    if isinstance(date_format, str):
        return {_ALL: _check_format(_ALL, date_format)}
    if not isinstance(date_format, Mapping):
        raise TypeError(f"date_format must be a strftime format, a mapping or None, got {type(date_format).__name__}.")
    spec = {}
    for key, fmt in date_format.items():
        if not isinstance(key, str) or (key != _ALL and not _KEY.match(key)):
            raise ValueError(f"date_format key {key!r} is not '*', a table, a date column or TABLE.COLUMN.")
        table, _, column = key.partition(".")
        if column:
            if table not in TABLES or column not in DATE_COLUMNS[table]:
                raise ValueError(f"date_format key {key!r}: the date columns are "
                                 + ", ".join(f"{t}.{c}" for t in TABLES for c in DATE_COLUMNS[t]) + ".")
        elif key != _ALL and key not in TABLES and _date_column_table(key) is None:
            raise ValueError(f"date_format key {key!r} is not '*', a table ({', '.join(TABLES)}), a date column or "
                             "TABLE.COLUMN.")
        spec[key] = _check_format(key, fmt)
    return spec


def _iso(value: dt.datetime, dated: bool) -> str:
    if dated:
        return value.date().isoformat()
    return value.isoformat()


#: The names of UTC a time's text may end with (``15/06/2025 02:30:00 UTC``: BigQuery, Trino, many logs),
#: in a format (as ``%Z`` or written out) and in its values: read as the offset ``+0000``.
_UTC_WORD = re.compile(r"(?<![%\w])(?:UTC|GMT)(?!\w)")


def _utc_format(fmt: str) -> str | None:
    """``fmt`` with its zone name (``%Z``, or ``UTC``/``GMT`` written out) as ``%z``; ``None`` without one.

    Python's ``%Z`` reads ``UTC`` and then forgets it (a naive time), and reads the machine's own zone
    names (``CST`` in China, ``EST`` in New York) the same way: here only UTC's names are read, as UTC,
    and any other zone name does not match (an abbreviation names several zones: never guessed).
    """
    if "%Z" not in fmt and _UTC_WORD.search(fmt) is None:
        return None
    return _UTC_WORD.sub("%z", fmt.replace("%Z", "%z"))


def _parse_distinct(values: list[str], fmt: str, *, dated: bool) -> list[str | None]:
    """ISO text of each value read strictly with ``fmt`` (Python's strptime), ``None`` when it does not match."""
    utc = _utc_format(fmt)
    out: list[str | None] = []
    for v in values:
        try:
            read = dt.datetime.strptime(_UTC_WORD.sub("+0000", v.strip()), utc) if utc is not None else \
                dt.datetime.strptime(v.strip(), fmt)
            out.append(_iso(read, dated))
        except ValueError:
            out.append(None)
    return out


def convert_dates(col: pa.ChunkedArray | pa.Array, fmt: str) -> pa.Array:
    """Text dates read with ``fmt``, as ISO 8601 text; a value that does not match keeps its text + `` (not FMT)``.

    Each distinct value is parsed once. Arrow parses first; a value whose round trip through the
    format does not give its own text back (``5/3/2024``, a zone, an impossible date such as
    ``31/02/2024`` that Arrow would move into March) is parsed by Python's strict ``strptime``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> convert_dates(pa.array(["15/03/2024", "5/3/2024", "31/02/2024", None]), "%d/%m/%Y").to_pylist()
    ['2024-03-15', '2024-03-05', '31/02/2024 (not %d/%m/%Y)', None]
    >>> convert_dates(pa.array(["15/03/2024 10:30+0800"]), "%d/%m/%Y %H:%M%z").to_pylist()
    ['2024-03-15T10:30:00+08:00']

    A time that ends with UTC's name, read with ``%Z`` or the name written out (another zone's name,
    an abbreviation that names several zones, does not match):

    >>> convert_dates(pa.array(["15/06/2025 02:30 UTC", "15/06/2025 02:30 CST"]), "%d/%m/%Y %H:%M %Z").to_pylist()
    ['2025-06-15T02:30:00+00:00', '15/06/2025 02:30 CST (not %d/%m/%Y %H:%M %Z)']
    >>> convert_dates(pa.array(["15/06/2025 02:30 GMT"]), "%d/%m/%Y %H:%M GMT").to_pylist()
    ['2025-06-15T02:30:00+00:00']

    Unix time, as numbers or text (``epoch_s``, ``epoch_ms``):

    >>> convert_dates(pa.array([1709258400123, None]), "epoch_ms").to_pylist()
    ['2024-03-01T02:00:00.123000+00:00', None]
    >>> convert_dates(pa.array(["1709258400", "soon"]), "epoch_s").to_pylist()
    ['2024-03-01T02:00:00.000000+00:00', 'soon (not epoch_s)']

    Contact times without a UTC offset, in the zone named (``ZONE`` for ISO 8601 text, ``FORMAT@ZONE``);
    a local time a clock change skips or repeats is refused, never guessed:

    >>> convert_dates(pa.array(["2025-06-15 02:45:44", "2025-06-15T02:45:44+00:00"]), "Asia/Shanghai").to_pylist()
    ['2025-06-14T18:45:44.000000+00:00', '2025-06-15T02:45:44+00:00']
    >>> convert_dates(pa.array(["15/06/2025 02:45", "31/03/2024 02:30"]), "%d/%m/%Y %H:%M@Europe/Berlin").to_pylist()
    ['2025-06-15T00:45:00.000000+00:00', '2024-03-31T02:30:00 (not a single time in Europe/Berlin)']

    Spreadsheet serial dates (``excel``, ``excel1904``), the fraction the time of day (to the millisecond):

    >>> convert_dates(pa.array([45352, 45352.4375, 60, None]), "excel").to_pylist()
    ['2024-03-01', '2024-03-01T10:30:00', '60 (not excel)', None]
    """
    arr = one_array(col)
    base, zone = split_zone(fmt)
    if zone is not None:
        read = arr.cast(pa.string()) if base is None else convert_dates(arr, base)
        return _in_zone(read, zone)
    if fmt in EPOCH_FORMATS:
        return _from_epoch(arr, fmt)
    if fmt in SERIAL_FORMATS:
        return _from_serial(arr, fmt)
    arr = arr.cast(pa.string())
    enc = pc.dictionary_encode(arr)
    uniq = enc.dictionary
    dated = _TIME_DIRECTIVES.search(fmt) is None
    iso: list[str | None] = [None] * len(uniq)
    slow = np.ones(len(uniq), dtype=bool)
    if "%z" not in fmt and _utc_format(fmt) is None and len(uniq):  # Arrow reads neither offsets nor zone names
        fast = pc.strptime(uniq, format=fmt, unit="s", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(fast, format=fmt), uniq), False).to_numpy(zero_copy_only=False)
        text = pc.strftime(fast, format="%Y-%m-%d" if dated else "%Y-%m-%dT%H:%M:%S").to_pylist()
        for i in np.flatnonzero(same):
            iso[i] = text[i]
        slow = ~same
    if slow.any():
        values = uniq.to_pylist()
        idx = np.flatnonzero(slow)
        for i, parsed in zip(idx, _parse_distinct([values[i] for i in idx], fmt, dated=dated), strict=True):
            iso[i] = parsed if parsed is not None else f"{values[i]} (not {fmt})"
    return pc.take(pa.array(iso, pa.string()), enc.indices)


def _from_epoch(arr: pa.Array, fmt: str) -> pa.Array:
    """Unix time (numbers, or their text) as ISO 8601 UTC text; anything else keeps its text + `` (not FMT)``."""
    per = EPOCH_FORMATS[fmt]
    if pa.types.is_floating(arr.type):
        values = arr.to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore", over="ignore"):
            us = np.round(values * per)
            ok = np.isfinite(us) & (np.abs(us) <= _EPOCH_MAX_US)
        micros = pa.array(np.where(ok, us, 0).astype(np.int64), mask=~ok)
        text = pa.array(np.where(np.isnan(values), None, values.astype(str)), pa.string())
    else:
        text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
        whole = pc.fill_null(pc.match_substring_regex(text, r"^[+-]?\d{1,15}$"), False)
        ints = pc.cast(pc.if_else(whole, text, pa.scalar(None, pa.string())), pa.int64())
        micros = pc.multiply_checked(ints, pa.scalar(per, pa.int64()))
        part = pc.fill_null(pc.match_substring_regex(text, r"^[+-]?\d{1,15}\.\d{1,9}$"), False)  # 1709258400.5
        if pc.any(part).as_py():
            fraction = pc.round(pc.multiply(pc.cast(pc.if_else(part, text, pa.scalar(None, pa.string())),
                                                    pa.float64()), float(per)))
            micros = pc.if_else(part, pc.cast(fraction, pa.int64()), micros)
        micros = pc.if_else(pc.less_equal(pc.abs(micros), _EPOCH_MAX_US), micros, pa.scalar(None, pa.int64()))
    stamps = pc.cast(micros, pa.timestamp("us", tz="UTC"))
    iso = pc.binary_join_element_wise(pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%S"), "+00:00", "")
    refused = pc.binary_join_element_wise(text, f" (not {fmt})", "")
    return pc.if_else(pc.is_null(micros), refused, iso)


def _from_serial(arr: pa.Array, fmt: str) -> pa.Array:
    """Spreadsheet serial dates (numbers, or their text) as ISO 8601 text: a date, or a date and time
    (naive, as the sheet wrote it) when the serial has a fraction; anything else keeps its text +
    `` (not FMT)`` (Excel's phantom 1900-02-29, serials before the system's first day or after
    9999-12-31, text that is not a plain decimal number). Each distinct value is converted once."""
    origin, largest, phantom = SERIAL_FORMATS[fmt]
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        arr = pc.cast(arr, pa.float64(), safe=False)
    else:
        arr = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    enc = pc.dictionary_encode(arr)
    uniq = enc.dictionary
    if pa.types.is_floating(uniq.type):
        values = uniq.to_numpy(zero_copy_only=False)
        text = np.array([str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(v)
                         for v in values.tolist()], dtype=object)
        missing = np.isnan(values)  # pandas' missing value in a float column
    else:
        text = np.asarray(uniq.to_pylist(), dtype=object)
        plain = pc.fill_null(pc.match_substring_regex(uniq, r"^\d{1,7}(\.\d+)?$"), False)
        values = pc.cast(pc.if_else(plain, uniq, pa.scalar(None, pa.string())), pa.float64()).to_numpy(
            zero_copy_only=False)
        missing = np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        ms = np.round(values * _DAY_MS)
        serial = np.floor(ms / _DAY_MS)
        ok = np.isfinite(ms) & (serial >= (1 if phantom else 0)) & (serial <= largest)
        if phantom:
            ok &= serial != 60  # 1900-02-29, a day Excel counts and the calendar has not
        rest = np.where(ok, ms - serial * _DAY_MS, 0).astype(np.int64)
    day = np.where(ok, serial - (phantom & (serial > 60)), 0).astype(np.int64)
    stamps = (np.datetime64(origin, "D") + day).astype("datetime64[ms]") + rest.astype("timedelta64[ms]")
    iso = np.where(rest == 0, np.datetime_as_string(stamps, unit="D"),
                   np.where(rest % 1000 == 0, np.datetime_as_string(stamps, unit="s"),
                            np.datetime_as_string(stamps, unit="ms")))
    out = np.where(ok, iso.astype(object), np.char.add(text.astype(str), f" (not {fmt})").astype(object))
    out[missing] = None
    return pc.take(pa.array(out.tolist(), pa.string()), enc.indices)


#: A date and time written year first without a UTC offset (``2025-06-15 02:45:44``, ``2025/6/15 2:45``,
#: ``2025-06-15T02:45:44.5``): what a ``ZONE`` format reads, and what the refusal of contact times without
#: an offset looks for (:func:`riskscore._form_refusals.naive_times_refusal`).
NAIVE_TIME = (r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*$")


def _in_zone(arr: pa.Array, zone: str) -> pa.Array:
    """Text of :data:`NAIVE_TIME` read as wall-clock time in ``zone``, as ISO 8601 UTC text; text with an
    offset, and anything else, unchanged (the contract judges it), as is a time that is no time
    (``2025/02/30 10:00``, ``25:00``). A wall-clock time that the zone's clock change skips or repeats
    keeps its text + `` (not a single time in ZONE)``."""
    enc = pc.dictionary_encode(arr)
    uniq = enc.dictionary
    naive = pc.fill_null(pc.match_substring_regex(uniq, NAIVE_TIME), False).to_numpy(zero_copy_only=False)
    if not naive.any():
        return arr
    values = np.asarray(uniq.to_pylist(), dtype=object)
    parts = pc.extract_regex(uniq.filter(pa.array(naive)),
                             r"^\s*(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})[T ](?P<hour>\d{1,2}):"
                             r"(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?\s*$")
    fields = {k: pc.struct_field(parts, k) for k in ("year", "month", "day", "hour", "minute", "second", "fraction")}
    numbers = {k: pd.to_numeric(pd.Series(fields[k].to_numpy(zero_copy_only=False)).replace("", "0"))
               for k in ("year", "month", "day", "hour", "minute", "second")}
    fraction = pd.Series(fields["fraction"].to_numpy(zero_copy_only=False))
    micros = pd.to_numeric(fraction.str.ljust(6, "0").str[:6])  # to the microsecond
    stamps = pd.to_datetime(pd.DataFrame(numbers), errors="coerce") + pd.to_timedelta(micros, unit="us")
    local = stamps.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    utc = pa.array(local.dt.tz_convert("UTC").to_numpy(dtype="datetime64[us]"), pa.timestamp("us", tz="UTC"))
    iso = np.asarray(pc.binary_join_element_wise(pc.strftime(utc, format="%Y-%m-%dT%H:%M:%S"), "+00:00",
                                                 "").to_pylist(), dtype=object)
    refused = np.char.add(values[naive].astype(str), f" (not a single time in {zone})").astype(object)
    out = values.copy()
    out[naive] = np.where(local.notna().to_numpy(), iso, np.where(stamps.notna().to_numpy(), refused, values[naive]))
    return pc.take(pa.array(out.tolist(), pa.string()), enc.indices)


def formats_for(spec: Mapping[str, str], table: str | None) -> dict[str, str]:
    """Date column -> format for one table from a checked specification (:func:`_date_spec`): the most
    specific key wins (``table.column``, column, table, ``*``); every table's when ``table`` is None."""
    out = {}
    for t in [table] if table is not None else list(TABLES):
        for col in DATE_COLUMNS.get(t, ()):
            for key in (f"{t}.{col}", col, t, _ALL):
                if key in spec:
                    out[col] = spec[key]
                    break
    return out


#: As-of text must be written year first (2025-06-30, 2025/06/30, 20250630): day and month order is never guessed.
YEAR_FIRST = re.compile(r"\d{4}(?:([-/])\d{1,2}\1\d{1,2}|\d{4})(?:[ T].*)?")


def as_of_timestamp(value: object, name: str = "as_of") -> pd.Timestamp:
    """One as-of date as a Timestamp: text only when written year first; one line naming ``name`` otherwise."""
    if isinstance(value, str):
        text = value.strip()
        if not YEAR_FIRST.fullmatch(text):
            why = ": day and month order is never guessed" if re.search(r"\d{1,2}\D\d{1,2}\D\d{2,4}", text) else ""
            raise ValueError(f"{name} must be a date written year first (YYYY-MM-DD), got {value!r}{why}.")
        value = text
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} is not a date: {value!r} ({err}).") from err


def as_of_dates(values: object, where: str) -> pd.DatetimeIndex:
    """The as-of date of every row: datetimes, or text written year first; none missing.

    ``where`` names the values in the message (``"X's as_of index level"``). Text such as
    ``01/02/2024`` is refused rather than read month first, and a missing date is refused
    rather than leaving its row out of every split.
    """
    values = pd.Index(values)
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        present = values[values.notna()]
        text = pd.Index(present.astype(str)).str.strip()
        bad = ~text.str.fullmatch(YEAR_FIRST.pattern)
        if bad.any():
            raise ValueError(f"{where} must be dates or text written year first (YYYY-MM-DD), got e.g. "
                             f"{present[bad][0]!r}: day and month order is never guessed.")
        try:
            values = pd.DatetimeIndex(pd.to_datetime(values, format="mixed"))
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where} holds a value that is not a date ({err}).") from err
    dates = pd.DatetimeIndex(values)
    missing = np.flatnonzero(dates.isna())
    if len(missing):
        raise ValueError(f"{where} has {len(missing)} missing date(s), e.g. at row {int(missing[0])}; every row needs "
                         "its as-of date.")
    return dates
