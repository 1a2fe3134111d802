"""quarantine: bad rows set aside with reasons, borrowers rejected whole, nothing lost."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscore import (
    DataError,
    DataQualityWarning,
    quarantine,
    validate_borrowers,
    validate_contacts,
    validate_installments,
)
from riskscore.testing import borrowers_frames, contacts_frames, installments_frames


def test_borrower_is_rejected_whole(installments):
    bad = installments.copy()
    bad.loc[2, "amount_due"] = -1.0
    bad.loc[2, "amount_paid"] = -2.0
    good, rejects = quarantine(bad, "installments", warn_above=1.0)
    assert good["borrower_id"].unique().tolist() == ["b2"]
    assert rejects.index.tolist() == [0, 1, 2]
    assert rejects.loc[2, "check"] == "greater_than_or_equal_to(0)"
    assert rejects.loc[2, "column"] == "amount_due; amount_paid"
    assert rejects.loc[2, "reason"] == "amount_due must be >= 0; amount_paid must be >= 0"
    assert rejects.loc[0, "check"] == "borrower_has_rejected_rows"
    assert rejects.loc[0, "reason"] == "another row of this borrower fails a check; borrower rejected whole"
    assert rejects["amount_due"].tolist() == [100.0, 100.0, -1.0]  # rows as they came in


def test_rows_without_a_borrower_are_rejected_alone(installments):
    bad = installments.astype({"borrower_id": object})
    bad.loc[3, "borrower_id"] = None
    good, rejects = quarantine(bad, warn_above=1.0)
    assert rejects.index.tolist() == [3] and len(good) == 3


def test_warns_when_much_is_rejected(installments):
    with pytest.warns(DataQualityWarning, match=r"quarantine set aside 4 of 4 installments rows \(100.0%\)"):
        quarantine(installments.assign(amount_due=-1.0))


def test_missing_column_cannot_be_quarantined(installments):
    with pytest.raises(DataError, match=r"^installments has no column paid_date \(it has: borrower_id, loan_id, "):
        quarantine(installments.drop(columns="paid_date"))


def test_unknown_table():
    with pytest.raises(ValueError, match="The 'table' parameter of quarantine must be a str among"):
        quarantine(pd.DataFrame(), "loans")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(installments_frames())
def test_generated_installments_pass(df):
    assert len(validate_installments(df)) == len(df)


@settings(max_examples=40, deadline=None)
@given(borrowers_frames(), contacts_frames())
def test_generated_borrowers_and_contacts_pass(b, c):
    assert len(validate_borrowers(b)) == len(b)
    assert len(validate_contacts(c)) == len(c)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(installments_frames(max_borrowers=5), st.data())
def test_one_corrupted_row_rejects_exactly_its_borrower(df, data):
    row = data.draw(st.integers(0, len(df) - 1))
    kind = data.draw(st.sampled_from(["amount_due", "installment_no", "paid_date"]))
    bad = df.astype({kind: object})
    bad.loc[row, kind] = {"amount_due": -1.0, "installment_no": 0, "paid_date": "not a date"}[kind]
    good, rejects = quarantine(bad, warn_above=1.0)
    victim = df.loc[row, "borrower_id"]
    assert set(rejects["borrower_id"]) == {victim}
    assert (df["borrower_id"] == victim).sum() == len(rejects)
    assert len(good) + len(rejects) == len(df)
    assert victim not in set(good["borrower_id"])


def test_day_first_dates_of_a_frame_are_read_with_date_format_as_the_readers_read_them():
    df = pd.DataFrame({"borrower_id": ["b1", "b1", "b2", "b3"], "loan_id": ["l1", "l1", "l2", "l3"],
                       "installment_no": [1, 2, 1, 1],
                       "due_date": ["15/03/2024", "15/04/2024", "31/02/2024", "01/03/2024"],
                       "amount_due": [100.0, 100.0, 50.0, 10.0], "paid_date": [None, None, None, "2/3/2024"],
                       "amount_paid": [0.0, 0.0, 0.0, 10.0]})
    good, rejects = quarantine(df, "installments", warn_above=1.0, date_format="%d/%m/%Y")
    assert good["due_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-15", "2024-04-15", "2024-03-01"]
    assert good["paid_date"].dt.strftime("%Y-%m-%d").fillna("-").tolist() == ["-", "-", "2024-03-02"]
    # 31 February is no date: rejected, and the reject keeps the text as it came in
    assert rejects["borrower_id"].tolist() == ["b2"] and rejects["check"].tolist() == ["date_format"]
    assert rejects["due_date"].tolist() == ["31/02/2024"]
    # one format per column; without a format day/month text is rejected, never guessed
    good, _ = quarantine(df.drop(index=2), "installments", warn_above=1.0,
                         date_format={"due_date": "%d/%m/%Y", "paid_date": "%d/%m/%Y"})
    assert len(good) == 3
    good, rejects = quarantine(df, "installments", warn_above=1.0)
    assert good.empty and set(rejects["check"]) == {"date_format"}
    with pytest.raises(ValueError, match="date_format key 'due' is not"):
        quarantine(df, "installments", date_format={"due": "%d/%m/%Y"})
    with pytest.raises(ValueError, match="'date_format' parameter of quarantine must be"):
        quarantine(df, "installments", date_format=3)
