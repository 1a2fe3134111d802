"""Reading a user's input files as Arrow tables: everything between a file and the contracts.

:mod:`riskscore.io` re-exports these functions; the batch job, ``riskscore validate`` and the
report read inputs through them, so every reader sees the same values.

* **CSV** (``.csv``, ``.csv.gz``): every column is read as text (the contracts parse the values,
  so a CSV and a parquet file of the same rows give the same tables); a UTF-8 byte-order mark
  is ignored; the field separator is read from the header line (``,``, or ``;``, tab or ``|``
  when the header has more of it than commas: :func:`csv_delimiter`). Amounts like ``1.234,50``
  are read with their ``number_format`` (below). In an id column only an empty field and a
  database's ``\\N`` are missing (``NA``, ``null``, ``None`` are ids); in other columns the usual
  spellings of a missing value (:data:`NA_TOKENS`, ``\\N`` among them) are missing.
* **Parquet**: a file, or a folder of files read in sorted path order. The files of a folder
  must have the same columns; a column stored with different types in different files is read
  in one type (integers and floats as floats, anything else with text as text) and the
  contracts parse it.
* **Folders** hold parquet files or CSV files, not both (:func:`~riskscore._files.input_files`:
  a warehouse's unload of CSV parts, each with its header line; ``_SUCCESS``, ``.crc`` and
  ``_temporary/`` skipped). A CSV whose header line comes again among its rows (parts joined
  with ``cat``) or that has none (its first line holds values) is refused in one line.
* **Ids** (``borrower_id``, ``loan_id``) come out as text, exactly:
  :func:`riskscore.schemas.id_text_arrow` (whole-number floats as integers, ``1.0`` -> ``"1"``).
  A column that holds no id at all (lists, structs, booleans, dates) or floats that are not
  whole numbers below 2**53 (digits may have been lost) is refused.
* A file that cannot be read (truncated, a corrupt page, an unterminated quote, bytes that are
  not UTF-8) raises one :class:`~riskscore.DataError` naming the file, never the row's content.
* **Column names** (``rename``, from :class:`InputFormat`'s ``columns``): the extract's names
  are replaced by the contract's as the files are read; ``columns`` (the selection) uses the
  contract's names. A contract column the file and the mapping lack is read from the file's
  column of its name in another case or style (``AMOUNT_DUE``, ``Amount Due``:
  :func:`contract_names`). When ``table`` is a contract table, a required column that is absent is one
  :class:`~riskscore.DataError` listing the file's columns, the closest names and the mapping
  to write.
* **Text dates** (``date_format``): read with the given strftime format and passed on as ISO
  8601 text (:func:`riskscore._input_format.convert_dates`). Without a format, a text date
  column holding day/month dates (``15/03/2024``), or mostly another form (``2024年3月1日``), is
  refused, never guessed; a few values that are not ISO 8601 are left for the contracts to reject
  row by row (``date_format``).
* **Text numbers** (``number_format``, a template such as ``"1.234,56"``): the contract's number
  columns (amounts, installment numbers) are read in that style and passed on as plain number
  text (:func:`riskscore._numbers.convert_numbers`); a value that does not match keeps its text
  plus ``" (not 1.234,56)"``, so the contracts reject its row and show why. Other columns outside
  the contract (a borrowers table's own columns) are converted where a value matches. Without a
  format, text numbers must be plain (``1234.56``); a number column mostly in another style is refused.
* Each batch is conformed column by column in :mod:`riskscore._conform` (missing spellings, ids,
  the extract's words, formats, and the one-line refusals of a column written another way).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.orc as paorc
import pyarrow.parquet as pq

from riskscore._conform import (
    EMPTY_TEXT_COLUMNS,
    NA_TOKENS,
    conform,
    dates_as_text,
    empty_is_text,
    is_text_list,
    number_reading,
)
from riskscore._csv_ranges import CsvRange
from riskscore._files import (
    DELIMITERS,
    HIVE_SEPARATOR,
    UNNAMED,
    arrow_unpacks,
    compressed,
    csv_delimiter,
    csv_encoding,
    csv_header,
    csv_layout,
    headerless,
    input_files,
    is_delimited_text,
    is_orc,
    loose_name,
    no_header_line,
    no_text,
    open_file,
    reading_errors,
    reraise,
    unreadable,
    where,
)
from riskscore._input_format import (
    TABLES,
    InputFormat,
    missing_columns_line,
    required_columns,
)
from riskscore._numbers import number_spec
from riskscore.exceptions import DataError
from riskscore.schemas import ID_COLUMNS, TEXT_LIST_COLUMNS, contract_columns

__all__ = [
    "DELIMITERS",
    "EMPTY_TEXT_COLUMNS",
    "NA_TOKENS",
    "UNNAMED",
    "InputFormat",
    "csv_delimiter",
    "csv_encoding",
    "csv_layout",
    "empty_is_text",
    "input_files",
    "input_schema",
    "is_delimited_text",
    "iter_batches",
    "number_reading",
    "read_table",
]


def _nested(t: pa.DataType) -> bool:
    return pa.types.is_nested(_plain(t)) or pa.types.is_binary(_plain(t)) or pa.types.is_large_binary(_plain(t))


def _file_schema(f: Path, table: str | None, encoding: str | None = None,
                 header: Sequence[str] | None = None) -> pa.Schema:
    if is_delimited_text(f):
        return pa.schema([(name, pa.string()) for name in csv_header(f, table, encoding, header)])
    orc = is_orc(f)
    if header is not None:
        raise DataError.from_message(
            table or "input", f"{where(f, table)} is a{'n ORC' if orc else ' parquet'} file, which names its "
                              "columns: a header is given only for CSV files written without a header line; give "
                              "none for this input")
    try:
        return paorc.ORCFile(f).schema if orc else pq.read_schema(f)
    except reading_errors() as err:
        if reraise(err):
            raise
        raise unreadable(f, err, table) from None


def _plain(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _common_type(types: list[pa.DataType]) -> pa.DataType:
    """One type that every file's values of a column can be read in (the contracts parse the rest)."""
    kinds = [t for t in map(_plain, types) if not pa.types.is_null(t)]
    if not kinds:
        return pa.null()
    if all(t == kinds[0] for t in kinds):
        # float16 and float32 are read as float64 by the decimal they print as (_conform.decimal_floats)
        return pa.float64() if pa.types.is_floating(kinds[0]) else kinds[0]
    if all(pa.types.is_integer(t) for t in kinds):
        return pa.int64()
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) for t in kinds):
        return pa.float64()
    if all(pa.types.is_date(t) or (pa.types.is_timestamp(t) and t.tz is None) for t in kinds):
        return pa.timestamp("us")
    if all(pa.types.is_timestamp(t) and t.tz is not None for t in kinds):
        return pa.timestamp("us", tz="UTC")
    return pa.string()


def _id_type_ok(t: pa.DataType) -> bool:
    t = _plain(t)
    return (pa.types.is_null(t) or pa.types.is_string(t) or pa.types.is_large_string(t)
            or pa.types.is_string_view(t) or pa.types.is_integer(t) or pa.types.is_floating(t)
            or pa.types.is_decimal(t))


def _renamed(f: Path, s: pa.Schema, rename: Mapping[str, str], table: str | None) -> pa.Schema:
    """A file's schema under the contract's names (:func:`contract_names`)."""
    names = contract_names(f, s.names, rename, table)
    return s if names == s.names else pa.schema([f.with_name(n) for f, n in zip(s, names, strict=True)])


def contract_names(f: Path | str, own: list[str], rename: Mapping[str, str], table: str | None) -> list[str]:
    """The names a file's columns ``own`` are read under: the mapping's (``rename``), then a contract
    column still absent from the file's column of that name in another style (:func:`loose_name`).

    Two columns that share one name, in the file or under the mapping, and two columns that could
    be one contract column, are refused in one line naming the file ``f``.

    Examples
    --------
    >>> contract_names("x.csv", ["BORROWER_ID", "Loan ID", "due"], {"due": "due_date"}, "installments")
    ['borrower_id', 'loan_id', 'due_date']
    """
    f = Path(f)
    seen: dict[str, int] = {}
    for i, name in enumerate(own, 1):  # a parquet file may hold them (pyarrow writes them; pandas cannot)
        if name in seen:
            raise DataError.from_message(
                table or "input", f"{where(f, table)}: the file has two columns {name} (columns {seen[name]} and "
                                  f"{i}); give each column its own name")
        seen[name] = i
    names = [rename.get(n, n) for n in own]
    for name in {n for n in names if names.count(n) > 1}:
        theirs = [o for o, n in zip(own, names, strict=True) if n == name]
        raise DataError.from_message(
            table or "input", f"{where(f, table)} has both {' and '.join(theirs)}, which the column mapping makes "
                              f"one column {name}: map only one of them to {name}")
    if table not in TABLES:
        return names
    absent = {c for c in (*contract_columns(table), *NAMED_COLUMNS.get(table, ())) if c not in names}
    candidates: dict[str, list[int]] = {}
    for i, (o, n) in enumerate(zip(own, names, strict=True)):
        if o not in rename and loose_name(n) in absent:
            candidates.setdefault(loose_name(n), []).append(i)
    for column, at in candidates.items():
        if len(at) > 1:
            raise DataError.from_message(
                table, f"{where(f, table)} has {' and '.join(repr(own[i]) for i in at)}, either of which could be "
                       f"the column {column}: map one of them in the columns file ({{{own[at[0]]}: {column}}})")
        names[at[0]] = column
    return names


#: Columns outside the contracts that riskscore reads by their name: the borrowers' ``country`` (the
#: policy's profile per country and its holidays). Matched in another case or style as the contract's are.
NAMED_COLUMNS: dict[str, tuple[str, ...]] = {"borrowers": ("country",)}


def _check_required(f: Path, raw: pa.Schema, names: list[str], columns: list[str] | None,
                    table: str | None, rename: Mapping[str, str] | None = None,
                    header: Sequence[str] | None = None) -> None:
    if table not in TABLES:
        return
    required = [c for c in required_columns(table) if columns is None or c in columns]
    missing = [c for c in required if c not in names]
    if missing and is_delimited_text(f) and headerless(raw.names) and header is None:
        raise DataError.from_message(table, no_header_line(f, table, raw.names))
    if missing:
        line = missing_columns_line(table, missing, raw.names, f"'{f}'")
        unmatched = [k for k, v in (rename or {}).items() if v in missing and k not in raw.names]
        if unmatched:  # a mapping written for another spelling of the file's name (case, spaces)
            line += (f" (the columns file maps {', '.join(map(repr, unmatched))}, which the file does not have: names "
                     "are matched exactly)")
        raise DataError.from_message(table, line)


def input_schema(path: str | os.PathLike[str], columns: list[str] | None = None, *,
                 table: str | None = None, rename: Mapping[str, str] | None = None,
                 encoding: str | None = None, header: Sequence[str] | None = None) -> pa.Schema:
    """The schema :func:`iter_batches` yields for an input: ids as text, one type per column.

    ``rename`` maps the files' column names to the contract's, ``encoding`` is a CSV's text
    encoding and ``header`` the column names of CSV files without a header line (see
    :func:`iter_batches`).

    Raises
    ------
    riskscore.DataError
        When a file cannot be read, the files of a folder have different columns, a contract
        column holds lists, structs or bytes, or an id column holds a type no id can be read
        from (booleans, dates); when ``table`` is a contract table and a required column is
        absent. The message names the file and the column.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow as pa, pyarrow.parquet as pq
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pq.write_table(pa.table({"borrower_id": [1], "n": [1]}), folder / "a.parquet")
    >>> pq.write_table(pa.table({"borrower_id": ["2"], "n": [1.5]}), folder / "b.parquet")
    >>> input_schema(folder)
    borrower_id: string
    n: double
    """
    files = input_files(path)
    raw = [_file_schema(f, table, encoding, header) for f in files]
    schemas = [_renamed(f, s, rename or {}, table) for f, s in zip(files, raw, strict=True)]
    wanted = (lambda names: [n for n in names if n in columns]) if columns is not None else list
    first = wanted(schemas[0].names)
    for f, s in zip(files[1:], schemas[1:], strict=True):
        names = wanted(s.names)
        if set(names) != set(first):
            missing, extra = sorted(set(first) - set(names)), sorted(set(names) - set(first))
            what = (f"has no column {', '.join(missing)}, which '{files[0]}' has" if missing
                    else f"has the column {', '.join(extra)}, which '{files[0]}' has not")
            raise DataError.from_message(
                table or "input", f"{where(f, table)} {what}: every file of a folder must have the same columns")
    fields = []
    contract = {c for t in ("installments", "borrowers", "contacts") for c in contract_columns(t)}
    for name in first:
        types = [s.field(name).type for s in schemas]
        if (table, name) in TEXT_LIST_COLUMNS and any(is_text_list(t) for t in types):
            types = [pa.string() if is_text_list(t) else t for t in types]  # read as "sms,email" (conform)
        for f, t in zip(files, types, strict=True):
            if name in contract and _nested(t):
                raise DataError.from_message(
                    table or "input", f"{where(f, table)}: column {name} holds {t} values, not one value per row")
        if name in ID_COLUMNS:
            for f, t in zip(files, types, strict=True):
                if not _id_type_ok(t):
                    raise DataError.from_message(
                        table or "input", f"{where(f, table)}: column {name} holds {t} values; ids must be text "
                                          "(or whole numbers)")
            fields.append(pa.field(name, pa.string()))
        else:
            fields.append(pa.field(name, _common_type(types)))
    _check_required(files[0], raw[0], schemas[0].names, columns, table, rename, header)
    return pa.schema(fields)


def _raw_batches(f: Path, batch_rows: int, columns: list[str], rename: Mapping[str, str],
                 table: str | None, row_groups: list[int] | None = None,
                 encoding: str | None = None, byte_range: tuple[int, int] | None = None,
                 header: Sequence[str] | None = None) -> Iterator[pa.Table]:
    """The file's batches of ``columns`` (the contract's names), read under the file's own names."""
    own = _file_schema(f, table, encoding, header).names
    source = {n: o for o, n in zip(own, contract_names(f, own, rename, table), strict=True)}
    if all(source[c] == c for c in columns):
        yield from _read_raw(f, batch_rows, columns, row_groups, encoding, byte_range, table, header)
    else:
        for t in _read_raw(f, batch_rows, [source[c] for c in columns], row_groups, encoding, byte_range,
                           table, header):
            yield t.rename_columns([{source[c]: c for c in columns}[n] for n in t.column_names])


def _read_raw(f: Path, batch_rows: int, columns: list[str], row_groups: list[int] | None = None,
              encoding: str | None = None, byte_range: tuple[int, int] | None = None,
              table: str | None = None, header: Sequence[str] | None = None) -> Iterator[pa.Table]:
    """The file's Arrow batches: its row groups ``row_groups`` of a parquet file, the rows in bytes
    ``byte_range`` of a CSV (:class:`~riskscore._csv_ranges.CsvRange`: as the whole file's, or an error)."""
    if is_delimited_text(f):
        conv = pacsv.ConvertOptions(column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=True,
                                    null_values=[""], quoted_strings_can_be_null=False, include_columns=columns)
        # our names (a blank or an Excel sep= line confuses Arrow); Arrow reads UTF-8 and transcodes the rest
        layout = csv_layout(f, None, encoding, header)
        if header is not None and no_text(f):  # an empty part of an unload written without header lines
            return
        part = None if byte_range is None else CsvRange(f, layout, *byte_range)
        read = pacsv.ReadOptions(block_size=64 << 20, column_names=layout.names,
                                 skip_rows=layout.skip if part is None else part.skip,
                                 encoding="utf8" if layout.encoding == "utf-8-sig" else layout.encoding)
        quote = False if layout.delimiter == HIVE_SEPARATOR else '"'  # Hive's text quotes nothing
        with contextlib.ExitStack() as opened:  # Hadoop's codecs unpacked by riskscore, the others by Arrow
            source = part.source if part is not None else \
                opened.enter_context(open_file(f)) if compressed(f) and not arrow_unpacks(f) else f
            reader = pacsv.open_csv(source, read_options=read, convert_options=conv,
                                    parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, quote_char=quote))
            pending: list[pa.RecordBatch] = []
            size = seen = 0
            for rb in reader if part is None else part.checked(reader):
                _no_header_again(f, table, rb, columns, seen)
                seen += rb.num_rows
                pending.append(rb)
                size += rb.num_rows
                if size >= batch_rows:
                    yield pa.Table.from_batches(pending)
                    pending, size = [], 0
            if pending:
                yield pa.Table.from_batches(pending)
    elif is_orc(f):  # a stripe at a time (Hive writes stripes of about 64 MiB)
        orc = paorc.ORCFile(f)
        for i in row_groups if row_groups is not None else range(orc.nstripes):
            stripe = pa.Table.from_batches([orc.read_stripe(i, columns=columns)])
            for start in range(0, stripe.num_rows, batch_rows):
                yield stripe.slice(start, batch_rows)
    else:
        for rb in pq.ParquetFile(f).iter_batches(batch_size=batch_rows, columns=columns, row_groups=row_groups):
            yield pa.Table.from_batches([rb])


def _no_header_again(f: Path, table: str | None, rb: pa.RecordBatch, columns: list[str], before: int) -> None:
    """Refuse, in one line, a CSV whose header line comes again among its rows (files joined one after
    another with their headers: ``cat part-*.csv``): a row whose every value is its column's name."""
    if not columns or rb.num_rows == 0:
        return
    again = pc.equal(rb.column(0), pa.scalar(columns[0]))
    for i, name in enumerate(columns[1:], 1):
        if not pc.any(again).as_py():
            return
        again = pc.and_kleene(again, pc.equal(rb.column(i), pa.scalar(name)))
    rows = np.flatnonzero(again.to_numpy(zero_copy_only=False).astype(bool, copy=False))
    if len(rows):
        more = f", and {len(rows) - 1:,} more" if len(rows) > 1 else ""
        first = before + int(rows[0]) + 1
        raise DataError.from_message(
            table or "input", f"{where(f, table)} repeats its header line among its rows (data row {first:,}{more}): "
                     "files joined one after another with their headers? give riskscore the folder of the files "
                     "(read as one table), or keep only the first header line")


def iter_batches(path: str | os.PathLike[str], batch_rows: int = 1_000_000, columns: list[str] | None = None, *,
                 table: str | None = None, rename: Mapping[str, str] | None = None,
                 date_format: str | Mapping[str, str] | None = None,
                 number_format: str | None = None, encoding: str | None = None,
                 values: Mapping[str, Mapping[str, str]] | None = None,
                 header: Sequence[str] | None = None) -> Iterator[pa.Table]:
    """Stream an input as Arrow tables of at most about ``batch_rows`` rows (see the module docstring).

    Parameters
    ----------
    path : path-like
        A parquet, ORC or CSV file, or a folder of files of one kind (see
        :func:`~riskscore.io.input_files`).
    batch_rows : int, default 1_000_000
        Rows per table (about; a CSV is read in blocks).
    columns : list of str, optional
        Read only these columns (those the input has; the contract's names when ``rename`` is given).
    table : str, optional
        The input's name in error messages (``"installments"``). A contract table's name also
        checks that its required columns are there and reads its text dates (below).
    rename : mapping, optional
        The files' column name -> the contract's (``{"cust_no": "borrower_id"}``): one table's
        part of :class:`InputFormat`'s ``columns``.
    date_format : str or mapping, optional
        The strftime format of the table's text dates, as :class:`InputFormat` takes it
        (``"%d/%m/%Y"``, ``{"paid_date": "%d.%m.%Y"}``); needs ``table``. Dates are then ISO
        8601 text; a value that does not match keeps its text plus ``" (not FORMAT)"`` (its
        row is a ``date_format`` reject). Without a format, day/month text is refused.
    number_format : str, optional
        How text numbers are written, as a template of 1234.56 (``"1.234,56"``, ``"1,234.56"``;
        see :class:`InputFormat`). The contract's number columns are then plain number text; a
        value that does not match keeps its text plus ``" (not 1.234,56)"`` (its row is a reject).
    encoding : str, optional
        A CSV's text encoding, a Python codec name (``"gb18030"``, ``"cp1252"``). By default
        UTF-8, or UTF-16/UTF-32 when the file starts with their byte-order mark; other encodings
        are never guessed (text that is not UTF-8 is one error naming the file and this option).
    values : mapping, optional
        A column of the contract's words -> ``{the extract's value: the contract's}``
        (``{"channel": {"短信": "sms"}}``): one table's part of :class:`InputFormat`'s ``columns``.
        A column mostly in other words than the contract's is refused without it.
    header : list of str, optional
        The column names of CSV files written without a header line, in order (the files' own
        names: ``rename`` maps them). Each file is read from its first line, which must have one
        value per name; a first line of these names is a header and skipped, one of other column
        names is refused (see :class:`InputFormat`). Refused for a parquet input.

    Yields
    ------
    pyarrow.Table
        In :func:`input_schema`'s schema.

    Raises
    ------
    riskscore.DataError
        One line naming the file (and the column) when it cannot be read as a table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("\\ufeffborrower_id,amount\\n000123,NA\\nNA,1\\n")
    >>> next(iter_batches(f)).to_pylist()
    [{'borrower_id': '000123', 'amount': None}, {'borrower_id': 'NA', 'amount': '1'}]
    """
    rename = dict(rename or {})
    dates = InputFormat(date_format=date_format).date_formats(table) if date_format is not None else {}
    numbers = number_spec(number_format)
    header = None if header is None else list(header)
    schema = dates_as_text(input_schema(path, columns, table=table, rename=rename, encoding=encoding, header=header),
                           table, dates)

    def each_file() -> Iterator[pa.Table]:
        for f in input_files(path):
            try:
                for batch in _raw_batches(f, batch_rows, schema.names, rename, table, encoding=encoding,
                                          header=header):
                    yield conform(batch, schema, f, table, dates, numbers, values)
            except reading_errors() as err:
                if reraise(err):
                    raise
                raise unreadable(f, err, table, encoding) from None

    yield from coalesced(each_file(), batch_rows)  # a folder of small parts: batches of about batch_rows


def coalesced(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """``tables`` (of one schema) in order, consecutive ones joined while they hold at most ``rows`` rows
    (a table of more passes as it is): the per-batch costs of what reads them are paid per ``rows``,
    not per file of a folder of small parts, and no batch is larger than the largest of the input's.

    Examples
    --------
    >>> parts = [pa.table({"a": [i]}) for i in range(5)]
    >>> [t.num_rows for t in coalesced(parts, 2)]
    [2, 2, 1]
    """
    pending: list[pa.Table] = []
    size = 0
    for t in tables:
        if pending and (size + t.num_rows > rows or t.num_rows >= rows):
            yield pending[0] if len(pending) == 1 else pa.concat_tables(pending, promote_options="permissive")
            pending, size = [], 0
        if t.num_rows >= rows:
            yield t
            continue
        pending.append(t)
        size += t.num_rows
    if pending:
        yield pending[0] if len(pending) == 1 else pa.concat_tables(pending, promote_options="permissive")


def read_table(path: str | os.PathLike[str], columns: list[str] | None = None, *,
               table: str | None = None, rename: Mapping[str, str] | None = None,
               date_format: str | Mapping[str, str] | None = None,
               number_format: str | None = None, encoding: str | None = None,
               values: Mapping[str, Mapping[str, str]] | None = None,
               header: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a parquet, ORC or CSV file (``.csv``, ``.csv.gz``), or a folder of files of one kind, whole.

    The same values :func:`iter_batches` streams (a CSV's columns as text, ids as text).

    Parameters
    ----------
    path : path-like
        What to read. A folder is read as one table (its files of one kind).
    columns : list of str, optional
        Read only these columns.
    table : str, optional
        The input's name in error messages; a contract table's name also checks its required
        columns and reads its text dates (see :func:`iter_batches`).
    rename : mapping, optional
        The file's column name -> the contract's (``{"cust_no": "borrower_id"}``).
    date_format : str or mapping, optional
        The strftime format of the table's text dates (see :class:`InputFormat`).
    number_format : str, optional
        How text numbers are written, as a template of 1234.56 (``"1.234,56"``; see
        :func:`iter_batches`).
    encoding : str, optional
        A CSV's text encoding (``"gb18030"``; see :func:`iter_batches`).
    values : mapping, optional
        A column of the contract's words -> ``{the extract's value: the contract's}``
        (``{"channel": {"短信": "sms"}}``; see :func:`iter_batches`).
    header : list of str, optional
        The column names of CSV files written without a header line (see :func:`iter_batches`).

    Returns
    -------
    pandas.DataFrame
        Parquet dates come back as ``datetime64`` columns.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist (the message names it).
    ValueError
        When the file type is not one of the above.
    riskscore.DataError
        When a file cannot be read as a table (the message names it).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from riskscore.io import read_table, write_parquet
    >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> write_parquet(pd.DataFrame({"a": [1, 2]}), tmp)
    >>> read_table(tmp)["a"].tolist()
    [1, 2]

    An extract with its own names and day-first times:

    >>> f = pathlib.Path(tempfile.mkdtemp()) / "contacts.csv"
    >>> _ = f.write_text("cust,when,channel,outcome\\nb1,15/03/2024 10:30+0800,sms,message_sent\\n")
    >>> read_table(f, table="contacts", rename={"cust": "borrower_id", "when": "contacted_at"},
    ...            date_format="%d/%m/%Y %H:%M%z").iloc[0].tolist()
    ['b1', '2024-03-15T10:30:00+08:00', 'sms', 'message_sent']

    A European spreadsheet's amounts (``;``-separated, decimal commas):

    >>> f = pathlib.Path(tempfile.mkdtemp()) / "installments.csv"
    >>> _ = f.write_text("borrower_id;loan_id;installment_no;due_date;amount_due;paid_date;amount_paid\\n"
    ...                  "007;L1;1;2024-03-15;1.234,56;;0\\n")
    >>> read_table(f, table="installments", number_format="1.234,56")[["borrower_id", "amount_due"]].iloc[0].tolist()
    ['007', '1234.56']
    """
    parts = list(iter_batches(path, columns=columns, table=table, rename=rename, date_format=date_format,
                              number_format=number_format, encoding=encoding, values=values, header=header))
    whole = parts[0] if len(parts) == 1 else pa.concat_tables(parts) if parts else \
        input_schema(path, columns, table=table, rename=rename, encoding=encoding, header=header).empty_table()
    return whole.to_pandas(date_as_object=False)
