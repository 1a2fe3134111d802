"""The local engine's worker processes: load the bundle once, score chunks, die with the driver."""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from riskscore.batch._arrowfile import write_arrow
from riskscore.batch._chunk import ChunkSettings, score_chunk, stats_json
from riskscore.batch._partition import read_chunk
from riskscore.contract import OUTPUTS, to_arrow
from riskscore.exceptions import warning_line
from riskscore.io import write_text
from riskscore.scoring import Scorer

_WORKER: dict[str, Any] = {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists (another user's process: the pid was reused)
        return True
    return True


def _die_with(driver: int) -> None:
    """End this worker process when its driver ends, however the driver dies (even ``kill -9``).

    A worker's parent is the driver (``spawn``) or the driver's fork server. A fork server stays
    up while any process it forked lives, so a worker cannot wait for it to go: the worker watches
    the driver itself (a pidfd on Linux: woken the moment it ends; elsewhere a poll every 0.2 s),
    and on Linux also dies with its own parent.
    """
    own = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    try:
        handle = os.pidfd_open(driver)  # type: ignore[attr-defined]  # Linux 5.3+
    except (AttributeError, OSError):
        handle = None
    if not _alive(driver):  # it died before the lines above
        os._exit(1)

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])  # readable once the driver has ended
        else:
            while _alive(driver) and os.getppid() == own:  # (a dead driver not yet reaped still "lives")
                time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="riskscore-driver-watch", daemon=True).start()


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """``warnings.showwarning`` of a worker process: ``warning: <category>: <message>`` on stderr."""
    print(warning_line(message, category), file=sys.stderr if file is None else file, flush=True)


def _limit_threads(threads: int) -> None:
    """At most ``threads`` threads in this process's numeric libraries (numba's TreeSHAP, LightGBM's
    OpenMP): ``n`` workers on ``n`` cores that each start a thread per core only make them wait on each other."""
    import numba
    from threadpoolctl import threadpool_limits

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    threadpool_limits(threads)  # kept for the life of the process (not used as a context manager)


def _init_worker(bundle: str, options: dict[str, Any], quiet: bool = True, parent: int | None = None,
                 threads: int | None = None) -> None:
    if parent is not None:
        # a worker starts no processes. Saying so keeps numba's thread start-up (below) from taking a
        # process-shared lock it takes in forked processes: in a fork server's worker that is a named
        # semaphore, which a terminated worker leaves to the resource tracker (it warns of a leak)
        multiprocessing.set_start_method("spawn", force=True)
    if threads is not None:
        _limit_threads(threads)
    if parent is not None:  # a worker process, not the driver scoring in-process
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the driver stops us
        _die_with(parent)
        warnings.showwarning = _show_warning  # our own process: one line per warning, as the CLI prints them
    if quiet:  # worker processes: the driver logs progress and drift
        logging.getLogger("riskscore").setLevel(logging.WARNING)
    scorer = Scorer.from_bundle(bundle, **options)
    scorer.explainer.forest  # noqa: B018 - flatten the trees now, while the driver partitions
    _WORKER.update(scorer=scorer, index={})


def _chunk_task(state_dir: str, bucket: int, settings: ChunkSettings) -> dict[str, Any]:
    folder = Path(state_dir)
    started = time.process_time()
    index = _WORKER["index"].get(state_dir)
    if index is None:
        index = _WORKER["index"][state_dir] = json.loads((folder / "part" / "index.json").read_text())
    frames = read_chunk(folder / "part", index, bucket)
    read_s = time.process_time() - started
    result = score_chunk(frames, _WORKER["scorer"], settings)
    started = time.process_time()
    for name, schema in OUTPUTS.items():  # the driver appends them to the final parquet files
        write_arrow(folder / "chunks" / f"{name}-{bucket:05d}.arrow", schema, [to_arrow(result.tables[name], schema)])
    stats = result.stats
    stats["timings"].update(read=read_s, write=time.process_time() - started)
    write_text(folder / "chunks" / f"{bucket:05d}.json", stats_json(stats))
    return stats

