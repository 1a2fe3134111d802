"""Data contracts: pandera models and the validation entry points built on them."""

from riskscore.schemas._checks import DATA_DATE_QUANTILE, FUTURE_TOLERANCE_DAYS, data_date_from
from riskscore.schemas._population import (
    NEVER,
    SETTLE_TOLERANCE,
    first_in_group,
    is_settled,
    outstanding_at,
    settlement_dates,
    settlement_scan,
)
from riskscore.schemas._tables import (
    BORROWER_FLAGS,
    CHANNELS,
    DIRECTIONS,
    EVENT_OUTCOMES,
    OPTIONAL_COLUMNS,
    OUTCOMES,
    BorrowersSchema,
    ContactsSchema,
    InstallmentsSchema,
    parse_channels,
    parse_consents,
    parse_hours,
    valid_timezones,
)
from riskscore.schemas._validate import (
    quarantine,
    validate_borrowers,
    validate_contacts,
    validate_installments,
)

__all__ = [
    "BORROWER_FLAGS",
    "CHANNELS",
    "DATA_DATE_QUANTILE",
    "DIRECTIONS",
    "EVENT_OUTCOMES",
    "FUTURE_TOLERANCE_DAYS",
    "NEVER",
    "OPTIONAL_COLUMNS",
    "OUTCOMES",
    "SETTLE_TOLERANCE",
    "BorrowersSchema",
    "ContactsSchema",
    "InstallmentsSchema",
    "data_date_from",
    "first_in_group",
    "is_settled",
    "outstanding_at",
    "parse_channels",
    "parse_consents",
    "parse_hours",
    "quarantine",
    "settlement_dates",
    "settlement_scan",
    "valid_timezones",
    "validate_borrowers",
    "validate_contacts",
    "validate_installments",
]
