"""Benchmark: riskscore features on the public data sets (5-fold stratified cross-validation).

* UCI Taiwan ("default of credit card clients"): riskscore features from the installments
  adapter at 2005-09-30 plus the credit limit and education, static columns of the borrowers table
  joined the documented way (``FeatureBuilder(static=("credit_limit", "education"),
  credit_limit="credit_limit")``: the same non-protected application data the anchor sees), into
  LightGBM, next to a LightGBM tuned on the raw wide columns (a small grid, chosen by inner CV on
  each training fold).
  Target (issue 21): AUC >= 0.79 and >= the raw-column LightGBM.
* Home Credit (1 % sample): TARGET from installment-history features only, LightGBM next to
  aggregates + logistic regression. Target: AUC >= 0.63.

Protected attributes (sex, age, marital status) are never used.

    .venv/bin/python benchmarks/model_real.py --data ../shared/data
    .venv/bin/python benchmarks/model_real.py --data ../shared/data --only uci   # one data set
    .venv-bench/bin/python benchmarks/model_real.py --data ../shared/data   # adds the optbinning scorecard
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import riskscore
from _common import machine
from riskscore.datasets import load_home_credit, load_uci_taiwan
from riskscore.features import FeatureBuilder

#: One small grid, searched by inner 3-fold CV on each training fold, for every LightGBM here.
GRID = {"num_leaves": [3, 7, 15, 31], "min_child_samples": [20, 100], "n_estimators": [150, 400],
        "learning_rate": [0.02]}
#: ``--quick``: a 2-point grid (about 8x fewer fits) for a loaded machine; its figures are not the full grid's.
QUICK_GRID = {"num_leaves": [7, 15], "min_child_samples": [100], "n_estimators": [400], "learning_rate": [0.02]}
SEARCH = {"grid": GRID}  # the grid of this run (main sets QUICK_GRID for --quick)


def cv_auc(make_model, X: pd.DataFrame, y: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    aucs, started = [], time.perf_counter()
    for tr, te in folds.split(X, y):
        model = make_model().fit(X.iloc[tr], y[tr])
        aucs.append(roc_auc_score(y[te], model.predict_proba(X.iloc[te])[:, 1]))
    return float(np.mean(aucs)), float(np.std(aucs)), time.perf_counter() - started


def tuned() -> GridSearchCV:
    # one thread per fit: the fits are small, and on a shared machine LightGBM's threads spin waiting for each other
    base = lgb.LGBMClassifier(subsample=0.8, subsample_freq=1, colsample_bytree=0.5, reg_lambda=10.0,
                              verbose=-1, random_state=0, n_jobs=1)
    return GridSearchCV(base, SEARCH["grid"], scoring="roc_auc", cv=3, n_jobs=1)


def logistic() -> object:
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=3000))


def observed(X: pd.DataFrame) -> pd.DataFrame:
    """Drop columns with no observed value (e.g. nothing falls due at an application date)."""
    return X.loc[:, X.notna().any()]


def uci(folder: Path) -> list[tuple[str, float, float, float, int]]:
    data = load_uci_taiwan(folder)
    inst = riskscore.validate_installments(data.installments, data_date=data.as_of)
    raw = pd.read_csv(folder / "UCI_Credit_Card.csv")
    raw.index = "uci-" + raw["ID"].astype(str)
    # the lender's own column: the credit limit, known at the as-of date (application data)
    # and education, application data the raw-column anchor uses too (not a protected attribute)
    borrowers = pd.DataFrame({"borrower_id": raw.index, "credit_limit": raw["LIMIT_BAL"].to_numpy(float),
                              "education": raw["EDUCATION"].to_numpy(float)})
    builder = FeatureBuilder(population="all", validate=False, static=("credit_limit", "education"),
                             credit_limit="credit_limit")
    X = builder.fit().transform(inst, data.as_of, borrowers=borrowers).reindex(data.outcomes.index)
    y = data.outcomes["target"].to_numpy()
    wide = raw.drop(columns=["ID", "default.payment.next.month", "SEX", "MARRIAGE", "AGE"]).loc[X.index]
    X = observed(X)
    rows = [("UCI: riskscore features + static limit and education, tuned LightGBM", *cv_auc(tuned, X, y), X.shape[1])]
    rows.append(("UCI: raw wide columns, tuned LightGBM", *cv_auc(tuned, wide, y), wide.shape[1]))
    try:  # the anchors live in .venv-bench (make bench-env)
        from optbinning import BinningProcess, Scorecard
    except ImportError:
        print("optbinning is not installed here: the WOE scorecard row needs `make bench-env`")
        return rows

    def scorecard() -> Scorecard:
        names = list(wide.columns)
        return Scorecard(binning_process=BinningProcess(names), estimator=LogisticRegression(max_iter=3000))

    rows.append(("UCI: raw wide columns, optbinning WOE + logistic scorecard", *cv_auc(scorecard, wide, y),
                 wide.shape[1]))
    return rows


def home_credit(folder: Path) -> list[tuple[str, float, float, float, int]]:
    data = load_home_credit(folder)
    good, _ = riskscore.quarantine(data.installments, data_date=data.as_of, warn_above=1.0)
    X = FeatureBuilder(population="all", validate=False).fit().transform(good, data.as_of)
    X = observed(X.reindex(data.outcomes.index))  # applicants without installment history: all missing
    y = data.outcomes["target"].to_numpy()
    inst = good.assign(late=(good["paid_date"] - good["due_date"]).dt.days.clip(lower=0),
                       short=(good["amount_due"] - good["amount_paid"]).clip(lower=0))
    agg = inst.groupby("borrower_id").agg(n=("loan_id", "size"), loans=("loan_id", "nunique"),
                                          late_mean=("late", "mean"), late_max=("late", "max"),
                                          short_sum=("short", "sum"), paid=("amount_paid", "sum"))
    agg = agg.reindex(data.outcomes.index)
    return [("Home Credit: riskscore features, tuned LightGBM", *cv_auc(tuned, X, y), X.shape[1]),
            ("Home Credit: riskscore features, logistic regression", *cv_auc(logistic, X, y), X.shape[1]),
            ("Home Credit: aggregates, logistic regression", *cv_auc(logistic, agg, y), agg.shape[1])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--only", choices=["uci", "home_credit"], help="run one data set")
    ap.add_argument("--quick", action="store_true", help="a 2-point grid instead of the 16-point one (every model)")
    args = ap.parse_args()
    if args.quick:
        SEARCH["grid"] = QUICK_GRID
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(f"machine: {machine()}")
    rows = []
    if args.only == "home_credit":
        pass
    elif (args.data / "uci_taiwan" / "UCI_Credit_Card.csv").exists():
        rows += uci(args.data / "uci_taiwan")
    else:
        print(f"skipped UCI: {args.data / 'uci_taiwan'} not found")
    if args.only == "uci":
        pass
    elif (args.data / "home_credit_1pct" / "in_pay_samp.csv.gz").exists():
        rows += home_credit(args.data / "home_credit_1pct")
    else:
        print(f"skipped Home Credit: {args.data / 'home_credit_1pct'} not found")
    table = pd.DataFrame(rows, columns=["model", "AUC (5-fold mean)", "sd", "time s", "features"]).set_index("model")
    print(table.round(4).to_string())


if __name__ == "__main__":
    main()
