"""Arrow IPC files for the local engine's own intermediate data (partition spills, chunk outputs).

They are written once and read once by this engine, so they are stored as Arrow's own format,
uncompressed: no encoding or compression on the way out, none on the way back (parquet with
compression cost the run several CPU seconds per million borrowers at each end). Each file is
written atomically (:func:`riskscore.io.atomic_path`): a temporary name in the same folder,
renamed when complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from riskscore.io import atomic_path

__all__ = ["arrow_schema", "read_arrow", "write_arrow"]


def write_arrow(path: Path, schema: pa.Schema, parts: Iterable[pa.Table]) -> list[list[int]]:
    """Write the tables ``parts`` one after the other into the Arrow IPC file ``path`` (atomically);
    returns the ``[first, stop)`` record batches of each part, for :func:`read_arrow`.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow as pa
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.arrow"
    >>> t = pa.table({"a": [1, 2, 3]})
    >>> write_arrow(f, t.schema, [t.slice(0, 2), t.slice(2)])
    [[0, 1], [1, 2]]
    >>> read_arrow(f, [1, 2])["a"].to_pylist()
    [3]
    """
    ranges = []
    # a Python file: a write error (a full disk) comes back as the OSError it is, naming ``path``
    with atomic_path(path) as tmp, open(tmp, "wb") as fh, pa.ipc.new_file(fh, schema) as writer:
        written = 0
        for part in parts:
            batches = part.to_batches()
            for batch in batches:
                writer.write_batch(batch)
            ranges.append([written, written + len(batches)])
            written += len(batches)
    return ranges


def read_arrow(path: Path, batches: list[int] | None = None) -> pa.Table:
    """The record batches ``[first, stop)`` of an Arrow IPC file (all of them by default), as one table."""
    with pa.OSFile(str(path)) as source:
        reader = pa.ipc.open_file(source)
        first, stop = batches if batches is not None else (0, reader.num_record_batches)
        return pa.Table.from_batches([reader.get_batch(i) for i in range(first, stop)], schema=reader.schema)


def arrow_schema(path: Path) -> pa.Schema:
    """The schema of an Arrow IPC file."""
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source).schema
