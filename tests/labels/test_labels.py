"""Labels: censoring at the horizon and at the end of data, several-step cures, early payers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskscore
from riskscore.labels import LabelDefinition, make_labels


def _table(rows):
    df = pd.DataFrame(rows, columns=["borrower_id", "loan_id", "installment_no", "due_date", "amount_due",
                                     "paid_date", "amount_paid"])
    return riskscore.validate_installments(df)


@pytest.fixture
def table():
    return _table([
        # b1: due 03-01, cleared in three steps (03-05, 03-09, 03-20) -> event on 03-20
        ("b1", "l1", 1, "2024-03-01", 100.0, "2024-03-05", 20.0),
        ("b1", "l1", 1, "2024-03-01", 100.0, "2024-03-09", 30.0),
        ("b1", "l1", 1, "2024-03-01", 100.0, "2024-03-20", 50.0),
        # b2: due 03-06 (within the lookahead), paid early on 03-04
        ("b2", "l2", 1, "2024-03-06", 80.0, "2024-03-04", 80.0),
        # b3: never pays -> censored at the horizon (or the end of the data)
        ("b3", "l3", 1, "2024-02-15", 50.0, None, 0.0),
        # b4: owes nothing at 03-02 (paid on time 02-28)
        ("b4", "l4", 1, "2024-02-28", 40.0, "2024-02-28", 40.0),
        # b5: two installments owed; the second is paid on 05-10, 70 days after 03-01
        ("b5", "l5", 1, "2024-02-20", 60.0, "2024-03-03", 60.0),
        ("b5", "l5", 2, "2024-03-05", 60.0, "2024-05-10", 60.0),
        # the data runs until 2024-12-31
        ("b9", "l9", 1, "2024-12-31", 10.0, "2024-12-31", 10.0),
    ])


def _by(labels):
    return labels.set_index("borrower_id")[["time", "event"]].apply(tuple, axis=1).to_dict()


def test_the_cases(table):
    got = _by(make_labels(table, "2024-03-01", censor_days=90))
    assert got == {
        "b1": (19.0, True),    # three partial payments, cleared on 03-20
        "b2": (3.0, True),     # paid 03-04, before its 03-06 due date
        "b3": (90.0, False),   # censored at the horizon
        "b5": (70.0, True),    # the last of its two owed installments on 05-10
    }                          # b4 owes nothing: not in the population


def test_horizon_censors_later_events(table):
    got = _by(make_labels(table, "2024-03-01", censor_days=30))
    assert got["b5"] == (30.0, False) and got["b1"] == (19.0, True)


def test_end_of_data_censors(table):
    got = _by(make_labels(table, "2024-03-01", censor_days=90, data_end="2024-03-15"))
    assert got == {"b1": (14.0, False), "b2": (3.0, True), "b3": (14.0, False), "b5": (14.0, False)}


def test_payment_on_as_of_is_known_not_an_event(table):
    got = _by(make_labels(table, "2024-03-03", censor_days=90))
    assert got["b5"] == (68.0, True)  # installment 1 was paid on 03-03 = as_of: already settled


def test_label_definition_is_recorded(table):
    labels = make_labels(table, ["2024-03-01", "2024-04-01"], censor_days=60)
    assert labels.attrs["label_definition"] == {"lookahead_days": 7, "censor_days": 60, "tolerance": 0.01,
                                                "data_end": "2024-12-31", "currency": None}
    assert labels["as_of"].nunique() == 2 and labels["event"].dtype == bool


def test_the_label_definition_records_the_currency(table):
    labels = make_labels(table.assign(currency="twd"), "2024-03-01")
    assert labels.attrs["label_definition"]["currency"] == "TWD"


def test_as_of_at_the_end_of_data_is_refused(table):
    with pytest.raises(ValueError, match="as_of 2024-12-31 is not before data_end 2024-12-31"):
        make_labels(table, "2024-12-31")


@pytest.mark.parametrize(("kw", "msg"), [
    ({"censor_days": 0}, r"The 'censor_days' parameter of make_labels must be an int in the range \[1, inf\)"),
    ({"lookahead_days": -2}, r"The 'lookahead_days' parameter of make_labels must be an int in the range \[0, inf\)"),
    ({"horizon_days": 0}, r"The 'horizon_days' parameter of make_labels must be an int in the range \[1, inf\)"),
])
def test_bad_parameters(table, kw, msg):
    with pytest.raises(ValueError, match=msg):
        make_labels(table, "2024-03-01", **kw)


@pytest.mark.slow
def test_labels_agree_with_the_ground_truth():
    """On the synthetic world, the share of events within 30 days equals the mean true probability."""
    world = riskscore.generate(6000, seed=21)
    t = pd.Timestamp("2025-03-14")
    labels = make_labels(riskscore.validate_installments(world.installments), t, data_end=world.end)
    truth = world.truth(t).loc[labels["borrower_id"]]
    observed = ((labels["time"] <= 30) & labels["event"]).to_numpy()
    p = truth["p_repaid_30d"].to_numpy()
    se = np.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(observed.mean() - p.mean()) < 4 * se


def test_horizon_days_is_the_deprecated_name_of_censor_days(table):
    new = make_labels(table, "2024-03-01", censor_days=30)
    with pytest.warns(FutureWarning, match="'horizon_days' was renamed 'censor_days' in riskscore 0.2 and will be "
                                           "removed in 0.4") as record:
        old = make_labels(table, "2024-03-01", horizon_days=30)
    assert record[0].filename == __file__  # points at the caller, past the validation wrappers
    pd.testing.assert_frame_equal(old, new)
    assert old.attrs == new.attrs and old.attrs["label_definition"]["censor_days"] == 30


def test_a_label_definition_recorded_before_the_rename_is_read():
    old = {"lookahead_days": 7, "horizon_days": 60, "tolerance": 0.01, "data_end": "2024-12-31"}
    assert LabelDefinition.from_dict(old).to_dict() == {"lookahead_days": 7, "censor_days": 60, "tolerance": 0.01,
                                                        "data_end": "2024-12-31", "currency": None}
    assert LabelDefinition.from_dict(LabelDefinition(censor_days=45).to_dict()).censor_days == 45
