"""The example notebook runs against the current base (its cells are executed in order)."""

from __future__ import annotations

import json
import os
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "diagnostic_avranches.ipynb"


def test_example_notebook_runs(base, monkeypatch) -> None:
    monkeypatch.chdir(NOTEBOOK.parent)
    cells = json.loads(NOTEBOOK.read_text("utf-8"))["cells"]
    namespace: dict = {}
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    # The public API only: ``import coodiag``, never a submodule.
    imports = [line for c in code for line in c.splitlines() if "import" in line]
    assert all(line in ("import coodiag", "import tempfile") for line in imports), imports
    assert all("coodiag." not in c.replace("coodiag.diagnose", "").replace("coodiag.read", "")
               .replace("coodiag.load_base", "").replace("coodiag.render", "") for c in code)
    for cell in code:
        exec(cell, namespace)  # our own notebook, run as written
    assert os.getcwd() == str(NOTEBOOK.parent)
    table = namespace["table"].set_index("code")
    assert table.loc["50025", "salaries"] == 80
    assert namespace["res"].n_classes == 3  # the Manche's communes, by their elderly people
    assert namespace["fichiers"]["html"].exists()
    assert len(namespace["base"].communes) == 34875
