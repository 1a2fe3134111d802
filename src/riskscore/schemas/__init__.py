"""Data contracts: pandera models and the validation entry points built on them."""

from riskscore.schemas._population import SETTLE_TOLERANCE, is_settled, outstanding_at, settlement_dates
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
    "DIRECTIONS",
    "EVENT_OUTCOMES",
    "OPTIONAL_COLUMNS",
    "OUTCOMES",
    "SETTLE_TOLERANCE",
    "BorrowersSchema",
    "ContactsSchema",
    "InstallmentsSchema",
    "is_settled",
    "outstanding_at",
    "parse_channels",
    "parse_hours",
    "quarantine",
    "settlement_dates",
    "valid_timezones",
    "validate_borrowers",
    "validate_contacts",
    "validate_installments",
]
