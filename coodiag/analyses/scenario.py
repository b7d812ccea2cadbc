"""Opening / closing scenarios: accessibility, coverage class and impact on unemployment.

A scenario reruns the 2SFCA (:func:`coodiag.analyses.access.accessibility`) after opening or
closing structures and classes the communes with the thresholds of the run before
(:func:`coodiag.analyses.coverage.classify`, same reference), so that a class changes only
because the commune's offer changed.

Impact on unemployment of a territory T (:data:`COVERAGE_RATE`): the salariés en insertion
in reach of T's unemployed, Σ_{i∈T} A_i D_i (2SFCA: each place is shared between the
unemployed in its reach), per 100 unemployed of T, Σ_{i∈T} D_i. Over a whole zone, Σ A_i D_i
is the capacity of the structures, so opening a structure of capacity S adds S places shared
among the unemployed in its reach; the change of the rate is in points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag.analyses.access import (
    ALL,
    DEFAULT_RADIUS_ALL_KM,
    DEFAULT_RADIUS_KM,
    SRC_REGISTRY,
    TYPES_SIAE,
    accessibility,
    with_capacity,
)
from coodiag.analyses.coverage import DEFAULT_REFERENCE, classify, coverage, with_estimate
from coodiag.analyses.demand import SRC_RP22
from coodiag.analyses.fca import DecayFn
from coodiag.analyses.offer import DARES_2019, estimated_capacity
from coodiag.analyses.points import commune_points
from coodiag.base.indicators import Indicator

#: The class drawn for a commune the scenario does not touch.
UNCHANGED = "inchangée"

COVERAGE_RATE = Indicator(
    key="taux_couverture_chomage",
    label="Places d'insertion à portée pour 100 chômeurs du territoire",
    unit="salariés en insertion pour 100 chômeurs",
    numerator="salariés en insertion à portée des chômeurs du territoire : Σ accès 2SFCA × "
    "chômeurs de la commune (chaque place partagée entre les chômeurs à sa portée)",
    denominator="100 chômeurs de 15-64 ans du territoire (recensement 2021, estimés à défaut)",
    source=f"{SRC_REGISTRY} ; {SRC_RP22}",
    vintage="SIAE 2019-2021, RP 2021",
    method="100 × Σ_i A_i D_i / Σ_i D_i sur les communes du territoire, avant et après le "
    "scénario ; variation en points",
)
STRUCTURE_REACH = Indicator(
    key="places_pour_100_chomeurs_a_portee",
    label="Capacité ouverte ou fermée pour 100 chômeurs à sa portée",
    unit="salariés en insertion pour 100 chômeurs",
    numerator="capacité de la structure (salariés en insertion ; estimée DARES 2019 sinon)",
    denominator="100 chômeurs de 15-64 ans des communes à moins du rayon du type",
    source=f"{SRC_REGISTRY} ; {SRC_RP22}",
    vintage="SIAE 2019-2021, RP 2021",
)


def opened_rows(communes: gpd.GeoDataFrame, opened: list, crs) -> gpd.GeoDataFrame:
    """The structures opened by a scenario: one registry row each, at the representative point
    of its commune, capacity given or estimated (DARES 2019 average of the type)."""
    com = communes.set_index("code")
    pts = commune_points(communes)
    pts.index = communes["code"].to_numpy()
    rows = []
    for k, (code, kind, capa) in enumerate(opened, start=1):
        if code not in com.index:
            raise ValueError(f"Commune inconnue : {code}")
        if kind not in DARES_2019:
            raise ValueError(f"Type sans capacité de référence : {kind} (ACI, AI, EI, ETTI)")
        est = capa is None
        value = float(estimated_capacity(pd.Series([kind])).iloc[0]) if est else float(capa)
        town = com.loc[code, "nom"] if "nom" in com.columns else code
        rows.append({
            "siret": f"nouvelle-{k}", "type_siae": kind, "nom": f"nouvelle structure {kind}",
            "code_commune": code, "commune": town, "dep": com.loc[code, "dep"],
            "capacite": value, "capacite_estimee": est, "geometry": pts.loc[code],
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=pts.crs).to_crs(crs)


def _structures(moved: gpd.GeoDataFrame, change: str, communes: gpd.GeoDataFrame,
                demand_df: pd.DataFrame, radius_km_by_type: Mapping[str, float] | None):
    """Name, type, commune, capacity and unemployed in reach of the opened / closed ones."""
    if moved.empty:
        return pd.DataFrame()
    radii = {**DEFAULT_RADIUS_KM, **(radius_km_by_type or {})}
    pts = commune_points(communes)
    dem = communes[["code"]].merge(demand_df[["code", "demande"]], on="code", how="left")
    dem_v = dem["demande"].to_numpy(dtype="float64")
    names = communes.set_index("code")["nom"] if "nom" in communes.columns else None
    geo = moved.to_crs(pts.crs)
    rows = []
    for r, g in zip(moved.itertuples(index=False), geo.geometry, strict=True):
        d = pts.distance(g).to_numpy() / 1000
        radius = radii.get(r.type_siae, DEFAULT_RADIUS_ALL_KM)
        reach = float(np.nansum(dem_v[d <= radius]))
        town = getattr(r, "commune", None)
        if not isinstance(town, str) and names is not None:
            town = names.get(str(r.code_commune), r.code_commune)
        rows.append({
            "changement": change, "nom": r.nom, "type_siae": r.type_siae, "commune": town,
            "code_commune": r.code_commune, "capacite": float(r.capacite),
            "capacite_estimee": bool(r.capacite_estimee), "rayon_km": radius,
            "chomeurs_a_portee": reach,
            "places_pour_100_chomeurs_a_portee": 100 * float(r.capacite) / reach
            if reach > 0 else np.nan,
        })
    return pd.DataFrame(rows)


def scenario(
    communes: gpd.GeoDataFrame,
    registry: gpd.GeoDataFrame,
    demand_df: pd.DataFrame,
    *,
    open: Iterable[tuple[str, str, float | None]] = (),
    close: Iterable[str] = (),
    codes: Iterable[str] | None = None,
    reference_codes: Iterable[str] | None = None,
    reference: str = DEFAULT_REFERENCE,
    reference_label: str | None = None,
    types: Sequence[str] | None = None,
    radius_km_by_type: Mapping[str, float] | None = None,
    radius_km_all: float | None = DEFAULT_RADIUS_ALL_KM,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
) -> pd.DataFrame:
    """Accessibility and coverage class of the communes ``codes`` before and after a scenario.

    ``open``: ``(code_commune, type, capacity)`` — a new structure at the commune's
    representative point; capacity None = DARES 2019 national average of the type (flagged as
    an estimate). ``close``: SIRETs to remove (every row of the SIRET). The 2SFCA runs twice
    on all ``communes`` with the same parameters; the communes ``codes`` (default all) are
    classed before by :func:`~coodiag.analyses.coverage.classify` (thresholds over
    ``reference_codes``, default ``codes``) and after with the same thresholds. ``types``: the
    types reported (default those of the opened / closed structures) beside « ensemble »
    (all types, as in the reports: the 2SFCA always runs on every type).

    Returns, one row per commune and type: ``code, nom, type_siae, demande, acces_avant,
    acces_apres, variation, variation_pour_1000, classe_avant, classe_apres, classe_change,
    classe_scenario`` (the class after, :data:`UNCHANGED` where the access did not change).
    ``attrs``: ``structures`` (name, type, commune, capacity, unemployed in reach of each
    opened / closed structure), ``impact`` (:func:`impact_summary`), ``seuils`` (of the last
    type, ``seuils_par_type`` all), ``reference``, ``parametres``, ``indicateurs``.
    """
    reg = with_capacity(registry)
    opened = list(open)
    closed = [str(s) for s in close]
    sirets = reg["siret"].astype("string")
    unknown = sorted(set(closed) - set(sirets.dropna()))
    if unknown:
        raise ValueError(f"SIRET inconnu(s) du registre : {', '.join(unknown)}")
    gone = sirets.isin(closed).fillna(False).to_numpy()
    touched = set(reg.loc[gone, "type_siae"].astype(str))
    after = reg.loc[~gone]
    new = None
    if opened:
        new = opened_rows(communes, opened, reg.crs)
        touched |= set(new["type_siae"])
        after = gpd.GeoDataFrame(pd.concat([after, new], ignore_index=True),
                                 geometry="geometry", crs=reg.crs)
    run_types = list(types) if types else [t for t in TYPES_SIAE if t in touched]
    run_types = run_types or list(TYPES_SIAE)
    # Every type enters the 2SFCA so that « ensemble » is the same as the reports' (all types).
    kw = {"radius_km_by_type": radius_km_by_type, "radius_km_all": radius_km_all,
          "decay": decay, "sigma_km": sigma_km, "types": list(TYPES_SIAE)}
    before_acc = with_estimate(accessibility(communes, reg, demand_df, **kw), demand_df)
    after_acc = with_estimate(accessibility(communes, after, demand_df, **kw), demand_df)
    wanted = list(before_acc["code"]) if codes is None else list(codes)
    inside = before_acc["code"].isin(set(wanted)).to_numpy()
    b_in, a_in = before_acc[inside].reset_index(drop=True), after_acc[inside].reset_index(drop=True)
    names = list(run_types) + ([ALL] if radius_km_all is not None else [])
    frames = []
    seuils, ref, note = {}, None, ""
    for name in names:
        cb = classify(before_acc, wanted, reference_codes=reference_codes, reference=reference,
                      label=reference_label, type_siae=name, quantiles=quantiles)
        s = cb.attrs["seuils"]
        ca = coverage(a_in, type_siae=name, method="seuils", need_bounds=s["besoin"],
                      offer_bounds=s["offre"], need_median=s["besoin_mediane"])
        df = pd.DataFrame({"code": b_in["code"]})
        if "nom" in b_in.columns:
            df["nom"] = b_in["nom"]
        df["type_siae"] = name
        df["demande"] = b_in["demande"]
        if "demande_estimee" in b_in.columns:
            df["besoin_estime"] = b_in["demande_estimee"]
        df["acces_avant"] = b_in[f"acces_{name}"]
        df["acces_apres"] = a_in[f"acces_{name}"]
        df["variation"] = df["acces_apres"] - df["acces_avant"]
        df["variation_pour_1000"] = 1000 * df["variation"]
        df["classe_avant"] = cb["classe"].to_numpy()
        df["classe_apres"] = ca["classe"].to_numpy()
        df["classe_change"] = df["classe_avant"] != df["classe_apres"]
        moved = df["variation"].abs() > 1e-12
        df["classe_scenario"] = df["classe_apres"].where(moved, UNCHANGED)
        frames.append(df)
        seuils[name], ref, note = s, cb.attrs["reference"], cb.attrs["note_seuils"]
    out = pd.concat(frames, ignore_index=True)
    params = dict(after_acc.attrs.get("parametres", {}))
    params.update({"ouvertures": opened, "fermetures": closed, "types": names,
                   "reference": reference})
    out.attrs["parametres"] = params
    out.attrs["seuils"], out.attrs["reference"] = seuils[names[-1]], ref
    out.attrs["seuils_par_type"], out.attrs["note_seuils"] = seuils, note
    parts = [_structures(new, "ouverture", communes, demand_df, radius_km_by_type)
             if new is not None else pd.DataFrame(),
             _structures(reg.loc[gone], "fermeture", communes, demand_df, radius_km_by_type)]
    parts = [p for p in parts if len(p)]
    out.attrs["structures"] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out.attrs["impact"] = impact_summary(out)
    out.attrs["indicateurs"] = [*_INDICATORS, COVERAGE_RATE, STRUCTURE_REACH]
    return out


def impact_summary(res: pd.DataFrame) -> pd.DataFrame:
    """Per type: unemployed of the communes of ``res``, places in their reach before / after,
    :data:`COVERAGE_RATE` before / after and its change (points)."""
    rows = []
    for name, g in res.groupby("type_siae", sort=False):
        d = g["demande"].astype("float64")
        tot = float(d.sum())
        pb = float((g["acces_avant"] * d).sum())
        pa = float((g["acces_apres"] * d).sum())
        rate_b = 100 * pb / tot if tot > 0 else np.nan
        rate_a = 100 * pa / tot if tot > 0 else np.nan
        rows.append({"type_siae": name, "chomeurs": tot, "places_avant": pb,
                     "places_apres": pa, "taux_avant": rate_b, "taux_apres": rate_a,
                     "variation_points": rate_a - rate_b})
    return pd.DataFrame(rows)


_INDICATORS = [
    Indicator(
        key="acces_avant",
        label="Accessibilité avant le scénario",
        unit="salariés en insertion par personne de la demande",
        method="2SFCA sur le registre actuel (voir parametres)",
        source=SRC_REGISTRY,
    ),
    Indicator(
        key="acces_apres",
        label="Accessibilité après le scénario",
        unit="salariés en insertion par personne de la demande",
        method="2SFCA sur le registre après ouvertures et fermetures ; structure ouverte "
        "au point représentatif de sa commune, capacité estimée (moyenne DARES 2019 du "
        "type) si non fournie",
        source=SRC_REGISTRY,
    ),
    Indicator(
        key="variation_pour_1000",
        label="Variation de l'accessibilité pour 1 000 personnes de la demande",
        unit="salariés en insertion pour 1 000 personnes",
        numerator="accès après − accès avant",
        denominator="1 000 personnes de la demande",
        method="(acces_apres − acces_avant) × 1 000",
    ),
    Indicator(
        key="classe_apres",
        label="Classe de couverture après le scénario",
        unit="classe",
        method="seuils de la situation avant le scénario (même référence), appliqués aux "
        "valeurs après ; « inchangée » pour la carte quand l'accès ne change pas",
    ),
]
