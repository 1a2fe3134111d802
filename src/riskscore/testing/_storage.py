"""How a corrupted world is stored: layouts (parquet, folders of parts with mixed column types,
CSV with a byte-order mark, latin-1, CRLF, quoted fields, compressed as warehouses and Hadoop write
it), damage to a written file, and the writers that record every row's borrower id as written."""

from __future__ import annotations

import bz2
import csv
import datetime as dt
import gzip
import io
import itertools
import math
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

__all__ = ["COMPRESSIONS", "TABLES", "Damage", "IdText", "Layout", "Tables", "WrittenInputs", "cell_text", "compress",
           "damages", "layouts", "write_tables"]

Tables = dict[str, pd.DataFrame]
#: The text (or texts: ``{"12", "12.0"}`` for a float id) a row's borrower id has in its file;
#: ``None`` for a missing id.
IdText = frozenset[str] | None
TABLES = ("installments", "borrowers", "contacts")

#: The compressions :func:`compress` writes (those riskscore reads): ``""`` for none.
COMPRESSIONS = ("", ".gz", ".bz2", ".zst", ".deflate", ".snappy", ".lz4")


def compress(data: bytes, compression: str, *, block: int = 1 << 18, chunks: int = 1) -> bytes:
    """``data`` compressed as the tools that write each compression write it: gzip, bzip2 and Zstandard
    files; Hadoop's ``.deflate`` (one zlib stream) and its ``.snappy`` and ``.lz4`` (Hadoop's
    ``BlockCompressorStream``: blocks of ``block`` bytes, each a 4-byte big-endian length then ``chunks``
    chunks of a 4-byte packed length and the packed bytes; Hadoop writes one chunk a block, more when
    one write is longer than its buffer).

    Examples
    --------
    >>> from riskscore.testing import compress
    >>> packed = compress(b"borrower_id\\nb1\\n", ".snappy")
    >>> int.from_bytes(packed[:4], "big")  # the block's unpacked length
    15
    """
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {COMPRESSIONS}, got {compression!r}.")
    if compression in ("", ".gz", ".bz2", ".deflate"):
        return {"": bytes, ".gz": lambda b: gzip.compress(b, mtime=0), ".bz2": bz2.compress,
                ".deflate": zlib.compress}[compression](data)
    if compression == ".zst":
        return pa.Codec("zstd").compress(data, asbytes=True)
    packer, out = pa.Codec("snappy" if compression == ".snappy" else "lz4_raw"), bytearray()
    for start in range(0, len(data), block):
        piece = data[start:start + block]
        out += len(piece).to_bytes(4, "big")
        step = -(-len(piece) // chunks)
        for i in range(0, len(piece), step):
            packed = packer.compress(piece[i:i + step], asbytes=True)
            out += len(packed).to_bytes(4, "big") + packed
    return bytes(out)


@dataclass(frozen=True)
class Layout:
    """How one table is stored.

    ``fmt`` is ``parquet`` (one file), ``parts`` (a folder of ``parts`` parquet files; with
    ``mix``, the columns named there are stored with another type in the second part) or ``csv``
    (``encoding`` ``utf-8``, ``utf-8-sig`` (a byte-order mark) or ``latin-1``; ``newline``;
    ``quote_all``; ``compression``, one of :data:`COMPRESSIONS` (:func:`compress`); ``gzip``, as
    riskscore 0.1 said ``compression=".gz"``).
    """

    fmt: str = "parquet"
    parts: int = 1
    mix: tuple[tuple[str, str], ...] = ()
    encoding: str = "utf-8"
    newline: str = "\n"
    quote_all: bool = False
    gzip: bool = False
    compression: str = ""

    def packing(self) -> str:
        """The CSV file's compression (``gzip`` as ``.gz``)."""
        return ".gz" if self.gzip and not self.compression else self.compression

    def suffix(self) -> str:
        if self.fmt == "parts":
            return ""
        if self.fmt == "csv":
            return ".csv" + self.packing()
        return ".parquet"


@dataclass(frozen=True)
class Damage:
    """Damage to the file of ``table`` after it is written: ``truncate`` (keep ``amount`` of it),
    ``flip`` (``int(amount)`` bytes at positions drawn with ``seed``) or ``empty``."""

    table: str
    kind: str
    amount: float = 0.5
    seed: int = 0


@dataclass
class WrittenInputs:
    """What :func:`write_variant` wrote.

    Attributes
    ----------
    paths : dict
        Table name -> the file or folder to give the run.
    ids : dict
        Table name -> one :data:`IdText` per row, in the order a reader meets the rows.
    trusted : dict
        Table name -> whether the file holds exactly those rows (``False`` once damaged).
    """

    paths: dict[str, Path]
    ids: dict[str, list[IdText]]
    trusted: dict[str, bool]

    @property
    def borrower_ids(self) -> set[str]:
        """Every id text of every table (what a run may report, nothing else)."""
        return {x for rows in self.ids.values() for texts in rows if texts for x in texts}


# -- layouts --------------------------------------------------------------------------------------
_MIXES = {
    "installments": (("amount_due", "string"), ("installment_no", "double"), ("due_date", "timestamp"),
                     ("borrower_id", "large_string"), ("borrower_id", "dictionary"), ("amount_paid", "int"),
                     ("paid_date", "string"), ("loan_id", "int")),
    "borrowers": (("deceased", "string"), ("borrower_id", "large_string")),
    "contacts": (("contacted_at", "string"), ("contacted_at", "naive"), ("borrower_id", "dictionary")),
}


def layouts(table: str, kinds: Sequence[str] = ("parquet", "parts", "csv")) -> st.SearchStrategy[Layout]:
    """How a table is stored: parquet, a folder of parts (perhaps with mixed column types), or CSV."""
    csv_layout = st.builds(Layout, fmt=st.just("csv"), encoding=st.sampled_from(("utf-8", "utf-8-sig", "latin-1")),
                           newline=st.sampled_from(("\n", "\r\n")), quote_all=st.booleans(),
                           compression=st.sampled_from(COMPRESSIONS))
    parts = st.builds(Layout, fmt=st.just("parts"), parts=st.integers(2, 3),
                      mix=st.lists(st.sampled_from(_MIXES[table]), max_size=2, unique_by=lambda m: m[0]).map(tuple))
    options = {"parquet": st.just(Layout()), "parts": parts, "csv": csv_layout}
    return st.one_of(*(options[k] for k in kinds))


def damages(tables: Sequence[str]) -> st.SearchStrategy[Damage]:
    """Damage to one written file: truncated, a few flipped bytes, or empty."""
    return st.builds(Damage, table=st.sampled_from(tuple(tables)), kind=st.sampled_from(("truncate", "flip", "empty")),
                     amount=st.sampled_from((0.1, 0.5, 0.9, 1.0, 3.0, 20.0)), seed=st.integers(0, 2**16))


# -- writing --------------------------------------------------------------------------------------
def cell_text(v: object) -> str:
    """A value as CSV text (and as the text of a mixed column in parquet)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return str(v)


def _kind(v: object) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, dt.datetime):
        return "aware" if v.tzinfo is not None else "naive"
    if isinstance(v, dt.date):
        return "date"
    return {int: "int", float: "float", str: "str"}.get(type(v), "other")


def _arrow(values: list[object]) -> pa.Array:
    """One column as Arrow: its one Python type, ints and floats as double, dates with times as
    timestamps; any other mix as text (as a spreadsheet export would store it)."""
    kinds = {_kind(v) for v in values if v is not None}
    if kinds == {"date", "naive"}:
        values = [dt.datetime(v.year, v.month, v.day) if _kind(v) == "date" else v for v in values]
        kinds = {"naive"}
    if kinds == {"int", "float"}:
        values = [float(v) if isinstance(v, int) else v for v in values]
        kinds = {"float"}
    if len(kinds) <= 1 and kinds != {"other"}:
        if kinds == {"aware"} and len({v.tzinfo for v in values if v is not None}) > 1:
            values = [None if v is None else v.astimezone(dt.UTC) for v in values]
        try:
            return pa.array(values, from_pandas=False) if kinds else pa.nulls(len(values), pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass
    return pa.array([None if v is None else cell_text(v) for v in values], pa.string())


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    if not len(df):  # no values to tell the types: store the contract's types, as an export would
        return pa.table({str(c): pa.array([], _ZERO_ROW_TYPES.get(str(c), pa.string())) for c in df.columns})
    return pa.table({str(c): _arrow(df[c].tolist()) for c in df.columns}) if len(df.columns) else pa.table({})


_ZERO_ROW_TYPES = {
    "installment_no": pa.int64(), "due_date": pa.date32(), "paid_date": pa.date32(), "amount_due": pa.float64(),
    "amount_paid": pa.float64(), "contacted_at": pa.timestamp("us", tz="UTC"),
    **dict.fromkeys(("do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable",
                     "hardship_declared"), pa.bool_()),
}


_MIX_TYPES = {"string": pa.string(), "double": pa.float64(), "large_string": pa.large_string(),
              "int": pa.int64(), "timestamp": pa.timestamp("ns")}


def _mixed(table: pa.Table, mix: tuple[tuple[str, str], ...]) -> pa.Table:
    for col, kind in mix:
        if col not in table.column_names:
            continue
        i = table.column_names.index(col)
        arr = table.column(i)
        try:
            if kind == "dictionary":
                new = arr.dictionary_encode()
            elif kind == "naive":
                new = arr.cast(pa.timestamp("us"))
            elif kind in ("string", "large_string"):
                new = pa.chunked_array([pa.array([None if v is None else cell_text(v) for v in arr.to_pylist()],
                                                 _MIX_TYPES[kind])])
            else:
                new = arr.cast(_MIX_TYPES[kind], safe=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            continue
        table = table.set_column(i, col, new)
    return table


def _id_texts_arrow(arr: pa.ChunkedArray | pa.Array) -> list[IdText]:
    out: list[IdText] = []
    for v in arr.to_pylist():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, float):
            out.append(frozenset({repr(v), str(int(v))} if v.is_integer() else {repr(v)}))
        else:
            out.append(frozenset({cell_text(v)}))
    return out


def _write_parquet(df: pd.DataFrame, path: Path, layout: Layout) -> list[IdText]:
    table = _arrow_table(df)
    if layout.fmt == "parts":
        path.mkdir(parents=True)
        bounds = [round(len(df) * i / layout.parts) for i in range(layout.parts + 1)]
        pieces = [table.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
        pieces = [p if i != 1 else _mixed(p, layout.mix) for i, p in enumerate(pieces)]
        for i, piece in enumerate(pieces):
            pq.write_table(piece, path / f"part-{i:03d}.parquet")
        ids = [_id_texts_arrow(p.column("borrower_id").cast(pa.string()) if _is_dict(p) else p.column("borrower_id"))
               for p in pieces if "borrower_id" in p.column_names]
        return [x for part in ids for x in part]
    pq.write_table(table, path)
    return _id_texts_arrow(table.column("borrower_id")) if "borrower_id" in table.column_names else []


def _is_dict(piece: pa.Table) -> bool:
    return pa.types.is_dictionary(piece.schema.field("borrower_id").type)


def _write_csv(df: pd.DataFrame, path: Path, layout: Layout) -> list[IdText]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=layout.newline,
                        quoting=csv.QUOTE_ALL if layout.quote_all else csv.QUOTE_MINIMAL)
    writer.writerow([str(c) for c in df.columns])
    rows = [[cell_text(v) for v in row] for row in df.itertuples(index=False, name=None)]
    writer.writerows(rows)
    try:
        data = buf.getvalue().encode(layout.encoding)
    except UnicodeEncodeError:  # text latin-1 cannot hold: the extract would be UTF-8
        data = buf.getvalue().encode("utf-8")
    path.write_bytes(compress(data, layout.packing()))
    if "borrower_id" not in df.columns:
        return []
    i = list(df.columns).index("borrower_id")
    return [frozenset({r[i]}) if r[i] != "" else None for r in rows]


def _damage(path: Path, damage: Damage) -> None:
    files = sorted(path.glob("*")) if path.is_dir() else [path]
    target = files[damage.seed % len(files)] if files else None
    if target is None:
        return
    data = bytearray(target.read_bytes())
    if damage.kind == "empty":
        data = bytearray()
    elif damage.kind == "truncate":
        data = data[: int(len(data) * min(damage.amount, 0.95))]
    else:
        rng = random.Random(damage.seed)
        for _ in range(max(1, int(damage.amount))):
            if data:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    target.write_bytes(bytes(data))


def write_tables(tables: Tables, names: Sequence[str], layout: dict[str, Layout], damage: Damage | None,
                 folder: Path) -> WrittenInputs:
    """Write the tables ``names`` of ``tables`` into ``folder`` as ``layout`` says, then ``damage`` one."""
    paths, ids, trusted = {}, {}, {}
    for name in names:
        lay = layout.get(name, Layout())
        path = folder / f"{name}{lay.suffix()}"
        writer = _write_csv if lay.fmt == "csv" else _write_parquet
        ids[name] = writer(tables[name], path, lay)
        paths[name] = path
        trusted[name] = "borrower_id" in tables[name].columns
        if damage is not None and damage.table == name:
            _damage(path, damage)
            trusted[name] = False
    return WrittenInputs(paths=paths, ids=ids, trusted=trusted)
