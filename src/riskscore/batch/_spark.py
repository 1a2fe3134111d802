"""Apache Spark engine: the same per-chunk function as ``score_portfolio``, on a cluster.

:func:`score` takes Spark DataFrames of the input tables and returns Spark DataFrames of the
outputs (scores, plans, audit, rejects), with exactly the rows and columns the local job
writes. How:

1. every row gets ``_row`` (its position as Spark enumerates the input) and the text
   ``borrower_id``; the chunk count comes from the same distinct-borrower sketch the local job
   uses, so the chunks (``hash(borrower_id) mod n``) are the same borrowers;
2. the data date and the loans held by several borrowers are found with two small
   aggregations, as the local partition pass finds them;
3. the three tables are stacked into one DataFrame (columns prefixed by table) and grouped by
   chunk; ``applyInPandas`` runs :func:`riskscore.batch.score_chunk` on each chunk and returns
   its four output tables as Arrow IPC bytes; ``mapInPandas`` decodes each output into rows of
   its contract schema.

The model bundle travels to the executors as files (``SparkContext.addFile``), is verified
there by :func:`riskscore.model.load_bundle`, and is loaded once per Python worker; nothing is
unpickled from disk. Requires ``pip install 'riskscore[spark]'`` and Java 17.
"""

from __future__ import annotations

import hashlib
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

_SEP = "__"
_TABLES = ("installments", "borrowers", "contacts")
_MODELS: dict[str, Any] = {}


def _with_row(df: Any) -> Any:
    """``_row`` = position of each row as Spark enumerates the DataFrame; ``borrower_id`` as text."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StructField, StructType

    df = df.withColumn("borrower_id", F.col("borrower_id").cast("string"))
    schema = StructType([*df.schema.fields, StructField(ROW, LongType(), False)])
    return df.rdd.zipWithIndex().map(lambda p: (*p[0], p[1])).toDF(schema)


def _sketch(installments: Any) -> int:
    def part(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        s = DistinctSketch()
        for b in batches:
            s.add(np.unique(borrower_hash(b["borrower_id"])))
        yield pd.DataFrame({"h": s.values.view(np.int64)})

    values = installments.select("borrower_id").mapInPandas(part, "h long").toPandas()["h"].to_numpy(np.int64)
    total = DistinctSketch()
    total.add(values.view(np.uint64))
    return total.estimate()


def _paid_histogram(installments: Any) -> Counter:
    def part(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        h: Counter = Counter()
        for b in batches:
            days, counts = np.unique(_paid_days(pa.table({"paid_date": b["paid_date"]})), return_counts=True)
            h.update(dict(zip(days.tolist(), counts.tolist(), strict=True)))
        yield pd.DataFrame({"day": list(h), "n": list(h.values())}, dtype=np.int64)

    rows = installments.select("paid_date").mapInPandas(part, "day long, n long").groupBy("day").sum("n").collect()
    return Counter({int(r[0]): int(r[1]) for r in rows})


def _bad_loans(installments: Any) -> frozenset[int]:
    def part(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for b in batches:
            pairs = pd.DataFrame({"loan": borrower_hash(b["loan_id"]).view(np.int64),
                                  "borrower": borrower_hash(b["borrower_id"]).view(np.int64)})
            yield pairs.drop_duplicates()

    pairs = installments.select("loan_id", "borrower_id").mapInPandas(part, "loan long, borrower long")
    rows = pairs.distinct().groupBy("loan").count().where("count > 1").select("loan").collect()
    return frozenset(int(np.int64(r[0]).view(np.uint64)) for r in rows)


def _load(bundle_name: str, options: Mapping[str, Any]) -> Scorer:
    """The run's scorer, loaded once per Python worker from the bundle shipped with the job."""
    key = (bundle_name, tuple(sorted(options.items())))
    if key not in _MODELS:
        from pyspark import SparkFiles

        _MODELS[key] = Scorer.from_bundle(SparkFiles.get(bundle_name), **options)
    return _MODELS[key]


def _frames(pdf: pd.DataFrame, tables: Mapping[str, list[tuple[str, bool]]], session_tz: str
            ) -> dict[str, pd.DataFrame]:
    """The chunk's rows per table, typed as the local reader types them."""
    frames = {}
    for t, cols in tables.items():
        names = [c for c, _ in cols]
        rows = pdf.loc[pdf["_table"] == t, [f"{t}{_SEP}{c}" for c in names]]
        rows.columns = names
        for c, integral in cols:
            if pd.api.types.is_datetime64_dtype(rows[c]) and t == "contacts":
                # Spark hands timestamps over as naive session-time values: make them UTC again
                rows[c] = rows[c].dt.tz_localize(session_tz).dt.tz_convert("UTC")
            elif integral and rows[c].notna().all():  # stacking the tables made the column nullable
                rows[c] = rows[c].astype(np.int64)
        frames[t] = rows.reset_index(drop=True)
    return frames


def score(installments: Any, bundle: str | os.PathLike[str], as_of: str | pd.Timestamp, *, borrowers: Any = None,
          contacts: Any = None, profile: str | Mapping[str, str] = "us_reg_f_2021", chunk_borrowers: int = 50_000,
          now: str | pd.Timestamp | None = None, data_date: str | pd.Timestamp | None = None,
          agent_calls_per_day: int | None = None, policy_options: Mapping[str, Any] | None = None,
          allow_missing_contacts: bool = False, model_sha256: str | None = None, language: str = "en"
          ) -> dict[str, Any]:
    """Score Spark DataFrames of the input tables; return Spark DataFrames of the outputs.

    Parameters are those of :func:`riskscore.batch.score_portfolio`, with Spark DataFrames for
    the tables (``bundle`` is a local folder, shipped to the executors as files).

    Returns
    -------
    dict
        ``scores``, ``plans``, ``audit``, ``rejects`` (Spark DataFrames with the columns of
        :data:`riskscore.contract.OUTPUTS`); ``stats`` (the chunks' counts added up by
        :func:`~riskscore.batch.merge_stats`), ``chunks``, ``now``, ``data_date``, ``profiles``
        and ``scorer`` (what :func:`score_files` writes into the run manifest).

    Examples
    --------
    >>> from riskscore import spark as rs_spark                                     # doctest: +SKIP
    >>> out = rs_spark.score(spark.read.parquet("installments"), "models/sample", "2025-10-02",
    ...                      borrowers=spark.read.parquet("borrowers"))             # doctest: +SKIP
    >>> out["scores"].where("status = 'scored'").count()                            # doctest: +SKIP
    """
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import IntegralType

    spark = installments.sparkSession
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
    inputs = {t: _with_row(df) for t, df in inputs.items() if df is not None}
    inst = inputs["installments"].cache()
    n = n_chunks(_sketch(inst), chunk_borrowers)
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    ref_date = pd.Timestamp(data_date) if data_date is not None else \
        infer_data_date(_paid_histogram(inst), FUTURE_TOLERANCE_DAYS, today)
    bad_loans = _bad_loans(inst)  # one aggregation, shared by every chunk
    settings = [ChunkSettings(as_of=as_of_ts, now=run_now, data_date=ref_date, profiles=shipped,
                              policy_options=dict(policy_options or {}), bad_loans=bad_loans,
                              agent_calls_per_day=c) for c in split_capacity(agent_calls_per_day, [1.0] * n)]
    tables = {t: [(f.name, isinstance(f.dataType, IntegralType)) for f in df.schema.fields]
              for t, df in inputs.items()}
    stacked = _stack(inputs, n)
    session_tz = spark.conf.get("spark.sql.session.timeZone")
    bundle_name = bundle.resolve().name

    def run_chunk(pdf: pd.DataFrame) -> pd.DataFrame:
        from pyspark import SparkFiles

        bucket = int(pdf["_bucket"].iloc[0])
        chunk_settings = settings[bucket]
        resolved = {k: (SparkFiles.get(v) if v.endswith((".yaml", ".yml")) else v)
                    for k, v in chunk_settings.profiles.items()}
        chunk_settings = ChunkSettings(**{**chunk_settings.__dict__, "profiles": resolved})
        result = score_chunk(_frames(pdf, tables, session_tz), _load(bundle_name, scorer_options), chunk_settings)
        rows = [(bucket, name, _ipc(to_arrow(result.tables[name], schema))) for name, schema in OUTPUTS.items()]
        rows.append((bucket, "stats", stats_json(result.stats).encode()))
        return pd.DataFrame(rows, columns=["bucket", "kind", "data"])

    # one shuffle partition per chunk (hash partitioning on _bucket satisfies the groupBy: no second exchange)
    encoded = stacked.repartition(n, "_bucket").groupBy("_bucket").applyInPandas(
        run_chunk, "bucket long, kind string, data binary").cache()
    out: dict[str, Any] = {}
    for name, schema in OUTPUTS.items():
        out[name] = encoded.where(encoded.kind == name).select("data").mapInPandas(
            _decoder(schema), from_arrow_schema(schema))
    stats = [json.loads(bytes(r[0])) for r in encoded.where(encoded.kind == "stats").select("data").collect()]
    out.update(stats=merge_stats(stats), chunks=n, now=str(run_now), data_date=str(ref_date.date()),
               profiles=profiles, scorer=scorer)
    return out


def _stack(inputs: Mapping[str, Any], n: int) -> Any:
    from pyspark.sql import functions as F
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("long")
    def bucket(ids: pd.Series) -> pd.Series:
        return pd.Series(bucket_of(borrower_hash(ids), n))

    parts = []
    for t, df in inputs.items():
        renamed = df.select([F.col(c).alias(f"{t}{_SEP}{c}") for c in df.columns])
        tagged = renamed.withColumn("_table", F.lit(t))
        parts.append(tagged.withColumn("_bucket", bucket(F.col(f"{t}{_SEP}borrower_id"))))
    stacked = parts[0]
    for p in parts[1:]:
        stacked = stacked.unionByName(p, allowMissingColumns=True)
    return stacked


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _decoder(schema: pa.Schema) -> Any:
    def decode(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for b in batches:
            for blob in b["data"]:
                table = pa.ipc.open_stream(pa.py_buffer(bytes(blob))).read_all()
                if table.num_rows:
                    yield table.to_pandas()
    return decode


def score_files(installments: str | os.PathLike[str], bundle: str | os.PathLike[str], as_of: str,
                out: str | os.PathLike[str],
                *, borrowers: str | os.PathLike[str] | None = None, contacts: str | os.PathLike[str] | None = None,
                **options: Any) -> RunManifest:
    """``riskscore score --engine spark``: read files with Spark (local mode unless a session exists), score, write.

    Writes ``OUT/{scores,plans,audit,rejects}.parquet`` (Spark folders) and ``OUT/manifest.json``
    (the same :class:`~riskscore.contract.RunManifest` as the local engine's, ``engine="spark"``)
    and returns the manifest. ``options`` are those of :func:`score`.
    """
    from pyspark.sql import SparkSession

    wall = time.perf_counter()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers run this environment's Python
    spark = SparkSession.builder.appName("riskscore").config("spark.sql.session.timeZone", "UTC").getOrCreate()
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
    out = Path(out)
    for name in OUTPUTS:
        result[name].write.mode("errorifexists").parquet(str(out / f"{name}.parquet"))
    # inputs on local disk are fingerprinted (the report re-reads them); others are recorded by path
    prints = {t: fingerprint(p) if Path(p).exists() else {"path": str(p), "sha256": None} for t, p in paths.items()}
    stats = result["stats"]
    config = {"inputs": {t: v["sha256"] or v["path"] for t, v in prints.items()}, "as_of": str(as_of),
              "now": result["now"], "options": options}
    run_id = "spark-" + hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]
    manifest = run_manifest(
        engine="spark", run_id=run_id, as_of=str(pd.Timestamp(as_of).date()), now=result["now"],
        data_date=result["data_date"], inputs=prints, bundle=Path(bundle), model=result["scorer"].model,
        profiles=result["profiles"],
        settings={k: options.get(k) for k in ("chunk_borrowers", "agent_calls_per_day", "policy_options",
                                              "allow_missing_contacts", "language")},
        stats=stats, rows_in=stats.get("rows_in", {}), chunks={"total": result["chunks"], "run_now": result["chunks"],
                                                               "resumed": 0},
        outputs={name: {"file": f"{name}.parquet", "rows": None, "sha256": None} for name in OUTPUTS},
        timings={"wall": round(time.perf_counter() - wall, 3)}, planned=borrowers is not None)
    write_text(out / "manifest.json", manifest.to_json())
    return manifest
