"""The counting rules of the checker: calls per person (and debt), quiet periods, daily calls, caps.

Counts use calendar days in local time: an event counts in a window if any of its candidate
local dates falls in it, and "N days" is the rolling window of N local dates ending on the
step's. Planned steps count like logged ones; a planned call counts as a placed call, a possible
conversation and a possibly effective call. ``not_connected`` calls are not counted calls
(12 CFR 1006.14(b)(3)(ii)) but are dial attempts; inbound calls are never counted calls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.policy._arrays import count_overlaps, date_text
from riskscore.policy._clock import MINUTE_NS
from riskscore.policy._profile import Rule
from riskscore.schemas import EVENT_OUTCOMES

__all__ = ["CONVERSATIONS", "CountRules"]

#: Call outcomes that are telephone conversations (whoever called).
CONVERSATIONS = ("conversation", "promise_to_pay", "refused")
_VIOLATION_COLUMNS = ["borrower_id", "step", "rule_id", "why"]
_NONE = pd.DataFrame({k: pd.Series(dtype=object if k != "step" else np.int64) for k in _VIOLATION_COLUMNS})


class CountRules:
    """The ``call_frequency``, ``conversation_quiet``, ``daily_calls`` and ``channel_caps`` checks
    (mixed into the Checker)."""

    _log: pd.DataFrame  # the Checker's prepared log; its ``_log_events`` selects from it

    @staticmethod
    def _events(log: pd.DataFrame | dict, planned: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(np.concatenate([np.asarray(log[k], dtype=np.int64), planned[k].to_numpy(np.int64)])
                     for k in ("b", "lo", "hi"))

    def _call_frequency(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        p = rule.params
        calls = c.loc[c["channel"] == "call"]
        if not len(calls):  # no call to judge: the log is not read
            return _NONE
        log = self._log_events(channel="call", outcomes=p["counted"])
        q_b, q_lo, q_hi = calls["b"].to_numpy(), calls["lo"].to_numpy() - p["days"] + 1, calls["hi"].to_numpy()
        if p["unit"] == "person":
            n = count_overlaps(*self._events(log, calls), q_b, q_lo, q_hi)
        else:  # per debt: a log row without loan_id, or a planned call without loan_ids, is about every debt
            loans = [split_ids(v) for v in calls["loan_ids"]]
            ev = _keyed(log, "loan_id", calls, loans)
            n = keyed_counts(*ev, q_b, loans, q_lo, q_hi)
        bad = n > p["max_calls"]
        unit = "person and debt" if p["unit"] == "person_x_debt" else "person"
        why = [f"{k} counted calls (this one included) in the {p['days']} days to {date_text(d)}; the limit is "
               f"{p['max_calls']} per {unit}" for k, d in zip(n[bad], q_hi[bad], strict=True)]
        return self._hits(calls, bad, rule.id, why)

    def _earlier_pairs(self, steps: pd.DataFrame) -> pd.DataFrame:
        """Pairs (earlier, later) of steps of one borrower, in window order."""
        x = steps[["borrower_id", "step", "t0", "t1", "lo", "hi", "destination"]].reset_index(drop=True)
        x["pos"] = np.arange(len(x))
        m = x.merge(x, on="borrower_id", suffixes=("_a", "_b"))
        first = (m["t0_a"] < m["t0_b"]) | ((m["t0_a"] == m["t0_b"]) & (m["step_a"] < m["step_b"]))
        return m.loc[first]

    def _conversation_quiet(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        days = rule.params["days"]
        calls = c.loc[c["channel"] == "call"]
        if not len(calls):  # no call to judge: the log is not read
            return _NONE
        log = self._focused(self._log)
        talk = log["outcome"].isin(CONVERSATIONS)
        if rule.params["any_inbound_call"]:  # the protective reading: the borrower called, answered or not
            talk |= (log["direction"] == "inbound") & ~log["outcome"].isin(("wrong_party", *EVENT_OUTCOMES))
        conv = log.loc[(log["channel"] == "call") & talk]
        n = count_overlaps(conv["b"].to_numpy(), conv["lo"].to_numpy(), conv["hi"].to_numpy(), calls["b"].to_numpy(),
                   calls["lo"].to_numpy() - days + 1, calls["hi"].to_numpy())
        bad = n > 0
        out = [self._hits(calls, bad, rule.id, [f"a telephone conversation in the {days} days before "
                                                f"{date_text(d)}: no call until {days} days after it"
                                                for d in calls["lo"].to_numpy()[bad]])]
        pairs = self._earlier_pairs(calls)
        clash = pairs.loc[pairs["lo_b"] - pairs["hi_a"] < days]
        out.append(pd.DataFrame({"borrower_id": clash["borrower_id"], "step": clash["step_b"], "rule_id": rule.id,
                                 "why": [f"planned call (step {a}) may become a conversation less than {days} days "
                                         "before this call" for a in clash["step_a"]]}))
        return pd.concat(out, ignore_index=True).drop_duplicates(["borrower_id", "step"])

    def _daily_calls(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        p = rule.params
        calls = c.loc[c["channel"] == "call"]
        if not len(calls):  # no call to judge: the log is not read
            return _NONE
        q = (calls["b"].to_numpy(), calls["lo"].to_numpy(), calls["hi"].to_numpy())
        per_number = p["unit"] == "destination"
        numbers = [(d,) if isinstance(d, str) else None for d in calls["destination"]]
        unit = "number" if per_number else "person"
        out = []
        for param, outcomes, what in (("max_attempts", None, "call attempts"),
                                      ("max_effective", CONVERSATIONS, "possibly effective calls")):
            if p[param] is None:
                continue
            log = self._log_events(channel="call", outcomes=outcomes)
            if per_number:  # a row or call naming no number counts for every number of the borrower
                n = keyed_counts(*_keyed(log, "destination", calls, numbers), q[0], numbers, q[1], q[2])
            else:
                n = count_overlaps(*self._events(log, calls), *q)
            bad = n > p[param]
            out.append(self._hits(calls, bad, rule.id, [f"{k} {what} (this one included) on {date_text(d)}; the limit "
                                                        f"is {p[param]} a day per {unit}"
                                                        for k, d in zip(n[bad], q[2][bad], strict=True)]))
        gap = p["min_gap_minutes"]
        if gap:
            near = _near(self._log_events(channel="call"), calls, gap * MINUTE_NS, per_number)
            out.append(self._hits(calls, near, rule.id, [f"a logged call less than {gap} minutes from the window"
                                                         + (" (same number)" if per_number else "")]
                                  * int(near.sum())))
            pairs = self._earlier_pairs(calls)
            clash = pairs["t0_b"] < pairs["t1_a"] + gap * MINUTE_NS
            if per_number:
                clash &= pairs["destination_a"].isna() | pairs["destination_b"].isna() | (
                    pairs["destination_a"] == pairs["destination_b"])
            clash = pairs.loc[clash]
            out.append(pd.DataFrame({"borrower_id": clash["borrower_id"], "step": clash["step_b"], "rule_id": rule.id,
                                     "why": [f"planned call (step {a}) less than {gap} minutes before this window"
                                             for a in clash["step_a"]]}))
        return pd.concat(out, ignore_index=True).drop_duplicates(["borrower_id", "step"]) if out else \
            pd.DataFrame(columns=_VIOLATION_COLUMNS)

    def _channel_caps(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        if not len(c):  # no contact step to judge: the log is not read
            return _NONE
        out = []
        for period, days in (("per_day", 1), ("per_week", 7), ("per_month", rule.params["month_days"])):
            for key, cap in rule.params[period].items():
                steps = c if key == "all" else c.loc[c["channel"] == key]
                log = self._log_spans(channel=None if key == "all" else key)
                n = count_overlaps(*self._events(log, steps), steps["b"].to_numpy(), steps["lo"].to_numpy() - days + 1,
                           steps["hi"].to_numpy())
                bad = n > cap
                what = "contacts" if key == "all" else f"{key} contacts"
                out.append(self._hits(steps, bad, rule.id, [f"{k} {what} (this one included) in the {days} day(s) "
                                                            f"to {date_text(d)}; the cap is {cap}"
                                                            for k, d in zip(n[bad], steps["hi"][bad], strict=True)]))
        return pd.concat(out, ignore_index=True).drop_duplicates(["borrower_id", "step"]) if out else \
            pd.DataFrame(columns=_VIOLATION_COLUMNS)


def split_ids(value: object) -> tuple[str, ...] | None:
    """A ``loan_ids`` cell as a tuple of ids; None (every debt) for a missing or empty cell.

    Examples
    --------
    >>> split_ids("L1, L2"), split_ids(None)
    (('L1', 'L2'), None)
    """
    if not isinstance(value, str):
        return None
    ids = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    return ids or None


def _keyed(log: pd.DataFrame, column: str, planned: pd.DataFrame, keys: list[tuple[str, ...] | None]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Events (b, key or None, lo, hi): the log's rows keyed by ``column``, and the planned steps,
    one event per key they name (one unkeyed event when they name none)."""
    reps = np.array([len(k) if k else 1 for k in keys], dtype=np.int64)
    planned_keys = [x for k in keys for x in (k if k else (None,))]
    b = np.concatenate([log["b"].to_numpy(np.int64), np.repeat(planned["b"].to_numpy(np.int64), reps)])
    logged = log[column].to_numpy(dtype=object)
    key = np.concatenate([np.where(pd.isna(logged), None, logged), np.array(planned_keys, dtype=object)])
    lo = np.concatenate([log["lo"].to_numpy(np.int64), np.repeat(planned["lo"].to_numpy(np.int64), reps)])
    hi = np.concatenate([log["hi"].to_numpy(np.int64), np.repeat(planned["hi"].to_numpy(np.int64), reps)])
    return b, key, lo, hi


def keyed_counts(ev_b: np.ndarray, ev_key: np.ndarray, ev_lo: np.ndarray, ev_hi: np.ndarray, q_b: np.ndarray,
                 q_keys: list[tuple[str, ...] | None], q_lo: np.ndarray, q_hi: np.ndarray) -> np.ndarray:
    """Per query, the events of its borrower in its day span, counted per key (debt, number): the
    events naming no key, plus the most of any one key the query concerns (any key of the
    borrower when the query names none).

    Examples
    --------
    >>> b = np.zeros(4, dtype=np.int64)
    >>> keys = np.array([None, "L1", "L1", "L2"], dtype=object)
    >>> keyed_counts(b, keys, np.zeros(4, np.int64), np.zeros(4, np.int64), np.zeros(3, np.int64),
    ...              [("L2",), None, ("L3",)], np.zeros(3, np.int64), np.zeros(3, np.int64)).tolist()
    [2, 3, 1]
    """
    none = pd.isna(ev_key)
    n = count_overlaps(ev_b[none], ev_lo[none], ev_hi[none], q_b, q_lo, q_hi)
    one = ~none
    if not one.any() or not len(q_b):
        return n
    code, pairs = pd.factorize(pd.MultiIndex.from_arrays([ev_b[one], ev_key[one]]))
    pair_b = pairs.get_level_values(0).to_numpy(np.int64)
    pair_k = pairs.get_level_values(1).to_numpy(dtype=object)
    order = np.argsort(pair_b, kind="stable")
    first = np.searchsorted(pair_b[order], q_b, "left")
    last = np.searchsorted(pair_b[order], q_b, "right")
    qi = np.repeat(np.arange(len(q_b)), last - first)
    pc = order[np.concatenate([np.arange(a, z) for a, z in zip(first, last, strict=True)])] \
        if len(qi) else np.empty(0, dtype=np.int64)
    if any(k is not None for k in q_keys):  # a query about some keys looks at those only
        keep = np.fromiter((q_keys[i] is None or pair_k[j] in q_keys[i] for i, j in zip(qi, pc, strict=True)),
                           dtype=bool, count=len(qi))
        qi, pc = qi[keep], pc[keep]
    k = count_overlaps(code.astype(np.int64), ev_lo[one], ev_hi[one], pc.astype(np.int64), q_lo[qi], q_hi[qi])
    best = np.zeros(len(q_b), dtype=np.int64)
    np.maximum.at(best, qi, k)
    return n + best


def _near(log: pd.DataFrame, calls: pd.DataFrame, gap_ns: int, per_number: bool) -> np.ndarray:
    """Whether a logged call lies within ``gap_ns`` of each planned call's window: any call of the
    borrower, or (``per_number``) one to the same number or to no named number."""
    def hits(ev_group: np.ndarray, ev_t: np.ndarray, q_group: np.ndarray, rows: np.ndarray) -> np.ndarray:
        key = np.sort(ev_group.astype(np.int64) * (1 << 34) + ev_t // 10**9)
        base = q_group.astype(np.int64) * (1 << 34)
        lo = base + (calls["t0"].to_numpy()[rows] - gap_ns) // 10**9
        hi = base + (calls["t1"].to_numpy()[rows] + gap_ns) // 10**9
        return np.searchsorted(key, hi, "left") - np.searchsorted(key, lo, "right") > 0

    b, t = log["b"].to_numpy(np.int64), log["t"].to_numpy()
    named = calls["destination"].notna().to_numpy() if per_number else np.zeros(len(calls), dtype=bool)
    near = np.zeros(len(calls), dtype=bool)
    rows = np.flatnonzero(~named)
    near[rows] = hits(b, t, calls["b"].to_numpy()[rows], rows)
    rows = np.flatnonzero(named)
    if len(rows):
        unnamed = log["destination"].isna().to_numpy()
        near[rows] = hits(b[unnamed], t[unnamed], calls["b"].to_numpy()[rows], rows)
        codes, _ = pd.factorize(pd.MultiIndex.from_arrays(
            [np.r_[b[~unnamed], calls["b"].to_numpy()[rows]],
             np.r_[log["destination"].to_numpy(dtype=object)[~unnamed],
                   calls["destination"].to_numpy(dtype=object)[rows]]]))
        k = int((~unnamed).sum())
        near[rows] |= hits(codes[:k], t[~unnamed], codes[k:], rows)
    return near
