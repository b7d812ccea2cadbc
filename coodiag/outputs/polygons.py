"""Polygons of the static maps, drawn fast: one matplotlib ``PathCollection`` built from the
coordinates of all the units at once (``shapely.to_ragged_array``), instead of one patch per
polygon built in Python (``GeoDataFrame.plot``: about 7 s for the 34,875 communes of France).

The paths are those ``GeoDataFrame.plot`` draws (one compound path per unit: each ring a
``MOVETO``, ``LINETO`` and a ``CLOSEPOLY``), so a map looks the same. For a large layer
(France, a large région):

- the geometries are simplified to a quarter of a pixel at the highest resolution a map is
  saved at (:data:`SAVE_DPI`): below what the eye or the printer can tell, and the PNG and SVG
  files no longer carry a million vertices (:func:`draw_tolerance`);
- the polygons are rasterised inside the SVG file (:data:`RASTER_UNITS` units or
  :data:`RASTER_VERTICES` vertices or more): the texts, the legend, the outline and the
  symbols stay vectors, and the file stays a few MB instead of 60 (the full geometries are in
  the GeoPackage). The figure is flagged
  (``fig.coodiag_rasterized``) so that the atlas can say so in its notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection

#: Highest resolution a map is saved at (``maps.save`` default).
SAVE_DPI = 200
#: Simplification tolerance, in pixels at :data:`SAVE_DPI`.
TOLERANCE_PX = 0.25
#: Layers with at least this many vertices are simplified before drawing (a département has
#: about 15,000: drawn as they are; France about a million).
SIMPLIFY_VERTICES = 150_000
#: Layers of at least this many units, or vertices, are rasterised inside the SVG files
#: (about 50 bytes a vertex, fill and border: 100,000 make a 5 MB file).
RASTER_UNITS = 4_000
RASTER_VERTICES = 100_000

__all__ = [
    "RASTER_UNITS",
    "RASTER_VERTICES",
    "draw_paths",
    "draw_polygons",
    "draw_tolerance",
    "layer_tolerance",
    "leaders",
    "polygon_paths",
    "subset",
]


def draw_tolerance(ax: Axes) -> float:
    """A quarter of a pixel of ``ax`` at :data:`SAVE_DPI`, in map units (metres)."""
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    width_in = ax.get_position(original=False).width * ax.figure.get_size_inches()[0]
    return TOLERANCE_PX * abs(x1 - x0) / max(width_in * SAVE_DPI, 1.0)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with every geometry a (Multi)Polygon or ``None`` (the polygons of a
    collection kept, other types dropped)."""
    out = np.asarray(geoms, dtype=object).copy()
    types = shapely.get_type_id(out)  # -1: None, 3: Polygon, 6: MultiPolygon
    for i in np.flatnonzero(~np.isin(types, (-1, 3, 6))):
        parts = [p for p in shapely.get_parts(out[i]) if p.geom_type in ("Polygon", "MultiPolygon")]
        polys = [q for p in parts for q in shapely.get_parts(p)]
        out[i] = shapely.MultiPolygon(polys) if polys else None
    out[shapely.is_empty(out) & ~shapely.is_missing(out)] = None
    return out


#: Paths of large layers already built, by layer fingerprint and tolerance: the maps of a
#: France atlas draw the same 34,875 communes three times (1.2 s each to simplify and build).
PATHS_KEPT = 3
_PATHS: dict[tuple, list[Any]] = {}
#: Layers from which their paths are kept.
KEEP_UNITS = 2_000


def polygon_paths(geoms: Any, tolerance: float = 0.0) -> list[Any]:
    """One matplotlib ``Path`` per geometry of ``geoms`` (``None`` for an empty one), the
    geometries simplified by ``tolerance`` (map units) when it is positive. The paths of a
    large layer are kept (:data:`PATHS_KEPT`), keyed by the bounds of every geometry in order,
    their vertex counts and the tolerance; matplotlib paths are not changed when drawn."""
    arr = np.asarray(getattr(geoms, "array", geoms), dtype=object)
    if len(arr) < KEEP_UNITS:
        return _build_paths(arr, tolerance)
    key = (len(arr), float(tolerance),
           hash(np.nan_to_num(shapely.bounds(arr), nan=-1.0).tobytes()),
           hash(shapely.get_num_coordinates(arr).tobytes()))
    if key not in _PATHS:
        while len(_PATHS) >= PATHS_KEPT:
            _PATHS.pop(next(iter(_PATHS)))
        _PATHS[key] = _build_paths(arr, tolerance)
    return list(_PATHS[key])


def _build_paths(geoms: np.ndarray, tolerance: float) -> list[Any]:
    from matplotlib.path import Path

    arr = _polygonal(geoms)
    n = len(arr)
    paths: list[Any] = [None] * n
    present = np.flatnonzero(~shapely.is_missing(arr))
    if not len(present):
        return paths
    todo = arr[present]
    if tolerance > 0:
        todo = shapely.simplify(todo, tolerance, preserve_topology=False)
        todo = _polygonal(todo)
        keep = ~shapely.is_missing(todo)
        present, todo = present[keep], todo[keep]
        if not len(present):
            return paths
    # normalised (exterior and holes wound in opposite senses: matplotlib fills by winding,
    # so a hole stays a hole), as GeoDataFrame.plot does
    _, coords, offsets = shapely.to_ragged_array(shapely.normalize(todo))
    if len(offsets) == 2:  # Polygons only: rings, then rings of each geometry
        ring_off, first_ring = offsets
    else:  # MultiPolygons (Polygons among them read as such): rings, polygons, geometries
        ring_off, poly_off, geom_off = offsets
        first_ring = poly_off[geom_off]
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[ring_off[:-1]] = Path.MOVETO
    codes[ring_off[1:] - 1] = Path.CLOSEPOLY
    starts = ring_off[first_ring]  # each geometry's coordinates, from its first ring on
    for k, i in enumerate(present):
        a, b = starts[k], starts[k + 1]
        paths[i] = Path(coords[a:b], codes[a:b])
    return paths


def subset(paths: list[Any], mask: Any) -> list[Any]:
    """The paths where ``mask`` is true."""
    return [p for p, keep in zip(paths, np.asarray(mask, dtype=bool), strict=True) if keep]


def draw_paths(
    ax: Axes,
    paths: list[Any],
    *,
    facecolor: Any = "none",
    edgecolor: Any = "none",
    linewidth: float = 0.0,
    hatch: str | None = None,
    zorder: float = 2,
    rasterized: bool | None = None,
) -> PathCollection | None:
    """The ``paths`` (``None`` skipped) as one collection on ``ax``. ``facecolor`` one colour
    or one per path; ``rasterized``: by default when there are :data:`RASTER_UNITS` paths or
    :data:`RASTER_VERTICES` vertices or more (then ``ax.figure.coodiag_rasterized`` is set)."""
    from matplotlib.collections import PathCollection

    facecolors = facecolor
    if not isinstance(facecolor, str) and facecolor is not None and len(facecolor) == len(paths):
        facecolors = [c for c, p in zip(facecolor, paths, strict=True) if p is not None]
    kept = [p for p in paths if p is not None]
    if not kept:
        return None
    coll = PathCollection(kept, facecolors=facecolors, edgecolors=edgecolor,
                          linewidths=linewidth, hatch=hatch, zorder=zorder)
    if rasterized is None:
        rasterized = len(kept) >= RASTER_UNITS or sum(len(p) for p in kept) >= RASTER_VERTICES
    if rasterized:
        coll.set_rasterized(True)
        ax.figure.coodiag_rasterized = True
    ax.add_collection(coll, autolim=False)
    return coll


def leaders(ax: Axes, start: np.ndarray, end: np.ndarray, *, linewidth: float, zorder: float,
            capstyle: str = "round") -> None:
    """Thin grey lines from each symbol moved aside (``end``) back to its position (``start``),
    as one collection (not one line per symbol)."""
    from matplotlib.collections import LineCollection

    if not len(start):
        return
    segments = np.stack([np.asarray(start, dtype=float), np.asarray(end, dtype=float)], axis=1)
    ax.add_collection(LineCollection(segments, colors="#4a4a4a", linewidths=linewidth,
                                     zorder=zorder, capstyle=capstyle), autolim=False)


def layer_tolerance(ax: Axes, geoms: Any) -> float:
    """The simplification of ``geoms`` drawn on ``ax``: :func:`draw_tolerance` for a large
    layer (:data:`SIMPLIFY_VERTICES`), none otherwise."""
    arr = np.asarray(getattr(geoms, "array", geoms), dtype=object)
    if int(shapely.get_num_coordinates(arr).sum()) < SIMPLIFY_VERTICES:
        return 0.0
    return draw_tolerance(ax)


def draw_polygons(ax: Axes, geoms: Any, **kwargs: Any) -> PathCollection | None:
    """The polygons ``geoms`` (a GeoSeries or an array) on ``ax`` (see :func:`draw_paths`),
    simplified to a quarter of a pixel when the layer is large (:func:`layer_tolerance`)."""
    arr = np.asarray(getattr(geoms, "array", geoms), dtype=object)
    return draw_paths(ax, polygon_paths(arr, layer_tolerance(ax, arr)), **kwargs)
