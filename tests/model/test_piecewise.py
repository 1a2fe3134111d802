"""PiecewiseHazardFunction: exact at its knots, a constant hazard between them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore.model import PiecewiseHazardFunction

HAZARDS = st.lists(st.floats(0.0, 0.9), min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(HAZARDS, st.floats(0.0, 5.0))
def test_survival_is_exact_at_the_knots_monotone_and_minus_log_is_linear_between(hazards, start):
    ends = start + np.cumsum(np.arange(1, len(hazards) + 1, dtype=float))
    surv = np.cumprod(1 - np.asarray(hazards))
    f = PiecewiseHazardFunction(ends, surv, start=start)
    np.testing.assert_allclose(f(ends), surv, rtol=1e-12)
    assert f([start])[0] == 1.0 and f([start - 1.0])[0] == 1.0
    grid = np.linspace(start - 1, ends[-1] + 3, 200)
    values = f(grid)
    assert (np.diff(values) <= 1e-15).all() and ((values >= 0) & (values <= 1)).all()
    knots_t, knots_s = np.r_[start, ends], np.r_[1.0, surv]
    mids = (knots_t[:-1] + knots_t[1:]) / 2
    np.testing.assert_allclose(f(mids), np.sqrt(knots_s[:-1] * knots_s[1:]), rtol=1e-9, atol=1e-300)
    h = PiecewiseHazardFunction(ends, -np.log(np.clip(surv, 1e-300, None)), start=start, kind="cumulative_hazard")
    np.testing.assert_allclose(np.exp(-h(grid)), values, rtol=1e-9, atol=1e-300)


def test_a_wrong_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be 'survival' or 'cumulative_hazard'"):
        PiecewiseHazardFunction([1.0], [0.5], kind="hazard")
