"""The checker's screen (riskscore.policy._screen) never clears a step that breaks a rule.

The checker runs the rules only on the borrowers its screen cannot clear; here the same steps
are checked with and without the screen and the answers must be identical. The steps are the
planner's plans for random worlds (tests/policy/test_property.py), then disturbed: windows moved,
channels, messages and rationales swapped, steps repeated on other days, so that some break
rules and most of a borrower's steps do not.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from riskscore.policy import Checker, ContactPolicy, list_profiles
from riskscore.schemas import BORROWER_FLAGS, CHANNELS, validate_borrowers, validate_contacts
from tests.policy.test_property import worlds

N_EXAMPLES = int(os.environ.get("RISKSCORE_SCREEN_EXAMPLES", "30"))


def _disturb(steps: pd.DataFrame, data: st.DataObject) -> pd.DataFrame:
    steps = steps.reset_index(drop=True).copy()
    if not len(steps):
        return steps
    extra = []
    for i in range(len(steps)):
        what = data.draw(st.sampled_from(["keep", "keep", "move", "channel", "message", "rationale", "repeat"]))
        if what == "move" and pd.notna(steps.at[i, "window_start_utc"]):
            shift = pd.Timedelta(minutes=data.draw(st.integers(-900, 900)))
            steps.loc[i, ["window_start_utc", "window_end_utc"]] = [steps.at[i, "window_start_utc"] + shift,
                                                                     steps.at[i, "window_end_utc"] + shift]
        elif what == "channel":
            steps.at[i, "channel"] = data.draw(st.sampled_from(CHANNELS))
        elif what == "message":
            steps.at[i, "message"] = steps.at[data.draw(st.integers(0, len(steps) - 1)), "message"]
        elif what == "rationale":
            steps.at[i, "rationale"] = data.draw(st.sampled_from(["", "  ", "a reason"]))
        elif what == "repeat" and pd.notna(steps.at[i, "window_start_utc"]):
            row = steps.loc[i].copy()
            shift = pd.Timedelta(days=data.draw(st.integers(0, 3)), minutes=data.draw(st.integers(0, 20)))
            row["window_start_utc"] += shift
            row["window_end_utc"] += shift
            extra.append(row)
    if extra:
        more = pd.DataFrame(extra)
        more["step"] = steps["step"].max() + 1 + np.arange(len(more))
        steps = pd.concat([steps, more], ignore_index=True)
    return steps


@pytest.mark.slow
@settings(max_examples=N_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), profile=st.sampled_from(list_profiles()), data=st.data())
def test_the_screen_gives_the_same_violations_as_every_rule_on_every_step(world, profile, data):
    now, borrowers, log, scores, reasons = world
    if data.draw(st.booleans()):  # plain borrowers (no numbers, no flags): the screen clears most of them
        borrowers = borrowers.assign(destinations="", opt_outs="", **dict.fromkeys(BORROWER_FLAGS, False))
        log = log.assign(destination=None) if log is not None else None
    holidays = [(now + pd.Timedelta(days=2)).date()]
    plans = ContactPolicy(profile, plan_days=5, holidays=holidays).plan(scores, reasons, borrowers, log, now=now)
    checker = Checker(profile, validate_borrowers(borrowers), validate_contacts(log) if log is not None else None,
                      holidays=holidays, hardship=plans.hardship)
    for _ in range(4):  # several disturbances of one plan: planning is the slow part
        steps = _disturb(plans.steps, data)
        checker.screen = True
        screened = checker.violations(steps)
        checker.screen = False
        assert_frame_equal(screened, checker.violations(steps))


def test_the_screen_clears_clean_borrowers_and_keeps_the_others():
    """A clean plan is cleared without running the rules; a step that breaks one is kept."""
    from riskscore.policy._screen import suspects
    from tests.policy._cases import borrower

    b = validate_borrowers(pd.DataFrame([borrower(borrower_id="b1", channels_allowed="email,letter"),
                                         borrower(borrower_id="b2", channels_allowed="email,letter")]))
    checker = Checker("us_reg_f_2021", b)
    text = ContactPolicy("us_reg_f_2021").plan(
        pd.DataFrame({"likelihood": [0.5, 0.5]}, index=pd.Index(["b1", "b2"], name="borrower_id")), None, b,
        now=pd.Timestamp("2026-11-24 13:00", tz="UTC")).steps
    s = text.copy()
    s.loc[s["borrower_id"] == "b2", "channel"] = "sms"  # not allowed for b2
    frame = s[["borrower_id", "step", "action", "channel", "recipient", "window_start_utc", "window_end_utc",
               "language", "message", "rationale"]].assign(destination=None, loan_ids=None)
    frame["b"] = checker.borrowers.index.get_indexer(frame["borrower_id"])
    keep = suspects(checker, frame)
    assert not keep[(frame["borrower_id"] == "b1").to_numpy()].any()
    assert keep[((frame["borrower_id"] == "b2") & (frame["channel"] == "sms")).to_numpy()].all()
    assert set(checker.violations(s)["rule_id"]) >= {"POL-CHANNELS"}


@pytest.mark.parametrize("profile", ["us_reg_f_2021", "strict_v1"])
def test_the_screen_keeps_a_step_whose_undated_consent_was_revoked(profile):
    """An undated consent in the borrowers table counts only while no revocation is logged: a
    revocation before the window leaves the step without consent (rare in the random worlds, so
    made by hand here). The borrower revoked (b1), one who revoked then consented again by a
    logged event (b2), and one who never revoked (b3)."""
    from tests.policy._cases import ZONE, borrower, contact, step

    zone = ZONE["us_reg_f_2021"]
    b = validate_borrowers(pd.DataFrame([borrower(bid, timezone=zone, consents="email")
                                         for bid in ("b1", "b2", "b3")]))
    log = validate_contacts(pd.DataFrame([
        contact("2026-11-20 10:00", zone, "email", "consent_revoked", bid="b1"),
        contact("2026-11-19 10:00", zone, "email", "consent_revoked", bid="b2"),
        contact("2026-11-21 10:00", zone, "email", "consent", bid="b2"),
    ]).assign(direction="inbound"))
    steps = pd.DataFrame([step(profile, 1, "reminder", "email", "2026-11-24 10:00", "2026-11-24 11:00", zone=zone,
                               bid=bid) for bid in ("b1", "b2", "b3")])
    checker = Checker(profile, b, log)
    screened = checker.violations(steps)
    consent = {r.id for r in checker.profile.of_kind("channel_consent")}
    assert consent and set(screened.loc[screened["rule_id"].isin(consent), "borrower_id"]) == {"b1"}
    checker.screen = False
    assert_frame_equal(screened, checker.violations(steps))


def test_the_screens_log_counts_are_the_counts_of_every_event(monkeypatch):
    """The caps screen counts logged events from the first day its queries count from: on the
    queries' borrowers' events (few queries) or on sorted keys (many); both give the counts of all events."""
    import riskscore.policy._screen as screen
    from riskscore.policy._arrays import count_overlaps
    from tests.policy._world import NOW, world

    b, log, _ = world(400, seed=5)
    checker = Checker("us_reg_f_2021", validate_borrowers(b), validate_contacts(log))
    rng = np.random.default_rng(6)
    today = NOW.value // 86_400_000_000_000
    q_b = rng.integers(0, len(b), 3000)
    q_lo = today + rng.integers(-8, 5, 3000)
    q_hi = q_lo + rng.integers(0, 3, 3000)
    for channel in (None, "sms", "email"):
        ev = checker._log_spans(channel=channel)
        plain = count_overlaps(ev["b"], ev["lo"], ev["hi"], q_b, q_lo, q_hi)
        assert plain.any()
        for few in (0, 10**6):  # sorted keys; the queries' borrowers' events
            monkeypatch.setattr(screen, "_FEW_QUERIES", few)
            for day in (int(q_lo.min()), int(q_lo.min()) - 3):
                checker._cache = {k: v for k, v in checker._cache.items() if "screen" not in str(k)}
                assert (screen._log_counts(checker, channel, day, q_b, q_lo, q_hi) == plain).all()
