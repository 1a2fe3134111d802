"""Day by day: plan (every ``replan_days``), contact, respond, pay, for one policy on one portfolio.

The payment process is the generator's (``docs/synthetic_world.md``), per borrower from the
hidden traits: hardship onset and recovery; an installment due on day D is paid in full with the
daily pre-due hazard on days D-3..D, partly on D with the on-due probability; from D+1 the
borrower clears *all* arrears with the daily cure hazard, or pays part of each with the
arrears-partial hazard. The response model (:class:`~riskscore.datasets.ResponseParams`) adds
each contact's effect to the pre-due and cure hazards for ``carry_days`` days, and draws answers,
complaints, opt-outs, plan acceptance and referrals. Every draw is counter-based
(:func:`~riskscore.datasets.uniform`), so every policy meets the same futures.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskscore.datasets import PRESSURE_ACTIONS, ResponseParams, WorldParams, uniform
from riskscore.evaluation._state import Portfolio
from riskscore.scoring import Scorer

__all__ = ["Round", "SimResult", "simulate"]

_CONTACT = ("reminder", "payment_link", "repayment_plan_offer", "hardship_referral", "agent_call")
_LOG_COLS = ["borrower_id", "contacted_at", "channel", "outcome"]


@dataclass
class Round:
    """What a policy sees when it plans: the public tables as of ``as_of`` and the open balances."""

    portfolio: Portfolio
    day: int
    as_of: pd.Timestamp
    now: pd.Timestamp
    owing: np.ndarray
    days_past_due: np.ndarray
    amount_at_risk: np.ndarray
    contacts: pd.DataFrame
    borrowers: pd.DataFrame
    _features: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    def installments(self) -> pd.DataFrame:
        """The installments table with the payments made so far (dated up to ``as_of``)."""
        return self.portfolio.installments(self.day)

    def features(self, scorer: Scorer) -> pd.DataFrame:
        """The scorer's features at ``as_of`` (index: borrower ids as text), built once per round and model."""
        key = id(scorer.model)
        if key not in self._features:
            self._features[key] = scorer.features(self.installments(), self.as_of, contacts=self.contacts,
                                                  validate=False, borrowers=self.borrowers)  # static columns
        return self._features[key]


@dataclass
class SimResult:
    """One policy's simulated horizon: per-borrower totals and the contact log it made."""

    recovered: np.ndarray
    recovered_30d: np.ndarray
    owed0: np.ndarray
    contacts: pd.DataFrame
    complaints: np.ndarray
    opt_outs: np.ndarray
    hardship_pressured: np.ndarray
    blocked_contacted: np.ndarray
    violations: int
    plans: list[pd.DataFrame]
    #: per borrower who owed at a planning round, what followed in that round's days (before the
    #: next round): ``round, borrower_id, recovered, contacts, complaints``; with ``branch``, also
    #: ``branch_recovered``, ``branch_contacts``, ``branch_complaints`` (the branch's plans instead)
    rounds: pd.DataFrame | None = None
    #: every pressure action on a borrower in hardship: ``borrower_id, day, action, hardship_since``
    #: (the day the borrower's spell began; -1: already in hardship at the start)
    pressure: pd.DataFrame | None = None


def _hazards(p: Portfolio) -> dict[str, np.ndarray]:
    t = p.traits
    return {"pre": t[["pre_normal", "pre_hardship"]].to_numpy(float),
            "clear": t[["clear_normal", "clear_hardship"]].to_numpy(float),
            "onset": t["onset"].to_numpy(float), "recovery": t["recovery"].to_numpy(float),
            "a": t["ability"].to_numpy(float), "w": t["willingness"].to_numpy(float),
            "f": t["forgetfulness"].to_numpy(float)}


def _local_hour(times: pd.Series, zones: np.ndarray) -> np.ndarray:
    hour = np.zeros(len(times), dtype=np.int64)
    for z in pd.unique(zones):
        sel = zones == z
        hour[sel] = times[sel].dt.tz_convert(z).dt.hour.to_numpy()
    return hour


class _Sim:
    def __init__(self, p: Portfolio, days: int, seed: int, response: ResponseParams, params: WorldParams):
        self.p, self.days, self.seed, self.r, self.wp = p, days, seed, response, params
        self.h = _hazards(p)
        self.open = p.m_open0.copy()
        self.hard = p.hardship0.copy()
        self.boost = np.zeros((p.n, days + response.carry_days + 8))
        self.plan_on = np.zeros(p.n, dtype=bool)
        self.referral_until = np.full(p.n, -1)
        self.recent = np.zeros((p.n, days + 8), dtype=np.int64)  # contacts per day
        self.recovered = np.zeros(p.n)
        self.recovered_30 = np.zeros(p.n)
        self.complaints = np.zeros(p.n, dtype=np.int64)
        self.opt_outs = np.zeros(p.n, dtype=np.int64)
        self.pressured = np.zeros(p.n, dtype=bool)
        self.since = np.full(p.n, -1)  # the day the current hardship spell began (-1: before the start)
        self.pressure: list[pd.DataFrame] = []
        self.blocked_hit = np.zeros(p.n, dtype=np.int64)
        self.log: list[pd.DataFrame] = []
        self.b_of = pd.Index(p.ids)
        self.zones = p.borrowers.set_index("borrower_id")["timezone"].reindex(p.ids).fillna("UTC").to_numpy(object)

    def totals(self) -> np.ndarray:
        """Per borrower so far: recovered, contacts made, complaints (columns)."""
        return np.column_stack([self.recovered, self.recent.sum(axis=1), self.complaints]).astype(float)

    def fork(self) -> _Sim:
        """An independent copy (the portfolio's payments list too) that meets the same draws."""
        twin = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray) and name not in ("zones",):
                setattr(twin, name, value.copy())
        twin.log, twin.pressure = list(self.log), list(self.pressure)
        twin.p = copy.copy(self.p)
        twin.p.payments = list(self.p.payments)
        return twin

    # -- state seen by policies --------------------------------------------------------------------
    def round(self, day: int) -> Round:
        p = self.p
        live = self.open > 0.005
        owing = np.zeros(p.n, dtype=bool)
        np.logical_or.at(owing, p.m_b[live & (p.m_due <= day + 7)], True)
        late = live & (p.m_due < day)
        oldest = np.full(p.n, np.inf)
        np.minimum.at(oldest, p.m_b[late], p.m_due[late].astype(float))
        dpd = np.where(np.isfinite(oldest), day - oldest, 0.0)
        risk = np.zeros(p.n)
        np.add.at(risk, p.m_b[live], self.open[live])
        as_of = p.start + pd.Timedelta(days=day)
        borrowers = p.borrowers.copy()
        complained = self.complaints > 0
        if complained.any():
            borrowers.loc[borrowers["borrower_id"].isin(p.ids[complained]), "complaint_open"] = True
        if self.plan_on.any():  # accepting a hardship plan tells the lender about the hardship
            borrowers.loc[borrowers["borrower_id"].isin(p.ids[self.plan_on]), "hardship_declared"] = True
        return Round(p, day, as_of, as_of.tz_localize("UTC") + pd.Timedelta(hours=13), owing, dpd, risk,
                     self.contacts(), borrowers)

    def contacts(self) -> pd.DataFrame:
        return pd.concat([self.p.contacts0[_LOG_COLS], *self.log], ignore_index=True) if self.log else \
            self.p.contacts0[_LOG_COLS]

    # -- contact and response ------------------------------------------------------------------------
    def contact(self, day: int, steps: pd.DataFrame) -> None:
        """Make today's planned contacts (those of borrowers who still owe) and draw the responses."""
        p, r = self.p, self.r
        b = self.b_of.get_indexer(steps["borrower_id"])
        live = self.open > 0.005
        owes = np.zeros(p.n, dtype=bool)
        np.logical_or.at(owes, p.m_b[live], True)
        # a payment in full cancels pending contacts; an accepted repayment plan cancels pending demands
        demand = steps["action"].isin(("agent_call", "payment_link", "reminder")).to_numpy()
        keep = (b >= 0) & owes[np.maximum(b, 0)] & ~(demand & self.plan_on[np.maximum(b, 0)])
        steps, b = steps.loc[keep].reset_index(drop=True), b[keep]
        if not len(steps):
            return
        slot = steps.groupby("borrower_id").cumcount().to_numpy()
        action, channel = steps["action"].to_numpy(object), steps["channel"].to_numpy(object)
        when = pd.to_datetime(steps["window_start_utc"], utc=True)
        hour = _local_hour(when, self.zones[b])
        off = (hour < 9) | (hour >= 20)
        recent = self.recent[b, max(day - 7, 0): day].sum(axis=1) + slot
        hard = self.hard[b]
        call = channel == "call"
        answered = call & (uniform("answer", self.seed, b, day, slot)
                           < r.call_answer * np.where(off, r.off_hours_answer, 1.0))
        u = uniform("outcome", self.seed, b, day, slot)
        w = self.h["w"][b]
        outcome = np.where(~call, "message_sent", np.where(~answered, "no_answer", np.where(
            u < 0.5 * (1 - w), "refused", np.where(u < 0.5 * (1 - w) + 0.3, "promise_to_pay", "conversation"))))
        e = r.effect(action, answered, hard, self.h["a"][b], w, self.h["f"][b], recent)
        for k in range(1, r.carry_days + 1):
            np.add.at(self.boost[:, day + k], b, e)  # 1 - prod(1 - e) is close to the sum for small e
        offer = hard & (action == "repayment_plan_offer")
        self.plan_on[b[offer & (uniform("accept", self.seed, b, day, slot) < r.plan_accept)]] = True
        refer = hard & (action == "hardship_referral")
        self.referral_until[b[refer]] = day + r.referral_days
        complained = uniform("complaint", self.seed, b, day, slot) < r.complaint(action, channel, hard, off, recent)
        np.add.at(self.complaints, b, complained)
        opted = uniform("opt_out", self.seed, b, day, slot) < r.opt_out(channel, recent)
        np.add.at(self.opt_outs, b, opted)
        pressed = hard & np.isin(action, PRESSURE_ACTIONS)
        self.pressured[b[pressed]] = True
        if pressed.any():
            self.pressure.append(pd.DataFrame({"borrower_id": p.ids[b[pressed]], "day": day,
                                               "action": action[pressed], "hardship_since": self.since[b[pressed]]}))
        np.add.at(self.blocked_hit, b, p.blocked[b])
        np.add.at(self.recent[:, day], b, 1)
        log = pd.DataFrame({"borrower_id": p.ids[b], "contacted_at": when, "channel": channel, "outcome": outcome})
        events = log.loc[opted].assign(outcome="opt_out", contacted_at=when[opted] + pd.Timedelta(minutes=1))
        self.log.append(pd.concat([log, events], ignore_index=True) if len(events) else log)

    # -- the day's payments --------------------------------------------------------------------------
    def pay(self, day: int) -> None:
        """Regime changes, then payments dated ``start + day`` (day >= 1)."""
        p, wp, h, s = self.p, self.wp, self.h, self.seed
        idx = np.arange(p.n)
        recov = h["recovery"] * np.where(self.referral_until >= day, self.r.referral_recovery, 1.0)
        u = uniform("regime", s, idx, day)
        was = self.hard
        self.hard = np.where(self.hard, u >= recov, u < h["onset"])
        self.since[self.hard & ~was] = day
        reg = self.hard.astype(int)
        extra = self.boost[:, day]
        paid = np.zeros(len(self.open))
        live = self.open > 0.005
        # pre-due window and the due date
        m = np.flatnonzero(live & (p.m_due >= day) & (p.m_due <= day + wp.early_days))
        bm = p.m_b[m]
        pre = 1 - (1 - h["pre"][bm, reg[bm]]) * (1 - extra[bm])
        full = uniform("pre", s, m, day) < pre
        paid[m[full]] = self.open[m[full]]
        due = m[~full & (p.m_due[m] == day)]
        bd = p.m_b[due]
        part = uniform("due_partial", s, due, day) < np.array(wp.partial_on_due)[reg[bd]]
        lo, hi = wp.partial_due_fraction
        frac = lo + (hi - lo) * uniform("due_fraction", s, due, day)
        paid[due[part]] = self.open[due[part]] * frac[part]
        # arrears: cure (all of it) or a partial payment on each installment
        late = live & (p.m_due < day)
        in_arrears = np.zeros(p.n, dtype=bool)
        in_arrears[p.m_b[late]] = True
        clear = h["clear"][idx, reg]
        clear = np.where(self.plan_on & self.hard, np.maximum(clear, self.r.plan_clear), clear)
        cure = in_arrears & (uniform("cure", s, idx, day) < 1 - (1 - clear) * (1 - extra))
        partial = in_arrears & ~cure & (uniform("partial", s, idx, day) < np.array(wp.partial_in_arrears)[reg])
        lo, hi = wp.partial_arrears_fraction
        frac_b = lo + (hi - lo) * uniform("fraction", s, idx, day)
        cured = late & cure[p.m_b]
        paid[cured] = self.open[cured]
        part_m = late & partial[p.m_b]
        amount = np.minimum(self.open[part_m] * frac_b[p.m_b[part_m]],
                            np.maximum(self.open[part_m] - wp.partial_floor * p.m_amount[part_m], 0.0))
        paid[part_m] = np.maximum(paid[part_m], amount)
        got = np.flatnonzero(paid > 0)
        if len(got):
            self.open[got] -= paid[got]
            self.p.payments.append((got, day, paid[got]))
            np.add.at(self.recovered, p.m_b[got], paid[got])
            if day <= 30:
                np.add.at(self.recovered_30, p.m_b[got], paid[got])


def simulate(portfolio: Portfolio, planner: Callable[[Round], pd.DataFrame], *, days: int = 90, seed: int = 0,
             response: ResponseParams | None = None, params: WorldParams | None = None, replan_days: int = 7,
             check: Callable[[pd.DataFrame, Round], int] | None = None,
             branch: Callable[[Round], pd.DataFrame] | None = None) -> SimResult:
    """Run one policy over ``days`` days and return what it recovered and what it cost.

    ``planner(round)`` returns plan steps (``borrower_id, action, channel, window_start_utc,
    day``; ``day`` counted from the round); steps other than contacts are ignored. ``check(steps,
    round)`` returns the number of rule violations of a round's plans (added up in the result).
    ``branch(round)``, when given, is another planner: at every round the simulation is forked,
    the branch's plans replace the policy's for that round's days only (on the same draws), and
    what followed is recorded beside the policy's in ``rounds`` -- the truth an off-policy
    estimate of the branch from the policy's logs can be compared with.
    """
    portfolio.payments = []
    sim = _Sim(portfolio, days, seed, response or ResponseParams(), params or WorldParams())
    pending: dict[int, list[pd.DataFrame]] = {}
    plans, violations, rounds = [], 0, []
    owed0 = np.zeros(portfolio.n)
    np.add.at(owed0, portfolio.m_b, np.where(portfolio.m_due <= days, portfolio.m_open0, 0.0))
    for day in range(days):
        if day % replan_days == 0:
            rnd = sim.round(day)
            end = min(day + replan_days, days)
            if rounds:
                rounds[-1]["after"] = sim.totals()
            rounds.append({"round": day, "owing": rnd.owing, "before": sim.totals()})
            if branch is not None:
                rounds[-1]["branch"] = _branch(sim, rnd, branch, day, end)
            steps = planner(rnd)
            if check is not None and len(steps):
                violations += check(steps, rnd)
            steps = steps.loc[steps["action"].isin(_CONTACT)]
            plans.append(steps.assign(round=day))
            for k, part in steps.groupby("day"):
                if day + int(k) < end:
                    pending.setdefault(day + int(k), []).append(part)
        today = pending.pop(day, [])
        if today:
            sim.contact(day, pd.concat(today, ignore_index=True))
        sim.pay(day + 1)
    if rounds:
        rounds[-1]["after"] = sim.totals()
    return SimResult(recovered=sim.recovered, recovered_30d=sim.recovered_30, owed0=owed0, contacts=sim.contacts(),
                     complaints=sim.complaints, opt_outs=sim.opt_outs, hardship_pressured=sim.pressured,
                     pressure=(pd.concat(sim.pressure, ignore_index=True) if sim.pressure else
                               pd.DataFrame({"borrower_id": pd.Series(dtype=object), "day": pd.Series(dtype=int),
                                             "action": pd.Series(dtype=object),
                                             "hardship_since": pd.Series(dtype=int)})),
                     blocked_contacted=sim.blocked_hit, violations=violations, plans=plans,
                     rounds=_round_table(rounds, portfolio.ids))


def _branch(sim: _Sim, rnd: Round, planner: Callable[[Round], pd.DataFrame], day: int, end: int) -> np.ndarray:
    """Totals gained over days ``day .. end - 1`` when ``planner``'s plans of this round are made instead."""
    twin = sim.fork()
    before = twin.totals()
    steps = planner(rnd)
    steps = steps.loc[steps["action"].isin(_CONTACT)]
    due = {day + int(k): part for k, part in steps.groupby("day") if day + int(k) < end}
    for d in range(day, end):
        if d in due:
            twin.contact(d, due[d].reset_index(drop=True))
        twin.pay(d + 1)
    return twin.totals() - before


def _round_table(rounds: list[dict], ids: np.ndarray) -> pd.DataFrame:
    names = ("recovered", "contacts", "complaints")
    parts = []
    for r in rounds:
        who = np.flatnonzero(r["owing"])
        gain = (r["after"] - r["before"])[who]
        part = pd.DataFrame({"round": r["round"], "borrower_id": ids[who], **{n: gain[:, i] for i, n in
                                                                               enumerate(names)}})
        if "branch" in r:
            for i, n in enumerate(names):
                part[f"branch_{n}"] = r["branch"][who, i]
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["round", "borrower_id", *names])


def summary_row(res: SimResult, portfolio: Portfolio) -> dict[str, Any]:
    """The table's row of one simulated policy."""
    log = res.contacts.iloc[len(portfolio.contacts0):]
    made = log.loc[log["outcome"] != "opt_out"]
    recovered = float(res.recovered.sum())
    return {"recovered": recovered, "recovered_30d": float(res.recovered_30d.sum()),
            "recovery_rate": recovered / max(float(res.owed0.sum()), 1e-9), "contacts": len(made),
            "recovered_per_contact": recovered / len(made) if len(made) else float("nan"),
            "agent_calls": int((made["channel"] == "call").sum()), "complaints": int(res.complaints.sum()),
            "opt_outs": int(res.opt_outs.sum()), "hardship_pressured": int(res.hardship_pressured.sum()),
            "blocked_contacted": int((res.blocked_contacted > 0).sum()), "violations": int(res.violations)}
