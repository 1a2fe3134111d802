"""The policy's array helpers against the pandas expressions they replace (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore._compat import isin
from riskscore.policy._arrays import joined

KEYS = st.sampled_from(["a", "b", "c", "007", "é", None])
TEXTS = st.text(alphabet="xyz; |", max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(KEYS, TEXTS), max_size=30), st.lists(KEYS, unique=True, max_size=6))
def test_joined_is_groupby_join_reindexed(rows, index):
    keys = [k for k, _ in rows]
    texts = [t for _, t in rows]
    index = [k for k in index if k is not None]
    expected = (pd.Series(texts, dtype=object).groupby(pd.Series(keys, dtype=object)).agg(" | ".join)
                .reindex(index).fillna("")) if rows else pd.Series("", index=index, dtype=object)
    got = joined(keys, texts, index, sep=" | ")
    assert got.dtype == object
    assert got.tolist() == expected.tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(KEYS, max_size=30), st.lists(KEYS, max_size=8), st.sampled_from(["str", "object"]))
def test_isin_is_series_isin(values, among, dtype):
    series = pd.Series(values, dtype=dtype)
    got = isin(series, pd.Index(among, dtype=dtype))
    assert got.dtype == bool
    np.testing.assert_array_equal(got, series.isin(pd.Index(among, dtype=dtype)).to_numpy(dtype=bool))


def test_isin_other_types_take_pandas_path():
    assert isin(pd.Series([1, 2, 3]), [3, 1]).tolist() == [True, False, True]
    assert isin(pd.Index(["1", "2"]), [1]).tolist() == [False, False]  # text is never equal to a number
