"""Amounts and local times as an outsider's extract writes them (found training on a Chinese lender's CSV).

* Amounts with a currency mark (``¥1,234.56``) and no ``number_format`` rejected every installment
  row; ``riskscore train`` then went on with no installments. A contract number column that mostly
  does not read the stated way is now refused in one line naming the style that reads it.
* Contact times written ``2025/04/21 03:59:48`` were refused for lacking an offset, the refusal named
  ``--date-format contacts.contacted_at=Asia/Shanghai``, and with it every contact was still a
  ``timezone_awareness`` reject: the zone read only ``2025-04-21 03:59:48``. It now reads every shape
  the refusal looks for.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskscore
from riskscore._dates import convert_dates
from riskscore._numbers import convert_numbers
from riskscore._refusals import numbers_refusal
from riskscore.exceptions import DataError
from riskscore.io import read_table

WHERE = "'i.csv'"


@pytest.mark.parametrize(("values", "template", "says"), [
    (["¥319.96", "¥1,024.00", "12"], None,
     "amount_due holds text that is not plain numbers (67%: ¥319.96, ¥1,024.00); they read as '¥1,234.56': give "
     "--number-format '¥1,234.56' (number_format='¥1,234.56' in Python); a number's style is never guessed"),
    (["1.234,56", "12,5", "7"], None, "they read as '1.234,56': give --number-format '1.234,56'"),
    (["1,234", "12,500", "7"], None,
     "(67%: 1,234, 12,500); they read as '1,234.56' or '1234,56', which read such values differently: give the "
     "extract's style with --number-format (number_format= in Python)"),
    (["gold", "silver", "gold", "7"], None,
     "(75%: gold, silver); they are not numbers in a style riskscore reads: check that the columns file maps the "
     "right column to amount_due (--columns FILE.yaml)"),
    (["¥1,234.56", "¥12.5", "7"], "1,234.56",
     "amount_due holds text that is not numbers written as '1,234.56', the number_format given, (67%: ¥1,234.56, "
     "¥12.5); they read as '¥1,234.56': give --number-format '¥1,234.56'"),
])
def test_amounts_mostly_in_another_style_are_refused_naming_the_style(values, template, says):
    col = pa.array(values)
    read = col if template is None else convert_numbers(col, template)
    line = numbers_refusal(col, "installments", "amount_due", WHERE, template, read)
    assert line is not None and line.startswith(f"installments {WHERE}: amount_due holds text that is not ")
    assert says in line


@pytest.mark.parametrize(("values", "template", "table", "column"), [
    (["319.96", "12", "1e3", " 7 ", "-0.5", "nan", None], None, "installments", "amount_due"),
    (["１２３４．５", "１２", "7"], None, "installments", "amount_paid"),  # full width: read as ASCII
    (["¥1,234.56", "¥12.5", "7", "8"], None, "installments", "amount_due"),  # half: strays, the rows' rejects
    (["¥1,234.56", "¥12.5"], None, "borrowers", "credit_limit"),  # not a contract number column
    (["¥1,234.56", "¥12.5", "x"], "¥1,234.56", "installments", "amount_due"),
])
def test_numbers_the_contract_reads_and_a_few_strays_are_not_refused(values, template, table, column):
    col = pa.array(values, pa.string())
    read = col if template is None else convert_numbers(col, template)
    assert numbers_refusal(col, table, column, WHERE, template, read) is None


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_extract_with_marked_amounts_is_refused_then_read_with_its_style(tmp_path, suffix):
    f = tmp_path / f"i{suffix}"
    frame = pd.DataFrame({"borrower_id": ["007", "008", "009"], "loan_id": ["L7", "L8", "L9"],
                          "installment_no": ["1", "2", "3"], "due_date": "2024-03-01",
                          "amount_due": ["¥1,234.56", "¥12.50", "¥0.00"], "paid_date": [None, None, "2024-03-01"],
                          "amount_paid": ["¥0.00", "¥0.00", "¥12.50"]})
    frame.to_parquet(f) if suffix == ".parquet" else frame.to_csv(f, index=False)
    with pytest.raises(DataError) as info:
        read_table(f, table="installments")
    assert str(info.value) == (
        f"installments '{f}': amount_due holds text that is not plain numbers (100%: ¥1,234.56, ¥12.50, ¥0.00); "
        "they read as '¥1,234.56': give --number-format '¥1,234.56' (number_format='¥1,234.56' in Python); a "
        "number's style is never guessed")
    df = read_table(f, table="installments", number_format="¥1,234.56")
    good = riskscore.validate_installments(df, data_date="2024-06-01")
    assert good["amount_due"].tolist() == [1234.56, 12.5, 0.0]
    assert good["borrower_id"].tolist() == ["007", "008", "009"]


def test_a_few_unreadable_amounts_stay_row_rejects(tmp_path):
    f = tmp_path / "i.csv"
    pd.DataFrame({"borrower_id": ["b1", "b2", "b3"], "loan_id": ["L1", "L2", "L3"], "installment_no": 1,
                  "due_date": "2024-03-01", "amount_due": ["12.5", "¥7", "8"], "paid_date": None,
                  "amount_paid": 0.0}).to_csv(f, index=False)
    with pytest.warns(riskscore.DataQualityWarning):
        good, rejects = riskscore.quarantine(read_table(f, table="installments"), "installments",
                                             data_date="2024-06-01")
    assert good["borrower_id"].tolist() == ["b1", "b3"] and rejects["borrower_id"].unique().tolist() == ["b2"]


# -- local times in the shapes the refusal names -----------------------------------------------------
def test_local_times_with_slashes_and_one_digit_fields_are_read_in_their_zone():
    got = convert_dates(pa.array(["2025/04/21 03:59:48", "2025/4/1 3:59", "2025-4-1T03:59:07.25",
                                  "2025/02/30 10:00", "2024/03/31 02:30", " 2025/04/21 03:59:48 "]),
                        "Europe/Berlin").to_pylist()
    assert got == ["2025-04-21T01:59:48.000000+00:00", "2025-04-01T01:59:00.000000+00:00",
                   "2025-04-01T01:59:07.250000+00:00",
                   "2025/02/30 10:00",  # no such day: left to the contract, which rejects it as no time
                   "2024/03/31 02:30 (not a single time in Europe/Berlin)",  # the clock skips 02:00-03:00
                   "2025-04-21T01:59:48.000000+00:00"]


_ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata"]


@settings(max_examples=200, deadline=None)
@given(when=st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2037, 12, 31)),
       zone=st.sampled_from(_ZONES), sep=st.sampled_from(["-", "/"]), pad=st.booleans(), t=st.sampled_from("T "),
       seconds=st.sampled_from(["none", "whole", "fraction"]))
def test_a_local_time_in_any_shape_reads_as_pandas_localizes_it(when, zone, sep, pad, t, seconds):
    """Law: whatever shape the naive text takes, its UTC time is pandas' ``tz_localize(zone)`` of the wall
    clock it writes, and a time the zone skips or repeats is refused, never guessed."""
    when = when.replace(microsecond=when.microsecond // 1000 * 1000 if seconds == "fraction" else 0)
    if seconds == "none":
        when = when.replace(second=0)
    f = "%02d" if pad else "%d"
    text = (f"{when.year}{sep}{f % when.month}{sep}{f % when.day}{t}{f % when.hour}:{when.minute:02d}"
            + ("" if seconds == "none" else f":{when.second:02d}")
            + (f".{when.microsecond // 1000:03d}" if seconds == "fraction" else ""))
    (got,) = convert_dates(pa.array([text]), zone).to_pylist()
    local = pd.Series([pd.Timestamp(when)]).dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")[0]
    if pd.isna(local):
        assert got == f"{text} (not a single time in {zone})"
    else:
        assert pd.Timestamp(got) == local.tz_convert("UTC")
