"""The command line, run as a user runs it: in a subprocess, against files in tmp_path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import riskscore


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskscore.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, check=False)


def test_version_and_help():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"riskscore {riskscore.__version__}"
    out = run("--help")
    assert out.returncode == 0
    for command in ("generate", "validate", "train", "score", "report", "explain", "evaluate-logs", "demo"):
        assert command in out.stdout
    assert run().returncode == 2
    root = subprocess.run([sys.executable, "-m", "riskscore", "--version"], capture_output=True, text=True,
                          timeout=120, check=False)  # python -m riskscore works as well
    assert root.returncode == 0 and root.stdout.strip() == f"riskscore {riskscore.__version__}"


def test_usage_error_exits_2():
    out = run("generate", "--borrowers", "ten", "--out", "x")
    assert out.returncode == 2 and "invalid int value: 'ten'" in out.stderr


@pytest.mark.parametrize(("option", "message"), [
    ("max_window_calls=-1", "--policy-option: The 'max_window_calls' parameter of ContactPolicy must be an int in "
                            "the range [0, inf) or None. Got -1 instead."),
    ("low_threshold=0.99", "--policy-option: The thresholds of ContactPolicy must satisfy"),
    ("calls=1", "argument --policy-option: expected NAME=VALUE with NAME one of max_window_calls, "),
    ("plan_days=seven", "argument --policy-option: plan_days: expected a number or none, got 'seven'"),
])
def test_a_bad_policy_option_is_one_line_naming_it(tmp_path, option, message):
    out = run("score", "--installments", str(tmp_path / "none.csv"), "--model", "models/sample", "--as-of",
              "2025-10-02", "--out", str(tmp_path / "run"), "--policy-option", option)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and message in out.stderr, out.stderr
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    out = run("generate", "--borrowers", "400", "--seed", "3", "--out", str(folder), "--chunk-borrowers", "1024")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Wrote a world of 400 borrowers (") and str(folder) in out.stdout
    return folder


def test_generate_then_validate(world_dir):
    out = run("validate", "--data", str(world_dir))
    assert out.returncode == 0, out.stderr
    assert "installments:" in out.stdout and "All tables pass their contracts." in out.stdout


def test_bad_csv_exits_1_with_the_reason(world_dir, tmp_path):
    df = pd.read_parquet(world_dir / "installments.parquet")
    df.loc[5, "amount_due"] = -10.0
    csv = tmp_path / "inst.csv"
    df.to_csv(csv, index=False)
    out = run("validate", "--installments", str(csv))
    assert out.returncode == 1
    assert "fail check 'greater_than_or_equal_to(0)' on column 'amount_due'" in out.stderr
    rejects = tmp_path / "rejects.parquet"
    out = run("validate", "--installments", str(csv), "--rejects", str(rejects))
    assert out.returncode == 0, out.stderr
    bad = pd.read_parquet(tmp_path / "rejects_installments.parquet")
    assert set(bad["borrower_id"]) == {df.loc[5, "borrower_id"]}
    assert (df["borrower_id"] == df.loc[5, "borrower_id"]).sum() == len(bad)


def test_missing_file_exits_1(tmp_path):
    out = run("validate", "--installments", str(tmp_path / "nope.parquet"))
    assert out.returncode == 1 and "No such file or folder" in out.stderr


def one_line_error(out: subprocess.CompletedProcess[str]) -> str:
    """The error a user caused: exit code 1 and one line on stderr, no traceback."""
    assert out.returncode == 1, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("riskscore: error: "), out.stderr
    return lines[0]


def test_usage_errors_exit_2(tmp_path):
    out = run("validate")
    assert out.returncode == 2
    assert out.stderr.strip() == ("riskscore validate: error: give --installments PATH or --data DIR with "
                                  "installments.parquet (or .orc, .csv, .tsv, or a folder installments/ of parts)")


def test_bundle_and_run_errors_end_in_one_line(tmp_path):
    root = Path(__file__).resolve().parents[2]
    sample = root / "data" / "sample"
    bundle = tmp_path / "bundle"
    shutil.copytree(root / "models" / "sample", bundle)
    with open(bundle / "model_card.md", "a") as f:
        f.write("edited\n")
    score = ["score", "--installments", str(sample / "installments.parquet"), "--as-of", "2025-10-02", "--jobs", "1"]
    line = one_line_error(run(*score, "--model", str(bundle), "--out", str(tmp_path / "run")))  # BundleError
    assert "model_card.md' does not match the SHA-256 in manifest.json" in line
    line = one_line_error(run(*score, "--model", str(root / "models" / "sample"), "--model-sha256", "0" * 64,
                              "--out", str(tmp_path / "run")))
    assert "is not the pinned bundle" in line and "0" * 64 in line
    run_dir = tmp_path / "future-run"
    run_dir.mkdir()
    (run_dir / "manifest.json").write_text(json.dumps({"format": "riskscore-run", "format_version": "9.0"}))
    line = one_line_error(run("report", "--run", str(run_dir)))  # ContractError
    assert "manifest.json" in line and "format_version 9.0 is newer" in line
    line = one_line_error(run("explain", "--run", str(tmp_path / "no-run"), "--borrower", "B1"))
    assert "no-run" in line
    out = run("report", "--run", str(run_dir), "--pages", "review=ten")  # a malformed option: usage, exit 2
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "riskscore report: error: --pages takes KIND=COUNT" in out.stderr and "'review=ten'" in out.stderr


def test_demo_generates_a_missing_sample(tmp_path):
    out = run("demo", "--data", str(tmp_path / "sample"), "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "generating one" in out.stdout and "all three tables pass their contracts" in out.stdout
    assert (tmp_path / "run" / "summary.json").exists()
    # No bundle where the demo looks (cwd=tmp_path): it stops after the summary and says where outputs are.
    assert "riskscore score at" not in out.stdout
    assert out.stdout.strip().splitlines()[-1] == (
        f"Outputs: {tmp_path / 'run'}/ (summary.json); inputs: {tmp_path / 'sample'}/*.parquet")


def test_train_writes_a_bundle(world_dir, tmp_path):
    out = run("train", "--data", str(world_dir), "--out", str(tmp_path / "bundle"), "--freq", "28D")
    assert out.returncode == 0, out.stderr
    assert "bootstrap interval over borrowers): AUC" in out.stdout
    digest = riskscore.bundle_digest(tmp_path / "bundle")
    assert f"its digest (pin it with riskscore score --model-sha256): {digest}" in out.stdout
    metrics = json.loads((tmp_path / "bundle" / "metrics.json").read_text())
    for name in ("auc", "log_loss", "brier", "ece", "c_index"):
        low, high = metrics["ci"][name]
        assert low <= metrics[name] <= high, name
    assert "95 % interval" in (tmp_path / "bundle" / "model_card.md").read_text()
    again = run("train", "--data", str(world_dir), "--out", str(tmp_path / "bundle"))
    assert again.returncode == 1 and "exists and is not empty; pass overwrite=True" in again.stderr


def test_committed_bundle_matches_the_feature_registry():
    root = Path(__file__).resolve().parents[2]
    manifest = json.loads((root / "models" / "sample" / "manifest.json").read_text())
    current = list(riskscore.FeatureBuilder().get_feature_names_out())
    assert manifest["features"] == current, "models/sample is stale: run `make model` and commit it"


def test_demo_scores_with_the_committed_bundle(tmp_path):
    root = Path(__file__).resolve().parents[2]
    out = run("demo", "--out", str(tmp_path / "run"), cwd=root)
    assert out.returncode == 0, out.stderr
    assert "riskscore score at 2025-10-02 with models/sample: 795 borrowers scored" in out.stdout
    assert "mean likelihood of repaying within 30 days" in out.stdout
    scores = pd.read_parquet(tmp_path / "run" / "scores.parquet")
    assert {"borrower_id", "likelihood", "p_repaid_7d", "expected_days", "points", "grade"} <= set(scores.columns)
    scored = scores.loc[scores["status"] == "scored"]
    assert scored["likelihood"].between(0, 1).all() and len(scores) == 5000
    plans = pd.read_parquet(tmp_path / "run" / "plans.parquet")
    assert "check_plans finds 0 violation(s)" in out.stdout
    assert f"report: {tmp_path / 'run' / 'report.html'}" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == (
        f"Outputs: {tmp_path / 'run'}/ (report.html, summary.json, scores.parquet, plans.parquet, audit.parquet, "
        "rejects.parquet, manifest.json); inputs: data/sample/*.parquet")
    assert set(plans["borrower_id"]) == set(scored["borrower_id"])
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["borrowers"] == {"in": 5000, "scored": 795, "nothing_due": 4205, "rejected": 0}
    assert set(plans["profile"]) <= {"us_reg_f_2021", "cn_gbt45251_2025", "uk_fca_conc7_2024", "strict_v1"}
    assert plans.groupby("borrower_id")["step"].min().eq(1).all()


def test_score_runs_the_nightly_job_and_refuses_to_mix_runs(tmp_path):
    root = Path(__file__).resolve().parents[2]
    sample = root / "data" / "sample"
    common = ["score", "--installments", str(sample / "installments.parquet"), "--model", str(root / "models/sample"),
              "--borrowers", str(sample / "borrowers.parquet"), "--contacts", str(sample / "contacts.parquet"),
              "--out", str(tmp_path / "run"), "--now", "2025-10-02T13:00Z", "--chunk-borrowers", "2500",
              "--jobs", "1", "--profile", "US=us_reg_f_2021,*=strict_v1"]
    out = run(*common, "--as-of", "2025-10-02")
    assert out.returncode == 0, out.stderr
    assert "5000 borrowers in; 795 scored, 4205 with nothing due, 0 rejected." in out.stdout
    assert "scoring: chunks 2/2" in out.stderr  # plain log lines when stderr is not a terminal
    assert "B0000" not in out.stderr  # logs carry counts, never a borrower
    assert "report: " in out.stdout and (tmp_path / "run" / "report.html").stat().st_size > 10_000
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["as_of"] == "2025-10-02" and manifest["chunks"]["total"] == 2
    plans = manifest["plans"]  # a plan may hold several steps: the counts by action are of steps
    assert f"  plans for 795 borrowers, {plans['steps']} steps by action: " + ", ".join(
        f"{a} {n}" for a, n in sorted(plans["actions"].items())) in out.stdout.splitlines()
    assert plans["steps"] == sum(plans["actions"].values()) > 795
    again = run(*common, "--as-of", "2025-10-01")
    assert again.returncode == 1 and "other as_of than this one" in again.stderr and "rm -r" in again.stderr


@pytest.mark.slow  # one nightly run of the sample (about 10 s)
def test_score_explores_and_evaluate_logs_estimates_a_candidate(tmp_path):
    root = Path(__file__).resolve().parents[2]
    sample = root / "data" / "sample"
    (tmp_path / "explore.yaml").write_text("seed: 7\nshares: {self_cure: 0.3, middle: 0.3, low: 0.3}\n")
    out = run("score", "--installments", str(sample / "installments.parquet"), "--model", str(root / "models/sample"),
              "--borrowers", str(sample / "borrowers.parquet"), "--contacts", str(sample / "contacts.parquet"),
              "--out", str(tmp_path / "run"), "--as-of", "2025-10-02", "--now", "2025-10-02T13:00Z", "--jobs", "1",
              "--no-report", "--explore", str(tmp_path / "explore.yaml"), "--policy-option", "max_window_calls=1",
              "--policy-option", "call_wait_days=none")
    assert out.returncode == 0, out.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["settings"]["policy_options"]["max_window_calls"] == 1
    assert manifest["settings"]["policy_options"]["call_wait_days"] is None
    assert manifest["settings"]["policy_options"]["exploration"] == {
        "seed": 7, "shares": {"low": 0.3, "middle": 0.3, "self_cure": 0.3},
        "decisions": ["none", "gentle", "remind", "escalate"]}
    plans = pd.read_parquet(tmp_path / "run" / "plans.parquet")
    first = plans.drop_duplicates("borrower_id")
    assert (first["decision"] != first["default_decision"]).sum() > 10
    assert set(first.loc[first["segment"].isin(["hardship", "blocked", "review"]), "propensity"]) == {1.0}
    from riskscore.report._data import Run
    from riskscore.report._summary import _decisions

    seen = _decisions(Run(tmp_path / "run").table("plans"))  # the report's decisions block
    assert seen["explored"] == (first["decision"] != first["default_decision"]).sum()
    assert seen["borrowers"] == len(first) == sum(r["borrowers"] for r in seen["rows"])
    assert seen["min_propensity"] == first["propensity"].min() < 1 and seen["explore_share"] == 0.3
    assert {r["decision"]: r["default"] for r in seen["rows"]} == \
        first["default_decision"].value_counts().reindex([r["decision"] for r in seen["rows"]], fill_value=0).to_dict()
    common = ["evaluate-logs", str(tmp_path / "run"), "--installments", str(sample / "installments.parquet"),
              "--resamples", "50"]
    ok = run(*common, "--candidate", "middle=none", "--out", str(tmp_path / "ope.csv"))
    assert ok.returncode == 0, ok.stderr
    assert "logged decisions of 795 borrowers in 1 run(s)" in ok.stdout and "dr" in ok.stdout
    table = pd.read_csv(tmp_path / "ope.csv")
    assert set(table["estimator"]) == {"ips", "snips", "dr"} and set(table["metric"]) == {"recovered"}
    refused = run(*common, "--candidate", "hardship=none")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("riskscore: error: candidate has no support in the logs: it "
                                     "takes 'none' for ") and "in segment 'hardship'" in refused.stderr
    bad = run(*common, "--candidate", "middle")
    assert bad.returncode == 2 and "argument --candidate: write SEGMENT=DECISION" in bad.stderr
    (tmp_path / "bad.yaml").write_text("seed: 7\nshares: {hardship: 0.1}\n")
    usage = run("score", "--installments", str(sample / "installments.parquet"), "--model", str(root / "models/sample"),
                "--as-of", "2025-10-02", "--out", str(tmp_path / "x"), "--explore", str(tmp_path / "bad.yaml"))
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1
    assert "--explore " in usage.stderr and "cannot explore segment(s) ['hardship']" in usage.stderr
    old = plans.drop(columns=["decision", "propensity"])
    old.to_parquet(tmp_path / "run" / "plans.parquet")
    stale = run(*common, "--candidate", "middle=none")
    assert stale.returncode == 1 and stale.stderr.count("\n") == 1
    assert "plans: missing the decision column(s) ['decision', 'propensity']" in stale.stderr


def test_the_console_entry_exits_with_mains_code_after_finalising_cycles(tmp_path):
    """`riskscore.cli.run` (the console script, `python -m riskscore`) exits with main's code and
    collects reference cycles before freezing the rest for a fast exit: an object in a cycle is
    finalised as at a plain interpreter exit (without the collection its __del__ never runs)."""
    mark = tmp_path / "finalised.txt"
    script = f"""
import riskscore.cli._main as m
class Holder:
    def __del__(self):
        with open({str(mark)!r}, "w") as fh:
            fh.write("finalised")
def fake(argv):
    h = Holder()
    h.self = h
    return 3
m.main = fake
m.run([])
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 3, out.stderr
    assert mark.read_text() == "finalised"
    scripts = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"riskscore": "riskscore.cli:run"}
    usage = run("generate", "--borrowers", "ten", "--out", str(tmp_path / "x"))  # through run, too
    assert usage.returncode == 2


def test_train_on_too_short_or_too_small_a_history_says_what_to_give(tmp_path):
    """Three months of history ended in 'No as-of date between 2024-04-07 and 2024-01-01'; 40 borrowers
    fitted a model, then failed in 'evaluate: the 18 rows ...', a function the user never called."""
    short = tmp_path / "short"
    assert run("generate", "--borrowers", "200", "--seed", "5", "--months", "3", "--out", str(short)).returncode == 0
    out = run("train", "--data", str(short), "--out", str(tmp_path / "b1"))
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == (
        f"riskscore: data error: installments '{short / 'installments.parquet'}': the history runs from 2024-01-08 "
        "to 2024-03-31 (83 days); training scores it at as-of dates from 90 days after the first due date to 90 days "
        "before the data ends (an outcome needs 90 days to show), every --freq 14D, and needs 4 of them: give a "
        "longer history, or --as-of-start / --as-of-end")
    out = run("train", "--data", str(short), "--out", str(tmp_path / "b0"), "--freq", "bogus")
    assert out.returncode == 2 and out.stderr.strip() == (  # was an internal error, exit 70
        "riskscore train: error: --freq: not a pandas frequency: 'bogus' (14D, 7D, W-MON, MS, ...).")
    small = tmp_path / "small"
    assert run("generate", "--borrowers", "40", "--seed", "5", "--out", str(small)).returncode == 0
    out = run("train", "--data", str(small), "--out", str(tmp_path / "b2"))
    assert out.returncode == 1 and not (tmp_path / "b2").exists()
    assert out.stderr.strip().splitlines()[-1] == (
        "riskscore: error: The test part of the history (2025-07-16..2025-09-24: 18 snapshots of 12 borrowers) cannot "
        "test a model: of the outcomes at 30 days, all are repaid. Train on more borrowers or a longer window "
        "(as_of_start and as_of_end; --as-of-start and --as-of-end on the command line).")
