"""Issue 18's cases, one test each: "Aborts on valid data", "One bad row kills the batch" and
"Ids silently rewritten or lost" (plus the intake faults of "Faults").

Every case runs the small world of the fuzz suite through ``score_portfolio`` in process and
checks the conservation laws (:func:`riskscore.testing.assert_run_laws`) besides its own
expectation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import riskscore
from riskscore.testing import Layout, Op, Variant, assert_cli_outcome, assert_run_laws, write_variant
from tests.fuzz.harness import BUNDLE, FuzzWorld, cli_argv, run_api, run_cli

Tables = dict[str, pd.DataFrame]
WITH_BORROWERS = ("installments", "borrowers", "contacts")


# -- corruptions of the cases ---------------------------------------------------------------------
def _cell(table: str, row: int, col: str, value: object) -> Op:
    def fn(tables: Tables) -> None:
        df = tables[table]
        df[col] = df[col].astype(object)
        df.iat[row, df.columns.get_loc(col)] = value
    return Op(f"{table}[{row}].{col} = {value!r}", fn)


def _column(table: str, col: str, f: Callable[[object], object], label: str) -> Op:
    def fn(tables: Tables) -> None:
        tables[table][col] = pd.Series([f(v) for v in tables[table][col]], index=tables[table].index, dtype=object)
    return Op(f"{table}.{col}: {label}", fn)


def _zero_rows(table: str) -> Op:
    def fn(tables: Tables) -> None:
        tables[table] = tables[table].iloc[:0]
    return Op(f"{table}: zero rows", fn)


def _ids(mapping: Callable[[list[str]], dict[str, object]], label: str, tables: tuple[str, ...] = WITH_BORROWERS) -> Op:
    """Every borrower id replaced by ``mapping(sorted ids)[id]`` in the tables named."""
    def fn(frames: Tables) -> None:
        ids = sorted(set(frames["installments"]["borrower_id"]))
        new = mapping(ids)
        for t in tables:
            if t in frames:
                frames[t]["borrower_id"] = pd.Series([new.get(v, v) for v in frames[t]["borrower_id"]],
                                                     index=frames[t].index, dtype=object)
    return Op(label, fn)


def _shared_float_loans(tables: Tables) -> None:
    """Loan ids stored as floats, and each loan of the first ten borrowers also booked under the next borrower."""
    inst = tables["installments"]
    loans = {v: float(i + 1) for i, v in enumerate(sorted(set(inst["loan_id"])))}
    inst["loan_id"] = pd.Series([loans[v] for v in inst["loan_id"]], index=inst.index, dtype=object)
    ids = sorted(set(inst["borrower_id"]))
    extra = []
    for a, b in zip(ids[:10:2], ids[1:11:2], strict=True):
        row = inst.loc[inst["borrower_id"] == a].iloc[[0]].copy()
        row["borrower_id"] = b
        row["installment_no"] = 500
        extra.append(row)
    tables["installments"] = pd.concat([inst, *extra], ignore_index=True)


def _borrowers(*which: int) -> Op:
    """Only these borrowers (by position in id order), in every table."""
    def fn(tables: Tables) -> None:
        ids = sorted(set(tables["installments"]["borrower_id"]))
        keep = {ids[i] for i in which}
        for t, df in tables.items():
            tables[t] = df.loc[df["borrower_id"].isin(keep)].reset_index(drop=True)
    return Op(f"borrowers {which} only", fn)


def _aware(v: object) -> object:
    return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC) if isinstance(v, dt.date) else v


def _naive(v: object) -> object:
    return v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v


# -- expectations -----------------------------------------------------------------------------------
@dataclass
class Run:
    world: FuzzWorld
    manifest: object
    outputs: dict[str, pd.DataFrame]
    tables: Tables

    @property
    def rejected(self) -> set[str]:
        return set(self.outputs["rejects"]["borrower_id"].dropna())

    def owner(self, table: str, row: int) -> str:
        return self.tables[table]["borrower_id"].iloc[row]

    def reject_of(self, table: str, row: int) -> pd.DataFrame:
        r = self.outputs["rejects"]
        return r.loc[(r["table"] == table) & (r["row"] == row)]


def _only_rejected(table: str, row: int, column: str) -> Callable[[Run], None]:
    """The borrower of that row is rejected, naming ``column``; nobody else is."""
    def expect(run: Run) -> None:
        who = run.owner(table, row)
        assert run.rejected == {who}, f"rejected {sorted(run.rejected)[:5]}, expected only {who!r}"
        named = run.reject_of(table, row)["column"].astype(str)
        assert named.str.contains(column).any(), f"the reject of {table} row {row} names {named.tolist()}"
    return expect


def _nobody_rejected(run: Run) -> None:
    assert not run.rejected, f"rejected {sorted(run.rejected)[:5]}"


def _all_nothing_due(run: Run) -> None:
    scores = run.outputs["scores"]
    assert len(scores) == run.tables["installments"]["borrower_id"].nunique()
    assert (scores["status"] == "nothing_due").all(), scores["status"].value_counts().to_dict()


def _empty(run: Run) -> None:
    assert run.manifest.borrowers["in"] == 0 and run.outputs["scores"].empty


def _reviewed_by_a_person(run: Run) -> None:
    """No borrowers row: flags, channels and consent are unknown, so every plan is a human review."""
    _nobody_rejected(run)
    assert set(run.outputs["plans"]["action"]) <= {"human_review"}, run.outputs["plans"]["action"].value_counts()


def _borrowers_unmatched(run: Run) -> None:
    _nobody_rejected(run)
    assert run.manifest.rows["borrowers"]["unmatched"] == len(run.tables["borrowers"])


def _tz_due_dates(run: Run) -> None:
    rejects = run.outputs["rejects"]
    own = rejects.loc[(rejects["table"] == "installments") & (rejects["check"] != "borrower_rejected_whole")]
    assert own.empty or own["column"].astype(str).str.contains("due_date").all(), own[["column", "check"]]


def _shared_loans_rejected(run: Run) -> None:
    inst = run.tables["installments"]
    shared = inst.loc[inst["installment_no"] == 500]
    owners = set(inst.loc[inst["loan_id"].isin(shared["loan_id"]), "borrower_id"])
    assert len(owners) == 10 and owners <= run.rejected, f"not rejected: {sorted(owners - run.rejected)}"


def _ids_exact(run: Run) -> None:
    given = set(run.tables["installments"]["borrower_id"])
    assert set(run.outputs["scores"]["borrower_id"]) == given, "ids rewritten"
    _nobody_rejected(run)


def _spaces_refused(run: Run) -> None:
    assert "   " not in set(run.outputs["scores"]["borrower_id"])
    assert run.manifest.borrowers["rejected"] >= 1


def _scored_and_nothing_due(run: Run) -> None:
    _nobody_rejected(run)
    assert run.manifest.chunks["total"] > 1
    assert len(run.outputs["scores"]) == run.tables["installments"]["borrower_id"].nunique()


# -- the cases --------------------------------------------------------------------------------------
_CSV_BOM = Layout(fmt="csv", encoding="utf-8-sig")
_PADDED = _ids(lambda ids: {v: f"{i:06d}" for i, v in enumerate(ids)}, "ids 000000, 000001, ...")
_NA_NULL = _ids(lambda ids: {ids[0]: "NA", ids[1]: "null"}, "two ids are 'NA' and 'null'")
_SPACES = _ids(lambda ids: {ids[0]: "   "}, "one id is three spaces")

CASES: dict[str, tuple[Variant, Callable[[Run], None]]] = {
    # Aborts on valid data
    # one borrower per chunk (borrowers 4, 8, 13, 14, 15 and 19 have nothing due at the as-of date)
    "a chunk with nobody to score": (Variant(ops=(_borrowers(4, 8, 13, 14, 15, 19, 0, 1),), chunk_borrowers=1),
                                     _scored_and_nothing_due),
    "as-of before the data": (Variant(as_of="before_data"), _all_nothing_due),
    "zero-row installments": (Variant(ops=(_zero_rows("installments"),), tables=WITH_BORROWERS), _empty),
    "zero-row borrowers": (Variant(ops=(_zero_rows("borrowers"),), tables=WITH_BORROWERS), _reviewed_by_a_person),
    "zero-row contacts": (Variant(ops=(_zero_rows("contacts"),)), _nobody_rejected),
    "borrowers whose ids match no installments": (
        Variant(ops=(_ids(lambda ids: {v: f"X{v}" for v in ids}, "borrowers renamed", ("borrowers",)),),
                tables=WITH_BORROWERS), _borrowers_unmatched),
    # One bad row kills the batch instead of being quarantined
    "due_date in year 2300": (Variant(ops=(_cell("installments", 0, "due_date", dt.date(2300, 1, 1)),)),
                              _only_rejected("installments", 0, "due_date")),
    "paid_date in year 2300": (Variant(ops=(_cell("installments", 0, "paid_date", dt.date(2300, 1, 1)),)),
                               _only_rejected("installments", 0, "paid_date")),
    "contacted_at in year 2300": (
        Variant(ops=(_cell("contacts", 0, "contacted_at", dt.datetime(2300, 1, 1, tzinfo=dt.UTC)),)),
        _only_rejected("contacts", 0, "contacted_at")),
    "amount_due = 1e308": (Variant(ops=(_cell("installments", 0, "amount_due", 1e308),)),
                           _only_rejected("installments", 0, "amount_due")),
    "a time-zone-aware due_date column": (
        Variant(ops=(_column("installments", "due_date", _aware, "aware"),)), _tz_due_dates),
    "installment_no = 2**62 in one row": (Variant(ops=(_cell("installments", 0, "installment_no", 2**62),)),
                                          _only_rejected("installments", 0, "installment_no")),
    "float loan_id shared by borrowers in different chunks": (
        Variant(ops=(Op("float loan ids, five loans shared", _shared_float_loans),), chunk_borrowers=3),
        _shared_loans_rejected),
    # Ids silently rewritten or lost
    "CSV with a byte-order mark and ids like 000123": (
        Variant(ops=(_PADDED,), layouts=(("installments", _CSV_BOM), ("contacts", _CSV_BOM))), _ids_exact),
    "the same with a borrowers table": (
        Variant(ops=(_PADDED,), tables=WITH_BORROWERS, layouts=tuple((t, _CSV_BOM) for t in WITH_BORROWERS)),
        _ids_exact),
    "ids NA and null in a CSV": (
        Variant(ops=(_NA_NULL,), layouts=(("installments", Layout(fmt="csv")), ("contacts", Layout(fmt="csv")))),
        _ids_exact),
    "an id of only spaces": (Variant(ops=(_SPACES,)), _spaces_refused),
}


@pytest.mark.parametrize("case", list(CASES))
def test_issue_18_case(case, fuzz_world, tmp_path):
    variant, expect = CASES[case]
    written = write_variant(fuzz_world.tables, variant, tmp_path / "in")
    outcome = run_api(written, tmp_path / "out", fuzz_world.as_of(variant.as_of), variant)
    assert outcome.error is None, f"the run stopped: {type(outcome.error).__name__}: {str(outcome.error)[:600]}"
    assert_run_laws(tmp_path / "out", written, outcome.manifest)
    outputs = {n: pd.read_parquet(tmp_path / "out" / f"{n}.parquet") for n in ("scores", "plans", "rejects")}
    expect(Run(fuzz_world, outcome.manifest, outputs, variant.apply(fuzz_world.tables)))


def test_naive_contact_times_are_refused_in_one_line_then_read_in_their_zone(fuzz_world, tmp_path):
    """Contact times stored without a zone (a call-centre log in local time) once rejected every contact,
    and so every borrower with one, in a run that "succeeded"; now one line names the option, and with it
    the run equals the run of the same log stored with its zone."""
    from tests.fuzz.harness import options, shared_bundle

    as_of = fuzz_world.as_of("usual")
    variant = Variant(ops=(_column("contacts", "contacted_at", _naive, "naive"),))
    written = write_variant(fuzz_world.tables, variant, tmp_path / "in")
    outcome = run_api(written, tmp_path / "refused", as_of, variant)
    assert isinstance(outcome.error, riskscore.DataError), outcome
    line = str(outcome.error)
    assert "\n" not in line and "contacted_at holds times without a UTC offset" in line
    assert "--date-format contacts.contacted_at=Asia/Shanghai" in line
    plain = write_variant(fuzz_world.tables, Variant(), tmp_path / "plain")
    with shared_bundle():  # the naive values are the UTC wall times: read in UTC, the same run
        zoned = riskscore.score_portfolio(written.paths["installments"], BUNDLE, as_of, tmp_path / "zoned",
                                          date_format={"contacted_at": "UTC"}, **options(written, variant, as_of))
        riskscore.score_portfolio(plain.paths["installments"], BUNDLE, as_of, tmp_path / "aware",
                                  **options(plain, Variant(), as_of))
    assert zoned.rows["contacts"]["rejected"] == 0
    for name in ("scores", "plans"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "zoned" / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "aware" / f"{name}.parquet"))


def test_scoring_at_the_last_date_writes_the_report(fuzz_world, tmp_path):
    """Issue 18: the report's backtest aborted the run (exit 1) when no outcome is known yet."""
    variant = Variant(as_of="last_date")
    written = write_variant(fuzz_world.tables, variant, tmp_path / "in")
    code, stderr = run_cli(cli_argv(written, tmp_path / "out", fuzz_world.as_of("last_date"), variant, report=True))
    assert_cli_outcome(code, stderr)
    assert code == 0, stderr[-800:]
    assert (tmp_path / "out" / "report.html").is_file()


# -- intake faults: a one-line error or quarantine, never a traceback ------------------------------------
def _mixed_folder(folder: Path, world: FuzzWorld) -> None:
    """installments as two parquet parts: amount_due double in one, text in the other."""
    written = write_variant(world.tables, Variant(tables=("installments",)), folder / "tmp")
    table = pq.read_table(written.paths["installments"])
    half = table.num_rows // 2
    (folder / "installments").mkdir()
    pq.write_table(table.slice(0, half), folder / "installments" / "part-0.parquet")
    second = table.slice(half)
    i = second.column_names.index("amount_due")
    second = second.set_column(i, "amount_due", second.column(i).cast(pa.string()))
    pq.write_table(second, folder / "installments" / "part-1.parquet")


def _list_ids(folder: Path, world: FuzzWorld) -> None:
    written = write_variant(world.tables, Variant(tables=("installments",)), folder / "tmp")
    table = pq.read_table(written.paths["installments"])
    i = table.column_names.index("borrower_id")
    ids = pa.array([[v] for v in table.column(i).to_pylist()], pa.list_(pa.string()))
    (folder / "installments").mkdir()
    pq.write_table(table.set_column(i, "borrower_id", ids), folder / "installments" / "part-0.parquet")


def _truncated(folder: Path, world: FuzzWorld) -> None:
    written = write_variant(world.tables, Variant(tables=("installments",)), folder / "tmp")
    data = written.paths["installments"].read_bytes()
    (folder / "installments").mkdir()
    (folder / "installments" / "part-0.parquet").write_bytes(data[: len(data) // 2])


FAULTS = {"a folder of parquet parts with mixed schemas": _mixed_folder, "list-typed ids": _list_ids,
          "a truncated parquet file": _truncated}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_intake_faults_end_in_one_line(fault, fuzz_world, tmp_path):
    FAULTS[fault](tmp_path, fuzz_world)
    as_of = fuzz_world.as_of("usual")
    code, stderr = run_cli(["score", "--installments", str(tmp_path / "installments"), "--model", str(BUNDLE),
                            "--as-of", as_of, "--out", str(tmp_path / "out"), "--now", f"{as_of} 13:00",
                            "--jobs", "1", "--no-report", "--progress", "off", "--allow-missing-contacts"])
    assert_cli_outcome(code, stderr)
    if code == 0:  # read after all: then nobody may be lost
        scores = pd.read_parquet(tmp_path / "out" / "scores.parquet")
        rejects = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
        assert set(scores["borrower_id"]).isdisjoint(set(rejects["borrower_id"].dropna()))
        assert riskscore.RunManifest.read(tmp_path / "out" / "manifest.json").borrowers["in"] > 0


# -- found by the fuzz suite --------------------------------------------------------------------------
def _extra(table: str, name: str) -> Op:
    def fn(tables: Tables) -> None:
        tables[table] = tables[table].assign(**{name: "x"})
    return Op(f"{table}: an extra column {name!r}", fn)


EXTRA = [("installments", "reason"), ("installments", "check"), ("installments", "_row"), ("contacts", "column"),
         ("contacts", "_row")]


@pytest.mark.parametrize(("table", "column"), EXTRA, ids=[f"{t}.{c}" for t, c in EXTRA])
def test_extra_columns_named_like_riskscore_own_are_ignored(table, column, fuzz_world, tmp_path):
    """An extract's extra column may carry any name, including those riskscore uses inside."""
    variant = Variant(ops=(_extra(table, column),))
    written = write_variant(fuzz_world.tables, variant, tmp_path / "in")
    outcome = run_api(written, tmp_path / "out", fuzz_world.as_of(variant.as_of), variant)
    assert outcome.error is None, f"the run stopped: {type(outcome.error).__name__}: {str(outcome.error)[:600]}"
    assert_run_laws(tmp_path / "out", written, outcome.manifest)
    assert outcome.manifest.borrowers["rejected"] == 0


def test_a_rename_after_the_id_column_was_dropped_is_a_no_op(fuzz_world, tmp_path):
    """Found by the fuzz suite in CI: dropping installments.borrower_id, then renaming borrower #0 in the
    installments, raised KeyError in the corruption harness instead of writing the variant."""
    from riskscore.testing._corrupt import _frame_op, _rename_borrower

    drop = _frame_op("installments", "column 'borrower_id' missing",
                     lambda df: df.drop(columns=["borrower_id"], errors="ignore"), True)
    variant = Variant(ops=(drop, _rename_borrower(0, "000123", ("installments",))))
    tables = variant.apply(fuzz_world.tables)
    assert "borrower_id" not in tables["installments"]
    written = write_variant(fuzz_world.tables, variant, tmp_path / "in")
    outcome = run_api(written, tmp_path / "out", fuzz_world.as_of(variant.as_of), variant)
    assert outcome.error is not None and "borrower_id" in str(outcome.error).splitlines()[0]
