"""A small run on disk whose one borrower id is HTML (``<script>``), shared by the report tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import riskscore
from riskscore.batch import score_portfolio
from riskscore.schemas import outstanding_at
from tests.batch.conftest import BUNDLE, write_table

#: A borrower id that is markup: the report must show it as text.
EVIL = '<script>alert("x")</script>&amp;'


@pytest.fixture(scope="session")
def report_world() -> riskscore.World:
    return riskscore.generate(400, seed=33)


@pytest.fixture(scope="session")
def report_as_of(report_world) -> pd.Timestamp:
    return pd.Timestamp(report_world.end) - pd.Timedelta(days=90)


@pytest.fixture(scope="session")
def evil_id(report_world, report_as_of) -> str:
    """The original id of the borrower renamed to EVIL: one with something due at the as-of date."""
    owed = outstanding_at(report_world.installments, report_as_of)
    return str(sorted(owed["borrower_id"].unique())[0])


@pytest.fixture(scope="session")
def run_dir(report_world, report_as_of, evil_id, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report_run")
    inputs = {}
    for name in ("installments", "borrowers", "contacts"):
        frame = getattr(report_world, name).copy()
        frame["borrower_id"] = frame["borrower_id"].astype(object).replace({evil_id: EVIL})
        inputs[name] = folder / f"{name}.parquet"
        write_table(frame, inputs[name], name)
    out = folder / "run"
    score_portfolio(inputs["installments"], BUNDLE, report_as_of, out, borrowers=inputs["borrowers"],
                    contacts=inputs["contacts"], now=report_as_of.tz_localize("UTC") + pd.Timedelta(hours=13),
                    profile="US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1",
                    n_jobs=1, progress="off", agent_calls_per_day=5)
    return out


@pytest.fixture(scope="session")
def protected(run_dir) -> pd.DataFrame:
    """Two made-up attributes: an alternating 'band' and a 'region' with one tiny group."""
    ids = pd.read_parquet(run_dir / "scores.parquet", columns=["borrower_id"])["borrower_id"].to_numpy()
    band = np.where(np.arange(len(ids)) % 2 == 0, "18-35", "36+")
    region = np.where(np.arange(len(ids)) < 5, "island", "mainland")
    return pd.DataFrame({"borrower_id": ids, "band": band, "region": region})
