"""Delimited text in Hadoop's codecs: ``.deflate`` (a zlib stream), ``.snappy`` and ``.lz4`` (Hadoop's blocks),
as Hive writes its text with ``hive.exec.compress.output`` (``000000_0.deflate``) and Spark's writers with
``option("compression", ...)`` (``part-00000-....csv.snappy``). They were refused ("neither parquet, ORC nor
delimited text"); an ``.lz4`` file of LZ4's own frame format (the ``lz4`` command's) is read too."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from riskscore.cli import main
from riskscore.exceptions import DataError
from riskscore.io import InputFormat, find_input, input_files, read_table
from riskscore.testing import compress
from tests.test_compressed_text import TABLE, _text
from tests.test_headerless_csv import HIVE_ROWS, NAMES, spilled_alike

PACK = {
    ".deflate": lambda b: compress(b, ".deflate"),
    ".snappy": lambda b: compress(b, ".snappy", block=4096),
    ".lz4": lambda b: compress(b, ".lz4", block=4096),
    ".lz4 in frames": lambda b: pa.Codec("lz4").compress(b, asbytes=True),  # the lz4 command's format
    ".lz4 in two chunks a block": lambda b: compress(b, ".lz4", block=4096, chunks=2),
    ".snappy in two chunks a block": lambda b: compress(b, ".snappy", block=4096, chunks=2),
}
FMT = {"number_format": "1.234,56"}  # the ;-separated file's decimal commas


@pytest.mark.parametrize("packing", list(PACK))
def test_a_csv_in_a_hadoop_codec_reads_as_the_plain_file_of_its_rows(tmp_path, packing):
    rows = pa.concat_tables([TABLE] * 700)  # several blocks
    plain = tmp_path / "installments.csv"
    plain.write_bytes(_text(rows))
    packed = tmp_path / f"installments.csv{packing.split()[0]}"
    packed.write_bytes(PACK[packing](_text(rows)))
    want = read_table(plain, table="installments", **FMT)
    got = read_table(packed, table="installments", **FMT)
    pd.testing.assert_frame_equal(got, want)
    assert len(got) == 4200 and got["amount_due"].iloc[5] == "1234.5" and got["borrower_id"].iloc[0] == "007"
    plain.unlink()
    assert find_input(tmp_path, "installments") == packed  # what --data DIR finds


def test_a_hive_folder_of_compressed_text_reads_as_its_plain_files_and_spills_alike(tmp_path):
    """``INSERT OVERWRITE DIRECTORY`` with compressed output: ``000000_0.deflate`` (Hive's default codec),
    ``000001_0.snappy``, told by their first bytes unpacked, as ``000000_0`` is."""
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    plain.mkdir()
    packed.mkdir()
    for i, (rows, packing) in enumerate(((HIVE_ROWS[:2], ".deflate"), (HIVE_ROWS[2:], ".snappy"))):
        text = ("\n".join(rows) + "\n").encode()
        (plain / f"00000{i}_0").write_bytes(text)
        (packed / f"00000{i}_0{packing}").write_bytes(PACK[packing](text))
    (packed / "_SUCCESS").write_text("")
    assert [f.name for f in input_files(packed)] == ["000000_0.deflate", "000001_0.snappy"]
    want = read_table(plain, table="installments", header=NAMES)
    pd.testing.assert_frame_equal(read_table(packed, table="installments", header=NAMES), want)
    assert want["borrower_id"].tolist() == ["007", "007", '"B2', "B3"]
    spilled = spilled_alike(packed, tmp_path / "spill", 2, InputFormat(header={"installments": NAMES}))
    assert sorted(pd.concat(spilled)["borrower_id"]) == sorted(want["borrower_id"])


def test_a_compressed_file_without_an_extension_that_is_not_hive_text_is_refused(tmp_path):
    folder = tmp_path / "unload"
    folder.mkdir()
    text = b"007,L1,1,2024-03-01,100.5,,0\n"  # text, but not Hive's
    (folder / "000000_0.deflate").write_bytes(compress(text, ".deflate"))
    with pytest.raises(ValueError, match=r"/000000_0.deflate' in the folder .* is neither parquet, ORC nor delimited "
                                         r"text named .csv, .tsv or .txt \(optionally .gz, .bz2, .zst, .deflate, "
                                         r".snappy or .lz4\)"):
        input_files(folder)


@pytest.mark.parametrize("packing", [".deflate", ".snappy", ".lz4"])
@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_a_damaged_file_in_a_hadoop_codec_is_refused_in_one_line_naming_it(tmp_path, packing, damage):
    whole = PACK[packing](_text(pa.concat_tables([TABLE] * 3000)))
    data = bytearray(whole[: len(whole) // 3] if damage == "cut" else whole)
    if damage == "flipped":
        data[len(data) // 2: len(data) // 2 + 64] = b"x" * 64
    f = tmp_path / f"installments.csv{packing}"
    f.write_bytes(bytes(data))
    with pytest.raises(DataError) as info:
        read_table(f, table="installments", **FMT)
    message = str(info.value)
    assert message.startswith(f"cannot read the installments input '{f}': ") and "\n" not in message
    assert message.endswith("the compressed file is damaged or cut short: copy or export it again")


def test_snappy_in_its_framing_format_is_refused_in_one_line(tmp_path):
    f = tmp_path / "installments.csv.snappy"
    f.write_bytes(b"\xff\x06\x00\x00sNaPpY" + b"\x01\x09\x00\x00" + b"\x00" * 9)
    with pytest.raises(DataError) as info:
        read_table(f, table="installments")
    assert str(info.value) == (f"cannot read the installments input '{f}': it is in Snappy's framing format, not "
                               "Hadoop's Snappy blocks, which riskscore does not read: recompress it with gzip")


def test_the_cli_validates_a_data_folder_of_hadoop_compressed_tables(tmp_path, capsys):
    (tmp_path / "installments.csv.snappy").write_bytes(PACK[".snappy"](_text(TABLE)))
    assert main(["validate", "--data", str(tmp_path), "--number-format", "1.234,56"]) == 0
    assert "installments: 6 rows" in capsys.readouterr().out


def test_lzo_compressed_text_is_named_with_how_to_recompress_it(tmp_path):
    """Hadoop's LZO (GPL, in no library riskscore uses) is refused by name, not as a file of no kind."""
    folder = tmp_path / "hive"
    folder.mkdir()
    (folder / "000000_0.lzo_deflate").write_bytes(b"\x00\x01")
    with pytest.raises(ValueError, match=r"000000_0.lzo_deflate' in the folder .* is text compressed with LZO "
                                         r"\(Hadoop's LzopCodec or LzoCodec\), which riskscore does not unpack; "
                                         r"recompress it with gzip"):
        input_files(folder)


def test_the_testing_writer_names_the_compressions_it_writes():
    with pytest.raises(ValueError, match=r"compression must be one of \('', '.gz', '.bz2', '.zst', '.deflate', "
                                         r"'.snappy', '.lz4'\), got '.xz'"):
        compress(b"", ".xz")
