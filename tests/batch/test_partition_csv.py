"""A CSV input cut into byte ranges at line ends gives the one-stream partition pass's chunks, row numbers
included; a file a range cannot read as the whole file's rows is read in one stream, as before."""

from __future__ import annotations

import gzip
import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscore._csv_ranges import csv_ranges, cuttable
from riskscore._files import csv_layout
from riskscore.batch import _partition
from riskscore.batch._partition import ROW, _finish, _in_pieces, _pieces, partition, read_chunk
from riskscore.exceptions import DataError
from riskscore.io import InputFormat

N = 3  # chunks


def _one_stream(inputs: dict[str, Path], folder: Path, fmt: InputFormat | None = None) -> dict:
    return partition(inputs, folder, N, batch_rows=7, input_format=fmt)


def _cut(inputs: dict[str, Path], folder: Path, fmt: InputFormat | None = None) -> dict:
    """The pass in pieces only (no fall-back to one stream: a piece that fails raises here)."""
    with ThreadPoolExecutor(2) as pool:
        return _finish(folder, N, _in_pieces(inputs, folder, N, 7, fmt or InputFormat(), pool, lambda: 2))


def _assert_same_chunks(a_dir: Path, a: dict, b_dir: Path, b: dict) -> None:
    assert {t: v["rows"] for t, v in a["tables"].items()} == {t: v["rows"] for t, v in b["tables"].items()}
    for key in ("paid_days", "currencies"):
        assert a[key] == b[key]
    for bucket in range(N):
        x, y = read_chunk(a_dir, a, bucket), read_chunk(b_dir, b, bucket)
        for table in x:
            pd.testing.assert_frame_equal(x[table], y[table], check_exact=True)  # values, row numbers, order


def _same(tmp_path: Path, data: bytes, piece_bytes: int, monkeypatch, *, suffix: str = ".csv",
          fmt: InputFormat | None = None) -> int:
    """Partition ``data`` as one table in one stream and in pieces; the pieces' count."""
    f = tmp_path / f"t{suffix}"
    f.write_bytes(data)
    monkeypatch.setattr(_partition, "PIECE_BYTES", piece_bytes)
    try:
        one = _one_stream({"extra": f}, tmp_path / "one", fmt)
    except DataError as err:  # a file one stream cannot read (a header without a line end): the same error
        with ThreadPoolExecutor(2) as pool, pytest.raises(DataError) as cut_err:
            partition({"extra": f}, tmp_path / "cut", N, batch_rows=7, input_format=fmt, pool=pool, ready=lambda: 2)
        assert str(cut_err.value) == str(err)
        return 0
    cut = _cut({"extra": f}, tmp_path / "cut", fmt)
    _assert_same_chunks(tmp_path / "one", one, tmp_path / "cut", cut)
    return len(_pieces(f, (fmt or InputFormat()).encoding))


_IDS = st.sampled_from(["007", "7", "0007", "B01", "NA", "null", "", "b 2", '"x,y"', '"q""t"', "1.0", "00"])
_VALUES = st.sampled_from(["1", "", "NA", "N/A", "abc", '"a,b"', '"say ""hi"""', '""', "  ", "é", '"1,5"', '"2;5"'])


@st.composite
def _csv_text(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";"]))
    excel = sep == ";" and draw(st.booleans())
    lines = [f"borrower_id{sep}v{sep}w"]
    for _ in range(draw(st.integers(0, 25))):
        lines.extend([""] * draw(st.integers(0, 2)))  # blank lines: skipped
        v = draw(_VALUES)
        lines.append(sep.join([draw(_IDS), v, draw(_VALUES)]))
    ends = [draw(st.sampled_from(["\n", "\r\n"])) for _ in lines]
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final line end
    if excel:
        text = f"sep={sep}{ends[0]}" + text
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_csv_text(), piece_bytes=st.integers(1, 120))
def test_random_csv_cut_anywhere_gives_the_chunks_and_row_numbers_of_one_stream(data, piece_bytes, tmp_path_factory,
                                                                                monkeypatch):
    _same(tmp_path_factory.mktemp("p"), data, piece_bytes, monkeypatch)


LAYOUTS = {
    "bom": b"\xef\xbb\xbfborrower_id,v\n007,a\n008,b\n009,c\n010,d\n",
    "excel sep line": b"sep=;\r\nborrower_id;v\r\n007;1,5\r\n008;2,5\r\n009;3\r\n010;4\r\n",
    "crlf": b"borrower_id,v\r\n007,a\r\n008,b\r\n009,c\r\n010,d\r\n",
    "blank lines": b"borrower_id,v\n\n007,a\n\n\n008,b\r\n\r\n009,c\n\n010,d\n\n",
    "no final line end": b"borrower_id,v\n007,a\n008,b\n009,c\n010,d",
    "quoted delimiters and quotes": b'borrower_id,v\n"0,7","a,""b"""\n008,"c,d"\n"009",""\n010,"e"\n',
    "tabs": b"borrower_id\tv\n007\ta\n008\tb\n009\tc\n010\td\n",
    "gb18030": "borrower_id,v\n007,短信\n008,电话\n009,邮件\n010,信\n".encode("gb18030"),
    "cp1252": "borrower_id,v\n007,café\n008,naïve\n009,€\n010,ß\n".encode("cp1252"),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_each_layout_cut_at_every_line_gives_the_chunks_of_one_stream(name, tmp_path, monkeypatch):
    fmt = InputFormat(encoding=name) if name in ("gb18030", "cp1252") else None
    assert _same(tmp_path, LAYOUTS[name], 1, monkeypatch, fmt=fmt) >= 4  # cut after every line


def test_row_numbers_of_later_pieces_continue_the_earlier_ones(tmp_path, monkeypatch):
    f = tmp_path / "t.csv"
    f.write_bytes(b"borrower_id,v\n" + b"".join(b"%03d,x\n\n" % i for i in range(40)))
    monkeypatch.setattr(_partition, "PIECE_BYTES", 30)
    index = _cut({"extra": f}, tmp_path / "cut")
    assert any(file.get("row_offset") for file in index["tables"]["extra"]["files"])
    rows = pd.concat([read_chunk(tmp_path / "cut", index, b)["extra"] for b in range(N)]).sort_values(ROW)
    assert rows[ROW].tolist() == list(range(40)) and rows["borrower_id"].tolist() == [f"{i:03d}" for i in range(40)]


def test_compressed_and_utf16_files_are_one_stream(tmp_path):
    text = "borrower_id,v\n007,a\n008,b\n"
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "b.csv").write_bytes(text.encode("utf-16"))
    (tmp_path / "c.csv").write_bytes(text.encode("utf-32"))
    for name in ("a.csv.gz", "b.csv", "c.csv"):
        f = tmp_path / name
        assert _pieces(f) is None and csv_ranges(f, csv_layout(f, None), 1) is None
    assert [cuttable(c) for c in ("utf-8", "gbk", "big5", "shift_jis", "latin-1", "utf-7", "hz")] == \
        [True, True, True, True, True, False, False]


def test_a_small_file_is_one_piece_and_pieces_end_after_a_line_end(tmp_path):
    f = tmp_path / "t.csv"
    f.write_bytes(b"borrower_id,v\r\n" + b"123456,x\r\n" * 30)
    assert csv_ranges(f, csv_layout(f, None), 1 << 20) == [(0, f.stat().st_size)]
    ranges = csv_ranges(f, csv_layout(f, None), 25)
    assert ranges[0][0] == 0 and ranges[-1][1] == f.stat().st_size and len(ranges) > 5
    assert all(a[1] == b[0] and f.read_bytes()[b[0] - 1:b[0]] == b"\n" for a, b in itertools.pairwise(ranges))


@pytest.mark.parametrize("data", [
    b'borrower_id,v\n007,"two\nlines"\n008,b\n009,c\n',  # a quoted line end: read as part of the value
    b'borrower_id,v\n007,a\n008,"b\n009,c\n010,d\n',  # an unterminated quote, read on to the end
    b'borrower_id,v\n007,"x\r\n\r\ny"\n008,b\n',
])
def test_a_value_spanning_lines_fails_the_pieces_and_is_read_in_one_stream(data, tmp_path, monkeypatch):
    f = tmp_path / "t.csv"
    f.write_bytes(data)
    for piece_bytes in (1, 1 << 20):  # cut inside the value, or one piece holding it whole
        monkeypatch.setattr(_partition, "PIECE_BYTES", piece_bytes)
        # the first piece to fail decides the error: the range check's, or Arrow's parse error of a piece
        # starting inside the value (`y"`: one column); either sends the pass to one stream
        with pytest.raises(ValueError, match=r"quoted value|CSV parse error"):
            _cut({"extra": f}, tmp_path / f"cut{piece_bytes}")
        with ThreadPoolExecutor(2) as pool:
            index = partition({"extra": f}, tmp_path / "both", N, batch_rows=7, pool=pool, ready=lambda: 2)
        one = _one_stream({"extra": f}, tmp_path / "one")
        _assert_same_chunks(tmp_path / "one", one, tmp_path / "both", index)


@pytest.mark.parametrize(("data", "message"), [
    (b"borrower_id,v\n007,a\n008,b,c\n009,c\n", "Expected 2 columns, got 3"),
    (b"borrower_id,v\n007,a\n008\n009,c\n", "Expected 2 columns, got 1"),
    (b"borrower_id,v\n007,a\n008,\xff\xfe\n009,c\n", "its text is not UTF-8"),
])
def test_a_damaged_file_gives_the_one_stream_error(data, message, tmp_path, monkeypatch):
    f = tmp_path / "t.csv"
    f.write_bytes(data)
    monkeypatch.setattr(_partition, "PIECE_BYTES", 1)
    with pytest.raises(DataError, match=message) as one:
        _one_stream({"extra": f}, tmp_path / "one")
    with ThreadPoolExecutor(2) as pool, pytest.raises(DataError, match=message) as cut:
        partition({"extra": f}, tmp_path / "cut", N, batch_rows=7, pool=pool, ready=lambda: 2)
    assert str(cut.value) == str(one.value) and "\n" not in str(one.value)


def _world_csv(world, folder: Path) -> dict[str, Path]:
    """The world as CSV files as lenders send them: a BOM, CRLF line ends, blank lines, no final line end,
    and some bad rows spread through the installments (rejects whose row numbers must survive the cut)."""
    folder.mkdir()
    paths = {}
    for name in ("installments", "borrowers", "contacts"):
        frame = getattr(world, name).copy()
        if name == "installments":
            frame = frame.astype({"amount_due": object})
            frame.loc[frame.index[5::97], "amount_due"] = "lots"
            frame.loc[frame.index[11::151], "borrower_id"] = " padded"
        lines = frame.to_csv(index=False).splitlines()
        text = "\r\n".join(line + ("\r\n" if i % 50 == 7 else "") for i, line in enumerate(lines))
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(b"\xef\xbb\xbf" + text.encode())
    return paths


@pytest.mark.slow
def test_a_csv_world_scored_in_pieces_equals_the_one_stream_run(world, as_of, now, tmp_path, monkeypatch):
    from riskscore.batch import score_portfolio
    from tests.batch.conftest import BUNDLE, read_outputs

    paths = _world_csv(world, tmp_path / "in")
    runs, used = {}, []
    spill_piece = _partition.spill_piece

    def counted(*args, **kw):
        used.append(args[3])
        return spill_piece(*args, **kw)

    for how in ("one", "cut"):
        with monkeypatch.context() as m:
            if how == "one":
                m.setattr(_partition, "_pieces", lambda *a, **k: None)
            else:
                m.setattr(_partition, "PIECE_BYTES", 20_000)
                m.setattr(_partition, "spill_piece", counted)
            manifest = score_portfolio(paths["installments"], BUNDLE, as_of, tmp_path / how,
                                       borrowers=paths["borrowers"], contacts=paths["contacts"], now=now,
                                       chunk_borrowers=250, n_jobs=2, progress="off")
        runs[how] = manifest, read_outputs(tmp_path / how)
    # the driver spilled CSV pieces (the workers too)
    assert used and all("bytes" in read for piece in used for read in piece["reads"])
    (one, a), (cut, b) = runs["one"], runs["cut"]
    assert cut.rows == one.rows and cut.rejects_by_check == one.rejects_by_check and cut.borrowers == one.borrowers
    assert a["rejects"]["row"].max() > len(world.installments) // 2  # rows of later pieces among them
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
