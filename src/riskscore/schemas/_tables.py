"""pandera data contracts for riskscore's input tables (design.md, "Data contracts").

The models are usable on their own (``InstallmentsSchema.validate(df, lazy=True)``), but the
public entry points are :func:`riskscore.validate_installments` and friends, which add the
cross-row checks a column schema cannot express and raise :class:`riskscore.DataError`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Optional

import numpy as np
import pandas as pd

from riskscore._language import LANGUAGE_PATTERN
from riskscore._pandera import Series, pa

__all__ = [
    "BORROWER_FLAGS",
    "CHANNELS",
    "DIRECTIONS",
    "EVENT_OUTCOMES",
    "OPTIONAL_COLUMNS",
    "OUTCOMES",
    "BorrowersSchema",
    "ContactsSchema",
    "InstallmentsSchema",
    "parse_addressed",
    "parse_channels",
    "parse_consents",
    "parse_hours",
    "valid_timezones",
]

#: Contact channels a borrower can allow (design.md).
CHANNELS: tuple[str, ...] = ("sms", "email", "call", "letter", "app")
#: Outcomes of a logged contact. The first six are design.md's; the policy issue added
#: ``not_connected`` (busy signal, number not in service: not a counted call, 12 CFR
#: 1006.14(b)(3)(ii)), ``voicemail`` (reached voicemail: a counted call) and the events in
#: :data:`EVENT_OUTCOMES`.
OUTCOMES: tuple[str, ...] = (
    "no_answer", "conversation", "promise_to_pay", "refused", "wrong_party", "message_sent",
    "not_connected", "voicemail", "opt_out", "consent", "consent_revoked",
)
#: Outcomes that record what the borrower told us rather than a contact: an opt-out of the row's
#: channel, a direct consent to it, and the withdrawal of that consent.
EVENT_OUTCOMES: tuple[str, ...] = ("opt_out", "consent", "consent_revoked")
#: Who started a logged contact.
DIRECTIONS: tuple[str, ...] = ("outbound", "inbound")
#: Boolean flags on a borrower; the policy reads them, the model never does. The first seven are
#: design.md's and required; the rest are optional columns (default ``False``).
BORROWER_FLAGS: tuple[str, ...] = (
    "do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable",
    "hardship_declared", "attorney_represented", "breathing_space", "refuses_automated",
    "complaint_open", "time_barred",
)
#: Columns a table may omit, with the value a missing column takes. They were added after the
#: first contract, so tables written for it stay valid.
OPTIONAL_COLUMNS: dict[str, dict[str, object]] = {
    "installments": {"currency": None},
    "borrowers": {
        "timezone_candidates": "", "opt_outs": "", "consents": "", "inconvenient_hours": "", "destinations": "",
        "attorney_represented": False, "breathing_space": False, "refuses_automated": False,
        "complaint_open": False, "time_barred": False, "valid_from": None,
    },
    "contacts": {"direction": "outbound", "loan_id": None, "destination": None},
}
#: The borrowers' columns whose cell is a comma-separated list (``"sms,email"``): a list of text in
#: their place (Spark's ``array<string>``, a pandas column of lists) is read as that text, its items
#: joined by commas (missing items left out, as Spark's ``array_join``).
TEXT_LIST_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    ("borrowers", c) for c in ("channels_allowed", "consents", "opt_outs", "timezone_candidates",
                               "inconvenient_hours", "destinations"))
_HOURS = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_LANGUAGE = re.compile(LANGUAGE_PATTERN)  # any case, subtags after - or _ (EN, en-US, zh_Hans)


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


def parse_consents(value: object) -> tuple[tuple[str, str | None], ...]:
    """Split a ``consents`` cell into (channel, date or None) pairs.

    Each comma-separated entry is a channel, optionally with the date the consent was given
    (``sms@2026-01-05``). An undated entry says the borrower consented at some time: it can
    never show that a consent is recent. A cell that cannot be read raises ``ValueError``.

    Examples
    --------
    >>> parse_consents("sms@2026-01-05, email")
    (('sms', '2026-01-05'), ('email', None))
    >>> parse_consents(None)
    ()
    """
    out = []
    for part in parse_channels(value):
        channel, at, day = part.partition("@")
        channel, day = channel.strip(), day.strip()
        if at:
            try:
                datetime.date.fromisoformat(day if _DATE.match(day) else "invalid")
            except ValueError:
                raise ValueError(f"{part!r}: a consent's date must be a date YYYY-MM-DD") from None
        out.append((channel, day if at else None))
    return tuple(out)


def parse_addressed(value: object) -> tuple[tuple[str, str | None], ...]:
    """Split a ``destinations`` or ``opt_outs`` cell into (channel, destination id or None) pairs.

    Each comma-separated entry is a channel, or ``channel:id`` for one number or address of it:
    an opaque id the lender gives each phone number or e-mail address (never the number
    itself). A cell that cannot be read raises ``ValueError``.

    Examples
    --------
    >>> parse_addressed("call:p1, sms:p1, email")
    (('call', 'p1'), ('sms', 'p1'), ('email', None))
    """
    out = []
    for part in parse_channels(value):
        channel, colon, ident = part.partition(":")
        channel, ident = channel.strip(), ident.strip()
        if colon and not _ID.match(ident):
            raise ValueError(f"{part!r}: a destination id is letters, digits, '_', '.' or '-'")
        out.append((channel, ident if colon else None))
    return tuple(out)


def parse_hours(value: object) -> tuple[tuple[int, int], ...]:
    """Split an ``inconvenient_hours`` cell into (start, end) minutes of the local day.

    The cell is a comma-separated list of ``HH:MM-HH:MM`` ranges in the borrower's own time
    zone; a range that ends before it starts wraps past midnight (``22:00-07:00``). A cell that
    cannot be read raises ``ValueError``.

    Examples
    --------
    >>> parse_hours("12:00-13:30, 22:00-07:00")
    ((720, 810), (1320, 420))
    >>> parse_hours("")
    ()
    """
    if value is None or (isinstance(value, float) and value != value):
        return ()
    out = []
    for part in str(value).split(","):
        if not part.strip():
            continue
        m = _HOURS.match(part)
        if m is None:
            raise ValueError(f"{part.strip()!r} is not an HH:MM-HH:MM range")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"{part.strip()!r} is not an HH:MM-HH:MM range")
        out.append((h1 * 60 + m1, h2 * 60 + m2))
    return tuple(out)


def _per_distinct(s: pd.Series, ok: Callable[[object], bool]) -> pd.Series:
    """``ok`` of each cell, computed once per distinct value (cells repeat across a portfolio)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    values = np.array([bool(ok(u)) for u in uniques], dtype=bool)
    return pd.Series(values[codes] if len(codes) else np.zeros(0, dtype=bool), index=s.index)


def _addressed_ok(value: object, *, need_id: bool) -> bool:
    try:
        entries = parse_addressed(value)
    except ValueError:
        return False
    return all(ch in CHANNELS and (ident is not None or not need_id) for ch, ident in entries)


def _is_midnight(s: pd.Series) -> pd.Series:
    if s.dtype.kind == "M":  # naive datetimes: a whole number of days since the epoch (NaT passes)
        values = s.to_numpy()
        unit, count = np.datetime_data(values.dtype)
        day = np.timedelta64(1, "D") // np.timedelta64(count, unit)
        return pd.Series(np.isnat(values) | (values.view(np.int64) % day == 0), index=s.index)
    return s.isna() | (s == s.dt.normalize())


class InstallmentsSchema(pa.DataFrameModel):
    """One row per payment towards an installment, or one row for an unpaid installment.

    Several partial payments towards one installment are several rows sharing
    ``loan_id, installment_no`` (two payments on the same day are one row with the summed
    amount). Dates are calendar dates (``datetime64`` at midnight). The optional ``currency``
    column holds the ISO 4217 code of the amounts; a table is in one currency. An unpaid
    installment has no ``paid_date`` and ``amount_paid`` 0; :func:`riskscore.validate_installments`
    (and every reader of the nightly job) also reads an empty ``amount_paid`` on a row without
    ``paid_date`` as that 0, as ledgers write it.
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
    # Optional: the ISO 4217 code of the amounts (read upper-case; one currency per table, see
    # riskscore.schemas.table_currency). Checked by riskscore.validate_installments, not here.
    currency: Optional[Series[str]] = pa.Field(nullable=True)  # noqa: UP045 - pandera reads Optional

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

    A table **versioned in time** has an optional ``valid_from`` column (a date, or a time: when the
    change was recorded): each row holds from then until the borrower's next row (an empty
    ``valid_from``: since always), and a borrower may have one row per ``valid_from``;
    :func:`borrowers_as_of` gives the rows in effect on a date (a row of that day included).
    Without the column a borrower has one row.

    Optional columns (see :data:`OPTIONAL_COLUMNS`): ``timezone_candidates`` (more IANA zones the
    borrower may be in, comma-separated; contact times must suit all of them), ``opt_outs``
    (channels the borrower asked us not to use, or ``channel:id`` for one number or address),
    ``consents`` (channels the borrower consented to directly, each optionally with the date of
    the consent, ``sms@2026-01-05,email``: see :func:`parse_consents`), ``inconvenient_hours``
    (local ``HH:MM-HH:MM`` ranges the borrower designated as inconvenient), ``destinations``
    (the borrower's numbers and addresses as opaque ids, ``call:p1,sms:p1,email:e1``, in order
    of preference: see :func:`parse_addressed`); a null cell in these five means none; and the
    flags ``attorney_represented``, ``breathing_space``, ``refuses_automated``,
    ``complaint_open`` and ``time_barred``.

    Prefer :func:`riskscore.validate_borrowers`, which adds the cross-column checks.

    Examples
    --------
    >>> from riskscore.schemas import BorrowersSchema
    >>> sorted(BorrowersSchema.to_schema().columns)[:4]
    ['attorney_represented', 'bankruptcy', 'borrower_id', 'breathing_space']
    """

    # unique per valid_from (one row per borrower without it): checked by riskscore.validate_borrowers
    borrower_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
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
    # Optional (OPTIONAL_COLUMNS gives their defaults): the contact policy's extra inputs.
    timezone_candidates: Series[str] = pa.Field(nullable=True)
    opt_outs: Series[str] = pa.Field(nullable=True)
    consents: Series[str] = pa.Field(nullable=True)
    inconvenient_hours: Series[str] = pa.Field(nullable=True)
    destinations: Series[str] = pa.Field(nullable=True)
    attorney_represented: Series[bool] = pa.Field(nullable=False)
    breathing_space: Series[bool] = pa.Field(nullable=False)
    refuses_automated: Series[bool] = pa.Field(nullable=False)
    complaint_open: Series[bool] = pa.Field(nullable=False)
    time_barred: Series[bool] = pa.Field(nullable=False)
    # Optional: when the row starts to hold (a table versioned in time); empty: since always. A time of
    # day is kept (a warehouse records when a change was made): readers take the rows of a day by its date.
    valid_from: Series[pd.Timestamp] = pa.Field(nullable=True)

    @pa.check("timezone", name="is_iana_timezone")
    @classmethod
    def _iana(cls, s: pd.Series) -> pd.Series:
        return s.isin(valid_timezones())

    @pa.check("timezone_candidates", name="are_iana_timezones")
    @classmethod
    def _iana_list(cls, s: pd.Series) -> pd.Series:
        zones = valid_timezones()
        return _per_distinct(s, lambda v: set(parse_channels(v)) <= zones)  # null: none

    @pa.check("channels_allowed", name="channels_in_vocabulary")
    @classmethod
    def _channels(cls, s: pd.Series) -> pd.Series:
        known = set(CHANNELS)
        return _per_distinct(s, lambda v: set(parse_channels(v)) <= known)

    @pa.check("opt_outs", name="channels_in_vocabulary")
    @classmethod
    def _opt_outs(cls, s: pd.Series) -> pd.Series:  # a channel, or channel:id for one number or address
        return _per_distinct(s, lambda v: _addressed_ok(v, need_id=False))

    @pa.check("destinations", name="destinations_in_vocabulary")
    @classmethod
    def _destinations(cls, s: pd.Series) -> pd.Series:
        return _per_distinct(s, lambda v: _addressed_ok(v, need_id=True))

    @pa.check("consents", name="dated_channels_in_vocabulary")
    @classmethod
    def _consents(cls, s: pd.Series) -> pd.Series:
        def ok(v: object) -> bool:
            try:
                entries = parse_consents(v)
            except ValueError:
                return False
            return all(ch in CHANNELS for ch, _ in entries)

        return _per_distinct(s, ok)

    @pa.check("inconvenient_hours", name="is_hour_ranges")
    @classmethod
    def _hours(cls, s: pd.Series) -> pd.Series:
        def ok(v: object) -> bool:
            try:
                parse_hours(v)
            except ValueError:
                return False
            return True

        return _per_distinct(s, ok)

    class Config:
        name = "borrowers"
        coerce = True
        strict = False


class ContactsSchema(pa.DataFrameModel):
    """The contact log: one row per contact attempt or message, timestamps in UTC.

    ``direction`` (``outbound`` by default) says who started the contact; an inbound call counts
    as a conversation but not towards call caps. ``loan_id`` (optional, null = every debt of the
    borrower) names the debt a contact was about; ``destination`` (optional, null = the channel
    as a whole) the number or address, as an id of the borrowers' ``destinations``. Rows whose
    ``outcome`` is in :data:`EVENT_OUTCOMES` record an opt-out of, a consent to, or a withdrawn
    consent to the row's ``channel`` (or only its ``destination``).

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
    # Optional (OPTIONAL_COLUMNS gives their defaults).
    direction: Series[str] = pa.Field(nullable=False, isin=list(DIRECTIONS))
    loan_id: Series[str] = pa.Field(nullable=True)
    destination: Series[str] = pa.Field(nullable=True)

    class Config:
        name = "contacts"
        coerce = True
        strict = False
