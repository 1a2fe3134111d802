"""FeatureBuilder: a scikit-learn transformer from repayment history to point-in-time features."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from riskscore._compat import DATE_LIKE, Interval, StrOptions, invalid_parameter
from riskscore._dates import as_of_timestamp
from riskscore.exceptions import DataQualityWarning
from riskscore.features._blocks import BLOCK_BORROWERS, borrower_blocks, distinct_loans, loans_cross_blocks
from riskscore.features._contacts import contact_features
from riskscore.features._history import (
    arrears_features,
    history_features,
    installment_state,
    latest_first,
    payment_features,
    schedule_features,
)
from riskscore.features._monthly import monthly_features
from riskscore.features._owing import owing_borrowers
from riskscore.features._recent import recent_features
from riskscore.features._registry import feature_registry
from riskscore.features._static import (
    LIMIT_FEATURES,
    categorical_features,
    limit_features,
    own_rows,
    protected_match,
    static_features,
)
from riskscore.schemas import SETTLE_TOLERANCE, validate_contacts, validate_installments

__all__ = ["FeatureBuilder"]


class FeatureBuilder(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Point-in-time borrower features from installments (and, optionally, a contact log).

    ``transform(installments, as_of)`` returns one row per borrower in the scoring population
    at ``as_of`` (an installment due by ``as_of + lookahead_days`` not settled by payments dated
    on or before ``as_of``), indexed by ``borrower_id``, with the columns of
    :func:`riskscore.features.feature_registry` in that order. Only what is known at ``as_of``
    is used: payments dated after it are ignored, and installments due after
    ``as_of + lookahead_days`` contribute only their scheduled date and amount.

    Nothing is learned from data: ``fit`` only checks the parameters (``transform`` and
    ``get_feature_names_out`` check them too, since fitting is optional), so the builder can sit
    in a ``Pipeline`` and be cloned, and can never leak a training set's outcomes.

    Parameters
    ----------
    lookahead_days : int >= 0, default 7
        Installments due up to ``as_of + lookahead_days`` count as outstanding when unpaid.
    windows : tuple of int, default (3, 6, 12)
        History windows (the last *n* installments that have fallen due): distinct ints >= 1.
    tolerance : float >= 0, default 0.01
        An installment is settled when at most this much is left unpaid.
    contacts : {"auto", True, False}, default "auto"
        Build the contact-log features: ``"auto"`` when a contacts table is given.
    validate : bool, default True
        Validate the inputs against their contracts first (turn off only for frames that
        just came out of :func:`riskscore.validate_installments`).
    population : {"outstanding", "all"}, default "outstanding"
        Which borrowers get a row: the scoring population (something owed by
        ``as_of + lookahead_days``), or every borrower with an installment due by then (for
        outcomes that are not about repaying what is owed, e.g. a new application's default).
    as_of : date-like, optional
        The as-of date ``transform`` uses when it is not given one, so that the builder can be a
        step of a scikit-learn ``Pipeline`` (whose ``transform(X)`` passes nothing else). Not
        recorded in a model bundle: a bundle's builder is used at every run's own as-of date.
    static : tuple of str, default ()
        The user's own columns of the borrowers table (credit limit, application data) joined
        by ``borrower_id`` as float features after the history features, in this order
        (numbers or booleans; number text is read, other text is an error; a borrower absent
        from the table gets NaN). ``transform`` then needs ``borrowers=``. **Each value must be
        known at the as-of date** the features are built for: application data are; a current
        credit limit that changed after an as-of date is a leak. A borrowers table **versioned
        in time** (a ``valid_from`` column: each row holds from that date, an empty cell since
        always) gives each as-of date the values in effect then
        (:func:`riskscore.schemas.borrowers_as_of`): a borrower whose rows all start later has
        them missing. A name that looks like a protected attribute
        (:data:`riskscore.features.PROTECTED_ATTRIBUTES`, or ``protected``) is refused.
    categorical : dict of str to list of str, or tuple of str, default ()
        The user's own text columns of the borrowers table (employment type, housing, product,
        a yes/no flag), each a float feature after the static ones: the value's position in the
        column's list of categories (0, 1, ...), ``len(categories)`` for any other value (rare
        in training or new since: "another value"), NaN when empty or absent. Give
        ``{column: [category, ...]}``, e.g. from :func:`riskscore.features.learn_categories`
        (most frequent first); a tuple of column names alone is resolved by
        :func:`riskscore.train`, which learns the categories from its borrowers table (here,
        ``transform`` refuses it). The same rules as ``static``: known at every as-of date, no
        protected attribute. Reason codes quote the value's text.
    protected : tuple of str, default ()
        More names of protected attributes, refused as static or categorical columns like the
        built-in list.
    credit_limit : str, optional
        The static column holding the credit limit (one of ``static``): adds ``utilisation``
        (amount outstanding / limit) and ``latest_due_to_limit`` (the latest installments'
        amount due / limit) after the static columns; missing where the limit is missing or
        not positive.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
        The feature names, after ``fit``.

    Examples
    --------
    >>> import riskscore
    >>> from riskscore.features import FeatureBuilder
    >>> world = riskscore.generate(500, seed=3)
    >>> X = FeatureBuilder().fit().transform(world.installments, "2025-03-31", contacts=world.contacts)
    >>> X.index.name, X.shape[1]
    ('borrower_id', 68)
    >>> bool((X["days_past_due"] >= 0).all())
    True

    The lender's own columns of the borrowers table (known at every as-of date) follow the
    history features:

    >>> own = world.borrowers.assign(credit_limit=5000.0)
    >>> fb = FeatureBuilder(static=("credit_limit",), credit_limit="credit_limit")
    >>> list(fb.fit().transform(world.installments, "2025-03-31", borrowers=own).columns[-3:])
    ['credit_limit', 'utilisation', 'latest_due_to_limit']

    A text column is coded by the position of its value among the categories (2 here: another
    value; NaN: empty):

    >>> own = world.borrowers.assign(employment=["salaried", "self-employed", "retired", ""] * 125)
    >>> fb = FeatureBuilder(categorical={"employment": ["salaried", "self-employed"]})
    >>> X = fb.fit().transform(world.installments, "2025-03-31", borrowers=own)
    >>> X["employment"].value_counts(dropna=False).sort_index().to_dict()
    {0.0: 18, 1.0: 16, 2.0: 13, nan: 15}

    In a ``Pipeline``, the as-of date is a parameter:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> pipe = make_pipeline(FeatureBuilder(as_of="2025-03-31"), FunctionTransformer())
    >>> pipe.fit_transform(world.installments).shape  # no contact log: no contact features
    (62, 59)
    """

    _parameter_constraints: ClassVar[dict[str, list[object]]] = {
        "lookahead_days": [Interval(Integral, 0, None, closed="left")],
        "windows": [tuple, list],  # and distinct ints >= 1: checked in _validate_params
        "tolerance": [Interval(Real, 0, None, closed="left")],
        "contacts": [StrOptions({"auto"}), "boolean"],
        "validate": ["boolean"],
        "population": [StrOptions({"outstanding", "all"})],
        "as_of": [*DATE_LIKE, None],
        "static": [tuple, list],  # distinct, non-protected column names: checked in _validate_params
        "categorical": [Mapping, tuple, list],  # column -> categories, or names: checked in _check_categorical
        "protected": [tuple, list],
        "credit_limit": [str, None],
    }

    def __init__(self, lookahead_days: int = 7, *, windows: tuple[int, ...] = (3, 6, 12),
                 tolerance: float = SETTLE_TOLERANCE, contacts: str | bool = "auto", validate: bool = True,
                 population: str = "outstanding", as_of: str | pd.Timestamp | None = None,
                 static: tuple[str, ...] = (), protected: tuple[str, ...] = (), credit_limit: str | None = None,
                 categorical: Mapping[str, Sequence[str]] | Sequence[str] = ()):
        self.lookahead_days = lookahead_days
        self.windows = windows
        self.tolerance = tolerance
        self.contacts = contacts
        self.validate = validate
        self.population = population
        self.as_of = as_of
        self.static = static
        self.protected = protected
        self.credit_limit = credit_limit
        self.categorical = categorical

    def _validate_params(self) -> None:
        super()._validate_params()
        ws = self.windows
        if not ws or any(isinstance(w, bool) or not isinstance(w, Integral) or w < 1 for w in ws) \
                or len(set(ws)) != len(ws):
            raise invalid_parameter("windows", type(self).__name__, "a non-empty tuple or list of distinct ints >= 1",
                                    ws)
        self._check_static()

    def _check_static(self) -> None:
        """``static``: distinct text names, none a history feature or protected; ``credit_limit`` among them."""
        name = type(self).__name__
        for param in ("static", "protected"):
            values = getattr(self, param)
            if any(not isinstance(v, str) or not v for v in values):
                raise invalid_parameter(param, name, "a tuple or list of column names (non-empty str)", values)
        static = list(self.static)
        if len(set(static)) != len(static):
            raise invalid_parameter("static", name, "distinct column names", self.static)
        categorical = self._check_categorical()
        history = set(self.registry().index) | set(LIMIT_FEATURES) | {"borrower_id"}
        for column, param in [*((c, "static") for c in static), *((c, "categorical") for c in categorical)]:
            attribute = protected_match(column, self.protected)
            if attribute is not None:
                raise ValueError(f"{param} column {column!r} looks like the protected attribute {attribute!r}: "
                                 "protected attributes are never model features (report fairness on them instead); "
                                 f"leave it out of {param}=.")
            if column in history:
                raise ValueError(f"{param} column {column!r} has the name of a feature the builder makes; rename it "
                                 "in the borrowers table.")
        both = sorted(set(static) & set(categorical))
        if both:
            raise ValueError(f"column {both[0]!r} is both static (a number) and categorical (text); give it once.")
        if self.credit_limit is not None and self.credit_limit not in static:
            raise ValueError(f"credit_limit={self.credit_limit!r} must be one of the static columns "
                             f"(static={tuple(static)!r}).")

    def _check_categorical(self) -> list[str]:
        """``categorical``'s column names, after checking it: distinct names, each with distinct categories."""
        name, given = type(self).__name__, self.categorical
        what = "a dict {column: [category, ...]} or a tuple of column names"
        if isinstance(given, str) or not isinstance(given, Mapping | tuple | list):
            raise invalid_parameter("categorical", name, what, given)
        columns = list(given)
        if any(not isinstance(c, str) or not c for c in columns) or len(set(columns)) != len(columns):
            raise invalid_parameter("categorical", name, what + " (distinct, non-empty str)", given)
        if isinstance(given, Mapping):
            for column, cats in given.items():
                if isinstance(cats, str) or not isinstance(cats, Sequence) \
                        or any(not isinstance(c, str) or not c for c in cats) or len(set(cats)) != len(cats):
                    raise ValueError(f"categorical[{column!r}] must be a list of distinct category texts "
                                     f"(non-empty str), got {cats!r}.")
        return columns

    def categories(self) -> dict[str, list[str]]:
        """The categories of each categorical column, as ``transform`` codes them.

        Raises
        ------
        ValueError
            ``categorical`` names columns without their categories (``riskscore.train`` learns
            them; :func:`riskscore.features.learn_categories` does it by hand).
        """
        self._check_categorical()  # only this parameter: called per scored chunk and report page
        if not isinstance(self.categorical, Mapping):
            if not self.categorical:
                return {}
            cols = list(self.categorical)
            raise ValueError(f"FeatureBuilder(categorical={tuple(cols)!r}) names the columns but not their "
                             f"categories: pass categorical=learn_categories(borrowers, {cols!r}) "
                             "(riskscore.features.learn_categories), or let riskscore.train learn them.")
        return {str(c): [str(v) for v in cats] for c, cats in self.categorical.items()}

    def fit(self, X: object = None, y: object = None) -> FeatureBuilder:
        """Check the parameters and record the feature names; learns nothing from data."""
        self._validate_params()
        self.feature_names_out_ = self._names(self.contacts is not False)
        return self

    def _own_columns(self, borrowers: pd.DataFrame, categories: dict[str, list[str]], index: pd.Index,
                     t: pd.Timestamp) -> dict[str, np.ndarray]:
        """The static and categorical columns of ``index``'s borrowers, from the rows in effect at ``t``
        when the table is versioned in time (``valid_from``)."""
        borrowers = own_rows(borrowers, list(self.static), list(categories), index, t)
        cols: dict[str, np.ndarray] = {}
        if self.static:
            cols |= static_features(borrowers, list(self.static), index)
        if categories:
            cols |= categorical_features(borrowers, categories, index)
        return cols

    def _names(self, contacts: bool) -> np.ndarray:
        extra = [*self.static, *self.categorical, *(LIMIT_FEATURES if self.credit_limit is not None else ())]
        return np.asarray([*feature_registry(tuple(self.windows), contacts=contacts).index, *extra], dtype=object)

    def registry(self) -> pd.DataFrame:
        """The registry rows of the history features this builder makes (contacts included unless off)."""
        return feature_registry(tuple(self.windows), contacts=self.contacts is not False)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Feature names in output order (contact features included unless ``contacts=False``), then
        the static columns and the credit-limit features."""
        self._validate_params()
        return self._names(self.contacts is not False)

    def set_output(self, *, transform: str | None = None) -> FeatureBuilder:
        """Accept scikit-learn's output setting: the features are always a pandas DataFrame.

        ``"pandas"``, ``"default"`` and ``None`` change nothing (so ``Pipeline.set_output(transform="pandas")``
        works); ``transform`` keeps the columns it made, which depend on whether a contact log was
        given (``contacts="auto"``). Other containers (``"polars"``) are refused.
        """
        if transform not in (None, "default", "pandas"):
            raise ValueError(f"FeatureBuilder returns pandas DataFrames: set_output(transform={transform!r}) is not "
                             "supported.")
        return self

    def fit_transform(self, X: pd.DataFrame, y: object = None, *, as_of: str | pd.Timestamp | None = None,
                      contacts: pd.DataFrame | None = None, borrowers: pd.DataFrame | None = None) -> pd.DataFrame:
        """``fit(X, y).transform(X, as_of, contacts=..., borrowers=...)``; ``y`` is unused (a Pipeline passes it).

        Raises
        ------
        ValueError
            ``y`` is a date: the as-of date goes by keyword, ``fit_transform(X, as_of=...)``.
        """
        if isinstance(y, str | pd.Timestamp | datetime.date | np.datetime64):
            raise ValueError(f"FeatureBuilder.fit_transform(X, y): y is the labels (unused), not the as-of date; pass "
                             f"as_of= by keyword: fit_transform(X, as_of={str(y)!r}).")
        return self.fit(X, y).transform(X, as_of, contacts=contacts, borrowers=borrowers)

    def transform(self, X: pd.DataFrame, as_of: str | pd.Timestamp | None = None,
                  contacts: pd.DataFrame | None = None, borrowers: pd.DataFrame | None = None) -> pd.DataFrame:
        """Features of every borrower in the scoring population at ``as_of``.

        A large table is worked 100,000 borrowers at a time (a table grouped by borrower without
        a copy): the same features as one pass, bit for bit, in memory bounded by the block and
        time linear in the rows.

        Parameters
        ----------
        X : pandas.DataFrame
            The installments table.
        as_of : date-like, optional
            The as-of date; by default the builder's ``as_of`` parameter (one of the two is
            required).
        contacts : pandas.DataFrame, optional
            The contact log. Without it, contact features are missing (NaN) when
            ``contacts=True`` and absent when ``contacts="auto"``.
        borrowers : pandas.DataFrame, optional
            The borrowers table (``borrower_id`` and the ``static`` and ``categorical`` columns;
            other columns are not read and not checked); required when either is set. With a
            ``valid_from`` column, the rows in effect at ``as_of``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``borrower_id`` (sorted), one column per feature, float64.

        Raises
        ------
        ValueError
            ``static`` is set and ``borrowers`` is not given.
        riskscore.DataError
            A static column is absent from ``borrowers``, holds text that is not a number, or
            two values for one borrower.
        """
        self._validate_params()
        categories = self.categories()
        own = [*self.static, *categories]
        if own and borrowers is None:
            param = "static" if self.static else "categorical"
            raise ValueError(f"FeatureBuilder({param}={tuple(getattr(self, param))!r}) needs the borrowers table: "
                             "transform(installments, as_of, borrowers=...).")
        as_of = self.as_of if as_of is None else as_of
        if as_of is None:
            raise ValueError("FeatureBuilder.transform needs the as-of date: transform(installments, as_of=...), "
                             "or FeatureBuilder(as_of=...) in a Pipeline.")
        t = as_of_timestamp(as_of)
        if t != t.normalize() or t.tzinfo is not None:
            raise ValueError(f"as_of must be a calendar date without time or time zone, got {as_of!r}.")
        installments = validate_installments(X) if self.validate else X
        if contacts is not None and self.validate:
            contacts = validate_contacts(contacts)
        use_contacts = self.contacts is True or (self.contacts == "auto" and contacts is not None)
        contacts = contacts if use_contacts else None
        eligible = None
        if self.population != "all":  # only borrowers who may owe something: the rest would be built, then dropped
            installments, contacts, eligible = owing_borrowers(installments, contacts, t, int(self.lookahead_days))
        index, cols, built = self._history(installments, contacts, t)
        eligible = built if eligible is None else eligible
        if own:
            cols |= self._own_columns(borrowers, categories, index, t)
        if self.credit_limit is not None:
            cols |= limit_features(cols[self.credit_limit], cols["amount_outstanding"], cols["latest_amount_due"])
        names = self._names(use_contacts)
        frame = pd.DataFrame({name: cols.pop(name, None) if name in cols else np.full(len(index), np.nan)
                              for name in names}, index=pd.Index(index, name="borrower_id"))
        if self.population != "all":
            warn_small_population(len(index), eligible, t)
        return frame.astype(float)

    def _history(self, installments: pd.DataFrame, contacts: pd.DataFrame | None,
                 t: pd.Timestamp) -> tuple[pd.Index, dict[str, np.ndarray], int]:
        """The history (and contact) features of the population's borrowers, and how many borrowers
        have an installment due by ``t + lookahead_days``: a block of borrowers at a time (``_blocks``)."""
        indexes, parts, loans, eligible = [], [], [], 0
        for inst, cont in borrower_blocks(installments, contacts, BLOCK_BORROWERS):
            if inst is installments:  # one block: the tables as given
                return self._block(installments, contacts, t)
            index, cols, n = self._block(inst, cont, t)
            indexes.append(index)
            parts.append(cols)
            eligible += n
            loans.append(distinct_loans(inst["loan_id"]))
        if loans_cross_blocks(loans):  # loans shared between borrowers (not validated): one block, as given
            del parts
            return self._block(installments, contacts, t)
        index = indexes[0].append(indexes[1:])
        order = None if index.is_monotonic_increasing else index.argsort(kind="stable")  # blocks of first appearance
        cols = {}
        for name in list(parts[0]):
            col = np.concatenate([p.pop(name) for p in parts])
            cols[name] = col if order is None else col[order]
        return (index if order is None else index.take(order)), cols, eligible

    def _block(self, installments: pd.DataFrame, contacts: pd.DataFrame | None,
               t: pd.Timestamp) -> tuple[pd.Index, dict[str, np.ndarray], int]:
        """The features of one block's population and its number of borrowers with an installment due."""
        state = installment_state(installments, t, int(self.lookahead_days), float(self.tolerance))
        cols: dict[str, np.ndarray] = {}
        m = latest_first(state, t)
        cols |= history_features(state, t, tuple(self.windows), float(self.tolerance), m)
        cols |= arrears_features(state, t)
        cols |= payment_features(state, t)
        cols |= schedule_features(installments, state, t, int(self.lookahead_days))
        cols |= monthly_features(state, t, float(self.tolerance), m)
        cols |= recent_features(state, t, float(self.tolerance), m)
        if contacts is not None:
            cols |= contact_features(contacts, state, t)
        if self.population == "all":
            return state.borrowers, cols, len(state.borrowers)
        keep = cols["n_installments_outstanding"] > 0
        return state.borrowers[keep], {name: col[keep] for name, col in cols.items()}, len(state.borrowers)


#: ``transform`` warns when the scoring population holds under this share of the borrowers with an
#: installment due by ``as_of + lookahead_days`` (those ``population="all"`` would keep).
SMALL_POPULATION = 0.10


def warn_small_population(kept: int, eligible: int, as_of: pd.Timestamp, stacklevel: int = 3) -> None:
    """A DataQualityWarning when ``population="outstanding"`` keeps under 10 % of ``eligible`` borrowers."""
    if eligible and kept < SMALL_POPULATION * eligible:
        warnings.warn(
            f"FeatureBuilder kept {kept} of the {eligible} borrowers with an installment due by as_of "
            f"{as_of.date()} + lookahead_days ({kept / eligible:.1%}): population='outstanding' (the default) keeps "
            "only borrowers who owe something then. For an outcome that is not about repaying what is owed (a new "
            "application's default, the data sets of riskscore.datasets), pass FeatureBuilder(population='all').",
            DataQualityWarning, stacklevel=stacklevel)
