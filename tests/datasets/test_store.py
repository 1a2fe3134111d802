"""Streaming a world to parquet: bounded chunks, byte-identical re-runs, verified reads."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import riskscore
from riskscore.datasets import read_world, write_world
from riskscore.datasets._store import TABLES

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _bytes(folder: Path) -> dict[str, bytes]:
    return {rel: (folder / rel).read_bytes() for rel in [*TABLES.values(), "world.json"]}


def test_same_call_writes_identical_bytes(tmp_path):
    write_world(tmp_path / "a", 2100, seed=6, chunk_borrowers=1024)
    write_world(tmp_path / "b", 2100, seed=6, chunk_borrowers=1024)
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_chunk_size_changes_nothing_but_row_groups(tmp_path):
    write_world(tmp_path / "a", 2100, seed=6, chunk_borrowers=1024)
    write_world(tmp_path / "b", 2100, seed=6, chunk_borrowers=50_000)
    a, b = read_world(tmp_path / "a"), read_world(tmp_path / "b")
    memory = riskscore.generate(2100, seed=6)
    for name in ("installments", "borrowers", "contacts", "traits", "hardship"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
        pd.testing.assert_frame_equal(getattr(a, name), getattr(memory, name), check_dtype=False)
    pd.testing.assert_frame_equal(a.truth("2024-08-01"), memory.truth("2024-08-01"))


def test_progress_is_reported_per_chunk(tmp_path):
    seen = []
    write_world(tmp_path, 2500, seed=1, chunk_borrowers=1024, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1024, 2500), (2048, 2500), (2500, 2500)]


def test_tampered_file_is_refused(tmp_path):
    write_world(tmp_path, 50, seed=1)
    path = tmp_path / "installments.parquet"
    path.write_bytes(path.read_bytes()[:-9] + b"123456789")
    with pytest.raises(ValueError, match=r"installments.parquet' does not match the SHA-256 in world.json"):
        read_world(tmp_path)


def test_not_a_world(tmp_path):
    (tmp_path / "world.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="does not describe a riskscore world"):
        read_world(tmp_path)


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import riskscore.datasets._store as store

    calls = {"n": 0}
    original = store._next_chunk

    def boom(blocks, n):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(blocks, n)

    monkeypatch.setattr(store, "_next_chunk", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_world(tmp_path, 2100, seed=1, chunk_borrowers=1024)
    assert list(tmp_path.rglob("*.parquet")) == [] and list(tmp_path.rglob("*.tmp")) == []


def test_committed_sample_is_what_its_command_writes(tmp_path):
    """data/sample/README.md's command rebuilds the sample: same rows always, same bytes when
    numpy, pandas and pyarrow are the versions recorded in its world.json."""
    info = json.loads((SAMPLE / "world.json").read_text())
    fresh = write_world(tmp_path, info["n_borrowers"], seed=info["seed"], start=info["start"],
                        months=info["months"], chunk_borrowers=info["chunk_borrowers"])
    assert fresh["rows"] == info["rows"]
    if fresh["versions"] == info["versions"]:
        assert fresh["sha256"] == info["sha256"]
    committed, rebuilt = read_world(SAMPLE), read_world(tmp_path)
    for name in ("installments", "borrowers", "contacts"):
        pd.testing.assert_frame_equal(getattr(committed, name), getattr(rebuilt, name))
