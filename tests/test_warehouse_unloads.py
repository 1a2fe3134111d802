"""Extracts as warehouses and Spark unload them (found giving riskscore a Snowflake, BigQuery and Spark unload).

* A folder of CSV parts (``part-00000-....csv``, ``data_0_0_0.csv.gz``, ``000000000000.csv``) was
  refused: "holds no .parquet files"; concatenated (``cat part-*.csv``), its repeated header lines
  became rejected rows of a borrower named ``borrower_id``.
* A parquet folder with a failed Spark job's ``_temporary/`` files was read with them: 20,590 of the
  sample's rows twice ("exact duplicates dropped"); a folder of parquet and CSV files read the
  parquet files alone, silently.
* A CSV written without its header line (Spark's and Redshift's default) was refused as "the header
  names two columns 83.89": a borrower's value shown as a column name.
* Snowflake's upper-case names (``BORROWER_ID``) were refused, column by column, until mapped.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore.batch._partition import PIECE_BYTES, _pieces, partition, read_chunk
from riskscore.exceptions import DataError
from riskscore.io import input_files, read_table

HEADER = "borrower_id,loan_id,installment_no,due_date,amount_due,paid_date,amount_paid"
ROWS = ["007,L1,1,2024-03-01,100.5,2024-03-01,100.5", "007,L1,2,2024-04-01,100.5,,0",
        "B2,L2,1,2024-03-15,80,2024-03-20,80", "B3,L3,1,2024-03-15,1.234,,"]


def _csv(rows: list[str], header: str = HEADER, sep: str = ",") -> str:
    return "\n".join([header.replace(",", sep)] + [r.replace(",", sep) for r in rows]) + "\n"


def _parts(folder, texts: dict[str, str]):
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        data = text.encode()
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return folder


def _refusal(path, table: str = "installments", error=DataError) -> str:
    with pytest.raises(error) as info:
        read_table(path, table=table)
    return str(info.value)


def test_a_folder_of_csv_parts_reads_as_the_one_file_of_its_rows(tmp_path):
    """Spark's parts with its marker files, a gzipped part, a part in another column order and separator."""
    whole = read_table(_parts(tmp_path, {"all.csv": _csv(ROWS)}) / "all.csv", table="installments")
    reordered = ",".join(reversed(HEADER.split(",")))
    folder = _parts(tmp_path / "unload", {
        "part-00000-c000.csv": _csv(ROWS[:1]), "part-00001-c000.csv.gz": _csv(ROWS[1:2]),
        "part-00002-c000.csv": _csv([",".join(reversed(ROWS[2].split(",")))], reordered),
        "part-00003-c000.csv": _csv(ROWS[3:], sep=";"),
        "_SUCCESS": "", ".part-00000-c000.csv.crc": "\x00crc", "_temporary/0/part-00000-c000.csv": _csv(ROWS)})
    assert [f.name for f in input_files(folder)] == ["part-00000-c000.csv", "part-00001-c000.csv.gz",
                                                     "part-00002-c000.csv", "part-00003-c000.csv"]
    got = read_table(folder, table="installments")
    pd.testing.assert_frame_equal(got, whole)
    assert got["borrower_id"].tolist() == ["007", "007", "B2", "B3"]  # ids as text, zeros kept


def test_a_parquet_folder_skips_what_spark_and_hadoop_leave_beside_the_data(tmp_path):
    table = pa.table({"borrower_id": ["007", "B2"], "amount": [1.5, 2.0]})
    (tmp_path / "_temporary" / "0").mkdir(parents=True)
    pq.write_table(table, tmp_path / "part-00000.snappy.parquet")
    pq.write_table(table, tmp_path / "_temporary" / "0" / "part-00000.snappy.parquet")  # a failed attempt's
    pq.write_table(table, tmp_path / "000000_0")  # Hive's parquet file: no extension, read by its content
    (tmp_path / "_SUCCESS").write_bytes(b"")
    (tmp_path / ".part-00000.snappy.parquet.crc").write_bytes(b"\x00")
    assert [f.name for f in input_files(tmp_path)] == ["000000_0", "part-00000.snappy.parquet"]
    assert len(read_table(tmp_path)) == 4


@pytest.mark.parametrize(("files", "says"), [
    ({"a.parquet": None, "b.csv": HEADER}, "holds parquet files ('a.parquet') and delimited text files ('b.csv'): "
                                           "give one kind of file per input"),
    ({"0000_part_00": "007|L1"}, "0000_part_00' in the folder '{d}' is neither parquet, ORC nor delimited text "
                                 "named .csv, .tsv or .txt (optionally .gz, .bz2, .zst, .deflate, .snappy or .lz4): "
                                 "riskscore reads a folder's files by their kind; rename the text parts (Redshift's "
                                 "UNLOAD: EXTENSION 'csv'), or start the name of a file that is not data with '_'."),
    ({"a.parquet": None, "README.md": "notes"}, "README.md' in the folder '{d}' is neither parquet"),
    ({"_SUCCESS": "", ".hidden.csv": HEADER}, "'{d}' holds no .parquet, .orc or .csv files (files whose name starts "
                                              "with '_' or '.' are skipped)."),
    ({"a.parquet": None, "b.orc": None}, "holds parquet files ('a.parquet') and ORC files ('b.orc'): give one kind"),
    ({"_delta_log/00000000000000000000.json": "{}", "part-0.parquet": None},
     "'{d}' is a Delta Lake table: its folder keeps data files that the table's log has removed, so reading them "
     "would read old rows again; write a snapshot of the table as parquet"),
    ({"metadata/v1.metadata.json": "{}", "data/0.parquet": None}, "'{d}' is an Apache Iceberg table"),
    ({".hoodie/hoodie.properties": "", "0.parquet": None}, "'{d}' is an Apache Hudi table"),
])
def test_a_folder_that_is_not_one_table_of_one_kind_is_refused_in_one_line(tmp_path, files, says):
    d = tmp_path / "in"
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            pq.write_table(pa.table({"borrower_id": ["1"]}), d / name)
        else:
            (d / name).write_text(text)
    message = _refusal(d, error=ValueError)
    assert says.format(d=d) in message and "\n" not in message


def test_a_header_line_again_among_the_rows_is_refused_with_the_way_out(tmp_path):
    f = tmp_path / "catted.csv"
    f.write_text(_csv(ROWS[:2]) + _csv(ROWS[2:3]) + _csv(ROWS[3:]))
    assert _refusal(f) == (
        f"the installments input '{f}' repeats its header line among its rows (data row 3, and 1 "
        "more): files joined one after another with their headers? give riskscore the folder of the files (read "
        "as one table), or keep only the first header line")
    # an id that happens to be a column's name is a value like any other
    f.write_text(_csv(["borrower_id,L1,1,2024-03-01,100.5,2024-03-01,100.5"]))
    assert read_table(f, table="installments")["borrower_id"].tolist() == ["borrower_id"]


@pytest.mark.parametrize("rows", [ROWS, ["007,L1,1,2024-03-01,100.5,2024-03-01,100.5"]])
def test_a_csv_without_its_header_line_is_refused_without_showing_its_values(tmp_path, rows):
    """Two equal values in the first row made it "two columns 83.89"; other rows, missing columns."""
    f = tmp_path / "noheader.csv"
    f.write_text("\n".join(rows) + "\n")
    message = _refusal(f)
    assert message.endswith(
        "has no header line: its first line holds values, not column names (6 of its 7 cells are numbers, dates, "
        "flags or time zones); give its columns' names in order (--header installments=NAME,NAME,...; header: "
        "{installments: [NAME, ...]} in the columns file), or write the file with its column names on the first line "
        "(pandas: to_csv(header=True); Spark: .option('header', True); Snowflake: HEADER = TRUE; Redshift: UNLOAD ... "
        "HEADER)")
    assert "100.5" not in message and "007" not in message


def test_a_header_with_a_year_in_it_is_still_a_header(tmp_path):
    f = tmp_path / "i.csv"
    f.write_text("customer,loan_id,installment_no,due_date,amount_due,paid_date,amount_paid,2024\n")
    assert "has no column borrower_id (it has: customer" in _refusal(f)


@pytest.mark.parametrize(("own", "rename", "expected"), [
    (["BORROWER_ID", "LOAN_ID", "INSTALLMENT_NO"], {}, ["borrower_id", "loan_id", "installment_no"]),  # Snowflake
    (["Borrower ID", " Due Date ", "amountDue", "paid-date"], {}, ["borrower_id", "due_date", "amount_due",
                                                                   "paid_date"]),
    (["LoanID", "InstallmentNo", "Notes"], {}, ["loan_id", "installment_no", "Notes"]),
    (["AMOUNT_DUE", "amount_due"], {}, ["AMOUNT_DUE", "amount_due"]),  # the exact name is the column
    (["AMOUNT_DUE", "total"], {"total": "amount_due"}, ["AMOUNT_DUE", "amount_due"]),  # the mapping wins
    (["DUE", "AMOUNT_DUE"], {"AMOUNT_DUE": "amount_owed"}, ["DUE", "amount_owed"]),  # a mapped name stays mapped
])
def test_contract_columns_are_matched_in_another_case_or_style(own, rename, expected):
    from riskscore._intake import contract_names

    assert contract_names("x.csv", own, rename, "installments") == expected
    assert contract_names("x.csv", own, rename, None) == [rename.get(n, n) for n in own]  # not a contract table


def test_two_columns_that_could_be_one_contract_column_are_refused(tmp_path):
    f = tmp_path / "i.csv"
    f.write_text(HEADER.upper() + ",Amount Due\n")
    assert _refusal(f) == (f"the installments input '{f}' has 'AMOUNT_DUE' and 'Amount Due', either "
                           "of which could be the column amount_due: map one of them in the columns file "
                           "({AMOUNT_DUE: amount_due})")


def test_a_snowflake_unload_reads_as_the_contract_names_it(tmp_path):
    whole = read_table(_parts(tmp_path, {"all.csv": _csv(ROWS)}) / "all.csv", table="installments")
    folder = _parts(tmp_path / "stage", {f"data_0_0_{i}.csv.gz": _csv([r], HEADER.upper()) for i, r in enumerate(ROWS)})
    pd.testing.assert_frame_equal(read_table(folder, table="installments"), whole)
    from riskscore._intake import loose_name

    assert loose_name("PAID_DATE") == "paid_date"


def test_a_folder_of_csv_parts_is_spilled_in_pieces_as_in_one_stream(tmp_path, monkeypatch):
    """Byte ranges of each plain part, a gzipped part whole: the chunks and row numbers of one stream."""
    monkeypatch.setattr("riskscore.batch._partition.PIECE_BYTES", 64)
    rows = [f"B{i % 7:03d},L{i % 11},{i},2024-03-{1 + i % 28:02d},{i}.5,,0" for i in range(60)]
    folder = _parts(tmp_path / "unload", {"part-0.csv": _csv(rows[:25]), "part-1.csv.gz": _csv(rows[25:40]),
                                          "part-2.csv": _csv(rows[40:])})
    pieces = _pieces(folder)
    reads = [r for p in pieces for r in p["reads"]]
    assert PIECE_BYTES > 64 and {"file": str(folder / "part-1.csv.gz")} in reads
    assert sum("bytes" in r for r in reads) > 4 and all("first_row" not in p for p in pieces)
    monkeypatch.setattr("riskscore.batch._partition.PIECE_BYTES", 1 << 20)  # small files: pieces of several
    grouped = _pieces(folder)
    assert len(grouped) == 1 and [r["file"] for r in grouped[0]["reads"]] == [str(f) for f in input_files(folder)]
    monkeypatch.setattr("riskscore.batch._partition.PIECE_BYTES", 64)
    inputs = {"installments": folder}
    one = partition(inputs, tmp_path / "one", 3, batch_rows=1_000)
    with ThreadPoolExecutor(2) as pool:
        split = partition(inputs, tmp_path / "split", 3, batch_rows=1_000, pool=pool, ready=lambda: 2)
    assert split["tables"]["installments"]["rows"] == one["tables"]["installments"]["rows"] == 60
    assert json.loads((tmp_path / "split" / "index.json").read_text()) == split
    for b in range(3):
        a, c = read_chunk(tmp_path / "one", one, b), read_chunk(tmp_path / "split", split, b)
        pd.testing.assert_frame_equal(a["installments"], c["installments"], check_exact=True)


def test_a_database_null_is_missing_in_every_column_ids_too(tmp_path):
    """MySQL's ``INTO OUTFILE``, PostgreSQL's ``COPY ... TO`` and Hive write NULL as ``\\N``: every unpaid
    installment's paid_date was a ``date_format`` reject (19,863 of the sample's rows)."""
    f = tmp_path / "i.csv"
    f.write_text(_csv(["007,L1,1,2024-03-01,100.5,\\N,\\N", "\\N,L2,1,2024-03-01,100.5,\\N,0",
                       "NA,L3,1,2024-03-01,100.5,,0"]))
    got = read_table(f, table="installments")
    assert got[["paid_date", "amount_paid"]].isna().values.tolist() == [[True, True], [True, False], [True, False]]
    assert got["borrower_id"].isna().tolist() == [False, True, False]  # NA may be an id; \\N is none
    assert got["borrower_id"].iloc[[0, 2]].tolist() == ["007", "NA"]


def test_timestamps_as_bigquery_and_trino_write_them_are_read_in_utc(tmp_path):
    """``2025-06-15 02:30:00 UTC`` (BigQuery's CSV export, Trino's ``.000 UTC``) was "not a year-first ISO
    8601 date" and refused the contact log; a date written so is its UTC calendar date."""
    import riskscore

    f = tmp_path / "c.csv"
    f.write_text("borrower_id,contacted_at,channel,outcome\nb1,2025-06-15 02:30:00 UTC,sms,message_sent\n"
                 "b2,2025-06-15 02:30:00.250 UTC,sms,message_sent\nb3,2025-06-15T10:30:00+08:00,sms,message_sent\n")
    got = riskscore.validate_contacts(read_table(f, table="contacts"))["contacted_at"]
    assert got.tolist() == [pd.Timestamp(t, tz="UTC") for t in ("2025-06-15 02:30", "2025-06-15 02:30:00.250",
                                                                 "2025-06-15 02:30")]
    i = tmp_path / "i.csv"
    i.write_text(_csv(["B1,L1,1,2024-03-01 00:00:00 UTC,100,2024-02-29 00:00:00 UTC,100"]))
    dates = riskscore.validate_installments(read_table(i, table="installments"))
    assert dates[["due_date", "paid_date"]].iloc[0].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-02-29")]


@pytest.mark.parametrize("fmt", ["%d/%m/%Y %H:%M:%S %Z", "%d/%m/%Y %H:%M:%S UTC", "%d/%m/%Y %H:%M:%S UTC@UTC"])
def test_day_first_times_that_end_with_utc_are_read_in_utc(tmp_path, fmt):
    """``15/06/2025 02:30:00 UTC`` with ``%Z`` (or ``UTC`` written out in the format) was read and its zone
    forgotten: every contact a ``timezone_awareness`` reject, its reason advising pandas code to a CLI
    user. UTC's names are now read as UTC; another zone's abbreviation (``CST``: China, Cuba or the US?)
    does not match and is said so."""
    import riskscore

    f = tmp_path / "c.csv"
    f.write_text("borrower_id,contacted_at,channel,outcome\nb1,15/06/2025 02:30:00 UTC,sms,message_sent\n"
                 "b2,16/06/2025 14:05:09 GMT,sms,message_sent\nb3,16/06/2025 14:05:09 CST,sms,message_sent\n")
    read = read_table(f, table="contacts", date_format={"contacted_at": fmt})
    assert read["contacted_at"].tolist()[:2] == ["2025-06-15T02:30:00+00:00", "2025-06-16T14:05:09+00:00"]
    assert read["contacted_at"].iloc[2] == f"16/06/2025 14:05:09 CST (not {fmt.removesuffix('@UTC')})"
    good = riskscore.validate_contacts(read.iloc[:2])["contacted_at"]
    assert good.tolist() == [pd.Timestamp("2025-06-15 02:30", tz="UTC"), pd.Timestamp("2025-06-16 14:05:09", tz="UTC")]


def test_contact_times_without_a_zone_are_refused_with_the_option_that_names_it(tmp_path):
    """The reason said "localize the log's clock first, e.g. pd.to_datetime(x).dt.tz_localize('UTC')" to a
    user of the command line; it names the option now (and the zone is never assumed)."""
    import riskscore

    naive = pd.DataFrame({"borrower_id": ["b1"], "contacted_at": [pd.Timestamp("2025-06-15 02:30")],
                          "channel": ["sms"], "outcome": ["message_sent"]})
    with pytest.raises(DataError, match=r"contacted_at must hold timezone-aware \(UTC\) timestamps; name the zone of "
                                        r"the log's clock: --date-format contacts\.contacted_at=ZONE \(or FORMAT@ZONE"):
        riskscore.validate_contacts(naive)


def test_profiles_by_country_need_the_country_column_which_is_read_in_capitals_too(tmp_path):
    """A Snowflake unload's ``COUNTRY`` was not the policy's ``country``: with ``--profile US=...,CN=...,*=...``
    every borrower was planned under ``*``'s rules, silently (the sample: 996 plan steps became 830)."""
    import riskscore
    from riskscore.policy import plan_portfolio

    world = riskscore.generate(40, seed=2)
    f = tmp_path / "b.csv"
    world.borrowers.rename(columns=str.upper).to_csv(f, index=False)
    read = read_table(f, table="borrowers")
    assert "country" in read.columns and read["country"].tolist() == world.borrowers["country"].tolist()
    ids = pd.Index(world.borrowers["borrower_id"][:3], name="borrower_id")
    scores = pd.DataFrame({"likelihood": [0.9, 0.5, 0.1]}, index=ids)
    profiles = "US=us_reg_f_2021,CN=cn_gbt45251_2025,*=strict_v1"
    with pytest.raises(DataError) as info:
        plan_portfolio(scores, None, world.borrowers.drop(columns="country"), now="2025-06-30 14:00+00:00",
                       profiles=profiles)
    assert str(info.value) == (
        "borrowers: the profiles are given by country (US, CN) and the borrowers table has no column country: every "
        "borrower would be planned under strict_v1; add a country column (ISO codes: CN, CHN), map the extract's "
        "(borrowers: {Land: country} in the columns file), or give one profile")
    steps, _ = plan_portfolio(scores, None, world.borrowers.drop(columns="country"), now="2025-06-30 14:00+00:00",
                              profiles="strict_v1")  # one profile needs no country
    assert set(steps["profile"]) == {"strict_v1"}


@given(st.lists(st.integers(0, 9), max_size=30), st.integers(1, 12))
@settings(max_examples=200, deadline=None)
def test_small_batches_are_joined_in_order_and_never_past_the_largest(sizes, rows):
    from riskscore._intake import coalesced

    start = [0, *itertools.accumulate(sizes)]
    tables = [pa.table({"a": pa.array(range(a, b), pa.int64())}) for a, b in itertools.pairwise(start)]
    out = list(coalesced(tables, rows))
    assert [v for t in out for v in t["a"].to_pylist()] == list(range(start[-1]))  # every row once, in order
    assert all(t.num_rows <= max(rows, *sizes) for t in out)
    assert all(a.num_rows + b.num_rows > rows or max(a.num_rows, b.num_rows) >= rows  # nothing left to join
               for a, b in itertools.pairwise(out))


@pytest.mark.parametrize(("name", "says"), [
    ("installments.jsonl", "is JSON, which riskscore does not read"),
    ("installments.ndjson.gz", "is JSON, which riskscore does not read"),
    ("installments.avro", "is Avro, which riskscore does not read; write the table as parquet"),
    ("installments.feather", "is an Arrow IPC (Feather) file, which riskscore does not read"),
    ("installments.sas7bdat", "is a SAS data set, which riskscore does not read; write it as parquet: pandas.read_sas"),
    ("installments.csv.zip", "is an archive, which riskscore does not open; unpack it"),
    ("installments.sqlite", "is a database file, which riskscore does not open"),
])
def test_a_file_of_a_format_not_read_is_named_with_how_to_convert_it(tmp_path, name, says):
    """They were all "Cannot tell the format of ...: use .parquet, ...", even a SAS data set or a zip of a CSV."""
    f = tmp_path / name
    f.write_bytes(b"{}")
    with pytest.raises(ValueError, match=rf"^'{re.escape(str(f))}' {re.escape(says)}"):
        read_table(f, table="installments")
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / f"part-0{name.removeprefix('installments')}").write_bytes(b"{}")
    with pytest.raises(ValueError, match=rf"in the folder '{re.escape(str(folder))}' {re.escape(says)}"):
        read_table(folder, table="installments")
