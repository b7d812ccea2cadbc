"""Layers of the offline web maps: choropleths and SIAE points, with tooltips and popups.

Layers are written by small folium ``Layer`` subclasses (:class:`GeoJsonLayer`) rather than
``folium.GeoJson``: the data are embedded once, compactly (one class index per feature and a
style table; tooltips assembled in JS), and the tooltip values keep the
``<span class='coodiag-count'>`` markup of counts of people readable in the saved page, so that
:func:`coodiag.secrecy.find_small_counts` can scan it.

Classes and colours come from :func:`coodiag.outputs.classify.classify`, shared with the static
maps; geometries are simplified by :func:`coodiag.outputs.geometry.simplify_for_web`. The page
around the layers (Leaflet inlined, legends, offline check) is :mod:`coodiag.outputs.webmap`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.map import Layer
from folium.template import Template

from coodiag import secrecy
from coodiag.base.indicators import Indicator
from coodiag.outputs.captions import meta_text, source_line
from coodiag.outputs.classify import Classification, classify
from coodiag.outputs.geometry import dodge, geometry_json, simplify_for_web
from coodiag.outputs.palettes import SIAE_TYPES, siae_style
from coodiag.outputs.webmap import Legend, fit, js_literal, legend_html
from coodiag.outputs.webpoints import compact_points

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


class GeoJsonLayer(Layer):
    """A GeoJSON layer with per-class styles, tooltips and popups assembled in JavaScript.

    Each feature carries ``_c`` (index into ``styles``), and optionally ``_n`` (name, HTML),
    ``_v`` (value, HTML), ``_p`` (popup HTML, or its cells and ``popup_labels``). The tooltip
    reads ``<b>name</b><br>label : value``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }}_styles = {{ this.styles_json }};
            var {{ this.get_name() }}_labels = {{ this.labels_json }};
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
                    if (p._p) { layer.bindPopup(Array.isArray(p._p)  // [[label, value]...]
                        ? "<div class='coodiag-popup'><table>" + p._p.map(function (c) {
                            return "<tr><th>" + {{ this.get_name() }}_labels[c[0]] + "</th><td>"
                                + c[1] + "</td></tr>"; }).join("") + "</table></div>"
                        : p._p, {maxWidth: 340}); }
                    {%- if not this.points %}
                    layer.on({
                        mouseover: function (e) {
                            e.target.setStyle({weight: 2.2, color: "#222222"});
                            // not brought to front: the SIAE stay above
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
        popup_labels: Sequence[str] = (),
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "CoodiagGeoJson"
        self.data_json = js_literal({"type": "FeatureCollection", "features": features})
        self.styles_json = js_literal(styles)
        self.labels_json = js_literal(list(popup_labels))
        self.points = points
        self.sticky = not points
        self.value_label = value_label
        self.attribution = attribution


def value_html(cl: Classification, value: Any) -> str:
    """A value as shown in a tooltip, HTML-escaped; a count of people inside a
    ``<span class='coodiag-count'>`` (for :func:`coodiag.secrecy.find_small_counts`)."""
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
    meta: Indicator | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    palette: str | Sequence[str] | None = None,
    level: str = "communes",
    counts: bool | None = None,
    nodata: str | None = None,
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
    cl = classify(
        gdf[column], scheme, k, bins=bins, meta=meta, palette=palette, level=level, counts=counts,
        nodata=nodata,
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
        geometry = geometry_json(geom)
        if geometry is None:
            continue
        props: dict[str, Any] = {"_c": int(cls) if cls >= 0 else nodata_index}
        if names[i] is not None and not pd.isna(names[i]):
            props["_n"] = html.escape(str(names[i]))
        props["_v"] = value_html(cl, value)
        if codes is not None:
            props["code"] = str(codes[i])
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    label = meta_text(meta, "label") or column
    source = meta_text(meta, "source")
    vintage = meta_text(meta, "vintage")
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
        # The source is in the attribution line already.
        calc = source_line(
            replace(meta, source="") if meta is not None else None, secret=cl.n_secret > 0
        )
        if calc:
            note += f". {calc}"
        m.add_child(Legend(legend_html(cl.legend_title or label, rows, note), layer=layer))
    if not getattr(m, "_coodiag_fitted", True):
        fit(m, gdf)
    return layer


def outline_layer(
    m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str = "Communes", name_column: str = "nom"
) -> GeoJsonLayer:
    """The units of ``gdf`` (communes) drawn in pale grey under the points, named in a tooltip,
    and the view fitted to them if the map has no bounds yet."""
    names = gdf[name_column].tolist() if name_column in gdf.columns else [None] * len(gdf)
    features = [
        {"type": "Feature", "geometry": geometry,
         "properties": {"_c": 0, **({"_n": html.escape(str(n))} if isinstance(n, str) else {})}}
        for geom, n in zip(simplify_for_web(gdf), names, strict=True)
        if (geometry := geometry_json(geom)) is not None
    ]
    style = {"fillColor": "#f3f1ea", "fillOpacity": 1, "color": "#9a9a9a", "weight": 0.7,
             "opacity": 1}
    layer = GeoJsonLayer(features, [style], name=name, overlay=True)
    m.add_child(layer)
    if not getattr(m, "_coodiag_fitted", True):
        fit(m, gdf)
    return layer


def _popup_cells(row: Mapping[str, Any], fields: Sequence[str], type_col: str) -> list:
    """The popup of ``row``: ``[[index of the field's label, value HTML]...]``, the table made in
    the page (:class:`GeoJsonLayer`: France's 3,900 SIAE weigh 1 MB less)."""
    cells = []
    for k, f in enumerate(fields):
        if f not in row:
            continue
        v = row[f]
        if v is None or (not isinstance(v, list | tuple | np.ndarray) and pd.isna(v)) or v == "":
            continue
        text = str(v)
        if f == type_col and text in SIAE_TYPES:
            text = f"{text} — {SIAE_TYPES[text]['nom']}"
        cells.append([k, html.escape(text)])
    return cells


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
    colors: Mapping[str, str] | None = None,
) -> list[GeoJsonLayer]:
    """Add the SIAE (or any points) to ``m``: one layer per type (toggled in the layer
    control), circle markers in the colours of the static maps, a tooltip with the name, a
    popup with ``popup_fields``. ``size``: a capacity column (radius ∝ √capacity); ``estimated``:
    boolean column, estimated capacities drawn hollow and flagged in the legend; ``colors``:
    category of ``by`` -> colour (default: the SIAE types' colours)."""
    if by not in points.columns:
        raise KeyError(f"Colonne absente de la couche de points : « {by} ».")
    pts = points.to_crs(4326) if points.crs is not None and points.crs.to_epsg() != 4326 else points
    pts = pts[pts.geometry.notna() & ~pts.geometry.is_empty]
    xy = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
    xy = np.round(dodge(xy, radius=0.0008), 5)
    types = [str(t) if t is not None and not pd.isna(t) else "autre" for t in pts[by]]
    style = siae_style(types)
    if colors:  # one colour per category of ``by`` (legend in this order), not the SIAE types
        style = {t: {"nom": "", "color": c, "marker": "o"} for t, c in colors.items()}
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
    used = [c for c in dict.fromkeys([name_column, by, *popup_fields]) if c in pts.columns]
    records = pd.DataFrame(pts[used]).to_dict("records")  # only what the page shows
    layers = []
    rows = []
    types_arr = np.array(types, dtype=object)
    for t, st in style.items():
        idx = np.flatnonzero(types_arr == t)
        if idx.size == 0:
            continue
        idx = idx[np.argsort(-radius[idx], kind="stable")]
        styles, features = [], []
        style_index: dict[tuple, int] = {}  # each distinct style written once (France: 3,900)
        for i in idx:
            hollow = bool(est[i])
            key = (float(round(radius[i], 1)), hollow)
            if key not in style_index:
                style_index[key] = len(styles)
                styles.append({"radius": key[0], "fillColor": "#ffffff" if hollow else st["color"],
                               "fillOpacity": 0.95, "color": st["color"] if hollow else "#1a1a1a",
                               "weight": 2.5 if hollow else 1})
            props = {"_c": style_index[key]}
            name = records[i].get(name_column)
            if name is not None and not pd.isna(name):
                props["_n"] = html.escape(str(name))
            popup = _popup_cells(records[i], popup_fields, by)
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
            popup_labels=[html.escape(FIELD_LABELS.get(f, f)) for f in popup_fields],
        )
        layer.data_json = compact_points(features)  # the same features, 40 % lighter
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
        m.add_child(Legend(legend_html(f"{title} : {len(pts)}", rows, note), position="topright"))
    if not getattr(m, "_coodiag_fitted", True) and len(pts):
        fit(m, pts)
    return layers


