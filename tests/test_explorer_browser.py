"""The explorer in a real browser: Debian's Chromium driven by playwright, the app served by
``streamlit run app.py`` on a free local port. Checks the SIAE markers, the legend, that no
request leaves the machine, and leaves a screenshot in ``tests/artefacts/``."""

from __future__ import annotations

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
    "siret;reseau\n"
    "20005688500011;Coorace\n"
    "26500008300013;Coorace, Chantier école\n"
    "12345678901234;Coorace\n"
).encode()

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"navigateur absent : {CHROMIUM} (paquet Debian chromium)"
)


@pytest.fixture(scope="module")
def server(base: dict):
    """``streamlit run app.py`` on a free port; stopped at teardown."""
    from coodiag.base import display

    if not (display.display_dir() / "communes_28.parquet").exists():
        display.build_display_geometries()
    port = free_port()
    log = ARTEFACTS / "streamlit.log"
    ARTEFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from coodiag.explorer.components import main; "
             "sys.exit(main(sys.argv[1:]))",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log)
        yield url
    finally:
        stop(proc)


def _count(page) -> int:
    text = page.get_by_text(re.compile(r"\d+ structures")).first.inner_text()
    return int(re.search(r"(\d+) structures", text).group(1))


def _pick(page, label: str, text: str) -> None:
    """Type into a Streamlit select box (selectbox or multiselect) and choose the option."""
    box = page.get_by_label(label, exact=False).first
    box.click()
    box.fill(text)
    page.get_by_role("option", name=re.compile(re.escape(text))).first.click()


def _legend_texts(page, *, expect: str, timeout: float = 60) -> str:
    """The legends of the map iframe once they hold ``expect`` (Streamlit redraws the iframe
    after each rerun: a read during the redraw is retried, not failed)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            legend = page.frame_locator("iframe").first.locator(".coodiag-legend")
            legend.first.wait_for(timeout=10_000)
            text = " ".join(legend.all_inner_texts())
        except Exception:  # the frame navigated during the read: read again
            text = ""
        if expect in text:
            return text
        page.wait_for_timeout(300)
    return text


def _wait_count(page, n: int, timeout: float = 60) -> None:
    page.get_by_text(re.compile(rf"\b{n} structures")).first.wait_for(timeout=timeout * 1000)


def test_explorer_in_chromium(server: str) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_text(re.compile(r"\d+ structures")).first.wait_for(timeout=90_000)
            manche = _count(page)

            # Another département changes the count; back to the Manche.
            _pick(page, "Département (nom ou code)", "Calvados (14)")
            page.get_by_text("Calvados (département 14)").first.wait_for(timeout=60_000)
            # The heading may show before the rerun has redrawn the count: wait for the count.
            deadline = time.monotonic() + 60
            while _count(page) == manche and time.monotonic() < deadline:
                page.wait_for_timeout(300)
            assert _count(page) != manche
            _pick(page, "Département (nom ou code)", "Manche (50)")
            page.get_by_text("Manche (département 50)").first.wait_for(timeout=60_000)
            _wait_count(page, manche)

            # Upload the membership file (one bad row): the French report is shown.
            page.get_by_role("tab", name="Vos fichiers").click()
            page.locator("input[type=file]").first.set_input_files(
                {"name": "adhesions.csv", "mimeType": "text/csv", "buffer": MEMBERSHIP}
            )
            page.get_by_text(re.compile(r"1 rejetée\(s\)")).first.wait_for(timeout=60_000)
            page.get_by_role("tab", name="Carte").click()

            # Filter on one réseau, then show the structures alone.
            _pick(page, "Réseaux", "Coorace")
            page.keyboard.press("Escape")
            _wait_count(page, 2)
            legends = _legend_texts(page, expect="Structures d'insertion (SIAE) : 2")
            assert "Capacité d'insertion pour 1 000 demandeurs" in legends
            assert "Classes : quantiles" in legends
            assert "Structures d'insertion (SIAE) : 2" in legends

            page.locator("section[data-testid=stSidebar]").get_by_text("Aucune", exact=True).click()
            frame = page.frame_locator("iframe").first
            frame.locator(".coodiag-legend").first.wait_for(timeout=60_000)
            page.wait_for_timeout(500)
            markers = frame.locator("path.leaflet-interactive")
            assert markers.count() == 2
            assert "Structures d'insertion (SIAE) : 2" in _legend_texts(
                page, expect="Structures d'insertion (SIAE) : 2"
            )

            # Back to the choropleth for the screenshot a user would see.
            page.locator("section[data-testid=stSidebar]").get_by_text(
                "Indicateur", exact=True
            ).click()
            page.frame_locator("iframe").first.locator(".coodiag-legend").nth(1).wait_for(
                timeout=60_000
            )
            page.wait_for_timeout(800)
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "explorer.png"), full_page=True)
        finally:
            browser.close()
    outside = sorted({u for u in requests if not LOCAL.match(u)})
    assert not outside, f"requêtes hors de la machine : {outside[:10]}"
    assert requests  # the listener did see the app's own requests
