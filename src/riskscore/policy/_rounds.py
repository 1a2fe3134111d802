"""The planner's rounds: every pending step is tried on its (day, channel), checked with the
borrower's accepted steps, and accepted, moved to the next channel or day, or dropped (the module
notes of :mod:`riskscore.policy._planner` say how). Mixed into
:class:`~riskscore.policy.ContactPolicy`.

The pending steps are numpy arrays (each step's channels to try as codes of ``CHANNELS``); the
candidates of a round are one frame, whose template ids, messages, tones and rationale texts are
found once per distinct (template, channel, language) and (action, channel, preferred). The
checker judges them with the borrower's accepted steps through ``Checker._check``
(:func:`check_built`): the same rules and screen as :meth:`Checker.violations
<riskscore.policy.Checker.violations>`, without validating again frames the planner built, and
with the codes the planner already has (borrower, channel, language, message, recipient), so the
screen (:mod:`riskscore.policy._screen`) factorizes no text. Text columns stay objects through the
rounds; ``_finish`` makes the plans' text columns text once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore._compat import isin
from riskscore.policy._arrays import groups, ns_of, objects, utc_times
from riskscore.policy._checks import _OPTIONAL, _REQUIRED, Checker, _text_or_none
from riskscore.policy._clock import MINUTE_NS
from riskscore.policy._escalation import hold_calls
from riskscore.policy._profile import Profile
from riskscore.policy._templates import render_message, tone
from riskscore.schemas import CHANNELS

__all__ = ["Rounds", "check_built"]

_CHANNEL_CODES = pd.Index(CHANNELS)
_CHANNEL_NAMES = np.array([*CHANNELS, None], dtype=object)  # by code; -1 (no channel) is None
#: rule kinds whose verdict on a channel does not change from day to day
_STATIC = ("channels_allowed", "channel_never", "medium_opt_out", "channel_consent", "recipient", "required_text",
           "content_lint")

#: the columns of a step the checker reads (``Checker._check``; ``ch``: the channel's code, which the
#: consent rules read instead of looking the channel up)
_CHECKED = [*_REQUIRED, *_OPTIONAL, "b", "ch"]


def check_built(checker: Checker, ctx: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """The checker's violations of steps the planner built (:meth:`Rounds._rows`, ``_complete``), with
    the codes it knows: the borrower, channel, language, message, recipient, and that a placed step's
    rationale has words (``Checker._check``)."""
    if "loans_checked" not in ctx:  # the checker reads an empty loan_ids cell as none (every debt)
        loans = ctx["loans"]
        checked = _text_or_none(pd.Series(loans, dtype=object))  # a cell as it is, or None
        given = np.not_equal(loans, None).astype(bool)  # elementwise: the cells that are not None
        ctx["loans_checked"] = checked if any(v is None for v in checked[given]) else None
    s = frame[_CHECKED]
    bi = frame["bi"].to_numpy(np.int64)
    if ctx["loans_checked"] is not None:
        s = s.assign(loan_ids=ctx["loans_checked"][bi])
    codes = {"who": bi, "channel": frame["ch"].to_numpy(np.int64), "language": _lang_codes(ctx)[bi],
             "message": frame["mc"].to_numpy(np.int64), "recipient": frame["rc"].to_numpy(np.int64),
             "worded": frame["worded"].to_numpy(bool)}
    return checker._check(s, codes)


def _lang_codes(ctx: dict) -> np.ndarray:
    if "lang_codes" not in ctx:
        ctx["lang_codes"] = pd.factorize(ctx["lang"])[0].astype(np.int64)
    return ctx["lang_codes"]


def _found_at(cand: pd.DataFrame, found: pd.DataFrame) -> np.ndarray | None:
    """Each violation's candidate (its position in ``cand``, -1 for none); None when a borrower has
    several candidates. A round has one candidate per borrower: the violations' ids are looked up
    among the candidates', once per round, not the other way round."""
    where = pd.Index(cand["borrower_id"].to_numpy(dtype=object), dtype=object)
    if not where.is_unique:
        return None
    return where.get_indexer(found["borrower_id"].array)


def _among(cand: pd.DataFrame, found: pd.DataFrame, at: np.ndarray | None, rows: np.ndarray | None = None
           ) -> np.ndarray:
    """Whether each candidate's borrower has a violation among ``found`` (its ``rows``, a mask; all:
    None); ``at``: :func:`_found_at`."""
    if at is None:
        return isin(cand["borrower_id"], found["borrower_id"] if rows is None else found["borrower_id"][rows])
    at = at if rows is None else at[rows]
    out = np.zeros(len(cand), dtype=bool)
    out[at[at >= 0]] = True
    return out


def _take(pend: dict, mask: np.ndarray) -> dict:
    return {k: v[mask] for k, v in pend.items()}


def _channels(ctx: dict, bi: np.ndarray, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pending step's channels to try, in order, as codes (rows padded with -1), and how many:
    a call on the call channel where allowed; a message on the borrower's message channels."""
    combos, per = ctx["msg_combos"]
    width = max([1, *map(len, combos)])
    table = np.full((len(combos) + 2, width), -1, dtype=np.int64)
    for i, c in enumerate(combos):
        table[i, :len(c)] = _CHANNEL_CODES.get_indexer(list(c))
    table[len(combos), 0] = CHANNELS.index("call")  # row of a call: the call channel; the next row: none
    count = np.r_[[len(c) for c in combos], 1, 0].astype(np.int64)
    call = action == "agent_call"
    row = np.where(call, np.where(ctx["call"][bi], len(combos), len(combos) + 1), per[bi] if len(bi) else 0)
    return table[row], count[row]


def _window_table(ctx: dict, plan_days: int) -> np.ndarray:
    """``ctx["table"]`` as an array [signature, day] -> (start_ns, end_ns), (-1, -1) where no window."""
    if "dense" not in ctx:
        dense = np.full((int(ctx["sig"].max(initial=-1)) + 1, plan_days, 2), -1, dtype=np.int64)
        for (k, d), w in ctx["table"].items():
            dense[k, d] = w
        ctx["dense"] = dense if len(dense) else np.full((1, plan_days, 2), -1, dtype=np.int64)
    return ctx["dense"]


class Rounds:
    """Placing the steps of each borrower's ladder, round by round (see the module notes)."""

    profile: Profile
    plan_days: int
    agent_calls_per_day: int | None
    min_window_minutes: int
    STEPS: dict[str, list[tuple[str, str, int]]]

    def _message(self, ctx: dict, template_id: str, lang: str) -> str:
        key = (template_id, lang)
        if key not in ctx["messages"]:
            ctx["messages"][key] = render_message(template_id, lang, self.profile)
        return ctx["messages"][key]

    def _place(self, checker: Checker, ctx: dict, seg: np.ndarray, value: np.ndarray) -> tuple[pd.DataFrame, list]:
        todo = self._ladders(seg)
        todo["day0"] = todo["day0"].clip(upper=self.plan_days - 1)
        accepted: list[pd.DataFrame] = []  # each round's accepted steps, in order (one concat at the end)
        events: list[tuple[str, str, str, str]] = []
        if "call_day" in ctx:  # escalation: a call only after unanswered self-service, and rarely
            todo = hold_calls(todo, ctx["call_day"], ctx["call_why"], ctx["ids"], self.plan_days, events)
        stages = todo["stage"].to_numpy()
        for stage in sorted(np.unique(stages)):
            part = todo.loc[stages == stage]
            pend = {"bi": part["bi"].to_numpy(np.int64), "stage": part["stage"].to_numpy(),
                    "action": part["action"].to_numpy(dtype=object),
                    "template": part["template"].to_numpy(dtype=object), "day": part["day0"].to_numpy(np.int64)}
            pend["chans"], pend["nch"] = _channels(ctx, pend["bi"], pend["action"])
            pend["ci"] = np.zeros(len(part), dtype=np.int64)
            capacity = dict.fromkeys(range(self.plan_days), self.agent_calls_per_day)
            while len(pend["bi"]):
                pend, done = self._round(checker, ctx, pend, accepted, events, capacity, value)
                if len(done):
                    accepted.append(done)
        return (pd.concat(accepted, ignore_index=True) if accepted else pd.DataFrame()), events

    def _ladders(self, seg: np.ndarray) -> pd.DataFrame:
        """One row per step of each borrower's ladder (``STEPS`` of its segment), by borrower and stage."""
        codes, uniques = pd.factorize(np.asarray(seg, dtype=object), use_na_sentinel=False)
        ladders = [self.STEPS.get(s, ()) for s in uniques]
        count = np.array([len(x) for x in ladders] + [0], dtype=np.int64)[codes] if len(codes) else \
            np.zeros(0, dtype=np.int64)
        bi = np.repeat(np.arange(len(codes), dtype=np.int64), count)
        starts = np.cumsum(count) - count
        stage = np.arange(len(bi), dtype=np.int64) - np.repeat(starts, count)
        code = codes[bi]
        width = max([1, *map(len, ladders)])
        table = [[ladder[j] if j < len(ladder) else (None, None, 0) for j in range(width)] for ladder in ladders]

        def field(k: int, dtype: object) -> np.ndarray:
            values = np.array([[row[j][k] for j in range(width)] for row in table], dtype=dtype).reshape(-1, width)
            return values[code, stage] if len(bi) else np.zeros(0, dtype=dtype)

        return pd.DataFrame({"bi": bi, "stage": stage, "action": pd.Series(field(0, object), dtype=object),
                             "template": pd.Series(field(1, object), dtype=object), "day0": field(2, np.int64)})

    def _drop(self, ctx: dict, pend: pd.DataFrame | dict, mask: np.ndarray, rule_ids: list[str], detail: str,
              events: list) -> None:
        if not mask.any():
            return
        if "id_objects" not in ctx:
            ctx["id_objects"] = ctx["ids"].to_numpy(dtype=object)
        ids = ctx["id_objects"][np.asarray(pend["bi"])[mask]]
        action = np.asarray(pend["action"], dtype=object)[mask]
        text = {a: f"{a} dropped: {detail}" for a in set(action)}
        if len(rule_ids) == 1:
            events.extend(zip(ids, action, [rule_ids[0]] * len(ids), map(text.get, action), strict=True))
            return
        for i, a in zip(ids, action, strict=True):
            events.extend((i, a, rid, text[a]) for rid in rule_ids)

    def _round(self, checker: Checker, ctx: dict, pend: dict, accepted: list[pd.DataFrame], events: list,
               capacity: dict, value: np.ndarray) -> tuple[dict, pd.DataFrame]:
        """Try every pending step (arrays, see ``_place``) on its current (day, channel); return (still
        pending, accepted)."""
        no_channel = pend["nch"] == 0
        self._drop(ctx, pend, no_channel, ["PLAN-CHANNEL"],
                   "no channel is allowed for it (allowed, not opted out, consented, never-list)", events)
        late = ~no_channel & (pend["day"] >= self.plan_days)
        self._drop(ctx, pend, late, ["PLAN-HORIZON"], f"no day and channel within the {self.plan_days}-day "
                   "horizon passes every rule (see this borrower's other events)", events)
        pend = _take(pend, ~no_channel & ~late)
        n = len(pend["bi"])
        if not n:
            return pend, pd.DataFrame()
        day, bi = pend["day"], pend["bi"]
        code = pend["chans"][np.arange(n), pend["ci"]]
        chan = _CHANNEL_NAMES[code]
        win = _window_table(ctx, self.plan_days)[np.maximum(ctx["sig"][bi], 0), day]
        has = (ctx["sig"][bi] >= 0) & (win[:, 0] >= 0)
        cand = self._fresh(checker, self._rows(ctx, _take(pend, has), chan[has], day[has], win[has], code[has]),
                           ctx.get("cb"))
        who = np.zeros(len(ctx["ids"]), dtype=bool)  # the candidates' borrowers, whose accepted steps count
        who[cand["bi"].to_numpy()] = True
        mine = [part.loc[who[part["bi"].to_numpy()]] for part in accepted]
        found = check_built(checker, ctx, pd.concat([*mine, cand], ignore_index=True)) if len(cand) else \
            pd.DataFrame(columns=["borrower_id", "step", "rule_id", "why"])
        at = _found_at(cand, found)
        ok = ~_among(cand, found, at)
        kinds = {r.id: r.kind for r in self.profile.rules}
        dynamic = ~found["rule_id"].map(kinds).isin(_STATIC).to_numpy()
        static = ~_among(cand, found, at, dynamic) & ~ok  # the channel itself is barred
        self._note(cand, found, events, at)
        full = np.zeros(len(cand), dtype=bool)
        if self.agent_calls_per_day is not None and ok.any():
            full = ok & ~self._within_capacity(cand, ok, capacity, value, ctx, events)
            ok &= ~full
        done = cand.loc[ok]
        # what happens to the rest: a barred channel is removed; otherwise the next channel, then the next day
        pos = np.flatnonzero(has)
        bar, skip, taken = np.zeros(n, dtype=bool), ~has, np.zeros(n, dtype=bool)
        bar[pos[static]], skip[pos[full]], taken[pos[ok]] = True, True, True
        nxt = _take(pend, ~taken)
        bar, skip = bar[~taken], skip[~taken]
        ci = nxt["ci"]
        if bar.any():  # the barred channel leaves the borrower's list
            k = np.arange(nxt["chans"].shape[1])
            src = np.where(k[None, :] >= ci[bar, None], k[None, :] + 1, k[None, :])
            padded = np.concatenate([nxt["chans"][bar], np.full((int(bar.sum()), 1), -1, dtype=np.int64)], axis=1)
            nxt["chans"] = nxt["chans"].copy()
            nxt["chans"][bar] = np.take_along_axis(padded, src, axis=1)
            nxt["nch"] = nxt["nch"] - bar
        ci = ci + np.where(bar | skip, 0, 1)
        wrap = skip | (ci >= np.maximum(nxt["nch"], 1))  # a day without a window or call capacity: the next day
        nxt["ci"], nxt["day"] = np.where(wrap, 0, ci), nxt["day"] + wrap
        return nxt, done

    def _fresh(self, checker: Checker, cand: pd.DataFrame, cb: np.ndarray | None = None) -> pd.DataFrame:
        """End each window before the channel's consent goes stale (``fresh_days``), when what is
        left is still a window (``min_window_minutes``); otherwise the checker refuses it.
        ``cb``: each borrower's row in the checker's table (by ``bi``), when known."""
        rows = np.flatnonzero(cand["channel"].isin(self._fresh_channels).to_numpy())
        if not len(rows):
            return cand
        b = (cb[cand["bi"].to_numpy()[rows]] if cb is not None else
             checker.borrowers.index.get_indexer(cand["borrower_id"].to_numpy()[rows]))
        part = pd.DataFrame({"b": b, "ch": cand["ch"].to_numpy(np.int64)[rows],
                             "channel": cand["channel"].to_numpy()[rows],
                             "destination": cand["destination"].to_numpy(dtype=object)[rows]})
        until = checker.consent_until(part) // MINUTE_NS * MINUTE_NS
        t0 = ns_of(cand["window_start_utc"])[rows]
        t1 = ns_of(cand["window_end_utc"])[rows]
        cut = (until < t1) & (until - t0 >= max(self.min_window_minutes, 1) * MINUTE_NS)
        if cut.any():
            end = ns_of(cand["window_end_utc"]).copy()
            end[rows[cut]] = until[cut]
            cand["window_end_utc"] = utc_times(end)
        return cand

    @property
    def _fresh_channels(self) -> list[str]:
        return sorted({ch for r in self.profile.of_kind("channel_consent") for ch in r.params["fresh_days"]
                       if ch in r.params["channels"]})

    @staticmethod
    def _note(cand: pd.DataFrame, found: pd.DataFrame, events: list, at: np.ndarray | None) -> None:
        """One event per (borrower, rule) of ``found``; ``at``: :func:`_found_at`."""
        first = ~found.duplicated(["borrower_id", "rule_id"]).to_numpy()
        hit = found.loc[first]
        if at is None:  # one candidate per borrower in a round; otherwise pair them all
            hit = hit.merge(cand[["borrower_id", "action", "channel", "day"]], on="borrower_id")
            events.extend(zip(hit["borrower_id"], hit["action"], hit["rule_id"],
                              hit["action"] + " by " + hit["channel"] + " on day " + hit["day"].astype(str)
                              + " not allowed: " + hit["why"], strict=True))
            return
        at = at[first]
        hit, at = hit.loc[at >= 0], at[at >= 0]
        action = cand["action"].to_numpy(dtype=object)[at]
        channel = cand["channel"].to_numpy(dtype=object)[at]
        day = cand["day"].to_numpy()[at]
        events.extend(zip(hit["borrower_id"].to_numpy(dtype=object), action, hit["rule_id"].to_numpy(dtype=object),
                          [f"{a} by {c} on day {d} not allowed: {w}" for a, c, d, w in
                           zip(action, channel, day, hit["why"].to_numpy(dtype=object), strict=True)], strict=True))

    def _within_capacity(self, cand: pd.DataFrame, ok: np.ndarray, capacity: dict, value: np.ndarray, ctx: dict,
                         events: list) -> np.ndarray:
        keep = np.ones(len(cand), dtype=bool)
        calls = np.flatnonzero(ok & (cand["action"] == "agent_call").to_numpy())
        for d in np.unique(cand["day"].to_numpy()[calls]):
            on_day = calls[cand["day"].to_numpy()[calls] == d]
            ranked = on_day[np.argsort(-value[cand["bi"].to_numpy()[on_day]], kind="stable")]
            room = capacity[int(d)]
            keep[ranked[room:]] = False
            capacity[int(d)] = max(0, room - len(ranked))
            for bi in cand["bi"].to_numpy()[ranked[room:]]:
                events.append((ctx["ids"].to_numpy(dtype=object)[bi], "agent_call", "CAPACITY",
                               f"agent-call capacity ({self.agent_calls_per_day} a day) used by higher-value "
                               f"calls on day {int(d)}"))
        return keep

    def _rows(self, ctx: dict, pend: pd.DataFrame | dict, chan: np.ndarray, day: np.ndarray,
              win: list[tuple[int, int]] | np.ndarray, code: np.ndarray | None = None) -> pd.DataFrame:
        """The candidate steps (pending steps with a channel, a day and a window), as plan rows;
        ``code``: the channels' positions in CHANNELS, when known."""
        bi = np.asarray(pend["bi"], dtype=np.int64)
        chan = np.asarray(chan, dtype=object)
        code = _CHANNEL_CODES.get_indexer(chan) if code is None else code
        lang = ctx["lang"][bi]
        action = np.asarray(pend["action"], dtype=object)
        template = np.asarray(pend["template"], dtype=object)
        stage = np.asarray(pend["stage"])
        # template ids, messages and tones per distinct (template, channel, language): a handful
        key, first = groups(pd.factorize(template)[0], code, _lang_codes(ctx)[bi])
        tids = np.array([f"{t}.{c}" for t, c in zip(template[first], chan[first], strict=True)], dtype=object)
        tid = tids[key]
        message = objects([self._message(ctx, i, lg) for i, lg in zip(tids, lang[first], strict=True)])[key]
        # a code per (template id, language), which fix the message: the checker's screen groups by it
        known = ctx.setdefault("message_codes", {})
        mc = np.array([known.setdefault((i, lg), len(known)) for i, lg in zip(tids, lang[first], strict=True)],
                      dtype=np.int64)[key] if len(first) else np.zeros(0, dtype=np.int64)
        tones = objects([tone(t) for t in tids])[key]
        # the rationale: the borrower's reasons, then the step's text per distinct (action, channel, preferred)
        preferred = chan == ctx["pref"][bi]
        k, at = groups(pd.factorize(action)[0], code, preferred.astype(np.int64))
        text = np.array([f"; step: {a.replace('_', ' ')} by {c}" + (" (preferred channel)" if p else "")
                         for a, c, p in zip(action[at], chan[at], preferred[at], strict=True)], dtype=object)
        rationale = ctx["why"][bi] + text[k] if len(bi) else np.zeros(0, dtype=object)
        t = np.asarray(win, dtype=np.int64).reshape(-1, 2)

        def obj(values: np.ndarray) -> pd.Series:  # objects, not text: no inference each round (_finish
            return pd.Series(values, dtype=object, copy=False)  # makes the plans' text columns text once)

        if "id_objects" not in ctx:
            ctx["id_objects"] = ctx["ids"].to_numpy(dtype=object)

        return pd.DataFrame({
            "bi": bi, "b": ctx["cb"][bi], "ch": code, "mc": mc, "rc": 0,
            "worded": True,  # the rationale names the step
            "borrower_id": obj(ctx["id_objects"][bi]), "step": stage + 1,
            "action": obj(action), "channel": obj(chan), "recipient": obj(np.full(len(bi), "borrower", dtype=object)),
            "destination": obj(self._destinations(ctx, bi, chan, code)), "loan_ids": obj(ctx["loans"][bi]),
            "window_start_utc": utc_times(t[:, 0]), "window_end_utc": utc_times(t[:, 1]),
            "language": obj(lang), "template_id": obj(tid), "message": obj(message), "rationale": obj(rationale),
            "day": day, "stage": stage, "tone": obj(tones),
        })

    @staticmethod
    def _destinations(ctx: dict, bi: np.ndarray, chan: np.ndarray, ch: np.ndarray) -> np.ndarray:
        """The checker's :meth:`~riskscore.policy.Checker.destination_for` of each step; None without
        asking where the borrowers table lists no destination for the channel (most rows).
        ``ch``: the channels' positions in CHANNELS."""
        checker = ctx["checker"]
        b = ctx["cb"][bi]
        codes, ids, _, _ = checker._addresses()
        if "listed" not in ctx:
            ctx["listed"] = np.array([[bool(i.get(c)) for c in CHANNELS] for i in ids],
                                     dtype=bool).reshape(-1, len(CHANNELS))
        listed = ctx["listed"]
        some = (b >= 0) & (ch >= 0)
        some[some] = listed[codes[b[some]], ch[some]]
        out = np.full(len(bi), None, dtype=object)
        if some.any():
            out[some] = checker.destination_for(pd.DataFrame({"b": b[some], "channel": chan[some]}))
        return out

