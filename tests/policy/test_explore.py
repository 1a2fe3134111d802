"""Randomised holdouts: propensities, who is never explored, determinism, and the rules still hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.policy import DECISION_COLUMNS, ContactPolicy, Exploration, check_plans, plan_portfolio
from tests.policy._cases import borrower

NOW = pd.Timestamp("2026-11-24 13:00", tz="UTC")
ALL = {"no_contact": 0.5, "self_cure": 0.5, "middle": 0.5, "low": 0.5}


def _plan(n=120, shares=ALL, seed=3, flags=None, now=NOW, order=None, **kw):
    rows = [borrower(f"b{i:03d}", **(flags or {}).get(i, {})) for i in range(n)]
    b = pd.DataFrame(rows)
    lik = np.linspace(0.01, 0.99, n)  # every likelihood segment
    scores = pd.DataFrame({"likelihood": lik, "amount_at_risk": 100.0},
                          index=pd.Index(b["borrower_id"], name="borrower_id"))
    if order is not None:
        scores = scores.iloc[order]
    policy = ContactPolicy("us_reg_f_2021", exploration=None if shares is None else
                           {"seed": seed, "shares": shares}, **kw)
    plans = policy.plan(scores, None, b, None, now=now)
    assert check_plans(plans, b, None, plans.profile).empty  # exploration never produces a violation
    return plans, b


def _decisions(plans):
    return plans.steps.drop_duplicates("borrower_id").set_index("borrower_id")[["segment", *DECISION_COLUMNS]]


def test_propensities_sum_to_one_per_borrower_and_decision():
    plans, _ = _plan()
    steps = plans.steps
    # one decision per borrower: the decision columns are the same on every row of a borrower
    assert (steps.groupby("borrower_id")[DECISION_COLUMNS].nunique() == 1).all().all()
    d = _decisions(plans)
    explored = d.loc[d["explore_share"] > 0]
    assert len(explored) == 120  # every borrower is in an explored segment
    for _, row in explored.iterrows():
        eligible = row["eligible_decisions"].split(",")
        assert eligible == ["none", "gentle", "remind", "escalate"]
        probs = {a: 0.5 / 4 + (0.5 if a == row["default_decision"] else 0.0) for a in eligible}
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-12)
        assert row["propensity"] == pytest.approx(probs[row["decision"]], abs=1e-12)
    assert set(explored["propensity"].round(6)) == {0.625, 0.125}
    assert (explored["decision"] != explored["default_decision"]).sum() > 20  # about 3/8 of 120 drawn away
    # a drawn plan is the plan of its decision, and says so
    none = d.index[d["decision"] == "none"]
    assert set(steps.loc[steps["borrower_id"].isin(none), "action"]) == {"none"}
    moved = steps.loc[steps["borrower_id"].isin(d.index[d["decision"] != d["default_decision"]]), "rationale"]
    assert moved.str.contains("exploration: plan '").all()


def test_without_exploration_every_decision_is_the_default_with_propensity_one():
    plans, _ = _plan(shares=None)
    d = _decisions(plans)
    assert (d["decision"] == d["default_decision"]).all() and (d["propensity"] == 1.0).all()
    assert (d["explore_share"] == 0.0).all() and (d["eligible_decisions"] == d["decision"]).all()
    assert set(d["decision"]) == {"none", "gentle", "remind", "escalate"}


def test_never_explores_blocked_vulnerable_hardship_or_review_borrowers():
    flags = {0: {"do_not_contact": True}, 1: {"vulnerable": True}, 2: {"hardship_declared": True},
             3: {"refuses_automated": True}, 4: {"complaint_open": True}, 5: {"dispute_open": True},
             6: {"cease_requested": True}, 7: {"bankruptcy": True}}
    shares = dict.fromkeys(ALL, 1.0)  # everyone else is drawn
    for seed in range(2):
        plans, _ = _plan(n=30, shares=shares, seed=seed, flags=flags)
        d = _decisions(plans)
        kept = d.loc[[f"b{i:03d}" for i in flags]]
        assert (kept["propensity"] == 1.0).all() and (kept["explore_share"] == 0.0).all()
        assert (kept["decision"] == kept["default_decision"]).all()
        assert set(kept["segment"]) >= {"blocked", "review", "hardship"}
        assert (d.drop(kept.index)["explore_share"] == 1.0).all()
    with pytest.raises(ValueError, match=r"cannot explore segment\(s\) \['hardship'\]"):
        Exploration(seed=1, shares={"hardship": 0.1})
    with pytest.raises(ValueError, match=r"cannot explore segment\(s\) \['blocked', 'review'\]"):
        ContactPolicy(exploration={"seed": 1, "shares": {"review": 0.1, "blocked": 0.2}})


def test_draws_are_deterministic_by_seed_id_and_date_not_order_or_chunk():
    first, _ = _plan(n=60)
    again, _ = _plan(n=60, order=np.random.default_rng(0).permutation(60))
    pd.testing.assert_frame_equal(_decisions(first), _decisions(again).loc[_decisions(first).index])
    halves = [_decisions(_plan(n=60, order=np.arange(k, 60, 2))[0]) for k in (0, 1)]  # chunked differently
    pd.testing.assert_frame_equal(_decisions(first), pd.concat(halves).loc[_decisions(first).index])
    other_seed = _decisions(_plan(n=60, seed=4)[0])
    next_day = _decisions(_plan(n=60, now=NOW + pd.Timedelta(days=1))[0])
    for other in (other_seed, next_day):
        assert (other["decision"] != _decisions(first)["decision"]).sum() > 5
    u = Exploration(seed=3).uniforms(np.array(["b001", "b002"], dtype=object), "2026-11-24")
    assert u.tolist() == Exploration(seed=3).uniforms(["b001", "b002"], "2026-11-24").tolist()
    assert ((u >= 0) & (u < 1)).all() and u.shape == (2, 2)


def test_exploration_settings_are_checked_and_round_trip():
    e = Exploration.from_dict({"seed": 2, "shares": {"low": 0.1}, "decisions": ["escalate", "none"]})
    assert e.decisions == ("none", "escalate") and e.to_dict() == {"seed": 2, "shares": {"low": 0.1},
                                                                     "decisions": ["none", "escalate"]}
    with pytest.raises(ValueError, match=r"the share of segment 'low' must be a number in \[0, 1\], got 1.5"):
        Exploration(seed=1, shares={"low": 1.5})
    with pytest.raises(ValueError, match=r"lack the default \['remind'\] of explored segment\(s\) \['middle'\]"):
        Exploration(seed=1, shares={"middle": 0.1}, decisions=("none", "gentle"))
    with pytest.raises(ValueError, match=r"needs 'seed' and 'shares'.*unknown key\(s\) \['share'\]"):
        Exploration.from_dict({"seed": 1, "share": {"low": 0.1}})
    with pytest.raises(TypeError, match="seed must be an int"):
        Exploration(seed="7")


def test_plan_portfolio_carries_the_decision_columns_per_profile():
    b = pd.DataFrame([borrower("a", country="US"), borrower("b", country="GB", timezone="Europe/London")])
    scores = pd.DataFrame({"likelihood": [0.5, 0.3]}, index=pd.Index(["a", "b"], name="borrower_id"))
    steps, _ = plan_portfolio(scores, None, b, now=NOW, profiles="US=us_reg_f_2021,*=strict_v1",
                              exploration={"seed": 1, "shares": {"middle": 1.0, "low": 1.0}})
    assert list(steps.columns[-5:]) == DECISION_COLUMNS
    d = steps.drop_duplicates("borrower_id").set_index("borrower_id")
    assert (d["explore_share"] == 1.0).all() and d["propensity"].tolist() == [0.25, 0.25]
