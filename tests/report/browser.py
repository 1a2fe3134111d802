"""Open a page in headless Chromium over the DevTools protocol: console errors, requests, DOM facts, screenshot.

A small client of the protocol (one websocket, commands by id, events collected while waiting),
so the tests need nothing but Debian's ``chromium`` and the ``websockets`` package.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str | None:
    return next((shutil.which(n) for n in CHROMIUM if shutil.which(n)), None)


class _Session:
    def __init__(self, ws: Any):
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def send(self, method: str, timeout: float = 60, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1))))


def _devtools_url(proc: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"DevTools listening on (ws://\S+)", line)
        if m:
            return m.group(1)
        if not line and proc.poll() is not None:
            break
    raise RuntimeError("Chromium did not start its DevTools endpoint")


def open_page(path: Path, *, screenshot: Path | None = None, width: int = 1280, height: int = 900,
              evaluate: str = "null") -> dict[str, Any]:
    """Load ``path`` and return ``errors`` (console errors, exceptions, error log entries), ``requests``
    (every URL the page asked for), ``value`` (the result of ``evaluate``) and write a full-page screenshot."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("no chromium")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen([exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                 "--disable-extensions", "--hide-scrollbars", "--remote-debugging-port=0",
                                 f"--user-data-dir={profile}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            port = re.search(r":(\d+)/", _devtools_url(proc)).group(1)
            # keep reading Chromium's log so that a full pipe never blocks it
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
                target = next(t for t in json.load(r) if t["type"] == "page")
            with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as ws:
                s = _Session(ws)
                for domain in ("Runtime", "Log", "Page", "Network"):
                    s.send(f"{domain}.enable")
                s.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                       mobile=False)
                s.send("Page.navigate", url=path.resolve().as_uri())
                s.wait_for("Page.loadEventFired")
                value = s.send("Runtime.evaluate", expression=evaluate, returnByValue=True)["result"].get("value")
                if screenshot is not None:
                    shot = s.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    screenshot.write_bytes(base64.b64decode(shot["data"]))
                s.send("Runtime.evaluate", expression="0")  # flush events queued by the last calls
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            proc.stderr.close()
    errors = []
    for e in s.events:
        p = e.get("params", {})
        if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
        elif e.get("method") == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            errors.append(d.get("exception", {}).get("description") or d.get("text"))
        elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
            errors.append(p["entry"]["text"])
    requests = [e["params"]["request"]["url"] for e in s.events if e.get("method") == "Network.requestWillBeSent"]
    return {"errors": errors, "requests": requests, "value": value}
