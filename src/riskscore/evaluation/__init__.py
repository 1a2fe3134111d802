"""Policy evaluation: does the contact strategy help? Every policy on the same synthetic futures.

:func:`evaluate_policy` replays the days after a start date on a generated world, with the
response model of :class:`riskscore.datasets.ResponseParams`, for riskscore's policy and the
baselines collectors use (no contact, contact at the maximum the rules allow, days-past-due
buckets), and riskscore's policy with a two-model uplift model deciding who gets agent calls.
"""

from riskscore.evaluation._evaluate import METRICS, EvaluationResult, evaluate_policy, logged_contacts
from riskscore.evaluation._offpolicy import (
    OffPolicyResult,
    candidate_decisions,
    decision_log,
    logged_outcomes,
    off_policy,
)
from riskscore.evaluation._policies import POLICIES, PolicySpec, policy
from riskscore.evaluation._simulate import Round, SimResult, simulate, summary_row
from riskscore.evaluation._state import Portfolio, portfolio
from riskscore.evaluation._uplift import UpliftModel, fit_uplift
from riskscore.evaluation._uplift_logs import uplift_from_logs

__all__ = [
    "METRICS",
    "POLICIES",
    "EvaluationResult",
    "OffPolicyResult",
    "PolicySpec",
    "Portfolio",
    "Round",
    "SimResult",
    "UpliftModel",
    "candidate_decisions",
    "decision_log",
    "evaluate_policy",
    "fit_uplift",
    "logged_contacts",
    "logged_outcomes",
    "off_policy",
    "policy",
    "portfolio",
    "simulate",
    "summary_row",
    "uplift_from_logs",
]
