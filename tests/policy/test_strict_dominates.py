"""Property: ``strict_v1`` is at least as strict as every other shipped profile.

For every rule kind a profile shares with ``strict_v1``, a plan step that breaks a rule of that
kind under the profile also breaks a rule of that kind under ``strict_v1``. The plans are random
(not the planner's: a planner's plans pass its own profile, which would test nothing): random
actions, channels, recipients, destinations, debts, windows of 15 minutes to 5 hours from now over 9 days (across
clock changes and midnight), rendered templates of any profile with or without a forbidden
phrase, for the random borrowers and contact logs of ``test_property.worlds``.

``required_text`` is the one shared kind compared by its parameters instead: each profile asks
for its own wording, so a message can carry one profile's opt-out and not another's; what strict
must do is ask for every element on every channel any profile asks for it
(:func:`test_strict_asks_for_every_required_element`).

``RISKSCORE_DOMINANCE_EXAMPLES`` sets the number of random worlds (default 50: about 20 s of
one core, each world checked under the four profiles); ``make test-exhaustive`` runs 5 000.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscore.policy import ACTIONS, CONTACT_ACTIONS, LINT_PHRASES, check_plans, list_profiles, load_profile
from riskscore.policy import render_message as render
from riskscore.schemas import CHANNELS
from tests.policy.test_property import hardship_seen, worlds

STRICT = "strict_v1"
OTHERS = [p for p in list_profiles() if p != STRICT]
#: compared by parameters, not by plans (see the module notes)
BY_PARAMETERS = {"required_text"}
N_EXAMPLES = int(os.environ.get("RISKSCORE_DOMINANCE_EXAMPLES", "50"))
_TEMPLATE = {"reminder": "reminder", "payment_link": "payment_link", "repayment_plan_offer": "repayment_plan_offer",
             "hardship_referral": "hardship_referral", "agent_call": "agent_call"}
_PHRASES = [(cat, p) for cat, by in LINT_PHRASES.items() for p in by["en"][:2]]


def _message(draw, action: str, channel: str, language: str) -> str:
    template = f"{_TEMPLATE[action]}.{channel}" if action != "agent_call" else "agent_call.call"
    try:
        text = render(template, language, load_profile(draw(st.sampled_from(list_profiles()))))
    except KeyError:  # no such template for the channel: a bare message
        text = "Hello."
    if draw(st.integers(0, 5)) == 0:
        text += f" {draw(st.sampled_from(_PHRASES))[1]}."
    return text


@st.composite
def random_plans(draw, ids: list[str], now: pd.Timestamp) -> pd.DataFrame:
    rows = []
    for bid in ids:
        for n in range(1, draw(st.integers(0, 4)) + 1):
            action = draw(st.sampled_from(list(CONTACT_ACTIONS) * 3 + list(ACTIONS[:2])))
            if action not in CONTACT_ACTIONS:
                rows.append({"borrower_id": bid, "step": n, "action": action, "channel": None, "recipient": None,
                             "window_start_utc": pd.NaT, "window_end_utc": pd.NaT, "language": "en", "message": None,
                             "rationale": "no contact"})
                continue
            channel = "call" if action == "agent_call" else draw(st.sampled_from([*CHANNELS, "social"]))
            start = now + pd.Timedelta(minutes=15 * draw(st.integers(0, 9 * 96)))
            language = draw(st.sampled_from(["en", "zh"]))
            rows.append({
                "borrower_id": bid, "step": n, "action": action, "channel": channel,
                "recipient": draw(st.sampled_from(["borrower"] * 5 + ["contact_list"])),
                "destination": draw(st.sampled_from([None, None, "p1", "p2", "m1"])),
                "loan_ids": draw(st.sampled_from([None, "L1", "L1,L2"])),
                "window_start_utc": start,
                "window_end_utc": start + pd.Timedelta(minutes=draw(st.sampled_from([15, 30, 60, 120, 300]))),
                "language": language, "message": _message(draw, action, channel, language),
                "rationale": draw(st.sampled_from(["because", "because", " "])),
            })
    frame = pd.DataFrame(rows, columns=["borrower_id", "step", "action", "channel", "recipient", "destination",
                                        "loan_ids", "window_start_utc", "window_end_utc", "language", "message",
                                        "rationale"])
    for col in ("window_start_utc", "window_end_utc"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def _failing(found: pd.DataFrame, profile: str) -> dict[str, set[tuple[str, int]]]:
    """(borrower, step) pairs that break a rule, by the rule's kind."""
    kinds = {r.id: r.kind for r in load_profile(profile).rules}
    out: dict[str, set[tuple[str, int]]] = {}
    for bid, step, rule_id in found[["borrower_id", "step", "rule_id"]].itertuples(index=False):
        out.setdefault(kinds.get(rule_id, rule_id), set()).add((bid, int(step)))
    return out


@settings(max_examples=N_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), data=st.data())
def test_a_step_that_breaks_a_rule_anywhere_breaks_it_under_strict(world, data):
    now, borrowers, log, scores, reasons = world
    steps = data.draw(random_plans(list(scores.index), now))
    holidays = [(now + pd.Timedelta(days=d)).date() for d in (2, 5)]
    seen = sorted(hardship_seen(borrowers, scores, reasons))
    strict = _failing(check_plans(steps, borrowers, log, STRICT, holidays=holidays, hardship=seen, validate=False),
                      STRICT)
    shared = {r.kind for r in load_profile(STRICT).rules} - BY_PARAMETERS
    for profile in OTHERS:
        other = _failing(check_plans(steps, borrowers, log, profile, holidays=holidays, hardship=seen,
                                     validate=False), profile)
        for kind, pairs in other.items():
            if kind in shared or kind.startswith("PLAN-"):
                missed = pairs - strict.get(kind, set())
                assert not missed, (f"{profile} finds {kind} broken by (borrower, step) {sorted(missed)} and "
                                    f"strict_v1 does not:\n{steps.to_string()}")


def test_strict_asks_for_every_required_element():
    strict = load_profile(STRICT).of_kind("required_text")
    have = {(r.params["element"], ch) for r in strict for ch in r.params["channels"]}
    for profile in OTHERS:
        for rule in load_profile(profile).of_kind("required_text"):
            need = {(rule.params["element"], ch) for ch in rule.params["channels"]}
            assert need <= have, f"{profile} {rule.id} asks for {sorted(need - have)}; strict_v1 does not"


def test_strict_has_every_kind_of_rule_the_others_have():
    strict = {r.kind for r in load_profile(STRICT).rules}
    for profile in OTHERS:
        assert {r.kind for r in load_profile(profile).rules} <= strict, profile


#: ``make test-exhaustive`` runs this one (deselected by default): 5 000 random worlds.
test_strict_dominates_exhaustive = pytest.mark.exhaustive(settings(
    max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])(
    given(world=worlds(), data=st.data())(test_a_step_that_breaks_a_rule_anywhere_breaks_it_under_strict.hypothesis
                                          .inner_test)))
