"""The synthèse of a diagnosis: key messages answering the four Coodiag questions, each
computed by a rule from the results with its figure and its comparison (département, région,
France), a small chart of the key figures against the references, and, first, what is missing
and which file would add it.

The four questions (Coodiag method):

1. **Acteurs** — where are the structures of the territory, and what is their weight?
2. **Entreprises** — which businesses and sectors may need the structure?
3. **Couverture** — where is the coverage weak?
4. **Compétences** — which skills are available, which are sought?

A message is written only when its figures exist; nothing here is free text. Counts of people
arrive under statistical secrecy (:mod:`coodiag.secrecy`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coodiag import fr, secrecy
from coodiag.base.indicators import Indicator
from coodiag.outputs.document import KeyMessages, MapItem, Paragraph
from coodiag.outputs.wording import display_name
from coodiag.reports.context import COVERAGE_CLASSES

#: The class « accessibilité faible au regard du besoin » (:mod:`coodiag.analyses.coverage`).
LOW_ACCESS = COVERAGE_CLASSES[0]

QUESTIONS = {
    "acteurs": "Les acteurs et leur poids",
    "entreprises": "Les entreprises qui peuvent avoir besoin de la structure",
    "couverture": "Où la couverture est faible",
    "competences": "Les compétences disponibles et recherchées",
}
#: Key figures drawn against the references (label prefix in the key figures, short label).
CHART_ROWS = (
    ("Capacité pour 1 000", "Capacité d'insertion pour\n1 000 demandeurs d'emploi"),
    ("Taux de chômage", "Taux de chômage\ndes 15-64 ans (%)"),
    ("Taux de pauvreté", "Taux de pauvreté\n(%)"),
)
#: Share of dynamic exits of reference (DARES, Île-de-France 2016).
DYNAMIC_REFERENCE = 70


def figure_row(frame: pd.DataFrame, prefix: str) -> pd.Series | None:
    """The row of the key figures whose label starts with ``prefix`` (levels only)."""
    rows = frame[frame["indicateur"].astype(str).str.startswith(prefix)]
    if rows.empty:
        return None
    levels = [c for c in frame.columns if c not in ("indicateur", "unite", "source",
                                                    "millesime", "key", "cle", "unit")]
    return rows.iloc[0][levels].astype(float)


def comparison_text(row: pd.Series, decimals: int, unit: str = "") -> str:
    """« , contre 36,9 (Manche), 31,9 (Normandie) et 25,1 (France métropolitaine) »; empty
    without a reference (the territory France is its own)."""
    parts = []
    for level, value in row.iloc[1:].items():
        if fr.is_missing(value):
            continue
        name = str(level).split(" : ")[-1]
        parts.append(f"{fr.number(value, decimals)}{unit} ({name})")
    if not parts:
        return ""
    return ", contre " + (", ".join(parts[:-1]) + " et " + parts[-1] if len(parts) > 1
                        else parts[0])


def _message(question: str, figure: str, text: str) -> dict:
    return {"question": QUESTIONS[question], "key": question, "figure": figure, "text": text}


def _actors(diag: Any) -> list[dict]:
    out = []
    cc = diag.chiffres_cles
    n = figure_row(cc, "SIAE (toutes)")
    cap = figure_row(cc, "Capacité d'insertion")
    per = figure_row(cc, "Capacité pour 1 000")
    by_type = diag.offre[diag.offre["code_commune"].isin(set(diag.communes["code"]))]
    types = by_type["type_siae"].value_counts().sort_index()
    if n is not None and per is not None and not fr.is_missing(per.iloc[0]):
        detail = ", ".join(f"{k} {t}" for t, k in types.items())
        out.append(_message(
            "acteurs", f"{fr.number(per.iloc[0], 0)} pour 1 000",
            f"{fr.integer(n.iloc[0])} SIAE dans le territoire ({detail}), capacité ≈ "
            f"{fr.number(cap.iloc[0], 0) if cap is not None else fr.MISSING} salariés en "
            f"insertion : ≈ {fr.number(per.iloc[0], 0)} pour 1 000 demandeurs d'emploi"
            f"{comparison_text(per, 0)}.",
        ))
    pub = diag.impact_publie
    if pub is not None:
        total = pub.attrs.get("total_salaries")
        threshold = diag.parametres.get("seuil_secret")
        strong = pub[pub["impact_pct"] > 10]
        text = (f"{secrecy.format_count(total, threshold=threshold)} salariés en parcours "
                f"{diag.parametres.get('fenetre_salaries', '')}")
        if len(strong):
            top = strong.iloc[0]
            text += (f" ; dans {len(strong)} commune{'s' if len(strong) > 1 else ''}, ils "
                     "représentent plus de 10 % des chômeurs, jusqu'à "
                     f"{fr.number(top['impact_pct'], 0)} % {_in(top['nom'])}")
        out.append(_message("acteurs", secrecy.format_count(total, threshold=threshold)
                            + " salariés", text + "."))
    return out


def _in(name: str) -> str:
    """« à Avranches », « au Val-Saint-Père », « aux Loges »."""
    for article, prep in (("Le ", "au "), ("Les ", "aux ")):
        if name.startswith(article):
            return prep + name[len(article):]
    return f"à {name}"


def _businesses(diag: Any) -> list[dict]:
    out = []
    spec = diag.specificite_ze
    if spec is not None and len(spec):
        top = spec.sort_values("indice", ascending=False).iloc[0]
        if top["indice"] > 1.2:
            out.append(_message(
                "entreprises", f"× {fr.number(top['indice'], 1)}",
                f"Secteur le plus spécifique de la zone d'emploi {fr.de(diag.structure['ze_nom'])}"
                f" : {str(top['libelle']).lower()}, {fr.number(top['part'], 1)} % de l'emploi "
                f"contre {fr.number(top['part_ref'], 1)} % en France (indice "
                f"{fr.number(top['indice'], 1)}).",
            ))
    bmo = diag.bmo
    if bmo is not None and len(bmo):
        near = bmo[bmo["adequation"].astype(bool)]
        projects = near["projets"].sum()
        if len(near) and projects > 0:
            share = 100 * near["difficiles"].sum() / max(near["projets_connus"].sum(), 1)
            all_share = 100 * bmo["difficiles"].sum() / max(bmo["projets_connus"].sum(), 1)
            out.append(_message(
                "entreprises", f"{fr.number(projects, 0)} projets",
                f"{fr.number(projects, 0)} projets de recrutement en 2024 dans "
                f"{len(near)} métiers proches des activités de la structure (bassins BMO du "
                f"territoire) ; {fr.number(share, 0)} % jugés difficiles, contre "
                f"{fr.number(all_share, 0)} % pour les métiers du tableau BMO.",
            ))
    if diag.prospects is not None and len(diag.prospects):
        km = fr.km(diag.parametres.get("rayon_prospection_km"), 0)
        out.append(_message(
            "entreprises", f"{fr.integer(len(diag.prospects))} établissements",
            f"{fr.integer(len(diag.prospects))} établissements du fichier SIRENE à moins de "
            f"{km}, classés pour la prospection.",
        ))
    return out


def _coverage(diag: Any) -> list[dict]:
    out = []
    cov = diag.couverture
    low = cov[cov["classe"] == LOW_ACCESS].sort_values("demande", ascending=False)
    if len(cov):
        total = cov["demande"].sum()
        share = 100 * low["demande"].sum() / total if total else np.nan
        text = (f"{len(low)} communes sur {len(cov)} à l'accessibilité faible au regard du "
                f"besoin, où vivent ≈ {fr.number(low['demande'].sum(), 0)} chômeurs "
                f"({fr.number(share, 0)} % de ceux du territoire)")
        if len(low):
            text += f", dont {low.iloc[0]['nom']} (≈ {fr.number(low.iloc[0]['demande'], 0)})"
        out.append(_message("couverture", f"{len(low)} communes", text + "."))
    rate = figure_row(diag.chiffres_cles, "Taux de chômage")
    if rate is not None and not fr.is_missing(rate.iloc[0]):
        out.append(_message(
            "couverture", f"{fr.number(rate.iloc[0], 1)} %",
            f"Taux de chômage des 15-64 ans du territoire (recensement 2021) : "
            f"{fr.number(rate.iloc[0], 1)} %{comparison_text(rate, 1, ' %')}.",
        ))
    return out


def _skills(diag: Any) -> list[dict]:
    out = []
    prof = getattr(diag, "profil", None)
    if prof is not None:
        low = prof.attrs.get("infbac")
        census = prof.attrs.get("recensement_infbac")
        if low is not None:
            text = (f"{fr.number(low, 0)} % des salariés en parcours dont le niveau est connu "
                    "ont un niveau inférieur au bac")
            if census is not None:
                text += (f", contre {fr.number(census, 0)} % de la population non scolarisée "
                         "de 15 ans ou plus du territoire (recensement 2022)")
            out.append(_message("competences", f"{fr.number(low, 0)} %", text + "."))
        rate = prof.attrs.get("taux_dynamiques")
        if rate is not None:
            out.append(_message(
                "competences", f"{fr.number(rate, 0)} %",
                f"{fr.number(rate, 0)} % de sorties dynamiques (emploi durable, de transition, "
                f"sortie positive ; définition DARES) sur {fr.integer(prof.attrs['sorties'])} "
                f"sorties, contre {DYNAMIC_REFERENCE} % en Île-de-France (2016).",
            ))
    bmo = diag.bmo
    if bmo is not None and len(bmo):
        tense = bmo[bmo["tension"].astype(bool)].sort_values("projets", ascending=False)
        if len(tense):
            names = ", ".join(f"{str(r.metier_nom).replace('Ouviers', 'Ouvriers').lower()} "
                              f"({fr.number(r.projets, 0)})"
                              for r in tense.head(3).itertuples())
            out.append(_message(
                "competences", f"{len(tense)} métiers en tension",
                f"Compétences recherchées : {len(tense)} métiers en tension dans les bassins "
                f"BMO du territoire, dont {names} projets en 2024.",
            ))
    return out


def key_messages(diag: Any) -> list[dict]:
    """The key messages of a diagnosis, by question (at most 8, at least one per question
    whose figures exist)."""
    groups = [_actors(diag), _businesses(diag), _coverage(diag), _skills(diag)]
    chosen = [g[0] for g in groups if g]
    rest = [m for g in groups for m in g[1:]]
    chosen += rest[: max(0, 8 - len(chosen))]
    order = list(QUESTIONS.values())
    return sorted(chosen, key=lambda m: order.index(m["question"]))


def missing_sections(diag: Any) -> list[str]:
    """What the diagnosis lacks for want of a file, and which file would add it."""
    out = []
    if diag.impact_publie is None:
        out.append("Sans fichier des salariés en parcours, le diagnostic ne montre ni où vivent "
                   "les salariés, ni leur poids dans le chômage, ni leur profil (sexe, âge, "
                   "formation, publics, sorties) : ajoutez le fichier des salariés (modèle "
                   "« modele_salaries.csv ») pour ces sections.")
    if diag.prospects is None or not len(diag.prospects):
        out.append("Sans fichier d'établissements SIRENE, la liste des entreprises à démarcher "
                   "près de la structure manque : ajoutez un extrait SIRENE des communes "
                   "voisines pour la prospection.")
    return out


def reference_chart(frame: pd.DataFrame) -> Any:
    """Small horizontal bars: each key figure of :data:`CHART_ROWS` for the territory and its
    references (a matplotlib Figure; missing values are left out and said)."""
    from matplotlib.figure import Figure

    rows = [(label, figure_row(frame, prefix)) for prefix, label in CHART_ROWS]
    rows = [(label, r) for label, r in rows if r is not None and r.notna().any()]
    fig = Figure(figsize=(6.85, 1.75), dpi=100)
    axes = fig.subplots(1, len(rows), squeeze=False)[0, :] if rows else []
    colors = ["#253494", "#41b6c4", "#7fcdbb", "#c7e9b4"]
    for i, (ax, (label, row)) in enumerate(zip(axes, rows, strict=False)):
        names = [str(k).split(" : ")[-1].replace("France métropolitaine", "France")
                 for k in row.index]
        values = row.to_numpy(dtype=float)
        y = np.arange(len(values))[::-1]
        ax.barh(y, np.nan_to_num(values), color=colors[: len(values)], height=0.7)
        top = np.nanmax(values)
        for yi, v in zip(y, values, strict=True):
            text = fr.MISSING if np.isnan(v) else fr.number(v, 0 if top >= 20 else 1)
            ax.text((0 if np.isnan(v) else v) + top * 0.02, yi, text, va="center", fontsize=7)
        ax.set_yticks(y, names if i == 0 else [""] * len(names), fontsize=7)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, top * 1.35)
        ax.set_xticks([])
        ax.set_title(label, fontsize=7, loc="left", fontweight="bold")
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
    fig.tight_layout(w_pad=1.0)
    return fig


def chart_item(frame: pd.DataFrame) -> MapItem | None:
    """The chart of the key figures against the references, as an atlas figure."""
    rows = [figure_row(frame, prefix) for prefix, _ in CHART_ROWS]
    if not any(r is not None and r.notna().any() for r in rows):
        return None
    src = sorted({str(s) for s in frame["source"].dropna()
                  if any(str(i).startswith(p) for p, _ in CHART_ROWS
                         for i in frame.loc[frame["source"] == s, "indicateur"])})
    meta = Indicator(label="Chiffres clés comparés", unit="voir chaque graphique",
                     source=" ; ".join(src))
    return MapItem(
        name="synthese_chiffres_cles",
        title="Le territoire et ses références",
        figure=lambda: reference_chart(frame),
        comment="Valeurs du tableau « Chiffres clés » ; « n.d. » : non disponible à ce niveau.",
        meta=[meta],
    )


def synthesis_items(diag: Any) -> list:
    """The first items of the synthèse: missing sections, key messages, reference chart."""
    items: list = [Paragraph(text, kind="alerte") for text in missing_sections(diag)]
    messages = key_messages(diag)
    if messages:
        items.append(KeyMessages(messages))
    chart = chart_item(diag.chiffres_cles)
    if chart is not None:
        items.append(chart)
    return items


def structure_text(diag: Any) -> str:
    """« Association Intermédiaire (AI, SIRET …) est implantée à Avranches (50025), zone
    d'emploi d'Avranches, … »."""
    s = diag.structure
    return (f"{display_name(s['nom'])} ({s['type_siae']}, SIRET {s['siret']}) est implantée "
            f"à {s['commune']} ({s['code_commune']}), zone d'emploi {fr.de(s['ze_nom'])}, "
            f"{s['epci_nom']}.")


def territory_messages(atlas: Any) -> list[dict]:
    """The key messages of a territory atlas: the actors and their weight (per intercommunalité
    too) and where the coverage is weak (the businesses and skills are in each diagnosis)."""
    out = []
    cc = atlas.chiffres_cles
    per = figure_row(cc, "Capacité pour 1 000")
    types = atlas.par_type
    n = int(types["structures"].sum())
    if per is not None and not fr.is_missing(per.iloc[0]):
        detail = ", ".join(f"{int(r.structures)} {r.type_siae}"
                           for r in types.itertuples(index=False))
        out.append(_message(
            "acteurs", f"{fr.number(per.iloc[0], 0)} pour 1 000",
            f"{fr.integer(n)} SIAE ({detail}), capacité ≈ "
            f"{fr.number(types['capacite'].sum(), 0)} salariés en insertion : ≈ "
            f"{fr.number(per.iloc[0], 0)} pour 1 000 demandeurs d'emploi"
            f"{comparison_text(per, 0)}.",
        ))
    ep = atlas.epci
    if len(ep):
        empty = ep[ep["n_siae"].fillna(0) == 0]
        col = "capacite_pour_1000_demandeurs"
        text = (f"{len(empty)} intercommunalité{'s' if len(empty) > 1 else ''} sur {len(ep)} "
                "sans aucune SIAE implantée")
        served = ep[(ep["n_siae"].fillna(0) > 0) & ep[col].notna()].sort_values(col) \
            if col in ep.columns else ep.iloc[0:0]
        if len(served):
            low = served.iloc[0]
            text += (f" ; la moins dotée des autres : {low['nom']} (≈ "
                     f"{fr.number(low[col], 0)} pour 1 000 demandeurs d'emploi)")
        out.append(_message("acteurs", f"{len(empty)} / {len(ep)} EPCI", text + "."))
    communes = atlas.communes
    if "classe" in communes.columns and len(communes):
        low = communes[communes["classe"] == LOW_ACCESS].sort_values(
            "demande", ascending=False)
        total = communes["demande"].sum()
        share = 100 * low["demande"].sum() / total if total else np.nan
        text = (f"{fr.integer(len(low))} communes sur {fr.integer(len(communes))} à "
                f"l'accessibilité faible au regard du besoin, où vivent ≈ "
                f"{fr.number(low['demande'].sum(), 0)} chômeurs ({fr.number(share, 0)} % de ceux "
                "du territoire)")
        if len(low):
            text += f", dont {low.iloc[0]['nom']} (≈ {fr.number(low.iloc[0]['demande'], 0)})"
        out.append(_message("couverture", f"{fr.integer(len(low))} communes", text + "."))
    rate = figure_row(cc, "Taux de chômage")
    if rate is not None and not fr.is_missing(rate.iloc[0]):
        out.append(_message(
            "couverture", f"{fr.number(rate.iloc[0], 1)} %",
            f"Taux de chômage des 15-64 ans (recensement 2021) : {fr.number(rate.iloc[0], 1)} %"
            f"{comparison_text(rate, 1, ' %')}.",
        ))
    return out


def territory_synthesis_items(atlas: Any) -> list:
    """The first items of the synthèse of a territory atlas: key messages, reference chart,
    and where the two other Coodiag questions are answered."""
    messages = territory_messages(atlas)
    items: list = [KeyMessages(messages)] if messages else []
    chart = chart_item(atlas.chiffres_cles)
    if chart is not None:
        items.append(chart)
    items.append(Paragraph(
        "Les entreprises qui peuvent avoir besoin des structures et les compétences "
        "disponibles et recherchées (métiers en tension BMO, spécificité sectorielle, profil "
        "des salariés en parcours) sont traitées dans le diagnostic de chaque structure, "
        "qui s'appuie sur ses propres fichiers.", kind="note"))
    return items


def evolution_warning(evolution: Any) -> list[str]:
    """« Points d'attention » line when the section « Évolution 2018-2021 » lacks its data."""
    if evolution is not None and evolution.available:
        return []
    from coodiag.reports.evolution import NOT_AVAILABLE

    note = NOT_AVAILABLE if evolution is None else (evolution.note or NOT_AVAILABLE)
    return [note]
