"""Contact policy: scores and reasons become non-harassing contact plans that obey the rules.

Rule profiles are versioned YAML shipped with the package (:func:`list_profiles`,
:func:`load_profile`).
"""

from riskscore.policy._profile import ACTIONS, CONTACT_ACTIONS, KINDS, Profile, Rule, list_profiles, load_profile

__all__ = ["ACTIONS", "CONTACT_ACTIONS", "KINDS", "Profile", "Rule", "list_profiles", "load_profile"]
