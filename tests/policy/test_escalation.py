"""Escalation: an agent call only after self-service went unanswered, and at most one in 90 days.

The rules of :mod:`riskscore.policy._escalation`, on hand-built logs: a low-likelihood borrower
with no trace of hardship gets the payment link and the repayment-plan offer, and the call only
once a message has gone unanswered for ``call_wait_days`` days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.policy import ContactPolicy, DaysPastDuePolicy, check_plans
from riskscore.policy._escalation import call_gate
from tests.policy._cases import borrower, contact

NOW = pd.Timestamp("2026-11-24 13:00", tz="UTC")  # Tuesday, 08:00 in New York
NY = "America/New_York"


def plan(log, *, bids=("b1",), **kw):
    kw.setdefault("max_window_calls", 1)  # agent calls on (the default is off: see the last test)
    b = pd.DataFrame([borrower(x) for x in bids])
    scores = pd.DataFrame({"likelihood": 0.1, "amount_at_risk": 100.0}, index=pd.Index(list(bids), name="borrower_id"))
    c = pd.DataFrame(log) if log else None
    plans = ContactPolicy("us_reg_f_2021", **kw).plan(scores, None, b, c, now=NOW)
    assert check_plans(plans, b, c, plans.profile).empty
    return plans


def calls(plans, bid="b1"):
    s = plans.steps
    return s.loc[(s["borrower_id"] == bid) & (s["action"] == "agent_call"), "day"].tolist()


def test_no_unanswered_message_no_call_and_the_audit_says_why():
    plans = plan(None)
    assert plans.steps["action"].tolist() == ["payment_link", "repayment_plan_offer"]
    event = plans.events.loc[plans.events["rule_id"] == "PLAN-ESCALATION"]
    assert event["borrower_id"].tolist() == ["b1"]
    assert "no self-service message since the last agent call has gone unanswered" in event["detail"].item()


@pytest.mark.parametrize(("sent", "expected"), [
    ("2026-11-16 10:00", [4]),   # 8 days ago: unanswered for a week already, the call keeps its day
    ("2026-11-21 10:00", [4]),   # 3 days ago: 7 days are reached on plan day 4, the call's own day
    ("2026-11-22 10:00", [5]),   # 2 days ago: the call waits to day 5
    ("2026-10-20 10:00", []),    # 35 days ago: older than MESSAGE_DAYS (30), not a live offer any more
])
def test_a_call_only_once_a_message_has_gone_unanswered_for_a_week(sent, expected):
    assert calls(plan([contact(sent, NY, "sms", "message_sent")])) == expected


def test_an_answer_or_a_call_since_the_message_resets_the_wait():
    sms = contact("2026-11-14 10:00", NY, "sms", "message_sent")
    inbound = contact("2026-11-18 10:00", NY, "call", "conversation", direction="inbound")
    assert calls(plan([sms, inbound])) == []  # the borrower answered: that message is not unanswered
    called = contact("2026-11-15 10:00", NY, "call", "no_answer")
    assert calls(plan([sms, called], max_window_calls=None)) == []  # the message came before the last call
    later = contact("2026-11-16 10:00", NY, "email", "message_sent")
    assert calls(plan([sms, called, later], max_window_calls=None)) == [4]


def test_at_most_one_call_in_ninety_days():
    log = [contact("2026-08-28 10:00", NY, "call", "no_answer"), contact("2026-11-05 10:00", NY, "sms", "message_sent")]
    assert calls(plan(log)) == [4]  # 88 days ago: out of the window on plan day 2, the call keeps day 4
    log[0] = contact("2026-11-02 10:00", NY, "call", "no_answer")  # 22 days ago: in the window all plan long
    plans = plan(log)
    assert calls(plans) == []
    assert "1 agent call(s) in the last 90 days" in plans.events.loc[plans.events["rule_id"] == "PLAN-ESCALATION",
                                                                    "detail"].item()
    assert calls(plan(log, max_window_calls=2)) == [4]
    assert calls(plan(log, call_window_days=20)) == [4]
    assert calls(plan(log, max_window_calls=None)) == [4]


def test_both_rules_can_be_turned_off_and_the_baselines_do_not_use_them():
    assert calls(plan(None, call_wait_days=None, max_window_calls=None)) == [4]
    assert calls(plan(None, call_wait_days=0)) == []  # no wait, but still a message first
    assert calls(plan([contact("2026-11-24 07:00", NY, "sms", "message_sent")], call_wait_days=0)) == [4]
    b = pd.DataFrame([borrower()])
    s = pd.DataFrame({"days_past_due": [45.0], "amount_at_risk": [900.0]}, index=pd.Index(["b1"], name="borrower_id"))
    steps = DaysPastDuePolicy("us_reg_f_2021").plan(s, None, b, now=NOW).steps
    assert "agent_call" in steps["action"].tolist()


def test_call_gate_per_borrower():
    log = pd.DataFrame([contact("2026-11-20 10:00", NY, "sms", "message_sent", bid="a"),
                        contact("2026-11-01 10:00", NY, "app", "message_sent", bid="b"),
                        contact("2026-11-10 10:00", NY, "call", "no_answer", bid="b"),
                        contact("2026-11-12 10:00", NY, "sms", "opt_out", bid="c"),
                        contact("2026-11-24 12:00", NY, "sms", "message_sent", bid="d")])  # after now: not seen
    ids = pd.Index(["a", "b", "c", "d", "e"])
    day, why = call_gate(log, ids, NOW, wait_days=7, window_days=30, max_calls=1)
    assert day.tolist() == [3.0, np.inf, np.inf, np.inf, np.inf]
    day, _ = call_gate(log, ids, NOW, wait_days=None, window_days=30, max_calls=1)
    assert day.tolist() == [0.0, 16.0, 0.0, 0.0, 0.0]
    day, why = call_gate(None, ids, NOW, wait_days=None, window_days=30, max_calls=None)
    assert day.tolist() == [0.0] * 5 and set(why) == {""}


def test_agent_calls_are_off_by_default_and_the_audit_says_how_to_turn_them_on():
    # a log that allows a call once calls are on plans none with the defaults
    sms = pd.DataFrame([contact("2026-11-16 10:00", NY, "sms", "message_sent")])
    assert calls(plan(sms.to_dict("records"))) == [4]
    b = pd.DataFrame([borrower("b1")])
    scores = pd.DataFrame({"likelihood": 0.1, "amount_at_risk": 100.0}, index=pd.Index(["b1"], name="borrower_id"))
    plans = ContactPolicy("us_reg_f_2021").plan(scores, None, b, sms, now=NOW)
    assert plans.steps["action"].tolist() == ["payment_link", "repayment_plan_offer"]
    assert plans.events.loc[plans.events["rule_id"] == "PLAN-ESCALATION", "detail"].tolist() == [
        "agent_call dropped: agent calls are off (max_window_calls=0, the default); max_window_calls=1 turns "
        "them on where the lender's own logs show they add recovery"]
