"""The Spark engine's first pass (the survey): rows per input partition, borrowers, data date, shared loans.

One Spark action with four aggregations side by side; see :mod:`riskscore.batch._spark`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from riskscore.batch._inputs import DistinctSketch, borrower_hash
from riskscore.batch._partition import _paid_days
from riskscore.batch._spark_session import parallelism
from riskscore.schemas import currency_codes, is_currency_code

__all__ = ["survey"]

#: Survey facts: rows of a partition (a = table << 32 | partition, b = rows), sketch values (a), paid days
#: (a = day, b = rows), loans held by several borrowers (s = loan_id as text), a contact of a borrower of
#: the installments (a row, or none), the smallest id of the installments (a = 0) and the contacts (a = 1).
_COUNT, _SKETCH, _DAY, _LOAN, _CURRENCY, _MATCH, _EXAMPLE = 0, 1, 2, 3, 4, 5, 6


def _sketch_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function: the distinct-borrower sketch of one task's borrower ids."""
    sketch = DistinctSketch()
    for b in batches:
        sketch.add(np.unique(borrower_hash(b.column(0))))
    yield pa.RecordBatch.from_arrays([pa.array(sketch.values.view(np.int64))], names=["a"])


def _day_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function: the paid-day histogram of one task, for ``paid_date`` as text (CSV)."""
    days: Counter = Counter()
    for b in batches:
        d, c = np.unique(_paid_days(pa.table({"paid_date": b.column(0)})), return_counts=True)
        days.update(dict(zip(d.tolist(), c.tolist(), strict=True)))
    yield pa.RecordBatch.from_arrays([pa.array(list(days), pa.int64()), pa.array(list(days.values()), pa.int64())],
                                     names=["a", "b"])


def survey(spark: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Rows per partition of each input, borrower estimate, paid-day histogram and shared loans.

    Four aggregations in one Spark action (their shuffles run side by side), each finished in
    one task per core whatever ``spark.sql.shuffle.partitions`` says (``coalesce``, no session
    setting changed): rows per input partition, paid days and shared loans in the JVM; the
    sketch hashes the distinct borrower ids in Python, as the local job does.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, TimestampNTZType, TimestampType

    k = parallelism(spark)
    inst = inputs["installments"]
    bid = F.col("borrower_id").cast("string")
    none = F.lit(None)

    def facts(df: Any, kind: int, a: Any, b: Any = none, s: Any = none) -> Any:
        return df.select(F.lit(kind).alias("kind"), a.cast("long").alias("a"), b.cast("long").alias("b"),
                         s.cast("string").alias("s"))

    parts = [df.select(F.lit(i).alias("t"), F.spark_partition_id().alias("p")) for i, df in enumerate(inputs.values())]
    stacked = parts[0]
    for p in parts[1:]:
        stacked = stacked.unionByName(p)
    counts = stacked.groupBy("t", "p").count().coalesce(k)
    distinct = inst.select(bid.alias("borrower_id")).distinct()
    ids = distinct.coalesce(k).mapInArrow(_sketch_batches, "a long")
    survey = facts(counts, _COUNT, F.col("t") * F.lit(1 << 32) + F.col("p"), F.col("count")).unionByName(
        facts(ids, _SKETCH, F.col("a")))
    if "paid_date" in inst.columns:
        paid = F.col("paid_date")
        kind = inst.schema["paid_date"].dataType
        if isinstance(kind, DateType | TimestampNTZType):  # days since 1970-01-01 of the date (wall time)
            day = F.unix_date(F.to_date(paid))
        elif isinstance(kind, TimestampType):  # the UTC day, as the local reader's wall time in UTC
            day = F.floor(F.unix_seconds(paid) / F.lit(86_400))
        else:  # text: parsed as the local reader parses it
            day = None
        if day is not None:
            days = inst.where(paid.isNotNull()).groupBy(day.alias("a")).count().coalesce(k)
        else:
            days = inst.select(paid).mapInArrow(_day_batches, "a long, b long").groupBy("a").agg(
                F.sum("b").alias("count")).coalesce(k)
        survey = survey.unionByName(facts(days, _DAY, F.col("a"), F.col("count")))
    if "loan_id" in inst.columns:
        # owners as the local job counts them: distinct borrower ids, a missing id counting as one more
        owners = F.count_distinct(bid) + F.max(bid.isNull().cast("int"))
        loans = inst.groupBy(F.col("loan_id").cast("string").alias("s")).agg(owners.alias("owners"))
        survey = survey.unionByName(facts(loans.where("owners > 1").coalesce(k), _LOAN, F.lit(0), s=F.col("s")))
    if "currency" in inst.columns:  # rows per cell text; read as the contract reads it on the driver
        cur = inst.where(F.col("currency").isNotNull()).groupBy(F.col("currency").cast("string").alias("s")).count()
        survey = survey.unionByName(facts(cur.coalesce(k), _CURRENCY, F.lit(0), F.col("count"), F.col("s")))
    survey = _contact_facts(survey, facts, inst, inputs.get("contacts"), distinct)
    got = _collect(survey)
    names = list(inputs)
    counts_by_table: dict[str, dict[int, int]] = {t: {} for t in names}
    for key, n in got.loc[got["kind"] == _COUNT, ["a", "b"]].itertuples(index=False, name=None):
        counts_by_table[names[int(key) >> 32]][int(key) & 0xFFFFFFFF] = int(n)
    sketch = DistinctSketch()
    sketch.add(got.loc[got["kind"] == _SKETCH, "a"].to_numpy(np.int64).view(np.uint64))
    days = got.loc[got["kind"] == _DAY].groupby("a")["b"].sum()
    shared = got.loc[got["kind"] == _LOAN, "s"]
    cells = got.loc[got["kind"] == _CURRENCY]
    codes = currency_codes(cells["s"])
    valid = is_currency_code(codes)
    currencies = cells.loc[valid, "b"].groupby(codes[valid]).sum()
    return {"counts": counts_by_table, "borrowers": sketch.estimate(), **_contacts_match(got, "contacts" in inputs),
            "currencies": {str(c): int(v) for c, v in currencies.items()},
            "histogram": Counter({int(d): int(n) for d, n in days.items()}),
            "bad_loans": frozenset(int(x) for x in borrower_hash(shared)) if len(shared) else frozenset()}


def _contact_facts(survey: Any, facts: Any, inst: Any, contacts: Any, distinct: Any) -> Any:
    """The survey with a row for a contact of a borrower of the installments (one at most: a semi join of
    the log's ids to the installments' ``distinct`` ids) and the smallest id of each side: is the contact
    log of these borrowers at all (the local job asks it too)? Without a log, the survey as it is."""
    from pyspark.sql import functions as F

    if contacts is None:
        return survey
    theirs = contacts.select(F.col("borrower_id").cast("string").alias("borrower_id")).where(
        F.col("borrower_id").isNotNull())
    hit = theirs.join(distinct, "borrower_id", "left_semi").limit(1)
    survey = survey.unionByName(facts(hit, _MATCH, F.lit(1)))
    for i, df in enumerate((inst, theirs)):
        smallest = df.agg(F.min(F.col("borrower_id").cast("string")).alias("s"))
        survey = survey.unionByName(facts(smallest, _EXAMPLE, F.lit(i), s=F.col("s")))
    return survey


def _contacts_match(got: Any, contacts: bool) -> dict[str, Any]:
    """``contacts_match`` (whether the contact log, when there is one, holds a contact of a borrower of the
    installments) and ``id_examples`` (the smallest id of each side), read from the survey's facts."""
    examples = {int(a): s for a, s in got.loc[got["kind"] == _EXAMPLE, ["a", "s"]].itertuples(index=False, name=None)
                if isinstance(s, str)}  # an empty side's smallest id is missing
    # a log without an id (none, or all missing) is no other borrowers' history: the chunks reject its rows
    matched = not contacts or examples.get(1) is None or bool((got["kind"] == _MATCH).any())
    return {"contacts_match": matched, "id_examples": {"installments": examples.get(0), "contacts": examples.get(1)}}


def _collect(df: Any) -> Any:
    """A small Spark DataFrame on the driver as pandas, through Arrow: ``toArrow`` (Spark 4), or the
    collected rows typed by the frame's Arrow schema (Spark 3.5, which has no ``toArrow``)."""
    if hasattr(df, "toArrow"):
        return df.toArrow().to_pandas()
    rows = [row.asDict() for row in df.collect()]
    return pa.Table.from_pylist(rows, schema=arrow_schema(df.schema)).to_pandas()


def arrow_schema(schema: Any) -> pa.Schema:
    """The Arrow schema of a Spark schema, timestamps in UTC (Spark 4 takes the zone; 3.5 always gives UTC)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    try:
        return to_arrow_schema(schema, timezone="UTC")
    except TypeError:  # Spark 3.5
        return to_arrow_schema(schema)
