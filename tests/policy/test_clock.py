"""Local clocks: the per-hour offsets of many instants are pandas' conversion of each instant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.policy._clock import _PER_HOUR_FROM, DAY_NS, MINUTE_NS, _wall_ns, local_ns, zone_days
from riskscore.policy._planner import ContactPolicy

# daylight saving (both hemispheres, a 30-minute change), half- and quarter-hour offsets, none
ZONES = ["America/New_York", "Europe/Dublin", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns",
         "Asia/Kathmandu", "Asia/Shanghai", "America/Santiago"]
YEAR = pd.Timestamp("2026-01-01", tz="UTC").value


def _instants(seed: int) -> np.ndarray:
    """A year of instants every 7 minutes at odd seconds, and each change of offset's neighbours."""
    rng = np.random.default_rng(seed)
    grid = np.arange(YEAR, YEAR + 365 * DAY_NS, 7 * MINUTE_NS) + rng.integers(0, 60 * 10**9, 1)
    hours = np.arange(YEAR, YEAR + 365 * DAY_NS, 3600 * 10**9)
    return np.r_[grid, hours - 1, hours, hours + 1, hours + 30 * MINUTE_NS]


@pytest.mark.parametrize("zone", ZONES)
def test_local_clock_per_hour_is_each_instants_own(zone):
    t = _instants(1)
    assert len(t) >= _PER_HOUR_FROM  # the per-hour path
    assert (local_ns(t, zone) == _wall_ns(t, zone)).all()
    few = t[:_PER_HOUR_FROM - 1]  # each instant converted by itself
    assert (local_ns(few, zone) == _wall_ns(few, zone)).all()


def test_zone_days_of_many_instants_are_those_of_few():
    t = _instants(2)
    sets = [("America/New_York",), ("Asia/Shanghai", "Australia/Lord_Howe"), ("Europe/Dublin", "Pacific/Chatham"),
            ("America/St_Johns", "America/Santiago", "Asia/Kathmandu")]
    codes = np.random.default_rng(3).integers(-1, len(sets), len(t))  # -1: no zone set (the span stays empty)
    lo, hi = zone_days(t, None, (codes, sets))
    parts = [zone_days(t[i:i + 1000], None, (codes[i:i + 1000], sets)) for i in range(0, len(t), 1000)]
    assert (lo == np.concatenate([p[0] for p in parts])).all()
    assert (hi == np.concatenate([p[1] for p in parts])).all()
    assert (lo[codes == 3] < hi[codes == 3]).any() and (lo[codes == -1] > hi[codes == -1]).all()


def test_window_text_is_strftimes():
    rng = np.random.default_rng(4)
    zones = np.empty(300, dtype=object)
    for i in range(300):
        zs = tuple(sorted(set(rng.choice(ZONES, rng.integers(1, 3)))))
        zones[i] = (zs[rng.integers(len(zs))], zs)
    t0 = YEAR + rng.integers(0, 365 * 1440, 300) * MINUTE_NS
    t1 = t0 + rng.integers(1, 600, 300) * MINUTE_NS
    start, end, text = ContactPolicy._window_text(zones, t0, t1)
    for i in range(300):
        primary, all_zones = zones[i]
        a, b = pd.Timestamp(t0[i], tz="UTC"), pd.Timestamp(t1[i], tz="UTC")
        assert start[i] == a.tz_convert(primary).strftime("%Y-%m-%d %H:%M")
        assert end[i] == b.tz_convert(primary).strftime("%Y-%m-%d %H:%M")
        assert text[i] == "; ".join(f"{z} " + a.tz_convert(z).strftime("%a %Y-%m-%d %H:%M") + "-"
                                    + b.tz_convert(z).strftime("%H:%M") for z in sorted(all_zones))
