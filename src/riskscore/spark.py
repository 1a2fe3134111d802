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

from riskscore.batch import OUTPUTS, ChunkSettings, parse_profiles, score_chunk, split_capacity
from riskscore.batch._chunk import as_utc, merge_stats, run_summary, stats_json
from riskscore.batch._inputs import DistinctSketch, borrower_hash, bucket_of
from riskscore.batch._outputs import to_arrow
from riskscore.batch._partition import ROW, _paid_days, infer_data_date, n_chunks
from riskscore.io import write_text
from riskscore.model import load_bundle
from riskscore.monitor import psi_summary, psi_table
from riskscore.schemas._checks import FUTURE_TOLERANCE_DAYS

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


def _load(bundle_name: str) -> Any:
    if bundle_name not in _MODELS:
        from pyspark import SparkFiles

        from riskscore.explain import Explainer

        model = load_bundle(SparkFiles.get(bundle_name))
        _MODELS[bundle_name] = (model, Explainer(model))
    return _MODELS[bundle_name]


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
          agent_calls_per_day: int | None = None, policy_options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Score Spark DataFrames of the input tables; return Spark DataFrames of the outputs.

    Parameters are those of :func:`riskscore.batch.score_portfolio`, with Spark DataFrames for
    the tables (``bundle`` is a local folder, shipped to the executors as files).

    Returns
    -------
    dict
        ``scores``, ``plans``, ``audit``, ``rejects`` (Spark DataFrames with the columns of
        :data:`riskscore.batch.OUTPUTS`) and ``stats`` (a dict: counts, PSI table, settings).

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
    model = load_bundle(bundle)
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
        model_, explainer = _load(bundle_name)
        result = score_chunk(_frames(pdf, tables, session_tz), model_, chunk_settings, explainer=explainer)
        rows = [(bucket, name, _ipc(to_arrow(result.tables[name], schema))) for name, schema in OUTPUTS.items()]
        rows.append((bucket, "stats", stats_json(result.stats).encode()))
        return pd.DataFrame(rows, columns=["bucket", "kind", "data"])

    encoded = stacked.groupBy("_bucket").applyInPandas(run_chunk, "bucket long, kind string, data binary").cache()
    out: dict[str, Any] = {}
    for name, schema in OUTPUTS.items():
        out[name] = encoded.where(encoded.kind == name).select("data").mapInPandas(
            _decoder(schema), from_arrow_schema(schema))
    stats = [json.loads(bytes(r[0])) for r in encoded.where(encoded.kind == "stats").select("data").collect()]
    out["stats"] = _stats(stats, model, n, ref_date)
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


def _stats(items: list[dict[str, Any]], model: Any, n: int, data_date: pd.Timestamp) -> dict[str, Any]:
    total = merge_stats(items)
    reference = getattr(model, "reference_", None)
    counts = total.get("psi_counts", {})
    return {"chunks": n, "data_date": str(data_date.date()), "totals": total,
            "psi": psi_table(reference, counts) if reference else None,
            "psi_summary": psi_summary(reference, counts)}


def score_files(installments: str | os.PathLike[str], bundle: str | os.PathLike[str], as_of: str,
                out: str | os.PathLike[str],
                *, borrowers: str | os.PathLike[str] | None = None, contacts: str | os.PathLike[str] | None = None,
                **options: Any) -> dict[str, Any]:
    """``riskscore score --engine spark``: read files with Spark (local mode unless a session exists), score, write.

    Writes ``OUT/{scores,plans,audit,rejects}.parquet`` (Spark folders) and ``OUT/manifest.json``
    and returns the manifest.
    """
    from pyspark.sql import SparkSession

    wall = time.perf_counter()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers run this environment's Python
    spark = SparkSession.builder.appName("riskscore").config("spark.sql.session.timeZone", "UTC").getOrCreate()

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
    s = result["stats"]
    t = s["totals"]
    manifest = {
        "run_id": f"spark-{int(time.time())}", "engine": "spark", "as_of": str(as_of), "data_date": s["data_date"],
        "chunks": {"total": s["chunks"]},
        "rows": {k: {"in": v, "rejected": t.get("rows_rejected", {}).get(k, 0)}
                 for k, v in t.get("rows_in", {}).items()},
        **run_summary(t, planned=borrowers is not None),
        "psi": s["psi_summary"],
        "timings_s": {"wall": round(time.perf_counter() - wall, 3)},
    }
    write_text(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return manifest
