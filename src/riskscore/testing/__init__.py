"""Helpers for testing code built on riskscore: hypothesis strategies and invariant checks.

Requires ``hypothesis`` (in the ``dev`` extra). Nothing in riskscore itself imports this.
"""

from riskscore.testing._invariants import assert_probabilities, assert_survival_curves
from riskscore.testing._strategies import borrowers_frames, contacts_frames, installments_frames

__all__ = [
    "assert_probabilities",
    "assert_survival_curves",
    "borrowers_frames",
    "contacts_frames",
    "installments_frames",
]
