"""Chapters of the diagnosis about the structure's own salariés: the synthèse and the impact on
unemployment (counts of people under statistical secrecy)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from coodiag import fr, secrecy
from coodiag.base.indicators import Indicator
from coodiag.outputs import maps, weblayers
from coodiag.outputs.builders.common import (
    ESTIMATE_NOTE,
    key_figures_item,
)
from coodiag.outputs.builders.synthesis import structure_text, synthesis_items
from coodiag.outputs.document import ExportTable, MapItem, Paragraph, Section, TableItem


def summary_section(diag: Any) -> Section:
    """The synthèse: what is missing, the key messages of the four Coodiag questions and their
    chart (:mod:`coodiag.outputs.builders.synthesis`), then the structure, its territory, the
    key figures and what its stopping would mean."""
    s = diag.structure
    cap_txt = fr.number(s.get("capacite"), 0)
    estimated = bool(s.get("capacite_estimee"))
    summary = [
        *synthesis_items(diag),
        Paragraph(
            f"{structure_text(diag)} Capacité : {'≈ ' if estimated else ''}{cap_txt} salariés "
            f"en insertion{ESTIMATE_NOTE if estimated else ''}. Territoire étudié : "
            f"{diag.territoire_label} ({len(diag.communes)} communes)."
        ),
        key_figures_item(diag.chiffres_cles),
    ]
    if diag.impact_publie is not None:
        pub = diag.impact_publie
        total = pub.attrs.get("total_salaries")
        den = diag.parametres["denominateur_impact"]
        threshold = diag.parametres["seuil_secret"]
        lines = [salaries_counted_text(diag, total)]
        own = pub[pub["code"] == s["code_commune"]]
        if len(own) and own["impact_pct"].notna().iloc[0]:
            r = own.iloc[0]
            lines.append(
                f"Si la structure s'arrêtait, le chômage de la commune {fr.de(r['nom'])} "
                f"augmenterait de {fr.number(r['impact_pct'], 2)} % ("
                f"{secrecy.format_count(r['salaries'], threshold=threshold)} salariés y "
                f"résident, pour "
                f"{fr.number(r['chomeurs'])} {den})."
            )
        top = pub.dropna(subset=["impact_pct"]).head(1)
        if len(top) and top.iloc[0]["code"] != s["code_commune"]:
            r = top.iloc[0]
            lines.append(
                f"L'impact le plus fort est dans la commune {fr.de(r['nom'])} : "
                f"{fr.number(r['impact_pct'], 2)} % ("
                f"{secrecy.format_count(r['salaries'], threshold=threshold)} salariés pour "
                f"{fr.number(r['chomeurs'])} {den})."
            )
        summary.append(Paragraph(" ".join(lines)))
    summary += [Paragraph(note, kind="note") for note in diag.notes]
    return Section("Synthèse", summary)


def impact_section(diag: Any, context: Any) -> Section | None:
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
    nobody = ~layer["code"].isin(set(pub["code"]))  # no salarié lives there: 0 is a value
    layer.loc[nobody, "salaries_n"] = 0.0
    layer.loc[nobody, "impact_pct"] = 0.0
    layer["salaries"] = layer["salaries"].astype(object)
    layer.loc[nobody, "salaries"] = 0
    secret_rows = layer["salaries"].map(lambda v: isinstance(v, str))
    hidden_label = f"secret statistique (moins de {threshold} salariés)"
    if (layer["impact_pct"].isna() & ~secret_rows).any():
        hidden_label = "secret statistique ou non disponible"
    den = diag.parametres["denominateur_impact"]
    window = diag.parametres.get("fenetre_salaries") or "période non précisée"
    m_rec = Indicator(label="Salariés en parcours par commune de résidence", unit="personnes",
                      source="fichier des salariés de la structure", vintage=window,
                      method=f"{diag.parametres.get('salaries_comptes', 'personnes distinctes')}"
                      f" ; secret statistique sous {threshold}")
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
                    nodata=f"secret statistique (moins de {threshold})", towns=diag.communes,
                ),
                comment=f"{diag.parametres.get('salaries_comptes', 'Personnes distinctes')}"
                f" ; les communes comptant moins de {threshold} salariés (secret statistique) "
                "sont hachurées en gris, quelle que soit leur valeur ; celles où ne vit aucun "
                "salarié forment la classe « 0 ».",
                web=lambda m: weblayers.choropleth_layer(
                    m, layer.to_crs(4326), "salaries_n", meta=m_rec, counts=True,
                    nodata=f"secret statistique (moins de {threshold})",
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
                    nodata=hidden_label,
                    towns=diag.communes,
                ),
                comment=f"impact = salariés en parcours résidant dans la commune ({window}) / "
                f"{den} (arrondis à l'unité) × 100. Lecture : si la structure s'arrêtait et "
                "que ses salariés redevenaient chômeurs, le chômage de la commune "
                "augmenterait d'autant.",
                web=lambda m: weblayers.choropleth_layer(
                    m, layer.to_crs(4326), "impact_pct", meta=m_imp, nodata=hidden_label
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
                comment=f"« {secrecy.default_label(threshold)} » : moins de {threshold} "
                "personnes (secret statistique) ; « s » : valeur masquée pour protéger une "
                "autre (secret secondaire). Communes classées par impact publié, puis les "
                "communes masquées par code commune (aucun ordre ne trahit une valeur masquée).",
            ),
            *far_residences_items(diag, m_rec),
        ],
    )


def salaries_counted_text(diag: Any, total: Any) -> str:
    """« 280 salariés en parcours du 03/07/2023 au 26/12/2024 (personnes distinctes ayant eu au
    moins un contrat sur la période ; …) » : who is counted, and the default stated."""
    p = diag.parametres
    window = p.get("fenetre_salaries") or "sur la période"
    if p.get("decompte") == "stock":
        how = "personnes sous contrat à cette date"
    else:
        how = ("personnes distinctes ayant eu au moins un contrat sur la période du fichier, "
               "décompte par défaut ; un décompte des présents à une date est possible")
    count = secrecy.format_count(total, threshold=p.get("seuil_secret"))
    text = f"{count} salariés en parcours {window} ({how})."
    n_far = diag.impact_publie.attrs.get("n_eloignees", 0)
    if n_far == 1:
        text += (" 1 commune de résidence éloignée de la structure est listée à part et n'entre "
                 "pas dans le territoire étudié.")
    elif n_far:
        text += (f" {n_far} communes de résidence éloignées de la structure sont listées à part "
                 "et n'entrent pas dans le territoire étudié.")
    return text


def far_residences_items(diag: Any, m_rec: Indicator) -> list[TableItem]:
    """The table « Communes de résidence éloignées » (counts under secrecy), if any."""
    far = getattr(diag, "residences_eloignees", None)
    if far is None or not len(far):
        return []
    km = fr.km(diag.parametres.get("rayon_eloignement_km"), 0)
    return [
        TableItem(
            ExportTable(
                name="Résidences éloignées",
                frame=far[["code", "nom", "dep", "distance_km", "salaries", "motif"]].reset_index(
                    drop=True),
                title="Communes de résidence éloignées de la structure",
                columns={"code": "Code commune", "nom": "Commune", "dep": "Département",
                         "distance_km": "Distance (km)", "salaries": "Salariés en parcours",
                         "motif": "Motif"},
                meta=[m_rec], person_counts=["salaries"],
            ),
            comment=f"Communes de résidence hors de la zone d'emploi de la structure et à plus "
            f"de {km} (ou outre-mer) : leurs salariés sont comptés dans le total, mais ces "
            "communes n'entrent ni dans le territoire étudié ni dans ses chiffres clés (elles "
            "peuvent y être incluses à la demande). Distance à vol d'oiseau.",
        )
    ]



def profile_section(diag: Any) -> Section | None:
    """« Profil des salariés en parcours »: sex, age, training level, publics, exits (DARES
    sorties dynamiques), under secrecy (:func:`coodiag.analyses.profile.roster_profile`)."""
    prof = getattr(diag, "profil", None)
    if prof is None:
        return None
    threshold = diag.parametres["seuil_secret"]
    window = diag.parametres.get("fenetre_salaries") or "période non précisée"
    meta = dataclasses.replace(prof.attrs["indicateurs"][0], vintage=window)
    table = prof[(prof["modalite"] != "ensemble") | (prof["theme"] == "Sorties")].copy()
    table["part"] = table["part"].round(0)
    lines = []
    rate = prof.attrs.get("taux_dynamiques")
    if rate is not None:
        lines.append(f"Taux de sorties dynamiques : {fr.number(rate, 0)} % des "
                     f"{fr.integer(prof.attrs['sorties'])} sorties de la période dont le type "
                     "est connu (emploi durable, emploi de transition, sortie positive ; "
                     "définition DARES), contre 70 % en Île-de-France en 2016.")
    low = prof.attrs.get("infbac")
    census = prof.attrs.get("recensement_infbac")
    if low is not None:
        text = (f"Niveau inférieur au bac (sans diplôme, CAP-BEP) : {fr.number(low, 0)} % des "
                "salariés dont le niveau est connu")
        text += (f", contre {fr.number(census, 0)} % de la population non scolarisée de 15 ans "
                 "ou plus du territoire (recensement 2022, moyenne des communes pondérée par "
                 "leur population de 15 ans ou plus)." if census is not None else
                 " ; le recensement à l'IRIS ne donne pas la comparaison pour ce territoire.")
        lines.append(text)
    return Section("Profil des salariés en parcours", [
        Paragraph(f"{secrecy.format_count(prof.attrs.get('personnes'), threshold=threshold)} "
                  f"salariés en parcours {window}, chacun décrit par son dernier contrat de la "
                  "période ; les sorties sont les contrats terminés sur la période avec un type "
                  "de sortie."),
        *[Paragraph(line) for line in lines],
        TableItem(
            ExportTable(
                name="Profil des salariés", frame=table.reset_index(drop=True),
                title="Profil des salariés en parcours et sorties",
                columns={"theme": "Thème", "modalite": "Modalité",
                         "effectif": "Salariés ou sorties", "part": "Part (%)"},
                meta=[meta, Indicator(
                    key="part", label="Part de la modalité", unit="%",
                    numerator="salariés (sorties : sorties) de la modalité",
                    denominator="salariés de la période (sorties : sorties de la période)",
                    source=meta.source, vintage=window)],
                person_counts=["effectif"],
            ),
            comment=f"« {secrecy.default_label(threshold)} » : moins de {threshold} personnes "
            "(secret statistique) ; « s » : valeur masquée pour protéger une autre (secret "
            "secondaire). Part : en % des salariés de la période (sorties : en % des "
            "sorties) ; un salarié peut relever de plusieurs publics prioritaires.",
            max_rows=40,
        ),
    ])
