"""Shared fixtures: a seed that can be swept, and small generated worlds."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import riskscore

# The committed sample bundle (models/sample) records the library releases it was saved with, and the
# package registry moves on: once a new minor release of pandas, numpy, LightGBM or scikit-learn is
# out, a fresh installation loads that bundle with a BundleVersionWarning. The warning is about the
# environment, not the code under test (the pins admit those releases), so the suite ignores it: in
# its own processes (pytest_configure, below) and in every process a test starts, CLI runs included
# (PYTHONWARNINGS; the last matching entry wins). The tests of the warning itself catch it with
# pytest.warns or warnings.catch_warnings + simplefilter("always"), which see it all the same.
BUNDLE_VERSIONS = "ignore:Other library versions than the bundle:UserWarning"
os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), BUNDLE_VERSIONS]))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", BUNDLE_VERSIONS)


_SEEDS = list(range(5)) if os.environ.get("RISKSCORE_TESTS_SEED") == "all" else [42]


@pytest.fixture(params=_SEEDS)
def global_random_seed(request: pytest.FixtureRequest) -> int:
    """42 by default; 0..4 with RISKSCORE_TESTS_SEED=all."""
    return int(request.param)


@pytest.fixture(scope="session")
def small_world() -> riskscore.World:
    return riskscore.generate(800, seed=11)


@pytest.fixture
def installments() -> pd.DataFrame:
    """Two borrowers, three installments, one paid in two parts, one unpaid."""
    return pd.DataFrame({
        "borrower_id": ["b1", "b1", "b1", "b2"],
        "loan_id": ["l1", "l1", "l1", "l2"],
        "installment_no": [1, 1, 2, 1],
        "due_date": ["2024-03-01", "2024-03-01", "2024-04-01", "2024-03-05"],
        "amount_due": [100.0, 100.0, 100.0, 50.0],
        "paid_date": ["2024-03-02", "2024-03-20", None, "2024-03-05"],
        "amount_paid": [60.0, 40.0, 0.0, 50.0],
    })


@pytest.fixture
def borrowers() -> pd.DataFrame:
    flags = {flag: [False, False] for flag in riskscore.schemas.BORROWER_FLAGS}
    return pd.DataFrame({
        "borrower_id": ["b1", "b2"], "timezone": ["Asia/Shanghai", "America/New_York"],
        "channels_allowed": ["sms,call", "email"], "preferred_channel": ["sms", None],
        "language": ["zh", "en"], **flags,
    })


@pytest.fixture
def contacts() -> pd.DataFrame:
    return pd.DataFrame({
        "borrower_id": ["b1", "b2"],
        "contacted_at": pd.to_datetime(["2024-03-03T02:00:00Z", "2024-03-06T15:30:00Z"]),
        "channel": ["call", "email"], "outcome": ["promise_to_pay", "message_sent"],
    })
