"""The Spark engine in local mode gives the local job's outputs, row for row."""

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
from riskscore.batch import score_portfolio
from riskscore.batch._spark import _warm_workers, _write
from riskscore.batch._spark_keys import partition_keys
from riskscore.contract import OUTPUTS
from riskscore.io import ARROW_SCHEMAS, read_table
from tests.batch.conftest import BUNDLE, read_outputs, write_table

pyspark = pytest.importorskip("pyspark", reason="pip install 'riskscore[spark]' (make test installs it)")
pytestmark = [pytest.mark.slow, pytest.mark.spark,
              # pyspark 4.0's own pandas conversions pass pandas 3 a deprecated keyword; not ours to fix
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
    pytest.skip("Spark needs Java 17 (`make test` installs it when missing)", allow_module_level=True)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers import riskscore from this environment
    session = (SparkSession.builder.master("local[2]").appName("riskscore-tests")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "2g")
               # small file splits: several partitions per input, so _row's per-partition offsets are exercised
               .config("spark.sql.files.maxPartitionBytes", "16k").getOrCreate())
    yield session
    session.stop()


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable", ignore_index=True)


def _same(spark_frame: pd.DataFrame, local: pd.DataFrame, keys: list[str], name: str) -> None:
    got = _sorted(spark_frame, keys)
    want = _sorted(local, keys)
    assert list(got.columns) == list(want.columns), name
    assert len(got) == len(want), name
    for col in want.columns:
        a, b = got[col], want[col]
        if pd.api.types.is_datetime64_any_dtype(b):
            a = pd.to_datetime(a, utc=True)
            b = pd.to_datetime(b, utc=True)
            assert (a.isna() == b.isna()).all() and (a[b.notna()] == b[b.notna()]).all(), (name, col)
        elif pd.api.types.is_float_dtype(b):
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=0, atol=1e-12, err_msg=f"{name}.{col}")
        else:
            left = a.astype(object).where(a.notna(), None).map(str).tolist()
            right = b.astype(object).where(b.notna(), None).map(str).tolist()
            assert left == right, (name, col)


def test_spark_output_equals_the_local_output_row_for_row(spark, world, world_files, as_of, now, tmp_path):
    from riskscore import spark as rs_spark

    inst = world.installments.copy()
    inst.loc[inst.index[3], "amount_due"] = -1.0  # a rejected borrower, so rejects are compared too
    inst.loc[inst.index[-5], "amount_due"] = -2.0  # another, in the file's last row group (Spark's last partition)
    table = pa.Table.from_pandas(inst, schema=ARROW_SCHEMAS["installments"], preserve_index=False)
    pq.write_table(table, tmp_path / "i.parquet", row_group_size=1_000)
    files = {"installments": tmp_path / "i.parquet", "borrowers": world_files["borrowers"],
             "contacts": world_files["contacts"]}
    explore = {"exploration": {"seed": 5, "shares": {"self_cure": 0.5, "middle": 0.5, "low": 0.5}}}
    score_portfolio(files["installments"], BUNDLE, as_of, tmp_path / "local", borrowers=files["borrowers"],
                    contacts=files["contacts"], now=now, chunk_borrowers=250, n_jobs=1, progress="off",
                    profile="US=us_reg_f_2021,CN=cn_gbt45251_2025,*=strict_v1", policy_options=explore)
    local = read_outputs(tmp_path / "local")
    drawn = local["plans"]["decision"] != local["plans"]["default_decision"]
    assert drawn.any() and (local["plans"]["propensity"] < 1).any()  # exploration by seed and id: the same on Spark
    assert spark.read.parquet(str(files["installments"])).rdd.getNumPartitions() > 2
    result = rs_spark.score(spark.read.parquet(str(files["installments"])), BUNDLE, as_of,
                            borrowers=spark.read.parquet(str(files["borrowers"])),
                            contacts=spark.read.parquet(str(files["contacts"])), now=now, chunk_borrowers=250,
                            profile="US=us_reg_f_2021,CN=cn_gbt45251_2025,*=strict_v1", policy_options=explore)
    keys = {"scores": ["borrower_id"], "plans": ["borrower_id", "step"], "audit": ["borrower_id", "rule_id"],
            "rejects": ["table", "row", "check"]}
    for name, key in keys.items():
        _same(result[name].toPandas(), local[name], key, name)
    assert len(local["rejects"]) > 0 and result["chunks"] == 3
    assert result["stats"]["borrowers_rejected"] == 2
    # Spark's writer (the cluster path of score_files): the contract's types, UTC microseconds included
    _write(spark, result, tmp_path / "written")
    for name, key in keys.items():
        written = pq.read_table(tmp_path / "written" / f"{name}.parquet")
        assert written.schema.field("window_start_utc" if name == "plans" else key[0]).type == \
            OUTPUTS[name].field("window_start_utc" if name == "plans" else key[0]).type
        _same(written.to_pandas(), local[name], key, name)


def test_partition_keys_give_each_chunk_a_partition_of_its_own(spark):
    from pyspark.sql import functions as F

    for n in (2, 3, 7, 50):
        keys = partition_keys(n)
        frame = spark.createDataFrame(list(enumerate(keys)), "bucket long, key long").repartition(n, "key")
        placed = frame.select("bucket", F.spark_partition_id().alias("p")).collect()
        assert sorted((r.bucket, r.p) for r in placed) == [(k, k) for k in range(n)]


def test_warming_the_workers_of_a_session_stopped_meanwhile_raises_nothing_in_its_thread():
    # CI: a run refused before its first stage returned, the test stopped Spark, and the warming
    # thread's first call (the parallelism) raised "Cannot call methods on a stopped SparkContext"
    class Stopped:
        @property
        def sparkContext(self):  # pyspark's name
            raise RuntimeError("Cannot call methods on a stopped SparkContext")

        def range(self, *args):
            raise RuntimeError("Cannot call methods on a stopped SparkContext")

    assert _warm_workers(Stopped()) is None


def test_score_files_reads_csv_with_spark_and_writes_the_outputs(spark, world, world_files, as_of, now, tmp_path):
    from riskscore.spark import score_files

    # their extract: ;-separated, amounts as 1.234,56 € (the mark on most, some in full-width digits), GB18030
    # text, own names
    csv = tmp_path / "installments.csv"
    eu = world.installments.rename(columns={"borrower_id": "客户号"})
    wide = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
    for c in ("amount_due", "amount_paid"):
        eu[c] = eu[c].map(lambda v: f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", "."))
        eu[c] = [f"{v} €" if i % 3 else v.translate(wide) if i % 2 else v for i, v in enumerate(eu[c])]
    assert eu["amount_due"].str.contains(r"\.\d{3},\d\d €").any() and eu["amount_due"].str.contains("．").any()
    eu.to_csv(csv, index=False, sep=";", encoding="gb18030")
    manifest = score_files(csv, BUNDLE, as_of, tmp_path / "out", borrowers=world_files["borrowers"],
                           contacts=world_files["contacts"], now=now, chunk_borrowers=250, number_format="1.234,56 €",
                           encoding="gb18030", columns={"installments": {"客户号": "borrower_id"}})
    assert manifest.inputs["installments"]["number_format"] == "1.234,56 €"
    assert manifest.borrowers["rejected"] == 0
    assert manifest.inputs["installments"]["encoding"] == "gb18030"
    score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "local", now=now, chunk_borrowers=250,
                    borrowers=world_files["borrowers"], contacts=world_files["contacts"], n_jobs=1, progress="off")
    local = read_outputs(tmp_path / "local")
    got = pd.read_parquet(tmp_path / "out" / "scores.parquet")
    _same(got, local["scores"], ["borrower_id"], "scores")
    scored = (local["scores"]["status"] == "scored").sum()
    assert manifest.engine == "spark" and manifest.borrowers["scored"] == scored
    assert manifest.psi["available"]


def test_zero_row_borrowers_and_contacts_on_spark_as_on_the_local_engine(spark, world, as_of, now, tmp_path):
    """Empty is normal on Spark too (issue 18): zero-row tables reach the chunk typed, as locally."""
    from riskscore import spark as rs_spark

    files = {t: tmp_path / f"{t}.parquet" for t in ("installments", "borrowers", "contacts")}
    write_table(world.installments, files["installments"], "installments")
    write_table(world.borrowers.iloc[:0], files["borrowers"], "borrowers")
    write_table(world.contacts.iloc[:0], files["contacts"], "contacts")
    score_portfolio(files["installments"], BUNDLE, as_of, tmp_path / "local", borrowers=files["borrowers"],
                    contacts=files["contacts"], now=now, chunk_borrowers=250, n_jobs=1, progress="off")
    local = read_outputs(tmp_path / "local")
    result = rs_spark.score(spark.read.parquet(str(files["installments"])), BUNDLE, as_of,
                            borrowers=spark.read.parquet(str(files["borrowers"])),
                            contacts=spark.read.parquet(str(files["contacts"])), now=now, chunk_borrowers=250)
    _same(result["scores"].toPandas(), local["scores"], ["borrower_id"], "scores")
    _same(result["plans"].toPandas(), local["plans"], ["borrower_id", "step"], "plans")
    assert set(local["plans"]["action"]) == {"human_review"}  # nobody is in the borrowers table


def test_a_contact_log_of_no_borrower_of_the_installments_stops_spark_as_the_local_engine(spark, world, as_of, now,
                                                                                          tmp_path):
    """The local job's refusal of a contact log whose ids match nobody (``7.0`` against ``7``), on Spark: the
    same line, from the survey, before any chunk; a log with one matching row runs (zero-row logs too)."""
    from riskscore import spark as rs_spark

    inst = world.installments.assign(borrower_id=world.installments["borrower_id"].str[1:].astype(int))
    numbers = {b: int(b[1:]) for b in world.installments["borrower_id"].unique()}
    log = world.contacts.assign(borrower_id=world.contacts["borrower_id"].map(numbers).astype(float).map(str))
    local_dir = tmp_path / "files"
    local_dir.mkdir()
    def write(frame: pd.DataFrame, name: str) -> None:  # microseconds: Spark reads no nanosecond timestamps
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), local_dir / f"{name}.parquet",
                       coerce_timestamps="us", allow_truncated_timestamps=True)

    write(inst, "installments")
    write(log, "contacts")
    with pytest.raises(riskscore.DataError) as local:
        score_portfolio(local_dir / "installments.parquet", BUNDLE, as_of, tmp_path / "local", now=now, n_jobs=1,
                        contacts=local_dir / "contacts.parquet", progress="off")
    assert "the installments write ids like '0', the contact log like '0.0': whole numbers with a decimal" in \
        str(local.value)
    with pytest.raises(riskscore.DataError) as remote:
        rs_spark.score(spark.read.parquet(str(local_dir / "installments.parquet")), BUNDLE, as_of, now=now,
                       contacts=spark.read.parquet(str(local_dir / "contacts.parquet")))
    assert str(remote.value) == str(local.value)
    log.loc[log.index[0], "borrower_id"] = str(inst["borrower_id"].iloc[0])
    write(log, "contacts")
    result = rs_spark.score(spark.read.parquet(str(local_dir / "installments.parquet")), BUNDLE, as_of, now=now,
                            contacts=spark.read.parquet(str(local_dir / "contacts.parquet")))
    assert result["scores"].count() == inst["borrower_id"].nunique()


def test_an_as_of_date_past_the_data_is_refused_on_spark_as_on_the_local_engine(spark, world_files, as_of, tmp_path):
    """Issue 20's guard on both engines: refused on the driver before any chunk, with the same line."""
    from riskscore import spark as rs_spark

    late = str((pd.Timestamp(as_of) + pd.Timedelta(days=400)).date())
    with pytest.raises(ValueError) as local:
        score_portfolio(world_files["installments"], BUNDLE, late, tmp_path / "local", n_jobs=1, progress="off",
                        allow_missing_contacts=True)
    frame = spark.read.parquet(str(world_files["installments"]))
    with pytest.raises(ValueError) as remote:
        rs_spark.score(frame, BUNDLE, late, allow_missing_contacts=True)
    assert str(remote.value) == str(local.value)
    assert str(local.value).startswith(f"as_of {late} is ") and "allow_stale_data=True" in str(local.value)
    result = rs_spark.score(frame, BUNDLE, late, allow_missing_contacts=True, allow_stale_data=True,
                            chunk_borrowers=250)
    assert result["scores"].count() == result["stats"]["borrowers_in"]
    result["encoded"].unpersist()


def _numeric_ids(world, folder):
    """The world as pandas writes a typical extract: numeric ids (a missing one makes the column float) and
    nanosecond timestamps (pandas' default datetime64[ns], TIMESTAMP(NANOS) in parquet)."""
    number = {b: i + 1 for i, b in enumerate(world.borrowers["borrower_id"])}
    inst = world.installments.assign(borrower_id=world.installments["borrower_id"].map(number).astype(float),
                                     due_date=world.installments["due_date"].astype("datetime64[ns]"),
                                     paid_date=world.installments["paid_date"].astype("datetime64[ns]"))
    inst.loc[inst.index[:3], "borrower_id"] = np.nan  # rejected rows (no borrower), on both engines
    contacts = world.contacts.assign(borrower_id=world.contacts["borrower_id"].map(number).astype("int64"),
                                     contacted_at=world.contacts["contacted_at"].astype("datetime64[ns, UTC]"))
    files = {"installments": folder / "i.parquet", "borrowers": folder / "b.parquet", "contacts": folder / "c.parquet"}
    inst.to_parquet(files["installments"])
    world.borrowers.assign(borrower_id=world.borrowers["borrower_id"].map(number)).to_parquet(files["borrowers"])
    contacts.to_parquet(files["contacts"])
    assert pq.read_schema(files["installments"]).field("due_date").type == pa.timestamp("ns")
    assert pq.read_schema(files["contacts"]).field("contacted_at").type == pa.timestamp("ns", "UTC")
    return files, inst


def test_numeric_ids_and_nanosecond_times_on_spark_as_on_the_local_engine(spark, world, as_of, now, tmp_path):
    """Spark's cast gave "1.0" for a float id (matching no borrower: every plan 'unknown') and refused
    TIMESTAMP(NANOS) columns; both engines now read such files alike."""
    from riskscore.batch._spark_inputs import NANOS_AS_LONG
    from riskscore.spark import score_files

    files, _ = _numeric_ids(world, tmp_path)
    options = dict(borrowers=files["borrowers"], contacts=files["contacts"], now=now, chunk_borrowers=250)
    score_files(files["installments"], BUNDLE, as_of, tmp_path / "spark", **options)
    assert spark.conf.get(NANOS_AS_LONG, None) is None  # the session as it was
    score_portfolio(files["installments"], BUNDLE, as_of, tmp_path / "local", n_jobs=1, progress="off", **options)
    local = read_outputs(tmp_path / "local")
    keys = {"scores": ["borrower_id"], "plans": ["borrower_id", "step"], "audit": ["borrower_id", "rule_id"],
            "rejects": ["table", "row", "check"]}
    for name, key in keys.items():
        _same(pd.read_parquet(tmp_path / "spark" / f"{name}.parquet"), local[name], key, name)
    assert local["scores"]["borrower_id"].str.fullmatch(r"\d+").all()  # "1", never "1.0"
    assert (local["plans"]["segment"] != "unknown").all()  # every plan found its borrower
    assert len(local["rejects"]) > 0


def test_float_ids_that_are_not_whole_are_refused_on_spark_in_one_line(spark, world, as_of, tmp_path):
    from riskscore import spark as rs_spark
    from riskscore.batch._spark_inputs import read_parquet
    from riskscore.exceptions import DataError
    from riskscore.spark import score_files

    files, inst = _numeric_ids(world, tmp_path)
    inst.loc[inst.index[5], "borrower_id"] = 2.5
    inst.to_parquet(files["installments"])
    with pytest.raises(DataError, match=r"^the installments input '.*i.parquet': column borrower_id is stored as "
                                        r"numbers and 1 of them are not whole numbers"):
        score_files(files["installments"], BUNDLE, as_of, tmp_path / "spark", allow_missing_contacts=True)
    with pytest.raises(DataError, match=r"i.parquet': a column is stored as TIMESTAMP\(NANOS\) \(pandas' "
                                        r"datetime64\[ns\]\), which Spark cannot read; write it in microseconds"):
        read_parquet(spark, str(files["installments"]), None)  # a file Spark reads without riskscore's look first
    inst.to_parquet(files["installments"], coerce_timestamps="us", allow_truncated_timestamps=True)
    df = spark.read.parquet(str(files["installments"]))
    with pytest.raises(DataError, match=r"^the installments DataFrame: column borrower_id is stored as numbers and 1 "
                                        r"of them are not whole numbers below 2\*\*53 \(digits may have been lost\); "
                                        r"store ids as text$"):
        rs_spark.score(df, BUNDLE, as_of, allow_missing_contacts=True)


@pytest.mark.parametrize(("name", "text", "encoding"), [
    ("trailing.csv", "{h},,,\n{r},,,\n", None),  # a spreadsheet's empty columns at the end: never read
    ("sep.csv", "sep=;\n{h;}\n{r;}\n", None),  # Excel's separator line: Spark would take it as the header
    ("tabs.tsv", "{h\t}\n{r\t}\n", None),
    ("gbk.csv", "{h}\n{r}\n", "gb18030"),  # an encoding Spark does not read: from a UTF-8 copy
    ("formula.csv", '{h}\n="甲007",="l1",1,2024-03-01,100,="2024-03-01",100\n', None),  # Excel's text formulas
])
def test_spark_reads_spreadsheet_exports_as_the_local_readers(spark, tmp_path, name, text, encoding):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    header = "borrower_id,loan_id,installment_no,due_date,amount_due,paid_date,amount_paid"
    row = "甲007,l1,1,2024-03-01,100,2024-03-01,100"
    for sep in (";", "\t"):
        text = text.replace("{h" + sep + "}", header.replace(",", sep)).replace("{r" + sep + "}", row.replace(",", sep))
    (tmp_path / name).write_bytes(text.format(h=header, r=row).encode(encoding or "utf-8"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    got = read_input(spark, "installments", tmp_path / name, InputFormat(encoding=encoding), {}, scratch).toPandas()
    assert got.columns.tolist() == header.split(",")
    assert got.iloc[0].tolist() == read_table(tmp_path / name, table="installments", encoding=encoding).iloc[0].tolist()


@pytest.mark.parametrize(("values", "fmt"), [([1709258400000, 1709258460500], "epoch_ms"),
                                             ([1709258400.0, 1709258460.5], "epoch_s")])
def test_spark_reads_unix_time_as_the_local_readers(spark, tmp_path, values, fmt):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    f = tmp_path / "c.parquet"
    pd.DataFrame({"borrower_id": ["b1", "b2"], "contacted_at": values, "channel": "sms",
                  "outcome": "message_sent"}).to_parquet(f)
    fmt_ = InputFormat(date_format={"contacted_at": fmt})
    got = read_input(spark, "contacts", f, fmt_, {}).toPandas()["contacted_at"].tolist()
    assert got == read_table(f, table="contacts", date_format={"contacted_at": fmt})["contacted_at"].tolist()
    assert got == ["2024-03-01T02:00:00.000000+00:00", "2024-03-01T02:01:00.500000+00:00"]


def test_spark_reads_missing_csv_values_as_the_local_readers(spark, tmp_path):
    """NA spellings are missing outside the id columns, a quoted "" is an empty string only in
    channels_allowed: on Spark as locally (Spark read "NA" as text, and "" as missing everywhere)."""
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    (tmp_path / "i.csv").write_text("borrower_id,loan_id,installment_no,due_date,amount_due,paid_date,amount_paid\n"
                                    'NA,L1,1,2024-03-01,100,NA,NA\n"",L2,1,2024-03-01,100,"",""\n'
                                    "b3,L3,1,2024-03-01,100,,0\n")
    flags = ",do_not_contact,cease_requested,dispute_open,bankruptcy,deceased,vulnerable,hardship_declared"
    (tmp_path / "b.csv").write_text(f"borrower_id,timezone,channels_allowed,preferred_channel,language{flags}\n"
                                    'b1,Asia/Shanghai,"",,zh,"",NA,0,0,0,0,0\n'
                                    'b2,Asia/Shanghai,,"",null,0,0,0,0,0,0,0\n')
    for table, name in (("installments", "i.csv"), ("borrowers", "b.csv")):
        got = read_input(spark, table, tmp_path / name, InputFormat(), {}, tmp_path).toPandas()
        local = read_table(tmp_path / name, table=table)
        assert got.astype(object).where(got.notna(), None).values.tolist() == \
            local.astype(object).where(local.notna(), None).values.tolist()
    assert local["channels_allowed"].tolist()[0] == "" and local["language"].isna().tolist() == [False, True]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_spark_reads_local_times_in_their_zone_as_the_local_readers(spark, tmp_path, suffix):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    f = tmp_path / f"c{suffix}"
    log = pd.DataFrame({"borrower_id": ["b1", "b2"], "channel": "sms", "outcome": "message_sent",
                        "contacted_at": pd.to_datetime(["2025-06-15 02:45:44", "2024-03-31 02:30:00"])})
    log.to_parquet(f) if suffix == ".parquet" else log.to_csv(f, index=False)
    fmt = InputFormat(date_format={"contacted_at": "Europe/Berlin"})
    got = read_input(spark, "contacts", f, fmt, {}, tmp_path).toPandas()["contacted_at"].tolist()
    local = read_table(f, table="contacts", date_format={"contacted_at": "Europe/Berlin"})
    assert got == local["contacted_at"].tolist()
    assert got[0] == "2025-06-15T00:45:44.000000+00:00"  # a time Berlin's clock skipped (2024-03-31): refused
    assert got[1].startswith("2024-03-31") and got[1].endswith(" (not a single time in Europe/Berlin)")


def test_spark_reads_a_warehouse_unload_as_the_local_readers(spark, tmp_path):
    """A folder of CSV parts in upper-case names (Snowflake), of two separators, column orders and a gzip,
    with Spark's marker files and a database's ``\\N``; a parquet folder of nested folders, with a failed job's
    ``_temporary``."""
    import gzip

    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    header = "BORROWER_ID,LOAN_ID,INSTALLMENT_NO,DUE_DATE,AMOUNT_DUE,PAID_DATE,AMOUNT_PAID"
    rows = ["007,L1,1,2024-03-01,100.5,2024-03-01,100.5", "007,L1,2,2024-04-01,100.5,\\N,0",
            "B2,L2,1,2024-03-15,80,2024-03-20,80", "\\N,L3,1,2024-03-15,1.234,,"]  # a database's NULL
    csvs = tmp_path / "stage"
    csvs.mkdir()
    (csvs / "data_0_0_0.csv").write_text(f"{header}\n{rows[0]}\n")
    (csvs / "data_0_0_1.csv.gz").write_bytes(gzip.compress(f"{header}\n{rows[1]}\n".encode()))
    back = ",".join(reversed(header.split(",")))
    (csvs / "data_0_0_2.csv").write_text(f"{back}\n{','.join(reversed(rows[2].split(',')))}\n")
    (csvs / "data_0_0_3.csv").write_text(f"{header.replace(',', ';')}\n{rows[3].replace(',', ';')}\n")
    (csvs / "_SUCCESS").write_text("")
    got = read_input(spark, "installments", csvs, InputFormat(), {}, tmp_path).toPandas()
    local = read_table(csvs, table="installments")
    assert got.columns.tolist() == local.columns.tolist() == header.lower().split(",")
    assert sorted(got.astype(object).where(got.notna(), None).values.tolist(), key=str) == \
        sorted(local.astype(object).where(local.notna(), None).values.tolist(), key=str)
    assert got["borrower_id"].isna().sum() == got["paid_date"].isna().sum() - 1 == 1
    assert sorted(got["borrower_id"].dropna()) == ["007", "007", "B2"]
    parts = tmp_path / "parts"
    (parts / "_temporary" / "0").mkdir(parents=True)
    table = pa.table({"Borrower_Id": ["007", "B2"], "Loan_Id": ["L1", "L2"], "Installment_No": [1, 1],
                      "Due_Date": pa.array([pd.Timestamp("2024-03-01").date()] * 2), "Amount_Due": [1.5, 2.0],
                      "Paid_Date": pa.array([None, None], pa.date32()), "Amount_Paid": [0.0, 0.0]})
    (parts / "2025" / "05").mkdir(parents=True)  # a folder per month (Spark alone could not infer its schema)
    pq.write_table(table, parts / "2025" / "05" / "part-00000.parquet")
    pq.write_table(table, parts / "_temporary" / "0" / "part-00000.parquet")
    got = read_input(spark, "installments", parts, InputFormat(), {}, tmp_path).toPandas()
    assert got["borrower_id"].tolist() == read_table(parts, table="installments")["borrower_id"].tolist() == \
        ["007", "B2"]


def test_spark_reads_csv_files_without_a_header_line_as_the_local_readers(spark, tmp_path):
    """A folder of parts without header lines (the first, cut by ``split``, with one; an empty one; a gzipped
    one; one after Excel's ``sep=`` line), the names the extract's own, mapped by the columns file."""
    import gzip

    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    own = ["cust", "loan", "n", "due", "amt", "paid", "paid_amt"]
    rows = ["007,L1,1,2024-03-01,100.5,2024-03-01,100.5", "007,L1,2,2024-04-01,100.5,,0",
            "B2,L2,1,2024-03-15,80,2024-03-20,80", "B3,L3,1,2024-03-15,1.234,,"]
    parts = tmp_path / "unload"
    parts.mkdir()
    (parts / "x_00.csv").write_text(",".join(own) + f"\n{rows[0]}\n")
    (parts / "x_01.csv").write_text("")
    (parts / "x_02.csv.gz").write_bytes(gzip.compress(f"{rows[1]}\n".encode()))
    (parts / "x_03.csv").write_text(f"sep=;\n{rows[2].replace(',', ';')}\n")
    (parts / "x_04.csv").write_text(f"{rows[3]}\n")
    fmt = InputFormat(columns={"installments": {"cust": "borrower_id", "loan": "loan_id", "n": "installment_no",
                                                "due": "due_date", "amt": "amount_due", "paid": "paid_date",
                                                "paid_amt": "amount_paid"}}, header={"installments": own})
    got = read_input(spark, "installments", parts, fmt, {}, tmp_path).toPandas()
    local = read_table(parts, table="installments", **fmt.reading("installments"))
    assert got.columns.tolist() == local.columns.tolist()
    assert sorted(got.astype(object).where(got.notna(), None).values.tolist(), key=str) == \
        sorted(local.astype(object).where(local.notna(), None).values.tolist(), key=str)
    assert sorted(got["borrower_id"]) == ["007", "007", "B2", "B3"] and got["paid_date"].isna().sum() == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    nothing = read_input(spark, "installments", empty, fmt, {}, tmp_path)
    assert nothing.count() == 0 and nothing.columns == local.columns.tolist()
    with pytest.raises(riskscore.DataError, match=r"has 7 columns on its first line and the header given for "
                                                  r"installments names 3 \(a, b, c\): give one name per column"):
        read_input(spark, "installments", f"file://{parts / 'x_04.csv'}",  # remote: read by Spark unchecked
                   InputFormat(header={"installments": list("abc")}), {}, tmp_path)


def test_spark_reads_a_remote_folder_of_csv_parts_as_the_local_readers_read_it(spark, tmp_path):
    """A folder given as a URL (``s3a://bucket/unload/``; here ``file://``) was read as parquet: "is not a
    Parquet file", and the advice to give a pattern. Its files are now listed as the local readers list
    them (``_SUCCESS``, ``.crc`` and ``_temporary/`` left out, nested folders read), with a header line each
    or, given, without."""
    import gzip

    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    header = "borrower_id,loan_id,installment_no,due_date,amount_due,paid_date,amount_paid"
    rows = ["007,L1,1,2024-03-01,100.5,2024-03-01,100.5", "007,L1,2,2024-04-01,100.5,,0",
            "B2,L2,1,2024-03-15,80,2024-03-20,80"]
    for bare in (False, True):
        folder = tmp_path / f"unload-{bare}"
        (folder / "_temporary" / "0").mkdir(parents=True)
        (folder / "2025" / "05").mkdir(parents=True)
        top = "" if bare else f"{header}\n"
        (folder / "part-00000.csv").write_text(f"{top}{rows[0]}\n")
        (folder / "part-00001.csv.gz").write_bytes(gzip.compress(f"{top}{rows[1]}\n".encode()))
        (folder / "2025" / "05" / "part-00002.csv").write_text(f"{top}{rows[2]}\n")
        (folder / "_temporary" / "0" / "part-00000.csv").write_text(f"{top}{rows[0]}\n")
        (folder / "_SUCCESS").write_text("")
        (folder / ".part-00000.csv.crc").write_bytes(b"\x00crc")
        fmt = InputFormat(header={"installments": header.split(",")} if bare else None)
        got = read_input(spark, "installments", f"file://{folder}", fmt, {}, tmp_path).toPandas()
        local = read_table(folder, table="installments", **fmt.reading("installments"))
        assert sorted(got.astype(object).where(got.notna(), None).values.tolist(), key=str) == \
            sorted(local.astype(object).where(local.notna(), None).values.tolist(), key=str)
        assert sorted(got["borrower_id"]) == ["007", "007", "B2"]
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "part-00000.json.gz").write_bytes(gzip.compress(b'{"borrower_id": "007"}\n'))
    with pytest.raises(ValueError, match=r"part-00000.json.gz' in the folder .* is JSON, which riskscore does not "
                                         r"read"):
        read_input(spark, "installments", f"file://{tmp_path / 'json'}", InputFormat(), {}, tmp_path)
    pq.write_table(pa.table({"borrower_id": ["b1"]}), tmp_path / "unload-False" / "part-00003.parquet")
    with pytest.raises(ValueError, match=r"holds delimited text files .* and parquet files .*part-00003\.parquet"):
        read_input(spark, "installments", f"file://{tmp_path / 'unload-False'}", InputFormat(), {}, tmp_path)


def test_spark_reads_remote_csv_files_with_their_own_separator_as_the_local_readers(spark, tmp_path):
    """A remote ``;``-separated unload, a tab-separated ``.tsv`` and ``|``-separated parts without a header
    line (the first part empty) were read as ``,``-separated: one column named ``borrower_id;loan_id;...``.
    The separator is now read from the first line of the first file that has one, as the local readers
    read it; UTF-16 text and Excel's ``sep=`` line, which Spark reads as garbage, are refused in one line."""
    import bz2
    import gzip

    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    names = ["borrower_id", "loan_id", "installment_no", "due_date", "amount_due", "paid_date", "amount_paid"]
    rows = [["007", "L1", "1", "2024-03-01", "100.5", "2024-03-01", "100.5"],
            ["B2", "L2", "1", "2024-03-15", "80", "2024-03-20", "80"]]
    unload, bare = tmp_path / "unload", tmp_path / "bare"
    unload.mkdir()
    bare.mkdir()
    (unload / "part-00000.csv.gz").write_bytes(gzip.compress((";".join(names) + "\n").encode()))  # no rows
    (bare / "part-00000.txt.gz").write_bytes(gzip.compress(b""))  # an empty part: no first line
    for i, row in enumerate(rows, 1):
        text = ";".join(names) + "\n" + ";".join(row) + "\n"
        (unload / f"part-0000{i}.csv.gz").write_bytes(gzip.compress(text.encode()))
        (bare / f"part-0000{i}.txt").write_text("|".join(row) + "\n")
    tsv = tmp_path / "installments.tsv"
    tsv.write_text("\n".join("\t".join(r) for r in [names, *rows]) + "\n")
    packed = {}  # bzip2 and Zstandard: their first line unpacked by Spark's own text reader
    zstd = pa.Codec("zstd")
    for suffix, pack in ((".csv.bz2", bz2.compress), (".tsv.zst", lambda b: zstd.compress(b, asbytes=True))):
        sep = "\t" if suffix.startswith(".tsv") else ";"
        packed[suffix] = tmp_path / f"installments{suffix}"
        packed[suffix].write_bytes(pack(("\n".join(sep.join(r) for r in [names, *rows]) + "\n").encode()))
    zstd_read = int(spark.version.split(".")[0]) >= 4  # Spark 3's Hadoop unpacks Zstandard with native code only
    remote = [unload, tsv, packed[".csv.bz2"], *([packed[".tsv.zst"]] if zstd_read else []), bare]
    for given in [*(f"file://{f}" for f in remote), str(packed[".tsv.zst"])]:  # a local .zst: a copy on Spark 3
        fmt = InputFormat(header={"installments": names}) if given.endswith("bare") else InputFormat()
        got = read_input(spark, "installments", given, fmt, {}, tmp_path).toPandas()
        local = read_table(given.removeprefix("file://"), table="installments", **fmt.reading("installments"))
        assert got.columns.tolist() == local.columns.tolist() == names, given
        assert _as_text(got) == _as_text(local), given
        assert sorted(got["borrower_id"]) == ["007", "B2"]
    if not zstd_read:
        with pytest.raises(riskscore.DataError, match=r"installments.tsv.zst' is compressed with Zstandard, which this "
                                                      r"Spark does not read: recompress it with gzip"):
            read_input(spark, "installments", f"file://{packed['.tsv.zst']}", InputFormat(), {}, tmp_path)
    wide = tmp_path / "utf16.csv"
    wide.write_text(",".join(names) + "\n" + ",".join(rows[0]) + "\n", encoding="utf-16")
    excel = tmp_path / "excel.csv"
    excel.write_text("sep=;\n" + ";".join(names) + "\n" + ";".join(rows[0]) + "\n")
    for f, what in ((wide, "is CSV text in utf-16"), (excel, "starts with a sep= line")):
        with pytest.raises(riskscore.DataError, match=rf"the installments input 'file:.*{f.name}' {what}, which Spark "
                                                      r"does not read: convert it to UTF-8"):
            read_input(spark, "installments", f"file://{f}", InputFormat(), {}, tmp_path)


def test_spark_reads_hive_text_output_as_the_local_readers(spark, tmp_path):
    """``INSERT OVERWRITE DIRECTORY``'s files (``000000_0``: ``^A`` between fields, a quote a character, ``\\N``)."""
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat
    from tests.test_headerless_csv import NAMES, _hive_folder

    folder = _hive_folder(tmp_path / "hive")
    fmt = InputFormat(header={"installments": NAMES})
    got = read_input(spark, "installments", folder, fmt, {}, tmp_path).toPandas()
    local = read_table(folder, table="installments", **fmt.reading("installments"))
    assert sorted(got.astype(object).where(got.notna(), None).values.tolist(), key=str) == \
        sorted(local.astype(object).where(local.notna(), None).values.tolist(), key=str)
    assert sorted(got["borrower_id"]) == ['"B2', "007", "007", "B3"]


def test_spark_reads_orc_files_as_the_local_readers(spark, tmp_path):
    """A Hive table's ORC files (``000000_0``, read by their magic) and an ``.orc`` file."""
    import pyarrow.orc as paorc

    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat
    from tests.test_orc import TABLE

    folder = tmp_path / "hive"
    folder.mkdir()
    paorc.write_table(TABLE.slice(0, 3), folder / "000000_0")
    paorc.write_table(TABLE.slice(3), folder / "000001_0")
    (folder / "_SUCCESS").write_text("")
    paorc.write_table(TABLE, tmp_path / "i.orc")
    for given in (folder, tmp_path / "i.orc"):
        got = read_input(spark, "installments", given, InputFormat(), {}, tmp_path).toPandas()
        local = read_table(given, table="installments")
        assert got.columns.tolist() == local.columns.tolist()
        assert sorted(got["borrower_id"]) == sorted(local["borrower_id"]) == ["007", "007", "B2", "B3", "B3"]
        assert got["amount_due"].sum() == pytest.approx(local["amount_due"].sum())
        assert got["paid_date"].isna().sum() == local["paid_date"].isna().sum() == 3


def _as_text(df: pd.DataFrame) -> list[list[str | None]]:
    """Rows as text, sorted (dates as their day: Spark gives date objects where pandas gives timestamps)."""
    def one(v: object) -> str | None:
        return None if v is None or pd.isna(v) else str(pd.Timestamp(v).date()) if hasattr(v, "year") else str(v)
    return sorted(([one(v) for v in row] for row in df.astype(object).values.tolist()), key=str)


def test_spark_reads_a_remote_hive_table_folder_by_its_files_content(spark, tmp_path):
    """``--installments hdfs://.../warehouse/db.db/installments``: a Hive table's files have no extension
    (``000000_0``); ORC and Hive's text were read as parquet. Each is now told by its first bytes, read
    through Hadoop's file system (here ``file://``), as the local readers tell a local one."""
    import pyarrow.orc as paorc

    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat
    from tests.test_headerless_csv import NAMES, _hive_folder
    from tests.test_orc import TABLE

    orc = tmp_path / "orc_table"
    orc.mkdir()
    paorc.write_table(TABLE.slice(0, 3), orc / "000000_0")
    paorc.write_table(TABLE.slice(3), orc / "000001_0")
    (orc / "_SUCCESS").write_text("")
    text = _hive_folder(tmp_path / "text_table")
    parquet = tmp_path / "parquet_table"
    parquet.mkdir()
    pq.write_table(TABLE, parquet / "000000_0")
    for folder, fmt in ((orc, InputFormat()), (text, InputFormat(header={"installments": NAMES})),
                        (parquet, InputFormat())):
        got = read_input(spark, "installments", f"file://{folder}", fmt, {}, tmp_path).toPandas()
        local = read_table(folder, table="installments", **fmt.reading("installments"))
        assert _as_text(got) == _as_text(local), folder
    (text / "000002_0.orc").write_bytes((orc / "000000_0").read_bytes())
    with pytest.raises(ValueError, match=r"holds Hive text files \('000000_0'\) and ORC files \('000002_0.orc'\)"):
        read_input(spark, "installments", f"file://{text}", InputFormat(header={"installments": NAMES}), {},
                   tmp_path)


def test_spark_reads_one_remote_hive_file_by_its_content(spark, tmp_path):
    """``--installments hdfs://.../db.db/installments/000000_0``, one file of a Hive table, was read as
    parquet whatever it held ("Could not read footer" for ORC or Hive's text); a file without an
    extension that is none of the three is refused in one line, before Spark reads it."""
    import pyarrow.orc as paorc

    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat
    from tests.test_headerless_csv import NAMES, _hive_folder
    from tests.test_orc import TABLE

    (tmp_path / "orc").mkdir()
    paorc.write_table(TABLE, tmp_path / "orc" / "000000_0")
    text = _hive_folder(tmp_path / "text") / "000000_0"
    for f, fmt in ((tmp_path / "orc" / "000000_0", InputFormat()), (text, InputFormat(header={"installments": NAMES}))):
        got = read_input(spark, "installments", f"file://{f}", fmt, {}, tmp_path).toPandas()
        local = read_table(f, table="installments", **fmt.reading("installments"))
        assert _as_text(got) == _as_text(local), f
    plain = tmp_path / "000000_0"
    plain.write_text("borrower_id,loan_id\nB1,L1\n")
    with pytest.raises(ValueError, match=r"000000_0' is neither parquet, ORC nor Hive's text by its first bytes: "
                                         r"name a delimited text file \.csv"):
        read_input(spark, "installments", f"file://{plain}", InputFormat(), {}, tmp_path)


def test_spark_refuses_a_delta_table_folder_local_or_remote(spark, tmp_path):
    """A Delta Lake table's folder keeps the parquet files its log has removed: Spark read them all."""
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    folder = tmp_path / "loans_delta"
    (folder / "_delta_log").mkdir(parents=True)
    (folder / "_delta_log" / "00000000000000000000.json").write_text("{}")
    pq.write_table(pa.table({"borrower_id": ["b1"]}), folder / "part-00000.snappy.parquet")
    for given in (folder, f"file://{folder}"):
        with pytest.raises(ValueError) as info:
            read_input(spark, "installments", given, InputFormat(), {}, tmp_path)
        assert str(info.value).startswith(f"'{given}' is a Delta Lake table: its folder keeps data files that the "
                                          "table's log has removed")


def _refused_alike(spark, f, table: str, tmp_path) -> str:
    """The one line both engines refuse the local file ``f`` with (the same line), for the test to read."""
    from riskscore.batch._spark_inputs import read_input
    from riskscore.exceptions import DataError
    from riskscore.io import InputFormat

    with pytest.raises(DataError) as local:
        read_table(f, table=table)
    with pytest.raises(DataError) as spark_:
        read_input(spark, table, f, InputFormat(), {}, tmp_path)
    assert str(spark_.value) == str(local.value)
    return str(local.value)


def test_spark_refuses_a_log_in_its_own_words_as_the_local_readers(spark, tmp_path):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    f = tmp_path / "c.csv"
    pd.DataFrame({"borrower_id": ["b1", "b2"], "channel": ["短信", "电话"], "outcome": "message_sent",
                  "contacted_at": "2025-06-15T02:45:44Z"}).to_csv(f, index=False)
    assert "channel holds values outside the contract's" in _refused_alike(spark, f, "contacts", tmp_path)
    fmt = InputFormat(columns={"contacts": {"channel": {"短信": "sms", "电话": "call"}}})  # mapped, on both engines
    got = read_input(spark, "contacts", f, fmt, {}, tmp_path).toPandas()["channel"].tolist()
    assert got == read_table(f, table="contacts", **fmt.reading("contacts"))["channel"].tolist() == ["sms", "call"]


def test_spark_refuses_marked_amounts_and_reads_slashed_local_times_as_the_local_readers(spark, tmp_path):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    f = tmp_path / "i.csv"
    pd.DataFrame({"borrower_id": ["007", "008"], "loan_id": ["L7", "L8"], "installment_no": 1,
                  "due_date": "2024-03-01", "amount_due": ["¥1,234.56", "¥12.50"], "paid_date": None,
                  "amount_paid": "¥0.00"}).to_csv(f, index=False)
    assert "--number-format '¥1,234.56'" in _refused_alike(spark, f, "installments", tmp_path)
    d = tmp_path / "d.csv"
    pd.DataFrame({"borrower_id": ["007"], "loan_id": ["L7"], "installment_no": 1, "due_date": "2024年3月1日",
                  "amount_due": 1.0, "paid_date": None, "amount_paid": 0.0}).to_csv(d, index=False)
    assert "--date-format installments.due_date=%Y年%m月%d日" in _refused_alike(spark, d, "installments", tmp_path)
    pd.DataFrame({"borrower_id": ["  007"], "loan_id": ["L7"], "installment_no": 1, "due_date": "2024-03-01",
                  "amount_due": 1.0, "paid_date": None, "amount_paid": 0.0}).to_csv(d, index=False)
    assert "borrower_id has spaces before or after 100% of its values" in _refused_alike(spark, d, "installments",
                                                                                          tmp_path)
    pd.DataFrame({"borrower_id": [f"{i:03d}" for i in range(20)], "loan_id": [f"L{i}" for i in range(20)],
                  "installment_no": 1, "due_date": "2024-03-01", "amount_due": 1.0,
                  "paid_date": ["2024-03-01"] * 10 + ["9999-12-31"] * 10, "amount_paid": [1.0] * 10 + [0.0] * 10}
                 ).to_csv(d, index=False)
    assert "paid_date holds 9999-12-31 in 50% of the rows" in _refused_alike(spark, d, "installments", tmp_path)
    fmt = InputFormat(columns={"installments": {"paid_date": {"9999-12-31": ""}}})
    got = read_input(spark, "installments", d, fmt, {}, tmp_path).toPandas()["paid_date"]
    assert got.isna().sum() == read_table(d, table="installments", **fmt.reading("installments"))[
        "paid_date"].isna().sum() == 10
    c = tmp_path / "c.csv"
    pd.DataFrame({"borrower_id": ["b1", "b2"], "channel": "sms", "outcome": "message_sent",
                  "contacted_at": ["2025/04/21 03:59:48", "2025/4/1 3:59"]}).to_csv(c, index=False)
    fmt = InputFormat(date_format={"contacted_at": "Asia/Shanghai"})
    got = read_input(spark, "contacts", c, fmt, {}, tmp_path).toPandas()["contacted_at"].tolist()
    assert got == read_table(c, table="contacts", **fmt.reading("contacts"))["contacted_at"].tolist() == [
        "2025-04-20T19:59:48.000000+00:00", "2025-03-31T19:59:00.000000+00:00"]


def _borrowers_csv(folder, no: str, rows: list[tuple[str, str]]):
    """A borrowers CSV of ids 007, 008, ... in Asia/Shanghai: each row's (channels_allowed, preferred_channel)
    written as given (quotes included), every flag ``no``."""
    flags = ",".join(("do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable",
                      "hardship_declared"))
    f = folder / "b.csv"
    lines = (f"{7 + i:03d},Asia/Shanghai,{allowed},{preferred},zh{f',{no}' * 7}\n"
             for i, (allowed, preferred) in enumerate(rows))
    f.write_text(f"borrower_id,timezone,channels_allowed,preferred_channel,language,{flags}\n" + "".join(lines))
    return f


def test_spark_maps_lists_of_channels_word_by_word_as_the_local_readers(spark, tmp_path):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    f = _borrowers_csv(tmp_path, "否", [("短信、电话", "短信"), ('" 短信 ，邮件,app"', "邮件"), ('""', "")])
    words = {"短信": "sms", "电话": "call", "邮件": "email"}
    fmt = InputFormat(columns={"borrowers": {"channels_allowed": words, "preferred_channel": words}})
    got = read_input(spark, "borrowers", f, fmt, {}, tmp_path).toPandas()[["channels_allowed", "preferred_channel"]]
    local = read_table(f, table="borrowers", **fmt.reading("borrowers"))[["channels_allowed", "preferred_channel"]]
    assert got.fillna("-").to_numpy().tolist() == local.fillna("-").to_numpy().tolist() == [
        ["sms,call", "sms"], ["sms,email,app", "email"], ["", "-"]]


def test_spark_reads_a_stated_list_separator_as_the_local_readers(spark, tmp_path):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    f = _borrowers_csv(tmp_path, "no", [("sms|call", "sms"), ("SMS | 邮件|app", "邮件"), ("sms", "sms")])
    assert "(borrowers: {channels_allowed: {'|': ',', 邮件: ...}}" in _refused_alike(spark, f, "borrowers", tmp_path)
    fmt = InputFormat(columns={"borrowers": {"channels_allowed": {"|": ",", "邮件": "email"},
                                             "preferred_channel": {"邮件": "email"}}})
    got = read_input(spark, "borrowers", f, fmt, {}, tmp_path).toPandas()["channels_allowed"].tolist()
    local = read_table(f, table="borrowers", **fmt.reading("borrowers"))["channels_allowed"].tolist()
    assert got == local == ["sms,call", "SMS,email,app", "sms"]


def test_spark_reads_lists_stored_as_arrays_as_the_local_readers(spark, tmp_path):
    """``array<string>`` comma-list columns: items joined by commas, a missing item left out, a missing list missing."""
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat
    from riskscore.schemas import BORROWER_FLAGS

    n = 4
    table = pa.table({"borrower_id": ["007", "008", "009", "010"], "timezone": ["Asia/Shanghai"] * n,
                      "channels_allowed": pa.array([["sms", "call"], [], None, ["app", None]], pa.list_(pa.string())),
                      "consents": pa.array([["sms"], None, [], ["app"]], pa.large_list(pa.large_string())),
                      "preferred_channel": ["sms", None, None, "app"], "language": ["zh"] * n,
                      **{flag: [False] * n for flag in BORROWER_FLAGS}})
    f = tmp_path / "b.parquet"
    pq.write_table(table, f)
    columns = ["channels_allowed", "consents"]
    got = read_input(spark, "borrowers", f, InputFormat(), {}, tmp_path).toPandas()[columns]
    local = read_table(f, table="borrowers")[columns]
    assert got.fillna("-").to_numpy().tolist() == local.fillna("-").to_numpy().tolist() == [
        ["sms,call", "sms"], ["", "-"], ["-", ""], ["app", "app"]]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_spark_reads_blank_flags_as_the_columns_file_says_as_the_local_readers(spark, tmp_path, suffix):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    flags = ("do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable",
             "hardship_declared")
    f = tmp_path / f"b{suffix}"
    frame = pd.DataFrame({"borrower_id": ["007", "008", "009"], "timezone": "Asia/Shanghai", "channels_allowed": "sms",
                          "preferred_channel": "sms", "language": "zh",
                          **dict.fromkeys(flags, ["Y", None, None] if suffix == ".csv" else [True, None, None])})
    frame.to_csv(f, index=False) if suffix == ".csv" else frame.to_parquet(f)
    assert "do_not_contact is missing in 67% of the rows" in _refused_alike(spark, f, "borrowers", tmp_path)
    fmt = InputFormat(columns={"borrowers": {c: {"": False} for c in flags}})
    got = read_input(spark, "borrowers", f, fmt, {}, tmp_path).toPandas()["deceased"]
    mine = read_table(f, table="borrowers", **fmt.reading("borrowers"))["deceased"]
    assert riskscore.validate_borrowers(pd.DataFrame({**frame.iloc[:, :5], **dict.fromkeys(flags, got)}))[
        "deceased"].tolist() == riskscore.validate_borrowers(pd.DataFrame({**frame.iloc[:, :5], **dict.fromkeys(
            flags, mine)}))["deceased"].tolist() == [True, False, False]


def test_spark_reads_spreadsheet_serial_dates_as_the_local_readers(spark, tmp_path):
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat

    f = tmp_path / "i.parquet"
    # 45352.438194444445 is 10:31 on 2024-03-01: six decimals would make it 10:30:59.962
    pd.DataFrame({"borrower_id": ["b1", "b2", "b3"], "loan_id": "l", "installment_no": [1, 2, 3],
                  "due_date": [45352, 45383, 45413], "amount_due": 1.0,
                  "paid_date": [45352.438194444445, None, 60.0], "amount_paid": 1.0}).to_parquet(f)
    fmt = InputFormat(date_format={"installments": "excel"})
    got = read_input(spark, "installments", f, fmt, {}).toPandas()[["due_date", "paid_date"]]
    local = read_table(f, table="installments", date_format="excel")[["due_date", "paid_date"]]
    assert got.to_numpy().tolist() == local.to_numpy().tolist()
    assert got["paid_date"].tolist()[0] == "2024-03-01T10:31:00" and got["paid_date"].isna().tolist()[1]


def test_a_pandas_frame_or_a_spark_connect_frame_of_pyspark_3_is_refused_in_one_line(monkeypatch):
    """``riskscore.spark.score`` takes Spark DataFrames, classic or Spark Connect from pyspark 4 on
    (tests/cli/test_spark_cli.py runs it through SPARK_REMOTE); a pandas frame was an AttributeError
    (no ``sparkSession``); pyspark 3.5's Spark Connect client lacks what the engine collects with."""
    import pyspark

    from riskscore._compat import InvalidParameterError
    from riskscore.spark import score

    with pytest.raises(InvalidParameterError, match=r"^The 'installments' parameter of score must be a Spark "
                                                   r"DataFrame \(spark.createDataFrame\(df\) .*Got 'pandas"):
        score(pd.DataFrame({"borrower_id": ["1"]}), BUNDLE, "2025-10-02")
    connect = type("DataFrame", (), {"__module__": "pyspark.sql.connect.dataframe", "sparkSession": None})
    monkeypatch.setattr(pyspark, "__version__", "3.5.0")
    with pytest.raises(InvalidParameterError, match=r"^The 'installments' parameter of score must be a DataFrame "
                                                   r"of a classic SparkSession, or of Spark Connect from pyspark 4 "
                                                   r"on .*Got 'a Spark Connect .* of pyspark 3.5.0' instead"):
        score(connect(), BUNDLE, "2025-10-02")


@pytest.mark.parametrize(("conf", "expected"), [
    ({"spark.default.parallelism": "8", "spark.master": "local[2]"}, 8),  # the setting first
    ({"spark.master": "local[3]"}, 3),
    ({"spark.master": "local[3,4]"}, 3),                                   # 4 task retries
    ({"spark.master": "local[*]"}, 5),                                     # the usable cores (patched: 5)
    ({"spark.master": "local[*,2]"}, 5),
    ({"spark.master": "local"}, 1),                                        # Spark's one thread
    ({"spark.master": "local-cluster[2, 3, 1024]"}, 6),                    # 2 workers of 3 cores (a traceback)
    ({"spark.master": "spark://head:7077"}, 2),                            # a remote cluster: no way to ask
    ({}, 2),
])
def test_spark_connect_sessions_give_their_parallelism_and_master_without_a_sparkcontext(conf, expected, monkeypatch):
    """A Spark Connect session has no SparkContext; what the engine asked of one it reads from the
    session's settings (and counts no jobs: no status tracker). ``local`` was read as every core and
    ``local-cluster[...]`` was a ValueError traceback; ``local[*]`` counted the visible cores, not a CPU
    quota's."""
    from riskscore.batch import _spark_session
    from riskscore.batch._spark_session import is_connect, job_count, local_master, parallelism

    monkeypatch.setattr(_spark_session, "usable_cores", lambda: 5)
    conf_object = type("Conf", (), {"get": lambda self, key, default=None: conf.get(key, default)})()
    session = type("SparkSession", (), {"__module__": "pyspark.sql.connect.session", "conf": conf_object})()
    assert is_connect(session)
    assert parallelism(session) == expected
    assert local_master(session) is conf.get("spark.master", "").startswith("local")
    assert job_count(session)() is None


def test_spark_and_the_local_readers_read_hadoop_codecs_alike(spark, tmp_path):
    """Text in Hadoop's codecs (``.deflate``, ``.snappy``, ``.lz4``; Hive's ``000000_0.deflate``) was refused.
    What Spark's own writer packs, the local readers now unpack to the same rows; and the Spark engine reads
    them as the local readers do, local files, remote ones, and an ``.lz4`` file of LZ4's frame format
    (which Hadoop would read as its own blocks: Spark gets an unpacked copy of a local one)."""
    from riskscore.batch._spark_inputs import read_input
    from riskscore.io import InputFormat
    from tests.test_compressed_text import TABLE, _text
    from tests.test_hadoop_codecs import PACK
    from tests.test_headerless_csv import HIVE_ROWS, NAMES

    rows = pa.concat_tables([TABLE] * 500)
    plain = tmp_path / "plain.csv"
    plain.write_bytes(_text(rows, ","))
    nf = {"number_format": "1.234,56"}  # the table's decimal commas
    want = read_table(plain, table="installments", **nf)
    frame = spark.read.option("header", True).csv(str(plain))
    for codec in ("deflate", "snappy", "lz4"):  # Hadoop's own output, unpacked by riskscore
        out = tmp_path / f"spark-{codec}"
        frame.coalesce(2).write.option("compression", codec).option("header", True).csv(str(out))
        assert all(f.name.endswith(f".csv.{codec}") for f in out.glob("part-*")), codec
        pd.testing.assert_frame_equal(read_table(out, table="installments", **nf).sort_values(NAMES, ignore_index=True),
                                      want.sort_values(NAMES, ignore_index=True), obj=codec)
    hive = tmp_path / "hive"
    hive.mkdir()
    (hive / "000000_0.deflate").write_bytes(PACK[".deflate"](("\n".join(HIVE_ROWS) + "\n").encode()))
    given = []
    for packing in (".deflate", ".snappy", ".lz4", ".lz4 in frames"):
        f = tmp_path / f"installments{packing.replace(' ', '_')}.csv{packing.split()[0]}"
        f.write_bytes(PACK[packing](_text(rows, ",")))
        given += [str(f)] if packing.endswith("frames") else [str(f), f"file://{f}"]
    for g in [*given, str(hive), f"file://{hive}"]:
        fmt = InputFormat(header={"installments": NAMES}) if "hive" in g else InputFormat(**nf)
        got = read_input(spark, "installments", g, fmt, {}, tmp_path).toPandas()
        local = read_table(g.removeprefix("file://"), table="installments", **fmt.reading("installments"))
        assert got.columns.tolist() == local.columns.tolist() == NAMES, g
        assert _as_text(got) == _as_text(local), g
        assert len(got) == (4 if "hive" in g else 3000), g
    frames = next(g for g in given if g.endswith("frames.csv.lz4"))
    with pytest.raises(riskscore.DataError, match=r"the installments input 'file:.*frames.csv.lz4' is in LZ4's frame "
                                                  r"format \(Spark reads an .lz4 file as Hadoop's LZ4 blocks\), which "
                                                  r"Spark does not read: recompress it with gzip, or give a copy on"):
        read_input(spark, "installments", f"file://{frames}", InputFormat(**nf), {}, tmp_path)
