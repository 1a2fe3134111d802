"""Benchmark: point-in-time features and training snapshots on the synthetic world.

Generates (once, cached under benchmarks/out/) worlds of each size, then in a fresh process per
run reads the installments and contacts, validates them, builds the features at one as-of date
and reports wall times and peak RSS; then builds snapshots at 12 monthly as-of dates on the
smallest world.

    .venv/bin/python benchmarks/features.py                        # 100k and 1M, 3 repeats
    .venv/bin/python benchmarks/features.py --sizes 100000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _common import machine
from riskscore.datasets import write_world

OUT = Path(__file__).parent / "out"
FEATURES = """
import json, resource, sys, time
import pandas as pd
import riskscore
from riskscore.features import FeatureBuilder
from riskscore.io import read_table
folder, as_of = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
inst, contacts = read_table(folder + "/installments.parquet"), read_table(folder + "/contacts.parquet")
t1 = time.perf_counter()
inst = riskscore.validate_installments(inst)
t_inst = time.perf_counter()
contacts = riskscore.validate_contacts(contacts)
t2 = time.perf_counter()
X = FeatureBuilder(validate=False).fit().transform(inst, as_of, contacts=contacts)
t3 = time.perf_counter()
print(json.dumps({"read_s": t1 - t0, "validate_s": t2 - t1, "validate_inst_s": t_inst - t1,
                  "validate_contacts_s": t2 - t_inst, "features_s": t3 - t2, "rows": len(inst),
                  "population": len(X), "n_features": X.shape[1],
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
# One FeatureBuilder.transform alone: the tables as read (a generated world is valid), then the
# features; peak RSS of this process = the inputs plus what the transform adds.
TRANSFORM = """
import json, resource, sys, time
from riskscore.features import FeatureBuilder
from riskscore.io import read_table
folder, as_of = sys.argv[1], sys.argv[2]
inst, contacts = read_table(folder + "/installments.parquet"), read_table(folder + "/contacts.parquet")
inputs = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
X = FeatureBuilder(validate=False).fit().transform(inst, as_of, contacts=contacts)
t1 = time.perf_counter()
print(json.dumps({"transform_s": t1 - t0, "inputs_peak_mib": inputs,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
SNAPSHOTS = """
import json, resource, sys, time
import riskscore
from riskscore.io import read_table
from riskscore.labels import rolling_as_of_dates
folder = sys.argv[1]
inst, contacts = read_table(folder + "/installments.parquet"), read_table(folder + "/contacts.parquet")
t0 = time.perf_counter()
snaps = riskscore.make_snapshots(inst, rolling_as_of_dates("2024-07-01", "2025-06-01"), contacts=contacts,
                                 data_end="2025-12-31")
t1 = time.perf_counter()
print(json.dumps({"snapshots_s": t1 - t0, "rows": len(snaps), "events": int(snaps["event"].sum()),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def world(n: int) -> Path:
    folder = OUT / f"world_{n}"
    if not (folder / "world.json").exists():
        write_world(folder, n, seed=1)
    return folder


def child(code: str, *args: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--as-of", default="2025-06-30")
    args = p.parse_args()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(f"machine: {machine()}")
    print(f"as_of {args.as_of}; repeats: {args.repeats} (medians shown); worlds cached in {OUT}")
    print("validate: installments + contacts; transform alone: a fresh process reading the tables, then one "
          "FeatureBuilder.transform (peak RSS includes the tables read)")
    print(f"{'borrowers':>10} {'inst rows':>11} {'population':>11} {'read s':>7} {'validate s':>11} "
          f"{'(inst+cont)':>12} {'features s':>11} {'rows/s':>10} {'peak RSS MiB':>13} "
          f"{'transform alone s':>18} {'its peak MiB':>13} {'inputs MiB':>11}")
    for n in args.sizes:
        folder = world(n)
        runs, alone = [], []
        for _ in range(args.repeats):  # alternating, each in a fresh process
            runs.append(child(FEATURES, str(folder), args.as_of))
            alone.append(child(TRANSFORM, str(folder), args.as_of))
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        one = {k: statistics.median(r[k] for r in alone) for k in alone[0]}
        split = f"{med['validate_inst_s']:.1f}+{med['validate_contacts_s']:.1f}"
        print(f"{n:>10} {int(med['rows']):>11} {int(med['population']):>11} {med['read_s']:>7.1f} "
              f"{med['validate_s']:>11.1f} {split:>12} {med['features_s']:>11.2f} "
              f"{med['rows'] / med['features_s']:>10.0f} {med['peak_rss_mib']:>13.0f} "
              f"{one['transform_s']:>18.2f} {one['peak_rss_mib']:>13.0f} {one['inputs_peak_mib']:>11.0f}")
    n = min(args.sizes)
    runs = [child(SNAPSHOTS, str(world(n))) for _ in range(args.repeats)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"snapshots: {n} borrowers, 12 monthly as-of dates 2024-07-01..2025-06-01 (validation included): "
          f"{med['snapshots_s']:.1f} s, {int(med['rows'])} rows ({int(med['events'])} events), "
          f"peak RSS {med['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
