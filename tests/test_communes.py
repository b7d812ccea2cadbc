"""The territorial base, checked against the INSEE files of the real mirror."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from coodiag import settings
from coodiag.base import store
from coodiag.mirror.loaders import load


@pytest.fixture(scope="module")
def communes(base: dict) -> gpd.GeoDataFrame:
    return store.read_level("communes")


@pytest.fixture(scope="module")
def insee_communes(raw_synced: None) -> pd.DataFrame:
    return pd.read_csv(settings.raw_dir() / "cog/insee-2025/seed_insee_communes.csv", dtype=str)


def test_commune_count_matches_insee_file(communes, insee_communes) -> None:
    com = insee_communes[insee_communes["typecom"] == "COM"]
    assert len(communes) == len(com) == 34875
    assert set(communes["code"]) == set(com["com"].str.zfill(5))
    assert communes["code"].is_unique
    assert communes["code"].str.len().eq(5).all()
    assert set(communes["crs_zone"]) == {"metro", "971", "972", "973", "974", "976"}
    assert (communes["dep"] == "2A").sum() == 124
    assert (communes["crs_zone"] == "974").sum() == 24


def test_one_zone_emploi_and_epci_where_insee_gives_one(communes) -> None:
    ze = load("zones_emploi").set_index("code")
    assert communes["ze2020"].notna().all()
    assert (communes.set_index("code")["ze2020"] == ze["ze2020"]).all()
    assert communes["ze2020"].str.len().eq(4).all()
    assert communes["ze2020"].nunique() == 306
    epci = pd.read_csv(
        settings.raw_dir() / "cog/insee-2025/seed_insee_epci_commune.csv", dtype=str
    ).set_index("codgeo")["epci"]
    without = set(epci[epci == "ZZZZZZZZZ"].index)
    assert without == {"22016", "29083", "29155", "85113"}  # the four islands
    have = communes[~communes["code"].isin(without)]
    assert have["epci"].notna().all() and communes["epci"].isna().sum() == 4
    assert (have.set_index("code")["epci"] == epci.reindex(have["code"]).to_numpy()).all()


def test_named_communes(communes) -> None:
    c = communes.set_index("code")
    avranches = c.loc["50025"]
    assert avranches["nom"] == "Avranches"
    assert (avranches["dep"], avranches["reg"], avranches["ze2020"]) == ("50", "28", "2802")
    assert avranches["ze_nom"] == "Avranches"
    assert avranches["epci"] == "200069425"
    assert avranches["bassin_bmo_nom"] == "SUD MANCHE"
    assert avranches["clpe"] == "CLPE50003"
    assert avranches["zrr"] == "C"
    assert avranches["frr"] == "FRR (commune classée)"
    assert avranches["superficie_km2"] == pytest.approx(11.05, abs=0.1)
    assert avranches["point_source"] == "mairie"
    assert c.loc["75056", "superficie_km2"] == pytest.approx(105.4, rel=0.02)
    assert c.loc["97411", "nom"] == "Saint-Denis" and c.loc["97411", "dep"] == "974"
    assert c.loc["2A004", "nom"] == "Ajaccio" and c.loc["2A004", "reg_nom"] == "Corse"


def test_geometries_valid_and_points_inside(communes) -> None:
    geoms = communes.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(communes.geom_type) == {"MultiPolygon"}
    points = gpd.GeoSeries(communes["point"], crs=4326)
    assert points.intersects(communes.geometry).all()


def test_new_2025_communes_rebuilt(communes) -> None:
    geo = load("communes_geo")
    c = communes.set_index("code")
    # Code changes of 2025: rebuilt from their communes déléguées, same area as the parts.
    for code in ("12218", "14581", "49126", "69114"):
        assert c.loc[code, "geometry_source"] == "union des communes déléguées"
        parts = geo[(geo["parent_code"] == code) & (geo["typecom"] == "COMD")].to_crs(2154)
        assert c.loc[[code]].to_crs(2154).area.iloc[0] == pytest.approx(
            parts.union_all().area, rel=1e-6
        )
    # Neussargues-en-Pinatelle split in 2025: five cells tiling the old commune.
    split = ["15031", "15035", "15047", "15141", "15171"]
    assert (c.loc[split, "geometry_source"].str.startswith("partage de Voronoï")).all()
    old = geo[(geo["code"] == "15141") & (geo["typecom"] == "COM")].to_crs(2154).area.iloc[0]
    assert c.loc[split, "superficie_km2"].sum() * 1e6 == pytest.approx(old, rel=1e-6)
    assert old / 1e6 == pytest.approx(92.2, abs=0.1)


def test_metric_files_and_cog_metadata(base) -> None:
    assert base["cog_vintage"] == 2025
    metro = store.read_level("communes", zone="metro")
    assert metro.crs.to_epsg() == 2154 and len(metro) == 34875 - 129
    assert store.read_level("communes", zone="974").crs.to_epsg() == 2975
    assert store.read_level("departements", zone="973").crs.to_epsg() == 2972
    for name in ("communes", "communes_metro", "zones_emploi_971", "regions"):
        assert store.file_meta(store.base_dir() / f"{name}.parquet")["cog"] == 2025


def test_levels_dissolved(base) -> None:
    assert base["counts"]["zones_emploi"] == 306
    assert base["counts"]["epci"] == 1253
    assert base["counts"]["departements"] == 101
    assert base["counts"]["regions"] == 18
    deps = store.read_level("departements").set_index("code")
    assert deps.loc["50", "nom"] == "Manche" and deps.loc["50", "n_communes"] == 445
    assert shapely.is_valid(deps.geometry.to_numpy()).all()
    regions = store.read_level("regions").set_index("code")
    assert regions.loc["28", "nom"] == "Normandie" and regions.loc["28", "n_communes"] == 2644
    # The area of a région equals the sum of its départements' areas (one tiling).
    reg_l93 = store.read_level("regions", zone="metro").set_index("code")
    dep_l93 = store.read_level("departements", zone="metro")
    normandie = dep_l93[dep_l93["reg"] == "28"].area.sum()
    assert reg_l93.loc[["28"]].area.iloc[0] == pytest.approx(normandie, rel=1e-3)


def test_zones_match_insee_polygons(base) -> None:
    """Overlap of each dissolved zone d'emploi with INSEE's own zone polygon."""
    ours = store.read_level("zones_emploi")
    ref = load("ze_polygones")
    merged = ours.merge(ref[["code", "geometry"]], on="code", suffixes=("", "_insee"))
    assert len(merged) == 306
    ratios = []
    for zone, part in merged.groupby("crs_zone"):
        epsg = settings.CRS_DROM.get(zone, settings.CRS_METRO)
        a = gpd.GeoSeries(part["geometry"], crs=4326).to_crs(epsg)
        b = gpd.GeoSeries(part["geometry_insee"], crs=4326).to_crs(epsg)
        inter = a.intersection(b).area.to_numpy()
        union = a.union(b).area.to_numpy()
        ratios.append(pd.Series(inter / union, index=part["code"].to_numpy()))
    iou = pd.concat(ratios)
    assert iou.median() > 0.98
    # Coastlines differ (estuaries): the worst zone, Lesparre-Médoc, still overlaps at 88 %.
    assert iou.min() > 0.85
    assert iou.idxmin() == "7515"
    assert iou["2802"] > 0.98  # Avranches
