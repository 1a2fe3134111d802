"""The nightly job with a bundle that uses the borrowers table's own columns (FeatureBuilder(static=...))."""

from __future__ import annotations

import os
import shutil
import sys

import pandas as pd
import pytest

import riskscore
import riskscore.report
from riskscore.batch import score_portfolio
from riskscore.exceptions import DataError
from riskscore.features import FeatureBuilder
from riskscore.io import write_parquet
from riskscore.labels import rolling_as_of_dates
from riskscore.model import RepaymentModel, save_bundle
from riskscore.scoring import Scorer
from riskscore.snapshots import split_xy
from tests.batch.conftest import write_table

pytestmark = [pytest.mark.filterwarnings("ignore::riskscore.exceptions.MonitoringOffWarning"),
              # a tiny world: some as-of dates have few borrowers owing something (the population warning)
              pytest.mark.filterwarnings("ignore:at .* as-of date:riskscore.exceptions.DataQualityWarning")]
AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    world = riskscore.generate(300, seed=8)
    willingness = world.traits.set_index("borrower_id")["willingness"].reindex(world.borrowers["borrower_id"])
    borrowers = world.borrowers.assign(income=(willingness * 5000).round(2).to_numpy())
    builder = FeatureBuilder(static=("income",))
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-06-01", freq="28D"),
                                     data_end=world.end, feature_builder=builder, borrowers=borrowers)
    X, y = split_xy(snaps)
    half = len(X) // 2
    model = RepaymentModel(n_estimators=30, random_state=0).fit(X.iloc[:half], y[:half],
                                                                eval_set=(X.iloc[half:], y[half:]))
    assert model.likelihood_.feature_importance()[-1] > 0  # the likelihood head splits on the income
    folder = tmp_path_factory.mktemp("static_run")
    save_bundle(model, folder / "bundle", feature_builder=builder)
    write_table(world.installments, folder / "installments.parquet", "installments")
    write_parquet(borrowers, folder / "borrowers.parquet")
    write_table(world.borrowers, folder / "without.parquet", "borrowers")
    return folder, borrowers, world


def _run(folder, borrowers, out):
    return score_portfolio(folder / "installments.parquet", folder / "bundle", AS_OF, folder / out,
                           borrowers=None if borrowers is None else folder / f"{borrowers}.parquet",
                           now=f"{AS_OF} 13:00", n_jobs=1, progress="off", chunk_borrowers=80)


def test_the_nightly_job_scores_with_the_static_columns(setup):
    folder, borrowers, world = setup
    _run(folder, "borrowers", "run")
    scores = pd.read_parquet(folder / "run" / "scores.parquet").set_index("borrower_id")
    scored = scores[scores["status"] == "scored"]
    # the same likelihoods as the one scorer given the table in memory: the column reached every chunk
    direct = Scorer.from_bundle(folder / "bundle").score(world.installments, AS_OF, borrowers=borrowers).scores
    pd.testing.assert_series_equal(scored["likelihood"].sort_index(), direct["likelihood"].sort_index(),
                                   check_names=False, check_index_type=False)
    # ... and they depend on it: the same scorer given another income scores somebody differently
    poorer = Scorer.from_bundle(folder / "bundle").score(world.installments, AS_OF,
                                                         borrowers=borrowers.assign(income=borrowers["income"] / 10))
    assert (poorer.scores["likelihood"].reindex(scored.index) != scored["likelihood"]).any()


def test_the_report_of_a_run_with_static_columns_shows_every_page(setup, tmp_path, monkeypatch):
    """The report recomputes the pages' curves and SHAP from the run's inputs: without the borrowers
    table's static columns it raised a data error, so `riskscore score` failed after every such run.
    It is also written from another working directory (the manifest records absolute paths)."""
    folder, _, _ = setup
    _run(folder, "borrowers", "run_report")
    monkeypatch.chdir(tmp_path)
    summary = riskscore.report.summarise_run(folder / "run_report", pages={"review": 0, "largest": 3, "random": 2})
    pages = [p for p in summary["borrowers"] if p["status"] == "scored"]
    assert len(pages) == 5 and all(p["waterfall"] is not None and p["note"] is None for p in pages)
    assert any(item["feature"] == "income" for p in pages for item in p["waterfall"]["items"]), \
        "the static column is among the features the pages explain"
    manifest = riskscore.report.read_run(folder / "run_report").manifest
    assert os.path.isabs(manifest.model["path"]) and os.path.isabs(manifest.inputs["installments"]["path"])


def test_the_nightly_job_refuses_a_run_without_the_static_column(setup):
    folder, _, _ = setup
    with pytest.raises(DataError, match=r"^borrowers: the model uses the borrowers table's column\(s\) income"):
        _run(folder, None, "no_table")
    with pytest.raises(DataError, match=r"^borrowers: no column 'income', which the model uses as a feature"):
        _run(folder, "without", "no_column")
    assert not (folder / "no_column" / "scores.parquet").exists()


@pytest.mark.slow
@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")  # pyspark's own pandas conversion
def test_the_spark_engine_scores_with_the_static_columns_as_the_local_one(setup):
    """The Spark engine reads the static column from the borrowers DataFrame and scores as the local job."""
    pytest.importorskip("pyspark", reason="pip install 'riskscore[spark]' (make test installs it)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
        pytest.skip("Spark needs Java 17 (`make test` installs it when missing)")
    from pyspark.sql import SparkSession

    from riskscore import spark as rs_spark

    folder, _, _ = setup
    _run(folder, "borrowers", "run_for_spark")
    local = pd.read_parquet(folder / "run_for_spark" / "scores.parquet").set_index("borrower_id").sort_index()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master("local[2]").appName("riskscore-static")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "2g").getOrCreate())
    try:
        inst = spark.read.parquet(str(folder / "installments.parquet"))
        table = spark.read.parquet(str(folder / "borrowers.parquet"))
        result = rs_spark.score(inst, folder / "bundle", AS_OF, borrowers=table, now=f"{AS_OF} 13:00",
                                chunk_borrowers=80)
        got = result["scores"].toPandas().set_index("borrower_id").sort_index()
        assert (local["status"] == "scored").sum() == 44  # the 300-borrower world at AS_OF
        pd.testing.assert_series_equal(got["likelihood"].astype(float), local["likelihood"].astype(float),
                                       check_names=False, check_index_type=False, rtol=0, atol=1e-12)
        without = spark.read.parquet(str(folder / "without.parquet"))
        with pytest.raises(DataError, match=r"^borrowers: no column 'income', which the model uses as a feature"):
            rs_spark.score(inst, folder / "bundle", AS_OF, borrowers=without, now=f"{AS_OF} 13:00")
    finally:
        spark.stop()
