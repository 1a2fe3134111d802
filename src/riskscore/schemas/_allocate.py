"""A repayment schedule and a payment ledger as the installments table: payments allocated oldest first.

Lenders' core systems keep what is owed (a schedule: one row per installment) apart from what
came in (a ledger: one row per payment, with no installment on it). The installments contract
wants both on one row per installment and payment. :func:`allocate_payments` joins them the way
loan servicing does by default: within each loan, every payment pays the oldest installment
still owed, in due-date order, and what is left of it the next one (a payment can settle several
installments, and several payments one installment). Amounts are allocated in whole minor units
(cents by default), so no rounding drift accumulates over a long loan.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from riskscore._compat import Interval, validate_params
from riskscore._validation import missing_columns_line
from riskscore.exceptions import DataError

__all__ = ["allocate_payments"]

_SCHEDULE = ("borrower_id", "loan_id", "installment_no", "due_date", "amount_due")
_PAYMENTS = ("loan_id", "paid_date", "amount_paid")


def _check(df: pd.DataFrame, name: str, needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise DataError.from_message(name, missing_columns_line(name, missing, list(df.columns), known=needed,
                                                                python=True))


def _order(values: pd.Series, name: str, column: str) -> pd.Series:
    """The dates that order a loan's installments or payments: ISO 8601 only (``01/03/2024`` reads
    two ways and would silently reorder a loan), every one present."""
    if pd.api.types.is_datetime64_any_dtype(values):
        when = values if getattr(values.dt, "tz", None) is None else values.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        when = pd.to_datetime(values.astype(object).where(values.notna(), None), format="ISO8601", errors="coerce",
                              utc=True).dt.tz_localize(None)
    bad = when.isna()
    if bad.any():
        first = values[bad].iloc[0]
        what = "missing" if pd.isna(first) else f"not ISO 8601 dates (first: {_shown(first)})"
        raise DataError.from_message(
            name, f"{name}: {int(bad.sum())} value(s) of {column} are {what}; the allocation orders each loan by "
                  "them: read the file with its date format (riskscore.io.read_table(..., date_format=...)) or "
                  "convert them first")
    return when


def _shown(value: object) -> str:
    """A value as the user wrote it: ``-1.0``, ``'x'`` (never numpy's ``np.float64(-1.0)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _minor_units(values: pd.Series, name: str, column: str, scale: int) -> np.ndarray:
    amounts = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(amounts) | (amounts < 0)
    if bad.any():
        raise DataError.from_message(
            name, f"{name}: {int(bad.sum())} value(s) of {column} are not finite amounts >= 0 (first: "
                  f"{_shown(values[bad].iloc[0])}); allocate only what the contracts would accept")
    return np.rint(amounts * scale).astype(np.int64)


@validate_params({"schedule": [pd.DataFrame], "payments": [pd.DataFrame],
                  "decimals": [Interval(Integral, 0, 6, closed="both")]}, prefer_skip_nested_validation=True)
def allocate_payments(schedule: pd.DataFrame, payments: pd.DataFrame, *, decimals: int = 2) -> pd.DataFrame:
    """The installments table of a schedule and a payment ledger, each payment paying the oldest installment owed.

    Within each loan the installments are taken in ``due_date`` order (then ``installment_no``) and
    the payments in ``paid_date`` order; payment by payment, the amount goes to the oldest
    installment not yet paid in full, the rest to the next (first in, first out). An installment
    with no payment gets one unpaid row (``paid_date`` missing, ``amount_paid`` 0); a partly paid
    one gets only its payment rows, so the table passes the installments contract as it is.

    Parameters
    ----------
    schedule : pandas.DataFrame
        One row per installment: ``borrower_id``, ``loan_id``, ``installment_no``, ``due_date``,
        ``amount_due`` (other columns, such as ``currency``, are carried to every row of the installment).
    payments : pandas.DataFrame
        One row per payment: ``loan_id``, ``paid_date``, ``amount_paid`` (several a day are several
        payments). ``borrower_id`` is not needed: a payment belongs to its loan.
    decimals : int, default 2
        Minor units of the currency (0 for JPY or KRW, 3 for KWD): amounts are allocated in them.

    Returns
    -------
    pandas.DataFrame
        The installments table: one row per (installment, payment) that paid it, plus one unpaid
        row per installment nothing paid. ``attrs["unallocated"]``: the payments (or their parts)
        that no installment was owed for, with ``loan_id``, ``paid_date``, ``amount`` and ``why``
        (``overpaid``: more than the loan's schedule; ``unknown_loan``: a loan not in the schedule).

    Raises
    ------
    riskscore.DataError
        A missing column (one line with the rename to write), an amount that is not a finite
        number >= 0, or a date that is missing or not ISO 8601 (the order of a loan's
        installments and payments is never guessed from ``01/03/2024``).

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.schemas import allocate_payments
    >>> schedule = pd.DataFrame({"borrower_id": "b1", "loan_id": "L1", "installment_no": [1, 2, 3],
    ...                          "due_date": ["2024-01-31", "2024-02-29", "2024-03-31"], "amount_due": 100.0})
    >>> payments = pd.DataFrame({"loan_id": "L1", "paid_date": ["2024-02-02", "2024-03-05"],
    ...                          "amount_paid": [150.0, 30.0]})
    >>> allocate_payments(schedule, payments)[["installment_no", "paid_date", "amount_paid"]]
       installment_no   paid_date  amount_paid
    0               1  2024-02-02        100.0
    1               2  2024-02-02         50.0
    2               2  2024-03-05         30.0
    3               3        None          0.0
    """
    _check(schedule, "schedule", _SCHEDULE)
    _check(payments, "payments", _PAYMENTS)
    scale = 10 ** decimals
    sched = schedule.reset_index(drop=True)
    sched = sched.assign(_due=_minor_units(sched["amount_due"], "schedule", "amount_due", scale),
                         _loan=sched["loan_id"].astype(str), _order=_order(sched["due_date"], "schedule", "due_date"))
    sched = sched.sort_values(["_loan", "_order", "installment_no"], kind="stable")
    pays = payments.reset_index(drop=True)
    pays = pays.assign(_paid=_minor_units(pays["amount_paid"], "payments", "amount_paid", scale),
                       _loan=pays["loan_id"].astype(str), _order=_order(pays["paid_date"], "payments", "paid_date"))
    pays = pays.loc[pays["_paid"] > 0].sort_values(["_loan", "_order"], kind="stable")

    loans = pd.Index(sched["_loan"].unique())
    known = pays["_loan"].isin(loans).to_numpy()
    unknown = pays.loc[~known]
    pays = pays.loc[known]
    # every loan's amounts on one number line, loans one after another: a loan's cumulative due and
    # cumulative paid are then two partitions of its own stretch, and their overlaps the allocations
    s_code = loans.get_indexer(sched["_loan"])
    p_code = loans.get_indexer(pays["_loan"])
    due_total = np.bincount(s_code, weights=sched["_due"].to_numpy(), minlength=len(loans)).astype(np.int64)
    base = np.concatenate([[0], np.cumsum(due_total)[:-1]]).astype(np.int64)
    due_end = base[s_code] + _cumsum_within(sched["_due"].to_numpy(), s_code)
    due_start = due_end - sched["_due"].to_numpy()
    paid_end_raw = _cumsum_within(pays["_paid"].to_numpy(), p_code)
    paid_start_raw = paid_end_raw - pays["_paid"].to_numpy()
    over_start = np.minimum(paid_start_raw, due_total[p_code])  # what a loan's schedule does not owe is overpaid
    paid_start = base[p_code] + over_start
    paid_end = base[p_code] + np.minimum(paid_end_raw, due_total[p_code])

    rows = _overlaps(due_start, due_end, paid_start, paid_end)
    inst_idx, pay_idx, amount = rows
    carried = [c for c in sched.columns if not c.startswith("_") and c not in ("paid_date", "amount_paid")]
    paid_rows = sched.iloc[inst_idx][carried].reset_index(drop=True)
    paid_rows["paid_date"] = pays["paid_date"].to_numpy()[pay_idx]
    paid_rows["amount_paid"] = amount / scale
    paid_rows["_key"] = inst_idx
    unpaid = np.setdiff1d(np.arange(len(sched)), inst_idx)
    unpaid_rows = sched.iloc[unpaid][carried].reset_index(drop=True)
    unpaid_rows["paid_date"] = None
    unpaid_rows["amount_paid"] = 0.0
    unpaid_rows["_key"] = unpaid
    out = pd.concat([paid_rows, unpaid_rows], ignore_index=True).sort_values("_key", kind="stable")
    out = out.drop(columns="_key").reset_index(drop=True)
    out.attrs["unallocated"] = _unallocated(pays, paid_end_raw, paid_start_raw, due_total[p_code], unknown, scale)
    return out


def _cumsum_within(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``values`` restarting at each new code (rows sorted by code)."""
    total = np.cumsum(values)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.array([], dtype=int)
    before = np.zeros(len(values), dtype=np.int64)
    if len(values):
        offsets = np.r_[0, total[starts[1:] - 1]] if len(starts) > 1 else np.array([0])
        before = np.repeat(offsets, np.diff(np.r_[starts, len(values)]))
    return total - before


def _overlaps(due_start: np.ndarray, due_end: np.ndarray, paid_start: np.ndarray,
              paid_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(installment, payment, amount) of every positive overlap of the due and paid intervals.

    Both sets of intervals tile their loans' stretches in order, so a merge of the two sorted
    lists of ends gives each overlap once (at most installments + payments of them).
    """
    n_i, n_p = len(due_end), len(paid_end)
    i_ptr = np.searchsorted(due_end, paid_start, side="right")  # first installment a payment reaches
    counts = np.maximum(np.searchsorted(due_start, paid_end, side="left") - i_ptr, 0)
    if not n_i or not n_p or not counts.sum():
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    pay = np.repeat(np.arange(n_p), counts)
    inst = np.repeat(i_ptr, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    amount = np.minimum(due_end[inst], paid_end[pay]) - np.maximum(due_start[inst], paid_start[pay])
    keep = amount > 0
    order = np.lexsort((pay[keep], inst[keep]))
    return inst[keep][order], pay[keep][order], amount[keep][order]


def _unallocated(pays: pd.DataFrame, paid_end: np.ndarray, paid_start: np.ndarray, owed: np.ndarray,
                 unknown: pd.DataFrame, scale: int) -> pd.DataFrame:
    over = np.maximum(paid_end - np.maximum(paid_start, owed), 0)
    parts: list[dict[str, Any]] = [
        {"loan_id": loan, "paid_date": date, "amount": a / scale, "why": "overpaid"}
        for loan, date, a in zip(pays["loan_id"].to_numpy()[over > 0], pays["paid_date"].to_numpy()[over > 0],
                                 over[over > 0], strict=True)]
    parts += [{"loan_id": loan, "paid_date": date, "amount": a / scale, "why": "unknown_loan"}
              for loan, date, a in zip(unknown["loan_id"], unknown["paid_date"], unknown["_paid"], strict=True)]
    return pd.DataFrame(parts, columns=["loan_id", "paid_date", "amount", "why"])
