"""What the borrower told us about channels: opt-outs, consents and their freshness.

The :class:`~riskscore.policy.Checker` takes these checks from :class:`ConsentRules`; the planner
asks :meth:`ConsentRules.consent_until` how long a channel's consent stays fresh, to shorten a
window that would outlive it.

Evidence of consent to a channel is a ``consent`` event in the log, an inbound contact on the
channel (when the rule lets the consumer's own use count), or a *dated* entry of the borrowers'
``consents`` column (``sms@2026-01-05``; a date is read as its earliest instant anywhere, 00:00 at
UTC+14). A ``consent_revoked`` or ``opt_out`` event voids the evidence before it. An undated
entry (``sms``) counts only for a channel whose rule asks for no freshness, and only while no
revocation was logged. A rule with ``fresh_days`` needs evidence no older than that at *every*
instant of the window: ``window_end - evidence <= fresh_days``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from riskscore.policy._arrays import date_text, distinct, factorize_rows
from riskscore.policy._clock import DAY_NS
from riskscore.policy._profile import Rule
from riskscore.schemas import CHANNELS, EVENT_OUTCOMES, parse_addressed, parse_consents

__all__ = ["NEVER", "ConsentRules"]

NEVER = np.iinfo(np.int64).min
_LATEST = np.iinfo(np.int64).max
_UTC14 = 14 * 3600 * 10**9
_CHANNELS = pd.Index(CHANNELS)  # the earliest instant of a calendar date anywhere is 00:00 at UTC+14


def _channel_codes(c: pd.DataFrame) -> np.ndarray:
    """Each step's channel as its position in CHANNELS (-1: none or another): the ``ch`` column
    where the planner's steps carry it (``riskscore.policy._rounds``), else looked up."""
    if "ch" in c:
        return c["ch"].to_numpy(np.int64)
    return _CHANNELS.get_indexer(c["channel"].to_numpy(dtype=object))


def _per_channel(c: pd.DataFrame, values: dict[str, float]) -> np.ndarray:
    """``values`` of each step's channel (NaN for a channel it does not name), by channel code: a
    ``Series.map`` without building a Series per call."""
    table = np.array([values.get(ch, np.nan) for ch in CHANNELS] + [np.nan], dtype=float)
    return table[_channel_codes(c)]


def _consent_cells(cells: np.ndarray) -> tuple[list[dict[str, int]], list[frozenset[str]]]:
    """Per distinct ``consents`` cell: the latest dated consent per channel (ns), and the undated channels."""
    dated, undated = [], []
    for cell in cells:
        when: dict[str, int] = {}
        plain = set()
        for channel, day in parse_consents(cell):
            if day is None:
                plain.add(channel)
            else:
                t = int(pd.Timestamp(day).value) - _UTC14
                when[channel] = max(when.get(channel, NEVER), t)
        dated.append(when)
        undated.append(frozenset(plain))
    return dated, undated


class ConsentRules:
    """The ``medium_opt_out`` and ``channel_consent`` checks (mixed into the Checker)."""

    _log: pd.DataFrame
    _cache: dict
    borrowers: pd.DataFrame

    # -- the borrowers' numbers and addresses -----------------------------------------------------------
    def _addresses(self) -> tuple[np.ndarray, list[dict[str, tuple[str, ...]]], list[frozenset], list[frozenset]]:
        """Per borrower row, a code; per code: the destination ids by channel (in order of preference),
        the (channel, id) pairs opted out in the ``opt_outs`` column, and the channels with any."""
        if "addresses" not in self._cache:
            codes, uniques = factorize_rows(self.borrowers["destinations"], self.borrowers["opt_outs"])
            ids, out, some = [], [], []
            for dest, opt in uniques:
                by_channel: dict[str, list[str]] = {}
                for ch, ident in parse_addressed(dest):
                    if ident is not None and ident not in by_channel.setdefault(ch, []):
                        by_channel[ch].append(ident)
                ids.append({ch: tuple(v) for ch, v in by_channel.items()})
                named = frozenset((ch, ident) for ch, ident in parse_addressed(opt) if ident is not None)
                out.append(named)
                some.append(frozenset(ch for ch, _ in named))
            self._cache["addresses"] = (np.asarray(codes, dtype=np.int64), ids, out, some)
        return self._cache["addresses"]

    def destinations_of(self, c: pd.DataFrame) -> list[tuple[str, ...]]:
        """Per step (columns ``b`` and ``channel``): the borrower's destination ids for its channel."""
        codes, ids, _, _ = self._addresses()
        return [ids[k].get(ch, ()) for k, ch in zip(codes[c["b"].to_numpy()], c["channel"], strict=True)]

    def destination_for(self, c: pd.DataFrame) -> np.ndarray:
        """Per step (columns ``b`` and ``channel``): the first destination id of the borrower for the
        channel that is not opted out and, where a rule asks for consent, has some evidence of it
        (the first listed when none is, so the checker says why); None when the borrowers table
        lists none for the channel."""
        listed = self.destinations_of(c)
        out = np.full(len(c), None, dtype=object)
        rows = [(i, d) for i, ds in enumerate(listed) for d in ds]
        if not rows:
            return out
        pos = np.array([i for i, _ in rows], dtype=np.int64)
        trial = pd.DataFrame({"b": c["b"].to_numpy()[pos], "channel": c["channel"].to_numpy()[pos],
                              "destination": np.array([d for _, d in rows], dtype=object)})
        refused = np.zeros(len(trial), dtype=bool)
        for rule in self.profile.of_kind("medium_opt_out"):
            refused |= self._opted_out(rule, trial)
        for rule in self.profile.of_kind("channel_consent"):  # no consent evidence for the number at all
            evidence, revoked, plain = self._evidence(rule, trial)
            fresh = trial["channel"].isin(list(rule.params["fresh_days"])).to_numpy()
            refused |= trial["channel"].isin(rule.params["channels"]).to_numpy() & (evidence == NEVER) & ~(
                plain & ~fresh & (revoked == NEVER))
        first_any: dict[int, str] = {}
        first_ok: dict[int, str] = {}
        for i, d, bad in zip(pos.tolist(), trial["destination"], refused, strict=True):
            first_any.setdefault(i, d)
            if not bad:
                first_ok.setdefault(i, d)
        for i, d in first_any.items():
            out[i] = first_ok.get(i, d)
        return out

    def _column_opt_out(self, c: pd.DataFrame) -> np.ndarray:
        """Whether the ``opt_outs`` column names the step's destination (``call:p2``); for a step
        that names none, whether it names any destination of the channel (which one is unknown)."""
        codes, _, named, some = self._addresses()
        k = codes[c["b"].to_numpy()]
        return np.fromiter(((ch, d) in named[i] if isinstance(d, str) else ch in some[i]
                            for i, ch, d in zip(k, c["channel"], c["destination"], strict=True)),
                           dtype=bool, count=len(c))

    # -- evidence ------------------------------------------------------------------------------------
    def _last_events(self, outcomes: Iterable[str] | None = None, inbound_only: bool = False,
                     scope: str = "channel") -> pd.Series:
        """The latest event per (b, channel): of rows naming no destination (``scope="channel"``), of
        all rows (``"any"``); or per (b, channel, destination) of rows naming one (``"destination"``)."""
        key = ("last", None if outcomes is None else tuple(outcomes), inbound_only, scope)
        if key not in self._cache:
            log = self._log
            by = ["b", "channel", "destination"] if scope == "destination" else ["b", "channel"]
            self._cache[key] = log.loc[self._event_rows(outcomes, inbound_only, scope)].groupby(by)["t"].max()
        return self._cache[key]

    @staticmethod
    def _lookup(last: pd.Series, c: pd.DataFrame) -> np.ndarray:
        if len(last) == 0:
            return np.full(len(c), NEVER)
        keys = [c["b"].to_numpy(), c["channel"].to_numpy()]
        if last.index.nlevels == 3:
            keys.append(c["destination"].to_numpy(dtype=object))
        return last.reindex(pd.MultiIndex.from_arrays(keys)).fillna(NEVER).to_numpy().astype(np.int64)

    def _latest(self, outcomes: Iterable[str] | None, inbound_only: bool, scope: str, c: pd.DataFrame) -> np.ndarray:
        """Per step: :meth:`_last_events` (scope ``"channel"`` or ``"any"``) of its (b, channel), NEVER
        where none; from a table by borrower x channel code when the log's channels are CHANNELS."""
        key = ("latest", None if outcomes is None else tuple(outcomes), inbound_only, scope)
        if key not in self._cache:
            self._cache[key] = self._latest_table(outcomes, inbound_only, scope)
        table = self._cache[key]
        if table is None:
            return self._lookup(self._last_events(outcomes, inbound_only, scope), c)
        b = c["b"].to_numpy(np.int64)
        ch = _channel_codes(c)
        out = table[np.maximum(b, 0), ch]
        out[(b < 0) | (ch < 0)] = NEVER  # a borrower or channel the log cannot name
        return out

    def _latest_table(self, outcomes: Iterable[str] | None, inbound_only: bool, scope: str) -> np.ndarray | None:
        log = self._log
        if "log-channel-codes" not in self._cache:
            codes, uniques = pd.factorize(log["channel"])  # a missing channel: -1, as groupby drops it
            mapped = _CHANNELS.get_indexer(np.asarray(uniques, dtype=object))
            self._cache["log-channel-codes"] = None if (mapped < 0).any() else np.r_[mapped, -1][codes]
        codes = self._cache["log-channel-codes"]
        if codes is None:  # a channel outside CHANNELS: the Series of _last_events
            return None
        keep = self._event_rows(outcomes, inbound_only, scope) & (codes >= 0)
        table = np.full((len(self.borrowers), len(_CHANNELS)), NEVER, dtype=np.int64)
        np.maximum.at(table, (log["b"].to_numpy(np.int64)[keep], codes[keep]), log["t"].to_numpy(np.int64)[keep])
        return table

    def _event_rows(self, outcomes: Iterable[str] | None, inbound_only: bool, scope: str) -> np.ndarray:
        """The log rows :meth:`_last_events` reads (a boolean array)."""
        log = self._log
        keep = log["outcome"].isin(list(outcomes)) if outcomes is not None else ~log["outcome"].isin(EVENT_OUTCOMES)
        if inbound_only:
            keep &= log["direction"] == "inbound"
        if scope != "any":
            keep &= log["destination"].notna() if scope == "destination" else log["destination"].isna()
        return keep.to_numpy(dtype=bool)

    def _when(self, outcomes: Iterable[str] | None, c: pd.DataFrame, *, prohibits: bool,
              inbound_only: bool = False) -> np.ndarray:
        """Per step: the latest such event about its channel as a whole or its destination. For a
        step naming no destination, an event about any destination counts when the event
        ``prohibits`` (an opt-out: the step might use that number), and never as evidence."""
        out = self._latest(outcomes, inbound_only, "channel", c)
        if "named" not in self._cache:
            self._cache["named"] = bool(self._log["destination"].notna().any())
        if not self._cache["named"]:  # a log without destinations: nothing more
            return out
        named = c["destination"].notna().to_numpy()
        if prohibits and (~named).any():
            out[~named] = np.maximum(out[~named], self._latest(outcomes, inbound_only, "any", c.loc[~named]))
        if named.any():
            out[named] = np.maximum(out[named], self._lookup(
                self._last_events(outcomes, inbound_only, "destination"), c.loc[named]))
        return out

    @staticmethod
    def _known_channels(values: object) -> bool:
        """Whether every value is one of CHANNELS (then tables by channel code hold them all)."""
        return bool((_CHANNELS.get_indexer(pd.unique(np.asarray(values, dtype=object))) >= 0).all())

    def _column_consents(self, c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per step: the dated consent of the borrowers' ``consents`` column for its channel (ns or
        NEVER), and whether the column lists the channel without a date."""
        if "consent_cells" not in self._cache:
            codes, cells = pd.factorize(self.borrowers["consents"], use_na_sentinel=False)
            self._cache["consent_cells"] = (codes, *_consent_cells(np.asarray(cells, dtype=object)))
        codes, dated, undated = self._cache["consent_cells"]
        if not self._known_channels([ch for d, u in zip(dated, undated, strict=True) for ch in (*d, *u)]):
            k = codes[c["b"].to_numpy()] if len(c) else np.zeros(0, dtype=np.int64)
            return (np.fromiter((dated[i].get(ch, NEVER) for i, ch in zip(k, c["channel"], strict=True)),
                                dtype=np.int64, count=len(c)),
                    np.fromiter((ch in undated[i] for i, ch in zip(k, c["channel"], strict=True)), dtype=bool,
                                count=len(c)))
        if "consent_tables" not in self._cache:  # per distinct cell x channel code (the last column: another)
            when = np.full((len(dated), len(_CHANNELS) + 1), NEVER, dtype=np.int64)
            plain = np.zeros((len(dated), len(_CHANNELS) + 1), dtype=bool)
            for i, (d, u) in enumerate(zip(dated, undated, strict=True)):
                for ch, t in d.items():
                    if ch in _CHANNELS:
                        when[i, _CHANNELS.get_loc(ch)] = t
                plain[i, [_CHANNELS.get_loc(ch) for ch in u if ch in _CHANNELS]] = True
            self._cache["consent_tables"] = when, plain
        when, plain = self._cache["consent_tables"]
        k = codes[c["b"].to_numpy()] if len(c) else np.zeros(0, dtype=np.int64)
        ch = _channel_codes(c)
        return when[k, ch], plain[k, ch]

    def _evidence(self, rule: Rule, c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per step: the latest consent evidence not revoked since (ns or NEVER), the latest
        revocation (ns or NEVER), and whether an undated consent in the column lists the channel.

        Found once per (borrower, channel) for steps naming no destination (most steps)."""
        named = c["destination"].notna().to_numpy()
        channel = _channel_codes(c)
        pairs = ~named & (channel >= 0) & (c["b"].to_numpy() >= 0)
        if not pairs.any():
            return self._evidence_of(rule, c)
        memo = self._cache.setdefault(("evidence", rule.id), {})
        nch = len(_CHANNELS)
        if not memo:
            size = len(self.borrowers) * nch
            memo.update(known=np.zeros(size, dtype=bool), evidence=np.zeros(size, dtype=np.int64),
                        revoked=np.zeros(size, dtype=np.int64), plain=np.zeros(size, dtype=bool))
        key = c["b"].to_numpy(np.int64)[pairs] * nch + channel[pairs]
        todo = np.unique(key[~memo["known"][key]])
        if len(todo):
            part = pd.DataFrame({"b": todo // nch, "ch": todo % nch,
                                 "channel": _CHANNELS.to_numpy(dtype=object)[todo % nch],
                                 "destination": np.full(len(todo), None, dtype=object)})
            memo["evidence"][todo], memo["revoked"][todo], memo["plain"][todo] = self._evidence_of(rule, part)
            memo["known"][todo] = True
        evidence = np.full(len(c), NEVER, dtype=np.int64)
        revoked = np.full(len(c), NEVER, dtype=np.int64)
        plain = np.zeros(len(c), dtype=bool)
        evidence[pairs], revoked[pairs], plain[pairs] = memo["evidence"][key], memo["revoked"][key], memo["plain"][key]
        if not pairs.all():
            rest = ~pairs
            evidence[rest], revoked[rest], plain[rest] = self._evidence_of(rule, c.loc[rest])
        return evidence, revoked, plain

    def _evidence_of(self, rule: Rule, c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dated, plain = self._column_consents(c)
        consent = np.maximum(self._when(["consent"], c, prohibits=False), dated)
        revoked = self._when(["consent_revoked", "opt_out"], c, prohibits=True)
        evidence = np.where(consent > revoked, consent, NEVER)
        if rule.params["consumer_use_counts"]:
            used = self._when(None, c, prohibits=False, inbound_only=True)
            evidence = np.maximum(evidence, np.where(used > revoked, used, NEVER))
        return evidence, revoked, plain

    def consent_until(self, c: pd.DataFrame) -> np.ndarray:
        """Per step (columns ``b`` and ``channel``): the last instant (UTC ns) at which every
        ``channel_consent`` rule that asks for fresh evidence on the step's channel still holds;
        the largest int64 when no such rule applies, NEVER when there is no evidence."""
        until = np.full(len(c), _LATEST, dtype=np.int64)
        for rule in self.profile.of_kind("channel_consent"):
            fresh = rule.params["fresh_days"]
            scope = c["channel"].isin([ch for ch in fresh if ch in rule.params["channels"]]).to_numpy()
            if not scope.any():
                continue
            part = c.loc[scope]
            evidence, _, _ = self._evidence(rule, part)
            days = _per_channel(part, fresh).astype(np.int64)
            limit = np.where(evidence > NEVER, evidence + days * DAY_NS, NEVER)
            until[scope] = np.minimum(until[scope], limit)
        return until

    # -- rules ---------------------------------------------------------------------------------------
    def _opted_out(self, rule: Rule, c: pd.DataFrame) -> np.ndarray:
        listed = self._member("opt_outs", c) | self._column_opt_out(c)
        refusals = ["opt_out", "consent_revoked"] if rule.params["revoked_consent_opts_out"] else ["opt_out"]
        opt = self._when(refusals, c, prohibits=True)
        if rule.params["consent_lifts_opt_out"]:
            return listed | (opt > self._when(["consent"], c, prohibits=False))
        return listed | (opt > NEVER)

    def _medium_opt_out(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        bad = self._opted_out(rule, c)
        return self._hits(c, bad, rule.id, [f"the borrower opted out of {ch}" + (f" at {d}" if isinstance(d, str)
                                                                                  else "")
                                            for ch, d in zip(c["channel"][bad], c["destination"][bad], strict=True)])

    def _channel_consent(self, rule: Rule, s: pd.DataFrame, c: pd.DataFrame, pz: pd.DataFrame) -> pd.DataFrame:
        p = rule.params
        scope = c["channel"].isin(p["channels"]).to_numpy()
        evidence, revoked, plain = self._evidence(rule, c)
        fresh = _per_channel(c, p["fresh_days"])  # NaN: any age
        t1 = c["t1"].to_numpy()
        # fresh at every instant of [t0, t1): the window's end is at most fresh_days after the evidence
        dated_ok = (evidence > NEVER) & (np.isnan(fresh) | (t1 - evidence <= np.nan_to_num(fresh) * DAY_NS))
        # an undated consent in the borrowers table never satisfies a freshness rule
        ok = dated_ok | (plain & np.isnan(fresh) & (revoked == NEVER))
        bad = scope & ~ok
        # the text per distinct (channel, freshness, evidence date, undated): a handful
        channel = c["channel"].to_numpy(dtype=object)[bad]
        day = np.where(evidence[bad] > NEVER, evidence[bad] // DAY_NS, NEVER)
        key, uniq = distinct(channel, np.nan_to_num(fresh[bad], nan=-1.0), day, plain[bad])
        text = np.array([self._consent_why(ch, np.nan if f < 0 else f, NEVER if d == NEVER else int(d) * DAY_NS, u)
                         for ch, f, d, u in uniq], dtype=object)
        return self._hits(c, bad, rule.id, text[key] if len(key) else [])

    @staticmethod
    def _consent_why(channel: str, fresh: float, evidence: int, undated: bool) -> str:
        if np.isnan(fresh):
            return f"no direct consent to {channel}"
        text = f"no direct consent to {channel} fresh at every instant of the window (evidence within {int(fresh)} days"
        if evidence > NEVER:
            text += f"; the latest is from {date_text(evidence // DAY_NS)}"
        elif undated:
            text += "; the consents column lists it without a date, which never shows freshness"
        return text + ")"
