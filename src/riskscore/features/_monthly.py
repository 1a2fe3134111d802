"""Statement-style features: how the amounts due move, how much of them gets paid, runs of lateness.

Built from the same point-in-time :class:`~riskscore.features._history.State` as the other
history features (payments dated after ``as_of`` are unknown), vectorised on integer codes.
Chosen on UCI Taiwan and Home Credit (``benchmarks/model_real.py``): bill growth, the share of
the latest amounts actually paid (whenever paid, not only by the due date: card statements are
paid after they are issued), full payments and runs of late installments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.features._history import State, latest_first

__all__ = ["monthly_features"]


def _by(codes: np.ndarray, n: int, values: np.ndarray, how: str) -> np.ndarray:
    return pd.Series(values).groupby(codes).agg(how).reindex(range(n)).to_numpy(dtype=float)


def monthly_features(s: State, t: pd.Timestamp, tolerance: float, m: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Amount-due growth, paid shares, full payments, unpaid and consecutive late installments
    (``m``: :func:`~riskscore.features._history.latest_first`, when known)."""
    n = len(s.borrowers)
    m = latest_first(s, t) if m is None else m  # per borrower, latest due first
    b = s.b[m]
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]]) if len(m) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(m)) - np.repeat(starts, np.diff(np.r_[starts, len(m)]))
    amount, paid = s.amount[m], s.paid[m]
    with np.errstate(invalid="ignore", divide="ignore"):
        paid_share = np.where(amount > tolerance, np.clip(paid / amount, 0, 1), 1.0)
    recent, prior = rank < 3, (rank >= 3) & (rank < 6)
    due_recent = _by(b[recent], n, amount[recent], "mean")
    due_prior = _by(b[prior], n, amount[prior], "mean")
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(due_prior > tolerance, due_recent / due_prior, np.nan)
    unpaid = (amount > tolerance) & (paid <= tolerance)
    # latest amount due: each loan's latest installment that has fallen due, summed per borrower
    latest = np.zeros(len(m), dtype=bool)
    if len(m):
        per_loan = pd.DataFrame({"loan": s.loan[m], "due": s.due[m]})
        latest = (per_loan["due"] == per_loan.groupby("loan")["due"].transform("max")).to_numpy()
    # runs of late installments, oldest to latest per borrower (rows are latest first: a run is a
    # stretch of consecutive late rows of one borrower)
    late = s.days_late[m] > 0
    brk = np.r_[True, (b[1:] != b[:-1]) | ~late[:-1]] if len(m) else np.zeros(0, dtype=bool)
    run_id = np.cumsum(brk)
    run_len = np.bincount(run_id, weights=late.astype(float))[run_id] if len(m) else np.zeros(0)
    settled_rank = np.where(s.settled[m], rank, np.iinfo(np.int64).max)
    first_settled = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_settled, b, settled_rank)
    matured = np.bincount(b, minlength=n).astype(float)
    since_full = np.where(first_settled == np.iinfo(np.int64).max, matured, first_settled).astype(float)
    return {
        "latest_amount_due": np.where(matured > 0, np.bincount(b[latest], weights=amount[latest], minlength=n),
                                      np.nan),
        "amount_due_growth_3": growth,
        "paid_share_3": _by(b[recent], n, paid_share[recent], "mean"),
        "paid_share_trend": _by(b[recent], n, paid_share[recent], "mean") - _by(b[prior], n, paid_share[prior],
                                                                                "mean"),
        "share_paid_full_6": _by(b[rank < 6], n, s.settled[m][rank < 6].astype(float), "mean"),
        "unpaid_3": np.where(matured > 0, np.bincount(b[recent & unpaid], minlength=n), np.nan),
        "max_consecutive_late": np.where(matured > 0, _by(b, n, run_len, "max"), np.nan),
        "installments_since_full_payment": np.where(matured > 0, since_full, np.nan),
    }
