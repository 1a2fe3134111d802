"""The borrowers who may owe something at ``as_of``: a cheap row-level superset of the population.

Most borrowers of a nightly portfolio owe nothing on a given day (their installments so far are
paid in full). :meth:`FeatureBuilder.transform` builds features for the scoring population only
(an installment due by ``as_of + lookahead_days`` not settled at ``as_of``), so the rows of every
other borrower are built and then dropped. This module finds, before the build, the borrowers who
*may* be in the population, from each row alone, and keeps only their rows.

A row is **closed** when its payment is dated on or before ``as_of`` and is at least its amount
due (and not negative). If every visible row of an installment is closed, the installment is
settled under any tolerance: what was paid is at least its first row's amount due, exactly, in
floating point too (a sum of non-negative numbers is never below any of them). So a borrower none
of whose visible rows is open is not in the population, and dropping them changes no feature of
the others: features are per borrower. The exceptions are kept whole: a loan id held by a kept and
a dropped borrower (unvalidated input: their installments are one in the build) and a missing
borrower id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["owing_borrowers"]

_DAY = 86_400 * 10**9


def _arrow(values: pd.Series) -> pa.Array:
    arr = pa.array(values, from_pandas=True)
    return arr.cast(pa.string()) if pa.types.is_large_string(arr.type) else arr


def owing_borrowers(installments: pd.DataFrame, contacts: pd.DataFrame | None, t: pd.Timestamp,
                    lookahead_days: int) -> tuple[pd.DataFrame, pd.DataFrame | None, int | None]:
    """(installments, contacts) of the borrowers who may owe something at ``t``, and how many borrowers
    have an installment due by ``t + lookahead_days`` (``None``: the tables are returned as given).

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"borrower_id": ["a", "b"], "loan_id": ["L1", "L2"], "installment_no": [1, 1],
    ...     "due_date": pd.to_datetime(["2024-03-01", "2024-03-01"]), "amount_due": [100.0, 100.0],
    ...     "paid_date": pd.to_datetime(["2024-03-01", None]), "amount_paid": [100.0, None]})
    >>> kept, _, eligible = owing_borrowers(inst, None, pd.Timestamp("2024-03-10"), 7)
    >>> kept["borrower_id"].tolist(), eligible
    (['b'], 2)
    """
    ids = installments["borrower_id"]
    if not len(installments) or ids.isna().any():
        return installments, contacts, None
    t_ns = np.int64(t.value)
    due = installments["due_date"].to_numpy("datetime64[ns]").view(np.int64)
    visible = due <= t_ns + lookahead_days * _DAY  # as installment_state reads it
    paid_raw = installments["paid_date"].to_numpy("datetime64[ns]")
    known = ~np.isnat(paid_raw) & (paid_raw.view(np.int64) <= t_ns)
    amt = np.where(known, installments["amount_paid"].to_numpy(float), 0.0)
    closed = (amt >= installments["amount_due"].to_numpy(float)) & (amt >= 0)  # NaN: not closed
    id_arr = _arrow(ids)
    owing = pc.unique(id_arr.filter(pa.array(visible & ~closed)))
    eligible = len(pc.unique(id_arr.filter(pa.array(visible))))
    if len(owing) == eligible:  # everyone may owe: nothing to drop
        return installments, contacts, eligible
    keep = pc.is_in(id_arr, value_set=owing).to_numpy(zero_copy_only=False)
    loans = _arrow(installments["loan_id"])
    if loans.null_count or pc.any(pc.is_in(loans.filter(pa.array(~keep)),
                                           value_set=pc.unique(loans.filter(pa.array(keep))))).as_py():
        return installments, contacts, eligible  # a loan shared by a kept and a dropped borrower: as given
    if contacts is not None and len(contacts):
        c_ids = _arrow(contacts["borrower_id"])
        if c_ids.type != owing.type:  # ids of another type than the installments': as given
            return installments, contacts, eligible
        contacts = contacts.loc[pc.is_in(c_ids, value_set=owing).to_numpy(zero_copy_only=False)]
    return installments.loc[keep], contacts, eligible
