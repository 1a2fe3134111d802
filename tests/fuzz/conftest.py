"""The fuzz suite's session world and its example count in the terminal summary (see harness.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import riskscore
from riskscore.testing import world_tables
from tests.fuzz.harness import TALLY, FuzzWorld


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY.examples:
        return
    tr = terminalreporter
    tr.section("fuzz examples")
    for test, n in sorted(TALLY.examples.items()):
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(TALLY.outcomes[test].items()))
        tr.write_line(f"{test}: {n} examples, {TALLY.seconds[test]:.1f} s in runs ({outcomes})")
    total = sum(TALLY.examples.values())
    tr.write_line(f"total: {total} examples, {sum(TALLY.seconds.values()):.1f} s in runs")


@pytest.fixture(scope="session")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> FuzzWorld:
    world = riskscore.generate(30, seed=7, months=12)
    return FuzzWorld(world_tables(world), pd.Timestamp(world.start), pd.Timestamp(world.end),
                     tmp_path_factory.mktemp("fuzz"))


