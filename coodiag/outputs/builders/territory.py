"""The atlas document of a territory, for a CDIAE or a réseau: offer, weight of the offer,
white zones (need without offer) and typologies, from a
:class:`coodiag.reports.territory_atlas.TerritoryAtlas`."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import fr
from coodiag.base import display
from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE
from coodiag.base.indicators import Indicator
from coodiag.outputs import maps, weblayers, webmap
from coodiag.outputs.builders.common import (
    NEED_METHOD,
    SRC_CAPACITY,
    SRC_SIAE,
    collect_sources,
    elderly_typology_items,
    evolution_section,
    key_figures_item,
    offer_map,
    offer_table,
    territory_siae,
    zone_weight_indicators,
)
from coodiag.outputs.builders.coverage import (
    class_counts_text,
    classes_indicator,
    coverage_map,
    estimate_text,
)
from coodiag.outputs.builders.sheets import workbook_sheets
from coodiag.outputs.builders.synthesis import evolution_warning, territory_synthesis_items
from coodiag.outputs.document import (
    AtlasDocument,
    ExportTable,
    MapItem,
    Paragraph,
    Recommendations,
    Section,
    TableItem,
)
from coodiag.outputs.surfacemap import surface_section

#: Above this many rows a list is too long for the PDF: it shows a summary (by département) and
#: the first :data:`PREVIEW_ROWS` rows; the XLSX and CSV hold every row (e.g. France: 3,858
#: SIAE, 1,230 EPCI). A département (Manche: 29 SIAE, Var, Bouches-du-Rhône) keeps its full list.
LONG_LIST = 150
PREVIEW_ROWS = 30
#: Above this many communes, the interactive offer map outlines départements, not communes.
OUTLINE_COMMUNES = 3000


def territory_document(atlas: Any) -> AtlasDocument:
    """The atlas of a territory for a CDIAE or a réseau (:class:`TerritoryAtlas`)."""
    communes = atlas.communes
    context = atlas.contexte
    n_siae = int(atlas.par_type["structures"].sum())
    cap = atlas.par_type["capacite"].sum()
    sections: list[Section] = []
    by_type = ", ".join(
        f"{int(r.structures)} {r.type_siae}" for r in atlas.par_type.itertuples(index=False)
    )
    summary: list = [
        *territory_synthesis_items(atlas),
        Paragraph(
            f"{atlas.label} : {len(communes)} communes, {n_siae} structures d'insertion "
            f"({by_type}), capacité ≈ {fr.number(cap)} salariés en insertion (estimée par les "
            "moyennes nationales par type sans fichier de capacité)."
        ),
        key_figures_item(atlas.chiffres_cles),
    ]
    summary += [Paragraph(n, kind="note") for n in atlas.notes]
    sections.append(Section("Synthèse", summary))
    sections.append(evolution_section(getattr(atlas, "evolution", None)))

    offer = offer_map(atlas.offre, communes, context,
                      comment="Taille proportionnelle à la capacité ; symboles creux : capacité "
                      "estimée.")
    if len(communes) > OUTLINE_COMMUNES:
        offer.web = departements_web(atlas.offre, communes)
    offer_items: list = [
        offer,
        TableItem(ExportTable(
            name="Offre par type", frame=atlas.par_type.round(0),
            title="Structures et capacité par type de SIAE",
            columns={"type_siae": "Type", "structures": "Structures",
                     "capacite": "Capacité (salariés)",
                     "capacite_estimee": "Dont capacités estimées (structures)"},
            meta=offer.meta,
        ), comment="n.d. : capacité non publiée pour ce type (GEIQ, EITI : absents des "
                   "effectifs de la DARES) et non donnée par un fichier de capacité."),
    ]
    if atlas.par_reseau is not None:
        offer_items.append(TableItem(ExportTable(
            name="Offre par réseau", frame=atlas.par_reseau,
            title="Structures par réseau et par type (une structure peut adhérer à plusieurs "
            "réseaux)",
            meta=[Indicator(label="Structures par réseau", unit="structures",
                            source=f"{SRC_SIAE} ; fichier d'appartenance aux réseaux")],
        )))
    listed = offer_table(atlas.offre, set(communes["code"]))
    if len(listed.frame) > LONG_LIST:
        offer_items.append(by_departement_table(listed, communes, offer.meta))
    offer_items.append(TableItem(
        listed, max_rows=shown_rows(len(listed.frame)),
        comment=("Toutes les structures du territoire" if len(listed.frame) <= LONG_LIST else
                 "Extrait : la liste complète est dans l'export XLSX et le CSV")
        + " ; capacité arrondie à l'unité (estimée : moyenne nationale du type)."))
    sections.append(Section("L'offre d'insertion", offer_items))

    ep = atlas.epci.copy()
    col = "capacite_pour_1000_demandeurs"
    m_w = Indicator(label="Capacité d'insertion pour 1 000 demandeurs d'emploi",
                    unit="salariés en insertion pour 1 000 demandeurs d'emploi",
                    source=f"{SRC_SIAE} ; {JOB_SEEKERS}",
                    vintage=f"SIAE 2019-2021 ; demandeurs d'emploi : {JOB_SEEKERS_DATE}",
                    denominator=JOB_SEEKERS,
                    method=SRC_CAPACITY)
    if col not in ep.columns:
        ep[col] = np.nan
    sections.append(Section("Poids de l'offre par intercommunalité et zone d'emploi", [
        MapItem(
            name="poids_epci", title="Capacité d'insertion pour 1 000 demandeurs d'emploi",
            figure=lambda: maps.choropleth(
                ep, col, meta=m_w, context=context, level="epci",
                title="Capacité d'insertion pour 1 000 demandeurs d'emploi, par EPCI",
            ),
            comment="0 : aucune SIAE implantée dans l'intercommunalité ; n.d. : des SIAE "
                    "mais leur capacité ou les demandeurs d'emploi inconnus.",
            web=lambda m: weblayers.choropleth_layer(m, ep.to_crs(4326), col, meta=m_w,
                                                  level="epci"),
            meta=[m_w],
            layer=ep[["code", "nom", "n_siae", "capacite", col, "geometry"]],
        ),
        epci_table(ep, m_w),
        TableItem(ExportTable(
            name="Zones d'emploi", frame=zones_frame(atlas.zones),
            title="Poids de l'offre dans le chômage de chaque zone d'emploi",
            columns={"code": "Zone d'emploi", "nom": "Nom", "n_siae": "SIAE",
                     "capacite": "Capacité (salariés)",
                     "capacite_estimee_part": "Part estimée (%)",
                     "chomeurs": "Demandeurs d'emploi", "impact_pct": "Impact (%)"},
            meta=[m_w, *zone_weight_indicators(m_w.source, m_w.vintage)],
        ), comment="Impact = capacité des SIAE de la zone / demandeurs d'emploi × 100."),
    ]))

    m_cls = classes_indicator(atlas.couverture)
    unc = atlas.non_couvertes[["code", "nom", "demande", "besoin", "offre",
                               *[c for c in atlas.non_couvertes.columns
                                 if c.startswith("dist_")]]].round(1)
    unc["demande"] = unc["demande"].round(0)  # a weighted census count: whole persons
    if "besoin_estime" in atlas.non_couvertes.columns:
        unc.insert(4, "besoin_estime", atlas.non_couvertes["besoin_estime"].map(
            lambda v: "oui" if v is True or v == 1 else "non"))
    sections.append(Section("Zones blanches : accessibilité faible au regard du besoin", [
        coverage_map(communes[["code", "nom", "classe", "besoin", "offre", "geometry",
                               *[c for c in ("besoin_estime",) if c in communes.columns]]],
                     atlas.couverture, context),
        Paragraph(f"Répartition des communes : {class_counts_text(communes)}. "
                  f"{estimate_text(communes)}"),
        TableItem(ExportTable(
            name="Communes non couvertes", frame=unc.reset_index(drop=True),
            title="Communes à l'accessibilité faible au regard du besoin, par nombre de "
            "chômeurs",
            columns={"code": "Code commune", "nom": "Commune",
                     "demande": "Chômeurs (recensement 2021)",
                     "besoin_estime": "Besoin estimé",
                     "besoin": "Besoin (pour 1 000 hab.)", "offre": "Offre (pour 1 000)",
                     **{c: f"Distance à la structure {c[5:-3]} la plus proche (km)"
                        for c in unc.columns if c.startswith("dist_") and c.endswith("_km")}},
            meta=[m_cls],
        ), max_rows=30),
    ]))
    if getattr(atlas, "surface", None) is not None:
        sections.append(surface_section(atlas.surface, communes, atlas.offre, context))

    items: list = []
    tz = atlas.typologie_zones
    if tz is not None:
        zl = zones_layer(atlas, tz)
        names = {str(k): f"{k}. {v}" for k, v in tz.names.items()}
        m_tz = Indicator(label="Typologie des zones d'emploi selon l'offre d'insertion",
                         unit="classe", source=f"registre des SIAE ; INSEE ; {JOB_SEEKERS}",
                         vintage=f"SIAE 2019-2021 ; INSEE RP 2022 ; demandeurs d'emploi : "
                         f"{JOB_SEEKERS_DATE}", method=str(tz.attrs.get("methode", "")))
        items.append(MapItem(
            name="typologie_zones", title="Typologie des zones d'emploi : l'offre d'insertion",
            figure=lambda: maps.categorical(zl, "classe", categories=names, meta=m_tz,
                                            context=context, level="zones_emploi",
                                            title="Zones d'emploi selon l'offre d'insertion"),
            comment="Classes calculées sur les 287 zones d'emploi métropolitaines (ACP + CAH).",
            meta=[m_tz], layer=zl,
        ))
    tc = atlas.typologie_communes
    if tc is not None:
        items += elderly_typology_items(communes, tc, context,
                                        comment="Pour développer les services à domicile.")
    if items:
        sections.append(Section("Typologies", items))
    if getattr(atlas, "recommandations", None):
        sections.append(Section("Préconisations", [
            Paragraph("Pistes pour les acteurs du territoire (CDIAE, réseaux, collectivités) : "
                      "chaque préconisation découle d'une règle appliquée aux résultats "
                      "ci-dessus ; sa raison et ses chiffres sont donnés."),
            Recommendations([r.__dict__ for r in atlas.recommandations]),
        ]))

    methods = [
        "Capacité des SIAE : fichier de capacité s'il est fourni, sinon moyenne nationale du "
        "type (DARES, 31/12/2019), signalée « ≈ ».",
        "Accessibilité (2SFCA, rayon 30 km) et classes de couverture : voir les cartes ; "
        f"{NEED_METHOD}.",
        "Typologies : ACP normée, CAH de Ward consolidée par k-means (HCPC).",
        "Codes géographiques : COG 2025.",
    ]
    sources = collect_sources(sections)
    slug = "atlas_" + atlas.territoire.replace(":", "-").replace(",", "_")
    return AtlasDocument(
        title=f"Atlas de l'insertion par l'activité économique — {atlas.label}",
        subtitle="Offre, besoins, couverture et typologies",
        slug=slug,
        cover_lines=[f"Territoire : {atlas.label}"],
        sections=sections,
        methods=methods,
        sources=sources,
        snapshot=atlas.snapshot(),
        warnings=[*atlas.notes, *evolution_warning(getattr(atlas, "evolution", None))],
        extra_tables=workbook_sheets(
            atlas.chiffres_cles, getattr(atlas, "recommandations", []),
            {"personnes_agees": atlas.typologie_communes, "zones": atlas.typologie_zones},
            communes[["code", "nom"]], atlas.zones_geo[["code", "nom"]],
            coverage=communes, coverage_meta=classes_indicator(atlas.couverture),
        ),
    )


def zones_layer(atlas: Any, result: Any) -> gpd.GeoDataFrame:
    """The zones d'emploi of the territory (Lambert-93) with their typology class."""
    layer = atlas.zones_geo[["code", "nom", "geometry"]].copy()
    layer["classe"] = layer["code"].map(result.classes.astype(str))
    return layer


def zones_frame(zones: Any) -> Any:
    """The zones d'emploi table, rounded as the figures deserve (capacity estimated: whole
    salariés; share estimated in %)."""
    out = zones.reset_index(drop=True).copy()
    for col in ("capacite", "chomeurs"):
        if col in out.columns:
            out[col] = out[col].round(0)
    if "capacite_estimee_part" in out.columns:
        out["capacite_estimee_part"] = (100 * out["capacite_estimee_part"]).round(0)
    if "impact_pct" in out.columns:
        out["impact_pct"] = out["impact_pct"].round(1)
    return out


def epci_table(ep: Any, meta: Indicator) -> TableItem:
    """One row per EPCI of the territory: its SIAE by type, capacity, capacity for 1 000 job
    seekers (0 where no SIAE is located), the least endowed first."""
    col = "capacite_pour_1000_demandeurs"
    types = [c for c in ("n_ACI", "n_AI", "n_EI", "n_ETTI") if c in ep.columns]
    frame = ep[["code", "nom", *types, "n_siae", "capacite", col]].copy()
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    for c in [*types, "n_siae"]:  # zeros where no SIAE is located: filled by the report
        frame[c] = frame[c].round(0)
    frame["capacite"] = frame["capacite"].round(0)
    frame[col] = frame[col].round(0)
    frame = frame.sort_values([col, "nom"], na_position="last").reset_index(drop=True)
    return TableItem(
        ExportTable(
            name="Intercommunalités", frame=frame,
            title="L'offre d'insertion par intercommunalité (EPCI)",
            columns={"code": "Code EPCI", "nom": "Intercommunalité",
                     **{c: c[2:] for c in types}, "n_siae": "SIAE",
                     "capacite": "Capacité (salariés)",
                     col: "Capacité pour 1 000 demandeurs d'emploi"},
            meta=[meta],
        ),
        comment="Classées de la moins dotée à la mieux dotée ; 0 : aucune SIAE implantée dans "
        "l'intercommunalité. Capacité estimée par les moyennes nationales par type sans "
        "fichier de capacité.",
        max_rows=shown_rows(len(frame)),
    )


def departements_web(offre: Any, communes: Any) -> Any:
    """The interactive offer map of a large territory: the SIAE over the outlines of its
    départements (display geometries of the base) rather than of its communes (30,000 for
    France: seconds to write, megabytes in the page)."""
    regs = sorted({str(r) for r in communes["reg"].dropna()}) if "reg" in communes else None
    deps = display.read_display("departements", regs)
    deps = deps[deps["code"].isin(set(communes["dep"].astype(str)))]
    pts = territory_siae(offre, communes)  # the points of :func:`offer_map`

    def web(m: Any) -> None:
        weblayers.outline_layer(m, deps, name="Départements")
        weblayers.points_layer(m, pts.to_crs(4326), by="type_siae")
        webmap.fit(m, deps)

    return web


def shown_rows(n: int) -> int:
    """How many of the ``n`` rows of a list the PDF shows: all of them up to
    :data:`LONG_LIST`, else the first :data:`PREVIEW_ROWS` (the XLSX and CSV hold them all,
    and the page says so)."""
    return n + 1 if n <= LONG_LIST else PREVIEW_ROWS


def by_departement_table(listed: ExportTable, communes: Any, meta: list) -> TableItem:
    """The SIAE of a large territory summed by département and type (the PDF shows this
    instead of the full list of structures)."""
    frame = listed.frame
    dep = communes.drop_duplicates("code").set_index("code")
    codes = frame["code_commune"].map(dep["dep"])
    names = codes.map(dep.drop_duplicates("dep").set_index("dep")["dep_nom"]) if (
        "dep_nom" in dep.columns) else codes
    counts = pd.crosstab([codes.rename("dep"), names.rename("dep_nom")],
                         frame["type_siae"]).astype(float)
    counts["n_siae"] = counts.sum(axis=1)
    counts["capacite"] = frame.groupby([codes, names])["capacite"].sum().round(0)
    out = counts.reset_index().sort_values("dep").reset_index(drop=True)
    out.columns.name = None
    types = [c for c in out.columns if c not in ("dep", "dep_nom", "n_siae", "capacite")]
    return TableItem(
        ExportTable(
            name="Offre par département", frame=out,
            title="Structures d'insertion et capacité par département et par type",
            columns={"dep": "Département", "dep_nom": "Nom", **{c: str(c) for c in types},
                     "n_siae": "SIAE", "capacite": "Capacité (salariés)"},
            meta=meta,
        ),
        comment=f"{fr.integer(len(frame))} structures : la liste complète est dans l'export "
        "XLSX (feuille « Offre d'insertion ») et le CSV.",
        max_rows=len(out) + 1,
    )
