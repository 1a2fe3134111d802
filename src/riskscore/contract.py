"""The run contract: what a scoring run writes, declared once.

Both engines (:func:`riskscore.score_portfolio` and :mod:`riskscore.spark`) write these tables
and this manifest; the report, the policy and the CLI read their column lists from here.

- :data:`CURVE_DAYS`: the days of the survival curve reported per borrower
  (``p_repaid_{d}d``), and :data:`TOP_REASONS`, the reason codes reported per borrower;
- :data:`OUTPUTS`: one Arrow schema per output table (``scores``, ``plans``, ``audit``,
  ``rejects``), in the order a run writes them; :func:`output_schema` gives the same contract as
  a pandera schema, :func:`to_arrow` casts a frame to it;
- :class:`RunManifest`: the typed, versioned ``manifest.json`` of a run.

Examples
--------
>>> from riskscore.contract import CURVE_DAYS, OUTPUTS, TOP_REASONS
>>> CURVE_DAYS, TOP_REASONS
((7, 14, 30, 60, 90), 4)
>>> list(OUTPUTS)
['scores', 'plans', 'audit', 'rejects']
>>> reason_columns("code")
['reason_1_code', 'reason_2_code', 'reason_3_code', 'reason_4_code']
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pyarrow as pa

from riskscore.exceptions import ContractError

__all__ = [
    "AUDIT_COLUMNS",
    "CURVE_DAYS",
    "OUTPUTS",
    "PLAN_COLUMNS",
    "RUN_FORMAT",
    "RUN_FORMAT_VERSION",
    "TOP_REASONS",
    "RunManifest",
    "curve_columns",
    "empty_input",
    "empty_output",
    "output_schema",
    "reason_columns",
    "to_arrow",
]

#: Days of the survival curve reported in ``scores.parquet`` (``p_repaid_{d}d``).
CURVE_DAYS: tuple[int, ...] = (7, 14, 30, 60, 90)
#: Reason codes reported per borrower in ``scores.parquet`` (the US adverse-action convention).
TOP_REASONS = 4
#: ``manifest.json``'s ``format`` and the version this riskscore writes (and the major it reads).
RUN_FORMAT = "riskscore-run"
RUN_FORMAT_VERSION = "2.0"
_UTC = pa.timestamp("us", tz="UTC")


def curve_columns(days: tuple[int, ...] = CURVE_DAYS) -> list[str]:
    """The survival-curve columns of the scores table.

    Examples
    --------
    >>> curve_columns((7, 30))
    ['p_repaid_7d', 'p_repaid_30d']
    """
    return [f"p_repaid_{int(d)}d" for d in days]


def reason_columns(part: str | None = None, top: int = TOP_REASONS) -> list[str]:
    """The reason columns of the scores table: ``part`` ``"code"`` or ``"text"``, or both in order.

    Examples
    --------
    >>> reason_columns(top=1)
    ['reason_1_code', 'reason_1_text']
    """
    parts = ("code", "text") if part is None else (part,)
    return [f"reason_{i}_{p}" for i in range(1, top + 1) for p in parts]


_SCORES = pa.schema(
    [("borrower_id", pa.string()), ("as_of", pa.date32()), ("status", pa.string()), ("likelihood", pa.float64())]
    + [(c, pa.float64()) for c in curve_columns()]
    + [("expected_days", pa.float64()), ("points", pa.float64()), ("grade", pa.string()),
       ("amount_at_risk", pa.float64()), ("language", pa.string())]
    + [(c, pa.string()) for c in reason_columns()]
)
_PLANS = pa.schema([
    ("borrower_id", pa.string()), ("step", pa.int64()), ("action", pa.string()), ("channel", pa.string()),
    ("recipient", pa.string()), ("destination", pa.string()), ("loan_ids", pa.string()),
    ("window_start_utc", _UTC), ("window_end_utc", _UTC),
    ("local_timezone", pa.string()), ("window_start_local", pa.string()), ("window_end_local", pa.string()),
    ("local_windows", pa.string()), ("template_id", pa.string()), ("language", pa.string()), ("tone", pa.string()),
    ("message", pa.string()), ("rationale", pa.string()), ("day", pa.int64()), ("segment", pa.string()),
    ("profile", pa.string()), ("profile_version", pa.string()),
    ("decision", pa.string()), ("default_decision", pa.string()), ("propensity", pa.float64()),
    ("eligible_decisions", pa.string()), ("explore_share", pa.float64()),
])
_AUDIT = pa.schema([(c, pa.string()) for c in (
    "borrower_id", "rule_id", "kind", "basis", "outcome", "detail", "policy_params", "reading", "profile",
    "profile_version")])
_REJECTS = pa.schema([
    ("table", pa.string()), ("row", pa.int64()), ("borrower_id", pa.string()), ("column", pa.string()),
    ("check", pa.string()), ("reason", pa.string()), ("values", pa.string()),
])
#: Output name -> Arrow schema, in the order a run writes them.
OUTPUTS: dict[str, pa.Schema] = {"scores": _SCORES, "plans": _PLANS, "audit": _AUDIT, "rejects": _REJECTS}
#: The columns of a plan step that the rules check (one row per step; ``step`` counts from 1 within a
#: borrower's plan, in time order). Windows are ``[start, end)``; ``window_*_local`` are
#: ``YYYY-MM-DD HH:MM`` wall-clock times in ``local_timezone`` (the borrower's ``timezone``), and
#: ``local_windows`` gives the window in every candidate zone; every instant of the window is
#: allowed (the send window). ``destination`` is the opaque id of the number or address used
#: (from the borrowers' ``destinations``; null when the table gives none) and ``loan_ids`` the
#: debts the step concerns, comma-separated (null: every debt of the borrower). No-contact steps
#: (``none``, ``human_review``) have no channel or window. The planner adds ``day`` and
#: ``segment``, the job the ``profile`` and its ``profile_version``.
#: The decision columns (the same on every row of a borrower: one decision per borrower per run) say which
#: plan the borrower got (``decision``), the policy's own choice (``default_decision``), the probability of
#: the decision taken (``propensity``, 1.0 without exploration), the decisions a draw could give
#: (``eligible_decisions``, comma-separated) and the exploration share (see :class:`riskscore.policy.Exploration`).
PLAN_COLUMNS: list[str] = [c for c in _PLANS.names if c not in ("day", "segment", "profile", "profile_version",
                                                                "decision", "default_decision", "propensity",
                                                                "eligible_decisions", "explore_share")]
#: The columns of a plan's rule audit (one row per borrower and rule).
AUDIT_COLUMNS: list[str] = list(_AUDIT.names)
#: Columns that never hold a missing value in a written output.
_REQUIRED = {"scores": ("borrower_id", "as_of", "status"), "plans": ("borrower_id", "step", "action"),
             "audit": ("borrower_id", "rule_id", "outcome"), "rejects": ("table", "row", "check", "reason")}


def _pandas_dtype(t: pa.DataType) -> Any:
    """The pandas dtype :func:`output_schema` coerces an Arrow type to."""
    if pa.types.is_string(t):
        return "str"
    if pa.types.is_int64(t):
        return "int64"
    if pa.types.is_timestamp(t):
        return pd.DatetimeTZDtype(unit="ns", tz="UTC")
    if pa.types.is_date32(t):
        return "datetime64[ns]"
    return "float64"


def empty_output(name: str) -> pd.DataFrame:
    """One output table with no rows: its columns in order, typed as :func:`output_schema` types them.

    What the engines and the :class:`~riskscore.scoring.Scorer` return when there is nobody to
    score or plan (empty is normal, not an error).

    Examples
    --------
    >>> plans = empty_output("plans")
    >>> len(plans), str(plans["step"].dtype), str(plans["window_start_utc"].dtype)
    (0, 'int64', 'datetime64[ns, UTC]')
    """
    if name not in OUTPUTS:
        raise ContractError(f"There is no output table {name!r}; the outputs are {', '.join(OUTPUTS)}.")
    return pd.DataFrame({f.name: pd.Series(dtype=_pandas_dtype(f.type)) for f in OUTPUTS[name]})


def empty_input(table: str) -> pd.DataFrame:
    """An input table with no rows: every column of its data contract, typed as validation types them.

    A chunk may hold no row of a table (an empty input, or none of its borrowers in it); the
    steps after validation then see the same columns and types as with rows.

    Examples
    --------
    >>> str(empty_input("contacts").dtypes["contacted_at"])
    'datetime64[ns, UTC]'
    """
    from riskscore.schemas import BorrowersSchema, ContactsSchema, InstallmentsSchema

    contracts = {"installments": InstallmentsSchema, "borrowers": BorrowersSchema, "contacts": ContactsSchema}
    if table not in contracts:
        raise ContractError(f"There is no input table {table!r}; the inputs are {', '.join(contracts)}.")
    columns = contracts[table].to_schema().columns
    return pd.DataFrame({c: pd.Series(dtype=col.dtype.type) for c, col in columns.items()})


def output_schema(name: str) -> Any:
    """The pandera schema of one output table (column names, order and types of :data:`OUTPUTS`).

    Strings are ``str`` (nullable unless the column is required), numbers ``float64`` or
    ``int64``, dates and UTC times ``datetime64``; extra columns are refused.

    Examples
    --------
    >>> import pandas as pd
    >>> s = output_schema("rejects")
    >>> list(s.columns)[:3]
    ['table', 'row', 'borrower_id']
    """
    from riskscore._pandera import pa as pandera

    if name not in OUTPUTS:
        raise ContractError(f"There is no output table {name!r}; the outputs are {', '.join(OUTPUTS)}.")
    cols = {}
    for f in OUTPUTS[name]:
        dtype = _pandas_dtype(f.type)
        cols[f.name] = pandera.Column(str if dtype == "str" else dtype, nullable=f.name not in _REQUIRED[name],
                                      coerce=True)
    return pandera.DataFrameSchema(cols, strict=True, ordered=True, name=name)


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
        raise ContractError(f"Output columns differ from the contract: missing {missing}, unexpected {extra}.")
    arrays = []
    for f in schema:
        col = frame[f.name]
        if pa.types.is_timestamp(f.type) and len(col):
            col = pd.to_datetime(col, utc=True)
        if pa.types.is_date32(f.type) and len(col):
            col = pd.to_datetime(col).dt.date
        if pa.types.is_string(f.type):
            if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":  # Arrow text already
                arrays.append(pa.array(col, from_pandas=True).cast(f.type))
                continue
            col = col.astype(object).where(col.notna(), None)
        arrays.append(pa.array(col, type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


@dataclass(frozen=True)
class RunManifest:
    """The ``manifest.json`` of a scoring run, as both engines write it and the report reads it.

    ``format`` and ``format_version`` are written with the fields; :meth:`from_dict` refuses
    another format or a major version this riskscore does not know, and reads a 1.x manifest
    (the local engine's before 2.0) as engine ``"local"``.

    Attributes
    ----------
    run_id : str
        The run's key (a hash of inputs, bundle and settings; Spark: ``spark-`` + the same hash).
    engine : {"local", "spark"}
    as_of, now, data_date : str
        The as-of date (``YYYY-MM-DD``), the plans' start (ISO, UTC) and the last payment date
        accepted.
    inputs : dict
        Per input table: ``path``, ``bytes``, ``sha256`` (and ``files``); ``sha256`` is ``None``
        when the engine could not read the input as local files.
    model : dict
        ``path``, ``sha256`` (of the bundle's manifest), ``training_window``, ``format_version``.
    profiles : dict
        Country (or ``*``) -> rule profile.
    settings : dict
        The run's options (chunk size, capacity, policy options, ...).
    chunks : dict
        ``total``, ``run_now``, ``resumed``.
    rows : dict
        Per input table: ``in``, ``rejected``, ``unmatched``, ``read_by_chunks``.
    borrowers : dict
        ``in``, ``scored``, ``nothing_due``, ``rejected``.
    rejects_by_check : dict
        Rejected rows per check.
    duplicates_dropped : dict
        Per input table: exact duplicate rows dropped (equal to an earlier row on every contract
        column; see :func:`riskscore.quarantine`). Empty in manifests written before it existed.
    currency : str or None
        The installments' currency (ISO 4217, from their optional ``currency`` column; ``None``
        without one). A run is in one currency.
    plans : dict
        ``borrowers``, ``steps``, ``actions`` and a ``note``.
    outputs : dict
        Per output: ``file``, ``rows`` and ``sha256`` (``None`` for a Spark folder).
    psi : dict
        The drift summary (:func:`riskscore.monitor.psi_summary`).
    timings_s : dict
        Wall-clock and per-stage seconds.
    versions : dict
        Package versions of the run.

    Examples
    --------
    >>> from riskscore.contract import RunManifest
    >>> m = RunManifest.from_dict({"format": "riskscore-run", "format_version": "2.0", "run_id": "r1",
    ...                            "engine": "local", "as_of": "2025-10-02", "now": "2025-10-02T08:00:00+00:00",
    ...                            "data_date": "2025-10-02"})
    >>> m.engine, m.to_dict()["format"]
    ('local', 'riskscore-run')
    >>> RunManifest.from_dict({"format": "riskscore-run", "format_version": "9.0"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskscore.exceptions.ContractError: manifest: run manifest format_version 9.0 is newer than this ...
    """

    run_id: str
    engine: str
    as_of: str
    now: str
    data_date: str
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    chunks: dict[str, int] = field(default_factory=dict)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    borrowers: dict[str, int] = field(default_factory=dict)
    rejects_by_check: dict[str, int] = field(default_factory=dict)
    duplicates_dropped: dict[str, int] = field(default_factory=dict)
    currency: str | None = None
    plans: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    psi: dict[str, Any] = field(default_factory=dict)
    timings_s: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    format: ClassVar[str] = RUN_FORMAT
    format_version: ClassVar[str] = RUN_FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.engine not in ("local", "spark"):
            raise ContractError(f"manifest: engine must be 'local' or 'spark', got {self.engine!r}.")

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-able data, with ``format`` and ``format_version`` first."""
        return {"format": self.format, "format_version": self.format_version, **dataclasses.asdict(self)}

    def to_json(self) -> str:
        """The manifest as indented JSON text (numpy numbers made plain)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True,
                          default=lambda o: o.item() if hasattr(o, "item") else str(o)) + "\n"

    def reading(self, table: str) -> dict[str, Any]:
        """How the run read input ``table``: the keyword arguments of :func:`riskscore.io.read_table`
        and :func:`riskscore.io.iter_batches` (``rename``, ``date_format``, ``number_format``,
        ``encoding``, ``values``, ``header``; None where nothing was recorded, or the run had no such input).

        Examples
        --------
        >>> m = RunManifest(run_id="r", engine="local", as_of="2025-10-02", now="2025-10-02T13:00Z",
        ...                 data_date="2025-12-31", inputs={"installments": {"columns": {"cust_no": "borrower_id"}}})
        >>> m.reading("installments")["rename"], m.reading("contacts")["date_format"]
        ({'cust_no': 'borrower_id'}, None)
        """
        entry = self.inputs.get(table, {})
        return {"rename": entry.get("columns"), "date_format": entry.get("date_format"),
                "number_format": entry.get("number_format"), "encoding": entry.get("encoding"),
                "values": entry.get("values"), "header": entry.get("header")}

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "manifest") -> RunManifest:
        """Read a manifest, refusing another format, an unknown major version or missing fields."""
        if not isinstance(data, dict):
            raise ContractError(f"{source}: a run manifest is a JSON object, got {type(data).__name__}.")
        fmt, ver = data.get("format"), str(data.get("format_version", ""))
        if fmt != RUN_FORMAT:
            raise ContractError(f"{source}: not a riskscore run manifest (format {fmt!r}, expected {RUN_FORMAT!r}).")
        major, known = ver.split(".")[0], RUN_FORMAT_VERSION.split(".")[0]
        if not major.isdigit():
            raise ContractError(f"{source}: run manifest has no readable format_version ({ver!r}).")
        if int(major) > int(known):
            raise ContractError(f"{source}: run manifest format_version {ver} is newer than this riskscore reads "
                                f"({known}.x); upgrade riskscore to read this run.")
        body = {k: v for k, v in data.items() if k not in ("format", "format_version")}
        if int(major) < int(known):  # 1.x: written by the local engine before the engine field existed
            body.setdefault("engine", "local")
        names = {f.name for f in dataclasses.fields(cls)}
        required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING]
        missing = [k for k in required if k not in body]
        if missing:
            raise ContractError(f"{source}: run manifest lacks {', '.join(missing)}.")
        return cls(**{k: v for k, v in body.items() if k in names})

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> RunManifest:
        """Read ``path`` (a ``manifest.json``); errors name the file."""
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ContractError(f"'{p}' does not exist: give the --out folder of a finished riskscore run.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ContractError(f"'{p}' cannot be read as a run manifest: {e}.") from None
        return cls.from_dict(data, source=f"'{p}'")
