"""Benchmark: the two-model uplift model learnt from exploration logs, judged on held-out logs (Qini / AUUC).

Reads the logs and outcomes ``benchmarks/ope_coverage.py --keep DIR`` wrote (one simulation of
four weekly runs with exploration per seed). Per seed: the uplift model
(``riskscore.evaluation.uplift_from_logs``) learns, on 70 % of the borrowers, who gains from a
decision against another among the decisions exploration randomised, and is judged on the
other 30 %: the inverse-propensity-weighted Qini curve, its area (AUUC) against random
allocation's, per held-out decision. Outcome: paid something within 7 days of the run.
Mean and 95 % t-interval over seeds.

    .venv/bin/python benchmarks/ope_coverage.py --keep /tmp/riskscore-bench/ope-logs
    .venv/bin/python benchmarks/uplift_logs.py --logs /tmp/riskscore-bench/ope-logs
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from _common import machine
from riskscore.evaluation import uplift_from_logs

PAIRS = (("escalate", "none"), ("remind", "none"), ("escalate", "remind"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logs", type=Path, required=True, help="the --keep folder of benchmarks/ope_coverage.py")
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}\n# {machine()}\n", flush=True)
    t0 = time.perf_counter()
    seeds = sorted(int(p.stem.split("-")[1]) for p in args.logs.glob("logs-*.parquet"))
    rows = []
    for seed in seeds:
        logs = pd.read_parquet(args.logs / f"logs-{seed}.parquet")
        paid = pd.read_parquet(args.logs / f"outcomes-{seed}.parquet")["recovered"].to_numpy() > 0
        for treatment, control in PAIRS:
            r = uplift_from_logs(logs, paid, treatment=treatment, control=control, random_state=seed,
                                 features=("likelihood", "amount_at_risk", "days_past_due"))
            rows.append({"pair": f"{treatment} vs {control}", "seed": seed, **r["rows"],
                         **{k: r[k] for k in ("auuc_model", "auuc_random", "auuc_gain")}})
    df = pd.DataFrame(rows)
    n = len(seeds)
    print(f"## {n} seeds; per held-out decision; outcome: paid within 7 days\n")
    print("| decisions | held-out rows (treated) | AUUC model | AUUC random | gain (model - random), 95 % interval | "
          "seeds with gain > 0 |")
    print("|---|---|---|---|---|---|")
    for pair, g in df.groupby("pair", sort=False):
        m, sd = g["auuc_gain"].mean(), g["auuc_gain"].std(ddof=1)
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n) if n > 1 else float("nan")
        print(f"| {pair} | {g['held_out'].mean():,.0f} ({g['treated_held_out'].mean():,.0f}) | "
              f"{g['auuc_model'].mean():+.4f} | {g['auuc_random'].mean():+.4f} | {m:+.4f} "
              f"[{m - half:+.4f}, {m + half:+.4f}] | {(g['auuc_gain'] > 0).sum()}/{n} |")
    print(f"\nwall {time.perf_counter() - t0:,.0f} s")


if __name__ == "__main__":
    main()
