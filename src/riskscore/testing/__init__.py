"""Helpers for testing code built on riskscore: hypothesis strategies and invariant checks.

Requires ``hypothesis`` (in the ``dev`` extra). Nothing in riskscore itself imports this.

* Valid contract frames: :func:`installments_frames`, :func:`borrowers_frames`, :func:`contacts_frames`.
* Corrupted worlds on disk (the fuzz suite): :func:`variants` draws corruptions, layouts and
  damage; :func:`write_variant` writes one and records every row's borrower id as written
  (:func:`compress`: CSV compressed as warehouses and Hadoop write it);
  :func:`assert_run_laws` and :func:`assert_cli_outcome` check a run against it.
"""

from riskscore.testing._corrupt import (
    HOSTILE_IDS,
    Op,
    Variant,
    corruptions,
    variants,
    with_ops,
    world_tables,
    write_variant,
)
from riskscore.testing._invariants import assert_probabilities, assert_survival_curves
from riskscore.testing._laws import assert_cli_outcome, assert_run_laws, error_lines
from riskscore.testing._storage import Damage, Layout, WrittenInputs, compress, damages, layouts
from riskscore.testing._strategies import borrowers_frames, contacts_frames, installments_frames

__all__ = [
    "HOSTILE_IDS",
    "Damage",
    "Layout",
    "Op",
    "Variant",
    "WrittenInputs",
    "assert_cli_outcome",
    "assert_probabilities",
    "assert_run_laws",
    "assert_survival_curves",
    "borrowers_frames",
    "compress",
    "contacts_frames",
    "corruptions",
    "damages",
    "error_lines",
    "installments_frames",
    "layouts",
    "variants",
    "with_ops",
    "world_tables",
    "write_variant",
]
