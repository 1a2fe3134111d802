"""Point-in-time features from repayment history (and contact logs), with their registry."""

from riskscore.features._builder import FeatureBuilder
from riskscore.features._registry import REGISTRY_VERSION, FeatureSpec, feature_registry, registry_for
from riskscore.features._signals import HARDSHIP_PARTIALS, hardship_signal

__all__ = ["HARDSHIP_PARTIALS", "REGISTRY_VERSION", "FeatureBuilder", "FeatureSpec", "feature_registry",
           "hardship_signal", "registry_for"]
