"""Ids are text, exactly: the one canonical text form of a borrower or loan id.

A lender's extract may store ids as text, as integers, or (after a round trip through a tool
that turns a column with gaps into floats) as floating-point numbers. Every reader of ids (the
contracts, the partition hash, the chunk's loan check) turns them into text the same way:

* text stays exactly as given (no trimming, no case folding; ``"000123"`` stays ``"000123"``);
* integers are written in decimal (``1`` -> ``"1"``);
* floats that hold a whole number below 2**53 are written as that integer (``1.0`` -> ``"1"``);
  any other float (``1.5``, ``inf``, ``1e20``: digits may have been lost) is *not text*;
* booleans, dates, bytes and containers are *not text*.

:func:`id_text` works on pandas (the contracts reject a not-text id as ``id_not_text``);
:func:`id_text_arrow` on Arrow arrays (the readers and the partition hash).
"""

from __future__ import annotations

import decimal
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ID_COLUMNS", "MAX_EXACT_ID", "id_problems", "id_text", "id_text_arrow"]

#: Columns that hold ids: compared as exact text in every table.
ID_COLUMNS: tuple[str, ...] = ("borrower_id", "loan_id")
#: Whole numbers stored as floats are exact below this bound (2**53); above it digits may be lost.
MAX_EXACT_ID = 2**53


def _one(v: object) -> tuple[object, bool]:
    """(canonical text or None, is it text?) of one cell."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None, True
    if isinstance(v, str):
        return v, True
    if isinstance(v, bool | np.bool_):
        return str(v), False
    if isinstance(v, int | np.integer):
        return str(int(v)), True
    if isinstance(v, float | np.floating):
        x = float(v)
        if math.isnan(x):
            return None, True
        if math.isfinite(x) and x == math.floor(x) and abs(x) < MAX_EXACT_ID:
            return str(int(x)), True
        return repr(x), False
    if isinstance(v, decimal.Decimal):
        if v.is_finite() and v == v.to_integral_value():
            return str(int(v)), True
        return str(v), False
    return str(v), False


def id_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The canonical text of each id, and where a value is not text (see the module docstring).

    Parameters
    ----------
    values : pandas.Series
        Ids of any dtype.

    Returns
    -------
    text : pandas.Series
        Canonical text (missing where missing; the value's own text where it is not text). A
        column of text is returned as it is.
    not_text : pandas.Series of bool
        Cells that hold a value no id can be read from.

    Examples
    --------
    >>> import pandas as pd
    >>> text, bad = id_text(pd.Series([1.0, 2.5, None], dtype=object))
    >>> text.tolist(), bad.tolist()
    (['1', '2.5', None], [False, True, False])
    >>> id_text(pd.Series(["000123", "NA"]))[0].tolist()
    ['000123', 'NA']
    """
    index = values.index
    if isinstance(values.dtype, pd.StringDtype) or (
            values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")):
        return values, pd.Series(np.zeros(len(values), dtype=bool), index=index)  # text already: as given
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): one at a time
        codes, uniques = np.arange(len(values)), values.to_numpy(dtype=object)
    pairs = [_one(u) for u in uniques]
    texts = np.array([p[0] for p in pairs] + [None], dtype=object)
    ok = np.array([p[1] for p in pairs] + [True], dtype=bool)
    return pd.Series(texts[codes], index=index, dtype=object), pd.Series(~ok[codes], index=index)


def id_problems(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(blank, padded) masks of canonical id text: only spaces (or empty), or spaces around the id.

    Examples
    --------
    >>> import pandas as pd
    >>> blank, padded = id_problems(pd.Series(["a", "  ", "", " b", None], dtype=object))
    >>> blank.tolist(), padded.tolist()
    ([False, True, True, False, False], [False, False, False, True, False])
    """
    arr = pa.array(text.astype(object).where(text.notna(), None).to_numpy(dtype=object), pa.string()) \
        if not isinstance(text.dtype, pd.StringDtype) else pa.array(text)
    stripped = pc.utf8_trim_whitespace(arr)
    blank = pc.fill_null(pc.equal(stripped, ""), False)
    padded = pc.fill_null(pc.and_(pc.invert(blank), pc.not_equal(stripped, arr)), False)
    return (pd.Series(blank.to_numpy(zero_copy_only=False), index=text.index),
            pd.Series(padded.to_numpy(zero_copy_only=False), index=text.index))


def id_text_arrow(values: pa.Array | pa.ChunkedArray, column: str = "id") -> tuple[pa.Array, int]:
    """Arrow ids as canonical text, and how many of them are not text.

    Not-text values keep their own text (``"2.5"``); the caller decides what to do with the
    count (the readers refuse such an input; see :func:`riskscore.io.iter_batches`).

    Raises
    ------
    TypeError
        When the column's type can hold no id at all (lists, structs, booleans, dates, bytes).

    Examples
    --------
    >>> import pyarrow as pa
    >>> text, bad = id_text_arrow(pa.array([1.0, None, 3.0]))
    >>> text.to_pylist(), bad
    (['1', None, '3'], 0)
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    t = values.type
    if pa.types.is_dictionary(t):
        values, t = values.dictionary_decode(), t.value_type
    if pa.types.is_null(t):
        return pa.nulls(len(values), pa.string()), 0
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pc.cast(values, pa.string()), 0
    if pa.types.is_integer(t):
        return pc.cast(values, pa.string()), 0
    if pa.types.is_decimal(t):
        pairs = [_one(v) for v in values.to_pylist()]
        return pa.array([p[0] for p in pairs], pa.string()), sum(not p[1] for p in pairs)
    if pa.types.is_floating(t):
        x = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(x) & (np.floor(x) == x) & (np.abs(x) < MAX_EXACT_ID)
        ints = pa.array(np.where(whole, x, 0).astype(np.int64), mask=~whole)
        text = pc.if_else(pa.array(whole), pc.cast(ints, pa.string()), pc.cast(values, pa.string()))
        return text, int((~whole & ~np.isnan(x)).sum())
    raise TypeError(f"{column} holds values of type {t}: ids must be text (or whole numbers)")
