"""Off-policy evaluation: what a candidate contact policy would have recovered, from the lender's own logs.

The nightly job logs one *decision* per borrower per run (:class:`~riskscore.policy.Exploration`):
the plan taken ``a``, its probability ``p`` under the logging policy, and enough to compute the
probability of any other plan (the policy's default ``d``, the exploration share ``e`` and the
``K`` eligible decisions): ``pi0(c) = (1 - e) [c = d] + e / K [c eligible]``. For a candidate
that would have taken ``c`` and an outcome ``y`` (recovered, contacts, complaints in the
``horizon_days`` after the run), per decision:

- inverse propensity (IPS): ``w y`` with ``w = [a = c] / p``;
- self-normalised IPS (SNIPS): ``sum(w y) / sum(w)``;
- doubly robust (DR): ``q(x, c) + w (y - q(x, a))``, with ``q`` a per-decision linear model of
  the outcome on the log's features, cross-fitted on two halves of the borrowers (each half's
  ``q`` learnt on the other half), so ``q`` never sees the outcome it corrects.

Values are means per decision (per borrower per run). Intervals are percentile bootstraps that
resample whole borrowers (a borrower's decisions over several runs are not independent), with
``q`` held fixed. The candidate must only choose decisions the logging policy could have
taken (``pi0(c) > 0``): otherwise :func:`off_policy` refuses rather than extrapolate.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskscore.policy import DECISIONS, LADDERS, ContactPolicy
from riskscore.schemas import EVENT_OUTCOMES

__all__ = ["OffPolicyResult", "candidate_decisions", "decision_log", "logged_outcomes", "off_policy"]

#: The outcomes estimated, per decision (per borrower per run).
OPE_METRICS = ("recovered", "contacts", "complaints")
_LOG_COLUMNS = ("borrower_id", "as_of", "decision", "default_decision", "propensity", "eligible_decisions",
                "explore_share")
_THRESHOLDS = ("low_threshold", "self_cure_threshold", "no_contact_threshold")
#: the thresholds a candidate does not change: ContactPolicy's defaults
_DEFAULT_CUTS = {k: inspect.signature(ContactPolicy).parameters[k].default for k in _THRESHOLDS}
#: decision of the default plan of each explorable segment (the inverse of riskscore.policy.LADDERS)
_SEGMENT_DECISION = {segment: decision for decision, segment in LADDERS.items()}
_ESTIMATORS = ("ips", "snips", "dr")


def decision_log(plans: pd.DataFrame, scores: pd.DataFrame | None = None, *, as_of: object = None,
                 now: object = None) -> pd.DataFrame:
    """One row per borrower of a run's plans: the decision columns, with the scores beside them.

    Parameters
    ----------
    plans : DataFrame
        A run's ``plans.parquet`` (or :func:`~riskscore.policy.plan_portfolio` steps): the
        decision columns are the same on every row of a borrower.
    scores : DataFrame, optional
        The run's ``scores.parquet``: ``likelihood`` and ``amount_at_risk`` become features of
        the outcome model (and let a candidate change thresholds).
    as_of, now : date-like, optional
        The run's as-of date and the plans' start (the manifest's ``as_of`` and ``now``); needed
        when ``scores`` has no ``as_of`` column.

    Returns
    -------
    DataFrame
        ``borrower_id, as_of, now, segment``, the decision columns, and ``likelihood``,
        ``amount_at_risk`` when ``scores`` has them.

    Examples
    --------
    >>> import pandas as pd
    >>> plans = pd.DataFrame({"borrower_id": ["a", "a", "b"], "segment": ["low", "low", "middle"],
    ...     "decision": ["escalate", "escalate", "none"], "default_decision": ["escalate", "escalate", "remind"],
    ...     "propensity": [0.925, 0.925, 0.025], "eligible_decisions": "none,gentle,remind,escalate",
    ...     "explore_share": 0.1})
    >>> log = decision_log(plans, as_of="2026-11-23", now="2026-11-23 13:00Z")
    >>> log[["borrower_id", "decision", "propensity"]].to_numpy().tolist()
    [['a', 'escalate', 0.925], ['b', 'none', 0.025]]
    """
    missing = [c for c in (*_LOG_COLUMNS[2:], "borrower_id", "segment") if c not in plans.columns]
    if missing:
        raise ValueError(f"plans: missing the decision column(s) {missing}: plans written before riskscore "
                         "logged decisions cannot be evaluated off-policy")
    log = plans.drop_duplicates("borrower_id", ignore_index=True)
    log = log[["borrower_id", "segment", *_LOG_COLUMNS[2:]]].copy()
    if scores is not None:
        have = [c for c in ("as_of", "likelihood", "amount_at_risk") if c in scores.columns]
        log = log.merge(scores[["borrower_id", *have]].drop_duplicates("borrower_id"), on="borrower_id", how="left")
    if as_of is not None:
        log["as_of"] = pd.Timestamp(as_of).normalize()
    if "as_of" not in log:
        raise ValueError("decision_log needs the run's as_of (a scores table with as_of, or as_of=)")
    log["as_of"] = pd.to_datetime(log["as_of"]).dt.tz_localize(None).astype("datetime64[ns]")
    when = pd.Timestamp(now) if now is not None else None
    if when is not None:
        log["now"] = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    cols = ["borrower_id", "as_of", *(["now"] if "now" in log else []), "segment", *_LOG_COLUMNS[2:],
            *[c for c in ("likelihood", "amount_at_risk") if c in log]]
    return log[cols]


def _times(values: pd.Series, column: str, utc: bool) -> pd.Series:
    """Dates or times as datetimes: datetime values as they are, text only year first (ISO 8601), never guessed."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.to_datetime(values, utc=utc)
    try:
        return pd.to_datetime(values, format="ISO8601", utc=utc)
    except (TypeError, ValueError):
        shown = values.dropna().astype(str).head(1).tolist()
        raise ValueError(f"{column} must be dates or ISO 8601 text (year first), got "
                         f"{shown[0] if shown else values.dtype!r}; day-first or month-first text is never guessed: "
                         "read it with riskscore.io.read_table(path, table=..., date_format=...) first.") from None


def logged_outcomes(logs: pd.DataFrame, installments: pd.DataFrame, *, horizon_days: int,
                    contacts: pd.DataFrame | None = None, complaints: pd.DataFrame | None = None) -> pd.DataFrame:
    """What followed each logged decision, within ``horizon_days`` of its run.

    ``recovered``: ``amount_paid`` of the borrower's installments with ``as_of < paid_date <=
    as_of + horizon_days``; ``contacts``: outbound contact-log rows (not opt-out or consent
    events) with ``now <= contacted_at < now + horizon_days`` (``as_of`` when the log has no ``now``);
    ``complaints``: rows of ``complaints`` (``borrower_id``, ``complained_at``) in that window.
    A metric without its table is left out.

    Examples
    --------
    >>> import pandas as pd
    >>> logs = pd.DataFrame({"borrower_id": ["a", "b"], "as_of": pd.to_datetime(["2026-01-01"] * 2)})
    >>> inst = pd.DataFrame({"borrower_id": ["a", "a", "b"], "amount_paid": [10.0, 5.0, 7.0],
    ...                      "paid_date": pd.to_datetime(["2026-01-02", "2026-01-30", "2026-01-01"])})
    >>> logged_outcomes(logs, inst, horizon_days=7)["recovered"].tolist()
    [10.0, 0.0]
    """
    key = logs[["borrower_id", "as_of"]].reset_index(drop=True)
    key["as_of"] = pd.to_datetime(key["as_of"]).astype("datetime64[ns]")
    out = key.copy()
    horizon = pd.Timedelta(days=int(horizon_days))

    def window_sum(events: pd.DataFrame, time_col: str, value: np.ndarray, start: pd.Series) -> np.ndarray:
        ev = pd.DataFrame({"borrower_id": events["borrower_id"].astype(str).to_numpy(),
                           "t": _times(events[time_col], time_col, start.dt.tz is not None).to_numpy(),
                           "v": value})
        left = pd.DataFrame({"borrower_id": key["borrower_id"].astype(str), "t0": start.to_numpy(), "i": key.index})
        m = left.merge(ev.dropna(subset=["t"]), on="borrower_id")
        lo_open = time_col == "paid_date"  # payments after the as-of date; contacts from the plans' start
        inside = ((m["t"] > m["t0"]) if lo_open else (m["t"] >= m["t0"])) & (
            (m["t"] <= m["t0"] + horizon) if lo_open else (m["t"] < m["t0"] + horizon))
        return np.bincount(m.loc[inside, "i"], weights=m.loc[inside, "v"], minlength=len(key))

    inst = installments.loc[installments["paid_date"].notna()]
    out["recovered"] = window_sum(inst, "paid_date", inst["amount_paid"].to_numpy(float), key["as_of"])
    start = (pd.to_datetime(logs["now"], utc=True).reset_index(drop=True) if "now" in logs
             else key["as_of"].dt.tz_localize("UTC"))
    if contacts is not None:
        made = contacts.loc[~contacts["outcome"].isin(EVENT_OUTCOMES)]
        if "direction" in made:  # the lender's contacts, not the borrower's calls in
            made = made.loc[made["direction"].fillna("outbound") != "inbound"]
        out["contacts"] = window_sum(made, "contacted_at", np.ones(len(made)), start)
    if complaints is not None:
        out["complaints"] = window_sum(complaints, "complained_at", np.ones(len(complaints)), start)
    return out


def candidate_decisions(logs: pd.DataFrame, candidate: Mapping[str, Any] | Callable[[pd.DataFrame], Any]
                        ) -> np.ndarray:
    """The decision a candidate policy takes for each logged row.

    ``candidate`` is a callable ``logs -> decisions``, or a mapping of: segment ->
    decision (``{"middle": "none"}``: no contact for the middle segment), and/or new likelihood
    thresholds (``low_threshold``, ``self_cure_threshold``, ``no_contact_threshold``), which
    re-segment the borrowers of the four likelihood segments (needs ``likelihood`` in the log).
    Other borrowers keep their logged default, and so do the borrowers exploration never draws
    (a flag set: no exploration share though others of their segment and run have one): riskscore
    never experiments on them, so no candidate is judged on changing their plan.

    Examples
    --------
    >>> import pandas as pd
    >>> logs = pd.DataFrame({"segment": ["middle", "low", "hardship"], "likelihood": [0.5, 0.3, 0.2],
    ...                      "default_decision": ["remind", "escalate", "hardship"]})
    >>> candidate_decisions(logs, {"low_threshold": 0.25}).tolist()
    ['remind', 'remind', 'hardship']
    >>> candidate_decisions(logs, {"middle": "none"}).tolist()
    ['none', 'escalate', 'hardship']
    """
    if callable(candidate):
        out = np.asarray(candidate(logs), dtype=object)
        if out.shape != (len(logs),):
            raise ValueError(f"candidate returned {out.shape[0] if out.ndim else 0} decisions for {len(logs)} "
                             "logged rows; it must return one per row")
        return out
    if not isinstance(candidate, Mapping):
        raise TypeError(f"candidate must be a mapping or a callable, got {type(candidate).__name__}")
    seg = logs["segment"].to_numpy(dtype=object).copy()
    cuts = {k: float(v) for k, v in candidate.items() if k in _THRESHOLDS}
    if cuts:
        if "likelihood" not in logs:
            raise ValueError("candidate changes thresholds but the logs have no likelihood (pass the run's scores)")
        lo, sc, nc = (cuts.get(k, _DEFAULT_CUTS[k]) for k in _THRESHOLDS)
        lik = logs["likelihood"].to_numpy(dtype=float)
        mine = np.isin(seg, list(_SEGMENT_DECISION))
        seg[mine] = np.select([lik[mine] >= nc, lik[mine] >= sc, lik[mine] >= lo], ["no_contact", "self_cure",
                                                                                   "middle"], "low")
    out = np.array([_SEGMENT_DECISION.get(s, d) for s, d in zip(seg, logs["default_decision"], strict=True)],
                   dtype=object)
    remap = {k: v for k, v in candidate.items() if k not in _THRESHOLDS}
    segments = (*_SEGMENT_DECISION, "hardship", "review", "blocked", "unknown")
    for segment, decision in remap.items():
        if segment not in segments:
            raise ValueError(f"candidate: unknown segment or threshold {segment!r}; segments are {list(segments)}, "
                             f"thresholds {list(_THRESHOLDS)}")
        if decision not in DECISIONS:
            raise ValueError(f"candidate: {segment}={decision!r} is not a decision; choose from {list(DECISIONS)}")
        out[seg == segment] = decision
    if "explore_share" in logs and "as_of" in logs:
        # a borrower with a flag set is never explored, though its segment is: any candidate keeps its plan
        share = logs["explore_share"].to_numpy(dtype=float)
        explored = pd.Series(share).groupby([logs["as_of"].to_numpy(), logs["segment"].to_numpy()]).transform("max")
        flagged = (share == 0) & (explored.to_numpy() > 0)
        out[flagged] = logs["default_decision"].to_numpy(dtype=object)[flagged]
    return out


def _pi0(logs: pd.DataFrame, c: np.ndarray) -> np.ndarray:
    """The logging policy's probability of decision ``c`` for each row."""
    e = logs["explore_share"].to_numpy(dtype=float)
    eligible = [set(str(x).split(",")) for x in logs["eligible_decisions"]]
    k = np.array([len(s) for s in eligible], dtype=float)
    member = np.array([ci in s for ci, s in zip(c, eligible, strict=True)], dtype=bool)
    return (1 - e) * (c == logs["default_decision"].to_numpy(dtype=object)) + np.where(member, e / k, 0.0)


def _design(logs: pd.DataFrame, features: list[str]) -> np.ndarray:
    """The outcome model's columns: 1, segment indicators, each feature, squares and products."""
    cols = [np.ones(len(logs))]
    seg = logs["segment"].to_numpy(dtype=object)
    cols += [(seg == s).astype(float) for s in sorted(set(seg))[1:]]
    x = [logs[f].to_numpy(dtype=float) for f in features]
    x = [np.nan_to_num(v, nan=float(np.nanmean(v)) if np.isfinite(v).any() else 0.0) for v in x]
    cols += x + [v * v for v in x] + [x[i] * x[j] for i in range(len(x)) for j in range(i + 1, len(x))]
    return np.column_stack(cols)


def _outcome_model(Z: np.ndarray, a: np.ndarray, y: np.ndarray, fold: np.ndarray, arms: list[str],
                   ridge: float = 1e-3) -> dict[str, np.ndarray]:
    """Cross-fitted per-decision least squares: {arm: predictions (n, metrics)}; fold f learns on the other."""
    scale = np.maximum(np.abs(Z).max(axis=0), 1e-12)
    Zs = Z / scale
    pred = {arm: np.zeros_like(y) for arm in arms}
    for f in (0, 1):
        train = fold != f
        for arm in arms:
            rows = train & (a == arm)
            if rows.sum() > Zs.shape[1] * 3:
                A = Zs[rows]
                penalty = ridge * rows.sum() * np.diag([0.0] + [1.0] * (A.shape[1] - 1))  # not the intercept
                beta = np.linalg.lstsq(A.T @ A + penalty, A.T @ y[rows], rcond=None)[0]
                pred[arm][fold == f] = Zs[fold == f] @ beta
            elif rows.any():
                pred[arm][fold == f] = y[rows].mean(axis=0)
    return pred


def _outcomes(logs: pd.DataFrame, outcomes: pd.DataFrame, horizon_days: int, contacts: pd.DataFrame | None,
              complaints: pd.DataFrame | None) -> pd.DataFrame:
    """The outcome of every logged decision, from the installments or a ready per-decision table."""
    if "amount_paid" in outcomes.columns:
        return logged_outcomes(logs, outcomes, horizon_days=horizon_days, contacts=contacts, complaints=complaints)
    have = [m for m in OPE_METRICS if m in outcomes.columns]
    if not have or not {"borrower_id", "as_of"} <= set(outcomes.columns):
        raise ValueError("outcomes: give the installments table (paid_date, amount_paid) or a table with "
                         f"borrower_id, as_of and outcome column(s) among {list(OPE_METRICS)}")
    right = outcomes[["borrower_id", "as_of", *have]].copy()
    right["as_of"] = pd.to_datetime(right["as_of"]).astype("datetime64[ns]")
    y = logs[["borrower_id", "as_of"]].merge(right, on=["borrower_id", "as_of"], how="left")
    if y[have].isna().any().any():
        raise ValueError(f"outcomes: {int(y[have].isna().any(axis=1).sum())} logged decision(s) have no outcome "
                         "row (match on borrower_id and as_of)")
    return y


def _check_support(logs: pd.DataFrame, c: np.ndarray, pi_c: np.ndarray) -> None:
    """Refuse a candidate that takes a decision the logging policy could not have taken."""
    if not (pi_c <= 0).any():
        return
    bad = pd.DataFrame({"segment": logs["segment"], "c": c})[pi_c <= 0]
    top = bad.value_counts().head(3)
    what = ", ".join(f"{d!r} for {n:,} in segment {s!r}" for (s, d), n in top.items())
    raise ValueError(f"candidate has no support in the logs: it takes {what} ({len(bad):,} of {len(logs):,} "
                     "logged decisions) where the logging policy never could (explore those segments with "
                     "riskscore score --explore, or change the candidate)")


@dataclass
class OffPolicyResult:
    """Estimates of a candidate policy from logs.

    Attributes
    ----------
    table : DataFrame
        Index (metric, estimator): ``estimate``, ``ci_low``, ``ci_high`` per decision, beside
        ``logged`` (what the logging policy got, the plain mean of the logs).
    ess : float
        Effective sample size of the importance weights, ``sum(w)**2 / sum(w**2)``.
    settings : dict
        Rows, borrowers, matched rows, horizon, resamples, level, candidate's decision mix.
    """

    table: pd.DataFrame
    ess: float
    settings: dict[str, Any]

    def to_text(self) -> str:
        """The table as aligned text with the sample sizes (what ``riskscore evaluate-logs`` prints)."""
        s = self.settings
        head = (f"{s['decisions']:,} logged decisions of {s['borrowers']:,} borrowers in {s['runs']} run(s); "
                f"{s['matched']:,} match the candidate; effective sample size {self.ess:,.1f}; "
                f"{s['level']:.0%} intervals, {s['n_resamples']} borrower-clustered resamples; outcomes within "
                f"{s['horizon_days']} days (per decision)")
        return head + "\n" + self.table.round(4).to_string()


def off_policy(logs: pd.DataFrame, outcomes: pd.DataFrame, candidate: Mapping[str, Any] | Callable[..., Any], *,
               horizon_days: int = 7, contacts: pd.DataFrame | None = None, complaints: pd.DataFrame | None = None,
               features: tuple[str, ...] = ("likelihood", "amount_at_risk"), n_resamples: int = 500,
               level: float = 0.95, random_state: int = 0) -> OffPolicyResult:
    """Estimate a candidate policy's recovery, contacts and complaints per decision from logged decisions.

    Parameters
    ----------
    logs : DataFrame
        :func:`decision_log` rows of one or more runs (one per borrower per run).
    outcomes : DataFrame
        The installments table (``borrower_id``, ``paid_date``, ``amount_paid``): recovery is
        what was paid after each run's as-of date (:func:`logged_outcomes`); or a ready table
        with ``borrower_id``, ``as_of`` and outcome columns among ``recovered``, ``contacts``,
        ``complaints``.
    candidate : mapping or callable
        See :func:`candidate_decisions`.
    horizon_days : int, default 7
        Days after each run whose payments (and contacts) count.
    contacts, complaints : DataFrame, optional
        The contact log and a table of complaints (``borrower_id``, ``complained_at``), for those
        outcomes with an installments table.
    features : tuple of str
        Log columns the doubly-robust outcome model uses (those present).
    n_resamples : int, default 500
    level : float, default 0.95
    random_state : int, default 0

    Returns
    -------
    OffPolicyResult

    Raises
    ------
    ValueError
        When the candidate takes, for some logged decision, a plan the logging policy could not
        have taken (no support: its probability is 0), naming the segment and the decision.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> drawn = rng.random(n) < 0.5
    >>> a = np.where(drawn & (rng.random(n) < 0.5), "none", "remind")
    >>> logs = pd.DataFrame({"borrower_id": [f"b{i}" for i in range(n)], "as_of": pd.Timestamp("2026-01-01"),
    ...     "segment": "middle", "decision": a, "default_decision": "remind",
    ...     "propensity": np.where(a == "remind", 0.75, 0.25), "eligible_decisions": "none,remind",
    ...     "explore_share": 0.5})
    >>> y = pd.DataFrame({"borrower_id": logs["borrower_id"], "as_of": logs["as_of"],
    ...                   "recovered": np.where(a == "none", 10.0, 30.0)})
    >>> res = off_policy(logs, y, {"middle": "none"}, n_resamples=50)
    >>> float(res.table.loc[("recovered", "snips"), "estimate"])
    10.0
    """
    logs = _checked_logs(logs, horizon_days, level)
    y = _outcomes(logs, outcomes, horizon_days, contacts, complaints)
    metrics = [m for m in OPE_METRICS if m in y.columns]
    Y = y[metrics].to_numpy(dtype=float)
    c = candidate_decisions(logs, candidate)
    _check_support(logs, c, _pi0(logs, c))
    a = logs["decision"].to_numpy(dtype=object)
    w = (a == c) / logs["propensity"].to_numpy(dtype=float)
    feats = [f for f in features if f in logs.columns]
    groups, codes = np.unique(logs["borrower_id"].astype(str).to_numpy(), return_inverse=True)
    fold = (np.random.default_rng([random_state, 1]).random(len(groups)) < 0.5).astype(int)[codes]  # cross-fitting
    arms = sorted(set(a) | set(c))
    q = _outcome_model(_design(logs, feats), a, Y, fold, arms)
    q_a, q_c = np.zeros_like(Y), np.zeros_like(Y)
    for arm in arms:
        q_a[a == arm] = q[arm][a == arm]
        q_c[c == arm] = q[arm][c == arm]
    # per-decision terms, summed per borrower: the bootstrap resamples borrowers
    terms = np.column_stack([w[:, None] * Y, q_c + w[:, None] * (Y - q_a), Y, w, np.ones(len(w))])
    per = np.zeros((len(groups), terms.shape[1]))
    np.add.at(per, codes, terms)
    point, lo, hi = _bootstrap(per, len(metrics), n_resamples, level, random_state)
    rows = [{"metric": metric, "estimator": est, "estimate": point[i, j], "ci_low": lo[i, j], "ci_high": hi[i, j],
             "logged": point[3, j]} for j, metric in enumerate(metrics) for i, est in enumerate(_ESTIMATORS)]
    ess = float(w.sum() ** 2 / (w ** 2).sum()) if (w > 0).any() else 0.0
    settings = {"decisions": len(logs), "borrowers": len(groups), "runs": int(logs["as_of"].nunique()),
                "matched": int((a == c).sum()), "horizon_days": horizon_days, "n_resamples": n_resamples,
                "level": level, "features": feats, "candidate_mix": pd.Series(c).value_counts().to_dict()}
    return OffPolicyResult(table=pd.DataFrame(rows).set_index(["metric", "estimator"]), ess=ess, settings=settings)


def _checked_logs(logs: pd.DataFrame, horizon_days: int, level: float) -> pd.DataFrame:
    if not isinstance(horizon_days, int) or isinstance(horizon_days, bool) or horizon_days < 1:
        raise ValueError(f"horizon_days must be a positive int, got {horizon_days!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    missing = [c for c in (*_LOG_COLUMNS, "segment") if c not in logs.columns]
    if missing:
        raise ValueError(f"logs: missing column(s) {missing} (see decision_log)")
    if not len(logs):
        raise ValueError("logs: no logged decisions")
    logs = logs.reset_index(drop=True).copy()
    logs["as_of"] = pd.to_datetime(logs["as_of"]).astype("datetime64[ns]")
    if logs.duplicated(["borrower_id", "as_of"]).any():
        raise ValueError("logs: several decisions for one borrower and run (as_of); one per borrower per run")
    p = logs["propensity"].to_numpy(dtype=float)
    if not ((p > 0) & (p <= 1)).all():
        raise ValueError("logs: propensity must be in (0, 1] on every logged decision")
    return logs


def _bootstrap(per: np.ndarray, m: int, n_resamples: int, level: float, random_state: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point estimates and percentile intervals (estimators ips, snips, dr, logged x metrics) from per-borrower
    totals ``per`` (columns: w y, dr terms, y, w, 1), resampling borrowers with replacement."""

    def stats(tot: np.ndarray) -> np.ndarray:
        n_rows, sw = tot[..., -1:], tot[..., -2:-1]
        ips, dr, raw = tot[..., :m] / n_rows, tot[..., m:2 * m] / n_rows, tot[..., 2 * m:3 * m] / n_rows
        snips = tot[..., :m] / np.where(sw > 0, sw, np.nan)
        return np.stack([ips, snips, dr, raw], axis=-2)

    rng = np.random.default_rng(random_state)
    g = len(per)
    boot = np.empty((n_resamples, 4, m))
    for r0 in range(0, n_resamples, 50):
        k = min(50, n_resamples - r0)
        counts = np.stack([np.bincount(rng.integers(0, g, g), minlength=g) for _ in range(k)])
        boot[r0:r0 + k] = stats(counts @ per)
    tail = (1 - level) / 2 * 100
    with np.errstate(all="ignore"):
        lo, hi = np.nanpercentile(boot, [tail, 100 - tail], axis=0)
    return stats(per.sum(axis=0)), lo, hi
