"""A bundle remembers how its features were built: a non-default builder survives save and load."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import riskscore
from riskscore.exceptions import BundleError, BundleVersionWarning, DataError
from riskscore.features import REGISTRY_VERSION, FeatureBuilder
from riskscore.io import sha256_file
from riskscore.model import RepaymentModel, bundle_digest, load_bundle, save_bundle, train
from riskscore.scoring import Scorer

pytestmark = pytest.mark.slow
_BUILDER = FeatureBuilder(lookahead_days=14, windows=(2, 4), tolerance=0.5)


@pytest.fixture(scope="module")
def world():
    return riskscore.generate(700, seed=8)


@pytest.fixture(scope="module")
def trained(world, tmp_path_factory):
    """A model trained with a non-default FeatureBuilder and contact features, saved as a bundle."""
    model, report = train(world.installments, contacts=world.contacts, as_of_start="2024-04-01",
                          as_of_end="2025-08-01", data_end=world.end, n_bootstrap=0, feature_builder=_BUILDER,
                          model=RepaymentModel(n_estimators=30, random_state=0))
    folder = tmp_path_factory.mktemp("bundles") / "nondefault"
    save_bundle(model, folder, metrics=report["metrics"], label_definition=report["label_definition"],
                training_window=report["training_window"], feature_builder=report["feature_builder"],
                reference=report["reference"])
    return model, folder


def test_a_loaded_bundle_scores_as_the_model_in_memory(world, trained):
    model, folder = trained
    as_of = "2025-09-01"
    in_memory = Scorer(model, feature_builder=_BUILDER).score(world.installments, as_of, contacts=world.contacts,
                                                              borrowers=world.borrowers)
    loaded = Scorer.from_bundle(folder)
    assert loaded.feature_builder.get_params() | {"validate": True} == {
        "lookahead_days": 14, "windows": (2, 4), "tolerance": 0.5, "contacts": True, "population": "outstanding",
        "validate": True, "as_of": None, "static": (), "protected": (), "credit_limit": None, "categorical": ()}
    # (a bundle's builder has no as-of date of its own: each run gives one)
    again = loaded.score(world.installments, as_of, contacts=world.contacts, borrowers=world.borrowers)
    assert len(again.scores) > 50
    pd.testing.assert_frame_equal(again.scores, in_memory.scores)
    pd.testing.assert_frame_equal(again.reasons, in_memory.reasons)
    # the default builder makes another population (lookahead 7) and other features: refused, not guessed
    with pytest.raises(BundleError, match=r"does not make the model's features: missing \['max_days_late_2'"):
        Scorer(model, feature_builder=FeatureBuilder())
    # a bundle's folder where the model goes: the error names the loader (was "must be an instance of
    # 'riskscore.model._repayment.RepaymentModel'", a private module's name)
    with pytest.raises(ValueError, match=re.escape(f"must be a fitted RepaymentModel (Scorer.from_bundle('{folder}') "
                                                   f"loads a bundle). Got the path '{folder}' instead.")):
        Scorer(folder)


def test_the_settings_are_under_the_hashes_and_on_the_card(trained):
    _, folder = trained
    spec = json.loads((folder / "model.json").read_text())
    assert spec["feature_builder"] == {"lookahead_days": 14, "windows": [2, 4], "tolerance": 0.5, "contacts": True,
                                       "population": "outstanding", "static": [], "protected": [],
                                       "credit_limit": None}
    assert spec["feature_registry_version"] == REGISTRY_VERSION
    assert spec["label_definition"]["lookahead_days"] == 14 and spec["label_definition"]["censor_days"] == 90
    assert spec["training_window"].startswith("train 2024-04-")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sha256"]["model.json"] == sha256_file(folder / "model.json")
    card = (folder / "model_card.md").read_text()
    assert "due by the as-of date + 14 days" in card and "within 30 days" in card and "to 90 days" in card


def test_scoring_without_contacts_needs_the_option(world, trained):
    _, folder = trained
    with pytest.raises(DataError, match=r"contact-log features .*allow_missing_contacts=True"):
        Scorer.from_bundle(folder).score(world.installments, "2025-09-01")
    scored = Scorer.from_bundle(folder, allow_missing_contacts=True).score(world.installments, "2025-09-01")
    assert scored.features["calls_30d"].isna().all() and scored.scores["likelihood"].between(0, 1).all()


def _rewrite(folder: Path, edit) -> None:
    """Edit model.json and re-hash it, as an older riskscore (or a tamperer with the manifest) would."""
    spec = json.loads((folder / "model.json").read_text())
    edit(spec)
    (folder / "model.json").write_text(json.dumps(spec))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"]["model.json"] = sha256_file(folder / "model.json")
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_an_older_bundle_loads_with_the_defaults_stated(tmp_path):
    import shutil

    folder = tmp_path / "old"
    shutil.copytree(Path(__file__).resolve().parents[2] / "models" / "sample", folder)
    _rewrite(folder, lambda spec: [spec.pop(k) for k in ("feature_builder", "feature_registry_version")])
    with pytest.warns(BundleVersionWarning, match=r"does not record how its features were built; assuming "
                                                  r"FeatureBuilder\(lookahead_days=7, windows=\(3, 6, 12\), "
                                                  r"tolerance=0.01, contacts=True"):
        model = load_bundle(folder)
    assert model.feature_builder_.get_params()["contacts"] is True


def test_another_registry_version_and_a_wrong_pin_are_refused(tmp_path):
    import shutil

    folder = tmp_path / "b"
    shutil.copytree(Path(__file__).resolve().parents[2] / "models" / "sample", folder)
    digest = bundle_digest(folder)
    assert load_bundle(folder, sha256=digest.upper()).n_features_in_ == 68
    with pytest.raises(BundleError, match=f"is not the pinned bundle: its digest is {digest}, the pin 00"):
        load_bundle(folder, sha256="00" * 32)
    _rewrite(folder, lambda spec: spec.update(feature_registry_version="0"))
    with pytest.raises(BundleError, match=r"feature registry version 0; this riskscore makes version "):
        load_bundle(folder)
