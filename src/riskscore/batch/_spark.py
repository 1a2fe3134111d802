"""Apache Spark engine: the same per-chunk function as ``score_portfolio``, on a cluster.

:func:`score` takes Spark DataFrames of the input tables and returns Spark DataFrames of the
outputs (scores, plans, audit, rejects), with exactly the rows and columns the local job
writes. Like the local job (count, then partition), it makes two passes over the inputs:

1. **survey** (one Spark action, four aggregations side by side): the rows of every input
   partition, the ``paid_date`` day histogram (the data date) and the loans held by several
   borrowers are counted in the JVM; the distinct borrower ids go to Python for the sketch the
   local job uses, so the chunks (``hash(borrower_id) mod n``) hold the same borrowers;
2. **chunks**: every row gets ``_row``, its position in its input as Spark enumerates it (the
   numbering of ``RDD.zipWithIndex``, computed in the JVM from the partition counts) and the
   text ``borrower_id``; a ``mapInArrow`` pass cuts each input partition into one Arrow IPC
   blob per chunk; the blobs are shuffled so that each chunk has a partition of its own (keys
   whose Spark hash lands on the chunk's number), where ``mapInArrow`` decodes them and runs
   :func:`riskscore.batch.score_chunk`, returning its four output tables as Arrow IPC bytes
   (cached); ``mapInArrow`` decodes each output into rows of its contract schema.

Rows cross between the JVM and Python as Arrow batches only, each row once, and the shuffle
moves a few large blobs rather than rows. The inputs are read twice: give DataFrames that read
the same rows in the same order each time (file reads do; cache anything else).

:func:`score_files` (``riskscore score --engine spark``) reads files with Spark and writes the
run folder; in local mode the chunk tasks write their parts of the outputs themselves.

The model bundle travels to the executors as files (``SparkContext.addFile``; on Spark Connect a
zip archive artifact, :mod:`riskscore.batch._spark_session`), is verified there by
:func:`riskscore.model.load_bundle` against the digest the driver loaded, and is loaded once per
Python worker; nothing is unpickled from disk. Requires ``pip install 'riskscore[spark]'`` (and
``[connect]`` for Spark Connect) and Java 17.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from riskscore._files import check_paths
from riskscore._validation import contacts_match_none_refusal
from riskscore.batch._chunk import (
    RUN_SETTINGS,
    ChunkSettings,
    as_utc,
    merge_stats,
    plain_options,
    run_manifest,
    score_chunk,
    stats_json,
)
from riskscore.batch._inputs import borrower_hash, bucket_of
from riskscore.batch._partition import ROW, check_as_of, infer_data_date, n_chunks
from riskscore.batch._spark_inputs import ids_as_text, read_input, restore_conf, session_of
from riskscore.batch._spark_keys import partition_keys
from riskscore.batch._spark_session import job_count, local_master, parallelism, ship_bundle, ship_file
from riskscore.batch._spark_survey import arrow_schema
from riskscore.batch._spark_survey import survey as survey_inputs
from riskscore.contract import OUTPUTS, RunManifest, to_arrow
from riskscore.exceptions import DataError, RunConflictError
from riskscore.io import InputFormat, atomic_parquet_writer, fingerprint, write_text
from riskscore.policy import check_profile_countries, parse_profiles, split_capacity
from riskscore.schemas import FUTURE_TOLERANCE_DAYS, single_currency
from riskscore.scoring import Scorer

__all__ = ["score", "score_files"]

log = logging.getLogger("riskscore.batch")
_TABLES = ("installments", "borrowers", "contacts")
_MODELS: dict[str, Any] = {}
#: Rows of one input partition gathered before it is cut into per-chunk blobs (bounds a Python worker's memory).
_BLOB_ROWS = 250_000


class _Clock:
    """Wall seconds and Spark jobs per stage of a run (Spark is lazy: a stage is what its actions ran)."""

    def __init__(self, spark: Any):
        self._count = job_count(spark)  # None on Spark Connect (no status tracker): jobs not counted
        self._t, self._jobs = time.perf_counter(), self._count()
        self.seconds: dict[str, float] = {}
        self.jobs: dict[str, int | None] = {}

    def lap(self, stage: str | None) -> None:
        """Charge the time and jobs since the last lap to ``stage`` (``None``: to nothing)."""
        t, jobs = time.perf_counter(), self._count()
        if stage is not None:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + t - self._t, 3)
            self.jobs[stage] = None if jobs is None else (self.jobs.get(stage) or 0) + jobs - self._jobs
        self._t, self._jobs = t, jobs


def _idle(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function that passes its rows on; unpickling it imports this module (and riskscore)."""
    yield from batches


def _warm_workers(spark: Any) -> None:
    """Start the Python workers (and their riskscore import) while the JVM plans and runs the survey.

    A job of one task per core that does nothing in Python: the workers it starts are reused by
    every later stage, so their start-up no longer sits between two of the survey's stages. Any
    failure here is left to the real stages to report, including a session stopped while this
    thread still runs (a run refused before its first stage, whose caller then stops Spark).
    """
    try:
        k = parallelism(spark)
        spark.range(0, k, 1, k).mapInArrow(_idle, "id long").collect()
    except Exception:  # the real stages raise the same error, with their context
        log.debug("warming the Python workers failed", exc_info=True)


def _with_row(df: Any, counts: Mapping[int, int]) -> Any:
    """``_row`` = position of each row as Spark enumerates the DataFrame; ``borrower_id`` as text.

    The numbering of ``RDD.zipWithIndex`` (partition by partition, in order), computed in the
    JVM: a row's ``_row`` is its partition's offset (``counts``: rows per partition, from the
    survey) plus its place in the partition (``monotonically_increasing_id`` minus the
    partition's first id). No row goes through Python.
    """
    from pyspark.sql import functions as F

    df = df.withColumn("borrower_id", F.col("borrower_id").cast("string"))
    ids = F.monotonically_increasing_id()
    if not counts or max(counts) == 0:  # one partition (or none): the ids are the positions
        return df.withColumn(ROW, ids)
    offsets = np.concatenate([[0], np.cumsum([counts.get(p, 0) for p in range(max(counts))])])
    pid = F.spark_partition_id()
    first_id = pid.cast("long") * F.lit(1 << 33)  # monotonically_increasing_id: the partition in the upper 31 bits
    table = F.array(*(F.lit(int(o)).cast("long") for o in offsets))
    return df.withColumn(ROW, F.element_at(table, pid + 1) + ids - first_id)


def _utc(table: pa.Table) -> pa.Table:
    """Spark hands timestamps over in the session time zone: the same instants in UTC, as files hold them."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None and f.type.tz != "UTC":
            table = table.set_column(i, f.name, table.column(i).cast(pa.timestamp(f.type.unit, "UTC")))
    return table


def _packer(name: str, n: int) -> Any:
    """``mapInArrow`` function: the rows of one input partition as one Arrow IPC blob per chunk."""

    def cut(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
        table = _utc(pa.Table.from_batches(batches))
        buckets = bucket_of(borrower_hash(table.column("borrower_id")), n)
        order = np.argsort(buckets, kind="stable")
        table, buckets = table.take(pa.array(order)), buckets[order]
        present, starts = np.unique(buckets, return_index=True)
        ends = np.append(starts[1:], len(buckets))
        blobs = [_ipc(table.slice(int(s), int(e - s))) for s, e in zip(starts, ends, strict=True)]
        return pa.RecordBatch.from_arrays([pa.array(present, pa.int64()), pa.array([name] * len(blobs), pa.string()),
                                           pa.array(blobs, pa.binary())], names=["bucket", "table", "data"])

    def pack(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        pending, rows = [], 0
        for b in batches:
            if b.num_rows:
                pending.append(b)
                rows += b.num_rows
            if rows >= _BLOB_ROWS:
                yield cut(pending)
                pending, rows = [], 0
        if pending:
            yield cut(pending)

    return pack


def _load(bundle_name: str, options: Mapping[str, Any]) -> Scorer:
    """The run's scorer, loaded once per Python worker from the bundle shipped with the job."""
    key = (bundle_name, tuple(sorted(options.items())))
    if key not in _MODELS:
        from pyspark import SparkFiles

        _MODELS[key] = Scorer.from_bundle(SparkFiles.get(bundle_name), **options)
    return _MODELS[key]


def _chunk_stage(inputs: Mapping[str, Any], counts: Mapping[str, Mapping[int, int]], settings: list[ChunkSettings],
                 bundle_name: str, scorer_options: Mapping[str, Any], sink: str | None) -> Any:
    """The chunks' encoded outputs: a DataFrame of (bucket, kind, data), one row per output and chunk.

    With a ``sink`` folder (one the executors share with the driver), each chunk writes its
    outputs there as ``NAME.parquet/part-BUCKET.parquet`` and returns only its statistics.
    """
    from pyspark.sql import functions as F

    n = len(settings)
    numbered = {t: _with_row(df, counts[t]) for t, df in inputs.items()}
    empty = {t: _utc(arrow_schema(df.schema).empty_table()) for t, df in numbered.items()}
    packed = [df.mapInArrow(_packer(t, n), "bucket long, table string, data binary") for t, df in numbered.items()]
    pieces = packed[0]
    for p in packed[1:]:
        pieces = pieces.unionByName(p)

    def run_chunk(bucket: int, blobs: list[tuple[str, pa.Buffer]]) -> pa.RecordBatch:
        from pyspark import SparkFiles

        started = time.process_time()
        frames = {}
        for t, schema in empty.items():
            parts = [pa.ipc.open_stream(blob).read_all() for name, blob in blobs if name == t]
            frames[t] = (pa.concat_tables(parts) if parts else schema).to_pandas(date_as_object=False)
        read = time.process_time() - started
        chunk_settings = settings[bucket]
        resolved = {k: (SparkFiles.get(v) if v.endswith((".yaml", ".yml")) else v)
                    for k, v in chunk_settings.profiles.items()}
        chunk_settings = ChunkSettings(**{**chunk_settings.__dict__, "profiles": resolved})
        started = time.process_time()
        scorer = _load(bundle_name, scorer_options)
        load = time.process_time() - started
        result = score_chunk(frames, scorer, chunk_settings)
        started = time.process_time()
        tables = {name: to_arrow(result.tables[name], schema) for name, schema in OUTPUTS.items()}
        if sink is None:
            data = {name: _ipc(table) for name, table in tables.items()}
        else:
            data = {}
            for name, table in tables.items():
                with atomic_parquet_writer(Path(sink) / f"{name}.parquet" / _part(bucket), table.schema) as writer:
                    writer.write_table(table)
        result.stats["timings"].update(read=read, load=load, write=time.process_time() - started)
        data["stats"] = stats_json(result.stats).encode()
        return pa.RecordBatch.from_arrays(
            [pa.array([bucket] * len(data), pa.int64()), pa.array(list(data), pa.string()),
             pa.array(list(data.values()), pa.binary())], names=["bucket", "kind", "data"])

    def run_chunks(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """A task's blobs (one chunk's, as the partition keys place them) gathered by chunk, then scored."""
        gathered: dict[int, list[tuple[str, pa.Buffer]]] = {}
        for b in batches:
            for bucket, name, blob in zip(b.column("bucket").to_pylist(), b.column("table").to_pylist(),
                                          b.column("data"), strict=True):
                gathered.setdefault(bucket, []).append((name, blob.as_buffer()))
        for bucket in sorted(gathered):
            yield run_chunk(bucket, gathered.pop(bucket))

    # one shuffle partition per chunk: no sort, no grouping, each task scores the chunk it received
    keys = F.array(*(F.lit(k).cast("long") for k in partition_keys(n)))
    keyed = pieces.withColumn("_key", F.element_at(keys, F.col("bucket").cast("int") + 1))
    encoded = keyed.repartition(n, "_key").mapInArrow(run_chunks, "bucket long, kind string, data binary")
    return encoded if sink is not None else encoded.cache()  # the outputs are read from the cache, one by one


def _part(bucket: int) -> str:
    return f"part-{bucket:05d}.parquet"


def score(installments: Any, bundle: str | os.PathLike[str], as_of: str | pd.Timestamp, *, borrowers: Any = None,
          contacts: Any = None, profile: str | Mapping[str, str] = "us_reg_f_2021", chunk_borrowers: int = 50_000,
          now: str | pd.Timestamp | None = None, data_date: str | pd.Timestamp | None = None,
          agent_calls_per_day: int | None = None, policy_options: Mapping[str, Any] | None = None,
          allow_missing_contacts: bool = False, model_sha256: str | None = None, language: str = "en",
          allow_stale_data: bool = False) -> dict[str, Any]:
    """Score Spark DataFrames of the input tables; return Spark DataFrames of the outputs.

    Parameters are those of :func:`riskscore.batch.score_portfolio`, with Spark DataFrames for
    the tables (``bundle`` is a local folder, shipped to the executors as files). The inputs are
    read twice (see the module docstring): file reads, or cached DataFrames.

    Returns
    -------
    dict
        ``scores``, ``plans``, ``audit``, ``rejects`` (Spark DataFrames with the columns of
        :data:`riskscore.contract.OUTPUTS`, backed by the cached chunk results); ``stats`` (the
        chunks' counts added up by :func:`~riskscore.batch.merge_stats`), ``rows_in`` (rows
        per input table), ``chunks``, ``now``, ``data_date``, ``currency`` (the installments' one
        currency, or ``None``; several are refused before any chunk, as is another currency than
        the bundle's), ``profiles`` and ``scorer`` (what
        :func:`score_files` writes into the run manifest); ``timings`` and ``jobs`` (wall
        seconds and Spark jobs per stage: ``load``, ``survey``, ``chunks``); ``encoded`` (the
        cached chunk results: ``unpersist()`` it when done with the outputs).

    Examples
    --------
    >>> from riskscore import spark as rs_spark                                     # doctest: +SKIP
    >>> out = rs_spark.score(spark.read.parquet("installments"), "models/sample", "2025-10-02",
    ...                      borrowers=spark.read.parquet("borrowers"))             # doctest: +SKIP
    >>> out["scores"].where("status = 'scored'").count()                            # doctest: +SKIP
    """
    return _score(installments, bundle, as_of, None, borrowers=borrowers, contacts=contacts, profile=profile,
                  chunk_borrowers=chunk_borrowers, now=now, data_date=data_date,
                  agent_calls_per_day=agent_calls_per_day, policy_options=policy_options,
                  allow_missing_contacts=allow_missing_contacts, model_sha256=model_sha256, language=language,
                  allow_stale_data=allow_stale_data)


def _score(installments: Any, bundle: str | os.PathLike[str], as_of: str | pd.Timestamp, sink: str | None, *,
           borrowers: Any = None, contacts: Any = None, profile: str | Mapping[str, str] = "us_reg_f_2021",
           chunk_borrowers: int = 50_000, now: str | pd.Timestamp | None = None,
           data_date: str | pd.Timestamp | None = None, agent_calls_per_day: int | None = None,
           policy_options: Mapping[str, Any] | None = None, allow_missing_contacts: bool = False,
           model_sha256: str | None = None, language: str = "en", allow_stale_data: bool = False) -> dict[str, Any]:
    """:func:`score`; with a ``sink`` folder the chunks write the outputs there (no output DataFrames)."""
    policy_options = plain_options(policy_options)  # an Exploration as its mapping, for the manifest
    from pyspark.sql.pandas.types import from_arrow_schema

    spark = session_of("score", installments=installments, borrowers=borrowers, contacts=contacts)
    clock = _Clock(spark)
    warm = threading.Thread(target=_warm_workers, args=(spark,), daemon=True)
    warm.start()
    bundle = Path(bundle)
    scorer_options = {"allow_missing_contacts": allow_missing_contacts, "language": language}
    scorer = Scorer.from_bundle(bundle, sha256=model_sha256, **scorer_options)
    scorer.check_contacts(given=contacts is not None)  # refused on the driver, before any Spark job
    scorer.check_borrowers(None if borrowers is None else borrowers.columns)  # its static feature columns
    profiles = parse_profiles(profile)
    check_profile_countries(profiles, None if borrowers is None else borrowers.columns)
    for name in set(profiles.values()):
        if Path(name).exists():
            ship_file(spark, name)
    shipped = {k: (Path(v).name if Path(v).exists() else v) for k, v in profiles.items()}
    digest = scorer.model.bundle_digest_  # what load_bundle verified on the driver
    bundle_name = ship_bundle(spark, bundle, digest)
    executor_options = {**scorer_options, "sha256": digest}  # each executor's copy verified as the driver's
    as_of_ts = pd.Timestamp(as_of)
    run_now = as_utc(now if now is not None else pd.Timestamp.now(tz="UTC").floor("s"))
    inputs = {"installments": installments, "borrowers": borrowers, "contacts": contacts}
    inputs = {t: ids_as_text(df, t) for t, df in inputs.items() if df is not None}  # "1.0" -> "1", as locally
    clock.lap("load")

    survey = survey_inputs(spark, inputs)
    if not survey["contacts_match"]:  # before any chunk plans against a history that is not theirs
        raise DataError.from_message("contacts", contacts_match_none_refusal(
            sum(survey["counts"]["contacts"].values()), survey["id_examples"]["installments"],
            survey["id_examples"]["contacts"]))
    currency = single_currency(survey["currencies"])  # one currency per run, the bundle's: refused before any chunk
    scorer.check_currency(currency)
    n = n_chunks(survey["borrowers"], chunk_borrowers)
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    ref_date = pd.Timestamp(data_date) if data_date is not None else \
        infer_data_date(survey["histogram"], FUTURE_TOLERANCE_DAYS, today)
    if not allow_stale_data:  # refused on the driver, before any chunk
        check_as_of(as_of_ts, ref_date, int(scorer.model.likelihood_days_), data_date is None)
    settings = [ChunkSettings(as_of=as_of_ts, now=run_now, data_date=ref_date, profiles=shipped,
                              policy_options=dict(policy_options or {}), bad_loans=survey["bad_loans"],
                              agent_calls_per_day=c) for c in split_capacity(agent_calls_per_day, [1.0] * n)]
    warm.join()
    clock.lap("survey")

    encoded = _chunk_stage(inputs, survey["counts"], settings, bundle_name, executor_options, sink)
    out: dict[str, Any] = {}
    for name, schema in OUTPUTS.items():
        out[name] = None if sink is not None else \
            encoded.where(encoded.kind == name).select("data").mapInArrow(_decode, from_arrow_schema(schema))
    stats = [json.loads(bytes(r[0])) for r in encoded.where(encoded.kind == "stats").select("data").collect()]
    clock.lap("chunks")
    out.update(stats=merge_stats(stats), chunks=n, now=str(run_now), data_date=str(ref_date.date()),
               profiles=profiles, scorer=scorer, timings=clock.seconds, jobs=clock.jobs, encoded=encoded,
               rows_in={t: sum(survey["counts"][t].values()) for t in inputs}, currency=currency)
    return out


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _decode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function: the rows of the IPC blobs (already of their output's contract schema)."""
    for b in batches:
        for blob in b.column("data"):
            yield from pa.ipc.open_stream(blob.as_buffer()).read_all().to_batches()


def _session() -> Any:
    """The active Spark session, or a new one in local mode (all cores) for this run.

    A JVM started here compiles with C1 only (``-XX:TieredStopAtLevel=1``) unless a
    ``spark-defaults.conf`` sets the driver's options: its work is short (the scoring runs in
    Python), and on few cores the C2 compiler threads cost the job more than they win.

    A SparkContext started in the main thread replaces the SIGINT handler with pyspark's, which
    cancels all jobs through the JVM connection the interrupted call may be using that very
    moment: a Ctrl-C on ``riskscore score --engine spark`` logged py4j's "reentrant call"
    traceback above the job's one line. So where the caller has a SIGINT handler of its own, a new
    context is started from a thread of its own (pyspark then installs nothing), and a session on
    a local Connect server keeps that handler; with Python's default
    handler (a script), pyspark's is installed as pyspark installs it.
    """
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers run this environment's Python
    conf = {"spark.app.name": "riskscore", "spark.sql.session.timeZone": "UTC"}
    homes = [os.environ.get("SPARK_CONF_DIR"), os.environ.get("SPARK_HOME") and Path(os.environ["SPARK_HOME"]) / "conf"]
    defaults = any(h and (Path(h) / "spark-defaults.conf").exists() for h in homes)
    remote = os.environ.get("SPARK_REMOTE") or os.environ.get("SPARK_CONNECT_MODE_ENABLED")  # Spark Connect
    new = SparkContext._active_spark_context is None
    if new and "PYSPARK_GATEWAY_PORT" not in os.environ and not defaults and not remote:
        conf["spark.driver.extraJavaOptions"] = "-XX:TieredStopAtLevel=1"
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    own = _own_sigint_handler()
    if new and not remote and own is not None:
        _aside(lambda: SparkContext.getOrCreate(SparkConf().setAll(list(conf.items()))))
    session = builder.getOrCreate()
    if own is not None and signal.getsignal(signal.SIGINT) is not own:  # a local Connect server's context
        signal.signal(signal.SIGINT, own)
    return session


def _own_sigint_handler() -> Any:
    """The SIGINT handler of the caller's own (the CLI's) if it runs in the main thread, else None
    (Python's default one is left to pyspark's, which cancels the jobs of a script interrupted)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    handler = signal.getsignal(signal.SIGINT)
    return handler if callable(handler) and handler is not signal.default_int_handler else None


def _aside(call: Any) -> None:
    """``call()`` in a thread of its own, waited for here (a signal interrupts the wait); its error raised here."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as err:  # raised again in the caller's thread
            failed.append(err)

    thread = threading.Thread(target=run, name="riskscore-spark-start", daemon=True)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def _finish_parts(out: Path) -> None:
    """Every output folder complete: an empty part of its schema where no chunk wrote one, and ``_SUCCESS``."""
    for name, schema in OUTPUTS.items():
        folder = out / f"{name}.parquet"
        if not any(folder.glob("part-*.parquet")):
            with atomic_parquet_writer(folder / _part(0), schema) as writer:
                writer.write_table(schema.empty_table())
        (folder / "_SUCCESS").touch()


def _write(spark: Any, result: Mapping[str, Any], out: Path) -> None:
    """The outputs of :func:`score` written by Spark (four small jobs over the cached chunk results, together)."""
    key = "spark.sql.parquet.outputTimestampType"
    before = spark.conf.get(key)
    spark.conf.set(key, "TIMESTAMP_MICROS")  # Spark's default INT96 reads back as naive nanoseconds
    try:
        with ThreadPoolExecutor(len(OUTPUTS)) as pool:
            list(pool.map(lambda name: result[name].write.mode("errorifexists").parquet(str(out / f"{name}.parquet")),
                          OUTPUTS))
    finally:
        spark.conf.set(key, before)
        result["encoded"].unpersist()


def score_files(installments: str | os.PathLike[str], bundle: str | os.PathLike[str], as_of: str,
                out: str | os.PathLike[str],
                *, borrowers: str | os.PathLike[str] | None = None, contacts: str | os.PathLike[str] | None = None,
                columns: Mapping[str, Mapping[str, str]] | None = None,
                date_format: str | Mapping[str, str] | None = None, number_format: str | None = None,
                encoding: str | None = None, header: Mapping[str, Sequence[str]] | None = None,
                **options: Any) -> RunManifest:
    """``riskscore score --engine spark``: read files with Spark (local mode unless a session exists), score, write.

    Writes ``OUT/{scores,plans,audit,rejects}.parquet`` (folders of part files, times as UTC
    microseconds as the local engine writes them) and ``OUT/manifest.json`` (the same
    :class:`~riskscore.contract.RunManifest` as the local engine's, ``engine="spark"``, with
    the Spark stages' wall seconds and job counts under ``timings_s``) and returns the
    manifest. ``options`` are those of :func:`score`. ``columns``, ``date_format``,
    ``number_format``, ``encoding`` and ``header`` read an extract's own column names, text
    dates, text numbers, CSV encoding and the column names of CSV files without a header line as
    :func:`riskscore.score_portfolio` reads them (:class:`riskscore.io.InputFormat`): Spark
    renames the columns and each batch's text dates and numbers are converted by the same Arrow
    code; local inputs are checked on the driver first
    (required columns, day/month text without a format).

    In local mode each chunk writes its part of every output itself (``part-CHUNK.parquet``,
    as the local engine writes a chunk); on a cluster Spark's writer writes the outputs of
    :func:`score`. Unlike the local engine, a Spark run does not resume: ``OUT`` must not hold
    outputs yet.

    Raises
    ------
    riskscore.exceptions.RunConflictError
        When ``OUT`` already holds outputs or a manifest.

    Examples
    --------
    >>> from riskscore.spark import score_files                                  # doctest: +SKIP
    >>> m = score_files("data/sample/installments.parquet", "models/sample", "2025-10-02", "runs/spark",
    ...                 borrowers="data/sample/borrowers.parquet",
    ...                 contacts="data/sample/contacts.parquet")                 # doctest: +SKIP
    >>> m.engine, m.borrowers["scored"]                                          # doctest: +SKIP
    ('spark', 795)
    """
    import pyarrow.parquet as pq

    check_paths("score_files", "riskscore.spark.score (Spark DataFrames) or Scorer.score (pandas)",
                installments=installments, bundle=bundle, out=out, borrowers=borrowers, contacts=contacts)
    wall = time.perf_counter()
    out = Path(out)
    taken = [f"{n}.parquet" for n in OUTPUTS if (out / f"{n}.parquet").exists()] + \
        (["manifest.json"] if (out / "manifest.json").exists() else [])
    if taken:
        raise RunConflictError(f"'{out}' already holds {', '.join(taken)}; a Spark run does not resume: remove "
                               "them or choose another --out.")
    spark = _session()
    clock = _Clock(spark)
    clock.seconds["session"] = round(time.perf_counter() - wall, 3)
    paths = {"installments": installments, "borrowers": borrowers, "contacts": contacts}
    paths = {t: p for t, p in paths.items() if p is not None}

    input_format = InputFormat(columns=columns, date_format=date_format, number_format=number_format,
                               encoding=encoding, header=header)

    nanos: dict[str, str | None] = {}  # the Spark setting read_input changed, to restore
    scratch = tempfile.TemporaryDirectory(prefix="riskscore-spark-")  # UTF-8 copies of CSVs in other encodings
    try:
        frames = {t: read_input(spark, t, p, input_format, nanos, scratch.name) for t, p in paths.items()}
        clock.lap("read")
        sink = str(out.resolve()) if local_master(spark) else None
        result = _score(frames["installments"], bundle, as_of, sink, borrowers=frames.get("borrowers"),
                        contacts=frames.get("contacts"), **options)
        clock.lap(None)  # _score's own stages come with its result
        if sink is not None:
            _finish_parts(out)
        else:
            _write(spark, result, out)
        clock.lap("write")
    finally:
        restore_conf(spark, nanos)  # the session as it was
        scratch.cleanup()
    # inputs on local disk are fingerprinted (the report re-reads them); others are recorded by path
    prints = {t: fingerprint(p) if Path(p).exists() else {"path": str(p), "sha256": None} for t, p in paths.items()}
    for t, entry in prints.items():  # how each input was read (the report reads it again the same way)
        entry.update(input_format.recorded(t))
    stats = result["stats"]
    config = {"inputs": {t: v["sha256"] or v["path"] for t, v in prints.items()}, "as_of": str(as_of),
              "now": result["now"], "options": options,
              **({} if input_format.is_default else {"input_format": input_format.to_dict()})}
    run_id = "spark-" + hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]
    defaults = {k: p.default for k, p in inspect.signature(score).parameters.items()
                if p.default is not inspect.Parameter.empty}
    settings = {k: options.get(k, defaults[k]) for k in RUN_SETTINGS}
    settings["policy_options"] = plain_options(settings["policy_options"])
    outputs = {}
    for name in OUTPUTS:
        folder = out / f"{name}.parquet"
        parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
        outputs[name] = {"file": f"{name}.parquet", "sha256": None,
                         "rows": sum(pq.read_metadata(p).num_rows for p in parts) if parts else None}
    timings = {"wall": round(time.perf_counter() - wall, 3), "session": clock.seconds["session"],
               "read": clock.seconds["read"], **result["timings"], "write": clock.seconds["write"],
               "spark_jobs": {"read": clock.jobs["read"], **result["jobs"], "write": clock.jobs["write"]}}
    manifest = run_manifest(
        engine="spark", run_id=run_id, as_of=str(pd.Timestamp(as_of).date()), now=result["now"],
        data_date=result["data_date"], inputs=prints, bundle=Path(bundle), model=result["scorer"].model,
        profiles=result["profiles"], settings=settings, stats=stats,
        rows_in={t: result["rows_in"][t] for t in _TABLES if t in result["rows_in"]},
        chunks={"total": result["chunks"], "run_now": result["chunks"], "resumed": 0},
        outputs=outputs, timings=timings, planned=borrowers is not None, currency=result["currency"])
    write_text(out / "manifest.json", manifest.to_json())
    return manifest
