"""Root conftest: keep doctest collection away from modules that run on import; share the cores among
pytest-xdist's workers."""

import os

collect_ignore = ["src/riskscore/cli/__main__.py"]

# Under pytest-xdist (``make test``) every worker would start one OpenMP thread per core for each
# LightGBM fit (and numba for TreeSHAP): with two workers on two cores, four spinning threads, and a
# 0.1 s fit took tens of seconds. Each worker (and the commands its tests start) gets its share.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
if _WORKERS > 1:
    _CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for _var in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(_var, str(max(1, _CORES // _WORKERS)))
