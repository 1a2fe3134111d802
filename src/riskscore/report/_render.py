"""Steps 2 and 3 of the report: render the summary with autoescaping templates, write one HTML file."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from riskscore.exceptions import DataError
from riskscore.io import read_table, write_text
from riskscore.report import _svg
from riskscore.report._borrower import borrower_pages
from riskscore.report._data import Run
from riskscore.report._glossary import code_link, link_codes
from riskscore.report._history import summarise_history
from riskscore.report._summary import glossary, summarise_run

__all__ = ["HISTORY_NAME", "REPORT_NAME", "explain_borrower", "render_borrower", "render_history", "render_report",
           "write_history", "write_html", "write_report"]

#: The report's file name inside a run folder.
REPORT_NAME = "report.html"
#: The runs-over-time page's file name inside a folder of runs.
HISTORY_NAME = "history.html"


def _pct(v: object, digits: int = 1) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):.{digits}%}"


def _num(v: object, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):,.{digits}f}" if digits or not float(v).is_integer() else f"{int(v):,}"


def _environment(glossary: Mapping[str, Any] | None = None) -> Environment:
    """The templates' environment; codes link to the entries of ``glossary`` (the summary's)."""
    env = Environment(loader=PackageLoader("riskscore.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=_pct, num=_num, bdi=_svg.bdi, isolate=_svg.isolate)
    anchors = dict((glossary or {}).get("anchors", {}))
    titles = {(r["profile"], r["rule_id"]): r["title"] or r["note"] for r in (glossary or {}).get("rules", [])}
    env.globals.update(svg=_svg, code=lambda c, profile=None: code_link(c, anchors, profile),
                       codes=lambda text, profile=None: link_codes(text, anchors, profile),
                       rule_title=lambda profile, rule_id: _svg.bdi(titles.get((profile, rule_id)) or "–"))
    return env


def render_report(summary: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML document (inline CSS and SVG, no script, no link out).

    Every value from the run is escaped by the templates (autoescaping); charts escape their
    own labels.

    Examples
    --------
    >>> from riskscore.report import render_report, summarise_run  # doctest: +SKIP
    >>> html = render_report(summarise_run("runs/demo"))  # doctest: +SKIP
    """
    return _environment(summary.get("glossary")).get_template("report.html.j2").render(s=summary)


def render_borrower(page: Mapping[str, Any], run: Mapping[str, Any], glossary: Mapping[str, Any] | None = None) -> str:
    """One borrower's page as a standalone HTML document (``run``: the summary's ``run`` section),
    with a glossary of its codes when ``glossary`` (see :func:`summarise_run`) is given."""
    return _environment(glossary).get_template("borrower.html.j2").render(b=page, run=run, gl=glossary)


def write_html(html: str, path: str | Path) -> Path:
    """Write a rendered document atomically; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, html)
    return target


def write_report(run: str | Path, out: str | Path | None = None, *, protected: str | Path | pd.DataFrame | None = None,
                 pages: Mapping[str, int] | None = None, borrowers: Iterable[str] = (), model: str | Path | None = None,
                 backtest_borrowers: int = 50_000, seed: int = 0,
                 columns: Mapping[str, Mapping[str, str]] | None = None,
                 date_format: str | Mapping[str, str] | None = None, number_format: str | None = None,
                 encoding: str | None = None, header: Mapping[str, Sequence[str]] | None = None) -> Path:
    """Summarise a run, render it and write ``report.html`` (default: inside the run folder).

    Parameters
    ----------
    run : path
        A finished run folder (``riskscore score --out``).
    out : path, optional
        Where to write (default ``run/report.html``).
    protected : path or DataFrame, optional
        Protected attributes beside the run: ``borrower_id`` and one column of groups per
        attribute (parquet or CSV). Adds the fairness section; never used as features. A file is
        read in ``encoding`` (default UTF-8), its id column under the extract's own name when the
        columns mapping (``columns``, default the run's) maps that name to ``borrower_id``.
    pages, borrowers, model, backtest_borrowers, seed
        See :func:`summarise_run`.
    columns, date_format, number_format, encoding, header : optional
        Read the run's inputs again with this column mapping, these date and number formats, this
        encoding and these names of CSV columns without a header line
        (:class:`riskscore.io.InputFormat`), each given one over what the run's manifest records
        (``encoding`` alone keeps the recorded column names).

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> from riskscore.report import write_report
    >>> write_report("runs/demo")  # doctest: +SKIP
    PosixPath('runs/demo/report.html')
    """
    target = Path(out) if out is not None else Path(run) / REPORT_NAME
    source: str | Path | Run = run
    if any(x is not None for x in (columns, date_format, number_format, encoding, header)):
        source = Run(run, columns=columns, date_format=date_format, number_format=number_format, encoding=encoding,
                     header=header)
    if protected is not None and not isinstance(protected, pd.DataFrame):
        source = source if isinstance(source, Run) else Run(run)  # its manifest read once, for both
        protected = _read_protected(protected, source, columns, encoding)
    summary = summarise_run(source, pages=pages, borrowers=borrowers, protected=protected, model=model,
                            backtest_borrowers=backtest_borrowers, seed=seed)
    return write_html(render_report(summary), target)


def _read_protected(path: str | Path, run: Run, columns: Mapping[str, Mapping[str, str]] | None,
                    encoding: str | None) -> pd.DataFrame:
    """The protected-attributes file, in ``encoding`` (default UTF-8: never guessed), with the extract's
    name of ``borrower_id`` (from ``columns``, else the run's recorded mappings) when the file has no
    ``borrower_id`` column."""
    inputs = [run.manifest.inputs.get(t) or {} for t in ("borrowers", "installments", "contacts")]
    frame = read_table(path, encoding=encoding)
    if "borrower_id" not in frame.columns:
        maps = list(columns.values()) if columns is not None else [e.get("columns") or {} for e in inputs]
        theirs = [k for m in maps for k, v in m.items() if v == "borrower_id" and k in frame.columns]
        if not theirs:
            raise DataError.from_message(
                "protected", f"protected attributes '{path}' have no borrower_id column (it has: "
                             f"{', '.join(map(str, frame.columns))}); name the id column borrower_id, or as the "
                             "run's columns file names it")
        frame = frame.rename(columns={theirs[0]: "borrower_id"})
    return frame


def render_history(history: Mapping[str, Any]) -> str:
    """The runs-over-time page of :func:`summarise_history` as one self-contained HTML document."""
    return _environment().get_template("history.html.j2").render(h=history)


def write_history(folder: str | Path, out: str | Path | None = None) -> Path:
    """Summarise a folder of runs over time and write one HTML page (default ``folder/history.html``).

    Small multiples per run, by as-of date: the score's PSI against the bundle's training
    reference (with the watch and act thresholds), features drifted, borrowers scored, mean
    likelihood, plan steps and the plan mix; then a table of the runs linking to their reports.
    ``riskscore report --history DIR`` on the command line.

    Parameters
    ----------
    folder : path
        A folder of run folders (see :func:`summarise_history`).
    out : path, optional
        Where to write (default ``folder/history.html``).

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> from riskscore.report import write_history
    >>> write_history("runs/nightly")  # doctest: +SKIP
    PosixPath('runs/nightly/history.html')
    """
    target = Path(out) if out is not None else Path(folder) / HISTORY_NAME
    return write_html(render_history(summarise_history(folder)), target)


def explain_borrower(run: str | Path, borrower_id: str, *, model: str | Path | None = None) -> str:
    """One borrower's page of a run, rendered on demand (``riskscore explain``).

    A borrower with nothing due gets a page saying so (no score, no plan); a rejected one a page
    with its rejected rows and their reasons.

    Raises
    ------
    KeyError
        When the run has no such borrower (in its scores or its rejects).
    riskscore.exceptions.ContractError
        When ``run`` is not a finished run folder.

    Examples
    --------
    >>> from riskscore.report import explain_borrower  # doctest: +SKIP
    >>> html = explain_borrower("runs/demo", "B00000083")  # doctest: +SKIP
    """
    r = Run(run)
    scorer = r.scorer(model)
    page = borrower_pages(r, scorer, {str(borrower_id): "requested"})[0]
    if page["status"] == "not in run":
        near = _near_ids(r, str(borrower_id))
        hint = f"; did you mean {' or '.join(repr(i) for i in near)}?" if near else "."
        raise KeyError(f"Borrower {str(borrower_id)!r} is not in the run in '{run}': it is neither in scores.parquet "
                       f"(scored or nothing due) nor in rejects.parquet; ids are compared as text, exactly{hint}")
    info = {k: getattr(r.manifest, k) for k in ("run_id", "as_of", "now", "data_date")} | {"folder": str(r.folder)}
    codes = pd.DataFrame({"language": [page.get("language")]})
    audit = pd.DataFrame(page["audit"], columns=["rule_id", "kind", "basis", "profile"])
    return render_borrower(page, info, glossary(r, [str(f) for f in scorer.model.feature_names_in_], codes, audit,
                                                scorer.feature_builder.categories()))


def _near_ids(run: Run, given: str, most: int = 3) -> list[str]:
    """The run's ids a mistyped ``given`` may mean: equal but for spaces and case, or for the zeros
    before its number (``'42'`` or ``'b42'`` for ``'B00000042'``); none when more than ``most`` fit."""
    ids = pd.concat([run.table(name, ["borrower_id"])["borrower_id"].astype(str) for name in ("scores", "rejects")])
    ids = pd.Series(ids.unique())
    folded, normal = given.strip().casefold(), ids.str.strip().str.casefold()
    same = ids[normal == folded]
    typed = re.fullmatch(r"(\D*?)0*(\d+)", folded)
    if same.empty and typed:  # a prefix (or none) and a number, without the zeros the ids pad it with
        parts = normal.str.extract(r"^(\D*?)0*(\d+)$")
        number = parts[1] == typed[2]
        same = ids[number & (parts[0] == typed[1])] if typed[1] else ids[number]
    return sorted(same)[:most] if 0 < len(same) <= most else []
