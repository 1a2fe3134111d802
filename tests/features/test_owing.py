"""FeatureBuilder builds the population's borrowers only: the pre-filter changes no feature, bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import riskscore
import riskscore.features._builder as builder
from riskscore.features import FeatureBuilder
from riskscore.features._owing import owing_borrowers


@pytest.fixture(scope="module")
def world(small_world):
    return riskscore.validate_installments(small_world.installments), riskscore.validate_contacts(small_world.contacts)


def _build(inst, as_of, contacts=None, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = FeatureBuilder(validate=False, **params).fit().transform(inst, as_of, contacts=contacts)
    return X, [str(w.message) for w in caught]


def _unfiltered(monkeypatch, *args, **kw):
    with monkeypatch.context() as m:
        m.setattr(builder, "owing_borrowers", lambda inst, contacts, t, days: (inst, contacts, None))
        return _build(*args, **kw)


@pytest.mark.parametrize("as_of", ["2024-02-10", "2024-09-30", "2025-03-31"])
def test_the_prefilter_gives_the_features_of_every_borrower_built(monkeypatch, world, as_of):
    inst, contacts = world
    inst, contacts = inst.sample(frac=1.0, random_state=1), contacts.sample(frac=1.0, random_state=2)
    for params in ({"tolerance": 5.0, "lookahead_days": 30}, {}):
        X, warned = _build(inst, as_of, contacts, **params)
        ref, ref_warned = _unfiltered(monkeypatch, inst, as_of, contacts, **params)
        pd.testing.assert_frame_equal(X, ref, check_exact=True)
        assert np.array_equal(X.to_numpy(), ref.to_numpy(), equal_nan=True)
        assert warned == ref_warned  # the small-population warning counts every borrower with something due
    kept, _, eligible = owing_borrowers(inst, contacts, pd.Timestamp(as_of), 7)  # the default lookahead
    assert len(X) <= kept["borrower_id"].nunique() < inst["borrower_id"].nunique()  # a superset, and a cut
    assert eligible == inst.loc[inst["due_date"] <= pd.Timestamp(as_of) + pd.Timedelta(days=7),
                                "borrower_id"].nunique()


def test_split_and_short_payments_keep_their_borrower(installments):
    inst = riskscore.validate_installments(installments)  # b1: an installment paid in two parts
    t = pd.Timestamp("2024-03-25")
    kept, _, eligible = owing_borrowers(inst, None, t, 0)
    assert set(kept["borrower_id"]) == {"b1"} and eligible == 2  # b2 paid in full: dropped
    X, _ = _build(inst, t, lookahead_days=0)  # b1 settled its split installment, the next is not due: nobody owes
    assert len(X) == 0
    short = inst.assign(amount_paid=np.where(inst["borrower_id"] == "b2", 49.995, inst["amount_paid"]))
    kept, _, _ = owing_borrowers(short, None, t, 0)
    assert set(kept["borrower_id"]) == {"b1", "b2"}  # settled within the tolerance, but only the build can say


def test_a_loan_shared_with_a_dropped_borrower_or_a_missing_id_keeps_the_tables_whole(installments, contacts):
    inst = riskscore.validate_installments(installments)
    t = pd.Timestamp("2024-03-25")
    shared = inst.assign(loan_id="l1")  # b2 (paid in full) holds b1's loan
    kept, same_contacts, _ = owing_borrowers(shared, contacts, t, 0)
    assert kept is shared and same_contacts is contacts
    missing = installments.assign(borrower_id=["b1", "b1", "b1", None])
    kept, _, eligible = owing_borrowers(missing, None, t, 0)
    assert kept is missing and eligible is None
