"""Templates: every one renders with the required texts and passes every content rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskscore.policy import LINT_PHRASES, lint_text, list_profiles, load_profile, render_message, templates
from riskscore.policy._templates import required_texts

CATALOGUE = templates()


@pytest.mark.parametrize("profile", list_profiles())
def test_every_template_passes_the_lint_and_carries_the_required_texts(profile):
    p = load_profile(profile)
    for row in CATALOGUE.itertuples():
        text = render_message(row.template_id, row.language, p)
        assert lint_text(text) == [], (row.template_id, row.language)
        for element in ("opt_out", "disclosure"):
            for _, need in required_texts(p, element, row.channel, row.language):
                assert need in text, (row.template_id, row.language, element)
        assert "{" not in text and "}" not in text


def test_catalogue_covers_every_action_channel_and_language():
    names = set(CATALOGUE["name"])
    assert {"reminder", "reminder_gentle", "payment_link", "repayment_plan_offer", "hardship_referral",
            "agent_call"} == names
    assert set(CATALOGUE.groupby("template_id")["language"].apply(frozenset)) == {frozenset({"en", "zh"})}


def test_electronic_messages_carry_an_opt_out_in_every_profile():
    for profile in list_profiles():
        p = load_profile(profile)
        for channel in ("sms", "email", "app"):
            assert required_texts(p, "opt_out", channel, "zh"), (profile, channel)


@given(category=st.sampled_from(sorted(LINT_PHRASES)), data=st.data())
def test_lint_finds_every_phrase_inside_a_sentence(category, data):
    lang = data.draw(st.sampled_from(["en", "zh"]))
    phrase = data.draw(st.sampled_from(LINT_PHRASES[category][lang]))
    text = f"Hello. {phrase.upper() if lang == 'en' else phrase}, thanks." if lang == "en" else f"您好，{phrase}。"
    assert (category, phrase) in lint_text(text, [category])


def test_lint_matches_whole_words_only():
    assert lint_text("We can issue a new statement; courtesy call booked.") == []
    assert lint_text("We will sue.") == [("legal_action", "sue")]
    with pytest.raises(ValueError, match="unknown lint category"):
        lint_text("x", ["rudeness"])
