"""Scorer: the one per-borrower path — features, likelihood and timing, reasons, plans."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from riskscore._compat import InvalidParameterError, isin, validate_parameter_constraints
from riskscore._language import check_language, primary_languages
from riskscore.contract import CURVE_DAYS, TOP_REASONS, curve_columns, reason_columns
from riskscore.exceptions import BundleError, DataError, DataQualityWarning
from riskscore.explain import LANGUAGES, Explainer, reason_codes
from riskscore.features import FeatureBuilder, hardship_signal
from riskscore.model import DEFAULT_EDGES, RepaymentModel, feature_builder, load_bundle
from riskscore.policy import ContactPolicy, plan_portfolio
from riskscore.schemas import (
    SETTLE_TOLERANCE,
    borrowers_as_of,
    outstanding_at,
    table_currency,
    validate_contacts,
    validate_installments,
)

__all__ = ["SCORE_COLUMNS", "Scored", "Scorer"]

#: The columns of :attr:`Scored.scores`, in order.
SCORE_COLUMNS = ["likelihood", *curve_columns(), "expected_days", "points", "grade", "amount_at_risk", "language",
                 "hardship_signal", *reason_columns(), "loan_ids"]


@dataclass(frozen=True)
class Scored:
    """What :meth:`Scorer.score` returns for the borrowers in the scoring population.

    Attributes
    ----------
    features : DataFrame
        The model's features, indexed by ``borrower_id`` (text).
    scores : DataFrame
        Indexed like ``features``: ``likelihood``, ``p_repaid_{d}d`` for each day of
        :data:`riskscore.contract.CURVE_DAYS`, ``expected_days``, ``points``, ``grade``,
        ``amount_at_risk`` (what is outstanding, >= 0), ``language`` (of the reasons),
        ``hardship_signal`` (the planner's hardship route) and ``reason_{i}_code`` /
        ``reason_{i}_text`` for the top :data:`~riskscore.contract.TOP_REASONS` reasons, and
        ``loan_ids``, the debts in collection (:meth:`Scorer.outstanding_loans`; missing when
        scored from ``features`` alone).
    reasons : DataFrame
        The long reason table of :func:`riskscore.explain.reason_codes` (``row`` is the borrower).

    Examples
    --------
    >>> import riskscore
    >>> world = riskscore.generate(200, seed=4)
    >>> scored = riskscore.Scorer.from_bundle("models/sample").score(world.installments, "2025-06-30",
    ...                                                               contacts=world.contacts)
    >>> scored.features.index.equals(scored.scores.index), sorted(scored.reasons.columns)[:3]
    (True, ['code', 'direction', 'family'])
    """

    features: pd.DataFrame
    scores: pd.DataFrame
    reasons: pd.DataFrame


class Scorer:
    """Score, explain and plan with one model: every caller's per-borrower path.

    The nightly job (both engines), the policy evaluation, the report's borrower pages and the
    CLI all go through a scorer, so for the same borrower and as-of date they give the same
    scores, reasons and plan.

    Parameters
    ----------
    model : RepaymentModel
        A fitted model (or :func:`riskscore.load_bundle`'s result).
    feature_builder : FeatureBuilder, optional
        How the features are built. Default: the one the bundle records, or, for a model fitted
        in this session, the default builder that makes its feature list.
    language : str, default "en"
        Language of the reasons of borrowers without a supported ``language`` (or without a
        borrowers table).
    allow_missing_contacts : bool, default False
        A model trained with contact-log features refuses to score without the contact log;
        ``True`` scores anyway, with those features missing.

    Attributes
    ----------
    model : RepaymentModel
    feature_builder : FeatureBuilder
        Fitted, with ``validate=False`` (the scorer validates inputs itself).
    explainer : Explainer
        Built on first use (flattening the trees takes a moment) and reused.

    Examples
    --------
    >>> import riskscore
    >>> scorer = riskscore.Scorer.from_bundle("models/sample")
    >>> world = riskscore.generate(300, seed=1)
    >>> scored = scorer.score(world.installments, "2025-06-30", contacts=world.contacts,
    ...                       borrowers=world.borrowers)
    >>> scored.scores.columns[:3].tolist()
    ['likelihood', 'p_repaid_7d', 'p_repaid_14d']
    >>> bool(scored.scores["likelihood"].between(0, 1).all())
    True
    >>> steps, audit = scorer.plan(scored, world.borrowers, world.contacts, now="2025-06-30 13:00+00:00")
    >>> sorted(set(steps["borrower_id"])) == sorted(scored.scores.index)
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[object]]] = {
        "model": [RepaymentModel],
        "feature_builder": [FeatureBuilder, None],
        "language": [str],  # and a supported language, in any case or region: checked below
        "allow_missing_contacts": ["boolean"],
    }

    def __init__(self, model: RepaymentModel, *, feature_builder: FeatureBuilder | None = None,
                 language: str = "en", allow_missing_contacts: bool = False):
        args = {k: v for k, v in locals().items() if k in self._parameter_constraints}
        if isinstance(model, (str, os.PathLike)):  # a bundle's folder: what from_bundle takes
            path = str(model)
            raise InvalidParameterError(f"The 'model' parameter of Scorer must be a fitted RepaymentModel "
                                        f"(Scorer.from_bundle({path!r}) loads a bundle). Got the path {path!r} "
                                        "instead.")
        validate_parameter_constraints(self._parameter_constraints, args, caller_name=type(self).__name__)
        check_is_fitted(model, "likelihood_")
        self.model = model
        self.feature_builder = _builder_for(model, feature_builder)
        self.language = check_language(language, "language", LANGUAGES, type(self).__name__)
        self.allow_missing_contacts = bool(allow_missing_contacts)

    @classmethod
    def from_bundle(cls, path: str | os.PathLike[str], *, sha256: str | None = None, **kwargs: Any) -> Scorer:
        """A scorer of the bundle at ``path`` (verified by :func:`riskscore.load_bundle`; ``sha256`` pins it).

        Examples
        --------
        >>> Scorer.from_bundle("models/sample").uses_contacts
        True
        """
        return cls(load_bundle(path, sha256=sha256), **kwargs)

    @cached_property
    def explainer(self) -> Explainer:
        return Explainer(self.model)

    @property
    def uses_contacts(self) -> bool:
        """Whether the model has contact-log features (then :meth:`score` wants the contact log)."""
        return self.feature_builder.get_params()["contacts"] is True

    def check_contacts(self, given: bool) -> None:
        """Refuse to score without the contact log a model trained with contact features needs.

        The batch engines call it once, before any work; :meth:`features` calls it every time.

        Raises
        ------
        DataError
            When the model needs the contact log, it is not ``given`` and
            ``allow_missing_contacts`` is off.

        Examples
        --------
        >>> Scorer.from_bundle("models/sample").check_contacts(given=False)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        riskscore.exceptions.DataError: contacts: the model was trained with contact-log features ...
        """
        if self.uses_contacts and not given and not self.allow_missing_contacts:
            raise DataError.from_message(
                "contacts", "contacts: the model was trained with contact-log features (calls_30d, ...); give the "
                "contact log (contacts=..., riskscore score --contacts FILE), or score without it knowingly with "
                "allow_missing_contacts=True (--allow-missing-contacts): those features are then missing.")

    @property
    def static_columns(self) -> tuple[str, ...]:
        """The borrowers-table columns the model uses as features (``FeatureBuilder(static=..., categorical=...)``)."""
        params = self.feature_builder.get_params()
        return (*map(str, params["static"]), *map(str, params.get("categorical", ())))

    def check_borrowers(self, columns: Any) -> None:
        """Refuse to score without the borrowers-table columns a model's static features need.

        ``columns`` are the borrowers table's column names, or None when there is no borrowers
        table. The batch engines call it once, before any work; :meth:`features` every time.

        Raises
        ------
        DataError
            When the model has static features and the table or one of its columns is missing.

        Examples
        --------
        >>> Scorer.from_bundle("models/sample").check_borrowers(None)  # no static features: nothing needed
        """
        static = self.static_columns
        if not static:
            return
        if columns is None:
            raise DataError.from_message(
                "borrowers", f"borrowers: the model uses the borrowers table's column(s) {', '.join(static)} as "
                "features; give the borrowers table (borrowers=..., riskscore score --borrowers FILE).")
        missing = [c for c in static if c not in set(map(str, columns))]
        if missing:
            raise DataError.from_message(
                "borrowers", f"borrowers: no column '{missing[0]}', which the model uses as a feature (its "
                f"borrowers-table columns: {', '.join(static)}).")

    @property
    def currency(self) -> str | None:
        """The currency the bundle was trained on (its label definition's ``currency``; ``None``: not recorded).

        Examples
        --------
        >>> Scorer.from_bundle("models/sample").currency is None  # trained without a currency column
        True
        """
        label = (getattr(self.model, "manifest_", None) or {}).get("label_definition") or {}
        return label.get("currency")

    def check_currency(self, currency: str | None, *, where: str | None = None) -> None:
        """Refuse data in another currency than the bundle's; warn when only one side states one.

        A run, a training set and a bundle are in one currency, and riskscore converts none.
        The batch engines call it once per run with the input's currency; :meth:`features`
        calls it when it validates.

        Parameters
        ----------
        currency : str or None
            The data's currency (:func:`riskscore.schemas.table_currency`); ``None``: no
            ``currency`` column.
        where : str, optional
            The input named in the message (a path), when there is one.

        Raises
        ------
        DataError
            When both sides state a currency and they differ (one line naming both).

        Warns
        -----
        DataQualityWarning
            When only one side states a currency: the amounts cannot be checked.

        Examples
        --------
        >>> scorer = Scorer.from_bundle("models/sample")
        >>> scorer.check_currency(None)  # neither side states one: nothing to check
        """
        trained = self.currency
        if currency == trained:
            return
        name = f"installments {where!r}" if where else "installments"
        if currency is not None and trained is not None:
            raise DataError.from_message(
                "installments", f"{name}: the amounts are in {currency} but the model bundle was trained on "
                f"{trained} amounts; score each currency with a bundle trained on it (riskscore converts none)")
        said = (f"the installments are in {currency} but the model bundle records no currency (trained without a "
                f"currency column): check that it was trained on {currency} amounts") if currency is not None else (
                f"the model bundle was trained on {trained} amounts but the installments have no currency column: "
                f"check that they are {trained} amounts")
        warnings.warn(f"{name}: {said}.", DataQualityWarning, stacklevel=2)

    def _checked(self, installments: pd.DataFrame, contacts: pd.DataFrame | None,
                 validate: bool) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The tables validated, and in the bundle's currency, when ``validate`` (else as given)."""
        if validate:
            installments = validate_installments(installments)
            contacts = validate_contacts(contacts) if contacts is not None else None
            self.check_currency(table_currency(installments))
        return installments, contacts

    def features(self, installments: pd.DataFrame, as_of: str | pd.Timestamp, *,
                 contacts: pd.DataFrame | None = None, validate: bool = True,
                 borrowers: pd.DataFrame | None = None) -> pd.DataFrame:
        """The model's features at ``as_of`` of every borrower in the scoring population.

        Raises
        ------
        DataError
            When the model needs the contact log and none is given (see :meth:`check_contacts`),
            or when the installments are in another currency than the bundle (see
            :meth:`check_currency`; checked when ``validate``), or when the model's static
            features need a borrowers table or column that is not given (:meth:`check_borrowers`).
        """
        self.check_contacts(contacts is not None)
        self.check_borrowers(None if borrowers is None else borrowers.columns)
        installments, contacts = self._checked(installments, contacts, validate)
        if not len(installments):
            return _no_features(self.model.feature_names_in_)
        with warnings.catch_warnings():
            # A nightly portfolio is mostly borrowers with nothing due: the run reports them
            # (status nothing_due), so the builder's small-population hint, meant for a modeller
            # choosing a population, would fire every night; scoring uses the bundle's population.
            warnings.filterwarnings("ignore", message="FeatureBuilder kept", category=DataQualityWarning)
            X = self.feature_builder.transform(installments, as_of, contacts=contacts,
                                               borrowers=borrowers if self.static_columns else None)
        X.index = X.index.astype(str)
        names = list(self.model.feature_names_in_)
        # a bundle of an older registry (READABLE_REGISTRY_VERSIONS): today's builder makes more
        return X if list(X.columns) == names else X[names]

    def score(self, installments: pd.DataFrame | None, as_of: str | pd.Timestamp, *,
              contacts: pd.DataFrame | None = None, borrowers: pd.DataFrame | None = None,
              validate: bool = True, features: pd.DataFrame | None = None) -> Scored:
        """Scores and reasons of every borrower in the scoring population at ``as_of``.

        Parameters
        ----------
        installments : DataFrame
            The installments table (validated unless ``validate=False``); may be ``None`` when
            ``features`` is given.
        as_of : date-like
        contacts : DataFrame, optional
            The contact log (required when :attr:`uses_contacts`, see ``allow_missing_contacts``).
        borrowers : DataFrame, optional
            Gives each borrower's reason language (``language``, primary subtag), and the
            model's static features (:attr:`static_columns`).
        validate : bool, default True
            Turn off only for tables that just came out of :func:`riskscore.quarantine`.
        features : DataFrame, optional
            The features, when already built by :meth:`features` for this as-of date.

        Returns
        -------
        Scored
        """
        if installments is not None and validate:  # once: for the features and for the debts of each step
            self.check_contacts(contacts is not None)
            installments, contacts = self._checked(installments, contacts, validate=True)
        X = features if features is not None else self.features(installments, as_of, contacts=contacts,
                                                                validate=False, borrowers=borrowers)
        if not len(X):  # nobody with something due: empty tables of the same columns and types
            index = pd.Index([], dtype="str", name="borrower_id")
            scores = pd.DataFrame({c: pd.Series(dtype=_SCORE_DTYPES.get(c, "str")) for c in SCORE_COLUMNS},
                                  index=index)
            return Scored(features=X.set_axis(index, axis=0), scores=scores,
                          reasons=pd.DataFrame({c: pd.Series(dtype=t) for c, t in _REASON_DTYPES.items()}))
        scores = self.model.predict_scores(X, days=CURVE_DAYS)
        amount = X["amount_outstanding"] if "amount_outstanding" in X else pd.Series(np.nan, index=X.index)
        scores["amount_at_risk"] = amount.fillna(0.0).clip(lower=0.0)
        scores["language"] = self.languages(X.index, None if borrowers is None else borrowers_as_of(borrowers, as_of))
        scores["hardship_signal"] = hardship_signal(X)
        lang_table = pd.DataFrame({"borrower_id": X.index, "language": scores["language"].to_numpy()})
        reasons = reason_codes(self.explainer, X, borrowers=lang_table, top=TOP_REASONS,
                               categories=self.feature_builder.categories() or None)
        scores = scores.join(_wide(reasons, X.index))
        scores["loan_ids"] = (self.outstanding_loans(installments, as_of, X.index) if installments is not None
                              else pd.Series(None, index=X.index, dtype=object))
        return Scored(features=X, scores=scores.rename_axis("borrower_id"), reasons=reasons)

    def outstanding_loans(self, installments: pd.DataFrame, as_of: str | pd.Timestamp, ids: pd.Index) -> pd.Series:
        """The debts each borrower of ``ids`` is in collection for at ``as_of``: its loans with an
        installment outstanding (due by ``as_of + lookahead_days``, not settled), as ``"L1,L2"``.
        ``installments`` must have passed :func:`riskscore.validate_installments`.

        The planner reads this as the ``loan_ids`` of every step it plans, so the rules counted per
        debt (US-07: calls about a debt) count each debt. A borrower with no outstanding loan (the
        ``population="all"`` scoring), or one whose loan ids hold a comma (the list separator), gets
        a missing value: its steps concern every debt, counted per person, which is the stricter
        reading.

        Examples
        --------
        >>> import pandas as pd
        >>> scorer = Scorer.from_bundle("models/sample")
        >>> inst = pd.DataFrame({"borrower_id": ["b1", "b1", "b2"], "loan_id": ["L2", "L1", "L3"],
        ...     "installment_no": [1, 1, 1], "due_date": pd.to_datetime(["2024-03-01"] * 3),
        ...     "amount_due": [100.0] * 3, "paid_date": pd.to_datetime([None, None, "2024-03-01"]),
        ...     "amount_paid": [0.0, 0.0, 100.0]})
        >>> scorer.outstanding_loans(inst, "2024-03-10", pd.Index(["b1", "b2"])).tolist()
        ['L1,L2', None]
        """
        installments = installments.loc[_rows_of(installments["borrower_id"], ids)]  # outstanding_at is per borrower
        owed = outstanding_at(installments, as_of, lookahead_days=int(self.feature_builder.lookahead_days),
                              tolerance=float(getattr(self.feature_builder, "tolerance", SETTLE_TOLERANCE)))
        pairs = owed[["borrower_id", "loan_id"]].astype(str).drop_duplicates().sort_values(["borrower_id", "loan_id"])
        borrower = pairs["borrower_id"].to_numpy(dtype=object)
        loan = pairs["loan_id"].to_numpy(dtype=object)
        if len(pairs):  # "L1,L2" per borrower: one string sum per run of a borrower's rows (no Python group loop)
            starts = np.flatnonzero(np.r_[True, borrower[1:] != borrower[:-1]])
            lists = np.add.reduceat(loan + ",", starts)
            joined = pd.Series([s[:-1] for s in lists], index=pd.Index(borrower[starts]), dtype=object)
        else:
            joined = pd.Series([], dtype=object)
        comma = pairs.loc[pairs["loan_id"].str.contains(",", regex=False), "borrower_id"].unique()
        joined = joined.drop(comma)
        return joined.reindex(ids.astype(str)).astype(object).where(lambda v: v.notna(), None).set_axis(ids)

    def languages(self, ids: pd.Index, borrowers: pd.DataFrame | None) -> pd.Series:
        """The reason language of each borrower: the primary subtag of ``language`` when supported,
        else the scorer's ``language``."""
        langs = pd.Series(self.language, index=ids, dtype=object)
        if borrowers is None or not len(borrowers) or "language" not in borrowers:
            return langs
        table = borrowers.assign(borrower_id=borrowers["borrower_id"].astype(str)).drop_duplicates("borrower_id")
        primary = primary_languages(table.set_index("borrower_id")["language"].reindex(ids).astype(object))
        return primary.where(primary.isin(LANGUAGES), self.language).astype(object)

    @property
    def likelihood_days(self) -> int:
        """The likelihood's horizon: ``likelihood`` is P(repaid within this many days)."""
        return int(self.model.likelihood_days_)

    def survival_curve(self, X: pd.DataFrame, days: list[int] | None = None) -> pd.DataFrame:
        """P(repaid by day d) for each day of ``days`` (default: every edge of the curve, 1 to 90 days)."""
        days = [int(d) for d in (days if days is not None else DEFAULT_EDGES[1:])]
        return self.model.predict_survival(X, days=days)

    def shap_values(self, X: pd.DataFrame) -> pd.DataFrame:
        """SHAP values of the likelihood head (log-odds) per feature plus ``base_value``, rows of ``X``."""
        return self.explainer.shap_values(X)

    def plan(self, scored: Scored, borrowers: pd.DataFrame, contacts: pd.DataFrame | None = None, *,
             now: object, profiles: str | Mapping[str, str] = "us_reg_f_2021",
             agent_calls_per_day: int | None = None, validate: bool = True,
             **policy_options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Contact plans of the scored borrowers under each country's rule profile.

        See :func:`riskscore.policy.plan_portfolio` (``policy_options`` are
        :class:`~riskscore.policy.ContactPolicy` arguments, e.g. ``plan_days``, ``call_value``).

        Returns
        -------
        steps, audit : DataFrame
        """
        return plan_portfolio(scored.scores, scored.reasons, borrowers, contacts, now=now, profiles=profiles,
                              agent_calls_per_day=agent_calls_per_day, planner=ContactPolicy, validate=validate,
                              **policy_options)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.feature_builder.get_params().items() if k != "validate")
        return f"Scorer({len(self.model.feature_names_in_)} features, FeatureBuilder({settings}))"


#: Types of the score columns that are not text (``str``), for the empty tables.
_SCORE_DTYPES = {"likelihood": "float64", **dict.fromkeys(curve_columns(), "float64"), "expected_days": "float64",
                 "points": "float64", "amount_at_risk": "float64", "language": object, "hardship_signal": "bool",
                 "loan_ids": object}
#: The columns of :func:`riskscore.explain.reason_codes` and their types, for the empty table.
_REASON_DTYPES = {"row": "str", "direction": "str", "rank": "int64", "code": "str", "family": "str", "feature": "str",
                  "value": "float64", "shap": "float64", "family_shap": "float64", "language": "str", "text": "str"}


def _rows_of(borrower_id: pd.Series, ids: pd.Index) -> np.ndarray:
    """Which rows belong to a borrower of ``ids`` (ids compared as text, by Arrow's hash lookup)."""
    return isin(borrower_id.astype(str), ids.astype(str))


def _no_features(names: object) -> pd.DataFrame:
    """The feature matrix of nobody: the columns ``names`` (float), an empty text index."""
    return pd.DataFrame({str(c): pd.Series(dtype="float64") for c in names},
                        index=pd.Index([], dtype="str", name="borrower_id"))


def _builder_for(model: RepaymentModel, builder: FeatureBuilder | None) -> FeatureBuilder:
    fb = feature_builder(model) if builder is None else builder.set_params(validate=False).fit()
    fb.categories()  # a categorical column without its categories: refused now, not at the first score
    made = [str(c) for c in fb.get_feature_names_out()]
    want = [str(c) for c in model.feature_names_in_]
    # the bundle's own builder of an older readable registry makes more: the model's are taken by name
    older = builder is None and set(want) <= set(made)
    if made != want and not older:
        missing, extra = sorted(set(want) - set(made)), sorted(set(made) - set(want))
        raise BundleError(f"The feature builder does not make the model's features: missing {missing}, "
                          f"unexpected {extra}" + ("" if missing or extra else ", or in another order") + ".")
    return fb


def _wide(reasons: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=ids)
    top = reasons.loc[reasons["rank"] <= TOP_REASONS]
    for i, (code, text) in enumerate(zip(reason_columns("code"), reason_columns("text"), strict=True), start=1):
        part = top.loc[top["rank"] == i].set_index("row")
        out[code] = part["code"].reindex(ids).to_numpy(dtype=object)
        out[text] = part["text"].reindex(ids).to_numpy(dtype=object)
    return out
