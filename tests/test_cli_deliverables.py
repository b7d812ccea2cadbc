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
        "16,77",  # 80 / 477: the 477.29 weighted unemployed are rounded first
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
    published = rec["salaries_n"].dropna()  # 0 is a known value (no salarié), never 1 to 4
    assert ((published == 0) | (published >= 5)).all() and (published == 0).sum() > 10
    wb = load_workbook(diagnosis / f"diagnostic_{SIRET}.xlsx", read_only=True)
    assert wb.sheetnames[0] == "À lire" and wb.sheetnames[-1] == "Sources"
    assert "Impact par commune" in wb.sheetnames
    # The job seekers of the zones table: category and date as the source states them.
    sources = " ".join(str(v) for row in wb["Sources"].iter_rows(values_only=True) for v in row)
    assert JOB_SEEKERS in sources and "vers 2024" not in sources
    # Every indicator of a sheet is documented, the ones the builders describe without a key too.
    impact_rows = [row[2] for row in wb["Sources"].iter_rows(values_only=True)
                   if row[0] == "Impact par commune"]
    assert "Hausse du chômage si la structure s'arrêtait" in impact_rows
    assert "Salariés en parcours par commune de résidence" in impact_rows
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


def test_var_atlas_has_the_national_census(base, tmp_path) -> None:
    """A département outside Normandie/IDF (the Var): census 2021, Filosofi 2021 and the
    évolution 2018-2021 are filled from the national files, no « n.d. » in the census rows."""
    import pandas as pd

    from coodiag import fr
    from coodiag.base import store

    folder = tmp_path / "var"
    result = CliRunner().invoke(app, ["atlas", "--territoire", "dep:83", "--sortie", str(folder)])
    assert result.exit_code == 0, result.output
    ind = store.read_table("indicateurs_communes").set_index("code")
    communes = store.read_level("communes")
    var = ind.loc[communes.loc[communes["dep"] == "83", "code"]]
    metro = ind.loc[communes.loc[~communes["dep"].str.startswith("97"), "code"]]
    assert var["p21_chom1564"].notna().all()  # 153 communes, all covered
    chom, act = var["p21_chom1564"].sum(), var["p21_act1564"].sum()
    snap = json.loads((folder / "atlas_dep-83.json").read_text("utf-8"))
    figures = pd.DataFrame(snap["chiffres_cles"]).set_index("indicateur")
    region, france = "Région : Provence-Alpes-Côte d'Azur", "France métropolitaine"
    census = figures.loc[["Chômeurs de 15-64 ans (recensement)",
                          "Taux de chômage des 15-64 ans (recensement)"],
                         ["Territoire", region, france]]
    assert census.notna().all().all()
    assert census.iloc[0]["Territoire"] == chom == 59310
    assert census.iloc[1]["Territoire"] == pytest.approx(100 * chom / act)
    assert census.iloc[1]["Territoire"] == pytest.approx(12.73, abs=0.01)
    assert census.iloc[0][france] == pytest.approx(metro["p21_chom1564"].sum())
    deps = store.read_table("indicateurs_departements").set_index("code")
    median = figures.loc["Revenu disponible médian par unité de consommation"]
    assert median["Territoire"] == deps.loc["83", "rev_med_21"] == 23120
    assert median[france] == 23080
    text = _flat(_pdf_text(folder / "atlas_dep-83.pdf"))
    for needle in (fr.integer(chom), "12,7", "23120", "Évolution2018-2021"):
        assert _flat(needle) in text, needle
    # Census rows of the key figures in the PDF: no « n.d. » between their label and the next
    # row (the median's région column is n.d. by construction: no regional source).
    start = text.index(_flat("Chômeurs de 15-64 ans (recensement)"))
    end = text.index(_flat("Revenu disponible médian"))
    assert "n.d." not in text[start:end]
    # Évolution 2018-2021 against the région and France, not against one of the Var's zones.
    wb = load_workbook(folder / "atlas_dep-83.xlsx", read_only=True)
    rows = list(wb["Évolution 2018-2021"].iter_rows(values_only=True))
    levels = [r[0] for r in rows[1:] if r and r[0]]
    assert levels[:3] == ["Territoire", region, france], levels
    terr = dict(zip(rows[0], rows[1], strict=False))
    p18 = var.loc[var[["p18_pop", "p21_pop"]].notna().all(axis=1), "p18_pop"].sum()
    assert terr["Population (RP 2018)"] == pytest.approx(p18) == 1_067_697
