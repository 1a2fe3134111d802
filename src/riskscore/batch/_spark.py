"""Apache Spark engine: the same per-chunk function as ``score_portfolio``, on a cluster.

:func:`score` takes Spark DataFrames of the input tables and returns Spark DataFrames of the
outputs (scores, plans, audit, rejects), with exactly the rows and columns the local job
writes. Like the local job (count, then partition), it makes two passes over the inputs:

1. **survey**: one ``mapInArrow`` pass over the installments' ``borrower_id``, ``paid_date``
   and ``loan_id`` (and the partition ids of the other tables) gives the rows of every input
   partition, the distinct-borrower sketch the local job uses (so the chunks,
   ``hash(borrower_id) mod n``, hold the same borrowers), the ``paid_date`` day histogram (the
   data date) and the (loan, borrower) pairs, of which one small aggregation finds the loans
   held by several borrowers;
2. **chunks**: every row gets ``_row``, its position in its input as Spark enumerates it (the
   numbering of ``RDD.zipWithIndex``, computed in the JVM from the partition counts) and the
   text ``borrower_id``; a ``mapInArrow`` pass cuts each input partition into one Arrow IPC
   blob per chunk; the blobs are shuffled to one partition per chunk, where ``applyInPandas``
   decodes them, runs :func:`riskscore.batch.score_chunk` and returns its four output tables
   as Arrow IPC bytes (cached); ``mapInArrow`` decodes each output into rows of its contract
   schema.

Rows cross between the JVM and Python as Arrow batches only, and the shuffle moves a few large
blobs rather than rows. The inputs are read twice: give DataFrames that read the same rows in
the same order each time (file reads do; cache anything else).

The model bundle travels to the executors as files (``SparkContext.addFile``), is verified
there by :func:`riskscore.model.load_bundle`, and is loaded once per Python worker; nothing is
unpickled from disk. Requires ``pip install 'riskscore[spark]'`` and Java 17.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from riskscore.batch._chunk import ChunkSettings, as_utc, merge_stats, run_manifest, score_chunk, stats_json
from riskscore.batch._inputs import DistinctSketch, borrower_hash, bucket_of
from riskscore.batch._partition import ROW, _paid_days, infer_data_date, n_chunks
from riskscore.contract import OUTPUTS, RunManifest, to_arrow
from riskscore.io import fingerprint, write_text
from riskscore.policy import parse_profiles, split_capacity
from riskscore.schemas import FUTURE_TOLERANCE_DAYS
from riskscore.scoring import Scorer

__all__ = ["score", "score_files"]

_TABLES = ("installments", "borrowers", "contacts")
_MODELS: dict[str, Any] = {}
#: Survey facts: rows of a partition (a = table << 32 | partition), sketch values, paid days, (loan, borrower).
_COUNT, _SKETCH, _DAY, _PAIR = 0, 1, 2, 3
#: Rows of one input partition gathered before it is cut into per-chunk blobs (bounds a Python worker's memory).
_BLOB_ROWS = 250_000


class _Clock:
    """Wall seconds and Spark jobs per stage of a run (Spark is lazy: a stage is what its actions ran)."""

    def __init__(self, spark: Any):
        self._tracker = spark.sparkContext.statusTracker()
        self._t, self._jobs = time.perf_counter(), self._count()
        self.seconds: dict[str, float] = {}
        self.jobs: dict[str, int] = {}

    def _count(self) -> int:
        return len(self._tracker.getJobIdsForGroup())

    def lap(self, stage: str) -> None:
        t, jobs = time.perf_counter(), self._count()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + t - self._t, 3)
        self.jobs[stage] = self.jobs.get(stage, 0) + jobs - self._jobs
        self._t, self._jobs = t, jobs


def _survey_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """One task of the survey: the facts of its rows (see ``_COUNT`` ... ``_PAIR``)."""
    counts: Counter = Counter()
    sketch = DistinctSketch()
    days: Counter = Counter()
    pairs = []
    for b in batches:
        if not b.num_rows:
            continue
        key = (b.column("_t").to_numpy().astype(np.int64) << 32) | b.column("_p").to_numpy().astype(np.int64)
        k, n = np.unique(key, return_counts=True)
        counts.update(dict(zip(k.tolist(), n.tolist(), strict=True)))
        inst = b.filter(pa.array(b.column("_t").to_numpy() == 0))
        if not inst.num_rows:
            continue
        h = borrower_hash(inst.column("borrower_id"))
        sketch.add(np.unique(h))
        if "paid_date" in inst.schema.names:
            d, c = np.unique(_paid_days(pa.table({"paid_date": inst.column("paid_date")})), return_counts=True)
            days.update(dict(zip(d.tolist(), c.tolist(), strict=True)))
        if "loan_id" in inst.schema.names:
            pairs.append(pd.DataFrame({"a": borrower_hash(inst.column("loan_id")), "b": h}).drop_duplicates())
    loans = pd.concat(pairs).drop_duplicates() if pairs else pd.DataFrame({"a": [], "b": []}, dtype=np.uint64)
    parts = [(_COUNT, list(counts), list(counts.values())),
             (_SKETCH, sketch.values.view(np.int64), np.zeros(len(sketch.values), dtype=np.int64)),
             (_DAY, list(days), list(days.values())),
             (_PAIR, loans["a"].to_numpy(np.uint64).view(np.int64), loans["b"].to_numpy(np.uint64).view(np.int64))]
    for kind, a, b in parts:
        if len(a):
            yield pa.RecordBatch.from_arrays([pa.array(np.full(len(a), kind, dtype=np.int32)),
                                              pa.array(np.asarray(a, dtype=np.int64)),
                                              pa.array(np.asarray(b, dtype=np.int64))], names=["kind", "a", "b"])


def _survey(spark: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Rows per partition of each input, borrower estimate, paid-day histogram and shared loans."""
    from pyspark.sql import functions as F

    parts = []
    for i, (t, df) in enumerate(inputs.items()):
        cols = [F.lit(i).alias("_t"), F.spark_partition_id().alias("_p")]
        if t == "installments":
            cols.append(F.col("borrower_id").cast("string").alias("borrower_id"))
            cols += [F.col(c) for c in ("paid_date", "loan_id") if c in df.columns]
        parts.append(df.select(cols))
    stacked = parts[0]
    for p in parts[1:]:
        stacked = stacked.unionByName(p, allowMissingColumns=True)
    facts = stacked.mapInArrow(_survey_batches, "kind int, a long, b long").cache()
    try:
        small = facts.where(F.col("kind") != _PAIR).toArrow().to_pandas()
        # a loan is shared when its pairs name several borrowers: one aggregation, sized for the few pairs
        pairs = facts.where(F.col("kind") == _PAIR).repartition(max(1, spark.sparkContext.defaultParallelism), "a")
        shared = pairs.groupBy("a").agg(F.count_distinct("b").alias("owners")).where("owners > 1").select("a")
        bad = shared.toArrow().column("a").to_numpy(zero_copy_only=False)
    finally:
        facts.unpersist()
    names = list(inputs)
    counts: dict[str, dict[int, int]] = {t: {} for t in names}
    for key, n in small.loc[small["kind"] == _COUNT, ["a", "b"]].itertuples(index=False, name=None):
        counts[names[int(key) >> 32]][int(key) & 0xFFFFFFFF] = int(n)
    sketch = DistinctSketch()
    sketch.add(small.loc[small["kind"] == _SKETCH, "a"].to_numpy(np.int64).view(np.uint64))
    days = small.loc[small["kind"] == _DAY].groupby("a")["b"].sum()
    return {"counts": counts, "borrowers": sketch.estimate(),
            "histogram": Counter({int(d): int(n) for d, n in days.items()}),
            "bad_loans": frozenset(int(x) for x in np.asarray(bad, dtype=np.int64).view(np.uint64))}


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


def _partition_keys(spark: Any, n: int) -> list[int]:
    """Keys ``v[k]`` that Spark's hash partitioning into ``n`` partitions sends to partition ``k``.

    ``repartition(n, bucket)`` hashes the bucket numbers, so two chunks may share a partition
    (and run one after the other in one task) while another partition stays empty; partitioning
    by ``v[bucket]`` gives each chunk a partition of its own. Found by one small job that hashes
    ``0, 1, 2, ...`` with Spark's own partition function.
    """
    from pyspark.sql import functions as F

    if n == 1:
        return [0]
    size = 16 * n
    while True:
        part = F.pmod(F.hash("id"), F.lit(n))  # HashPartitioning's partition id: Murmur3 (seed 42) modulo n
        rows = spark.range(size).groupBy(part.alias("p")).agg(F.min("id").alias("v")).collect()
        keys = {int(p): int(v) for p, v in rows}
        if len(keys) == n:
            return [keys[k] for k in range(n)]
        size *= 4


def _load(bundle_name: str, options: Mapping[str, Any]) -> Scorer:
    """The run's scorer, loaded once per Python worker from the bundle shipped with the job."""
    key = (bundle_name, tuple(sorted(options.items())))
    if key not in _MODELS:
        from pyspark import SparkFiles

        _MODELS[key] = Scorer.from_bundle(SparkFiles.get(bundle_name), **options)
    return _MODELS[key]


def score(installments: Any, bundle: str | os.PathLike[str], as_of: str | pd.Timestamp, *, borrowers: Any = None,
          contacts: Any = None, profile: str | Mapping[str, str] = "us_reg_f_2021", chunk_borrowers: int = 50_000,
          now: str | pd.Timestamp | None = None, data_date: str | pd.Timestamp | None = None,
          agent_calls_per_day: int | None = None, policy_options: Mapping[str, Any] | None = None,
          allow_missing_contacts: bool = False, model_sha256: str | None = None, language: str = "en"
          ) -> dict[str, Any]:
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
        per input table), ``chunks``, ``now``, ``data_date``, ``profiles`` and ``scorer`` (what
        :func:`score_files` writes into the run manifest); ``timings`` and ``jobs`` (wall
        seconds and Spark jobs per stage: ``survey``, ``chunks``).

    Examples
    --------
    >>> from riskscore import spark as rs_spark                                     # doctest: +SKIP
    >>> out = rs_spark.score(spark.read.parquet("installments"), "models/sample", "2025-10-02",
    ...                      borrowers=spark.read.parquet("borrowers"))             # doctest: +SKIP
    >>> out["scores"].where("status = 'scored'").count()                            # doctest: +SKIP
    """
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    spark = installments.sparkSession
    clock = _Clock(spark)
    bundle = Path(bundle)
    scorer_options = {"allow_missing_contacts": allow_missing_contacts, "language": language}
    scorer = Scorer.from_bundle(bundle, sha256=model_sha256, **scorer_options)
    if contacts is None:  # refused on the driver, before any Spark job
        scorer.features(pd.DataFrame(columns=["borrower_id"]), pd.Timestamp(as_of), validate=False)
    profiles = parse_profiles(profile)
    for name in set(profiles.values()):
        if Path(name).exists():
            spark.sparkContext.addFile(name)
    shipped = {k: (Path(v).name if Path(v).exists() else v) for k, v in profiles.items()}
    spark.sparkContext.addFile(str(bundle.resolve()), recursive=True)
    as_of_ts = pd.Timestamp(as_of)
    run_now = as_utc(now if now is not None else pd.Timestamp.now(tz="UTC").floor("s"))
    inputs = {"installments": installments, "borrowers": borrowers, "contacts": contacts}
    inputs = {t: df for t, df in inputs.items() if df is not None}
    clock.lap("load")

    survey = _survey(spark, inputs)
    n = n_chunks(survey["borrowers"], chunk_borrowers)
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    ref_date = pd.Timestamp(data_date) if data_date is not None else \
        infer_data_date(survey["histogram"], FUTURE_TOLERANCE_DAYS, today)
    settings = [ChunkSettings(as_of=as_of_ts, now=run_now, data_date=ref_date, profiles=shipped,
                              policy_options=dict(policy_options or {}), bad_loans=survey["bad_loans"],
                              agent_calls_per_day=c) for c in split_capacity(agent_calls_per_day, [1.0] * n)]
    clock.lap("survey")

    numbered = {t: _with_row(df, survey["counts"][t]) for t, df in inputs.items()}
    empty = {t: _utc(to_arrow_schema(df.schema, timezone="UTC").empty_table()) for t, df in numbered.items()}
    packed = [df.mapInArrow(_packer(t, n), "bucket long, table string, data binary") for t, df in numbered.items()]
    blobs = packed[0]
    for p in packed[1:]:
        blobs = blobs.unionByName(p)
    bundle_name = bundle.resolve().name

    def run_chunk(pdf: pd.DataFrame) -> pd.DataFrame:
        from pyspark import SparkFiles

        started = time.perf_counter()
        bucket = int(pdf["bucket"].iloc[0])
        frames = {}
        for t, schema in empty.items():
            parts = [pa.ipc.open_stream(pa.py_buffer(blob)).read_all()
                     for blob, name in zip(pdf["data"], pdf["table"], strict=True) if name == t]
            frames[t] = (pa.concat_tables(parts) if parts else schema).to_pandas(date_as_object=False)
        read = time.perf_counter() - started
        chunk_settings = settings[bucket]
        resolved = {k: (SparkFiles.get(v) if v.endswith((".yaml", ".yml")) else v)
                    for k, v in chunk_settings.profiles.items()}
        chunk_settings = ChunkSettings(**{**chunk_settings.__dict__, "profiles": resolved})
        result = score_chunk(frames, _load(bundle_name, scorer_options), chunk_settings)
        started = time.perf_counter()
        rows = [(bucket, name, _ipc(to_arrow(result.tables[name], schema))) for name, schema in OUTPUTS.items()]
        result.stats["timings"].update(read=read, write=time.perf_counter() - started)
        rows.append((bucket, "stats", stats_json(result.stats).encode()))
        return pd.DataFrame(rows, columns=["bucket", "kind", "data"])

    # one shuffle partition per chunk (hash partitioning on the key satisfies the groupBy: no second exchange)
    keys = F.array(*(F.lit(k).cast("long") for k in _partition_keys(spark, n)))
    keyed = blobs.withColumn("_key", F.element_at(keys, F.col("bucket").cast("int") + 1))
    encoded = keyed.repartition(n, "_key").groupBy("_key").applyInPandas(
        run_chunk, "bucket long, kind string, data binary").cache()
    out: dict[str, Any] = {}
    for name, schema in OUTPUTS.items():
        out[name] = encoded.where(encoded.kind == name).select("data").mapInArrow(_decode, from_arrow_schema(schema))
    stats = [json.loads(bytes(r[0])) for r in encoded.where(encoded.kind == "stats").select("data").collect()]
    clock.lap("chunks")
    out.update(stats=merge_stats(stats), chunks=n, now=str(run_now), data_date=str(ref_date.date()),
               profiles=profiles, scorer=scorer, timings=clock.seconds, jobs=clock.jobs, encoded=encoded,
               rows_in={t: sum(survey["counts"][t].values()) for t in inputs})
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


def score_files(installments: str | os.PathLike[str], bundle: str | os.PathLike[str], as_of: str,
                out: str | os.PathLike[str],
                *, borrowers: str | os.PathLike[str] | None = None, contacts: str | os.PathLike[str] | None = None,
                **options: Any) -> RunManifest:
    """``riskscore score --engine spark``: read files with Spark (local mode unless a session exists), score, write.

    Writes ``OUT/{scores,plans,audit,rejects}.parquet`` (Spark folders, times as UTC
    microseconds as the local engine writes them) and ``OUT/manifest.json`` (the same
    :class:`~riskscore.contract.RunManifest` as the local engine's, ``engine="spark"``, with
    the Spark stages' wall seconds and job counts under ``timings_s``) and returns the
    manifest. ``options`` are those of :func:`score`.
    """
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession

    wall = time.perf_counter()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers run this environment's Python
    spark = SparkSession.builder.appName("riskscore").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    clock = _Clock(spark)
    clock.seconds["session"] = round(time.perf_counter() - wall, 3)
    paths = {"installments": installments, "borrowers": borrowers, "contacts": contacts}
    paths = {t: p for t, p in paths.items() if p is not None}

    def read(path: str | os.PathLike[str] | None) -> Any:
        if path is None:
            return None
        p = str(path)
        if p.lower().endswith((".csv", ".csv.gz")):
            return spark.read.option("header", True).csv(p)
        return spark.read.parquet(p)

    result = score(read(installments), bundle, as_of, borrowers=read(borrowers), contacts=read(contacts), **options)
    clock.lap("score")
    out = Path(out)
    key = "spark.sql.parquet.outputTimestampType"
    before = spark.conf.get(key)
    spark.conf.set(key, "TIMESTAMP_MICROS")  # Spark's default INT96 reads back as naive nanoseconds
    try:
        for name in OUTPUTS:
            result[name].write.mode("errorifexists").parquet(str(out / f"{name}.parquet"))
    finally:
        spark.conf.set(key, before)
        result["encoded"].unpersist()
    clock.lap("write")
    # inputs on local disk are fingerprinted (the report re-reads them); others are recorded by path
    prints = {t: fingerprint(p) if Path(p).exists() else {"path": str(p), "sha256": None} for t, p in paths.items()}
    stats = result["stats"]
    config = {"inputs": {t: v["sha256"] or v["path"] for t, v in prints.items()}, "as_of": str(as_of),
              "now": result["now"], "options": options}
    run_id = "spark-" + hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]
    defaults = {k: p.default for k, p in inspect.signature(score).parameters.items()
                if p.default is not inspect.Parameter.empty}
    settings = {k: options.get(k, defaults[k]) for k in ("chunk_borrowers", "agent_calls_per_day", "policy_options",
                                                         "allow_missing_contacts", "language")}
    settings["policy_options"] = dict(settings["policy_options"] or {})
    outputs = {}
    for name in OUTPUTS:
        folder = out / f"{name}.parquet"
        parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
        outputs[name] = {"file": f"{name}.parquet", "sha256": None,
                         "rows": sum(pq.read_metadata(p).num_rows for p in parts) if parts else None}
    timings = {"wall": round(time.perf_counter() - wall, 3), **clock.seconds,
               **{f"score.{k}": v for k, v in result["timings"].items()},
               "spark_jobs": {**{f"score.{k}": v for k, v in result["jobs"].items()}, "write": clock.jobs["write"]}}
    manifest = run_manifest(
        engine="spark", run_id=run_id, as_of=str(pd.Timestamp(as_of).date()), now=result["now"],
        data_date=result["data_date"], inputs=prints, bundle=Path(bundle), model=result["scorer"].model,
        profiles=result["profiles"], settings=settings, stats=stats,
        rows_in={t: result["rows_in"][t] for t in _TABLES if t in result["rows_in"]},
        chunks={"total": result["chunks"], "run_now": result["chunks"], "resumed": 0},
        outputs=outputs, timings=timings, planned=borrowers is not None)
    write_text(out / "manifest.json", manifest.to_json())
    return manifest
