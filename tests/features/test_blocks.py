"""FeatureBuilder.transform a block of borrowers at a time: the same features, bit for bit, as one pass."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import riskscore
import riskscore.features._builder as builder
from riskscore.features import FeatureBuilder
from riskscore.features._blocks import borrower_blocks

BLOCK = 97  # 800 borrowers: 9 blocks, the last one short


@pytest.fixture(scope="module")
def world(small_world):
    inst = riskscore.validate_installments(small_world.installments)
    contacts = riskscore.validate_contacts(small_world.contacts)
    own = small_world.borrowers[["borrower_id"]].assign(
        credit_limit=np.linspace(100.0, 5000.0, len(small_world.borrowers)))
    return inst, contacts, own


def _transform(monkeypatch, block, inst, as_of, *, population="outstanding", tolerance=0.01, **kw):
    monkeypatch.setattr(builder, "BLOCK_BORROWERS", block)
    fb = FeatureBuilder(validate=False, static=("credit_limit",), credit_limit="credit_limit",
                        population=population, tolerance=tolerance)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = fb.fit().transform(inst, as_of, **kw)
    return X, [str(w.message) for w in caught]


def _assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert np.array_equal(a.to_numpy(), b.to_numpy(), equal_nan=True)  # NaN where NaN, every bit elsewhere


# late: borrowers of every block; early: a few borrowers, most blocks have no installment due yet
@pytest.mark.parametrize(("as_of", "eligible"), [("2025-03-31", (3 * BLOCK, 800)), ("2024-02-10", (10, BLOCK))])
@pytest.mark.parametrize("shuffle", [False, True])
def test_blocks_give_the_features_of_one_pass(monkeypatch, world, as_of, eligible, shuffle):
    inst, contacts, own = world
    if shuffle:  # not grouped by borrower: blocks are gathered, and the index sorted back
        inst = inst.sample(frac=1.0, random_state=3)
        contacts = contacts.sample(frac=1.0, random_state=4)
    for population in ("outstanding", "all"):
        one, w_one = _transform(monkeypatch, 10**9, inst, as_of, contacts=contacts, borrowers=own,
                                population=population)
        blocked, w_blocked = _transform(monkeypatch, BLOCK, inst, as_of, contacts=contacts, borrowers=own,
                                        population=population)
        _assert_identical(one, blocked)
        assert w_blocked == w_one  # population warnings: once, over all borrowers
        assert one.index.is_monotonic_increasing
    assert eligible[0] < len(one) < eligible[1]  # population "all"
    assert one["calls_90d"].sum() > 0 and one["credit_limit"].notna().all()


def test_the_small_population_warning_is_about_all_borrowers(monkeypatch, world):
    inst, contacts, own = world
    # a tolerance above every amount settles everything: nobody owes, in every block
    one, w_one = _transform(monkeypatch, 10**9, inst, "2025-03-31", tolerance=1e9, contacts=contacts, borrowers=own)
    blocked, w_blocked = _transform(monkeypatch, BLOCK, inst, "2025-03-31", tolerance=1e9, contacts=contacts,
                                    borrowers=own)
    _assert_identical(one, blocked)
    assert len(one) == 0
    assert len([w for w in w_blocked if "FeatureBuilder kept" in w]) == 1 and w_blocked == w_one


def test_a_loan_shared_across_blocks_is_computed_in_one_block(monkeypatch, world):
    inst, contacts, own = world
    ids = np.sort(inst["borrower_id"].unique())
    loan = inst.loc[inst["borrower_id"] == ids[0], "loan_id"].iloc[0]
    # the loan's rows again, under a borrower of the last block: one pass sees each installment paid
    # twice (by the first borrower); blocks alone would see two borrowers with an installment each
    copy = inst.loc[inst["loan_id"] == loan].assign(borrower_id=ids[-1])
    shared = pd.concat([inst, copy], ignore_index=True)
    one, _ = _transform(monkeypatch, 10**9, shared, "2025-03-31", contacts=contacts, borrowers=own,
                        population="all")
    blocked, _ = _transform(monkeypatch, BLOCK, shared, "2025-03-31", contacts=contacts, borrowers=own,
                            population="all")
    _assert_identical(one, blocked)
    monkeypatch.setattr(builder, "loans_cross_blocks", lambda loans: False)
    unguarded, _ = _transform(monkeypatch, BLOCK, shared, "2025-03-31", contacts=contacts, borrowers=own,
                              population="all")
    assert not unguarded.equals(one)  # what the guard prevents


def test_borrower_blocks_split_rows_by_borrower_keeping_their_order():
    inst = pd.DataFrame({"borrower_id": ["c", "a", "c", "b", "a", "d", "b"], "x": range(7)})
    contacts = pd.DataFrame({"borrower_id": ["a", "zz", "d", "c"], "y": range(4)})
    blocks = list(borrower_blocks(inst, contacts, size=2))  # borrowers by first appearance: c, a | b, d
    assert [b[0]["x"].tolist() for b in blocks] == [[0, 1, 2, 4], [3, 5, 6]]
    assert [b[1]["y"].tolist() for b in blocks] == [[0, 3], [2]]  # 'zz' has no installments: no block
    grouped = inst.sort_values("borrower_id", kind="stable")
    blocks = list(borrower_blocks(grouped, None, size=2))  # grouped by borrower: row ranges, no copy
    assert [b[0]["x"].tolist() for b in blocks] == [[1, 4, 3, 6], [0, 2, 5]]
    assert all(b[1] is None for b in blocks)
    only, = borrower_blocks(inst, contacts, size=4)
    assert only[0] is inst and only[1] is contacts
