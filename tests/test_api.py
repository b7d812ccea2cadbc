"""The public Python API (``import coodiag``): what a notebook, the CLI and the explorer call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import coodiag
from coodiag.errors import BaseMissingError, CoodiagError

ROSTER = Path(__file__).resolve().parents[1] / "examples" / "salaries_ai_avranches_FICTIF.csv"


def test_import_is_cheap() -> None:
    """``import coodiag`` loads no scientific stack: the heavy imports wait for the call."""
    out = subprocess.run(
        [sys.executable, "-c", "import sys, coodiag; "
         "print(sorted(m for m in ('pandas', 'geopandas', 'matplotlib') if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "[]"
    assert set(coodiag.__all__) >= {"load_base", "read", "diagnose", "territory_atlas", "render"}


def test_load_base(base) -> None:
    b = coodiag.load_base()
    assert len(b.communes) == 34_875
    assert b.level("communes", zone="metro").crs.to_epsg() == 2154
    assert b.table("indicateurs_communes") is b.table("indicateurs_communes")  # kept
    assert "COG 2025" in repr(b)


def test_load_base_missing(tmp_path: Path) -> None:
    with pytest.raises(BaseMissingError, match="coodiag build"):
        coodiag.load_base(tmp_path)


def test_read_user_file() -> None:
    result = coodiag.read("salaries", ROSTER)
    assert result.n_read == result.n_used + result.n_rejected == 350
    with pytest.raises(CoodiagError, match="salaries, capacite, reseaux, sirene"):
        coodiag.read("adherents", ROSTER)


def test_diagnose_from_a_path_equals_from_a_table(base) -> None:
    by_path = coodiag.diagnose("37968077000029", salaries=str(ROSTER))
    by_table = coodiag.diagnose("37968077000029", salaries=coodiag.read("salaries", ROSTER).data)
    a = by_path.impact_publie.set_index("code")
    b = by_table.impact_publie.set_index("code")
    assert a.loc["50025", "salaries"] == b.loc["50025", "salaries"] == 80
    assert by_path.chiffres_cles.equals(by_table.chiffres_cles)
