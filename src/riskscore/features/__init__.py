"""Point-in-time features from repayment history (and contact logs), with their registry."""

from riskscore.features._builder import FeatureBuilder
from riskscore.features._registry import (
    READABLE_REGISTRY_VERSIONS,
    REGISTRY_VERSION,
    FeatureSpec,
    feature_registry,
    registry_for,
)
from riskscore.features._signals import HARDSHIP_PARTIALS, hardship_signal
from riskscore.features._static import PROTECTED_ATTRIBUTES, category_of, learn_categories, protected_match

__all__ = ["HARDSHIP_PARTIALS", "PROTECTED_ATTRIBUTES", "READABLE_REGISTRY_VERSIONS", "REGISTRY_VERSION",
           "FeatureBuilder", "FeatureSpec",
           "category_of", "feature_registry", "hardship_signal", "learn_categories", "protected_match", "registry_for"]
