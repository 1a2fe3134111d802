"""Text numbers written the extract's way: the one code behind every reader's ``number_format``.

An extract exported from a spreadsheet or a European system writes amounts as ``1.234,56``
(decimal comma, dot groups), ``1 234,56`` or ``1,234.56``. Such text is never guessed: ``1,234``
is a thousand and more in one country and one and a bit in another. The user states the style
once, as a *template* of one thousand two hundred thirty-four and 56 hundredths written their way:

========================  =============================================
``number_format``         reads
========================  =============================================
``"1234.56"``             the default: plain numbers (no template needed)
``"1,234.56"``            comma groups, decimal point (US, UK, China)
``"1234,56"``             decimal comma, no groups
``"1.234,56"``            dot groups, decimal comma (Germany, Brazil ...)
``"1 234,56"``            space groups (also no-break spaces), decimal comma (France ...)
``"1'234.56"``            apostrophe groups, decimal point (Switzerland)
========================  =============================================

A value is read strictly: an optional sign, digits in groups of three after the first one to
three (groups are optional: ``1234,56`` reads under ``"1.234,56"`` too), then an optional decimal
separator and digits. Each value that matches becomes plain number text (``"-1234.56"``), so the
contracts parse it as they parse any number; a value that does not keeps its text with
``" (not NUMBER_FORMAT)"`` appended, so its row is rejected and the reject shows why. Under a
style with dot groups, ``12.5`` is refused (a group has three digits) and ``12.500`` is twelve
thousand five hundred: the stated style decides, never the value. Nothing here imports
riskscore above :mod:`riskscore.exceptions`.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["NUMBER_COLUMNS", "NUMBER_FORMATS", "convert_numbers", "looks_formatted", "number_spec", "styles_reading"]

#: The templates understood, and (group separators, decimal separator) of each.
NUMBER_FORMATS: dict[str, tuple[str, str]] = {
    "1234.56": ("", "."),
    "1,234.56": (",", "."),
    "1234,56": ("", ","),
    "1.234,56": (".", ","),
    "1 234,56": (" \u00a0\u202f", ","),
    "1 234.56": (" \u00a0\u202f", "."),
    "1'234.56": ("'\u2019", "."),
}
_SPACES = " \u00a0\u202f"
#: The contracts' number columns, read strictly (a value that does not match is a reject). Other
#: columns outside the contracts (a borrowers table's own columns: credit limits, incomes) are
#: converted where a value matches and left as they are where it does not.
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {"installments": ("installment_no", "amount_due", "amount_paid")}


def number_spec(number_format: object) -> str | None:
    """``number_format`` checked: one of :data:`NUMBER_FORMATS` (spaces of any kind as one), or ``None``.

    The plain style ``"1234.56"`` is returned as ``None`` (nothing to convert).

    Examples
    --------
    >>> number_spec("1.234,56"), number_spec("1\\u00a0234,56"), number_spec("1234.56"), number_spec(None)
    ('1.234,56', '1 234,56', None, None)
    >>> number_spec("1,23")
    Traceback (most recent call last):
    ...
    ValueError: number_format '1,23' is not one of '1234.56', '1,234.56', '1234,56', '1.234,56', '1 234,56', \
'1 234.56', "1'234.56" (one thousand two hundred thirty-four and 56 hundredths, written as the extract \
writes it).
    """
    if number_format is None:
        return None
    if not isinstance(number_format, str):
        raise TypeError(f"number_format must be a template such as '1.234,56' or None, got "
                        f"{type(number_format).__name__}.")
    template = re.sub(f"[{_SPACES}]", " ", number_format.strip()).replace("\u2019", "'")
    if template not in NUMBER_FORMATS:
        raise ValueError(f"number_format {number_format!r} is not one of "
                         + ", ".join(repr(t) for t in NUMBER_FORMATS)
                         + " (one thousand two hundred thirty-four and 56 hundredths, written as the extract "
                           "writes it).")
    return None if template == "1234.56" else template


@cache
def _pattern(template: str) -> re.Pattern[str]:
    groups, decimal = NUMBER_FORMATS[template]
    body = r"\d+"
    if groups:
        sep = "[" + re.escape(groups) + "]"
        body = rf"(?:\d{{1,3}}(?:{sep}\d{{3}})+|\d+)"
    return re.compile(rf"^\s*([+-]?)\s*({body})(?:{re.escape(decimal)}(\d+))?\s*$")


def _plain(value: str, pattern: re.Pattern[str], template: str, strict: bool) -> str:
    m = pattern.match(value)
    if m is None:
        return f"{value} (not {template})" if strict else value
    sign, whole, frac = m.groups()
    digits = re.sub(r"\D", "", whole)
    return f"{'-' if sign == '-' else ''}{digits}{'.' + frac if frac else ''}"


def convert_numbers(col: pa.Array | pa.ChunkedArray, number_format: str | None, *,
                    strict: bool = True) -> pa.Array | pa.ChunkedArray:
    """Text numbers written as ``number_format`` says, as plain number text (``"-1234.56"``).

    Each distinct value is read once. Values that do not match keep their text, with
    ``" (not NUMBER_FORMAT)"`` appended when ``strict`` (a contract's number column: the row is
    then a reject that shows why); missing values stay missing; a column that is not text
    (parquet numbers) or a ``None`` format is returned as it is.

    Examples
    --------
    >>> convert_numbers(pa.array(["1.234,56", "-12,5", "7", " 1.000.000 ", "1,234.56", None]), "1.234,56").to_pylist()
    ['1234.56', '-12.5', '7', '1000000', '1,234.56 (not 1.234,56)', None]
    >>> convert_numbers(pa.array(["1 234,56", "1\\u202f234,5"]), "1 234,56").to_pylist()
    ['1234.56', '1234.5']
    >>> convert_numbers(pa.array(["12.000,50", "gold"]), "1.234,56", strict=False).to_pylist()
    ['12000.50', 'gold']
    """
    template = number_spec(number_format)
    if template is None or not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return col
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], col.type)
    encoded = pc.dictionary_encode(col)
    distinct = encoded.dictionary.to_pylist()
    if not distinct:
        return col
    pattern = _pattern(template)
    plain = pa.array([_plain(v, pattern, template, strict) for v in distinct], pa.string())
    out = pc.take(plain, encoded.indices)
    return out.cast(col.type) if out.type != col.type else out


def looks_formatted(values: np.ndarray) -> bool:
    """Whether some of ``values`` (text that failed to read as plain numbers) look like numbers
    written with groups or a decimal comma (``1.234,56``, ``12,50``, ``1,234``): the reject's reason
    then names ``--number-format``."""
    pat = re.compile(rf"^\s*[+-]?\d[\d.,'{_SPACES}\u2019]*\d\s*$")
    return any(isinstance(v, str) and pat.match(v) and re.search(rf"[,'{_SPACES}\u2019]", v.strip())
               for v in values[:1000])


def styles_reading(values: np.ndarray) -> list[str]:
    """The number templates that read every one of ``values`` (a sample of the text that failed), most
    specific first: the style to suggest. Several mean the values read differently in each (``1,234``).

    Examples
    --------
    >>> styles_reading(np.array(["2,397.12", "83.89"], dtype=object))
    ['1,234.56']
    >>> styles_reading(np.array(["1.234,56", "12,5"], dtype=object))
    ['1.234,56']
    >>> styles_reading(np.array(["1,234"], dtype=object))
    ['1,234.56', '1234,56']
    """
    sample = [v for v in values[:1000] if isinstance(v, str)]

    def used(chars: str) -> bool:
        return bool(chars) and any(c in v for v in sample for c in chars)

    fits = [t for t in NUMBER_FORMATS if t != "1234.56" and all(_pattern(t).match(v) for v in sample)]
    ungrouped = {"1,234.56": "1234.56", "1'234.56": "1234.56", "1 234.56": "1234.56", "1.234,56": "1234,56",
                 "1 234,56": "1234,56"}
    # a style whose group separator never appears says no more than the same style without groups
    return [t for t in fits if used(NUMBER_FORMATS[t][0] + NUMBER_FORMATS[t][1])
            and (used(NUMBER_FORMATS[t][0]) or ungrouped.get(t) not in fits)]
