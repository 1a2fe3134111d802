"""Local time for contact rules: candidate time zones, local dates and allowed UTC windows.

Every time check is made in *every* time zone a borrower may be in (the borrower's ``timezone``
plus its ``timezone_candidates``; 12 CFR 1006 comment 6(b)(1)(i)-2). A UTC instant has one local
date per zone; count rules use the span of those dates (the earliest and the latest), so a contact
counts in every window it could belong to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from riskscore.policy._arrays import factorize_rows
from riskscore.schemas import parse_channels, parse_hours

__all__ = ["DAY_NS", "MINUTE_NS", "allowed_pieces", "candidate_zones", "local_ns", "minutes_of_day", "zone_days"]

DAY_NS = 86_400 * 10**9
HOUR_NS = 3600 * 10**9
MINUTE_NS = 60 * 10**9
_PER_HOUR_FROM = 2048  # instants from which local_ns finds the offset per hour
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def candidate_zones(borrowers: pd.DataFrame) -> pd.Series:
    """The time zones each borrower may be in, as a sorted tuple, indexed by ``borrower_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"borrower_id": ["a"], "timezone": ["America/New_York"],
    ...                   "timezone_candidates": ["America/Los_Angeles"]})
    >>> candidate_zones(b).loc["a"]
    ('America/Los_Angeles', 'America/New_York')
    """
    extra = borrowers["timezone_candidates"] if "timezone_candidates" in borrowers else pd.Series(
        "", index=borrowers.index)
    codes, uniques = factorize_rows(borrowers["timezone"], extra.fillna(""))
    sets = np.empty(len(uniques), dtype=object)
    for i, (tz, more) in enumerate(uniques):
        sets[i] = tuple(sorted({tz, *parse_channels(more)}))
    return pd.Series(sets[codes], index=pd.Index(borrowers["borrower_id"], name="borrower_id"), dtype=object)


def local_ns(utc_ns: np.ndarray, zone: str) -> np.ndarray:
    """Wall-clock time in ``zone`` of UTC instants, as int64 nanoseconds since the local epoch.

    Many instants over few hours (a contact log, a grid of minutes) take the UTC offset of their
    hour, found once per hour: where the offset at an hour's first and last instant agree it holds
    for the whole hour (a zone never changes its offset twice within an hour); the instants of an
    hour where it changes are converted one by one.
    """
    utc_ns = np.asarray(utc_ns, dtype=np.int64)
    if len(utc_ns) == 0:
        return np.empty(0, dtype=np.int64)
    hours = _hours(utc_ns)
    if hours is None:
        return _wall_ns(utc_ns, zone)
    k, first, last = hours
    offset, odd = (x[0][k] for x in _hourly_offsets([zone], first, last))
    if odd.any():
        offset[odd] = _wall_ns(utc_ns[odd], zone) - utc_ns[odd]
    return utc_ns + offset


def _hours(utc_ns: np.ndarray) -> tuple[np.ndarray, int, int] | None:
    """Each instant's hour (from the first), the first and the last hour; None when the instants
    are few or spread over many hours (then each is converted by itself)."""
    if len(utc_ns) < _PER_HOUR_FROM:
        return None
    hour = utc_ns // HOUR_NS
    first, last = int(hour.min()), int(hour.max())
    if last - first >= len(utc_ns) // 4:
        return None
    return hour - first, first, last


def _hourly_offsets(zones: Sequence[str], first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Per zone and hour from ``first`` to ``last``: the UTC offset (ns) at the hour's first instant,
    and whether it changes within the hour (then the offset of an instant is its own)."""
    starts = np.arange(first, last + 1, dtype=np.int64) * HOUR_NS
    ends = starts + (HOUR_NS - 1)
    offset = np.empty((len(zones), len(starts)), dtype=np.int64)
    odd = np.empty((len(zones), len(starts)), dtype=bool)
    for i, zone in enumerate(zones):
        offset[i] = _wall_ns(starts, zone) - starts
        odd[i] = (_wall_ns(ends, zone) - ends) != offset[i]
    return offset, odd


def _wall_ns(utc_ns: np.ndarray, zone: str) -> np.ndarray:
    """:func:`local_ns` of each instant, by pandas' conversion."""
    idx = pd.DatetimeIndex(np.asarray(utc_ns, dtype="datetime64[ns]")).tz_localize("UTC").tz_convert(zone)
    return idx.tz_localize(None).asi8


def _by_zone(zone_sets: Sequence[tuple[str, ...]] | None,
             coded: tuple[np.ndarray, Sequence[tuple[str, ...]]] | None = None) -> dict[str, np.ndarray]:
    """Row positions per zone, for rows whose zone set contains it (``coded``: the rows' codes of their
    zone sets and the distinct sets, when known)."""
    codes, uniques = coded if coded is not None else pd.factorize(pd.Series(list(zone_sets), dtype=object))
    rows: dict[str, list[np.ndarray]] = {}
    order = np.argsort(codes)  # the rows of a set in any order: each row's days are its own
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    for k, zones in enumerate(uniques):
        members = order[bounds[k]:bounds[k + 1]]
        for z in zones:
            rows.setdefault(z, []).append(members)
    return {z: np.concatenate(parts) for z, parts in rows.items()}


def zone_days(utc_ns: np.ndarray, zone_sets: Sequence[tuple[str, ...]] | None,
              coded: tuple[np.ndarray, Sequence[tuple[str, ...]]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest local date (days since 1970-01-01) of each instant over its zones (or
    over the zone sets ``coded`` gives: each instant's code and the distinct sets).

    Examples
    --------
    >>> t = pd.Timestamp("2026-03-01 03:00", tz="UTC").value
    >>> lo, hi = zone_days(np.array([t]), [("America/New_York", "Asia/Shanghai")])
    >>> [str(pd.Timestamp(d, unit="D").date()) for d in (lo[0], hi[0])]
    ['2026-02-28', '2026-03-01']
    """
    utc_ns = np.asarray(utc_ns, dtype=np.int64)
    lo = np.full(len(utc_ns), np.iinfo(np.int64).max)
    hi = np.full(len(utc_ns), np.iinfo(np.int64).min)
    hours = _hours(utc_ns)
    if hours is not None:  # many instants over few hours: each zone's offsets per hour, gathered per set
        codes, uniques = coded if coded is not None else pd.factorize(pd.Series(list(zone_sets), dtype=object))
        names = sorted({z for zs in uniques for z in zs})
        at = {z: i for i, z in enumerate(names)}
        width = max([0, *map(len, uniques)])
        table = np.full((len(uniques) + 1, width), -1, dtype=np.int64)  # code -1 (no set): the last row, no zone
        for k, zs in enumerate(uniques):
            table[k, :len(zs)] = [at[z] for z in zs]
        k, first, last = hours
        offset, odd = _hourly_offsets(names, first, last)
        codes = np.asarray(codes, dtype=np.int64)
        for j in range(width):
            zone = table[codes, j]
            rows = np.flatnonzero(zone >= 0)
            zi, ki = zone[rows], k[rows]
            local = utc_ns[rows] + offset[zi, ki]
            changing = np.flatnonzero(odd[zi, ki])
            for z in np.unique(zi[changing]):  # an hour where the offset changes: those instants one by one
                one = changing[zi[changing] == z]
                local[one] = _wall_ns(utc_ns[rows[one]], names[z])
            day = local // DAY_NS
            lo[rows] = np.minimum(lo[rows], day)
            hi[rows] = np.maximum(hi[rows], day)
        return lo, hi
    for zone, rows in _by_zone(zone_sets, coded).items():
        day = local_ns(utc_ns[rows], zone) // DAY_NS
        lo[rows] = np.minimum(lo[rows], day)
        hi[rows] = np.maximum(hi[rows], day)
    return lo, hi


def minutes_of_day(hhmm: str) -> int:
    """``"HH:MM"`` (up to ``"24:00"``) as minutes after local midnight.

    Examples
    --------
    >>> minutes_of_day("21:30")
    1290
    """
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def weekday(day: np.ndarray) -> np.ndarray:
    """Weekday (Monday = 0) of day numbers since 1970-01-01."""
    return (np.asarray(day) + _EPOCH_WEEKDAY) % 7


def in_ranges(minute: np.ndarray, ranges: Iterable[tuple[int, int]]) -> np.ndarray:
    """Whether each minute of the day lies in one of the (start, end) ranges (an end before the
    start wraps past midnight)."""
    out = np.zeros(len(minute), dtype=bool)
    for a, b in ranges:
        out |= ((minute >= a) & (minute < b)) if a < b else ((minute >= a) | (minute < b))
    return out


def allowed_pieces(zones: tuple[str, ...], lo_ns: int, hi_ns: int, *, hours: tuple[int, int] | None,
                   inconvenient: str = "", blocked_weekdays: Iterable[int] = (),
                   holidays: Iterable[int] = (), cache: dict | None = None) -> list[tuple[int, int]]:
    """UTC intervals in ``[lo_ns, hi_ns)`` when contact is allowed in every zone, minute by minute.

    A piece never crosses a local midnight or a change of UTC offset in any zone, so it lies on
    one local date, at one offset, in each zone (what :func:`~riskscore.policy.check_plans`
    requires of a window).

    Parameters
    ----------
    zones : tuple of str
        Candidate IANA zones.
    lo_ns, hi_ns : int
        UTC bounds, nanoseconds since the epoch; ``lo_ns`` is rounded up to a whole minute.
    hours : (start, end) minutes of the local day, or None for the whole day.
    inconvenient : str
        The borrower's ``inconvenient_hours`` cell (local ranges, in every zone).
    blocked_weekdays : iterable of int
        Weekdays (Monday = 0) with no contact.
    holidays : iterable of int
        Local dates (days since 1970-01-01) with no contact.
    cache : dict, optional
        Keeps each zone's wall clock over the grid, and what follows from it alone, for the next call
        with the same bounds.

    Returns
    -------
    list of (start_ns, end_ns)

    Examples
    --------
    >>> lo = pd.Timestamp("2026-11-24 06:00", tz="UTC").value
    >>> pieces = allowed_pieces(("America/Los_Angeles", "America/New_York"), lo, lo + DAY_NS,
    ...                         hours=(8 * 60, 21 * 60))
    >>> [(str(pd.Timestamp(a, tz="UTC")), str(pd.Timestamp(b, tz="UTC"))) for a, b in pieces]
    [('2026-11-24 16:00:00+00:00', '2026-11-25 02:00:00+00:00')]
    """
    start = -(-lo_ns // MINUTE_NS) * MINUTE_NS
    if hi_ns <= start:
        return []
    grid = np.arange(start, hi_ns, MINUTE_NS, dtype=np.int64)
    ok = np.ones(len(grid), dtype=bool)
    cut = np.zeros(len(grid) - 1, dtype=bool)
    blocked_weekdays = np.fromiter(blocked_weekdays, dtype=np.int64)
    holidays = np.fromiter(holidays, dtype=np.int64)
    ranges = parse_hours(inconvenient)
    cache = {} if cache is None else cache
    for zone in zones:
        # what depends on the zone alone (its clock, the hours, the weekdays, where a date or the
        # offset changes) is found once per zone and reused by every borrower's signature
        key = ("parts", zone, start, hi_ns, hours, tuple(blocked_weekdays.tolist()))
        if key not in cache:
            local = cache.get((zone, start, hi_ns))
            if local is None:
                local = cache[(zone, start, hi_ns)] = local_ns(grid, zone)
            day, minute = local // DAY_NS, (local % DAY_NS) // MINUTE_NS
            base = ~np.isin(weekday(day), blocked_weekdays)
            if hours is not None:
                base &= (minute >= hours[0]) & (minute < hours[1])
            # a new piece starts wherever a local date or the offset changes in any zone
            cache[key] = day, minute, base, (np.diff(day) != 0) | (np.diff(local - grid) != 0)
        day, minute, base, zone_cut = cache[key]
        ok &= base
        if ranges:
            ok &= ~in_ranges(minute, ranges)
        if len(holidays):
            ok &= ~np.isin(day, holidays)
        cut |= zone_cut
    cut |= np.diff(ok.astype(np.int8)) != 0
    cuts = np.flatnonzero(cut) + 1
    pieces = []
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(grid)], strict=True):
        if b > a and ok[a]:
            pieces.append((int(grid[a]), int(grid[b - 1]) + MINUTE_NS))
    return pieces
