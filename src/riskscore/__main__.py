"""``python -m riskscore``: the ``riskscore`` command without the console script on ``PATH``."""

from riskscore.cli import run

run()
