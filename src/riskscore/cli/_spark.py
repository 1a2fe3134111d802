"""``riskscore score --engine spark``: a quiet JVM, and a session that stops with the command."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import warnings

__all__ = ["quiet_spark", "stop_spark"]


def quiet_spark(verbose: bool) -> None:
    """Before Spark starts: silence what is not the user's to act on.

    pyspark's own warning that it does not support this pandas yet is silenced, in this
    process and in Spark's Python workers (``PYTHONWARNINGS``, which they inherit). Unless
    ``verbose`` (or ``PYSPARK_SUBMIT_ARGS`` is set already) the JVM logs fatal errors only and
    draws no progress bars, so that a failure ends in its one line.
    """
    message = "PySpark does not yet fully support pandas"
    warnings.filterwarnings("ignore", message=message, category=FutureWarning, module=r"pyspark(\.|$)")
    ignore = f"ignore:{message}:FutureWarning"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), ignore]))
    if not verbose:
        os.environ.setdefault("PYSPARK_SUBMIT_ARGS", "--conf spark.log.level=FATAL "
                                                     "--conf spark.ui.showConsoleProgress=false pyspark-shell")


def stop_spark() -> None:
    """On a signal: stop the Spark session now (its jobs are cancelled, its Python workers end).

    A session still starting cannot be stopped: its JVM would finish starting after this
    process has gone and live on, so the processes this one started are ended instead.
    """
    from pyspark.sql import SparkSession

    try:
        SparkSession.active().stop()
    except Exception:  # no session yet (or one failing): end its JVM directly
        _end_children()


def _children() -> list[int]:
    """The processes this one started and that still run (Linux: read from /proc; elsewhere none)."""
    me, found = os.getpid(), []
    if not sys.platform.startswith("linux"):
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(me) and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _end_children(grace: float = 5.0) -> None:
    """SIGTERM to every child process, SIGKILL to those still running after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 0.0)):
        children = _children()
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while children and time.monotonic() < deadline:
            time.sleep(0.1)
            children = _children()
        if not children:
            return
