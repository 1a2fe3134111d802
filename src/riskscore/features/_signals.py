"""Signals read off the features for the contact policy (which never sees features itself)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HARDSHIP_PARTIALS", "hardship_signal"]

#: Partial payments in the last 90 days from which repayment is read as a sign of financial difficulty.
HARDSHIP_PARTIALS = 2


def hardship_signal(X: pd.DataFrame, min_partials: int = HARDSHIP_PARTIALS) -> pd.Series:
    """True where the repayment history shows financial difficulty: at least ``min_partials``
    payments in the last 90 days that left their installment short (``partial_payments_90d``).

    Repeated part-payments are a classic sign a customer cannot pay in full (the UK FCA lists
    "making only partial payments" among the signs of financial difficulty, FG 23/2 / CONC 7.2);
    the contact policy routes such borrowers to a repayment-plan offer and never to a call.
    Without the feature, no borrower is flagged.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.features import hardship_signal
    >>> hardship_signal(pd.DataFrame({"partial_payments_90d": [0.0, 2.0, None]})).tolist()
    [False, True, False]
    """
    if "partial_payments_90d" not in X:
        return pd.Series(False, index=X.index, name="hardship_signal")
    n = X["partial_payments_90d"].to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(np.nan_to_num(n, nan=0.0) >= min_partials, index=X.index, name="hardship_signal")
