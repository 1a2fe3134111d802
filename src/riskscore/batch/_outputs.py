"""The output contracts of a scoring run: one Arrow schema per output table.

Every chunk's outputs are cast to these schemas before they are written (locally) or returned
(on Spark), so chunks concatenate without type drift and the Spark and local outputs are the
same tables.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

__all__ = ["AUDIT_SCHEMA", "HORIZONS", "OUTPUTS", "PLANS_SCHEMA", "REJECTS_SCHEMA", "SCORES_SCHEMA", "TOP_REASONS",
           "to_arrow"]

#: Days of the survival curve reported in ``scores.parquet`` (``p_repaid_{d}d``).
HORIZONS = (7, 14, 30, 60, 90)
#: Reason codes reported per borrower in ``scores.parquet`` (the US adverse-action convention).
TOP_REASONS = 4
_UTC = pa.timestamp("us", tz="UTC")

SCORES_SCHEMA = pa.schema(
    [("borrower_id", pa.string()), ("as_of", pa.date32()), ("status", pa.string()), ("likelihood", pa.float64())]
    + [(f"p_repaid_{d}d", pa.float64()) for d in HORIZONS]
    + [("expected_days", pa.float64()), ("points", pa.float64()), ("grade", pa.string()),
       ("amount_at_risk", pa.float64()), ("language", pa.string())]
    + [(f"reason_{i}_{part}", pa.string()) for i in range(1, TOP_REASONS + 1) for part in ("code", "text")]
)
PLANS_SCHEMA = pa.schema([
    ("borrower_id", pa.string()), ("step", pa.int64()), ("action", pa.string()), ("channel", pa.string()),
    ("recipient", pa.string()), ("window_start_utc", _UTC), ("window_end_utc", _UTC),
    ("local_timezone", pa.string()), ("window_start_local", pa.string()), ("window_end_local", pa.string()),
    ("local_windows", pa.string()), ("template_id", pa.string()), ("language", pa.string()), ("tone", pa.string()),
    ("message", pa.string()), ("rationale", pa.string()), ("day", pa.int64()), ("segment", pa.string()),
    ("profile", pa.string()), ("profile_version", pa.string()),
])
AUDIT_SCHEMA = pa.schema([(c, pa.string()) for c in (
    "borrower_id", "rule_id", "kind", "basis", "outcome", "detail", "policy_params", "profile", "profile_version")])
REJECTS_SCHEMA = pa.schema([
    ("table", pa.string()), ("row", pa.int64()), ("borrower_id", pa.string()), ("column", pa.string()),
    ("check", pa.string()), ("reason", pa.string()), ("values", pa.string()),
])
#: Output name -> schema, in the order a run writes them.
OUTPUTS: dict[str, pa.Schema] = {"scores": SCORES_SCHEMA, "plans": PLANS_SCHEMA, "audit": AUDIT_SCHEMA,
                                 "rejects": REJECTS_SCHEMA}


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame`` as a table of exactly ``schema`` (columns in order, cast; extra columns refused).

    Examples
    --------
    >>> import pandas as pd, pyarrow as pa
    >>> to_arrow(pd.DataFrame({"a": [1, 2]}), pa.schema([("a", pa.float64())])).column("a").to_pylist()
    [1.0, 2.0]
    """
    extra = sorted(set(frame.columns) - set(schema.names))
    missing = [n for n in schema.names if n not in frame.columns]
    if extra or missing:
        raise ValueError(f"Output columns differ from the contract: missing {missing}, unexpected {extra}.")
    arrays = []
    for field in schema:
        col = frame[field.name]
        if pa.types.is_timestamp(field.type) and len(col):
            col = pd.to_datetime(col, utc=True)
        if pa.types.is_date32(field.type) and len(col):
            col = pd.to_datetime(col).dt.date
        if pa.types.is_string(field.type):
            col = col.astype(object).where(col.notna(), None)
        arrays.append(pa.array(col, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)
