"""docs/your_data.md runs as written: every command of its ``bash`` blocks, in order, from a copy of
the repository's files it needs, with ``riskscore`` on the PATH as after ``source .venv/bin/activate``."""

from __future__ import annotations

import filecmp
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "your_data.md"
EXAMPLE = ROOT / "data" / "examples" / "lender"


def _commands() -> list[tuple[str, int]]:
    """Each command of the tutorial's bash blocks with the exit code it expects (``# exit N``, else 0)."""
    blocks = re.findall(r"```bash\n(.*?)```", TUTORIAL.read_text(), flags=re.DOTALL)
    out = []
    for block in blocks:
        for line in block.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            code = re.search(r"#\s*exit (\d+)\s*$", line)
            out.append((line.split("  #")[0].strip(), int(code.group(1)) if code else 0))
    return out


def test_the_tutorial_lists_its_steps():
    steps = [c.split()[:2] for c, _ in _commands()]
    assert steps == [["python", "tools/make_example_extract.py"], ["riskscore", "validate"],
                     ["riskscore", "validate"], ["riskscore", "train"], ["riskscore", "score"],
                     ["riskscore", "report"], ["riskscore", "explain"]]


@pytest.mark.slow
def test_the_tutorial_runs_as_written(tmp_path):
    shutil.copytree(ROOT / "tools", tmp_path / "tools")
    shutil.copytree(EXAMPLE, tmp_path / "data" / "examples" / "lender")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(ROOT / "src")}
    printed = []
    for command, expected in _commands():
        argv = shlex.split(command)
        if argv[0] == "python":
            argv[0] = sys.executable
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == expected, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, command
        printed.append(done.stdout + done.stderr)
    # step 1 writes the shipped extract again, byte for byte
    written = tmp_path / "data" / "examples" / "lender"
    assert filecmp.dircmp(written, EXAMPLE).diff_files == []
    for name in ("repayments.csv", "customers.csv", "contact_log.csv", "columns.yaml"):
        assert (written / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
    # step 2: one line naming the file, its columns and the mapping to write
    first = printed[1].strip().splitlines()
    assert len(first) == 1 and first[0].startswith(
        "riskscore: data error: installments 'data/examples/lender/repayments.csv' has no column borrower_id")
    assert "installments: {Customer No: borrower_id, Contract: loan_id" in first[0]
    # step 3: the mapping applied, the duplicates dropped, one currency
    assert "installments: 6,833 rows, 25 exact duplicates dropped, 0 rejected; amounts in TWD" in printed[2]
    assert "All tables pass their contracts." in printed[2]
    # step 4: a bundle, its digest and model card
    assert "installments: 6,833 rows, 25 exact duplicates dropped, 0 rejected (0 borrowers)" in printed[3]
    assert (tmp_path / "runs/lender/model/model_card.md").exists() and "its digest" in printed[3]
    # step 5: every borrower in exactly one of scores and rejects; plans for the scored
    import pandas as pd

    run = tmp_path / "runs/lender/2025-12-01"
    scores, rejects = pd.read_parquet(run / "scores.parquet"), pd.read_parquet(run / "rejects.parquet")
    extract = pd.read_csv(EXAMPLE / "repayments.csv", dtype=str)
    assert set(scores["borrower_id"]) == set(extract["Customer No"]) and rejects.empty
    assert scores["borrower_id"].str.len().eq(8).all()  # leading zeros kept
    scored = scores.loc[scores["status"] == "scored"]
    assert scored["likelihood"].between(0, 1, inclusive="neither").all()
    assert "Amounts are in TWD" in (run / "report.html").read_text()
    # step 6: the report again and one borrower's page
    assert (run / "borrower-00000009.html").exists()
