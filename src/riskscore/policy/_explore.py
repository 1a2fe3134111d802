"""Randomised holdouts: an opt-in, seeded share of a segment's borrowers get a plan drawn at random.

A *decision* is the plan ladder a borrower gets in a run, one per borrower per run:

============  ===================================  =====================================
decision      the steps of segment                 steps
============  ===================================  =====================================
``none``      ``no_contact``                       no contact
``gentle``    ``self_cure``                        a gentle reminder
``remind``    ``middle``                           a reminder and a payment link
``escalate``  ``low``                              payment link, plan offer, agent call (*)
============  ===================================  =====================================

(*) only where agent calls are on (``ContactPolicy(max_window_calls=1)``; off by default).

Borrowers of the other segments (``unknown``, ``review``, ``blocked``, ``hardship``) keep their
segment's plan: their decision is the segment's name and is never drawn. Nor is a borrower with
any flag of the borrowers table set (vulnerable, complaint open, ...), whatever profile applies.

With exploration share ``e`` for a segment and ``K`` eligible decisions, a borrower is *drawn*
when ``u1 < e`` and then gets the decision ``floor(u2 * K)``; otherwise the policy's default.
So the probability of decision ``a`` is ``(1 - e) [a = default] + e / K`` (they add up to 1),
and ``propensity`` is that of the decision taken. ``u1, u2`` come from BLAKE2b of
``(seed, borrower_id, date)`` (the UTC date of the plans' ``now``): the same in every process,
engine and chunking, never Python's salted ``hash()``.

Every step of a drawn plan is still placed and checked like any other: exploration chooses
among plans, the rules decide which steps of it happen (a call to a borrower without a call
channel is dropped, the capacity still ranks calls by value).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskscore.schemas import BORROWER_FLAGS

__all__ = ["DECISIONS", "DECISION_COLUMNS", "LADDERS", "Exploration", "decisions_of"]

#: decision -> the segment whose steps it gives, in the order the draws index them.
LADDERS: dict[str, str] = {"none": "no_contact", "gentle": "self_cure", "remind": "middle", "escalate": "low"}
#: The decisions exploration can draw.
DECISIONS: tuple[str, ...] = tuple(LADDERS)
_DEFAULT = {seg: d for d, seg in LADDERS.items()}
#: The columns every plan row carries about its borrower's decision (see the module notes).
DECISION_COLUMNS = ["decision", "default_decision", "propensity", "eligible_decisions", "explore_share"]


@dataclass(frozen=True)
class Exploration:
    """Seeded randomised holdouts for :class:`~riskscore.policy.ContactPolicy` (opt-in).

    Parameters
    ----------
    seed : int
        The draws are a hash of (seed, borrower id, run date): change it to draw other borrowers.
    shares : mapping of str to float
        Segment (``no_contact``, ``self_cure``, ``middle``, ``low``) -> share of its borrowers
        whose plan is drawn at random among ``decisions`` (in [0, 1]). Other segments are never
        explored.
    decisions : tuple of str, default all of :data:`DECISIONS`
        The plans a drawn borrower may get; they must include the default of every explored segment.

    Examples
    --------
    >>> from riskscore.policy import Exploration
    >>> e = Exploration(seed=7, shares={"middle": 0.05, "low": 0.1})
    >>> e.to_dict()
    {'seed': 7, 'shares': {'low': 0.1, 'middle': 0.05}, 'decisions': ['none', 'gentle', 'remind', 'escalate']}
    >>> Exploration.from_dict(e.to_dict()) == e
    True
    """

    seed: int
    shares: Mapping[str, float] = field(default_factory=dict)
    decisions: tuple[str, ...] = DECISIONS

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise TypeError(f"exploration: seed must be an int, got {self.seed!r}")
        if not isinstance(self.shares, Mapping):
            raise TypeError(f"exploration: shares must be a mapping segment -> share, got {self.shares!r}")
        bad = sorted(set(self.shares) - set(_DEFAULT))
        if bad:
            raise ValueError(f"exploration: cannot explore segment(s) {bad}; only {sorted(_DEFAULT)} (never "
                             "unknown, review, blocked or hardship borrowers)")
        for seg, share in self.shares.items():
            if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
                raise ValueError(f"exploration: the share of segment {seg!r} must be a number in [0, 1], got {share!r}")
        decisions = tuple(self.decisions)
        unknown = [d for d in decisions if d not in LADDERS]
        if unknown or len(set(decisions)) != len(decisions) or len(decisions) < 2:
            raise ValueError(f"exploration: decisions must be 2 or more distinct of {list(DECISIONS)}, got "
                             f"{list(decisions)}")
        missing = sorted(s for s, e in self.shares.items() if e > 0 and _DEFAULT[s] not in decisions)
        if missing:
            raise ValueError(f"exploration: decisions {list(decisions)} lack the default "
                             f"{[_DEFAULT[s] for s in missing]} of explored segment(s) {missing}")
        object.__setattr__(self, "shares", {str(k): float(v) for k, v in sorted(self.shares.items())})
        object.__setattr__(self, "decisions", tuple(d for d in DECISIONS if d in decisions))
        object.__setattr__(self, "seed", int(self.seed))

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-able values (what the run manifest records)."""
        return {"seed": self.seed, "shares": dict(self.shares), "decisions": list(self.decisions)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Exploration:
        """Read :meth:`to_dict`'s mapping (or a YAML file's): ``seed``, ``shares``, optional ``decisions``."""
        if not isinstance(data, Mapping):
            raise TypeError(f"exploration must be a mapping with seed and shares, got {type(data).__name__}")
        extra = sorted(set(data) - {"seed", "shares", "decisions"})
        if extra or "seed" not in data:
            raise ValueError(f"exploration: needs 'seed' and 'shares' (and optionally 'decisions'); "
                             f"{'unknown key(s) ' + str(extra) if extra else 'no seed'}")
        return cls(seed=data["seed"], shares=data.get("shares") or {},
                   decisions=tuple(data.get("decisions") or DECISIONS))

    def uniforms(self, ids: np.ndarray, day: str) -> np.ndarray:
        """Two uniforms per id in [0, 1): shape (n, 2), from BLAKE2b of (seed, id, day).

        Examples
        --------
        >>> Exploration(seed=1).uniforms(["a", "b"], "2026-11-23").round(4).tolist()
        [[0.6374, 0.5821], [0.4435, 0.5761]]
        """
        raw = b"".join(hashlib.blake2b(f"{self.seed}|{i}|{day}".encode(), digest_size=16).digest() for i in ids)
        words = np.frombuffer(raw, dtype="<u8").reshape(-1, 2) if len(raw) else np.zeros((0, 2), np.uint64)
        return (words >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def decisions_of(seg: np.ndarray, ids: np.ndarray, flagged: np.ndarray, now: pd.Timestamp,
                 exploration: Exploration | None) -> pd.DataFrame:
    """Per borrower: the decision, the default, the propensity, the eligible decisions and the share.

    Also ``ladder``: the segment whose steps the borrower gets (its own unless drawn otherwise).
    """
    seg = np.asarray(seg, dtype=object)
    n = len(seg)
    codes, uniques = pd.factorize(seg, use_na_sentinel=False)  # a few segments: texts made once each

    def text(values: list) -> pd.api.extensions.ExtensionArray:
        return pd.array(np.asarray(values, dtype=object), dtype="str").take(codes)

    default = np.array([_DEFAULT.get(s, s) for s in uniques], dtype=object)[codes]
    out = pd.DataFrame({"decision": text([_DEFAULT.get(s, s) for s in uniques]),
                        "default_decision": text([_DEFAULT.get(s, s) for s in uniques]), "propensity": np.ones(n),
                        "eligible_decisions": text([_DEFAULT.get(s, s) for s in uniques]),
                        "explore_share": np.zeros(n), "ladder": text(list(uniques))})
    if exploration is None or not n:
        return out
    share = np.array([exploration.shares.get(s, 0.0) for s in seg], dtype=float)
    share[np.asarray(flagged, dtype=bool)] = 0.0
    on = np.flatnonzero(share > 0)
    if not len(on):
        return out
    choices = np.array(exploration.decisions, dtype=object)
    k = len(choices)
    u = exploration.uniforms(np.asarray(ids, dtype=object)[on], str(pd.Timestamp(now).tz_convert("UTC").date()))
    drawn = u[:, 0] < share[on]
    chosen = np.where(drawn, choices[np.minimum((u[:, 1] * k).astype(int), k - 1)], default[on])
    same = chosen == default[on]
    out.loc[on, "decision"] = chosen
    out.loc[on, "propensity"] = np.where(same, 1 - share[on], 0.0) + share[on] / k
    out.loc[on, "eligible_decisions"] = ",".join(choices)
    out.loc[on, "explore_share"] = share[on]
    out.loc[on, "ladder"] = [LADDERS[d] for d in chosen]
    return out


def explore(seg: np.ndarray, why: np.ndarray, ids: pd.Index, b: pd.DataFrame, now: pd.Timestamp,
            exploration: Exploration | None) -> tuple[pd.DataFrame, np.ndarray]:
    """The planner's step: (decision columns per borrower, the segment whose steps each gets); a drawn
    borrower's ``why`` (changed in place) says so. ``b`` is the borrowers table aligned on ``ids``."""
    flagged = b[list(BORROWER_FLAGS)].any(axis=1).to_numpy()
    chosen = decisions_of(seg, ids.to_numpy(dtype=object), flagged, now, exploration)
    ladder = chosen.pop("ladder")
    if exploration is None:  # every borrower gets the default: the own segment's steps
        return chosen, np.asarray(seg, dtype=object).copy()
    ladder = ladder.to_numpy(dtype=object)
    drawn = np.flatnonzero(chosen["decision"].to_numpy() != chosen["default_decision"].to_numpy())
    why[drawn] = [f"{w}; exploration: plan '{d}' drawn at random instead of '{dd}' (share {e:.0%})"
                  for w, d, dd, e in zip(why[drawn], chosen["decision"].to_numpy()[drawn],
                                         chosen["default_decision"].to_numpy()[drawn],
                                         chosen["explore_share"].to_numpy()[drawn], strict=True)]
    return chosen, ladder


def with_decisions(steps: pd.DataFrame, ids: pd.Index, seg: np.ndarray, chosen: pd.DataFrame,
                   at: np.ndarray | None = None) -> pd.DataFrame:
    """Plan steps with each borrower's own segment and its decision columns on every row (``at``:
    each step's borrower's position in ``ids``, when known)."""
    at = ids.get_indexer(steps["borrower_id"]) if at is None else at
    codes, uniques = pd.factorize(np.asarray(seg, dtype=object), use_na_sentinel=False)  # text made per segment
    # the borrower's own segment; the decision says which plan
    steps["segment"] = pd.array(np.asarray(uniques, dtype=object), dtype="str").take(codes[at])
    for col in DECISION_COLUMNS:
        steps[col] = chosen[col].array.take(at)
    return steps.astype({"propensity": float, "explore_share": float})
