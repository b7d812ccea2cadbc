"""QGIS styles of the GeoPackage layers: each layer opens in QGIS with the colours of its map.

The map of a layer records how it was drawn (``fig.coodiag_style``, set by
:mod:`coodiag.outputs.maps` and :mod:`coodiag.outputs.pointmaps`); :func:`style_of` turns it
into plain data stored in the layer's ``attrs["qgis_style"]`` (see
:func:`coodiag.outputs.atlas.render`), and :func:`write_layer_styles` writes the table QGIS reads
when it opens a GeoPackage layer, ``layer_styles`` (the layout QGIS itself creates:
``f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML,
styleSLD, useAsDefault, description, owner, ui, update_time``), registered in
``gpkg_contents`` as an attribute table like QGIS does. One default style per layer:

- a choropleth: a **graduated** renderer on the mapped column, the ranges and colours of the
  map's classes (:class:`~coodiag.outputs.classify.Classification`: lower bound, upper bound of
  each class, its colour and legend text);
- a map of classes (typologies, coverage classes): a **categorized** renderer, one category per
  class shown with its colour and label, the missing values grey;
- the SIAE: a **categorized** renderer on the type, with the marker shape and colour of the map;
- any other layer: a single symbol (the outline colour of the atlas).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from coodiag.outputs import palettes

#: Name of the style written for every layer.
STYLE_NAME = "coodiag"
#: Outline of the polygons and colour of a layer without a map style.
OUTLINE = "#ffffff"
PLAIN = "#4d4d4d"
#: matplotlib marker -> (QGIS simple marker name, angle).
MARKERS = {"o": ("circle", 0), "s": ("square", 0), "^": ("triangle", 0), "v": ("triangle", 180),
           "D": ("diamond", 0), "d": ("diamond", 0), "P": ("cross_fill", 0), "X": ("cross2", 0),
           "h": ("hexagon", 0), "*": ("star", 0), "p": ("pentagon", 0)}
LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
  f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME
)"""


def style_of(fig: Any) -> dict | None:
    """The style of a drawn map as plain data (``None`` if the map did not record one):
    ``{"kind": "graduated", "column", "classes": [(lower, upper, colour, label)...]}``,
    ``{"kind": "categorized", "column", "classes": [(value, colour, label)...], "nodata"}`` or
    ``{"kind": "points", "column", "classes": [(value, colour, marker, label)...]}``."""
    recorded = getattr(fig, "coodiag_style", None)
    if not recorded:
        return None
    kind, column, data = recorded
    if kind == "graduated":
        cl = data
        lows = [cl.lower, *cl.bins[:-1]]
        classes = [(float(lo), float(hi), cl.colors[i], cl.ranges[i])
                   for i, (lo, hi) in enumerate(zip(lows, cl.bins, strict=True))]
        return {"kind": kind, "column": column, "classes": classes,
                "nodata": cl.nodata_label or None}
    if kind == "categorized":
        return {"kind": kind, "column": column,
                "classes": [(str(v), c, str(label)) for v, label, c in data],
                "nodata": palettes.NODATA_COLOR}
    if kind == "points":
        return {"kind": kind, "column": column,
                "classes": [(str(t), s["color"], s["marker"],
                             f"{t} — {s['nom']}" if s.get("nom") else str(t))
                            for t, s in data.items()]}
    return None


def _rgba(colour: str, alpha: int = 255) -> str:
    from matplotlib.colors import to_rgb

    r, g, b = (round(v * 255) for v in to_rgb(colour))
    return f"{r},{g},{b},{alpha}"


def _option(name: str, value: Any) -> str:
    return f'<Option type="QString" name="{name}" value={quoteattr(str(value))}/>'


def _symbol(index: int, geometry: str, colour: str, marker: str = "o",
            hatched: bool = False) -> str:
    """One QGIS symbol (fill for polygons, marker for points)."""
    if geometry == "point":
        name, angle = MARKERS.get(marker, ("circle", 0))
        options = [_option("name", name), _option("angle", angle), _option("color", _rgba(colour)),
                   _option("outline_color", "26,26,26,255"), _option("outline_width", "0.2"),
                   _option("size", "3"), _option("size_unit", "MM")]
        layer_class, kind = "SimpleMarker", "marker"
    else:
        options = [_option("color", _rgba(colour)), _option("outline_color", _rgba(OUTLINE)),
                   _option("outline_width", "0.1"), _option("outline_width_unit", "MM"),
                   _option("style", "b_diagonal" if hatched else "solid")]
        layer_class, kind = "SimpleFill", "fill"
    return (f'<symbol type="{kind}" name="{index}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{layer_class}" enabled="1" locked="0" pass="0">'
            f'<Option type="Map">{"".join(options)}</Option></layer></symbol>')


def qml(style: Mapping[str, Any] | None, geometry: str) -> str:
    """The QML document of a style; ``geometry``: ``"polygon"`` or ``"point"``."""
    symbols: list[str] = []
    if style is None:
        body = '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" ' \
            f'forceraster="0"><symbols>{_symbol(0, geometry, PLAIN)}</symbols></renderer-v2>'
    elif style["kind"] == "graduated":
        ranges = []
        for i, (lo, hi, colour, label) in enumerate(style["classes"]):
            ranges.append(f'<range symbol="{i}" lower="{lo!r}" upper="{hi!r}" '
                          f'label={quoteattr(label)} render="true"/>')
            symbols.append(_symbol(i, geometry, colour))
        body = (f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(style["column"])} '
                'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" '
                f'forceraster="0"><ranges>{"".join(ranges)}</ranges>'
                f'<symbols>{"".join(symbols)}</symbols></renderer-v2>')
    else:
        categories = []
        for i, (value, colour, *rest) in enumerate(style["classes"]):
            marker, label = (rest[0], rest[1]) if style["kind"] == "points" else ("o", rest[0])
            categories.append(f'<category symbol="{i}" value={quoteattr(value)} '
                              f'label={quoteattr(label)} render="true"/>')
            symbols.append(_symbol(i, geometry, colour, marker))
        if style.get("nodata"):
            i = len(categories)
            categories.append(f'<category symbol="{i}" value="" label="non disponible" '
                              'render="true"/>')
            symbols.append(_symbol(i, geometry, style["nodata"], hatched=True))
        body = (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style["column"])} '
                'symbollevels="0" enableorderby="0" forceraster="0">'
                f'<categories>{"".join(categories)}</categories>'
                f'<symbols>{"".join(symbols)}</symbols></renderer-v2>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            f'<qgis version="3.28.0" styleCategories="Symbology">{body}</qgis>')


def sld(name: str, style: Mapping[str, Any] | None, geometry: str) -> str:
    """A minimal SLD 1.1 of the same classes (for other GIS software)."""
    def rule(title: str, colour: str, flt: str = "") -> str:
        if geometry == "point":
            sym = ('<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle'
                   f'</se:WellKnownName><se:Fill><se:SvgParameter name="fill">{colour}'
                   '</se:SvgParameter></se:Fill></se:Mark><se:Size>10</se:Size></se:Graphic>'
                   '</se:PointSymbolizer>')
        else:
            sym = (f'<se:PolygonSymbolizer><se:Fill><se:SvgParameter name="fill">{colour}'
                   '</se:SvgParameter></se:Fill></se:PolygonSymbolizer>')
        return (f"<se:Rule><se:Name>{escape(title)}</se:Name>{flt}{sym}</se:Rule>")

    def prop(op: str, column: str, value: Any) -> str:
        return (f"<ogc:{op}><ogc:PropertyName>{escape(column)}</ogc:PropertyName>"
                f"<ogc:Literal>{escape(str(value))}</ogc:Literal></ogc:{op}>")

    rules = []
    if style is None:
        rules.append(rule(name, PLAIN))
    elif style["kind"] == "graduated":
        col = style["column"]
        for lo, hi, colour, label in style["classes"]:
            flt = (f"<ogc:Filter><ogc:And>{prop('PropertyIsGreaterThanOrEqualTo', col, lo)}"
                   f"{prop('PropertyIsLessThanOrEqualTo', col, hi)}</ogc:And></ogc:Filter>")
            rules.append(rule(label, colour, flt))
    else:
        for value, colour, *rest in style["classes"]:
            flt = f"<ogc:Filter>{prop('PropertyIsEqualTo', style['column'], value)}</ogc:Filter>"
            rules.append(rule(rest[-1], colour, flt))
    return ('<?xml version="1.0" encoding="UTF-8"?><StyledLayerDescriptor version="1.1.0" '
            'xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:se="http://www.opengis.net/se">'
            f"<NamedLayer><se:Name>{escape(name)}</se:Name><UserStyle><se:Name>{STYLE_NAME}"
            f"</se:Name><se:FeatureTypeStyle>{''.join(rules)}</se:FeatureTypeStyle></UserStyle>"
            "</NamedLayer></StyledLayerDescriptor>")


def write_layer_styles(path: Path, styles: Mapping[str, dict | None],
                       titles: Mapping[str, str] | None = None,
                       produced: dt.date | None = None) -> None:
    """Add the ``layer_styles`` table to the GeoPackage ``path``: one default style per layer
    of ``styles`` (layer name -> :func:`style_of` data or ``None``). ``produced``: the date of
    the atlas, written as the styles' ``update_time`` (so that the same atlas gives the same
    table; today by default)."""
    now = (produced or dt.date.today()).strftime("%Y-%m-%dT00:00:00.000Z")
    with sqlite3.connect(path) as con:
        geometry = {t: (c, g.upper()) for t, c, g in con.execute(
            "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns")}
        con.execute(LAYER_STYLES_SQL)
        con.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
            "description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
            "'Styles QGIS des couches (coodiag)', ?)", (now,))
        for name, style in styles.items():
            column, gtype = geometry[name]
            kind = "point" if "POINT" in gtype else "polygon"
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', '', ?)",
                (name, column, STYLE_NAME, qml(style, kind), sld(name, style, kind),
                 (titles or {}).get(name) or "Style de la carte de l'atlas", now))
    con.close()
