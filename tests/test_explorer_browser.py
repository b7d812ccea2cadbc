"""The explorer in a real browser: Debian's Chromium driven by playwright, the app served on a
free local port by both launch ways (``streamlit run app.py`` from the checkout, reading
``.streamlit/config.toml``; ``coodiag explorer`` from another folder, passing flags).

Walks what a réseau delegate does (issue 14): Manche → click Avranches → its portrait →
export the values (CSV) and the map (PNG) → the address reopened in a new browser shows the
same view → a membership file with an unknown SIRET → warning; legends cover at most a fifth
of the map at 1400×900 and 390×844; ten sessions at once each get their first map; no
request leaves the machine. Screenshots in
``tests/artefacts/``. Waits poll the page (no fixed sleeps)."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import CHROMIUM, CHROMIUM_ARGS, free_port, stop, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
LOCAL = re.compile(r"^(https?|wss?)://(localhost|127\.0\.0\.1)(:\d+)?/|^(data|blob|about):")
MEMBERSHIP = (
    b"siret;reseau\n"
    b"20005688500011;Coorace\n"
    b"26500008300013;Coorace, Chantier \xc3\xa9cole\n"
    b"73282932000074;Coorace\n"  # a valid SIRET that is no SIAE
    b"12345678901234;Coorace\n"  # not a SIRET
)
#: Share of the map the legends may cover.
MAX_LEGEND_SHARE = 0.2
#: The legends' share of the map, measured in the map page.
LEGEND_SHARE_JS = """() => {
    const box = document.querySelector(".leaflet-container");
    let area = 0;
    box.querySelectorAll(".coodiag-legend").forEach((el) => {
        area += el.offsetWidth * el.offsetHeight;
    });
    return [area / (box.clientWidth * box.clientHeight),
            box.querySelectorAll(".coodiag-legend").length];
}"""
#: A pixel of the commune ``code`` where the commune itself is on top (not a marker), after
#: zooming on it as a user would (at the département's zoom its markers hide it).
UNIT_PIXEL_JS = """(code) => {
    const layer = (window.coodiagUnits || {})[code];
    if (!layer || !layer._map) { return null; }
    const map = layer._map, b = layer.getBounds();
    map.fitBounds(b, {animate: false, maxZoom: 13});
    const nw = map.latLngToContainerPoint(b.getNorthWest());
    const se = map.latLngToContainerPoint(b.getSouthEast());
    const box = map.getContainer().getBoundingClientRect();
    for (let i = 1; i < 12; i++) {
        for (let j = 1; j < 12; j++) {
            const x = box.left + nw.x + (se.x - nw.x) * i / 12;
            const y = box.top + nw.y + (se.y - nw.y) * j / 12;
            if (document.elementFromPoint(x, y) === layer._path) { return [x, y]; }
        }
    }
    return null;
}"""

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"navigateur absent : {CHROMIUM} (paquet Debian chromium)"
)


def _serve(command: list[str], cwd: Path, log_name: str):
    port = free_port()
    log = ARTEFACTS / log_name
    ARTEFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command, "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none"],
            cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ},
        )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, log)
    return url, proc, log


@pytest.fixture(scope="module")
def display(base: dict) -> None:
    from coodiag.base import display as geometries

    if not (geometries.display_dir() / "communes_28.parquet").exists():
        geometries.build_display_geometries()


def _browser(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def _watch(context, requests: list[str]) -> None:
    context.on("request", lambda r: requests.append(r.url))
    context.on("page", lambda pg: pg.on("websocket", lambda ws: requests.append(ws.url)))


def _count(page) -> int:
    text = page.get_by_text(re.compile(r"\d+ structures")).first.inner_text()
    return int(re.search(r"(\d+) structures", text).group(1))


def _wait_count(page, n: int, timeout: float = 60) -> None:
    page.get_by_text(re.compile(rf"\b{n} structures")).first.wait_for(timeout=timeout * 1000)


def _pick(page, label: str, text: str) -> None:
    """Type into a Streamlit select box (selectbox or multiselect) and choose the option."""
    box = page.get_by_label(label, exact=False).first
    box.click()
    box.fill(text)
    page.get_by_role("option", name=re.compile(re.escape(text))).first.click()


def _map_frame(page, timeout: float = 90):
    """The map page's frame once its legends are drawn (the frame is replaced when the map
    changes: looked up again until it answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            handle = page.locator("iframe.coodiag-map").first.element_handle(timeout=10_000)
            frame = handle.content_frame()
            if frame is not None and frame.query_selector(".coodiag-legend"):
                return frame
        except Exception:  # the frame navigated during the look-up: look again
            pass
        page.wait_for_timeout(250)
    raise AssertionError("carte absente")


def _legend_share(page, timeout: float = 30) -> float:
    """The legends' share of the map, once the folding has settled (polled)."""
    deadline = time.monotonic() + timeout
    share = 1.0
    while time.monotonic() < deadline:
        try:
            share, n = _map_frame(page).evaluate(LEGEND_SHARE_JS)
        except Exception:
            n = 0
        if n and share <= MAX_LEGEND_SHARE:
            return share
        page.wait_for_timeout(200)
    return share


def _legend_texts(page, *, expect: str, timeout: float = 60) -> str:
    """All legend text (folded parts included) once it holds ``expect``."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            text = " ".join(_map_frame(page).eval_on_selector_all(
                ".coodiag-legend", "els => els.map(e => e.textContent)"))
        except Exception:
            text = ""
        if expect in text:
            return text
        page.wait_for_timeout(300)
    return text


def test_streamlit_run_app_reads_the_config(display: None) -> None:
    """``streamlit run app.py`` with no flag but the port: the checkout's config file keeps
    every request on the machine and hides the developer menu."""
    from playwright.sync_api import sync_playwright

    url, proc, log = _serve([sys.executable, "-m", "streamlit", "run", "app.py"], ROOT,
                            "streamlit_run.log")
    requests: list[str] = []
    try:
        with sync_playwright() as p:
            browser = _browser(p)
            try:
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                _watch(context, requests)
                page = context.new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_text(re.compile(r"\d+ structures")).first.wait_for(timeout=90_000)
                _map_frame(page)
                assert page.get_by_text("Deploy", exact=True).count() == 0
                assert page.get_by_text("Clear cache").count() == 0
            finally:
                browser.close()
    finally:
        stop(proc)
    text = log.read_text()
    assert "External URL" not in text  # no lookup of the public address
    outside = sorted({u for u in requests if not LOCAL.match(u)})
    assert not outside, f"requêtes hors de la machine : {outside[:10]}"
    assert any("_stcore" in u for u in requests)  # the listener saw the app's own traffic


def test_delegate_walkthrough_with_coodiag_explorer(display: None, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from coodiag.base import store

    # ``coodiag explorer`` run from another folder: its flags, not the checkout's config file.
    url, proc, _log = _serve(
        [sys.executable, "-c", "import sys; from coodiag.explorer.launcher import main; "
         "sys.exit(main(sys.argv[1:]))"], tmp_path, "streamlit.log")
    requests: list[str] = []
    ARTEFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = _browser(p)
            try:
                context = browser.new_context(viewport={"width": 1400, "height": 900},
                                              accept_downloads=True)
                _watch(context, requests)
                page = context.new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_text("Manche (département 50)").first.wait_for(timeout=90_000)
                manche = _count(page)
                assert page.get_by_text("Deploy", exact=True).count() == 0

                # Legends: at most a fifth of the map.
                assert _legend_share(page) <= MAX_LEGEND_SHARE
                page.screenshot(path=str(ARTEFACTS / "explorer_1400x900.png"))
                # Overlapping structures are counted (Cherbourg: several in one spot).
                deadline = time.monotonic() + 30
                piles: list[int] = []
                while not piles and time.monotonic() < deadline:
                    try:
                        piles = [int(t) for t in _map_frame(page).eval_on_selector_all(
                            ".coodiag-pile", "els => els.map(e => e.textContent)")]
                    except Exception:
                        piles = []
                    if not piles:
                        page.wait_for_timeout(200)
                assert piles and min(piles) >= 2 and sum(piles) <= manche

                # Click Avranches on the map: its portrait.
                frame = _map_frame(page)
                frame.wait_for_function("() => window.coodiagUnits && "
                                        "Object.keys(window.coodiagUnits).length > 0")
                # The default map is per EPCI: switch to communes to click the commune.
                page.locator("section[data-testid=stSidebar]").get_by_text(
                    "Communes", exact=True).click()
                deadline = time.monotonic() + 60
                xy = None
                while xy is None and time.monotonic() < deadline:
                    try:
                        xy = _map_frame(page).evaluate(UNIT_PIXEL_JS, "50025")
                    except Exception:
                        xy = None
                    if xy is None:
                        page.wait_for_timeout(250)
                assert xy, "Avranches introuvable sur la carte"
                box = page.locator("iframe.coodiag-map").first.bounding_box()
                page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
                page.get_by_text("Portrait : Avranches (commune 50025)").first.wait_for(
                    timeout=60_000)
                page.get_by_text(re.compile(r"^Couverture")).first.wait_for(timeout=30_000)

                # Export the values of the view (CSV): one row per commune of the Manche.
                with page.expect_download(timeout=60_000) as dl:
                    page.get_by_role("button", name="Valeurs de la carte (CSV)").click()
                path = tmp_path / "vue.csv"
                dl.value.save_as(path)
                rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")),
                                       delimiter=";"))
                import pandas as pd

                communes = pd.read_parquet(store.base_dir() / "communes.parquet",
                                           columns=["code", "dep"])
                assert len(rows) - 1 == int((communes["dep"] == "50").sum())
                assert any(r[0] == "50025" for r in rows[1:])

                # The map as PNG, with its legends beside it and the source line under it.
                with page.expect_download(timeout=60_000) as dl:
                    page.frame_locator("iframe.coodiag-map").first.locator(
                        ".coodiag-png a").click()
                png = tmp_path / "carte.png"
                dl.value.save_as(png)
                head = png.read_bytes()[:24]
                assert head[:8] == b"\x89PNG\r\n\x1a\n"
                width = int.from_bytes(head[16:20], "big")
                frame_width = page.locator("iframe.coodiag-map").first.bounding_box()["width"]
                assert width >= 2 * (frame_width + 200)  # the map and the legend column, ×2
                assert dl.value.suggested_filename.startswith("coodiag_manche")

                # The address holds the view: a new browser context shows the same.
                deadline = time.monotonic() + 30
                while "commune=50025" not in page.url and time.monotonic() < deadline:
                    page.wait_for_timeout(200)
                shared = page.url
                assert "commune=50025" in shared and "carte=communes" in shared
                other = browser.new_context(viewport={"width": 1400, "height": 900})
                _watch(other, requests)
                again = other.new_page()
                again.goto(shared, wait_until="domcontentloaded")
                again.get_by_text("Portrait : Avranches (commune 50025)").first.wait_for(
                    timeout=90_000)
                assert again.get_by_text("Manche (département 50)").count() > 0
                assert _count(again) == manche
                # The commune of the address is outlined on the map (zoomed to), and a clicked
                # shape shows no focus rectangle.
                deadline = time.monotonic() + 30
                outlined = False
                while not outlined and time.monotonic() < deadline:
                    try:
                        outlined = _map_frame(again).evaluate(
                            "() => (window.coodiagUnits || {})['50025'] !== undefined && "
                            "window.coodiagUnits['50025'].options.weight === 3.5")
                    except Exception:
                        outlined = False
                    if not outlined:
                        again.wait_for_timeout(250)
                assert outlined
                assert _map_frame(again).evaluate(
                    "() => { const p = window.coodiagUnits['50025']._path; "
                    "p.setAttribute('tabindex', '0'); p.focus(); "
                    "return getComputedStyle(p).outlineStyle; }") == "none"
                other.close()

                # A scenario: an ACI opened in Avranches (the boxes rerun alone, the page
                # when the button is pressed): its figures and map.
                page.get_by_role("tab", name="Scénario").click()
                _pick(page, "Commune d'implantation", "Avranches (50025)")
                page.get_by_role("button", name="Calculer le scénario").click()
                page.get_by_text("Communes dont l'accès change").first.wait_for(timeout=90_000)
                page.get_by_text(re.compile(r"ouverture d'un\(e\) ACI à Avranches \(50025\)"))\
                    .first.wait_for(timeout=30_000)
                page.screenshot(path=str(ARTEFACTS / "explorer_scenario.png"), full_page=True)
                page.get_by_role("tab", name="Carte").click()

                # A membership file with an unknown SIRET: warned, summarised per réseau.
                page.get_by_role("tab", name="Vos fichiers").click()
                page.locator("input[type=file]").first.set_input_files(
                    {"name": "adhesions.csv", "mimeType": "text/csv", "buffer": MEMBERSHIP})
                page.get_by_text(re.compile(r"1 SIRET du fichier sans structure")).first \
                    .wait_for(timeout=60_000)
                page.get_by_text("Résumé par réseau").first.wait_for(timeout=30_000)
                page.get_by_role("tab", name="Carte").click()

                # Filter on one réseau, then the structures alone: two markers.
                _pick(page, "Réseaux", "Coorace")
                page.keyboard.press("Escape")
                _wait_count(page, 2)
                assert "Structures d'insertion (SIAE) : 2" in _legend_texts(
                    page, expect="Structures d'insertion (SIAE) : 2")
                page.locator("section[data-testid=stSidebar]").get_by_text(
                    "Aucune", exact=True).click()
                deadline = time.monotonic() + 60
                n_markers = -1
                while n_markers != 2 and time.monotonic() < deadline:
                    try:  # the communes gone, only the two markers remain
                        frame = _map_frame(page)
                        n_markers = len(frame.query_selector_all("path.leaflet-interactive"))
                    except Exception:
                        n_markers = -1
                    if n_markers != 2:
                        page.wait_for_timeout(250)
                assert n_markers == 2

                # Ten people open the app at once: each gets their first map.
                crowd = [browser.new_context(viewport={"width": 1400, "height": 900})
                         for _ in range(10)]
                pages = []
                for ctx in crowd:
                    _watch(ctx, requests)
                    pg = ctx.new_page()
                    pg.goto(url, wait_until="commit")
                    pages.append(pg)
                for pg in pages:
                    pg.frame_locator("iframe.coodiag-map").first.locator(
                        "path.leaflet-interactive").first.wait_for(state="attached",
                                                                    timeout=180_000)
                    assert _count(pg) == manche
                for ctx in crowd:
                    ctx.close()

                # A phone: the legends fold so as to leave the map readable.
                phone = browser.new_context(viewport={"width": 390, "height": 844},
                                            is_mobile=True, has_touch=True)
                _watch(phone, requests)
                small = phone.new_page()
                small.goto(url, wait_until="domcontentloaded")
                small.get_by_text(re.compile(r"\d+ structures")).first.wait_for(timeout=90_000)
                assert _legend_share(small) <= MAX_LEGEND_SHARE
                small.screenshot(path=str(ARTEFACTS / "explorer_390x844.png"), full_page=True)
                phone.close()

                # An older browser, without DecompressionStream: it asks for the map page not
                # gzipped and draws it; a recent one only ever gets it gzipped.
                for old in (True, False):
                    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                    _watch(ctx, requests)
                    if old:
                        ctx.add_init_script("delete window.DecompressionStream;")
                    pg = ctx.new_page()
                    plain: list[bool] = []  # per websocket frame: a page not gzipped?
                    pg.on("websocket", lambda ws, plain=plain: ws.on(
                        "framereceived", lambda f, plain=plain: plain.append(
                            b'"gz": false' in (f if isinstance(f, bytes) else f.encode()))))
                    pg.goto(url, wait_until="commit")
                    pg.frame_locator("iframe.coodiag-map").first.locator(
                        ".coodiag-legend").first.wait_for(state="attached", timeout=120_000)
                    assert _count(pg) == manche
                    assert any(plain) is old
                    ctx.close()
            finally:
                browser.close()
    finally:
        stop(proc)
    outside = sorted({u for u in requests if not LOCAL.match(u)})
    assert not outside, f"requêtes hors de la machine : {outside[:10]}"
    assert requests


#: The folium map of a page (a global ``map_…``).
MAP_JS = """() => Object.keys(window).map((k) => window[k])
    .find((v) => v instanceof L.Map)"""
CENTER_JS = f"() => {{ const m = ({MAP_JS})(); const c = m.getCenter(); " \
            "return [c.lat, c.lng, m.getZoom()]; }"


def test_overseas_buttons_and_two_synchronised_maps(display: None, tmp_path: Path) -> None:
    """« France entière »: the « Aller à » buttons frame each overseas département; two maps
    side by side follow each other's moves and zooms. The map pages as the explorer builds
    them, opened from files (no request at all)."""
    from playwright.sync_api import sync_playwright

    from coodiag.explorer import data, mapview, sidebyside
    from coodiag.outputs import webmap

    reg = data.registry_with(None, None)
    types = list(reg["type_siae"].unique())
    common = {"types": types, "reseaux": [], "layer": "Indicateur", "map_level": "epci",
              "scheme": "quantiles", "k": 5, "access_type": "ensemble", "typology": "ze",
              "tiles": False}
    france, info = mapview.build_map(
        {**common, "prefix": "fr", "code": "", "indicator": "offre:capacite_pour_1000_chomeurs"},
        mapview.filtered_siae(reg, None, types, []))
    assert len(info["overseas"]) == 5
    manche = set(data.territory_communes("dep", "50")["code"])
    pts = mapview.filtered_siae(reg, manche, types, [])
    communes = {**common, "prefix": "dep", "code": "50", "map_level": "communes"}
    left, _ = mapview.build_map({**communes, "indicator": "offre:n_siae"}, pts)
    right, _ = mapview.build_map({**communes, "indicator": "indicateurs_communes:de_2024"}, pts)
    pair = sidebyside.pair_page(left, right)
    webmap.assert_offline(pair)
    (tmp_path / "france.html").write_text(france, encoding="utf-8")
    (tmp_path / "pair.html").write_text(pair, encoding="utf-8")
    ARTEFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 800})
            _watch(context, requests)
            page = context.new_page()
            page.goto((tmp_path / "france.html").as_uri())
            page.locator(".coodiag-view").first.wait_for(timeout=60_000)
            lat, lng, _z = page.evaluate(CENTER_JS)
            assert 42 < lat < 51 and -5 < lng < 8  # the mainland
            page.screenshot(path=str(ARTEFACTS / "explorer_france.png"))
            for name, (lat0, lat1, lng0, lng1) in {
                "La Réunion": (-21.5, -20.8, 55.1, 55.9),
                "Guyane": (2, 6, -55, -51),
                "Mayotte": (-13.1, -12.6, 45, 45.4),
                "Métropole": (42, 51, -5, 8),
            }.items():
                page.get_by_text(name, exact=True).click()
                lat, lng, zoom = page.evaluate(CENTER_JS)
                assert lat0 < lat < lat1 and lng0 < lng < lng1, name
                if name == "La Réunion":
                    assert zoom >= 8  # framed on the island, not on the whole world
                    page.screenshot(path=str(ARTEFACTS / "explorer_france_reunion.png"))

            page.goto((tmp_path / "pair.html").as_uri())
            frames = [page.locator("iframe.coodiag-side").nth(i).element_handle()
                      .content_frame() for i in (0, 1)]
            for frame in frames:
                frame.wait_for_function("() => window.coodiagMap !== undefined",
                                        timeout=60_000)
            # as a reader would (a key pressed in the map, then the move)
            touch = ("() => window.coodiagMap.getContainer().dispatchEvent("
                     "new KeyboardEvent('keydown'))")
            frames[0].evaluate(touch)
            frames[0].evaluate("() => window.coodiagMap.setView([48.68, -1.36], 12, "
                               "{animate: false})")
            frames[1].wait_for_function(
                "() => { const c = window.coodiagMap.getCenter(); return "
                "window.coodiagMap.getZoom() === 12 && Math.abs(c.lat - 48.68) < 1e-6 && "
                "Math.abs(c.lng + 1.36) < 1e-6; }", timeout=10_000)
            # and back: the right map leads, the left one follows
            frames[1].evaluate(touch)
            frames[1].evaluate("() => window.coodiagMap.setZoom(10, {animate: false})")
            frames[0].wait_for_function("() => window.coodiagMap.getZoom() === 10",
                                        timeout=10_000)
            # A click on a unit outlines it in both maps (its portrait comes from the click).
            frames[0].evaluate(touch)
            xy = frames[0].evaluate(UNIT_PIXEL_JS, "50025")
            assert xy, "Avranches introuvable sur la carte de gauche"
            box = page.locator("iframe.coodiag-side").nth(0).bounding_box()
            page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
            for frame in frames:
                frame.wait_for_function("() => window.coodiagUnits['50025'].options.weight "
                                        "=== 3.5", timeout=10_000)
            page.screenshot(path=str(ARTEFACTS / "explorer_two_maps.png"))
            # On a phone the two maps are stacked, each the whole width and half the height
            # (side by side they would be 190 px wide), each map filling its frame.
            page.set_viewport_size({"width": 390, "height": 844})
            sides = page.locator("iframe.coodiag-side")
            page.wait_for_function("() => { const f = document.querySelectorAll("
                                   "'iframe.coodiag-side'); return f[1].getBoundingClientRect()"
                                   ".top >= f[0].getBoundingClientRect().bottom; }",
                                   timeout=10_000)
            top, bottom = sides.nth(0).bounding_box(), sides.nth(1).bounding_box()
            assert top["width"] == bottom["width"] == 390
            assert bottom["y"] >= top["y"] + top["height"] > 380
            for frame, box in zip(frames, (top, bottom), strict=True):
                size = frame.evaluate("() => [window.coodiagMap.getContainer().clientWidth, "
                                      "window.coodiagMap.getContainer().clientHeight]")
                assert size == [round(box["width"]), round(box["height"])]
            page.screenshot(path=str(ARTEFACTS / "explorer_two_maps_phone.png"))
        finally:
            browser.close()
    assert requests and all(u.startswith(("file:", "data:", "about:")) for u in requests)
