"""Reason sentences never quote an impossible number (issue 20, item 8).

Every feature has a documented range (``FeatureSpec.low``/``high``); every number a sentence
quotes, read back from the sentence itself, lies within its feature's range, and no sentence
quotes a negative number (of days or anything else): a feature that may be negative says its
sign in words. Checked on every feature of every borrower of random small worlds at random
as-of dates (not only the features a model happens to pick), and on the reasons the committed
bundle gives, in English and Chinese.
"""

from __future__ import annotations

import math
import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskscore
from riskscore.explain import LANGUAGES, reason_codes
from riskscore.explain._catalogue import SENTENCES, SIGNED, feature_kind, sentence
from riskscore.features import FeatureBuilder, feature_registry
from riskscore.scoring import Scorer

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = feature_registry(credit_limit=True)
_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"


def _pattern(template: str) -> re.Pattern[str]:
    """A regex reading every placeholder of ``template`` back from a sentence."""
    parts, seen = [], set()
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>{_NUMBER[1:-1]})")
            seen.add(field)
    return re.compile("".join(parts))


def _read(name: str, text: str, language: str) -> tuple[int, dict[str, float]]:
    """(sign the words give, placeholder -> number) of the sentence ``text`` of feature ``name``."""
    kind = feature_kind(name)
    candidates = [(1, SENTENCES[kind][language])]
    candidates += [(-1 if key == "negative" else 0, texts[language]) for key, texts in SIGNED.get(kind, {}).items()]
    for sign, template in candidates:
        m = _pattern(template).fullmatch(text)
        if m:
            return sign, {k: float(v.replace(",", "")) for k, v in m.groupdict().items()}
    raise AssertionError(f"{name}: {text!r} matches none of its sentences")


def check_sentence(name: str, value: float, text: str, language: str) -> None:
    """Every number of ``text`` lies in ``name``'s documented range; none is negative."""
    low, high = REGISTRY.loc[name, ["low", "high"]] if name in REGISTRY.index else \
        feature_registry(windows=(int(name.rsplit("_", 1)[1]),)).loc[name, ["low", "high"]]
    assert not re.search(r"-\d", text), (name, value, text)  # nothing negative, days or otherwise
    sign, numbers = _read(name, text, language)
    for key, number in numbers.items():
        assert number >= 0, (name, text)
        if key in ("w", "n"):
            continue
        if key == "count" and "n" in numbers:  # a share said as "count of the last n"
            assert number <= numbers["n"], (name, text)
            quoted = number / numbers["n"] if numbers["n"] else 0.0
        else:
            quoted = sign * number / (100 if key == "pct" else 1)
        tol = 0.5 / numbers.get("n", 1) if key == "count" else (0.005 if key == "pct" else 0.05)
        assert low - tol <= quoted <= high + tol, (name, value, text, (low, high))
    if sign == 0:
        assert abs(value) < 0.05 or (feature_kind(name) == "paid_ratio_trend" and abs(value) < 0.005)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(20, 80), day=st.integers(0, 729))
def test_every_sentence_of_every_feature_quotes_a_possible_number(seed, n, day):
    world = riskscore.generate(n, seed=seed)
    as_of = world.start + pd.Timedelta(days=day)
    X = FeatureBuilder(population="all").transform(world.installments, as_of, contacts=world.contacts)
    values = X.to_numpy()
    for j, name in enumerate(X.columns):
        col = values[:, j][~np.isnan(values[:, j])]
        low, high = REGISTRY.loc[name, ["low", "high"]]
        assert ((col >= low) & (col <= high)).all(), (name, col[(col < low) | (col > high)][:5])
        for value, matured in zip(values[:, j], X["n_matured"].to_numpy(), strict=True):
            for language in LANGUAGES:
                text = sentence(name, value, language, matured)
                if text is None:
                    assert math.isnan(value)
                else:
                    check_sentence(name, value, text, language)


def test_the_credit_limit_features_sentences_quote_possible_numbers():
    world = riskscore.generate(60, seed=5)
    rng = np.random.default_rng(0)
    limits = world.borrowers.assign(credit_limit=rng.choice([0.0, 50.0, 500.0, 5000.0, np.nan], len(world.borrowers)))
    fb = FeatureBuilder(population="all", static=("credit_limit",), credit_limit="credit_limit")
    X = fb.transform(world.installments, world.start + pd.Timedelta(days=400), borrowers=limits)
    for name in ("utilisation", "latest_due_to_limit"):
        col = X[name].dropna()
        assert len(col) > 20 and (col >= 0).all() and (col > 1).any()  # a ratio: may exceed the limit
        for value in col:
            for language in LANGUAGES:
                check_sentence(name, value, sentence(name, value, language), language)


@pytest.fixture(scope="module")
def scorer():
    return Scorer.from_bundle(ROOT / "models" / "sample")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), day=st.integers(60, 729))
def test_the_committed_bundles_reasons_quote_possible_numbers(scorer, seed, day):
    world = riskscore.generate(150, seed=seed)
    as_of = world.start + pd.Timedelta(days=day)
    X = scorer.features(world.installments, as_of, contacts=world.contacts)
    if X.empty:
        return
    for language in LANGUAGES:
        reasons = reason_codes(scorer.model, X, language=language, direction="both", min_impact=0.0)
        for r in reasons.dropna(subset=["feature"]).itertuples():
            if not math.isnan(r.value):
                check_sentence(r.feature, r.value, r.text, language)


@pytest.mark.parametrize(("name", "value", "en", "zh"), [
    ("mean_payment_offset_days", -1.04, "payments came 1.0 days before the due date on average",
     "还款平均在到期日前1.0天"),
    ("mean_payment_offset_days", 2.26, "payments came 2.3 days after the due date on average",
     "还款平均在到期日后2.3天"),
    ("mean_payment_offset_days", -0.04, "payments came on the due date on average", "还款平均在到期日当天"),
    ("paid_ratio_trend", -1 / 3, "the share paid by the due date fell by 33 percentage points over the last 3 "
     "installments, compared with the 3 before", "与之前3期相比，最近3期到期前已还比例下降了33个百分点"),
    ("paid_ratio_trend", 2 / 3, "the share paid by the due date rose by 67 percentage points over the last 3 "
     "installments, compared with the 3 before", "与之前3期相比，最近3期到期前已还比例上升了67个百分点"),
    ("paid_ratio_trend", 0.001, "the share paid by the due date did not change over the last 3 installments, "
     "compared with the 3 before", "与之前3期相比，最近3期到期前已还比例没有变化"),
    ("days_since_first_due", 6.0, "the first installment fell due 6 days ago", "第一期在6天前到期"),
])
def test_the_issues_sentences_are_said_right(name, value, en, zh):
    assert sentence(name, value, "en") == en and sentence(name, value, "zh") == zh


def test_days_since_first_due_is_missing_until_an_installment_falls_due():
    # the issue's "the first installment fell due -6 days ago": due 6 days after as_of, inside the lookahead
    inst = pd.DataFrame({"borrower_id": ["a", "b"], "loan_id": ["La", "Lb"], "installment_no": [1, 1],
                         "due_date": pd.to_datetime(["2025-03-07", "2025-02-25"]), "amount_due": [100.0, 100.0],
                         "paid_date": pd.NaT, "amount_paid": 0.0})
    X = FeatureBuilder().transform(inst, "2025-03-01")
    assert np.isnan(X.loc["a", "days_since_first_due"]) and X.loc["a", "n_matured"] == 0.0
    assert X.loc["b", "days_since_first_due"] == 4.0
    assert sentence("days_since_first_due", X.loc["a", "days_since_first_due"], "zh") is None


def test_every_feature_has_a_documented_range():
    registry = feature_registry(windows=(3, 6, 12, 24))
    assert registry[["low", "high"]].notna().all().all()
    assert (registry["low"] < registry["high"]).all()
    assert registry.loc["paid_ratio_trend", ["low", "high"]].tolist() == [-1.0, 1.0]
    assert registry.loc["mean_payment_offset_days", "low"] == -math.inf
    assert (registry.loc[registry["unit"] == "share", "high"] == 1.0).all()
    assert registry.loc["paid_share_trend", ["low", "high"]].tolist() == [-1.0, 1.0]
    assert (registry.drop(["paid_ratio_trend", "paid_share_trend", "mean_payment_offset_days"])["low"] == 0.0).all()


@pytest.mark.parametrize(("name", "value", "text"), [
    ("paid_at_due_ratio_12", 0.996, "on average 99.6% of each of the last 12 installments was paid by its due date"),
    ("paid_at_due_ratio_12", 0.99999, "on average 99.9% of each of the last 12 installments was paid by its due date"),
    ("paid_at_due_ratio_12", 1.0, "on average 100% of each of the last 12 installments was paid by its due date"),
    ("share_late_365d", 0.004, "0.4% of the installments due in the last year were paid late"),
    ("share_late_365d", 0.0, "0% of the installments due in the last year were paid late"),
    ("share_late_365d", 0.25, "25% of the installments due in the last year were paid late"),
])
def test_a_share_short_of_all_or_above_none_is_never_quoted_as_100_or_0_percent(name, value, text):
    """An adverse reason 'only paid 100%' (只还了100%) for 99.6% read as a contradiction: one decimal there."""
    assert sentence(name, value, "en") == text
