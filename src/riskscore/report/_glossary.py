"""The report's glossary: every reason code and rule id it shows, explained from their sources.

Nothing here is typed by hand. Reason codes come from the explanation catalogue
(:data:`riskscore.explain.FAMILIES`: the code and the family's name per language;
:data:`riskscore.explain.SENTENCES`: the sentence template of each of the model's features in
the family, per language). Rule ids come from the rule profiles the run applied
(:func:`riskscore.policy.load_profile`: title, citation, basis, reading), looked up by the
profile name the audit table records, through the run's profile mapping when a profile was a
file; a profile that cannot be loaded any more gets an entry that says so, with the basis the
audit recorded.

Codes are linked to their entry by :func:`code_link` and :func:`link_codes` (which finds the
known codes inside free text such as a plan's rationale).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from riskscore.exceptions import PolicyError
from riskscore.explain import (
    CATEGORY_SENTENCE,
    FAMILIES,
    LANGUAGES,
    NO_ADVERSE,
    OTHER_CATEGORY_SENTENCE,
    OWN_SENTENCE,
    SENTENCES,
    feature_kind,
)
from riskscore.features import registry_for
from riskscore.policy import Profile, load_profile

__all__ = ["code_link", "link_codes", "reason_glossary", "rule_glossary"]

#: A token shaped like a code (``RS-LATE-HIST``, ``US-12``, ``CN-P-VULNERABLE``, ``POL-DNC``).
_TOKEN = re.compile(r"\b[A-Z]{2,}(?:-[A-Z0-9]+)+\b")
#: What a rule's basis means, for the glossary's legend.
BASES = {"law": "a statute or regulation", "guidance": "a regulator's or industry body's guidance",
         "standard": "a published standard", "policy": "the organisation's own policy (no source sets it)"}


def _anchor(*parts: str) -> str:
    return "g-" + "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts)


def reason_glossary(features: Sequence[str], languages: Sequence[str],
                    categorical: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One entry per reason family of the model's ``features`` (and ``RS-NONE``), in catalogue order.

    The user's own columns (outside the registry) get the own-column sentence; those named in
    ``categorical`` (text columns, ``FeatureBuilder(categorical=...)``) the category sentences.

    Each entry: ``code``, ``family``, ``anchor``, ``names`` and ``missing`` (the family's name and
    its sentence when the family's features are missing, per language), and ``sentences``: one
    per distinct sentence template of the family's features (``kind``, ``features``,
    ``text`` per language).

    Examples
    --------
    >>> from riskscore.report._glossary import reason_glossary
    >>> g = reason_glossary(["share_late_3", "share_late_6", "days_past_due"], ["en"])
    >>> [(e["code"], len(e["sentences"])) for e in g]
    [('RS-LATE-HIST', 1), ('RS-ARREARS', 1), ('RS-NONE', 0)]
    >>> g[0]["sentences"][0]["text"]["en"]
    '{count} of the last {n} installments were paid late'
    """
    langs = [lang for lang in LANGUAGES if lang in set(languages)] or ["en"]
    text_columns = {str(c) for c in categorical}
    registry = registry_for(features)
    out = []
    for family, (code, names, missing) in FAMILIES.items():
        members = [str(f) for f in registry.index[registry["family"] == family]]
        if not members:
            continue
        kinds: dict[str, list[str]] = {}
        for f in members:
            kind = feature_kind(f)
            kinds.setdefault(("categorical" if f in text_columns else "own") if kind not in SENTENCES else kind,
                             []).append(f)
        sentences = []
        for kind, feats in kinds.items():
            if kind == "categorical":  # a category's text, and any other value
                text = {lang: f"{CATEGORY_SENTENCE[lang]}; {OTHER_CATEGORY_SENTENCE[lang]}" for lang in LANGUAGES}
            else:
                text = SENTENCES.get(kind, OWN_SENTENCE)  # the user's own column: its name and value
            sentences.append({"kind": kind, "features": feats, "text": {lang: text.get(lang, "") for lang in langs}})
        out.append({"code": code, "family": family, "anchor": _anchor(code),
                    "names": {lang: names[lang] for lang in langs}, "missing": {lang: missing[lang] for lang in langs},
                    "sentences": sentences})
    code, text = NO_ADVERSE
    out.append({"code": code, "family": None, "anchor": _anchor(code), "names": {lang: text[lang] for lang in langs},
                "missing": {}, "sentences": []})
    return out


def _profiles(names: Iterable[str], sources: Iterable[str]) -> dict[str, Profile | str]:
    """Profile name -> the loaded profile, or why it cannot be loaded."""
    loaded: dict[str, Profile | str] = {}
    for source in dict.fromkeys(str(s) for s in sources):
        try:
            p = load_profile(source)
        except (PolicyError, OSError, ValueError, KeyError) as err:
            loaded.setdefault(source, f"profile {source!r} cannot be loaded now ({str(err).splitlines()[0]})")
            continue
        loaded[p.name] = p
    for name in names:
        if not isinstance(loaded.get(name), Profile):
            try:
                loaded[name] = load_profile(name)
            except (PolicyError, OSError, ValueError, KeyError) as err:
                loaded[name] = f"profile {name!r} cannot be loaded now ({str(err).splitlines()[0]})"
    return loaded


def rule_glossary(rules: pd.DataFrame, sources: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One entry per (profile, rule id) of ``rules`` (columns ``profile, rule_id, kind, basis``: the
    audit's), sorted by profile and rule id.

    ``sources`` are the run's profile specifications (names or YAML paths, its manifest's
    ``profiles`` values). Each entry: ``profile``, ``rule_id``, ``anchor``, ``kind``, ``basis``,
    ``title``, ``cite``, ``reading`` and ``note`` (why title and citation are missing, or None).

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.report._glossary import rule_glossary
    >>> g = rule_glossary(pd.DataFrame({"profile": ["us_reg_f_2021"], "rule_id": ["US-01"], "kind": ["time_window"],
    ...                                 "basis": ["law"]}))
    >>> g[0]["title"], g[0]["basis"]
    ('Contact only between 08:00 and 21:00 local time, in every candidate time zone', 'law')
    """
    rows = rules[["profile", "rule_id", "kind", "basis"]].drop_duplicates(["profile", "rule_id"])
    rows = rows.sort_values(["profile", "rule_id"], kind="stable")
    profiles = _profiles(rows["profile"].astype(str).unique(), sources)
    out = []
    for r in rows.itertuples(index=False):
        p = profiles.get(str(r.profile))
        entry = {"profile": str(r.profile), "rule_id": str(r.rule_id),
                 "anchor": _anchor(str(r.profile), str(r.rule_id)), "kind": str(r.kind), "basis": str(r.basis),
                 "title": None, "cite": None, "reading": "", "note": None}
        if isinstance(p, Profile):
            try:
                rule = p.rule(str(r.rule_id))
            except KeyError:
                entry["note"] = f"profile {p.name} (version {p.version}) has no rule {r.rule_id} now"
            else:
                entry.update(kind=rule.kind, basis=rule.basis, title=rule.title, cite=rule.cite, reading=rule.reading)
        else:
            entry["note"] = p
        out.append(entry)
    return out


def code_link(code: object, anchors: Mapping[str, str], profile: str | None = None) -> Markup:
    """``code`` as a link to its glossary entry (``<a class="code">``), or as plain ``<code>`` when the
    glossary has none (the browser test fails on those).

    ``anchors`` maps reason codes and ``"profile/rule_id"`` keys to anchors.

    Examples
    --------
    >>> from riskscore.report._glossary import code_link
    >>> str(code_link("RS-OWED", {"RS-OWED": "g-RS-OWED"}))
    '<a class="code" href="#g-RS-OWED">RS-OWED</a>'
    """
    c = str(code)
    anchor = anchors.get(c) if profile is None else anchors.get(f"{profile}/{c}", anchors.get(c))
    if anchor is None:
        return Markup("<code>") + escape(c) + Markup("</code>")
    return Markup('<a class="code" href="#') + escape(anchor) + Markup('">') + escape(c) + Markup("</a>")


def link_codes(text: object, anchors: Mapping[str, str], profile: str | None = None) -> Markup:
    """Free ``text`` escaped inside ``<bdi>``, with every known code in it linked (:func:`code_link`).

    Examples
    --------
    >>> from riskscore.report._glossary import link_codes
    >>> str(link_codes("blocked (US-12) & <b>", {"p/US-12": "g-p-US-12"}, "p"))
    '<bdi>blocked (<a class="code" href="#g-p-US-12">US-12</a>) &amp; &lt;b&gt;</bdi>'
    """
    s = "" if text is None else str(text)
    out, last = Markup("<bdi>"), 0
    for m in _TOKEN.finditer(s):
        key = m.group(0)
        if key in anchors or (profile is not None and f"{profile}/{key}" in anchors):
            out += escape(s[last:m.start()]) + code_link(key, anchors, profile)
            last = m.end()
    return out + escape(s[last:]) + Markup("</bdi>")


def anchors_of(reasons: Sequence[Mapping[str, Any]], rules: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The anchor of every reason code and of every ``profile/rule_id`` (and of a rule id alone
    when only one profile has it)."""
    out = {str(r["code"]): str(r["anchor"]) for r in reasons}
    by_id: dict[str, list[str]] = {}
    for r in rules:
        out[f"{r['profile']}/{r['rule_id']}"] = str(r["anchor"])
        by_id.setdefault(str(r["rule_id"]), []).append(str(r["anchor"]))
    out.update({rid: a[0] for rid, a in by_id.items() if len(a) == 1 and rid not in out})
    return out
