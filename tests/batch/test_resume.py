"""A run killed with SIGKILL at any point, then run again, gives the outputs of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from riskscore.batch import STATE_DIR
from tests.batch.conftest import BUNDLE, read_outputs

pytestmark = pytest.mark.slow

_SCRIPT = """
import sys
from riskscore.batch import score_portfolio
if __name__ == "__main__":
    inst, borrowers, contacts, bundle, as_of, out, now = sys.argv[1:8]
    score_portfolio(inst, bundle, as_of, out, borrowers=borrowers, contacts=contacts, now=now,
                    chunk_borrowers=100, n_jobs=1, progress="off")
"""


def _start(files, out: Path, as_of: str, now: str, script: Path) -> subprocess.Popen:
    args = [sys.executable, str(script), str(files["installments"]), str(files["borrowers"]),
            str(files["contacts"]), str(BUNDLE), as_of, str(out), now]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 240) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    return False


@pytest.fixture(scope="module")
def reference(world_files, as_of, now, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    script = out.parent / "run_job.py"
    script.write_text(_SCRIPT)
    proc = _start(world_files, out / "run", as_of, now, script)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return read_outputs(out / "run"), script


def _chunks_done(out: Path) -> int:
    folder = out / STATE_DIR / "chunks"
    return len(list(folder.glob("[0-9]*.json"))) if folder.exists() else 0


@pytest.mark.parametrize("kill_when", ["during the partition pass", "after two chunks", "while assembling"])
def test_kill_9_then_rerun_gives_the_uninterrupted_outputs(reference, world_files, as_of, now, tmp_path, kill_when):
    expected, script = reference
    out = tmp_path / "run"
    proc = _start(world_files, out, as_of, now, script)
    if kill_when == "during the partition pass":
        seen = _wait_for(lambda: (out / STATE_DIR / "part").exists(), proc)
    elif kill_when == "after two chunks":
        seen = _wait_for(lambda: _chunks_done(out) >= 2, proc)
    else:
        seen = _wait_for(lambda: any(out.glob(".*.parquet.*.tmp")) or (out / "scores.parquet").exists(), proc)
    if not seen:
        _, err = proc.communicate(timeout=60)
        pytest.fail(f"the run ended before the kill point: {err.decode()[-2000:]}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not (out / "manifest.json").exists() or kill_when == "while assembling"
    done_before = _chunks_done(out)
    again = _start(world_files, out, as_of, now, script)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    got = read_outputs(out)
    for name in ("scores", "plans", "audit", "rejects"):
        pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True, obj=name)
    manifest = json.loads((out / "manifest.json").read_text())
    if kill_when == "after two chunks":
        assert manifest["chunks"]["resumed"] == done_before >= 2
    assert not list(out.glob(".*.tmp")) and not (out / STATE_DIR / "chunks").exists()
