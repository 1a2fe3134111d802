"""Benchmark: contact plans per second, and the checker, on portfolios with realistic contact logs.

Borrowers: a mix of 12 time zones (half-hour offsets included), 5% with a second candidate zone,
channel permissions, consents and opt-outs, 3% with a blocking or review flag, 5% declared
hardship, 10% with designated inconvenient hours. Logs: on average 6 rows per borrower over the
last 21 days (calls with a realistic outcome mix, messages, consent and opt-out events).
Likelihoods ~ Beta(2, 1.2); amounts ~ lognormal. Plans the US profile by default, with an
agent-call capacity of 2% of the portfolio per day.

    .venv/bin/python benchmarks/policy.py                # 100k and 1M borrowers
    .venv/bin/python benchmarks/policy.py --sizes 20000  # quick
    .venv/bin/python benchmarks/policy.py --sizes 20000 --save DIR     # the plans as parquet files
    .venv/bin/python benchmarks/policy.py --sizes 20000 --compare DIR  # the same plans as saved?
"""

from __future__ import annotations

import argparse
import io
import pathlib
import resource
import sys
import time

import numpy as np
import pandas as pd

from _common import machine
from riskscore.policy import ContactPolicy, check_plans
from riskscore.schemas import BORROWER_FLAGS

ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/St_Johns", "Europe/London",
         "Europe/Dublin", "Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide",
         "Australia/Sydney", "Pacific/Auckland"]
NOW = pd.Timestamp("2026-11-24 14:00", tz="UTC")


def portfolio(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("b", np.arange(n).astype(str)).astype(object)
    zone = rng.choice(ZONES, n, p=[.25, .1, .1, .02, .1, .03, .2, .08, .02, .03, .04, .03])
    second = np.where(rng.random(n) < 0.05, rng.choice(ZONES, n), "")
    channel_sets = np.array(["sms,email,call,app", "sms,call", "email,letter", "app,sms,email", "call,letter",
                             "sms,email,call,letter,app"], dtype=object)
    b = pd.DataFrame({
        "borrower_id": ids, "timezone": zone, "timezone_candidates": second,
        "channels_allowed": rng.choice(channel_sets, n), "preferred_channel": None,
        "language": rng.choice(["en", "zh", "es"], n, p=[.6, .35, .05]),
        "opt_outs": np.where(rng.random(n) < 0.05, "call", ""),
        "consents": rng.choice(np.array(["", "sms", "sms,email", "email,app"], dtype=object), n),
        "inconvenient_hours": np.where(rng.random(n) < 0.1, "12:00-14:00", ""),
        **{f: rng.random(n) < 0.005 for f in BORROWER_FLAGS},
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
                       rng.choice(["message_sent", "consent", "opt_out"], m, p=[.96, .03, .01]))
    c = pd.DataFrame({"borrower_id": ids[rows], "contacted_at": NOW - pd.to_timedelta(minutes, "min"),
                      "channel": channel, "outcome": outcome,
                      "direction": np.where(rng.random(m) < 0.1, "inbound", "outbound"),
                      "loan_id": rng.choice(np.array([None, "L1", "L2"], dtype=object), m)})
    c = c.drop_duplicates(["borrower_id", "contacted_at", "channel"])
    scores = pd.DataFrame({"likelihood": rng.beta(2, 1.2, n), "amount_at_risk": rng.lognormal(6, 1, n)},
                          index=pd.Index(ids, name="borrower_id"))
    return b, c, scores


def frames(plans: object) -> dict[str, pd.DataFrame]:
    """Every frame of a Plans object, as parquet-ready tables."""
    per = pd.DataFrame({"hardship": plans.hardship, "holiday_source": plans.holiday_source})
    return {"steps": plans.steps, "events": plans.events, "flags": plans.flags.reset_index(),
            "per_borrower": per.reset_index()}


def compare(plans: object, where: pathlib.Path) -> list[str]:
    """What differs from the saved plans (empty: the same plans)."""
    out = []
    for name, frame in frames(plans).items():
        saved = pd.read_parquet(where / f"{name}.parquet")
        buffer = io.BytesIO()  # through parquet as the saved ones went, to compare the column types too
        frame.reset_index(drop=True).to_parquet(buffer)
        mine = pd.read_parquet(buffer)
        if not saved.dtypes.equals(mine.dtypes):
            out.append(f"{name}: column types {saved.dtypes.to_dict()} != {mine.dtypes.to_dict()}")
        if list(saved.columns) != list(mine.columns) or len(saved) != len(mine):
            out.append(f"{name}: columns/rows {list(saved.columns)}x{len(saved)} != {list(mine.columns)}x{len(mine)}")
            continue
        for col in saved.columns:
            a, b = saved[col], mine[col]
            same = (a.isna() & b.isna()) | (a.astype(object) == b.astype(object))
            if not same.all():
                i = int(np.flatnonzero(~same.to_numpy())[0])
                out.append(f"{name}.{col}: {int((~same).sum())} rows differ, e.g. row {i}: {a.iloc[i]!r} != "
                           f"{b.iloc[i]!r}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--profile", default="us_reg_f_2021")
    ap.add_argument("--save", type=pathlib.Path, help="write the plans here (DIR/<size>/<frame>.parquet)")
    ap.add_argument("--compare", type=pathlib.Path, help="compare the plans with those saved here")
    ap.add_argument("--no-check", action="store_true", help="skip check_plans")
    args = ap.parse_args()
    print(machine())
    for n in args.sizes:
        b, c, scores = portfolio(n)
        policy = ContactPolicy(args.profile, agent_calls_per_day=max(1, n // 50))
        t, cpu = time.perf_counter(), time.process_time()
        plans = policy.plan(scores, None, b, c, now=NOW)
        t_plan, cpu_plan = time.perf_counter() - t, time.process_time() - cpu
        t, cpu = time.perf_counter(), time.process_time()
        found = [] if args.no_check else check_plans(plans, b, c, plans.profile)
        t_check, cpu_check = time.perf_counter() - t + 1e-9, time.process_time() - cpu
        mix = plans.steps["action"].value_counts(normalize=True).round(3).to_dict()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(f"{n:>9,} borrowers, {len(c):,} log rows, profile {args.profile}: plan {t_plan:.1f} s "
              f"({n / t_plan:,.0f} plans/s; CPU {cpu_plan:.1f} s), {len(plans.steps):,} steps; check_plans "
              f"{t_check:.1f} s (CPU {cpu_check:.1f} s) "
              f"({len(plans.steps) / t_check:,.0f} steps/s), violations {len(found)}; peak RSS {rss:.1f} GiB")
        print(f"          action mix {mix}")
        if args.save:
            (args.save / str(n)).mkdir(parents=True, exist_ok=True)
            for name, frame in frames(plans).items():
                frame.reset_index(drop=True).to_parquet(args.save / str(n) / f"{name}.parquet")
        if args.compare:
            diff = compare(plans, args.compare / str(n))
            print("          same plans as " + str(args.compare / str(n)) if not diff else
                  "          DIFFERENT plans:\n            " + "\n            ".join(diff))
    return 0


if __name__ == "__main__":
    sys.exit(main())
