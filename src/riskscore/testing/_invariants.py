"""Assertions for invariants that hold everywhere in riskscore."""

from __future__ import annotations

import numpy as np


def assert_probabilities(p: object, name: str = "probabilities") -> None:
    """Assert every value is finite and lies in [0, 1].

    Examples
    --------
    >>> assert_probabilities([0.0, 0.5, 1.0])
    """
    arr = np.asarray(p, dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
    if bad.any():
        raise AssertionError(f"{name}: {int(bad.sum())} value(s) outside [0, 1], e.g. {arr[bad][:3].tolist()}")


def assert_survival_curves(cdf: object, name: str = "cdf", atol: float = 1e-12) -> None:
    """Assert each row is a distribution function: in [0, 1] and non-decreasing in time.

    Examples
    --------
    >>> assert_survival_curves([[0.1, 0.5, 0.5, 0.9]])
    """
    arr = np.atleast_2d(np.asarray(cdf, dtype=float))
    assert_probabilities(arr, name)
    drops = np.diff(arr, axis=1) < -atol
    if drops.any():
        rows = np.flatnonzero(drops.any(axis=1))
        raise AssertionError(f"{name}: {len(rows)} row(s) decrease over time, e.g. row {rows[0]}")
