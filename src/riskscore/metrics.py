"""Pure metric functions (numpy/pandas only): discrimination, calibration, survival, stability."""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__ = ["bootstrap_interval", "calibration_table", "concordance_index", "expected_calibration_error", "gini",
           "integrated_brier_score", "kaplan_meier", "ks_statistic", "population_stability_index", "score_bands",
           "woe_table"]


class _Fenwick:
    """Counts of inserted ranks, with prefix sums in O(log n)."""

    def __init__(self, n: int):
        self.tree = np.zeros(n + 1, dtype=np.int64)

    def add(self, i: int) -> None:
        i += 1
        while i < len(self.tree):
            self.tree[i] += 1
            i += i & -i

    def below(self, i: int) -> int:
        """How many inserted ranks are < i."""
        s = 0
        while i > 0:
            s += self.tree[i]
            i -= i & -i
        return int(s)


#: Up to this many distinct times, pairs are counted with one vectorised pass per time (O(times * n));
#: beyond it, with a Fenwick tree (O(n log n) in a Python loop).
_FEW_TIMES = 1024


def _count_sorted(event: np.ndarray, rank: np.ndarray, n_ranks: int, order: np.ndarray, bounds: np.ndarray
                  ) -> tuple[float, float, float]:
    longer = np.empty(0, dtype=rank.dtype)  # sorted ranks of everyone with a longer time
    concordant = tied = comparable = 0.0
    for start, stop in itertools.pairwise(bounds):
        group = order[start:stop]
        events = rank[group[event[group]]]
        censored_here = np.sort(rank[group[~event[group]]])
        if len(events):
            below = np.searchsorted(longer, events, "left") + np.searchsorted(censored_here, events, "left")
            upto = np.searchsorted(longer, events, "right") + np.searchsorted(censored_here, events, "right")
            concordant += float(below.sum())
            tied += float((upto - below).sum())
            comparable += float(len(events) * (start + len(censored_here)))
        new = np.sort(rank[group])
        longer = np.insert(longer, np.searchsorted(longer, new), new)
    return concordant, tied, comparable


def _count_fenwick(event: np.ndarray, rank: np.ndarray, n_ranks: int, order: np.ndarray, bounds: np.ndarray
                   ) -> tuple[float, float, float]:
    tree = _Fenwick(n_ranks)
    concordant = tied = comparable = 0.0
    for start, stop in itertools.pairwise(bounds):
        group = order[start:stop]
        censored_here = np.sort(rank[group[~event[group]]])
        for i in group[event[group]]:
            # Comparable: everyone with a longer time (already in the tree), and those censored
            # at the same time.
            below = tree.below(rank[i]) + np.searchsorted(censored_here, rank[i], side="left")
            upto = tree.below(rank[i] + 1) + np.searchsorted(censored_here, rank[i], side="right")
            concordant += below
            tied += upto - below
            comparable += start + len(censored_here)
        for i in group:
            tree.add(rank[i])
    return concordant, tied, comparable


def concordance_index(event: np.ndarray, time: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C: the share of comparable pairs ordered correctly by ``risk``.

    A pair (i, j) is comparable when ``i`` had the event and ``time[i] < time[j]``, or
    ``time[i] == time[j]`` with ``j`` censored; it is concordant when ``risk[i] > risk[j]`` and
    counts one half when the risks tie (as ``sksurv.metrics.concordance_index_censored``).
    Runs in O(n log n), or in vectorised passes when there are few distinct times.

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.metrics import concordance_index
    >>> concordance_index(np.array([True, True, False]), np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0]))
    1.0
    """
    event = np.asarray(event, dtype=bool)
    time = np.asarray(time, dtype=float)
    risk = _floats(risk, "risk")
    if not (len(event) == len(time) == len(risk)):
        raise ValueError("event, time and risk must have the same length.")
    _check_finite(risk, "risk")
    _check_finite(time, "time")
    if not event.any():
        raise ValueError("concordance_index needs at least one event: all samples are censored.")
    uniq, rank = np.unique(risk, return_inverse=True)
    order = np.argsort(-time, kind="stable")  # longest times first
    bounds = np.flatnonzero(np.r_[True, np.diff(time[order]) != 0, True])
    count = _count_sorted if len(bounds) - 1 <= _FEW_TIMES else _count_fenwick
    concordant, tied, comparable = count(event, rank.ravel(), len(uniq), order, bounds)
    if comparable == 0:
        raise ValueError("concordance_index found no comparable pair.")
    return float((concordant + 0.5 * tied) / comparable)


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate: distinct times and S(t) just after each.

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.metrics import kaplan_meier
    >>> kaplan_meier(np.array([1.0, 2.0, 2.0, 3.0]), np.array([True, True, False, True]))[1].tolist()
    [0.75, 0.5, 0.0]
    """
    time, event = np.asarray(time, float), np.asarray(event, bool)
    uniq, inv = np.unique(time, return_inverse=True)
    deaths = np.bincount(inv, weights=event, minlength=len(uniq))
    total = np.bincount(inv, minlength=len(uniq))
    at_risk = len(time) - np.concatenate([[0], np.cumsum(total)[:-1]])
    surv = np.cumprod(1.0 - deaths / at_risk)
    keep = deaths > 0
    return uniq[keep], surv[keep]


def _censoring_survival(time: np.ndarray, event: np.ndarray, at: np.ndarray, left: bool) -> np.ndarray:
    """G(t) = P(C > t) (or P(C >= t) with ``left``), the Kaplan-Meier of the censoring times."""
    t_c, g = kaplan_meier(time, ~np.asarray(event, bool))
    idx = np.searchsorted(t_c, at, side="left" if left else "right")
    values = np.concatenate([[1.0], g])[idx]
    return np.maximum(values, 1e-12)


def integrated_brier_score(event: np.ndarray, time: np.ndarray, survival: np.ndarray, grid: np.ndarray) -> float:
    """Integrated Brier score with inverse-probability-of-censoring weights (Graf et al., 1999).

    ``survival[i, k]`` is the predicted S(grid[k]) of sample ``i``; the censoring distribution is
    estimated from the same data (as ``sksurv.metrics.integrated_brier_score`` does with the
    test set as its own reference). Integrated with the trapezoidal rule over ``grid``.

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.metrics import integrated_brier_score
    >>> e, t = np.array([True, True, False, True]), np.array([1.0, 2.0, 3.0, 4.0])
    >>> perfect = (t[:, None] > np.array([1.5, 2.5, 3.5])[None, :]).astype(float)
    >>> round(integrated_brier_score(e, t, perfect, np.array([1.5, 2.5, 3.5])), 6)
    0.0
    """
    event, time = np.asarray(event, bool), np.asarray(time, float)
    survival, grid = np.asarray(survival, float), np.asarray(grid, float)
    if survival.shape != (len(time), len(grid)):
        raise ValueError(f"survival must have shape (n_samples, len(grid)) = {(len(time), len(grid))}, "
                         f"got {survival.shape}.")
    _check_finite(survival.ravel(), "survival")
    if not np.isfinite(grid).all() or (np.diff(grid) <= 0).any():
        raise ValueError(f"grid must be finite and strictly increasing, got {grid.tolist()[:8]}.")
    g_at_t = _censoring_survival(time, event, time, left=True)
    g_grid = _censoring_survival(time, event, grid, left=False)
    died = (time[:, None] <= grid[None, :]) & event[:, None]
    alive = time[:, None] > grid[None, :]
    scores = (np.where(died, survival**2 / g_at_t[:, None], 0.0)
              + np.where(alive, (1 - survival) ** 2 / g_grid[None, :], 0.0)).mean(axis=0)
    if len(grid) == 1:
        return float(scores[0])
    return float(np.trapezoid(scores, grid) / (grid[-1] - grid[0]))


def _calibration_input(y: object, p: object) -> tuple[np.ndarray, np.ndarray]:
    p = _floats(p, "p")
    if p.ndim != 1:
        raise ValueError(f"p must be 1-d, got shape {p.shape}.")
    y = _labels(y, len(p), "p", both=False).astype(float)
    _check_finite(p, "p")
    return y, p


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Mean |observed rate - mean prediction| over equal-count bins of ``p``, weighted by size.

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.metrics import expected_calibration_error
    >>> expected_calibration_error(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5]), n_bins=1)
    0.0
    """
    y, p = _calibration_input(y, p)
    order = np.argsort(p, kind="stable")
    bins = np.array_split(order, min(n_bins, len(p)))
    return float(sum(len(b) * abs(y[b].mean() - p[b].mean()) for b in bins if len(b)) / len(p))


def _floats(values: object, name: str) -> np.ndarray:
    """``values`` as floats (a pandas missing value becomes NaN), or one line naming ``name``."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):  # pandas: NA -> NaN, not an error
        with contextlib.suppress(TypeError, ValueError):  # text: said below, naming ``name``
            values = values.to_numpy(dtype=float, na_value=np.nan)
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numbers ({err}).") from err


def _check_finite(values: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(f"{name} must be finite: {int(bad.sum())} NaN or infinite value(s), e.g. at position "
                         f"{int(np.flatnonzero(bad)[0])}; drop or fill those rows first.")


def _labels(y: object, n: int, name: str, both: bool = True) -> np.ndarray:
    """0/1 or boolean labels as a bool array of length ``n``, or one line saying what is wrong."""
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"y and {name} must be 1-d and of the same length, got shapes {arr.shape} and ({n},).")
    if n == 0:
        raise ValueError(f"y and {name} are empty.")
    missing = np.asarray(pd.isna(arr), dtype=bool)
    if missing.any():
        raise ValueError(f"y has {int(missing.sum())} missing value(s), e.g. at position "
                         f"{int(np.flatnonzero(missing)[0])}; drop those rows first.")
    labels = np.unique(arr.astype(str) if arr.dtype == object and any(isinstance(v, str) for v in arr) else arr)
    if not set(labels.tolist()) <= {0, 1} or (both and len(labels) != 2):  # True == 1 and False == 0 in a set
        text = any(isinstance(v, str) for v in labels.tolist())
        hint = f"; map text labels to 0/1 first, e.g. y == {labels.tolist()[-1]!r}" if text else ""
        need = "both classes 0/1 (or False/True)" if both else "0/1 (or False/True)"
        raise ValueError(f"y must hold {need}, got the values {labels.tolist()[:5]}{hint}.")
    return arr.astype(bool)


def _binary_scores(y: object, score: object, name: str = "score") -> tuple[np.ndarray, np.ndarray]:
    score = _floats(score, name)
    if score.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got shape {score.shape}"
                         + (": pass one column, e.g. predict_proba(X)[:, 1]." if score.ndim == 2 else "."))
    y = _labels(y, len(score), name)
    _check_finite(score, name)
    return y, score


def ks_statistic(y: object, score: object) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the score's distributions in the two classes.

    ``max_t |F1(t) - F0(t)|`` where ``F1`` and ``F0`` are the empirical distribution functions of
    ``score`` among ``y == 1`` and ``y == 0``; 0 when the score does not separate them, 1 when it
    separates them perfectly. Ties are handled exactly (the gap is read between distinct scores).

    Parameters
    ----------
    y : array-like of {0, 1} or bool
    score : array-like of float
        Higher means more likely ``y == 1`` (any monotone transform gives the same KS).

    Examples
    --------
    >>> from riskscore.metrics import ks_statistic
    >>> ks_statistic([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.5
    >>> ks_statistic([0, 1], [0.2, 0.9])
    1.0
    """
    y, score = _binary_scores(y, score)
    values = np.unique(score)
    f1 = np.searchsorted(np.sort(score[y]), values, side="right") / y.sum()
    f0 = np.searchsorted(np.sort(score[~y]), values, side="right") / (~y).sum()
    return float(np.max(np.abs(f1 - f0)))


def gini(y: object, score: object) -> float:
    """Gini coefficient (accuracy ratio) of a score: ``2 * AUC - 1``.

    Examples
    --------
    >>> from riskscore.metrics import gini
    >>> gini([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.5
    """
    y, score = _binary_scores(y, score)
    pos, neg = score[y], score[~y]
    # Mann-Whitney with midranks: exact with ties, no scikit-learn needed.
    ranks = _midranks(np.concatenate([pos, neg]))
    auc = (ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    return float(2 * auc - 1)


def _midranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    mid = (starts + ends + 1) / 2.0  # 1-based average rank of each run of ties
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(mid, ends - starts)
    return ranks


def score_bands(y: object, points: object, width: float = 20.0) -> list[dict[str, float | None]]:
    """The score-band table of a scorecard: observed repayment by band of points.

    Bands are ``width`` points wide, aligned on multiples of ``width``, best band first. Per
    band: ``points_low`` (inclusive), ``points_high`` (exclusive), ``rows``, ``repaid`` (rows
    with ``y``), ``repaid_rate``, ``odds`` (repaid : not repaid; ``None`` when none failed, so
    the table stays valid JSON), ``share`` of all rows and the cumulative shares from the best band down of rows
    (``cum_share``), of repaid rows (``cum_repaid_share``) and of not-repaid rows
    (``cum_not_repaid_share``). The largest gap between the last two is the KS of the bands.

    Parameters
    ----------
    y : array-like of {0, 1} or bool
        1 / True: repaid within the horizon.
    points : array-like of float
        Score points (higher: more likely to repay), e.g. ``RepaymentModel.points``.
    width : float > 0, default 20
        Points per band (20 is the usual points-to-double-the-odds).

    Examples
    --------
    >>> from riskscore.metrics import score_bands
    >>> bands = score_bands([1, 1, 0, 1, 0], [655, 642, 631, 610, 590])
    >>> [(b["points_low"], b["rows"], b["repaid_rate"]) for b in bands]
    [(640.0, 2, 1.0), (620.0, 1, 0.0), (600.0, 1, 1.0), (580.0, 1, 0.0)]
    """
    if isinstance(width, bool) or not isinstance(width, Real) or not np.isfinite(width) or width <= 0:
        raise ValueError(f"width must be a positive number of points, got {width!r}.")
    y, points = _binary_scores(y, points, "points")
    band = np.floor(points / width)
    out, cum, cum_pos, cum_neg = [], 0, 0, 0
    n, n_pos, n_neg = len(y), int(y.sum()), int((~y).sum())
    for b in np.unique(band)[::-1]:
        inside = band == b
        rows, repaid = int(inside.sum()), int(y[inside].sum())
        cum, cum_pos, cum_neg = cum + rows, cum_pos + repaid, cum_neg + rows - repaid
        out.append({"points_low": float(b * width), "points_high": float((b + 1) * width), "rows": rows,
                    "repaid": repaid, "repaid_rate": repaid / rows,
                    "odds": None if repaid == rows else repaid / (rows - repaid),
                    "share": rows / n, "cum_share": cum / n, "cum_repaid_share": cum_pos / n_pos,
                    "cum_not_repaid_share": cum_neg / n_neg})
    return out


def woe_table(x: object, y: object, n_bins: int = 10, smoothing: float = 0.5) -> list[dict[str, float]]:
    """Weight of evidence and information value of one feature, on equal-count bins.

    The scorecard view of a feature: per bin of ``x`` (quantile edges on the distinct values;
    missing values in a bin of their own), the share of all *good* rows (``y == 1``, repaid)
    and of all *bad* rows that fall in it, ``woe = ln(good_share / bad_share)`` and the bin's
    part of the information value ``iv = (good_share - bad_share) * woe``. The feature's IV is
    the sum (rules of thumb: < 0.02 useless, 0.02-0.1 weak, 0.1-0.3 medium, > 0.3 strong).
    ``smoothing`` is added to each bin's good and bad counts so that a pure bin has a finite WoE.

    Parameters
    ----------
    x : array-like of float
        The feature (NaN allowed).
    y : array-like of {0, 1} or bool
        1 / True: good (repaid).
    n_bins : int >= 1, default 10
    smoothing : float >= 0, default 0.5

    Returns
    -------
    list of dict
        Per bin, in increasing ``x`` and the missing bin last: ``low``, ``high`` (the bin's
        smallest and largest value; NaN for the missing bin), ``rows``, ``good``, ``bad``,
        ``woe`` and ``iv``.

    Examples
    --------
    >>> from riskscore.metrics import woe_table
    >>> table = woe_table([1, 2, 3, 4], [0, 0, 1, 1], n_bins=2, smoothing=0)
    >>> [(b["low"], b["high"], b["good"], b["bad"]) for b in table]
    [(1.0, 2.0, 0, 2), (3.0, 4.0, 2, 0)]
    >>> woe_table([1, 2, 3, 4], [0, 1, 0, 1], n_bins=2)[0]["woe"]
    0.0
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be an int >= 1, got {n_bins!r}.")
    if isinstance(smoothing, bool) or not isinstance(smoothing, Real) or not smoothing >= 0 or smoothing == np.inf:
        raise ValueError(f"smoothing must be a number >= 0, got {smoothing!r}.")
    x = _floats(x, "x")
    if x.ndim != 1:
        raise ValueError(f"x must be 1-d, got shape {x.shape}.")
    arr = np.asarray(y)
    if arr.shape != x.shape:
        raise ValueError(f"x and y must be 1-d and of the same length, got shapes {x.shape} and {arr.shape}.")
    y = _labels(y, len(x), "x")
    missing = np.isnan(x)
    present = x[~missing]
    edges = np.unique(np.quantile(present, np.linspace(0, 1, n_bins + 1)[1:-1])) if len(present) else np.array([])
    bins = np.where(missing, len(edges) + 1, np.searchsorted(edges, x, side="left"))
    n_good, n_bad = int(y.sum()), int((~y).sum())
    k = len(np.unique(bins))
    out = []
    for b in np.unique(bins):
        inside = bins == b
        good, bad = int(y[inside].sum()), int((~y[inside]).sum())
        g = (good + smoothing) / (n_good + smoothing * k)
        d = (bad + smoothing) / (n_bad + smoothing * k)
        woe = float(np.log(g / d)) if g > 0 and d > 0 else (float("inf") if g > 0 else float("-inf"))
        vals = x[inside]
        out.append({"low": float(np.nanmin(vals)) if not missing[inside].all() else float("nan"),
                    "high": float(np.nanmax(vals)) if not missing[inside].all() else float("nan"),
                    "rows": int(inside.sum()), "good": good, "bad": bad, "woe": round(woe, 12),
                    "iv": round(float((g - d) * woe), 12) if np.isfinite(woe) else float("inf")})
    return out


def calibration_table(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> list[dict[str, float]]:
    """The reliability table behind :func:`expected_calibration_error`: equal-count bins of ``p``.

    Returns
    -------
    list of dict
        Per bin, in increasing ``p``: ``rows``, ``p_low``, ``p_high``, ``mean_predicted`` and
        ``observed`` (the rate of ``y``).

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.metrics import calibration_table
    >>> calibration_table(np.array([0, 0, 1, 1]), np.array([0.1, 0.3, 0.6, 0.8]), n_bins=2)[1]
    {'rows': 2, 'p_low': 0.6, 'p_high': 0.8, 'mean_predicted': 0.7, 'observed': 1.0}
    """
    y, p = _calibration_input(y, p)
    order = np.argsort(p, kind="stable")
    return [{"rows": len(b), "p_low": float(p[b[0]]), "p_high": float(p[b[-1]]),
             "mean_predicted": round(float(p[b].mean()), 12), "observed": float(y[b].mean())}
            for b in np.array_split(order, min(n_bins, len(p))) if len(b)]


def population_stability_index(expected: np.ndarray, actual: np.ndarray, n_bins: int = 10) -> float:
    """PSI of ``actual`` against ``expected`` on the deciles of ``expected`` (0.1 / 0.25: watch / act).

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.metrics import population_stability_index
    >>> x = np.arange(1000.0)
    >>> population_stability_index(x, x)
    0.0
    """
    expected, actual = _floats(expected, "expected"), _floats(actual, "actual")
    if len(actual) == 0:
        raise ValueError("actual is empty.")
    if np.isnan(expected).all():
        raise ValueError("expected has no values that are not NaN.")
    edges = np.unique(np.quantile(expected[~np.isnan(expected)], np.linspace(0, 1, n_bins + 1)[1:-1]))

    def shares(x: np.ndarray) -> np.ndarray:
        missing = np.isnan(x)
        counts = np.bincount(np.searchsorted(edges, x[~missing], side="right"), minlength=len(edges) + 1)
        counts = np.append(counts, missing.sum())
        return np.maximum(counts / max(len(x), 1), 1e-6)

    e, a = shares(expected), shares(actual)
    return float(np.sum((a - e) * np.log(a / e)))


def bootstrap_interval(statistic: Callable[..., float], *arrays: np.ndarray, groups: np.ndarray | None = None,
                       n_resamples: int = 200, level: float = 0.95, random_state: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(*arrays)``, resampling whole groups.

    Snapshots of one borrower at several as-of dates are not independent: pass their
    ``borrower_id`` as ``groups`` and each resample draws borrowers with replacement, keeping
    all of a drawn borrower's rows (a cluster bootstrap). Resamples on which the statistic is
    undefined (it raises ``ValueError`` or returns nan or an infinity, e.g. an AUC with one class)
    are skipped, silently: the interval is that of the others.

    Parameters
    ----------
    statistic : callable
        Takes the arrays (resampled alike) and returns a float.
    *arrays : array-like
        Of equal length.
    groups : array-like, optional
        Cluster labels; by default every row is its own cluster.
    n_resamples : int, default 200
    level : float, default 0.95
    random_state : int, default 0

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.metrics import bootstrap_interval
    >>> x = np.random.default_rng(0).normal(size=2000)
    >>> low, high = bootstrap_interval(np.mean, x)
    >>> bool(low < 0 < high), round(high - low, 2)
    (True, 0.09)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}.")
    arrays = tuple(np.asarray(a) for a in arrays)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays) or (groups is not None and len(groups) != n):
        raise ValueError("bootstrap_interval needs arrays (and groups) of equal length.")
    codes = np.arange(n) if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
    n_groups = int(codes.max()) + 1 if n else 0
    rng = np.random.default_rng(random_state)
    values = []
    with warnings.catch_warnings():
        # What a statistic says of one resample is about that resample (an AUC of one class: scikit-learn
        # 1.5 raises ValueError, 1.9 warns and returns nan); the point estimate is the caller's to compute
        warnings.simplefilter("ignore")
        for _ in range(n_resamples):
            counts = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)
            idx = np.repeat(np.arange(n), counts[codes])
            try:
                value = float(statistic(*(a[idx] for a in arrays)))
            except ValueError:
                continue
            if np.isfinite(value):
                values.append(value)
    if not values:
        raise ValueError("The statistic was undefined on every resample.")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
