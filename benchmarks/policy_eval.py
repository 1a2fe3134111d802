"""Benchmark: policy evaluation on a synthetic portfolio (default 100k borrowers, 3 seeds, 90 days).

Every policy runs on the same world and the same random draws per seed (see
``docs/policy_evaluation.md``): no contact, contact at the maximum the rules allow, the
days-past-due buckets, riskscore's policy, and riskscore's policy with a two-model uplift model
deciding who gets the agent calls. Prints the table (mean and 95 % t-interval over seeds), the
issue's targets, the run time, and writes a plot and the raw rows.

    .venv/bin/python benchmarks/policy_eval.py                               # 100k borrowers, seeds 0 1 2
    .venv/bin/python benchmarks/policy_eval.py --borrowers 20000 --seeds 0   # quick
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from _common import machine, policy_world
from riskscore.evaluation import METRICS, POLICIES, evaluate_policy
from riskscore.model import load_bundle

ROOT = Path(__file__).resolve().parents[1]


def plot(result, path: Path) -> None:
    """Recovery bought by contact (recovered minus no contact's, same seed) against contacts made."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    runs = result.runs
    base = runs.loc[runs["policy"] == "no_contact"].set_index("seed")["recovered"]
    runs = runs.assign(gain=runs["recovered"] - runs["seed"].map(base))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (name, g) in enumerate(runs.groupby("policy", sort=False)):
        k = len(g)
        half = stats.t.ppf(0.975, k - 1) * g["gain"].std(ddof=1) / k ** 0.5 if k > 1 else 0.0
        x, y = g["contacts"].mean(), g["gain"].mean()
        ax.errorbar(x, y, yerr=half, fmt="o", capsize=3)
        ax.annotate(name.replace("_", " "), (x, y), textcoords="offset points", xytext=(8, 10 - 14 * (i % 2)),
                    fontsize=9)
    ax.set_xlabel("contacts made in 90 days")
    ax.set_ylabel("recovered minus no contact (same seed)")
    ax.set_title(f"Policy evaluation: {result.settings['borrowers']:,} borrowers owing at the start, "
                 f"{len(result.settings['seeds'])} seeds (95 % intervals)", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--borrowers", type=int, default=100_000)
    ap.add_argument("--world-seed", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--policies", nargs="+", default=list(POLICIES))
    ap.add_argument("--data", type=Path, default=Path("/tmp/riskscore-bench"))
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "policy_evaluation.png")
    ap.add_argument("--out", type=Path, default=Path("/tmp/riskscore-bench/policy_eval.json"))
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}\n# {machine()}\n", flush=True)
    world = policy_world(args.data, args.borrowers, args.world_seed)  # generated on the first run
    t0 = time.perf_counter()
    model = load_bundle(ROOT / "models" / "sample")

    def progress(name, seed, row):
        print(f"  {name:17s} seed {seed}: recovered {row['recovered']:,.0f}, contacts {row['contacts']:,} "
              f"({time.perf_counter() - t0:,.0f} s)", flush=True)

    result = evaluate_policy(world, args.policies, days=args.days, model=model, seeds=args.seeds, progress=progress)
    wall = time.perf_counter() - t0
    s = result.settings
    print(f"\n## {args.borrowers:,} borrowers (world seed {args.world_seed}); {s['borrowers']:,} owe at the start "
          f"{s['start']}; {args.days} days; seeds {s['seeds']}; agent calls {s['agent_calls_per_day']}/day "
          f"(not for max_contact); uplift model on {s['uplift_rows']} logged rows\n")
    t = result.table
    rows = []
    for name in t.index:
        cells = []
        for k in METRICS:
            m, lo, hi = t.at[name, ("mean", k)], t.at[name, ("ci_low", k)], t.at[name, ("ci_high", k)]
            cells.append("–" if pd.isna(m) else (f"{m:,.3f}" if abs(m) < 10 else f"{m:,.0f}")
                         + ("" if pd.isna(lo) or lo == hi else f" ±{(hi - lo) / 2:,.3g}"))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    print("| policy | " + " | ".join(METRICS) + " |")
    print("|---" * (len(METRICS) + 1) + "|")
    print("\n".join(rows))
    print("\ntargets: " + json.dumps({k: round(float(v), 4) for k, v in result.targets().items()}))
    print(f"wall {wall:,.0f} s; per policy and seed (s): "
          + ", ".join(f"{k} {v:,.0f}" for k, v in s["timings_s"].items()))
    if len(result.table) == len(POLICIES):
        plot(result, args.plot)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"settings": s, "runs": result.runs.to_dict("records")}, indent=1, default=str))
    print(f"plot: {args.plot}; rows: {args.out}")


if __name__ == "__main__":
    main()
