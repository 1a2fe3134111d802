"""The command line's error model: exit codes, the one line a failure prints, and signals.

=====  ==============================================================================
code   meaning
=====  ==============================================================================
0      done
1      the run failed on something outside riskscore: data, a bundle, a run folder,
       a file that cannot be read or written, a Spark failure, lack of memory
2      usage: the command line cannot be parsed or an option's value has the wrong form
70     internal error: a bug in riskscore (EX_SOFTWARE); please report it
75     the output folder is being written by another job (EX_TEMPFAIL): try later
130    interrupted by SIGINT (Ctrl-C); 143 by SIGTERM; 129 by SIGHUP (128 + the signal)
=====  ==============================================================================

Every failure ends in exactly one line on stderr that starts with ``riskscore`` and names the
file, table, column or option at fault; never a traceback (``--debug`` adds it above the line).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import riskscore
from riskscore import DataError, RiskscoreError, RunLockedError

__all__ = ["EXIT_ERROR", "EXIT_INTERNAL", "EXIT_LOCKED", "EXIT_OK", "EXIT_USAGE", "Interrupted", "UsageError",
           "error_line", "exit_code", "interrupt_line", "on_signal", "report", "show_warning", "trap_signals"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL, EXIT_LOCKED = 0, 1, 2, 70, 75
_PACKAGE = os.path.realpath(Path(__file__).parents[1])
_MAX_LINE = 2000
#: Spark's wrapper of a file it failed to read (``[FAILED_READ_FILE...] Encountered error while reading file F.``).
_READ_FILE = re.compile(r"error while reading file (\S+?)\.?(?:\s|$)")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b:?")


class UsageError(Exception):
    """A command line that parses but cannot run as given (exit code 2)."""


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP arrived: unwinds like Ctrl-C (so every ``finally`` runs), remembers the signal."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raised_by_riskscore(err: BaseException) -> bool:
    """Whether the innermost frame of ``err``'s traceback is riskscore's own code (a check, not an accident).

    An error raised in a worker process is re-raised by ``concurrent.futures``: its own traceback
    is the text of its ``__cause__`` then, and its last ``File "..."`` line decides.
    """
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    innermost = tb.tb_frame.f_code.co_filename
    remote = getattr(err.__cause__, "tb", None)
    if isinstance(remote, str) and innermost.endswith(os.path.join("concurrent", "futures", "_base.py")):
        files = re.findall(r'File "([^"]+)", line \d+', remote)
        innermost = files[-1] if files else innermost
    return os.path.realpath(innermost).startswith(_PACKAGE + os.sep)


def _from_spark(err: BaseException) -> bool:
    return type(err).__module__.split(".")[0] in ("pyspark", "py4j")


def exit_code(err: BaseException) -> int:
    """The documented exit code of an exception that ended a command (see the module docstring)."""
    if isinstance(err, Interrupted):
        return 128 + err.signum
    if isinstance(err, KeyboardInterrupt):
        return 128 + signal.SIGINT
    if isinstance(err, UsageError):
        return EXIT_USAGE
    if isinstance(err, RunLockedError):
        return EXIT_LOCKED
    if isinstance(err, (RiskscoreError, OSError, MemoryError)) or _from_spark(err):
        return EXIT_ERROR
    # riskscore checks values the scikit-learn way: ValueError (and KeyError for an unknown name);
    # the same types raised inside another library are accidents of ours
    if isinstance(err, (ValueError, KeyError)) and (_raised_by_riskscore(err)
                                                    or type(err).__name__ == "InvalidParameterError"):
        return EXIT_ERROR
    return EXIT_INTERNAL


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_LINE else line[:_MAX_LINE - 1] + "…"


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
    """``warnings.showwarning`` of the command line: ``warning: <category>: <message>``, one line on stderr."""
    print(riskscore.exceptions.warning_line(message, category), file=sys.stderr if file is None else file)


#: A data error's Python advice, and what the command line offers instead.
_PYTHON_ADVICE = (
    (re.compile(r"^    index      ", re.M), "    row        "),
    (re.compile(r"\(\+(\d+) more; see err\.failure_cases\)"),
     r"(+\1 more; riskscore validate --rejects FILE.parquet writes every one with its reason)"),
    (re.compile(r"^Hint: fix the extract, or set the failing rows aside with riskscore\.quarantine\(.*$", re.M),
     "Hint: fix the extract; riskscore score and train set these borrowers aside (each row in their rejects), "
     "and riskscore validate --rejects FILE.parquet writes them."),
)


def command_line_text(text: str) -> str:
    """A data error's rows as a command-line user reads them: ``row`` (the position in the input, as
    in rejects files) for pandas' ``index``, and the commands that set rows aside for the Python calls.

    Examples
    --------
    >>> print(command_line_text("    index      x\\n    (+4 more; see err.failure_cases)"))
        row        x
        (+4 more; riskscore validate --rejects FILE.parquet writes every one with its reason)
    """
    for pattern, replacement in _PYTHON_ADVICE:
        text = pattern.sub(replacement, text)
    return text


def _data_error_line(err: DataError) -> str:
    """The headline and every failing column and check of a data error (its example rows go to stdout)."""
    lines = str(err).splitlines()
    checks = [line[2:] for line in lines[1:] if line.startswith("- ")]
    return lines[0].rstrip(":") + (": " + "; ".join(checks) if checks else "") if lines else err.table


def _os_error_text(err: OSError) -> str:
    reason = err.strerror or str(err) or type(err).__name__
    if err.filename is None or str(err.filename) in reason:
        return reason if err.strerror else str(err)
    names = f"'{err.filename}'" + (f" -> '{err.filename2}'" if err.filename2 is not None else "")
    return f"{names}: {reason}"


#: A delimited text file named in a Spark failure.
_TEXT_FILE = re.compile(r"\.(csv|tsv|txt)(\.(gz|bz2|zst))?\b", re.IGNORECASE)


def _spark_text(err: BaseException) -> str:
    """The line of a Spark failure worth reading: the Python error of a worker, else the head of the JVM's message."""
    text = str(err).split("JVM stacktrace:")[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any(line.startswith("Traceback") for line in lines):  # a Python exception in an executor
        heads = [i for i, line in enumerate(lines) if _EXCEPTION_LINE.match(line)]
        if heads:
            return " ".join(lines[heads[-1]:])  # "package.Type: message" and the rest of its message
    if lines and lines[0].startswith("An error occurred while calling"):  # py4j: the Java exception follows
        causes = re.findall(r"^Caused by: (.+?)\s*$", str(err), re.M)
        read = next((m[1] for c in causes if (m := _READ_FILE.search(c))), None)
        if read is not None:  # a file Spark could not read (a damaged part of a folder): name it, and why
            return f"cannot read '{read}': {causes[-1]}"
        java = [line.lstrip(": ") for line in lines[1:] if line.startswith(":")]
        if java:
            return java[0] + (f" (caused by {causes[-1]})" if causes and java[0] != causes[-1] else "")
    return lines[0] if lines else type(err).__name__


def error_line(err: BaseException, command: str | None) -> str:
    """The one line on stderr for an exception that ended ``command``."""
    code = exit_code(err)
    if code == EXIT_USAGE:
        return f"riskscore {command}: error: {_one_line(str(err))}"
    if code == EXIT_INTERNAL:
        return (f"riskscore: internal error: {type(err).__name__}: {_one_line(str(err))[:300]} "
                "(run with --debug for the traceback; please report)")
    if isinstance(err, DataError):
        return f"riskscore: data error: {_one_line(_data_error_line(err))}"
    if _from_spark(err):
        text = _spark_text(err)
        if ("footer" in text or "Parquet" in text) and _TEXT_FILE.search(text):  # a remote folder, read as parquet
            text += ("; a folder given as a URL that riskscore cannot list (Spark Connect) is read as parquet "
                     "files: give its CSV parts as a pattern (s3a://bucket/folder/*.csv.gz)")
        return f"riskscore: error: Spark: {_one_line(text)}"
    if isinstance(err, MemoryError):
        return ("riskscore: error: out of memory; lower --chunk-borrowers or --jobs "
                f"({_one_line(str(err)) or 'MemoryError'})")
    if isinstance(err, OSError):
        return f"riskscore: error: {_one_line(_os_error_text(err))}"
    text = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
    return f"riskscore: error: {_one_line(text or type(err).__name__)}"


def interrupt_line(err: KeyboardInterrupt, command: str | None, resumable: bool) -> str:
    """The one line on stderr for an interrupted command."""
    name = signal.Signals(err.signum).name if isinstance(err, Interrupted) else "SIGINT"
    return f"riskscore: interrupted ({name})" + ("; run the same command to resume" if resumable else "")


def _interruption(err: BaseException) -> KeyboardInterrupt | None:
    """The interrupt behind ``err``: itself, or one it was raised while handling (a library's cleanup
    that fails once the signal has cut its connection, as pyspark's does)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return Interrupted(_TRAP["signum"]) if _TRAP["signum"] is not None else None


def report(err: BaseException, command: str | None, *, debug: bool, resumable: bool = False) -> int:
    """Print what ended a command (the traceback first with ``debug``) and return its exit code."""
    if debug:
        traceback.print_exception(err, file=sys.stderr)
    err = _interruption(err) or err
    deadline = time.monotonic() + 10
    for thread in _TRAP["threads"]:  # what on_signal started (a Spark session stopping): its output first
        thread.join(max(0.0, deadline - time.monotonic()))
    if getattr(sys.stderr, "isatty", lambda: False)():
        sys.stderr.write("\r\x1b[K")  # on a terminal, a progress bar may hold the line: clear it
    if isinstance(err, KeyboardInterrupt):
        print(interrupt_line(err, command, resumable), file=sys.stderr)
    else:
        if isinstance(err, DataError) and len(str(err).splitlines()) > 1:
            print(command_line_text(str(err)), flush=True)  # the failing rows: the output; the verdict below
        print(error_line(err, command), file=sys.stderr)
    return exit_code(err)


_SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None)
#: The signal that arrived while :func:`trap_signals` ran, and what to start (in a thread) when it does.
_TRAP: dict[str, Any] = {"signum": None, "on_signal": [], "threads": []}


def on_signal(callback: Callable[[], object]) -> None:
    """Run ``callback`` in a thread of its own when a signal arrives (stop an engine that would go on)."""
    _TRAP["on_signal"].append(callback)


@contextmanager
def trap_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread while the block runs.

    The first signal starts the :func:`on_signal` callbacks and unwinds the command (workers
    are stopped, temporary files removed); a second one while that happens exits at once with
    the same code (the workers die with this process). Signals ignored when the block starts
    (``nohup``) stay ignored. Outside the main thread nothing is installed.
    """
    _TRAP.update(signum=None, on_signal=[], threads=[])
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def again(signum: int, frame: FrameType | None) -> None:
        print(f"riskscore: {signal.Signals(signum).name} again; stopping now", file=sys.stderr)
        os._exit(128 + signum)

    def first(signum: int, frame: FrameType | None) -> None:
        _TRAP["signum"] = signum
        for s in installed:
            signal.signal(s, again)
        for callback in _TRAP["on_signal"]:
            thread = threading.Thread(target=callback, name="riskscore-on-signal", daemon=True)
            thread.start()
            _TRAP["threads"].append(thread)
        raise Interrupted(signum)

    previous: dict[int, Callable[..., object] | int | None] = {}
    for s in _SIGNALS:
        handler = signal.getsignal(s)
        if handler is not signal.SIG_IGN:
            previous[s] = handler
            signal.signal(s, first)
    installed = list(previous)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def exit_on_signal(code: int) -> None:
    """From here on a signal ends the process at once with ``code``: the command is over.

    Called once the command has done and said all it does (outputs in place, its lock released,
    its last line printed), before the interpreter's slow exit (its garbage collection, 0.3 s or
    more): a Ctrl-C then would raise ``KeyboardInterrupt`` wherever the exit is and print its
    traceback. The buffered output is flushed first; the exit code stays the command's own.
    Outside the main thread nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def done(signum: int, frame: FrameType | None) -> None:
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError, AttributeError):
                stream.flush()
        os._exit(code)

    for s in _SIGNALS:
        if signal.getsignal(s) is not signal.SIG_IGN:
            signal.signal(s, done)


class _ReaderMayGo:
    """``sys.stdout`` or ``sys.stderr`` whose reader may stop reading (``riskscore validate ... | head``).

    A write or flush to a pipe whose reader has gone raises ``BrokenPipeError`` in Python (which
    ignores SIGPIPE), wherever the command is: a traceback, or a run that did its work reported as
    failed. Here the stream's descriptor is pointed at ``os.devnull`` instead, so what nobody reads
    is dropped, the command goes on and exits with its own code (as ``| head`` users expect).
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _gone(self) -> None:
        with suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()
            with suppress(OSError, ValueError):
                self._stream.flush()  # what was buffered goes to os.devnull now

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def tolerate_gone_readers() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in :class:`_ReaderMayGo` (the console script only)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _ReaderMayGo):
            setattr(sys, name, _ReaderMayGo(stream))


def not_after_a_signal(record: logging.LogRecord) -> bool:
    """A log filter: py4j's errors once a signal is stopping the command (a JVM call cut short, a
    connection closed under it: "Exception while sending command", "... while shutting down
    connection", each with its traceback) are consequences of the stop, said in its one line."""
    message = str(record.msg)
    if message.startswith("KeyboardInterrupt while sending"):
        return False
    if _TRAP["signum"] is None:
        return True
    return not (record.name.startswith("py4j") or message.startswith("Exception while sending command"))
