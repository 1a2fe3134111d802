"""The per-chunk function: raw rows of some borrowers in, scores, plans, audit and rejects out.

It is the one function both engines run: the local job calls it per chunk in worker
processes, Spark calls it per chunk in ``applyInPandas``. Its result depends only on the rows
of the chunk and the settings (rows are put in input order first), so the engines agree.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from riskscore.batch._inputs import borrower_hash
from riskscore.batch._outputs import HORIZONS, OUTPUTS, TOP_REASONS
from riskscore.batch._partition import ROW
from riskscore.explain import LANGUAGES, Explainer, reason_codes
from riskscore.features import hardship_signal
from riskscore.model import RepaymentModel, feature_builder
from riskscore.monitor import bin_counts, merge_counts
from riskscore.policy import ContactPolicy
from riskscore.schemas import quarantine

__all__ = ["ChunkResult", "ChunkSettings", "as_utc", "merge_stats", "profile_groups", "run_summary", "score_chunk",
           "split_capacity"]

_TABLES = ("installments", "borrowers", "contacts")
_CASCADE = ("borrower_rejected_whole", "another table holds a rejected row of this borrower; borrower rejected whole")


@dataclass(frozen=True)
class ChunkSettings:
    """What every chunk of a run shares.

    Attributes
    ----------
    as_of : Timestamp
        The as-of date of the features (a calendar date).
    now : Timestamp
        When contact plans start (UTC).
    data_date : Timestamp
        Payments dated after it are rejected (the run infers it once for the whole input).
    profiles : mapping
        ``{"*": profile}`` or ``{country: profile, ..., "*": default}`` (by the borrowers'
        ``country`` column); a profile is a shipped name or a YAML path.
    policy_options : mapping
        Keyword arguments of :class:`~riskscore.policy.ContactPolicy` (besides the profile).
    agent_calls_per_day : int or None
        This chunk's share of the run's agent-call capacity (``None``: no limit).
    bad_loans : frozenset of int
        Hashes of loans that belong to several borrowers somewhere in the input.
    language : str
        Reason-code language for borrowers without a supported one.
    """

    as_of: pd.Timestamp
    now: pd.Timestamp
    data_date: pd.Timestamp
    profiles: Mapping[str, str] = field(default_factory=lambda: {"*": "us_reg_f_2021"})
    policy_options: Mapping[str, Any] = field(default_factory=dict)
    agent_calls_per_day: int | None = None
    bad_loans: frozenset[int] = frozenset()
    language: str = "en"


@dataclass
class ChunkResult:
    """One chunk's output tables (:data:`riskscore.batch.OUTPUTS` columns) and its statistics."""

    tables: dict[str, pd.DataFrame]
    stats: dict[str, Any]


def split_capacity(total: int | None, weights: list[float]) -> list[int | None]:
    """Split an integer capacity in proportion to ``weights`` (largest remainder; ties to the first).

    Examples
    --------
    >>> split_capacity(10, [1, 1, 1])
    [4, 3, 3]
    >>> split_capacity(None, [1, 2])
    [None, None]
    """
    if total is None:
        return [None] * len(weights)
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones(len(w))
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return [int(x) for x in base]


def _text(v: object) -> object:
    """One input value as JSON-able text, the same whichever engine read it (dates as ``YYYY-MM-DD``)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, datetime | date):
        t = pd.Timestamp(v)
        return str(t.date()) if t.tzinfo is None and t == t.normalize() else t.isoformat()
    if isinstance(v, np.generic):
        v = v.item()
    return v if isinstance(v, str | bool | int | float) else str(v)


def _rejects(table: str, raw: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows (with reason, column, check) in the output contract; ``values`` as JSON text."""
    if raw.empty:
        return pd.DataFrame(columns=OUTPUTS["rejects"].names)
    values = raw.drop(columns=[ROW, "reason", "column", "check"], errors="ignore")
    cols = list(values.columns)
    text = [json.dumps(dict(zip(cols, map(_text, row), strict=True)), default=str)
            for row in values.itertuples(index=False, name=None)]
    ids = raw["borrower_id"]
    return pd.DataFrame({"table": table, "row": raw[ROW].to_numpy(np.int64),
                         "borrower_id": ids.astype(object).where(ids.notna(), None).to_numpy(),
                         "column": raw["column"].to_numpy(), "check": raw["check"].to_numpy(),
                         "reason": raw["reason"].to_numpy(), "values": text})


def _split(table: str, raw: pd.DataFrame, settings: ChunkSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(good typed rows, rejects) of one table of the chunk."""
    if raw.empty:
        return raw, _rejects(table, raw)
    pre = pd.DataFrame()
    if table == "installments" and settings.bad_loans and "loan_id" in raw:
        hit = np.isin(borrower_hash(raw["loan_id"]), np.fromiter(settings.bad_loans, dtype=np.uint64))
        owners = raw.loc[hit, "borrower_id"].dropna().unique()
        whole = raw["borrower_id"].isin(owners).to_numpy()
        pre = raw.loc[whole].assign(column="loan_id", check="one_borrower_per_loan",
                                    reason="this loan_id belongs to several borrowers in the input")
        raw = raw.loc[~whole]
    options = {"data_date": settings.data_date} if table == "installments" else {}
    good, bad = quarantine(raw, table, warn_above=1.0, **options) if len(raw) else (raw, raw.iloc[:0])
    rejects = pd.concat([_rejects(table, pre), _rejects(table, bad)], ignore_index=True) if len(pre) \
        else _rejects(table, bad)
    return good, rejects


def _wide_reasons(reasons: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=ids)
    top = reasons.loc[reasons["rank"] <= TOP_REASONS]
    for i in range(1, TOP_REASONS + 1):
        part = top.loc[top["rank"] == i].set_index("row")
        out[f"reason_{i}_code"] = part["code"].reindex(ids).to_numpy(dtype=object)
        out[f"reason_{i}_text"] = part["text"].reindex(ids).to_numpy(dtype=object)
    return out


def profile_groups(profiles: Mapping[str, str], borrowers: pd.DataFrame | None, ids: pd.Index
                   ) -> dict[str, pd.Index]:
    """The borrowers ``ids`` by rule profile: ``profiles`` maps the borrowers' ``country`` to a
    profile, ``"*"`` the others (see :func:`parse_profiles`); profiles in sorted order.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"borrower_id": ["a", "b", "c"], "country": ["US", "GB", None]})
    >>> groups = profile_groups({"US": "us_reg_f_2021", "*": "strict_v1"}, b, pd.Index(["a", "b", "c"]))
    >>> {k: list(v) for k, v in groups.items()}
    {'strict_v1': ['b', 'c'], 'us_reg_f_2021': ['a']}
    """
    default = profiles.get("*", "us_reg_f_2021")
    if borrowers is None or len(profiles) == 1 or "country" not in borrowers:
        return {default: ids} if len(ids) else {}
    country = borrowers.set_index("borrower_id")["country"].reindex(ids).astype(object)
    profile = country.map(dict(profiles)).fillna(default).to_numpy(dtype=object)
    return {p: ids[profile == p] for p in sorted(set(profile))}


def _plans(model_scores: pd.DataFrame, reasons: pd.DataFrame, borrowers: pd.DataFrame | None,
           contacts: pd.DataFrame | None, settings: ChunkSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    empty = (pd.DataFrame(columns=OUTPUTS["plans"].names), pd.DataFrame(columns=OUTPUTS["audit"].names))
    if borrowers is None or model_scores.empty:
        return empty
    log = None
    if contacts is not None and len(contacts):
        log = contacts.loc[contacts["contacted_at"] <= settings.now]
    groups = profile_groups(settings.profiles, borrowers, model_scores.index)
    caps = split_capacity(settings.agent_calls_per_day, [len(g) for g in groups.values()])
    steps, audits = [], []
    for (profile, ids), cap in zip(groups.items(), caps, strict=True):
        policy = ContactPolicy(profile, agent_calls_per_day=cap, **dict(settings.policy_options))
        known = borrowers.loc[borrowers["borrower_id"].isin(ids)]
        part_log = None if log is None else log.loc[log["borrower_id"].isin(ids)]
        plans = policy.plan(model_scores.loc[ids], reasons.loc[reasons["row"].isin(ids)], known, part_log,
                            now=settings.now, validate=False)  # validated by _split a moment ago
        steps.append(plans.steps.assign(profile=plans.profile.name, profile_version=plans.profile.version))
        audits.append(plans.audit())
    plan_rows = pd.concat(steps, ignore_index=True).sort_values(["borrower_id", "step"], ignore_index=True)
    audit = pd.concat(audits, ignore_index=True).sort_values("borrower_id", kind="stable", ignore_index=True)
    return plan_rows[OUTPUTS["plans"].names], audit[OUTPUTS["audit"].names]


def score_chunk(frames: Mapping[str, pd.DataFrame], model: RepaymentModel, settings: ChunkSettings, *,
                explainer: Explainer | None = None) -> ChunkResult:
    """Validate, score, explain and plan one chunk of borrowers.

    Parameters
    ----------
    frames : mapping
        ``installments`` (required), ``borrowers`` and ``contacts`` (optional): the raw rows of
        the chunk's borrowers, each with the column ``_row`` (the row's position in its input).
    model : RepaymentModel
    settings : ChunkSettings
    explainer : Explainer, optional
        Reused across chunks (built from ``model`` when not given).

    Returns
    -------
    ChunkResult
        ``tables``: ``scores``, ``plans``, ``audit``, ``rejects`` (see
        :data:`riskscore.batch.OUTPUTS`); ``stats``: row and borrower counts, stage timings
        and the PSI bin counts.

    Examples
    --------
    >>> from riskscore.batch import ChunkSettings, score_chunk   # doctest: +SKIP
    >>> score_chunk({"installments": raw}, model, settings).tables["scores"]  # doctest: +SKIP
    """
    clock, timings = time.perf_counter(), {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock
        clock = now

    raw = {t: frames[t].sort_values(ROW, kind="stable", ignore_index=True) for t in _TABLES if t in frames}
    good, rejects, bad_ids = _validate(raw, settings)
    lap("validate")
    inst, contacts, borrowers = good["installments"], good.get("contacts"), good.get("borrowers")
    valid_ids = pd.Index(np.sort(inst["borrower_id"].unique().astype(object)), name="borrower_id")
    fb = feature_builder(model)
    if len(inst):
        X = fb.transform(inst, settings.as_of, contacts=contacts)
    else:
        X = pd.DataFrame(columns=fb.get_feature_names_out(), dtype=float, index=valid_ids[:0])
    lap("features")
    model_scores, psi_counts = _predict(model, X)
    if len(X):
        model_scores["hardship_signal"] = hardship_signal(X)  # for the planner; not an output column
    lap("predict")
    reasons = _explain(model, explainer, X, borrowers, model_scores, settings)
    lap("explain")
    plans, audit = _plans(model_scores, reasons, borrowers, contacts, settings)
    lap("plan")

    scores = pd.DataFrame(index=valid_ids)
    scores["as_of"] = settings.as_of
    scores["status"] = np.where(valid_ids.isin(X.index), "scored", "nothing_due")
    scores = scores.join(model_scores.join(_wide_reasons(reasons, X.index)), how="left")
    scores = scores.reset_index()[OUTPUTS["scores"].names]
    installment_ids = raw["installments"]["borrower_id"].dropna().unique()
    stats = {
        "rows_in": {t: len(df) for t, df in raw.items()},
        "rows_rejected": rejects["table"].value_counts().reindex(list(raw), fill_value=0).astype(int).to_dict(),
        "borrowers_in": len(installment_ids), "borrowers_scored": int((scores["status"] == "scored").sum()),
        "borrowers_nothing_due": int((scores["status"] == "nothing_due").sum()),
        "borrowers_rejected": int(pd.Index(installment_ids).isin(bad_ids).sum()),
        "rows_unmatched": {t: int((~g["borrower_id"].isin(valid_ids)).sum()) for t, g in good.items()
                           if t != "installments"},
        "plans_borrowers": int(plans["borrower_id"].nunique()) if len(plans) else 0,
        "plan_steps": len(plans), "actions": plans["action"].value_counts().to_dict() if len(plans) else {},
        "psi_counts": psi_counts, "timings": timings, "check_counts": rejects["check"].value_counts().to_dict(),
    }
    return ChunkResult({"scores": scores, "plans": plans, "audit": audit, "rejects": rejects}, stats)


def _validate(raw: Mapping[str, pd.DataFrame], settings: ChunkSettings
              ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.Index]:
    """(good rows per table, all rejects, rejected borrowers): a borrower with a rejected row in any
    table is rejected whole, in every table."""
    good, rejects = {}, []
    for t, df in raw.items():
        good[t], rej = _split(t, df, settings)
        rejects.append(rej)
    bad_ids = pd.Index(pd.concat([r["borrower_id"] for r in rejects]).dropna().unique())
    for t in list(good):
        if not len(good[t]) or not len(bad_ids):
            continue
        hit = good[t]["borrower_id"].isin(bad_ids).to_numpy()
        if hit.any():
            cascaded = raw[t].loc[raw[t][ROW].isin(good[t].loc[hit, ROW])].assign(
                column="borrower_id", check=_CASCADE[0], reason=_CASCADE[1])
            rejects.append(_rejects(t, cascaded))
            good[t] = good[t].loc[~hit]
    return good, pd.concat(rejects, ignore_index=True).sort_values(["table", "row"], ignore_index=True), bad_ids


def _predict(model: RepaymentModel, X: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    if not len(X):
        return pd.DataFrame(index=X.index), {}
    model_scores = model.predict_scores(X, days=HORIZONS)
    model_scores["amount_at_risk"] = X.get("amount_outstanding", np.nan)
    psi_counts = {}
    if getattr(model, "reference_", None):
        psi_counts = bin_counts(model.reference_, X.assign(likelihood=model_scores["likelihood"]))
    return model_scores, psi_counts


def _explain(model: RepaymentModel, explainer: Explainer | None, X: pd.DataFrame, borrowers: pd.DataFrame | None,
             model_scores: pd.DataFrame, settings: ChunkSettings) -> pd.DataFrame:
    """Reason codes in each borrower's language (``settings.language`` for the others); sets ``language``."""
    langs = pd.Series(settings.language, index=X.index)
    if borrowers is not None and len(borrowers):
        primary = borrowers.set_index("borrower_id")["language"].reindex(X.index).str.split("-").str[0]
        langs = primary.where(primary.isin(LANGUAGES), settings.language)
    model_scores["language"] = langs
    if not len(X):
        return pd.DataFrame(columns=["row", "rank", "code", "text"])
    lang_table = pd.DataFrame({"borrower_id": X.index, "language": langs.to_numpy()})
    return reason_codes(explainer or Explainer(model), X, borrowers=lang_table, top=TOP_REASONS)


def merge_stats(items: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Add up the statistics of several chunks (counts, per-key counts, PSI bin counts).

    Examples
    --------
    >>> merge_stats([{"borrowers_in": 2, "actions": {"reminder": 1}}, {"borrowers_in": 3, "actions": {"none": 2}}])
    {'borrowers_in': 5, 'actions': {'reminder': 1, 'none': 2}}
    """
    total: dict[str, Any] = {}
    for s in items:
        for k, v in s.items():
            if k == "psi_counts":
                total[k] = merge_counts(total.get(k, {}), v)
            elif isinstance(v, dict):
                sub = total.setdefault(k, {})
                for kk, vv in v.items():
                    sub[kk] = sub.get(kk, 0) + vv
            else:
                total[k] = total.get(k, 0) + v
    return total


def run_summary(stats: Mapping[str, Any], *, planned: bool) -> dict[str, Any]:
    """The borrower, reject and plan sections of a run manifest, from :func:`merge_stats`'s total."""
    return {
        "borrowers": {"in": stats.get("borrowers_in", 0), "scored": stats.get("borrowers_scored", 0),
                      "nothing_due": stats.get("borrowers_nothing_due", 0),
                      "rejected": stats.get("borrowers_rejected", 0)},
        "rejects_by_check": stats.get("check_counts", {}),
        "plans": {"borrowers": stats.get("plans_borrowers", 0), "steps": stats.get("plan_steps", 0),
                  "actions": stats.get("actions", {}),
                  "note": None if planned else "no borrowers table: no plans were made"},
    }


def as_utc(ts: str | pd.Timestamp) -> pd.Timestamp:
    """A timestamp in UTC; a naive one is read as UTC (``--now 2026-11-23 13:00``)."""
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def stats_json(stats: Mapping[str, Any]) -> str:
    """The statistics as JSON (numpy numbers made plain)."""
    return json.dumps(stats, default=lambda o: o.item() if hasattr(o, "item") else str(o), sort_keys=True)
