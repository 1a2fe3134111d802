"""The local engine's processes: how many cores this process may use, and a fork server deaf to Ctrl-C.

How many cores: the fewest of the CPUs this process may run on (its affinity: ``taskset``,
``cpuset``) and its CPU quota (a container's ``--cpus``, Kubernetes' ``limits.cpu``: the cgroup's
``cpu.max`` or ``cpu.cfs_quota_us``, as joblib reads them). A pod limited to 2 CPUs on a 64-core
node sees 64 CPUs in ``os.cpu_count()`` and its affinity; 64 workers there would each load the
model and wait their turn for 2 CPUs' worth of time.

The fork server:

A terminal's Ctrl-C (and ``kill -INT -<group>``) reaches every process of the job's process
group, the fork server too. The standard library's fork server ignores SIGINT only once its
``main()`` runs, after the imports it preloads (about 1.5 s for the scoring code), so a Ctrl-C in
those first seconds printed its ``KeyboardInterrupt`` traceback under the job's one line, and
the workers it forked kept Python's default SIGINT handler until their initializer ran.

Here SIGINT is blocked in the starting thread while the fork server is spawned: the signal mask
survives ``fork`` and ``exec``, so the server and every worker it forks never see SIGINT (the
driver stops the workers itself; SIGTERM and SIGKILL still end them). The resource tracker is
started first, because its own start unblocks SIGINT and SIGTERM in the calling thread. The
same as the standard library's resource tracker does for itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
from multiprocessing import forkserver, resource_tracker


def usable_cores() -> int:
    """The cores this process may use: its CPU affinity, capped by its cgroup's CPU quota (at least 1).

    Examples
    --------
    >>> usable_cores() >= 1
    True
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    import joblib  # the quota as joblib (loky) reads it; imported by scikit-learn anyway

    return max(1, min(cores, joblib.cpu_count()))


def start_fork_server(preload: list[str]) -> None:
    """Start this process's fork server (a no-op if it runs), with SIGINT blocked in it and its children.

    Parameters
    ----------
    preload : list of str
        The modules the fork server imports before it forks any worker.

    Examples
    --------
    >>> start_fork_server(["json"])  # doctest: +SKIP
    """
    forkserver.set_forkserver_preload(preload)
    if not hasattr(signal, "pthread_sigmask"):  # no signal masks (not POSIX): started as the library starts it
        forkserver.ensure_running()
        return
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        with contextlib.suppress(ValueError, OSError):
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
