"""Models: the discrete-time hazard estimator and the repayment model built on it."""

from riskscore.model._bundle import bundle_digest, feature_builder, load_bundle, save_bundle
from riskscore.model._hazard import HazardGBM
from riskscore.model._repayment import DEFAULT_EDGES, RepaymentModel
from riskscore.model._scaling import ScoreScaling
from riskscore.model._selection import SCORERS
from riskscore.model._survival import PiecewiseHazardFunction, StepFunction, check_survival_y, make_survival_y
from riskscore.model._train import evaluate, train

__all__ = [
    "DEFAULT_EDGES",
    "SCORERS",
    "HazardGBM",
    "PiecewiseHazardFunction",
    "RepaymentModel",
    "ScoreScaling",
    "StepFunction",
    "bundle_digest",
    "check_survival_y",
    "evaluate",
    "feature_builder",
    "load_bundle",
    "make_survival_y",
    "save_bundle",
    "train",
]
