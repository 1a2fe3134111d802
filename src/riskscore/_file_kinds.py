"""Kinds of data file by name: the compressions of delimited text riskscore unpacks, and the formats it
does not read (named in the refusal, with the line that converts each). Below :mod:`riskscore._files`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
from typing import IO, Any

import pyarrow as pa

__all__ = ["COMPRESSIONS", "compressed", "open_file", "other_format"]

#: Compressions of delimited text, told by the file's extension as Arrow and Hadoop tell them: gzip (most
#: unloads' default), bzip2 and Zstandard (Redshift's ``UNLOAD ... BZIP2`` or ``ZSTD``, Snowflake's
#: ``COMPRESSION = BZ2`` or ``ZSTD``).
COMPRESSIONS = (".gz", ".bz2", ".zst")

#: Formats of data files riskscore does not read, with what each is and the line that converts it.
#: JSON is not read: its readers guess each column's type from its first rows, and a time such as
#: ``2025-06-15T02:30:00+08:00`` comes back without its offset (Arrow's), or a column of ids as numbers.
_OTHER_FORMATS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((".json", ".jsonl", ".ndjson"), "JSON, which riskscore does not read (JSON readers guess every column's type: "
     "times lose their offsets, ids become numbers); convert it to CSV or parquet with every column as text "
     "(pandas: read_json(path, lines=True, dtype=str, convert_dates=False))"),
    ((".avro",), "Avro, which riskscore does not read; write the table as parquet (Spark: "
     "spark.read.format('avro').load(path).write.parquet(folder))"),
    ((".feather", ".arrow", ".ipc", ".arrows"), "an Arrow IPC (Feather) file, which riskscore does not read; write it "
     "as parquet: pyarrow.parquet.write_table(pyarrow.feather.read_table(path), 'table.parquet')"),
    ((".sas7bdat", ".xpt"), "a SAS data set, which riskscore does not read; write it as parquet: "
     "pandas.read_sas(path).to_parquet('table.parquet') (dates stay dates), or export it as CSV from SAS"),
    ((".dta",), "a Stata data set, which riskscore does not read; write it as parquet: "
     "pandas.read_stata(path).to_parquet('table.parquet')"),
    ((".zip", ".7z", ".rar", ".tar", ".tgz"), "an archive, which riskscore does not open; unpack it and "
     "give the file or the folder inside"),
    ((".db", ".sqlite", ".sqlite3", ".duckdb", ".mdb", ".accdb"), "a database file, which riskscore does not open; "
     "export the table as parquet or CSV"),
)


def other_format(name: str) -> str | None:
    """What a data file that riskscore does not read is, and the line that converts it (by its name, any
    compression after it), or ``None``.

    Examples
    --------
    >>> other_format("contacts.jsonl.gz").split(",")[0]
    'JSON'
    >>> other_format("installments.csv") is None
    True
    """
    name = name.lower()
    name = next((name.removesuffix(packed) for packed in COMPRESSIONS if name.endswith(packed)), name)  # x.tar.gz: .tar
    return next((what for ends, what in _OTHER_FORMATS if name.endswith(ends)), None)


def compressed(name: str | os.PathLike[str]) -> bool:
    """Whether a delimited text file is compressed, by its name (:data:`COMPRESSIONS`)."""
    return str(name).lower().endswith(COMPRESSIONS)


def open_file(f: str | os.PathLike[str], mode: str = "rb", **text: Any) -> IO[Any]:
    """A delimited text file opened as :func:`open` opens it (``mode`` ``"rb"`` or ``"rt"`` with ``text``'s
    ``encoding``, ``newline``, ``errors``), its bytes unpacked when its name says it is compressed:
    gzip and bzip2 by Python's own modules, Zstandard by Arrow's (Python 3.11 has none).

    Examples
    --------
    >>> import tempfile, pathlib, bz2
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv.bz2"
    >>> _ = f.write_bytes(bz2.compress(b"borrower_id;loan_id\\nb1;l1\\n"))
    >>> with open_file(f, "rt", encoding="utf-8", newline="") as fh:
    ...     fh.readline()
    'borrower_id;loan_id\\n'
    """
    name = str(f).lower()
    if name.endswith(".gz"):
        return gzip.open(f, mode, **text)
    if name.endswith(".bz2"):
        return bz2.open(f, mode, **text)
    if name.endswith(".zst"):
        stream = pa.input_stream(str(f), compression="zstd")
        return io.TextIOWrapper(stream, **text) if "t" in mode else stream  # type: ignore[arg-type]
    return open(f, mode, **text)  # the caller closes it
