"""Custom import-linter contract types for riskscore (``contract_types`` in pyproject.toml).

``private_modules``-style rules, as riskscore reads them (style.md sections 2 and 3):

``private_imports``
    1. A private module (``riskscore.a._x``: its name, or an ancestor's, starts with ``_``) is
       its parent package's own: ``riskscore.a`` and its descendants may import it, nothing
       else may. Other packages import the name from ``riskscore.a`` (its ``__init__``
       re-exports it). Modules private to the root (``riskscore._compat``) are open to all of
       riskscore.
    2. Another library's private API (a module path with a ``_`` component, as in
       ``sklearn.utils._param_validation``, or a ``_`` name imported from a library) is
       imported only by the modules in ``private_api_allowed`` (``riskscore._compat``: one
       door, so a move in a future release is fixed in one file). The standard library is
       exempt (``os._exit`` and ``sys._getframe`` are documented API).

    Part 1 reads the import graph; part 2 reads the sources, since the graph keeps other
    packages only as their top-level names.

``allowed_imports``
    The ``source_modules`` (and their descendants) import, inside the root packages, only
    the ``allowed_modules`` themselves (not their descendants) and their own modules; direct
    imports only. For the command line: ``riskscore``, ``riskscore.io`` and ``riskscore.spark``.

Both run with import-linter 2.x: ``lint-imports`` puts the working directory on ``sys.path``,
so ``tools.import_contracts`` imports from the repository root.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from typing import Any

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

__all__ = ["AllowedImportsContract", "PrivateImportsContract"]


def _is_private(component: str) -> bool:
    return component.startswith("_") and not (component.startswith("__") and component.endswith("__"))


def _owner_of_private(module: str) -> str | None:
    """The package a module is private to (the parent of its innermost private component), or None."""
    parts = module.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if _is_private(parts[i]):
            return ".".join(parts[:i])
    return None


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _roots(contract: Contract) -> list[str]:
    options = contract.session_options
    return list(options.get("root_packages") or [options["root_package"]])


def _source_file(module: str, roots: list[str]) -> Path | None:
    """The file of an internal module, found without importing anything."""
    root = module.split(".")[0]
    if root not in roots:
        return None
    spec = importlib.util.find_spec(root)  # a top-level name: located, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)), *module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _private_api_imports(path: Path, roots: list[str]) -> list[tuple[int, str]]:
    """(line, what) for each import of another library's private module or name in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            if parts[0] in roots or parts[0] in sys.stdlib_module_names:
                continue
            if any(_is_private(p) for p in parts):
                found.append((node.lineno, target))
                break
    return found


class PrivateImportsContract(Contract):
    """Private modules stay in their package; other libraries' private API goes through one door."""

    private_api_allowed = fields.ListField(subfield=fields.ModuleField(), required=False)

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        roots = _roots(self)
        internal = []
        for imported in sorted(graph.modules):
            owner = _owner_of_private(imported)
            if owner is None or imported.split(".")[0] not in roots:
                continue
            for importer in sorted(graph.find_modules_that_directly_import(imported)):
                if not _within(importer, owner):
                    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                    internal.append({"importer": importer, "imported": imported, "owner": owner, "lines": lines})
        allowed = {m.name for m in self.private_api_allowed or []}
        external = []
        for module in sorted(graph.modules):
            if module in allowed or module.split(".")[0] not in roots:
                continue
            path = _source_file(module, roots)
            for line, target in _private_api_imports(path, roots) if path is not None else []:
                external.append({"importer": module, "imported": target, "lines": [line]})
        return ContractCheck(kept=not internal and not external,
                             metadata={"internal": internal, "external": external, "allowed": sorted(allowed)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["internal"]:
            output.print_error(f"{v['importer']} -> {v['imported']} (l.{', '.join(map(str, v['lines']))}): "
                               f"private to {v['owner']}; import the name from {v['owner']}", bold=False)
            output.new_line()
        for v in check.metadata["external"]:
            output.print_error(f"{v['importer']} -> {v['imported']} (l.{v['lines'][0]}): another library's "
                               f"private API; only {', '.join(check.metadata['allowed']) or 'no module'} "
                               "may import it", bold=False)
            output.new_line()


class AllowedImportsContract(Contract):
    """The source modules import, inside the root packages, only the allowed modules and their own."""

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        roots = _roots(self)
        allowed = {m.name for m in self.allowed_modules}
        illegal = []
        for source in (m.name for m in self.source_modules):
            for importer in sorted({source} | graph.find_descendants(source)):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if imported.split(".")[0] not in roots or imported in allowed or _within(imported, source):
                        continue
                    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                    illegal.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal, "allowed": sorted(allowed)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["illegal"]:
            output.print_error(f"{v['importer']} -> {v['imported']} (l.{', '.join(map(str, v['lines']))}): "
                               f"may import only {', '.join(check.metadata['allowed'])}", bold=False)
            output.new_line()
