"""hypothesis strategies that corrupt a valid world on disk, the way real extracts go wrong.

A *variant* of a world is a list of corruptions of its tables (:class:`Op`: types, values,
dates, ids, rows, empties), the way each table is stored (:class:`Layout`: parquet, a folder of
parquet parts whose column types differ, CSV with a byte-order mark, latin-1, CRLF, quoted
fields or gzip) and, sometimes, damage to one file (truncated, flipped bytes, empty).
:func:`write_variant` writes it and records, for every row of every table, the borrower id
*as written in the file* (:class:`WrittenInputs`), so that a run's outputs can be checked
against it (:func:`riskscore.testing.assert_run_laws`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from hypothesis import strategies as st

from riskscore.testing._storage import (
    TABLES,
    Damage,
    Layout,
    Tables,
    WrittenInputs,
    cell_text,
    damages,
    layouts,
    write_tables,
)

__all__ = [
    "FAMILIES",
    "HOSTILE_IDS",
    "Op",
    "Variant",
    "corruptions",
    "variants",
    "with_ops",
    "world_tables",
    "write_variant",
]

#: Borrower ids an extract may hold: leading zeros, NA literals, blanks, numbers, right-to-left
#: overrides, emoji, NUL, quotes, separators, newlines, formulas and a very long one.
HOSTILE_IDS: tuple[str, ...] = (
    "000123", "00", "0", "NA", "null", "NULL", "None", "nan", "NaN", "N/A", "#N/A", "-", "1e5", "1.0",
    "TRUE", "", " ", "   ", "\t", " lead", "trail ", "\u202eevil", "\u200f\u05d0\u05d1", "👍🏽", "a\x00b",
    "x" * 5_000, "Ω≈ç", "'quoted'", '"dq"', "a,b", "a;b", "a\nb", "\u200b", "中文", "=cmd()", "B00000000",
)
_JUNK_NUMBERS = ("abc", "", " ", "1,5", "12 000", "$5", "1e999", "0x1F", "--1", "NaN", "Infinity", "½")
_ODD_NUMBERS = (math.nan, math.inf, -math.inf, 1e308, -1e308, -1.0, -0.0, 5e-324, 2.0**62, 0.0)
_ODD_INTS = (2**62, 2**63 - 1, -(2**62), 0, -1)
_ODD_DATES: tuple[object, ...] = (
    dt.date(2300, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1677, 9, 21), dt.date(2262, 4, 12),
    "31/01/2024", "2025-02-30", "2024-13-01", "", "tomorrow", dt.datetime(2024, 3, 1, 13, 45),
)
_ODD_TIMES: tuple[object, ...] = (
    dt.datetime(2300, 1, 1, tzinfo=dt.UTC), dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2024, 3, 1, 13, 45), "2024-03-01 13:45", "2024-02-30T10:00:00Z", "01/03/2024 10:00", "",
)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d", "%d.%m.%Y", "%Y-%m-%dT00:00:00")
#: Date text refused whole without its format, never guessed: day/month order, and digits alone (20240315, which
#: could be Unix time) (``riskscore._input_format``'s day/month and number-dates refusals).
_REFUSED_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d")
_NUMBER_COLUMNS = {"installments": ("installment_no", "amount_due", "amount_paid")}
_DATE_COLUMNS = {"installments": ("due_date", "paid_date"), "contacts": ("contacted_at",)}
_TEXT_COLUMNS = {"installments": ("borrower_id", "loan_id"), "borrowers": ("timezone", "channels_allowed", "language"),
                 "contacts": ("channel", "outcome")}


@dataclass(frozen=True)
class Op:
    """One corruption of the tables: a label (shown by hypothesis) and a function changing them in place."""

    label: str
    fn: Callable[[Tables], None] = field(compare=False)
    #: Whether the run may stop with an error (a required column gone); otherwise it must
    #: finish, rejecting rows (a bad value is quarantined, never a reason to abort the batch).
    may_abort: bool = False

    def __repr__(self) -> str:
        return self.label

    def __call__(self, tables: Tables) -> None:
        self.fn(tables)


@dataclass(frozen=True)
class Variant:
    """A corrupted world: the corruptions, the tables given, their layouts, damage and run options."""

    ops: tuple[Op, ...] = ()
    tables: tuple[str, ...] = ("installments", "contacts")
    layouts: tuple[tuple[str, Layout], ...] = ()
    damage: Damage | None = None
    as_of: str = "usual"
    chunk_borrowers: int = 10_000

    def layout(self, table: str) -> Layout:
        return dict(self.layouts).get(table, Layout())

    @property
    def must_finish(self) -> bool:
        """Whether every fault here is a row's, which a run quarantines: it must not stop with an error.

        A missing or renamed required column, a damaged file, a latin-1 CSV and a folder of parts
        whose column types differ may stop the run (with one line naming the file or column).
        """
        layouts = [lay for _, lay in self.layouts]
        return (self.damage is None and not any(op.may_abort for op in self.ops)
                and not any(lay.encoding == "latin-1" or lay.mix for lay in layouts))

    def apply(self, base: Tables) -> Tables:
        """The corrupted tables (``base`` is left alone)."""
        tables = {t: base[t].copy() for t in TABLES if t in base}
        for op in self.ops:
            op(tables)
        return tables


# -- the base world -------------------------------------------------------------------------------
def world_tables(world: Any) -> Tables:
    """The tables of a :class:`riskscore.World` as object columns of plain Python values
    (``datetime.date``, aware ``datetime``, ``None``) that corruptions can change freely."""
    out = {}
    for name in TABLES:
        df = getattr(world, name).astype(object)
        for col in df.columns:
            df[col] = _objects(df, [_plain(v, col) for v in df[col].tolist()])
        out[name] = df.reset_index(drop=True)
    return out


def _objects(df: pd.DataFrame, values: list[object]) -> pd.Series:
    """A column of Python objects as given (pandas would infer ``str`` and turn ``None`` into NaN)."""
    return pd.Series(values, index=df.index, dtype=object)


def _plain(v: object, col: str) -> object:
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime() if v.tzinfo is not None or col == "contacted_at" else v.date()
    if hasattr(v, "item"):
        return v.item()
    return v


# -- corruptions ----------------------------------------------------------------------------------
def _rows(df: pd.DataFrame, k: int) -> int | None:
    return None if df.empty else k % len(df)


def _set_cell(table: str, k: int, col: str, value: object) -> Op:
    def fn(tables: Tables) -> None:
        df = tables.get(table)
        if df is None or col not in df or (i := _rows(df, k)) is None:
            return
        df[col] = df[col].astype(object)
        df.iat[i, df.columns.get_loc(col)] = value
    return Op(f"{table}[{k}].{col} = {_short(value)}", fn)


def _map_column(table: str, col: str, f: Callable[[object], object], what: str) -> Op:
    def fn(tables: Tables) -> None:
        df = tables.get(table)
        if df is not None and col in df:
            df[col] = _objects(df, [f(v) for v in df[col].tolist()])
    return Op(f"{table}.{col}: {what}", fn)


def _short(v: object) -> str:
    r = repr(v)
    return r if len(r) <= 40 else f"{r[:30]}...({len(r)} chars)"


def _rename_borrower(k: int, new: object, tables_hit: Sequence[str] = TABLES) -> Op:
    """Every row of the k-th borrower (in every table named) gets the id ``new``."""
    def fn(tables: Tables) -> None:
        # the k-th id of the installments (or, when an earlier fault dropped that column, of a table named)
        source = next((tables[t] for t in ("installments", *tables_hit)
                       if tables.get(t) is not None and "borrower_id" in tables[t]), None)
        ids = [] if source is None else sorted({v for v in source["borrower_id"] if isinstance(v, str)})
        if not ids:
            return
        old = ids[k % len(ids)]
        for t in tables_hit:
            df = tables.get(t)
            if df is not None and "borrower_id" in df:
                df["borrower_id"] = _objects(df, [new if v == old else v for v in df["borrower_id"]])
    where = "" if tuple(tables_hit) == TABLES else f" in {', '.join(tables_hit)}"
    return Op(f"borrower #{k} renamed {_short(new)}{where}", fn)


def _ids_as_numbers(kind: str) -> Op:
    """Borrower ids stored as numbers (int, float) in every table, the same number for the same id.

    Stored as floats, the ids of a parquet table read as ``7`` and those of a CSV file as the text ``7.0``
    (ids are text, never rewritten): a contact log in one form and installments in the other match no
    borrower, and the run stops in one line naming both forms (a plan that cannot see the log's calls
    could break a cap), so that case may abort."""
    def fn(tables: Tables) -> None:
        ids = sorted({v for df in tables.values() if "borrower_id" in df for v in df["borrower_id"]
                      if isinstance(v, str)})
        number = {v: (i + 1) * 7 for i, v in enumerate(ids)}
        for df in tables.values():
            if "borrower_id" in df:
                df["borrower_id"] = _objects(df, [_as(kind, number[v]) if v in number else v
                                                  for v in df["borrower_id"]])
    return Op(f"borrower ids stored as {kind}", fn, may_abort=kind == "float")


def _loan_ids_as_numbers(kind: str) -> Op:
    def fn(tables: Tables) -> None:
        df = tables["installments"]
        if "loan_id" not in df:
            return
        loans = {v: i + 1 for i, v in enumerate(sorted({v for v in df["loan_id"] if isinstance(v, str)}))}
        df["loan_id"] = _objects(df, [_as(kind, loans[v]) if v in loans else v for v in df["loan_id"]])
    return Op(f"loan ids stored as {kind}", fn)


def _as(kind: str, n: int) -> object:
    return {"int": n, "float": float(n), "padded": f"{n:06d}"}[kind]


def _share_loan(k: int) -> Op:
    """The k-th loan is booked under a second borrower too (both must be rejected)."""
    def fn(tables: Tables) -> None:
        df = tables["installments"]
        if df.empty or not {"loan_id", "borrower_id"} <= set(df):
            return
        loans = sorted({v for v in df["loan_id"] if v is not None}, key=str)
        owners = sorted({v for v in df["borrower_id"] if v is not None}, key=str)
        loan = loans[k % len(loans)]
        other = owners[(k * 7 + 3) % len(owners)]
        row = df.loc[df["loan_id"] == loan].iloc[[0]].copy()
        row["borrower_id"] = other
        row["installment_no"] = 999
        tables["installments"] = pd.concat([df, row], ignore_index=True)
    return Op(f"loan #{k} also booked under another borrower", fn)


def _frame_op(table: str, label: str, f: Callable[[pd.DataFrame], pd.DataFrame], may_abort: bool = False) -> Op:
    def fn(tables: Tables) -> None:
        if table in tables:
            tables[table] = f(tables[table]).reset_index(drop=True)
    return Op(f"{table}: {label}", fn, may_abort)


def _extra_borrower(table: str, new: str) -> Op:
    """A borrower known only to ``table`` (a copy of its first row under a new id)."""
    def f(df: pd.DataFrame) -> pd.DataFrame:
        if df.empty or "borrower_id" not in df:
            return df
        row = df.iloc[[0]].copy()
        row["borrower_id"] = new
        return pd.concat([df, row])
    return _frame_op(table, f"a borrower {new!r} only here", f)


def _drop_borrower(table: str, k: int) -> Op:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        ids = sorted({v for v in df.get("borrower_id", []) if isinstance(v, str)})
        return df.loc[df["borrower_id"] != ids[k % len(ids)]] if ids else df
    return _frame_op(table, f"borrower #{k} removed", f)


def _aware(zone: str) -> Callable[[object], object]:
    tz = ZoneInfo(zone)
    return lambda v: dt.datetime(v.year, v.month, v.day, tzinfo=tz) if isinstance(v, dt.date) else v


def _with_time(v: object) -> object:
    return dt.datetime(v.year, v.month, v.day, 12, 30) if isinstance(v, dt.date) else v


def _naive(v: object) -> object:
    return v.astimezone(dt.UTC).replace(tzinfo=None) if isinstance(v, dt.datetime) else v


def _fmt(pattern: str) -> Callable[[object], object]:
    return lambda v: v.strftime(pattern) if isinstance(v, dt.date) else v


def _type_ops() -> st.SearchStrategy[Op]:
    number_col = st.sampled_from(_NUMBER_COLUMNS["installments"])
    return st.one_of(
        number_col.map(lambda c: _map_column("installments", c, _text, "numbers as text")),
        st.builds(lambda k, c, j: _set_cell("installments", k, c, j), st.integers(0, 10**6), number_col,
                  st.sampled_from(_JUNK_NUMBERS)),
        st.just(_map_column("installments", "installment_no", lambda v: float(v) if isinstance(v, int) else v,
                            "ints as floats")),
        st.sampled_from(("int", "float")).map(_ids_as_numbers),
        st.sampled_from(("int", "float", "padded")).map(_loan_ids_as_numbers),
        st.sampled_from(("yes", "1", "TRUE", "y")).map(lambda y: _map_column(
            "borrowers", "deceased", lambda v: y if v is True else ("no" if v is False else v), f"flags as {y!r}")),
    )


def _value_ops() -> st.SearchStrategy[Op]:
    k = st.integers(0, 10**6)
    return st.one_of(
        st.builds(lambda i, c, v: _set_cell("installments", i, c, v), k, st.sampled_from(("amount_due", "amount_paid")),
                  st.sampled_from(_ODD_NUMBERS)),
        st.builds(lambda i, v: _set_cell("installments", i, "installment_no", v), k, st.sampled_from(_ODD_INTS)),
        st.builds(lambda i, tc, v: _set_cell(tc[0], i, tc[1], v), k, _pairs(_TEXT_COLUMNS),
                  st.sampled_from(("", " ", "x" * 5_000, "\x00", "NA", "👍"))),
        st.builds(_rename_borrower, k, st.sampled_from(HOSTILE_IDS) | st.text(max_size=8)),
        st.builds(_rename_borrower, k, st.sampled_from(HOSTILE_IDS), st.sampled_from((("installments",),))),
        st.builds(lambda i, t, v: _set_cell(t, i, "borrower_id", v), k, st.sampled_from(TABLES),
                  st.sampled_from(HOSTILE_IDS) | st.none()),
        st.builds(_share_loan, k),
    )


def _pairs(columns: dict[str, tuple[str, ...]]) -> st.SearchStrategy[tuple[str, str]]:
    """A (table, column) pair."""
    return st.sampled_from([(t, c) for t, cs in columns.items() for c in cs])


def _date_ops() -> st.SearchStrategy[Op]:
    k = st.integers(0, 10**6)
    date_col = st.sampled_from(_DATE_COLUMNS["installments"])
    return st.one_of(
        st.builds(lambda i, c, v: _set_cell("installments", i, c, v), k, date_col, st.sampled_from(_ODD_DATES)),
        st.builds(lambda i, v: _set_cell("contacts", i, "contacted_at", v), k, st.sampled_from(_ODD_TIMES)),
        st.builds(lambda c, z: _map_column("installments", c, _aware(z), f"time-zone-aware ({z})"), date_col,
                  st.sampled_from(("UTC", "Asia/Shanghai", "America/New_York"))),
        date_col.map(lambda c: _map_column("installments", c, _with_time, "dates with a time")),
        # a whole column of day/month text or of digits without its format is refused, never guessed (issue 20)
        st.builds(lambda c, f: replace(_map_column("installments", c, _fmt(f), f"dates as text {f!r}"),
                                       may_abort=f in _REFUSED_FORMATS), date_col, st.sampled_from(_DATE_FORMATS)),
        # a whole log without a zone is refused in one line, never guessed (read with --date-format ...=ZONE)
        st.just(replace(_map_column("contacts", "contacted_at", _naive, "naive timestamps"), may_abort=True)),
        st.just(_map_column("contacts", "contacted_at", lambda v: v.isoformat() if isinstance(v, dt.datetime)
                            else v, "timestamps as ISO text")),
    )


def _row_ops() -> st.SearchStrategy[Op]:
    table = st.sampled_from(TABLES)
    k = st.integers(0, 10**6)
    return st.one_of(
        st.builds(lambda t, i: _frame_op(t, f"row {i} duplicated", lambda df: pd.concat([df, df.iloc[[i % len(df)]]])
                                         if len(df) else df), table, k),
        st.builds(lambda t, s: _frame_op(t, f"rows deleted (seed {s})", lambda df: df.sample(
            frac=0.8, random_state=s).sort_index()), table, st.integers(0, 2**16)),
        st.builds(lambda t, s: _frame_op(t, f"rows shuffled (seed {s})",
                                         lambda df: df.sample(frac=1.0, random_state=s)), table, st.integers(0, 2**16)),
        st.builds(_extra_borrower, st.sampled_from(("borrowers", "contacts")), st.sampled_from(("ZZ-only", "000123"))),
        st.builds(_drop_borrower, st.sampled_from(("borrowers", "contacts")), k),
    )


def _empty_ops() -> st.SearchStrategy[Op]:
    table = st.sampled_from(TABLES)
    return st.one_of(
        table.map(lambda t: _frame_op(t, "zero rows", lambda df: df.iloc[:0])),
        _pairs(_ALL_COLUMNS).map(lambda tc: _frame_op(tc[0], f"column {tc[1]!r} missing",
                                                      lambda df: df.drop(columns=[tc[1]], errors="ignore"), True)),
        st.builds(lambda t, c: _frame_op(t, f"extra column {c!r}", lambda df: df.assign(**{c: "x"})), table,
                  st.sampled_from(("name", "phone", "Borrower_ID", "_row", "reason", "check", "values", ""))),
        _pairs(_ALL_COLUMNS).map(lambda tc: _frame_op(tc[0], f"column {tc[1]!r} renamed",
                                                      lambda df: df.rename(columns={tc[1]: tc[1].upper()}), True)),
    )


_ALL_COLUMNS = {
    "installments": ("borrower_id", "loan_id", "installment_no", "due_date", "amount_due", "paid_date", "amount_paid"),
    "borrowers": ("borrower_id", "timezone", "channels_allowed", "preferred_channel", "language", "deceased",
                  "country"),
    "contacts": ("borrower_id", "contacted_at", "channel", "outcome"),
}
#: The corruption families by name (each a strategy of :class:`Op`).
FAMILIES: dict[str, Callable[[], st.SearchStrategy[Op]]] = {
    "types": _type_ops, "values": _value_ops, "dates": _date_ops, "rows": _row_ops, "empties": _empty_ops,
}


def corruptions(families: Sequence[str] = tuple(FAMILIES), max_size: int = 3,
                min_size: int = 1) -> st.SearchStrategy[list[Op]]:
    """Lists of corruptions drawn from the named families (``types``, ``values``, ``dates``,
    ``rows``, ``empties``), applied in order.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5)
    ... @given(corruptions(["values"], max_size=2))
    ... def test(ops):
    ...     assert all(isinstance(op, Op) for op in ops)
    >>> test()
    """
    return st.lists(st.one_of(*(FAMILIES[f]() for f in families)), min_size=min_size, max_size=max_size)


def _text(v: object) -> object:
    return None if v is None else cell_text(v)


@st.composite
def variants(draw: st.DrawFn, families: Sequence[str] = tuple(FAMILIES), *, max_ops: int = 3,
             formats: Sequence[str] = ("parquet", "parts", "csv"), borrowers: bool | None = False,
             damage: bool = False, as_of: Sequence[str] = ("usual",), chunks: Sequence[int] = (10_000,)) -> Variant:
    """A corrupted world: corruptions, which tables are given and how each is stored.

    Parameters
    ----------
    families : corruption families for :func:`corruptions` (empty: none).
    max_ops : at most this many corruptions.
    formats : storage layouts drawn per table (see :func:`layouts`).
    borrowers : whether the borrowers table is given (``None``: drawn).
    damage : whether one file may be damaged after it is written.
    as_of : as-of choices drawn (``usual``, ``before_data``, ``last_date``, ``after_data``).
    chunks : ``chunk_borrowers`` choices drawn.
    """
    ops = tuple(draw(corruptions(families, max_ops))) if families else ()
    with_borrowers = draw(st.booleans()) if borrowers is None else borrowers
    with_contacts = draw(st.sampled_from((True, True, True, False)))
    tables = ("installments",) + (("borrowers",) if with_borrowers else ()) + (("contacts",) if with_contacts else ())
    lay = tuple((t, draw(layouts(t, formats))) for t in tables)
    hurt = draw(st.none() | damages(tables)) if damage else None
    return Variant(ops=ops, tables=tables, layouts=lay, damage=hurt, as_of=draw(st.sampled_from(tuple(as_of))),
                   chunk_borrowers=draw(st.sampled_from(tuple(chunks))))


def write_variant(base: Tables, variant: Variant, folder: str | Path) -> WrittenInputs:
    """Apply ``variant`` to the ``base`` tables (from :func:`world_tables`) and write them into
    ``folder``; returns the paths and the borrower id of every row as written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_tables(variant.apply(base), variant.tables, dict(variant.layouts), variant.damage, folder)


def with_ops(variant: Variant, *ops: Op) -> Variant:
    """``variant`` with more corruptions appended (for explicit cases)."""
    return replace(variant, ops=variant.ops + ops)
