"""Bundles: a round trip gives identical predictions; anything altered is refused by name."""

from __future__ import annotations

import json
import logging
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import riskscore
from riskscore.exceptions import BundleError, BundleVersionWarning
from riskscore.labels import rolling_as_of_dates
from riskscore.model import RepaymentModel, bundle_digest, load_bundle, save_bundle
from riskscore.snapshots import split_xy

# These bundles are saved without reference distributions on purpose (smaller, faster);
# test_bundle_hostile.py checks the warning that says drift monitoring is then off.
pytestmark = pytest.mark.filterwarnings("ignore::riskscore.exceptions.MonitoringOffWarning")


@pytest.fixture(scope="module")
def fitted():
    world = riskscore.generate(1500, seed=17)
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-06-01"),
                                     data_end=world.end)
    X, y = split_xy(snaps)
    half = len(X) // 2
    model = RepaymentModel(n_estimators=40, random_state=0).fit(X.iloc[:half], y[:half],
                                                                 eval_set=(X.iloc[half:], y[half:]))
    return model, X


def test_round_trip_is_exact(fitted, tmp_path):
    model, X = fitted
    save_bundle(model, tmp_path / "b", metrics={"auc": 0.9}, label_definition={"censor_days": 90},
                training_window="2024-04-01..2025-06-01")
    loaded = load_bundle(tmp_path / "b", features=list(X.columns))
    np.testing.assert_array_equal(loaded.likelihood(X), model.likelihood(X))
    pd.testing.assert_frame_equal(loaded.predict_survival(X), model.predict_survival(X))
    np.testing.assert_array_equal(loaded.grade(X), model.grade(X))
    # the timing head's ranking (expected rank over the training events' intervals) survives too
    np.testing.assert_array_equal(loaded.timing_.event_weights_, model.timing_.event_weights_)
    np.testing.assert_array_equal(loaded.timing_.predict(X), model.timing_.predict(X))
    files = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert files == ["likelihood.txt", "manifest.json", "metrics.json", "model.json", "model_card.md", "timing.txt"]
    assert not any(p.suffix in {".pkl", ".joblib", ".pickle"} for p in (tmp_path / "b").iterdir())
    card = (tmp_path / "b" / "model_card.md").read_text()
    assert "## Intended use" in card and "| auc | 0.9 |" in card


def test_altered_file_is_refused_by_name(fitted, tmp_path):
    model, _ = fitted
    save_bundle(model, tmp_path / "b")
    path = tmp_path / "b" / "timing.txt"
    path.write_text(path.read_text().replace("learning_rate", "learning_rat3", 1))
    with pytest.raises(BundleError, match=r"timing.txt' does not match the SHA-256 in manifest.json"):
        load_bundle(tmp_path / "b")


def test_feature_contract(fitted, tmp_path):
    model, X = fitted
    save_bundle(model, tmp_path / "b")
    with pytest.raises(BundleError, match=r"missing \['days_past_due'\], unexpected \[\]"):
        load_bundle(tmp_path / "b", features=[c for c in X.columns if c != "days_past_due"])
    with pytest.raises(BundleError, match="or in another order"):
        load_bundle(tmp_path / "b", features=list(X.columns[::-1]))


def test_format_and_versions(fitted, tmp_path):
    model, _ = fitted
    save_bundle(model, tmp_path / "b")
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["versions"]["lightgbm"] = "0.0.1"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.warns(BundleVersionWarning, match=r"lightgbm 0.0.1 -> "):
        load_bundle(tmp_path / "b")
    manifest["format_version"] = "2.0"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"Bundle format 2\.0 is not supported"):
        load_bundle(tmp_path / "b")
    with pytest.raises(BundleError, match="exists and is not empty; pass overwrite=True"):
        save_bundle(model, tmp_path / "b")
    with pytest.raises(BundleError, match=r"manifest\.json is missing"):
        load_bundle(tmp_path)


def test_overwrite_replaces_a_bundle_and_never_another_folder(fitted, tmp_path):
    # riskscore train --out . --overwrite deleted the whole working folder (shutil.rmtree of any folder)
    model, _ = fitted
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.docx").write_text("years of work")
    with pytest.raises(BundleError, match=r"^'.*home' is not a model bundle \(it holds no riskscore manifest\.json\): "
                                          r"overwrite replaces a bundle, never another folder's files; give a new or "
                                          r"empty folder\.$"):
        save_bundle(model, home, overwrite=True)
    assert (home / "thesis.docx").read_text() == "years of work"
    (home / "manifest.json").write_text('{"format": "riskscore-run"}')  # a run folder: not a bundle either
    with pytest.raises(BundleError, match="is not a model bundle"):
        save_bundle(model, home, overwrite=True)
    with pytest.raises(BundleError, match=r"is a file: a bundle is a folder"):
        save_bundle(model, home / "thesis.docx", overwrite=True)
    bundle = save_bundle(model, tmp_path / "b")
    (bundle / "notes.txt").write_text("an extra file")
    first = bundle_digest(bundle)
    with pytest.raises(BundleError, match=r"exists and is not empty; pass overwrite=True \(riskscore train "
                                          r"--overwrite\) to replace the bundle in it\."):
        save_bundle(model, bundle)
    assert save_bundle(model, bundle, overwrite=True, training_window="another") == bundle
    assert bundle_digest(bundle) != first and not (bundle / "notes.txt").exists()
    assert load_bundle(bundle).predict_proba(fitted[1].head(3)).shape == (3, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "home"]  # no .b.old or .b.tmp left behind
    (tmp_path / "current").symlink_to(bundle)  # models/current -> models/2025-12: the link is replaced
    target = bundle_digest(bundle)
    save_bundle(model, tmp_path / "current", overwrite=True, training_window="newer")
    assert not (tmp_path / "current").is_symlink() and bundle_digest(tmp_path / "current") != target
    assert bundle_digest(bundle) == target  # what the link pointed to is left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "current", "home"]  # the moved link removed


def _apart(release: str, step: str) -> str:
    """A version one patch, minor or major release away from ``release`` (``4.7.0`` -> ``4.7.1``)."""
    major, minor, *_ = (int(part) for part in re.findall(r"\d+", release))
    return {"patch": f"{major}.{minor}.999", "minor": f"{major}.{minor + 1}.0", "major": f"{major + 1}.0.0",
            "text": "nightly", "post": f"{major}.{minor}.0.post1"}[step]


@pytest.mark.parametrize(("step", "warns"), [("patch", False), ("post", False), ("minor", True), ("major", True),
                                             ("text", True)])
def test_a_patch_release_apart_loads_silently_another_feature_release_warns(fitted, tmp_path, caplog, step, warns):
    # a fresh installation gets the newest patch release of each library (pandas 3.1.1 -> 3.1.2 came
    # out between two CI runs and every load of the committed bundle warned); only another major or
    # minor release, or a version that is not major.minor text, is worth a warning
    model, _ = fitted
    save_bundle(model, tmp_path / "b")
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    here = manifest["versions"]["numpy"]
    manifest["versions"]["numpy"] = saved = _apart(here, step)
    manifest_path.write_text(json.dumps(manifest))
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG, "riskscore"):
        warnings.simplefilter("always")
        load_bundle(tmp_path / "b")
    said = [str(w.message) for w in caught if issubclass(w.category, BundleVersionWarning)]
    assert said == ([f"Other library versions than the bundle '{tmp_path / 'b'}' was saved with (numpy {saved} -> "
                     f"{here}); predictions may differ slightly."] if warns else [])
    # at DEBUG: the CLI logs riskscore at INFO to stderr, where a run's lines are read (and counted)
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if "patch release apart" in r.getMessage()]
    assert logged == ([] if warns else [(logging.DEBUG, f"The bundle '{tmp_path / 'b'}' was saved a patch release "
                                                        f"apart (numpy {saved} -> {here}).")])


def _rewrite_model_json(folder, change):
    """Edit model.json as an older riskscore would have written it, and re-sign it in the manifest."""
    from riskscore.io import sha256_file

    spec_path, manifest_path = folder / "model.json", folder / "manifest.json"
    spec = json.loads(spec_path.read_text())
    change(spec)
    spec_path.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"]["model.json"] = sha256_file(spec_path)
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def test_a_bundle_saved_before_the_rename_loads_silently(fitted, tmp_path):
    """Before riskscore 0.2 the likelihood horizon was stored as params.horizon_days: mapped, no warning
    (pytest turns any warning into an error)."""
    model, X = fitted
    save_bundle(model, tmp_path / "b")
    params = json.loads((tmp_path / "b" / "model.json").read_text())["params"]
    assert params["likelihood_days"] == 30 and params["horizon_days"] == "deprecated"

    def old(spec):
        spec["params"]["horizon_days"] = spec["params"].pop("likelihood_days")

    _rewrite_model_json(tmp_path / "b", old)
    loaded = load_bundle(tmp_path / "b")
    assert loaded.likelihood_days == 30 and loaded.likelihood_days_ == 30 and loaded.horizon_days == "deprecated"
    np.testing.assert_array_equal(loaded.likelihood(X), model.likelihood(X))


def test_the_model_card_shows_score_bands_and_information_values(tmp_path):
    world = riskscore.generate(1200, seed=23)
    model, report = riskscore.train(world.installments, as_of_start="2024-03-01", as_of_end="2025-08-01",
                                    data_end=world.end, model=RepaymentModel(n_estimators=30, random_state=0))
    metrics = report["metrics"]
    assert {"gini", "ks", "score_bands", "information_value"} <= set(metrics)
    assert metrics["gini"] == pytest.approx(2 * metrics["auc"] - 1, abs=1e-12)
    assert sum(b["rows"] for b in metrics["score_bands"]) == metrics["rows_known_at_horizon"]
    assert set(metrics["information_value"]) == set(model.feature_names_in_)
    # the drift reference is one cross-section: the latest as-of dates, at least REFERENCE_MIN_ROWS rows
    ref = report["reference"]
    assert ref["as_of"][-1] == report["training_window"].split("..")[-1]
    assert ref["rows"] >= 1_000 or len(ref["as_of"]) > 1
    assert set(ref["columns"]) == {*model.feature_names_in_, "likelihood"}
    save_bundle(model, tmp_path / "b", metrics=metrics, label_definition=report["label_definition"],
                training_window=report["training_window"], reference=report["reference"],
                feature_builder=report["feature_builder"])
    card = (tmp_path / "b" / "model_card.md").read_text()
    assert "## Score bands" in card and "## Information value of the features" in card
    assert "| ks |" in card and "| gini |" in card and "score_bands" not in card
    top = next(iter(metrics["information_value"]))
    assert f"| {top} | {metrics['information_value'][top]:.3f} |" in card
    assert load_bundle(tmp_path / "b").metrics_["ks"] == metrics["ks"]


RECENT = ["installments_since_late", "days_since_late", "share_late_365d", "mean_days_late_365d",
          "max_days_late_365d", "paid_to_due_6", "paid_amount_growth_3", "days_late_recency_weighted",
          "days_late_amount_weighted_6"]  # registry 4's additions to 3


def test_a_bundle_of_an_older_readable_registry_is_served_by_todays_builder(tmp_path, monkeypatch):
    """Registry 4 only added features to 3: a registry-3 bundle (trained without the recency
    features) loads and scores with today's builder, its own features taken by name; a version
    that changed a meaning stays refused, by name."""
    import hashlib

    from riskscore.features import FeatureBuilder
    from riskscore.model import _bundle
    from riskscore.scoring import Scorer

    world = riskscore.generate(1500, seed=17)
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-06-01"),
                                     data_end=world.end)
    X, y = split_xy(snaps)
    assert set(RECENT) <= set(X.columns)
    X3 = X.drop(columns=RECENT)
    half = len(X3) // 2
    old = RepaymentModel(n_estimators=20, random_state=0).fit(X3.iloc[:half], y[:half],
                                                              eval_set=(X3.iloc[half:], y[half:]))
    # written as riskscore wrote it at registry 3, when the default builder made exactly these features
    settings = {k: FeatureBuilder().get_params()[k] for k in _bundle._BUILDER_PARAMS}
    settings.update(windows=[int(w) for w in settings["windows"]], static=[], protected=[], contacts=False)
    monkeypatch.setattr(_bundle, "REGISTRY_VERSION", "3")
    monkeypatch.setattr(_bundle, "_builder_settings", lambda model, builder: settings)
    save_bundle(old, tmp_path / "v3")
    monkeypatch.undo()

    scorer = Scorer.from_bundle(tmp_path / "v3")
    as_of = pd.Timestamp("2025-03-31")
    features = scorer.features(world.installments, as_of)
    assert list(features.columns) == list(X3.columns)
    scored = scorer.score(world.installments, as_of)
    assert len(scored.scores)
    np.testing.assert_allclose(scored.scores["likelihood"].to_numpy(),
                               old.likelihood(features.loc[scored.scores.index]), rtol=1e-12)

    spec_path = tmp_path / "v3" / "model.json"
    spec = json.loads(spec_path.read_text())
    spec["feature_registry_version"] = "1"  # a registry whose meanings changed since
    spec_path.write_text(json.dumps(spec))
    manifest = json.loads((tmp_path / "v3" / "manifest.json").read_text())
    manifest["sha256"]["model.json"] = hashlib.sha256(spec_path.read_bytes()).hexdigest()
    (tmp_path / "v3" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"feature registry version 1; .* reads bundles of versions 3, 4"):
        load_bundle(tmp_path / "v3")
