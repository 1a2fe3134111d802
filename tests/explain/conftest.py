"""A RepaymentModel fitted on the first half of a small world's snapshots, for the explain tests."""

from __future__ import annotations

import pytest

import riskscore
from riskscore.labels import rolling_as_of_dates
from riskscore.model import RepaymentModel
from riskscore.snapshots import split_xy


@pytest.fixture(scope="session")
def fit_on_world():
    """``fit_on_world(borrowers, seed, **params)`` -> (model, world, test snapshots, test X)."""

    def fit(borrowers: int, seed: int, **params):
        world = riskscore.generate(borrowers, seed=seed)
        snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-06-01"),
                                         contacts=world.contacts, data_end=world.end)
        X, y = split_xy(snaps)
        half = len(X) // 2
        model = RepaymentModel(random_state=0, **params).fit(X.iloc[:half], y[:half],
                                                             eval_set=(X.iloc[half:], y[half:]))
        return model, world, snaps.iloc[half:], X.iloc[half:]

    return fit
