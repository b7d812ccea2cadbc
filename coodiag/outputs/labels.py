"""Names on the static maps: which units to name, where, and the neighbouring territories.

Labels are placed greedily, most populous unit first, each tried at six positions around its
point (the town hall when the layer has a ``point`` column); a label that would overlap one
already placed, the scale bar or the north arrow (:data:`coodiag.outputs.furniture.RESERVED`)
is left out, with its dot. Neighbouring territories are drawn in grey, named in grey italics
where enough of them is visible.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from coodiag.outputs.furniture import halo_text
from coodiag.outputs.palettes import CONTEXT_COLOR
from coodiag.outputs.polygons import draw_paths, polygon_paths

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Population columns used to pick the communes to label, in order of preference.
POPULATION_COLUMNS = ("pop22", "p22_pop", "p21_pop", "population", "pop")


def population_column(gdf: pd.DataFrame) -> str | None:
    """The population column used to pick the communes to label, if any."""
    for c in POPULATION_COLUMNS:
        if c in gdf.columns and pd.api.types.is_numeric_dtype(gdf[c]):
            return c
    return None


def anchor_points(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Where to put a label: the ``point`` column (town hall) if present, else a point inside."""
    if "point" in gdf.columns:
        pts = gdf["point"]
        if not isinstance(pts, gpd.GeoSeries):
            pts = gpd.GeoSeries(pts, crs=gdf.crs)
        if pts.crs is None:
            pts = pts.set_crs(gdf.crs)
        elif pts.crs != gdf.crs:
            pts = pts.to_crs(gdf.crs)
        rep = gdf.geometry.representative_point()
        return pts.where(~pts.is_empty & pts.notna(), rep)
    return gdf.geometry.representative_point()


def pick_labels(
    gdf: gpd.GeoDataFrame, labels: Any, label_column: str, default_n: int = 8
) -> gpd.GeoDataFrame:
    """Units to label, most populous first: ``labels`` ``None`` or ``True`` = the ``default_n``
    most populous (none without a population column), an int = that many, a list = those names
    or codes, ``False`` = none."""
    if labels is False or (labels is None and population_column(gdf) is None):
        return gdf.iloc[0:0]
    if label_column not in gdf.columns:
        return gdf.iloc[0:0]
    if labels is None or labels is True or isinstance(labels, int):
        n = default_n if labels is None or labels is True else int(labels)
        pop = population_column(gdf)
        if pop is None or n <= 0:
            return gdf.iloc[0:0]
        return gdf[gdf[pop].notna()].sort_values(pop, ascending=False, kind="stable").head(n)
    wanted = [str(v) for v in labels]
    mask = gdf[label_column].astype(str).isin(wanted)
    if "code" in gdf.columns:
        mask |= gdf["code"].astype(str).isin(wanted)
    sub = gdf[mask]
    pop = population_column(sub)
    return sub.sort_values(pop, ascending=False, kind="stable") if pop else sub


def draw_context(
    ax: Axes,
    context: gpd.GeoDataFrame | None,
    study: Any,
    extent: tuple[float, float, float, float],
    crs: Any,
    name_column: str = "nom",
) -> list[tuple[float, float, str]]:
    """Neighbouring territories in grey; returns the label positions of the visible ones."""
    if context is None or len(context) == 0:
        return []
    ctx = context.to_crs(crs) if context.crs is not None and context.crs != crs else context
    x0, x1, y0, y1 = extent
    frame = shapely.box(x0, y0, x1, y1)
    ctx = ctx[ctx.intersects(frame)]
    if ctx.empty:
        return []
    clipped = ctx.geometry.intersection(frame)
    draw_paths(ax, polygon_paths(clipped.array), facecolor=CONTEXT_COLOR, edgecolor="white",
               linewidth=0.9, zorder=1, rasterized=False)
    spots = []
    if name_column in ctx.columns:
        min_area = 0.02 * frame.area
        for name, geom in zip(ctx[name_column], clipped, strict=True):
            try:
                visible = geom.difference(study) if study is not None else geom
            except shapely.errors.GEOSException:  # a not quite valid outline
                visible = shapely.make_valid(geom).difference(shapely.make_valid(study))
            if visible.is_empty or visible.area < min_area:
                continue
            parts = getattr(visible, "geoms", [visible])
            part = max(parts, key=lambda g: g.area)
            if part.area < min_area:
                continue
            p = shapely.maximum_inscribed_circle(part, tolerance=0.01 * math.sqrt(part.area))
            c = shapely.get_point(p, 0)
            spots.append((c.x, c.y, str(name)))
    return spots


def place_labels(
    ax: Axes,
    points: list[tuple[float, float, str]],
    *,
    context_spots: list[tuple[float, float, str]],
    reserved_axes_fraction: list[tuple[float, float, float, float]],
    dot_zorder: float = 11,
    dots: bool = True,
) -> list[str]:
    """Greedy label placement with a halo; labels that would overlap are left out.

    ``dots``: a dot on each place, the name beside it (towns); without, the name centred on
    the point, or just beside it (names of areas: EPCI, zones d'emploi)."""
    fig = ax.figure
    try:
        renderer = fig.canvas.get_renderer()
    except AttributeError:  # pragma: no cover - exotic backends
        renderer = None
    ax_box = ax.get_window_extent(renderer) if renderer is not None else None
    placed = []
    if ax_box is not None:
        from matplotlib.transforms import Bbox

        for fx0, fy0, fx1, fy1 in reserved_axes_fraction:
            placed.append(
                Bbox.from_extents(
                    ax_box.x0 + fx0 * ax_box.width,
                    ax_box.y0 + fy0 * ax_box.height,
                    ax_box.x0 + fx1 * ax_box.width,
                    ax_box.y0 + fy1 * ax_box.height,
                )
            )

    def fits(text) -> bool:
        if renderer is None:
            return True
        bb = text.get_window_extent(renderer).expanded(1.04, 1.08)
        inside = (
            ax_box.x0 <= bb.x0 and bb.x1 <= ax_box.x1 and ax_box.y0 <= bb.y0 and bb.y1 <= ax_box.y1
        )
        if not inside or any(bb.overlaps(o) for o in placed):
            return False
        placed.append(bb)
        return True

    for x, y, name in context_spots:
        h, t = halo_text(
            ax,
            (x, y),
            name,
            halo=2.0,
            fontsize=7.5,
            style="italic",
            color="#8a8a8a",
            ha="center",
            va="center",
            zorder=4,
        )
        if not fits(t):
            h.remove()
            t.remove()
    shown = []
    offsets = [
        (4, 2, "left", "bottom"),
        (-4, 2, "right", "bottom"),
        (4, -2, "left", "top"),
        (-4, -2, "right", "top"),
        (0, 5, "center", "bottom"),
        (0, -5, "center", "top"),
    ]
    if not dots:
        offsets = [(0, 0, "center", "center"), (0, 7, "center", "bottom"),
                   (0, -7, "center", "top")]
    for i, (x, y, name) in enumerate(points):
        big = i == 0 and dots
        (dot,) = ax.plot(
            [x],
            [y],
            marker="o",
            markersize=3.2 if big else 2.6,
            color="#1a1a1a",
            markeredgecolor="white",
            markeredgewidth=0.6,
            zorder=dot_zorder,
            linestyle="",
            visible=dots,
        )
        for dx, dy, ha, va in offsets:
            h, t = halo_text(
                ax,
                (x, y),
                name,
                annotate=True,
                halo=2.6,
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=8.5 if big else (7.5 if dots else 7),
                fontweight="bold" if big else "normal",
                style="normal" if dots else "italic",
                color="#1a1a1a",
                zorder=12,
                annotation_clip=False,
            )
            if fits(t):
                shown.append(name)
                break
            h.remove()
            t.remove()
        else:
            dot.remove()
    return shown


def label_points(
    gdf: gpd.GeoDataFrame, labels: Any, label_column: str, default_n: int = 8
) -> list[tuple[float, float, str]]:
    """``(x, y, name)`` of the units to name (see :func:`pick_labels`), for :func:`place_labels`."""
    chosen = pick_labels(gdf, labels, label_column, default_n)
    anchors = anchor_points(chosen) if len(chosen) else []
    return [(p.x, p.y, str(n)) for p, n in zip(anchors, chosen.get(label_column, []), strict=False)]
