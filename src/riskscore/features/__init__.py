"""Point-in-time features from repayment history (and contact logs), with their registry."""

from riskscore.features._builder import FeatureBuilder
from riskscore.features._registry import FeatureSpec, feature_registry

__all__ = ["FeatureBuilder", "FeatureSpec", "feature_registry"]
