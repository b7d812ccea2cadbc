"""What every static map draws around its data: the frame, the sea and the neighbours, the
outline of the study area, the names of places, the SIAE over an area map.

Shared by :mod:`coodiag.outputs.maps` (areas) and :mod:`coodiag.outputs.pointmaps` (points).

- **Sea and land**: the frame is filled with a pale blue (the sea), the neighbouring
  territories are drawn in grey over it, the study area in its own colours: the three never
  look alike.
- **Names**: the main towns of ``towns`` (most populous first, see
  :mod:`coodiag.outputs.labels`) on maps of communes; every unit's name on maps of larger
  units (EPCI, zones d'emploi), the largest first, collision-free.
- **SIAE over an area map** (:func:`overlay_points`): small symbols by type, spread around
  their position when several share it, counted in the legend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from coodiag.outputs.captions import geometry_credit
from coodiag.outputs.furniture import (
    Layout,
    north_arrow,
    scale_bar,
    setup_figure,
    wrap,
)
from coodiag.outputs.geometry import spread, study_outline
from coodiag.outputs.insets import locator, reserved
from coodiag.outputs.labels import draw_context, label_points, place_labels
from coodiag.outputs.palettes import (
    NODATA_COLOR,
    NODATA_HATCH,
    NODATA_HATCH_COLOR,
    OUTLINE_COLOR,
    SEA_COLOR,
    siae_style,
)
from coodiag.outputs.polygons import draw_paths, layer_tolerance, leaders, polygon_paths

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Most units named on a map of EPCI or zones d'emploi (all of them below that).
MAX_UNIT_NAMES = 40
#: Area (points²) of the SIAE symbols drawn over an area map.
OVERLAY_SIZE = 30.0


def credits_line(source: str, units: gpd.GeoDataFrame | None, credits: str | None) -> str:
    """The full source line: data source, geometry source, author of the map."""
    geo = geometry_credit(units) if units is not None else ""
    return " · ".join(p for p in (source, geo, credits or "Carte : coodiag") if p)


def frame(
    data: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None, context: gpd.GeoDataFrame | None,
    *, ax: Axes | None, title: str, subtitle: str | None, source: str, n_legend_rows: int,
    towns: gpd.GeoDataFrame | None = None,
) -> tuple[Layout, Any, list[tuple[float, float, str]]]:
    """The figure around ``data`` (or ``units``), the outline of ``units`` (the study area),
    the sea and the neighbours around it (with the places of their names), the locator inset
    (away from the main towns of ``towns``, or of ``units``)."""
    from matplotlib.patches import Rectangle

    has_units = units is not None and len(units)
    layout = setup_figure(
        (units if has_units else data).total_bounds, ax=ax, title=title,
        subtitle=subtitle or "", source=source, n_legend_rows=n_legend_rows,
    )
    x0, x1, y0, y1 = layout.extent
    if context is not None and len(context):  # without neighbours, no way to tell the sea
        layout.ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=SEA_COLOR,
                                      edgecolor="none", zorder=0))
    outline = study_outline(units) if has_units else None
    spots = draw_context(layout.ax, context, outline, layout.extent, data.crs)
    if layout.own_figure and context is not None and len(context):
        ctx = context.to_crs(data.crs) if context.crs != data.crs else context
        places = towns if towns is not None else units
        if places is not None and places.crs != data.crs:
            places = places.to_crs(data.crs)
        main = label_points(places, 4, "nom") if places is not None else []
        locator(layout.ax, ctx, outline, main)
    return layout, outline, spots


#: Usual abbreviations of the kinds of EPCI in the names written on maps.
EPCI_ABBREVIATIONS = (
    ("Communauté d'agglomération", "CA"),
    ("Communauté de communes", "CC"),
    ("Communauté urbaine", "CU"),
)


def short_name(name: str, width: int = 22) -> str:
    """A unit's name as written on a map: EPCI kinds abbreviated (« CA du Cotentin »), on two
    lines at most when long."""
    for long, short in EPCI_ABBREVIATIONS:
        if name.lower().startswith(long.lower()):
            name = short + name[len(long):]
            break
    lines = wrap(name, width)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return "\n".join(lines)


def unit_names(data: gpd.GeoDataFrame, label_column: str) -> list[tuple[float, float, str]]:
    """``(x, y, name)`` of every unit of a map of EPCI or zones, the largest first."""
    if label_column not in data.columns or not 0 < len(data) <= MAX_UNIT_NAMES:
        return []
    order = data.geometry.area.sort_values(ascending=False, kind="stable").index
    ranked = data.loc[order]
    pts = ranked.geometry.representative_point()
    return [(p.x, p.y, short_name(n)) for p, n in zip(pts, ranked[label_column], strict=True)
            if isinstance(n, str) and n]


def finish_areas(
    axm: Axes, data: gpd.GeoDataFrame, layout: Layout, outline: Any, spots: Any, labels: Any,
    label_column: str, *, towns: gpd.GeoDataFrame | None = None, level: str = "communes",
    paths: list | None = None,
) -> None:
    """Unit borders, study outline, scale bar, north arrow and names of an area map: the main
    towns of ``towns`` (or of ``data``) on a map of communes, the units' names otherwise.
    ``paths``: the units already as paths (:func:`drawn_paths`), made here otherwise."""
    if paths is None:
        paths = drawn_paths(axm, data)
    draw_paths(axm, paths, edgecolor="white", linewidth=0.3 if len(data) > 150 else 0.5,
               zorder=3)
    # (not GeoSeries.plot: geopandas redraws the whole figure after each plot, 0.5 s for
    # the communes of France)
    draw_paths(axm, polygon_paths([outline]), edgecolor=OUTLINE_COLOR, linewidth=0.9, zorder=5,
               rasterized=False)
    scale_bar(axm, layout.extent)
    north_arrow(axm, data.crs, layout.extent)
    if level != "communes" and labels is None:
        pts = unit_names(data, label_column)
        place_labels(axm, pts, context_spots=spots, reserved_axes_fraction=reserved(axm),
                     dots=False)
        return
    source = data
    if towns is not None and labels is not False:
        source = towns.to_crs(data.crs) if towns.crs != data.crs else towns
    pts = label_points(source, labels, label_column)
    place_labels(axm, pts, context_spots=spots, reserved_axes_fraction=reserved(axm))


def drawn_paths(ax: Axes, data: gpd.GeoDataFrame) -> list:
    """The units of ``data`` as paths to draw on ``ax`` (simplified below a pixel when the
    layer is large: :mod:`coodiag.outputs.polygons`)."""
    geoms = np.asarray(data.geometry.array, dtype=object)
    return polygon_paths(geoms, layer_tolerance(ax, geoms))


def plot_nodata(ax: Axes, gdf: gpd.GeoDataFrame, paths: list | None = None) -> None:
    """The units without a value (or secret), hatched in grey (``paths``: already drawn)."""
    if paths is None:
        paths = drawn_paths(ax, gdf)
    draw_paths(ax, paths, facecolor=NODATA_COLOR, edgecolor=NODATA_HATCH_COLOR,
               hatch=NODATA_HATCH, linewidth=0, zorder=2)


def patch(color: str | None) -> Any:
    """A legend swatch of ``color``, or of the hatched grey class (``None``)."""
    from matplotlib.patches import Patch

    if color is None:
        return Patch(facecolor=NODATA_COLOR, edgecolor=NODATA_HATCH_COLOR, hatch=NODATA_HATCH,
                     linewidth=0.4)
    return Patch(facecolor=color, edgecolor="#9a9a9a", linewidth=0.4)


def points_per_unit(ax: Axes) -> float:
    """Map units (metres) per typographic point on ``ax``."""
    ax.apply_aspect()  # the box as drawn (equal aspect)
    x0, x1 = ax.get_xlim()
    width_in = ax.get_position(original=False).width * ax.figure.get_size_inches()[0]
    return (x1 - x0) / max(width_in * 72.0, 1.0)


def spread_symbols(ax: Axes, xy: np.ndarray, areas: np.ndarray, zorder: float = 6.5) -> np.ndarray:
    """Positions of symbols of ``areas`` (points²) at ``xy``: those sharing a position are set
    around it, touching but not overlapping, with a thin line back to it and a dot on it."""
    # half the side of the marker's box, plus room for triangles, diamonds and edges
    radii = 0.62 * np.sqrt(np.asarray(areas, dtype=float)) * points_per_unit(ax)
    out, moved = spread(xy, radii)
    leaders(ax, xy[moved], out[moved], linewidth=0.5, zorder=zorder)
    if moved.any():
        centres = np.unique(np.round(xy[moved], 6), axis=0)
        ax.scatter(centres[:, 0], centres[:, 1], s=6, color="#1a1a1a", zorder=zorder + 0.1,
                   linewidths=0)
    return out


def overlay_points(
    ax: Axes, points: gpd.GeoDataFrame | None, crs: Any, *, by: str = "type_siae"
) -> tuple[list, list[str]]:
    """The SIAE of ``points`` over an area map, one small symbol by type; returns the legend
    entries (a heading with the total, then each type with its count)."""
    from matplotlib.lines import Line2D

    if points is None or not len(points) or by not in points.columns:
        return [], []
    pts = points.to_crs(crs) if points.crs != crs else points
    types = np.array([str(t) for t in pts[by].fillna("autre")], dtype=object)
    style = siae_style(list(types))
    xy = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
    xy = spread_symbols(ax, xy, np.full(len(pts), OVERLAY_SIZE), zorder=7.5)
    handles: list = [Line2D([], [], linestyle="", marker="")]
    texts = [f"Structures d'insertion ({len(pts)})"]
    for t, st in style.items():
        sel = types == t
        ax.scatter(xy[sel, 0], xy[sel, 1], s=OVERLAY_SIZE, marker=st["marker"],
                   facecolors=st["color"], edgecolors="#1a1a1a", linewidths=0.6, zorder=8)
        handles.append(Line2D([], [], linestyle="", marker=st["marker"], markersize=5.5,
                              markerfacecolor=st["color"], markeredgecolor="#1a1a1a",
                              markeredgewidth=0.6))
        texts.append(f"{t} ({int(sel.sum())})")
    return handles, texts


def legend_rows(points: gpd.GeoDataFrame | None, by: str = "type_siae") -> int:
    """Rows the SIAE of :func:`overlay_points` add to a legend."""
    if points is None or not len(points) or by not in points.columns:
        return 0
    return 1 + points[by].fillna("autre").nunique()

