"""The rule-case table: for every rule of every shipped profile, a compliant and a violating case.

Each case is written from the rule's kind and its parameters (what the rule says), never from
the planner. A compliant case must pass *every* rule of the profile; a violating case must be
reported under the rule's id. :data:`GAPS` adds the cases an independent check found our
checker passing (issue 19): each failed before the fix and passes after it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from riskscore.policy import LINT_PHRASES, Rule, list_profiles, load_profile, render_message
from riskscore.policy._templates import required_texts
from tests.policy._cases import LANG, ZONE, borrower, contact, step, violations

# Tuesday 2026-11-24 is the planned call day; Monday 2026-11-23 the day of the offer before it.
DAY = "2026-11-24"
PREV = "2026-11-23"


class Case:
    """A scenario: borrowers, plan steps and log rows, for one profile."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.zone = ZONE[profile]
        self.lang = LANG.get(profile, "en")
        self.b = borrower(timezone=self.zone, language=self.lang)
        self.steps: list[dict] = []
        self.log: list[dict] = [contact(f"{PREV} 10:00", self.zone, "sms", "consent")]  # fresh text consent
        self.holidays = None
        self.hardship = None

    def message(self, action: str = "payment_link", channel: str = "app", start: str = "15:00",
                end: str = "16:00", day: str = DAY, **kw: object) -> Case:
        self.steps.append(step(self.profile, len(self.steps) + 1, action, channel, f"{day} {start}", f"{day} {end}",
                               zone=self.zone, language=self.lang, **kw))
        return self

    def call(self, start: str = "15:00", end: str = "16:00", *, offer: bool = True, **kw: object) -> Case:
        if offer:
            self.message("repayment_plan_offer", "app", day=PREV)
        self.steps.append(step(self.profile, len(self.steps) + 1, "agent_call", "call", f"{DAY} {start}",
                               f"{DAY} {end}", zone=self.zone, language=self.lang, **kw))
        return self

    def logged(self, at: str, channel: str = "call", outcome: str = "no_answer", **kw: object) -> Case:
        self.log.append(contact(at, self.zone, channel, outcome, **kw))
        return self

    def found(self) -> pd.DataFrame:
        return violations(self.profile, self.steps, [self.b], self.log, self.holidays, self.hardship)

    def moved(self, zone: str) -> Case:
        """The same case for a borrower in another time zone (before any step is added)."""
        self.zone = self.b["timezone"] = zone
        return self


def _days_before(n: int, time: str = "10:00") -> str:
    return f"{(pd.Timestamp(DAY) - pd.Timedelta(days=n)).date()} {time}"


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


# -- one builder per kind: (compliant, violating) -------------------------------------------------------
def _time_window(p: str, r: Rule) -> tuple[Case, Case]:
    a, e = _minutes(r.params["start"]), _minutes(r.params["end"])
    inside = Case(p).message(start=_hm(a), end=_hm(a + 60))
    late = Case(p).message(start=_hm(e - 30), end=_hm(min(e + 30, 1439)))
    return inside, late


def _blocked_days(p: str, r: Rule) -> tuple[Case, Case]:
    sunday = "2026-11-29"
    bad = Case(p).message(day=sunday) if "sun" in r.params["weekdays"] else Case(p).message(day="2026-12-25")
    bad.holidays = ["2026-12-25"]
    ok = Case(p).message()
    ok.holidays = ["2026-12-25"]
    return ok, bad


def _designated_times(p: str, r: Rule) -> tuple[Case, Case]:
    ok, bad = Case(p).message(start="10:00", end="11:00"), Case(p).message(start="15:30", end="16:30")
    for c in (ok, bad):
        c.b["inconvenient_hours"] = "15:00-17:00"
    return ok, bad


def _block_flag(p: str, r: Rule) -> tuple[Case, Case]:
    bad = Case(p).message()
    bad.b[r.params["flag"]] = True
    return Case(p).message(), bad


def _review_flag(p: str, r: Rule) -> tuple[Case, Case]:
    ok = Case(p)
    ok.steps = [{"borrower_id": "b1", "step": 1, "action": "human_review", "channel": None, "recipient": None,
                 "window_start_utc": pd.NaT, "window_end_utc": pd.NaT, "language": ok.lang, "message": None,
                 "rationale": f"{r.params['flag']}: human review"}]
    bad = Case(p).message()
    for c in (ok, bad):
        c.b[r.params["flag"]] = True
    return ok, bad


def _medium_opt_out(p: str, r: Rule) -> tuple[Case, Case]:
    ok, bad = Case(p).message(), Case(p).message()
    ok.b["opt_outs"], bad.b["opt_outs"] = "letter", "app"
    return ok, bad


def _channels_allowed(p: str, r: Rule) -> tuple[Case, Case]:
    bad = Case(p).message()
    bad.b["channels_allowed"] = "sms,email"
    return Case(p).message(), bad


def _channel_never(p: str, r: Rule) -> tuple[Case, Case]:
    return Case(p).message(), Case(p).message(channel=r.params["channels"][0], message="Hello.")


def _channel_consent(p: str, r: Rule) -> tuple[Case, Case]:
    ch = next(c for c in ("sms", "email", "app") if c in r.params["channels"])
    ok = Case(p).message(channel=ch)
    bad = Case(p).message(channel=ch)
    bad.b["consents"], bad.log = "", []
    return ok, bad


def _call_frequency(p: str, r: Rule) -> tuple[Case, Case]:
    n, days = r.params["max_calls"], r.params["days"]
    ok, bad = Case(p).call(), Case(p).call()
    for case, k in ((ok, n - 1), (bad, n)):
        for i in range(k):  # spread over the days before the call, at most two a day
            case.logged(_days_before(1 + (i // 2) % (days - 1), "09:00" if i % 2 else "17:30"))
    return ok, bad


def _conversation_quiet(p: str, r: Rule) -> tuple[Case, Case]:
    d = r.params["days"]
    ok = Case(p).call().logged(_days_before(d), outcome="conversation")
    bad = Case(p).call().logged(_days_before(d - 1), outcome="conversation")
    return ok, bad


def _daily_calls(p: str, r: Rule) -> tuple[Case, Case]:
    if r.params["max_attempts"] is not None:
        k, outcome = r.params["max_attempts"], "no_answer"
    elif r.params["max_effective"] is not None:
        k, outcome = r.params["max_effective"], "conversation"
    else:
        return (Case(p).call().logged(_days_before(1, "12:00")),
                Case(p).call(start="12:00", end="13:00").logged(f"{DAY} 11:58"))
    ok, bad = Case(p).call(), Case(p).call()
    for case, count in ((ok, k - 1), (bad, k)):
        for i in range(count):
            case.logged(f"{DAY} {8 + i // 4:02d}:{10 * (i % 4) + 10:02d}", outcome=outcome)
    return ok, bad


def _channel_caps(p: str, r: Rule) -> tuple[Case, Case]:
    period, key, cap = next((per, k, c) for per in ("per_day", "per_week", "per_month")
                            for k, c in r.params[per].items())
    channel = "app" if key in ("all", "call") else key
    ok, bad = Case(p).message(channel=channel), Case(p).message(channel=channel)
    for case, k in ((ok, cap - 1), (bad, cap)):
        for i in range(k):
            at = f"{DAY} {8 + i % 3:02d}:{i // 3 + 10:02d}" if period == "per_day" else _days_before(1 + i % 5,
                                                                                                  f"1{i // 5}:00")
            case.logged(at, channel, "message_sent")
    return ok, bad


def _recipient(p: str, r: Rule) -> tuple[Case, Case]:
    return Case(p).message(), Case(p).message(recipient="contact_list")


def _required_text(p: str, r: Rule) -> tuple[Case, Case]:
    ch = next(c for c in ("app", "sms", "email", "letter", "call") if c in r.params["channels"])
    ok = Case(p).call() if ch == "call" else Case(p).message(channel=ch)
    lang = ok.lang
    text = render_message(f"payment_link.{ch}" if ch != "call" else "agent_call.call", lang, load_profile(p))
    for _, need in required_texts(load_profile(p), r.params["element"], ch, lang):
        text = text.replace(need, "")
    bad = Case(p).message(channel=ch, message=text) if ch != "call" else Case(p).call(message=text)
    return ok, bad


def _content_lint(p: str, r: Rule) -> tuple[Case, Case]:
    phrase = LINT_PHRASES[r.params["categories"][0]]["en"][0]
    ok = Case(p).message()
    msg = ok.steps[0]["message"] + f" Note: {phrase}."
    bad = Case(p).message(message=msg)
    if r.params["when_flag"]:
        bad.b[r.params["when_flag"]] = ok.b[r.params["when_flag"]] = True
    return ok, bad


def _forbearance_first(p: str, r: Rule) -> tuple[Case, Case]:
    return Case(p).call(), Case(p).call(offer=False)


def _rationale(p: str, r: Rule) -> tuple[Case, Case]:
    return Case(p).message(), Case(p).message(rationale=" ")


# -- the gaps of issue 19 -------------------------------------------------------------------------------------
def _review_only(p: str) -> Case:
    case = Case(p)
    case.steps = [{"borrower_id": "b1", "step": 1, "action": "human_review", "channel": None, "recipient": None,
                   "window_start_utc": pd.NaT, "window_end_utc": pd.NaT, "language": case.lang, "message": None,
                   "rationale": "hardship evidence: human review"}]
    return case


def _hardship_evidence(evidence: str) -> Callable[[], tuple[Case, Case]]:
    def build() -> tuple[Case, Case]:
        ok, bad = _review_only("strict_v1"), Case("strict_v1").message("repayment_plan_offer")
        for case in (ok, bad):  # evidence the planner sees, without the hardship_declared flag
            case.hardship = pd.Series([evidence], index=["b1"])
        return ok, bad
    return build


def _text_consent(p: str, column: str, logged: str | None, fresh_column: str) -> Callable[[], tuple[Case, Case]]:
    """A text with consent evidence ``column`` / ``logged`` (bad) or ``fresh_column`` (ok)."""
    def build() -> tuple[Case, Case]:
        ok, bad = Case(p).message(channel="sms"), Case(p).message(channel="sms")
        ok.log, ok.b["consents"] = [], fresh_column
        bad.log, bad.b["consents"] = [], column
        if logged:
            bad.logged(logged, "sms", "consent")
        return ok, bad
    return build


def _stale_during_window(p: str, zone: str, ok_end: str, bad_end: str) -> Callable[[], tuple[Case, Case]]:
    """Consent logged 2026-08-20 13:41Z; a text on 2026-10-19 (Monday) from 08:00 local, ending before
    13:41Z (ok: fresh at every instant) or after it (bad: stale at the end of the window)."""
    def build() -> tuple[Case, Case]:
        cases = []
        for end in (ok_end, bad_end):
            case = Case(p).moved(zone)
            case.log = [contact("2026-08-20 13:41", "UTC", "sms", "consent")]
            case.b["consents"] = ""
            cases.append(case.message(channel="sms", day="2026-10-19", start="09:00", end=end))
        return cases[0], cases[1]
    return build


#: (profile, rule id, what, builder of (compliant, violating))
GAPS: list[tuple[str, str, str, Callable[[], tuple[Case, Case]]]] = [
    ("strict_v1", "ST-HARDSHIP", "hardship_signal", _hardship_evidence("repeated partial payments")),
    ("strict_v1", "ST-HARDSHIP", "RS-PARTIAL leading below 0.8", _hardship_evidence("reason RS-PARTIAL")),
    ("strict_v1", "ST-CONSENT", "undated consents column",
     _text_consent("strict_v1", "sms", None, f"sms@{PREV}")),
    ("strict_v1", "ST-CONSENT", "consent 141 days old",
     _text_consent("strict_v1", "", _days_before(141), "sms@2026-10-25")),
    ("strict_v1", "ST-CONSENT", "dated column 61 days old",
     _text_consent("strict_v1", "sms@2026-09-24", None, "sms@2026-09-27")),
    ("us_reg_f_2021", "US-12", "undated consents column",
     _text_consent("us_reg_f_2021", "sms", None, "sms@2026-11-01")),
    ("us_reg_f_2021", "US-12", "stale before the window ends",
     _stale_during_window("us_reg_f_2021", "Europe/London", "14:30", "21:00")),
    ("strict_v1", "ST-CONSENT", "stale before the window ends",
     _stale_during_window("strict_v1", "Europe/Dublin", "14:30", "21:00")),
]


BUILDERS: dict[str, Callable[[str, Rule], tuple[Case, Case]]] = {
    name.removeprefix("_"): fn for name, fn in globals().items() if name.startswith("_") and callable(fn)
    and name.removeprefix("_") in {"time_window", "blocked_days", "designated_times", "block_flag", "review_flag",
                                   "medium_opt_out", "channels_allowed", "channel_never", "channel_consent",
                                   "call_frequency", "conversation_quiet", "daily_calls", "channel_caps",
                                   "recipient", "required_text", "content_lint", "forbearance_first", "rationale"}}
RULES = [(p, r.id) for p in list_profiles() for r in load_profile(p).rules]


def test_every_kind_has_a_builder():
    from riskscore.policy import KINDS

    assert set(BUILDERS) == set(KINDS)


@pytest.mark.parametrize(("profile", "rule_id"), RULES, ids=[f"{p}:{r}" for p, r in RULES])
def test_rule_case(profile, rule_id):
    rule = load_profile(profile).rule(rule_id)
    _check_pair(rule_id, *BUILDERS[rule.kind](profile, rule))


@pytest.mark.parametrize(("profile", "rule_id", "what", "build"), GAPS,
                         ids=[f"{p}:{r}:{w}" for p, r, w, _ in GAPS])
def test_gap_case(profile, rule_id, what, build):
    _check_pair(rule_id, *build())


def test_table_size():
    """The size of the table, as reported in the issue's notes: two cases per rule and per gap."""
    assert len(RULES) == 94 and len(GAPS) == 8


def _check_pair(rule_id: str, ok: Case, bad: Case) -> None:
    clean = ok.found()
    assert clean.empty, f"compliant case flagged:\n{clean.to_string()}"
    found = bad.found()
    assert rule_id in set(found["rule_id"]), f"violating case not flagged under {rule_id}:\n{found.to_string()}"
