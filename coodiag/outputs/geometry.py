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
        return shapely.coverage_union_all(geoms)
    except Exception:  # pragma: no cover - not a clean coverage
        return shapely.union_all(geoms)


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
