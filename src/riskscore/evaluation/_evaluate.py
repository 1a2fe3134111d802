"""``evaluate_policy``: every policy on the same synthetic futures, over several seeds, in one table."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from riskscore.datasets import ResponseParams, World
from riskscore.evaluation._policies import POLICIES, PolicySpec, policy
from riskscore.evaluation._simulate import Round, simulate, summary_row
from riskscore.evaluation._state import Portfolio, portfolio
from riskscore.evaluation._uplift import OUTCOME_DAYS, UpliftModel, fit_uplift
from riskscore.model import RepaymentModel
from riskscore.scoring import Scorer

__all__ = ["EvaluationResult", "evaluate_policy", "logged_contacts"]

#: Columns of the table, in order (see :func:`evaluate_policy`).
METRICS = ("recovered", "recovered_30d", "recovery_rate", "contacts", "recovered_per_contact",
           "incremental_per_contact", "agent_calls", "complaints", "opt_outs", "hardship_pressured",
           "blocked_contacted", "violations")


class EvaluationResult:
    """Per-seed rows (``runs``), the mean table with 95 % intervals (``table``), and the settings."""

    def __init__(self, runs: pd.DataFrame, settings: dict[str, Any]):
        self.runs = runs
        self.settings = settings
        self.table = _summary(runs)

    def targets(self) -> dict[str, Any]:
        """The issue's targets, computed from the mean table (riskscore's policy against the baselines)."""
        t = self.table["mean"]
        out: dict[str, Any] = {}
        if {"riskscore", "max_contact"} <= set(t.index):
            out["recovered_vs_max"] = t.at["riskscore", "recovered"] / t.at["max_contact", "recovered"]
            out["contacts_vs_max"] = t.at["riskscore", "contacts"] / max(t.at["max_contact", "contacts"], 1)
            if "no_contact" in t.index:  # what contact bought, riskscore's against blasting's
                base = t.at["no_contact", "recovered"]
                out["incremental_vs_max"] = ((t.at["riskscore", "recovered"] - base)
                                             / (t.at["max_contact", "recovered"] - base))
        for k in ("blocked_contacted", "hardship_pressured", "violations"):
            if "riskscore" in t.index:
                out[f"riskscore_{k}"] = t.at["riskscore", k]
        if {"riskscore", "days_past_due"} <= set(t.index):
            out["incremental_per_contact_vs_dpd"] = (t.at["riskscore", "incremental_per_contact"]
                                                     / t.at["days_past_due", "incremental_per_contact"])
        return out


def _summary(runs: pd.DataFrame) -> pd.DataFrame:
    g = runs.groupby("policy", sort=False)[list(METRICS)]
    mean, sd, n = g.mean(), g.std(ddof=1), g.size()
    half = sd.mul([stats.t.ppf(0.975, k - 1) / math.sqrt(k) if k > 1 else np.nan for k in n], axis=0)
    return pd.concat({"mean": mean, "ci_low": mean - half, "ci_high": mean + half}, axis=1)


def _open_at(p: Portfolio, day: int) -> np.ndarray:
    left = p.m_open0.copy()
    for m, d, a in p.payments:
        if d <= day:
            left[m] -= a
    return left


def logged_contacts(world: World, model: RepaymentModel, start: str | pd.Timestamp, days: int, *,
                    profiles: Mapping[str, str], agent_calls_per_day: int | None, seed: int,
                    response: ResponseParams | None = None, holdout: float = 0.1) -> pd.DataFrame:
    """Logged data for the uplift model: riskscore's policy with a random no-contact holdout and
    agent calls given at random among the borrowers it would call, simulated from ``start``.

    One row per borrower and round: the round's features, ``treated`` (an agent call in the
    round's week) and ``outcome`` (everything owed at the round cleared within 14 days).
    """
    port = portfolio(world, start, days + OUTCOME_DAYS)
    spec = PolicySpec("riskscore", profiles=profiles, agent_calls_per_day=agent_calls_per_day, model=model,
                      holdout=holdout, random_calls=True, seed=seed)
    plan, _ = policy(spec)
    scorer = Scorer(model)
    seen: dict[int, pd.DataFrame] = {}

    def recording(rnd: Round) -> pd.DataFrame:
        seen[rnd.day] = rnd.features(scorer)  # the same features the policy plans with (cached per model)
        return plan(rnd)

    res = simulate(port, recording, days=days + OUTCOME_DAYS, seed=seed, response=response)
    log = res.contacts.iloc[len(port.contacts0):]
    calls = log.loc[(log["channel"] == "call") & (log["outcome"] != "opt_out")]
    call_day = (calls["contacted_at"].dt.tz_convert("UTC").dt.normalize().dt.tz_localize(None) - port.start).dt.days
    rows = []
    for day, X in seen.items():
        if day >= days:
            continue
        X = X.copy()
        b = pd.Index(port.ids).get_indexer(X.index)
        X, b = X.loc[b >= 0], b[b >= 0]
        now, later = _open_at(port, day), _open_at(port, day + OUTCOME_DAYS)
        scope = (now > 0.005) & (port.m_due <= day + 7)
        left = np.zeros(port.n)
        np.add.at(left, port.m_b[scope], later[scope].clip(min=0))
        owed = np.zeros(port.n, dtype=bool)
        owed[port.m_b[scope]] = True
        called = set(calls["borrower_id"][(call_day >= day) & (call_day < day + 7)])
        X["treated"] = X.index.isin(called)
        X["outcome"] = left[b] <= 0.005
        X["round"] = day
        rows.append(X.loc[owed[b]])
    return pd.concat(rows) if rows else pd.DataFrame()


def evaluate_policy(world: World, policies: Sequence[str] = POLICIES, start: str | pd.Timestamp | None = None,
                    days: int = 90, *, model: RepaymentModel | None = None,
                    profiles: Mapping[str, str] | str = "US=us_reg_f_2021,CN=cn_gbt45251_2025,"
                                                          "GB=uk_fca_conc7_2024,*=strict_v1",
                    agent_calls_per_day: int | None = None, seeds: Sequence[int] = (0,),
                    response: ResponseParams | None = None, uplift_days: int = 84,
                    progress: Any = None) -> EvaluationResult:
    """Simulate each policy on the same world and the same random draws; one row per policy and seed.

    Parameters
    ----------
    world : World
        A generated world (with its hidden traits); :func:`riskscore.datasets.read_world` reads one.
    policies : sequence of str
        Among :data:`POLICIES`: ``no_contact``, ``max_contact`` (every borrower at the maximum the
        profile allows), ``days_past_due`` (bucket strategy), ``riskscore`` (the contact policy on
        the model's scores and reasons, with its defaults: no agent calls), ``riskscore_uplift`` (the
        same with agent calls on, ``max_window_calls=1``, given by uplift value).
    start : date-like, optional
        First day (default: 120 days before the world ends).
    days : int, default 90
    model : RepaymentModel
        Needed by the riskscore policies (e.g. ``load_bundle("models/sample")``).
    profiles : mapping or str
        Rule profile per country (``"US=us_reg_f_2021,...,*=strict_v1"``).
    agent_calls_per_day : int, optional
        Agent-call capacity shared by the policies that use one (not ``max_contact``); default 2 %
        of the borrowers who owe at ``start``.
    seeds : sequence of int
        One simulation of every policy per seed.
    response : ResponseParams, optional
    uplift_days : int, default 84
        Length of the logging period before ``start`` the uplift model learns from.

    Returns
    -------
    EvaluationResult

    Examples
    --------
    >>> import riskscore
    >>> from riskscore.evaluation import evaluate_policy
    >>> result = evaluate_policy(riskscore.generate(400, seed=3), ["no_contact"], days=14)
    >>> int(result.table.loc["no_contact", ("mean", "contacts")])
    0
    """
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise ValueError(f"Unknown policies {unknown}; choose from {POLICIES}.")
    if not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive int, got {days!r}.")
    start = pd.Timestamp(start) if start is not None else world.end - pd.Timedelta(days=120)
    if start + pd.Timedelta(days=days) > world.end + pd.Timedelta(days=365):
        raise ValueError("start + days runs more than a year past the world's schedules.")
    port = portfolio(world, start, days)
    cap = agent_calls_per_day if agent_calls_per_day is not None else max(1, math.ceil(0.02 * port.n))
    uplift: UpliftModel | None = None
    timings: dict[str, float] = {}
    if "riskscore_uplift" in policies:
        t0 = time.perf_counter()
        logged = logged_contacts(world, model, start - pd.Timedelta(days=uplift_days + OUTCOME_DAYS), uplift_days,
                                 profiles=profiles, agent_calls_per_day=cap, seed=10_000 + seeds[0],
                                 response=response)
        features = [str(c) for c in model.feature_names_in_]
        uplift = fit_uplift(logged, features)
        timings["uplift"] = time.perf_counter() - t0
    rows = []
    for seed in seeds:
        for name in policies:
            t0 = time.perf_counter()
            spec = PolicySpec(name, profiles=profiles, agent_calls_per_day=None if name == "max_contact" else cap,
                              model=model, uplift=uplift, seed=seed)
            plan, check = policy(spec)
            res = simulate(port, plan, days=days, seed=seed, response=response, check=check)
            row = summary_row(res, port) | {"policy": name, "seed": seed}
            timings[f"{name}/{seed}"] = time.perf_counter() - t0
            rows.append(row)
            if progress is not None:
                progress(name, seed, row)
    runs = pd.DataFrame(rows)
    base = runs.loc[runs["policy"] == "no_contact"].set_index("seed")["recovered"]
    runs["incremental_per_contact"] = [
        (r - base.get(s, np.nan)) / c if c else np.nan for r, s, c in zip(runs["recovered"], runs["seed"],
                                                                           runs["contacts"], strict=True)]
    settings = {"start": str(start.date()), "days": days, "borrowers": int(port.n), "seeds": list(seeds),
                "agent_calls_per_day": cap, "profiles": profiles, "response": (response or ResponseParams()).to_dict(),
                "uplift_rows": None if uplift is None else uplift.rows, "timings_s": timings}
    return EvaluationResult(runs[["policy", "seed", *METRICS]], settings)
