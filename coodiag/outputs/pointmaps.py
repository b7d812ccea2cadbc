"""Static maps of points: the SIAE by type, sized by capacity.

Symbols sharing a position (several SIAE of one commune) are set around it, touching but not
overlapping, each linked to it by a thin line (:func:`coodiag.outputs.mapframe.spread_symbols`):
none hides another. The legend counts only the points of the study area; points outside it
(``others``: SIAE of the neighbouring territories, kept for the accessibility computations)
are drawn small and grey, counted on a line of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag.base.indicators import Indicator
from coodiag.outputs.captions import source_line
from coodiag.outputs.furniture import (
    RC,
    draw_legend,
    north_arrow,
    points_legend,
    scale_bar,
    source_text,
)
from coodiag.outputs.geometry import to_metric
from coodiag.outputs.insets import count_symbol, draw_zoom, pile_to_zoom, reserved
from coodiag.outputs.labels import label_points, place_labels
from coodiag.outputs.mapframe import (
    credits_line,
    drawn_paths,
    frame,
    points_per_unit,
    spread_symbols,
)
from coodiag.outputs.palettes import OUTLINE_COLOR, siae_style
from coodiag.outputs.polygons import draw_paths, polygon_paths

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Fill of the points outside the study area.
OTHERS_COLOR = "#b8b8b8"
#: Above this many points (France, several régions), the symbols sharing a place are not set
#: around it nor zoomed on: they would all chain into one pile.
SPREAD_MAX = 1000
#: Area of the symbols of such a crowded map, as a share of the usual one (hollow symbols
#: are then left unfilled, so that those below show through).
CROWDED_SHRINK = 0.2


def points_map(
    points_gdf: gpd.GeoDataFrame,
    *,
    by: str = "type_siae",
    size: str | None = None,
    estimated: str | None = None,
    size_label: str = "postes",
    base: gpd.GeoDataFrame | None = None,
    context: gpd.GeoDataFrame | None = None,
    others: gpd.GeoDataFrame | None = None,
    meta: Indicator | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    labels: Any = None,
    label_column: str = "nom",
    credits: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """SIAE (or any points) by type: one colour and marker per type (Okabe-Ito palette).

    - ``size``: column of a capacity (postes, ETP...): symbol areas proportional to it, with a
      size legend in ``size_label``; points without a value get a small fixed symbol.
    - ``estimated``: boolean column flagging estimated capacities: drawn as hollow symbols,
      flagged "capacité estimée" in the legend.
    - ``base``: polygons drawn underneath (e.g. the communes), labelled like a choropleth.
    - ``others``: points outside the study area, drawn small and grey, counted apart.
    - ``meta``: ``source``/``vintage`` for the source line (default: the ``nom_source`` column).
    """
    import matplotlib as mpl

    if by not in points_gdf.columns:
        raise KeyError(f"Colonne absente de la couche de points : « {by} ».")
    with mpl.rc_context(RC):
        pts = to_metric(points_gdf)
        crs = pts.crs
        base_m = base.to_crs(crs) if base is not None and base.crs != crs else base
        if meta is None and "nom_source" in pts.columns:
            srcs = sorted({str(v) for v in pts["nom_source"].dropna().unique()})[:2]
            meta = Indicator(source="; ".join(srcs)) if srcs else None
        full_source = credits_line(source_line(meta), base_m, credits)
        title = title or "Structures d'insertion par l'activité économique (SIAE)"
        types = [str(t) for t in pts[by].fillna("autre")]
        style = siae_style(types)
        if others is not None and len(others):
            others = to_metric(others)
            others = others.to_crs(crs) if others.crs != crs else others
            x0, y0, x1, y1 = (base_m if base_m is not None and len(base_m) else pts).total_bounds
            pad = 0.04 * max(x1 - x0, y1 - y0)
            others = others.cx[x0 - pad:x1 + pad, y0 - pad:y1 + pad]  # the ones on the map
        n_others = 0 if others is None else len(others)
        layout, outline, spots = frame(
            pts, base_m, context, ax=ax, title=title, subtitle=subtitle, source=full_source,
            n_legend_rows=len(style) + (4 if size else 0) + (1 if n_others else 0),
        )
        axm = layout.ax
        if base_m is not None and len(base_m):
            draw_paths(axm, drawn_paths(axm, base_m), facecolor="#f7f6f2", edgecolor="#cdcdcd",
                       linewidth=0.3 if len(base_m) > 150 else 0.5, zorder=2)
            draw_paths(axm, polygon_paths([outline]), edgecolor=OUTLINE_COLOR, linewidth=0.9,
                       zorder=5, rasterized=False)
        if n_others:
            axm.scatter(others.geometry.x, others.geometry.y, s=14, marker="o", color=OTHERS_COLOR,
                        edgecolors="#6f6f6f", linewidths=0.5, zorder=6)

        xy_raw = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
        sizes_v = None
        crowded = len(pts) > SPREAD_MAX  # France: symbols at their place, no spread nor zoom
        shrink = CROWDED_SHRINK if crowded else 1.0
        smax = 420.0 * shrink
        if size is not None:
            sizes_v = pd.to_numeric(pts[size], errors="coerce").to_numpy(dtype=float)
            vmax = np.nanmax(sizes_v) if np.isfinite(sizes_v).any() else 0.0
            area = np.where(np.isfinite(sizes_v) & (vmax > 0), smax * sizes_v / (vmax or 1),
                            22.0 * shrink)
            area = np.clip(area, 10.0 * shrink, None)
        else:
            vmax = 0.0
            area = np.full(len(pts), 34.0 * shrink)
        est = (
            pts[estimated].fillna(False).astype(bool).to_numpy()
            if estimated is not None and estimated in pts.columns
            else np.zeros(len(pts), dtype=bool)
        )
        types_arr = np.array(types, dtype=object)

        def draw(ax: Any, which: np.ndarray, where: np.ndarray, areas: np.ndarray) -> None:
            """The symbols of the points ``which`` at ``where`` (areas in pt²)."""
            order = np.argsort(-areas, kind="stable")  # big symbols first, small ones on top
            for t, st in style.items():
                for hollow in (False, True):
                    sel = order[(types_arr[which][order] == t) & (est[which][order] == hollow)]
                    if sel.size == 0:
                        continue
                    ax.scatter(
                        where[sel, 0], where[sel, 1], s=areas[sel], marker=st["marker"],
                        facecolors=("none" if crowded else "white") if hollow else st["color"],
                        edgecolors=st["color"] if hollow else "#1a1a1a",
                        linewidths=1.3 if hollow else 0.5, zorder=7, alpha=0.95,
                    )

        x0, x1 = axm.get_xlim()
        zoom = [] if crowded else pile_to_zoom(
            xy_raw, 0.62 * np.sqrt(area) * points_per_unit(axm), x1 - x0)
        rest = np.setdiff1d(np.arange(len(pts)), zoom)
        xy = xy_raw.copy()
        if not crowded:
            xy[rest] = spread_symbols(axm, xy_raw[rest], area[rest])
        draw(axm, rest, xy[rest], area[rest])
        if zoom:
            place = pile_name(pts, zoom)
            count_symbol(axm, xy_raw[zoom].mean(axis=0), len(zoom))
            draw_zoom(axm, zoom, xy_raw, area, base=base_m, outline=outline,
                      title=f"{place} : {len(zoom)} structures",
                      draw=lambda ax, which, where, areas: draw(
                          ax, np.asarray(zoom)[which], where, areas))

        scale_bar(axm, layout.extent)
        north_arrow(axm, crs, layout.extent)
        lab = label_points(base_m, labels, label_column, default_n=6) if base_m is not None else []
        place_labels(axm, lab, context_spots=spots, reserved_axes_fraction=reserved(axm),
                     dot_zorder=6)

        sized = size is not None and vmax > 0
        handles, texts = points_legend(
            style, {t: types.count(t) for t in style}, size_label=size_label,
            vmax=vmax if sized else 0.0, smax=smax, n_estimated=int(est.sum()) if sized else 0,
            n_unsized=int((~np.isfinite(sizes_v)).sum()) if sized else 0,
        )
        if n_others:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], linestyle="", marker="o", markersize=4,
                                  markerfacecolor=OTHERS_COLOR, markeredgecolor="#6f6f6f"))
            texts.append(f"SIAE voisines, hors du territoire ({n_others})")
        notes = []
        if crowded:
            notes.append("Structures dessinées à leur position : trop nombreuses à cette "
                         "échelle pour être écartées les unes des autres.")
        if np.any(xy[rest] != xy_raw[rest]):
            notes.append("Structures proches disposées autour de leur position commune (point "
                         "noir), pour qu'aucune n'en cache une autre.")
        if zoom:
            notes.append(f"Le cercle numéroté regroupe {len(zoom)} structures ({place}), "
                         "détaillées dans l'encadré (symboles réduits).")
        note = " ".join(notes) or None
        draw_legend(layout, handles, texts, f"Type de structure ({len(pts)} au total)", note)
        source_text(layout, full_source)
    layout.fig.coodiag_style = ("points", by, style)  # the GeoPackage's QGIS style
    return layout.fig


def pile_name(pts: gpd.GeoDataFrame, idx: list[int]) -> str:
    """The commune most of the piled points ``idx`` are in (column ``commune``)."""
    if "commune" not in pts.columns:
        return "Détail"
    names = pts["commune"].iloc[list(idx)].dropna().astype(str)
    if not len(names):
        return "Détail"
    main = names.mode().iloc[0]
    return main if names.nunique() == 1 else f"{main} et alentours"
