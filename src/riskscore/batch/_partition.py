"""One streaming pass that splits the inputs into borrower chunks on disk.

Each input batch is sorted by chunk (the borrower hash modulo the number of chunks, stable, so
rows keep their input order within a chunk) and written as one *spill file* (Arrow IPC,
uncompressed) where each chunk's rows are consecutive record batches. Reading chunk *k* then
reads its batches of every spill file: no chunk ever needs the whole input in memory, and only
one file is open at a time.

The same pass gathers what a chunk cannot see on its own:

* the day histogram of ``paid_date`` (the data date the payment-date check uses, inferred
  exactly as :func:`riskscore.quarantine` infers it on a whole table);
* the (loan, borrower) pairs, spilled by loan, so a loan that belongs to two borrowers in
  different chunks is still found (:func:`scan_loans`);
* the rows per ``currency`` code, so a run in several currencies is refused before any chunk
  (chunks would otherwise each see one currency and silently disagree).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, wait
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.orc as paorc
import pyarrow.parquet as pq

from riskscore._csv_ranges import csv_ranges
from riskscore._files import compressed, csv_layout, is_delimited_text, is_orc
from riskscore._intake import coalesced
from riskscore._intake_pieces import iter_piece
from riskscore.batch._arrowfile import arrow_schema, read_arrow, write_arrow
from riskscore.batch._inputs import NULL_HASH, DistinctSketch, borrower_hash, bucket_of, input_files, iter_batches
from riskscore.io import InputFormat, input_schema
from riskscore.schemas import (
    FUTURE_TOLERANCE_DAYS,
    calendar_dates,
    currency_codes,
    data_date_from,
    is_currency_code,
    quantile_day,
)

__all__ = ["CONTACT_IDS", "ROW", "count_borrowers", "currency_counts", "infer_data_date", "n_chunks", "partition",
           "read_chunk", "scan_loans"]

log = logging.getLogger("riskscore.batch")

#: Column added to every spilled row: its position in its input (0-based, in read order). A CSV's
#: pieces number their rows from 0 (a piece cannot know how many rows come before it): the index
#: gives their spill files a ``row_offset`` (the rows of the pieces before), which
#: :func:`read_chunk` adds.
ROW = "_row"

#: The distinct id hashes of the contact log, written by the partition pass beside its index.
CONTACT_IDS = "contact_ids.npy"

#: Bytes of a CSV input per piece of the partition pass (cut at a line end: a little more).
PIECE_BYTES = 64 << 20


#: Slack on the chunk size: the borrower count is an estimate (about 1 % off above 16,384), and a
#: count a hair above a round number should not add a whole chunk of smaller ones.
CHUNK_SLACK = 1.03


def n_chunks(borrowers: int, chunk_borrowers: int) -> int:
    """Chunks for an estimated number of borrowers: about ``chunk_borrowers`` each (hash buckets vary a little).

    Examples
    --------
    >>> n_chunks(100_480, 50_000), n_chunks(600, 250), n_chunks(0, 10)
    (2, 3, 1)
    """
    return max(1, math.ceil(borrowers / (chunk_borrowers * CHUNK_SLACK)))


def count_borrowers(path: str | Path, batch_rows: int, rename: dict[str, str] | None = None,
                    encoding: str | None = None, header: list[str] | None = None) -> tuple[int, int]:
    """(estimated distinct borrowers, rows) of an installments input, reading only ``borrower_id`` (``rename``d)."""
    # every required column first: a user sees all they must map at once, not borrower_id alone
    input_schema(path, table="installments", rename=rename, encoding=encoding, header=header)
    sketch, rows = DistinctSketch(), 0
    for table in iter_batches(path, batch_rows, columns=["borrower_id"], table="installments", rename=rename,
                              encoding=encoding, header=header):
        if "borrower_id" not in table.column_names:
            raise ValueError(f"'{path}' has no borrower_id column: it cannot be split by borrower.")
        sketch.add(np.unique(borrower_hash(table.column("borrower_id"))))
        rows += table.num_rows
    return sketch.estimate(), rows


def _paid_days(table: pa.Table) -> np.ndarray:
    """Days (since 1970-01-01) of the batch's payments, read as the contracts read ``paid_date``."""
    if "paid_date" not in table.column_names:
        return np.empty(0, dtype=np.int64)
    days = calendar_dates(table.column("paid_date").to_pandas(date_as_object=False)).dropna()
    return days.to_numpy("datetime64[D]").astype(np.int64)


def currency_counts(table: pa.Table) -> dict[str, int]:
    """Rows per valid currency code of a batch, read as the contract reads ``currency`` (any case)."""
    if "currency" not in table.column_names:
        return {}
    codes = currency_codes(table.column("currency").to_pandas())
    valid = is_currency_code(codes)
    return {str(k): int(v) for k, v in codes[valid].value_counts().items()}


def check_as_of(as_of: pd.Timestamp, data_date: pd.Timestamp, horizon_days: int, inferred: bool) -> None:
    """Refuse an as-of date more than ``horizon_days`` after the data date (both engines; the
    callers skip it when ``allow_stale_data``).

    Examples
    --------
    >>> check_as_of(pd.Timestamp("2025-02-01"), pd.Timestamp("2025-01-15"), 30, inferred=False)
    >>> check_as_of(pd.Timestamp("2025-03-01"), pd.Timestamp("2025-01-15"), 30, inferred=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: as_of 2025-03-01 is 45 days after the data's last date 2025-01-15 (given as data_date), ...
    """
    if as_of > data_date + pd.Timedelta(days=horizon_days):
        how = (f"inferred: the latest payments plus {FUTURE_TOLERANCE_DAYS} days' tolerance" if inferred
               else "given as data_date")
        raise ValueError(
            f"as_of {as_of.date()} is {(as_of - data_date).days} days after the data's last date {data_date.date()} "
            f"({how}), more than the model's {horizon_days}-day horizon: score an as-of date within it, give the "
            "data's date (data_date=, --data-date), or pass allow_stale_data=True (--allow-stale-data) to score "
            "it anyway.")


def infer_data_date(histogram: Counter, future_tolerance_days: int, today: pd.Timestamp) -> pd.Timestamp:
    """The data date :func:`riskscore.quarantine` would infer from all ``paid_date`` values.

    ``histogram`` counts payments per day (days since 1970-01-01); its
    :data:`~riskscore.schemas._checks.DATA_DATE_QUANTILE` is taken by linear interpolation, as
    pandas takes it from the whole column.
    """
    if not histogram:
        return data_date_from(None, future_tolerance_days, today)
    days = np.array(sorted(histogram), dtype=np.int64)
    return data_date_from(quantile_day(days, np.array([histogram[d] for d in days], dtype=np.int64)),
                          future_tolerance_days, today)


class _Spiller:
    """Writes one spill file per batch: rows sorted by chunk, each chunk's rows as consecutive record
    batches of an uncompressed Arrow IPC file (written and read back at memory speed: no encoding, no
    compression; the folder takes about the inputs' size in memory, and is removed when the run ends)."""

    def __init__(self, folder: Path, name: str, n_buckets: int, prefix: str = ""):
        self.folder, self.name, self.n, self.prefix = folder / name, name, n_buckets, prefix
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files: list[dict[str, Any]] = []

    def write(self, table: pa.Table, buckets: np.ndarray) -> None:
        order = np.argsort(buckets, kind="stable")
        table = table.take(pa.array(order))
        sorted_b = buckets[order]
        present, starts = np.unique(sorted_b, return_index=True)
        ends = np.append(starts[1:], len(sorted_b))
        path = self.folder / f"{self.prefix}{len(self.files):06d}.arrow"
        ranges = write_arrow(path, table.schema, (table.slice(int(s), int(e - s)) for s, e in zip(starts, ends,
                                                                                                strict=True)))
        groups = {str(int(b)): r for b, r in zip(present, ranges, strict=True)}  # each chunk's record batches
        self.files.append({"file": str(path.relative_to(self.folder.parent)), "groups": groups})


def _spill(folder: Path, name: str, path: Path, batches: Iterable[pa.Table], n_buckets: int, first_row: int,
           prefix: str = "", progress: Callable[[str, int], None] | None = None) -> dict[str, Any]:
    """Spill a stream of batches of one input whose first row is ``first_row``: its spill files, its
    (loan, borrower) spill, its rows, its ``paid_date`` day histogram, its rows per currency and, of the
    contact log, the hashes of its distinct ids (``ids``: not written to the index)."""
    spill, loans = _Spiller(folder, name, n_buckets, prefix), _Spiller(folder, "_loans", n_buckets, prefix)
    histogram: Counter = Counter()
    currencies: Counter = Counter()
    seen: list[np.ndarray] = []  # the contact log's distinct id hashes, batch by batch
    rows = first_row
    for table in batches:
        if "borrower_id" not in table.column_names:
            raise ValueError(f"The {name} input '{path}' has no borrower_id column.")
        ids = table.column("borrower_id")
        if ROW in table.column_names:  # an input column named like ours: not a contract column, dropped
            table = table.drop_columns([ROW])
        table = table.append_column(ROW, pa.array(np.arange(rows, rows + table.num_rows, dtype=np.int64)))
        h = borrower_hash(ids)
        spill.write(table, bucket_of(h, n_buckets))
        if name == "contacts":  # hashed, not sorted: sorting millions of hashes costs seconds
            seen.append(pd.unique(h))
        if name == "installments":
            days, counts = np.unique(_paid_days(table), return_counts=True)
            histogram.update(dict(zip(days.tolist(), counts.tolist(), strict=True)))
            currencies.update(currency_counts(table))
            if "loan_id" in table.column_names:
                lh = borrower_hash(table.column("loan_id"))
                pairs = pd.DataFrame({"loan": lh, "borrower": h}).drop_duplicates()
                loans.write(pa.Table.from_pandas(pairs, preserve_index=False),
                            bucket_of(pairs["loan"].to_numpy(), n_buckets))
        rows += table.num_rows
        if progress is not None:
            progress(name, rows)
    return {"files": spill.files, "loans": loans.files, "rows": rows - first_row, "paid_days": dict(histogram),
            "currencies": dict(currencies), "ids": _distinct(seen)}


def _distinct(hashes: list[np.ndarray]) -> np.ndarray:
    """The distinct hashes of the arrays, the missing id's left out."""
    out = pd.unique(np.concatenate(hashes)) if hashes else np.empty(0, dtype=np.uint64)
    return out[out != NULL_HASH]


def spill_piece(folder: Path, name: str, path: Path, piece: dict[str, Any], n_buckets: int, batch_rows: int,
                rename: dict[str, str], date_format: Any, number_format: str | None = None,
                values: dict[str, dict[str, str]] | None = None, encoding: str | None = None,
                schema: pa.Schema | None = None, header: list[str] | None = None) -> dict[str, Any]:
    """:func:`_spill` of one piece of an input (:func:`_pieces`: its reads, one after the other, in batches of
    about ``batch_rows``), in a worker process; the rows of a CSV piece are numbered from 0 (``relative``).
    ``schema`` is the input's (:func:`~riskscore._intake_pieces.iter_piece`)."""
    reads = (iter_piece(path, read["file"], row_groups=read.get("row_groups"), byte_range=read.get("bytes"),
                        batch_rows=batch_rows, table=name, rename=rename, date_format=date_format,
                        number_format=number_format, encoding=encoding, values=values, schema=schema,
                        header=header)
             for read in piece["reads"])
    batches = coalesced(itertools.chain.from_iterable(reads), batch_rows)
    out = _spill(folder, name, path, batches, n_buckets, piece.get("first_row", 0), prefix=f"{piece['id']:06d}-")
    return out | {"relative": "first_row" not in piece}


#: A piece takes reads of an input until it holds this many bytes of CSV (byte ranges or whole files) or
#: rows of parquet (row groups): a folder of many small parts (Spark writes 200) is spilled in a few
#: pieces, not one per file; a row group or a CSV range of that size or more is a piece of its own.
GROUP_BYTES = 16 << 20
GROUP_ROWS = 250_000
#: About how much larger a compressed CSV is read than stored (a part's share of a piece).
_PACKED_RATIO = 6


def _pieces(path: Path, encoding: str | None = None, header: list[str] | None = None) -> list[dict[str, Any]] | None:
    """The input cut into pieces, in input order, each a list of ``reads``: row groups of its parquet files
    (the piece has the number of its first row), or byte ranges of its CSV files (:data:`PIECE_BYTES`
    each, cut at line ends: :func:`~riskscore._csv_ranges.csv_ranges`), a whole file where it cannot
    be cut (compressed, or in UTF-16 or UTF-32); consecutive small reads share a piece
    (:data:`GROUP_BYTES`, :data:`GROUP_ROWS`). ``None`` for one file that cannot be cut, read in one stream."""
    files = input_files(path)
    reads: list[tuple[dict[str, Any], int]] = []  # a read and its bytes (CSV) or rows (parquet)
    if is_delimited_text(files[0]):  # a folder's files are all of one kind
        cut = [(f, csv_ranges(f, csv_layout(f, None, encoding, header), PIECE_BYTES)) for f in files]
        if len(cut) == 1 and cut[0][1] is None:
            return None
        for f, ranges in cut:
            reads += [({"file": str(f), "bytes": [s, e]}, e - s) for s, e in ranges] if ranges else \
                [({"file": str(f)}, f.stat().st_size * (_PACKED_RATIO if compressed(f) else 1))]
    else:
        first = 0
        for f in files:
            if is_orc(f):  # an ORC file is one read (its stripes' row counts are not in Arrow's reader)
                rows = paorc.ORCFile(f).nrows
                reads.append(({"file": str(f), "first_row": first}, rows))
                first += rows
                continue
            meta = pq.ParquetFile(f).metadata
            for g in range(meta.num_row_groups):
                reads.append(({"file": str(f), "row_groups": [g], "first_row": first}, meta.row_group(g).num_rows))
                first += meta.row_group(g).num_rows
    limit = min(GROUP_BYTES, PIECE_BYTES // 4) if is_delimited_text(files[0]) else GROUP_ROWS
    pieces: list[dict[str, Any]] = []
    size = 0
    for read, n in reads:
        if not pieces or size >= limit:
            pieces.append({"reads": []} | ({"first_row": read.pop("first_row")} if "first_row" in read else {}))
            size = 0
        read.pop("first_row", None)
        pieces[-1]["reads"].append(read)
        size += n
    return pieces


def partition(inputs: dict[str, Path], folder: Path, n_buckets: int, *, batch_rows: int,
              progress: Callable[[str, int], None] | None = None,
              input_format: InputFormat | None = None, pool: Executor | None = None,
              ready: Callable[[], int] = lambda: 0) -> dict[str, Any]:
    """Spill every input table into ``n_buckets`` borrower chunks under ``folder``.

    Returns the index (also written as ``folder/index.json``): per table the spill files with
    their chunk -> record batch map and the row count, the ``paid_date`` day histogram, the
    installments' (loan, borrower) spill and their rows per currency code (``currencies``).

    With a ``pool`` of worker processes, inputs are cut into pieces (parquet row groups, CSV byte
    ranges at line ends) that this process and the pool's workers spill at once (the same spill,
    file by file, in input order): a worker gets the next piece from the start whenever one of the ``ready()`` workers
    (those done loading) is idle, this process takes them from the end. Any failure of a piece (an
    unreadable file, a CSV value that spans lines) runs the pass again here, in one stream, where
    the file is read, or the error raised, as it always is.
    """
    fmt = input_format or InputFormat()  # the extract's own column names and date formats, read as the contract's
    if pool is not None:
        try:
            return _finish(folder, n_buckets, _in_pieces(inputs, folder, n_buckets, batch_rows, fmt, pool, ready))
        except Exception as err:  # the one-stream pass below raises it as the user should see it
            log.debug("partition in pieces failed (%s); one stream", err)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    parts = {}
    for name, path in inputs.items():  # ids as canonical text
        batches = iter_batches(path, batch_rows, table=name, **fmt.reading(name))
        parts[name] = [_spill(folder, name, path, batches, n_buckets, 0, progress=progress)]
    return _finish(folder, n_buckets, parts)


def _in_pieces(inputs: dict[str, Path], folder: Path, n_buckets: int, batch_rows: int, fmt: InputFormat,
               pool: Executor, ready: Callable[[], int]) -> dict[str, list[dict[str, Any]]]:
    pieces = {name: _pieces(path, fmt.encoding, fmt.names(name)) for name, path in inputs.items()}
    if any(p is None for p in pieces.values()):
        raise ValueError("an input that cannot be cut (a compressed or UTF-16 CSV): one stream")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    tasks = [(name, path, piece | {"id": k}) for k, (name, path, piece) in
             enumerate((name, path, piece) for name, path in inputs.items() for piece in pieces[name] or [])]
    # each input's schema read once here: a folder's every file would be read for each of its pieces
    schemas = {name: input_schema(path, None, table=name, rename=fmt.rename(name), encoding=fmt.encoding,
                                  header=fmt.names(name)) for name, path in inputs.items()}
    args = [(folder, name, path, piece, n_buckets, batch_rows, fmt.rename(name), fmt.date_formats(name) or None,
             fmt.numbers, fmt.values(name) or None, fmt.encoding, schemas[name], fmt.names(name))
            for name, path, piece in tasks]
    results: list[dict[str, Any] | None] = [None] * len(tasks)
    running: dict[Future, int] = {}
    first, last = 0, len(tasks)  # the pieces not handed out yet: [first, last)
    try:
        while first < last:
            # a worker that is done loading and idle gets the next piece; this process takes the last one
            while first < last and sum(not f.done() for f in running) < ready():
                running[pool.submit(spill_piece, *args[first])] = first
                first += 1
            if first < last:
                last -= 1
                results[last] = spill_piece(*args[last])
        for f, i in running.items():
            results[i] = f.result()
    except BaseException:
        for f in running:
            f.cancel()
        wait(running)  # pieces still being spilled: done before the one-stream pass clears their folder
        raise
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in inputs}
    for (name, _, _), result in zip(tasks, results, strict=True):
        out[name].append(result)
    return out


def _finish(folder: Path, n_buckets: int, parts: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The index of the spilled pieces of every table (in input order), written as ``folder/index.json``."""
    index: dict[str, Any] = {"n_buckets": n_buckets, "tables": {}, "loans": []}
    histogram: Counter = Counter()
    currencies: Counter = Counter()
    contact_ids: list[np.ndarray] = []
    for name, pieces in parts.items():
        ids = [p.pop("ids") for p in pieces]
        if name == "contacts":
            contact_ids = ids
        files, first = [], 0
        for p in pieces:  # a CSV piece's rows are numbered from 0: its files get the rows before as offset
            files += [f | {"row_offset": first} for f in p["files"]] if p.get("relative") and first else p["files"]
            first += p["rows"]
        index["tables"][name] = {"rows": first, "files": files}
        for p in pieces:
            index["loans"] += p["loans"]
            histogram.update({int(k): v for k, v in p["paid_days"].items()})
            currencies.update(p["currencies"])
    index["paid_days"] = {str(k): int(v) for k, v in sorted(histogram.items())}
    index["currencies"] = dict(sorted(currencies.items()))
    tmp = folder / ".index.json.tmp"
    tmp.write_text(json.dumps(index))
    os.replace(tmp, folder / "index.json")
    if "contacts" in parts:  # for the run's check that the log is of these borrowers (:func:`scan_loans`)
        np.save(folder / CONTACT_IDS, _distinct(contact_ids))
    return index


def _groups(folder: Path, files: list[dict[str, Any]], bucket: int) -> list[pa.Table]:
    """The rows of one chunk in each spill file that has some (Arrow IPC record batches; a parquet row
    group in the spill files of earlier versions, so that their runs resume), :data:`ROW` numbered
    in the whole input."""
    out = []
    for f in files:
        g = f["groups"].get(str(bucket))
        if g is None:
            continue
        table = pq.ParquetFile(folder / f["file"]).read_row_group(g) if isinstance(g, int) \
            else read_arrow(folder / f["file"], g)
        if f.get("row_offset"):
            i = table.schema.get_field_index(ROW)
            table = table.set_column(i, ROW, pc.add(table.column(i), pa.scalar(f["row_offset"], pa.int64())))
        out.append(table)
    return out


def _spill_schema(path: Path) -> pa.Schema:
    return pq.read_schema(path) if path.suffix == ".parquet" else arrow_schema(path)


def scan_loans(folder: Path, index: dict[str, Any]) -> tuple[list[int], bool]:
    """Hashes of the loans that belong to more than one borrower anywhere in the input, and whether the
    contact log, if any, holds a contact of a borrower of the installments (``True`` without a log or
    without a contact id), asked on the same read: the (loan, borrower) spill holds every borrower of
    the installments, the partition pass the distinct ids of the log (``CONTACT_IDS``)."""
    bad: list[int] = []
    saved = folder / CONTACT_IDS
    contacts = np.load(saved, allow_pickle=False) if saved.exists() else None  # our own file, numbers only
    matched = contacts is None or not len(contacts) or not index["loans"]  # no (loan, borrower) spill: untold
    for b in range(index["n_buckets"]):
        parts = _groups(folder, index["loans"], b)
        if not parts:
            continue
        pairs = pa.concat_tables(parts).to_pandas().drop_duplicates()
        owners = pairs["loan"].value_counts()
        bad.extend(int(x) for x in owners.index[owners.to_numpy() > 1])
        if not matched:  # a hash table of this bucket's borrowers, not a sort of the log's ids
            matched = bool(pd.Index(pairs["borrower"].to_numpy(np.uint64)).isin(contacts).any())
    return sorted(bad), matched


def read_chunk(folder: Path, index: dict[str, Any], bucket: int) -> dict[str, pd.DataFrame]:
    """The raw rows of one chunk, per table (in input order), as pandas frames."""
    out = {}
    for name, info in index["tables"].items():
        parts = _groups(folder, info["files"], bucket)
        if parts:
            table = pa.concat_tables(parts, promote_options="permissive")
            out[name] = table.to_pandas(date_as_object=False)
        else:
            schema = _spill_schema(folder / info["files"][0]["file"]) if info["files"] else None
            out[name] = schema.empty_table().to_pandas(date_as_object=False) if schema is not None \
                else pd.DataFrame({"borrower_id": pd.Series(dtype=object), ROW: pd.Series(dtype=np.int64)})
    return out
