"""Zoom insets of the point maps: where SIAE pile up (Cherbourg, Toulon, Marseille, Paris),
the map shows one symbol with their number, and an inset in a free corner shows them one by
one around their positions, over the communes, at a larger scale.

- :func:`pile_to_zoom`: the largest pile of symbols (:func:`coodiag.outputs.geometry.piles`)
  whose spread would cover more than :data:`MIN_SHARE` of the map width;
- :func:`free_corner`: the corner of the map where an inset hides the least of the territory
  (the scale bar and the north arrow count as taken);
- :func:`draw_zoom`: the inset itself (symbols reduced so that the pile fits in it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from coodiag import fr
from coodiag.outputs.furniture import RESERVED, halo_text
from coodiag.outputs.geometry import piles, spread
from coodiag.outputs.polygons import draw_paths, draw_polygons, leaders, polygon_paths

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Fewest symbols of a pile worth an inset; share of the map width its spread must exceed.
MIN_PILE = 6
MIN_SHARE = 0.07
#: Side of an inset, as a share of the map's smaller side.
INSET_SIDE = 0.36


def pile_to_zoom(xy: np.ndarray, radii: np.ndarray, map_width: float) -> list[int]:
    """Indices of the largest pile worth a zoom inset (empty list: none)."""
    groups = [g for g in piles(xy, radii) if len(g) >= MIN_PILE]
    if not groups:
        return []
    best = max(groups, key=lambda g: (len(g), -min(g)))
    out, _ = spread(xy[best], radii[best])
    extent = float(np.ptp(out[:, 0]) + 2 * radii[best].max())
    return best if extent > MIN_SHARE * map_width else []


def free_corner(
    ax: Axes, outline: Any, side: float, avoid: Any = ()
) -> tuple[float, float, float, float]:
    """``(x0, y0, w, h)`` in axes fraction of the corner square hiding the least of
    ``outline``; lower left (scale bar) and upper right (north arrow) only if needed, never a
    corner another inset took (listed in ``ax.coodiag_corners``); a corner over a place of
    ``avoid`` (``(x, y, name)``: the main towns) only if no other is free."""
    taken = getattr(ax, "coodiag_corners", [])
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bbox = ax.get_window_extent()
    w, h = (side, side * bbox.width / bbox.height) if bbox.width > bbox.height else (
        side * bbox.height / bbox.width, side)
    corners = {  # (fx, fy), penalty
        (0.0, 1.0 - h): 0.0, (1.0 - w, 0.0): 0.0, (0.0, 0.0): 0.5, (1.0 - w, 1.0 - h): 0.5,
    }
    best, score = None, math.inf
    for (fx, fy), penalty in corners.items():
        if (fx < 0.5, fy < 0.5) in taken:
            continue
        box = shapely.box(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0),
                          x0 + (fx + w) * (x1 - x0), y0 + (fy + h) * (y1 - y0))
        hidden = outline.intersection(box).area / box.area if outline is not None else 0.0
        hidden += sum(1.0 for x, y, *_ in avoid if box.contains(shapely.Point(x, y)))
        if hidden + penalty < score:
            best, score = (fx, fy, w, h), hidden + penalty
    if best is not None:
        ax.coodiag_corners = [*taken, (best[0] < 0.5, best[1] < 0.5)]
        fx, fy, w, h = best
        ax.coodiag_boxes = [*getattr(ax, "coodiag_boxes", []), (fx, fy, fx + w, fy + h)]
    return best


def reserved(ax: Axes) -> list[tuple[float, float, float, float]]:
    """Axes-fraction boxes kept free of names: the scale bar, the north arrow, the insets."""
    return [*RESERVED, *getattr(ax, "coodiag_boxes", [])]


def draw_zoom(
    ax: Axes,
    idx: list[int],
    xy: np.ndarray,
    areas: np.ndarray,
    *,
    base: gpd.GeoDataFrame | None,
    outline: Any,
    title: str,
    draw: Callable[[Axes, np.ndarray, np.ndarray, np.ndarray], None],
) -> Axes:
    """The inset of the pile ``idx`` of ``xy`` (symbol areas ``areas``, pt²) in the freest
    corner of ``ax``; ``draw(ax, indices, positions, areas)`` draws the symbols."""
    from matplotlib.patches import Rectangle

    fx, fy, w, h = free_corner(ax, outline, INSET_SIDE) or (0.0, 0.0, 0.3, 0.3)
    inset = ax.inset_axes((fx + 0.01, fy + 0.01, w - 0.02, h - 0.02))
    pts = xy[idx]
    centre = pts.mean(axis=0)
    half = max(2500.0, 1.8 * float(np.abs(pts - centre).max()))
    bbox = inset.get_window_extent()
    half_x = half * max(1.0, bbox.width / max(bbox.height, 1.0))
    half_y = half * max(1.0, bbox.height / max(bbox.width, 1.0))
    inset.set_xlim(centre[0] - half_x, centre[0] + half_x)
    inset.set_ylim(centre[1] - half_y, centre[1] + half_y)
    inset.set_aspect("equal", adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#3a3a3a")
        spine.set_linewidth(0.8)
    inset.set_zorder(20)
    if base is not None and len(base):
        frame = shapely.box(centre[0] - half_x, centre[1] - half_y,
                            centre[0] + half_x, centre[1] + half_y)
        near = base[base.intersects(frame)]
        draw_polygons(inset, near.geometry, facecolor="#f7f6f2", edgecolor="#bdbdbd",
                      linewidth=0.5, zorder=1)
    # symbols reduced so that the whole pile fits in the inset
    side_pt = min(bbox.width, bbox.height) * 72.0 / ax.figure.dpi
    n = len(idx)
    r_max = 0.62 * math.sqrt(float(areas[idx].max()))
    fit_r = 0.42 * side_pt / (1.45 * math.sqrt(n + 0.5) + 1.0)
    shrink = min(1.0, fit_r / r_max) ** 2
    small = areas[idx] * shrink
    unit_per_pt = 2 * half_x / max(bbox.width * 72.0 / ax.figure.dpi, 1.0)
    out, _ = spread(pts, 0.62 * np.sqrt(small) * unit_per_pt)
    leaders(inset, pts, out, linewidth=0.4, zorder=3, capstyle="projecting")
    inset.scatter(pts[:, 0], pts[:, 1], s=5, color="#1a1a1a", zorder=4, linewidths=0)
    draw(inset, np.arange(n), out, small)
    halo_text(inset, (0.03, 0.97), title, transform=inset.transAxes, ha="left", va="top",
              fontsize=7, fontweight="bold", color="#1a1a1a", zorder=30)
    # where the inset is, on the map
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    pad = 0.01 * (ax.get_xlim()[1] - ax.get_xlim()[0])
    ax.add_patch(Rectangle((x0 - pad, y0 - pad), x1 - x0 + 2 * pad, y1 - y0 + 2 * pad,
                           facecolor="none", edgecolor="#1a1a1a", linewidth=0.8, zorder=8))
    return inset


def count_symbol(ax: Axes, xy: np.ndarray, n: int) -> None:
    """One symbol with the number ``n`` of the structures piled at ``xy`` (shown in an inset)."""
    ax.scatter([xy[0]], [xy[1]], s=260, marker="o", facecolors="white", edgecolors="#1a1a1a",
               linewidths=1.0, zorder=9)
    ax.text(xy[0], xy[1], fr.integer(n), ha="center", va="center", fontsize=7.5,
            fontweight="bold", color="#1a1a1a", zorder=10)


#: The simplified outline of the départements of a context, by its shape (drawn once per map).
FRANCE_CACHE: dict[tuple, Any] = {}


def france_outline(context: gpd.GeoDataFrame) -> Any:
    """The union of the départements of ``context``, simplified for a small locator map."""
    minx, miny, maxx, maxy = context.total_bounds
    key = (len(context), round(minx), round(miny), round(maxx), round(maxy), str(context.crs))
    if key not in FRANCE_CACHE:
        tolerance = (maxx - minx) / 250
        geoms = shapely.simplify(np.asarray(context.geometry.array, dtype=object), tolerance)
        FRANCE_CACHE.clear()  # one context at a time: no growth in a long session
        FRANCE_CACHE[key] = shapely.simplify(
            shapely.union_all(shapely.buffer(geoms, tolerance / 2)), tolerance)
    return FRANCE_CACHE[key]


def locator(
    ax: Axes, context: gpd.GeoDataFrame | None, outline: Any, avoid: Any = ()
) -> Axes | None:
    """A small map of France (the départements of ``context``) with the territory in red, in a
    free corner of ``ax``; none when the map already shows a large part of France."""
    if context is None or len(context) < 30 or outline is None or outline.is_empty:
        return None
    x0, x1 = ax.get_xlim()
    minx, miny, maxx, maxy = context.total_bounds
    if maxx - minx < 3 * (x1 - x0):
        return None
    fx, fy, w, h = free_corner(ax, outline, 0.2, avoid) or (0.0, 0.0, 0.2, 0.2)
    inset = ax.inset_axes((fx + 0.01, fy + 0.01, w - 0.02, h - 0.02))
    inset.set_zorder(20)
    draw_paths(inset, polygon_paths([france_outline(context)]), facecolor="#d4d4d4",
               edgecolor="#b0b0b0", linewidth=0.3, zorder=1, rasterized=False)
    draw_paths(inset, polygon_paths([outline]), facecolor="#c0392b", edgecolor="#c0392b",
               linewidth=0.6, zorder=1, rasterized=False)
    c = outline.centroid
    inset.scatter([c.x], [c.y], s=70, facecolors="none", edgecolors="#c0392b", linewidths=1.0)
    inset.set_xlim(minx, maxx)
    inset.set_ylim(miny, maxy)
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_aspect("equal", adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#9a9a9a")
        spine.set_linewidth(0.6)
    return inset
