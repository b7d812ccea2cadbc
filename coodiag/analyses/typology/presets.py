"""The typologies of the Coodiag method, ready to run on the tables of the base.

- :func:`preset_personnes_agees` (Coodiag example 2): communes by the sociology of their
  elderly people;
- :func:`preset_offre_insertion` (example 3): zones d'emploi by their insertion offer and its
  context (:func:`offer_table`);
- :func:`preset_communes_france`: every metropolitan commune on variables known everywhere
  (:func:`commune_table_france`), pre-clustered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coodiag.analyses.typology.hcpc import PRECLUSTER_DEFAULT, HCPCResult, typology
from coodiag.analyses.typology.meta import SHORT_LABELS
from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE
from coodiag.base.indicators import Indicator

#: Active and supplementary variables of Coodiag example 2 (sociology of elderly people).
PERSONNES_AGEES_ACTIVES = [
    "part_6579_22",
    "part_80p_22",
    "part_seul_5579_22",
    "part_seul_80p_22",
    "part_csp_retraites_22",
    "med21",
    "tx_chom1564_22",
]
PERSONNES_AGEES_SUPPLEMENTAIRES = [
    "tp6021",
    "part_men_seul_22",
    "part_hlm_22",
    "part_dipl_infbac_22",
    "p22_pop",
]
#: A variable becomes active only when observed for at least this share of the units.
MIN_COVERAGE = 0.9


def preset_personnes_agees(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    territory_mask: pd.Series | np.ndarray | None = None,
    n_classes: int | None = None,
    meta: pd.DataFrame | None = None,
    **kwargs,
) -> HCPCResult:
    """Coodiag example 2: communes by the sociology of their elderly people.

    Active: shares of the 65-79 and 80+ year-olds, of the 55-79 and 80+ living alone, of
    retirees (RP 2022 IRIS aggregates), median income (Filosofi 2021), census unemployment rate
    (RP 2022); the poverty rate (Filosofi 2021, secret below 1,000 households) becomes active
    only if observed for ≥ 90 % of the communes, else it is supplementary, like the share of
    one-person households, of HLM, of low diplomas and the population.

    The territory: the communes where the IRIS 2022 variables exist (Normandie in the base),
    restricted by ``territory_mask`` (boolean, aligned on ``communes``) if given. Every commune
    weighs the same (a typology of places, not of inhabitants).
    """
    frame = communes[["code", "nom"]].merge(indicators, on="code", how="left")
    keep = frame["part_6579_22"].notna().to_numpy().copy()
    if territory_mask is not None:
        keep &= np.asarray(territory_mask, dtype=bool)
    frame = frame[keep].reset_index(drop=True)
    if len(frame) < 10:
        raise ValueError(
            "Moins de 10 communes de ce territoire ont les indicateurs IRIS 2022 des personnes "
            "âgées (disponibles pour la Normandie)."
        )
    active = list(PERSONNES_AGEES_ACTIVES)
    sup = list(PERSONNES_AGEES_SUPPLEMENTAIRES)
    if frame["tp6021"].notna().mean() >= MIN_COVERAGE:
        active.append("tp6021")
        sup.remove("tp6021")
    return typology(
        frame,
        active,
        id_col="code",
        label_col="nom",
        supplementary=sup,
        n_classes=n_classes,
        meta=meta,
        meta_table="indicateurs_communes",
        **kwargs,
    )


def _of(name: str) -> str:
    """« nombre d'EI », « nombre de GEIQ »: French elision before a vowel."""
    return f"nombre d'{name}" if name[:1] in "AEIOUÉ" else f"nombre de {name}"


#: Structure types counted in the insertion-offer typology.
OFFER_TYPES = ("ACI", "AI", "EI", "ETTI")
#: Short names of the variables of :func:`offer_table`, for the class names.
OFFER_SHORT_LABELS = {
    **{f"siae_{t.lower()}_pour_10000_de": f"{_of(t)} pour 10 000 demandeurs" for t in OFFER_TYPES},
    "capacite_pour_1000_demandeurs": "capacité d'insertion pour 1 000 demandeurs",
}
OFFRE_CONTEXTE = [
    "soc_txchom_1564_22",
    "rev_txpauv_21",
    "dsp_dipl_infbac_pct_22",
    "eco_txemp_1564_22",
]
OFFRE_SUPPLEMENTAIRES = ["rev_med_21", "dmv_75p_pct_22", "eco_sectindus_pct_22", "p22_pop"]


def offer_table(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    zones: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    user_capacity: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Indicator]]:
    """Zones d'emploi with their insertion offer and context: (table, derived indicators).

    From the SIAE registry (:func:`coodiag.analyses.offer.offer_by_territory`):
    ``siae_<TYPE>_pour_10000_de``
    = 10,000 × structures of the type / job seekers, and ``capacite_pour_1000_demandeurs`` =
    1,000 × salariés en insertion (DARES national averages per type unless ``user_capacity``) /
    job seekers (France Travail, ~2024). A zone with no SIAE has 0 structures and 0 capacity.
    """
    from coodiag.analyses.offer import apply_capacity, denominators, offer_by_territory

    den = denominators(communes, indicators, by="ze2020")
    offer = offer_by_territory(
        apply_capacity(registry, user_capacity), level="ze", denominators=den
    ).set_index("code")
    frame = zones.set_index("code").copy()
    de = den["demandeurs"].reindex(frame.index).astype("float64")
    de = de.where(de > 0)
    extra: dict[str, Indicator] = {}
    src = f"Registre des SIAE (coodiag) ; {JOB_SEEKERS}"
    for t in OFFER_TYPES:
        col = f"n_{t}"
        n = offer[col] if col in offer.columns else pd.Series(dtype="float64")
        n = n.reindex(frame.index).fillna(0).astype("float64")
        key = f"siae_{t.lower()}_pour_10000_de"
        frame[key] = 10_000 * n / de
        extra[key] = Indicator(
            key=key,
            label=f"Structures {t} pour 10 000 demandeurs d'emploi",
            unit="structures pour 10 000 demandeurs d'emploi",
            source=src,
            vintage=f"registre SIAE ; demandeurs d'emploi : {JOB_SEEKERS_DATE}",
            method=f"10 000 × nombre de {t} de la zone / demandeurs d'emploi de la zone",
        )
    cap = offer["capacite"].reindex(frame.index).fillna(0).astype("float64")
    frame["capacite_pour_1000_demandeurs"] = 1000 * cap / de
    est = offer["capacite_estimee_part"].reindex(frame.index)
    frame.attrs["capacite_toute_estimee"] = bool(((est == 1) | est.isna()).all())
    extra["capacite_pour_1000_demandeurs"] = Indicator(
        key="capacite_pour_1000_demandeurs",
        label="Capacité d'insertion (salariés en SIAE) pour 1 000 demandeurs d'emploi",
        unit="salariés en insertion pour 1 000 demandeurs d'emploi",
        source=src + " ; capacités estimées (DARES, 31/12/2019)",
        vintage=f"registre SIAE ; DARES 2019 ; demandeurs d'emploi : {JOB_SEEKERS_DATE}",
        method="1 000 × capacité estimée (moyenne nationale par type sauf capacité fournie) "
        "/ demandeurs d'emploi de la zone — estimation",
    )
    return frame.reset_index(), extra


def preset_offre_insertion(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    zones: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    territory_mask: pd.Series | np.ndarray | None = None,
    user_capacity: pd.DataFrame | None = None,
    n_classes: int | None = None,
    meta: pd.DataFrame | None = None,
    **kwargs,
) -> HCPCResult:
    """Coodiag example 3: zones d'emploi by their insertion offer and its context.

    Active: ACI, AI, EI, ETTI per 10,000 job seekers (:func:`offer_table`), census unemployment
    rate, poverty rate, share of low diplomas, employment rate (zone indicators, RP 2022 /
    Filosofi 2021), and the insertion capacity per 1,000 job seekers when some capacities come
    from ``user_capacity`` — with only DARES national averages per type it is an exact linear
    combination of the four densities (it would weigh the offer twice) and is supplementary,
    as are median income, share of 75+, of industry, population. ``zones`` is the base's
    ``indicateurs_zones_emploi`` (the 287 metropolitan zones), restricted by ``territory_mask``
    (boolean, aligned on ``zones``) if given.
    """
    frame, extra = offer_table(communes, indicators, zones, registry, user_capacity=user_capacity)
    all_estimated = frame.attrs.get("capacite_toute_estimee", True)
    if territory_mask is not None:
        frame = frame[np.asarray(territory_mask, dtype=bool)].reset_index(drop=True)
    active = [*(f"siae_{t.lower()}_pour_10000_de" for t in OFFER_TYPES), *OFFRE_CONTEXTE]
    sup = list(OFFRE_SUPPLEMENTAIRES)
    if all_estimated:
        sup.insert(0, "capacite_pour_1000_demandeurs")
    else:
        active.insert(len(OFFER_TYPES), "capacite_pour_1000_demandeurs")
    result = typology(
        frame,
        active,
        id_col="code",
        label_col="libelle",
        supplementary=sup,
        n_classes=n_classes,
        meta=meta,
        meta_table="indicateurs_zones_emploi",
        extra_meta=extra,
        short_labels=OFFER_SHORT_LABELS,
        **kwargs,
    )
    if "capacite_pour_1000_demandeurs" in sup:
        result.attrs["note_capacite"] = (
            "Capacité pour 1 000 demandeurs en variable supplémentaire : toutes les capacités "
            "sont des moyennes nationales par type (DARES 2019), elle serait une combinaison "
            "exacte des densités de structures par type déjà actives."
        )
    return result


#: Zone d'emploi indicators given to each commune in :func:`commune_table_france`.
FRANCE_ZONE_VARIABLES = [
    "soc_txchom_1564_22",
    "rev_med_21",
    "rev_txpauv_21",
    "dmv_75p_pct_22",
    "dsp_dipl_infbac_pct_22",
    "eco_txemp_1564_22",
]
#: Short names of the variables of :func:`commune_table_france`, for the class names.
FRANCE_SHORT_LABELS = {
    "log_densite": "densité",
    "de_pour_1000_hab": "demandeurs d'emploi pour 1 000 habitants",
    **{f"ze_{v}": SHORT_LABELS[v] + " de la zone" for v in FRANCE_ZONE_VARIABLES
       if v in SHORT_LABELS},
}


def commune_table_france(
    communes: pd.DataFrame, indicators: pd.DataFrame, zones: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Indicator]]:
    """Every metropolitan commune with variables known everywhere: (table, derived indicators).

    ``log_densite`` = log10(1 + population 2022 / km²), ``de_pour_1000_hab`` = 1,000 × job
    seekers (~2024) / population 2022, and the indicators of the commune's zone d'emploi
    (:data:`FRANCE_ZONE_VARIABLES`, prefixed ``ze_``: the same value for all its communes).
    """
    base = communes[["code", "nom", "ze2020", "superficie_km2"]].merge(
        indicators[["code", "pop22", "de_2024"]], on="code", how="left"
    )
    z = zones.set_index("code")[FRANCE_ZONE_VARIABLES].add_prefix("ze_")
    frame = base.join(z, on="ze2020")
    frame = frame[frame["ze_soc_txchom_1564_22"].notna()].reset_index(drop=True)
    pop = frame["pop22"].astype("float64")
    frame["log_densite"] = np.log10(
        1 + pop / frame["superficie_km2"].where(frame["superficie_km2"] > 0)
    )
    frame["de_pour_1000_hab"] = 1000 * frame["de_2024"] / pop.where(pop > 0)
    extra = {
        "log_densite": Indicator(
            key="log_densite",
            label="Densité de population (log10 de 1 + habitants par km²)",
            unit="log10(habitants par km²)",
            source="INSEE, RP 2022 ; IGN ADMIN EXPRESS",
            vintage="RP 2022",
            method="log10(1 + pop22 / superficie_km2)",
        ),
        "de_pour_1000_hab": Indicator(
            key="de_pour_1000_hab",
            label="Demandeurs d'emploi pour 1 000 habitants",
            unit="demandeurs pour 1 000 habitants",
            source=f"{JOB_SEEKERS} ; INSEE RP 2022",
            vintage=f"demandeurs d'emploi : {JOB_SEEKERS_DATE} ; RP 2022",
            method="1 000 × de_2024 / pop22",
        ),
    }
    return frame, extra


def preset_communes_france(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    zones: pd.DataFrame,
    *,
    n_classes: int | None = None,
    preclusters: int | None = None,
    meta: pd.DataFrame | None = None,
    **kwargs,
) -> HCPCResult:
    """Typology of all metropolitan communes on :func:`commune_table_france` (pre-clustered)."""
    frame, extra = commune_table_france(communes, indicators, zones)
    if meta is not None:
        zone_meta = meta[meta["table"] == "indicateurs_zones_emploi"].copy()
        zone_meta["key"] = "ze_" + zone_meta["key"]
        zone_meta["label"] = zone_meta["label"] + " (zone d'emploi)"
        meta = pd.concat([meta, zone_meta], ignore_index=True)
    active = ["log_densite", "de_pour_1000_hab", *(f"ze_{v}" for v in FRANCE_ZONE_VARIABLES)]
    return typology(
        frame,
        active,
        id_col="code",
        label_col="nom",
        n_classes=n_classes,
        preclusters=preclusters if preclusters is not None else PRECLUSTER_DEFAULT,
        meta=meta,
        extra_meta=extra,
        short_labels=FRANCE_SHORT_LABELS,
        **kwargs,
    )
