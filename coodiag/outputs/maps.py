"""Static maps for the PDF atlas: choropleths and SIAE point maps (matplotlib, geopandas).

Every map is meant to be pasted as it is into a strategy document: a title, a legend naming
the classification method with the number of units in each class, a class for the missing and
secret values, a scale bar, a north arrow, the source line (source, vintage, unit and
denominator), the names of the main communes and the neighbouring territories in grey. No
basemap tiles: nothing is fetched from the network.

Choices
-------
- **Classification** (:func:`classify`, shared with :mod:`coodiag.outputs.webmap` so the static
  and the interactive maps show the same classes): quantiles, equal intervals, standard
  deviations and head/tail breaks come from ``mapclassify``; natural breaks are an exact
  Fisher-Jenks written here with NumPy (``mapclassify.FisherJenks`` needs numba to be usable:
  23 s for 4 000 values without it). Above :data:`JENKS_MAX_SAMPLE` values, Jenks runs on
  evenly spaced quantiles of the data (deterministic, unlike ``FisherJenksSampled``).
- **Counts of people** (indicator unit ``personnes``, or ``counts=True``): values below the
  secrecy threshold (:mod:`coodiag.secrecy`) are not classified; they join the hatched grey
  "secret" class, so no class bound nor tooltip discloses them.
- **Palettes**: ColorBrewer, colour-blind safe and readable in grey print: ``YlGnBu``
  (sequential, default), ``YlOrRd``, ``Purples``; ``RdBu`` (diverging) when the values take
  both signs, with a class break forced at 0 (red below, blue above). SIAE types use the
  Okabe-Ito palette with one marker shape per type.
- **Scale bar**: drawn here (no ``matplotlib-scalebar`` dependency): a two-segment black and
  white bar whose length is a round number of kilometres close to a fifth of the map width,
  measured in the projected CRS (Lambert-93 in metropolitan France: its scale error stays
  below 0.3 %). The **north arrow** points to true north at the centre of the map (Lambert-93
  grid north differs from it by up to 4 degrees at the edges of France).
- **Typography**: DejaVu Sans (shipped with matplotlib), French number format (decimal comma,
  narrow no-break space between thousands, "−" for negative numbers). SVG files keep their
  text as text (``svg.fonttype = none``) so that it can be edited and searched.
- **Determinism**: no random step, fixed SVG hash salt, no date in the SVG metadata.
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from coodiag.outputs.classify import (  # noqa: F401 - re-exported: maps.classify...
    CONTEXT_COLOR,
    DEFAULT_PALETTE,
    DIVERGING_NEG,
    DIVERGING_POS,
    JENKS_MAX_SAMPLE,
    LEVEL_NAMES,
    MINUS,
    NBSP,
    NODATA_COLOR,
    NODATA_HATCH_COLOR,
    OTHER_COLORS,
    OTHER_MARKERS,
    OUTLINE_COLOR,
    PEOPLE_UNITS,
    POPULATION_COLUMNS,
    RC,
    SCHEME_ALIASES,
    SCHEMES,
    SEQUENTIAL_9,
    SHORT_UNITS,
    SIAE_TYPES,
    TEXT_GREY,
    YLGNBU,
    Classification,
    class_breaks,
    classify,
    decimals_for,
    format_number,
    is_people_count,
    jenks_exact,
    meta_text,
    scheme_key,
    sequential_colors,
    side_colors,
    source_line,
    unit_phrase,
    units_text,
)

# ------------------------------------------------------------------------------------------
# Geometry helpers
# ------------------------------------------------------------------------------------------


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in a metric CRS: unchanged if projected, else Lambert-93 (metropolitan France)
    or the UTM zone of its centre (overseas)."""
    if gdf.crs is None:
        raise ValueError(
            "La couche n'a pas de système de coordonnées (CRS) : impossible de la cartographier."
        )
    if gdf.crs.is_projected:
        return gdf
    minx, miny, maxx, maxy = gdf.total_bounds
    if minx >= -6.0 and maxx <= 10.0 and miny >= 41.0 and maxy <= 51.5:
        return gdf.to_crs(2154)
    return gdf.to_crs(gdf.estimate_utm_crs())


def population_column(gdf: pd.DataFrame) -> str | None:
    """The population column used to pick the communes to label, if any."""
    for c in POPULATION_COLUMNS:
        if c in gdf.columns and pd.api.types.is_numeric_dtype(gdf[c]):
            return c
    return None


def _anchor_points(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
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


def _pick_labels(
    gdf: gpd.GeoDataFrame, labels: Any, label_column: str, default_n: int = 8
) -> gpd.GeoDataFrame:
    """Units to label, most populous first."""
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


def dodge(points: np.ndarray, radius: float) -> np.ndarray:
    """Spread points sharing the same position on a small circle (deterministic)."""
    out = np.array(points, dtype=float)
    if out.size == 0:
        return out
    keys = [tuple(np.round(p, 6)) for p in out]
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    for idx in groups.values():
        if len(idx) < 2:
            continue
        r = radius * (1 + 0.15 * (len(idx) - 2))
        for j, i in enumerate(idx):
            a = math.pi / 2 + 2 * math.pi * j / len(idx)
            out[i, 0] += r * math.cos(a)
            out[i, 1] += r * math.sin(a)
    return out


# ------------------------------------------------------------------------------------------
# Figure layout and map furniture (matplotlib imported lazily)
# ------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    fig: Figure
    ax: Axes
    extent: tuple[float, float, float, float]
    legend_anchor: tuple[float, float] | None  # figure fraction, upper left of the legend
    legend_ncol: int
    source_xy: tuple[float, float] | None
    source_width: int  # characters per line of the source text
    own_figure: bool


def _extent(bounds: np.ndarray, pad: float = 0.04) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    return (minx - pad * dx, maxx + pad * dx, miny - pad * dy, maxy + pad * dy)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


def _setup(
    bounds: np.ndarray,
    *,
    ax: Axes | None,
    title: str,
    subtitle: str,
    source: str,
    n_legend_rows: int,
) -> _Layout:
    from matplotlib.figure import Figure

    extent = _extent(bounds)
    x0, x1, y0, y1 = extent
    aspect = (x1 - x0) / (y1 - y0)
    if ax is not None:
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_axis_off()
        if title:
            ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
        return _Layout(ax.figure, ax, extent, None, 1, None, 110, False)

    fig_w, margin = 8.0, 0.3
    title_lines = _wrap(title, 68) if title else []
    top = 0.25 + 0.27 * len(title_lines) + (0.22 if subtitle else 0.0) + 0.12
    src_width = 150
    bottom = 0.22 + 0.13 * len(_wrap(source, src_width)) if source else 0.25
    if aspect <= 1.3:  # portrait or square: legend on the right
        map_w = 5.0
        map_h = map_w / aspect
        if map_h > 7.6:
            map_h = 7.6
            map_w = map_h * aspect
        legend_h = 0.0
        ncol = 1
    else:  # landscape: legend below the map
        map_w = fig_w - 2 * margin
        map_h = map_w / aspect
        ncol = 2
        legend_h = 0.55 + 0.19 * math.ceil(n_legend_rows / ncol)
    fig_h = top + map_h + legend_h + bottom
    fig = Figure(figsize=(fig_w, fig_h), facecolor="white")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    map_bottom = bottom + legend_h
    ax = fig.add_axes((margin / fig_w, map_bottom / fig_h, map_w / fig_w, map_h / fig_h))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    y = fig_h - 0.25
    for line in title_lines:
        fig.text(
            margin / fig_w,
            y / fig_h,
            line,
            fontsize=14,
            fontweight="bold",
            va="top",
            color="#1a1a1a",
        )
        y -= 0.27
    if subtitle:
        fig.text(
            margin / fig_w, (y - 0.02) / fig_h, subtitle, fontsize=9.5, va="top", color=TEXT_GREY
        )
    if legend_h:
        anchor = (margin / fig_w, (bottom + legend_h - 0.12) / fig_h)
    else:
        anchor = ((margin + map_w + 0.25) / fig_w, (map_bottom + map_h) / fig_h)
    return _Layout(fig, ax, extent, anchor, ncol, (margin / fig_w, 0.14 / fig_h), src_width, True)


def _halo_text(
    ax: Axes,
    xy: tuple[float, float],
    text: str,
    *,
    halo: float = 2.6,
    annotate: bool = False,
    **kwargs: Any,
) -> tuple[Any, Any]:
    """A text over a white halo. The halo is a separate white copy stroked with a path effect,
    so that the text itself stays a real ``<text>`` in SVG files (editable, searchable).
    Returns ``(halo, text)``."""
    from matplotlib import patheffects

    zorder = kwargs.pop("zorder", 10)
    halo_kwargs = dict(kwargs, color="white", zorder=zorder - 0.01)
    halo_kwargs["path_effects"] = [patheffects.Stroke(linewidth=halo, foreground="white")]
    if annotate:
        back = ax.annotate(text, xy, **halo_kwargs)
        front = ax.annotate(text, xy, zorder=zorder, **kwargs)
    else:
        back = ax.text(*xy, text, **halo_kwargs)
        front = ax.text(*xy, text, zorder=zorder, **kwargs)
    return back, front


def _nice_length_km(width_m: float) -> float:
    target = width_m / 5.0 / 1000.0
    nice = [0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]
    fitting = [v for v in nice if v <= target]
    return fitting[-1] if fitting else nice[0]


def _km_text(v: float) -> str:
    return format_number(v, 0 if float(v).is_integer() else 1)


def scale_bar(ax: Axes, extent: tuple[float, float, float, float]) -> str:
    """Draw a two-segment scale bar at the lower left; returns its label (e.g. ``"10 km"``)."""
    from matplotlib.patches import Rectangle

    x0, x1, y0, y1 = extent
    dx, dy = x1 - x0, y1 - y0
    km = _nice_length_km(dx)
    length = km * 1000.0
    bx, by = x0 + 0.035 * dx, y0 + 0.035 * dy
    h = max(dx, dy) * 0.009
    for i, color in enumerate(("#222222", "white")):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 2, by),
                length / 2,
                h,
                facecolor=color,
                edgecolor="#222222",
                linewidth=0.6,
                zorder=9,
            )
        )
    label = f"{_km_text(km)}{NBSP}km"
    style = {
        "fontsize": 7,
        "color": "#222222",
        "zorder": 10,
        "va": "bottom",
        "ha": "center",
        "halo": 2.0,
    }
    _halo_text(ax, (bx, by + h * 1.6), "0", **style)
    _halo_text(ax, (bx + length / 2, by + h * 1.6), _km_text(km / 2), **style)
    _halo_text(ax, (bx + length, by + h * 1.6), label, **style)
    return label


def _true_north_angle(crs: Any, extent: tuple[float, float, float, float]) -> float:
    """Angle (radians, clockwise from the grid's up) of true north at the centre of the map."""
    try:
        from pyproj import Transformer

        x0, x1, y0, y1 = extent
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        to_geo = Transformer.from_crs(crs, 4326, always_xy=True)
        to_map = Transformer.from_crs(4326, crs, always_xy=True)
        lon, lat = to_geo.transform(cx, cy)
        nx, ny = to_map.transform(lon, lat + 0.1)
        return math.atan2(nx - cx, ny - cy)
    except Exception:  # pragma: no cover - unusual CRS
        return 0.0


def north_arrow(ax: Axes, crs: Any, extent: tuple[float, float, float, float]) -> None:
    """A north arrow at the upper right of the map, pointing to true north."""
    a = _true_north_angle(crs, extent)
    tip = (0.95, 0.93)
    length = 24.0
    ax.annotate(
        "",
        xy=tip,
        xycoords="axes fraction",
        xytext=(-length * math.sin(a), -length * math.cos(a)),
        textcoords="offset points",
        arrowprops={
            "arrowstyle": "-|>,head_length=0.7,head_width=0.32",
            "color": "#222222",
            "lw": 1.3,
            "shrinkA": 0,
            "shrinkB": 0,
        },
        zorder=10,
    )
    _halo_text(
        ax,
        tip,
        "N",
        annotate=True,
        halo=2.0,
        xycoords="axes fraction",
        textcoords="offset points",
        xytext=(8 * math.sin(a), 8 * math.cos(a)),
        ha="center",
        va="center",
        fontsize=8.5,
        fontweight="bold",
        color="#222222",
        zorder=10,
    )


def _draw_context(
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
    gpd.GeoSeries(clipped, crs=crs).plot(
        ax=ax, facecolor=CONTEXT_COLOR, edgecolor="white", linewidth=0.9, zorder=1
    )
    spots = []
    if name_column in ctx.columns:
        min_area = 0.02 * frame.area
        for name, geom in zip(ctx[name_column], clipped, strict=True):
            visible = geom.difference(study) if study is not None else geom
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


def _place_labels(
    ax: Axes,
    points: list[tuple[float, float, str]],
    *,
    context_spots: list[tuple[float, float, str]],
    reserved_axes_fraction: list[tuple[float, float, float, float]],
    dot_zorder: float = 11,
) -> list[str]:
    """Greedy label placement with a halo; labels that would overlap are left out."""
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
        h, t = _halo_text(
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
    for i, (x, y, name) in enumerate(points):
        big = i == 0
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
        )
        for dx, dy, ha, va in offsets:
            h, t = _halo_text(
                ax,
                (x, y),
                name,
                annotate=True,
                halo=2.6,
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=8.5 if big else 7.5,
                fontweight="bold" if big else "normal",
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


def _reserved() -> list[tuple[float, float, float, float]]:
    """Axes-fraction boxes kept free of labels: the scale bar and the north arrow."""
    return [(0.0, 0.0, 0.36, 0.1), (0.88, 0.82, 1.0, 1.0)]


def _source_text(layout: _Layout, text: str) -> None:
    if not text:
        return
    lines = "\n".join(_wrap(text, layout.source_width))
    if layout.source_xy is not None:
        layout.fig.text(
            *layout.source_xy,
            lines,
            fontsize=6.5,
            color=TEXT_GREY,
            va="bottom",
            ha="left",
            linespacing=1.35,
        )
    else:
        layout.ax.text(
            0.0,
            -0.01,
            lines,
            transform=layout.ax.transAxes,
            fontsize=6,
            color=TEXT_GREY,
            va="top",
            ha="left",
        )


def _legend(
    layout: _Layout, handles: list, labels: list[str], title: str, note: str | None
) -> None:
    kwargs = {
        "frameon": False,
        "fontsize": 7.5,
        "title_fontsize": 8.2,
        "alignment": "left",
        "handlelength": 1.7,
        "handleheight": 1.15,
        "labelspacing": 0.5,
        "borderaxespad": 0.0,
        "borderpad": 0.0,
    }
    width = 36 if layout.legend_ncol == 1 else 90
    wrapped_title = "\n".join(_wrap(title, width))
    labels = ["\n".join(_wrap(text, width + 4)) for text in labels]
    if note:
        note = "\n".join(_wrap(note, width + 12))
    if layout.legend_anchor is not None:
        leg = layout.fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=layout.legend_anchor,
            ncol=layout.legend_ncol,
            title=wrapped_title,
            **kwargs,
        )
    else:
        kwargs.update(frameon=True, borderpad=0.5)
        leg = layout.ax.legend(handles, labels, loc="lower right", title=wrapped_title, **kwargs)
    leg.get_title().set_fontweight("bold")
    if note:
        layout.ax.annotate(
            note,
            xy=(0, 0),
            xycoords=leg,
            xytext=(0, -8),
            textcoords="offset points",
            va="top",
            ha="left",
            fontsize=6.8,
            color=TEXT_GREY,
            style="italic",
            annotation_clip=False,
        )


def _study_outline(gdf: gpd.GeoDataFrame) -> Any:
    geoms = gdf.geometry.to_numpy()
    try:
        return shapely.coverage_union_all(geoms)
    except Exception:  # pragma: no cover - not a clean coverage
        return shapely.union_all(geoms)


# ------------------------------------------------------------------------------------------
# Public maps
# ------------------------------------------------------------------------------------------


def choropleth(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    meta: Mapping[str, Any] | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    palette: str | Sequence[str] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    context: gpd.GeoDataFrame | None = None,
    labels: Any = None,
    label_column: str = "nom",
    level: str = "communes",
    counts: bool | None = None,
    credits: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A choropleth map of ``gdf[column]`` ready for a document.

    - ``meta``: the indicator's row of ``indicateurs_meta`` (``label, unit, numerator,
      denominator, source, vintage``) as a dict: legend title and source line.
    - ``scheme``/``k``/``bins``/``palette``: see :func:`classify`.
    - ``context``: neighbouring territories drawn in grey (with their names, column ``nom``).
    - ``labels``: ``None`` = the 8 most populous units (column ``pop22``...), an int = that many,
      a list = those names or codes, ``False`` = none.
    - ``level``: names the units in the legend ("communes", "epci", "zones_emploi"...).
    - ``ax``: draw into an existing axes (the legend then goes inside the map).

    Returns the matplotlib Figure (not attached to pyplot: it is garbage collected normally).
    """
    import matplotlib as mpl
    from matplotlib.patches import Patch

    if column not in gdf.columns:
        raise KeyError(f"Colonne absente de la couche : « {column} ».")
    with mpl.rc_context(RC):
        data = to_metric(gdf)
        cl = classify(
            data[column],
            meta=meta,
            scheme=scheme,
            k=k,
            bins=bins,
            palette=palette,
            level=level,
            counts=counts,
        )
        src = source_line(meta, secret=cl.n_secret > 0)
        geo_sources = _geometry_credit(data)
        full_source = " · ".join(p for p in (src, geo_sources, credits or "Carte : coodiag") if p)
        if title is None:
            title = meta_text(meta, "label") or column
            vintage = meta_text(meta, "vintage")
            if vintage and vintage.lower() not in title.lower():
                title = f"{title} — {vintage}"
        layout = _setup(
            data.total_bounds,
            ax=ax,
            title=title,
            subtitle=subtitle or "",
            source=full_source,
            n_legend_rows=cl.k + 1,
        )
        axm = layout.ax
        outline = _study_outline(data)
        spots = _draw_context(axm, context, outline, layout.extent, data.crs)

        classes = cl.classes
        if (classes >= 0).any():
            sub = data[classes >= 0]
            sub.plot(
                ax=axm, color=[cl.colors[c] for c in classes[classes >= 0]], linewidth=0, zorder=2
            )
        if (classes < 0).any():
            data[classes < 0].plot(
                ax=axm,
                facecolor=NODATA_COLOR,
                edgecolor=NODATA_HATCH_COLOR,
                hatch="//////",
                linewidth=0,
                zorder=2,
            )
        _finish_areas(axm, data, layout, outline, spots, labels, label_column)

        handles, texts = [], []
        for c in range(cl.k - 1, -1, -1):  # highest class on top
            handles.append(Patch(facecolor=cl.colors[c], edgecolor="#9a9a9a", linewidth=0.4))
            texts.append(cl.labels[c])
        if cl.n_nodata:
            handles.append(
                Patch(
                    facecolor=NODATA_COLOR,
                    edgecolor=NODATA_HATCH_COLOR,
                    hatch="//////",
                    linewidth=0.4,
                )
            )
            texts.append(cl.nodata_label)
        note = f"Classes : {cl.scheme_label}"
        if cl.diverging:
            note += ", seuil à 0"
        _legend(layout, handles, texts, cl.legend_title or column, note)
        _source_text(layout, full_source)
    fig = layout.fig
    fig.coodiag_classification = cl  # for tests and callers that want the classes
    return fig


#: Colour-blind-safe qualitative palette (Okabe-Ito without black), for classes and types.
QUALITATIVE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
]


def categorical(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    categories: Sequence[str] | Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    meta: Mapping[str, Any] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    context: gpd.GeoDataFrame | None = None,
    labels: Any = None,
    label_column: str = "nom",
    level: str = "communes",
    credits: str | None = None,
) -> Figure:
    """A map of classes (typology classes, coverage classes): one colour per category.

    ``categories``: the order of the legend (a list of values, or a mapping value -> French
    label); by default the sorted values. Colours: ``colors`` or :data:`QUALITATIVE` in order.
    The legend gives the count of units per class; missing values are a grey hatched class.
    """
    import matplotlib as mpl
    from matplotlib.patches import Patch

    if column not in gdf.columns:
        raise KeyError(f"Colonne absente de la couche : « {column} ».")
    values = gdf[column].astype("string")
    if categories is None:
        categories = sorted(values.dropna().unique())
    names = dict(categories) if isinstance(categories, Mapping) else {c: c for c in categories}
    palette = {
        c: (colors or {}).get(c, QUALITATIVE[i % len(QUALITATIVE)]) for i, c in enumerate(names)
    }
    level_names = LEVEL_NAMES.get(level, (level, level))
    with mpl.rc_context(RC):
        data = to_metric(gdf)
        data = data.assign(_cat=values.to_numpy())
        src = source_line(meta)
        full_source = " · ".join(
            p for p in (src, _geometry_credit(data), credits or "Carte : coodiag") if p
        )
        layout = _setup(
            data.total_bounds,
            ax=None,
            title=title or meta_text(meta, "label") or column,
            subtitle=subtitle or "",
            source=full_source,
            n_legend_rows=len(names) + 1,
        )
        axm = layout.ax
        outline = _study_outline(data)
        spots = _draw_context(axm, context, outline, layout.extent, data.crs)
        handles, texts = [], []
        for cat, label in names.items():
            part = data[data["_cat"] == cat]
            if len(part):
                part.plot(ax=axm, color=palette[cat], linewidth=0, zorder=2)
            handles.append(Patch(facecolor=palette[cat], edgecolor="#9a9a9a", linewidth=0.4))
            texts.append(f"{label} ({units_text(len(part), level_names)})")
        missing = data[~data["_cat"].isin(list(names))]
        if len(missing):
            missing.plot(
                ax=axm,
                facecolor=NODATA_COLOR,
                edgecolor=NODATA_HATCH_COLOR,
                hatch="//////",
                linewidth=0,
                zorder=2,
            )
            handles.append(
                Patch(
                    facecolor=NODATA_COLOR,
                    edgecolor=NODATA_HATCH_COLOR,
                    hatch="//////",
                    linewidth=0.4,
                )
            )
            texts.append(f"non disponible ({units_text(len(missing), level_names)})")
        _finish_areas(axm, data, layout, outline, spots, labels, label_column)
        _legend(layout, handles, texts, meta_text(meta, "label") or column, "Classes")
        _source_text(layout, full_source)
    return layout.fig


def _finish_areas(
    axm: Axes,
    data: gpd.GeoDataFrame,
    layout: Any,
    outline: Any,
    spots: Any,
    labels: Any,
    label_column: str,
) -> None:
    """Unit borders, study outline, scale bar, north arrow and commune labels of an area map."""
    data.boundary.plot(ax=axm, color="white", linewidth=0.3 if len(data) > 150 else 0.5, zorder=3)
    gpd.GeoSeries([outline], crs=data.crs).boundary.plot(
        ax=axm, color=OUTLINE_COLOR, linewidth=0.9, zorder=5
    )
    scale_bar(axm, layout.extent)
    north_arrow(axm, data.crs, layout.extent)
    chosen = _pick_labels(data, labels, label_column)
    anchors = _anchor_points(chosen) if len(chosen) else []
    pts = [(p.x, p.y, str(n)) for p, n in zip(anchors, chosen.get(label_column, []), strict=False)]
    _place_labels(axm, pts, context_spots=spots, reserved_axes_fraction=_reserved())


def _geometry_credit(gdf: pd.DataFrame) -> str:
    if "geometry_source" not in gdf.columns:
        return ""
    values = sorted({str(v) for v in gdf["geometry_source"].dropna().unique()})
    if not values:
        return ""
    names = ", ".join("IGN ADMIN EXPRESS" if v.upper() == "ADMIN EXPRESS" else v for v in values)
    return f"Fond : {names}"


def siae_style(types: Sequence[str]) -> dict[str, dict[str, str]]:
    known = [t for t in SIAE_TYPES if t in types]
    others = sorted(t for t in set(types) if t not in SIAE_TYPES)
    style = {t: SIAE_TYPES[t] for t in known}
    for i, t in enumerate(others):
        style[t] = {
            "nom": "",
            "color": OTHER_COLORS[i % len(OTHER_COLORS)],
            "marker": OTHER_MARKERS[i % len(OTHER_MARKERS)],
        }
    return style


def _nice_sizes(vmax: float) -> list[float]:
    """Three round reference values for a size legend, the largest not above ``vmax``."""
    if not vmax or vmax <= 0:
        return []
    exp = 10 ** math.floor(math.log10(vmax))
    top = max(m * exp for m in (1, 2, 5, 10) if m * exp <= vmax)
    values = sorted({top, _round_nice(top / 4), _round_nice(top / 16)})
    return [v for v in values if v > 0]


def _round_nice(v: float) -> float:
    if v <= 0:
        return 0
    exp = 10 ** math.floor(math.log10(v))
    return min((m * exp for m in (1, 2, 5, 10)), key=lambda c: abs(c - v))


def points_map(
    points_gdf: gpd.GeoDataFrame,
    *,
    by: str = "type_siae",
    size: str | None = None,
    estimated: str | None = None,
    size_label: str = "postes",
    base: gpd.GeoDataFrame | None = None,
    context: gpd.GeoDataFrame | None = None,
    meta: Mapping[str, Any] | None = None,
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
    - ``meta``: ``source``/``vintage`` for the source line (default: the ``nom_source`` column).
    """
    import matplotlib as mpl
    from matplotlib.lines import Line2D

    if by not in points_gdf.columns:
        raise KeyError(f"Colonne absente de la couche de points : « {by} ».")
    with mpl.rc_context(RC):
        pts = to_metric(points_gdf)
        crs = pts.crs
        base_m = base.to_crs(crs) if base is not None and base.crs != crs else base
        bounds = base_m.total_bounds if base_m is not None and len(base_m) else pts.total_bounds
        if meta is None and "nom_source" in pts.columns:
            srcs = sorted({str(v) for v in pts["nom_source"].dropna().unique()})[:2]
            meta = {"source": "; ".join(srcs)} if srcs else None
        src = source_line(meta)
        geo = _geometry_credit(base_m) if base_m is not None else ""
        full_source = " · ".join(p for p in (src, geo, credits or "Carte : coodiag") if p)
        title = title or "Structures d'insertion par l'activité économique (SIAE)"
        types = [str(t) for t in pts[by].fillna("autre")]
        style = siae_style(types)
        n_rows = len(style) + (4 if size else 0)
        layout = _setup(
            bounds,
            ax=ax,
            title=title,
            subtitle=subtitle or "",
            source=full_source,
            n_legend_rows=n_rows,
        )
        axm = layout.ax
        outline = _study_outline(base_m) if base_m is not None and len(base_m) else None
        spots = _draw_context(axm, context, outline, layout.extent, crs)
        if base_m is not None and len(base_m):
            base_m.plot(
                ax=axm,
                facecolor="#f7f6f2",
                edgecolor="#cdcdcd",
                linewidth=0.3 if len(base_m) > 150 else 0.5,
                zorder=2,
            )
            gpd.GeoSeries([outline], crs=crs).boundary.plot(
                ax=axm, color=OUTLINE_COLOR, linewidth=0.9, zorder=5
            )

        x0, x1, _, _ = layout.extent
        xy = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
        xy = dodge(xy, radius=0.008 * (x1 - x0))
        sizes_v = None
        smax = 420.0
        if size is not None:
            sizes_v = pd.to_numeric(pts[size], errors="coerce").to_numpy(dtype=float)
            vmax = np.nanmax(sizes_v) if np.isfinite(sizes_v).any() else 0.0
            area = np.where(np.isfinite(sizes_v) & (vmax > 0), smax * sizes_v / (vmax or 1), 22.0)
            area = np.clip(area, 10.0, None)
        else:
            vmax = 0.0
            area = np.full(len(pts), 34.0)
        est = (
            pts[estimated].fillna(False).astype(bool).to_numpy()
            if estimated is not None and estimated in pts.columns
            else np.zeros(len(pts), dtype=bool)
        )
        order = np.argsort(-area, kind="stable")  # big symbols first, small ones on top
        types_arr = np.array(types, dtype=object)
        for t, st in style.items():
            for hollow in (False, True):
                sel = order[(types_arr[order] == t) & (est[order] == hollow)]
                if sel.size == 0:
                    continue
                axm.scatter(
                    xy[sel, 0],
                    xy[sel, 1],
                    s=area[sel],
                    marker=st["marker"],
                    facecolors="white" if hollow else st["color"],
                    edgecolors=st["color"] if hollow else "#1a1a1a",
                    linewidths=1.3 if hollow else 0.5,
                    zorder=7,
                    alpha=0.95,
                )

        scale_bar(axm, layout.extent)
        north_arrow(axm, crs, layout.extent)
        if base_m is not None:
            chosen = _pick_labels(base_m, labels, label_column, default_n=6)
            anchors = _anchor_points(chosen) if len(chosen) else []
            lab = [
                (p.x, p.y, str(n))
                for p, n in zip(anchors, chosen.get(label_column, []), strict=False)
            ]
        else:
            lab = []
        _place_labels(
            axm, lab, context_spots=spots, reserved_axes_fraction=_reserved(), dot_zorder=6
        )

        handles, texts = [], []
        for t, st in style.items():
            n = types.count(t)
            name = f"{t} — {st['nom']}" if st["nom"] else t
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="",
                    marker=st["marker"],
                    markersize=7,
                    markerfacecolor=st["color"],
                    markeredgecolor="#1a1a1a",
                    markeredgewidth=0.5,
                )
            )
            texts.append(f"{name}{NBSP}({n})")
        if size is not None and vmax > 0:
            handles.append(Line2D([], [], linestyle="", marker=""))
            texts.append(f"Capacité ({size_label})")
            for v in _nice_sizes(vmax):
                handles.append(
                    Line2D(
                        [],
                        [],
                        linestyle="",
                        marker="o",
                        markersize=math.sqrt(smax * v / vmax),
                        markerfacecolor="none",
                        markeredgecolor="#444444",
                    )
                )
                texts.append(f"{format_number(v, 0)} {size_label}")
            if est.any():
                handles.append(
                    Line2D(
                        [],
                        [],
                        linestyle="",
                        marker="o",
                        markersize=7,
                        markerfacecolor="white",
                        markeredgecolor="#444444",
                        markeredgewidth=1.3,
                    )
                )
                texts.append(f"capacité estimée ({int(est.sum())})")
            if not np.isfinite(sizes_v).all():
                texts.append(f"capacité non renseignée ({int((~np.isfinite(sizes_v)).sum())})")
                handles.append(
                    Line2D(
                        [],
                        [],
                        linestyle="",
                        marker="o",
                        markersize=4.7,
                        markerfacecolor="#bbbbbb",
                        markeredgecolor="#1a1a1a",
                        markeredgewidth=0.5,
                    )
                )
        note = "Structures d'une même commune écartées autour de leur position."
        if not _has_duplicates(xy_raw=np.column_stack([pts.geometry.x, pts.geometry.y])):
            note = None
        _legend(layout, handles, texts, f"Type de structure ({len(pts)} au total)", note)
        _source_text(layout, full_source)
    return layout.fig


def _has_duplicates(xy_raw: np.ndarray) -> bool:
    if len(xy_raw) < 2:
        return False
    keys = {tuple(np.round(p, 6)) for p in np.asarray(xy_raw, dtype=float)}
    return len(keys) < len(xy_raw)


# ------------------------------------------------------------------------------------------
# Saving
# ------------------------------------------------------------------------------------------


def _atomic_savefig(fig: Figure, target: Path, fmt: str, dpi: int) -> None:
    import matplotlib as mpl

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    metadata = {"Date": None} if fmt == "svg" else None
    try:
        with mpl.rc_context(RC):
            fig.savefig(tmp, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(
    fig: Figure, path: str | os.PathLike, *, formats: Sequence[str] = ("png", "svg"), dpi: int = 200
) -> list[Path]:
    """Write ``fig`` as PNG (200 dpi) and SVG beside ``path`` (its suffix is replaced), each
    atomically (a temporary file in the same folder, then ``os.replace``). Returns the paths."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() in {".png", ".svg", ".pdf"} else path
    out = []
    for fmt in formats:
        target = stem.parent / f"{stem.name}.{fmt}"
        _atomic_savefig(fig, target, fmt, dpi)
        out.append(target)
    return out
