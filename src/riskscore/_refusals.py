"""One-line refusals of a column in the extract's own words (``短信`` for ``sms``, ``China Standard Time``,
``中文``, flags as ``有/无``) or mostly blank where the contract needs a value, and the columns file's
mapping of such values (forms of writing, such as amounts and dates, are :mod:`riskscore._form_refusals`).

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

from riskscore._dates import one_array
from riskscore._form_refusals import date_columns
from riskscore._input_format import is_text

__all__ = ["LIST_COLUMNS", "blank_columns", "check_value_map", "checked_words", "flag_columns", "is_separator",
           "list_separators", "map_values", "missing_values_refusal", "vocabulary_columns", "vocabulary_refusal"]


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
_LIST_SEPARATORS = ",、，"
#: Other separators an extract writes between a list's words (``sms|email``, ``sms;email``, ``sms/email``,
#: ``sms email``): never read unasked; the refusal names the one the values use, and the columns file
#: states it as mapping to the contract's comma (``channels_allowed: {'|': ','}``).
_OTHER_SEPARATORS = "|;/ +"


def list_separators(mapping: Mapping[str, str]) -> str:
    """The regular expression (a character class; Python's and Java's syntax alike) splitting a list
    column's words: the default separators and those the columns file states (``{'|': ','}``).

    Examples
    --------
    >>> print(list_separators({"短信": "sms"}), list_separators({"|": ",", "短信": "sms"}))
    [,、，] [,、，\\|]
    """
    stated = "".join(re.escape(k) for k in mapping if is_separator(k))
    return f"[{_LIST_SEPARATORS}{stated}]"


def is_separator(key: object) -> bool:
    """Whether a list column's mapping key states a separator (one character, neither a letter nor a digit)."""
    return isinstance(key, str) and len(key) == 1 and not key.isalnum()


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
    >>> print(vocabulary_refusal(pa.array(["['sms', 'call']", '["email"]']), "borrowers", "channels_allowed",
    ...                          "'b.csv'"))  # doctest: +NORMALIZE_WHITESPACE
    borrowers 'b.csv': channels_allowed holds lists written as Python or JSON text (['sms', 'call'] 50%, ["email"]
    50%): write each list as its words separated by commas (sms,email), e.g. df['channels_allowed'].str.join(',')
    before df.to_csv, or keep the lists in a parquet file (a list column is read as its words)
    """
    key = (table or "", column)
    arr = one_array(col)
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
    stated = ""
    if key in LIST_COLUMNS:  # a word of the list, not the list
        written = [v for v in others if _WRITTEN_LIST.match(v)]
        if 2 * len(written) > len(others):  # pandas' to_csv of a column of lists, or JSON
            return (f"{table + ' ' if table else ''}{where}: {column} holds lists written as Python or JSON text "
                    f"({', '.join(f'{v} {share:.0%}' for v, share in unknown[:3])}): write each list as its words "
                    f"separated by commas ({','.join(vocabulary_columns()[key][:2])}), e.g. "
                    f"df['{column}'].str.join(',') before df.to_csv, or keep the lists in a parquet file (a list "
                    "column is read as its words)")
        sep = _separator_used(others)
        split = f"[{_LIST_SEPARATORS}{re.escape(sep or '')}]"
        words = [w.strip() for v in [u for u, _ in unknown] + others[:50] for w in re.split(split, v) if w.strip()]
        strange = [w for w in words if w.lower() not in vocabulary_columns()[key]]
        if sep is not None and not strange:
            return (f"{table + ' ' if table else ''}{where}: {column} holds lists separated by {sep!r} "
                    f"({', '.join(f'{v} {share:.0%}' for v, share in unknown)}); it reads comma-separated "
                    f"lists of {', '.join(vocabulary_columns()[key])}: state the "
                    f"extract's separator in the columns file ({table}: {{{column}: {{{sep!r}: ','}}}}, --columns "
                    "FILE.yaml; columns= in Python)")
        example = strange[0] if strange else example
        stated = "" if sep is None else f"{sep!r}: ',', "
    return (f"{table + ' ' if table else ''}{where}: {column} holds values outside the contract's "
            f"({', '.join(f'{v} {share:.0%}' for v, share in unknown)}); {_reads(key)}: map the extract's to them "
            f"in the columns file ({table}: {{{column}: {{{stated}{example}: ...}}}}, --columns FILE.yaml; columns= "
            "in Python); what a value means is never guessed")


#: A list written as text by Python (``['sms', 'email']``) or JSON (``["sms","email"]``).
_WRITTEN_LIST = re.compile(r"^\s*\[.*\]\s*$")


def _separator_used(values: list[str]) -> str | None:
    """The one separator of :data:`_OTHER_SEPARATORS` the lists of a column (up to 50 distinct) use
    between their words, if they use exactly one (a list of one word uses none)."""
    found = None
    for v in values[:50]:
        seps = {c for c in _OTHER_SEPARATORS if c != " " and c in v} or ({" "} & set(v.strip()))  # "a | b": |
        if len(seps) > 1 or (seps and found not in (None, *seps)):
            return None
        found = next(iter(seps), found)
    return found


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
    if (table, column) in date_columns():
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
        if (table, column) in LIST_COLUMNS and is_separator(theirs):  # the extract's separator: {'|': ','}
            if ours != ",":
                raise ValueError(f"columns: {table}: {column}: {theirs!r}: {ours!r}: a separator of the extract's "
                                 f"lists maps to the contract's comma: {{{theirs!r}: ','}}.")
            out[theirs] = ours
            continue
        if flag and isinstance(ours, bool):  # YAML's true/false
            ours = "true" if ours else "false"
        blank = theirs == "" and (table, column) in blank_columns()  # what a blank means: the user says it
        if not isinstance(theirs, str) or not isinstance(ours, str) or not (theirs.strip() or blank):
            raise ValueError(f"columns: {table}: {column}: {theirs!r}: {ours!r} must map a value to a value"
                             + (" (quote a key YAML reads as true or false: 'yes': true)" if flag else "") + ".")
        if not _known(pa.array([ours]), table, column)[0]:
            raise ValueError(f"columns: {table}: {column}: {theirs!r} maps to {ours!r}, which the contract does not "
                             f"read ({_reads((table, column))}).")
        out[theirs.strip()] = ours
    return out


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
    ``,``, ``、``, ``，`` or a separator the mapping states (``{"|": ","}``) and joined again by commas.

    Examples
    --------
    >>> map_values(pa.array(["短信", " 电话", "sms", None]), {"短信": "sms", "电话": "call"}).to_pylist()
    ['sms', 'call', 'sms', None]
    >>> map_values(pa.array(["短信、电话", "email,短信", ""]), {"短信": "sms", "电话": "call"}, words=True).to_pylist()
    ['sms,call', 'email,sms', '']
    >>> map_values(pa.array(["SMS|email", "call"]), {"|": ","}, words=True).to_pylist()
    ['SMS,email', 'call']

    With ``dates`` (a date column) the extract's "no date" markers become missing:

    >>> map_values(pa.array(["2024-03-01", " 9999-12-31"]), {"9999-12-31": ""}, dates=True).to_pylist()
    ['2024-03-01', None]
    """
    arr = one_array(col)
    if dates:
        hits = _marker_hits(arr, pa.array(list(mapping), pa.string()))
        return pc.if_else(hits, pa.scalar(None, arr.type), arr)
    if "" in mapping:  # what the extract's blank means, as the user states it: missing values and blank text
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
        enc, split = pc.dictionary_encode(arr), list_separators(mapping)
        lists = [None if v is None else ",".join(mapping.get(w.strip(), w.strip())
                                                 for w in re.split(split, v) if w.strip())
                 for v in enc.dictionary.to_pylist()]
        return pc.take(pa.array(lists, arr.type), enc.indices)
    keys = pa.array(list(mapping), arr.type)
    idx = pc.index_in(pc.utf8_trim_whitespace(arr), value_set=keys)
    return pc.if_else(pc.is_valid(idx), pc.take(pa.array(list(mapping.values()), arr.type), idx), arr)


#: Required columns whose blank the columns file may state (``{'': ...}``), with what their blank is
#: never read as and an example of a statement.
_BLANKS = {("borrowers", "timezone"): ("a zone is never guessed: fill it in the extract (for a one-country "
                                       "portfolio, its zone)", "Asia/Shanghai"),
           ("borrowers", "language"): ("a language is never guessed: fill it in the extract", "zh"),
           ("borrowers", "channels_allowed"): ("a blank consent is never read as none: write \"\" (quoted in a CSV) "
                                               "for a borrower who allows no channel", "")}


@cache
def blank_columns() -> frozenset[tuple[str, str]]:
    """The required columns whose blank the columns file may state: the flags, timezone, language and
    channels_allowed (``{do_not_contact: {'': false}}``, ``{timezone: {'': Asia/Shanghai}}``)."""
    return flag_columns() | frozenset(_BLANKS)


def missing_values_refusal(col: pa.ChunkedArray | pa.Array, table: str | None, column: str, where: str
                           ) -> str | None:
    """The one-line refusal of a required borrowers column (:func:`blank_columns`) missing in more than
    half of a batch's rows (an extract that leaves a flag blank when it is not set, or has no time
    zones), or ``None``: a missing value is never guessed; the columns file may state what the
    extract's blank means (``{do_not_contact: {'': false}}``). A few blanks are the contract's row rejects.

    Examples
    --------
    >>> import pyarrow as pa
    >>> print(missing_values_refusal(pa.array(["Y", None, None]), "borrowers", "deceased", "'b.csv'"))
    ... # doctest: +NORMALIZE_WHITESPACE
    borrowers 'b.csv': deceased is missing in 67% of the rows (the others: Y); a missing flag is never read as
    false: write the extract's no (N, false, 0, 否) in it, or state what its blank means in the columns file
    (borrowers: {deceased: {'': false}}, --columns FILE.yaml; columns= in Python)
    """
    key = (table or "", column)
    if key not in blank_columns():
        return None
    arr = one_array(col)
    if not len(arr) or 2 * arr.null_count <= len(arr):
        return None
    others = list(dict.fromkeys(str(v) for v in arr.drop_null().slice(0, 1000).to_pylist()))[:3]
    why, example = _BLANKS.get(key, ("a missing flag is never read as false: write the extract's no (N, false, 0, "
                                     "否) in it", "false"))
    return (f"{table} {where}: {column} is missing in {arr.null_count / len(arr):.0%} of the rows"
            + (f" (the others: {', '.join(others)})" if others else "")
            + f"; {why}, or state what its blank means in the columns file ({table}: {{{column}: {{'': "
              f"{example if example else repr(example)}}}}}, --columns FILE.yaml; columns= in Python)")
