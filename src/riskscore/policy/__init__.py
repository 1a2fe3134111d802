"""Contact policy: scores and reasons become non-harassing contact plans that obey the rules.

Rule profiles are versioned YAML shipped with the package (:func:`list_profiles`,
:func:`load_profile`).
"""

from riskscore.policy._baselines import DaysPastDuePolicy, MaxContactPolicy, contact_caps
from riskscore.policy._checks import PLAN_COLUMNS, VIOLATION_COLUMNS, Checker, check_plans
from riskscore.policy._explore import DECISION_COLUMNS, DECISIONS, LADDERS, Exploration
from riskscore.policy._planner import ContactPolicy, default_call_value
from riskscore.policy._plans import AUDIT_COLUMNS, EVENT_COLUMNS, Plans
from riskscore.policy._portfolio import (
    check_profile_countries,
    foreign_profiles,
    parse_profiles,
    plan_portfolio,
    profile_groups,
    split_capacity,
)
from riskscore.policy._profile import ACTIONS, CONTACT_ACTIONS, KINDS, Profile, Rule, list_profiles, load_profile
from riskscore.policy._templates import LINT_PHRASES, lint_text, render_message, templates

__all__ = [
    "ACTIONS",
    "AUDIT_COLUMNS",
    "CONTACT_ACTIONS",
    "DECISIONS",
    "DECISION_COLUMNS",
    "EVENT_COLUMNS",
    "KINDS",
    "LADDERS",
    "LINT_PHRASES",
    "PLAN_COLUMNS",
    "VIOLATION_COLUMNS",
    "Checker",
    "ContactPolicy",
    "DaysPastDuePolicy",
    "Exploration",
    "MaxContactPolicy",
    "Plans",
    "Profile",
    "Rule",
    "check_plans",
    "check_profile_countries",
    "contact_caps",
    "default_call_value",
    "foreign_profiles",
    "lint_text",
    "list_profiles",
    "load_profile",
    "parse_profiles",
    "plan_portfolio",
    "profile_groups",
    "render_message",
    "split_capacity",
    "templates",
]
