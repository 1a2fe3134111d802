"""Cross-row checks that a column schema cannot express.

Each function takes a typed frame (see ``_coerce``) and returns failure cases in the standard
table (``riskscore._validation.FAILURE_COLUMNS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from riskscore._validation import concat_failures, empty_failures, failures_from_mask
from riskscore.schemas._population import first_in_group
from riskscore.schemas._tables import parse_channels

#: Quantile of paid dates that stands for the data's own latest date when none is given.
DATA_DATE_QUANTILE = 0.999
#: Default days a payment may lie beyond that quantile before it counts as "in the future".
FUTURE_TOLERANCE_DAYS = 31


def data_date_from(quantile: pd.Timestamp | None, future_tolerance_days: int, today: pd.Timestamp) -> pd.Timestamp:
    """The data date from the :data:`DATA_DATE_QUANTILE` of ``paid_date`` (``None``: no payments).

    The quantile's day plus ``future_tolerance_days``, never later than ``today``.

    Examples
    --------
    >>> import pandas as pd
    >>> str(data_date_from(pd.Timestamp("2025-03-01"), 31, pd.Timestamp("2025-12-31")).date())
    '2025-04-01'
    >>> str(data_date_from(None, 31, pd.Timestamp("2025-12-31")).date())
    '2025-12-31'
    """
    if quantile is None:
        return today
    return min(quantile.normalize() + pd.Timedelta(days=future_tolerance_days), today)


def quantile_day(days: np.ndarray, counts: np.ndarray) -> pd.Timestamp:
    """The day of the :data:`DATA_DATE_QUANTILE` of payments on ``days`` (day numbers since
    1970-01-01, ``counts`` payments each), linearly interpolated as pandas' ``quantile`` does, in
    exact integer arithmetic: the day a whole table and a day histogram give is the same day (a
    float product such as 0.988 x 250 = 246.99999 days once moved it by one).

    Examples
    --------
    >>> import numpy as np
    >>> str(quantile_day(np.array([18262, 18512]), np.array([12, 1])).date())  # 11.988 of 12 gaps
    '2020-09-04'
    """
    order = np.argsort(days, kind="stable")
    days, cum = np.asarray(days, dtype=np.int64)[order], np.cumsum(np.asarray(counts, dtype=np.int64)[order])
    n = int(cum[-1])
    num, den = Fraction(str(DATA_DATE_QUANTILE)).as_integer_ratio()
    lo_i, rest = divmod(num * (n - 1), den)
    lo = int(days[np.searchsorted(cum, lo_i + 1)])
    hi = int(days[np.searchsorted(cum, min(lo_i + 2, n))])
    return pd.Timestamp(lo + (hi - lo) * rest // den, unit="D")


def infer_data_date(paid_date: pd.Series, future_tolerance_days: int) -> pd.Timestamp | None:
    """The latest plausible payment date: a robust maximum of the data, capped at today.

    The 99.9th percentile of ``paid_date`` (:func:`quantile_day`) plus ``future_tolerance_days``
    (so a handful of mistyped far-future dates cannot raise it), and never later than today (UTC).
    """
    paid = paid_date.dropna()
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    if paid.empty:
        return data_date_from(None, future_tolerance_days, today)
    days, counts = np.unique(paid.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64),
                             return_counts=True)
    return data_date_from(quantile_day(days, counts), future_tolerance_days, today)


def _mixed(group: np.ndarray, n: int, values: pd.Series | np.ndarray) -> np.ndarray:
    """Rows of the groups whose ``values`` are not all equal (missing values equal each other).

    Numbers and times are compared as they are; other values (text) through their codes
    (or pass the codes of an earlier factorisation as an int64 array).
    """
    if isinstance(values, np.ndarray) and values.dtype == np.int64:
        codes = values
    elif values.dtype.kind in "fiuM" and not isinstance(values.dtype, pd.DatetimeTZDtype):
        codes = values.to_numpy()
        if codes.dtype.kind == "M":
            codes = codes.view(np.int64)  # NaT: one value
    else:
        codes = pd.factorize(values, use_na_sentinel=False)[0]
    first = first_in_group(group, n, codes)[group]
    differs = codes != first
    if codes.dtype.kind == "f":
        differs &= ~(np.isnan(codes) & np.isnan(first))
    return (np.bincount(group, weights=differs, minlength=n) > 0)[group]


def _differing(rows: pd.DataFrame, group: np.ndarray, columns: list[str]) -> list[str]:
    """Per row: the columns (of ``columns``) on which the row's group does not agree, as text."""
    spread = rows[columns].assign(_g=group).groupby("_g").nunique(dropna=False) > 1
    per_group = {g: ", ".join(c for c in columns if spread.at[g, c]) or "other columns" for g in spread.index}
    return [per_group[g] for g in group]


@dataclass(frozen=True)
class InstallmentKeys:
    """Integer codes of an installments table's keys, row by row: the loan (``loan_id``, 0..n_loan-1)
    and the installment (``loan_id, installment_no``, below n_inst; a code may have no row)."""

    loan: np.ndarray
    n_loan: int
    inst: np.ndarray
    n_inst: int
    borrower: np.ndarray | None = None  # codes of borrower_id, when known

    def rows(self, keep: np.ndarray | slice) -> InstallmentKeys:
        """The codes of the rows ``keep`` (a mask)."""
        return InstallmentKeys(self.loan[keep], self.n_loan, self.inst[keep], self.n_inst,
                               None if self.borrower is None else self.borrower[keep])


def installment_keys(df: pd.DataFrame, loan: np.ndarray | None = None,
                     borrower: np.ndarray | None = None) -> InstallmentKeys:
    """The loans' codes (``loan``: of an earlier factorisation, non-negative) and the installments
    numbered from them; ``borrower`` (codes of ``borrower_id``) is kept for the checks.

    Installment numbers are whole and close together within a loan, so an installment's code
    is its loan's offset plus its number's place in the loan's range (no hashing of 10^7 keys;
    codes of numbers a loan skips, and of loans without rows, are empty groups). Other numbers
    are factorised.
    """
    loan = pd.factorize(df["loan_id"])[0].astype(np.int64) if loan is None else loan
    n_loan = int(loan.max(initial=-1)) + 1
    keys = _installment_codes(df["installment_no"].to_numpy(), loan, n_loan)
    return InstallmentKeys(loan, n_loan, *keys, borrower=borrower)


def _installment_codes(numbers: np.ndarray, loan: np.ndarray, n_loan: int) -> tuple[np.ndarray, int]:
    if len(numbers) and n_loan and numbers.dtype.kind in "iuf":
        with np.errstate(invalid="ignore"):
            whole = numbers.dtype.kind in "iu" or bool((numbers == np.round(numbers)).all())
        if whole and np.abs(numbers).max() < 2**52:
            number = numbers.astype(np.int64)
            first = np.full(n_loan, np.iinfo(np.int64).max)
            last = np.full(n_loan, np.iinfo(np.int64).min)
            np.minimum.at(first, loan, number)
            np.maximum.at(last, loan, number)
            offset = np.r_[0, np.cumsum(np.where(last >= first, last - first + 1, 0))]
            if offset[-1] <= 2 * len(numbers) + 1024:  # ranges about as long as the rows
                return offset[loan] + number - first[loan], int(offset[-1])
    number = pd.factorize(numbers)[0].astype(np.int64)  # by its code: a huge number cannot overflow a key
    inst = pd.factorize(loan * (int(number.max(initial=-1)) + 1) + number)[0]
    return inst, int(inst.max(initial=-1)) + 1


def _in_shared_groups(group: np.ndarray, n: int) -> np.ndarray:
    """Positions of the rows whose group has another row (the only rows a group check can fail)."""
    return np.flatnonzero(np.bincount(group, minlength=n)[group] > 1)


def installment_checks(
    df: pd.DataFrame,
    *,
    data_date: pd.Timestamp | None,
    early_payment_tolerance_days: int,
    future_tolerance_days: int,
    keys: InstallmentKeys | None = None,
) -> pd.DataFrame:
    """Duplicates, inconsistent installments, impossible payment dates and amounts.

    Works on integer codes (one factorisation of the keys, or ``keys`` of an earlier one, then
    O(n) numpy; the checks within an installment read only the installments of several rows) so
    it stays fast on tens of millions of rows.
    """
    t = "installments"
    checks = []
    keys = installment_keys(df) if keys is None else keys
    loan, n_loan, inst, n_inst = keys.loan, keys.n_loan, keys.inst, keys.n_inst
    shared = _in_shared_groups(inst, n_inst)  # rows of installments with several rows
    sub = pd.factorize(inst[shared])[0]
    n_sub = int(sub.max(initial=-1)) + 1

    def scatter(mask_of_shared: np.ndarray) -> np.ndarray:
        out = np.zeros(len(df), dtype=bool)
        out[shared[mask_of_shared]] = True
        return out

    paid = df["paid_date"].to_numpy("datetime64[ns]").view(np.int64)
    due = df["due_date"].to_numpy("datetime64[ns]").view(np.int64)
    borrower = keys.borrower if keys.borrower is not None else \
        pd.factorize(df["borrower_id"], use_na_sentinel=False)[0].astype(np.int64)
    for col in ("borrower_id", "due_date", "amount_due"):
        values = borrower if col == "borrower_id" else df[col].iloc[shared]
        checks.append(failures_from_mask(
            t, df, scatter(_mixed(sub, n_sub, values[shared] if col == "borrower_id" else values)), column=col,
            check="consistent_per_installment",
            reason=f"rows of one installment (key loan_id, installment_no) disagree on {col}; every row of an "
                   f"installment (each payment, or the one unpaid row) carries the same {col}: keep one value",
            value_columns=["loan_id", "installment_no", col]))
    checks.append(failures_from_mask(
        t, df, _mixed(loan, n_loan, borrower), column="borrower_id", check="one_borrower_per_loan",
        reason="one loan_id belongs to several borrowers", value_columns=["loan_id", "borrower_id"]))

    has_payment = df["paid_date"].notna().to_numpy()
    paid_sub = has_payment[shared]
    paid_rows = np.bincount(sub, weights=paid_sub, minlength=n_sub)[sub]
    checks.append(failures_from_mask(
        t, df, scatter(~paid_sub & (paid_rows > 0)), column="paid_date", check="no_unpaid_row_beside_payments",
        reason="an 'unpaid' row (no paid_date) sits beside payment rows of the same installment",
        value_columns=["loan_id", "installment_no", "amount_paid"]))
    amount_paid = df["amount_paid"].to_numpy()
    checks.append(failures_from_mask(
        t, df, ~has_payment & (amount_paid > 0), column="paid_date",
        check="paid_date_present_when_amount_paid",
        reason="amount_paid > 0 but paid_date is missing", value_columns=["amount_paid", "paid_date"]))
    checks.append(failures_from_mask(
        t, df, has_payment & (amount_paid == 0), column="amount_paid",
        check="amount_paid_positive_when_dated",
        reason="paid_date is set but amount_paid is 0 (an unpaid installment has no paid_date)",
        value_columns=["amount_paid", "paid_date"]))

    first_due = np.full(n_loan, np.iinfo(np.int64).max)
    np.minimum.at(first_due, loan, due)
    slack = np.int64(early_payment_tolerance_days) * 86_400 * 10**9
    early = has_payment & (paid < first_due[loan] - slack)
    checks.append(failures_from_mask(
        t, df, early, column="paid_date", check=f"not_before_first_due(-{early_payment_tolerance_days}d)",
        reason=(f"paid more than {early_payment_tolerance_days} days before the loan's first due date "
                "(set early_payment_tolerance_days to allow it)"),
        value_columns=["loan_id", "paid_date"]))

    ref = data_date if data_date is not None else infer_data_date(df["paid_date"], future_tolerance_days)
    if ref is not None:
        late = has_payment & (paid > np.int64(pd.Timestamp(ref).value))
        how = "the given data_date" if data_date is not None else "the data's own latest date"
        checks.append(failures_from_mask(
            t, df, late, column="paid_date", check=f"not_after_data_date({ref.date()})",
            reason=f"paid_date lies after {how} ({ref.date()}): a payment cannot be in the future",
            value_columns=["paid_date"]))
    return concat_failures(checks)


def borrower_checks(df: pd.DataFrame) -> pd.DataFrame:
    """One row per borrower (per ``valid_from`` in a table versioned in time), and the preferred
    channel one the borrower allows."""
    return concat_failures([_unique_borrowers(df), _preferred_allowed(df)])


def _unique_borrowers(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of one borrower from one date (an empty ``valid_from``, or none, is one date: always)."""
    if "borrower_id" not in df.columns:
        return empty_failures()
    versioned = "valid_from" in df.columns and bool(df["valid_from"].notna().any())
    key = ["borrower_id", "valid_from"] if versioned else ["borrower_id"]
    twice = df.duplicated(subset=key, keep=False).to_numpy()
    return failures_from_mask(
        "borrowers", df, twice, column="borrower_id", check="field_uniqueness",
        reason="borrower_id must be unique per valid_from: the borrower has two rows from one date" if versioned
        else "borrower_id must be unique: it appears more than once", value_columns=key)


def _preferred_allowed(df: pd.DataFrame) -> pd.DataFrame:
    """The preferred channel must be one the borrower allows."""
    pref = df["preferred_channel"]
    try:  # judged once per distinct (preferred, allowed) pair: a portfolio has a handful of them
        p_codes, p_values = pd.factorize(pref, use_na_sentinel=False)
        a_codes, a_values = pd.factorize(df["channels_allowed"], use_na_sentinel=False)
        _, first, codes = np.unique(p_codes.astype(np.int64) * len(a_values) + a_codes, return_index=True,
                                    return_inverse=True)
        distinct = [(p_values[p_codes[i]], a_values[a_codes[i]]) for i in first]
    except TypeError:  # unhashable cells (lists of channels): row by row
        codes, distinct = np.arange(len(df)), list(zip(pref, df["channels_allowed"], strict=True))
    verdict = np.array([p is not None and not pd.isna(p) and p not in parse_channels(a) for p, a in distinct],
                       dtype=bool)
    outside = pd.Series(verdict[codes.ravel()] if len(verdict) else np.zeros(len(df), dtype=bool), index=df.index,
                        dtype=bool)
    return failures_from_mask(
        "borrowers", df, outside, column="preferred_channel", check="preferred_in_channels_allowed",
        reason="preferred_channel is not among channels_allowed",
        value_columns=["preferred_channel", "channels_allowed"])


#: The key of a contact: two rows of one key that differ elsewhere (direction, loan_id, destination) disagree.
CONTACT_KEY = ("borrower_id", "contacted_at", "channel", "outcome")


def contact_checks(df: pd.DataFrame, *, candidates: np.ndarray | None = None) -> pd.DataFrame:
    """Rows sharing a contact key (:data:`CONTACT_KEY`) that are not exact duplicates (those were dropped).

    ``candidates`` (a mask) may name rows among which every row sharing a key lies (those sharing
    their time with another row): only they are compared.
    """
    if candidates is None:
        shared = df.duplicated(subset=list(CONTACT_KEY), keep=False).to_numpy()
    else:
        shared = np.zeros(len(df), dtype=bool)
        shared[np.flatnonzero(candidates)] = df.loc[candidates].duplicated(
            subset=list(CONTACT_KEY), keep=False).to_numpy()
    if not shared.any():
        return failures_from_mask("contacts", df, shared, column="contacted_at", check="duplicate_key", reason="")
    rows = df.loc[shared]
    group = rows.groupby(list(CONTACT_KEY), sort=False).ngroup().to_numpy()
    columns = [c for c in ("direction", "loan_id", "destination") if c in rows.columns]
    what = _differing(rows, group, columns)
    out = failures_from_mask("contacts", df, shared, column="contacted_at", check="duplicate_key", reason="",
                             value_columns=["borrower_id", "contacted_at", "channel", "outcome"])
    out["reason"] = [f"several rows for borrower {b} {ch} {o} at {at} with different {cols}; log one contact as "
                     "one row (keep one)"
                     for b, ch, o, at, cols in zip(rows["borrower_id"], rows["channel"], rows["outcome"],
                                                    rows["contacted_at"], what, strict=True)]
    return out
