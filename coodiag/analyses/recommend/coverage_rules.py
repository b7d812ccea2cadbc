"""Préconisations read from the coverage table: low accessibility, high offer, missing types.

Communes are those of the coverage table (:func:`coodiag.analyses.coverage.coverage`), by
class (:data:`~coodiag.analyses.coverage.CLASSES`): a card lists exactly the communes of its
class, with the values of the table.
"""

from __future__ import annotations

import pandas as pd

from coodiag import fr
from coodiag.analyses.coverage import CLASSES
from coodiag.analyses.recommend.actions import TERRITOIRE, action_text, with_article
from coodiag.analyses.recommend.cards import (
    Params,
    Recommendation,
    cut,
    dist_cols,
    far,
    km_text,
    need_word,
    num,
    plural,
    upper_first,
)
from coodiag.fr import NBSP


def low_access(df: pd.DataFrame, p: Params) -> list[Recommendation]:
    """Communes of class CLASSES[0]: one card listing them all (largest demand first)."""
    if not {"classe", "code"}.issubset(df.columns):
        return []
    rows = df.loc[df["classe"] == CLASSES[0]]
    if rows.empty:
        return []
    if "demande" in rows.columns:
        rows = rows.sort_values(["demande", "code"], ascending=[False, True])
    who = need_word(df)
    flag = next((c for c in ("besoin_estime", "demande_estimee") if c in rows.columns), None)
    estimated = rows[flag].fillna(False).astype(bool) if flag else None
    communes, items = [], []
    for i, row in enumerate(rows.itertuples(index=False)):
        c = {
            "code": row.code,
            "nom": getattr(row, "nom", None),
            "demande": num(getattr(row, "demande", None), 0),
            "besoin": num(getattr(row, "besoin", None), 1),
            "offre": num(getattr(row, "offre", None), 1),
        }
        if estimated is not None:
            c["estime"] = bool(estimated.iloc[i])
        communes.append(c)
        if i < p.max_listed:
            approx = "≈ " if c.get("estime") else ""
            items.append(
                f"{c['nom']} ({c['code']}{NBSP}; {approx}{fr.number(c['demande'], 0)} {who}, "
                f"besoin {fr.number(c['besoin'], 1)}, offre {fr.number(c['offre'], 1)})"
            )
    n = len(communes)
    absent: dict[str, int] = {}
    for ty, col in dist_cols(df, p.types).items():
        k = int(sum(far(d, p.km) for d in rows[col]))
        if k:
            absent[ty] = k
    fields = {}
    if p.aud == TERRITOIRE and absent:
        fields["types"] = f" (types absents à moins de {km_text(p.km)}{NBSP}: " + ", ".join(
            f"{ty} pour {plural(k, 'commune')}" for ty, k in absent.items()
        ) + ")"
    action = action_text("rapprocher", p.aud, **fields)
    where = "voir le tableau de couverture"
    return [
        Recommendation(
            theme="Territoire non couvert",
            texte=f"{plural(n, 'commune')} où l'accessibilité à l'offre d'insertion est faible "
            "au regard du besoin",
            liste=cut(items, n, where),
            a_envisager=action,
            raison=f"Classe de couverture « {CLASSES[0]} » (carte et tableau de la couverture) "
            f"; besoin{NBSP}: {who} pour 1 000 habitants ; offre{NBSP}: salariés en insertion "
            f"accessibles (2SFCA) pour 1 000 {who}"
            + (f" ; «{NBSP}≈{NBSP}»{NBSP}: besoin estimé (chômeurs du recensement indisponibles)."
               if any(c.get("estime") for c in communes) else "."),
            chiffres={
                "classe": CLASSES[0],
                "n_communes": n,
                "communes": communes,
                "types_absents": absent,
            },
            priorite=1,
            regle="acces_faible",
            actions=["rapprocher"],
        )
    ]


def high_offer(df: pd.DataFrame, p: Params) -> list[Recommendation]:
    """Communes of class CLASSES[1]: one card (redeploy towards CLASSES[0], or mutualise)."""
    if not {"classe", "code"}.issubset(df.columns):
        return []
    rows = df.loc[df["classe"] == CLASSES[1]]
    if rows.empty:
        return []
    if "offre" in rows.columns:
        rows = rows.sort_values(["offre", "code"], ascending=[False, True])
    communes, items = [], []
    for i, row in enumerate(rows.itertuples(index=False)):
        c = {
            "code": row.code,
            "nom": getattr(row, "nom", None),
            "besoin": num(getattr(row, "besoin", None), 1),
            "offre": num(getattr(row, "offre", None), 1),
        }
        communes.append(c)
        if i < p.max_listed:
            items.append(
                f"{c['nom']} ({c['code']}{NBSP}; offre {fr.number(c['offre'], 1)}, besoin "
                f"{fr.number(c['besoin'], 1)})"
            )
    n = len(communes)
    key = "redeployer" if (df["classe"] == CLASSES[0]).any() else "mutualiser"
    who = need_word(df)
    return [
        Recommendation(
            theme="Redéploiement et mutualisation",
            texte=f"{plural(n, 'commune')} où l'offre d'insertion est élevée au regard du "
            "besoin",
            liste=cut(items, n, "voir le tableau de couverture"),
            a_envisager=action_text(key, p.aud),
            raison=f"Classe de couverture « {CLASSES[1]} » ; offre{NBSP}: salariés en insertion "
            f"accessibles pour 1 000 {who} ; besoin{NBSP}: {who} pour 1 000 habitants.",
            chiffres={"classe": CLASSES[1], "n_communes": n, "communes": communes},
            priorite=2,
            regle="offre_elevee",
            actions=[key],
        )
    ]


def missing_nearby(df: pd.DataFrame, p: Params) -> list[Recommendation]:
    """Communes of high need (national decile) with no structure of a type within the radius."""
    cols = dist_cols(df, p.types)
    if "decile_besoin" not in df.columns or not cols:
        return []
    dec = pd.to_numeric(df["decile_besoin"], errors="coerce")
    high = df.loc[dec >= p.decile_min].sort_values("code")
    par_type: dict[str, list[dict]] = {}
    for ty, col in cols.items():
        lacking = [
            {
                "code": r["code"],
                "nom": r.get("nom"),
                "decile_besoin": int(r["decile_besoin"]),
                "distance_km": num(r[col], 1),
            }
            for r in high.to_dict("records")
            if far(r[col], p.km)
        ]
        if lacking:
            par_type[ty] = lacking
    if not par_type:
        return []
    parts = []
    for ty, lacking in par_type.items():
        names = [str(c["nom"] or c["code"]) for c in lacking[: p.max_listed]]
        rest = len(lacking) - len(names)
        parts.append(
            f"{ty} à plus de {km_text(p.km)} de {plural(len(lacking), 'commune')} "
            f"({', '.join(names)}"
            + (f" et {plural(rest, 'autre')}" if rest > 0 else "")
            + ")"
        )
    own = [ty for ty in par_type if ty == p.aud]
    others = [ty for ty in par_type if ty != p.aud]
    actions, sentences = [], []
    if p.aud == TERRITOIRE:
        actions.append("implanter")
        sentences.append(action_text("implanter", p.aud, types=with_article(others, de=True)))
    else:
        if own:
            actions.append("rapprocher")
            sentences.append(action_text("rapprocher", p.aud))
        if others:
            actions.append("partenariat")
            sentences.append(action_text("partenariat", p.aud, types=with_article(others)))
    km = km_text(p.km)
    return [
        Recommendation(
            theme="Types de structures absents à proximité",
            texte=f"Communes au besoin élevé (rang décile national ≥ {p.decile_min}) sans "
            f"structure d'un type à moins de {km}",
            liste=parts,
            a_envisager=" ; ".join(sentences),
            raison=f"Rang décile de besoin ≥ {p.decile_min} (tableau de couverture) et "
            f"structure la plus proche du type à plus de {km} (distances du tableau de "
            "couverture).",
            chiffres={
                "decile_min": p.decile_min,
                "distance_km": p.km,
                "par_type": par_type,
            },
            priorite=1 if p.aud == TERRITOIRE else 2,
            regle="types_absents_proximite",
            actions=actions,
        )
    ]


def absent_types(df: pd.DataFrame, p: Params) -> list[Recommendation]:
    """Types with no structure in the territory (``offre_types``: ``type_siae, structures``)."""
    if p.aud != TERRITOIRE or not {"type_siae", "structures"}.issubset(df.columns):
        return []
    present = set(df.loc[pd.to_numeric(df["structures"], errors="coerce") > 0, "type_siae"])
    missing = [ty for ty in p.types if ty not in present]
    if not missing:
        return []
    return [
        Recommendation(
            theme="Types de structures absents",
            texte=f"{upper_first(with_article(missing, negative=True))} dans le territoire",
            a_envisager=action_text("implanter", p.aud, types=with_article(missing, de=True)),
            raison="Aucune structure de ce type dans le tableau de l'offre par type.",
            chiffres={"types_absents": missing},
            priorite=1,
            regle="types_absents",
            actions=["implanter"],
        )
    ]
