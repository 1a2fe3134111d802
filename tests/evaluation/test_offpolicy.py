"""Off-policy estimates on hand-built logs (exact values), refusal without support, outcome windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.evaluation import candidate_decisions, decision_log, logged_outcomes, off_policy

AS_OF = pd.Timestamp("2026-01-05")


def _logs(n=400, runs=1):
    """Segment middle, default remind, share 0.5 over {none, remind}: P(remind) = 0.75, P(none) = 0.25.
    Every 4th borrower drew none (the balanced log an exact test needs); recovered 10 after none, 30 after
    remind; contacts 0 and 2."""
    rows = []
    for r in range(runs):
        a = np.where(np.arange(n) % 4 == 3, "none", "remind")
        rows.append(pd.DataFrame({
            "borrower_id": [f"b{i}" for i in range(n)], "as_of": AS_OF + pd.Timedelta(days=7 * r),
            "segment": "middle", "decision": a, "default_decision": "remind",
            "propensity": np.where(a == "remind", 0.75, 0.25), "eligible_decisions": "none,remind",
            "explore_share": 0.5, "likelihood": np.linspace(0.4, 0.8, n), "amount_at_risk": 100.0}))
    logs = pd.concat(rows, ignore_index=True)
    y = logs[["borrower_id", "as_of"]].assign(recovered=np.where(logs["decision"] == "none", 10.0, 30.0),
                                              contacts=np.where(logs["decision"] == "none", 0.0, 2.0))
    return logs, y


def test_estimators_recover_the_known_value_of_a_hand_built_log():
    logs, y = _logs(runs=2)
    none = off_policy(logs, y, {"middle": "none"}, n_resamples=200)
    t = none.table
    for est in ("ips", "snips", "dr"):
        assert t.loc[("recovered", est), "estimate"] == pytest.approx(10.0, abs=1e-9)
        assert t.loc[("contacts", est), "estimate"] == pytest.approx(0.0, abs=1e-9)
        assert t.loc[("recovered", est), "ci_low"] <= 10.0 + 1e-9 <= t.loc[("recovered", est), "ci_high"] + 2e-9
    assert t.loc[("recovered", "ips"), "logged"] == pytest.approx(25.0)  # (3 x 30 + 10) / 4
    # weights 4 on the 200 matching decisions: ESS = (200 x 4)^2 / (200 x 16) = 200
    assert none.ess == pytest.approx(200.0)
    assert none.settings | {"candidate_mix": None} == {
        "decisions": 800, "borrowers": 400, "runs": 2, "matched": 200, "horizon_days": 7, "n_resamples": 200,
        "level": 0.95, "features": ["likelihood", "amount_at_risk"], "candidate_mix": None}
    keep = off_policy(logs, y, {"middle": "remind"}, n_resamples=50).table
    assert keep.loc[("recovered", "ips"), "estimate"] == pytest.approx(30.0, abs=1e-9)
    assert keep.loc[("recovered", "dr"), "estimate"] == pytest.approx(30.0, abs=1e-9)
    assert "match the candidate; effective sample size 200.0" in none.to_text()


def test_ips_and_dr_are_unbiased_on_noisy_randomised_logs():
    """Outcomes depend on a feature and the decision; the truth is known in closed form."""
    rng = np.random.default_rng(7)
    n = 20_000
    x = rng.random(n)
    drawn = rng.random(n) < 0.4
    a = np.where(drawn & (rng.random(n) < 0.5), "none", "remind")
    y = np.where(a == "none", 5 + 10 * x, 20 + 30 * x) + rng.normal(0, 5, n)
    logs = pd.DataFrame({"borrower_id": [f"b{i}" for i in range(n)], "as_of": AS_OF, "segment": "middle",
                         "decision": a, "default_decision": "remind", "propensity": np.where(a == "none", 0.2, 0.8),
                         "eligible_decisions": "none,remind", "explore_share": 0.4, "likelihood": x})
    out = logs[["borrower_id", "as_of"]].assign(recovered=y)
    t = off_policy(logs, out, {"middle": "none"}, n_resamples=300).table.loc["recovered"]
    truth = 5 + 10 * x.mean()
    for est in ("ips", "snips", "dr"):
        assert t.loc[est, "ci_low"] < truth < t.loc[est, "ci_high"]
    width = t["ci_high"] - t["ci_low"]
    assert width["dr"] < 0.5 * width["ips"]  # the outcome model explains most of the variance


def test_refuses_a_candidate_without_support():
    logs, y = _logs(n=8)
    logs.loc[logs.index[:2], ["segment", "decision", "default_decision", "propensity", "eligible_decisions",
                              "explore_share"]] = ["hardship", "hardship", "hardship", 1.0, "hardship", 0.0]
    with pytest.raises(ValueError, match=r"^candidate has no support in the logs: it takes 'none' for 2 in segment "
                                         r"'hardship' \(2 of 8 logged decisions\)"):
        off_policy(logs, y, {"hardship": "none"})
    with pytest.raises(ValueError, match=r"it takes 'gentle' for 6 in segment 'middle'"):
        off_policy(logs, y, {"middle": "gentle"})  # never among the eligible decisions
    unexplored = logs.assign(explore_share=0.0, eligible_decisions=logs["default_decision"], propensity=1.0,
                             decision=logs["default_decision"])
    with pytest.raises(ValueError, match="no support"):
        off_policy(unexplored, y, {"middle": "none"})
    with pytest.raises(ValueError, match=r"candidate: middle='call' is not a decision"):
        off_policy(logs, y, {"middle": "call"})
    with pytest.raises(ValueError, match=r"candidate: unknown segment or threshold 'midle'"):
        off_policy(logs, y, {"midle": "none"})


def test_flagged_borrowers_keep_their_plan_under_a_candidate():
    logs, _ = _logs(n=8)
    logs.loc[0, ["decision", "propensity", "eligible_decisions", "explore_share"]] = ["remind", 1.0, "remind", 0.0]
    assert candidate_decisions(logs, {"middle": "none"}).tolist() == ["remind"] + ["none"] * 7
    logs["likelihood"] = [0.1, 0.3, 0.5, 0.7, 0.85, 0.9, 0.96, 0.99]
    got = candidate_decisions(logs, {"low_threshold": 0.6, "no_contact_threshold": 0.9})
    assert got.tolist() == ["remind", "escalate", "escalate", "remind", "gentle", "none", "none", "none"]
    with pytest.raises(ValueError, match="returned 1 decisions for 8 logged rows"):
        candidate_decisions(logs, lambda frame: ["none"])


def test_logged_outcomes_count_the_horizon_after_each_run():
    logs = pd.DataFrame({"borrower_id": ["a", "a", "b"], "as_of": pd.to_datetime(["2026-01-01", "2026-01-08",
                                                                                  "2026-01-01"]),
                         "now": pd.to_datetime(["2026-01-01 13:00", "2026-01-08 13:00", "2026-01-01 13:00"], utc=True)})
    inst = pd.DataFrame({"borrower_id": ["a", "a", "a", "b", "b"], "amount_paid": [1.0, 2.0, 4.0, 8.0, 16.0],
                         "paid_date": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-08", "2026-01-09", None])})
    contacts = pd.DataFrame({"borrower_id": ["a", "a", "a", "b"], "channel": "sms",
                             "outcome": ["message_sent", "opt_out", "message_sent", "message_sent"],
                             "contacted_at": pd.to_datetime(["2026-01-01 13:00", "2026-01-02 00:00", "2026-01-08 13:00",
                                                             "2026-01-01 12:59"], utc=True)})
    complaints = pd.DataFrame({"borrower_id": ["b"], "complained_at": pd.to_datetime(["2026-01-03"], utc=True)})
    out = logged_outcomes(logs, inst, horizon_days=7, contacts=contacts, complaints=complaints)
    # a: paid 2 (01-02) and 4 (01-08, the 7th day) after the first run; nothing after the second
    assert out["recovered"].tolist() == [6.0, 0.0, 0.0]
    assert out["contacts"].tolist() == [1.0, 1.0, 0.0]  # the opt-out is an event, b's contact was before `now`
    assert out["complaints"].tolist() == [0.0, 0.0, 1.0]


def test_logged_outcomes_read_iso_text_and_refuse_day_first_text():
    """Day-first payment dates were parsed by pandas' guess (01/02 as 2 January), so recovery moved silently."""
    logs = pd.DataFrame({"borrower_id": ["a"], "as_of": pd.to_datetime(["2026-01-01"])})
    dated = pd.DataFrame({"borrower_id": ["a", "a"], "amount_paid": [1.0, 2.0],
                          "paid_date": pd.to_datetime(["2026-01-02", "2026-02-01"])})
    iso = dated.assign(paid_date=["2026-01-02", "2026-02-01"])
    assert logged_outcomes(logs, iso, horizon_days=7)["recovered"].tolist() == \
        logged_outcomes(logs, dated, horizon_days=7)["recovered"].tolist() == [1.0]
    with pytest.raises(ValueError, match=r"^paid_date must be dates or ISO 8601 text \(year first\), got '02/01/2026'; "
                                         r"day-first or month-first text is never guessed"):
        logged_outcomes(logs, dated.assign(paid_date=["02/01/2026", "01/02/2026"]), horizon_days=7)


def test_decision_log_and_bad_inputs_fail_in_one_line():
    plans = pd.DataFrame({"borrower_id": ["a", "a"], "segment": "low", "action": ["payment_link", "agent_call"]})
    with pytest.raises(ValueError, match=r"^plans: missing the decision column\(s\) \['decision', "):
        decision_log(plans, as_of="2026-01-01")
    logs, y = _logs(n=8)
    with pytest.raises(ValueError, match="several decisions for one borrower and run"):
        off_policy(pd.concat([logs, logs]), y, {"middle": "none"})
    with pytest.raises(ValueError, match=r"outcomes: 8 logged decision\(s\) have no outcome row"):
        off_policy(logs, y.assign(as_of=AS_OF + pd.Timedelta(days=1)), {"middle": "none"})
    with pytest.raises(ValueError, match="horizon_days must be a positive int, got 0"):
        off_policy(logs, y, {"middle": "none"}, horizon_days=0)
    with pytest.raises(ValueError, match=r"logs: missing column\(s\) \['propensity'\]"):
        off_policy(logs.drop(columns="propensity"), y, {"middle": "none"})


def test_a_branch_meets_the_same_draws(small_world):
    """The fork behind the benchmark's truth: the policy's own plans as the branch give exactly its outcomes;
    no contact as the branch gives none and never recovers more where the policy contacted no one."""
    from riskscore.evaluation import PolicySpec, policy, portfolio, simulate

    port = portfolio(small_world, small_world.end - pd.Timedelta(days=120), 7)
    plan, _ = policy(PolicySpec("days_past_due"))
    silent, _ = policy(PolicySpec("no_contact"))
    same = simulate(port, plan, days=7, seed=3, branch=plan).rounds
    assert len(same) > 50 and same["round"].unique().tolist() == [0]
    for m in ("recovered", "contacts", "complaints"):
        np.testing.assert_array_equal(same[m].to_numpy(), same[f"branch_{m}"].to_numpy())
    assert same["contacts"].sum() > 0
    quiet = simulate(port, plan, days=7, seed=3, branch=silent).rounds
    assert (quiet["branch_contacts"] == 0).all()
    untouched = quiet["contacts"].eq(0)
    np.testing.assert_array_equal(quiet.loc[untouched, "recovered"], quiet.loc[untouched, "branch_recovered"])
    assert quiet["recovered"].sum() != quiet["branch_recovered"].sum()


def test_uplift_from_logs_ranks_on_held_out_logs_and_needs_randomised_rows():
    from riskscore.evaluation import uplift_from_logs

    rng = np.random.default_rng(3)
    n = 2000
    x = rng.random(n)
    a = np.where(rng.random(n) < 0.25, "escalate", "none")
    logs = pd.DataFrame({"borrower_id": [f"b{i}" for i in range(n)], "decision": a,
                         "propensity": np.where(a == "escalate", 0.25, 0.75), "eligible_decisions": "none,escalate",
                         "explore_share": 1.0, "likelihood": x})
    paid = rng.random(n) < 0.2 + 0.5 * (a == "escalate") * (x > 0.7)
    res = uplift_from_logs(logs, paid, features=("likelihood",), random_state=1)
    q = res["qini"]
    assert q["model"].iloc[0] == 0.0 and q["model"].iloc[-1] == pytest.approx(q["random"].iloc[-1])
    assert res["auuc_gain"] > 0.02 and res["rows"]["train"] + res["rows"]["held_out"] == n
    with pytest.raises(ValueError, match=r"no logged decision randomised between 'remind' and 'none'"):
        uplift_from_logs(logs, paid, treatment="remind", features=("likelihood",))
