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


class CountRules:
    """The ``call_frequency``, ``conversation_quiet``, ``daily_calls`` and ``channel_caps`` checks
    (mixed into the Checker)."""

    _log: pd.DataFrame  # the Checker's prepared log; its ``_log_events`` selects from it

    @staticmethod
    def _events(log: pd.DataFrame, planned: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(np.concatenate([log[k].to_numpy(np.int64), planned[k].to_numpy(np.int64)])
                     for k in ("b", "lo", "hi"))

    def _call_frequency(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        p = rule.params
        calls = c.loc[c["channel"] == "call"]
        log = self._log_events(channel="call", outcomes=p["counted"])
        q_b, q_lo, q_hi = calls["b"].to_numpy(), calls["lo"].to_numpy() - p["days"] + 1, calls["hi"].to_numpy()
        if p["unit"] == "person":
            n = count_overlaps(*self._events(log, calls), q_b, q_lo, q_hi)
        else:  # per debt: a row without loan_id and every planned call count for every debt
            every = log.loc[log["loan_id"].isna()]
            n = count_overlaps(*self._events(every, calls), q_b, q_lo, q_hi)
            one = log.loc[log["loan_id"].notna()]
            if len(one) and len(calls):
                code, pairs = pd.factorize(pd.MultiIndex.from_arrays([one["b"], one["loan_id"]]))
                pair_b = pairs.get_level_values(0).to_numpy(np.int64)
                order = np.argsort(pair_b, kind="stable")
                first = np.searchsorted(pair_b[order], q_b, "left")
                last = np.searchsorted(pair_b[order], q_b, "right")
                qi = np.repeat(np.arange(len(calls)), last - first)
                pc = order[np.concatenate([np.arange(a, z) for a, z in zip(first, last, strict=True)])] \
                    if len(qi) else np.empty(0, dtype=np.int64)
                k = count_overlaps(code.astype(np.int64), one["lo"].to_numpy(), one["hi"].to_numpy(),
                                   pc.astype(np.int64), q_lo[qi], q_hi[qi])
                best = np.zeros(len(calls), dtype=np.int64)
                np.maximum.at(best, qi, k)
                n = n + best
        bad = n > p["max_calls"]
        unit = "person and debt" if p["unit"] == "person_x_debt" else "person"
        why = [f"{k} counted calls (this one included) in the {p['days']} days to {date_text(d)}; the limit is "
               f"{p['max_calls']} per {unit}" for k, d in zip(n[bad], q_hi[bad], strict=True)]
        return self._hits(calls, bad, rule.id, why)

    def _earlier_pairs(self, steps: pd.DataFrame) -> pd.DataFrame:
        """Pairs (earlier, later) of steps of one borrower, in window order."""
        x = steps[["borrower_id", "step", "t0", "t1", "lo", "hi"]].reset_index(drop=True)
        x["pos"] = np.arange(len(x))
        m = x.merge(x, on="borrower_id", suffixes=("_a", "_b"))
        first = (m["t0_a"] < m["t0_b"]) | ((m["t0_a"] == m["t0_b"]) & (m["step_a"] < m["step_b"]))
        return m.loc[first]

    def _conversation_quiet(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        days = rule.params["days"]
        calls = c.loc[c["channel"] == "call"]
        log = self._log
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
        q = (calls["b"].to_numpy(), calls["lo"].to_numpy(), calls["hi"].to_numpy())
        out = []
        for param, outcomes, what in (("max_attempts", None, "call attempts"),
                                      ("max_effective", CONVERSATIONS, "possibly effective calls")):
            if p[param] is None:
                continue
            n = count_overlaps(*self._events(self._log_events(channel="call", outcomes=outcomes), calls), *q)
            bad = n > p[param]
            out.append(self._hits(calls, bad, rule.id, [f"{k} {what} (this one included) on {date_text(d)}; the limit "
                                                        f"is {p[param]} a day" for k, d in zip(n[bad], q[2][bad],
                                                                                               strict=True)]))
        gap = p["min_gap_minutes"]
        if gap:
            log = self._log_events(channel="call")
            key = np.sort(log["b"].to_numpy(np.int64) * (1 << 34) + log["t"].to_numpy() // 10**9)
            base = calls["b"].to_numpy(np.int64) * (1 << 34)
            lo = base + (calls["t0"].to_numpy() - gap * MINUTE_NS) // 10**9
            hi = base + (calls["t1"].to_numpy() + gap * MINUTE_NS) // 10**9
            near = np.searchsorted(key, hi, "left") - np.searchsorted(key, lo, "right") > 0
            out.append(self._hits(calls, near, rule.id, [f"a logged call less than {gap} minutes from the window"]
                                  * int(near.sum())))
            pairs = self._earlier_pairs(calls)
            clash = pairs.loc[pairs["t0_b"] < pairs["t1_a"] + gap * MINUTE_NS]
            out.append(pd.DataFrame({"borrower_id": clash["borrower_id"], "step": clash["step_b"], "rule_id": rule.id,
                                     "why": [f"planned call (step {a}) less than {gap} minutes before this window"
                                             for a in clash["step_a"]]}))
        return pd.concat(out, ignore_index=True).drop_duplicates(["borrower_id", "step"]) if out else \
            pd.DataFrame(columns=_VIOLATION_COLUMNS)

    def _channel_caps(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        out = []
        for period, days in (("per_day", 1), ("per_week", 7), ("per_month", rule.params["month_days"])):
            for key, cap in rule.params[period].items():
                steps = c if key == "all" else c.loc[c["channel"] == key]
                log = self._log_events(channel=None if key == "all" else key)
                n = count_overlaps(*self._events(log, steps), steps["b"].to_numpy(), steps["lo"].to_numpy() - days + 1,
                           steps["hi"].to_numpy())
                bad = n > cap
                what = "contacts" if key == "all" else f"{key} contacts"
                out.append(self._hits(steps, bad, rule.id, [f"{k} {what} (this one included) in the {days} day(s) "
                                                            f"to {date_text(d)}; the cap is {cap}"
                                                            for k, d in zip(n[bad], steps["hi"][bad], strict=True)]))
        return pd.concat(out, ignore_index=True).drop_duplicates(["borrower_id", "step"]) if out else \
            pd.DataFrame(columns=_VIOLATION_COLUMNS)
