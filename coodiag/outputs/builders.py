"""Turn analysis results into atlas documents (:mod:`coodiag.outputs.document`).

:func:`diagnostic_document` for the diagnosis of one SIAE; :func:`territory_document` for the
atlas of a territory (a CDIAE, a réseau). Texts are computed from the figures, never invented.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import secrecy
from coodiag.base import registry as siae
from coodiag.outputs import maps, webmap
from coodiag.outputs.document import (
    AtlasDocument,
    KeyFigures,
    MapItem,
    Paragraph,
    Recommendations,
    Section,
    TableItem,
)
from coodiag.outputs.exports import ExportTable

COVERAGE_CLASSES = {
    "besoin sans offre": "Besoin sans offre",
    "besoin et offre faibles": "Besoin et offre faibles",
    "équilibré": "Équilibré",
    "besoin et offre élevés": "Besoin et offre élevés",
    "offre sans besoin": "Offre sans besoin",
}
COVERAGE_COLORS = {
    "besoin sans offre": "#D55E00",
    "besoin et offre faibles": "#F0E442",
    "équilibré": "#999999",
    "besoin et offre élevés": "#56B4E9",
    "offre sans besoin": "#0072B2",
}

SRC_SIAE = "Registre des SIAE (plateforme de l'inclusion 2021, liste ASP 2019)"
ESTIMATE_NOTE = " (estimation : moyenne nationale du type, DARES 31/12/2019)"
SRC_CAPACITY = "capacité estimée : moyenne nationale du type (DARES, 31/12/2019) sans fichier"


def _meta(label: str, unit: str, source: str, vintage: str, *, denominator: str = "",
          method: str = "", key: str = "") -> dict:
    return {"key": key, "label": label, "unit": unit, "numerator": "", "denominator": denominator,
            "source": source, "vintage": vintage, "method": method}


def _fr(value: Any, digits: int = 0) -> str:
    if isinstance(value, str):
        return value
    if value is None or value != value:
        return "n.d."
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _de(name: str) -> str:
    """« de » before a place name, with French elision and contraction (d'Avranches,
    du Val-Saint-Père, des Pieux, de La Haye)."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1].lower() in "aeiouyhéèêâîôû":
        return "d'" + name
    return "de " + name


def _siae_points(offre: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    pts = offre.copy()
    pts["capacite_affichee"] = pts["capacite"].round(0)
    return pts


def _offer_table(offre: pd.DataFrame, codes_in: set[str]) -> ExportTable:
    rows = offre[offre["code_commune"].isin(codes_in)].sort_values(
        ["type_siae", "commune", "nom"]
    )
    frame = pd.DataFrame({
        "siret": rows["siret"], "type_siae": rows["type_siae"], "nom": rows["nom"],
        "commune": rows["commune"], "code_commune": rows["code_commune"],
        "capacite": rows["capacite"].round(1),
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
        meta=[_meta("Capacité d'insertion", "salariés en insertion", SRC_SIAE, "2019-2021",
                    method=SRC_CAPACITY)],
    )


def _context_layer(communes: gpd.GeoDataFrame, contexte: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    deps = set(communes["dep"])
    return contexte[~contexte["code"].isin(deps)] if "code" in contexte else contexte


def _key_figures_item(frame: pd.DataFrame) -> KeyFigures:
    return KeyFigures(
        title="Chiffres clés",
        frame=frame,
        comment="Les effectifs sont sommés sur les communes de chaque niveau ; les taux sont "
        "des rapports de sommes. n.d. : non disponible (les données du recensement par commune "
        "couvrent la Normandie et l'Île-de-France).",
    )


def _class_description(result: Any) -> pd.DataFrame:
    """The significant v-tests of each class, with the columns a reader needs."""
    desc = result.describe(alpha=0.05)
    keep = ["Classe", "Nom de la classe", "Variable", "Moyenne dans la classe",
            "Moyenne générale", "Valeur-test"]
    out = desc[[c for c in keep if c in desc.columns]].copy()
    for col in ("Moyenne dans la classe", "Moyenne générale", "Valeur-test"):
        if col in out.columns:
            out[col] = out[col].astype(float).round(2)
    return out.reset_index(drop=True)


def _collect_sources(sections: list[Section]) -> list[dict]:
    """Every indicator metadata shown in the sections, once (by label and source)."""
    sources: list[dict] = []
    seen: set[tuple] = set()
    for sec in sections:
        for item in sec.items:
            metas = getattr(item, "meta", None) or (
                item.export.indicators if isinstance(item, TableItem) else []
            )
            for m in metas:
                key = (m.get("label"), m.get("source"))
                if key not in seen:
                    seen.add(key)
                    sources.append(m)
    return sources


def diagnostic_document(diag: Any, *, previous: dict | None = None) -> AtlasDocument:
    """The atlas of the diagnosis of one SIAE (:class:`coodiag.reports.diagnostic.Diagnostic`)."""
    s = diag.structure
    communes = diag.communes
    context = _context_layer(communes, diag.contexte)
    codes_in = set(communes["code"])
    threshold = diag.parametres["seuil_secret"]
    cap_txt = _fr(s.get("capacite"), 0)
    estimated = bool(s.get("capacite_estimee"))
    title = f"Diagnostic territorial — {s['nom']}"
    subtitle = f"{s['type_siae']} ({siae.TYPES.get(s['type_siae'], '')}), {s['commune']}"
    sections: list[Section] = []

    # 1. Summary.
    summary = [
        Paragraph(
            f"{s['nom']} ({s['type_siae']}, SIRET {s['siret']}) est implantée à {s['commune']} "
            f"({s['code_commune']}), zone d'emploi de {s['ze_nom']}, "
            f"{s['epci_nom']}. Capacité : {'≈ ' if estimated else ''}{cap_txt} salariés en "
            f"insertion{ESTIMATE_NOTE if estimated else ''}."
        ),
        Paragraph(f"Territoire étudié : {diag.territoire_label} ({len(communes)} communes)."),
        _key_figures_item(diag.chiffres_cles),
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
                f"Si la structure s'arrêtait, le chômage de la commune {_de(r['nom'])} "
                f"augmenterait de {_fr(r['impact_pct'], 2)} % ("
                f"{secrecy.format_count(r['salaries'])} salariés y résident, pour "
                f"{_fr(r['chomeurs'])} {den})."
            )
        top = pub.dropna(subset=["impact_pct"]).head(1)
        if len(top) and top.iloc[0]["code"] != s["code_commune"]:
            r = top.iloc[0]
            lines.append(
                f"L'impact le plus fort est dans la commune {_de(r['nom'])} : "
                f"{_fr(r['impact_pct'], 2)} % ({secrecy.format_count(r['salaries'])} salariés "
                f"pour {_fr(r['chomeurs'])} {den})."
            )
        summary.append(Paragraph(" ".join(lines)))
    for note in diag.notes:
        summary.append(Paragraph(note, kind="note"))
    sections.append(Section("Synthèse", summary))

    # 2. The insertion offer.
    pts = _siae_points(diag.offre)
    offer_meta = [_meta("Structures d'insertion par type", "structures", SRC_SIAE, "2019-2021",
                        method=SRC_CAPACITY)]
    sections.append(Section(
        "L'offre d'insertion du territoire",
        [
            MapItem(
                name="offre_siae",
                title="Les structures d'insertion par type",
                figure=lambda: maps.points_map(
                    pts, by="type_siae", size="capacite_affichee", estimated="capacite_estimee",
                    size_label="salariés", base=communes, context=context, meta=offer_meta[0],
                    title="Structures d'insertion par type et capacité",
                ),
                comment="Chaque symbole est une SIAE, de taille proportionnelle à sa capacité ; "
                "les symboles creux signalent une capacité estimée.",
                web=lambda m: webmap.points_layer(m, pts.to_crs(4326), by="type_siae"),
                meta=offer_meta,
                layer=pts[["siret", "type_siae", "nom", "commune", "capacite", "geometry"]],
            ),
            TableItem(_offer_table(diag.offre, codes_in)),
        ],
    ))

    # 3. Recruitment footprint and impact.
    if diag.impact_publie is not None:
        pub = diag.impact_publie
        layer = communes[["code", "nom", "dep", "geometry"]].merge(
            pub[["code", "salaries", "impact_pct"]], on="code", how="left"
        )
        layer["salaries_n"] = pd.to_numeric(
            layer["salaries"].map(lambda v: np.nan if isinstance(v, str) else v),
            errors="coerce",
        )
        layer["salaries"] = layer["salaries"].astype(object)
        den = diag.parametres["denominateur_impact"]
        m_rec = _meta("Salariés en parcours par commune de résidence", "personnes",
                      "fichier des salariés de la structure", "période du fichier",
                      method=f"personnes distinctes ; secret statistique sous {threshold}")
        m_imp = _meta("Hausse du chômage si la structure s'arrêtait", "%",
                      f"fichier des salariés ; {den}", "période du fichier", denominator=den,
                      method="salariés résidant dans la commune / chômeurs de la commune × 100")
        table = pub[["code", "nom", "salaries", "chomeurs", "impact_pct"]].copy()
        table["chomeurs"] = table["chomeurs"].round(0)
        table["impact_pct"] = table["impact_pct"].round(2)
        sections.append(Section(
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
                    web=lambda m: webmap.choropleth_layer(
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
                    web=lambda m: webmap.choropleth_layer(
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
        ))

    # 4. Coverage and accessibility.
    m_acc = _meta("Accessibilité à l'offre d'insertion (2SFCA)",
                  "salariés en insertion pour 1 000 chômeurs", SRC_SIAE, "2019-2022",
                  denominator="chômeurs de 15-64 ans (recensement, estimés hors Normandie / IDF)",
                  method="aire de chalandise flottante à deux étapes, rayon 30 km")
    m_cls = _meta("Classes de couverture", "classe", SRC_SIAE + " ; INSEE", "2019-2022",
                  method="besoin (chômeurs pour 1 000 habitants) et offre (accessibilité) "
                  "découpés en terciles")
    cov_layer = communes[["code", "nom", "dep", "geometry", "classe", "acces_ensemble",
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
    sections.append(Section(
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
                web=lambda m: webmap.choropleth_layer(
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
    ))

    # 5. Typologies.
    if diag.typologie:
        items: list = []
        elderly = diag.typologie.get("personnes_agees")
        if elderly is not None:
            cls = elderly.classes.astype(str)
            typ_layer = communes[["code", "nom", "dep", "geometry"]].copy()
            typ_layer["classe"] = typ_layer["code"].map(cls)
            names = {str(k): f"{k}. {v}" for k, v in elderly.names.items()}
            m_typ = _meta("Typologie des communes selon la sociologie des personnes âgées",
                          "classe", "INSEE, RP 2022 (IRIS), Filosofi 2021", "2021-2022",
                          method=str(elderly.attrs.get("methode", "")))
            desc = _class_description(elderly)
            items += [
                MapItem(
                    name="typologie_personnes_agees",
                    title="Typologie des communes : les personnes âgées",
                    figure=lambda: maps.categorical(
                        typ_layer, "classe", categories=names, meta=m_typ, context=context,
                        title="Les communes selon la sociologie des personnes âgées",
                    ),
                    comment="Pour développer les services à domicile : classes issues d'une "
                    "ACP suivie d'une classification ascendante hiérarchique (méthode HCPC) sur "
                    "les communes du département.",
                    meta=[m_typ],
                    layer=typ_layer,
                ),
                TableItem(
                    ExportTable(
                        name="Typologie personnes âgées",
                        frame=desc.reset_index(drop=True),
                        title="Description des classes (valeurs-tests significatives)",
                        meta=[m_typ],
                    ),
                    max_rows=20,
                ),
            ]
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
        if items:
            sections.append(Section("Typologies", items))

    # 6. Zones d'emploi impact.
    zt = diag.zones.copy()
    if len(zt):
        zt["impact_pct"] = zt["impact_pct"].round(2)
        zt["capacite"] = zt["capacite"].round(0)
        zt["capacite_estimee_part"] = (100 * zt["capacite_estimee_part"]).round(0)
        ze_names = communes.drop_duplicates("ze2020").set_index("ze2020")["ze_nom"]
        zt.insert(1, "nom", zt["code"].map(ze_names))
        sections.append(Section("Poids de l'offre d'insertion par zone d'emploi", [TableItem(
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
        )]))

    # 7. Prospecting.
    pitems: list = []
    for table, name, title_t in (
        (diag.specificite, "Spécificité sectorielle", "Indice de spécificité des établissements "
         "du territoire par secteur (référence : le département)"),
        (diag.specificite_ze, "Spécificité de la zone", "Indice de spécificité de l'emploi de "
         "la zone d'emploi (référence : France métropolitaine)"),
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
                meta=[_meta("Projets de recrutement", "projets", "France Travail, enquête "
                            "Besoins en main-d'œuvre", "2024",
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
    if pitems:
        sections.append(Section("Prospection : secteurs, métiers, entreprises", pitems))

    # 8. Recommendations.
    recos = [r.__dict__ for r in diag.recommandations]
    sections.append(Section("Préconisations", [
        Paragraph("Chaque préconisation découle d'une règle appliquée aux résultats ci-dessus ; "
                  "sa raison et ses chiffres sont donnés."),
        Recommendations(recos),
    ]))

    methods = [
        "Impact sur le chômage : salariés en parcours résidant dans la commune (personnes "
        "distinctes sur la période) / " + diag.parametres["denominateur_impact"] + " × 100.",
        "Capacité des SIAE : fichier de capacité de l'utilisateur s'il est fourni, sinon "
        "moyenne nationale du type (DARES, 31/12/2019 : ACI 52 800 salariés / 1 907 structures ; "
        "EI 15 800 / 981 ; AI 51 800 / 655 ; ETTI 13 900 / 300), signalée « ≈ ».",
        "Accessibilité (2SFCA) : R_j = capacité_j / Σ chômeurs des communes à moins de 30 km ; "
        "A_i = Σ R_j des SIAE à moins de 30 km. Chômeurs du recensement 2021 en Normandie et "
        "Île-de-France, estimés ailleurs à partir de la population 2022 et des taux de la zone "
        "d'emploi.",
        "Typologies : ACP normée puis classification ascendante hiérarchique de Ward, "
        "consolidée par k-means (méthode HCPC) ; classes décrites par les valeurs-tests.",
        f"Secret statistique : tout effectif de moins de {threshold} personnes est masqué, avec "
        "secret secondaire pour qu'aucune valeur masquée ne se déduise des totaux.",
        "Codes géographiques : COG 2025 ; les tables d'autres millésimes sont converties "
        "(communes fusionnées : effectifs additionnés, taux repondérés).",
    ]
    sources = _collect_sources(sections)
    cover = [
        f"SIRET {s['siret']} — {s['type_siae']} — {s['commune']} ({s['dep']})",
        f"Territoire : {diag.territoire_label}",
        f"Édité le {date.today().strftime('%d/%m/%Y')} avec coodiag",
    ]
    return AtlasDocument(
        title=title,
        subtitle=subtitle,
        slug=f"diagnostic_{s['siret']}",
        cover_lines=cover,
        sections=sections,
        methods=methods,
        sources=sources,
        snapshot=diag.snapshot(),
        warnings=list(diag.notes),
    )


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
        Paragraph(
            f"{atlas.label} : {len(communes)} communes, {n_siae} structures d'insertion "
            f"({by_type}), capacité ≈ {_fr(cap)} salariés en insertion (estimée par les "
            "moyennes nationales par type sans fichier de capacité)."
        ),
        _key_figures_item(atlas.chiffres_cles),
    ]
    summary += [Paragraph(n, kind="note") for n in atlas.notes]
    sections.append(Section("Synthèse", summary))

    pts = _siae_points(atlas.offre)
    m_off = _meta("Structures d'insertion par type", "structures", SRC_SIAE, "2019-2021",
                  method=SRC_CAPACITY)
    offer_items: list = [
        MapItem(
            name="offre_siae", title="Les structures d'insertion par type",
            figure=lambda: maps.points_map(
                pts, by="type_siae", size="capacite_affichee", estimated="capacite_estimee",
                size_label="salariés", base=communes, context=context, meta=m_off,
                title="Structures d'insertion par type et capacité",
            ),
            comment="Taille proportionnelle à la capacité ; symboles creux : capacité estimée.",
            web=lambda m: webmap.points_layer(m, pts.to_crs(4326), by="type_siae"),
            meta=[m_off],
            layer=pts[["siret", "type_siae", "nom", "commune", "capacite", "geometry"]],
        ),
        TableItem(ExportTable(
            name="Offre par type", frame=atlas.par_type.round(1),
            title="Structures et capacité par type de SIAE",
            columns={"type_siae": "Type", "structures": "Structures",
                     "capacite": "Capacité (salariés)",
                     "capacite_estimee": "Dont capacités estimées (structures)"},
            meta=[m_off],
        )),
    ]
    if atlas.par_reseau is not None:
        offer_items.append(TableItem(ExportTable(
            name="Offre par réseau", frame=atlas.par_reseau,
            title="Structures par réseau et par type (une structure peut adhérer à plusieurs "
            "réseaux)",
        )))
    offer_items.append(TableItem(_offer_table(atlas.offre, set(communes["code"])), max_rows=40))
    sections.append(Section("L'offre d'insertion", offer_items))

    ep = atlas.epci.copy()
    col = "capacite_pour_1000_demandeurs"
    m_w = _meta("Capacité d'insertion pour 1 000 demandeurs d'emploi",
                "salariés en insertion pour 1 000 demandeurs d'emploi", SRC_SIAE
                + " ; France Travail", "2019-2024",
                denominator="demandeurs d'emploi inscrits (France Travail, vers 2024)",
                method=SRC_CAPACITY)
    if col not in ep.columns:
        ep[col] = np.nan
    ep[col] = ep[col].fillna(0.0).where(ep["n_siae"].notna())
    sections.append(Section("Poids de l'offre par intercommunalité et zone d'emploi", [
        MapItem(
            name="poids_epci", title="Capacité d'insertion pour 1 000 demandeurs d'emploi",
            figure=lambda: maps.choropleth(
                ep, col, meta=m_w, context=context, level="epci",
                title="Capacité d'insertion pour 1 000 demandeurs d'emploi, par EPCI",
            ),
            comment="0 : aucune SIAE implantée dans l'intercommunalité.",
            web=lambda m: webmap.choropleth_layer(m, ep.to_crs(4326), col, meta=m_w,
                                                  level="epci"),
            meta=[m_w],
            layer=ep[["code", "nom", "n_siae", "capacite", col, "geometry"]],
        ),
        TableItem(ExportTable(
            name="Zones d'emploi", frame=atlas.zones.round(2).reset_index(drop=True),
            title="Poids de l'offre dans le chômage de chaque zone d'emploi",
            columns={"code": "Zone d'emploi", "nom": "Nom", "n_siae": "SIAE",
                     "capacite": "Capacité", "capacite_estimee_part": "Part estimée",
                     "chomeurs": "Demandeurs d'emploi", "impact_pct": "Impact (%)"},
        ), comment="Impact = capacité des SIAE de la zone / demandeurs d'emploi × 100."),
    ]))

    m_cls = _meta("Classes de couverture", "classe", SRC_SIAE + " ; INSEE", "2019-2022",
                  method="besoin (chômeurs pour 1 000 habitants) et offre (accessibilité "
                  "2SFCA) découpés en terciles")
    unc = atlas.non_couvertes[["code", "nom", "demande", "besoin", "offre",
                               *[c for c in atlas.non_couvertes.columns
                                 if c.startswith("dist_")]]].round(1)
    sections.append(Section("Zones blanches : besoin sans offre", [
        MapItem(
            name="classes_couverture", title="Besoin d'insertion et offre accessible",
            figure=lambda: maps.categorical(
                communes, "classe", categories=COVERAGE_CLASSES, colors=COVERAGE_COLORS,
                meta=m_cls, context=context, title="Besoin d'insertion et offre accessible",
            ),
            comment=atlas.explication_couverture[:900],
            meta=[m_cls],
            layer=communes[["code", "nom", "classe", "besoin", "offre", "geometry"]],
        ),
        TableItem(ExportTable(
            name="Communes non couvertes", frame=unc.reset_index(drop=True),
            title="Communes au besoin non couvert, par nombre de chômeurs",
            columns={"code": "Code commune", "nom": "Commune",
                     "demande": "Chômeurs (estimés hors Normandie / IDF)",
                     "besoin": "Besoin (pour 1 000 hab.)", "offre": "Offre (pour 1 000)"},
            meta=[m_cls],
        ), max_rows=30),
    ]))

    items: list = []
    tz = atlas.typologie_zones
    if tz is not None:
        zl = zones_layer(atlas, tz)
        names = {str(k): f"{k}. {v}" for k, v in tz.names.items()}
        m_tz = _meta("Typologie des zones d'emploi selon l'offre d'insertion", "classe",
                     "registre des SIAE ; INSEE ; France Travail", "2019-2024",
                     method=str(tz.attrs.get("methode", "")))
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
        cl = communes[["code", "nom", "dep", "geometry"]].copy()
        cl["classe"] = cl["code"].map(tc.classes.astype(str))
        names_c = {str(k): f"{k}. {v}" for k, v in tc.names.items()}
        m_tc = _meta("Typologie des communes selon la sociologie des personnes âgées",
                     "classe", "INSEE, RP 2022 (IRIS), Filosofi 2021", "2021-2022",
                     method=str(tc.attrs.get("methode", "")))
        items += [
            MapItem(
                name="typologie_personnes_agees",
                title="Typologie des communes : les personnes âgées",
                figure=lambda: maps.categorical(cl, "classe", categories=names_c, meta=m_tc,
                                                context=context,
                                                title="Les communes selon la sociologie des "
                                                "personnes âgées"),
                comment="Pour développer les services à domicile.",
                meta=[m_tc], layer=cl,
            ),
            TableItem(ExportTable(
                name="Typologie personnes âgées",
                frame=_class_description(tc),
                title="Description des classes (valeurs-tests significatives)", meta=[m_tc],
            ), max_rows=20),
        ]
    if items:
        sections.append(Section("Typologies", items))

    methods = [
        "Capacité des SIAE : fichier de capacité s'il est fourni, sinon moyenne nationale du "
        "type (DARES, 31/12/2019), signalée « ≈ ».",
        "Accessibilité (2SFCA, rayon 30 km) et classes de couverture : voir les cartes ; "
        "chômeurs du recensement 2021 en Normandie et Île-de-France, estimés ailleurs.",
        "Typologies : ACP normée, CAH de Ward consolidée par k-means (HCPC).",
        "Codes géographiques : COG 2025.",
    ]
    sources = _collect_sources(sections)
    slug = "atlas_" + atlas.territoire.replace(":", "-").replace(",", "_")
    return AtlasDocument(
        title=f"Atlas de l'insertion par l'activité économique — {atlas.label}",
        subtitle="Offre, besoins, couverture et typologies",
        slug=slug,
        cover_lines=[f"Territoire : {atlas.label}",
                     f"Édité le {date.today().strftime('%d/%m/%Y')} avec coodiag"],
        sections=sections,
        methods=methods,
        sources=sources,
        snapshot=atlas.snapshot(),
        warnings=list(atlas.notes),
    )


def zones_layer(atlas: Any, result: Any) -> gpd.GeoDataFrame:
    """The zones d'emploi of the territory (Lambert-93) with their typology class."""
    layer = atlas.zones_geo[["code", "nom", "geometry"]].copy()
    layer["classe"] = layer["code"].map(result.classes.astype(str))
    return layer


def document_of(result: Any) -> AtlasDocument:
    """The document of a diagnosis (it has a ``siret``) or of a territory atlas."""
    return diagnostic_document(result) if hasattr(result, "siret") else territory_document(result)
