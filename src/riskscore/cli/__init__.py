"""The ``riskscore`` command line: thin over the library (``riskscore --help``)."""

from riskscore.cli._main import main, run

__all__ = ["main", "run"]
