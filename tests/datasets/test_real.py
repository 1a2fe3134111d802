"""Adapters for the public data sets; skipped with the reason when the files are absent."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import riskscore
from riskscore.datasets import load_home_credit, load_uci_taiwan
from riskscore.features import FeatureBuilder

SHARED = Path(os.environ.get("RISKSCORE_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
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
    assert data.population == "all"
    X = FeatureBuilder(population=data.population).fit().transform(good, data.as_of)
    assert len(X) == good["borrower_id"].nunique()
    # the issue: the default population kept 34 of 3,076 applicants silently; now it warns and names the option
    with pytest.warns(riskscore.DataQualityWarning, match=r"kept 34 of the \d+ borrowers.*population='all'"):
        assert len(FeatureBuilder().fit().transform(good, data.as_of)) == 34
    assert X["n_payments"].sum() == good["paid_date"].notna().sum()


@pytest.mark.skipif(not (UCI / "UCI_Credit_Card.csv").exists(),
                    reason=f"UCI Taiwan data not found at {UCI} (set RISKSCORE_DATA)")
def test_uci_taiwan():
    data = load_uci_taiwan(UCI)
    inst = riskscore.validate_installments(data.installments, data_date=data.as_of)
    assert len(inst) == 6 * 30000 and data.outcomes["target"].mean() == pytest.approx(0.2212, abs=1e-4)
    assert inst["due_date"].max() == pd.Timestamp("2005-09-30") == data.as_of
    # Client 1 (statements Apr..Sep = installments 1..6; PAY_0 = PAY_2 = 2): September bill 3913,
    # unpaid at as_of; August bill 3102 with September's PAY_AMT1 = 0: no payment; May bill
    # BILL_AMT5 = 0; the July bill BILL_AMT3 = 689 met August's PAY_AMT2 = 689, but September's
    # status (two months of delay) still counts July's statement as unpaid: the status wins.
    one = inst[inst["borrower_id"] == "uci-1"].set_index("installment_no")
    assert one.loc[6, "amount_due"] == 3913.0 and pd.isna(one.loc[6, "paid_date"])
    assert one.loc[5, "amount_due"] == 3102.0 and pd.isna(one.loc[5, "paid_date"])
    assert one.loc[2, "amount_due"] == 0.0
    assert one.loc[4, "amount_due"] == 689.0 and pd.isna(one.loc[4, "paid_date"])
    # Client 2 (PAY_6 .. PAY_0 = 2, 0, 0, 0, 2, -1): August's delay of two months counts the June (3272)
    # and July (2682) statements as unpaid at August's end, so July's PAY_AMT3 = 1000 and August's
    # PAY_AMT2 = 1000 are both dated 09-25; September says "paid duly" but PAY_AMT1 = 0 pays nothing
    # of August's 1725
    two = inst[inst["borrower_id"] == "uci-2"].set_index("installment_no")
    assert two.loc[[3, 4], "amount_due"].tolist() == [3272.0, 2682.0]
    assert two.loc[[3, 4], "amount_paid"].tolist() == [1000.0, 1000.0]
    assert (two.loc[[3, 4], "paid_date"] == pd.Timestamp("2005-09-25")).all()
    assert two.loc[5, "amount_due"] == 1725.0 and pd.isna(two.loc[5, "paid_date"])
    assert two.loc[2, "paid_date"] == pd.Timestamp("2005-06-25")  # May's statement: June's status 0
    X = FeatureBuilder().fit().transform(inst, data.as_of)
    assert 0.9 < len(X) / 30000 < 0.95  # the clients with a September balance to pay
    assert data.population == "all" and len(FeatureBuilder(population=data.population).transform(inst,
                                                                                                 data.as_of)) == 30000


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No such file: .*UCI_Credit_Card\.csv"):
        load_uci_taiwan(tmp_path)


def _owing(n_owe: int, n_paid: int) -> pd.DataFrame:
    """``n_owe`` borrowers with an unpaid installment due 2025-03-01, ``n_paid`` who paid theirs."""
    ids = [f"b{i}" for i in range(n_owe + n_paid)]
    paid = [i >= n_owe for i in range(len(ids))]
    return pd.DataFrame({"borrower_id": ids, "loan_id": [f"L{b}" for b in ids], "installment_no": 1,
                         "due_date": pd.Timestamp("2025-03-01"), "amount_due": 100.0,
                         "paid_date": [pd.Timestamp("2025-03-01") if p else pd.NaT for p in paid],
                         "amount_paid": [100.0 if p else 0.0 for p in paid]})


def test_a_population_under_a_tenth_of_the_borrowers_warns_with_the_option_named():
    with pytest.warns(riskscore.DataQualityWarning, match=r"kept 1 of the 11 borrowers with an installment due by "
                                                           r"as_of 2025-03-10 \+ lookahead_days \(9.1%\).*"
                                                           r"FeatureBuilder\(population='all'\)"):
        X = FeatureBuilder().transform(_owing(1, 10), "2025-03-10")
    assert list(X.index) == ["b0"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(FeatureBuilder().transform(_owing(1, 9), "2025-03-10")) == 1  # 10 %: no warning
        assert len(FeatureBuilder(population="all").transform(_owing(1, 10), "2025-03-10")) == 11


def test_make_snapshots_warns_once_for_all_its_dates():
    dates = ["2025-03-05", "2025-03-10", "2025-03-15"]
    with pytest.warns(riskscore.DataQualityWarning) as record:
        riskscore.make_snapshots(_owing(1, 10), dates, data_end="2025-06-30")
    small = [str(w.message) for w in record if "population" in str(w.message)]
    assert len(small) == 1 and small[0].startswith("at 3 of 3 as-of date(s) the scoring population holds under 10 %")
