"""Input tables as streams of Arrow batches, their fingerprints, and the borrower hash.

Inputs are a parquet file, a folder of parquet files (read in sorted path order), or a CSV
file (``.csv``/``.csv.gz``, read with every column as text: the contracts parse the values, so
a CSV and a parquet file of the same rows give the same tables). Nothing is held whole: each
input is read ``batch_rows`` rows at a time.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from riskscore.io import sha256_file

__all__ = ["DistinctSketch", "borrower_hash", "bucket_of", "fingerprint", "input_files", "iter_batches"]


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


_NULL_HASH = pd.util.hash_array(np.array([None], dtype=object))[0]


def borrower_hash(ids: pa.Array | pa.ChunkedArray | pd.Series | np.ndarray) -> np.ndarray:
    """64-bit hash of borrower ids read as text (``123`` and ``"123"`` hash alike; null has one hash)."""
    if isinstance(ids, pa.Array | pa.ChunkedArray):
        # hash each distinct id once (a batch holds each borrower's rows many times over)
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        encoded = pc.dictionary_encode(pc.cast(ids, pa.string()))
        distinct = np.array(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        hashes = np.append(pd.util.hash_array(distinct, categorize=False), _NULL_HASH)
        idx = encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
        return hashes[idx]
    s = pd.Series(ids)
    text = s.astype(object).where(s.isna(), s.astype(str)).to_numpy(dtype=object)
    text = np.array(text, dtype=object)  # a copy: pandas may hand out read-only arrays
    text[pd.isna(text)] = None
    return pd.util.hash_array(text, categorize=True)


def bucket_of(hashes: np.ndarray, n_buckets: int) -> np.ndarray:
    """The chunk a hash belongs to."""
    return (hashes % np.uint64(n_buckets)).astype(np.int64)


class DistinctSketch:
    """Count distinct 64-bit hashes in bounded memory: the *k* smallest values (KMV).

    Exact below ``k`` distinct values; above, the estimate ``(k - 1) / (v_k / 2**64)`` has a
    relative standard error of about ``1 / sqrt(k)`` (under 1 % at the default).

    Examples
    --------
    >>> import numpy as np
    >>> s = DistinctSketch(k=1024)
    >>> s.add(np.arange(100, dtype=np.uint64)); s.add(np.arange(50, 150, dtype=np.uint64))
    >>> s.estimate()
    150
    """

    def __init__(self, k: int = 16_384):
        self.k = k
        self.values = np.empty(0, dtype=np.uint64)

    def add(self, hashes: np.ndarray) -> None:
        """Fold a batch of hashes into the sketch."""
        if len(self.values) >= self.k:
            hashes = hashes[hashes <= self.values[-1]]
        self.values = np.union1d(self.values, hashes.astype(np.uint64))[: self.k]

    def merge(self, other: DistinctSketch) -> None:
        """Fold another sketch of the same ``k`` into this one."""
        self.add(other.values)

    def estimate(self) -> int:
        """The number of distinct hashes seen (exact below ``k``)."""
        if len(self.values) < self.k:
            return len(self.values)
        return round((self.k - 1) / (float(self.values[-1]) / 2.0**64))
