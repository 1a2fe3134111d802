"""Plans-equality: the planner makes the same plans as the planner before it was made fast (issue 22).

The expectations under tests/policy/data/ were written by the planner of commit dd0876b (before the
screen and the array rounds) for the 300-borrower world of tests/policy/_world.py, with agent
calls on and ungated (3 a day): every column of the steps (but the message text and tone, which the
template id and language fix, and the constant decision columns) and of the events under
us_reg_f_2021, and the placement columns and events under strict_v1. ``benchmarks/policy.py
--compare DIR`` checks the same on the benchmark's worlds.
"""

from __future__ import annotations

import io
import pathlib

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from riskscore.policy import ContactPolicy
from tests.policy._world import NOW, world

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def portfolio():
    return world()


@pytest.mark.parametrize("profile", ["us_reg_f_2021", "strict_v1"])
def test_the_plans_are_those_of_the_planner_before_it_was_made_fast(portfolio, profile):
    b, c, scores = portfolio
    policy = ContactPolicy(profile, agent_calls_per_day=3, max_window_calls=None, call_wait_days=None)
    plans = policy.plan(scores, None, b, c, now=NOW)
    for name, got in (("steps", plans.steps), ("events", plans.events)):
        want = pd.read_parquet(DATA / f"plans_{profile}_{name}.parquet")
        buffer = io.BytesIO()  # through parquet, as the expectation went
        got.reset_index(drop=True)[list(want.columns)].to_parquet(buffer)
        assert_frame_equal(pd.read_parquet(buffer), want)
    assert plans.steps["action"].eq("agent_call").any()  # the world exercises calls and their capacity
    assert plans.events["rule_id"].eq("CAPACITY").any()
