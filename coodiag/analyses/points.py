"""Points of communes and SIAE in metres, in the metric CRS of their zone.

Distances are straight lines between commune representative points (column ``point`` of the
base, the town hall where known) and SIAE points, in the metric CRS of each zone (Lambert-93
EPSG:2154 for metropolitan France and Corsica, the official UTM CRS of each DROM). A frame in
WGS84 is split by ``crs_zone`` and reprojected; an SIAE only serves the communes of its own zone
(metropolitan SIAE never reach a DROM and the reverse).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coodiag import settings


def to_xy(points) -> np.ndarray:
    """(n, 2) float array of x, y from points (GeoSeries, array of shapely points, or array)."""
    if isinstance(points, np.ndarray) and points.dtype != object:
        arr = np.asarray(points, dtype="float64")
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError("Les coordonnées doivent former un tableau (n, 2) en mètres.")
        return arr
    geoms = np.asarray(getattr(points, "values", points), dtype=object)
    return np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)]).astype("float64")


def zone_crs(zone: str):
    """Metric CRS of a zone: the official UTM CRS of a DROM (``"971"``...), else Lambert-93."""
    return settings.CRS_DROM.get(str(zone), settings.CRS_METRO)


def commune_points(communes: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Representative point of each commune: column ``point`` (town hall where known), else a
    point inside its polygon; in the CRS of ``communes``."""
    if "point" in communes.columns:
        pts = communes["point"]
        if not isinstance(pts, gpd.GeoSeries):
            pts = gpd.GeoSeries(pts, crs=communes.crs)
        if pts.crs is None:
            pts = pts.set_crs(communes.crs)
        return pts
    return communes.geometry.representative_point()


def metric_parts(communes: gpd.GeoDataFrame) -> list[tuple[str, object, pd.Index, np.ndarray]]:
    """Split communes by zone: ``[(zone, metric crs, row index, xy metres)]``.

    A projected frame (``read_level("communes", zone=...)``) is one part; a geographic one
    (WGS84, all France) is split by ``crs_zone`` and each part reprojected to its metric CRS.
    """
    pts = commune_points(communes)
    if communes.crs is not None and communes.crs.is_projected:
        zones = communes["crs_zone"].dropna().unique() if "crs_zone" in communes else []
        zone = str(zones[0]) if len(zones) == 1 else "metro"
        return [(zone, communes.crs, communes.index, to_xy(pts.to_crs(communes.crs)))]
    if "crs_zone" not in communes.columns:
        raise ValueError(
            "Communes en coordonnées géographiques sans colonne « crs_zone » : "
            "impossible de choisir une projection métrique."
        )
    parts = []
    for zone, idx in communes.groupby("crs_zone", sort=True).groups.items():
        crs = zone_crs(zone)
        parts.append((str(zone), crs, pd.Index(idx), to_xy(pts.loc[idx].to_crs(crs))))
    return parts


def siae_zone(registry: pd.DataFrame) -> pd.Series:
    """Zone of each SIAE: ``metro`` or the DROM code (971...976), from its département."""
    dep = registry["dep"].astype("string")
    return dep.str[:3].where(dep.str.startswith("97"), "metro").where(dep.notna())


def usable_siae(registry: gpd.GeoDataFrame) -> pd.Series:
    """SIAE with a commune, a département and a non-empty point."""
    geom = registry.geometry
    return (
        registry["code_commune"].notna()
        & registry["dep"].notna()
        & geom.notna().to_numpy()
        & ~geom.is_empty.fillna(True).to_numpy()
    )


def siae_xy(registry: gpd.GeoDataFrame, zone: str, crs) -> tuple[pd.Index, np.ndarray]:
    """Usable SIAE of ``zone`` (:func:`usable_siae`): their row index and (n, 2) metres in
    ``crs``."""
    mask = usable_siae(registry) & (siae_zone(registry) == zone).fillna(False)
    part = registry.loc[mask.to_numpy()]
    if len(part) == 0:
        return part.index, np.empty((0, 2))
    return part.index, to_xy(part.geometry.to_crs(crs))
