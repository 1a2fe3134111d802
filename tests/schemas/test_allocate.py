"""allocate_payments: a schedule and a payment ledger as the installments table, oldest installment first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore import DataError, validate_installments
from riskscore.schemas import allocate_payments


def _reference(schedule: pd.DataFrame, payments: pd.DataFrame) -> list[tuple[str, int, str | None, int]]:
    """The allocation written the slow, obvious way: per loan, each payment pays the oldest installment owed."""
    out = []
    for loan, items in schedule.groupby("loan_id", sort=True):
        items = items.sort_values(["due_date", "installment_no"], kind="stable")
        owed = [[int(r.installment_no), round(r.amount_due * 100)] for r in items.itertuples()]
        got: dict[int, list[tuple[str, int]]] = {n: [] for n, _ in owed}
        k = 0
        for p in payments.loc[payments["loan_id"] == loan].sort_values("paid_date", kind="stable").itertuples():
            cents = round(p.amount_paid * 100)
            while cents > 0 and k < len(owed):
                take = min(cents, owed[k][1])
                if take:
                    got[owed[k][0]].append((p.paid_date, take))
                owed[k][1] -= take
                cents -= take
                if owed[k][1] == 0:
                    k += 1
        for n, _ in [(r.installment_no, 0) for r in items.itertuples()]:
            out += [(loan, n, d, c) for d, c in got[n]] or [(loan, n, None, 0)]
    return out


@st.composite
def ledgers(draw):
    rows, pays = [], []
    for loan in range(draw(st.integers(1, 4))):
        for n in range(1, draw(st.integers(1, 6)) + 1):
            rows.append({"borrower_id": f"b{loan % 2}", "loan_id": f"L{loan}", "installment_no": n,
                         "due_date": f"2024-{n:02d}-28", "amount_due": draw(st.integers(0, 30_000)) / 100})
        for _ in range(draw(st.integers(0, 6))):
            pays.append({"loan_id": f"L{draw(st.integers(0, 4))}", "paid_date": f"2024-{draw(st.integers(1, 9)):02d}-1"
                         f"{draw(st.integers(0, 9))}", "amount_paid": draw(st.integers(0, 40_000)) / 100})
    schedule = pd.DataFrame(rows).sample(frac=1, random_state=draw(st.integers(0, 9)))  # any row order
    return schedule, pd.DataFrame(pays, columns=["loan_id", "paid_date", "amount_paid"])


@given(ledgers())
@settings(max_examples=150, deadline=None)
def test_the_allocation_is_first_in_first_out_and_conserves_money(data):
    schedule, payments = data
    out = allocate_payments(schedule, payments)
    got = [(r.loan_id, int(r.installment_no), r.paid_date if isinstance(r.paid_date, str) else None,
            round(r.amount_paid * 100)) for r in out.itertuples()]
    assert sorted(got, key=str) == sorted(_reference(schedule, payments), key=str)
    # every cent paid is allocated or said to be unallocated, never both, never lost
    lost = out.attrs["unallocated"]
    assert round(payments["amount_paid"].sum() * 100) == round(out["amount_paid"].sum() * 100) + \
        round(lost["amount"].sum() * 100)
    per = out.groupby(["loan_id", "installment_no"])["amount_paid"].sum()
    due = schedule.set_index(["loan_id", "installment_no"])["amount_due"]
    assert (per.round(2) <= due.reindex(per.index).round(2)).all()


def test_the_result_passes_the_contract_and_says_what_was_not_owed():
    schedule = pd.DataFrame({"borrower_id": "007", "loan_id": "L1", "installment_no": [1, 2], "due_date":
                             ["2024-01-31", "2024-02-29"], "amount_due": [100.0, 100.0], "currency": "CNY"})
    payments = pd.DataFrame({"loan_id": ["L1", "L1", "L9"], "paid_date": ["2024-01-30", "2024-03-01", "2024-03-01"],
                             "amount_paid": [60.0, 190.0, 5.0]})
    out = allocate_payments(schedule, payments)
    assert out[["installment_no", "paid_date", "amount_paid", "currency"]].values.tolist() == [
        [1, "2024-01-30", 60.0, "CNY"], [1, "2024-03-01", 40.0, "CNY"], [2, "2024-03-01", 100.0, "CNY"]]
    assert out.attrs["unallocated"].to_dict("records") == [
        {"loan_id": "L1", "paid_date": "2024-03-01", "amount": 50.0, "why": "overpaid"},
        {"loan_id": "L9", "paid_date": "2024-03-01", "amount": 5.0, "why": "unknown_loan"}]
    assert len(validate_installments(out, data_date="2024-06-01")) == 3


def test_yen_are_allocated_in_whole_yen():
    schedule = pd.DataFrame({"borrower_id": "b", "loan_id": "L", "installment_no": [1, 2, 3],
                             "due_date": ["2024-01-31", "2024-02-29", "2024-03-31"], "amount_due": 3334.0})
    out = allocate_payments(schedule, pd.DataFrame({"loan_id": "L", "paid_date": ["2024-04-01"],
                                                    "amount_paid": [10000.0]}), decimals=0)
    assert out["amount_paid"].tolist() == [3334.0, 3334.0, 3332.0]


@pytest.mark.parametrize(("schedule", "payments", "line"), [
    (pd.DataFrame({"cust": ["b"], "loan_id": ["L"], "installment_no": [1], "due_date": ["2024-01-31"],
                   "amount_due": [1.0]}), None, "schedule has no column borrower_id (it has: cust, loan_id"),
    (None, pd.DataFrame({"loan_id": ["L"], "paid_date": ["2024-01-31"], "amount_paid": [-1.0]}),
     "payments: 1 value(s) of amount_paid are not finite amounts >= 0 (first: -1.0)"),
])
def test_bad_inputs_are_one_line(schedule, payments, line):
    ok_s = pd.DataFrame({"borrower_id": ["b"], "loan_id": ["L"], "installment_no": [1], "due_date": ["2024-01-31"],
                         "amount_due": [1.0]})
    ok_p = pd.DataFrame({"loan_id": ["L"], "paid_date": ["2024-01-31"], "amount_paid": [1.0]})
    with pytest.raises(DataError) as info:
        allocate_payments(ok_s if schedule is None else schedule, ok_p if payments is None else payments)
    assert line in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ValueError, match="decimals"):
        allocate_payments(ok_s, ok_p, decimals=-1)


def test_a_large_ledger_is_allocated_quickly():
    rng = np.random.default_rng(0)
    n_loans, k = 20_000, 12
    schedule = pd.DataFrame({"borrower_id": np.repeat([f"b{i}" for i in range(n_loans)], k),
                             "loan_id": np.repeat([f"L{i}" for i in range(n_loans)], k),
                             "installment_no": np.tile(np.arange(1, k + 1), n_loans),
                             "due_date": np.tile(pd.date_range("2024-01-31", periods=k, freq="ME").strftime("%Y-%m-%d"),
                                                 n_loans), "amount_due": 100.0})
    payments = pd.DataFrame({"loan_id": [f"L{i}" for i in rng.integers(0, n_loans, 150_000)],
                             "paid_date": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 150_000),
                                                                                         unit="D"),
                             "amount_paid": rng.integers(1, 200, 150_000).astype(float)})
    out = allocate_payments(schedule, payments)
    assert round(out["amount_paid"].sum() + out.attrs["unallocated"]["amount"].sum(), 2) == \
        round(payments["amount_paid"].sum(), 2)


def test_day_first_or_missing_dates_are_refused_never_reordered():
    schedule = pd.DataFrame({"borrower_id": "b", "loan_id": "L", "installment_no": [1, 2],
                             "due_date": ["01/03/2024", "01/02/2024"], "amount_due": 100.0})
    payments = pd.DataFrame({"loan_id": ["L"], "paid_date": [pd.Timestamp("2024-03-05", tz="Asia/Shanghai")],
                             "amount_paid": [50.0]})
    with pytest.raises(DataError, match=r"schedule: 2 value\(s\) of due_date are not ISO 8601 dates \(first: "
                                        r"'01/03/2024'\); the allocation orders each loan by them"):
        allocate_payments(schedule, payments)
    schedule["due_date"] = ["2024-03-01", "2024-02-01"]
    out = allocate_payments(schedule, payments)
    assert out["installment_no"].tolist() == [2, 1] and out["amount_paid"].tolist() == [50.0, 0.0]
    with pytest.raises(DataError, match=r"payments: 1 value\(s\) of paid_date are missing"):
        allocate_payments(schedule, payments.assign(paid_date=None))
