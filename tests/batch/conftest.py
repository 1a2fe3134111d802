"""A small world on disk and the committed bundle, shared by the nightly-job tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import riskscore
from riskscore.io import ARROW_SCHEMAS, write_parquet

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "sample"


@pytest.fixture(scope="session")
def world() -> riskscore.World:
    return riskscore.generate(600, seed=21)


@pytest.fixture(scope="session")
def as_of(world) -> str:
    return str((pd.Timestamp(world.end) - pd.Timedelta(days=90)).date())


@pytest.fixture(scope="session")
def now(as_of) -> str:
    return f"{as_of} 13:00"


@pytest.fixture(scope="session")
def world_files(world, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("world_files")
    paths = {}
    for name in ("installments", "borrowers", "contacts"):
        paths[name] = folder / f"{name}.parquet"
        write_table(getattr(world, name), paths[name], name)
    return paths


def write_table(frame: pd.DataFrame, path: Path, name: str) -> None:
    """As the generator stores tables: dates as date32, times as UTC microseconds (Spark reads these)."""
    write_parquet(frame, path, schema=ARROW_SCHEMAS.get(name))


def read_outputs(folder: Path) -> dict[str, pd.DataFrame]:
    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in ("scores", "plans", "audit", "rejects")}
