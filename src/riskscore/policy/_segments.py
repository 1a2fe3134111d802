"""The planner's segments: who gets which kind of plan (see :mod:`riskscore.policy._planner`).

Hardship evidence is what the planner sees of a borrower's difficulty: the ``hardship_declared``
flag, a hardship reason code (``RS-PARTIAL``) leading the reasons with a likelihood below the
self-cure threshold, or the scores' ``hardship_signal``. A profile whose ``review_flag`` rule has
``hardship_evidence: true`` (``strict_v1``) sends every such borrower to human review before any
contact; the others give them a repayment-plan offer and a referral to free debt advice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.policy._arrays import groups, joined
from riskscore.policy._profile import Profile

__all__ = ["Segments"]

_WHY = {
    "unknown": "no borrowers row: flags, channels and consent are unknown, so a person reviews the case",
    "no_contact": "likely to repay without contact ({lik:.0%} >= {nc:.0%}): no contact",
    "self_cure": "likely to repay soon ({lik:.0%} >= {sc:.0%}): a gentle reminder at most",
    "middle": "likelihood {lik:.0%} (between {lo:.0%} and {sc:.0%}): a reminder and a self-service payment link",
    "low": "likelihood {lik:.0%} (< {lo:.0%}), call value {val:,.2f}: payment link and repayment-plan offer; "
           "a call only after self-service went unanswered",
    "hardship": "hardship signal ({sig}): a repayment-plan offer and a referral to free debt advice, never a call",
}


def _per_value(values: np.ndarray, text: object) -> np.ndarray:
    """``text(v)`` for every value, computed once per distinct value (a portfolio has a handful)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.array([text(v) for v in uniques] + [""], dtype=object)[codes]


class Segments:
    """Segments and hardship evidence (mixed into :class:`~riskscore.policy.ContactPolicy`)."""

    profile: Profile
    hardship_codes: tuple[str, ...]
    hardship_top: int
    self_cure_threshold: float
    no_contact_threshold: float
    low_threshold: float

    def hardship_evidence(self, scores: pd.DataFrame, b: pd.DataFrame, hard: pd.Series) -> np.ndarray:
        """Per borrower of ``scores``: what shows hardship, in words ("" for none).

        ``b`` is the borrowers table aligned on ``scores``; ``hard`` the hardship code leading
        each borrower's reasons ("" for none, see ``_signals``).
        """
        n = len(scores)
        lik = scores["likelihood"].to_numpy()
        declared = b["hardship_declared"].fillna(False).to_numpy(dtype=bool)
        coded = (hard.to_numpy() != "") & (lik < self.self_cure_threshold)
        seen = scores["hardship_signal"].to_numpy(dtype=bool) if "hardship_signal" in scores else np.zeros(n, bool)
        return np.where(declared, "hardship declared", np.where(coded, "reason " + hard.to_numpy(), np.where(
            seen, "repeated partial payments", ""))).astype(object)

    def _signals(self, reasons: pd.DataFrame | None, ids: pd.Index) -> tuple[pd.Series, pd.Series]:
        """Per borrower: the top adverse reasons (code: text) and the hardship code found, if any."""
        empty = pd.Series("", index=ids, dtype=object)
        if reasons is None or len(reasons) == 0:
            return empty, empty
        missing = {"row", "code"} - set(reasons.columns)
        if missing:
            raise ValueError(f"reasons must be reason_codes() output with the columns 'row' and 'code'; "
                             f"missing {sorted(missing)}")
        r = reasons
        if "direction" in r:
            r = r.loc[r["direction"] == "adverse"]
        if "rank" in r:
            r = r.sort_values(["row", "rank"], kind="stable")
        r = r.loc[r["code"] != "RS-NONE"]
        top = r.groupby("row", sort=False).head(max(self.hardship_top, 2))
        text = top["code"] + (": " + top["text"].astype(str) if "text" in top else "")
        said = pd.Series(joined(top["row"], text, ids), index=ids, dtype=object)
        lead = r.groupby("row", sort=False).head(self.hardship_top)
        hard = lead.loc[lead["code"].isin(self.hardship_codes)].groupby("row")["code"].first().reindex(ids).fillna("")
        return said, hard

    def _segments(self, scores: pd.DataFrame, b: pd.DataFrame, known: np.ndarray, hard: pd.Series,
                  value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(scores)
        seg = np.full(n, "", dtype=object)
        why = np.full(n, "", dtype=object)
        free = np.ones(n, dtype=bool)  # no segment yet

        def take(mask: np.ndarray, name: str, text: np.ndarray | str) -> None:
            mask = mask & free
            seg[mask] = name
            why[mask] = text if isinstance(text, str) else text[mask]
            free[mask] = False

        signal = self.hardship_evidence(scores, b, hard)
        shown = signal != ""
        take(~known, "unknown", _WHY["unknown"])
        # review before block: a person looks at a flagged account even when contact is blocked
        for kind, name, verb in (("review_flag", "review", "human review only, no automated contact"),
                                 ("block_flag", "blocked", "no collection contact")):
            for rule in self.profile.of_kind(kind):
                on = b[rule.params["flag"]].fillna(False).to_numpy(dtype=bool)
                take(on, name, f"{rule.params['flag']} is set ({rule.id}, {rule.cite}): {verb}")
                if kind == "review_flag" and rule.params["hardship_evidence"]:
                    take(shown, name, _per_value(signal, lambda x, r=rule: f"hardship evidence ({x}) ({r.id}, "
                                                        f"{r.cite}): human review before any contact"))
        lik = scores["likelihood"].to_numpy()
        take(shown, "hardship", _per_value(signal, lambda x: _WHY["hardship"].format(sig=x)))
        fmt = {"nc": self.no_contact_threshold, "sc": self.self_cure_threshold, "lo": self.low_threshold}
        for name, cut in (("no_contact", self.no_contact_threshold), ("self_cure", self.self_cure_threshold),
                          ("middle", self.low_threshold), ("low", -1.0)):
            mask = (lik >= cut) & free
            # the text names the likelihood in whole percent (format's '.0%' rounds x * 100 half to even):
            # formatted per distinct percent; the low segment's names the call value too, one per borrower
            head, *tail = _WHY[name].split("{val:,.2f}")
            key, first = groups(np.rint(lik[mask] * 100).astype(np.int64))
            texts = np.array([head.format(lik=x, **fmt) for x in lik[mask][first]],
                             dtype=object)[key] if mask.any() else np.zeros(0, dtype=object)
            if tail:
                texts = texts + np.array([f"{v:,.2f}" for v in value[mask]], dtype=object) + tail[0].format(**fmt)
            full = np.full(n, "", dtype=object)
            full[mask] = texts
            take(mask, name, full)
        return seg, why
