"""The policies compared: each turns a :class:`Round` into plan steps, per country's rule profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskscore.batch import parse_profiles, profile_groups, split_capacity
from riskscore.evaluation._simulate import Round
from riskscore.explain import Explainer, reason_codes
from riskscore.features import hardship_signal
from riskscore.model import RepaymentModel
from riskscore.policy import ContactPolicy, DaysPastDuePolicy, MaxContactPolicy, check_plans

__all__ = ["POLICIES", "PolicySpec", "policy"]

#: The policies of the comparison, in the table's order.
POLICIES = ("no_contact", "max_contact", "days_past_due", "riskscore", "riskscore_uplift")


@dataclass
class PolicySpec:
    """One policy of the comparison.

    ``kind`` is one of :data:`POLICIES`; ``model`` is needed by the riskscore kinds, ``uplift``
    (a fitted :class:`~riskscore.evaluation.UpliftModel`) by ``riskscore_uplift``.
    """

    kind: str
    profiles: Mapping[str, str] = field(default_factory=lambda: {"*": "us_reg_f_2021"})
    agent_calls_per_day: int | None = None
    model: RepaymentModel | None = None
    uplift: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)
    holdout: float = 0.0
    random_calls: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in POLICIES:
            raise ValueError(f"Unknown policy {self.kind!r}; choose from {POLICIES}.")
        if self.kind.startswith("riskscore") and self.model is None:
            raise ValueError(f"The {self.kind!r} policy needs a model (a RepaymentModel or a bundle).")
        if self.kind == "riskscore_uplift" and self.uplift is None:
            raise ValueError("The 'riskscore_uplift' policy needs a fitted uplift model.")


def _scores(spec: PolicySpec, rnd: Round, ids: pd.Index, explainer: Explainer | None
            ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Scores (and reasons) of the borrowers who owe at this round, as the policy needs them."""
    b = pd.Index(rnd.portfolio.ids).get_indexer(ids)
    if spec.kind in ("max_contact", "days_past_due"):
        return pd.DataFrame({"days_past_due": rnd.days_past_due[b], "amount_at_risk": rnd.amount_at_risk[b]},
                            index=ids.rename("borrower_id")), None
    model = spec.model
    X = rnd.features(model)
    X = X.loc[X.index.isin(ids)]
    scores = model.predict_scores(X, days=(30,))[["likelihood", "expected_days"]]
    scores["amount_at_risk"] = X["amount_outstanding"].fillna(0.0).clip(lower=0.0)
    scores["hardship_signal"] = hardship_signal(X)
    if spec.kind == "riskscore_uplift":
        scores["call_value"] = spec.uplift.value(X, scores["amount_at_risk"])
    elif spec.random_calls:
        scores["call_value"] = np.random.default_rng([spec.seed, rnd.day]).random(len(scores))
    reasons = reason_codes(explainer, X, borrowers=rnd.borrowers, fallback="en")
    return scores.rename_axis("borrower_id"), reasons


def _planner(spec: PolicySpec, profile: str, capacity: int | None) -> ContactPolicy:
    if spec.kind == "max_contact":
        return MaxContactPolicy(profile, **spec.options)
    if spec.kind == "days_past_due":
        return DaysPastDuePolicy(profile, agent_calls_per_day=capacity, **spec.options)
    value = (lambda s: s["call_value"]) if (spec.kind == "riskscore_uplift" or spec.random_calls) else None
    return ContactPolicy(profile, agent_calls_per_day=capacity, call_value=value, **spec.options)


def policy(spec: PolicySpec) -> tuple[Callable[[Round], pd.DataFrame], Callable[[pd.DataFrame, Round], int]]:
    """(planner, checker) of a policy for :func:`~riskscore.evaluation.simulate`."""
    profiles = parse_profiles(spec.profiles) if isinstance(spec.profiles, str) else dict(spec.profiles)
    explainer = Explainer(spec.model) if spec.model is not None else None  # the flattened trees, once

    def plan(rnd: Round) -> pd.DataFrame:
        ids = pd.Index(rnd.portfolio.ids[rnd.owing], name="borrower_id")
        if spec.kind == "no_contact" or not len(ids):
            return pd.DataFrame(columns=["borrower_id", "action", "channel", "window_start_utc", "day", "profile"])
        if spec.holdout > 0:  # a random no-contact holdout (for the logged data of the uplift model)
            u = np.random.default_rng([spec.seed, 7, rnd.day]).random(len(ids))
            ids = ids[u >= spec.holdout]
        scores, reasons = _scores(spec, rnd, ids, explainer)
        groups = profile_groups(profiles, rnd.borrowers, scores.index)
        caps = split_capacity(spec.agent_calls_per_day, [len(g) for g in groups.values()])
        out = []
        for (name, members), cap in zip(groups.items(), caps, strict=True):
            r = None if reasons is None else reasons.loc[reasons["row"].isin(members)]
            steps = _planner(spec, name, cap).plan(scores.loc[members], r, rnd.borrowers, rnd.contacts, rnd.now,
                                                   validate=False).steps
            out.append(steps.assign(profile=name))
        return pd.concat(out, ignore_index=True)

    def check(steps: pd.DataFrame, rnd: Round) -> int:
        return sum(len(check_plans(part, rnd.borrowers, rnd.contacts, name, validate=False))
                   for name, part in steps.groupby("profile"))

    return plan, check
