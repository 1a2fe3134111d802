"""Message templates per action x channel x language, their rendering, and the content lint.

Templates live in ``templates.yaml`` beside this module. Rendering fills ``{disclosure}`` and
``{opt_out}`` from the active profile's ``required_text`` rules. The content lint looks for the
phrases that the content rules forbid (threats, abuse, impersonation of authorities, disclosure
to third parties, legal action on time-barred debt, pressure to borrow, unreasonable demands,
extra fees: rules.md US-19, UK-03, UK-07, CN-04); English phrases match on word boundaries,
Chinese ones as substrings.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import pandas as pd
import yaml

from riskscore._language import primary_language
from riskscore.policy._profile import LANGS, LINT_CATEGORIES, Profile, Rule

__all__ = ["LINT_PHRASES", "lint_text", "render_message", "required_texts", "rule_text", "templates", "tone"]

#: category -> {language: phrases}. A phrase is a lower-case word sequence (en) or a substring (zh).
LINT_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "threat": {"en": ("arrest", "arrested", "jail", "prison", "police", "or else", "consequences", "final warning",
                      "last chance", "seize", "seized", "garnish", "visit your home", "visit your workplace",
                      "we know where you"),
               "zh": ("逮捕", "坐牢", "拘留", "上门", "后果自负", "最后通牒", "曝光", "警察", "公安", "走着瞧")},
    "abuse": {"en": ("idiot", "liar", "deadbeat", "cheat", "cheater", "shame on you", "scum", "loser", "stupid"),
              "zh": ("骗子", "老赖", "无耻", "垃圾", "废物", "不要脸")},
    "impersonation": {"en": ("court officer", "law enforcement", "government agency", "attorney general", "bailiff",
                             "sheriff", "official court notice", "federal agent"),
                      "zh": ("法院", "检察院", "公安局", "律师函", "政府部门", "公检法")},
    "third_party": {"en": ("your family", "your employer", "your contacts", "your friends", "your colleagues",
                           "your neighbours", "your neighbors", "your relatives", "your boss", "we will tell"),
                    "zh": ("通讯录", "家人", "亲友", "同事", "单位", "紧急联系人", "亲属", "朋友")},
    "legal_action": {"en": ("lawsuit", "sue", "sued", "legal action", "court", "judgment", "judgement",
                            "legal proceedings", "litigation", "solicitor", "enforcement action"),
                     "zh": ("起诉", "诉讼", "法律行动", "法律程序", "判决", "立案", "强制执行")},
    "pressure_to_borrow": {"en": ("borrow", "another loan", "payday loan", "take out a loan", "credit card to pay",
                                  "sell your", "remortgage"),
                           "zh": ("借新还旧", "以贷养贷", "借钱", "套现", "网贷还")},
    "unreasonable_demand": {"en": ("pay in full today", "immediately", "within the hour", "full amount now",
                                   "pay now or", "today or"),
                            "zh": ("立即还清", "马上还清", "今天必须", "一次性还清", "限你")},
    "extra_fees": {"en": ("extra fee", "collection fee", "processing fee", "penalty fee", "surcharge"),
                   "zh": ("额外费用", "催收费", "手续费", "服务费", "违约金")},
}


@cache
def _patterns() -> dict[tuple[str, str], re.Pattern[str]]:
    out = {}
    for cat, by_lang in LINT_PHRASES.items():
        en = "|".join(re.escape(p) for p in by_lang["en"])
        out[(cat, "en")] = re.compile(rf"\b(?:{en})\b", re.IGNORECASE)
        out[(cat, "zh")] = re.compile("|".join(re.escape(p) for p in by_lang["zh"]))
    return out


def lint_text(text: str, categories: tuple[str, ...] | list[str] = LINT_CATEGORIES) -> list[tuple[str, str]]:
    """Forbidden phrases found in a message: (category, phrase) pairs, in order of category.

    Both the English and the Chinese lists are searched, whatever the message's language.

    Examples
    --------
    >>> from riskscore.policy import lint_text
    >>> lint_text("Pay today or we will tell your employer.")
    [('third_party', 'we will tell'), ('third_party', 'your employer'), ('unreasonable_demand', 'today or')]
    >>> lint_text("您好，温馨提醒：还款已到期。")
    []
    """
    found = []
    for cat in categories:
        if cat not in LINT_PHRASES:
            raise ValueError(f"unknown lint category {cat!r}; the categories: {list(LINT_PHRASES)}")
        for lang in LANGS:
            found += [(cat, m.group(0).lower()) for m in _patterns()[(cat, lang)].finditer(text)]
    return found


@cache
def _catalogue() -> dict:
    text = (resources.files("riskscore.policy") / "templates.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["templates"]


def templates() -> pd.DataFrame:
    """The template catalogue: one row per template id (``{name}.{channel}``) and language.

    Examples
    --------
    >>> from riskscore.policy import templates
    >>> t = templates()
    >>> sorted(t["language"].unique()), t.loc[t["template_id"] == "agent_call.call", "tone"].iloc[0]
    (['en', 'zh'], 'supportive')
    """
    rows = [{"template_id": f"{name}.{ch}", "name": name, "channel": ch, "tone": spec["tone"], "language": lang,
             "text": spec["text"][lang]}
            for name, spec in _catalogue().items() for ch in spec["channels"] for lang in LANGS]
    return pd.DataFrame(rows)


def tone(template_id: str) -> str:
    """The tone of a template (``gentle``, ``neutral`` or ``supportive``), from the catalogue."""
    return _catalogue()[template_id.partition(".")[0]]["tone"]


def rule_text(rule: Rule, channel: str, language: str) -> str:
    """The text a ``required_text`` rule asks for on a channel, in a language (English otherwise)."""
    p = rule.params
    texts = p["text_by_channel"].get(channel, p["text"])
    lang = primary_language(language)
    return texts.get(lang if lang in LANGS else "en") or p["text"]["en"]


def required_texts(profile: Profile, element: str, channel: str, language: str) -> list[tuple[str, str]]:
    """(rule id, text) of every ``required_text`` rule of ``profile`` for this element and channel."""
    return [(rule.id, rule_text(rule, channel, language)) for rule in profile.of_kind("required_text")
            if rule.params["element"] == element and channel in rule.params["channels"]]


def render_message(template_id: str, language: str, profile: Profile) -> str:
    """The text of a template in a language, with the profile's disclosure and opt-out filled in.

    Examples
    --------
    >>> from riskscore.policy import load_profile, render_message
    >>> render_message("reminder_gentle.sms", "en", load_profile("us_reg_f_2021"))[-95:]
    'This communication is from a debt collector. Reply STOP to stop texts to this telephone number.'
    """
    name, _, channel = template_id.partition(".")
    spec = _catalogue().get(name)
    if spec is None or channel not in spec["channels"]:
        raise KeyError(f"no template {template_id!r}; see riskscore.policy.templates()")
    lang = primary_language(language)  # EN, en-US, zh_Hans: the primary subtag, lower case
    lang = lang if lang in LANGS else "en"
    fill = {e: " ".join(t for _, t in required_texts(profile, e, channel, lang)) for e in ("disclosure", "opt_out")}
    text = spec["text"][lang].format(**fill)
    return re.sub(r"\s{2,}", " ", text).strip()
