"""outstanding_at: the scoring population and what each borrower owes at as_of."""

from __future__ import annotations

import pandas as pd
import pytest

from riskscore import validate_installments
from riskscore.schemas import outstanding_at


@pytest.fixture
def table(installments):
    return validate_installments(installments)


def test_payments_after_as_of_are_unknown(table):
    out = outstanding_at(table, "2024-03-10", lookahead_days=7)
    # b1's installment 1 has 60 paid on 03-02; the 40 on 03-20 is in the future.
    assert out[["borrower_id", "installment_no", "paid_by_as_of", "remaining"]].to_dict("records") == [
        {"borrower_id": "b1", "installment_no": 1, "paid_by_as_of": 60.0, "remaining": 40.0}]


def test_lookahead_brings_in_upcoming_dues(table):
    # Installment 1 was settled on 03-20; installment 2 falls due on 04-01 = 03-25 + 7 days.
    assert outstanding_at(table, "2024-03-25", lookahead_days=7)["installment_no"].tolist() == [2]
    assert outstanding_at(table, "2024-03-25", lookahead_days=6).empty


def test_nobody_who_owes_nothing_is_in_the_population(table):
    assert outstanding_at(table, "2024-03-01", lookahead_days=0)["borrower_id"].tolist() == ["b1"]
    assert outstanding_at(table, "2024-05-01", lookahead_days=30)["borrower_id"].tolist() == ["b1"]
    assert "b2" not in set(outstanding_at(table, "2024-03-05")["borrower_id"])


def test_tolerance(table):
    nearly = table.copy()
    nearly.loc[1, "amount_paid"] = 39.995
    assert outstanding_at(nearly, "2024-03-21", lookahead_days=0).empty
    assert len(outstanding_at(nearly, "2024-03-21", lookahead_days=0, tolerance=0.001)) == 1


def test_negative_lookahead(table):
    with pytest.raises(ValueError, match="The 'lookahead_days' parameter must be >= 0, got -1"):
        outstanding_at(table, pd.Timestamp("2024-03-01"), lookahead_days=-1)


def test_a_remainder_equal_to_the_tolerance_is_settled_whatever_the_summation_order():
    """Found on Home Credit: 25764.62 - 25764.61 = 0.010000000002 in floats."""
    from riskscore.features import FeatureBuilder

    df = validate_installments(pd.DataFrame({
        "borrower_id": ["b", "b", "c"], "loan_id": ["l", "l", "m"], "installment_no": [1, 1, 1],
        "due_date": ["2024-01-01", "2024-01-01", "2024-01-01"], "amount_due": [25764.62, 25764.62, 10.0],
        "paid_date": ["2024-01-01", "2024-01-02", None], "amount_paid": [25000.0, 764.61, 0.0]}))
    assert outstanding_at(df, "2024-01-05")["borrower_id"].tolist() == ["c"]
    assert FeatureBuilder().fit().transform(df, "2024-01-05").index.tolist() == ["c"]
