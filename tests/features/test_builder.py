"""FeatureBuilder: exact values for a hand-built borrower, parameters, scikit-learn behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import riskscore
from riskscore.features import FeatureBuilder, feature_registry
from riskscore.schemas import outstanding_at

T = "2024-06-30"  # as-of; lookahead 7 days -> installments due by 2024-07-07 are visible


def _row(loan, no, due, amount, paid=None, paid_amount=0.0, borrower="h"):
    return {"borrower_id": borrower, "loan_id": loan, "installment_no": no, "due_date": due, "amount_due": amount,
            "paid_date": paid, "amount_paid": paid_amount}


@pytest.fixture
def history() -> pd.DataFrame:
    rows = [
        _row("A", 1, "2024-01-01", 100.0, "2023-12-30", 100.0),   # 2 days early
        _row("A", 2, "2024-02-01", 100.0, "2024-02-11", 100.0),   # 10 days late
        _row("A", 3, "2024-03-01", 100.0, "2024-03-01", 40.0),    # partial on the due date ...
        _row("A", 3, "2024-03-01", 100.0, "2024-04-15", 60.0),    # ... cured 45 days late
        _row("A", 4, "2024-04-01", 100.0, "2024-04-01", 100.0),   # on time
        _row("A", 5, "2024-05-01", 100.0, "2024-05-01", 50.0),    # partial, 60 days past due at T
        _row("A", 5, "2024-05-01", 100.0, "2024-07-02", 50.0),    # after T: unknown
        _row("A", 6, "2024-06-01", 100.0),                        # unpaid, 29 days past due
        _row("A", 7, "2024-07-01", 100.0),                        # due within the lookahead
        _row("A", 8, "2024-08-01", 100.0, "2024-06-20", 100.0),   # beyond the lookahead: schedule only
        _row("A", 9, "2024-09-01", 100.0),
        _row("A", 10, "2024-10-01", 100.0),                       # beyond 90 days
        _row("B", 1, "2024-06-20", 30.0, "2024-06-20", 30.0),     # on time
        _row("B", 2, "2024-06-27", 30.0, "2024-06-25", 30.0),     # 2 days early
        _row("Z", 1, "2024-06-01", 80.0, "2024-06-01", 80.0, borrower="z"),   # owes nothing at T
        _row("N", 1, "2024-07-05", 60.0, borrower="n"),           # new: first installment upcoming
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def contacts() -> pd.DataFrame:
    rows = [("2024-06-29T03:00Z", "call", "no_answer"), ("2024-06-10T12:00Z", "call", "promise_to_pay"),
            ("2024-06-19T08:00Z", "call", "promise_to_pay"), ("2024-05-15T09:00Z", "sms", "message_sent"),
            ("2024-03-01T10:00Z", "call", "refused"), ("2024-04-10T10:00Z", "call", "conversation"),
            ("2024-07-01T01:00Z", "call", "no_answer")]  # the last is after the end of day T
    return pd.DataFrame({"borrower_id": "h", "contacted_at": pd.to_datetime([r[0] for r in rows]),
                         "channel": [r[1] for r in rows], "outcome": [r[2] for r in rows]})


# Matured installments of h, newest first (due date, days late, share paid by due, partial):
#   B2 06-27 0 1.0 -, B1 06-20 0 1.0 -, A6 06-01 29 0.0 -, A5 05-01 60 0.5 P, A4 04-01 0 1.0 -,
#   A3 03-01 45 0.4 P, A2 02-01 10 0.0 -, A1 01-01 0 1.0 -
EXPECTED_H = {
    "share_late_3": 1 / 3, "share_late30_3": 0.0, "max_days_late_3": 29.0, "mean_days_late_3": 29 / 3,
    "paid_at_due_ratio_3": 2 / 3, "share_partial_3": 0.0,
    "share_late_6": 0.5, "share_late30_6": 2 / 6, "max_days_late_6": 60.0, "mean_days_late_6": 134 / 6,
    "paid_at_due_ratio_6": 3.9 / 6, "share_partial_6": 2 / 6,
    "share_late_12": 0.5, "share_late30_12": 0.25, "max_days_late_12": 60.0, "mean_days_late_12": 18.0,
    "paid_at_due_ratio_12": 4.9 / 8, "share_partial_12": 0.25,
    "amount_outstanding": 250.0,            # A5 50 + A6 100 + A7 100
    "n_installments_outstanding": 3.0,
    "amount_overdue": 150.0,
    "days_past_due": 60.0,                  # A5, due 05-01
    "amount_due_upcoming": 100.0,           # A7
    "n_due_upcoming": 1.0,
    "days_to_next_due": 1.0,                # A7, due 07-01
    "partial_payments_90d": 1.0,            # A5's 50 on 05-01 (A3's 60 on 04-15 settled it)
    "amount_scheduled_90d": 200.0,          # A8 and A9 (the A8 prepayment is invisible)
    "outstanding_to_installment": 2.5,      # median installment 100
    "paid_ratio_trend": 2 / 3 - 1.9 / 3,
    "days_late_std_12": np.sqrt(6566 / 8 - 18.0**2),
    "cures_30_12": 1.0,                     # A3
    "n_matured": 8.0,
    "share_late_all": 0.5,
    "mean_days_late_all": 18.0,
    "paid_to_date": 510.0,
    "n_payments": 8.0,
    "mean_payment_offset_days": 51 / 8,     # -2 +10 +0 +45 +0 +0 +0 -2
    "days_since_last_payment": 5.0,         # 06-25
    "paid_last_90d": 170.0,                 # after 04-01: 60 + 50 + 30 + 30
    "days_since_first_due": 181.0,          # 2024-01-01
    "n_loans": 2.0,
    "n_active_loans": 1.0,                  # B is settled and has nothing scheduled
    # statement features (latest first: amount 30 30 100 | 100 100 100 ..., paid so far 1 1 0 | .5 1 1,
    # settled Y Y N | N Y Y, late F F T | T F T T F)
    "latest_amount_due": 130.0,             # A6 100 (loan A's latest due) + B2 30
    "amount_due_growth_3": (160 / 3) / 100,
    "paid_share_3": 2 / 3,
    "paid_share_trend": 2 / 3 - 2.5 / 3,
    "share_paid_full_6": 4 / 6,
    "unpaid_3": 1.0,                        # A6
    "max_consecutive_late": 2.0,            # A6, A5 (and A3, A2)
    "installments_since_full_payment": 0.0,  # B2 was paid in full
    # recency features (registry 4; ranks k = 0 .. 7 latest first, days late 0 0 29 60 0 45 10 0)
    "installments_since_late": 2.0,         # B2, B1, then A6 was late
    "days_late_recency_weighted": float(np.dot(0.5 ** (np.arange(8) / 2), [0, 0, 29, 60, 0, 45, 10, 0])
                                        / (0.5 ** (np.arange(8) / 2)).sum()),
    "days_late_amount_weighted_6": (100 * 29 + 100 * 60 + 100 * 45) / 460,  # B2 30, B1 30, A6 .. A3 100 each
    "paid_to_due_6": (30 + 30 + 0 + 50 + 100 + 100) / 460,
    "paid_amount_growth_3": (60 / 3) / (250 / 3),  # paid 30 30 0 | 50 100 100
    "days_since_late": 29.0,                # A6, due 06-01
    "share_late_365d": 0.5,                 # every installment fell due within the year
    "mean_days_late_365d": 18.0,
    "max_days_late_365d": 60.0,
    "calls_30d": 3.0, "messages_30d": 0.0, "calls_90d": 4.0, "no_answer_90d": 1.0,
    "conversations_90d": 3.0, "refused_90d": 0.0,
    "ptp_kept_180d": 1.0,                   # 06-19, paid 06-20
    "ptp_broken_180d": 1.0,                 # 06-10, next payment 06-20
    "days_since_last_contact": 1.0,
}


def test_every_feature_of_a_hand_built_borrower(history, contacts):
    X = FeatureBuilder().fit().transform(history, T, contacts=contacts)
    assert list(X.index) == ["h", "n"]  # z owes nothing
    assert list(X.columns) == list(feature_registry().index)
    assert set(EXPECTED_H) == set(X.columns), set(X.columns) ^ set(EXPECTED_H)
    for name, value in EXPECTED_H.items():
        assert X.loc["h", name] == pytest.approx(value, abs=1e-12), name


def test_recency_features_of_a_hand_built_history():
    rows = [
        _row("R", 1, "2023-05-01", 200.0, "2023-06-20", 200.0, borrower="r"),  # 50 days late, over a year ago
        _row("R", 2, "2023-11-01", 200.0, "2023-11-01", 200.0, borrower="r"),  # on time
        _row("R", 3, "2024-03-01", 200.0, "2024-03-06", 200.0, borrower="r"),  # 5 days late, 121 days before T
        _row("R", 4, "2024-06-01", 100.0, "2024-06-01", 100.0, borrower="r"),  # on time
        _row("R", 5, "2024-07-20", 100.0, "2024-06-02", 100.0, borrower="r"),  # beyond the lookahead: schedule only
        _row("C", 1, "2024-06-10", 50.0, "2024-06-10", 50.0, borrower="c"),    # never late
        _row("E", 1, "2024-06-15", 0.0, borrower="e"),                          # nothing was due
    ]
    X = FeatureBuilder(population="all").fit().transform(pd.DataFrame(rows), T)
    w = 0.5 ** (np.arange(4) / 2)  # latest first: R4 0, R3 5, R2 0, R1 50 days late
    expected = {
        "r": {"installments_since_late": 1.0, "days_late_recency_weighted": float(np.dot(w, [0, 5, 0, 50]) / w.sum()),
              "days_late_amount_weighted_6": (200 * 5 + 200 * 50) / 700, "paid_to_due_6": 1.0,
              "paid_amount_growth_3": (500 / 3) / 200, "days_since_late": 121.0,
              "share_late_365d": 1 / 3, "mean_days_late_365d": 5 / 3, "max_days_late_365d": 5.0},  # R1 is too old
        "c": {"installments_since_late": 1.0, "days_late_recency_weighted": 0.0, "days_late_amount_weighted_6": 0.0,
              "paid_to_due_6": 1.0, "paid_amount_growth_3": np.nan, "days_since_late": np.nan,
              "share_late_365d": 0.0, "mean_days_late_365d": 0.0, "max_days_late_365d": 0.0},
        "e": {"installments_since_late": 1.0, "days_late_amount_weighted_6": np.nan, "paid_to_due_6": np.nan,
              "days_since_late": np.nan},
    }
    for who, values in expected.items():
        for name, value in values.items():
            assert X.loc[who, name] == pytest.approx(value, abs=1e-12, nan_ok=True), (who, name)
    assert X.loc["r", "max_days_late_12"] == 50.0 and X.loc["r", "share_late_all"] == 0.5  # the year window differs


def test_a_new_borrower_has_no_history(history):
    X = FeatureBuilder().fit().transform(history, T)
    n = X.loc["n"]
    assert np.isnan(n["share_late_3"]) and np.isnan(n["days_since_last_payment"])
    assert n["days_to_next_due"] == 5.0 and X.loc["h", "days_to_next_due"] == 1.0
    assert n["amount_due_upcoming"] == 60.0 and n["n_matured"] == 0.0
    assert np.isnan(n["days_since_first_due"])  # its first installment falls due in 5 days: no history yet
    assert "calls_30d" not in X.columns  # contacts="auto" without a log


def test_population_all_includes_borrowers_who_owe_nothing(history):
    X = FeatureBuilder(population="all").fit().transform(history, T)
    assert list(X.index) == ["h", "n", "z"]
    assert X.loc["z", "n_installments_outstanding"] == 0.0 and X.loc["z", "paid_to_date"] == 80.0


def test_contact_features_missing_without_a_log_when_asked(history):
    X = FeatureBuilder(contacts=True).fit().transform(history, T)
    assert X["calls_30d"].isna().all()


def test_population_is_the_scoring_unit(small_world):
    X = FeatureBuilder().fit().transform(small_world.installments, "2025-02-14", contacts=small_world.contacts)
    assert list(X.index) == sorted(set(outstanding_at(small_world.installments, "2025-02-14")["borrower_id"]))
    assert X.dtypes.eq(float).all()


def test_sklearn_conventions():
    b = FeatureBuilder(lookahead_days=3, windows=(2, 4))
    assert clone(b).get_params() == b.get_params()
    assert not hasattr(b, "feature_names_out_")
    assert list(b.fit().feature_names_out_[:2]) == ["share_late_2", "share_late30_2"]
    assert len(b.get_feature_names_out()) == 6 * 2 + 24 + 8 + 9 + 9  # windowed, core, statement, recency, contacts


@pytest.mark.parametrize(
    ("params", "message"),
    [({"lookahead_days": -1}, r"The 'lookahead_days' parameter of FeatureBuilder must be an int in the range \[0, inf\)"
                               r"\. Got -1 instead"),
     ({"windows": (3, 3)}, r"The 'windows' parameter of FeatureBuilder must be a non-empty tuple or list of distinct "
                           r"ints >= 1\. Got \(3, 3\) instead"),
     ({"windows": ()}, r"The 'windows' parameter of FeatureBuilder must be .* distinct ints >= 1\. Got \(\) instead"),
     ({"windows": 3}, r"The 'windows' parameter of FeatureBuilder must be an instance of 'tuple' or an instance of "
                      r"'list'\. Got 3 instead"),
     ({"tolerance": -0.1}, r"The 'tolerance' parameter of FeatureBuilder must be a float in the range \[0\.0, inf\)\. "
                           r"Got -0\.1 instead"),
     ({"contacts": "yes"}, r"The 'contacts' parameter of FeatureBuilder must be a str among \{'auto'\} or an instance "
                           r"of 'bool'"),
     ({"population": "some"}, "The 'population' parameter of FeatureBuilder must be a str among")],
)
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        FeatureBuilder(**params).fit()


def test_as_of_is_required_and_a_date(history):
    with pytest.raises(ValueError, match=r"needs the as-of date"):
        FeatureBuilder().fit().transform(history)
    with pytest.raises(ValueError, match="as_of must be a calendar date without time or time zone"):
        FeatureBuilder().fit().transform(history, "2024-06-30 12:00")


def test_bad_input_is_refused_by_its_contract(history):
    with pytest.raises(riskscore.DataError, match="amount_due must be >= 0"):
        FeatureBuilder().fit().transform(history.assign(amount_due=-1.0), T)


@pytest.mark.parametrize("dtype", ["float32", "Float32"])
def test_amounts_in_32_bits_give_the_features_of_their_decimals(small_world, dtype):
    """An amount due downcast to 32 bits (numpy's or pandas' nullable) next to a float64 amount paid
    means the same cents: the features are those of the float64 table, bit for bit."""
    inst = small_world.installments
    as_of = pd.Timestamp(small_world.end) - pd.Timedelta(days=90)
    fb = FeatureBuilder().fit()
    narrow = inst.assign(amount_due=inst["amount_due"].astype(dtype))
    pd.testing.assert_frame_equal(fb.transform(narrow, as_of), fb.transform(inst, as_of))
    good, bad = riskscore.quarantine(narrow, "installments")
    assert bad.empty and good["amount_due"].dtype == "float64"
    np.testing.assert_array_equal(good["amount_due"].to_numpy(), inst.loc[good.index, "amount_due"].to_numpy())
