"""Benchmark: how a text column is coded, on real application data (Home Credit's 1 % sample).

riskscore codes a categorical own column (``FeatureBuilder(categorical=...)``) as one float, the
position of the value among the categories :func:`riskscore.features.learn_categories` keeps, most
frequent first (label-free: the builder never learns from outcomes). This compares, in one run and
on the same folds, that coding with two anchors: the same categories ordered by the training fold's
default rate (a target ordering, learnt inside each fold) and LightGBM's own categorical splits; and
the numeric columns alone, for the value the text columns add. Eight text columns of the application
table (contract type, car, realty, income type, education, housing, occupation, organisation; no
protected attribute) and four amounts; a small regularised LightGBM, 5 seeds x 5-fold stratified CV,
AUC mean and its standard error.

    .venv/bin/python benchmarks/categorical.py --data ../shared/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from riskscore.features import learn_categories

TEXT = ["NAME_CONTRACT_TYPE", "FLAG_OWN_CAR", "FLAG_OWN_REALTY", "NAME_INCOME_TYPE", "NAME_EDUCATION_TYPE",
        "NAME_HOUSING_TYPE", "OCCUPATION_TYPE", "ORGANIZATION_TYPE"]
NUMBERS = ["AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_EMPLOYED"]
PARAMS = {"n_estimators": 200, "learning_rate": 0.03, "num_leaves": 7, "min_child_samples": 30, "subsample": 0.8,
          "subsample_freq": 1, "colsample_bytree": 0.8, "verbose": -1, "random_state": 0, "n_jobs": 1}


def coded(train: pd.DataFrame, test: pd.DataFrame, y: np.ndarray, target_order: bool) -> tuple[pd.DataFrame, ...]:
    """Both folds with each text column as the position of its value among the training fold's categories."""
    learnt = learn_categories(train.assign(borrower_id=np.arange(len(train))), TEXT)
    a, b = train[NUMBERS].copy(), test[NUMBERS].copy()
    for column in TEXT:
        known = learnt[column]
        if target_order:
            rate = pd.Series(y).groupby(train[column].fillna("").to_numpy()).mean()
            known = sorted(known, key=lambda v: rate.get(v, 0.0))
        index = pd.Index(known)
        for src, dst in ((train, a), (test, b)):
            code = index.get_indexer(src[column]).astype(float)
            code[code < 0] = len(known)
            code[src[column].isna().to_numpy()] = np.nan
            dst[column] = code
    return a, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    d = pd.read_csv(args.data / "home_credit_1pct" / "app_samp.csv.gz", usecols=["TARGET", *TEXT, *NUMBERS])
    y = d["TARGET"].to_numpy()
    print(f"Home Credit 1 % sample: {len(d):,} applications, default rate {y.mean():.3f}; "
          f"{len(TEXT)} text columns, {len(NUMBERS)} amounts")
    aucs: dict[str, list[float]] = {}
    for seed in range(args.seeds):
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(d, y):
            train, test = d.iloc[tr], d.iloc[te]
            fits = {"riskscore codes (frequency order)": coded(train, test, y[tr], False),
                    "codes in training default-rate order": coded(train, test, y[tr], True),
                    "amounts only": (train[NUMBERS], test[NUMBERS])}
            native = train[NUMBERS + TEXT].copy(), test[NUMBERS + TEXT].copy()
            for column in TEXT:
                kind = pd.CategoricalDtype(train[column].dropna().unique())
                for frame in native:  # a value the training fold did not see: missing, as LightGBM treats it
                    frame[column] = frame[column].where(frame[column].isin(kind.categories)).astype(kind)
            for name, (a, b) in fits.items():
                model = lgb.LGBMClassifier(**PARAMS).fit(a, y[tr])
                aucs.setdefault(name, []).append(roc_auc_score(y[te], model.predict_proba(b)[:, 1]))
            model = lgb.LGBMClassifier(**PARAMS, min_data_per_group=30, cat_smooth=10).fit(native[0], y[tr])
            aucs.setdefault("LightGBM categorical splits", []).append(
                roc_auc_score(y[te], model.predict_proba(native[1])[:, 1]))
    print(f"{'coding':40s} {'AUC':>7s} {'s.e.':>7s}  ({args.seeds} seeds x 5 folds)")
    for name, values in aucs.items():
        print(f"{name:40s} {np.mean(values):7.4f} {np.std(values) / np.sqrt(len(values)):7.4f}")


if __name__ == "__main__":
    main()
