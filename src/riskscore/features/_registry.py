"""The feature registry: what each feature means, its unit, its reason sentence, its direction.

The registry is data (a tuple of :class:`FeatureSpec`), so the model can read monotone
directions from it, the explanation layer its reason templates and families, and the report its
descriptions. ``monotone`` is the direction of the feature's effect on the *likelihood of
repaying*, set only where the domain is unambiguous (-1: more of it never raises the
likelihood; 0: no constraint).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

__all__ = ["OWN_COLUMN", "READABLE_REGISTRY_VERSIONS", "REGISTRY_VERSION",
           "UNIT_RANGES", "FeatureSpec", "feature_registry", "registry_for"]

#: Version of the feature definitions below. Bump it whenever a feature's meaning changes (a new
#: formula, window or unit): bundles record it, and a bundle built with another version is refused.
REGISTRY_VERSION = "4"  # 2: days_since_first_due counts from the first installment that has fallen due
# 3: the statement features (latest_amount_due, amount_due_growth_3, paid_share_3, ...: _MONTHLY)
# 4: the recency features (installments_since_late, days_since_late, share_late_365d, ...: _RECENT)

#: The registry versions whose every feature this version still makes, unchanged: a bundle built
#: with one of them is served by today's builder, its own features taken by name (4 only added
#: features to 3). A version that changed a feature's meaning (1 -> 2) is not among them.
READABLE_REGISTRY_VERSIONS: tuple[str, ...] = ("3", REGISTRY_VERSION)

#: The documented range of a feature of each unit, unless its spec says otherwise: shares lie in
#: [0, 1], and counts, days, amounts and ratios are never negative.
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0), "count": (0.0, math.inf), "days": (0.0, math.inf), "currency": (0.0, math.inf),
    "ratio": (0.0, math.inf),
}

#: The reason family of the user's own static columns (``FeatureBuilder(static=...)``): any feature
#: name outside the registry is one (unit "value", no documented range, no monotone direction).
OWN_COLUMN = "own_data"


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: name, reason family, meaning, unit, reason template, monotone direction, range.

    ``template`` is the English sentence a reason code quotes, with ``{value}`` for the
    borrower's own value (and ``{window}`` for windowed features). ``low`` and ``high`` bound
    every value the feature can take (missing values aside); by default the range of its unit
    (:data:`UNIT_RANGES`: shares in [0, 1], counts, days, amounts and ratios >= 0). Reason
    sentences never quote a number outside it (``tests/explain/test_sentences.py``).

    Examples
    --------
    >>> from riskscore.features import FeatureSpec
    >>> spec = FeatureSpec("days_past_due", "arrears", "Days since the oldest unpaid due date", "days",
    ...                    "the oldest unpaid installment is {value:.0f} days past due", -1)
    >>> spec.template.format(value=12)
    'the oldest unpaid installment is 12 days past due'
    >>> spec.low, spec.high
    (0.0, inf)
    """

    name: str
    family: str
    description: str
    unit: str
    template: str
    monotone: int = 0
    needs_contacts: bool = False
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        low, high = UNIT_RANGES.get(self.unit, (-math.inf, math.inf))
        object.__setattr__(self, "low", low if self.low is None else float(self.low))
        object.__setattr__(self, "high", high if self.high is None else float(self.high))


def _windowed(window: int) -> list[FeatureSpec]:
    w = window
    return [
        FeatureSpec(f"share_late_{w}", "late_history", f"Share of the last {w} due installments paid after the due "
                    "date (or still unpaid)", "share", "{value:.0%} of the last {window} installments were paid late",
                    -1),
        FeatureSpec(f"share_late30_{w}", "late_history", f"Share of the last {w} due installments paid more than 30 "
                    "days late (or unpaid 30+ days)", "share",
                    "{value:.0%} of the last {window} installments were paid more than 30 days late", -1),
        FeatureSpec(f"max_days_late_{w}", "late_history", f"Most days late among the last {w} due installments",
                    "days", "an installment among the last {window} was paid {value:.0f} days late", -1),
        FeatureSpec(f"mean_days_late_{w}", "late_history", f"Mean days late over the last {w} due installments",
                    "days", "the last {window} installments were paid {value:.1f} days late on average", -1),
        FeatureSpec(f"paid_at_due_ratio_{w}", "partial_payments", f"Mean share of the amount paid by the due date "
                    f"over the last {w} due installments", "share",
                    "on average {value:.0%} of each of the last {window} installments was paid by its due date"),
        FeatureSpec(f"share_partial_{w}", "partial_payments", f"Share of the last {w} due installments with a "
                    "partial payment by the due date", "share",
                    "{value:.0%} of the last {window} installments were only partly paid by their due date"),
    ]


_CORE = [
    FeatureSpec("amount_outstanding", "amount_owed", "Amount not yet paid on installments due by as_of + lookahead",
                "currency", "{value:,.2f} is outstanding"),
    FeatureSpec("n_installments_outstanding", "amount_owed", "Installments not yet paid, due by as_of + lookahead",
                "count", "{value:.0f} installments are unpaid"),
    FeatureSpec("amount_overdue", "arrears", "Amount unpaid on installments already past their due date",
                "currency", "{value:,.2f} is past due"),
    FeatureSpec("days_past_due", "arrears", "Days since the oldest unpaid due date (0 when nothing is past due)",
                "days", "the oldest unpaid installment is {value:.0f} days past due", -1),
    FeatureSpec("amount_due_upcoming", "upcoming", "Amount unpaid on installments falling due within the lookahead",
                "currency", "{value:,.2f} falls due within the next days"),
    FeatureSpec("n_due_upcoming", "upcoming", "Installments unpaid that fall due within the lookahead", "count",
                "{value:.0f} installments fall due within the next days"),
    FeatureSpec("days_to_next_due", "upcoming", "Days until the next unpaid due date within the lookahead "
                "(missing when none)", "days", "the next installment falls due in {value:.0f} days"),
    FeatureSpec("amount_scheduled_90d", "upcoming", "Scheduled amount due after the lookahead and within 90 days",
                "currency", "{value:,.2f} more is scheduled within 90 days"),
    FeatureSpec("outstanding_to_installment", "amount_owed", "Amount outstanding over the borrower's median "
                "installment", "ratio", "what is outstanding equals {value:.1f} typical installments"),
    FeatureSpec("paid_ratio_trend", "partial_payments", "Mean share paid by the due date over the last 3 installments "
                "minus that over the 3 before (negative: growing partial payments)", "share",
                "the share paid by the due date changed by {value:.0%} over the last 3 installments",
                low=-1.0, high=1.0),
    FeatureSpec("days_late_std_12", "regularity", "Standard deviation of days late over the last 12 due installments",
                "days", "payment timing varied by {value:.1f} days over the last 12 installments"),
    FeatureSpec("cures_30_12", "cures", "Installments among the last 12 that were paid after being more than 30 days "
                "late", "count", "{value:.0f} of the last 12 installments were caught up after 30+ days late"),
    FeatureSpec("n_matured", "tenure", "Installments that have fallen due so far", "count",
                "{value:.0f} installments have fallen due so far"),
    FeatureSpec("share_late_all", "late_history", "Share of all due installments paid late (or still unpaid)", "share",
                "{value:.0%} of all installments so far were paid late", -1),
    FeatureSpec("mean_days_late_all", "late_history", "Mean days late over all due installments", "days",
                "installments were paid {value:.1f} days late on average", -1),
    FeatureSpec("paid_to_date", "payments", "Total paid so far", "currency", "{value:,.2f} has been paid so far"),
    FeatureSpec("n_payments", "payments", "Payments made so far", "count", "{value:.0f} payments so far"),
    FeatureSpec("mean_payment_offset_days", "regularity", "Mean days between a payment and its installment's due date "
                "(negative: paid before the due date on average)", "days",
                "payments came {value:.1f} days after the due date on average", low=-math.inf),
    FeatureSpec("days_since_last_payment", "payments", "Days since the last payment (missing when none yet)", "days",
                "the last payment was {value:.0f} days ago"),
    FeatureSpec("paid_last_90d", "payments", "Amount paid in the last 90 days", "currency",
                "{value:,.2f} was paid in the last 90 days"),
    FeatureSpec("partial_payments_90d", "partial_payments", "Payments in the last 90 days that left their "
                "installment still unpaid (a hardship signal when they recur)", "count",
                "{value:.0f} partial payments in the last 90 days"),
    FeatureSpec("days_since_first_due", "tenure", "Days since the borrower's first installment that has fallen due "
                "(missing when none has yet)", "days", "the first installment fell due {value:.0f} days ago"),
    FeatureSpec("n_loans", "tenure", "Loans with an installment due by as_of + lookahead", "count",
                "{value:.0f} loans"),
    FeatureSpec("n_active_loans", "amount_owed", "Loans with an unpaid or scheduled installment", "count",
                "{value:.0f} active loans"),
]

#: Statement-style features (``features/_monthly.py``): amounts due, shares paid whenever paid, runs of lateness.
_MONTHLY = [
    FeatureSpec("latest_amount_due", "amounts_due", "Amount due on each loan's latest installment that has fallen "
                "due (the latest statement), summed over loans", "currency",
                "{value:,.2f} fell due on the latest installments"),
    FeatureSpec("amount_due_growth_3", "amounts_due", "Mean amount due over the last 3 due installments over that "
                "over the 3 before (above 1: growing bills; missing when the 3 before were nothing)", "ratio",
                "the amount due over the last 3 installments is {value:.1f} times that over the 3 before"),
    FeatureSpec("paid_share_3", "partial_payments", "Mean share of the amount paid so far (whenever paid) over the "
                "last 3 due installments", "share", "{value:.0%} of the last 3 installments' amounts has been paid"),
    FeatureSpec("paid_share_trend", "partial_payments", "Mean share paid so far over the last 3 due installments "
                "minus that over the 3 before (negative: paying less of each bill)", "share",
                "the share paid changed by {value:.0%} over the last 3 installments", low=-1.0, high=1.0),
    FeatureSpec("share_paid_full_6", "partial_payments", "Share of the last 6 due installments paid in full so far",
                "share", "{value:.0%} of the last 6 installments were paid in full"),
    FeatureSpec("unpaid_3", "partial_payments", "Installments among the last 3 due with nothing paid so far", "count",
                "{value:.0f} of the last 3 installments have nothing paid", high=3.0),
    FeatureSpec("max_consecutive_late", "late_history", "Longest run of consecutive due installments paid late or "
                "still unpaid", "count", "{value:.0f} installments in a row were paid late"),
    FeatureSpec("installments_since_full_payment", "partial_payments", "Due installments since the latest one paid "
                "in full (all of them when none was)", "count",
                "{value:.0f} installments fell due since the last one paid in full"),
]

#: Recency features (``features/_recent.py``): the latest installments one by one, time since the
#: latest late one, lateness weighted by recency and by amount, paid amounts.
_RECENT = [
    FeatureSpec("installments_since_late", "late_history", "Due installments since the latest one paid late or "
                "still unpaid past its due date (0: the latest is; all of them when none was)", "count",
                "{value:.0f} installments fell due since the last late one"),
    FeatureSpec("days_late_recency_weighted", "late_history", "Mean days late over all due installments, each "
                "weighted by 2^(-k/2) for the k-th before the latest (recent lateness weighs most)", "days",
                "recent installments were paid {value:.1f} days late on average", -1),
    FeatureSpec("days_late_amount_weighted_6", "late_history", "Mean days late over the last 6 due installments, "
                "each weighted by its amount due (missing when they were all nothing)", "days",
                "the last 6 installments' amounts were paid {value:.1f} days late on average", -1),
    FeatureSpec("paid_to_due_6", "partial_payments", "Amount paid so far (whenever paid, up to each amount due) "
                "over the amount due, over the last 6 due installments (missing when they were all nothing)",
                "share", "{value:.0%} of the amounts due over the last 6 installments has been paid"),
    FeatureSpec("paid_amount_growth_3", "payments", "Mean amount paid on the last 3 due installments over that on "
                "the 3 before (below 1: paying less; missing when nothing was paid on the 3 before)", "ratio",
                "the amount paid on the last 3 installments is {value:.1f} times that on the 3 before"),
    FeatureSpec("days_since_late", "late_history", "Days since the due date of the latest installment paid late or "
                "still unpaid past it (missing when none was)", "days",
                "the last late installment fell due {value:.0f} days ago"),
    FeatureSpec("share_late_365d", "late_history", "Share of the installments due in the last 365 days paid late "
                "(or still unpaid)", "share", "{value:.0%} of the installments due in the last year were paid late",
                -1),
    FeatureSpec("mean_days_late_365d", "late_history", "Mean days late over the installments due in the last 365 "
                "days", "days", "the installments due in the last year were paid {value:.1f} days late on average",
                -1),
    FeatureSpec("max_days_late_365d", "late_history", "Most days late among the installments due in the last 365 "
                "days", "days", "an installment due in the last year was paid {value:.0f} days late", -1),
]

#: Made only when the builder names a credit-limit column (``FeatureBuilder(credit_limit=...)``).
_LIMIT = [
    FeatureSpec("utilisation", "utilisation", "Amount outstanding over the credit limit (the static column named by "
                "credit_limit; missing when the limit is missing or not positive)", "ratio",
                "what is outstanding is {value:.0%} of the credit limit"),
    FeatureSpec("latest_due_to_limit", "utilisation", "Amount due on the latest installments that have fallen due "
                "(the latest statement) over the credit limit", "ratio",
                "the latest amount due is {value:.0%} of the credit limit"),
]

_CONTACTS = [
    FeatureSpec("calls_30d", "contacts", "Call attempts in the last 30 days", "count",
                "{value:.0f} calls in the last 30 days", needs_contacts=True),
    FeatureSpec("messages_30d", "contacts", "Messages (sms, email, app, letter) in the last 30 days", "count",
                "{value:.0f} messages in the last 30 days", needs_contacts=True),
    FeatureSpec("calls_90d", "contacts", "Call attempts in the last 90 days", "count",
                "{value:.0f} calls in the last 90 days", needs_contacts=True),
    FeatureSpec("no_answer_90d", "contacts", "Calls not answered in the last 90 days", "count",
                "{value:.0f} calls went unanswered in the last 90 days", needs_contacts=True),
    FeatureSpec("conversations_90d", "contacts", "Conversations (including promises) in the last 90 days", "count",
                "{value:.0f} conversations in the last 90 days", needs_contacts=True),
    FeatureSpec("refused_90d", "promises", "Calls where the borrower refused to pay, last 90 days", "count",
                "the borrower refused to pay {value:.0f} times in the last 90 days", needs_contacts=True),
    FeatureSpec("ptp_kept_180d", "promises", "Promises to pay kept (a payment within 7 days), last 180 days",
                "count", "{value:.0f} promises to pay were kept in the last 180 days", needs_contacts=True),
    FeatureSpec("ptp_broken_180d", "promises", "Promises to pay broken (no payment within 7 days), last 180 days",
                "count", "{value:.0f} promises to pay were broken in the last 180 days", -1, needs_contacts=True),
    FeatureSpec("days_since_last_contact", "contacts", "Days since the last logged contact (missing when none)",
                "days", "the last contact was {value:.0f} days ago", needs_contacts=True),
]


def feature_registry(windows: tuple[int, ...] = (3, 6, 12), contacts: bool = True,
                     credit_limit: bool = False) -> pd.DataFrame:
    """The registry as a DataFrame indexed by feature name, in the order features are built.

    Parameters
    ----------
    windows : tuple of int, default (3, 6, 12)
        The history windows (last *n* due installments) of the windowed features.
    contacts : bool, default True
        Include the contact-log features.
    credit_limit : bool, default False
        Include the credit-limit features (``utilisation``, ``latest_due_to_limit``), which a
        builder makes after its static columns when it names a credit-limit column.

    Examples
    --------
    >>> from riskscore.features import feature_registry
    >>> reg = feature_registry()
    >>> reg.loc["days_past_due", "family"], int(reg.loc["days_past_due", "monotone"])
    ('arrears', -1)
    >>> reg.loc["share_late30_6", "template"].format(value=0.5, window=6)
    '50% of the last 6 installments were paid more than 30 days late'
    >>> reg.loc["paid_ratio_trend", ["low", "high"]].tolist()
    [-1.0, 1.0]
    """
    return _registry_frame(tuple(int(w) for w in windows), bool(contacts), bool(credit_limit)).copy()


@functools.lru_cache(maxsize=64)
def _registry_frame(windows: tuple[int, ...], contacts: bool, credit_limit: bool) -> pd.DataFrame:
    """The registry frame, built once per settings (a builder checks its names on every call); copied out."""
    specs = [s for w in windows for s in _windowed(w)] + _CORE + _MONTHLY + _RECENT + (_CONTACTS if contacts else []) \
        + (_LIMIT if credit_limit else [])
    return pd.DataFrame([asdict(s) for s in specs]).set_index("name")


def registry_for(names: Iterable[str]) -> pd.DataFrame:
    """The registry rows of the features ``names``, in that order, whatever the builder's windows were.

    The history windows are read from the windowed features' names (``share_late_{w}``), so a
    model built with ``FeatureBuilder(windows=(2, 4))`` finds its features' families, templates
    and monotone directions. A name outside the registry is one of the user's own static columns
    (``FeatureBuilder(static=...)``): family :data:`OWN_COLUMN`, unit ``"value"``, no range limit
    and no monotone direction.

    Examples
    --------
    >>> registry_for(["share_late_2", "days_past_due", "income"])["family"].tolist()
    ['late_history', 'arrears', 'own_data']
    """
    names = [str(n) for n in names]
    windows = sorted({int(m.group(1)) for n in names if (m := re.fullmatch(r"share_late_(\d+)", n))})
    known = feature_registry(tuple(windows), contacts=True, credit_limit=True)
    own = [FeatureSpec(n, OWN_COLUMN, f"The borrower's own column {n!r} (static, from the borrowers table)", "value",
                       "the borrower's {column} is {value:,.4g}") for n in dict.fromkeys(names) if n not in known.index]
    if own:
        known = pd.concat([known, pd.DataFrame([asdict(s) for s in own]).set_index("name")])
    return known.reindex(names)
