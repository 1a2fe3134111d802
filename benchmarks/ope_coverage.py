"""Benchmark: off-policy estimates against the simulated truth, over seeds (coverage of the 95 % intervals).

For each seed, on one synthetic world: riskscore's policy with exploration (``--shares`` of each
likelihood segment get a plan drawn at random among none / gentle / remind / escalate) plans
every week for ``--weeks`` weeks through the simulator (``riskscore.evaluation.simulate``); its
plans are the logs (one decision per borrower per run, with the propensity). At every run the
simulation is also forked and a *different* candidate policy's plans are made instead for that
week, on the same random draws: what followed is the candidate's true value on the logged
states. ``riskscore.evaluation.off_policy`` then estimates the candidate from the logs alone
(IPS, self-normalised IPS, doubly robust) and the table reports how often each 95 % interval
covers the truth, the mean width and the mean error.

No agent-call capacity (a capacity makes one borrower's plan depend on the others', which
per-decision estimates do not model). Outcomes: within 7 days of each run (one week per run).

    .venv/bin/python benchmarks/ope_coverage.py                        # 10k borrowers, 20 seeds
    .venv/bin/python benchmarks/ope_coverage.py --seeds 0 1 --weeks 2  # quick
    .venv/bin/python benchmarks/ope_coverage.py --keep DIR             # keep the logs; then --reuse DIR
                                                                       # estimates again without simulating
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import machine
from riskscore.datasets import read_world, write_world
from riskscore.evaluation import PolicySpec, decision_log, off_policy, policy, portfolio, simulate
from riskscore.model import load_bundle
from riskscore.policy import ContactPolicy
from riskscore.schemas import BORROWER_FLAGS
from riskscore.scoring import Scorer

ROOT = Path(__file__).resolve().parents[1]
PROFILES = "US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1"
#: decision -> the segment whose steps it gives (riskscore.policy's exploration ladders)
LADDERS = {"none": "no_contact", "gentle": "self_cure", "remind": "middle", "escalate": "low"}
METRICS = ("recovered", "contacts", "complaints")


def challenger(remap: dict[str, str]) -> type[ContactPolicy]:
    """riskscore's policy with some segments given another decision's steps (the candidate); borrowers with a
    flag set keep their own plan (exploration never draws them, so no candidate can be judged on them)."""

    class Challenger(ContactPolicy):
        def _segments(self, scores, b, known, hard, value):
            seg, why = super()._segments(scores, b, known, hard, value)
            flagged = b[list(BORROWER_FLAGS)].any(axis=1).to_numpy()
            for segment, decision in remap.items():
                seg[(seg == segment) & ~flagged] = LADDERS[decision]
            return seg, why

    return Challenger


def simulate_seed(world, model, start: pd.Timestamp, weeks: int, seed: int, shares: dict[str, float],
                  remap: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The logging policy's decision log and, per decision, what followed and what the candidate would have got."""
    days = 7 * weeks
    port = portfolio(world, start, days)
    # agent calls on (one a cycle after unanswered self-service), so that the logs hold calls to learn from
    calls = {"max_window_calls": 1}
    log_spec = PolicySpec("riskscore", profiles=PROFILES, model=model, seed=seed,
                          options={"exploration": {"seed": seed, "shares": shares}, **calls})
    cand_spec = PolicySpec("riskscore", profiles=PROFILES, model=model, seed=seed, planner=challenger(remap),
                           options=calls)
    plan, _ = policy(log_spec)
    cand, _ = policy(cand_spec)
    scorer = Scorer(model)
    logs = []

    def logging(rnd):
        steps = plan(rnd)
        log = decision_log(steps, as_of=rnd.as_of, now=rnd.now).assign(round=rnd.day)
        X = rnd.features(scorer)  # cached: the features the policy planned with
        b = pd.Index(rnd.portfolio.ids).get_indexer(log["borrower_id"])
        log["likelihood"] = pd.Series(model.likelihood(X), index=X.index).reindex(log["borrower_id"]).to_numpy()
        log["amount_at_risk"] = rnd.amount_at_risk[b]
        log["days_past_due"] = rnd.days_past_due[b]
        logs.append(log)
        return steps

    t0 = time.perf_counter()
    res = simulate(port, logging, days=days, seed=seed, branch=cand)
    logs = pd.concat(logs, ignore_index=True)
    truth = logs[["borrower_id", "round"]].merge(res.rounds, on=["borrower_id", "round"], how="left")
    outcomes = truth.assign(as_of=start + pd.to_timedelta(truth["round"], unit="D"))
    return logs, outcomes, time.perf_counter() - t0


def estimate_seed(logs: pd.DataFrame, outcomes: pd.DataFrame, seed: int, remap: dict[str, str],
                  n_resamples: int) -> tuple[list[dict], dict]:
    t0 = time.perf_counter()
    est = off_policy(logs, outcomes, remap, horizon_days=7, n_resamples=n_resamples, random_state=seed,
                     features=("likelihood", "amount_at_risk", "days_past_due"))
    ope_s = time.perf_counter() - t0
    rows = []
    for metric in METRICS:
        true = float(outcomes[f"branch_{metric}"].mean())
        for estimator in ("ips", "snips", "dr"):
            r = est.table.loc[(metric, estimator)]
            rows.append({"seed": seed, "metric": metric, "estimator": estimator, "truth": true,
                         "logged": float(r["logged"]), "logged_true": float(outcomes[metric].mean()),
                         "estimate": float(r["estimate"]), "low": float(r["ci_low"]), "high": float(r["ci_high"])})
    info = {"seed": seed, "decisions": len(logs), "borrowers": int(logs["borrower_id"].nunique()),
            "matched": est.settings["matched"], "ess": round(est.ess, 1), "ope_s": round(ope_s, 1)}
    return rows, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--borrowers", type=int, default=10_000)
    ap.add_argument("--world-seed", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(20)))
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--shares", default="no_contact=0.2,self_cure=0.2,middle=0.2,low=0.2",
                    help="exploration share per segment")
    ap.add_argument("--candidate", default="middle=none,self_cure=none",
                    help="segment=decision: the candidate policy (e.g. no contact for the middle segment)")
    ap.add_argument("--n-resamples", type=int, default=500)
    ap.add_argument("--data", type=Path, default=Path("/tmp/riskscore-bench"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/riskscore-bench/ope_coverage.json"))
    ap.add_argument("--keep", type=Path, help="write each seed's logs and outcomes (parquet) here")
    ap.add_argument("--reuse", type=Path, help="estimate from the logs and outcomes --keep wrote (no simulation)")
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}\n# {machine()}\n", flush=True)
    shares = {k: float(v) for k, v in (p.split("=") for p in args.shares.split(","))}
    remap = dict(p.split("=") for p in args.candidate.split(","))
    folder = args.data / f"world-{args.borrowers}-{args.world_seed}"
    if not (folder / "world.json").exists():
        write_world(folder, args.borrowers, seed=args.world_seed)
    world = read_world(folder)
    model = load_bundle(ROOT / "models" / "sample")
    start = world.end - pd.Timedelta(days=120)
    t0 = time.perf_counter()
    rows, infos = [], []
    for seed in args.seeds:
        if args.reuse is not None:  # estimate again from the logs and outcomes of an earlier run
            logs = pd.read_parquet(args.reuse / f"logs-{seed}.parquet")
            outcomes = pd.read_parquet(args.reuse / f"outcomes-{seed}.parquet")
            sim_s = float("nan")
        else:
            logs, outcomes, sim_s = simulate_seed(world, model, start, args.weeks, seed, shares, remap)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                logs.to_parquet(args.keep / f"logs-{seed}.parquet")
                outcomes.to_parquet(args.keep / f"outcomes-{seed}.parquet")
        r, info = estimate_seed(logs, outcomes, seed, remap, args.n_resamples)
        info["sim_s"] = round(sim_s, 1)
        rows += r
        infos.append(info)
        dr = {x["metric"]: x for x in r if x["estimator"] == "dr"}["recovered"]
        print(f"  seed {seed}: {info['decisions']:,} decisions, {info['matched']:,} matched, ESS {info['ess']:,.0f};"
              f" recovered truth {dr['truth']:.2f}, DR {dr['estimate']:.2f} [{dr['low']:.2f}, {dr['high']:.2f}]"
              f" (sim {info['sim_s']:.0f} s, OPE {info['ope_s']:.1f} s; {time.perf_counter() - t0:,.0f} s)",
              flush=True)
    wall = time.perf_counter() - t0
    df = pd.DataFrame(rows)
    df["covered"] = (df["low"] <= df["truth"]) & (df["truth"] <= df["high"])
    df["width"] = df["high"] - df["low"]
    df["error"] = df["estimate"] - df["truth"]
    g = df.groupby(["metric", "estimator"], sort=False)
    table = pd.DataFrame({"coverage": g["covered"].mean(), "mean_width": g["width"].mean(),
                          "mean_error": g["error"].mean(), "rmse": g["error"].apply(lambda e: np.sqrt((e ** 2).mean())),
                          "truth": g["truth"].mean(), "logging": g["logged"].mean()})
    n = len(args.seeds)
    print(f"\n## {args.borrowers:,} borrowers (world seed {args.world_seed}), {args.weeks} weekly runs from "
          f"{start.date()}, {n} seeds; exploration {shares}; candidate {remap}; "
          f"{np.mean([i['decisions'] for i in infos]):,.0f} decisions a seed "
          f"({np.mean([i['borrowers'] for i in infos]):,.0f} borrowers), "
          f"{np.mean([i['matched'] for i in infos]):,.0f} matching the candidate, ESS "
          f"{np.mean([i['ess'] for i in infos]):,.0f}; per decision, outcomes within 7 days\n")
    print("| metric | estimator | coverage of 95 % interval | mean width | mean error | RMSE | truth | logging |")
    print("|---|---|---|---|---|---|---|---|")
    for (metric, est), r in table.iterrows():
        print(f"| {metric} | {est} | {r['coverage']:.0%} ({round(r['coverage'] * n)}/{n}) | "
              f"{r['mean_width']:.3f} | {r['mean_error']:+.3f} | {r['rmse']:.3f} | {r['truth']:.3f} | "
              f"{r['logging']:.3f} |")
    dr, ips = table.loc[("recovered", "dr")], table.loc[("recovered", "ips")]
    print(f"\ntargets (recovered): DR coverage {dr['coverage']:.0%} (>= 90 %), DR width {dr['mean_width']:.3f} vs "
          f"IPS {ips['mean_width']:.3f} ({dr['mean_width'] / ips['mean_width']:.0%} of it)")
    print(f"wall {wall:,.0f} s ({wall / n:,.0f} s a seed)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "seeds": infos}, indent=1, default=str))
    print(f"rows: {args.out}")


if __name__ == "__main__":
    main()
