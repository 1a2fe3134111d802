"""Array helpers of the checker: day-span counting per group, distinct tuples, day and time text."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["count_in", "count_overlaps", "date_text", "distinct", "factorize_rows", "groups", "hm",
           "ns_of", "objects", "overlap_keys", "text_take", "utc_now", "utc_times"]

_SHIFT = 1 << 20  # day numbers fit in 20 bits; keys are group * _SHIFT + day
_OFF = 1 << 19
_SMALL = 1 << 24  # codes below this are used as they are by groups()


def hm(minutes: int) -> str:
    """Minutes of the day as ``HH:MM``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def date_text(day: int) -> str:
    """A day number (days since 1970-01-01) as ``YYYY-MM-DD``."""
    return str((np.datetime64(0, "D") + int(day)).astype("datetime64[D]"))


def count_overlaps(ev_group: np.ndarray, ev_lo: np.ndarray, ev_hi: np.ndarray,
                   q_group: np.ndarray, q_lo: np.ndarray, q_hi: np.ndarray) -> np.ndarray:
    """For each query, the events of its group whose day span meets ``[q_lo, q_hi]``.

    Two sorted searches: events that started by ``q_hi`` minus those that ended before ``q_lo``.

    Examples
    --------
    >>> g = np.array([0, 0, 0, 1])
    >>> count_overlaps(g, np.array([1, 5, 9, 5]), np.array([2, 5, 10, 5]),
    ...                np.array([0, 1]), np.array([2, 6]), np.array([9, 9])).tolist()
    [3, 0]
    """
    if len(ev_group) == 0 or len(q_group) == 0:
        return np.zeros(len(q_group), dtype=np.int64)
    return count_in(*overlap_keys(ev_group, ev_lo, ev_hi), q_group, q_lo, q_hi)


def overlap_keys(ev_group: np.ndarray, ev_lo: np.ndarray, ev_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted keys :func:`count_in` searches: (group, first day) and (group, last day) of each event."""
    return np.sort(ev_group * _SHIFT + ev_lo + _OFF), np.sort(ev_group * _SHIFT + ev_hi + _OFF)


def count_in(kmin: np.ndarray, kmax: np.ndarray, q_group: np.ndarray, q_lo: np.ndarray,
             q_hi: np.ndarray) -> np.ndarray:
    """:func:`count_overlaps` over events already keyed by :func:`overlap_keys` (sort once, count often)."""
    base = q_group * _SHIFT
    started = np.searchsorted(kmin, base + q_hi + _OFF, "right") - np.searchsorted(kmin, base, "left")
    ended = np.searchsorted(kmax, base + q_lo + _OFF, "left") - np.searchsorted(kmax, base, "left")
    return started - ended


def groups(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the code of its combination of ``codes`` (integer arrays); per combination, its first row.

    Examples
    --------
    >>> key, first = groups(np.array([5, 5, 7, 5]), np.array([1, 1, 1, 2]))
    >>> key.tolist(), first.tolist()
    ([0, 0, 1, 2], [0, 2, 3])
    """
    # each column as small non-negative codes (as they are when they already are: codes of few values),
    # mixed into one key while it fits, and numbered in order of first appearance once at the end
    key, size = np.zeros(len(codes[0]), dtype=np.int64), 1
    for c in codes:
        c = np.asarray(c, dtype=np.int64)
        if len(c) and c.min() >= 0 and c.max() < _SMALL:
            dense, m = c, int(c.max()) + 1
        else:
            dense, uniques = pd.factorize(c)
            m = len(uniques)
        if size * m >= 1 << 62:  # the key would overflow: renumber it first
            key, uniques = pd.factorize(key)
            size = len(uniques)
        key, size = key * max(m, 1) + dense, size * max(m, 1)
    key = pd.factorize(key)[0].astype(np.int64)
    first = np.full(int(key.max()) + 1 if len(key) else 0, len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key)))
    return key, first


def factorize_rows(*cols: object) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the distinct rows across columns (missing values are values), and those rows, in
    order of first appearance (a MultiIndex's factorize without building its tuples).

    Examples
    --------
    >>> factorize_rows(pd.Series(["a", "b", "a"]), pd.Series([None, "x", None], dtype=object))
    (array([0, 1, 0]), [('a', None), ('b', 'x')])
    """
    # each column factorized as it is (text columns natively), its values read as objects at the first rows
    series = [col if isinstance(col, pd.Series) else pd.Series(col) for col in cols]
    if not len(series[0]):
        return np.zeros(0, dtype=np.int64), []
    key, first = groups(*(pd.factorize(s, use_na_sentinel=False)[0] for s in series))
    values = [s.iloc[first].to_numpy(dtype=object) for s in series]
    return key, [tuple(v[k] for v in values) for k in range(len(first))]


def distinct(*cols: object) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the distinct tuples across columns, and those tuples (cheaper than a MultiIndex)."""
    key = None
    arrays = [np.asarray(col, dtype=object) for col in cols]
    for arr in arrays:
        codes, uniques = pd.factorize(arr, use_na_sentinel=False)
        key = codes.astype(np.int64) if key is None else key * (len(uniques) + 1) + codes
    if key is None or len(key) == 0:
        return np.zeros(0, dtype=np.int64), []
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.ravel(), [tuple(arr[i] for arr in arrays) for i in first]


def joined(keys: object, texts: object, index: object, sep: str = "; ") -> np.ndarray:
    """Per key of ``index``: its ``texts`` joined by ``sep`` in their order ("" for a key without any).

    What ``Series(texts).groupby(keys).agg(sep.join).reindex(index).fillna("")`` gives, without
    pandas' per-group Python aggregation (about 30x slower on many small groups).

    >>> joined(["b", "a", "b", None], ["x", "y", "z", "w"], ["a", "b", "c"]).tolist()
    ['y', 'x; z', '']
    """
    out = np.full(len(index), "", dtype=object)  # type: ignore[arg-type]
    key_codes, uniques = pd.factorize(np.asarray(keys, dtype=object))  # a missing key: -1, left out
    keep = np.flatnonzero(key_codes >= 0)
    if not len(keep):
        return out
    order = keep[np.argsort(key_codes[keep], kind="stable")]
    ordered = np.asarray(texts, dtype=object)[order].tolist()
    cut = np.flatnonzero(np.diff(key_codes[order])) + 1
    starts, ends = np.r_[0, cut].tolist(), np.r_[cut, len(order)].tolist()
    text = [sep.join(ordered[s:e]) for s, e in zip(starts, ends, strict=True)]
    where = pd.Index(uniques).get_indexer(pd.Index(index))
    found = where >= 0
    out[found] = np.asarray(text, dtype=object)[where[found]]
    return out


def objects(items: list) -> np.ndarray:
    """A 1-d object array of arbitrary items (tuples stay items, not rows)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def text_take(values: np.ndarray, codes: np.ndarray) -> object:
    """``values[codes]`` (text or None; code -1: None) as pandas makes such an object column when it
    is assigned to a frame: its text dtype, made once per distinct value rather than per row; an
    object array when no value taken is text.

    Examples
    --------
    >>> text_take(np.array(["a", None], dtype=object), np.array([0, 1, -1, 0])).tolist()
    ['a', nan, nan, 'a']
    >>> text_take(np.array(["a", None], dtype=object), np.array([1, -1])).tolist()
    [None, None]
    """
    values = np.asarray(values, dtype=object)
    codes = np.asarray(codes, dtype=np.int64)
    used = np.zeros(len(values), dtype=bool)
    used[codes[codes >= 0]] = True
    if not any(isinstance(v, str) for v in values[used]):
        return np.full(len(codes), None, dtype=object)
    return pd.array(values, dtype="str").take(codes, allow_fill=True)


def ns_of(column: pd.Series) -> np.ndarray:
    """UTC nanoseconds of a tz-aware datetime column."""
    return pd.DatetimeIndex(column).as_unit("ns").asi8


def utc_times(ns: np.ndarray) -> pd.DatetimeIndex:
    """UTC nanoseconds as UTC times: ``pd.to_datetime(ns, utc=True)`` without parsing each number.

    Examples
    --------
    >>> utc_times(np.array([0, 86_400 * 10**9])).strftime("%Y-%m-%d %H:%M %Z").tolist()
    ['1970-01-01 00:00 UTC', '1970-01-02 00:00 UTC']
    """
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize("UTC")


def utc_now(now: object) -> pd.Timestamp:
    """``now`` as a UTC timestamp in nanoseconds (the current minute when None); naive times are refused."""
    if now is None:
        return pd.Timestamp.now(tz="UTC").floor("min")
    ts = pd.Timestamp(now)
    if ts.tzinfo is None:
        raise ValueError(f"now must be time zone-aware (e.g. '2026-11-23T09:00Z'), got {now!r}")
    return ts.tz_convert("UTC").as_unit("ns")
