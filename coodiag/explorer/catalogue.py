"""The indicators offered in the side panel: grouped by theme, and only those that exist at the
chosen map level over the chosen territory (the others are listed apart with the reason).

A zone-level indicator exists only on the zone map; a commune rate is not summed to an EPCI
or a zone (only counts are); an indicator with no value over the territory's units (e.g. the
census unemployed, Normandie and Île-de-France only, in PACA) is not drawn as an empty map.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from coodiag import levels
from coodiag.base.indicators import Indicator
from coodiag.explorer import data
from coodiag.explorer.mapview import ADDITIVE_UNITS

#: Theme -> pattern on the indicator key (first match wins; the offer is its own theme).
THEMES = {
    "Offre d'insertion (SIAE)": None,
    "Emploi, chômage et activité": r"chom|act1564|emp|^de_|eco_|soc_",
    "Revenus et pauvreté": r"med21|tp60|pimp|menfisc|^rev_",
    "Population et âges": r"pop|part_\d|part_75|part_80|seul|dens|dmv_|^dm_|superf|men_mono"
                          r"|part_men|p\d\d_men",
    "Logement": r"log|_rp$|hlm",
    "Catégories sociales et diplômes": r"csp|dipl",
    "Établissements (Sirene)": r"^et",
}
OTHER = "Autres indicateurs"
#: Units never drawn (text columns of the catalogue).
HIDDEN_UNITS = {"texte"}
#: Offer indicator -> the commune column of its denominator.
OFFER_DENOMINATORS = {"capacite_pour_1000_chomeurs": "p21_chom1564",
                      "capacite_pour_1000_demandeurs": "de_2024"}


def theme_of(ind: Indicator) -> str:
    if ind.table == "offre":
        return next(iter(THEMES))
    for theme, pattern in THEMES.items():
        if pattern and re.search(pattern, ind.key):
            return theme
    return OTHER


def _share(values: pd.Series) -> float:
    return float(values.notna().mean()) if len(values) else 0.0


def reason_unavailable(ind: Indicator, level: str, communes: pd.DataFrame) -> str:
    """Why ``ind`` cannot be drawn at ``level`` (base table) over the territory ``communes``
    (``""``: it can)."""
    b = data.base()
    codes = communes["code"]
    if ind.unit in HIDDEN_UNITS:
        return "texte, pas une valeur à cartographier"
    if ind.table == "offre":
        den = OFFER_DENOMINATORS.get(ind.key)
        if den and _share(b["ind"].set_index("code")[den].reindex(codes)) == 0:
            return "dénominateur inconnu sur ce territoire"
        return ""
    if ind.table == "indicateurs_zones_emploi":
        if level != levels.ZONE_EMPLOI.table:
            return "publié par zone d'emploi : choisissez le niveau « Zones d'emploi »"
        zes = set(communes[levels.ZONE_EMPLOI.code].dropna())
        ze = b["ze_ind"].set_index("code")
        if _share(ze[ind.key].reindex(sorted(zes))) == 0:
            return "aucune valeur pour les zones d'emploi de ce territoire"
        return ""
    if level != levels.COMMUNE.table and ind.unit not in ADDITIVE_UNITS:
        return "taux publié par commune (il ne s'additionne pas) : niveau « Communes »"
    if _share(b["ind"].set_index("code")[ind.key].reindex(codes)) == 0:
        return "aucune valeur pour les communes de ce territoire"
    return ""


@st.cache_data(show_spinner=False, max_entries=64)
def offered(prefix: str, code: str, level: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``(theme -> specs offered, spec -> reason)`` for the territory and the map level."""
    communes = data.territory_communes(prefix, code)
    groups: dict[str, list[str]] = {}
    missing: dict[str, str] = {}
    for spec, ind in data.base()["indicators"].items():
        reason = reason_unavailable(ind, level, communes)
        if reason:
            missing[spec] = reason
        else:
            groups.setdefault(theme_of(ind), []).append(spec)
    order = [*THEMES, OTHER]
    return {t: groups[t] for t in order if t in groups}, missing


def label(spec: str) -> str:
    """Full label, unit and vintage (the theme is chosen above it)."""
    ind = data.base()["indicators"][spec]
    vintage = f", {ind.vintage}" if ind.vintage else ""
    where = " — par zone d'emploi" if ind.table == "indicateurs_zones_emploi" else ""
    return f"{ind.label} ({ind.unit}{vintage}){where}"
