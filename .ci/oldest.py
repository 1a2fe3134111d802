"""Print pip constraints that pin every dependency of riskscore at its lower bound.

`make test-oldest` installs the project with these (``pip install -c``) and runs the suite, so the
lower bounds in ``pyproject.toml`` are releases the suite passes on, not guesses. Only the direct
dependencies (with the ``dev`` and ``spark`` extras) are pinned; what they pull in resolves as a
user's installation would.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def lower_bounds(pyproject: Path, extras: tuple[str, ...] = ("dev", "spark")) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = [*project["dependencies"]]
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = {}
    for requirement in requirements:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*(,.*)?", requirement)
        if m is None:
            raise SystemExit(f"{pyproject}: {requirement!r} has no lower bound (NAME>=VERSION)")
        pins[m.group(1).lower()] = m.group(2)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.stdout.write("\n".join(lower_bounds(root / "pyproject.toml")) + "\n")
