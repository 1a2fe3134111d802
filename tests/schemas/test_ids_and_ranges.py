"""Ids compared as exact text, implausible values quarantined, never a crash (issue 18, the contracts' side)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from riskscore import DataQualityWarning, quarantine, validate_contacts, validate_installments
from riskscore.schemas import DATE_MAX, DATE_MIN, calendar_dates, id_text
from riskscore.schemas._checks import installment_checks


def _installments(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({
        "borrower_id": ["b1"] * 3 + ["b2"] * 3, "loan_id": ["l1"] * 3 + ["l2"] * 3, "installment_no": [1, 2, 3] * 2,
        "due_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"] * 2), "amount_due": 100.0,
        "paid_date": pd.to_datetime(["2024-01-01", None, None] * 2), "amount_paid": [100.0, 0.0, 0.0] * 2,
    }).iloc[:n]


def test_whole_number_ids_are_one_id_whatever_their_type():
    df = _installments().astype({"borrower_id": object, "loan_id": object})
    df.loc[[0, 1], "borrower_id"] = [1, 1.0]
    df.loc[2, "borrower_id"] = "1"
    df.loc[:2, "loan_id"] = [7.0, np.int64(7), "7"]
    typed = validate_installments(df)
    assert typed["borrower_id"].tolist()[:3] == ["1", "1", "1"]
    assert typed["loan_id"].tolist()[:3] == ["7", "7", "7"]


def test_ids_are_never_trimmed_or_read_as_missing():
    text, bad = id_text(pd.Series(["000123", "NA", "null", "None", "nan"]))
    assert text.tolist() == ["000123", "NA", "null", "None", "nan"] and not bad.any()


def test_a_huge_installment_number_rejects_its_row_and_its_borrower_only():
    df = _installments()
    df.loc[4, "installment_no"] = 2**62
    good, rejects = quarantine(df, "installments", warn_above=1.0)
    assert set(good["borrower_id"]) == {"b1"}
    assert rejects.loc[4, "check"] == "installment_no_out_of_range"
    assert (rejects.drop(index=4)["check"] == "borrower_has_rejected_rows").all()


def test_the_installment_key_does_not_overflow_on_a_huge_number():
    # loans 0 and 4 (factorized codes) of different borrowers: with the key loan * (max + 1) + number,
    # max = 2**62 wrapped loan 4's installments 1, 2 onto loan 0's 5, 6
    loans = [f"l{k}" for k in range(5)]
    rows = [(f"b{k}", loan, n) for k, loan in enumerate(loans) for n in range(1, 7 if k == 0 else 4)]
    rows.append(("b1", "l1", 2**62))
    df = pd.DataFrame(rows, columns=["borrower_id", "loan_id", "installment_no"]).assign(
        installment_no=lambda d: d["installment_no"].astype(float), due_date=pd.Timestamp("2024-01-01"),
        amount_due=10.0, paid_date=pd.NaT, amount_paid=0.0)
    failures = installment_checks(df, data_date=pd.Timestamp("2025-01-01"), early_payment_tolerance_days=90,
                                  future_tolerance_days=31)
    assert failures.empty, failures


@pytest.mark.parametrize("stored", [
    pd.Series(pd.to_datetime(["2024-03-01", "2024-04-01"])).dt.tz_localize("America/New_York"),
    pd.Series(["2024-03-01T00:00:00-05:00", "2024-04-01T00:00:00+08:00"], dtype=object),
])
def test_timezone_aware_midnights_are_the_calendar_dates_of_their_zone(stored):
    df = _installments(2).assign(due_date=stored.to_numpy(), paid_date=pd.NaT, amount_paid=0.0)
    typed = validate_installments(df)
    assert typed["due_date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]


@pytest.mark.parametrize("when", ["2300-01-01T00:00:00Z", dt.datetime(1, 1, 1, tzinfo=dt.UTC),
                                  pd.Timestamp("2262-05-01", tz="UTC").as_unit("s")])
def test_a_contact_time_out_of_range_is_a_failure_naming_contacted_at(when):
    df = pd.DataFrame({"borrower_id": ["b1", "b2"], "contacted_at": pd.Series(["2024-03-01T02:00:00Z", when],
                                                                                 dtype=object),
                       "channel": "sms", "outcome": "message_sent"})
    good, rejects = quarantine(df, "contacts", warn_above=1.0)
    assert good["borrower_id"].tolist() == ["b1"]
    assert rejects[["column", "check"]].values.tolist() == [["contacted_at", "date_out_of_range"]]
    assert str(validate_contacts(df.iloc[:1])["contacted_at"].dtype) == "datetime64[ns, UTC]"


def test_calendar_dates_reads_the_plausible_range_only():
    s = pd.Series([DATE_MIN - pd.Timedelta(days=1), DATE_MIN, DATE_MAX - pd.Timedelta(days=1), DATE_MAX])
    assert calendar_dates(s.astype(object)).notna().tolist() == [False, True, True, False]


def test_the_data_date_ignores_an_implausible_payment_date():
    df = _installments().astype({"paid_date": object})
    df.loc[3, "paid_date"] = "2300-01-01"
    good, rejects = quarantine(df, "installments", warn_above=1.0)
    assert set(good["borrower_id"]) == {"b1"}
    assert rejects.loc[3, "check"] == "date_out_of_range"


def test_input_columns_named_like_the_failure_fields_are_replaced_in_rejects():
    df = _installments().assign(reason="ours", check="x", column="y")
    df.loc[4, "amount_due"] = -1.0
    good, rejects = quarantine(df, "installments", warn_above=1.0)
    assert rejects.loc[4, ["column", "check"]].tolist() == ["amount_due", "greater_than_or_equal_to(0)"]
    assert (good["reason"] == "ours").all()


def test_day_first_text_dates_are_rejected_never_guessed():
    # 03/02/2024 could be 3 February or 2 March: the contracts refuse it rather than pick one
    df = _installments().astype({"due_date": object, "paid_date": object})
    df["due_date"] = ["2024-01-01", "2024/02/01", "2024-03-01T00:00:00", "13/01/2024", "03/02/2024", "1 March 2024"]
    with pytest.warns(DataQualityWarning, match="set aside 3 of 6 installments rows"):
        good, bad = quarantine(df, "installments")
    assert bad.index[bad["check"] == "date_format"].tolist() == [3, 4, 5]  # rejects keep the input's index
    assert "YYYY-MM-DD" in bad.loc[bad["check"] == "date_format", "reason"].iloc[0]
    assert set(good["borrower_id"]) == {"b1"}  # b2's rows all go: one bad row rejects the borrower
    assert good["due_date"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))


def test_iso_text_dates_and_date_objects_still_read():
    s = pd.Series(["2024-03-01", "2024-3-1", " 2024-03-01 ", dt.date(2024, 3, 1), "2024-03-01T00:00:00+08:00"],
                  dtype=object)
    assert calendar_dates(s).tolist() == [pd.Timestamp("2024-03-01")] * 5
    assert calendar_dates(pd.Series(["01/03/2024", "March 1, 2024"], dtype=object)).isna().all()
