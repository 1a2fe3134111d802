"""The borrower hash that assigns rows to chunks, and a bounded-memory distinct count.

Inputs are read as streams of Arrow batches by :func:`riskscore.io.iter_batches` (re-exported
here with :func:`~riskscore.io.input_files` and :func:`~riskscore.io.fingerprint`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskscore.io import fingerprint, input_files, iter_batches
from riskscore.schemas import id_text, id_text_arrow

__all__ = ["DistinctSketch", "borrower_hash", "bucket_of", "fingerprint", "input_files", "iter_batches"]


_NULL_HASH = pd.util.hash_array(np.array([None], dtype=object))[0]
#: The hash of a missing id (:func:`borrower_hash`): no borrower's.
NULL_HASH = _NULL_HASH


def borrower_hash(ids: pa.Array | pa.ChunkedArray | pd.Series | np.ndarray) -> np.ndarray:
    """64-bit hash of ids read as the contracts read them (:func:`riskscore.schemas.id_text`).

    ``123``, ``123.0`` and ``"123"`` hash alike, whichever reader saw them; null has one hash.

    Examples
    --------
    >>> import pyarrow as pa, pandas as pd
    >>> a = borrower_hash(pa.array([1.0, None]))
    >>> b = borrower_hash(pd.Series(["1", None]))
    >>> bool((a == b).all())
    True
    """
    if isinstance(ids, pa.Array | pa.ChunkedArray):
        # hash each distinct id once (a batch holds each borrower's rows many times over)
        encoded = pc.dictionary_encode(id_text_arrow(ids)[0])
        distinct = np.array(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        hashes = np.append(pd.util.hash_array(distinct, categorize=False), _NULL_HASH)
        idx = encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
        return hashes[idx]
    text = np.array(id_text(pd.Series(ids))[0].to_numpy(dtype=object), dtype=object)  # a copy, writable
    return pd.util.hash_array(text, categorize=True)


def bucket_of(hashes: np.ndarray, n_buckets: int) -> np.ndarray:
    """The chunk a hash belongs to."""
    return (hashes % np.uint64(n_buckets)).astype(np.int64)


class DistinctSketch:
    """Count distinct 64-bit hashes in bounded memory: the *k* smallest values (KMV).

    Exact below ``k`` distinct values; above, the estimate ``(k - 1) / (v_k / 2**64)`` has a
    relative standard error of about ``1 / sqrt(k)`` (under 1 % at the default).

    Examples
    --------
    >>> import numpy as np
    >>> s = DistinctSketch(k=1024)
    >>> s.add(np.arange(100, dtype=np.uint64)); s.add(np.arange(50, 150, dtype=np.uint64))
    >>> s.estimate()
    150
    """

    def __init__(self, k: int = 16_384):
        self.k = k
        self.values = np.empty(0, dtype=np.uint64)

    def add(self, hashes: np.ndarray) -> None:
        """Fold a batch of hashes into the sketch."""
        if len(self.values) >= self.k:
            hashes = hashes[hashes <= self.values[-1]]
        self.values = np.union1d(self.values, hashes.astype(np.uint64))[: self.k]

    def merge(self, other: DistinctSketch) -> None:
        """Fold another sketch of the same ``k`` into this one."""
        self.add(other.values)

    def estimate(self) -> int:
        """The number of distinct hashes seen (exact below ``k``)."""
        if len(self.values) < self.k:
            return len(self.values)
        return round((self.k - 1) / (float(self.values[-1]) / 2.0**64))
