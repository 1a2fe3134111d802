"""The installments contract: each kind of bad row is rejected with an actionable message."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from riskscore import DataError, validate_installments


def _raises(df: pd.DataFrame, **kw: object) -> DataError:
    with pytest.raises(DataError) as info:
        validate_installments(df, **kw)
    return info.value


def test_valid_table_is_returned_typed(installments):
    out = validate_installments(installments)
    assert out["due_date"].dtype == np.dtype("datetime64[ns]")
    assert out["paid_date"].isna().sum() == 1
    assert out["installment_no"].dtype == np.int64
    assert out["amount_paid"].tolist() == [60.0, 40.0, 0.0, 50.0]


def test_an_unpaid_row_may_leave_amount_paid_empty(installments):
    """A ledger writes an unpaid installment with neither a payment date nor an amount (Home Credit's
    installments do): nothing paid, read as 0. It rejected the borrower (not_nullable)."""
    df = installments.astype({"amount_paid": object})
    df.loc[2, "amount_paid"] = None  # row 2 has no paid_date
    out = validate_installments(df)
    assert out["amount_paid"].tolist() == [60.0, 40.0, 0.0, 50.0]
    assert out["amount_paid"].dtype == np.float64


def test_a_paid_row_without_its_amount_is_rejected_saying_what_an_unpaid_row_is(installments):
    df = installments.astype({"amount_paid": object})
    df.loc[0, "amount_paid"] = None  # row 0 has a paid_date
    fc = _raises(df).failure_cases
    row = fc[(fc["column"] == "amount_paid") & (fc["check"] == "not_nullable")]
    assert row["index"].tolist() == [0]
    assert row["reason"].iloc[0] == ("amount_paid is required but missing on a row with a paid_date (a row with "
                                     "neither a paid_date nor an amount is an unpaid installment: nothing paid)")


def test_message_names_table_column_check_count_and_rows(installments):
    err = _raises(installments.assign(amount_due=[-1.0, -1.0, -3.0, 50.0]))
    assert str(err).splitlines() == [
        "installments: 3 row(s) fail 1 check(s)",  # one check on one column (it once counted the failing cells)
        "- 3 row(s) fail check 'greater_than_or_equal_to(0)' on column 'amount_due': amount_due must be >= 0",
        "    index      amount_due",
        "    0          -1.0",
        "    1          -1.0",
        "    2          -3.0",
        "Hint: fix the extract, or set the failing rows aside with riskscore.quarantine(df, "
        "table='installments'), which returns (good, rejects).",
    ]
    assert err.table == "installments"
    fc = err.failure_cases
    assert set(fc.columns) == {"table", "column", "check", "index", "failure_case", "reason"}
    ge = fc[fc["check"] == "greater_than_or_equal_to(0)"]
    assert sorted(ge["index"]) == [0, 1, 2]


def test_all_failures_are_collected_at_once(installments):
    bad = installments.copy()
    bad.loc[0, "amount_paid"] = -1.0
    bad.loc[3, "installment_no"] = 0
    err = _raises(bad)
    assert {"greater_than_or_equal_to(0)", "greater_than_or_equal_to(1)"} <= set(err.reason_codes)
    assert "column 'amount_paid'" in str(err) and "column 'installment_no'" in str(err)


def test_more_than_three_examples_are_summarised():
    n = 6
    df = pd.DataFrame({"borrower_id": [f"b{i}" for i in range(n)], "loan_id": [f"l{i}" for i in range(n)],
                       "installment_no": 1, "due_date": "2024-01-01", "amount_due": -1.0,
                       "paid_date": None, "amount_paid": 0.0})
    assert "(+3 more; see err.failure_cases)" in str(_raises(df))


def test_missing_column_is_named_with_a_close_match(installments):
    err = _raises(installments.rename(columns={"amount_due": "amount_dues"}))
    assert "has no column amount_due (it has: " in str(err) and "closest: amount_dues)" in str(err)
    assert str(err).endswith("rename it: df.rename(columns={'amount_dues': 'amount_due'})")
    assert err.reason_codes == ["column_in_dataframe"]


@pytest.mark.parametrize(
    ("column", "value", "check", "reason"),
    [
        ("borrower_id", None, "not_nullable", "borrower_id is required but missing"),
        ("borrower_id", "", "id_blank", "borrower_id is empty or only spaces"),
        ("borrower_id", "   ", "id_blank", "borrower_id is empty or only spaces"),
        ("loan_id", " L1", "id_whitespace",
         "loan_id has spaces before or after it: ids are compared exactly; trim them in the extract"),
        ("loan_id", 2.5, "id_not_text", "loan_id must be text (or a whole number below 2**53), got a float value"),
        ("borrower_id", ["b1"], "id_not_text",
         "borrower_id must be text (or a whole number below 2**53), got a list value"),
        ("installment_no", 0, "greater_than_or_equal_to(1)", "installment_no must be >= 1"),
        ("installment_no", 1.5, "coerce_dtype('int64')", "installment_no cannot be read as int"),
        ("amount_due", "abc", "coerce_dtype('float64')", "amount_due cannot be read as float"),
        ("amount_due", np.inf, "amount_out_of_range",
         "amount_due must be a finite amount of at most 1,000,000,000,000 in absolute value"),
        ("amount_due", 1e308, "amount_out_of_range",
         "amount_due must be a finite amount of at most 1,000,000,000,000 in absolute value"),
        ("amount_paid", -np.inf, "amount_out_of_range",
         "amount_paid must be a finite amount of at most 1,000,000,000,000 in absolute value"),
        ("installment_no", 2**62, "installment_no_out_of_range",
         "installment_no must be a number of at most 10,000 in absolute value"),
        ("amount_paid", -0.5, "greater_than_or_equal_to(0)", "amount_paid must be >= 0"),
        ("due_date", "2024-13-45", "coerce_dtype('datetime64[ns]')", "due_date cannot be read as date"),
        ("due_date", "2024-03-01 14:30", "is_calendar_date",
         "due_date must be a calendar date (no time of day); if the extract writes when it happened, give its date "
         "on the lender's calendar (in SQL: the timestamp in the lender's time zone, cast to DATE)"),
        ("due_date", pd.Timestamp("2024-03-01 09:00", tz="Asia/Shanghai"), "is_calendar_date",
         "due_date must be a calendar date (no time of day); if the extract writes when it happened, give its date "
         "on the lender's calendar (in SQL: the timestamp in the lender's time zone, cast to DATE)"),
        ("due_date", "2300-01-01", "date_out_of_range",
         "due_date lies outside 1900-01-01 .. 2199-12-31: not a plausible date"),
        ("paid_date", datetime.date(1, 1, 1), "date_out_of_range",
         "paid_date lies outside 1900-01-01 .. 2199-12-31: not a plausible date"),
        ("due_date", None, "not_nullable", "due_date is required but missing"),
    ],
)
def test_column_checks(installments, column, value, check, reason):
    bad = installments.astype({column: object})
    bad.loc[3, column] = value
    err = _raises(bad)
    fc = err.failure_cases
    row = fc[(fc["column"] == column) & (fc["check"] == check)]
    assert row["index"].tolist() == [3], fc
    assert row["reason"].iloc[0] == reason
    assert f"fail check '{check}' on column '{column}'" in str(err)


def _one(err: DataError, check: str) -> pd.DataFrame:
    fc = err.failure_cases
    return fc[fc["check"] == check]


def test_payment_rows_of_one_installment_on_one_day_are_separate_payments(installments):
    both = pd.concat([installments, installments.iloc[[3]].assign(amount_paid=20.0)], ignore_index=True)
    assert len(validate_installments(both)) == len(installments) + 1


@pytest.mark.parametrize("column", ["due_date", "amount_due", "borrower_id"])
def test_rows_of_one_installment_must_agree(installments, column):
    bad = installments.copy()
    bad[column] = bad[column].astype(object)
    bad.loc[1, column] = {"due_date": "2024-03-02", "amount_due": 99.0, "borrower_id": "b2"}[column]
    rows = _one(_raises(bad), "consistent_per_installment")
    assert set(rows["index"]) == {0, 1}
    assert column in rows["reason"].iloc[0]


def test_loan_shared_by_two_borrowers(installments):
    bad = installments.copy()
    bad.loc[3, "loan_id"] = "l1"
    bad.loc[3, "installment_no"] = 3
    rows = _one(_raises(bad), "one_borrower_per_loan")
    assert set(rows["index"]) == {0, 1, 2, 3}


def test_unpaid_row_beside_payments(installments):
    extra = installments.iloc[[0]].assign(paid_date=None, amount_paid=0.0)
    bad = pd.concat([installments, extra], ignore_index=True)
    rows = _one(_raises(bad), "no_unpaid_row_beside_payments")
    assert rows["index"].tolist() == [4]


def test_amount_paid_without_paid_date(installments):
    bad = installments.copy()
    bad.loc[2, "amount_paid"] = 10.0
    rows = _one(_raises(bad), "paid_date_present_when_amount_paid")
    assert rows["index"].tolist() == [2]
    assert rows["reason"].iloc[0] == "amount_paid > 0 but paid_date is missing"


def test_paid_date_without_amount(installments):
    bad = installments.copy()
    bad.loc[3, "amount_paid"] = 0.0
    rows = _one(_raises(bad), "amount_paid_positive_when_dated")
    assert rows["index"].tolist() == [3]


def test_payment_long_before_the_first_due_date(installments):
    bad = installments.copy()
    bad.loc[3, "paid_date"] = "2023-12-01"  # 95 days before 2024-03-05
    rows = _one(_raises(bad), "not_before_first_due(-90d)")
    assert rows["index"].tolist() == [3]
    assert "more than 90 days before the loan's first due date" in rows["reason"].iloc[0]
    # Within a wider tolerance the same row is fine.
    assert len(validate_installments(bad, early_payment_tolerance_days=100)) == 4


def test_payment_after_the_given_data_date(installments):
    rows = _one(_raises(installments, data_date="2024-03-10"), "not_after_data_date(2024-03-10)")
    assert rows["index"].tolist() == [1]
    assert "after the given data_date (2024-03-10)" in rows["reason"].iloc[0]


def test_far_future_typo_is_caught_without_a_data_date():
    n = 2000
    df = pd.DataFrame({"borrower_id": [f"b{i}" for i in range(n)], "loan_id": [f"l{i}" for i in range(n)],
                       "installment_no": 1, "due_date": "2024-01-01", "amount_due": 10.0,
                       "paid_date": "2024-01-02", "amount_paid": 10.0})
    df.loc[7, "paid_date"] = "2042-01-02"
    fc = _raises(df).failure_cases
    assert fc["index"].tolist() == [7]
    assert fc["check"].iloc[0].startswith("not_after_data_date(")


def test_non_unique_index_is_reported_by_position(installments):
    bad = installments.set_axis([0, 0, 1, 1]).assign(amount_due=[100.0, 100.0, 100.0, -1.0])
    assert _one(_raises(bad), "greater_than_or_equal_to(0)")["index"].tolist() == [3]


@pytest.mark.parametrize(("name", "value"), [("early_payment_tolerance_days", -1), ("future_tolerance_days", -2)])
def test_bad_options_are_rejected(installments, name, value):
    with pytest.raises(ValueError, match=f"The '{name}' parameter must be an int >= 0, got {value} instead"):
        validate_installments(installments, **{name: value})


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="installments must be a pandas DataFrame, got list instead"):
        validate_installments([1, 2])  # type: ignore[arg-type]


def test_key_columns_kept_in_the_index_say_reset_index(installments):
    # the line used to propose df.rename(columns={'THEIR_NAME': 'borrower_id'}) for a column that is the index
    err = _raises(installments.set_index(["borrower_id", "loan_id"]))
    assert str(err).endswith("installments has borrower_id, loan_id in its index, not as columns: df.reset_index() "
                             "first."), str(err)
