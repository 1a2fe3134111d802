"""evaluate_policy end to end on small worlds: reproducible, no-contact is silent, blasting stays at the caps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskscore
from riskscore.evaluation import PolicySpec, evaluate_policy, policy, portfolio, simulate
from riskscore.model import load_bundle
from riskscore.policy import MaxContactPolicy, contact_caps, load_profile
from riskscore.schemas import BORROWER_FLAGS
from tests.batch.conftest import BUNDLE

PROFILES = "US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1"


@pytest.fixture(scope="module")
def world():
    return riskscore.generate(1500, seed=8)


@pytest.fixture(scope="module")
def model():
    return load_bundle(BUNDLE)


@pytest.mark.slow
def test_same_seed_same_table(world, model):
    kw = dict(days=7, model=model, seeds=[3], profiles=PROFILES)
    a = evaluate_policy(world, ["no_contact", "days_past_due", "riskscore"], **kw)
    b = evaluate_policy(world, ["no_contact", "days_past_due", "riskscore"], **kw)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    assert a.runs.loc[a.runs["policy"] == "no_contact", "contacts"].item() == 0
    assert a.runs.loc[a.runs["policy"] == "no_contact", "agent_calls"].item() == 0
    assert (a.runs["violations"] == 0).all() and (a.runs["blocked_contacted"] == 0).all()
    c = evaluate_policy(world, ["riskscore"], **(kw | {"seeds": [4]}))
    assert not c.runs["recovered"].equals(a.runs.loc[a.runs["policy"] == "riskscore", "recovered"])


def test_no_contact_recovers_what_the_world_says(world):
    """Without contact the simulation is the generator's process: its 30-day repayment rate is the truth's."""
    start = world.end - pd.Timedelta(days=120)
    port = portfolio(world, start, 30)
    res = simulate(port, lambda rnd: pd.DataFrame(columns=["borrower_id", "action", "channel", "window_start_utc",
                                                           "day"]), days=30, seed=0)
    assert len(res.contacts) == len(port.contacts0)
    truth = world.truth(start, horizons=(30,))["p_repaid_30d"].reindex(port.ids)
    # cleared: every installment due by start + 7 that was open at start settled within 30 days
    left = port.m_open0.copy()
    for m, _day, a in port.payments:
        left[m] -= a
    scope = port.m_due <= 7
    open_left = np.zeros(port.n)
    np.add.at(open_left, port.m_b[scope], np.clip(left[scope], 0, None))
    cleared = open_left <= 0.01
    se = np.sqrt((truth * (1 - truth)).sum()) / port.n
    assert cleared.mean() == pytest.approx(truth.mean(), abs=4 * se + 0.01)


@pytest.mark.parametrize(("profile", "total"), [("us_reg_f_2021", 10), ("uk_fca_conc7_2024", 5), ("strict_v1", 3)])
def test_blasting_hits_the_weekly_cap_exactly(profile, total):
    ids = [f"b{i}" for i in range(20)]
    b = pd.DataFrame({"borrower_id": ids, "timezone": "Europe/London", "channels_allowed": "app,letter,call",
                      "preferred_channel": "app", "language": "en", **dict.fromkeys(BORROWER_FLAGS, False)})
    steps = MaxContactPolicy(profile).plan(pd.DataFrame(index=ids), None, b, now="2026-11-23T09:00Z").steps
    caps = contact_caps(load_profile(profile))
    per = steps.groupby("borrower_id").size()
    assert (per == total).all() and total == caps["per_week"]["all"]
    calls = steps.loc[steps["channel"] == "call"].groupby("borrower_id").size()
    assert (calls == 1).all()  # one call: after any call a conversation's quiet period may follow


@pytest.mark.slow
def test_blasting_never_exceeds_the_caps_over_weeks(world):
    start = world.end - pd.Timedelta(days=120)
    port = portfolio(world, start, 21)
    plan, check = policy(PolicySpec("max_contact", profiles={"*": "us_reg_f_2021"}))
    res = simulate(port, plan, days=21, seed=1, check=check)
    assert res.violations == 0
    log = res.contacts.iloc[len(port.contacts0):]
    log = log.loc[log["outcome"] != "opt_out"].assign(day=lambda d: d["contacted_at"].dt.tz_convert(
        "America/Chicago").dt.normalize())
    daily = log.groupby(["borrower_id", "day"]).size().unstack(fill_value=0)
    full = daily.reindex(columns=pd.date_range(daily.columns.min(), daily.columns.max(), freq="D"), fill_value=0)
    weekly = full.T.rolling(7, min_periods=1).sum().T
    assert weekly.to_numpy().max() <= 10  # US-10: 10 contacts a week, all media
    assert weekly.to_numpy().max() == 10  # and someone got exactly that many
    calls = log.loc[log["channel"] == "call"].groupby("borrower_id").size()
    assert calls.max() <= 3  # one call a week at most (the quiet period after a possible conversation)


def test_bad_arguments(world, model):
    with pytest.raises(ValueError, match="Unknown policies"):
        evaluate_policy(world, ["shout"], model=model)
    with pytest.raises(ValueError, match="needs a model"):
        evaluate_policy(world, ["riskscore"], days=7)
    with pytest.raises(ValueError, match="days must be"):
        evaluate_policy(world, ["no_contact"], days=0)


def test_the_cli(tmp_path, capsys):
    from riskscore.cli import main
    from tests.batch.conftest import ROOT

    assert main(["evaluate-policy", "--world", str(ROOT / "data" / "sample"), "--policies", "no_contact,max_contact",
                 "--days", "7", "--seeds", "0", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "owe at" in out and "max_contact" in out
    table = pd.read_csv(tmp_path / "runs.csv")
    assert table.set_index("policy").at["no_contact", "contacts"] == 0
    assert table.set_index("policy").at["max_contact", "contacts"] > 0
    assert main(["evaluate-policy", "--world", str(ROOT / "data" / "sample"), "--policies", "shout"]) == 1
