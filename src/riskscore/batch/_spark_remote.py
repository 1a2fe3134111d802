"""Remote inputs of the Spark engine (``s3a://``, ``hdfs://``, ``abfss://`` ...), asked of Hadoop's file system.

A folder URL is listed as the local readers list a local folder, a file without an extension told by
its first bytes, a table format's folder refused, and a delimited text file's separator read from
its first line: what the local readers do with a file on the driver's disk, done through the JVM's
file system with as few reads as possible (object storage: one request per read). Spark Connect
has no JVM on the client: there each helper says it cannot tell, and Spark's own read decides.
"""

from __future__ import annotations

import zlib
from typing import Any

from riskscore._files import (
    LZ4_FRAME,
    TABLE_FORMATS,
    bom_encoding,
    compressed,
    content_kind,
    delimiter_of,
    excel_sep_line,
    name_kind,
    without_compression,
)
from riskscore.exceptions import DataError

__all__ = ["LZ4_FRAMES", "remote_delimiter", "remote_files", "remote_kind", "table_format"]

#: What an ``.lz4`` file of LZ4's frame format (the ``lz4`` command's) is to Spark, and the fix: Hadoop
#: reads every ``.lz4`` file as its own blocks.
LZ4_FRAMES = ("is in LZ4's frame format (Spark reads an .lz4 file as Hadoop's LZ4 blocks)", "recompress it with gzip")

#: Files of a folder looked at for a first line before ``,`` is assumed (empty parts of an unload).
_LOOKED_AT = 8
#: Bytes read for a first line: a header of hundreds of columns fits.
_HEAD_BYTES = 1 << 16


def remote_kind(spark: Any, f: str, sniffed: list[str | None]) -> str | None:
    """The kind of a remote data file: by its name (``.parquet``, ``.orc``, ``.csv``...), or without an
    extension by its first bytes, read through Hadoop's file system: parquet's ``PAR1``, ORC's ``ORC``,
    Hive's text (a first line holding ``\\x01``); ``None`` when none of these. Only the first file
    without an extension is read (its kind kept in ``sniffed``): a Hive table's files are of one kind,
    and opening each of thousands of files on object storage would cost minutes."""
    name = f.rsplit("/", 1)[-1]
    if "." in without_compression(name):
        return name_kind(name)
    if not sniffed:  # the magic bytes, or the first line of a text file (compressed by Hive: unpacked): one read
        kind = content_kind(_first_line(spark, f)[0].encode() if compressed(name) else _remote_head(spark, f, 1 << 12))
        sniffed.append("hive text" if kind == "text" else None if compressed(name) else kind)
    return sniffed[0]


def _hadoop(spark: Any, p: str) -> tuple[Any, Any]:
    """Hadoop's ``Path`` of ``p`` and its file system, through the JVM (raises without one: Spark Connect)."""
    path = spark._jvm.org.apache.hadoop.fs.Path(p)
    return path, path.getFileSystem(spark._jsc.hadoopConfiguration())


def _remote_head(spark: Any, f: str, n: int) -> bytes:
    """Up to ``n`` first bytes of a remote file, read through Hadoop's file system in one call."""
    path, fs = _hadoop(spark, f)
    stream = fs.open(path)
    try:
        return bytes(stream.readNBytes(n))  # Java 11's InputStream.readNBytes: bytes, not a py4j call per byte
    finally:
        stream.close()


def remote_delimiter(spark: Any, files: list[str], table: str) -> str:
    """The field separator of a remote delimited text input, read from the first line of its first file
    that has one (of the first few: an unload's empty parts have none) as the local readers read a local
    file's (:func:`~riskscore._files.delimiter_of`); ``;``-, tab- and ``|``-separated files were read as
    one column. The parts of an unload share one layout, so one file stands for all: one read, not
    thousands (of a gzip or ``.deflate`` file its first bytes, unpacked; a bzip2, Zstandard, ``.snappy`` or
    ``.lz4`` file, whose first bytes cannot be unpacked alone, by Spark's text reader). A file in UTF-16
    or UTF-32, that starts with Excel's ``sep=`` line, or an ``.lz4`` file in LZ4's frame format (Hadoop
    reads its own blocks), is refused in one line (Spark reads none of them);
    ``,`` where Hadoop's file system cannot be asked (Spark Connect)."""
    for f in files[:_LOOKED_AT]:
        try:
            frames = f.lower().endswith(".lz4") and _remote_head(spark, f, len(LZ4_FRAME)) == LZ4_FRAME
            line, encoding = ("", "utf-8-sig") if frames else _first_line(spark, f)
        except Exception:  # no JVM (Spark Connect), a file Hadoop cannot open: Spark's own read says what fails
            return ","
        what = (LZ4_FRAMES[0] if frames else f"is CSV text in {encoding}" if encoding != "utf-8-sig" else
                "starts with a sep= line" if excel_sep_line(line) else None)
        if what is not None:
            fix = LZ4_FRAMES[1] if frames else "convert it to UTF-8 without that line (iconv -f ENCODING -t UTF-8)"
            raise DataError.from_message(
                table, f"the {table} input '{f}' {what}, which Spark does not read: {fix}, or give a copy on the "
                       "driver's disk")
        if line.strip():
            return delimiter_of(line)
    return ","


def _first_line(spark: Any, f: str) -> tuple[str, str]:
    """The first line of the remote text file ``f`` and the encoding its byte-order mark says."""
    name = f.lower()
    if compressed(name) and not name.endswith((".gz", ".deflate")):  # blocks that cannot be unpacked from a head
        rows = spark.read.text(f).limit(1).collect()
        return (rows[0][0] if rows else ""), "utf-8-sig"
    head = _remote_head(spark, f, _HEAD_BYTES)
    if compressed(name):  # the first of its bytes, unpacked (gzip's or zlib's header): a header line is at its start
        head = zlib.decompressobj(16 + zlib.MAX_WBITS if name.endswith(".gz") else zlib.MAX_WBITS).decompress(
            head, _HEAD_BYTES)
    return head.split(b"\n", 1)[0].decode("utf-8", "replace"), bom_encoding(head)


def table_format(spark: Any, p: str) -> str | None:
    """What table format the remote folder ``p`` is (a Delta Lake or Hudi table, by its log folder), or
    ``None``: Spark reads such a folder's parquet files as one table, removed ones too. Asked of Hadoop's
    file system through the JVM; ``None`` where there is none (Spark Connect) or it cannot tell."""
    try:
        folder, fs = _hadoop(spark, p)
        return next((what for log, what in TABLE_FORMATS.items()
                     if fs.exists(spark._jvm.org.apache.hadoop.fs.Path(folder, log))), None)
    except Exception:  # no JVM (Spark Connect), a path Hadoop cannot ask: Spark's own read says what fails
        return None


def remote_files(spark: Any, p: str) -> list[str] | None:
    """The data files under the remote folder ``p`` in the order of their paths, those named ``_`` or ``.``
    (in any folder under it) left out as the local readers leave them out; ``None`` when ``p`` is not a
    folder, or Hadoop's file system cannot be asked (Spark Connect: no JVM)."""
    try:
        folder, fs = _hadoop(spark, p)
        if not fs.getFileStatus(folder).isDirectory():
            return None
        root = fs.makeQualified(folder).toString().rstrip("/") + "/"
        files, it = [], fs.listFiles(folder, True)
        while it.hasNext():
            name = it.next().getPath().toString()
            if not any(part.startswith(("_", ".")) for part in name.removeprefix(root).split("/")):
                files.append(name)
        return sorted(files)
    except Exception:  # no JVM (Spark Connect), a path Hadoop cannot ask: Spark's own read says what fails
        return None


