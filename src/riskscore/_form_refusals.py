"""One-line refusals of a column written in a form the contracts never guess: amounts in a style not
stated (``¥1,234.56`` without ``number_format``), dates in another written form (``2024年11月25日``), a
system's "no date" marker (``9999-12-31``) and contact times without a UTC offset.

A whole column so written (more than half of a batch; a marker date in 1 % of it) is refused before
scoring, naming what it holds and the option or the columns-file statement that reads it; a few strays
are left to the contracts, which reject their rows. The readers (:mod:`riskscore._intake`) call these on
every batch; the Spark engine checks a local file on the driver the same way.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskscore._dates import DATE_COLUMNS, NAIVE_TIME, one_array
from riskscore._input_format import is_text
from riskscore._numbers import NUMBER_COLUMNS, fold_width, styles_reading

__all__ = ["date_columns", "dates_only_refusal", "marker_dates_refusal", "naive_times_refusal", "numbers_refusal",
           "other_dates_refusal", "padded_ids_refusal",
           "scientific_ids_refusal"]


#: A date without a time of day, as text (``2025-06-15``, ``2025/6/15``, ``15/06/2025``, ``15.06.25``).
_DATE_ONLY = r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](\d{2}|\d{4}))\s*$"


def dates_only_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str) -> str | None:
    """The one-line refusal of contact times that are dates alone (stored as dates, or more than half of
    the text a date without a time of day), or ``None``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(dates_only_refusal(pa.array(["2025-06-15", "2025-06-16"]), "contacts", "contacted_at", "'c.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    contacts 'c.csv': contacted_at holds dates without a time of day (2025-06-15, 2025-06-16); contacts are
    counted per hour and per day in the borrower's own time, and a time is never guessed: give each contact's
    time with its UTC offset (2025-06-15T14:05:00+08:00), or its local time and the IANA time zone it is written
    in, --date-format contacts.contacted_at=Asia/Shanghai for example
    >>> dates_only_refusal(pa.array(["2025-06-15", "2025-06-15 09:01"]), "contacts", "contacted_at", "'c'") is None
    True
    """
    arr = one_array(col)
    values = arr.drop_null()
    if not len(values) or not (pa.types.is_date(arr.type) or (is_text(arr.type) and 2 * (pc.sum(pc.fill_null(
            pc.match_substring_regex(values, _DATE_ONLY), False)).as_py() or 0) > len(values))):
        return None
    key = f"{table}.{column}" if table else column
    shown = pc.cast(values.slice(0, 3), pa.string()).to_pylist()
    return (f"{table + ' ' if table else ''}{where}: {column} holds dates without a time of day "
            f"({', '.join(dict.fromkeys(str(v).strip() for v in shown))}); contacts are counted per hour and per "
            "day in the borrower's own time, and a time is never guessed: give each contact's time with its UTC "
            "offset (2025-06-15T14:05:00+08:00), or its local time and the IANA time zone it is written in, "
            f"--date-format {key}=Asia/Shanghai for example")


def naive_times_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str) -> str | None:
    """The one-line refusal of contact times written without a UTC offset (timestamps stored without a
    zone, or more than half of the text), or ``None``: a clock is never guessed.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(naive_times_refusal(pa.array(["2025-06-15 02:45:44", "2025-06-15 09:01:00"]), "contacts",
    ...                           "contacted_at", "'c.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    contacts 'c.csv': contacted_at holds times without a UTC offset (2025-06-15 02:45:44, 2025-06-15 09:01:00); a
    clock is never guessed: give the IANA time zone they are written in, --date-format
    contacts.contacted_at=Asia/Shanghai for example (date_format={'contacts.contacted_at': 'Asia/Shanghai'} in
    Python), or FORMAT@ZONE for text in another format
    >>> naive_times_refusal(pa.array(["2025-06-15T02:45:44Z", "2025-06-15 09:01"]), "contacts", "contacted_at",
    ...                     "'c.csv'") is None
    True
    """
    line = dates_only_refusal(col, table, column, where)
    if line is not None:
        return line
    arr = one_array(col)
    values = arr.drop_null()
    if not len(values):
        return None
    key = f"{table}.{column}" if table else column
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is not None:
            return None
        seconds = pc.cast(values.slice(0, 3), pa.timestamp("s"), safe=False)  # Arrow's %S would add a fraction
        examples = pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S").to_pylist()
    elif is_text(arr.type):
        naive = pc.fill_null(pc.match_substring_regex(values, NAIVE_TIME), False)
        if 2 * (pc.sum(naive).as_py() or 0) <= len(values):
            return None  # half or fewer: strays the contract rejects
        examples = values.filter(naive).slice(0, 3).to_pylist()
    else:
        return None
    return (f"{table + ' ' if table else ''}{where}: {column} holds times without a UTC offset "
            f"({', '.join(dict.fromkeys(str(v).strip() for v in examples))}); a clock is never guessed: give the IANA "
            f"time zone they are written in, --date-format {key}=Asia/Shanghai for example "
            f"(date_format={{{key!r}: 'Asia/Shanghai'}} in Python), or FORMAT@ZONE for text in another format")


#: Text a contract number column reads without a template (what pandas and Arrow read as a float).
_PLAIN_NUMBER = r"(?i)^\s*([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|[+-]?(inf|infinity|nan))\s*$"


#: Rows of the evenly spaced sample that clears a large batch before any whole-column test (a refusal
#: needs more than half of the batch; a sample at a quarter or less leaves no doubt).
_SAMPLE = 8192


def _sample(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
    """An evenly spaced sample of :data:`_SAMPLE` values of a large batch (more than four times that), or
    ``None`` for a smaller one (judged whole)."""
    if len(arr) <= 4 * _SAMPLE:
        return None
    return arr.take(pa.array(np.linspace(0, len(arr) - 1, _SAMPLE).astype(np.int64)))


def _clearly_few(arr: pa.Array, pattern: str) -> bool:
    """Whether at most a quarter of an evenly spaced sample of a large batch fails to match ``pattern``
    (missing values match): most batches are cleared here, at the cost of the sample alone."""
    sample = _sample(arr)
    if sample is None:
        return False
    misses = pc.sum(pc.invert(pc.fill_null(pc.match_substring_regex(sample, pattern), True))).as_py() or 0
    return 4 * misses <= len(sample)


def _plain_float(value: str) -> bool:
    try:
        float(fold_width(value))
    except ValueError:
        return False
    return True


def numbers_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str,
                    template: str | None = None, read: pa.ChunkedArray | pa.Array | None = None) -> str | None:
    """The one-line refusal of a contract number column (``amount_due``, ``amount_paid``,
    ``installment_no``) whose text mostly does not read as numbers the stated way (more than half of a
    batch: ``¥1,234.56`` or ``1.234,56`` without ``number_format``, or in another style than the one
    given), or ``None``; a few strays are the contract's row rejects. The style is never guessed: the
    line names the templates that read the values.

    ``template`` is the ``number_format`` given (``None``: plain numbers) and ``read`` the column as
    :func:`riskscore._numbers.convert_numbers` read it under that template.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(numbers_refusal(pa.array(["¥319.96", "¥1,024.00", "12"]), "installments", "amount_due",
    ...                       "'i.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    installments 'i.csv': amount_due holds text that is not plain numbers (67%: ¥319.96, ¥1,024.00); they read
    as '¥1,234.56': give --number-format '¥1,234.56' (number_format='¥1,234.56' in Python); a number's style is never
    guessed
    >>> numbers_refusal(pa.array(["319.96", "1e3", " 7 ", "１２"]), "installments", "amount_due", "'i.csv'") is None
    True
    """
    if table is None or column not in NUMBER_COLUMNS.get(table, ()):
        return None
    arr = one_array(col)
    if not is_text(arr.type):
        return None
    if template is None and _clearly_few(arr, _PLAIN_NUMBER):
        return None
    valid = pc.is_valid(arr)
    total = pc.sum(valid).as_py() or 0
    if template is None:
        bad = pc.and_(valid, pc.invert(pc.fill_null(pc.match_substring_regex(arr, _PLAIN_NUMBER), True)))
    else:
        got = one_array(read)
        bad = pc.fill_null(pc.ends_with(got, f" (not {template})"), False)
    if 2 * (pc.sum(bad).as_py() or 0) <= total:
        return None
    counts = pc.value_counts(arr.filter(bad))
    values, n = counts.field("values"), counts.field("counts").to_numpy()
    if template is None:  # full-width digits read too (NFKC): decided per distinct value
        unread = np.array([not _plain_float(v) for v in values.to_pylist()], dtype=bool)
        values, n = values.filter(pa.array(unread)), n[unread]
    if 2 * int(n.sum()) <= total:
        return None
    share = int(n.sum()) / total
    examples = values.take(pa.array(np.argsort(-n, kind="stable")[:1000])).to_pylist()
    styles = [s for s in styles_reading(np.array(examples, dtype=object)) if s != template]
    stated = "plain numbers" if template is None else f"numbers written as {template!r}, the number_format given,"
    if styles:
        fix = (f"they read as {styles[0]!r}: give --number-format {styles[0]!r} (number_format={styles[0]!r} in "
               "Python)" if len(styles) == 1 else
               f"they read as {' or '.join(repr(s) for s in styles)}, which read such values differently: give "
               f"the extract's style with --number-format (number_format= in Python)")
    else:
        fix = (f"they are not numbers in a style riskscore reads: check that the columns file maps the right "
               f"column to {column} (--columns FILE.yaml)")
    return (f"{table} {where}: {column} holds text that is not {stated} ({share:.0%}: "
            f"{', '.join(str(v) for v in examples[:3])}); {fix}; a number's style is never guessed")


#: Text a date column may hold that other checks judge (each a whole value, spaces around it aside): year
#: first as the contract reads it (or times without an offset, refused on their own), day/month text as
#: :func:`riskscore._input_format.day_month_refusal` reads it, digits alone (Unix time, serials).
_OTHER_CHECKS = (r"^\s*(\d{4}(-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2})([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?\s*"
                 r"(Z|UTC|[+-]\d{2}(:?\d{2})?)?"
                 r"|\d{1,2}(/\d{1,2}/|\.\d{1,2}\.|-\d{1,2}-)(\d{4}|\d{2})([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*"
                 r"(Z|[+-]\d{2}:?\d{2})?"
                 r"|[+-]?\d+(\.\d+)?)\s*$")
#: strftime formats offered when a date column is written another way (the user confirms one).
_DATE_FORMATS = ("%Y年%m月%d日", "%Y.%m.%d", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y",
                 "%a, %d %b %Y", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y.%m.%d %H:%M:%S",
                 "%d %b %Y %H:%M:%S", "%d-%b-%Y %H:%M:%S", "%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p",
                 "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p",
                 "%Y-%m-%d %I:%M:%S %p")


def _formats_reading(values: list[str]) -> list[str]:
    def reads(fmt: str) -> bool:
        try:
            for v in values:
                dt.datetime.strptime(v.strip(), fmt)
        except ValueError:
            return False
        return True

    return [f for f in _DATE_FORMATS if reads(f)]


def other_dates_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str) -> str | None:
    """The one-line refusal of a text date column given without a format whose values are mostly written
    another way than year first (more than half of a batch's rows: ``2024年11月25日``, ``25-Nov-2024``,
    ``Nov 25, 2024 3:45 PM``), or ``None``; day/month text and digits have refusals of their own, and a
    few strays are the contract's row rejects. The line names the formats that read the values, for the
    user to confirm (never applied unasked).

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(other_dates_refusal(pa.array(["2024年11月25日", "2024年12月5日", None]), "installments", "due_date",
    ...                           "'i.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    installments 'i.csv': due_date holds text that is not a year-first ISO 8601 date (67%: 2024年11月25日,
    2024年12月5日); they read as %Y年%m月%d日: give --date-format installments.due_date=%Y年%m月%d日
    (date_format={'installments.due_date': '%Y年%m月%d日'} in Python); a date's form is never guessed
    >>> other_dates_refusal(pa.array(["2024-11-25", "2024/12/05", "25/11/2024", "soon"]), "installments",
    ...                     "due_date", "'i.csv'") is None
    True
    """
    arr = one_array(col)
    if not is_text(arr.type):
        return None
    if _clearly_few(arr, _OTHER_CHECKS):
        return None
    other = pc.fill_null(pc.invert(pc.match_substring_regex(arr, _OTHER_CHECKS)), False)
    n, total = pc.sum(other).as_py() or 0, len(arr)
    if 2 * n <= total:  # of every row, missing ones too: a mostly empty paid_date with one word in it is a stray
        return None
    sample = list(dict.fromkeys(arr.filter(other).slice(0, 2000).to_pylist()))[:200]
    formats = _formats_reading(sample)
    key = f"{table}.{column}" if table else column
    if formats:
        fmt = formats[0]
        if column == "contacted_at" and "%z" not in fmt:  # a clock without an offset: its zone too
            fmt += "@ZONE"
        arg = f"{key}={fmt}" if " " not in fmt else f"'{key}={fmt}'"
        fix = (f"they read as {formats[0]}" + (f" (also as {', '.join(formats[1:3])})" if len(formats) > 1 else "")
               + f": give --date-format {arg} (date_format={{{key!r}: {fmt!r}}} in Python)"
               + (", ZONE the IANA time zone they are written in" if fmt.endswith("@ZONE") else ""))
    else:
        fix = (f"give their strftime format: --date-format {key}=FORMAT (date_format={{{key!r}: ...}} in "
               "Python), or check that the columns file maps the right column to it")
    return (f"{table + ' ' if table else ''}{where}: {column} holds text that is not a year-first ISO 8601 date "
            f"({n / total:.0%}: {', '.join(str(v) for v in sample[:3])}); {fix}; a date's form is never guessed")


@cache
def date_columns() -> frozenset[tuple[str, str]]:
    """The (table, column) pairs of the contracts' dates: ``due_date``, ``paid_date``, ``contacted_at``."""
    return frozenset((t, c) for t, cols in DATE_COLUMNS.items() for c in cols)


#: Years outside the contract's 1900..2199, as a four-digit group of a date's text (``9999-12-31``,
#: ``31/12/9999``, ``0001-01-01 00:00:00``).
_FAR_YEAR = r"(^|\D)(0\d{3}|1[0-8]\d{2}|2[2-9]\d{2}|[3-9]\d{3})(\D|$)"


def marker_dates_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str
                         ) -> str | None:
    """The one-line refusal of a date column where one date outside 1900-01-01 .. 2199-12-31 fills at
    least 1 % of a batch's rows (and 10 rows): a system's "no date" marker such as ``9999-12-31``, which
    riskscore never reads as missing unasked (the columns file states it: ``{paid_date: {'9999-12-31': ''}}``);
    or ``None``. A few far dates are the contract's row rejects (``date_out_of_range``).

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(marker_dates_refusal(pa.array(["2024-03-01"] * 60 + ["9999-12-31"] * 40), "installments",
    ...                            "paid_date", "'i.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    installments 'i.csv': paid_date holds 9999-12-31 in 40% of the rows, outside 1900-01-01 .. 2199-12-31: a
    system's "no date" marker? It is never read as missing unasked: state it in the columns file (installments:
    {paid_date: {'9999-12-31': ''}}, --columns FILE.yaml; columns= in Python), or fix the extract
    """
    if (table or "", column) not in date_columns():
        return None
    arr = one_array(col)
    if is_text(arr.type):
        sample = _sample(arr)  # a marker in 1 % of the rows shows in the sample (82 expected): none, no marker
        if sample is not None and not pc.any(pc.fill_null(pc.match_substring_regex(sample, _FAR_YEAR), False)).as_py():
            return None
        far = arr.filter(pc.fill_null(pc.match_substring_regex(arr, _FAR_YEAR), False))
        far = pc.utf8_trim_whitespace(far)
    elif pa.types.is_date(arr.type) or pa.types.is_timestamp(arr.type):
        days = pc.cast(pc.cast(arr, pa.timestamp("s"), safe=False), pa.date32(), safe=False) \
            if pa.types.is_timestamp(arr.type) else arr
        out = pc.or_(pc.less(days, pa.scalar(dt.date(1900, 1, 1))), pc.greater(days, pa.scalar(dt.date(2199, 12, 31))))
        far = pc.strftime(arr.filter(pc.fill_null(out, False)), format="%Y-%m-%d")
    else:
        return None
    if not len(far):
        return None
    counts = pc.value_counts(far)
    top = int(np.argmax(counts.field("counts").to_numpy()))
    n, value = int(counts.field("counts")[top].as_py()), counts.field("values")[top].as_py()
    if n < max(10, 0.01 * len(arr)):
        return None
    return (f"{table} {where}: {column} holds {value} in {n / len(arr):.0%} of the rows, outside 1900-01-01 .. "
            "2199-12-31: a system's \"no date\" marker? It is never read as missing unasked: state it in the columns "
            f"file ({table}: {{{column}: {{'{value}': ''}}}}, --columns FILE.yaml; columns= in Python), or fix the "
            "extract")


def padded_ids_refusal(col: pa.ChunkedArray | pa.Array, column: str, where: str) -> str | None:
    """The one-line refusal of an id column (text) whose values mostly have spaces around them (more than
    half of a batch: a fixed-width export pads every id), or ``None``: ids are compared exactly, and a few
    padded ones are the contract's row rejects (``id_whitespace``). ``where`` names the file and table.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(padded_ids_refusal(pa.array(["  001", "  002", "003"]), "borrower_id", "'i.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    'i.csv': borrower_id has spaces before or after 67% of its values ('  001'); ids are compared exactly (' 42'
    and '42' would be two borrowers): trim them in the extract
    """
    sample = _sample(col)  # a padded majority shows in the sample: most batches stop there
    if sample is not None and not pc.any(pc.not_equal(pc.utf8_trim_whitespace(sample), sample)).as_py():
        return None
    padded = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(col), col), False)
    n = pc.sum(padded).as_py() or 0
    if 2 * n <= len(col):
        return None
    example = col.filter(padded)[0].as_py()
    return (f"{where}: {column} has spaces before or after {n / len(col):.0%} of its values ({example!r}); ids are "
            "compared exactly (' 42' and '42' would be two borrowers): trim them in the extract")


#: An id a spreadsheet or a float column wrote in scientific notation (Excel's ``1.23457E+17`` for an
#: 18-digit id, pandas' ``1.2345678901234568e+17``): its last digits are gone. The ``+`` is required, as
#: both write it for a large number: an id such as ``2E10`` stays an id.
_SCIENTIFIC = r"^-?\d+(\.\d+)?[eE]\+\d+$"


def scientific_ids_refusal(col: pa.ChunkedArray | pa.Array, column: str, where: str) -> str | None:
    """The one-line refusal of an id column (text) that holds any number in scientific notation, or
    ``None``: the digits such a value stood for are lost, so two borrowers may now share one id and
    their histories be merged; no row can be trusted to be whose it says. ``where`` names the file.

    Examples
    --------
    >>> print(scientific_ids_refusal(pa.array(["1.23457E+17", "1.23457E+17", "B7"]), "borrower_id", "'i.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    'i.csv': borrower_id holds numbers in scientific notation (2 of its 3 values, '1.23457E+17'): a spreadsheet
    or a float column rounded them, so ids that differed may now be one; export the ids as text (a spreadsheet:
    format the column as Text before it is saved; pandas: dtype=str)
    >>> scientific_ids_refusal(pa.array(["2E10", "B+7"]), "loan_id", "'i.csv'") is None
    True
    """
    if not pc.any(pc.match_substring(col, "+")).as_py():
        return None  # the common case: one pass, no regular expression
    sci = pc.fill_null(pc.match_substring_regex(col, _SCIENTIFIC), False)
    n = pc.sum(sci).as_py() or 0
    if not n:
        return None
    example = col.filter(sci)[0].as_py()
    return (f"{where}: {column} holds numbers in scientific notation ({n:,} of its {len(col):,} values, {example!r}): "
            "a spreadsheet or a float column rounded them, so ids that differed may now be one; export the ids as "
            "text (a spreadsheet: format the column as Text before it is saved; pandas: dtype=str)")
