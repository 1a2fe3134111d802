"""Kinds of data file by name: the compressions of delimited text riskscore unpacks, and the formats it
does not read (named in the refusal, with the line that converts each). Below :mod:`riskscore._files`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from typing import IO, Any

import pyarrow as pa

__all__ = ["COMPRESSIONS", "LZ4_FRAME", "OtherCompression", "arrow_unpacks", "compressed", "compressions_named",
           "lz4_frame", "open_file", "other_format", "without_compression"]

#: Compressions of delimited text, told by the file's extension as Hadoop tells them: gzip (most unloads'
#: default), bzip2 and Zstandard (Redshift's ``UNLOAD ... BZIP2`` or ``ZSTD``, Snowflake's ``COMPRESSION =
#: BZ2`` or ``ZSTD``), and Hadoop's own codecs, which Hive (``hive.exec.compress.output``: ``000000_0.deflate``)
#: and Spark's text writers (``option("compression", "snappy")``: ``part-00000-....csv.snappy``) use:
#: ``.deflate`` (a zlib stream), ``.snappy`` and ``.lz4`` (Hadoop's blocks of Snappy or LZ4; an ``.lz4`` file
#: of LZ4's own frame format, as the ``lz4`` command writes, is read too).
COMPRESSIONS = (".gz", ".bz2", ".zst", ".deflate", ".snappy", ".lz4")
#: Those Arrow's CSV reader unpacks by itself from the file's name (it would take Hadoop's ``.lz4`` for
#: LZ4's frame format): the others are read through :func:`open_file`.
_ARROW_COMPRESSIONS = (".gz", ".bz2", ".zst")

#: Formats of data files riskscore does not read, with what each is and the line that converts it.
#: JSON is not read: its readers guess each column's type from its first rows, and a time such as
#: ``2025-06-15T02:30:00+08:00`` comes back without its offset (Arrow's), or a column of ids as numbers.
_OTHER_FORMATS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((".json", ".jsonl", ".ndjson"), "JSON, which riskscore does not read (JSON readers guess every column's type: "
     "times lose their offsets, ids become numbers); convert it to CSV or parquet with every column as text "
     "(pandas: read_json(path, lines=True, dtype=str, convert_dates=False))"),
    ((".avro",), "Avro, which riskscore does not read; write the table as parquet (Spark: "
     "spark.read.format('avro').load(path).write.parquet(folder))"),
    ((".feather", ".arrow", ".ipc", ".arrows"), "an Arrow IPC (Feather) file, which riskscore does not read; write it "
     "as parquet: pyarrow.parquet.write_table(pyarrow.feather.read_table(path), 'table.parquet')"),
    ((".sas7bdat", ".xpt"), "a SAS data set, which riskscore does not read; write it as parquet: "
     "pandas.read_sas(path).to_parquet('table.parquet') (dates stay dates), or export it as CSV from SAS"),
    ((".dta",), "a Stata data set, which riskscore does not read; write it as parquet: "
     "pandas.read_stata(path).to_parquet('table.parquet')"),
    ((".lzo", ".lzo_deflate"), "text compressed with LZO (Hadoop's LzopCodec or LzoCodec), which riskscore does "
     "not unpack; recompress it with gzip, or have Hive or Spark write gzip, Snappy or .deflate (Hive: SET "
     "mapreduce.output.fileoutputformat.compress.codec=org.apache.hadoop.io.compress.GzipCodec)"),
    ((".zip", ".7z", ".rar", ".tar", ".tgz"), "an archive, which riskscore does not open; unpack it and "
     "give the file or the folder inside"),
    ((".db", ".sqlite", ".sqlite3", ".duckdb", ".mdb", ".accdb"), "a database file, which riskscore does not open; "
     "export the table as parquet or CSV"),
)


def other_format(name: str) -> str | None:
    """What a data file that riskscore does not read is, and the line that converts it (by its name, any
    compression after it), or ``None``.

    Examples
    --------
    >>> other_format("contacts.jsonl.gz").split(",")[0]
    'JSON'
    >>> other_format("installments.csv") is None
    True
    """
    name = without_compression(name.lower())  # x.tar.gz: a .tar
    return next((what for ends, what in _OTHER_FORMATS if name.endswith(ends)), None)


def without_compression(name: str) -> str:
    """``name`` without its compression's extension, if any (:data:`COMPRESSIONS`; letter case kept).

    Examples
    --------
    >>> without_compression("000000_0.deflate"), without_compression("part-0.csv.GZ"), without_compression("a.csv")
    ('000000_0', 'part-0.csv', 'a.csv')
    """
    low = name.lower()
    return next((name[: -len(packed)] for packed in COMPRESSIONS if low.endswith(packed)), name)


def compressed(name: str | os.PathLike[str]) -> bool:
    """Whether a delimited text file is compressed, by its name (:data:`COMPRESSIONS`)."""
    return str(name).lower().endswith(COMPRESSIONS)


def arrow_unpacks(name: str | os.PathLike[str]) -> bool:
    """Whether Arrow's readers unpack the file by themselves (gzip, bzip2, Zstandard; not Hadoop's codecs)."""
    return str(name).lower().endswith(_ARROW_COMPRESSIONS)


def compressions_named() -> str:
    """The compressions' extensions as a message lists them.

    Examples
    --------
    >>> compressions_named()
    '.gz, .bz2, .zst, .deflate, .snappy or .lz4'
    """
    return ", ".join(COMPRESSIONS[:-1]) + " or " + COMPRESSIONS[-1]


#: The largest Hadoop block read (its writers use 256 KiB): a bigger length is damage, not a block.
_MAX_PIECE = 1 << 26
#: LZ4's frame format starts with these bytes (the ``lz4`` command's files; Hadoop's blocks do not).
LZ4_FRAME = b"\x04\x22\x4d\x18"
#: Snappy's framing format (``.sz``, python-snappy's streams) starts with its stream identifier.
_SNAPPY_FRAMED = b"\xff\x06\x00\x00sNaPpY"


class OtherCompression(OSError):
    """A compressed file in a format its extension's codec is not read in (Snappy's framing format in an
    ``.snappy`` file): the message says what it is and what to do; the file is not damaged."""


def lz4_frame(f: str | os.PathLike[str]) -> bool:
    """Whether a local ``.lz4`` file is in LZ4's frame format (the ``lz4`` command's), not Hadoop's blocks."""
    if not str(f).lower().endswith(".lz4"):
        return False
    with open(f, "rb") as fh:
        return fh.read(len(LZ4_FRAME)) == LZ4_FRAME


class _Unpacking(io.RawIOBase):
    """A read-only binary stream of the unpacked bytes of ``raw``, one piece at a time (``_unpack``)."""

    def __init__(self, raw: IO[bytes]):
        self._raw = raw
        self._pieces = self._unpack()
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._left = memoryview(piece)
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _unpack(self) -> Iterator[bytes]:
        raise NotImplementedError

    def _exactly(self, n: int) -> bytes:
        data = self._raw.read(n)
        if len(data) != n:
            raise EOFError("Compressed file ended before the end of its last block")
        return data


class _Inflating(_Unpacking):
    """Hadoop's ``DefaultCodec`` (``.deflate``): one zlib stream."""

    def _unpack(self) -> Iterator[bytes]:
        inflate = zlib.decompressobj()
        while not inflate.eof:  # small pieces: a look at the first line unpacks little (64 KiB in, 256 KiB out)
            packed = inflate.unconsumed_tail or self._raw.read(1 << 16)
            if not packed:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            yield inflate.decompress(packed, 1 << 18)


class _HadoopBlocks(_Unpacking):
    """Hadoop's ``BlockCompressorStream`` (``.snappy``, ``.lz4``): blocks of a 4-byte big-endian unpacked
    length, each of one or more chunks of a 4-byte packed length and that many bytes, unpacked by Arrow."""

    def __init__(self, raw: IO[bytes], codec: str):
        super().__init__(raw)
        self._codec = pa.Codec(codec)

    def _fits(self, chunk: bytes, size: int) -> bool:
        """Whether ``chunk`` unpacks into ``size`` bytes (LZ4 refuses a buffer too small for it)."""
        try:
            self._codec.decompress(chunk, decompressed_size=size)
        except (pa.ArrowException, OSError):
            return False
        return True

    def _size(self, chunk: bytes, left: int) -> int:
        """How many bytes ``chunk`` unpacks to, of the ``left`` its block still holds."""
        if self._codec.name != "snappy":  # an LZ4 chunk does not say: the block's rest, unless it fits in less
            if left <= 1 or not self._fits(chunk, left - 1):
                return left  # the usual case: one chunk a block
            low, high = 0, left - 1  # several chunks a block (a write longer than Hadoop's buffer): the least that fits
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (low, mid) if self._fits(chunk, mid) else (mid, high)
            return high
        size = shift = 0
        for byte in chunk[:5]:  # Snappy's preamble: the unpacked length, a little-endian varint
            size |= (byte & 0x7F) << shift
            if byte < 0x80:
                return size
            shift += 7
        raise OSError("invalid data stream: a Snappy chunk without its length")

    def _unpack(self) -> Iterator[bytes]:
        while head := self._raw.read(4):
            if len(head) < 4:
                raise EOFError("Compressed file ended before the end of its last block")
            left = int.from_bytes(head, "big")
            if left > _MAX_PIECE:  # Hadoop's blocks are 256 KiB (its buffer size): this is not one
                raise OSError(f"invalid data stream: a block of {left:,} bytes")
            while left > 0:
                chunk = self._exactly(int.from_bytes(self._exactly(4), "big"))
                size = self._size(chunk, left)
                if size > left:  # checked before Arrow allocates it
                    raise OSError("invalid data stream: a chunk unpacks to more than its block")
                left -= size
                yield self._codec.decompress(chunk, decompressed_size=size, asbytes=True)


def open_file(f: str | os.PathLike[str], mode: str = "rb", **text: Any) -> IO[Any]:
    """A delimited text file opened as :func:`open` opens it (``mode`` ``"rb"`` or ``"rt"`` with ``text``'s
    ``encoding``, ``newline``, ``errors``), its bytes unpacked when its name says it is compressed:
    gzip and bzip2 by Python's own modules, Zstandard by Arrow's (Python 3.11 has none), Hadoop's
    ``.deflate`` by zlib, its ``.snappy`` and ``.lz4`` blocks by Arrow's codecs, block by block.

    Examples
    --------
    >>> import tempfile, pathlib, bz2
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv.bz2"
    >>> _ = f.write_bytes(bz2.compress(b"borrower_id;loan_id\\nb1;l1\\n"))
    >>> with open_file(f, "rt", encoding="utf-8", newline="") as fh:
    ...     fh.readline()
    'borrower_id;loan_id\\n'
    """
    name = str(f).lower()
    if name.endswith(".gz"):
        return gzip.open(f, mode, **text)
    if name.endswith(".bz2"):
        return bz2.open(f, mode, **text)
    if name.endswith((".zst", ".deflate", ".snappy", ".lz4")):
        stream = _stream(f, name)
        return io.TextIOWrapper(stream, **text) if "t" in mode else stream  # type: ignore[arg-type]
    return open(f, mode, **text)  # the caller closes it


def _stream(f: str | os.PathLike[str], name: str) -> IO[bytes]:
    """The unpacked bytes of a Zstandard, ``.deflate``, ``.snappy`` or ``.lz4`` file, buffered."""
    if name.endswith(".zst"):
        return pa.input_stream(str(f), compression="zstd")  # type: ignore[return-value]
    raw = open(f, "rb")  # noqa: SIM115 - the stream returned closes it
    try:
        if name.endswith(".deflate"):
            return io.BufferedReader(_Inflating(raw), 1 << 20)
        head = raw.peek(len(_SNAPPY_FRAMED))[: len(_SNAPPY_FRAMED)]  # a frame format's magic, not Hadoop's blocks
        if name.endswith(".lz4") and head.startswith(LZ4_FRAME):
            raw.close()
            return pa.input_stream(str(f), compression="lz4")  # type: ignore[return-value]
        if head.startswith(_SNAPPY_FRAMED):
            raise OtherCompression("it is in Snappy's framing format, not Hadoop's Snappy blocks, which riskscore "
                                   "does not read: recompress it with gzip")
        return io.BufferedReader(_HadoopBlocks(raw, "snappy" if name.endswith(".snappy") else "lz4_raw"), 1 << 20)
    except BaseException:
        raw.close()
        raise
