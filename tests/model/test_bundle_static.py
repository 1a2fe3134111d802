"""A model with the user's own static columns: trained through train(), recorded in its bundle, refused without them."""

from __future__ import annotations

import json

import numpy as np
import pytest

import riskscore
from riskscore.exceptions import BundleError, DataError
from riskscore.features import FeatureBuilder
from riskscore.model import RepaymentModel, load_bundle, save_bundle, train
from riskscore.scoring import Scorer

pytestmark = [pytest.mark.filterwarnings("ignore::riskscore.exceptions.MonitoringOffWarning"),
              # a tiny world: some as-of dates have few borrowers owing something (the population warning)
              pytest.mark.filterwarnings("ignore:at .* as-of date:riskscore.exceptions.DataQualityWarning")]

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def world_with_income():
    world = riskscore.generate(300, seed=8)
    # a static column that carries signal (the hidden willingness to pay, named like a declared income)
    income = world.traits.set_index("borrower_id")["willingness"].reindex(world.borrowers["borrower_id"]) * 5000
    return world, world.borrowers.assign(income=income.round(2).to_numpy())


@pytest.fixture(scope="module")
def trained(world_with_income, tmp_path_factory):
    world, borrowers = world_with_income
    builder = FeatureBuilder(static=("income",))
    model, report = train(world.installments, borrowers=borrowers, as_of_start="2024-04-01", as_of_end="2025-08-01",
                          freq="28D", data_end=world.end, feature_builder=builder, n_bootstrap=0,
                          model=RepaymentModel(n_estimators=30, random_state=0))
    folder = tmp_path_factory.mktemp("static") / "bundle"
    save_bundle(model, folder, feature_builder=report["feature_builder"])
    return model, folder


def test_train_passes_the_borrowers_table_and_the_model_uses_the_column(trained):
    model, _ = trained
    assert model.feature_names_in_[-1] == "income"
    assert model.likelihood_.feature_importance()[-1] > 0  # the likelihood head splits on it


def test_the_bundle_records_and_restores_the_static_columns(trained, world_with_income):
    model, folder = trained
    spec = json.loads((folder / "model.json").read_text())
    assert spec["feature_builder"]["static"] == ["income"] and spec["feature_builder"]["credit_limit"] is None
    loaded = load_bundle(folder)
    assert loaded.feature_builder_.get_params()["static"] == ("income",)
    world, borrowers = world_with_income
    scorer = Scorer(loaded)
    X = scorer.features(world.installments, AS_OF, borrowers=borrowers)
    assert X.columns[-1] == "income" and X["income"].notna().all()
    np.testing.assert_array_equal(loaded.likelihood(X), model.likelihood(X))
    # the scores follow the column: a lower income lowers the likelihood of somebody
    poorer = borrowers.assign(income=borrowers["income"] / 10)
    changed = scorer.score(world.installments, AS_OF, borrowers=poorer).scores["likelihood"]
    assert (changed < scorer.score(world.installments, AS_OF, borrowers=borrowers).scores["likelihood"]).any()


def test_a_static_bundle_refuses_scoring_without_the_column(trained, world_with_income):
    _, folder = trained
    world, borrowers = world_with_income
    scorer = Scorer.from_bundle(folder)
    assert scorer.static_columns == ("income",)
    with pytest.raises(DataError, match=r"^borrowers: the model uses the borrowers table's column\(s\) income as "
                                        r"features; give the borrowers table"):
        scorer.features(world.installments, AS_OF)
    with pytest.raises(DataError, match=r"^borrowers: no column 'income', which the model uses as a feature"):
        scorer.score(world.installments, AS_OF, borrowers=borrowers.drop(columns="income"))


def test_save_bundle_refuses_a_builder_without_the_static_columns(trained, tmp_path):
    model, _ = trained
    with pytest.raises(BundleError, match=r"does not make the model's features"):
        save_bundle(model, tmp_path / "b", feature_builder=FeatureBuilder())
    assert not (tmp_path / "b").exists()
