"""The report and the borrower pages hold up (issue 18): nothing-due, rejected and unknown
borrowers, inputs moved or changed since the run, folders that are not runs, nobody scored, no
outcome observable yet, and ids with right-to-left overrides."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import riskscore
from riskscore.batch import score_portfolio
from riskscore.cli import main
from riskscore.exceptions import ContractError
from riskscore.report import Run, explain_borrower, render_report, summarise_run, write_report
from riskscore.schemas import outstanding_at, validate_installments
from tests.batch.conftest import BUNDLE, write_table

#: A borrower id with a right-to-left override: it must not reorder the text around it.
RLO_ID = "B\u202eexe.TXT"
_ISOLATED = re.compile("<bdi>.*?</bdi>|\u2068.*?\u2069", re.S)


@pytest.fixture(scope="module")
def world() -> riskscore.World:
    return riskscore.generate(120, seed=7)


@pytest.fixture(scope="module")
def as_of(world) -> pd.Timestamp:
    return pd.Timestamp(world.end) - pd.Timedelta(days=90)


@pytest.fixture(scope="module")
def ids(world, as_of) -> dict[str, str]:
    """An owing borrower (renamed RLO_ID), one to reject, one with nothing due."""
    owed = sorted(outstanding_at(validate_installments(world.installments), as_of)["borrower_id"].astype(str).unique())
    idle = sorted(set(world.installments["borrower_id"].astype(str)) - set(owed))
    return {"rlo": owed[0], "rejected": owed[1], "nothing_due": idle[0], "scored": owed[2]}


@pytest.fixture(scope="module")
def inputs(world, ids, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("robust_inputs")
    paths = {}
    for t in ("installments", "borrowers", "contacts"):
        frame = getattr(world, t).copy()
        frame["borrower_id"] = frame["borrower_id"].astype(object).replace({ids["rlo"]: RLO_ID})
        if t == "installments":
            bad = frame.index[frame["borrower_id"] == ids["rejected"]][0]
            frame.loc[bad, "amount_due"] = -1.0
        paths[t] = folder / f"{t}.parquet"
        write_table(frame, paths[t], t)
    return paths


def _score(inputs: dict[str, Path], as_of: pd.Timestamp | str, out: Path) -> Path:
    as_of = pd.Timestamp(as_of)
    score_portfolio(inputs["installments"], BUNDLE, as_of, out, borrowers=inputs["borrowers"],
                    contacts=inputs["contacts"], now=as_of.tz_localize("UTC") + pd.Timedelta(hours=13), n_jobs=1,
                    progress="off")
    return out


@pytest.fixture(scope="module")
def run_dir(inputs, as_of, tmp_path_factory) -> Path:
    return _score(inputs, as_of, tmp_path_factory.mktemp("robust_run") / "run")


def _explain_cli(run: Path, borrower: str, out: Path, capsys) -> tuple[int, str]:
    code = main(["explain", "--run", str(run), "--borrower", borrower, "--out", str(out)])
    return code, capsys.readouterr().err


# -- borrower pages ----------------------------------------------------------------------------------
def test_a_nothing_due_borrower_gets_a_page_saying_so(run_dir, ids, tmp_path, capsys):
    """Was UndefinedError: 'dict object' has no attribute 'curve' (84 % of the demo's borrowers)."""
    html = explain_borrower(run_dir, ids["nothing_due"])
    assert "Nothing is due at the as-of date" in html and "no score" in html
    assert "<svg" not in html and "likelihood of repaying" not in html
    code, err = _explain_cli(run_dir, ids["nothing_due"], tmp_path / "p.html", capsys)
    assert code == 0, err
    assert "Nothing is due" in (tmp_path / "p.html").read_text()


def test_a_rejected_borrower_gets_a_page_with_the_reasons(run_dir, ids, tmp_path, capsys):
    html = explain_borrower(run_dir, ids["rejected"])
    assert "Rejected: rows of this borrower fail the data contract" in html
    assert "amount_due" in html and "Rejected rows" in html
    assert _explain_cli(run_dir, ids["rejected"], tmp_path / "p.html", capsys)[0] == 0


def test_an_unknown_borrower_is_one_line_naming_its_status(run_dir, tmp_path, capsys):
    with pytest.raises(KeyError, match="is not in the run"):
        explain_borrower(run_dir, "nobody")
    code, err = _explain_cli(run_dir, "nobody", tmp_path / "p.html", capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "'nobody' is not in the run" in err and "Traceback" not in err
    assert err.strip().endswith("ids are compared as text, exactly.")  # nothing near it: no guess
    assert not (tmp_path / "p.html").exists()


def test_a_mistyped_borrower_id_is_answered_with_the_id_it_may_mean(run_dir, ids):
    scored = ids["scored"]  # the generator's ids: a prefix and a zero-padded number ('B00000042')
    prefix, number = re.fullmatch(r"(\D+)0*(\d+)", scored).groups()
    for typed in (f" {scored} ", scored.lower(), number, f"{prefix.lower()}{number}", f"{prefix}0{number}"):
        with pytest.raises(KeyError) as caught:
            explain_borrower(run_dir, typed)
        assert str(caught.value).strip('"').endswith(
            f"ids are compared as text, exactly; did you mean '{scored}'?"), typed


# -- inputs moved or changed since the run ----------------------------------------------------------
def _copy_run(run_dir: Path, tmp_path: Path, **inputs: Path) -> Path:
    """The run folder copied, with the manifest pointing some inputs elsewhere."""
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    for table, path in inputs.items():
        manifest["inputs"][table]["path"] = str(path)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    (copy / "report.html").unlink(missing_ok=True)
    return copy


@pytest.mark.parametrize("how", ["moved", "changed"])
def test_inputs_moved_or_changed_since_the_run(how, run_dir, inputs, ids, tmp_path, capsys):
    """Was the same UndefinedError in `riskscore report` and in the report step of `score`."""
    if how == "moved":
        copy = _copy_run(run_dir, tmp_path, installments=tmp_path / "moved" / "installments.parquet")
        said = "is not there any more"
    else:
        changed = tmp_path / "contacts.parquet"
        contacts = pd.read_parquet(inputs["contacts"])
        write_table(pd.concat([contacts, contacts.iloc[:1]], ignore_index=True), changed, "contacts")
        copy = _copy_run(run_dir, tmp_path, contacts=changed)
        said = "has changed since the run"
    assert main(["report", "--run", str(copy), "--pages", "review=1,largest=2,random=1", "--borrower",
                 ids["nothing_due"]]) == 0, capsys.readouterr().err
    html = (copy / "report.html").read_text()
    assert f"Survival curve and SHAP not shown: the run&#39;s {'installments' if how == 'moved' else 'contacts'}" \
        in html and said in html
    assert "SHAP waterfall of borrower" not in html and "Nothing is due" in html
    page = explain_borrower(copy, ids["scored"])
    assert said in page and "by day 30" in page  # the run's own curve points, without the recomputed curve


def test_the_report_step_of_score_survives_moved_inputs(inputs, as_of, tmp_path, capsys):
    """A finished run re-run on the same inputs, moved: the run is complete, the report step reads
    the inputs the manifest recorded (no longer there) and says so instead of failing."""
    def score(folder: Path) -> int:
        return main(["score", "--installments", str(folder / "installments.parquet"), "--borrowers",
                     str(folder / "borrowers.parquet"), "--contacts", str(folder / "contacts.parquet"),
                     "--model", str(BUNDLE), "--as-of", str(as_of.date()), "--out", str(tmp_path / "run"),
                     "--jobs", "1", "--progress", "off", "--now", f"{as_of.date()} 13:00"])

    first = tmp_path / "in"
    shutil.copytree(inputs["installments"].parent, first)
    assert score(first) == 0, capsys.readouterr().err
    first.rename(tmp_path / "moved")
    assert score(tmp_path / "moved") == 0, capsys.readouterr().err
    assert "is not there any more" in (tmp_path / "run" / "report.html").read_text()


def test_a_moved_bundle_is_one_line_naming_the_option(run_dir, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["model"]["path"] = str(tmp_path / "gone")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert main(["report", "--run", str(copy)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "is not there any more: give it with --model" in err
    assert main(["report", "--run", str(copy), "--model", str(BUNDLE)]) == 0


# -- folders that are not runs ----------------------------------------------------------------------
@pytest.mark.parametrize("what", ["bundle", "empty_folder", "a_file", "missing", "outputs_missing", "other_json"])
def test_a_folder_that_is_not_a_run_is_one_line(what, run_dir, tmp_path, capsys):
    """Was a TypeError traceback for a bundle folder."""
    words = {"bundle": "is a model bundle, not a run folder", "empty_folder": "holds no manifest.json",
             "a_file": "is a file, not a run folder", "missing": "does not exist",
             "outputs_missing": "lacks scores.parquet", "other_json": "not a riskscore run manifest"}[what]
    folder = {"bundle": BUNDLE, "missing": tmp_path / "nowhere"}.get(what, tmp_path / "x")
    if what == "empty_folder":
        folder.mkdir()
    elif what == "a_file":
        folder.write_text("not a run")
    elif what == "outputs_missing":
        shutil.copytree(run_dir, folder)
        (folder / "scores.parquet").unlink()
    elif what == "other_json":
        folder.mkdir()
        (folder / "manifest.json").write_text('{"format": "something-else"}')
    with pytest.raises(ContractError, match=re.escape(words)):
        Run(folder)
    for command in (["report", "--run", str(folder)], ["explain", "--run", str(folder), "--borrower", "b"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and str(folder) in err and words in err, err


@pytest.mark.parametrize(("output", "damage", "detail"), [
    ("plans", "cut", "Parquet magic bytes not found in footer"),   # was ArrowInvalid: internal error, exit 70
    ("scores", "empty", "Parquet file size is 0 bytes"),
    ("audit", "page", None),                                        # a corrupt page: an OSError of the codec
])
def test_a_damaged_output_of_a_finished_run_is_one_line_naming_it(output, damage, detail, run_dir, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    path = folder / f"{output}.parquet"
    data = bytearray(path.read_bytes())
    if damage == "page":  # zeros over the middle of the file: its footer still reads, a data page does not
        middle = len(data) // 3
        data[middle:middle + len(data) // 4] = bytes(len(data) // 4)
    path.write_bytes(bytes(data[:200] if damage == "cut" else b"" if damage == "empty" else data))
    with pytest.raises(ContractError) as caught:
        summarise_run(folder)
    said = str(caught.value)
    assert said.startswith(f"'{path}' cannot be read: ") and said.endswith(
        "; the run's output is damaged or not parquet (changed or cut short after the run finished): score again "
        "into a new --out folder."), said
    assert detail is None or f"cannot be read: {detail};" in said
    for command in (["report", str(folder)], ["explain", "--run", str(folder), "--borrower", "b"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert err == f"riskscore: error: {said}\n", err


def test_the_run_folder_may_be_given_as_report_s_argument(run_dir, tmp_path, capsys):
    # `riskscore report RUN` was "unrecognized arguments: RUN"
    assert main(["report", str(run_dir), "--out", str(tmp_path / "a.html")]) == 0
    assert (tmp_path / "a.html").read_text().startswith("<!DOCTYPE html>")
    assert main(["report", str(run_dir), "--run", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"riskscore report: error: report: two run folders, '{run_dir}' and --run '{tmp_path}'; give one")


# -- nobody scored, no outcome yet --------------------------------------------------------------------
def test_scoring_at_the_datas_last_date_writes_the_report(inputs, world, tmp_path):
    """Was `concordance_index needs at least one event: all samples are censored`, no report."""
    run = _score(inputs, pd.Timestamp(world.end).normalize(), tmp_path / "last")
    assert Run(run).manifest.borrowers["scored"] > 0
    s = summarise_run(run, pages={"review": 1, "largest": 1, "random": 0})
    assert not s["backtest"]["available"] and "no outcome is observable after the as-of date" in s["backtest"]["why"]
    html = write_report(run).read_text()
    assert "Backtest of this run" in html and "no outcome is observable" in html


def test_the_report_of_a_run_with_nobody_scored(inputs, world, tmp_path):
    run = _score(inputs, pd.Timestamp(world.installments["due_date"].min()) - pd.Timedelta(days=30),
                 tmp_path / "early")
    s = summarise_run(run)
    assert s["overview"]["borrowers"]["scored"] == 0 and s["borrowers"] == []
    assert "No borrower has anything due" in s["overview"]["note"]
    assert not s["backtest"]["available"] and "no borrower was scored" in s["backtest"]["why"]
    assert not s["monitoring"]["available"] and "no borrower was scored" in s["monitoring"]["why"]
    html = render_report(s)
    assert "No scored borrower, so no reasons" in html
    ids = pd.read_parquet(run / "scores.parquet", columns=["borrower_id"])["borrower_id"]
    protected = pd.DataFrame({"borrower_id": ids, "band": "all"})
    html = write_report(run, protected=protected).read_text()  # was: list object has no element 0
    assert "No scored borrower, so no group to compare" in html


# -- bidirectional text ----------------------------------------------------------------------------------
def test_ids_with_right_to_left_overrides_are_isolated(run_dir, tmp_path):
    s = summarise_run(run_dir, pages={"review": 0, "largest": 1, "random": 0}, borrowers=[RLO_ID])
    html = render_report(s)
    page = explain_borrower(run_dir, RLO_ID)
    for doc in (html, page):
        assert "\u202e" in doc and "<bdi>B\u202eexe.TXT</bdi>" in doc
        assert "\u202e" not in _ISOLATED.sub("", doc), "an override outside an isolate reorders the text after it"
    assert "<title>riskscore · borrower \u2068B\u202eexe.TXT\u2069</title>" in page


def test_the_audit_digest_reads_row_groups_with_their_own_dictionaries(run_dir, tmp_path):
    """Each chunk of a run writes its audit rows as a row group with its own dictionaries (Spark's parts
    too); reading them as dictionary codes once failed the demo's report ('Unifying differing
    dictionaries'). The digest equals the plain read: the blocked rows and the distinct rules."""
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    audit = pq.read_table(folder / "audit.parquet")
    half = audit.num_rows // 2
    parts = [audit.slice(0, half), audit.slice(half)]
    parts[0] = parts[0].take(list(range(parts[0].num_rows))[::-1])  # another first value: another dictionary
    with pq.ParquetWriter(folder / "audit.parquet", audit.schema) as writer:
        for part in parts:
            writer.write_table(part)
    assert pq.ParquetFile(folder / "audit.parquet").num_row_groups == 2
    blocked, rules = Run(folder).audit_digest()
    plain = audit.to_pandas()
    want = plain.loc[plain["outcome"] == "blocked", ["borrower_id", "rule_id", "kind", "profile"]]
    key = ["borrower_id", "rule_id", "kind", "profile"]
    pd.testing.assert_frame_equal(blocked.sort_values(key, ignore_index=True),
                                  want.sort_values(key, ignore_index=True), check_dtype=False)
    distinct = plain[["profile", "rule_id", "kind", "basis"]].drop_duplicates()
    pd.testing.assert_frame_equal(rules, distinct.sort_values(list(distinct.columns), ignore_index=True),
                                  check_dtype=False)
    assert len(want) and len(rules) > 1
