"""Spark inputs read as the local readers read them: ids as canonical text, nanosecond timestamps.

* **Ids** (``borrower_id``, ``loan_id``) stored as numbers become the text the local readers
  make of them (:func:`riskscore.schemas.id_text_arrow`): integers as digits, whole floats below
  2**53 as integers (``1.0`` -> ``"1"``), NaN as missing. Spark's own ``cast("string")`` would
  give ``"1.0"``, which matches no ``"1"`` of the borrowers table. A float id that is not a whole
  number (digits may have been lost) refuses the input in one line, as the local readers do.
* **Nanosecond timestamps** (pandas' default ``datetime64[ns]`` written to parquet): Spark
  refuses ``TIMESTAMP(NANOS)`` columns. For a file on the driver's disk :func:`read_parquet` reads
  them as longs (``spark.sql.legacy.parquet.nanosAsLong``, set for the run) and turns them back
  into microsecond timestamps, zone and all, as the local readers see them; elsewhere the
  refusal is one line naming the file and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from riskscore._conform import DB_NULL, EXCEL_TEXT, NA_TOKENS, empty_is_text, number_reading
from riskscore._dates import SERIAL_FORMATS, split_zone
from riskscore._files import (
    HIVE_SEPARATOR,
    UNNAMED,
    CsvLayout,
    compressions_named,
    csv_layout,
    is_delimited_text,
    is_orc,
    lz4_frame,
    no_text,
    open_file,
    table_format_refusal,
    unknown_file_refusal,
)
from riskscore._input_format import DATE_COLUMNS, convert_dates, is_text
from riskscore._intake import contract_names
from riskscore._numbers import NUMBER_COLUMNS, convert_numbers
from riskscore._refusals import LIST_COLUMNS, checked_words, list_separators
from riskscore.batch._spark_remote import LZ4_FRAMES, remote_delimiter, remote_files, remote_kind, table_format
from riskscore.exceptions import DataError
from riskscore.io import InputFormat, input_files, input_schema, iter_batches
from riskscore.schemas import MAX_EXACT_ID, TEXT_LIST_COLUMNS

__all__ = ["NANOS_AS_LONG", "SPARK_ENCODINGS", "ids_as_text", "nanos_columns", "read_input", "read_parquet",
           "restore_conf", "session_of", "utf8_copy"]

#: The Spark setting that reads ``TIMESTAMP(NANOS)`` parquet columns as longs.
NANOS_AS_LONG = "spark.sql.legacy.parquet.nanosAsLong"
#: The date columns of each table (read with a format, or checked for day/month text): the readers'.
DATES = DATE_COLUMNS
#: The id columns of each table.
ID_COLUMNS = {"installments": ("borrower_id", "loan_id"), "borrowers": ("borrower_id",),
              "contacts": ("borrower_id", "loan_id")}


def ids_as_text(df: Any, table: str, *, checked: bool = False) -> Any:
    """``df`` with its id columns as the local readers' text (one Spark count per float id column,
    unless ``checked``: the driver has read them already and found every one whole).

    Raises
    ------
    DataError
        A float id that is not a whole number below 2**53, or an id column of a type that holds
        no id (booleans, dates, structs...).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    for c in ID_COLUMNS.get(table, ()):
        if c not in df.columns:
            continue
        t = df.schema[c].dataType
        if isinstance(t, T.StringType):
            continue
        col = F.col(c)
        if isinstance(t, T.ByteType | T.ShortType | T.IntegerType | T.LongType):
            df = df.withColumn(c, col.cast("string"))
            continue
        if isinstance(t, T.DecimalType):
            whole = col == F.floor(col)
            text, missing = F.floor(col).cast(T.DecimalType(38, 0)).cast("string"), col.isNull()
        elif isinstance(t, T.FloatType | T.DoubleType):
            x = col.cast("double")
            missing = col.isNull() | F.isnan(x)
            whole = ~missing & (x == F.floor(x)) & (F.abs(x) < float(MAX_EXACT_ID))
            text = x.cast("long").cast("string")
        else:
            raise DataError.from_message(table, f"the {table} DataFrame: column {c} holds values of type "
                                                f"{t.simpleString()}: ids must be text (or whole numbers)")
        bad = 0 if checked else df.where(~missing & ~whole).count()
        if bad:
            raise DataError.from_message(
                table, f"the {table} DataFrame: column {c} is stored as numbers and {bad} of them are not whole "
                       "numbers below 2**53 (digits may have been lost); store ids as text")
        df = df.withColumn(c, F.when(whole, text).otherwise(F.lit(None).cast("string")))
    return df


def nanos_columns(schema: pa.Schema) -> dict[str, str | None]:
    """The ``timestamp[ns]`` fields of an Arrow schema -> their time zone (``None``: naive)."""
    return {f.name: f.type.tz for f in schema if pa.types.is_timestamp(f.type) and f.type.unit == "ns"}


def _micros(nanos: Mapping[str, str | None]) -> Any:
    """A ``mapInArrow`` function: the long nanosecond columns as microsecond timestamps."""
    def convert(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            cols, fields = [], []
            for i, name in enumerate(b.schema.names):
                col = b.column(i)
                if name in nanos:
                    tz = nanos[name]
                    ns = col.cast(pa.int64()).view(pa.timestamp("ns", tz))
                    col = pc.cast(ns, pa.timestamp("us", tz), safe=False)  # floor to the microsecond
                fields.append(pa.field(name, col.type))
                cols.append(col)
            yield pa.RecordBatch.from_arrays(cols, schema=pa.schema(fields))
    return convert


def read_parquet(spark: Any, path: str, nanos: Mapping[str, str | None] | None,
                 files: list[str] | None = None) -> Any:
    """``spark.read.parquet(path)``, or of ``files`` (the local readers' files of the folder ``path``:
    nested folders, extension-less parts; its ``key=value`` folders still give their columns); with
    ``nanos`` (from the file's Arrow schema, renamed as read) those columns come back as microsecond
    timestamps. The caller sets :data:`NANOS_AS_LONG` for the run when ``nanos`` is not empty (Spark
    reads the files when the job runs, not here).

    Raises
    ------
    DataError
        ``TIMESTAMP(NANOS)`` columns in a file whose schema was not known (a remote path).
    """
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import AnalysisException
    from pyspark.sql import types as T

    try:
        df = spark.read.parquet(path) if not files else spark.read.option("basePath", path).parquet(*files)
    except (AnalysisException, Py4JJavaError) as err:  # Spark 3.5: a failed schema job (Py4JJavaError)
        if "TIMESTAMP(NANOS" not in str(err):
            raise
        raise DataError.from_message(
            "input", f"'{path}': a column is stored as TIMESTAMP(NANOS) (pandas' datetime64[ns]), which Spark "
                     "cannot read; write it in microseconds (pandas: to_parquet(..., coerce_timestamps='us', "
                     "allow_truncated_timestamps=True)) or score it with --engine local") from None
    if not nanos:
        return df
    fields = [T.StructField(f.name, (T.TimestampType() if nanos[f.name] else T.TimestampNTZType())
                            if f.name in nanos else f.dataType, f.nullable) for f in df.schema.fields]
    return df.mapInArrow(_micros(nanos), T.StructType(fields))


def _text_dates(formats: Mapping[str, str], numbers: Mapping[str, bool] | None = None,
                number_format: str | None = None) -> Any:
    """A ``mapInArrow`` function: the text dates of each batch read with their formats, and its text
    numbers with ``number_format`` (``numbers``: column -> strict), as the local readers do."""
    numbers = numbers or {}

    def one(col: pa.Array, name: str) -> pa.Array:
        if name in formats:
            return convert_dates(col, formats[name])
        if name in numbers:
            return convert_numbers(col, number_format, strict=numbers[name])
        return col

    def convert(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            cols = [one(b.column(i), n) for i, n in enumerate(b.schema.names)]
            yield pa.RecordBatch.from_arrays(cols, schema=b.schema)
    return convert


def _file_types(path: str) -> dict[str, pa.DataType]:
    """Column name -> Arrow type of a parquet input's files as stored (the first type seen per name)."""
    import pyarrow.parquet as pq

    types: dict[str, pa.DataType] = {}
    for f in input_files(path):
        try:
            schema = pq.read_schema(f)
        except (OSError, pa.ArrowException):
            continue  # not parquet, or damaged: input_schema names the file
        for field in schema:
            types.setdefault(field.name, field.type)
    return types


#: The CSV text encodings Spark reads itself, Python's codec name -> Spark's (its ``encoding`` option;
#: Spark 4 accepts few others, and splits UTF-16 lines wrongly): a local CSV in any other encoding is
#: transcoded to UTF-8 first.
SPARK_ENCODINGS = {"utf-8-sig": "UTF-8", "iso8859-1": "ISO-8859-1", "ascii": "US-ASCII"}


def utf8_copy(path: str, encoding: str, scratch: str | os.PathLike[str], skip_lines: int = 0) -> str:
    """A UTF-8 copy of a local CSV file (a CSV input is one file), transcoded from ``encoding`` in
    1 MiB pieces (bounded memory), without its first ``skip_lines`` lines, in the folder ``scratch``."""
    import shutil
    import tempfile

    src = Path(path)
    handle, name = tempfile.mkstemp(suffix=".csv", prefix="utf8-", dir=scratch)  # two inputs may share a name
    os.close(handle)
    target = Path(name)
    with open_file(src, "rt", encoding=encoding, newline="") as fh, open(target, "w", encoding="utf-8",
                                                                        newline="") as out:
        for _ in range(skip_lines):
            fh.readline()
        shutil.copyfileobj(fh, out, 1 << 20)
    return str(target)


def read_input(spark: Any, table: str, path: str | os.PathLike[str], input_format: InputFormat,
               conf: MutableMapping[str, str | None], scratch: str | os.PathLike[str] | None = None) -> Any:
    """One input of :func:`riskscore.spark.score_files` as a Spark DataFrame, read as the local engine reads it.

    A file on the driver's disk is checked first, in one line naming the file: required columns,
    day/month text dates without a format, float ids that are not whole, values in the extract's own
    words, amounts in a style not stated. Columns are renamed and
    text dates converted (``input_format``); nanosecond timestamps are read (:func:`read_parquet`),
    for which the Spark setting :data:`NANOS_AS_LONG` is turned on and its value before recorded
    in ``conf`` (:func:`restore_conf` puts it back after the run). A local CSV in a text encoding
    Spark does not read (GB18030, cp1252, UTF-16: anything but UTF-8, ISO-8859-1 and ASCII) is
    read from a UTF-8 copy in the folder ``scratch``, which the caller removes after the run; a
    remote one is refused in one line.
    """
    p = str(path)
    rename, dates = input_format.rename(table), input_format.date_formats(table)
    local = "://" not in p
    kind, listed = _input_kind(spark, p, local)
    csv = kind in ("text", "hive text")
    raw = _file_types(p) if local and not csv else {}  # the files' own names and Arrow types
    if local:
        schema = input_schema(p, table=table, rename=rename, encoding=input_format.encoding,
                              header=input_format.names(table))
        # what the local readers judge on reading: stored numbers need no check of their text
        checked = [f.name for f in schema if f.name in dates or f.name in DATES.get(table, ())
                   or f.name in ID_COLUMNS.get(table, ()) or (table, f.name) in checked_words()
                   or (f.name in NUMBER_COLUMNS.get(table, ()) and is_text(f.type))]
        for _ in iter_batches(p, columns=checked, table=table, **input_format.reading(table)):
            pass
    nanos = nanos_columns(pa.schema(list(raw.items())))
    if nanos and NANOS_AS_LONG not in conf:
        conf[NANOS_AS_LONG] = spark.conf.get(NANOS_AS_LONG, None)
        spark.conf.set(NANOS_AS_LONG, "true")  # for the run: Spark reads the files when the job runs
    if csv:
        df = _read_csv(spark, p, table, input_format, local, scratch, listed, hive=kind == "hive text")
    elif kind == "ORC":  # a Hive table's ORC files: Spark reads their types as they are stored
        files = [str(f) for f in input_files(p)] if local else listed or [p]
        reader = spark.read.option("basePath", p) if local and Path(p).is_dir() else spark.read
        df = reader.orc(files)  # a list: orc's other arguments are options
        df = _joined_lists(df.toDF(*contract_names(p, df.columns, rename, table)), table)
    else:
        folder = local and Path(p).is_dir()  # the files the local readers read, not Spark's own listing
        df = read_parquet(spark, p, nanos, [str(f) for f in input_files(p)] if folder else None)
        df = _joined_lists(df.toDF(*contract_names(p, df.columns, rename, table)), table)
    df = _mapped_values(df, table, input_format.values(table))
    if local:  # numeric ids as text here: their check on the driver above stands for Spark's count
        df = ids_as_text(df, table, checked=True)
    stored = {c: df.schema[c].dataType.typeName() for c in dates if c in df.columns}
    df = _stored_dates_as_text(df, dates)
    strings = {c for c in df.columns if df.schema[c].dataType.typeName() == "string"}
    # times stored without a zone are ISO text now: only the zone of their format is left to apply
    text = {c: split_zone(f)[1] or f if stored.get(c) == "timestamp_ntz" else f for c, f in dates.items()
            if c in strings}
    numbers = {c: strict for c in strings if (strict := number_reading(table, c, input_format.numbers)) is not None}
    if text or numbers:
        return df.mapInArrow(_text_dates(text, numbers, input_format.numbers), df.schema)
    return df


def _input_kind(spark: Any, p: str, local: bool) -> tuple[str, list[str] | None]:
    """What the input ``p`` holds, ``"text"``, ``"hive text"`` (``\\x01`` between fields), ``"ORC"`` or
    ``"parquet"`` (a local folder's files are of one kind: :func:`~riskscore._files.input_files`), and a
    remote folder's files (:func:`~riskscore.batch._spark_remote.remote_files`), each of a kind by its
    name or, without an extension (Hive's ``000000_0``), by its first bytes
    (:func:`~riskscore.batch._spark_remote.remote_kind`); a remote table format's folder, or one of two
    kinds of file, refused in one line."""
    if local:
        first = input_files(p)[0]
        kind = "text" if is_delimited_text(first) else "ORC" if is_orc(first) else "parquet"
        return kind, None
    if is_delimited_text(p):
        return "text", None
    if (what := table_format(spark, p)) is not None:
        raise ValueError(table_format_refusal(p, what))
    listed = remote_files(spark, p)
    if not listed:  # a remote file (a Hive table's one 000000_0 too), or a folder Hadoop cannot list (Spark Connect)
        try:  # by its name, or without an extension by its first bytes
            kind = remote_kind(spark, p.rstrip("/"), [])
        except Exception:  # no JVM (Spark Connect), a pattern, a file Hadoop cannot open: Spark's own read says
            kind = "parquet"
        if kind is None and "." not in p.rstrip("/").rsplit("/", 1)[-1]:
            raise ValueError(f"'{p}' is neither parquet, ORC nor Hive's text by its first bytes: name a delimited "
                             f"text file .csv, .tsv or .txt (optionally {compressions_named()}).")
        return kind or "parquet", listed
    sniffed: list[str | None] = []  # the first file without an extension is read; the others are of its kind
    kinds = {f: remote_kind(spark, f, sniffed) for f in listed}
    unknown = next((f for f, k in kinds.items() if k is None), None)
    if unknown is not None:
        raise ValueError(unknown_file_refusal(unknown, p))
    found = sorted(set(kinds.values()), key=list(kinds.values()).index)
    if len(found) > 1:
        a, b = (next(f.rsplit("/", 1)[-1] for f, k in kinds.items() if k == kind) for kind in found[:2])
        said = {"text": "delimited text", "hive text": "Hive text"}
        raise ValueError(f"'{p}' holds {said.get(found[0], found[0])} files ('{a}') and {said.get(found[1], found[1])} "
                         f"files ('{b}'): give one kind of file per input.")
    return found[0], listed


#: CSV files by layout: (separator, encoding, names, a header line or not) -> files.
_Groups = dict[tuple[str, str, tuple[str, ...], bool], list[str]]


def _csv_groups(p: str, table: str, input_format: InputFormat, local: bool, scratch: str | os.PathLike[str] | None,
                listed: list[str] | None, remote_sep: str = ",", zstd: bool = True) -> _Groups:
    """The files of a CSV input by layout (separator, encoding, names, header line or not), each group
    read by Spark in one read: a local file in an encoding Spark does not read, after Excel's ``sep=``
    line, compressed with Zstandard where Spark cannot unpack it (``zstd`` false: Spark 3's Hadoop
    needs native libraries it is built without), or in LZ4's frame format (Hadoop reads an ``.lz4`` file as
    its own blocks), as a UTF-8 copy in ``scratch``; an empty local part
    (names given) left out."""
    given = input_format.names(table)
    remote = CsvLayout(given or [], 0 if given else 1, remote_sep, input_format.encoding or "utf-8-sig", given is None)
    layouts = [(str(f), csv_layout(f, table, input_format.encoding, given)) for f in input_files(p)] if local else \
        [(f, remote) for f in listed or [p]]
    groups: _Groups = {}
    for f, layout in layouts:
        # Spark unpacks by the name: Hadoop's .lz4 is its own blocks, not the lz4 command's frames
        packed = (not zstd and f.lower().endswith(".zst")) or (local and lz4_frame(f))
        if layout.encoding not in SPARK_ENCODINGS or layout.skip > layout.named or packed:  # or Excel's sep= line
            if not local or scratch is None:
                what, fix = _unread(f, layout, packed)
                raise DataError.from_message(
                    table, f"the {table} input '{f}' {what}, which this Spark does not read: {fix}, or give a copy on "
                           "the driver's disk")
            f = utf8_copy(f, layout.encoding, scratch, skip_lines=layout.skip - layout.named)
            layout = layout._replace(encoding="utf-8-sig", skip=int(layout.named))
        if local and given is not None and no_text(Path(f)):
            continue  # an empty part: no rows (Spark would read no columns)
        groups.setdefault((layout.delimiter, layout.encoding, tuple(layout.names), layout.named), []).append(f)
    return groups


def _unread(f: str, layout: CsvLayout, packed: bool) -> tuple[str, str]:
    """What a CSV file Spark cannot read as it is (:func:`_csv_groups`) is, and what to do about it."""
    if layout.encoding not in SPARK_ENCODINGS:
        return f"is CSV text in {layout.encoding}", "convert it to UTF-8 (iconv -f ENCODING -t UTF-8)"
    if packed and f.lower().endswith(".zst"):
        return "is compressed with Zstandard", "recompress it with gzip (or run Spark 4)"
    if packed:
        return LZ4_FRAMES
    return "starts with a sep= line", "remove that line"


def _read_csv(spark: Any, p: str, table: str, input_format: InputFormat, local: bool,
              scratch: str | os.PathLike[str] | None, listed: list[str] | None = None, hive: bool = False) -> Any:
    """A CSV input as :func:`read_input` reads it: columns renamed, missing values as the local readers'.

    A local folder's files are read by their layout (separator, encoding, header), those of one layout
    in one read, and the reads joined by column name (Spark reads a list of files by the first one's
    header, column by position). Files without a header line (``header`` given) are read from their
    first line under the names given; a remote one is not looked at first (its first line is data).
    A remote folder's files are ``listed`` (:func:`~riskscore.batch._spark_remote.remote_files`), read with
    the separator of the first line of the first (:func:`~riskscore.batch._spark_remote.remote_delimiter`;
    ``\\x01`` for Hive's text: ``hive``), with a header line each unless ``header`` is given."""
    given = input_format.names(table)
    remote_sep = "," if local else HIVE_SEPARATOR if hive else remote_delimiter(spark, listed or [p], table)
    zstd = int(str(spark.version).split(".")[0]) >= 4  # Spark 3's Hadoop reads Zstandard with native libraries only
    groups = _csv_groups(p, table, input_format, local, scratch, listed, remote_sep, zstd)
    rename, frames = input_format.rename(table), []
    if not groups:  # every file empty
        df = spark.createDataFrame([], ", ".join(f"`{n}` string" for n in given or []))
        return _csv_missing(df.toDF(*contract_names(p, df.columns, rename, table)), table)
    for (sep, encoding, names, named), files in groups.items():
        # an unquoted empty field reads as the sentinel, so null; a quoted "" as "" (then _csv_missing)
        df = (spark.read.option("header", named).option("sep", sep).option("nullValue", _NULL_SENTINEL)
              .option("quote", "" if sep == HIVE_SEPARATOR else '"')  # Hive's text quotes nothing
              .option("encoding", SPARK_ENCODINGS[encoding]).csv(files if len(files) > 1 else files[0]))
        if given is not None:
            if len(df.columns) != len(names):  # a remote file, not looked at before
                raise DataError.from_message(
                    table, f"the {table} input '{files[0]}' has {len(df.columns)} columns on its first line and the "
                           f"header given for {table} names {len(names)} ({', '.join(names)}): give one name per "
                           "column, in the files' order")
            df = df.toDF(*names)
        if any(name.startswith(UNNAMED) for name in names):  # columns without a name are never read
            df = df.select(*[c for c, name in zip(df.columns, names, strict=True) if not name.startswith(UNNAMED)])
        frames.append(_csv_missing(df.toDF(*contract_names(files[0], df.columns, rename, table)), table))
    df = frames[0]
    for other in frames[1:]:
        df = df.unionByName(other)
    return df


_NUMBERS = ("byte", "short", "integer", "long", "float", "double", "decimal")


def _joined_lists(df: Any, table: str) -> Any:
    """The list columns stored as arrays of text (:data:`~riskscore._conform.TEXT_LIST_COLUMNS`) as the
    local readers read them: items joined by commas, missing items left out (``array_join``)."""
    from pyspark.sql import functions as F

    arrays = [c for c in df.columns if (table, c) in TEXT_LIST_COLUMNS
              and df.schema[c].dataType.typeName() == "array"]
    return df.withColumns({c: F.array_join(F.col(c), ",") for c in arrays}) if arrays else df


def _mapped_values(df: Any, table: str, values: Mapping[str, Mapping[str, str]]) -> Any:
    """The extract's words as the contract's (:func:`riskscore._refusals.map_values`, in Spark): word by
    word in a list column, its words separated by ``,``, ``、``, ``，`` or a separator the columns file
    states (``{'|': ','}``) and joined by commas."""
    from pyspark.sql import functions as F

    for column, mapping in values.items():
        if column in df.columns and column in DATES.get(table, ()):  # "no date" markers: missing
            x, kind = F.col(column), df.schema[column].dataType.typeName()
            text = F.date_format(x, "yyyy-MM-dd") if kind in ("date", "timestamp", "timestamp_ntz") else F.trim(x)
            df = df.withColumn(column, F.when(text.isin(list(mapping)), None).otherwise(x))
            continue
        if column in df.columns and "" in mapping:  # a flag's blank, as the user says it reads
            x = F.col(column).cast("string")
            df = df.withColumn(column, F.when(x.isNull() | (F.trim(x) == ""), F.lit(mapping[""])).otherwise(x))
            mapping = {k: v for k, v in mapping.items() if k != ""}
        if column in df.columns and mapping:
            words = F.create_map(*[v for kv in mapping.items() for v in map(F.lit, kv)])
            if (table, column) in LIST_COLUMNS:
                # a lambda: given F.trim itself, transform would pass each word's index as trim's second argument
                parts = F.filter(F.transform(F.split(F.col(column), list_separators(mapping)), lambda w: F.trim(w)),
                                 lambda w: w != "")
                mapped = F.array_join(F.transform(parts, _word_of(words)), ",")
                df = df.withColumn(column, F.when(F.col(column).isNull(), None).otherwise(mapped))
            else:
                df = df.withColumn(column, F.coalesce(words[F.trim(F.col(column))], F.col(column)))
    return df


def _word_of(words: Any) -> Any:
    """One word as the contract's (a Spark map column of the columns file's words), else as it is."""
    from pyspark.sql import functions as F

    return lambda w: F.coalesce(words[w], w)


#: Spark's ``nullValue`` for CSV: text no extract holds, so that an unquoted empty field (which Spark
#: reads as ``nullValue``) is null and a quoted ``""`` stays an empty string.
_NULL_SENTINEL = "\u0000riskscore-null\u0000"


def _csv_missing(df: Any, table: str) -> Any:
    """A CSV's missing values as the local readers see them (:func:`riskscore._conform.conform`): in an
    id column only an empty field and a database's ``\\N``; elsewhere an empty field and
    :data:`~riskscore._conform.NA_TOKENS`, except that a quoted ``""`` stays an empty string where the
    contracts give it a meaning; Excel's text formulas (``="007"``: :data:`~riskscore._conform.EXCEL_TEXT`)
    as their text first."""
    from pyspark.sql import functions as F

    cols = []
    for c in df.columns:
        x = F.regexp_replace(F.col(c), EXCEL_TEXT, "$1")
        if c in ID_COLUMNS.get(table, ()):
            missing = (x == "") | (x == DB_NULL)
        elif empty_is_text(table, c):
            missing = x.isin(*NA_TOKENS)
        else:
            missing = x.isin(*NA_TOKENS) | (x == "")
        cols.append(F.when(missing, F.lit(None).cast("string")).otherwise(x).alias(c))
    return df.select(*cols)


def _stored_dates_as_text(df: Any, dates: Mapping[str, str]) -> Any:
    """Date columns with a format stored as numbers (Unix time, serial dates, ``20240315``) as the digits the
    local readers make of them, for :func:`_text_dates` to read: a whole number as an integer, else with six
    decimals (Spark's own cast would write ``1.7092584E12``); contact times stored without a zone, when their
    format names one, as ISO text."""
    from pyspark.sql import functions as F

    for c, fmt in dates.items():
        if c in df.columns and df.schema[c].dataType.typeName() == "timestamp_ntz" and split_zone(fmt)[1]:
            # contact times stored without a zone, read in the format's zone by _text_dates (as locally)
            df = df.withColumn(c, F.date_format(F.col(c), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"))
            continue
        if c in df.columns and df.schema[c].dataType.typeName() in _NUMBERS:
            x = F.col(c)
            # a serial date's fraction is a time of day: Java's shortest text of the double (as Python's,
            # no exponent below 10**7) keeps it exactly, six decimals would move 10:31 to 10:30:59.962
            fraction = x.cast("double").cast("string") if split_zone(fmt)[0] in SERIAL_FORMATS else F.format_string(
                "%.6f", x.cast("double"))
            df = df.withColumn(c, F.when(x == F.floor(x), x.cast("long").cast("string")).otherwise(fraction))
    return df


def restore_conf(spark: Any, conf: Mapping[str, str | None]) -> None:
    """Put back the Spark settings :func:`read_input` changed (``conf``: their values before)."""
    for key, value in conf.items():
        if value is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, value)


def session_of(owner: str, **frames: Any) -> Any:
    """The SparkSession of the given input DataFrames (None values skipped), classic or Spark Connect
    (pyspark 4), refusing in one line what the engine cannot run on: a pandas or other frame, or a
    Spark Connect frame of pyspark 3.5 (its client lacks what the engine collects results with).

    Raises
    ------
    InvalidParameterError
        Naming the parameter, what it must be and what to do instead.
    """
    import pyspark

    from riskscore._compat import invalid_parameter

    session = None
    for name, df in frames.items():
        if df is None:
            continue
        kind = f"{type(df).__module__}.{type(df).__qualname__}"
        if kind.startswith("pyspark.sql.connect.") and int(pyspark.__version__.split(".")[0]) < 4:
            raise invalid_parameter(name, owner, "a DataFrame of a classic SparkSession, or of Spark Connect from "
                                    "pyspark 4 on (pip install 'pyspark[connect]>=4')",
                                    f"a Spark Connect {kind} of pyspark {pyspark.__version__}")
        if not kind.startswith("pyspark.sql.") or not hasattr(df, "sparkSession"):
            raise invalid_parameter(name, owner, "a Spark DataFrame (spark.createDataFrame(df) makes one of a "
                                    "pandas frame; riskscore.Scorer.score and score_portfolio score pandas "
                                    "frames and files without Spark)", kind)
        session = session or df.sparkSession
    return session
