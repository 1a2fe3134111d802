"""Delimited text compressed with bzip2 or Zstandard, as gzip: Redshift's ``UNLOAD ... BZIP2`` / ``ZSTD``,
Snowflake's ``COMPRESSION = BZ2`` / ``ZSTD``. They were refused ("Cannot tell the format"); a gzip file
cut short in its first bytes ended in an internal error (``EOFError``)."""

from __future__ import annotations

import bz2
import gzip
import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from riskscore.cli import main
from riskscore.exceptions import DataError
from riskscore.io import InputFormat, find_input, iter_batches, read_table
from tests.test_headerless_csv import spilled_alike

PACK = {".gz": lambda b: gzip.compress(b, mtime=0), ".bz2": bz2.compress,
        ".zst": lambda b: pa.Codec("zstd").compress(b, asbytes=True)}
TABLE = pa.table({
    "borrower_id": ["007", "007", "B2", "B3", "B3", "B4"],
    "loan_id": ["L1", "L1", "L2", "L3", "L3", "L4"],
    "installment_no": ["1", "2", "1", "1", "2", "1"],
    "due_date": ["2024-03-01", "2024-04-01", "2024-03-15", "2024-03-10", "2024-04-10", "2024-05-01"],
    "amount_due": ["100,5", "100,5", "80", "50", "50", "1.234,5"],
    "paid_date": ["2024-03-01", None, "2024-03-20", None, None, "2024-05-02"],
    "amount_paid": ["100,5", "0", "80", "0", "0", "1.234,5"],
})


def _text(table: pa.Table, sep: str = ";") -> bytes:
    out = io.BytesIO()
    pacsv.write_csv(table, out, pacsv.WriteOptions(delimiter=sep, quoting_style="none" if sep == ";" else "needed"))
    return out.getvalue()


@pytest.mark.parametrize("packing", [".bz2", ".zst", ".gz"])
def test_a_compressed_csv_reads_as_the_plain_file_of_its_rows(tmp_path, packing):
    plain = tmp_path / "installments.csv"
    plain.write_bytes(_text(TABLE))
    packed = tmp_path / f"installments.csv{packing}"
    packed.write_bytes(PACK[packing](_text(TABLE)))
    fmt = {"number_format": "1.234,56"}  # the ;-separated file's decimal commas
    want = read_table(plain, table="installments", **fmt)
    pd.testing.assert_frame_equal(read_table(packed, table="installments", **fmt), want)
    batches = pa.concat_tables(iter_batches(packed, table="installments", batch_rows=4, **fmt))
    assert batches.equals(pa.concat_tables(iter_batches(plain, table="installments", batch_rows=4, **fmt)))
    assert want["borrower_id"].tolist()[:2] == ["007", "007"] and want["amount_due"].iloc[5] == "1234.5"
    plain.unlink()
    assert find_input(tmp_path, "installments") == packed  # what --data DIR finds


def test_a_folder_of_parts_in_three_compressions_spills_in_pieces_as_in_one_stream(tmp_path):
    folder = tmp_path / "unload"
    folder.mkdir()
    for i, packing in enumerate(PACK):
        (folder / f"0000_part_0{i}.csv{packing}").write_bytes(PACK[packing](_text(TABLE.slice(2 * i, 2), ",")))
    got = pd.concat(spilled_alike(folder, tmp_path, chunks=2, fmt=InputFormat(number_format="1.234,56")),
                    ignore_index=True)
    assert sorted(got["borrower_id"]) == sorted(TABLE["borrower_id"].to_pylist())
    read = read_table(folder, table="installments", number_format="1.234,56")
    assert read["loan_id"].tolist() == TABLE["loan_id"].to_pylist()  # in the order of the parts' paths


@pytest.mark.parametrize("packing", [".bz2", ".zst", ".gz"])
@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_a_damaged_compressed_file_is_refused_in_one_line_naming_it(tmp_path, packing, damage):
    whole = PACK[packing](_text(pa.concat_tables([TABLE] * 3000)))
    data = bytearray(whole[:60] if damage == "cut" else whole)
    if damage == "flipped":
        data[len(data) // 2: len(data) // 2 + 64] = b"x" * 64
    f = tmp_path / f"installments.csv{packing}"
    f.write_bytes(bytes(data))
    with pytest.raises(DataError) as info:
        read_table(f, table="installments")
    message = str(info.value)
    assert message.startswith(f"cannot read the installments input '{f}': ") and "\n" not in message
    assert message.endswith("the compressed file is damaged or cut short: copy or export it again")


def test_the_cli_finds_and_validates_compressed_tables_in_a_data_folder(tmp_path, capsys):
    (tmp_path / "installments.csv.zst").write_bytes(PACK[".zst"](_text(TABLE).replace(b";", b"\t")))
    assert main(["validate", "--data", str(tmp_path), "--number-format", "1.234,56"]) == 0
    assert "installments: 6 rows" in capsys.readouterr().out
