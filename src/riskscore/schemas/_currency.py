"""The optional ``currency`` column of installments: one currency per run, training set and bundle.

riskscore does no FX conversion: every amount of a run (``amount_due``, ``amount_paid``, the
features summed from them, the settlement tolerance of the labels) is in one currency. A table
whose ``currency`` column names several is refused as a whole, with the codes and their row
counts; convert the amounts to one currency before riskscore, or split the extract per
currency and run each part (with a bundle trained on that currency).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskscore._validation import failures_from_mask
from riskscore.exceptions import DataError

__all__ = ["CURRENCY_PATTERN", "currency_codes", "currency_failures", "is_currency_code", "single_currency",
           "table_currency"]

#: An ISO 4217 code once upper-cased: three ASCII letters (``usd``, ``Twd`` and ``EUR`` are read).
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")


def currency_codes(values: pd.Series) -> pd.Series:
    """The cells of a ``currency`` column as the contract reads them: stripped and upper-cased text.

    Nulls stay null; anything that is not three letters is kept as it reads (the contract
    rejects it as ``currency_code``).

    Examples
    --------
    >>> import pandas as pd
    >>> currency_codes(pd.Series(["twd", " Usd", None, "US$"])).tolist()
    ['TWD', 'USD', None, 'US$']
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    read = np.array([str(u).strip().upper() for u in uniques] + [None], dtype=object)
    return pd.Series(read[codes], index=values.index, dtype=object)  # code -1 (null): the last, None


def is_currency_code(values: pd.Series) -> pd.Series:
    """Which cells (as :func:`currency_codes` reads them) are three-letter codes.

    Examples
    --------
    >>> import pandas as pd
    >>> is_currency_code(pd.Series(["TWD", "US$", None])).tolist()
    [True, False, False]
    """
    try:  # judged once per distinct cell
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells
        return values.map(lambda v: isinstance(v, str) and CURRENCY_PATTERN.fullmatch(v) is not None).astype(bool)
    ok = np.array([isinstance(v, str) and CURRENCY_PATTERN.fullmatch(v) is not None for v in uniques] + [False])
    return pd.Series(ok[codes], index=values.index, dtype=bool)


def single_currency(counts: Mapping[str, int], *, table: str = "installments", where: str | None = None) -> str | None:
    """The one currency of ``counts`` (rows per valid code), ``None`` for none; refuse several.

    Parameters
    ----------
    counts : mapping of str to int
        Rows per currency code (upper-case, valid codes only).
    table : str, default "installments"
        The table named in the message.
    where : str, optional
        The input named in the message (a path), when there is one.

    Raises
    ------
    riskscore.DataError
        With one line naming the currencies and their row counts, and how to proceed.

    Examples
    --------
    >>> single_currency({"TWD": 3}), single_currency({})
    ('TWD', None)
    >>> single_currency({"TWD": 30, "USD": 12})
    Traceback (most recent call last):
    ...
    riskscore.exceptions.DataError: installments: the currency column holds 2 currencies (TWD 30 rows, USD 12 rows); \
a run, a training set and a model bundle are in one currency and riskscore converts none: convert the amounts to one \
currency before riskscore, or split the extract by currency and run each part
    """
    found = {str(k): int(v) for k, v in counts.items() if int(v) > 0}
    if len(found) <= 1:
        return next(iter(found), None)
    ordered = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    listed = ", ".join(f"{k} {v:,} row{'s' if v != 1 else ''}" for k, v in ordered)
    name = f"{table} {where!r}" if where else table
    raise DataError.from_message(
        table, f"{name}: the currency column holds {len(found)} currencies ({listed}); a run, a training set and "
        "a model bundle are in one currency and riskscore converts none: convert the amounts to one currency before "
        "riskscore, or split the extract by currency and run each part")


def table_currency(installments: pd.DataFrame) -> str | None:
    """The currency of an installments table: its ``currency`` column's one code, ``None`` without one.

    Cells that are not a code (null, ``US$``) are ignored here (the contract rejects those rows).

    Raises
    ------
    riskscore.DataError
        When the column holds several currencies (see :func:`single_currency`).

    Examples
    --------
    >>> import pandas as pd
    >>> table_currency(pd.DataFrame({"currency": ["twd", "TWD", None]}))
    'TWD'
    >>> table_currency(pd.DataFrame({"amount_due": [1.0]})) is None
    True
    """
    if "currency" not in installments.columns:
        return None
    codes = currency_codes(installments["currency"])
    return single_currency(codes[is_currency_code(codes)].value_counts().to_dict())


def currency_failures(typed: pd.DataFrame) -> pd.DataFrame:
    """Rows whose ``currency`` (already read by :func:`currency_codes`) is not a three-letter code.

    A blank cell fails too: when the column holds any code, every row states its currency (a
    column with no value at all is read as absent).
    """
    return failures_from_mask(
        "installments", typed, ~is_currency_code(typed["currency"]), column="currency", check="currency_code",
        reason="currency must be an ISO 4217 code of three letters (USD, twd, ...), on every row once the column "
               "is given")
