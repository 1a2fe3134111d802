"""The simulated portfolio: who owes what at the start, and the public tables as they grow day by day.

The population is the scoring population at ``start`` (an installment due by ``start + 7`` days
unsettled then). Each of their installments due by the end of the horizon that is still open at
``start`` is simulated; payments dated after ``start`` in the world are discarded and drawn again
by the response-aware process (:mod:`riskscore.evaluation._simulate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from riskscore.datasets import World
from riskscore.schemas import BORROWER_FLAGS, outstanding_at, settlement_dates

__all__ = ["Portfolio", "portfolio"]

#: Flags under which every profile forbids collection contact (the "blocked" count of the table).
BLOCK_FLAGS = ("do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "attorney_represented")


@dataclass
class Portfolio:
    """Arrays of the simulation (borrower index ``b`` in ``ids`` order; installment index ``m``)."""

    start: pd.Timestamp
    ids: np.ndarray
    traits: pd.DataFrame
    hardship0: np.ndarray
    m_b: np.ndarray
    m_due: np.ndarray
    m_amount: np.ndarray
    m_open0: np.ndarray
    m_key: pd.DataFrame
    history: pd.DataFrame
    borrowers: pd.DataFrame
    contacts0: pd.DataFrame
    blocked: np.ndarray
    payments: list[tuple[np.ndarray, int, np.ndarray]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)

    def installments(self, upto: int) -> pd.DataFrame:
        """The installments table as known after simulated day ``upto`` (payments dated ``start + upto``
        at the latest): history, simulated payments, and one unpaid row for an installment without any."""
        paid = [(m, d, a) for m, d, a in self.payments if d <= upto]
        if paid:
            m = np.concatenate([x[0] for x in paid])
            day = np.concatenate([np.full(len(x[0]), x[1]) for x in paid])
            amount = np.concatenate([x[2] for x in paid])
            sim = self.m_key.iloc[m].reset_index(drop=True)
            sim["paid_date"] = self.start + pd.to_timedelta(day, unit="D")
            sim["amount_paid"] = amount
        else:
            sim = self.m_key.iloc[:0].assign(paid_date=pd.Series(dtype="datetime64[us]"), amount_paid=0.0)
        hist = self.history
        has_pay = pd.MultiIndex.from_frame(sim[["loan_id", "installment_no"]]) if len(sim) else None
        if has_pay is not None:
            key = pd.MultiIndex.from_frame(hist[["loan_id", "installment_no"]])
            unpaid_row = hist["paid_date"].isna().to_numpy() & key.isin(has_pay)
            hist = hist.loc[~unpaid_row]
        cols = ["borrower_id", "loan_id", "installment_no", "due_date", "amount_due", "paid_date", "amount_paid"]
        out = pd.concat([hist[cols], sim[cols]], ignore_index=True)
        out["paid_date"] = pd.to_datetime(out["paid_date"]).astype("datetime64[us]")
        return out.sort_values(["borrower_id", "loan_id", "installment_no", "paid_date"], ignore_index=True,
                               na_position="last")


def portfolio(world: World, start: str | pd.Timestamp, days: int) -> Portfolio:
    """The state of ``world`` at ``start`` for a ``days``-day simulation (see the module notes).

    Examples
    --------
    >>> import riskscore
    >>> from riskscore.evaluation import portfolio
    >>> p = portfolio(riskscore.generate(300, seed=1), "2025-06-30", 30)
    >>> bool(p.n > 0 and (p.m_open0 > 0).all())
    True
    """
    start = pd.Timestamp(start).normalize()
    inst = world.installments
    owed = outstanding_at(inst, start)
    ids = np.sort(owed["borrower_id"].unique().astype(object))
    mine = inst.loc[inst["borrower_id"].isin(ids)]
    settled = settlement_dates(mine)
    before = mine.loc[mine["paid_date"].notna() & (mine["paid_date"] <= start)]
    paid = before.groupby(["loan_id", "installment_no"])["amount_paid"].sum()
    sched = mine.drop_duplicates(["loan_id", "installment_no"])[["borrower_id", "loan_id", "installment_no",
                                                                 "due_date", "amount_due"]]
    sched = sched.join(paid.rename("paid0"), on=["loan_id", "installment_no"]).fillna({"paid0": 0.0})
    sched = sched.merge(settled[["loan_id", "installment_no", "settled_date"]], on=["loan_id", "installment_no"],
                        how="left")
    open0 = (sched["amount_due"] - sched["paid0"]).clip(lower=0.0)
    settled_before = sched["settled_date"].notna() & (sched["settled_date"] <= start)
    horizon = start + pd.Timedelta(days=days + 7)
    in_sim = (~settled_before & (sched["due_date"] <= horizon) & (open0 > 0.005)).to_numpy()
    sim = sched.loc[in_sim].reset_index(drop=True)
    b_index = pd.Index(ids)
    # history: payments up to start, and one unpaid row for every installment without one by then
    unpaid = sched.loc[~sched.set_index(["loan_id", "installment_no"]).index.isin(
        before.set_index(["loan_id", "installment_no"]).index)]
    history = pd.concat([before[["borrower_id", "loan_id", "installment_no", "due_date", "amount_due", "paid_date",
                                 "amount_paid"]],
                         unpaid[["borrower_id", "loan_id", "installment_no", "due_date", "amount_due"]].assign(
                             paid_date=pd.NaT, amount_paid=0.0)], ignore_index=True)
    history["paid_date"] = pd.to_datetime(history["paid_date"]).astype("datetime64[us]")
    traits = world.traits.set_index("borrower_id").loc[ids]
    borrowers = world.borrowers.loc[world.borrowers["borrower_id"].isin(ids)].reset_index(drop=True)
    for flag in BORROWER_FLAGS:
        if flag not in borrowers:
            borrowers[flag] = False
    flags = borrowers.set_index("borrower_id").reindex(ids)
    blocked = np.zeros(len(ids), dtype=bool)
    for f in BLOCK_FLAGS:
        if f in flags:
            blocked |= flags[f].fillna(False).to_numpy(dtype=bool)
    first_plan = start.tz_localize("UTC") + pd.Timedelta(hours=13)  # the log as the first round sees it
    c = world.contacts
    contacts0 = c.loc[c["borrower_id"].isin(ids) & (c["contacted_at"] < first_plan)]
    return Portfolio(
        start=start, ids=ids, traits=traits, hardship0=world.in_hardship(start).reindex(ids).to_numpy(dtype=bool),
        m_b=b_index.get_indexer(sim["borrower_id"]), m_due=(sim["due_date"] - start).dt.days.to_numpy(),
        m_amount=sim["amount_due"].to_numpy(float), m_open0=open0.to_numpy(float)[in_sim],
        m_key=sim[["borrower_id", "loan_id", "installment_no", "due_date", "amount_due"]],
        history=history, borrowers=borrowers, contacts0=contacts0.reset_index(drop=True), blocked=blocked)
