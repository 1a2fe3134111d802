"""Reading and writing tables: parquet (file or folder), CSV, input streams, and atomic writes.

Inputs are a parquet file, a folder of parquet files (read in sorted path order), or a CSV
file (``.csv``, or compressed: ``.csv.gz``, ``.csv.bz2``, ``.csv.zst``, Hadoop's ``.csv.deflate``,
``.csv.snappy``, ``.csv.lz4``; streamed with every column as text: the contracts parse the values,
so a CSV and a parquet file of the same rows give the same tables); ids come out as text, exactly.
The readers (:func:`read_table`, :func:`iter_batches`, :func:`input_schema`, :func:`input_files`)
live in ``riskscore._intake`` and are documented there; :class:`InputFormat` (an extract's own
column names and date formats) in ``riskscore._input_format``.

Only this module, the model bundle, the batch job, the CLI and ``report.write_html`` touch the
filesystem. Writes go to a temporary file in the target folder (``.NAME.PID.tmp``) and are renamed
into place, so a reader (or a re-run after a crash) never sees half a file; a failed write removes
its temporary and raises an :class:`OSError` that names the file. A job that writes a folder
holds its lock (:func:`folder_lock`), and :func:`remove_stale_temporaries` clears what killed
writers left behind.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import json
import os
import re
import socket
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskscore._files import TEXT_EXTENSIONS
from riskscore._intake import InputFormat, input_files, input_schema, iter_batches, read_table
from riskscore.exceptions import RunLockedError

__all__ = ["ARROW_SCHEMAS", "LOCK_FILE", "InputFormat", "atomic_parquet_writer", "atomic_path", "find_input",
           "fingerprint", "folder_lock",
           "input_files", "input_schema", "iter_batches", "make_folder", "read_bytes_limited", "read_table",
           "remove_stale_temporaries", "sha256_file", "write_parquet", "write_text"]

#: The lock file a job holds in the folder it writes (:func:`folder_lock`).
LOCK_FILE = ".riskscore.lock"
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")

#: Storage types of the contract tables: dates as date32, contact times as UTC microseconds.
ARROW_SCHEMAS: dict[str, pa.Schema] = {
    "installments": pa.schema([
        ("borrower_id", pa.string()), ("loan_id", pa.string()), ("installment_no", pa.int64()),
        ("due_date", pa.date32()), ("amount_due", pa.float64()), ("paid_date", pa.date32()),
        ("amount_paid", pa.float64()),
    ]),
    "contacts": pa.schema([
        ("borrower_id", pa.string()), ("contacted_at", pa.timestamp("us", tz="UTC")),
        ("channel", pa.string()), ("outcome", pa.string()),
    ]),
}


def find_input(folder: str | os.PathLike[str], table: str) -> Path | None:
    """The input of ``table`` in a data folder: the first of ``TABLE.parquet``, ``TABLE.orc``, ``TABLE.csv``,
    ``TABLE.tsv`` or ``TABLE.txt`` (plain or compressed: ``.gz``, ``.bz2``, ``.zst``, ``.deflate``, ``.snappy``,
    ``.lz4``) and a folder ``TABLE/`` of parts that is there; ``None`` when none is (what ``--data DIR`` finds).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "installments.csv.zst").write_bytes(b"")
    >>> find_input(folder, "installments").name, find_input(folder, "contacts")
    ('installments.csv.zst', None)
    """
    kinds = (".parquet", ".orc", *TEXT_EXTENSIONS, "")  # "": a folder of parts
    return next((f for f in (Path(folder) / f"{table}{ext}" for ext in kinds) if f.exists()), None)


def _temporary(target: Path) -> Path:
    """The temporary name of ``target`` for this process: ``.NAME.PID.tmp`` beside it."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _clear_stale(target: Path) -> None:
    """Remove the temporaries of ``target`` that killed writers left beside it (their process is gone)."""
    with contextlib.suppress(OSError):  # tidying only: the file itself is written
        for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            match = _TEMPORARY.match(tmp.name)
            if match and match["name"] == target.name and not _alive(int(match["pid"])):
                tmp.unlink(missing_ok=True)


def _cannot(err: OSError, doing: str, path: Path) -> OSError:
    """``err`` as an :class:`OSError` (same errno, so the same subclass) that names ``path`` and what failed."""
    reason = err.strerror or str(err) or type(err).__name__
    if err.errno is None:
        return OSError(f"{doing} '{path}': {reason}")
    return OSError(err.errno, f"{doing} '{path}': {reason}", str(path))


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; it becomes ``path`` only when the block exits cleanly.

    The temporary is ``.NAME.PID.tmp`` beside ``path`` (in a folder made if need be); those that
    killed writers left behind are removed once the file is in place.

    Raises
    ------
    OSError
        When the file cannot be written (a full disk, a read-only folder): same ``errno``, a
        message that names ``path``; nothing is left behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskscore.io import atomic_path
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_bytes(b"done")
    >>> target.read_bytes(), tmp.exists()
    (b'done', False)
    """
    target = Path(path)
    make_folder(target.parent)
    tmp = _temporary(target)
    try:
        yield tmp
        os.replace(tmp, target)
        _clear_stale(target)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError) and str(target) not in str(err):
            raise _cannot(err, "cannot write", target) from err
        raise


@contextmanager
def atomic_parquet_writer(path: str | os.PathLike[str], schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
    """A ``ParquetWriter`` whose file appears at ``path`` only when the block exits cleanly.

    Temporaries of the same file that killed writers left behind are removed once it is written.

    Raises
    ------
    OSError
        When the folder cannot be created or the file cannot be written (a full disk, a
        read-only folder): same ``errno``, a message that names ``path``; nothing is left behind.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow as pa
    >>> from riskscore.io import atomic_parquet_writer
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.parquet"
    >>> schema = pa.schema([("a", pa.int64())])
    >>> with atomic_parquet_writer(target, schema) as w:
    ...     w.write_table(pa.table({"a": [1]}, schema=schema))
    >>> target.exists()
    True
    """
    with atomic_path(path) as tmp:
        writer = pq.ParquetWriter(tmp, schema, compression="zstd")
        try:
            yield writer
        except BaseException:
            with contextlib.suppress(OSError):  # a full disk fails the footer too: report the first error
                writer.close()
            raise
        writer.close()


def write_parquet(df: pd.DataFrame, path: str | os.PathLike[str], schema: pa.Schema | None = None) -> None:
    """Write ``df`` to ``path`` atomically (temporary file, then rename)."""
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    with atomic_parquet_writer(path, table.schema) as writer:
        writer.write_table(table)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, then rename).

    Temporaries of the same file that killed writers left behind are removed once it is written.

    Raises
    ------
    OSError
        When the file cannot be written: same ``errno``, a message that names ``path``; the
        temporary file is removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> write_text(target, "{}")
    >>> target.read_text()
    '{}'
    """
    target = Path(path)
    tmp = _temporary(target)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
        _clear_stale(target)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _cannot(err, "cannot write", target) from err
        raise


def make_folder(path: str | os.PathLike[str]) -> Path:
    """Create a folder (and its parents) unless it exists; returns it as a ``Path``.

    Raises
    ------
    NotADirectoryError
        When ``path`` (or a parent) exists and is not a folder.
    OSError
        When the folder cannot be created (a read-only file system, no permission); the
        message names it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskscore.io import make_folder
    >>> make_folder(pathlib.Path(tempfile.mkdtemp()) / "a" / "b").is_dir()
    True
    """
    folder = Path(path)
    if folder.is_dir():
        return folder
    if folder.exists():
        raise NotADirectoryError(errno.ENOTDIR, f"'{folder}' is a file, not a folder", str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _cannot(err, "cannot create the folder", folder) from err
    return folder


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike[str], owned: tuple[str, ...] = ()) -> list[Path]:
    """Remove the temporary files (``.NAME.PID.tmp``) that killed writers left in ``folder``.

    A temporary is stale when no process with its PID runs any more. The temporaries of the
    names in ``owned`` are removed whatever their PID: the caller holds the folder's lock
    (:func:`folder_lock`) and is the only writer of those names.

    Parameters
    ----------
    folder : path-like
        The folder (not its subfolders).
    owned : tuple of str, optional
        File names whose temporaries only the caller writes.

    Returns
    -------
    list of Path
        The files removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskscore.io import remove_stale_temporaries
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".report.html.999999999.tmp").write_text("half a page")
    >>> [p.name for p in remove_stale_temporaries(folder)]
    ['.report.html.999999999.tmp']
    """
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for tmp in folder.glob(".*.tmp"):
        match = _TEMPORARY.match(tmp.name)
        if match and (match["name"] in owned or not _alive(int(match["pid"]))):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


#: Locks this process holds: resolved folder -> [file descriptor, depth].
_HELD: dict[str, list[int]] = {}


def _holder(lock: Path) -> str:
    """Who holds a lock, from what the holder wrote into the lock file (it may be writing it still)."""
    for _ in range(20):
        try:
            info = json.loads(lock.read_text(encoding="utf-8"))
            return f"{info['what']} (pid {info['pid']} on {info['host']}, started {info['started']})"
        except (OSError, ValueError, KeyError, TypeError):
            time.sleep(0.05)
    return "another process (it did not say which)"


@contextmanager
def folder_lock(folder: str | os.PathLike[str], what: str = "riskscore job") -> Iterator[Path]:
    """Hold the lock of a folder a job writes (``FOLDER/.riskscore.lock``), or refuse at once.

    The lock is an ``flock`` on the lock file: the system releases it when the holder exits,
    however it dies (even ``kill -9``), so a lock is never stale and the file is never
    removed. The holder writes its process id, host and start time into the file for the
    message of whoever is refused. Re-entrant within a process. Where ``fcntl`` does not exist
    (Windows) nothing is locked.

    Parameters
    ----------
    folder : path-like
        An existing folder.
    what : str, default "riskscore job"
        How this process describes itself in the lock file (for the message of whoever is refused).

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    riskscore.exceptions.RunLockedError
        When another process holds the lock; the message names it (what, pid, host, start time).

    Examples
    --------
    >>> import tempfile
    >>> from riskscore.io import folder_lock
    >>> with folder_lock(tempfile.mkdtemp()) as lock:
    ...     lock.name
    '.riskscore.lock'
    """
    lock = Path(folder) / LOCK_FILE
    key = str(Path(folder).resolve())
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield lock
        return
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield lock
        finally:
            _HELD[key][1] -= 1
        return
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise _cannot(err, "cannot create the lock file", lock) from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(f"'{folder}' is being written by {_holder(lock)}; wait for it to end or choose "
                                 "another output folder.") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "what": what}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        _HELD[key] = [fd, 1]
        try:
            yield lock
        finally:
            del _HELD[key]
    finally:
        os.close(fd)  # releases the lock


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(path: str | Path) -> dict[str, object]:
    """Sizes and SHA-256 of an input's files, and one SHA-256 over all of them (the run key uses it).

    Paths are absolute (as the user named them, links kept), so that a run's manifest finds its
    inputs again from any working directory (``riskscore report`` re-reads them).
    """
    path = Path(path).absolute()
    files = input_files(path)
    entries = [{"file": str(f), "bytes": f.stat().st_size, "sha256": sha256_file(f)} for f in files]
    combined = hashlib.sha256("".join(e["sha256"] for e in entries).encode()).hexdigest()
    return {"path": str(path), "bytes": sum(e["bytes"] for e in entries), "sha256": combined, "files": entries}


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):g} {unit}"
    return f"{n} bytes"


def read_bytes_limited(path: str | os.PathLike[str], max_bytes: int, *,
                       within: str | os.PathLike[str] | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, refusing anything else without waiting.

    For files a user hands over as part of something trusted (a model bundle): the file is
    opened once, without following a symbolic link (``O_NOFOLLOW``) and without blocking on a
    FIFO (``O_NONBLOCK``), then checked on the open descriptor (``fstat``: a regular file, not
    larger than ``max_bytes``), so it cannot be swapped between the check and the read. A read
    stops after ``max_bytes + 1`` bytes whatever the file claims, so a device or a file that
    keeps growing cannot make it run forever or fill the memory.

    Parameters
    ----------
    path : path-like
        The file.
    max_bytes : int
        The largest size accepted.
    within : path-like, optional
        A folder the file must be directly or indirectly inside (compared after resolving
        both, so a folder reached through a link still counts as itself).

    Returns
    -------
    bytes
        The whole content.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The file is a symbolic link, not a regular file (a folder, a FIFO, a device), larger than
        ``max_bytes``, or outside ``within``. The message names the file and what is wrong.

    Examples
    --------
    >>> import os, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "a.json").write_bytes(b"{}")
    2
    >>> read_bytes_limited(folder / "a.json", 1024, within=folder)
    b'{}'
    >>> os.symlink(folder / "a.json", folder / "b.json")
    >>> read_bytes_limited(folder / "b.json", 1024)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: '...b.json' is a symbolic link; only regular files are read, never a link.
    >>> read_bytes_limited(folder / "a.json", 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: '...a.json' is larger than the 1 bytes allowed (2 bytes).
    """
    file = Path(path)
    if within is not None:
        root, parent = Path(within).resolve(), file.parent.resolve()
        if file.name in ("", ".", "..") or not parent.is_relative_to(root):
            raise ValueError(f"'{file}' is outside '{within}'; only files inside it are read.")
    fd = _open_no_follow(file)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"'{file}' is {_kind(info.st_mode)}, not a regular file.")
        raise ValueError(f"'{file}' is larger than the {_size(max_bytes)} allowed ({_size(info.st_size)}).")
    with os.fdopen(fd, "rb", buffering=0) as fh:
        data = fh.read(max_bytes + 1)  # a raw read may return less: finish it, never past max_bytes + 1
        while data and len(data) <= max_bytes and (more := fh.read(max_bytes + 1 - len(data))):
            data += more
    if len(data) > max_bytes:
        raise ValueError(f"'{file}' grew past the {_size(max_bytes)} allowed while it was read.")
    return data


def _open_no_follow(file: Path) -> int:
    """A read-only descriptor of ``file`` that follows no link and never blocks on a FIFO."""
    link = f"'{file}' is a symbolic link; only regular files are read, never a link."
    try:
        if stat.S_ISLNK(os.lstat(file).st_mode):  # O_NOFOLLOW refuses it too; this names the reason everywhere
            raise ValueError(link)
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        return os.open(file, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                       | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError as err:
        raise FileNotFoundError(f"'{file}' does not exist.") from err
    except OSError as err:
        if err.errno == errno.ELOOP:  # replaced by a link between lstat and open
            raise ValueError(link) from err
        raise


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "a special file"
