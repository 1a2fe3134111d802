"""Faults of the nightly job's processes: signals, a killed driver or worker, the lock, worker counts.

A run is started as the scheduler starts it (``riskscore score`` in a subprocess), then
interrupted after its first finished chunk. Whatever happens, every worker is gone within
seconds, the command prints one line and exits with its documented code, and the same
command run again finishes with the outputs of an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
import psutil
import pytest

from riskscore import RunLockedError
from riskscore import _processes as processes
from riskscore.batch import STATE_DIR, score_portfolio
from riskscore.batch import _run as run_module
from riskscore.io import folder_lock, write_text
from tests.batch.conftest import BUNDLE, read_outputs

CHUNK = "40"  # the 600-borrower world: about 15 chunks, so that a run signalled after its first is never done


def _command(files, out: Path, as_of: str, now: str, jobs: str = "2") -> list[str]:
    return [sys.executable, "-m", "riskscore.cli", "score", "--installments", str(files["installments"]),
            "--borrowers", str(files["borrowers"]), "--contacts", str(files["contacts"]), "--model", str(BUNDLE),
            "--as-of", as_of, "--now", now, "--out", str(out), "--chunk-borrowers", CHUNK, "--jobs", jobs,
            "--progress", "off", "--no-report"]


def _chunks_done(out: Path) -> int:
    folder = out / STATE_DIR / "chunks"
    return len(list(folder.glob("[0-9]*.json"))) if folder.exists() else 0


def _start_and_wait_for_a_chunk(cmd: list[str], out: Path) -> tuple[subprocess.Popen, list[psutil.Process]]:
    """Start a run in its own process group; return once a chunk is done, with the workers alive then."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while _chunks_done(out) < 1:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the run ended or stalled before its first chunk: {proc.communicate()[1][-2000:]}")
        time.sleep(0.02)
    children = psutil.Process(proc.pid).children(recursive=True)
    return proc, children


def _gone_within(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=seconds)
    for p in alive:  # do not leave them to the next test
        p.kill()
    return alive


@pytest.fixture(scope="module")
def reference(world_files, as_of, now, tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("faults_reference") / "run"
    done = subprocess.run(_command(world_files, out, as_of, now, jobs="1"), capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return read_outputs(out)


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_every_worker_and_the_same_command_resumes(reference, world_files, as_of, now, tmp_path,
                                                                  sig, code):
    out = tmp_path / "run"
    cmd = _command(world_files, out, as_of, now)
    proc, children = _start_and_wait_for_a_chunk(cmd, out)
    assert len(children) >= 2, "the run should have worker processes"
    sent = time.monotonic()
    # SIGTERM as a scheduler sends it (to the job); SIGINT as a terminal sends Ctrl-C (to the whole group)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] == f"riskscore: interrupted ({sig.name}); run the same command to resume", err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert took < 15, f"took {took:.1f} s to stop"
    assert _gone_within(children, 5) == [], "worker processes outlived the job"
    done = _chunks_done(out)
    assert done >= 1 and not (out / "manifest.json").exists()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    got = read_outputs(out)
    for name, frame in reference.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True, obj=name)
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads a process's signal handlers from /proc")
def test_ctrl_c_while_the_fork_server_imports_is_the_one_line_alone(world_files, as_of, now, tmp_path):
    # the fork server and the workers it forks are in the job's process group; the fork server used to
    # ignore SIGINT only after its imports (the first 1-2 s of a run), printing its KeyboardInterrupt
    # traceback under the job's line: it starts with SIGINT blocked now (riskscore._processes)
    cmd = _command(world_files, tmp_path / "run", as_of, now)
    probe = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    driver = psutil.Process(probe.pid)
    deadline = time.monotonic() + 60
    while not any(_handles_sigint(c) for c in _children(driver)):  # Python is up in it, and importing
        assert probe.poll() is None and time.monotonic() < deadline, probe.communicate()[1]
        time.sleep(0.002)
    os.killpg(probe.pid, signal.SIGINT)  # the fork server has just started importing the scoring code
    _, err = probe.communicate(timeout=60)
    assert probe.returncode == 130, err
    assert err.strip().splitlines() == ["riskscore: interrupted (SIGINT); run the same command to resume"], err


def _handles_sigint(process: psutil.Process) -> bool:
    """A fork server whose Python has installed its SIGINT handler (before that, SIGINT kills it silently)."""
    try:
        if "forkserver" not in " ".join(process.cmdline()):
            return False
        status = Path(f"/proc/{process.pid}/status").read_text()
    except (psutil.Error, OSError):
        return False
    caught = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) & (1 << (signal.SIGINT - 1)))


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def test_stopping_the_workers_joins_the_pool_thread_before_the_exit_can_race_it(monkeypatch):
    # the interpreter's exit wakes every live pool thread through a pipe that thread closes when it
    # ends: left running past _terminate, the two raced ("OSError: [Errno 9] Bad file descriptor"
    # printed under a Ctrl-C'd job's last line). A slow pool thread shows whether it is waited for
    from concurrent.futures import process as cf_process

    ends = cf_process._ExecutorManagerThread.join_executor_internals

    def slowly(self):
        time.sleep(1.0)
        ends(self)

    monkeypatch.setattr(cf_process._ExecutorManagerThread, "join_executor_internals", slowly)
    before = set(threading.enumerate())
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
    running = pool.submit(time.sleep, 60)
    deadline = time.monotonic() + 60
    while not running.running():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    run_module._terminate(pool)
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []
    assert running.done()


@pytest.mark.slow
def test_workers_die_with_a_driver_killed_by_sigkill(world_files, as_of, now, tmp_path):
    out = tmp_path / "run"
    proc, children = _start_and_wait_for_a_chunk(_command(world_files, out, as_of, now), out)
    assert children
    proc.kill()
    proc.communicate(timeout=60)
    assert _gone_within(children, 5) == [], "worker processes outlived their driver"
    with folder_lock(out):  # and the lock went with the driver: nothing stale to clean by hand
        pass


@pytest.mark.slow
def test_a_worker_killed_from_outside_is_one_line_and_the_same_command_resumes(reference, world_files, as_of,
                                                                               now, tmp_path):
    out = tmp_path / "run"
    cmd = _command(world_files, out, as_of, now)
    proc, children = _start_and_wait_for_a_chunk(cmd, out)
    # spawned by the driver, or forked by its fork server (the driver's other children: the fork
    # server and the resource tracker)
    workers = [c for c in children if "spawn_main" in " ".join(c.cmdline()) or c.ppid() != proc.pid]
    assert workers
    workers[0].kill()  # as the out-of-memory killer would
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("riskscore: error: a worker process ended abruptly while scoring"), err
    assert "Traceback" not in err, err
    assert _gone_within(children, 5) == []
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    got = read_outputs(out)
    for name, frame in reference.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True, obj=name)


_HOLD = "import sys, time\nfrom riskscore.io import folder_lock\nwith folder_lock(sys.argv[1]):\n" \
        "    print('held', flush=True)\n    time.sleep(120)\n"


def test_the_lock_goes_with_its_holder_even_on_sigkill(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(RunLockedError, match=rf"is being written by riskscore job \(pid {holder.pid} on "), \
            folder_lock(tmp_path):
        pass
    holder.kill()
    holder.communicate(timeout=30)
    with folder_lock(tmp_path) as lock:
        assert lock == tmp_path / ".riskscore.lock"


def test_a_write_removes_what_killed_writers_of_the_same_file_left(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    target = tmp_path / "report.html"
    stale, live = tmp_path / f".report.html.{dead.pid}.tmp", tmp_path / f".report.html.{os.getppid()}.tmp"
    other = tmp_path / f".other.html.{dead.pid}.tmp"  # another file's: left to the writers of that file
    for path in (stale, live, other):
        path.write_text("half a page")
    write_text(target, "<html></html>")
    assert target.read_text() == "<html></html>" and not stale.exists() and live.exists() and other.exists()


class _NoPool:
    def __init__(self, *args, **kwargs):
        raise AssertionError("one chunk must run in this process, without worker processes")


def test_one_chunk_runs_in_process_whatever_n_jobs(world_files, as_of, now, tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "ProcessPoolExecutor", _NoPool)
    manifest = score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run", now=now,
                               borrowers=world_files["borrowers"], contacts=world_files["contacts"],
                               chunk_borrowers=10_000, n_jobs=4, progress="off")
    assert manifest.chunks["total"] == 1 and manifest.borrowers["in"] == 600


def test_a_cpu_quota_below_the_visible_cores_caps_the_default_workers(world_files, as_of, now, tmp_path, monkeypatch):
    # a pod limited to 1 CPU on an 8-core node: its affinity says 8, its cgroup's quota 1 (joblib reads it)
    import joblib

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.setattr(joblib, "cpu_count", lambda *a, **k: 1)
    assert processes.usable_cores() == 1
    monkeypatch.setattr(run_module, "ProcessPoolExecutor", _NoPool)  # one worker: the chunks run in this process
    manifest = score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run", now=now,
                               borrowers=world_files["borrowers"], contacts=world_files["contacts"],
                               chunk_borrowers=300, progress="off")
    assert manifest.chunks["total"] == 2 and manifest.borrowers["in"] == 600
    monkeypatch.setattr(joblib, "cpu_count", lambda *a, **k: 16)  # a quota above the affinity: the affinity
    assert processes.usable_cores() == 8


@pytest.mark.slow
def test_never_more_workers_than_chunks(world_files, as_of, now, tmp_path, monkeypatch):
    started = []
    real = run_module.ProcessPoolExecutor

    def pool(max_workers, **kwargs):
        started.append(max_workers)
        return real(max_workers, **kwargs)

    monkeypatch.setattr(run_module, "ProcessPoolExecutor", pool)
    manifest = score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run", now=now,
                               borrowers=world_files["borrowers"], contacts=world_files["contacts"],
                               chunk_borrowers=300, n_jobs=8, progress="off")
    assert manifest.chunks["total"] == 2 and started == [2]


@pytest.mark.slow
def test_a_script_read_from_standard_input_scores_in_one_process_and_says_so(reference, world_files, as_of, now,
                                                                             tmp_path):
    """Workers prepare by reading the main script again: from ``python - <<EOF`` there is none. The
    job then scores in its own process, with one warning line, instead of losing its workers."""
    out = tmp_path / "run"
    script = (f"from riskscore.batch import score_portfolio\n"
              f"score_portfolio({str(world_files['installments'])!r}, {str(BUNDLE)!r}, {as_of!r}, {str(out)!r}, "
              f"borrowers={str(world_files['borrowers'])!r}, contacts={str(world_files['contacts'])!r}, "
              f"now={now!r}, chunk_borrowers={int(CHUNK)}, n_jobs=2, progress='off')\n")
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cannot start from a script read from standard input" in done.stderr
    got = read_outputs(out)
    for name, frame in reference.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True, obj=name)
