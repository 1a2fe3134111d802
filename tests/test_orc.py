"""ORC files, as Hive stores its tables (found copying a Hive table's folder from HDFS: its files
``000000_0`` were refused as "neither parquet nor delimited text"; ``installments.orc`` as "Cannot tell
the format")."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.orc as paorc
import pyarrow.parquet as pq
import pytest

from riskscore.batch._partition import _pieces
from riskscore.exceptions import DataError
from riskscore.io import input_files, iter_batches, read_table
from tests.test_headerless_csv import spilled_alike

TABLE = pa.table({
    "borrower_id": ["007", "007", "B2", "B3", "B3"], "loan_id": ["L1", "L1", "L2", "L3", "L3"],
    "installment_no": pa.array([1, 2, 1, 1, 2], pa.int64()),
    "due_date": pa.array([pd.Timestamp(d).date() for d in ("2024-03-01", "2024-04-01", "2024-03-15",
                                                          "2024-03-15", "2024-04-15")], pa.date32()),
    "amount_due": [100.5, 100.5, 80.0, 1.234, 2.5],
    "paid_date": pa.array([pd.Timestamp("2024-03-01").date(), None, pd.Timestamp("2024-03-20").date(), None,
                           None], pa.date32()),
    "amount_paid": [100.5, 0.0, 80.0, None, 0.0]})


def test_an_orc_file_reads_as_the_parquet_file_of_its_rows(tmp_path):
    pq.write_table(TABLE, tmp_path / "i.parquet")
    paorc.write_table(TABLE, tmp_path / "i.orc")
    pd.testing.assert_frame_equal(read_table(tmp_path / "i.orc", table="installments"),
                                  read_table(tmp_path / "i.parquet", table="installments"))
    # a stripe at a time, in batches of at most batch_rows
    assert [t.num_rows for t in iter_batches(tmp_path / "i.orc", 2, table="installments")] == [2, 2, 1]


def test_a_hive_orc_folder_reads_by_content_and_in_pieces_as_in_one_stream(tmp_path):
    folder = tmp_path / "installments"
    folder.mkdir()
    paorc.write_table(TABLE.slice(0, 3), folder / "000000_0")
    paorc.write_table(TABLE.slice(3), folder / "000001_0")
    (folder / "_SUCCESS").write_text("")
    assert [f.name for f in input_files(folder)] == ["000000_0", "000001_0"]
    pq.write_table(TABLE, tmp_path / "i.parquet")
    pd.testing.assert_frame_equal(read_table(folder, table="installments"),
                                  read_table(tmp_path / "i.parquet", table="installments"))
    pieces = _pieces(folder)
    assert [r for p in pieces for r in p["reads"]] == [{"file": str(folder / "000000_0")},
                                                       {"file": str(folder / "000001_0")}]
    assert sum(map(len, spilled_alike(folder, tmp_path, 2))) == 5


def test_orc_beside_other_files_or_with_a_header_is_refused_in_one_line(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    paorc.write_table(TABLE, folder / "a.orc")
    (folder / "b.csv").write_text("borrower_id\n1\n")
    with pytest.raises(ValueError, match=r"holds ORC files \('a.orc'\) and delimited text files \('b.csv'\)"):
        read_table(folder, table="installments")
    with pytest.raises(DataError, match="is an ORC file, which names its columns"):
        read_table(folder / "a.orc", table="installments", header=list(TABLE.column_names))
