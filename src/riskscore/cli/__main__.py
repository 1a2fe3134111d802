"""``python -m riskscore.cli``."""

import sys

from riskscore.cli._main import main

sys.exit(main())
