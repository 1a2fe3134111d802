"""``score_portfolio``: the nightly job over a whole portfolio, chunked, parallel and resumable.

Stages (each recorded in ``OUT/.riskscore-run/state.json`` when done, so a re-run after a crash
starts where the last one stopped):

1. **count**: the number of borrowers, from the ``borrower_id`` column only (a bounded sketch),
   fixes the number of chunks: ``ceil(borrowers / chunk_borrowers)``;
2. **partition**: one streaming pass spills every input into the chunks (see ``_partition``;
   inputs in pieces, parquet row groups and CSV byte ranges, spilled by the workers and this
   process at once),
   and finds loans that belong to several borrowers across chunks;
3. **chunks**: worker processes score chunk after chunk (:func:`score_chunk`); each chunk's
   outputs are written atomically, then its done-marker; finished chunks are skipped on re-run;
   meanwhile this process appends each done chunk's outputs, in chunk order, to
   ``scores.parquet``, ``plans.parquet``, ``audit.parquet`` and ``rejects.parquet``
   (temporaries until every chunk is in them: see ``_assemble``);
4. **assemble**: the last chunks are appended and the outputs renamed into place, then
   ``manifest.json`` is written and the intermediate files are removed.

A run is identified by a key over its inputs (SHA-256 of every file), the bundle, the as-of
date and the settings. A folder that holds a run with another key is refused, never mixed, unless
that run left nothing worth keeping: no output file, and it failed (the state records the error)
or it finished no chunk; such a run is replaced. The job holds ``OUT/.riskscore.lock`` while it
runs (a second job into the same folder is refused with the holder's pid, host and start time).

Workers: forked by a fork server that imported the scoring code once (``forkserver``; spawned
where there is none), so that two workers do not each start Python and import it again while the
driver partitions (at 100k borrowers the job took 12.0-12.3 s with spawned workers, 8.9-10.0 s
so, alternating runs of ``benchmarks/nightly.py``). The fork server is started by the first run
of a process and serves its later runs; it ends with the process.

Faults: the workers ignore SIGINT (the driver stops them), die with the driver even on
``kill -9`` (a pidfd on the driver on Linux, a watchdog thread polling elsewhere; a fork server
would keep them alive), and are terminated at once when the driver stops on an error or an
interrupt. Never more workers than chunks to score; with one, the chunks run in this process.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from importlib.metadata import version
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from numbers import Integral
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskscore._compat import Interval, StrOptions, validate_params
from riskscore._files import check_paths
from riskscore._processes import start_fork_server, usable_cores
from riskscore._validation import contacts_match_none_refusal
from riskscore.batch._assemble import Assembler, chunks_stage
from riskscore.batch._chunk import (
    RUN_SETTINGS,
    ChunkSettings,
    as_utc,
    merge_stats,
    plain_options,
    run_manifest,
)
from riskscore.batch._inputs import fingerprint
from riskscore.batch._partition import (
    check_as_of,
    count_borrowers,
    infer_data_date,
    n_chunks,
    partition,
    scan_loans,
)
from riskscore.batch._worker import _init_worker
from riskscore.contract import OUTPUTS, RunManifest
from riskscore.exceptions import DataError, RiskscoreWarning, RunConflictError
from riskscore.io import (
    InputFormat,
    folder_lock,
    input_schema,
    iter_batches,
    make_folder,
    remove_stale_temporaries,
    sha256_file,
    write_text,
)
from riskscore.model import RepaymentModel
from riskscore.policy import check_profile_countries, parse_profiles, split_capacity
from riskscore.schemas import FUTURE_TOLERANCE_DAYS, single_currency
from riskscore.scoring import Scorer

__all__ = ["score_portfolio"]

log = logging.getLogger("riskscore.batch")
STATE_DIR = ".riskscore-run"
#: The files a finished run leaves in its folder (the report aside).
_FINAL = (*(f"{n}.parquet" for n in OUTPUTS), "manifest.json")


# -- driver side ---------------------------------------------------------------------------------
def _key(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def _final_outputs(out: Path) -> list[str]:
    return [name for name in _FINAL if (out / name).exists()]


def _done_chunks(state_dir: Path) -> int:
    folder = state_dir / "chunks"
    return sum(1 for _ in folder.glob("[0-9]*.json")) if folder.is_dir() else 0


def _open_state(out: Path, config: dict[str, Any]) -> dict[str, Any]:
    """The run's state: resumed when the key matches, new otherwise (see the module docstring for when
    a run of another key is replaced rather than refused)."""
    state_dir = out / STATE_DIR
    state_file = state_dir / "state.json"
    key = _key(config)
    if state_file.exists():
        state = json.loads(state_file.read_text())
        if state["key"] == key:
            if state.pop("failed", None) is not None:
                _save_state(out, state)
            return state
        old = state["config"]
        differs = sorted(k for k in set(old) | set(config) if json.dumps(old.get(k), sort_keys=True, default=str)
                         != json.dumps(config.get(k), sort_keys=True, default=str))
        done = _done_chunks(state_dir)
        if state.get("complete") or _final_outputs(out) or (done and not state.get("failed")):
            raise RunConflictError(
                f"'{out}' holds a run with other {', '.join(differs)} than this one"
                + ("" if state.get("complete") else f" ({done} chunk(s) done; its own command resumes it)")
                + f"; riskscore never mixes the outputs of two runs. Remove the folder ('rm -r {out}') or choose "
                "another --out to start clean.")
        why = f"it failed: {state['failed']['message']}" if state.get("failed") else "it finished no chunk"
        log.warning("replacing the unfinished run in %s (other %s; %s)", out, ", ".join(differs), why[:300])
        shutil.rmtree(state_dir)
    taken = _final_outputs(out)
    if taken:
        raise RunConflictError(f"'{out}' already holds {', '.join(taken)} of a run riskscore has no record of; "
                               f"remove them or choose another --out.")
    state_dir.mkdir(parents=True, exist_ok=True)
    state = {"key": key, "config": config, "stages": {}, "complete": False}
    write_text(state_file, json.dumps(state, indent=2, default=str))
    return state


def _record_failure(out: Path, state: dict[str, Any], err: Exception) -> None:
    """Note in the state that the run failed (a run of other inputs may then replace it)."""
    head = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    state["failed"] = {"error": type(err).__name__, "message": head[:500],
                       "at": str(pd.Timestamp.now(tz="UTC").floor("s"))}
    with contextlib.suppress(OSError):  # the failure may be a full disk: the error itself matters more
        _save_state(out, state)


def _save_state(out: Path, state: dict[str, Any]) -> None:
    write_text(out / STATE_DIR / "state.json", json.dumps(state, indent=2, default=str))


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files killed writers left behind (finished files are never touched).

    Called under the folder's lock: the outputs' and the state's temporaries are this job's
    alone, so any found now are stale; others (``report.html``, borrower pages, written by
    ``riskscore report`` too) only when their process is gone.
    """
    remove_stale_temporaries(out, owned=_FINAL)
    for tmp in (out / STATE_DIR).rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


@validate_params(
    {"chunk_borrowers": [Interval(Integral, 1, None, closed="left")],
     "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
     "batch_rows": [Interval(Integral, 1, None, closed="left")],
     "progress": [StrOptions({"auto", "bar", "log", "off"})],
     "agent_calls_per_day": [Interval(Integral, 0, None, closed="left"), None],
     "allow_stale_data": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def score_portfolio(
    installments: str | os.PathLike[str],
    bundle: str | os.PathLike[str],
    as_of: str | pd.Timestamp,
    out: str | os.PathLike[str],
    *,
    borrowers: str | os.PathLike[str] | None = None,
    contacts: str | os.PathLike[str] | None = None,
    profile: str | os.PathLike[str] | Mapping[str, str] = "us_reg_f_2021",
    chunk_borrowers: int = 50_000,
    now: str | pd.Timestamp | None = None,
    data_date: str | pd.Timestamp | None = None,
    agent_calls_per_day: int | None = None,
    policy_options: Mapping[str, Any] | None = None,
    n_jobs: int | None = None,
    batch_rows: int = 1_000_000,
    progress: str = "auto",
    allow_missing_contacts: bool = False,
    model_sha256: str | None = None,
    language: str = "en",
    columns: Mapping[str, Mapping[str, str]] | None = None,
    date_format: str | Mapping[str, str] | None = None,
    number_format: str | None = None,
    encoding: str | None = None,
    header: Mapping[str, Sequence[str]] | None = None,
    allow_stale_data: bool = False,
) -> RunManifest:
    """Score a whole portfolio from files: scores, contact plans, audit, rejects and a manifest.

    Parameters
    ----------
    installments : path
        Parquet file, folder of parquet files, or CSV; rows in any order.
    bundle : path
        A model bundle folder (:func:`riskscore.model.save_bundle`); it is verified, never unpickled.
    as_of : date-like
        The as-of date of the features.
    out : path
        Output folder: ``scores.parquet`` (every valid input borrower: ``status`` ``scored``, or
        ``nothing_due`` when nothing is outstanding at ``as_of``), ``plans.parquet``,
        ``audit.parquet`` (every rule for every plan), ``rejects.parquet`` (every rejected input
        row: table, row, borrower, column, check, reason, values) and ``manifest.json``.
    borrowers, contacts : path, optional
        The borrowers table (needed for plans) and the contact log.
    profile : str, path or mapping, default "us_reg_f_2021"
        See :func:`parse_profiles` (per-country profiles use the borrowers' ``country`` column).
    chunk_borrowers : int, default 50_000
        Borrowers per chunk: peak memory grows with it and with ``n_jobs``, not with the portfolio.
    now : timestamp, optional
        When plans start (UTC; default: the wall clock at the run's first start, kept on resume).
    data_date : date-like, optional
        Payments after it are rejected (default: inferred from all ``paid_date`` as
        :func:`riskscore.quarantine` does).
    agent_calls_per_day : int, optional
        The portfolio's agent-call capacity, split across chunks and profiles in proportion to
        their borrowers (chunks are random by hash, so each gets a fair share of the best calls).
    policy_options : mapping, optional
        Other :class:`~riskscore.policy.ContactPolicy` arguments (``plan_days``, ``holidays``, ...).
    n_jobs : int, optional
        Worker processes (default: the cores this process may use: its CPU affinity, capped by its
        container's CPU quota); never more than the chunks left to score, and with one the chunks
        run in this process.
    batch_rows : int, default 1_000_000
        Rows read at a time in the partition pass.
    progress : {"auto", "bar", "log", "off"}, default "auto"
    allow_missing_contacts : bool, default False
        Score a bundle trained with contact-log features without ``contacts`` (those features
        are then missing); without it such a run is refused before any work.
    model_sha256 : str, optional
        Pin the bundle (:func:`riskscore.model.bundle_digest`): any other bundle is refused.
    language : str, default "en"
        Reason language of borrowers without a supported ``language``.
    columns : mapping, optional
        The extract's own column names, per table: ``{"installments": {"cust_no": "borrower_id"}}``
        (see :class:`riskscore.io.InputFormat`).
    date_format : str or mapping, optional
        The strftime format of text dates (``"%d/%m/%Y"``, or per table or column:
        ``{"installments.due_date": "%d/%m/%Y"}``). Without one, text dates must be ISO 8601 and
        a day/month column is refused, never guessed.
    number_format : str, optional
        How a CSV extract writes its numbers, as a template of 1234.56: ``"1.234,56"`` (dot
        groups, decimal comma), ``"1234,56"``, ``"1 234,56"``, ``"1,234.56"``, ``"1'234.56"``
        (see :class:`riskscore.io.InputFormat`). Without one, text numbers must be plain and
        ``12,50`` is a reject.
    encoding : str, optional
        The text encoding of CSV inputs (``"gb18030"``, ``"cp1252"``; default UTF-8, or UTF-16
        with its byte-order mark).
    header : mapping, optional
        Per table, the column names of CSV files written without a header line, in order:
        ``{"installments": ["cust_no", "loan", ...]}`` (see :class:`riskscore.io.InputFormat`).
        ``columns``, ``date_format``, ``number_format``, ``encoding`` and ``header`` are recorded
        in the manifest's ``inputs`` (the report re-reads the inputs with them) and are part of
        the run key.
    allow_stale_data : bool, default False
        Score an ``as_of`` more than one likelihood horizon (the bundle's ``likelihood_days``)
        after the data date. By default such a run is refused before any chunk is scored: its
        features would describe a portfolio frozen that long ago (a forgotten extract, a typo
        in the year) and nothing would say so.

    Returns
    -------
    RunManifest
        The manifest (also written to ``out/manifest.json``).

    Raises
    ------
    riskscore.exceptions.RunConflictError
        When ``out`` holds a run of other inputs, another bundle or other settings (unless that
        run wrote no output and failed or finished no chunk: it is then replaced).
    riskscore.exceptions.RunLockedError
        When another job is writing ``out`` (the message names its pid, host and start time).
    OSError
        When ``out`` is a file or cannot be written (the message names the file).

    Examples
    --------
    >>> from riskscore.batch import score_portfolio
    >>> manifest = score_portfolio("data/sample/installments.parquet", "models/sample", "2025-10-02",
    ...                            "runs/nightly", borrowers="data/sample/borrowers.parquet")  # doctest: +SKIP
    >>> manifest.borrowers["scored"]  # doctest: +SKIP
    """
    check_paths("score_portfolio", "riskscore.Scorer.from_bundle(bundle).score", installments=installments,
                bundle=bundle, out=out, borrowers=borrowers, contacts=contacts)
    wall = time.perf_counter()
    out = Path(out)
    policy_options = plain_options(policy_options)  # an Exploration as its mapping, for the key and manifest
    as_of_ts = pd.Timestamp(as_of)
    if as_of_ts != as_of_ts.normalize() or as_of_ts.tzinfo is not None:
        raise ValueError(f"as_of must be a calendar date without time or time zone, got {as_of!r}.")
    inputs = {"installments": Path(installments)}
    inputs |= {k: Path(v) for k, v in (("borrowers", borrowers), ("contacts", contacts)) if v is not None}
    bundle = Path(bundle)
    scorer_options = {"allow_missing_contacts": allow_missing_contacts, "language": language,
                      "sha256": model_sha256}
    scorer = Scorer.from_bundle(bundle, **scorer_options)  # verifies every file before any work
    model = scorer.model
    profiles = parse_profiles(profile)
    input_format = InputFormat(columns=columns, date_format=date_format,  # checked before any work
                               number_format=number_format, encoding=encoding, header=header)
    prints = {name: fingerprint(p) | input_format.recorded(name) for name, p in inputs.items()}
    scorer.check_contacts(given=contacts is not None)  # refused now, not in every worker
    borrower_columns = None if borrowers is None else input_schema(
        inputs["borrowers"], table="borrowers", rename=input_format.rename("borrowers"),
        encoding=input_format.encoding, header=input_format.names("borrowers")).names
    scorer.check_borrowers(borrower_columns)  # static feature columns: refused now too
    check_profile_countries(profiles, borrower_columns)
    config = {
        "inputs": {k: v["sha256"] for k, v in prints.items()},
        "model": model.bundle_digest_, "as_of": str(as_of_ts.date()),
        "now": None if now is None else str(as_utc(now)), "data_date": None if data_date is None else str(data_date),
        "profiles": {k: (v, sha256_file(v) if Path(v).exists() else None) for k, v in profiles.items()},
        "chunk_borrowers": chunk_borrowers, "agent_calls_per_day": agent_calls_per_day,
        "policy_options": dict(policy_options or {}), "riskscore": version("riskscore"),
        "allow_missing_contacts": allow_missing_contacts, "language": language,
    }
    if not input_format.is_default:  # a run read as is keeps the key it had before input formats existed
        config["input_format"] = input_format.to_dict()
    make_folder(out)
    with folder_lock(out, "riskscore score"):
        state = _open_state(out, config)
        _remove_stale_temporaries(out)
        if state["complete"] and (out / "manifest.json").exists():
            log.info("the run in %s is already complete; nothing to do", out)
            shutil.rmtree(out / STATE_DIR / "part", ignore_errors=True)
            shutil.rmtree(out / STATE_DIR / "chunks", ignore_errors=True)
            return RunManifest.read(out / "manifest.json")
        try:
            jobs = n_jobs or usable_cores()
            return _stages(out, state, inputs, bundle, model, prints, as_of_ts, profiles, jobs, wall, scorer_options,
                           chunk_borrowers=chunk_borrowers, now=now, data_date=data_date, batch_rows=batch_rows,
                           agent_calls_per_day=agent_calls_per_day,
                           policy_options=policy_options, progress=progress, allow_stale_data=allow_stale_data)
        except OSError as err:
            named = _naming(err, out)
            _record_failure(out, state, named)
            if named is err:
                raise
            raise named from err
        except Exception as err:
            _record_failure(out, state, err)
            raise


#: The errors of a write that fails for want of room or rights.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EPERM})


def _naming(err: OSError, out: Path) -> OSError:
    """A write error that names no file (a spill file of the partition pass) as one naming the run folder."""
    if err.filename is not None or err.errno not in _WRITE_ERRNOS or str(out) in str(err):
        return err
    return OSError(err.errno, f"cannot write under '{out}': {err.strerror or err}", str(out))


@contextlib.contextmanager
def _workers(jobs: int, bundle: Path, options: dict[str, Any]
             ) -> Iterator[tuple[ProcessPoolExecutor | None, Callable[[], int]]]:
    """Worker processes (none for one job: the chunks then run in this process), and how many of
    them are ready (done loading: they take pieces of the partition pass from then on).

    They start at once (import, load and verify the bundle) while this process partitions: from a
    thread, since starting a process waits until the fork server is up (its imports: about 1.5 s
    the first time). On leaving the block normally they finish and exit; on an error or an
    interrupt they are terminated at once (a chunk cut short has no done-marker: a re-run scores
    it again).
    """
    if jobs > 1 and not _main_rereadable():
        warnings.warn("the worker processes cannot start from a script read from standard input (Python's "
                      "multiprocessing reads the main script again in each): the chunks run in this process; "
                      "save the script to a file to use several cores", RiskscoreWarning, stacklevel=4)
        jobs = 1
    if jobs <= 1:
        yield None, lambda: 0
        return
    # the cores shared out: each worker's numba and LightGBM threads, so that the workers do not oversubscribe
    context = _context()
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                               initargs=(str(bundle), options, True, os.getpid(), max(1, usable_cores() // jobs)))
    warm: list[Future] = []  # a worker runs one once it has loaded

    def start() -> None:
        with contextlib.suppress(Exception):  # a pool that cannot start fails the chunks' submit: said there
            if context.get_start_method() == "forkserver":
                start_fork_server(FORK_SERVER_PRELOAD)  # deaf to a Ctrl-C (the workers' too): we stop them
            for _ in range(jobs):
                warm.append(pool.submit(_warm))

    starter = threading.Thread(target=start, name="riskscore-start-workers", daemon=True)
    starter.start()
    try:
        yield pool, lambda: sum(f.done() for f in list(warm))
    except BaseException:
        starter.join(30)
        _terminate(pool)
        raise
    starter.join()
    pool.shutdown()


def _main_rereadable() -> bool:
    """Whether a new worker process can prepare itself: it imports the main module again by name,
    or runs the main script again from its path, which must then exist (not ``python - <<EOF``)."""
    main = sys.modules.get("__main__")
    if main is None or getattr(getattr(main, "__spec__", None), "name", None) is not None:
        return True
    path = getattr(main, "__file__", None)
    return path is None or os.path.exists(path)


#: What the workers' fork server imports before it forks them (the CLI starts it early with the same list).
FORK_SERVER_PRELOAD = ["riskscore.batch._worker"]


def _context() -> BaseContext:
    """How workers start: forked from a fork server that imported the scoring code once (a clean
    single-threaded process, unlike this one), where the platform has one; else spawned."""
    try:
        ctx = get_context("forkserver")
    except ValueError:  # Windows
        return get_context("spawn")
    ctx.set_forkserver_preload(FORK_SERVER_PRELOAD)
    return ctx


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now: SIGTERM, then SIGKILL for any still alive after 5 s; then the pool.

    The pool is shut down once, waiting, after its processes are gone, so its manager thread is
    joined here. A shutdown without waiting forgot it, and the interpreter's exit then woke it
    through a pipe it could be closing that instant ("OSError: [Errno 9] Bad file descriptor"
    under the job's last line, seen once in CI after a Ctrl-C).
    """
    # the pool's processes (a standard-library attribute; Python 3.14 adds terminate_workers())
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        with contextlib.suppress(OSError, ValueError):
            p.terminate()
    deadline = time.monotonic() + 5
    for p in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(1)
    # the pool's queues and their semaphores are released (a fork server's resource tracker warns of leaks otherwise)
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        pool.shutdown(wait=True, cancel_futures=True)


def _warm() -> None:
    """A no-op task: submitting one per worker starts them all at once."""


def _stages(out: Path, state: dict[str, Any], inputs: dict[str, Path], bundle: Path, model: RepaymentModel,
            prints: dict[str, Any], as_of_ts: pd.Timestamp, profiles: dict[str, str], jobs: int, wall: float,
            scorer_options: dict[str, Any],
            *, chunk_borrowers: int, now: object, data_date: object, batch_rows: int,
            agent_calls_per_day: int | None, policy_options: Mapping[str, Any] | None, progress: str,
            allow_stale_data: bool = False) -> RunManifest:
    state_dir = out / STATE_DIR
    stages = state["stages"]
    timings: dict[str, float] = {}
    if "count" not in stages:
        t = time.perf_counter()
        stages["count"] = _count_stage(inputs["installments"], batch_rows, chunk_borrowers, now,
                                       state["config"].get("input_format"))
        timings["count"] = time.perf_counter() - t
        _save_state(out, state)
    n = stages["count"]["n_chunks"]
    # never more workers than chunks to score (a worker costs a process and a copy of the model)
    with _workers(min(jobs, n - _done_chunks(state_dir)), bundle, scorer_options) as (pool, ready):
        if "partition" not in stages:
            t = time.perf_counter()
            stages["partition"] = _partition_stage(inputs, state_dir / "part", stages["count"], batch_rows, data_date,
                                                   model, pool, ready)
            timings["partition"] = time.perf_counter() - t
            _save_state(out, state)
        part = stages["partition"]
        if not allow_stale_data:
            check_as_of(as_of_ts, pd.Timestamp(part["data_date"]), int(model.likelihood_days_), data_date is None)
        caps = split_capacity(agent_calls_per_day, [1.0] * n)
        settings = [ChunkSettings(as_of=as_of_ts, now=pd.Timestamp(stages["count"]["now"]),
                                  data_date=pd.Timestamp(part["data_date"]), profiles=profiles,
                                  policy_options=dict(policy_options or {}),
                                  bad_loans=frozenset(int(x) for x in part["bad_loans"]), agent_calls_per_day=cap)
                    for cap in caps]
        with Assembler(out, state_dir / "chunks", n) as assembler:  # the outputs grow while the chunks run
            t = time.perf_counter()
            todo = chunks_stage(state_dir, bundle, settings, pool, progress, scorer_options, on_done=assembler.feed)
            timings["chunks"] = time.perf_counter() - t
            t = time.perf_counter()
            files = assembler.finish()
            timings["assemble"] = time.perf_counter() - t
    stats = merge_stats([json.loads((state_dir / "chunks" / f"{b:05d}.json").read_text()) for b in range(n)])
    manifest = _manifest(state, prints, bundle, model, stats, files, timings, wall, todo, n)
    write_text(out / "manifest.json", manifest.to_json())
    state["complete"] = True
    _save_state(out, state)
    shutil.rmtree(state_dir / "part", ignore_errors=True)
    shutil.rmtree(state_dir / "chunks", ignore_errors=True)
    return manifest


def _count_stage(installments: Path, batch_rows: int, chunk_borrowers: int, now: object,
                 input_format: dict[str, Any] | None = None) -> dict[str, Any]:
    fmt = InputFormat(**(input_format or {}))
    est, rows = count_borrowers(installments, batch_rows, rename=fmt.rename("installments"), encoding=fmt.encoding,
                                header=fmt.names("installments"))
    clock = pd.Timestamp.now(tz="UTC").floor("s")
    return {"borrowers_estimate": est, "rows": rows, "n_chunks": n_chunks(est, chunk_borrowers),
            "now": str(as_utc(now) if now is not None else clock), "today": str(clock.date()),
            "input_format": fmt.to_dict()}


def _partition_stage(inputs: dict[str, Path], folder: Path, count: dict[str, Any], batch_rows: int,
                     data_date: object, model: RepaymentModel, pool: ProcessPoolExecutor | None,
                     ready: Callable[[], int]) -> dict[str, Any]:
    n = count["n_chunks"]
    log.info("partitioning %d installment rows into %d chunks", count["rows"], n)
    index = partition(inputs, folder, n, batch_rows=batch_rows,
                      input_format=InputFormat(**count.get("input_format", {})), pool=pool, ready=ready)
    pa.default_memory_pool().release_unused()  # give the pass's buffers back before the chunks run
    # one currency per run, the bundle's: refused here, before any chunk (each would see only its own rows)
    where = str(inputs["installments"])
    currency = single_currency(index["currencies"], where=where)
    Scorer(model).check_currency(currency, where=where)
    hist = Counter({int(k): v for k, v in index["paid_days"].items()})
    inferred = infer_data_date(hist, FUTURE_TOLERANCE_DAYS, pd.Timestamp(count["today"]))
    bad_loans, contacts_match = scan_loans(folder, index)  # and is the contact log of these borrowers at all?
    if not contacts_match:  # before any chunk plans against a history that is not theirs
        fmt = InputFormat(**count.get("input_format", {}))
        ours, theirs = (_smallest_id(inputs[t], t, fmt, batch_rows) for t in ("installments", "contacts"))
        raise DataError.from_message("contacts", contacts_match_none_refusal(
            index["tables"]["contacts"]["rows"], ours, theirs))
    return {"data_date": str(pd.Timestamp(data_date).date() if data_date is not None else inferred.date()),
            "bad_loans": [str(x) for x in bad_loans],
            "rows": {k: v["rows"] for k, v in index["tables"].items()}, "currency": currency}


def _smallest_id(path: Path, table: str, fmt: InputFormat, batch_rows: int) -> str | None:
    """The smallest borrower id of an input (read again: only a run that stops names one)."""
    smallest = [pc.min(t.column("borrower_id")).as_py() for t in
                iter_batches(path, batch_rows, columns=["borrower_id"], table=table, **fmt.reading(table))]
    return min((s for s in smallest if s is not None), default=None)


def _manifest(state: dict[str, Any], prints: dict[str, Any], bundle: Path, model: RepaymentModel,
              stats: dict[str, Any], files: dict[str, Any], timings: dict[str, float], wall: float,
              ran: int, n: int) -> RunManifest:
    config = state["config"]
    part = state["stages"]["partition"]
    return run_manifest(
        engine="local", run_id=state["key"][:16], as_of=config["as_of"], now=state["stages"]["count"]["now"],
        data_date=part["data_date"], inputs=prints, bundle=bundle, model=model,
        profiles={k: v[0] for k, v in config["profiles"].items()},
        settings={k: config[k] for k in RUN_SETTINGS},
        stats=stats, rows_in=part["rows"], chunks={"total": n, "run_now": ran, "resumed": n - ran}, outputs=files,
        timings={"wall": round(time.perf_counter() - wall, 3), **{k: round(v, 3) for k, v in timings.items()}},
        planned="borrowers" in prints, currency=part.get("currency"))
