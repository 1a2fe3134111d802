"""The error model (README "Errors and exit codes"): one line on stderr, a documented exit code.

Codes: 0 done, 1 a failed run, 2 usage, 70 internal error, 75 output folder busy, 128 + N a
signal. Faults a user can cause (files, folders, disks) are simulated in-process where the
test runs as root (permission bits do not stop root) or where the fault is a full disk.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import riskscore
from riskscore import DataError, RunLockedError
from riskscore.batch import STATE_DIR
from riskscore.batch import _arrowfile as arrowfile
from riskscore.cli import main
from riskscore.cli._errors import Interrupted, error_line, exit_code
from riskscore.io import folder_lock
from tests.batch.conftest import BUNDLE, write_table

_PACKAGE_FILE = str(Path(riskscore.__file__).parent / "batch" / "_run.py")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskscore.cli", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def one_line(code: int, returncode: int, stderr: str) -> str:
    """The failure's one line (no traceback, nothing else on stderr) and its exit code."""
    assert returncode == code, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("riskscore"), stderr
    return lines[0]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("errors_world")
    w = riskscore.generate(300, seed=7)
    paths = {}
    for name in ("installments", "borrowers", "contacts"):
        paths[name] = folder / f"{name}.parquet"
        write_table(getattr(w, name), paths[name], name)
    paths["as_of"] = str((pd.Timestamp(w.end) - pd.Timedelta(days=90)).date())
    return paths


def score_args(world: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["score", "--installments", str(world["installments"]), "--borrowers", str(world["borrowers"]),
            "--contacts", str(world["contacts"]), "--model", str(BUNDLE), "--as-of", str(world["as_of"]),
            "--now", f"{world['as_of']}T13:00Z", "--out", str(out), "--jobs", "1", "--progress", "off",
            "--no-report", *extra]


# -- the rule, exception by exception ---------------------------------------------------------------
def _raised_in(filename: str, exc: BaseException) -> BaseException:
    """``exc`` as if raised by code in ``filename`` (the innermost frame decides who raised it)."""
    try:
        exec(compile("raise exc", filename, "exec"), {"exc": exc})
    except BaseException as err:
        return err
    raise AssertionError("not raised")


def test_each_kind_of_failure_has_its_code_and_one_line():
    bug = _raised_in("/elsewhere/pandas/core/frame.py", ValueError("operands could not be broadcast"))
    assert exit_code(bug) == 70
    assert error_line(bug, "score") == ("riskscore: internal error: ValueError: operands could not be broadcast "
                                        "(run with --debug for the traceback; please report)")
    assert exit_code(_raised_in("/x/y.py", TypeError("unhashable"))) == 70
    check = _raised_in(_PACKAGE_FILE, ValueError("as_of must be a calendar date"))
    assert exit_code(check) == 1 and error_line(check, "score") == "riskscore: error: as_of must be a calendar date"
    remote = type("_RemoteTraceback", (Exception,), {})()  # what concurrent.futures chains to a worker's error
    remote.tb = f'Traceback (most recent call last):\n  File "{_PACKAGE_FILE}", line 9, in _chunk_task\n'
    in_worker = ValueError("the chunk's as_of is not a date")
    in_worker.__cause__ = remote
    in_worker = _raised_in("/usr/lib/python3/concurrent/futures/_base.py", in_worker)
    assert exit_code(in_worker) == 1
    full = OSError(errno.ENOSPC, "No space left on device", "/runs/x/scores.parquet")
    assert exit_code(full) == 1
    assert error_line(full, "score") == "riskscore: error: '/runs/x/scores.parquet': No space left on device"
    locked = RunLockedError("'/runs/x' is being written by another riskscore job (pid 7 on h, started t)")
    assert exit_code(locked) == 75 and error_line(locked, "score").startswith("riskscore: error: '/runs/x' is")
    assert exit_code(Interrupted(signal.SIGTERM)) == 143 and exit_code(KeyboardInterrupt()) == 130
    rows = DataError.from_message("installments", "installments: 2 row(s) fail 2 check(s)\n- 1 row(s) fail check "
                                  "'ge(0)' on column 'amount_due'\n    index  amount_due\n    5  -1.0\n- 1 row(s) "
                                  "fail check 'ge(1)' on column 'installment_no'\nHint: fix the extract")
    assert error_line(rows, "validate") == (
        "riskscore: data error: installments: 2 row(s) fail 2 check(s): 1 row(s) fail check 'ge(0)' on column "
        "'amount_due'; 1 row(s) fail check 'ge(1)' on column 'installment_no'")
    spark = type("PythonException", (Exception,), {"__module__": "pyspark.errors.exceptions.captured"})(
        "\n  An exception was thrown from the Python worker.\nTraceback (most recent call last):\n  File \"x.py\", "
        "line 1, in f\nriskscore.exceptions.DataError: contacts: no column 'channel'\n\nJVM stacktrace:\norg.x.Y")
    assert exit_code(spark) == 1
    assert error_line(spark, "score") == "riskscore: error: Spark: riskscore.exceptions.DataError: contacts: no " \
                                         "column 'channel'"


def test_a_file_spark_cannot_read_in_a_folder_is_named_with_why():
    """A damaged part of a remote folder once gave "Spark: ... Exception thrown in awaitResult:" and no file."""
    java = type("Py4JJavaError", (Exception,), {"__module__": "py4j.protocol"})
    part = "s3a://bank/inst/load_month=2025-05/part-0.parquet"
    err = java(f"An error occurred while calling o293.getResult.\n: org.apache.spark.SparkException: Exception thrown "
               f"in awaitResult: \n\tat org.apache.spark.util.SparkThreadUtils$.awaitResult(SparkThreadUtils.scala:70)"
               f"\nCaused by: org.apache.spark.SparkException: [FAILED_READ_FILE.NO_HINT] Encountered error while "
               f"reading file {part}.  SQLSTATE: KD001\n\tat org.apache.spark.x(y.scala:1)\nCaused by: "
               f"java.lang.RuntimeException: {part} is not a Parquet file. Expected magic number at tail\n\tat a.b(c)")
    assert error_line(err, "score") == (f"riskscore: error: Spark: cannot read '{part}': java.lang.RuntimeException: "
                                        f"{part} is not a Parquet file. Expected magic number at tail")
    other = java("An error occurred while calling o1.x.\n: org.apache.spark.SparkException: Exception thrown in "
                 "awaitResult: \n\tat a.b(c)\nCaused by: java.io.IOException: No FileSystem for scheme \"s4\"")
    assert error_line(other, "score") == ("riskscore: error: Spark: org.apache.spark.SparkException: Exception thrown "
                                          "in awaitResult: (caused by java.io.IOException: No FileSystem for scheme "
                                          "\"s4\")")


def test_a_remote_folder_of_csv_parts_read_as_parquet_says_to_give_a_pattern():
    """``--engine spark --installments s3a://bank/unload`` of CSV parts on Spark Connect (riskscore lists a folder
    URL through Hadoop's file system where there is one): Spark reads a folder URL as parquet."""
    java = type("Py4JJavaError", (Exception,), {"__module__": "py4j.protocol"})
    part = "s3a://bank/unload/data_0_0_0.csv.gz"
    err = java(f"An error occurred while calling o90.parquet.\n: org.apache.spark.SparkException: Exception thrown "
               f"in awaitResult: \n\tat a.b(c)\nCaused by: org.apache.spark.SparkException: "
               f"[FAILED_READ_FILE.CANNOT_READ_FILE_FOOTER] Encountered error while reading file {part}. Could not "
               f"read footer.\nCaused by: java.lang.RuntimeException: footer is too large: 3122233055to be read")
    line = error_line(err, "score")
    assert line.startswith(f"riskscore: error: Spark: cannot read '{part}'")
    assert line.endswith("; a folder given as a URL that riskscore cannot list (Spark Connect) is read as parquet "
                         "files: give its CSV parts as a pattern (s3a://bucket/folder/*.csv.gz)")


def test_a_bug_exits_70_in_one_line_and_debug_shows_its_traceback(monkeypatch, capsys):
    def boom(args):
        return {}["no such key"] + 1  # a KeyError raised outside riskscore's checks: a bug

    monkeypatch.setattr("riskscore.cli._main._cmd_generate", boom)
    assert main(["generate", "--borrowers", "5", "--out", "x"]) == 70
    err = capsys.readouterr().err
    line = one_line(70, 70, err)
    assert line == ("riskscore: internal error: KeyError: 'no such key' (run with --debug for the traceback; "
                    "please report)")
    assert main(["--debug", "generate", "--borrowers", "5", "--out", "x"]) == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and err.strip().splitlines()[-1] == line


def test_usage_errors_are_one_line_naming_the_option(world, tmp_path):
    for option, value, says in [("--jobs", "0", "must be 1 or more, got 0"),
                                ("--chunk-borrowers", "-5", "must be 1 or more, got -5"),
                                ("--as-of", "2024-13-45", "not a date YYYY-MM-DD: '2024-13-45'"),
                                ("--now", "tomorrow", "not a time"),
                                ("--agent-calls-per-day", "many", "invalid int value: 'many'")]:
        args = score_args(world, tmp_path / "run")
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
        out = run(*args)
        line = one_line(2, out.returncode, out.stderr)
        assert line.startswith(f"riskscore score: error: argument {option}: {says}"), line
    assert not (tmp_path / "run").exists()


def test_a_data_error_is_one_line_with_its_rows_on_stdout(world, tmp_path):
    df = pd.read_parquet(world["installments"])
    df.loc[3, "amount_due"] = -10.0
    df.to_csv(tmp_path / "inst.csv", index=False)
    out = run("validate", "--installments", str(tmp_path / "inst.csv"))
    line = one_line(1, out.returncode, out.stderr)
    assert line.startswith("riskscore: data error: installments: ") and "on column 'amount_due'" in line
    assert "-10.0" in out.stdout  # the example rows: the command's output


def test_out_that_is_a_file_is_one_line(world, tmp_path):
    (tmp_path / "run").write_text("not a folder")
    out = run(*score_args(world, tmp_path / "run"))
    line = one_line(1, out.returncode, out.stderr)
    assert line == f"riskscore: error: '{tmp_path / 'run'}' is a file, not a folder"


def test_a_second_job_into_the_same_out_is_refused_naming_the_holder(world, tmp_path):
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    with folder_lock(out_dir, "riskscore score"):
        out = run(*score_args(world, out_dir))
    line = one_line(75, out.returncode, out.stderr)
    assert line.startswith(f"riskscore: error: '{out_dir}' is being written by riskscore score (pid {os.getpid()} "
                           f"on {socket.gethostname()}, started "), line
    assert line.endswith("wait for it to end or choose another output folder.")
    assert not (out_dir / STATE_DIR).exists()


def _refuse(monkeypatch, inside: Path, code: int, message: str) -> None:
    """Make every file-system write under ``inside`` fail as a read-only or full disk would."""
    real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir

    def under(path) -> bool:
        return str(Path(os.fspath(path)).absolute()).startswith(str(inside))

    def fake_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and any(m in mode for m in "wax+") and under(file):
            raise OSError(code, message, os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and under(path):
            raise OSError(code, message, os.fspath(path))
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if under(path):
            raise OSError(code, message, os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)


def test_read_only_out_is_one_line(world, tmp_path, monkeypatch, capsys):
    out_dir = tmp_path / "ro"
    out_dir.mkdir()
    _refuse(monkeypatch, out_dir, errno.EROFS, "Read-only file system")
    assert main(score_args(world, out_dir)) == 1
    line = one_line(1, 1, capsys.readouterr().err)
    assert line == (f"riskscore: error: cannot create the lock file '{out_dir / '.riskscore.lock'}': "
                    "Read-only file system")


def test_an_unreadable_input_is_one_line(world, tmp_path, monkeypatch, capsys):
    real_open = builtins.open

    def fake_open(file, mode="r", *args, **kwargs):
        if os.fspath(file) == str(world["contacts"]):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    assert main(score_args(world, tmp_path / "run")) == 1
    line = one_line(1, 1, capsys.readouterr().err)
    assert line == f"riskscore: error: '{world['contacts']}': Permission denied"


@pytest.mark.slow
@pytest.mark.parametrize("where", ["part", "chunks", "out"])
def test_a_full_disk_is_one_line_then_the_same_command_finishes(world, tmp_path, monkeypatch, capsys, where):
    out_dir = tmp_path / "run"
    real = pq.ParquetWriter.write_table

    def full(self, table, *args, **kwargs):
        path = Path(os.fspath(self.where))
        if (where == "out" and path.parent == out_dir) or (where != "out" and where in path.parts):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, table, *args, **kwargs)

    def full_open(file, mode="r", *args, **kwargs):  # the engine's Arrow files (spills, chunk outputs)
        if "w" in mode and where != "out" and where in Path(os.fspath(file)).parts:
            raise OSError(errno.ENOSPC, "No space left on device")
        return builtins.open(file, mode, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(pq.ParquetWriter, "write_table", full)
        m.setattr(arrowfile, "open", full_open, raising=False)
        assert main(score_args(world, out_dir)) == 1
    line = one_line(1, 1, capsys.readouterr().err)
    assert line.startswith("riskscore: error: cannot write") and line.endswith("No space left on device"), line
    assert str(out_dir) in line
    assert not [p for p in out_dir.rglob("*.tmp")], "a failed write leaves no temporary file"
    assert json.loads((out_dir / STATE_DIR / "state.json").read_text())["failed"]["error"] == "OSError"
    assert main(score_args(world, out_dir)) == 0, capsys.readouterr().err
    assert (out_dir / "manifest.json").exists()


@pytest.mark.slow
def test_a_run_that_failed_on_its_data_does_not_block_the_fixed_run(world, tmp_path, capsys, caplog):
    broken = tmp_path / "installments.parquet"
    pd.read_parquet(world["installments"]).drop(columns=["amount_due"]).to_parquet(broken)
    out_dir = tmp_path / "run"
    args = score_args(world, out_dir)
    bad = list(args)
    bad[bad.index("--installments") + 1] = str(broken)
    assert main(bad) == 1
    line = one_line(1, 1, capsys.readouterr().err)
    assert line.startswith(f"riskscore: data error: installments '{broken}' has no column amount_due")
    assert main(args) == 0, capsys.readouterr().err  # the fixed inputs: a new run replaces the failed one
    assert "replacing the unfinished run" in caplog.text
    assert json.loads((out_dir / "manifest.json").read_text())["borrowers"]["in"] == 300


@pytest.mark.slow
def test_stale_temporaries_of_dead_writers_are_removed_by_the_rerun(world, tmp_path, capsys):
    out_dir = tmp_path / "run"
    assert main(score_args(world, out_dir)) == 0
    dead = _dead_pid()
    stale = [out_dir / f".report.html.{dead}.tmp", out_dir / f".borrower-B1.html.{dead}.tmp",
             out_dir / f".scores.parquet.{os.getpid()}.tmp"]  # an output's: only this job writes those
    live = out_dir / f".report.html.{os.getpid()}.tmp"  # a report being written now by a live process
    for path in [*stale, live]:
        path.write_text("half a file")
    assert main(score_args(world, out_dir)) == 0, capsys.readouterr().err
    assert [p for p in stale if p.exists()] == [] and live.exists()


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# -- the Spark engine follows the same model --------------------------------------------------------
def _spark_args(world: dict[str, Path], out: Path, installments: Path) -> list[str]:
    return ["score", "--engine", "spark", "--installments", str(installments), "--borrowers",
            str(world["borrowers"]), "--contacts", str(world["contacts"]), "--model", str(BUNDLE), "--as-of",
            str(world["as_of"]), "--out", str(out), "--chunk-borrowers", "60", "--no-report"]


@pytest.mark.slow
@pytest.mark.spark
def test_a_spark_failure_is_one_line_without_a_java_stack_trace(world, tmp_path):
    pytest.importorskip("pyspark")
    garbage = tmp_path / "installments.parquet"
    garbage.write_bytes(b"PAR1" + os.urandom(4000))
    # a local file is read on the driver first (columns, dates): the data error names the file
    out = run(*_spark_args(world, tmp_path / "run", garbage))
    assert out.returncode == 1, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"riskscore: data error: cannot read the installments input '{garbage}'"), out.stderr
    # a URL is read by Spark alone: its failure is one line too
    out = run(*_spark_args(world, tmp_path / "run2", f"file://{garbage}"))
    assert out.returncode == 1, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("riskscore: error: Spark: org.apache.spark.SparkException:"), out.stderr
    assert "installments.parquet" in last, last
    for noise in ("Traceback", "\tat org.apache", "FutureWarning", "[Stage "):
        assert noise not in out.stderr, out.stderr


@pytest.mark.slow
@pytest.mark.spark
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_spark_run_and_its_jvm(world, tmp_path, sig):
    # SIGTERM as a scheduler sends it, to the driver; SIGINT as a terminal's Ctrl-C, to the whole group.
    # A SparkContext started in the main thread put pyspark's SIGINT handler in place of riskscore's: it
    # cancelled the jobs through the very JVM connection the interrupted call used, and py4j logged its
    # "reentrant call" traceback above the one line (5 of 6 Ctrl-Cs 7-11 s into a run of the sample)
    pytest.importorskip("pyspark")
    import psutil

    out_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "riskscore.cli", *_spark_args(world, out_dir, world["installments"])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=sig == signal.SIGINT)
    driver = psutil.Process(proc.pid)
    deadline = time.monotonic() + 240
    while not any(w.name().startswith("python") for j in driver.children() if j.name() == "java"
                  for w in j.children()):  # Spark's Python workers run: well into the job
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1]
        time.sleep(0.1)
    time.sleep(2)
    children = driver.children(recursive=True)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1] == f"riskscore: interrupted ({sig.name})", err
    assert "Traceback" not in err, err
    _, alive = psutil.wait_procs(children, timeout=15)
    for p in alive:
        p.kill()
    assert not alive, f"outlived the run: {[p.name() for p in alive]}"


_CTRL_C_IN_THE_EXIT = """
import gc, os, signal, sys
from riskscore.cli import _main

collect = gc.collect

def interrupted_collect(*args):  # Ctrl-C while the exit collects (it takes 0.3 s or more after a run)
    os.kill(os.getpid(), signal.SIGINT)
    return collect(*args)

_main.gc.collect = interrupted_collect
_main.run(sys.argv[1:])
"""


def test_ctrl_c_after_the_command_is_over_exits_with_its_code_and_no_traceback(tmp_path):
    # seen from outside: `riskscore validate` interrupted 1.5 s in printed a KeyboardInterrupt
    # traceback from run()'s gc.collect(), its work done and printed, and exited -2
    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    done = subprocess.run([sys.executable, "-c", _CTRL_C_IN_THE_EXIT, "validate", "--data", str(sample)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr
    assert "installments" in done.stdout  # what the command printed is flushed, not lost


def _with_a_reader_that_goes(*args: str) -> tuple[int, str]:
    """Run the console script with its standard output read by nobody (``| head -0``): the exit code, stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "riskscore.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    with proc:
        proc.stdout.close()  # the reader goes before the first line: every write to it fails (EPIPE)
        err = proc.stderr.read()
    return proc.wait(timeout=300), err


@pytest.mark.parametrize("rows", [0, 3])
def test_a_reader_of_the_output_that_goes_costs_neither_a_traceback_nor_the_exit_code(world, tmp_path, rows):
    # `riskscore validate ... | head`: the rows a data error prints went into a BrokenPipeError traceback
    df = pd.read_parquet(world["installments"]).astype(str)
    df.loc[: rows - 1, "amount_due"] = "abc"
    df.to_csv(tmp_path / "inst.csv", index=False)
    code, err = _with_a_reader_that_goes("validate", "--installments", str(tmp_path / "inst.csv"))
    if rows:
        line = one_line(1, code, err)
        assert line.startswith("riskscore: data error: installments: ") and "'amount_due'" in line, line
    else:
        assert (code, err) == (0, "")  # the tables passed; the report nobody read is no failure


_SESSION_KEEPS_SIGINT = """
import signal, sys
from riskscore.batch import _spark

def ours(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGINT, ours)
installed, real = [], signal.signal

def spy(signum, handler):
    if signum == signal.SIGINT:
        installed.append(handler)
    return real(signum, handler)

signal.signal = spy
spark = _spark._session()
print(signal.getsignal(signal.SIGINT) is ours, [h is ours for h in installed])
spark.stop()
"""


def test_a_spark_session_started_for_a_run_leaves_the_callers_sigint_handler_in_place():
    # pyspark's SparkContext, started in the main thread, replaces the SIGINT handler with its own (it
    # cancels all jobs through the connection an interrupted call may be using: py4j's "reentrant call"
    # traceback); riskscore starts it from a thread of its own, so the CLI's handler is never replaced
    pytest.importorskip("pyspark")
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED")}
    env["PYSPARK_SUBMIT_ARGS"] = "--conf spark.log.level=FATAL --conf spark.ui.enabled=false pyspark-shell"
    done = subprocess.run([sys.executable, "-c", _SESSION_KEEPS_SIGINT], capture_output=True, text=True,
                          timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "True []", done.stdout  # never replaced, not even for a while
