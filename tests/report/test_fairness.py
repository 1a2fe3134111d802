"""Fairness gaps on hand-made groups: what is flagged, what is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.report import MIN_GROUP, fairness


def _frames(rate_a: float, rate_b: float, n: int = 100):
    ids = [f"b{i}" for i in range(2 * n)]
    scored = pd.DataFrame({"borrower_id": ids, "likelihood": np.r_[np.full(n, 0.8), np.full(n, 0.7)]})
    called = np.r_[np.arange(n) < rate_a * n, np.arange(n) < rate_b * n]
    actions = pd.DataFrame({"borrower_id": ids, "action": np.where(called, "agent_call", "reminder")})
    protected = pd.DataFrame({"borrower_id": ids, "group": ["a"] * n + ["b"] * n})
    return protected, scored, actions


def _gap(section, quantity):
    return next(g for g in section["gaps"] if g["quantity"] == quantity)


def test_an_action_given_far_more_often_to_one_group_is_flagged():
    section = fairness(*_frames(0.10, 0.50), features=["days_past_due"])[0]
    call = _gap(section, "rate of agent_call")
    assert call["flag"] and call["low"] == "a" and call["high"] == "b"
    assert call["gap"] == pytest.approx(0.4) and call["ratio"] == pytest.approx(0.2)
    assert _gap(section, "mean likelihood")["flag"]  # 0.8 vs 0.7: a gap of 0.1 > 0.05
    assert section["gaps"][0]["flag"], "flagged gaps come first"


def test_close_rates_are_not_flagged():
    section = fairness(*_frames(0.48, 0.50), features=[])[0]
    assert not _gap(section, "rate of agent_call")["flag"]
    # a ratio under 0.8 but a gap under 2 points is noise, not a flag
    section = fairness(*_frames(0.01, 0.02), features=[])[0]
    assert _gap(section, "rate of agent_call")["ratio"] == pytest.approx(0.5)
    assert not _gap(section, "rate of agent_call")["flag"]


def test_small_groups_are_shown_not_compared():
    protected, scored, actions = _frames(0.1, 0.5, n=MIN_GROUP - 1)
    section = fairness(protected, scored, actions, features=[])[0]
    assert len(section["groups"]) == 2 and section["gaps"] == []


def test_outcomes_give_auc_and_calibration_by_group():
    protected, scored, actions = _frames(0.1, 0.1)
    # group a: the 80 repaid have the highest likelihoods; group b: the 40 repaid have the lowest
    scored["likelihood"] = np.r_[np.linspace(0.5, 1, 100)[::-1], np.linspace(0.5, 1, 100)]
    outcomes = scored.assign(outcome=np.r_[np.arange(100) < 80, np.arange(100) < 40])
    section = fairness(protected, scored, actions, [], outcomes)[0]
    a, b = section["groups"]
    assert a["auc"] == pytest.approx(1.0) and b["auc"] == pytest.approx(0.0)
    assert a["observed_rate"] == pytest.approx(0.8) and b["observed_rate"] == pytest.approx(0.4)
    assert _gap(section, "AUC")["flag"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p.rename(columns={"group": "days_past_due"}), "are model features"),
    (lambda p: pd.concat([p, p.head(1)]), "duplicate borrower_id"),
    (lambda p: p.assign(group=p["borrower_id"]), "give groups"),
    (lambda p: p.drop(columns="borrower_id"), "needs a 'borrower_id'"),
    (lambda p: p[["borrower_id"]], "no attribute column"),
])
def test_bad_protected_tables_are_refused(change, message):
    protected, scored, actions = _frames(0.1, 0.5)
    with pytest.raises(ValueError, match=message):
        fairness(change(protected), scored, actions, features=["days_past_due"])


@pytest.mark.parametrize("as_text", [False, True])
def test_an_age_in_years_is_compared_in_bands_of_about_equal_size(as_text):
    """An age column (45 distinct years; text, as a CSV holds it, or numbers) was 45 groups of a few
    borrowers, none big enough to compare, so no gap was ever flagged; past 50 values it was refused."""
    protected, scored, actions = _frames(0.1, 0.5)
    ages = pd.Series(np.r_[np.repeat(np.arange(20, 40), 5), np.repeat(np.arange(40, 65), 4)][:200])
    protected = protected.assign(age=ages.astype(str) if as_text else ages).drop(columns="group")
    section = fairness(protected, scored, actions, features=[])[0]
    assert [g["group"] for g in section["groups"]] == ["20–27", "28–35", "36–44", "45–54", "55–64"]
    assert [g["borrowers"] for g in section["groups"]] == [40, 40, 40, 40, 40]
    assert section["note"] == ("numbers (45 distinct values) in 5 bands of about equal size, each from its smallest "
                               "to its largest value")
    call = _gap(section, "rate of agent_call")  # the calls go to b's first half: ages 36-54
    assert call["flag"] and call["low"] == "28–35" and call["high"] == "45–54" and call["gap"] == pytest.approx(0.75)
    wide = protected.assign(age=np.arange(200))  # 200 distinct numbers: banded, not refused
    assert len(fairness(wide, scored, actions, features=[])[0]["groups"]) == 5


def test_a_few_numbers_are_codes_kept_as_groups_and_missing_ones_a_group():
    protected, scored, actions = _frames(0.1, 0.5)
    protected = protected.assign(group=[1, 2, 3, 4] * 50)
    section = fairness(protected.iloc[:-10], scored, actions, features=[])[0]
    assert [g["group"] for g in section["groups"]] == ["(missing)", "1", "2", "3", "4"] and section["note"] is None
    ages = protected.assign(group=np.arange(200.0)).iloc[:-10]
    groups = fairness(ages, scored, actions, features=[])[0]["groups"]
    assert [g["group"] for g in groups][-1] == "(missing)" and groups[-1]["borrowers"] == 10
