"""Reading inputs (riskscore._intake through riskscore.io): ids as text, one schema, one-line errors (issue 18)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riskscore.exceptions import DataError
from riskscore.io import input_schema, iter_batches, read_table
from riskscore.schemas import id_text, id_text_arrow

HEADER = "borrower_id,loan_id,installment_no,due_date,amount_due,paid_date,amount_paid\n"


def _rows(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame({
        "borrower_id": [f"B{i // 4:03d}" for i in range(n)], "loan_id": [f"L{i // 4}" for i in range(n)],
        "installment_no": [i % 4 + 1 for i in range(n)],
        "due_date": pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(n) % 4 * 30, unit="D"),
        "amount_due": 100.0, "paid_date": pd.NaT, "amount_paid": 0.0,
    })


def test_a_csv_with_a_byte_order_mark_keeps_ids_and_header_exactly(tmp_path):
    f = tmp_path / "inst.csv"
    f.write_bytes(("\ufeff" + HEADER + "000123,0007,1,2024-01-01,10,,0\n000000,0008,1,2024-01-01,10,,0\n").encode())
    df = read_table(f)
    assert df.columns[0] == "borrower_id"
    assert df["borrower_id"].tolist() == ["000123", "000000"]
    assert df["loan_id"].tolist() == ["0007", "0008"]
    batch = next(iter_batches(f, columns=["borrower_id"]))
    assert batch.column("borrower_id").to_pylist() == ["000123", "000000"]


@pytest.mark.parametrize("gz", [False, True])
def test_na_spellings_are_ids_in_id_columns_and_missing_elsewhere(tmp_path, gz):
    text = HEADER + "".join(f"{v},{v},1,2024-01-01,10,NA,0\n" for v in ("NA", "null", "N/A", "nan", "None"))
    text += "b1,l1,1,2024-01-01,10,,0\n,l2,1,2024-01-01,10,NULL,0\n"
    f = tmp_path / ("inst.csv.gz" if gz else "inst.csv")
    f.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    df = read_table(f)
    assert df["borrower_id"].tolist()[:6] == ["NA", "null", "N/A", "nan", "None", "b1"]
    assert df["loan_id"].tolist()[:5] == ["NA", "null", "N/A", "nan", "None"]
    assert pd.isna(df["borrower_id"].iloc[6])  # only an empty field is a missing id
    assert df["paid_date"].isna().all()  # NA, NULL and empty are missing in other columns


def test_a_csv_written_by_arrow_reads_as_the_parquet_of_the_same_borrowers(tmp_path):
    """A quoted "" is an empty string where the contract gives it a meaning (channels_allowed: no channel,
    as Arrow and Spark write it), missing everywhere else; an unquoted empty field is missing. Found on
    the 1M bench world as CSV: its 320 borrowers who allow no channel were rejected whole."""
    import pyarrow.csv as pacsv

    import riskscore

    flags = ("cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable", "hardship_declared")
    table = pa.table({"borrower_id": ["007", "008", "009"], "timezone": ["Asia/Shanghai"] * 3,
                      "channels_allowed": ["", None, "sms"], "preferred_channel": [None, "", "sms"],
                      "language": ["zh"] * 3, "do_not_contact": [False, None, False],
                      **{flag: [False] * 3 for flag in flags}})
    pq.write_table(table, tmp_path / "b.parquet")
    pacsv.write_csv(table, tmp_path / "b.csv")
    assert '"007","Asia/Shanghai","",' in (tmp_path / "b.csv").read_text()
    csv, parquet = (read_table(tmp_path / f"b.{ext}", table="borrowers") for ext in ("csv", "parquet"))
    assert csv["channels_allowed"].tolist()[0] == "" and pd.isna(csv["channels_allowed"].iloc[1])
    assert pd.isna(csv["preferred_channel"].iloc[1]) and pd.isna(csv["do_not_contact"].iloc[1])
    good, rejects = riskscore.quarantine(csv.drop(index=1), "borrowers")
    assert good.index.tolist() == [0, 2] and rejects.empty               # no channel allowed: not a reject
    assert riskscore.validate_borrowers(parquet.drop(index=1))["channels_allowed"].tolist() == \
        riskscore.validate_borrowers(csv.drop(index=1))["channels_allowed"].tolist()


def test_a_quoted_empty_field_is_missing_outside_channels_allowed(tmp_path):
    """pandas' QUOTE_ALL / QUOTE_NONNUMERIC write a missing value as "": an unpaid installment, not a reject."""
    import csv as pycsv

    f = tmp_path / "inst.csv"
    _rows(2).assign(borrower_id=["b1", None]).to_csv(f, index=False, quoting=pycsv.QUOTE_ALL)
    assert '"b1","L0","1","2024-01-01","100.0","","0.0"' in f.read_text()
    df = read_table(f, table="installments")
    assert df["paid_date"].isna().all() and pd.isna(df["borrower_id"].iloc[1])


def test_numeric_ids_in_parquet_come_out_as_the_same_text_as_in_a_csv(tmp_path):
    pq.write_table(pa.table({"borrower_id": [1.0, 2.0, None], "loan_id": pa.array([7, 8, 9], pa.int32())}),
                   tmp_path / "ids.parquet")
    df = read_table(tmp_path / "ids.parquet")
    assert df["borrower_id"].tolist()[:2] == ["1", "2"] and pd.isna(df["borrower_id"].iloc[2])
    assert df["loan_id"].tolist() == ["7", "8", "9"]
    text, bad = id_text(pd.Series([1, 1.0, "1", np.int64(1)], dtype=object))
    assert text.tolist() == ["1"] * 4 and not bad.any()
    assert id_text_arrow(pa.array([1.0]))[0].to_pylist() == id_text(pd.Series([1.0]))[0].tolist()


@pytest.mark.parametrize("value", [1.5, 2.0**60, float("inf")])
def test_float_ids_that_are_not_whole_numbers_refuse_the_file_naming_it(tmp_path, value):
    f = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"borrower_id": ["a", "b"], "loan_id": [1.0, value]}), f)
    with pytest.raises(DataError, match=r"ids.parquet'.*column loan_id .*1 of them are not whole numbers"):
        read_table(f, ["borrower_id", "loan_id"], table="installments")


@pytest.mark.parametrize("array", [pa.array([["a"], ["b"]]), pa.array([{"x": 1}, {"x": 2}]),
                                   pa.array([True, False]), pa.array([b"a", b"b"])])
def test_ids_of_a_type_no_id_can_be_read_from_are_one_line_errors(tmp_path, array):
    f = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"borrower_id": array, "n": [1, 2]}), f)
    with pytest.raises(DataError, match=r"^the installments input '.*ids.parquet': column borrower_id holds") as info:
        list(iter_batches(f, table="installments"))
    assert "\n" not in str(info.value)


def test_a_folder_with_int_float_and_text_types_is_read_in_one_schema(tmp_path):
    rows = _rows()
    a, b = rows.iloc[:20], rows.iloc[20:]
    pq.write_table(pa.Table.from_pandas(a, preserve_index=False), tmp_path / "a.parquet")
    b = b.assign(installment_no=b["installment_no"].astype(str), amount_due=b["amount_due"].astype(np.int64),
                 loan_id=np.arange(len(b)), due_date=b["due_date"].dt.strftime("%Y-%m-%d"))
    pq.write_table(pa.Table.from_pandas(b, preserve_index=False), tmp_path / "b.parquet")
    schema = input_schema(tmp_path)
    assert schema.field("installment_no").type == pa.string()
    assert schema.field("amount_due").type == pa.float64()
    assert schema.field("loan_id").type == pa.string()
    df = read_table(tmp_path)
    assert len(df) == 40 and df["installment_no"].tolist()[18:22] == ["3", "4", "1", "2"]
    assert df["loan_id"].tolist()[20:22] == ["0", "1"]


def test_a_folder_whose_files_have_different_columns_names_the_file(tmp_path):
    rows = _rows()
    pq.write_table(pa.Table.from_pandas(rows.iloc[:20], preserve_index=False), tmp_path / "a.parquet")
    pq.write_table(pa.Table.from_pandas(rows.iloc[20:].drop(columns="amount_paid"), preserve_index=False),
                   tmp_path / "b.parquet")
    with pytest.raises(DataError, match=r"'.*b.parquet' has no column amount_paid, which '.*a.parquet' has"):
        read_table(tmp_path)


def _damaged(tmp_path: Path, how: str) -> Path:
    rows = pd.concat([_rows(400)] * 5, ignore_index=True)
    rows["note"] = [f"customer {i} phone 555-{i:04d}" for i in range(len(rows))]
    if how == "quote":
        f = tmp_path / "inst.csv"
        lines = rows.to_csv(index=False).splitlines()
        lines[10] = lines[10].replace("B", '"B', 1)
        f.write_text("\n".join(lines) + "\n")
        return f
    if how == "columns":  # a row cut short: Arrow quotes it after the count ("got 2: B00...,555-0010")
        f = tmp_path / "inst.csv"
        lines = rows.to_csv(index=False).splitlines()
        lines[10] = ",".join(lines[10].split(",")[:1] + lines[10].split(",")[-1:])
        f.write_text("\n".join(lines) + "\n")
        return f
    if how == "utf8":
        f = tmp_path / "inst.csv"
        f.write_bytes(HEADER.encode() + b"b\xff\xfe,l,1,2024-01-01,1,,0\n")
        return f
    f = tmp_path / "inst.parquet"
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), f, compression="zstd", row_group_size=500)
    data = bytearray(f.read_bytes())
    if how == "truncated":
        f.write_bytes(bytes(data[: len(data) - 100]))
    else:  # bytes flipped in the middle: a corrupt ZSTD page
        mid = len(data) // 2
        data[mid: mid + 64] = bytes(b ^ 0xFF for b in data[mid: mid + 64])
        f.write_bytes(bytes(data))
    return f


@pytest.mark.parametrize(("how", "detail"), [
    ("truncated", "magic bytes not found"),
    pytest.param("corrupt", "ZSTD decompression failed|[Cc]orrupt|dictionary bounds", marks=pytest.mark.skipif(
        tuple(int(p) for p in pa.__version__.split(".")[:1]) < (22,),
        reason="pyarrow before 22 reads these flipped bytes without noticing (no page checksum); nothing to refuse")),
    ("quote", r"CSV parse error: (Row #11: )?Expected 8 columns"),
    ("columns", r"CSV parse error: (Row #11: )?Expected 8 columns, got 2;"),
    ("utf8", "its text is not UTF-8; give its encoding: --encoding gb18030"),
])
def test_an_unreadable_file_is_one_line_naming_it_without_row_content(tmp_path, how, detail):
    # Arrow's CSV reader names the row when it parses on one thread (OMP_NUM_THREADS=1, as under xdist)
    f = _damaged(tmp_path, how)
    with pytest.raises(DataError, match=rf"^cannot read the installments input '{f}': .*({detail})") as info:
        for _ in iter_batches(f, batch_rows=100, table="installments"):
            pass
    message = str(info.value)
    assert "\n" not in message and "555-" not in message and "B00" not in message


def test_read_table_of_a_header_only_csv_has_the_columns(tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text(HEADER)
    df = read_table(f)
    assert len(df) == 0 and list(df.columns) == HEADER.strip().split(",")
