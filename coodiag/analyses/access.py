"""Spatial accessibility to the insertion offer: distances, 2SFCA / E2SFCA, coverage, scenarios.

Pure functions on the frames of the base (communes, SIAE registry, indicators); every result is a
DataFrame whose ``attrs["indicateurs"]`` lists the metadata of its indicators (French, keys
``key, label, unit, numerator, denominator, source, vintage, method``) and whose
``attrs["parametres"]`` gives the parameters and counts of the run.

Geometry: distances are straight lines between commune representative points (column ``point``
of the base, the town hall where known) and SIAE points, in the metric CRS of each zone
(Lambert-93 EPSG:2154 for metropolitan France and Corsica, the official UTM CRS of each DROM).
A frame in WGS84 is split by ``crs_zone`` and reprojected; an SIAE only serves the communes of
its own zone (metropolitan SIAE never reach a DROM and the reverse).

Sparse by construction: the only commune × SIAE pairs ever built are those within the radius
(:class:`scipy.spatial.cKDTree`), so a national run (34,746 communes × ~3,900 SIAE) takes a few
tenths of a second instead of the 135 million pairs of a full cross join.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from coodiag import settings
from coodiag.analyses.offer import DARES_2019, DARES_SOURCE, apply_capacity, estimated_capacity

#: The SIAE types of the accessibility analyses (GEIQ and EITI have no capacity reference).
TYPES_SIAE = ("ACI", "AI", "EI", "ETTI")
#: Default catchment radius per type, km (AI: local placement, so a shorter reach).
DEFAULT_RADIUS_KM = {"ACI": 30.0, "AI": 20.0, "EI": 30.0, "ETTI": 30.0}
#: Radius of the all-types accessibility, km.
DEFAULT_RADIUS_ALL_KM = 30.0
#: Name of the all-types column suffix.
ALL = "ensemble"

CLASSES = (
    "besoin sans offre",
    "offre sans besoin",
    "équilibré",
    "besoin et offre faibles",
    "besoin et offre élevés",
)
UNCLASSIFIED = "non classé"

SRC_REGISTRY = "registre des SIAE de coodiag (plateforme de l'inclusion 2021, liste ASP 2019)"
SRC_COMMUNES = "points représentatifs des communes (mairie si connue), COG 2025"
SRC_RP21 = "INSEE, recensement de la population 2021 (Normandie et Île-de-France)"
SRC_RP22 = "INSEE, recensement de la population 2022"
SRC_DE = "France Travail, via l'outil d'analyse de l'offre du GIP de la plateforme de l'inclusion"

LABEL_KNOWN = "recensement 2021 : chômeurs de 15 à 64 ans (P21_CHOM1564)"
LABEL_ESTIMATE = (
    "estimation : population 2022 × part des 15-64 ans × taux d'emploi × taux de chômage / "
    "(1 − taux de chômage) de la zone d'emploi (RP 2022)"
)
LABEL_DE = "demandeurs d'emploi inscrits (France Travail, vers 2024, arrondis à 5)"
LABEL_NONE = "indisponible"


def _meta(
    key: str,
    label: str,
    unit: str,
    *,
    numerator: str = "",
    denominator: str = "",
    source: str = "",
    vintage: str = "",
    method: str = "",
) -> dict:
    return {
        "key": key,
        "label": label,
        "unit": unit,
        "numerator": numerator,
        "denominator": denominator,
        "source": source,
        "vintage": vintage,
        "method": method,
    }


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------


def _xy(points) -> np.ndarray:
    """(n, 2) float array of x, y from points (GeoSeries, array of shapely points, or array)."""
    if isinstance(points, np.ndarray) and points.dtype != object:
        arr = np.asarray(points, dtype="float64")
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError("Les coordonnées doivent former un tableau (n, 2) en mètres.")
        return arr
    geoms = np.asarray(getattr(points, "values", points), dtype=object)
    return np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)]).astype("float64")


def _zone_crs(zone: str):
    return settings.CRS_DROM.get(str(zone), settings.CRS_METRO)


def _commune_points(communes: gpd.GeoDataFrame) -> gpd.GeoSeries:
    if "point" in communes.columns:
        pts = communes["point"]
        if not isinstance(pts, gpd.GeoSeries):
            pts = gpd.GeoSeries(pts, crs=communes.crs)
        if pts.crs is None:
            pts = pts.set_crs(communes.crs)
        return pts
    return communes.geometry.representative_point()


def _metric_parts(communes: gpd.GeoDataFrame) -> list[tuple[str, object, pd.Index, np.ndarray]]:
    """Split communes by zone: ``[(zone, metric crs, row index, xy metres)]``.

    A projected frame (``read_level("communes", zone=...)``) is one part; a geographic one
    (WGS84, all France) is split by ``crs_zone`` and each part reprojected to its metric CRS.
    """
    pts = _commune_points(communes)
    if communes.crs is not None and communes.crs.is_projected:
        zones = communes["crs_zone"].dropna().unique() if "crs_zone" in communes else []
        zone = str(zones[0]) if len(zones) == 1 else "metro"
        return [(zone, communes.crs, communes.index, _xy(pts.to_crs(communes.crs)))]
    if "crs_zone" not in communes.columns:
        raise ValueError(
            "Communes en coordonnées géographiques sans colonne « crs_zone » : "
            "impossible de choisir une projection métrique."
        )
    parts = []
    for zone, idx in communes.groupby("crs_zone", sort=True).groups.items():
        crs = _zone_crs(zone)
        parts.append((str(zone), crs, pd.Index(idx), _xy(pts.loc[idx].to_crs(crs))))
    return parts


def _siae_zone(registry: pd.DataFrame) -> pd.Series:
    """Zone of each SIAE: ``metro`` or the DROM code (971...976), from its département."""
    dep = registry["dep"].astype("string")
    return dep.str[:3].where(dep.str.startswith("97"), "metro").where(dep.notna())


def _usable(registry: gpd.GeoDataFrame) -> pd.Series:
    """SIAE with a commune, a département and a non-empty point."""
    geom = registry.geometry
    return (
        registry["code_commune"].notna()
        & registry["dep"].notna()
        & geom.notna().to_numpy()
        & ~geom.is_empty.fillna(True).to_numpy()
    )


def _siae_xy(registry: gpd.GeoDataFrame, zone: str, crs) -> tuple[pd.Index, np.ndarray]:
    mask = _usable(registry) & (_siae_zone(registry) == zone).fillna(False)
    part = registry.loc[mask.to_numpy()]
    if len(part) == 0:
        return part.index, np.empty((0, 2))
    return part.index, _xy(part.geometry.to_crs(crs))


# --------------------------------------------------------------------------------------------
# 1. Nearest SIAE and population beyond a distance
# --------------------------------------------------------------------------------------------


def nearest_siae(
    communes: gpd.GeoDataFrame,
    registry: gpd.GeoDataFrame,
    *,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Distance from each commune to the nearest SIAE of each type, and that SIAE's SIRET.

    .. math:: d_{i,t} = \\min_{j \\in t} \\lVert p_i - q_j \\rVert / 1000

    p_i: representative point of commune i (``point``), q_j: point of SIAE j, both in the
    metric CRS of the zone (Lambert-93, or the DROM's UTM). Unit: km, straight line (not a
    travel time). An SIAE located in the commune usually gives a small non-zero distance (its
    address is not the town hall); one placed at the commune's point gives 0. NaN when the zone
    has no SIAE of the type. SIAE without commune or point are skipped (count in
    ``attrs["parametres"]["siae_sans_position"]``).

    Returns ``code, nom`` then ``dist_<type>_km, siret_<type>`` per type (default
    :data:`TYPES_SIAE`; ``"GEIQ"``, ``"EITI"`` allowed).
    """
    types = list(types or TYPES_SIAE)
    out = pd.DataFrame({"code": communes["code"].to_numpy()}, index=communes.index)
    if "nom" in communes.columns:
        out["nom"] = communes["nom"].to_numpy()
    for t in types:
        out[f"dist_{t}_km"] = np.nan
        out[f"siret_{t}"] = pd.Series(pd.NA, index=out.index, dtype="string")
    kinds = registry["type_siae"].astype("string")
    for zone, crs, idx, xy in _metric_parts(communes):
        s_idx, s_xy = _siae_xy(registry, zone, crs)
        ok = np.isfinite(xy).all(axis=1)
        for t in types:
            sel = (kinds.loc[s_idx] == t).fillna(False).to_numpy()
            if not sel.any() or not ok.any():
                continue
            tree = cKDTree(s_xy[sel])
            dist, pos = tree.query(xy[ok], k=1)
            rows = idx[ok]
            out.loc[rows, f"dist_{t}_km"] = dist / 1000.0
            sirets = registry.loc[s_idx[sel], "siret"].astype("string").to_numpy()
            out.loc[rows, f"siret_{t}"] = sirets[pos]
    out = out.reset_index(drop=True)
    out.attrs["indicateurs"] = [
        _meta(
            f"dist_{t}_km",
            f"Distance à la structure {t} la plus proche",
            "km",
            source=f"{SRC_REGISTRY} ; {SRC_COMMUNES}",
            vintage="SIAE 2019-2021 ; COG 2025",
            method=(
                "distance à vol d'oiseau entre le point représentatif de la commune et la "
                f"structure {t} la plus proche de la même zone (Lambert-93 en métropole, UTM "
                "officiel dans les DROM) ; vide si la zone n'a aucune structure de ce type"
            ),
        )
        for t in types
    ]
    out.attrs["parametres"] = {
        "types": types,
        "siae_sans_position": int((~_usable(registry)).sum()),
    }
    return out


def population_beyond(
    communes: pd.DataFrame,
    distances: pd.DataFrame,
    values: pd.DataFrame | pd.Series,
    *,
    km: float | Mapping[str, float],
    by: str | None = None,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """People living in communes farther than ``km`` from the nearest SIAE of each type.

    .. math:: B_{t} = \\sum_i V_i \\,[d_{i,t} > k_t], \\qquad
              \\text{part}_{t} = 100 \\, B_t / \\sum_i V_i

    V_i: a count per commune (population, unemployed, job seekers: ``values`` columns, keyed by
    ``code``), d_{i,t}: :func:`nearest_siae` distance; a commune whose zone has no SIAE of the
    type counts as beyond. ``km``: one threshold or one per type. Unit: persons; share in % of
    the total of the same count (denominator: all communes of the group). Communes with a
    missing count are left out of both sums. ``by``: a column of ``communes`` (``dep``,
    ``ze2020``, ``epci``, ``reg``...) for one row per territory and type; None for one row per
    type over all the given communes.

    Returns ``[by,] type_siae, distance_km, communes, communes_au_dela`` and, per value
    column v, ``v_total, v_au_dela, v_part_au_dela_pct``.
    """
    if isinstance(values, pd.Series):
        vals = values.rename(values.name or "valeur").to_frame()
    else:
        vals = values.set_index("code") if "code" in values.columns else values
    vals = vals.select_dtypes("number")
    if types is None:
        types = [c[5:-3] for c in distances.columns if c.startswith("dist_") and c.endswith("_km")]
    base = pd.DataFrame({"code": communes["code"].to_numpy()})
    if by is not None:
        base[by] = communes[by].to_numpy()
    base = base.merge(distances, on="code", how="left")
    for col in vals.columns:
        base[col] = base["code"].map(vals[col]).astype("float64")
    groups = [by] if by is not None else []
    frames = []
    for t in types:
        limit = float(km[t] if isinstance(km, Mapping) else km)
        dist = base[f"dist_{t}_km"].astype("float64")
        beyond = ~(dist <= limit)  # NaN (no SIAE of the type in the zone) counts as beyond
        df = base[groups].copy()
        df["communes"] = 1
        df["communes_au_dela"] = beyond.astype(int)
        for col in vals.columns:
            v = base[col]
            df[f"{col}_total"] = v
            df[f"{col}_au_dela"] = v.where(beyond, 0.0).where(v.notna())
        agg = df.groupby(groups, dropna=False).sum(min_count=1) if groups else df.sum().to_frame().T
        agg = agg.reset_index(drop=not groups)
        agg.insert(len(groups), "type_siae", t)
        agg.insert(len(groups) + 1, "distance_km", limit)
        for col in vals.columns:
            tot = agg[f"{col}_total"].astype("float64")
            agg[f"{col}_part_au_dela_pct"] = 100 * agg[f"{col}_au_dela"] / tot.where(tot > 0)
        frames.append(agg)
    out = pd.concat(frames, ignore_index=True)
    out[["communes", "communes_au_dela"]] = out[["communes", "communes_au_dela"]].astype("int64")
    km_label = (
        ", ".join(f"{t} {float(km[t]):g} km" for t in types)
        if isinstance(km, Mapping)
        else f"{float(km):g} km"
    )
    out.attrs["indicateurs"] = [
        m
        for col in vals.columns
        for m in (
            _meta(
                f"{col}_au_dela",
                f"{col} : personnes vivant au-delà de la distance ({km_label}) de la structure "
                "la plus proche du type",
                "personnes",
                source=f"{SRC_REGISTRY} ; {SRC_COMMUNES}",
                method="somme sur les communes dont la distance à la structure du type la plus "
                "proche dépasse le seuil (communes sans structure du type dans leur zone "
                "comprises)",
            ),
            _meta(
                f"{col}_part_au_dela_pct",
                f"{col} : part vivant au-delà de la distance ({km_label})",
                "%",
                numerator=f"{col} des communes au-delà du seuil",
                denominator=f"{col} de toutes les communes du territoire",
                source=f"{SRC_REGISTRY} ; {SRC_COMMUNES}",
                method="part = personnes au-delà / total × 100",
            ),
        )
    ]
    out.attrs["parametres"] = {"distance_km": km, "par": by, "types": list(types)}
    return out


# --------------------------------------------------------------------------------------------
# 2. Demand
# --------------------------------------------------------------------------------------------


def share_1564(indicators: pd.DataFrame) -> tuple[float, int]:
    """s = Σ p21_pop1564 / Σ pop22 over the communes where both are known (Normandie, IDF).

    Ratio of sums (a population-weighted share), RP 2021 numerator over RP 2022 denominator
    (the only 15-64 counts in the base are 2021; the one-year gap is part of the estimate's
    error). Returns ``(s, number of calibration communes)``.
    """
    both = indicators["p21_pop1564"].notna() & indicators["pop22"].notna()
    both &= indicators["pop22"] > 0
    n = int(both.sum())
    if n == 0:
        raise ValueError("Aucune commune avec p21_pop1564 et pop22 : calibration impossible.")
    cal = indicators.loc[both]
    return float(cal["p21_pop1564"].sum() / cal["pop22"].sum()), n


def estimate_unemployed(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    ze_indicators: pd.DataFrame,
    *,
    share: float | None = None,
) -> pd.Series:
    """Estimated unemployed 15-64 of every commune from its population and its zone's rates.

    .. math:: \\hat U_i = P_i \\cdot s \\cdot e_z \\cdot \\frac{c_z}{1 - c_z}

    P_i: population municipale 2022 of commune i (``pop22``); s: share of the 15-64 among the
    population (:func:`share_1564`, calibrated on the communes where both the 2021 census 15-64
    count and pop22 are known: Normandie and Île-de-France); e_z: employment rate 15-64 of the
    zone d'emploi (``eco_txemp_1564_22`` / 100, employed / population 15-64); c_z: unemployment
    rate 15-64 of the zone (``soc_txchom_1564_22`` / 100, unemployed / active 15-64). Since
    active = employed + unemployed, unemployed = employed × c/(1 − c) = P15-64 × e × c/(1 − c).
    Unit: persons (census definition, not job seekers). Indexed like ``communes``; NaN where
    pop22 or the zone's rates are missing (DROM).
    """
    s = share if share is not None else share_1564(indicators)[0]
    ind = indicators.set_index("code")
    ze = ze_indicators.set_index("code")
    pop = communes["code"].map(ind["pop22"]).astype("float64")
    zone = communes["ze2020"]
    e = zone.map(ze["eco_txemp_1564_22"]).astype("float64") / 100
    c = zone.map(ze["soc_txchom_1564_22"]).astype("float64") / 100
    return pd.Series((pop * s * e * c / (1 - c)).to_numpy(), index=communes.index, name="demande")


def demand(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    ze_indicators: pd.DataFrame,
    *,
    kind: str = "chomeurs",
) -> pd.DataFrame:
    """The need of each commune: ``code, demande, demande_estimee, demande_source, population``.

    ``kind="chomeurs"`` (default): unemployed 15-64 (census, INSEE definition). The 2021 census
    count ``p21_chom1564`` where the base has it (Normandie, Île-de-France:
    ``demande_estimee=False``), else :func:`estimate_unemployed` (``demande_estimee=True``):
    pop22 × s × e_z × c_z / (1 − c_z), s calibrated on Normandie + Île-de-France (value in
    ``attrs["parametres"]["part_1564"]``). ``kind="demandeurs"``: job seekers registered at
    France Travail (``de_2024``, all France, rounded to 5 by the source; not an estimate).
    ``population``: pop22 (the denominator of the need per 1,000 inhabitants). Unit: persons.
    """
    if kind not in ("chomeurs", "demandeurs"):
        raise ValueError("kind doit valoir « chomeurs » ou « demandeurs ».")
    ind = indicators.set_index("code")
    code = communes["code"].astype("string")
    out = pd.DataFrame({"code": code.to_numpy()})
    out["population"] = code.map(ind["pop22"]).astype("float64").to_numpy()
    params: dict = {"kind": kind}
    if kind == "demandeurs":
        val = code.map(ind["de_2024"]).astype("float64").to_numpy()
        out["demande"] = val
        out["demande_estimee"] = False
        out["demande_source"] = pd.Series(LABEL_DE, index=out.index, dtype="string").where(
            ~np.isnan(val), LABEL_NONE
        )
        meta = _meta(
            "demande",
            "Demandeurs d'emploi inscrits",
            "personnes",
            source=SRC_DE,
            vintage="vers 2024 (date non précisée par la source)",
            method="effectif de la source (catégories probablement A, B, C), arrondi à 5",
        )
    else:
        s, n = share_1564(indicators)
        known = code.map(ind["p21_chom1564"]).astype("float64").to_numpy()
        est = estimate_unemployed(communes, indicators, ze_indicators, share=s).to_numpy()
        has = ~np.isnan(known)
        out["demande"] = np.where(has, known, est)
        out["demande_estimee"] = ~has & ~np.isnan(est)
        out["demande_source"] = pd.Series(
            np.where(has, LABEL_KNOWN, np.where(np.isnan(est), LABEL_NONE, LABEL_ESTIMATE)),
            dtype="string",
        )
        params.update({"part_1564": s, "communes_calibration": n})
        meta = _meta(
            "demande",
            "Chômeurs de 15 à 64 ans (recensement, estimés hors Normandie et Île-de-France)",
            "personnes",
            source=f"{SRC_RP21} ; {SRC_RP22} (population communale, taux des zones d'emploi)",
            vintage="RP 2021 (connus) ; RP 2022 (estimés)",
            method=(
                "connus : P21_CHOM1564 ; ailleurs estimés (demande_estimee) : population 2022 × "
                f"s × taux d'emploi × taux de chômage / (1 − taux de chômage) de la zone "
                f"d'emploi, s = part des 15-64 ans = {s:.4f} (Σ P21_POP1564 / Σ population "
                f"2022 sur les {n} communes de Normandie et d'Île-de-France où les deux sont "
                "connus)"
            ),
        )
    out.attrs["indicateurs"] = [
        meta,
        _meta(
            "population",
            "Population municipale 2022",
            "personnes",
            source=SRC_RP22,
            vintage="RP 2022",
            method="somme des IRIS de la commune ; absente dans les DROM",
        ),
    ]
    params["communes_estimees"] = int(out["demande_estimee"].sum())
    params["communes_sans_demande"] = int(out["demande"].isna().sum())
    out.attrs["parametres"] = params
    return out


# --------------------------------------------------------------------------------------------
# 3. Two-step floating catchment area
# --------------------------------------------------------------------------------------------

DecayFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class FCAResult:
    """Result of :func:`two_stage_fca`.

    ``access``: A_i per demand point; ``ratio``: R_j per supply point (0 where no demand is in
    reach); ``catchment_demand``: Σ_k W(d_kj) D_k per supply point; ``n_pairs``: pairs within
    the radius (the only ones built).
    """

    access: np.ndarray
    ratio: np.ndarray
    catchment_demand: np.ndarray
    n_pairs: int


def decay_weights(
    d_km: np.ndarray,
    *,
    radius_km: float,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
) -> np.ndarray:
    """W(d) for distances already within the radius (d ≤ d0).

    - ``"step"``: W = 1 (classic 2SFCA, Luo & Wang 2003);
    - ``"gaussian"``: W = exp(−d² / (2σ²)), σ = ``sigma_km`` (default d0 / 2, so W(d0) =
      e⁻² ≈ 0.135): exactly pysal ``access.weights.gaussian(sigma)`` (not normalised, W(0) = 1),
      the E2SFCA with a continuous Gaussian decay;
    - ``"gaussian_dai"``: W = (exp(−½ (d/d0)²) − exp(−½)) / (1 − exp(−½)), the Gaussian of Dai
      (2010) that falls to 0 at d0;
    - a callable: W = decay(d) (vectorised, km).
    """
    d = np.asarray(d_km, dtype="float64")
    if callable(decay):
        return np.asarray(decay(d), dtype="float64")
    if decay == "step":
        return np.ones_like(d)
    if decay == "gaussian":
        sigma = float(sigma_km) if sigma_km is not None else radius_km / 2
        if sigma <= 0:
            raise ValueError("sigma_km doit être strictement positif.")
        return np.exp(-d * d / (2 * sigma**2))
    if decay == "gaussian_dai":
        tail = np.exp(-0.5)
        return (np.exp(-0.5 * (d / radius_km) ** 2) - tail) / (1 - tail)
    raise ValueError(f"Décroissance inconnue : {decay!r} (step, gaussian, gaussian_dai).")


def pairs_within(
    demand_xy: np.ndarray, supply_xy: np.ndarray, radius_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand × supply pairs within ``radius_km``: ``(i, j, d_km)``, sorted by (i, j).

    d_km = hypot(dx, dy) / 1000, coordinates in metres; only the pairs within the radius are
    built (KD-trees). A pair is kept when d_km ≤ radius_km, the same test as pysal ``access``
    (``cost <= max_cost``) on the same distance expression. Points with a NaN coordinate have
    no pair.
    """
    demand_xy = np.asarray(demand_xy, dtype="float64")
    supply_xy = np.asarray(supply_xy, dtype="float64")
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, "float64"))
    okd = np.flatnonzero(np.isfinite(demand_xy).all(axis=1))
    oks = np.flatnonzero(np.isfinite(supply_xy).all(axis=1))
    if len(okd) == 0 or len(oks) == 0:
        return empty
    pad = radius_km * 1000.0 * (1 + 1e-9) + 1e-6  # the tree's test is made exact just below
    found = cKDTree(demand_xy[okd]).sparse_distance_matrix(
        cKDTree(supply_xy[oks]), pad, output_type="ndarray"
    )
    i, j = okd[found["i"]], oks[found["j"]]
    d = np.hypot(demand_xy[i, 0] - supply_xy[j, 0], demand_xy[i, 1] - supply_xy[j, 1]) / 1000.0
    keep = d <= radius_km
    i, j, d = i[keep], j[keep], d[keep]
    # Sorted by (i, j): every sum then adds its terms in the same order whatever the tree's
    # layout, so results are reproducible to the last bit (removing one SIAE leaves the
    # communes out of its reach exactly unchanged).
    order = np.argsort(i * np.int64(len(supply_xy)) + j)
    return i[order], j[order], d[order]


def two_stage_fca(
    supply_points,
    supply,
    demand_points,
    demand,
    *,
    radius_km: float,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
) -> FCAResult:
    """Two-step floating catchment area (2SFCA; E2SFCA with a distance decay).

    Step 1, each supply point j (an SIAE):

    .. math:: R_j = \\frac{S_j}{\\sum_{k:\\, d_{kj} \\le d_0} W(d_{kj})\\, D_k}

    Step 2, each demand point i (a commune):

    .. math:: A_i = \\sum_{j:\\, d_{ij} \\le d_0} W(d_{ij})\\, R_j

    S_j: supply (salariés en insertion of the SIAE), D_k: demand (unemployed of commune k),
    d: straight-line distance (km), d_0 = ``radius_km``, W: :func:`decay_weights`. Unit of A:
    salariés en insertion per unemployed person (the caller reports × 1000: per 1,000
    unemployed). Σ_i A_i D_i = Σ_j S_j over the supply that has demand in reach: the offer is
    shared out, not duplicated. A supply point with no demand in reach (or only zero demand)
    gets R_j = 0 (pysal would give inf or drop it). NaN demand counts as 0.

    Points: GeoSeries / arrays of shapely points in a metric CRS, or (n, 2) arrays in metres.
    Only the pairs within d_0 are built (:func:`pairs_within`): cost O((n + m) log + pairs).
    """
    s_xy, d_xy = _xy(supply_points), _xy(demand_points)
    sup = np.asarray(supply, dtype="float64")
    dem = np.nan_to_num(np.asarray(demand, dtype="float64"), nan=0.0)
    if len(sup) != len(s_xy) or len(dem) != len(d_xy):
        raise ValueError("Points et valeurs de longueurs différentes.")
    if np.isnan(sup).any():
        raise ValueError("Offre manquante (NaN) : retirez ces structures ou donnez leur capacité.")
    i, j, d = pairs_within(d_xy, s_xy, radius_km)
    w = decay_weights(d, radius_km=radius_km, decay=decay, sigma_km=sigma_km)
    catch = np.bincount(j, weights=w * dem[i], minlength=len(sup))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(catch > 0, sup / catch, 0.0)
    access = np.bincount(i, weights=w * ratio[j], minlength=len(dem))
    return FCAResult(access=access, ratio=ratio, catchment_demand=catch, n_pairs=len(i))


def _with_capacity(registry: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return registry if "capacite" in registry.columns else apply_capacity(registry)


def accessibility(
    communes: gpd.GeoDataFrame,
    registry: gpd.GeoDataFrame,
    demand_df: pd.DataFrame,
    *,
    radius_km_by_type: Mapping[str, float] | None = None,
    radius_km_all: float | None = DEFAULT_RADIUS_ALL_KM,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """2SFCA accessibility of every commune to the SIAE of each type, and to all of them.

    Supply: SIAE capacity (``capacite``, salariés en insertion; :func:`coodiag.base.registry.
    apply_capacity` is applied if missing: DARES 2019 national average per type where unknown).
    Demand: ``demand_df`` (:func:`demand`: ``code, demande``). Per type t with radius d0_t
    (``radius_km_by_type``, default :data:`DEFAULT_RADIUS_KM`) and for all types together
    (``acces_ensemble``, radius ``radius_km_all``; None to skip), A_i from
    :func:`two_stage_fca`. Decay: ``"step"``, ``"gaussian"`` (σ = ``sigma_km`` or d0/2, pysal's
    form), ``"gaussian_dai"`` or a callable. Each zone (metropolitan France, each DROM) is
    computed apart; a zone with no known demand gives NaN. Pass all the communes of the zone
    and filter afterwards: an SIAE near the edge of a study area also serves the communes
    beyond it.

    Returns ``code, nom, [dep, ze2020, epci, reg,] demande, population`` then per type
    ``acces_<t>`` (salariés en insertion per unemployed) and ``acces_<t>_pour_1000`` (per 1,000
    unemployed; per 1,000 job seekers with ``kind="demandeurs"``).
    """
    radii = dict(DEFAULT_RADIUS_KM)
    radii.update(radius_km_by_type or {})
    types = list(types or TYPES_SIAE)
    reg = _with_capacity(registry)
    kinds = reg["type_siae"].astype("string")
    cap = reg["capacite"].astype("float64")
    runs: list[tuple[str, float, pd.Series]] = [(t, float(radii[t]), (kinds == t)) for t in types]
    if radius_km_all is not None:
        runs.append((ALL, float(radius_km_all), kinds.isin(types)))

    keep = [c for c in ("code", "nom", "dep", "ze2020", "epci", "reg") if c in communes.columns]
    out = pd.DataFrame(communes[keep]).copy()
    dem_map = demand_df.set_index("code")
    out["demande"] = out["code"].map(dem_map["demande"]).astype("float64")
    if "population" in dem_map.columns:
        out["population"] = out["code"].map(dem_map["population"]).astype("float64")
    for name, _, _ in runs:
        out[f"acces_{name}"] = np.nan
    usable = _usable(reg)
    zone_of = _siae_zone(reg)
    n_pairs: dict[str, int] = {}
    n_siae: dict[str, int] = {}
    for zone, crs, idx, xy in _metric_parts(communes):
        s_mask = (usable & (zone_of == zone).fillna(False)).to_numpy()
        part = reg.loc[s_mask]
        s_xy = _xy(part.geometry.to_crs(crs)) if len(part) else np.empty((0, 2))
        dem = out.loc[idx, "demande"].to_numpy()
        no_demand = bool(np.isnan(dem).all())
        for name, radius, sel in runs:
            m = (sel.loc[part.index] & cap.loc[part.index].notna()).fillna(False).to_numpy()
            res = two_stage_fca(
                s_xy[m],
                cap.loc[part.index].to_numpy()[m],
                xy,
                dem,
                radius_km=radius,
                decay=decay,
                sigma_km=sigma_km,
            )
            out.loc[idx, f"acces_{name}"] = np.nan if no_demand else res.access
            n_pairs[name] = n_pairs.get(name, 0) + res.n_pairs
            n_siae[name] = n_siae.get(name, 0) + int(m.sum())
    for name, _, _ in runs:
        out[f"acces_{name}_pour_1000"] = 1000 * out[f"acces_{name}"]
    out = out.reset_index(drop=True)

    dem_meta = next(
        (m for m in demand_df.attrs.get("indicateurs", []) if m["key"] == "demande"), None
    )
    dem_label = dem_meta["label"].lower() if dem_meta else "demande (colonne demande)"
    decay_label = _decay_label(decay, sigma_km)
    metas = []
    for name, radius, _ in runs:
        what = "toutes structures (ACI, AI, EI, ETTI)" if name == ALL else f"structures {name}"
        method = (
            f"2SFCA, rayon {radius:g} km à vol d'oiseau, {decay_label} : R_j = capacité_j / "
            "Σ_k W(d_kj) demande_k (communes k à moins du rayon) ; A_i = Σ_j W(d_ij) R_j "
            "(structures j à moins du rayon) ; capacité estimée (moyenne nationale DARES "
            "2019 du type) quand elle est inconnue"
        )
        source = f"{SRC_REGISTRY} ; {DARES_SOURCE} ; " + (
            dem_meta["source"] if dem_meta else "demande fournie"
        )
        vintage = "SIAE 2019-2021 ; " + (dem_meta["vintage"] if dem_meta else "")
        metas.append(
            _meta(
                f"acces_{name}",
                f"Accessibilité aux {what}",
                "salariés en insertion par personne",
                numerator="salariés en insertion (capacité) des structures à portée",
                denominator=dem_label + " à portée de ces structures",
                source=source,
                vintage=vintage,
                method=method,
            )
        )
        metas.append(
            _meta(
                f"acces_{name}_pour_1000",
                f"Accessibilité aux {what}, pour 1 000 personnes",
                "salariés en insertion pour 1 000 personnes",
                numerator="salariés en insertion (capacité) des structures à portée",
                denominator="1 000 " + dem_label + " à portée de ces structures",
                source=source,
                vintage=vintage,
                method=method + " ; × 1 000",
            )
        )
    out.attrs["indicateurs"] = list(demand_df.attrs.get("indicateurs", [])) + metas
    out.attrs["parametres"] = {
        "rayons_km": {name: radius for name, radius, _ in runs},
        "decroissance": decay_label,
        "siae_utilisees": n_siae,
        "siae_sans_position": int((~usable).sum()),
        "siae_sans_capacite": int(cap.isna().sum()),
        "paires": n_pairs,
    }
    return out


def _decay_label(decay, sigma_km) -> str:
    if callable(decay):
        return "décroissance fournie par l'utilisateur"
    if decay == "step":
        return "sans décroissance (poids 1 jusqu'au rayon)"
    if decay == "gaussian":
        sig = f"σ = {sigma_km:g} km" if sigma_km is not None else "σ = rayon / 2"
        return f"décroissance gaussienne W(d) = exp(−d² / 2σ²), {sig}"
    if decay == "gaussian_dai":
        return "décroissance gaussienne de Dai (2010), nulle au rayon"
    return str(decay)


# --------------------------------------------------------------------------------------------
# 4. Coverage classes
# --------------------------------------------------------------------------------------------


def _fr(x: float, spec: str = ".4g") -> str:
    """A number in French notation (decimal comma) for the explanations."""
    return format(x, spec).replace(".", ",")


def coverage_classes(
    need: pd.Series,
    offer: pd.Series,
    *,
    method: str = "quantile",
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
    need_bounds: tuple[float, float] | None = None,
    offer_bounds: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Classes of coverage crossing a need and an offer (per commune or per territory).

    Each variable is cut into three levels, « faible » (≤ low bound), « moyen », « élevé »
    (> high bound). ``method="quantile"``: bounds = the ``quantiles`` of the variable over the
    given rows (default terciles; ``(0.5, 0.5)`` gives a split at the median, no middle level);
    ``method="seuils"``: bounds given (``need_bounds``, ``offer_bounds``), e.g. the thresholds of
    a reference run (:func:`scenario` keeps the classes of the "before" run). Classes:

    - « besoin sans offre »: need élevé and offer faible, or need above its median and no offer
      at all (offer = 0);
    - « offre sans besoin »: offer élevé and need faible;
    - « besoin et offre élevés »: both élevé;
    - « besoin et offre faibles »: both faible (offer > 0 or need below its median);
    - « équilibré »: everything else (at least one of the two at the middle level);
    - « non classé »: need or offer missing.

    Also ``ratio_besoin_offre`` = n / (n + o), the GIP de l'inclusion-style ratio, on values
    scaled by their mean (n = need / mean(need), o = offer / mean(offer)) so that the units
    cancel: 0.5 = need and offer at the same relative level, → 1 need without offer, → 0 offer
    without need.

    Returns ``besoin, offre, niveau_besoin, niveau_offre, classe, ratio_besoin_offre`` (index of
    ``need``); ``attrs["seuils"]`` the bounds, ``attrs["explication"]`` the rules in French.
    """
    need = pd.Series(need, dtype="float64")
    offer = pd.Series(offer, index=need.index if not isinstance(offer, pd.Series) else None)
    offer = offer.astype("float64").reindex(need.index)
    if method == "quantile":
        lo, hi = quantiles
        nb = (float(need.quantile(lo)), float(need.quantile(hi)))
        ob = (float(offer.quantile(lo)), float(offer.quantile(hi)))
        how = f"quantiles {_fr(lo, '.3g')} et {_fr(hi, '.3g')} des valeurs du territoire étudié"
    elif method == "seuils":
        if need_bounds is None or offer_bounds is None:
            raise ValueError("method='seuils' demande need_bounds et offer_bounds.")
        nb, ob = tuple(map(float, need_bounds)), tuple(map(float, offer_bounds))
        how = "seuils fournis"
    else:
        raise ValueError("method doit valoir « quantile » ou « seuils ».")
    need_med = float(need.median()) if method == "quantile" else (nb[0] + nb[1]) / 2

    def level(v: pd.Series, b: tuple[float, float]) -> pd.Series:
        lv = np.select([v <= b[0], v > b[1]], ["faible", "élevé"], "moyen")
        return pd.Series(lv, index=v.index, dtype="string").where(v.notna())

    ln, lo_ = level(need, nb), level(offer, ob)
    missing = need.isna() | offer.isna()
    no_offer = (offer == 0) & (need > need_med)
    cls = np.select(
        [
            missing.to_numpy(),
            ((ln == "élevé") & (lo_ == "faible")).fillna(False).to_numpy() | no_offer.to_numpy(),
            ((ln == "faible") & (lo_ == "élevé")).fillna(False).to_numpy(),
            ((ln == "élevé") & (lo_ == "élevé")).fillna(False).to_numpy(),
            ((ln == "faible") & (lo_ == "faible")).fillna(False).to_numpy(),
        ],
        [UNCLASSIFIED, CLASSES[0], CLASSES[1], CLASSES[4], CLASSES[3]],
        CLASSES[2],
    )
    n_rel = need / need.mean() if need.mean() > 0 else need * np.nan
    o_rel = offer / offer.mean() if offer.mean() > 0 else offer * np.nan
    tot = n_rel + o_rel
    out = pd.DataFrame(
        {
            "besoin": need,
            "offre": offer,
            "niveau_besoin": ln,
            "niveau_offre": lo_,
            "classe": pd.Series(cls, index=need.index, dtype="string"),
            "ratio_besoin_offre": (n_rel / tot.where(tot > 0)),
        }
    )
    out.attrs["seuils"] = {"besoin": nb, "offre": ob, "besoin_mediane": need_med}
    out.attrs["explication"] = (
        f"Niveaux ({how}) : besoin faible si ≤ {_fr(nb[0])}, élevé si > {_fr(nb[1])} ; offre "
        f"faible si ≤ {_fr(ob[0])}, élevée si > {_fr(ob[1])} ; moyen entre les deux. "
        "« besoin sans offre » : besoin élevé et offre faible, ou besoin au-dessus de la "
        f"médiane ({_fr(need_med)}) sans aucune offre à portée ; « offre sans besoin » : offre "
        "élevée et besoin faible ; « besoin et offre élevés » / « besoin et offre faibles » : "
        "les deux au même niveau extrême ; « équilibré » : les autres cas (au moins l'un des "
        "deux au niveau moyen) ; « non classé » : besoin ou offre inconnu. Ratio besoin / "
        "(besoin + offre) calculé sur les valeurs rapportées à leur moyenne (0,5 = équilibre)."
    )
    return out


def coverage(
    acc: pd.DataFrame,
    *,
    type_siae: str = ALL,
    by: str | None = None,
    method: str = "quantile",
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
    need_bounds: tuple[float, float] | None = None,
    offer_bounds: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Coverage classes of communes (``by=None``) or territories from :func:`accessibility`.

    Need: demand per 1,000 inhabitants, 1000 × Σ demande / Σ population (pop22) — unemployed
    (or job seekers) per 1,000 inhabitants. Offer: accessibility of the type (``acces_<t>``) per
    1,000 of the demand; for a territory, the demand-weighted mean Σ A_i D_i / Σ D_i (the
    offer in reach of the territory's unemployed). Classes and thresholds:
    :func:`coverage_classes`.

    Returns ``code`` (or ``by``), ``[nom,] demande, population`` then the columns of
    :func:`coverage_classes`.
    """
    col = f"acces_{type_siae}"
    df = acc.copy()
    if by is None:
        keys = ["code", "nom"] if "nom" in df.columns else ["code"]
        base = df[[*keys, "demande", "population"]].copy()
        need = 1000 * base["demande"] / base["population"].where(base["population"] > 0)
        offer = 1000 * df[col]
        level = "commune"
    else:
        df["_ad"] = df[col] * df["demande"]
        df = df[df[col].notna() & df["demande"].notna()]
        g = df.groupby(by, dropna=True)
        base = g[["demande", "population"]].sum(min_count=1).reset_index()
        ad = g["_ad"].sum().to_numpy()
        tot = base["demande"].to_numpy()
        need = 1000 * base["demande"] / base["population"].where(base["population"] > 0)
        offer = pd.Series(1000 * ad / np.where(tot > 0, tot, np.nan), index=base.index)
        level = by
    cls = coverage_classes(
        need,
        offer,
        method=method,
        quantiles=quantiles,
        need_bounds=need_bounds,
        offer_bounds=offer_bounds,
    )
    out = pd.concat([base.reset_index(drop=True), cls.reset_index(drop=True)], axis=1)
    unit_den = "personnes de la demande (chômeurs 15-64 ans ou demandeurs d'emploi)"
    out.attrs["indicateurs"] = [
        _meta(
            "besoin",
            "Besoin : demande pour 1 000 habitants",
            "personnes pour 1 000 habitants",
            numerator=unit_den,
            denominator="1 000 habitants (population municipale 2022)",
            source=SRC_RP22,
            vintage="RP 2021-2022",
            method="besoin = 1 000 × demande / population"
            + ("" if by is None else " (sommes sur le territoire)"),
        ),
        _meta(
            "offre",
            f"Offre : accessibilité aux structures ({type_siae}) pour 1 000 personnes",
            "salariés en insertion pour 1 000 personnes",
            numerator="salariés en insertion des structures à portée (2SFCA)",
            denominator="1 000 " + unit_den,
            source=SRC_REGISTRY,
            vintage="SIAE 2019-2021",
            method="accessibilité 2SFCA × 1 000"
            + ("" if by is None else " ; moyenne des communes pondérée par la demande"),
        ),
        _meta(
            "classe",
            "Classe de couverture",
            "classe",
            method=cls.attrs["explication"],
        ),
        _meta(
            "ratio_besoin_offre",
            "Ratio besoin / (besoin + offre) (à la manière du GIP de la plateforme de l'inclusion)",
            "ratio de 0 à 1",
            numerator="besoin rapporté à sa moyenne",
            denominator="besoin rapporté à sa moyenne + offre rapportée à sa moyenne",
            method="0,5 = besoin et offre au même niveau relatif ; proche de 1 : besoin sans "
            "offre ; proche de 0 : offre sans besoin",
        ),
    ]
    out.attrs["seuils"] = cls.attrs["seuils"]
    out.attrs["explication"] = cls.attrs["explication"]
    out.attrs["parametres"] = {"niveau": level, "type_siae": type_siae, "method": method}
    return out


# --------------------------------------------------------------------------------------------
# 5. Scenario
# --------------------------------------------------------------------------------------------


def scenario(
    communes: gpd.GeoDataFrame,
    registry: gpd.GeoDataFrame,
    demand_df: pd.DataFrame,
    *,
    open: Iterable[tuple[str, str, float | None]] = (),
    close: Iterable[str] = (),
    types: Sequence[str] | None = None,
    radius_km_by_type: Mapping[str, float] | None = None,
    radius_km_all: float | None = DEFAULT_RADIUS_ALL_KM,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
) -> pd.DataFrame:
    """Accessibility and coverage class of every commune before and after opening / closing SIAE.

    ``open``: ``(code_commune, type, capacity)`` — a new structure at the commune's
    representative point; capacity None = DARES 2019 national average of the type (flagged as
    an estimate). ``close``: SIRETs to remove (every row of the SIRET). The 2SFCA runs twice
    with the same parameters (:func:`accessibility`); the "after" classes use the thresholds of
    the "before" run (:func:`coverage_classes` ``method="seuils"``), so a class changes only
    because the commune's offer changed. In 2SFCA, opening or closing structure j changes A_i
    only for the communes within the radius of j (R_k of the other structures does not
    depend on j).

    ``types``: default the types of the opened / closed structures; the all-types row
    (``ensemble``) is added when ``radius_km_all`` is not None. Returns, one row per commune
    and type: ``code, nom, type_siae, acces_avant, acces_apres, variation`` (salariés en
    insertion per person of the demand), ``variation_pour_1000``, ``classe_avant,
    classe_apres, classe_change``.
    """
    reg = _with_capacity(registry)
    opened = list(open)
    closed = [str(s) for s in close]
    sirets = reg["siret"].astype("string")
    unknown = sorted(set(closed) - set(sirets.dropna()))
    if unknown:
        raise ValueError(f"SIRET inconnu(s) du registre : {', '.join(unknown)}")
    touched = set(reg.loc[sirets.isin(closed).to_numpy(), "type_siae"].astype(str))
    after = reg.loc[~sirets.isin(closed).to_numpy()]
    if opened:
        com = communes.set_index("code")
        pts = _commune_points(communes)
        pts.index = communes["code"].to_numpy()
        rows = []
        for k, (code, kind, capa) in enumerate(opened, start=1):
            if code not in com.index:
                raise ValueError(f"Commune inconnue : {code}")
            if kind not in DARES_2019:
                raise ValueError(f"Type sans capacité de référence : {kind} (ACI, AI, EI, ETTI)")
            est = capa is None
            value = float(estimated_capacity(pd.Series([kind])).iloc[0]) if est else float(capa)
            rows.append(
                {
                    "siret": f"nouvelle-{k}",
                    "type_siae": kind,
                    "nom": f"nouvelle structure {kind} ({com.loc[code, 'nom']})"
                    if "nom" in com.columns
                    else f"nouvelle structure {kind}",
                    "code_commune": code,
                    "dep": com.loc[code, "dep"],
                    "capacite": value,
                    "capacite_estimee": est,
                    "geometry": pts.loc[code],
                }
            )
            touched.add(kind)
        new = gpd.GeoDataFrame(rows, geometry="geometry", crs=pts.crs).to_crs(reg.crs)
        after = pd.concat([after, new], ignore_index=True)
        after = gpd.GeoDataFrame(after, geometry="geometry", crs=reg.crs)
    run_types = list(types) if types else [t for t in TYPES_SIAE if t in touched]
    run_types = run_types or list(TYPES_SIAE)
    kw = {
        "radius_km_by_type": radius_km_by_type,
        "radius_km_all": radius_km_all,
        "decay": decay,
        "sigma_km": sigma_km,
        "types": run_types,
    }
    before_acc = accessibility(communes, reg, demand_df, **kw)
    after_acc = accessibility(communes, after, demand_df, **kw)
    names = list(run_types) + ([ALL] if radius_km_all is not None else [])
    frames = []
    for name in names:
        cb = coverage(before_acc, type_siae=name, quantiles=quantiles)
        ca = coverage(
            after_acc,
            type_siae=name,
            method="seuils",
            need_bounds=cb.attrs["seuils"]["besoin"],
            offer_bounds=cb.attrs["seuils"]["offre"],
        )
        df = pd.DataFrame({"code": before_acc["code"]})
        if "nom" in before_acc.columns:
            df["nom"] = before_acc["nom"]
        df["type_siae"] = name
        df["acces_avant"] = before_acc[f"acces_{name}"]
        df["acces_apres"] = after_acc[f"acces_{name}"]
        df["variation"] = df["acces_apres"] - df["acces_avant"]
        df["variation_pour_1000"] = 1000 * df["variation"]
        df["classe_avant"] = cb["classe"].to_numpy()
        df["classe_apres"] = ca["classe"].to_numpy()
        df["classe_change"] = df["classe_avant"] != df["classe_apres"]
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    params = dict(after_acc.attrs["parametres"])
    params.update({"ouvertures": opened, "fermetures": closed, "types": names})
    out.attrs["parametres"] = params
    out.attrs["indicateurs"] = [
        _meta(
            "acces_avant",
            "Accessibilité avant le scénario",
            "salariés en insertion par personne de la demande",
            method="2SFCA sur le registre actuel (voir parametres)",
            source=SRC_REGISTRY,
        ),
        _meta(
            "acces_apres",
            "Accessibilité après le scénario",
            "salariés en insertion par personne de la demande",
            method="2SFCA sur le registre après ouvertures et fermetures ; structure ouverte "
            "au point représentatif de sa commune, capacité estimée (moyenne DARES 2019 du "
            "type) si non fournie",
            source=SRC_REGISTRY,
        ),
        _meta(
            "variation_pour_1000",
            "Variation de l'accessibilité pour 1 000 personnes de la demande",
            "salariés en insertion pour 1 000 personnes",
            numerator="accès après − accès avant",
            denominator="1 000 personnes de la demande",
            method="(acces_apres − acces_avant) × 1 000",
        ),
        _meta(
            "classe_apres",
            "Classe de couverture après le scénario",
            "classe",
            method="seuils de la situation avant le scénario, appliqués aux valeurs après",
        ),
    ]
    return out
