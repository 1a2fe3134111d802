"""A lender's extract through the command line (issue 20 items 1, 2, 5): --columns, --date-format, train's inputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import riskscore
from tests.cli.test_cli import run

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "sample"
COLUMNS = ("installments: {cust_no: borrower_id, due_dt: due_date}\ncontacts: {when: contacted_at}\n"
           "date_format: {installments: '%d/%m/%Y', contacts: '%d/%m/%Y %H:%M:%S%z'}\n")


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """60 borrowers of the sample twice: as riskscore writes them, and as a lender's CSV (own names, day first)."""
    folder = tmp_path_factory.mktemp("extract")
    inst = pd.read_parquet(ROOT / "data" / "sample" / "installments.parquet")
    inst = inst[inst["borrower_id"].isin(inst["borrower_id"].drop_duplicates().iloc[:60])]
    contacts = pd.read_parquet(ROOT / "data" / "sample" / "contacts.parquet")
    contacts = contacts[contacts["borrower_id"].isin(inst["borrower_id"])]
    inst.to_parquet(folder / "installments.parquet")
    contacts.to_parquet(folder / "contacts.parquet")
    theirs = inst.rename(columns={"borrower_id": "cust_no", "due_date": "due_dt"})
    for c in ("due_dt", "paid_date"):
        theirs[c] = pd.to_datetime(theirs[c]).dt.strftime("%d/%m/%Y")
    theirs.to_csv(folder / "x.csv", index=False)
    log = contacts.rename(columns={"contacted_at": "when"})
    log["when"] = pd.to_datetime(log["when"], utc=True).dt.tz_convert("Asia/Shanghai").dt.strftime(
        "%d/%m/%Y %H:%M:%S%z")
    log.to_csv(folder / "c.csv", index=False)
    (folder / "columns.yaml").write_text(COLUMNS)
    return folder


def test_validate_prints_the_mapping_and_refuses_day_first_dates_without_a_format(extract):
    f = extract
    out = run("validate", "--installments", str(f / "x.csv"), "--contacts", str(f / "c.csv"),
              "--columns", str(f / "columns.yaml"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:2] == [
        "installments: columns cust_no -> borrower_id, due_dt -> due_date; dates due_date as %d/%m/%Y, "
        "paid_date as %d/%m/%Y",
        "contacts: columns when -> contacted_at; dates contacted_at as %d/%m/%Y %H:%M:%S%z"]
    assert "All tables pass their contracts." in out.stdout
    (f / "names_only.yaml").write_text("installments: {cust_no: borrower_id, due_dt: due_date}\n")
    out = run("validate", "--installments", str(f / "x.csv"), "--columns", str(f / "names_only.yaml"))
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    assert f"installments '{f / 'x.csv'}': due_date holds day/month dates (" in out.stderr
    assert "--date-format installments.due_date=%d/%m/%Y" in out.stderr
    out = run("validate", "--installments", str(f / "x.csv"))
    assert out.returncode == 1 and out.stderr.strip().endswith(
        "closest: cust_no, due_dt); map them with --columns FILE.yaml (columns= in Python): installments: "
        "{cust_no: borrower_id, due_dt: due_date}")


@pytest.mark.parametrize(("args", "error"), [
    (["--date-format", "dd/mm/yyyy"], "argument --date-format: not a strftime format"),
    (["--date-format", "payments=%d/%m/%Y"], "--date-format: date_format key 'payments' is not '*', a table"),
    (["--columns", "{folder}/bad.yaml"], "'{folder}/bad.yaml': columns: unknown table 'payments'"),
])
def test_bad_format_options_are_usage_errors_naming_the_option_or_file(extract, args, error):
    (extract / "bad.yaml").write_text("payments: {a: borrower_id}\n")
    out = run("validate", "--installments", str(extract / "x.csv"), *[a.format(folder=extract) for a in args])
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert error.format(folder=extract) in out.stderr


def test_score_reads_the_extract_exactly_as_the_contracts_files_and_report_rereads_it(extract, tmp_path):
    f = extract
    common = ["--model", str(BUNDLE), "--as-of", "2025-10-02", "--now", "2025-10-02T08:00Z", "--jobs", "1"]
    base = run("score", "--installments", str(f / "installments.parquet"), "--contacts", str(f / "contacts.parquet"),
               "--out", str(tmp_path / "base"), "--no-report", *common)
    assert base.returncode == 0, base.stderr
    theirs = run("score", "--installments", str(f / "x.csv"), "--contacts", str(f / "c.csv"), "--columns",
                 str(f / "columns.yaml"), "--out", str(tmp_path / "theirs"), *common)
    assert theirs.returncode == 0, theirs.stderr
    a, b = (pd.read_parquet(tmp_path / d / "scores.parquet") for d in ("base", "theirs"))
    assert len(a) == 60 and a["status"].eq("scored").sum() > 0
    cols = ["borrower_id", "status", "likelihood", "expected_days", "points"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))
    inputs = json.loads((tmp_path / "theirs" / "manifest.json").read_text())["inputs"]
    assert inputs["installments"]["columns"] == {"cust_no": "borrower_id", "due_dt": "due_date"}
    assert inputs["installments"]["date_format"] == {"due_date": "%d/%m/%Y", "paid_date": "%d/%m/%Y"}
    assert inputs["contacts"]["date_format"] == {"contacted_at": "%d/%m/%Y %H:%M:%S%z"}
    # the report re-reads the extract with the recorded mapping: a scored borrower's page is the same page
    scored = b.loc[b["status"] == "scored", "borrower_id"].iloc[0]
    pages = {}
    for name in ("base", "theirs"):
        page = run("explain", "--run", str(tmp_path / name), "--borrower", scored)
        assert page.returncode == 0, page.stderr
        pages[name] = re.sub(r"<p>Run <bdi>.*?</p>", "", (tmp_path / name / f"borrower-{scored}.html").read_text())
    assert pages["theirs"] == pages["base"] and "Survival curve and SHAP not shown" not in pages["theirs"]
    # another date format is another run: the folder's run is never resumed with other settings
    other = run("score", "--installments", str(f / "x.csv"), "--contacts", str(f / "c.csv"), "--columns",
                str(f / "columns.yaml"), "--date-format", "installments.paid_date=%d/%m/%y", "--out",
                str(tmp_path / "theirs"), *common)
    assert other.returncode == 1 and "holds a run with other input_format than this one" in other.stderr


@pytest.fixture(scope="module")
def world_csv(tmp_path_factory):
    """A generated world as a lender's CSV (own names, day-first dates), one bad row; and as parquet with text dates."""
    folder = tmp_path_factory.mktemp("world_csv")
    w = riskscore.generate(300, seed=5)
    inst = w.installments.rename(columns={"borrower_id": "cust_no", "due_date": "due_dt"})
    for c in ("due_dt", "paid_date"):
        inst[c] = inst[c].dt.strftime("%d/%m/%Y")
    inst.loc[0, "amount_due"] = -5.0  # its borrower is rejected whole
    inst.to_csv(folder / "x.csv", index=False)
    (folder / "pq").mkdir()
    iso = w.installments.assign(due_date=w.installments["due_date"].dt.strftime("%Y-%m-%d"),
                                paid_date=w.installments["paid_date"].dt.strftime("%Y-%m-%d"))
    iso.to_parquet(folder / "pq" / "installments.parquet")  # text dates in parquet crashed train before
    (folder / "columns.yaml").write_text("installments: {cust_no: borrower_id, due_dt: due_date}\n")
    return folder, w.installments.loc[0, "borrower_id"], (w.installments["borrower_id"] ==
                                                          w.installments.loc[0, "borrower_id"]).sum()


def test_train_takes_an_extract_validates_first_and_reports_rejects(world_csv, tmp_path):
    folder, bad_borrower, bad_rows = world_csv
    out = run("train", "--installments", str(folder / "x.csv"), "--columns", str(folder / "columns.yaml"),
              "--date-format", "%d/%m/%Y", "--rejects", str(tmp_path / "rej.parquet"), "--out",
              str(tmp_path / "bundle"), "--freq", "56D")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(
        f"installments: 4,702 rows, 0 exact duplicates dropped, {bad_rows} rejected (1 borrowers: ")
    assert "greater_than_or_equal_to(0) 1" in lines[0]  # and the rows of its installment that now disagree
    assert lines[0].endswith(f") -> {tmp_path / 'rej_installments.parquet'}")
    rejects = pd.read_parquet(tmp_path / "rej_installments.parquet")
    assert set(rejects["borrower_id"]) == {bad_borrower}
    digest = riskscore.bundle_digest(tmp_path / "bundle")
    assert f"its digest (pin it with riskscore score --model-sha256): {digest}" in out.stdout
    assert lines[-1] == f"Model card: {tmp_path / 'bundle' / 'model_card.md'}"
    assert (tmp_path / "bundle" / "model_card.md").is_file()
    for step in ("INFO riskscore.cli: validating installments: 4702 rows from", "INFO riskscore.model: building "
                 "snapshots at", "INFO riskscore.model: fitted ("):
        assert step in out.stderr
    refused = run("train", "--installments", str(folder / "x.csv"), "--columns", str(folder / "columns.yaml"),
                  "--out", str(tmp_path / "b2"))
    assert refused.returncode == 1 and "due_date holds day/month dates" in refused.stderr


def test_train_on_parquet_with_text_dates(world_csv, tmp_path):
    folder = world_csv[0]
    out = run("train", "--data", str(folder / "pq"), "--out", str(tmp_path / "bundle"), "--freq", "56D")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("installments: 4,702 rows, 0 exact duplicates dropped, 0 rejected (0 borrowers)")


def test_a_european_spreadsheet_scores_as_the_contracts_files_with_its_number_format(extract, tmp_path):
    """``;``-separated, amounts as 1.234,56: refused row by row with the option to give, then read exactly."""
    f = extract
    inst = pd.read_parquet(f / "installments.parquet")
    eu = inst.copy()
    for c in ("amount_due", "amount_paid"):
        eu[c] = eu[c].map(lambda v: f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", "."))
    assert eu["amount_due"].str.contains(r"\.\d{3},").any()  # some amounts have a group separator
    eu.to_csv(f / "eu.csv", sep=";", index=False)
    out = run("validate", "--installments", str(f / "eu.csv"))
    assert out.returncode == 1
    assert ("amount_due holds text that is not plain numbers (100%: ") in out.stderr.splitlines()[-1]
    assert ("they read as '1.234,56': give --number-format '1.234,56' (number_format='1.234,56' in Python)"
            in out.stderr.splitlines()[-1])
    common = ["--model", str(BUNDLE), "--as-of", "2025-10-02", "--now", "2025-10-02T08:00Z", "--jobs", "1"]
    base = run("score", "--installments", str(f / "installments.parquet"), "--contacts", str(f / "contacts.parquet"),
               "--out", str(tmp_path / "base"), "--no-report", *common)
    eur = run("score", "--installments", str(f / "eu.csv"), "--contacts", str(f / "contacts.parquet"),
              "--number-format", "1.234,56", "--out", str(tmp_path / "eu"), "--no-report", *common)
    assert base.returncode == 0 and eur.returncode == 0, eur.stderr
    a, b = (pd.read_parquet(tmp_path / d / "scores.parquet") for d in ("base", "eu"))
    cols = ["borrower_id", "status", "likelihood", "expected_days", "points", "amount_at_risk", "reason_1_text"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))
    assert pd.read_parquet(tmp_path / "eu" / "rejects.parquet").empty
    manifest = json.loads((tmp_path / "eu" / "manifest.json").read_text())
    assert manifest["inputs"]["installments"]["number_format"] == "1.234,56"
    assert "number_format" not in manifest["inputs"]["contacts"]
    scored = b.loc[b["status"] == "scored", "borrower_id"].iloc[0]  # the report re-reads it in the run's style
    page = run("explain", "--run", str(tmp_path / "eu"), "--borrower", scored)
    assert page.returncode == 0, page.stderr
    assert "Survival curve and SHAP not shown" not in (tmp_path / "eu" / f"borrower-{scored}.html").read_text()
    bad = run("score", "--installments", str(f / "eu.csv"), "--number-format", "1,23", "--out",
              str(tmp_path / "bad"), *common)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "--number-format: number_format '1,23' is not one of" in bad.stderr


def test_a_chinese_excel_export_scores_with_its_encoding_and_the_report_rereads_it(extract, tmp_path):
    """GB18030 text and Chinese column names, as WPS or Excel on a Chinese system exports them."""
    f = extract
    inst = pd.read_parquet(f / "installments.parquet")
    names = {"borrower_id": "客户号", "loan_id": "借据号", "installment_no": "期数", "due_date": "应还日",
             "amount_due": "应还金额", "paid_date": "实还日", "amount_paid": "实还金额"}
    inst.rename(columns=names).to_csv(f / "zh.csv", index=False, encoding="gb18030")
    (f / "zh.yaml").write_text("installments: {" + ", ".join(f"{v}: {k}" for k, v in names.items()) + "}\n",
                               encoding="utf-8")
    common = ["--model", str(BUNDLE), "--as-of", "2025-10-02", "--now", "2025-10-02T08:00Z", "--jobs", "1",
              "--contacts", str(f / "contacts.parquet"), "--columns", str(f / "zh.yaml")]
    out = run("score", "--installments", str(f / "zh.csv"), "--out", str(tmp_path / "no"), *common)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    assert "its text is not UTF-8; give its encoding: --encoding gb18030" in out.stderr
    base = run("score", "--installments", str(f / "installments.parquet"), "--out", str(tmp_path / "base"),
               "--no-report", *common[:-2])
    zh = run("score", "--installments", str(f / "zh.csv"), "--encoding", "gb18030", "--out", str(tmp_path / "zh"),
             "--no-report", *common)
    assert base.returncode == 0 and zh.returncode == 0, zh.stderr
    a, b = (pd.read_parquet(tmp_path / d / "scores.parquet") for d in ("base", "zh"))
    cols = ["borrower_id", "status", "likelihood", "expected_days", "points", "amount_at_risk", "reason_1_text"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))
    assert json.loads((tmp_path / "zh" / "manifest.json").read_text())["inputs"]["installments"]["encoding"] == \
        "gb18030"
    scored = b.loc[b["status"] == "scored", "borrower_id"].iloc[0]
    page = run("explain", "--run", str(tmp_path / "zh"), "--borrower", scored)
    assert page.returncode == 0, page.stderr
    assert "Survival curve and SHAP not shown" not in (tmp_path / "zh" / f"borrower-{scored}.html").read_text()


def test_evaluate_logs_reads_the_extract_as_its_runs_did(extract, tmp_path):
    """evaluate-logs had no --columns (its own error message asked for one) and read text dates unchecked: a wrong
    --date-format was an internal error. It reads the inputs as the first run recorded, checked like every command."""
    f = extract
    (tmp_path / "explore.yaml").write_text("seed: 7\nshares: {self_cure: 0.5, middle: 0.5, low: 0.5}\n")
    borrowers = pd.read_parquet(ROOT / "data" / "sample" / "borrowers.parquet")
    ids = pd.read_parquet(f / "installments.parquet")["borrower_id"].unique()
    borrowers[borrowers["borrower_id"].isin(ids)].to_parquet(tmp_path / "borrowers.parquet")
    scored = run("score", "--installments", str(f / "x.csv"), "--contacts", str(f / "c.csv"), "--columns",
                 str(f / "columns.yaml"), "--borrowers", str(tmp_path / "borrowers.parquet"), "--model", str(BUNDLE),
                 "--as-of", "2025-10-02", "--now", "2025-10-02T08:00Z", "--jobs", "1", "--no-report",
                 "--out", str(tmp_path / "run"), "--explore", str(tmp_path / "explore.yaml"))
    assert scored.returncode == 0, scored.stderr
    common = ["evaluate-logs", str(tmp_path / "run"), "--candidate", "middle=none", "--resamples", "20"]
    tables = {}
    for name, inputs in {"theirs": ["--installments", str(f / "x.csv"), "--contacts", str(f / "c.csv")],
                         "given": ["--installments", str(f / "x.csv"), "--contacts", str(f / "c.csv"),
                                   "--columns", str(f / "columns.yaml")],
                         "ours": ["--installments", str(f / "installments.parquet"),
                                  "--contacts", str(f / "contacts.parquet")]}.items():
        out = run(*common, *inputs, "--out", str(tmp_path / f"{name}.csv"))
        assert out.returncode == 0, (name, out.stderr)
        tables[name] = pd.read_csv(tmp_path / f"{name}.csv")
    assert set(tables["ours"]["metric"]) == {"recovered", "contacts"}
    pd.testing.assert_frame_equal(tables["theirs"], tables["ours"])
    pd.testing.assert_frame_equal(tables["given"], tables["ours"])
    wrong = run(*common, "--installments", str(f / "x.csv"), "--date-format", "installments=%Y-%m-%d")
    said = wrong.stderr.strip().splitlines()
    assert wrong.returncode == 1 and len(said) == 1, wrong.stderr
    assert said[0].startswith(f"riskscore: data error: installments '{f / 'x.csv'}': ")
    assert "rows are rejected (date_format" in said[0] and "nothing is estimated from the rest" in said[0]
