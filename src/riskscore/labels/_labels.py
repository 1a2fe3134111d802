"""Labels: when does a borrower clear what it owed at ``as_of``? (design.md, "Scoring unit")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from numbers import Integral, Real

import numpy as np
import pandas as pd

from riskscore._compat import DATE_LIKE, DATES, Interval, renamed_parameter, validate_params
from riskscore.schemas import SETTLE_TOLERANCE, outstanding_at, settlement_dates, table_currency

__all__ = ["LabelDefinition", "make_labels"]


@dataclass(frozen=True)
class LabelDefinition:
    """What a label means, recorded as data (a model bundle stores it).

    The event: every installment due by ``as_of + lookahead_days`` that is unsettled at
    ``as_of`` gets settled (at most ``tolerance`` left) by payments; ``time`` is the number
    of days from ``as_of`` to the day the last of them is settled. Right-censored at
    ``censor_days`` or at ``data_end`` (no payment is observed after it), whichever comes
    first; a censored row has ``event = False`` and ``time`` = the follow-up it had.
    ``currency`` is the currency of the amounts (the installments' ``currency`` column, ``None``
    without one): the tolerance is in it, and a bundle records it with the label, so scoring
    data in another currency is refused (see :meth:`riskscore.Scorer.check_currency`).

    Examples
    --------
    >>> from riskscore.labels import LabelDefinition
    >>> LabelDefinition(data_end="2025-12-31").to_dict()["censor_days"]
    90
    >>> LabelDefinition.from_dict({"lookahead_days": 7, "horizon_days": 60}).censor_days  # before riskscore 0.2
    60
    """

    lookahead_days: int = 7
    censor_days: int = 90
    tolerance: float = SETTLE_TOLERANCE
    data_end: str | None = None
    currency: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: Mapping[str, object]) -> LabelDefinition:
        """Read a recorded definition, including one written before riskscore 0.2 (``horizon_days``
        for ``censor_days``; mapped silently: it is stored data, not the caller's code)."""
        d = dict(stored)
        if "horizon_days" in d:
            d.setdefault("censor_days", d.pop("horizon_days"))
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@validate_params(
    {"installments": [pd.DataFrame], "as_of_dates": DATES,
     "lookahead_days": [Interval(Integral, 0, None, closed="left")],
     "censor_days": [Interval(Integral, 1, None, closed="left")], "data_end": [*DATE_LIKE, None],
     "tolerance": [Interval(Real, 0, None, closed="left")],
     "horizon_days": [Interval(Integral, 1, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
def make_labels(
    installments: pd.DataFrame,
    as_of_dates: Iterable[str | pd.Timestamp] | str | pd.Timestamp,
    *,
    lookahead_days: int = 7,
    censor_days: int = 90,
    data_end: str | pd.Timestamp | None = None,
    tolerance: float = SETTLE_TOLERANCE,
    horizon_days: int | None = None,
) -> pd.DataFrame:
    """Time to clear what is outstanding, for every borrower in the population at each date.

    Parameters
    ----------
    installments : pandas.DataFrame
        A validated installments table (:func:`riskscore.validate_installments`).
    as_of_dates : date-like or iterable of date-like
        The as-of dates.
    lookahead_days : int >= 0, default 7
        Installments due by ``as_of + lookahead_days`` count as outstanding.
    censor_days : int >= 1, default 90
        Follow-up limit (the censoring horizon): events later than this are censored at it.
        Not the likelihood horizon of a model (``RepaymentModel(likelihood_days=30)``), which
        must not exceed it.
    data_end : date-like, optional
        Last day payments are observed. Defaults to the latest ``paid_date`` in the table.
    tolerance : float >= 0, default 0.01
        Remainders up to this amount count as settled.
    horizon_days : int, optional
        Deprecated: renamed ``censor_days`` in riskscore 0.2, removed in 0.4 (it wins when given).

    Returns
    -------
    pandas.DataFrame
        ``borrower_id, as_of, time, event`` (``time`` in days, float; ``event`` bool), one row
        per borrower and as-of date, ordered by as-of date and borrower. The frame's
        ``attrs["label_definition"]`` holds the :class:`LabelDefinition`.

    Raises
    ------
    ValueError
        For an as-of date on or after ``data_end`` (nothing could be observed after it).
    riskscore.DataError
        When the optional ``currency`` column holds several currencies (one line).

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.labels import make_labels
    >>> df = pd.DataFrame({"borrower_id": ["b1", "b1"], "loan_id": ["l1", "l1"],
    ...     "installment_no": [1, 1], "due_date": pd.to_datetime(["2024-03-01"] * 2),
    ...     "amount_due": [100.0, 100.0], "paid_date": pd.to_datetime(["2024-03-05", "2024-03-12"]),
    ...     "amount_paid": [30.0, 70.0]})
    >>> make_labels(df, "2024-03-03", data_end="2024-06-30")[["time", "event"]].to_dict("records")
    [{'time': 9.0, 'event': True}]
    """
    if horizon_days is not None:
        renamed_parameter("horizon_days", "censor_days")
        censor_days = horizon_days
    dates = [as_of_dates] if isinstance(as_of_dates, str | pd.Timestamp) else list(as_of_dates)
    end = pd.Timestamp(data_end) if data_end is not None else installments["paid_date"].max()
    if pd.isna(end):
        raise ValueError("data_end is needed: the installments table has no payment to infer it from.")
    settled = settlement_dates(installments, tolerance)[["loan_id", "installment_no", "settled_date"]]
    frames = []
    for raw in dates:
        t = pd.Timestamp(raw).normalize()
        if t >= end:
            raise ValueError(f"as_of {t.date()} is not before data_end {end.date()}: no outcome can be observed.")
        owed = outstanding_at(installments, t, lookahead_days=lookahead_days, tolerance=tolerance)
        m = owed[["borrower_id", "loan_id", "installment_no"]].merge(
            settled, on=["loan_id", "installment_no"], how="left")
        days = (m["settled_date"] - t).dt.days.astype(float).fillna(np.inf)
        t_event = days.groupby(m["borrower_id"].to_numpy(), sort=True).max()
        follow = float(min(censor_days, (end - t).days))
        event = t_event.to_numpy() <= follow
        frames.append(pd.DataFrame({
            "borrower_id": t_event.index.to_numpy(dtype=object), "as_of": t,
            "time": np.where(event, t_event.to_numpy(), follow), "event": event}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"borrower_id": pd.Series(dtype=object), "as_of": pd.Series(dtype="datetime64[ns]"),
         "time": pd.Series(dtype=float), "event": pd.Series(dtype=bool)})
    out.attrs["label_definition"] = LabelDefinition(lookahead_days, censor_days, tolerance, str(end.date()),
                                                    table_currency(installments)).to_dict()
    return out
