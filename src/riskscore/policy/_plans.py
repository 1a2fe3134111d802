"""Plans: the steps a policy emits, what the rules changed, and the per-rule audit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskscore._compat import isin
from riskscore.contract import AUDIT_COLUMNS, empty_output
from riskscore.policy._arrays import joined, objects, text_take
from riskscore.policy._profile import CONTACT_ACTIONS, Profile, Rule

__all__ = ["AUDIT_COLUMNS", "EVENT_COLUMNS", "Plans"]

#: What the rules changed while planning: a step moved to a later day or another channel, or dropped.
EVENT_COLUMNS = ["borrower_id", "action", "rule_id", "detail"]
_CALL_KINDS = ("call_frequency", "conversation_quiet", "daily_calls")
_TIME_KINDS = ("time_window", "blocked_days", "designated_times")
#: What the audit says of a rule for a borrower (:meth:`Plans.audit`).
OUTCOMES = np.array(["blocked", "policy", "pass", "not_applicable"], dtype=object)


def _params_text(rule: Rule) -> str:
    p = {k: v for k, v in rule.params.items() if v not in ({}, [], None)}
    return ", ".join(f"{k}={v}" for k, v in p.items())


@dataclass
class Plans:
    """Contact plans for a set of borrowers, with what the rules changed and a per-rule audit.

    Attributes
    ----------
    steps : DataFrame
        One row per step, columns :data:`riskscore.policy.PLAN_COLUMNS` plus ``day`` (days from
        ``now`` in the borrower's local calendar), ``segment`` and the decision columns
        (:data:`riskscore.policy.DECISION_COLUMNS`, the same on every row of a borrower).
    events : DataFrame
        What the rules changed: one row per (borrower, action, rule) that moved a step to a later
        day or another channel, or dropped it; columns :data:`EVENT_COLUMNS`.
    profile : Profile
        The rules the plans were made and checked under.
    flags : DataFrame
        The borrowers' flags (indexed by ``borrower_id``) the audit reports on.
    now : Timestamp
        When the plans were made (UTC).
    hardship : Series, optional
        The hardship evidence the planner saw, in words, indexed by ``borrower_id`` ("" for
        none): :func:`check_plans` checks a plans object against it by default.
    holidays : list, optional
        The caller's public holidays, or None for the ``holidays`` package's (check_plans uses
        the same by default).
    holiday_source : Series, optional
        Which public holidays each borrower's plan avoids, in words, indexed by ``borrower_id``
        (the audit of ``blocked_days`` rules says it).
    """

    steps: pd.DataFrame
    events: pd.DataFrame
    profile: Profile
    flags: pd.DataFrame
    now: pd.Timestamp
    hardship: pd.Series | None = None
    holidays: list | None = None
    holiday_source: pd.Series | None = None

    def __len__(self) -> int:
        return int(self.steps["borrower_id"].nunique())

    def __repr__(self) -> str:
        mix = self.steps["action"].value_counts().to_dict()
        return (f"Plans({len(self)} borrowers, {len(self.steps)} steps, profile={self.profile.name} "
                f"{self.profile.version}, actions={mix})")

    def audit(self, borrower_ids: object = None) -> pd.DataFrame:
        """Every rule of the profile for every plan, with its outcome.

        ``outcome`` is ``blocked`` (the rule stopped or changed a contact: a flag, or a step
        moved or dropped; ``detail`` says how), ``policy`` (the plan obeys the rule and the rule
        rests on a value no source sets), ``pass``, or ``not_applicable`` (the plan has no step
        the rule is about). ``reading`` repeats how the profile reads the rule where the sources
        leave room (the rule's ``reading`` note; empty when nothing is read in). One row per
        borrower and rule: for a whole portfolio, pass the ids you need.

        Parameters
        ----------
        borrower_ids : list-like, optional
            The borrowers to audit (default: all).

        Returns
        -------
        DataFrame
            Columns :data:`AUDIT_COLUMNS`.

        Examples
        --------
        >>> import pandas as pd
        >>> from riskscore.policy import ContactPolicy
        >>> from riskscore.schemas import BORROWER_FLAGS
        >>> b = pd.DataFrame({"borrower_id": ["a"], "timezone": "Europe/London", "channels_allowed": "app",
        ...                   "preferred_channel": "app", "language": "en",
        ...                   **dict.fromkeys(BORROWER_FLAGS, False), "vulnerable": True})
        >>> scores = pd.DataFrame({"likelihood": [0.3]}, index=pd.Index(["a"], name="borrower_id"))
        >>> plans = ContactPolicy("uk_fca_conc7_2024").plan(scores, None, b, None, now="2026-11-24T09:00Z")
        >>> plans.audit().set_index("rule_id").loc["UK-09", ["outcome", "detail"]].tolist()
        ['blocked', 'vulnerable is set: routed to human review']
        """
        steps = self.steps
        if borrower_ids is not None:
            if isinstance(borrower_ids, str):
                borrower_ids = [borrower_ids]
            steps = steps.loc[isin(steps["borrower_id"], pd.Index(borrower_ids))]
        ids = pd.Index(steps["borrower_id"].unique())
        contact = steps.loc[steps["action"].isin(CONTACT_ACTIONS)]
        has = {
            "contact": isin(ids, contact["borrower_id"]),
            "call": isin(ids, contact.loc[contact["channel"] == "call", "borrower_id"]),
            "timed": isin(ids, contact.loc[contact["channel"] != "letter", "borrower_id"]),
        }
        timed = contact.loc[contact["channel"] != "letter"]
        windows = pd.Series(joined(timed["borrower_id"], timed["local_windows"].astype(str), ids, sep=" | "),
                            index=ids, dtype=object)
        has["targets"], has["calls_to"] = _targets(contact, ids)
        events = self.events.loc[isin(self.events["borrower_id"], ids)].drop_duplicates(["borrower_id", "rule_id"])
        moved = {rule_id: ev.set_index("borrower_id")["detail"] for rule_id, ev in events.groupby("rule_id")}
        rules = self.profile.rules
        outcomes = np.empty((len(rules), len(ids)), dtype=np.int64)  # positions in OUTCOMES
        details = np.empty((len(rules), len(ids)), dtype=object)
        for i, rule in enumerate(rules):
            outcome, detail = self._rule_outcome(rule, ids, has, contact, windows)
            if rule.id in moved:
                ev = moved[rule.id].reindex(ids).to_numpy(dtype=object)
                hit = pd.notna(ev)
                outcome = np.where(hit, "blocked", outcome)
                detail = np.where(hit, ev, detail)
            outcomes[i], details[i] = _outcome_codes(outcome), detail
        # borrower-major (each borrower's rules in the profile's order), borrowers sorted
        order = np.argsort(ids.to_numpy(dtype=object), kind="stable")
        n, per = len(ids), len(rules)
        if n == 0:
            return empty_output("audit")[AUDIT_COLUMNS]
        # the columns of a few values made once per value and taken per row (Arrow's take), not
        # from one Python string per row
        of_rule = np.tile(np.arange(per), n)

        def by_rule(values: list) -> object:
            return text_take(objects(values), of_rule)

        out = pd.DataFrame({
            "borrower_id": text_take(ids.to_numpy(dtype=object)[order], np.repeat(np.arange(n), per)),
            "rule_id": by_rule([r.id for r in rules]), "kind": by_rule([r.kind for r in rules]),
            "basis": by_rule([r.basis for r in rules]), "outcome": text_take(OUTCOMES, outcomes[:, order].T.ravel()),
            "detail": details[:, order].T.ravel(),
            "policy_params": by_rule([", ".join(r.policy_params) for r in rules]),
            "reading": by_rule([r.reading for r in rules]),
            "profile": text_take(objects([self.profile.name]), np.zeros(n * per, dtype=np.int64)),
            "profile_version": text_take(objects([self.profile.version]), np.zeros(n * per, dtype=np.int64))})
        return out[AUDIT_COLUMNS]

    def _hardship_text(self, ids: pd.Index) -> np.ndarray:
        if self.hardship is None:
            return np.full(len(ids), "", dtype=object)
        return self.hardship.reindex(ids).fillna("").astype(str).to_numpy(dtype=object)

    def _flag_outcome(self, rule: Rule, ids: pd.Index, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        flag = rule.params["flag"]
        on = self.flags[flag].reindex(ids).fillna(False).to_numpy(dtype=bool)
        what = "no collection contact" if rule.kind == "block_flag" else "routed to human review"
        said = np.where(on, f"{flag} is set: {what}", f"{flag} is not set")
        if rule.kind == "review_flag" and rule.params["hardship_evidence"]:
            seen = self._hardship_text(ids)
            said = np.where(~on & (seen != ""), "hardship evidence (" + seen + "): " + what,
                            np.where(~on, said + "; no hardship evidence", said))
            on = on | (seen != "")
        return np.where(on, "blocked", base), said

    def _rule_outcome(self, rule: Rule, ids: pd.Index, has: dict[str, np.ndarray], contact: pd.DataFrame,
                      windows: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        ok = "policy" if rule.uses_policy else "pass"
        base = np.full(len(ids), ok, dtype=object)
        text = f"{rule.title} ({_params_text(rule)})" if rule.params else rule.title
        detail = np.full(len(ids), text, dtype=object)
        kind = rule.kind
        if kind in ("block_flag", "review_flag"):
            return self._flag_outcome(rule, ids, base)
        applies = has["contact"]
        if kind in _CALL_KINDS:
            applies = has["call"]
            detail = _counted(rule, has["calls_to"], text, ids)
        elif kind in ("medium_opt_out", "channel_consent", "channel_caps"):
            detail = np.where(has["targets"] != "", text + "; planned: " + has["targets"], text)
        elif kind in _TIME_KINDS:
            applies = has["timed"]
            if kind == "blocked_days" and rule.params["public_holidays"] and self.holiday_source is not None:
                source = self.holiday_source.reindex(ids).fillna("").astype(str).to_numpy(dtype=object)
                text = np.where(source != "", text + "; public holidays: " + source, text)
            detail = np.where(windows.to_numpy() != "", text + "; planned: " + windows.to_numpy(), text)
        elif kind == "forbearance_first":
            applies = isin(ids, contact.loc[contact["action"].isin(rule.params["escalations"]), "borrower_id"])
        elif kind == "required_text":
            applies = isin(ids, contact.loc[contact["channel"].isin(rule.params["channels"]), "borrower_id"])
        elif kind == "content_lint" and rule.params["when_flag"]:
            applies &= self.flags[rule.params["when_flag"]].reindex(ids).fillna(False).to_numpy(dtype=bool)
        elif kind == "rationale":
            applies = np.ones(len(ids), dtype=bool)
        return np.where(applies, base, "not_applicable"), detail


def _outcome_codes(outcome: np.ndarray) -> np.ndarray:
    """The position of each outcome in :data:`OUTCOMES`."""
    codes = np.full(len(outcome), -1, dtype=np.int64)
    for k, value in enumerate(OUTCOMES):
        codes[outcome == value] = k
    if (codes < 0).any():  # a rule kind's outcome written in no list: a bug, never an empty audit cell
        raise RuntimeError(f"an audit outcome outside {OUTCOMES.tolist()}: {sorted(set(outcome[codes < 0]))}")
    return codes


def _targets(contact: pd.DataFrame, ids: pd.Index) -> tuple[np.ndarray, pd.DataFrame]:
    """Per borrower: each contact step's channel, destination and debts, in words; and the call
    steps (borrower_id, destination, loan_ids) the counting rules speak of."""
    if not len(contact):
        return np.full(len(ids), "", dtype=object), contact
    dest = contact["destination"] if "destination" in contact else pd.Series(None, index=contact.index)
    loans = contact["loan_ids"] if "loan_ids" in contact else pd.Series(None, index=contact.index)
    words = ("step " + contact["step"].astype(str) + ": " + contact["channel"].astype(str)
             + np.where(dest.notna(), " to " + dest.astype(str), "")
             + np.where(loans.notna(), " about " + loans.astype(str), " about every debt"))
    text = joined(contact["borrower_id"], words, ids)
    calls = pd.DataFrame({"borrower_id": contact["borrower_id"], "destination": dest,
                          "loan_ids": loans}).loc[(contact["channel"] == "call").to_numpy()]
    return text, calls


def _counted(rule: Rule, calls: pd.DataFrame, text: str, audited: pd.Index) -> np.ndarray:
    """The detail of a counting rule for each audited borrower: what the calls were counted per."""
    ids = calls["borrower_id"].unique() if len(calls) else []
    unit = rule.params.get("unit", "person")
    if unit == "person_x_debt":
        named = calls.groupby("borrower_id")["loan_ids"].agg(lambda v: v.notna().all()) if len(calls) else None
        how = {b: "counted per person and debt (the calls name their debts)" if named[b] else
               "counted per person and debt; a call naming no debt counts for every debt" for b in ids}
    elif unit == "destination":
        named = calls.groupby("borrower_id")["destination"].agg(lambda v: v.notna().all()) if len(calls) else None
        how = {b: "counted per number (destination ids of the borrowers table)" if named[b] else
               "counted per number where known; the borrowers table gives no destination id for this "
               "borrower's calls, so they are counted per person" for b in ids}
    else:
        how = dict.fromkeys(ids, "counted per person (all debts, all numbers)")
    planned = (calls.assign(words=lambda f: np.where(f["destination"].notna(), "call to "
                                                      + f["destination"].astype(str), "call")
                            + np.where(f["loan_ids"].notna(), " about " + f["loan_ids"].astype(str),
                                       " about every debt"))
               .groupby("borrower_id")["words"].agg("; ".join)) if len(calls) else pd.Series(dtype=object)
    said = {b: f"{text}; {how[b]}; planned: {planned[b]}" for b in ids}
    return np.array([said.get(b, text) for b in audited.to_numpy(dtype=object)], dtype=object)
