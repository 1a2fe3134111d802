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
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskscore
from riskscore._dates import convert_dates
from riskscore._form_refusals import marker_dates_refusal, numbers_refusal, other_dates_refusal
from riskscore._numbers import convert_numbers
from riskscore._refusals import map_values, vocabulary_refusal
from riskscore.exceptions import DataError
from riskscore.io import InputFormat, read_table

WHERE = "'i.csv'"
FLAGS = ("do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable",
         "hardship_declared")


def _refusal(frame: pd.DataFrame, f, table: str) -> str:
    """The one line ``frame``, written to ``f`` (parquet or CSV by its suffix), is refused with when read."""
    frame.to_parquet(f) if f.suffix == ".parquet" else frame.to_csv(f, index=False)
    with pytest.raises(DataError) as info:
        read_table(f, table=table)
    return str(info.value)


@pytest.mark.parametrize(("values", "template", "says"), [
    (["¥319.96", "¥1,024.00", "12"], None,
     "amount_due holds text that is not plain numbers (67%: ¥319.96, ¥1,024.00); they read as '¥1,234.56': give "
     "--number-format '¥1,234.56' (number_format='¥1,234.56' in Python); a number's style is never guessed"),
    (["1.234,56", "12,5", "7"], None, "they read as '1.234,56': give --number-format '1.234,56'"),
    (["Rp 1.234.567", "Rp 250.000"], None, "they read as 'Rp 1.234,56': give --number-format 'Rp 1.234,56'"),
    (["Rs. 1,23,456.00", "Rs. 2,500.50"], None, "they read as 'Rs. 1,23,456.78': give --number-format"),
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
    assert _refusal(frame, f, "installments") == (
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


# -- dates in another written form ----------------------------------------------------------------
@pytest.mark.parametrize(("values", "column", "says"), [
    (["2024年11月25日", "2024年12月5日", None], "due_date",
     "due_date holds text that is not a year-first ISO 8601 date (67%: 2024年11月25日, 2024年12月5日); they read as "
     "%Y年%m月%d日: give --date-format installments.due_date=%Y年%m月%d日 (date_format={'installments.due_date': "
     "'%Y年%m月%d日'} in Python); a date's form is never guessed"),
    (["25-Nov-2024", "5-Dec-2024", "2024-12-05"], "paid_date",
     "(67%: 25-Nov-2024, 5-Dec-2024); they read as %d-%b-%Y: give --date-format installments.paid_date=%d-%b-%Y"),
    (["11/25/2024 3:45:12 PM", "12/01/2024 10:05:00 AM"], "contacted_at",
     "they read as %m/%d/%Y %I:%M:%S %p: give --date-format 'contacts.contacted_at=%m/%d/%Y %I:%M:%S %p@ZONE' "
     "(date_format={'contacts.contacted_at': '%m/%d/%Y %I:%M:%S %p@ZONE'} in Python), ZONE the IANA time zone they "
     "are written in"),
    (["01/02/2024 3:45 PM", "03/04/2024 10:05 AM"], "contacted_at",  # both orders read: both named
     "they read as %m/%d/%Y %I:%M %p (also as %d/%m/%Y %I:%M %p): give"),
    (["yesterday", "today", "tomorrow"], "paid_date",
     "give their strftime format: --date-format installments.paid_date=FORMAT"),
])
def test_dates_mostly_in_another_form_are_refused_naming_the_formats_that_read_them(values, column, says):
    table = "contacts" if column == "contacted_at" else "installments"
    line = other_dates_refusal(pa.array(values, pa.string()), table, column, WHERE)
    assert line is not None and line.startswith(f"{table} {WHERE}: {column} holds text that is not a year-first ")
    assert says in line


@pytest.mark.parametrize("values", [
    ["2024-11-25", "2024/12/5", " 2024-11-25T03:45:12.123456789 +0800 ", "2024/1/2 3:04Z"],  # the contract's
    ["25/11/2024", "26/11/2024", "2024年11月25日"],  # day/month text: refused on its own (day_month_refusal)
    ["1709258400", "1709258460", "Nov 25, 2024"],  # digits: refused on their own (number_dates_refusal)
    ["2024-11-25", "2024-11-26", "25-Nov-2024"],  # a stray: its row's reject
])
def test_dates_the_other_checks_judge_are_not_refused_here(values):
    assert other_dates_refusal(pa.array(values), "installments", "due_date", WHERE) is None


def test_an_extract_with_chinese_dates_is_refused_then_read_with_the_format_named(tmp_path):
    f = tmp_path / "i.csv"
    pd.DataFrame({"borrower_id": ["007", "008"], "loan_id": ["L7", "L8"], "installment_no": 1,
                  "due_date": ["2024年3月1日", "2024年3月15日"], "amount_due": 10.0,
                  "paid_date": ["2024年3月1日", None], "amount_paid": [10.0, 0.0]}).to_csv(f, index=False)
    with pytest.raises(DataError, match=re.escape("give --date-format installments.due_date=%Y年%m月%d日")):
        read_table(f, table="installments")
    good = riskscore.validate_installments(read_table(f, table="installments", date_format="%Y年%m月%d日"),
                                           data_date="2024-06-01")
    assert good["due_date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-15")]
    assert good["paid_date"].iloc[0] == pd.Timestamp("2024-03-01") and pd.isna(good["paid_date"].iloc[1])


@pytest.mark.parametrize(("bad_share", "refused"), [(0.0, False), (0.2, False), (0.45, False), (0.55, True),
                                                    (1.0, True)])
def test_a_large_batch_is_judged_on_all_its_rows_unless_a_sample_clears_it(bad_share, refused):
    """Batches past 32,768 rows are cleared by an evenly spaced sample when at most a quarter of it fails;
    otherwise every row counts: the same verdict as the whole-column test."""
    n = 40_000
    bad = np.zeros(n, dtype=bool)
    bad[np.random.default_rng(0).permutation(n)[: int(bad_share * n)]] = True
    amounts = pa.array(np.where(bad, "¥1,234.50", "1234.50").tolist())
    dates = pa.array(np.where(bad, "2024年3月1日", "2024-03-01").tolist())
    assert (numbers_refusal(amounts, "installments", "amount_due", WHERE) is not None) is refused
    assert (other_dates_refusal(dates, "installments", "due_date", WHERE) is not None) is refused
    marked = pa.array(np.where(bad, "9999-12-31", "2024-03-01").tolist())  # 1 % or more: a marker, sample or not
    assert (marker_dates_refusal(marked, "installments", "paid_date", WHERE) is not None) is (bad_share > 0)


# -- lists of channels in the extract's own words --------------------------------------------------------
def test_channel_lists_in_chinese_are_refused_then_mapped_word_by_word(tmp_path):
    """channels_allowed written 短信、电话 rejected every borrower (channels_in_vocabulary) and could not be
    mapped; it is refused in one line naming a word to map, and the columns file maps each word."""
    f = tmp_path / "b.csv"
    pd.DataFrame({"borrower_id": ["007", "008", "009"], "timezone": "Asia/Shanghai",
                  "channels_allowed": ["短信、电话", "短信，邮件", '""'], "preferred_channel": ["短信", "邮件", None],
                  "language": "zh", **dict.fromkeys(FLAGS, "否")}).to_csv(f, index=False, quoting=3)
    with pytest.raises(DataError) as info:
        read_table(f, table="borrowers")
    assert str(info.value).startswith(
        f"borrowers '{f}': channels_allowed holds values outside the contract's (短信、电话 33%, 短信，邮件 33%); it "
        "reads comma-separated lists of sms, email, call, letter, app (any case; the columns file's words may be "
        "separated by 、 or ， too): map the extract's to them in the columns file (borrowers: {channels_allowed: "
        "{短信: ...}}")
    words = {"短信": "sms", "电话": "call", "邮件": "email"}
    df = read_table(f, table="borrowers", values={"channels_allowed": words, "preferred_channel": words})
    good = riskscore.validate_borrowers(df)
    assert good["channels_allowed"].tolist() == ["sms,call", "sms,email", ""]
    assert good["preferred_channel"].tolist()[:2] == ["sms", "email"]


@pytest.mark.parametrize("sep", ["|", ";", "/", " "])
def test_channel_lists_with_another_separator_are_refused_naming_it_then_read_as_stated(tmp_path, sep):
    """sms|email rejected every borrower, and the refusal asked to map the whole list as one word; it names
    the separator, and the columns file states it ({'|': ','}); the separator is never read unasked."""
    f = tmp_path / "b.csv"
    pd.DataFrame({"borrower_id": ["007", "008", "009"], "timezone": "Asia/Shanghai",
                  "channels_allowed": [f"sms{sep}call", f"SMS {sep} email{sep}app", "sms"],
                  "preferred_channel": ["sms", "email", "sms"], "language": "zh",
                  **dict.fromkeys(FLAGS, "no")}).to_csv(f, index=False)
    with pytest.raises(DataError) as info:
        read_table(f, table="borrowers")
    assert str(info.value).splitlines()[0] == (
        f"borrowers '{f}': channels_allowed holds lists separated by {sep!r} (sms{sep}call 33%, "
        f"SMS {sep} email{sep}app 33%); it reads comma-separated lists of sms, email, call, letter, app: state the "
        f"extract's separator in the columns file (borrowers: {{channels_allowed: {{{sep!r}: ','}}}}, --columns "
        "FILE.yaml; columns= in Python)")
    fmt = InputFormat(columns={"borrowers": {"channels_allowed": {sep: ","}}})
    good = riskscore.validate_borrowers(read_table(f, table="borrowers", **fmt.reading("borrowers")))
    assert good["channels_allowed"].str.lower().tolist() == ["sms,call", "sms,email,app", "sms"]
    with pytest.raises(ValueError, match=r"a separator of the extract's lists maps to the contract's comma"):
        InputFormat(columns={"borrowers": {"channels_allowed": {sep: ";"}}})


def test_channel_lists_mixing_separators_are_refused_naming_a_word():
    """Two separators in one column (or a word the contract lacks) is not one separator to state."""
    line = vocabulary_refusal(pa.array(["sms|call", "sms;email", "fax|sms"]), "borrowers", "channels_allowed", WHERE)
    assert "holds values outside the contract's" in line and "{channels_allowed: {sms|call: ...}}" in line
    line = vocabulary_refusal(pa.array(["sms|fax", "sms|fax", "sms|call"]), "borrowers", "channels_allowed", WHERE)
    assert "holds values outside the contract's" in line and "{channels_allowed: {'|': ',', fax: ...}}" in line


# -- flags left blank, or in the extract's own words ---------------------------------------------------------------
def _borrowers(flag_values: list[object]) -> pd.DataFrame:
    n = len(flag_values)
    return pd.DataFrame({"borrower_id": [f"00{i}" for i in range(n)], "timezone": "Asia/Shanghai",
                         "channels_allowed": "sms", "preferred_channel": "sms", "language": "zh",
                         **{f: flag_values for f in FLAGS}})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_flags_left_blank_are_refused_then_read_as_the_columns_file_says(tmp_path, suffix):
    """A flag an extract leaves blank when not set rejected every borrower (not_nullable); a missing flag is
    still never read as false unasked, but the refusal is one line and the columns file states the blank."""
    f = tmp_path / f"b{suffix}"
    frame = _borrowers(["Y", None, None]) if suffix == ".csv" else _borrowers([True, None, None])
    shown = "Y" if suffix == ".csv" else "True"
    assert _refusal(frame, f, "borrowers") == (
        f"borrowers '{f}': do_not_contact is missing in 67% of the rows (the others: {shown}); "
        "a missing flag is never read as false: write the extract's no (N, false, 0, 否) in it, or state what its "
        "blank means in the columns file (borrowers: {do_not_contact: {'': false}}, --columns FILE.yaml; columns= "
        "in Python)")
    fmt = InputFormat(columns={"borrowers": {c: {"": False} for c in FLAGS}})
    assert fmt.describe("borrowers").startswith("values do_not_contact (blank) -> false, cease_requested (blank)")
    good = riskscore.validate_borrowers(read_table(f, table="borrowers", **fmt.reading("borrowers")))
    assert good["deceased"].tolist() == [True, False, False]


def test_flags_in_the_extracts_words_are_refused_then_mapped():
    col = pa.array(["有", "无", "无", "Y"])
    line = vocabulary_refusal(col, "borrowers", "bankruptcy", WHERE)
    assert line is not None and line.startswith(f"borrowers {WHERE}: bankruptcy holds values outside the contract's "
                                                "(无 50%, 有 25%); it reads true/false, yes/no, y/n, t/f, 1/0 or 是/否")
    mapping = InputFormat(columns={"borrowers": {"bankruptcy": {"有": True, "无": False}}}).values("borrowers")
    assert map_values(col, mapping["bankruptcy"]).to_pylist() == ["true", "false", "false", "Y"]
    with pytest.raises(ValueError, match=re.escape("columns: borrowers: bankruptcy: True: 'false' must map a value to "
                                                   "a value (quote a key YAML reads as true or false: 'yes': true)")):
        InputFormat(columns={"borrowers": {"bankruptcy": {True: False}}})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ids_padded_by_a_fixed_width_export_are_refused_in_one_line(tmp_path, suffix):
    """Every id padded ('  001') once rejected every borrower (id_whitespace); a few stay row rejects."""
    f = tmp_path / f"i{suffix}"
    frame = pd.DataFrame({"borrower_id": ["  001", "  002", "003"], "loan_id": ["L1", "L2", "L3"], "installment_no": 1,
                          "due_date": "2024-03-01", "amount_due": 1.0, "paid_date": None, "amount_paid": 0.0})
    assert _refusal(frame, f, "installments") == (
        f"the installments input '{f}': borrower_id has spaces before or after 67% of its values ('  001'); ids are "
        "compared exactly (' 42' and '42' would be two borrowers): trim them in the extract")
    frame.assign(borrower_id=["  001", "002", "003"]).to_parquet(tmp_path / "few.parquet")
    assert read_table(tmp_path / "few.parquet", table="installments")["borrower_id"].tolist() == ["  001", "002", "003"]


# -- a system's "no date" marker -------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_no_date_marker_is_refused_then_read_as_missing_as_the_columns_file_says(tmp_path, suffix):
    """paid_date 9999-12-31 for every unpaid installment (a legacy system's open date) rejected every borrower
    with something due (date_out_of_range)."""
    f = tmp_path / f"i{suffix}"
    n = 20
    paid = [dt.date(2024, 3, 1)] * (n // 2) + [dt.date(9999, 12, 31)] * (n // 2)
    frame = pd.DataFrame({"borrower_id": [f"{i:03d}" for i in range(n)], "loan_id": [f"L{i}" for i in range(n)],
                          "installment_no": 1, "due_date": dt.date(2024, 3, 1), "amount_due": 1.0,
                          "paid_date": paid, "amount_paid": [1.0] * (n // 2) + [0.0] * (n // 2)})
    assert _refusal(frame, f, "installments") == (
        f"installments '{f}': paid_date holds 9999-12-31 in 50% of the rows, outside 1900-01-01 .. 2199-12-31: a "
        "system's \"no date\" marker? It is never read as missing unasked: state it in the columns file "
        "(installments: {paid_date: {'9999-12-31': ''}}, --columns FILE.yaml; columns= in Python), or fix the "
        "extract")
    (tmp_path / "c.yaml").write_text("installments:\n  paid_date: {9999-12-31: ''}\n")  # YAML reads a date here
    fmt = InputFormat.read(tmp_path / "c.yaml")
    assert fmt.describe("installments") == "values paid_date 9999-12-31 -> (missing)"
    good = riskscore.validate_installments(read_table(f, table="installments", **fmt.reading("installments")),
                                           data_date="2024-06-01")
    assert good["paid_date"].isna().sum() == n // 2 and len(good) == n


def test_a_few_far_dates_stay_row_rejects_and_dates_map_only_to_missing():
    col = pa.array(["2024-03-01"] * 2000 + ["2300-01-01"] * 5)
    assert marker_dates_refusal(col, "installments", "due_date", WHERE) is None
    with pytest.raises(ValueError, match=re.escape("a date column's values map only to '' (missing)")):
        InputFormat(columns={"installments": {"paid_date": {"9999-12-31": "2099-12-31"}}})


@pytest.mark.parametrize(("column", "blank", "said", "read"), [
    ("timezone", "Asia/Shanghai", "a zone is never guessed", ["Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai"]),
    ("language", "zh", "a language is never guessed", ["zh", "zh", "zh"]),
    ("channels_allowed", "", "a blank consent is never read as none", ["sms", "", ""]),
])
def test_a_required_column_mostly_blank_is_refused_then_read_as_the_columns_file_says(tmp_path, column, blank, said,
                                                                                       read):
    f = tmp_path / "b.csv"
    frame = _borrowers(["N", "N", "N"]).assign(preferred_channel=None, **{column: [read[0], None, None]})
    frame.to_csv(f, index=False)
    with pytest.raises(DataError) as info:
        read_table(f, table="borrowers")
    assert str(info.value).startswith(f"borrowers '{f}': {column} is missing in 67% of the rows (the others: "
                                      f"{read[0]}); {said}")
    fmt = InputFormat(columns={"borrowers": {column: {"": blank}}})
    good = riskscore.validate_borrowers(read_table(f, table="borrowers", **fmt.reading("borrowers")))
    assert good[column].tolist() == read


# -- forms of a stranger's extract: names YAML misreads, lists written as text, contact days alone ----------
def test_the_mapping_template_reads_back_with_names_in_capitals_spaces_or_colons(tmp_path):
    """An Oracle or Snowflake export (capitals), a name with spaces around it and one with a colon: the
    template quotes what YAML would misread and, pasted into a columns file, reads the extract. (Capitals
    and spaces around a contract name are read without a mapping since; a colon is not.)"""
    import yaml

    f = tmp_path / "inst.parquet"
    names = [" borrower_id ", "LOAN:ID", "INSTALLMENT_NO", "Due_Date", "amount_due", "paid_date", "AMOUNT_PAID"]
    pq.write_table(pa.table({n: v for n, v in zip(names, [["b1"], ["l1"], [1], [dt.date(2024, 3, 1)], [10.0],
                                                          [dt.date(2024, 3, 2)], [10.0]], strict=True)}), f)
    with pytest.raises(DataError) as info:
        read_table(f, table="installments")
    line = str(info.value)
    assert "(it has: ' borrower_id ', 'LOAN:ID', INSTALLMENT_NO, Due_Date, amount_due, paid_date, AMOUNT_PAID;" in line
    template = line.split("(columns= in Python): ", 1)[1]
    mapping = yaml.safe_load(template)["installments"]
    assert line.startswith(f"installments '{f}' has no column loan_id (it has:")
    assert mapping == {"LOAN:ID": "loan_id"}
    got = read_table(f, table="installments", rename=mapping)
    assert got.columns.tolist() == ["borrower_id", "loan_id", "installment_no", "due_date", "amount_due",
                                    "paid_date", "amount_paid"]
    assert got["borrower_id"].tolist() == ["b1"]


def test_lists_that_pandas_wrote_to_a_csv_are_refused_with_the_line_that_writes_them(tmp_path):
    """``df.to_csv`` of a column of lists writes ``['sms', 'call']``; the refusal said to map the word ``['sms'``."""
    from riskscore.schemas import BORROWER_FLAGS

    f = tmp_path / "b.csv"
    frame = pd.DataFrame({"borrower_id": ["b1", "b2"], "timezone": "Asia/Shanghai",
                          "channels_allowed": [["sms", "call"], ["email"]], "preferred_channel": "sms",
                          "language": "zh", **dict.fromkeys(BORROWER_FLAGS, False)})
    assert _refusal(frame, f, "borrowers") == (
        f"borrowers '{f}': channels_allowed holds lists written as Python or JSON text (['sms', 'call'] 50%, "
        "['email'] 50%): write each list as its words separated by commas (sms,email), e.g. "
        "df['channels_allowed'].str.join(',') before df.to_csv, or keep the lists in a parquet file (a list column "
        "is read as its words)")
    parquet = tmp_path / "b.parquet"
    frame.to_parquet(parquet)  # the lists themselves: read
    assert read_table(parquet, table="borrowers")["channels_allowed"].tolist() == ["sms,call", "email"]


@pytest.mark.parametrize(("suffix", "dates"), [(".csv", ["2025-06-15", "2025-06-16"]),
                                               (".parquet", [dt.date(2025, 6, 15), dt.date(2025, 6, 16)]),
                                               (".parquet", ["2025/6/15", "2025/6/16"])])
def test_a_log_of_dates_without_times_is_refused_not_every_row_rejected(tmp_path, suffix, dates):
    """A log of contact days only: every row was a timezone_awareness reject (70% of the sample's borrowers
    set aside in a run that exited 0); now one line says what is missing."""
    f = tmp_path / f"c{suffix}"
    log = pd.DataFrame({"borrower_id": ["b1", "b2"], "channel": "sms", "outcome": "message_sent",
                        "contacted_at": dates})
    shown = ", ".join(str(d) for d in dates)
    assert _refusal(log, f, "contacts") == (
        f"contacts '{f}': contacted_at holds dates without a time of day ({shown}); contacts are counted per hour "
        "and per day in the borrower's own time, and a time is never guessed: give each contact's time with its UTC "
        "offset (2025-06-15T14:05:00+08:00), or its local time and the IANA time zone it is written in, --date-format "
        "contacts.contacted_at=Asia/Shanghai for example")


def test_a_log_of_stored_dates_is_refused_with_a_zone_too(tmp_path):
    """A zone reads local times; it gives a date no time of day."""
    f = tmp_path / "c.parquet"
    pd.DataFrame({"borrower_id": ["b1"], "channel": "sms", "outcome": "message_sent",
                  "contacted_at": [dt.date(2025, 6, 15)]}).to_parquet(f)
    with pytest.raises(DataError, match=r"contacted_at holds dates without a time of day \(2025-06-15\)"):
        read_table(f, table="contacts", date_format={"contacted_at": "Asia/Shanghai"})
    text = tmp_path / "c.csv"
    text.write_text("borrower_id,channel,outcome,contacted_at\nb1,sms,message_sent,15/06/2025\n")
    for fmt in ("Asia/Shanghai", "%d/%m/%Y", "%d/%m/%Y@Asia/Shanghai"):  # a format of days alone: no time either
        with pytest.raises(DataError, match=r"contacted_at holds dates without a time of day \(15/06/2025\)"):
            read_table(text, table="contacts", date_format={"contacted_at": fmt})


def test_a_mapping_written_for_another_spelling_of_a_column_is_named(tmp_path):
    """``amount owed: amount_due`` in the columns file for the file's ``Amount Owed``: the line said only to map
    ``Amount Owed``, as if the columns file had no entry for it. (The contract's own name in another style,
    ``Amount Due``, needs no mapping since.)"""
    f = tmp_path / "i.csv"
    f.write_text("borrower_id,loan_id,installment_no,due_date,Amount Owed,paid_date,amount_paid\n"
                 "b1,l1,1,2024-03-01,10,2024-03-02,10\n")
    with pytest.raises(DataError, match=r"installments: \{Amount Owed: amount_due\} \(the columns file maps "
                                        r"'amount owed', which the file does not have: names are matched exactly\)$"):
        read_table(f, table="installments", rename={"amount owed": "amount_due"})
    assert read_table(f, table="installments", rename={"Amount Owed": "amount_due"})["amount_due"].tolist() == ["10"]


def test_excel_text_formulas_read_as_their_text(tmp_path):
    """``="007"``, how an export meant for Excel keeps an id's leading zeros, was read as the id ``="007"``
    (silently: no contact, no score of borrower 007 matched it); its text is the value, in every column."""
    f = tmp_path / "i.csv"
    f.write_text('borrower_id,loan_id,installment_no,due_date,amount_due,paid_date,amount_paid\n'
                 '="007",="L1",="1",="2024-03-01",="100.5",="",="0"\n008,L2,1,2024-03-01,100.5,2024-03-01,100.5\n')
    got = read_table(f, table="installments")
    assert got["borrower_id"].tolist() == ["007", "008"] and got["loan_id"].tolist() == ["L1", "L2"]
    assert got["due_date"].tolist() == ["2024-03-01"] * 2 and got["paid_date"].isna().tolist() == [True, False]
    assert got["amount_due"].tolist() == ["100.5", "100.5"] and got["amount_paid"].tolist() == ["0", "100.5"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ids_in_scientific_notation_are_refused_in_one_line(tmp_path, suffix):
    """Excel writes an 18-digit id ``1.23457E+17``: two borrowers became one id, their histories merged,
    silently. Any such id refuses the file, naming the column and an example; ``2E10`` stays an id."""
    ids = ["1.23457E+17", "1.23457E+17", "2E10"]
    frame = pd.DataFrame({"borrower_id": ids, "loan_id": ["L1", "L2", "L3"], "installment_no": [1, 1, 1],
                          "due_date": ["2024-03-01"] * 3, "amount_due": [100.0] * 3, "paid_date": [None] * 3,
                          "amount_paid": [0.0] * 3})
    f = tmp_path / f"i{suffix}"
    frame.to_csv(f, index=False) if suffix == ".csv" else frame.to_parquet(f)
    with pytest.raises(DataError) as info:
        read_table(f, table="installments")
    assert str(info.value) == (
        f"the installments input '{f}': borrower_id holds numbers in scientific notation (2 of its 3 values, "
        "'1.23457E+17'): a spreadsheet or a float column rounded them, so ids that differed may now be one; export "
        "the ids as text (a spreadsheet: format the column as Text before it is saved; pandas: dtype=str)")
    frame["borrower_id"] = ["B1", "B2", "2E10"]
    frame.to_csv(f, index=False) if suffix == ".csv" else frame.to_parquet(f)
    assert read_table(f, table="installments")["borrower_id"].tolist() == ["B1", "B2", "2E10"]
