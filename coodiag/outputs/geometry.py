"""Geometry for maps: a metric CRS, the outline of the study area, points sharing a position,
simplification for the web.

Web geometries are simplified with ``shapely.coverage_simplify`` (shared borders stay shared;
falls back to ``simplify(preserve_topology=True)`` if the layer is not a clean coverage) in a
metric CRS, then written in WGS84 with 5 decimals (about 1 m).
"""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely


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


def study_outline(gdf: gpd.GeoDataFrame) -> Any:
    """The union of the units of ``gdf``: the outline of the study area."""
    geoms = gdf.geometry.to_numpy()
    try:
        outline = shapely.coverage_union_all(geoms)
    except Exception:  # pragma: no cover - not a clean coverage
        outline = shapely.union_all(geoms)
    if not outline.is_valid:  # units that are not an exact coverage (zones d'emploi)
        outline = shapely.union_all(shapely.make_valid(geoms))
    return outline


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


#: Most symbols set on one circle around their position; more are set on a spiral.
RING_MAX = 10
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _overlaps(xy: np.ndarray, radii: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of symbols of ``radii`` at ``xy`` that overlap."""
    if len(xy) < 2:
        return []
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    touch = np.triu(d < 0.9 * (radii[:, None] + radii[None, :]), 1)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(touch), strict=True)]


def piles(points: np.ndarray, radii: np.ndarray) -> list[list[int]]:
    """Groups of points whose symbols of ``radii`` overlap (same or close positions), sorted by
    index; a chain of overlapping symbols is one pile, and piles are merged until their
    circles (see :func:`spread`) do not overlap either."""
    xy = np.asarray(points, dtype=float)
    radii = np.asarray(radii, dtype=float)
    n = len(xy)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    current = xy
    for _ in range(8):
        pairs = [(i, j) for i, j in _overlaps(current, radii) if root(i) != root(j)]
        if not pairs:
            break
        for i, j in pairs:
            parent[root(i)] = root(j)
        groups = [g for g in _groups(parent, root) if len(g) > 1]
        current = _rings(xy, radii, groups)
    return [g for g in _groups(parent, root) if len(g) > 1]


def _groups(parent: list[int], root: Any) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for i in range(len(parent)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _rings(xy: np.ndarray, radii: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Each group of ``xy`` set on a circle around its mean position (see :func:`spread`)."""
    out = np.array(xy, dtype=float)
    for idx in groups:
        n = len(idx)
        centre = xy[idx].mean(axis=0)
        if n > RING_MAX:  # a sunflower (Vogel) spiral: compact, no two symbols overlap
            step = 1.45 * float(radii[idx].max())
            order = sorted(idx, key=lambda i: (-radii[i], i))  # the largest in the middle
            for k, i in enumerate(order):
                rho, a = step * math.sqrt(k + 0.5), k * GOLDEN_ANGLE
                out[i] = centre + rho * np.array([math.cos(a), math.sin(a)])
            continue
        ring = 1.1 * float(radii[idx].max()) / math.sin(math.pi / n)
        # each symbol keeps the side of the centre where it is (stable, readable)
        angles = np.arctan2(xy[idx, 1] - centre[1], xy[idx, 0] - centre[0])
        order = sorted(range(n), key=lambda j: (-round(float(angles[j]), 6), idx[j]))
        same = bool(np.allclose(xy[idx], centre))
        start = math.pi / 2 if same else float(angles[order[0]])
        for rank, j in enumerate(order):
            a = start - 2 * math.pi * rank / n
            out[idx[j]] = centre + ring * np.array([math.cos(a), math.sin(a)])
    return out


def spread(points: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symbols of ``radii`` (map units) that would overlap (:func:`piles`: several SIAE of one
    town) set on a circle around their mean position, far enough not to overlap each other:
    ``r / sin(π / n)`` for ``n`` symbols of radius at most ``r``, in the order of their
    angles around the centre (the first of a same position at the top); more than
    :data:`RING_MAX` on a sunflower spiral. Returns the positions and whether each moved."""
    xy = np.array(points, dtype=float)
    if xy.size == 0:
        return xy, np.zeros(0, dtype=bool)
    radii = np.asarray(radii, dtype=float)
    groups = piles(xy, radii)
    moved = np.zeros(len(xy), dtype=bool)
    for idx in groups:
        moved[idx] = True
    return _rings(xy, radii, groups), moved


def has_duplicates(xy_raw: np.ndarray) -> bool:
    """Whether two points share a position (to 1e-6), i.e. :func:`dodge` moved some."""
    if len(xy_raw) < 2:
        return False
    keys = {tuple(np.round(p, 6)) for p in np.asarray(xy_raw, dtype=float)}
    return len(keys) < len(xy_raw)


def simplify_for_web(gdf: gpd.GeoDataFrame, tolerance: float | None = None) -> np.ndarray:
    """Geometries simplified in a metric CRS, in WGS84 with coordinates rounded to 5 decimals.

    ``tolerance`` in metres; default: the diagonal of the layer / 3 000 (about 50 m for a
    département, 500 m for France).
    """
    metric = to_metric(gdf)
    geoms = np.asarray(metric.geometry.array, dtype=object)
    if tolerance is None:
        minx, miny, maxx, maxy = metric.total_bounds
        tolerance = max(math.hypot(maxx - minx, maxy - miny) / 3000.0, 1.0)
    polygonal = all(
        g is None or g.is_empty or g.geom_type in ("Polygon", "MultiPolygon") for g in geoms
    )
    simplified = None
    if polygonal and hasattr(shapely, "coverage_simplify"):
        try:
            simplified = shapely.coverage_simplify(geoms, tolerance)
        except Exception:  # not a clean coverage: simplify each geometry on its own
            simplified = None
    if simplified is None:
        simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    wgs = gpd.GeoSeries(simplified, crs=metric.crs).to_crs(4326)
    return shapely.transform(np.asarray(wgs.array, dtype=object), lambda c: np.round(c, 5))


def geometry_json(geom: Any) -> Any:
    """The GeoJSON geometry of ``geom`` as a dict (``None`` for an empty one)."""
    if geom is None or geom.is_empty:
        return None
    return json.loads(shapely.to_geojson(geom))
