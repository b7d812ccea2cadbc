"""Spatial accessibility to the insertion offer: distance to the nearest SIAE, 2SFCA.

Pure functions on the frames of the base (communes, SIAE registry, indicators); every result is a
DataFrame whose ``attrs["indicateurs"]`` lists its indicators
(:class:`~coodiag.base.indicators.Indicator`: label, unit, numerator, denominator, source,
vintage, method, in French) and whose
``attrs["parametres"]`` gives the parameters and counts of the run.

Geometry (:mod:`coodiag.analyses.points`): distances are straight lines between commune
representative points and SIAE points in the metric CRS of each zone; an SIAE only serves the
communes of its own zone. The need per commune is :func:`coodiag.analyses.demand.demand`, the
method :func:`coodiag.analyses.fca.two_stage_fca`, the coverage classes and scenarios
:mod:`coodiag.analyses.coverage`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from coodiag.analyses.fca import DecayFn, two_stage_fca
from coodiag.analyses.offer import DARES_SOURCE, apply_capacity
from coodiag.analyses.points import metric_parts, siae_xy, siae_zone, to_xy, usable_siae
from coodiag.base.indicators import Indicator

#: The SIAE types of the accessibility analyses (GEIQ and EITI have no capacity reference).
TYPES_SIAE = ("ACI", "AI", "EI", "ETTI")
#: Default catchment radius per type, km (AI: local placement, so a shorter reach).
DEFAULT_RADIUS_KM = {"ACI": 30.0, "AI": 20.0, "EI": 30.0, "ETTI": 30.0}
#: Radius of the all-types accessibility, km.
DEFAULT_RADIUS_ALL_KM = 30.0
#: Name of the all-types column suffix.
ALL = "ensemble"

SRC_REGISTRY = "registre des SIAE de coodiag (plateforme de l'inclusion 2021, liste ASP 2019)"
SRC_COMMUNES = "points représentatifs des communes (mairie si connue), COG 2025"


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
    for zone, crs, idx, xy in metric_parts(communes):
        s_idx, s_xy = siae_xy(registry, zone, crs)
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
        Indicator(
            key=f"dist_{t}_km",
            label=f"Distance à la structure {t} la plus proche",
            unit="km",
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
        "siae_sans_position": int((~usable_siae(registry)).sum()),
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
            Indicator(
                key=f"{col}_au_dela",
                label=f"{col} : personnes vivant au-delà de la distance ({km_label}) de la "
                "structure la plus proche du type",
                unit="personnes",
                source=f"{SRC_REGISTRY} ; {SRC_COMMUNES}",
                method="somme sur les communes dont la distance à la structure du type la plus "
                "proche dépasse le seuil (communes sans structure du type dans leur zone "
                "comprises)",
            ),
            Indicator(
                key=f"{col}_part_au_dela_pct",
                label=f"{col} : part vivant au-delà de la distance ({km_label})",
                unit="%",
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
# 2. Two-step floating catchment area
# --------------------------------------------------------------------------------------------


def with_capacity(registry: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The registry with its ``capacite`` column (:func:`~coodiag.analyses.offer.apply_capacity`
    when missing: DARES 2019 national averages per type, flagged as estimates)."""
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

    Supply: SIAE capacity (``capacite``, salariés en insertion;
    :func:`~coodiag.analyses.offer.apply_capacity` is applied if missing: DARES 2019 national
    average per type where unknown). Demand: ``demand_df``
    (:func:`~coodiag.analyses.demand.demand`: ``code, demande``). Per type t with radius d0_t
    (``radius_km_by_type``, default :data:`DEFAULT_RADIUS_KM`) and for all types together
    (``acces_ensemble``, radius ``radius_km_all``; None to skip), A_i from
    :func:`~coodiag.analyses.fca.two_stage_fca`. Decay: ``"step"``, ``"gaussian"`` (σ =
    ``sigma_km`` or d0/2, pysal's form), ``"gaussian_dai"`` or a callable. Each zone
    (metropolitan France, each DROM) is computed apart; a zone with no known demand gives NaN.
    Pass all the communes of the zone and filter afterwards: an SIAE near the edge of a study
    area also serves the communes beyond it.

    Returns ``code, nom, [dep, ze2020, epci, reg,] demande, population`` then per type
    ``acces_<t>`` (salariés en insertion per unemployed) and ``acces_<t>_pour_1000`` (per 1,000
    unemployed; per 1,000 job seekers with ``kind="demandeurs"``).
    """
    radii = dict(DEFAULT_RADIUS_KM)
    radii.update(radius_km_by_type or {})
    types = list(types or TYPES_SIAE)
    reg = with_capacity(registry)
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
    usable = usable_siae(reg)
    zone_of = siae_zone(reg)
    n_pairs: dict[str, int] = {}
    n_siae: dict[str, int] = {}
    for zone, crs, idx, xy in metric_parts(communes):
        s_mask = (usable & (zone_of == zone).fillna(False)).to_numpy()
        part = reg.loc[s_mask]
        s_xy = to_xy(part.geometry.to_crs(crs)) if len(part) else np.empty((0, 2))
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
        (m for m in demand_df.attrs.get("indicateurs", []) if m.key == "demande"), None
    )
    dem_label = dem_meta.label.lower() if dem_meta else "demande (colonne demande)"
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
            dem_meta.source if dem_meta else "demande fournie"
        )
        vintage = "SIAE 2019-2021 ; " + (dem_meta.vintage if dem_meta else "")
        metas.append(
            Indicator(
                key=f"acces_{name}",
                label=f"Accessibilité aux {what}",
                unit="salariés en insertion par personne",
                numerator="salariés en insertion (capacité) des structures à portée",
                denominator=dem_label + " à portée de ces structures",
                source=source,
                vintage=vintage,
                method=method,
            )
        )
        metas.append(
            Indicator(
                key=f"acces_{name}_pour_1000",
                label=f"Accessibilité aux {what}, pour 1 000 personnes",
                unit="salariés en insertion pour 1 000 personnes",
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
