"""pandera data contracts for riskscore's input tables (design.md, "Data contracts").

The models are usable on their own (``InstallmentsSchema.validate(df, lazy=True)``), but the
public entry points are :func:`riskscore.validate_installments` and friends, which add the
cross-row checks a column schema cannot express and raise :class:`riskscore.DataError`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

__all__ = [
    "BORROWER_FLAGS",
    "CHANNELS",
    "OUTCOMES",
    "BorrowersSchema",
    "ContactsSchema",
    "InstallmentsSchema",
    "parse_channels",
    "valid_timezones",
]

#: Contact channels a borrower can allow (design.md).
CHANNELS: tuple[str, ...] = ("sms", "email", "call", "letter", "app")
#: Outcomes of a logged contact (design.md).
OUTCOMES: tuple[str, ...] = (
    "no_answer", "conversation", "promise_to_pay", "refused", "wrong_party", "message_sent",
)
#: Boolean flags on a borrower; the policy reads them, the model never does.
BORROWER_FLAGS: tuple[str, ...] = (
    "do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable",
    "hardship_declared",
)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@lru_cache(maxsize=1)
def valid_timezones() -> frozenset[str]:
    """The IANA time-zone names known to :mod:`zoneinfo` (backed by the ``tzdata`` package)."""
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def parse_channels(value: object) -> tuple[str, ...]:
    """Split a ``channels_allowed`` cell into channel names.

    The contract stores the allowed channels as one comma-separated string (``"sms,email"``;
    ``""`` allows none), which travels unchanged through CSV, parquet and Spark. A list or
    tuple of names is accepted too.

    Examples
    --------
    >>> parse_channels("sms, email")
    ('sms', 'email')
    >>> parse_channels("")
    ()
    """
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value)
    return ()


def _is_midnight(s: pd.Series) -> pd.Series:
    return s.isna() | (s == s.dt.normalize())


class InstallmentsSchema(pa.DataFrameModel):
    """One row per payment towards an installment, or one row for an unpaid installment.

    Several partial payments towards one installment are several rows sharing
    ``loan_id, installment_no``. Dates are calendar dates (``datetime64`` at midnight).
    Prefer :func:`riskscore.validate_installments`, which adds the cross-row checks.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.schemas import InstallmentsSchema
    >>> df = pd.DataFrame({"borrower_id": ["b1"], "loan_id": ["l1"], "installment_no": [1],
    ...     "due_date": pd.to_datetime(["2024-03-01"]), "amount_due": [100.0],
    ...     "paid_date": pd.to_datetime([None]), "amount_paid": [0.0]})
    >>> len(InstallmentsSchema.validate(df))
    1
    """

    borrower_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    loan_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    installment_no: Series[int] = pa.Field(ge=1, nullable=False)
    due_date: Series[pd.Timestamp] = pa.Field(nullable=False)
    amount_due: Series[float] = pa.Field(ge=0, nullable=False)
    paid_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    amount_paid: Series[float] = pa.Field(ge=0, nullable=False)

    @pa.check("due_date", "paid_date", name="is_calendar_date")
    @classmethod
    def _calendar_date(cls, s: pd.Series) -> pd.Series:
        return _is_midnight(s)

    class Config:
        name = "installments"
        coerce = True
        strict = False


class BorrowersSchema(pa.DataFrameModel):
    """One row per borrower: where and how the borrower may be contacted, and policy flags.

    Prefer :func:`riskscore.validate_borrowers`, which adds the cross-column checks.

    Examples
    --------
    >>> from riskscore.schemas import BorrowersSchema
    >>> sorted(BorrowersSchema.to_schema().columns)[:3]
    ['bankruptcy', 'borrower_id', 'cease_requested']
    """

    borrower_id: Series[str] = pa.Field(nullable=False, unique=True, str_length={"min_value": 1})
    timezone: Series[str] = pa.Field(nullable=False)
    channels_allowed: Series[str] = pa.Field(nullable=False)
    preferred_channel: Series[str] = pa.Field(nullable=True, isin=list(CHANNELS))
    language: Series[str] = pa.Field(nullable=False, str_matches=_LANGUAGE.pattern)
    do_not_contact: Series[bool] = pa.Field(nullable=False)
    cease_requested: Series[bool] = pa.Field(nullable=False)
    dispute_open: Series[bool] = pa.Field(nullable=False)
    bankruptcy: Series[bool] = pa.Field(nullable=False)
    deceased: Series[bool] = pa.Field(nullable=False)
    vulnerable: Series[bool] = pa.Field(nullable=False)
    hardship_declared: Series[bool] = pa.Field(nullable=False)

    @pa.check("timezone", name="is_iana_timezone")
    @classmethod
    def _iana(cls, s: pd.Series) -> pd.Series:
        return s.isin(valid_timezones())

    @pa.check("channels_allowed", name="channels_in_vocabulary")
    @classmethod
    def _channels(cls, s: pd.Series) -> pd.Series:
        known = set(CHANNELS)
        return s.map(lambda v: set(parse_channels(v)) <= known).astype(bool)

    class Config:
        name = "borrowers"
        coerce = True
        strict = False


class ContactsSchema(pa.DataFrameModel):
    """The contact log: one row per contact attempt or message, timestamps in UTC.

    Examples
    --------
    >>> from riskscore.schemas import ContactsSchema
    >>> str(ContactsSchema.to_schema().columns["contacted_at"].dtype)
    'datetime64[ns, UTC]'
    """

    borrower_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    contacted_at: Series[pd.DatetimeTZDtype] = pa.Field(
        nullable=False, dtype_kwargs={"unit": "ns", "tz": "UTC"}
    )
    channel: Series[str] = pa.Field(nullable=False, isin=list(CHANNELS))
    outcome: Series[str] = pa.Field(nullable=False, isin=list(OUTCOMES))

    class Config:
        name = "contacts"
        coerce = True
        strict = False
