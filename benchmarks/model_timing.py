"""Benchmark: the timing head (HazardGBM) against lifelines' Cox model and scikit-survival's
GradientBoostingSurvivalAnalysis and RandomSurvivalForest, on the same split.

Needs the comparison anchors: `make bench-env`, then

    .venv-bench/bin/python benchmarks/model_timing.py --borrowers 30000 --max-train 20000

Every model gets the same training rows (at most --max-train, sampled once), the same median
imputation and the same test rows (HazardGBM takes the missing values as they are). The timing
head is ``HazardGBM`` with its defaults on the repayment model's day edges (early stopping on
its internal validation split); the row "riskscore 0.1 defaults" is the fixed 400-round fit it
replaced. C-index (Harrell's) and integrated Brier score (IPCW, days
1..89) are computed by riskscore.metrics for all. Targets (issue 5): C-index and IBS at least as
good as the best anchor, and fitting at least 10x faster than GBSA. Issue 21: C-index at least
GBSA's and IBS at most RSF's with the timing head's defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer

import riskscore
from _common import machine
from riskscore.datasets import load_home_credit
from riskscore.labels import rolling_as_of_dates, time_split
from riskscore.metrics import concordance_index, integrated_brier_score
from riskscore.model import HazardGBM, make_survival_y
from riskscore.model._repayment import DEFAULT_EDGES
from riskscore.snapshots import split_xy

GRID = np.arange(1.0, 90.0)


def _survival_at(functions: object, grid: np.ndarray) -> np.ndarray:
    out = []
    for f in functions:
        g = np.clip(grid, f.x[0], f.x[-1])
        out.append(f(g))
    return np.asarray(out)


def fit_all(Xt: pd.DataFrame, yt: np.ndarray, Xs: pd.DataFrame, ys: np.ndarray) -> pd.DataFrame:
    from lifelines import CoxPHFitter
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis, RandomSurvivalForest

    imp = SimpleImputer(strategy="median", keep_empty_features=True).fit(Xt)
    At, As = imp.transform(Xt), imp.transform(Xs)
    keep = At.std(axis=0) > 0
    At, As = At[:, keep], As[:, keep]
    rows = {}

    def record(name, fit, risk, surv):
        t0 = time.perf_counter()
        model = fit()
        t1 = time.perf_counter()
        r, s = risk(model), surv(model)
        t2 = time.perf_counter()
        rows[name] = {"C-index": concordance_index(ys["event"], ys["time"], r),
                      "IBS": integrated_brier_score(ys["event"], ys["time"], s, GRID),
                      "fit s": t1 - t0, "predict s": t2 - t1}

    edges = np.asarray(DEFAULT_EDGES, float)

    def hazard_surv(m):
        s = m.predict_survival(Xs)
        return np.hstack([np.ones((len(s), 1)), s])[:, np.searchsorted(edges, GRID, side="right") - 1]

    record("riskscore HazardGBM", lambda: HazardGBM(interval_edges=edges, random_state=0).fit(Xt, yt),
           lambda m: m.predict(Xs), hazard_surv)
    old = {"n_estimators": 400, "num_leaves": 31, "min_child_samples": 50, "colsample_bytree": 1.0, "reg_lambda": 0.0,
           "early_stopping_rounds": None}
    record("HazardGBM, riskscore 0.1 defaults (400 rounds)",
           lambda: HazardGBM(interval_edges=edges, random_state=0, **old).fit(Xt, yt), lambda m: m.predict(Xs),
           hazard_surv)
    cols = [f"x{i}" for i in range(At.shape[1])]
    frame = pd.DataFrame(At, columns=cols).assign(T=yt["time"], E=yt["event"])
    record("lifelines CoxPH (penalizer 0.1)",
           lambda: CoxPHFitter(penalizer=0.1).fit(frame, duration_col="T", event_col="E"),
           lambda m: m.predict_partial_hazard(pd.DataFrame(As, columns=cols)).to_numpy(),
           lambda m: m.predict_survival_function(pd.DataFrame(As, columns=cols), times=GRID).to_numpy().T)
    record("sksurv GradientBoostingSurvivalAnalysis (100 trees)",
           lambda: GradientBoostingSurvivalAnalysis(n_estimators=100, max_depth=3, random_state=0).fit(At, yt),
           lambda m: m.predict(As), lambda m: _survival_at(m.predict_survival_function(As), GRID))
    record("sksurv RandomSurvivalForest (100 trees)",
           lambda: RandomSurvivalForest(n_estimators=100, min_samples_leaf=50, n_jobs=-1, random_state=0).fit(At, yt),
           lambda m: m.predict(As), lambda m: _survival_at(m.predict_survival_function(As), GRID))
    return pd.DataFrame(rows).T


def _cap(X: pd.DataFrame, y: np.ndarray, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    if len(X) <= n:
        return X, y
    idx = np.sort(np.random.default_rng(0).choice(len(X), n, replace=False))
    return X.iloc[idx], y[idx]


def synthetic(n_borrowers: int, max_train: int, max_test: int) -> pd.DataFrame:
    world = riskscore.generate(n_borrowers, seed=2)
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-09-01", freq="14D"),
                                     contacts=world.contacts, data_end=world.end)
    train, _, test = time_split(snaps, valid_start="2025-03-01", test_start="2025-06-01", embargo_days=90)
    (Xt, yt), (Xs, ys) = _cap(*split_xy(train), max_train), _cap(*split_xy(test), max_test)
    print(f"synthetic: {n_borrowers} borrowers, train {len(Xt)} rows, test {len(Xs)} rows")
    return fit_all(Xt, yt, Xs, ys)


def home_credit(folder: Path, max_train: int, max_test: int) -> pd.DataFrame:
    data = load_home_credit(folder)
    good, _ = riskscore.quarantine(data.installments, data_date=data.as_of, warn_above=1.0)
    dates = rolling_as_of_dates("2013-06-01", "2018-02-01", freq="30D")
    snaps = riskscore.make_snapshots(good, dates, data_end=data.as_of - pd.Timedelta(days=1))
    train, _, test = time_split(snaps, valid_start="2016-09-01", test_start="2017-04-01", embargo_days=90)
    (Xt, yt), (Xs, ys) = _cap(*split_xy(train), max_train), _cap(*split_xy(test), max_test)
    Xt, Xs = Xt.loc[:, Xt.notna().any()], Xs.loc[:, Xt.notna().any()]
    print(f"Home Credit rolling snapshots: train {len(Xt)} rows, test {len(Xs)} rows")
    return fit_all(Xt, yt, Xs, make_survival_y(ys["event"], ys["time"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--borrowers", type=int, default=30_000)
    ap.add_argument("--max-train", type=int, default=20_000)
    ap.add_argument("--max-test", type=int, default=20_000)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--only", choices=["synthetic", "home_credit"], help="run one of the two data sets")
    args = ap.parse_args()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(f"machine: {machine()}")
    runs = {"synthetic": lambda: synthetic(args.borrowers, args.max_train, args.max_test),
            "home_credit": lambda: home_credit(args.data / "home_credit_1pct", args.max_train, args.max_test)}
    for name, run in runs.items():
        if args.only and name != args.only:
            continue
        table = run()
        print(f"\n{name}:\n{table.round(4).to_string()}")
        anchors = table.drop(index=[i for i in table.index if "HazardGBM" in i])
        ours = table.loc["riskscore HazardGBM"]
        gbsa = table.loc[next(i for i in table.index if "Gradient" in i)]
        print(f"C-index vs best anchor: {ours['C-index'] - anchors['C-index'].max():+.4f}; "
              f"IBS vs best anchor: {ours['IBS'] - anchors['IBS'].min():+.4f} (lower is better); "
              f"fit speed-up over GBSA: {gbsa['fit s'] / ours['fit s']:.1f}x")


if __name__ == "__main__":
    main()
