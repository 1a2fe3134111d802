"""Rule profiles as data: versioned YAML, validated on load, with overrides.

A profile is a list of rules. Each rule has an ``id``, a ``kind`` (which check applies, see
:data:`KINDS`), a ``title``, a ``cite`` and a ``basis`` (``law``, ``guidance``, ``standard`` or
``policy``), and the parameters its kind takes. A rule may carry a ``reading``: how the profile
reads a rule where the sources leave room (and whether it takes the more protective reading);
every audit row of the rule repeats it. A parameter written as a plain value comes from
the cited source; one written as ``{policy: value, note: ...}`` is a value no source sets: an
organisation's policy default, reported as ``policy`` in every audit (rules.md, engine
invariant 2). An override given to :func:`load_profile` is a policy value too.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from riskscore.exceptions import PolicyError, PolicyWarning
from riskscore.schemas import BORROWER_FLAGS, OUTCOMES

__all__ = ["ACTIONS", "CONTACT_ACTIONS", "KINDS", "Profile", "Rule", "list_profiles", "load_profile"]

FORMAT_VERSION = 1
#: Every action a plan step can take; the first two and the last make no contact.
ACTIONS: tuple[str, ...] = ("none", "human_review", "reminder", "payment_link", "repayment_plan_offer",
                            "hardship_referral", "agent_call")
CONTACT_ACTIONS: tuple[str, ...] = ACTIONS[2:]
BASES = ("law", "guidance", "standard", "policy")
LANGS = ("en", "zh")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LINT_CATEGORIES = ("threat", "abuse", "impersonation", "third_party", "legal_action", "pressure_to_borrow",
                   "unreasonable_demand", "extra_fees")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_NAME = re.compile(r"^[a-z0-9_]+$")

Check = Callable[[Any], str | None]  # returns what is wrong, or None


def _hhmm(v: Any) -> str | None:
    if isinstance(v, int) and not isinstance(v, bool) and 60 <= v <= 1440:  # YAML 1.1 reads 21:00 as 1260 (base 60)
        return (f"must be a time 'HH:MM' in quotes: YAML reads an unquoted time such as {v // 60}:{v % 60:02d} as the "
                f"number {v}; write \"{v // 60:02d}:{v % 60:02d}\"")
    if isinstance(v, int | float) and not isinstance(v, bool):
        return "must be a time 'HH:MM' in quotes, such as \"08:00\""
    return None if isinstance(v, str) and _HHMM.match(v) and v <= "24:00" else "must be a time 'HH:MM'"


def _int(lo: int) -> Check:
    def check(v: Any) -> str | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and v >= lo
        return None if ok else f"must be an int >= {lo}"
    return check


def _one_of(options: tuple[str, ...] | frozenset[str]) -> Check:
    def check(v: Any) -> str | None:
        return None if isinstance(v, str) and v in options else f"must be one of {sorted(options)}"
    return check


def _one_of_int(options: tuple[int, ...]) -> Check:
    def check(v: Any) -> str | None:
        return None if isinstance(v, int) and not isinstance(v, bool) and v in options else f"must be one of {options}"
    return check


def _list_of(item: Check) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, list) or not v:
            return "must be a non-empty list"
        bad = [x for x in v if item(x) is not None]
        return None if not bad else f"has unknown entries {bad}: each {item(bad[0])}"
    return check


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a non-empty string"


def _mapping(keys: Check, values: Check) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, dict) or not v:
            return "must be a non-empty mapping"
        for k, x in v.items():
            for what, problem in ((f"key {k!r}", keys(k)), (f"value of {k!r}", values(x))):
                if problem:
                    return f"{what} {problem}"
        return None
    return check


_CHANNEL_KEYS = _one_of(("sms", "email", "call", "letter", "app", "all"))
_CAPS = _mapping(_CHANNEL_KEYS, _int(0))
_LANG_TEXT = _mapping(_one_of(LANGS), _text)
_ANY_TEXT = _text  # channel names outside the contract (social, field_visit, ...) are allowed in 'never'

#: kind -> {parameter: (check, required, default)}
KINDS: dict[str, dict[str, tuple[Check, bool, Any]]] = {
    "time_window": {"start": (_hhmm, True, None), "end": (_hhmm, True, None)},
    "blocked_days": {"weekdays": (_list_of(_one_of(WEEKDAYS)), False, []),
                     "public_holidays": (_bool, False, False)},
    "designated_times": {},
    "block_flag": {"flag": (_one_of(BORROWER_FLAGS), True, None)},
    "review_flag": {"flag": (_one_of(BORROWER_FLAGS), True, None),
                    "hardship_evidence": (_bool, False, False)},
    "medium_opt_out": {"consent_lifts_opt_out": (_bool, False, True),
                       "revoked_consent_opts_out": (_bool, False, False)},
    "channels_allowed": {},
    "channel_never": {"channels": (_list_of(_ANY_TEXT), True, None)},
    "channel_consent": {"channels": (_list_of(_one_of(("sms", "email", "app", "call", "letter"))), True, None),
                        "consumer_use_counts": (_bool, False, False),
                        "fresh_days": (_mapping(_one_of(("sms", "email", "app", "call", "letter")), _int(1)),
                                       False, {})},
    "call_frequency": {"max_calls": (_int(0), True, None), "days": (_int(1), True, None),
                       "unit": (_one_of(("person", "person_x_debt")), True, None),
                       "counted": (_list_of(_one_of(OUTCOMES)), True, None)},
    "conversation_quiet": {"days": (_int(1), True, None), "any_inbound_call": (_bool, False, False)},
    "daily_calls": {"max_effective": (_int(0), False, None), "max_attempts": (_int(0), False, None),
                    "min_gap_minutes": (_int(0), False, None),
                    "unit": (_one_of(("person", "destination")), False, "person")},
    "channel_caps": {"per_day": (_CAPS, False, {}), "per_week": (_CAPS, False, {}),
                     "per_month": (_CAPS, False, {}), "month_days": (_one_of_int((30, 31)), False, 30)},
    "recipient": {"allowed": (_list_of(_text), True, None)},
    "required_text": {"element": (_one_of(("opt_out", "disclosure")), True, None),
                      "channels": (_list_of(_one_of(("sms", "email", "app", "letter", "call"))), True, None),
                      "text": (_LANG_TEXT, True, None),
                      "text_by_channel": (_mapping(_one_of(("sms", "email", "app", "letter", "call")), _LANG_TEXT),
                                          False, {})},
    "content_lint": {"categories": (_list_of(_one_of(LINT_CATEGORIES)), True, None),
                     "when_flag": (_one_of(BORROWER_FLAGS), False, None)},
    "forbearance_first": {"escalations": (_list_of(_one_of(CONTACT_ACTIONS)), True, None),
                          "offers": (_list_of(_one_of(CONTACT_ACTIONS)), True, None)},
    "rationale": {},
}


@dataclass(frozen=True)
class Rule:
    """One rule of a profile: what is checked, where it comes from, and its parameters.

    Attributes
    ----------
    id, kind, title, cite, basis : str
        ``basis`` is ``law``, ``guidance``, ``standard`` or ``policy``.
    params : dict
        Parameter values with the policy markers resolved.
    policy_params : tuple of str
        Dotted paths of the parameters whose value is an organisation's policy, not a source's.
    reading : str
        How the profile reads the rule where the sources leave room ("" when nothing is read in).
    """

    id: str
    kind: str
    title: str
    cite: str
    basis: str
    params: dict[str, Any] = field(default_factory=dict)
    policy_params: tuple[str, ...] = ()
    reading: str = ""

    @property
    def uses_policy(self) -> bool:
        """Whether the rule's basis or any of its numbers is an organisation's policy."""
        return self.basis == "policy" or bool(self.policy_params)


@dataclass(frozen=True)
class Profile:
    """A versioned set of contact rules (see :func:`load_profile`).

    Examples
    --------
    >>> from riskscore.policy import load_profile
    >>> p = load_profile("us_reg_f_2021")
    >>> p.name, p.version, p.rule("US-07").params["max_calls"]
    ('us_reg_f_2021', '1.0.0', 7)
    """

    name: str
    version: str
    title: str
    jurisdiction: str
    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = ()
    notes: str = ""
    origin: str = ""
    overrides: tuple[str, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (``KeyError`` naming the known ids otherwise)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"profile {self.name!r} has no rule {rule_id!r}; its rules: {[r.id for r in self.rules]}")

    def of_kind(self, kind: str) -> list[Rule]:
        """The rules of one kind, in profile order."""
        return [r for r in self.rules if r.kind == kind]

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: id, kind, title, cite, basis, params, the policy-valued parameters and the reading."""
        return pd.DataFrame([{"rule_id": r.id, "kind": r.kind, "title": r.title, "cite": r.cite, "basis": r.basis,
                              "params": r.params, "policy_params": list(r.policy_params), "reading": r.reading}
                             for r in self.rules])


def list_profiles() -> list[str]:
    """Names of the profiles shipped with riskscore.

    Examples
    --------
    >>> from riskscore.policy import list_profiles
    >>> list_profiles()
    ['cn_gbt45251_2025', 'strict_v1', 'uk_fca_conc7_2024', 'us_reg_f_2021']
    """
    return list(_profile_names())


@cache
def _profile_names() -> tuple[str, ...]:
    folder = resources.files("riskscore.policy") / "profiles"
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")))


def _resolve(value: Any, path: str, policy: list[str]) -> Any:
    """Replace ``{policy: v, note: ...}`` leaves by ``v``, recording their dotted paths."""
    if isinstance(value, dict):
        if "policy" in value and set(value) <= {"policy", "note"}:
            policy.append(path)
            return _resolve(value["policy"], path, [])
        return {k: _resolve(v, f"{path}.{k}", policy) for k, v in value.items()}
    return value


def _fail(origin: str, where: str, problem: str) -> PolicyError:
    return PolicyError(f"{origin}: {where} {problem}")


def _check_rule_head(raw: Any, i: int, origin: str) -> str:
    """Check the keys, id, kind and basis of a raw rule; return where it is, for messages."""
    where = f"rules[{i}]"
    if not isinstance(raw, dict):
        raise _fail(origin, where, "must be a mapping with id, kind, title, cite and basis")
    unknown = set(raw) - {"id", "kind", "title", "cite", "basis", "params", "reading"}
    if unknown:
        raise _fail(origin, where, f"has unknown keys {sorted(unknown)}")
    for key in ("id", "kind", "title", "cite", "basis"):
        if _text(raw.get(key)):
            raise _fail(origin, f"{where}.{key}", "is required (a non-empty string)")
    where = f"rules[{i}] ({raw['id']})"
    if raw["kind"] not in KINDS:
        raise _fail(origin, f"{where}.kind", f"{raw['kind']!r} is not one of {sorted(KINDS)}")
    if raw["basis"] not in BASES:
        raise _fail(origin, f"{where}.basis", f"{raw['basis']!r} is not one of {list(BASES)}")
    if "reading" in raw and _text(raw["reading"]):
        raise _fail(origin, f"{where}.reading", "must be a non-empty string when given")
    return where


def _parse_rule(raw: Any, i: int, origin: str) -> Rule:
    where = _check_rule_head(raw, i, origin)
    policy: list[str] = []
    params = _resolve(raw.get("params") or {}, "", policy)
    if not isinstance(params, dict):
        raise _fail(origin, f"{where}.params", "must be a mapping")
    spec = KINDS[raw["kind"]]
    unknown = set(params) - set(spec)
    if unknown:
        raise _fail(origin, f"{where}.params", f"has unknown parameters {sorted(unknown)} for kind "
                                               f"{raw['kind']!r}; it takes {sorted(spec)}")
    out = {}
    for name, (check, required, default) in spec.items():
        if name not in params or params[name] is None:
            if required:
                raise _fail(origin, f"{where}.params.{name}", f"is required for kind {raw['kind']!r}")
            out[name] = copy.deepcopy(default)
            continue
        problem = check(params[name])
        if problem:
            raise _fail(origin, f"{where}.params.{name}", f"{problem}; got {params[name]!r}")
        out[name] = params[name]
    if raw["kind"] == "time_window" and out["start"] >= out["end"]:
        raise _fail(origin, f"{where}.params", f"start {out['start']} must be before end {out['end']}: a contact "
                                               "window lies within one local day (none runs overnight)")
    return Rule(id=raw["id"], kind=raw["kind"], title=raw["title"], cite=raw["cite"], basis=raw["basis"],
                params=out, policy_params=tuple(p.lstrip(".") for p in policy),
                reading=" ".join(str(raw.get("reading") or "").split()))


def _override(raw_rules: list[Any], overrides: Mapping[str, Any], origin: str) -> list[str]:
    """Apply ``{"RULE.param": value}`` or ``{"RULE": {"param": value}}`` in place, as policy values."""
    by_id = {r.get("id"): r for r in raw_rules if isinstance(r, dict)}
    applied = []
    for key, value in overrides.items():
        rule_id, _, param = str(key).partition(".")
        pairs = [(param, value)] if param else (list(value.items()) if isinstance(value, dict) else [])
        if rule_id not in by_id:
            raise PolicyError(f"{origin}: override {key!r} names no rule; the rules are {sorted(by_id)}")
        if not pairs:
            raise PolicyError(f"{origin}: override {key!r} must name a parameter ('{rule_id}.param') "
                              "or map parameter names to values")
        params = by_id[rule_id].setdefault("params", {}) or {}
        by_id[rule_id]["params"] = params
        for name, v in pairs:
            params[name] = {"policy": v, "note": "override"}
            applied.append(f"{rule_id}.{name}={v!r}")
    return applied


def load_profile(profile: str | Path | Profile, overrides: Mapping[str, Any] | None = None) -> Profile:
    """Load a rule profile by name (shipped with riskscore) or from a YAML file, and validate it.

    Parameters
    ----------
    profile : str, path or Profile
        A shipped profile's name (see :func:`list_profiles`), a path to a YAML file in the same
        format, or an already loaded profile (returned as is unless ``overrides`` are given).
    overrides : mapping, optional
        Single parameter values to change, as ``{"US-07.max_calls": 5}`` or
        ``{"US-07": {"max_calls": 5}}``. Overridden values are reported as policy values.

    Returns
    -------
    Profile

    Raises
    ------
    riskscore.PolicyError
        When the file breaks the format: the message names the file, the rule and the parameter.

    Examples
    --------
    >>> from riskscore.policy import load_profile
    >>> strict = load_profile("strict_v1", overrides={"ST-CALLS-7D.max_calls": 1})
    >>> strict.rule("ST-CALLS-7D").params["max_calls"], strict.rule("ST-CALLS-7D").policy_params
    (1, ('max_calls',))
    """
    if isinstance(profile, Profile):
        if not overrides:
            return profile
        profile = profile.origin
    if not overrides and isinstance(profile, str) and profile in list_profiles():
        return _load_shipped(profile)  # parsed once: a Profile is frozen
    return _load(profile, overrides)


@cache
def _load_shipped(name: str) -> Profile:
    return _load(name, None)


def _load(profile: str | Path, overrides: Mapping[str, Any] | None) -> Profile:
    raw, origin = _read(profile)
    if raw.get("format_version") != FORMAT_VERSION:
        raise PolicyError(f"{origin}: format_version must be {FORMAT_VERSION}, got {raw.get('format_version')!r}")
    for key in ("name", "version", "title", "jurisdiction"):
        if _text(raw.get(key)):
            raise _fail(origin, key, "is required (a non-empty string)")
    if not _NAME.match(raw["name"]):
        raise _fail(origin, "name", "must be lower-case letters, digits and underscores")
    rules_raw = raw.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        raise _fail(origin, "rules", "must be a non-empty list")
    applied = _override(rules_raw, overrides or {}, origin)
    rules = tuple(_parse_rule(r, i, origin) for i, r in enumerate(rules_raw))
    ids = [r.id for r in rules]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise _fail(origin, "rules", f"repeat the ids {dup}")
    if not any(r.kind == "time_window" for r in rules):
        warnings.warn(f"{origin}: the profile has no time_window rule, so contact may be planned at any hour of the "
                      "borrower's day; every collection rule sets one (08:00-21:00 under Regulation F): add one "
                      "unless this profile is meant to be used with another that has it.", PolicyWarning, stacklevel=3)
    return Profile(name=raw["name"], version=str(raw["version"]), title=raw["title"],
                   jurisdiction=str(raw["jurisdiction"]), rules=rules, sources=tuple(raw.get("sources") or ()),
                   notes=str(raw.get("notes") or ""), origin=origin, overrides=tuple(applied))


@cache
def _shipped(name: str) -> str:
    return (resources.files("riskscore.policy") / "profiles" / f"{name}.yaml").read_text(encoding="utf-8")


def _read(profile: str | Path) -> tuple[dict, str]:
    if isinstance(profile, str) and profile in list_profiles():
        text, origin = _shipped(profile), profile
    elif Path(profile).suffix in (".yaml", ".yml") and Path(profile).is_file():
        text, origin = Path(profile).read_text(encoding="utf-8"), str(profile)
    else:
        raise PolicyError(f"profile {str(profile)!r} is neither a shipped profile ({', '.join(list_profiles())}) "
                          "nor a .yaml file that exists")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PolicyError(f"{origin}: not valid YAML ({err})") from err
    if not isinstance(raw, dict):
        raise PolicyError(f"{origin}: a profile must be a YAML mapping, got {type(raw).__name__}")
    return raw, origin
