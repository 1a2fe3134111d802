"""What the Spark engine needs of a session, on a classic SparkSession and on Spark Connect alike.

A classic session (``spark-submit``, ``pyspark``, ``riskscore score --engine spark``) has a
``SparkContext``; a Spark Connect session (pyspark 4's ``SparkSession.builder.remote(...)``,
``SPARK_REMOTE``, Databricks Connect and serverless) has none. The engine asks four things of
it, each answered here for both:

* **shipping the bundle and profile files** to the executors: ``SparkContext.addFile`` on a
  classic session; on Spark Connect the bundle folder goes as a zip archive
  (``SparkSession.addArtifacts(..., archive=True)``, unpacked on the executors under the
  archive's name) and a profile file as a file artifact. Either way the executors find it with
  ``SparkFiles.get(name)``, and the bundle is verified against its SHA-256 there as on the driver.
* **the default parallelism** (tasks per stage for the survey and the warm-up job);
* **the master** (a local master lets the chunks write the outputs straight into ``--out``);
* **the jobs each stage ran**, counted from the status tracker (not available on Spark Connect:
  ``None`` in the manifest).

Spark Connect needs pyspark 4 (3.5's client lacks what the engine reads its results with).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from riskscore._processes import usable_cores

__all__ = ["is_connect", "job_count", "local_master", "parallelism", "ship_bundle", "ship_file"]

#: Spark's local masters: ``local[N]``, ``local[*]``, either with a task retry count (``local[N,F]``) ...
_LOCAL = re.compile(r"local\[(\*|\d+)(?:,\d+)?\]")
#: ... and ``local-cluster[workers,cores per worker,memory per worker in MiB]``.
_LOCAL_CLUSTER = re.compile(r"local-cluster\[(\d+),(\d+),\d+\]")


def is_connect(spark: Any) -> bool:
    """Whether ``spark`` is a Spark Connect session (no SparkContext)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def parallelism(spark: Any) -> int:
    """The session's default parallelism: the SparkContext's, or on Spark Connect the
    ``spark.default.parallelism`` setting, else the cores its master names, else 2.

    The master's cores are Spark's own reading of it: ``local`` is one thread, ``local[N]`` and
    ``local[N,F]`` N, ``local[*]`` the cores this process may use (its CPU affinity capped by a
    cgroup's CPU quota, as the JVM counts them), ``local-cluster[N,C,M]`` N workers of C cores; a
    remote master (``spark://``, ``yarn``, ``k8s://``) cannot be asked from a Connect client: 2.
    """
    if not is_connect(spark):
        return max(1, spark.sparkContext.defaultParallelism)
    given = spark.conf.get("spark.default.parallelism", None)
    if given:
        return max(1, int(given))
    master = str(spark.conf.get("spark.master", "") or "").replace(" ", "")
    if master == "local":
        return 1
    if found := _LOCAL.fullmatch(master):
        return usable_cores() if found[1] == "*" else max(1, int(found[1]))
    if found := _LOCAL_CLUSTER.fullmatch(master):
        return max(1, int(found[1]) * int(found[2]))
    return 2


def local_master(spark: Any) -> bool:
    """Whether the executors run on this machine (a ``local`` master): they then share its disk."""
    master = spark.conf.get("spark.master", "") if is_connect(spark) else spark.sparkContext.master
    return str(master or "").startswith("local")


def job_count(spark: Any) -> Any:
    """A function counting the session's Spark jobs so far (``None`` on Spark Connect: no tracker)."""
    if is_connect(spark):
        return lambda: None
    tracker = spark.sparkContext.statusTracker()
    return lambda: len(tracker.getJobIdsForGroup())


def ship_file(spark: Any, path: str | os.PathLike[str]) -> str:
    """Send one file to the executors; returns the name ``SparkFiles.get`` finds it by."""
    path = Path(path).resolve()
    if is_connect(spark):
        spark.addArtifacts(str(path), file=True)
    else:
        spark.sparkContext.addFile(str(path))
    return path.name


def ship_bundle(spark: Any, bundle: str | os.PathLike[str], digest: str) -> str:
    """Send a bundle folder to the executors; returns the name ``SparkFiles.get`` finds its copy by.

    On Spark Connect the folder goes as a zip archive named by the bundle's digest (a session
    keeps an artifact's name for its lifetime: the same bundle again is the same archive).
    """
    bundle = Path(bundle).resolve()
    if not is_connect(spark):
        spark.sparkContext.addFile(str(bundle), recursive=True)
        return bundle.name
    name = f"riskscore-bundle-{hashlib.sha256(digest.encode()).hexdigest()[:16]}"
    session = spark.session_id  # the server's id of the session (an object's id may be reused)
    if name in _SHIPPED.get(session, set()):
        return f"{name}.zip"
    with tempfile.TemporaryDirectory(prefix="riskscore-bundle-") as scratch:
        archive = shutil.make_archive(str(Path(scratch) / name), "zip", root_dir=bundle)
        spark.addArtifacts(archive, archive=True)
    _SHIPPED.setdefault(session, set()).add(name)
    return f"{name}.zip"


#: Archives already added to a Spark Connect session (by its session id): each added once.
_SHIPPED: dict[str, set[str]] = {}
