"""A small portfolio like benchmarks/policy.py's (time zones, channels, consents, flags, a contact log),
for the plans-equality test (tests/policy/test_plans_frozen.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.schemas import BORROWER_FLAGS

ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/St_Johns", "Europe/London",
         "Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "Pacific/Auckland"]
NOW = pd.Timestamp("2026-11-24 14:00", tz="UTC")


def world(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Borrowers, contact log (about 6 rows each over 21 days) and scores of ``n`` borrowers."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("b", np.arange(n).astype(str)).astype(object)
    zone = rng.choice(ZONES, n)
    second = np.where(rng.random(n) < 0.1, rng.choice(ZONES, n), "")
    channel_sets = np.array(["sms,email,call,app", "sms,call", "email,letter", "app,sms,email", "call,letter",
                             "sms,email,call,letter,app"], dtype=object)
    b = pd.DataFrame({
        "borrower_id": ids, "timezone": zone, "timezone_candidates": second,
        "channels_allowed": rng.choice(channel_sets, n), "preferred_channel": None,
        "language": rng.choice(["en", "zh", "es"], n, p=[.6, .35, .05]),
        "opt_outs": np.where(rng.random(n) < 0.05, "call", ""),
        "consents": rng.choice(np.array(["", "sms", "sms,email", "email,app", "sms@2026-10-20"], dtype=object), n),
        "inconvenient_hours": np.where(rng.random(n) < 0.1, "12:00-14:00", ""),
        **{f: rng.random(n) < 0.01 for f in BORROWER_FLAGS},
    })
    b["hardship_declared"] = rng.random(n) < 0.05
    k = rng.poisson(6, n)
    rows = np.repeat(np.arange(n), k)
    m = len(rows)
    minutes = rng.integers(1, 21 * 1440, m)
    channel = rng.choice(["call", "sms", "email", "app"], m, p=[.5, .25, .15, .1])
    outcome = np.where(channel == "call",
                       rng.choice(["no_answer", "voicemail", "not_connected", "conversation", "promise_to_pay",
                                   "refused", "wrong_party"], m, p=[.4, .2, .1, .12, .08, .05, .05]),
                       rng.choice(["message_sent", "consent", "opt_out"], m, p=[.9, .07, .03]))
    c = pd.DataFrame({"borrower_id": ids[rows], "contacted_at": NOW - pd.to_timedelta(minutes, "min"),
                      "channel": channel, "outcome": outcome,
                      "direction": np.where(rng.random(m) < 0.1, "inbound", "outbound"),
                      "loan_id": rng.choice(np.array([None, "L1", "L2"], dtype=object), m)})
    c = c.drop_duplicates(["borrower_id", "contacted_at", "channel"]).reset_index(drop=True)
    scores = pd.DataFrame({"likelihood": rng.beta(2, 1.2, n), "amount_at_risk": rng.lognormal(6, 1, n)},
                          index=pd.Index(ids, name="borrower_id"))
    return b, c, scores
