"""A borrowers table versioned in time (``valid_from``) through training, the nightly job and its plans."""

from __future__ import annotations

import os
import shutil
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import riskscore
import riskscore.report
from riskscore.batch import score_portfolio
from riskscore.exceptions import DataError
from riskscore.features import FeatureBuilder
from riskscore.io import write_parquet
from riskscore.labels import rolling_as_of_dates
from riskscore.model import RepaymentModel, save_bundle
from riskscore.schemas import borrowers_as_of
from riskscore.snapshots import split_xy
from tests.batch.conftest import read_outputs, write_table

pytestmark = [pytest.mark.filterwarnings("ignore::riskscore.exceptions.MonitoringOffWarning"),
              pytest.mark.filterwarnings("ignore:at .* as-of date:riskscore.exceptions.DataQualityWarning")]
AS_OF = "2025-06-30"
RAISED = pd.Timestamp("2025-01-01")  # the day every income was revised


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    world = riskscore.generate(300, seed=8)
    willingness = world.traits.set_index("borrower_id")["willingness"].reindex(world.borrowers["borrower_id"])
    current = world.borrowers.assign(income=(willingness * 5000).round(2).to_numpy())
    # the income declared at application (since always), revised on RAISED; a cease request recorded on the
    # as-of date for five borrowers who owe something; and changes dated after the as-of date, known to nobody then
    owing = riskscore.FeatureBuilder().fit().transform(world.installments, AS_OF).index[:5]
    future = current.iloc[:40].assign(valid_from=pd.Timestamp(AS_OF) + pd.Timedelta(days=10),
                                      income=lambda t: t["income"] * 10, do_not_contact=True)
    table = pd.concat([current.assign(valid_from=pd.NaT, income=lambda t: t["income"] / 2),
                       current.assign(valid_from=RAISED),
                       current.loc[current["borrower_id"].isin(owing)].assign(valid_from=pd.Timestamp(AS_OF),
                                                                              do_not_contact=True),
                       future], ignore_index=True).sample(frac=1, random_state=1, ignore_index=True)
    builder = FeatureBuilder(static=("income",))
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-06-01", freq="28D"),
                                     data_end=world.end, feature_builder=builder, borrowers=table)
    X, y = split_xy(snaps)
    half = len(X) // 2
    model = RepaymentModel(n_estimators=30, random_state=0).fit(X.iloc[:half], y[:half],
                                                                eval_set=(X.iloc[half:], y[half:]))
    folder = tmp_path_factory.mktemp("versioned_run")
    save_bundle(model, folder / "bundle", feature_builder=builder)
    write_table(world.installments, folder / "installments.parquet", "installments")
    write_parquet(table, folder / "versioned.parquet")
    write_parquet(borrowers_as_of(table, AS_OF), folder / "today.parquet")
    write_parquet(borrowers_as_of(table, AS_OF).drop(columns="valid_from").assign(
        do_not_contact=lambda t: t["do_not_contact"] & ~t["borrower_id"].isin(owing)), folder / "no_cease.parquet")
    return folder, world, current, table, snaps, owing


def _run(folder, borrowers, out, **options):
    score_portfolio(folder / "installments.parquet", folder / "bundle", AS_OF, folder / out,
                    borrowers=folder / borrowers, now=f"{AS_OF} 13:00", n_jobs=1, progress="off",
                    chunk_borrowers=80, **options)
    return read_outputs(folder / out)


def test_training_reads_each_as_of_date_s_own_values(setup):
    """Snapshots before the revision read the income declared at application, after it the revised one;
    the changes dated after every as-of date reach no snapshot."""
    _, _, current, _, snaps, _ = setup
    income = current.set_index("borrower_id")["income"]
    as_of, ids = pd.DatetimeIndex(snaps["as_of"]), snaps["borrower_id"].astype(str)
    expected = np.where(as_of < RAISED, income.reindex(ids).to_numpy() / 2, income.reindex(ids).to_numpy())
    np.testing.assert_array_equal(snaps["income"].to_numpy(), expected)
    assert (as_of < RAISED).any() and (as_of >= RAISED).any()


def test_the_nightly_job_on_a_versioned_table_is_the_job_on_the_rows_in_effect(setup):
    folder, _, _, _, _, _ = setup
    versioned = _run(folder, "versioned.parquet", "versioned")
    today = _run(folder, "today.parquet", "today")
    for name in ("scores", "plans", "audit"):
        pd.testing.assert_frame_equal(versioned[name], today[name], check_dtype=False)
    assert not len(versioned["rejects"]) and (versioned["scores"]["status"] == "scored").sum() > 20


def test_a_cease_request_recorded_today_binds_today_s_plans(setup):
    folder, _, _, _, _, owing = setup
    plans = _run(folder, "versioned.parquet", "cease")["plans"]
    before = _run(folder, "no_cease.parquet", "no_cease")["plans"]
    contact = {"reminder", "agent_call", "payment_link"}
    mine, theirs = plans[plans["borrower_id"].isin(owing)], before[before["borrower_id"].isin(owing)]
    assert theirs["action"].isin(contact).any(), "without the request, someone of them is contacted"
    assert not mine["action"].isin(contact).any(), mine[["borrower_id", "action"]]


def test_day_first_dates_from_a_csv_with_their_format(setup, tmp_path):
    folder, _, _, table, _, _ = setup
    text = table.assign(valid_from=table["valid_from"].dt.strftime("%d/%m/%Y"))
    text.to_csv(folder / "versioned.csv", index=False)
    got = _run(folder, "versioned.csv", "csv", date_format={"borrowers": "%d/%m/%Y"})
    want = _run(folder, "today.parquet", "today_for_csv")
    pd.testing.assert_frame_equal(got["scores"], want["scores"], check_dtype=False)
    # without the format the day-first dates are refused before any work, never guessed, as the other dates
    with pytest.raises(DataError, match=r"^borrowers '.*versioned.csv': valid_from holds day/month dates .* give the "
                                        r"format with --date-format borrowers.valid_from=%d/%m/%Y"):
        _run(folder, "versioned.csv", "csv_no_format")


@pytest.mark.slow
@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")  # pyspark's own pandas conversion
def test_the_spark_engine_reads_a_versioned_table_as_the_local_one(setup):
    """Spark's rows of a borrower (from any partition of its input) meet in one chunk, which takes the
    rows in effect: the same scores and plans as the local job."""
    pytest.importorskip("pyspark", reason="pip install 'riskscore[spark]' (make test installs it)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
        pytest.skip("Spark needs Java 17 (`make test` installs it when missing)")
    from pyspark.sql import SparkSession

    from riskscore import spark as rs_spark

    folder, _, _, versions, _, owing = setup
    local = _run(folder, "versioned.parquet", "for_spark")
    # dates as a warehouse writes them (Spark reads no nanosecond timestamps)
    dates = pa.array([None if pd.isna(d) else d.date() for d in versions["valid_from"]], pa.date32())
    pq.write_table(pa.Table.from_pandas(versions.drop(columns="valid_from"), preserve_index=False).append_column(
        "valid_from", dates), folder / "versioned_dates.parquet")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master("local[2]").appName("riskscore-versioned")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "2g").getOrCreate())
    try:
        inst = spark.read.parquet(str(folder / "installments.parquet"))
        table = spark.read.parquet(str(folder / "versioned_dates.parquet")).repartition(3)  # a borrower's rows apart
        result = rs_spark.score(inst, folder / "bundle", AS_OF, borrowers=table, now=f"{AS_OF} 13:00",
                                chunk_borrowers=80)
        got = {name: result[name].toPandas() for name in ("scores", "plans")}
        # a CSV with day-first dates and their format, read by Spark: the same likelihoods; without the format,
        # refused on the driver in one line, as by the local engine
        text = versions.assign(valid_from=versions["valid_from"].dt.strftime("%d/%m/%Y"))
        text.to_csv(folder / "versioned_spark.csv", index=False)
        files = rs_spark.score_files(folder / "installments.parquet", folder / "bundle", AS_OF, folder / "spark_csv",
                                     borrowers=folder / "versioned_spark.csv", now=f"{AS_OF} 13:00",
                                     chunk_borrowers=80, date_format={"borrowers.valid_from": "%d/%m/%Y"})
        assert files.borrowers["scored"] == int((local["scores"]["status"] == "scored").sum())
        from_csv = pd.read_parquet(folder / "spark_csv" / "scores.parquet").set_index("borrower_id").sort_index()
        pd.testing.assert_series_equal(from_csv["likelihood"], local["scores"].set_index("borrower_id").sort_index()[
            "likelihood"], check_names=False, check_index_type=False, check_dtype=False, rtol=0, atol=1e-12)
        with pytest.raises(DataError, match=r"valid_from holds day/month dates"):
            rs_spark.score_files(folder / "installments.parquet", folder / "bundle", AS_OF, folder / "spark_csv2",
                                 borrowers=folder / "versioned_spark.csv", now=f"{AS_OF} 13:00")
    finally:
        spark.stop()
    scores = got["scores"].set_index("borrower_id").sort_index()
    want = local["scores"].set_index("borrower_id").sort_index()
    pd.testing.assert_series_equal(scores["likelihood"].astype(float), want["likelihood"].astype(float),
                                   check_names=False, check_index_type=False, rtol=0, atol=1e-12)
    plans = got["plans"].sort_values(["borrower_id", "step"], ignore_index=True)
    mine = local["plans"].sort_values(["borrower_id", "step"], ignore_index=True)
    assert plans[["borrower_id", "step", "action", "channel"]].astype(str).equals(
        mine[["borrower_id", "step", "action", "channel"]].astype(str))
    assert not plans.loc[plans["borrower_id"].isin(owing), "action"].isin({"reminder", "agent_call"}).any()


def test_the_report_s_fairness_groups_are_those_at_the_as_of_date(setup):
    """A protected-attributes table versioned in time (a group that changed after the as-of date) is read
    as it was at the as-of date, not refused for its repeated ids."""
    folder, _, current, _, _, owing = setup
    _run(folder, "versioned.parquet", "fairness")
    groups = current[["borrower_id"]].assign(band="a", valid_from=pd.NaT)
    moved = groups[groups["borrower_id"].isin(owing)].assign(band="b", valid_from=pd.Timestamp(AS_OF))
    later = groups.assign(band="c", valid_from=pd.Timestamp(AS_OF) + pd.Timedelta(days=1))
    summary = riskscore.report.summarise_run(folder / "fairness", pages={"review": 0, "largest": 0, "random": 0},
                                             protected=pd.concat([groups, moved, later], ignore_index=True))
    sizes = {g["group"]: g["borrowers"] for g in summary["fairness"][0]["groups"]}
    assert sizes == {"a": sizes["a"], "b": 5} and sizes["a"] > 5


def test_two_incomes_for_one_borrower_and_date_reject_the_borrower(setup):
    """Rows equal on the contract's columns but not on a column the model reads were exact duplicates:
    the job dropped the second and scored the first income unseen. Now the borrower is rejected."""
    folder, _, _, table, _, owing = setup
    today = borrowers_as_of(table, AS_OF)
    twice = today[today["borrower_id"] == owing[0]].assign(income=lambda t: t["income"] + 1)
    write_parquet(pd.concat([today, twice], ignore_index=True), folder / "twice.parquet")
    out = _run(folder, "twice.parquet", "twice")
    assert owing[0] not in set(out["scores"]["borrower_id"])
    mine = out["rejects"][out["rejects"]["borrower_id"] == owing[0]]
    assert set(mine["check"]) >= {"field_uniqueness"} and (mine["table"] == "borrowers").sum() == 2
