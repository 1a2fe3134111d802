"""Language codes, read one way everywhere: the primary subtag, lower case.

Every place that takes a language (``reason_codes``' ``language``/``fallback`` and the borrowers'
``language`` column, ``Scorer``/``score_portfolio``'s ``language``, the contact planner's message
templates) reads it through :func:`primary_language`, so ``EN``, ``en-US``, ``zh-CN``, ``zh_Hans``
and ``zh-Hans-CN`` all mean the catalogue they name (``en``, ``zh``). BCP 47 tags are
case-insensitive and POSIX locales use ``_``: both are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["LANGUAGE_PATTERN", "check_language", "primary_language", "primary_languages"]

#: What a language code may look like: a 2-3 letter primary subtag, then subtags after ``-`` or ``_``.
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$"
_SEP = re.compile(r"[-_]")


def primary_language(code: object) -> str | None:
    """The primary subtag of a language code, in lower case; ``None`` when missing or not text.

    Examples
    --------
    >>> from riskscore._language import primary_language
    >>> [primary_language(c) for c in ["EN", "en-US", "zh-CN", "zh_Hans", "zh-Hans-CN", " Zh "]]
    ['en', 'en', 'zh', 'zh', 'zh', 'zh']
    >>> primary_language(None) is None
    True
    """
    if not isinstance(code, str) or not code.strip():
        return None
    return _SEP.split(code.strip(), maxsplit=1)[0].lower()


def primary_languages(codes: pd.Series) -> pd.Series:
    """:func:`primary_language` of every value (missing stays missing), same index."""
    values, uniques = pd.factorize(codes)  # once per distinct code: a portfolio has a handful
    out = np.array([primary_language(c) for c in uniques] + [None], dtype=object)[values]
    missing = values < 0
    out[missing] = codes.to_numpy(dtype=object)[missing]  # missing stays as it was
    return pd.Series(out, index=codes.index, name=codes.name, dtype=object)


def check_language(code: object, name: str, supported: Iterable[str], caller: str) -> str:
    """``code`` as a supported primary language, or a ValueError naming the option and the choices.

    Examples
    --------
    >>> from riskscore._language import check_language
    >>> check_language("zh_Hans", "language", ("en", "zh"), "reason_codes")
    'zh'
    >>> check_language("fr-FR", "language", ("en", "zh"), "reason_codes")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The 'language' parameter of reason_codes must be one of 'en', 'zh' (...). Got 'fr-FR' instead.
    """
    supported = tuple(supported)
    primary = primary_language(code)
    if primary not in supported:
        choices = ", ".join(repr(s) for s in supported)
        raise ValueError(f"The {name!r} parameter of {caller} must be one of {choices} (any case, with or without a "
                         f"region: 'en-US', 'zh_Hans'). Got {code!r} instead.")
    return primary
