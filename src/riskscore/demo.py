"""The demo: the bundled sample checked, summarised and scored end to end (``riskscore demo``).

:func:`run_demo` generates the sample when its folder has none, validates the three tables,
summarises them, then runs the nightly job (:func:`riskscore.score_portfolio`) on the sample 90
days before its end, so the outcomes are known (a small backtest), checks the contact plans
against the rules and writes the report. It returns a :class:`DemoResult` and prints nothing:
``riskscore demo`` renders the result.

The demo sits above both the nightly job and the report, which are independent of each other;
that is why it is a module of its own rather than part of :mod:`riskscore.batch`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from riskscore._compat import validate_params
from riskscore.batch import STATE_DIR, score_portfolio
from riskscore.contract import RunManifest
from riskscore.datasets import summarize_installments, write_world
from riskscore.io import read_table, write_text
from riskscore.labels import make_labels
from riskscore.policy import check_plans, load_profile
from riskscore.report import write_report
from riskscore.schemas import validate_borrowers, validate_contacts, validate_installments

__all__ = ["DEMO_PROFILES", "SAMPLE_BORROWERS", "SAMPLE_SEED", "DemoResult", "DemoRun", "data_end", "run_demo"]

#: The bundled sample (data/sample/README.md; ``make sample`` regenerates it with these values).
SAMPLE_BORROWERS = 5000
SAMPLE_SEED = 20260101
#: The rule profile the demo applies to each country of the sample (others get the strictest).
DEMO_PROFILES = "US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1"
#: What the demo writes into its output folder, in the order the summary lists them.
OUTPUT_FILES = ("report.html", "summary.json", "scores.parquet", "plans.parquet", "audit.parquet",
                "rejects.parquet", "manifest.json")
_RUN_FILES = ("scores.parquet", "plans.parquet", "audit.parquet", "rejects.parquet", "manifest.json", "report.html")
_VALIDATORS = {"installments": validate_installments, "borrowers": validate_borrowers,
               "contacts": validate_contacts}
_PATH = [str, os.PathLike]


@dataclass(frozen=True)
class DemoRun:
    """The nightly job on the sample, and what happened afterwards.

    Attributes
    ----------
    bundle : Path
        The model bundle scored with.
    as_of, now : Timestamp
        The as-of date (90 days before the data end) and when the plans start (13:00 UTC that day).
    manifest : RunManifest
        The run's manifest (``manifest.json``).
    mean_likelihood : float
        Mean likelihood of repaying within the model's horizon, over the scored borrowers.
    repaid_within_30d : float
        Share of the scored borrowers who cleared what they owed within 30 days (observed).
    grades : dict
        Grade -> borrowers, in grade order.
    profiles : list of str
        The rule profiles the plans were made under.
    actions : dict
        Planned action -> steps, most frequent first.
    violations : int
        Violations :func:`riskscore.check_plans` finds in the plans (0 expected).
    score_psi : float
        PSI of the score against training (NaN when the bundle has no reference).
    features_flagged : int
        Features at PSI >= 0.1.
    report : Path
        The written ``report.html``.
    report_seconds : float
        Time taken to write the report.

    Examples
    --------
    >>> from riskscore import run_demo
    >>> run = run_demo().run  # doctest: +SKIP
    >>> run.violations, run.manifest.borrowers["scored"]  # doctest: +SKIP
    (0, 795)
    """

    bundle: Path
    as_of: pd.Timestamp
    now: pd.Timestamp
    manifest: RunManifest
    mean_likelihood: float
    repaid_within_30d: float
    grades: dict[str, int]
    profiles: list[str]
    actions: dict[str, int]
    violations: int
    score_psi: float
    features_flagged: int
    report: Path
    report_seconds: float


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` did: the sample's summary and, with a bundle, the scoring run.

    Attributes
    ----------
    data, out : Path
        The sample folder and the output folder.
    generated : bool
        Whether the sample was generated because ``data`` had none.
    summary : dict
        The content of ``out/summary.json``: ``borrowers``, ``loans``, ``installments``,
        ``installment_rows``, ``contacts``, ``data_end`` and the lateness ``rates`` of
        :func:`riskscore.datasets.summarize_installments`.
    run : DemoRun or None
        The nightly job on the sample; ``None`` when ``bundle`` holds no bundle.
    outputs : list of str
        The files of :data:`OUTPUT_FILES` present in ``out``.

    Examples
    --------
    >>> from riskscore import run_demo
    >>> result = run_demo("data/sample", "runs/demo")  # doctest: +SKIP
    >>> result.summary["borrowers"], result.outputs[:2]  # doctest: +SKIP
    (5000, ['report.html', 'summary.json'])
    """

    data: Path
    out: Path
    generated: bool
    summary: dict[str, Any]
    run: DemoRun | None
    outputs: list[str]


def data_end(folder: str | os.PathLike[str], installments: pd.DataFrame | None = None) -> str:
    """The last day of a data folder (``YYYY-MM-DD``).

    The ``end`` of ``world.json`` when the folder is a generated world (``riskscore generate``),
    otherwise the latest ``paid_date`` of the installments (read from the folder when not given).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from riskscore import data_end
    >>> paid = pd.DataFrame({"paid_date": pd.to_datetime(["2025-03-01", None, "2025-04-30"])})
    >>> data_end(tempfile.mkdtemp(), paid)
    '2025-04-30'
    """
    folder = Path(folder)
    if (folder / "world.json").exists():
        return str(json.loads((folder / "world.json").read_text())["end"])
    if installments is None:
        installments = read_table(folder / "installments.parquet", columns=["paid_date"])
    return str(pd.Timestamp(pd.to_datetime(installments["paid_date"]).max()).date())


@validate_params({"data": _PATH, "out": _PATH, "bundle": _PATH, "progress": [callable, None]},
                 prefer_skip_nested_validation=True)
def run_demo(data: str | os.PathLike[str] = "data/sample", out: str | os.PathLike[str] = "runs/demo",
             bundle: str | os.PathLike[str] = "models/sample", *,
             progress: Callable[[str], None] | None = None) -> DemoResult:
    """Validate and summarise the sample, run the nightly job on it and write the report.

    Parameters
    ----------
    data : path, default "data/sample"
        Folder with ``installments.parquet``, ``borrowers.parquet`` and ``contacts.parquet``.
        When it has no ``installments.parquet``, the sample is generated there first
        (:data:`SAMPLE_BORROWERS` borrowers, seed :data:`SAMPLE_SEED`).
    out : path, default "runs/demo"
        Output folder: ``summary.json``, and with a bundle the run's files (scores, plans,
        audit, rejects, manifest) and ``report.html``. The demo's previous outputs there are
        replaced.
    bundle : path, default "models/sample"
        Model bundle to score with; when the folder has no ``manifest.json`` the demo stops
        after the summary (``DemoResult.run`` is ``None``).
    progress : callable, optional
        Called with a sentence before a slow step a user should hear about (generating the sample).

    Returns
    -------
    DemoResult

    Raises
    ------
    riskscore.DataError
        When a table of the sample breaks its data contract.
    FileNotFoundError
        When ``data`` has installments but not the borrowers or contacts table.

    Examples
    --------
    >>> from riskscore import run_demo
    >>> result = run_demo("data/sample", "runs/demo", "models/sample")  # doctest: +SKIP
    >>> result.run.violations  # doctest: +SKIP
    0
    """
    data, out, bundle = Path(data), Path(out), Path(bundle)
    generated = not (data / "installments.parquet").exists()
    if generated:
        if progress is not None:
            progress(f"{data} has no sample; generating one ({SAMPLE_BORROWERS} borrowers, seed {SAMPLE_SEED}) ...")
        write_world(data, SAMPLE_BORROWERS, seed=SAMPLE_SEED)
    frames = {table: validate(read_table(data / f"{table}.parquet")) for table, validate in _VALIDATORS.items()}
    end = data_end(data, frames["installments"])
    summary = _summary(frames, end)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    run = _score_sample(data, out, bundle, frames, end) if (bundle / "manifest.json").exists() else None
    outputs = [name for name in OUTPUT_FILES if (out / name).exists()]
    return DemoResult(data=data, out=out, generated=generated, summary=summary, run=run, outputs=outputs)


def _summary(frames: dict[str, pd.DataFrame], end: str) -> dict[str, Any]:
    inst = frames["installments"]
    rates = summarize_installments(inst, end)
    return {
        "borrowers": int(inst["borrower_id"].nunique()), "loans": int(inst["loan_id"].nunique()),
        "installments": int(inst.groupby(["loan_id", "installment_no"]).ngroups),
        "installment_rows": len(inst), "contacts": len(frames["contacts"]),
        "data_end": end, "rates": {k: round(v, 4) for k, v in rates.items()},
    }


def _score_sample(data: Path, out: Path, bundle: Path, frames: dict[str, pd.DataFrame], end: str) -> DemoRun:
    """The nightly job on the sample, 90 days before its end (outcomes are known: a small backtest)."""
    as_of = pd.Timestamp(end) - pd.Timedelta(days=90)
    now = as_of.tz_localize("UTC") + pd.Timedelta(hours=13)
    for name in _RUN_FILES:
        (out / name).unlink(missing_ok=True)  # the demo's own folder: start clean every time
    shutil.rmtree(out / STATE_DIR, ignore_errors=True)
    manifest = score_portfolio(data / "installments.parquet", bundle, as_of, out,
                               borrowers=data / "borrowers.parquet", contacts=data / "contacts.parquet",
                               profile=DEMO_PROFILES, now=now, agent_calls_per_day=16, chunk_borrowers=2_500,
                               progress="off")
    scores = pd.read_parquet(out / "scores.parquet")
    scored = scores.loc[scores["status"] == "scored"].set_index("borrower_id")
    labels = make_labels(frames["installments"], as_of, data_end=end).set_index("borrower_id").loc[scored.index]
    plans = pd.read_parquet(out / "plans.parquet")
    log = frames["contacts"].loc[frames["contacts"]["contacted_at"] <= now]
    violations = sum(len(check_plans(part, frames["borrowers"], log, load_profile(name), validate=False))
                     for name, part in plans.groupby("profile"))
    started = time.perf_counter()
    # The sample has no protected attributes; the preferred language stands in for one (a proxy of national
    # origin, a protected ground in fair-lending law), so the demo report shows the fairness section.
    protected = frames["borrowers"][["borrower_id", "language"]].rename(columns={"language": "language (proxy)"})
    report = write_report(out, protected=protected)
    return DemoRun(
        bundle=bundle, as_of=as_of, now=now, manifest=manifest,
        mean_likelihood=float(scored["likelihood"].mean()),
        repaid_within_30d=float((labels["event"] & (labels["time"] <= 30)).mean()),
        grades={str(g): int(n) for g, n in scored["grade"].value_counts().sort_index().items()},
        profiles=sorted(plans["profile"].unique()),
        actions={str(a): int(n) for a, n in plans["action"].value_counts().items()},
        violations=int(violations),
        score_psi=float(manifest.psi["score"][0]["psi"]) if manifest.psi.get("score") else float("nan"),
        features_flagged=len(manifest.psi.get("flagged", [])),
        report=report, report_seconds=time.perf_counter() - started,
    )
