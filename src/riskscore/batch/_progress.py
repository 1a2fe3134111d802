"""Progress of a run: a bar on a terminal, plain log lines otherwise. Counts only, never borrower data."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

__all__ = ["Progress"]

log = logging.getLogger("riskscore.batch")


class Progress:
    """Chunks done, borrowers per second and the time left.

    Parameters
    ----------
    total : int
        Chunks to do in this run (resumed chunks are not counted).
    mode : {"auto", "bar", "log", "off"}, default "auto"
        ``auto``: a bar when ``stream`` is a terminal, log lines (at most one per ``every``
        seconds, and the last) otherwise.
    """

    def __init__(self, total: int, *, mode: str = "auto", stream: TextIO | None = None, every: float = 10.0):
        self.total, self.done, self.borrowers = total, 0, 0
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "log"
        if mode not in ("bar", "log", "off"):
            raise ValueError(f"progress must be 'auto', 'bar', 'log' or 'off', got {mode!r}.")
        self.mode, self.every = mode, every
        self.start = time.perf_counter()
        self.last = -float("inf")

    def line(self) -> str:
        """``chunks 3/20 · 41,200 borrowers/s · ETA 0:12`` (what the bar and the log lines say)."""
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = self.borrowers / elapsed
        left = (self.total - self.done) * elapsed / self.done if self.done else float("nan")
        eta = "?" if left != left else f"{int(left // 60)}:{int(left % 60):02d}"
        return f"chunks {self.done}/{self.total} · {rate:,.0f} borrowers/s · ETA {eta}"

    def update(self, borrowers: int) -> None:
        """One more chunk done with ``borrowers`` input borrowers."""
        self.done += 1
        self.borrowers += borrowers
        now = time.perf_counter()
        if self.mode == "bar":
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.line()}  ")
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif self.mode == "log" and (now - self.last >= self.every or self.done >= self.total):
            log.info("scoring: %s", self.line())
            self.last = now
