"""The diagnosis of the Avranches AI on the fictitious roster: every analysis assembled."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from coodiag.analyses import profile
from coodiag.base.indicator_specs import JOB_SEEKERS_CATEGORY, JOB_SEEKERS_DATE
from coodiag.errors import CoodiagError
from coodiag.outputs.builders import diagnostic_document, synthesis
from coodiag.outputs.document import KeyMessages, Paragraph
from coodiag.reports import diagnostic
from coodiag.userfiles import read_salaries

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler absent")


@pytest.fixture(scope="module")
def diag(base) -> diagnostic.Diagnostic:
    salaries = read_salaries("examples/salaries_ai_avranches_FICTIF.csv").data
    return diagnostic.run("37968077000029", salaries=salaries)


def test_structure_and_territory(diag) -> None:
    assert diag.structure["type_siae"] == "AI" and diag.structure["commune"] == "Avranches"
    assert diag.territoire.startswith("ze:2802,com:")
    assert "50025" in set(diag.communes["code"])
    assert diag.communes.crs.to_epsg() == 2154
    assert diag.communes["ze2020"].eq("2802").sum() >= 100


def test_impact_is_published_under_secrecy(diag) -> None:
    pub = diag.impact_publie.set_index("code")
    assert pub.loc["50025", "salaries"] == 80
    assert pub.loc["50025", "impact_pct"] == pytest.approx(100 * 80 / 477)  # rounded den.
    small = pub[pub["salaries"].map(lambda v: isinstance(v, str))]
    assert len(small) > 10 and small["impact_pct"].isna().all()
    numbers = [v for v in pub["salaries"] if not isinstance(v, str)]
    assert min(numbers) >= 5
    assert pub.attrs["total_salaries"] == 280


def test_key_figures_compare_levels(diag) -> None:
    figures = diag.chiffres_cles.set_index("indicateur")
    de = figures.loc[f"Demandeurs d'emploi inscrits ({JOB_SEEKERS_CATEGORY})"]
    assert de["millesime"] == JOB_SEEKERS_DATE
    assert de["Département : Manche"] == 29475
    assert de["Région : Normandie"] == 246645  # MANIFEST: Normandie 246,645 job seekers
    assert figures.loc["SIAE (toutes)", "Département : Manche"] == 29
    assert figures.loc["Taux de chômage des 15-64 ans (recensement)", "Territoire"] > 0


def test_evolution_2018_2021(diag) -> None:
    """Passes once the census 2018 columns exist (helper h10a, issue 10 item 3)."""
    evo = diag.evolution
    assert evo is not None and evo.available
    assert list(evo.niveaux["niveau"]) == [
        "Territoire", "Zone d'emploi : Avranches", "Département : Manche", "France métropolitaine"
    ]
    assert set(evo.communes["code"]) == set(diag.communes["code"])
    zone = evo.niveaux.set_index("niveau").loc["Zone d'emploi : Avranches"]
    assert zone["tx_chom1564_21"] == pytest.approx(8.37, abs=0.01)
    assert zone["evol_chom1564_1821"] == pytest.approx(-8.39, abs=0.01)


def test_coverage_typology_prospecting_recommendations(diag) -> None:
    cov = diag.couverture.set_index("code")
    assert cov.loc["50025", "siret_AI"] == "37968077000029"
    assert {"classe", "decile_besoin", "dist_ETTI_km"} <= set(cov.columns)
    assert diag.typologie["zones"].classes["2802"] in set(diag.typologie["zones"].classes)
    assert "personnes_agees" in diag.typologie
    assert diag.bmo is not None and len(diag.bmo) > 0
    assert diag.specificite is not None and diag.specificite_ze is not None
    assert diag.recommandations, "no recommendation computed"
    assert all(r.raison and r.texte for r in diag.recommandations)


def test_snapshot_is_json(diag) -> None:
    snap = diag.snapshot()
    text = json.dumps(snap, ensure_ascii=False)
    assert snap["version"] == diagnostic.SNAPSHOT_VERSION and snap["siret"] == "37968077000029"
    assert '"salaries": "< 5"' in text or '"salaries":"< 5"' in text
    assert len(snap["chiffres_cles"]) == len(diag.chiffres_cles)


def test_unknown_siret(base) -> None:
    with pytest.raises(CoodiagError, match="absent du registre"):
        diagnostic.run("00000000000000")


# ------------------------------------------------------------------------------------------
# Issue 13: the roster profile, the synthèse, tables that fit the page, the wording
# ------------------------------------------------------------------------------------------

EXAMPLE = "examples/salaries_ai_avranches_FICTIF.csv"


def test_roster_profile_counts_persons_and_exits(diag) -> None:
    prof = diag.profil.set_index(["theme", "modalite"])
    assert prof.attrs["personnes"] == 280 == diag.impact_publie.attrs["total_salaries"]
    assert prof.loc[("Sexe", "femmes"), "effectif"] == 162
    assert prof.loc[("Sexe", "hommes"), "effectif"] == 118
    assert prof.loc[("Âge à l'entrée", "moins de 26 ans"), "effectif"] == 45
    assert prof.loc[("Niveau de formation", "sans diplôme"), "effectif"] == 82
    assert prof.loc[("Publics prioritaires", "demandeurs d'emploi de longue durée (DELD)"),
                    "effectif"] == 126
    # exits of the window by type; DARES « sorties dynamiques » = durable + transition + positive
    assert prof.loc[("Sorties", "ensemble"), "effectif"] == 243
    dynamic = sum(prof.loc[("Sorties", k), "effectif"]
                  for k in ("emploi durable", "emploi de transition", "sortie positive"))
    assert dynamic == 161 == prof.loc[("Sorties", profile.DYNAMIC_LABEL), "effectif"]
    assert prof.attrs["taux_dynamiques"] == pytest.approx(100 * 161 / 243)
    assert prof.attrs["infbac"] == pytest.approx(100 * (82 + 91) / 280)
    # compared with the territory's population of 15 or more (census 2022, Normandie)
    assert 30 < prof.attrs["recensement_infbac"] < 80


def test_roster_profile_is_under_secrecy(base) -> None:
    """A small roster: every count below 5 is masked, with a second cell so that no masked
    count comes back from the total; the dynamic exits are withheld then."""
    data = read_salaries(EXAMPLE).data
    people = sorted(data["id_salarie"].unique())[:14]
    small = data[data["id_salarie"].isin(people)]
    prof = profile.roster_profile(small, threshold=5)
    counts = prof["effectif"]
    numbers = [v for v in counts if not isinstance(v, str)]
    assert all(v == 0 or v >= 5 for v in numbers)
    assert prof.attrs["personnes"] == 14
    for theme in ("Sexe", "Âge à l'entrée", "Niveau de formation", "Sorties"):
        rows = prof[(prof["theme"] == theme) & (prof["modalite"] != "ensemble")
                    & (prof["modalite"] != profile.DYNAMIC_LABEL)]
        hidden = rows["effectif"].map(lambda v: isinstance(v, str))
        assert hidden.sum() != 1, theme  # one masked cell would be total minus the others
    assert prof.loc[prof["effectif"].map(lambda v: isinstance(v, str)), "part"].isna().all()
    exits = prof[prof["theme"] == "Sorties"]
    if exits["effectif"].map(lambda v: isinstance(v, str)).any():
        assert prof.attrs["taux_dynamiques"] is None
        assert exits.iloc[-1]["effectif"] == "s"


def test_key_messages_answer_the_four_questions(diag) -> None:
    messages = synthesis.key_messages(diag)
    assert 5 <= len(messages) <= 8
    assert {m["key"] for m in messages} == set(synthesis.QUESTIONS)
    text = {m["key"]: " ".join(x["text"] for x in messages if x["key"] == m["key"])
            for m in messages}
    flat = {k: v.replace("\u202f", " ").replace("\xa0", " ") for k, v in text.items()}
    # the actors and their weight, against the département, the région and France
    assert "8 SIAE dans le territoire (3 ACI, 3 AI, 2 EI)" in flat["acteurs"]
    assert "≈ 46 pour 1 000 demandeurs d'emploi, contre 37 (Manche), 32 (Normandie) et 25 " \
        "(France métropolitaine)" in flat["acteurs"]
    assert "jusqu'à 28 % au Val-Saint-Père" in flat["acteurs"]
    assert "14 communes sur 117 à l'accessibilité faible" in flat["couverture"]
    assert "contre 2,4 % en France" in flat["entreprises"]  # agriculture, zone d'Avranches
    assert "62 % des salariés en parcours" in flat["competences"]
    assert "66 % de sorties dynamiques" in flat["competences"]
    assert "contre 70 % en Île-de-France" in flat["competences"]


@pytest.fixture(scope="module")
def bare(base) -> diagnostic.Diagnostic:
    """The same structure without any file of the user."""
    return diagnostic.run("37968077000029")


def test_first_page_says_which_files_are_missing(bare) -> None:
    doc = diagnostic_document(bare)
    first = doc.sections[0]
    assert first.title == "Synthèse"
    alerts = [i.text for i in first.items[:2] if isinstance(i, Paragraph) and i.kind == "alerte"]
    assert len(alerts) == 2
    assert "fichier des salariés" in alerts[0] and "profil" in alerts[0]
    assert "SIRENE" in alerts[1]
    assert all(a in doc.warnings for a in alerts)  # and in the « Points d'attention » box
    titles = [s.title for s in doc.sections]
    assert "Profil des salariés en parcours" not in titles
    assert not any("salariés" in s.title.lower() for s in doc.sections)
    messages = next(i for i in first.items if isinstance(i, KeyMessages)).items
    assert {"acteurs", "couverture"} <= {m["key"] for m in messages}


@pytest.fixture(scope="module")
def rendered(diag, tmp_path_factory) -> dict:
    from coodiag.outputs.atlas import render

    folder = tmp_path_factory.mktemp("diagnostic") / "atlas"
    result = render(diagnostic_document(diag), folder, formats=("pdf",))
    return {"result": result, "pages": pdf_pages(result["pdf"])}


def pdf_pages(pdf) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """(width, height, words with their box) of each page, from ``pdftotext -bbox``."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    pages = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in
                 re.findall(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                            r'yMax="([\d.-]+)">(.*?)</word>', m.group(3))]
        pages.append((float(m.group(1)), float(m.group(2)), words))
    return pages


@needs_poppler
def test_pdf_tables_fit_the_page(rendered) -> None:
    pages = rendered["pages"]
    landscape = [i for i, (w, h, _) in enumerate(pages, 1) if w > h]
    assert landscape, "the wide tables (évolution, couverture) get landscape pages"
    for number, (w, h, words) in enumerate(pages, 1):
        outside = [t for x0, y0, x1, y1, t in words if x0 < 0 or y0 < 0 or x1 > w or y1 > h]
        assert not outside, (number, outside[:5])
        # within the margins (18 mm = 51 pt), but for the running header and footer
        cut = [t for x0, _y0, x1, _y1, t in words if x1 > w - 45]
        assert not cut, (number, cut[:5])
    text = "\n".join(" ".join(t for *_, t in words) for _, _, words in pages)
    for raw in ("dist_ACI_km", "capacite_estimee", "code_commune", "Typ e", "com mune"):
        assert raw not in text, raw
    # the coverage table keeps its four distance columns
    assert "ETTI la plus proche (km)" in text


def filled_share(pdf, tmp_path) -> list[float]:
    """Share of the height of each page (between the running header and footer) holding ink:
    text, table or figure (pages rendered in grey at 20 dpi)."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-gray", "-r", "20", str(pdf), str(tmp_path / "p")], check=True)
    shares = []
    for path in sorted(tmp_path.glob("p-*.pgm")):
        with Image.open(path) as im:
            w, h = im.size
            px = im.load()
            top, bottom = int(h * 0.085), int(h * 0.93)  # below the header, above the footer
            rows = [y for y in range(top, bottom) if any(px[x, y] < 200 for x in range(w))]
        shares.append((max(rows) - top) / (bottom - top) if rows else 0.0)
    return shares


@needs_poppler
def test_pdf_has_no_page_holding_a_line(rendered, tmp_path) -> None:
    """A page is filled over at least a quarter of its height, unless it ends a section (the
    next page has another running chapter title): never a lone sentence or a lone row."""
    pages = rendered["pages"]

    def chapter(page) -> str:
        w, _h, words = page
        return " ".join(t for x0, _y0, _x1, y1, t in words if y1 < 62 and x0 > w / 2)

    shares = filled_share(rendered["result"]["pdf"], tmp_path)
    assert len(shares) == len(pages)
    for i in range(1, len(pages) - 1):
        if chapter(pages[i]) == chapter(pages[i + 1]):  # not a section end
            assert shares[i] >= 0.25, (i + 1, round(shares[i], 2), chapter(pages[i]))


@needs_poppler
def test_pdf_wording_and_cover(rendered) -> None:
    pages = rendered["pages"]
    text = "\n".join(" ".join(t for *_, t in words) for _, _, words in pages)
    flat = text.replace("\u202f", " ").replace("\xa0", " ")
    assert "zone d'emploi d'Avranches" in flat and "de Avranches" not in flat
    assert "Association Intermédiaire" in flat and "ASSOC INTERMEDIAIRE" not in flat
    cover = " ".join(t for *_, t in pages[0][2])
    assert cover.count("2026") + cover.count("2025") + cover.count("2027") <= 1  # one date
    assert "Édité le" not in cover
    for flag in ("--date", "--inclure-eloignees", "--annee", "--reseaux", "--salaries"):
        assert flag not in flat, flag
    assert "Messages clés" in flat and "Le territoire et ses références" in flat
    assert "Profil des salariés en parcours" in flat
    # estimates rounded honestly: a capacity from national averages is a whole number
    assert "27,7" not in flat and "79,1" not in flat
    # every table has its source line
    assert flat.count("Source") >= 20


def test_every_table_has_a_source_and_readable_headers(diag) -> None:
    from coodiag.outputs.tableview import table_sources, table_view

    doc = diagnostic_document(diag)
    tables = doc.tables()
    assert len(tables) >= 10
    for item in tables:
        assert table_sources(item.export), item.export.name
        view = table_view(item, item.max_rows)
        heads = [h for h, _css in view["head"]]
        assert not [h for h in heads if "_" in h], (item.export.name, heads)
        assert len(set(heads)) == len(heads), (item.export.name, heads)  # no duplicate
    by_name = {t.export.name: t for t in tables}
    spec = by_name["Spécificité de la zone"].export.frame
    assert "n" not in spec.columns  # the source gives shares only: « Part » once
    offer = by_name["Offre d'insertion"].export.frame
    assert (offer["capacite"] == offer["capacite"].round(0)).all()  # ≈ 28, not 27,7
    assert "Association Intermédiaire" in set(offer["nom"])


def test_display_names_of_the_registry() -> None:
    from coodiag.outputs.wording import display_name

    assert display_name("ASSOC INTERMEDIAIRE") == "Association Intermédiaire"
    assert display_name("PASSERELLES VERS L EMPLOI") == "Passerelles vers l'Emploi"
    assert display_name("ENTREPRISE D'INSERTION PAR LES METIERS DE L'ENVIRO") == (
        "Entreprise d'Insertion par les Métiers de l'Enviro")
    assert display_name("SARL SEEMAPHORE") == "SARL Seemaphore"
    assert display_name("Emmaüs Alternatives") == "Emmaüs Alternatives"  # already written


def test_workbook_has_key_figures_recommendations_and_classes(diag, rendered) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(rendered["result"]["xlsx"], read_only=True)
    assert {"Chiffres clés", "Préconisations", "Classes des communes",
            "Classes des zones d'emploi", "Profil des salariés"} <= set(wb.sheetnames)
    figures = list(wb["Chiffres clés"].iter_rows(values_only=True))
    assert figures[0][:5] == ("Indicateur", "Unité", "Source", "Millésime", "Territoire")
    assert figures[1][0] == "Population 2022" and figures[1][4] == 121891
    recos = list(wb["Préconisations"].iter_rows(values_only=True))
    assert len(recos) - 1 == len(diag.recommandations)
    classes = list(wb["Classes des communes"].iter_rows(values_only=True))
    assert len(classes) - 1 == len(diag.communes) == 117
    zones = {r[0]: r[2] for r in wb["Classes des zones d'emploi"].iter_rows(values_only=True)}
    assert zones["2802"] == str(diag.typologie["zones"].classes["2802"])
