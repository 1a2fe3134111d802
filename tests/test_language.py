"""Language codes are read one way everywhere: any case, with or without region or script (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import riskscore
from riskscore._language import primary_language
from riskscore.explain import reason_codes
from riskscore.policy import load_profile, render_message
from riskscore.scoring import Scorer

ROOT = Path(__file__).resolve().parents[1]
CODES = {"en": ["en", "EN", "en-US", "en_GB", "En-us"], "zh": ["zh", "ZH", "zh-CN", "zh_Hans", "zh-Hans-CN"]}


@pytest.mark.parametrize(("code", "expected"), [(c, lang) for lang, cs in CODES.items() for c in cs])
def test_primary_language(code, expected):
    assert primary_language(code) == expected


@pytest.fixture(scope="module")
def scored():
    scorer = Scorer.from_bundle(ROOT / "models" / "sample")
    world = riskscore.generate(120, seed=5)
    X = scorer.features(world.installments, "2025-06-30", contacts=world.contacts)
    return scorer, world, X


@pytest.mark.parametrize("code", ["EN", "zh-Hans-CN", "zh_Hans", "ZH-cn"])
def test_reason_codes_and_the_scorer_take_any_spelling(scored, code):
    scorer, _, X = scored
    expected = primary_language(code)
    reasons = reason_codes(scorer.model, X.head(5), language=code)
    plain = reason_codes(scorer.model, X.head(5), language=expected)
    assert (reasons["language"] == expected).all() and reasons["text"].tolist() == plain["text"].tolist()
    assert Scorer(scorer.model, language=code).language == expected
    with pytest.raises(ValueError, match=r"'language' parameter of reason_codes must be one of 'en', 'zh'.*'fr-FR'"):
        reason_codes(scorer.model, X.head(2), language="fr-FR")
    with pytest.raises(ValueError, match=r"'language' parameter of Scorer must be one of 'en', 'zh'"):
        Scorer(scorer.model, language="de")


def test_the_borrowers_language_column_takes_any_spelling(scored):
    scorer, world, X = scored
    spellings = ["EN", "zh_Hans", "en-US", "zh-Hans-CN", "ZH-cn"]
    borrowers = world.borrowers.assign(language=[spellings[i % 5] for i in range(len(world.borrowers))])
    checked = riskscore.validate_borrowers(borrowers)  # the contract accepts them
    assert checked["language"].tolist() == borrowers["language"].tolist()
    want = borrowers.set_index("borrower_id")["language"].map(primary_language).reindex(X.index)
    langs = scorer.languages(X.index, borrowers)
    assert langs.tolist() == want.tolist() and set(langs) == {"en", "zh"}
    reasons = reason_codes(scorer.model, X, borrowers=borrowers)
    assert (reasons.groupby("row")["language"].first().reindex(X.index) == want).all()


def test_message_templates_take_any_spelling():
    profile = load_profile("cn_gbt45251_2025")
    zh = render_message("reminder_gentle.sms", "zh", profile)
    assert render_message("reminder_gentle.sms", "ZH_hans", profile) == zh
    assert render_message("reminder_gentle.sms", "zh-Hans-CN", profile) == zh
    assert render_message("reminder_gentle.sms", "EN-us", profile) == render_message("reminder_gentle.sms", "en",
                                                                                       profile)


def test_a_code_that_is_no_language_is_still_refused_by_the_contract():
    world = riskscore.generate(3, seed=1)
    with pytest.raises(riskscore.DataError, match="language"):
        riskscore.validate_borrowers(world.borrowers.assign(language=["english!", "en", "zh"]))
    assert pd.isna(primary_language(None))
