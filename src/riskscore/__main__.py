"""``python -m riskscore``: the ``riskscore`` command without the console script on ``PATH``."""

import sys

from riskscore.cli import main

sys.exit(main())
