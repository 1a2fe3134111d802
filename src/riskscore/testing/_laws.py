"""The laws a nightly run keeps whatever its inputs hold, as assertions.

* :func:`assert_run_laws`: a finished run's outputs follow :data:`riskscore.contract.OUTPUTS`,
  and every input borrower, by its id *exactly as written in the file*, ends in exactly one of
  ``scores.parquet`` and ``rejects.parquet``; no id is invented or rewritten; every row of a
  borrower that is not scored is in ``rejects`` (rows without an id on their own); the
  manifest's counts add up.
* :func:`assert_cli_outcome`: ``riskscore`` exits 0, or 1 or 2 with exactly one line on stderr
  (besides log lines) starting with ``riskscore``, and never prints a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from riskscore.contract import OUTPUTS
from riskscore.testing._storage import IdText, WrittenInputs

__all__ = ["LOG_LINE", "assert_cli_outcome", "assert_run_laws", "error_lines"]

#: A line the CLI's logging writes (``%(asctime)s %(levelname)s %(name)s: %(message)s``).
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")
_SHOW = 5


def _blank(texts: IdText) -> bool:
    return texts is None or all(not t.strip() for t in texts)


def _read_outputs(out: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, schema in OUTPUTS.items():
        path = out / f"{name}.parquet"
        assert path.is_file(), f"{name}.parquet is missing from {out}"
        table = pq.read_table(path)
        assert table.schema.remove_metadata() == schema, (
            f"{name}.parquet does not follow its contract:\n{table.schema.remove_metadata()}\nexpected\n{schema}")
        frames[name] = table.to_pandas()
    return frames


def _missing(v: object) -> bool:
    """A null read back from parquet (``None``, or NaN in a pandas ``str`` column)."""
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _reject_index(rejects: pd.DataFrame) -> dict[tuple[str, int], set[str | None]]:
    """(table, row) -> the borrower ids the reject rows of that input row carry."""
    index: dict[tuple[str, int], set[str | None]] = {}
    for table, row, bid in zip(rejects["table"], rejects["row"], rejects["borrower_id"], strict=True):
        index.setdefault((table, int(row)), set()).add(None if _missing(bid) else str(bid))
    return index


def _row_problems(table: str, ids: list[IdText], scored: set[str],
                  rejected: dict[tuple[str, int], set[str | None]]) -> list[str]:
    problems = []
    for row, texts in enumerate(ids):
        carried = rejected.get((table, row))
        is_scored = bool(texts and texts & scored)
        if carried is not None:
            allowed = (set(texts or ()) | {None}) if _blank(texts) else set(texts or ())
            if not carried <= allowed:
                problems.append(f"{table} row {row}: id {_show(texts)} rejected as {sorted(carried, key=str)!r} "
                                "(rewritten)")
        if is_scored and carried is not None:
            problems.append(f"{table} row {row}: borrower {_show(texts)} is both scored and rejected")
        if table == "installments" and not is_scored and carried is None:
            problems.append(f"installments row {row}: borrower {_show(texts)} is neither scored nor rejected (lost)")
        if _blank(texts) and is_scored:
            problems.append(f"{table} row {row}: a blank id {_show(texts)} was scored")
    return problems


def _show(texts: IdText) -> str:
    if texts is None:
        return "<missing>"
    shown = [t if len(t) <= 30 else f"{t[:20]}...({len(t)} chars)" for t in sorted(texts)]
    return repr(shown[0]) if len(shown) == 1 else repr(shown)


def assert_run_laws(out: str | Path, written: WrittenInputs, manifest: Any = None) -> None:
    """Assert the conservation laws on the finished run in ``out`` of the inputs ``written``.

    Parameters
    ----------
    out : path
        The run's output folder.
    written : WrittenInputs
        What :func:`riskscore.testing.write_variant` wrote (the id of every input row).
    manifest : RunManifest, optional
        The run's manifest (``score_portfolio``'s result); its counts are checked too.

    Raises
    ------
    AssertionError
        Naming the first few rows that break a law.
    """
    frames = _read_outputs(Path(out))
    scores, rejects = frames["scores"], frames["rejects"]
    assert scores["borrower_id"].notna().all(), "scores.parquet has rows without borrower_id"
    dup = scores.loc[scores["borrower_id"].duplicated(), "borrower_id"].tolist()
    assert not dup, f"scores.parquet holds borrowers twice: {dup[:_SHOW]!r}"
    scored = set(scores["borrower_id"])
    rejected = _reject_index(rejects)
    problems = []
    for table, ids in written.ids.items():
        if written.trusted.get(table, False):
            problems += _row_problems(table, ids, scored, rejected)
    out_of_range = sorted({(t, r) for t, r in rejected if t in written.ids and written.trusted.get(t)
                           and not 0 <= r < len(written.ids[t])})
    problems += [f"rejects names {t} row {r}, which the input does not have" for t, r in out_of_range[:_SHOW]]
    unknown = sorted({t for t, _ in rejected} - set(written.ids))
    problems += [f"rejects names a table {t!r} that was not given" for t in unknown]
    if all(written.trusted.get(t, False) for t in written.ids):
        known = written.borrower_ids
        reported = scored | {b for ids in rejected.values() for b in ids if b is not None}
        invented = sorted(reported - known)
        problems += [f"id {x!r} is in the outputs but in no input (invented or rewritten)" for x in invented[:_SHOW]]
    assert not problems, f"{len(problems)} broken law(s):\n  " + "\n  ".join(problems[:_SHOW * 2])
    if manifest is not None:
        _check_manifest(manifest, written, scores, rejects)


def _check_manifest(manifest: Any, written: WrittenInputs, scores: pd.DataFrame, rejects: pd.DataFrame) -> None:
    b = manifest.borrowers
    status = scores["status"].value_counts()
    assert b["scored"] == status.get("scored", 0) and b["nothing_due"] == status.get("nothing_due", 0), (
        f"manifest borrowers {b} disagree with scores.parquet {status.to_dict()}")
    assert b["in"] == b["scored"] + b["nothing_due"] + b["rejected"], f"manifest borrowers do not add up: {b}"
    by_table = rejects["table"].value_counts()
    for table, ids in written.ids.items():
        if not written.trusted.get(table, False):
            continue
        rows: Mapping[str, int] = manifest.rows.get(table, {})
        assert rows.get("in") == len(ids), f"manifest counts {rows.get('in')} {table} rows in; the file has {len(ids)}"
        assert rows.get("rejected") == by_table.get(table, 0), (
            f"manifest counts {rows.get('rejected')} {table} rows rejected; rejects.parquet has "
            f"{by_table.get(table, 0)}")
    ids = written.ids.get("installments", [])
    if written.trusted.get("installments", False):
        nonblank = {min(t) for t in ids if not _blank(t)}
        nonnull = {min(t) for t in ids if t is not None}
        assert len(nonblank) <= b["in"] <= len(nonnull), (
            f"manifest counts {b['in']} borrowers in; the installments hold {len(nonblank)} "
            f"(and {len(nonnull) - len(nonblank)} blank ids)")


def error_lines(stderr: str) -> list[str]:
    """The lines of ``stderr`` that are not log lines (nor blank)."""
    return [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]


def assert_cli_outcome(code: int, stderr: str, allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """Assert the CLI's error model: exit 0, or a documented code with one ``riskscore`` line, never a traceback.

    Examples
    --------
    >>> assert_cli_outcome(1, "2026-01-01 10:00:00,000 INFO riskscore.batch: partitioning\\n"
    ...                       "riskscore: error: installments.csv: column 'due_date' is missing\\n")
    >>> try:
    ...     assert_cli_outcome(1, "riskscore: error: boom\\nTypeError: boom\\n")
    ... except AssertionError as err:
    ...     print(str(err).splitlines()[0])
    exit 1 wants exactly one line starting 'riskscore' on stderr, got 2: ['riskscore: error: boom', 'TypeError: boom']
    """
    assert "Traceback" not in stderr, f"a traceback on stderr (exit {code}): {stderr[-2000:]}"
    assert code in allowed, f"exit code {code} is not one of {allowed}; stderr: {stderr[-1000:]}"
    if code != 0:
        lines = error_lines(stderr)
        assert len(lines) == 1 and lines[0].startswith("riskscore"), (
            f"exit {code} wants exactly one line starting 'riskscore' on stderr, got {len(lines)}: {lines[:5]!r}")
