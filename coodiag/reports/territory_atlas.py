"""The atlas of a territory for a CDIAE or a réseau: offer, weight, coverage gaps, typologies.

:func:`run` computes; :func:`coodiag.outputs.builders.territory_document` lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import codes as codelib
from coodiag import territory
from coodiag.analyses import coverage, impact, offer, recommend, typology
from coodiag.errors import CoodiagError
from coodiag.reference.cog import current_code
from coodiag.reports.context import Context, data_coverage, elderly_typology_note
from coodiag.reports.evolution import CensusEvolution, census_evolution, comparison_levels
from coodiag.reports.key_figures import FRANCE, key_figures, metropolitan, official_tables
from coodiag.reports.surfaces import Surfaces, atlas_surface


@dataclass
class TerritoryAtlas:
    """Everything the territory atlas shows (no count of individual people: no secrecy need)."""

    territoire: str
    label: str
    communes: gpd.GeoDataFrame  # Lambert-93, with coverage / accessibility columns
    contexte: gpd.GeoDataFrame
    epci: gpd.GeoDataFrame  # EPCI of the territory with the offer's weight
    offre: gpd.GeoDataFrame  # SIAE of the territory (Lambert-93) with capacity and réseaux
    par_type: pd.DataFrame
    par_reseau: pd.DataFrame | None
    zones: pd.DataFrame  # impact of the offer by zone d'emploi
    zones_geo: gpd.GeoDataFrame  # the zones d'emploi of the territory (Lambert-93)
    non_couvertes: pd.DataFrame  # communes of class coverage.LOW_ACCESS, ranked by demand
    chiffres_cles: pd.DataFrame
    typologie_zones: typology.HCPCResult | None
    typologie_communes: typology.HCPCResult | None
    explication_couverture: str
    notes: list[str] = field(default_factory=list)
    evolution: CensusEvolution | None = None  # évolution 2018-2021 (census)
    seuils_couverture: str = ""  # the reference and threshold values of the coverage classes
    couverture: pd.DataFrame | None = None  # the coverage classes (Context.coverage), attrs
    recommandations: list[recommend.Recommendation] = field(default_factory=list)  # CDIAE
    surface: Surfaces | None = None  # 2SFCA surface to all SIAE (reports.surfaces)

    def snapshot(self) -> dict:
        import json
        from datetime import date

        def records(df: pd.DataFrame | None) -> list[dict]:
            return [] if df is None else json.loads(df.to_json(orient="records",
                                                               force_ascii=False))

        return {
            "version": 1, "date": date.today().isoformat(), "territoire": self.territoire,
            "territoire_label": self.label, "chiffres_cles": records(self.chiffres_cles),
            "par_type": records(self.par_type), "zones": records(self.zones),
            "non_couvertes": records(self.non_couvertes.head(50)),
            "recommandations": [r.__dict__ for r in self.recommandations],
        }


def run(
    territoire_txt: str,
    *,
    capacite: pd.DataFrame | None = None,
    reseaux: pd.DataFrame | None = None,
    context: Context | None = None,
    reference: str = "territoire",
) -> TerritoryAtlas:
    """Compute the atlas of ``territoire_txt`` (``dep:50``, ``ze:2802``, ``reg:28``...).

    ``reference``: where the coverage terciles are computed (``territoire``, ``region``,
    ``france``; :meth:`Context.coverage`).

    ``context``: the base already opened, with its capacity and réseaux files (then
    ``capacite`` and ``reseaux`` are the context's).
    """
    notes: list[str] = []
    ctx = context if context is not None else Context(
        capacite=capacite, reseaux=reseaux, with_reseaux=True
    )
    capacite, reseaux = ctx.capacite, ctx.reseaux
    communes_all = ctx.communes
    terr = territory.check(territory.parse(territoire_txt), communes_all, lineage=current_code)
    notes.extend(terr.notes)
    inside = terr.mask(communes_all)
    zones_crs = set(communes_all.loc[inside, "crs_zone"])
    if zones_crs != {"metro"}:
        raise CoodiagError("L'atlas de territoire couvre la France métropolitaine : les "
                           "indicateurs communaux des DROM manquent dans les données.")
    codes_in = set(communes_all.loc[inside, "code"])
    metro = ctx.metro
    ind = ctx.indicators
    ze_ind = ctx.ze_indicators
    registry = ctx.registry

    chain = ctx.accessibility
    acc, near = chain.access, chain.nearest
    cov = cov_in = ctx.coverage(codes_in, reference=reference,
                                territory_label=terr.label(communes_all))
    communes = metro[codelib.isin(metro["code"], codes_in)].copy()
    cov_cols = ["code", "classe", "besoin", "offre", "demande"]
    cov_cols += [c for c in ("besoin_estime",) if c in cov_in.columns]
    communes = communes.merge(cov_in[cov_cols], on="code", how="left").merge(
        acc[["code", "acces_ensemble"]], on="code", how="left"
    ).merge(
        near[["code", *[c for c in near.columns if c.startswith("dist_")]]], on="code",
        how="left",
    )
    communes["acces_pour_1000"] = 1000 * communes["acces_ensemble"]
    if "pop22" not in communes.columns and "pop22" in ind.columns:  # names the main towns
        communes = communes.merge(ind[["code", "pop22"]], on="code", how="left")
    communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=metro.crs)

    uncovered = cov_in[cov_in["classe"] == coverage.LOW_ACCESS].sort_values(
        "demande", ascending=False
    )
    uncovered = uncovered.merge(
        near[["code", *[c for c in near.columns if c.startswith("dist_")]]], on="code",
        how="left",
    )

    inside_reg = codelib.isin(registry["code_commune"], codes_in)
    offre = registry[inside_reg & registry["geometry"].notna()]
    offre = offre.to_crs(metro.crs)
    par_type = (
        offre.groupby("type_siae")
        # a type without any known capacity (GEIQ, EITI: not published by the DARES) is
        # missing (n.d.), not 0
        .agg(structures=("siret", "size"),
             capacite=("capacite", lambda s: s.sum(min_count=1)),
             capacite_estimee=("capacite_estimee", "sum"))
        .reset_index()
    )
    par_reseau = None
    if reseaux is not None and len(reseaux):
        exploded = offre.explode("reseaux")
        exploded["reseaux"] = exploded["reseaux"].fillna("sans réseau connu")
        par_reseau = (
            exploded.groupby(["reseaux", "type_siae"]).size().unstack(fill_value=0)
            .reset_index().rename(columns={"reseaux": "reseau"})
        )
    else:
        notes.append("Sans fichier d'appartenance des SIAE aux réseaux (modèle "
                     "« modele_reseaux.csv »), l'offre n'est pas "
                     "ventilée par réseau.")

    offer_epci = ctx.offer_by("epci", registry[codelib.isin(registry["code_commune"], codes_in)])
    epci_geo = ctx.base.level("epci", zone="metro")
    epci_codes = set(communes_all.loc[inside, "epci"].dropna())
    epci = epci_geo[codelib.isin(epci_geo["code"], epci_codes)]
    epci = epci.merge(offer_epci, on="code", how="left")
    epci["n_siae"] = epci["n_siae"].fillna(0)
    # no SIAE: known zeros (structures, capacity, per 1 000 whatever the denominators); an EPCI
    # with SIAE whose capacity or job seekers are unknown stays missing (n.d., not « 0 »)
    zeros = [c for c in offer_epci.columns if c not in ("code", "capacite_estimee_part")]
    epci.loc[epci["n_siae"] == 0, zeros] = 0.0

    dens_ze = ctx.denominators("ze2020")
    offer_ze = ctx.offer_by("ze")
    zones = impact.impact_zones(offer_ze, dens_ze["demandeurs"],
                                denominator_label=offer.DENOMINATORS["demandeurs"][1])
    ze_in = set(communes_all.loc[inside, "ze2020"])
    zones = zones[codelib.isin(zones["code"], ze_in)]
    ze_names = communes_all.drop_duplicates("ze2020").set_index("ze2020")["ze_nom"]
    zones.insert(1, "nom", zones["code"].map(ze_names))

    typ_zones = typ_communes = None
    try:
        typ_zones = typology.preset_offre_insertion(
            communes_all, ind, ze_ind, registry, user_capacity=capacite, meta=ctx.meta
        )
        have, total = data_coverage(communes_all, ind, inside, typology.PERSONNES_AGEES_ACTIVES)
        if total and have / total >= typology.MIN_COVERAGE:
            typ_communes = typology.preset_personnes_agees(
                communes_all, ind, territory_mask=inside, meta=ctx.meta
            )
        else:
            notes.append(elderly_typology_note(have, total))
    except (ValueError, CoodiagError) as exc:
        notes.append(f"Typologie non calculée : {exc}")

    first = communes_all.loc[inside].iloc[0]
    figures = key_figures(communes_all, inside, ind, registry, str(first["dep"]),
                           str(first["reg"]), official=official_tables(ctx))
    prefixes = {p for p, _c in terr.parts}
    if len({*communes_all.loc[inside, "dep"]}) > 1 or prefixes <= {"dep", "reg"}:
        figures = figures.drop(columns=[c for c in figures.columns
                                        if c.startswith("Département")])
    if prefixes == {"reg"} or len({*communes_all.loc[inside, "reg"]}) > 1:
        figures = figures.drop(columns=[c for c in figures.columns if c.startswith("Région")])
    if np.array_equal(np.asarray(inside, dtype=bool), metropolitan(communes_all)):
        figures = figures.drop(columns=[FRANCE])  # the territory is France: no column twice

    evolution = census_evolution(
        communes_all, inside, ind, _evolution_levels(communes_all, inside, figures),
        meta=ctx.meta,
    )

    zones_geo = ctx.base.level("zones_emploi", zone="metro")
    zones_geo = zones_geo[codelib.isin(zones_geo["code"], set(communes["ze2020"]))]
    # every other département: the maps draw those in their frame, France in the locator
    contexte = ctx.base.level("departements", zone="metro")
    contexte = contexte[~codelib.isin(contexte["code"], set(communes["dep"]))]
    return TerritoryAtlas(
        territoire=str(terr),
        label=terr.label(communes_all),
        communes=communes,
        contexte=contexte,
        epci=epci,
        offre=offre,
        par_type=par_type,
        par_reseau=par_reseau,
        zones=zones,
        non_couvertes=uncovered,
        zones_geo=zones_geo,
        chiffres_cles=figures,
        typologie_zones=typ_zones,
        typologie_communes=typ_communes,
        explication_couverture=str(cov.attrs.get("explication", "")),
        seuils_couverture=coverage.thresholds_note(cov),
        couverture=cov,
        recommandations=recommend.recommend(  # for a CDIAE / réseau: may speak of missing types
            {"couverture": pd.DataFrame(communes.drop(columns="geometry")),
             "offre_types": par_type}
        ),
        notes=notes,
        evolution=evolution,
        surface=atlas_surface(ctx, codes_in),
    )


def _evolution_levels(
    communes_all: pd.DataFrame, inside: pd.Series, figures: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Comparison levels of the évolution 2018-2021: the levels that contain the territory.

    The zone d'emploi only when every commune of the territory lies in the same one (an
    atlas of a département is not compared with one of its own zones), then the département
    and région columns kept in the key figures, then France métropolitaine (unless it is the
    territory).
    """
    mask_in = np.asarray(inside, dtype=bool)
    first = communes_all.loc[mask_in].iloc[0]
    zes = communes_all.loc[mask_in, "ze2020"].dropna().unique()
    levels = comparison_levels(
        communes_all, inside, ze=str(zes[0]) if len(zes) else "", dep=str(first["dep"])
    )
    kept = [c for c in figures.columns if c.startswith(("Département", "Région"))]
    out = {
        name: mask
        for name, mask in levels.items()
        if (name.startswith("Zone d'emploi") and len(zes) == 1) or name in kept
    }
    for name in kept:
        if name.startswith("Région"):
            out[name] = (communes_all["reg"] == first["reg"]).to_numpy()
    if FRANCE in figures.columns:  # not when the territory is France
        out[FRANCE] = metropolitan(communes_all)
    return out
