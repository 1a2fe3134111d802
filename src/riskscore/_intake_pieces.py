"""One piece of an input read as :func:`riskscore._intake.iter_batches` reads the whole input.

A piece is some row groups of one parquet file of the input, or a byte range of a CSV cut at line
ends (:mod:`riskscore._csv_ranges`): another process reads it while this one reads the next, with
the same reader options and the same conversions (:func:`riskscore._conform.conform`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from riskscore._conform import conform, dates_as_text
from riskscore._files import reading_errors, reraise, unreadable
from riskscore._input_format import InputFormat
from riskscore._intake import _raw_batches, input_schema
from riskscore._numbers import number_spec

__all__ = ["iter_piece"]


def iter_piece(path: str | os.PathLike[str], file: str | os.PathLike[str], *, row_groups: list[int] | None = None,
               byte_range: tuple[int, int] | None = None, batch_rows: int = 1_000_000, table: str | None = None,
               rename: Mapping[str, str] | None = None, date_format: str | Mapping[str, str] | None = None,
               number_format: str | None = None, encoding: str | None = None,
               values: Mapping[str, Mapping[str, str]] | None = None,
               schema: pa.Schema | None = None, header: Sequence[str] | None = None) -> Iterator[pa.Table]:
    """:func:`~riskscore._intake.iter_batches` of one piece of the input ``path`` only, in the whole
    input's schema: the row groups ``row_groups`` of its parquet file ``file``, or the bytes
    ``byte_range`` of its CSV file ``file`` (all of it without a range).

    ``schema`` is the input's :func:`~riskscore._intake.input_schema` (with the same ``table``,
    ``rename``, ``encoding`` and ``header``) when the caller has it: a folder's every file is read for it
    otherwise, once per piece.

    A CSV range whose rows may not be the whole file's rows there (a quoted value that spans lines)
    raises :class:`ValueError`: read the file in one stream, which reads it as it always has.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b"\\xef\\xbb\\xbfborrower_id,amount\\n007,NA\\n\\n008,1\\n")
    >>> [t.to_pylist() for t in iter_piece(f, f, byte_range=(0, 29))]
    [[{'borrower_id': '007', 'amount': None}]]
    >>> [t.to_pylist() for t in iter_piece(f, f, byte_range=(29, 36))]
    [[{'borrower_id': '008', 'amount': '1'}]]
    """
    rename = dict(rename or {})
    dates = InputFormat(date_format=date_format).date_formats(table) if date_format is not None else {}
    numbers = number_spec(number_format)
    if schema is None:
        schema = input_schema(path, None, table=table, rename=rename, encoding=encoding, header=header)
    schema = dates_as_text(schema, table, dates)
    f = Path(file)
    try:
        for batch in _raw_batches(f, batch_rows, schema.names, rename, table, row_groups, encoding,
                                  None if byte_range is None else (int(byte_range[0]), int(byte_range[1])), header):
            yield conform(batch, schema, f, table, dates, numbers, values)
    except reading_errors() as err:
        if reraise(err):
            raise
        raise unreadable(f, err, table, encoding) from None
