"""Recency features: how long ago the borrower was last late, lateness weighted by recency and amount.

The window features (``share_late_6``, ``mean_days_late_12``, ...) weigh each of the last
installments alike and count installments, not time; these say how recent the lateness is
(installments and days since the latest late one, a recency-weighted mean of days late, the
installments due in the last year) and how much of the money it concerned (an amount-weighted
mean of days late, the amount paid over the amount due, the trend of the amounts paid).
Built from the same point-in-time :class:`~riskscore.features._history.State` as the other
history features (payments dated after ``as_of`` are unknown; installments due after it are not
read), vectorised on integer codes, for any installment history. Chosen on Home Credit
(``benchmarks/model_real.py``: each of them, left out, lowers the 5-fold AUC there); neutral on
UCI Taiwan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.features._history import DAY, State, latest_first

__all__ = ["RECENCY_HALF_LIFE", "YEAR_DAYS", "recent_features"]

#: ``days_late_recency_weighted``: an installment's weight halves every this many installments back.
RECENCY_HALF_LIFE = 2.0
#: The calendar window of ``share_late_365d`` and its kin: installments due in the last year.
YEAR_DAYS = 365


def _ranked(s: State, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Borrower code and rank (0 = latest due) of each row of ``m`` (latest first per borrower)."""
    b = s.b[m]
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]]) if len(m) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(m)) - np.repeat(starts, np.diff(np.r_[starts, len(m)]))
    return b, rank


def _weighted_mean(b: np.ndarray, n: int, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    total = np.bincount(b, weights=weights, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.bincount(b, weights=values * weights, minlength=n) / total, np.nan)


def recent_features(s: State, t: pd.Timestamp, tolerance: float, m: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Time since the latest late installment, weighted lateness, lateness over the last year, paid
    amounts (``m``: :func:`~riskscore.features._history.latest_first`, when known)."""
    n = len(s.borrowers)
    m = latest_first(s, t) if m is None else m
    b, rank = _ranked(s, m)
    amount, paid, late = s.amount[m], s.paid[m], s.days_late[m]
    out: dict[str, np.ndarray] = {}
    matured = np.bincount(b, minlength=n).astype(float)
    is_late = late > 0
    first_late = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_late, b[is_late], rank[is_late])
    since = np.where(first_late == np.iinfo(np.int64).max, matured, first_late).astype(float)
    out["installments_since_late"] = np.where(matured > 0, since, np.nan)
    out["days_late_recency_weighted"] = _weighted_mean(b, n, late, 0.5 ** (rank / RECENCY_HALF_LIFE))
    last6 = rank < 6
    out["days_late_amount_weighted_6"] = _weighted_mean(b[last6], n, late[last6], amount[last6])
    due6 = np.bincount(b[last6], weights=amount[last6], minlength=n)
    covered6 = np.bincount(b[last6], weights=np.clip(paid[last6], 0, amount[last6]), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["paid_to_due_6"] = np.where(due6 > tolerance, covered6 / due6, np.nan)
    recent, prior = rank < 3, (rank >= 3) & (rank < 6)
    paid_recent = np.bincount(b[recent], weights=paid[recent], minlength=n)
    paid_prior = np.bincount(b[prior], weights=paid[prior], minlength=n)
    n_prior = np.bincount(b[prior], minlength=n)
    n_recent = np.bincount(b[recent], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["paid_amount_growth_3"] = np.where((paid_prior > tolerance) & (n_recent > 0),
                                               (paid_recent / n_recent) / (paid_prior / n_prior), np.nan)
    t_ns = np.int64(pd.Timestamp(t).value)
    age = ((t_ns - s.due[m]) // DAY).astype(float)  # days since each installment fell due
    last_late = np.full(n, np.inf)
    np.minimum.at(last_late, b[is_late], age[is_late])
    out["days_since_late"] = np.where(np.isinf(last_late), np.nan, last_late)
    year = age < YEAR_DAYS
    out["share_late_365d"] = _weighted_mean(b[year], n, is_late[year].astype(float), np.ones(int(year.sum())))
    out["mean_days_late_365d"] = _weighted_mean(b[year], n, late[year], np.ones(int(year.sum())))
    worst = np.full(n, -np.inf)
    np.maximum.at(worst, b[year], late[year])
    out["max_days_late_365d"] = np.where(np.isneginf(worst), np.nan, worst)
    return out
