"""Builders for hand-written policy cases: borrowers, plan steps and contact-log rows."""

from __future__ import annotations

import pandas as pd

from riskscore.policy import check_plans, load_profile, render_message
from riskscore.schemas import BORROWER_FLAGS

#: A zone per profile for the generic cases.
ZONE = {"us_reg_f_2021": "America/New_York", "cn_gbt45251_2025": "Asia/Shanghai",
        "uk_fca_conc7_2024": "Europe/London", "strict_v1": "Europe/Dublin"}
LANG = {"cn_gbt45251_2025": "zh"}
TEMPLATE = {"reminder": "reminder", "payment_link": "payment_link", "repayment_plan_offer": "repayment_plan_offer",
            "hardship_referral": "hardship_referral", "agent_call": "agent_call"}


def borrower(bid: str = "b1", **kw: object) -> dict:
    row = {"borrower_id": bid, "timezone": "America/New_York", "channels_allowed": "sms,email,call,letter,app",
           "preferred_channel": None, "language": "en", "consents": "sms,email,app", **dict.fromkeys(BORROWER_FLAGS,
                                                                                                      False)}
    row.update(kw)
    return row


def local(ts: str, zone: str) -> pd.Timestamp:
    """A local wall-clock time as a UTC timestamp."""
    return pd.Timestamp(ts, tz=zone).tz_convert("UTC")


def step(profile: str, n: int, action: str, channel: str, start: str, end: str, *, zone: str, bid: str = "b1",
         language: str = "en", message: str | None = None, rationale: str = "test case",
         recipient: str = "borrower") -> dict:
    if message is None:
        message = render_message(f"{TEMPLATE[action]}.{'call' if action == 'agent_call' else channel}", language,
                                 load_profile(profile))
    return {"borrower_id": bid, "step": n, "action": action, "channel": channel, "recipient": recipient,
            "window_start_utc": local(start, zone), "window_end_utc": local(end, zone), "language": language,
            "message": message, "rationale": rationale}


def contact(at: str, zone: str, channel: str = "call", outcome: str = "no_answer", *, bid: str = "b1",
            direction: str = "outbound", loan_id: str | None = None) -> dict:
    return {"borrower_id": bid, "contacted_at": local(at, zone), "channel": channel, "outcome": outcome,
            "direction": direction, "loan_id": loan_id}


def violations(profile: object, steps: list[dict], borrowers: list[dict], contacts: list[dict] | None = None,
               holidays: object = None, hardship: object = None) -> pd.DataFrame:
    log = pd.DataFrame(contacts) if contacts else None
    return check_plans(pd.DataFrame(steps), pd.DataFrame(borrowers), log, profile, holidays=holidays,
                       hardship=hardship)


