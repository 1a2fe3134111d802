"""Explanations: exact SHAP values of the likelihood head, reason codes, global views."""

from riskscore.explain._catalogue import (
    CATEGORY_SENTENCE,
    FAMILIES,
    LANGUAGES,
    NO_ADVERSE,
    OTHER_CATEGORY_SENTENCE,
    OWN_SENTENCE,
    SENTENCES,
    feature_kind,
)
from riskscore.explain._global import dependence, importance, plot_dependence, plot_importance, plot_waterfall
from riskscore.explain._reasons import REASON_COLUMNS, reason_codes
from riskscore.explain._shap import BASE_VALUE, Explainer, explain

__all__ = [
    "BASE_VALUE",
    "CATEGORY_SENTENCE",
    "FAMILIES",
    "LANGUAGES",
    "NO_ADVERSE",
    "OTHER_CATEGORY_SENTENCE",
    "OWN_SENTENCE",
    "REASON_COLUMNS",
    "SENTENCES",
    "Explainer",
    "dependence",
    "explain",
    "feature_kind",
    "importance",
    "plot_dependence",
    "plot_importance",
    "plot_waterfall",
    "reason_codes",
]
