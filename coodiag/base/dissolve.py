"""Territorial levels dissolved from the communes: zones d'emploi, EPCI, départements, régions."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from coodiag import levels


def _first(values: pd.Series) -> object:
    return values.iloc[0]


def dissolve_level(
    communes: gpd.GeoDataFrame, level: str, *, departements: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Dissolve the communes into one (multi)polygon per unit of ``level``.

    Communes without a code at that level (the four island communes outside any EPCI) are left
    out of that level only. ADMIN EXPRESS communes overlap slightly at some edges, so a full union
    is used rather than a coverage union; a rare invalid result is repaired with ``make_valid``.

    Returns ``code, nom, <extras>, n_communes, superficie_km2, deps, crs_zone, geometry``, where
    ``deps`` lists the départements a unit touches ("14,50") and ``crs_zone`` is the metric-CRS
    zone of its communes (a unit never spans two zones). Régions are dissolved from
    ``departements`` when given, which is equivalent and much faster.
    """
    lv = levels.get(level)
    code_col, name_col, extras = lv.code, lv.name, lv.extra
    df = communes.loc[communes[code_col].notna()]
    grouped = df.groupby(code_col, sort=True)
    attrs = grouped.agg(
        nom=(name_col, _first),
        n_communes=("code", "size"),
        superficie_km2=("superficie_km2", "sum"),
        crs_zone=("crs_zone", _first),
        **{extra: (extra, _first) for extra in extras},
    )
    attrs["deps"] = grouped["dep"].agg(lambda s: ",".join(sorted(s.unique())))
    if lv is levels.REGION and departements is not None:
        # Régions nest départements exactly: 101 polygons to union instead of 34,875.
        source = departements.assign(reg=departements["reg"]).groupby("reg", sort=True)
        geoms = source.geometry.agg(lambda s: shapely.union_all(s.to_numpy()))
    else:
        geoms = grouped.geometry.agg(lambda s: shapely.union_all(s.to_numpy()))
    geoms = [g if g.is_valid else shapely.make_valid(g) for g in geoms]
    out = gpd.GeoDataFrame(
        attrs.reset_index().rename(columns={code_col: "code"}),
        geometry=list(geoms),
        crs=communes.crs,
    )
    order = ["code", "nom", *extras, "n_communes", "superficie_km2", "deps", "crs_zone"]
    return out[[*order, "geometry"]]


def filled_units(communes: pd.DataFrame, units: pd.DataFrame, column: str = "dep") -> list[str]:
    """The codes of the ``units`` (a level of :func:`dissolve_level`: ``code``, ``n_communes``)
    of which ``communes`` (one row per commune: ``code``, its unit in ``column``) holds every
    commune: the units a territory fills whole, which a map outline or a grid mask takes as
    one polygon of the base instead of their communes."""
    if (column not in communes.columns or "n_communes" not in units.columns or not len(communes)
            or ("code" in communes.columns and not communes["code"].is_unique)):
        return []
    counts = communes[column].astype(str).value_counts()
    expected = units.set_index(units["code"].astype(str))["n_communes"]
    return [u for u, n in counts.items() if u in expected.index and expected[u] == n]
