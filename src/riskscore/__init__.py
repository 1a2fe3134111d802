"""riskscore: repayment-risk scoring for consumer lending.

Point-in-time features from repayment history, LightGBM likelihood and timing of repayment,
SHAP reason codes, and contact plans that obey the collection rules.

The everyday entry points are importable from here (``__all__``; docs/api.md lists them). They
are imported on first use (PEP 562), so ``import riskscore`` stays fast for the command line:
``riskscore.Scorer`` imports :mod:`riskscore.scoring` (and LightGBM) when first touched.
``riskscore.explain`` is the function :func:`riskscore.explain.explain`; import the
subpackage's other names with ``from riskscore.explain import ...``.

Examples
--------
>>> import riskscore
>>> world = riskscore.generate(200, seed=1)
>>> checked = riskscore.validate_installments(world.installments)
>>> "Scorer" in riskscore.__all__ and "Scorer" in dir(riskscore)
True
"""

# No module-level name here but the public API, dunders and private (_) names: ``riskscore.sys``
# or ``riskscore.warnings`` would look like part of the API (tests/test_api.py checks dir(riskscore)).
# Hence the aliased imports, and no ``from __future__ import annotations`` (it binds ``annotations``).
import importlib as _importlib
import sys as _sys
import types as _types
import typing as _typing
from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from riskscore.exceptions import (
    BundleError,
    BundleVersionWarning,
    ContractError,
    DataError,
    DataQualityWarning,
    MonitoringOffWarning,
    PolicyError,
    PolicyWarning,
    RiskscoreError,
    RiskscoreWarning,
    RunConflictError,
    RunLockedError,
)

if _typing.TYPE_CHECKING:  # what the lazy table below resolves to, for type checkers and IDEs
    from riskscore.batch import score_portfolio
    from riskscore.contract import RunManifest
    from riskscore.datasets import World, generate, read_world, write_world
    from riskscore.demo import DemoResult, data_end, run_demo
    from riskscore.evaluation import evaluate_policy
    from riskscore.explain import explain, reason_codes
    from riskscore.features import FeatureBuilder
    from riskscore.labels import BorrowerTimeSplit, make_labels, rolling_as_of_dates, time_split
    from riskscore.model import HazardGBM, RepaymentModel, bundle_digest, load_bundle, save_bundle, train
    from riskscore.policy import ContactPolicy, check_plans, list_profiles, load_profile, plan_portfolio
    from riskscore.report import explain_borrower, write_history, write_report
    from riskscore.schemas import (
        allocate_payments,
        borrowers_as_of,
        quarantine,
        validate_borrowers,
        validate_contacts,
        validate_installments,
    )
    from riskscore.scoring import Scored, Scorer
    from riskscore.snapshots import make_snapshots, split_xy

try:
    __version__ = _version("riskscore")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

#: Public name -> the public module it comes from, in the order of the data flow (docs/api.md
#: follows it). Each module is imported when one of its names is first used.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("World", "generate", "read_world", "write_world"), "riskscore.datasets"),
    **dict.fromkeys(("allocate_payments", "quarantine", "validate_borrowers", "validate_contacts",
                     "validate_installments", "borrowers_as_of"), "riskscore.schemas"),
    "FeatureBuilder": "riskscore.features",
    **dict.fromkeys(("BorrowerTimeSplit", "make_labels", "rolling_as_of_dates", "time_split"), "riskscore.labels"),
    **dict.fromkeys(("make_snapshots", "split_xy"), "riskscore.snapshots"),
    **dict.fromkeys(("HazardGBM", "RepaymentModel", "bundle_digest", "load_bundle", "save_bundle", "train"),
                    "riskscore.model"),
    **dict.fromkeys(("explain", "reason_codes"), "riskscore.explain"),
    **dict.fromkeys(("ContactPolicy", "check_plans", "list_profiles", "load_profile", "plan_portfolio"),
                    "riskscore.policy"),
    **dict.fromkeys(("Scored", "Scorer"), "riskscore.scoring"),
    "RunManifest": "riskscore.contract",
    "score_portfolio": "riskscore.batch",
    **dict.fromkeys(("explain_borrower", "write_history", "write_report"), "riskscore.report"),
    "evaluate_policy": "riskscore.evaluation",
    **dict.fromkeys(("DemoResult", "data_end", "run_demo"), "riskscore.demo"),
}
#: Subpackages and modules reachable as attributes without importing them first (``riskscore.schemas.X``).
#: ``explain`` is not among them: ``riskscore.explain`` is the function.
_SUBMODULES = frozenset({"batch", "cli", "contract", "datasets", "demo", "evaluation", "exceptions", "features",
                         "io", "labels", "metrics", "model", "monitor", "policy", "report", "schemas", "scoring",
                         "snapshots", "spark", "testing"})

__all__ = [  # the exceptions and the names of _LAZY (tests/test_api.py checks they match)
    "BorrowerTimeSplit",
    "BundleError",
    "BundleVersionWarning",
    "ContactPolicy",
    "ContractError",
    "DataError",
    "DataQualityWarning",
    "DemoResult",
    "FeatureBuilder",
    "HazardGBM",
    "MonitoringOffWarning",
    "PolicyError",
    "PolicyWarning",
    "RepaymentModel",
    "RiskscoreError",
    "RiskscoreWarning",
    "RunConflictError",
    "RunLockedError",
    "RunManifest",
    "Scored",
    "Scorer",
    "World",
    "__version__",
    "allocate_payments",
    "borrowers_as_of",
    "bundle_digest",
    "check_plans",
    "data_end",
    "evaluate_policy",
    "explain",
    "explain_borrower",
    "generate",
    "list_profiles",
    "load_bundle",
    "load_profile",
    "make_labels",
    "make_snapshots",
    "plan_portfolio",
    "quarantine",
    "read_world",
    "reason_codes",
    "rolling_as_of_dates",
    "run_demo",
    "save_bundle",
    "score_portfolio",
    "split_xy",
    "time_split",
    "train",
    "validate_borrowers",
    "validate_contacts",
    "validate_installments",
    "write_history",
    "write_report",
    "write_world",
]


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API (``__all__``), the public subpackages and the dunders; never a private name."""
    return sorted({*__all__, *_SUBMODULES, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})


class _Package(_types.ModuleType):
    """riskscore's module type: keeps ``riskscore.explain`` the function once the subpackage is imported.

    Importing ``riskscore.explain`` (the subpackage) makes Python bind it on its parent as the
    attribute ``explain``, which would shadow the public function of the same name.
    """

    def __setattr__(self, name: str, value: _typing.Any) -> None:
        if name == "explain" and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package  # documented way to customise a module's attribute setting
