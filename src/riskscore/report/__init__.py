"""The analyst report: one self-contained HTML file per run, in three steps.

1. :func:`summarise_run` reads a run folder into a JSON-able summary (aggregates, a backtest when
   outcomes are known, fairness by group when protected attributes are given, and pages for a
   selection of borrowers);
2. :func:`render_report` renders it with autoescaping Jinja templates (inline CSS and SVG);
3. :func:`write_html` writes it atomically. :func:`write_report` does all three.

:func:`explain_borrower` renders one borrower's page on demand, and :func:`write_history`
(:func:`summarise_history`, :func:`render_history`) one page of small multiples over a folder
of runs: PSI, drift, volumes and plan mix per as-of date.
"""

from riskscore.report._borrower import borrower_pages
from riskscore.report._data import Run, read_run
from riskscore.report._history import summarise_history
from riskscore.report._outcomes import FAIRNESS_THRESHOLDS, MIN_GROUP, backtest, fairness
from riskscore.report._render import (
    HISTORY_NAME,
    REPORT_NAME,
    explain_borrower,
    render_borrower,
    render_history,
    render_report,
    write_history,
    write_html,
    write_report,
)
from riskscore.report._summary import DEFAULT_PAGES, choose_borrowers, summarise_run

__all__ = [
    "DEFAULT_PAGES",
    "FAIRNESS_THRESHOLDS",
    "HISTORY_NAME",
    "MIN_GROUP",
    "REPORT_NAME",
    "Run",
    "backtest",
    "borrower_pages",
    "choose_borrowers",
    "explain_borrower",
    "fairness",
    "read_run",
    "render_borrower",
    "render_history",
    "render_report",
    "summarise_history",
    "summarise_run",
    "write_history",
    "write_html",
    "write_report",
]
