"""Public validation entry points: ``validate_*`` raise, ``quarantine`` sets bad rows aside."""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from numbers import Real
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow

from riskscore._compat import Interval, StrOptions, validate_params
from riskscore._dates import _date_spec, convert_dates, formats_for, is_number_format, split_zone
from riskscore._numbers import NUMBER_COLUMNS, convert_numbers, number_spec
from riskscore._pandera import pa
from riskscore._validation import (
    FAILURE_COLUMNS,
    check_columns_present,
    concat_failures,
    data_error,
    empty_failures,
    pandera_failures,
)
from riskscore.exceptions import DataQualityWarning
from riskscore.schemas._checks import (
    FUTURE_TOLERANCE_DAYS,
    InstallmentKeys,
    borrower_checks,
    contact_checks,
    installment_checks,
    installment_keys,
)
from riskscore.schemas._coerce import calendar_dates, coerce_frame, column_kind
from riskscore.schemas._currency import currency_codes, currency_failures, table_currency
from riskscore.schemas._ids import id_text
from riskscore.schemas._schema_run import passes
from riskscore.schemas._tables import (
    CHANNELS,
    OPTIONAL_COLUMNS,
    OUTCOMES,
    BorrowersSchema,
    ContactsSchema,
    InstallmentsSchema,
)

__all__ = [
    "DUPLICATES_DROPPED",
    "contract_columns",
    "quarantine",
    "validate_borrowers",
    "validate_contacts",
    "validate_installments",
]

Table = Literal["installments", "borrowers", "contacts"]
#: The key of ``DataFrame.attrs`` where :func:`quarantine` and ``validate_*`` put how many exact
#: duplicate rows they dropped (rows equal to an earlier row on every contract column).
DUPLICATES_DROPPED = "duplicates_dropped"
#: The columns ``quarantine`` adds to its rejects (an input column of the same name is replaced).
_FAILURE_FIELDS = ("reason", "column", "check")
_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "installments": InstallmentsSchema, "borrowers": BorrowersSchema, "contacts": ContactsSchema,
}
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^greater_than_or_equal_to\((.*)\)$"), "{col} must be >= {0}"),
    (re.compile(r"^str_length"), "{col} must be a non-empty string"),
    (re.compile(r"^isin"), "{col} must be one of the contract's values"),
    (re.compile(r"^str_matches"), "{col} must be a language code such as 'en', 'zh' or 'zh-CN'"),
    (re.compile(r"^field_uniqueness$|^unique"), "{col} must be unique: it appears more than once"),
    (re.compile(r"^is_iana_timezone$"), "{col} is not an IANA time-zone name (e.g. 'Asia/Shanghai'); an offset such "
                                        "as UTC+8 or +08:00 names no zone (daylight saving and holidays follow the "
                                        "zone): map each of your values to its zone in the columns file, borrowers: "
                                        "{{timezone: {{'UTC+8': Asia/Shanghai}}}}"),
    (re.compile(r"^channels_in_vocabulary$"),
     "{col} must be a comma-separated list of " + ", ".join(CHANNELS)),
    (re.compile(r"^dated_channels_in_vocabulary$"),
     "{col} must be a comma-separated list of " + ", ".join(CHANNELS) + ", each optionally @YYYY-MM-DD"),
    (re.compile(r"^destinations_in_vocabulary$"),
     "{col} must be a comma-separated list of channel:id (an id of letters, digits, '_', '.' or '-')"),
    (re.compile(r"^is_calendar_date$"), "{col} must be a calendar date (no time of day); if the extract writes "
                                        "when it happened, give its date on the lender's calendar (in SQL: the "
                                        "timestamp in the lender's time zone, cast to DATE)"),
    (re.compile(r"^are_iana_timezones$"),
     "{col} must be a comma-separated list of IANA time-zone names (e.g. 'America/New_York')"),
    (re.compile(r"^is_hour_ranges$"),
     "{col} must be a comma-separated list of local HH:MM-HH:MM ranges (e.g. '12:00-14:00')"),
    (re.compile(r"^not_nullable$"), "{col} is required but missing"),
]


@cache
def contract_columns(table: str) -> tuple[str, ...]:
    """The columns of a table's contract (required and optional), in contract order.

    What the contracts read of an input; everything else a lender's extract carries (names,
    phone numbers) is never copied into an output, such as the ``values`` of ``rejects.parquet``.

    Examples
    --------
    >>> contract_columns("contacts")
    ('borrower_id', 'contacted_at', 'channel', 'outcome', 'direction', 'loan_id', 'destination')
    """
    return tuple(_SCHEMAS[table].to_schema().columns)


def _reason(column: str, check: str) -> str:
    for pattern, text in _REASONS:
        m = pattern.search(check)
        if m:
            return text.format(*m.groups(), col=column)
    return f"{column} fails {check}"


def _pandera_failures(table: str, err: pa.errors.SchemaErrors) -> pd.DataFrame:
    out = pandera_failures(table, err, _reason)
    if table == "contacts":
        outcome = out["column"].eq("outcome")
        out.loc[outcome, "reason"] = "outcome must be one of " + ", ".join(OUTCOMES)
    return out[FAILURE_COLUMNS]


def _collect(table: Table, df: Any, compare: Sequence[str] = (),
             **options: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.Index]:
    """Run every check on ``df``; return (typed frame, failure cases, exact duplicates dropped).

    The typed frame and the failure cases leave out the dropped rows (see :func:`_exact_duplicates`);
    ``compare``: more columns two rows must share to be exact duplicates.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame, got {type(df).__name__} instead.")
    model = _SCHEMAS[table]
    schema = model.to_schema()
    optional = OPTIONAL_COLUMNS[table]
    missing = check_columns_present(table, df, [c for c in schema.columns if c not in optional])
    if len(missing):
        raise data_error(table, missing)
    if not df.index.is_unique:
        df = df.reset_index(drop=True)
    # a currency column without a single value (as validation fills an absent one) states no currency
    given_currency = table == "installments" and "currency" in df.columns and bool(df["currency"].notna().any())
    if given_currency:
        df = df.assign(currency=currency_codes(df["currency"]))
    absent = {c: v for c, v in optional.items() if c not in df.columns}
    if absent:
        df = df.assign(**{c: _default_column(v, schema.columns[c], df.index) for c, v in absent.items()})
    codes: dict[str, tuple[np.ndarray, pd.Series]] = {}
    typed, failures = coerce_frame(table, df, schema, codes)
    if given_currency:
        failures = concat_failures([failures, currency_failures(typed)])
        table_currency(typed.loc[~typed.index.isin(failures["index"])])  # several currencies: refused whole
    read = ~typed.index.isin(failures["index"]) if len(failures) else slice(None)
    readable = typed.loc[read] if len(failures) else typed
    codes = {name: (c[read], distinct) for name, (c, distinct) in codes.items()}  # of the readable rows
    compared = [*schema.columns, *(c for c in compare if c in readable.columns and c not in schema.columns)]
    dropped, options = _duplicates_and_keys(table, readable, compared, options, codes)
    clean = readable.drop(index=dropped) if len(dropped) else readable
    if len(dropped):
        kept = ~readable.index.isin(dropped)
        codes = {name: (c[kept], distinct) for name, (c, distinct) in codes.items()}
    checked = passes(schema, clean, codes)  # the schema's column contract without pandera's copies, when all pass
    pandera_failures = empty_failures()
    try:
        if checked is None:  # something fails: pandera judges and reports, as always
            checked = clean
            checked = schema.validate(clean, lazy=True)
    except pa.errors.SchemaErrors as err:
        pandera_failures = _pandera_failures(table, err)
        # the frame as coerced before the schema (which coerces only what it accepts): absent
        # columns as the Python values they default to
        checked = checked.assign(**{c: pd.Series([v] * len(checked), index=checked.index, dtype=object)
                                    for c, v in absent.items()}) if absent else checked
    cross = _cross_row_checks(table)(clean, **options) if len(clean) else empty_failures()
    return checked, concat_failures([failures, pandera_failures, cross]), dropped


def _default_column(value: object, column: pa.Column, index: pd.Index) -> pd.Series:
    """The column an absent optional column reads as: ``value`` in every row, in the contract's dtype
    for text (as the schema would coerce it), else as Python objects (read like any input)."""
    if column_kind(column.dtype) == "date" and value is None:  # no date (valid_from): nothing to parse
        return pd.Series(np.full(len(index), np.datetime64("NaT", "ns")), index=index)
    if column_kind(column.dtype) == "str" and (value is None or isinstance(value, str)):
        cells = pyarrow.nulls(len(index), pyarrow.large_string()) if value is None else \
            pyarrow.repeat(pyarrow.scalar(value, pyarrow.large_string()), len(index))
        return pd.Series(pd.array(cells, dtype="str"), index=index)
    return pd.Series([value] * len(index), index=index, dtype=object)


#: Columns whose equality is necessary for two rows to be exact duplicates, or to share a key, per
#: table: cheap to compare (numbers and times), they pick the few candidate rows read in full.
_DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "installments": ("installment_no", "due_date", "amount_due", "paid_date", "amount_paid"),
    "contacts": ("borrower_id", "contacted_at"),
    "borrowers": ("borrower_id",),
}


def _duplicates_and_keys(table: str, readable: pd.DataFrame, columns: list[str], options: dict[str, Any],
                         codes: dict[str, tuple[np.ndarray, pd.Series]]) -> tuple[pd.Index, dict[str, Any]]:
    """The exact duplicates among ``readable``, and the cross-row checks' ``options`` with the codes
    found on the way (installment keys; contacts that share their time), for the rows kept.
    ``codes``: the id columns' codes from parsing them (of the readable rows)."""
    keys = None
    if table == "installments" and len(readable):
        keys = installment_keys(readable, *(codes[c][0] if c in codes else None for c in ("loan_id", "borrower_id")))
    candidates = _candidates(table, readable, keys, codes)
    dropped = _exact_duplicates(readable, columns, candidates)
    kept = ~readable.index.isin(dropped) if len(dropped) else slice(None)
    if keys is not None:
        options = options | {"keys": keys.rows(kept)}
    elif table == "contacts" and candidates is not None:
        options = options | {"candidates": candidates[kept]}
    return dropped, options


def _candidates(table: str, readable: pd.DataFrame, keys: InstallmentKeys | None,
                codes: dict[str, tuple[np.ndarray, pd.Series]] | None = None) -> np.ndarray | None:
    """Rows that share with another row their installment (``keys``), or else their values of
    :data:`_DUPLICATE_KEYS`: every exact duplicate, and every row sharing a key, is one of them.
    ``None``: no such columns (every row is a candidate). ``codes``: the id columns' codes (of the
    readable rows, from parsing them), used for those columns instead of factorizing them again."""
    if keys is not None:
        return np.bincount(keys.inst, minlength=keys.n_inst)[keys.inst] > 1
    columns = [c for c in _DUPLICATE_KEYS.get(table, ()) if c in readable.columns]
    if not columns or len(readable) < 2:
        return None
    return pd.Series(_row_hash(readable, columns, codes)).duplicated(keep=False).to_numpy()


def _row_hash(df: pd.DataFrame, columns: list[str],
              codes: dict[str, tuple[np.ndarray, pd.Series]] | None = None) -> np.ndarray:
    """A 64-bit mix of the rows' numbers, times and ids: rows equal on ``columns`` hash equal (as
    pandas compares them: every NaN is one value, ``-0.0 == 0.0``); unequal rows rarely do."""
    h = np.zeros(len(df), dtype=np.uint64)
    codes = codes or {}
    with np.errstate(over="ignore"):
        for k, c in enumerate(columns):
            bits = np.asarray(codes[c][0]).astype(np.int64).view(np.uint64) if c in codes else _bits(df[c])
            h = (h ^ bits) * np.uint64(0x9E3779B97F4A7C15 + 2 * k)
            h ^= h >> np.uint64(29)
    return h


def _bits(s: pd.Series) -> np.ndarray:
    """The cells as uint64, equal where pandas' ``duplicated`` reads them equal."""
    if isinstance(s.dtype, pd.DatetimeTZDtype) or s.dtype.kind in "mM":
        return np.asarray(s.array.asi8).view(np.uint64)  # NaT: one value
    if s.dtype.kind == "f":
        v = s.to_numpy(dtype=np.float64)
        return np.where(np.isnan(v), np.nan, v + 0.0).view(np.uint64)  # one NaN; -0.0 read as 0.0
    if s.dtype.kind in "iub":
        return s.to_numpy().astype(np.uint64)
    return pd.factorize(s, use_na_sentinel=False)[0].astype(np.uint64)


def _exact_duplicates(readable: pd.DataFrame, columns: list[str], candidates: np.ndarray | None = None) -> pd.Index:
    """Rows equal to an earlier row on every contract column, as the contract reads them: dropped.

    Read values are compared (ids as canonical text, dates as dates, codes upper-case), so
    ``"2024-03-01"`` and ``2024-03-01 00:00`` are one value; columns outside the contract (a
    row number, an extract timestamp) are not compared. ``readable`` leaves out the rows whose
    cells cannot be read: those are never dropped, they are rejected.

    Only ``candidates`` (a mask; see :func:`_candidates`) are compared in full: the same rows, in
    the same order, are found as by comparing every row on every column.
    """
    frame = readable[columns] if candidates is None else readable.loc[candidates, columns]
    if len(frame) < 2:
        return readable.index[:0]
    return frame.index[frame.duplicated(keep="first").to_numpy()]


def _cross_row_checks(table: Table) -> Callable[..., pd.DataFrame]:
    return {"installments": installment_checks, "borrowers": borrower_checks,
            "contacts": contact_checks}[table]


def _installment_options(
    data_date: object, early_payment_tolerance_days: int, future_tolerance_days: int
) -> dict[str, Any]:
    for name, value in (("early_payment_tolerance_days", early_payment_tolerance_days),
                        ("future_tolerance_days", future_tolerance_days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"The {name!r} parameter must be an int >= 0, got {value!r} instead.")
    ref = None if data_date is None else pd.Timestamp(data_date).normalize()
    return {"data_date": ref, "early_payment_tolerance_days": early_payment_tolerance_days,
            "future_tolerance_days": future_tolerance_days}


def validate_installments(
    installments: pd.DataFrame,
    *,
    data_date: str | pd.Timestamp | None = None,
    early_payment_tolerance_days: int = 90,
    future_tolerance_days: int = FUTURE_TOLERANCE_DAYS,
) -> pd.DataFrame:
    """Check an installments table against the contract and return it typed.

    Besides the column contract (:class:`~riskscore.schemas.InstallmentsSchema`) it checks
    what a column schema cannot see: rows of one installment (key ``loan_id, installment_no``)
    that disagree on borrower, due date or amount (``consistent_per_installment``; several
    payments of one installment, even on one day, are several rows, but a row equal to an
    earlier one on every contract column is an exact duplicate and is dropped); a loan shared
    by two borrowers; an "unpaid" placeholder row beside payment rows; ``amount_paid > 0`` without ``paid_date`` (and a
    ``paid_date`` with nothing paid); payments long before the loan's first due date; and
    payments after the data's own latest date.

    **Exact duplicates** (a row equal to an earlier one on every contract column, as read:
    ``"2024-03-01"`` and a datetime of that day are equal; other columns are not compared)
    are dropped before the checks, keeping the first; the returned frame's
    ``attrs["duplicates_dropped"]`` (:data:`riskscore.schemas.DUPLICATES_DROPPED`) counts them.

    **Currency**: the optional ``currency`` column holds an ISO 4217 code (three letters, any
    case; returned upper-case); a row with another value, or a blank cell beside codes, fails
    ``currency_code``. A table is in one currency: one holding several is refused whole
    (riskscore converts none: convert the amounts first, or split the extract by currency).

    Parameters
    ----------
    installments : pandas.DataFrame
        Columns ``borrower_id, loan_id, installment_no, due_date, amount_due, paid_date,
        amount_paid`` and optionally ``currency``; other columns are kept. Dates may be
        strings, dates or datetimes.
    data_date : date-like, optional
        The extract date: no payment may be dated after it. When omitted, the 99.9th
        percentile of ``paid_date`` plus ``future_tolerance_days`` (capped at today) is used.
    early_payment_tolerance_days : int, default 90
        How many days before a loan's first due date a payment may be dated.
    future_tolerance_days : int, default 31
        Slack added to the inferred data date.

    Returns
    -------
    pandas.DataFrame
        The same rows (less exact duplicates) with contract dtypes (dates as ``datetime64[ns]``).

    Raises
    ------
    riskscore.DataError
        With every failure at once: table, column, check, row count and example rows; or in
        one line when the ``currency`` column holds several currencies.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore import validate_installments
    >>> df = pd.DataFrame({"borrower_id": ["b1"], "loan_id": ["l1"], "installment_no": [1],
    ...     "due_date": ["2024-03-01"], "amount_due": [100.0], "paid_date": ["2024-03-03"],
    ...     "amount_paid": [100.0]})
    >>> validate_installments(df)["due_date"].dtype
    dtype('<M8[ns]')
    >>> validate_installments(pd.concat([df, df])).attrs["duplicates_dropped"]
    1
    >>> bad = df.assign(amount_due=-5.0)
    >>> try:
    ...     validate_installments(bad)
    ... except ValueError as err:
    ...     print(str(err).splitlines()[1])
    - 1 row(s) fail check 'greater_than_or_equal_to(0)' on column 'amount_due': amount_due must be >= 0
    """
    opts = _installment_options(data_date, early_payment_tolerance_days, future_tolerance_days)
    return _raise_or_return("installments", installments, **opts)


def validate_borrowers(borrowers: pd.DataFrame) -> pd.DataFrame:
    """Check a borrowers table against the contract and return it typed.

    Checks: unique ``borrower_id``; an IANA ``timezone``; ``channels_allowed`` a
    comma-separated subset of ``sms, email, call, letter, app`` (``""`` allows none);
    ``preferred_channel`` empty or one of the allowed channels; a language code; and the
    boolean flags ``do_not_contact, cease_requested, dispute_open, bankruptcy, deceased,
    vulnerable, hardship_declared`` (``true/false``, ``1/0`` and ``yes/no`` text is read).
    Optional columns (absent ones take their defaults, see
    :data:`riskscore.schemas.OPTIONAL_COLUMNS`): ``timezone_candidates`` (IANA zones),
    ``opt_outs`` and ``consents`` (channels), ``inconvenient_hours`` (``HH:MM-HH:MM`` ranges),
    ``destinations`` (``channel:id`` entries) and
    the flags ``attorney_represented, breathing_space, refuses_automated, complaint_open,
    time_barred``.

    Raises
    ------
    riskscore.DataError
        With every failure at once.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore import validate_borrowers
    >>> flags = dict.fromkeys(["do_not_contact", "cease_requested", "dispute_open",
    ...     "bankruptcy", "deceased", "vulnerable", "hardship_declared"], [False])
    >>> df = pd.DataFrame({"borrower_id": ["b1"], "timezone": ["Asia/Shanghai"],
    ...     "channels_allowed": ["sms,call"], "preferred_channel": ["sms"], "language": ["zh"],
    ...     **flags})
    >>> validate_borrowers(df)["vulnerable"].dtype
    dtype('bool')
    """
    return _raise_or_return("borrowers", borrowers)


def validate_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    """Check a contact log against the contract and return it typed.

    ``contacted_at`` must be timezone-aware (it is converted to UTC); a naive timestamp is an
    error rather than a guess. ``channel`` and ``outcome`` must come from the vocabularies in
    :data:`riskscore.schemas.CHANNELS` and :data:`riskscore.schemas.OUTCOMES`. Exact duplicate
    rows (equal on every contract column) are dropped and counted in
    ``attrs["duplicates_dropped"]``; rows of one borrower, time, channel and outcome that differ
    otherwise (direction, loan_id, destination) fail ``duplicate_key``.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore import validate_contacts
    >>> df = pd.DataFrame({"borrower_id": ["b1"], "contacted_at": ["2024-03-01T02:00:00Z"],
    ...     "channel": ["sms"], "outcome": ["message_sent"]})
    >>> str(validate_contacts(df)["contacted_at"].dtype)
    'datetime64[ns, UTC]'
    """
    return _raise_or_return("contacts", contacts)


def _raise_or_return(table: Table, df: pd.DataFrame, **options: Any) -> pd.DataFrame:
    checked, failures, dropped = _collect(table, df, **options)
    if len(failures):
        raise data_error(table, failures)
    checked.attrs[DUPLICATES_DROPPED] = len(dropped)
    return checked


@validate_params(
    {"df": [pd.DataFrame], "table": [StrOptions(set(_SCHEMAS))], "warn_above": [Interval(Real, 0, 1, closed="both")],
     "date_format": [str, Mapping, None], "number_format": [str, None], "compare": [list, tuple]},
    prefer_skip_nested_validation=True,
)
def quarantine(
    df: pd.DataFrame,
    table: Table = "installments",
    *,
    warn_above: float = 0.05,
    date_format: str | Mapping[str, str] | None = None,
    number_format: str | None = None,
    compare: Sequence[str] = (),
    **options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a table into rows that pass every check and rejected rows with their reasons.

    A borrower with any rejected row is rejected whole: all of its rows go to ``rejects``, so
    no borrower is ever half-scored. Only exact duplicates are dropped (a row equal to an
    earlier one on every contract column; the first is kept and judged): every other input row
    is in exactly one of the two outputs, and both outputs' ``attrs["duplicates_dropped"]``
    (:data:`riskscore.schemas.DUPLICATES_DROPPED`) count the dropped rows. Rows that share a
    key but differ (installments: ``consistent_per_installment``; contacts: ``duplicate_key``)
    are rejected, never dropped.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to check.
    table : {"installments", "borrowers", "contacts"}, default "installments"
        Which contract applies.
    warn_above : float in [0, 1], default 0.05
        Emit a :class:`~riskscore.DataQualityWarning` when more than this share of rows is
        rejected (it usually means a broken extract rather than a few bad borrowers).
    date_format : str or mapping, optional
        The strftime format of text dates (``"%d/%m/%Y"``), or one per column (``{"due_date":
        "%d/%m/%Y"}``), as the readers' ``date_format`` (:class:`riskscore.io.InputFormat`).
        Text that matches is read with it; text that does not is rejected (``date_format``).
        Without it text dates must be ISO 8601: day/month text is rejected, never guessed.
        ``rejects`` keep the dates as they came in.
    number_format : str, optional
        How text numbers are written, as a template of 1234.56 (``"1.234,56"``, ``"1,234.56"``;
        see :class:`riskscore.io.InputFormat`), for the contract's number columns (amounts,
        installment numbers). Text that does not match is rejected. Without it text numbers
        must be plain (``1234.56``). ``rejects`` keep the values as they came in.
    compare : sequence of str, default ()
        More columns two rows must share to be exact duplicates (the contract's are always
        compared): a borrowers table's own feature columns (``FeatureBuilder(static=...,
        categorical=...)``), so that two rows of one borrower with two credit limits are
        rejected (``field_uniqueness``) rather than one of them dropped unseen.
    **options
        Passed to the table's checks (for installments: ``data_date``,
        ``early_payment_tolerance_days``, ``future_tolerance_days``).

    Returns
    -------
    good : pandas.DataFrame
        The passing rows, typed as ``validate_<table>`` returns them.
    rejects : pandas.DataFrame
        The rejected rows as they came in, plus ``reason``, ``column`` and ``check`` (several
        failures of one row are joined with ``"; "``; an input column of one of these names is
        replaced).

    Raises
    ------
    riskscore.DataError
        When a required column is missing (no row can be judged then), or when the
        installments' ``currency`` column holds several currencies.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore import quarantine
    >>> df = pd.DataFrame({"borrower_id": ["b1", "b1", "b2"], "loan_id": ["l1", "l1", "l2"],
    ...     "installment_no": [1, 2, 1], "due_date": ["2024-03-01", "2024-04-01", "2024-03-05"],
    ...     "amount_due": [100.0, -1.0, 50.0], "paid_date": [None, None, "2024-03-05"],
    ...     "amount_paid": [0.0, 0.0, 50.0]})
    >>> good, rejects = quarantine(df, "installments", warn_above=1.0)
    >>> list(good["borrower_id"]), list(rejects["check"])
    (['b2'], ['borrower_has_rejected_rows', 'greater_than_or_equal_to(0)'])
    """
    if table == "installments":
        options = _installment_options(
            options.pop("data_date", None), options.pop("early_payment_tolerance_days", 90),
            options.pop("future_tolerance_days", FUTURE_TOLERANCE_DAYS)) | options
        if options["data_date"] is None and isinstance(df, pd.DataFrame) and "paid_date" in df:
            from riskscore.schemas._checks import infer_data_date

            options["data_date"] = infer_data_date(calendar_dates(df["paid_date"]), options["future_tolerance_days"])
    if isinstance(df, pd.DataFrame) and not df.index.is_unique:
        df = df.reset_index(drop=True)
    read = _plain_numbers(_iso_dates(df, table, date_format), table, number_spec(number_format))
    checked, failures, dropped = _collect(table, read, compare=compare, **options)
    rejected = df.index.isin(failures["index"].dropna().unique())
    ids = id_text(df["borrower_id"])[0]  # the ids as the contract reads them (1.0 and "1" are one borrower)
    bad_ids = ids[rejected].dropna().unique()
    gone = df.index.isin(dropped)
    whole = ids.isin(bad_ids).to_numpy() & ~gone  # an exact duplicate is dropped, even of a rejected borrower
    # the failure's reason, column and check replace input columns of those names (an extract may have any)
    rejects = df.loc[rejected | whole].drop(columns=list(_FAILURE_FIELDS), errors="ignore")
    per_row = failures.groupby("index", sort=False).agg(
        {"reason": "; ".join, "column": lambda c: "; ".join(dict.fromkeys(map(str, c))),
         "check": lambda c: "; ".join(dict.fromkeys(map(str, c)))})
    rejects = rejects.join(per_row, how="left")
    sibling = rejects["reason"].isna()
    rejects.loc[sibling, "reason"] = "another row of this borrower fails a check; borrower rejected whole"
    rejects.loc[sibling, "column"] = "borrower_id"
    rejects.loc[sibling, "check"] = "borrower_has_rejected_rows"
    # The typed rows of the one validation pass: a rejected row takes its whole borrower with it, so
    # the rows left passed every check in the context of the whole table (validating them again
    # alone would cost a second pass and could only re-infer a default data date from fewer rows).
    keep = df.index[~(rejected | whole | gone)]
    good = checked.loc[checked.index.isin(keep)] if len(keep) else df.loc[keep]
    good.attrs[DUPLICATES_DROPPED] = rejects.attrs[DUPLICATES_DROPPED] = len(dropped)
    if len(df) and len(rejects) / len(df) > warn_above:
        warnings.warn(
            f"quarantine set aside {len(rejects)} of {len(df)} {table} rows "
            f"({len(rejects) / len(df):.1%}); the most common check: "
            f"{failures['check'].value_counts().index[0]!r}. Inspect with "
            "rejects['check'].value_counts().", DataQualityWarning, stacklevel=4)  # past validate_params' 2 frames
    return good, rejects


def _as_text(v: object) -> str:
    return v if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v)


#: Per column: which cells to read (a test of the value) and the readers' Arrow conversion of their text.
_Conversion = tuple[Callable[[object], bool], Callable[[pyarrow.Array], pyarrow.Array]]


def _converted(df: pd.DataFrame, conversions: dict[str, _Conversion]) -> pd.DataFrame:
    """``df`` with the cells each column's test picks replaced by the Arrow converter's text of them
    (the readers' own conversion, for a frame already in memory); the caller's frame is not changed."""
    out = df
    for column, (picks, convert) in conversions.items():
        if column not in df:
            continue
        values = df[column]
        chosen = values.map(picks).to_numpy(dtype=bool)
        if not chosen.any():
            continue
        text = convert(pyarrow.array([_as_text(v) for v in values[chosen].astype(object)], pyarrow.string()))
        out = out.copy() if out is df else out
        column_out = values.astype(object).copy()
        column_out[chosen] = text.to_pylist()
        out[column] = column_out
    return out


def _is_str(v: object) -> bool:
    return isinstance(v, str)


def _is_local_time(v: object) -> bool:  # a time to read in a zone: text, or a timestamp without one
    return isinstance(v, str) or (isinstance(v, datetime.datetime) and v.tzinfo is None and not pd.isna(v))


def _is_number_date(v: object) -> bool:  # Unix time or a serial date: numbers, or their text
    return isinstance(v, str | int | float | np.number) and not isinstance(v, bool) and not pd.isna(v)


def _plain_numbers(df: pd.DataFrame, table: str, number_format: str | None) -> pd.DataFrame:
    """``df`` with the text of its contract number columns read with ``number_format``, as the readers do."""
    if number_format is None:
        return df
    return _converted(df, {c: (_is_str, lambda a: convert_numbers(a, number_format))
                           for c in NUMBER_COLUMNS.get(table, ())})


def _iso_dates(df: pd.DataFrame, table: str, date_format: str | Mapping[str, str] | None) -> pd.DataFrame:
    """``df`` with its text dates read with ``date_format`` and given as ISO 8601 text, as the readers do
    (a value that does not match keeps its text and `` (not FMT)``, which the contract rejects)."""
    if date_format is None:
        return df
    return _converted(df, {c: (_is_number_date if is_number_format(fmt) else _is_local_time if split_zone(fmt)[1]
                               else _is_str,
                               lambda a, fmt=fmt: convert_dates(a, fmt))
                           for c, fmt in formats_for(_date_spec(date_format), table).items()})
