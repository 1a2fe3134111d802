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
``"1,23,456.78"``         India's grouping: three digits, then pairs (``12,34,567.50``
                          is 1234567.5); the one template not of 1234.56
========================  =============================================

A template may carry the currency mark the extract writes with every amount (a spreadsheet's
currency format): ``"¥1,234.56"``, ``"$1,234.56"``, ``"1.234,56 €"``, ``"1,234.56元"``, ``"CNY 1,234.56"``
(a symbol, or a three-letter code, before or after the number as the template shows it). The mark
is then optional in each value (an empty cell of the format, a zero written plain), and a value
with another mark is refused: ``$100`` under ``"¥1,234.56"`` is a reject, never 100. The mark says
nothing the table's ``currency`` column does not: it is read, not checked against it.

Full-width characters (``１２３４．５６``, ``￥``, as a Chinese input method types them) are read as
their ASCII forms (Unicode NFKC) under every template, the plain ``"1234.56"`` included.

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
import unicodedata
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CURRENCY_SYMBOLS", "NUMBER_COLUMNS", "NUMBER_FORMATS", "convert_numbers", "fold_width", "looks_formatted",
           "number_spec", "styles_reading"]

#: The templates understood, and (group separators, decimal separator) of each.
NUMBER_FORMATS: dict[str, tuple[str, str]] = {
    "1234.56": ("", "."),
    "1,234.56": (",", "."),
    "1234,56": ("", ","),
    "1.234,56": (".", ","),
    "1 234,56": (" \u00a0\u202f", ","),
    "1 234.56": (" \u00a0\u202f", "."),
    "1'234.56": ("'\u2019", "."),
    "1,23,456.78": (",", "."),
}
#: India's lakh and crore grouping: the one template whose groups are not all of three digits.
_INDIAN = "1,23,456.78"
_SPACES = " \u00a0\u202f"
#: The contracts' number columns, read strictly (a value that does not match is a reject). Other
#: columns outside the contracts (a borrowers table's own columns: credit limits, incomes) are
#: converted where a value matches and left as they are where it does not.
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {"installments": ("installment_no", "amount_due", "amount_paid")}


#: Currency symbols a template may carry (besides any three-letter code such as CNY or EUR).
CURRENCY_SYMBOLS: tuple[str, ...] = ("US$", "HK$", "NT$", "R$", "S$", "A$", "C$", "Rs.", "Rs", "Rp", "RM", "kr.", "kr",
                                     "zł", "Kč", "Ft", "$", "¥", "€", "£", "₩", "₹", "₫", "₱", "฿", "₺", "₽", "₦", "₪",
                                     "₴", "元", "円")
_MARK = re.compile(r"^(?P<pre>" + "|".join(re.escape(m) for m in CURRENCY_SYMBOLS) + r"|[A-Z]{3})?\s*"
                   r"(?P<base>[^A-Z" + "".join(re.escape(m) for m in CURRENCY_SYMBOLS if len(m) == 1) + r"]+?)\s*"
                   r"(?P<post>" + "|".join(re.escape(m) for m in CURRENCY_SYMBOLS) + r"|[A-Z]{3})?$")


def fold_width(value: str) -> str:
    """Full-width digits, signs, separators and currency signs as their ASCII forms (NFKC).

    Examples
    --------
    >>> fold_width("￥１，２３４．５６"), fold_width("1234")
    ('¥1,234.56', '1234')
    """
    return value if value.isascii() else unicodedata.normalize("NFKC", value)

_SIDES = re.compile(r"^\s*[+-]?\s*(?P<pre>" + "|".join(re.escape(m) for m in CURRENCY_SYMBOLS) + r"|[A-Z]{3})?\s*"
                    r"(?P<num>[+-]?\d[\d.,'\s\u2019]*?)\s*"
                    r"(?P<post>" + "|".join(re.escape(m) for m in CURRENCY_SYMBOLS) + r"|[A-Z]{3})?\s*$")


def _marked(sample: list[str]) -> tuple[str, bool, list[str]] | None:
    """(mark, whether it comes first, the numbers without it) when every value of ``sample`` is a
    number and one currency mark stands on the same side of all those that carry one; else None."""
    found, numbers = set(), []
    for v in sample:
        m = _SIDES.match(fold_width(v))
        if m is None or (m["pre"] and m["post"]):
            return None
        if m["pre"] or m["post"]:
            found.add((m["pre"] or m["post"], bool(m["pre"])))
        numbers.append(m["num"])
    if len(found) != 1:
        return None
    mark, first = found.pop()
    return mark, first, numbers


def _parts(template: str) -> tuple[str, str, bool]:
    """(base template, currency mark or "", whether the mark comes first) of a checked template."""
    m = _MARK.match(template)
    if m is None:
        return template, "", False
    return m["base"], m["pre"] or m["post"] or "", bool(m["pre"])


def number_spec(number_format: object) -> str | None:
    """``number_format`` checked: one of :data:`NUMBER_FORMATS` (spaces of any kind as one), with or
    without a currency mark (:data:`CURRENCY_SYMBOLS` or a three-letter code), or ``None``.

    The plain style ``"1234.56"`` is returned as ``None`` (nothing to convert); with a mark, it is kept.

    Examples
    --------
    >>> number_spec("1.234,56"), number_spec("1\\u00a0234,56"), number_spec("1234.56"), number_spec(None)
    ('1.234,56', '1 234,56', None, None)
    >>> number_spec("￥1,234.56"), number_spec("1.234,56 €"), number_spec("CNY 1234.56")
    ('¥1,234.56', '1.234,56 €', 'CNY 1234.56')
    >>> number_spec("1,23")
    Traceback (most recent call last):
    ...
    ValueError: number_format '1,23' is not one of '1234.56', '1,234.56', '1234,56', '1.234,56', '1 234,56', \
'1 234.56', "1'234.56", '1,23,456.78' (one thousand two hundred thirty-four and 56 hundredths, written \
as the extract writes it; India's grouping as 1,23,456.78), with the currency mark it carries if any ('¥1,234.56', \
'1.234,56 €').
    """
    if number_format is None:
        return None
    if not isinstance(number_format, str):
        raise TypeError(f"number_format must be a template such as '1.234,56' or None, got "
                        f"{type(number_format).__name__}.")
    template = re.sub(f"[{_SPACES}]", " ", fold_width(number_format.strip().replace("\u2019", "'")))
    base, mark, first = _parts(template)
    if base not in NUMBER_FORMATS:
        raise ValueError(f"number_format {number_format!r} is not one of "
                         + ", ".join(repr(t) for t in NUMBER_FORMATS)
                         + " (one thousand two hundred thirty-four and 56 hundredths, written as the extract "
                           "writes it; India's grouping as 1,23,456.78), with the currency mark it carries if any "
                           "('¥1,234.56', '1.234,56 €').")
    if not mark:
        return None if base == "1234.56" else base
    apart = " " if template.strip() != (mark + base if first else base + mark) else ""
    return f"{mark}{apart}{base}" if first else f"{base}{apart}{mark}"


@cache
def _pattern(template: str) -> re.Pattern[str]:
    base, mark, first = _parts(template)
    groups, decimal = NUMBER_FORMATS[base]
    body = r"\d+"
    if base == _INDIAN:  # 1,234 / 12,345 / 1,23,456 / 12,34,56,789
        body = r"(?:\d{1,2}(?:,\d{2})*,\d{3}|\d+)"
    elif groups:
        sep = "[" + re.escape(groups) + "]"
        body = rf"(?:\d{{1,3}}(?:{sep}\d{{3}})+|\d+)"
    pre = rf"(?:{re.escape(mark)}\s*)?" if mark and first else ""      # -¥100 and ¥-100 both
    post = rf"(?:\s*{re.escape(mark)})?" if mark and not first else ""
    return re.compile(rf"^\s*([+-]?)\s*{pre}([+-]?)\s*({body})(?:{re.escape(decimal)}(\d+))?{post}\s*$")


def _plain(value: str, pattern: re.Pattern[str], template: str, strict: bool) -> str:
    m = pattern.match(fold_width(value))
    if m is None or (m[1] and m[2]):  # a sign on both sides of the mark
        return f"{value} (not {template})" if strict else value
    _, _, whole, frac = m.groups()
    digits = re.sub(r"\D", "", whole)
    return f"{'-' if '-' in (m[1], m[2]) else ''}{digits}{'.' + frac if frac else ''}"


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
    written with groups or a decimal comma (``1.234,56``, ``12,50``, ``1,234``) or with a currency
    mark (``¥1,234.56``): the reject's reason then names ``--number-format``."""
    pat = re.compile(rf"^\s*[+-]?\d[\d.,'{_SPACES}\u2019]*\d\s*$")
    sample = [v for v in values[:1000] if isinstance(v, str)]
    return (any(pat.match(v) and re.search(rf"[,'{_SPACES}\u2019]", v.strip()) for v in sample)
            or _marked(sample) is not None)


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
    >>> styles_reading(np.array(["¥2,397.12", "¥83.89", "0"], dtype=object)), styles_reading(np.array(["12 €"]))
    (['¥1,234.56'], ['1234.56 €'])
    """
    sample = [v for v in values[:1000] if isinstance(v, str)]
    marked = _marked(sample)
    if marked is not None:  # the styles of the numbers, written with their mark
        mark, first, numbers = marked
        gap = re.compile(rf"{re.escape(mark)}\s|\s{re.escape(mark)}")
        apart = " " if any(gap.search(fold_width(v)) for v in sample) else ""
        styles = styles_reading(np.array(numbers, dtype=object)) or ["1234.56"]
        return [f"{mark}{apart}{t}" if first else f"{t}{apart}{mark}" for t in styles]

    def used(chars: str) -> bool:
        return bool(chars) and any(c in v for v in sample for c in chars)

    fits = [t for t in NUMBER_FORMATS if t != "1234.56" and all(_pattern(t).match(v) for v in sample)]
    ungrouped = {"1,23,456.78": "1234.56", "1,234.56": "1234.56", "1'234.56": "1234.56", "1 234.56": "1234.56",
                 "1.234,56": "1234,56", "1 234,56": "1234,56"}
    if "1,234.56" in fits and _INDIAN in fits:  # India's grouping reads every value the same then: it says nothing more
        fits.remove(_INDIAN)
    # a style whose group separator never appears says no more than the same style without groups
    return [t for t in fits if used(NUMBER_FORMATS[t][0] + NUMBER_FORMATS[t][1])
            and (used(NUMBER_FORMATS[t][0]) or ungrouped.get(t) not in fits)]
