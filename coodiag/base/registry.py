"""The SIAE registry: the insertion offer placed in its commune, merged across the two lists.

Pure functions on loaded frames (:mod:`coodiag.mirror.loaders.siae`) and the commune table of the
base; :mod:`coodiag.base.build` writes the result into the base (tables ``siae`` and
``siae_rejets``).

- The 2021 platform list (with coordinates) is placed by point in polygon; a point in the sea
  or just across a border goes to the nearest commune within :data:`SNAP_METRES`.
- The July 2019 ASP list and the GEIQ list (postal code and commune name only) are placed with
  :func:`coodiag.reference.geocode.resolve_communes` (postal code + normalised name against the
  COG).
- Both lists are merged on (SIRET, type): every structure of either list is kept, flagged by
  the lists it appears in; every field says which list (and date) it comes from.
- Capacity: the user's figures where given, else the national average per type published by
  DARES (31/12/2019), flagged as an estimate.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import settings
from coodiag.mirror.loaders.siae import DATE_ASP, DATE_EMPLOIS, DATE_GEIQ

#: SIAE types, in display order, with their French names.
TYPES = {
    "ACI": "atelier et chantier d'insertion",
    "AI": "association intermédiaire",
    "EI": "entreprise d'insertion",
    "ETTI": "entreprise de travail temporaire d'insertion",
    "EITI": "entreprise d'insertion par le travail indépendant",
    "GEIQ": "groupement d'employeurs pour l'insertion et la qualification",
}


#: A platform point outside every commune (coast, border) snaps to a commune this close.
SNAP_METRES = 1000.0

#: A platform point in another commune than the one both lists name, but this close to the
#: named commune's boundary, is a geocoding slip: the named commune wins.
BOUNDARY_METRES = 50.0

SRC_EMPLOIS = f"plateforme de l'inclusion ({DATE_EMPLOIS})"
SRC_ASP = f"liste ASP ({DATE_ASP})"
SRC_GEIQ = f"liste des GEIQ ({DATE_GEIQ})"

Resolver = Callable[..., pd.DataFrame]


def place_points(
    df: pd.DataFrame, communes: gpd.GeoDataFrame, *, lon: str = "lon", lat: str = "lat"
) -> pd.DataFrame:
    """The commune of each (lon, lat) point: ``code_commune`` and ``placement`` (French).

    Point in polygon first; a point outside every polygon goes to the nearest commune within
    :data:`SNAP_METRES` (Lambert-93 or the DROM's metric CRS); rows without coordinates are
    left missing (``placement`` NA) for the caller to place otherwise.
    """
    out = pd.DataFrame(
        {
            "code_commune": pd.Series(pd.NA, index=df.index, dtype="string"),
            "placement": pd.Series(pd.NA, index=df.index, dtype="string"),
        }
    )
    has = df[lon].notna() & df[lat].notna()
    pts = gpd.GeoDataFrame(
        index=df.index[has],
        geometry=gpd.points_from_xy(df.loc[has, lon], df.loc[has, lat]),
        crs=4326,
    )
    hit = gpd.sjoin(pts, communes[["code", "geometry"]], predicate="within", how="left")
    hit = hit[~hit.index.duplicated()]
    inside = hit["code"].notna()
    out.loc[hit.index[inside], "code_commune"] = hit.loc[inside, "code"]
    out.loc[hit.index[inside], "placement"] = "coordonnées dans la commune"
    outside = hit.index[~inside]
    if len(outside):
        for zone, part in communes.groupby("crs_zone"):
            epsg = settings.CRS_DROM.get(str(zone), settings.CRS_METRO)
            near = gpd.sjoin_nearest(
                pts.loc[outside].to_crs(epsg),
                part[["code", "geometry"]].to_crs(epsg),
                max_distance=SNAP_METRES,
                distance_col="metres",
            )
            near = near[~near.index.duplicated()]
            todo = near.index[out.loc[near.index, "code_commune"].isna()]
            out.loc[todo, "code_commune"] = near.loc[todo, "code"]
            out.loc[todo, "placement"] = [
                f"coordonnées hors commune, commune la plus proche ({m:.0f} m)"
                for m in near.loc[todo, "metres"]
            ]
    return out


def named_commune_wins(
    points: pd.DataFrame,
    named: pd.Series,
    communes: gpd.GeoDataFrame,
    *,
    metres: float = BOUNDARY_METRES,
) -> pd.Series:
    """Distance (m) from each point to the commune both lists name, where the named wins.

    ``points``: ``lon, lat, code_commune`` (the commune of the coordinates); ``named``: the
    commune both lists name (same index, NA where they disagree or one is missing). A row is
    corrected when the point lies in another commune than the named one and within
    ``metres`` of the named commune's polygon (a point geocoded just across a boundary: CIAS
    de Bernay, 20000377000050, falls 8 m inside Courbépine). Returns the distances of the
    rows to correct (metres, measured in Lambert-93 or the DROM's metric CRS).
    """
    cand = named.notna() & points["code_commune"].notna() & (named != points["code_commune"])
    cand &= points["lon"].notna() & points["lat"].notna()
    if not cand.any():
        return pd.Series(dtype="float64")
    geo = communes.set_index("code")
    sub = points.loc[cand]
    target = named[cand].astype(str)
    keep = target.isin(geo.index)
    sub, target = sub[keep], target[keep]
    pts = gpd.GeoSeries(gpd.points_from_xy(sub["lon"], sub["lat"]), index=sub.index, crs=4326)
    polys = gpd.GeoSeries(geo.loc[target, "geometry"].to_numpy(), index=sub.index, crs=4326)
    dist = pd.Series(np.nan, index=sub.index)
    zones = target.map(geo["crs_zone"]).astype(str)
    for zone in zones.unique():
        rows = zones.index[zones == zone]
        epsg = settings.CRS_DROM.get(zone, settings.CRS_METRO)
        dist[rows] = pts[rows].to_crs(epsg).distance(polys[rows].to_crs(epsg)).to_numpy()
    return dist[dist <= metres]


def _place_by_name(df: pd.DataFrame, resolve: Resolver, *, name_col: str) -> pd.DataFrame:
    res = resolve(df[["code_postal", name_col]].copy(), postal_col="code_postal", name_col=name_col)
    return pd.DataFrame(
        {
            "code_commune": res["code_commune"].astype("string"),
            "placement": res["resolution"].astype("string").where(res["code_commune"].notna()),
            "motif": res["reason"].astype("string"),
        },
        index=df.index,
    )


def build_registry(
    *,
    emplois: pd.DataFrame,
    asp: pd.DataFrame,
    geiq: pd.DataFrame,
    communes: gpd.GeoDataFrame,
    resolve: Resolver,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The SIAE registry and the report of the source rows it could not use as such.

    Returns ``(registry, rejets)``. ``registry``: one row per (SIRET, type), WGS84 points,
    columns described in :data:`REGISTRY_COLUMNS` (the type is ``type_siae``: a column named
    ``type`` would be shadowed by ``GeoDataFrame.type``). ``rejets``: ``source, ligne, siret, type,
    motif`` for every source row not kept as its own structure (duplicates, entreprises
    adaptées) and for every structure kept without a commune.
    """
    rejets: list[dict] = []

    # 2021 platform list: drop the entreprises adaptées (not IAE), place by coordinates.
    ea = emplois["type"] == "EA"
    for idx, row in emplois[ea].iterrows():
        rejets.append(
            {
                "source": SRC_EMPLOIS,
                "ligne": idx + 1,
                "siret": row["siret"],
                "type": "EA",
                "motif": "entreprise adaptée : hors du champ de l'IAE",
            }
        )
    em = emplois[~ea].copy()
    em[["code_commune", "placement"]] = place_points(em, communes)
    # Some platform points are geocoded in the wrong part of France (mostly GEIQ): a point
    # whose commune is not in the declared département is not trusted.
    placed_dep = em["code_commune"].map(communes.set_index("code")["dep"])
    wrong = placed_dep.notna() & em["departement"].notna() & (placed_dep != em["departement"])
    for idx, row in em[wrong].iterrows():
        rejets.append(
            {
                "source": SRC_EMPLOIS,
                "ligne": idx + 1,
                "siret": row["siret"],
                "type": row["type"],
                "motif": (
                    f"coordonnées dans le département {placed_dep[idx]} alors que la structure "
                    f"déclare le {row['departement']} : coordonnées ignorées, structure placée "
                    "par code postal + nom"
                ),
            }
        )
    em.loc[wrong, ["lon", "lat", "code_commune", "placement"]] = None
    missing = em["code_commune"].isna()
    if missing.any():
        byname = _place_by_name(em[missing], resolve, name_col="ville")
        em.loc[missing, ["code_commune", "placement"]] = byname[["code_commune", "placement"]]
        em.loc[missing, "motif_placement"] = byname["motif"]

    # ASP 2019 list: one row per (SIRET, measure); later duplicates are reported.
    dup = asp.duplicated(["siret", "type"])
    for row in asp[dup].itertuples():
        rejets.append(
            {
                "source": SRC_ASP,
                "ligne": row.ligne,
                "siret": row.siret,
                "type": row.type,
                "motif": "doublon : même SIRET et même mesure qu'une ligne précédente",
            }
        )
    a19 = asp[~dup].copy()
    placed = _place_by_name(a19, resolve, name_col="commune_nom")
    a19[["code_commune", "placement", "motif_placement"]] = placed.to_numpy()

    g19 = geiq.assign(type="GEIQ").copy()
    placed = _place_by_name(g19, resolve, name_col="ville")
    g19[["code_commune", "placement", "motif_placement"]] = placed.to_numpy()
    a19 = pd.concat([a19.assign(_src=SRC_ASP), g19.assign(_src=SRC_GEIQ)], ignore_index=True)

    # A platform point just across the boundary of the commune both lists name: that commune.
    by_key = a19.drop_duplicates(["siret", "type"]).set_index(["siret", "type"])["code_commune"]
    code19 = pd.Series(
        by_key.reindex(pd.MultiIndex.from_frame(em[["siret", "type"]])).to_numpy(),
        index=em.index,
    )
    differ = code19.notna() & em["code_commune"].notna() & (code19 != em["code_commune"])
    named = pd.Series(pd.NA, index=em.index, dtype="string")
    if differ.any():
        name21 = _place_by_name(em[differ], resolve, name_col="ville")["code_commune"]
        named[differ] = code19[differ].where(name21 == code19[differ]).astype("string")
    fixed = named_commune_wins(em, named, communes)
    for idx, metres in fixed.items():
        was = em.at[idx, "code_commune"]
        em.at[idx, "code_commune"] = named[idx]
        em.at[idx, "placement"] = (
            f"coordonnées à {metres:.0f} m de la commune nommée par les deux listes (tombées "
            f"dans {was}) : commune nommée retenue"
        )
        rejets.append(
            {
                "source": SRC_EMPLOIS,
                "ligne": idx + 1,
                "siret": em.at[idx, "siret"],
                "type": em.at[idx, "type"],
                "motif": f"commune corrigée : point à {metres:.0f} m de {named[idx]}, commune "
                f"nommée par les deux listes, tombé dans {was} ; {named[idx]} retenue",
            }
        )

    merged = em.add_suffix("_21").merge(
        a19.add_suffix("_19"),
        left_on=["siret_21", "type_21"],
        right_on=["siret_19", "type_19"],
        how="outer",
    )
    in21, in19 = merged["siret_21"].notna(), merged["siret_19"].notna()
    reg = pd.DataFrame(
        {
            "siret": merged["siret_21"].fillna(merged["siret_19"]),
            "type_siae": merged["type_21"].fillna(merged["type_19"]),
        }
    )
    reg["siren"] = reg["siret"].str[:9]
    reg["dans_liste_2021"] = in21.to_numpy()
    reg["dans_liste_2019"] = in19.to_numpy()
    reg["listes"] = np.select(
        [in21 & in19, in21], ["2021 et 2019", "2021 seulement"], "2019 seulement"
    )
    src19 = merged["_src_19"].astype("string")
    for field, col21, col19 in (
        ("nom", "nom_21", "nom_19"),
        ("naf", "naf_21", "naf_19"),
        ("adresse", "adresse_21", "adresse_19"),
        ("code_postal", "code_postal_21", "code_postal_19"),
        ("code_commune", "code_commune_21", "code_commune_19"),
    ):
        use21 = merged[col21].notna()
        reg[field] = merged[col21].where(use21, merged[col19]).astype("string")
        reg[f"{field}_source"] = pd.Series(SRC_EMPLOIS, index=merged.index, dtype="string").where(
            use21, src19.where(merged[col19].notna())
        )
    reg["enseigne"] = merged["enseigne_21"].astype("string")
    reg["forme_juridique"] = merged["forme_juridique_19"].astype("string")
    reg["romes"] = [r if isinstance(r, list) else [] for r in merged["romes_19"]]
    use21 = merged["code_commune_21"].notna()
    reg["placement"] = merged["placement_21"].where(use21, merged["placement_19"]).astype("string")
    motif = merged["motif_placement_21"].where(in21, merged["motif_placement_19"])
    reg["motif_non_place"] = motif.where(reg["code_commune"].isna()).astype("string")
    # Where both lists place a structure, say whether they agree.
    both = merged["code_commune_21"].notna() & merged["code_commune_19"].notna()
    reg["communes_divergentes"] = both & (merged["code_commune_21"] != merged["code_commune_19"])

    com = communes.set_index("code")
    code = reg["code_commune"]
    for out_col, col in (
        ("commune", "nom"),
        ("epci", "epci"),
        ("epci_nom", "epci_nom"),
        ("ze2020", "ze2020"),
        ("ze_nom", "ze_nom"),
        ("dep", "dep"),
        ("reg", "reg"),
    ):
        reg[out_col] = code.map(com[col]).astype("string")

    # Position: the platform's coordinates, else the commune's representative point.
    lon, lat = merged["lon_21"].to_numpy(float), merged["lat_21"].to_numpy(float)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    fallback = gpd.GeoSeries(code.map(com["point"]).to_numpy(), crs=4326)
    has_xy = ~(np.isnan(lon) | np.isnan(lat))
    geometry = pts.where(has_xy, fallback)
    reg["position_source"] = np.where(
        has_xy,
        f"coordonnées de la {SRC_EMPLOIS}",
        np.where(code.notna(), "point de la commune (position approximative)", None),
    )
    for row in reg[reg["code_commune"].isna()].itertuples():
        rejets.append(
            {
                "source": "registre",
                "ligne": None,
                "siret": row.siret,
                "type": row.type_siae,
                "motif": f"structure conservée sans commune : {row.motif_non_place}",
            }
        )
    registry = gpd.GeoDataFrame(reg, geometry=geometry.to_numpy(), crs=4326)
    registry = registry.sort_values(["dep", "type_siae", "siret"], na_position="last")
    registry = registry[[*REGISTRY_COLUMNS, "geometry"]].reset_index(drop=True)
    return registry, pd.DataFrame(rejets, columns=["source", "ligne", "siret", "type", "motif"])


REGISTRY_COLUMNS = [
    "siret",
    "siren",
    "type_siae",
    "nom",
    "enseigne",
    "naf",
    "forme_juridique",
    "adresse",
    "code_postal",
    "code_commune",
    "commune",
    "epci",
    "epci_nom",
    "ze2020",
    "ze_nom",
    "dep",
    "reg",
    "romes",
    "listes",
    "dans_liste_2021",
    "dans_liste_2019",
    "nom_source",
    "naf_source",
    "adresse_source",
    "code_postal_source",
    "code_commune_source",
    "placement",
    "motif_non_place",
    "communes_divergentes",
    "position_source",
]
