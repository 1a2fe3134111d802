"""Benchmark: the HTML report of a nightly run: file size and time to summarise, render and write.

For each portfolio size, the run of ``benchmarks/nightly.py`` (world seed 5, as-of 90 days before
the data ends, US profile) is reused from --data when it is there, and made otherwise. The report
is then written ``--repeats`` times with the default pages (10 human-review, 10 largest, 10
random), a protected attribute (the borrowers' country, standing in for one) and the backtest
(its sample of at most 50,000 borrowers read back from the inputs).

    .venv/bin/python benchmarks/report.py                     # 100k and 1M borrowers
    .venv/bin/python benchmarks/report.py --sizes 100000      # quick
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from _common import machine
from nightly import run_job
from riskscore.datasets import write_world
from riskscore.io import read_table
from riskscore.report import render_report, summarise_run, write_html

ROOT = Path(__file__).resolve().parents[1]


def ensure_run(data: Path, n: int) -> Path:
    """The nightly benchmark's run of ``n`` borrowers (made with its own job when missing)."""
    world, out = data / f"world-{n}", data / f"run-{n}"
    if not (world / "world.json").exists():
        write_world(world, n, seed=5)
    if not (out / "manifest.json").exists():
        end = pd.Timestamp(json.loads((world / "world.json").read_text())["end"])
        subprocess.run(["rm", "-rf", str(out)], check=True)
        run_job(world, out, str((end - pd.Timedelta(days=90)).date()), 50_000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--data", type=Path, default=Path("/tmp/riskscore-bench"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}\n# {machine()}\n")
    for n in args.sizes:
        run = ensure_run(args.data, n)
        m = json.loads((run / "manifest.json").read_text())
        world = Path(m["inputs"]["borrowers"]["path"]).parent
        protected = read_table(world / "borrowers.parquet", columns=["borrower_id", "country"])
        stages: dict[str, list[float]] = {}
        size = 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            summary = summarise_run(run, protected=protected)
            t1 = time.perf_counter()
            html = render_report(summary)
            t2 = time.perf_counter()
            path = write_html(html, run / "report.html")
            t3 = time.perf_counter()
            size = path.stat().st_size
            for k, v in summary["timings_s"].items():
                stages.setdefault(k, []).append(v)
            for k, v in (("summarise", t1 - t0), ("render", t2 - t1), ("write", t3 - t2), ("total", t3 - t0)):
                stages.setdefault(k, []).append(v)
        med = {k: statistics.median(v) for k, v in stages.items()}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(f"## {n:,} borrowers ({m['borrowers']['scored']:,} scored; run {run})")
        print(f"report {size / 1e3:,.0f} kB, {len(summary['borrowers'])} borrower pages, backtest on "
              f"{summary['backtest'].get('rows', 0):,} borrowers")
        print(f"time (median of {args.repeats}): **{med['total']:.1f} s** = summarise {med['summarise']:.1f} s "
              f"(aggregates {med['aggregates']:.1f}, backtest {med['backtest']:.1f}, pages {med['pages']:.1f}, "
              f"fairness {med['fairness']:.1f}) + render {med['render']:.2f} s + write {med['write']:.3f} s")
        print(f"peak RSS of this process so far {rss:.2f} GiB\n")


if __name__ == "__main__":
    main()
