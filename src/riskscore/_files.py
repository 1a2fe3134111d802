"""The files of an input: which files, their kind, and how a delimited text file is laid out.

Below :mod:`riskscore._intake` (which reads the files as Arrow tables): the file list of a path,
the one-line errors that name a file, and for delimited text its encoding (a byte-order mark,
or the ``encoding`` given; never guessed), its separator (from the header line, or Excel's
``sep=`` line) and its header (columns without a name are never read; a name given to two
columns refuses the file).
"""

from __future__ import annotations

import csv
import functools
import itertools
import os
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from riskscore._file_kinds import (
    COMPRESSIONS,
    LZ4_FRAME,
    OtherCompression,
    arrow_unpacks,
    compressed,
    compressions_named,
    lz4_frame,
    open_file,
    other_format,
    without_compression,
)
from riskscore.exceptions import DataError

__all__ = [
    "COMPRESSIONS",
    "DELIMITERS",
    "HIVE_SEPARATOR",
    "LZ4_FRAME",
    "TABLE_FORMATS",
    "TEXT_EXTENSIONS",
    "UNNAMED",
    "CsvLayout",
    "arrow_unpacks",
    "bom_encoding",
    "check_paths",
    "compressed",
    "compressions_named",
    "content_kind",
    "csv_delimiter",
    "csv_encoding",
    "csv_header",
    "csv_layout",
    "delimiter_of",
    "excel_sep_line",
    "given_header",
    "headerless",
    "input_files",
    "is_delimited_text",
    "is_orc",
    "loose_name",
    "lz4_frame",
    "name_kind",
    "no_header_line",
    "no_text",
    "open_file",
    "other_format",
    "reading_errors",
    "reraise",
    "table_format_refusal",
    "unknown_file_refusal",
    "unreadable",
    "where",
    "without_compression",
]

#: Delimited text (the separator is read from the header: :func:`csv_delimiter`), compressed or not.
TEXT_EXTENSIONS = tuple(kind + packed for kind in (".csv", ".tsv", ".txt") for packed in ("", *COMPRESSIONS))
_WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et")
_QUOTED_ROW = re.compile(r':\s*".*', re.DOTALL)
#: The row Arrow quotes after a column count ("Expected 7 columns, got 2: B2,Zhang San 13800138000"): cut.
_ROW_AFTER_COUNT = re.compile(r"(got \d+)\s*:.*$", re.DOTALL)


def check_paths(owner: str, alternative: str, **paths: object) -> None:
    """Refuse, in one line naming the parameter, a path argument that is not a path (a DataFrame passed
    to a function that reads files); ``None`` is left to the caller (an optional input). ``alternative``
    says what takes frames in memory.

    Examples
    --------
    >>> import pandas as pd
    >>> check_paths("score_portfolio", "Scorer.score", installments=pd.DataFrame())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: score_portfolio reads files, and installments is a DataFrame: write it first ...
    """
    for name, value in paths.items():
        if value is None or isinstance(value, (str, os.PathLike)):
            continue
        kind = type(value).__name__
        hint = (f": write it first (df.to_parquet('{name}.parquet')) and give the path, or score frames in memory "
                f"with {alternative}" if kind == "DataFrame" else "")
        raise TypeError(f"{owner} reads files, and {name} is a {kind}{hint}." if hint else
                        f"{owner}: {name} must be a path (str or os.PathLike), got {kind}.")


def input_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files of an input: one file, or the data files under a folder, sorted by their path.

    A folder holds parquet files, ORC files (``.orc``, Hive's tables) or delimited text files
    (``.csv``, ``.tsv``, ``.txt``, optionally gzipped), one kind: the parts a warehouse or Spark
    unloads (``part-00000-....csv``, ``data_0_0_0.csv.gz``, ``000000000000.csv``), read as one
    table. A file without an extension is parquet, ORC or Hive's text when its content says so
    (Hive's ``000000_0``). Files and folders whose name starts
    with ``_`` or ``.`` are skipped, as Spark, Hadoop and Arrow skip them (``_SUCCESS``,
    ``.part-0.crc``, a failed job's ``_temporary/``). Refused in one line naming a file: a folder
    of both kinds, a file of neither, a Delta Lake, Iceberg or Hudi table (its folder keeps files
    its log has removed: read it with its own reader and write a snapshot).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "b.parquet").write_bytes(b""), (folder / "a.parquet").write_bytes(b"")
    >>> _ = (folder / "_SUCCESS").write_bytes(b"")
    >>> [f.name for f in input_files(folder)]
    ['a.parquet', 'b.parquet']
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"No such file or folder: '{p}'.")
    if p.is_dir():
        return _folder_files(p)
    name = p.name.lower()
    if name.endswith(_WORKBOOKS):
        raise ValueError(f"'{p}' is a spreadsheet workbook, which riskscore does not read: save each sheet as CSV "
                         "(UTF-8) or parquet.")
    if _kind(p) is None:
        raise ValueError(unknown_file_refusal(str(p)))
    return [p]


def unknown_file_refusal(f: str, folder: str | None = None) -> str:
    """The one line refusing a data file of no kind riskscore reads (``f``, in ``folder`` when it is one of
    a folder's files, local or remote): the format when its name says one (:func:`other_format`), else
    the kinds it could be."""
    within = f"'{f}'" if folder is None else f"'{f}' in the folder '{folder}'"
    if (what := other_format(f.rsplit("/", 1)[-1])) is not None:
        return f"{within} is {what}."
    if folder is None:
        return (f"Cannot tell the format of '{f}': use .parquet, .orc, a folder of such files, or delimited text "
                f"(.csv, .tsv, .txt, optionally {compressions_named()}).")
    return (f"{within} is neither parquet, ORC nor delimited text named .csv, .tsv or .txt (optionally "
            f"{compressions_named()}): riskscore reads a folder's files by their kind; rename the text parts "
            "(Redshift's UNLOAD: EXTENSION 'csv'), or start the name of a file that is not data with '_'.")


#: Log folders of table formats whose data folder keeps files that the table's log has removed.
TABLE_FORMATS = {"_delta_log": "a Delta Lake table", ".hoodie": "an Apache Hudi table"}


def _folder_files(p: Path) -> list[Path]:
    """The data files under the folder ``p`` (see :func:`input_files`)."""
    for log, what in TABLE_FORMATS.items():
        if (p / log).is_dir():
            raise ValueError(table_format_refusal(p, what))
    if (p / "metadata").is_dir() and any((p / "metadata").glob("*.metadata.json")):
        raise ValueError(table_format_refusal(p, "an Apache Iceberg table"))
    kinds: dict[str, list[Path]] = {"parquet": [], "ORC": [], "text": []}
    for f in sorted(p.rglob("*")):
        if f.is_file() and not any(part.startswith(("_", ".")) for part in f.relative_to(p).parts):
            kind = _kind(f)
            if kind is None:
                raise ValueError(unknown_file_refusal(str(f), str(p)))
            kinds[kind].append(f)
    found = [(kind, files) for kind, files in kinds.items() if files]
    if len(found) > 1:
        (a, fa), (b, fb) = found[:2]
        what = {"text": "delimited text"}
        raise ValueError(f"'{p}' holds {what.get(a, a)} files ('{fa[0].name}') and {what.get(b, b)} files "
                         f"('{fb[0].name}'): give one kind of file per input.")
    if not found:
        raise ValueError(f"'{p}' holds no .parquet, .orc or .csv files (files whose name starts with '_' or '.' are "
                         "skipped).")
    return found[0][1]


def table_format_refusal(p: Path | str, what: str) -> str:
    """The one line refusing the folder ``p`` of a table format (``what``: "a Delta Lake table")."""
    return (f"'{p}' is {what}: its folder keeps data files that the table's log has removed, so reading them "
            "would read old rows again; write a snapshot of the table as parquet (Spark: "
            "spark.read.table(...).write.parquet(folder)) and give that folder.")


def name_kind(name: str) -> str | None:
    """``"parquet"``, ``"ORC"`` or ``"text"`` (delimited text) by a file's name; ``None`` for another
    extension or none (a file without one is told by its content: :func:`content_kind`)."""
    name = name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith(".orc"):
        return "ORC"
    return "text" if name.endswith(TEXT_EXTENSIONS) else None


def content_kind(head: bytes) -> str | None:
    """The kind of a file without an extension by its first bytes: ``"parquet"`` (``PAR1``), ``"ORC"``
    (``ORC``), ``"text"`` for Hive's text (a first line holding :data:`HIVE_SEPARATOR` and no NUL byte:
    a parquet or ORC file's bytes hold ``\\x01`` too), ``None`` otherwise.

    Examples
    --------
    >>> content_kind(b"PAR1..."), content_kind(b"ORC..."), content_kind(b"B7\\x01L1\\n"), content_kind(b"B7,L1\\n")
    ('parquet', 'ORC', 'text', None)
    """
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ORC"):
        return "ORC"
    line = head.split(b"\n", 1)[0]
    return "text" if b"\x01" in line and b"\x00" not in line else None


def _kind(f: str | os.PathLike[str]) -> str | None:
    """``"parquet"``, ``"ORC"``, ``"text"`` or ``None``: by the file's name (:func:`name_kind`), or for a
    local file without an extension, by its first bytes (:func:`content_kind`; Hive's ``000000_0``, and
    compressed by Hive, ``000000_0.deflate``: by its first bytes unpacked)."""
    name = Path(f).name
    if "." in without_compression(name):
        return name_kind(name)
    try:
        st = os.stat(f)
    except (OSError, ValueError):
        return None
    return _sniffed(str(f), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _sniffed(path: str, size: int, mtime: int) -> str | None:
    """:func:`content_kind` of a local file's first 64 KiB (once per version of the file: readers ask often);
    of a compressed one, of its first bytes unpacked: Hive's text or nothing (parquet and ORC are never
    compressed whole), and text when they cannot be unpacked (its read then says the file is damaged)."""
    if compressed(path):
        try:
            with open_file(path, "rb") as fh:
                head = fh.read(1 << 16)
        except FileNotFoundError:
            return None
        except reading_errors():
            return "text"
        return "text" if content_kind(head) == "text" else None
    try:
        with open(path, "rb") as fh:
            return content_kind(fh.read(1 << 16))
    except OSError:
        return None


def is_orc(path: str | os.PathLike[str]) -> bool:
    """Whether riskscore reads ``path`` as an ORC file: named ``.orc``, or a local file without an extension
    that starts with ORC's magic ``ORC`` (Hive's ``000000_0`` of an ORC table)."""
    return _kind(path) == "ORC"


def is_delimited_text(path: str | os.PathLike[str]) -> bool:
    """Whether riskscore reads ``path`` as delimited text: ``.csv``, ``.tsv``, ``.txt``, optionally gzipped,
    or a local file without an extension whose first line holds Hive's field separator ``\\x01``
    (``INSERT OVERWRITE DIRECTORY``'s ``000000_0``: :func:`content_kind`)."""
    return _kind(path) == "text"


#: Hive's default field separator in its text files (``^A``): no other text holds it.
HIVE_SEPARATOR = "\x01"


def where(f: Path, table: str | None) -> str:
    return f"the {table} input '{f}'" if table else f"'{f}'"


def unreadable(f: Path, err: BaseException, table: str | None, encoding: str | None = None) -> DataError:
    """A one-line error naming the file; the reader's detail without any row's content."""
    detail = _QUOTED_ROW.sub("", str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__)
    detail = _ROW_AFTER_COUNT.sub(r"\1", detail)
    detail = detail[:200].rstrip(". ")
    if isinstance(err, OtherCompression):  # not damaged: the detail says what it is and what to do
        return DataError.from_message(table or "input", f"cannot read {where(f, table)}: {detail}")
    hint = ("check its quoting (an unterminated quote?), delimiter and encoding (UTF-8)" if is_delimited_text(f)
            else "the file is damaged or not parquet (truncated, a corrupt page): export it again")
    if compressed(f) and (isinstance(err, EOFError | zlib.error) or any(w in detail.lower() for w in _PACKING_WORDS)):
        hint = "the compressed file is damaged or cut short: copy or export it again"
    if is_delimited_text(f) and encoding is None and ("decode" in detail or "UTF8" in detail or "UTF-8" in detail):
        detail = "its text is not UTF-8"
        hint = ("give its encoding: --encoding gb18030 (a Chinese Excel or WPS export), cp1252 (a Western "
                "European one), ... (encoding= in Python)")
    return DataError.from_message(table or "input", f"cannot read {where(f, table)}: {detail}; {hint}")


#: Words of the errors a damaged compressed file gives (gzip, bz2, zlib, Arrow's codecs).
_PACKING_WORDS = ("compress", "gzip", "end-of-stream", "invalid data stream", "crc", "inflate")


def reading_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged input raises: Arrow's errors, the file system's, text that is not in its
    encoding, Python's CSV reader's, and a compressed file's (cut short: ``EOFError``; a damaged
    gzip stream: ``zlib.error``)."""
    return (pa.ArrowException, OSError, UnicodeDecodeError, csv.Error, EOFError, zlib.error)


def reraise(err: BaseException) -> bool:
    """Errors about the path itself (missing, not allowed) keep their own type and message."""
    return isinstance(err, FileNotFoundError | PermissionError | IsADirectoryError)


#: Byte-order marks that say a CSV's encoding (unambiguous, unlike GB18030 or cp1252, which are never guessed).
_BOMS: tuple[tuple[bytes, str], ...] = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                                        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def csv_encoding(f: str | os.PathLike[str], encoding: str | None = None) -> str:
    """The Python codec a CSV file is read with: ``encoding`` when given, else UTF-16 or UTF-32 when
    the file starts with their byte-order mark (an Excel "Unicode text" export), else UTF-8 (a
    UTF-8 byte-order mark is skipped).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes("borrower_id\\nb1\\n".encode("utf-16"))
    >>> csv_encoding(f), csv_encoding(f, "gb18030")
    ('utf-16', 'gb18030')
    """
    if encoding is not None:
        return encoding
    f = Path(f)
    try:
        with open_file(f, "rb") as fh:
            head = fh.read(4)
    except reading_errors():  # the read proper says what is wrong with the file
        return "utf-8-sig"
    return bom_encoding(head)


def bom_encoding(head: bytes) -> str:
    """The codec a text's first bytes say by their byte-order mark: UTF-16 or UTF-32, else UTF-8 (a
    UTF-8 mark skipped).

    Examples
    --------
    >>> bom_encoding(b"\\xff\\xfeb\\x00"), bom_encoding(b"borrower_id")
    ('utf-16', 'utf-8-sig')
    """
    return next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8-sig")


#: Field separators a CSV may use; the one its header line holds most of is used (``,`` on a tie).
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")


def csv_delimiter(f: str | os.PathLike[str], encoding: str | None = None) -> str:
    """The field separator of a CSV file, read from its header line (see :data:`DELIMITERS`).

    Spreadsheets in many locales export ``;``-separated files; a header without any comma and
    with semicolons (tabs, pipes) is read with that separator instead of as one column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("borrower_id;loan_id\\nb1;l1\\n")
    >>> csv_delimiter(f)
    ';'
    """
    f = Path(f)
    try:
        with open_file(f, "rt", newline="", encoding=csv_encoding(f, encoding), errors="replace") as fh:
            line = fh.readline(1 << 20)
    except reading_errors():
        return ","
    return delimiter_of(line)


def delimiter_of(line: str) -> str:
    """The separator a file's first line says (Excel's ``sep=;``), Hive's ``\x01`` when the line holds it,
    or the one its header holds most of.

    Examples
    --------
    >>> delimiter_of("borrower_id;loan_id;amount_due\\n"), delimiter_of('"a;b",c\\n'), delimiter_of("sep=|\\n")
    (';', ',', '|')
    """
    hint = _EXCEL_SEP.match(line.lstrip("\ufeff"))
    if hint is not None:  # Excel's "sep=;" line: the file says its separator
        return hint.group(1)
    if HIVE_SEPARATOR in line:
        return HIVE_SEPARATOR
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


#: Excel's first line naming the separator (``sep=;``), which it writes and reads in some locales.
_EXCEL_SEP = re.compile(r"^sep=(.)\r?\n?$")
#: A header cell left empty (trailing separators of a spreadsheet export): a column that has no name.
UNNAMED = "\x00unnamed-"


class CsvLayout(NamedTuple):
    """How a delimited text file is laid out, read from its first lines once."""

    #: Every column's name, in order; ``UNNAMED`` + its position for a column without one.
    names: list[str]
    #: Rows before the data (the header, and Excel's ``sep=`` line when there is one).
    skip: int
    delimiter: str
    #: The Python codec it is read with (:func:`csv_encoding`).
    encoding: str
    #: Whether the file has a header line (the last of the ``skip`` rows); not when its names are given.
    named: bool = True


def excel_sep_line(line: str) -> bool:
    """Whether ``line`` is Excel's first line naming the separator (``sep=;``), which comes before the header."""
    return _EXCEL_SEP.match(line.lstrip("\ufeff")) is not None


def csv_layout(f: Path, table: str | None, encoding: str | None = None,
               header: Sequence[str] | None = None) -> CsvLayout:
    """The layout of a delimited text file: column names, rows before the data, separator, encoding.

    Excel's ``sep=;`` line before the header is followed and skipped. Columns without a name (the
    trailing ``,,,`` of a spreadsheet export) are never read; a name given to two columns refuses
    the file in one line (which of the two is the amount?). ``header`` names the columns of a file
    written without a header line (:func:`given_header`).
    """
    codec = csv_encoding(f, encoding)
    given = None if header is None else list(header)
    try:
        with open_file(f, "rt", newline="", encoding=codec) as fh:
            first = fh.readline(1 << 20)
            if not first:
                raise StopIteration
            skip = 1 if excel_sep_line(first) else 0
            delimiter = delimiter_of(first)
            lines = fh if skip else itertools.chain([first], fh)
            hive = delimiter == HIVE_SEPARATOR  # Hive's text quotes nothing: a " is a character like any other
            cells = next(csv.reader(lines, delimiter=delimiter, quoting=csv.QUOTE_NONE if hive else csv.QUOTE_MINIMAL))
    except StopIteration:
        if given is not None:  # an empty part of an unload without header lines: no rows
            return CsvLayout(given, 0, ",", codec, named=False)
        raise DataError.from_message(table or "input", f"{where(f, table)} is empty: a CSV needs a header "
                                                        "row") from None
    except reading_errors() as err:
        if reraise(err):
            raise
        raise unreadable(f, err, table, encoding) from None
    if given is not None:
        return given_header(f, table, cells, given, skip, delimiter, codec)
    return CsvLayout(_header_names(f, table, cells), skip + 1, delimiter, codec)


def _header_names(f: Path, table: str | None, header: list[str]) -> list[str]:
    """A header line's column names (``UNNAMED`` + its position for a column without one), checked."""
    if not any(name.strip() for name in header):
        raise DataError.from_message(table or "input", f"{where(f, table)}: its first line has no column names; "
                                                        "the header must be the file's first line")
    seen: dict[str, int] = {}
    for i, name in enumerate(header, 1):
        if name.strip() and name in seen:
            if headerless(header):
                raise DataError.from_message(table or "input", no_header_line(f, table, header))
            raise DataError.from_message(
                table or "input", f"{where(f, table)}: the header names two columns {name} (columns {seen[name]} "
                                  f"and {i}); give each column its own name")
        seen.setdefault(name, i)
    return [name if name.strip() else f"{UNNAMED}{i}" for i, name in enumerate(header, 1)]


def no_text(f: Path) -> bool:
    """Whether a delimited text file holds nothing (an empty part of an unload: compressed, it has bytes)."""
    with open_file(f, "rb") as fh:
        return not fh.read(1)


def given_header(f: Path, table: str | None, cells: list[str], names: list[str], skip: int, delimiter: str,
                 codec: str) -> CsvLayout:
    """The layout of a file written without a header line, its column ``names`` given (``header``):
    its data start on its first line (``cells``: after ``skip`` lines), which must have one value per
    name. A first line that holds these names (in any case or style) is the file's header and skipped
    (the first of the files ``split`` cut from one CSV); one that holds other column names (no value
    a data row has, and a third of its cells or more the given names or contract columns) is refused:
    the file has a header of its own.

    Examples
    --------
    >>> given_header(Path("part-0.csv"), "contacts", ["B1", "2025-06-15T10:00:00Z", "sms", "no_answer"],
    ...              ["cust", "at", "channel", "outcome"], 0, ",", "utf-8-sig").skip
    0
    >>> given_header(Path("part-0.csv"), "contacts", ["CUST", "At", "channel", "outcome"],
    ...              ["cust", "at", "channel", "outcome"], 0, ",", "utf-8-sig").skip
    1
    """
    from riskscore.schemas import contract_columns

    own = [loose_name(c) for c in cells]
    if own == [loose_name(n) for n in names]:
        return CsvLayout(names, skip + 1, delimiter, codec)
    label = f"the header given for {table}" if table else "the header given"
    if len(cells) != len(names):
        raise DataError.from_message(
            table or "input", f"{where(f, table)} has {len(cells)} columns on its first line and {label} names "
                              f"{len(names)} ({', '.join(names)}): give one name per column, in the files' order")
    known = {loose_name(n) for n in names}
    known |= {c for t in ("installments", "borrowers", "contacts") for c in contract_columns(t)}
    named = [c for c, o in zip(cells, own, strict=True) if o in known]
    if len(named) >= 2 and 3 * len(named) >= len(cells) and not headerless(cells):
        raise DataError.from_message(
            table or "input", f"{where(f, table)} has a header line of its own ({', '.join(cells)}), not the names "
                              f"given for {table or 'it'} ({', '.join(names)}): give a header only for files written "
                              "without one")
    return CsvLayout(names, skip, delimiter, codec, named=False)


#: A header cell that is a value: a number (``83.89``, ``-1``, ``1,5``), a date (``2024-03-15``, ``15/03/2024``), a
#: flag (``False``, ``true``, PostgreSQL's ``t``/``f``), a database's ``\N`` or a time zone (``America/New_York``):
#: never a column's name.
_DATES = r"\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?: .*)?"
_VALUE = re.compile(r"[+-]?\d+(?:[.,]\d+)?|(?i:true|false)|[tf]|\\N|"
                    r"[A-Z][A-Za-z]+/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?|" + _DATES)
#: A header cell that is a date (with a time or not): one is enough to tell a data row.
_DATE = re.compile(_DATES)


def headerless(names: list[str]) -> bool:
    """Whether a CSV's first line holds values rather than column names: a date, or two or more cells, and
    at least a third, that are numbers, dates, flags or time zones (:data:`_VALUE`), as the first row of
    a file written without its header is (the contact log's, the installments', the borrowers').

    Examples
    --------
    >>> headerless(["B001", "L1", "1", "2024-03-15", "83.89"]), headerless(["borrower_id", "2024"])
    (True, False)
    >>> headerless(["B7", "2025-06-15 10:00:00+00:00", "sms", "no_answer"])
    True
    >>> headerless(["B7", "Asia/Shanghai", "sms,call", "sms", "zh", "False", "False", "False", "CN"])
    True
    >>> headerless(["B7", "UTC", "sms", r"\\N", "en", "f", "f", "t", "US"])  # PostgreSQL's COPY
    True
    """
    cells = [n.strip() for n in names]
    if any(_DATE.fullmatch(n) for n in cells):
        return True
    values = sum(bool(_VALUE.fullmatch(n)) for n in cells)
    return values >= 2 and 3 * values >= len(names)


def no_header_line(f: Path, table: str | None, names: list[str]) -> str:
    """The one line for a CSV without a header line (its cells not shown: they are a borrower's)."""
    values = sum(bool(_VALUE.fullmatch(n.strip())) for n in names)
    return (f"{where(f, table)} has no header line: its first line holds values, not column names ({values} of "
            f"its {len(names)} cells are numbers, dates, flags or time zones); give its columns' names in order "
            f"(--header {table or 'TABLE'}=NAME,NAME,...; header: {{{table or 'TABLE'}: [NAME, ...]}} in the "
            "columns file), or write the file with its column names on the first line (pandas: "
            "to_csv(header=True); Spark: .option('header', True); Snowflake: HEADER = TRUE; Redshift: UNLOAD ... "
            "HEADER)")


def loose_name(name: str) -> str:
    """A column name in one style: lower case, words joined by ``_`` (``AMOUNT_DUE``, ``Amount Due``,
    ``amountDue`` and `` amount-due `` are all ``amount_due``).

    Examples
    --------
    >>> [loose_name(n) for n in ("BORROWER_ID", " Due Date ", "installmentNo", "LoanID", "paid-date")]
    ['borrower_id', 'due_date', 'installment_no', 'loan_id', 'paid_date']
    """
    words = _CAMEL.sub("_", name.strip())
    return _SEPARATORS.sub("_", words).lower()


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s_\-.]+")


def csv_header(f: Path, table: str | None, encoding: str | None = None,
               header: Sequence[str] | None = None) -> list[str]:
    """The named columns of a CSV file (see :func:`csv_layout`)."""
    return [name for name in csv_layout(f, table, encoding, header).names if not name.startswith(UNNAMED)]
