"""Reason codes: SHAP values grouped into families, ranked, and said in the borrower's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

from riskscore._compat import Interval, StrOptions, validate_params
from riskscore._language import check_language, primary_languages
from riskscore.explain._catalogue import FAMILIES, LANGUAGES, NO_ADVERSE, sentence
from riskscore.explain._global import family_totals
from riskscore.explain._shap import BASE_VALUE, Explainer
from riskscore.features import registry_for
from riskscore.model import RepaymentModel

__all__ = ["REASON_COLUMNS", "reason_codes"]

REASON_COLUMNS = ["row", "direction", "rank", "code", "family", "feature", "value", "shap", "family_shap",
                  "language", "text"]
_DIRECTIONS = ("adverse", "favourable", "both")
_MISSING = object()


def _languages(index: pd.Index, language: str, borrowers: pd.DataFrame | None, ids: object,
               fallback: str | None) -> np.ndarray:
    if borrowers is None:
        return np.full(len(index), language, dtype=object)
    if "borrower_id" not in borrowers or "language" not in borrowers:
        raise ValueError("borrowers must have the columns 'borrower_id' and 'language' (the borrowers table).")
    keys = pd.Index(ids if ids is not None else index)
    primary = primary_languages(borrowers.drop_duplicates("borrower_id").set_index("borrower_id")["language"])
    langs = primary.reindex(keys)
    unknown_ids = keys[langs.isna().to_numpy()]
    if len(unknown_ids):
        raise ValueError(f"{len(unknown_ids)} row(s) have no borrower in the borrowers table, e.g. "
                         f"{list(unknown_ids[:3])}; pass ids= (the borrower_id of each row) or index X by borrower_id.")
    unsupported = ~langs.isin(LANGUAGES)
    if unsupported.any():
        if fallback is None:
            raise ValueError(f"No catalogue for language(s) {sorted(set(langs[unsupported]))}; "
                             f"catalogues: {LANGUAGES}. Pass fallback='en' to use one for them.")
        langs = langs.where(~unsupported, fallback)
    return langs.to_numpy(dtype=object)


@validate_params(
    {"model": [RepaymentModel, Explainer], "X": [pd.DataFrame], "shap": [pd.DataFrame, None],
     "language": [str], "borrowers": [pd.DataFrame, None], "ids": ["array-like", None],
     "fallback": [str, None], "top": [Interval(Integral, 1, None, closed="left")],
     "direction": [StrOptions(set(_DIRECTIONS))], "min_impact": [Interval(Real, 0, None, closed="left")],
     "categories": [Mapping, None]},
    prefer_skip_nested_validation=True,
)
def reason_codes(model: RepaymentModel | Explainer, X: pd.DataFrame, *, shap: pd.DataFrame | None = None,
                 language: str = "en", borrowers: pd.DataFrame | None = None, ids: object = None,
                 fallback: str | None = None, top: int = 4, direction: str = "adverse",
                 min_impact: float = 0.01, categories: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Principal reasons per row: the feature families pushing towards non-repayment, in words.

    SHAP values (log-odds of the likelihood head, see :func:`explain`) are summed per reason
    family (the registry's ``family``: correlated features such as lateness over 3, 6 and 12
    installments are one cause and take one slot). Families whose sum lowers the likelihood by at
    least ``min_impact`` are ranked, most adverse first, and at most ``top`` are kept (four is the
    US adverse-action convention). Each reason quotes the borrower's own value of the family's
    most adverse feature, from the message catalogue of the row's language. A row with no adverse
    family gets the single reason ``RS-NONE``. ``direction="favourable"`` gives the families that
    raise the likelihood instead (for analysts), ``"both"`` gives both.

    Parameters
    ----------
    model : RepaymentModel or Explainer
    X : DataFrame
        Feature rows (the model's features; ``n_matured`` is needed to quote shares as counts).
    shap : DataFrame, optional
        Output of :func:`explain` for ``X``, when already computed.
    language : {"en", "zh"}, default "en"
        Used when ``borrowers`` is not given. Any case, with or without a region or script
        (``EN``, ``en-US``, ``zh-CN``, ``zh_Hans``, ``zh-Hans-CN``): its primary subtag counts.
    borrowers : DataFrame, optional
        The borrowers table: each row's language is its borrower's ``language`` (primary subtag,
        read the same way: ``zh-CN`` -> ``zh``). Rows are matched by ``ids`` or, by default, by
        ``X``'s index.
    ids : array-like, optional
        The borrower_id of each row of ``X``.
    fallback : str, optional
        Catalogue for borrowers whose language has none; by default such a borrower is an error.
    top : int >= 1, default 4
    direction : {"adverse", "favourable", "both"}, default "adverse"
    min_impact : float >= 0, default 0.01
        Smallest family SHAP (in log-odds) that counts as a reason.
    categories : dict, optional
        The categorical columns' categories (``FeatureBuilder.categories()``; a
        :class:`riskscore.Scorer` passes its builder's): their values are quoted as text.

    Returns
    -------
    DataFrame
        Long: one row per reason, columns :data:`REASON_COLUMNS` (``row`` is ``X``'s index label).

    Examples
    --------
    >>> from riskscore.explain import reason_codes
    >>> reason_codes(model, X.head(2), language="zh")[["row", "code", "text"]]  # doctest: +SKIP
    """
    language = check_language(language, "language", LANGUAGES, "reason_codes")
    fallback = None if fallback is None else check_language(fallback, "fallback", LANGUAGES, "reason_codes")
    explainer = model if isinstance(model, Explainer) else Explainer(model)
    if shap is None:
        shap = explainer.shap_values(X)
    elif not shap.index.equals(X.index):
        raise ValueError("shap must be explain()'s output for X: its index differs from X's.")
    langs = _languages(X.index, language, borrowers, ids, fallback)
    features = [c for c in shap.columns if c != BASE_VALUE]
    values = shap[features]
    by_family = family_totals(values)  # rows x families; refuses features outside the registry
    fam_names = by_family.columns.to_numpy()
    fam_matrix = by_family.to_numpy()
    val_matrix = values.to_numpy()
    col_family = registry_for(features)["family"].to_numpy()
    x_matrix = X[features].to_numpy(np.float64)
    matured = X["n_matured"].to_numpy(np.float64) if "n_matured" in X else np.full(len(X), np.nan)
    members = [np.flatnonzero(col_family == fam) for fam in fam_names]
    labels = X.index.to_numpy(dtype=object)
    codes = np.array([FAMILIES[f][0] for f in fam_names], dtype=object)
    records: list[tuple] = []
    said: dict[tuple, str | None] = {}  # one sentence per (feature, value, language, installments due)
    for sign in {"adverse": [-1.0], "favourable": [1.0], "both": [-1.0, 1.0]}[direction]:
        name = "adverse" if sign < 0 else "favourable"
        scores = fam_matrix * sign
        order = np.argsort(-scores, axis=1, kind="stable")[:, :top]
        keep = np.take_along_axis(scores, order, axis=1) >= min_impact  # a prefix of each row: ranked
        # the most adverse (or favourable) feature of every family, for every row
        lead = np.column_stack([m[np.argmax(val_matrix[:, m] * sign, axis=1)] for m in members])
        # the reasons as (row, rank) pairs in row then rank order; an adverse row without any: RS-NONE
        rows, ranks = np.nonzero(keep)
        none = np.flatnonzero(~keep[:, 0]) if sign < 0 else np.empty(0, dtype=np.int64)
        fam_j = order[rows, ranks]
        cols = lead[rows, fam_j]
        values, shaps, fam_shaps = x_matrix[rows, cols], val_matrix[rows, cols], fam_matrix[rows, fam_j]
        texts = []
        for i, j, col, value in zip(rows.tolist(), fam_j.tolist(), cols.tolist(), values.tolist(), strict=True):
            key = (col, value, langs[i], matured[i])
            text = said.get(key, _MISSING)
            if text is _MISSING:
                text = said[key] = sentence(features[col], value, langs[i], matured[i], categories)
            texts.append(FAMILIES[fam_names[j]][2][langs[i]] if text is None else text)
        part = list(zip(labels[rows], [name] * len(rows), (ranks + 1).tolist(), codes[fam_j], fam_names[fam_j],
                        np.asarray(features, dtype=object)[cols], values, shaps, fam_shaps, langs[rows], texts,
                        strict=True))
        if len(none):
            code, text = NO_ADVERSE
            part += [(labels[i], name, 1, code, None, None, np.nan, 0.0, 0.0, langs[i], text[langs[i]])
                     for i in none.tolist()]
            where = np.concatenate([rows, none])
            part = [part[k] for k in np.argsort(where, kind="stable")]  # each row's reasons together, in row order
        records += part
    return pd.DataFrame.from_records(records, columns=REASON_COLUMNS)
