"""The per-chunk function: raw rows of some borrowers in, scores, plans, audit and rejects out.

It is the one function both engines run: the local job calls it per chunk in worker
processes, Spark calls it per chunk in ``applyInPandas``. Its result depends only on the rows
of the chunk and the settings (rows are put in input order first), so the engines agree.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskscore._compat import isin
from riskscore._language import primary_languages
from riskscore._validation import (
    contacts_match_none_message,
    foreign_profiles_message,
    id_forms_hint,
    stamp_text,
    unknown_countries_message,
    unsupported_languages_message,
)
from riskscore.batch._inputs import borrower_hash
from riskscore.batch._partition import ROW
from riskscore.contract import OUTPUTS, RunManifest, empty_input, empty_output
from riskscore.explain import LANGUAGES
from riskscore.io import sha256_file
from riskscore.monitor import bin_counts, merge_counts, psi_summary
from riskscore.policy import Exploration, foreign_profiles
from riskscore.schemas import DUPLICATES_DROPPED, borrowers_as_of, contract_columns, quarantine
from riskscore.scoring import Scored, Scorer

__all__ = ["ChunkResult", "ChunkSettings", "as_utc", "merge_stats", "run_manifest", "score_chunk"]

log = logging.getLogger("riskscore.batch")
#: The releases a run's manifest records; ``holidays`` is the calendar the profiles that block public
#: holidays planned around (its dates are corrected release by release).
_PACKAGES = ("riskscore", "lightgbm", "numpy", "pandas", "pyarrow", "pandera", "scikit-learn", "holidays")
#: The run options both engines record under the manifest's ``settings``.
RUN_SETTINGS = ("chunk_borrowers", "agent_calls_per_day", "policy_options", "allow_missing_contacts", "language")

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
    """

    as_of: pd.Timestamp
    now: pd.Timestamp
    data_date: pd.Timestamp
    profiles: Mapping[str, str] = field(default_factory=lambda: {"*": "us_reg_f_2021"})
    policy_options: Mapping[str, Any] = field(default_factory=dict)
    agent_calls_per_day: int | None = None
    bad_loans: frozenset[int] = frozenset()


@dataclass
class ChunkResult:
    """One chunk's output tables (:data:`riskscore.batch.OUTPUTS` columns) and its statistics."""

    tables: dict[str, pd.DataFrame]
    stats: dict[str, Any]



def _text(v: object) -> object:
    """One input value as JSON-able text, the same whichever engine read it (dates as ``YYYY-MM-DD``)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, datetime | date):
        t = pd.Timestamp(v)
        if t.tzinfo is None and t == t.normalize():
            return str(np.datetime_as_string(t.asm8, unit="D"))  # not date(): a year past 9999 is a reject too
        return stamp_text(t)
    if isinstance(v, np.generic):
        v = v.item()
    return v if isinstance(v, str | bool | int | float) else str(v)


def _rejects(table: str, raw: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows (with reason, column, check) in the output contract; ``values`` as JSON text."""
    if raw.empty:
        return empty_output("rejects")
    values = raw[[c for c in contract_columns(table) if c in raw.columns]]  # never names, phone numbers, ...
    cols = list(values.columns)
    text = [json.dumps(dict(zip(cols, map(_text, row), strict=True)), default=str)
            for row in values.itertuples(index=False, name=None)]
    ids = raw["borrower_id"]
    return pd.DataFrame({"table": table, "row": raw[ROW].to_numpy(np.int64),
                         "borrower_id": ids.astype(object).where(ids.notna(), None).to_numpy(),
                         "column": raw["column"].to_numpy(), "check": raw["check"].to_numpy(),
                         "reason": raw["reason"].to_numpy(), "values": text})


def _empty_input(table: str) -> pd.DataFrame:
    """:func:`riskscore.contract.empty_input` with the chunk's row-position column."""
    return empty_input(table).assign(**{ROW: pd.Series(dtype=np.int64)})


def _split(table: str, raw: pd.DataFrame, settings: ChunkSettings,
           compare: Sequence[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(good typed rows, rejects, exact duplicates dropped) of one table of the chunk; no good row gives
    :func:`_empty_input`. A borrower's rows are all in one chunk, so a chunk sees all of its duplicates."""
    if raw.empty:
        return _empty_input(table), _rejects(table, raw), 0
    pre = pd.DataFrame()
    if table == "installments" and settings.bad_loans and "loan_id" in raw:
        # compared as int64 (the same bits): numpy 2.0's isin overflows on uint64 values past 2**63
        hit = np.isin(borrower_hash(raw["loan_id"]).view(np.int64),
                      np.fromiter(settings.bad_loans, dtype=np.uint64).view(np.int64))
        owners = raw.loc[hit, "borrower_id"].dropna().unique()
        whole = raw["borrower_id"].isin(owners).to_numpy()
        pre = raw.loc[whole].assign(column="loan_id", check="one_borrower_per_loan",
                                    reason="this loan_id belongs to several borrowers in the input")
        raw = raw.loc[~whole]
    options = {"data_date": settings.data_date} if table == "installments" else {}
    good, bad = quarantine(raw, table, warn_above=1.0, compare=tuple(compare), **options) if len(raw) \
        else (raw, raw.iloc[:0])
    rejects = pd.concat([_rejects(table, pre), _rejects(table, bad)], ignore_index=True) if len(pre) \
        else _rejects(table, bad)
    dropped = int(good.attrs.get(DUPLICATES_DROPPED, 0))
    return (good if len(good) else _empty_input(table)), rejects, dropped




#: The warnings of the planner this process has shown (``warnings.warn_explicit``'s registry).
_SHOWN: dict[object, object] = {}


def score_chunk(frames: Mapping[str, pd.DataFrame], scorer: Scorer, settings: ChunkSettings) -> ChunkResult:
    """Validate, score, explain and plan one chunk of borrowers.

    Parameters
    ----------
    frames : mapping
        ``installments`` (required), ``borrowers`` and ``contacts`` (optional): the raw rows of
        the chunk's borrowers, each with the column ``_row`` (the row's position in its input).
    scorer : Scorer
        The run's scorer (built once per worker, reused across chunks).
    settings : ChunkSettings

    Returns
    -------
    ChunkResult
        ``tables``: ``scores``, ``plans``, ``audit``, ``rejects`` (see
        :data:`riskscore.contract.OUTPUTS`); ``stats``: row and borrower counts, stage timings
        (CPU seconds of this process) and the PSI bin counts.

    Examples
    --------
    >>> from riskscore.batch import ChunkSettings, score_chunk   # doctest: +SKIP
    >>> score_chunk({"installments": raw}, scorer, settings).tables["scores"]  # doctest: +SKIP
    """
    clock, timings = time.process_time(), {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.process_time()
        timings[stage] = timings.get(stage, 0.0) + now - clock
        clock = now

    raw = {t: frames[t].sort_values(ROW, kind="stable", ignore_index=True) for t in _TABLES if t in frames}
    good, rejects, bad_ids, dropped = _validate(raw, settings, scorer.static_columns)
    lap("validate")
    inst, contacts, borrowers = good["installments"], good.get("contacts"), good.get("borrowers")
    valid_ids = pd.Index(np.sort(inst["borrower_id"].unique().astype(object)), name="borrower_id")
    X = scorer.features(inst, settings.as_of, contacts=contacts, validate=False,  # validated a moment ago
                        borrowers=borrowers)  # its static columns, when the model has some
    lap("features")
    scored = scorer.score(inst, settings.as_of, borrowers=borrowers, features=X,  # inst: the debts of each step
                          validate=False)
    lap("score")
    psi_counts = {}
    reference = getattr(scorer.model, "reference_", None)
    if reference and len(X):
        psi_counts = bin_counts(reference, X.assign(likelihood=scored.scores["likelihood"]))
    unknown_countries: dict[str, int] = {}
    today = None if borrowers is None else borrowers_as_of(borrowers, settings.now)  # the rows the plans read
    if today is not None and len(X):
        with warnings.catch_warnings(record=True) as caught:  # the run says what the chunks saw, once
            warnings.simplefilter("always")
            plans, audit = scorer.plan(scored, today, contacts, now=settings.now, profiles=settings.profiles,
                                       agent_calls_per_day=settings.agent_calls_per_day, validate=False,
                                       **dict(settings.policy_options))
        for w in caught:
            counts = getattr(w.message, "unknown_countries", None)
            if counts is None:  # any other warning as it would have been shown: once per place and text
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, registry=_SHOWN)
            for k, v in (counts or {}).items():
                unknown_countries[k] = unknown_countries.get(k, 0) + v
    else:
        plans, audit = empty_output("plans"), empty_output("audit")
    lap("plan")
    scores = _scores_table(valid_ids, scored, settings.as_of)
    installment_ids = raw["installments"]["borrower_id"].dropna().unique()
    # the other tables' borrowers the installments have not, and the scored borrowers without a borrowers row
    alone = {t: g["borrower_id"][~isin(g["borrower_id"], valid_ids)] for t, g in good.items() if t != "installments"}
    without_row = _ids_without_row(scores, today)
    stats = {
        "rows_in": {t: len(df) for t, df in raw.items()},
        "rows_rejected": rejects["table"].value_counts().reindex(list(raw), fill_value=0).astype(int).to_dict(),
        "duplicates_dropped": dropped,
        "borrowers_in": len(installment_ids), "borrowers_scored": int((scores["status"] == "scored").sum()),
        "borrowers_nothing_due": int((scores["status"] == "nothing_due").sum()),
        "borrowers_rejected": int(pd.Index(installment_ids).isin(bad_ids).sum()),
        "rows_unmatched": {t: len(ids) for t, ids in alone.items()},
        "scored_without_row": len(without_row),
        # one id of each side, for the run's warnings when a table matches the installments badly
        # (chunks add the dicts up, the run names the smallest of each)
        "id_example_without_row": _first(without_row),
        "id_example_borrowers_alone": _first(alone.get("borrowers", ())),
        "id_example_installments": _first(valid_ids[:1]),  # valid_ids are sorted
        "id_example_contacts_alone": _first(alone.get("contacts", ())),
        "plans_borrowers": int(plans["borrower_id"].nunique()) if len(plans) else 0,
        "plan_steps": len(plans), "actions": plans["action"].value_counts().to_dict() if len(plans) else {},
        "holidays_unknown_countries": unknown_countries,
        "languages_unsupported": _unsupported_languages(today, scored.scores.index),
        # borrowers planned under the rules of another country than theirs (the default profile is the US one)
        "profile_mismatch": foreign_profiles(settings.profiles, today, pd.Index(plans["borrower_id"].unique()))
        if len(plans) else {},
        "psi_counts": psi_counts, "timings": timings, "check_counts": rejects["check"].value_counts().to_dict(),
    }
    lap("tables")  # the scores table and these counts
    return ChunkResult({"scores": scores, "plans": plans, "audit": audit, "rejects": rejects}, stats)


def _ids_without_row(scores: pd.DataFrame, borrowers: pd.DataFrame | None) -> pd.Series:
    """The scored borrowers' ids the borrowers table has no row for (none without a table)."""
    if borrowers is None:
        return scores["borrower_id"].iloc[:0]
    scored = scores.loc[scores["status"] == "scored", "borrower_id"]
    return scored[~isin(scored, borrowers["borrower_id"])]


def _unsupported_languages(borrowers: pd.DataFrame | None, ids: pd.Index) -> dict[str, int]:
    """The scored borrowers' languages (primary subtags) riskscore writes no reasons or messages in, counted."""
    if borrowers is None or "language" not in borrowers or not len(ids):
        return {}
    own = primary_languages(borrowers.set_index("borrower_id")["language"].reindex(ids).astype(object)).dropna()
    other = own[~own.isin(LANGUAGES)]
    return {str(k): int(v) for k, v in other.value_counts().items()}


def _first(ids: pd.Series | pd.Index | tuple[()]) -> dict[str, int]:
    """``{smallest id: 1}`` (as text), or ``{}``: a stat that chunks add up and the run reads the minimum of."""
    return {str(pd.Series(ids).astype(str).min()): 1} if len(ids) else {}


def _most_first(counts: Mapping[str, int]) -> dict[str, int]:
    """``counts`` by count, most first (ties by key): how the run's warnings list what chunks added up."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _smallest(stats: Mapping[str, Any], key: str) -> str | None:
    """The smallest id the chunks gave for ``key`` (see :func:`_first`), or ``None``."""
    return min(stats[key]) if stats.get(key) else None


def _scores_table(valid_ids: pd.Index, scored: Scored, as_of: pd.Timestamp) -> pd.DataFrame:
    """Every valid borrower of the chunk: ``scored`` ones with their scores, the others ``nothing_due``."""
    scores = pd.DataFrame(index=valid_ids)
    scores["as_of"] = as_of
    scores["status"] = np.where(isin(valid_ids, scored.scores.index), "scored", "nothing_due")
    names = OUTPUTS["scores"].names
    scores = scores.join(scored.scores[[c for c in names if c in scored.scores]], how="left")
    return scores.reset_index()[names]


def _validate(raw: Mapping[str, pd.DataFrame], settings: ChunkSettings, own: Sequence[str] = ()
              ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.Index, dict[str, int]]:
    """(good rows per table, all rejects, rejected borrowers, exact duplicates dropped per table): a
    borrower with a rejected row in any table is rejected whole, in every table. ``own``: the borrowers
    table's columns the model reads (two rows differing there are no exact duplicates)."""
    good, rejects, dropped = {}, [], {}
    for t, df in raw.items():
        good[t], rej, dropped[t] = _split(t, df, settings, own if t == "borrowers" else ())
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
    return (good, pd.concat(rejects, ignore_index=True).sort_values(["table", "row"], ignore_index=True), bad_ids,
            dropped)


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


def run_manifest(*, engine: str, run_id: str, as_of: str, now: str, data_date: str, inputs: dict[str, Any],
                 bundle: Path, model: Any, profiles: Mapping[str, str], settings: dict[str, Any],
                 stats: Mapping[str, Any], rows_in: Mapping[str, int], chunks: dict[str, int],
                 outputs: dict[str, Any], timings: dict[str, Any], planned: bool,
                 currency: str | None = None) -> RunManifest:
    """The run's :class:`~riskscore.contract.RunManifest`, the same for both engines.

    ``stats`` is :func:`merge_stats`'s total over the chunks; ``rows_in`` the rows of each
    input table as the engine read them; ``currency`` the installments' one currency (``None``:
    no currency column).
    """
    psi = psi_summary(getattr(model, "reference_", None), stats.get("psi_counts", {}))
    for row in psi.get("columns", []):
        if row["flag"] in ("moderate", "major"):
            log.warning("population drift: PSI of %s is %.3f (%s; 0.1 moderate, 0.25 major; chance alone exceeds "
                        "%.3f at %d rows 1 time in 100)", row["column"], row["psi"], row["flag"], row["noise"],
                        row["rows"])
    read = stats.get("rows_in", {})
    lost, scored = int(stats.get("scored_without_row", 0)), int(stats.get("borrowers_scored", 0))
    if "borrowers" in rows_in and scored and 2 * lost > scored:  # a table whose ids are written another way
        ours, theirs = _smallest(stats, "id_example_without_row"), _smallest(stats, "id_example_borrowers_alone")
        log.warning("borrowers: %d of %d scored borrowers have no row in the borrowers table (ids are compared as "
                    "text, exactly: '007' is neither '7' nor 'B007'): they get no plan but human review%s", lost,
                    scored, id_forms_hint(ours, theirs))
    idle = int(stats.get("borrowers_nothing_due", 0))
    if idle and not scored:  # a mistyped as-of date (2020 for 2025) scores nobody, and said nothing
        log.warning("nothing is due at the as-of date %s for any of the %s borrowers not rejected: nobody is scored "
                    "or planned (the data's last date is %s); is the as-of date the one you meant?",
                    pd.Timestamp(as_of).date(), f"{idle:,}", pd.Timestamp(data_date).date())
    kept = int(rows_in.get("contacts", 0)) - int(stats.get("rows_rejected", {}).get("contacts", 0))
    if kept and int(stats.get("rows_unmatched", {}).get("contacts", 0)) == kept:
        log.warning("%s", contacts_match_none_message(kept, _smallest(stats, "id_example_installments"),
                                                      _smallest(stats, "id_example_contacts_alone")))
    if stats.get("languages_unsupported"):
        log.warning("%s", unsupported_languages_message(_most_first(stats["languages_unsupported"]),
                                                        str(settings.get("language") or "en")))
    if stats.get("profile_mismatch"):
        log.warning("%s", foreign_profiles_message(_most_first(stats["profile_mismatch"])))
    if stats.get("holidays_unknown_countries"):
        log.warning("%s", unknown_countries_message(_most_first(stats["holidays_unknown_countries"])))
    bundle_manifest = getattr(model, "manifest_", {})
    return RunManifest(
        run_id=run_id, engine=engine, as_of=as_of, now=now, data_date=data_date, inputs=inputs,
        model={"path": str(Path(bundle).absolute()),  # the report finds it from any working directory
               "sha256": getattr(model, "bundle_digest_", None) or sha256_file(bundle / "manifest.json"),
               "training_window": bundle_manifest.get("training_window"),
               "format_version": bundle_manifest.get("format_version")},
        profiles=dict(profiles), settings=settings, chunks=chunks,
        rows={t: {"in": int(rows_in.get(t, 0)), "rejected": int(stats.get("rows_rejected", {}).get(t, 0)),
                  "unmatched": int(stats.get("rows_unmatched", {}).get(t, 0)), "read_by_chunks": int(read.get(t, 0))}
              for t in rows_in},
        borrowers={"in": stats.get("borrowers_in", 0), "scored": stats.get("borrowers_scored", 0),
                   "nothing_due": stats.get("borrowers_nothing_due", 0),
                   "rejected": stats.get("borrowers_rejected", 0)},
        rejects_by_check=dict(stats.get("check_counts", {})),
        duplicates_dropped={t: int(stats.get("duplicates_dropped", {}).get(t, 0)) for t in rows_in},
        currency=currency,
        plans={"borrowers": stats.get("plans_borrowers", 0), "steps": stats.get("plan_steps", 0),
               "actions": dict(stats.get("actions", {})),
               "note": None if planned else "no borrowers table: no plans were made"},
        outputs=outputs, psi=psi,
        timings_s={**timings, "chunk_stages_cpu": {k: round(v, 3) for k, v in stats.get("timings", {}).items()}},
        versions={p: version(p) for p in _PACKAGES},
    )


def plain_options(policy_options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The policy options with an :class:`~riskscore.policy.Exploration` as its plain mapping (what the
    manifest records and the run key hashes; the planner reads either).

    Examples
    --------
    >>> from riskscore.policy import Exploration
    >>> plain_options({"plan_days": 5, "exploration": Exploration(seed=1, shares={"low": 0.1})})["exploration"]
    {'seed': 1, 'shares': {'low': 0.1}, 'decisions': ['none', 'gentle', 'remind', 'escalate']}
    """
    return {k: v.to_dict() if isinstance(v, Exploration) else v for k, v in (policy_options or {}).items()}


def as_utc(ts: str | pd.Timestamp) -> pd.Timestamp:
    """A timestamp in UTC; a naive one is read as UTC (``--now 2026-11-23 13:00``)."""
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def stats_json(stats: Mapping[str, Any]) -> str:
    """The statistics as JSON (numpy numbers made plain)."""
    return json.dumps(stats, default=lambda o: o.item() if hasattr(o, "item") else str(o), sort_keys=True)
