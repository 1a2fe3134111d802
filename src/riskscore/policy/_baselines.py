"""Baselines that collectors use, under the same rules: contact at the maximum, and days-past-due buckets.

Both plan through :class:`ContactPolicy`'s machinery, so every plan they emit passes
:func:`check_plans` too: they are the *legal* versions of what they stand for. Policy evaluation
(:mod:`riskscore.evaluation`) compares riskscore's policy with them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from riskscore._pandera import pa
from riskscore.policy._checks import Checker
from riskscore.policy._planner import ContactPolicy
from riskscore.policy._profile import Profile
from riskscore.policy._rounds import _STATIC

__all__ = ["DaysPastDuePolicy", "MaxContactPolicy", "contact_caps"]

_FLAG_SEGMENTS = ("unknown", "review", "blocked")
_MESSAGE_CHANNELS = ("app", "sms", "email", "letter")
_CHANNELS = ("call", *_MESSAGE_CHANNELS)
#: Without a per-day cap in the profile, at most this many messages a day on one channel (and calls).
UNCAPPED_PER_DAY = 1


def contact_caps(profile: Profile) -> dict[str, Any]:
    """The numeric contact limits of a profile, the tightest where several rules set one.

    Returns ``calls_per_day`` (dial attempts), ``calls_window`` (max calls, days) or None,
    ``per_day``/``per_week``/``per_month``: ``{channel or "all": cap}``.

    Examples
    --------
    >>> from riskscore.policy import contact_caps, load_profile
    >>> caps = contact_caps(load_profile("us_reg_f_2021"))
    >>> caps["calls_window"], caps["calls_per_day"], caps["quiet_days"], caps["per_week"]
    ((7, 7), 1, 7, {'all': 10})
    """
    window = None
    for r in profile.of_kind("call_frequency"):
        cand = (int(r.params["max_calls"]), int(r.params["days"]))
        window = cand if window is None or cand[0] / cand[1] < window[0] / window[1] else window
    per_day_calls = [int(r.params[k]) for r in profile.of_kind("daily_calls")
                     for k in ("max_attempts",) if r.params.get(k) is not None]
    caps: dict[str, Any] = {"calls_window": window, "per_day": {}, "per_week": {}, "per_month": {}, "month_days": 30}
    for r in profile.of_kind("channel_caps"):
        if r.params["per_month"]:
            caps["month_days"] = max(caps["month_days"], int(r.params["month_days"]))
        for period in ("per_day", "per_week", "per_month"):
            for key, cap in r.params[period].items():
                caps[period][key] = min(int(cap), caps[period].get(key, int(cap)))
    if "call" in caps["per_day"]:
        per_day_calls.append(caps["per_day"]["call"])
    quiet = [int(r.params["days"]) for r in profile.of_kind("conversation_quiet")]
    # any planned call may become a conversation: with a quiet period, one call, then none for that long
    caps["quiet_days"] = max(quiet) if quiet else 0
    caps["calls_per_day"] = 1 if quiet else (min(per_day_calls) if per_day_calls else UNCAPPED_PER_DAY)
    return caps


def _used(plan: np.ndarray, past: np.ndarray, ch: int | None, days: int, d: int) -> np.ndarray:
    """Contacts (on channel ``ch``, or all) in the ``days`` days to plan day ``d``: the log's and the plan's."""
    lo = d - days + 1
    parts = [plan[:, max(lo, 0): d + 1]] + ([past[:, past.shape[1] + lo:]] if lo < 0 else [])
    return sum(p.sum(axis=(1, 2)) if ch is None else p[:, :, ch].sum(axis=1) for p in parts)


def _room(plan: np.ndarray, past: np.ndarray, caps: dict[str, Any], ch: int, d: int) -> np.ndarray:
    """How many more contacts on channel ``ch`` each borrower may get on plan day ``d`` under the caps."""
    name = _CHANNELS[ch]
    cap = caps["calls_per_day"] if ch == 0 else caps["per_day"].get(name, UNCAPPED_PER_DAY)
    r = np.full(len(plan), cap, dtype=np.int64) - plan[:, d, ch]
    for period, days in (("per_week", 7), ("per_month", caps["month_days"])):
        for key in (name, "all"):
            if key in caps[period]:
                r = np.minimum(r, caps[period][key] - _used(plan, past, None if key == "all" else ch, days, d))
    if ch == 0 and caps["calls_window"] is not None:
        r = np.minimum(r, caps["calls_window"][0] - _used(plan, past, 0, caps["calls_window"][1], d))
    return np.maximum(r, 0)


def _recent(contacts: pd.DataFrame | None, ids: pd.Index, now: pd.Timestamp, days: int = 31) -> np.ndarray:
    """Outbound contacts per borrower, UTC day before ``now`` (index 0 = ``days`` ago) and channel."""
    out = np.zeros((len(ids), days, len(_CHANNELS)), dtype=np.int64)
    if contacts is None or not len(contacts):
        return out
    from riskscore.schemas import EVENT_OUTCOMES

    log = contacts.loc[~contacts["outcome"].isin(EVENT_OUTCOMES)]
    b = ids.get_indexer(log["borrower_id"])
    ago = (now.normalize() - log["contacted_at"].dt.tz_convert("UTC").dt.normalize()).dt.days.to_numpy()
    ch = pd.Index(_CHANNELS).get_indexer(log["channel"])
    keep = (b >= 0) & (ago >= 1) & (ago <= days) & (ch >= 0)
    np.add.at(out, (b[keep], days - ago[keep], ch[keep]), 1)
    return out


class MaxContactPolicy(ContactPolicy):
    """"Contact everyone at the maximum the profile allows": the legal version of blasting.

    Every borrower not under a block or review flag gets, each day of the horizon, as many
    calls (where calls are allowed) and messages (one per allowed message channel) as the
    profile's numeric caps leave room for, counting the recent log (:func:`contact_caps`): calls
    first, earliest first, then messages in the borrower's channel order. No score is used.
    The usual final check then drops any step another rule forbids (time windows, a
    conversation's quiet period, consent), so every plan passes :func:`check_plans`.
    ``agent_calls_per_day`` is ignored: blasting assumes enough agents.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.policy import MaxContactPolicy
    >>> from riskscore.schemas import BORROWER_FLAGS
    >>> b = pd.DataFrame({"borrower_id": ["a"], "timezone": "America/Chicago",
    ...                   "channels_allowed": "sms,call,app,letter", "preferred_channel": "app", "language": "en",
    ...                   **dict.fromkeys(BORROWER_FLAGS, False)})
    >>> plans = MaxContactPolicy("us_reg_f_2021").plan(pd.DataFrame(index=["a"]), None, b, now="2026-11-23T13:00Z")
    >>> plans.steps.groupby("day")["channel"].agg(",".join).to_dict()
    {0: 'app,call,letter', 1: 'app,letter', 2: 'app,letter', 3: 'app,letter', 4: 'app'}
    """

    STEPS: ClassVar[dict[str, list[tuple[str, str, int]]]] = {"max": []}

    SCORES = pa.DataFrameSchema(index=pa.Index(str, unique=True, name="borrower_id", coerce=True), name="scores")

    def _segments(self, scores: pd.DataFrame, b: pd.DataFrame, known: np.ndarray, hard: pd.Series,
                  value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seg, why = super()._segments(scores, b, known, hard, value)
        rest = ~np.isin(seg, _FLAG_SEGMENTS)
        seg[rest] = "max"
        why[rest] = "contact at the maximum the rules allow (baseline; no score used)"
        return seg, why

    def _place(self, checker: Checker, ctx: dict, seg: np.ndarray, value: np.ndarray) -> tuple[pd.DataFrame, list]:
        caps = contact_caps(self.profile)
        n, h = len(seg), self.plan_days
        past = _recent(ctx["contacts"], ctx["ids"], ctx["now"])
        plan = np.zeros((n, h, len(_CHANNELS)), dtype=np.int64)
        on = seg == "max"
        barred = self._barred(checker, ctx, on)
        slot_ch = np.full((n, len(_MESSAGE_CHANNELS)), -1, dtype=np.int64)
        for i, chans in enumerate(ctx["msg"]):
            usable = [_CHANNELS.index(c) for c in chans if (i, c) not in barred]
            slot_ch[i, :len(usable)] = usable
        call_ok = on & ctx["call"] & np.array([(i, "call") not in barred for i in range(n)], dtype=bool)
        quiet_until = np.full(n, -1, dtype=np.int64)
        # where calls must follow a repayment-plan offer, the first message is that offer
        forbear = bool(self.profile.of_kind("forbearance_first"))
        offered = np.zeros(n, dtype=bool)
        rows: list[tuple[int, int, str, int, str]] = []
        for d in range(h):
            has_window = on & np.array([(ctx["sig"][i], d) in ctx["table"] for i in range(n)], dtype=bool)
            may_call = call_ok & has_window & (d > quiet_until) & (offered | (not forbear))
            k = np.where(may_call, _room(plan, past, caps, 0, d), 0)
            plan[:, d, 0] = k
            if caps["quiet_days"]:
                quiet_until = np.where(k > 0, d + caps["quiet_days"], quiet_until)
            rows += [(i, d, "call", j, "agent_call") for j in range(int(k.max(initial=0)))
                     for i in np.flatnonzero(k > j)]
            for slot in range(len(_MESSAGE_CHANNELS)):
                for ch in range(1, len(_CHANNELS)):
                    pick = has_window & (slot_ch[:, slot] == ch)
                    if pick.any():
                        ok = pick & (_room(plan, past, caps, ch, d) > 0)
                        plan[ok, d, ch] += 1
                        rows += [(i, d, _CHANNELS[ch], 0, "repayment_plan_offer" if forbear and not offered[i]
                                  else "payment_link") for i in np.flatnonzero(ok)]
                        offered |= ok
        return self._placed(ctx, rows), []

    def _barred(self, checker: Checker, ctx: dict, on: np.ndarray) -> set[tuple[int, str]]:
        """(borrower, channel) pairs a rule bars on any day (consent, opt-out, never-list): one probe step each."""
        probe = []
        for i in np.flatnonzero(on):
            day = next((d for d in range(self.plan_days) if (ctx["sig"][i], d) in ctx["table"]), None)
            if day is not None:
                probe += [(i, day, c) for c in (("call",) if ctx["call"][i] else ()) + tuple(ctx["msg"][i])]
        if not probe:
            return set()
        r = pd.DataFrame(probe, columns=["bi", "day", "channel"])
        call = (r["channel"] == "call").to_numpy()
        kind = np.where(call, "agent_call", "payment_link")
        pend = pd.DataFrame({"bi": r["bi"].to_numpy(), "stage": 0, "action": kind, "template": kind})
        rows = self._rows(ctx, pend, r["channel"].to_numpy(dtype=object), r["day"].to_numpy(),
                          [ctx["table"][(ctx["sig"][i], d)] for i, d in zip(r["bi"], r["day"], strict=True)])
        rows["step"] = np.arange(1, len(rows) + 1)
        found = checker.violations(rows)
        kinds = {x.id: x.kind for x in self.profile.rules}
        static = found.loc[found["rule_id"].map(kinds).isin(_STATIC)]
        hit = rows.set_index("step").loc[static["step"].to_numpy()]
        return set(zip(hit["bi"], hit["channel"], strict=True))

    def _placed(self, ctx: dict, rows: list[tuple[int, int, str, int, str]]) -> pd.DataFrame:
        if not rows:
            return pd.DataFrame()
        r = pd.DataFrame(rows, columns=["bi", "day", "channel", "nth", "action"])
        r = r.assign(offer=r["action"] != "repayment_plan_offer").sort_values(["bi", "day", "offer", "channel", "nth"])
        per_day = r.groupby(["bi", "day"])["channel"].transform("size").to_numpy()
        slot = r.groupby(["bi", "day"]).cumcount().to_numpy()
        win = []
        for bi, d, k, s in zip(r["bi"], r["day"], per_day, slot, strict=True):
            a, b = ctx["table"][(ctx["sig"][bi], d)]
            step = (b - a) // k  # the day's window cut in k equal parts, one contact in each
            win.append((a + s * step, a + (s + 1) * step))
        pend = pd.DataFrame({"bi": r["bi"].to_numpy(), "stage": np.arange(len(r)), "action": r["action"].to_numpy(),
                             "template": r["action"].to_numpy()})
        return self._rows(ctx, pend, r["channel"].to_numpy(dtype=object), r["day"].to_numpy(), win)


_DPD_SCORES = pa.DataFrameSchema(
    {"days_past_due": pa.Column(float, pa.Check.ge(0.0), nullable=False, coerce=True),
     "amount_at_risk": pa.Column(float, pa.Check.ge(0.0), nullable=False, coerce=True)},
    index=pa.Index(str, unique=True, name="borrower_id", coerce=True), name="scores", strict=False)


class DaysPastDuePolicy(ContactPolicy):
    """The strategy collectors used before scoring: contact by days-past-due bucket, calls for the oldest.

    ============  ======================================================  ==========================
    bucket        who                                                     steps (day from now)
    ============  ======================================================  ==========================
    ``dpd_0``     nothing past due yet (an installment falls due soon)    reminder (0)
    ``dpd_1``     1-29 days past due                                      reminder (0), link (3)
    ``dpd_30``    30-59 days past due                                     link (0), call (1), call (4)
    ``dpd_60``    60 or more days past due                                call (0, 2, 4, 6), link (1)
    ============  ======================================================  ==========================

    (Under US Regulation F the example gets one call: any planned call may become a conversation,
    after which no call is allowed for 7 days; texts need consent evidence this borrower lacks.)
    Scores are not used: ``scores`` needs ``days_past_due`` and ``amount_at_risk`` (agent calls
    go to the largest amounts first). Flags and every rule still apply (the planner's checks).
    Hardship is not a segment: this is the baseline that pressures people in hardship.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.policy import DaysPastDuePolicy
    >>> from riskscore.schemas import BORROWER_FLAGS
    >>> b = pd.DataFrame({"borrower_id": ["a"], "timezone": "America/Chicago", "channels_allowed": "sms,call",
    ...                   "preferred_channel": "sms", "language": "en", **dict.fromkeys(BORROWER_FLAGS, False)})
    >>> s = pd.DataFrame({"days_past_due": [75.0], "amount_at_risk": [900.0]}, index=["a"])
    >>> DaysPastDuePolicy("us_reg_f_2021").plan(s, None, b, now="2026-11-23T13:00Z").steps["action"].tolist()
    ['agent_call']
    """

    STEPS: ClassVar[dict[str, list[tuple[str, str, int]]]] = {
        "dpd_0": [("reminder", "reminder", 0)],
        "dpd_1": [("reminder", "reminder", 0), ("payment_link", "payment_link", 3)],
        "dpd_30": [("payment_link", "payment_link", 0), ("agent_call", "agent_call", 1),
                   ("agent_call", "agent_call", 4)],
        "dpd_60": [("agent_call", "agent_call", 0), ("payment_link", "payment_link", 1),
                   ("agent_call", "agent_call", 2), ("agent_call", "agent_call", 4), ("agent_call", "agent_call", 6)],
    }

    SCORES = _DPD_SCORES

    def __init__(self, profile: str | Profile = "us_reg_f_2021", overrides: Any = None, **kwargs: Any):
        kwargs.setdefault("call_value", lambda s: s["amount_at_risk"])
        # the bucket strategy calls on its schedule: no self-service-first wait, no call budget
        kwargs.setdefault("call_wait_days", None)
        kwargs.setdefault("max_window_calls", None)
        super().__init__(profile, overrides, **kwargs)

    def _segments(self, scores: pd.DataFrame, b: pd.DataFrame, known: np.ndarray, hard: pd.Series,
                  value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # the parent's flag segments (the likelihood is missing: no score segment); the rest become buckets
        seg, why = super()._segments(scores, b, known, pd.Series("", index=hard.index), value)
        rest = ~np.isin(seg, _FLAG_SEGMENTS)
        dpd = scores["days_past_due"].to_numpy(float)
        bucket = np.select([dpd >= 60, dpd >= 30, dpd >= 1], ["dpd_60", "dpd_30", "dpd_1"], "dpd_0")
        seg[rest] = bucket[rest]
        why[rest] = np.array([f"{d:.0f} days past due: bucket {k} (baseline; no score used)"
                              for d, k in zip(dpd[rest], bucket[rest], strict=True)], dtype=object)
        return seg, why
