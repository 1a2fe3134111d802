"""Adapters for the public data sets in ``../shared/data`` (never copied into the repository).

Each maps a file onto the ``installments`` contract so the whole pipeline runs on it, and keeps
the outcome and the protected attributes aside: they are never features.

Their outcomes concern every borrower of the file (a new application's default, next month's
default), not only those who owe something at ``as_of``: each returns ``population="all"``, the
:class:`~riskscore.features.FeatureBuilder` population to build its features with. The builder's
default (``"outstanding"``, the collections scoring population) keeps 34 of the 3,076 Home Credit
borrowers, and warns when it keeps under 10 %.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["RealData", "load_home_credit", "load_uci_taiwan"]


@dataclass(frozen=True)
class RealData:
    """A real data set mapped onto riskscore's contracts.

    Attributes
    ----------
    installments : pandas.DataFrame
        The ``installments`` contract (validate or quarantine it before use).
    outcomes : pandas.DataFrame
        Indexed by ``borrower_id``: ``target`` (1 = the data set's adverse outcome).
    protected : pandas.DataFrame
        Indexed by ``borrower_id``: protected attributes, for fairness reports only.
    as_of : pandas.Timestamp
        The date the outcome is predicted from (all history is before it).
    source : str
        Citation of the data set.
    population : {"all", "outstanding"}, default "all"
        The :class:`~riskscore.features.FeatureBuilder` population the outcome is defined on:
        build features with ``FeatureBuilder(population=data.population)``. ``"all"``: every
        borrower with an installment due by ``as_of`` gets a row (the default ``"outstanding"``
        would keep only those who owe something then).

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.datasets import RealData
    >>> empty = pd.DataFrame()
    >>> data = RealData(empty, empty, empty, pd.Timestamp("2005-09-30"), "example")
    >>> data.as_of.year, data.population
    (2005, 'all')
    """

    installments: pd.DataFrame
    outcomes: pd.DataFrame
    protected: pd.DataFrame
    as_of: pd.Timestamp
    source: str
    population: str = "all"


def _file(path: str | os.PathLike[str], name: str) -> Path:
    p = Path(path)
    p = p / name if p.is_dir() else p
    if not p.exists():
        raise FileNotFoundError(f"No such file: '{p}'. The data sets are described in ../shared/data/README.md.")
    return p


def load_home_credit(path: str | os.PathLike[str], *, application_date: str = "2018-06-01") -> RealData:
    """Home Credit Default Risk (1 % sample): installment history and ``TARGET``.

    Mapping onto the installments contract:

    * ``borrower_id`` = ``SK_ID_CURR``, ``loan_id`` = ``SK_ID_PREV``; dates are
      ``application_date + DAYS_*`` (the data are in days relative to each application, so all
      applicants share one application date, which is also ``as_of``).
    * An installment is one (loan, due day). Home Credit's ``NUM_INSTALMENT_NUMBER`` can repeat
      with another due day or another ``NUM_INSTALMENT_VERSION`` amount, so installments are
      renumbered by due day; when versions prescribe different amounts for the same due day,
      the largest counts as ``amount_due`` and every payment counts towards it.
    * A row with no payment (empty ``DAYS_ENTRY_PAYMENT``) or a zero payment is an unpaid row,
      dropped when the same installment has real payments.

    ``outcomes.target`` is ``TARGET`` (1 = payment difficulties on the new loan); ``protected``
    holds ``CODE_GENDER``, age in years and ``NAME_FAMILY_STATUS``.

    Population: the outcome concerns every applicant, so ``population`` is ``"all"``: build the
    features with ``FeatureBuilder(population=data.population)``. The builder's default
    (``"outstanding"``) keeps only the applicants with an earlier loan still owed at ``as_of``
    (34 of 3,076 on the 1 % sample) and warns (DataQualityWarning) when it keeps under 10 %.

    Parameters
    ----------
    path : path-like
        The folder ``home_credit_1pct`` or its ``in_pay_samp.csv.gz``.
    application_date : date-like, default "2018-06-01"
        The date standing for "day 0" of the relative day counts.

    Examples
    --------
    >>> from riskscore.datasets import load_home_credit
    >>> from riskscore.features import FeatureBuilder
    >>> data = load_home_credit("../shared/data/home_credit_1pct")  # doctest: +SKIP
    >>> data.installments.shape, data.outcomes["target"].mean()  # doctest: +SKIP
    >>> X = FeatureBuilder(population=data.population).transform(data.installments, data.as_of)  # doctest: +SKIP
    """
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    raw = pd.read_csv(_file(folder, "in_pay_samp.csv.gz"), index_col=0)
    apps = pd.read_csv(_file(folder, "app_samp.csv.gz"), index_col=0)
    day0 = pd.Timestamp(application_date)
    df = pd.DataFrame({
        "borrower_id": raw["SK_ID_CURR"].astype(str).to_numpy(),
        "loan_id": raw["SK_ID_PREV"].astype(str).to_numpy(),
        "due_day": raw["DAYS_INSTALMENT"].astype(int).to_numpy(),
        "number": raw["NUM_INSTALMENT_NUMBER"].astype(int).to_numpy(),
        "prescribed": raw["AMT_INSTALMENT"].to_numpy(float),
        "paid_day": raw["DAYS_ENTRY_PAYMENT"].to_numpy(float),
        "amount_paid": raw["AMT_PAYMENT"].fillna(0.0).to_numpy(float),
    })
    no_payment = df["paid_day"].isna() | (df["amount_paid"] <= 0)
    df.loc[no_payment, ["paid_day", "amount_paid"]] = [np.nan, 0.0]
    key = ["loan_id", "due_day"]
    df["amount_due"] = df.groupby(key)["prescribed"].transform("max").round(2)
    df["installment_no"] = df.groupby("loan_id")["due_day"].rank(method="dense").astype(np.int64)
    has_payment = (~no_payment).groupby([df["loan_id"], df["due_day"]]).transform("any")
    df = df[~(no_payment & has_payment)]
    df = df.drop_duplicates(["loan_id", "installment_no", "paid_day", "amount_paid"]).copy()
    df.loc[df["paid_day"].isna(), "amount_paid"] = 0.0
    installments = pd.DataFrame({
        "borrower_id": df["borrower_id"], "loan_id": df["loan_id"], "installment_no": df["installment_no"],
        "due_date": day0 + pd.to_timedelta(df["due_day"], unit="D"), "amount_due": df["amount_due"],
        # missing days filled, then masked: pandas 3.0 warns when to_timedelta casts NaN
        "paid_date": (day0 + pd.to_timedelta(df["paid_day"].fillna(0), unit="D")).where(df["paid_day"].notna()),
        "amount_paid": df["amount_paid"].round(2),
    }).sort_values(["borrower_id", "loan_id", "installment_no", "paid_date"], kind="stable").reset_index(drop=True)
    ids = apps["SK_ID_CURR"].astype(str)
    outcomes = pd.DataFrame({"target": apps["TARGET"].astype(int).to_numpy()}, index=pd.Index(ids, name="borrower_id"))
    protected = pd.DataFrame({"sex": apps["CODE_GENDER"].to_numpy(),
                              "age_years": (-apps["DAYS_BIRTH"] / 365.25).round(1).to_numpy(),
                              "marital_status": apps["NAME_FAMILY_STATUS"].to_numpy()},
                             index=pd.Index(ids, name="borrower_id"))
    return RealData(installments, outcomes, protected, day0,
                    "Home Credit Default Risk (Kaggle, 2018), 1 % stratified sample", population="all")


_MONTHS = pd.period_range("2005-04", "2005-09", freq="M")  # April .. September 2005
_STATUS = {m: c for m, c in zip(_MONTHS, ["PAY_6", "PAY_5", "PAY_4", "PAY_3", "PAY_2", "PAY_0"], strict=True)}
_BILL = {m: f"BILL_AMT{6 - i}" for i, m in enumerate(_MONTHS)}
_PAID = {m: f"PAY_AMT{6 - i}" for i, m in enumerate(_MONTHS)}


def load_uci_taiwan(path: str | os.PathLike[str]) -> RealData:
    """"Default of credit card clients" (Taiwan, 2005): monthly statements as installments.

    Mapping onto the installments contract, one installment per monthly statement (April to
    September 2005), ``borrower_id = loan_id = "uci-<ID>"``:

    * ``due_date`` = the statement's month end; ``amount_due`` = the statement balance
      (``BILL_AMT``, negative balances as 0);
    * the payment towards a statement is the next month's ``PAY_AMT`` (capped at the balance).
      A repayment status of ``d >= 1`` at month ``j`` (a delay of ``d`` months) says the ``d``
      statements before ``j`` were still unpaid at ``j``'s end, so a statement is paid 25 days after
      the last month-end at which a status still counts it as unpaid (25 days after its own due
      date when none does: "paid duly", "revolving" or "no consumption", status <= 0). A statement
      that September's status ``PAY_0`` counts as unpaid, or whose payment would fall after
      2005-09-30, has no observed payment: ``PAY_0`` becomes days past due at ``as_of``, the way a
      lender's own ledger shows it. Where the statuses and the amounts disagree (a ``PAY_AMT``
      paid in a month whose status says the statement stayed unpaid), the status wins;
    * September's statement has no observed payment (October is the outcome month).

    ``as_of`` is 2005-09-30; ``outcomes.target`` is ``default.payment.next.month``;
    ``protected`` holds ``SEX``, ``AGE`` and ``MARRIAGE`` (with ``EDUCATION``).

    Population: the outcome concerns every client, including those with a zero balance (nothing
    owed at ``as_of``), so ``population`` is ``"all"``: build the features with
    ``FeatureBuilder(population=data.population)``.

    Examples
    --------
    >>> from riskscore.datasets import load_uci_taiwan
    >>> data = load_uci_taiwan("../shared/data/uci_taiwan")  # doctest: +SKIP
    >>> len(data.outcomes)  # doctest: +SKIP
    30000
    """
    raw = pd.read_csv(_file(path, "UCI_Credit_Card.csv"))
    ids = "uci-" + raw["ID"].astype(int).astype(str)
    as_of = pd.Timestamp("2005-09-30")
    status = np.column_stack([raw[_STATUS[m]].to_numpy() for m in _MONTHS])  # April .. September
    rows = []
    for i, month in enumerate(_MONTHS):
        due = month.to_timestamp(how="end").normalize()
        bill = raw[_BILL[month]].clip(lower=0).round(2)
        base = pd.DataFrame({"borrower_id": ids, "loan_id": ids, "installment_no": i + 1, "due_date": due,
                             "amount_due": bill})
        if i + 1 < len(_MONTHS):
            nxt = _MONTHS[i + 1]
            paid = np.minimum(raw[_PAID[nxt]], bill).round(2)
            # the last month-end at which a status still counts this statement as unpaid: a delay of
            # d months at month j covers the d statements before j (i = j - 1 .. j - d)
            behind = np.full(len(raw), -1)
            for j in range(i + 1, len(_MONTHS)):
                behind = np.where(status[:, j] >= j - i, j, behind)
            settled = _MONTHS[np.maximum(behind, i)].to_timestamp(how="end").normalize()
            date = pd.Series(settled + pd.Timedelta(days=25), index=base.index)
            seen = (paid > 0) & (behind < len(_MONTHS) - 1) & (date <= as_of)
            base["paid_date"] = date.where(seen)
            base["amount_paid"] = paid.where(seen, 0.0)
        else:
            base["paid_date"], base["amount_paid"] = pd.NaT, 0.0
        rows.append(base)
    installments = pd.concat(rows, ignore_index=True).sort_values(["borrower_id", "installment_no"], kind="stable")
    installments["paid_date"] = installments["paid_date"].astype("datetime64[ns]")
    index = pd.Index(ids, name="borrower_id")
    outcomes = pd.DataFrame({"target": raw["default.payment.next.month"].astype(int).to_numpy()}, index=index)
    protected = pd.DataFrame({"sex": raw["SEX"].to_numpy(), "age_years": raw["AGE"].to_numpy(),
                              "marital_status": raw["MARRIAGE"].to_numpy(), "education": raw["EDUCATION"].to_numpy()},
                             index=index)
    return RealData(installments.reset_index(drop=True), outcomes, protected, as_of,
                    "Yeh & Lien (2009), UCI Machine Learning Repository id 350, CC BY 4.0", population="all")
