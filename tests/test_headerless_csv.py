"""CSV files written without a header line, their columns' names given (``--header``, ``header:``).

Found unloading the sample the way databases and warehouses do by default: MySQL's ``INTO OUTFILE``
writes no header line at all, PostgreSQL's ``COPY`` none without ``HEADER``, Snowflake's ``COPY INTO
@stage`` none (``HEADER = FALSE``), Spark's writer and Redshift's ``UNLOAD`` none. Such files were
refused with "write the file with its column names" and no way to read the files the job is given;
a contact log's or borrowers table's first row was not even told as one: "has no column borrower_id
(it has: B00000000, '2024-02-29 03:28:02+00:00', email, message_sent)", a borrower's id and contact
time listed as column names.
"""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from riskscore.batch._partition import _pieces, partition, read_chunk
from riskscore.exceptions import DataError
from riskscore.io import InputFormat, iter_batches, read_table
from tests.batch.conftest import BUNDLE, write_table

NAMES = ["borrower_id", "loan_id", "installment_no", "due_date", "amount_due", "paid_date", "amount_paid"]
ROWS = ["007,L1,1,2024-03-01,100.5,2024-03-01,100.5", "007,L1,2,2024-04-01,100.5,,0",
        "B2,L2,1,2024-03-15,80,2024-03-20,80", "B3,L3,1,2024-03-15,1.234,,"]
OWN = ["cust", "loan", "n", "due", "amt", "paid", "paid_amt"]  # an extract's own names, mapped by the columns file
RENAME = dict(zip(OWN, NAMES, strict=True))


def _write(path, rows: list[str], header: list[str] | None = None):
    text = "\n".join(([",".join(header)] if header else []) + rows) + ("\n" if rows or header else "")
    path.write_bytes(gzip.compress(text.encode()) if path.name.endswith(".gz") else text.encode())
    return path


def spilled_alike(folder, tmp_path, chunks: int, fmt: InputFormat | None = None) -> list[pd.DataFrame]:
    """The input ``folder`` spilled in one stream and in pieces by a pool: the same chunks, row for row
    (returned, from the pieces)."""
    inputs = {"installments": folder}
    one = partition(inputs, tmp_path / "one", chunks, batch_rows=1_000, input_format=fmt)
    with ThreadPoolExecutor(2) as pool:
        split = partition(inputs, tmp_path / "split", chunks, batch_rows=1_000, input_format=fmt, pool=pool,
                          ready=lambda: 2)
    assert split["tables"]["installments"]["rows"] == one["tables"]["installments"]["rows"]
    got = []
    for b in range(chunks):
        a, c = read_chunk(tmp_path / "one", one, b), read_chunk(tmp_path / "split", split, b)
        pd.testing.assert_frame_equal(a["installments"], c["installments"], check_exact=True)
        got.append(c["installments"])
    return got


def _refusal(path, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        read_table(path, table="installments", **kwargs)
    return str(info.value)


def test_a_file_without_a_header_reads_as_the_same_rows_with_one(tmp_path):
    whole = read_table(_write(tmp_path / "with.csv", ROWS, NAMES), table="installments")
    bare = _write(tmp_path / "bare.csv", ROWS)
    pd.testing.assert_frame_equal(read_table(bare, table="installments", header=NAMES), whole)
    # the extract's own names, mapped as a header line's would be
    own = read_table(bare, table="installments", header=OWN, rename=RENAME)
    pd.testing.assert_frame_equal(own, whole)
    assert own["borrower_id"].tolist() == ["007", "007", "B2", "B3"]  # ids as text, zeros kept
    fmt = InputFormat(columns={"installments": RENAME}, header={"installments": OWN})
    pd.testing.assert_frame_equal(read_table(bare, table="installments", **fmt.reading("installments")), whole)


def test_a_folder_of_split_parts_the_first_with_the_header_and_an_empty_one(tmp_path):
    """``split -l`` keeps the header in the first part alone; an unload may hold empty parts (gzipped too)."""
    whole = read_table(_write(tmp_path / "with.csv", ROWS, NAMES), table="installments")
    folder = tmp_path / "unload"
    folder.mkdir()
    _write(folder / "part_00.csv", ROWS[:1], [n.upper() for n in NAMES])  # the names, in the extract's case
    _write(folder / "part_01.csv.gz", ROWS[1:3])
    _write(folder / "part_02.csv", [])
    _write(folder / "part_03.csv.gz", [])
    _write(folder / "part_04.csv", ROWS[3:])
    got = read_table(folder, table="installments", header=NAMES)
    pd.testing.assert_frame_equal(got, whole)
    empty = read_table(folder / "part_02.csv", table="installments", header=NAMES)
    assert empty.empty and empty.columns.tolist() == NAMES


def test_a_headerless_csv_is_cut_into_pieces_as_read_in_one_stream(tmp_path, monkeypatch):
    """Byte ranges of each plain part from its first byte (no line to skip), a gzipped part whole."""
    monkeypatch.setattr("riskscore.batch._partition.PIECE_BYTES", 64)
    rows = [f"B{i % 7:03d},L{i % 11},{i},2024-03-{1 + i % 28:02d},{i}.5,,0" for i in range(60)]
    folder = tmp_path / "unload"
    folder.mkdir()
    _write(folder / "part-0.csv", rows[:25])
    _write(folder / "part-1.csv.gz", rows[25:40])
    _write(folder / "part-2.csv", rows[40:])
    reads = [r for p in _pieces(folder, None, NAMES) for r in p["reads"]]
    assert reads[0]["bytes"][0] == 0 and sum("bytes" in r for r in reads) > 4
    chunks = spilled_alike(folder, tmp_path, 3, InputFormat(header={"installments": NAMES}))
    assert sorted(pd.concat(chunks)["installment_no"].astype(int)) == list(range(60))


def test_names_that_do_not_fit_the_file_are_refused_in_one_line(tmp_path):
    bare = _write(tmp_path / "bare.csv", ROWS)
    assert _refusal(bare, header=NAMES[:3]) == (
        f"the installments input '{bare}' has 7 columns on its first line and the header given for installments "
        "names 3 (borrower_id, loan_id, installment_no): give one name per column, in the files' order")
    own = _write(tmp_path / "own.csv", ROWS, ["Customer No", "Loan", "Inst No", "Due Date", "Amount Due",
                                              "Paid Date", "Amount Paid"])
    assert _refusal(own, header=OWN) == (
        f"the installments input '{own}' has a header line of its own (Customer No, Loan, Inst No, Due Date, "
        "Amount Due, Paid Date, Amount Paid), not the names given for installments (cust, loan, n, due, amt, paid, "
        "paid_amt): give a header only for files written without one")
    parquet = tmp_path / "i.parquet"
    pq.write_table(pa.table({n: ["1"] for n in NAMES}), parquet)
    assert _refusal(parquet, header=NAMES) == (
        f"the installments input '{parquet}' is a parquet file, which names its columns: a header is given only for "
        "CSV files written without a header line; give none for this input")


def test_a_data_row_that_holds_a_column_name_is_still_data(tmp_path):
    """One id equal to a name is a value (a header needs no date, flag or number and a third of its cells)."""
    f = _write(tmp_path / "b.csv", ["borrower_id,L1,1,2024-03-01,100.5,2024-03-01,100.5", *ROWS])
    assert read_table(f, table="installments", header=NAMES)["borrower_id"].tolist()[:2] == ["borrower_id", "007"]


@pytest.mark.parametrize(("table", "first"), [
    ("installments", "007,L1,1,2024-03-01,100.5,2024-03-01,100.5"),
    ("contacts", "B00000000,2024-02-29 03:28:02+00:00,email,message_sent"),
    ("borrowers", "B00000000,America/Los_Angeles,\"sms,email\",email,en,False,False,False,False,False,False,False,US"),
    ("borrowers", "B00000000,UTC,sms,sms,en,0,0,0,0,0,1,0,CN"),
])
def test_a_file_without_a_header_is_told_as_one_without_its_values(tmp_path, table, first):
    f = tmp_path / "t.csv"
    f.write_text(first + "\n")
    with pytest.raises(DataError) as info:
        read_table(f, table=table)
    message = str(info.value)
    assert "has no header line: its first line holds values, not column names" in message
    assert f"give its columns' names in order (--header {table}=NAME,NAME,...; header: {{{table}: [NAME, ...]}} in " \
           "the columns file)" in message
    assert "B00000000" not in message and "007" not in message and "America" not in message


@pytest.mark.parametrize(("header", "says"), [
    ({"loans": ["a"]}, "header: unknown table 'loans'; the tables are installments, borrowers, contacts."),
    ({"contacts": "cust,at"}, "header: contacts must list the files' column names in order ([cust, at, ...]), got "
                              "str."),
    ({"contacts": []}, "header: contacts is empty: give each column of the files a name, in order."),
    ({"contacts": ["a", " "]}, "header: contacts holds ' ': give each column of the files a name, in order."),
    ({"contacts": ["a", 1]}, "header: contacts holds 1: give each column of the files a name, in order."),
    ({"contacts": ["a", "b", "a"]}, "header: contacts names two columns 'a'; give each column its own name."),
])
def test_a_bad_header_is_refused_when_the_format_is_made(header, says):
    with pytest.raises(ValueError) as info:
        InputFormat(header=header)
    assert str(info.value) == says


def test_the_columns_file_gives_a_header_and_the_command_line_overrides_it_table_by_table(tmp_path):
    f = tmp_path / "columns.yaml"
    f.write_text("header:\n  contacts: [cust, at, channel, outcome]\n  installments: [a, b]\n"
                 "contacts: {cust: borrower_id, at: contacted_at}\n")
    fmt = InputFormat.read(f, header={"installments": OWN})
    assert fmt.names("contacts") == ["cust", "at", "channel", "outcome"] and fmt.names("installments") == OWN
    assert fmt.names("borrowers") is None and not fmt.is_default
    assert fmt.to_dict()["header"] == {"contacts": ["cust", "at", "channel", "outcome"], "installments": OWN}
    assert InputFormat(**fmt.to_dict()).to_dict() == fmt.to_dict()  # the run's state keeps it, reads it back
    assert fmt.recorded("contacts") == {"columns": {"cust": "borrower_id", "at": "contacted_at"},
                                        "header": ["cust", "at", "channel", "outcome"]}
    assert "CSV files without a header line, columns cust, at, channel, outcome" in fmt.describe("contacts")
    f.write_text("header: [cust, at]\n")
    with pytest.raises(ValueError, match="header must map a table to its column names"):
        InputFormat.read(f)


def test_iter_batches_streams_a_headerless_contact_log(tmp_path):
    f = tmp_path / "c.csv.gz"
    _write(f, [f"B{i},2025-06-15 0{i}:00:00 UTC,sms,no_answer" for i in range(5)])
    got = pa.concat_tables(iter_batches(f, 2, table="contacts", header=["cust", "when", "channel", "outcome"],
                                        rename={"cust": "borrower_id", "when": "contacted_at"}))
    assert got.column_names == ["borrower_id", "contacted_at", "channel", "outcome"]
    assert got.num_rows == 5 and got["contacted_at"].to_pylist()[1] == "2025-06-15 01:00:00 UTC"


@pytest.fixture(scope="module")
def unloaded(tmp_path_factory):
    """A small world as parquet, and as a database unloads it: CSV without header lines, the contact log
    in its own names and in parts (one gzipped)."""
    import riskscore

    world = riskscore.generate(300, seed=5)
    folder = tmp_path_factory.mktemp("unloaded")
    plain, bare, header = {}, {}, {}
    for name in ("installments", "borrowers", "contacts"):
        plain[name] = folder / f"{name}.parquet"
        write_table(getattr(world, name), plain[name], name)
        table = pq.read_table(plain[name])
        header[name] = table.column_names
        bare[name] = folder / f"{name}.csv"
        pacsv.write_csv(table, bare[name], pacsv.WriteOptions(include_header=False))
    log = folder / "contacts"
    log.mkdir()
    lines = bare["contacts"].read_bytes().splitlines(keepends=True)
    (log / "data_0_0_0.csv").write_bytes(b"".join(lines[: len(lines) // 2]))
    (log / "data_0_0_1.csv.gz").write_bytes(gzip.compress(b"".join(lines[len(lines) // 2:])))
    bare["contacts"] = log
    header["contacts"] = ["cust", "at", "via", "result"]
    columns = {"contacts": {"cust": "borrower_id", "at": "contacted_at", "via": "channel", "result": "outcome"}}
    as_of = str((pd.Timestamp(world.end) - pd.Timedelta(days=90)).date())
    return plain, bare, header, columns, as_of


def test_the_nightly_job_scores_a_headerless_unload_as_the_parquet_files(unloaded, tmp_path):
    from riskscore.batch import score_portfolio
    from riskscore.report import Run

    plain, bare, header, columns, as_of = unloaded
    common = {"now": f"{as_of} 13:00", "progress": "off", "n_jobs": 1}
    score_portfolio(plain["installments"], BUNDLE, as_of, tmp_path / "plain", borrowers=plain["borrowers"],
                    contacts=plain["contacts"], **common)
    manifest = score_portfolio(bare["installments"], BUNDLE, as_of, tmp_path / "bare", borrowers=bare["borrowers"],
                               contacts=bare["contacts"], header=header, columns=columns, **common)
    for name, keys in (("scores", ["borrower_id"]), ("plans", ["borrower_id", "step"]), ("rejects", ["row"])):
        a, b = (pd.read_parquet(tmp_path / run / f"{name}.parquet").sort_values(keys, ignore_index=True)
                for run in ("plain", "bare"))
        pd.testing.assert_frame_equal(a, b)
    assert manifest.borrowers["rejected"] == 0
    recorded = json.loads((tmp_path / "bare" / "manifest.json").read_text())["inputs"]
    assert recorded["contacts"]["header"] == ["cust", "at", "via", "result"]
    assert recorded["installments"]["header"] == header["installments"]
    # the report reads the inputs again as the run read them
    some = pd.read_parquet(tmp_path / "plain" / "scores.parquet").query("status == 'scored'")["borrower_id"][:5]
    for name in ("installments", "contacts"):
        again, before = (Run(tmp_path / run).input_rows(name, some) for run in ("bare", "plain"))
        assert len(again) > 0
        pd.testing.assert_frame_equal(again.reset_index(drop=True), before.reset_index(drop=True), check_dtype=False)


def test_the_command_line_reads_a_headerless_extract_and_says_each_mistake_in_one_line(tmp_path):
    from tests.cli.test_errors import one_line, run

    bare = _write(tmp_path / "repayments.csv", ROWS)
    refused = one_line(1, *_out(run("validate", "--installments", str(bare))))
    assert "has no header line" in refused and "--header installments=NAME,NAME,..." in refused
    done = run("validate", "--installments", str(bare), "--header", f"installments={','.join(NAMES)}")
    assert done.returncode == 0, done.stderr
    assert "installments: 4 rows, 0 exact duplicates dropped, 0 rejected" in done.stdout
    twice = run("validate", "--installments", str(bare), "--header", "installments=a", "--header", "installments=b")
    assert one_line(2, *_out(twice)) == ("riskscore validate: error: --header: installments is given twice; give "
                                         "each table's names once")
    bad = run("validate", "--installments", str(bare), "--header", "installments")
    assert "give a table and its columns' names in order" in one_line(2, *_out(bad))


def _out(done):
    return done.returncode, done.stderr


def test_a_postgresql_copy_reads_with_its_header_and_its_empty_channel_lists_stated(tmp_path):
    """``COPY borrowers TO '...'`` (text format): tabs, ``\\N`` for NULL, ``t``/``f``, an empty text as an empty
    cell. Refused as having no header line (was: "the header names two columns f"); with the names and the
    columns file's ``{'': ''}`` for the channel lists, every borrower reads, the one without a channel too."""
    names = ["borrower_id", "timezone", "channels_allowed", "preferred_channel", "language", "do_not_contact",
             "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable", "hardship_declared"]
    f = tmp_path / "borrowers.txt"
    f.write_text("007\tAmerica/New_York\tsms,email\t\\N\ten\tf\tf\tf\tf\tf\tf\tf\n"
                 "008\tAsia/Shanghai\t\t\\N\tzh\tt\tf\tf\tf\tf\tt\tf\n")
    with pytest.raises(DataError, match="has no header line: its first line holds values"):
        read_table(f, table="borrowers")
    fmt = InputFormat(columns={"borrowers": {"channels_allowed": {"": ""}}}, header={"borrowers": names})
    got = read_table(f, table="borrowers", **fmt.reading("borrowers"))
    assert got["borrower_id"].tolist() == ["007", "008"] and got["channels_allowed"].tolist() == ["sms,email", ""]
    assert got["preferred_channel"].isna().all()
    from riskscore.schemas import quarantine

    valid, rejects = quarantine(got, "borrowers")
    assert rejects.empty and valid["do_not_contact"].tolist() == [False, True]


HIVE_ROWS = ["007\x01L1\x011\x012024-03-01\x01100.5\x012024-03-01\x01100.5",
             "007\x01L1\x012\x012024-04-01\x01100.5\x01\\N\x010",
             "\"B2\x01L2\x011\x012024-03-15\x0180\x012024-03-20\x0180",  # a quote is a character in Hive's text
             "B3\x01L3\x011\x012024-03-15\x011.234\x01\\N\x01\\N"]


def _hive_folder(folder):
    folder.mkdir()
    (folder / "000000_0").write_text("\n".join(HIVE_ROWS[:2]) + "\n")
    (folder / "000001_0").write_text("\n".join(HIVE_ROWS[2:]) + "\n")
    (folder / "_SUCCESS").write_text("")
    (folder / ".000000_0.crc").write_bytes(b"\x00")
    return folder


def test_hive_text_output_reads_with_its_header_given(tmp_path, monkeypatch):
    """``INSERT OVERWRITE DIRECTORY '...' SELECT ...``: files without an extension, ``^A`` between fields, nothing
    quoted, ``\\N`` for NULL. Was: "'000000_0' ... is neither parquet nor delimited text"."""
    folder = _hive_folder(tmp_path / "hive")
    assert "has no header line" in _refusal(folder)
    got = read_table(folder, table="installments", header=NAMES)
    assert got["borrower_id"].tolist() == ["007", "007", '"B2', "B3"]
    assert got["paid_date"].isna().tolist() == [False, True, False, True] and got["amount_paid"].isna().sum() == 1
    assert got["amount_due"].tolist() == ["100.5", "100.5", "80", "1.234"]
    # cut into byte ranges, the rows of one stream (quotes not read as quoting there either)
    monkeypatch.setattr("riskscore.batch._partition.PIECE_BYTES", 20)
    assert sum("bytes" in r for p in _pieces(folder, None, NAMES) for r in p["reads"]) > 2
    assert sum(map(len, spilled_alike(folder, tmp_path, 2, InputFormat(header={"installments": NAMES})))) == 4


def test_a_file_without_an_extension_is_read_by_its_content_or_refused(tmp_path):
    from riskscore.io import input_files

    folder = tmp_path / "unload"
    folder.mkdir()
    (folder / "000000_0").write_text("007,L1,1,2024-03-01,100.5,,0\n")  # text, but not Hive's
    with pytest.raises(ValueError, match="is neither parquet, ORC nor delimited text"):
        input_files(folder)
    (folder / "000000_0").write_text("\x01".join(NAMES) + "\n" + HIVE_ROWS[0] + "\n")  # Hive's, with a header
    assert read_table(folder, table="installments")["borrower_id"].tolist() == ["007"]
    # Hive's parquet: its bytes hold \x01 before any \n (the CI machine's did), but it is parquet
    from riskscore._files import is_delimited_text

    parquet = tmp_path / "000001_0"
    pq.write_table(pa.table({"a": pa.array([1] * 50, pa.int8())}), parquet, compression="none")
    assert b"\x01" in parquet.read_bytes().split(b"\n", 1)[0] and not is_delimited_text(parquet)
