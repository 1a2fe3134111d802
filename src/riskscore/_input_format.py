"""How to read a lender's extract: its column names and the formats of its text dates.

:class:`InputFormat` (public as :class:`riskscore.io.InputFormat`) holds, per table, the
mapping from the extract's column names to the contract's and the strftime format of each text
date column. :mod:`riskscore._intake` applies both while it reads (so the contracts, the batch
job, ``riskscore validate``, the report and every engine see the same renamed columns and ISO
8601 dates); this module only parses and checks the specification, converts the text of one
date column, and recognises day/month text that must not be guessed.

Dates are never guessed. Without a format, text dates must be ISO 8601, year first; a column
holding day/month text (``15/03/2024``, ``03/15/2024``, ``15.03.2024``) is refused with examples
and the option to set, because ``01/03/2024`` reads two ways. With a format, each value is
parsed strictly (``31/02/2024`` is no date) and written as ISO text; a value that does not match
keeps its text with ``" (not FORMAT)"`` appended, so the contract rejects its row as
``date_format`` and the reject shows why.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskscore._dates import (
    _TIME_DIRECTIVES,
    DATE_COLUMNS,
    TABLES,
    _date_spec,
    _parse_distinct,
    convert_dates,
    formats_for,
    one_array,
)
from riskscore._numbers import number_spec
from riskscore._validation import missing_columns_line as _missing_line
from riskscore.exceptions import DataError
from riskscore.schemas import OPTIONAL_COLUMNS, contract_columns

__all__ = ["DATE_COLUMNS", "TABLES", "InputFormat", "convert_dates", "day_month_refusal", "is_text",
           "missing_columns_line", "wrong_order_refusal"]

#: The largest ``--columns`` file read (a mapping of a few dozen names).
MAX_FORMAT_BYTES = 1 << 20
#: Day/month text: two numbers of one or two digits and a year, one separator (an optional time and zone).
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                        r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$")

_DAY_MONTH_PREFIX = r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b"


def _column_spec(columns: Mapping[str, Mapping[str, str]] | None) -> dict[str, dict[str, str]]:
    """``columns`` checked: known tables, contract columns, no two names for one column."""
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise TypeError(f"columns must be a mapping of table -> {{their name: contract name}}, got "
                        f"{type(columns).__name__}.")
    spec: dict[str, dict[str, str]] = {}
    for table, mapping in columns.items():
        if table not in TABLES:
            raise ValueError(f"columns: unknown table {table!r}; the tables are {', '.join(TABLES)}.")
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            raise ValueError(f"columns: {table} must map their column names to the contract's "
                             f"({{cust_no: borrower_id}}), got {type(mapping).__name__}.")
        spec[table] = _table_mapping(table, mapping)
    return spec


def _table_mapping(table: str, mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Their column name -> the contract's, and a contract column -> ``{their value: the contract's}`` for
    the columns of the contract's words (:func:`riskscore._refusals.check_value_map`)."""
    from riskscore._refusals import check_value_map

    known, seen = contract_columns(table), {}
    out: dict[str, Any] = {}
    for theirs, ours in mapping.items():
        if isinstance(theirs, str) and isinstance(ours, Mapping):
            out[theirs] = check_value_map(table, theirs, ours)
            continue
        if not isinstance(theirs, str) or not isinstance(ours, str) or not theirs:
            raise ValueError(f"columns: {table}: {theirs!r}: {ours!r} must map a column name to a column name.")
        # A name outside the contract is an extra column riskscore may still read (the borrowers'
        # country, a model's static columns): allowed, unless it looks like a misspelt contract column.
        close = [] if ours in known else difflib.get_close_matches(ours, known, n=1, cutoff=0.8)
        if close:
            raise ValueError(f"columns: {table}: {theirs!r} maps to {ours!r}, which is not a {table} contract "
                             f"column (did you mean {close[0]}?).")
        if ours in seen:
            raise ValueError(f"columns: {table}: {seen[ours]!r} and {theirs!r} both map to {ours!r}; map one "
                             "column to it.")
        seen[ours] = theirs
        out[theirs] = ours
    return out


@dataclass(frozen=True)
class InputFormat:
    """How to read an extract whose column names or date formats differ from the contracts'.

    The one object behind ``columns=`` and ``date_format=`` of :func:`riskscore.score_portfolio`,
    :func:`riskscore.spark.score_files` and the readers of :mod:`riskscore.io`, and behind the
    command line's ``--columns FILE.yaml`` and ``--date-format``. It is checked when made.

    Parameters
    ----------
    columns : mapping, optional
        Per table (``installments``, ``borrowers``, ``contacts``), the extract's column name ->
        the contract's: ``{"installments": {"cust_no": "borrower_id"}}``. Columns not named
        keep their names. A column of the contract's words (``channel``, ``outcome``,
        ``direction``, ``preferred_channel``, ``timezone``, ``language``) may map the extract's
        values to the contract's: ``{"contacts": {"channel": {"短信": "sms"}}}`` (:meth:`values`).
    date_format : str or mapping, optional
        The strftime format of text dates (``"%d/%m/%Y"``). A string applies to every date
        column; a mapping's keys are a table (``"installments"``), a date column
        (``"paid_date"``) or both (``"installments.paid_date"``), the most specific winning, or
        ``"*"``. Contact times need a time and a zone (``"%d/%m/%Y %H:%M%z"``). Without a format
        text dates must be ISO 8601 (year first); day/month text is refused, never guessed.
    number_format : str, optional
        How the extract writes text numbers, as a template of 1234.56 written its way:
        ``"1.234,56"`` (dot groups, decimal comma), ``"1234,56"``, ``"1 234,56"``, ``"1,234.56"``,
        ``"1'234.56"``, with the currency mark the amounts carry if any (``"¥1,234.56"``,
        ``"1.234,56 €"``; see :mod:`riskscore._numbers`). It applies to the text amounts and
        installment numbers of a CSV extract (a value that does not match is a reject showing
        why) and to the borrowers table's own columns (static columns such as a credit limit;
        there a value that does not match is left as it is). Without it text numbers must be
        plain (``1234.56``); ``1.234,56`` and ``1,234`` are never guessed.
    encoding : str, optional
        The text encoding of CSV inputs, a Python codec name (``"gb18030"`` for a Chinese
        Excel or WPS export, ``"cp1252"`` for a Western European one). By default UTF-8, or
        UTF-16/UTF-32 when a file starts with their byte-order mark; other encodings are never
        guessed. Parquet files are always UTF-8.
    header : mapping, optional
        Per table, the column names of CSV files written without a header line, in the order of
        their columns: ``{"installments": ["cust_no", "loan", "n", "due", ...]}`` (MySQL's
        ``INTO OUTFILE`` and PostgreSQL's ``COPY`` without ``HEADER``, Snowflake's, Spark's and
        Redshift's unloads by default). They are the files' own names: ``columns`` maps them as
        it maps a header's. Every CSV file of the table is then read from its first line, which
        must have as many columns; a first line that holds exactly these names is a header and
        skipped (the first of the parts ``split`` made), another that holds column names is
        refused (the files have a header: give no ``header``). Parquet files name their columns:
        a ``header`` for a parquet input is refused where it is read.

    Raises
    ------
    ValueError
        For an unknown table, a name that is not a contract column, two names mapped to one
        column, or a format or key that is not one; the message names the key.

    Examples
    --------
    >>> from riskscore.io import InputFormat
    >>> fmt = InputFormat(columns={"installments": {"cust_no": "borrower_id"}},
    ...                   date_format={"installments": "%d/%m/%Y", "paid_date": "%d.%m.%Y"})
    >>> fmt.rename("installments"), fmt.date_formats("installments")
    ({'cust_no': 'borrower_id'}, {'due_date': '%d/%m/%Y', 'paid_date': '%d.%m.%Y'})
    >>> InputFormat(columns={"installments": {"a": "borrower_id", "b": "borrower_id"}})
    Traceback (most recent call last):
    ...
    ValueError: columns: installments: 'a' and 'b' both map to 'borrower_id'; map one column to it.
    """

    columns: Mapping[str, Mapping[str, str]] | None = None
    date_format: str | Mapping[str, str] | None = None
    number_format: str | None = None
    encoding: str | None = None
    header: Mapping[str, Sequence[str]] | None = None
    _columns: dict[str, dict[str, str]] = field(init=False, repr=False, compare=False)
    _dates: dict[str, str] = field(init=False, repr=False, compare=False)
    _numbers: str | None = field(init=False, repr=False, compare=False)
    _header: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", _column_spec(self.columns))
        object.__setattr__(self, "_dates", _date_spec(self.date_format))
        object.__setattr__(self, "_numbers", number_spec(self.number_format))
        object.__setattr__(self, "encoding", encoding_spec(self.encoding))
        object.__setattr__(self, "_header", header_spec(self.header))

    @classmethod
    def read(cls, path: str | PathLike[str], date_format: str | Mapping[str, str] | None = None,
             number_format: str | None = None, encoding: str | None = None,
             header: Mapping[str, Sequence[str]] | None = None) -> InputFormat:
        """Read a ``--columns`` YAML file: ``{installments: {their_name: contract_name}, ..., date_format: ...,
        number_format: ..., encoding: ..., header: {installments: [name, ...]}}``.

        ``date_format``, ``number_format``, ``encoding`` and ``header`` (the command line's
        ``--date-format``, ``--number-format``, ``--encoding`` and ``--header``) override the
        file's keys (``header`` table by table).

        Raises
        ------
        ValueError
            One line naming the file and the key: not YAML, not a mapping, an unknown table or
            column, two names for one column, a bad date format (or a file that is not a
            regular file of at most 1 MiB).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "columns.yaml"
        >>> _ = f.write_text("installments: {cust_no: borrower_id}\\ndate_format: {installments: '%d/%m/%Y'}\\n")
        >>> InputFormat.read(f).to_dict()
        {'columns': {'installments': {'cust_no': 'borrower_id'}}, 'date_format': {'installments': '%d/%m/%Y'}}
        """
        import yaml

        from riskscore.io import read_bytes_limited

        data = read_bytes_limited(path, MAX_FORMAT_BYTES)
        try:
            doc = yaml.safe_load(data.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            where = getattr(err, "problem_mark", None)
            at = f" (line {where.line + 1})" if where is not None else ""
            raise ValueError(f"'{path}' is not a YAML file{at}: {str(err).splitlines()[0]}") from None
        doc = {} if doc is None else doc
        if not isinstance(doc, dict):
            raise ValueError(f"'{path}' must hold a mapping such as installments: {{cust_no: borrower_id}}, got "
                             f"{type(doc).__name__}.")
        try:
            dates = doc.pop("date_format", None)
            numbers = doc.pop("number_format", None)
            text = doc.pop("encoding", None)
            names = doc.pop("header", None)
            if date_format is not None:
                dates = _date_spec(dates) | _date_spec(date_format)
            if header:
                names = header_spec(names) | header_spec(header)
            return cls(columns=doc, date_format=dates, number_format=number_format or numbers,
                       encoding=encoding or text, header=names)
        except (ValueError, TypeError) as err:
            raise ValueError(f"'{path}': {err}") from None

    def rename(self, table: str | None) -> dict[str, str]:
        """The extract's column name -> the contract's, for one table (``{}`` when none)."""
        return {k: v for k, v in self._columns.get(table or "", {}).items() if isinstance(v, str)}

    def values(self, table: str | None) -> dict[str, dict[str, str]]:
        """A contract column -> ``{the extract's value: the contract's}``, for one table (``{}`` when none):
        ``columns={"contacts": {"channel": {"短信": "sms"}}}``, ``channel: {短信: sms}`` in the columns file."""
        return {k: dict(v) for k, v in self._columns.get(table or "", {}).items() if isinstance(v, Mapping)}

    def date_formats(self, table: str | None) -> dict[str, str]:
        """Date column -> format for one table: the most specific key wins (``table.column``, column, table, ``*``)."""
        return formats_for(self._dates, table)

    @property
    def numbers(self) -> str | None:
        """The number template (``"1.234,56"``), or ``None`` for plain numbers."""
        return self._numbers

    def names(self, table: str | None) -> list[str] | None:
        """The column names of one table's CSV files written without a header line, or ``None``."""
        return list(self._header[table]) if table in self._header else None

    def reading(self, table: str | None) -> dict[str, Any]:
        """The keyword arguments of :func:`riskscore.io.iter_batches` and :func:`~riskscore.io.read_table`
        that read one table this way (``rename``, ``date_format``, ``number_format``, ``encoding``,
        ``values``, ``header``)."""
        return {"rename": self.rename(table), "date_format": self.date_formats(table) or None,
                "number_format": self._numbers, "encoding": self.encoding, "values": self.values(table) or None,
                "header": self.names(table)}

    def recorded(self, table: str) -> dict[str, Any]:
        """How one input is read, as a run's manifest records it (``inputs.TABLE``) and the report reads it
        again: ``columns``, ``values``, ``date_format``, ``number_format`` (not for the contact log),
        ``encoding`` and ``header``, each only when set.

        Examples
        --------
        >>> InputFormat(columns={"contacts": {"cust": "borrower_id"}}, number_format="1.234,56").recorded("contacts")
        {'columns': {'cust': 'borrower_id'}}
        """
        out = {"columns": self.rename(table), "values": self.values(table), "date_format": self.date_formats(table),
               "number_format": self._numbers if table != "contacts" else None, "encoding": self.encoding,
               "header": self.names(table)}
        return {k: v for k, v in out.items() if v}

    @property
    def is_default(self) -> bool:
        """Whether nothing is renamed and no date format, number format, encoding or header is set."""
        return (not any(self._columns.values()) and not self._dates and self._numbers is None
                and self.encoding is None and not self._header)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able and canonical (the run key and the run's manifest hold it; ``number_format`` only when set)."""
        out: dict[str, Any] = {"columns": {t: dict(m) for t, m in self._columns.items() if m},
                               "date_format": dict(sorted(self._dates.items()))}
        if self._numbers is not None:
            out["number_format"] = self._numbers
        if self.encoding is not None:
            out["encoding"] = self.encoding
        if self._header:
            out["header"] = {t: list(n) for t, n in self._header.items()}
        return out

    def describe(self, table: str) -> str:
        """One line of what is applied to a table (``riskscore validate`` prints it)."""
        columns = ", ".join(f"{theirs} -> {ours}" for theirs, ours in self.rename(table).items())
        pairs = {column: ", ".join(f"{a or '(blank)'} -> {b or '(missing)'}" for a, b in m.items())
                 for column, m in self.values(table).items()}
        values = ", ".join(f"{column} {text}" for column, text in pairs.items())
        dates = ", ".join(f"{col} as {fmt}" for col, fmt in self.date_formats(table).items())
        parts = [f"columns {columns}"] * bool(columns) + [f"values {values}"] * bool(values)
        parts += [f"dates {dates}"] * bool(dates)
        parts += [f"numbers as {self._numbers}"] * (self._numbers is not None and table != "contacts")
        parts += [f"CSV text in {self.encoding}"] * (self.encoding is not None)
        names = self.names(table)
        if names is not None:
            parts.append(f"CSV files without a header line, columns {', '.join(names)}")
        return "; ".join(parts) if parts else "read as is"


def header_spec(header: object) -> dict[str, list[str]]:
    """``header`` checked: per known table, a list of distinct, non-empty column names.

    Examples
    --------
    >>> header_spec({"contacts": ["cust", "at", "channel", "outcome"]})
    {'contacts': ['cust', 'at', 'channel', 'outcome']}
    >>> header_spec({"contacts": "cust,at"})
    Traceback (most recent call last):
    ...
    ValueError: header: contacts must list the files' column names in order ([cust, at, ...]), got str.
    """
    if header is None:
        return {}
    if not isinstance(header, Mapping):
        raise TypeError(f"header must map a table to its column names ({{installments: [cust_no, ...]}}), got "
                        f"{type(header).__name__}.")
    spec: dict[str, list[str]] = {}
    for table, names in header.items():
        if table not in TABLES:
            raise ValueError(f"header: unknown table {table!r}; the tables are {', '.join(TABLES)}.")
        if isinstance(names, str | bytes) or not isinstance(names, Sequence):
            raise ValueError(f"header: {table} must list the files' column names in order ([cust, at, ...]), got "
                             f"{type(names).__name__}.")
        names = list(names)
        if not names or (bad := [n for n in names if not isinstance(n, str) or not n.strip()]):
            raise ValueError(f"header: {table} {f'holds {bad[0]!r}' if names else 'is empty'}: give each column "
                             "of the files a name, in order.")
        if (twice := next((n for i, n in enumerate(names) if n in names[:i]), None)) is not None:
            raise ValueError(f"header: {table} names two columns {twice!r}; give each column its own name.")
        spec[table] = names
    return spec


def encoding_spec(encoding: object) -> str | None:
    """``encoding`` checked: a Python codec's canonical name (``"GBK"`` -> ``"gbk"``), ``None`` for UTF-8.

    Examples
    --------
    >>> encoding_spec("GB18030"), encoding_spec("latin-1"), encoding_spec("UTF8"), encoding_spec(None)
    ('gb18030', 'iso8859-1', None, None)
    """
    if encoding is None:
        return None
    if not isinstance(encoding, str):
        raise TypeError(f"encoding must be a codec name such as 'gb18030' or None, got {type(encoding).__name__}.")
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"encoding {encoding!r} is not a text encoding Python knows (gb18030, gbk, big5, cp1252, "
                         "latin-1, utf-16, ...).") from None
    return None if name in ("utf-8", "utf-8-sig") else name


# -- the columns a file lacks -----------------------------------------------------------------------
def missing_columns_line(table: str, missing: list[str], have: list[str], where: str | None = None, *,
                         python: bool = False) -> str:
    """The one line for required columns absent from a table (:func:`riskscore._validation.missing_columns_line`).

    Examples
    --------
    >>> print(missing_columns_line("installments", ["borrower_id"], ["cust_no", "due_dt"], "'x.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    installments 'x.csv' has no column borrower_id (it has: cust_no, due_dt; closest: cust_no); map it with
    --columns FILE.yaml (columns= in Python): installments: {cust_no: borrower_id}
    """
    return _missing_line(table, missing, have, where, known=contract_columns(table), python=python)


def required_columns(table: str) -> list[str]:
    """The contract columns a table must have."""
    return [c for c in contract_columns(table) if c not in OPTIONAL_COLUMNS[table]]


# -- text dates ------------------------------------------------------------------------------------
def is_text(t: pa.DataType) -> bool:
    """Whether an Arrow type is text (``string``, ``large_string`` as pandas writes it, ``string_view``)."""
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _numbers(value: str) -> tuple[int, int, str, int] | None:
    m = _DAY_MONTH.match(value)
    return None if m is None else (int(m.group(1)), int(m.group(3)), m.group(2), len(m.group(4)))


def day_month_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str,
                      where: str) -> str | None:
    """The one-line refusal of a text date column holding day/month dates, or ``None``.

    The column is refused when at least half of its values (of this batch) are day/month text:
    the extract is written that way and its format must be given. A few stray ones among ISO
    dates are no format of the file: they are left to the contract, which rejects their rows
    (``date_format``) and so their borrowers, while the run goes on.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(day_month_refusal(pa.array(["2024-03-01", "15/03/2024", "01/02/2024"]), "installments",
    ...                         "due_date", "'x.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    installments 'x.csv': due_date holds day/month dates (15/03/2024, 01/02/2024), day first (15/03/2024 has no
    month 15); riskscore never guesses a date's order: give the format with --date-format
    installments.due_date=%d/%m/%Y (date_format={'installments.due_date': '%d/%m/%Y'} in Python)
    >>> day_month_refusal(pa.array(["2024-03-01", "2024-03-02", "15/03/2024"]), "installments", "due_date", "'x'")
    """
    arr = one_array(col)
    if not is_text(arr.type) or arr.null_count == len(arr):
        return None
    uniq = pc.unique(arr.drop_null())
    candidates = uniq.filter(pc.match_substring_regex(uniq, _DAY_MONTH_PREFIX))  # Arrow's RE2 first, then exact
    found = [(v, n) for v in candidates.to_pylist() if (n := _numbers(v)) is not None]
    if not found:
        return None
    rows = pc.sum(pc.is_in(arr, value_set=pa.array([v for v, _ in found], arr.type))).as_py() or 0
    if 2 * rows < len(arr) - arr.null_count:
        return None  # stray values: rejected with their rows by the contract
    day_first = [v for v, n in found if n[0] > 12 and n[1] <= 12]
    month_first = [v for v, n in found if n[1] > 12 and n[0] <= 12]
    examples = list(dict.fromkeys(day_first[:1] + month_first[:1] + [v for v, _ in found]))[:3]
    sep, year = found[0][1][2], "%Y" if found[0][1][3] == 4 else "%y"
    has_time = any(_DAY_MONTH.match(v).group(5) for v, _ in found[:50])  # type: ignore[union-attr]
    tail = " %H:%M" + ("%z" if column == "contacted_at" else "") if has_time or column == "contacted_at" else ""
    if day_first and month_first:
        order = (f"both orders occur ({day_first[0]} is day first, {month_first[0]} month first): check the "
                 "extract")
        fmt = f"%d{sep}%m{sep}{year}{tail}"
    elif day_first:
        order = f"day first ({day_first[0]} has no month {_numbers(day_first[0])[0]})"  # type: ignore[index]
        fmt = f"%d{sep}%m{sep}{year}{tail}"
    elif month_first:
        order = f"month first ({month_first[0]} has no month {_numbers(month_first[0])[1]})"  # type: ignore[index]
        fmt = f"%m{sep}%d{sep}{year}{tail}"
    else:
        order = "ambiguous: every value reads both day first and month first"
        fmt = f"%d{sep}%m{sep}{year}{tail}"
    key = f"{table}.{column}" if table else column
    alt = f" or %m{sep}%d{sep}{year}{tail}" if not day_first and not month_first else ""
    return (f"{table + ' ' if table else ''}{where}: {column} holds day/month dates ({', '.join(examples)}), {order}; "
            f"riskscore never guesses a date's order: give the format with --date-format {key}={fmt}{alt} "
            f"(date_format={{{key!r}: {fmt!r}}} in Python)")


def refuse_day_month(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str) -> None:
    """Raise :func:`day_month_refusal`'s line (or :func:`number_dates_refusal`'s) as a :class:`~riskscore.DataError`.

    Text whose distinct values hold neither day/month text nor digits alone (an ISO extract, every
    batch of it) is cleared by one look at them."""
    arr = one_array(col)
    if is_text(arr.type):
        uniq = pc.unique(arr)
        maybe = pc.or_(pc.match_substring_regex(uniq, _DAY_MONTH_PREFIX),  # the two tests below, in one pass
                       pc.match_substring_regex(pc.utf8_trim_whitespace(uniq), _DIGITS))
        if not pc.any(pc.fill_null(maybe, False)).as_py():
            return
    line = day_month_refusal(arr, table, column, where) or number_dates_refusal(arr, table, column, where)
    if line is not None:
        raise DataError.from_message(table or "input", line)


#: Excel serials of 1950-01-01 and 2100-01-01: the span where numbers are taken for serial dates in a hint.
_EXCEL_1950, _EXCEL_2100 = 18_264, 73_051


def _excel_example(serial: float) -> str:
    day = int(serial)
    return f"{day} is {(np.datetime64('1899-12-30', 'D') + day).astype(str)} in Excel's 1900 date system"


_DIGITS = r"^[+-]?\d+(\.\d+)?$"  # a number alone (after trimming its whitespace)


def number_dates_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str,
                         where: str) -> str | None:
    """The one-line refusal of a date column that holds numbers (stored as numbers, or as digits in
    more than half of its text values), or ``None``: ``20240315`` and Unix time are never guessed.

    The line suggests the format the values look like (``%Y%m%d`` for eight digits that make a
    date, ``excel`` for spreadsheet serials of 1950-2099, ``epoch_ms`` from 10**11 up, else
    ``epoch_s``) for the user to confirm.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(number_dates_refusal(pa.array([1709258400123, 1709258460000]), "contacts", "contacted_at",
    ...                            "'c.parquet'"))  # doctest: +NORMALIZE_WHITESPACE
    contacts 'c.parquet': contacted_at holds numbers (1709258400123, 1709258460000), not dates; if they are Unix
    time in milliseconds give --date-format contacts.contacted_at=epoch_ms (date_format={'contacts.contacted_at':
    'epoch_ms'} in Python)
    >>> number_dates_refusal(pa.array(["2024-03-01", "20240301"]), "installments", "due_date", "'x'") is None
    True
    >>> print(number_dates_refusal(pa.array([45352.0, 45383.0]), "installments", "due_date", "'i.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    installments 'i.csv': due_date holds numbers (45352.0, 45383.0), not dates; if they are spreadsheet serial
    dates (45352 is 2024-03-01 in Excel's 1900 date system) give --date-format installments.due_date=excel
    (date_format={'installments.due_date': 'excel'} in Python)
    """
    arr = one_array(col)
    values = arr.drop_null()
    if not len(values):
        return None
    if is_text(arr.type):  # each distinct value once (dates repeat): most batches stop at the first test
        uniq = pc.unique(values)
        digits = pc.match_substring_regex(pc.utf8_trim_whitespace(uniq), _DIGITS)
        if not pc.any(digits).as_py():
            return None
        numeric = uniq.filter(digits)
        if 2 * (pc.sum(pc.is_in(values, value_set=numeric)).as_py() or 0) <= len(values):
            return None  # half or fewer: strays the contract rejects
        values = numeric
        numbers = pc.cast(pc.utf8_trim_whitespace(numeric), pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    elif pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        numbers = pc.cast(values, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    else:
        return None
    examples = ", ".join(list(dict.fromkeys(str(v) for v in values.slice(0, 50).to_pylist()))[:3])
    finite = np.abs(numbers[np.isfinite(numbers)])
    # a value the column holds (the lower median): the mean of two middle ones is no date (20241121.5)
    typical = float(np.quantile(finite, 0.5, method="lower")) if len(finite) else 0.0
    if 19000101 <= typical <= 21991231 and float(typical).is_integer():
        fmt, what = "%Y%m%d", "dates written as YYYYMMDD"
    elif _EXCEL_1950 <= typical < _EXCEL_2100:  # as Unix seconds: the first day of 1970
        fmt, what = "excel", f"spreadsheet serial dates ({_excel_example(numbers[np.isfinite(numbers)][0])})"
    elif typical >= 1e11:
        fmt, what = "epoch_ms", "Unix time in milliseconds"
    else:
        fmt, what = "epoch_s", "Unix time in seconds"
    key = f"{table}.{column}" if table else column
    return (f"{table + ' ' if table else ''}{where}: {column} holds numbers ({examples}), not dates; if they are "
            f"{what} give --date-format {key}={fmt} (date_format={{{key!r}: {fmt!r}}} in Python)")


def _swapped(fmt: str) -> str | None:
    """``fmt`` with day and month exchanged (``%d/%m/%Y`` -> ``%m/%d/%Y``), or None without both."""
    if "%d" not in fmt or "%m" not in fmt:
        return None
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def wrong_order_refusal(converted: pa.Array, fmt: str, table: str | None, column: str, where: str) -> str | None:
    """The one-line refusal of a date format whose day and month look swapped, or ``None``.

    ``converted`` is :func:`convert_dates`'s output. When some values do not match ``fmt`` and
    every one of them matches ``fmt`` with ``%d`` and ``%m`` exchanged, the format is wrong, and
    the values that did match it (a day of 12 or less) were read with day and month swapped:
    the column is refused rather than half misread.

    Examples
    --------
    >>> import pyarrow as pa
    >>> col = convert_dates(pa.array(["05/03/2024", "24/03/2024"]), "%m/%d/%Y")
    >>> print(wrong_order_refusal(col, "%m/%d/%Y", "installments", "due_date", "'x.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    installments 'x.csv': due_date: 1 value(s) do not match the given date format %m/%d/%Y (24/03/2024) and all
    match %d/%m/%Y: day and month look swapped, and the values that matched would be misread; check the format
    (--date-format installments.due_date=%d/%m/%Y)
    """
    other = _swapped(fmt)
    if other is None:
        return None
    marker = f" (not {fmt})"
    bad = pc.unique(converted.filter(pc.ends_with(converted, marker)))
    if not len(bad):
        return None
    failed = [v[: -len(marker)] for v in bad.to_pylist()]
    if any(p is None for p in _parse_distinct(failed, other, dated=_TIME_DIRECTIVES.search(other) is None)):
        return None  # not a swap: values that match neither order are ordinary rejects
    key = f"{table}.{column}" if table else column
    return (f"{table + ' ' if table else ''}{where}: {column}: {len(failed)} value(s) do not match the given date "
            f"format {fmt} ({', '.join(failed[:3])}) and all match {other}: day and month look swapped, and the "
            f"values that matched would be misread; check the format (--date-format {key}={other})")


def refuse_wrong_order(converted: pa.Array, fmt: str, table: str | None, column: str, where: str) -> None:
    """Raise :func:`wrong_order_refusal`'s line as a :class:`~riskscore.DataError`."""
    line = wrong_order_refusal(converted, fmt, table, column, where)
    if line is not None:
        raise DataError.from_message(table or "input", line)
