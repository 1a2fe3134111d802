"""The business-as-usual contact log of the synthetic world.

A lender's historical collection routine, not a recommendation: a text or app reminder two days
before a due date for some borrowers, then contacts on fixed days past due while arrears last
(a call where calls are allowed, else a text or a letter). Outcomes depend on the hidden state:
a borrower close to curing is more likely to promise to pay, an unwilling one to refuse. In this
world contacts do not change payments (the response model belongs to policy evaluation), so the
log is informative about the borrower but not causal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.datasets._params import WorldParams
from riskscore.datasets._simulate import Loans
from riskscore.schemas import parse_channels

_ELECTRONIC = ("app", "sms", "email")
P_NO_ANSWER = 0.45
P_WRONG_PARTY = 0.02
BLOCKING_FLAGS = ("do_not_contact", "cease_requested", "bankruptcy", "deceased", "dispute_open")


def _reminder_channel(allowed: tuple[str, ...], preferred: object) -> str | None:
    if preferred in _ELECTRONIC and preferred in allowed:
        return str(preferred)
    return next((c for c in _ELECTRONIC if c in allowed), None)


def _arrears_channel(allowed: tuple[str, ...]) -> str | None:
    return next((c for c in ("call", "sms", "letter") if c in allowed), None)


def contact_log(
    rng: np.random.Generator, loans: Loans, settle: np.ndarray, path: np.ndarray,
    traits: pd.DataFrame, borrowers: pd.DataFrame, start: pd.Timestamp, params: WorldParams,
) -> pd.DataFrame:
    """Contacts of one block (contract ``contacts``), sorted by borrower and time."""
    n, n_days = path.shape
    allowed = [parse_channels(c) for c in borrowers["channels_allowed"]]
    blocked = borrowers[list(BLOCKING_FLAGS)].any(axis=1).to_numpy()
    wants_reminder = (rng.random(n) < params.reminder_share) & ~blocked
    rem_channel = np.array([_reminder_channel(a, p) for a, p in
                            zip(allowed, borrowers["preferred_channel"], strict=True)], dtype=object)
    arr_channel = np.array([_arrears_channel(a) for a in allowed], dtype=object)

    b, due = loans.borrower, loans.due_day
    rday = due - 2
    remind = (wants_reminder[b] & (rem_channel[b] != None) & (rday >= 0)  # noqa: E711
              & (rday < n_days) & (settle > rday))
    parts = [pd.DataFrame({"b": b[remind], "day": rday[remind], "kind": 0})]
    for k in params.arrears_contact_days:
        day = due + k
        hit = (~blocked[b]) & (arr_channel[b] != None) & (day < np.minimum(settle, n_days))  # noqa: E711
        parts.append(pd.DataFrame({"b": b[hit], "day": day[hit], "kind": 1}))
    log = pd.concat(parts, ignore_index=True)
    # One contact per borrower and day; an arrears contact wins over a reminder.
    log = log.sort_values(["b", "day", "kind"], kind="stable").drop_duplicates(["b", "day"], keep="last")
    log = log.reset_index(drop=True)
    m = len(log)
    u_outcome, u_hour = rng.random(m), rng.random(m)
    lb, lday = log["b"].to_numpy(), log["day"].to_numpy()
    is_arrears = log["kind"].to_numpy() == 1
    channel = np.where(is_arrears, arr_channel[lb], rem_channel[lb])
    outcome = np.full(m, "message_sent", dtype=object)
    call = channel == "call"
    reg = path[lb, lday]
    clear = np.where(reg == 1, traits["clear_hardship"].to_numpy()[lb], traits["clear_normal"].to_numpy()[lb])
    p_ptp = 0.10 + 0.6 * np.sqrt(np.clip(clear / max(params.clear_max, 1e-9), 0, 1))
    p_refuse = 0.5 * (1.0 - traits["willingness"].to_numpy()[lb])
    answered = (u_outcome - P_NO_ANSWER - P_WRONG_PARTY) / (1 - P_NO_ANSWER - P_WRONG_PARTY)
    outcome[call & (u_outcome < P_NO_ANSWER)] = "no_answer"
    outcome[call & (u_outcome >= P_NO_ANSWER) & (u_outcome < P_NO_ANSWER + P_WRONG_PARTY)] = "wrong_party"
    talk = call & (answered >= 0)
    share_ptp = p_ptp * (1 - p_refuse)
    outcome[talk] = np.select(
        [answered[talk] < share_ptp[talk], answered[talk] < share_ptp[talk] + p_refuse[talk]],
        ["promise_to_pay", "refused"], "conversation")
    # Local office hours 09:00-20:00 on that day, stored in UTC.
    local = (start.to_datetime64().astype("datetime64[s]") + lday.astype("timedelta64[D]")
             + (9 * 3600 + (u_hour * 11 * 3600).astype(np.int64)).astype("timedelta64[s]"))
    tz = borrowers["timezone"].to_numpy()[lb]
    utc = np.empty(m, dtype="datetime64[ns]")
    for zone in pd.unique(tz):
        sel = tz == zone
        stamp = pd.DatetimeIndex(local[sel]).tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
        utc[sel] = stamp.tz_convert("UTC").tz_localize(None).to_numpy()
    out = pd.DataFrame({
        "borrower_id": borrowers["borrower_id"].to_numpy()[lb],
        "contacted_at": pd.DatetimeIndex(utc).tz_localize("UTC"),
        "channel": channel, "outcome": outcome,
    })
    return out.sort_values(["borrower_id", "contacted_at"], kind="stable").reset_index(drop=True)
