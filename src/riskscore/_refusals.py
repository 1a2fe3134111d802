"""One-line refusals of a column written in a way the contracts never guess: values in the extract's own
words (``短信`` for ``sms``, ``China Standard Time``, ``中文``), contact times without a UTC offset and
amounts in a style not stated (``¥1,234.56`` without ``number_format``).

A whole column (more than half of a batch) written so is refused before scoring, naming what it
holds and what the contract reads; a few strays are left to the contracts, which reject their rows.
The readers (:mod:`riskscore._intake`) call these on every text batch; the Spark engine checks a
local file on the driver the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskscore._dates import DATE_COLUMNS, NAIVE_TIME
from riskscore._input_format import is_text
from riskscore._numbers import NUMBER_COLUMNS, fold_width, styles_reading

__all__ = ["LIST_COLUMNS", "check_value_map", "checked_words", "flag_columns", "map_values", "marker_dates_refusal",
           "missing_flags_refusal", "naive_times_refusal", "numbers_refusal", "other_dates_refusal",
           "vocabulary_columns", "vocabulary_refusal"]



@cache
def vocabulary_columns() -> dict[tuple[str, str], tuple[str, ...]]:
    """(table, column) -> the contract's values, for the columns read in any case without surrounding spaces."""
    from riskscore.schemas import CHANNELS, DIRECTIONS, OUTCOMES

    return {("contacts", "channel"): CHANNELS, ("contacts", "outcome"): OUTCOMES,
            ("contacts", "direction"): DIRECTIONS, ("borrowers", "preferred_channel"): CHANNELS,
            ("borrowers", "channels_allowed"): CHANNELS}


#: Columns holding comma-separated lists of the contract's words: judged and mapped word by word.
LIST_COLUMNS: frozenset[tuple[str, str]] = frozenset({("borrowers", "channels_allowed")})
#: What separates the words of a list when the columns file maps them: the contract's comma, and the
#: Chinese enumeration comma and full-width comma an extract in Chinese writes.
_LIST_SEPARATORS = "[,、，]"


#: Columns checked by :func:`vocabulary_refusal` besides the vocabularies: what the contract reads there.
_WORDS = {("borrowers", "timezone"): "IANA time-zone names such as Asia/Shanghai or America/New_York (any case)",
          ("borrowers", "language"): "language codes such as zh, en or zh-CN"}


@cache
def flag_columns() -> frozenset[tuple[str, str]]:
    """The borrowers' flag columns: read as true/false, yes/no, y/n, t/f, 1/0 or 是/否 (any case)."""
    from riskscore.schemas import BORROWER_FLAGS

    return frozenset(("borrowers", f) for f in BORROWER_FLAGS)


@cache
def _flag_spellings() -> pa.Array:
    from riskscore.schemas import FLAG_FALSE, FLAG_TRUE

    return pa.array(sorted(FLAG_TRUE | FLAG_FALSE))


@cache
def checked_words() -> frozenset[tuple[str, str]]:
    """The (table, column) pairs whose text :func:`vocabulary_refusal` checks (every text column of every
    batch asks: built once)."""
    return frozenset(vocabulary_columns()) | frozenset(_WORDS) | flag_columns()


@cache
def _lower_zones() -> pa.Array:
    from riskscore.schemas import valid_timezones

    return pa.array(sorted(z.lower() for z in valid_timezones()))


def _known(values: pa.Array, table: str, column: str) -> np.ndarray:
    from riskscore._language import LANGUAGE_PATTERN  # anchored, and RE2 reads it as Python's re does

    trimmed = pc.utf8_trim_whitespace(values)
    if (table, column) in LIST_COLUMNS:  # every word of the list known ("" is the empty list)
        lists = pc.split_pattern(pc.utf8_lower(trimmed), ",")
        words = pc.utf8_trim_whitespace(pc.list_flatten(lists))
        ok = pc.fill_null(pc.or_(pc.is_in(words, value_set=pa.array(vocabulary_columns()[(table, column)])),
                                 pc.equal(words, "")), False).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        return np.bincount(parents[~ok], minlength=len(values)) == 0
    if (table, column) in flag_columns():
        known = pc.is_in(pc.utf8_lower(trimmed), value_set=_flag_spellings())
    elif (table, column) == ("borrowers", "timezone"):
        known = pc.is_in(pc.utf8_lower(trimmed), value_set=_lower_zones())
    elif (table, column) == ("borrowers", "language"):
        known = pc.match_substring_regex(trimmed, LANGUAGE_PATTERN)
    else:
        known = pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(vocabulary_columns()[(table, column)]))
    return pc.fill_null(known, False).to_numpy(zero_copy_only=False)


def vocabulary_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str) -> str | None:
    """The one-line refusal of a column of the contract's words (``channel``, ``outcome``, ``timezone``,
    ``language``, ...) whose values are mostly others (more than half of a batch: an extract in its own
    words), or ``None``; a few strays are the contract's row rejects. What a value means is never guessed.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(vocabulary_refusal(pa.array(["短信", "短信", "电话", "SMS "]), "contacts", "channel", "'c.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    contacts 'c.csv': channel holds values outside the contract's (短信 50%, 电话 25%); its values are sms, email,
    call, letter, app (any case): map the extract's to them in the columns file (contacts: {channel: {短信: ...}},
    --columns FILE.yaml; columns= in Python); what a value means is never guessed
    >>> print(vocabulary_refusal(pa.array(["China Standard Time", "Asia/Shanghai", "UTC+8"]), "borrowers",
    ...                          "timezone", "'b.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    borrowers 'b.csv': timezone holds values outside the contract's (China Standard Time 33%, UTC+8 33%); it reads
    IANA time-zone names such as Asia/Shanghai or America/New_York (any case): map the extract's to them in the
    columns file (borrowers: {timezone: {China Standard Time: ...}}, --columns FILE.yaml; columns= in Python); what
    a value means is never guessed
    >>> vocabulary_refusal(pa.array(["sms", "Call", "fax"]), "contacts", "channel", "'c.csv'") is None
    True
    """
    key = (table or "", column)
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if key not in checked_words() or not is_text(arr.type):
        return None
    counts = pc.value_counts(arr.drop_null())
    if not len(counts):
        return None
    values, n = counts.field("values"), counts.field("counts").to_numpy()
    known = _known(values, *key)
    if 2 * int(n[~known].sum()) <= int(n.sum()):
        return None
    others = values.filter(pa.array(~known)).to_pylist()
    order = np.argsort(-n[~known], kind="stable")[:5]
    unknown = [(others[int(i)], n[~known][i] / n.sum()) for i in order]
    example = unknown[0][0]
    if key in LIST_COLUMNS:  # a word of the list, not the list
        words = [w.strip() for w in re.split(_LIST_SEPARATORS, example) if w.strip()]
        example = next((w for w in words if w.lower() not in vocabulary_columns()[key]), example)
    return (f"{table + ' ' if table else ''}{where}: {column} holds values outside the contract's "
            f"({', '.join(f'{v} {share:.0%}' for v, share in unknown)}); {_reads(key)}: map the extract's to them "
            f"in the columns file ({table}: {{{column}: {{{example}: ...}}}}, --columns FILE.yaml; columns= "
            "in Python); what a value means is never guessed")


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
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    values = arr.drop_null()
    if not len(values):
        return None
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
    key = f"{table}.{column}" if table else column
    return (f"{table + ' ' if table else ''}{where}: {column} holds times without a UTC offset "
            f"({', '.join(dict.fromkeys(str(v).strip() for v in examples))}); a clock is never guessed: give the IANA "
            f"time zone they are written in, --date-format {key}=Asia/Shanghai for example "
            f"(date_format={{{key!r}: 'Asia/Shanghai'}} in Python), or FORMAT@ZONE for text in another format")


#: Text a contract number column reads without a template (what pandas and Arrow read as a float).
_PLAIN_NUMBER = r"(?i)^\s*([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|[+-]?(inf|infinity|nan))\s*$"


#: Rows of the evenly spaced sample that clears a large batch before any whole-column test (a refusal
#: needs more than half of the batch; a sample at a quarter or less leaves no doubt).
_SAMPLE = 8192


def _clearly_few(arr: pa.Array, pattern: str) -> bool:
    """Whether at most a quarter of an evenly spaced sample of a large batch fails to match ``pattern``
    (missing values match): most batches are cleared here, at the cost of the sample alone."""
    if len(arr) <= 4 * _SAMPLE:
        return False
    sample = arr.take(pa.array(np.linspace(0, len(arr) - 1, _SAMPLE).astype(np.int64)))
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
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not is_text(arr.type):
        return None
    if template is None and _clearly_few(arr, _PLAIN_NUMBER):
        return None
    valid = pc.is_valid(arr)
    total = pc.sum(valid).as_py() or 0
    if template is None:
        bad = pc.and_(valid, pc.invert(pc.fill_null(pc.match_substring_regex(arr, _PLAIN_NUMBER), True)))
    else:
        got = read.combine_chunks() if isinstance(read, pa.ChunkedArray) else read
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
                 r"(Z|[+-]\d{2}(:?\d{2})?)?"
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
    import datetime as dt

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
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
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


def _reads(key: tuple[str, str]) -> str:
    if key in flag_columns():
        return "it reads true/false, yes/no, y/n, t/f, 1/0 or 是/否 (any case)"
    if key in LIST_COLUMNS:
        return (f"it reads comma-separated lists of {', '.join(vocabulary_columns()[key])} (any case; the columns "
                "file's words may be separated by 、 or ， too)")
    return (f"its values are {', '.join(vocabulary_columns()[key])} (any case)" if key in vocabulary_columns()
            else f"it reads {_WORDS[key]}")


def check_value_map(table: str, column: str, mapping: object) -> dict[str, str]:
    """``{the extract's value: the contract's}`` for one column of the contract's words, checked: the
    column is one (:func:`checked_words`) and each value maps to a value the contract reads.

    Examples
    --------
    >>> check_value_map("contacts", "channel", {"短信": "sms", " 电话 ": "call"})
    {'短信': 'sms', '电话': 'call'}
    >>> check_value_map("contacts", "channel", {"短信": "text"})
    Traceback (most recent call last):
    ...
    ValueError: columns: contacts: channel: '短信' maps to 'text', which the contract does not read (its values are \
sms, email, call, letter, app (any case)).
    """
    if (table, column) in _date_columns():
        return _missing_dates_map(table, column, mapping)
    where = [c for t, c in sorted(checked_words()) if t == table]
    if (table, column) not in checked_words():
        raise ValueError(f"columns: {table}: {column!r} maps to values, which only the columns of the contract's "
                         f"words take ({', '.join(where) or f'none in {table}'}).")
    if not isinstance(mapping, Mapping) or not mapping:
        raise ValueError(f"columns: {table}: {column} must map the extract's values to the contract's "
                         f"({{短信: sms}}), got {mapping!r}.")
    out: dict[str, str] = {}
    flag = (table, column) in flag_columns()
    for theirs, ours in mapping.items():
        if flag and isinstance(ours, bool):  # YAML's true/false
            ours = "true" if ours else "false"
        blank = flag and theirs == ""  # what a flag left blank means: the user says it, never guessed
        if not isinstance(theirs, str) or not isinstance(ours, str) or not (theirs.strip() or blank):
            raise ValueError(f"columns: {table}: {column}: {theirs!r}: {ours!r} must map a value to a value"
                             + (" (quote a key YAML reads as true or false: 'yes': true)" if flag else "") + ".")
        if not _known(pa.array([ours]), table, column)[0]:
            raise ValueError(f"columns: {table}: {column}: {theirs!r} maps to {ours!r}, which the contract does not "
                             f"read ({_reads((table, column))}).")
        out[theirs.strip()] = ours
    return out


@cache
def _date_columns() -> frozenset[tuple[str, str]]:
    return frozenset((t, c) for t, cols in DATE_COLUMNS.items() for c in cols)


def _missing_dates_map(table: str, column: str, mapping: object) -> dict[str, str]:
    """A date column's mapping: the extract's "no date" markers (``9999-12-31``), each to ``''`` (missing)."""
    if not isinstance(mapping, Mapping) or not mapping:
        raise ValueError(f"columns: {table}: {column} must map the extract's 'no date' markers to '' (missing), "
                         f"got {mapping!r}.")
    out: dict[str, str] = {}
    for theirs, ours in mapping.items():
        theirs = str(theirs) if isinstance(theirs, dt.date) else theirs  # YAML reads 9999-12-31 as a date
        if not isinstance(theirs, str) or not theirs.strip() or ours not in ("", None):
            raise ValueError(f"columns: {table}: {column}: {theirs!r}: {ours!r}: a date column's values map only "
                             "to '' (missing), its 'no date' marker: {'9999-12-31': ''}.")
        out[theirs.strip()] = ""
    return out


def _marker_hits(arr: pa.Array, keys: pa.Array) -> pa.Array:
    """Where a date column holds one of the marker texts ``keys`` (text compared trimmed; dates and times by
    their ISO date)."""
    if is_text(arr.type):
        return pc.fill_null(pc.is_in(pc.utf8_trim_whitespace(arr), value_set=keys), False)
    if pa.types.is_date(arr.type) or pa.types.is_timestamp(arr.type):
        return pc.fill_null(pc.is_in(pc.strftime(arr, format="%Y-%m-%d"), value_set=keys), False)
    return pa.array(np.zeros(len(arr), dtype=bool))


def map_values(col: pa.ChunkedArray | pa.Array, mapping: Mapping[str, str], *, words: bool = False,
               dates: bool = False) -> pa.Array:
    """Each value of ``col`` that ``mapping`` names (without its surrounding spaces) as the contract's value;
    with ``words`` (a list column, :data:`LIST_COLUMNS`) each word of each list, the words separated by
    ``,``, ``、`` or ``，`` and joined again by commas.

    Examples
    --------
    >>> map_values(pa.array(["短信", " 电话", "sms", None]), {"短信": "sms", "电话": "call"}).to_pylist()
    ['sms', 'call', 'sms', None]
    >>> map_values(pa.array(["短信、电话", "email,短信", ""]), {"短信": "sms", "电话": "call"}, words=True).to_pylist()
    ['sms,call', 'email,sms', '']

    With ``dates`` (a date column) the extract's "no date" markers become missing:

    >>> map_values(pa.array(["2024-03-01", " 9999-12-31"]), {"9999-12-31": ""}, dates=True).to_pylist()
    ['2024-03-01', None]
    """
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if dates:
        hits = _marker_hits(arr, pa.array(list(mapping), pa.string()))
        return pc.if_else(hits, pa.scalar(None, arr.type), arr)
    if "" in mapping:  # a flag's blank, as the user says it reads: missing values and blank text
        blank = mapping[""]
        if is_text(arr.type):
            arr = pc.if_else(pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True), blank, arr)
        elif pa.types.is_boolean(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
            from riskscore.schemas import FLAG_TRUE

            value = blank.strip().lower() in FLAG_TRUE
            arr = pc.fill_null(arr, pa.scalar(value).cast(arr.type))
            if pa.types.is_floating(arr.type):  # pandas' missing value in a float column is NaN
                arr = pc.if_else(pc.is_nan(arr), pa.scalar(float(value), arr.type), arr)
        mapping = {k: v for k, v in mapping.items() if k != ""}
    if not mapping or not is_text(arr.type):
        return arr
    if words:  # each distinct list once
        enc = pc.dictionary_encode(arr)
        lists = [None if v is None else ",".join(mapping.get(w.strip(), w.strip())
                                                 for w in re.split(_LIST_SEPARATORS, v) if w.strip())
                 for v in enc.dictionary.to_pylist()]
        return pc.take(pa.array(lists, arr.type), enc.indices)
    keys = pa.array(list(mapping), arr.type)
    idx = pc.index_in(pc.utf8_trim_whitespace(arr), value_set=keys)
    return pc.if_else(pc.is_valid(idx), pc.take(pa.array(list(mapping.values()), arr.type), idx), arr)


def missing_flags_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str
                          ) -> str | None:
    """The one-line refusal of a borrowers' flag column missing in more than half of a batch's rows (an
    extract that leaves a flag blank when it is not set), or ``None``: a missing flag is never read as
    false; the columns file may say what the extract's blank means (``{do_not_contact: {'': false}}``).

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(missing_flags_refusal(pa.array(["Y", None, None]), "borrowers", "deceased", "'b.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    borrowers 'b.csv': deceased is missing in 67% of the rows (the others: Y); a missing flag is never read as
    false: write the extract's no (N, false, 0, 否) in it, or state what its blank means in the columns file
    (borrowers: {deceased: {'': false}}, --columns FILE.yaml; columns= in Python)
    """
    if (table or "", column) not in flag_columns():
        return None
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not len(arr) or 2 * arr.null_count <= len(arr):
        return None
    others = list(dict.fromkeys(str(v) for v in arr.drop_null().slice(0, 1000).to_pylist()))[:3]
    return (f"{table} {where}: {column} is missing in {arr.null_count / len(arr):.0%} of the rows"
            + (f" (the others: {', '.join(others)})" if others else "")
            + "; a missing flag is never read as false: write the extract's no (N, false, 0, 否) in it, or state "
              f"what its blank means in the columns file ({table}: {{{column}: {{'': false}}}}, --columns FILE.yaml; "
              "columns= in Python)")


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
    if (table or "", column) not in _date_columns():
        return None
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if is_text(arr.type):
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
