"""The rates the synthetic world's defaults yield, over several seeds (docs/synthetic_world.md).

    .venv/bin/python benchmarks/world_rates.py --borrowers 4000 --seeds 8
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import riskscore
from riskscore.datasets import summarize_installments


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--borrowers", type=int, default=4000)
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--as-of", default="2025-06-30")
    args = p.parse_args()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    rates, truths = [], []
    for seed in range(args.seeds):
        world = riskscore.generate(args.borrowers, seed=seed)
        r = summarize_installments(world.installments, world.end)
        n_inst = world.installments.groupby(["loan_id", "installment_no"]).ngroups
        r |= {"loans_per_borrower": world.installments["loan_id"].nunique() / args.borrowers,
              "installments_per_borrower": n_inst / args.borrowers,
              "rows_per_borrower": len(world.installments) / args.borrowers,
              "contacts_per_borrower": len(world.contacts) / args.borrowers,
              "share_in_hardship_on_as_of": float(world.in_hardship(args.as_of).mean())}
        rates.append(r)
        t = world.truth(args.as_of)
        truths.append({"population_share": len(t) / args.borrowers, **{
            f"mean {c}": float(t[c].mean()) for c in ("p_repaid_7d", "p_repaid_30d", "p_repaid_90d",
                                                      "expected_days")}})
    for table in (rates, truths):
        print(f"{'rate':<30} {'mean':>9} {'sd over seeds':>14}")
        for key in table[0]:
            v = np.array([r[key] for r in table])
            print(f"{key:<30} {v.mean():>9.4f} {v.std(ddof=1):>14.4f}")


if __name__ == "__main__":
    main()
