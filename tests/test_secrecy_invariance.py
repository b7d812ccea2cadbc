"""No published artefact changes when only masked cells change (issue 11 §1).

Two rosters built from the fictitious Avranches roster differ by one person only: her
contracts move from Tanis (4 salariés -> 3) to Vernix (1 -> 2). Both communes stay under the
threshold (« < 5 » in both rosters), in the same EPCI, zone d'emploi and bassin BMO, and the
total is the same: every legitimately published figure is the same, so every file of the two
real diagnoses (PDF text,
HTML, XLSX cells, CSV, JSON, GeoPackage layers, map PNG/SVG) must be identical. Before the fix
the impact table was sorted by the hidden impact: the two rows swapped places and each masked
count could be bounded between its neighbours.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

import coodiag
from coodiag import secrecy
from coodiag.analyses.impact import salaries_by_commune
from coodiag.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "salaries_ai_avranches_FICTIF.csv"
SIRET = "37968077000029"
FROM, TO = "50589", "50628"  # Tanis (4 salariés) -> Vernix (1 salarié)
STEM = f"diagnostic_{SIRET}"
POPPLER = shutil.which("pdftotext") is not None


def _rosters(folder: Path) -> dict[str, Path]:
    """The roster as shipped (« a ») and the one where one person lives in Vernix (« b »)."""
    raw = pd.read_csv(EXAMPLE, sep=";", dtype=str, keep_default_na=False)
    communes = raw.groupby("id_salarie")["code_commune"].agg(set)
    person = sorted(i for i, where in communes.items() if where == {FROM})[0]
    moved = raw.copy()
    rows = moved["id_salarie"] == person
    moved.loc[rows, "code_commune"] = TO
    moved.loc[rows, "commune"] = "Vernix"
    paths = {"a": folder / "salaries_a.csv", "b": folder / "salaries_b.csv"}
    raw.to_csv(paths["a"], sep=";", index=False)
    moved.to_csv(paths["b"], sep=";", index=False)
    return paths


@pytest.fixture(scope="module")
def rosters(base, tmp_path_factory) -> dict[str, Path]:
    return _rosters(tmp_path_factory.mktemp("rosters"))


@pytest.fixture(scope="module")
def atlases(rosters, tmp_path_factory) -> dict[str, tuple]:
    """The two real diagnoses, rendered (PDF, HTML, XLSX, CSV, GeoPackage, JSON, maps)."""
    out = {}
    for key, path in rosters.items():
        diag = coodiag.diagnose(SIRET, salaries=path)
        folder = tmp_path_factory.mktemp(f"diagnostic_{key}") / "atlas"
        coodiag.render(diag, folder, formats=("pdf", "html"))
        out[key] = (diag, folder)
    return out


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _cells(path: Path) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def _first_difference(a: Path, b: Path, width: int = 200) -> tuple[str, str]:
    """The text around the first byte where two files differ (for the failure message)."""
    x, y = a.read_bytes(), b.read_bytes()
    i = next((k for k, (u, v) in enumerate(zip(x, y, strict=False)) if u != v), min(len(x), len(y)))
    lo = max(0, i - width)
    return (x[lo:i + width].decode("utf-8", "replace"), y[lo:i + width].decode("utf-8", "replace"))


def _strict_json(path: Path) -> dict:
    def refuse(constant: str):
        raise ValueError(f"{path.name} : {constant} n'est pas du JSON")

    return json.loads(path.read_text("utf-8"), parse_constant=refuse)


def test_the_two_rosters_differ_only_below_the_threshold(rosters) -> None:
    from coodiag.base import store

    a, b = (salaries_by_commune(coodiag.read("salaries", p).data) for p in rosters.values())
    assert (a[FROM], a[TO], b[FROM], b[TO]) == (4, 1, 3, 2)
    assert a.sum() == b.sum() == 280
    assert a.drop([FROM, TO]).equals(b.drop([FROM, TO]))
    communes = store.read_level("communes").set_index("code")
    for column in ("epci", "ze2020", "bassin_bmo", "dep"):
        assert communes.loc[FROM, column] == communes.loc[TO, column], column


def test_masked_rows_are_grouped_by_code_after_the_published_impacts(atlases) -> None:
    for diag, _ in atlases.values():
        pub = diag.impact_publie
        hidden = pub["salaries"].map(lambda v: isinstance(v, str)).to_numpy()
        assert hidden.sum() >= 40 and not hidden[: (~hidden).sum()].any()  # masked rows last
        shown = pub.loc[~hidden, "impact_pct"].to_numpy()
        assert np.all(np.diff(shown[~np.isnan(shown)]) <= 0)  # published impact, decreasing
        masked_codes = pub.loc[hidden, "code"].tolist()
        assert masked_codes == sorted(masked_codes)
        assert pub.loc[hidden, "impact_pct"].isna().all()
        row = pub.set_index("code").loc[[FROM, TO], "salaries"]
        assert row.tolist() == ["< 5", "< 5"]
        assert pub.attrs["total_salaries"] == 280


def test_every_published_file_is_identical(atlases) -> None:
    (_, a), (_, b) = atlases["a"], atlases["b"]
    files = _files(a)
    assert files == _files(b)
    kinds = {Path(f).suffix for f in files}
    assert {".pdf", ".html", ".xlsx", ".gpkg", ".json", ".csv", ".png"} <= kinds
    assert any(f.startswith("cartes/salaries_par_commune") for f in files)
    for name in files:
        fa, fb = a / name, b / name
        suffix = fa.suffix
        if suffix == ".xlsx":  # the zip holds creation times: compare every cell
            assert _cells(fa) == _cells(fb), name
        elif suffix == ".gpkg":  # the file holds write times: compare every layer
            layers = [layer for layer, _ in pyogrio.list_layers(fa)]
            assert layers == [layer for layer, _ in pyogrio.list_layers(fb)]
            for layer in layers:
                pd.testing.assert_frame_equal(
                    gpd.read_file(fa, layer=layer), gpd.read_file(fb, layer=layer),
                    obj=f"{name}:{layer}",
                )
        elif suffix == ".pdf":  # the PDF holds its creation time: compare its text
            if POPPLER:
                texts = [
                    subprocess.run(["pdftotext", "-layout", str(p), "-"], check=True,
                                   capture_output=True, text=True).stdout
                    for p in (fa, fb)
                ]
                assert "Salariés par commune de résidence" in texts[0]
                assert texts[0] == texts[1], name
        else:  # CSV, JSON, HTML, PNG and SVG maps: byte for byte
            assert fa.read_bytes() == fb.read_bytes(), (name, _first_difference(fa, fb))


def test_snapshot_is_strict_json(atlases) -> None:
    diag, folder = atlases["a"]
    snap = _strict_json(folder / f"{STEM}.json")
    assert snap["siret"] == SIRET
    # capacity unknown: ETP and postes were written NaN (not JSON) before the fix
    assert np.isnan(diag.structure["etp"]) and snap["structure"]["etp"] is None
    impacts = {r["code"]: r for r in snap["impact"]}
    assert impacts[FROM]["salaries"] == "< 5" and impacts[FROM]["impact_pct"] is None


def test_cli_impact_and_import_summaries_are_identical(rosters) -> None:
    runner = CliRunner()
    outputs = {}
    for key, path in rosters.items():
        impact = runner.invoke(app, ["analyse", "impact", "--salaries", str(path)])
        summary = runner.invoke(app, ["import", "salaries", str(path)])
        assert impact.exit_code == 0 and summary.exit_code == 0, impact.output + summary.output
        # the first line names the file (salaries_a.csv / salaries_b.csv)
        outputs[key] = [re.sub(r"salaries_[ab]\.csv", "roster", r.output)
                        for r in (impact, summary)]
        assert "Vernix (50628)" in outputs[key][1]
    assert outputs["a"] == outputs["b"]
    lines = [line for line in outputs["a"][1].splitlines() if re.search(r"\(\d{5}\)", line)]
    counts = [line.split("│")[2].strip() for line in lines]
    first_masked = counts.index("< 5")
    assert all(c == "< 5" for c in counts[first_masked:])  # masked rows last, by code
    masked = [re.search(r"\((\d{5})\)", line).group(1) for line in lines[first_masked:]]
    assert masked == sorted(masked)


def test_threshold_in_force_is_printed_everywhere(rosters, tmp_path, monkeypatch) -> None:
    """With COODIAG_SECRET_THRESHOLD=11, no text says « < 5 » or « moins de 5 »."""
    monkeypatch.setenv(secrecy.THRESHOLD_ENV, "11")
    diag = coodiag.diagnose(SIRET, salaries=rosters["a"])
    assert diag.parametres["seuil_secret"] == 11
    assert diag.impact_publie.set_index("code").loc["50168", "salaries"] == "< 11"  # 9 persons
    paths = coodiag.render(diag, tmp_path / "atlas", formats=("pdf", "html"))
    html = re.sub(r"<[^>]+>", " ", paths["html"].read_text("utf-8")).replace("&lt;", "<")
    texts = {"html": html}
    if POPPLER:
        texts["pdf"] = subprocess.run(["pdftotext", "-layout", str(paths["pdf"]), "-"],
                                      check=True, capture_output=True, text=True).stdout
    for csv in (paths["folder"] / "csv").glob("*.csv"):
        texts[csv.name] = csv.read_text("utf-8-sig")
    for sheet, rows in _cells(paths["xlsx"]).items():
        texts[sheet] = "\n".join(str(v) for row in rows for v in row if v is not None)
    five = re.compile(r"<\s?5\b|moins de 5\b|sous 5\b|inférieurs? à 5\b")
    for where, text in texts.items():
        assert not five.search(text), (where, five.search(text))
    assert "< 11" in texts["html"] and "moins de 11" in texts["html"]
    if POPPLER:
        assert re.search(r"<\s?11", texts["pdf"]) and "moins de 11" in texts["pdf"]


@pytest.mark.parametrize("command", ["import", "impact"])
def test_cli_summaries_refuse_a_threshold_below_five(rosters, command) -> None:
    args = (["import", "salaries", str(rosters["a"])] if command == "import"
            else ["analyse", "impact", "--salaries", str(rosters["a"])])
    result = CliRunner().invoke(app, args, env={secrecy.THRESHOLD_ENV: "3"})
    assert result.exit_code == 1 and "Traceback" not in result.output
    error = [line for line in result.output.splitlines() if line.startswith("Erreur :")]
    assert len(error) == 1 and "« 3 »" in error[0] and "au moins 5" in error[0]
    assert "Tanis" not in result.output  # nothing published with the refused threshold


@pytest.mark.parametrize("bad", [4, 2.5, 0, -1])
def test_diagnose_refuses_a_threshold_below_five(rosters, bad) -> None:
    with pytest.raises(secrecy.ThresholdError, match="au moins 5 \\(plancher légal"):
        coodiag.diagnose(SIRET, salaries=rosters["a"], threshold=bad)


def test_a_roster_of_four_plus_one_tells_nothing_more_than_three_plus_two(rosters, tmp_path):
    """The issue's worst case: 5 persons in two communes, the total published (5)."""
    raw = pd.read_csv(rosters["a"], sep=";", dtype=str, keep_default_na=False)
    first = raw.groupby("id_salarie")["code_commune"].agg(set)
    people = sorted(i for i, where in first.items() if where == {FROM})
    other = sorted(i for i, where in first.items() if where == {TO})[:1]
    assert len(people) == 4 and len(other) == 1
    small = raw[raw["id_salarie"].isin(people + other)]
    moved = small.copy()
    moved.loc[moved["id_salarie"] == people[0], "code_commune"] = TO
    outputs = []
    for n, table in enumerate((small, moved)):
        path = tmp_path / f"petit_{n}.csv"
        table.to_csv(path, sep=";", index=False)
        counts = salaries_by_commune(coodiag.read("salaries", path).data)
        assert sorted(counts.tolist()) == ([1, 4] if n == 0 else [2, 3])
        result = [CliRunner().invoke(app, args) for args in (
            ["analyse", "impact", "--salaries", str(path)], ["import", "salaries", str(path)])]
        assert all(r.exit_code == 0 for r in result), [r.output for r in result]
        outputs.append([r.output.replace(path.name, "fichier.csv") for r in result])
    assert outputs[0] == outputs[1]
    impact = outputs[0][0]
    rows = re.findall(r"\((\d{5})\)\s*│\s*(.+?) │", impact)
    assert rows == [(FROM, "< 5"), (TO, "< 5")]  # by code, both masked
    assert re.search(r"│ Total\s*│\s*5 │", impact)
