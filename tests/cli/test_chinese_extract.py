"""A Chinese lender's extract through the command line, as a stranger runs it: one message at a time.

GB18030 CSV from a spreadsheet, Chinese column names, ids with leading zeros, day-first dates, amounts
with ``¥`` and thousands separators, flags as 是/否, the contact log in local time written with slashes
and its channels in Chinese. Each run's one line says what to add; with everything said, ``train``
writes the very bundle the clean parquet tables give and ``score`` the same scores.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import riskscore
from tests.cli.test_cli import run

CHANNELS = {"sms": "短信", "call": "电话", "email": "邮件", "letter": "信函", "app": "APP推送"}
COLUMNS = {"installments": {"客户编号": "borrower_id", "借据号": "loan_id", "期数": "installment_no",
                            "应还日期": "due_date", "应还金额": "amount_due", "实还日期": "paid_date",
                            "实还金额": "amount_paid"},
           "borrowers": {"客户编号": "borrower_id", "时区": "timezone", "允许渠道": "channels_allowed",
                         "偏好渠道": "preferred_channel", "语言": "language", "国家": "country"},
           "contacts": {"客户编号": "borrower_id", "联系时间": "contacted_at", "渠道": "channel", "结果": "outcome"}}


def _yaml(tables: dict[str, dict[str, str]], channels: bool) -> str:
    lines = []
    for table, names in tables.items():
        body = ", ".join(f"{k}: {v}" for k, v in names.items())
        if table == "contacts" and channels:
            body += ", channel: {" + ", ".join(f"{v}: {k}" for k, v in CHANNELS.items()) + "}"
        lines.append(f"{table}: {{{body}}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zh")
    w = riskscore.generate(400, seed=3)
    (folder / "clean").mkdir()
    (folder / "zh").mkdir()
    borrowers = w.borrowers[w.borrowers["channels_allowed"] != ""]  # a bare empty cell is never "no channel"
    inst = w.installments[w.installments["borrower_id"].isin(borrowers["borrower_id"])]
    contacts = w.contacts[w.contacts["borrower_id"].isin(borrowers["borrower_id"])]
    for name, df in (("installments", inst), ("borrowers", borrowers), ("contacts", contacts)):
        df.to_parquet(folder / "clean" / f"{name}.parquet")
    ids = {b: f"{i:06d}" for i, b in enumerate(sorted(borrowers["borrower_id"]))}  # order kept, leading zeros

    def day_first(s: pd.Series) -> pd.Series:
        return pd.to_datetime(s).dt.strftime("%d/%m/%Y")

    def yuan(s: pd.Series) -> pd.Series:
        return s.map(lambda v: f"¥{v:,.2f}")

    zh = pd.DataFrame({"客户编号": inst["borrower_id"].map(ids), "借据号": inst["loan_id"],
                       "期数": inst["installment_no"], "应还日期": day_first(inst["due_date"]),
                       "应还金额": yuan(inst["amount_due"]),
                       "实还日期": day_first(inst["paid_date"]), "实还金额": yuan(inst["amount_paid"])})
    zh.to_csv(folder / "zh" / "installments.csv", index=False, encoding="gb18030")
    flags = [c for c in borrowers.columns if borrowers[c].dtype == bool]
    b = borrowers.rename(columns={v: k for k, v in COLUMNS["borrowers"].items()})
    b["客户编号"] = b["客户编号"].map(ids)
    b[flags] = b[flags].replace({True: "是", False: "否"})
    b.to_csv(folder / "zh" / "borrowers.csv", index=False, encoding="gb18030")
    local = pd.to_datetime(contacts["contacted_at"], utc=True).dt.tz_convert("Asia/Shanghai")
    c = pd.DataFrame({"客户编号": contacts["borrower_id"].map(ids), "联系时间": local.dt.strftime("%Y/%m/%d %H:%M:%S"),
                      "渠道": contacts["channel"].map(CHANNELS), "结果": contacts["outcome"]})
    c.to_csv(folder / "zh" / "contacts.csv", index=False, encoding="gb18030")
    (folder / "installments_only.yaml").write_text(_yaml({"installments": COLUMNS["installments"]}, False))
    (folder / "names.yaml").write_text(_yaml(COLUMNS, False))
    (folder / "columns.yaml").write_text(_yaml(COLUMNS, True))
    return folder, ids


@pytest.fixture(scope="module")
def clean_bundle(extract, tmp_path_factory):
    """The bundle ``riskscore train`` writes from the clean parquet tables."""
    out = tmp_path_factory.mktemp("clean") / "bundle"
    done = run("train", "--data", str(extract[0] / "clean"), "--out", str(out), "--freq", "56D")
    assert done.returncode == 0, done.stderr
    return out


def _one_line(out, *parts: str) -> None:
    """A failed run that says why in one line (besides the progress log's INFO lines)."""
    said = [line for line in out.stderr.strip().splitlines() if not re.match(r"^\d{4}-\d\d-\d\d .* INFO ", line)]
    assert out.returncode == 1 and len(said) == 1, out.stderr
    for part in parts:
        assert part in said[0], said[0]


def test_train_says_what_to_add_one_line_at_a_time_then_writes_the_clean_tables_bundle(extract, clean_bundle,
                                                                                     tmp_path):
    f, _ = extract
    zh = ["train", "--data", str(f / "zh"), "--out", str(tmp_path / "b"), "--freq", "56D"]
    _one_line(run(*zh), "its text is not UTF-8; give its encoding: --encoding gb18030")
    zh += ["--encoding", "gb18030"]
    _one_line(run(*zh), "map them with --columns FILE.yaml", "installments: {客户编号: borrower_id, 借据号: loan_id")
    _one_line(run(*zh, "--columns", str(f / "installments_only.yaml")),
              "due_date holds day/month dates", "--date-format installments.due_date=%d/%m/%Y")
    zh += ["--date-format", "installments=%d/%m/%Y"]
    _one_line(run(*zh, "--columns", str(f / "installments_only.yaml")),
              "amount_due holds text that is not plain numbers (100%: ¥", "give --number-format '¥1,234.56'")
    zh += ["--number-format", "¥1,234.56"]
    _one_line(run(*zh, "--columns", str(f / "names.yaml")),
              "contacted_at holds times without a UTC offset (", "--date-format contacts.contacted_at=Asia/Shanghai")
    zh += ["--date-format", "contacts.contacted_at=Asia/Shanghai"]
    _one_line(run(*zh, "--columns", str(f / "names.yaml")),
              "channel holds values outside the contract's (电话", "(contacts: {channel: {电话: ...}}")
    out = run(*zh, "--columns", str(f / "columns.yaml"))
    assert out.returncode == 0, out.stderr
    assert all(" 0 rejected " in line for line in out.stdout.splitlines()[:3]), out.stdout
    assert riskscore.bundle_digest(tmp_path / "b") == riskscore.bundle_digest(clean_bundle)


def test_score_takes_the_folder_and_gives_the_clean_tables_scores(extract, clean_bundle, tmp_path):
    f, ids = extract
    common = ["--model", str(clean_bundle), "--as-of", "2025-10-02", "--now", "2025-10-02T08:00Z", "--jobs", "1",
              "--no-report"]
    zh = run("score", "--data", str(f / "zh"), "--out", str(tmp_path / "zh"), "--encoding", "gb18030",
             "--columns", str(f / "columns.yaml"), "--date-format", "installments=%d/%m/%Y", "--number-format",
             "¥1,234.56", "--date-format", "contacts.contacted_at=Asia/Shanghai", *common)
    assert zh.returncode == 0, zh.stderr
    clean = run("score", "--data", str(f / "clean"), "--out", str(tmp_path / "clean"), *common)
    assert clean.returncode == 0, clean.stderr
    a, b = (pd.read_parquet(tmp_path / d / "scores.parquet") for d in ("clean", "zh"))
    a["borrower_id"] = a["borrower_id"].map(ids)
    assert (a["status"] == "scored").sum() > 0 and (b["status"] == "rejected").sum() == 0
    cols = ["borrower_id", "status", "likelihood", "expected_days", "points"]
    pd.testing.assert_frame_equal(a[cols].sort_values("borrower_id").reset_index(drop=True),
                                  b[cols].sort_values("borrower_id").reset_index(drop=True))
    # the fairness file beside it, as the lender keeps it: GB18030, the id under the extract's own name
    run_dir = tmp_path / "zh"
    scored = b.loc[b["status"] == "scored", "borrower_id"]
    groups = pd.DataFrame({"客户编号": scored, "性别": ["男", "女"] * (len(scored) // 2) + ["男"] * (len(scored) % 2)})
    groups.to_csv(tmp_path / "p.csv", index=False, encoding="gb18030")
    _one_line(run("report", "--run", str(run_dir), "--protected", str(tmp_path / "p.csv")),
              f"cannot read '{tmp_path / 'p.csv'}': its text is not UTF-8; give its encoding: --encoding gb18030")
    done = run("report", "--run", str(run_dir), "--protected", str(tmp_path / "p.csv"), "--encoding", "gb18030",
               "--pages", "review=2")
    assert done.returncode == 0, done.stderr
    page = (run_dir / "report.html").read_text()
    assert "Fairness by protected attribute" in page and ">女<" in page and ">男<" in page
    assert "(missing)" not in page  # every scored borrower found in the file
    assert "Survival curve and SHAP not shown" not in page  # --encoding kept the run's column names
    groups.assign(客户编号=groups["客户编号"].astype(int)).to_csv(tmp_path / "q.csv", index=False, encoding="gb18030")
    _one_line(run("report", "--run", str(run_dir), "--protected", str(tmp_path / "q.csv"), "--encoding", "gb18030"),
              "None of the ", "ids are compared as text, exactly (leading zeros count)")
