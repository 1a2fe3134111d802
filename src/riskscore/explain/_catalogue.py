"""Message catalogues: reason families (stable codes) and one sentence per feature, per language.

Sentences quote the borrower's own values through named placeholders, each computed from the
feature row by :func:`quote` (never typed into a sentence by hand):

``{count}``/``{n}`` — "count of the last n installments" (a share times n, n = min(window, installments due));
``{pct}`` — a share in percent; ``{days}`` — whole days; ``{days1}`` — days to one decimal;
``{amount}`` — money to 2 decimals; ``{ratio}`` — to one decimal; ``{w}`` — the window.

A feature whose value may be negative (:data:`SIGNED`: the mean payment offset, the trend of the
share paid by the due date) has one sentence per sign, and quotes the value's magnitude: "-1.2
days after the due date" is said "1.2 days before the due date", so no sentence quotes a negative
count of days or a number outside its feature's documented range (``tests/explain/test_sentences.py``).

Adding a language means adding a column to every table here; ``tests/explain`` fails when one
sentence or family name is missing.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence

from riskscore.features import category_of

__all__ = ["CATEGORY_SENTENCE", "FAMILIES", "LANGUAGES", "OTHER_CATEGORY_SENTENCE", "OWN_SENTENCE", "SENTENCES",
           "SIGNED", "feature_kind", "quote", "sentence"]

LANGUAGES = ("en", "zh")

#: family -> (code, {language: name}, {language: sentence when the family's features are missing})
FAMILIES: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "late_history": ("RS-LATE-HIST", {"en": "late payments", "zh": "逾期还款记录"},
                     {"en": "no installment has fallen due yet", "zh": "尚无到期的分期"}),
    "partial_payments": ("RS-PARTIAL", {"en": "partial payments", "zh": "部分还款"},
                         {"en": "no installment has fallen due yet", "zh": "尚无到期的分期"}),
    "amount_owed": ("RS-OWED", {"en": "amount owed", "zh": "欠款金额"},
                    {"en": "the amount owed is not known", "zh": "欠款金额未知"}),
    "arrears": ("RS-ARREARS", {"en": "current arrears", "zh": "当前逾期"},
                {"en": "nothing is past due", "zh": "当前没有逾期款项"}),
    "upcoming": ("RS-UPCOMING", {"en": "installments falling due", "zh": "即将到期的分期"},
                 {"en": "no installment falls due soon", "zh": "近期没有到期的分期"}),
    "regularity": ("RS-IRREGULAR", {"en": "irregular payment timing", "zh": "还款时间不规律"},
                   {"en": "there are too few payments to judge their timing", "zh": "还款次数太少，无法判断还款规律"}),
    "cures": ("RS-CURES", {"en": "catching up after long arrears", "zh": "长期逾期后补还"},
              {"en": "no installment was caught up after long arrears", "zh": "没有长期逾期后补还的分期"}),
    "tenure": ("RS-TENURE", {"en": "length of history", "zh": "还款历史长度"},
               {"en": "the repayment history is short", "zh": "还款历史较短"}),
    "payments": ("RS-PAYMENTS", {"en": "recent payments", "zh": "近期还款"},
                 {"en": "no payment has been made yet", "zh": "尚未有任何还款"}),
    "contacts": ("RS-CONTACTS", {"en": "contact history", "zh": "联系记录"},
                 {"en": "there has been no contact", "zh": "没有联系记录"}),
    "promises": ("RS-PROMISES", {"en": "promises to pay", "zh": "还款承诺"},
                 {"en": "there is no promise to pay on record", "zh": "没有还款承诺记录"}),
    "amounts_due": ("RS-AMOUNTS-DUE", {"en": "amounts falling due", "zh": "应还金额变化"},
                    {"en": "no installment has fallen due yet", "zh": "尚无到期的分期"}),
    "utilisation": ("RS-UTILISATION", {"en": "use of the credit limit", "zh": "额度使用率"},
                    {"en": "the credit limit is not known", "zh": "信用额度未知"}),
    "own_data": ("RS-OWN-DATA", {"en": "the lender's own borrower data", "zh": "借款人资料"},
                 {"en": "a value of the borrower's data is missing", "zh": "借款人资料有缺失"}),
}

#: The sentence of a user's own static column (a feature outside the registry, family ``own_data``):
#: ``{column}`` is the column's name, ``{value}`` its value to 4 significant digits.
OWN_SENTENCE = {"en": "the borrower's {column} is {value}", "zh": "借款人的{column}为{value}"}
#: The sentence of a user's categorical column (``FeatureBuilder(categorical=...)``) at one of its
#: categories (``{value}``, the category's text), and at "another value" (rare in training or new).
CATEGORY_SENTENCE = {"en": "the borrower's {column} is '{value}'", "zh": "借款人的{column}为“{value}”"}
OTHER_CATEGORY_SENTENCE = {"en": "the borrower's {column} is a value rare or unseen in the training data",
                           "zh": "借款人的{column}为训练数据中少见或未出现的取值"}

#: Code and sentence of the reason given when no factor lowers the likelihood.
NO_ADVERSE = ("RS-NONE", {"en": "no factor in the repayment history lowers the likelihood of repayment",
                          "zh": "还款记录中没有降低还款可能性的因素"})

_WINDOWED = ("share_late", "share_late30", "max_days_late", "mean_days_late", "paid_at_due_ratio", "share_partial")

#: feature kind -> {language: sentence}
SENTENCES: dict[str, dict[str, str]] = {
    "share_late_{w}": {"en": "{count} of the last {n} installments were paid late",
                       "zh": "最近{n}期中有{count}期逾期还款"},
    "share_late30_{w}": {"en": "{count} of the last {n} installments were paid more than 30 days late",
                         "zh": "最近{n}期中有{count}期逾期超过30天"},
    "max_days_late_{w}": {"en": "an installment among the last {w} was paid {days} days late",
                          "zh": "最近{w}期中有一期逾期{days}天"},
    "mean_days_late_{w}": {"en": "the last {w} installments were paid {days1} days late on average",
                           "zh": "最近{w}期平均逾期{days1}天"},
    "paid_at_due_ratio_{w}": {"en": "on average {pct}% of each of the last {w} installments was paid by its due date",
                              "zh": "最近{w}期平均每期在到期日前只还了{pct}%"},
    "share_partial_{w}": {"en": "{count} of the last {n} installments were only partly paid by their due date",
                          "zh": "最近{n}期中有{count}期到期时只还了一部分"},
    "amount_outstanding": {"en": "{amount} is outstanding", "zh": "未还金额为{amount}"},
    "n_installments_outstanding": {"en": "{count} installments are unpaid", "zh": "有{count}期尚未还清"},
    "amount_overdue": {"en": "{amount} is past due", "zh": "逾期金额为{amount}"},
    "days_past_due": {"en": "the oldest unpaid installment is {days} days past due",
                      "zh": "最早未还的一期已逾期{days}天"},
    "amount_due_upcoming": {"en": "{amount} falls due soon", "zh": "即将到期的金额为{amount}"},
    "n_due_upcoming": {"en": "{count} installments fall due soon", "zh": "有{count}期即将到期"},
    "days_to_next_due": {"en": "the next installment falls due in {days} days", "zh": "下一期将在{days}天后到期"},
    "amount_scheduled_90d": {"en": "{amount} more is scheduled within 90 days", "zh": "未来90天内还有{amount}应还"},
    "outstanding_to_installment": {"en": "what is outstanding equals {ratio} typical installments",
                                   "zh": "未还金额相当于{ratio}期的月供"},
    "paid_ratio_trend": {"en": "the share paid by the due date rose by {pct} percentage points over the last "
                               "3 installments, compared with the 3 before",
                         "zh": "与之前3期相比，最近3期到期前已还比例上升了{pct}个百分点"},
    "days_late_std_12": {"en": "payment timing varied by {days1} days over the last 12 installments",
                         "zh": "最近12期的还款时间相差{days1}天"},
    "cures_30_12": {"en": "{count} of the last 12 installments were caught up after more than 30 days late",
                    "zh": "最近12期中有{count}期在逾期超过30天后才补还"},
    "n_matured": {"en": "{count} installments have fallen due so far", "zh": "目前已有{count}期到期"},
    "share_late_all": {"en": "{count} of the {n} installments due so far were paid late",
                       "zh": "已到期的{n}期中有{count}期逾期还款"},
    "mean_days_late_all": {"en": "installments were paid {days1} days late on average",
                           "zh": "各期平均逾期{days1}天"},
    "paid_to_date": {"en": "{amount} has been paid so far", "zh": "目前已还{amount}"},
    "n_payments": {"en": "{count} payments so far", "zh": "目前共还款{count}次"},
    "mean_payment_offset_days": {"en": "payments came {days1} days after the due date on average",
                                 "zh": "还款平均在到期日后{days1}天"},
    "days_since_last_payment": {"en": "the last payment was {days} days ago", "zh": "上次还款在{days}天前"},
    "paid_last_90d": {"en": "{amount} was paid in the last 90 days", "zh": "最近90天还款{amount}"},
    "partial_payments_90d": {"en": "{count} partial payments in the last 90 days", "zh": "最近90天有{count}次部分还款"},
    "days_since_first_due": {"en": "the first installment fell due {days} days ago", "zh": "第一期在{days}天前到期"},
    "n_loans": {"en": "{count} loans", "zh": "共{count}笔贷款"},
    "n_active_loans": {"en": "{count} active loans", "zh": "有{count}笔未结清贷款"},
    "calls_30d": {"en": "{count} calls in the last 30 days", "zh": "最近30天有{count}次电话联系"},
    "messages_30d": {"en": "{count} messages in the last 30 days", "zh": "最近30天有{count}条消息"},
    "calls_90d": {"en": "{count} calls in the last 90 days", "zh": "最近90天有{count}次电话联系"},
    "no_answer_90d": {"en": "{count} calls went unanswered in the last 90 days", "zh": "最近90天有{count}次电话未接通"},
    "conversations_90d": {"en": "{count} conversations in the last 90 days", "zh": "最近90天有{count}次通话"},
    "refused_90d": {"en": "payment was refused {count} times in the last 90 days", "zh": "最近90天有{count}次拒绝还款"},
    "ptp_kept_180d": {"en": "{count} promises to pay were kept in the last 180 days",
                      "zh": "最近180天有{count}次还款承诺已兑现"},
    "ptp_broken_180d": {"en": "{count} promises to pay were broken in the last 180 days",
                        "zh": "最近180天有{count}次还款承诺未兑现"},
    "days_since_last_contact": {"en": "the last contact was {days} days ago", "zh": "上次联系在{days}天前"},
    "latest_amount_due": {"en": "{amount} fell due on the latest installments", "zh": "最近一期应还{amount}"},
    "amount_due_growth_3": {"en": "the amount due over the last 3 installments is {ratio} times that over the 3 before",
                            "zh": "最近3期应还金额是之前3期的{ratio}倍"},
    "paid_share_3": {"en": "{pct}% of the last 3 installments' amounts has been paid",
                     "zh": "最近3期应还金额已还{pct}%"},
    "paid_share_trend": {"en": "the share paid of each installment rose by {pct} percentage points over the last 3 "
                               "installments, compared with the 3 before",
                         "zh": "与之前3期相比，最近3期已还比例上升了{pct}个百分点"},
    "share_paid_full_6": {"en": "{count} of the last {n} installments were paid in full",
                          "zh": "最近{n}期中有{count}期已全额还清"},
    "unpaid_3": {"en": "{count} of the last 3 installments have nothing paid", "zh": "最近3期中有{count}期分文未还"},
    "max_consecutive_late": {"en": "{count} installments in a row were paid late", "zh": "曾连续{count}期逾期还款"},
    "installments_since_full_payment": {"en": "{count} installments fell due since the last one paid in full",
                                        "zh": "自上次全额还清以来已有{count}期到期"},
    "installments_since_late": {"en": "{count} installments fell due since the last one paid late",
                                "zh": "自上次逾期以来已有{count}期到期"},
    "days_late_recency_weighted": {"en": "recent installments were paid {days1} days late on average, the latest "
                                         "weighing most", "zh": "近期各期按时间加权平均逾期{days1}天"},
    "days_late_amount_weighted_6": {"en": "the amounts due over the last 6 installments were paid {days1} days late "
                                          "on average", "zh": "最近6期按金额加权平均逾期{days1}天"},
    "paid_to_due_6": {"en": "{pct}% of the amounts due over the last 6 installments has been paid",
                      "zh": "最近6期应还金额已还{pct}%"},
    "paid_amount_growth_3": {"en": "the amount paid on the last 3 installments is {ratio} times that on the 3 before",
                             "zh": "最近3期还款金额是之前3期的{ratio}倍"},
    "days_since_late": {"en": "the last installment paid late fell due {days} days ago",
                        "zh": "上次逾期的一期在{days}天前到期"},
    "share_late_365d": {"en": "{pct}% of the installments due in the last year were paid late",
                        "zh": "最近一年到期的分期中有{pct}%逾期还款"},
    "mean_days_late_365d": {"en": "the installments due in the last year were paid {days1} days late on average",
                            "zh": "最近一年到期的分期平均逾期{days1}天"},
    "max_days_late_365d": {"en": "an installment due in the last year was paid {days} days late",
                           "zh": "最近一年到期的分期中有一期逾期{days}天"},
    "utilisation": {"en": "what is outstanding is {pct}% of the credit limit", "zh": "未还金额为信用额度的{pct}%"},
    "latest_due_to_limit": {"en": "the latest amount due is {pct}% of the credit limit",
                            "zh": "最近一期应还金额为信用额度的{pct}%"},
}

#: feature kind -> {"negative" | "zero": {language: sentence}}: the sentences of a value below zero
#: (quoting its magnitude) or that rounds to zero; :data:`SENTENCES` holds the positive one.
SIGNED: dict[str, dict[str, dict[str, str]]] = {
    "mean_payment_offset_days": {
        "negative": {"en": "payments came {days1} days before the due date on average",
                     "zh": "还款平均在到期日前{days1}天"},
        "zero": {"en": "payments came on the due date on average", "zh": "还款平均在到期日当天"},
    },
    "paid_ratio_trend": {
        "negative": {"en": "the share paid by the due date fell by {pct} percentage points over the last "
                           "3 installments, compared with the 3 before",
                     "zh": "与之前3期相比，最近3期到期前已还比例下降了{pct}个百分点"},
        "zero": {"en": "the share paid by the due date did not change over the last 3 installments, compared "
                       "with the 3 before", "zh": "与之前3期相比，最近3期到期前已还比例没有变化"},
    },
    "paid_share_trend": {
        "negative": {"en": "the share paid of each installment fell by {pct} percentage points over the last 3 "
                           "installments, compared with the 3 before",
                     "zh": "与之前3期相比，最近3期已还比例下降了{pct}个百分点"},
        "zero": {"en": "the share paid of each installment did not change over the last 3 installments, compared "
                       "with the 3 before", "zh": "与之前3期相比，最近3期已还比例没有变化"},
    },
}

#: Shares of a fixed number of installments that are not windowed features: quoted as counts of
#: ``min(window, installments due)`` like the windowed shares.
FIXED_WINDOWS = {"share_paid_full_6": 6}


@functools.lru_cache(maxsize=4096)  # a pure function of a feature name: a few hundred names at most
def feature_kind(name: str) -> str:
    """The catalogue key of a feature: windowed features share one sentence (``share_late_{w}``).

    Examples
    --------
    >>> from riskscore.explain._catalogue import feature_kind
    >>> feature_kind("share_late30_6"), feature_kind("days_past_due")
    ('share_late30_{w}', 'days_past_due')
    """
    stem, window = _split(name)
    return name if window is None else f"{stem}_{{w}}"


@functools.lru_cache(maxsize=4096)
def _split(name: str) -> tuple[str, int | None]:
    """(stem, window) of a windowed feature such as ``share_late_6``; (name, None) otherwise."""
    m = re.fullmatch(r"(.+)_(\d+)", name)
    return (m.group(1), int(m.group(2))) if m and m.group(1) in _WINDOWED else (name, None)


def quote(name: str, value: float, n_matured: float = float("nan")) -> dict[str, object] | None:
    """The placeholders of ``name``'s sentence from the borrower's value; None when it is missing.

    A value that is not finite (or too large to quote) counts as missing, never an error.

    Shares over the last *w* installments are quoted as counts of ``min(w, n_matured)``.

    Examples
    --------
    >>> from riskscore.explain._catalogue import quote
    >>> q = quote("share_late30_6", 0.5, n_matured=8.0)
    >>> q["count"], q["n"]
    (3, 6)
    >>> quote("amount_outstanding", 1e308) is None
    True
    """
    value = float(value)
    if not math.isfinite(value * 100):  # missing, or too large to quote (an absurd amount or ratio)
        return None
    _, w = _split(name)
    kind = feature_kind(name)
    sign = 1
    if kind in SIGNED:  # the sentence says the direction; the number is the magnitude as quoted
        shown = round(abs(value) * 100) if kind in ("paid_ratio_trend", "paid_share_trend") else round(abs(value), 1)
        sign = 0 if shown == 0 else (-1 if value < 0 else 1)
        value = abs(value)
    n = None
    if kind in ("share_late_{w}", "share_late30_{w}", "share_partial_{w}", "share_late_all", *FIXED_WINDOWS) \
            and math.isfinite(n_matured):
        matured = int(n_matured)  # the shares are over min(window, installments due so far)
        window = FIXED_WINDOWS.get(kind, w)
        n = matured if window is None else min(window, matured)
    out: dict[str, object] = {
        "w": w, "n": n, "count": round(value * n) if n is not None else round(value),
        "pct": _percent(value), "days": round(value), "days1": f"{value:.1f}", "amount": f"{value:,.2f}",
        "ratio": f"{value:.1f}", "sign": sign,
    }
    return out


def _percent(share: float) -> int | str:
    """``share`` in whole percent, or to one decimal where rounding would say 0 % or 100 % of what is not.

    An adverse reason "99.6 % was paid by the due date" must not read "100 %" (nor 0.4 % "0 %").

    Examples
    --------
    >>> _percent(0.5), _percent(0.996), _percent(0.99999), _percent(0.004), _percent(1.0), _percent(0.0)
    (50, '99.6', '99.9', '0.4', 100, 0)
    """
    whole = round(share * 100)
    if whole == 100 and share < 1:
        return f"{min(math.floor(share * 1000) / 10, 99.9):.1f}"
    if whole == 0 and share > 0:
        return f"{max(math.ceil(share * 1000) / 10, 0.1):.1f}"
    return whole


def sentence(name: str, value: float, language: str, n_matured: float = float("nan"),
             categories: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """The reason sentence of feature ``name`` at the borrower's ``value``; None when it is missing.

    ``categories`` are the categorical columns' categories (``FeatureBuilder.categories()``): the
    value of such a column is a category's position and is quoted as the category's text.

    Examples
    --------
    >>> from riskscore.explain._catalogue import sentence
    >>> sentence("mean_payment_offset_days", -1.04, "en")
    'payments came 1.0 days before the due date on average'
    >>> sentence("paid_ratio_trend", -1 / 3, "zh")
    '与之前3期相比，最近3期到期前已还比例下降了33个百分点'
    >>> sentence("days_since_first_due", float("nan"), "en") is None
    True
    >>> sentence("employment", 1.0, "en", categories={"employment": ["salaried", "self-employed"]})
    "the borrower's employment is 'self-employed'"
    """
    if categories is not None and name in categories:
        if not math.isfinite(value):
            return None
        text = category_of(value, categories[name])
        return OTHER_CATEGORY_SENTENCE[language].format(column=name) if text is None else \
            CATEGORY_SENTENCE[language].format(column=name, value=text)
    q = quote(name, value, n_matured)
    if q is None:
        return None
    kind = feature_kind(name)
    if kind not in SENTENCES:  # the user's own static column
        return OWN_SENTENCE[language].format(column=name, value=f"{float(value):,.4g}")
    texts = SENTENCES[kind] if q["sign"] == 1 else SIGNED[kind]["negative" if q["sign"] < 0 else "zero"]
    return texts[language].format(**q)
