"""The fuzz suite's harness: the world, run helpers, the laws' checks and the example budget.

One small valid world (30 borrowers, 12 months) is generated once per session; every example
corrupts it (:mod:`riskscore.testing`), writes it to a scratch folder and scores it with the
committed bundle ``models/sample`` in this process (``n_jobs=1``), or through the CLI.

The bundle is loaded and verified once and reused by every run (:func:`shared_bundle`): its
integrity is the bundle tests' business, and loading it is most of a small run's fixed cost.

Budget: the examples per test in ``test_fuzz.py`` in the default run (derandomized: the same
examples every time); ``@pytest.mark.fuzz_long`` tests (deselected by default; ``pytest -m fuzz_long tests/fuzz``)
draw ``RISKSCORE_FUZZ_EXAMPLES`` (default 500) random examples each.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, Phase, settings

import riskscore
from riskscore.exceptions import RiskscoreError
from riskscore.testing import Variant, WrittenInputs, assert_cli_outcome, assert_run_laws, write_variant

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "sample"
LONG_EXAMPLES = int(os.environ.get("RISKSCORE_FUZZ_EXAMPLES", "500"))
#: Warning categories a run may emit (riskscore's own); any other warning breaks law (a).
OWN_WARNINGS = tuple(getattr(riskscore.exceptions, n) for n in dir(riskscore.exceptions)
                     if isinstance(getattr(riskscore.exceptions, n), type)
                     and issubclass(getattr(riskscore.exceptions, n), Warning))


def fuzz_settings(examples: int | None = None) -> settings:
    """CI settings (``examples``, derandomized) or, with ``examples=None``, the long run's."""
    return settings(max_examples=examples or LONG_EXAMPLES, deadline=None, derandomize=examples is not None,
                    database=None, print_blob=True, phases=[p for p in Phase if p is not Phase.explain],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


# -- counting examples ----------------------------------------------------------------------------
@dataclass
class Tally:
    """Examples run and seconds spent per test (printed at the end of the session)."""

    examples: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, test: str, seconds: float, outcome: str) -> None:
        self.examples[test] = self.examples.get(test, 0) + 1
        self.seconds[test] = self.seconds.get(test, 0.0) + seconds
        by = self.outcomes.setdefault(test, {})
        by[outcome] = by.get(outcome, 0) + 1


TALLY = Tally()


# -- the world ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FuzzWorld:
    tables: dict[str, pd.DataFrame]
    start: pd.Timestamp
    end: pd.Timestamp
    scratch: Path

    def as_of(self, choice: str) -> str:
        """The as-of date a variant asks for."""
        day = {"usual": self.end - pd.Timedelta(days=60), "before_data": self.start - pd.Timedelta(days=30),
               "last_date": self.end, "after_data": self.end + pd.Timedelta(days=400)}[choice]
        return str(day.date())

    @contextlib.contextmanager
    def folder(self) -> Iterator[Path]:
        """A scratch folder, removed afterwards (examples are many; disk is not)."""
        path = Path(tempfile.mkdtemp(dir=self.scratch))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


# -- running --------------------------------------------------------------------------------------
_SCORERS: dict[Any, Any] = {}
_PROFILES: dict[Any, Any] = {}


def _cached_read(read: Any, profile: Any) -> Any:
    key = str(profile)
    if key not in _PROFILES:
        _PROFILES[key] = read(profile)
    return copy.deepcopy(_PROFILES[key])


@contextlib.contextmanager
def shared_bundle() -> Iterator[None]:
    """Within this block, ``Scorer.from_bundle`` returns one verified scorer per bundle and
    options, shipped rule profiles are parsed once, and riskscore logs errors only (a small
    corrupted world drifts from the training data: dozens of PSI warnings per run)."""
    from riskscore.policy import _profile
    from riskscore.scoring import Scorer

    original = Scorer.__dict__["from_bundle"]
    read = getattr(_profile, "_read", None)
    if read is not None:
        _profile._read = functools.partial(_cached_read, read)
    logger = logging.getLogger("riskscore")
    level = logger.level
    logger.setLevel(logging.ERROR)

    @functools.wraps(original.__func__)
    def cached(cls: type, path: Any, **kwargs: Any) -> Any:
        key = (str(path), tuple(sorted(kwargs.items())))
        if key not in _SCORERS:
            _SCORERS[key] = original.__func__(cls, path, **kwargs)
        return _SCORERS[key]

    Scorer.from_bundle = classmethod(cached)
    try:
        yield
    finally:
        Scorer.from_bundle = original
        if read is not None:
            _profile._read = read
        logger.setLevel(level)


@dataclass
class Outcome:
    manifest: Any = None
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)


def options(written: WrittenInputs, variant: Variant, as_of: str) -> dict[str, Any]:
    paths = written.paths
    return dict(borrowers=paths.get("borrowers"), contacts=paths.get("contacts"),
                allow_missing_contacts="contacts" not in paths, now=f"{as_of} 13:00", n_jobs=1,
                chunk_borrowers=variant.chunk_borrowers, progress="off",
                # as-of dates are drawn far past the data on purpose; the guard has its own tests
                allow_stale_data=True)


def run_api(written: WrittenInputs, out: Path, as_of: str, variant: Variant) -> Outcome:
    """``score_portfolio`` in this process: its manifest, or the riskscore error it raised.

    Any other exception is a broken law (it would be a traceback in the nightly job).
    """
    with warnings.catch_warnings(record=True) as caught, shared_bundle():
        warnings.simplefilter("always")
        try:
            manifest = riskscore.score_portfolio(written.paths["installments"], BUNDLE, as_of, out,
                                                 **options(written, variant, as_of))
        except RiskscoreError as err:
            outcome = Outcome(error=err)
        except (ValueError, KeyError, OSError) as err:
            if not raised_by_riskscore(err):
                raise AssertionError(f"law (a): score_portfolio raised {type(err).__name__} from "
                                     f"{_origin(err)} (not a riskscore error): {str(err)[:500]}") from err
            outcome = Outcome(error=err)
        except Exception as err:
            raise AssertionError(f"law (a): score_portfolio raised {type(err).__name__} (not a riskscore "
                                 f"error): {str(err)[:500]}") from err
        else:
            outcome = Outcome(manifest=manifest)
    outcome.warnings = [f"{w.category.__name__}: {w.message}" for w in caught
                        if not issubclass(w.category, OWN_WARNINGS)]
    return outcome


_PACKAGE = str(Path(riskscore.__file__).parent)


def _last_frame(err: BaseException) -> Any:
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def _origin(err: BaseException) -> str:
    tb = _last_frame(err)
    return "?" if tb is None else f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"


def raised_by_riskscore(err: BaseException) -> bool:
    """Whether riskscore raised ``err`` itself (a ``raise`` in its code: a deliberate, documented
    error the CLI turns into one line), rather than a library deep inside a riskscore call."""
    tb = _last_frame(err)
    return tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE)


def check_api(world: FuzzWorld, variant: Variant, test: str) -> None:
    """Law (a) on one variant, in process."""
    with world.folder() as folder:
        written = write_variant(world.tables, variant, folder / "in")
        started = time.perf_counter()
        outcome = run_api(written, folder / "out", world.as_of(variant.as_of), variant)
        TALLY.add(test, time.perf_counter() - started, _label(outcome))
        if outcome.error is not None:
            assert str(outcome.error).strip(), f"{type(outcome.error).__name__} without a message"
            assert not variant.must_finish, (
                f"law (a): a row-level fault must be quarantined, not stop the run: {type(outcome.error).__name__}: "
                f"{str(outcome.error)[:500]}")
        else:
            assert_run_laws(folder / "out", written, outcome.manifest)
        assert not outcome.warnings, f"law (a): warnings other than riskscore's: {outcome.warnings[:3]}"


def _label(outcome: Outcome) -> str:
    if outcome.error is not None:
        return type(outcome.error).__name__
    return "rejects" if outcome.manifest.borrowers["rejected"] else "clean"


def cli_argv(written: WrittenInputs, out: Path, as_of: str, variant: Variant, report: bool = False) -> list[str]:
    opts = options(written, variant, as_of)
    argv = ["score", "--installments", str(written.paths["installments"]), "--model", str(BUNDLE),
            "--as-of", as_of, "--out", str(out), "--now", opts["now"], "--jobs", "1",
            "--chunk-borrowers", str(variant.chunk_borrowers), "--progress", "off", "--allow-stale-data"]
    for table in ("borrowers", "contacts"):
        if table in written.paths:
            argv += [f"--{table}", str(written.paths[table])]
    if "contacts" not in written.paths:
        argv.append("--allow-missing-contacts")
    return argv + ([] if report else ["--no-report"])


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``riskscore.cli.main(argv)`` in this process: (exit code, stderr).

    An exception escaping ``main`` is what a user would see as a traceback: it is written to
    the returned stderr, as the interpreter would, with exit code 1.
    """
    from riskscore.cli import main

    err = io.StringIO()
    root = logging.getLogger()
    handlers = list(root.handlers)
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), shared_bundle(), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the CLI leaves warnings to Python's defaults; the API test checks them
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:
            import traceback

            err.write("Traceback (most recent call last):\n" + "".join(traceback.format_exception(exc)))
            code = 1
        finally:
            root.handlers[:] = handlers
    return int(code), err.getvalue()


def check_cli(world: FuzzWorld, variant: Variant, test: str) -> None:
    """Law (b) on one variant, through ``riskscore score`` in process."""
    with world.folder() as folder:
        written = write_variant(world.tables, variant, folder / "in")
        started = time.perf_counter()
        code, stderr = run_cli(cli_argv(written, folder / "out", world.as_of(variant.as_of), variant))
        TALLY.add(test, time.perf_counter() - started, f"exit {code}")
        assert_cli_outcome(code, stderr)
        if code == 0:
            assert_run_laws(folder / "out", written, riskscore.RunManifest.read(folder / "out" / "manifest.json"))
        else:
            assert not variant.must_finish, f"law (b): a row-level fault must not stop the run: {stderr[-800:]}"
