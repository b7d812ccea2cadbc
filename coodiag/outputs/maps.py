"""Static maps for the PDF atlas: choropleths, maps of categories, SIAE point maps.

Every map is meant to be pasted as it is into a strategy document: a title, a legend naming
the classification method with the number of units in each class, a class for the missing and
secret values, a scale bar, a north arrow, the source line (source, vintage, unit and
denominator), the names of the main communes and the neighbouring territories in grey. No
basemap tiles: nothing is fetched from the network. This module draws the data; around it:

- :mod:`~coodiag.outputs.classify`: the classes, shared with the web maps and the explorer
  (counts of people below the secrecy threshold join a hatched grey "secret" class, so no
  class bound discloses them);
- :mod:`~coodiag.outputs.palettes`: ColorBrewer palettes, Okabe-Ito colours and one marker
  shape per SIAE type;
- :mod:`~coodiag.outputs.furniture`: layout, legend, source line, scale bar, north arrow;
- :mod:`~coodiag.outputs.labels`: names of the communes and of the neighbours;
- :mod:`~coodiag.outputs.captions`: the words of the legend and of the source line;
- :mod:`~coodiag.outputs.mapframe`: the frame (sea, neighbouring land, outline), the names
  of the main towns or of the units, the SIAE drawn over an area map;
- :mod:`~coodiag.outputs.pointmaps`: the SIAE by type and capacity (:func:`points_map`);
- :mod:`~coodiag.outputs.insets`: the locator (France) and the zoom where SIAE pile up.

The legends count only what the map shows: no empty class, a class of zeros is a class,
the SIAE outside the territory are counted apart.

**Determinism**: no random step, fixed SVG hash salt, no date in the SVG metadata.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from coodiag import fr
from coodiag._io import atomic_path
from coodiag.base.indicators import Indicator
from coodiag.outputs.captions import level_names, meta_text, source_line, units_text
from coodiag.outputs.classify import classify
from coodiag.outputs.furniture import RC, draw_legend, source_text
from coodiag.outputs.geometry import to_metric
from coodiag.outputs.mapframe import (
    credits_line,
    drawn_paths,
    finish_areas,
    frame,
    legend_rows,
    overlay_points,
    patch,
    plot_nodata,
)
from coodiag.outputs.palettes import QUALITATIVE
from coodiag.outputs.pointmaps import points_map
from coodiag.outputs.polygons import draw_paths, subset

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["categorical", "choropleth", "points_map", "save"]

# ------------------------------------------------------------------------------------------
# Areas: choropleths and categories
# ------------------------------------------------------------------------------------------


def choropleth(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    meta: Indicator | None = None,
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
    nodata: str | None = None,
    towns: gpd.GeoDataFrame | None = None,
    points: gpd.GeoDataFrame | None = None,
    credits: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A choropleth map of ``gdf[column]`` ready for a document.

    - ``meta``: the indicator (label, unit, numerator, denominator, source, vintage): legend
      title and source line.
    - ``scheme``/``k``/``bins``/``palette``/``nodata``: see :func:`classify`.
    - ``context``: neighbouring territories drawn in grey (with their names, column ``nom``).
    - ``labels``: ``None`` = the 8 most populous communes of ``towns`` (or of ``gdf``: column
      ``pop22``...), or every unit's name on a map of EPCI / zones; an int = that many, a list
      = those names or codes, ``False`` = none.
    - ``level``: names the units in the legend ("communes", "epci", "zones_emploi"...).
    - ``points``: SIAE drawn over the map (column ``type_siae``), counted in the legend.
    - ``ax``: draw into an existing axes (the legend then goes inside the map).

    Returns the matplotlib Figure (not attached to pyplot: it is garbage collected normally).
    """
    import matplotlib as mpl

    if column not in gdf.columns:
        raise KeyError(f"Colonne absente de la couche : « {column} ».")
    with mpl.rc_context(RC):
        data = to_metric(gdf)
        cl = classify(
            data[column], scheme, k, bins=bins, meta=meta, palette=palette, level=level,
            counts=counts, nodata=nodata,
        )
        full_source = credits_line(source_line(meta, secret=cl.n_secret > 0), data, credits)
        if title is None:
            title = meta_text(meta, "label") or column
            vintage = meta_text(meta, "vintage")
            if vintage and vintage.lower() not in title.lower():
                title = f"{title} — {vintage}"
        layout, outline, spots = frame(
            data, data, context, ax=ax, title=title, subtitle=subtitle, source=full_source,
            n_legend_rows=cl.k + 1 + legend_rows(points), towns=towns,
        )
        axm = layout.ax

        classes = np.asarray(cl.classes)
        paths = drawn_paths(axm, data)  # built once: fills, hatches and borders
        if (classes >= 0).any():
            draw_paths(axm, subset(paths, classes >= 0),
                       facecolor=[cl.colors[c] for c in classes[classes >= 0]], zorder=2)
        if (classes < 0).any():
            plot_nodata(axm, data[classes < 0], subset(paths, classes < 0))
        finish_areas(axm, data, layout, outline, spots, labels, label_column, towns=towns,
                     level=level, paths=paths)

        handles, texts = [], []
        for c in range(cl.k - 1, -1, -1):  # highest class on top
            handles.append(patch(cl.colors[c]))
            texts.append(cl.labels[c])
        if cl.n_nodata:
            handles.append(patch(None))
            texts.append(cl.nodata_label)
        more_handles, more_texts = overlay_points(axm, points, data.crs)
        note = f"Classes : {cl.scheme_label}" + (", seuil à 0" if cl.diverging else "")
        draw_legend(layout, handles + more_handles, texts + more_texts,
                    cl.legend_title or column, note)
        source_text(layout, full_source)
    fig = layout.fig
    fig.coodiag_classification = cl  # for tests and callers that want the classes
    fig.coodiag_style = ("graduated", column, cl)  # the GeoPackage's QGIS style
    return fig


def categorical(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    categories: Sequence[str] | Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    meta: Indicator | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    context: gpd.GeoDataFrame | None = None,
    labels: Any = None,
    label_column: str = "nom",
    level: str = "communes",
    towns: gpd.GeoDataFrame | None = None,
    points: gpd.GeoDataFrame | None = None,
    credits: str | None = None,
) -> Figure:
    """A map of classes (typology classes, coverage classes): one colour per category.

    ``categories``: the order of the legend (a list of values, or a mapping value -> French
    label); by default the sorted values. Colours: ``colors`` or :data:`QUALITATIVE` in order.
    The legend gives the count of units per class and lists only the classes on the map;
    missing values are a grey hatched class. ``labels``, ``towns``, ``points``: see
    :func:`choropleth`.
    """
    import matplotlib as mpl

    if column not in gdf.columns:
        raise KeyError(f"Colonne absente de la couche : « {column} ».")
    values = gdf[column].astype("string")
    if categories is None:
        categories = sorted(values.dropna().unique())
    names = dict(categories) if isinstance(categories, Mapping) else {c: c for c in categories}
    palette = {
        c: (colors or {}).get(c, QUALITATIVE[i % len(QUALITATIVE)]) for i, c in enumerate(names)
    }
    units = level_names(level)
    with mpl.rc_context(RC):
        data = to_metric(gdf)
        data = data.assign(_cat=values.to_numpy())
        full_source = credits_line(source_line(meta), data, credits)
        layout, outline, spots = frame(
            data, data, context, ax=None, title=title or meta_text(meta, "label") or column,
            subtitle=subtitle, source=full_source,
            n_legend_rows=len(names) + 1 + legend_rows(points), towns=towns,
        )
        axm = layout.ax
        paths = drawn_paths(axm, data)  # built once: fills, hatches and borders
        handles, texts = [], []
        for cat, label in names.items():
            inside = (data["_cat"] == cat).to_numpy()
            if not inside.any():
                continue
            draw_paths(axm, subset(paths, inside), facecolor=palette[cat], zorder=2)
            handles.append(patch(palette[cat]))
            texts.append(f"{label} ({units_text(int(inside.sum()), units)})")
        lost = (~data["_cat"].isin(list(names))).to_numpy()
        if lost.any():
            plot_nodata(axm, data[lost], subset(paths, lost))
            handles.append(patch(None))
            texts.append(f"{fr.MISSING_LABEL} ({units_text(int(lost.sum()), units)})")
        finish_areas(axm, data, layout, outline, spots, labels, label_column, towns=towns,
                     level=level, paths=paths)
        more_handles, more_texts = overlay_points(axm, points, data.crs)
        draw_legend(layout, handles + more_handles, texts + more_texts,
                    meta_text(meta, "label") or column, None)
        source_text(layout, full_source)
    shown = set(data["_cat"].dropna())  # the GeoPackage's QGIS style: the classes shown
    layout.fig.coodiag_style = ("categorized", column,
                                [(c, names[c], palette[c]) for c in names if c in shown])
    return layout.fig


# ------------------------------------------------------------------------------------------
# Saving
# ------------------------------------------------------------------------------------------


def _atomic_savefig(fig: Figure, target: Path, fmt: str, dpi: int) -> None:
    """``fig`` written to a temporary file beside ``target``, then renamed to it."""
    import matplotlib as mpl

    metadata = {"Date": None} if fmt == "svg" else None
    with atomic_path(target) as tmp, mpl.rc_context(RC):
        # "tight": the saved image holds every artist (a long legend is never clipped)
        fig.savefig(tmp, format=fmt, dpi=dpi, facecolor="white", metadata=metadata,
                    bbox_inches="tight", pad_inches=0.2)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files


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
