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
PROFILE = "US=us_reg_f_2021,CN=cn_gbt45251_2025,*=strict_v1"
KEYS = {"scores": ["borrower_id"], "plans": ["borrower_id", "step"], "audit": ["borrower_id", "rule_id"],
        "rejects": ["table", "row", "check"]}


def _connect_client() -> bool:
    """Whether this pyspark can start a local Spark Connect server and talk to it (pyspark 4 with the
    ``connect`` extra's client libraries: ``make test`` installs them)."""
    import importlib.util

    import pyspark

    return int(pyspark.__version__.split(".")[0]) >= 4 and all(
        importlib.util.find_spec(m) is not None for m in ("grpc", "grpc_status", "google.rpc", "zstandard"))


#: The engines the fixture runs: the local one, Spark in classic mode and, where the client is
#: installed, Spark through Spark Connect (SPARK_REMOTE: a local Connect server, as Databricks Connect
#: or a remote cluster would serve it).
ENGINES = ("local", "spark", *(("connect",) if _connect_client() else ()))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskscore.cli", *args], capture_output=True, text=True,
                          timeout=300, check=False, env=None if env is None else {**os.environ, **env})


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
              "--chunk-borrowers", "120", "--profile", PROFILE]
    result = {}
    for engine in ENGINES:
        target = folder / engine
        env = {"SPARK_REMOTE": "local[2]"} if engine == "connect" else None
        result[engine] = (target, run(*common, "--engine", "local" if engine == "local" else "spark",
                                      "--out", str(target), env=env))
    return result


def test_the_spark_cli_exits_0_and_writes_the_report(runs):
    for engine, (folder, out) in runs.items():
        assert out.returncode == 0, (engine, out.stderr[-3000:])
        shown = "local" if engine == "local" else "spark"
        assert f"({shown}) at as-of" in out.stdout and "report: " in out.stdout, out.stdout
        assert "warning:" not in out.stderr, (engine, out.stderr[-3000:])
        assert (folder / "report.html").stat().st_size > 10_000
    local = json.loads((runs["local"][0] / "manifest.json").read_text())
    for engine in ENGINES[1:]:
        spark = json.loads((runs[engine][0] / "manifest.json").read_text())
        assert spark["engine"] == "spark" and spark["chunks"]["total"] == local["chunks"]["total"] == 3
        assert {n: o["rows"] for n, o in spark["outputs"].items()} == \
            {n: o["rows"] for n, o in local["outputs"].items()}
        for key in ("rows", "borrowers", "rejects_by_check", "plans", "settings", "data_date", "profiles"):
            assert spark[key] == local[key], (engine, key)
        jobs = spark["timings_s"]["spark_jobs"]
        assert set(jobs) == {"read", "load", "survey", "chunks", "write"}
        # Spark Connect has no status tracker: its jobs are not counted, never made up
        assert all(v is None for v in jobs.values()) if engine == "connect" else all(v >= 0 for v in jobs.values())


@pytest.mark.parametrize("engine", ENGINES[1:])
def test_the_spark_outputs_equal_the_local_outputs_row_for_row(runs, engine):
    for name, keys in KEYS.items():
        local = pd.read_parquet(runs["local"][0] / f"{name}.parquet")
        spark = pd.read_parquet(runs[engine][0] / f"{name}.parquet")  # a Spark folder of part files
        local, spark = (f.sort_values(keys, kind="stable", ignore_index=True) for f in (local, spark))
        assert len(local) > 0, name
        pd.testing.assert_frame_equal(spark, local, check_exact=True, obj=name)


@pytest.mark.parametrize("engine", ENGINES[1:])
def test_the_reports_summarise_the_same_numbers(runs, engine):
    from riskscore.report import summarise_run

    local, spark = (summarise_run(runs[e][0]) for e in ("local", engine))
    assert local["overview"]["borrowers"]["rejected"] == 1
    for key in ("overview", "reasons", "actions", "monitoring", "model", "backtest", "fairness", "borrowers"):
        assert spark[key] == local[key], key
    ignored = ("run_id", "engine", "timings_s", "folder")
    assert {k: v for k, v in spark["run"].items() if k not in ignored} == \
        {k: v for k, v in local["run"].items() if k not in ignored}


@pytest.mark.skipif("connect" not in ENGINES, reason="Spark Connect needs pyspark 4 with its client (extra: connect)")
def test_riskscore_spark_score_takes_spark_connect_frames_and_gives_the_local_scores(runs, tmp_path):
    """``riskscore.spark.score`` on DataFrames of a Spark Connect session (here a local Connect server;
    Databricks Connect or a remote cluster alike), twice in one session: the bundle ships once as an
    archive artifact, and the scores are the local engine's. It was refused before."""
    folder = runs["local"][0]
    manifest = json.loads((folder / "manifest.json").read_text())
    world = Path(manifest["inputs"]["installments"]["path"]).parent
    script = f"""
import os, sys
os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession
import riskscore.spark
spark = SparkSession.builder.remote("local[2]").getOrCreate()
frames = {{t: spark.read.parquet(str({str(world)!r}) + f"/{{t}}.parquet") for t in ("installments", "borrowers",
                                                                                  "contacts")}}
for n in (1, 2):
    out = riskscore.spark.score(frames["installments"], {str(ROOT / "models" / "sample")!r}, {manifest["as_of"]!r},
                                borrowers=frames["borrowers"], contacts=frames["contacts"], now={manifest["now"]!r},
                                chunk_borrowers=120, profile={PROFILE!r})
    got = out["scores"].toPandas()
    got.attrs = {{}}  # pyspark's Connect client keeps its query's metrics there (not JSON)
    got.to_parquet({str(tmp_path)!r} + f"/scores{{n}}.parquet")
spark.stop()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    local = pd.read_parquet(folder / "scores.parquet").sort_values("borrower_id", ignore_index=True)
    for n in (1, 2):
        got = pd.read_parquet(tmp_path / f"scores{n}.parquet").sort_values("borrower_id", ignore_index=True)
        pd.testing.assert_frame_equal(got, local, check_exact=True)
