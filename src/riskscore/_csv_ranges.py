"""A delimited text file cut into byte ranges at line ends, each read as the whole file's rows there.

Below :mod:`riskscore._intake` (which reads a range as it reads the file: the same options, the
same conversions). The partition pass of the nightly job spills the ranges of a large CSV in
several processes at once (:mod:`riskscore.batch._partition`).

Arrow reads a CSV with ``newlines_in_values=False``: it cuts its blocks at line ends, yet parses a
quoted line end inside a block as part of the value (and fails when such a value straddles two
blocks). A range is therefore read under a guard that makes it agree with the one-stream read or
fail (the caller then reads the file in one stream, which decides):

* every row of a range must be one line: Arrow's rows there must number its lines that are not
  empty (Arrow skips empty lines; ``\\r``, ``\\n`` and ``\\r\\n`` end a line, as Arrow reads them);
  a value spanning lines fails the range;
* a range that does not end the file is read with a *sentinel* line after it, which must come
  back as its own last row: a quote still open at the range's end (which the one stream would read
  on into the next line) swallows it, and fails the range.

A file is cut only where a ``\\n`` byte is always a line end: not compressed (``.gz``), in an
encoding without state that writes line ends, the sentinel and ASCII as ASCII (UTF-8, GB18030,
GBK, Big5, Shift-JIS, cp1252, Latin-1, ...; not UTF-16 or UTF-32, where ``0x0A`` may be half a
character, nor UTF-7 or ISO-2022, which carry a state across lines).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from riskscore._files import CsvLayout, compressed

__all__ = ["CsvRange", "csv_ranges", "cuttable", "data_lines", "skipped_end"]

#: The value of every field of the sentinel line (a control character no extract holds in a field).
SENTINEL = "\x02"
_STATEFUL = ("utf_7", "utf-7", "iso2022", "hz")
_PROBE = "\r\n\x02,;|\t\"sep=abcXYZ019"
_SLICE = 8 << 20


def cuttable(codec: str) -> bool:
    """Whether a file in ``codec`` can be cut after any ``0x0A`` byte (see the module docstring).

    Examples
    --------
    >>> [cuttable(c) for c in ("utf-8-sig", "gb18030", "cp1252", "utf-16", "utf-32", "iso2022_jp", "cp500")]
    [True, True, True, False, False, False, False]
    """
    try:
        name = codecs.lookup(codec).name
    except LookupError:
        return False
    if name in ("utf-8", "utf-8-sig"):
        return True
    if name.startswith(_STATEFUL):
        return False
    try:
        return _PROBE.encode(name) == _PROBE.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def skipped_end(data: bytes | bytearray, rows: int) -> int | None:
    """The offset after the first ``rows`` lines, skipped as Arrow's ``skip_rows`` skips them (line by
    line, quotes not read, an empty line counted); ``None`` when ``data`` holds fewer line ends.

    Examples
    --------
    >>> skipped_end(b"sep=;\\r\\na;b\\n1;2\\n", 2), skipped_end(b"a,b", 1)
    (11, None)
    """
    pos = 0
    for _ in range(rows):
        ends = [i for i in (data.find(b"\r", pos), data.find(b"\n", pos)) if i >= 0]
        if not ends:
            return None
        pos = min(ends) + 1
        if data[pos - 1] == 13 and data[pos:pos + 1] == b"\n":
            pos += 1
    return pos


def data_lines(data: bytes | bytearray, start: int, end: int) -> int:
    """The lines of ``data[start:end]`` that are not empty: the rows Arrow reads there when no value
    spans lines (``start`` is a line's start).

    Examples
    --------
    >>> data_lines(b"a,b\\r\\n\\r\\n1,2\\n\\n3,4", 0, 15), data_lines(b"\\n1\\r2\\n", 0, 5)
    (3, 2)
    """
    if end <= start:
        return 0
    lines = int(data[start] not in (10, 13))
    for i in range(start, end, _SLICE):  # a slice at a time: small temporaries, in cache
        a = np.frombuffer(data, np.uint8, count=min(i + _SLICE, end) - i + (i > start), offset=i - (i > start))
        ends = (a == 10) | (a == 13)
        lines += int(np.count_nonzero(~ends[1:] & ends[:-1]))  # a line's first byte after a line end
    return lines


def csv_ranges(f: Path, layout: CsvLayout, piece_bytes: int) -> list[tuple[int, int]] | None:
    """Byte ranges of the file of about ``piece_bytes`` each (the first holds the header), each cut just
    after a ``\\n``; ``None`` when it must be read in one stream (compressed, or its encoding may
    hold ``0x0A`` inside a character, or its header is not where Arrow would skip it)."""
    if compressed(f) or not cuttable(layout.encoding):
        return None
    size = f.stat().st_size
    cuts = [0]
    with open(f, "rb") as fh:
        head = fh.read(1 << 20)
        pos = skipped_end(head, layout.skip)
        if pos is None or (pos >= len(head) - 1 and len(head) < size):
            return None
        while size - pos > piece_bytes:
            fh.seek(pos + piece_bytes)
            at = pos + piece_bytes
            while True:
                block = fh.read(1 << 20)
                i = block.find(b"\n")
                if i >= 0 or not block:
                    break
                at += len(block)
            if i < 0 or at + i + 1 >= size:
                break
            pos = at + i + 1
            cuts.append(pos)
    return list(zip(cuts, [*cuts[1:], size], strict=True))


class CsvRange:
    """Bytes ``[start, end)`` of a delimited text file, to be read with Arrow like the whole file.

    ``source`` (the range, plus the sentinel line unless it ends the file) and ``skip`` (the layout's
    rows before the data in the first range, else none) are what Arrow reads;
    :meth:`checked` passes Arrow's record batches on without the sentinel, and fails when the range's
    rows are not its lines (see the module docstring).
    """

    def __init__(self, f: Path, layout: CsvLayout, start: int, end: int):
        n = end - start
        self.final = end >= f.stat().st_size
        sentinel = b"" if self.final else \
            (layout.delimiter.join([SENTINEL] * len(layout.names)) + "\n").encode(layout.encoding.replace("-sig", ""))
        buf = bytearray(n + len(sentinel))
        with open(f, "rb") as fh:
            fh.seek(start)
            if fh.readinto(memoryview(buf)[:n]) != n:
                raise ValueError(f"'{f}' changed while it was read")
        buf[n:] = sentinel
        self.skip = layout.skip if start == 0 else 0
        first = skipped_end(buf[: min(n, 1 << 20)], self.skip) if self.skip else 0
        if first is None:
            raise ValueError(f"'{f}': the header is not in the first range")
        self.lines = data_lines(buf, first, n)
        self.source = pa.BufferReader(pa.py_buffer(buf))

    def checked(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """The range's record batches (empty ones dropped), the sentinel row taken off the last."""
        held: pa.RecordBatch | None = None
        rows = 0
        for rb in batches:
            if rb.num_rows == 0:
                continue
            if held is not None:
                yield held
            held, rows = rb, rows + rb.num_rows
        if not self.final:
            if held is None or any(col[-1].as_py() != SENTINEL for col in held.columns):
                raise ValueError("a quoted value runs past the range's end")
            held, rows = held.slice(0, held.num_rows - 1), rows - 1
        if rows != self.lines:
            raise ValueError(f"{rows} rows in {self.lines} lines: a quoted value spans lines")
        if held is not None and held.num_rows:
            yield held
