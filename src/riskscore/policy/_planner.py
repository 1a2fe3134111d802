"""The planner: scores and reasons become contact plans that the checker passes.

Each borrower falls in one segment (first match wins):

==============  =========================================================================  ===========================
segment         who                                                                        steps (day from now)
==============  =========================================================================  ===========================
``unknown``     no row in the borrowers table (flags and channels unknown)                 human review
``blocked``     a flag of a ``block_flag`` rule (cease, dispute, attorney, bankruptcy ...)   none
``review``      a flag of a ``review_flag`` rule (vulnerable, refuses automated, deceased;   human review
                under ``strict_v1`` any hardship evidence)
``hardship``    ``hardship_declared``, a hardship reason code among the top reasons, or    plan offer (0), referral (2)
                the scores' ``hardship_signal`` (repeated partial payments)
``no_contact``  likelihood >= ``no_contact_threshold``                                     none
``self_cure``   likelihood >= ``self_cure_threshold``                                      gentle reminder (0)
``middle``      likelihood >= ``low_threshold``                                            reminder (0), link (3)
``low``         the rest (the call: see the note below the table)                          link (0), offer (2), call (4)
==============  =========================================================================  ===========================

Note: the low segment's call is off by default (``max_window_calls=0``: dropped with a
``PLAN-ESCALATION`` event). Turned on, it goes only after self-service went unanswered a week, at
most once in 90 days; else later, or dropped with a ``PLAN-ESCALATION`` event
(:mod:`riskscore.policy._escalation`).

Every candidate step is checked against the profile (:class:`~riskscore.policy.Checker`) with the
steps already accepted for the borrower; one that breaks a rule is tried on the next channel, then
the next day, within the horizon, and dropped when nothing is allowed. :attr:`Plans.events`
records which rule moved or dropped it. Agent calls go, day by day, to the borrowers where a call
is worth most (``call_value``) until the day's capacity is used.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from riskscore._compat import Interval, InvalidParameterError, isin, renamed_parameter, validate_parameter_constraints
from riskscore._language import primary_languages
from riskscore._pandera import pa
from riskscore._validation import data_error, pandera_failures
from riskscore.policy._arrays import factorize_rows, groups, ns_of, objects, text_take, utc_now
from riskscore.policy._checks import PLAN_COLUMNS, Checker, known_actions
from riskscore.policy._clock import DAY_NS, allowed_pieces, local_ns, minutes_of_day, weekday
from riskscore.policy._escalation import call_gate
from riskscore.policy._explore import Exploration, explore, with_decisions
from riskscore.policy._holidays import HolidayCalendar
from riskscore.policy._plans import EVENT_COLUMNS, Plans
from riskscore.policy._profile import LANGS, WEEKDAYS, Profile, load_profile
from riskscore.policy._rounds import Rounds, check_built
from riskscore.policy._screen import _worded
from riskscore.policy._segments import Segments
from riskscore.schemas import (
    BORROWER_FLAGS,
    OPTIONAL_COLUMNS,
    borrowers_as_of,
    parse_channels,
    validate_borrowers,
    validate_contacts,
)

__all__ = ["ContactPolicy", "default_call_value"]

_MESSAGE_CHANNELS = ("app", "sms", "email", "letter")
#: segment -> [(action, template name, day offset)]
_STEPS: dict[str, list[tuple[str, str, int]]] = {
    "hardship": [("repayment_plan_offer", "repayment_plan_offer", 0), ("hardship_referral", "hardship_referral", 2)],
    "self_cure": [("reminder", "reminder_gentle", 0)],
    "middle": [("reminder", "reminder", 0), ("payment_link", "payment_link", 3)],
    "low": [("payment_link", "payment_link", 0), ("repayment_plan_offer", "repayment_plan_offer", 2),
            ("agent_call", "agent_call", 4)],
}
#: columns of the plans that are text (the others that hold text are objects: a step without contact
#: has None there)
_TEXT = ["borrower_id", "action", "language", "rationale"]
_PLACED = ("reminder", "payment_link", "repayment_plan_offer", "hardship_referral", "agent_call")
_SCORES = pa.DataFrameSchema(
    {"likelihood": pa.Column(float, pa.Check.in_range(0.0, 1.0), nullable=False, coerce=True),
     "amount_at_risk": pa.Column(float, pa.Check.ge(0.0), nullable=False, coerce=True, required=False),
     "hardship_signal": pa.Column(bool, nullable=False, coerce=True, required=False),
     "loan_ids": pa.Column(str, nullable=True, coerce=True, required=False)},
    index=pa.Index(str, unique=True, name="borrower_id", coerce=True), name="scores", strict=False)


def default_call_value(scores: pd.DataFrame) -> pd.Series:
    """Worth of an agent call: amount at risk x (1 - likelihood); 1 - likelihood without amounts.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"likelihood": [0.2, 0.5], "amount_at_risk": [100.0, 1000.0]})
    >>> default_call_value(s).tolist()
    [80.0, 500.0]
    """
    risk = 1.0 - scores["likelihood"]
    return risk * scores["amount_at_risk"] if "amount_at_risk" in scores else risk


class ContactPolicy(Rounds, Segments):
    """Plan non-harassing contact from scores and reasons, under a rule profile.

    Parameters
    ----------
    profile : str, path or Profile, default "us_reg_f_2021"
        A shipped profile (:func:`list_profiles`), a YAML file, or a loaded profile.
    overrides : mapping, optional
        Single rule parameters to change (``{"US-07.max_calls": 5}``), reported as policy values.
    plan_days : int in [1, 60], default 7
        Days (in the borrower's local calendar, from ``now``) a plan covers. Plans are made
        again every run, so a long plan only fixes contacts that later runs would revisit;
        60 days bounds that (and the per-day tables the planner builds).
    agent_calls_per_day : int >= 0, optional
        Agent-call capacity per day; ``None`` means no limit.
    call_value : callable, optional
        ``scores -> Series`` of the worth of a call per borrower (default
        :func:`default_call_value`); calls go to the highest values first.
    self_cure_threshold, no_contact_threshold, low_threshold : float in [0, 1]
        Likelihood cut-offs of the segments (see the module notes), with
        ``low_threshold <= self_cure_threshold <= no_contact_threshold``.
    hardship_codes : tuple of str, default ("RS-PARTIAL",)
        Reason codes that signal hardship when among a borrower's top ``hardship_top`` reasons and
        the likelihood is below ``self_cure_threshold`` (a likely self-curer is not contacted on a
        reason code alone; a declared hardship always gets the offer).
    hardship_top : int >= 0, default 1
        0: reason codes never signal hardship (declared hardship and ``hardship_signal`` still do).
    holidays : iterable of date-like, optional
        Public holidays (local dates, the same for every borrower) for profiles that block them.
        Default: the national holidays of the ``holidays`` package, for the profile's country or
        (``strict_v1``) every country the borrower may be in: its ``country`` column and the
        countries of its candidate time zones (see :class:`~riskscore.policy.Checker`). ``[]``
        for none. The audit says which were used.
    lead_minutes : int >= 0, default 15
        No window opens sooner than this after ``now``.
    min_window_minutes : int in [0, 1440], default 60
        A day whose longest allowed window is shorter is skipped (a day has 1440 minutes).
    call_wait_days : int in [0, 28] or None, default 7
        An agent call only this many days after a message (reminder, link, offer) that went
        unanswered, sent since the last call, within 30 days; ``None``: off.
    call_window_days : int in [1, 366], default 90
    max_window_calls : int >= 0 or None, default 0
        No agent call while the log holds this many in the ``call_window_days`` before it;
        ``None``: no limit. **0, the default, plans no agent calls at all**: on the policy
        evaluation calls bought 0.04 % of recovery and every borrower they reached in hardship had
        entered it after the call was planned, which no rule can see (``docs/policy_evaluation.md``).
        ``1`` (one call a 90-day cycle, after self-service went unanswered) turns them on, for a
        lender whose own logs show that calls add recovery (:func:`riskscore.evaluation.off_policy`).
        All three are policy values (:mod:`riskscore.policy._escalation`).
    horizon_days : int, optional
        Deprecated: renamed ``plan_days`` in riskscore 0.2, removed in 0.4 (it wins when given).
    exploration : Exploration or mapping, optional
        Randomised holdouts (:class:`~riskscore.policy.Exploration`, or its ``to_dict()``
        mapping): a seeded share of a segment's borrowers get a plan drawn at random; every
        plan row records the decision, the default and its propensity. Default: none.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.policy import ContactPolicy
    >>> from riskscore.schemas import BORROWER_FLAGS
    >>> borrowers = pd.DataFrame({"borrower_id": ["a", "b"], "timezone": "Asia/Shanghai",
    ...     "channels_allowed": "sms,call", "preferred_channel": "sms", "language": "zh",
    ...     **dict.fromkeys(BORROWER_FLAGS, False)})
    >>> scores = pd.DataFrame({"likelihood": [0.9, 0.1]}, index=pd.Index(["a", "b"], name="borrower_id"))
    >>> plans = ContactPolicy("cn_gbt45251_2025").plan(scores, None, borrowers, None,
    ...                                                now=pd.Timestamp("2026-11-23 13:30", tz="UTC"))
    >>> plans.steps[["borrower_id", "action", "channel", "window_start_local"]].to_numpy().tolist()[:2]
    [['a', 'reminder', 'sms', '2026-11-24 08:00'], ['b', 'payment_link', 'sms', '2026-11-24 08:00']]
    """

    #: segment -> [(action, template name, day offset)]: the steps each segment is offered (subclasses
    #: such as the baselines of :mod:`riskscore.policy` change them)
    STEPS: dict[str, list[tuple[str, str, int]]] = _STEPS
    #: the contract of ``scores`` (subclasses that plan without a score change it)
    SCORES: pa.DataFrameSchema = _SCORES

    #: Constraints of the constructor's arguments, checked (scikit-learn's way and message) on construction.
    _parameter_constraints: ClassVar[dict[str, list[object]]] = {
        "profile": [str, os.PathLike, Profile],
        "overrides": [Mapping, None],
        "plan_days": [Interval(Integral, 1, 60, closed="both")],
        "agent_calls_per_day": [Interval(Integral, 0, None, closed="left"), None],
        "call_value": [callable, None],
        "self_cure_threshold": [Interval(Real, 0, 1, closed="both")],
        "no_contact_threshold": [Interval(Real, 0, 1, closed="both")],
        "low_threshold": [Interval(Real, 0, 1, closed="both")],
        "hardship_codes": [tuple, list, set, frozenset],
        "hardship_top": [Interval(Integral, 0, None, closed="left")],
        "holidays": [Iterable, None],
        "lead_minutes": [Interval(Integral, 0, None, closed="left")],
        "min_window_minutes": [Interval(Integral, 0, 1440, closed="both")],
        "horizon_days": [Interval(Integral, 1, 60, closed="both"), None],
        "call_wait_days": [Interval(Integral, 0, 28, closed="both"), None],
        "call_window_days": [Interval(Integral, 1, 366, closed="both")],
        "max_window_calls": [Interval(Integral, 0, None, closed="left"), None],
        "exploration": [Exploration, Mapping, None],
    }

    def __init__(self, profile: str | Profile = "us_reg_f_2021", overrides: Mapping[str, Any] | None = None, *,
                 plan_days: int = 7, agent_calls_per_day: int | None = None,
                 call_value: Callable[[pd.DataFrame], pd.Series] | None = None, self_cure_threshold: float = 0.8,
                 no_contact_threshold: float = 0.95, low_threshold: float = 0.4,
                 hardship_codes: Iterable[str] = ("RS-PARTIAL",), hardship_top: int = 1,
                 holidays: Iterable[object] | None = None, lead_minutes: int = 15,
                 min_window_minutes: int = 60, horizon_days: int | None = None, call_wait_days: int | None = 7,
                 call_window_days: int = 90, max_window_calls: int | None = 0,
                 exploration: Exploration | Mapping[str, Any] | None = None) -> None:
        args = {k: v for k, v in locals().items() if k in self._parameter_constraints}
        validate_parameter_constraints(self._parameter_constraints, args, caller_name=type(self).__name__)
        if not low_threshold <= self_cure_threshold <= no_contact_threshold:
            raise InvalidParameterError(
                f"The thresholds of {type(self).__name__} must satisfy low_threshold <= self_cure_threshold <= "
                f"no_contact_threshold. Got {low_threshold!r}, {self_cure_threshold!r} and {no_contact_threshold!r} "
                "instead.")
        if horizon_days is not None:
            renamed_parameter("horizon_days", "plan_days",
                              stacklevel=2 if type(self).__init__ is ContactPolicy.__init__ else 3)
            plan_days = horizon_days
        self.profile = load_profile(profile, overrides)
        self.plan_days, self.agent_calls_per_day = int(plan_days), agent_calls_per_day
        self.call_value = call_value or default_call_value
        self.self_cure_threshold, self.no_contact_threshold = self_cure_threshold, no_contact_threshold
        self.low_threshold, self.hardship_codes, self.hardship_top = low_threshold, tuple(hardship_codes), hardship_top
        self.holidays = None if holidays is None else list(holidays)
        self.lead_minutes, self.min_window_minutes = lead_minutes, min_window_minutes
        self.call_wait_days, self.call_window_days = call_wait_days, call_window_days
        self.max_window_calls = max_window_calls
        self.exploration = Exploration.from_dict(exploration) if isinstance(exploration, Mapping) else exploration

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(profile={self.profile.name!r}, plan_days={self.plan_days}, "
                f"agent_calls_per_day={self.agent_calls_per_day})")

    @property
    def horizon_days(self) -> int:
        """Deprecated: renamed :attr:`plan_days` in riskscore 0.2, removed in 0.4."""
        warnings.warn("'horizon_days' was renamed 'plan_days' in riskscore 0.2 and will be removed in 0.4.",
                      FutureWarning, stacklevel=2)
        return self.plan_days

    # -- inputs ------------------------------------------------------------------------------------
    @classmethod
    def _scores(cls, scores: pd.DataFrame) -> pd.DataFrame:
        """``scores`` indexed by ``borrower_id`` and validated against the class's ``SCORES`` schema;
        ``likelihood`` is all-missing for a policy whose schema does not ask for it (the baselines)."""
        if not isinstance(scores, pd.DataFrame):
            raise TypeError(f"scores must be a DataFrame, got {type(scores).__name__}")
        if "borrower_id" in scores.columns:
            scores = scores.set_index("borrower_id")
        scores = scores.rename_axis("borrower_id")
        try:
            out = cls.SCORES.validate(scores, lazy=True)
        except pa.errors.SchemaErrors as err:
            raise data_error("scores", pandera_failures("scores", err)) from None
        return out if "likelihood" in out else out.assign(likelihood=np.nan)

    # -- windows -----------------------------------------------------------------------------------
    def _time_rules(self) -> dict[str, Any]:
        hours, weekdays, holidays = None, set(), False
        for rule in self.profile.of_kind("time_window"):
            a, b = minutes_of_day(rule.params["start"]), minutes_of_day(rule.params["end"])
            hours = (a, b) if hours is None else (max(hours[0], a), min(hours[1], b))
        for rule in self.profile.of_kind("blocked_days"):
            weekdays |= {WEEKDAYS.index(d) for d in rule.params["weekdays"]}
            holidays |= bool(rule.params["public_holidays"])
        return {"hours": hours, "blocked_weekdays": sorted(weekdays), "holidays": holidays,
                "designated": bool(self.profile.of_kind("designated_times"))}

    def _windows(self, zones: np.ndarray, hours_cells: np.ndarray, now: pd.Timestamp, calendar: HolidayCalendar,
                 calendars: np.ndarray, zone_codes: np.ndarray) -> tuple[np.ndarray, dict]:
        """Signature code per borrower, and {(signature, day): (start_ns, end_ns)}: the longest
        allowed piece on each local day (of the borrower's own zone) of the horizon.
        ``calendars`` are the borrowers' holiday calendars (:class:`HolidayCalendar` codes);
        ``zone_codes`` codes of ``zones`` (equal codes, equal zones)."""
        spec = self._time_rules()
        cells = hours_cells if spec["designated"] else np.full(len(zones), "", dtype=object)
        calendars = calendars if spec["holidays"] else np.zeros(len(zones), dtype=np.int64)
        # the distinct (zones, hours, calendar), numbered in order of first appearance
        codes, first = groups(zone_codes, pd.factorize(cells, use_na_sentinel=False)[0], calendars) \
            if len(zones) else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        sigs = [(zones[i], cells[i], calendars[i]) for i in first.tolist()]
        lo = now.value + self.lead_minutes * 60 * 10**9
        hi = now.value + (self.plan_days + 2) * DAY_NS
        table: dict[tuple[int, int], tuple[int, int]] = {}
        clocks: dict = {}  # each zone's wall clock over the horizon, shared by the signatures
        for k, (zs, cell, cal) in enumerate(sigs):
            primary = zs[0]
            if primary not in clocks:
                clocks[primary] = int(local_ns(np.array([now.value]), primary)[0] // DAY_NS)
            today = clocks[primary]
            holidays = calendar.days(cal, lo // DAY_NS - 2, hi // DAY_NS + 2) if spec["holidays"] else []
            pieces = allowed_pieces(zs[1], lo, hi, hours=spec["hours"], inconvenient=cell,
                                    blocked_weekdays=spec["blocked_weekdays"], holidays=holidays, cache=clocks)
            starts = [a for a, _ in pieces]  # their local dates in the primary zone: found once per start
            new = [a for a in starts if ("date", primary, a) not in clocks]
            if new:
                clocks.update(zip([("date", primary, a) for a in new],
                                  (local_ns(np.array(new, dtype=np.int64), primary) // DAY_NS).tolist(), strict=True))
            days = np.array([clocks[("date", primary, a)] for a in starts], dtype=np.int64) - today
            for (a, b), day in zip(pieces, days.tolist(), strict=True):
                if b - a < self.min_window_minutes * 60 * 10**9:
                    continue
                if 0 <= day < self.plan_days and b - a > table.get((k, day), (0, 0))[1] - table.get((k, day),
                                                                                                      (0, 0))[0]:
                    table[(k, day)] = (a, b)
        return codes, table

    # -- planning ----------------------------------------------------------------------------------
    def plan(self, scores: pd.DataFrame, reasons: pd.DataFrame | None, borrowers: pd.DataFrame,
             contacts: pd.DataFrame | None = None, now: object = None, *, validate: bool = True) -> Plans:
        """One plan per scored borrower over the horizon; every plan passes :func:`check_plans`.

        Parameters
        ----------
        scores : DataFrame
            Indexed by ``borrower_id`` (or with that column): ``likelihood`` in [0, 1] and,
            optionally, ``amount_at_risk`` (>= 0) for the default call value and
            ``hardship_signal`` (bool, :func:`riskscore.features.hardship_signal`: routes the
            borrower to the hardship segment).
        reasons : DataFrame or None
            :func:`riskscore.explain.reason_codes` output (``row`` is the borrower id).
        borrowers : DataFrame
            The borrowers table (validated here); versioned in time (``valid_from``), the rows in
            effect on the day of ``now`` (UTC): :func:`riskscore.schemas.borrowers_as_of`.
        contacts : DataFrame, optional
            The contact log up to ``now`` (validated here).
        now : timestamp, optional
            Time zone-aware; default the current time.
        validate : bool, default True
            Validate ``borrowers`` and ``contacts`` against their contracts. Turn off only for
            tables that just came out of :func:`riskscore.validate_borrowers` /
            :func:`riskscore.quarantine` (the nightly job does; the scores are always checked).

        Returns
        -------
        Plans
        """
        now = utc_now(now)
        scores = self._scores(scores)
        if validate:
            borrowers = validate_borrowers(borrowers)
            contacts = validate_contacts(contacts) if contacts is not None else None
        borrowers = borrowers_as_of(borrowers, now)  # a table versioned in time: the rows in effect today
        ids = scores.index
        b = borrowers.set_index("borrower_id").reindex(ids)
        for col, default in OPTIONAL_COLUMNS["borrowers"].items():
            b[col] = b[col].fillna(default) if col in b else default
        for flag in BORROWER_FLAGS:  # a borrower missing from the table has no flag set (and is reviewed)
            b[flag] = b[flag].fillna(False).astype(bool)
        known = isin(ids, borrowers["borrower_id"])
        said, hard = self._signals(reasons, ids)
        hardship = pd.Series(self.hardship_evidence(scores, b, hard), index=ids, name="hardship")
        checker = Checker(self.profile, borrowers, contacts, holidays=self.holidays, hardship=hardship)
        value = np.asarray(self.call_value(scores), dtype=float)
        seg, why = self._segments(scores, b, known, hard, value)
        chosen, ladder = explore(seg, why, ids, b, now, getattr(self, "exploration", None))
        cb = checker.borrowers.index.get_indexer(ids)  # each scored borrower's row in the checker's table
        zone_sets = checker.zones.to_numpy(dtype=object)[np.maximum(cb, 0)] if len(checker.zones) else \
            np.full(len(ids), np.nan, dtype=object)
        zone_sets[cb < 0] = np.nan
        ctx = self._context(b, known, ids, now, why, said, checker.calendar, zone_sets) | {
            "contacts": contacts, "checker": checker,
            "loans": (scores["loan_ids"].astype(object).where(scores["loan_ids"].notna(), None).to_numpy(dtype=object)
                      if "loan_ids" in scores else np.full(len(ids), None, dtype=object))}
        ctx["cb"] = cb
        ctx["call_day"], ctx["call_why"] = call_gate(contacts, ids, now, wait_days=self.call_wait_days,
                                                     window_days=self.call_window_days,
                                                     max_calls=self.max_window_calls)
        accepted, events = self._place(checker, ctx, ladder, value)
        steps = self._finish(checker, ctx, ladder, accepted, events)
        steps = with_decisions(steps, ids, seg, chosen, ctx.get("step_bi"))
        flags = b[[f for f in b.columns if b[f].dtype == bool]]
        return Plans(steps=steps, events=pd.DataFrame(events, columns=EVENT_COLUMNS), profile=self.profile,
                     flags=flags, now=now, hardship=hardship, holidays=self.holidays,
                     holiday_source=pd.Series(checker.calendar.source_of(ids), index=ids, dtype=object))

    def _context(self, b: pd.DataFrame, known: np.ndarray, ids: pd.Index, now: pd.Timestamp, why: np.ndarray,
                 said: pd.Series, calendar: HolidayCalendar, zone_sets: np.ndarray) -> dict[str, Any]:
        """What the rounds read per borrower. ``zone_sets``: each borrower's candidate zones
        (:func:`~riskscore.policy._clock.candidate_zones`, as the checker found them; NaN for a
        borrower not in the table)."""
        never = {c for r in self.profile.of_kind("channel_never") for c in r.params["channels"]}
        pref = b["preferred_channel"].to_numpy(dtype=object)
        codes, uniques = factorize_rows(*(b[c].fillna("")
                                          for c in ("channels_allowed", "opt_outs", "preferred_channel")))
        per_combo = []
        for v, o, p in uniques:  # distinct (allowed, opted out, preferred) triples: few in a portfolio
            a = set(parse_channels(v)) - set(parse_channels(o)) - never
            order = ((p,) if p in _MESSAGE_CHANNELS else ()) + _MESSAGE_CHANNELS
            per_combo.append(("call" in a, tuple(dict.fromkeys(c for c in order if c in a))))
        call_ok = np.array([x[0] for x in per_combo], dtype=bool)[codes] if per_combo else np.zeros(0, bool)
        msg = [per_combo[k][1] for k in codes]
        combos = ([c for _, c in per_combo], np.asarray(codes, dtype=np.int64))  # the rounds' codes of ``msg``
        key, pairs = factorize_rows(b["timezone"], zone_sets)  # a few distinct pairs
        by_pair = objects([(tz, z) if isinstance(z, tuple) else (None, ()) for tz, z in pairs])
        zones = by_pair[key] if len(key) else objects([])
        sig, table = self._windows(zones[known], b["inconvenient_hours"].to_numpy(dtype=object)[known], now,
                                   calendar, calendar.codes(ids[known]), key[known])
        sig_all = np.full(len(ids), -1, dtype=np.int64)
        sig_all[known] = sig
        lang = primary_languages(b["language"]).fillna("en").to_numpy(dtype=object, copy=True)
        fallback = ~np.isin(lang, LANGS)
        lang[fallback] = "en"
        note = np.where(fallback, "; no template in the borrower's language: English used", "")
        reasons = np.where(said.to_numpy() != "", "; reasons: " + said.to_numpy(), "")
        return {"ids": ids, "now": now, "msg": msg, "msg_combos": combos, "call": call_ok, "pref": pref,
                "zones": zones, "zone_key": key, "zone_pairs": by_pair, "sig": sig_all, "table": table, "lang": lang,
                "why": why + reasons + note, "messages": {}}

    def _finish(self, checker: Checker, ctx: dict, seg: np.ndarray, accepted: pd.DataFrame,
                events: list) -> pd.DataFrame:
        steps = self._complete(ctx, seg, accepted)
        known_actions(steps)  # the rest of what check_plans validates holds by construction
        found = check_built(checker, ctx, steps)
        while not found.empty:
            # the rounds above only accept steps the checker passed: this is a guarantee, not a code path
            key = pd.MultiIndex.from_frame(found[["borrower_id", "step"]])
            bad = pd.MultiIndex.from_frame(steps[["borrower_id", "step"]]).isin(key)
            if not (bad & steps["action"].isin(_PLACED).to_numpy()).any():
                raise RuntimeError(f"riskscore bug: the plans break rules that dropping steps cannot fix:\n"
                                   f"{found.head().to_string()}")
            for bid, rid, w in found[["borrower_id", "rule_id", "why"]].itertuples(index=False):
                events.append((bid, None, rid, f"dropped at the final check: {w}"))
            steps = self._complete(ctx, seg, steps.loc[~bad & steps["action"].isin(_PLACED)])
            found = check_built(checker, ctx, steps)
        bi = steps["bi"].to_numpy()
        ctx["step_bi"] = bi  # each step's borrower (for the decision columns)
        codes, segments = pd.factorize(np.asarray(seg, dtype=object), use_na_sentinel=False)
        steps["segment"] = text_take(np.asarray(segments, dtype=object), codes[bi])
        steps = self._local_text(ctx, steps)
        steps = steps[[*PLAN_COLUMNS, "day", "segment"]].reset_index(drop=True)
        # the text columns the rounds kept as objects: per distinct value where values repeat
        for col in ("action", "language"):
            codes, values = pd.factorize(steps[col].to_numpy(dtype=object), use_na_sentinel=True)
            steps[col] = pd.array(np.asarray(values, dtype=object), dtype="str").take(codes, allow_fill=True)
        return steps.astype(dict.fromkeys(_TEXT, "str"))

    def _complete(self, ctx: dict, seg: np.ndarray, placed: pd.DataFrame) -> pd.DataFrame:
        """Add the no-contact steps, so every borrower has one, and number steps in time order."""
        placed = placed.loc[placed["action"].isin(_PLACED)] if len(placed) else placed
        have = np.zeros(len(seg), dtype=bool)
        if len(placed):
            have[placed["bi"].to_numpy()] = True
        bi = np.flatnonzero(~have)
        action = np.where(np.isin(seg[bi], ("unknown", "review")), "human_review", "none")
        why = ctx["why"][bi].copy()
        stopped = np.isin(seg[bi], list(self.STEPS))
        why[stopped] = why[stopped] + "; every planned contact was stopped by the rules (see the audit)"
        if len(placed):  # the placed steps' text columns are objects, so the joined ones are: no text inference
            def text(values: object) -> object:
                return pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)
        else:
            def text(values: object) -> object:
                return values
        extra = pd.DataFrame({"bi": bi, "b": ctx["cb"][bi], "ch": -1, "mc": -1, "rc": -1,
                              "worded": _worded(pd.Series(why, dtype=object)),
                              "borrower_id": text(ctx["ids"][bi]), "action": text(action), "channel": None,
                              "recipient": None, "destination": None, "loan_ids": ctx["loans"][bi],
                              "window_start_utc": pd.NaT, "window_end_utc": pd.NaT,
                              "language": text(ctx["lang"][bi]), "template_id": None, "message": None,
                              "rationale": text(why), "day": 0, "stage": 0, "tone": None})
        extra["window_start_utc"] = pd.to_datetime(extra["window_start_utc"], utc=True)
        extra["window_end_utc"] = pd.to_datetime(extra["window_end_utc"], utc=True)
        steps = pd.concat([placed, extra], ignore_index=True) if len(placed) else extra
        # by borrower, window start (none last) and stage: one sort of the keys, one take of the rows
        bi = steps["bi"].to_numpy(np.int64)
        start = steps["window_start_utc"]
        t0 = np.where(start.isna().to_numpy(), np.iinfo(np.int64).max, ns_of(start))
        order = np.lexsort((steps["stage"].to_numpy(), t0, bi))
        steps = steps.take(order).reset_index(drop=True)
        bi = bi[order]
        first = np.r_[True, bi[1:] != bi[:-1]] if len(bi) else np.zeros(0, dtype=bool)
        at = np.flatnonzero(first)
        steps["step"] = np.arange(len(bi)) - np.repeat(at, np.diff(np.r_[at, len(bi)])) + 1
        return steps

    def _local_text(self, ctx: dict, steps: pd.DataFrame) -> pd.DataFrame:
        """Local time zone, window in it, and the window in every candidate zone, as text."""
        n = len(steps)
        bi = steps["bi"].to_numpy()
        zones = ctx["zones"][bi]
        # per distinct (zone, candidates) of the borrowers (ctx["zone_key"]): their zones and texts
        codes = ctx["zone_key"][bi]
        steps["local_timezone"] = text_take(objects([z[0] for z in ctx["zone_pairs"]]), codes) if len(bi) else \
            objects([])
        timed = np.flatnonzero(steps["window_start_utc"].notna().to_numpy())
        t0 = ns_of(steps["window_start_utc"])[timed]
        t1 = ns_of(steps["window_end_utc"])[timed]
        # the text of each distinct (zones, window): windows repeat across borrowers of a zone
        key, first = groups(codes[timed], t0, t1)
        at = np.full(n, -1, dtype=np.int64)  # each step's window (-1: none)
        at[timed] = key
        for col, values in zip(("window_start_local", "window_end_local", "local_windows"),
                               self._window_text(zones[timed][first], t0[first], t1[first]), strict=True):
            steps[col] = text_take(values, at)
        return steps

    @staticmethod
    def _window_text(zones: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per window: its start and end in the primary zone, and the window in every candidate zone."""
        n = len(zones)
        start, end = (np.full(n, None, dtype=object) for _ in range(2))
        parts: list[list[str]] = [[] for _ in range(n)]
        pairs = [(i, z, z == zs[0]) for i, zs in enumerate(zones) for z in zs[1]]
        frame = pd.DataFrame(pairs, columns=["i", "zone", "primary"])
        for zone, grp in frame.groupby("zone", sort=True):
            rows = grp["i"].to_numpy()
            a, b = local_ns(t0[rows], zone), local_ns(t1[rows], zone)  # wall clocks, as strftime prints them
            sa, sb = _minute_text(a), _minute_text(b)
            label = _ABBR[weekday(a // DAY_NS)] + " " + sa + "-" + np.array([x[-5:] for x in sb], dtype=object)
            prim = grp["primary"].to_numpy()
            start[rows[prim]], end[rows[prim]] = sa[prim], sb[prim]
            for i, text in zip(rows, label, strict=True):
                parts[i].append(f"{zone} {text}")
        return start, end, objects(["; ".join(p) if p else None for p in parts])


_ABBR = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], dtype=object)  # strftime's %a


def _minute_text(wall_ns: np.ndarray) -> np.ndarray:
    """Wall-clock nanoseconds as ``YYYY-MM-DD HH:MM`` text (strftime's ``%Y-%m-%d %H:%M``), as objects."""
    text = np.datetime_as_string(np.asarray(wall_ns, dtype=np.int64).view("datetime64[ns]"), unit="m")
    return np.array([x.replace("T", " ") for x in text.tolist()], dtype=object)
