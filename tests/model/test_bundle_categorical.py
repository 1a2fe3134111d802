"""A model with the user's own text columns: categories learnt by train(), recorded in the bundle, quoted in reasons."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import riskscore
from riskscore.batch import score_portfolio
from riskscore.exceptions import BundleError, DataError
from riskscore.features import FeatureBuilder, learn_categories
from riskscore.io import write_parquet
from riskscore.model import RepaymentModel, load_bundle, save_bundle, train
from riskscore.scoring import Scorer
from tests.batch.conftest import write_table

pytestmark = [pytest.mark.filterwarnings("ignore::riskscore.exceptions.MonitoringOffWarning"),
              # a tiny world: some as-of dates have few borrowers owing something (the population warning)
              pytest.mark.filterwarnings("ignore:at .* as-of date:riskscore.exceptions.DataQualityWarning")]

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def world_with_employment():
    world = riskscore.generate(300, seed=8)
    # a text column that carries signal: the hidden willingness to pay, in three named bands, some empty
    willingness = world.traits.set_index("borrower_id")["willingness"].reindex(world.borrowers["borrower_id"])
    band = np.array(["unemployed", "self-employed", "salaried"])[np.searchsorted(
        np.quantile(willingness, [0.3, 0.6]), willingness.to_numpy())]
    band[::25] = ""
    return world, world.borrowers.assign(employment=band)


@pytest.fixture(scope="module")
def trained(world_with_employment, tmp_path_factory):
    world, borrowers = world_with_employment
    model, report = train(world.installments, borrowers=borrowers, as_of_start="2024-04-01", as_of_end="2025-08-01",
                          freq="28D", data_end=world.end, feature_builder=FeatureBuilder(categorical=("employment",)),
                          n_bootstrap=0, model=RepaymentModel(n_estimators=30, random_state=0))
    folder = tmp_path_factory.mktemp("categorical") / "bundle"
    save_bundle(model, folder, feature_builder=report["feature_builder"])
    return model, report, folder


def test_train_learns_the_categories_and_the_model_uses_the_column(trained, world_with_employment):
    model, report, _ = trained
    _, borrowers = world_with_employment
    learnt = report["feature_builder"].get_params()["categorical"]
    assert learnt == learn_categories(borrowers, ["employment"])
    assert sorted(learnt["employment"]) == ["salaried", "self-employed", "unemployed"]
    assert model.feature_names_in_[-1] == "employment"
    assert model.likelihood_.feature_importance()[-1] > 0  # the likelihood head splits on it


def test_the_bundle_records_the_categories_and_reasons_quote_them(trained, world_with_employment):
    model, report, folder = trained
    world, borrowers = world_with_employment
    spec = json.loads((folder / "model.json").read_text())
    categories = report["feature_builder"].categories()
    assert spec["feature_builder"]["categorical"] == categories
    scorer = Scorer.from_bundle(folder)
    assert scorer.static_columns == ("employment",) and scorer.feature_builder.categories() == categories
    in_memory = Scorer(model, feature_builder=clone(report["feature_builder"]).set_params(contacts=False))
    scored = scorer.score(world.installments, AS_OF, borrowers=borrowers)
    pd.testing.assert_frame_equal(scored.scores, in_memory.score(world.installments, AS_OF, borrowers=borrowers).scores)
    own = scored.reasons[scored.reasons["feature"] == "employment"]
    assert len(own)
    value_of = borrowers.set_index("borrower_id")["employment"]
    for row in own.itertuples():
        said = re.fullmatch(r"the borrower's employment is '(.+)'|借款人的employment为“(.+)”", row.text)
        assert said is not None, row.text
        assert (said.group(1) or said.group(2)) == value_of[row.row] == categories["employment"][int(row.value)]
    # another value than those learnt (a new employment type) is a code of its own, quoted as such
    new = scorer.score(world.installments, AS_OF, borrowers=borrowers.assign(employment="astronaut"))
    assert (new.features["employment"] == 3.0).all()
    assert set(new.reasons.loc[new.reasons["feature"] == "employment", "text"]) <= {
        "the borrower's employment is a value rare or unseen in the training data",
        "借款人的employment为训练数据中少见或未出现的取值"}


def test_a_categorical_bundle_refuses_scoring_without_the_column(trained, world_with_employment):
    _, _, folder = trained
    world, borrowers = world_with_employment
    with pytest.raises(DataError, match=r"^borrowers: no column 'employment', which the model uses as a feature "
                                        r"\(its borrowers-table columns: employment\)"):
        Scorer.from_bundle(folder).score(world.installments, AS_OF, borrowers=borrowers.drop(columns="employment"))


def test_train_without_the_borrowers_table_is_refused(world_with_employment):
    world, _ = world_with_employment
    with pytest.raises(ValueError, match=r"categorical columns \('employment',\): train needs the borrowers table"):
        train(world.installments, as_of_start="2024-04-01", as_of_end="2025-08-01", freq="28D", data_end=world.end,
              feature_builder=FeatureBuilder(categorical=("employment",)), n_bootstrap=0)


def test_save_bundle_refuses_a_builder_that_names_columns_without_categories(trained, tmp_path):
    model, _, _ = trained
    with pytest.raises(BundleError, match=r"feature_builder cannot be recorded: .* names the columns but not"):
        save_bundle(model, tmp_path / "b", feature_builder=FeatureBuilder(categorical=("employment",)))
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("categorical", [{"employment": "salaried"}, {"employment": [1, 2]}, ["employment"]])
def test_a_bundle_with_damaged_categories_is_refused_in_one_line(trained, tmp_path, categorical):
    _, _, folder = trained
    copy = tmp_path / "bundle"
    shutil.copytree(folder, copy)
    spec = json.loads((copy / "model.json").read_text())
    spec["feature_builder"]["categorical"] = categorical
    (copy / "model.json").write_text(json.dumps(spec))
    manifest = json.loads((copy / "manifest.json").read_text())  # signed again: the content is what is checked
    manifest["feature_builder"] = spec["feature_builder"]
    manifest["sha256"]["model.json"] = hashlib.sha256((copy / "model.json").read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"categorical must be an object of arrays of category texts"):
        load_bundle(copy)


def test_the_nightly_job_reads_the_text_column_from_a_csv(trained, world_with_employment, tmp_path):
    _, _, folder = trained
    world, borrowers = world_with_employment
    write_table(world.installments, tmp_path / "installments.parquet", "installments")
    borrowers.to_csv(tmp_path / "borrowers.csv", index=False)
    write_parquet(borrowers, tmp_path / "borrowers.parquet")
    for name in ("borrowers.csv", "borrowers.parquet"):
        score_portfolio(tmp_path / "installments.parquet", folder, AS_OF, tmp_path / name.replace(".", "_"),
                        borrowers=tmp_path / name, now=f"{AS_OF} 13:00", n_jobs=1, progress="off",
                        chunk_borrowers=80)
    scores = [pd.read_parquet(tmp_path / run / "scores.parquet").set_index("borrower_id").sort_index()
              for run in ("borrowers_csv", "borrowers_parquet")]
    pd.testing.assert_series_equal(scores[0]["likelihood"], scores[1]["likelihood"])
    direct = Scorer.from_bundle(folder).score(world.installments, AS_OF, borrowers=borrowers).scores
    scored = scores[0][scores[0]["status"] == "scored"]
    pd.testing.assert_series_equal(scored["likelihood"], direct["likelihood"].sort_index(), check_names=False,
                                   check_index_type=False)


def test_a_column_without_a_frequent_value_warns_when_train_learns_it():
    from riskscore.model._train import _with_categories

    table = pd.DataFrame({"borrower_id": [f"b{i}" for i in range(50)], "employer": [f"firm {i}" for i in range(50)]})
    with pytest.warns(riskscore.DataQualityWarning, match=r"categorical column 'employer' has no value held by "
                                                          r"enough borrowers"):
        builder = _with_categories(FeatureBuilder(categorical=("employer",)), table)
    assert builder.get_params()["categorical"] == {"employer": []}
    given = FeatureBuilder(categorical={"employer": ["firm 1"]})
    assert _with_categories(given, None) is given  # categories given: nothing learnt, no table needed
