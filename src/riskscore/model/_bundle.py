"""Model bundles: a folder of LightGBM text models and JSON, with a manifest of hashes.

Nothing here unpickles anything: every file is text (LightGBM's own model format, JSON,
Markdown), and loading verifies each file's SHA-256 and the feature contract first.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from riskscore.exceptions import BundleError, BundleVersionWarning
from riskscore.features import FeatureBuilder
from riskscore.io import sha256_file
from riskscore.model._hazard import HazardGBM
from riskscore.model._repayment import RepaymentModel
from riskscore.model._scaling import ScoreScaling

__all__ = ["feature_builder", "load_bundle", "save_bundle"]

FORMAT_VERSION = "1.1"  # 1.1 adds reference.json (optional: 1.0 bundles load without it)
_PACKAGES = ("riskscore", "lightgbm", "scikit-learn", "numpy", "pandas")
_FILES = ("likelihood.txt", "timing.txt", "model.json", "metrics.json", "model_card.md")
#: Written when the training reference distributions are given (monitoring, :mod:`riskscore.monitor`).
_REFERENCE = "reference.json"


def _model_json(model: RepaymentModel) -> dict[str, Any]:
    params = model.get_params()
    params["scaling"] = (model.scaling or ScoreScaling()).to_dict()
    timing = model.timing_
    return {
        "params": params,
        "features": list(model.feature_names_in_),
        "calibration": model.calibrator_,
        "grade_edges": model.grade_edges_.tolist(),
        "likelihood_best_iteration": int(model.likelihood_.best_iteration or 0),
        "timing": {"params": timing.get_params(), "interval_edges": timing.interval_edges_.tolist(),
                   "best_iteration": timing.best_iteration_},
    }


def _card(model: RepaymentModel, manifest: dict[str, Any], metrics: dict[str, Any]) -> str:
    lines = [
        "# Model card: riskscore repayment model", "",
        "## Intended use",
        f"Ranks borrowers with an installment due by the as-of date + 7 days by the likelihood of repaying what is "
        f"outstanding within {model.horizon_days} days, and estimates when (survival curve to 90 days). It informs "
        "a contact policy that must obey the collection rules; it is not a credit-granting decision.", "",
        "## Data", f"Training window: {manifest.get('training_window')}.",
        f"Label: {json.dumps(manifest.get('label_definition'))}.", "",
        "## Metrics (test split: later in time than training and validation, used for nothing else)", "",
        "| metric | value | 95 % interval (bootstrap over borrowers) |", "|---|---|---|",
    ]
    ci = metrics.get("ci", {})
    for k, v in metrics.items():
        if k in ("ci", "calibration"):
            continue
        interval = f"{ci[k][0]:.4f} – {ci[k][1]:.4f}" if k in ci else ""
        lines.append(f"| {k} | {round(v, 4) if isinstance(v, float) else v} | {interval} |")
    lines += ["", "## Calibration",
              "Isotonic regression fitted on the validation split." if model.calibrator_
              else "Not calibrated (isotonic did not lower the validation ECE).", ""]
    if metrics.get("calibration"):
        lines += ["Test split, equal-count bins of the likelihood:", "",
                  "| rows | likelihood from | to | mean predicted | observed |", "|---|---|---|---|---|"]
        lines += [f"| {b['rows']} | {b['p_low']:.3f} | {b['p_high']:.3f} | {b['mean_predicted']:.3f} | "
                  f"{b['observed']:.3f} |" for b in metrics["calibration"]]
        lines.append("")
    lines += ["## Limits",
              "Scores are valid for borrowers like those in training; check the population stability index of each "
              "run. Reasons explain the uncalibrated log-odds of the likelihood head.", "",
              "## Fairness",
              "Protected attributes are not features; report outcomes and actions per group where they are known.", ""]
    return "\n".join(lines)


def save_bundle(model: RepaymentModel, path: str | os.PathLike[str], *, metrics: dict[str, Any] | None = None,
                label_definition: dict[str, Any] | None = None, training_window: str | None = None,
                reference: dict[str, Any] | None = None, overwrite: bool = False) -> Path:
    """Write a fitted :class:`RepaymentModel` as a bundle folder.

    Files: ``likelihood.txt`` and ``timing.txt`` (LightGBM text models), ``model.json``
    (parameters, feature order, calibration, grade cut-offs, interval edges),
    ``metrics.json``, ``model_card.md``, ``reference.json`` (when ``reference`` is given: the
    training distribution of every feature and of the likelihood, from
    :func:`riskscore.monitor.reference_distribution`; scoring runs compute PSI against it) and
    ``manifest.json`` (format version, package versions, label definition, training window,
    SHA-256 of every other file).

    Examples
    --------
    >>> from riskscore.model import load_bundle, save_bundle
    >>> save_bundle(model, "models/pd30")      # doctest: +SKIP
    >>> model = load_bundle("models/pd30")     # doctest: +SKIP
    """
    folder = Path(path)
    if folder.exists() and any(folder.iterdir()):
        if not overwrite:
            raise BundleError(f"'{folder}' exists and is not empty; pass overwrite=True to replace it.")
        shutil.rmtree(folder)
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.likelihood_.save_model(str(tmp / "likelihood.txt"))
    model.timing_.booster_.save_model(str(tmp / "timing.txt"))
    (tmp / "model.json").write_text(json.dumps(_model_json(model), indent=2, sort_keys=True) + "\n")
    metrics = metrics or {}
    (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    manifest: dict[str, Any] = {"format": "riskscore-bundle", "format_version": FORMAT_VERSION,
                                "versions": {p: version(p) for p in _PACKAGES},
                                "label_definition": label_definition, "training_window": training_window,
                                "features": list(model.feature_names_in_)}
    (tmp / "model_card.md").write_text(_card(model, manifest, metrics))
    files = list(_FILES)
    if reference is not None:
        (tmp / _REFERENCE).write_text(json.dumps(reference, sort_keys=True) + "\n")
        files.append(_REFERENCE)
    manifest["sha256"] = {name: sha256_file(tmp / name) for name in files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, folder)
    return folder


def _verified_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.exists():
        raise BundleError(f"'{folder}' is not a model bundle: manifest.json is missing.")
    manifest = json.loads(path.read_text())
    if not isinstance(manifest, dict) or manifest.get("format") != "riskscore-bundle":
        raise BundleError(f"'{path}' does not describe a riskscore bundle.")
    major = str(manifest.get("format_version", "")).split(".")[0]
    if major != FORMAT_VERSION.split(".")[0]:
        raise BundleError(f"Bundle format {manifest.get('format_version')} is not supported by this riskscore "
                          f"(reads {FORMAT_VERSION}); retrain or load it with a matching riskscore version.")
    optional = [_REFERENCE] if _REFERENCE in manifest.get("sha256", {}) else []
    for name in [*_FILES, *optional]:
        file = folder / name
        if not file.exists():
            raise BundleError(f"'{file}' is missing from the bundle.")
        if sha256_file(file) != manifest["sha256"].get(name):
            raise BundleError(f"'{file}' does not match the SHA-256 in manifest.json: the file was changed "
                              "after the bundle was saved.")
    differ = {p: (v, version(p)) for p, v in manifest.get("versions", {}).items() if version(p) != v}
    if differ:
        text = ", ".join(f"{p} {a} -> {b}" for p, (a, b) in differ.items())
        warnings.warn(f"The bundle was saved with other versions ({text}); predictions may differ slightly.",
                      BundleVersionWarning, stacklevel=3)
    return manifest


def load_bundle(path: str | os.PathLike[str], *, features: list[str] | None = None) -> RepaymentModel:
    """Load a bundle written by :func:`save_bundle`, verifying every file first.

    Parameters
    ----------
    path : path-like
        The bundle folder.
    features : list of str, optional
        The feature columns the caller will pass; refused with the difference when they do not
        match the bundle's feature contract.

    Raises
    ------
    riskscore.exceptions.BundleError
        Naming the file that is missing or altered, or the columns that differ.
    """
    folder = Path(path)
    manifest = _verified_manifest(folder)
    spec = json.loads((folder / "model.json").read_text())
    if features is not None and list(features) != spec["features"]:
        missing = sorted(set(spec["features"]) - set(features))
        extra = sorted(set(features) - set(spec["features"]))
        raise BundleError(f"The feature contract differs from the bundle's: missing {missing}, unexpected {extra}"
                          + ("" if missing or extra else ", or in another order") + ".")
    params = dict(spec["params"])
    params["scaling"] = ScoreScaling(**params["scaling"])
    model = RepaymentModel(**params)
    model.feature_names_in_ = np.asarray(spec["features"], dtype=object)
    model.n_features_in_ = len(spec["features"])
    model.classes_ = np.array([False, True])
    model.likelihood_ = lgb.Booster(model_file=str(folder / "likelihood.txt"))
    model.likelihood_.best_iteration = spec["likelihood_best_iteration"]
    model.calibrator_ = spec["calibration"]
    model.grade_edges_ = np.asarray(spec["grade_edges"])
    timing = HazardGBM(**spec["timing"]["params"])
    timing.booster_ = lgb.Booster(model_file=str(folder / "timing.txt"))
    timing.interval_edges_ = np.asarray(spec["timing"]["interval_edges"], dtype=float)
    timing.best_iteration_ = spec["timing"]["best_iteration"]
    timing.n_features_in_ = model.n_features_in_
    timing.feature_names_in_ = model.feature_names_in_
    model.timing_ = timing
    model.manifest_ = manifest
    ref = folder / _REFERENCE
    model.reference_ = json.loads(ref.read_text()) if _REFERENCE in manifest["sha256"] else None
    return model


def feature_builder(model: RepaymentModel) -> FeatureBuilder:
    """The fitted :class:`~riskscore.features.FeatureBuilder` that makes exactly ``model``'s features.

    Rows reaching it are already validated (``validate=False``); it uses the contact log when
    the model was trained with contact features.

    Raises
    ------
    BundleError
        When no configuration of this riskscore's builder makes the model's feature list
        (a bundle from another version: retrain it).

    Examples
    --------
    >>> from riskscore.model import feature_builder, load_bundle
    >>> fb = feature_builder(load_bundle("models/sample"))
    >>> fb.get_feature_names_out()[:2].tolist()
    ['share_late_3', 'share_late30_3']
    """
    want = [str(c) for c in model.feature_names_in_]
    for use in (True, False):
        fb = FeatureBuilder(validate=False, contacts=use).fit()
        if list(fb.get_feature_names_out()) == want:
            return fb
    raise BundleError("The bundle's features are not those of this riskscore's FeatureBuilder; "
                      "retrain the bundle with this version (riskscore train).")
