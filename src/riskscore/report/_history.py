"""Runs over time: one page of small multiples over a folder of run folders (``riskscore report --history``).

The view a monitoring analyst opens first: per run (by as-of date), the score's PSI against the
bundle's training reference, how many features drifted, the volumes scored and planned, the mean
likelihood and the plan mix. Everything comes from each run's ``manifest.json`` (what the nightly
job recorded: PSI, drift flags, plan steps by action) plus one column of its ``scores.parquet``
(the mean likelihood), so the page stays fast however large the runs are.

Decisions:

- A run is a sub-folder of the history folder holding a ``manifest.json`` (nested folders are
  not searched). A sub-folder whose manifest cannot be read is listed as skipped, with why, and
  the page is still written; a folder with no run at all is an error naming it.
- Runs are ordered by as-of date, then folder name. PSI is against each run's own bundle: the
  page names the bundle of every run and says when it changes, because PSI values against two
  references are not comparable.
- The plan mix is the share of plan steps by action (what the manifest counts), not of borrowers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

import riskscore
from riskscore.contract import RunManifest
from riskscore.exceptions import ContractError

__all__ = ["summarise_history"]


def _mean_likelihood(folder: Path) -> float | None:
    path = folder / "scores.parquet"
    if not path.exists():
        return None
    try:
        t = pq.read_table(path, columns=["status", "likelihood"], filters=pc.field("status") == "scored")
    except (OSError, ValueError, KeyError):  # an unreadable or older scores file: the value is left out
        return None
    v = t.column("likelihood").to_numpy(zero_copy_only=False).astype(float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else None


def _row(folder: Path, m: RunManifest) -> dict[str, Any]:
    psi = m.psi or {}
    score = (psi.get("score") or [None])[0] if psi.get("available") else None
    columns = [c for c in psi.get("columns", []) if not score or c.get("column") != score.get("column")]
    actions = {str(k): int(v) for k, v in (m.plans.get("actions") or {}).items()}
    report = folder / "report.html"
    return {"folder": folder.name, "run_id": m.run_id, "as_of": str(m.as_of), "data_date": str(m.data_date),
            "model": str(m.model.get("path", "–")), "borrowers_in": int(m.borrowers.get("in", 0)),
            "scored": int(m.borrowers.get("scored", 0)), "rejected": int(m.borrowers.get("rejected", 0)),
            "score_psi": None if score is None else float(score["psi"]),
            "score_flag": None if score is None else str(score["flag"]),
            "drifted": len(psi.get("flagged", [])) if psi.get("available") else None,
            "watched": (sum(c.get("flag") not in ("stable", "no_rows") for c in columns)
                        if psi.get("available") else None),
            "features": len(columns), "planned": int(m.plans.get("borrowers", 0) or 0),
            "steps": int(m.plans.get("steps", 0) or 0), "actions": actions,
            "mean_likelihood": _mean_likelihood(folder),
            "report": f"{folder.name}/report.html" if report.exists() else None, "thresholds": psi.get("thresholds")}


def summarise_history(folder: str | Path) -> dict[str, Any]:
    """The runs of ``folder`` (its sub-folders with a ``manifest.json``), as a JSON-able dict.

    Parameters
    ----------
    folder : path
        A folder of run folders (each the ``--out`` of a ``riskscore score`` run).

    Returns
    -------
    dict
        ``folder``, ``runs`` (one dict per run, by as-of date: ``as_of``, ``run_id``, ``model``,
        ``scored``, ``score_psi``, ``score_flag``, ``drifted``, ``watched``, ``planned``,
        ``steps``, ``actions``, ``mean_likelihood``, ...), ``actions`` (every action seen, most
        steps first), ``mix`` (per action, its share of each run's steps), ``models`` (the
        bundles, in order of first use), ``thresholds`` (PSI) and ``skipped`` (``[{"folder",
        "why"}]``).

    Raises
    ------
    riskscore.exceptions.ContractError
        When ``folder`` is not a folder, or holds no run.

    Examples
    --------
    >>> from riskscore.report import summarise_history
    >>> summarise_history("runs/nowhere")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskscore.exceptions.ContractError: 'runs/nowhere' is not a folder: give --history a folder of run folders ...
    """
    root = Path(folder)
    hint = "give --history a folder of run folders (each the --out of a `riskscore score` run, with its manifest.json)"
    if not root.is_dir():
        raise ContractError(f"'{root}' is not a folder: {hint}.")
    runs, skipped = [], []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (sub / "manifest.json").is_file():
            continue
        try:
            runs.append(_row(sub, RunManifest.read(sub / "manifest.json")))
        except ContractError as err:
            skipped.append({"folder": sub.name, "why": str(err).splitlines()[0]})
    if not runs:
        why = f" ({len(skipped)} manifest(s) unreadable: {skipped[0]['why']})" if skipped else ""
        raise ContractError(f"'{root}' holds no run folder{why}: {hint}.")
    runs.sort(key=lambda r: (r["as_of"], r["folder"]))
    totals: dict[str, int] = {}
    for r in runs:
        for a, k in r["actions"].items():
            totals[a] = totals.get(a, 0) + k
    actions = sorted(totals, key=lambda a: (-totals[a], a))
    mix = {a: [r["actions"].get(a, 0) / r["steps"] if r["steps"] else 0.0 for r in runs] for a in actions}
    models = list(dict.fromkeys(r["model"] for r in runs))
    return {"folder": str(root), "runs": runs, "actions": actions, "mix": mix, "models": models,
            "thresholds": next((r["thresholds"] for r in runs if r["thresholds"]), {"moderate": 0.1, "major": 0.25}),
            "skipped": skipped,
            "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "riskscore": riskscore.__version__}
