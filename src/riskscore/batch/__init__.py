"""The nightly job: score whole portfolios from files, in chunks, in parallel, resumably.

:func:`score_portfolio` (and ``riskscore score``) runs on one machine; :func:`score_chunk` is the
per-chunk function it shares with the Spark engine (:func:`spark_score`, :func:`spark_score_files`,
also reachable as :mod:`riskscore.spark`). pyspark is imported only when a Spark function runs.
"""

from riskscore.batch._chunk import ChunkResult, ChunkSettings, merge_stats, run_manifest, score_chunk
from riskscore.batch._run import STATE_DIR, score_portfolio
from riskscore.batch._spark import score as spark_score
from riskscore.batch._spark import score_files as spark_score_files

__all__ = [
    "STATE_DIR",
    "ChunkResult",
    "ChunkSettings",
    "merge_stats",
    "run_manifest",
    "score_chunk",
    "score_portfolio",
    "spark_score",
    "spark_score_files",
]
