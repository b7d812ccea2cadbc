"""The map explorer (``app.py``, Streamlit): its non-UI parts, testable without a browser.

- :class:`CompactPolygons` / :func:`choropleth` / :func:`categorical`: choropleth layers for
  the offline folium maps of :mod:`coodiag.outputs.webmap`, written compactly (column arrays,
  integer delta-encoded rings decoded in the browser) so that a région's communes stay under
  3 MB and all communes of France under 10 MB; the geometries are the display geometries of
  :mod:`coodiag.base.display` (simplified once at build time), not simplified again;
- :func:`read_upload`: a user's file given as bytes (a Streamlit upload) through the same
  validation as the command line, written only to a temporary folder for the read;
- :func:`streamlit_argv`: the ``streamlit run app.py`` of ``coodiag explorer`` (its
  command: :func:`coodiag.explorer.launcher.main`).
"""

from __future__ import annotations

import html
import math
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.map import Layer
from folium.template import Template

from coodiag import levels
from coodiag.base.indicators import Indicator
from coodiag.outputs import captions, classify, weblayers, webmap

#: Upload kinds -> (reader name, French label).
UPLOADS = {
    "salaries": ("read_salaries", "salariés en parcours"),
    "capacite": ("read_capacite", "capacité"),
    "reseaux": ("read_reseaux", "réseaux (adhésions)"),
    "sirene": ("read_sirene", "SIRENE (établissements)"),
}


def encode_geometry(geom: Any, precision: int = 5) -> list | None:
    """A (multi)polygon as a list of polygons, each a list of rings, each a flat list of
    integers: the first point × 10^precision, then the differences (lon, lat order)."""
    if geom is None or geom.is_empty:
        return None
    scale = 10**precision
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    out = []
    for poly in polys:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings = []
        for ring in (poly.exterior, *poly.interiors):
            q = np.round(np.asarray(ring.coords)[:, :2] * scale).astype(np.int64)
            if len(q) > 1 and (q[0] == q[-1]).all():
                q = q[:-1]  # Leaflet closes rings itself
            d = np.vstack([q[:1], np.diff(q, axis=0)])
            rings.append(d.ravel().tolist())
        out.append(rings)
    return out or None


class CompactPolygons(Layer):
    """Polygons written as column arrays (classes, names, values, codes, delta-encoded rings)
    and decoded in the browser; one style per class, tooltips built on hover."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var d = {{ this.data_json }};
                var styles = {{ this.styles_json }};
                var s = Math.pow(10, -d.p);
                var group = L.featureGroup([], {attribution: {{ this.attribution|tojson }}});
                var byCode = {}, picked = null;
                var PICKED = {weight: 3.5, color: "#000000", opacity: 1};
                {%- if this.canvas %}
                var renderer = L.canvas({padding: 0.3});
                {%- endif %}
                function ring(r) {
                    var x = 0, y = 0, out = new Array(r.length / 2);
                    for (var i = 0; i < r.length; i += 2) {
                        x += r[i]; y += r[i + 1];
                        out[i / 2] = [y * s, x * s];
                    }
                    return out;
                }
                for (var i = 0; i < d.c.length; i++) {
                    if (!d.g[i]) { continue; }
                    var latlngs = d.g[i].map(function (poly) { return poly.map(ring); });
                    var opts = Object.assign({}, styles[d.c[i]]);
                    {%- if this.canvas %}
                    opts.renderer = renderer;
                    {%- endif %}
                    var layer = L.polygon(latlngs, opts);
                    layer._cdx = i;
                    layer.bindTooltip(function (l) {
                        var j = l._cdx;
                        var tip = d.n[j] ? "<b>" + d.n[j] + "</b>" : "";
                        if (d.v[j] !== null && d.v[j] !== undefined) {
                            tip += (tip ? "<br>" : "") + {{ this.value_label|tojson }} + d.v[j];
                        }
                        return tip;
                    }, {sticky: true});
                    layer.on({
                        // Not brought to front on hover: the SIAE markers stay above.
                        mouseover: function (e) {
                            e.target.setStyle({weight: 2.2, color: "#222222"});
                        },
                        mouseout: function (e) {
                            var j = e.target._cdx;
                            e.target.setStyle(j === picked ? PICKED : styles[d.c[j]]);
                        },
                        click: function (e) {  // the explorer shows the unit's portrait
                            outline(d.k[e.target._cdx], false);
                            if (d.k.length && window.parent !== window) {
                                window.parent.postMessage(
                                    {coodiag: "select", code: d.k[e.target._cdx],
                                     level: {{ this.level|tojson }}}, "*");
                            }
                        }
                    });
                    byCode[d.k[i]] = layer;
                    group.addLayer(layer);
                }
                window.coodiagUnits = byCode;  // by code (the browser test clicks one)
                // Outline the unit picked (a click here; zoom to it: the explorer's search box).
                function outline(code, zoom) {
                    if (picked !== null) { byCode[d.k[picked]].setStyle(styles[d.c[picked]]); }
                    var target = byCode[code];
                    picked = target ? target._cdx : null;
                    if (target) {
                        target.setStyle(PICKED);
                        if (zoom) {
                            group._map.fitBounds(target.getBounds(),
                                                 {maxZoom: 12, padding: [30, 30]});
                        }
                    }
                }
                // {coodiag: "focus"}: the search box (zoom); "outline": a click in the other
                // map of a pair (no zoom).
                window.addEventListener("message", function (ev) {
                    var msg = ev.data || {};
                    if ((msg.coodiag !== "focus" && msg.coodiag !== "outline")
                        || !group._map) { return; }
                    outline(msg.code, msg.coodiag === "focus");
                });
                return group;
            })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        styles: list[dict],
        *,
        name: str,
        value_label: str = "",
        attribution: str = "",
        canvas: bool = False,
        show: bool = True,
        overlay: bool = False,
        level: str = "communes",
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self.level = level
        self._name = "CoodiagCompactPolygons"
        self.data_json = webmap.js_literal(data)
        self.styles_json = webmap.js_literal(styles)
        self.value_label = value_label
        self.attribution = attribution
        self.canvas = canvas


def _fill(color: str, *, weight: float = 0.5) -> dict:
    return {"fillColor": color, "fillOpacity": 0.8, "color": "#ffffff", "weight": weight,
            "opacity": 1}


def _layer_data(
    gdf: gpd.GeoDataFrame, classes: Sequence[int], values_html: Sequence[str | None],
    precision: int, name_column: str = "nom",
) -> dict:
    names = gdf[name_column].tolist() if name_column in gdf.columns else [None] * len(gdf)
    return {
        "p": precision,
        "c": [int(c) for c in classes],
        "n": [None if n is None or pd.isna(n) else html.escape(str(n)) for n in names],
        "v": list(values_html),
        "k": gdf["code"].astype(str).tolist() if "code" in gdf.columns else [],
        "g": [encode_geometry(g, precision) for g in gdf.geometry],
    }


def legend_html(title: str, rows: Sequence[tuple[str, str]], note: str = "") -> str:
    """Legend HTML (the CSS classes of :mod:`coodiag.outputs.webmap`); ``rows``: (colour,
    text); the colour ``"hatch"`` draws the no-data swatch."""
    swatches = [
        ('<i class="coodiag-hatch"></i>' if color == "hatch"
         else f'<i style="background:{html.escape(color)}"></i>', text)
        for color, text in rows
    ]
    return webmap.legend_html(title, swatches, note)


def choropleth(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    meta: Indicator | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    level: str = "communes",
    precision: int = 5,
    canvas: bool = False,
    name: str | None = None,
    with_attribution: bool = True,
) -> tuple[CompactPolygons, classify.Classification]:
    """A choropleth of ``gdf[column]`` (already simplified geometries, WGS84), classes from
    :func:`coodiag.outputs.classify.classify` (the same as the static maps and the atlas), a
    legend with the number of units per class, the method and the vintage; the source goes in
    the map's attribution line unless ``with_attribution=False`` (the caller prints it)."""
    cl = classify.classify(gdf[column], meta=meta, scheme=scheme, k=k, level=level)
    styles = [_fill(c) for c in cl.colors]
    styles.append({**_fill("#d9d9d9"), "fillColor": "url(#coodiag-hatch)", "fillOpacity": 1})
    nodata = len(cl.colors)
    classes = [c if c >= 0 else nodata for c in cl.classes]
    values = [weblayers.value_html(cl, v) for v in gdf[column].tolist()]
    label = captions.meta_text(meta, "label") or column
    source = captions.meta_text(meta, "source")
    vintage = captions.meta_text(meta, "vintage")
    attribution = source + (
        f" ({vintage})" if vintage and vintage.lower() not in source.lower() else ""
    )
    layer = CompactPolygons(
        _layer_data(gdf, classes, values, precision),
        styles,
        name=name or (f"{label} ({cl.unit})" if cl.unit else label),
        value_label=f"{label} : ",
        attribution=html.escape(attribution) if with_attribution else "",
        canvas=canvas,
        level=level,
    )
    m.add_child(layer)
    rows = [(cl.colors[c], cl.labels[c]) for c in range(cl.k - 1, -1, -1)]
    if cl.n_nodata:
        rows.append(("hatch", cl.nodata_label))
    note = f"Classes : {cl.scheme_label}" + (", seuil à 0" if cl.diverging else "")
    if vintage:
        note += f". Millésime : {vintage}"
    m.add_child(webmap.Legend(legend_html(cl.legend_title or label, rows, note), layer=layer))
    return layer, cl


def categorical(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    column: str,
    colors: Mapping[str, str],
    *,
    title: str,
    level: str = "communes",
    note: str = "",
    precision: int = 5,
    canvas: bool = False,
    value_label: str = "",
    attribution: str = "",
) -> CompactPolygons:
    """Polygons coloured by the category in ``gdf[column]`` (``colors``: category -> colour,
    in legend order; other values grey), legend with the number of units per category."""
    cats = list(colors)
    index = {c: i for i, c in enumerate(cats)}
    values = gdf[column].astype("string")
    classes = [index.get(v, len(cats)) if not pd.isna(v) else len(cats) for v in values]
    styles = [_fill(colors[c]) for c in cats] + [_fill("#d9d9d9")]
    try:
        names = (levels.get(level).singular, levels.get(level).plural)
    except KeyError:
        names = (level, level)
    counts = pd.Series(classes).value_counts()
    rows = []
    for i, c in enumerate(cats):
        n = int(counts.get(i, 0))
        if n:
            rows.append((colors[c], f"{c} ({n}\u00a0{names[0] if n <= 1 else names[1]})"))
    n_other = int(counts.get(len(cats), 0))
    if n_other:
        rows.append(("#d9d9d9", f"autre / non classé ({n_other}\u00a0"
                                f"{names[0] if n_other <= 1 else names[1]})"))
    shown = [None if pd.isna(v) else html.escape(str(v)) for v in values]
    layer = CompactPolygons(
        _layer_data(gdf, classes, shown, precision),
        styles,
        name=title,
        value_label=value_label or f"{title} : ",
        attribution=html.escape(attribution),
        canvas=canvas,
        level=level,
    )
    m.add_child(layer)
    m.add_child(webmap.Legend(legend_html(title, rows, note), layer=layer))
    return layer


def bounds_of(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """WGS84 bounds, as :func:`coodiag.outputs.webmap.offline_map` takes them."""
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        return (-5.5, 41.3, 9.6, 51.1)
    return (minx, miny, maxx, maxy)


# ------------------------------------------------------------------------------------------
# Uploads
# ------------------------------------------------------------------------------------------


def read_upload(kind: str, filename: str, data: bytes):
    """Read an uploaded file with the command line's reader (same validation, same report).

    The readers take paths: the bytes are written to a private temporary folder for the time
    of the read and deleted right after (the folder too); nothing else touches the disk.
    Returns the :class:`coodiag.userfiles.ImportResult`; raises the readers' French errors.
    """
    from coodiag import userfiles as imports

    if kind not in UPLOADS:
        raise ValueError(f"Type de fichier inconnu : {kind}")
    reader = getattr(imports, UPLOADS[kind][0])
    safe = Path(filename).name or "fichier.csv"
    with tempfile.TemporaryDirectory(prefix="coodiag-upload-") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        return reader(path)


# ------------------------------------------------------------------------------------------
# Command
# ------------------------------------------------------------------------------------------


def app_path() -> Path:
    """The Streamlit page, shipped inside the package (``coodiag/explorer/app.py``)."""
    return Path(__file__).resolve().parent / "app.py"


#: The Streamlit settings of both launch ways: ``.streamlit/config.toml`` (read by
#: ``streamlit run app.py`` from the checkout) holds the same (a test compares them).
STREAMLIT_OPTIONS = {
    "browser.gatherUsageStats": False,  # no usage metrics sent to Streamlit's host
    "browser.serverAddress": "localhost",  # set: no lookup of the machine's public address
    "client.toolbarMode": "viewer",  # no "Deploy", no developer menu ("Clear cache")
    "server.headless": True,
    "server.runOnSave": False,
    "global.developmentMode": False,
}


def streamlit_argv(args: Sequence[str] = ()) -> list[str]:
    """``streamlit run <app> --opt value ...``: :data:`STREAMLIT_OPTIONS` as flags, then
    ``args`` (which win)."""
    flags = [
        part
        for key, value in STREAMLIT_OPTIONS.items()
        for part in (f"--{key}", str(value).lower() if isinstance(value, bool) else str(value))
    ]
    return ["streamlit", "run", str(app_path()), *flags, *args]
