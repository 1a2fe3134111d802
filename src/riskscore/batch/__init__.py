"""The nightly job: score whole portfolios from files, in chunks, in parallel, resumably.

:func:`score_portfolio` (and ``riskscore score``) runs on one machine; :func:`score_chunk` is the
per-chunk function it shares with the Spark engine (:mod:`riskscore.spark`).
"""

from riskscore.batch._chunk import ChunkResult, ChunkSettings, profile_groups, score_chunk, split_capacity
from riskscore.batch._outputs import HORIZONS, OUTPUTS, TOP_REASONS
from riskscore.batch._run import STATE_DIR, parse_profiles, score_portfolio

__all__ = [
    "HORIZONS",
    "OUTPUTS",
    "STATE_DIR",
    "TOP_REASONS",
    "ChunkResult",
    "ChunkSettings",
    "parse_profiles",
    "profile_groups",
    "score_chunk",
    "score_portfolio",
    "split_capacity",
]
