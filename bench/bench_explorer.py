"""Benchmark: the explorer's map payload and first draw, against a naive folium choropleth.

Measured in one run:

- payload (bytes of the map page sent to the browser) of the explorer's map — a choropleth of
  an indicator over the communes plus the SIAE points — for the largest région (Grand Est,
  5,100 communes) and for all communes of France; targets ≤ 3 MB and ≤ 10 MB;
- the peers: a naive ``folium.Choropleth`` of the same indicator on the base's geometries (the
  way a notebook would do it: full-resolution GeoJSON, tiles, branca colormap), and the
  atlas' :func:`coodiag.outputs.weblayers.choropleth_layer` (simplifies on every call, verbose
  GeoJSON);
- first map drawn in headless Chromium (``/usr/bin/chromium`` through playwright): the app
  served by ``coodiag explorer``, per view (Manche, Normandie, France, opened by their
  address), each on a fresh server: the first session after the launch (once the warm-up of
  :mod:`coodiag.explorer.warmup` is over: base loaded, France and Manche maps built), then a
  second session; and, on another fresh server, a first session opened as soon as the server
  answers (while the warm-up still runs); and the région and France pages alone; target
  ≤ 3 s. The machine's load (``os.getloadavg``) is printed with the table.

Where the France view's first draw went (warm server, before → after the changes of issue 14):
the map page on the websocket, base64 (2.7 MB → 0.6 MB: SIAE points as compact rows,
:mod:`coodiag.outputs.webpoints`, then gzip, unzipped by the browser); two commune boxes
listing France's 34,875 names (2 × 0.77 MB, parsed by the page's main thread, which the map's
``srcdoc`` frame shares: now only the communes matching a typed text,
:func:`coodiag.explorer.data.commune_labels`). Then: the first page after a start built the
France map (1-2 s) and loaded the base: both done at start now (:mod:`coodiag.explorer.warmup`);
the page's script took 1 s of the server for France (the scenario's 3,900 names, SIRETs hashed
one by one in the cache key, Arrow strings iterated): 0.4 s now.

Run: ``.venv/bin/python bench/bench_explorer.py`` (or ``main()`` from ``bench/run.py``).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REGION = "44"  # Grand Est: the région with the most communes
INDICATOR = "de_2024"  # the commune indicator present everywhere
MB = 1_000_000


def _mb(n: int) -> str:
    return f"{n / MB:.2f} Mo".replace(".", ",")


def explorer_page(regs: list[str] | None) -> tuple[str, float]:
    """The explorer's map (as the app builds it) and the seconds taken."""
    from coodiag.analyses import offer
    from coodiag.base import display, store
    from coodiag.base.indicators import Indicator
    from coodiag.explorer import components as explorer
    from coodiag.outputs import weblayers, webmap

    t = time.perf_counter()
    meta = store.read_table("indicateurs_meta")
    meta = meta[(meta["table"] == "indicateurs_communes") & (meta["key"] == INDICATOR)]
    ind = store.read_table("indicateurs_communes")[["code", INDICATOR]]
    geo = display.read_display("communes", regs).merge(ind, on="code", how="left")
    national = regs is None
    m = webmap.offline_map(bounds=explorer.bounds_of(geo))
    explorer.choropleth(m, geo, INDICATOR, meta=Indicator.from_row(meta.iloc[0]),
                        precision=4 if national else 5, canvas=national)
    pts = offer.apply_capacity(store.read_level("siae"))
    if not national:
        pts = pts[pts["reg"].isin(regs)]
    weblayers.points_layer(m, pts, size="capacite", estimated="capacite_estimee")
    page = webmap.render_html(m)
    webmap.assert_offline(page)
    return page, time.perf_counter() - t


def naive_page(regs: list[str] | None) -> tuple[str, float]:
    """A naive folium choropleth: full geometries, default tiles, branca colormap."""
    import folium

    from coodiag.base import store

    t = time.perf_counter()
    com = store.read_level("communes")[["code", "nom", "reg", "geometry"]]
    if regs is not None:
        com = com[com["reg"].isin(regs)]
    ind = store.read_table("indicateurs_communes")[["code", INDICATOR]]
    m = folium.Map(location=[46.6, 2.4], zoom_start=6)
    folium.Choropleth(
        geo_data=com.to_json(), data=ind, columns=["code", INDICATOR],
        key_on="feature.properties.code", fill_color="YlGnBu", bins=5,
    ).add_to(m)
    page = m.get_root().render()
    return page, time.perf_counter() - t


def webmap_page(regs: list[str] | None) -> tuple[str, float]:
    """The atlas' ``weblayers.choropleth_layer`` on the base's geometries."""
    from coodiag.base import store
    from coodiag.base.indicators import Indicator
    from coodiag.outputs import weblayers, webmap

    t = time.perf_counter()
    com = store.read_level("communes")[["code", "nom", "reg", "geometry"]]
    if regs is not None:
        com = com[com["reg"].isin(regs)]
    com = com.merge(store.read_table("indicateurs_communes")[["code", INDICATOR]], on="code",
                    how="left")
    m = webmap.offline_map()
    weblayers.choropleth_layer(m, com, INDICATOR,
                               meta=Indicator(label="Demandeurs d'emploi", unit="personnes"))
    page = webmap.render_html(m)
    return page, time.perf_counter() - t


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def draw_page(page_html: str) -> float:
    """Seconds from loading a standalone map page to its polygons in the DOM (or canvas)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            t = time.perf_counter()
            page.set_content(page_html, wait_until="commit")
            page.wait_for_selector(".leaflet-interactive, canvas.leaflet-zoom-animated",
                                   state="attached", timeout=120_000)
            page.wait_for_function("() => document.readyState === 'complete'")
            return time.perf_counter() - t
        finally:
            browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Views of the app timed (address of the view: the view is kept in the query parameters).
APP_VIEWS = {
    "Manche (EPCI + SIAE)": "",
    "Normandie (EPCI + SIAE)": "?niveau=reg&territoire=28",
    "France entière (EPCI + SIAE)": "?niveau=fr",
}


def _count_received(page, box: list[int]) -> None:
    """Add to ``box[0]`` the bytes of each websocket frame ``page`` receives."""
    def on_frame(frame) -> None:
        box[0] += len(frame)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


@contextlib.contextmanager
def _server(log: Path):
    """A fresh ``coodiag explorer`` (its own flags and warm-up), its output in ``log``; yields
    (address, seconds from the launch to the first answer)."""
    port = _free_port()
    t = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from coodiag.explorer.launcher import main; "
                 "sys.exit(main(sys.argv[1:]))", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("Streamlit n'a pas démarré.") from None
                    time.sleep(0.2)
            yield url, time.perf_counter() - t
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _warmed(log: Path, timeout: float = 180) -> float | None:
    """Wait for the warm-up's last line in the server's ``log``; its seconds (``None``: none)."""
    from coodiag.explorer import warmup

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hit = re.search(warmup.DONE + r" en ([0-9.]+) s", log.read_text(encoding="utf-8"))
        if hit:
            return float(hit.group(1))
        time.sleep(0.2)
    return None


def _draw(browser, url: str, query: str, received: list[int] | None = None) -> float:
    """Seconds from opening ``url/query`` in a new session to the map's first shapes."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        if received is not None:
            _count_received(page, received)
        t = time.perf_counter()
        page.goto(url + "/" + query, wait_until="commit")
        page.frame_locator("iframe.coodiag-map").first.locator(
            "path.leaflet-interactive, canvas.leaflet-zoom-animated"
        ).first.wait_for(state="attached", timeout=180_000)
        return time.perf_counter() - t
    finally:
        context.close()


def draw_app(tmp: Path) -> dict[str, dict]:
    """Per view of :data:`APP_VIEWS`, each on fresh servers (``coodiag explorer``): ``now``:
    the first session, opened as soon as the server answers (the warm-up may still run);
    ``first``: the first session once the warm-up is over; ``again``: a second session;
    ``bytes``: what the browser received on the websocket then; ``start``, ``warmup``: seconds
    from the launch to the first answer, of the warm-up."""
    from playwright.sync_api import sync_playwright

    out: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            for i, (view, query) in enumerate(APP_VIEWS.items()):
                log = tmp / f"serveur_{i}.log"
                with _server(log) as (url, _start):
                    now = _draw(browser, url, query)
                with _server(log) as (url, start):
                    warm = _warmed(log)
                    first = _draw(browser, url, query)
                    received = [0]
                    again = _draw(browser, url, query, received)
                out[view] = {"now": now, "first": first, "again": again, "bytes": received[0],
                             "start": start, "warmup": warm}
        finally:
            browser.close()
    return out


def main() -> list[dict]:
    """Print the table; return its rows (for ``bench/run.py``)."""
    from rich.console import Console
    from rich.table import Table

    from coodiag.base import display

    if not (display.display_dir() / f"communes_{REGION}.parquet").exists():
        display.build_display_geometries()
    rows: list[dict] = []
    pages = {}
    for scope, regs, target in (("Grand Est (5 115 communes)", [REGION], 3 * MB),
                                ("France (34 875 communes)", None, 10 * MB)):
        page, secs = explorer_page(regs)
        pages[scope] = page
        rows.append({"mesure": f"Explorateur — carte {scope}", "valeur": _mb(len(page.encode())),
                     "cible": f"≤ {target // MB} Mo", "ok": len(page.encode()) <= target,
                     "note": f"construite en {secs:.1f} s (mise en cache par l'application)"})
        for name, fn in (("folium naïf (Choropleth, géométries complètes)", naive_page),
                         ("weblayers.choropleth_layer (atlas)", webmap_page)):
            peer, psecs = fn(regs)
            rows.append({"mesure": f"Pair : {name} — {scope}", "valeur": _mb(len(peer.encode())),
                         "cible": "", "ok": None, "note": f"construite en {psecs:.1f} s"})
    if Path(CHROMIUM).exists():
        for scope, page in pages.items():
            secs = draw_page(page)
            rows.append({"mesure": f"Premier tracé, page seule — {scope}",
                         "valeur": f"{secs:.2f} s", "cible": "≤ 3 s", "ok": secs <= 3,
                         "note": "Chromium sans affichage"})
        with tempfile.TemporaryDirectory(prefix="coodiag-bench-") as tmp:
            timed = draw_app(Path(tmp))
        for view, r in timed.items():
            warm = "préchauffage non terminé" if r["warmup"] is None else (
                f"préchauffage de {r['warmup']:.1f} s")
            rows.append({"mesure": f"Premier tracé dans l'application — {view}",
                         "valeur": f"{r['first']:.2f} s", "cible": "≤ 3 s",
                         "ok": r["first"] <= 3,
                         "note": "1re session après un lancement du serveur (réponse en "
                                 f"{r['start']:.1f} s, {warm} terminé)"})
            rows.append({"mesure": f"Premier tracé dans l'application — {view}, dès le "
                                   "lancement", "valeur": f"{r['now']:.2f} s", "cible": "",
                         "ok": None, "note": "1re session ouverte dès que le serveur répond "
                                             "(préchauffage en cours : attendu)"})
            rows.append({"mesure": f"Premier tracé dans l'application — {view}, à nouveau",
                         "valeur": f"{r['again']:.2f} s", "cible": "≤ 3 s",
                         "ok": r["again"] <= 3,
                         "note": "2e session, caches du serveur chauds ; "
                                 f"{_mb(r['bytes'])} reçus par le navigateur"})
    console = Console(width=max(Console().width, 150))
    load = ", ".join(f"{v:.2f}".replace(".", ",") for v in os.getloadavg())
    table = Table(title="Explorateur : poids des cartes et premier tracé (cible : premier tracé "
                        f"≤ 3 s par vue ; charge de la machine {load} sur {os.cpu_count()} "
                        "cœurs)")
    for col in ("Mesure", "Valeur", "Cible", "Atteinte", "Note"):
        table.add_column(col, overflow="fold")
    for r in rows:
        ok = "" if r["ok"] is None else ("oui" if r["ok"] else "NON")
        table.add_row(r["mesure"], r["valeur"], r["cible"], ok, r["note"])
    console.print(table)
    return rows


if __name__ == "__main__":
    main()
