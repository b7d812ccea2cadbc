"""Préconisations read from the other results: impact on unemployment, BMO, sectors."""

from __future__ import annotations

import pandas as pd

from coodiag import fr
from coodiag.analyses.recommend.actions import action_text, can
from coodiag.analyses.recommend.cards import Params, Recommendation, cut, num, plural
from coodiag.fr import NBSP
from coodiag.secrecy import format_count


def strong_impact(df: pd.DataFrame, seuil: float, p: Params) -> list[Recommendation]:
    """Communes where the structure's salariés weigh > ``seuil`` % of the unemployed."""
    if not {"impact_pct", "salaries", "code"}.issubset(df.columns) or not can(p.aud, "elus"):
        return []
    imp = pd.to_numeric(df["impact_pct"], errors="coerce")
    sal = pd.to_numeric(df["salaries"], errors="coerce")  # "< 5", "s": secret, left out
    rows = df.assign(_imp=imp.round(2)).loc[(imp > seuil) & (sal >= p.t)]
    if rows.empty:
        return []
    rows = rows.sort_values(["_imp", "code"], ascending=[False, True])
    denom = str(df.attrs.get("denominateur", ""))
    who = "demandeurs d'emploi" if denom.startswith("demandeurs") else "chômeurs"
    communes, items = [], []
    for i, row in enumerate(rows.to_dict("records")):
        u = row.get("chomeurs")
        c = {
            "code": row["code"],
            "nom": row.get("nom"),
            "salaries": float(row["salaries"]),
            "chomeurs": num(u, 0),
            "impact_pct": float(row["_imp"]),
        }
        communes.append(c)
        if i < p.max_listed:
            figures = f"{format_count(c['salaries'], threshold=p.t)} salariés"
            if c["chomeurs"] is not None:
                figures += f", {fr.number(c['chomeurs'], 0)} {who}"
            items.append(
                f"{c['nom']} ({c['code']}{NBSP}; {fr.percent(c['impact_pct'], 2)}{NBSP}; "
                f"{figures})"
            )
    n = len(communes)
    where = "voir le tableau de l'impact"
    return [
        Recommendation(
            theme="Communication auprès des élus",
            texte=f"{plural(n, 'commune')} où les salariés en parcours qui y résident "
            f"représentent plus de {fr.percent(seuil, 0)} des {who}",
            liste=cut(items, n, where),
            a_envisager=action_text("elus", p.aud),
            raison=f"Impact supérieur à {fr.percent(seuil, 0)}{NBSP}: hausse du chômage de la "
            f"commune si la structure s'arrêtait (salariés en parcours / {who} × 100)"
            + (f" ; dénominateur{NBSP}: {denom}" if denom else "")
            + f" ; communes de moins de {p.t} salariés non citées (secret statistique).",
            chiffres={"seuil_pct": seuil, "n_communes": n, "communes": communes},
            priorite=2,
            regle="impact_fort",
            actions=["elus"],
        )
    ]


def tension_occupations(df: pd.DataFrame, p: Params) -> list[Recommendation]:
    """Occupations in tension and close to the structure's activities: one card."""
    if not {"tension", "adequation", "metier_nom", "projets"}.issubset(df.columns):
        return []
    keep = df["tension"].fillna(False).astype(bool) & df["adequation"].fillna(False).astype(bool)
    rows = df.loc[keep].sort_values(["projets", "metier"], ascending=[False, True])
    if rows.empty:
        return []
    bassins = df.attrs.get("bassins", {})
    names = list(bassins.values())
    where = (
        (f"le bassin {names[0]}" if len(names) == 1 else f"les bassins {', '.join(names)}")
        if names
        else "le territoire"
    )
    seuil = df.attrs.get("seuil_tension", 50.0)
    min_p = df.attrs.get("min_projets_tension", 20)
    metiers, items = [], []
    for i, row in enumerate(rows.to_dict("records")):
        m = {
            "metier": row["metier"],
            "metier_nom": row["metier_nom"],
            "projets": num(row["projets"], 0),
            "part_difficiles": num(row.get("part_difficiles"), 1),
            "correspondance": row.get("correspondance"),
        }
        metiers.append(m)
        if i < p.max_listed:
            items.append(
                f"{m['metier_nom']} ({fr.integer(m['projets'])} projets, "
                f"{fr.percent(m['part_difficiles'], 1)} difficiles)"
            )
    n = len(metiers)
    links = sorted({m["correspondance"] for m in metiers if isinstance(m["correspondance"], str)})
    return [
        Recommendation(
            theme="Formation et placement",
            texte=f"{plural(n, 'métier')} en tension dans {where} et proche"
            f"{'s' if n > 1 else ''} des activités de la structure (projets de recrutement "
            "2024)",
            liste=cut(items, n, "voir le tableau des métiers"),
            a_envisager=action_text("metiers", p.aud),
            raison=f"Part des projets difficiles ≥ {fr.percent(seuil, 0)} et au moins {min_p} "
            "projets (BMO 2024, France Travail)"
            + (f" ; lien avec la structure{NBSP}: {', '.join(links)}." if links else "."),
            chiffres={"bassins": list(bassins), "n_metiers": n, "metiers": metiers},
            priorite=1,
            regle="metiers_en_tension",
            actions=["metiers"],
        )
    ]


def over_represented(df: pd.DataFrame, seuil: float, min_n: int, p: Params) -> list[Recommendation]:
    """Sectors over-represented in the territory (location quotient): one card."""
    if not {"indice", "n", "part", "part_ref", "secteur"}.issubset(df.columns):
        return []
    unit = df.attrs.get("unite_n", "établissements")
    counts = unit == "établissements"
    keep = pd.to_numeric(df["indice"], errors="coerce") >= seuil
    if counts:
        keep &= pd.to_numeric(df["n"], errors="coerce") >= min_n
    rows = df.loc[keep].sort_values(["indice", "secteur"], ascending=[False, True])
    if rows.empty:
        return []
    ref = df.attrs.get("reference", "la référence")
    vintage = f", {df.attrs['millesime']}" if df.attrs.get("millesime") else ""
    secteurs, items = [], []
    for row in rows.to_dict("records"):
        label = row.get("libelle") or row["secteur"]
        s = {
            "secteur": row["secteur"],
            "libelle": label,
            "indice": round(float(row["indice"]), 2),
            "n": float(row["n"]),
            "part": round(float(row["part"]), 1),
            "part_ref": round(float(row["part_ref"]), 1),
        }
        secteurs.append(s)
        shares = f"{fr.percent(s['part'])} contre {fr.percent(s['part_ref'])}"
        items.append(
            f"{label} (indice {fr.number(s['indice'], 2)}{NBSP}; "
            + (f"{fr.integer(s['n'])} établissements, {shares})" if counts
               else f"{shares} de l'emploi)")
        )
    n = len(secteurs)
    return [
        Recommendation(
            theme="Prospection des entreprises",
            texte=f"{plural(n, 'secteur')} surreprésenté{'s' if n > 1 else ''} dans le "
            f"territoire (référence{NBSP}: {ref}{vintage})",
            liste=items,
            a_envisager=action_text("prospecter", p.aud),
            raison=f"Indice de spécificité ≥ {fr.number(seuil, 1)}"
            + (f" et au moins {min_n} établissements." if counts else "."),
            chiffres={"reference": ref, "secteurs": secteurs},
            priorite=3,
            regle="secteurs_surrepresentes",
            actions=["prospecter"],
        )
    ]
