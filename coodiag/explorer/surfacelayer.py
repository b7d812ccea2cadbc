"""The accessibility surface in the explorer: the 2SFCA evaluated cell by cell
(:mod:`coodiag.reports.surfaces`) drawn as an image under the commune outlines and the SIAE.

Ticking « Surface d'accessibilité » in the side panel replaces the thematic background: the
surface of the chosen SIAE type over the current territory, in cells of 200 m for a territory
up to a département's size and of 1 km above (:func:`resolution_for`), computed once per
(territory, type, resolution, capacity file) (:func:`surface`, ``st.cache_data``). The image is
warped to Web Mercator and inlined as a PNG (:mod:`coodiag.outputs.webraster`: nothing fetched),
in its own map pane under the outlines and the points. Its legend (classes with the number of
cells, unit, source, vintage) is written under the map (:func:`legend`), like the others, and
beside the map in its « PNG » (:func:`png_legend`).
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from coodiag import fr
from coodiag.analyses import access
from coodiag.base import store
from coodiag.base.indicators import Indicator
from coodiag.explorer import components as explorer
from coodiag.explorer import data
from coodiag.outputs import webraster
from coodiag.reports import surfaces
from coodiag.reports.context import Context

LABEL = "Surface d'accessibilité (carreaux de 200 m / 1 km)"
TYPES = {access.ALL: "toutes les structures", **{t: t for t in access.TYPES_SIAE}}
#: Largest territory drawn in 200 m cells (km²; every département of mainland France fits);
#: a larger one (a région, Guyane, France) in 1 km cells.
FINE_MAX_KM2 = 15_000.0
FINE_M, COARSE_M = 200.0, 1000.0
#: The map pane of the surface: above the tiles (200), under the outlines and points (400).
PANE = "coodiag-surface"
PANE_Z = 350
OPACITY = 0.85
OUTLINE = {"fill": True, "fillColor": "#000000", "fillOpacity": 0, "color": "#4d4d4d",
           "weight": 0.6, "opacity": 0.8}


@st.cache_resource(show_spinner=False)
def commune_areas() -> pd.Series:
    """Area (km²) per commune code, from the base."""
    areas = pd.read_parquet(store.base_dir() / "communes.parquet",
                            columns=["code", "superficie_km2"])
    return pd.to_numeric(areas.set_index("code")["superficie_km2"], errors="coerce")


def resolution_for(communes: pd.DataFrame) -> float:
    """Cell size (m) for the territory of ``communes``: 200 m up to :data:`FINE_MAX_KM2`."""
    area = float(commune_areas().reindex(communes["code"].astype(str)).sum())
    return FINE_M if area <= FINE_MAX_KM2 else COARSE_M


def options(sb) -> dict:
    """The check box and the SIAE type of the surface (side panel, section « Carte »)."""
    on = sb.checkbox(LABEL, key="surface",
                     help="L'accessibilité 2SFCA (salariés en insertion à portée pour 1 000 "
                     "chômeurs) évaluée au centre de chaque carreau, à la place du fond "
                     "thématique : carreaux de 200 m pour un territoire de la taille d'un "
                     "département au plus, de 1 km au-delà.")
    kind = st.session_state.get("surface_type", access.ALL)
    if on:
        if kind not in TYPES:
            st.session_state.pop("surface_type", None)
        kind = sb.selectbox("Structures de la surface", list(TYPES), format_func=TYPES.get,
                            key="surface_type")
        sb.caption("La surface remplace le fond thématique ; les filtres de type et de réseau "
                   "ne changent que les structures affichées.")
    return {"surface": bool(on), "surface_type": kind if kind in TYPES else access.ALL}


@st.cache_data(show_spinner="Calcul de la surface d'accessibilité…", max_entries=16)
def surface(prefix: str, code: str, kind: str, resolution: float,
            capacite: pd.DataFrame | None) -> dict:
    """The images (one per zone: mainland France, each DROM), classes, legend and indicator of
    the surface of ``kind`` over the territory ``(prefix, code)``."""
    ctx = Context(data.store_base(), capacite=capacite)
    codes = set(data.territory_communes(prefix, code)["code"])
    found = surfaces.territory_surfaces(ctx, codes, resolution=resolution, distances=False,
                                        only_all=kind == access.ALL)
    bands = [(s, next(b for b in s.layers["accessibilite"] if b.name == kind)) for s in found]
    if not bands:
        return {"images": [], "rows": [], "meta": None, "cells": 0, "resolution": resolution}
    classes = webraster.classes_of([b.values for _s, b in bands])
    images = [webraster.web_image(b.values, s.transform, s.crs, classes) for s, b in bands]
    return {
        "images": [{"url": i.url, "bounds": i.bounds, "zone": s.zone, "shape": i.shape,
                    "bytes": i.n_bytes} for i, (s, _b) in zip(images, bands, strict=True)],
        "rows": classes.rows,
        "meta": bands[0][1].indicator,
        "cells": sum(int(s.params["cellules"]) for s, _b in bands),
        "resolution": resolution,
    }


def add_to_map(m: folium.Map, params: dict, com_geo: gpd.GeoDataFrame, info: dict, *,
               precision: int = 5, canvas: bool = False) -> None:
    """Draw the surface of ``params["surface_type"]`` under the commune outlines (``com_geo``,
    WGS84, clickable for the portrait) and fill ``info["surface"]`` for :func:`legend`."""
    prefix, code, kind = params["prefix"], params["code"], params["surface_type"]
    communes = data.territory_communes(prefix, code)
    res = resolution_for(communes)
    found = surface(prefix, code, kind, res, data.upload_data("capacite"))
    folium.map.CustomPane(PANE, z_index=PANE_Z, pointer_events=False).add_to(m)
    name = f"Surface d'accessibilité ({TYPES[kind]})"
    meta: Indicator | None = found["meta"]
    credit = (f"Surface d'accessibilité (carreaux de {fr.integer(res)} m) : {meta.source} "
              f"({meta.vintage})" if meta is not None else "")
    for image in found["images"]:
        folium.raster_layers.ImageOverlay(
            image["url"], image["bounds"], name=name, pane=PANE, opacity=OPACITY,
            pixelated=True, interactive=False, attribution=html.escape(credit)).add_to(m)
    names = [html.escape(str(n)) if isinstance(n, str) else None for n in com_geo["nom"]]
    outlines = explorer.CompactPolygons(
        {"p": precision, "c": [0] * len(com_geo), "n": names, "v": [None] * len(com_geo),
         "k": com_geo["code"].astype(str).tolist(),
         "g": [explorer.encode_geometry(g, precision) for g in com_geo.geometry]},
        [OUTLINE], name="Communes", canvas=canvas, overlay=True)
    m.add_child(outlines)
    info["title"] = meta.label if meta is not None else name
    info["surface"] = {
        "title": meta.label if meta is not None else name,
        "unit": meta.unit if meta is not None else "",
        "rows": found["rows"], "source": meta.source if meta is not None else "",
        "vintage": meta.vintage if meta is not None else "",
        "cells": found["cells"], "resolution": found["resolution"],
        "bounds": [i["bounds"] for i in found["images"]],
        "bytes": sum(i["bytes"] for i in found["images"]),
    }
    if meta is None:
        info["notes"].append("Aucune surface : le territoire n'a pas de commune localisée.")
    else:
        info["notes"].append(f"Méthode de la surface : {meta.method}")


def legend_parts(info: dict) -> tuple[str, str, list[tuple[str, str]], str] | None:
    """The surface's legend (title, unit, rows (colour, text), note), written under the map
    (:func:`legend`) and in the « PNG » of the map (:func:`png_legend`); ``None``: no
    surface."""
    s = info.get("surface")
    if not s:
        return None
    note = (f'{fr.integer(s["cells"])} carreaux de {fr.integer(s["resolution"])} m ; classes : '
            "quantiles des carreaux où une structure est à portée (les mêmes que la page de "
            f"l'atlas). Source : {s['source']}. Millésime : {s['vintage'] or fr.MISSING}.")
    return s["title"], s["unit"], [(str(c), str(t)) for c, t in s["rows"]], note


def png_legend(info: dict) -> str:
    """The legend of :func:`legend` as the map's legends are written (drawn in the PNG beside
    the map's own legends); ``""``: no surface."""
    parts = legend_parts(info)
    if parts is None:
        return ""
    title, unit, rows, note = parts
    return explorer.legend_html(f"{title} — unité : {unit}", rows, note)


def legend(info: dict) -> None:
    """The surface's legend under the map: classes (cells per class), unit, source, vintage."""
    parts = legend_parts(info)
    if parts is None:
        return
    title, unit, rows, note = parts
    swatch = ('<span style="display:inline-block;width:1.4em;height:0.9em;background:{};'
              'border:1px solid #999;margin-right:0.4em;vertical-align:middle"></span>')
    lines = "".join(f'<div>{swatch.format(html.escape(color))}{html.escape(text)}</div>'
                    for color, text in rows)
    st.markdown(
        f'<div class="coodiag-surface-legend"><b>{html.escape(title)}</b> '
        f'— unité : {html.escape(unit)}<div style="margin:0.3em 0">{lines}</div>'
        f"<small>{html.escape(note)}</small></div>",
        unsafe_allow_html=True,
    )
