"""Argument parsing and exit codes: 0 ok, 1 data or validation error, 2 usage error.

Each command parses its arguments, calls one library function, prints the result and maps
exceptions to exit codes. No business logic lives here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import riskscore
from riskscore.datasets import summarize_installments, write_world
from riskscore.exceptions import DataError, RiskscoreError
from riskscore.io import read_table

log = logging.getLogger("riskscore.cli")
_TABLES = ("installments", "borrowers", "contacts")
#: The bundled sample (data/sample/README.md; `make sample` regenerates it with these values).
SAMPLE_BORROWERS = 5000
SAMPLE_SEED = 20260101


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="riskscore",
        description="Repayment-risk scoring for consumer lending: likelihood and timing of "
                    "repayment, reasons, and contact plans that obey the collection rules.")
    p.add_argument("--version", action="version", version=f"riskscore {riskscore.__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser("generate", help="write a synthetic world (with ground truth) as parquet",
                       description="Stream a synthetic lending world to parquet in chunks.")
    g.add_argument("--borrowers", type=int, required=True, help="number of borrowers")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    g.add_argument("--out", type=Path, required=True, help="output folder")
    g.add_argument("--start", default="2024-01-01", help="first day of the data (default 2024-01-01)")
    g.add_argument("--months", type=int, default=24, help="months of data (default 24)")
    g.add_argument("--chunk-borrowers", type=int, default=50_000,
                   help="borrowers held in memory at once (default 50000)")

    v = sub.add_parser("validate", help="check tables against the data contracts",
                       description="Validate installments (and borrowers, contacts) tables.")
    _add_inputs(v)
    v.add_argument("--rejects", type=Path, help="write rejected rows with reasons to this parquet file "
                                               "instead of failing")

    tr = sub.add_parser("train", help="train a repayment model and write it as a bundle",
                        description="Build snapshots from the tables, fit both heads on a time split, write a bundle.")
    tr.add_argument("--data", type=Path, required=True, help="folder with installments.parquet (and contacts.parquet)")
    tr.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    tr.add_argument("--as-of-start", help="first as-of date (default: 90 days after the first due date)")
    tr.add_argument("--as-of-end", help="last as-of date (default: 90 days before the data ends)")
    tr.add_argument("--freq", default="14D", help="as-of spacing, a pandas frequency (default 14D)")
    tr.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tr.add_argument("--overwrite", action="store_true", help="replace an existing bundle")

    d = sub.add_parser("demo", help="run the main job on the bundled sample",
                       description="Validate the sample data and summarise it.")
    d.add_argument("--data", type=Path, default=Path("data/sample"), help="sample folder")
    d.add_argument("--out", type=Path, default=Path("runs/demo"), help="where to write the outputs")
    d.add_argument("--bundle", type=Path, default=Path("models/sample"), help="model bundle to score with")
    return p


def _add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, help="a folder with installments/borrowers/contacts parquet files")
    for t in _TABLES:
        p.add_argument(f"--{t}", type=Path, help=f"the {t} table (parquet, folder or CSV)")


def _input_paths(args: argparse.Namespace) -> dict[str, Path]:
    paths = {}
    for t in _TABLES:
        given = getattr(args, t)
        if given is not None:
            paths[t] = given
        elif args.data is not None and (args.data / f"{t}.parquet").exists():
            paths[t] = args.data / f"{t}.parquet"
    if "installments" not in paths:
        raise SystemExit("riskscore: error: give --installments PATH or --data DIR with installments.parquet")
    return paths


def _validate(paths: dict[str, Path], rejects: Path | None) -> dict[str, object]:
    validators = {"installments": riskscore.validate_installments,
                  "borrowers": riskscore.validate_borrowers, "contacts": riskscore.validate_contacts}
    report: dict[str, object] = {}
    frames = {}
    for table, path in paths.items():
        df = read_table(path)
        if rejects is None:
            frames[table] = validators[table](df)
            report[table] = {"rows": len(df), "rejected": 0}
        else:
            good, bad = riskscore.quarantine(df, table)
            frames[table] = good
            report[table] = {"rows": len(df), "rejected": len(bad)}
            if len(bad):
                from riskscore.io import write_parquet

                out = rejects.with_name(f"{rejects.stem}_{table}{rejects.suffix or '.parquet'}")
                # Rejected cells may hold anything (text in a number column): store them as text.
                write_parquet(bad.astype({c: "string" for c in bad.columns if bad[c].dtype == object}), out)
                report[table]["rejects_file"] = str(out)
    report["frames"] = frames
    return report


def _cmd_generate(args: argparse.Namespace) -> int:
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        log.info("generated %d / %d borrowers (%.1f s)", done, total, time.perf_counter() - started)

    info = write_world(args.out, args.borrowers, seed=args.seed, start=args.start, months=args.months,
                       chunk_borrowers=args.chunk_borrowers, progress=progress)
    rows = info["rows"]
    print(f"Wrote a world of {info['n_borrowers']} borrowers ({rows['installments']} installment rows, "
          f"{rows['contacts']} contacts) to {args.out} in {time.perf_counter() - started:.1f} s.")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    report = _validate(_input_paths(args), args.rejects)
    report.pop("frames")
    for table, r in report.items():
        print(f"{table}: {r['rows']} rows, {r['rejected']} rejected"
              + (f" -> {r['rejects_file']}" if "rejects_file" in r else ""))
    print("All tables pass their contracts." if args.rejects is None else "Done.")
    return 0


def _data_end(folder: Path, installments) -> str:
    if (folder / "world.json").exists():
        return str(json.loads((folder / "world.json").read_text())["end"])
    return str(installments["paid_date"].max().date())


def _cmd_train(args: argparse.Namespace) -> int:
    import pandas as pd

    from riskscore.model import RepaymentModel, save_bundle, train

    inst = read_table(args.data / "installments.parquet")
    contacts = read_table(args.data / "contacts.parquet") if (args.data / "contacts.parquet").exists() else None
    end = pd.Timestamp(_data_end(args.data, inst))
    start = args.as_of_start or str((pd.to_datetime(inst["due_date"]).min() + pd.Timedelta(days=90)).date())
    stop = args.as_of_end or str((end - pd.Timedelta(days=90)).date())
    model, report = train(inst, contacts=contacts, as_of_start=start, as_of_end=stop, freq=args.freq, data_end=end,
                          model=RepaymentModel(random_state=args.seed))
    save_bundle(model, args.out, metrics=report["metrics"], label_definition=report["label_definition"],
                training_window=report["training_window"], reference=report["reference"], overwrite=args.overwrite)
    m = report["metrics"]
    rows = report["rows"]
    print(f"Trained on {rows['train']} snapshots, validated on {rows['valid']}, tested on {rows['test']} "
          f"({report['training_window']}).")
    ci = m.get("ci", {})

    def show(name: str, label: str) -> str:
        band = f" [{ci[name][0]:.4f}, {ci[name][1]:.4f}]" if name in ci else ""
        return f"{label} {m[name]:.4f}{band}"

    print("  test (95% bootstrap interval over borrowers): " + ", ".join(
        show(k, label) for k, label in (("auc", "AUC"), ("log_loss", "log-loss"), ("ece", "ECE"),
                                        ("c_index", "C-index"), ("integrated_brier", "integrated Brier"))))
    print(f"Bundle written to {args.out}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    data = args.data
    if not (data / "installments.parquet").exists():
        print(f"{data} has no sample; generating one ({SAMPLE_BORROWERS} borrowers, seed {SAMPLE_SEED}) ...")
        write_world(data, SAMPLE_BORROWERS, seed=SAMPLE_SEED)
    report = _validate({t: data / f"{t}.parquet" for t in _TABLES}, None)
    frames = report.pop("frames")
    inst = frames["installments"]
    end = _data_end(data, inst)
    rates = summarize_installments(inst, end)
    summary = {
        "borrowers": int(inst["borrower_id"].nunique()), "loans": int(inst["loan_id"].nunique()),
        "installments": int(inst.groupby(["loan_id", "installment_no"]).ngroups),
        "installment_rows": len(inst), "contacts": len(frames["contacts"]),
        "data_end": end, "rates": {k: round(v, 4) for k, v in rates.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    r = summary["rates"]
    print(f"riskscore {riskscore.__version__} demo on {data}")
    print(f"  borrowers {summary['borrowers']}, loans {summary['loans']}, installments "
          f"{summary['installments']} ({summary['installment_rows']} rows), contacts {summary['contacts']}")
    print("  all three tables pass their contracts (installments, borrowers, contacts)")
    print(f"  installments due by {end} minus 90 days: {r['on_time']:.1%} paid on time, "
          f"{r['late_1_30']:.1%} 1-30 days late, {r['late_31_90']:.1%} 31-90, {r['late_90_plus']:.1%} over 90")
    print(f"  borrowers ever 30+ days past due: {r['borrowers_ever_30_plus']:.1%}; "
          f"ever 90+: {r['borrowers_ever_90_plus']:.1%}")
    if (args.bundle / "manifest.json").exists():
        _demo_scores(args, frames, end)
    written = ", ".join(f for f in ("summary.json", "scores.parquet", "plans.parquet") if (args.out / f).exists())
    print(f"Outputs: {args.out}/ ({written}); inputs: {data}/*.parquet")
    return 0


def _demo_scores(args: argparse.Namespace, frames: dict, end: str) -> None:
    """Score the sample 90 days before its end, where outcomes are known: a small backtest."""
    import pandas as pd

    from riskscore.features import FeatureBuilder
    from riskscore.io import write_parquet
    from riskscore.labels import make_labels
    from riskscore.model import load_bundle

    as_of = pd.Timestamp(end) - pd.Timedelta(days=90)
    X = FeatureBuilder(validate=False).fit().transform(frames["installments"], as_of, contacts=frames["contacts"])
    model = load_bundle(args.bundle, features=list(X.columns))
    scores = model.predict_survival(X)
    scores.insert(0, "likelihood", model.likelihood(X))
    scores["points"], scores["grade"] = model.points(X).round(1), model.grade(X)
    scores.insert(0, "as_of", as_of)
    write_parquet(scores.reset_index(), args.out / "scores.parquet")
    labels = make_labels(frames["installments"], as_of, data_end=end).set_index("borrower_id").loc[X.index]
    repaid = (labels["event"] & (labels["time"] <= model.horizon_days)).mean()
    grades = scores["grade"].value_counts().sort_index()
    print(f"  scored {len(scores)} borrowers at {as_of.date()} with {args.bundle}: mean likelihood of repaying "
          f"within {model.horizon_days} days {scores['likelihood'].mean():.1%} (observed afterwards: {repaid:.1%})")
    print("  grades: " + ", ".join(f"{g} {n}" for g, n in grades.items()))
    _demo_plans(args, frames, model, X, scores, as_of)


#: The profile the demo applies to each country of the sample (others get the strictest).
_DEMO_PROFILES = {"US": "us_reg_f_2021", "CN": "cn_gbt45251_2025", "GB": "uk_fca_conc7_2024"}


def _demo_plans(args: argparse.Namespace, frames: dict, model: object, X: object, scores: object,
                as_of: object) -> None:
    """Reason codes and contact plans for the scored borrowers, each under its country's profile."""
    import pandas as pd

    from riskscore.explain import reason_codes
    from riskscore.io import write_parquet
    from riskscore.policy import ContactPolicy, check_plans

    now = pd.Timestamp(as_of).tz_localize("UTC") + pd.Timedelta(hours=13)
    borrowers = frames["borrowers"].set_index("borrower_id").loc[X.index].reset_index()
    log = frames["contacts"].loc[frames["contacts"]["contacted_at"] <= now]
    reasons = reason_codes(model, X, borrowers=borrowers, fallback="en")
    country = borrowers.get("country", pd.Series("", index=borrowers.index)).fillna("").to_numpy()
    scored = scores.assign(amount_at_risk=X["amount_outstanding"].to_numpy()) if "amount_outstanding" in X \
        else scores
    parts, violations = [], 0
    for c in sorted(set(country)):
        ids = borrowers.loc[country == c, "borrower_id"]
        policy = ContactPolicy(_DEMO_PROFILES.get(c, "strict_v1"), agent_calls_per_day=max(1, len(ids) // 50))
        plans = policy.plan(scored.loc[ids], reasons.loc[reasons["row"].isin(ids)],
                            borrowers.loc[country == c], log.loc[log["borrower_id"].isin(ids)], now=now)
        violations += len(check_plans(plans, borrowers.loc[country == c], log.loc[log["borrower_id"].isin(ids)],
                                      plans.profile, validate=False))
        parts.append(plans.steps.assign(profile=plans.profile.name, profile_version=plans.profile.version))
    steps = pd.concat(parts, ignore_index=True)
    write_parquet(steps, args.out / "plans.parquet")
    mix = steps["action"].value_counts()
    profiles = ", ".join(sorted(steps["profile"].unique()))
    print(f"  contact plans at {now:%Y-%m-%d %H:%M} UTC ({profiles}): "
          + ", ".join(f"{a} {n}" for a, n in mix.items()) + f"; check_plans finds {violations} violation(s)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskscore`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    commands = {"generate": _cmd_generate, "validate": _cmd_validate, "train": _cmd_train, "demo": _cmd_demo}
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return commands[args.command](args)
    except DataError as err:
        print(f"riskscore: data error: {err}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError, RiskscoreError) as err:
        print(f"riskscore: error: {err}", file=sys.stderr)
        return 1
