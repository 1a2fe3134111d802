"""The partition pass in pieces (row groups spilled by a pool) gives the one-stream pass's chunks and index."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskscore.batch import _partition
from riskscore.batch._partition import _pieces, partition, read_chunk, scan_loans


def _inputs(small_world, tmp_path):
    inst = small_world.installments.assign(loan_id=small_world.installments["loan_id"].astype(str))
    inst.loc[inst.index[-3:], "loan_id"] = inst["loan_id"].iloc[0]  # a loan of two borrowers, in two pieces
    files = {"installments": tmp_path / "installments", "contacts": tmp_path / "contacts.parquet",
             "borrowers": tmp_path / "borrowers.csv"}
    files["installments"].mkdir()
    half = len(inst) // 2  # a folder of two files, each of several row groups
    for i, part in enumerate((inst.iloc[:half], inst.iloc[half:])):
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), files["installments"] / f"{i}.parquet",
                       row_group_size=700)
    pq.write_table(pa.Table.from_pandas(small_world.contacts, preserve_index=False), files["contacts"],
                   row_group_size=900)
    small_world.borrowers.to_csv(files["borrowers"], index=False)  # a CSV: one stream
    return files


def test_pieces_give_the_chunks_of_one_stream(small_world, tmp_path, monkeypatch):
    files = _inputs(small_world, tmp_path)
    with monkeypatch.context() as m:
        m.setattr(_partition, "GROUP_ROWS", 1)  # a piece per row group
        pieces = _pieces(files["installments"])
        assert len(pieces) > 4 and pieces[0]["first_row"] == 0
        assert all(len(p["reads"]) == 1 for p in pieces)
        assert sum(pq.ParquetFile(r["file"]).metadata.row_group(g).num_rows for p in pieces for r in p["reads"]
                   for g in r["row_groups"]) == len(small_world.installments)
        starts = [p["first_row"] for p in pieces]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
    size = files["borrowers"].stat().st_size  # a small CSV: one piece
    assert _pieces(files["borrowers"]) == [{"reads": [{"file": str(files["borrowers"]), "bytes": [0, size]}]}]
    grouped = _pieces(files["installments"])  # small row groups of two files: one piece
    assert len(grouped) == 1 and grouped[0]["first_row"] == 0 and len(grouped[0]["reads"]) == len(pieces)
    monkeypatch.setattr(_partition, "GROUP_ROWS", 1)
    one = partition({k: v for k, v in files.items() if k != "borrowers"}, tmp_path / "one", 3, batch_rows=1_000)
    parquet_only = {k: v for k, v in files.items() if k != "borrowers"}
    with ThreadPoolExecutor(2) as pool:
        split = partition(parquet_only, tmp_path / "split", 3, batch_rows=1_000, pool=pool, ready=lambda: 2)
        csv = partition(files, tmp_path / "csv", 3, batch_rows=1_000, pool=pool, ready=lambda: 2)  # a CSV: one piece
    assert len(split["tables"]["installments"]["files"]) > len(one["tables"]["installments"]["files"])
    for key in ("paid_days", "currencies", "n_buckets"):
        assert split[key] == one[key]
    assert {t: v["rows"] for t, v in split["tables"].items()} == {t: v["rows"] for t, v in one["tables"].items()}
    assert json.loads((tmp_path / "split" / "index.json").read_text()) == split
    for b in range(3):
        a, c = read_chunk(tmp_path / "one", one, b), read_chunk(tmp_path / "split", split, b)
        for table in a:
            pd.testing.assert_frame_equal(a[table], c[table], check_exact=True)  # rows, numbers and order
    assert csv["tables"]["borrowers"]["rows"] == len(small_world.borrowers)
    bad = scan_loans(tmp_path / "one", one)[0]
    assert len(bad) == 1 and scan_loans(tmp_path / "split", split)[0] == bad
