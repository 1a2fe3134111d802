"""Explanations: exact SHAP values of the likelihood head, reason codes, global views."""

from riskscore.explain._catalogue import FAMILIES, LANGUAGES
from riskscore.explain._global import dependence, importance, plot_dependence, plot_importance, plot_waterfall
from riskscore.explain._reasons import REASON_COLUMNS, reason_codes
from riskscore.explain._shap import BASE_VALUE, Explainer, explain

__all__ = [
    "BASE_VALUE",
    "FAMILIES",
    "LANGUAGES",
    "REASON_COLUMNS",
    "Explainer",
    "dependence",
    "explain",
    "importance",
    "plot_dependence",
    "plot_importance",
    "plot_waterfall",
    "reason_codes",
]
