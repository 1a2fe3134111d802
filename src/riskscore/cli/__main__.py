"""``python -m riskscore.cli``: the ``riskscore`` command."""

from riskscore.cli._main import run

run()
