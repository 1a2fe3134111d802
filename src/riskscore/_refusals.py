"""One-line refusals of a column written in a way the contracts never guess: values in the extract's own
words (``短信`` for ``sms``, ``China Standard Time``, ``中文``) and contact times without a UTC offset.

A whole column (more than half of a batch) written so is refused before scoring, naming what it
holds and what the contract reads; a few strays are left to the contracts, which reject their rows.
The readers (:mod:`riskscore._intake`) call these on every text batch; the Spark engine checks a
local file on the driver the same way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskscore._input_format import is_text

__all__ = ["checked_words", "naive_times_refusal", "vocabulary_columns", "vocabulary_refusal"]

_NAIVE_TIME = r"^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*$"


def vocabulary_columns() -> dict[tuple[str, str], tuple[str, ...]]:
    """(table, column) -> the contract's values, for the columns read in any case without surrounding spaces."""
    from riskscore.schemas import CHANNELS, DIRECTIONS, OUTCOMES

    return {("contacts", "channel"): CHANNELS, ("contacts", "outcome"): OUTCOMES,
            ("contacts", "direction"): DIRECTIONS, ("borrowers", "preferred_channel"): CHANNELS}


#: Columns checked by :func:`vocabulary_refusal` besides the vocabularies: what the contract reads there.
_WORDS = {("borrowers", "timezone"): "IANA time-zone names such as Asia/Shanghai or America/New_York (any case)",
          ("borrowers", "language"): "language codes such as zh, en or zh-CN"}


def checked_words() -> set[tuple[str, str]]:
    """The (table, column) pairs whose text :func:`vocabulary_refusal` checks."""
    return set(vocabulary_columns()) | set(_WORDS)


def _known(values: pa.Array, table: str, column: str) -> np.ndarray:
    from riskscore._language import LANGUAGE_PATTERN
    from riskscore.schemas import valid_timezones

    trimmed = pc.utf8_trim_whitespace(values)
    if (table, column) == ("borrowers", "timezone"):
        zones = pa.array(sorted(z.lower() for z in valid_timezones()))
        known = pc.is_in(pc.utf8_lower(trimmed), value_set=zones)
    elif (table, column) == ("borrowers", "language"):
        known = pc.match_substring_regex(trimmed, f"^(?:{LANGUAGE_PATTERN.lstrip('^').rstrip('$')})$")
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
    call, letter, app (any case): map the extract's to them (短信 -> one of these, ...) before scoring; what a value
    means is never guessed
    >>> print(vocabulary_refusal(pa.array(["China Standard Time", "Asia/Shanghai", "UTC+8"]), "borrowers",
    ...                          "timezone", "'b.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    borrowers 'b.csv': timezone holds values outside the contract's (China Standard Time 33%, UTC+8 33%); it reads
    IANA time-zone names such as Asia/Shanghai or America/New_York (any case): map the extract's to them (China
    Standard Time -> one of these, ...) before scoring; what a value means is never guessed
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
    reads = (f"its values are {', '.join(vocabulary_columns()[key])} (any case)" if key in vocabulary_columns()
             else f"it reads {_WORDS[key]}")
    return (f"{table + ' ' if table else ''}{where}: {column} holds values outside the contract's "
            f"({', '.join(f'{v} {share:.0%}' for v, share in unknown)}); {reads}: map the extract's to them "
            f"({unknown[0][0]} -> one of these, ...) before scoring; what a value means is never guessed")


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
        naive = pc.fill_null(pc.match_substring_regex(values, _NAIVE_TIME), False)
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
