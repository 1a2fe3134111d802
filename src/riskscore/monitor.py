"""Monitoring: population stability (PSI) of the score and every feature against training.

A model bundle stores the *reference distribution* of each column (quantile bins fitted on the
training rows, with the share of rows in each bin and the share missing). A scoring run counts
its own rows into the same bins, chunk by chunk (counts add up, so a run never holds all its
rows at once), and :func:`psi_table` compares the two:

``PSI = sum over bins of (actual - expected) * ln(actual / expected)``

with both shares floored at :data:`SHARE_FLOOR` so an empty bin does not give an infinite value.
The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift worth a look, above 0.25 a
major shift (the model is scoring a population unlike its training one).

**Small samples.** Two samples of one distribution differ by chance, and PSI grows with that
noise roughly as ``1/n + 1/m`` (``n`` rows scored, ``m`` reference rows): 65 borrowers scored
against 400 training rows give a PSI of 0.25 or more one time in four with no drift at all (10
equal bins and a 5 % missing bin, 4,000 simulated pairs). So each column also gets a ``noise``
level (:func:`psi_noise`, the :data:`NOISE_QUANTILE` quantile of the PSI of two samples of the
reference distribution of those sizes): a column is flagged only when its PSI reaches the
threshold **and** its noise level, a shift both large and unlikely to be chance. On the
portfolios the thresholds were made for (thousands of rows) the noise level is far below 0.1
and nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NOISE_DRAWS", "NOISE_QUANTILE", "PSI_ALERT", "PSI_WARN", "SHARE_FLOOR", "bin_counts", "merge_counts",
           "population_stability_index", "psi_noise", "psi_summary", "psi_table", "reference_distribution"]

#: PSI at or above which a column is flagged ``"moderate"``.
PSI_WARN = 0.1
#: PSI at or above which a column is flagged ``"major"``.
PSI_ALERT = 0.25
#: Smallest share a bin is given in the PSI formula.
SHARE_FLOOR = 1e-4
#: A column is flagged only when its PSI is above this quantile of its no-drift distribution.
NOISE_QUANTILE = 0.99
#: Simulated pairs of samples behind :func:`psi_noise`.
NOISE_DRAWS = 2000


def reference_distribution(frame: pd.DataFrame, *, bins: int = 10) -> dict[str, Any]:
    """Quantile bins and shares of every column of ``frame``: the reference a run is compared to.

    Parameters
    ----------
    frame : DataFrame
        Numeric columns (the training features, plus the score as ``likelihood``).
    bins : int, default 10
        Quantile bins per column (fewer when a column has few distinct values).

    Returns
    -------
    dict
        JSON-able: ``{"bins": bins, "rows": n, "columns": {name: {"edges": [...], "shares": [...]}}}``.
        Bin ``i`` holds ``edges[i-1] < x <= edges[i]``; the last share is the missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = reference_distribution(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, None]}), bins=2)
    >>> ref["columns"]["x"]
    {'edges': [2.5], 'shares': [0.4, 0.4, 0.2]}
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be an int >= 2, got {bins!r}.")
    columns: dict[str, Any] = {}
    for name in frame.columns:
        values = pd.to_numeric(frame[name], errors="raise").to_numpy(np.float64)
        present = values[~np.isnan(values)]
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])) if len(present) else np.array([])
        counts = _count(edges, values)
        columns[str(name)] = {"edges": [float(e) for e in edges],
                              "shares": [round(float(c) / max(len(values), 1), 8) for c in counts]}
    return {"bins": bins, "rows": len(frame), "columns": columns}


def _count(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    idx = np.searchsorted(edges, values[~missing], side="left")
    return np.append(np.bincount(idx, minlength=len(edges) + 1), int(missing.sum()))


def bin_counts(reference: Mapping[str, Any], frame: pd.DataFrame) -> dict[str, list[int]]:
    """Rows of ``frame`` in each reference bin, per column (columns absent from ``frame`` are skipped).

    Examples
    --------
    >>> import pandas as pd
    >>> ref = {"columns": {"x": {"edges": [2.5], "shares": [0.5, 0.5, 0.0]}}}
    >>> bin_counts(ref, pd.DataFrame({"x": [1.0, 3.0, 4.0, float("nan")]}))
    {'x': [1, 2, 1]}
    """
    out = {}
    for name, spec in reference["columns"].items():
        if name in frame.columns:
            values = pd.to_numeric(frame[name], errors="raise").to_numpy(np.float64)
            out[name] = [int(c) for c in _count(np.asarray(spec["edges"], dtype=float), values)]
    return out


def merge_counts(a: Mapping[str, list[int]], b: Mapping[str, list[int]]) -> dict[str, list[int]]:
    """Add two :func:`bin_counts` results (chunks of one run).

    Examples
    --------
    >>> merge_counts({"x": [1, 2, 0]}, {"x": [0, 1, 1], "y": [3, 0]})
    {'x': [1, 3, 1], 'y': [3, 0]}
    """
    out = {k: list(v) for k, v in a.items()}
    for k, v in b.items():
        out[k] = [x + y for x, y in zip(out[k], v, strict=True)] if k in out else list(v)
    return out


def population_stability_index(expected: object, actual: object) -> float:
    """PSI between two distributions over the same bins (shares or counts; each is normalised).

    Examples
    --------
    >>> round(population_stability_index([0.5, 0.5], [0.5, 0.5]), 6)
    0.0
    >>> round(population_stability_index([0.5, 0.5], [0.9, 0.1]), 4)
    0.8789
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.ndim != 1:
        raise ValueError(f"expected and actual must be 1-d and of one length, got {e.shape} and {a.shape}.")
    if e.sum() <= 0 or a.sum() <= 0:
        return float("nan")
    e = np.maximum(e / e.sum(), SHARE_FLOOR)
    a = np.maximum(a / a.sum(), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_noise(shares: object, rows: int, reference_rows: int | None, quantile: float = NOISE_QUANTILE,
              draws: int = NOISE_DRAWS) -> float:
    """The PSI two samples of one distribution exceed with probability ``1 - quantile``.

    Simulated (seeded, so the same inputs give the same value): ``draws`` pairs of a reference
    sample of ``reference_rows`` and a run of ``rows`` drawn from ``shares``, scored as
    :func:`population_stability_index` scores them (floor included, which matters for small
    runs). ``reference_rows=None`` (a reference that does not record its size) counts the
    reference as exact. Roughly ``chi2.ppf(quantile, bins - 1) * (1/rows + 1/reference_rows)``
    for large samples.

    Examples
    --------
    >>> shares = [0.095] * 10 + [0.05]
    >>> round(psi_noise(shares, 65, 400), 1)  # 65 borrowers scored against 400 training rows
    0.8
    >>> round(psi_noise(shares, 50_000, 400_000), 4)
    0.0005
    """
    p = np.asarray(shares, dtype=float)
    if rows <= 0 or p.sum() <= 0:
        return float("nan")
    p = p / p.sum()
    rng = np.random.default_rng(0)
    actual = rng.multinomial(int(rows), p, size=draws) / rows
    expected = (rng.multinomial(int(reference_rows), p, size=draws) / reference_rows if reference_rows
                else np.broadcast_to(p, actual.shape))
    a, e = np.maximum(actual, SHARE_FLOOR), np.maximum(expected, SHARE_FLOOR)
    return float(np.quantile(np.sum((a - e) * np.log(a / e), axis=1), quantile))


def _flag(value: float, noise: float = 0.0) -> str:
    if np.isnan(value):
        return "no_rows"
    if value < noise:  # within what chance alone gives at these sample sizes
        return "stable"
    return "major" if value >= PSI_ALERT else "moderate" if value >= PSI_WARN else "stable"


def psi_table(reference: Mapping[str, Any], counts: Mapping[str, list[int]]) -> pd.DataFrame:
    """PSI of every counted column against the reference, largest first, with its flag.

    Returns
    -------
    DataFrame
        Columns ``column``, ``psi``, ``flag`` (``stable`` < 0.1 <= ``moderate`` < 0.25 <= ``major``,
        and ``stable`` whenever ``psi`` is below ``noise``; ``no_rows`` when the run had none),
        ``rows`` and ``noise`` (:func:`psi_noise` for the column's bins, the run's rows and the
        reference's ``rows``).

    Examples
    --------
    >>> ref = {"rows": 1000, "columns": {"x": {"edges": [0.0], "shares": [0.5, 0.5, 0.0]}}}
    >>> psi_table(ref, {"x": [90, 10, 0]}).round(4).to_dict("records")
    [{'column': 'x', 'psi': 0.8789, 'flag': 'major', 'rows': 100, 'noise': 0.0783}]
    >>> psi_table(ref, {"x": [7, 3, 0]}).round(4).to_dict("records")  # 10 rows: could be chance
    [{'column': 'x', 'psi': 0.1695, 'flag': 'stable', 'rows': 10, 'noise': 0.8941}]
    """
    rows = []
    m = reference.get("rows")
    for name, c in counts.items():
        value = population_stability_index(reference["columns"][name]["shares"], c)
        noise = psi_noise(reference["columns"][name]["shares"], int(sum(c)), m)
        rows.append((name, value, _flag(value, noise), int(sum(c)), noise))
    table = pd.DataFrame(rows, columns=["column", "psi", "flag", "rows", "noise"])
    return table.sort_values(["psi", "column"], ascending=[False, True], na_position="last", ignore_index=True)


def psi_summary(reference: Mapping[str, Any] | None, counts: Mapping[str, list[int]]) -> dict[str, Any]:
    """The PSI section of a run manifest: the score's PSI, every column's, and those flagged.

    Examples
    --------
    >>> ref = {"columns": {"likelihood": {"edges": [0.5], "shares": [0.5, 0.5, 0.0]}}}
    >>> psi_summary(ref, {"likelihood": [90, 10, 0]})["flagged"]
    ['likelihood']
    >>> off = psi_summary(None, {})
    >>> off["available"], off["why"].startswith("the bundle has no reference.json")
    (False, True)
    """
    if not reference:
        return {"available": False, "why": "the bundle has no reference.json (training distributions), so drift "
                "monitoring is off; retrain it (riskscore train) to turn it on"}
    table = psi_table(reference, counts)
    return {"available": True, "thresholds": {"moderate": PSI_WARN, "major": PSI_ALERT},
            "score": table.loc[table["column"] == "likelihood"].to_dict("records"),
            "columns": table.round(6).to_dict("records"),
            "flagged": table.loc[table["flag"].isin(["moderate", "major"]), "column"].tolist()}
