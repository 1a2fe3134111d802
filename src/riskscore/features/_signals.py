"""Signals read off the features for the contact policy (which never sees features itself)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HARDSHIP_PARTIALS", "hardship_signal"]

#: Partial payments in the last 90 days from which repayment is read as a sign of financial difficulty.
HARDSHIP_PARTIALS = 1


def hardship_signal(X: pd.DataFrame, min_partials: int = HARDSHIP_PARTIALS) -> pd.Series:
    """True where the repayment history shows financial difficulty: at least ``min_partials``
    payments in the last 90 days that left their installment short (``partial_payments_90d``), or
    a partial payment by the due date among the last 3 due installments (``share_partial_3`` > 0).

    Repeated part-payments are a classic sign a customer cannot pay in full (the UK FCA lists
    "making only partial payments" among the signs of financial difficulty, FG 23/2 / CONC 7.2);
    the contact policy routes such borrowers to a repayment-plan offer and never to a call.
    Without the features, no borrower is flagged. The threshold was chosen on policy evaluation
    (``docs/policy_evaluation.md``): requiring two partial payments let borrowers in hardship
    through to agent calls; one partial payment, or a short payment on a recent due date, caught
    them at no cost in recovery.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.features import hardship_signal
    >>> X = pd.DataFrame({"partial_payments_90d": [0.0, 1.0, None, 0.0], "share_partial_3": [0.0, 0.0, None, 1 / 3]})
    >>> hardship_signal(X).tolist()
    [False, True, False, True]
    """
    def col(name: str) -> np.ndarray:
        if name not in X:
            return np.zeros(len(X))
        return np.nan_to_num(X[name].to_numpy(dtype=float, na_value=np.nan), nan=0.0)

    flag = (col("partial_payments_90d") >= min_partials) | (col("share_partial_3") > 0)
    return pd.Series(flag, index=X.index, name="hardship_signal")
