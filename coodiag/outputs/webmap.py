"""Offline interactive maps (folium/Leaflet) for the self-contained HTML atlas and the explorer.

A map saved by :func:`to_html` is one HTML file that makes **no network request**: no tiles
(``tiles=None``: the choropleth is the map), Leaflet's JS and CSS inlined from the
``xstatic-leaflet`` wheel (the same Leaflet 1.9.3 as folium), the images of Leaflet's CSS
inlined as data URIs, folium's CDN defaults (jQuery, Bootstrap, awesome-markers, Font Awesome)
removed, the Leaflet attribution prefix (a link to leafletjs.com) switched off, legends written
as plain HTML in a Leaflet control (:class:`Legend`; no branca colormap: streamlit-folium adds
d3 from a CDN for those). :func:`assert_offline` checks a page.

This module makes the page; the layers on it (choropleths, SIAE points) are in
:mod:`coodiag.outputs.weblayers`.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from coodiag._io import atomic_path

LEAFLET_VERSION = "1.9.3"

_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|xlink:href)\s*=\s*["']?\s*"""
    r"""|url\(\s*["']?\s*|@import\s+["']?)(?:https?:)?//[^\s"')>]*""",
    re.IGNORECASE,
)
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")

_CSS = """
.leaflet-container { background: #f3f5f7; font-family: "DejaVu Sans", "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; }
.coodiag-legend { background: rgba(255, 255, 255, 0.94); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); font-size: 12px; line-height: 1.35; color: #1a1a1a;
  max-width: 300px; }
.coodiag-legend-title { font-weight: bold; margin-bottom: 4px; }
.coodiag-legend-row { display: flex; align-items: center; margin: 2px 0; }
.coodiag-legend-row i { flex: none; display: inline-block; width: 16px; height: 12px;
  margin-right: 7px; border: 1px solid #9a9a9a; }
.coodiag-legend-row i.coodiag-dot { width: 11px; height: 11px; border-radius: 50%;
  border: 1px solid #1a1a1a; margin: 0 9px 0 2px; }
.coodiag-legend-row i.coodiag-hatch { background: repeating-linear-gradient(45deg, #f0f0f0 0,
  #f0f0f0 3px, #a3a3a3 3px, #a3a3a3 4px); }
.coodiag-legend-note { margin-top: 5px; color: #555; font-size: 11px; font-style: italic; }
.coodiag-legend { max-height: 60vh; overflow-y: auto; }
.coodiag-legend-title { cursor: pointer; user-select: none; }
.coodiag-legend-title::before { content: "\\25BE\\00A0"; color: #555; }
.coodiag-legend.coodiag-collapsed .coodiag-legend-title::before { content: "\\25B8\\00A0"; }
.coodiag-legend.coodiag-collapsed .coodiag-legend-title { margin-bottom: 0; }
.coodiag-legend.coodiag-collapsed > :not(.coodiag-legend-title) { display: none; }
@media (max-width: 520px) { .coodiag-legend { max-width: 190px; font-size: 11px; } }
.leaflet-interactive:focus, .leaflet-container path:focus { outline: none; }
.coodiag-popup table { border-collapse: collapse; font-size: 12px; }
.coodiag-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal;
  vertical-align: top; }
.coodiag-popup td { padding: 1px 0; }
.leaflet-control-attribution { font-size: 10px; }
.leaflet-control-layers { font-size: 12px; line-height: 1.5; }
.leaflet-control-layers-expanded { padding: 6px 9px; }
"""

_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="coodiag-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f0f0f0"></rect>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#a3a3a3" stroke-width="1.4"></line>'
    "</pattern></defs></svg>"
)


class OfflineError(ValueError):
    """An HTML page would fetch something from the network."""


# ------------------------------------------------------------------------------------------
# Leaflet, inlined
# ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from the ``xstatic-leaflet`` wheel, ready to inline.

    The CSS images become data URIs; the link to leafletjs.com of the attribution prefix is
    removed from the JS (the prefix is switched off anyway).
    """
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise ImportError(
            "Le paquet « xstatic-leaflet » est nécessaire pour les cartes interactives hors "
            "ligne : pip install 'coodiag[app]'."
        ) from exc
    base = Path(xleaflet.BASE_DIR)
    version = getattr(xleaflet, "VERSION", "")
    if version and not str(version).startswith(LEAFLET_VERSION):  # pragma: no cover
        raise ImportError(
            f"xstatic-leaflet {version} installé, Leaflet {LEAFLET_VERSION} attendu "
            "(la version utilisée par folium)."
        )
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = js.replace('href="https://leafletjs.com"', 'href="#"')
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        path = base / match.group(1)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    return js, css


class _Setup(MacroElement):
    """Metric scale, attribution without the Leaflet prefix, hatch pattern for missing values."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.control.scale({imperial: false, position: "bottomleft"})
                .addTo({{ this._parent.get_name() }});
            {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
            // Legends cover at most a fifth of the map: fold the largest until they do (the
            // point legends, at the top, before the choropleth's, at the bottom).
            window.coodiagFitLegends = window.coodiagFitLegends || function (map) {
                var box = map.getContainer();
                var limit = 0.2 * box.clientWidth * box.clientHeight;
                function score(el) {
                    var top = el.closest(".leaflet-top") ? 1e9 : 0;
                    return top + el.offsetWidth * el.offsetHeight;
                }
                for (var n = 0; n < 20; n++) {
                    var legends = box.querySelectorAll(".coodiag-legend"), total = 0, big = null;
                    legends.forEach(function (el) {
                        total += el.offsetWidth * el.offsetHeight;
                        if (!el.classList.contains("coodiag-collapsed")
                            && (!big || score(el) > score(big))) { big = el; }
                    });
                    if (total <= limit || !big) { return; }
                    big.classList.add("coodiag-collapsed");
                }
            };
            {{ this._parent.get_name() }}.on("resize", function (e) {
                coodiagFitLegends(e.target);
            });
            if (!document.getElementById("coodiag-hatch")) {
                document.body.insertAdjacentHTML("beforeend", {{ this.hatch|tojson }});
            }
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "CoodiagSetup"
        self.hatch = _HATCH_SVG


def offline_map(
    *,
    bounds: Any = None,
    title: str | None = None,
    height: str | float = "100%",
    **kwargs: Any,
) -> folium.Map:
    """A folium map with no tiles and Leaflet inlined: its HTML makes no network request.

    ``bounds``: a GeoDataFrame/GeoSeries (any CRS) or ``(minx, miny, maxx, maxy)`` in WGS84
    longitudes/latitudes, to fit the view. ``title``: the ``<title>`` of the page. Other
    keyword arguments go to :class:`folium.Map` (``zoom_control``, ``min_zoom``...).
    """
    kwargs.setdefault("zoom_start", 8)
    kwargs.setdefault("zoom_snap", 0.25)
    m = folium.Map(tiles=None, control_scale=False, height=height, **kwargs)
    m.default_js = []  # per map: no CDN script
    m.default_css = []  # per map: no CDN stylesheet
    js, css = leaflet_assets()
    root = m.get_root()
    root.header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    root.header.add_child(Element(f"<style>{_CSS}</style>"), name="coodiag_css")
    root.header.add_child(Element(f"<script>{_script_safe(js)}</script>"), name="leaflet_inline")
    if title:
        root.title = html.escape(title)
    m.add_child(_Setup(), name="coodiag_setup")
    m._coodiag_fitted = False
    if bounds is not None:
        fit(m, bounds)
    return m


class Refit(MacroElement):
    """Fit the view to the territory again whenever the map's frame changes size (an iframe
    laid out after the map was made, a hidden section opened, a window resized), until the
    reader moves or zooms the map: a map made in a frame of size 0 otherwise shows the world."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map, bounds) {
                var touched = false, box = map.getContainer();
                ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (ev) {
                    box.addEventListener(ev, function () { touched = true; }, {passive: true});
                });
                var fitted = "";
                function refit() {
                    var now = box.clientWidth + "x" + box.clientHeight;
                    if (touched || now === fitted) { return; }
                    map.invalidateSize(false);
                    if (box.clientWidth > 40 && box.clientHeight > 40) {
                        map.fitBounds(bounds, {animate: false, padding: [8, 8]});
                        fitted = now;
                    }
                }
                if (window.ResizeObserver) { new ResizeObserver(refit).observe(box); }
                window.addEventListener("resize", refit);
                window.addEventListener("load", refit);
                document.addEventListener("visibilitychange", refit);
                setTimeout(refit, 0);
                // a frame shown later may not tell (throttled hidden frames): look now and then
                var polls = 0, timer = setInterval(function () {
                    refit();
                    if (touched || ++polls > 120) { clearInterval(timer); }
                }, 500);
            })({{ this._parent.get_name() }}, {{ this.bounds_json }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "CoodiagRefit"
        self.bounds_json = js_literal(bounds)


def fit(m: folium.Map, bounds: Any) -> None:
    """Fit the view of ``m`` to ``bounds`` (see :func:`offline_map`), now and whenever its
    frame changes size until the reader moves the map (:class:`Refit`)."""
    if isinstance(bounds, gpd.GeoDataFrame | gpd.GeoSeries):
        geo = (
            bounds.to_crs(4326)
            if bounds.crs is not None and not bounds.crs.is_geographic
            else bounds
        )
        minx, miny, maxx, maxy = (float(v) for v in geo.total_bounds)
    else:
        minx, miny, maxx, maxy = (float(v) for v in bounds)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m.add_child(Refit([[miny, minx], [maxy, maxx]]), name="coodiag_refit")
    m.location = [(miny + maxy) / 2, (minx + maxx) / 2]
    m._coodiag_fitted = True


def _script_safe(text: str) -> str:
    """Text that can sit inside a ``<script>`` element."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def js_literal(obj: Any) -> str:
    return _script_safe(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))



# ------------------------------------------------------------------------------------------
# Legends and layer control
# ------------------------------------------------------------------------------------------


class Legend(MacroElement):
    """A legend as plain HTML in a Leaflet control (no branca colormap)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function () {
                var div = L.DomUtil.create("div", "coodiag-legend");
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                var head = div.querySelector(".coodiag-legend-title");
                if (head) {  // click the title: fold / unfold the legend
                    head.title = "Replier / déplier la légende";
                    head.addEventListener("click", function () {
                        div.classList.toggle("coodiag-collapsed");
                    });
                }
                setTimeout(function () {
                    if (window.coodiagFitLegends) {
                        coodiagFitLegends({{ this._parent.get_name() }});
                    }
                }, 0);
                return div;
            };
            {%- if this.layer %}
            {{ this.layer.get_name() }}.on("add", function () {
                {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
            });
            {{ this.layer.get_name() }}.on("remove", function () {
                {{ this.get_name() }}.remove();
            });
            if ({{ this._parent.get_name() }}.hasLayer({{ this.layer.get_name() }})) {
                {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
            }
            {%- else %}
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self, html_text: str, position: str = "bottomright", layer: Layer | None = None
    ) -> None:
        super().__init__()
        self._name = "CoodiagLegend"
        self.html_json = js_literal(html_text)
        self.position = position
        self.layer = layer  # shown only while this layer is on the map


def legend_html(title: str, rows: list[tuple[str, str]], note: str = "") -> str:
    """``rows``: (swatch HTML, text)."""
    out = [f'<div class="coodiag-legend-title">{html.escape(title)}</div>']
    for swatch, text in rows:
        out.append(
            f'<div class="coodiag-legend-row">{swatch}<span>{html.escape(text)}</span></div>'
        )
    if note:
        out.append(f'<div class="coodiag-legend-note">{html.escape(note)}</div>')
    return "".join(out)

def layer_control(m: folium.Map) -> folium.LayerControl:
    """The layer switcher, expanded (French layer names come from the layers)."""
    control = folium.LayerControl(collapsed=False, position="topleft")
    m.add_child(control)
    m._coodiag_layer_control = True
    return control


# ------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------


def assert_offline(page: str) -> None:
    """Raise :class:`OfflineError` if ``page`` would fetch anything over the network.

    Looks for ``http://``, ``https://`` and protocol-relative ``//`` URLs in ``src``, ``href``
    (and ``srcset``, ``action``, ``poster``), ``url(...)`` and ``@import``. URLs in plain text
    are allowed (none are written by coodiag).
    """
    found = sorted({m.group(0)[:120] for m in _EXTERNAL.finditer(page)})
    if found:
        listed = "\n  ".join(found[:10])
        raise OfflineError(
            f"La page HTML ferait {len(found)} requête(s) réseau (elle doit fonctionner hors "
            f"ligne) :\n  {listed}"
        )


def render_html(m: folium.Map) -> str:
    """The complete HTML of ``m``, with folium's random element ids made sequential (so that
    the same map gives the same file)."""
    if any(isinstance(c, Layer) for c in m._children.values()) and not getattr(
        m, "_coodiag_layer_control", False
    ):
        layer_control(m)
    page = m.get_root().render()
    ids: dict[str, str] = {}

    def repl(match: re.Match) -> str:
        return ids.setdefault(match.group(0), f"{len(ids) + 1:04d}")

    return _FOLIUM_ID.sub(repl, page)


def to_html(m: folium.Map, path: str | os.PathLike) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically; checked with
    :func:`assert_offline` first. Adds an expanded layer control if the map has layers."""
    page = render_html(m)
    assert_offline(page)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files
    return path
