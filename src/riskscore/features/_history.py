"""Point-in-time state of every installment at ``as_of``, and the features built from it.

Everything here is vectorised on integer codes: no Python loop over borrowers or rows. What is
visible at ``as_of = t`` (the leakage rule, tested in ``tests/features/test_leakage.py``):

* installments due on or before ``t + lookahead``, with their payments dated on or before ``t``;
* installments due later: only their loan, due date and scheduled amount (their payment
  columns are never read, even for a payment dated before ``t``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskscore.schemas import NEVER, is_settled, settlement_scan
from riskscore.schemas import first_in_group as _group_first

DAY = np.int64(86_400 * 10**9)


@dataclass(frozen=True)
class State:
    """Per-installment state at ``t`` (arrays of length n_installments) and per-row payments."""

    borrowers: pd.Index       # borrower ids, position = code
    loan_ids: np.ndarray      # loan ids, position = code
    b: np.ndarray             # borrower code per installment
    loan: np.ndarray          # loan code per installment
    no: np.ndarray            # installment number
    due: np.ndarray           # due date, int64 ns
    amount: np.ndarray        # amount due
    paid: np.ndarray          # paid by t
    paid_by_due: np.ndarray   # paid by min(due, t)
    settled: np.ndarray       # bool: remaining <= tolerance at t
    days_late: np.ndarray     # float, matured installments only (NaN otherwise)
    pay_b: np.ndarray         # borrower code per visible payment row
    pay_date: np.ndarray      # payment date, int64 ns
    pay_amount: np.ndarray
    pay_offset: np.ndarray    # days between payment and its due date
    pay_partial: np.ndarray   # bool: the installment was still not settled after this payment


def installment_state(installments: pd.DataFrame, t: pd.Timestamp, lookahead_days: int, tolerance: float) -> State:
    """What is known at ``t`` about each installment due by ``t + lookahead_days``."""
    t_ns = np.int64(t.value)
    due_all = installments["due_date"].to_numpy("datetime64[ns]").view(np.int64)
    v = installments[due_all <= t_ns + lookahead_days * DAY]
    b_codes, b_index = pd.factorize(v["borrower_id"], sort=True)
    # loan codes in id order: installments due on one day break ties by loan id, never by row order
    loan_codes, loan_ids = pd.factorize(v["loan_id"], sort=True)
    no_all = v["installment_no"].to_numpy(np.int64)
    inst, _ = pd.factorize(loan_codes.astype(np.int64) * (int(no_all.max(initial=0)) + 1) + no_all)
    n = int(inst.max(initial=-1)) + 1
    due = v["due_date"].to_numpy("datetime64[ns]").view(np.int64)
    paid_raw = v["paid_date"].to_numpy("datetime64[ns]")
    known = ~np.isnat(paid_raw) & (paid_raw.view(np.int64) <= t_ns)
    pdate = np.where(known, paid_raw.view(np.int64), NEVER)
    amt = np.where(known, v["amount_paid"].to_numpy(float), 0.0)
    amount_row = v["amount_due"].to_numpy(float)

    settle_date, partial_row = settlement_scan(inst, n, pdate, amt, amount_row, tolerance)

    amount = _group_first(inst, n, amount_row)
    due_i = _group_first(inst, n, due)
    paid = np.bincount(inst, weights=amt, minlength=n)
    paid_by_due = np.bincount(inst, weights=np.where(pdate <= due, amt, 0.0), minlength=n)
    settled = is_settled(amount - paid, tolerance)
    matured = due_i <= t_ns
    late_when_settled = np.where(settle_date == NEVER, 0, np.maximum(0, (settle_date - due_i) // DAY))
    days_late = np.where(settled, late_when_settled, (t_ns - due_i) // DAY).astype(float)
    days_late[~matured] = np.nan
    return State(
        borrowers=pd.Index(b_index), loan_ids=np.asarray(loan_ids), b=_group_first(inst, n, b_codes),
        loan=_group_first(inst, n, loan_codes),
        no=_group_first(inst, n, no_all), due=due_i, amount=amount, paid=paid, paid_by_due=paid_by_due,
        settled=settled, days_late=days_late, pay_b=b_codes[known], pay_date=pdate[known], pay_amount=amt[known],
        pay_offset=((pdate[known] - due[known]) // DAY).astype(float), pay_partial=partial_row[known])


def _sum(codes: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=n).astype(float)


def _mean(codes: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    cnt = _sum(codes, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, _sum(codes, n, values) / cnt, np.nan)


def _max(codes: np.ndarray, n: int, values: np.ndarray, empty: float = np.nan) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, codes, values)
    return np.where(np.isneginf(out), empty, out)


def arrears_features(s: State, t: pd.Timestamp) -> dict[str, np.ndarray]:
    """What is owed at ``t``: outstanding, past due, upcoming."""
    n, t_ns = len(s.borrowers), np.int64(t.value)
    remaining = np.where(s.settled, 0.0, s.amount - s.paid)
    overdue = ~s.settled & (s.due <= t_ns)
    upcoming = ~s.settled & (s.due > t_ns)
    outstanding = _sum(s.b, n, remaining)
    typical = pd.Series(s.amount).groupby(s.b).median().reindex(range(n)).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(typical > 0, outstanding / typical, np.nan)
    next_due = _max(s.b[upcoming], n, -((s.due[upcoming] - t_ns) // DAY).astype(float))
    return {
        "days_to_next_due": -next_due,
        "amount_outstanding": outstanding,
        "n_installments_outstanding": _sum(s.b, n, (~s.settled).astype(float)),
        "amount_overdue": _sum(s.b, n, np.where(overdue, remaining, 0.0)),
        "days_past_due": _max(s.b[overdue], n, ((t_ns - s.due[overdue]) // DAY).astype(float), empty=0.0),
        "amount_due_upcoming": _sum(s.b, n, np.where(upcoming, remaining, 0.0)),
        "n_due_upcoming": _sum(s.b, n, upcoming.astype(float)),
        "outstanding_to_installment": ratio,
    }


def latest_first(s: State, t: pd.Timestamp) -> np.ndarray:
    """The installments that have fallen due by ``t``, per borrower, latest due first (ties by loan
    id, then number)."""
    m = np.flatnonzero(s.due <= np.int64(t.value))
    return m[np.lexsort((s.no[m], s.loan[m], -s.due[m], s.b[m]))]


def history_features(s: State, t: pd.Timestamp, windows: tuple[int, ...], tolerance: float,
                     m: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Lateness, partial payments, regularity and cures over the last due installments
    (``m``: :func:`latest_first`, when known)."""
    n = len(s.borrowers)
    m = latest_first(s, t) if m is None else m
    b, late = s.b[m], s.days_late[m]
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    rank = np.arange(len(m)) - np.repeat(starts, np.diff(np.r_[starts, len(m)]))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(s.amount[m] > tolerance, np.clip(s.paid_by_due[m] / s.amount[m], 0, 1), 1.0)
    partial = (s.paid_by_due[m] > tolerance) & (s.paid_by_due[m] < s.amount[m] - tolerance)
    out: dict[str, np.ndarray] = {}
    for w in windows:
        sel = rank < w
        bw = b[sel]
        out[f"share_late_{w}"] = _mean(bw, n, (late[sel] > 0).astype(float))
        out[f"share_late30_{w}"] = _mean(bw, n, (late[sel] > 30).astype(float))
        out[f"max_days_late_{w}"] = _max(bw, n, late[sel])
        out[f"mean_days_late_{w}"] = _mean(bw, n, late[sel])
        out[f"paid_at_due_ratio_{w}"] = _mean(bw, n, ratio[sel])
        out[f"share_partial_{w}"] = _mean(bw, n, partial[sel].astype(float))
    recent, prior = rank < 3, (rank >= 3) & (rank < 6)
    out["paid_ratio_trend"] = _mean(b[recent], n, ratio[recent]) - _mean(b[prior], n, ratio[prior])
    last12 = rank < 12
    cnt12 = _sum(b[last12], n)
    mean12 = _mean(b[last12], n, late[last12])
    with np.errstate(invalid="ignore"):
        var12 = _mean(b[last12], n, late[last12] ** 2) - mean12**2
    out["days_late_std_12"] = np.where(cnt12 >= 2, np.sqrt(np.clip(var12, 0, None)), np.nan)
    cured = last12 & s.settled[m] & (late > 30)
    out["cures_30_12"] = _sum(b[cured], n)
    out["n_matured"] = _sum(b, n)
    out["share_late_all"] = _mean(b, n, (late > 0).astype(float))
    out["mean_days_late_all"] = _mean(b, n, late)
    return out


def payment_features(s: State, t: pd.Timestamp) -> dict[str, np.ndarray]:
    """Money paid so far, how regularly, and how recently."""
    n, t_ns = len(s.borrowers), np.int64(t.value)
    last = _max(s.pay_b, n, s.pay_date.astype(float))
    recent = s.pay_date > t_ns - 90 * DAY
    # the first installment that has fallen due by t: one due within the lookahead is not history yet
    matured = s.due <= t_ns
    first_due = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_due, s.b[matured], s.due[matured])
    loans = pd.unique(pd.Series(s.b.astype(np.int64) << 32 | s.loan.astype(np.int64))) >> 32
    return {
        "paid_to_date": _sum(s.pay_b, n, s.pay_amount),
        "n_payments": _sum(s.pay_b, n),
        "mean_payment_offset_days": _mean(s.pay_b, n, s.pay_offset),
        "days_since_last_payment": (t_ns - last) / DAY,
        "paid_last_90d": _sum(s.pay_b[recent], n, s.pay_amount[recent]),
        "partial_payments_90d": _sum(s.pay_b[recent & s.pay_partial], n),
        "days_since_first_due": np.where(first_due > t_ns, np.nan, (t_ns - first_due) // DAY).astype(float),
        "n_loans": _sum(loans.astype(np.int64), n),
    }


def schedule_features(
    installments: pd.DataFrame, s: State, t: pd.Timestamp, lookahead_days: int
) -> dict[str, np.ndarray]:
    """From installments due after the lookahead, only their schedule: loan, date, amount."""
    n, t_ns = len(s.borrowers), np.int64(t.value)
    due = installments["due_date"].to_numpy("datetime64[ns]").view(np.int64)
    later = installments.loc[due > t_ns + lookahead_days * DAY, ["borrower_id", "loan_id", "installment_no",
                                                                 "due_date", "amount_due"]]
    later = later.drop_duplicates(["loan_id", "installment_no"])
    b = s.borrowers.get_indexer(later["borrower_id"])
    keep = b >= 0
    within = keep & (later["due_date"].to_numpy("datetime64[ns]").view(np.int64) <= t_ns + 90 * DAY)
    scheduled = _sum(b[within], n, later["amount_due"].to_numpy(float)[within])
    # Active loans: an unpaid visible installment, or any installment still scheduled.
    open_loans = pd.DataFrame({"b": s.b[~s.settled], "loan": s.loan_ids[s.loan[~s.settled]]})
    later_loans = pd.DataFrame({"b": b[keep], "loan": later["loan_id"].to_numpy()[keep]})
    active = pd.concat([open_loans, later_loans]).drop_duplicates()
    return {"amount_scheduled_90d": scheduled, "n_active_loans": _sum(active["b"].to_numpy(np.int64), n)}
