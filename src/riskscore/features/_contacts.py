"""Contact-log features: recent contacts by channel and outcome, promises kept and broken."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.features._blocks import positions
from riskscore.features._history import DAY, State
from riskscore.schemas import EVENT_OUTCOMES

PROMISE_DAYS = 7  # a promise to pay is kept when a payment follows within this many days


def contact_features(contacts: pd.DataFrame, s: State, t: pd.Timestamp) -> dict[str, np.ndarray]:
    """Counts over the last 30/90/180 days of contacts logged before the end of day ``t`` (UTC).

    Only outbound contacts count: inbound rows and opt-out/consent events are ignored.

    A promise to pay made on day ``c`` is *kept* when a visible payment is dated within
    ``c .. c + 7``, *broken* when none is and ``c + 7 <= t``, and undecided otherwise.
    """
    n = len(s.borrowers)
    end = np.int64((t + pd.Timedelta(days=1)).value)
    when = contacts["contacted_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    b = positions(s.borrowers, contacts["borrower_id"])
    keep = (b >= 0) & (when < end)
    # Opt-out and consent events are not contacts; inbound contacts are the borrower's own doing.
    if "outcome" in contacts:
        keep &= ~contacts["outcome"].isin(EVENT_OUTCOMES).to_numpy()
    if "direction" in contacts:
        keep &= (contacts["direction"] != "inbound").to_numpy()
    b, when = b[keep], when[keep]

    def kept(mask: pd.Series) -> np.ndarray:  # compared on the column (text stays Arrow), then kept rows
        return mask.to_numpy(dtype=bool, na_value=False)[keep]

    age = (end - when) / DAY  # days before the end of day t

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(b[mask], minlength=n).astype(float)

    call = kept(contacts["channel"] == "call")
    outcome = contacts["outcome"]
    d30, d90, d180 = age <= 30, age <= 90, age <= 180
    out = {
        "calls_30d": count(call & d30),
        "messages_30d": count(~call & d30),
        "calls_90d": count(call & d90),
        "no_answer_90d": count(kept(outcome == "no_answer") & d90),
        "conversations_90d": count(kept(outcome.isin(["conversation", "promise_to_pay"])) & d90),
        "refused_90d": count(kept(outcome == "refused") & d90),
    }
    ptp = kept(outcome == "promise_to_pay") & d180
    day = (when[ptp] // DAY) * DAY
    promises = pd.DataFrame({"b": b[ptp], "day": day}).sort_values("day", kind="stable")
    pays = pd.DataFrame({"b": s.pay_b, "paid": s.pay_date}).sort_values("paid", kind="stable")
    matched = pd.merge_asof(promises, pays, left_on="day", right_on="paid", by="b", direction="forward")
    kept = (matched["paid"] - matched["day"] <= PROMISE_DAYS * DAY).to_numpy()
    decided = (matched["day"] + PROMISE_DAYS * DAY <= np.int64(t.value)).to_numpy()
    pb = matched["b"].to_numpy(np.int64)
    out["ptp_kept_180d"] = np.bincount(pb[kept], minlength=n).astype(float)
    out["ptp_broken_180d"] = np.bincount(pb[~kept & decided], minlength=n).astype(float)
    last = np.full(n, -np.inf)
    np.maximum.at(last, b, when.astype(float))
    last_day = np.floor(np.where(np.isneginf(last), 0.0, last) / DAY) * DAY
    out["days_since_last_contact"] = np.where(np.isneginf(last), np.nan, (np.int64(t.value) - last_day) / DAY)
    return out
