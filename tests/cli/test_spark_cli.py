"""``riskscore score --engine spark`` end to end, as a user runs it: same outputs and report as the local engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riskscore.io import ARROW_SCHEMAS

pytest.importorskip("pyspark", reason="pip install 'riskscore[spark]' (make test installs it)")
pytestmark = [pytest.mark.slow, pytest.mark.spark]

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
    pytest.skip("Spark needs Java 17 (`make test` installs it when missing)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"scores": ["borrower_id"], "plans": ["borrower_id", "step"], "audit": ["borrower_id", "rule_id"],
        "rejects": ["table", "row", "check"]}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskscore.cli", *args], capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """One small world scored by both engines through the CLI, reports included."""
    folder = tmp_path_factory.mktemp("spark_cli")
    out = run("generate", "--borrowers", "300", "--seed", "11", "--out", str(folder / "world"))
    assert out.returncode == 0, out.stderr
    world = folder / "world"
    inst = pd.read_parquet(world / "installments.parquet")
    inst.loc[inst.index[7], "amount_due"] = -1.0  # one rejected borrower, so rejects are compared too
    pq.write_table(pa.Table.from_pandas(inst, schema=ARROW_SCHEMAS["installments"], preserve_index=False),
                   world / "installments.parquet")
    end = pd.Timestamp(json.loads((world / "world.json").read_text())["end"])
    as_of = str((end - pd.Timedelta(days=90)).date())
    common = ["score", "--installments", str(world / "installments.parquet"),
              "--borrowers", str(world / "borrowers.parquet"), "--contacts", str(world / "contacts.parquet"),
              "--model", str(ROOT / "models" / "sample"), "--as-of", as_of, "--now", f"{as_of} 13:00",
              "--chunk-borrowers", "120", "--profile", "US=us_reg_f_2021,CN=cn_gbt45251_2025,*=strict_v1"]
    result = {}
    for engine in ("local", "spark"):
        target = folder / engine
        result[engine] = (target, run(*common, "--engine", engine, "--out", str(target)))
    return result


def test_the_spark_cli_exits_0_and_writes_the_report(runs):
    for engine, (folder, out) in runs.items():
        assert out.returncode == 0, (engine, out.stderr[-3000:])
        assert f"({engine}) at as-of" in out.stdout and "report: " in out.stdout, out.stdout
        assert (folder / "report.html").stat().st_size > 10_000
    local, spark = (json.loads((runs[e][0] / "manifest.json").read_text()) for e in ("local", "spark"))
    assert spark["engine"] == "spark" and spark["chunks"]["total"] == local["chunks"]["total"] == 3
    assert {n: o["rows"] for n, o in spark["outputs"].items()} == {n: o["rows"] for n, o in local["outputs"].items()}
    for key in ("rows", "borrowers", "rejects_by_check", "plans", "settings", "data_date", "profiles"):
        assert spark[key] == local[key], key
    assert set(spark["timings_s"]["spark_jobs"]) == {"read", "load", "survey", "chunks", "write"}


def test_the_spark_outputs_equal_the_local_outputs_row_for_row(runs):
    for name, keys in KEYS.items():
        local = pd.read_parquet(runs["local"][0] / f"{name}.parquet")
        spark = pd.read_parquet(runs["spark"][0] / f"{name}.parquet")  # a Spark folder of part files
        local, spark = (f.sort_values(keys, kind="stable", ignore_index=True) for f in (local, spark))
        assert len(local) > 0, name
        pd.testing.assert_frame_equal(spark, local, check_exact=True, obj=name)


def test_the_reports_summarise_the_same_numbers(runs):
    from riskscore.report import summarise_run

    local, spark = (summarise_run(runs[e][0]) for e in ("local", "spark"))
    assert local["overview"]["borrowers"]["rejected"] == 1
    for key in ("overview", "reasons", "actions", "monitoring", "model", "backtest", "fairness", "borrowers"):
        assert spark[key] == local[key], key
    ignored = ("run_id", "engine", "timings_s", "folder")
    assert {k: v for k, v in spark["run"].items() if k not in ignored} == \
        {k: v for k, v in local["run"].items() if k not in ignored}
