"""The checker's contact log: its rows as the rules read them, and the selections they count.

The log is prepared once per :class:`~riskscore.policy.Checker`: each row's borrower (``b``, its
row of the borrowers table), UTC time ``t`` and the span of its local dates over the borrower's
candidate zones (``lo``, ``hi``). Selections (contacts, not events; of a channel, of outcomes,
outbound) are boolean masks found once; while the rules run on a few borrowers
(``Checker._violations``), a selection takes only their rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskscore.policy._clock import zone_days
from riskscore.schemas import EVENT_OUTCOMES, OPTIONAL_COLUMNS

__all__ = ["LogRows"]


def _ns(values: object) -> np.ndarray:
    """UTC nanoseconds of timestamps (tz-aware, or naive read as UTC)."""
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns").asi8


def _text(col: pd.Series, none: bool = True) -> object:
    """A text column of the log: as it is when it is already text (``str``), else as objects (``none``:
    with None for missing values), read as text where every value is one."""
    if col.dtype == "str":
        return col.array
    return (col.astype(object).where(col.notna(), None) if none else col).to_numpy(dtype=object)


def _rows_of(index: pd.Index, ids: pd.Series) -> np.ndarray:
    """Each id's position in the (unique) ``index``, -1 for none: by Arrow's hash lookup when both are
    text, else with the distinct ids looked up once (a log names each borrower many times)."""
    if isinstance(ids.dtype, pd.StringDtype) and isinstance(index.dtype, pd.StringDtype) and index.is_unique:
        text = pa.large_string()
        found = pc.index_in(pa.chunked_array([pa.array(ids.array, type=text)]),
                            value_set=pa.array(index.array, type=text))
        return found.fill_null(-1).to_numpy().astype(np.int64)
    codes, uniques = pd.factorize(ids)
    return np.r_[index.get_indexer(uniques), -1][codes]


class LogRows:
    """The prepared log and its selections (mixed into the Checker)."""

    borrowers: pd.DataFrame
    zones: pd.Series
    _log: pd.DataFrame
    _cache: dict
    _focus: np.ndarray | None = None
    _focus_at: np.ndarray | None = None

    def _prepare_log(self, contacts: pd.DataFrame | None) -> pd.DataFrame:
        cols = ["b", "channel", "outcome", "direction", "loan_id", "destination", "t", "lo", "hi"]
        if contacts is None or len(contacts) == 0:
            return pd.DataFrame({c: pd.Series(dtype=object if c in ("channel", "outcome", "direction", "loan_id",
                                                                   "destination") else np.int64) for c in cols})
        b = _rows_of(self.borrowers.index, contacts["borrower_id"])
        c = contacts if (b >= 0).all() else contacts.loc[b >= 0]
        missing = {col: default for col, default in OPTIONAL_COLUMNS["contacts"].items() if col not in c}
        if missing:
            c = c.assign(**missing)
        out = pd.DataFrame({"b": b[b >= 0].astype(np.int64), "channel": c["channel"].array,
                            "outcome": c["outcome"].array, "direction": c["direction"].array,
                            "loan_id": _text(c["loan_id"], none=False), "destination": _text(c["destination"]),
                            "t": _ns(c["contacted_at"])})
        codes, sets = pd.factorize(self.zones.to_numpy(dtype=object))  # per borrower: a few distinct sets
        out["lo"], out["hi"] = zone_days(out["t"].to_numpy(), None, (codes[out["b"].to_numpy()], sets))
        return out

    def _log_events(self, *, channel: str | None = None, outcomes: Iterable[str] | None = None,
                    outbound: bool = True) -> pd.DataFrame:
        focus = getattr(self, "_focus", None)
        if focus is not None:  # a few borrowers: their rows only, without taking every selected row first
            rows = self._focus_rows()
            return self._log.iloc[rows[self._log_mask(channel, outcomes, outbound)[rows]]]
        key = ("events", channel, None if outcomes is None else tuple(outcomes), outbound)
        if key not in self._cache:
            self._cache[key] = self._select(channel, outcomes, outbound)
        return self._cache[key]

    def _log_spans(self, *, channel: str | None = None, outcomes: Iterable[str] | None = None,
                   outbound: bool = True) -> dict[str, np.ndarray]:
        """The borrower and local date span (``b``, ``lo``, ``hi``) of the rows :meth:`_log_events`
        selects, as arrays: what the count rules read, without taking the rows' other columns."""
        mask = self._log_mask(channel, outcomes, outbound)
        if getattr(self, "_focus", None) is not None:
            rows = self._focus_rows()
            rows = rows[mask[rows]]
        else:
            key = ("rows", channel, None if outcomes is None else tuple(outcomes), outbound)
            if key not in self._cache:
                self._cache[key] = np.flatnonzero(mask)
            rows = self._cache[key]
        if "log-spans" not in self._cache:
            self._cache["log-spans"] = {k: self._log[k].to_numpy(np.int64) for k in ("b", "lo", "hi")}
        return {k: v[rows] for k, v in self._cache["log-spans"].items()}

    def _log_b(self) -> np.ndarray:
        if "log-b" not in self._cache:
            self._cache["log-b"] = self._log["b"].to_numpy(np.int64)
        return self._cache["log-b"]

    def _focus_rows(self) -> np.ndarray:
        """The positions of the focused borrowers' log rows (found once per :meth:`_violations` call)."""
        if self._focus_at is None:
            self._focus_at = np.flatnonzero(self._focus[self._log_b()])
        return self._focus_at

    def _focused(self, log: pd.DataFrame) -> pd.DataFrame:
        """The log rows of the borrowers the rules are running on (all of them outside :meth:`_violations`)."""
        focus = getattr(self, "_focus", None)
        if focus is None:
            return log
        if log is self._log:
            return log.iloc[self._focus_rows()]
        return log.loc[focus[log["b"].to_numpy()]]

    def _select(self, channel: str | None, outcomes: Iterable[str] | None, outbound: bool) -> pd.DataFrame:
        return self._log.loc[self._log_mask(channel, outcomes, outbound)]

    def _log_mask(self, channel: str | None, outcomes: Iterable[str] | None, outbound: bool) -> np.ndarray:
        """Which log rows :meth:`_log_events` selects (contacts, not events; of the channel, outcomes
        and direction), as a boolean array (found once per selection)."""
        key = ("mask", channel, None if outcomes is None else tuple(outcomes), outbound)
        if key not in self._cache:
            log = self._log

            def part(name: str, make: object) -> np.ndarray:  # the masks' factors, each found once
                if ("mask-part", name) not in self._cache:
                    self._cache[("mask-part", name)] = np.asarray(make(), dtype=bool)
                return self._cache[("mask-part", name)]

            keep = part("contact", lambda: ~log["outcome"].isin(EVENT_OUTCOMES).to_numpy(dtype=bool))
            if channel is not None:
                keep = keep & part(f"channel {channel}", lambda: (log["channel"] == channel).to_numpy(dtype=bool))
            if outcomes is not None:
                keep = keep & log["outcome"].isin(list(outcomes)).to_numpy(dtype=bool)
            if outbound:
                keep = keep & part("outbound", lambda: (log["direction"] == "outbound").to_numpy(dtype=bool))
            self._cache[key] = keep
        return self._cache[key]
