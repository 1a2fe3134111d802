"""Reading and writing tables: parquet (file or folder), CSV, input streams, and atomic writes.

Inputs are a parquet file, a folder of parquet files (read in sorted path order), or a CSV
file (``.csv``/``.csv.gz``, streamed with every column as text: the contracts parse the values,
so a CSV and a parquet file of the same rows give the same tables).

Only this module, the model bundle, the batch job, the CLI and ``report.write_html`` touch the
filesystem. Writes go to a temporary file in the target folder and are renamed into place, so a
reader (or a re-run after a crash) never sees half a file.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["ARROW_SCHEMAS", "atomic_parquet_writer", "fingerprint", "input_files", "iter_batches", "read_table",
           "sha256_file", "write_parquet", "write_text"]

#: Storage types of the contract tables: dates as date32, contact times as UTC microseconds.
ARROW_SCHEMAS: dict[str, pa.Schema] = {
    "installments": pa.schema([
        ("borrower_id", pa.string()), ("loan_id", pa.string()), ("installment_no", pa.int64()),
        ("due_date", pa.date32()), ("amount_due", pa.float64()), ("paid_date", pa.date32()),
        ("amount_paid", pa.float64()),
    ]),
    "contacts": pa.schema([
        ("borrower_id", pa.string()), ("contacted_at", pa.timestamp("us", tz="UTC")),
        ("channel", pa.string()), ("outcome", pa.string()),
    ]),
}


def read_table(path: str | os.PathLike[str], columns: list[str] | None = None) -> pd.DataFrame:
    """Read a parquet file, a folder of parquet files, or a CSV file (``.csv``, ``.csv.gz``).

    Parameters
    ----------
    path : path-like
        What to read. A folder is read as one parquet data set.
    columns : list of str, optional
        Read only these columns.

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

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from riskscore.io import read_table, write_parquet
    >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> write_parquet(pd.DataFrame({"a": [1, 2]}), tmp)
    >>> read_table(tmp)["a"].tolist()
    [1, 2]
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"No such file or folder: '{p}'.")
    name = p.name.lower()
    if p.is_dir() or name.endswith(".parquet") or name.endswith(".pq"):
        table = pq.read_table(p, columns=columns)
        return table.to_pandas(date_as_object=False)
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        return pd.read_csv(p, usecols=columns)
    raise ValueError(f"Cannot tell the format of '{p}': use .parquet, a folder of parquet files, "
                     ".csv or .csv.gz.")


@contextmanager
def atomic_parquet_writer(path: str | os.PathLike[str], schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
    """A ``ParquetWriter`` whose file appears at ``path`` only when the block exits cleanly.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow as pa
    >>> from riskscore.io import atomic_parquet_writer
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.parquet"
    >>> schema = pa.schema([("a", pa.int64())])
    >>> with atomic_parquet_writer(target, schema) as w:
    ...     w.write_table(pa.table({"a": [1]}, schema=schema))
    >>> target.exists()
    True
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    writer = pq.ParquetWriter(tmp, schema, compression="zstd")
    try:
        yield writer
        writer.close()
        os.replace(tmp, target)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise


def write_parquet(df: pd.DataFrame, path: str | os.PathLike[str], schema: pa.Schema | None = None) -> None:
    """Write ``df`` to ``path`` atomically (temporary file, then rename)."""
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    with atomic_parquet_writer(path, table.schema) as writer:
        writer.write_table(table)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, then rename).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> write_text(target, "{}")
    >>> target.read_text()
    '{}'
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, target)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_files(path: str | Path) -> list[Path]:
    """The files of an input (one file, or the parquet files under a folder, sorted)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"No such file or folder: '{p}'.")
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".parquet", ".pq"))
        if not files:
            raise ValueError(f"'{p}' holds no .parquet files.")
        return files
    name = p.name.lower()
    if not name.endswith((".parquet", ".pq", ".csv", ".csv.gz")):
        raise ValueError(f"Cannot tell the format of '{p}': use .parquet, a folder of parquet files, .csv or .csv.gz.")
    return [p]


def fingerprint(path: str | Path) -> dict[str, object]:
    """Sizes and SHA-256 of an input's files, and one SHA-256 over all of them (the run key uses it)."""
    files = input_files(path)
    entries = [{"file": str(f), "bytes": f.stat().st_size, "sha256": sha256_file(f)} for f in files]
    combined = hashlib.sha256("".join(e["sha256"] for e in entries).encode()).hexdigest()
    return {"path": str(path), "bytes": sum(e["bytes"] for e in entries), "sha256": combined, "files": entries}


def _csv_header(path: Path) -> list[str]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", newline="") as fh:
        return next(csv.reader(fh))


def iter_batches(path: str | Path, batch_rows: int = 1_000_000, columns: list[str] | None = None
                 ) -> Iterator[pa.Table]:
    """Stream an input as Arrow tables of at most about ``batch_rows`` rows."""
    for f in input_files(path):
        if f.name.lower().endswith((".csv", ".csv.gz")):
            names = _csv_header(f)
            conv = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True,
                                        include_columns=columns)
            reader = pacsv.open_csv(f, read_options=pacsv.ReadOptions(block_size=64 << 20), convert_options=conv)
            pending: list[pa.RecordBatch] = []
            size = 0
            for rb in reader:
                pending.append(rb)
                size += rb.num_rows
                if size >= batch_rows:
                    yield pa.Table.from_batches(pending)
                    pending, size = [], 0
            if pending:
                yield pa.Table.from_batches(pending)
        else:
            pf = pq.ParquetFile(f)
            cols = None if columns is None else [c for c in columns if c in pf.schema_arrow.names]
            for rb in pf.iter_batches(batch_size=batch_rows, columns=cols):
                yield pa.Table.from_batches([rb])
