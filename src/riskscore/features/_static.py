"""The user's own borrower columns: static features joined by ``borrower_id``, protected names refused.

A static column is a value of the borrowers table that does not come from the repayment history
(a credit limit, an income declared at application). It must be known at every as-of date the
features are built for: application data are; a credit limit raised after the as-of date is not
(the table then holds tomorrow's value, a leak the caller must avoid by giving the value as it
was at the as-of date).

Protected attributes are never features (``docs/design``: fairness is reported per group, never
learned): a column whose name looks like one of :data:`PROTECTED_ATTRIBUTES` (any case, ``_``,
``-``, ``.`` or space between words, as a whole word of the name: ``SEX``, ``marital-status``,
``age_years``), or like one the caller declares, is refused.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

from riskscore._numbers import styles_reading
from riskscore.exceptions import DataError, DataQualityWarning
from riskscore.schemas import borrowers_as_of, is_versioned

__all__ = ["PROTECTED_ATTRIBUTES", "categorical_features", "category_of", "learn_categories", "limit_features",
           "own_rows", "protected_match", "static_features"]

#: Names of protected attributes (the grounds of ECOA/Regulation B, the EU Charter art. 21 and
#: the UK Equality Act, with their usual column spellings). A static column whose name contains one
#: of them as whole words is refused: see :func:`protected_match`.
PROTECTED_ATTRIBUTES: tuple[str, ...] = (
    "sex", "gender", "age", "date_of_birth", "dob", "birth_date", "birthdate", "birthday", "year_of_birth",
    "race", "racial", "ethnicity", "ethnic", "ethnic_origin", "skin_colour", "skin_color", "religion",
    "religious", "belief", "marital_status", "marital", "marriage", "married", "civil_status", "nationality",
    "national_origin", "citizenship", "disability", "disabled", "pregnancy", "pregnant", "maternity",
    "sexual_orientation", "gender_identity", "genetic", "political_opinion", "trade_union", "union_membership",
)


def _words(name: str) -> list[str]:
    """``"Marital-Status"`` -> ``["marital", "status"]`` (also splits camelCase)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name))
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def protected_match(name: str, declared: Iterable[str] = ()) -> str | None:
    """The protected attribute ``name`` looks like, or None.

    ``name`` matches an attribute when the attribute's words appear in it as consecutive whole
    words (``age_years`` is ``age``; ``mortgage`` and ``usage`` are not), or when both read the
    same with separators removed (``maritalstatus``). ``declared`` adds the caller's own names.

    Examples
    --------
    >>> from riskscore.features import protected_match
    >>> protected_match("SEX"), protected_match("marital-status"), protected_match("age_years")
    ('sex', 'marital_status', 'age')
    >>> protected_match("mortgage_balance") is None, protected_match("region", declared=["region"])
    (True, 'region')
    """
    words = _words(name)
    compact = "".join(words)
    for attr in (*PROTECTED_ATTRIBUTES, *declared):
        target = _words(attr)
        k = len(target)
        if not target:
            continue
        if compact == "".join(target) or any(words[i:i + k] == target for i in range(len(words) - k + 1)):
            return str(attr)
    return None


def _as_float(borrowers: pd.DataFrame, column: str) -> np.ndarray:
    """The column as float: numbers and booleans as they are, number text read, empty text missing."""
    values = borrowers[column]
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype("string").str.strip()
    low = text.str.lower()
    text = text.mask(low.isin(["true", "false"]), low.map({"true": "1", "false": "0"}))
    text = text.mask(text == "")
    out = pd.to_numeric(text, errors="coerce")
    bad = out.isna() & text.notna()
    if bad.any():
        where = borrowers.index[bad.to_numpy()]
        shown = ", ".join(f"row {i}: {v!r}" for i, v in zip(where[:3], values[bad].head(3), strict=False))
        styles = styles_reading(values[bad].astype(str).to_numpy(dtype=object)[:1000])
        fix = (f"they read as {styles[0]!r}: read the file with --number-format {styles[0]!r} "
               f"(number_format={styles[0]!r} in Python)" if len(styles) == 1 else
               "give numbers or true/false, or, for a column of text categories (an employment type, a Y/N flag), "
               f"make it categorical: --categorical {column} (categorical= in Python)")
        raise DataError.from_message(
            "borrowers", f"borrowers: column '{column}' (a static feature) holds text that is not a number in "
                         f"{int(bad.sum())} row(s), e.g. {shown}; {fix}.")
    return out.to_numpy(dtype=float, na_value=np.nan)


def _check_ids(table_ids: pd.Series, ids: pd.Index, columns: Sequence[str]) -> None:
    """Ids that cannot match: numbers for text with leading zeros (an error), or no id in common (a warning)."""
    if len(ids) == 0 or len(table_ids) == 0:
        return
    text = ids.astype(str)
    if pd.api.types.is_numeric_dtype(table_ids.dtype):
        zeros = text[text.str.fullmatch(r"0\d+")]
        if len(zeros):
            raise DataError.from_message(
                "borrowers", f"borrowers: borrower_id holds numbers ({table_ids.dtype}) but the installments' ids are "
                             f"text with leading zeros (e.g. {zeros[0]!r}); read borrower_id as text, e.g. "
                             "pd.read_csv(path, dtype={'borrower_id': str}).")
    known = pd.Index(table_ids.astype(str).unique())
    if not text.isin(known).any():
        shown = ", ".join(repr(c) for c in columns[:3]) + (" ..." if len(columns) > 3 else "")
        warnings.warn(f"borrowers: none of the {len(ids)} borrowers has a row in the borrowers table (e.g. {text[0]!r} "
                      f"in the installments, {known[0]!r} in borrowers), so {shown} is missing for all of them; "
                      "check that both tables use the same borrower ids.", DataQualityWarning, stacklevel=5)


def _require_columns(borrowers: pd.DataFrame, columns: Sequence[str], option: str) -> None:
    missing = [c for c in ("borrower_id", *columns) if c not in borrowers.columns]
    if missing:
        raise DataError.from_message(
            "borrowers", f"borrowers: no column '{missing[0]}'" + (
                " (the borrowers table is keyed by borrower_id)" if missing[0] == "borrower_id" else
                f" (the feature builder's {option} columns need it: FeatureBuilder({option}=...), --{option})"))


def _one_per_borrower(values: pd.Series, column: str) -> pd.Series:
    """``values`` indexed by borrower id, one row per borrower; two different values for one are an error."""
    if not values.index.has_duplicates:
        return values
    spread = values.groupby(level=0).agg(lambda v: v.nunique(dropna=False))
    if (spread > 1).any():
        who = spread.index[(spread > 1).to_numpy()][0]
        raise DataError.from_message(
            "borrowers", f"borrowers: column '{column}' has different values for borrower {who!r} "
                         "(a static feature takes one value per borrower; in a table versioned in time, one per "
                         "borrower and valid_from).")
    return values[~values.index.duplicated()]


def own_rows(borrowers: pd.DataFrame, static: Sequence[str], categorical: Sequence[str], ids: pd.Index,
             as_of: pd.Timestamp) -> pd.DataFrame:
    """The rows of ``borrowers`` the own columns of ``ids`` are read from at ``as_of``: the table's
    columns and ids checked (on the whole table), then its rows in effect at ``as_of`` when it is
    versioned in time (:func:`riskscore.schemas.borrowers_as_of`; a borrower whose rows all start
    later has missing own columns, as one absent from the table)."""
    if static:
        _require_columns(borrowers, static, "static")
    if categorical:
        _require_columns(borrowers, categorical, "categorical")
    _check_ids(borrowers["borrower_id"], ids, [*static, *categorical])
    return borrowers_as_of(borrowers, as_of)


def static_features(borrowers: pd.DataFrame, columns: Sequence[str], ids: pd.Index) -> dict[str, np.ndarray]:
    """The static ``columns`` of ``borrowers`` (the rows :func:`own_rows` gives, which checks the
    columns and ids) as float arrays aligned on ``ids`` (NaN: borrower absent).

    Raises
    ------
    DataError
        Text that is not a number, or one borrower with two different values.
    """
    key = borrowers["borrower_id"].astype(str).to_numpy()
    out: dict[str, np.ndarray] = {}
    for column in columns:
        values = _one_per_borrower(pd.Series(_as_float(borrowers, column), index=key), column)
        out[str(column)] = values.reindex(ids.astype(str)).to_numpy(dtype=float)
    return out


def category_text(values: pd.Series) -> pd.Series:
    """A categorical column as stripped text (``string`` dtype), missing where empty.

    Whole numbers read as numbers keep no ``.0`` (a region code ``11`` read as ``11.0`` is ``"11"``),
    so a CSV and a parquet file of the same codes give the same categories.

    Examples
    --------
    >>> category_text(pd.Series([" salaried", "", None, 11.0])).tolist()
    ['salaried', <NA>, <NA>, '11']
    """
    if pd.api.types.is_float_dtype(values.dtype):
        x = values.to_numpy(dtype=float, na_value=np.nan)
        whole = pd.Series(np.isfinite(x) & (np.abs(x) < 2.0**53), index=values.index) & (values % 1 == 0)
        values = values.astype(object).where(~whole, values.where(whole, 0).astype("int64").astype(object))
    elif values.dtype == object:  # text and numbers mixed: the same rule for the numbers
        values = values.map(lambda v: int(v) if isinstance(v, float) and v.is_integer() else v)
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _categories_of(borrowers: pd.DataFrame, column: str, key: np.ndarray) -> pd.Series:
    """``column`` as category text indexed by ``key`` (the ids as text), one value per borrower."""
    return _one_per_borrower(pd.Series(category_text(borrowers[column]).to_numpy(dtype=object), index=key), column)


def categorical_features(borrowers: pd.DataFrame, categories: Mapping[str, Sequence[str]],
                         ids: pd.Index) -> dict[str, np.ndarray]:
    """Each categorical column of ``borrowers`` (the rows :func:`own_rows` gives, which checks the
    columns and ids) as a float code aligned on ``ids``.

    The code of a value is its position in the column's list of ``categories`` (0, 1, ...); a
    value not in the list (rare in training, or new since) is ``len(categories)``, "another
    value"; an empty or absent value (or a borrower absent from the table) is NaN.

    Raises
    ------
    DataError
        One borrower with two different values.
    """
    columns = list(categories)
    key, wanted = borrowers["borrower_id"].astype(str).to_numpy(), ids.astype(str)
    out: dict[str, np.ndarray] = {}
    for column in columns:
        values = _categories_of(borrowers, column, key).reindex(wanted)
        known = list(categories[column])
        codes = pd.Index(known).get_indexer(values.to_numpy(dtype=object)).astype(float)
        codes[codes < 0] = len(known)
        codes[values.isna().to_numpy()] = np.nan
        out[str(column)] = codes
    return out


def category_of(code: float, categories: Sequence[str]) -> str | None:
    """The category a code of :func:`categorical_features` stands for; None for "another value".

    A missing code (NaN) is the caller's to handle: it is no category.

    Examples
    --------
    >>> category_of(1.0, ["salaried", "self-employed"]), category_of(2.0, ["salaried", "self-employed"])
    ('self-employed', None)
    """
    code = float(code)
    return categories[int(code)] if code.is_integer() and 0 <= code < len(categories) else None


def _warn_case_only(values: pd.Index, column: str) -> None:
    """A DataQualityWarning when values of ``column`` differ only in case (``Salaried``, ``salaried``)."""
    text = pd.Series(values.astype(str), index=values.astype(str))
    groups = text.groupby(text.str.casefold().to_numpy()).agg(list)
    alike = [sorted(g) for g in groups if len(g) > 1]
    if alike:
        shown = "; ".join(" and ".join(repr(v) for v in g) for g in alike[:3])
        warnings.warn(f"borrowers: column '{column}' holds values that differ only in case ({shown}"
                      f"{'; ...' if len(alike) > 3 else ''}): they are different categories; if they are one, make "
                      "them the same text before training.", DataQualityWarning, stacklevel=3)


#: ``learn_categories``'s defaults: a value is a category of its own when at least this share of the
#: borrowers with a value (and at least ``MIN_BORROWERS`` of them) hold it; at most this many per column.
MIN_SHARE, MIN_BORROWERS, MAX_CATEGORIES = 0.01, 20, 30


def learn_categories(borrowers: pd.DataFrame, columns: Sequence[str], *, min_share: float = MIN_SHARE,
                     min_borrowers: int = MIN_BORROWERS,
                     max_categories: int = MAX_CATEGORIES) -> dict[str, list[str]]:
    """The categories of each text column of the borrowers table, most frequent first.

    A value is kept when at least ``min_share`` of the borrowers with a value in the column, and
    at least ``min_borrowers`` of them, hold it; at most ``max_categories`` per column, the most
    frequent (ties in text order). Values are compared as stripped text, case kept (``"Salaried"``
    and ``"salaried"`` are two categories: clean them first if they are one). The rest share the
    code "another value" in :class:`~riskscore.features.FeatureBuilder`. Values that differ only in
    case are named in a :class:`~riskscore.DataQualityWarning`.

    Parameters
    ----------
    borrowers : DataFrame
        The borrowers table (``borrower_id`` and the columns), one value per borrower; in a table
        versioned in time (``valid_from``), each value a borrower held counts once.
    columns : sequence of str
    min_share : float in [0, 1), default 0.01
    min_borrowers : int >= 1, default 20
    max_categories : int >= 1, default 30

    Returns
    -------
    dict
        ``{column: [category, ...]}``, for ``FeatureBuilder(categorical=...)``.

    Raises
    ------
    DataError
        A column is absent, or holds two different values for one borrower.

    Examples
    --------
    >>> from riskscore.features import learn_categories
    >>> table = pd.DataFrame({"borrower_id": range(100),
    ...                       "employment": ["salaried"] * 60 + ["self-employed"] * 35 + ["retired"] * 5})
    >>> learn_categories(table, ["employment"], min_borrowers=10)
    {'employment': ['salaried', 'self-employed']}
    """
    if not isinstance(columns, Sequence) or isinstance(columns, str) \
            or any(not isinstance(c, str) or not c for c in columns):
        raise ValueError(f"columns must be a list of column names, got {columns!r}.")
    if isinstance(min_share, bool) or not isinstance(min_share, Real) or not 0 <= min_share < 1:
        raise ValueError(f"min_share must be a number in [0, 1), got {min_share!r}.")
    for name, value in (("min_borrowers", min_borrowers), ("max_categories", max_categories)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}.")
    _require_columns(borrowers, columns, "categorical")
    key = borrowers["borrower_id"].astype(str).to_numpy()
    versioned = is_versioned(borrowers)
    out: dict[str, list[str]] = {}
    for column in columns:
        if versioned:  # each value a borrower held at some time, once
            text = pd.Series(category_text(borrowers[column]).to_numpy(dtype=object), index=key)
            held = text[~pd.DataFrame({"id": key, "value": text.to_numpy()}).duplicated().to_numpy()]
        else:
            held = _categories_of(borrowers, column, key)
        counts = held.dropna().value_counts()
        _warn_case_only(counts.index, column)
        counts = counts.reset_index().set_axis(["value", "n"], axis=1).sort_values(["n", "value"],
                                                                                   ascending=[False, True])
        floor = max(int(min_borrowers), int(np.ceil(min_share * counts["n"].sum())))
        out[str(column)] = [str(v) for v in counts.loc[counts["n"] >= floor, "value"].head(int(max_categories))]
    return out


#: The features derived from a credit limit (``FeatureBuilder(credit_limit=...)``), in output order.
LIMIT_FEATURES = ("utilisation", "latest_due_to_limit")


def limit_features(limit: np.ndarray, outstanding: np.ndarray, latest_due: np.ndarray) -> dict[str, np.ndarray]:
    """Amounts over the credit limit; missing where the limit is missing or not positive."""
    ok = np.isfinite(limit) & (limit > 0)
    safe = np.where(ok, limit, 1.0)
    return {"utilisation": np.where(ok, outstanding / safe, np.nan),
            "latest_due_to_limit": np.where(ok, latest_due / safe, np.nan)}
