"""Shared by the benchmark scripts (run as `python benchmarks/<name>.py`, so this folder is on sys.path)."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any


def machine() -> str:
    """Cores, memory, Python and the versions that matter, in one line."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pkgs = ", ".join(f"{p} {version(p)}" for p in ("riskscore", "numpy", "pandas", "pyarrow", "pandera"))
    return (f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
            f"Python {platform.python_version()}; {pkgs}")


def policy_world(data: Path, borrowers: int, world_seed: int = 5) -> Any:
    """The synthetic world of the policy benchmarks (generated once under ``data``, then read)."""
    from riskscore.datasets import read_world, write_world

    folder = data / (f"world-{borrowers}" if world_seed == 5 else f"world-{borrowers}-{world_seed}")
    if not (folder / "world.json").exists():
        write_world(folder, borrowers, seed=world_seed)
    return read_world(folder)
