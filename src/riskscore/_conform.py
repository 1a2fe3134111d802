"""One batch of an input in the contract's form, column by column: ids as canonical text, a CSV's missing
spellings missing, the extract's words mapped, dates and numbers read with their stated formats, and
the one-line refusals of a column written in a way the contracts never guess
(:mod:`riskscore._refusals`, :mod:`riskscore._form_refusals`). Every reader of :mod:`riskscore._intake`
(and :mod:`riskscore._intake_pieces`) conforms its batches here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from riskscore._arrow_values import decimal_floats, is_text_list, joined_text_lists
from riskscore._dates import is_number_format, one_array, split_zone
from riskscore._files import is_delimited_text, where
from riskscore._form_refusals import (
    dates_only_refusal,
    marker_dates_refusal,
    naive_times_refusal,
    numbers_refusal,
    other_dates_refusal,
    padded_ids_refusal,
    scientific_ids_refusal,
)
from riskscore._input_format import (
    DATE_COLUMNS,
    TABLES,
    convert_dates,
    is_text,
    number_dates_refusal,
    refuse_day_month,
    refuse_wrong_order,
)
from riskscore._numbers import NUMBER_COLUMNS, convert_numbers
from riskscore._refusals import LIST_COLUMNS, map_values, missing_values_refusal, vocabulary_refusal
from riskscore.exceptions import DataError
from riskscore.schemas import ID_COLUMNS, TEXT_LIST_COLUMNS, contract_columns, id_text_arrow

__all__ = ["DB_NULL", "EMPTY_TEXT_COLUMNS", "EXCEL_TEXT", "NA_TOKENS", "conform", "dates_as_text", "empty_is_text",
           "number_reading"]


#: Text read as a missing value in the non-id columns of a CSV (pyarrow's and pandas' defaults, and
#: :data:`DB_NULL`).
NA_TOKENS: tuple[str, ...] = ("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                              "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "\\N")
#: The NULL of a database's text export (MySQL's ``SELECT ... INTO OUTFILE``, PostgreSQL's ``COPY ... TO``,
#: Hive's text tables): missing in every column, ids too (no id is written ``\N``, unlike ``NA``, which
#: may be one).
DB_NULL = "\\N"
#: Excel's text formula in a CSV cell, ``="007"``: how exports meant for Excel keep an id's leading zeros
#: (and an 18-digit number's last digits) when Excel opens the file. Its text (``007``) is the value,
#: in every column of a CSV, on both engines (a regular expression Arrow's and Java's engines read alike).
EXCEL_TEXT = r'^="(.*)"$'
#: The text columns where the contracts give an empty string a meaning (``channels_allowed``: no
#: channel allowed). In a CSV, a quoted empty field (``""``, as Arrow and Spark write an empty
#: string) is an empty string there, as it is in parquet; an empty field without quotes, and an
#: empty field in any other column, quoted or not (pandas' ``QUOTE_ALL`` writes a missing value
#: as ``""``), is missing.
EMPTY_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {"borrowers": ("channels_allowed",)}


def empty_is_text(table: str | None, name: str) -> bool:
    """Whether a quoted empty CSV field of column ``name`` is an empty string (else missing)."""
    return name in EMPTY_TEXT_COLUMNS.get(table or "", ())


def number_reading(table: str | None, name: str, numbers: str | None) -> bool | None:
    """How a text column is read under ``numbers``: strictly (a contract number column), leniently
    (a column outside the contract), or not at all (``None``: the contract's text, dates and ids)."""
    if numbers is None or name in ID_COLUMNS:
        return None
    if table in TABLES:
        if name in NUMBER_COLUMNS.get(table, ()):
            return True
        if name in contract_columns(table):
            return None
    return False


def conform(batch: pa.Table, schema: pa.Schema, f: Path, table: str | None,
             dates: Mapping[str, str], numbers: str | None = None,
             values: Mapping[str, Mapping[str, str]] | None = None) -> pa.Table:
    """One batch in the input's schema: ids as canonical text, NA spellings missing, one type per column.

    Text dates are read with their format (``dates``) as ISO text; without one, day/month text is refused.
    Text numbers are read with ``numbers`` (a template, :mod:`riskscore._numbers`) as plain number text.
    """
    arrays = []
    text = is_delimited_text(f)
    for field in schema:
        col = batch.column(field.name)
        if text:
            col = _csv_missing(_excel_text(col), table, field.name)
        if field.name in ID_COLUMNS:
            arrays.append(_id_column(col, field.name, f, table))
        else:
            if values and field.name in values:  # the extract's words as the contract's, before any check
                col = map_values(col, values[field.name], words=(table, field.name) in LIST_COLUMNS,
                                 dates=field.name in DATE_COLUMNS.get(table or "", ()))
            line = missing_values_refusal(col, table, field.name, f"'{f}'") or marker_dates_refusal(
                col, table, field.name, f"'{f}'")
            if line is not None:
                raise DataError.from_message(table or "input", line)
            arrays.append(_value_column(col, field, f, table, dates, numbers))
    return pa.Table.from_arrays(arrays, schema=schema)


def _id_column(col: pa.ChunkedArray, name: str, f: Path, table: str | None) -> pa.Array:
    try:
        col, bad = id_text_arrow(col, name)
    except TypeError as err:
        raise DataError.from_message(table or "input", f"{where(f, table)}: {err}") from None
    if bad:
        raise DataError.from_message(
            table or "input",
            f"{where(f, table)}: column {name} is stored as numbers and {bad} of them are not whole "
            f"numbers below 2**53 (digits may have been lost); store ids as text")
    line = padded_ids_refusal(col, name, where(f, table)) or scientific_ids_refusal(col, name, where(f, table))
    if line is not None:
        raise DataError.from_message(table or "input", line)
    return col


_NA = pa.array(NA_TOKENS, pa.string())
_NA_OR_EMPTY = pa.array([*NA_TOKENS, ""], pa.string())
_EMPTY = pa.array(["", DB_NULL], pa.string())


def _excel_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A CSV column's Excel text formulas (:data:`EXCEL_TEXT`: ``="007"``) as their text (``007``)."""
    if not pc.any(pc.starts_with(col, '="')).as_py():  # the common case: one pass, no regular expression
        return col
    return pc.replace_substring_regex(col, pattern=EXCEL_TEXT, replacement=r"\1")


def _csv_missing(col: pa.ChunkedArray, table: str | None, name: str) -> pa.ChunkedArray:
    """A CSV column's missing values (an unquoted empty field is already null): in an id column a quoted
    ``""`` and :data:`DB_NULL` too; elsewhere :data:`NA_TOKENS` and ``""``, except that ``""`` stays an empty
    string in :data:`EMPTY_TEXT_COLUMNS` (the Spark engine's ``_csv_missing`` applies the same rules)."""
    missing = _EMPTY if name in ID_COLUMNS else _NA if empty_is_text(table, name) else _NA_OR_EMPTY
    return pc.if_else(pc.is_in(col, value_set=missing), pa.scalar(None, pa.string()), col)


def _value_column(col: pa.ChunkedArray, field: pa.Field, f: Path, table: str | None, dates: Mapping[str, str],
                  numbers: str | None) -> pa.ChunkedArray:
    if table in TABLES and field.name in DATE_COLUMNS[table] and _is_number(col.type):
        col = _number_dates(col, field.name, f, table, dates)
        if is_number_format(dates.get(field.name)):  # read: ISO text already
            return col.cast(field.type)
    if table == "contacts" and field.name == "contacted_at" and (_is_naive_time(col.type)
                                                                  or pa.types.is_date(col.type)):
        return _zoned_times(col, f, dates.get(field.name)).cast(field.type)
    col = decimal_floats(col)
    if (table, field.name) in TEXT_LIST_COLUMNS and is_text_list(col.type):
        col = joined_text_lists(col)
    if col.type != field.type:
        try:
            col = pc.cast(col, field.type)
        except pa.ArrowException:
            raise DataError.from_message(
                table or "input", f"{where(f, table)}: column {field.name} holds {col.type} values that "
                                  f"cannot be read as {field.type} like the other files'") from None
    if is_text(field.type):  # string, or large_string as pandas writes text to parquet
        col = _read_text(col, field.name, f, table, dates, numbers)
        if col.type != field.type:
            col = col.cast(field.type)
    return col


def _is_number(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _number_dates(col: pa.ChunkedArray, name: str, f: Path, table: str, dates: Mapping[str, str]) -> pa.Array:
    """A date column stored as numbers: Unix time read with its ``epoch_*`` format, spreadsheet serial
    dates with ``excel``/``excel1904``, ``20240315`` as digits for its strftime format; refused in one
    line without a format (never guessed)."""
    fmt = dates.get(name)
    if fmt is None:
        line = number_dates_refusal(col, table, name, f"'{f}'")
        if line is not None:
            raise DataError.from_message(table, line)
        return col  # all missing
    if is_number_format(fmt):
        return convert_dates(col, fmt)
    arr = one_array(col)
    whole = pc.cast(arr, pa.int64(), safe=False)  # 20240315.0 as 20240315; a fraction is no such date
    exact = pc.fill_null(pc.equal(pc.cast(whole, pa.float64()), pc.cast(arr, pa.float64())), True)
    return pc.if_else(exact, pc.cast(whole, pa.string()), pc.cast(pc.cast(arr, pa.float64()), pa.string()))


def _is_naive_time(t: pa.DataType) -> bool:
    return pa.types.is_timestamp(t) and t.tz is None


def _zoned_times(col: pa.ChunkedArray, f: Path, fmt: str | None) -> pa.Array:
    """Contact times stored as timestamps without a zone: read in the zone of their format (``ZONE``,
    ``FORMAT@ZONE``) as ISO 8601 UTC text; refused in one line without one (a clock is never guessed).
    Contact dates stored without a time of day are refused in one line, zone or not."""
    zone = split_zone(fmt)[1] if fmt is not None else None
    arr = one_array(col)
    if pa.types.is_date(arr.type):
        line = dates_only_refusal(arr, "contacts", "contacted_at", f"'{f}'")  # None: every value missing
        if line is not None:
            raise DataError.from_message("contacts", line)
        return arr
    if zone is None:
        if arr.null_count < len(arr):
            raise DataError.from_message("contacts", naive_times_refusal(arr, "contacts", "contacted_at", f"'{f}'")
                                         or "contacted_at holds times without a zone")
        return arr.cast(pa.string())
    return convert_dates(pc.strftime(arr, format="%Y-%m-%dT%H:%M:%S"), zone)


def dates_as_text(schema: pa.Schema, table: str | None, dates: Mapping[str, str]) -> pa.Schema:
    """``schema`` with the date columns read to ISO text typed as text: those that have a format and are
    stored as numbers, and contact times stored without a zone."""
    if table not in TABLES:
        return schema
    fields = [pa.field(fl.name, pa.string()) if (fl.name in DATE_COLUMNS[table] and fl.name in dates
                                                 and _is_number(fl.type))
              or (table == "contacts" and fl.name == "contacted_at" and _is_naive_time(fl.type)) else fl
              for fl in schema]
    return pa.schema(fields)


def _read_text(col: pa.ChunkedArray, name: str, f: Path, table: str | None, dates: Mapping[str, str],
               numbers: str | None) -> pa.ChunkedArray:
    """A text column's dates read with their format (day/month text refused without one) and its
    numbers with the number format."""
    if table in TABLES and name in DATE_COLUMNS[table]:
        if name in dates:
            if (table, name) == ("contacts", "contacted_at"):  # a format reads times; days alone stay refused
                line = dates_only_refusal(col, table, name, f"'{f}'")
                if line is not None:
                    raise DataError.from_message(table, line)
            col = convert_dates(col, dates[name])
            refuse_wrong_order(col, dates[name], table, name, f"'{f}'")
        else:
            refuse_day_month(col, table, name, f"'{f}'")
            line = other_dates_refusal(col, table, name, f"'{f}'")
            if line is None and table == "contacts" and name == "contacted_at":
                line = naive_times_refusal(col, table, name, f"'{f}'")
            if line is not None:
                raise DataError.from_message(table, line)
    line = vocabulary_refusal(col, table, name, f"'{f}'")
    if line is not None:
        raise DataError.from_message(table or "input", line)
    strict = number_reading(table, name, numbers)
    read = col if strict is None else convert_numbers(col, numbers, strict=strict)
    line = numbers_refusal(col, table, name, f"'{f}'", numbers, read)
    if line is not None:
        raise DataError.from_message(table or "input", line)
    return read
