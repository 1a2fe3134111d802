"""The nightly job's intake: hostile but readable inputs end as reject rows, never as a crash (issue 18).

Every case writes a corrupted copy of a small world, runs :func:`score_portfolio` and checks the
conservation law (every input borrower in exactly one of scores and rejects, none invented) and
that the bad rows are rejected naming their column and check. Unreadable inputs end in one
:class:`~riskscore.DataError` line naming the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import riskscore
from riskscore.batch import score_portfolio
from riskscore.batch._inputs import borrower_hash, bucket_of
from riskscore.batch._partition import n_chunks
from riskscore.cli import main
from riskscore.exceptions import DataError
from riskscore.explain._catalogue import quote
from riskscore.io import ARROW_SCHEMAS
from riskscore.schemas import contract_columns
from tests.batch.conftest import BUNDLE, read_outputs

TABLES = ("installments", "borrowers", "contacts")


@pytest.fixture(scope="module")
def world_small() -> riskscore.World:
    return riskscore.generate(150, seed=3)


@pytest.fixture(scope="module")
def as_of(small) -> str:
    return str((pd.Timestamp(small.end) - pd.Timedelta(days=90)).date())


def _frames(small) -> dict[str, pd.DataFrame]:
    return {t: getattr(small, t).copy() for t in TABLES}


@pytest.fixture(scope="module")
def small(world_small) -> riskscore.World:
    """The world with every borrower allowing some channel: a CSV cannot tell an empty field from a missing one."""
    borrowers = world_small.borrowers.copy()
    none = borrowers["channels_allowed"].eq("")
    borrowers.loc[none, "channels_allowed"] = "letter"
    borrowers.loc[none, "preferred_channel"] = None
    return dataclasses.replace(world_small, borrowers=borrowers)


def _write(frames: dict[str, pd.DataFrame | pa.Table | None], folder: Path, *, csv: bool = False,
           bom: bool = False) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in frames.items():
        if frame is None:
            continue
        if csv:
            paths[name] = folder / f"{name}.csv"
            paths[name].write_bytes(("\ufeff" if bom else "").encode() + frame.to_csv(index=False).encode())
        else:
            paths[name] = folder / f"{name}.parquet"
            table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
            pq.write_table(table, paths[name])
    return paths


def _run(paths: dict[str, Path], out: Path, as_of: str, **kw) -> tuple[riskscore.RunManifest, dict]:
    kw.setdefault("chunk_borrowers", 60)
    manifest = score_portfolio(paths["installments"], BUNDLE, as_of, out, borrowers=paths.get("borrowers"),
                               contacts=paths.get("contacts"), now=f"{as_of} 13:00", n_jobs=1, progress="off", **kw)
    return manifest, read_outputs(out)


def _conserved(out: dict[str, pd.DataFrame], expected: set[str]) -> pd.DataFrame:
    """Every expected borrower in exactly one of scores and rejects; returns the installments' rejects."""
    scores, rejects = out["scores"], out["rejects"]
    assert scores["borrower_id"].is_unique
    rejected = set(rejects.loc[rejects["table"] == "installments", "borrower_id"].dropna())
    scored = set(scores["borrower_id"])
    assert not scored & rejected, sorted(scored & rejected)[:5]
    assert scored | rejected == expected, (sorted(expected - scored - rejected)[:5], sorted(scored - expected)[:5])
    return rejects.loc[rejects["table"] == "installments"]


def _checks_of(rejects: pd.DataFrame, borrower: str) -> set[tuple[str, str]]:
    rows = rejects.loc[rejects["borrower_id"] == borrower]
    return set(zip(rows["column"], rows["check"], strict=True))


@pytest.fixture(scope="module")
def baseline(small, as_of, tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    frames = _frames(small)
    paths = _write({t: pa.Table.from_pandas(f, schema=ARROW_SCHEMAS.get(t), preserve_index=False)
                    for t, f in frames.items()}, folder / "in")
    return _run(paths, folder / "out", as_of)


def _scored_row(small, as_of, baseline) -> int:
    """An installment row of a scored borrower that is outstanding at the as-of date."""
    scored = baseline[1]["scores"].query("status == 'scored'")["borrower_id"]
    inst = small.installments
    unpaid = inst["paid_date"].isna() | (inst["paid_date"] > pd.Timestamp(as_of))
    pick = inst["borrower_id"].isin(scored) & unpaid & (inst["due_date"] <= pd.Timestamp(as_of))
    return int(inst.index[pick][0])


# -- ids are text, exactly ---------------------------------------------------------------------------------------
def test_zero_padded_ids_in_csvs_with_a_byte_order_mark_are_kept(small, as_of, baseline, tmp_path):
    frames = _frames(small)
    ids = {b: f"{i:06d}" for i, b in enumerate(sorted(frames["installments"]["borrower_id"].unique()))}
    for f in frames.values():
        f["borrower_id"] = f["borrower_id"].map(ids)
    manifest, out = _run(_write(frames, tmp_path / "in", csv=True, bom=True), tmp_path / "out", as_of)
    assert _conserved(out, set(ids.values())).empty
    assert "000000" in set(out["scores"]["borrower_id"])
    assert manifest.rows["borrowers"]["unmatched"] == 0 and manifest.rows["borrowers"]["rejected"] == 0
    base = baseline[1]["scores"].assign(borrower_id=lambda d: d["borrower_id"].map(ids))
    pd.testing.assert_frame_equal(out["scores"].sort_values("borrower_id", ignore_index=True),
                                  base.sort_values("borrower_id", ignore_index=True), check_dtype=False)


def test_unpaid_rows_with_an_empty_amount_in_a_csv_score_as_with_zero(small, as_of, baseline, tmp_path):
    """Every unpaid row written as a ledger writes it, paid_date and amount_paid both empty: the same
    scores as the zeros (every borrower with an unpaid installment was rejected)."""
    frames = _frames(small)
    inst = frames["installments"].astype({"amount_paid": object})
    unpaid = inst["paid_date"].isna()
    assert unpaid.sum() > 100
    inst.loc[unpaid, "amount_paid"] = None
    manifest, out = _run(_write(frames | {"installments": inst}, tmp_path / "in", csv=True), tmp_path / "out", as_of)
    assert _conserved(out, set(inst["borrower_id"])).empty
    assert manifest.rows["installments"]["rejected"] == 0
    pd.testing.assert_frame_equal(out["scores"].sort_values("borrower_id", ignore_index=True),
                                  baseline[1]["scores"].sort_values("borrower_id", ignore_index=True),
                                  check_dtype=False)


def test_ids_written_as_floats_in_one_table_are_named_in_the_warning(small, as_of, tmp_path, caplog):
    """A borrowers table whose ids went through a float column ('17.0') matched no scored borrower; the
    warning said only that none matched. It now shows one id of each side and what tells them apart."""
    frames = _frames(small)
    ids = {b: str(i) for i, b in enumerate(sorted(frames["installments"]["borrower_id"].unique()))}
    frames["installments"]["borrower_id"] = frames["installments"]["borrower_id"].map(ids)
    frames["contacts"]["borrower_id"] = frames["contacts"]["borrower_id"].map(ids)
    frames["borrowers"]["borrower_id"] = frames["borrowers"]["borrower_id"].map(ids) + ".0"
    with caplog.at_level("WARNING", logger="riskscore.batch"):
        _, out = _run(_write(frames, tmp_path / "in", csv=True), tmp_path / "out", as_of)
    scored = sorted(out["scores"].query("status == 'scored'")["borrower_id"])
    unplanned = min(scored)
    alone = min(frames["borrowers"]["borrower_id"])
    assert (f"borrowers: {len(scored)} of {len(scored)} scored borrowers have no row in the borrowers table (ids are "
            "compared as text, exactly: '007' is neither '7' nor 'B007'): they get no plan but human review; the "
            f"installments write ids like {unplanned!r}, the borrowers table like {alone!r}: whole numbers with a "
            "decimal '.0' (a column read as floats before it was written) in one and not the other") in caplog.text


def test_an_extract_under_its_own_names_is_refused_naming_every_missing_column(small, as_of, tmp_path):
    """The job's first pass reads the ids only and named borrower_id alone: a user mapped one column
    per try. Now every required column it lacks is in the one line."""
    frames = _frames(small)
    frames["installments"] = frames["installments"].rename(columns=lambda c: f"col_{c.upper()}")
    with pytest.raises(DataError, match=r"has no column borrower_id, loan_id, installment_no, due_date, amount_due, "
                                        r"paid_date, amount_paid \(it has: col_BORROWER_ID"):
        _run(_write(frames, tmp_path / "in", csv=True), tmp_path / "out", as_of)


def test_an_unload_of_csv_parts_in_capitals_scores_as_the_plain_extract(small, as_of, tmp_path):
    """Snowflake's unload (``COPY INTO @stage ... HEADER = TRUE``): gzipped CSV parts, every name in
    capitals; refused before, column by column. The same scores, plans and rejects as the plain files."""
    import gzip

    frames = _frames(small)
    _, plain = _run(_write(frames, tmp_path / "plain", csv=True), tmp_path / "out_plain", as_of)
    paths = {}
    for name, frame in frames.items():
        paths[name] = tmp_path / "stage" / name
        paths[name].mkdir(parents=True)
        upper = frame.rename(columns=str.upper)
        for i, part in enumerate(np.array_split(np.arange(len(upper)), 3)):
            (paths[name] / f"data_0_0_{i}.csv.gz").write_bytes(
                gzip.compress(upper.iloc[part].to_csv(index=False).encode()))
    _, got = _run(paths, tmp_path / "out_stage", as_of)
    for table in ("scores", "plans", "rejects"):
        pd.testing.assert_frame_equal(got[table], plain[table])
    assert len(got["scores"]) > 0 and len(got["plans"]) > 0


def test_na_literals_in_a_csv_are_ids_not_missing_values(small, as_of, tmp_path):
    frames = _frames(small)
    first = sorted(frames["installments"]["borrower_id"].unique())[:5]
    names = dict(zip(first, ["NA", "null", "N/A", "nan", "None"], strict=True))
    for f in frames.values():
        f["borrower_id"] = f["borrower_id"].map(lambda b: names.get(b, b))
    manifest, out = _run(_write(frames, tmp_path / "in", csv=True), tmp_path / "out", as_of)
    expected = set(frames["installments"]["borrower_id"])
    assert _conserved(out, expected).empty
    assert set(names.values()) <= set(out["scores"]["borrower_id"])
    assert manifest.borrowers["in"] == len(expected) and manifest.rows["borrowers"]["unmatched"] == 0


@pytest.mark.parametrize(("bad_id", "check"), [("   ", "id_blank"), (" B-padded ", "id_whitespace")])
def test_blank_and_padded_ids_are_rejected_naming_the_check(small, as_of, tmp_path, bad_id, check):
    frames = _frames(small)
    victim = frames["installments"]["borrower_id"].iloc[0]
    for f in frames.values():
        f.loc[f["borrower_id"] == victim, "borrower_id"] = bad_id
    _, out = _run(_write(frames, tmp_path / "in", csv=True), tmp_path / "out", as_of)
    rejects = _conserved(out, set(frames["installments"]["borrower_id"]))
    assert set(rejects["borrower_id"]) == {bad_id}
    assert _checks_of(rejects, bad_id) == {("borrower_id", check)}
    other = out["rejects"].query("table != 'installments'")
    assert set(other["borrower_id"]) == {bad_id} and set(other["check"]) == {check}


def test_a_float_loan_id_shared_by_borrowers_in_two_chunks_is_found(small, as_of, tmp_path):
    inst = small.installments.copy()
    codes = {loan: float(i + 1) for i, loan in enumerate(sorted(inst["loan_id"].unique()))}
    inst["loan_id"] = inst["loan_id"].map(codes)  # stored as double: 1.0, 2.0, ...
    ids = np.array(sorted(inst["borrower_id"].unique()), dtype=object)
    buckets = bucket_of(borrower_hash(pd.Series(ids)), n_chunks(len(ids), 60))
    a, b = ids[0], ids[np.flatnonzero(buckets != buckets[0])[0]]  # two borrowers in different chunks
    extra = inst.loc[inst["borrower_id"] == a].iloc[[0]].assign(
        loan_id=inst.loc[inst["borrower_id"] == b, "loan_id"].iloc[0], installment_no=99)
    inst = pd.concat([inst, extra], ignore_index=True)
    frames = _frames(small) | {"installments": inst}
    _, out = _run(_write(frames, tmp_path / "in"), tmp_path / "out", as_of)
    rejects = _conserved(out, set(ids))
    assert set(rejects["borrower_id"]) == {a, b}
    assert ("loan_id", "one_borrower_per_loan") in _checks_of(rejects, a) & _checks_of(rejects, b)


def test_numeric_borrower_ids_match_across_tables_stored_as_int_and_float(small, as_of, baseline, tmp_path):
    frames = _frames(small)
    ids = {b: i + 1 for i, b in enumerate(sorted(frames["installments"]["borrower_id"].unique()))}
    frames["installments"]["borrower_id"] = frames["installments"]["borrower_id"].map(ids).astype(np.int64)
    frames["borrowers"]["borrower_id"] = frames["borrowers"]["borrower_id"].map(ids).astype(np.float64)
    frames["contacts"]["borrower_id"] = frames["contacts"]["borrower_id"].map(ids).astype(np.int32)
    manifest, out = _run(_write(frames, tmp_path / "in"), tmp_path / "out", as_of)
    assert _conserved(out, {str(i) for i in ids.values()}).empty
    assert manifest.rows["borrowers"]["unmatched"] == 0 and manifest.rows["contacts"]["unmatched"] == 0
    assert len(out["plans"]) == len(baseline[1]["plans"])


# -- dates ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["parquet", "csv"])
@pytest.mark.parametrize(("column", "day"), [("due_date", dt.date(2300, 1, 1)), ("paid_date", dt.date(2300, 1, 1)),
                                             ("due_date", dt.date(1, 1, 1))])
def test_a_date_out_of_range_is_rejected_naming_the_column(small, as_of, tmp_path, form, column, day):
    inst = small.installments.copy()
    row = int(inst.index[inst["paid_date"].notna()][3])
    victim = inst.at[row, "borrower_id"]
    if form == "csv":
        for c in ("due_date", "paid_date"):
            inst[c] = inst[c].dt.strftime("%Y-%m-%d")
        inst.loc[row, column] = day.isoformat()
        table = inst
    else:
        inst[column] = inst[column].astype(object)
        inst.loc[row, column] = day
        table = pa.Table.from_pandas(inst, schema=ARROW_SCHEMAS["installments"], preserve_index=False)
    paths = _write(_frames(small) | {"installments": table}, tmp_path / "in", csv=form == "csv")
    _, out = _run(paths, tmp_path / "out", as_of)
    rejects = _conserved(out, set(small.installments["borrower_id"]))
    assert set(rejects["borrower_id"]) == {victim}
    assert (column, "date_out_of_range") in _checks_of(rejects, victim)


def test_a_contact_in_year_2300_is_rejected_naming_contacted_at(small, as_of, tmp_path):
    contacts = small.contacts.copy().astype({"contacted_at": object})
    contacts.loc[3, "contacted_at"] = dt.datetime(2300, 1, 1, tzinfo=dt.UTC)
    victim = contacts.at[3, "borrower_id"]
    table = pa.Table.from_pandas(contacts, schema=ARROW_SCHEMAS["contacts"], preserve_index=False)
    _, out = _run(_write(_frames(small) | {"contacts": table}, tmp_path / "in"), tmp_path / "out", as_of)
    _conserved(out, set(small.installments["borrower_id"]))
    bad = out["rejects"].query("table == 'contacts' and check == 'date_out_of_range'")
    assert bad["column"].tolist() == ["contacted_at"] and bad["borrower_id"].tolist() == [victim]


def test_timezone_aware_due_dates_are_read_in_their_stored_zone(small, as_of, baseline, tmp_path):
    inst = small.installments.copy()
    inst["due_date"] = inst["due_date"].dt.tz_localize("Asia/Shanghai")  # local midnights
    row = int(inst.index[inst["paid_date"].notna()][0])
    victim = inst.at[row, "borrower_id"]
    inst.loc[row, "due_date"] = inst.at[row, "due_date"] + pd.Timedelta(hours=9)  # a time of day
    _, out = _run(_write(_frames(small) | {"installments": inst}, tmp_path / "in"), tmp_path / "out", as_of)
    rejects = _conserved(out, set(small.installments["borrower_id"]))
    assert set(rejects["borrower_id"]) == {victim}
    assert ("due_date", "is_calendar_date") in _checks_of(rejects, victim)
    kept = out["scores"].set_index("borrower_id")
    base = baseline[1]["scores"].set_index("borrower_id").drop(index=victim)
    pd.testing.assert_frame_equal(kept.loc[base.index], base, check_dtype=False)


def test_a_few_naive_contact_times_are_rejected_not_a_traceback(small, as_of, tmp_path):
    """A log mostly written with its offset: the strays without one are row rejects (a log mostly
    without is refused in one line: tests/fuzz/test_cases.py)."""
    contacts = small.contacts.copy()
    contacts["contacted_at"] = contacts["contacted_at"].map(lambda t: t.isoformat()).astype(object)
    contacts.loc[contacts.index[:3], "contacted_at"] = contacts["contacted_at"].iloc[:3].str[:19]
    manifest, out = _run(_write(_frames(small) | {"contacts": contacts}, tmp_path / "in"), tmp_path / "out", as_of)
    _conserved(out, set(small.installments["borrower_id"]))
    bad = out["rejects"].query("table == 'contacts'")
    assert set(zip(bad["column"], bad["check"], strict=True)) == {("contacted_at", "timezone_awareness")}
    assert manifest.rows["contacts"]["rejected"] == 3


# -- values ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "check"), [(1e308, "amount_out_of_range"), (np.inf, "amount_out_of_range"),
                                              (-np.inf, "amount_out_of_range"), (2e12, "amount_out_of_range"),
                                              (np.nan, "not_nullable"), (-5.0, "greater_than_or_equal_to(0)")])
def test_an_absurd_amount_rejects_its_borrower_only(small, as_of, baseline, tmp_path, value, check):
    inst = small.installments.copy()
    row = _scored_row(small, as_of, baseline)  # a scored borrower: its reasons would quote the amount
    victim = inst.at[row, "borrower_id"]
    inst.loc[row, "amount_due"] = value
    _, out = _run(_write(_frames(small) | {"installments": inst}, tmp_path / "in"), tmp_path / "out", as_of)
    rejects = _conserved(out, set(inst["borrower_id"]))
    assert set(rejects["borrower_id"]) == {victim}
    assert ("amount_due", check) in _checks_of(rejects, victim)


@pytest.mark.parametrize(("table", "column", "kind", "stored", "quoted"), [
    ("installments", "due_date", pa.timestamp("us"), "20000-01-01", "20000-01-01"),
    ("installments", "due_date", pa.timestamp("us"), "0100-01-01", "0100-01-01"),
    ("contacts", "contacted_at", pa.timestamp("us", "UTC"), "20000-01-01T08:30", "20000-01-01T08:30:00+00:00"),
])
def test_a_stored_date_outside_pythons_years_rejects_its_borrower_only(small, as_of, tmp_path, table, column, kind,
                                                                        stored, quoted):
    """A parquet timestamp of year 20000 (a damaged or careless writer) is a reject quoting it as stored;
    it was an internal error (Python's dates end at 9999; pandas cannot format a zoned one either)."""
    frame = getattr(small, table).copy()
    victim = frame.at[9, "borrower_id"]
    data = pa.Table.from_pandas(frame, preserve_index=False)
    i = data.schema.get_field_index(column)
    when = data.column(i).cast(kind).to_numpy().copy()
    when[9] = np.datetime64(stored, "us")
    data = data.set_column(i, column, pa.array(when, kind))
    _, out = _run(_write(_frames(small) | {table: data}, tmp_path / "in"), tmp_path / "out", as_of)
    rejects = _conserved(out, set(small.installments["borrower_id"]))
    assert set(rejects["borrower_id"]) == {victim}
    hit = out["rejects"][out["rejects"]["check"] == "date_out_of_range"]
    assert len(hit) == 1 and json.loads(hit["values"].iloc[0])[column] == quoted


def test_reason_sentences_never_overflow_on_a_huge_value():
    for value in (1e308, -1e308, np.inf):
        assert quote("amount_outstanding", value) is None
        assert quote("share_late_all", value, n_matured=4.0) is None
    assert quote("share_late_6", 0.5, n_matured=np.nan)["count"] == 0


def test_a_huge_installment_number_rejects_one_borrower_not_all(small, as_of, tmp_path):
    inst = small.installments.copy()
    victim = inst.at[7, "borrower_id"]
    inst.loc[7, "installment_no"] = 2**62
    _, out = _run(_write(_frames(small) | {"installments": inst}, tmp_path / "in"), tmp_path / "out", as_of)
    rejects = _conserved(out, set(inst["borrower_id"]))
    assert set(rejects["borrower_id"]) == {victim}
    assert ("installment_no", "installment_no_out_of_range") in _checks_of(rejects, victim)


# -- files -----------------------------------------------------------------------------------------------------
def test_a_folder_of_parquet_files_with_mixed_column_types_scores_as_one_file(small, as_of, baseline, tmp_path):
    inst = small.installments
    folder = tmp_path / "inst"
    folder.mkdir()
    parts = (inst.iloc[:800].assign(installment_no=lambda d: d["installment_no"].astype(float)),  # int vs float
             inst.iloc[800:1600].assign(amount_due=lambda d: d["amount_due"].map(repr)),  # float vs text
             inst.iloc[1600:].assign(loan_id=lambda d: d["loan_id"].astype("category")))  # dictionary-encoded
    for i, part in enumerate(parts):
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), folder / f"part-{i}.parquet")
    paths = _write(_frames(small) | {"installments": None}, tmp_path / "in") | {"installments": folder}
    _, out = _run(paths, tmp_path / "out", as_of)
    assert _conserved(out, set(inst["borrower_id"])).empty
    pd.testing.assert_frame_equal(out["scores"], baseline[1]["scores"])


@pytest.mark.parametrize("layout", ["one_file", "two_files"])
def test_amounts_stored_in_32_bits_are_read_as_the_decimals_they_were(small, as_of, baseline, tmp_path, layout):
    """A frame downcast to float32 (to save memory) next to float64 amounts: 99.99 is 99.99 in both, so an
    installment paid in full is not short by 2e-6 (widened bit for bit, the features and scores moved)."""
    inst = small.installments
    assert (inst["amount_due"] == inst["amount_due"].round(2)).all()  # the world's amounts are cents
    narrow = inst.assign(amount_due=inst["amount_due"].astype("float32"))
    assert (narrow["amount_due"].astype("float64") != inst["amount_due"]).any()  # what a bitwise widening reads
    folder = tmp_path / "inst"
    folder.mkdir()
    if layout == "one_file":  # amount_due float32, amount_paid float64
        pq.write_table(pa.Table.from_pandas(narrow, preserve_index=False), folder / "part-0.parquet")
    else:  # one file's amounts float32 (due and paid), the other's float64
        first = narrow.iloc[:900].assign(amount_paid=lambda d: d["amount_paid"].astype("float32"))
        pq.write_table(pa.Table.from_pandas(first, preserve_index=False), folder / "part-0.parquet")
        pq.write_table(pa.Table.from_pandas(inst.iloc[900:], preserve_index=False), folder / "part-1.parquet")
    read = pd.concat([t.to_pandas() for t in riskscore.io.iter_batches(folder, table="installments")])
    assert read["amount_due"].dtype == "float64"
    np.testing.assert_array_equal(read["amount_due"].to_numpy(), inst["amount_due"].to_numpy())
    np.testing.assert_array_equal(read["amount_paid"].to_numpy(), inst["amount_paid"].to_numpy())
    paths = _write(_frames(small) | {"installments": None}, tmp_path / "in") | {"installments": folder}
    _, out = _run(paths, tmp_path / "out", as_of)
    pd.testing.assert_frame_equal(out["scores"], baseline[1]["scores"])


def test_lists_of_channels_stored_as_arrays_score_as_their_comma_text(small, as_of, baseline, tmp_path):
    """Spark's ``array<string>`` (or a pandas column of lists) for the comma lists of the borrowers table."""
    borrowers = small.borrowers
    lists = pa.Table.from_pandas(borrowers, preserve_index=False)
    allowed = pa.compute.split_pattern(lists["channels_allowed"], ",")
    lists = lists.set_column(lists.schema.get_field_index("channels_allowed"), "channels_allowed", allowed)
    consents = pa.array([["sms", "app"] if i % 3 else [] for i in range(len(borrowers))], pa.large_list(pa.string()))
    lists = lists.append_column("consents", consents)
    plain = borrowers.assign(consents=["sms,app" if i % 3 else "" for i in range(len(borrowers))])
    read = pd.concat([t.to_pandas() for t in riskscore.io.iter_batches(_write({"borrowers": lists}, tmp_path / "l")[
        "borrowers"], table="borrowers")])
    assert read["channels_allowed"].tolist() == borrowers["channels_allowed"].tolist()
    assert read["consents"].tolist() == plain["consents"].tolist()
    both = {}
    for name, table in (("lists", lists), ("plain", plain)):
        paths = _write(_frames(small) | {"borrowers": table}, tmp_path / name)
        both[name] = _run(paths, tmp_path / f"out-{name}", as_of)[1]
    pd.testing.assert_frame_equal(both["lists"]["scores"], both["plain"]["scores"])
    pd.testing.assert_frame_equal(both["lists"]["plans"], both["plain"]["plans"])
    pd.testing.assert_frame_equal(both["lists"]["scores"], baseline[1]["scores"])
    one_value = lists.set_column(lists.schema.get_field_index("language"), "language",  # one value per row
                                 pa.array([["en"]] * len(borrowers)))
    with pytest.raises(DataError, match=r"borrowers.parquet.: column language holds list<element: string> values"):
        _run(_write(_frames(small) | {"borrowers": one_value}, tmp_path / "n"), tmp_path / "out-n", as_of)


@pytest.mark.parametrize("damage", ["missing_column", "list_ids", "truncated", "unterminated_quote",
                                    "duplicated_column"])
def test_an_unreadable_input_is_one_line_naming_the_file(small, as_of, tmp_path, damage, capsys):
    inst = small.installments
    folder = tmp_path / "in"
    folder.mkdir()
    if damage == "missing_column":
        target = folder / "inst"
        target.mkdir()
        pq.write_table(pa.Table.from_pandas(inst.iloc[:100], preserve_index=False), target / "a.parquet")
        pq.write_table(pa.Table.from_pandas(inst.iloc[100:].drop(columns="paid_date"), preserve_index=False),
                       target / "b.parquet")
        named = target / "b.parquet"
    elif damage == "list_ids":
        target = named = folder / "inst.parquet"
        table = pa.Table.from_pandas(inst, preserve_index=False)
        pq.write_table(table.set_column(0, "borrower_id", pa.array([[b] for b in inst["borrower_id"]])), target)
    elif damage == "truncated":
        target = named = folder / "inst.parquet"
        pq.write_table(pa.Table.from_pandas(inst, preserve_index=False), target)
        target.write_bytes(target.read_bytes()[:-64])
    elif damage == "duplicated_column":  # pyarrow writes two columns of one name (was an internal KeyError)
        target = named = folder / "inst.parquet"
        table = pa.Table.from_pandas(inst, preserve_index=False)
        pq.write_table(table.append_column("amount_due", table["amount_due"]), target)
    else:
        target = named = folder / "inst.csv"
        lines = inst.to_csv(index=False).splitlines()
        lines[5] = lines[5].replace("B", '"B', 1)
        target.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=str(named)):
        score_portfolio(target, BUNDLE, as_of, tmp_path / "out", n_jobs=1, progress="off",
                        allow_missing_contacts=True)
    code = main(["score", "--installments", str(target), "--model", str(BUNDLE), "--as-of", as_of,
                 "--out", str(tmp_path / "out2"), "--no-report", "--jobs", "1", "--allow-missing-contacts"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("riskscore")]
    assert code == 1 and len(err) == 1 and str(named) in err[0] and "Traceback" not in err[0]
    if damage == "duplicated_column":
        assert err[0].endswith(f"the file has two columns amount_due (columns {inst.columns.get_loc('amount_due') + 1} "
                               f"and {len(inst.columns) + 1}); give each column its own name")


# -- outputs ---------------------------------------------------------------------------------------------------
def test_reject_values_keep_only_the_contract_columns(small, as_of, tmp_path):
    frames = _frames(small)
    victim = frames["installments"]["borrower_id"].iloc[0]
    frames["borrowers"]["full_name"] = "Jane Doe"
    frames["borrowers"]["phone"] = "+1 555 0100"
    frames["installments"]["note"] = "call her sister"
    frames["installments"].loc[0, "amount_due"] = -1.0
    _, out = _run(_write(frames, tmp_path / "in"), tmp_path / "out", as_of)
    _conserved(out, set(frames["installments"]["borrower_id"]))
    rejects = out["rejects"]
    assert set(rejects["borrower_id"]) == {victim} and set(rejects["table"]) >= {"installments", "borrowers"}
    for table, values in zip(rejects["table"], rejects["values"], strict=True):
        assert set(json.loads(values)) <= set(contract_columns(table))
    assert not rejects["values"].str.contains("555|Jane|sister").any()


def test_borrowers_without_installments_are_unmatched_not_scored(small, as_of, tmp_path):
    frames = _frames(small)
    strangers = frames["borrowers"].iloc[:4].assign(borrower_id=lambda d: "X-" + d["borrower_id"])
    frames["borrowers"] = pd.concat([frames["borrowers"], strangers], ignore_index=True)
    manifest, out = _run(_write(frames, tmp_path / "in"), tmp_path / "out", as_of)
    assert _conserved(out, set(frames["installments"]["borrower_id"])).empty
    assert manifest.rows["borrowers"]["unmatched"] == 4 and out["rejects"].empty


def test_validate_on_a_csv_rejects_what_score_rejects(small, as_of, tmp_path, capsys):
    inst = small.installments.copy()
    for c in ("due_date", "paid_date"):
        inst[c] = inst[c].dt.strftime("%Y-%m-%d")
    ids = sorted(inst["borrower_id"].unique())
    inst.loc[inst["borrower_id"] == ids[0], "borrower_id"] = "000123"
    inst.loc[inst["borrower_id"] == ids[1], "borrower_id"] = "NA"
    inst.loc[inst["borrower_id"] == ids[2], "borrower_id"] = "  "
    inst.loc[inst.index[inst["borrower_id"] == ids[3]][0], "due_date"] = "2300-01-01"
    paths = _write({"installments": inst}, tmp_path / "in", csv=True)
    _, out = _run(paths, tmp_path / "out", as_of, allow_missing_contacts=True)
    rejects = _conserved(out, set(inst["borrower_id"]))
    assert {"000123", "NA"} <= set(out["scores"]["borrower_id"])
    code = main(["validate", "--installments", str(paths["installments"]), "--rejects", str(tmp_path / "r.parquet")])
    assert code == 0
    assert (f"installments: {len(inst):,} rows, 0 exact duplicates dropped, {len(rejects)} rejected"
            in capsys.readouterr().out)
    written = pd.read_parquet(tmp_path / "r_installments.parquet")
    assert set(written["borrower_id"]) == set(rejects["borrower_id"]) == {"  ", ids[3]}


def test_validate_names_the_table_and_file_it_cannot_read(small, tmp_path, capsys):
    target = tmp_path / "inst.parquet"
    pq.write_table(pa.Table.from_pandas(small.installments, preserve_index=False), target)
    target.write_bytes(target.read_bytes()[:-64])
    assert main(["validate", "--installments", str(target)]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("riskscore")]
    assert len(err) == 1 and f"cannot read the installments input '{target}'" in err[0]


def test_profiles_by_country_without_a_country_column_are_refused_before_any_work(small, as_of, tmp_path):
    frames = _frames(small)
    frames["borrowers"] = frames["borrowers"].drop(columns="country")
    with pytest.raises(DataError, match=r"^borrowers: the profiles are given by country \(CN\) and the borrowers "
                                        r"table has no column country: every borrower would be planned under "
                                        r"us_reg_f_2021; "):
        _run(_write(frames, tmp_path / "in"), tmp_path / "out", as_of, profile="CN=cn_gbt45251_2025,*=us_reg_f_2021")
    assert not (tmp_path / "out" / "scores.parquet").exists()
