"""Exact duplicate rows are dropped and counted; the optional currency column holds one currency."""

from __future__ import annotations

import pandas as pd
import pytest

from riskscore import DataError, quarantine, validate_installments
from riskscore.schemas import DUPLICATES_DROPPED, InstallmentsSchema, single_currency, table_currency


def test_exact_duplicates_are_dropped_once_and_counted(installments):
    # the same row three times (once as a datetime, once with an id written as a number): two dropped
    again = installments.iloc[[3, 3]].assign(due_date=[pd.Timestamp("2024-03-05"), "2024-03-05"])
    df = pd.concat([installments, again], ignore_index=True)
    out = validate_installments(df)
    assert out.index.tolist() == [0, 1, 2, 3]
    assert out.attrs[DUPLICATES_DROPPED] == 2
    assert validate_installments(installments).attrs[DUPLICATES_DROPPED] == 0


def test_quarantine_keeps_the_borrower_of_an_exact_duplicate(installments):
    df = pd.concat([installments, installments.iloc[[0]]], ignore_index=True)
    good, rejects = quarantine(df, warn_above=1.0)
    assert good.index.tolist() == [0, 1, 2, 3] and rejects.empty
    assert good.attrs[DUPLICATES_DROPPED] == rejects.attrs[DUPLICATES_DROPPED] == 1


def test_columns_outside_the_contract_are_not_compared(installments):
    df = pd.concat([installments, installments.iloc[[3]]], ignore_index=True).assign(extract_row=range(5))
    assert validate_installments(df).attrs[DUPLICATES_DROPPED] == 1


def test_two_payments_of_one_installment_on_one_day_are_two_payments(installments):
    """Real extracts (Home Credit) pay one installment in parts on one day: not duplicates."""
    df = pd.concat([installments, installments.iloc[[0]].assign(amount_paid=10.0)], ignore_index=True)
    good, rejects = quarantine(df, warn_above=1.0)
    assert rejects.empty and len(good) == len(df)
    assert good.attrs[DUPLICATES_DROPPED] == rejects.attrs[DUPLICATES_DROPPED] == 0


def test_unreadable_rows_are_rejected_not_dropped(installments):
    bad = installments.iloc[[3]].assign(amount_due="lots")
    good, rejects = quarantine(pd.concat([installments, bad, bad], ignore_index=True), warn_above=1.0)
    assert good.attrs[DUPLICATES_DROPPED] == 0
    assert sorted(rejects.index) == [3, 4, 5]


def test_lowercase_currency_is_read_upper_case(installments):
    out = validate_installments(installments.assign(currency=["twd", "Twd", " TWD", "TWD"]))
    assert out["currency"].tolist() == ["TWD"] * 4
    assert table_currency(out) == "TWD"


def test_no_currency_column_is_fine(installments):
    out = validate_installments(installments)
    assert out["currency"].isna().all()
    assert table_currency(installments) is None
    assert "currency" in InstallmentsSchema.to_schema().columns


@pytest.mark.parametrize("code", ["US$", "EURO", "12A", None])
def test_a_bad_currency_code_is_a_row_reject(installments, code):
    df = installments.assign(currency=["USD", "USD", "USD", code])
    good, rejects = quarantine(df, warn_above=1.0)
    assert rejects.index.tolist() == [3]
    assert rejects["check"].tolist() == ["currency_code"]
    assert rejects["reason"].iloc[0].startswith("currency must be an ISO 4217 code of three letters")
    assert good["currency"].unique().tolist() == ["USD"]


def test_two_currencies_are_refused_in_one_line(installments):
    df = installments.assign(currency=["TWD", "twd", "USD", "TWD"])
    message = ("installments: the currency column holds 2 currencies (TWD 3 rows, USD 1 row); a run, a training set "
               "and a model bundle are in one currency and riskscore converts none: convert the amounts to one "
               "currency before riskscore, or split the extract by currency and run each part")
    for call in (validate_installments, lambda d: quarantine(d, warn_above=1.0)):
        with pytest.raises(DataError) as info:
            call(df)
        assert str(info.value) == message


def test_single_currency_names_the_input():
    with pytest.raises(DataError, match=r"^installments 'x.csv': the currency column holds 2 currencies \(EUR 2 rows"):
        single_currency({"USD": 1, "EUR": 2}, where="x.csv")
