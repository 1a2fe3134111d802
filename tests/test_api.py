"""The public API: ``riskscore.__all__``, its reference page, lazy imports, and the import rules."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import riskscore

ROOT = Path(__file__).resolve().parents[1]

#: Public names whose docstring has no Examples section yet, with the reason (none today). The
#: test below fails when one gains its section, so the list stays true.
KNOWN_WITHOUT_EXAMPLES: dict[str, str] = {}


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f"riskscore_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)


def test_api_page_is_current():
    make_api = _load_tool("make_api")
    committed = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert make_api.render() == committed, f"docs/api.md is stale: run `{make_api.COMMAND}` to regenerate it"


def test_all_is_the_lazy_table_plus_the_exceptions():
    exceptions = set(riskscore.exceptions.__all__)
    assert set(riskscore.__all__) == set(riskscore._LAZY) | exceptions | {"__version__"}
    assert len(riskscore.__all__) == len(set(riskscore.__all__))
    for name, module in riskscore._LAZY.items():
        assert not any(part.startswith("_") for part in module.split(".")), f"{name} comes from a private module"
        assert getattr(importlib.import_module(module), name) is getattr(riskscore, name), name


def test_type_checkers_see_the_lazy_names():
    """The ``if TYPE_CHECKING:`` imports of riskscore/__init__.py are exactly the lazy table."""
    tree = ast.parse((ROOT / "src" / "riskscore" / "__init__.py").read_text(encoding="utf-8"))
    block = next(node for node in tree.body
                 if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"))
    seen = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert seen == riskscore._LAZY


@pytest.mark.parametrize("name", [n for n in riskscore.__all__ if n != "__version__"])
def test_public_names_have_examples(name):
    doc = inspect.getdoc(getattr(riskscore, name)) or ""
    assert doc, f"riskscore.{name} has no docstring"
    has_examples = "Examples\n--------" in doc
    if name in KNOWN_WITHOUT_EXAMPLES:
        assert not has_examples, f"riskscore.{name} has Examples now: remove it from KNOWN_WITHOUT_EXAMPLES"
    else:
        assert has_examples, f"riskscore.{name}'s docstring has no Examples section"


def test_dir_and_star_import_list_the_public_names():
    assert set(riskscore.__all__) <= set(dir(riskscore))
    namespace: dict[str, object] = {}
    exec("from riskscore import *", namespace)
    assert set(riskscore.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="module 'riskscore' has no attribute 'no_such_name'"):
        riskscore.no_such_name  # noqa: B018


def test_the_namespace_holds_only_the_public_api_and_dunders():
    # issue 20: riskscore.sys and riskscore.warnings were attributes (module-level imports)
    public = set(riskscore.__all__) | riskscore._SUBMODULES
    extra = [n for n in dir(riskscore) if n not in public and not (n.startswith("__") and n.endswith("__"))]
    assert extra == []
    stray = [n for n in vars(riskscore) if not n.startswith("_") and n not in public]
    assert stray == []  # no helper module or typing name bound at module level, listed or not
    for name in ("sys", "warnings", "importlib", "types", "annotations", "version", "Any", "TYPE_CHECKING"):
        assert not hasattr(riskscore, name), name


def test_explain_is_the_function_even_after_the_subpackage_is_imported():
    # Importing the subpackage makes Python bind it on its parent; riskscore keeps the function.
    import riskscore.explain
    from riskscore.explain import explain as the_function

    assert riskscore.explain is the_function
    assert sys.modules["riskscore.explain"].reason_codes is riskscore.reason_codes


def test_submodules_are_reachable_as_attributes():
    assert riskscore.schemas.BORROWER_FLAGS is importlib.import_module("riskscore.schemas").BORROWER_FLAGS


def test_import_imports_no_subpackage_and_writes_no_sys_modules():
    """`import riskscore` is fast because it imports none of its subpackages (the import contracts
    rely on it) and neither pandas nor pandera (nor pyspark, which pandera probes when the spark
    extra is installed: 0.9 s); sys.modules["pyspark.pandas"] is never left None."""
    out = _run("""
import json, sys, types, warnings
filters = list(warnings.filters)
import riskscore
spark = sys.modules.get("pyspark.pandas", "absent")
print(json.dumps({
    "riskscore": sorted(m for m in sys.modules if m.startswith("riskscore.")),
    "heavy": sorted(m for m in ("lightgbm", "sklearn", "numba", "shap", "jinja2", "pandera", "pyspark", "pandas")
                    if m in sys.modules),
    "pyspark.pandas": spark if spark == "absent" else type(spark).__name__,
    "filters_restored": warnings.filters == filters,
}))
""")
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["riskscore"] == ["riskscore.exceptions"]
    assert seen["heavy"] == []
    assert seen["pyspark.pandas"] in ("absent", "module")  # never the None that blocks an import
    assert seen["filters_restored"]


def test_pandera_validation_after_import_is_quiet():
    """With pyspark installed and pandas 3, pandera's probes of pyspark.pandas warn (pyspark's
    FutureWarning); riskscore runs them once, quietly, at import. Nothing warns afterwards."""
    out = _run("""
import warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import pandas as pd
    import riskscore
    inst = pd.DataFrame({"borrower_id": ["b1"], "loan_id": ["l1"], "installment_no": [1],
                         "due_date": ["2024-03-01"], "amount_due": [100.0], "paid_date": ["2024-03-02"],
                         "amount_paid": [100.0]})
    riskscore.validate_installments(inst)
    good, bad = riskscore.quarantine(inst.assign(amount_due=-1.0), "installments")
for w in caught:
    if not issubclass(w.category, riskscore.DataQualityWarning):  # riskscore's own, about the rejected row
        print(f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})")
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "", out.stdout


def test_without_riskscore_pandera_warns_about_pyspark():
    """The control of the test above: pandera alone does warn, so that test shows something."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed: pandera's probes cannot warn")
    out = _run("""
import warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import pandera.pandas as pa
    pa.DataFrameSchema({"a": pa.Column(int, pa.Check.ge(0))}).validate(__import__("pandas").DataFrame({"a": [1]}))
print(sum("PySpark does not yet fully support" in str(w.message) for w in caught))
""")
    assert out.returncode == 0, out.stderr
    if int(out.stdout) == 0:
        pytest.skip("this pyspark imports pyspark.pandas under this pandas without a warning")
    assert int(out.stdout) >= 3  # two at import, one or more at the first validation


# -- the import contracts (tools/import_contracts.py), on a small package with every kind of import


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    files = {
        "__init__.py": "",
        "io.py": "",
        "_compat.py": "from sklearn.utils._param_validation import Interval\n",
        "a/__init__.py": "from rs_fake.a._x import f\n",
        "a/_x.py": "def f():\n    pass\n",
        "a/inner.py": "from rs_fake.a._x import f\n",
        "b/__init__.py": ("from rs_fake.a._x import f\nimport numpy._core\nfrom pandas import _libs\n"
                          "from os import _exit\nfrom rs_fake import _compat\n"),
        "cli/__init__.py": ("import rs_fake\nfrom rs_fake import io\nfrom rs_fake.a import f\n"
                            "from rs_fake.cli import _m\n"),
        "cli/_m.py": "",
    }
    for rel, text in files.items():
        path = tmp_path / "rs_fake" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    import grimp

    return grimp.build_graph("rs_fake")


def test_private_imports_contract(fake_package):
    contracts = _load_tool("import_contracts")
    contract = contracts.PrivateImportsContract(
        name="private", session_options={"root_packages": ["rs_fake"]},
        contract_options={"private_api_allowed": ["rs_fake._compat"]})
    check = contract.check(fake_package, verbose=False)
    assert not check.kept
    internal = {(v["importer"], v["imported"]) for v in check.metadata["internal"]}
    assert internal == {("rs_fake.b", "rs_fake.a._x")}  # rs_fake.a.inner is inside rs_fake.a: allowed
    external = {(v["importer"], v["imported"]) for v in check.metadata["external"]}
    assert external == {("rs_fake.b", "numpy._core"), ("rs_fake.b", "pandas._libs")}  # os._exit: stdlib


def test_allowed_imports_contract(fake_package):
    contracts = _load_tool("import_contracts")
    contract = contracts.AllowedImportsContract(
        name="cli", session_options={"root_packages": ["rs_fake"]},
        contract_options={"source_modules": ["rs_fake.cli"], "allowed_modules": ["rs_fake", "rs_fake.io"]})
    check = contract.check(fake_package, verbose=False)
    assert [(v["importer"], v["imported"]) for v in check.metadata["illegal"]] == [("rs_fake.cli", "rs_fake.a")]


# -- the demo as a library function (the CLI only prints what it returns)


def test_run_demo_without_a_bundle_summarises_the_sample(tmp_path):
    riskscore.write_world(tmp_path / "data", 120, seed=5, chunk_borrowers=1024)
    steps: list[str] = []
    result = riskscore.run_demo(tmp_path / "data", tmp_path / "out", tmp_path / "no-bundle", progress=steps.append)
    assert steps == [] and not result.generated and result.run is None
    assert result.outputs == ["summary.json"]
    assert json.loads((tmp_path / "out" / "summary.json").read_text()) == result.summary
    assert result.summary["borrowers"] == 120 and result.summary["data_end"] == riskscore.data_end(tmp_path / "data")
    assert 0 <= result.summary["rates"]["on_time"] <= 1


def test_run_demo_rejects_a_bad_argument():
    with pytest.raises(ValueError, match="The 'progress' parameter of run_demo must be a callable or None"):
        riskscore.run_demo(progress="print")
