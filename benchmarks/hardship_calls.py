"""Benchmark: what riskscore's agent calls buy, and whom in hardship they reach, on the policy evaluation.

The same world, start, rules and agent capacity as ``benchmarks/policy_eval.py`` (100k borrowers,
world seed 5, 90 days, re-planned every 7 days). For each seed it simulates riskscore's policy with
agent calls off (``ContactPolicy``'s default, ``max_window_calls=0``) and on (``max_window_calls=1``:
one call a 90-day cycle, only 7 days after a self-service message went unanswered), on the same
random draws, and prints

* recovered, contacts and agent calls of both, and the recovery the calls added (paired by seed);
* every agent call that reached a borrower in the hidden hardship regime: the call's day, the day
  of the plan that decided it, and the day the borrower's hardship spell began -- a spell that
  began after the plan was made left nothing any rule could have read.

    .venv/bin/python benchmarks/hardship_calls.py                  # seeds 0 1 2 (about 8 min)
    .venv/bin/python benchmarks/hardship_calls.py --borrowers 20000 --seeds 0
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import pandas as pd

from _common import machine
from riskscore.datasets import read_world, write_world
from riskscore.evaluation import PolicySpec, policy, portfolio, simulate
from riskscore.model import load_bundle

ROOT = Path(__file__).resolve().parents[1]
PROFILES = "US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1"
REPLAN_DAYS = 7
VARIANTS = {"calls off (default)": {}, "calls on (max_window_calls=1)": {"max_window_calls": 1}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--borrowers", type=int, default=100_000)
    ap.add_argument("--world-seed", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--data", type=Path, default=Path("/tmp/riskscore-bench"))
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}\n# {machine()}\n", flush=True)
    folder = args.data / (f"world-{args.borrowers}" if args.world_seed == 5 else
                          f"world-{args.borrowers}-{args.world_seed}")
    if not (folder / "world.json").exists():
        write_world(folder, args.borrowers, seed=args.world_seed)
    world = read_world(folder)
    model = load_bundle(ROOT / "models" / "sample")
    start = world.end - pd.Timedelta(days=120)  # evaluate_policy's default start
    port = portfolio(world, start, args.days)
    cap = max(1, math.ceil(0.02 * port.n))
    rows, pressed = [], []
    for seed in args.seeds:
        for name, options in VARIANTS.items():
            t0 = time.perf_counter()
            spec = PolicySpec("riskscore", profiles=PROFILES, agent_calls_per_day=cap, model=model, seed=seed,
                              options=options)
            plan, check = policy(spec)
            res = simulate(port, plan, days=args.days, seed=seed, check=check, replan_days=REPLAN_DAYS)
            made = res.contacts.iloc[len(port.contacts0):]
            made = made.loc[made["outcome"] != "opt_out"]
            rows.append({"seed": seed, "variant": name, "recovered": res.recovered.sum(), "contacts": len(made),
                         "agent_calls": int((made["channel"] == "call").sum()),
                         "hardship_pressured": int(res.hardship_pressured.sum()), "violations": res.violations})
            pressed.append(res.pressure.assign(seed=seed, variant=name))
            print(f"  seed {seed} {name}: recovered {rows[-1]['recovered']:,.0f}, agent calls "
                  f"{rows[-1]['agent_calls']}, hardship pressured {rows[-1]['hardship_pressured']} "
                  f"({time.perf_counter() - t0:,.0f} s)", flush=True)
    table = pd.DataFrame(rows)
    print(f"\n## {args.borrowers:,} borrowers, {port.n:,} owe at the start {start.date()}; {args.days} days; "
          f"agent capacity {cap}/day\n")
    print("| seed | variant | recovered | contacts | agent calls | hardship pressured | violations |")
    print("|---|---|---|---|---|---|---|")
    for r in table.itertuples():
        print(f"| {r.seed} | {r.variant} | {r.recovered:,.0f} | {r.contacts:,} | {r.agent_calls} | "
              f"{r.hardship_pressured} | {r.violations} |")
    wide = table.pivot(index="seed", columns="variant", values="recovered")
    off, on = list(VARIANTS)
    gain = wide[on] - wide[off]
    print(f"\nrecovery the calls added, per seed: {', '.join(f'{g:+,.0f}' for g in gain)} "
          f"(mean {gain.mean():+,.0f}, {gain.mean() / wide[off].mean():+.3%})")
    calls = pd.concat(pressed, ignore_index=True)
    if len(calls):
        calls["plan_day"] = calls["day"] // REPLAN_DAYS * REPLAN_DAYS
        calls["after_plan"] = calls["hardship_since"] > calls["plan_day"]
        print("\nagent calls to borrowers in hardship (day counted from the start; hardship_since -1: in "
              "hardship since before the start):\n")
        print(calls[["variant", "seed", "borrower_id", "day", "plan_day", "hardship_since", "after_plan"]]
              .to_string(index=False))
        print(f"\n{int(calls['after_plan'].sum())} of {len(calls)} began their hardship after the plan that "
              "decided the call was made")


if __name__ == "__main__":
    main()
