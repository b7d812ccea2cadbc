"""The « Done when » check of issue 13, on the documents themselves.

Three diagnoses (the Avranches AI with its roster; an AI in the Var and an ACI in
Seine-Saint-Denis, without a roster) and three territory atlases (Manche, Var,
Bouches-du-Rhône) are rendered once through the public API; every page of their PDF is then
read back (``pdftotext -bbox-layout``, ``pdftoppm``, ``pdfinfo -box``) to check that:

- no text runs outside the page's own MediaBox (nor into its outer 14 pt, cut by printers);
- no page is filled under a quarter of its body (between the running header and the page
  number) with text or figures, except the section ends: the last page of a section (the next
  page's running header names another section) and the last page of the document;
- the legend totals of the maps equal the tables: « N au total » of the SIAE map equals the rows
  of the SIAE list of the document (and its counts by type), the class counts « (n communes) »
  of every commune map add up to the communes of the territory, the coverage classes of the
  legend are those the text counts;
- the HTML maps open on the territory at 1280×800 and 1920×1080 (Avranches and the Var atlas).
"""

from __future__ import annotations

import html as html_mod
import itertools
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from support import chromium_command

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils absent (apt-get install poppler-utils)",
)

#: name -> (SIRET, roster): the three diagnoses of the issue.
DIAGNOSES = {
    "avranches": ("37968077000029", "examples/salaries_ai_avranches_FICTIF.csv"),
    "var_ai": ("33307509100061", None),  # ACEP, AI of Toulon
    "ssd_aci": ("34980413800049", None),  # Jade, ACI of La Courneuve
}
#: name -> territory: the three atlases of the issue.
ATLASES = {"manche": "dep:50", "var": "dep:83", "bouches_du_rhone": "dep:13"}
#: Resolution of the rendered pages (enough to see a line of text).
DPI = 36
#: Text closer than this to the page edge is cut by printers (pt).
EDGE_PT = 14.0
#: A page (not a section end) must fill at least this share of its body.
MIN_FILL = 0.25
FOOTER = re.compile(r"^page \d+ / \d+$")
SIRET = re.compile(r"^\d{14}$")
COMMUNES = re.compile(r"\((\d[\d\u202f\u00a0 ]*) communes?\)")


# --------------------------------------------------------------------------------------------
# Reading a PDF back
# --------------------------------------------------------------------------------------------


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def _int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def read_pages(pdf: Path) -> list[dict]:
    """Every page: its size, MediaBox, lines (x0, y0, x1, y1, words), running header
    (section), body limits (below the header, above the page number)."""
    out = _run("pdftotext", "-bbox-layout", str(pdf), "-")
    boxes = {
        int(n): tuple(float(v) for v in box.split())
        for n, box in re.findall(r"Page\s+(\d+) MediaBox:\s+([-\d. ]+)", _run(
            "pdfinfo", "-f", "1", "-l", "9999", "-box", str(pdf)))
    }
    pages = []
    found = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)
    for number, (w, h, body) in enumerate(found, 1):
        lines = []
        for x0, y0, x1, y1, inner in re.findall(
            r'<line xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">'
            r"(.*?)</line>", body, re.S,
        ):
            words = [
                (float(a), float(b), float(c), float(d), html_mod.unescape(t))
                for a, b, c, d, t in re.findall(
                    r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                    r'yMax="([\d.-]+)">(.*?)</word>', inner)
            ]
            lines.append((float(x0), float(y0), float(x1), float(y1), words))
        page = {"n": number, "w": float(w), "h": float(h), "box": boxes[number],
                "lines": lines}
        texts = [" ".join(word[4] for word in line[4]) for line in lines]
        footer = [line for line, t in zip(lines, texts, strict=True) if FOOTER.match(t)]
        header = [line for line in lines if footer and line[3] <= 58]
        page["top"] = max((line[3] for line in header), default=0.0)
        page["bottom"] = footer[0][1] if footer else page["h"]
        page["section"] = " ".join(
            " ".join(word[4] for word in line[4])
            for line in sorted(header, key=lambda line: line[1]) if line[0] > page["w"] / 2
        )
        page["text"] = " ".join(texts)
        pages.append(page)
    return pages


def page_fills(pdf: Path, pages: list[dict], folder: Path) -> list[float]:
    """The share of each page's body (header and page number left out) between its first and
    its last row of ink (text, rules, figures), from the page rendered at :data:`DPI`."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(folder / "p")],
                   check=True)
    files = sorted(folder.glob("p-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert len(files) == len(pages)
    fills = []
    for page, file in zip(pages, files, strict=True):
        data = file.read_bytes()
        width, height = (int(v) for v in data.split(maxsplit=3)[1:3])
        img = np.frombuffer(data[-width * height:], dtype=np.uint8).reshape(height, width)
        scale = height / page["h"]
        body = img[int((page["top"] + 3) * scale): int((page["bottom"] - 3) * scale)]
        rows = np.flatnonzero((body < 235).any(axis=1))
        fills.append((rows[-1] - rows[0] + 1) / len(body) if rows.size else 0.0)
    return fills


def section_ends(pages: list[dict]) -> set[int]:
    """Pages after which a new section starts (running header changes), and the last page."""
    ends = {p["n"] for p, q in itertools.pairwise(pages) if q["section"] != p["section"]}
    return ends | {pages[-1]["n"]}


def svg_text(path: Path) -> str:
    """The texts of a matplotlib SVG (text kept as text), joined by spaces."""
    raw = path.read_text("utf-8")
    texts = [html_mod.unescape(re.sub(r"<[^>]+>", "", t))
             for t in re.findall(r"<text\b.*?</text>", raw, re.S)]
    return re.sub(r"\s+", " ", " ".join(texts).replace("\u00a0", " "))


# --------------------------------------------------------------------------------------------
# The six documents, rendered once
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(base: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The 3 diagnoses and 3 atlases, rendered (PDF, HTML and exports) through the public API,
    with their pages read back."""
    import coodiag

    root = tmp_path_factory.mktemp("documents")
    out: dict[str, dict] = {}
    jobs = [(n, lambda s=s, r=r: coodiag.diagnose(s, salaries=r)) for n, (s, r) in
            DIAGNOSES.items()]
    jobs += [(n, lambda t=t: coodiag.territory_atlas(t)) for n, t in ATLASES.items()]
    for name, make in jobs:
        result = make()
        written = coodiag.render(result, root / name, formats=("pdf", "html"))
        pages = read_pages(written["pdf"])
        out[name] = {"result": result, "written": written, "pages": pages,
                     "fills": page_fills(written["pdf"], pages, root / f"{name}_pages"),
                     "folder": root / name}
    return out


# --------------------------------------------------------------------------------------------
# Every page
# --------------------------------------------------------------------------------------------


def test_no_text_outside_the_page_box(documents: dict) -> None:
    for name, doc in documents.items():
        for page in doc["pages"]:
            x0, y0, x1, y1 = page["box"]
            assert (x1 - x0, y1 - y0) == pytest.approx((page["w"], page["h"]), abs=0.01), (
                name, page["n"])  # the text boxes are in the page's own MediaBox
            out = [w[4] for line in page["lines"] for w in line[4]
                   if w[0] < EDGE_PT or w[1] < EDGE_PT or w[2] > page["w"] - EDGE_PT
                   or w[3] > page["h"] - EDGE_PT]
            assert not out, (name, page["n"], out[:8])


def test_pages_are_filled_except_section_ends(documents: dict) -> None:
    """No page under a quarter of its body, except a section's last page (printed)."""
    thin = []
    for name, doc in documents.items():
        pages, fills = doc["pages"], doc["fills"]
        assert len(pages) >= 12, name
        ends = section_ends(pages)
        assert 1 in ends and 2 in ends  # the cover, then the table of contents
        exempt = sorted(p["n"] for p, f in zip(pages, fills, strict=True)
                        if f < MIN_FILL and p["n"] in ends)
        print(f"{name}: {len(pages)} pages, fins de section {sorted(ends)}, "
              f"dont peu remplies (exemptées) {exempt}")
        thin += [(name, p["n"], p["section"], round(f, 2))
                 for p, f in zip(pages, fills, strict=True)
                 if f < MIN_FILL and p["n"] not in ends]
        # the measure sees a full page as full
        assert max(fills) > 0.9, name
    assert not thin, thin


def _siae_rows(doc: dict) -> list[tuple[str, str]]:
    """(SIRET, type) of each row of the SIAE list of the document, read from the PDF."""
    rows = []
    for page in doc["pages"]:
        if "offre d'insertion" not in page["section"] or "Poids" in page["section"]:
            continue
        for line in page["lines"]:
            words = [w[4] for w in line[4]]
            if len(words) >= 2 and SIRET.match(words[0]):
                rows.append((words[0], words[1]))
    return rows


def test_siae_legend_total_equals_the_siae_list(documents: dict) -> None:
    for name, doc in documents.items():
        legend = svg_text(doc["folder"] / "cartes" / "offre_siae.svg")
        total = re.findall(r"Type de structure \((\d[\d\u202f ]*) au total\)", legend)
        assert len(total) == 1, (name, legend[:300])
        rows = _siae_rows(doc)
        assert _int(total[0]) == len(rows), (name, total[0], len(rows))
        by_type = Counter(t for _, t in rows)
        for kind, n in by_type.items():
            assert re.search(rf"\b{kind} — [^()]*\({n}\)", legend), (name, kind, n, legend)
        assert "lignes sont dans l'export XLSX (feuille « Offre d'insertion" not in " ".join(
            p["text"] for p in doc["pages"]).replace("\u00a0", " "), name
        result = doc["result"]
        communes = set(result.communes["code"])
        assert len(rows) == int(result.offre["code_commune"].isin(communes).sum()), name


def _territory_communes(doc: dict) -> int:
    return len(doc["result"].communes)


def test_commune_legends_count_every_commune(documents: dict) -> None:
    """The « (n communes) » of a commune map's classes add up to the territory's communes; the
    coverage classes are those the text of the coverage section counts."""
    checked = 0
    for name, doc in documents.items():
        n_communes = _territory_communes(doc)
        for svg in sorted((doc["folder"] / "cartes").glob("*.svg")):
            text = svg_text(svg)
            terciles = re.search(r"Terciles [^()]*\((\d[\d\u202f ]*) communes\)", text)
            if terciles:
                assert _int(terciles.group(1)) == n_communes, (name, svg.name)
                text = text.replace(terciles.group(0), "")
            counts = [_int(c) for c in COMMUNES.findall(text)]
            if not counts:
                continue
            checked += 1
            assert sum(counts) == n_communes, (name, svg.name, counts, n_communes)
            if svg.stem == "classes_couverture":
                flat = " ".join(p["text"] for p in doc["pages"])
                said = re.search(r"Répartition des communes : (.*?)\.", flat)
                assert said, name
                in_text = sorted(_int(n) for n in re.findall(r" (\d[\d\u202f]*)(?:,|$)",
                                                              said.group(1) + ","))
                assert in_text == sorted(counts), (name, said.group(1), counts)
    assert checked >= 8


def test_missing_files_are_named_on_the_first_pages(documents: dict) -> None:
    """Without a roster, the first pages say which sections are missing and which file adds
    them; with one, its sections are there."""
    for name in ("var_ai", "ssd_aci"):
        pages = documents[name]["pages"]
        synthese = next(p for p in pages if p["section"] == "1. Synthèse")
        flat = synthese["text"].replace("\u2010", "").replace("- ", "")
        assert "Sans fichier des salariés en parcours" in flat, name
        assert "dele_salaries.csv" in flat and "ajoutez le fichier des salariés" in flat, name
        assert "Points d'attention" in pages[1]["text"], name
        assert not any("Où vivent les salariés" in p["section"] for p in pages), name
    avranches = documents["avranches"]["pages"]
    assert any("Où vivent les salariés" in p["section"] for p in avranches)
    assert not any("Sans fichier des salariés" in p["text"] for p in avranches)


# --------------------------------------------------------------------------------------------
# The HTML maps open on the territory
# --------------------------------------------------------------------------------------------

#: Appended to the atlas page: the size of each interactive map's frame once the page is loaded.
FRAMES = """<script>
window.addEventListener("load", function () {
  var out = [];
  document.querySelectorAll("iframe.webmap").forEach(function (f) {
    out.push(f.clientWidth + "x" + f.clientHeight + "|" + f.title);
  });
  var pre = document.createElement("pre");
  pre.id = "frames";
  pre.textContent = "FRAMES:" + out.join("\\n") + ":END";
  document.body.appendChild(pre);
});
</script></body>"""
#: Appended to a map's own page, after its scripts (so after its refit on load): its view.
VIEW = """<script>
window.addEventListener("load", function () {
  var out = [];
  for (var k in window) { try { if (window.L && window[k] instanceof L.Map) {
    out.push(window[k].getZoom() + "|" + window[k].getSize().x + "|"
             + window[k].getBounds().toBBoxString());
  } } catch (e) {} }
  var pre = document.createElement("pre");
  pre.id = "view";
  pre.textContent = "VIEW:" + out.join(";") + ":END";
  document.body.appendChild(pre);
});
</script></html>"""


def _dom(tmp_path: Path, page: Path, size: str) -> str:
    cmd = [*chromium_command(tmp_path), "--hide-scrollbars", "--virtual-time-budget=5000",
           f"--window-size={size}", "--dump-dom", page.as_uri()]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=180).stdout


@pytest.mark.skipif(shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
                    reason="chromium absent (apt-get install chromium)")
@pytest.mark.parametrize("size", ["1280,800", "1920,1080"])
@pytest.mark.parametrize("name", ["avranches", "var"])
def test_html_maps_open_on_the_territory(documents: dict, name: str, size: str,
                                         tmp_path: Path) -> None:
    """Screenshot of the page at the window size; each interactive map (a sandboxed frame,
    opened alone at the size the page gives its frame) shows what it maps, filling the view."""
    from coodiag.outputs.builders import document_of

    doc = documents[name]
    path = doc["written"]["html"]
    page = path.read_text("utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([*chromium_command(tmp_path), "--hide-scrollbars", f"--window-size={size}",
                    f"--screenshot={shot}", path.as_uri()], check=True, capture_output=True,
                   timeout=180)
    assert shot.stat().st_size > 10_000
    probe = tmp_path / "page.html"
    probe.write_text(page.replace("</body>", FRAMES, 1), encoding="utf-8")
    found = re.search(r'<pre id="frames">FRAMES:(.*?):END</pre>', _dom(tmp_path, probe, size),
                      re.S)
    assert found, "cadres des cartes introuvables"
    frames = [line.split("|", 1) for line in found.group(1).splitlines()]
    srcdocs = [html_mod.unescape(d) for d in re.findall(
        r'<iframe class="webmap"[^>]*?srcdoc="([^"]*)"', page, re.S)]
    assert len(frames) == len(srcdocs) >= 2, (len(frames), len(srcdocs))
    items = {f"Carte interactive : {m.title}": m for m in document_of(doc["result"]).maps()}
    for (box, title), srcdoc in zip(frames, srcdocs, strict=True):
        width, height = (int(v) for v in box.split("x"))
        assert width >= 600 and height >= 400, (title, box)
        alone = tmp_path / "map.html"
        alone.write_text(srcdoc.replace("</html>", VIEW, 1), encoding="utf-8")
        view = re.search(r'<pre id="view">VIEW:(.*?):END</pre>',
                         _dom(tmp_path, alone, f"{width},{height}"), re.S)
        assert view and view.group(1), (title, "carte absente")
        zoom, _px, bbox = view.group(1).split(";")[0].split("|")
        west, south, east, north = (float(v) for v in bbox.split(","))
        item = items[html_mod.unescape(title)]
        shown = item.layer  # the map's own units (zones of the région...), else the territory
        if shown is None or not shown.geom_type.str.contains("Polygon").all():
            shown = doc["result"].communes
        minx, miny, maxx, maxy = shown.to_crs(4326).total_bounds
        assert float(zoom) >= 6, (title, f"vue du monde entier (zoom {zoom})")
        slack = 0.02 * max(maxx - minx, maxy - miny)
        assert west <= minx + slack and east >= maxx - slack, (title, bbox, (minx, maxx))
        assert south <= miny + slack and north >= maxy - slack, (title, bbox, (miny, maxy))
        fill = max((maxx - minx) / (east - west), (maxy - miny) / (north - south))
        assert fill > 0.5, (title, round(fill, 2), bbox)


# --------------------------------------------------------------------------------------------
# The exports of the same documents
# --------------------------------------------------------------------------------------------


def _svg_colours(path: Path) -> set[str]:
    raw = path.read_text("utf-8").lower()
    return set(re.findall(r"(?:fill|stroke)(?::\s*|=\")(#[0-9a-f]{6})", raw))


def _qml_colours(qml: str) -> list[str]:
    """The colours of the solid symbols of a QML (the hatched « non disponible » left out)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(qml.split(">", 1)[1])
    out = []
    for symbol in root.iter("symbol"):
        options = {o.get("name"): o.get("value") for o in symbol.iter("Option")}
        if options.get("style") == "b_diagonal":
            continue
        r, g, b, _ = (int(v) for v in options["color"].split(","))
        out.append(f"#{r:02x}{g:02x}{b:02x}")
    return out


def test_gpkg_layers_open_with_the_colours_of_their_map(documents: dict) -> None:
    import sqlite3
    import xml.etree.ElementTree as ET

    import geopandas as gpd

    for name, doc in documents.items():
        path = doc["written"]["gpkg"]
        with sqlite3.connect(path) as con:
            features = {t: c for t, c in con.execute(
                "SELECT table_name, column_name FROM gpkg_geometry_columns")}
            styles = con.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, "
                                 "styleSLD, useAsDefault FROM layer_styles").fetchall()
            registered = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = "
                                     "'layer_styles'").fetchone()
        con.close()
        assert registered == ("attributes",), name
        assert sorted(r[0] for r in styles) == sorted(features), name
        territory = doc["result"].communes.union_all()
        for layer, column, style_name, qml, sld, default in styles:
            assert (column, style_name, default) == (features[layer], "coodiag", 1)
            ET.fromstring(sld.split("?>", 1)[1])  # well-formed
            renderer = ET.fromstring(qml.split(">", 1)[1]).find("renderer-v2")
            gdf = gpd.read_file(path, layer=layer)
            kind = renderer.get("type")
            assert kind in {"graduatedSymbol", "categorizedSymbol"}, (name, layer, kind)
            assert renderer.get("attr") in gdf.columns, (name, layer)
            if kind == "categorizedSymbol":
                values = {c.get("value") for c in renderer.iter("category")} - {""}
                present = set(gdf[renderer.get("attr")].dropna().astype(str))
                assert values == present, (name, layer, values, present)
            # the colours of the classes are those of the PDF map (its SVG)
            colours = _qml_colours(qml)
            assert colours and set(colours) <= _svg_colours(
                doc["folder"] / "cartes" / f"{layer}.svg"), (name, layer, colours)
            # features outside the territory are flagged
            metric = gdf.to_crs(doc["result"].communes.crs)
            inside = metric.intersects(territory.buffer(1000))
            flagged = gdf["hors_territoire"].astype(bool) if "hors_territoire" in gdf else False
            assert (inside | flagged).all(), (name, layer, gdf.loc[~inside].iloc[:3, :2])
            if "hors_territoire" in gdf:  # flagged: (almost) nothing of it in the territory
                out = metric[gdf["hors_territoire"].astype(bool)]
                share = out.intersection(territory).area / out.area
                assert len(out) and share.max() < 0.05, (name, layer, share.max())
                assert (~gdf["hors_territoire"].astype(bool)).sum() >= 1, (name, layer)


def _sheets(path: Path) -> dict[str, list[tuple]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb:
        rows = list(ws.iter_rows(values_only=True))
        width = max((len(r) for r in rows), default=0)
        out[ws.title] = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    return out


def test_xlsx_counts_are_numbers_and_every_figure_has_its_source(documents: dict) -> None:
    from coodiag import secrecy

    for name, doc in documents.items():
        sheets = _sheets(doc["written"]["xlsx"])
        sources = [r for r in sheets.pop("Sources")[1:] if r and r[0] and r[0] != "Note"]
        sheets.pop("À lire")
        documented = {(r[0], r[1]) for r in sources}
        for sheet, rows in sheets.items():
            header, body = rows[0], rows[1:]
            for j, col in enumerate(header):
                values = [r[j] for r in body if r[j] is not None]
                numbers = [v for v in values if isinstance(v, int | float)]
                # never « < 5 » text among numbers
                assert not (numbers and len(numbers) < len(values)), (name, sheet, col)
                if numbers and sheet != "Chiffres clés" and not str(col).startswith("Priorit"):
                    assert (sheet, col) in documented, (name, sheet, col)
        for row in sources:
            sheet, _column, label, unit, num, den, source = row[:7]
            assert label and source, (name, row)
            if unit and "%" in unit and "points" not in unit:
                assert num and den, (name, row)  # a share or a rate: both terms named
        assert any(r[1].startswith("ligne « ") for r in sources if r[0] == "Chiffres clés")
    # the masked counts of the Avranches roster: an empty cell and its flag
    impact = _sheets(documents["avranches"]["written"]["xlsx"])["Impact par commune"]
    header = list(impact[0])
    count, flag = header.index("Salariés en parcours"), header.index(
        "Salariés en parcours (secret)")
    published = documents["avranches"]["result"].impact_publie
    masked = int((published["salaries"] == secrecy.default_label()).sum())
    assert masked > 10
    flagged = [r for r in impact[1:] if r[flag] is not None]
    assert len(flagged) == masked
    assert {r[flag] for r in flagged} == {"secret statistique (moins de 5)"}
    assert all(r[count] is None for r in flagged)
    assert all(isinstance(r[count], int) for r in impact[1:] if r[flag] is None)
    # the workbook holds key figures, préconisations and the classes of each typology
    for name, doc in documents.items():
        names = set(_sheets(doc["written"]["xlsx"]))
        assert {"Chiffres clés", "Préconisations", "Classes des zones d'emploi"} <= names, name
    assert "Classes des communes" in _sheets(documents["avranches"]["written"]["xlsx"])
    assert "Classes des communes" in _sheets(documents["manche"]["written"]["xlsx"])
    # an atlas gives the coverage class of every commune, as its map counts them
    for name in ATLASES:
        doc = documents[name]
        rows = _sheets(doc["written"]["xlsx"])["Classes de couverture"]
        assert rows[0][:3] == ("Code commune", "Commune", "Classe")
        communes = doc["result"].communes
        assert len(rows) - 1 == len(communes), name
        legend = svg_text(doc["folder"] / "cartes" / "classes_couverture.svg")
        for label, n in Counter(r[2] for r in rows[1:]).items():
            assert f"{label[:1].upper()}{label[1:]} ({n} communes)" in legend, (name, label, n)
