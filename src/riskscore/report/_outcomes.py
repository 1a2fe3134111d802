"""What happened after the as-of date (a backtest) and how scores and actions differ by group (fairness)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from riskscore.labels import make_labels
from riskscore.metrics import (
    calibration_table,
    concordance_index,
    expected_calibration_error,
    gini,
    ks_statistic,
    score_bands,
)
from riskscore.report._data import Run

__all__ = ["FAIRNESS_THRESHOLDS", "backtest", "backtest_sample", "fairness"]

#: When a gap between groups is flagged. ``action_ratio``: the lowest group rate of an action over
#: the highest, below 0.8 (the "four-fifths" rule of thumb of US adverse-impact analysis), when the
#: rates also differ by ``action_points`` or more; the other gaps are absolute differences.
FAIRNESS_THRESHOLDS = {"mean_likelihood": 0.05, "auc": 0.05, "calibration": 0.05, "action_ratio": 0.8,
                       "action_points": 0.02}
#: Groups smaller than this are shown but never flagged (their rates are noise).
MIN_GROUP = 30
#: A protected attribute written as numbers with more distinct values than this (an age in years) is
#: compared in :data:`BANDS` bands of about equal size; fewer distinct numbers are groups (codes).
MAX_NUMBER_GROUPS = 10
BANDS = 5


def _number(v: float) -> str:
    """``25``, ``12,500``, ``0.25``: a band's end as people write it."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")


def number_bands(values: pd.Series) -> tuple[pd.Series, str | None]:
    """An attribute's groups: numbers with more than :data:`MAX_NUMBER_GROUPS` distinct values (as
    numbers or as text, as a CSV holds them) in :data:`BANDS` bands of about equal size, each named
    by the smallest and largest value in it; anything else as it is. Returns the groups (ordered:
    bands by value) and a note saying how they were made, or ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> ages = pd.Series([str(a) for a in range(20, 70)] + [None])
    >>> groups, note = number_bands(ages)
    >>> groups.value_counts(sort=False).to_dict()
    {'20–29': 10, '30–39': 10, '40–49': 10, '50–59': 10, '60–69': 10}
    >>> note
    'numbers (50 distinct values) in 5 bands of about equal size, each from its smallest to its largest value'
    >>> number_bands(pd.Series(["1", "2", "2"]))[1] is None  # a few numbers: codes, kept as groups
    True
    """
    if pd.api.types.is_bool_dtype(values) or not (pd.api.types.is_numeric_dtype(values)
                                                  or pd.api.types.is_string_dtype(values)
                                                  or pd.api.types.is_object_dtype(values)):
        return values, None
    numbers = pd.to_numeric(values, errors="coerce") if not pd.api.types.is_numeric_dtype(values) else \
        values.astype(float)
    known = numbers.notna()
    distinct = int(numbers[known].nunique())
    if distinct <= MAX_NUMBER_GROUPS or int(values.notna().sum()) != int(known.sum()):  # text among them
        return values, None
    ranks = numbers[known].rank(method="min")  # ties stay in one band
    band = np.minimum(((ranks - 1) * BANDS // int(known.sum())).astype(int), BANDS - 1)
    lo, hi = numbers[known].groupby(band).min(), numbers[known].groupby(band).max()
    labels = {b: f"{_number(lo[b])}–{_number(hi[b])}" for b in lo.index}
    groups = pd.Series(pd.Categorical(band.map(labels), categories=[labels[b] for b in sorted(labels)]),
                       index=band.index).reindex(values.index)
    note = (f"numbers ({distinct} distinct values) in {len(labels)} bands of about equal size, each from its "
            "smallest to its largest value")
    return groups, note


def backtest_sample(scored: pd.DataFrame, max_borrowers: int, seed: int) -> pd.DataFrame:
    """The scored borrowers :func:`backtest` reads back: all of them, or a seeded sample of ``max_borrowers``."""
    if len(scored) > max_borrowers:
        return scored.sample(n=max_borrowers, random_state=seed).sort_values("borrower_id")
    return scored


def backtest(run: Run, likelihood_days: int, scored: pd.DataFrame, *, label_definition: dict[str, Any] | None = None,
             max_borrowers: int = 50_000, seed: int = 0,
             band_width: float = 20.0) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Model metrics on what the inputs show happened after the as-of date, when it is known.

    ``scored``: ``borrower_id, likelihood, expected_days`` (and optionally ``points``) of the scored
    borrowers. KS and Gini (:func:`riskscore.metrics.ks_statistic`, :func:`~riskscore.metrics.gini`)
    are of the likelihood against the outcome; with ``points``, ``score_bands`` holds
    :func:`riskscore.metrics.score_bands` with bands ``band_width`` points wide. The outcome
    of the likelihood (repaid within ``likelihood_days``, the model's horizon) is known when the run's data date is
    at least that many days after the as-of date. At most ``max_borrowers`` borrowers (a seeded
    random sample) are read back from the inputs.

    ``label_definition`` (the bundle's; :func:`~riskscore.labels.make_labels`' defaults without
    it) defines who owes what at the as-of date.

    Returns the section dict (``available`` False with ``why`` when not known) and the outcomes
    (``borrower_id, likelihood, outcome``) for the fairness section.
    """
    as_of, data_date = pd.Timestamp(run.manifest.as_of), pd.Timestamp(run.manifest.data_date)
    horizon = int(likelihood_days)
    follow = (data_date - as_of).days
    if follow < horizon:
        return {"available": False, "why": f"the data ends {follow} day(s) after the as-of date; the outcome "
                f"(repaid within {horizon} days) is known from {horizon} days on"}, None
    if not len(scored):
        return {"available": False, "why": "no borrower was scored in this run, so there is no score to check"}, None
    problem = run.input_problem("installments")
    if problem is not None:
        return {"available": False, "why": problem}, None
    sample = backtest_sample(scored, max_borrowers, seed)
    inst = run.input_rows("installments", sample["borrower_id"])
    # a bundle from before riskscore 0.2 names censor_days horizon_days
    window = {("censor_days" if k == "horizon_days" else k): int(v) for k, v in (label_definition or {}).items()
              if k in ("lookahead_days", "censor_days", "horizon_days")}
    labels = make_labels(inst, as_of, data_end=data_date, **window)  # make_labels' defaults otherwise
    labels = labels.assign(borrower_id=labels["borrower_id"].astype(str)).set_index("borrower_id")
    joined = sample.set_index("borrower_id").join(labels[["time", "event"]], how="inner")
    if not len(joined):
        return {"available": False, "why": "the inputs give none of the scored borrowers anything due at the "
                "as-of date now"}, None
    if not joined["event"].any() and not _paid_after(inst, as_of):
        return {"available": False, "why": f"no outcome is observable after the as-of date: the inputs hold no "
                f"payment dated after {as_of.date()} (the data end at or before it; payments are accepted up to "
                f"{data_date.date()}), so every borrower is censored"}, None
    y = (joined["event"] & (joined["time"] <= horizon)).to_numpy()
    p = np.clip(joined["likelihood"].to_numpy(float), 1e-9, 1 - 1e-9)
    section: dict[str, Any] = {
        "available": True, "horizon_days": horizon, "follow_up_days": follow, "rows": len(joined),
        "sampled": len(scored) > max_borrowers, "scored": len(scored),
        "mean_predicted": float(p.mean()), "observed_rate": float(y.mean()),
        "log_loss": float(log_loss(y, p, labels=[False, True])), "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p), "calibration": calibration_table(y, p),
        "auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None,
        "ks": ks_statistic(y, p) if 0 < y.sum() < len(y) else None,
        "gini": gini(y, p) if 0 < y.sum() < len(y) else None,
        "c_index": _c_index(joined),
        "score_bands": (score_bands(y, joined["points"].to_numpy(float), band_width)
                        if "points" in joined and 0 < y.sum() < len(y) else None),
    }
    outcomes = pd.DataFrame({"borrower_id": joined.index.to_numpy(), "likelihood": p, "outcome": y})
    return section, outcomes


def _paid_after(installments: pd.DataFrame, as_of: pd.Timestamp) -> bool:
    """Whether any payment in ``installments`` is dated after the as-of date."""
    return bool((pd.to_datetime(installments["paid_date"]) > as_of).any())


def _c_index(joined: pd.DataFrame) -> float | None:
    """Harrell's C of the expected days against the observed times; ``None`` when undefined (no
    repayment observed, or no comparable pair)."""
    event = joined["event"].to_numpy(bool)
    time = joined["time"].to_numpy(float)
    if not event.any():
        return None
    try:
        return concordance_index(event, time, -joined["expected_days"].to_numpy(float))
    except ValueError:  # no comparable pair
        return None


def _check_protected(protected: pd.DataFrame, features: Sequence[str]) -> list[str]:
    if "borrower_id" not in protected.columns:
        raise ValueError("The protected-attributes table needs a 'borrower_id' column.")
    attrs = [c for c in protected.columns if c != "borrower_id"]
    if not attrs:
        raise ValueError("The protected-attributes table has no attribute column besides 'borrower_id'.")
    used = sorted(set(attrs) & set(features))
    if used:
        raise ValueError(f"Protected attribute(s) {used} are model features; protected attributes must never be "
                         "features (design.md, Fairness). Rename the column if it is a different quantity.")
    dup = protected["borrower_id"].astype(str).duplicated()
    if dup.any():
        raise ValueError(f"The protected-attributes table has {int(dup.sum())} duplicate borrower_id row(s), "
                         f"first at row {int(np.flatnonzero(dup.to_numpy())[0])}.")
    for a in attrs:
        n = protected[a].nunique(dropna=False)
        if n > 50 and number_bands(protected[a])[1] is None:  # numbers are banded: text is not
            raise ValueError(f"Protected attribute {a!r} has {n} distinct values: give groups (bands), not raw values.")
    return attrs


def fairness(protected: pd.DataFrame, scored: pd.DataFrame, actions: pd.DataFrame | None, features: Sequence[str],
             outcomes: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """Per protected attribute and group: size, mean likelihood, rate of each action, and with
    outcomes AUC and calibration (mean predicted vs observed); the largest gaps flagged.

    Parameters
    ----------
    protected : DataFrame
        ``borrower_id`` and one column per attribute (groups, e.g. an age band). Never features:
        a column named like a model feature is refused. Numbers with more than
        :data:`MAX_NUMBER_GROUPS` distinct values (an age in years) are compared in bands
        (:func:`number_bands`; the section's ``note`` says so).
    scored : DataFrame
        ``borrower_id, likelihood`` of the scored borrowers.
    actions : DataFrame or None
        ``borrower_id, action``: the actions each borrower's plan holds (one row per step is
        fine); ``None`` when there are no plans (scores only).
    features : sequence of str
        The model's features.
    outcomes : DataFrame, optional
        ``borrower_id, likelihood, outcome`` from :func:`backtest`.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.report import fairness
    >>> scored = pd.DataFrame({"borrower_id": list("abcd"), "likelihood": [0.9, 0.8, 0.4, 0.3]})
    >>> actions = pd.DataFrame({"borrower_id": list("abcd"), "action": ["none", "none", "reminder", "none"]})
    >>> protected = pd.DataFrame({"borrower_id": list("abcd"), "sex": ["f", "f", "m", "m"]})
    >>> [round(g["mean_likelihood"], 2) for g in fairness(protected, scored, actions, ["days_past_due"])[0]["groups"]]
    [0.85, 0.35]
    """
    attrs = _check_protected(protected, features)
    base = scored[["borrower_id", "likelihood"]].assign(borrower_id=scored["borrower_id"].astype(str))
    prot = protected.assign(borrower_id=protected["borrower_id"].astype(str)).set_index("borrower_id")
    if len(base) and len(prot) and not base["borrower_id"].isin(prot.index).any():  # every group "(missing)"
        raise ValueError(f"None of the {len(prot):,} borrower ids of the protected-attributes table is a scored "
                         f"borrower of the run (its ids look like {', '.join(prot.index[:3])}; the run's like "
                         f"{', '.join(base['borrower_id'].iloc[:3])}): ids are compared as text, exactly "
                         "(leading zeros count).")
    base = base.join(prot, on="borrower_id", how="left")
    action_names: list[str] = []
    if actions is not None and len(actions):
        has = pd.crosstab(actions["borrower_id"].astype(str), actions["action"]).clip(upper=1)
        action_names = sorted(has.columns)
        base = base.join(has, on="borrower_id").fillna(dict.fromkeys(action_names, 0))
    if outcomes is not None:
        base = base.join(outcomes.set_index("borrower_id")[["outcome"]], on="borrower_id")
    sections = []
    for a in attrs:
        groups = []
        key, note = number_bands(base[a])
        if note is None:
            if pd.api.types.is_float_dtype(key) and bool((key.dropna() % 1 == 0).all()):
                key = key.astype("Int64")  # codes 1, 2 (floats once a borrower lacks one): not '1.0'
            key = key.astype("string").fillna("(missing)")
        elif key.isna().any():
            key = key.cat.add_categories("(missing)").fillna("(missing)")
        for g, part in base.groupby(key, sort=True, observed=True):
            row = {"group": str(g), "borrowers": len(part), "mean_likelihood": float(part["likelihood"].mean()),
                   "actions": {n: float(part[n].mean()) for n in action_names}}
            if outcomes is not None:
                known = part.loc[part["outcome"].notna()]
                y, p = known["outcome"].astype(bool).to_numpy(), known["likelihood"].to_numpy(float)
                row.update({"with_outcome": len(known),
                            "auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None,
                            "mean_predicted": float(p.mean()) if len(p) else None,
                            "observed_rate": float(y.mean()) if len(y) else None})
            groups.append(row)
        observed = outcomes is not None
        sections.append({"attribute": a, "groups": groups, "actions": action_names, "with_outcomes": observed,
                         "gaps": _gaps(groups, action_names, observed), "note": note})
    return sections


def _spread(groups: list[dict[str, Any]], value: Any) -> tuple[float, str, str] | None:
    big = [(value(g), g["group"]) for g in groups if g["borrowers"] >= MIN_GROUP and value(g) is not None]
    if len(big) < 2:
        return None
    lo, hi = min(big), max(big)
    return hi[0] - lo[0], lo[1], hi[1]


def _gaps(groups: list[dict[str, Any]], actions: list[str], with_outcomes: bool) -> list[dict[str, Any]]:
    """The largest gap of each quantity between groups of at least MIN_GROUP borrowers, flagged or not."""
    t = FAIRNESS_THRESHOLDS
    out = []
    checks = [("mean likelihood", lambda g: g["mean_likelihood"], t["mean_likelihood"])]
    if with_outcomes:
        checks += [("AUC", lambda g: g.get("auc"), t["auc"]),
                   ("calibration (observed - predicted)",
                    lambda g: None if g.get("observed_rate") is None else g["observed_rate"] - g["mean_predicted"],
                    t["calibration"])]
    for name, value, limit in checks:
        s = _spread(groups, value)
        if s:
            out.append({"quantity": name, "gap": s[0], "low": s[1], "high": s[2], "flag": s[0] > limit,
                        "rule": f"gap > {limit:g}"})
    for a in actions:
        s = _spread(groups, lambda g, a=a: g["actions"][a])
        if s:
            rates = {g["group"]: g["actions"][a] for g in groups}
            ratio = rates[s[1]] / rates[s[2]] if rates[s[2]] > 0 else 1.0
            out.append({"quantity": f"rate of {a}", "gap": s[0], "low": s[1], "high": s[2], "ratio": ratio,
                        "flag": ratio < t["action_ratio"] and s[0] >= t["action_points"],
                        "rule": f"low/high < {t['action_ratio']:g} and gap >= {t['action_points']:g}"})
    return sorted(out, key=lambda r: (not r["flag"], -r["gap"]))
