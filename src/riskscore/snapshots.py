"""Training sets: point-in-time features joined with their labels at many as-of dates.

This module sits above ``features`` and ``labels`` (which never import each other) and joins
them; both use the same scoring-population definition, which is checked on every join.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from numbers import Integral

import numpy as np
import pandas as pd

from riskscore._compat import DATE_LIKE, DATES, HasMethods, Interval, isin, renamed_parameter, validate_params
from riskscore._validation import contacts_match_none_message
from riskscore.exceptions import DataQualityWarning
from riskscore.features import FeatureBuilder
from riskscore.labels import make_labels
from riskscore.schemas import SETTLE_TOLERANCE, validate_contacts, validate_installments

__all__ = ["make_snapshots", "split_xy"]

#: The label's censoring horizon in days unless told otherwise (``censor_days``).
CENSOR_DAYS = 90


@validate_params(
    {"installments": [pd.DataFrame], "as_of_dates": DATES,
     "lookahead_days": [Interval(Integral, 0, None, closed="left")],
     "censor_days": [Interval(Integral, 1, None, closed="left")], "contacts": [pd.DataFrame, None],
     "data_end": [*DATE_LIKE, None], "feature_builder": [HasMethods(["fit", "transform", "set_params"]), None],
     "horizon_days": [Interval(Integral, 1, None, closed="left"), None], "borrowers": [pd.DataFrame, None]},
    prefer_skip_nested_validation=True,
)
def make_snapshots(
    installments: pd.DataFrame,
    as_of_dates: Iterable[str | pd.Timestamp] | str | pd.Timestamp,
    *,
    lookahead_days: int = 7,
    censor_days: int = CENSOR_DAYS,
    contacts: pd.DataFrame | None = None,
    data_end: str | pd.Timestamp | None = None,
    feature_builder: FeatureBuilder | None = None,
    horizon_days: int | None = None,
    borrowers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features at each as-of date plus the label ``time`` and ``event`` (censoring explicit).

    Parameters
    ----------
    installments : pandas.DataFrame
        The installments table (validated here once).
    as_of_dates : date-like or iterable of date-like
        For example :func:`riskscore.labels.rolling_as_of_dates`.
    lookahead_days, censor_days : int
        As in :func:`riskscore.labels.make_labels` (``censor_days``: the censoring horizon of
        the label, 90 by default).
    contacts : pandas.DataFrame, optional
        The contact log, for contact features.
    data_end : date-like, optional
        Last day payments are observed (default: the latest ``paid_date``).
    feature_builder : FeatureBuilder, optional
        Defaults to ``FeatureBuilder(lookahead_days)``; its ``lookahead_days`` must match.
    horizon_days : int, optional
        Deprecated: renamed ``censor_days`` in riskscore 0.2, removed in 0.4 (it wins when given).
    borrowers : pandas.DataFrame, optional
        The borrowers table, for the builder's static columns (``FeatureBuilder(static=...)``;
        one value per borrower, the same at every as-of date: it must be known at each).

    Returns
    -------
    pandas.DataFrame
        ``borrower_id, as_of``, the features, ``time`` (days, float) and ``event`` (bool), one row
        per borrower in the population at each date. ``attrs["label_definition"]`` records the
        label. A censored row keeps ``event = False`` and its follow-up as ``time``: it is
        never dropped and never counted as non-repayment.

    Examples
    --------
    >>> import riskscore
    >>> from riskscore.labels import rolling_as_of_dates
    >>> world = riskscore.generate(400, seed=2)
    >>> snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-06-01", "2024-08-01"))
    >>> snaps["as_of"].nunique(), bool(snaps["time"].between(1, 90).all())
    (3, True)
    """
    if horizon_days is not None:
        renamed_parameter("horizon_days", "censor_days")
        censor_days = horizon_days
    builder = feature_builder if feature_builder is not None else FeatureBuilder(lookahead_days)
    if builder.lookahead_days != lookahead_days:
        raise ValueError(f"feature_builder.lookahead_days ({builder.lookahead_days}) differs from "
                         f"lookahead_days ({lookahead_days}): features and labels would disagree on the population.")
    dates = [as_of_dates] if isinstance(as_of_dates, str | pd.Timestamp) else list(as_of_dates)
    inst = validate_installments(installments)
    log = validate_contacts(contacts) if contacts is not None else None
    unmatched = contacts_of_nobody(inst, log)
    if unmatched is not None:  # a log whose ids are written another way: contact features of nobody
        warnings.warn(contacts_match_none_message(*unmatched), DataQualityWarning, stacklevel=2)
    return snapshots_of(inst, dates, log, builder=builder, lookahead_days=lookahead_days, censor_days=censor_days,
                        data_end=data_end, borrowers=borrowers)


def contacts_of_nobody(installments: pd.DataFrame, contacts: pd.DataFrame | None) -> tuple[int, str, str] | None:
    """(rows, an installments id, a contact-log id) when a contact log has rows and none of them is of a
    borrower of the installments (ids compared as text, exactly), else None; both tables validated.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"borrower_id": ["7", "8"]})
    >>> contacts_of_nobody(inst, pd.DataFrame({"borrower_id": ["7.0", "8.0", "8.0"]}))
    (3, '7', '7.0')
    >>> contacts_of_nobody(inst, pd.DataFrame({"borrower_id": ["8", "9"]})) is None
    True
    """
    if contacts is None or not len(contacts) or not len(installments):
        return None
    ids = pd.Series(installments["borrower_id"].unique()).astype(str)
    theirs = contacts["borrower_id"].astype(str)
    if isin(theirs, ids).any():
        return None
    return len(contacts), min(ids), min(theirs)


def snapshots_of(inst: pd.DataFrame, dates: list, log: pd.DataFrame | None, *, builder: FeatureBuilder,
                 lookahead_days: int, censor_days: int, data_end: str | pd.Timestamp | None,
                 borrowers: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`make_snapshots` of validated tables (the installments ``inst``, the contact log ``log``)
    and a checked builder, at the as-of ``dates``; its warnings name the caller of its caller."""
    tol = getattr(builder, "tolerance", SETTLE_TOLERANCE)
    labels = make_labels(inst, dates, lookahead_days=lookahead_days, censor_days=censor_days,
                         data_end=data_end, tolerance=tol)
    quiet = builder.set_params(validate=False) if builder.validate else builder
    frames, small = [], []
    for raw in dates:
        t = pd.Timestamp(raw).normalize()
        with warnings.catch_warnings(record=True) as caught:  # one warning for the call, not one per date
            warnings.simplefilter("always", DataQualityWarning)
            X = quiet.fit().transform(inst, t, contacts=log, borrowers=borrowers)
        small += [w for w in caught if issubclass(w.category, DataQualityWarning) and "FeatureBuilder kept" in
                  str(w.message)]
        for w in caught:
            if w not in small:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        y = labels[labels["as_of"] == t].set_index("borrower_id")
        if not X.index.equals(y.index):
            raise RuntimeError(f"Feature and label populations differ at {t.date()}: "
                               f"{len(X.index.symmetric_difference(y.index))} borrowers. This is a bug.")
        frames.append(pd.concat([y[["as_of"]], X, y[["time", "event"]]], axis=1).reset_index())
    if small:
        warnings.warn(f"at {len(small)} of {len(dates)} as-of date(s) the scoring population holds under 10 % of "
                      f"the borrowers with an installment due (first: {small[0].message})", DataQualityWarning,
                      stacklevel=3)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["label_definition"] = labels.attrs["label_definition"]
    return out


@validate_params({"snapshots": [pd.DataFrame]}, prefer_skip_nested_validation=True)
def split_xy(snapshots: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and a survival label in the scikit-survival convention.

    Returns ``X`` (the feature columns) and ``y``, a structured array with fields
    ``event`` (bool) and ``time`` (float), as ``sksurv.util.Surv.from_arrays`` builds it.
    ``X`` is indexed by ``borrower_id`` and ``as_of`` (those present), so that
    :class:`riskscore.labels.BorrowerTimeSplit` and ``RepaymentModel.fit`` without ``eval_set``
    can keep one borrower's snapshots together and respect time.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.snapshots import split_xy
    >>> snaps = pd.DataFrame({"borrower_id": ["a"], "as_of": [pd.Timestamp("2024-01-01")],
    ...     "days_past_due": [3.0], "time": [12.0], "event": [True]})
    >>> X, y = split_xy(snaps)
    >>> list(X.columns), y.dtype.names, bool(y["event"][0])
    (['days_past_due'], ('event', 'time'), True)
    >>> X.index.names
    FrozenList(['borrower_id', 'as_of'])
    """
    missing = {"time", "event"} - set(snapshots.columns)
    if missing:
        raise ValueError(f"snapshots lack the label column(s) {sorted(missing)}: build them with make_snapshots.")
    X = snapshots.drop(columns=[c for c in ("borrower_id", "as_of", "time", "event") if c in snapshots])
    keys = [c for c in ("borrower_id", "as_of") if c in snapshots]
    if keys:
        # who and when travel with the rows (as the index, never as features): time- and
        # borrower-aware splits and RepaymentModel's own hold-out read them
        X.index = pd.MultiIndex.from_frame(snapshots[keys]) if len(keys) > 1 else pd.Index(snapshots[keys[0]])
    y = np.empty(len(snapshots), dtype=[("event", bool), ("time", float)])
    y["event"] = snapshots["event"].to_numpy(bool)
    y["time"] = snapshots["time"].to_numpy(float)
    return X, y
