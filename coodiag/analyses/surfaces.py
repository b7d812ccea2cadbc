"""Accessibility surfaces: the 2SFCA and the distance to the nearest SIAE on a grid of cells.

A commune is one point in :func:`coodiag.analyses.access.accessibility`; a surface evaluates the
same measures at the centre of every cell of a regular grid (200 m by default) clipped to a
territory, so that a planner sees *where* between the commune points the offer is in reach.

2SFCA surface. Step 1 is the commune 2SFCA unchanged (:func:`supply_runs`): the
supply-to-demand ratio of each SIAE j,

.. math:: R_j = \\frac{S_j}{\\sum_{k:\\, d_{kj} \\le d_0} W(d_{kj})\\, D_k}

over the commune demand D_k (no gridded population needed). Step 2 is evaluated at any point x:

.. math:: A(x) = \\sum_{j:\\, d(x, j) \\le d_0} W(d(x, j))\\, R_j

so that at a commune's representative point A equals the commune 2SFCA (same distance
expression, same test d ≤ d0, same W: :func:`coodiag.analyses.fca.decay_weights`).

Memory stays bounded: the points are processed tile by tile (:data:`TILE_M` metres square);
for each tile only the SIAE within d0 of the tile are taken (KD-tree), and the tile's
points × SIAE distances are computed in slices of at most :data:`MAX_ELEMENTS` values. No list
of all pairs is ever held: a national 200 m surface needs the grid and one tile's work.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio import features
from rasterio.transform import Affine
from scipy.spatial import cKDTree

from coodiag.analyses.access import (
    ALL,
    DEFAULT_RADIUS_ALL_KM,
    DEFAULT_RADIUS_KM,
    TYPES_SIAE,
    with_capacity,
)
from coodiag.analyses.fca import DecayFn, decay_weights, two_stage_fca
from coodiag.analyses.points import metric_parts, siae_zone, to_xy, usable_siae

#: Side of a tile of points processed at once, metres.
TILE_M = 12_800.0
#: Largest points × SIAE distance slice computed at once (values; 8 bytes each).
MAX_ELEMENTS = 1_000_000
#: Default cell size, metres, and the accepted range.
DEFAULT_RESOLUTION_M = 200.0
MIN_RESOLUTION_M = 50.0
MAX_RESOLUTION_M = 10_000.0


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells in a metric CRS, north up.

    ``x0, y0``: west and north edges (metres, multiples of ``resolution``); ``inside``:
    (height, width) booleans, True for the cells whose centre lies in the territory.
    """

    crs: object
    x0: float
    y0: float
    resolution: float
    inside: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.inside.shape

    @property
    def transform(self):
        """The affine transform (rasterio) of the grid."""
        return Affine(self.resolution, 0.0, self.x0, 0.0, -self.resolution, self.y0)

    @property
    def n_cells(self) -> int:
        return int(self.inside.sum())

    def centres(self, rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """x of the centres of ``cols`` and y of the centres of ``rows`` (metres)."""
        h, w = self.shape
        c = np.arange(*cols.indices(w), dtype="float64")
        r = np.arange(*rows.indices(h), dtype="float64")
        return self.x0 + (c + 0.5) * self.resolution, self.y0 - (r + 0.5) * self.resolution


def make_grid(geometries, crs, resolution: float = DEFAULT_RESOLUTION_M) -> Grid:
    """The grid covering ``geometries`` (polygons in the metric CRS ``crs``), cells of
    ``resolution`` metres aligned on multiples of it; a cell is inside when its centre lies in
    one of the polygons (GDAL rasterisation, the cell-centre rule)."""
    res = float(resolution)
    if not (MIN_RESOLUTION_M <= res <= MAX_RESOLUTION_M):
        raise ValueError(
            f"Résolution {res:g} m hors des bornes ({MIN_RESOLUTION_M:g} à "
            f"{MAX_RESOLUTION_M:g} m)."
        )
    geoms = [g for g in np.asarray(getattr(geometries, "values", geometries), dtype=object)
             if g is not None and not g.is_empty]
    if not geoms:
        raise ValueError("Territoire sans géométrie : aucune cellule à calculer.")
    minx, miny, maxx, maxy = gpd.GeoSeries(geoms).total_bounds
    x0, y0 = math.floor(minx / res) * res, math.ceil(maxy / res) * res
    width = max(1, math.ceil((maxx - x0) / res))
    height = max(1, math.ceil((y0 - miny) / res))
    inside = features.rasterize(
        ((g, 1) for g in geoms), out_shape=(height, width),
        transform=Affine(res, 0.0, x0, 0.0, -res, y0), fill=0, dtype="uint8", all_touched=False,
    ).astype(bool)
    return Grid(crs=crs, x0=x0, y0=y0, resolution=res, inside=inside)


@dataclass(frozen=True)
class SupplyRun:
    """The supply side of one 2SFCA run (one SIAE type, or :data:`ALL`) in one zone.

    ``xy``: SIAE points (metres), ``capacity``: S_j, ``ratio``: R_j of the commune 2SFCA,
    ``siret``: their SIRET; ``radius_km``: d0.
    """

    name: str
    radius_km: float
    xy: np.ndarray
    capacity: np.ndarray
    ratio: np.ndarray
    siret: np.ndarray


def zone_supply(registry: gpd.GeoDataFrame, zone: str, crs) -> gpd.GeoDataFrame:
    """The usable SIAE of ``zone`` (with capacity, estimated where unknown), in ``crs``."""
    reg = with_capacity(registry)
    mask = (usable_siae(reg) & (siae_zone(reg) == zone).fillna(False)).to_numpy()
    return reg.loc[mask].to_crs(crs)


def supply_runs(
    communes: gpd.GeoDataFrame,
    registry: gpd.GeoDataFrame,
    demand_df: pd.DataFrame,
    *,
    types: Sequence[str] | None = None,
    radius_km_by_type: Mapping[str, float] | None = None,
    radius_km_all: float | None = DEFAULT_RADIUS_ALL_KM,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    demand_points: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[SupplyRun]:
    """Step 1 of the 2SFCA, exactly as :func:`coodiag.analyses.access.accessibility` computes it.

    ``communes``: every commune of ONE zone in its metric CRS (the demand locations: all of
    them, not only the territory's, since an SIAE near the edge serves beyond it);
    ``demand_df``: ``code, demande``. One run per type (radius ``radius_km_by_type``, default
    :data:`~coodiag.analyses.access.DEFAULT_RADIUS_KM`) and one for all types (:data:`ALL`,
    ``radius_km_all``; None to skip). Same SIAE as the commune 2SFCA: usable, of the zone, of
    the type, with a capacity. ``demand_points``: ``(xy, demand)`` placed elsewhere than at
    the commune points (a gridded population: :mod:`coodiag.analyses.surface_demand`).
    """
    parts = metric_parts(communes)
    if len(parts) != 1:
        raise ValueError("Communes d'une seule zone attendues (métropole ou un DROM).")
    zone, crs, _idx, xy = parts[0]
    radii = {**DEFAULT_RADIUS_KM, **(radius_km_by_type or {})}
    types = list(types or TYPES_SIAE)
    dem = communes["code"].map(demand_df.set_index("code")["demande"]).to_numpy("float64")
    if demand_points is not None:
        xy, dem = demand_points
    part = zone_supply(registry, zone, crs)
    kinds = part["type_siae"].astype("string")
    cap = part["capacite"].astype("float64")
    s_xy = to_xy(part.geometry) if len(part) else np.empty((0, 2))
    specs = [(t, float(radii[t]), kinds == t) for t in types]
    if radius_km_all is not None:
        specs.append((ALL, float(radius_km_all), kinds.isin(types)))
    runs = []
    for name, radius, sel in specs:
        m = (sel & cap.notna()).fillna(False).to_numpy()
        res = two_stage_fca(s_xy[m], cap.to_numpy()[m], xy, dem, radius_km=radius,
                            decay=decay, sigma_km=sigma_km)
        runs.append(SupplyRun(name=name, radius_km=radius, xy=s_xy[m],
                              capacity=cap.to_numpy()[m], ratio=res.ratio,
                              siret=part["siret"].astype("string").to_numpy()[m]))
    return runs


def _block_access(pxy, sxy, ratio, radius_km, decay, sigma_km) -> np.ndarray:
    """A(x) for the points ``pxy`` over the candidate SIAE ``sxy`` (slices of bounded size)."""
    out = np.zeros(len(pxy))
    step = max(1, MAX_ELEMENTS // max(1, len(sxy)))
    for a in range(0, len(pxy), step):
        p = pxy[a : a + step]
        # The distance expression and test of fca.pairs_within, so the same pairs are kept.
        d = np.hypot(p[:, :1] - sxy[:, 0], p[:, 1:] - sxy[:, 1]) / 1000.0
        near = d <= radius_km
        if decay == "step":
            w = near.astype("float64")
        else:
            w = np.where(near, decay_weights(d, radius_km=radius_km, decay=decay,
                                             sigma_km=sigma_km), 0.0)
        out[a : a + step] = w @ ratio
    return out


class _Reach:
    """The SIAE of a run with R_j > 0 (the others add nothing), and their KD-tree."""

    def __init__(self, run: SupplyRun) -> None:
        keep = (run.ratio > 0) & np.isfinite(run.xy).all(axis=1)
        self.xy, self.ratio, self.radius_km = run.xy[keep], run.ratio[keep], run.radius_km
        self.tree = cKDTree(self.xy) if len(self.xy) else None

    def candidates(self, centre, half_diag: float) -> np.ndarray:
        reach = self.radius_km * 1000.0 * (1 + 1e-9) + half_diag + 1.0
        return np.sort(np.asarray(self.tree.query_ball_point(centre, reach), dtype=np.int64))


def access_at(
    points,
    run: SupplyRun,
    *,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    tile_m: float = TILE_M,
) -> np.ndarray:
    """A(x) at any points (metres, the zone's metric CRS), tile by tile.

    At the commune points with the runs of :func:`supply_runs`, equals the commune 2SFCA
    (``acces_<type>`` of :func:`~coodiag.analyses.access.accessibility`). Unit: salariés en
    insertion per person of the demand. NaN for a point without coordinates.
    """
    xy = to_xy(points)
    out = np.full(len(xy), np.nan)
    ok = np.flatnonzero(np.isfinite(xy).all(axis=1))
    out[ok] = 0.0
    reach = _Reach(run)
    if reach.tree is None or len(ok) == 0:
        return out
    tiles = np.floor(xy[ok] / tile_m).astype(np.int64)
    keys, inverse = np.unique(tiles, axis=0, return_inverse=True)
    order = np.argsort(inverse.ravel(), kind="stable")
    bounds = np.searchsorted(inverse.ravel()[order], np.arange(len(keys) + 1))
    half = tile_m * math.sqrt(2) / 2
    for k, key in enumerate(keys):
        rows = ok[order[bounds[k] : bounds[k + 1]]]
        cand = reach.candidates((key + 0.5) * tile_m, half)
        if len(cand):
            out[rows] = _block_access(xy[rows], reach.xy[cand], reach.ratio[cand],
                                      reach.radius_km, decay, sigma_km)
    return out


def _tiles(grid: Grid, tile_m: float) -> Iterable[tuple[slice, slice]]:
    n = max(1, round(tile_m / grid.resolution))
    h, w = grid.shape
    for r in range(0, h, n):
        for c in range(0, w, n):
            rows, cols = slice(r, min(r + n, h)), slice(c, min(c + n, w))
            if grid.inside[rows, cols].any():
                yield rows, cols


def access_surface(
    grid: Grid,
    run: SupplyRun,
    *,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    tile_m: float = TILE_M,
) -> np.ndarray:
    """A(x) at the centre of every cell of ``grid`` (float32, NaN outside the territory).

    Same evaluation as :func:`access_at` (one tile of cells at a time). Unit: salariés en
    insertion per person of the demand.
    """
    out = np.full(grid.shape, np.nan, dtype="float32")
    reach = _Reach(run)
    out[grid.inside] = 0.0
    if reach.tree is None:
        return out
    for rows, cols in _tiles(grid, tile_m):
        xs, ys = grid.centres(rows, cols)
        sub = grid.inside[rows, cols]
        rr, cc = np.nonzero(sub)
        pxy = np.column_stack([xs[cc], ys[rr]])
        half = math.hypot(xs[-1] - xs[0], ys[0] - ys[-1]) / 2 + grid.resolution
        cand = reach.candidates(((xs[0] + xs[-1]) / 2, (ys[0] + ys[-1]) / 2), half)
        if len(cand):
            block = out[rows, cols]
            block[rr, cc] = _block_access(pxy, reach.xy[cand], reach.ratio[cand],
                                          reach.radius_km, decay, sigma_km)
    return out


def nearest_surface(grid: Grid, supply_xy, *, tile_m: float = TILE_M * 8) -> np.ndarray:
    """Distance (km, straight line) from every cell centre to the nearest of ``supply_xy``
    (float32; NaN outside the territory, and everywhere when there is no supply)."""
    out = np.full(grid.shape, np.nan, dtype="float32")
    sxy = to_xy(supply_xy)
    sxy = sxy[np.isfinite(sxy).all(axis=1)]
    if len(sxy) == 0:
        return out
    tree = cKDTree(sxy)
    for rows, cols in _tiles(grid, tile_m):
        xs, ys = grid.centres(rows, cols)
        rr, cc = np.nonzero(grid.inside[rows, cols])
        dist, _ = tree.query(np.column_stack([xs[cc], ys[rr]]), k=1)
        block = out[rows, cols]
        block[rr, cc] = dist / 1000.0
    return out


def nearest_supply(registry: gpd.GeoDataFrame, zone: str, crs,
                   types: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Points (metres) of the usable SIAE of ``zone`` per type and for all of them
    (:data:`ALL`): the SIAE of :func:`~coodiag.analyses.access.nearest_siae`."""
    types = list(types or TYPES_SIAE)
    mask = (usable_siae(registry) & (siae_zone(registry) == zone).fillna(False)).to_numpy()
    part = registry.loc[mask]
    xy = to_xy(part.geometry.to_crs(crs)) if len(part) else np.empty((0, 2))
    kinds = part["type_siae"].astype("string")
    out = {t: xy[(kinds == t).fillna(False).to_numpy()] for t in types}
    out[ALL] = xy[kinds.isin(types).fillna(False).to_numpy()]
    return out


def registry_after(
    communes: gpd.GeoDataFrame,
    registry: gpd.GeoDataFrame,
    *,
    open: Iterable[tuple[str, str, float | None]] = (),
    close: Iterable[str] = (),
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The registry after a scenario of :func:`coodiag.analyses.scenario.scenario`: the SIRETs
    ``close`` removed, the structures ``open`` (``(commune, type, capacity)``) added at their
    commune's representative point. Returns it and the types touched."""
    from coodiag.analyses.scenario import opened_rows

    reg = with_capacity(registry)
    closed = {str(s) for s in close}
    sirets = reg["siret"].astype("string")
    unknown = sorted(closed - set(sirets.dropna()))
    if unknown:
        raise ValueError(f"SIRET inconnu(s) du registre : {', '.join(unknown)}")
    gone = sirets.isin(closed).fillna(False).to_numpy()
    touched = set(reg.loc[gone, "type_siae"].astype(str))
    after = reg.loc[~gone]
    opened = list(open)
    if opened:
        new = opened_rows(communes, opened, reg.crs)
        touched |= set(new["type_siae"])
        after = gpd.GeoDataFrame(pd.concat([after, new], ignore_index=True),
                                 geometry="geometry", crs=reg.crs)
    return after, [t for t in TYPES_SIAE if t in touched]
