"""Steps name the debts they concern and the number or address they use (issue 19).

Counts per debt use a step's ``loan_ids`` and counts per number its ``destination``; a step (or a
log row) naming none concerns every debt, or every number, so plans and logs without them are
checked as before (per person). Opt-outs and consents may concern one number.
"""

from __future__ import annotations

import pandas as pd
import pytest

from riskscore import DataError, validate_borrowers, validate_contacts
from riskscore.policy import ContactPolicy, check_plans, load_profile
from tests.policy._cases import borrower, contact, step, violations

US, CN, ST = "us_reg_f_2021", "cn_gbt45251_2025", "strict_v1"
NY, SH = "America/New_York", "Asia/Shanghai"
NOW = pd.Timestamp("2026-11-24 13:00", tz="UTC")  # Tuesday, 08:00 in New York


def rules(found: pd.DataFrame) -> set[str]:
    return set(found["rule_id"])


def to(row: dict, destination: str | None = None, loan_ids: str | None = None) -> dict:
    return {**row, "destination": destination, "loan_ids": loan_ids}


def test_the_planner_names_the_debts_and_the_first_number_not_opted_out_and_the_audit_lists_them():
    b = pd.DataFrame([borrower(destinations="call:p1,call:p2,sms:m1,email:e1", opt_outs="call:p1",
                               consents="sms@2026-11-20,email")])
    scores = pd.DataFrame({"likelihood": [0.1], "amount_at_risk": 500.0, "loan_ids": ["L1,L2"]},
                          index=pd.Index(["b1"], name="borrower_id"))
    plans = ContactPolicy(US, call_wait_days=None, max_window_calls=1).plan(scores, None, b, None, NOW)  # call today
    assert check_plans(plans, b, None, plans.profile).empty
    steps = plans.steps.set_index("action")
    assert steps.loc["agent_call", "destination"] == "p2"  # p1 is opted out
    assert set(plans.steps["loan_ids"]) == {"L1,L2"}
    # app messages: the table lists no app destination, so the step names none
    assert plans.steps.loc[plans.steps["channel"] == "app", "destination"].isna().all()
    audit = plans.audit().set_index("rule_id")
    assert "call to p2 about L1,L2" in audit.loc["US-07", "detail"]
    assert "counted per person and debt (the calls name their debts)" in audit.loc["US-07", "detail"]
    assert "counted per number (destination ids of the borrowers table)" in audit.loc["POL-CALL-GAP", "detail"]
    assert "to p2 about L1,L2" in audit.loc["US-06", "detail"]


def test_old_inputs_plan_without_destinations_or_debts_and_the_audit_says_per_person():
    b = pd.DataFrame([borrower()])
    scores = pd.DataFrame({"likelihood": [0.1], "amount_at_risk": 500.0}, index=pd.Index(["b1"], name="borrower_id"))
    plans = ContactPolicy(US, call_wait_days=None, max_window_calls=1).plan(scores, None, b, None, NOW)  # call today
    assert plans.steps["destination"].isna().all() and plans.steps["loan_ids"].isna().all()
    audit = plans.audit().set_index("rule_id")
    assert "a call naming no debt counts for every debt" in audit.loc["US-07", "detail"]
    assert "so they are counted per person" in audit.loc["POL-CALL-GAP", "detail"]
    # a plan of the old format (no destination, no loan_ids column) is checked as before
    old = plans.steps.drop(columns=["destination", "loan_ids"])
    assert check_plans(old, b, None, US).empty


def test_dial_attempts_are_counted_per_number_under_cn():
    b = borrower(timezone=SH, language="zh", destinations="call:p1,call:p2")
    log = [{**contact(f"2026-11-24 0{8 + i // 4}:{10 * (i % 4) + 10:02d}", SH), "destination": "p1"}
           for i in range(6)]
    call = step(CN, 1, "agent_call", "call", "2026-11-24 15:00", "2026-11-24 16:00", zone=SH, language="zh")
    assert violations(CN, [to(call, "p2")], [b], log).empty
    assert rules(violations(CN, [to(call, "p1")], [b], log)) == {"CN-04"}
    # a call naming no number might use p1: counted for every number
    assert rules(violations(CN, [to(call)], [b], log)) == {"CN-04"}


def test_the_gap_between_calls_is_per_number_under_us_and_per_person_under_strict():
    b = borrower(destinations="call:p1,call:p2")
    log = [{**contact("2026-11-24 11:58", NY), "destination": "p1"}]
    call = step(US, 1, "agent_call", "call", "2026-11-24 12:00", "2026-11-24 13:00", zone=NY)
    assert violations(US, [to(call, "p2")], [b], log).empty
    assert rules(violations(US, [to(call, "p1")], [b], log)) == {"POL-CALL-GAP"}
    assert rules(violations(US, [to(call)], [b], log)) == {"POL-CALL-GAP"}
    offer = step(ST, 1, "repayment_plan_offer", "app", "2026-11-23 15:00", "2026-11-23 16:00", zone=NY)
    strict_call = step(ST, 2, "agent_call", "call", "2026-11-24 12:00", "2026-11-24 13:00", zone=NY)
    assert "ST-CALLS-DAY" in rules(violations(ST, [offer, to(strict_call, "p2")], [b], log))


def test_calls_are_counted_per_debt_the_step_names():
    b = borrower()
    week = [contact(f"2026-11-{d} 10:00", NY, loan_id="L1") for d in range(18, 24)]
    week.append(contact("2026-11-23 14:00", NY, loan_id="L1"))  # 7 calls about L1 in the 6 days before
    call = step(US, 1, "agent_call", "call", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)
    assert violations(US, [to(call, loan_ids="L2")], [b], week).empty
    assert rules(violations(US, [to(call, loan_ids="L1,L2")], [b], week)) == {"US-07"}
    assert rules(violations(US, [to(call)], [b], week)) == {"US-07"}  # a call naming no debt: every debt
    # two planned calls about L2: each counts for L2 only
    later = step(US, 2, "agent_call", "call", "2026-11-25 15:00", "2026-11-25 16:00", zone=NY)
    assert "US-07" not in rules(violations(US, [to(call, loan_ids="L2"), to(later, loan_ids="L2")], [b], week))


def test_an_opt_out_or_a_consent_may_concern_one_number():
    b = borrower(destinations="sms:m1,sms:m2", consents="")
    text = step(US, 1, "reminder", "sms", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)
    consent = {**contact("2026-11-20 10:00", NY, "sms", "consent"), "destination": None}
    opt_out = {**contact("2026-11-21 10:00", NY, "sms", "opt_out"), "destination": "m1"}
    assert violations(US, [to(text, "m2")], [b], [consent, opt_out]).empty
    assert rules(violations(US, [to(text, "m1")], [b], [consent, opt_out])) == {"US-06", "US-12"}
    assert "US-06" in rules(violations(US, [to(text)], [b], [consent, opt_out]))  # which number is unknown
    # a consent to m1 is evidence for m1 only
    only_m1 = {**contact("2026-11-20 10:00", NY, "sms", "consent"), "destination": "m1"}
    assert violations(US, [to(text, "m1")], [b], [only_m1]).empty
    assert rules(violations(US, [to(text, "m2")], [b], [only_m1])) == {"US-12"}
    # the borrowers table can name the number opted out of
    assert rules(violations(US, [to(text, "m2")], [{**b, "opt_outs": "sms:m2"}], [consent])) == {"US-06"}


def test_a_step_naming_a_number_the_borrower_does_not_have_is_refused():
    b = borrower(destinations="call:p1")
    call = step(US, 1, "agent_call", "call", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)
    assert rules(violations(US, [to(call, "p9")], [b])) == {"PLAN-DESTINATION"}


def test_destinations_are_part_of_the_contracts():
    ok = validate_borrowers(pd.DataFrame([borrower(destinations="call:p1, sms:p1", opt_outs="call:p1,email")]))
    assert ok["destinations"].iloc[0] == "call:p1, sms:p1"
    assert validate_borrowers(pd.DataFrame([borrower()]))["destinations"].iloc[0] == ""
    for column, bad in (("destinations", "call"), ("destinations", "fax:x1"), ("destinations", "call:+1 555"),
                        ("opt_outs", "call:"), ("opt_outs", "pigeon:p1")):
        with pytest.raises(DataError, match=column):
            validate_borrowers(pd.DataFrame([borrower(**{column: bad})]))
    log = validate_contacts(pd.DataFrame([{**contact("2026-11-20 10:00", NY), "destination": "p1"}]))
    assert log["destination"].tolist() == ["p1"]


def test_strict_counts_per_person_whatever_the_number():
    assert load_profile(ST).rule("ST-CALLS-DAY").params["unit"] == "person"
    assert load_profile(CN).rule("CN-04").params["unit"] == "destination"


def test_the_planner_texts_the_number_the_borrower_consented_for():
    b = pd.DataFrame([borrower(channels_allowed="sms", destinations="sms:m1,sms:m2", consents="")])
    log = pd.DataFrame([{**contact("2026-11-20 10:00", NY, "sms", "consent"), "destination": "m2"}])
    scores = pd.DataFrame({"likelihood": [0.5]}, index=pd.Index(["b1"], name="borrower_id"))
    plans = ContactPolicy(US).plan(scores, None, b, log, NOW)
    assert check_plans(plans, b, log, plans.profile).empty
    assert plans.steps["destination"].tolist() == ["m2", "m2"]
