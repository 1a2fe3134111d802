"""Bundles a user hands over are data: a hostile or broken one ends in one BundleError naming the file.

Every case starts from a copy of the committed bundle (``models/sample``) and changes one thing.
Where the change would be caught by the SHA-256 check anyway, the manifest is re-signed, so the
test reaches the check it is about.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from riskscore.exceptions import BundleError, BundleVersionWarning, MonitoringOffWarning
from riskscore.model import _bundle_io, bundle_digest, load_bundle
from riskscore.monitor import psi_summary

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "models" / "sample"


@pytest.fixture
def bundle(tmp_path) -> Path:
    folder = tmp_path / "b1"
    shutil.copytree(SAMPLE, folder)
    return folder


@contextlib.contextmanager
def _at_most(seconds: int):
    """Fail instead of hanging: a read that never ends is the bug some of these tests are about."""
    def _timeout(signum, frame):
        raise TimeoutError(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _write_manifest(folder: Path, manifest: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _resign(folder: Path, name: str) -> None:
    """Put ``name``'s current SHA-256 in the manifest, as a tamperer (or an older riskscore) would."""
    manifest = _manifest(folder)
    manifest["sha256"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    _write_manifest(folder, manifest)


def _replace(folder: Path, name: str, content: bytes | str) -> None:
    (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)
    _resign(folder, name)


def _edit_json(folder: Path, name: str, edit) -> None:
    value = json.loads((folder / name).read_text())
    edit(value)
    _replace(folder, name, json.dumps(value))


def _edit_manifest(folder: Path, edit) -> None:
    manifest = _manifest(folder)
    edit(manifest)
    _write_manifest(folder, manifest)


# --- files that never end, links, special files ---------------------------------------------------

def _zero_link(folder):
    (folder / "timing.txt").unlink()
    os.symlink("/dev/zero", folder / "timing.txt")


def _fifo(folder):
    (folder / "metrics.json").unlink()
    os.mkfifo(folder / "metrics.json")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")
@pytest.mark.parametrize(("make", "match"), [
    (_zero_link, r"b1/timing\.txt' is a symbolic link; only regular files are read"),
    (_fifo, r"b1/metrics\.json' is a FIFO, not a regular file"),
], ids=["timing.txt -> /dev/zero", "metrics.json a FIFO"])
def test_a_file_that_never_ends_is_refused_at_once(bundle, make, match):
    make(bundle)
    with _at_most(30), pytest.raises(BundleError, match=match):
        load_bundle(bundle)


@pytest.mark.parametrize("name", ["model.json", "manifest.json", "likelihood.txt", "reference.json"])
def test_a_link_to_an_identical_copy_outside_is_refused(bundle, tmp_path, name):
    outside = tmp_path / f"outside-{name}"
    shutil.copy(bundle / name, outside)
    (bundle / name).unlink()
    os.symlink(outside, bundle / name)
    with pytest.raises(BundleError, match=rf"b1/{name}' is a symbolic link; only regular files are read"):
        load_bundle(bundle)
    if name == "manifest.json":
        with pytest.raises(BundleError, match="is a symbolic link"):
            bundle_digest(bundle)


def test_a_link_inside_the_folder_is_refused_too(bundle):
    (bundle / "timing.txt").rename(bundle / "timing.orig")
    os.symlink("timing.orig", bundle / "timing.txt")
    with pytest.raises(BundleError, match=r"timing\.txt' is a symbolic link"):
        load_bundle(bundle)


def test_a_bundle_reached_through_a_linked_folder_loads(bundle, tmp_path):
    """Links are refused inside a bundle; the folder itself may be reached through one (a release link)."""
    os.symlink(bundle, tmp_path / "current")
    assert load_bundle(tmp_path / "current").bundle_digest_ == bundle_digest(bundle)


def test_size_caps(bundle, monkeypatch):
    assert _bundle_io.MAX_BYTES["manifest.json"] == _bundle_io.MAX_BYTES["model.json"] == 64 << 20
    assert _bundle_io.MAX_BYTES["likelihood.txt"] == _bundle_io.MAX_BYTES["timing.txt"] == 1 << 30
    monkeypatch.setitem(_bundle_io.MAX_BYTES, "model.json", 1000)
    with pytest.raises(BundleError, match=r"b1/model\.json' is larger than the 1000 bytes allowed \(\d+\.\d+ KiB\)"):
        load_bundle(bundle)


def test_a_file_larger_than_its_cap_is_refused_without_reading_it(bundle):
    with open(bundle / "metrics.json", "r+b") as fh:  # sparse: 65 MiB on paper, nothing on disk
        fh.truncate(65 << 20)
    with pytest.raises(BundleError, match=r"metrics\.json' is larger than the 64 MiB allowed \(65 MiB\)"):
        load_bundle(bundle)


# --- malformed manifests and files ----------------------------------------------------------------

def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


MALFORMED = {
    "sha256 stored as a list": (
        lambda b: _edit_manifest(b, lambda m: m["sha256"].update({"model.json": [m["sha256"]["model.json"]]})),
        r"b1/manifest\.json': sha256 of model\.json must be 64 lower-case hexadecimal characters, got an array"),
    "sha256 missing": (
        lambda b: _edit_manifest(b, lambda m: m.pop("sha256")),
        r"manifest\.json': sha256 must be an object of file name to SHA-256, got null"),
    "a listed file the format does not have": (
        lambda b: _edit_manifest(b, lambda m: m["sha256"].update({"../../etc/passwd": "0" * 64})),
        r"manifest\.json' lists files a bundle does not hold: \['\.\./\.\./etc/passwd'\]"),
    "a required file not listed": (
        lambda b: _edit_manifest(b, lambda m: m["sha256"].pop("model_card.md")),
        r"manifest\.json' does not list model_card\.md, which every bundle holds"),
    "format_version not text": (
        lambda b: _edit_manifest(b, lambda m: m.update(format_version=[1, 2])),
        r"format_version must be a version such as \"1\.2\", got \[1, 2\]"),
    "versions not text": (
        lambda b: _edit_manifest(b, lambda m: m["versions"].update(numpy=2)),
        r"manifest\.json': versions must be an object of package name to version text"),
    "manifest not JSON": (
        lambda b: (b / "manifest.json").write_text('{"format": "riskscore-bundle",'),
        r"b1/manifest\.json' is not valid JSON: .* \(line 1, column 31\)"),
    "manifest nested deeper than Python recurses": (
        lambda b: (b / "manifest.json").write_text(_deep(100_000)),
        r"manifest\.json' nests objects or arrays deeper than 64 levels"),
    "deeply nested JSON (RecursionError before)": (
        lambda b: _replace(b, "metrics.json", _deep(100_000)),
        r"b1/metrics\.json' nests objects or arrays deeper than 64 levels"),
    "JSON one level too deep": (
        lambda b: _replace(b, "metrics.json", '{"a": ' + _deep(64) + "}"),
        r"metrics\.json' nests objects or arrays deeper than 64 levels"),
    "a non-object model.json": (
        lambda b: _replace(b, "model.json", "[1, 2]"),
        r"b1/model\.json': must be a JSON object, got an array"),
    "a non-object metrics.json": (
        lambda b: _replace(b, "metrics.json", '"auc"'),
        r"b1/metrics\.json': must be a JSON object, got a string"),
    "model.json without grade_edges (KeyError before)": (
        lambda b: _edit_json(b, "model.json", lambda s: s.pop("grade_edges")),
        r"b1/model\.json': grade_edges must be an array of numbers"),
    "calibration of unequal arrays": (
        lambda b: _edit_json(b, "model.json", lambda s: s.update(calibration={"x": [0.1, 0.2], "y": [0.5]})),
        r"model\.json': calibration must be null or an object of two equally long arrays"),
    "an unknown model parameter (TypeError before)": (
        lambda b: _edit_json(b, "model.json", lambda s: s["params"].update(bogus=1)),
        r"b1/model\.json' holds parameters this riskscore cannot use: .*'bogus'"),
    "a feature_builder that does not make the features": (
        lambda b: (_edit_json(b, "model.json", lambda s: s["feature_builder"].update(windows=[3, 6])),
                   _edit_manifest(b, lambda m: m["feature_builder"].update(windows=[3, 6]))),
        r"b1/model\.json': its feature_builder does not make its features"),
    "manifest and model.json disagree": (
        lambda b: _edit_manifest(b, lambda m: m.update(training_window="2020-01-01..2020-02-01")),
        r"b1': manifest\.json and model\.json disagree on training_window"),
    "a directory in place of a file": (
        lambda b: ((b / "metrics.json").unlink(), (b / "metrics.json").mkdir()),
        r"b1/metrics\.json' is a folder, not a regular file"),
    "a listed file missing": (
        lambda b: (b / "model_card.md").unlink(),
        r"b1/model_card\.md' is missing from the bundle"),
    "invalid UTF-8": (
        lambda b: _replace(b, "metrics.json", b'{"auc": "\xff"}'),
        r"b1/metrics\.json' is not UTF-8 text: byte 9 is b'\\xff'"),
    "invalid UTF-8 in the model card": (
        lambda b: _replace(b, "model_card.md", b"# card \xc3("),
        r"b1/model_card\.md' is not UTF-8 text: byte 7"),
    "a JSON error (the file was not named before)": (
        lambda b: _replace(b, "metrics.json", '{"auc": 0.9,}'),
        r"b1/metrics\.json' is not valid JSON: Expecting property name enclosed in double quotes "
        r"\(line 1, column 13\)"),
    "a repeated key": (
        lambda b: _replace(b, "model.json", (b / "model.json").read_text().replace("{", '{"features": [], ', 1)),
        r"b1/model\.json' repeats the key 'features'"),
    "a model file that is not a LightGBM model": (
        lambda b: _replace(b, "timing.txt", "tree\nversion=v4\n"),
        r"b1/timing\.txt' is not a LightGBM text model"),
    "a model of another feature count": (
        lambda b: _replace(b, "timing.txt", (b / "likelihood.txt").read_bytes()),
        r"b1/timing\.txt' reads 68 features; model\.json implies 69"),
    "a malformed reference.json": (
        lambda b: _replace(b, "reference.json", '{"columns": {"likelihood": {"edges": [0.5]}}}'),
        r"b1/reference\.json': column 'likelihood' must have edges \(numbers\) and shares"),
    "an altered file": (
        lambda b: (b / "model_card.md").write_text("# another card\n"),
        r"b1/model_card\.md' does not match the SHA-256 in manifest\.json"),
    "not a folder": (
        lambda b: (shutil.rmtree(b), b.write_text("x")),
        r"b1' is not a folder: a model bundle is a folder with a manifest\.json"),
}


@pytest.mark.filterwarnings("ignore::riskscore.exceptions.MonitoringOffWarning")
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_bundle_is_one_bundle_error_naming_the_file(bundle, case):
    make, match = MALFORMED[case]
    make(bundle)
    with pytest.raises(BundleError, match=match) as caught:
        load_bundle(bundle)
    assert "\n" not in str(caught.value)


def test_json_at_the_depth_limit_loads(bundle):
    _replace(bundle, "metrics.json", '{"a": ' + _deep(63) + "}")
    nested, levels = load_bundle(bundle).metrics_, 1  # 64 levels: accepted
    while nested:
        nested, levels = nested["a"] if isinstance(nested, dict) else nested[0], levels + 1
    assert levels == 64


def test_an_unknown_package_is_a_warning_not_a_traceback(bundle):
    _edit_manifest(bundle, lambda m: m["versions"].update(nosuchpackage="1.0"))
    with pytest.warns(BundleVersionWarning, match=r"nosuchpackage 1\.0 -> not installed"):
        load_bundle(bundle)


def test_an_extra_file_is_not_read_and_not_part_of_the_digest(bundle):
    digest = bundle_digest(bundle)
    (bundle / "model.pkl").write_bytes(b"\x80\x04 never unpickled")
    if hasattr(os, "mkfifo"):
        os.mkfifo(bundle / "notes")
    model = load_bundle(bundle, sha256=digest)
    assert model.bundle_digest_ == digest


# --- the pin --------------------------------------------------------------------------------------

def test_integrity_is_not_authenticity_the_pin_is(bundle):
    """model.json edited and re-signed in the manifest loads (the hashes agree): only the pin refuses it."""
    digest = bundle_digest(bundle)
    assert digest == hashlib.sha256((bundle / "manifest.json").read_bytes()).hexdigest()
    assert load_bundle(bundle, sha256=digest).bundle_digest_ == digest
    _edit_json(bundle, "model.json", lambda s: s["grade_edges"].__setitem__(0, 999.0))
    assert load_bundle(bundle).grade_edges_[0] == 999.0
    with pytest.raises(BundleError) as caught:
        load_bundle(bundle, sha256=digest)
    message = str(caught.value)
    assert message == (f"'{bundle}' is not the pinned bundle: its digest is {bundle_digest(bundle)}, "
                       f"the pin {digest}.")


@pytest.mark.parametrize("key", sorted(json.loads((SAMPLE / "manifest.json").read_text())))
def test_the_digest_covers_every_manifest_field(bundle, key):
    digest = bundle_digest(bundle)
    _edit_manifest(bundle, lambda m: m.update({key: {"changed": m[key]}}))
    assert bundle_digest(bundle) != digest
    with pytest.raises(BundleError, match=f"is not the pinned bundle: its digest is {bundle_digest(bundle)}"):
        load_bundle(bundle, sha256=digest)


@pytest.mark.parametrize("name", ["likelihood.txt", "timing.txt", "model.json", "metrics.json", "model_card.md",
                                  "reference.json"])
def test_the_digest_covers_every_file(bundle, name):
    digest = bundle_digest(bundle)
    with open(bundle / name, "ab") as fh:
        fh.write(b"\n")
    _resign(bundle, name)
    assert bundle_digest(bundle) != digest


@pytest.mark.parametrize("pin", ["abc", "g" * 64, 12])
def test_a_pin_that_is_not_a_digest_is_refused(bundle, pin):
    with pytest.raises(BundleError, match=r"The bundle pin must be a SHA-256 digest \(64 hexadecimal characters\)"):
        load_bundle(bundle, sha256=pin)


# --- monitoring off is said loudly ----------------------------------------------------------------

def _drop_reference(folder: Path, *, keep_file: bool = False) -> None:
    if not keep_file:
        (folder / "reference.json").unlink()
    _edit_manifest(folder, lambda m: m["sha256"].pop("reference.json"))


@pytest.mark.parametrize("keep_file", [False, True], ids=["deleted", "unlisted"])
def test_a_bundle_without_reference_warns_that_monitoring_is_off(bundle, keep_file):
    _drop_reference(bundle, keep_file=keep_file)
    unlisted = r" \(a reference\.json is in the folder, but manifest\.json does not list it, so it is not read\)"
    with pytest.warns(MonitoringOffWarning, match=(rf"b1' has no reference\.json{unlisted if keep_file else ''}: "
                                                   r"drift monitoring \(PSI\) is off for every run with it")):
        model = load_bundle(bundle)
    assert model.reference_ is None
    assert psi_summary(model.reference_, {}) == {
        "available": False, "why": "the bundle has no reference.json (training distributions), so drift monitoring "
                                   "is off; retrain it (riskscore train) to turn it on"}


# --- through the command line, as the issue reports it --------------------------------------------

def _score(bundle: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    data = ROOT / "data" / "sample"
    return subprocess.run(
        [sys.executable, "-m", "riskscore.cli", "score", "--installments", str(data / "installments.parquet"),
         "--borrowers", str(data / "borrowers.parquet"), "--model", str(bundle), "--as-of", "2025-10-01",
         "--out", str(out), "--no-report", "--contacts", str(data / "contacts.parquet"), *extra],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_score_with_a_fifo_in_the_bundle_exits_1_with_one_line(bundle, tmp_path):
    _fifo(bundle)
    out = _score(bundle, tmp_path / "run")
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip().splitlines() == [f"riskscore: error: '{bundle}/metrics.json' is a FIFO, not a "
                                               "regular file."]


def test_score_without_reference_records_why_psi_is_off_and_the_digest(bundle, tmp_path):
    _drop_reference(bundle)
    digest = bundle_digest(bundle)
    out = _score(bundle, tmp_path / "run", "--model-sha256", digest)
    assert out.returncode == 0, out.stderr
    assert "MonitoringOffWarning" in out.stderr and "drift monitoring (PSI) is off" in out.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["psi"]["available"] is False
    assert manifest["psi"]["why"].startswith("the bundle has no reference.json")
    assert manifest["model"]["sha256"] == digest
    wrong = _score(bundle, tmp_path / "run2", "--model-sha256", "0" * 64)
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines()[-1] == (f"riskscore: error: '{bundle}' is not the pinned bundle: its "
                                                     f"digest is {digest}, the pin {'0' * 64}.")
