"""The accessibility surface in the explorer (issue 16): the 2SFCA surface of the Manche drawn
as an inline image, warped to Web Mercator, under the outlines and the SIAE, its legend under
the map. On the real base and the real surface (:mod:`coodiag.reports.surfaces`)."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from coodiag.analyses import access
from coodiag.explorer import components as explorer

APP = str(explorer.app_path())
TIMEOUT = 180
OVERLAY = re.compile(r'L\.imageOverlay\(\s*"(data:image/png;base64,[^"]+)",\s*(\[\[[^\]]*\], '
                     r'\[[^\]]*\]\])')


@pytest.fixture(scope="module")
def display(base: dict) -> None:
    from coodiag.base import display as geometries

    if not (geometries.display_dir() / "communes_28.parquet").exists():
        geometries.build_display_geometries()


@pytest.fixture(scope="module")
def manche_page(display: None) -> tuple[str, dict]:
    from coodiag.explorer import data, mapview

    reg = data.registry_with(None, None)
    types = list(reg["type_siae"].unique())
    pts = mapview.filtered_siae(reg, set(data.territory_communes("dep", "50")["code"]),
                                types, [])
    params = {"prefix": "dep", "code": "50", "types": types, "reseaux": [],
              "layer": "Indicateur", "map_level": "communes", "indicator": "offre:n_siae",
              "scheme": "quantiles", "k": 5, "access_type": access.ALL, "typology": "ze",
              "tiles": False, "by_reseau": False, "surface": True, "surface_type": access.ALL}
    return mapview.build_map(params, pts)


def _png(url: str):
    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def test_overlay_inline_inside_the_manche_under_the_points(manche_page) -> None:
    from coodiag.explorer import data, surfacelayer

    page, info = manche_page
    found = OVERLAY.findall(page)
    assert len(found) == 1  # one zone (mainland), nothing from a URL
    url, corners = found[0]
    (south, west), (north, east) = json.loads(corners)
    communes = data.territory_communes("dep", "50")
    geo = data.display_layer("communes", data.territory_regions(communes, "dep"))
    geo = geo[geo["code"].isin(set(communes["code"]))]
    minx, miny, maxx, maxy = geo.total_bounds
    tol = 0.005  # about two 200 m cells
    assert miny - tol <= south < miny + tol and maxy - tol < north <= maxy + tol
    assert minx - tol <= west < minx + tol and maxx - tol < east <= maxx + tol
    assert 48.4 < south < 48.5 and 49.7 < north < 49.8 and -2.0 < west < -1.9  # the Manche
    # Its pane lies above the tiles (200) and under the outlines and points (400).
    assert f'"pane": "{surfacelayer.PANE}"' in page
    assert re.search(r'createPane\(\s*"coodiag-surface"\)', page)
    assert re.search(r"style\.zIndex = 350;", page)
    img = _png(url)
    assert img.mode == "P" and img.info.get("transparency") == 0
    assert info["surface"]["resolution"] == 200.0
    assert info["surface"]["bytes"] == len(url) < 200_000
    # Cells: those of the surface of the report (150,390 cells of 200 m over the Manche).
    assert info["surface"]["cells"] == 150_390
    assert info["title"] == "Accessibilité à toutes les structures (ACI, AI, EI, ETTI), pour " \
                            "1 000 chômeurs"


def test_image_cells_are_the_surface_cells(manche_page) -> None:
    """Each 200 m cell, from its centre in Lambert-93 to lat/lon to the pixel of the image
    placed between the corners given to Leaflet, shows its own class: the warp and the
    corners are right."""
    from pyproj import Transformer

    from coodiag.explorer import data
    from coodiag.outputs import webraster
    from coodiag.reports import surfaces
    from coodiag.reports.context import Context

    page, _info = manche_page
    url, corners = OVERLAY.findall(page)[0]
    (south, west), (north, east) = json.loads(corners)
    rgba = np.asarray(_png(url).convert("RGBA"))
    ctx = Context(data.store_base())
    codes = set(data.territory_communes("dep", "50")["code"])
    surf = surfaces.territory_surfaces(ctx, codes, resolution=200, distances=False,
                                       only_all=True)[0]
    values = surf.layers["accessibilite"][-1].values
    classes = webraster.classes_of([values])
    expected = webraster.surface_codes(values, classes.bounds)
    rows, cols = np.nonzero(expected)
    t = surf.transform
    x, y = t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e
    lon, lat = Transformer.from_crs(surf.crs, 4326, always_xy=True).transform(x, y)

    def merc(phi):
        return np.log(np.tan(np.pi / 4 + np.radians(phi) / 2))

    h, w = rgba.shape[:2]
    px = np.floor((lon - west) / (east - west) * w).astype(int)
    py = np.floor((merc(north) - merc(lat)) / (merc(north) - merc(south)) * h).astype(int)
    assert px.min() >= 0 and py.min() >= 0 and px.max() < w and py.max() < h
    palette = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in classes.palette])
    shown = rgba[py, px]
    assert (shown[:, 3] == 255).all()  # every cell of the territory is drawn
    match = (shown[:, :3] == palette[expected[rows, cols]]).all(axis=1)
    assert match.mean() > 0.999, match.mean()
    # Outside the territory (the sea west of the Cotentin): transparent.
    assert rgba[h // 2, 0, 3] == 0


def test_resolution_by_territory_size(display: None) -> None:
    from coodiag.explorer import data, surfacelayer

    assert surfacelayer.resolution_for(data.territory_communes("dep", "50")) == 200.0
    assert surfacelayer.resolution_for(data.territory_communes("ze", "2802")) == 200.0
    assert surfacelayer.resolution_for(data.territory_communes("reg", "28")) == 1000.0
    assert surfacelayer.resolution_for(data.territory_communes("dep", "973")) == 1000.0


def test_checkbox_type_legend_and_address(display: None) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.message for e in at.exception]
    at.sidebar.checkbox(key="surface").check().run()
    assert not at.exception and not at.error, [e.message for e in at.exception]
    assert at.sidebar.radio(key="layer").disabled
    legend = next(m.value for m in at.markdown if "coodiag-surface-legend" in m.value)
    assert "Accessibilité à toutes les structures" in legend
    assert "unité : salariés en insertion pour 1 000 chômeurs" in legend
    assert "150\u202f390 carreaux de 200 m" in legend
    assert "Source : registre des SIAE de coodiag" in legend and "DARES" in legend
    assert "Millésime : SIAE 2019-2021 ; RP 2021" in legend
    assert "Aucune structure à portée" not in legend  # every cell of the Manche is served
    assert legend.count("<div><span") == 5  # five classes
    assert at.query_params["surface"] in ("1", ["1"])
    at.sidebar.selectbox(key="surface_type").set_value("AI").run()
    assert not at.exception, [e.message for e in at.exception]
    legend = next(m.value for m in at.markdown if "coodiag-surface-legend" in m.value)
    assert "Accessibilité aux structures AI" in legend
    captions = " ".join(c.value for c in at.caption)
    assert "Méthode de la surface : 2SFCA, rayon 20 km" in captions
    assert at.query_params["type_surface"] in ("AI", ["AI"])


def test_no_request_in_the_browser(manche_page, tmp_path: Path) -> None:
    """The page opened in Chromium: the image is decoded and drawn in its pane, and nothing
    but the file itself is requested."""
    from support import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"navigateur absent : {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    page_html, _info = manche_page
    path = tmp_path / "manche_surface.html"
    path.write_text(page_html, encoding="utf-8")
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 800},
                                          accept_downloads=True)
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.goto(path.as_uri())
            page.wait_for_function(
                "() => { const i = document.querySelector('img.leaflet-image-layer'); "
                "return i && i.complete && i.naturalWidth > 0; }", timeout=60_000)
            width, z = page.evaluate(
                "() => { const i = document.querySelector('img.leaflet-image-layer'); "
                "return [i.naturalWidth, getComputedStyle(i.parentElement).zIndex]; }")
            artefacts = Path(__file__).resolve().parent / "artefacts"
            artefacts.mkdir(exist_ok=True)
            page.screenshot(path=str(artefacts / "explorer_surface_manche.png"))
            # « PNG » draws the surface too (the image layer under the shapes).
            with page.expect_download() as dl:
                page.locator(".coodiag-png a").click()
            png = tmp_path / "carte.png"
            dl.value.save_as(png)
        finally:
            browser.close()
    assert width > 500 and z == "350"
    from PIL import Image

    rgb = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    from coodiag.explorer import surfacelayer

    # The highest class (#253494) drawn at 85 % over the map's background (#f3f5f7).
    a = surfacelayer.OPACITY
    dark = a * np.array([0x25, 0x34, 0x94]) + (1 - a) * np.array([0xF3, 0xF5, 0xF7])
    assert (np.abs(rgb - dark).sum(axis=1) < 12).sum() > 10_000
    assert requests and all(u.startswith(("file:", "data:", "about:")) for u in requests)
    # Its legend is the one under the map: each class's swatch, in full colour, in the legend
    # column beside the map (the map shows them at 85 % only).
    from coodiag.explorer import pngexport

    image = np.asarray(Image.open(png).convert("RGB")).astype(int)
    column = image[:, -2 * pngexport.LEGEND_WIDTH:].reshape(-1, 3)
    rows = _info["surface"]["rows"]
    assert len(rows) >= 3
    for color, _text in rows:
        want = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(column - want).sum(axis=1) < 6).sum() > 200, color


def test_png_legend_is_the_legend_under_the_map(manche_page) -> None:
    from coodiag import fr
    from coodiag.explorer import surfacelayer

    page, info = manche_page
    title, unit, rows, note = surfacelayer.legend_parts(info)
    assert title == info["surface"]["title"] and unit == "salariés en insertion pour 1 000 chômeurs"
    assert note.startswith(f"{fr.integer(info['surface']['cells'])} carreaux de 200 m")
    legend = surfacelayer.png_legend(info)
    assert legend.count("coodiag-legend-row") == len(rows)
    # The « PNG » button of the page carries it (drawn beside the map's own legends).
    extra = json.loads(re.search(r"extra = (\[.*?\]);\n", page).group(1))
    assert extra == [legend]
    assert surfacelayer.png_legend({"notes": []}) == ""


def test_surface_from_the_address(display: None) -> None:
    """A link with ``surface=1&type_surface=EI`` opens on the EI surface of the zone
    d'emploi of Avranches (200 m cells), a wrong type falls back to all SIAE."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(niveau="ze", territoire="2802", surface="1", type_surface="EI")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.sidebar.checkbox(key="surface").value
    assert at.sidebar.selectbox(key="surface_type").value == "EI"
    legend = next(m.value for m in at.markdown if "coodiag-surface-legend" in m.value)
    assert "Accessibilité aux structures EI" in legend and "carreaux de 200 m" in legend
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(niveau="dep", territoire="50", surface="1", type_surface="XYZ")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.sidebar.selectbox(key="surface_type").value == access.ALL
