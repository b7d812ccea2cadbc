"""The atlas document of the diagnosis of one SIAE: one function per chapter, in reading order.

Texts are computed from the figures of :class:`coodiag.reports.diagnostic.Diagnostic`, never
invented; counts of people arrive under statistical secrecy.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from coodiag import fr, secrecy
from coodiag.base import registry as siae
from coodiag.base.indicators import Indicator
from coodiag.outputs import maps, weblayers
from coodiag.outputs.builders.common import (
    COVERAGE_CLASSES,
    COVERAGE_COLORS,
    ESTIMATE_NOTE,
    NEED_METHOD,
    NEED_SHORT,
    SRC_SIAE,
    collect_sources,
    context_layer,
    elderly_typology_items,
    evolution_section,
    key_figures_item,
    offer_map,
    offer_table,
)
from coodiag.outputs.document import (
    AtlasDocument,
    ExportTable,
    MapItem,
    Paragraph,
    Recommendations,
    Section,
    TableItem,
)


def diagnostic_document(diag: Any, *, previous: dict | None = None) -> AtlasDocument:
    """The atlas of the diagnosis of one SIAE (:class:`coodiag.reports.diagnostic.Diagnostic`)."""
    s = diag.structure
    communes = diag.communes
    context = context_layer(communes, diag.contexte)
    threshold = diag.parametres["seuil_secret"]
    title = f"Diagnostic territorial — {s['nom']}"
    subtitle = f"{s['type_siae']} ({siae.TYPES.get(s['type_siae'], '')}), {s['commune']}"
    chapters = (
        _summary(diag),
        evolution_section(diag.evolution),
        Section("L'offre d'insertion du territoire", [
            offer_map(diag.offre, communes, context,
                      comment="Chaque symbole est une SIAE, de taille proportionnelle à sa "
                      "capacité ; les symboles creux signalent une capacité estimée."),
            TableItem(offer_table(diag.offre, set(communes["code"]))),
        ]),
        _impact(diag, context),
        _coverage(diag, context),
        _typologies(diag, context),
        _zones(diag),
        _prospecting(diag),
        Section("Préconisations", [
            Paragraph("Chaque préconisation découle d'une règle appliquée aux résultats "
                      "ci-dessus ; sa raison et ses chiffres sont donnés."),
            Recommendations([r.__dict__ for r in diag.recommandations]),
        ]),
    )
    sections = [chapter for chapter in chapters if chapter is not None]
    methods = [
        "Impact sur le chômage : salariés en parcours résidant dans la commune (personnes "
        "distinctes sur la période) / " + diag.parametres["denominateur_impact"] + " × 100.",
        "Capacité des SIAE : fichier de capacité de l'utilisateur s'il est fourni, sinon "
        "moyenne nationale du type (DARES, 31/12/2019 : ACI 52 800 salariés / 1 907 structures ; "
        "EI 15 800 / 981 ; AI 51 800 / 655 ; ETTI 13 900 / 300), signalée « ≈ ».",
        "Accessibilité (2SFCA) : R_j = capacité_j / Σ chômeurs des communes à moins de 30 km ; "
        f"A_i = Σ R_j des SIAE à moins de 30 km. Chômeurs : {NEED_METHOD}.",
        "Typologies : ACP normée puis classification ascendante hiérarchique de Ward, "
        "consolidée par k-means (méthode HCPC) ; classes décrites par les valeurs-tests.",
        f"Secret statistique : tout effectif de moins de {threshold} personnes est masqué, avec "
        "secret secondaire pour qu'aucune valeur masquée ne se déduise des totaux.",
        "Codes géographiques : COG 2025 ; les tables d'autres millésimes sont converties "
        "(communes fusionnées : effectifs additionnés, taux repondérés).",
    ]
    cover = [
        f"SIRET {s['siret']} — {s['type_siae']} — {s['commune']} ({s['dep']})",
        f"Territoire : {diag.territoire_label}",
        f"Édité le {fr.short_date(date.today())} avec coodiag",
    ]
    return AtlasDocument(
        title=title,
        subtitle=subtitle,
        slug=f"diagnostic_{s['siret']}",
        cover_lines=cover,
        sections=sections,
        methods=methods,
        sources=collect_sources(sections),
        snapshot=diag.snapshot(),
        warnings=list(diag.notes),
    )


def _summary(diag: Any) -> Section:
    """The structure, its territory, the key figures and what its stopping would mean."""
    s = diag.structure
    cap_txt = fr.number(s.get("capacite"), 0)
    estimated = bool(s.get("capacite_estimee"))
    summary = [
        Paragraph(
            f"{s['nom']} ({s['type_siae']}, SIRET {s['siret']}) est implantée à {s['commune']} "
            f"({s['code_commune']}), zone d'emploi de {s['ze_nom']}, "
            f"{s['epci_nom']}. Capacité : {'≈ ' if estimated else ''}{cap_txt} salariés en "
            f"insertion{ESTIMATE_NOTE if estimated else ''}."
        ),
        Paragraph(f"Territoire étudié : {diag.territoire_label} ({len(diag.communes)} communes)."),
        key_figures_item(diag.chiffres_cles),
    ]
    if diag.impact_publie is not None:
        pub = diag.impact_publie
        total = pub.attrs.get("total_salaries")
        den = diag.parametres["denominateur_impact"]
        lines = [f"{secrecy.format_count(total)} salariés en parcours sur la période."]
        own = pub[pub["code"] == s["code_commune"]]
        if len(own) and own["impact_pct"].notna().iloc[0]:
            r = own.iloc[0]
            lines.append(
                f"Si la structure s'arrêtait, le chômage de la commune {fr.de(r['nom'])} "
                f"augmenterait de {fr.number(r['impact_pct'], 2)} % ("
                f"{secrecy.format_count(r['salaries'])} salariés y résident, pour "
                f"{fr.number(r['chomeurs'])} {den})."
            )
        top = pub.dropna(subset=["impact_pct"]).head(1)
        if len(top) and top.iloc[0]["code"] != s["code_commune"]:
            r = top.iloc[0]
            lines.append(
                f"L'impact le plus fort est dans la commune {fr.de(r['nom'])} : "
                f"{fr.number(r['impact_pct'], 2)} % ({secrecy.format_count(r['salaries'])} "
                f"salariés pour {fr.number(r['chomeurs'])} {den})."
            )
        summary.append(Paragraph(" ".join(lines)))
    summary += [Paragraph(note, kind="note") for note in diag.notes]
    return Section("Synthèse", summary)


def _impact(diag: Any, context: Any) -> Section | None:
    """Where the employees live, and their weight in the unemployment of each commune."""
    if diag.impact_publie is None:
        return None
    threshold = diag.parametres["seuil_secret"]
    pub = diag.impact_publie
    layer = diag.communes[["code", "nom", "dep", "geometry"]].merge(
        pub[["code", "salaries", "impact_pct"]], on="code", how="left"
    )
    layer["salaries_n"] = pd.to_numeric(
        layer["salaries"].map(lambda v: np.nan if isinstance(v, str) else v),
        errors="coerce",
    )
    layer["salaries"] = layer["salaries"].astype(object)
    den = diag.parametres["denominateur_impact"]
    m_rec = Indicator(label="Salariés en parcours par commune de résidence", unit="personnes",
                      source="fichier des salariés de la structure", vintage="période du fichier",
                      method=f"personnes distinctes ; secret statistique sous {threshold}")
    m_imp = Indicator.from_row(pub.attrs["indicateurs"][0])  # names the denominator and date
    table = pub[["code", "nom", "salaries", "chomeurs", "impact_pct"]].copy()
    table["chomeurs"] = table["chomeurs"].round(0)
    table["impact_pct"] = table["impact_pct"].round(2)
    return Section(
        "Où vivent les salariés, et leur poids dans le chômage",
        [
            MapItem(
                name="salaries_par_commune",
                title="Salariés en parcours par commune de résidence",
                figure=lambda: maps.choropleth(
                    layer, "salaries_n", meta=m_rec, context=context, counts=True,
                    title="Salariés en parcours par commune de résidence",
                ),
                comment=f"Nombre de personnes distinctes ; les communes comptant moins de "
                f"{threshold} salariés sont masquées (secret statistique).",
                web=lambda m: weblayers.choropleth_layer(
                    m, layer.to_crs(4326), "salaries_n", meta=m_rec, counts=True
                ),
                meta=[m_rec],
                layer=layer[["code", "nom", "salaries", "salaries_n", "impact_pct",
                             "geometry"]],
                person_counts=["salaries_n"],
            ),
            MapItem(
                name="impact_chomage",
                title="Impact sur le chômage si la structure s'arrêtait",
                figure=lambda: maps.choropleth(
                    layer, "impact_pct", meta=m_imp, context=context,
                    title="Hausse du chômage si la structure s'arrêtait (%)",
                ),
                comment=f"impact = salariés en parcours résidant dans la commune / {den} × "
                "100. Lecture : si la structure s'arrêtait et que ses salariés redevenaient "
                "chômeurs, le chômage de la commune augmenterait d'autant.",
                web=lambda m: weblayers.choropleth_layer(
                    m, layer.to_crs(4326), "impact_pct", meta=m_imp
                ),
                meta=[m_imp],
            ),
            TableItem(
                ExportTable(
                    name="Impact par commune", frame=table.reset_index(drop=True),
                    title="Salariés par commune de résidence et impact sur le chômage",
                    columns={"code": "Code commune", "nom": "Commune",
                             "salaries": "Salariés en parcours", "chomeurs": "Chômeurs",
                             "impact_pct": "Impact (%)"},
                    meta=[m_rec, m_imp], person_counts=["salaries"],
                ),
                comment="« < 5 » : moins de 5 personnes (secret statistique) ; « s » : "
                "valeur masquée pour protéger une autre (secret secondaire).",
            ),
        ],
    )


def _coverage(diag: Any, context: Any) -> Section:
    """Coverage classes (need against accessible offer) and accessibility (2SFCA)."""
    m_acc = Indicator(label="Accessibilité à l'offre d'insertion (2SFCA)", vintage="2019-2022",
                      unit="salariés en insertion pour 1 000 chômeurs", source=SRC_SIAE,
                      denominator=NEED_SHORT,
                      method="aire de chalandise flottante à deux étapes, rayon 30 km")
    m_cls = Indicator(label="Classes de couverture", unit="classe", vintage="2019-2022",
                      source=SRC_SIAE + " ; INSEE", method="besoin (chômeurs pour 1 000 "
                      "habitants) et offre (accessibilité) découpés en terciles")
    cov_layer = diag.communes[["code", "nom", "dep", "geometry", "classe", "acces_ensemble",
                               "besoin", "dist_ETTI_km", "dist_ACI_km", "dist_AI_km",
                               "dist_EI_km"]].copy()
    cov_layer["acces_pour_1000"] = 1000 * cov_layer["acces_ensemble"]
    classes_count = cov_layer["classe"].value_counts()
    uncovered = diag.couverture[diag.couverture["classe"] == "besoin sans offre"]
    cov_table = diag.couverture[["code", "nom", "classe", "besoin", "offre", "decile_besoin",
                                 "dist_ACI_km", "dist_AI_km", "dist_EI_km",
                                 "dist_ETTI_km"]].copy()
    for col in ("besoin", "offre", "dist_ACI_km", "dist_AI_km", "dist_EI_km", "dist_ETTI_km"):
        cov_table[col] = cov_table[col].round(1)
    cov_table = cov_table.sort_values(["classe", "besoin"], ascending=[True, False])
    return Section(
        "Couverture du territoire et accessibilité",
        [
            Paragraph(
                "Répartition des communes : " + ", ".join(
                    f"{COVERAGE_CLASSES.get(c, c).lower()} {n}" for c, n in classes_count.items()
                ) + f". {len(uncovered)} commune(s) où le besoin n'est pas couvert."
            ),
            MapItem(
                name="classes_couverture",
                title="Besoin d'insertion et offre accessible",
                figure=lambda: maps.categorical(
                    cov_layer, "classe", categories=COVERAGE_CLASSES, colors=COVERAGE_COLORS,
                    meta=m_cls, context=context,
                    title="Besoin d'insertion et offre accessible",
                ),
                comment=str(diag.couverture.attrs.get("explication", ""))[:900],
                meta=[m_cls],
                layer=cov_layer.drop(columns=["acces_ensemble"]),
            ),
            MapItem(
                name="accessibilite",
                title="Accessibilité à l'offre d'insertion (toutes SIAE)",
                figure=lambda: maps.choropleth(
                    cov_layer, "acces_pour_1000", meta=m_acc, context=context,
                    title="Accessibilité à l'offre d'insertion",
                ),
                comment="Salariés en insertion accessibles (rayon 30 km, 2SFCA) pour 1 000 "
                "chômeurs : la capacité de chaque SIAE est partagée entre les chômeurs de sa "
                "zone d'attraction, puis sommée pour chaque commune.",
                web=lambda m: weblayers.choropleth_layer(
                    m, cov_layer.to_crs(4326), "acces_pour_1000", meta=m_acc
                ),
                meta=[m_acc],
            ),
            TableItem(
                ExportTable(
                    name="Couverture par commune", frame=cov_table.reset_index(drop=True),
                    title="Classes de couverture, besoin, offre et distance à la SIAE la plus "
                    "proche de chaque type",
                    columns={"code": "Code commune", "nom": "Commune", "classe": "Classe",
                             "besoin": "Besoin (chômeurs pour 1 000 hab.)",
                             "offre": "Offre (pour 1 000 chômeurs)",
                             "decile_besoin": "Décile de besoin (France)",
                             "dist_ACI_km": "ACI la plus proche (km)",
                             "dist_AI_km": "AI la plus proche (km)",
                             "dist_EI_km": "EI la plus proche (km)",
                             "dist_ETTI_km": "ETTI la plus proche (km)"},
                    meta=[m_acc, m_cls],
                ),
                max_rows=20,
            ),
        ],
    )


def _typologies(diag: Any, context: Any) -> Section | None:
    """The communes' typology of the elderly, and the class of the structure's zone d'emploi."""
    if not diag.typologie:
        return None
    items: list = []
    elderly = diag.typologie.get("personnes_agees")
    if elderly is not None:
        items += elderly_typology_items(
            diag.communes, elderly, context,
            comment="Pour développer les services à domicile : classes issues d'une ACP suivie "
            "d'une classification ascendante hiérarchique (méthode HCPC) sur les communes du "
            "département.",
        )
    zones_res = diag.typologie.get("zones")
    if zones_res is not None:
        code_ze = str(diag.structure["ze2020"])
        k = zones_res.classes.get(code_ze)
        if k is not None:
            items.append(Paragraph(
                f"Zone d'emploi de {diag.structure['ze_nom']} : classe {k} de la typologie "
                f"nationale des zones d'emploi selon l'offre d'insertion, « "
                f"{zones_res.names[k]} » ({zones_res.sizes[k]} zones)."
            ))
    return Section("Typologies", items) if items else None


def _zones(diag: Any) -> Section | None:
    """The weight of the offer in the job seekers of each zone d'emploi."""
    zt = diag.zones.copy()
    if not len(zt):
        return None
    zt["impact_pct"] = zt["impact_pct"].round(2)
    zt["capacite"] = zt["capacite"].round(0)
    zt["capacite_estimee_part"] = (100 * zt["capacite_estimee_part"]).round(0)
    ze_names = diag.communes.drop_duplicates("ze2020").set_index("ze2020")["ze_nom"]
    zt.insert(1, "nom", zt["code"].map(ze_names))
    return Section("Poids de l'offre d'insertion par zone d'emploi", [TableItem(
        ExportTable(
            name="Zones d'emploi", frame=zt.reset_index(drop=True),
            title="Capacité de toutes les SIAE de la zone rapportée à ses demandeurs "
            "d'emploi",
            columns={"code": "Zone d'emploi", "nom": "Nom", "n_siae": "SIAE",
                     "capacite": "Capacité", "capacite_estimee_part": "Part estimée (%)",
                     "chomeurs": "Demandeurs d'emploi", "impact_pct": "Impact (%)"},
        ),
        comment="Impact = capacité des SIAE de la zone / demandeurs d'emploi de la zone × "
        "100, en supposant que les salariés habitent la zone de leur SIAE.",
    )])


def _prospecting(diag: Any) -> Section | None:
    """Sector specificity, recruitment projects by trade (BMO), nearby establishments."""
    pitems: list = []
    for table, name, title_t in (
        (diag.specificite, "Spécificité sectorielle", "Indice de spécificité des établissements "
         "du territoire par secteur (référence : le département ; "
         f"{getattr(diag.specificite, 'attrs', {}).get('millesime', 'Flores 2021')})"),
        (diag.specificite_ze, "Spécificité de la zone", "Indice de spécificité de l'emploi de "
         "la zone d'emploi (référence : la France, parts nationales de la source)"),
    ):
        if table is not None and len(table):
            t = table.copy()
            for col in t.select_dtypes("number").columns:
                t[col] = t[col].round(3)
            pitems.append(TableItem(ExportTable(
                name=name, frame=t.reset_index(drop=True), title=title_t,
                columns={"secteur": "Secteur", "libelle": "Libellé", "n": "Territoire",
                         "part": "Part (%)", "n_ref": "Référence", "part_ref": "Part réf. (%)",
                         "indice": "Indice de spécificité"},
            ), comment="Indice = part du secteur dans le territoire / part dans la référence "
                "(1 : même spécialisation ; au-dessus de 1,2 : secteur sur-représenté)."))
    if diag.bmo is not None and len(diag.bmo):
        b = diag.bmo[["metier", "metier_nom", "projets", "part_difficiles", "part_saisonniers",
                      "tension", "adequation", "correspondance"]].copy()
        for col in ("part_difficiles", "part_saisonniers"):
            b[col] = b[col].round(1)
        pitems.append(TableItem(
            ExportTable(
                name="Métiers BMO 2024", frame=b.reset_index(drop=True),
                title="Projets de recrutement par métier du bassin (BMO 2024)",
                columns={"metier": "Code", "metier_nom": "Métier", "projets": "Projets",
                         "part_difficiles": "Difficiles (%)",
                         "part_saisonniers": "Saisonniers (%)", "tension": "En tension",
                         "adequation": "Proche des activités",
                         "correspondance": "Pourquoi"},
                meta=[Indicator(label="Projets de recrutement", unit="projets", vintage="2024",
                                source="France Travail, enquête Besoins en main-d'œuvre",
                                method="« * » de la source (secret) laissé non disponible")],
            ),
            comment="Métier en tension : au moins 50 % de projets jugés difficiles et 20 "
            "projets ; « adéquation » : métier proche des activités de la structure.",
            max_rows=20,
        ))
    if diag.prospects is not None and len(diag.prospects):
        pitems.append(TableItem(
            ExportTable(name="Établissements proches", frame=diag.prospects.reset_index(
                drop=True), title="Établissements SIRENE à proximité, classés"),
            max_rows=30,
        ))
    if not pitems:
        return None
    return Section("Prospection : secteurs, métiers, entreprises", pitems)
