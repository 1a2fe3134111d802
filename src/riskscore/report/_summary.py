"""Step 1 of the report: a run folder in, a JSON-able summary out (aggregates, never raw rows).

Sizes do not grow with the portfolio: distributions are histograms, reasons and actions are
counts, and only the chosen borrowers get a page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import riskscore
from riskscore.contract import reason_columns
from riskscore.explain import FAMILIES
from riskscore.io import read_bytes_limited
from riskscore.report._borrower import borrower_pages
from riskscore.report._data import Run
from riskscore.report._glossary import anchors_of, reason_glossary, rule_glossary
from riskscore.report._outcomes import backtest, backtest_sample, fairness
from riskscore.report._risk import band_width, grade_table, likelihood_ties, score_band_table
from riskscore.schemas import borrowers_as_of
from riskscore.scoring import Scorer

__all__ = ["DEFAULT_PAGES", "choose_borrowers", "summarise_run"]

#: How many borrowers get a page, by why: routed to human review, largest amounts at risk, random.
DEFAULT_PAGES = {"review": 10, "largest": 10, "random": 10}
_REASON_NAMES = {code: names["en"] for code, names, _ in FAMILIES.values()} | {"RS-NONE": "no adverse reason"}
_LIKELIHOOD_EDGES = np.linspace(0, 1, 21)
#: The rule kind that routes a borrower to human review (its audit outcome is "blocked").
REVIEW_KIND = "review_flag"
_DAYS_EDGES = np.linspace(0, 90, 19)


def _counts(values: np.ndarray, edges: np.ndarray) -> list[int]:
    v = values[~np.isnan(values)]
    return np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)[0].astype(int).tolist()


def _overview(run: Run, scores: pd.DataFrame, scored: pd.DataFrame, scorer: Scorer) -> dict[str, Any]:
    m = run.manifest
    edges = getattr(scorer.model, "grade_edges_", None)
    # the bundle's grades: A (best) and one more per cut-off
    names = ([chr(ord("A") + i) for i in range(len(edges) + 1)] if edges is not None
             else sorted(scored["grade"].unique()))
    likelihood = scored["likelihood"].to_numpy(float)
    return {
        "borrowers": m.borrowers, "rows": m.rows,
        "rejects_by_check": sorted(m.rejects_by_check.items(), key=lambda kv: -kv[1])[:10],
        "duplicates_dropped": {t: int(m.duplicates_dropped.get(t, 0)) for t in m.rows},
        "currency": m.currency,
        "amount_at_risk": float(scored["amount_at_risk"].sum()),
        "mean_likelihood": float(scored["likelihood"].mean()) if len(scored) else None,
        "expected_amount_unpaid_30d": float(((1 - scored["likelihood"]) * scored["amount_at_risk"]).sum()),
        "grades": grade_table(scored, names, edges),
        "likelihood_hist": {"edges": _LIKELIHOOD_EDGES.tolist(), "counts": _counts(likelihood, _LIKELIHOOD_EDGES)},
        "ties": likelihood_ties(likelihood, isotonic=getattr(scorer.model, "calibrator_", None) is not None),
        "days_hist": {"edges": _DAYS_EDGES.tolist(),
                      "counts": _counts(scored["expected_days"].to_numpy(float), _DAYS_EDGES)},
        "status": scores["status"].value_counts().to_dict(),
        "note": _empty_note(m.borrowers, m.as_of),
    }


def _empty_note(borrowers: Mapping[str, int], as_of: str) -> str | None:
    """Why nobody was scored (an empty run is normal, and says so), or ``None`` when somebody was."""
    if borrowers.get("scored", 0):
        return None
    if not borrowers.get("in", 0):
        return "The installments input holds no borrower: nothing to score, explain or plan."
    if borrowers.get("rejected", 0) == borrowers["in"]:
        return "Every borrower was rejected (see the rejected rows by check below and rejects.parquet): nothing to " \
               "score, explain or plan."
    return f"No borrower has anything due at the as-of date {as_of} (an as-of date before the data, or everything " \
           "was paid): nothing to score, explain or plan."


def _reasons(scored: pd.DataFrame, top: int = 12) -> dict[str, Any]:
    codes = reason_columns("code")
    n = max(len(scored), 1)
    first = scored["reason_1_code"].value_counts()
    anywhere = pd.Series(0, index=pd.Index([], dtype=object), dtype=int)
    for c in codes:
        anywhere = anywhere.add(scored[c].value_counts(), fill_value=0)
    ranked = anywhere.sort_values(ascending=False, kind="stable").head(top)
    grade_sizes = scored["grade"].value_counts()
    by_grade = {}
    for g in sorted(grade_sizes.index):
        part = scored.loc[scored["grade"] == g, codes]
        hits = pd.Series(0, index=ranked.index, dtype=float)
        for c in codes:
            hits = hits.add(part[c].value_counts().reindex(ranked.index, fill_value=0), fill_value=0)
        by_grade[g] = (hits / len(part)).tolist()
    return {
        "codes": [{"code": str(code), "name": _REASON_NAMES.get(str(code), str(code)), "borrowers": int(k),
                   "share": k / n, "first": int(first.get(code, 0)), "first_share": int(first.get(code, 0)) / n}
                  for code, k in ranked.items()],
        "grades": sorted(grade_sizes.index.tolist()), "by_grade": by_grade,
    }


def _actions(run: Run, plans: pd.DataFrame, audit_blocked: pd.DataFrame) -> dict[str, Any]:
    by_action = plans.groupby("action").agg(borrowers=("borrower_id", "nunique"), steps=("borrower_id", "size"))
    by_channel = plans.dropna(subset=["channel"]).groupby(["channel", "action"]).size()
    segments = plans.drop_duplicates("borrower_id")["segment"].value_counts()
    blocked = audit_blocked.groupby(["rule_id", "kind", "profile"]).agg(borrowers=("borrower_id", "nunique"))
    blocked = blocked.sort_values("borrowers", ascending=False, kind="stable")
    rows = [{"rule_id": r, "kind": k, "profile": p, "borrowers": int(v.borrowers)}
            for (r, k, p), v in blocked.iterrows()]
    return {
        "planned_borrowers": int(plans["borrower_id"].nunique()), "steps": len(plans),
        "note": run.manifest.plans.get("note"),
        "by_action": [{"action": a, "borrowers": int(r.borrowers), "steps": int(r.steps)}
                      for a, r in by_action.sort_values("borrowers", ascending=False).iterrows()],
        "by_channel": [{"channel": c, "action": a, "steps": int(k)} for (c, a), k in by_channel.items()],
        "segments": [{"segment": s, "borrowers": int(k)} for s, k in segments.items()],
        "review": int(plans.loc[plans["action"] == "human_review", "borrower_id"].nunique()),
        "contacted": int(plans.loc[~plans["action"].isin(["none", "human_review"]), "borrower_id"].nunique()),
        "no_contact": int(plans.loc[plans["action"] == "none", "borrower_id"].nunique()),
        # a review flag's outcome is "blocked" in the audit (it stops automated contact) but the
        # borrower goes to a person: counted apart from the rules that block a contact outright
        "review_by_rule": [r for r in rows if r["kind"] == REVIEW_KIND],
        "blocked_by_rule": [r for r in rows if r["kind"] != REVIEW_KIND],
        "reviewed_borrowers": int(audit_blocked.loc[audit_blocked["kind"] == REVIEW_KIND, "borrower_id"].nunique()),
        "blocked_borrowers": int(audit_blocked.loc[audit_blocked["kind"] != REVIEW_KIND, "borrower_id"].nunique()),
        "profiles": run.manifest.profiles,
    }


#: The plans' decision columns (one value per borrower): what the policy chose, what it would have
#: chosen without exploration, and the probability it logged for its choice.
DECISION_COLUMNS = ("borrower_id", "decision", "default_decision", "propensity", "explore_share")


def _decisions(plans: pd.DataFrame) -> dict[str, Any] | None:
    """The decision mix per borrower, how many decisions exploration changed, and the logged
    propensities (what off-policy evaluation of another policy needs); ``None`` for plans without them."""
    if not set(DECISION_COLUMNS) <= set(plans.columns):
        return None
    plans = plans[list(DECISION_COLUMNS)].drop_duplicates("borrower_id")
    if not len(plans):
        return None
    explored = plans["decision"].astype(object) != plans["default_decision"].astype(object)
    rows = []
    for decision, group in plans.groupby("decision", sort=False):
        changed = explored.loc[group.index]
        rows.append({"decision": str(decision), "borrowers": len(group), "share": len(group) / len(plans),
                     "explored": int(changed.sum()), "default": int((plans["default_decision"] == decision).sum())})
    rows.sort(key=lambda r: -r["borrowers"])
    propensity = plans["propensity"].to_numpy(float)
    share = float(np.nanmax(plans["explore_share"].to_numpy(float))) if plans["explore_share"].notna().any() else 0.0
    return {"rows": rows, "borrowers": len(plans), "explored": int(explored.sum()), "explore_share": share,
            "min_propensity": float(np.nanmin(propensity)) if np.isfinite(propensity).any() else None,
            "median_propensity": float(np.nanmedian(propensity)) if np.isfinite(propensity).any() else None}


def _monitoring(psi: Mapping[str, Any] | None, scored: int) -> dict[str, Any]:
    """The manifest's PSI section, or why there is none."""
    if not psi:
        return {"available": False}
    if psi.get("available") and not scored:
        return {"available": False, "why": "no borrower was scored, so there is no distribution to compare"}
    return dict(psi)


def _model(bundle: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The bundle's card facts, from its verified manifest (and metrics.json, verified with it)."""
    # read as the bundle reader reads it: a regular file inside the bundle, within the JSON cap
    metrics = json.loads(read_bytes_limited(bundle / "metrics.json", 64 << 20, within=bundle))
    tables = ("ci", "calibration", "score_bands", "information_value")
    return {"path": str(bundle), "training_window": manifest.get("training_window"),
            "label_definition": manifest.get("label_definition"), "created": manifest.get("created"),
            "metrics": {k: v for k, v in metrics.items() if k not in tables and isinstance(v, int | float)},
            "ci": metrics.get("ci", {}), "calibration": metrics.get("calibration", []),
            "n_features": len(manifest.get("features", []))}


def glossary(run: Run, features: list[str], scored: pd.DataFrame, audit: pd.DataFrame,
             categorical: Iterable[str] = ()) -> dict[str, Any]:
    """The glossary section: the model's reason codes in the run's languages (those of its scored
    borrowers' reasons; the run's default language when none) and every rule its audit names
    (``audit``: its rows, or only their distinct ``profile, rule_id, kind, basis``)."""
    langs = sorted({str(v) for v in scored["language"].dropna().unique()}) or \
        [str(run.manifest.settings.get("language") or "en")]
    reasons = reason_glossary(features, langs, categorical)
    rules = rule_glossary(audit, run.manifest.profiles.values())
    return {"languages": [lang for lang in ("en", "zh") if lang in langs] or langs, "reasons": reasons,
            "rules": rules, "anchors": anchors_of(reasons, rules)}


def choose_borrowers(run: Run, pages: Mapping[str, int] | None = None, extra: Iterable[str] = (),
                     seed: int = 0) -> dict[str, str]:
    """Borrowers that get a page, ``{borrower_id: why}``: ``extra`` first, then those routed to
    human review (largest amount first), the largest amounts at risk, and a seeded random sample.

    Examples
    --------
    >>> from riskscore.report import choose_borrowers, read_run  # doctest: +SKIP
    >>> choose_borrowers(read_run("runs/demo"), {"review": 2, "largest": 1, "random": 0})  # doctest: +SKIP
    {'B00001234': 'human review', 'B00000456': 'human review', 'B00004321': 'largest amount at risk'}
    """
    want = dict(DEFAULT_PAGES if pages is None else pages)
    unknown = set(want) - set(DEFAULT_PAGES)
    if unknown or any(not isinstance(v, int) or v < 0 for v in want.values()):
        raise ValueError(f"pages takes non-negative counts for {sorted(DEFAULT_PAGES)}, got {dict(want)}.")
    chosen = {str(b): "requested" for b in extra}
    scores = run.table("scores", ["borrower_id", "status", "amount_at_risk"])
    scored = scores.loc[scores["status"] == "scored"].sort_values(["amount_at_risk", "borrower_id"],
                                                                  ascending=[False, True])
    review = set(run.table("plans", ["borrower_id", "action"]).query("action == 'human_review'")["borrower_id"])
    for b in scored.loc[scored["borrower_id"].isin(review), "borrower_id"].head(want.get("review", 0)):
        chosen.setdefault(b, "human review")
    largest = [b for b in scored["borrower_id"].head(want.get("largest", 0) + len(chosen)) if b not in chosen]
    chosen.update(dict.fromkeys(largest[: want.get("largest", 0)], "largest amount at risk"))
    rest = scored.loc[~scored["borrower_id"].isin(chosen), "borrower_id"].sort_values()
    k = min(want.get("random", 0), len(rest))
    for b in rest.sample(n=k, random_state=seed).sort_values() if k else []:
        chosen[b] = "random sample"
    return chosen


def summarise_run(run: Run | str | Path, *, pages: Mapping[str, int] | None = None, borrowers: Iterable[str] = (),
                  protected: pd.DataFrame | None = None, model: str | Path | None = None,
                  backtest_borrowers: int = 50_000, seed: int = 0) -> dict[str, Any]:
    """Everything the report shows, as a JSON-able dict (step 1 of summarise → render → write).

    Parameters
    ----------
    run : Run or path
        A finished run folder.
    pages : mapping, optional
        Borrowers per page kind (``review``, ``largest``, ``random``; default :data:`DEFAULT_PAGES`).
    borrowers : iterable of str
        Borrowers that get a page whatever the selection.
    protected : DataFrame, optional
        ``borrower_id`` and protected attributes (groups): adds the fairness section. Versioned
        in time (``valid_from``), the rows in effect at the run's as-of date.
    model : path, optional
        The bundle to recompute curves and SHAP with (default: the run's, from its manifest).
    backtest_borrowers : int, default 50_000
        Most borrowers whose outcomes are read back for the backtest (a seeded sample).
    seed : int, default 0

    Returns
    -------
    dict
        ``run``, ``overview`` (counts, amounts, histograms, every grade of the bundle with its
        points range, ``ties``: distinct likelihoods and the values many share), ``bands``
        (score bands, :mod:`riskscore.report._risk`), ``reasons``, ``actions`` (review flags
        counted apart from blocking rules: ``review_by_rule`` and ``blocked_by_rule``; ``decisions``:
        the decision mix, how many decisions exploration changed and the logged propensities),
        ``monitoring``, ``model``, ``backtest`` (with KS and Gini), ``borrowers`` (pages, each
        with its ``segment`` and why), ``glossary`` (every reason code and audited rule, from
        their sources, with the anchors the templates link to), ``fairness`` and ``timings_s``.

    Examples
    --------
    >>> from riskscore.report import summarise_run
    >>> s = summarise_run("runs/demo", pages={"review": 1, "largest": 0, "random": 0})  # doctest: +SKIP
    >>> s["overview"]["borrowers"]["scored"]  # doctest: +SKIP
    795
    """
    clock = [time.perf_counter()]
    timings: dict[str, float] = {}

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = round(now - clock[0], 3)
        clock[0] = now

    run = run if isinstance(run, Run) else Run(run)
    bundle = run.model_path(model)
    scorer = run.scorer(model)
    score_cols = ["borrower_id", "status", "likelihood", "expected_days", "grade", "amount_at_risk", "points",
                  "language", *reason_columns("code")]
    scores = run.table("scores", score_cols)
    scores["borrower_id"] = scores["borrower_id"].astype(str)
    scored = scores.loc[scores["status"] == "scored"]
    # one read of the plans for the actions and the decisions (a file, or Spark's folder of parts)
    stored = set(run.schema("plans").names)
    decided = list(DECISION_COLUMNS[1:]) if set(DECISION_COLUMNS) <= stored else []
    plans = run.table("plans", ["borrower_id", "action", "channel", "segment", *decided])
    blocked, rules = run.audit_digest()
    summary = {
        "run": {k: getattr(run.manifest, k) for k in ("run_id", "engine", "as_of", "now", "data_date", "profiles",
                                                      "versions", "timings_s")} | {"folder": str(run.folder)},
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "riskscore": riskscore.__version__,
        "overview": _overview(run, scores, scored, scorer), "reasons": _reasons(scored),
        "actions": _actions(run, plans, blocked) | {"decisions": _decisions(plans)},
        "monitoring": _monitoring(run.manifest.psi, len(scored)),
        "model": _model(bundle, scorer.model.manifest_), "fairness": None,
    }
    points = scored["points"].to_numpy(float)
    width = band_width(points, getattr(getattr(scorer.model, "scaling", None), "pdo", 20.0))
    lap("aggregates")
    chosen = choose_borrowers(run, pages, borrowers, seed)
    follow = (pd.Timestamp(run.manifest.data_date) - pd.Timestamp(run.manifest.as_of)).days
    if follow >= scorer.likelihood_days and len(scored) and chosen:  # the backtest reads the inputs back
        # one pass over the installments for the backtest's sample and the pages' borrowers together
        run.prefetch("installments", [*backtest_sample(scored, backtest_borrowers, seed)["borrower_id"], *chosen])
    summary["backtest"], outcomes = backtest(run, scorer.likelihood_days,
                                             scored[["borrower_id", "likelihood", "expected_days", "points"]],
                                             label_definition=summary["model"]["label_definition"],
                                             max_borrowers=backtest_borrowers, seed=seed, band_width=width)
    summary["bands"] = {"width": width, "rows": score_band_table(points, width,
                                                                 summary["backtest"].get("score_bands"))}
    lap("backtest")
    summary["borrowers"] = borrower_pages(run, scorer, chosen)
    lap("pages")
    summary["glossary"] = glossary(run, [str(f) for f in scorer.model.feature_names_in_], scored, rules,
                                   scorer.feature_builder.categories())
    lap("glossary")
    if protected is not None:
        protected = borrowers_as_of(protected, run.manifest.as_of)  # versioned in time: the groups then
        summary["fairness"] = fairness(protected, scored, plans[["borrower_id", "action"]],
                                       [str(c) for c in scorer.model.feature_names_in_], outcomes)
        lap("fairness")
    summary["timings_s"] = timings
    return summary
