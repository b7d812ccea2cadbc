"""Rule-based préconisations computed from the results of the other analyses.

Each :class:`Recommendation` states what to consider (``texte``), why (``raison``: the rule and
its threshold) and the figures it rests on (``chiffres``). Texts are assembled only from those
figures and fixed sentences: nothing is invented, and a rule without its input table is
silently skipped. French typography: no-break space before ":" and "%", thousands separated
by a narrow no-break space (:mod:`coodiag.fr`); counts of people go through
:func:`coodiag.secrecy.format_count` ("< 5" under the secrecy threshold).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from coodiag import fr
from coodiag.fr import NBSP
from coodiag.secrecy import format_count, get_threshold

#: Default thresholds of the rules (see :func:`recommend`).
DECILE_MIN = 9
DISTANCE_KM = 20.0
TYPES_SIAE = ("ACI", "AI", "EI", "ETTI")
SEUIL_IMPACT_PCT = 10.0
SEUIL_INDICE = 1.2
MIN_ETABLISSEMENTS = 20
MAX_PAR_REGLE = 10

PRIORITES = {1: "haute", 2: "moyenne", 3: "basse"}


@dataclass
class Recommendation:
    """One préconisation: theme, text, reason, the figures it rests on, priority (1 = high)."""

    theme: str
    texte: str
    raison: str
    chiffres: dict[str, Any] = field(default_factory=dict)
    priorite: int = 2
    regle: str = ""


# --------------------------------------------------------------------------- formatting
# Numbers go through coodiag.fr; counts of projects and establishments (fr.integer) are not
# counts of people, so they are never masked by the secrecy threshold.


def _km(x: float) -> str:
    """A distance as given (``20`` -> « 20 km », ``27.3`` -> « 27,3 km »): no forced decimal."""
    return f"{fr.general(x, 'g')}{NBSP}km"


def _nom(row: Any) -> str:
    nom = getattr(row, "nom", None)
    code = getattr(row, "code", None)
    if isinstance(nom, str) and nom:
        return f"{nom} ({code})" if code is not None else nom
    return str(code)


def _tables(results: Mapping[str, pd.DataFrame], prefix: str) -> Iterator[pd.DataFrame]:
    for key, df in results.items():
        if (key == prefix or key.startswith(prefix + "_")) and isinstance(df, pd.DataFrame):
            yield df


def _need_column(df: pd.DataFrame) -> tuple[str, str] | None:
    if "chomeurs" in df.columns:
        return "chomeurs", "chômeurs"
    if "demandeurs" in df.columns:
        return "demandeurs", "demandeurs d'emploi"
    return None


def _isnum(x: Any) -> bool:
    return x is not None and x is not pd.NA and not (isinstance(x, float) and math.isnan(x))


# --------------------------------------------------------------------------- rules


def _r1_besoin_non_couvert(
    df: pd.DataFrame, decile_min: int, km: float, types: Sequence[str], cap: int, t: int
) -> list[Recommendation]:
    need = _need_column(df)
    if "decile_besoin" not in df.columns:
        return []
    cols = {ty: f"dist_{ty}_km" for ty in types if f"dist_{ty}_km" in df.columns}
    if not cols:
        return []
    cand = df.loc[pd.to_numeric(df["decile_besoin"], errors="coerce") >= decile_min]
    if need is not None:
        cand = cand.sort_values(need[0], ascending=False, na_position="last")
    out = []
    for row in cand.itertuples(index=False):
        dists = {ty: getattr(row, col) for ty, col in cols.items()}
        missing = [ty for ty, d in dists.items() if not _isnum(d) or float(d) > km]
        if not missing:
            continue
        figures = f"rang décile {int(row.decile_besoin)}"
        chiffres: dict[str, Any] = {
            "code": row.code,
            "nom": getattr(row, "nom", None),
            "decile_besoin": int(row.decile_besoin),
        }
        if need is not None:
            n = getattr(row, need[0])
            figures += f", {format_count(n, threshold=t)} {need[1]}"
            chiffres[need[0]] = None if not _isnum(n) else float(n)
        chiffres["distances_km"] = {
            ty: (round(float(d), 1) if _isnum(d) else None) for ty, d in dists.items()
        }
        detail = " ; ".join(
            f"{ty} la plus proche à {_km(round(float(d), 1))}" if _isnum(d) else f"aucune {ty}"
            for ty, d in dists.items()
            if ty in missing
        )
        out.append(
            Recommendation(
                theme="Territoire non couvert",
                texte=f"{_nom(row)} — besoin élevé ({figures}) et aucune "
                f"{' ni '.join(missing)} à moins de {_km(km)}{NBSP}: étudier une implantation "
                "ou une antenne.",
                raison=f"Rang décile de besoin ≥ {decile_min} et pas de structure de ce type à "
                f"moins de {_km(km)} ({detail}).",
                chiffres=chiffres,
                priorite=1,
                regle="besoin_non_couvert",
            )
        )
        if len(out) >= cap:
            break
    return out


def _r2_offre_sans_besoin(df: pd.DataFrame, cap: int, t: int) -> list[Recommendation]:
    if "classe_couverture" not in df.columns:
        return []
    need = _need_column(df)
    cand = df.loc[df["classe_couverture"] == "offre sans besoin"]
    if "decile_besoin" in cand.columns:
        cand = cand.sort_values("decile_besoin", na_position="last", kind="stable")
    out = []
    for row in cand.head(cap).itertuples(index=False):
        parts = []
        chiffres: dict[str, Any] = {"code": row.code, "nom": getattr(row, "nom", None)}
        dec = getattr(row, "decile_besoin", None)
        if _isnum(dec):
            parts.append(f"rang décile {int(dec)}")
            chiffres["decile_besoin"] = int(dec)
        if need is not None:
            n = getattr(row, need[0])
            parts.append(f"{format_count(n, threshold=t)} {need[1]}")
            chiffres[need[0]] = None if not _isnum(n) else float(n)
        figures = f" ({', '.join(parts)})" if parts else ""
        out.append(
            Recommendation(
                theme="Redéploiement et mutualisation",
                texte=f"{_nom(row)} — offre d'insertion présente mais besoin faible{figures}"
                f"{NBSP}: envisager de redéployer une partie des postes vers les communes à "
                "besoin non couvert, ou de mutualiser avec les structures voisines.",
                raison="Classe de couverture « offre sans besoin ».",
                chiffres=chiffres,
                priorite=2,
                regle="offre_sans_besoin",
            )
        )
    return out


def _r3_impact(df: pd.DataFrame, seuil: float, cap: int, t: int) -> list[Recommendation]:
    if not {"impact_pct", "salaries"}.issubset(df.columns):
        return []
    imp = pd.to_numeric(df["impact_pct"], errors="coerce")
    sal = pd.to_numeric(df["salaries"], errors="coerce")
    keep = (imp > seuil) & (sal >= t)
    cand = df.assign(impact_=imp).loc[keep].sort_values("impact_", ascending=False)
    denom = df.attrs.get("denominateur", "")
    who = "demandeurs d'emploi" if denom.startswith("demandeurs") else "chômeurs"
    out = []
    for row in cand.head(cap).itertuples(index=False):
        u = getattr(row, "chomeurs", None)
        figures = f"{format_count(row.salaries, threshold=t)} salariés"
        if _isnum(u):
            figures += f", {format_count(u, threshold=t)} {who}"
        out.append(
            Recommendation(
                theme="Communication auprès des élus",
                texte=f"{_nom(row)} — les salariés en parcours qui y résident représentent "
                f"{fr.percent(row.impact_)} des {who} ({figures}){NBSP}: à mettre en avant "
                "auprès des élus de la commune.",
                raison=f"Impact supérieur à {fr.percent(seuil, 0)}{NBSP}: hausse du chômage de la "
                "commune si la structure s'arrêtait (salariés en parcours / "
                f"{who} × 100){'' if not denom else f' ; dénominateur{NBSP}: {denom}'}.",
                chiffres={
                    "code": row.code,
                    "nom": getattr(row, "nom", None),
                    "salaries": float(row.salaries),
                    "chomeurs": None if not _isnum(u) else float(u),
                    "impact_pct": round(float(row.impact_), 1),
                },
                priorite=2,
                regle="impact_fort",
            )
        )
    return out


def _r4_tension(df: pd.DataFrame, cap: int) -> list[Recommendation]:
    if not {"tension", "adequation", "metier_nom", "projets"}.issubset(df.columns):
        return []
    cand = df.loc[df["tension"].fillna(False).astype(bool) & df["adequation"].astype(bool)]
    cand = cand.sort_values("projets", ascending=False, na_position="last", kind="stable")
    bassins = df.attrs.get("bassins", {})
    names = list(bassins.values())
    where = (
        (f"le bassin {names[0]}" if len(names) == 1 else f"les bassins {', '.join(names)}")
        if names
        else "le territoire"
    )
    seuil = df.attrs.get("seuil_tension", 50.0)
    min_p = df.attrs.get("min_projets_tension", 20)
    out = []
    for row in cand.head(cap).itertuples(index=False):
        lien = getattr(row, "correspondance", None)
        out.append(
            Recommendation(
                theme="Formation et placement",
                texte=f"{row.metier_nom} — métier en tension dans {where} "
                f"({fr.integer(row.projets)} projets de recrutement en 2024, dont "
                f"{fr.percent(row.part_difficiles, 0)} jugés difficiles) et en lien avec les "
                f"activités de la structure{NBSP}: le cibler pour la formation et le placement des "
                "salariés en parcours.",
                raison=f"Part des projets difficiles ≥ {fr.percent(seuil, 0)} et au moins "
                f"{min_p} projets (BMO 2024, France Travail)"
                + (f" ; lien avec la structure{NBSP}: {lien}." if isinstance(lien, str) else "."),
                chiffres={
                    "metier": row.metier,
                    "metier_nom": row.metier_nom,
                    "projets": float(row.projets),
                    "part_difficiles": round(float(row.part_difficiles), 1),
                    "bassins": list(bassins),
                },
                priorite=1,
                regle="metier_en_tension",
            )
        )
    return out


def _r5_secteurs(df: pd.DataFrame, seuil: float, min_n: int, cap: int) -> list[Recommendation]:
    if not {"indice", "n", "part", "part_ref"}.issubset(df.columns):
        return []
    unit = df.attrs.get("unite_n", "établissements")
    counts = unit == "établissements"
    keep = pd.to_numeric(df["indice"], errors="coerce") >= seuil
    if counts:
        keep &= pd.to_numeric(df["n"], errors="coerce") >= min_n
    cand = df.loc[keep].sort_values("indice", ascending=False)
    ref = df.attrs.get("reference", "la référence")
    out = []
    for row in cand.head(cap).itertuples(index=False):
        label = getattr(row, "libelle", None) or row.secteur
        if counts:
            figures = (
                f"{fr.integer(row.n)} établissements, {fr.percent(row.part)} "
                f"contre {fr.percent(row.part_ref)}"
            ) + (f", {df.attrs['millesime']}" if df.attrs.get("millesime") else "")
        else:
            figures = f"{fr.percent(row.part)} de l'emploi contre {fr.percent(row.part_ref)}"
        out.append(
            Recommendation(
                theme="Prospection des entreprises",
                texte=f"{label} — secteur surreprésenté (indice de spécificité "
                f"{fr.number(row.indice, 2)} ; {figures} ; référence{NBSP}: {ref}){NBSP}: "
                "prospecter les entreprises de ce secteur (recrutement, clauses sociales, achats "
                "responsables).",
                raison=f"Indice de spécificité ≥ {fr.number(seuil, 1)}"
                + (f" et au moins {min_n} établissements." if counts else "."),
                chiffres={
                    "secteur": row.secteur,
                    "libelle": label,
                    "indice": round(float(row.indice), 2),
                    "n": float(row.n),
                    "part": round(float(row.part), 1),
                    "part_ref": round(float(row.part_ref), 1),
                    "reference": ref,
                },
                priorite=3,
                regle="secteur_surrepresente",
            )
        )
    return out


# --------------------------------------------------------------------------- entry point


def recommend(
    results: Mapping[str, pd.DataFrame],
    *,
    decile_min: int = DECILE_MIN,
    distance_km: float = DISTANCE_KM,
    types: Sequence[str] = TYPES_SIAE,
    seuil_impact_pct: float = SEUIL_IMPACT_PCT,
    seuil_indice: float = SEUIL_INDICE,
    min_etablissements: int = MIN_ETABLISSEMENTS,
    max_par_regle: int = MAX_PAR_REGLE,
    threshold: int | None = None,
) -> list[Recommendation]:
    """Préconisations from the results of the analyses, sorted by priority then rule.

    ``results`` maps names to tables; a key is read by its prefix (``"bmo"``, ``"bmo_sud"``...):

    - ``couverture``: commune/zone table ``code, nom, chomeurs`` (or ``demandeurs``),
      ``decile_besoin``, ``dist_ACI_km, dist_AI_km, dist_EI_km, dist_ETTI_km`` (NaN: no structure
      of that type), ``classe_couverture``;
    - ``impact``: :func:`coodiag.analyses.impact.impact_communes` (``code, nom, salaries,
      chomeurs, impact_pct``);
    - ``bmo``: :func:`coodiag.analyses.occupations.bmo_profile`;
    - ``specificite``: a location quotient table (:mod:`coodiag.analyses.specificity`).

    Rules (thresholds are parameters; at most ``max_par_regle`` = 10 recommendations each):

    ====================  ============  ===========================================  ========
    rule (``regle``)      input         condition                                    priority
    ====================  ============  ===========================================  ========
    besoin_non_couvert    couverture    ``decile_besoin ≥ decile_min`` (9) and, for  1
                                        at least one type of ``types``, no
                                        structure within ``distance_km`` (20 km):
                                        "étudier une implantation ou une antenne";
                                        largest counts of unemployed first
    offre_sans_besoin     couverture    ``classe_couverture == "offre sans           2
                                        besoin"``: redeploy part of the postes or
                                        mutualise; lowest decile first
    impact_fort           impact        ``impact_pct > seuil_impact_pct`` (10 %)     2
                                        and salariés ≥ the secrecy threshold (a
                                        share of a secret count would reveal it):
                                        highlight to the commune's elected officials
    metier_en_tension     bmo           ``tension`` and ``adequation`` (a métier en  1
                                        tension matching the SIAE's activities):
                                        target it for training and placement; most
                                        hiring projects first
    secteur_surrepresente specificite   ``indice ≥ seuil_indice`` (1.2) and, for     3
                                        establishment counts, ``n ≥
                                        min_etablissements`` (20): prospect firms of
                                        the sector
    ====================  ============  ===========================================  ========

    ``threshold``: the statistical secrecy threshold (default: :mod:`coodiag.secrecy`'s).
    """
    t = get_threshold(threshold)
    recos: list[Recommendation] = []
    for df in _tables(results, "couverture"):
        recos += _r1_besoin_non_couvert(df, decile_min, distance_km, types, max_par_regle, t)
        recos += _r2_offre_sans_besoin(df, max_par_regle, t)
    for df in _tables(results, "impact"):
        recos += _r3_impact(df, seuil_impact_pct, max_par_regle, t)
    for df in _tables(results, "bmo"):
        recos += _r4_tension(df, max_par_regle)
    for df in _tables(results, "specificite"):
        recos += _r5_secteurs(df, seuil_indice, min_etablissements, max_par_regle)
    return sorted(recos, key=lambda r: r.priorite)  # stable: rule order kept within a priority


def to_frame(recos: Sequence[Recommendation]) -> pd.DataFrame:
    """The préconisations as a table for export (French column labels)."""
    return pd.DataFrame(
        {
            "Priorité": [PRIORITES.get(r.priorite, str(r.priorite)) for r in recos],
            "Thème": [r.theme for r in recos],
            "Préconisation": [r.texte for r in recos],
            "Raison": [r.raison for r in recos],
        }
    )
