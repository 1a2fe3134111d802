"""The checker's screen: which plan steps could break a rule, found with whole-array operations.

:meth:`Checker.violations <riskscore.policy.Checker.violations>` runs the rules (written from
the profile, :mod:`riskscore.policy._checks`) only on the borrowers the screen cannot clear; its
answer is the same as running every rule on every borrower, because every rule is about one
borrower's steps and log.

The screen never clears a step that breaks a rule (tests/policy/test_screen.py checks it
against the rules on generated worlds); it may keep one that does not, which only costs time.
Per rule kind:

* rules whose verdict depends on a few columns only (channels, recipients, message texts,
  rationales, time of day, blocked days, designated times) are *run* on the distinct values of
  those columns, one representative step each, and the verdict is spread back;
* flags (``block_flag``, ``review_flag``), calls (``call_frequency``, ``conversation_quiet``,
  ``daily_calls``), escalations under ``forbearance_first``, steps naming a destination and
  steps of unknown borrowers are always kept (they are few, and their rules compare steps);
* ``medium_opt_out`` keeps a step when the borrower listed the channel or logged any refusal on it;
* ``channel_consent`` compares the window's end with the consent evidence per (borrower, channel),
  found once by the rule's own code (:class:`~riskscore.policy._consent.ConsentRules`);
* ``channel_caps`` counts over sorted integer keys (logged events sorted once per checker);
* a rule kind the screen does not know keeps every step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.policy._arrays import _OFF, _SHIFT, count_overlaps, groups
from riskscore.policy._clock import DAY_NS, zone_days
from riskscore.policy._consent import NEVER
from riskscore.policy._profile import CONTACT_ACTIONS
from riskscore.schemas import CHANNELS, parse_channels

__all__ = ["screen", "suspects"]

_VOCAB = pd.Index(CHANNELS)
#: rule kinds run on distinct content (key columns of the step) and spread back
_CONTENT = {"channel_never": ("channel",), "recipient": ("recipient",),
            "required_text": ("channel", "language", "message")}
_TIME = ("time_window", "blocked_days", "designated_times")
_CALLS = ("call_frequency", "conversation_quiet", "daily_calls")
_FEW_QUERIES = 2048  # counts of fewer queries than this look at their borrowers' events only


def _codes(values: object) -> np.ndarray:
    """Codes of a column's values (nulls get their own code)."""
    return pd.factorize(pd.Series(values) if not isinstance(values, pd.Series) else values,
                        use_na_sentinel=False)[0].astype(np.int64)


def _worded(text: pd.Series) -> np.ndarray:
    """Whether each text has a letter or digit (surely not blank; the rule itself judges the rest)."""
    if isinstance(text.dtype, pd.StringDtype):
        return text.str.contains("[0-9A-Za-z]", regex=True, na=False).to_numpy(dtype=bool)
    return (text.astype("string").fillna("").str.strip().str.len() > 0).to_numpy(dtype=bool)


def _channel_codes(channel: pd.Series) -> np.ndarray:
    """Position of each channel in :data:`CHANNELS` (-1: missing or unknown)."""
    codes, uniques = pd.factorize(channel)
    return np.r_[_VOCAB.get_indexer(np.asarray(uniques, dtype=object)), -1][codes]


def _static(ck: object) -> dict:
    """What the screen needs of the borrowers table, computed once per checker."""
    if "screen" in ck._cache:
        return ck._cache["screen"]
    b = ck.borrowers
    nb = len(b)
    flagged = np.zeros(nb, dtype=bool)
    for rule in ck.profile.rules:
        if rule.kind in ("block_flag", "review_flag"):
            flagged |= b[rule.params["flag"]].to_numpy(dtype=bool)
            if rule.kind == "review_flag" and rule.params["hardship_evidence"]:
                flagged |= ck.hardship
    allowed_codes, cells = ck._sets["channels_allowed"]
    allowed = np.array([[ch in parse_channels(cell) for ch in CHANNELS] for cell in cells],
                       dtype=bool).reshape(-1, len(CHANNELS))
    opt_codes, opt_cells = ck._sets["opt_outs"]
    listed = np.array([[ch in parse_channels(cell) for ch in CHANNELS] for cell in opt_cells],
                      dtype=bool).reshape(-1, len(CHANNELS))
    addr_codes, _, _, some = ck._addresses()
    named_out = np.array([[ch in s for ch in CHANNELS] for s in some], dtype=bool).reshape(-1, len(CHANNELS))
    log = ck._log
    refused = log["outcome"].isin(["opt_out", "consent_revoked"]).to_numpy()
    lch = _VOCAB.get_indexer(log["channel"][refused].to_numpy(dtype=object))
    lb = log["b"].to_numpy(np.int64)[refused]
    refusal = np.unique(np.where(lch >= 0, lb * len(CHANNELS) + lch, -1))
    hours = b["inconvenient_hours"].to_numpy(dtype=object)
    out = {"flagged": flagged, "allowed": allowed[allowed_codes], "listed": listed[opt_codes] | named_out[addr_codes],
           "refusal": refusal, "zones": _codes(ck.zones.to_numpy(dtype=object)),
           "hours": _codes(pd.Series(hours, dtype=object).fillna("")),
           "calendar": ck.calendar.codes_at(np.arange(nb)) if nb else np.zeros(0, dtype=np.int64)}
    # per borrower, a code of what its windows' time verdicts depend on: (zones, hours, calendar)
    out["clock"] = groups(out["zones"], out["hours"], out["calendar"])[0] if nb else np.zeros(0, dtype=np.int64)
    ck._cache["screen"] = out
    return out


def _recent_rows(ck: object, channel: str | None, day: int) -> np.ndarray:
    """The logged events of a channel (all: None; the rows of ``ck._log_events(channel=channel)``) whose
    last local day is ``day`` or later: the only ones a count from ``day`` on can meet."""
    if "screen-hi" not in ck._cache:
        ck._cache["screen-hi"] = ck._log["hi"].to_numpy(np.int64)
    return ck._log_mask(channel, None, True) & (ck._cache["screen-hi"] >= day)


def _sorted_log(ck: object, channel: str | None, day: int) -> tuple[np.ndarray, ...]:
    """The logged events of a channel (all: None) ending on ``day`` or later, keyed as :func:`count_in`
    searches them, with where each borrower's keys begin (so a count needs two searches, not four)."""
    known = [d for c, d in ck._cache.get("screen-sorted-days", ()) if c == channel and d <= day]
    if known:  # events from an earlier day on hold those from this one: their counts are the same
        day = max(known)
    key = ("screen-sorted", channel, day)
    if key not in ck._cache:
        ck._cache.setdefault("screen-sorted-days", []).append((channel, day))
        if "screen-keys" not in ck._cache:  # every log row's keys, found once
            log = ck._log
            group = log["b"].to_numpy(np.int64) * _SHIFT + _OFF  # as overlap_keys makes them
            ck._cache["screen-keys"] = (group + log["lo"].to_numpy(np.int64), group + log["hi"].to_numpy(np.int64))
        rows = _recent_rows(ck, channel, day)
        lo, hi = ck._cache["screen-keys"]
        kmin, kmax = np.sort(lo[rows]), np.sort(hi[rows])  # (a sort of values: far faster than a stable argsort)
        # where each borrower's keys begin in both (keys are borrower-major): its events' running count
        start = np.r_[0, np.cumsum(np.bincount(ck._log_b()[rows], minlength=len(ck.borrowers)))].astype(np.int64)
        ck._cache[key] = kmin, kmax, start, start
    return ck._cache[key]


def _recent_counts(ck: object, channel: str | None, day: int) -> np.ndarray:
    """Per borrower: the logged events of a channel (all: None) whose last local day is ``day`` or later."""
    key = ("screen-recent", channel, day)
    if key not in ck._cache:
        ck._cache[key] = np.bincount(ck._log_b()[_recent_rows(ck, channel, day)], minlength=len(ck.borrowers))
    return ck._cache[key]


def _log_counts(ck: object, channel: str | None, day: int, b: np.ndarray, lo: np.ndarray,
                hi: np.ndarray) -> np.ndarray:
    """:func:`count_in` of the logged events of a channel, for queries that count from ``day`` or
    later (``lo >= day``), with the queries sorted (a faster search)."""
    sorted_days = ck._cache.get("screen-sorted-days", ())
    if len(b) < _FEW_QUERIES and not any(c == channel and d <= day for c, d in sorted_days):
        # a few queries and no sorted events yet: their borrowers' events, counted without sorting them all
        mine = np.zeros(len(ck.borrowers), dtype=bool)
        mine[b] = True
        log_b = ck._log_b()
        rows = np.flatnonzero(_recent_rows(ck, channel, day) & mine[log_b])
        if "screen-lo" not in ck._cache:
            ck._cache["screen-lo"] = ck._log["lo"].to_numpy(np.int64)
        return count_overlaps(log_b[rows], ck._cache["screen-lo"][rows], ck._cache["screen-hi"][rows], b, lo, hi)
    kmin, kmax, smin, smax = _sorted_log(ck, channel, day)
    base = b * _SHIFT
    order = np.argsort(base + hi)  # any order of equal keys: each query's count is its own
    out = np.empty(len(b), dtype=np.int64)
    out[order] = (np.searchsorted(kmin, (base + hi + _OFF)[order], "right") - smin[b[order]]
                  - np.searchsorted(kmax, (base + lo + _OFF)[order], "left") + smax[b[order]])
    return out


def _run_on(ck: object, rule: object, mini: pd.DataFrame, pz: pd.DataFrame | None = None) -> np.ndarray:
    """Run a rule on representative steps (``step`` = their position); which of them it flags."""
    hits = getattr(ck, f"_{rule.kind}")(rule, mini, mini, pz)
    bad = np.zeros(len(mini), dtype=bool)
    bad[hits["step"].to_numpy(np.int64)] = True
    return bad


class _Steps:
    """The contact steps the per-kind screens look at, as arrays (windows and codes found once)."""

    def __init__(self, ck: object, s: pd.DataFrame, rows: np.ndarray, b: np.ndarray, ch: np.ndarray,
                 given: dict[str, np.ndarray]) -> None:
        self.ck, self.s, self.rows, self.given = ck, s, rows, given
        self.b, self.ch = b[rows], ch[rows]
        self.t0 = pd.DatetimeIndex(s["window_start_utc"]).as_unit("ns").asi8[rows]
        self.t1 = pd.DatetimeIndex(s["window_end_utc"]).as_unit("ns").asi8[rows]
        st = _static(ck)
        letter = self.ch == CHANNELS.index("letter")
        # distinct windows: (zones, hours, calendar, letter, t0, t1); one representative step each
        self.win, first = groups(st["clock"][self.b] * 2 + letter, self.t0, self.t1)
        self.reps = pd.DataFrame({"borrower_id": np.arange(len(first)), "step": np.arange(len(first)),
                                  "b": self.b[first],
                                  "channel": np.where(letter[first], "letter", "sms").astype(object),
                                  "t0": self.t0[first], "t1": self.t1[first]})
        fb = self.b[first]
        self.rep_keys = list(zip(st["zones"][fb].tolist(), st["hours"][fb].tolist(), st["calendar"][fb].tolist(),
                                 letter[first].tolist(), self.t0[first].tolist(), self.t1[first].tolist(), strict=True))
        # the local date span of each window, found once per checker (windows repeat from call to call)
        days = ck._cache.setdefault("screen-days", {})
        todo = np.array([k not in days for k in self.rep_keys], dtype=bool)
        if todo.any():
            at = first[todo]
            zones = ck.zones.to_numpy()[self.b[at]]
            lo, hi = zone_days(np.r_[self.t0[at], self.t1[at] - 1], np.r_[zones, zones])
            days.update(zip([k for k, t in zip(self.rep_keys, todo, strict=True) if t],
                            zip(lo[:len(at)].tolist(), hi[len(at):].tolist(), strict=True), strict=True))
        span = np.array([days[k] for k in self.rep_keys], dtype=np.int64).reshape(-1, 2)
        self.lo, self.hi = span[:, 0][self.win], span[:, 1][self.win]
        self._pz: tuple | None = None
        self._coded: dict[str, np.ndarray] = {}
        self.minis: dict[tuple, tuple[np.ndarray, pd.DataFrame]] = {}

    def time_verdicts(self, rule: object) -> np.ndarray:
        """Per representative window, whether the time rule flags it; each window is run once per
        checker (windows repeat from call to call: the planner's come from a table)."""
        memo = self.ck._cache.setdefault(("screen-time", rule.id), {})
        known = np.array([k in memo for k in self.rep_keys], dtype=bool)
        todo = np.flatnonzero(~known)
        if len(todo):
            if self._pz is None or not np.array_equal(self._pz[0], todo):  # the time rules share the rows
                mini = self.reps.iloc[todo].reset_index(drop=True)
                mini["borrower_id"] = mini["step"] = np.arange(len(todo))
                self._pz = (todo, mini, self.ck._per_zone(mini))
            bad = _run_on(self.ck, rule, self._pz[1], self._pz[2])
            memo.update(zip([self.rep_keys[i] for i in todo], bad.tolist(), strict=True))
        return np.array([memo[k] for k in self.rep_keys], dtype=bool)

    def codes(self, name: str) -> np.ndarray:
        """Codes of a column's values on the screened steps (equal values, equal codes): the caller's,
        or the channels' positions (every screened step has a known channel), or factorized here."""
        if name == "channel":
            return self.ch
        if name not in self._coded:
            self._coded[name] = self.given[name][self.rows] if name in self.given else _codes(self.s[name])[self.rows]
        return self._coded[name]


def _allowed(ck: object, rule: object, x: _Steps) -> np.ndarray:
    return ~_static(ck)["allowed"][x.b, x.ch]


def _time(ck: object, rule: object, x: _Steps) -> np.ndarray:
    return x.time_verdicts(rule)[x.win]


def _content(ck: object, rule: object, x: _Steps) -> np.ndarray:
    cols = _CONTENT.get(rule.kind, ("message",))
    flag = rule.params["when_flag"] if rule.kind == "content_lint" else None
    key = (*cols, flag)
    if key not in x.minis:  # rules of the same key columns share the representatives
        codes = [x.codes(c) for c in cols]
        if flag is not None:
            codes.append(ck.borrowers[flag].to_numpy(dtype=bool)[x.b].astype(np.int64))
        inv, first = groups(*codes)
        at = x.rows[first]
        values = [x.s[c].iloc[at].to_numpy(dtype=object) for c in cols]
        if flag is not None:
            values.append(ck.borrowers[flag].to_numpy(dtype=bool)[x.b[first]].tolist())
        # the distinct contents as keys of the verdicts remembered from earlier calls (text values only)
        keys = [k if all(isinstance(v, str | bool) for v in k) else None for k in zip(*values, strict=True)]
        x.minis[key] = inv, at, keys
    inv, at, keys = x.minis[key]
    memo = ck._cache.setdefault(("screen-content", rule.id), {})
    todo = np.array([k is None or k not in memo for k in keys], dtype=bool)
    bad = np.zeros(len(keys), dtype=bool)
    if todo.any():  # one representative step per content the rule has not judged yet
        rows = at[todo]
        part = pd.DataFrame({"borrower_id": np.arange(len(rows)), "step": np.arange(len(rows)),
                             "b": x.s["b"].to_numpy(np.int64)[rows],
                             **{c: x.s[c].iloc[rows].to_numpy(dtype=object) for c in
                                ("channel", "recipient", "language", "message")}})
        found = _run_on(ck, rule, part)
        bad[todo] = found
        memo.update((k, v) for k, v in zip([k for k, t in zip(keys, todo, strict=True) if t], found.tolist(),
                                           strict=True) if k is not None)
    done = np.flatnonzero(~todo)
    bad[done] = [memo[keys[i]] for i in done]
    return bad[inv]


def _opt_out(ck: object, rule: object, x: _Steps) -> np.ndarray:
    st = _static(ck)
    return st["listed"][x.b, x.ch] | np.isin(x.b * len(CHANNELS) + x.ch, st["refusal"])


def _consent(ck: object, rule: object, x: _Steps) -> np.ndarray:
    p = rule.params
    bad = np.zeros(len(x.rows), dtype=bool)
    i = np.flatnonzero(np.isin(x.ch, [CHANNELS.index(c) for c in p["channels"] if c in CHANNELS]))
    if len(i):  # as ConsentRules._channel_consent, with the evidence per (borrower, channel) found once
        part = pd.DataFrame({"b": x.b[i], "ch": x.ch[i], "channel": np.asarray(CHANNELS, dtype=object)[x.ch[i]],
                             "destination": None})
        evidence, revoked, plain = ck._evidence(rule, part)
        fresh = np.array([p["fresh_days"].get(c, np.nan) for c in CHANNELS], dtype=float)[x.ch[i]]  # NaN: any age
        dated_ok = (evidence > NEVER) & (np.isnan(fresh) | (x.t1[i] - evidence <= np.nan_to_num(fresh) * DAY_NS))
        ok = dated_ok | (plain & np.isnan(fresh) & (revoked == NEVER))
        bad[i[~ok]] = True
    return bad


def _caps(ck: object, rule: object, x: _Steps) -> np.ndarray:
    bad = np.zeros(len(x.rows), dtype=bool)
    for period, days in (("per_day", 1), ("per_week", 7), ("per_month", rule.params["month_days"])):
        for key, cap in rule.params[period].items():
            i = np.arange(len(x.rows)) if key == "all" else np.flatnonzero(x.ch == CHANNELS.index(key))
            if not len(i):
                continue
            channel = None if key == "all" else key
            # a bound of the count: the borrower's logged events of the key that end on or after the
            # earliest day any of these steps counts from, and its steps of the key here
            day = int((x.lo[i] - days + 1).min())
            recent = _recent_counts(ck, channel, day)
            bound = recent[x.b[i]] + np.bincount(x.b[i], minlength=len(recent))[x.b[i]]
            i = i[bound > cap]  # the others cannot pass the cap
            if not len(i):
                continue
            q = (x.b[i], x.lo[i] - days + 1, x.hi[i])  # as CountRules._channel_caps: logged + planned
            n = _log_counts(ck, channel, day, *q) + count_overlaps(x.b[i], x.lo[i], x.hi[i], *q)
            bad[i[n > cap]] = True
    return bad


def _calls(ck: object, rule: object, x: _Steps) -> np.ndarray:
    return x.ch == CHANNELS.index("call")


def _escalations(ck: object, rule: object, x: _Steps) -> np.ndarray:
    return x.s["action"].isin(rule.params["escalations"]).to_numpy()[x.rows]


_SCREENS = {"channels_allowed": _allowed, **dict.fromkeys(_TIME, _time),
            **dict.fromkeys((*_CONTENT, "content_lint"), _content), "medium_opt_out": _opt_out,
            "channel_consent": _consent, "channel_caps": _caps, **dict.fromkeys(_CALLS, _calls),
            "forbearance_first": _escalations}
#: kinds whose steps the first pass keeps (flagged borrowers, empty rationales)
_KEPT = ("block_flag", "review_flag", "rationale")


def screen(ck: object, s: pd.DataFrame, codes: dict[str, np.ndarray] | None = None
           ) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Per step of ``s`` (the checker's steps frame, with column ``b``): whether every rule must see
    its borrower (unknown borrowers, flags, steps without a window, channel or rationale, steps
    naming a destination); and per rule of the profile, the steps that may break it (None: the
    first mask covers it). ``codes``: what the caller knows of the steps (see ``Checker._check``)."""
    codes = codes or {}
    st = _static(ck)
    b = s["b"].to_numpy(np.int64)
    contact = s["action"].isin(CONTACT_ACTIONS).to_numpy()
    windowed = (s["window_end_utc"] > s["window_start_utc"]).to_numpy()
    known = b >= 0
    ch = codes["channel"] if "channel" in codes else _channel_codes(s["channel"])
    kept = ~known | (contact & (~windowed | (ch < 0) | s["destination"].notna().to_numpy()))
    if len(st["flagged"]):
        kept |= known & st["flagged"][np.where(known, b, 0)]
    kept |= ~(codes["worded"] if "worded" in codes else _worded(s["rationale"]))
    flagged: list[np.ndarray | None] = [None] * len(ck.profile.rules)
    rows = np.flatnonzero(contact & windowed & ~kept)  # the steps the per-kind screens look at
    if not len(rows):
        return kept, flagged
    x = _Steps(ck, s, rows, b, ch, codes)
    for i, rule in enumerate(ck.profile.rules):
        if rule.kind in _KEPT:
            continue
        fn = _SCREENS.get(rule.kind)
        mask = np.zeros(len(s), dtype=bool)
        mask[rows] = True if fn is None else fn(ck, rule, x)  # a kind the screen does not know: every step
        flagged[i] = mask
    return kept, flagged


def suspects(ck: object, s: pd.DataFrame) -> np.ndarray:
    """Per step of ``s``: whether it may break some rule (the union of :func:`screen`'s masks)."""
    kept, flagged = screen(ck, s)
    for mask in flagged:
        if mask is not None:
            kept = kept | mask
    return kept
