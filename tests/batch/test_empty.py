"""Empty is normal: nobody to score, zero rows, a chunk with nobody in it run to exit 0 (issue 18).

Each case is an input a nightly job meets on valid data: an as-of date before the data, a table
of zero rows, a borrowers table that matches nobody, a chunk whose borrowers are all rejected or
all have nothing due. Scores, plans, audit and rejects keep the contract's columns and types
(zero rows where nobody is scored) and the counts add up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import riskscore
from riskscore.batch import ChunkSettings, score_chunk
from riskscore.batch._partition import ROW
from riskscore.cli import main
from riskscore.contract import OUTPUTS, RunManifest, empty_output, to_arrow
from riskscore.schemas import outstanding_at, validate_installments
from riskscore.scoring import Scorer
from riskscore.scoring._scorer import SCORE_COLUMNS
from tests.batch.conftest import BUNDLE, write_table

TABLES = ("installments", "borrowers", "contacts")


@pytest.fixture(scope="module")
def small() -> riskscore.World:
    return riskscore.generate(120, seed=5)


@pytest.fixture(scope="module")
def as_of(small) -> pd.Timestamp:
    return pd.Timestamp(small.end) - pd.Timedelta(days=90)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.from_bundle(BUNDLE)


@pytest.fixture(scope="module")
def full(small, as_of, scorer):
    """A normal in-process score and plan: the types an empty result must have too."""
    scored = scorer.score(small.installments, as_of, contacts=small.contacts, borrowers=small.borrowers)
    steps, audit = scorer.plan(scored, small.borrowers, small.contacts, now=as_of.tz_localize("UTC"))
    assert len(scored.scores) and len(steps)
    return scored, steps, audit


def _same_types(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got.dtypes.to_dict() == want.dtypes.to_dict()


# -- Scorer.score / Scorer.plan in process ------------------------------------------------------
@pytest.mark.parametrize("case", ["as_of_before_the_data", "zero_installments", "zero_installments_untyped"])
def test_the_scorer_takes_empty_frames_and_returns_typed_empty_frames(case, small, as_of, scorer, full):
    inst, when = small.installments, as_of
    if case == "as_of_before_the_data":  # broke with "operands could not be broadcast together"
        when = pd.Timestamp(small.installments["due_date"].min()) - pd.Timedelta(days=60)
    elif case == "zero_installments":
        inst = inst.iloc[:0]
    else:
        inst = pd.DataFrame({c: pd.Series(dtype=object) for c in inst.columns})
    scored = scorer.score(inst, when, contacts=small.contacts.iloc[:0], borrowers=small.borrowers.iloc[:0])
    want = full[0]
    assert len(scored.scores) == len(scored.features) == len(scored.reasons) == 0
    assert list(scored.scores.columns) == SCORE_COLUMNS
    _same_types(scored.scores, want.scores)
    _same_types(scored.reasons, want.reasons)
    _same_types(scored.features, want.features)
    assert scored.scores.index.dtype == want.scores.index.dtype and scored.scores.index.name == "borrower_id"
    steps, audit = scorer.plan(scored, small.borrowers, small.contacts, now=when.tz_localize("UTC"))
    _same_types(steps, empty_output("plans"))
    _same_types(audit, empty_output("audit"))
    assert to_arrow(steps, OUTPUTS["plans"]).num_rows == 0


@pytest.mark.parametrize("borrowers", ["zero_rows", "no_id_matches"])
def test_plans_with_a_borrowers_table_that_matches_nobody(borrowers, small, as_of, scorer, full):
    """Scored borrowers missing from the borrowers table go to human review, as one missing borrower does."""
    table = small.borrowers.iloc[:0] if borrowers == "zero_rows" else \
        small.borrowers.assign(borrower_id="X" + small.borrowers["borrower_id"].astype(str))
    scored = full[0]
    steps, audit = scorer.plan(scored, table, small.contacts, now=as_of.tz_localize("UTC"))
    assert set(steps["borrower_id"]) == set(scored.scores.index)
    assert set(steps["action"]) == {"human_review"}
    assert list(steps.columns) == OUTPUTS["plans"].names and len(audit)


# -- the per-chunk function -----------------------------------------------------------------------
def _rows(frame: pd.DataFrame, ids) -> pd.DataFrame:
    part = frame.loc[frame["borrower_id"].isin(list(ids))].copy()
    part[ROW] = np.arange(len(part), dtype=np.int64)
    return part


def _nothing() -> pd.DataFrame:
    """What the partition pass gives for a table with no row in the chunk (an empty input file)."""
    return pd.DataFrame({"borrower_id": pd.Series(dtype=object), ROW: pd.Series(dtype=np.int64)})


@pytest.fixture(scope="module")
def id_groups(small, as_of):
    owed = set(outstanding_at(validate_installments(small.installments), as_of)["borrower_id"].astype(str))
    ids = sorted(small.installments["borrower_id"].astype(str).unique())
    return {"owing": [b for b in ids if b in owed][:15], "nothing_due": [b for b in ids if b not in owed][:15]}


def _chunk_case(case: str, small, groups) -> dict[str, pd.DataFrame]:
    owing, idle = groups["owing"], groups["nothing_due"]
    frames = {t: _rows(getattr(small, t), owing + idle) for t in TABLES}
    if case == "empty_chunk":  # a chunk nobody hashed into: ['likelihood', ...] not in index
        return {t: _nothing() for t in TABLES}
    if case == "all_nothing_due":
        return {t: _rows(getattr(small, t), idle) for t in TABLES}
    if case == "all_rejected":
        frames["installments"] = frames["installments"].assign(amount_due=-1.0)
    elif case == "zero_contacts":  # error: contacted_at
        frames["contacts"] = _nothing()
    elif case == "zero_borrowers":  # error: timezone
        frames["borrowers"] = _nothing()
    elif case == "borrowers_match_nobody":
        frames["borrowers"] = _rows(small.borrowers, owing).assign(borrower_id=lambda d: "X" + d["borrower_id"])
    elif case == "all_contacts_rejected":
        frames["contacts"] = frames["contacts"].assign(outcome="shouted")
    return frames


@pytest.mark.parametrize("case", ["empty_chunk", "all_nothing_due", "all_rejected", "zero_contacts", "zero_borrowers",
                                  "borrowers_match_nobody", "all_contacts_rejected"])
def test_a_chunk_with_nobody_to_score_or_plan(case, small, as_of, scorer, id_groups):
    frames = _chunk_case(case, small, id_groups)
    settings = ChunkSettings(as_of=as_of, now=as_of.tz_localize("UTC") + pd.Timedelta(hours=13),
                             data_date=pd.Timestamp(small.end))
    result = score_chunk(frames, scorer, settings)
    st, tables = result.stats, result.tables
    for name, schema in OUTPUTS.items():
        assert to_arrow(tables[name], schema).schema == schema, name
    ids_in = frames["installments"]["borrower_id"].dropna().unique()
    assert st["borrowers_in"] == len(ids_in)
    assert st["borrowers_in"] == st["borrowers_scored"] + st["borrowers_nothing_due"] + st["borrowers_rejected"]
    assert len(tables["scores"]) == st["borrowers_scored"] + st["borrowers_nothing_due"]
    expected = {"empty_chunk": (0, 0, 0), "all_nothing_due": (0, len(ids_in), 0),
                "all_rejected": (0, 0, len(ids_in))}
    if case in expected:
        assert (st["borrowers_scored"], st["borrowers_nothing_due"], st["borrowers_rejected"]) == expected[case]
        assert len(tables["plans"]) == len(tables["audit"]) == 0
    else:
        scored = tables["scores"].loc[tables["scores"]["status"] == "scored", "borrower_id"]
        if case == "all_contacts_rejected":  # a corrupt contact log rejects its borrowers whole
            assert st["borrowers_rejected"] > 0
        else:
            assert st["borrowers_scored"] == len(id_groups["owing"]) and st["borrowers_rejected"] == 0
            assert set(tables["plans"]["borrower_id"]) == set(scored)
        if case in ("zero_borrowers", "borrowers_match_nobody"):
            assert set(tables["plans"]["action"]) == {"human_review"}


# -- the whole job, through the CLI (score, then the report) -------------------------------------
@pytest.fixture(scope="module")
def files(small, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("empty_inputs")
    out = {}
    for t in TABLES:
        out[t] = folder / f"{t}.parquet"
        write_table(getattr(small, t), out[t], t)
        out[f"zero_{t}"] = folder / f"zero_{t}.parquet"
        write_table(getattr(small, t).iloc[:0], out[f"zero_{t}"], t)
    out["bad_installments"] = folder / "bad_installments.parquet"
    write_table(small.installments.assign(amount_due=-1.0), out["bad_installments"], "installments")
    return out


RUNS = {  # case: (installments, borrowers, contacts, as-of, extra options)
    "as_of_before_the_data": ("installments", "borrowers", "contacts", "2023-06-30", []),
    "zero_installments": ("zero_installments", "borrowers", "contacts", None, []),
    "zero_borrowers": ("installments", "zero_borrowers", "contacts", None, []),
    "zero_contacts": ("installments", "borrowers", "zero_contacts", None, []),
    "all_empty": ("zero_installments", "zero_borrowers", "zero_contacts", None, []),
    "all_rejected": ("bad_installments", "borrowers", "contacts", None, []),
    "small_chunks": ("installments", "borrowers", "contacts", None, ["--chunk-borrowers", "5"]),
}


@pytest.mark.parametrize("case", list(RUNS))
def test_empty_runs_exit_0_with_consistent_counts_and_a_report(case, files, as_of, small, tmp_path, capsys):
    inst, bor, con, when, extra = RUNS[case]
    when = when or str(as_of.date())
    out = tmp_path / "run"
    code = main(["score", "--installments", str(files[inst]), "--borrowers", str(files[bor]), "--contacts",
                 str(files[con]), "--model", str(BUNDLE), "--as-of", when, "--out", str(out), "--jobs", "1",
                 "--progress", "off", "--now", f"{when} 13:00", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    manifest = RunManifest.read(out / "manifest.json")
    b = manifest.borrowers
    assert b["in"] == b["scored"] + b["nothing_due"] + b["rejected"]
    tables = {n: pq.read_table(out / f"{n}.parquet") for n in OUTPUTS}
    for name, schema in OUTPUTS.items():
        assert tables[name].schema.equals(schema, check_metadata=False), name
    status = tables["scores"].column("status").to_pylist()
    assert (status.count("scored"), status.count("nothing_due")) == (b["scored"], b["nothing_due"])
    in_ids = set(pd.read_parquet(files[inst], columns=["borrower_id"])["borrower_id"].astype(str))
    rejected = set(tables["rejects"].column("borrower_id").to_pylist()) - {None}
    assert set(tables["scores"].column("borrower_id").to_pylist()) | rejected == in_ids
    expected = {"as_of_before_the_data": (0, len(in_ids), 0), "zero_installments": (0, 0, 0), "all_empty": (0, 0, 0),
                "all_rejected": (0, 0, len(in_ids))}
    if case in expected:
        assert (b["scored"], b["nothing_due"], b["rejected"]) == expected[case]
        assert tables["plans"].num_rows == tables["audit"].num_rows == 0
    else:
        assert b["scored"] > 0
    if case == "small_chunks":  # about a third of 5-borrower chunks have nobody to score
        assert manifest.chunks["total"] >= len(in_ids) // 5
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    if b["scored"] == 0:
        assert "nothing to score, explain or plan" in html
