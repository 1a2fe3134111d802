"""Benchmark: time and peak memory of streaming a synthetic world to parquet.

Each run is a fresh Python process (so its peak RSS is its own) that calls
``riskscore.datasets.write_world``. Peak memory should depend on ``--chunk-borrowers``, not on the
number of borrowers.

    .venv/bin/python benchmarks/generate.py                       # 100k and 1M, 3 repeats
    .venv/bin/python benchmarks/generate.py --sizes 100000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from _common import machine

CHILD = """
import json, resource, sys, time
from riskscore.datasets import write_world
n, chunk, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
t = time.perf_counter()
info = write_world(out, n, seed=1, chunk_borrowers=chunk)
wall = time.perf_counter() - t
print(json.dumps({"wall_s": wall, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": info["rows"]}))
"""


def run_once(n: int, chunk: int) -> dict[str, object]:
    out = tempfile.mkdtemp(prefix="riskscore-gen-")
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(n), str(chunk), out], capture_output=True,
                              text=True, check=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["disk_mib"] = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs) / 2**20
        return result
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--chunk-borrowers", type=int, default=50_000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(f"machine: {machine()}")
    print(f"chunk_borrowers: {args.chunk_borrowers}; repeats: {args.repeats} (medians shown)")
    print(f"{'borrowers':>10} {'inst rows':>11} {'contacts':>10} {'wall s':>8} {'borrowers/s':>12} "
          f"{'peak RSS MiB':>13} {'disk MiB':>9}")
    peaks = {}
    for n in args.sizes:
        runs = [run_once(n, args.chunk_borrowers) for _ in range(args.repeats)]
        wall = statistics.median(r["wall_s"] for r in runs)
        peak = statistics.median(r["peak_rss_mib"] for r in runs)
        peaks[n] = peak
        rows = runs[0]["rows"]
        print(f"{n:>10} {rows['installments']:>11} {rows['contacts']:>10} {wall:>8.1f} {n / wall:>12.0f} "
              f"{peak:>13.0f} {runs[0]['disk_mib']:>9.1f}")
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        print(f"peak RSS ratio {large} / {small} borrowers: {peaks[large] / peaks[small]:.2f}")


if __name__ == "__main__":
    main()
