"""Training from tables: snapshots, a time-based split, both heads, validation metrics."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from riskscore._compat import DATE_LIKE, FREQUENCY, Interval, validate_params
from riskscore._dates import as_of_timestamp
from riskscore._validation import contacts_match_none_training_refusal
from riskscore.exceptions import DataError, DataQualityWarning
from riskscore.features import FeatureBuilder, learn_categories
from riskscore.labels import rolling_as_of_dates, time_split
from riskscore.metrics import (
    bootstrap_interval,
    calibration_table,
    concordance_index,
    expected_calibration_error,
    gini,
    integrated_brier_score,
    ks_statistic,
    score_bands,
    woe_table,
)
from riskscore.model._repayment import DEFAULT_EDGES, RepaymentModel
from riskscore.model._scaling import ScoreScaling
from riskscore.model._survival import check_survival_y
from riskscore.monitor import reference_distribution
from riskscore.schemas import validate_contacts, validate_installments
from riskscore.snapshots import CENSOR_DAYS, contacts_of_nobody, snapshots_of, split_xy

#: Progress of :func:`train` (snapshots, fitting, testing) as INFO records; the CLI shows them on stderr.
log = logging.getLogger("riskscore.model")

__all__ = ["evaluate", "train"]


def _with_categories(builder: FeatureBuilder, borrowers: pd.DataFrame | None) -> FeatureBuilder:
    """``builder``, its categorical columns' categories learnt from ``borrowers`` when it names only the columns."""
    named = builder.get_params().get("categorical", ())
    if not named or isinstance(named, Mapping):
        return builder
    if borrowers is None:
        raise ValueError(f"feature_builder has categorical columns {tuple(named)!r}: train needs the borrowers table "
                         "holding them (borrowers=...; --borrowers on the command line).")
    learnt = learn_categories(borrowers, list(named))
    for column, cats in learnt.items():
        log.info("categorical column %r: %d categor%s learnt (%s); every other value is one code, 'another value'",
                 column, len(cats), "y" if len(cats) == 1 else "ies", ", ".join(map(repr, cats[:8]))
                 + (", ..." if len(cats) > 8 else ""))
        if not cats:
            warnings.warn(f"borrowers: categorical column {column!r} has no value held by enough borrowers to be a "
                          "category of its own (learn_categories' min_share and min_borrowers): its feature only "
                          "tells a value from a missing one.", DataQualityWarning, stacklevel=3)
    return clone(builder).set_params(categorical=learnt)


def _outcomes(event: np.ndarray, time: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Which rows' outcome at ``h`` days is known (an event, or followed that long), and that outcome
    (repaid within ``h`` days) for those rows."""
    known = event | (time >= h)
    return known, (event & (time <= h))[known]


@validate_params(
    {"model": [RepaymentModel], "X": [pd.DataFrame], "y": ["array-like"], "groups": ["array-like", None],
     "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
     "random_state": [Interval(Integral, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def evaluate(model: RepaymentModel, X: pd.DataFrame, y: np.ndarray, *, groups: np.ndarray | None = None,
             n_bootstrap: int = 0, random_state: int = 0) -> dict[str, Any]:
    """Likelihood metrics on rows whose horizon outcome is known, and timing metrics on all rows.

    Returns AUC, Gini, KS, log-loss, Brier score and ECE of the likelihood, the mean prediction
    and the observed rate, the reliability table (``calibration``: equal-count deciles of the
    likelihood), the score-band table (``score_bands``, see :func:`riskscore.metrics.score_bands`),
    Harrell's C of the timing head and its integrated Brier score on 1..90 days. ``y`` is any
    survival label (a boolean and a numeric field, as in scikit-survival). With
    ``n_bootstrap > 0`` it adds ``"ci"``: 95 % percentile bootstrap intervals of each
    likelihood metric and of the C-index, resampling whole ``groups`` (pass the borrower ids:
    one borrower's snapshots are not independent).

    Raises
    ------
    ValueError
        ``y`` or ``groups`` do not match ``X``'s rows, or the rows whose outcome at the horizon
        is known all have the same outcome (AUC, Gini and KS are undefined).

    Examples
    --------
    >>> from riskscore.model import evaluate   # doctest: +SKIP
    >>> evaluate(model, X_test, y_test)["auc"]  # doctest: +SKIP
    """
    h = model.likelihood_days_
    event, time = check_survival_y(y)
    y = np.empty(len(event), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = event, time
    if len(y) != len(X):
        raise ValueError(f"evaluate: X has {len(X)} rows but y has {len(y)}.")
    if groups is not None and len(groups) != len(X):
        raise ValueError(f"evaluate: groups has {len(groups)} values for {len(X)} rows.")
    known, label = _outcomes(y["event"], y["time"], h)
    if len(np.unique(label)) < 2:
        raise ValueError(f"evaluate: the {len(label)} rows whose outcome at {h} days is known all have the same outcome"
                         f" ({'repaid' if label.all() and len(label) else 'not repaid'}); AUC, Gini and KS need both.")
    p = np.clip(model.likelihood(X)[known], 1e-9, 1 - 1e-9)
    edges = np.asarray(DEFAULT_EDGES[1:], dtype=float)
    curve = model.predict_survival(X, days=[int(d) for d in edges])
    surv = 1 - curve[[f"p_repaid_{int(d)}d" for d in edges]].to_numpy()
    risk = -curve["expected_days"].to_numpy()
    # The likelihood metrics, each computed once here and resampled below with the same definition.
    likelihood_metrics = {"auc": roc_auc_score, "gini": gini, "ks": ks_statistic,
                          "log_loss": lambda a, b: log_loss(a, b, labels=[False, True]),
                          "brier": brier_score_loss, "ece": expected_calibration_error}
    out: dict[str, Any] = {"rows": len(X), "rows_known_at_horizon": int(known.sum())}
    out.update({name: float(f(label, p)) for name, f in likelihood_metrics.items()})
    out.update({
        "mean_predicted": float(p.mean()), "observed_rate": float(label.mean()),
        "c_index": concordance_index(y["event"], y["time"], risk),
        "integrated_brier": integrated_brier_score(y["event"], y["time"], surv, edges),
        "calibration": calibration_table(label, p),
        "score_bands": score_bands(label, (model.scaling or ScoreScaling()).points(p)),
    })
    if n_bootstrap > 0:
        g_known = None if groups is None else np.asarray(groups)[known]
        ci = {name: bootstrap_interval(f, label, p, groups=g_known, n_resamples=n_bootstrap,
                                       random_state=random_state) for name, f in likelihood_metrics.items()}
        ci["c_index"] = bootstrap_interval(concordance_index, y["event"], y["time"], risk, groups=groups,
                                           n_resamples=n_bootstrap, random_state=random_state)
        out["ci"] = {k: [round(a, 6), round(b, 6)] for k, (a, b) in ci.items()}
    return out


#: The fewest rows a drift reference is built from (latest as-of dates are added until reached).
REFERENCE_MIN_ROWS = 1_000


def _reference(test: pd.DataFrame, Xs: pd.DataFrame, model: RepaymentModel) -> dict[str, Any]:
    """The drift reference: one cross-section, the latest as-of date(s) of the test split.

    A scoring run is one as-of date of the borrowers with something due. Pooling every as-of
    date of training mixes young and old portfolios, so loan-age and count features look shifted
    at every run (issue 20: 7 "major" flags on the demo). The latest as-of date is the population
    the model was last evaluated on and the closest to the runs that follow; earlier dates are
    added, latest first, until :data:`REFERENCE_MIN_ROWS` rows (deciles need a few hundred rows
    each to be stable).
    """
    as_of = test["as_of"].to_numpy()
    dates = np.sort(np.unique(as_of))[::-1]
    counts = pd.Series(as_of).value_counts()
    taken = np.cumsum([counts[d] for d in dates])
    first = dates[min(int(np.searchsorted(taken, REFERENCE_MIN_ROWS)), len(dates) - 1)]
    rows = as_of >= first
    X = Xs.iloc[np.flatnonzero(rows)]
    ref = reference_distribution(X.assign(likelihood=model.likelihood(X)))
    ref["as_of"] = [str(pd.Timestamp(d).date()) for d in sorted(np.unique(as_of[rows]))]
    return ref


def information_values(X: pd.DataFrame, y: np.ndarray, likelihood_days: int) -> dict[str, float]:
    """IV of every feature for "repaid within ``likelihood_days``" on rows known at that horizon, largest first.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskscore.model import make_survival_y
    >>> from riskscore.model._train import information_values
    >>> X = pd.DataFrame({"useful": [1.0, 2, 3, 4], "noise": [1.0, 1, 1, 1]})
    >>> ivs = information_values(X, make_survival_y([True, True, False, False], [3, 5, 90, 90]), 30)
    >>> list(ivs), ivs["noise"]
    (['useful', 'noise'], 0.0)
    """
    known = y["event"] | (y["time"] >= likelihood_days)
    label = (y["event"] & (y["time"] <= likelihood_days))[known]
    if len(np.unique(label)) < 2:
        return {}
    out = {str(c): round(sum(b["iv"] for b in woe_table(X[c].to_numpy(float)[known], label)), 6) for c in X.columns}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


@validate_params(
    {"installments": [pd.DataFrame], "contacts": [pd.DataFrame, None], "as_of_start": DATE_LIKE,
     "as_of_end": DATE_LIKE, "freq": FREQUENCY, "valid_share": [Interval(Real, 0, 1, closed="neither")],
     "embargo_days": [Interval(Integral, 0, None, closed="left")], "data_end": [*DATE_LIKE, None],
     "model": [RepaymentModel, None], "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
     "feature_builder": [FeatureBuilder, None], "borrowers": [pd.DataFrame, None]},
    prefer_skip_nested_validation=True,
)
def train(
    installments: pd.DataFrame,
    *,
    contacts: pd.DataFrame | None = None,
    as_of_start: str | pd.Timestamp,
    as_of_end: str | pd.Timestamp,
    freq: str = "14D",
    valid_share: float = 0.3,
    embargo_days: int = 30,
    data_end: str | pd.Timestamp | None = None,
    model: RepaymentModel | None = None,
    n_bootstrap: int = 200,
    feature_builder: FeatureBuilder | None = None,
    borrowers: pd.DataFrame | None = None,
) -> tuple[RepaymentModel, dict[str, Any]]:
    """Build snapshots, split them by time, fit a :class:`RepaymentModel` and validate it.

    The last ``valid_share`` of the as-of dates is split in two: the earlier half validates
    (early stopping and calibration), the later half tests (the reported metrics, untouched by
    any fitting choice). Each part keeps only snapshots at least ``embargo_days`` before the next
    part starts. The default, 30 days, is the likelihood's horizon: its labels never reach into
    the next part. The timing head's labels run to 90 days; on long histories set
    ``embargo_days=90`` for a strict split (a 24-month sample is too short for that).

    The test metrics carry 95 % cluster-bootstrap intervals (``n_bootstrap`` resamples of
    borrowers; 0 turns them off).

    Parameters
    ----------
    feature_builder : FeatureBuilder, optional
        How the features are built (default: ``FeatureBuilder()``); its ``lookahead_days``
        defines the scoring population of the labels too. ``FeatureBuilder(static=(...))``
        adds the borrowers table's own columns (known at every as-of date) as features;
        ``FeatureBuilder(categorical=("employment",))`` adds text columns, their categories
        learnt here from ``borrowers`` (:func:`riskscore.features.learn_categories`'s
        defaults; the report's ``feature_builder`` holds them).
    borrowers : pandas.DataFrame, optional
        The borrowers table, for the builder's static columns (required when it has some).

    Returns
    -------
    model : RepaymentModel
    report : dict
        ``metrics`` (on the test part), ``label_definition``, ``training_window``, ``rows`` and
        ``reference`` (the distribution of every feature and the likelihood on the latest as-of
        date of the data, for :func:`~riskscore.model.save_bundle` and the PSI of scoring runs:
        see :func:`_reference`) and ``feature_builder``
        (the builder of the features; pass it to ``save_bundle`` so the bundle records it).

    Examples
    --------
    >>> import riskscore
    >>> from riskscore.model import RepaymentModel, train
    >>> world = riskscore.generate(800, seed=4)
    >>> model, report = train(world.installments, as_of_start="2024-03-01", as_of_end="2025-08-01",
    ...                       data_end=world.end, model=RepaymentModel(n_estimators=30, random_state=0))
    >>> sorted(report)
    ['feature_builder', 'label_definition', 'metrics', 'reference', 'rows', 'training_window']
    """
    dates = rolling_as_of_dates(as_of_timestamp(as_of_start, "as_of_start"), as_of_timestamp(as_of_end, "as_of_end"),
                                freq=freq)
    if len(dates) < 4:
        raise ValueError(f"Training needs at least 4 as-of dates between {as_of_start} and {as_of_end} "
                         f"at {freq!r}; got {len(dates)}.")
    builder = _with_categories(feature_builder if feature_builder is not None else FeatureBuilder(), borrowers)
    started = time.perf_counter()
    log.info("building snapshots at %d as-of dates (%s..%s, every %s) from %d installment rows", len(dates),
             dates[0].date(), dates[-1].date(), freq, len(installments))
    inst = validate_installments(installments)
    contact_log = validate_contacts(contacts) if contacts is not None else None
    unmatched = contacts_of_nobody(inst, contact_log)
    if unmatched is not None:
        raise DataError.from_message("contacts", contacts_match_none_training_refusal(*unmatched))
    snaps = snapshots_of(inst, dates, contact_log, builder=builder, lookahead_days=builder.lookahead_days,
                         censor_days=CENSOR_DAYS, data_end=data_end, borrowers=borrowers)
    valid_start = dates[int(len(dates) * (1 - valid_share))]
    test_start = dates[int(len(dates) * (1 - valid_share / 2))]
    train_part, valid, test = time_split(snaps, valid_start=valid_start, test_start=test_start,
                                         embargo_days=embargo_days)
    if train_part.empty or valid.empty or test.empty:
        raise ValueError("The time split left no training, validation or test rows; widen the as-of window.")
    Xt, yt = split_xy(train_part)
    Xv, yv = split_xy(valid)
    Xs, ys = split_xy(test)
    log.info("%d snapshots (%.1f s); fitting both heads on %d, validating on %d", len(snaps),
             time.perf_counter() - started, len(train_part), len(valid))
    started = time.perf_counter()
    fitted = (model or RepaymentModel(random_state=0)).fit(Xt, yt, eval_set=(Xv, yv))
    log.info("fitted (%.1f s); testing on %d snapshots (%d bootstrap resamples)", time.perf_counter() - started,
             len(test), n_bootstrap)
    if np.ptp(fitted.likelihood(Xt)) == 0:  # no split anywhere (too few rows per leaf), or calibrated flat
        warnings.warn(f"The likelihood head learnt nothing from {len(train_part):,} training snapshots of "
                      f"{train_part['borrower_id'].nunique():,} borrowers: it gives every borrower the same "
                      "likelihood, so its grades and reason codes mean nothing. Train on more borrowers or a longer "
                      "window (as_of_start and as_of_end; --as-of-start and --as-of-end on the command line).",
                      DataQualityWarning, stacklevel=2)

    def span(part: pd.DataFrame) -> str:
        return f"{part['as_of'].min().date()}..{part['as_of'].max().date()}"

    h = fitted.likelihood_days_
    outcomes = np.unique(_outcomes(ys["event"], ys["time"], h)[1])
    if len(outcomes) < 2:  # AUC, Gini and KS are undefined: no model is saved untested
        seen = {0: "none is known", 1: f"all are {'repaid' if outcomes.all() else 'not repaid'}"}[len(outcomes)]
        raise ValueError(f"The test part of the history ({span(test)}: {len(test):,} snapshots of "
                         f"{test['borrower_id'].nunique():,} borrowers) cannot test a model: of the outcomes at {h} "
                         f"days, {seen}. Train on more borrowers or a longer window (as_of_start and as_of_end; "
                         "--as-of-start and --as-of-end on the command line).")
    metrics = evaluate(fitted, Xs, ys, groups=test["borrower_id"].to_numpy(), n_bootstrap=n_bootstrap)
    metrics["information_value"] = information_values(Xt, yt, fitted.likelihood_days_)
    report = {
        "metrics": metrics,
        "label_definition": snaps.attrs["label_definition"],
        "training_window": f"train {span(train_part)}, validation {span(valid)}, test {span(test)}",
        "rows": {"train": len(train_part), "valid": len(valid), "test": len(test)},
        "reference": _reference(test, Xs, fitted),
        "feature_builder": builder,
    }
    return fitted, report
