"""The checker: every step of every plan against every rule of a profile, written from the rules.

Conventions (the conservative reading wherever the rules leave room, rules.md section 5):

* A step's window ``[window_start_utc, window_end_utc)`` is when it may be carried out; every
  instant in it must be allowed. Time rules apply in every candidate zone of the borrower, and a
  window must lie on one local date, at one UTC offset, in each zone. Letters carry no time of
  day: ``time_window``, ``blocked_days`` and ``designated_times`` do not apply to them.
* Counts use calendar days in local time. An event counts in a window if any of its candidate
  local dates falls in it. "N days" is the rolling window of N local dates ending on the step's.
  Planned steps count like logged ones; a planned call counts as a placed call, a possible
  conversation and a possibly effective call.
* From the log: ``not_connected`` calls are not counted calls (12 CFR 1006.14(b)(3)(ii)) but are
  dial attempts; inbound calls are conversations but never counted calls; rows with an event
  outcome (opt-out, consent, withdrawn consent) are not contacts. A row with no ``loan_id`` was
  about every debt of the borrower, one with no ``destination`` about every number.
* A step's ``loan_ids`` are the debts it concerns and its ``destination`` the number or address
  it uses; a step naming none concerns every debt and may use any number (plans of the old
  format are checked so).
* Consent freshness holds at every instant of the window, so at its end (:mod:`._consent`).
* Where a profile reads a rule one way or another, the rule's ``reading`` says how (the audit
  repeats it); the rule parameters carry the reading (``consent_lifts_opt_out``, ...).

Speed: every rule is about one borrower's steps and log, so :meth:`Checker.violations` first
screens the steps with whole-array passes (:mod:`riskscore.policy._screen`) and runs each rule
only on the borrowers the screen cannot clear of it; the answer is the same as running every
rule on every step (``Checker.screen = False``; tests/policy/test_screen.py compares the two).
The screen remembers across calls what depends on few values (a window's time verdicts, a
content's verdicts, each borrower and channel's consent evidence); the log's selections are
masks found once (:mod:`riskscore.policy._log`). The planner checks its own candidates through
``Checker._check``, which skips the validation of :meth:`Checker.violations` and takes the codes
the planner knows (``riskscore.policy._rounds.check_built``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from riskscore._compat import isin, validate_params
from riskscore.contract import PLAN_COLUMNS
from riskscore.exceptions import PolicyError
from riskscore.policy._arrays import date_text, distinct, hm
from riskscore.policy._clock import (
    DAY_NS,
    MINUTE_NS,
    candidate_zones,
    in_ranges,
    local_ns,
    minutes_of_day,
    weekday,
    zone_days,
)
from riskscore.policy._consent import ConsentRules
from riskscore.policy._counting import CountRules
from riskscore.policy._holidays import HolidayCalendar
from riskscore.policy._log import LogRows, _ns
from riskscore.policy._plans import Plans
from riskscore.policy._profile import ACTIONS, CONTACT_ACTIONS, WEEKDAYS, Profile, Rule, load_profile
from riskscore.policy._screen import screen
from riskscore.policy._templates import lint_text, rule_text
from riskscore.schemas import (
    OPTIONAL_COLUMNS,
    borrowers_as_of,
    is_versioned,
    parse_channels,
    parse_hours,
    validate_borrowers,
    validate_contacts,
)

__all__ = ["PLAN_COLUMNS", "VIOLATION_COLUMNS", "Checker", "check_plans"]

VIOLATION_COLUMNS = ["borrower_id", "step", "rule_id", "why"]
_NO_HITS = pd.DataFrame({k: pd.Series(dtype=object if k != "step" else np.int64) for k in VIOLATION_COLUMNS})
_REQUIRED = ["borrower_id", "step", "action", "channel", "recipient", "window_start_utc", "window_end_utc",
             "language", "message", "rationale"]
#: Columns a plan may omit (plans made before issue 19): null = the channel as a whole / every debt.
_OPTIONAL = ["destination", "loan_ids"]
#: rule kinds that read the steps' local times in every candidate zone (``_per_zone``)
_PER_ZONE = ("time_window", "blocked_days", "designated_times")
#: rule kinds that count by local dates (the steps' ``lo`` and ``hi``)
_DAY_SPANS = ("call_frequency", "conversation_quiet", "daily_calls", "channel_caps")


def _text_or_none(col: pd.Series) -> np.ndarray:
    """A column's non-empty strings, None elsewhere (as an object array)."""
    values = col.to_numpy(dtype=object)
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:  # every value a string or missing
        ok = col.notna().to_numpy() & (col != "").to_numpy(dtype=bool)
    else:
        ok = col.notna().to_numpy().copy()
        ok[ok] = [isinstance(v, str) and v != "" for v in values[ok]]
    return np.where(ok, values, None)


def known_actions(steps: pd.DataFrame) -> None:
    """Raise :class:`PolicyError` naming the rows whose action is not one of :data:`ACTIONS`."""
    bad = ~steps["action"].isin(ACTIONS)
    if bad.any():
        raise PolicyError(f"plans: column 'action', check isin(ACTIONS): {int(bad.sum())} row(s), e.g. rows "
                          f"{list(steps.index[bad][:3])} with {list(steps['action'][bad][:3])}; actions: {ACTIONS}")


def _steps_frame(plans: object) -> pd.DataFrame:
    steps = getattr(plans, "steps", plans)
    if not isinstance(steps, pd.DataFrame):
        raise TypeError(f"plans must be a Plans object or a DataFrame of steps, got {type(plans).__name__}")
    missing = [c for c in _REQUIRED if c not in steps]
    if missing:
        raise PolicyError(f"plans: missing column(s) {missing}; a plan has the columns {PLAN_COLUMNS}")
    known_actions(steps)
    dup = steps.duplicated(["borrower_id", "step"], keep=False)
    if dup.any():
        raise PolicyError(f"plans: (borrower_id, step) must be unique; rows {list(steps.index[dup][:3])} repeat")
    out = steps[_REQUIRED].reset_index(drop=True).copy()
    for col in _OPTIONAL:
        out[col] = _text_or_none(steps[col]) if col in steps else None
    for col in ("window_start_utc", "window_end_utc"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out


class Checker(ConsentRules, CountRules, LogRows):
    """Checks plan steps against one profile, for one borrowers table and contact log.

    Build it once and call :meth:`violations` for many candidate steps (the planner does); or
    call :func:`check_plans`. The log's local dates are computed once, at construction.

    Parameters
    ----------
    profile : Profile or str
    borrowers : DataFrame
        Validated borrowers table (:func:`riskscore.validate_borrowers`).
    contacts : DataFrame, optional
        Validated contact log (:func:`riskscore.validate_contacts`).
    holidays : iterable of date-like, optional
        Public holidays (local dates, the same for every borrower) for ``blocked_days`` rules with
        ``public_holidays: true``. Default: the national holidays of the ``holidays`` package for
        the profile's country, or for every country the borrower may be in (its ``country``
        column and the countries of its candidate time zones) when the profile has none
        (``strict_v1``); ``[]`` for none.
    hardship : Series or iterable of str, optional
        Hardship evidence beyond the ``hardship_declared`` flag, for ``review_flag`` rules with
        ``hardship_evidence: true``: the ids of the borrowers with evidence, or a Series indexed
        by ``borrower_id`` (true, or a non-empty text saying what the evidence is).

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.policy import Checker
    >>> from riskscore.schemas import BORROWER_FLAGS
    >>> b = pd.DataFrame({"borrower_id": ["b1"], "timezone": ["Europe/London"], "channels_allowed": ["app"],
    ...                   "preferred_channel": [None], "language": ["en"],
    ...                   **dict.fromkeys(BORROWER_FLAGS, [False])})
    >>> checker = Checker("uk_fca_conc7_2024", b)
    >>> step = {"borrower_id": "b1", "step": 1, "action": "reminder", "channel": "sms", "recipient": "borrower",
    ...         "window_start_utc": pd.Timestamp("2026-11-24 10:00", tz="UTC"),
    ...         "window_end_utc": pd.Timestamp("2026-11-24 11:00", tz="UTC"), "language": "en",
    ...         "message": "Hello. Reply STOP to stop these messages.", "rationale": "reminder"}
    >>> checker.violations(pd.DataFrame([step]))["rule_id"].tolist()
    ['POL-CHANNELS']
    """

    def __init__(self, profile: Profile | str, borrowers: pd.DataFrame, contacts: pd.DataFrame | None = None,
                 *, holidays: Iterable[object] | None = None, hardship: object = None) -> None:
        self.profile = load_profile(profile)
        b = borrowers.copy()
        for col, default in OPTIONAL_COLUMNS["borrowers"].items():
            b[col] = b[col].fillna(default) if col in b else default
        self.borrowers = b.set_index("borrower_id", drop=False)
        self.zones = candidate_zones(b)
        self.calendar = HolidayCalendar(self.profile, b, self.zones, holidays)
        self._log = self._prepare_log(contacts)
        self._cache: dict[tuple, object] = {}
        self._sets = {col: pd.factorize(self.borrowers[col], use_na_sentinel=False)
                      for col in ("channels_allowed", "opt_outs")}
        self.hardship = isin(self.borrowers.index, hardship_ids(hardship))
        #: screen the steps first (:mod:`riskscore.policy._screen`); False runs every rule on every step
        self.screen = True

    def _member(self, col: str, c: pd.DataFrame) -> np.ndarray:
        """Whether each step's channel is listed in the borrower's ``col`` cell (computed per distinct pair)."""
        codes, cells = self._sets[col]
        keys, uniq = distinct(codes[c["b"].to_numpy()], c["channel"])
        hit = np.array([ch in parse_channels(cells[k]) for k, ch in uniq], dtype=bool)
        return hit[keys] if len(keys) else np.zeros(0, dtype=bool)

    # -- entry point -------------------------------------------------------------------------------
    def violations(self, plans: object) -> pd.DataFrame:
        """Every violation in the plans: one row per (borrower, step, rule), with why.

        A rule about a whole plan (a review flag without a human-review step) reports step 0.
        """
        s = _steps_frame(plans)
        s["b"] = self.borrowers.index.get_indexer(s["borrower_id"])
        return self._check(s)

    def _check(self, s: pd.DataFrame, codes: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """:meth:`violations` of a steps frame already in the checker's form: the plan columns, unique
        (borrower_id, step), ``destination`` and ``loan_ids`` non-empty text or None, UTC windows, a
        RangeIndex and ``b`` (the borrower's row of :attr:`borrowers`, -1 for none). The planner
        builds its candidates so and checks them here, without a copy and a second validation.

        ``codes`` (optional, per step) are what the caller knows already: ``who`` (equal for the
        steps of one borrower, different otherwise), ``channel`` (position in ``CHANNELS``, -1 for
        none or another), ``language``, ``message`` and ``recipient`` (equal codes for equal
        values) and ``worded`` (the rationale surely has a letter or digit)."""
        if not self.screen or not len(s):
            return self._violations(s)
        # each rule runs on the borrowers the screen cannot clear of it (the same answer, sooner)
        codes = codes or {}
        kept, flagged = screen(self, s, codes)
        hit = kept.copy()
        for mask in flagged:
            hit |= mask if mask is not None else False
        if not hit.any():  # every step cleared: no rule to run (running them on no steps reads the whole log)
            return _NO_HITS.copy()
        who = codes["who"] if "who" in codes else pd.factorize(s["borrower_id"], use_na_sentinel=False)[0]

        def of(mask: np.ndarray) -> np.ndarray:  # the steps of the borrowers of some steps
            on = np.zeros(who.max() + 1, dtype=bool)
            on[who[mask]] = True
            return on[who]

        rows = of(hit)
        sub = s.loc[rows].reset_index(drop=True)
        base = of(kept)[rows]
        masks = [base if mask is None or not mask[~kept].any() else base | of(mask)[rows] for mask in flagged]
        return self._violations(sub, masks)

    def _violations(self, s: pd.DataFrame, masks: list[np.ndarray] | None = None) -> pd.DataFrame:
        """The rules on the steps frame ``s`` (with ``b``): each on every step, or on the steps of ``masks``
        (one per rule, rows of ``s``; they hold every step of a borrower or none)."""
        b = s["b"].to_numpy()
        if len(b) < len(self.borrowers) // 2:  # a few borrowers: the count rules look at their log rows only
            self._focus = np.zeros(len(self.borrowers), dtype=bool)
            self._focus[b[b >= 0]] = True
            self._focus_at = None
        try:
            return self._every_rule(s, masks)
        finally:
            self._focus = self._focus_at = None

    def _every_rule(self, s: pd.DataFrame, masks: list[np.ndarray] | None) -> pd.DataFrame:
        contact = s["action"].isin(CONTACT_ACTIONS).to_numpy()
        windowed = (s["window_end_utc"] > s["window_start_utc"]).to_numpy()  # False when either is missing
        found: list[pd.DataFrame] = [self._structure(s, contact, windowed)]
        c = s.loc[contact & windowed & (s["b"].to_numpy() >= 0)].copy()
        c["t0"] = _ns(c["window_start_utc"])
        c["t1"] = _ns(c["window_end_utc"])
        parts: dict[int, list] = {}  # id of a mask -> [steps, contact steps, per-zone rows or None]
        for i, rule in enumerate(self.profile.rules):
            mask = None if masks is None else masks[i]
            if mask is not None and not mask.any():
                continue
            if id(mask) not in parts:
                whole = mask is None or mask.all()
                parts[id(mask)] = [s, c, None] if whole else [s.loc[mask], c.loc[mask[c.index.to_numpy()]], None]
            part = parts[id(mask)]
            if rule.kind in _PER_ZONE and part[2] is None:
                part[2] = self._per_zone(part[1])
            if rule.kind in _DAY_SPANS and "lo" not in part[1]:
                part[1] = self._day_spans(part[1])
            found.append(getattr(self, f"_{rule.kind}")(rule, *part))
        out = pd.concat([f for f in found if len(f)], ignore_index=True) if any(len(f) for f in found) else None
        if out is None:
            return pd.DataFrame({k: pd.Series(dtype=object if k != "step" else np.int64) for k in VIOLATION_COLUMNS})
        return out[VIOLATION_COLUMNS].sort_values(["borrower_id", "step", "rule_id"], kind="stable",
                                                  ignore_index=True)

    def _day_spans(self, c: pd.DataFrame) -> pd.DataFrame:
        """Contact steps with ``lo`` and ``hi``: the earliest local date of the start and the latest of
        the end over the borrower's zones (one pass over the zones for both ends)."""
        c = c.copy()
        zones = self.zones.to_numpy()[c["b"].to_numpy()]
        lo, hi = zone_days(np.r_[c["t0"].to_numpy(), c["t1"].to_numpy() - 1], np.r_[zones, zones])
        c["lo"], c["hi"] = lo[:len(c)], hi[len(c):]
        return c

    @staticmethod
    def _hits(frame: pd.DataFrame, mask: np.ndarray, rule_id: str, why: Iterable[str]) -> pd.DataFrame:
        rows = np.flatnonzero(mask)
        if not len(rows):  # the usual case: no frame to slice
            return _NO_HITS
        return pd.DataFrame({"borrower_id": frame["borrower_id"].to_numpy()[rows],
                             "step": frame["step"].to_numpy()[rows], "rule_id": rule_id, "why": list(why)})

    def _structure(self, s: pd.DataFrame, contact: np.ndarray, windowed: np.ndarray) -> pd.DataFrame:
        unknown = contact & (s["b"].to_numpy() < 0)
        no_window = contact & ~windowed
        no_channel = contact & s["channel"].isna().to_numpy()
        named = contact & s["destination"].notna().to_numpy() & (s["b"].to_numpy() >= 0)
        stranger = np.zeros(len(s), dtype=bool)
        if named.any():
            listed = self.destinations_of(s.loc[named])
            stranger[np.flatnonzero(named)] = [d not in ids for d, ids in zip(s["destination"][named], listed,
                                                                               strict=True)]
        return pd.concat([
            self._hits(s, unknown, "PLAN-BORROWER", ["a contact step for a borrower missing from the borrowers "
                                                     "table (flags and channels unknown)"] * int(unknown.sum())),
            self._hits(s, no_window, "PLAN-WINDOW", ["a contact step needs a window with end after start"]
                       * int(no_window.sum())),
            self._hits(s, no_channel, "PLAN-CHANNEL", ["a contact step needs a channel"] * int(no_channel.sum())),
            self._hits(s, stranger, "PLAN-DESTINATION", [f"destination {d!r} is not one of the borrower's for {ch}"
                                                         for d, ch in zip(s["destination"][stranger],
                                                                          s["channel"][stranger], strict=True)]),
        ], ignore_index=True)

    def _per_zone(self, c: pd.DataFrame) -> pd.DataFrame:
        """Contact steps x candidate zones, with local start/end (ns) and the local day of the start."""
        timed = c.loc[c["channel"] != "letter"]
        zones = self.zones.to_numpy()[timed["b"].to_numpy()]
        rows = np.repeat(np.arange(len(timed)), [len(z) for z in zones])
        z = np.concatenate([list(zs) for zs in zones]) if len(zones) else np.array([], dtype=object)
        pz = timed.iloc[rows][["borrower_id", "step", "b", "t0", "t1"]].reset_index(drop=True)
        pz["zone"] = z
        ls, le = np.zeros(len(pz), dtype=np.int64), np.zeros(len(pz), dtype=np.int64)
        t0, t1 = pz["t0"].to_numpy(), pz["t1"].to_numpy()
        codes, names = pd.factorize(z)
        for k, zone in enumerate(names):
            idx = np.flatnonzero(codes == k)
            both = local_ns(np.r_[t0[idx], t1[idx]], zone)
            ls[idx], le[idx] = both[:len(idx)], both[len(idx):]
        pz["ls"], pz["le"] = ls, le
        pz["day"] = ls // DAY_NS
        return pz

    # -- flags -----------------------------------------------------------------------------------
    def _flag(self, s: pd.DataFrame, flag: str) -> np.ndarray:
        return self._per_borrower(s, self.borrowers[flag].to_numpy(dtype=bool))

    @staticmethod
    def _per_borrower(s: pd.DataFrame, values: np.ndarray) -> np.ndarray:
        b = s["b"].to_numpy()
        if not len(values):  # no borrower of the plans is in the table: no flag is set
            return np.zeros(len(b), dtype=bool)
        return np.where(b >= 0, values[np.maximum(b, 0)], False)

    def _block_flag(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        flag = rule.params["flag"]
        bad = self._flag(s, flag) & s["action"].isin(CONTACT_ACTIONS).to_numpy()
        return self._hits(s, bad, rule.id, [f"{flag} is set: no collection contact"] * int(bad.sum()))

    def _review_flag(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        flag = rule.params["flag"]
        on = self._flag(s, flag)
        flagged = on | self._per_borrower(s, self.hardship) if rule.params["hardship_evidence"] else on
        rows = np.flatnonzero(flagged)
        if not len(rows):
            return _NO_HITS
        what = np.where(on[rows], f"{flag} is set", "hardship evidence")  # evidence: any the caller saw
        action = s["action"].to_numpy()[rows]
        bad = np.isin(action, CONTACT_ACTIONS)
        ids = s["borrower_id"].to_numpy()[rows]
        out = pd.DataFrame({"borrower_id": ids[bad], "step": s["step"].to_numpy()[rows][bad], "rule_id": rule.id,
                            "why": [f"{w}: human review before any contact, no automated contact" for w in what[bad]]})
        reviewed = set(ids[action == "human_review"])
        missing = dict(zip(ids, what, strict=True))
        extra = pd.DataFrame({"borrower_id": [b for b in missing if b not in reviewed], "step": 0, "rule_id": rule.id,
                              "why": [f"{w}: the plan needs a human_review step" for b, w in missing.items()
                                      if b not in reviewed]})
        return pd.concat([out, extra], ignore_index=True)

    # -- channels ------------------------------------------------------------------------------------
    def _channels_allowed(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        bad = ~self._member("channels_allowed", c)
        return self._hits(c, bad, rule.id, [f"{ch} is not among the borrower's allowed channels"
                                            for ch in c["channel"][bad]])

    def _channel_never(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        bad = c["channel"].isin(rule.params["channels"]).to_numpy()
        return self._hits(c, bad, rule.id, [f"{ch} is never used" for ch in c["channel"][bad]])

    def _recipient(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        bad = ~c["recipient"].isin(rule.params["allowed"]).to_numpy()
        return self._hits(c, bad, rule.id, [f"recipient {r!r} is not allowed (only {rule.params['allowed']})"
                                            for r in c["recipient"][bad]])

    # -- time of day -----------------------------------------------------------------------------
    def _time_window(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        start, end = minutes_of_day(rule.params["start"]), minutes_of_day(rule.params["end"])
        ls, le, day = pz["ls"].to_numpy(), pz["le"].to_numpy(), pz["day"].to_numpy()
        midnight = day * DAY_NS
        same_day = (le - 1) // DAY_NS == day
        same_offset = (le - pz["t1"].to_numpy()) == (ls - pz["t0"].to_numpy())
        inside = (ls - midnight >= start * MINUTE_NS) & (le - midnight <= end * MINUTE_NS)
        bad = ~(same_day & same_offset & inside)
        hit = pz.loc[bad]
        why = [f"window {hm(int((a % DAY_NS) // MINUTE_NS))}-{hm(int((e - d * DAY_NS) // MINUTE_NS))} local in "
               f"{z} is not within {rule.params['start']}-{rule.params['end']}"
               + ("" if so else " (the window spans a clock change)")
               for a, e, d, z, so in zip(hit["ls"], hit["le"], hit["day"], hit["zone"], same_offset[bad], strict=True)]
        return self._hits(pz, bad, rule.id, why).drop_duplicates(["borrower_id", "step"])

    def _blocked_days(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        days = [WEEKDAYS.index(d) for d in rule.params["weekdays"]]
        first, last = pz["day"].to_numpy(), (pz["le"].to_numpy() - 1) // DAY_NS
        bad = np.zeros(len(pz), dtype=bool)
        for d in (first, last):
            bad |= np.isin(weekday(d), days)
            if rule.params["public_holidays"]:
                bad |= self.calendar.is_holiday(self.calendar.codes_at(pz["b"].to_numpy()), d)
        why = [f"{date_text(d)} ({WEEKDAYS[int(weekday(d))]}) in {z} is a day without contact"
               for d, z in zip(first[bad], pz["zone"][bad], strict=True)]
        return self._hits(pz, bad, rule.id, why).drop_duplicates(["borrower_id", "step"])

    def _designated_times(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        if "hours" not in self._cache:
            self._cache["hours"] = self.borrowers["inconvenient_hours"].to_numpy()
        hours = self._cache["hours"][pz["b"].to_numpy()]
        bad = np.zeros(len(pz), dtype=bool)
        for cell in pd.unique(hours):
            ranges = parse_hours(cell)
            if not ranges:
                continue
            rows = np.flatnonzero(hours == cell)
            a = (pz["ls"].to_numpy()[rows] - pz["day"].to_numpy()[rows] * DAY_NS) / MINUTE_NS
            e = (pz["le"].to_numpy()[rows] - pz["day"].to_numpy()[rows] * DAY_NS) / MINUTE_NS
            clash = np.zeros(len(rows), dtype=bool)
            for x, y in ranges:
                for lo, hi in ([(x, y)] if x < y else [(x, 1440), (0, y)]):
                    clash |= (a < hi) & (e > lo)
            clash |= in_ranges(np.floor(a), ranges)
            bad[rows] = clash
        why = [f"the borrower designated {h} as inconvenient (local, in {z})"
               for h, z in zip(hours[bad], pz["zone"][bad], strict=True)]
        return self._hits(pz, bad, rule.id, why).drop_duplicates(["borrower_id", "step"])

    # -- content -----------------------------------------------------------------------------------
    def _required_text(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        p = rule.params
        scope = c.loc[c["channel"].isin(p["channels"])]
        lang = scope["language"].fillna("en").astype(str).str.split("-").str[0]
        message = scope["message"].where(scope["message"].map(lambda m: isinstance(m, str)), None)
        keys, uniq = distinct(scope["channel"], lang, message)
        need = np.empty(len(uniq), dtype=object)
        miss = np.zeros(len(uniq), dtype=bool)
        for i, (ch, lg, m) in enumerate(uniq):  # distinct messages: a handful per template
            need[i] = rule_text(rule, ch, lg)
            miss[i] = not isinstance(m, str) or need[i] not in m
        bad = miss[keys] if len(keys) else np.zeros(0, dtype=bool)
        return self._hits(scope, bad, rule.id, [f"the message lacks the {p['element'].replace('_', '-')} text {t!r}"
                                                for t in need[keys[bad]]])

    def _content_lint(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        p = rule.params
        scope = c if p["when_flag"] is None else c.loc[self._flag(c, p["when_flag"])]
        messages = scope["message"].where(scope["message"].map(lambda m: isinstance(m, str)), "")
        lint = {m: lint_text(m, p["categories"]) for m in pd.unique(messages)}  # messages repeat: lint each once
        found = [lint[m] for m in messages]
        bad = np.array([bool(f) for f in found], dtype=bool)
        return self._hits(scope, bad, rule.id, ["forbidden wording: " + ", ".join(f"{ph!r} ({cat})" for cat, ph in f)
                                                for f in found if f])

    def _forbearance_first(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        p = rule.params
        esc = c.loc[c["action"].isin(p["escalations"])]
        offers = c.loc[c["action"].isin(p["offers"]), ["borrower_id", "step", "t1"]]
        m = esc[["borrower_id", "step", "t0"]].merge(offers, on="borrower_id", how="left", suffixes=("", "_o"))
        m["ok"] = (m["step_o"] < m["step"]) & (m["t1"] <= m["t0"])
        ok = m.groupby(["borrower_id", "step"])["ok"].any()
        bad = ~ok.reindex(pd.MultiIndex.from_frame(esc[["borrower_id", "step"]])).to_numpy(dtype=bool)
        return self._hits(esc, bad, rule.id, [f"{a} before any earlier {' or '.join(p['offers'])} step in the plan"
                                              for a in esc["action"][bad]])

    def _rationale(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        text = s["rationale"].astype("string").fillna("")
        bad = ~(text.str.strip().str.len() > 0).to_numpy(dtype=bool)
        return self._hits(s, bad, rule.id, ["the step has no rationale"] * int(bad.sum()))


@validate_params(
    {"plans": [Plans, pd.DataFrame], "borrowers": [pd.DataFrame], "contacts": [pd.DataFrame, None],
     "profile": [Profile, str, os.PathLike], "holidays": [Iterable, None], "hardship": [pd.Series, Iterable, None],
     "validate": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def check_plans(plans: object, borrowers: pd.DataFrame, contacts: pd.DataFrame | None = None,
                profile: Profile | str = "us_reg_f_2021", *, holidays: Iterable[object] | None = None,
                hardship: object = None, validate: bool = True) -> pd.DataFrame:
    """Every violation of a profile's rules in a set of contact plans.

    The checker is written from the rules (see the module notes for how each is read), not from
    the planner: :meth:`ContactPolicy.plan` only emits plans it passes.

    Parameters
    ----------
    plans : Plans or DataFrame
        Plan steps with (at least) the columns borrower_id, step, action, channel, recipient,
        window_start_utc, window_end_utc, language, message and rationale.
    borrowers : DataFrame
        The borrowers table; versioned in time (``valid_from``), the rows in effect on the day
        the plans were made (a :class:`Plans` object's ``now``; for a table of steps, the day
        of their first window, UTC, or today without any).
    contacts : DataFrame, optional
        The contact log up to now.
    profile : Profile or str, default "us_reg_f_2021"
    holidays : iterable of date-like, optional
        Public holidays (local dates), for profiles that block them. Default: those the plans
        were made with, when ``plans`` is a :class:`Plans` object; the ``holidays`` package's
        national holidays otherwise (see :class:`Checker`).
    hardship : Series or iterable of str, optional
        Hardship evidence beyond the ``hardship_declared`` flag (see :class:`Checker`), for
        profiles that send any hardship evidence to human review (``strict_v1``). Default: the
        evidence the planner saw, when ``plans`` is a :class:`Plans` object; none otherwise.
    validate : bool, default True
        Validate ``borrowers`` and ``contacts`` against their contracts first.

    Returns
    -------
    DataFrame
        Columns ``borrower_id, step, rule_id, why``; empty when every plan obeys every rule.
        ``step`` 0 marks a rule about the whole plan.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.policy import check_plans
    >>> from riskscore.schemas import BORROWER_FLAGS
    >>> b = pd.DataFrame({"borrower_id": ["b1"], "timezone": ["Asia/Shanghai"], "channels_allowed": ["sms,call"],
    ...                   "preferred_channel": ["sms"], "language": ["zh"], **dict.fromkeys(BORROWER_FLAGS, [False])})
    >>> call = {"borrower_id": "b1", "step": 1, "action": "agent_call", "channel": "call",
    ...         "recipient": "borrower", "window_start_utc": pd.Timestamp("2026-11-24 13:30", tz="UTC"),
    ...         "window_end_utc": pd.Timestamp("2026-11-24 14:30", tz="UTC"), "language": "zh",
    ...         "message": "坐席话术", "rationale": "high balance at risk"}
    >>> check_plans(pd.DataFrame([call]), b, profile="cn_gbt45251_2025")[["rule_id", "why"]].to_numpy().tolist()
    [['CN-02', 'window 21:30-22:30 local in Asia/Shanghai is not within 08:00-22:00']]
    """
    if validate:
        borrowers = validate_borrowers(borrowers)
        contacts = validate_contacts(contacts) if contacts is not None else None
    if isinstance(plans, Plans):
        hardship = plans.hardship if hardship is None else hardship
        holidays = plans.holidays if holidays is None else holidays
    if is_versioned(borrowers):  # the rows in effect when the plans were made (or when their first step begins)
        steps = plans.steps if isinstance(plans, Plans) else _steps_frame(plans)
        day = plans.now if isinstance(plans, Plans) else pd.to_datetime(steps["window_start_utc"], utc=True).min()
        borrowers = borrowers_as_of(borrowers, pd.Timestamp.now(tz="UTC") if pd.isna(day) else day)
    return Checker(profile, borrowers, contacts, holidays=holidays, hardship=hardship).violations(plans)


def hardship_ids(hardship: object) -> pd.Index:
    """The borrower ids with hardship evidence: from ids, or a Series (true or a non-empty text).

    Examples
    --------
    >>> import pandas as pd
    >>> hardship_ids(pd.Series(["repeated partial payments", ""], index=["a", "b"])).tolist()
    ['a']
    >>> hardship_ids(["c"]).tolist()
    ['c']
    """
    if hardship is None:
        return pd.Index([], dtype=object)
    if isinstance(hardship, pd.Series):
        if pd.api.types.is_bool_dtype(hardship):
            on = hardship.to_numpy(dtype=bool)
        else:
            on = (hardship.fillna("").astype(str).str.strip() != "").to_numpy(dtype=bool)
        return pd.Index(hardship.index[on], dtype=object)
    if isinstance(hardship, str):
        return pd.Index([hardship], dtype=object)
    return pd.Index(list(hardship), dtype=object)
