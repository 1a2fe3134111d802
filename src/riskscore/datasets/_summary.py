"""Portfolio rates of a world (or any installments table): what the defaults yield."""

from __future__ import annotations

import pandas as pd

from riskscore.schemas import settlement_dates

__all__ = ["summarize_installments"]

#: Lateness buckets of :func:`summarize_installments` (days after the due date).
BUCKETS = (("on_time", None, 0), ("late_1_30", 1, 30), ("late_31_90", 31, 90), ("late_90_plus", 91, None))


def summarize_installments(installments: pd.DataFrame, end: str | pd.Timestamp) -> dict[str, float]:
    """Lateness and repayment rates of installments due at least 90 days before ``end``.

    Returns shares of installments settled on time (by the due date), 1-30, 31-90 and more
    than 90 days late (or not at all by ``end``), the share paid in several payments, and
    borrower-level shares ever 30+ and 90+ days past due.

    Examples
    --------
    >>> import riskscore
    >>> from riskscore.datasets import summarize_installments
    >>> world = riskscore.generate(500, seed=1)
    >>> rates = summarize_installments(world.installments, world.end)
    >>> 0.8 < rates["on_time"] < 0.95
    True
    """
    end = pd.Timestamp(end)
    s = settlement_dates(installments)
    s = s[s["due_date"] <= end - pd.Timedelta(days=90)]
    late = (s["settled_date"].fillna(end + pd.Timedelta(days=10_000)) - s["due_date"]).dt.days
    out: dict[str, float] = {"installments_judged": float(len(s))}
    for name, lo, hi in BUCKETS:
        mask = pd.Series(True, index=s.index)
        if lo is not None:
            mask &= late >= lo
        if hi is not None:
            mask &= late <= hi
        out[name] = float(mask.mean())
    out["paid_in_several_payments"] = float((s["n_payments"] > 1).mean())
    worst = late.groupby(s["borrower_id"]).max()
    out["borrowers_ever_30_plus"] = float((worst > 30).mean())
    out["borrowers_ever_90_plus"] = float((worst > 90).mean())
    return out
