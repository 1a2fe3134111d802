"""The notebooks run top to bottom (nbclient, the project's own kernel), without an error cell.

The real-data notebook needs ``../shared/data/uci_taiwan`` (or ``$RISKSCORE_DATA``); without it the
test skips, as the notebook's first cell says.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
UCI = Path(os.environ.get("RISKSCORE_DATA", ROOT.parent / "shared" / "data")) / "uci_taiwan" / "UCI_Credit_Card.csv"


def run_notebook(path: Path) -> list:
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's own deprecation notice otherwise
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb.cells


def outputs_text(cells: list) -> str:
    return "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
def test_quickstart_runs_top_to_bottom():
    cells = run_notebook(NOTEBOOKS / "quickstart.ipynb")
    text = outputs_text(cells)
    assert "violations: 0" in text
    assert "report.html" in text
    assert all(o.output_type != "error" for c in cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
@pytest.mark.skipif(not UCI.exists(), reason=f"UCI Taiwan data not found at {UCI} (set RISKSCORE_DATA)")
def test_real_data_notebook_runs_top_to_bottom():
    cells = run_notebook(NOTEBOOKS / "real_data_uci_taiwan.ipynb")
    text = outputs_text(cells)
    auc = float(text.split("out-of-fold AUC")[1].split()[0])
    assert auc > 0.75
    assert "age_band" in text and "female" in text
