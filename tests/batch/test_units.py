"""The batch job's building blocks: the distinct sketch, the data date, capacity shares, output contracts."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from riskscore.batch._inputs import DistinctSketch, borrower_hash
from riskscore.batch._partition import infer_data_date
from riskscore.policy import split_capacity
from riskscore.schemas._checks import infer_data_date as table_data_date


def test_the_sketch_is_exact_below_k_and_close_above():
    ids = np.char.add("b", np.arange(50_000).astype(str))
    exact = DistinctSketch(k=100_000)
    approx = DistinctSketch()
    for part in np.array_split(ids, 7):
        h = borrower_hash(pd.Series(np.concatenate([part, part[:100]])))  # repeats do not count twice
        exact.add(h)
        approx.add(h)
    assert exact.estimate() == 50_000
    assert abs(approx.estimate() - 50_000) / 50_000 < 0.03  # relative standard error ~ 1 / sqrt(16384)


def test_borrower_hash_reads_ids_as_text():
    assert (borrower_hash(pa.array([123, None])) == borrower_hash(pd.Series(["123", None]))).all()
    assert (borrower_hash(pd.Series([7, 8])) == borrower_hash(pa.array(["7", "8"]))).all()
    assert borrower_hash(pd.Series(["a"]))[0] != borrower_hash(pd.Series(["b"]))[0]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=300), st.integers(0, 60))
@example([0] * 12 + [250], 0)  # found by the oldest-versions run
def test_the_data_date_from_a_day_histogram_is_the_whole_table_inference(days, tolerance):
    """Both are the 99.9th percentile linearly interpolated as pandas' quantile, in exact arithmetic: pandas'
    own float product put 12 days 0 and one day 250 at day 247 (pandas 3.0) while the histogram's put it at
    246.99999 (the day before); the reference here is exact."""
    dates = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"))
    today = pd.Timestamp("2031-01-01")
    ordered = sorted(days)
    pos = Fraction(999, 1000) * (len(ordered) - 1)
    lo, hi = ordered[int(pos)], ordered[min(int(pos) + 1, len(ordered) - 1)]
    exact = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(lo + (hi - lo) * (pos - int(pos))))  # floor: >= 0
    assert abs((dates.quantile(0.999) - exact) / pd.Timedelta(days=1)) < 1  # pandas' reading, up to its rounding
    want = min(exact + pd.Timedelta(days=tolerance), today)
    hist = Counter((dates.to_numpy("datetime64[D]").astype(np.int64)).tolist())
    assert infer_data_date(hist, tolerance, today) == want
    assert table_data_date(dates, tolerance) == min(want, pd.Timestamp.now().normalize())


@given(st.one_of(st.none(), st.integers(0, 10_000)), st.lists(st.floats(0, 1e6), min_size=1, max_size=40))
def test_capacity_shares_add_up(total, weights):
    shares = split_capacity(total, weights)
    assert len(shares) == len(weights)
    if total is None:
        assert shares == [None] * len(weights)
    else:
        assert sum(shares) == total and min(shares) >= 0

