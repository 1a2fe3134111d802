"""The response model's documented effects are what the simulation produces on isolated borrowers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.datasets import ResponseParams, WorldParams
from riskscore.evaluation import Portfolio, simulate

N = 20_000
START = pd.Timestamp("2025-06-02")


def _portfolio(n: int = N, *, hardship: bool = False, forgetful: float = 0.3, willing: float = 0.9,
               clear: float = 0.05) -> Portfolio:
    """``n`` identical borrowers, each with one installment 10 days in arrears and nothing else due."""
    ids = np.array([f"b{i:06d}" for i in range(n)], dtype=object)
    traits = pd.DataFrame({"ability": 0.9, "willingness": willing, "forgetfulness": forgetful,
                           "pre_normal": 0.2, "pre_hardship": 0.05, "clear_normal": clear, "clear_hardship": clear,
                           "onset": 0.0, "recovery": 0.0}, index=pd.Index(ids, name="borrower_id"))
    key = pd.DataFrame({"borrower_id": ids, "loan_id": [f"L{i}" for i in range(n)], "installment_no": 1,
                        "due_date": START - pd.Timedelta(days=10), "amount_due": 100.0})
    borrowers = pd.DataFrame({"borrower_id": ids, "timezone": "America/Chicago", "country": "US"})
    return Portfolio(start=START, ids=ids, traits=traits, hardship0=np.full(n, hardship), m_b=np.arange(n),
                     m_due=np.full(n, -10), m_amount=np.full(n, 100.0), m_open0=np.full(n, 100.0), m_key=key,
                     history=key.assign(paid_date=pd.NaT, amount_paid=0.0), borrowers=borrowers,
                     contacts0=pd.DataFrame(columns=["borrower_id", "contacted_at", "channel", "outcome"]),
                     blocked=np.zeros(n, dtype=bool))


def _everyone(action: str, channel: str):
    def plan(rnd):
        if rnd.day:
            return pd.DataFrame(columns=["borrower_id", "action", "channel", "window_start_utc", "day"])
        return pd.DataFrame({"borrower_id": rnd.portfolio.ids, "action": action, "channel": channel,
                             "window_start_utc": rnd.now + pd.Timedelta(hours=2), "day": 0})  # 10:00 Chicago
    return plan


def _none(rnd):
    return pd.DataFrame(columns=["borrower_id", "action", "channel", "window_start_utc", "day"])


#: no partial payments in arrears: cures are the only payments, so "paid by day d" is the cure curve
PARAMS = WorldParams(partial_in_arrears=(0.0, 0.0))


def _share_paid(port: Portfolio, day: int) -> float:
    paid = np.zeros(port.n, dtype=bool)
    for m, d, _ in port.payments:
        if d <= day:
            paid[port.m_b[m]] = True
    return float(paid.mean())


def test_without_contact_the_cure_hazard_is_the_worlds():
    port = _portfolio()
    simulate(port, _none, days=3, seed=1, params=PARAMS)
    expected = 1 - (1 - 0.05) ** 3
    assert _share_paid(port, 3) == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / N))


def test_a_reminder_helps_a_forgetful_payer_by_the_documented_amount():
    r = ResponseParams()
    port = _portfolio(forgetful=0.3)
    simulate(port, _everyone("reminder", "sms"), days=3, seed=2, params=PARAMS, response=r)
    # the contact on day 0 acts on days 1..carry_days: each day 1 - (1 - clear)(1 - 0.5 x 0.3)
    daily = 1 - (1 - 0.05) * (1 - r.reminder_forgetful * 0.3)
    expected = 1 - (1 - daily) ** 3
    assert _share_paid(port, 3) == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / N))
    # and not at all to someone who never forgets
    port = _portfolio(forgetful=0.0)
    simulate(port, _everyone("reminder", "sms"), days=3, seed=2, params=PARAMS, response=r)
    none = _portfolio(forgetful=0.0)
    simulate(none, _none, days=3, seed=2, params=PARAMS, response=r)
    assert _share_paid(port, 3) == _share_paid(none, 3)  # same draws, no effect: identical


def test_an_answered_call_helps_an_unwilling_payer_a_little():
    r = ResponseParams(call_answer=1.0)
    port = _portfolio(forgetful=0.0, willing=0.2)
    simulate(port, _everyone("agent_call", "call"), days=3, seed=3, params=PARAMS, response=r)
    daily = 1 - (1 - 0.05) * (1 - r.call_unwilling * 0.9 * (1 - 0.2))
    expected = 1 - (1 - daily) ** 3
    assert _share_paid(port, 3) == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / N))


def test_pressure_on_hardship_does_not_help_and_raises_complaints():
    r = ResponseParams(call_answer=1.0)
    called, left = _portfolio(hardship=True), _portfolio(hardship=True)
    res = simulate(called, _everyone("agent_call", "call"), days=3, seed=4, params=PARAMS, response=r)
    simulate(left, _none, days=3, seed=4, params=PARAMS, response=r)
    assert _share_paid(called, 3) == _share_paid(left, 3)
    rate = r.complaint_call * r.complaint_hardship
    assert res.complaints.mean() == pytest.approx(rate, abs=4 * np.sqrt(rate / N))
    assert res.hardship_pressured.all()
    normal = simulate(_portfolio(), _everyone("agent_call", "call"), days=3, seed=4, params=PARAMS, response=r)
    assert normal.complaints.mean() == pytest.approx(r.complaint_call, abs=4 * np.sqrt(r.complaint_call / N))


def test_the_pressure_log_says_when_each_pressed_borrower_entered_hardship():
    already = simulate(_portfolio(n=50, hardship=True), _everyone("agent_call", "call"), days=3, seed=4,
                       params=PARAMS)
    assert already.pressure["borrower_id"].tolist() == [f"b{i:06d}" for i in range(50)]
    assert set(already.pressure["hardship_since"]) == {-1} and set(already.pressure["day"]) == {0}
    port = _portfolio(n=50)
    port.traits["onset"] = 1.0  # everyone enters hardship on day 1, after the plan of day 0

    def call_on_day_3(rnd):
        return _everyone("agent_call", "call")(rnd).assign(day=3)

    late = simulate(port, call_on_day_3, days=5, seed=4, params=PARAMS)
    assert late.hardship_pressured.sum() == len(late.pressure) > 0
    assert set(late.pressure["hardship_since"]) == {1} and set(late.pressure["day"]) == {3}
    assert simulate(_portfolio(n=50), _everyone("agent_call", "call"), days=3, seed=4, params=PARAMS).pressure.empty


def test_a_plan_offer_helps_hardship_cases():
    r = ResponseParams()
    offered, left = _portfolio(hardship=True, clear=0.01), _portfolio(hardship=True, clear=0.01)
    simulate(offered, _everyone("repayment_plan_offer", "sms"), days=14, seed=5, params=PARAMS, response=r)
    simulate(left, _none, days=14, seed=5, params=PARAMS, response=r)
    # a share plan_accept now cures at plan_clear a day instead of 0.01
    base = 1 - 0.99 ** 14
    expected = r.plan_accept * (1 - (1 - r.plan_clear) ** 14) + (1 - r.plan_accept) * base
    assert _share_paid(left, 14) == pytest.approx(base, abs=4 * np.sqrt(base * (1 - base) / N))
    assert _share_paid(offered, 14) == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / N))


def test_fatigue_and_opt_outs():
    r = ResponseParams()
    one = r.effect(np.array(["reminder"]), np.array([False]), np.array([False]), np.array([0.9]), np.array([0.9]),
                   np.array([0.3]), np.array([0]))
    third = r.effect(np.array(["reminder"]), np.array([False]), np.array([False]), np.array([0.9]),
                     np.array([0.9]), np.array([0.3]), np.array([2]))
    assert third[0] == pytest.approx(one[0] * r.fatigue ** 2)
    assert r.opt_out(np.array(["sms", "call"]), np.array([2, 2])).tolist() == [r.opt_out_message * 2, 0.0]


def test_bad_response_params_are_refused():
    with pytest.raises(ValueError, match="call_answer"):
        ResponseParams(call_answer=1.5)
    with pytest.raises(ValueError, match=">= 0"):
        ResponseParams(fatigue=-0.1)
