"""Property: over random borrowers, contact logs, zones and clock changes, the planner never emits a
plan that the checker rejects, and every borrower gets a plan."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscore.policy import ContactPolicy, check_plans, list_profiles
from riskscore.schemas import BORROWER_FLAGS, CHANNELS, OUTCOMES

ZONES = ["America/New_York", "America/Los_Angeles", "America/St_Johns", "Europe/London", "Europe/Dublin",
         "Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "Australia/Lord_Howe",
         "Pacific/Chatham", "Pacific/Kiritimati", "America/Santiago"]
# instants near clock changes of 2026 (US, EU, AU/NZ/Chile and their autumn counterparts)
CHANGES = ["2026-03-08 07:00", "2026-03-29 01:00", "2026-04-05 02:00", "2026-04-05 03:00", "2026-09-06 04:00",
           "2026-09-27 01:00", "2026-10-04 02:00", "2026-10-25 01:00", "2026-11-01 06:00", "2026-11-24 12:00"]
N_EXAMPLES = int(os.environ.get("RISKSCORE_POLICY_EXAMPLES", "300"))


def _subset(draw, items, max_size=None):
    return ",".join(draw(st.lists(st.sampled_from(items), unique=True, max_size=max_size or len(items))))


@st.composite
def worlds(draw):
    n = draw(st.integers(1, 10))
    now = pd.Timestamp(draw(st.sampled_from(CHANGES)), tz="UTC") + pd.Timedelta(
        minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    rows, log = [], []
    for i in range(n):
        bid = f"b{i}"
        allowed = _subset(draw, CHANNELS)
        start = draw(st.integers(0, 23))
        rows.append({
            "borrower_id": bid, "timezone": draw(st.sampled_from(ZONES)),
            "timezone_candidates": _subset(draw, ZONES, 2), "channels_allowed": allowed,
            "preferred_channel": draw(st.one_of(st.none(), st.sampled_from(CHANNELS))) if allowed else None,
            "language": draw(st.sampled_from(["en", "zh", "zh-CN", "fr"])),
            "opt_outs": _subset(draw, CHANNELS, 2), "consents": _subset(draw, CHANNELS),
            "inconvenient_hours": draw(st.sampled_from(["", f"{start:02d}:00-{(start + 3) % 24:02d}:30"])),
            **{f: draw(st.booleans()) if draw(st.integers(0, 5)) == 0 else False for f in BORROWER_FLAGS},
        })
        if rows[-1]["preferred_channel"] not in allowed.split(","):
            rows[-1]["preferred_channel"] = None
        for k in draw(st.lists(st.integers(1, 14 * 24 * 12), unique=True, max_size=12)):
            log.append({"borrower_id": bid, "contacted_at": now - pd.Timedelta(minutes=5 * k),
                        "channel": draw(st.sampled_from(CHANNELS)), "outcome": draw(st.sampled_from(OUTCOMES)),
                        "direction": draw(st.sampled_from(["outbound", "outbound", "inbound"])),
                        "loan_id": draw(st.sampled_from([None, "L1", "L2"]))})
    ids = pd.Index([r["borrower_id"] for r in rows] + (["ghost"] if draw(st.booleans()) else []), name="borrower_id")
    scores = pd.DataFrame({"likelihood": draw(st.lists(st.floats(0, 1), min_size=len(ids), max_size=len(ids))),
                           "amount_at_risk": draw(st.lists(st.floats(0, 1e4), min_size=len(ids),
                                                           max_size=len(ids)))}, index=ids)
    codes = ["RS-PARTIAL", "RS-LATE-HIST", "RS-ARREARS"]
    reasons = pd.DataFrame({"row": list(ids), "direction": "adverse", "rank": 1,
                            "code": [draw(st.sampled_from(codes)) for _ in ids], "text": "x"})
    log = pd.DataFrame(log).drop_duplicates(["borrower_id", "contacted_at", "channel"]) if log else None
    return now, pd.DataFrame(rows), log, scores, reasons


def _plans_pass(world, profile, capacity, horizon):
    now, borrowers, log, scores, reasons = world
    holidays = [(now + pd.Timedelta(days=2)).date()]
    policy = ContactPolicy(profile, plan_days=horizon, agent_calls_per_day=capacity, holidays=holidays)
    plans = policy.plan(scores, reasons, borrowers, log, now=now)
    found = check_plans(plans, borrowers, log, plans.profile, holidays=holidays, validate=False)
    assert found.empty, found.to_string()
    steps = plans.steps
    assert set(steps["borrower_id"]) == set(scores.index)
    timed = steps.dropna(subset=["window_start_utc"])
    assert (timed["window_start_utc"] >= now).all()
    assert (timed["window_end_utc"] <= now + pd.Timedelta(days=horizon + 2)).all()
    if capacity is not None:
        calls = timed.loc[timed["action"] == "agent_call"]
        assert calls.groupby("day").size().le(capacity).all()


_CASES = given(world=worlds(), profile=st.sampled_from(list_profiles()), capacity=st.sampled_from([None, 0, 1, 3]),
               horizon=st.integers(1, 9))
test_planner_emits_only_plans_the_checker_passes = settings(
    max_examples=N_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])(_CASES(_plans_pass))
#: ``make test-exhaustive`` runs this one (deselected by default): 20 000 random worlds.
test_planner_exhaustive = pytest.mark.exhaustive(settings(
    max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])(_CASES(_plans_pass)))
