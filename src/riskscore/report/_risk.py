"""The numbers a risk team looks for first: grades (empty ones included), score bands, ties in the likelihood.

Decisions (written here because nobody else will):

- **Grades** are the bundle's (``grade_edges_``: points cut-offs from the training
  distribution, A best). Every grade is listed, so an empty one shows with 0 borrowers and a note
  (no scored borrower's points fall in its range), never silently missing.
- **Score bands** are bands of points ``width`` wide, aligned on multiples of it, best first,
  like :func:`riskscore.metrics.score_bands` (which computes the observed repayment rate and the
  cumulative shares when the backtest has outcomes, and is used for them). ``width`` is the
  bundle's points-to-double-the-odds (PDO), doubled until there are at most
  :data:`MAX_BANDS` bands. Counts and cumulative shares are over all scored borrowers; the
  observed rates over the backtest's borrowers (all of them, or its seeded sample).
- **Ties**: isotonic calibration maps whole ranges of the model's raw score to one likelihood,
  so many borrowers can share a value. The report counts the distinct likelihoods and names the
  values shared by at least :data:`TIE_SHARE` of the scored borrowers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_BANDS", "TIE_SHARE", "band_width", "grade_table", "likelihood_ties", "score_band_table"]

#: At most this many score bands (the width doubles until they fit).
MAX_BANDS = 16
#: A likelihood shared by at least this share of the scored borrowers is named in the report.
TIE_SHARE = 0.02


def grade_table(scored: pd.DataFrame, grades: Sequence[str], edges: Sequence[float] | None) -> list[dict[str, Any]]:
    """Per grade (all of ``grades``, in order): borrowers, share, amount, mean likelihood and the
    points range (``points_low`` inclusive, ``points_high`` exclusive; ``None`` when open) and
    ``zero_width``: the range is empty by construction (its two cut-offs within 0.05 points of
    each other: quantiles of tied training points, as isotonic calibration makes them).

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.report._risk import grade_table
    >>> s = pd.DataFrame({"grade": ["A", "C"], "amount_at_risk": [10.0, 5.0], "likelihood": [0.9, 0.5]})
    >>> [(g["grade"], g["borrowers"]) for g in grade_table(s, ["A", "B", "C"], [620.0, 600.0])]
    [('A', 1), ('B', 0), ('C', 1)]
    """
    n = max(len(scored), 1)
    agg = scored.groupby("grade").agg(borrowers=("grade", "size"), amount=("amount_at_risk", "sum"),
                                      likelihood=("likelihood", "mean"))
    cuts = [float(e) for e in edges] if edges is not None and len(edges) == len(grades) - 1 else None
    out = []
    for i, g in enumerate(grades):
        k = int(agg.at[g, "borrowers"]) if g in agg.index else 0
        low = None if cuts is None or i == len(grades) - 1 else cuts[i]
        high = None if cuts is None or i == 0 else cuts[i - 1]
        out.append({"grade": g, "borrowers": k, "share": k / n, "amount": float(agg.at[g, "amount"]) if k else 0.0,
                    "likelihood": float(agg.at[g, "likelihood"]) if k else None, "points_low": low,
                    "points_high": high, "zero_width": low is not None and high is not None and high - low < 0.05})
    extra = sorted(set(map(str, agg.index)) - set(grades))  # a grade the bundle does not define: still shown
    out += [{"grade": g, "borrowers": int(agg.at[g, "borrowers"]), "share": int(agg.at[g, "borrowers"]) / n,
             "amount": float(agg.at[g, "amount"]), "likelihood": float(agg.at[g, "likelihood"]),
             "points_low": None, "points_high": None, "zero_width": False} for g in extra]
    return out


def band_width(points: np.ndarray, pdo: float) -> float:
    """The band width: ``pdo`` doubled until the points span at most :data:`MAX_BANDS` bands.

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.report._risk import band_width
    >>> band_width(np.array([405.7, 676.5]), 20.0), band_width(np.array([100.0, 900.0]), 20.0)
    (20.0, 80.0)
    """
    width = float(pdo) if pdo and math.isfinite(pdo) and pdo > 0 else 20.0
    p = points[np.isfinite(points)]
    if not len(p):
        return width
    while np.floor(p.max() / width) - np.floor(p.min() / width) + 1 > MAX_BANDS:
        width *= 2
    return width


def score_band_table(points: np.ndarray, width: float, observed: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Bands of points, best first: ``points_low``, ``points_high``, ``borrowers``, ``share``,
    ``cum_share`` (from the best band down) and, from ``observed`` (the rows of
    :func:`riskscore.metrics.score_bands` on the backtest, same width), ``with_outcome``,
    ``repaid_rate``, ``cum_repaid_share`` and ``cum_not_repaid_share`` (``None`` without).

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.report._risk import score_band_table
    >>> [(b["points_low"], b["borrowers"], b["cum_share"]) for b in score_band_table(np.array([601., 619., 585.]),
    ...                                                                                 20.0, None)]
    [(600.0, 2, 0.6666666666666666), (580.0, 1, 1.0)]
    """
    p = points[np.isfinite(points)]
    if not len(p):
        return []
    band = np.floor(p / width)
    ids, counts = np.unique(band, return_counts=True)
    seen = {float(b["points_low"]): b for b in observed or []}
    out, cum = [], 0
    for b, k in zip(ids[::-1], counts[::-1], strict=True):
        cum += int(k)
        low = float(b * width)
        o = seen.get(low)
        out.append({"points_low": low, "points_high": low + width, "borrowers": int(k), "share": int(k) / len(p),
                    "cum_share": cum / len(p), "with_outcome": o["rows"] if o else 0,
                    "repaid_rate": o["repaid_rate"] if o else None,
                    "cum_repaid_share": o["cum_repaid_share"] if o else None,
                    "cum_not_repaid_share": o["cum_not_repaid_share"] if o else None})
    return out


def likelihood_ties(likelihood: np.ndarray, isotonic: bool) -> dict[str, Any]:
    """How many distinct likelihoods the scored borrowers have, and the values many share.

    Returns ``borrowers``, ``distinct``, ``shared`` (``[{"likelihood", "borrowers", "share"}]``,
    the values held by at least :data:`TIE_SHARE` of the borrowers and at least two, most held
    first, at most 6), ``isotonic`` and ``note`` (a sentence for the report, or ``None`` when no
    value is shared that much).

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.report._risk import likelihood_ties
    >>> t = likelihood_ties(np.array([0.109, 0.109, 0.109, 0.5, 0.7]), isotonic=True)
    >>> t["distinct"], t["shared"][0]["borrowers"]
    (3, 3)
    """
    v = likelihood[np.isfinite(likelihood)]
    values, counts = np.unique(v, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    shared = [{"likelihood": float(values[i]), "borrowers": int(counts[i]), "share": counts[i] / len(v)}
              for i in order[:6] if counts[i] >= 2 and counts[i] / len(v) >= TIE_SHARE]
    note = None
    if shared:
        held = sum(s["borrowers"] for s in shared)
        why = ("isotonic calibration maps whole ranges of the model's score to one likelihood" if isotonic
               else "borrowers with identical features get identical scores")
        note = (f"{len(v):,} borrowers have {len(values):,} distinct likelihoods; "
                + ", ".join(f"{s['likelihood']:.1%} ({s['borrowers']:,})" for s in shared)
                + f" are shared by {held:,} of them ({held / len(v):.0%}): {why}, so the histogram shows spikes "
                "and borrowers in one spike are not ranked against each other.")
    return {"borrowers": len(v), "distinct": len(values), "shared": shared, "isotonic": isotonic, "note": note}
