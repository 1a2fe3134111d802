"""Rolling as-of dates and time-based splits (never random by row)."""

from __future__ import annotations

from numbers import Integral

import pandas as pd

from riskscore._compat import DATE_LIKE, FREQUENCY, Interval, validate_params

__all__ = ["rolling_as_of_dates", "time_split"]


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
    dates = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq=freq)
    if len(dates) == 0:
        raise ValueError(f"No as-of date between {start} and {end} at frequency {freq!r}.")
    return list(dates)


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
    v, t = pd.Timestamp(valid_start), pd.Timestamp(test_start)
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
