"""The chunks stage of the local engine and the final outputs, assembled while the chunks run.

Each chunk's outputs are Arrow IPC files written by its worker (``chunks/NAME-CHUNK.arrow``),
then its done-marker (``chunks/CHUNK.json``). The driver, idle while the workers score, appends
each chunk's outputs to the final parquet files as soon as it and every chunk before it are done,
so the outputs are in chunk order and the last chunk leaves little to do. The final files appear
(renamed from their temporaries) only when every chunk is in them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from riskscore.batch._arrowfile import read_arrow
from riskscore.batch._chunk import ChunkSettings
from riskscore.batch._progress import Progress
from riskscore.batch._worker import _chunk_task, _init_worker
from riskscore.contract import OUTPUTS
from riskscore.exceptions import RiskscoreError
from riskscore.io import atomic_parquet_writer, sha256_file

__all__ = ["Assembler", "chunk_output", "chunks_stage"]

log = logging.getLogger("riskscore.batch")


def chunk_output(chunks: Path, name: str, bucket: int) -> pa.Table:
    """One chunk's output ``name`` (Arrow IPC; parquet from an earlier version's run being resumed)."""
    path = chunks / f"{name}-{bucket:05d}.arrow"
    return read_arrow(path) if path.exists() else pq.read_table(chunks / f"{name}-{bucket:05d}.parquet")


class Assembler:
    """The final outputs, written in chunk order as the chunks are done (a context manager: on an
    error the temporaries are removed and no final file appears)."""

    def __init__(self, out: Path, chunks: Path, n: int):
        self.out, self.chunks, self.n = out, chunks, n
        self.next = 0
        self.rows = dict.fromkeys(OUTPUTS, 0)
        self._stack = contextlib.ExitStack()
        self._writers: dict[str, pq.ParquetWriter] = {}

    def __enter__(self) -> Assembler:
        with contextlib.ExitStack() as stack:
            for name, schema in OUTPUTS.items():
                self._writers[name] = stack.enter_context(atomic_parquet_writer(self.out / f"{name}.parquet", schema))
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.__exit__(*exc)

    def feed(self) -> None:
        """Append every chunk that is done and follows the last appended one."""
        while self.next < self.n and (self.chunks / f"{self.next:05d}.json").exists():
            for name, writer in self._writers.items():
                t = chunk_output(self.chunks, name, self.next)
                self.rows[name] += t.num_rows
                if t.num_rows:
                    writer.write_table(t)
            self.next += 1

    def finish(self) -> dict[str, Any]:
        """Close the files (they appear under their names) and describe them for the manifest."""
        self.feed()
        if self.next < self.n:  # pragma: no cover - every chunk has its done-marker by now
            raise RiskscoreError(f"chunk {self.next} has no output: run the same command again to finish it.")
        self._stack.close()
        return {name: {"file": f"{name}.parquet", "rows": self.rows[name],
                       "sha256": sha256_file(self.out / f"{name}.parquet")} for name in OUTPUTS}


def chunks_stage(state_dir: Path, bundle: Path, settings: list[ChunkSettings], pool: ProcessPoolExecutor | None,
                 progress: str, scorer_options: dict[str, Any], on_done: Callable[[], None] = lambda: None) -> int:
    """Score the chunks without a done-marker (``on_done`` after each); returns how many were scored now."""
    n = len(settings)
    (state_dir / "chunks").mkdir(exist_ok=True)
    todo = [b for b in range(n) if not (state_dir / "chunks" / f"{b:05d}.json").exists()]
    if len(todo) < n:
        log.info("resuming: %d of %d chunks already done", n - len(todo), n)
    on_done()
    bar = Progress(len(todo), mode=progress)
    if pool is None:
        if todo:
            _init_worker(str(bundle), scorer_options, quiet=False)
        for b in todo:
            bar.update(_chunk_task(str(state_dir), b, settings[b])["borrowers_in"])
            on_done()
    else:
        futures = [pool.submit(_chunk_task, str(state_dir), b, settings[b]) for b in todo]
        try:
            for f in as_completed(futures):
                bar.update(f.result()["borrowers_in"])
                on_done()
        except BrokenProcessPool as err:
            raise RiskscoreError(
                "a worker process ended abruptly while scoring (killed from outside, often by the system for "
                "lack of memory: lower chunk_borrowers or n_jobs, --chunk-borrowers or --jobs); the finished "
                "chunks are kept: run the same command again to resume.") from err
    return len(todo)
