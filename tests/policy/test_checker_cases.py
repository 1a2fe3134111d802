"""Literal cases: the issue's examples and the corner cases of counting, zones and consent."""

from __future__ import annotations

import pandas as pd
import pytest

from riskscore.exceptions import DataQualityWarning, PolicyError
from riskscore.policy import check_plans, load_profile
from tests.policy._cases import borrower, contact, step, violations

US = "us_reg_f_2021"
NY = "America/New_York"


def call(start: str, end: str, n: int = 1, zone: str = NY, **kw: object) -> dict:
    return step(US, n, "agent_call", "call", start, end, zone=zone, **kw)


def rules(found: pd.DataFrame) -> set[str]:
    return set(found["rule_id"])


def test_seven_counted_calls_in_six_days_make_a_call_tomorrow_a_violation():
    log = [contact(f"2026-11-{d} {h}", NY) for d, h in
           [(18, "10:00"), (18, "16:00"), (19, "10:00"), (20, "10:00"), (21, "10:00"), (22, "10:00"), (23, "10:00")]]
    found = violations(US, [call("2026-11-24 15:00", "2026-11-24 16:00")], [borrower()], log)
    assert rules(found) == {"US-07"}
    assert found["why"].iloc[0].startswith("8 counted calls")
    # a week later the oldest call has left the window
    assert violations(US, [call("2026-11-25 15:00", "2026-11-25 16:00")], [borrower()], log).empty


def test_a_busy_signal_is_not_a_counted_call():
    six = [contact(f"2026-11-{d} 10:00", NY) for d in range(18, 24)]
    busy = contact("2026-11-23 12:00", NY, outcome="not_connected")
    counted = contact("2026-11-23 12:00", NY, outcome="voicemail")
    plan = [call("2026-11-24 15:00", "2026-11-24 16:00")]
    assert violations(US, plan, [borrower()], [*six, busy]).empty
    assert rules(violations(US, plan, [borrower()], [*six, counted])) == {"US-07"}


@pytest.mark.parametrize(("days_ago", "allowed"), [(6, False), (7, True)])
def test_quiet_period_after_a_conversation(days_ago, allowed):
    talk = contact(f"{(pd.Timestamp('2026-11-24') - pd.Timedelta(days=days_ago)).date()} 10:00", NY,
                   outcome="conversation", direction="inbound")
    found = violations(US, [call("2026-11-24 15:00", "2026-11-24 16:00")], [borrower()], [talk])
    assert found.empty == allowed
    if not allowed:
        assert rules(found) == {"US-08"}


def test_window_late_in_one_candidate_zone_is_a_violation():
    b = borrower(timezone="America/Chicago", timezone_candidates=NY)
    # 19:30-20:30 in Chicago is 20:30-21:30 in New York
    found = violations(US, [call("2026-11-24 19:30", "2026-11-24 20:30", zone="America/Chicago")], [b])
    assert rules(found) == {"US-01"}
    assert "America/New_York" in found["why"].iloc[0]
    assert violations(US, [call("2026-11-24 18:30", "2026-11-24 19:30", zone="America/Chicago")], [b]).empty


def test_chinese_borrower_at_2130_local():
    b = borrower(timezone="Asia/Shanghai", language="zh")
    cn = "cn_gbt45251_2025"
    late = step(cn, 1, "agent_call", "call", "2026-11-24 21:30", "2026-11-24 22:30", zone="Asia/Shanghai",
                language="zh")
    ok = step(cn, 1, "agent_call", "call", "2026-11-24 21:00", "2026-11-24 22:00", zone="Asia/Shanghai",
              language="zh")
    assert rules(violations(cn, [late], [b])) == {"CN-02"}
    assert violations(cn, [ok], [b]).empty


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "America/St_Johns"])
def test_fractional_offset_zones(zone):
    b = borrower(timezone=zone)
    assert violations(US, [call("2026-11-24 08:00", "2026-11-24 09:00", zone=zone)], [b]).empty
    assert rules(violations(US, [call("2026-11-24 07:45", "2026-11-24 08:45", zone=zone)], [b])) == {"US-01"}


def test_calls_are_counted_per_debt_and_unassigned_calls_count_for_every_debt():
    per_loan = [contact(f"2026-11-{d} {h}", NY, loan_id=loan) for loan, h in (("A", "10:00"), ("B", "11:00"))
                for d in range(18, 24)]
    plan = [call("2026-11-24 15:00", "2026-11-24 16:00")]
    # 13 contacts in a week pass US-10's policy cap of 10 only when the organisation raises it
    us = load_profile(US, overrides={"US-10.per_week": {"all": 30}})
    assert rules(violations(US, plan, [borrower()], per_loan)) == {"US-10"}
    # six calls about each of two debts, plus the planned call: seven per debt, allowed
    assert violations(us, plan, [borrower()], per_loan).empty
    # one call about no particular debt counts for both: eight per debt
    extra = contact("2026-11-23 16:00", NY)
    assert rules(violations(us, plan, [borrower()], [*per_loan, extra])) == {"US-07"}
    # strict counts per person, all debts together
    strict = violations("strict_v1", [step("strict_v1", 1, "repayment_plan_offer", "app", "2026-11-23 15:00",
                                           "2026-11-23 16:00", zone=NY),
                                      step("strict_v1", 2, "agent_call", "call", "2026-11-24 15:00",
                                           "2026-11-24 16:00", zone=NY)],
                        [borrower()], per_loan[:1] + per_loan[6:7])
    assert "ST-CALLS-7D" in rules(strict)


def test_inbound_calls_are_conversations_but_not_counted_calls():
    inbound = [contact(f"2026-11-{d} 10:00", NY, outcome="wrong_party", direction="inbound") for d in range(18, 24)]
    inbound += [contact(f"2026-11-23 11:{m}", NY, outcome="wrong_party", direction="inbound") for m in (10, 20, 30)]
    assert violations(US, [call("2026-11-24 15:00", "2026-11-24 16:00")], [borrower()], inbound).empty
    talk = [contact("2026-11-23 11:00", NY, outcome="promise_to_pay", direction="inbound")]
    assert rules(violations(US, [call("2026-11-24 15:00", "2026-11-24 16:00")], [borrower()], talk)) == {"US-08"}


def test_two_planned_calls_within_the_quiet_period():
    plan = [call("2026-11-24 15:00", "2026-11-24 16:00", 1), call("2026-11-27 15:00", "2026-11-27 16:00", 2)]
    found = violations(US, plan, [borrower()])
    assert rules(found) == {"US-08"} and found["step"].tolist() == [2]


def test_minimum_gap_between_calls():
    log = [contact("2026-11-24 11:58", NY)]
    assert rules(violations(US, [call("2026-11-24 12:00", "2026-11-24 13:00")], [borrower()], log)) == {
        "POL-CALL-GAP"}
    assert violations(US, [call("2026-11-24 12:05", "2026-11-24 13:00")], [borrower()], log).empty


def test_window_spanning_a_clock_change_is_refused(tmp_path):
    profile = tmp_path / "allday.yaml"
    profile.write_text("format_version: 1\nname: allday\nversion: '1'\ntitle: t\njurisdiction: x\nrules:\n"
                       "  - {id: T, kind: time_window, title: t, cite: c, basis: policy,"
                       " params: {start: '00:00', end: '24:00'}}\n")
    b = borrower()
    across = [{**call("2026-03-08 01:00", "2026-03-08 01:50"),
               "window_end_utc": pd.Timestamp("2026-03-08 08:00", tz="UTC")}]  # 01:00 EST to 04:00 EDT
    found = violations(str(profile), across, [b])
    assert rules(found) == {"T"} and "clock change" in found["why"].iloc[0]
    assert violations(str(profile), [call("2026-03-08 03:00", "2026-03-08 05:00")], [b]).empty


def test_opt_out_and_consent_events_in_the_log():
    plan = [step(US, 1, "reminder", "sms", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)]
    consent = contact("2026-11-01 10:00", NY, "sms", "consent")
    assert violations(US, plan, [borrower()], [consent]).empty
    stale = contact("2026-09-01 10:00", NY, "sms", "consent")  # older than the 60 days US-12 asks for
    assert rules(violations(US, plan, [borrower()], [stale])) == {"US-12"}
    revoked = contact("2026-11-10 10:00", NY, "sms", "consent_revoked")
    assert rules(violations(US, plan, [borrower()], [consent, revoked])) == {"US-12"}
    opt_out = contact("2026-11-12 10:00", NY, "sms", "opt_out")
    assert {"US-06", "US-12"} <= rules(violations(US, plan, [borrower()], [consent, opt_out]))
    again = contact("2026-11-20 10:00", NY, "sms", "consent")
    assert violations(US, plan, [borrower()], [consent, opt_out, again]).empty


def test_letters_carry_no_time_of_day_but_still_obey_the_other_rules():
    letter = step(US, 1, "payment_link", "letter", "2026-11-24 23:00", "2026-11-25 02:00", zone=NY)
    assert violations(US, [letter], [borrower()]).empty
    assert rules(violations(US, [letter], [borrower(cease_requested=True)])) == {"US-05"}


def test_public_holidays_come_from_the_holidays_package_unless_given():
    offer = step("strict_v1", 1, "payment_link", "app", "2026-12-25 15:00", "2026-12-25 16:00", zone="Europe/Dublin")
    b = borrower(timezone="Europe/Dublin")
    # by default, Ireland's public holidays (the country of the borrower's zone): Christmas Day
    found = violations("strict_v1", [offer], [b])
    assert rules(found) == {"ST-DAYS"} and "2026-12-25 (fri)" in found["why"].iloc[0]
    # the caller's own list replaces them (an empty list: none)
    assert violations("strict_v1", [offer], [b], holidays=[]).empty
    assert rules(violations("strict_v1", [offer], [b], holidays=["2026-12-25"])) == {"ST-DAYS"}


@pytest.mark.parametrize(("zone", "day", "extra", "blocked"), [
    (NY, "2026-11-26", {}, True),                                      # Thanksgiving in the US
    (NY, "2026-03-17", {}, False),                                     # Saint Patrick's Day is Irish
    (NY, "2026-03-17", {"country": "IE"}, True),                       # ... and the borrower's country is IE
    (NY, "2026-03-17", {"country": " ie "}, True),                     # a code in any case, spaces around it
    (NY, "2026-03-17", {"country": "IRL"}, True),                      # ISO alpha-3, which the package reads
    (NY, "2026-03-17", {"country": "Ireland"}, False),                 # a name is no code (and a warning says so)
    (NY, "2026-10-01", {"timezone_candidates": "Asia/Shanghai"}, True),  # China's National Day, a candidate zone
    ("Etc/GMT-3", "2026-12-25", {}, False),                            # a zone of no country: no holidays
])
@pytest.mark.filterwarnings("ignore:borrowers' country holds values:riskscore.DataQualityWarning")
def test_strict_avoids_the_holidays_of_every_country_the_borrower_may_be_in(zone, day, extra, blocked):
    b = borrower(timezone=zone, **extra)
    offer = step("strict_v1", 1, "payment_link", "app", f"{day} 15:00", f"{day} 16:00", zone=zone)
    assert ("ST-DAYS" in rules(violations("strict_v1", [offer], [b]))) == blocked


def test_a_country_the_holidays_package_cannot_read_is_said_in_a_warning_and_the_audit():
    """'cn' was silently no country (the package reads upper case), 'China' too, and the audit still said
    "national public holidays of China": now a code is read in any case, and a value the package
    cannot read is named in one DataQualityWarning (with its count) and in the audit of the rule."""
    from riskscore.policy._holidays import HolidayCalendar

    frame = pd.DataFrame({"borrower_id": ["a", "b", "c", "d"], "country": ["cn", "China", "China", None]})
    zones = pd.Series([("UTC",)] * 4, index=frame["borrower_id"])
    with pytest.warns(DataQualityWarning) as caught:
        cal = HolidayCalendar(load_profile("strict_v1"), frame, zones)
    assert len(caught) == 1 and caught[0].message.unknown_countries == {"China": 2}
    assert str(caught[0].message).startswith("borrowers' country holds values the holidays package knows no public "
                                             "holidays for ('China' (2); 2 of 4 borrowers): their contacts avoid")
    national_day = (pd.Timestamp("2026-10-01") - pd.Timestamp("1970-01-01")).days
    assert cal.is_holiday(cal.codes(["a", "b", "d"]), [national_day] * 3).tolist() == [True, False, False]
    assert [s.split(": ", 1)[1] for s in cal.source_of(["a", "b", "d"])] == [
        "national public holidays of CN",
        "none (no country known for the borrower's time zones; none known for country 'China')",
        "none (no country known for the borrower's time zones)"]


def test_plan_level_problems():
    review = [step(US, 1, "payment_link", "app", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)]
    review[0].update(action="none", channel=None, message=None)
    found = violations(US, review, [borrower(vulnerable=True)])
    assert found[["step", "rule_id"]].to_numpy().tolist() == [[0, "POL-VULNERABLE"]]
    stranger = [step(US, 1, "payment_link", "app", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY, bid="zz")]
    assert rules(violations(US, stranger, [borrower()])) == {"PLAN-BORROWER"}


def test_malformed_plans_raise_an_actionable_error():
    good = step(US, 1, "payment_link", "app", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)
    with pytest.raises(PolicyError, match="action"):
        check_plans(pd.DataFrame([{**good, "action": "blast"}]), pd.DataFrame([borrower()]), None, US)
    with pytest.raises(PolicyError, match="missing column"):
        check_plans(pd.DataFrame([good]).drop(columns="message"), pd.DataFrame([borrower()]), None, US)
    with pytest.raises(PolicyError, match="unique"):
        check_plans(pd.DataFrame([good, good]), pd.DataFrame([borrower()]), None, US)


# -- the readings (issue 19): ours, documented per rule; strict_v1 takes the protective one -----------------------
ST = "strict_v1"
DUB = "Europe/Dublin"


def _strict_text(channel: str = "sms") -> list[dict]:
    return [step(ST, 1, "reminder", channel, "2026-11-24 15:00", "2026-11-24 16:00", zone=DUB)]


def test_a_later_consent_lifts_an_earlier_opt_out_except_under_strict():
    log = [contact("2026-11-12 10:00", DUB, "sms", "opt_out"), contact("2026-11-20 10:00", DUB, "sms", "consent")]
    b = borrower(timezone=DUB)
    us = [step(US, 1, "reminder", "sms", "2026-11-24 10:00", "2026-11-24 11:00", zone=DUB)]
    assert violations(US, us, [b], log).empty
    assert rules(violations(ST, _strict_text(), [b], log)) == {"ST-OPT-OUT"}


def test_a_withdrawn_consent_on_a_channel_that_needs_none_is_an_opt_out_only_under_strict():
    revoked = [contact("2026-11-20 10:00", DUB, "letter", "consent_revoked")]
    b = borrower(timezone=DUB)
    us = [step(US, 1, "payment_link", "letter", "2026-11-24 10:00", "2026-11-24 11:00", zone=DUB)]
    assert violations(US, us, [b], revoked).empty
    assert rules(violations(ST, _strict_text("letter"), [b], revoked)) == {"ST-OPT-OUT"}


def test_an_inbound_unanswered_call_starts_the_quiet_period_only_under_strict():
    missed = [contact("2026-11-21 10:00", DUB, outcome="no_answer", direction="inbound")]
    b = borrower(timezone=DUB)
    us = [call("2026-11-24 10:00", "2026-11-24 11:00", zone=DUB)]
    assert violations(US, us, [b], missed).empty
    strict = [step(ST, 1, "repayment_plan_offer", "app", "2026-11-23 15:00", "2026-11-23 16:00", zone=DUB),
              step(ST, 2, "agent_call", "call", "2026-11-24 15:00", "2026-11-24 16:00", zone=DUB)]
    assert rules(violations(ST, strict, [b], missed)) == {"ST-QUIET"}
    wrong = [contact("2026-11-21 10:00", DUB, outcome="wrong_party", direction="inbound")]
    assert violations(ST, strict, [b], wrong).empty


def test_a_month_is_31_days_under_strict():
    b = borrower(timezone=DUB)
    # ten letters on the 31st day before: inside a 31-day month, outside a 30-day one
    letters = [contact(f"2026-10-25 1{i}:00", DUB, "letter", "message_sent") for i in range(10)]
    found = violations(ST, _strict_text("app"), [b], letters)
    assert rules(found) == {"ST-CAPS"} and "31 day(s)" in found["why"].iloc[0]
    thirty = load_profile(ST, overrides={"ST-CAPS.month_days": 30})
    assert violations(thirty, _strict_text("app"), [b], letters).empty


def test_designated_inconvenient_hours_are_not_read_into_the_cn_profile_but_strict_honours_them():
    cn = "cn_gbt45251_2025"
    b = borrower(timezone="Asia/Shanghai", language="zh", inconvenient_hours="12:00-14:00")
    at_lunch = [step(cn, 1, "reminder", "app", "2026-11-24 12:30", "2026-11-24 13:30", zone="Asia/Shanghai",
                     language="zh")]
    assert violations(cn, at_lunch, [b]).empty
    strict = [step(ST, 1, "reminder", "app", "2026-11-24 12:30", "2026-11-24 13:30", zone="Asia/Shanghai",
                   language="zh")]
    assert rules(violations(ST, strict, [b])) == {"ST-DESIGNATED"}
    assert "inconvenient" in load_profile(cn).rule("CN-02").reading


# -- dated consents in the borrowers table (issue 19) --------------------------------------------------------------
def _text(profile: str = US) -> list[dict]:
    return [step(profile, 1, "reminder", "sms", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)]


@pytest.mark.parametrize(("consents", "ok"), [
    ("sms@2026-11-01", True), ("email,sms@2026-09-27", True), ("sms@2026-09-25", False), ("sms", False),
    ("sms@2026-09-01,sms@2026-11-01", True), ("email@2026-11-01", False),
])
def test_a_dated_consent_counts_for_freshness_an_undated_one_never(consents, ok):
    for profile in (US, "strict_v1"):
        b = borrower(consents=consents)
        plan = _text(profile)
        found = violations(profile, plan, [b])
        assert found.empty == ok, (profile, found.to_string())
        if not ok:
            assert rules(found) == {"US-12" if profile == US else "ST-CONSENT"}


def test_a_dated_consent_is_void_after_a_logged_withdrawal_and_old_inputs_still_work():
    revoked = [contact("2026-11-10 10:00", NY, "sms", "consent_revoked")]
    assert rules(violations(US, _text(), [borrower(consents="sms@2026-11-01")], revoked)) == {"US-12"}
    assert violations(US, _text(), [borrower(consents="sms@2026-11-12")], revoked).empty
    # an undated consent still counts where no freshness is asked: email under US-12
    email = [step(US, 1, "reminder", "email", "2026-11-24 15:00", "2026-11-24 16:00", zone=NY)]
    assert violations(US, email, [borrower(consents="email")]).empty
    assert rules(violations(US, email, [borrower(consents="")])) == {"US-12"}


def test_dated_consents_are_part_of_the_borrowers_contract():
    from riskscore import DataError, validate_borrowers

    good = pd.DataFrame([borrower(consents="sms@2026-01-05, email")])
    assert validate_borrowers(good)["consents"].iloc[0] == "sms@2026-01-05, email"
    for bad in ("sms@2026-13-01", "sms@yesterday", "fax@2026-01-05"):
        with pytest.raises(DataError, match="consents"):
            validate_borrowers(pd.DataFrame([borrower(consents=bad)]))
