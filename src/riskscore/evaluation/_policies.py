"""The policies compared: each turns a :class:`Round` into plan steps, per country's rule profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskscore.evaluation._simulate import Round
from riskscore.model import RepaymentModel
from riskscore.policy import (
    ContactPolicy,
    DaysPastDuePolicy,
    MaxContactPolicy,
    check_plans,
    parse_profiles,
    plan_portfolio,
)
from riskscore.scoring import Scorer

__all__ = ["POLICIES", "PolicySpec", "policy"]

#: The policies of the comparison, in the table's order.
POLICIES = ("no_contact", "max_contact", "days_past_due", "riskscore", "riskscore_uplift")


@dataclass
class PolicySpec:
    """One policy of the comparison.

    ``kind`` is one of :data:`POLICIES`; ``model`` is needed by the riskscore kinds, ``uplift``
    (a fitted :class:`~riskscore.evaluation.UpliftModel`) by ``riskscore_uplift``. ``options``
    are planner arguments (e.g. ``exploration``); ``planner`` replaces the riskscore kinds'
    :class:`~riskscore.policy.ContactPolicy` with a subclass (a challenger with other steps).
    ``riskscore`` plans with ContactPolicy's defaults, which make no agent calls;
    ``riskscore_uplift`` (and ``random_calls``) allocate agent calls, so they turn them on
    (``max_window_calls=1`` unless ``options`` set it).
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
    planner: Any = None

    def __post_init__(self) -> None:
        if self.kind not in POLICIES:
            raise ValueError(f"Unknown policy {self.kind!r}; choose from {POLICIES}.")
        if self.kind.startswith("riskscore") and self.model is None:
            raise ValueError(f"The {self.kind!r} policy needs a model (a RepaymentModel or a bundle).")
        if self.kind == "riskscore_uplift" and self.uplift is None:
            raise ValueError("The 'riskscore_uplift' policy needs a fitted uplift model.")


def _scores(spec: PolicySpec, rnd: Round, ids: pd.Index, scorer: Scorer | None
            ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Scores (and reasons) of the borrowers who owe at this round, as the policy needs them."""
    b = pd.Index(rnd.portfolio.ids).get_indexer(ids)
    if scorer is None:  # the baselines read the arrears, not a model
        return pd.DataFrame({"days_past_due": rnd.days_past_due[b], "amount_at_risk": rnd.amount_at_risk[b]},
                            index=ids.rename("borrower_id")), None
    X = rnd.features(scorer)
    scored = scorer.score(None, rnd.as_of, borrowers=rnd.borrowers, features=X.loc[X.index.isin(ids)])
    scores = scored.scores
    if spec.kind == "riskscore_uplift":
        scores["call_value"] = spec.uplift.value(scored.features, scores["amount_at_risk"])
    elif spec.random_calls:
        scores["call_value"] = np.random.default_rng([spec.seed, rnd.day]).random(len(scores))
    return scores, scored.reasons


def _planner(spec: PolicySpec) -> Callable[..., ContactPolicy]:
    """The planner class of ``spec`` as :func:`~riskscore.policy.plan_portfolio` calls it."""
    if spec.kind == "max_contact":  # contacts to the profile's caps: no capacity to share
        return lambda profile, agent_calls_per_day=None, **options: MaxContactPolicy(profile, **options)
    if spec.kind == "days_past_due":
        return DaysPastDuePolicy
    return spec.planner or ContactPolicy


def policy(spec: PolicySpec) -> tuple[Callable[[Round], pd.DataFrame], Callable[[pd.DataFrame, Round], int]]:
    """(planner, checker) of a policy for :func:`~riskscore.evaluation.simulate`."""
    profiles = parse_profiles(spec.profiles) if isinstance(spec.profiles, str) else dict(spec.profiles)
    scorer = Scorer(spec.model) if spec.kind.startswith("riskscore") else None  # one explainer per policy
    options = dict(spec.options)
    if spec.kind == "riskscore_uplift" or spec.random_calls:
        options["call_value"] = lambda s: s["call_value"]
        # these allocate agent calls, which ContactPolicy's default turns off: one a 90-day cycle, after
        # self-service went unanswered (the policy's escalation rule), unless the options say otherwise
        options.setdefault("max_window_calls", 1)

    def plan(rnd: Round) -> pd.DataFrame:
        ids = pd.Index(rnd.portfolio.ids[rnd.owing], name="borrower_id")
        if spec.kind == "no_contact" or not len(ids):
            return pd.DataFrame(columns=["borrower_id", "action", "channel", "window_start_utc", "day", "profile"])
        if spec.holdout > 0:  # a random no-contact holdout (for the logged data of the uplift model)
            u = np.random.default_rng([spec.seed, 7, rnd.day]).random(len(ids))
            ids = ids[u >= spec.holdout]
        scores, reasons = _scores(spec, rnd, ids, scorer)
        steps, _ = plan_portfolio(scores, reasons, rnd.borrowers, rnd.contacts, now=rnd.now, profiles=profiles,
                                  agent_calls_per_day=spec.agent_calls_per_day, planner=_planner(spec),
                                  validate=False, **options)
        return steps

    def check(steps: pd.DataFrame, rnd: Round) -> int:
        return sum(len(check_plans(part, rnd.borrowers, rnd.contacts, name, validate=False))
                   for name, part in steps.groupby("profile"))

    return plan, check
