"""Rolling as-of dates and time-based splits (never random by row)."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator

from riskscore._compat import DATE_LIKE, FREQUENCY, Interval, validate_parameter_constraints, validate_params
from riskscore._dates import as_of_dates, as_of_timestamp

__all__ = ["BorrowerTimeSplit", "check_frequency", "rolling_as_of_dates", "time_split"]


@validate_params({"start": DATE_LIKE, "end": DATE_LIKE, "freq": FREQUENCY}, prefer_skip_nested_validation=True)
def rolling_as_of_dates(start: str | pd.Timestamp, end: str | pd.Timestamp, freq: str = "MS") -> list[pd.Timestamp]:
    """As-of dates from ``start`` to ``end`` (inclusive) at a pandas frequency.

    Examples
    --------
    >>> from riskscore.labels import rolling_as_of_dates
    >>> [d.date().isoformat() for d in rolling_as_of_dates("2024-01-01", "2024-03-15")]
    ['2024-01-01', '2024-02-01', '2024-03-01']
    >>> len(rolling_as_of_dates("2024-01-01", "2024-01-31", freq="7D"))
    5
    """
    first, last = as_of_timestamp(start, "start"), as_of_timestamp(end, "end")  # text: year first, never guessed
    check_frequency(freq)
    if first.normalize() > last.normalize():
        raise ValueError(f"The as-of window is empty: its start {first.date()} is after its end {last.date()}.")
    dates = pd.date_range(first.normalize(), last.normalize(), freq=freq)
    if len(dates) == 0:
        raise ValueError(f"No as-of date between {first.date()} and {last.date()} at frequency {freq!r}.")
    return list(dates)


def check_frequency(freq: object) -> None:
    """Refuse, in one line, a frequency that is not a pandas frequency moving forward in time.

    Examples
    --------
    >>> check_frequency("14D"), check_frequency("MS")
    (None, None)
    >>> check_frequency("bogus")
    Traceback (most recent call last):
    ...
    ValueError: not a pandas frequency: 'bogus' (14D, 7D, W-MON, MS, ...).
    """
    from pandas.tseries.frequencies import to_offset

    try:
        offset = to_offset(freq)
    except (ValueError, TypeError):
        raise ValueError(f"not a pandas frequency: {freq!r} (14D, 7D, W-MON, MS, ...).") from None
    start = pd.Timestamp("2024-01-01")
    if not start + offset > start:
        raise ValueError(f"the frequency {freq!r} does not move forward in time (14D, 7D, W-MON, MS, ...).")


@validate_params(
    {"snapshots": [pd.DataFrame], "valid_start": DATE_LIKE, "test_start": DATE_LIKE,
     "embargo_days": [Interval(Integral, 0, None, closed="left")], "exclude_test_borrowers": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def time_split(
    snapshots: pd.DataFrame,
    *,
    valid_start: str | pd.Timestamp,
    test_start: str | pd.Timestamp,
    embargo_days: int = 90,
    exclude_test_borrowers: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split snapshots by as-of date into train, validation and test.

    A snapshot's label looks up to ``censor_days`` ahead, so a training snapshot is kept only
    when its label window has closed before the validation period starts
    (``as_of + embargo_days <= valid_start``); likewise validation before test. Set
    ``embargo_days`` to the label horizon.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        With columns ``as_of`` and ``borrower_id`` (as :func:`riskscore.make_snapshots` returns).
    valid_start, test_start : date-like
        First as-of date of the validation and the test period; ``valid_start <= test_start``.
    embargo_days : int >= 0, default 90
        Days a label looks ahead.
    exclude_test_borrowers : bool, default False
        Also drop from train and validation every borrower that appears in the test set.

    Returns
    -------
    train, valid, test : pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.labels import time_split
    >>> snaps = pd.DataFrame({"borrower_id": ["a", "b", "a", "c"],
    ...     "as_of": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-01", "2024-09-01"])})
    >>> train, valid, test = time_split(snaps, valid_start="2024-06-01", test_start="2024-09-01")
    >>> len(train), len(valid), len(test)
    (2, 1, 1)
    """
    v, t = as_of_timestamp(valid_start, "valid_start"), as_of_timestamp(test_start, "test_start")
    if v > t:
        raise ValueError(f"valid_start ({v.date()}) must not be after test_start ({t.date()}).")
    gap = pd.Timedelta(days=embargo_days)
    as_of = snapshots["as_of"]
    train = snapshots[as_of + gap <= v]
    valid = snapshots[(as_of >= v) & (as_of + gap <= t)]
    test = snapshots[as_of >= t]
    if exclude_test_borrowers:
        seen = set(test["borrower_id"])
        train = train[~train["borrower_id"].isin(seen)]
        valid = valid[~valid["borrower_id"].isin(seen)]
    return train, valid, test


class BorrowerTimeSplit(BaseCrossValidator):
    """Cross-validation folds for snapshots: each borrower tested in one fold, trained only on the past.

    Ordinary K-fold puts one borrower's snapshots of neighbouring as-of dates on both sides of a
    split, and lets a model train on labels that look into the test period: both inflate the
    score. Here the rows are cut once in time and the borrowers into ``n_splits`` groups. Fold
    ``k`` tests the borrowers of group ``k`` on the as-of dates from the cut-off on (the latest
    ``test_size`` of the rows), and trains on the *other* borrowers' rows whose label window has
    closed before the cut-off (``as_of + embargo_days <= cutoff``). So every tested borrower is
    tested in exactly one fold and never seen in its training rows, and no training label
    reaches into the test period.

    Who and when come from ``X``'s index levels ``borrower_id`` and ``as_of`` (as
    :func:`riskscore.split_xy` sets them) or from columns of those names; ``groups`` passed to
    :meth:`split` replace the borrower ids.

    Parameters
    ----------
    n_splits : int >= 2, default 5
        Folds (borrower groups).
    test_size : float in (0, 1), default 0.3
        Share of the rows on or after the cut-off date.
    embargo_days : int >= 0, default 90
        How far a label looks ahead (``censor_days`` of :func:`riskscore.make_snapshots`).
    random_state : int, default 0
        Seed of the assignment of borrowers to groups.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.labels import BorrowerTimeSplit
    >>> idx = pd.MultiIndex.from_product([list("abcdef"), pd.date_range("2024-01-01", periods=6, freq="30D")],
    ...                                  names=["borrower_id", "as_of"])
    >>> X = pd.DataFrame({"x": range(36)}, index=idx)
    >>> cv = BorrowerTimeSplit(n_splits=2, test_size=0.2, embargo_days=30)
    >>> [(len(train), len(test)) for train, test in cv.split(X)]
    [(12, 6), (12, 6)]
    """

    _parameter_constraints: ClassVar[dict[str, list[object]]] = {
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "embargo_days": [Interval(Integral, 0, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, n_splits: int = 5, *, test_size: float = 0.3, embargo_days: int = 90, random_state: int = 0):
        self.n_splits = n_splits
        self.test_size = test_size
        self.embargo_days = embargo_days
        self.random_state = random_state
        self._check()  # not an estimator (nothing to fit): checked when made, as ContactPolicy is

    def get_n_splits(self, X: object = None, y: object = None, groups: object = None) -> int:
        """The number of folds, ``n_splits``."""
        return self.n_splits

    def _check(self) -> None:
        validate_parameter_constraints(self._parameter_constraints, vars(self), caller_name=type(self).__name__)

    @staticmethod
    def _column(X: object, name: str) -> np.ndarray | None:
        index = getattr(X, "index", None)
        if index is not None and name in (index.names or []):
            return np.asarray(index.get_level_values(name))
        if isinstance(X, pd.DataFrame) and name in X.columns:
            return X[name].to_numpy()
        return None

    def split(self, X: object, y: object = None, groups: object = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` row positions of each fold.

        Raises
        ------
        ValueError
            When ``X`` carries no ``as_of`` (index level or column), no borrower ids are found
            (``groups``, index level or column ``borrower_id``), or a fold would be empty.
        """
        self._check()
        as_of = self._column(X, "as_of")
        if as_of is None:
            raise ValueError("BorrowerTimeSplit needs the as-of date of every row: X's index level or column "
                             "'as_of' (riskscore.split_xy keeps it in the index).")
        borrowers = np.asarray(groups) if groups is not None else self._column(X, "borrower_id")
        if borrowers is None:
            raise ValueError("BorrowerTimeSplit needs the borrower of every row: pass groups=, or give X an index "
                             "level or column 'borrower_id'.")
        as_of = as_of_dates(as_of, "X's as_of")
        if len(borrowers) != len(as_of):
            raise ValueError(f"groups has {len(borrowers)} values for {len(as_of)} rows.")
        n = len(as_of)
        ordered = as_of.sort_values()
        cutoff = ordered[min(int(np.floor(n * (1 - self.test_size))), n - 1)]
        codes, uniques = pd.factorize(pd.Series(borrowers, dtype=object).astype(str))
        group = np.random.default_rng(self.random_state).permutation(len(uniques)) % self.n_splits
        row_group = group[codes]
        later = np.asarray(as_of >= cutoff)
        closed = np.asarray(as_of + pd.Timedelta(days=self.embargo_days) <= cutoff)
        for k in range(self.n_splits):
            train = np.flatnonzero(closed & (row_group != k))
            test = np.flatnonzero(later & (row_group == k))
            if len(train) == 0 or len(test) == 0:
                raise ValueError(f"BorrowerTimeSplit: fold {k} has {len(train)} training and {len(test)} test rows "
                                 f"(cut-off {cutoff.date()}, embargo {self.embargo_days} days): lower n_splits, "
                                 "embargo_days or test_size, or give more as-of dates.")
            yield train, test
