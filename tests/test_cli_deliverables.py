"""End to end: the Avranches diagnosis and the Manche atlas, as a user gets them."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pyogrio
import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from coodiag import secrecy
from coodiag.base.indicator_specs import JOB_SEEKERS
from coodiag.cli import app
from coodiag.outputs import webmap

SIRET = "37968077000029"
ROSTER = "examples/salaries_ai_avranches_FICTIF.csv"


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _flat(text: str) -> str:
    """Text without spaces of any kind nor hyphenation: PDF line breaks fall anywhere."""
    return re.sub(r"[\s\u202f\xa0\u2010\u00ad]", "", text)


def _pages(path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in out.stdout.splitlines()
                    if line.startswith("Pages:")))


@pytest.fixture(scope="module")
def diagnosis(base, tmp_path_factory):
    folder = tmp_path_factory.mktemp("atlas") / "diag"
    result = CliRunner().invoke(
        app, ["diagnostic", "--siret", SIRET, "--salaries", ROSTER, "--sortie", str(folder)]
    )
    assert result.exit_code == 0, result.output
    return folder


def test_diagnosis_pdf(diagnosis, tmp_path) -> None:
    pdf = diagnosis / f"diagnostic_{SIRET}.pdf"
    pages = _pages(pdf)
    assert 18 <= pages <= 30, pages  # cover, contents, 8 chapters, method and sources
    text = _pdf_text(pdf)
    for needle in (
        "Diagnostic territorial", "Sommaire", "Chiffres clés", "29 475", "246 645",
        "Si la structure s'arrêtait, le chômage de la commune d'Avranches augmenterait de "
        "16,76",
        "Couverture du territoire et accessibilité", "Préconisations", "Méthode et sources",
        f"page 2 / {pages}", "Évolution 2018-2021", "Population (RP 2018)",
    ):
        assert _flat(needle) in _flat(text), needle
    # Every page is drawn: render at low resolution and check each is not blank.
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pages
    colours = []
    for image in images:
        pixels = np.asarray(Image.open(image).convert("RGB"))
        assert pixels.std() > 3, image.name
        colours.append(len(np.unique(pixels.reshape(-1, 3), axis=0)))
    assert max(colours) > 200  # the map pages


def test_diagnosis_html_is_offline_and_secret(diagnosis) -> None:
    html = (diagnosis / f"diagnostic_{SIRET}.html").read_text("utf-8")
    webmap.assert_offline(html)
    assert "leaflet" in html.lower() and "srcdoc" in html
    assert secrecy.find_small_counts(html) == []


def test_diagnosis_exports(diagnosis) -> None:
    layers = {name for name, _geom in pyogrio.list_layers(diagnosis / f"diagnostic_{SIRET}.gpkg")}
    assert {"offre_siae", "salaries_par_commune", "classes_couverture"} <= layers
    rec = pyogrio.read_dataframe(diagnosis / f"diagnostic_{SIRET}.gpkg",
                                 layer="salaries_par_commune")
    assert rec.crs.to_epsg() == 2154
    assert rec.set_index("code").loc["50025", "salaries_n"] == 80
    assert (rec["salaries_n"].dropna() >= 5).all()
    wb = load_workbook(diagnosis / f"diagnostic_{SIRET}.xlsx", read_only=True)
    assert wb.sheetnames[0] == "À lire" and wb.sheetnames[-1] == "Sources"
    assert "Impact par commune" in wb.sheetnames
    # The job seekers of the zones table: category and date as the source states them.
    sources = " ".join(str(v) for row in wb["Sources"].iter_rows(values_only=True) for v in row)
    assert JOB_SEEKERS in sources and "vers 2024" not in sources
    # Évolution 2018-2021 (census 2018 columns of helper h10a, issue 10 item 3).
    assert "Évolution 2018-2021" in wb.sheetnames and "Évolution par commune" in wb.sheetnames
    head = next(wb["Évolution 2018-2021"].iter_rows(values_only=True))
    assert "Population (RP 2018)" in head and "Population (RP 2021)" in head
    snap = json.loads((diagnosis / f"diagnostic_{SIRET}.json").read_text("utf-8"))
    assert snap["siret"] == SIRET and snap["chiffres_cles"]
    assert len(list((diagnosis / "cartes").glob("*.svg"))) >= 5


def test_comparison_page(diagnosis, tmp_path) -> None:
    snapshot = diagnosis / f"diagnostic_{SIRET}.json"
    folder = tmp_path / "again"
    result = CliRunner().invoke(app, [
        "diagnostic", "--siret", SIRET, "--salaries", ROSTER, "--sortie", str(folder),
        "--comparer", str(snapshot), "--formats", "pdf",
    ])
    assert result.exit_code == 0, result.output
    # The comparison page (not the census « Évolution 2018-2021 » chapter, always there).
    assert _flat("Évolution en points (pt)") in _flat(_pdf_text(folder / f"diagnostic_{SIRET}.pdf"))
    assert not (folder / f"diagnostic_{SIRET}.html").exists()


def test_departement_atlas(base, tmp_path) -> None:
    folder = tmp_path / "manche"
    result = CliRunner().invoke(app, ["atlas", "--territoire", "dep:50", "--sortie", str(folder)])
    assert result.exit_code == 0, result.output
    pdf = folder / "atlas_dep-50.pdf"
    text = _flat(_pdf_text(pdf))
    assert _flat("Manche (département 50)") in text
    assert "Zonesblanches" in text and "Typologies" in text
    assert "29475" in text  # job seekers of the Manche
    webmap.assert_offline((folder / "atlas_dep-50.html").read_text("utf-8"))
    layers = {n for n, _g in pyogrio.list_layers(folder / "atlas_dep-50.gpkg")}
    assert {"offre_siae", "poids_epci", "classes_couverture"} <= layers


def test_bad_options(base, tmp_path) -> None:
    result = CliRunner().invoke(app, ["diagnostic", "--siret", SIRET, "--formats", "docx"])
    assert result.exit_code == 1 and "Format(s) inconnu(s)" in result.output
    bad = tmp_path / "snap.json"
    bad.write_text("{}", "utf-8")
    result = CliRunner().invoke(app, ["atlas", "-t", "dep:50", "--comparer", str(bad)])
    assert result.exit_code == 1 and "n'est pas un instantané coodiag" in result.output
