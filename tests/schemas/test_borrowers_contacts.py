"""The borrowers and contacts contracts."""

from __future__ import annotations

import pandas as pd
import pytest

from riskscore import DataError, validate_borrowers, validate_contacts
from riskscore.schemas import OPTIONAL_COLUMNS


def _failure(fn, df) -> pd.DataFrame:
    with pytest.raises(DataError) as info:
        fn(df)
    return info.value.failure_cases


def test_valid_borrowers(borrowers):
    out = validate_borrowers(borrowers)
    assert out["do_not_contact"].dtype == bool
    assert out["preferred_channel"].isna().tolist() == [False, True]


def test_flag_text_is_read(borrowers):
    out = validate_borrowers(borrowers.assign(vulnerable=["yes", "0"]))
    assert out["vulnerable"].tolist() == [True, False]


def test_lists_of_channels_are_read_as_their_comma_text(borrowers):
    """A pandas column of lists (as a parquet ``array<string>`` reads), as the file readers read it."""
    out = validate_borrowers(borrowers.assign(channels_allowed=[["sms", "call"], ("email",)],
                                              consents=[["sms", None], []]))
    assert out["channels_allowed"].tolist() == ["sms,call", "email"]
    assert out["consents"].tolist() == ["sms", ""]
    with pytest.raises(DataError, match="language"):  # one value per row anywhere else
        validate_borrowers(borrowers.assign(language=[["zh"], ["en"]]))


@pytest.mark.parametrize(("values", "read"), [
    ([1.0, 0.0], [True, False]),  # pandas writes a flag column that once held a missing value as floats
    (["1.0", "0.0"], [True, False]),  # ... and so as text in a CSV
    (["是", "否"], [True, False]),  # yes and no as Chinese systems export them
    (["TRUE", "N"], [True, False]),
])
def test_flags_as_spreadsheets_and_pandas_write_them(borrowers, values, read):
    assert validate_borrowers(borrowers.assign(deceased=values))["deceased"].tolist() == read


@pytest.mark.parametrize("value", [2.0, 0.5, "2", "maybe", None])
def test_a_flag_that_is_not_one_is_a_reject_never_false(borrowers, value):
    cases = _failure(validate_borrowers, borrowers.assign(deceased=[value, False]))
    assert cases["column"].tolist() == ["deceased"]


#: Said of a value that is no IANA zone, with the mapping that reads it (an offset names no zone).
TZ_REASON = ("timezone is not an IANA time-zone name (e.g. 'Asia/Shanghai'); an offset such as UTC+8 or +08:00 names "
             "no zone (daylight saving and holidays follow the zone): map each of your values to its zone in the "
             "columns file, borrowers: {timezone: {'UTC+8': Asia/Shanghai}}")


@pytest.mark.parametrize(
    ("column", "value", "check", "reason"),
    [
        ("borrower_id", "b1", "field_uniqueness", "borrower_id must be unique: it appears more than once"),
        ("timezone", "Mars/Olympus", "is_iana_timezone", TZ_REASON),
        ("timezone", "CST", "is_iana_timezone", TZ_REASON),
        ("timezone", "UTC+8", "is_iana_timezone", TZ_REASON),
        ("channels_allowed", "sms,pigeon", "channels_in_vocabulary",
         "channels_allowed must be a comma-separated list of sms, email, call, letter, app"),
        ("preferred_channel", "fax", "isin(['sms', 'email', 'call', 'letter', 'app'])",
         "preferred_channel must be one of the contract's values"),
        ("preferred_channel", "sms", "preferred_in_channels_allowed",
         "preferred_channel is not among channels_allowed"),
        ("language", "English", "str_matches('^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$')",
         "language must be a language code such as 'en', 'zh' or 'zh-CN'"),
        ("deceased", "maybe", "coerce_dtype('bool')", "deceased cannot be read as bool"),
        ("bankruptcy", None, "not_nullable", "bankruptcy is required but missing"),
        ("channels_allowed", None, "not_nullable",
         'channels_allowed is required but missing; a borrower who allows no channel has an empty text: a quoted "" '
         'in a CSV (an empty cell without quotes is missing), "" in parquet or pandas; an extract that writes missing '
         "as \\N (PostgreSQL's COPY) and no channel as an empty cell says so in the columns file: borrowers: "
         "{channels_allowed: {'': ''}}"),
        ("timezone_candidates", "America/New_York,EST5", "are_iana_timezones",
         "timezone_candidates must be a comma-separated list of IANA time-zone names (e.g. 'America/New_York')"),
        ("opt_outs", "call,fax", "channels_in_vocabulary",
         "opt_outs must be a comma-separated list of sms, email, call, letter, app"),
        ("inconvenient_hours", "noon-2pm", "is_hour_ranges",
         "inconvenient_hours must be a comma-separated list of local HH:MM-HH:MM ranges (e.g. '12:00-14:00')"),
        ("breathing_space", "perhaps", "coerce_dtype('bool')", "breathing_space cannot be read as bool"),
    ],
)
def test_borrower_checks(borrowers, column, value, check, reason):
    if column not in borrowers:  # an optional column
        borrowers = borrowers.assign(**{column: OPTIONAL_COLUMNS["borrowers"][column]})
    bad = borrowers.astype({column: object})
    bad.loc[1, column] = value
    fc = _failure(validate_borrowers, bad)
    rows = fc[(fc["column"] == column) & (fc["check"] == check)]
    assert 1 in rows["index"].tolist(), fc
    assert rows["reason"].iloc[0] == reason


def test_optional_borrower_columns_take_their_defaults(borrowers):
    out = validate_borrowers(borrowers)
    assert out["timezone_candidates"].tolist() == ["", ""]
    assert out["breathing_space"].dtype == bool
    assert not out["attorney_represented"].any()
    given = validate_borrowers(borrowers.assign(opt_outs=["call", ""], inconvenient_hours=["12:00-14:00", ""]))
    assert given["opt_outs"].tolist() == ["call", ""]


def test_optional_contact_columns_take_their_defaults(contacts):
    out = validate_contacts(contacts)
    assert out["direction"].tolist() == ["outbound", "outbound"]
    assert out["loan_id"].isna().all()
    given = validate_contacts(contacts.assign(direction=["inbound", "outbound"], outcome=["opt_out", "consent"]))
    assert given["direction"].tolist() == ["inbound", "outbound"]


def test_valid_contacts_are_utc(contacts):
    shanghai = contacts.assign(contacted_at=contacts["contacted_at"].dt.tz_convert("Asia/Shanghai"))
    out = validate_contacts(shanghai)
    assert str(out["contacted_at"].dtype) == "datetime64[ns, UTC]"
    assert out["contacted_at"].iloc[0] == pd.Timestamp("2024-03-03T02:00:00Z")


def test_vocabulary_columns_are_read_in_any_case_without_surrounding_spaces(borrowers, contacts):
    out = validate_borrowers(borrowers.assign(channels_allowed=["SMS, Email", "sms"], preferred_channel=[" Sms", None],
                                              timezone=["asia/shanghai", "America/New_York "]))
    assert out["channels_allowed"].tolist() == ["sms,email", "sms"] and out["preferred_channel"].iloc[0] == "sms"
    assert out["timezone"].tolist() == ["Asia/Shanghai", "America/New_York"]
    log = validate_contacts(contacts.assign(channel=["SMS", "Call "], outcome=["Message_Sent", "NO_ANSWER"]))
    assert log["channel"].tolist() == ["sms", "call"] and log["outcome"].tolist() == ["message_sent", "no_answer"]
    cases = _failure(validate_borrowers, borrowers.assign(channels_allowed=["sms;email", "sms"]))
    assert cases["check"].tolist()[0] == "channels_in_vocabulary"  # the list separator is a comma, not guessed


@pytest.mark.parametrize(("text", "utc"), [
    ("2024-03-03 10:00:00+08", "2024-03-03T02:00:00Z"),  # PostgreSQL's timestamptz text: hours-only offset
    ("2024-03-03 10:00:00.5-05", "2024-03-03T15:00:00.5Z"),
    ("2024-03-03T10:00+0800", "2024-03-03T02:00:00Z"),
])
def test_contact_times_with_any_iso_offset_are_read(contacts, text, utc):
    out = validate_contacts(contacts.assign(contacted_at=[text, "2024-03-06T15:30:00Z"]))
    assert out["contacted_at"].iloc[0] == pd.Timestamp(utc)


def test_naive_contact_times_are_refused(contacts):
    fc = _failure(validate_contacts, contacts.assign(contacted_at=["2024-03-03 02:00", "2024-03-06 15:30"]))
    assert fc["check"].unique().tolist() == ["timezone_awareness"]
    assert fc["reason"].iloc[0].startswith("contacted_at must hold timezone-aware (UTC) timestamps")


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [("channel", "whatsapp", "channel must be one of the contract's values"),
     ("outcome", "threatened", "outcome must be one of no_answer, conversation, promise_to_pay, refused, "
                               "wrong_party, message_sent, not_connected, voicemail, opt_out, consent, "
                               "consent_revoked"),
     ("direction", "sideways", "direction must be one of the contract's values")],
)
def test_contact_vocabularies(contacts, column, value, reason):
    contacts = validate_contacts(contacts)  # fills the optional columns
    fc = _failure(validate_contacts, contacts.assign(**{column: [value, contacts[column].iloc[1]]}))
    assert fc["index"].tolist() == [0]
    assert fc["reason"].iloc[0] == reason


def test_exact_duplicate_contact_is_dropped(contacts):
    out = validate_contacts(pd.concat([contacts, contacts.iloc[[1]]], ignore_index=True))
    assert out.index.tolist() == [0, 1]
    assert out.attrs["duplicates_dropped"] == 1


def test_contacts_sharing_a_key_with_other_values_fail(contacts):
    twin = contacts.iloc[[1]].assign(loan_id="l9")
    fc = _failure(validate_contacts, pd.concat([contacts.assign(loan_id=None), twin], ignore_index=True))
    assert fc["check"].tolist() == ["duplicate_key", "duplicate_key"]
    assert fc["index"].tolist() == [1, 2]
    assert fc["reason"].iloc[0] == ("several rows for borrower b2 email message_sent at 2024-03-06 15:30:00+00:00 "
                                    "with different loan_id; log one contact as one row (keep one)")
