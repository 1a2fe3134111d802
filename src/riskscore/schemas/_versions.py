"""A borrowers table versioned in time: the rows in effect on a date.

A lender's warehouse keeps the history of a customer's record (a credit limit raised, a new
address, a cease request) as rows that each hold from a date: a ``valid_from`` column. Features
of an as-of date must read the row in effect then (a limit raised later is a leak), and a plan
made on a day the row in effect that day (a cease request recorded this morning binds this
afternoon). :func:`borrowers_as_of` gives those rows.
"""

from __future__ import annotations

import pandas as pd

from riskscore._dates import as_of_timestamp
from riskscore.exceptions import DataError
from riskscore.schemas._coerce import calendar_dates

__all__ = ["VALID_FROM", "borrowers_as_of", "is_versioned"]

#: The column of a borrowers table versioned in time: the date from which its row holds.
VALID_FROM = "valid_from"


def _blank_as_missing(values: pd.Series) -> pd.Series:
    """``values`` with empty or blank text cells as missing (an empty ``valid_from``: since always)."""
    if values.dtype.kind == "M" or isinstance(values.dtype, pd.DatetimeTZDtype):
        return values
    text = values.map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
    blank = text.fillna(False).astype(bool).to_numpy()
    return values.mask(blank) if blank.any() else values


def is_versioned(borrowers: pd.DataFrame) -> bool:
    """Whether ``borrowers`` is versioned in time: a ``valid_from`` column with at least one date.

    Examples
    --------
    >>> import pandas as pd
    >>> is_versioned(pd.DataFrame({"borrower_id": ["b1"], "valid_from": [None]}))
    False
    >>> is_versioned(pd.DataFrame({"borrower_id": ["b1"], "valid_from": [" "]}))  # blank text: none
    False
    >>> is_versioned(pd.DataFrame({"borrower_id": ["b1"], "valid_from": ["2025-03-01"]}))
    True
    """
    return VALID_FROM in borrowers.columns and bool(_blank_as_missing(borrowers[VALID_FROM]).notna().any())


def _starts(values: pd.Series) -> pd.Series:
    """``valid_from`` (blank cells already missing) as datetimes (``datetime64[ns]``, wall time); text
    that is no ISO 8601 date refused."""
    dates = calendar_dates(values)
    unread = values.notna().to_numpy() & dates.isna().to_numpy()
    if unread.any():
        example = values[unread].iloc[0]
        raise DataError.from_message(
            "borrowers", f"borrowers: column '{VALID_FROM}' holds {int(unread.sum()):,} value(s) that are not dates "
                         f"(e.g. {example!r}): write them year first (YYYY-MM-DD), between 1900 and 2200, or read the "
                         "table with its date format (riskscore.io.read_table(..., date_format=...)); an empty "
                         "cell means the row holds since always.")
    return dates.astype("datetime64[ns]")


def borrowers_as_of(borrowers: pd.DataFrame, date: object) -> pd.DataFrame:
    """The rows of a borrowers table in effect on ``date``: one per borrower.

    In a table versioned in time (a ``valid_from`` column), each row of a borrower holds from its
    ``valid_from`` until the borrower's next row; an empty ``valid_from`` holds since always. On
    ``date`` the row in effect is the borrower's latest with ``valid_from`` on that day or before
    (a time of day orders two changes of one day; the later is in effect that day); a
    borrower whose rows all start later is left out (nothing was known of the borrower then). A
    table without the column, or with it empty throughout, is returned as it is.

    The feature builder reads the own columns (``FeatureBuilder(static=..., categorical=...)``)
    from the rows in effect on each as-of date, and the contact policy the rows in effect on the
    day of ``now``: both call this.

    Parameters
    ----------
    borrowers : pandas.DataFrame
        The borrowers table; ``valid_from`` as dates, datetimes (read as their date) or ISO
        8601 text.
    date : date-like
        The day: a date, a datetime (a time zone-aware one is read as its date in UTC), or
        text written year first.

    Returns
    -------
    pandas.DataFrame
        The rows in effect, in their order in ``borrowers`` (two rows of one borrower from the
        same date are both kept: :func:`riskscore.validate_borrowers` rejects them).

    Raises
    ------
    riskscore.DataError
        ``valid_from`` holds text that is not a date written year first.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.schemas import borrowers_as_of
    >>> table = pd.DataFrame({"borrower_id": ["b1", "b1", "b2", "b3"],
    ...                       "valid_from": [None, "2025-03-01", "2025-01-10", "2025-06-01"],
    ...                       "credit_limit": [1000, 2000, 500, 800]})
    >>> borrowers_as_of(table, "2025-02-01")[["borrower_id", "credit_limit"]].values.tolist()
    [['b1', 1000], ['b2', 500]]
    >>> borrowers_as_of(table, "2025-03-01")[["borrower_id", "credit_limit"]].values.tolist()
    [['b1', 2000], ['b2', 500]]
    """
    if not isinstance(borrowers, pd.DataFrame):
        raise TypeError(f"borrowers must be a pandas DataFrame, got {type(borrowers).__name__} instead.")
    given = _blank_as_missing(borrowers[VALID_FROM]) if VALID_FROM in borrowers.columns else None
    if given is None or not given.notna().any():  # not versioned in time (is_versioned)
        return borrowers
    if "borrower_id" not in borrowers.columns:
        raise DataError.from_message("borrowers", "borrowers: no column 'borrower_id' (the borrowers table is keyed "
                                                  "by borrower_id)")
    day = as_of_timestamp(date, "date")
    day = (day.tz_convert("UTC").tz_localize(None) if day.tzinfo is not None else day).normalize()
    start = _starts(given)
    held = (start.isna() | (start.dt.normalize() <= day)).to_numpy()  # a change of the day: known that day
    since = start[held].fillna(pd.Timestamp.min)
    ids = borrowers["borrower_id"][held].astype(str).to_numpy()
    latest = since.groupby(ids).transform("max")
    rows = borrowers.loc[held]
    return rows.loc[(since == latest).to_numpy()]
