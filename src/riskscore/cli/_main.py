"""Argument parsing and the commands; exit codes and error lines are in ``_errors``.

Each command parses its arguments, calls one library function, prints the result and maps
exceptions to exit codes (0 ok, 1 a failed run, 2 usage, 70 a bug, 75 the output folder is
busy, 128 + N a signal). No business logic lives here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import logging
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import riskscore
from riskscore.cli._errors import EXIT_USAGE, UsageError, on_signal, report, show_warning, trap_signals
from riskscore.cli._print import print_demo, print_run
from riskscore.cli._spark import quiet_spark, stop_spark

log = logging.getLogger("riskscore.cli")
_TABLES = ("installments", "borrowers", "contacts")
#: The rule profile per country evaluate-policy applies by default (the demo's).
DEMO_PROFILES = "US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1"


class _Parser(argparse.ArgumentParser):
    """argparse with one line per usage error (``riskscore score: error: argument --jobs: ...``), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def _count(minimum: int) -> type[int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        return value

    parse.__name__ = "count"
    return parse  # type: ignore[return-value]


def _date(text: str) -> str:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
    return text


def _timestamp(text: str) -> str:
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time YYYY-MM-DDTHH:MM[Z|+HH:MM]: {text!r}") from None
    return text


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="riskscore",
        description="Repayment-risk scoring for consumer lending: likelihood and timing of "
                    "repayment, reasons, and contact plans that obey the collection rules.",
        epilog="Exit codes: 0 done; 1 a failed run (data, bundle, run folder, file, Spark); 2 usage; 70 internal "
               "error (a bug: please report); 75 the output folder is in use by another job; 130/143 interrupted "
               "(SIGINT/SIGTERM). A failure prints one line on stderr; --debug adds the traceback.")
    p.add_argument("--version", action="version", version=f"riskscore {riskscore.__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("--debug", action="store_true", help="on failure, print the traceback too (and log as -v)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser("generate", help="write a synthetic world (with ground truth) as parquet",
                       description="Stream a synthetic lending world to parquet in chunks.")
    g.add_argument("--borrowers", type=_count(1), required=True, help="number of borrowers")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    g.add_argument("--out", type=Path, required=True, help="output folder")
    g.add_argument("--start", type=_date, default="2024-01-01", help="first day of the data (default 2024-01-01)")
    g.add_argument("--months", type=_count(1), default=24, help="months of data (default 24)")
    g.add_argument("--chunk-borrowers", type=_count(1), default=50_000,
                   help="borrowers held in memory at once (default 50000)")

    v = sub.add_parser("validate", help="check tables against the data contracts",
                       description="Validate installments (and borrowers, contacts) tables.")
    _add_inputs(v)
    _add_format(v)
    v.add_argument("--rejects", type=Path, metavar="FILE.parquet",
                   help="instead of failing, write each table's rejected rows (with reasons) beside FILE, named "
                        "after it and the table: rej.parquet -> rej_installments.parquet, rej_borrowers.parquet, "
                        "rej_contacts.parquet (only tables with rejects; each path is printed)")

    tr = sub.add_parser("train", help="train a repayment model and write it as a bundle",
                        description="Build snapshots from the tables, fit both heads on a time split, write a bundle.")
    _add_inputs(tr)
    _add_format(tr)
    tr.add_argument("--rejects", type=Path, help="write rejected rows with reasons to this parquet file (training "
                                                "goes on with the accepted rows either way)")
    tr.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    tr.add_argument("--as-of-start", type=_date, help="first as-of date (default: 90 days after the first due date)")
    tr.add_argument("--as-of-end", type=_date, help="last as-of date (default: 90 days before the data ends)")
    tr.add_argument("--freq", default="14D", help="as-of spacing, a pandas frequency (default 14D)")
    tr.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tr.add_argument("--overwrite", action="store_true", help="replace an existing bundle")
    tr.add_argument("--static", type=_names, default=(), metavar="COL,COL",
                    help="the borrowers table's own columns to use as features (e.g. credit_limit,income): numbers "
                         "known at every as-of date (application data); needs --borrowers; names that look like a "
                         "protected attribute are refused")
    tr.add_argument("--protected", type=_names, default=(), metavar="COL,COL",
                    help="more protected attribute names, refused as --static columns like the built-in list")
    tr.add_argument("--credit-limit", metavar="COL",
                    help="the --static column holding the credit limit: adds utilisation features")

    sc = sub.add_parser("score", help="the nightly job: score a portfolio, explain, plan contact",
                        description="Score every borrower of the installments input at --as-of in chunks (resumable): "
                                    "scores, plans, audit, rejects and a manifest in --out.")
    sc.add_argument("--installments", type=_table_path, required=True,
                    help="installments: parquet, folder or CSV (with --engine spark also a URL: s3a://, hdfs://)")
    sc.add_argument("--model", type=Path, required=True, help="model bundle folder")
    sc.add_argument("--as-of", type=_date, required=True, help="as-of date of the features (YYYY-MM-DD)")
    sc.add_argument("--out", type=Path, required=True, help="output folder")
    sc.add_argument("--borrowers", type=_table_path, help="borrowers table (needed for contact plans)")
    sc.add_argument("--contacts", type=_table_path,
                    help="contact log (required by a bundle trained with contact features)")
    _add_format(sc)
    sc.add_argument("--allow-missing-contacts", action="store_true",
                    help="score a bundle trained with contact features without --contacts (those features missing)")
    sc.add_argument("--model-sha256", help="pin the bundle: refuse any bundle whose manifest digest differs")
    sc.add_argument("--profile", default="us_reg_f_2021",
                    help="rule profile: a name, a YAML file, or COUNTRY=PROFILE,...,*=PROFILE (default us_reg_f_2021)")
    sc.add_argument("--chunk-borrowers", type=_count(1), default=50_000, help="borrowers per chunk (default 50000)")
    sc.add_argument("--now", type=_timestamp, help="when plans start, UTC (default: now)")
    sc.add_argument("--data-date", type=_date,
                    help="payments dated later are rejected (default: inferred from the data)")
    sc.add_argument("--allow-stale-data", action="store_true",
                    help="score an --as-of more than the model's horizon (30 days for models/sample) after the "
                         "data date; refused by default")
    sc.add_argument("--agent-calls-per-day", type=_count(0),
                    help="agent-call capacity of the portfolio (default: no limit)")
    sc.add_argument("--jobs", type=_count(1), help="worker processes (default: all cores)")
    sc.add_argument("--engine", choices=("local", "spark"), default="local",
                    help="local processes (default) or Apache Spark (pip install 'riskscore[spark]')")
    sc.add_argument("--progress", choices=("auto", "bar", "log", "off"), default="auto",
                    help="a bar on a terminal, log lines otherwise (default auto)")

    sc.add_argument("--explore", type=Path, metavar="FILE.yaml",
                    help="randomised holdouts (opt-in): {seed: 7, shares: {middle: 0.05, low: 0.1}} -- that share "
                         "of a segment gets a plan drawn at random (none, gentle, remind, escalate); plans.parquet "
                         "records the decision, the default and the propensity; never for flagged, review, blocked "
                         "or hardship borrowers")
    sc.add_argument("--no-report", action="store_true", help="do not write report.html into --out")
    sc.add_argument("--protected", type=Path,
                    help="protected attributes (borrower_id + group columns) for the report's fairness section")

    rp = sub.add_parser("report", help="write the HTML report of a run, or of runs over time",
                        description="Summarise a run folder and write one self-contained HTML file (inline CSS "
                                    "and SVG, no script, nothing fetched from the network); with --history, one page "
                                    "of small multiples over a folder of runs (PSI, drift, volumes, plan mix).")
    rp.add_argument("--run", type=Path, help="the --out folder of a finished `riskscore score` run")
    rp.add_argument("--history", type=Path, metavar="DIR",
                    help="instead of --run: a folder of run folders; writes DIR/history.html (runs over time)")
    rp.add_argument("--out", type=Path, help="HTML file to write (default RUN/report.html or DIR/history.html)")
    rp.add_argument("--protected", type=Path,
                    help="protected attributes beside the run (parquet/CSV: borrower_id and one group column per "
                         "attribute); adds the fairness section; never used as features")
    rp.add_argument("--pages", default="review=10,largest=10,random=10",
                    help="borrower pages by kind (default review=10,largest=10,random=10)")
    rp.add_argument("--borrower", action="append", default=[], help="also give this borrower a page (repeatable)")
    rp.add_argument("--model", type=Path, help="bundle to recompute curves and SHAP with (default: the run's)")
    rp.add_argument("--seed", type=int, default=0, help="seed of the random pages and the backtest sample")
    _add_format(rp, "re-read the run's inputs with this mapping instead of the one its manifest records")

    ex = sub.add_parser("explain", help="render one borrower's page of a run",
                        description="Score, survival curve, SHAP waterfall, reasons, plan and rule audit of one "
                                    "borrower of a run, as a standalone HTML file.")
    ex.add_argument("--run", type=Path, required=True, help="the --out folder of a finished run")
    ex.add_argument("--borrower", required=True, help="borrower_id")
    ex.add_argument("--out", type=Path, help="HTML file to write (default RUN/borrower-ID.html)")
    ex.add_argument("--model", type=Path, help="bundle (default: the run's)")

    ev = sub.add_parser("evaluate-policy", help="compare contact policies on a synthetic world",
                        description="Simulate each policy day by day on the same synthetic world and the same random "
                                    "draws (a documented response model) and print the table: recovered, contacts, "
                                    "agent calls, complaints, opt-outs, hardship pressured, blocked contacted, "
                                    "violations; mean and 95 % interval over seeds.")
    ev.add_argument("--world", type=Path, required=True,
                    help="a world folder written by `riskscore generate` (it keeps the hidden traits)")
    ev.add_argument("--model", type=Path, default=Path("models/sample"), help="model bundle (default models/sample)")
    ev.add_argument("--policies", default="no_contact,max_contact,days_past_due,riskscore,riskscore_uplift",
                    help="comma-separated (default: all five)")
    ev.add_argument("--start", type=_date, help="first day (default: 120 days before the world ends)")
    ev.add_argument("--days", type=_count(1), default=90, help="days simulated (default 90)")
    ev.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    ev.add_argument("--profile", default=DEMO_PROFILES, help=f"rule profile per country (default {DEMO_PROFILES})")
    ev.add_argument("--agent-calls-per-day", type=_count(0), help="agent-call capacity (default 2%% of those who owe)")
    ev.add_argument("--out", type=Path, help="write table.csv, runs.csv and settings.json here")

    el = sub.add_parser("evaluate-logs", help="estimate a candidate contact policy from logged runs (off-policy)",
                        description="Read the decisions logged by `riskscore score` runs (plans.parquet, with "
                                    "--explore for support) and what borrowers paid afterwards, and estimate what a "
                                    "candidate policy would have recovered (and contacted, with --contacts), per "
                                    "decision: inverse-propensity, self-normalised and doubly-robust estimates with "
                                    "borrower-clustered bootstrap intervals and the effective sample size.")
    el.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="--out folders of finished score runs")
    el.add_argument("--installments", type=Path, required=True,
                    help="the installments table with the payments made after the runs (parquet, folder or CSV)")
    el.add_argument("--contacts", type=Path, help="the contact log after the runs (adds the contacts outcome)")
    el.add_argument("--candidate", type=_candidate, required=True, metavar="SPEC",
                    help="SEGMENT=DECISION,... (e.g. middle=none: no contact for the middle segment) and/or new "
                         "thresholds (low_threshold=0.3,self_cure_threshold=0.85)")
    el.add_argument("--horizon-days", type=_count(1), default=7, help="days after each run that count (default 7)")
    el.add_argument("--resamples", type=_count(10), default=500, help="bootstrap resamples (default 500)")
    el.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and cross-fitting (default 0)")
    el.add_argument("--out", type=Path, metavar="FILE.csv", help="also write the table as CSV")

    d = sub.add_parser("demo", help="run the main job on the bundled sample",
                       description="Validate the sample data, then run the nightly job on it (riskscore score).")
    d.add_argument("--data", type=Path, default=Path("data/sample"), help="sample folder")
    d.add_argument("--out", type=Path, default=Path("runs/demo"), help="where to write the outputs")
    d.add_argument("--bundle", type=Path, default=Path("models/sample"), help="model bundle to score with")
    return p


def _candidate(text: str) -> dict[str, object]:
    """``middle=none,low_threshold=0.3`` as a mapping (thresholds as numbers)."""
    out: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = (x.strip() for x in part.partition("="))
        if not sep or not key or not value:
            raise argparse.ArgumentTypeError(f"write SEGMENT=DECISION or THRESHOLD=NUMBER, comma-separated; got "
                                             f"{part!r}")
        if key.endswith("_threshold"):
            try:
                out[key] = float(value)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{key} must be a number, got {value!r}") from None
        else:
            out[key] = value
    if not out:
        raise argparse.ArgumentTypeError("empty candidate")
    return out


def _table_path(text: str) -> Path | str:
    """A table's path; a URL (``s3a://b/x``, ``file:///x``) stays text, which ``Path`` would turn into ``s3a:/b/x``."""
    return text if "://" in text else Path(text)


def _add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, help="a folder with installments/borrowers/contacts .parquet (or .csv) files")
    for t in _TABLES:
        p.add_argument(f"--{t}", type=Path, help=f"the {t} table (parquet, folder or CSV)")


def _add_format(p: argparse.ArgumentParser, columns_help: str | None = None) -> None:
    p.add_argument("--columns", type=Path, metavar="FILE.yaml",
                   help=columns_help or "the extract's own column names: {installments: {their_name: borrower_id, "
                                        "...}, borrowers: {...}, contacts: {...}} (and date_format: ...)")
    p.add_argument("--date-format", action="append", default=[], type=_date_format, metavar="SPEC",
                   help="strftime format of text dates (default: ISO 8601 only; day/month text is refused, never "
                        "guessed): %%d/%%m/%%Y, installments=%%d/%%m/%%Y or installments.paid_date=%%d.%%m.%%Y "
                        "(repeatable)")


def _date_format(text: str) -> tuple[str, str]:
    key, sep, fmt = text.partition("=")
    if not sep or "%" in key:
        key, fmt = "*", text
    if "%" not in fmt:
        raise argparse.ArgumentTypeError(f"not a strftime format such as %d/%m/%Y or installments=%d/%m/%Y: {text!r}")
    return key.strip(), fmt


def _input_format(args: argparse.Namespace) -> riskscore.io.InputFormat:
    """``--columns FILE.yaml`` and ``--date-format`` as one checked format (the options override the file)."""
    from riskscore.io import InputFormat

    dates = dict(args.date_format) or None
    try:
        if args.columns is not None:
            return InputFormat.read(args.columns, date_format=dates)
        return InputFormat(date_format=dates)
    except (ValueError, TypeError) as err:
        raise UsageError(f"--date-format: {err}" if args.columns is None else str(err)) from None


def _input_paths(args: argparse.Namespace) -> dict[str, Path]:
    paths = {}
    for t in _TABLES:
        given = getattr(args, t)
        if given is not None:
            paths[t] = given
        elif args.data is not None:
            files = (args.data / f"{t}{ext}" for ext in (".parquet", ".csv", ".csv.gz"))
            found = next((f for f in files if f.exists()), None)
            if found is not None:
                paths[t] = found
    if "installments" not in paths:
        raise UsageError("give --installments PATH or --data DIR with installments.parquet (or .csv)")
    return paths


def _validate(paths: dict[str, Path], rejects: Path | None,
              fmt: riskscore.io.InputFormat | None = None) -> dict[str, dict[str, object]]:
    from riskscore.io import read_table, write_parquet

    validators = {"installments": riskscore.validate_installments,
                  "borrowers": riskscore.validate_borrowers, "contacts": riskscore.validate_contacts}
    report: dict[str, dict[str, object]] = {}
    for table, path in paths.items():
        df = read_table(path, table=table, rename=fmt and fmt.rename(table),
                        date_format=fmt and fmt.date_formats(table))
        if rejects is None:
            good = validators[table](df)
            report[table] = {"rows": len(df), "duplicates": good.attrs.get("duplicates_dropped", 0), "rejected": 0,
                             "currency": _currency(good)}
            continue
        good, bad = riskscore.quarantine(df, table)
        report[table] = {"rows": len(df), "duplicates": bad.attrs.get("duplicates_dropped", 0), "rejected": len(bad),
                         "currency": _currency(good)}
        if len(bad):
            out = rejects.with_name(f"{rejects.stem}_{table}{rejects.suffix or '.parquet'}")
            # Rejected cells may hold anything (text in a number column): store them as text.
            write_parquet(bad.astype({c: "string" for c in bad.columns if bad[c].dtype == object}), out)
            report[table]["rejects_file"] = str(out)
    return report


def _currency(table: object) -> str | None:
    """The one currency of validated installments (validation refuses several), ``None`` without any."""
    codes = table["currency"].dropna().unique() if "currency" in getattr(table, "columns", ()) else []
    return str(codes[0]) if len(codes) else None


def _cmd_generate(args: argparse.Namespace) -> int:
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        log.info("generated %d / %d borrowers (%.1f s)", done, total, time.perf_counter() - started)

    info = riskscore.write_world(args.out, args.borrowers, seed=args.seed, start=args.start, months=args.months,
                                 chunk_borrowers=args.chunk_borrowers, progress=progress)
    rows = info["rows"]
    print(f"Wrote a world of {info['n_borrowers']} borrowers ({rows['installments']} installment rows, "
          f"{rows['contacts']} contacts) to {args.out} in {time.perf_counter() - started:.1f} s.")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    paths, fmt = _input_paths(args), _input_format(args)
    for table in paths:  # the mapping applied, before anything is read
        if not fmt.is_default:
            print(f"{table}: {fmt.describe(table)}")
    report = _validate(paths, args.rejects, fmt)
    for table, r in report.items():
        print(f"{table}: {r['rows']:,} rows, {r['duplicates']:,} exact duplicates dropped, {r['rejected']:,} rejected"
              + (f" -> {r['rejects_file']}" if "rejects_file" in r else "")
              + (f"; amounts in {r['currency']}" if r["currency"] else ""))
    print("All tables pass their contracts." if args.rejects is None else "Done.")
    return 0


def _accepted(paths: dict[str, Path], fmt: riskscore.io.InputFormat, rejects: Path | None) -> dict[str, object]:
    """Each table read with ``fmt`` and quarantined: the accepted rows, typed; the rejects are counted and written."""
    from riskscore.io import read_table, write_parquet

    accepted = {}
    for table, path in paths.items():
        started = time.perf_counter()
        df = read_table(path, table=table, rename=fmt.rename(table), date_format=fmt.date_formats(table))
        log.info("validating %s: %d rows from %s", table, len(df), path)
        good, bad = riskscore.quarantine(df, table, warn_above=1.0)
        checks = ", ".join(f"{c} {n}" for c, n in bad["check"].str.split("; ").explode().value_counts().items())
        where = ""
        if len(bad) and rejects is not None:
            out = rejects.with_name(f"{rejects.stem}_{table}{rejects.suffix or '.parquet'}")
            write_parquet(bad.astype({c: "string" for c in bad.columns if bad[c].dtype == object}), out)
            where = f" -> {out}"
        dropped = int(good.attrs.get("duplicates_dropped", 0))
        print(f"{table}: {len(df):,} rows, {dropped:,} exact duplicates dropped, {len(bad):,} rejected "
              f"({bad['borrower_id'].nunique():,} borrowers" + (f": {checks}" if len(bad) else "") + f"){where}")
        log.info("validated %s in %.1f s", table, time.perf_counter() - started)
        accepted[table] = good
    return accepted


def _names(text: str) -> tuple[str, ...]:
    """``"a, b"`` -> ``("a", "b")`` (a comma-separated list of column names)."""
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _cmd_train(args: argparse.Namespace) -> int:
    import pandas as pd

    paths, fmt = _input_paths(args), _input_format(args)
    tables = _accepted(paths, fmt, args.rejects)  # borrowers are checked too, though training does not use them
    inst, contacts = tables["installments"], tables.get("contacts")
    if inst.empty:
        raise riskscore.DataError.from_message("installments", f"no installment row of '{paths['installments']}' "
                                               "passes the contract: nothing to train on")
    end = pd.Timestamp(riskscore.data_end(args.data or paths["installments"].parent, inst))
    start = args.as_of_start or str((inst["due_date"].min() + pd.Timedelta(days=90)).date())
    stop = args.as_of_end or str((end - pd.Timedelta(days=90)).date())
    builder = riskscore.FeatureBuilder(static=args.static, protected=args.protected, credit_limit=args.credit_limit)
    if args.static and "borrowers" not in tables:
        raise UsageError("--static needs --borrowers (the table holding those columns)")
    model, report = riskscore.train(inst, contacts=contacts, as_of_start=start, as_of_end=stop, freq=args.freq,
                                    data_end=end, model=riskscore.RepaymentModel(random_state=args.seed),
                                    feature_builder=builder.fit(), borrowers=tables.get("borrowers"))
    riskscore.save_bundle(model, args.out, metrics=report["metrics"], label_definition=report["label_definition"],
                          training_window=report["training_window"], reference=report["reference"],
                          feature_builder=report["feature_builder"], overwrite=args.overwrite)
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
    print(f"Bundle written to {args.out}; its digest (pin it with riskscore score --model-sha256): "
          f"{riskscore.bundle_digest(args.out)}")
    print(f"Model card: {args.out / 'model_card.md'}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    result = riskscore.run_demo(args.data, args.out, args.bundle, progress=print)
    print_demo(result)
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from riskscore.io import folder_lock, make_folder

    options = dict(installments=args.installments, as_of=args.as_of, borrowers=args.borrowers,
                   contacts=args.contacts, profile=args.profile, chunk_borrowers=args.chunk_borrowers, now=args.now,
                   data_date=args.data_date, agent_calls_per_day=args.agent_calls_per_day,
                   allow_missing_contacts=args.allow_missing_contacts, model_sha256=args.model_sha256,
                   allow_stale_data=args.allow_stale_data)
    fmt = _input_format(args).to_dict()
    options.update((k, v) for k, v in fmt.items() if v)  # columns=, date_format= only when given
    if args.explore is not None:
        options["policy_options"] = {"exploration": _exploration(args.explore)}
    # one job at a time in --out, from the first output to the report
    with folder_lock(make_folder(args.out), f"riskscore score --engine {args.engine}"):
        if args.engine == "spark":
            quiet_spark(verbose=args.verbose or args.debug)
            on_signal(stop_spark)
            for table in _TABLES:  # Spark would start a JVM first, then fail with a Java stack trace
                path = getattr(args, table)
                if path is not None and "://" not in str(path) and not path.exists():
                    raise FileNotFoundError(errno.ENOENT, "No such file or folder", str(path))
            from riskscore.spark import score_files  # the optional engine's public module (needs pyspark)

            manifest = score_files(bundle=args.model, out=args.out, **options)
        else:
            manifest = riskscore.score_portfolio(bundle=args.model, out=args.out, n_jobs=args.jobs,
                                                 progress=args.progress, **options)
        print_run(manifest, args.out)
        if not args.no_report:
            started = time.perf_counter()
            path = riskscore.write_report(args.out, protected=args.protected, model=args.model)
            print(f"  report: {path} ({path.stat().st_size / 1e3:,.0f} kB, {time.perf_counter() - started:.1f} s)")
    return 0


def _parse_pages(text: str) -> dict[str, int]:
    pages = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, count = part.partition("=")
        if not count.strip().isdigit():
            raise UsageError(f"--pages takes KIND=COUNT,... (kinds review, largest, random), got {part!r}.")
        pages[name.strip()] = int(count)
    return pages


def _cmd_report(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if (args.run is None) == (args.history is None):
        raise UsageError("report: give either --run RUN (one run) or --history DIR (a folder of runs over time)")
    if args.history is not None:
        path = riskscore.write_history(args.history, args.out)
        print(f"Runs over time written to {path} ({path.stat().st_size / 1e3:,.0f} kB) in "
              f"{time.perf_counter() - started:.1f} s.")
        return 0
    fmt = _input_format(args).to_dict()
    given = {k: v for k, v in fmt.items() if v}  # the run's own mapping (its manifest) unless given here
    path = riskscore.write_report(args.run, args.out, protected=args.protected, pages=_parse_pages(args.pages),
                                  borrowers=args.borrower, model=args.model, seed=args.seed, **given)
    print(f"Report written to {path} ({path.stat().st_size / 1e3:,.0f} kB) in {time.perf_counter() - started:.1f} s.")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    model = riskscore.load_bundle(args.model) if any(p.startswith("riskscore") for p in policies) else None
    started = time.perf_counter()
    result = riskscore.evaluate_policy(riskscore.read_world(args.world), policies, args.start, args.days,
                                       model=model, profiles=args.profile, agent_calls_per_day=args.agent_calls_per_day,
                                       seeds=seeds,
                                       progress=lambda name, seed, row: log.info("%s seed %d done", name, seed))
    s = result.settings
    print(f"{s['borrowers']} borrowers owe at {s['start']}; {s['days']} days; seeds {s['seeds']}; "
          f"{time.perf_counter() - started:.0f} s")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(result.table["mean"].round(3).to_string())
    print("targets: " + ", ".join(f"{k} {float(v):.3f}" for k, v in result.targets().items()))
    if args.out is not None:
        from riskscore.io import make_folder, write_text

        make_folder(args.out)
        write_text(args.out / "table.csv", result.table.to_csv())
        write_text(args.out / "runs.csv", result.runs.to_csv(index=False))
        write_text(args.out / "settings.json", json.dumps(s, indent=2, default=str) + "\n")
        print(f"written to {args.out}/ (table.csv, runs.csv, settings.json)")
    return 0


def _exploration(path: Path) -> dict[str, object]:
    """``--explore FILE.yaml`` read and checked (as the manifest will record it)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return riskscore.policy.Exploration.from_dict(data).to_dict()
    except yaml.YAMLError as err:
        raise UsageError(f"--explore {path}: not YAML ({' '.join(str(err).split())[:200]})") from None
    except (TypeError, ValueError) as err:
        raise UsageError(f"--explore {path}: {err}") from None


def _cmd_evaluate_logs(args: argparse.Namespace) -> int:
    import pandas as pd

    from riskscore.io import read_table, write_text

    logs = []
    for run in args.runs:
        manifest = riskscore.RunManifest.read(run / "manifest.json")
        plans, scores = read_table(run / "plans.parquet"), read_table(run / "scores.parquet")
        logs.append(riskscore.evaluation.decision_log(plans, scores, as_of=manifest.as_of, now=manifest.now))
    installments = read_table(args.installments, table="installments")
    contacts = None if args.contacts is None else read_table(args.contacts, table="contacts")
    result = riskscore.evaluation.off_policy(pd.concat(logs, ignore_index=True), installments, args.candidate,
                                             contacts=contacts, horizon_days=args.horizon_days,
                                             n_resamples=args.resamples, random_state=args.seed)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(result.to_text())
    if args.out is not None:
        write_text(args.out, result.table.to_csv())
        print(f"written to {args.out}")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from riskscore.io import make_folder, write_text

    html = riskscore.explain_borrower(args.run, args.borrower, model=args.model)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in args.borrower)[:80]
    path = args.out or args.run / f"borrower-{safe}.html"
    make_folder(path.parent)
    write_text(path, html)
    print(f"Page of borrower {args.borrower} written to {path}.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskscore`` console script; returns the exit code (see ``riskscore --help``)."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("riskscore").setLevel(logging.DEBUG if args.verbose or args.debug else logging.INFO)
    warnings.showwarning = show_warning  # one line per warning, no Python source line
    commands = {"generate": _cmd_generate, "validate": _cmd_validate, "train": _cmd_train, "score": _cmd_score,
                "report": _cmd_report, "explain": _cmd_explain, "evaluate-policy": _cmd_evaluate,
                "evaluate-logs": _cmd_evaluate_logs, "demo": _cmd_demo}
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with trap_signals():
            return commands[args.command](args)
    except (Exception, KeyboardInterrupt) as err:  # every failure ends in one line (and a documented code)
        resumable = args.command == "score" and args.engine == "local"
        return report(err, args.command, debug=args.debug, resumable=resumable)
