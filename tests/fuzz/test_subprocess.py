"""Law (b) as a scheduler sees it: the ``riskscore score`` console script in a subprocess, with logging to
stderr as the console script configures it. A few corrupted worlds, run side by side (each
process pays the interpreter's and riskscore's start-up, so the fuzzing itself runs in process:
see test_fuzz.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

import riskscore
from riskscore.testing import Damage, Layout, Op, Variant, assert_cli_outcome, assert_run_laws, write_variant
from tests.fuzz.harness import cli_argv


def _cell(table: str, row: int, col: str, value: object) -> Op:
    def fn(tables):
        tables[table][col] = tables[table][col].astype(object)
        tables[table].iat[row, tables[table].columns.get_loc(col)] = value
    return Op(f"{table}[{row}].{col} = {value!r}", fn)


#: The console script a scheduler runs (beside this interpreter), else the CLI module.
_SCRIPT = Path(sys.executable).with_name("riskscore")
ENTRY_POINT = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "riskscore.cli"]

VARIANTS = {
    "clean, default progress": Variant(tables=("installments", "contacts")),
    "a bad row in a CSV with a byte-order mark": Variant(
        ops=(_cell("installments", 3, "due_date", dt.date(2300, 1, 1)),),
        layouts=(("installments", Layout(fmt="csv", encoding="utf-8-sig", newline="\r\n")),)),
    "a truncated contact log": Variant(damage=Damage("contacts", "truncate", 0.5)),
}


@pytest.mark.slow
def test_the_console_entry_point_keeps_the_error_model(fuzz_world, tmp_path):
    runs = {}
    for i, (name, variant) in enumerate(VARIANTS.items()):
        written = write_variant(fuzz_world.tables, variant, tmp_path / f"{i}" / "in")
        argv = cli_argv(written, tmp_path / f"{i}" / "out", fuzz_world.as_of(variant.as_of), variant)
        if i == 0:  # as a scheduler runs it: progress and logging by default
            argv = [a for a in argv if a not in ("--progress", "off")]
        proc = subprocess.Popen([*ENTRY_POINT, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        runs[name] = (variant, written, tmp_path / f"{i}" / "out", proc)
    failures = []
    for name, (variant, written, out, proc) in runs.items():
        _, stderr = proc.communicate(timeout=600)
        try:
            assert_cli_outcome(proc.returncode, stderr)
            if proc.returncode == 0:
                assert_run_laws(out, written, riskscore.RunManifest.read(out / "manifest.json"))
            else:
                assert not variant.must_finish, "a row-level fault stopped the run"
        except AssertionError as err:
            failures.append(f"{name}: {err}")
    assert not failures, "\n".join(failures)
