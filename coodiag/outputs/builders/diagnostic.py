"""The atlas document of the diagnosis of one SIAE: one function per chapter, in reading order.

Texts are computed from the figures of :class:`coodiag.reports.diagnostic.Diagnostic`, never
invented; counts of people arrive under statistical secrecy.
"""

from __future__ import annotations

from typing import Any

from coodiag import fr
from coodiag.base import registry as siae
from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE
from coodiag.base.indicators import Indicator
from coodiag.outputs.builders.common import (
    NEED_METHOD,
    SRC_SIAE,
    collect_sources,
    context_layer,
    elderly_typology_items,
    evolution_section,
    offer_map,
    offer_table,
    zone_weight_indicators,
)
from coodiag.outputs.builders.coverage import coverage_section
from coodiag.outputs.builders.impact import impact_section, profile_section, summary_section
from coodiag.outputs.builders.sheets import workbook_sheets
from coodiag.outputs.builders.synthesis import evolution_warning, missing_sections
from coodiag.outputs.builders.typology_maps import zone_typology_map
from coodiag.outputs.document import (
    AtlasDocument,
    ExportTable,
    Paragraph,
    Recommendations,
    Section,
    TableItem,
)
from coodiag.outputs.surfacemap import surface_section
from coodiag.outputs.wording import display_name


def diagnostic_document(diag: Any, *, previous: dict | None = None) -> AtlasDocument:
    """The atlas of the diagnosis of one SIAE (:class:`coodiag.reports.diagnostic.Diagnostic`)."""
    s = diag.structure
    communes = diag.communes
    context = context_layer(communes, diag.contexte)
    threshold = diag.parametres["seuil_secret"]
    title = f"Diagnostic territorial — {display_name(s['nom'])}"
    subtitle = f"{s['type_siae']} ({siae.TYPES.get(s['type_siae'], '')}), {s['commune']}"
    chapters = (
        summary_section(diag),
        evolution_section(diag.evolution),
        Section("L'offre d'insertion du territoire", [
            offer_map(diag.offre, communes, context,
                      comment="Chaque symbole est une SIAE, de taille proportionnelle à sa "
                      "capacité ; les symboles creux signalent une capacité estimée."),
            # every SIAE the map counts: a reader looks for partners in this list
            TableItem(offer_table(diag.offre, set(communes["code"])),
                      max_rows=len(diag.offre) + 1),
        ]),
        impact_section(diag, context),
        profile_section(diag),
        coverage_section(diag, context),
        surface_section(diag.surface, communes, diag.offre, context)
        if getattr(diag, "surface", None) is not None else None,
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
        "Impact sur le chômage : salariés en parcours résidant dans la commune ("
        + (diag.parametres.get("salaries_comptes") or "personnes distinctes sur la période")
        + ") / " + diag.parametres["denominateur_impact"] + " × 100. Par défaut, toutes les "
        "personnes passées par la structure sur la période du fichier ; sur demande, les "
        "personnes sous contrat à une date. Le dénominateur (effectif pondéré du recensement) "
        "est arrondi à l'unité avant le calcul, pour que l'impact publié se déduise des "
        "effectifs publiés. Communes de résidence hors de la zone d'emploi de la structure et à "
        f"plus de {fr.km(diag.parametres.get('rayon_eloignement_km'), 0)} (ou outre-mer) : "
        "listées à part, hors du territoire étudié (sauf demande contraire).",
        "Capacité des SIAE : fichier de capacité de l'utilisateur s'il est fourni (année la "
        "plus récente de chaque SIRET, ou l'année demandée ; jamais plusieurs années "
        "additionnées), sinon moyenne nationale du type (DARES, 31/12/2019 : ACI 52 800 "
        "salariés / 1 907 structures ; EI 15 800 / 981 ; AI 51 800 / 655 ; ETTI 13 900 / "
        "300), signalée « ≈ ».",
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
        warnings=[*diag.notes, *missing_sections(diag),
                  *evolution_warning(getattr(diag, "evolution", None))],
        extra_tables=workbook_sheets(
            diag.chiffres_cles, diag.recommandations, diag.typologie or {},
            diag.communes[["code", "nom"]],
            diag.communes[["ze2020", "ze_nom"]].rename(columns={"ze2020": "code",
                                                                "ze_nom": "nom"}),
        ),
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
                f"Zone d'emploi {fr.de(diag.structure['ze_nom'])} : classe {k} de la typologie "
                f"nationale des zones d'emploi selon l'offre d'insertion, « "
                f"{zones_res.names[k]} » ({zones_res.sizes[k]} zones)."
            ))
        zone_map = zone_typology_map(diag, zones_res, context)
        if zone_map is not None:
            items.append(zone_map)
    return Section("Typologies", items) if items else None


def _zones(diag: Any) -> Section | None:
    """The weight of the offer in the job seekers of each zone d'emploi."""
    zt = diag.zones.copy()
    if not len(zt):
        return None
    zt["impact_pct"] = zt["impact_pct"].round(1)
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
                     "capacite": "Capacité (salariés)",
                     "capacite_estimee_part": "Part estimée (%)",
                     "chomeurs": "Demandeurs d'emploi", "impact_pct": "Impact (%)"},
            meta=[Indicator(label="Poids de l'offre par zone d'emploi", unit="%",
                            source=f"{SRC_SIAE} ; {JOB_SEEKERS}",
                            vintage=f"SIAE 2019-2021 ; demandeurs d'emploi : {JOB_SEEKERS_DATE}",
                            numerator="capacité des SIAE de la zone",
                            denominator="demandeurs d'emploi de la zone"),
                  *zone_weight_indicators(f"{SRC_SIAE} ; {JOB_SEEKERS}",
                                          f"SIAE 2019-2021 ; demandeurs d'emploi : "
                                          f"{JOB_SEEKERS_DATE}")],
        ),
        comment="Impact = capacité des SIAE de la zone / demandeurs d'emploi de la zone × "
        "100, en supposant que les salariés habitent la zone de leur SIAE.",
    )])


def share_indicators(name: str) -> list[Indicator]:
    """The two shares of a specificity table, each on its column."""
    what = ("établissements" if name.endswith("sectorielle") else "emplois")
    ref = "du département" if name.endswith("sectorielle") else "de la France"
    source = ("INSEE, Flores 2021" if name.endswith("sectorielle") else "INSEE, emploi par "
              "secteur des zones d'emploi (parts nationales de la source)")
    return [
        Indicator(key="part", label=f"Part du secteur ({what})", unit="%",
                  numerator=f"{what} du secteur dans le territoire",
                  denominator=f"{what} du territoire", source=source),
        Indicator(key="part_ref", label=f"Part du secteur dans la référence ({what})", unit="%",
                  numerator=f"{what} du secteur {ref}", denominator=f"{what} {ref}",
                  source=source),
    ]


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
            if "n" in t.columns and "part" in t.columns and t["n"].round(2).equals(
                    t["part"].round(2)):  # the source gives shares only: no count column
                t = t.drop(columns=[c for c in ("n", "n_ref") if c in t.columns])
            for col in t.select_dtypes("number").columns:
                t[col] = t[col].round(2 if col == "indice" else (1 if "part" in col else 0))
            pitems.append(TableItem(ExportTable(
                name=name, frame=t.reset_index(drop=True), title=title_t,
                meta=[Indicator(label=name, unit="indice", source=(
                    getattr(table, "attrs", {}).get("millesime") or "INSEE, Flores 2021")
                    if name.endswith("sectorielle") else "INSEE, emploi par secteur des zones "
                    "d'emploi (parts nationales de la source)"),
                    *share_indicators(name)],
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
        typo = b["metier_nom"].astype(str).str.contains("Ouviers", regex=False)
        b["metier_nom"] = b["metier_nom"].astype(str).str.replace("Ouviers", "Ouvriers",
                                                                  regex=False)
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
                                method="« * » de la source (secret) laissé non disponible"),
                      *[Indicator(key=f"part_{kind}", label=f"Projets {label}", unit="%",
                                  numerator=f"projets de recrutement {label}",
                                  denominator="projets de recrutement du métier", vintage="2024",
                                  source="France Travail, enquête Besoins en main-d'œuvre")
                        for kind, label in (("difficiles", "jugés difficiles"),
                                            ("saisonniers", "saisonniers"))]],
            ),
            comment="Métier en tension : au moins 50 % de projets jugés difficiles et 20 "
            "projets ; « adéquation » : métier proche des activités de la structure."
            + (" « Ouviers » de la source corrigé en « Ouvriers »." if typo.any() else ""),
            max_rows=20,
        ))
    if diag.prospects is not None and len(diag.prospects):
        pitems.append(TableItem(
            ExportTable(name="Établissements proches", frame=diag.prospects.reset_index(
                drop=True), title="Établissements SIRENE à proximité, classés",
                meta=[Indicator(label="Établissements à prospecter", unit="établissements",
                                source="fichier SIRENE fourni par l'utilisateur (INSEE)")]),
            max_rows=30,
        ))
    if not pitems:
        return None
    return Section("Prospection : secteurs, métiers, entreprises", pitems)
