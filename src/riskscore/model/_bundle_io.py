"""Reading a model bundle with limits, and checking what it holds before anything uses it.

A bundle is data a user hands over, so every file is read the same careful way
(:func:`riskscore.io.read_bytes_limited`): a regular file directly in the bundle folder, never
a symbolic link, a FIFO or a device, and at most :data:`MAX_BYTES` of it. Each file is read
**once**: the bytes that are hashed are the bytes that are parsed, so nothing can be swapped
between the check and the use. JSON is UTF-8, without repeated keys, nested at most
:data:`MAX_JSON_DEPTH` levels. Every problem is a :class:`~riskscore.exceptions.BundleError`
whose message names the file and what is wrong with it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import lightgbm as lgb

from riskscore.exceptions import BundleError, BundleVersionWarning, MonitoringOffWarning
from riskscore.io import read_bytes_limited

__all__ = ["BUNDLE_FORMAT", "FILES", "FORMAT_VERSION", "MAX_BYTES", "MAX_JSON_DEPTH", "REFERENCE", "BundleFiles",
           "check_agreement", "check_metrics", "check_reference", "check_spec", "is_bundle_manifest", "parse_booster",
           "parse_json", "read_bundle", "read_manifest"]

# 1.1 adds reference.json (optional: 1.0 bundles load without it); 1.2 records in model.json (so
# under its hash) how the features were built, the registry version, the label definition and the
# training window. Older bundles load with a warning that states the defaults assumed.
FORMAT_VERSION = "1.2"
#: What a bundle's manifest.json says it is (its "format").
BUNDLE_FORMAT = "riskscore-bundle"
#: The files every bundle holds besides manifest.json (each listed in it with its SHA-256).
FILES = ("likelihood.txt", "timing.txt", "model.json", "metrics.json", "model_card.md")
#: Written when the training reference distributions are given (monitoring, :mod:`riskscore.monitor`).
REFERENCE = "reference.json"

_log = logging.getLogger(__name__)
#: The feature release a version names: its first two numbers (``3.1`` of ``3.1.2``, ``1.4`` of ``1.4.1.post1``).
_RELEASE = re.compile(r"(\d+)\.(\d+)(?![\d])")

_MiB = 1 << 20
#: The largest size read of each bundle file. JSON files hold parameters, hashes, metrics and
#: binned distributions (kilobytes in practice); LightGBM text models grow with trees x leaves
#: (a 2,000-tree, 255-leaf model is about 100 MiB).
MAX_BYTES = {"manifest.json": 64 * _MiB, "model.json": 64 * _MiB, "metrics.json": 64 * _MiB,
             REFERENCE: 64 * _MiB, "model_card.md": 16 * _MiB, "likelihood.txt": 1024 * _MiB,
             "timing.txt": 1024 * _MiB}
#: The deepest nesting of objects and arrays accepted in a bundle's JSON (riskscore writes 4).
MAX_JSON_DEPTH = 64

_HEX64 = re.compile(r"[0-9a-f]{64}")


class BundleFiles:
    """The verified content of a bundle: its digest, its manifest and the bytes of each listed file.

    Built by :func:`read_bundle`; nothing here reads the folder again.
    """

    def __init__(self, folder: Path, digest: str, manifest: dict[str, Any], data: dict[str, bytes]):
        self.folder, self.digest, self.manifest, self.data = folder, digest, manifest, data

    def json(self, name: str) -> Any:
        """The parsed JSON file ``name`` (UTF-8, no repeated keys, bounded depth)."""
        return parse_json(self.folder / name, self.data[name])

    def text(self, name: str) -> str:
        """The file ``name`` as UTF-8 text."""
        return _text(self.folder / name, self.data[name])


def _read(folder: Path, name: str) -> bytes:
    file = folder / name
    try:
        return read_bytes_limited(file, MAX_BYTES[name], within=folder)
    except FileNotFoundError as err:
        raise BundleError(f"'{file}' is missing from the bundle.") from err
    except (ValueError, OSError) as err:  # the message names the file (so the bundle) and what it is
        raise BundleError(str(err)) from err


def _text(file: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BundleError(f"'{file}' is not UTF-8 text: byte {err.start} is {data[err.start:err.start + 1]!r}.") \
            from err


class _RepeatedKey(ValueError):
    pass


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return out


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and dicts, counted without recursion (stops past the limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_JSON_DEPTH:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(file: Path, data: bytes) -> Any:
    """Parse a bundle's JSON file, refusing what riskscore never writes, with the file named.

    Examples
    --------
    >>> from pathlib import Path
    >>> parse_json(Path("b/metrics.json"), b'{"auc": 0.9}')
    {'auc': 0.9}
    >>> parse_json(Path("b/metrics.json"), b'{"auc": 0.9, "auc": 1.0}')
    Traceback (most recent call last):
    ...
    riskscore.exceptions.BundleError: 'b/metrics.json' repeats the key 'auc'.
    """
    text = _text(file, data)
    try:
        value = json.loads(text, object_pairs_hook=_no_repeats)
    except RecursionError as err:
        raise BundleError(f"'{file}' nests objects or arrays deeper than {MAX_JSON_DEPTH} levels.") from err
    except _RepeatedKey as err:
        raise BundleError(f"'{file}' repeats the key {err.args[0]!r}.") from err
    except json.JSONDecodeError as err:
        raise BundleError(f"'{file}' is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno}).") \
            from err
    if _depth(value) > MAX_JSON_DEPTH:
        raise BundleError(f"'{file}' nests objects or arrays deeper than {MAX_JSON_DEPTH} levels.")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _check_hashes(path: Path, hashes: Any) -> None:
    """The manifest's ``sha256``: every file a bundle holds, nothing else, each a SHA-256 in hex."""
    if not isinstance(hashes, dict):
        raise BundleError(f"'{path}': sha256 must be an object of file name to SHA-256, got {_kind(hashes)}.")
    unknown = sorted(set(hashes) - {*FILES, REFERENCE})
    if unknown:
        raise BundleError(f"'{path}' lists files a bundle does not hold: {unknown} (a bundle holds "
                          f"{[*FILES, REFERENCE]}).")
    for name in FILES:
        if name not in hashes:
            raise BundleError(f"'{path}' does not list {name}, which every bundle holds.")
    for name, digest in hashes.items():
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            shown = repr(digest) if isinstance(digest, str) else _kind(digest)
            raise BundleError(f"'{path}': sha256 of {name} must be 64 lower-case hexadecimal characters, got {shown}.")


def is_bundle_manifest(manifest: Any) -> bool:
    """Whether a parsed ``manifest.json`` says it is a riskscore bundle's (``"format": "riskscore-bundle"``)."""
    return isinstance(manifest, dict) and manifest.get("format") == BUNDLE_FORMAT


def _check_manifest(folder: Path, manifest: Any) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not is_bundle_manifest(manifest):
        raise BundleError(f"'{path}' does not describe a riskscore bundle (no \"format\": \"riskscore-bundle\").")
    found = manifest.get("format_version")
    if not isinstance(found, str) or not re.fullmatch(r"\d+\.\d+", found):
        raise BundleError(f"'{path}': format_version must be a version such as \"{FORMAT_VERSION}\", got {found!r}.")
    if found.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise BundleError(f"Bundle format {found} is not supported by this riskscore (reads {FORMAT_VERSION}); "
                          "retrain or load it with a matching riskscore version.")
    _check_hashes(path, manifest.get("sha256"))
    versions = manifest.get("versions", {})
    if not isinstance(versions, dict) or not all(isinstance(v, str) for v in versions.values()):
        raise BundleError(f"'{path}': versions must be an object of package name to version text.")
    return manifest


def _feature_release(text: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a version such as ``3.1.2``, ``1.4.1.post1`` or ``2.0rc1``; None otherwise."""
    found = _RELEASE.match(text)
    return (int(found[1]), int(found[2])) if found else None


def _warn_versions(folder: Path, manifest: dict[str, Any]) -> None:
    """Warn when a library the bundle was saved with is missing or another feature release here.

    A patch release (``3.1.1 -> 3.1.2``) is meant to fix bugs without changing file formats or
    results, and a fresh installation gets a new one every few weeks: a bundle saved a patch release
    apart loads silently (the difference is logged at DEBUG: ``riskscore -v`` shows it). Another
    major or minor release, a version that is not ``major.minor...`` text and a package that is not
    installed are a :class:`~riskscore.exceptions.BundleVersionWarning` naming each difference.
    """
    differ, patch = [], []
    for package, saved in manifest.get("versions", {}).items():
        try:
            here = version(package)
        except (PackageNotFoundError, ValueError):
            here = "not installed"
        if here == saved:
            continue
        release = _feature_release(saved)
        apart = patch if release is not None and release == _feature_release(here) else differ
        apart.append(f"{package} {saved} -> {here}")
    if patch:
        _log.debug("The bundle '%s' was saved a patch release apart (%s).", folder, ", ".join(patch))
    if differ:
        warnings.warn(f"Other library versions than the bundle '{folder}' was saved with ({', '.join(differ)}); "
                      "predictions may differ slightly.", BundleVersionWarning, stacklevel=4)


def read_manifest(folder: Path) -> bytes:
    """The bytes of a bundle's ``manifest.json`` (its SHA-256 is the bundle's digest)."""
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise BundleError(f"'{folder}' {what}: a model bundle is a folder with a manifest.json.")
    if not (folder / "manifest.json").exists() and not (folder / "manifest.json").is_symlink():
        raise BundleError(f"'{folder}' is not a model bundle: manifest.json is missing.")
    return _read(folder, "manifest.json")


def read_bundle(folder: Path, *, sha256: str | None = None) -> BundleFiles:
    """Read and verify a bundle: the manifest, its digest against the pin, then each listed file.

    Raises
    ------
    BundleError
        Naming the file and the problem: missing, not a regular file, too large, altered (its
        SHA-256 differs from the manifest's), malformed, or the whole bundle not the pinned one.
    """
    if sha256 is not None and (not isinstance(sha256, str) or not _HEX64.fullmatch(sha256.lower())):
        raise BundleError(f"The bundle pin must be a SHA-256 digest (64 hexadecimal characters), got {sha256!r}.")
    raw = read_manifest(folder)
    digest = hashlib.sha256(raw).hexdigest()
    if sha256 is not None and digest != sha256.lower():
        raise BundleError(f"'{folder}' is not the pinned bundle: its digest is {digest}, the pin {sha256}.")
    manifest = _check_manifest(folder, parse_json(folder / "manifest.json", raw))
    data = {}
    for name, expected in manifest["sha256"].items():
        data[name] = _read(folder, name)
        if hashlib.sha256(data[name]).hexdigest() != expected:
            raise BundleError(f"'{folder / name}' does not match the SHA-256 in manifest.json: the file was changed "
                              "after the bundle was saved.")
    _warn_versions(folder, manifest)
    if REFERENCE not in data:
        unlisted = " (a reference.json is in the folder, but manifest.json does not list it, so it is not read)" \
            if (folder / REFERENCE).exists() else ""
        warnings.warn(f"The bundle '{folder}' has no reference.json{unlisted}: drift monitoring (PSI) is off for "
                      "every run with it. Retrain it (riskscore train) to monitor drift.", MonitoringOffWarning,
                      stacklevel=3)
    return BundleFiles(folder, digest, manifest, data)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _numbers(value: Any, at_least: int = 0) -> bool:
    return isinstance(value, list) and len(value) >= at_least and all(_is_number(x) for x in value)


def _require(file: Path, ok: bool, what: str) -> None:
    if not ok:
        raise BundleError(f"'{file}': {what}.")


def check_spec(files: BundleFiles) -> dict[str, Any]:
    """``model.json``, checked field by field."""
    file = files.folder / "model.json"
    spec = files.json("model.json")
    _require(file, isinstance(spec, dict), f"must be a JSON object, got {_kind(spec)}")
    feats = spec.get("features")
    _require(file, isinstance(feats, list) and len(feats) > 0 and all(isinstance(f, str) for f in feats)
             and len(set(feats)) == len(feats), "features must be a non-empty array of distinct names")
    params = spec.get("params")
    _require(file, isinstance(params, dict) and isinstance(params.get("scaling"), dict),
             "params must be an object with a scaling object")
    cal = spec.get("calibration")
    _require(file, cal is None or (isinstance(cal, dict) and _numbers(cal.get("x"), 1) and _numbers(cal.get("y"), 1)
                                   and len(cal["x"]) == len(cal["y"])),
             "calibration must be null or an object of two equally long arrays of numbers, x and y")
    _require(file, _numbers(spec.get("grade_edges")), "grade_edges must be an array of numbers")
    best = spec.get("likelihood_best_iteration")
    _require(file, isinstance(best, int) and not isinstance(best, bool) and best >= 0,
             "likelihood_best_iteration must be a whole number >= 0")
    timing = spec.get("timing")
    _require(file, isinstance(timing, dict) and isinstance(timing.get("params"), dict)
             and _numbers(timing.get("interval_edges"), 2) and isinstance(timing.get("best_iteration"), int)
             and not isinstance(timing.get("best_iteration"), bool),
             "timing must be an object with params, interval_edges (at least two numbers) and best_iteration")
    builder = spec.get("feature_builder")
    _require(file, builder is None or (isinstance(builder, dict) and isinstance(builder.get("windows"), list)),
             "feature_builder must be null or an object with windows")
    _require(file, builder is None or all(isinstance(builder.get(k, []), list)
                                          and all(isinstance(c, str) for c in builder.get(k, []))
                                          for k in ("static", "protected")),
             "feature_builder's static and protected must be arrays of column names")
    categorical = builder.get("categorical", {}) if isinstance(builder, dict) else {}
    _require(file, isinstance(categorical, dict) and all(
        isinstance(cats, list) and all(isinstance(c, str) for c in cats) for cats in categorical.values()),
             "feature_builder's categorical must be an object of arrays of category texts")
    return spec


def check_agreement(files: BundleFiles, spec: dict[str, Any]) -> None:
    """What the manifest repeats of model.json (features, builder, label, window) says the same."""
    for key in ("features", "feature_builder", "feature_registry_version", "label_definition", "training_window"):
        if key in spec and key in files.manifest and spec[key] != files.manifest[key]:
            raise BundleError(f"'{files.folder}': manifest.json and model.json disagree on {key}.")


def check_metrics(files: BundleFiles) -> dict[str, Any]:
    """``metrics.json`` (a JSON object), after checking that the model card is UTF-8 text."""
    files.text("model_card.md")
    metrics = files.json("metrics.json")
    _require(files.folder / "metrics.json", isinstance(metrics, dict), f"must be a JSON object, got {_kind(metrics)}")
    return metrics


def check_reference(files: BundleFiles) -> dict[str, Any] | None:
    """``reference.json`` (training distributions for PSI), checked, or ``None`` when the bundle has none."""
    if REFERENCE not in files.data:
        return None
    file = files.folder / REFERENCE
    ref = files.json(REFERENCE)
    columns = ref.get("columns") if isinstance(ref, dict) else None
    _require(file, isinstance(columns, dict), "must be an object with a columns object")
    for name, col in columns.items():
        _require(file, isinstance(col, dict) and _numbers(col.get("edges")) and _numbers(col.get("shares"))
                 and len(col["shares"]) == len(col["edges"]) + 2,
                 f"column {name!r} must have edges (numbers) and shares (numbers, two more than edges)")
    return ref


def parse_booster(files: BundleFiles, name: str, n_features: int) -> lgb.Booster:
    """A LightGBM text model of the bundle, refused unless it reads ``n_features`` features."""
    file = files.folder / name
    try:
        booster = lgb.Booster(model_str=files.text(name))
    except lgb.basic.LightGBMError as err:
        raise BundleError(f"'{file}' is not a LightGBM text model: {str(err).splitlines()[0]}") from err
    if booster.num_feature() != n_features:
        raise BundleError(f"'{file}' reads {booster.num_feature()} features; model.json implies {n_features}.")
    return booster
