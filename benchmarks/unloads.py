"""The nightly job on a warehouse's unload: one CSV per table against folders of many CSV parts.

The benchmark world's three tables (`benchmarks/nightly.py`'s, generated under `--data` when missing)
are written as one CSV each, as a folder of `--parts` CSV parts each with its header and Spark's
`_SUCCESS` marker (`df.write.option("header", True).csv(...)`), the same parts in Hadoop's Snappy
blocks (`.option("compression", "snappy")`: `part-....csv.snappy`), as a folder of gzipped parts with
every column name in capitals (Snowflake's `COPY INTO @stage ... HEADER = TRUE`), and as a folder of
parts without header lines, read with `--header` (Redshift's `UNLOAD ... EXTENSION 'csv'`); `riskscore score`
(`--no-report`, local engine) runs on each, the variants alternating, `--repeats` times. Prints the
median wall seconds of each, its ratio to the one-CSV run, and checks that every variant gives the
parquet run's scores, plans and rejects.

    .venv/bin/python benchmarks/unloads.py --size 100000 --parts 200 --repeats 3
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from _common import machine
from riskscore.datasets import write_world
from riskscore.testing import compress

TABLES = ("installments", "borrowers", "contacts")
BUNDLE = Path(__file__).resolve().parents[1] / "models" / "sample"


def _csv(table: pa.Table, header: bool = True) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=header))
    return sink.getvalue().to_pybytes()


def _as_text_lists(table: pa.Table) -> pa.Table:
    """List columns as their comma text, as a CSV holds them."""
    return pa.table({c: pc.binary_join(table[c], ",") if pa.types.is_list(table[c].type) else table[c]
                     for c in table.column_names})


def write_variants(world: Path, out: Path, parts: int) -> dict[str, list[str]]:
    """The world's tables as one CSV each, Spark's CSV parts, Snowflake's gzipped parts and Redshift's parts
    without header lines: CLI arguments."""
    shutil.rmtree(out, ignore_errors=True)
    names = {}
    for kind in ("one", "spark", "snappy", "snowflake", "redshift"):
        (out / kind).mkdir(parents=True)
    for name in TABLES:
        table = _as_text_lists(pq.read_table(world / f"{name}.parquet"))
        (out / "one" / f"{name}.csv").write_bytes(_csv(table))
        upper = table.rename_columns([c.upper() for c in table.column_names])
        step = -(-table.num_rows // parts)
        names[name] = table.column_names
        for kind in ("spark", "snappy", "snowflake", "redshift"):
            (out / kind / name).mkdir()
        for i in range(parts):
            (out / "spark" / name / f"part-{i:05d}-c000.csv").write_bytes(_csv(table.slice(i * step, step)))
            (out / "snappy" / name / f"part-{i:05d}-c000.csv.snappy").write_bytes(
                compress(_csv(table.slice(i * step, step)), ".snappy"))
            (out / "snowflake" / name / f"data_0_0_{i}.csv.gz").write_bytes(
                gzip.compress(_csv(upper.slice(i * step, step)), 6))
            (out / "redshift" / name / f"{i:04d}_part_00.csv").write_bytes(_csv(table.slice(i * step, step), False))
        (out / "spark" / name / "_SUCCESS").write_bytes(b"")
        (out / "snappy" / name / "_SUCCESS").write_bytes(b"")
    return {"parquet": ["--data", str(world)],
            "one CSV": [f"--{t}={out / 'one' / f'{t}.csv'}" for t in TABLES],
            f"{parts} CSV parts (Spark)": ["--data", str(out / "spark")],
            f"{parts} Snappy CSV parts (Spark, Hadoop's blocks)": ["--data", str(out / "snappy")],
            f"{parts} gzipped parts, capitals (Snowflake)": ["--data", str(out / "snowflake")],
            f"{parts} parts without header lines (Redshift)": [
                "--data", str(out / "redshift"), *[f"--header={t}={','.join(names[t])}" for t in TABLES]]}


def run(args: list[str], out: Path, as_of: str) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "riskscore", "score", *args, "--model", str(BUNDLE), "--as-of", as_of,
                    "--now", f"{as_of} 13:00", "--out", str(out), "--progress", "off", "--no-report"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _same(a: Path, b: Path) -> bool:
    for name in ("scores", "plans", "rejects"):
        x, y = pd.read_parquet(a / f"{name}.parquet"), pd.read_parquet(b / f"{name}.parquet")
        if not x.equals(y):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--parts", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", type=Path, default=Path("/tmp/riskscore-bench"))
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}\n# {machine()}\n")
    world = args.data / f"world-{args.size}"
    if not (world / "world.json").exists():
        write_world(world, args.size, seed=5)
    as_of = str((pd.Timestamp(json.loads((world / "world.json").read_text())["end"]) - pd.Timedelta(days=90)).date())
    variants = write_variants(world, args.data / f"unloads-{args.size}", args.parts)
    walls: dict[str, list[float]] = {name: [] for name in variants}
    outs = {name: args.data / f"unloads-run-{i}" for i, name in enumerate(variants)}
    for _ in range(args.repeats):  # alternating, so a change of machine load hits every variant
        for name, cli in variants.items():
            walls[name].append(run(cli, outs[name], as_of))
    base = statistics.median(walls["one CSV"])
    print(f"{args.size:,} borrowers, as-of {as_of}; wall seconds of `riskscore score --no-report`, median of "
          f"{args.repeats}:")
    for name, w in walls.items():
        same = "the same outputs" if _same(outs["parquet"], outs[name]) else "**OUTPUTS DIFFER**"
        print(f"  {name}: {statistics.median(w):.1f} s ({', '.join(f'{x:.1f}' for x in w)}); "
              f"{statistics.median(w) / base:.2f}x one CSV; {same} as parquet")


if __name__ == "__main__":
    main()
