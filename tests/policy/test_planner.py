"""Scenario tests for each principle of the planner; every plan is re-checked by check_plans."""

from __future__ import annotations

import pandas as pd
import pytest

from riskscore import DataError
from riskscore.policy import AUDIT_COLUMNS, PLAN_COLUMNS, ContactPolicy, check_plans
from tests.policy._cases import borrower, contact

NOW = pd.Timestamp("2026-11-24 13:00", tz="UTC")  # Tuesday, 08:00 in New York


def run(rows, likelihood, *, profile="us_reg_f_2021", reasons=None, log=None, now=NOW, **kw):
    b = pd.DataFrame(rows)
    scores = pd.DataFrame({"likelihood": likelihood, "amount_at_risk": 100.0},
                          index=pd.Index(b["borrower_id"], name="borrower_id"))
    c = pd.DataFrame(log) if log else None
    plans = ContactPolicy(profile, **kw).plan(scores, reasons, b, c, now=now)
    assert check_plans(plans, b, c, plans.profile).empty
    assert set(plans.steps["borrower_id"]) == set(b["borrower_id"])
    return plans


def actions(plans, bid="b1"):
    s = plans.steps.loc[plans.steps["borrower_id"] == bid]
    return list(zip(s["action"], s["channel"].fillna("-"), strict=True))


def test_plan_columns_and_local_windows():
    plans = run([borrower(preferred_channel="email")], [0.5])
    assert list(plans.steps.columns[:len(PLAN_COLUMNS)]) == PLAN_COLUMNS
    first = plans.steps.iloc[0]
    assert (first["action"], first["channel"]) == ("reminder", "email")  # the preferred channel
    assert first["window_start_local"] == "2026-11-24 08:15" and first["window_end_local"] == "2026-11-24 21:00"
    assert first["local_windows"] == "America/New_York Tue 2026-11-24 08:15-21:00"
    assert "preferred channel" in first["rationale"] and "Click here to opt out" in first["message"]


def test_self_curer_gets_at_most_a_gentle_reminder():
    plans = run([borrower("b1"), borrower("b2")], [0.85, 0.97])
    assert actions(plans, "b1") == [("reminder", "app")]
    assert plans.steps.loc[plans.steps["borrower_id"] == "b1", "tone"].item() == "gentle"
    assert actions(plans, "b2") == [("none", "-")]


def test_hardship_gets_an_offer_never_a_call():
    reasons = pd.DataFrame({"row": ["b2", "b2", "b3", "b3", "b4"], "direction": "adverse", "rank": [1, 2, 1, 2, 1],
                            "code": ["RS-PARTIAL", "RS-LATE-HIST", "RS-LATE-HIST", "RS-PARTIAL", "RS-PARTIAL"],
                            "text": ["partial", "late", "late", "partial", "partial"]})
    plans = run([borrower("b1", hardship_declared=True), borrower("b2"), borrower("b3"), borrower("b4")],
                [0.05, 0.05, 0.05, 0.9], reasons=reasons)
    for bid in ("b1", "b2"):
        assert [a for a, _ in actions(plans, bid)] == ["repayment_plan_offer", "hardship_referral"]
    # partial payments as a secondary reason, or for a likely self-curer, are not a hardship signal
    # (b3: the low segment's self-service steps; no call before a message has gone unanswered a week)
    assert [a for a, _ in actions(plans, "b3")] == ["payment_link", "repayment_plan_offer"]
    assert actions(plans, "b4") == [("reminder", "app")]
    assert "RS-PARTIAL" in plans.steps.loc[plans.steps["borrower_id"] == "b2", "rationale"].iloc[0]


def test_a_hardship_signal_in_the_scores_routes_to_an_offer():
    b = pd.DataFrame([borrower("b1"), borrower("b2")])
    scores = pd.DataFrame({"likelihood": [0.05, 0.05], "amount_at_risk": 100.0, "hardship_signal": [True, False]},
                          index=pd.Index(["b1", "b2"], name="borrower_id"))
    plans = ContactPolicy("us_reg_f_2021").plan(scores, None, b, now=NOW)
    assert [a for a, _ in actions(plans, "b1")] == ["repayment_plan_offer", "hardship_referral"]
    assert "repeated partial payments" in plans.steps.loc[plans.steps["borrower_id"] == "b1", "rationale"].iloc[0]
    assert [a for a, _ in actions(plans, "b2")] == ["payment_link", "repayment_plan_offer"]  # the low segment


@pytest.mark.parametrize(("flag", "expected", "rule"), [
    ("vulnerable", "human_review", "POL-VULNERABLE"), ("refuses_automated", "human_review", "POL-AUTOMATED"),
    ("deceased", "human_review", "US-18"), ("cease_requested", "none", "US-05"), ("dispute_open", "none", "US-16"),
    ("attorney_represented", "none", "US-04"), ("bankruptcy", "none", "US-20"), ("do_not_contact", "none", "POL-DNC"),
])
def test_flags_block_or_route_to_a_person(flag, expected, rule):
    plans = run([borrower(**{flag: True})], [0.05])
    assert actions(plans) == [(expected, "-")]
    audit = plans.audit().set_index("rule_id")
    assert audit.loc[rule, "outcome"] == "blocked" and flag in audit.loc[rule, "detail"]


def test_breathing_space_blocks_under_the_uk_profile():
    plans = run([borrower(timezone="Europe/London", breathing_space=True)], [0.05], profile="uk_fca_conc7_2024")
    assert actions(plans) == [("none", "-")]


def test_low_likelihood_gets_link_offer_then_call_and_opt_out_of_calls_is_respected():
    # a text a week ago went unanswered: the call may follow the link and the offer (test_escalation.py)
    log = [contact("2026-11-16 10:00", "America/New_York", "sms", "message_sent", bid=bid) for bid in ("b1", "b2")]
    plans = run([borrower("b1"), borrower("b2", opt_outs="call")], [0.1, 0.1], log=log, max_window_calls=1)
    assert [a for a, _ in actions(plans, "b1")] == ["payment_link", "repayment_plan_offer", "agent_call"]
    assert [a for a, _ in actions(plans, "b2")] == ["payment_link", "repayment_plan_offer"]
    call = plans.steps.loc[plans.steps["action"] == "agent_call"].iloc[0]
    assert call["tone"] == "supportive" and "debt collector" in call["message"]


def test_chinese_borrower_at_2130_local_is_planned_for_tomorrow_in_chinese():
    now = pd.Timestamp("2026-11-24 13:30", tz="UTC")  # 21:30 in Shanghai
    plans = run([borrower(timezone="Asia/Shanghai", language="zh-CN", channels_allowed="sms,call",
                          consents="sms")], [0.5], profile="cn_gbt45251_2025", now=now)
    first = plans.steps.iloc[0]
    assert first["window_start_local"] == "2026-11-25 08:00" and first["language"] == "zh"
    assert first["message"].endswith("回复TD退订")


def test_capacity_goes_to_the_most_valuable_calls():
    rows = [borrower(f"b{i}") for i in range(4)]
    b = pd.DataFrame(rows)
    scores = pd.DataFrame({"likelihood": 0.1, "amount_at_risk": [10.0, 400.0, 300.0, 20.0]},
                          index=pd.Index(b["borrower_id"], name="borrower_id"))
    plans = ContactPolicy("us_reg_f_2021", agent_calls_per_day=2, plan_days=5, call_wait_days=None,
                          max_window_calls=None).plan(scores, None, b, None, NOW)  # escalation off: capacity only
    called = set(plans.steps.loc[plans.steps["action"] == "agent_call", "borrower_id"])
    assert called == {"b1", "b2"}
    capped = plans.events.loc[plans.events["rule_id"] == "CAPACITY", "borrower_id"]
    assert {"b0", "b3"} <= set(capped)
    assert check_plans(plans, b, None, "us_reg_f_2021").empty


def test_rules_move_steps_and_the_audit_says_why():
    log = [contact("2026-11-23 10:00", "America/New_York", "email", "message_sent")] * 1
    log += [contact(f"2026-11-2{d} 10:00", "America/New_York", "app", "message_sent") for d in (0, 1)]
    plans = run([borrower(channels_allowed="app,email", preferred_channel="app")], [0.5], log=log,
                overrides={"US-10.per_week": {"all": 3}})
    audit = plans.audit()
    assert list(audit.columns) == AUDIT_COLUMNS
    assert set(audit["outcome"]) <= {"pass", "policy", "blocked", "not_applicable"}
    us10 = audit.set_index("rule_id").loc["US-10"]
    assert us10["outcome"] == "blocked" and "cap is 3" in us10["detail"]
    assert audit.set_index("rule_id").loc["US-07", "outcome"] == "not_applicable"
    # how the profile reads a rule travels with every audit row of it
    assert "later logged consent" not in audit.set_index("rule_id").loc["US-06", "reading"]
    assert audit.set_index("rule_id").loc["US-06", "reading"].startswith("A consent logged after an opt-out")
    assert audit.set_index("rule_id").loc["US-01", "reading"] == ""


def test_unknown_borrower_goes_to_human_review():
    b = pd.DataFrame([borrower("b1")])
    scores = pd.DataFrame({"likelihood": [0.2, 0.2]}, index=pd.Index(["b1", "ghost"], name="borrower_id"))
    plans = ContactPolicy().plan(scores, None, b, None, NOW)
    assert plans.steps.set_index("borrower_id").loc["ghost", "action"] == "human_review"
    audit = plans.audit(["ghost"])
    assert len(audit) == len(plans.profile.rules) and set(audit["outcome"]) <= {"pass", "policy", "not_applicable"}


def test_an_audit_of_nobody_has_the_columns_and_types_of_any_audit():
    b = pd.DataFrame([borrower("b1"), borrower("b2")])
    scores = pd.DataFrame({"likelihood": [0.2, 0.7]}, index=pd.Index(["b1", "b2"], name="borrower_id"))
    plans = ContactPolicy().plan(scores, None, b, None, NOW)
    everyone, nobody = plans.audit(), plans.audit(["ghost"])
    assert len(everyone) == 2 * len(plans.profile.rules) and len(nobody) == 0
    assert nobody.dtypes.to_dict() == everyone.dtypes.to_dict()  # text, as in the written audit (object before)
    assert everyone["borrower_id"].tolist() == ["b1"] * len(plans.profile.rules) + ["b2"] * len(plans.profile.rules)
    assert everyone["rule_id"].tolist() == [r.id for r in plans.profile.rules] * 2


def test_invalid_inputs_fail_with_the_column():
    b = pd.DataFrame([borrower()])
    bad = pd.DataFrame({"likelihood": [1.5]}, index=pd.Index(["b1"], name="borrower_id"))
    with pytest.raises(DataError, match="likelihood"):
        ContactPolicy().plan(bad, None, b, None, NOW)
    with pytest.raises(ValueError, match="time zone-aware"):
        ContactPolicy().plan(bad.clip(upper=1), None, b, None, "2026-11-24 10:00")
    with pytest.raises(ValueError, match="thresholds"):
        ContactPolicy(low_threshold=0.9)


def test_horizon_days_is_the_deprecated_name_of_plan_days():
    rows = [borrower(f"b{i}") for i in range(3)]
    b = pd.DataFrame(rows)
    scores = pd.DataFrame({"likelihood": [0.1, 0.5, 0.85], "amount_at_risk": 100.0},
                          index=pd.Index(b["borrower_id"], name="borrower_id"))
    new = ContactPolicy(plan_days=3)
    with pytest.warns(FutureWarning, match="'horizon_days' was renamed 'plan_days' in riskscore 0.2 and will be "
                                           "removed in 0.4") as record:
        old = ContactPolicy(horizon_days=3)
    assert record[0].filename == __file__
    assert old.plan_days == new.plan_days == 3
    old_plans, new_plans = (p.plan(scores, None, b, None, NOW) for p in (old, new))
    pd.testing.assert_frame_equal(old_plans.steps, new_plans.steps)
    with pytest.warns(FutureWarning, match="'horizon_days' was renamed 'plan_days'"):
        assert new.horizon_days == 3


@pytest.mark.parametrize(("kw", "match"), [
    ({"plan_days": 0}, r"The 'plan_days' parameter of ContactPolicy must be an int in the range \[1, 60\]"),
    ({"plan_days": 7.0}, r"The 'plan_days' parameter of ContactPolicy must be an int in the range \[1, 60\]"),
    ({"agent_calls_per_day": -1}, r"The 'agent_calls_per_day' parameter of ContactPolicy must be an int in the range "
                                  r"\[0, inf\) or None"),
    ({"low_threshold": 1.5}, r"The 'low_threshold' parameter of ContactPolicy must be a float in the range \[0\.0, "
                             r"1\.0\]"),
    ({"hardship_codes": "RS-PARTIAL"}, "The 'hardship_codes' parameter of ContactPolicy must be an instance of"),
    ({"min_window_minutes": 1441}, r"The 'min_window_minutes' parameter of ContactPolicy must be an int in the range "
                                   r"\[0, 1440\]"),
    ({"horizon_days": 61}, r"The 'horizon_days' parameter of ContactPolicy must be an int in the range \[1, 60\]"),
])
def test_arguments_are_validated_the_scikit_learn_way(kw, match):
    with pytest.raises(ValueError, match=match):
        ContactPolicy(**kw)


def test_strict_sends_any_hardship_evidence_to_a_person_before_any_contact():
    dublin = "Europe/Dublin"
    b = pd.DataFrame([borrower("b1", timezone=dublin, hardship_declared=True), borrower("b2", timezone=dublin),
                      borrower("b3", timezone=dublin), borrower("b4", timezone=dublin)])
    scores = pd.DataFrame({"likelihood": [0.05, 0.05, 0.05, 0.85], "amount_at_risk": 100.0,
                           "hardship_signal": [False, True, False, False]},
                          index=pd.Index(b["borrower_id"], name="borrower_id"))
    reasons = pd.DataFrame({"row": ["b3", "b4"], "direction": "adverse", "rank": 1, "code": "RS-PARTIAL",
                            "text": "partial payments"})
    plans = ContactPolicy("strict_v1").plan(scores, reasons, b, None, NOW)
    assert check_plans(plans, b, None, plans.profile).empty
    for bid in ("b1", "b2", "b3"):
        assert actions(plans, bid) == [("human_review", "-")]
    # RS-PARTIAL for a likely self-curer (0.85) is not hardship evidence
    assert actions(plans, "b4") == [("reminder", "app")]
    audit = plans.audit().set_index(["borrower_id", "rule_id"])
    assert audit.loc[("b2", "ST-HARDSHIP"), "outcome"] == "blocked"
    assert "hardship evidence (repeated partial payments)" in audit.loc[("b2", "ST-HARDSHIP"), "detail"]
    assert "reason RS-PARTIAL" in audit.loc[("b3", "ST-HARDSHIP"), "detail"]
    # the checker, given the same evidence, refuses an automated offer for b2
    offer = plans.steps.loc[plans.steps["borrower_id"] == "b4"].assign(borrower_id="b2")
    found = check_plans(offer, b, None, "strict_v1", hardship=["b2"])
    assert "ST-HARDSHIP" in set(found["rule_id"])


def test_a_text_window_ends_before_its_consent_goes_stale():
    # consent 60 days before 17:00Z today: texts are allowed until 12:00 in New York, not after
    log = [contact("2026-09-25 13:00", "America/New_York", "sms", "consent")]
    plans = run([borrower(channels_allowed="sms", consents="")], [0.5], log=log)
    assert actions(plans) == [("reminder", "sms")]
    first = plans.steps.iloc[0]
    assert (first["window_start_local"], first["window_end_local"]) == ("2026-11-24 08:15", "2026-11-24 12:00")
    # the payment link of day 3 finds no fresh consent: dropped, and the events say why
    assert "US-12" in set(plans.events["rule_id"])


def test_strict_plans_skip_the_borrowers_public_holidays_and_the_audit_says_whose():
    import holidays

    ireland = holidays.country_holidays("IE", years=2026)
    now = pd.Timestamp("2026-12-24 13:00", tz="UTC")  # Christmas Eve; then Christmas and St Stephen's Day
    plans = run([borrower(timezone="Europe/Dublin")], [0.5], profile="strict_v1", now=now)
    days = pd.to_datetime(plans.steps["window_start_local"]).dt.date
    assert len(days) == 2 and not any(d in ireland for d in days) and days.iloc[1] > pd.Timestamp("2026-12-27").date()
    detail = plans.audit().set_index("rule_id").loc["ST-DAYS", "detail"]
    assert f"public holidays: holidays {holidays.__version__}: national public holidays of IE" in detail
    given = run([borrower(timezone="Europe/Dublin")], [0.5], profile="strict_v1", now=now, holidays=[])
    assert "public holidays: the caller's list (0 date(s))" in given.audit().set_index("rule_id").loc["ST-DAYS",
                                                                                                      "detail"]
