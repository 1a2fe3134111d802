"""The synthetic world: contracts, determinism, documented rates."""

from __future__ import annotations

import pandas as pd
import pytest

import riskscore
from riskscore.datasets import WorldParams, summarize_installments

TABLES = ("installments", "borrowers", "contacts", "traits", "hardship")


def test_tables_pass_their_contracts(small_world):
    assert len(riskscore.validate_installments(small_world.installments, data_date=small_world.end)) == len(
        small_world.installments)
    assert len(riskscore.validate_borrowers(small_world.borrowers)) == 800
    assert len(riskscore.validate_contacts(small_world.contacts)) == len(small_world.contacts)


def test_same_seed_same_world(global_random_seed):
    a = riskscore.generate(300, seed=global_random_seed)
    b = riskscore.generate(300, seed=global_random_seed)
    c = riskscore.generate(300, seed=global_random_seed + 1)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.installments.equals(c.installments)


def test_a_smaller_world_is_a_prefix_of_a_larger_one():
    small, large = riskscore.generate(1100, seed=4), riskscore.generate(2100, seed=4)
    for name in TABLES:
        big = getattr(large, name)
        cut = big[big["borrower_id"] <= "B00001099"].reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(small, name), cut)


def test_world_shape(small_world):
    w = small_world
    assert w.borrowers["borrower_id"].is_unique
    assert set(w.installments["borrower_id"]) == set(w.borrowers["borrower_id"])
    assert w.installments["paid_date"].max() <= w.end
    assert set(w.borrowers["language"]) == {"en", "zh"}
    assert {"Asia/Kolkata", "Australia/Adelaide", "America/New_York"} <= set(w.borrowers["timezone"])
    per_borrower = w.installments.groupby("borrower_id")["loan_id"].nunique()
    assert per_borrower.min() >= 1 and per_borrower.max() <= 4
    # Local office hours 09:00-20:00 in each borrower's zone.
    tz = w.contacts["borrower_id"].map(w.borrowers.set_index("borrower_id")["timezone"])
    hours = [ts.tz_convert(z).hour for ts, z in zip(w.contacts["contacted_at"], tz, strict=True)]
    assert min(hours) >= 9 and max(hours) < 20


def test_blocked_borrowers_get_no_contacts(small_world):
    b = small_world.borrowers
    blocked = b.loc[b[["do_not_contact", "cease_requested", "bankruptcy", "deceased", "dispute_open"]].any(axis=1),
                    "borrower_id"]
    assert len(blocked) > 0
    assert not small_world.contacts["borrower_id"].isin(blocked).any()


#: Documented default rates (docs/synthetic_world.md: means over seeds 0-7 of 4000-borrower worlds)
#: and the tolerance each is held to: about 5 standard deviations across seeds.
DOCUMENTED = {
    "on_time": (0.866, 0.008), "late_1_30": (0.111, 0.008), "late_31_90": (0.0144, 0.0035),
    "late_90_plus": (0.0087, 0.0025), "paid_in_several_payments": (0.030, 0.006),
    "borrowers_ever_30_plus": (0.090, 0.01), "borrowers_ever_90_plus": (0.031, 0.0055),
}


@pytest.mark.slow
def test_marginal_rates_match_the_documented_defaults(global_random_seed):
    w = riskscore.generate(4000, seed=global_random_seed)
    rates = summarize_installments(w.installments, w.end)
    for name, (target, tol) in DOCUMENTED.items():
        assert abs(rates[name] - target) <= tol, (name, rates[name], target)


def test_params_change_the_world():
    calm = riskscore.generate(600, seed=2, params=WorldParams(hardship_annual_rate=0.0))
    assert calm.hardship.empty
    assert not calm.borrowers["hardship_declared"].all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_borrowers": 0}, r"The 'n_borrowers' parameter of generate must be an int in the range \[1, inf\)\. Got 0"),
     ({"n_borrowers": "10"}, r"The 'n_borrowers' parameter of generate must be an int in the range \[1, inf\)\. "
                             r"Got '10'"),
     ({"n_borrowers": 10, "months": 0}, r"The 'months' parameter of generate must be an int in the range \[1, inf\)"),
     ({"n_borrowers": 10, "seed": -1}, r"The 'seed' parameter of generate must be an int in the range \[0, inf\)")],
)
def test_generate_validates_its_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        riskscore.generate(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"clear_max": 1.5}, r"WorldParams.clear_max must lie in \[0, 1\], got 1.5"),
     ({"frequency_probs": (0.5, 0.5, 0.5)}, "WorldParams.frequency_probs must sum to 1"),
     ({"partial_arrears_fraction": (0.1, 1.0)}, "A partial payment must leave something unpaid"),
     ({"apr_range": (0.3, 0.1)}, r"WorldParams.apr_range must be \(lo, hi\) with 0 <= lo <= hi <= 1")],
)
def test_world_params_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorldParams(**kwargs)
