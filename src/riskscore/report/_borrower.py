"""Per-borrower pages: the run's score, reasons and plan, and the curve and SHAP recomputed from the inputs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskscore.contract import reason_columns
from riskscore.exceptions import DataError
from riskscore.explain import BASE_VALUE, Explainer
from riskscore.features import category_of, registry_for
from riskscore.report._data import Run
from riskscore.scoring import Scorer

__all__ = ["borrower_pages"]

#: Features drawn one by one in the waterfall; the rest are summed in one bar.
WATERFALL_FEATURES = 10
_SCORE_FIELDS = ("likelihood", "points", "grade", "expected_days", "amount_at_risk", "p_repaid_7d", "p_repaid_14d",
                 "p_repaid_30d", "p_repaid_60d", "p_repaid_90d")
_PLAN_FIELDS = ("step", "day", "action", "channel", "recipient", "window_start_local", "window_end_local",
                "local_timezone", "template_id", "tone", "message", "rationale", "segment", "profile")
_AUDIT_FIELDS = ("rule_id", "kind", "basis", "outcome", "detail", "profile")
#: What a page says of a borrower that has no score, by status.
_STATUS_NOTES = {
    "nothing_due": "Nothing is due at the as-of date {as_of}: every installment due by then (and within the "
                   "lookahead after it) is paid, so this borrower has no score, no reasons and no contact plan.",
    "rejected": "Rejected: rows of this borrower fail the data contract (below), so the run neither scored nor "
                "planned them.",
    "not in run": "This borrower is not in the run: neither in its scores nor in its rejects.",
}
#: Recomputed likelihoods further than this from the run's mean the inputs or the code changed.
_TOLERANCE = 1e-9


def _records(df: pd.DataFrame, fields: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for row in df[list(fields)].itertuples(index=False, name=None):
        out.append({f: (None if _missing(v) else (v.item() if isinstance(v, np.generic) else v))
                    for f, v in zip(fields, row, strict=True)})
    return out


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _waterfall(shap_row: pd.Series, x_row: pd.Series, base: float, descriptions: pd.Series,
               categories: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    values = shap_row.drop("base_value")
    order = values.abs().sort_values(ascending=False, kind="stable").index
    top, rest = order[:WATERFALL_FEATURES], order[WATERFALL_FEATURES:]
    items = [{"feature": f, "value": _plain(x_row[f]), "text": _category(x_row[f], categories.get(str(f))),
              "shap": float(values[f]), "description": str(descriptions.get(f, f))} for f in top]
    return {"base": base, "items": items, "others": len(rest), "others_shap": float(values[rest].sum()),
            "margin": float(base + values.sum())}


def _category(v: object, known: Sequence[str] | None) -> str | None:
    """A categorical column's value as its text (its code is the category's position), else None."""
    if known is None or _missing(v):
        return None
    return category_of(float(v), known) or "another value"  # type: ignore[arg-type]


def _plain(v: object) -> float | None:
    return None if _missing(v) else float(v)


def borrower_pages(run: Run, scorer: Scorer, chosen: Mapping[str, str]) -> list[dict[str, Any]]:
    """One page dict per chosen borrower (``{borrower_id: why chosen}``), in the given order.

    Scores, reason sentences, plans and audits are the run's own rows. The survival curve at
    every interval edge and the SHAP values are recomputed from the run's inputs with the
    run's scorer (:meth:`Run.scorer`); the page says so when the inputs are unavailable or
    changed, and flags a recomputed likelihood that differs from the run's.
    """
    ids = [str(b) for b in chosen]
    scores = run.table("scores", borrowers=ids).set_index("borrower_id")
    plans = run.table("plans", borrowers=ids)
    audit = run.table("audit", borrowers=ids)
    rejects = run.table("rejects", borrowers=ids)
    scored = [b for b in ids if b in scores.index and scores.at[b, "status"] == "scored"]
    detail, note = _recompute(run, scorer, scored) if scored else ({}, None)
    pages = []
    for b in ids:
        page: dict[str, Any] = {"borrower_id": b, "why": chosen[b], "note": None, "status_note": None,
                                "score": None, "reasons": [], "language": None, "curve": None, "waterfall": None}
        if b in scores.index and scores.at[b, "status"] == "scored":
            row = scores.loc[b]
            page["status"] = "scored"
            page["language"] = None if _missing(row["language"]) else str(row["language"])
            page["score"] = {f: (None if _missing(row[f]) else (row[f].item() if isinstance(row[f], np.generic)
                                                                 else row[f])) for f in _SCORE_FIELDS}
            page["reasons"] = [{"code": row[code], "text": row[text]} for code, text in
                               zip(reason_columns("code"), reason_columns("text"), strict=True)
                               if not _missing(row[code])]
        elif b in scores.index:
            page["status"] = str(scores.at[b, "status"])
            page["status_note"] = _STATUS_NOTES.get(page["status"], "").format(as_of=run.manifest.as_of) or None
        else:
            page["status"] = "rejected" if (rejects["borrower_id"] == b).any() else "not in run"
            page["status_note"] = _STATUS_NOTES[page["status"]]
        page["plan"] = _records(plans.loc[plans["borrower_id"] == b].sort_values("step"), _PLAN_FIELDS)
        page["segment"] = _segment(page["plan"])
        page["audit"] = _records(audit.loc[audit["borrower_id"] == b], _AUDIT_FIELDS)
        page["rejects"] = _records(rejects.loc[rejects["borrower_id"] == b], ("table", "row", "column", "check",
                                                                             "reason"))
        page.update(detail.get(b, {}))
        if page["status"] == "scored" and b not in detail:
            page["note"] = note
        pages.append(page)
    return pages


def _segment(plan: list[dict[str, Any]]) -> dict[str, str] | None:
    """The plan's segment and why, from its first step's rationale (the policy's own words, up to
    its list of reasons: "likely to repay without contact (98% >= 95%): no contact")."""
    if not plan:
        return None
    first = plan[0]
    why = str(first.get("rationale") or "").split("; reasons:")[0].split("; step:")[0].strip()
    return {"segment": str(first.get("segment") or "–"), "why": why}


def _recompute(run: Run, scorer: Scorer, ids: list[str]) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Curve and SHAP waterfall per scored borrower, or why they could not be recomputed."""
    static = bool(scorer.static_columns)  # the model reads borrowers-table columns
    tables = ["installments", *(["contacts"] if "contacts" in run.manifest.inputs else []),
              *(["borrowers"] if static else [])]
    for table in tables:
        problem = run.input_problem(table)
        if problem is not None:
            return {}, f"Survival curve and SHAP not shown: {problem}."
    try:
        inst = run.input_rows("installments", ids)
        contacts = run.input_rows("contacts", ids) if "contacts" in tables else None
        borrowers = run.input_rows("borrowers", ids) if static else None
    except DataError as err:  # the same file, read by another riskscore: say so, do not fail the report
        return {}, f"Survival curve and SHAP not shown: {err}"
    X = scorer.features(inst, pd.Timestamp(run.manifest.as_of), contacts=contacts, validate=False,  # validated
                        borrowers=borrowers)
    curve = scorer.survival_curve(X)
    days = [int(c.removeprefix("p_repaid_").removesuffix("d")) for c in curve.columns if c.startswith("p_repaid_")]
    # a few rows: LightGBM's own exact SHAP; riskscore's table TreeSHAP pays off over thousands (its forest
    # takes 0.3-0.7 s to build and load), the same values to rounding
    shap = Explainer(scorer.model, method="lightgbm").shap_values(X)
    likelihood = pd.Series(scorer.model.likelihood(X) if len(X) else [], index=X.index,  # Scorer.score's,
                           dtype=float)  # without its reasons
    descriptions = registry_for(X.columns)["description"]
    run_scores = run.table("scores", ["borrower_id", "likelihood"], borrowers=ids).set_index("borrower_id")
    categories = scorer.feature_builder.categories()
    out = {}
    for b in ids:
        if b not in X.index:
            out[b] = {"note": "The inputs give this borrower nothing due at the as-of date now; curve and SHAP "
                              "not shown."}
            continue
        diff = abs(float(likelihood[b]) - float(run_scores.at[b, "likelihood"]))
        out[b] = {"curve": {"days": days, "p_repaid": [float(curve.at[b, f"p_repaid_{d}d"]) for d in days]},
                  "waterfall": _waterfall(shap.loc[b], X.loc[b], float(shap.at[b, BASE_VALUE]), descriptions,
                                          categories),
                  "note": None if diff <= _TOLERANCE else
                  f"Recomputed likelihood {likelihood[b]:.4f} differs from the run's "
                  f"{run_scores.at[b, 'likelihood']:.4f}: the model bundle changed since the run."}
    return out, None
