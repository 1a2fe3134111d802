"""The command line's small guards (issue 20, item 9): help text, warnings, a stale as-of date."""

from __future__ import annotations

import argparse
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import riskscore
from riskscore.batch._partition import check_as_of
from riskscore.batch._worker import _show_warning
from riskscore.cli._errors import show_warning
from riskscore.cli._main import _parser, main

ROOT = Path(__file__).resolve().parents[2]


def _helps(parser: argparse.ArgumentParser, name: str = "riskscore"):
    yield name, parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _helps(sub, f"{name} {sub_name}")


def test_no_help_text_shows_a_doubled_percent_sign():
    helps = dict(_helps(_parser()))
    assert len(helps) >= 9 and "riskscore evaluate-policy" in helps
    assert [name for name, text in helps.items() if "%%" in text] == []
    assert "mean and 95 % interval over seeds" in " ".join(helps["riskscore evaluate-policy"].split())
    assert "(default 2% of those who owe)" in " ".join(helps["riskscore evaluate-policy"].split())


def test_validate_help_says_where_rejects_go():
    text = " ".join(dict(_helps(_parser()))["riskscore validate"].split())
    assert "rej.parquet -> rej_installments.parquet, rej_borrowers.parquet" in text


def test_warnings_print_one_line_without_source(capsys, monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored after the test
    assert main(["validate"]) == 2  # a usage error, after the CLI set up its warning display
    assert warnings.showwarning is show_warning
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show_warning
        warnings.warn("3 rows of installments\n  were dropped", riskscore.DataQualityWarning, stacklevel=1)
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "warning: DataQualityWarning: 3 rows of installments were dropped"
    _show_warning(UserWarning("from a worker"), UserWarning, "x.py", 1)  # the batch job's worker processes
    assert capsys.readouterr().err == "warning: UserWarning: from a worker\n"


def test_a_worker_process_prints_warnings_as_one_line():
    # what _init_worker sets up in each of the batch job's (spawned) worker processes
    code = ("import os, warnings, riskscore, riskscore.batch._run as r; "
            f"r._init_worker({str(ROOT / 'models' / 'sample')!r}, {{}}, True, os.getppid()); "
            "warnings.warn('careful', riskscore.DataQualityWarning)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stderr == "warning: DataQualityWarning: careful\n"


def test_check_as_of():
    check_as_of(pd.Timestamp("2025-01-31"), pd.Timestamp("2025-01-01"), 30, False)  # within the horizon
    with pytest.raises(ValueError, match=r"as_of 2025-02-01 is 31 days after the data's last date 2025-01-01 "
                                         r"\(given as data_date\), more than the model's 30-day horizon.*"
                                         r"allow_stale_data=True"):
        check_as_of(pd.Timestamp("2025-02-01"), pd.Timestamp("2025-01-01"), 30, False)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskscore", *args], capture_output=True, text=True, timeout=300)


def test_an_as_of_long_after_the_data_is_refused_unless_allowed(tmp_path):
    # the issue: --as-of 13 months after the data's last date exited 0 without a word
    csv = tmp_path / "installments.csv"
    pd.DataFrame({"borrower_id": ["a", "a", "b"], "loan_id": ["La", "La", "Lb"], "installment_no": [1, 2, 1],
                  "due_date": ["2025-01-01", "2025-02-01", "2025-01-15"], "amount_due": [100.0, 100.0, 50.0],
                  "paid_date": ["2025-01-15", None, "2025-01-15"], "amount_paid": [100.0, 0.0, 50.0]}
                 ).to_csv(csv, index=False)
    common = ["score", "--installments", str(csv), "--model", str(ROOT / "models" / "sample"),
              "--allow-missing-contacts", "--jobs", "1", "--no-report", "--now", "2026-02-15T13:00Z"]
    refused = _run(*common, "--as-of", "2026-02-15", "--out", str(tmp_path / "run"))
    assert refused.returncode == 1, refused.stderr
    lines = [x for x in refused.stderr.splitlines() if x.strip()]
    # the data date: the latest payment (2025-01-15) plus the contract's 31 days of tolerance
    assert ("as_of 2026-02-15 is 365 days after the data's last date 2025-02-15 (inferred: the latest payments "
            "plus 31 days' tolerance), more than the model's 30-day horizon") in lines[-1]
    assert "--allow-stale-data" in lines[-1] and "Traceback" not in refused.stderr
    allowed = _run(*common, "--as-of", "2026-02-15", "--out", str(tmp_path / "run2"), "--allow-stale-data")
    assert allowed.returncode == 0, allowed.stderr
    assert "1 scored" in allowed.stdout


@pytest.mark.parametrize(("entry", "text"), [
    ({"flag": "stable", "psi": 0.16, "noise": 1.008, "rows": 47}, "stable: chance alone reaches 1.008 at 47 rows"),
    ({"flag": "stable", "psi": 0.02, "noise": 0.004, "rows": 5000}, "stable"),
    ({"flag": "major", "psi": 0.4, "noise": 0.01, "rows": 5000}, "major"),
])
def test_a_small_run_says_why_a_large_psi_is_stable(entry, text):
    from riskscore.cli._print import _flag_text

    assert _flag_text(entry) == text


def test_the_cli_starts_the_fork_server_the_local_engine_uses():
    """The CLI starts the workers' fork server early with the modules the engine preloads."""
    import importlib

    from riskscore.batch._run import FORK_SERVER_PRELOAD
    from riskscore.cli._main import WORKER_MODULES

    assert WORKER_MODULES == FORK_SERVER_PRELOAD
    for name in WORKER_MODULES:
        importlib.import_module(name)


def test_options_are_never_abbreviated():
    """``score --data zh`` was read as ``--data-date zh`` ("not a date"): a prefix is no option."""
    parser = _parser()
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["score", "--dat", "zh", "--model", "m", "--as-of", "2025-01-01", "--out", "o"])
    assert info.value.code == 2
    args = parser.parse_args(["score", "--data", "zh", "--model", "m", "--as-of", "2025-01-01", "--out", "o"])
    assert args.data == Path("zh") and args.data_date is None and args.installments is None


def _half_bad_contacts(tmp_path: Path) -> Path:
    """The sample's tables, 60 % of the contact log's times unreadable (a month 13)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for t in ("installments", "borrowers"):
        pd.read_parquet(ROOT / "data" / "sample" / f"{t}.parquet").to_parquet(folder / f"{t}.parquet")
    log = pd.read_parquet(ROOT / "data" / "sample" / "contacts.parquet")
    log["contacted_at"] = log["contacted_at"].astype(str)
    log.loc[log.index[: int(len(log) * 0.6)], "contacted_at"] = "2025-13-45 10:00:00+00:00"
    log.to_csv(folder / "contacts.csv", index=False)
    return folder


def test_train_stops_when_most_of_a_table_is_rejected(tmp_path):
    """Every contact a reject once left the model trained without its contact log, in a run that succeeded."""
    folder = _half_bad_contacts(tmp_path)
    out = _run("train", "--data", str(folder), "--out", str(tmp_path / "b"), "--rejects", str(tmp_path / "r.parquet"))
    lines = [x for x in out.stderr.splitlines() if " INFO " not in x]
    assert out.returncode == 1 and len(lines) == 1, out.stderr
    n = len(pd.read_parquet(ROOT / "data" / "sample" / "contacts.parquet"))
    head = f"riskscore: data error: contacts '{folder / 'contacts.csv'}': "
    rejected = int(lines[0].removeprefix(head).split(" of ")[0].replace(",", ""))
    assert lines[0].startswith(f"{head}{rejected:,} of {n:,} rows are rejected (coerce_dtype('datetime64[ns, UTC]') "
                               f"{int(n * 0.6)}") and rejected >= n * 0.6
    assert lines[0].endswith(f"more than half: nothing is trained on the rest; the rejects with their reasons are "
                             f"in {tmp_path / 'r_contacts.parquet'}")
    assert len(pd.read_parquet(tmp_path / "r_contacts.parquet")) == rejected and not (tmp_path / "b").exists()


def test_train_stops_on_a_contact_log_of_nobody_and_writes_no_bundle(tmp_path):
    """A contact log whose ids are written another way ('1.0' where the installments write '1', as pandas
    writes a float column) trained a bundle whose every contact-log feature was that of a borrower never
    contacted, with a warning among the INFO lines; scoring with the same log already stopped."""
    folder = tmp_path / "d"
    folder.mkdir()
    sample = ROOT / "data" / "sample"
    inst = pd.read_parquet(sample / "installments.parquet")
    codes = {b: str(i + 1) for i, b in enumerate(sorted(inst["borrower_id"].unique()))}
    inst.assign(borrower_id=inst["borrower_id"].map(codes)).to_csv(folder / "installments.csv", index=False)
    log = pd.read_parquet(sample / "contacts.parquet")
    log.assign(borrower_id=log["borrower_id"].map(codes).astype(float)).to_csv(folder / "contacts.csv", index=False)
    out = _run("train", "--data", str(folder), "--out", str(tmp_path / "b"))
    lines = [x for x in out.stderr.splitlines() if " INFO " not in x]
    assert out.returncode == 1 and len(lines) == 1, out.stderr
    assert lines[0].startswith(f"riskscore: data error: contacts: none of its {len(log):,} rows is of a borrower of "
                               "the installments (ids are compared as text, exactly); the installments write ids "
                               "like '1', the contact log like '1.0': whole numbers with a decimal '.0'")
    assert lines[0].endswith("or train without a contact log (no --contacts, none in --data's folder; contacts=None "
                             "in Python)")
    assert not (tmp_path / "b").exists()


def test_score_says_why_it_rejected_and_fails_past_max_rejected(tmp_path):
    folder = _half_bad_contacts(tmp_path)
    common = ["score", "--data", str(folder), "--model", str(ROOT / "models" / "sample"), "--as-of", "2025-10-02",
              "--now", "2025-10-02T13:00Z", "--jobs", "1", "--no-report"]
    ok = _run(*common, "--out", str(tmp_path / "run"))
    assert ok.returncode == 0, ok.stderr
    m = riskscore.RunManifest.read(tmp_path / "run" / "manifest.json")
    share = m.borrowers["rejected"] / m.borrowers["in"]
    assert 0.05 < share < 1
    check = "coerce_dtype('datetime64[ns, UTC]')"
    (line,) = [x for x in ok.stdout.splitlines() if x.startswith("  rejected: ")]
    assert line.startswith(f"  rejected: {share:.1%} of the borrowers; rows by check: {check} "
                           f"{m.rejects_by_check[check]:,}") and line.endswith("(rejects.parquet has each row and why)")
    failed = _run(*common, "--out", str(tmp_path / "run2"), "--max-rejected", "0.05")
    lines = [x for x in failed.stderr.splitlines() if " INFO " not in x and " WARNING " not in x]
    assert failed.returncode == 1 and lines == [
        f"riskscore: data error: {m.borrowers['rejected']:,} of {m.borrowers['in']:,} borrowers ({share:.1%}) are "
        f"rejected, more than --max-rejected 0.05: the run's outputs are in {tmp_path / 'run2'} (rejects.parquet "
        "says why)"], failed.stderr
    assert (tmp_path / "run2" / "scores.parquet").exists()
    assert _run(*common, "--out", str(tmp_path / "run3"), "--max-rejected", "0.9").returncode == 0


def test_validate_shows_failing_rows_with_command_line_advice(tmp_path, capsys):
    """`riskscore validate` printed pandas' 'index', '(+4 more; see err.failure_cases)' and a
    riskscore.quarantine(...) hint: Python a command-line user cannot act on; an installment number
    read back from a failing row showed as 1.0."""
    rows = [{"borrower_id": "b1", "loan_id": "L1", "installment_no": 1, "due_date": f"2025-01-{d:02d}",
             "amount_due": 100, "paid_date": "", "amount_paid": ""} for d in range(1, 6)]
    f = tmp_path / "installments.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    assert main(["validate", "--installments", str(f)]) == 1
    out = capsys.readouterr().out
    assert "    row        due_date\n    0          loan_id=L1, installment_no=1, due_date=2025-01-01\n" in out
    assert "    (+2 more; riskscore validate --rejects FILE.parquet writes every one with its reason)\n" in out
    assert out.rstrip().endswith("Hint: fix the extract; riskscore score and train set these borrowers aside (each "
                                 "row in their rejects), and riskscore validate --rejects FILE.parquet writes them.")
    assert "err.failure_cases" not in out and "quarantine(" not in out and "index" not in out
