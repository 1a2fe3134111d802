"""The scoring unit: who owes what at an as-of date (design.md, "Scoring unit and targets").

One definition, shared by the synthetic world's ground truth and by the labels, so that the
oracle and the training targets can never disagree on what "repaid" means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SETTLE_TOLERANCE", "first_in_group", "is_settled", "outstanding_at", "settlement_dates",
           "settlement_scan"]

#: An installment counts as settled when at most this much (currency units) is left unpaid.
SETTLE_TOLERANCE = 0.01


NEVER = np.iinfo(np.int64).max
#: Float slack of the settlement comparison: summing the same payments in another order must
#: never flip a borderline installment (a remainder equal to the tolerance counts as settled).
_EPS = 1e-6


def is_settled(remaining: object, tolerance: float = SETTLE_TOLERANCE) -> np.ndarray:
    """The settlement rule on remainders: at most ``tolerance`` left (up to float round-off).

    Examples
    --------
    >>> from riskscore.schemas import is_settled
    >>> is_settled([25764.62 - 25764.61, 0.02]).tolist()
    [True, False]
    """
    return np.asarray(remaining, dtype=float) <= tolerance + _EPS


def first_in_group(group: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """The value of each group's first row (``group`` are codes 0..n-1).

    Examples
    --------
    >>> import numpy as np
    >>> first_in_group(np.array([0, 0, 1]), 2, np.array([5, 6, 7])).tolist()
    [5, 7]
    """
    out = np.empty(n, dtype=values.dtype)
    out[group[::-1]] = values[::-1]  # the last write wins: each group's first row
    return out


def settlement_scan(
    inst: np.ndarray, n: int, paid: np.ndarray, amount_paid: np.ndarray, amount_due: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """The settlement rule, once: an installment is settled on the first payment date at which
    its cumulative payments reach ``amount_due - tolerance``.

    Parameters are per row: ``inst`` installment codes (0..n-1), ``paid`` payment dates as int64
    nanoseconds (``NEVER`` for rows that do not count, with ``amount_paid`` 0), ``amount_due``.

    Returns
    -------
    settled_on : (n,) int64
        Settlement date per installment, ``NEVER`` when not reached.
    still_short : (n_rows,) bool
        Per row: a counted payment after which the installment was still not settled.

    Examples
    --------
    Installment 0 is due 100 and paid 60 on day 1, then 40 on day 2: settled on day 2.

    >>> import numpy as np
    >>> settled, short = settlement_scan(np.array([0, 0]), 1, np.array([1, 2]), np.array([60.0, 40.0]),
    ...                                  np.array([100.0, 100.0]), 0.01)
    >>> settled.tolist(), short.tolist()
    ([2], [True, False])
    """
    if not len(inst):  # nothing due (an as-of date before the data)
        return np.full(n, NEVER), np.zeros(0, dtype=bool)
    order = np.lexsort((paid, inst))
    inst_o = inst[order]
    csum = np.cumsum(amount_paid[order])
    starts = np.flatnonzero(np.r_[True, inst_o[1:] != inst_o[:-1]]) if len(inst_o) else np.zeros(0, int)
    before = np.repeat(np.r_[0.0, csum[starts[1:] - 1]], np.diff(np.r_[starts, len(inst_o)]))
    counted = paid[order] != NEVER
    reached = is_settled(amount_due[order] - (csum - before), tolerance)
    settled_on = np.full(n, NEVER)
    np.minimum.at(settled_on, inst_o[counted & reached], paid[order][counted & reached])
    still_short = np.zeros(len(inst), dtype=bool)
    still_short[order] = counted & ~reached
    return settled_on, still_short


def outstanding_at(
    installments: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    lookahead_days: int = 7,
    tolerance: float = SETTLE_TOLERANCE,
) -> pd.DataFrame:
    """Installments not settled at ``as_of`` among those due by ``as_of + lookahead_days``.

    Only payments dated on or before ``as_of`` count (later ones are unknown at ``as_of``).
    A borrower is in the scoring population at ``as_of`` exactly when it has a row here.

    Parameters
    ----------
    installments : pandas.DataFrame
        A table that passed :func:`riskscore.validate_installments`.
    as_of : date-like
        The as-of date ``t``.
    lookahead_days : int, default 7
        Installments due up to ``t + lookahead_days`` count as outstanding when unpaid.
    tolerance : float, default 0.01
        Unpaid remainders up to this amount count as settled.

    Returns
    -------
    pandas.DataFrame
        One row per outstanding installment: ``borrower_id, loan_id, installment_no,
        due_date, amount_due, paid_by_as_of, remaining``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"borrower_id": ["b1", "b1"], "loan_id": ["l1", "l1"],
    ...     "installment_no": [1, 2], "due_date": pd.to_datetime(["2024-03-01", "2024-04-01"]),
    ...     "amount_due": [100.0, 100.0], "paid_date": pd.to_datetime(["2024-03-10", None]),
    ...     "amount_paid": [40.0, 0.0]})
    >>> outstanding_at(df, "2024-03-15")[["installment_no", "remaining"]].to_dict("records")
    [{'installment_no': 1, 'remaining': 60.0}]
    """
    if lookahead_days < 0:
        raise ValueError(f"The 'lookahead_days' parameter must be >= 0, got {lookahead_days}.")
    t = pd.Timestamp(as_of).normalize()
    horizon = t + pd.Timedelta(days=lookahead_days)
    due = installments[installments["due_date"] <= horizon]
    known = due["amount_paid"].where(due["paid_date"].notna() & (due["paid_date"] <= t), 0.0)
    keys = ["borrower_id", "loan_id", "installment_no"]
    agg = (
        due.assign(_known=known)
        .groupby(keys, sort=False, observed=True)
        .agg(due_date=("due_date", "first"), amount_due=("amount_due", "first"),
             paid_by_as_of=("_known", "sum"))
        .reset_index()
    )
    agg["remaining"] = agg["amount_due"] - agg["paid_by_as_of"]
    out = agg[~is_settled(agg["remaining"].to_numpy(), tolerance)]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def settlement_dates(installments: pd.DataFrame, tolerance: float = SETTLE_TOLERANCE) -> pd.DataFrame:
    """One row per installment with the date it was settled in full (NaT if never).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"borrower_id": ["b"] * 2, "loan_id": ["l"] * 2, "installment_no": [1, 1],
    ...     "due_date": pd.to_datetime(["2024-01-01"] * 2), "amount_due": [100.0] * 2,
    ...     "paid_date": pd.to_datetime(["2024-01-03", "2024-01-09"]), "amount_paid": [60.0, 40.0]})
    >>> from riskscore.schemas import settlement_dates
    >>> settlement_dates(df)["settled_date"].dt.day.tolist()
    [9]
    """
    keys = ["borrower_id", "loan_id", "installment_no"]
    loan = pd.factorize(installments["loan_id"])[0].astype(np.int64)
    number = installments["installment_no"].to_numpy(np.int64)
    inst, first_rows = pd.factorize(loan * (int(number.max(initial=0)) + 1) + number)
    n = len(first_rows)
    paid_raw = installments["paid_date"].to_numpy("datetime64[ns]")
    paid = np.where(np.isnat(paid_raw), NEVER, paid_raw.view(np.int64))
    amount = installments["amount_paid"].to_numpy(float)
    settled_on, _ = settlement_scan(inst, n, paid, np.where(paid == NEVER, 0.0, amount),
                                    installments["amount_due"].to_numpy(float), tolerance)
    rows = np.unique(inst, return_index=True)[1]
    out = installments.iloc[rows][[*keys, "due_date", "amount_due"]].reset_index(drop=True)
    out["settled_date"] = pd.to_datetime(np.where(settled_on == NEVER, np.datetime64("NaT"),
                                                  settled_on.astype("datetime64[ns]")))
    out["n_payments"] = np.bincount(inst, weights=paid != NEVER, minlength=n).astype(int)
    return out
