"""API-wide checks: the public names, their docs, and how they reject bad arguments."""

from __future__ import annotations

import inspect

import pytest

import riskscore
import riskscore.datasets
import riskscore.features
import riskscore.labels
import riskscore.schemas
import riskscore.snapshots

MODULES = (riskscore, riskscore.schemas, riskscore.datasets, riskscore.features, riskscore.labels, riskscore.snapshots)
PUBLIC = [(mod, name) for mod in MODULES for name in mod.__all__ if name != "__version__"]


def test_all_names_exist():
    for mod, name in PUBLIC:
        assert hasattr(mod, name), f"{mod.__name__}.{name} is in __all__ but missing"


@pytest.mark.parametrize(("mod", "name"), PUBLIC, ids=[f"{m.__name__}.{n}" for m, n in PUBLIC])
def test_public_callables_have_numpy_docstrings_with_examples(mod, name):
    obj = getattr(mod, name)
    if not callable(obj):
        return
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    if inspect.isfunction(obj) or inspect.isclass(obj):
        assert "Examples\n--------" in doc or ">>>" in doc, f"{name} has no example"


def test_version_is_package_metadata():
    from importlib.metadata import version

    assert riskscore.__version__ == version("riskscore")


def test_import_changes_nothing_global():
    import logging

    assert logging.getLogger("riskscore").handlers == []
