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

from coodiag.base.dissolve import filled_units


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


#: Outlines already computed, by layer fingerprint (:func:`study_outline`); a few at most.
OUTLINES: dict[tuple, Any] = {}
OUTLINES_KEPT = 4
#: Largest relative difference of area between a layer and the départements it fills.
AREA_TOLERANCE = 1e-3


def study_outline(gdf: gpd.GeoDataFrame) -> Any:
    """The union of the units of ``gdf``: the outline of the study area.

    Computed once per layer (the maps of one document share it: :data:`OUTLINES`, keyed by
    the layer's size, CRS, bounds, vertex count and area). A layer of communes that fills whole
    départements (column ``dep``) takes the union of those départements from the base
    (:func:`departements_outline`: 96 polygons instead of 34,875 communes, 0.1 s instead of
    10 s for France); any other layer is dissolved."""
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    key = (
        len(geoms), str(gdf.crs), tuple(np.round(shapely.total_bounds(geoms), 3)),
        int(shapely.get_num_coordinates(geoms).sum()), round(float(shapely.area(geoms).sum())),
    )
    if key not in OUTLINES:
        outline = departements_outline(gdf)
        if outline is None:
            outline = _known_outline(key)
        if outline is None:
            outline = _union(geoms)
        outline = without_slivers(outline)
        while len(OUTLINES) >= OUTLINES_KEPT:  # a long session keeps a few only
            OUTLINES.pop(next(iter(OUTLINES)))
        OUTLINES[key] = outline
    return OUTLINES[key]


def _known_outline(key: tuple) -> Any:
    """An outline already computed for another layer of the same area (to
    :data:`AREA_TOLERANCE`) whose bounds hold this layer's: the zones d'emploi or the EPCI of
    France fill the départements already dissolved for its communes (1 to 2 s saved each; the
    EPCI leave out a few islands, 0.01 % of the area, which stay inside the study outline)."""
    _, crs, bounds, _, area = key

    def same(crs_o: str, bounds_o: tuple, area_o: float) -> bool:
        return (crs_o == crs and abs(area - area_o) <= AREA_TOLERANCE * max(area_o, 1.0)
                and bounds[0] >= bounds_o[0] - 1 and bounds[1] >= bounds_o[1] - 1
                and bounds[2] <= bounds_o[2] + 1 and bounds[3] <= bounds_o[3] + 1)

    for (_, crs_o, bounds_o, _, area_o), outline in OUTLINES.items():
        if outline is not None and same(crs_o, bounds_o, area_o):
            return outline
    deps = _departements()  # a layer of all metropolitan France: its 13 régions dissolved
    if deps is None or not len(deps):
        return None
    geoms = np.asarray(deps.geometry.array, dtype=object)
    france = (str(deps.crs), tuple(np.round(shapely.total_bounds(geoms), 3)),
              round(float(shapely.area(geoms).sum())))
    if not same(*france):
        return None
    return _union(_regions_for(deps))


#: Holes of an outline smaller than this (m²) are slivers between units, not lakes: dropped.
SLIVER_AREA = 10_000.0
#: Holes narrower than this share of the outline's span are dropped too: a lake of France
#: (the largest of its 56 holes: 35 km²) would be a dark speck of 1 mm on the page.
SPECK_SHARE = 0.01


def hole_threshold(outline: Any) -> float:
    """The least area (m²) of a hole kept in ``outline``: :data:`SLIVER_AREA`, or the square of
    :data:`SPECK_SHARE` of its span (France: 100 km²; Normandie: 8 km²; the Manche: 2 km²)."""
    x0, y0, x1, y1 = outline.bounds
    return max(SLIVER_AREA, (SPECK_SHARE * max(x1 - x0, y1 - y0)) ** 2)


def without_slivers(outline: Any, min_area: float | None = None) -> Any:
    """``outline`` without its holes smaller than ``min_area`` (default
    :func:`hole_threshold`): the slivers left between units that do not quite meet, and the
    lakes too small for the map, which the outline would draw as dark specks."""
    if outline is None or outline.is_empty or outline.geom_type not in ("Polygon", "MultiPolygon"):
        return outline
    parts = shapely.get_parts(outline)
    if not shapely.get_num_interior_rings(parts).any():
        return outline
    if min_area is None:
        min_area = hole_threshold(outline)
    holes = [[r for r in p.interiors if shapely.Polygon(r).area >= min_area] for p in parts]
    if sum(map(len, holes)) == int(shapely.get_num_interior_rings(parts).sum()):
        return outline  # no sliver: the same polygon
    kept = [shapely.Polygon(p.exterior, h) for p, h in zip(parts, holes, strict=True)]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def _union(geoms: np.ndarray) -> Any:
    try:
        outline = shapely.coverage_union_all(geoms)
    except Exception:  # not a clean coverage (ADMIN EXPRESS communes overlap slightly)
        outline = shapely.union_all(geoms)
    if not outline.is_valid:  # units that are not an exact coverage (zones d'emploi)
        outline = shapely.union_all(shapely.make_valid(geoms))
    return outline


def _departements() -> gpd.GeoDataFrame | None:
    """The départements of the base (metropolitan France, Lambert-93), read once."""
    if "departements" not in _LEVELS:
        from coodiag.base import store

        try:
            _LEVELS["departements"] = store.read_level("departements", zone="metro")
        except Exception:  # no base (a map of a layer of one's own): dissolve instead
            _LEVELS["departements"] = None
    return _LEVELS["departements"]


_LEVELS: dict[str, gpd.GeoDataFrame | None] = {}


def _regions_for(chosen: gpd.GeoDataFrame) -> np.ndarray:
    """The polygons of the départements ``chosen``, the régions they fill whole taken as one
    polygon of the base (France: 13 régions, a valid union in 0.2 s instead of 0.8 s)."""
    geoms = np.asarray(chosen.geometry.array, dtype=object)
    if "regions" not in _LEVELS:
        from coodiag.base import store

        try:
            _LEVELS["regions"] = store.read_level("regions", zone="metro")
        except Exception:  # no base: the départements themselves
            _LEVELS["regions"] = None
    regions = _LEVELS["regions"]
    if regions is None or "deps" not in regions.columns:
        return geoms
    codes = set(chosen["code"].astype(str))
    full = [i for i, deps in enumerate(regions["deps"]) if set(str(deps).split(",")) <= codes]
    if not full:
        return geoms
    covered = {d for i in full for d in str(regions["deps"].iloc[i]).split(",")}
    kept = regions.iloc[full]
    if kept.crs != chosen.crs:
        kept = kept.to_crs(chosen.crs)
    rest = geoms[~chosen["code"].astype(str).isin(covered).to_numpy()]
    return np.concatenate([np.asarray(kept.geometry.array, dtype=object), rest])


def departements_outline(gdf: gpd.GeoDataFrame) -> Any:
    """The union of the départements of the base that the communes of ``gdf`` fill, or
    ``None``: ``gdf`` must hold one row per commune (``code``) with its ``dep``, every commune
    of each of those départements (``n_communes``), and the same area (to 0.1 %)."""
    if "dep" not in gdf.columns or "code" not in gdf.columns or gdf.crs is None or not len(gdf):
        return None
    deps = _departements()
    if deps is None:
        return None
    whole = filled_units(gdf, deps)
    if not whole or len(whole) != gdf["dep"].nunique():
        return None
    chosen = deps[deps["code"].astype(str).isin(whole)]
    if chosen.crs != gdf.crs:
        chosen = chosen.to_crs(gdf.crs)
    outline = _union(_regions_for(chosen))
    area = float(shapely.area(np.asarray(gdf.geometry.array, dtype=object)).sum())
    if abs(outline.area - area) > AREA_TOLERANCE * max(outline.area, 1.0):
        return None
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


def _overlaps(xy: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, of symbols of ``radii`` at ``xy`` that overlap."""
    none = np.zeros(0, dtype=np.intp)
    if len(xy) < 2:
        return none, none
    if len(xy) <= 300:  # a small map: every pair
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        i, j = np.nonzero(np.triu(d < 0.9 * (radii[:, None] + radii[None, :]), 1))
        return i, j
    from scipy.spatial import cKDTree  # France: 3,900 SIAE, pairs of neighbours only

    near = cKDTree(xy).query_pairs(0.9 * 2.0 * float(radii.max()), output_type="ndarray")
    if not len(near):
        return none, none
    i, j = near.min(axis=1), near.max(axis=1)
    d = np.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1])
    keep = d < 0.9 * (radii[i] + radii[j])
    return i[keep], j[keep]


def piles(points: np.ndarray, radii: np.ndarray) -> list[list[int]]:
    """Groups of points whose symbols of ``radii`` overlap (same or close positions), sorted by
    index; a chain of overlapping symbols is one pile, and piles are merged until their
    circles (see :func:`spread`) do not overlap either."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    xy = np.asarray(points, dtype=float)
    radii = np.asarray(radii, dtype=float)
    n = len(xy)
    labels = np.arange(n)
    current = xy
    for _ in range(8):
        i, j = _overlaps(current, radii)
        a, b = labels[i], labels[j]
        new = a != b
        if not new.any():
            break
        graph = coo_matrix((np.ones(int(new.sum())), (a[new], b[new])), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
        labels = comp[labels]
        current = _rings(xy, radii, _groups(labels))
    return _groups(labels)


def _groups(labels: np.ndarray) -> list[list[int]]:
    """The groups of more than one point sharing a label, each sorted, in the order of their
    first point."""
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


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
    département, 500 m for France), or, for a layer of communes larger than a région, the
    display geometries of the base (:func:`display_geometries`, 1 km).
    """
    if tolerance is None:
        prebuilt = display_geometries(gdf)
        if prebuilt is not None:
            return prebuilt
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


#: Layers of at least this many communes (more than the largest région: several régions,
#: France) take their web geometries from the national display file of the base, the one the
#: explorer draws France with, coverage-simplified at 1 km once, when the base is built
#: (0.3 s instead of 9 s, and a third fewer vertices than France simplified on the fly).
DISPLAY_MIN = 6000


def display_geometries(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    """The national display geometries of the base (:mod:`coodiag.base.display`, WGS84, 5
    decimals) of the communes of ``gdf`` (column ``code``), or ``None`` when ``gdf`` is
    small, is not a layer of communes or the file is not built."""
    if len(gdf) < DISPLAY_MIN or "code" not in gdf.columns:
        return None
    from coodiag.base import display

    if not (display.display_dir() / f"communes_{display.FRANCE}.parquet").exists():
        return None
    shown = display.read_display("communes", None)
    geoms = shown.set_index(shown["code"].astype(str)).geometry
    geoms = geoms.reindex(gdf["code"].astype(str).to_numpy())
    if geoms.isna().any():
        return None
    return np.asarray(geoms.array, dtype=object)


def geometry_json(geom: Any) -> Any:
    """The GeoJSON geometry of ``geom`` as a dict (``None`` for an empty one)."""
    if geom is None or geom.is_empty:
        return None
    return json.loads(shapely.to_geojson(geom))
