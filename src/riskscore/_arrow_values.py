"""Arrow columns as the contracts read them: narrow floats by their decimals, lists of text as comma text.

Shared by the file readers (:mod:`riskscore._conform`, both engines' local path) and the contracts'
coercion of a pandas frame (:mod:`riskscore.schemas`), so that a value reads the same either way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskscore._dates import one_array

__all__ = ["decimal_floats", "is_text_list", "joined_text_lists"]


def decimal_floats(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A float16 or float32 column as float64 by the shortest decimal each value prints as (``99.99`` stays
    99.99, not the 99.98999786... a binary widening gives); any other column as it is.

    A money amount stored in 32 bits (a frame downcast to save memory, some feature stores) means the
    decimal it was written from: widened bit for bit, a float32 amount due next to a float64 amount
    paid of the same 99.99 reads as unpaid by 2e-6, and ratios, trends and the drift check move.

    Examples
    --------
    >>> decimal_floats(pa.array([99.99, None], pa.float32())).to_pylist()
    [99.99, None]
    >>> pa.array([99.99], pa.float32()).cast(pa.float64()).to_pylist()
    [99.98999786376953]
    """
    if pa.types.is_floating(col.type) and col.type.bit_width < 64:
        return pc.cast(pc.cast(col, pa.string()), pa.float64())
    return col


def is_text_list(t: pa.DataType) -> bool:
    """A list (of any layout) of text, or of nothing but missing values."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if not (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
            or pa.types.is_list_view(t) or pa.types.is_large_list_view(t)):
        return False
    item = t.value_type.value_type if pa.types.is_dictionary(t.value_type) else t.value_type
    return pa.types.is_string(item) or pa.types.is_large_string(item) or pa.types.is_null(item)


def joined_text_lists(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each list of text as one text, its items joined by commas; missing items left out (as Spark's
    ``array_join``), a missing list missing, an empty one ``""``.

    Examples
    --------
    >>> joined_text_lists(pa.array([["sms", "email"], [], None, ["app", None]])).to_pylist()
    ['sms,email', '', None, 'app']
    """
    arr = one_array(col)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    arr = arr.cast(pa.large_list(pa.large_string()))
    items, parents = pc.list_flatten(arr), pc.list_parent_indices(arr)
    present = pc.is_valid(items)
    counts = np.bincount(parents.filter(present).to_numpy(), minlength=len(arr))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int64())
    lists = pa.LargeListArray.from_arrays(offsets, items.filter(present), mask=pc.is_null(arr))
    return pc.binary_join(lists, pa.scalar(",", pa.large_string())).cast(pa.string())
