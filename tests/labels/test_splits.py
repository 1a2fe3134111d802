"""Rolling as-of dates and time-based splits."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from riskscore.labels import rolling_as_of_dates, time_split


@pytest.fixture
def snaps():
    dates = rolling_as_of_dates("2024-01-01", "2024-12-01")
    return pd.DataFrame({"borrower_id": [f"b{i % 5}" for i in range(len(dates))], "as_of": dates})


def test_splits_are_by_time_with_an_embargo(snaps):
    train, valid, test = time_split(snaps, valid_start="2024-07-01", test_start="2024-10-01", embargo_days=60)
    assert train["as_of"].max() + pd.Timedelta(days=60) <= pd.Timestamp("2024-07-01")
    assert valid["as_of"].min() >= pd.Timestamp("2024-07-01")
    assert valid["as_of"].max() + pd.Timedelta(days=60) <= pd.Timestamp("2024-10-01")
    assert test["as_of"].min() == pd.Timestamp("2024-10-01")
    assert [len(train), len(valid), len(test)] == [5, 2, 3]  # Jan-May; Jul, Aug; Oct-Dec
    assert set(train.index).isdisjoint(valid.index) and set(valid.index).isdisjoint(test.index)


def test_exclude_test_borrowers(snaps):
    train, valid, test = time_split(snaps, valid_start="2024-07-01", test_start="2024-10-01",
                                    exclude_test_borrowers=True)
    assert set(train["borrower_id"]).isdisjoint(test["borrower_id"])
    assert set(valid["borrower_id"]).isdisjoint(test["borrower_id"])


def test_split_errors(snaps):
    with pytest.raises(ValueError, match=r"valid_start \(2024-11-01\) must not be after test_start \(2024-10-01\)"):
        time_split(snaps, valid_start="2024-11-01", test_start="2024-10-01")
    with pytest.raises(ValueError, match=r"The 'embargo_days' parameter of time_split must be an int in the range "
                                         r"\[0, inf\)\. Got -1"):
        time_split(snaps, valid_start="2024-07-01", test_start="2024-10-01", embargo_days=-1)
    with pytest.raises(ValueError, match="No as-of date between 2024-02-02 and 2024-02-20 at frequency 'MS'"):
        rolling_as_of_dates("2024-02-02", "2024-02-20")
    with pytest.raises(ValueError, match="The as-of window is empty: its start 2024-04-07 is after its end 2024-01-01"):
        rolling_as_of_dates("2024-04-07", "2024-01-01", freq="14D")
    with pytest.raises(ValueError, match=re.escape("not a pandas frequency: 'bogus' (14D, 7D, W-MON, MS, ...).")):
        rolling_as_of_dates("2024-01-01", "2024-06-01", freq="bogus")
    with pytest.raises(ValueError, match="the frequency '-14D' does not move forward in time"):
        rolling_as_of_dates("2024-01-01", "2024-06-01", freq="-14D")


@pytest.mark.parametrize(("call", "message"), [
    # "01/07/2024" (1 July, day first) was read as 7 January: a window half a year off, silently
    (lambda s: rolling_as_of_dates("01/07/2024", "2024-12-01"), r"^start must be a date written year first"),
    (lambda s: rolling_as_of_dates("2024-01-01", "soon"), r"^end must be a date written year first \(YYYY-MM-DD\), "
                                                          r"got 'soon'"),
    (lambda s: time_split(s, valid_start="01.07.2024", test_start="2024-10-01"),
     r"^valid_start must be a date written year first"),
])
def test_date_text_must_be_year_first(snaps, call, message):
    with pytest.raises(ValueError, match=message):
        call(snaps)
