"""TreeSHAP's compiled kernels on an installation numba cannot cache beside (read-only, no writable home).

Seen from outside: on a read-only installation run by a user whose home cannot be written (a
container's non-root user, a cluster's service account), numba refused to define the kernels
("cannot cache function '_weights': no locator available"), and `riskscore score` ended in an
internal error (exit 70). Here that installation is a copy of the package whose ``__pycache__``
folders cannot be made (a file stands in their place) and whose home is not a folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import riskscore
from riskscore.explain import _treeshap

SCRIPT = """
import json
from riskscore.explain import _treeshap
print(json.dumps(_treeshap._weights(3).round(6).tolist()))
"""

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="the private cache folder is named by the user id")


def _read_only_install(tmp_path: Path) -> dict[str, str]:
    """A copy of the package where numba's own cache places cannot be written; the environment to run it."""
    site = tmp_path / "site"
    shutil.copytree(Path(riskscore.__file__).parent, site / "riskscore",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [site / "riskscore", *(p for p in (site / "riskscore").rglob("*") if p.is_dir())]:
        (folder / "__pycache__").write_text("not a folder")  # numba's in-tree cache: cannot be made
    (tmp_path / "home").write_text("not a folder")  # ~/.cache: cannot be made
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(site), HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "home" / "cache"),
               TMPDIR=str(tmp_path / "tmp"), PYTHONDONTWRITEBYTECODE="1")
    return env


def _weights(env: dict[str, str], cwd: Path) -> list[float]:
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_kernels_compile_and_cache_in_a_private_folder_when_numba_has_none(tmp_path):
    env = _read_only_install(tmp_path)
    expected = _treeshap._weights(3).round(6).tolist()
    assert _weights(env, tmp_path) == expected
    folder = tmp_path / "tmp" / f"riskscore-numba-{os.getuid()}"
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
    assert list(folder.rglob("*.nbi")), "the kernels are cached there (the next process loads them)"
    assert _weights(env, tmp_path) == expected  # and read back by the next process


def test_a_cache_folder_others_can_write_is_never_used(tmp_path):
    # numba's cache files are pickles: one another user could write would be code run here
    env = _read_only_install(tmp_path)
    folder = tmp_path / "tmp" / f"riskscore-numba-{os.getuid()}"
    folder.mkdir()
    folder.chmod(0o777)
    assert _weights(env, tmp_path) == _treeshap._weights(3).round(6).tolist()
    assert not list(folder.rglob("*")), "nothing cached in a folder others can write: compiled, not cached"
