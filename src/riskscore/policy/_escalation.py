"""When the planner may escalate to an agent call: after self-service went unanswered, and rarely.

A call is the one contact that presses a borrower; a message (reminder, payment link,
repayment-plan offer) lets the borrower pay, ask for a plan or say nothing. Hardship shows only
after it has left a trace (a partial payment, a declared hardship, an accepted plan), and a
borrower whose hardship began last week has usually left none. So the planner calls only where
the borrower has had a self-service route, and time to use it, and does not keep calling:

* **self-service first** (``call_wait_days``, default 7): an agent call only on a day at least
  this many calendar days (UTC dates) after an outbound message that went unanswered: a
  message (``message_sent`` on sms, email, app or letter) sent since the borrower's last agent
  call, within the last :data:`MESSAGE_DAYS` (30) days, with no inbound contact from the
  borrower since.
  A plan's own messages never count (they are not yet unanswered), so a borrower new to the low
  segment gets the payment link and the repayment-plan offer in this plan and a call, at the
  earliest, in a later one, after a week in which an accepted plan or a partial payment would
  have routed them to the hardship segment instead.
* **one call a collection cycle** (``max_window_calls``, default 1, in ``call_window_days``,
  default 90): no agent call on a day when the log already holds this many in the
  ``call_window_days`` before it. A borrower who neither pays nor answers messages and a call
  may be in difficulty that has not shown yet; more calls would be pressure, not help, and the
  self-service route (link, offer) stays open every week.

Both are policy values, not law, and only read the lender's own contact log. ``None`` turns a
rule off. Counted are the log's rows up to ``now`` other than events (opt-out, consent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore._compat import isin
from riskscore.schemas import EVENT_OUTCOMES

__all__ = ["MESSAGE_DAYS", "call_gate", "hold_calls"]

#: An unanswered message counts for ``call_wait_days`` when sent within this many days.
MESSAGE_DAYS = 30


def call_gate(contacts: pd.DataFrame | None, ids: pd.Index, now: pd.Timestamp, *, wait_days: int | None,
              window_days: int, max_calls: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Per borrower of ``ids``: the first plan day (0 = ``now``'s UTC date) an agent call may go on
    (``inf``: none), and why not sooner ("" when day 0 is allowed).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"borrower_id": ["a", "b", "b"], "channel": ["sms", "sms", "call"],
    ...     "outcome": ["message_sent", "message_sent", "no_answer"],
    ...     "contacted_at": pd.to_datetime(["2026-11-20 10:00", "2026-11-01 10:00", "2026-11-10 10:00"], utc=True)})
    >>> day, why = call_gate(log, pd.Index(["a", "b", "c"]), pd.Timestamp("2026-11-23 13:00", tz="UTC"),
    ...                      wait_days=7, window_days=90, max_calls=1)
    >>> day.tolist()
    [4.0, inf, inf]
    """
    n = len(ids)
    first = np.zeros(n)
    why = np.full(n, "", dtype=object)
    if wait_days is None and max_calls is None:
        return first, why
    if max_calls == 0:  # calls off (the default): no call on any day, whatever the log holds
        first[:] = np.inf
        why[:] = ("agent calls are off (max_window_calls=0, the default); max_window_calls=1 turns them on "
                  "where the lender's own logs show they add recovery")
        return first, why
    today = now.tz_convert("UTC").normalize()
    log = _log(contacts, ids, now)
    b = ids.get_indexer(log["borrower_id"])
    at = log["contacted_at"].dt.tz_convert("UTC")
    age = (today - at.dt.normalize()).dt.days.to_numpy()  # whole UTC days before today
    t = at.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    call = (log["channel"] == "call").to_numpy()
    outbound = (log["direction"] == "outbound").to_numpy() if "direction" in log else np.ones(len(log), bool)
    recent = age < window_days
    if max_calls is not None:
        # the day the max_calls-th most recent call of the window leaves it
        k = np.flatnonzero(call & outbound & recent)
        order = np.lexsort((age[k], b[k]))  # per borrower, most recent first
        k = k[order]
        rank = pd.Series(b[k]).groupby(b[k]).cumcount().to_numpy()
        hit = k[rank == max_calls - 1]
        free = window_days - age[hit]
        first[b[hit]] = np.maximum(first[b[hit]], free)
        why[b[hit]] = (f"{max_calls} agent call(s) in the last {window_days} days already: "
                       "no more pressure on a borrower who has not engaged")
    if wait_days is not None:
        last_call = np.full(n, np.iinfo(np.int64).min)
        np.maximum.at(last_call, b[call & outbound], t[call & outbound])
        last_in = np.full(n, np.iinfo(np.int64).min)
        np.maximum.at(last_in, b[~outbound], t[~outbound])
        msg = (~call & outbound & (log["outcome"] == "message_sent").to_numpy() & (age < MESSAGE_DAYS)
               & (t > np.maximum(last_call, last_in)[b]))
        oldest = np.full(n, -1)
        np.maximum.at(oldest, b[msg], age[msg])
        none = oldest < 0
        need = np.where(none, np.inf, wait_days - oldest)
        later = need > first
        first = np.maximum(first, need)
        why[later & none] = ("no self-service message since the last agent call has gone unanswered yet: "
                             f"an agent call only {wait_days} days after one")
        why[later & ~none] = [f"self-service message unanswered for {x} days: an agent call only after {wait_days}"
                              for x in oldest[later & ~none]]
    return np.maximum(first, 0.0), why


def hold_calls(todo: pd.DataFrame, first: np.ndarray, why: np.ndarray, ids: pd.Index, plan_days: int,
               events: list) -> pd.DataFrame:
    """Move each planned agent call (rows of ``todo``: ``bi``, ``action``, ``day0``) to its
    borrower's first allowed day; drop it, with a ``PLAN-ESCALATION`` event, past the plan."""
    if not len(todo):
        return todo
    call = (todo["action"] == "agent_call").to_numpy()
    gate = first[todo["bi"].to_numpy(dtype=np.int64)]
    held = call & (gate > todo["day0"].to_numpy())
    todo.loc[held, "day0"] = np.minimum(gate[held], plan_days).astype(np.int64)
    out = held & (gate >= plan_days)
    if out.any():
        names = ids.to_numpy(dtype=object)
        events.extend((names[bi], "agent_call", "PLAN-ESCALATION", f"agent_call dropped: {why[bi]}")
                      for bi in todo["bi"].to_numpy()[out])
    return todo.loc[~out].reset_index(drop=True)


def _log(contacts: pd.DataFrame | None, ids: pd.Index, now: pd.Timestamp) -> pd.DataFrame:
    """The contacts (not events) of ``ids`` up to ``now``."""
    if contacts is None or not len(contacts):
        return pd.DataFrame({"borrower_id": pd.Series(dtype=object), "channel": pd.Series(dtype=object),
                             "outcome": pd.Series(dtype=object),
                             "contacted_at": pd.Series(dtype="datetime64[ns, UTC]")})
    keep = (~contacts["outcome"].isin(EVENT_OUTCOMES) & (contacts["contacted_at"] <= now)).to_numpy() & isin(
        contacts["borrower_id"], ids)
    return contacts.loc[keep]
