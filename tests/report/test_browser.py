"""The demo run's report in headless Chromium: no console error, nothing fetched, every section, a screenshot.

The screenshot is saved to ``runs/browser/report.png`` (``runs/`` is ignored by git) for a person
to look at; ``.ci/ensure_tools.py`` (run by ``make test``) installs Chromium when it is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from riskscore.cli import main
from tests.batch.conftest import ROOT
from tests.report.browser import chromium, open_page

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (.ci/ensure_tools.py "
                                                            "installs it with apt-get where it can)")]

SECTIONS = ("overview", "reasons", "actions", "monitoring", "model", "fairness", "borrowers")
FACTS = """JSON.stringify({
  sections: [...document.querySelectorAll("main > section")].map(s => s.id),
  pages: document.querySelectorAll("article.borrower").length,
  svgs: document.querySelectorAll("svg").length,
  firstPage: (document.querySelector("article.borrower h3") || {}).textContent || "",
  curve: !!document.querySelector("article.borrower svg path"),
  width: document.documentElement.scrollWidth,
})"""


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--data", str(ROOT / "data" / "sample"), "--out", str(out),
                 "--bundle", str(ROOT / "models" / "sample")]) == 0
    return out / "report.html"


def test_the_demo_report_in_chromium(demo_report):
    import json

    shot = ROOT / "runs" / "browser" / "report.png"
    seen = open_page(demo_report, screenshot=shot, evaluate=FACTS)
    facts = json.loads(seen["value"])
    assert seen["errors"] == []
    assert [u for u in seen["requests"] if not u.startswith("file:")] == [], "the report fetches nothing"
    assert facts["sections"] == list(SECTIONS)
    assert facts["pages"] == 30 and facts["firstPage"].startswith("Borrower ") and facts["curve"]
    assert facts["svgs"] > 2 * facts["pages"]
    assert facts["width"] <= 1280, "nothing overflows the window sideways"
    assert shot.stat().st_size > 50_000


def test_the_probe_sees_errors(tmp_path):
    """The check above can fail: a page with a script error and a failed fetch is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="missing.png">'
                    '<script>console.error("boom"); undefined_function();</script></body></html>')
    seen = open_page(page, evaluate="1 + 1")
    assert seen["value"] == 2
    assert any("boom" in e for e in seen["errors"]) and any("undefined_function" in e for e in seen["errors"])
    assert any(u.endswith("missing.png") for u in seen["requests"])
