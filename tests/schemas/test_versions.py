"""A borrowers table versioned in time (``valid_from``): the rows in effect on a date, and its contract."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskscore
from riskscore.exceptions import DataError
from riskscore.schemas import BORROWER_FLAGS, borrowers_as_of, is_versioned, quarantine, validate_borrowers


def _table(ids, starts, **columns):
    return pd.DataFrame({"borrower_id": ids, "valid_from": starts, **columns})


def _contract(ids, starts, **columns):
    n = len(ids)
    return _table(ids, starts, **{"timezone": ["Asia/Shanghai"] * n, "channels_allowed": ["sms"] * n,
                                  "preferred_channel": ["sms"] * n, "language": ["zh"] * n,
                                  **{f: [False] * n for f in BORROWER_FLAGS}, **columns})


def test_the_row_in_effect_is_the_latest_started_on_or_before_the_date():
    table = _table(["b1", "b1", "b1", "b2", "b3"],
                   [None, "2025-03-01", "2025-06-01", "2025-01-10", "2025-06-01"], limit=[1, 2, 3, 10, 20])
    limits = {d: borrowers_as_of(table, d).set_index("borrower_id")["limit"].to_dict()
              for d in ("2024-12-31", "2025-02-28", "2025-03-01", "2025-05-31", "2025-06-01")}
    assert limits == {"2024-12-31": {"b1": 1}, "2025-02-28": {"b1": 1, "b2": 10},
                      "2025-03-01": {"b1": 2, "b2": 10}, "2025-05-31": {"b1": 2, "b2": 10},
                      "2025-06-01": {"b1": 3, "b2": 10, "b3": 20}}


def test_a_table_without_dates_is_returned_as_it_is():
    plain = pd.DataFrame({"borrower_id": ["b1", "b2"], "limit": [1, 2]})
    assert borrowers_as_of(plain, "2025-01-01") is plain
    empty_column = plain.assign(valid_from=pd.NaT)
    assert not is_versioned(empty_column)
    assert borrowers_as_of(empty_column, "2025-01-01") is empty_column


def test_two_changes_of_one_day_the_later_is_in_effect_that_day():
    table = _table(["b1", "b1", "b1"], ["2025-03-01 09:00", "2025-03-01 17:30", None], limit=[1, 2, 0])
    assert borrowers_as_of(table, "2025-03-01")["limit"].tolist() == [2]
    assert borrowers_as_of(table, "2025-02-28")["limit"].tolist() == [0]


def test_dates_as_datetimes_times_of_day_and_zones():
    table = _table(["b1", "b1"], pd.to_datetime(["2025-03-01 18:30", "2025-03-02"], format="ISO8601"), limit=[1, 2])
    assert borrowers_as_of(table, pd.Timestamp("2025-03-01"))["limit"].tolist() == [1]  # 18:30 is the 1st
    # a zone-aware day is its UTC date: 2025-03-02 01:00 in Shanghai is 2025-03-01 in UTC
    assert borrowers_as_of(table, pd.Timestamp("2025-03-02 01:00", tz="Asia/Shanghai"))["limit"].tolist() == [1]
    assert borrowers_as_of(table, pd.Timestamp("2025-03-02 09:00", tz="Asia/Shanghai"))["limit"].tolist() == [2]


def test_text_that_is_no_year_first_date_is_refused_naming_the_column():
    table = _table(["b1", "b1"], ["01/03/2025", None], limit=[1, 2])
    with pytest.raises(DataError, match=r"column 'valid_from' holds 1 value\(s\) that are not dates \(e.g. "
                                        r"'01/03/2025'\): write them year first"):
        borrowers_as_of(table, "2025-06-01")
    with pytest.raises(ValueError, match="date must be a date written year first"):
        borrowers_as_of(_table(["b1"], ["2025-01-01"]), "01/06/2025")


dates = st.dates(min_value=pd.Timestamp("2024-01-01").date(), max_value=pd.Timestamp("2025-12-31").date())


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.none() | dates, st.integers(0, 9)),
                     min_size=1, max_size=12, unique_by=lambda r: (r[0], r[1])),
       day=dates, later=st.lists(st.tuples(st.sampled_from(["a", "b", "d"]), st.integers(1, 200), st.integers(0, 9)),
                                 max_size=4))
def test_point_in_time_law(rows, day, later):
    """One row per borrower, none started after the day, each the latest so started; and rows that
    start after the day (a limit raised tomorrow) change nothing."""
    table = _table([r[0] for r in rows], pd.to_datetime([r[1] for r in rows]).astype("datetime64[ns]"),
                   value=[r[2] for r in rows])
    day = pd.Timestamp(day)
    seen = borrowers_as_of(table, day)
    assert seen["borrower_id"].is_unique
    assert (seen["valid_from"].isna() | (seen["valid_from"] <= day)).all()
    for b, group in table.groupby("borrower_id"):
        held = group[group["valid_from"].isna() | (group["valid_from"] <= day)]
        if not len(held):
            assert b not in set(seen["borrower_id"])
            continue
        latest = held["valid_from"].fillna(pd.Timestamp.min).max()
        row = seen.set_index("borrower_id").loc[b]
        assert (pd.Timestamp.min if pd.isna(row["valid_from"]) else row["valid_from"]) == latest
    future = _table([f[0] for f in later], pd.to_datetime([day + pd.Timedelta(days=f[1]) for f in later]).astype(
        "datetime64[ns]"), value=[f[2] for f in later])
    grown = pd.concat([table, future], ignore_index=True) if later else table
    pd.testing.assert_frame_equal(borrowers_as_of(grown, day).reset_index(drop=True), seen.reset_index(drop=True))


def test_the_contract_takes_one_row_per_borrower_and_date():
    table = _contract(["b1", "b1", "b2"], [None, "2025-03-01", None])
    checked = validate_borrowers(table)
    assert checked["valid_from"].tolist()[:2] == [pd.NaT, pd.Timestamp("2025-03-01")]
    # a table without the column reads as one without dates (and keeps one row per borrower)
    assert validate_borrowers(table.drop(columns="valid_from").iloc[[0, 2]])["valid_from"].isna().all()


def test_two_rows_of_one_borrower_from_one_date_are_rejected_whole():
    table = _contract(["b1", "b1", "b1", "b2"], ["2025-03-01", "2025-03-01", None, None],
                      language=["zh", "en", "zh", "zh"])
    good, rejects = quarantine(table, "borrowers", warn_above=1.0)
    assert good["borrower_id"].tolist() == ["b2"]
    assert rejects["check"].tolist() == ["field_uniqueness", "field_uniqueness", "borrower_has_rejected_rows"]
    assert rejects["reason"].iloc[0] == "borrower_id must be unique per valid_from: the borrower has two rows " \
                                        "from one date"
    # without dates, two rows of one borrower are what they always were
    plain = table.drop(columns="valid_from").iloc[[2, 3, 3]].assign(language=["zh", "zh", "en"])
    _, rejects = quarantine(plain, "borrowers", warn_above=1.0)
    assert set(rejects["reason"]) == {"borrower_id must be unique: it appears more than once"}


def test_valid_from_is_read_as_the_other_dates_are():
    table = _contract(["b1", "b2", "b3"], ["01/03/2025", "2025-03-01T10:00:00", "2300-01-01"])
    good, rejects = quarantine(table, "borrowers", warn_above=1.0)
    assert rejects["check"].tolist() == ["date_format", "date_out_of_range"]
    assert set(rejects["column"]) == {"valid_from"}
    # a time of day is when the change was recorded (a warehouse's timestamp): kept, read as its day
    assert good["valid_from"].tolist() == [pd.Timestamp("2025-03-01 10:00")]
    assert len(borrowers_as_of(good, "2025-03-01")) == 1 and not len(borrowers_as_of(good, "2025-02-28"))
    good, rejects = quarantine(table.iloc[:1], "borrowers", date_format="%d/%m/%Y", warn_above=1.0)
    assert good["valid_from"].tolist() == [pd.Timestamp("2025-03-01")] and not len(rejects)


def test_public_name():
    assert riskscore.borrowers_as_of is borrowers_as_of


def test_rows_that_differ_only_in_an_own_column_compared_are_no_duplicates():
    """Two rows of one borrower and date with two incomes: without ``compare`` the second is an exact
    duplicate of the contract's columns and dropped (the extract's other columns are not read); a
    caller who reads the income (the nightly job, ``riskscore train``) compares it, and both are rejected."""
    table = _contract(["b1", "b1", "b2"], [None, None, None], income=[1000, 2000, 500])
    good, rejects = quarantine(table, "borrowers", warn_above=1.0)
    assert good["borrower_id"].tolist() == ["b1", "b2"] and good.attrs["duplicates_dropped"] == 1
    good, rejects = quarantine(table, "borrowers", warn_above=1.0, compare=["income", "not_there"])
    assert good["borrower_id"].tolist() == ["b2"] and good.attrs["duplicates_dropped"] == 0
    assert rejects["check"].tolist() == ["field_uniqueness", "field_uniqueness"]
    # equal on them too: an exact duplicate still
    good, _ = quarantine(table.assign(income=[1000, 1000, 500]), "borrowers", warn_above=1.0, compare=["income"])
    assert good["borrower_id"].tolist() == ["b1", "b2"] and good.attrs["duplicates_dropped"] == 1


def test_check_plans_reads_the_rows_in_effect_when_the_plans_were_made():
    """A cease request dated on the plans' day is a violation of a reminder that day; one dated the day
    after is not (the rows in effect when the plans begin)."""
    from riskscore.policy import check_plans

    base = _contract(["b1"], [None])
    reminder = pd.DataFrame([{"borrower_id": "b1", "step": 1, "action": "reminder", "channel": "sms",
                              "recipient": "borrower",
                              "window_start_utc": pd.Timestamp("2026-11-24 02:00", tz="UTC"),
                              "window_end_utc": pd.Timestamp("2026-11-24 03:00", tz="UTC"), "language": "zh",
                              "message": "您好，您的账单已到期。回复TD退订。", "rationale": "reminder"}])
    clean = check_plans(reminder, base, profile="cn_gbt45251_2025")
    for day, stopped in (("2026-11-24", True), ("2026-11-25", False)):
        cease = _contract(["b1"], [day], do_not_contact=[True])
        found = check_plans(reminder, pd.concat([base, cease], ignore_index=True), profile="cn_gbt45251_2025")
        assert (len(found) > len(clean)) is stopped, (day, found)
