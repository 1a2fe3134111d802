"""Model bundles: a folder of LightGBM text models and JSON, with a manifest of hashes.

Nothing here unpickles anything: every file is text (LightGBM's own model format, JSON,
Markdown), and loading verifies each file's SHA-256 and the feature contract first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from riskscore.exceptions import BundleError, BundleVersionWarning
from riskscore.features import READABLE_REGISTRY_VERSIONS, REGISTRY_VERSION, FeatureBuilder
from riskscore.io import sha256_file
from riskscore.model._bundle_io import (
    BUNDLE_FORMAT,
    FILES,
    FORMAT_VERSION,
    REFERENCE,
    BundleFiles,
    check_agreement,
    check_metrics,
    check_reference,
    check_spec,
    is_bundle_manifest,
    parse_booster,
    read_bundle,
    read_manifest,
)
from riskscore.model._hazard import HazardGBM
from riskscore.model._repayment import RepaymentModel
from riskscore.model._scaling import ScoreScaling

__all__ = ["bundle_digest", "feature_builder", "load_bundle", "save_bundle"]

#: FeatureBuilder settings a bundle records (``validate`` is about the caller, not the features).
_BUILDER_PARAMS = ("lookahead_days", "windows", "tolerance", "contacts", "population", "static", "protected",
                   "credit_limit")
#: Recorded as JSON lists, rebuilt as tuples.
_TUPLE_PARAMS = ("windows", "static", "protected")
_PACKAGES = ("riskscore", "lightgbm", "scikit-learn", "numpy", "pandas")


def _builder_settings(model: RepaymentModel, builder: FeatureBuilder | None) -> dict[str, Any]:
    """The settings of the builder that made ``model``'s features (contacts resolved to True/False)."""
    want = [str(c) for c in model.feature_names_in_]
    builder = builder if builder is not None else _guess_builder(want)
    if builder is None:
        raise BundleError("The model's features are not those of a default FeatureBuilder; pass the builder that "
                          "made them: save_bundle(..., feature_builder=FeatureBuilder(...)).")
    settings = {k: builder.get_params()[k] for k in _BUILDER_PARAMS}
    settings["windows"] = [int(w) for w in settings["windows"]]
    settings["static"], settings["protected"] = [str(c) for c in settings["static"]], \
        [str(c) for c in settings["protected"]]
    try:
        categories = builder.categories()
    except ValueError as err:  # names without categories: the model was not trained by this builder
        raise BundleError(f"feature_builder cannot be recorded: {err}") from err
    if categories:  # recorded only when used: a bundle without them stays readable by earlier releases
        settings["categorical"] = categories
    without = FeatureBuilder(**{**settings, "contacts": False}).get_feature_names_out()
    settings["contacts"] = len(want) > len(without)  # "auto" resolved: did training see a contact log?
    if [str(c) for c in FeatureBuilder(**settings).get_feature_names_out()] != want:
        raise BundleError(f"feature_builder={builder!r} does not make the model's features; pass the builder "
                          "the model was trained with.")
    return settings


def _guess_builder(want: list[str]) -> FeatureBuilder | None:
    for use in (True, False):
        fb = FeatureBuilder(contacts=use)
        if [str(c) for c in fb.get_feature_names_out()] == want:
            return fb
    return None


def _current_params(stored: dict[str, Any]) -> dict[str, Any]:
    """``RepaymentModel`` parameters under today's names: a bundle saved before riskscore 0.2 stores the
    likelihood horizon as ``horizon_days``. Mapped silently: the bundle is data, not the caller's code."""
    params = dict(stored)
    old = params.pop("horizon_days", "deprecated")
    if old != "deprecated":
        params["likelihood_days"] = old
    return params


def _model_json(model: RepaymentModel, builder: dict[str, Any], label_definition: dict[str, Any] | None,
                training_window: str | None) -> dict[str, Any]:
    params = model.get_params()
    params["scaling"] = (model.scaling or ScoreScaling()).to_dict()
    timing = model.timing_
    return {
        "feature_builder": builder, "feature_registry_version": REGISTRY_VERSION,
        "label_definition": label_definition, "training_window": training_window,
        "params": params,
        "features": list(model.feature_names_in_),
        "calibration": model.calibrator_,
        "grade_edges": model.grade_edges_.tolist(),
        "likelihood_best_iteration": int(model.likelihood_.best_iteration or 0),
        "timing": {"params": timing.get_params(), "interval_edges": timing.interval_edges_.tolist(),
                   "best_iteration": timing.best_iteration_,
                   "event_weights": (None if getattr(timing, "event_weights_", None) is None
                                     else [float(w) for w in timing.event_weights_])},
    }


#: Metrics the model card shows as tables of their own, not as rows of the metrics table.
_CARD_TABLES = ("ci", "calibration", "score_bands", "information_value")


def _score_band_lines(bands: list[dict[str, Any]] | None) -> list[str]:
    if not bands:
        return []
    lines = ["## Score bands",
             "Test split, bands of 20 points (best first): observed repayment within the horizon, odds "
             "(repaid : not repaid) and cumulative shares from the best band down.", "",
             "| points | rows | repaid rate | odds | share | cum. share | cum. repaid | cum. not repaid |",
             "|---|---|---|---|---|---|---|---|"]
    for b in bands:
        odds = "all repaid" if b["odds"] is None else f"{b['odds']:.2f}"
        lines.append(f"| {b['points_low']:.0f}–{b['points_high']:.0f} | {b['rows']} | {b['repaid_rate']:.3f} | "
                     f"{odds} | {b['share']:.3f} | {b['cum_share']:.3f} | {b['cum_repaid_share']:.3f} | "
                     f"{b['cum_not_repaid_share']:.3f} |")
    return [*lines, ""]


def _iv_lines(ivs: dict[str, float] | None) -> list[str]:
    if not ivs:
        return []
    def strength(iv: float) -> str:
        return "strong" if iv > 0.3 else "medium" if iv > 0.1 else "weak" if iv > 0.02 else "not predictive alone"
    lines = ["## Information value of the features",
             "Training rows, equal-count deciles (weight of evidence, `riskscore.metrics.woe_table`); the ten "
             "largest. IV measures one feature alone; the model combines them.", "",
             "| feature | IV | reading |", "|---|---|---|"]
    lines += [f"| {k} | {v:.3f} | {strength(v)} |" for k, v in list(ivs.items())[:10]]
    return [*lines, ""]


def _card(model: RepaymentModel, manifest: dict[str, Any], metrics: dict[str, Any]) -> str:
    builder, label = manifest["feature_builder"], manifest.get("label_definition") or {}
    censor = label.get("censor_days", label.get("horizon_days"))
    timing = f"survival curve to {censor} days" if censor is not None else "survival curve"
    lines = [
        "# Model card: riskscore repayment model", "",
        "## Intended use",
        f"Ranks borrowers with an installment due by the as-of date + {builder['lookahead_days']} days by the "
        f"likelihood of repaying what is outstanding within {model.likelihood_days_} days, and estimates when "
        f"({timing}). It informs a contact policy that must obey the collection rules; it is not a credit-granting "
        "decision.", "",
        "## Features",
        f"FeatureBuilder({', '.join(f'{k}={v!r}' for k, v in builder.items())}), feature registry version "
        f"{manifest['feature_registry_version']}: {len(model.feature_names_in_)} features"
        + (", contact-log features included: score with the contact log." if builder["contacts"] else ".") + "",
        "",
        "## Data", f"Training window: {manifest.get('training_window')}.",
        f"Label: {json.dumps(manifest.get('label_definition'))}.", "",
        "## Metrics (test split: later in time than training and validation, used for nothing else)", "",
        "| metric | value | 95 % interval (bootstrap over borrowers) |", "|---|---|---|",
    ]
    ci = metrics.get("ci", {})
    for k, v in metrics.items():
        if k in _CARD_TABLES:
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
    lines += _score_band_lines(metrics.get("score_bands")) + _iv_lines(metrics.get("information_value"))
    lines += ["## Limits",
              "Scores are valid for borrowers like those in training; check the population stability index of each "
              "run. Reasons explain the uncalibrated log-odds of the likelihood head.", "",
              "## Fairness",
              "Protected attributes are not features; report outcomes and actions per group where they are known.", ""]
    return "\n".join(lines)


def save_bundle(model: RepaymentModel, path: str | os.PathLike[str], *, metrics: dict[str, Any] | None = None,
                label_definition: dict[str, Any] | None = None, training_window: str | None = None,
                reference: dict[str, Any] | None = None, feature_builder: FeatureBuilder | None = None,
                overwrite: bool = False) -> Path:
    """Write a fitted :class:`RepaymentModel` as a bundle folder.

    Files: ``likelihood.txt`` and ``timing.txt`` (LightGBM text models), ``model.json``
    (parameters, feature order, calibration, grade cut-offs, interval edges),
    ``metrics.json``, ``model_card.md``, ``reference.json`` (when ``reference`` is given: the
    training distribution of every feature and of the likelihood, from
    :func:`riskscore.monitor.reference_distribution`; scoring runs compute PSI against it) and
    ``manifest.json`` (format version, package versions, label definition, training window,
    SHA-256 of every other file).

    ``model.json`` also records how the features were built (``feature_builder``'s settings,
    with ``contacts`` resolved to whether the model has contact features), the feature registry
    version, the label definition and the training window, so they are covered by its hash and
    a loaded bundle rebuilds exactly the features it was trained on.

    The bundle is written beside the folder and moved into place whole. ``overwrite=True``
    replaces a folder only when it holds a bundle (a riskscore ``manifest.json``): any other
    non-empty folder (a run, a home folder) is refused, never deleted.

    Parameters
    ----------
    feature_builder : FeatureBuilder, optional
        The builder that made the training features (:func:`~riskscore.model.train` reports it
        as ``report["feature_builder"]``). Default: a default builder, refused when it does not
        make the model's feature list.

    Examples
    --------
    >>> from riskscore.model import load_bundle, save_bundle
    >>> save_bundle(model, "models/pd30")      # doctest: +SKIP
    >>> model = load_bundle("models/pd30")     # doctest: +SKIP
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise BundleError(f"'{folder}' is a file: a bundle is a folder; give a new or empty folder.")
    replacing = folder.exists() and any(folder.iterdir())
    if replacing and not overwrite:
        raise BundleError(f"'{folder}' exists and is not empty; pass overwrite=True (riskscore train --overwrite) "
                          "to replace the bundle in it.")
    if replacing and not _holds_bundle(folder):
        raise BundleError(f"'{folder}' is not a model bundle (it holds no riskscore manifest.json): overwrite "
                          "replaces a bundle, never another folder's files; give a new or empty folder.")
    builder = _builder_settings(model, feature_builder)  # refused before anything is written
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.likelihood_.save_model(str(tmp / "likelihood.txt"))
    model.timing_.booster_.save_model(str(tmp / "timing.txt"))
    spec = _model_json(model, builder, label_definition, training_window)
    (tmp / "model.json").write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    metrics = metrics or {}
    (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    manifest: dict[str, Any] = {"format": BUNDLE_FORMAT, "format_version": FORMAT_VERSION,
                                "versions": {p: version(p) for p in _PACKAGES},
                                "label_definition": label_definition, "training_window": training_window,
                                "feature_builder": builder, "feature_registry_version": REGISTRY_VERSION,
                                "features": list(model.feature_names_in_)}
    (tmp / "model_card.md").write_text(_card(model, manifest, metrics))
    files = list(FILES)
    if reference is not None:
        (tmp / REFERENCE).write_text(json.dumps(reference, sort_keys=True) + "\n")
        files.append(REFERENCE)
    manifest["sha256"] = {name: sha256_file(tmp / name) for name in files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if replacing:  # the old bundle stays in place until the new one is whole
        old = folder.with_name(f".{folder.name}.old")
        _remove(old)
        os.replace(folder, old)  # a link to a bundle elsewhere: the link moves, its target stays as it is
        os.replace(tmp, folder)
        _remove(old)
    else:
        os.replace(tmp, folder)
    return folder


def _remove(path: Path) -> None:
    """Remove a folder of ours, or a link (never what it points to)."""
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _holds_bundle(folder: Path) -> bool:
    """Whether ``folder`` holds a riskscore bundle's manifest (what ``overwrite`` may replace)."""
    try:
        return is_bundle_manifest(json.loads(read_manifest(folder)))
    except (BundleError, ValueError):
        return False


def bundle_digest(path: str | os.PathLike[str]) -> str:
    """The digest of a whole bundle: the SHA-256 of its ``manifest.json``.

    The manifest holds every field of the bundle's description (format, package versions,
    feature builder, features, label definition, training window) and the SHA-256 of every
    file the bundle is made of, and loading checks each file against it; so this one value pins
    the whole bundle. Pass it to :func:`load_bundle` (``sha256=``),
    :meth:`riskscore.Scorer.from_bundle` or ``riskscore score --model-sha256`` to refuse any
    other bundle; ``riskscore train`` prints it, and every run manifest records it
    (``model.sha256``). The manifest is read with the limits of every bundle file (a regular
    file, no link, at most 64 MiB).

    Raises
    ------
    BundleError
        When the folder or its manifest is missing or not a regular file.

    Examples
    --------
    >>> len(bundle_digest("models/sample"))
    64
    """
    return hashlib.sha256(read_manifest(Path(path))).hexdigest()


def _recorded_builder(folder: Path, manifest: dict[str, Any], spec: dict[str, Any]) -> FeatureBuilder:
    """The FeatureBuilder a bundle records; for a bundle before 1.2, the defaults (with a warning)."""
    settings = spec.get("feature_builder")
    if settings is None:
        fb = _guess_builder([str(c) for c in spec["features"]])
        if fb is None:
            raise BundleError(f"'{folder}' (format {manifest.get('format_version')}) does not record how its "
                              "features were built, and no default FeatureBuilder makes its feature list; retrain "
                              "it with this riskscore (riskscore train).")
        assumed = ", ".join(f"{k}={fb.get_params()[k]!r}" for k in _BUILDER_PARAMS)
        warnings.warn(f"'{folder}' is a format {manifest.get('format_version')} bundle, which does not record how "
                      f"its features were built; assuming FeatureBuilder({assumed}). Retrain it (riskscore train) "
                      "if it was trained with other settings.", BundleVersionWarning, stacklevel=3)
        return fb.set_params(validate=False)
    recorded = spec.get("feature_registry_version")
    if recorded not in READABLE_REGISTRY_VERSIONS:
        raise BundleError(f"'{folder}' was built with feature registry version {recorded}; this riskscore "
                          f"makes version {REGISTRY_VERSION} features (and reads bundles of versions "
                          f"{', '.join(READABLE_REGISTRY_VERSIONS)}). Retrain the bundle (riskscore train).")
    fb = FeatureBuilder(**{**settings, **{k: tuple(settings[k]) for k in _TUPLE_PARAMS if k in settings},
                           "validate": False})
    try:
        made = [str(c) for c in fb.get_feature_names_out()]
    except (TypeError, ValueError) as err:  # e.g. a static column edited into a protected name
        raise BundleError(f"'{folder / 'model.json'}': its feature_builder is refused: {err}") from err
    # today's registry makes the features of an older readable one and more: the model takes its own by name
    if made != spec["features"] and (recorded == REGISTRY_VERSION or not set(spec["features"]) <= set(made)):
        raise BundleError(f"'{folder / 'model.json'}': its feature_builder does not make its features.")
    return fb


def _model(files: BundleFiles, spec: dict[str, Any]) -> RepaymentModel:
    """The fitted RepaymentModel that ``spec`` (model.json) and the two LightGBM text models describe."""
    params = _current_params(spec["params"])
    params["scaling"] = ScoreScaling(**params["scaling"])
    model = RepaymentModel(**params)
    model.likelihood_days_ = int(model.likelihood_days)
    model.feature_names_in_ = np.asarray(spec["features"], dtype=object)
    model.n_features_in_ = len(spec["features"])
    model.classes_ = np.array([False, True])
    model.likelihood_ = parse_booster(files, "likelihood.txt", model.n_features_in_)
    model.likelihood_.best_iteration = spec["likelihood_best_iteration"]
    model.calibrator_ = spec["calibration"]
    model.grade_edges_ = np.asarray(spec["grade_edges"], dtype=float)
    timing = HazardGBM(**spec["timing"]["params"])
    timing.booster_ = parse_booster(files, "timing.txt", model.n_features_in_ + 1)  # + the interval
    timing.interval_edges_ = np.asarray(spec["timing"]["interval_edges"], dtype=float)
    timing.best_iteration_ = spec["timing"]["best_iteration"]
    weights = spec["timing"].get("event_weights")  # absent in bundles written before riskscore 0.2
    if weights is not None:
        timing.event_weights_ = np.asarray(weights, dtype=float)
    timing.n_features_in_ = model.n_features_in_
    timing.feature_names_in_ = model.feature_names_in_
    model.timing_ = timing
    model.feature_builder_ = _recorded_builder(files.folder, files.manifest, spec)
    return model


def load_bundle(path: str | os.PathLike[str], *, features: list[str] | None = None,
                sha256: str | None = None) -> RepaymentModel:
    """Load a bundle written by :func:`save_bundle`, verifying every file first.

    Every file is read once, with limits (a regular file inside the folder, never a symbolic
    link, a FIFO or a device; at most 64 MiB of JSON, 1 GiB per LightGBM model; JSON nested at
    most 64 levels), checked against the SHA-256 the manifest lists, and only then parsed.
    Files the manifest does not list are not read. A bundle without ``reference.json``
    loads with a :class:`~riskscore.exceptions.MonitoringOffWarning`: runs with it have no
    drift monitoring.

    Parameters
    ----------
    path : path-like
        The bundle folder.
    features : list of str, optional
        The feature columns the caller will pass; refused with the difference when they do not
        match the bundle's feature contract.
    sha256 : str, optional
        Pin: the bundle's :func:`bundle_digest`; any other bundle is refused.

    Returns
    -------
    RepaymentModel
        Fitted, with ``manifest_`` (the bundle's manifest), ``bundle_digest_`` (its
        :func:`bundle_digest`, of the manifest that was read), ``metrics_`` (``metrics.json``),
        ``reference_`` (training distributions or ``None``) and ``feature_builder_`` (the
        :class:`~riskscore.features.FeatureBuilder` with the recorded settings).

    Raises
    ------
    riskscore.exceptions.BundleError
        Naming the bundle, the file and what is wrong: missing, a link or not a regular file,
        too large, altered, malformed; the columns that differ; both digests when the pin
        differs.

    Examples
    --------
    >>> model = load_bundle("models/sample")
    >>> model.feature_builder_.get_params()["lookahead_days"]
    7
    >>> model.bundle_digest_ == bundle_digest("models/sample")
    True
    """
    folder = Path(path)
    files = read_bundle(folder, sha256=sha256)
    spec = check_spec(files)
    if features is not None and list(features) != spec["features"]:
        missing = sorted(set(spec["features"]) - set(features))
        extra = sorted(set(features) - set(spec["features"]))
        raise BundleError(f"The feature contract differs from the bundle's: missing {missing}, unexpected {extra}"
                          + ("" if missing or extra else ", or in another order") + ".")
    try:
        model = _model(files, spec)
    except (TypeError, ValueError) as err:  # parameters no riskscore writes (an unknown name, a bad value)
        raise BundleError(f"'{folder / 'model.json'}' holds parameters this riskscore cannot use: {err}") from err
    check_agreement(files, spec)
    model.manifest_ = files.manifest
    model.bundle_digest_ = files.digest
    model.metrics_ = check_metrics(files)
    model.reference_ = check_reference(files)
    return model


def feature_builder(model: RepaymentModel) -> FeatureBuilder:
    """The fitted :class:`~riskscore.features.FeatureBuilder` that makes exactly ``model``'s features.

    A loaded bundle's recorded builder (``model.feature_builder_``); for a model fitted in this
    session, the default builder that makes its feature list (with or without contact
    features). Rows reaching it are already validated (``validate=False``).

    Raises
    ------
    BundleError
        When no builder is recorded and no default one makes the model's feature list: pass
        the training builder to :class:`riskscore.Scorer` instead.

    Examples
    --------
    >>> from riskscore.model import feature_builder, load_bundle
    >>> fb = feature_builder(load_bundle("models/sample"))
    >>> fb.get_feature_names_out()[:2].tolist()
    ['share_late_3', 'share_late30_3']
    """
    recorded = getattr(model, "feature_builder_", None)
    fb = recorded if recorded is not None else _guess_builder([str(c) for c in model.feature_names_in_])
    if fb is None:
        raise BundleError("The model's features are not those of a default FeatureBuilder; give the builder it "
                          "was trained with: Scorer(model, feature_builder=FeatureBuilder(...)).")
    return fb.set_params(validate=False).fit()
