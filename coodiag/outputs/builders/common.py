"""Pieces shared by the builders of atlas documents: the SIAE map and table, the key figures,
the typology of the communes, the list of sources."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from coodiag import codes as codelib
from coodiag.base.indicators import Indicator
from coodiag.outputs import maps, weblayers, webmap
from coodiag.outputs.document import (
    ExportTable,
    KeyFigures,
    MapItem,
    Paragraph,
    Section,
    TableItem,
)
from coodiag.outputs.wording import display_name
from coodiag.reports.context import COVERAGE_CLASSES as _KEYS
from coodiag.reports.key_figures import FILOSOFI_NOTE

#: Legend order of the coverage classes (grey is kept for missing data, never for a class).
COVERAGE_CLASSES = {_KEYS[i]: _KEYS[i][0].upper() + _KEYS[i][1:] for i in (0, 3, 2, 4, 1)}
COVERAGE_COLORS = dict(zip(COVERAGE_CLASSES, ("#D55E00", "#F0E442", "#B7DDB0", "#56B4E9",
                                              "#0072B2"), strict=True))

SRC_SIAE = "Registre des SIAE (plateforme de l'inclusion 2021, liste ASP 2019)"
ESTIMATE_NOTE = " (estimation : moyenne nationale du type, DARES 31/12/2019)"
#: The need of a commune, as :func:`coodiag.analyses.demand.demand` computes it.
NEED_METHOD = (
    "chômeurs de 15-64 ans du recensement 2021 de chaque commune ; une commune sans valeur "
    "reçoit, signalée, une estimation tirée de sa population 2022 et des taux de sa zone "
    "d'emploi"
)
NEED_SHORT = "chômeurs de 15-64 ans (recensement 2021 ; estimés, signalés, à défaut)"
SRC_CAPACITY = "capacité estimée : moyenne nationale du type (DARES, 31/12/2019) sans fichier"


def zone_weight_indicators(source: str, vintage: str) -> list[Indicator]:
    """The shares of the table « Zones d'emploi » (estimated capacity, impact), each on its
    column, with numerator and denominator."""
    return [
        Indicator(key="capacite_estimee_part", label="Part estimée de la capacité", unit="%",
                  numerator="capacité estimée faute de donnée (moyenne nationale du type)",
                  denominator="capacité des SIAE de la zone", source=source, vintage=vintage),
        Indicator(key="impact_pct", label="Poids de l'offre dans le chômage de la zone",
                  unit="%", numerator="capacité des SIAE de la zone",
                  denominator="demandeurs d'emploi de la zone", source=source, vintage=vintage),
    ]


def siae_points(offre: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The SIAE with the capacity their symbol shows (whole salariés)."""
    pts = offre.copy()
    pts["capacite_affichee"] = pts["capacite"].round(0)
    return pts


def territory_siae(offre: gpd.GeoDataFrame, communes: pd.DataFrame) -> gpd.GeoDataFrame:
    """The SIAE located in ``communes`` (drawn over the maps of areas)."""
    return offre[codelib.isin(offre["code_commune"], set(communes["code"]))]


def offer_map(offre: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
              context: gpd.GeoDataFrame, *, comment: str) -> MapItem:
    """The map of the SIAE of ``communes`` by type, sized by capacity (the SIAE nearby, kept
    for the accessibility, drawn small and grey, counted apart)."""
    every = siae_points(offre)
    inside = codelib.isin(every["code_commune"], set(communes["code"]))
    pts, nearby = every[inside], every[~inside]
    m_off = Indicator(label="Structures d'insertion par type", unit="structures",
                      source=SRC_SIAE, vintage="2019-2021", method=SRC_CAPACITY)
    return MapItem(
        name="offre_siae",
        title="Les structures d'insertion par type",
        figure=lambda: maps.points_map(
            pts, by="type_siae", size="capacite_affichee", estimated="capacite_estimee",
            size_label="salariés", base=communes, context=context, others=nearby,
            meta=m_off,
            title="Structures d'insertion par type et capacité",
        ),
        comment=comment,
        web=lambda m: (weblayers.outline_layer(m, communes.to_crs(4326)),
                       weblayers.points_layer(m, pts.to_crs(4326), by="type_siae"),
                       webmap.fit(m, communes)),  # the territory, not only its SIAE
        meta=[m_off],
        layer=pts[["siret", "type_siae", "nom", "commune", "capacite", "geometry"]],
    )


def offer_table(offre: pd.DataFrame, codes_in: set[str]) -> ExportTable:
    """The SIAE of the communes ``codes_in``, with their capacity."""
    rows = offre[codelib.isin(offre["code_commune"], codes_in)].sort_values(
        ["type_siae", "commune", "nom"]
    )
    frame = pd.DataFrame({
        "siret": rows["siret"], "type_siae": rows["type_siae"],
        "nom": rows["nom"].map(display_name),
        "commune": rows["commune"], "code_commune": rows["code_commune"],
        "capacite": rows["capacite"].round(0),
        "capacite_estimee": rows["capacite_estimee"].map({True: "oui", False: "non"}),
        "listes": rows["listes"],
    })
    return ExportTable(
        name="Offre d'insertion",
        frame=frame.reset_index(drop=True),
        title="Les structures d'insertion (SIAE) du territoire, avec leur capacité",
        columns={"siret": "SIRET", "type_siae": "Type", "nom": "Nom", "commune": "Commune",
                 "code_commune": "Code commune", "capacite": "Capacité (salariés)",
                 "capacite_estimee": "Capacité estimée", "listes": "Listes sources"},
        meta=[Indicator(label="Capacité d'insertion", unit="salariés en insertion",
                        source=SRC_SIAE, vintage="2019-2021", method=SRC_CAPACITY)],
    )


def context_layer(communes: gpd.GeoDataFrame, contexte: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The territories drawn in grey around the map (and France in its locator inset): every
    département, the studied ones too (their part out of the territory is land, not sea)."""
    return contexte


def key_figures_item(frame: pd.DataFrame) -> KeyFigures:
    """The « Chiffres clés » table, with how its figures add up."""
    return KeyFigures(
        title="Chiffres clés",
        frame=frame,
        comment="Les effectifs sont sommés sur les communes de chaque niveau ; les taux sont "
        "des rapports de sommes. n.d. : non disponible (valeur absente pour plus de 1 % des "
        "communes du niveau) ; une valeur affichée peut omettre jusqu'à 1 % de communes sans "
        "donnée (leur nombre dans le territoire est indiqué après la source). "
        + FILOSOFI_NOTE,
    )


def class_description(result: Any) -> pd.DataFrame:
    """The significant v-tests of each class, with the columns a reader needs."""
    desc = result.describe(alpha=0.05)
    keep = ["Classe", "Nom de la classe", "Variable", "Moyenne dans la classe",
            "Moyenne générale", "Valeur-test"]
    out = desc[[c for c in keep if c in desc.columns]].copy()
    for col in ("Moyenne dans la classe", "Moyenne générale", "Valeur-test"):
        if col in out.columns:
            out[col] = out[col].astype(float).round(2)
    return out.reset_index(drop=True)


def elderly_typology_items(communes: gpd.GeoDataFrame, result: Any,
                           context: gpd.GeoDataFrame, *, comment: str) -> list:
    """The map of the communes' typology of the elderly and the description of its classes."""
    layer = communes[["code", "nom", "dep", "geometry"]].copy()
    layer["classe"] = layer["code"].map(result.classes.astype(str))
    names = {str(k): f"{k}. {v}" for k, v in result.names.items()}
    m_typ = Indicator(label="Typologie des communes selon la sociologie des personnes âgées",
                      unit="classe", source="INSEE, RP 2022 (IRIS), Filosofi 2021",
                      vintage="2021-2022", method=str(result.attrs.get("methode", "")))
    return [
        MapItem(
            name="typologie_personnes_agees",
            title="Typologie des communes : les personnes âgées",
            figure=lambda: maps.categorical(
                layer, "classe", categories=names, meta=m_typ, context=context,
                title="Les communes selon la sociologie des personnes âgées",
            ),
            comment=comment,
            meta=[m_typ],
            layer=layer,
        ),
        TableItem(
            ExportTable(
                name="Typologie personnes âgées",
                frame=class_description(result),
                title="Description des classes (valeurs-tests significatives)",
                meta=[m_typ],
            ),
            max_rows=20,
        ),
    ]


def collect_sources(sections: list[Section]) -> list[Indicator]:
    """Every indicator shown in the sections, once (by label and source)."""
    sources: list[Indicator] = []
    seen: set[tuple] = set()
    for sec in sections:
        for item in sec.items:
            metas = getattr(item, "meta", None) or (
                item.export.indicators if isinstance(item, TableItem) else []
            )
            for m in metas:
                key = (m.label, m.source)
                if key not in seen:
                    seen.add(key)
                    sources.append(m)
    return sources


def evolution_section(evolution: Any) -> Section:
    """« Évolution 2018-2021 »: the census of 2018 and 2021 compared, per level and commune.

    ``evolution``: a :class:`coodiag.reports.evolution.CensusEvolution` (or None: not computed).
    Without the census 2018 columns in the base, the section says the data is not available.
    """
    from coodiag.reports.evolution import HEADERS, NOT_AVAILABLE

    title = "Évolution 2018-2021"
    if evolution is None or not evolution.available:
        note = NOT_AVAILABLE if evolution is None else evolution.note
        return Section(title, [Paragraph(note, kind="note")])
    levels = evolution.niveaux.copy()
    per_commune = evolution.communes.copy()
    for frame in (levels, per_commune):
        for col in frame.columns:
            if col.startswith(("p18_", "p21_")):
                frame[col] = frame[col].round(0)
            elif col.startswith(("evol_", "tx_")):
                frame[col] = frame[col].round(1)
    items: list = [
        Paragraph(
            "Population, chômeurs de 15 à 64 ans et taux de chômage aux recensements de 2018 "
            "(RP 2018 : comparateur de territoires INSEE, édition 2022) et de 2021 (RP 2021). "
            "Pour les niveaux, les effectifs sont sommés sur les communes ayant les deux "
            "recensements et les taux sont des rapports de sommes ; n.d. : moins de 99 % des "
            "communes du niveau ont les deux recensements."
        ),
        TableItem(ExportTable(
            name="Évolution 2018-2021", frame=levels.reset_index(drop=True),
            title="Évolution 2018-2021 du territoire et de ses niveaux de comparaison "
            "(RP 2018 et RP 2021)",
            columns=HEADERS, meta=evolution.meta,
        )),
        TableItem(ExportTable(
            name="Évolution par commune", frame=per_commune.reset_index(drop=True),
            title="Évolution 2018-2021 par commune du territoire (RP 2018 et RP 2021)",
            columns=HEADERS, meta=evolution.meta,
        ), max_rows=20),
    ]
    if evolution.note:
        items.append(Paragraph(evolution.note, kind="note"))
    return Section(title, items)
