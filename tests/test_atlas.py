"""Rendering of an atlas (PDF, self-contained HTML, maps, exports) on the Manche (dép. 50)."""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import chromium_command

pytest.importorskip("weasyprint")
pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")
pytest.importorskip("folium")
pytest.importorskip("xstatic.pkg.leaflet")

from coodiag import fr, secrecy
from coodiag.base.indicators import Indicator
from coodiag.outputs import atlas, captions, maps, weblayers, webmap
from coodiag.outputs.document import (
    AtlasDocument,
    ExportTable,
    KeyFigures,
    MapItem,
    Paragraph,
    Recommendations,
    Section,
    TableItem,
)

DEP = "50"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
POPPLER = all(shutil.which(t) for t in ("pdfinfo", "pdftotext", "pdftoppm"))
#: Pages of the test atlas: cover, contents, 2 for chapter 1 (key figures and their map do
#: not fit one page), 2 for chapter 2 (SIAE map, then the table), 1 for chapter 3,
#: « Méthode et sources », « Évolution ».
EXPECTED_PAGES = 9

needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils absent")


def _flat(text: str) -> str:
    """Text with every kind of space as a plain space (pdftotext keeps U+00A0 and U+202F)."""
    return re.sub(r"[\u00a0\u202f\u2009]", " ", text)


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manche(base: dict) -> dict:
    from coodiag.base import store

    communes = store.read_level("communes", zone="metro")
    ind = store.read_table("indicateurs_communes")
    meta = store.read_table("indicateurs_meta")
    meta = meta[meta["table"] == "indicateurs_communes"].set_index("key")
    deps = store.read_level("departements", zone="metro")
    everything = communes[["code", "dep", "reg"]].merge(ind, on="code", how="left")
    gdf = communes[communes["dep"] == DEP].merge(ind, on="code", how="left")
    siae = store.read_level("siae")
    return {
        "communes": gdf,
        "all": everything,
        "context": deps[deps["code"] != DEP],
        "siae": siae[siae["dep"] == DEP],
        "meta": {k: Indicator.from_row(meta.loc[k].to_dict() | {"key": k})
                 for k in ("tx_chom1564_21", "p21_chom1564")},
    }


def _key_figures(manche: dict) -> pd.DataFrame:
    frame = manche["all"]
    levels = {
        "Manche": frame["dep"] == DEP,
        "Normandie": frame["reg"] == "28",
        "France métropolitaine": None,  # not in the test mirror: n.d.
    }
    chom = {"indicateur": "Chômeurs de 15-64 ans (recensement)", "unite": "personnes"}
    rate = {"indicateur": "Taux de chômage des 15-64 ans", "unite": "% des actifs de 15-64 ans"}
    for row in (chom, rate):
        row.update(source="INSEE, RP 2021", millesime="2021")
    for name, mask in levels.items():
        if mask is None:
            chom[name] = rate[name] = float("nan")
            continue
        c, a = frame.loc[mask, "p21_chom1564"].sum(), frame.loc[mask, "p21_act1564"].sum()
        chom[name] = float(round(c))
        rate[name] = float(100 * c / a)
    return pd.DataFrame([chom, rate])


def _masked_counts(gdf: pd.DataFrame) -> pd.DataFrame:
    """40 small communes with a count of people already under secrecy (« < 5 » or >= 5)."""
    small = gdf.sort_values(["p21_chom1564", "code"]).iloc[::10].head(40)
    counts = small["p21_chom1564"].round().astype(int)
    shown = [v if v == 0 or v >= 5 else "< 5" for v in counts]
    shown[1] = 12  # a plain integer among the markers
    return pd.DataFrame(
        {
            "code": small["code"].to_numpy(),
            "nom": small["nom"].to_numpy(),
            "chomeurs": pd.Series(shown, dtype=object).to_numpy(),
            "taux": small["tx_chom1564_21"].to_numpy(),
        }
    )


def build_document(manche: dict) -> AtlasDocument:
    gdf, context, siae = manche["communes"], manche["context"], manche["siae"]
    m_tx, m_n = manche["meta"]["tx_chom1564_21"], manche["meta"]["p21_chom1564"]
    figures = _key_figures(manche)

    def web_rate(m) -> None:
        weblayers.choropleth_layer(m, gdf, "tx_chom1564_21", meta=m_tx)
        weblayers.choropleth_layer(m, gdf, "p21_chom1564", meta=m_n, show=False, legend=False)

    def web_siae(m) -> None:
        weblayers.choropleth_layer(m, gdf, "tx_chom1564_21", meta=m_tx, legend=False)
        weblayers.points_layer(m, siae)

    layer = gdf[["code", "nom", "tx_chom1564_21", "p21_chom1564", "geometry"]].copy()
    n = layer["p21_chom1564"].round()
    layer["p21_chom1564"] = n.where((n >= 5) | (n == 0))
    siae_meta = Indicator(source="Registre des SIAE (plateforme de l'inclusion)", vintage="2021")
    counts = _masked_counts(gdf)
    table = ExportTable(
        "Chômeurs par commune",
        counts,
        title="Chômeurs de 15-64 ans dans quelques petites communes",
        columns={
            "code": "Code commune",
            "nom": "Commune",
            "chomeurs": "Chômeurs 15-64 ans",
            "taux": "Taux de chômage (%)",
        },
        meta=[m_n, m_tx],
        person_counts=["chomeurs"],
    )
    records = json.loads(figures.to_json(orient="records", force_ascii=False))
    return AtlasDocument(
        title="Atlas de test : la Manche",
        subtitle="Diagnostic territorial de l'insertion par l'activité économique",
        slug="atlas_manche",
        cover_lines=["Territoire : département de la Manche (50)", "445 communes"],
        sections=[
            Section(
                "Le territoire",
                [
                    KeyFigures("Chiffres clés", figures, comment="Recensement 2021."),
                    MapItem(
                        "taux_chomage",
                        "Taux de chômage des 15-64 ans par commune",
                        lambda: maps.choropleth(gdf, "tx_chom1564_21", meta=m_tx, context=context),
                        comment="Le chômage est plus fort dans les villes et sur la côte est.",
                        web=web_rate,
                        meta=[m_tx],
                        layer=layer,
                        person_counts=["p21_chom1564"],
                    ),
                ],
                intro="Le département de la Manche au recensement de 2021.",
            ),
            Section(
                "L'offre d'insertion",
                [
                    MapItem(
                        "siae",
                        "Structures d'insertion (SIAE)",
                        lambda: maps.points_map(siae, base=gdf, context=context, meta=siae_meta),
                        web=web_siae,
                        meta=[siae_meta],
                        layer=siae[["siret", "nom", "type_siae", "geometry"]],
                    ),
                    TableItem(table, comment="Effectifs sous secret statistique.", max_rows=25),
                ],
            ),
            Section(
                "Préconisations",
                [
                    Recommendations(
                        [
                            {
                                "theme": "Besoin non couvert",
                                "texte": "Développer une offre d'insertion à Saint-Lô.",
                                "raison": "taux de chômage élevé et aucune SIAE à moins de 10 km",
                                "priorite": 1,
                            },
                            {
                                "theme": "Recrutement",
                                "texte": "Approcher les entreprises du BTP du Cotentin.",
                                "raison": "métiers en tension (BMO 2024)",
                                "priorite": 2,
                            },
                        ]
                    ),
                    Paragraph("Ces préconisations sont à discuter en CDIAE.", kind="alerte"),
                    Paragraph("Établies à partir des seules données publiques.", kind="note"),
                ],
            ),
        ],
        methods=[
            "Le taux de chômage est le rapport des chômeurs de 15 à 64 ans à la population "
            "active du même âge (recensement).",
            "Les effectifs inférieurs à 5 personnes ne sont pas diffusés.",
        ],
        sources=[m_tx, m_n],
        snapshot={"version": 1, "date": "2025-06-02", "chiffres_cles": records},
        warnings=["Capacités d'accueil estimées à partir des moyennes nationales (DARES)."],
    )


def _previous_snapshot(doc: AtlasDocument) -> dict:
    prev = copy.deepcopy(doc.snapshot)
    prev["date"] = "2024-05-15"
    for rec in prev["chiffres_cles"]:
        for level in ("Manche", "Normandie"):
            rec[level] = rec[level] * 1.04
    return prev


@pytest.fixture(scope="module")
def rendered(manche: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    doc = build_document(manche)
    folder = tmp_path_factory.mktemp("atlas") / doc.slug
    result = atlas.render(doc, folder, previous_snapshot=_previous_snapshot(doc))
    return {"doc": doc, "folder": folder, "result": result}


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def test_render_writes_every_file(rendered: dict) -> None:
    folder, result = rendered["folder"], rendered["result"]
    for key in ("pdf", "html", "json", "xlsx", "gpkg", "csv", "cartes"):
        assert result[key].exists(), key
        assert result[key].parent == folder or result[key] == folder / "csv"
    for name in ("taux_chomage", "siae"):
        for ext in ("png", "svg"):
            assert (folder / "cartes" / f"{name}.{ext}").stat().st_size > 10_000
    assert json.loads(result["json"].read_text("utf-8"))["date"] == "2025-06-02"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "reste temporaire"
    timings = result["_timings"]
    assert timings["pages"] == EXPECTED_PAGES
    assert {"cartes", "pdf", "html", "exports", "total", "per_page"} <= set(timings)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def _pdftotext(path: Path, mode: str = "-layout") -> str:
    """Text of a PDF (``-layout`` keeps the columns, ``-raw`` the spaces inside a cell)."""
    out = subprocess.run(["pdftotext", mode, str(path), "-"], check=True, capture_output=True)
    return _flat(out.stdout.decode("utf-8"))


@needs_poppler
def test_pdf_pages_and_text(rendered: dict) -> None:
    pdf = rendered["result"]["pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert pages == EXPECTED_PAGES
    assert "A4" in info.stdout or "595.276 x 841.89" in info.stdout
    text = _pdftotext(pdf)
    assert text.count("\f") >= EXPECTED_PAGES - 1
    for needle in (
        "Atlas de test : la Manche",
        "Sommaire",
        "Le territoire",
        "L'offre d'insertion",
        "Préconisations",
        "Méthode et sources",
        "Évolution",
        "Points d'attention",
        "Pourquoi :",
        "n.d.",
        f"page 2 / {EXPECTED_PAGES}",
        f"page {EXPECTED_PAGES} / {EXPECTED_PAGES}",
    ):
        assert needle in text, needle
    assert "priorité haute" in text.lower()  # badge in small capitals
    # key figures in French format
    manche_count = rendered["doc"].sections[0].items[0].frame.loc[0, "Manche"]
    assert fr.number(manche_count, 0).replace("\u202f", " ") == "19 693"
    assert "19 693" in text
    rate = rendered["doc"].sections[0].items[0].frame.loc[1, "Manche"]
    assert fr.number(rate, 1) in text
    # the source line under the map, from captions.source_line
    line = captions.source_line(rendered["doc"].sections[0].items[1].meta[0])
    assert _flat(line)[:60] in re.sub(r"\s+", " ", text)
    # the table of contents has page numbers
    toc = text.split("\f")[1]
    assert re.search(r"Le territoire[ .]+3\b", toc), toc
    assert re.search(r"Méthode et sources[ .]+\d+", toc)
    # the cover has no page number
    assert "page 1 /" not in text.split("\f")[0]


@needs_poppler
def test_pdf_table_shows_masked_counts(rendered: dict) -> None:
    text = _pdftotext(rendered["result"]["pdf"], "-raw")
    page = next(p for p in text.split("\f") if "Chômeurs 15-64 ans" in p)
    assert page.count("< 5") == 4
    assert "Lingeard 12 3,7" in page
    assert "Les 40 lignes sont dans l'export XLSX" in page and "25 premières" in page
    # no count of 1-4 people in the count column: « code name count rate » rows
    rows = re.findall(r"^5\d{4} .*? (\S+|< 5) \d+,\d$", page, re.M)
    assert len(rows) == 25
    assert not secrecy.find_small_counts(pd.DataFrame({"n": rows}), ["n"])


@needs_poppler
def test_pdf_pages_are_not_blank(rendered: dict, tmp_path: Path) -> None:
    from matplotlib import image

    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(rendered["result"]["pdf"]), str(tmp_path / "p")],
        check=True,
    )
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == EXPECTED_PAGES
    colours_per_page = []
    for png in pngs:
        img = (image.imread(png)[..., :3] * 255).astype(np.uint8)
        assert img.std() > 8, f"page presque vide : {png.name}"
        colours_per_page.append(len(np.unique(img.reshape(-1, 3), axis=0)))
    assert max(colours_per_page) > 500, "aucune page de carte (peu de couleurs)"


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def _srcdocs(page: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'srcdoc="([^"]*)"', page)]


def test_html_is_self_contained(rendered: dict) -> None:
    page = rendered["result"]["html"].read_text("utf-8")
    webmap.assert_offline(page)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert page.count('<img class="static-map"') + page.count("<details") >= 2
    assert "data:image/png;base64," in page
    inner = _srcdocs(page)
    assert len(inner) == 2
    for doc in inner:
        webmap.assert_offline(doc)
        assert "L.map(" in doc and "leaflet" in doc.lower()
    # same content and order as the PDF
    main = page[page.index("<main>") :]
    ids = re.findall(r'<section class="chapter" id="([\w-]+)"', main)
    assert ids == ["chapitre-1", "chapitre-2", "chapitre-3", "methode", "evolution"]
    chapter2 = main[main.index('id="chapitre-2"') : main.index('id="chapitre-3"')]
    assert chapter2.index("Structures d&#39;insertion") < chapter2.index("petites communes")
    assert "Sommaire" in page and "Points d'attention" in page
    assert "… 15 lignes" not in page  # the HTML shows the 40 rows


def test_html_secrecy(rendered: dict) -> None:
    page = rendered["result"]["html"].read_text("utf-8")
    assert not secrecy.find_small_counts(page, threshold=5)
    for doc in _srcdocs(page):
        assert not secrecy.find_small_counts(doc, threshold=5)
    spans = re.findall(r'<span class="coodiag-count">([^<]*)</span>', page)
    assert "&lt; 5" in spans and "12" in spans
    # the web tooltips of the count layer carry the class too
    assert any(secrecy.COUNT_CSS_CLASS in doc for doc in _srcdocs(page))


def _chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        *chromium_command(tmp_path),
        "--hide-scrollbars",
        "--virtual-time-budget=8000",
        *args,
        url,
    ]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=180)


def _page_requests(netlog: Path) -> list[str]:
    """URLs requested over the network by the page (not by the browser itself)."""
    log = json.loads(netlog.read_text("utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        browser = params.get("initiator") == "not an origin"
        if event["type"] == start and "url" in params and not browser:
            urls.append(params["url"])
    return sorted(set(urls))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium absent (apt-get install chromium)")
def test_html_renders_offline_in_chromium(rendered: dict, tmp_path: Path) -> None:
    from matplotlib import image

    path = rendered["result"]["html"]
    shot, netlog = tmp_path / "shot.png", tmp_path / "net.json"
    _chromium(
        tmp_path,
        path.as_uri(),
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        f"--log-net-log={netlog}",
    )
    img = (image.imread(shot)[..., :3] * 255).astype(np.uint8)
    assert img.std() > 20
    colours = np.unique(img[::3, ::3].reshape(-1, 3), axis=0)
    assert len(colours) > 50, "page à peine dessinée"
    # no request left the page (its own or its iframes'); the net log also holds the
    # browser's background requests (initiator « not an origin »), which are not the page's
    assert _page_requests(netlog) == []
    control = tmp_path / "controle.html"
    control.write_text(
        '<img src="http://example.invalid/x.png"><iframe srcdoc="&lt;script '
        'src=&quot;https://cdn.example.invalid/a.js&quot;&gt;&lt;/script&gt;"></iframe>',
        encoding="utf-8",
    )
    _chromium(tmp_path, control.as_uri(), "--dump-dom", f"--log-net-log={tmp_path / 'c.json'}")
    assert _page_requests(tmp_path / "c.json") == [
        "http://example.invalid/x.png",
        "https://cdn.example.invalid/a.js",
    ], "le journal réseau ne montre pas les requêtes d'une page"
    # the interactive map drew its polygons (the srcdoc document, rendered alone)
    inner = tmp_path / "carte.html"
    inner.write_text(_srcdocs(path.read_text("utf-8"))[0], encoding="utf-8")
    dom = _chromium(tmp_path, inner.as_uri(), "--dump-dom", "--window-size=1000,700")
    out = dom.stdout.decode("utf-8")
    assert out.count("leaflet-interactive") > 100, "polygones absents"


# --------------------------------------------------------------------------------------------
# Atomicity and evolution page
# --------------------------------------------------------------------------------------------


def _digest(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@needs_poppler
def test_failed_render_keeps_previous_atlas(manche: dict, tmp_path: Path) -> None:
    doc = build_document(manche)
    folder = tmp_path / doc.slug
    result = atlas.render(doc, folder, formats=("pdf",), exports=False)
    assert set(result) >= {"pdf", "json", "cartes"} and "html" not in result
    text = _pdftotext(result["pdf"])
    assert "Évolution" not in text  # no previous snapshot, no evolution page
    before = _digest(folder)

    def broken():
        raise RuntimeError("figure en panne")

    bad = build_document(manche)
    bad.sections[1].items[0].figure = broken  # the second map: the first one is drawn
    bad.title = "Autre titre"
    with pytest.raises(RuntimeError, match="figure en panne"):
        atlas.render(bad, folder)
    assert _digest(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [doc.slug]


def test_typography() -> None:
    """The atlas's typography and dates are those of :mod:`coodiag.fr`."""
    assert fr.typography("Pourquoi : parce que ; vraiment ! 12 %") == (
        "Pourquoi\u00a0: parce que\u202f; vraiment\u202f! 12\u202f%"
    )
    assert fr.typography("« texte »") == "«\u00a0texte\u00a0»"
    assert fr.typography("12%") == "12\u202f%"
    assert fr.typography("voir https://exemple.fr") == "voir https://exemple.fr"
    assert fr.date(__import__("datetime").date(2025, 3, 1)) == "1er mars 2025"


# --------------------------------------------------------------------------------------------
# The real territory atlas of the Manche for a CDIAE (issue 13)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdiae(base: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The atlas of the Manche as ``coodiag atlas --territoire dep:50`` writes it."""
    import coodiag
    from coodiag.outputs.builders import territory_document

    result = coodiag.territory_atlas("dep:50")
    doc = territory_document(result)
    folder = tmp_path_factory.mktemp("cdiae") / "atlas"
    written = atlas.render(doc, folder, formats=("pdf",))
    return {"atlas": result, "doc": doc, "written": written,
            "text": _pdftotext(written["pdf"]) if POPPLER else ""}


def test_cdiae_epci_table_in_pdf_and_xlsx(cdiae: dict) -> None:
    import openpyxl

    ep = cdiae["atlas"].epci
    wb = openpyxl.load_workbook(cdiae["written"]["xlsx"], read_only=True)
    ws = wb["Intercommunalités"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["Code EPCI", "Intercommunalité"]
    assert {"ACI", "AI", "EI", "ETTI", "SIAE", "Capacité (salariés)",
            "Capacité pour 1 000 demandeurs d'emploi"} <= set(header)
    assert len(rows) - 1 == len(ep) == 8
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    granville = by_name["Communauté de communes de Granville, Terre et Mer"]
    assert (granville["ACI"], granville["AI"], granville["SIAE"]) == (2, 1, 3)
    assert granville["Capacité (salariés)"] == 134
    assert granville["Capacité pour 1 000 demandeurs d'emploi"] == 44
    villedieu = by_name["Communauté de communes de Villedieu Intercom"]
    assert villedieu["SIAE"] == 0 and villedieu["Capacité pour 1 000 demandeurs d'emploi"] == 0
    per = [r[header.index("Capacité pour 1 000 demandeurs d'emploi")] for r in rows[1:]]
    assert per == sorted(per)  # the least endowed first
    if POPPLER:
        text = cdiae["text"]
        assert "L'offre d'insertion par intercommunalité (EPCI)" in text
        for name in ep["nom"]:
            assert _flat(name)[:25] in text.replace("\n", " "), name


@needs_poppler
def test_cdiae_lists_every_siae_and_names_them_properly(cdiae: dict) -> None:
    text = cdiae["text"]
    offre = cdiae["atlas"].offre
    assert len(offre) == 29
    missing = [s for s in offre["siret"] if s not in text]
    assert not missing, missing
    assert "de plus dans l'export" not in text
    assert "Association Intermédiaire" in text and "ASSOC INTERMEDIAIRE" not in text
    assert "27,7" not in text and "79,1" not in text  # estimated capacities: whole salariés


@needs_poppler
def test_cdiae_reader_text_has_no_cli_flag_and_says_what_is_missing(cdiae: dict) -> None:
    text = cdiae["text"]
    assert not re.search(r"--[a-z]", text), re.search(r".{40}--[a-z].{20}", text)
    assert "Points d'attention" in text
    assert any("réseaux" in w for w in cdiae["doc"].warnings)
    assert "Messages clés" in text
    flat = re.sub(r"\s+", " ", text)
    assert "29 SIAE (13 ACI, 7 AI, 8 EI, 1 ETTI)" in flat
    assert "1 intercommunalité sur 8 sans aucune SIAE implantée" in flat
    # one date on the cover
    cover = text.split("\f")[0]
    assert "Édité le" not in cover and cover.count("Atlas produit le") == 1


@needs_poppler
def test_cdiae_no_text_runs_outside_the_page(cdiae: dict) -> None:
    """From the PDF itself (``pdftotext -bbox``): no word crosses the right margin; the wide
    tables (évolution by commune, uncovered communes) got a landscape page or a smaller font."""
    out = subprocess.run(["pdftotext", "-bbox", str(cdiae["written"]["pdf"]), "-"], check=True,
                         capture_output=True, text=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)
    assert pages
    landscape = 0
    for number, (w, h, body) in enumerate(pages, 1):
        width, height = float(w), float(h)
        landscape += width > height
        boxes = re.findall(r'<word xMin="([\d.-]+)" yMin="[\d.-]+" xMax="([\d.-]+)" '
                           r'yMax="([\d.-]+)">(.*?)</word>', body)
        past = [t for x0, x1, y1, t in boxes
                if float(x1) > width - 45 or float(x0) < 0 or float(y1) > height]
        assert not past, (number, past[:5])
    assert landscape >= 1
    text = cdiae["text"]
    for raw in ("dist_ACI_km", "capacite_pour_1000", "n_siae", "Typ e"):
        assert raw not in text, raw
