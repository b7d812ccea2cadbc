"""The accessibility surface (raster) under the SIAE points: one map page of the atlas.

The surface (:mod:`coodiag.reports.surfaces`) is drawn cell by cell in classes (quantiles of
the cells with some offer in reach, the cells with none in a class of their own), under the
commune borders and the SIAE of the territory by type, with the usual furniture (legend with
the number of cells per class, scale bar, north arrow, neighbours, locator, source line).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from coodiag import fr
from coodiag.base.indicators import Indicator
from coodiag.outputs.captions import source_line
from coodiag.outputs.document import MapItem, Paragraph, Section
from coodiag.outputs.furniture import RC, draw_legend, source_text
from coodiag.outputs.geometry import to_metric
from coodiag.outputs.mapframe import (
    credits_line,
    finish_areas,
    frame,
    legend_rows,
    overlay_points,
    patch,
)
from coodiag.outputs.palettes import sequential_colors

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: Colour of the cells with no SIAE in reach (a value, 0, not a missing one).
ZERO_COLOR = "#f2efe9"
K = 5


def surface_classes(values: np.ndarray, k: int = K) -> np.ndarray:
    """Upper bounds of the classes of the positive cells: quantiles, duplicates dropped."""
    pos = values[np.isfinite(values) & (values > 0)]
    if len(pos) == 0:
        return np.array([])
    return np.unique(np.quantile(pos, np.linspace(0, 1, k + 1)[1:]))


def surface_map(
    values: np.ndarray,
    transform: Any,
    communes: gpd.GeoDataFrame,
    *,
    meta: Indicator,
    context: gpd.GeoDataFrame | None = None,
    points: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    resolution_label: str = "",
) -> Figure:
    """The map of a surface (``values``: 2-D, NaN outside; ``transform``: its affine transform,
    in the CRS of ``communes``) with the commune borders and the SIAE ``points`` over it."""
    import matplotlib as mpl

    with mpl.rc_context(RC):
        data = to_metric(communes)
        bounds = surface_classes(values)
        finite = np.isfinite(values)
        full_source = credits_line(source_line(meta), data, None)
        layout, outline, spots = frame(
            data, data, context, ax=None, title=title or meta.label, subtitle=subtitle,
            source=full_source, n_legend_rows=len(bounds) + 1 + legend_rows(points),
        )
        axm = layout.ax
        colors = sequential_colors(max(len(bounds), 1))
        cls = np.full(values.shape, -1)
        cls[finite] = np.searchsorted(bounds, values[finite], side="left") if len(bounds) else 0
        cls[finite & (values <= 0)] = -2
        rgba = np.zeros((*values.shape, 4))
        for c, color in enumerate(colors):
            rgba[cls == c] = mpl.colors.to_rgba(color)
        rgba[cls == -2] = mpl.colors.to_rgba(ZERO_COLOR)
        h, w = values.shape
        x0, y0, res = transform.c, transform.f, transform.a
        xlim, ylim = axm.get_xlim(), axm.get_ylim()
        axm.imshow(rgba, extent=(x0, x0 + w * res, y0 - h * res, y0), interpolation="nearest",
                   zorder=2.5, origin="upper")
        axm.set_xlim(xlim)
        axm.set_ylim(ylim)
        finish_areas(axm, data, layout, outline, spots, None, "nom")

        handles, texts = [], []
        low = float(values[finite & (values > 0)].min()) if len(bounds) else 0.0
        for c in range(len(bounds)):
            n = int((cls == c).sum())
            texts.append(f"{fr.number(low, 1)} à {fr.number(bounds[c], 1)} "
                         f"({fr.integer(n)} cellules)")
            handles.append(patch(colors[c]))
            low = bounds[c]
        handles, texts = handles[::-1], texts[::-1]  # highest class on top
        n0 = int((cls == -2).sum())
        if n0:
            handles.append(patch(ZERO_COLOR))
            texts.append(f"Aucune structure à portée ({fr.integer(n0)} cellules)")
        more_handles, more_texts = overlay_points(axm, points, data.crs)
        note = "Classes : quantiles des cellules" + (f" de {resolution_label}"
                                                    if resolution_label else "")
        draw_legend(layout, handles + more_handles, texts + more_texts,
                    f"{meta.label} ({meta.unit})", note)
        source_text(layout, full_source)
    return layout.fig


def surface_section(surface: Any, communes: gpd.GeoDataFrame, offer: gpd.GeoDataFrame,
                    context: gpd.GeoDataFrame | None) -> Section:
    """The atlas page: the 2SFCA surface to all SIAE under the SIAE of the territory."""
    band = surface.layers["accessibilite"][-1]
    meta = band.indicator
    res = fr.integer(surface.params["resolution_m"])
    cells = fr.integer(surface.params["cellules"])
    title = "Accessibilité à l'offre d'insertion, cellule par cellule"
    return Section("Accessibilité fine : la surface 2SFCA", [
        MapItem(
            name="surface_accessibilite", title=title,
            figure=lambda: surface_map(
                band.values, surface.transform, communes, meta=meta, context=context,
                points=offer, title=title,
                subtitle=f"Salariés en insertion accessibles pour 1 000 chômeurs, cellules de "
                f"{res} m", resolution_label=f"{res} m"),
            comment=f"{cells} cellules de {res} m : la même accessibilité que celle des "
            "communes (2SFCA, rayon 30 km, toutes structures), évaluée au centre de chaque "
            "cellule ; au point représentatif d'une commune, elle vaut celle de la commune. "
            "Les GeoTIFF de cette surface (par type, et distances) : coodiag analyse surfaces.",
            meta=[meta],
        ),
        Paragraph("Lecture : là où la couleur est foncée, les places des structures à moins de "
                  "30 km sont nombreuses au regard des chômeurs qui se les partagent ; le fond "
                  "clair signale les cellules sans aucune structure à portée."),
    ])
