"""Benchmark: explain and reason_codes, next to LightGBM pred_contrib and shap.TreeExplainer.

A RepaymentModel is fitted on a synthetic world (default shape: trees of depth <= 6; a second
model with trees of any depth shows what the shape costs). Rows to explain are snapshot feature
rows, drawn with replacement up to 100k and 1M (SHAP cost does not depend on rows being distinct).
On 100k rows: riskscore's table TreeSHAP (median of 3), pred_contrib and shap.TreeExplainer (one
run each), their agreement, and reason_codes; on 1M rows: explain and reason_codes.

    .venv/bin/python benchmarks/explain.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

import riskscore
from _common import machine
from riskscore.explain import BASE_VALUE, Explainer, reason_codes
from riskscore.labels import rolling_as_of_dates, time_split
from riskscore.model import RepaymentModel
from riskscore.snapshots import split_xy


def timed(fn, *args, repeat=1, **kwargs):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--borrowers", type=int, default=20_000)
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = ap.parse_args()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(f"machine: {machine()}")
    world = riskscore.generate(args.borrowers, seed=1)
    snaps = riskscore.make_snapshots(world.installments, rolling_as_of_dates("2024-04-01", "2025-09-01", freq="14D"),
                                     contacts=world.contacts, data_end=world.end)
    train, valid, test = time_split(snaps, valid_start="2025-02-01", test_start="2025-06-01", embargo_days=30)
    (Xt, yt), (Xv, yv), (Xs, ys) = split_xy(train), split_xy(valid), split_xy(test)
    rng = np.random.default_rng(0)
    shap_lib = None
    try:
        import shap as shap_lib
    except ImportError:
        print("shap is not installed: the TreeExplainer column is skipped")
    for depth in (6, -1):
        model = RepaymentModel(max_depth=depth, random_state=0).fit(Xt, yt, eval_set=(Xv, yv))
        booster = model.likelihood_
        n_trees = booster.best_iteration or booster.num_trees()
        auc = riskscore.model.evaluate(model, Xs, ys)["auc"]
        print(f"\nlikelihood head: max_depth {depth}, {n_trees} trees, num_leaves 31; test AUC {auc:.4f}")
        explainer = Explainer(model)
        t_prep, _ = timed(getattr, explainer, "forest")
        print(f"  flattening the model and its SHAP tables: {t_prep:.2f} s, "
              f"tables {explainer.forest.table.nbytes / 2**20:.1f} MiB")
        for n in args.rows:
            X = Xs.iloc[rng.integers(0, len(Xs), n)].reset_index(drop=True)
            if depth == -1 and n > 100_000:
                continue
            m = X[list(model.feature_names_in_)].to_numpy(np.float32)
            rep = 3 if n <= 100_000 else 1
            t_ours, ours = timed(explainer.shap_values, X, repeat=rep)
            t_pred, _ = timed(booster.predict, m, num_iteration=booster.best_iteration, raw_score=True)
            t_reason, reasons = timed(reason_codes, explainer, X, shap=ours)
            row = {"rows": n, "explain s": t_ours, "predict s": t_pred, "reason_codes s": t_reason}
            if n <= 100_000:
                t_lgb, ref = timed(booster.predict, m, pred_contrib=True, num_iteration=booster.best_iteration)
                row["pred_contrib s"] = t_lgb
                row["max |diff| vs pred_contrib"] = float(np.abs(ours.to_numpy() - ref).max())
                row["pred_contrib / explain"] = t_lgb / t_ours
                if shap_lib is not None:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t_shap, sv = timed(shap_lib.TreeExplainer(booster).shap_values, m)
                    sv = sv[1] if isinstance(sv, list) else sv
                    row["shap.TreeExplainer s"] = t_shap
                    row["max |diff| vs shap"] = float(np.abs(ours.drop(columns=BASE_VALUE).to_numpy() - sv).max())
                    row["shap / explain"] = t_shap / t_ours
            print("  " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
            print(f"  reasons: {len(reasons)} rows, {reasons['code'].value_counts().head(3).to_dict()}")


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    main()
