"""Offline interactive maps (folium/Leaflet) for the self-contained HTML atlas and the explorer.

A map saved by :func:`to_html` is one HTML file that makes **no network request**: no tiles
(``tiles=None``: the choropleth is the map), Leaflet's JS and CSS inlined from the
``xstatic-leaflet`` wheel (the same Leaflet 1.9.3 as folium), the images of Leaflet's CSS
inlined as data URIs, folium's CDN defaults (jQuery, Bootstrap, awesome-markers, Font Awesome)
removed, the Leaflet attribution prefix (a link to leafletjs.com) switched off, legends written
as plain HTML in a Leaflet control (no branca colormap: streamlit-folium adds d3 from a CDN for
those). :func:`assert_offline` checks a page.

Layers are written by small folium ``Layer`` subclasses (:class:`GeoJsonLayer`) rather than
``folium.GeoJson``: the data are embedded once, compactly (one class index per feature and a
style table; tooltips assembled in JS), and the tooltip values keep the
``<span class='coodiag-count'>`` markup of counts of people readable in the saved page, so that
:func:`coodiag.secrecy.find_small_counts` can scan it.

Classes and colours come from :func:`coodiag.outputs.maps.classify`, shared with the static maps.
Geometries are simplified for the web with ``shapely.coverage_simplify`` (shared borders stay
shared; falls back to ``simplify(preserve_topology=True)`` if the layer is not a clean
coverage) in a metric CRS, then written in WGS84 with 5 decimals (about 1 m).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from coodiag import secrecy
from coodiag.outputs import maps

LEAFLET_VERSION = "1.9.3"
#: Popup field labels (French) for SIAE points.
FIELD_LABELS = {
    "nom": "Nom",
    "enseigne": "Enseigne",
    "type_siae": "Type",
    "siret": "SIRET",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
    "epci_nom": "Intercommunalité",
    "ze_nom": "Zone d'emploi",
    "naf": "Code NAF",
}
DEFAULT_POPUP_FIELDS = ("nom", "type_siae", "adresse", "commune", "siret")

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


def fit(m: folium.Map, bounds: Any) -> None:
    """Fit the view of ``m`` to ``bounds`` (see :func:`offline_map`)."""
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
    m.location = [(miny + maxy) / 2, (minx + maxx) / 2]
    m._coodiag_fitted = True


def _script_safe(text: str) -> str:
    """Text that can sit inside a ``<script>`` element."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def js_literal(obj: Any) -> str:
    return _script_safe(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


# ------------------------------------------------------------------------------------------
# Geometry for the web
# ------------------------------------------------------------------------------------------


def simplify_for_web(gdf: gpd.GeoDataFrame, tolerance: float | None = None) -> np.ndarray:
    """Geometries simplified in a metric CRS, in WGS84 with coordinates rounded to 5 decimals.

    ``tolerance`` in metres; default: the diagonal of the layer / 3 000 (about 50 m for a
    département, 500 m for France).
    """
    metric = maps.to_metric(gdf)
    geoms = np.asarray(metric.geometry.array, dtype=object)
    if tolerance is None:
        minx, miny, maxx, maxy = metric.total_bounds
        tolerance = max(math.hypot(maxx - minx, maxy - miny) / 3000.0, 1.0)
    polygonal = all(
        g is None or g.is_empty or g.geom_type in ("Polygon", "MultiPolygon") for g in geoms
    )
    simplified = None
    if polygonal and hasattr(shapely, "coverage_simplify"):
        try:
            simplified = shapely.coverage_simplify(geoms, tolerance)
        except Exception:  # not a clean coverage: simplify each geometry on its own
            simplified = None
    if simplified is None:
        simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    wgs = gpd.GeoSeries(simplified, crs=metric.crs).to_crs(4326)
    return shapely.transform(np.asarray(wgs.array, dtype=object), lambda c: np.round(c, 5))


def _geometry_json(geom: Any) -> Any:
    if geom is None or geom.is_empty:
        return None
    return json.loads(shapely.to_geojson(geom))


# ------------------------------------------------------------------------------------------
# Layers and legends
# ------------------------------------------------------------------------------------------


class GeoJsonLayer(Layer):
    """A GeoJSON layer with per-class styles, tooltips and popups assembled in JavaScript.

    Each feature carries ``_c`` (index into ``styles``), and optionally ``_n`` (name, HTML),
    ``_v`` (value, HTML), ``_p`` (popup HTML). The tooltip reads ``<b>name</b><br>label : value``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }}_styles = {{ this.styles_json }};
            var {{ this.get_name() }} = L.geoJSON({{ this.data_json }}, {
                attribution: {{ this.attribution|tojson }},
                {%- if this.points %}
                pointToLayer: function (feature, latlng) {
                    return L.circleMarker(latlng,
                        {{ this.get_name() }}_styles[feature.properties._c]);
                },
                {%- else %}
                style: function (feature) {
                    return {{ this.get_name() }}_styles[feature.properties._c];
                },
                {%- endif %}
                onEachFeature: function (feature, layer) {
                    var p = feature.properties;
                    var tip = p._n ? "<b>" + p._n + "</b>" : "";
                    if (p._v !== undefined) {
                        tip += (tip ? "<br>" : "") + {{ this.value_label|tojson }} + p._v;
                    }
                    if (tip) { layer.bindTooltip(tip, {sticky: {{ this.sticky|tojson }}}); }
                    if (p._p) { layer.bindPopup(p._p, {maxWidth: 340}); }
                    {%- if not this.points %}
                    layer.on({
                        mouseover: function (e) {
                            e.target.setStyle({weight: 2.2, color: "#222222"});
                            e.target.bringToFront();
                        },
                        mouseout: function (e) { {{ this.get_name() }}.resetStyle(e.target); }
                    });
                    {%- endif %}
                }
            });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        features: list[dict],
        styles: list[dict],
        *,
        name: str,
        points: bool = False,
        value_label: str = "",
        attribution: str = "",
        show: bool = True,
        overlay: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "CoodiagGeoJson"
        self.data_json = js_literal({"type": "FeatureCollection", "features": features})
        self.styles_json = js_literal(styles)
        self.points = points
        self.sticky = not points
        self.value_label = value_label
        self.attribution = attribution


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


def _legend_html(title: str, rows: list[tuple[str, str]], note: str = "") -> str:
    """``rows``: (swatch HTML, text)."""
    out = [f'<div class="coodiag-legend-title">{html.escape(title)}</div>']
    for swatch, text in rows:
        out.append(
            f'<div class="coodiag-legend-row">{swatch}<span>{html.escape(text)}</span></div>'
        )
    if note:
        out.append(f'<div class="coodiag-legend-note">{html.escape(note)}</div>')
    return "".join(out)


def value_html(cl: maps.Classification, value: Any) -> str:
    text = cl.format_value(value)
    if cl.counts_of_people and value is not None and not pd.isna(value):
        count = secrecy.format_count(value)
        rest = text[len(count) :]
        span = f"<span class='{secrecy.COUNT_CSS_CLASS}'>{html.escape(count)}</span>"
        return span + html.escape(rest)
    return html.escape(text)


def choropleth_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    meta: Mapping[str, Any] | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    palette: str | Sequence[str] | None = None,
    level: str = "communes",
    counts: bool | None = None,
    name: str | None = None,
    name_column: str = "nom",
    code_column: str | None = "code",
    tolerance: float | None = None,
    legend: bool = True,
    show: bool = True,
    overlay: bool = False,
) -> GeoJsonLayer:
    """Add a choropleth of ``gdf[column]`` to ``m``, with the classes of the static maps.

    Tooltips show the unit's name and its value with the unit (counts of people through
    :func:`coodiag.secrecy.format_count`, inside ``<span class='coodiag-count'>``); only the
    formatted values are written in the page, never the raw counts. The legend (classes with
    their number of units, method, source) is plain HTML, shown while the layer is. By default
    the layer is a base layer (``overlay=False``): several choropleths on one map are
    exclusive choices (radio buttons) in the layer control. The view is fitted to the layer if
    the map has no bounds yet. Returns the layer (its classes in ``layer.classification``).
    """
    if column not in gdf.columns:
        raise KeyError(f"Colonne absente de la couche : « {column} ».")
    cl = maps.classify(
        gdf[column],
        meta=meta,
        scheme=scheme,
        k=k,
        bins=bins,
        palette=palette,
        level=level,
        counts=counts,
    )
    geoms = simplify_for_web(gdf, tolerance)
    styles = [
        {"fillColor": c, "fillOpacity": 0.85, "color": "#ffffff", "weight": 0.6, "opacity": 1}
        for c in cl.colors
    ]
    styles.append(
        {
            "fillColor": "url(#coodiag-hatch)",
            "fillOpacity": 1,
            "color": "#ffffff",
            "weight": 0.6,
            "opacity": 1,
        }
    )
    nodata_index = len(cl.colors)
    names = gdf[name_column].tolist() if name_column in gdf.columns else [None] * len(gdf)
    codes = gdf[code_column].tolist() if code_column and code_column in gdf.columns else None
    features = []
    for i, (geom, value, cls) in enumerate(
        zip(geoms, gdf[column].tolist(), cl.classes, strict=True)
    ):
        geometry = _geometry_json(geom)
        if geometry is None:
            continue
        props: dict[str, Any] = {"_c": int(cls) if cls >= 0 else nodata_index}
        if names[i] is not None and not pd.isna(names[i]):
            props["_n"] = html.escape(str(names[i]))
        props["_v"] = value_html(cl, value)
        if codes is not None:
            props["code"] = str(codes[i])
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    label = maps.meta_text(meta, "label") or column
    source = maps.meta_text(meta, "source")
    vintage = maps.meta_text(meta, "vintage")
    attribution = source + (
        f" ({vintage})" if vintage and vintage.lower() not in source.lower() else ""
    )
    layer_name = name or (f"{label} ({cl.unit})" if cl.unit else label)
    layer = GeoJsonLayer(
        features,
        styles,
        name=layer_name,
        value_label=f"{label} : ",
        attribution=html.escape(attribution),
        show=show,
        overlay=overlay,
    )
    layer.classification = cl
    m.add_child(layer)
    if legend:
        rows = [
            (f'<i style="background:{cl.colors[c]}"></i>', cl.labels[c])
            for c in range(cl.k - 1, -1, -1)
        ]
        if cl.n_nodata:
            rows.append(('<i class="coodiag-hatch"></i>', cl.nodata_label))
        note = f"Classes : {cl.scheme_label}" + (", seuil à 0" if cl.diverging else "")
        calc = maps.source_line(
            {k_: v for k_, v in (meta or {}).items() if k_ != "source"}, secret=cl.n_secret > 0
        )
        if calc:
            note += f". {calc}"
        m.add_child(Legend(_legend_html(cl.legend_title or label, rows, note), layer=layer))
    if not getattr(m, "_coodiag_fitted", True):
        fit(m, gdf)
    return layer


def _popup_html(row: Mapping[str, Any], fields: Sequence[str], type_col: str) -> str:
    cells = []
    for f in fields:
        if f not in row:
            continue
        v = row[f]
        if v is None or (not isinstance(v, list | tuple | np.ndarray) and pd.isna(v)) or v == "":
            continue
        text = str(v)
        if f == type_col and text in maps.SIAE_TYPES:
            text = f"{text} — {maps.SIAE_TYPES[text]['nom']}"
        label = FIELD_LABELS.get(f, f)
        cells.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(text)}</td></tr>")
    return f"<div class='coodiag-popup'><table>{''.join(cells)}</table></div>" if cells else ""


def points_layer(
    m: folium.Map,
    points: gpd.GeoDataFrame,
    *,
    by: str = "type_siae",
    popup_fields: Sequence[str] = DEFAULT_POPUP_FIELDS,
    name_column: str = "nom",
    size: str | None = None,
    estimated: str | None = None,
    size_label: str = "postes",
    title: str = "Structures d'insertion (SIAE)",
    attribution: str | None = None,
    legend: bool = True,
    show: bool = True,
) -> list[GeoJsonLayer]:
    """Add the SIAE (or any points) to ``m``: one layer per type (toggled in the layer
    control), circle markers in the colours of the static maps, a tooltip with the name, a
    popup with ``popup_fields``. ``size``: a capacity column (radius ∝ √capacity); ``estimated``:
    boolean column, estimated capacities drawn hollow and flagged in the legend."""
    if by not in points.columns:
        raise KeyError(f"Colonne absente de la couche de points : « {by} ».")
    pts = points.to_crs(4326) if points.crs is not None and points.crs.to_epsg() != 4326 else points
    pts = pts[pts.geometry.notna() & ~pts.geometry.is_empty]
    xy = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
    xy = np.round(maps.dodge(xy, radius=0.0008), 5)
    types = [str(t) if t is not None and not pd.isna(t) else "autre" for t in pts[by]]
    style = maps.siae_style(types)
    radius = np.full(len(pts), 6.5)
    vmax = 0.0
    if size is not None and size in pts.columns:
        sv = pd.to_numeric(pts[size], errors="coerce").to_numpy(dtype=float)
        vmax = float(np.nanmax(sv)) if np.isfinite(sv).any() else 0.0
        if vmax > 0:
            radius = np.where(np.isfinite(sv), 4 + 14 * np.sqrt(np.clip(sv, 0, None) / vmax), 4.5)
    est = (
        pts[estimated].fillna(False).astype(bool).to_numpy()
        if estimated is not None and estimated in pts.columns
        else np.zeros(len(pts), dtype=bool)
    )
    if attribution is None and "nom_source" in pts.columns:
        attribution = "; ".join(sorted({str(v) for v in pts["nom_source"].dropna().unique()})[:2])
    records = pts.drop(columns=pts.geometry.name).to_dict("records")
    layers = []
    rows = []
    types_arr = np.array(types, dtype=object)
    for t, st in style.items():
        idx = np.flatnonzero(types_arr == t)
        if idx.size == 0:
            continue
        idx = idx[np.argsort(-radius[idx], kind="stable")]
        styles, features = [], []
        for i in idx:
            hollow = bool(est[i])
            styles.append(
                {
                    "radius": float(round(radius[i], 1)),
                    "fillColor": "#ffffff" if hollow else st["color"],
                    "fillOpacity": 0.95,
                    "color": st["color"] if hollow else "#1a1a1a",
                    "weight": 2.5 if hollow else 1,
                }
            )
            props = {"_c": len(styles) - 1}
            name = records[i].get(name_column)
            if name is not None and not pd.isna(name):
                props["_n"] = html.escape(str(name))
            popup = _popup_html(records[i], popup_fields, by)
            if popup:
                props["_p"] = popup
            features.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {
                        "type": "Point",
                        "coordinates": [float(xy[i, 0]), float(xy[i, 1])],
                    },
                }
            )
        long_name = f"{t} — {st['nom']}" if st["nom"] else t
        layer = GeoJsonLayer(
            features,
            styles,
            name=f"SIAE — {t} ({idx.size})",
            points=True,
            attribution=html.escape(attribution or ""),
            show=show,
        )
        m.add_child(layer)
        layers.append(layer)
        rows.append(
            (
                f'<i class="coodiag-dot" style="background:{st["color"]}"></i>',
                f"{long_name} ({idx.size})",
            )
        )
    if legend and rows:
        if est.any():
            rows.append(
                (
                    '<i class="coodiag-dot" style="background:#fff;border:2px solid #444"></i>',
                    f"capacité estimée ({int(est.sum())})",
                )
            )
        note = f"Taille des cercles : capacité ({size_label})." if vmax > 0 else ""
        m.add_child(Legend(_legend_html(f"{title} : {len(pts)}", rows, note), position="topright"))
    if not getattr(m, "_coodiag_fitted", True) and len(pts):
        fit(m, pts)
    return layers


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
