"""Two maps side by side with the same view (e.g. a need and an offer): one page holding the two
self-contained map pages in two frames, whose moves and zooms follow each other; on a narrow
screen (under :data:`STACK_BELOW` pixels, a phone) one above the other.

Each map page gets a few lines of inline JavaScript (:data:`SYNC_SCRIPT`, nothing fetched):
after each move it tells the page around it its centre and zoom (``{coodiag: "view"}``) and
takes the other's (``{coodiag: "setview"}``), ignoring the echo of a move it was told to make.
The page around them relays those between the two, passes a click on a unit up to the explorer
(``{coodiag: "select"}``, its portrait) and the explorer's ``{coodiag: "focus"}`` down to both.
"""

from __future__ import annotations

import html

#: Inline script added to each map page: find the Leaflet map (a global ``map_…`` of folium),
#: send its view after each move, follow the view sent by the other map.
SYNC_SCRIPT = """<script>
(function () {
    if (window.parent === window || !window.L) { return; }
    var map = null;
    Object.keys(window).forEach(function (k) {
        if (!map && /^map_\\w+$/.test(k) && window[k] instanceof L.Map) { map = window[k]; }
    });
    if (!map) { return; }
    window.coodiagMap = map;
    var told = null, box = map.getContainer(), user = false;
    function same(v) {  // the view now is ``v`` (the echo of a move this map was told)
        var c = map.getCenter();
        return v !== null && map.getZoom() === v.zoom && Math.abs(c.lat - v.center[0]) < 1e-6
            && Math.abs(c.lng - v.center[1]) < 1e-6;
    }
    ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (ev) {
        box.addEventListener(ev, function () { user = true; }, {passive: true});
    });
    map.on("moveend", function () {
        if (same(told)) { told = null; return; }
        told = null;
        var c = map.getCenter();
        window.parent.postMessage({coodiag: "view", center: [c.lat, c.lng],
                                   zoom: map.getZoom(), user: user}, "*");
    });
    window.addEventListener("message", function (ev) {
        var m = ev.data || {};
        if (m.coodiag !== "setview" || ev.source !== window.parent) { return; }
        if (same(m)) { return; }
        told = {center: m.center, zoom: m.zoom};
        // moved by the reader in the other map: no refit to the territory here either
        if (m.user) { box.dispatchEvent(new KeyboardEvent("keydown")); }
        map.setView(m.center, m.zoom, {animate: false});
    });
})();
</script>"""

_RELAY = """<script>
(function () {
    var frames = document.querySelectorAll(".coodiag-pair iframe");
    window.addEventListener("message", function (ev) {
        var m = ev.data || {};
        for (var i = 0; i < frames.length; i++) {
            if (ev.source !== frames[i].contentWindow) { continue; }
            if (m.coodiag === "view") {
                frames[1 - i].contentWindow.postMessage(
                    {coodiag: "setview", center: m.center, zoom: m.zoom, user: m.user}, "*");
            } else if (m.coodiag === "select") {
                frames[1 - i].contentWindow.postMessage({coodiag: "outline", code: m.code}, "*");
                if (window.parent !== window) { window.parent.postMessage(m, "*"); }
            }
            return;
        }
        if (m.coodiag === "focus") {
            frames.forEach(function (f) { f.contentWindow.postMessage(m, "*"); });
        }
    });
})();
</script>"""

#: Below this width (pixels) the two maps are stacked, one above the other: side by side on a
#: phone (390 px) each would be some 190 px wide.
STACK_BELOW = 640
_CSS = f"""<style>
html, body {{ margin: 0; height: 100%; }}
.coodiag-pair {{ display: flex; gap: 6px; height: 100%; }}
.coodiag-pair iframe {{ flex: 1 1 0; min-width: 0; min-height: 0; height: 100%; border: 0; }}
@media (max-width: {STACK_BELOW - 1}px) {{
    .coodiag-pair {{ flex-direction: column; }}
    .coodiag-pair iframe {{ width: 100%; height: auto; }}
}}
</style>"""
#: Each map fills its frame (its page sets a fixed height): half the height once stacked.
_FILL = """<style>
html, body { height: 100%; margin: 0; }
.folium-map { height: 100% !important; }
</style>"""


def with_sync(page: str) -> str:
    """The map page with :data:`SYNC_SCRIPT` at its end (after folium's script, which comes
    after ``</body>``), its map filling its frame."""
    at = page.rfind("</html>")
    tail = _FILL + SYNC_SCRIPT
    return page[:at] + tail + page[at:] if at >= 0 else page + tail


def pair_page(left: str, right: str, *, titles: tuple[str, str] = ("Carte de gauche",
                                                                    "Carte de droite")) -> str:
    """One page with the map pages ``left`` and ``right`` side by side, views synchronised."""
    frames = "".join(
        f'<iframe class="coodiag-side" title="{html.escape(title)}" '
        f'srcdoc="{html.escape(with_sync(page), quote=True)}"></iframe>'
        for title, page in zip(titles, (left, right), strict=True)
    )
    return ("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<title>coodiag — deux cartes</title>{_CSS}</head><body>"
            f'<div class="coodiag-pair">{frames}</div>{_RELAY}</body></html>')


#: The right map's indicator by default (the need beside the offer), the first offered.
NEED_INDICATORS = ("indicateurs_communes:tx_chom1564_22", "indicateurs_communes:tx_chom1564_21",
                   "indicateurs_communes:de_2024", "indicateurs_zones_emploi:soc_txchom_1564_22")


def second_default(first: str, offered: list[str]) -> str:
    """The right map's indicator when none is chosen: a need indicator offered at this level
    (not the left one), else the first other indicator offered."""
    for spec in (*NEED_INDICATORS, *offered):
        if spec in offered and spec != first:
            return spec
    return first
