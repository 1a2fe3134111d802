"""Apache Spark engine: the nightly job's per-chunk function on a cluster.

:func:`score` takes Spark DataFrames of the input tables and returns Spark DataFrames of the
outputs, with exactly the rows and columns the local job (:func:`riskscore.score_portfolio`)
writes; :func:`score_files` is ``riskscore score --engine spark``. Requires
``pip install 'riskscore[spark]'`` and Java 17.
"""

from riskscore.batch import spark_score as score
from riskscore.batch import spark_score_files as score_files

__all__ = ["score", "score_files"]
