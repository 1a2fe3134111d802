"""Blocks of borrowers: the features of a large table, a block of borrowers at a time.

Every feature is a function of one borrower's rows (installments and contacts; a loan belongs
to one borrower, as validation checks). Computing them for contiguous ranges of borrowers in id
order and concatenating the blocks therefore gives the features of one pass over the whole
table, bit for bit (each borrower's rows keep their order, so every sum adds the same numbers in
the same order), while memory grows with the block rather than with the table and time stays
linear in the rows (no sort or group-by ever sees more than one block).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BLOCK_BORROWERS", "borrower_blocks", "distinct_loans", "loans_cross_blocks", "positions"]

#: Borrowers per block of :meth:`riskscore.features.FeatureBuilder.transform` (a table with at
#: most this many borrowers is one block).
BLOCK_BORROWERS = 100_000


def borrower_blocks(
    installments: pd.DataFrame, contacts: pd.DataFrame | None, size: int = BLOCK_BORROWERS,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """(installments, contacts) of each block of at most ``size`` borrowers.

    Borrowers are numbered in order of first appearance in ``installments`` and cut into blocks
    of ``size``; rows keep their order inside a block. A table grouped by borrower (as extracts
    usually are) gives blocks that are contiguous row ranges, taken without a copy; any other is
    gathered block by block. Contacts go with their borrower's block (contacts of a borrower
    without installments go anywhere: they have no features). A table of at most ``size``
    borrowers, or one with a missing borrower id, is one block: the tables as given.
    """
    ids = installments["borrower_id"]
    found = _runs(ids, size) if _arrow_text(ids.dtype) else None
    if found is None:
        codes, uniques = pd.factorize(ids)
        if len(uniques) <= size or (codes < 0).any():
            yield installments, contacts
            return
        n_blocks = (len(uniques) + size - 1) // size
        rows = _cut((codes // size).astype(np.int32), n_blocks)
        del codes
    else:
        uniques, bounds = found
        n_blocks = len(bounds) - 1
        if n_blocks == 1:
            yield installments, contacts
            return
        rows = (None, bounds)
    c_rows = None
    if contacts is not None:
        c_codes = positions(uniques, contacts["borrower_id"])
        c_rows = _cut(np.where(c_codes >= 0, c_codes // size, -1).astype(np.int32), n_blocks)
        del c_codes
    for k in range(n_blocks):
        part = _rows(installments, rows, k)
        yield part, (None if contacts is None else _rows(contacts, c_rows, k))


def _runs(ids: pd.Series, size: int) -> tuple[pa.Array, np.ndarray] | None:
    """For Arrow text ids grouped by borrower (each borrower's rows together): the borrowers in
    order and the row bounds of each block of ``size`` of them; None when not grouped.

    Needs no per-row codes: the rows where the id changes, and the distinct ids counted.
    """
    arr = pa.array(ids.array)
    if len(arr) < 2 or arr.null_count:
        return None
    starts = np.r_[0, np.flatnonzero(pc.not_equal(arr[1:], arr[:-1]).to_numpy(zero_copy_only=False)) + 1]
    if len(starts) != pc.count_distinct(arr).as_py():
        return None
    firsts = arr.take(pa.array(starts))
    return (firsts.combine_chunks() if isinstance(firsts, pa.ChunkedArray) else firsts), np.r_[starts[::size], len(arr)]


def positions(uniques: object, values: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in ``uniques`` (-1: absent); Arrow's hash lookup for Arrow text."""
    arrow = isinstance(uniques, pa.Array) or _arrow_text(getattr(uniques, "dtype", None))
    if arrow and _arrow_text(values.dtype):
        value_set = uniques if isinstance(uniques, pa.Array) else pa.array(getattr(uniques, "array", uniques))
        if isinstance(value_set, pa.ChunkedArray):
            value_set = value_set.combine_chunks()
        found = pc.index_in(pa.array(values.array), value_set=value_set)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return pd.Index(np.asarray(uniques, dtype=object) if isinstance(uniques, pa.Array) else uniques).get_indexer(values)


def _arrow_text(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _cut(labels: np.ndarray, n: int) -> tuple[np.ndarray | None, np.ndarray]:
    """(row order or None, bounds) grouping rows by block label (-1: no block, any block will do).

    When the labelled rows come in block order the blocks are row ranges (order None; an
    unlabelled row joins the block it sits in); otherwise ``order`` lists each block's rows, in
    row order, and unlabelled rows are left out.
    """
    filled = np.maximum.accumulate(labels) if len(labels) else labels
    known = labels >= 0
    if np.array_equal(filled[known], labels[known]):
        inner = np.searchsorted(filled, np.arange(1, n), side="left")
        return None, np.r_[0, inner, len(labels)]
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels[known], minlength=n)
    skip = int((~known).sum())
    return order, np.r_[0, np.cumsum(counts)] + skip


def _rows(df: pd.DataFrame, cut: tuple[np.ndarray | None, np.ndarray], k: int) -> pd.DataFrame:
    order, bounds = cut
    if order is None:
        return df.iloc[bounds[k]:bounds[k + 1]]
    return df.take(order[bounds[k]:bounds[k + 1]])


def distinct_loans(loan_ids: pd.Series) -> object:
    """A block's distinct loan ids, for :func:`loans_cross_blocks` (Arrow text stays Arrow)."""
    if _arrow_text(loan_ids.dtype):
        return pc.unique(pa.array(loan_ids.array))
    return np.asarray(pd.unique(loan_ids), dtype=object)


def loans_cross_blocks(loan_ids: list[object]) -> bool:
    """Whether a loan id appears in two blocks (``loan_ids``: each block's :func:`distinct_loans`).

    Validated installments never do (``one_borrower_per_loan``); a table that does must be
    computed as one block, since its loans' installments are shared between borrowers.
    """
    if len(loan_ids) < 2:
        return False
    if all(isinstance(ids, pa.Array | pa.ChunkedArray) for ids in loan_ids):
        chunks = [c for ids in loan_ids for c in (ids.chunks if isinstance(ids, pa.ChunkedArray) else [ids])]
        every = pa.chunked_array(chunks, type=chunks[0].type) if chunks else pa.chunked_array([], pa.string())
        return pc.count_distinct(every).as_py() != len(every)
    return bool(pd.Index(np.concatenate([np.asarray(ids, dtype=object) for ids in loan_ids])).has_duplicates)
