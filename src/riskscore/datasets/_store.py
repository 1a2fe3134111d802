"""Streaming a world to parquet in chunks, and reading it back."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskscore.datasets._params import WorldParams
from riskscore.datasets._world import BLOCK, World, iter_blocks, window
from riskscore.io import ARROW_SCHEMAS, atomic_parquet_writer, read_table, sha256_file

__all__ = ["read_world", "write_world"]

FORMAT = "riskscore-world"
FORMAT_VERSION = 1
TABLES = {
    "installments": "installments.parquet",
    "borrowers": "borrowers.parquet",
    "contacts": "contacts.parquet",
    "traits": "hidden/traits.parquet",
    "hardship": "hidden/hardship.parquet",
}
_EXTRA_SCHEMAS = {
    "borrowers": pa.schema(
        [("borrower_id", pa.string()), ("timezone", pa.string()), ("channels_allowed", pa.string()),
         ("preferred_channel", pa.string()), ("language", pa.string())]
        + [(f, pa.bool_()) for f in ("do_not_contact", "cease_requested", "dispute_open", "bankruptcy",
                                     "deceased", "vulnerable", "hardship_declared")]
        + [("country", pa.string())]),
    "hardship": pa.schema([("borrower_id", pa.string()), ("start_date", pa.date32()),
                           ("end_date", pa.date32())]),
}


def _schema(name: str, df: pd.DataFrame) -> pa.Schema:
    if name in ARROW_SCHEMAS:
        return ARROW_SCHEMAS[name]
    if name in _EXTRA_SCHEMAS:
        return _EXTRA_SCHEMAS[name]
    return pa.Schema.from_pandas(df, preserve_index=False)


def _next_chunk(blocks: Iterator[dict[str, pd.DataFrame]], n: int) -> dict[str, pd.DataFrame]:
    parts: dict[str, list[pd.DataFrame]] = {}
    for _ in range(n):
        for name, df in next(blocks).items():
            parts.setdefault(name, []).append(df)
    return {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}


def write_world(
    out: str | os.PathLike[str],
    n_borrowers: int,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2024-01-01",
    months: int = 24,
    params: WorldParams | None = None,
    chunk_borrowers: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Generate a world and stream it to parquet, ``chunk_borrowers`` at a time.

    Peak memory depends on ``chunk_borrowers``, not on ``n_borrowers``. The output is a
    deterministic function of ``(n_borrowers, seed, start, months, params,
    chunk_borrowers)``: the same call writes byte-identical files, and the tables' rows do not
    depend on ``chunk_borrowers`` at all (only the parquet row groups do).

    Files written in ``out``: ``installments.parquet``, ``borrowers.parquet``,
    ``contacts.parquet`` (the public tables), ``hidden/traits.parquet`` and
    ``hidden/hardship.parquet`` (the hidden state, for the ground truth) and ``world.json``
    (parameters, row counts and SHA-256 of every file). Each file appears atomically.

    Returns
    -------
    dict
        The content of ``world.json``.

    Examples
    --------
    >>> import tempfile
    >>> from riskscore.datasets import read_world, write_world
    >>> folder = tempfile.mkdtemp()
    >>> info = write_world(folder, 100, seed=3, chunk_borrowers=1024)
    >>> info["rows"]["borrowers"], len(read_world(folder).borrowers)
    (100, 100)
    """
    if chunk_borrowers < 1:
        raise ValueError(f"The 'chunk_borrowers' parameter must be >= 1, got {chunk_borrowers}.")
    params = params or WorldParams()
    first, last = window(start, months)
    n_days = (last - first).days + 1
    folder = Path(out)
    blocks_per_chunk = max(1, chunk_borrowers // BLOCK)
    n_blocks = -(-n_borrowers // BLOCK)
    blocks = iter_blocks(n_borrowers, seed, params, first, n_days)
    rows = dict.fromkeys(TABLES, 0)
    with ExitStack() as stack:
        writers: dict[str, pq.ParquetWriter] = {}
        for done in range(0, n_blocks, blocks_per_chunk):
            for name, df in _next_chunk(blocks, min(blocks_per_chunk, n_blocks - done)).items():
                schema = _schema(name, df)
                if name not in writers:
                    writers[name] = stack.enter_context(atomic_parquet_writer(folder / TABLES[name], schema))
                writers[name].write_table(pa.Table.from_pandas(df, schema=schema, preserve_index=False))
                rows[name] += len(df)
            if progress is not None:
                progress(min((done + blocks_per_chunk) * BLOCK, n_borrowers), n_borrowers)
    from importlib.metadata import version

    info: dict[str, object] = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "versions": {pkg: version(pkg) for pkg in ("riskscore", "numpy", "pandas", "pyarrow")},
        "n_borrowers": n_borrowers, "seed": seed, "start": str(first.date()), "end": str(last.date()),
        "months": months, "chunk_borrowers": chunk_borrowers, "params": params.as_dict(), "rows": rows,
        "sha256": {rel: sha256_file(folder / rel) for rel in TABLES.values()},
    }
    tmp = folder / ".world.json.tmp"
    tmp.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, folder / "world.json")
    return info


def read_world(path: str | os.PathLike[str], *, verify: bool = True) -> World:
    """Load a world written by :func:`write_world` (or ``riskscore generate``).

    Parameters
    ----------
    path : path-like
        The folder.
    verify : bool, default True
        Check every file against the SHA-256 recorded in ``world.json``.

    Raises
    ------
    ValueError
        When ``world.json`` is not a riskscore world, or a file's hash differs (it names
        the file).

    Examples
    --------
    >>> from riskscore.datasets import read_world
    >>> world = read_world("data/sample")  # doctest: +SKIP
    >>> world.truth("2025-06-30").head()  # doctest: +SKIP
    """
    folder = Path(path)
    info = json.loads((folder / "world.json").read_text())
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise ValueError(f"'{folder / 'world.json'}' does not describe a riskscore world.")
    if info.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"World format version {info.get('format_version')} is not supported "
                         f"(this riskscore reads version {FORMAT_VERSION}).")
    if verify:
        for rel, digest in info["sha256"].items():
            if sha256_file(folder / rel) != digest:
                raise ValueError(f"'{folder / rel}' does not match the SHA-256 in world.json: "
                                 "the file was changed after it was generated.")
    raw = info["params"]
    params = WorldParams(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
    frames = {name: read_table(folder / rel) for name, rel in TABLES.items()}
    for name, cols in (("installments", ("due_date", "paid_date")), ("hardship", ("start_date", "end_date"))):
        for c in cols:
            frames[name][c] = frames[name][c].astype("datetime64[ns]")
    frames["contacts"]["contacted_at"] = frames["contacts"]["contacted_at"].astype("datetime64[ns, UTC]")
    return World(**frames, params=params, seed=int(info["seed"]), n_borrowers=int(info["n_borrowers"]),
                 start=pd.Timestamp(info["start"]), end=pd.Timestamp(info["end"]))
