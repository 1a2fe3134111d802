"""Ground truth: exact where it can be checked by hand, and equal to re-simulated reality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskscore
from riskscore.datasets import WorldParams
from riskscore.schemas import outstanding_at, settlement_dates
from riskscore.testing import assert_probabilities, assert_survival_curves

AS_OF = pd.Timestamp("2024-11-15")


def test_truth_covers_exactly_the_scoring_population(small_world):
    truth = small_world.truth(AS_OF)
    population = set(outstanding_at(small_world.installments, AS_OF)["borrower_id"])
    assert set(truth.index) == population and len(truth) > 50
    for h in (7, 14, 30, 60, 90):
        assert_probabilities(truth[f"p_repaid_{h}d"], f"p_repaid_{h}d")
    cdf, meta = small_world.truth_cdf(AS_OF, 90)
    assert_survival_curves(cdf)
    assert (meta["method"] == "exact").all()
    assert truth["se_30d"].eq(0).all()
    assert truth["expected_days"].between(1, 90).all()


def test_constant_hazard_borrowers_match_the_closed_form():
    """Without hardship, a borrower's daily hazards are constant, so the truth has a formula.

    Arrears only: P(T <= h) = 1 - (1 - c)^h, with c the daily cure hazard.
    One upcoming installment due in d days (no arrears): not settled by h iff no payment on
    any of the m pre-due window days up to h and no cure on any day from d to h:
    P(T > h) = (1 - p)^m (1 - c)^max(0, h - d + 1).
    """
    world = riskscore.generate(3000, seed=8, params=WorldParams(hardship_annual_rate=0.0))
    t = pd.Timestamp("2024-10-01")
    truth = world.truth(t)
    _, meta = world.truth_cdf(t, 90)
    tr = world.traits.set_index("borrower_id").loc[truth.index]
    out = outstanding_at(world.installments, t)
    delta = (out["due_date"] - t).dt.days.groupby(out["borrower_id"])
    arrears_only = meta["arrears"] & (meta["pending"] == 0)
    one_pending = ~meta["arrears"] & (meta["pending"] == 1)
    assert arrears_only.sum() > 20 and one_pending.sum() > 20, (arrears_only.sum(), one_pending.sum())
    c, p, e = tr["clear_normal"], tr["pre_normal"], world.params.early_days
    d = delta.max().loc[truth.index]
    for h in (7, 14, 30, 60, 90):
        expected = 1 - (1 - c) ** h
        np.testing.assert_allclose(truth.loc[arrears_only, f"p_repaid_{h}d"], expected[arrears_only], atol=1e-12)
        m = np.minimum(h, d) - np.maximum(1, d - e) + 1
        survive = (1 - p) ** m * (1 - c) ** np.maximum(0, h - d + 1)
        np.testing.assert_allclose(truth.loc[one_pending, f"p_repaid_{h}d"], 1 - survive[one_pending], atol=1e-12)


def test_monte_carlo_agrees_with_exact(small_world):
    exact = small_world.truth(AS_OF)
    mc = small_world.truth(AS_OF, method="monte_carlo", n_paths=4000, random_state=3)
    assert (mc["method"] == "monte_carlo").all()
    for h in (7, 30, 90):
        diff = mc[f"p_repaid_{h}d"] - exact[f"p_repaid_{h}d"]
        se = np.sqrt(exact[f"p_repaid_{h}d"] * (1 - exact[f"p_repaid_{h}d"]) / 4000)
        assert (diff.abs() <= 5 * se + 1e-3).all()
        assert abs(diff.sum()) <= 5 * np.sqrt((se**2).sum())


def _event_days(world: riskscore.World, owed: pd.DataFrame, t: pd.Timestamp) -> pd.Series:
    """Days from t until every installment owed at t is settled (inf if never, in the data)."""
    settled = settlement_dates(world.installments)[["loan_id", "installment_no", "settled_date"]]
    m = owed.merge(settled, on=["loan_id", "installment_no"], how="left")
    days = (m["settled_date"] - t).dt.days.astype(float).fillna(np.inf)
    return days.groupby(m["borrower_id"]).max()


@pytest.mark.slow
def test_truth_equals_the_repayment_rate_of_resimulated_futures():
    world = riskscore.generate(1000, seed=5)
    t = AS_OF
    truth = world.truth(t)
    owed = outstanding_at(world.installments, t)
    horizons = (7, 14, 30, 60, 90)
    runs = 40
    hits = np.zeros((len(truth), len(horizons)))
    for r in range(runs):
        days = _event_days(world.resimulate(t, seed=100 + r), owed, t).reindex(truth.index)
        hits += np.column_stack([(days <= h).to_numpy() for h in horizons])
    mc = world.truth(t, method="monte_carlo", n_paths=2000, random_state=1)
    for j, h in enumerate(horizons):
        observed = hits[:, j].mean() / runs
        for estimate in (truth, mc):
            p = estimate[f"p_repaid_{h}d"].to_numpy()
            se = np.sqrt((p * (1 - p)).sum() / runs) / len(p)
            assert abs(observed - p.mean()) < 4 * se, (h, observed, p.mean(), estimate["method"].iloc[0])


def test_resimulation_keeps_the_past(small_world):
    other = small_world.resimulate(AS_OF, seed=9)
    before = [w.installments[w.installments["paid_date"] <= AS_OF].reset_index(drop=True) for w in (small_world, other)]
    pd.testing.assert_frame_equal(*before)
    pd.testing.assert_frame_equal(small_world.traits, other.traits)
    assert not small_world.installments.equals(other.installments)


def test_truth_rejects_dates_outside_the_window(small_world):
    with pytest.raises(ValueError, match=r"as_of must lie in the data window 2024-01-01..2025-12-31, got 2026-01-05"):
        small_world.truth("2026-01-05")
    with pytest.raises(ValueError, match="method must be 'auto', 'exact' or 'monte_carlo', got 'guess'"):
        small_world.truth(AS_OF, method="guess")  # type: ignore[arg-type]


def test_hardship_lowers_the_truth(small_world):
    truth = small_world.truth(AS_OF)
    assert truth["in_hardship"].any()
    by = truth.groupby("in_hardship")["p_repaid_30d"].mean()
    assert by[True] < by[False] - 0.2
