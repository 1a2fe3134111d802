"""The argument parser of the ``riskscore`` command line (the commands are in :mod:`riskscore.cli._main`)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import NoReturn

from riskscore import __version__
from riskscore.cli._errors import EXIT_USAGE

_TABLES = ("installments", "borrowers", "contacts")
#: The rule profile per country evaluate-policy applies by default (the demo's).
DEMO_PROFILES = "US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1"

class _Parser(argparse.ArgumentParser):
    """argparse with one line per usage error (``riskscore score: error: argument --jobs: ...``), exit code 2.

    Options are never abbreviated: ``--data`` is not ``--data-date`` (a script's options mean the same
    in the next release, whatever options it adds)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

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


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a share between 0 and 1: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


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
    p.add_argument("--version", action="version", version=f"riskscore {__version__}")
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
                                                "goes on with the accepted rows, unless more than half of a "
                                                "table's rows are rejected: then it stops)")
    tr.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    tr.add_argument("--as-of-start", type=_date, help="first as-of date (default: 90 days after the first due date)")
    tr.add_argument("--as-of-end", type=_date, help="last as-of date (default: 90 days before the data ends)")
    tr.add_argument("--freq", default="14D",
                    help="as-of spacing, a pandas frequency (default 14D; 7D, W-MON, MS, ...)")
    tr.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tr.add_argument("--overwrite", action="store_true", help="replace an existing bundle")
    tr.add_argument("--static", type=_names, default=(), metavar="COL,COL",
                    help="the borrowers table's own columns to use as features (e.g. credit_limit,income): numbers "
                         "known at the as-of date (application data, or a table versioned in time by a valid_from "
                         "column: each as-of date reads the rows in effect then); needs --borrowers; names that look "
                         "like a protected attribute are refused")
    tr.add_argument("--categorical", type=_names, default=(), metavar="COL,COL",
                    help="the borrowers table's own text columns to use as features (e.g. employment,housing): "
                         "categories known at the as-of date, as --static; each value held by at least 1%% of the "
                         "borrowers (and 20 of them) is a category, up to 30 per column, the rest one 'another "
                         "value'; needs --borrowers; names that look like a protected attribute are refused")
    tr.add_argument("--protected", type=_names, default=(), metavar="COL,COL",
                    help="more protected attribute names, refused as --static and --categorical columns like the "
                         "built-in list")
    tr.add_argument("--credit-limit", metavar="COL",
                    help="the --static column holding the credit limit: adds utilisation features")

    sc = sub.add_parser("score", help="the nightly job: score a portfolio, explain, plan contact",
                        description="Score every borrower of the installments input at --as-of in chunks (resumable): "
                                    "scores, plans, audit, rejects and a manifest in --out.")
    sc.add_argument("--data", type=Path, help="a folder with installments/borrowers/contacts .parquet (or .csv) "
                                              "files or folders of parts (or give each with --installments, "
                                              "--borrowers, --contacts)")
    sc.add_argument("--installments", type=_table_path,
                    help="installments: parquet, CSV, or a folder of either (with --engine spark also a URL: s3a://, "
                         "hdfs://); this or --data")
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
                    help="agent-call capacity of the portfolio (default: no limit); agent calls are off unless "
                         "--policy-option max_window_calls=1")
    sc.add_argument("--jobs", type=_count(1),
                    help="worker processes (default: the cores this process may use, a container's CPU quota counted)")
    sc.add_argument("--engine", choices=("local", "spark"), default="local",
                    help="local processes (default) or Apache Spark (pip install 'riskscore[spark]')")
    sc.add_argument("--progress", choices=("auto", "bar", "log", "off"), default="auto",
                    help="a bar on a terminal, log lines otherwise (default auto)")

    sc.add_argument("--explore", type=Path, metavar="FILE.yaml",
                    help="randomised holdouts (opt-in): {seed: 7, shares: {middle: 0.05, low: 0.1}} -- that share "
                         "of a segment gets a plan drawn at random (none, gentle, remind, escalate); plans.parquet "
                         "records the decision, the default and the propensity; never for flagged, review, blocked "
                         "or hardship borrowers")
    sc.add_argument("--policy-option", action="append", default=[], type=_policy_option, metavar="NAME=VALUE",
                    help="a ContactPolicy option, repeatable: " + ", ".join(POLICY_OPTIONS) + " (a number, or "
                         "none); e.g. max_window_calls=1 turns agent calls on (off by default)")
    sc.add_argument("--no-report", action="store_true", help="do not write report.html into --out")
    sc.add_argument("--max-rejected", type=_share, metavar="SHARE",
                    help="exit 1 (a failed run, outputs still written) when more than this share of the borrowers "
                         "is rejected, e.g. 0.05 (default: the run succeeds whatever it rejects)")
    sc.add_argument("--protected", type=Path,
                    help="protected attributes (borrower_id + group columns) for the report's fairness section")

    rp = sub.add_parser("report", help="write the HTML report of a run, or of runs over time",
                        description="Summarise a run folder and write one self-contained HTML file (inline CSS "
                                    "and SVG, no script, nothing fetched from the network); with --history, one page "
                                    "of small multiples over a folder of runs (PSI, drift, volumes, plan mix).")
    rp.add_argument("run_folder", nargs="?", type=Path, metavar="RUN", help="the same as --run RUN")
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
    _add_format(el, columns_help="the extract's own column names, as for riskscore score (default: as the first run "
                                 "read its inputs, from its manifest; these options override it)")

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
                                        "...}, borrowers: {...}, contacts: {...}} (and date_format: ..., "
                                        "number_format: ..., encoding: ..., header: ...)")
    p.add_argument("--date-format", action="append", default=[], type=_date_format, metavar="SPEC",
                   help="strftime format of text dates (default: ISO 8601 only; day/month text is refused, never "
                        "guessed): %%d/%%m/%%Y, installments=%%d/%%m/%%Y or installments.paid_date=%%d.%%m.%%Y; "
                        "contacts.contacted_at=epoch_ms (or epoch_s) for Unix time, installments=excel (or "
                        "excel1904) for spreadsheet serial dates such as 45352, contacts.contacted_at=Asia/Shanghai "
                        "(or FORMAT@ZONE) for contact times written without a UTC offset (repeatable)")
    p.add_argument("--number-format", metavar="TEMPLATE",
                   help="how the extract writes text numbers, as 1234.56 written its way: 1.234,56 (dot groups, "
                        "decimal comma), 1234,56, '1 234,56', 1,234.56, 1'234.56 or 1,23,456.78 (India's "
                        "grouping), with the currency mark the amounts carry if any: '¥1,234.56', '1.234,56 €', "
                        "'Rp 1.234,56', 'Rs. 1,23,456.78' (default: plain numbers only; "
                        "12,50 and 1,234 are never guessed)")
    p.add_argument("--encoding", metavar="CODEC",
                   help="text encoding of CSV inputs: gb18030 (a Chinese Excel or WPS export), cp1252, ... (default "
                        "UTF-8, or UTF-16 with its byte-order mark; other encodings are never guessed)")
    p.add_argument("--header", action="append", default=[], type=_header, metavar="TABLE=NAME,NAME,...",
                   help="the column names, in order, of a table's CSV files written without a header line (MySQL's "
                        "INTO OUTFILE, PostgreSQL's COPY, Snowflake's, Spark's and Redshift's unloads by default): "
                        "installments=cust_no,loan,n,due,amount,paid,paid_amount (the files' own names: --columns "
                        "maps them; repeatable, one table each)")


def _header(text: str) -> tuple[str, list[str]]:
    """``"contacts=cust,at,channel,outcome"`` -> ``("contacts", ["cust", "at", "channel", "outcome"])``."""
    table, sep, names = text.partition("=")
    if not sep or not names.strip():
        raise argparse.ArgumentTypeError(f"give a table and its columns' names in order, such as "
                                         f"contacts=cust_no,contacted_at,channel,outcome: {text!r}")
    return table.strip(), [n.strip() for n in names.split(",")]


def _date_format(text: str) -> tuple[str, str]:
    key, sep, fmt = text.partition("=")
    if not sep or "%" in key:
        key, fmt = "*", text
    if "%" not in fmt and fmt not in ("epoch_s", "epoch_ms", "excel", "excel1904") and not _is_zone(fmt):
        raise argparse.ArgumentTypeError(f"not a strftime format such as %d/%m/%Y or installments=%d/%m/%Y (or "
                                         f"epoch_s, epoch_ms for Unix time, excel for spreadsheet serial dates, "
                                         f"contacts.contacted_at=Asia/Shanghai for contact times without an "
                                         f"offset): {text!r}")
    return key.strip(), fmt


def _is_zone(fmt: str) -> bool:
    """Whether ``fmt`` ends in an IANA time zone (``Asia/Shanghai``, ``excel@Asia/Shanghai``)."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(fmt.rpartition("@")[2])
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return False
    return True


#: ContactPolicy options ``--policy-option`` may set (numbers or ``none``; the rest need Python)
POLICY_OPTIONS = ("max_window_calls", "call_wait_days", "call_window_days", "plan_days", "low_threshold",
                  "self_cure_threshold", "no_contact_threshold", "hardship_top", "lead_minutes", "min_window_minutes")


def _policy_option(text: str) -> tuple[str, int | float | None]:
    """``"max_window_calls=1"`` -> ``("max_window_calls", 1)`` (checked by ContactPolicy later)."""
    key, sep, value = (p.strip() for p in text.partition("="))
    if not sep or key not in POLICY_OPTIONS:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with NAME one of {', '.join(POLICY_OPTIONS)}: {text!r}")
    if value.lower() in ("none", "null", "off"):
        return key, None
    try:
        return key, int(value)
    except ValueError:
        pass
    try:
        return key, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{key}: expected a number or none, got {value!r}") from None


def _names(text: str) -> tuple[str, ...]:
    """``"a, b"`` -> ``("a", "b")`` (a comma-separated list of column names)."""
    return tuple(p.strip() for p in text.split(",") if p.strip())
