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
- :mod:`~coodiag.outputs.captions`: the words of the legend and of the source line.

**Determinism**: no random step, fixed SVG hash salt, no date in the SVG metadata.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import fr
from coodiag._io import atomic_path
from coodiag.base.indicators import Indicator
from coodiag.outputs.captions import (
    geometry_credit,
    level_names,
    meta_text,
    source_line,
    units_text,
)
from coodiag.outputs.classify import classify
from coodiag.outputs.furniture import (
    RC,
    RESERVED,
    Layout,
    draw_legend,
    north_arrow,
    points_legend,
    scale_bar,
    setup_figure,
    source_text,
)
from coodiag.outputs.geometry import dodge, has_duplicates, study_outline, to_metric
from coodiag.outputs.labels import draw_context, label_points, place_labels
from coodiag.outputs.palettes import (
    NODATA_COLOR,
    NODATA_HATCH,
    NODATA_HATCH_COLOR,
    OUTLINE_COLOR,
    QUALITATIVE,
    siae_style,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
    credits: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A choropleth map of ``gdf[column]`` ready for a document.

    - ``meta``: the indicator (label, unit, numerator, denominator, source, vintage): legend
      title and source line.
    - ``scheme``/``k``/``bins``/``palette``: see :func:`classify`.
    - ``context``: neighbouring territories drawn in grey (with their names, column ``nom``).
    - ``labels``: ``None`` = the 8 most populous units (column ``pop22``...), an int = that many,
      a list = those names or codes, ``False`` = none.
    - ``level``: names the units in the legend ("communes", "epci", "zones_emploi"...).
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
            counts=counts,
        )
        full_source = _credits(source_line(meta, secret=cl.n_secret > 0), data, credits)
        if title is None:
            title = meta_text(meta, "label") or column
            vintage = meta_text(meta, "vintage")
            if vintage and vintage.lower() not in title.lower():
                title = f"{title} — {vintage}"
        layout, outline, spots = _frame(
            data, data, context, ax=ax, title=title, subtitle=subtitle, source=full_source,
            n_legend_rows=cl.k + 1,
        )
        axm = layout.ax

        classes = cl.classes
        if (classes >= 0).any():
            colors = [cl.colors[c] for c in classes[classes >= 0]]
            data[classes >= 0].plot(ax=axm, color=colors, linewidth=0, zorder=2)
        if (classes < 0).any():
            _plot_nodata(axm, data[classes < 0])
        _finish_areas(axm, data, layout, outline, spots, labels, label_column)

        handles, texts = [], []
        for c in range(cl.k - 1, -1, -1):  # highest class on top
            handles.append(_patch(cl.colors[c]))
            texts.append(cl.labels[c])
        if cl.n_nodata:
            handles.append(_patch(None))
            texts.append(cl.nodata_label)
        note = f"Classes : {cl.scheme_label}" + (", seuil à 0" if cl.diverging else "")
        draw_legend(layout, handles, texts, cl.legend_title or column, note)
        source_text(layout, full_source)
    fig = layout.fig
    fig.coodiag_classification = cl  # for tests and callers that want the classes
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
    credits: str | None = None,
) -> Figure:
    """A map of classes (typology classes, coverage classes): one colour per category.

    ``categories``: the order of the legend (a list of values, or a mapping value -> French
    label); by default the sorted values. Colours: ``colors`` or :data:`QUALITATIVE` in order.
    The legend gives the count of units per class; missing values are a grey hatched class.
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
        full_source = _credits(source_line(meta), data, credits)
        layout, outline, spots = _frame(
            data, data, context, ax=None, title=title or meta_text(meta, "label") or column,
            subtitle=subtitle, source=full_source, n_legend_rows=len(names) + 1,
        )
        axm = layout.ax
        handles, texts = [], []
        for cat, label in names.items():
            part = data[data["_cat"] == cat]
            if len(part):
                part.plot(ax=axm, color=palette[cat], linewidth=0, zorder=2)
            handles.append(_patch(palette[cat]))
            texts.append(f"{label} ({units_text(len(part), units)})")
        missing = data[~data["_cat"].isin(list(names))]
        if len(missing):
            _plot_nodata(axm, missing)
            handles.append(_patch(None))
            texts.append(f"{fr.MISSING_LABEL} ({units_text(len(missing), units)})")
        _finish_areas(axm, data, layout, outline, spots, labels, label_column)
        draw_legend(layout, handles, texts, meta_text(meta, "label") or column, "Classes")
        source_text(layout, full_source)
    return layout.fig


def _credits(source: str, units: gpd.GeoDataFrame | None, credits: str | None) -> str:
    """The full source line: data source, geometry source, author of the map."""
    geo = geometry_credit(units) if units is not None else ""
    return " · ".join(p for p in (source, geo, credits or "Carte : coodiag") if p)


def _frame(
    data: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None, context: gpd.GeoDataFrame | None,
    *, ax: Axes | None, title: str, subtitle: str | None, source: str, n_legend_rows: int,
) -> tuple[Layout, Any, list[tuple[float, float, str]]]:
    """The figure around ``data`` (or ``units``), the outline of ``units`` (the study area)
    and the neighbours around it (with the places of their names)."""
    has_units = units is not None and len(units)
    layout = setup_figure(
        (units if has_units else data).total_bounds, ax=ax, title=title,
        subtitle=subtitle or "", source=source, n_legend_rows=n_legend_rows,
    )
    outline = study_outline(units) if has_units else None
    spots = draw_context(layout.ax, context, outline, layout.extent, data.crs)
    return layout, outline, spots


def _finish_areas(
    axm: Axes, data: gpd.GeoDataFrame, layout: Layout, outline: Any, spots: Any, labels: Any,
    label_column: str,
) -> None:
    """Unit borders, study outline, scale bar, north arrow and commune labels of an area map."""
    data.boundary.plot(ax=axm, color="white", linewidth=0.3 if len(data) > 150 else 0.5, zorder=3)
    gpd.GeoSeries([outline], crs=data.crs).boundary.plot(
        ax=axm, color=OUTLINE_COLOR, linewidth=0.9, zorder=5
    )
    scale_bar(axm, layout.extent)
    north_arrow(axm, data.crs, layout.extent)
    pts = label_points(data, labels, label_column)
    place_labels(axm, pts, context_spots=spots, reserved_axes_fraction=RESERVED)


def _plot_nodata(ax: Axes, gdf: gpd.GeoDataFrame) -> None:
    """The units without a value (or secret), hatched in grey."""
    gdf.plot(ax=ax, facecolor=NODATA_COLOR, edgecolor=NODATA_HATCH_COLOR, hatch=NODATA_HATCH,
             linewidth=0, zorder=2)


def _patch(color: str | None) -> Any:
    """A legend swatch of ``color``, or of the hatched grey class (``None``)."""
    from matplotlib.patches import Patch

    if color is None:
        return Patch(facecolor=NODATA_COLOR, edgecolor=NODATA_HATCH_COLOR, hatch=NODATA_HATCH,
                     linewidth=0.4)
    return Patch(facecolor=color, edgecolor="#9a9a9a", linewidth=0.4)


# ------------------------------------------------------------------------------------------
# Points
# ------------------------------------------------------------------------------------------


def points_map(
    points_gdf: gpd.GeoDataFrame,
    *,
    by: str = "type_siae",
    size: str | None = None,
    estimated: str | None = None,
    size_label: str = "postes",
    base: gpd.GeoDataFrame | None = None,
    context: gpd.GeoDataFrame | None = None,
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
        full_source = _credits(source_line(meta), base_m, credits)
        title = title or "Structures d'insertion par l'activité économique (SIAE)"
        types = [str(t) for t in pts[by].fillna("autre")]
        style = siae_style(types)
        layout, outline, spots = _frame(
            pts, base_m, context, ax=ax, title=title, subtitle=subtitle, source=full_source,
            n_legend_rows=len(style) + (4 if size else 0),
        )
        axm = layout.ax
        if base_m is not None and len(base_m):
            base_m.plot(ax=axm, facecolor="#f7f6f2", edgecolor="#cdcdcd",
                        linewidth=0.3 if len(base_m) > 150 else 0.5, zorder=2)
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
                    xy[sel, 0], xy[sel, 1], s=area[sel], marker=st["marker"],
                    facecolors="white" if hollow else st["color"],
                    edgecolors=st["color"] if hollow else "#1a1a1a",
                    linewidths=1.3 if hollow else 0.5, zorder=7, alpha=0.95,
                )

        scale_bar(axm, layout.extent)
        north_arrow(axm, crs, layout.extent)
        lab = label_points(base_m, labels, label_column, default_n=6) if base_m is not None else []
        place_labels(axm, lab, context_spots=spots, reserved_axes_fraction=RESERVED, dot_zorder=6)

        sized = size is not None and vmax > 0
        handles, texts = points_legend(
            style, {t: types.count(t) for t in style}, size_label=size_label,
            vmax=vmax if sized else 0.0, smax=smax, n_estimated=int(est.sum()) if sized else 0,
            n_unsized=int((~np.isfinite(sizes_v)).sum()) if sized else 0,
        )
        note = "Structures d'une même commune écartées autour de leur position."
        if not has_duplicates(xy_raw=np.column_stack([pts.geometry.x, pts.geometry.y])):
            note = None
        draw_legend(layout, handles, texts, f"Type de structure ({len(pts)} au total)", note)
        source_text(layout, full_source)
    return layout.fig


# ------------------------------------------------------------------------------------------
# Saving
# ------------------------------------------------------------------------------------------


def _atomic_savefig(fig: Figure, target: Path, fmt: str, dpi: int) -> None:
    """``fig`` written to a temporary file beside ``target``, then renamed to it."""
    import matplotlib as mpl

    metadata = {"Date": None} if fmt == "svg" else None
    with atomic_path(target) as tmp, mpl.rc_context(RC):
        fig.savefig(tmp, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
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
