"""Adapters for the public data sets; skipped with the reason when the files are absent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import riskscore
from riskscore.datasets import load_home_credit, load_uci_taiwan
from riskscore.features import FeatureBuilder

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
HOME_CREDIT = SHARED / "home_credit_1pct"
UCI = SHARED / "uci_taiwan"


@pytest.mark.skipif(not (HOME_CREDIT / "in_pay_samp.csv.gz").exists(),
                    reason=f"Home Credit sample not found at {HOME_CREDIT} (see ../shared/data/README.md)")
def test_home_credit():
    data = load_home_credit(HOME_CREDIT)
    inst = data.installments
    assert len(data.outcomes) == 3076 and data.outcomes["target"].sum() == 248
    assert set(data.protected.columns) == {"sex", "age_years", "marital_status"}
    assert not set(data.protected.columns) & set(inst.columns)
    good, rejects = riskscore.quarantine(inst, data_date=data.as_of, warn_above=0.01)
    # Only payments dated long before a loan's first due date are refused (9 rows in this sample).
    assert set(rejects["check"]) == {"not_before_first_due(-90d)", "borrower_has_rejected_rows"}
    assert (rejects["check"] == "not_before_first_due(-90d)").sum() == 9
    assert inst["paid_date"].max() < data.as_of
    X = FeatureBuilder(population="all").fit().transform(good, data.as_of)
    assert len(X) == good["borrower_id"].nunique()
    assert X["n_payments"].sum() == good["paid_date"].notna().sum()


@pytest.mark.skipif(not (UCI / "UCI_Credit_Card.csv").exists(),
                    reason=f"UCI Taiwan data not found at {UCI} (see ../shared/data/README.md)")
def test_uci_taiwan():
    data = load_uci_taiwan(UCI)
    inst = riskscore.validate_installments(data.installments, data_date=data.as_of)
    assert len(inst) == 6 * 30000 and data.outcomes["target"].mean() == pytest.approx(0.2212, abs=1e-4)
    assert inst["due_date"].max() == pd.Timestamp("2005-09-30") == data.as_of
    # Client 1 (statements Apr..Sep = installments 1..6): September bill 3913, unpaid at as_of;
    # August bill 3102 with September's PAY_AMT1 = 0: no payment; May bill BILL_AMT5 = 0; the July
    # bill BILL_AMT3 = 689 is paid by August's PAY_AMT2 = 689, and August's status PAY_2 = 2 (two
    # months of delay) dates it 60 days after the 07-31 due date.
    one = inst[inst["borrower_id"] == "uci-1"].set_index("installment_no")
    assert one.loc[6, "amount_due"] == 3913.0 and pd.isna(one.loc[6, "paid_date"])
    assert one.loc[5, "amount_due"] == 3102.0 and pd.isna(one.loc[5, "paid_date"])
    assert one.loc[2, "amount_due"] == 0.0
    assert one.loc[4, "amount_paid"] == 689.0 and one.loc[4, "paid_date"] == pd.Timestamp("2005-09-29")
    X = FeatureBuilder().fit().transform(inst, data.as_of)
    assert 0.9 < len(X) / 30000 < 0.95  # the clients with a September balance to pay


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No such file: .*UCI_Credit_Card\.csv"):
        load_uci_taiwan(tmp_path)
