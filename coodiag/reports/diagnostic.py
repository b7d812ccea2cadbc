"""The diagnosis of one SIAE: every analysis of the Coodiag method, assembled for its territory.

:func:`run` computes (pure functions of :mod:`coodiag.analyses` on the base and the user's
files) and returns a :class:`Diagnostic`; the atlas module renders it. Statistical secrecy is
applied here, once, to every count of people that leaves this module (``*_publie`` tables):
renderers never see raw counts of salariés.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import codes, secrecy, territory
from coodiag.analyses import (
    impact,
    occupations,
    offer,
    profile,
    prospect,
    recommend,
    specificity,
    typology,
)
from coodiag.errors import CoodiagError
from coodiag.reference.cog import current_code
from coodiag.reports import residents
from coodiag.reports.context import Context, data_coverage, elderly_typology_note
from coodiag.reports.evolution import CensusEvolution, census_evolution, comparison_levels
from coodiag.reports.key_figures import key_figures, official_tables
from coodiag.reports.surfaces import Surfaces, atlas_surface

#: Version of the snapshot format (``--comparer`` refuses another major version).
SNAPSHOT_VERSION = 1


@dataclass
class Diagnostic:
    """Everything an atlas shows for one SIAE (tables already under statistical secrecy)."""

    siret: str
    structure: dict
    territoire: str
    territoire_label: str
    communes: gpd.GeoDataFrame  # the territory's communes (Lambert-93) with every result column
    contexte: gpd.GeoDataFrame  # neighbouring départements (Lambert-93), for map context
    offre: gpd.GeoDataFrame  # SIAE of the territory and around (Lambert-93), with capacity
    chiffres_cles: pd.DataFrame
    impact_publie: pd.DataFrame | None  # residence communes of the territory
    recrutement_publie: pd.DataFrame | None
    couverture: pd.DataFrame
    typologie: dict[str, Any] | None
    zones: pd.DataFrame
    specificite: pd.DataFrame | None
    specificite_ze: pd.DataFrame | None
    bmo: pd.DataFrame | None
    prospects: pd.DataFrame | None
    recommandations: list[recommend.Recommendation]
    imports: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    parametres: dict[str, Any] = field(default_factory=dict)
    evolution: CensusEvolution | None = None  # évolution 2018-2021 (census)
    #: residence communes far from the structure, left out of the territory (masked counts)
    residences_eloignees: pd.DataFrame | None = None
    #: profile of the salariés (analyses.profile.roster_profile, under secrecy); attrs
    #: « infbac » / « recensement_infbac »: share below the bac of the salariés / of the
    #: territory's population of 15 or more (census 2022), or None
    profil: pd.DataFrame | None = None
    #: the zones d'emploi of the structure's région (Lambert-93), for the map of their typology
    zones_geo: gpd.GeoDataFrame | None = None
    surface: Surfaces | None = None  # 2SFCA surface to all SIAE (reports.surfaces)

    def snapshot(self) -> dict:
        """A machine-readable summary of the figures (JSON-able), for later comparison."""

        def records(df: pd.DataFrame | None) -> list[dict]:
            if df is None:
                return []
            return json.loads(df.to_json(orient="records", force_ascii=False))

        return {
            "version": SNAPSHOT_VERSION,
            "date": date.today().isoformat(),
            "siret": self.siret,
            "structure": {k: v for k, v in self.structure.items() if k != "geometry"},
            "territoire": self.territoire,
            "territoire_label": self.territoire_label,
            "parametres": self.parametres,
            "chiffres_cles": records(self.chiffres_cles),
            "impact": records(self.impact_publie),
            "residences_eloignees": records(self.residences_eloignees),
            "couverture": records(self.couverture),
            "recommandations": [r.__dict__ for r in self.recommandations],
        }


def structure_rows(registry: pd.DataFrame, siret: str) -> pd.DataFrame:
    """The registry rows of ``siret``, else a French error (unknown SIRET, no commune)."""
    clean = codes.parse_siret(siret)
    rows = registry[registry["siret"] == clean]
    if rows.empty:
        raise CoodiagError(
            f"SIRET {siret} absent du registre des SIAE : vérifiez le numéro, ou consultez "
            "« coodiag siae list -t dep:XX »."
        )
    if rows["code_commune"].isna().all():
        raise CoodiagError(
            f"La SIAE {clean} n'a pas de commune connue ({rows['motif_non_place'].iloc[0]}) : "
            "diagnostic impossible."
        )
    return rows


def check_radius(km: float) -> float:
    """The prospecting radius in km, once known to be a positive finite number (else a French
    :class:`CoodiagError`: negative, zero, NaN and infinite values are refused)."""
    try:
        value = float(km)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        shown = f"{km:g}" if isinstance(km, float) else km
        raise CoodiagError(
            f"Rayon de prospection invalide : « {shown} » km ; indiquez un nombre de kilomètres "
            "positif et fini, par exemple --rayon 20."
        )
    return value


def run(
    siret: str,
    *,
    salaries: pd.DataFrame | None = None,
    capacite: pd.DataFrame | None = None,
    sirene: pd.DataFrame | None = None,
    territoire_txt: str | None = None,
    rayon_km: float = 20.0,
    periode: tuple[str, str] | None = None,
    date_stock: str | None = None,
    inclure_eloignees: bool = False,
    threshold: int | None = None,
    context: Context | None = None,
    reference: str = "territoire",
    import_notes: Sequence[str] = (),
) -> Diagnostic:
    """Compute the diagnosis of the SIAE ``siret``.

    ``salaries``, ``capacite``, ``sirene``: the ``data`` of the user's imports (or None).
    Territory: ``territoire_txt`` (``"epci:...,dep:50"``) if given, else its zone d'emploi
    plus the communes where its salariés live within :data:`impact.FAR_KM` km (its zone
    d'emploi alone without a salariés file); farther residence communes are listed apart
    (``residences_eloignees``) unless ``inclure_eloignees``. Salariés counted: distinct persons
    with a contract over ``periode`` (default: the whole file), or under contract on
    ``date_stock`` (``JJ/MM/AAAA``). ``rayon_km``: prospecting radius around the SIAE.
    ``context``: the base already opened (its ``capacite`` is then the one used).
    ``reference``: where the coverage terciles are computed (``territoire``, ``region``,
    ``france``; :meth:`Context.coverage`).
    """
    notes: list[str] = list(import_notes)  # e.g. a roster with no usable row, said first
    rayon_km = check_radius(rayon_km)
    threshold = secrecy.get_threshold(threshold)  # below the legal floor: refused before any work
    ctx = context if context is not None else Context(capacite=capacite)
    communes_all = ctx.communes
    ind = ctx.indicators
    ze_ind = ctx.ze_indicators
    registry = ctx.registry
    rows = structure_rows(registry, siret)
    main = rows.iloc[0]
    code_siae = str(main["code_commune"])
    zone = str(communes_all.set_index("code").loc[code_siae, "crs_zone"])
    if zone != "metro":
        raise CoodiagError(
            "Le diagnostic complet couvre la France métropolitaine : les indicateurs communaux "
            "des DROM manquent dans les données de référence."
        )
    metro = ctx.metro

    # Recruitment footprint and impact on unemployment.
    n_c = far = None
    near: list[str] = []
    if salaries is not None and len(salaries):
        n_c = residents.count_salaries(salaries, periode, date_stock)
        if not inclure_eloignees:
            far = residents.far_residences(n_c, communes_all, registry, main)
        near = [c for c in n_c.index if far is None or c not in set(far["code"])]

    # Territory.
    if territoire_txt:
        terr = territory.check(territory.parse(territoire_txt), communes_all,
                               lineage=current_code)
        notes.extend(terr.notes)
    else:
        parts = [("ze", str(main["ze2020"]))] + [("com", c) for c in near]
        terr = territory.Territory(tuple(parts))
    inside = terr.mask(communes_all)
    label = terr.label(communes_all) if territoire_txt else residents.default_label(
        main, n_c, far, include=inclure_eloignees
    )
    codes_in = set(communes_all.loc[inside, "code"])
    if far is not None:  # a territory given by the user keeps its own far communes
        far = far[~far["code"].isin(codes_in)].reset_index(drop=True)

    denominator = "chomeurs"
    impact_pub = recrut_pub = None
    if n_c is not None:
        known = ind.set_index("code")["p21_chom1564"].reindex(n_c.index)
        if known.isna().mean() > 0.5:
            denominator = "demandeurs"
            notes.append(
                "Chômeurs du recensement indisponibles pour la plupart des communes de "
                "résidence : l'impact est calculé sur les demandeurs d'emploi inscrits."
            )
        names = communes_all.set_index("code")["nom"]
        imp = impact.impact_communes(n_c, ind, denominator=denominator, names=names)
        impact_pub, far = residents.publish(imp, far, threshold=threshold)
        recrut_pub = impact_pub[["code", "nom", "salaries"]].copy()

    # Accessibility (computed on the whole metropolitan zone, then cut) and coverage classes
    # (terciles over the reference, applied to the territory).
    chain = ctx.accessibility
    acc, near, cov = chain.access, chain.nearest, chain.coverage
    near_in = near[near["code"].isin(codes_in)]
    cov_in = ctx.coverage(codes_in, reference=reference, territory_label=label).copy()
    cov_in.index = cov.index[cov["code"].isin(codes_in)]
    cov_in["decile_besoin"] = (
        pd.qcut(cov["besoin"].rank(method="first"), 10, labels=False).reindex(cov_in.index) + 1
        if "besoin" in cov.columns
        else np.nan
    )
    couverture = cov_in.merge(near_in.drop(columns=["nom"], errors="ignore"), on="code", how="left")
    couverture.attrs = dict(cov_in.attrs)

    communes = metro[metro["code"].isin(codes_in)].copy()
    extra = [c for c in couverture.columns if c not in communes.columns or c == "code"]
    acc_cols = ["code", *[c for c in acc.columns if c.startswith("acces_")]]
    communes = communes.merge(couverture[extra], on="code", how="left").merge(
        acc[acc_cols], on="code", how="left"
    )
    if impact_pub is not None:
        communes = communes.merge(
            impact_pub[["code", "salaries", "impact_pct"]], on="code", how="left"
        )
    communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=metro.crs)

    deps = sorted(set(communes["dep"]))
    # every département: the maps draw those in their frame around the territory (the rest of
    # its own département too: land out of the territory, not sea) and France in the locator
    contexte = ctx.base.level("departements", zone="metro")

    offre = registry[registry["geometry"].notna()].to_crs(metro.crs)
    offre = offre[offre.intersects(communes.union_all().buffer(10_000))]

    # Typologies.
    typo: dict[str, Any] | None = None
    try:
        zones_res = ctx.offer_typology  # national: computed once per context
        typo = {"zones": zones_res}
        mask = communes_all["dep"].isin(deps)
        have, total = data_coverage(communes_all, ind, mask, typology.PERSONNES_AGEES_ACTIVES)
        if total and have / total >= typology.MIN_COVERAGE:
            typo["personnes_agees"] = typology.preset_personnes_agees(
                communes_all, ind, territory_mask=mask, meta=ctx.meta
            )
        else:
            notes.append(elderly_typology_note(have, total))
    except (ValueError, CoodiagError) as exc:  # pragma: no cover - reported, not fatal
        notes.append(f"Typologie non calculée : {exc}")

    # Zones d'emploi of the territory: impact of the whole offer.
    dens = ctx.denominators("ze2020")
    offer_ze = ctx.offer_by("ze")
    zones = impact.impact_zones(
        offer_ze, dens["demandeurs"], denominator_label=offer.DENOMINATORS["demandeurs"][1]
    )
    zones = zones[zones["code"].isin(set(communes["ze2020"]))]

    # Prospecting.
    spec = spec_ze = bmo_prof = pros = None
    try:
        spec = specificity.lq_etablissements(ind, communes_all, codes_in, reference="dep")
    except (ValueError, KeyError, CoodiagError) as exc:
        notes.append(f"Spécificité sectorielle des établissements non calculée : {exc}")
    spec_ze = specificity.lq_zone_emploi(ze_ind, str(main["ze2020"]), france=ctx.ze_france)
    try:
        bmo = ctx.base.table("bmo_2024")
        bassins = sorted(
            set(communes["bassin_bmo"].dropna()) if "bassin_bmo" in communes else set()
        )
        bassins = bassins or sorted(set(communes_all.loc[inside, "bassin_bmo"].dropna()))
        bmo_prof = occupations.bmo_profile(
            bmo,
            bassins,
            romes=list(main["romes"]) or None,
            naf=main["naf"],
            type_siae=main["type_siae"],
        )
    except CoodiagError as exc:
        notes.append(f"Besoins en main-d'œuvre non disponibles : {exc}")
    if sirene is not None and len(sirene):
        point = offre.loc[offre["siret"] == main["siret"], "geometry"]
        pros = prospect.prospects(
            sirene,
            point.iloc[0] if len(point) else None,
            km=rayon_km,
            naf_of_siae=main["naf"],
            romes=list(main["romes"]),
            type_siae=main["type_siae"],
            communes=metro,
        )

    results: dict[str, pd.DataFrame] = {"couverture": couverture}
    if impact_pub is not None:
        results["impact"] = impact_pub
    if bmo_prof is not None:
        results["bmo"] = bmo_prof
    if spec is not None:
        results["specificite"] = spec
    recos = recommend.recommend(
        results, type_siae=str(main["type_siae"]), threshold=threshold
    )

    profil = None
    if n_c is not None:
        start, end = periode if periode else (None, None)
        profil = profile.roster_profile(
            salaries, mode="stock" if date_stock is not None else "periode", start=start,
            end=end, date=date_stock, threshold=threshold,
        )
        profil.attrs["infbac"] = profile.below_bac_share(profil)
        profil.attrs["recensement_infbac"] = profile.census_below_bac(ind, codes_in)
    figures = key_figures(communes_all, inside, ind, registry, str(main["dep"]), str(main["reg"]),
                          official=official_tables(ctx))
    evolution = census_evolution(
        communes_all, inside, ind,
        comparison_levels(communes_all, inside, ze=str(main["ze2020"]), dep=str(main["dep"])),
        meta=ctx.meta,
    )
    region_ze = set(communes_all.loc[communes_all["reg"] == main["reg"], "ze2020"])
    zones_geo = ctx.base.level("zones_emploi", zone="metro")
    zones_geo = zones_geo[zones_geo["code"].isin(region_ze)][["code", "nom", "geometry"]]
    return Diagnostic(
        zones_geo=zones_geo,
        siret=str(main["siret"]),
        structure={
            k: (list(v) if isinstance(v, (list, np.ndarray)) else v)
            for k, v in main.drop(labels=["geometry"]).to_dict().items()
        },
        territoire=str(terr),
        territoire_label=label,
        communes=communes,
        contexte=contexte,
        offre=offre,
        chiffres_cles=figures,
        impact_publie=impact_pub,
        recrutement_publie=recrut_pub,
        couverture=couverture,
        typologie=typo,
        zones=zones,
        specificite=spec,
        specificite_ze=spec_ze,
        bmo=bmo_prof,
        prospects=pros,
        recommandations=recos,
        notes=notes,
        evolution=evolution,
        residences_eloignees=far if far is not None and len(far) else None,
        profil=profil,
        surface=atlas_surface(ctx, codes_in),
        parametres={
            "denominateur_impact": impact.UNEMPLOYED[denominator][1],
            "rayon_prospection_km": rayon_km,
            "seuil_secret": secrecy.get_threshold(threshold),
            **residents.window_parameters(n_c),
            "rayon_eloignement_km": impact.FAR_KM,
            "inclure_eloignees": bool(inclure_eloignees),
        },
    )

