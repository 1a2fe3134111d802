"""Argument parsing and the commands; exit codes and error lines are in ``_errors``.

Each command parses its arguments, calls one library function, prints the result and maps
exceptions to exit codes (0 ok, 1 a failed run, 2 usage, 70 a bug, 75 the output folder is
busy, 128 + N a signal). No business logic lives here.
"""

from __future__ import annotations

import argparse
import errno
import gc
import json
import logging
import multiprocessing
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import riskscore
from riskscore._processes import start_fork_server, usable_cores
from riskscore.cli._errors import (
    EXIT_USAGE,
    UsageError,
    exit_on_signal,
    not_after_a_signal,
    on_signal,
    report,
    show_warning,
    tolerate_gone_readers,
    trap_signals,
)
from riskscore.cli._parser import _TABLES, _parser
from riskscore.cli._print import print_demo, print_run
from riskscore.cli._spark import quiet_spark, stop_spark

log = logging.getLogger("riskscore.cli")


def _input_format(args: argparse.Namespace) -> riskscore.io.InputFormat:
    """``--columns FILE.yaml``, ``--date-format``, ``--number-format``, ``--encoding`` and ``--header`` as one
    checked format (the options override the file)."""
    from riskscore.io import InputFormat

    dates = dict(args.date_format) or None
    numbers, encoding = getattr(args, "number_format", None), getattr(args, "encoding", None)
    header: dict[str, list[str]] = {}
    for table, names in getattr(args, "header", []):
        if table in header:
            raise UsageError(f"--header: {table} is given twice; give each table's names once")
        header[table] = names
    for option, kwargs in (("--number-format", {"number_format": numbers}), ("--encoding", {"encoding": encoding}),
                           ("--date-format", {"date_format": dates}), ("--header", {"header": header})):
        try:
            InputFormat(**kwargs)  # each apart, before the file: the message names its option
        except (ValueError, TypeError) as err:
            raise UsageError(f"{option}: {err}") from None
    if args.columns is None:
        return InputFormat(date_format=dates, number_format=numbers, encoding=encoding, header=header or None)
    try:
        return InputFormat.read(args.columns, date_format=dates, number_format=numbers, encoding=encoding,
                                header=header or None)
    except (ValueError, TypeError) as err:
        raise UsageError(str(err)) from None


def _input_paths(args: argparse.Namespace) -> dict[str, Path]:
    paths = {}
    for t in _TABLES:
        given = getattr(args, t)
        if given is not None:
            paths[t] = given
        elif args.data is not None:
            found = riskscore.io.find_input(args.data, t)
            if found is not None:
                paths[t] = found
    if "installments" not in paths:
        raise UsageError("give --installments PATH or --data DIR with installments.parquet (or .orc, .csv, .tsv, or a "
                         "folder installments/ of parts)")
    return paths


def _validate(paths: dict[str, Path], rejects: Path | None,
              fmt: riskscore.io.InputFormat | None = None) -> dict[str, dict[str, object]]:
    from riskscore.io import InputFormat, read_table, write_parquet

    validators = {"installments": riskscore.validate_installments,
                  "borrowers": riskscore.validate_borrowers, "contacts": riskscore.validate_contacts}
    report: dict[str, dict[str, object]] = {}
    for table, path in paths.items():
        df = read_table(path, table=table, **(fmt or InputFormat()).reading(table))
        if rejects is None:
            good = validators[table](df)
            report[table] = {"rows": len(df), "duplicates": good.attrs.get("duplicates_dropped", 0), "rejected": 0,
                             "currency": _currency(good), "versions": _versions(good)}
            continue
        good, bad = riskscore.quarantine(df, table)
        report[table] = {"rows": len(df), "duplicates": bad.attrs.get("duplicates_dropped", 0), "rejected": len(bad),
                         "currency": _currency(good), "versions": _versions(good)}
        if len(bad):
            out = rejects.with_name(f"{rejects.stem}_{table}{rejects.suffix or '.parquet'}")
            # Rejected cells may hold anything (text in a number column): store them as text.
            write_parquet(bad.astype({c: "string" for c in bad.columns if bad[c].dtype == object}), out)
            report[table]["rejects_file"] = str(out)
    return report


def _versions(table: object) -> str:
    """`` (N borrowers, versioned in time by valid_from)`` for a borrowers table with dated rows, else ``""``."""
    if "valid_from" not in getattr(table, "columns", ()) or not table["valid_from"].notna().any():  # type: ignore[index]
        return ""
    return f" ({table['borrower_id'].nunique():,} borrowers, versioned in time by valid_from)"


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
        print(f"{table}: {r['rows']:,} rows{r['versions']}, {r['duplicates']:,} exact duplicates dropped, "
              f"{r['rejected']:,} rejected"
              + (f" -> {r['rejects_file']}" if "rejects_file" in r else "")
              + (f"; amounts in {r['currency']}" if r["currency"] else ""))
    print("All tables pass their contracts." if args.rejects is None else "Done.")
    return 0


def _accepted(paths: dict[str, Path], fmt: riskscore.io.InputFormat | Callable[[str], dict[str, Any]],
              rejects: Path | None, train: bool = True, own: Sequence[str] = ()) -> dict[str, object]:
    """Each table read with ``fmt`` (or the reading it returns per table) and quarantined: the accepted rows,
    typed; the rejects are counted and written. For ``evaluate-logs`` (``train=False``) it says less: a
    table's line only when rows were dropped or rejected (its output is the estimate)."""
    from riskscore.io import read_table, write_parquet

    progress = log.info if train else log.debug
    accepted = {}
    for table, path in paths.items():
        started = time.perf_counter()
        df = read_table(path, table=table, **(fmt(table) if callable(fmt) else fmt.reading(table)))
        progress("validating %s: %d rows from %s", table, len(df), path)
        good, bad = riskscore.quarantine(df, table, warn_above=1.0,  # own columns: conflicting values rejected
                                         compare=tuple(own) if table == "borrowers" else ())
        checks = ", ".join(f"{c} {n}" for c, n in bad["check"].str.split("; ").explode().value_counts().items())
        out = None
        if len(bad) and rejects is not None:
            out = rejects.with_name(f"{rejects.stem}_{table}{rejects.suffix or '.parquet'}")
            write_parquet(bad.astype({c: "string" for c in bad.columns if bad[c].dtype == object}), out)
        dropped = int(good.attrs.get("duplicates_dropped", 0))
        if train or dropped or len(bad):
            print(f"{table}: {len(df):,} rows{_versions(good)}, {dropped:,} exact duplicates dropped, "
                  f"{len(bad):,} rejected "
                  f"({bad['borrower_id'].nunique():,} borrowers" + (f": {checks}" if len(bad) else "") + ")"
                  + (f" -> {out}" if out else ""))
        progress("validated %s in %.1f s", table, time.perf_counter() - started)
        if 2 * len(bad) > len(df):  # a model fitted on the rest would not be the data's: the input is wrong
            top = ", ".join(checks.split(", ")[:3])
            raise riskscore.DataError.from_message(
                table, f"{table} '{path}': {len(bad):,} of {len(df):,} rows are rejected ({top}), more than half: "
                       + ("nothing is trained on the rest; " if train else "nothing is estimated from the rest; ")
                       + (f"the rejects with their reasons are in {out}" if out else
                          "see them with their reasons with --rejects FILE.parquet (or riskscore validate)"
                          if train else "see them with their reasons with riskscore validate --rejects FILE.parquet"))
        accepted[table] = good
    return accepted


def _cmd_train(args: argparse.Namespace) -> int:
    import pandas as pd

    try:  # a frequency that is none, or does not move forward: was an internal error ("Invalid frequency")
        riskscore.rolling_as_of_dates("2024-01-01", "2024-01-02", freq=args.freq)  # a valid window: only freq fails
    except ValueError as err:
        raise UsageError(f"--freq: {err}") from None
    paths, fmt = _input_paths(args), _input_format(args)
    own = [*(args.static or ()), *(args.categorical or ())]  # the borrowers' columns training reads
    tables = _accepted(paths, fmt, args.rejects, own=own)
    inst, contacts = tables["installments"], tables.get("contacts")
    if inst.empty:
        raise riskscore.DataError.from_message("installments", f"no installment row of '{paths['installments']}' "
                                               "passes the contract: nothing to train on")
    end = pd.Timestamp(riskscore.data_end(args.data or paths["installments"].parent, inst))
    builder = riskscore.FeatureBuilder(static=args.static, protected=args.protected, credit_limit=args.credit_limit,
                                       categorical=args.categorical)
    renamed = fmt.rename("borrowers") if "borrowers" in tables else {}
    for option in ("static", "categorical", "credit_limit"):
        names = getattr(args, option) or ()
        names = (names,) if isinstance(names, str) else names
        if names and option != "credit_limit" and "borrowers" not in tables:
            raise UsageError(f"--{option} needs --borrowers (the table holding those columns)")
        for name in names:  # the extract's name of a column the columns file renames: was "no column"
            if name in renamed and name not in tables["borrowers"].columns:  # type: ignore[attr-defined]
                flag = option.replace("_", "-")
                raise UsageError(f"--{flag}: the columns file renames the borrowers' column {name!r} to "
                                 f"{renamed[name]!r}; name it so: --{flag} {renamed[name]}")
    builder.fit()  # the options' own checks (a static column named like a protected attribute) first
    first = inst["due_date"].min()
    start = args.as_of_start or str((first + pd.Timedelta(days=90)).date())
    stop = args.as_of_end or str((end - pd.Timedelta(days=90)).date())
    if not (args.as_of_start or args.as_of_end) and len(pd.date_range(start, stop, freq=args.freq)) < 4:
        raise riskscore.DataError.from_message(
            "installments", f"installments '{paths['installments']}': the history runs from {first.date()} to "
                            f"{end.date()} ({(end - first).days} days); training scores it at as-of dates from 90 "
                            "days after the first due date to 90 days before the data ends (an outcome needs 90 days "
                            f"to show), every --freq {args.freq}, and needs 4 of them: give a longer history, or "
                            "--as-of-start / --as-of-end")
    model, report = riskscore.train(inst, contacts=contacts, as_of_start=start, as_of_end=stop, freq=args.freq,
                                    data_end=end, model=riskscore.RepaymentModel(random_state=args.seed),
                                    feature_builder=builder, borrowers=tables.get("borrowers"))
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


#: What the local engine's fork server imports before it forks the workers (``riskscore.batch``'s
#: ``_run._context`` names the same module; tests/cli checks that they agree).
WORKER_MODULES = ["riskscore.batch._worker"]


def _start_fork_server(jobs: int | None) -> None:
    """Start the local engine's fork server now, so that its imports (about 1.5 s) run beside this
    process's own (the engine would start it only when its workers start)."""
    if (jobs or usable_cores()) <= 1:
        return  # no workers: the chunks run in this process
    try:
        multiprocessing.get_context("forkserver")
    except ValueError:  # no fork server on this platform (Windows): the workers are spawned
        return
    start_fork_server(WORKER_MODULES)  # deaf to Ctrl-C during its imports: the job's one line stays the last


def _cmd_score(args: argparse.Namespace) -> int:
    for table, path in _input_paths(args).items():  # --data DIR fills in the tables not given one by one
        setattr(args, table, path)
    if args.engine == "local":
        _start_fork_server(args.jobs)
    from riskscore.io import folder_lock, make_folder

    options = dict(installments=args.installments, as_of=args.as_of, borrowers=args.borrowers,
                   contacts=args.contacts, profile=args.profile, chunk_borrowers=args.chunk_borrowers, now=args.now,
                   data_date=args.data_date, agent_calls_per_day=args.agent_calls_per_day,
                   allow_missing_contacts=args.allow_missing_contacts, model_sha256=args.model_sha256,
                   allow_stale_data=args.allow_stale_data)
    fmt = _input_format(args).to_dict()
    options.update((k, v) for k, v in fmt.items() if v)  # columns=, date_format= only when given
    policy_options = _policy_options(args.policy_option)
    if args.explore is not None:
        policy_options["exploration"] = _exploration(args.explore)
    if policy_options:
        options["policy_options"] = policy_options
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
    b = manifest.borrowers
    if args.max_rejected is not None and b["in"] and b["rejected"] > args.max_rejected * b["in"]:
        raise riskscore.DataError.from_message(
            "borrowers", f"{b['rejected']:,} of {b['in']:,} borrowers ({b['rejected'] / b['in']:.1%}) are rejected, "
                         f"more than --max-rejected {args.max_rejected:g}: the run's outputs are in {args.out} "
                         "(rejects.parquet says why)")
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
    if args.run_folder is not None:  # `riskscore report runs/2025-12-01`, as most people first type it
        if args.run is not None and args.run != args.run_folder:
            raise UsageError(f"report: two run folders, {str(args.run_folder)!r} and --run {str(args.run)!r}; give one")
        args.run = args.run_folder
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


def _policy_options(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``--policy-option`` pairs as ContactPolicy keyword arguments, checked by ContactPolicy itself."""
    options = dict(pairs)
    if options:
        try:
            riskscore.policy.ContactPolicy(**options)
        except (TypeError, ValueError) as err:
            raise UsageError(f"--policy-option: {' '.join(str(err).split())}") from None
    return options


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

    logs, first = [], {}
    for run in args.runs:
        manifest = riskscore.RunManifest.read(run / "manifest.json")
        plans, scores = read_table(run / "plans.parquet"), read_table(run / "scores.parquet")
        logs.append(riskscore.evaluation.decision_log(plans, scores, as_of=manifest.as_of, now=manifest.now))
        for table in manifest.inputs:  # the first run that read each table
            first.setdefault(table, manifest)
    given = _input_format(args)

    def reading(table: str) -> dict[str, object]:
        """The first run's reading of ``table`` (its column names, date formats, ...), what is given over it."""
        recorded = first[table].reading(table) if table in first else {}
        return recorded | {k: v for k, v in given.reading(table).items() if v}

    paths = {"installments": args.installments, **({"contacts": args.contacts} if args.contacts else {})}
    tables = _accepted(paths, reading, None, train=False)  # read and checked as the runs did
    installments, contacts = tables["installments"], tables.get("contacts")
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
    # py4j logs tracebacks when a signal interrupts a call to the JVM or closes a connection under it;
    # the interruption is said in one line by the error model
    for handler in logging.getLogger().handlers:
        if not_after_a_signal not in handler.filters:
            handler.addFilter(not_after_a_signal)
    warnings.showwarning = show_warning  # one line per warning, no Python source line
    # The multiprocessing resource tracker (a process of its own, started with this interpreter's -W
    # options) reports at exit the semaphores a worker killed from outside left behind, after the run
    # has said in one line what happened and how to resume
    if "ignore:resource_tracker:UserWarning" not in sys.warnoptions:
        sys.warnoptions.append("ignore:resource_tracker:UserWarning")
    commands = {"generate": _cmd_generate, "validate": _cmd_validate, "train": _cmd_train, "score": _cmd_score,
                "report": _cmd_report, "explain": _cmd_explain, "evaluate-policy": _cmd_evaluate,
                "evaluate-logs": _cmd_evaluate_logs, "demo": _cmd_demo}
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    resumable = args.command == "score" and args.engine == "local"
    try:
        with trap_signals():
            try:
                return commands[args.command](args)
            except (Exception, KeyboardInterrupt) as err:  # every failure ends in one line (and a documented code)
                # said while the signals are still trapped: a second Ctrl-C while a Spark session stops
                # (up to 10 s) exits at once instead of raising inside the report
                return report(err, args.command, debug=args.debug, resumable=resumable)
    except KeyboardInterrupt as err:  # the first signal came while a failure was being said
        return report(err, args.command, debug=args.debug, resumable=resumable)


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``riskscore`` console script and ``python -m riskscore``: :func:`main`, then exit with its code.

    Left to itself, the interpreter's exit walks every object of every library a run imported
    (pandas, scikit-learn, LightGBM, numba, ...) with its garbage collector: 0.3 s or more after
    each command. Here the collector runs once, so that whatever sits in a reference cycle is
    finalised as usual (a file in one is closed and flushed), and what is left is frozen, which
    the exit's collections then skip. ``atexit`` handlers, buffered output and exit codes are
    untouched. :func:`main` itself leaves the collector alone: it is also called in-process. A
    signal during this exit ends the process at once with the command's code (it is over).
    """
    tolerate_gone_readers()  # `riskscore validate ... | head`: no BrokenPipeError, the command's own code
    code = main(argv)
    exit_on_signal(code)
    gc.collect()
    gc.freeze()
    sys.exit(code)
