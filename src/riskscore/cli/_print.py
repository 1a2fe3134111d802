"""What the commands print on success: the run summary and the demo's report."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import riskscore

if TYPE_CHECKING:
    from riskscore import DemoResult, RunManifest

__all__ = ["print_demo", "print_run"]


def print_run(m: RunManifest, out: Path) -> None:
    b = m.borrowers
    print(f"Run {m.run_id} ({m.engine}) at as-of {m.as_of}: {b['in']} borrowers in; {b['scored']} scored, "
          f"{b['nothing_due']} with nothing due, {b['rejected']} rejected.")
    print("  rows in/rejected: " + ", ".join(f"{t} {r['in']}/{r['rejected']}" for t, r in m.rows.items()))
    checks = sorted(((c, n) for c, n in m.rejects_by_check.items() if c != "borrower_rejected_whole"),
                    key=lambda cn: -cn[1])
    if b["rejected"]:
        by_check = (", ".join(f"{c} {n:,}" for c, n in checks[:3]) + (", ..." if len(checks) > 3 else "")) \
            if checks else "borrower_rejected_whole"
        print(f"  rejected: {_share(b['rejected'] / max(b['in'], 1))} of the borrowers; rows by check: {by_check} "
              "(rejects.parquet has each row and why)")
    if m.plans["note"]:
        print(f"  {m.plans['note']}")
    else:
        actions = ", ".join(f"{a} {n}" for a, n in sorted(m.plans["actions"].items()))
        steps = f", {m.plans['steps']} steps by action: {actions}" if actions else ""  # a plan may hold several
        print(f"  plans for {m.plans['borrowers']} borrowers{steps}")
    if m.psi.get("available"):
        score = m.psi["score"]
        flagged = m.psi["flagged"]
        head = f"PSI of the score {score[0]['psi']:.3f} ({_flag_text(score[0])}); " if score else ""
        tail = f": {', '.join(flagged[:5])}" if flagged else ""
        print(f"  {head}{len(flagged)} column(s) drifted (PSI >= 0.1 and beyond chance){tail}")
    print(f"  wall {m.timings_s['wall']:.1f} s; outputs in {out}/ (manifest.json, scores, plans, audit, rejects)")


def _share(x: float) -> str:
    """A share as a person reads it: 43.8%, and 0.015% (not 0.0%) for a few of many."""
    return f"{x:.1%}" if x >= 0.001 else f"{100 * x:.2g}%"


def _flag_text(entry: dict) -> str:
    """A PSI flag as a person reads it: a value past 0.1 that chance alone explains at these rows says so."""
    flag, psi, noise = entry.get("flag"), entry.get("psi"), entry.get("noise")
    if flag == "stable" and psi is not None and psi >= 0.1 and noise is not None and psi < noise:
        return f"stable: chance alone reaches {noise:.3f} at {entry.get('rows', '?'):,} rows"
    return str(flag)


def print_demo(result: DemoResult) -> None:
    s, r = result.summary, result.summary["rates"]
    print(f"riskscore {riskscore.__version__} demo on {result.data}")
    print(f"  borrowers {s['borrowers']}, loans {s['loans']}, installments "
          f"{s['installments']} ({s['installment_rows']} rows), contacts {s['contacts']}")
    print("  all three tables pass their contracts (installments, borrowers, contacts)")
    print(f"  installments due by {s['data_end']} minus 90 days: {r['on_time']:.1%} paid on time, "
          f"{r['late_1_30']:.1%} 1-30 days late, {r['late_31_90']:.1%} 31-90, {r['late_90_plus']:.1%} over 90")
    print(f"  borrowers ever 30+ days past due: {r['borrowers_ever_30_plus']:.1%}; "
          f"ever 90+: {r['borrowers_ever_90_plus']:.1%}")
    run = result.run
    if run is not None:
        m = run.manifest
        print(f"  riskscore score at {run.as_of.date()} with {run.bundle}: {m.borrowers['scored']} borrowers scored, "
              f"{m.borrowers['nothing_due']} with nothing due, {m.borrowers['rejected']} rejected "
              f"({m.chunks['total']} chunks, {m.timings_s['wall']:.1f} s)")
        print(f"  mean likelihood of repaying within 30 days {run.mean_likelihood:.1%} "
              f"(observed afterwards: {run.repaid_within_30d:.1%})")
        print("  grades: " + ", ".join(f"{g} {n}" for g, n in run.grades.items()))
        print(f"  contact plans at {run.now:%Y-%m-%d %H:%M} UTC ({', '.join(run.profiles)}): "
              + ", ".join(f"{a} {n}" for a, n in run.actions.items())
              + f"; check_plans finds {run.violations} violation(s)")
        psi = "nan" if math.isnan(run.score_psi) else f"{run.score_psi:.3f}"
        print(f"  PSI of the score against training {psi}; {run.features_flagged} feature(s) "
              "drifted (PSI >= 0.1 and beyond chance, against the bundle's latest as-of dates: see manifest.json)")
        print(f"  report: {run.report} ({run.report.stat().st_size / 1e3:,.0f} kB, {run.report_seconds:.1f} s); "
              "open it in a browser")
    print(f"Outputs: {result.out}/ ({', '.join(result.outputs)}); inputs: {result.data}/*.parquet")
