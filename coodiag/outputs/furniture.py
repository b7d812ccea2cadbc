"""Map furniture of the static maps: page layout, title, legend, source line, scale bar, north.

Every map is meant to be pasted as it is into a strategy document, so each one carries the
same furniture, drawn here with matplotlib (imported when first drawing):

- **Scale bar**: drawn here (no ``matplotlib-scalebar`` dependency): a two-segment black and
  white bar whose length is a round number of kilometres close to a fifth of the map width,
  measured in the projected CRS (Lambert-93 in metropolitan France: its scale error stays
  below 0.3 %).
- **North arrow**: points to true north at the centre of the map (Lambert-93 grid north
  differs from it by up to 4 degrees at the edges of France).
- **Legend**: on the right of a portrait map, below a landscape one; the method of the
  classes in a note under it.
- **Typography**: DejaVu Sans (shipped with matplotlib), French numbers (:mod:`coodiag.fr`).
  SVG files keep their text as text (``svg.fonttype = none``) so that it can be edited and
  searched; texts over the map have a white halo drawn as a separate copy for that reason.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from coodiag import fr
from coodiag.outputs.palettes import TEXT_GREY

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: matplotlib settings of every map (fixed SVG hash salt: the same map gives the same file).
RC = {
    "font.family": "DejaVu Sans",
    "svg.fonttype": "none",
    "svg.hashsalt": "coodiag",
    "hatch.linewidth": 0.45,
    "axes.unicode_minus": True,
    "pdf.fonttype": 42,
}
#: Axes-fraction boxes kept free of labels: the scale bar and the north arrow.
RESERVED = [(0.0, 0.0, 0.36, 0.1), (0.88, 0.82, 1.0, 1.0)]

# ------------------------------------------------------------------------------------------
# Page layout
# ------------------------------------------------------------------------------------------


@dataclass
class Layout:
    """Where things go on a map figure (made by :func:`setup_figure`)."""

    fig: Figure
    ax: Axes
    extent: tuple[float, float, float, float]
    legend_anchor: tuple[float, float] | None  # figure fraction, upper left of the legend
    legend_ncol: int
    source_xy: tuple[float, float] | None
    source_width: int  # characters per line of the source text
    own_figure: bool


def map_extent(bounds: np.ndarray, pad: float = 0.04) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)`` of the map: ``bounds`` with a margin of ``pad`` on each side."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    return (minx - pad * dx, maxx + pad * dx, miny - pad * dy, maxy + pad * dy)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, words and hyphenated names kept whole."""
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


def setup_figure(
    bounds: np.ndarray,
    *,
    ax: Axes | None,
    title: str,
    subtitle: str,
    source: str,
    n_legend_rows: int,
) -> Layout:
    """The figure of a map of ``bounds``: a new one with the title above, the legend on the
    right (portrait) or below (landscape) and the source at the bottom, or ``ax`` (the legend
    then goes inside the map)."""
    from matplotlib.figure import Figure

    extent = map_extent(bounds)
    x0, x1, y0, y1 = extent
    aspect = (x1 - x0) / (y1 - y0)
    if ax is not None:
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_axis_off()
        if title:
            ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
        return Layout(ax.figure, ax, extent, None, 1, None, 110, False)

    fig_w, margin = 8.0, 0.3
    title_lines = wrap(title, 68) if title else []
    top = 0.25 + 0.27 * len(title_lines) + (0.22 if subtitle else 0.0) + 0.12
    src_width = 150
    bottom = 0.22 + 0.13 * len(wrap(source, src_width)) if source else 0.25
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
        fig.text(margin / fig_w, y / fig_h, line, fontsize=14, fontweight="bold", va="top",
                 color="#1a1a1a")
        y -= 0.27
    if subtitle:
        fig.text(
            margin / fig_w, (y - 0.02) / fig_h, subtitle, fontsize=9.5, va="top", color=TEXT_GREY
        )
    if legend_h:
        anchor = (margin / fig_w, (bottom + legend_h - 0.12) / fig_h)
    else:
        anchor = ((margin + map_w + 0.25) / fig_w, (map_bottom + map_h) / fig_h)
    return Layout(fig, ax, extent, anchor, ncol, (margin / fig_w, 0.14 / fig_h), src_width, True)


def halo_text(
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


# ------------------------------------------------------------------------------------------
# Scale bar and north arrow
# ------------------------------------------------------------------------------------------


def nice_length_km(width_m: float) -> float:
    """A round length (km) close to a fifth of ``width_m``, for the scale bar."""
    target = width_m / 5.0 / 1000.0
    nice = [0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]
    fitting = [v for v in nice if v <= target]
    return fitting[-1] if fitting else nice[0]


def km_decimals(v: float) -> int:
    """No decimal for a whole number of kilometres, one otherwise (``"0,5 km"``)."""
    return 0 if float(v).is_integer() else 1


def scale_bar(ax: Axes, extent: tuple[float, float, float, float]) -> str:
    """Draw a two-segment scale bar at the lower left; returns its label (e.g. ``"10 km"``)."""
    from matplotlib.patches import Rectangle

    x0, x1, y0, y1 = extent
    dx, dy = x1 - x0, y1 - y0
    km = nice_length_km(dx)
    length = km * 1000.0
    bx, by = x0 + 0.035 * dx, y0 + 0.035 * dy
    h = max(dx, dy) * 0.009
    for i, color in enumerate(("#222222", "white")):
        ax.add_patch(Rectangle((bx + i * length / 2, by), length / 2, h, facecolor=color,
                               edgecolor="#222222", linewidth=0.6, zorder=9))
    label = fr.km(km, km_decimals(km))
    style = {"fontsize": 7, "color": "#222222", "zorder": 10, "va": "bottom", "ha": "center",
             "halo": 2.0}
    halo_text(ax, (bx, by + h * 1.6), "0", **style)
    halo_text(ax, (bx + length / 2, by + h * 1.6), fr.number(km / 2, km_decimals(km / 2)), **style)
    halo_text(ax, (bx + length, by + h * 1.6), label, **style)
    return label


def true_north_angle(crs: Any, extent: tuple[float, float, float, float]) -> float:
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
    a = true_north_angle(crs, extent)
    tip = (0.95, 0.93)
    length = 24.0
    ax.annotate(
        "",
        xy=tip,
        xycoords="axes fraction",
        xytext=(-length * math.sin(a), -length * math.cos(a)),
        textcoords="offset points",
        arrowprops={"arrowstyle": "-|>,head_length=0.7,head_width=0.32", "color": "#222222",
                    "lw": 1.3, "shrinkA": 0, "shrinkB": 0},
        zorder=10,
    )
    halo_text(
        ax, tip, "N", annotate=True, halo=2.0, xycoords="axes fraction",
        textcoords="offset points", xytext=(8 * math.sin(a), 8 * math.cos(a)), ha="center",
        va="center", fontsize=8.5, fontweight="bold", color="#222222", zorder=10,
    )


# ------------------------------------------------------------------------------------------
# Legend and source line
# ------------------------------------------------------------------------------------------


def source_text(layout: Layout, text: str) -> None:
    """The source line, wrapped, at the bottom of the figure (under the map in an ``ax``)."""
    if not text:
        return
    lines = "\n".join(wrap(text, layout.source_width))
    if layout.source_xy is not None:
        layout.fig.text(*layout.source_xy, lines, fontsize=6.5, color=TEXT_GREY, va="bottom",
                        ha="left", linespacing=1.35)
    else:
        layout.ax.text(0.0, -0.01, lines, transform=layout.ax.transAxes, fontsize=6,
                       color=TEXT_GREY, va="top", ha="left")


def draw_legend(
    layout: Layout, handles: list, labels: list[str], title: str, note: str | None
) -> None:
    """The legend at ``layout.legend_anchor`` (inside the map in an ``ax``), with ``note``
    (e.g. the classification method) in italics under it."""
    kwargs = {"frameon": False, "fontsize": 7.5, "title_fontsize": 8.2, "alignment": "left",
              "handlelength": 1.7, "handleheight": 1.15, "labelspacing": 0.5,
              "borderaxespad": 0.0, "borderpad": 0.0}
    width = 36 if layout.legend_ncol == 1 else 90
    wrapped_title = "\n".join(wrap(title, width))
    labels = ["\n".join(wrap(text, width + 4)) for text in labels]
    if note:
        note = "\n".join(wrap(note, width + 12))
    if layout.legend_anchor is not None:
        leg = layout.fig.legend(handles, labels, loc="upper left",
                                bbox_to_anchor=layout.legend_anchor, ncol=layout.legend_ncol,
                                title=wrapped_title, **kwargs)
    else:
        kwargs.update(frameon=True, borderpad=0.5)
        leg = layout.ax.legend(handles, labels, loc="lower right", title=wrapped_title, **kwargs)
    leg.get_title().set_fontweight("bold")
    if note:
        layout.ax.annotate(note, xy=(0, 0), xycoords=leg, xytext=(0, -8),
                           textcoords="offset points", va="top", ha="left", fontsize=6.8,
                           color=TEXT_GREY, style="italic", annotation_clip=False)


def nice_sizes(vmax: float) -> list[float]:
    """Three round reference values for a size legend, the largest not above ``vmax``."""
    if not vmax or vmax <= 0:
        return []
    exp = 10 ** math.floor(math.log10(vmax))
    top = max(m * exp for m in (1, 2, 5, 10) if m * exp <= vmax)
    values = sorted({top, round_nice(top / 4), round_nice(top / 16)})
    return [v for v in values if v > 0]


def round_nice(v: float) -> float:
    """The nearest of 1, 2, 5, 10 times a power of ten."""
    if v <= 0:
        return 0
    exp = 10 ** math.floor(math.log10(v))
    return min((m * exp for m in (1, 2, 5, 10)), key=lambda c: abs(c - v))


def points_legend(
    style: Mapping[str, Mapping[str, str]],
    counts: Mapping[str, int],
    *,
    size_label: str = "",
    vmax: float = 0.0,
    smax: float = 420.0,
    n_estimated: int = 0,
    n_unsized: int = 0,
) -> tuple[list, list[str]]:
    """Legend entries (handles, texts) of a point map: each type (``style``, see
    :func:`coodiag.outputs.palettes.siae_style`) with its count, then, if ``vmax``, reference
    symbols of the capacity (area ``smax`` for ``vmax``), estimated and unknown capacities."""
    from matplotlib.lines import Line2D

    def symbol(**kwargs: Any) -> Line2D:
        return Line2D([], [], linestyle="", **kwargs)

    handles, texts = [], []
    for t, st in style.items():
        name = f"{t} — {st['nom']}" if st["nom"] else t
        handles.append(symbol(marker=st["marker"], markersize=7, markerfacecolor=st["color"],
                              markeredgecolor="#1a1a1a", markeredgewidth=0.5))
        texts.append(f"{name}{fr.NBSP}({counts[t]})")
    if vmax > 0:
        handles.append(symbol(marker=""))
        texts.append(f"Capacité ({size_label})")
        for v in nice_sizes(vmax):
            handles.append(symbol(marker="o", markersize=math.sqrt(smax * v / vmax),
                                  markerfacecolor="none", markeredgecolor="#444444"))
            texts.append(f"{fr.number(v, 0)} {size_label}")
        if n_estimated:
            handles.append(symbol(marker="o", markersize=7, markerfacecolor="white",
                                  markeredgecolor="#444444", markeredgewidth=1.3))
            texts.append(f"capacité estimée ({n_estimated})")
        if n_unsized:
            handles.append(symbol(marker="o", markersize=4.7, markerfacecolor="#bbbbbb",
                                  markeredgecolor="#1a1a1a", markeredgewidth=0.5))
            texts.append(f"capacité non renseignée ({n_unsized})")
    return handles, texts
