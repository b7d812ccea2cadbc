"""The insertion offer of a territory: capacity of each SIAE and weight of the offer per unit.

Pure functions on the SIAE registry of the base (:mod:`coodiag.base.registry`):

- :func:`apply_capacity`: the capacity of each structure, from the user's file where given, else
  the DARES national average of its type (flagged as an estimate);
- :func:`offer_by_territory`: structures and capacity per commune, EPCI, zone d'emploi,
  département or région, per 1,000 of each :func:`denominators` (unemployed, 15-64, job seekers);
- :func:`attach_reseaux`: the réseaux each structure belongs to (user's membership file).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from coodiag import levels
from coodiag.base.indicator_specs import JOB_SEEKERS
from coodiag.base.registry import TYPES

#: DARES, situation at 31/12/2019, France: (structures, salariés en insertion) per type.
DARES_2019 = {"ACI": (1907, 52800), "EI": (981, 15800), "AI": (655, 51800), "ETTI": (300, 13900)}
DARES_SOURCE = "DARES, l'insertion par l'activité économique en 2019 (situation au 31/12/2019)"


def estimated_capacity(types: pd.Series) -> pd.Series:
    """Salariés en insertion per structure, national average of its type (DARES 31/12/2019).

    ``capacity = salariés of the type / structures of the type`` (ACI 52,800 / 1,907 = 27.7;
    EI 15,800 / 981 = 16.1; AI 51,800 / 655 = 79.1; ETTI 13,900 / 300 = 46.3). Unit: salariés
    en insertion present on a date. NaN for types DARES does not publish (GEIQ, EITI).
    """
    per_type = {t: salaries / structures for t, (structures, salaries) in DARES_2019.items()}
    return types.map(per_type).astype("float64")


def apply_capacity(registry: pd.DataFrame, user: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add ``capacite`` (salariés), ``etp``, ``postes``, ``capacite_estimee``, ``capacite_source``.

    ``user`` (from the capacity import: ``siret, etp, postes, salaries``, optionally
    ``annee``: only the latest year of each SIAE counts) wins where given:
    ``capacite`` is then the user's salariés, else their ETP, else their postes; structures
    absent from it get the DARES national average of their type, flagged as an estimate.
    """
    out = registry.copy()
    est = estimated_capacity(out["type_siae"])
    out["capacite"] = est
    out["etp"] = np.nan
    out["postes"] = np.nan
    out["capacite_estimee"] = est.notna()
    out["capacite_source"] = pd.Series(
        np.where(est.notna(), f"estimation : moyenne nationale du type ({DARES_SOURCE})", None),
        index=out.index,
        dtype="string",
    )
    if user is not None and len(user):
        cols = ["etp", "postes", "salaries"]
        if "annee" in user.columns:  # several years of a SIAE are never summed: the latest
            year = pd.to_numeric(user["annee"], errors="coerce")
            top = year.groupby(user["siret"]).transform("max")
            user = user[top.isna() | (year == top)]
        numeric = user[cols].apply(pd.to_numeric, errors="coerce").astype("float64")
        u = numeric.groupby(user["siret"]).sum(min_count=1)
        known = out["siret"].isin(u.index)
        rows = u.reindex(out.loc[known, "siret"])
        given = rows["salaries"].fillna(rows["etp"]).fillna(rows["postes"]).to_numpy()
        out.loc[known, "etp"] = rows["etp"].to_numpy()
        out.loc[known, "postes"] = rows["postes"].to_numpy()
        ok = known.copy()
        ok[known] = ~np.isnan(given.astype(float))
        out.loc[ok, "capacite"] = given[~np.isnan(given.astype(float))]
        out.loc[ok, "capacite_estimee"] = False
        out.loc[ok, "capacite_source"] = "fichier de capacité de l'utilisateur"
    return out


#: Level (``commune``, then the prefixes of :mod:`coodiag.levels`) -> registry column of its code.
LEVEL_COLUMNS = {
    ("commune" if lv is levels.COMMUNE else lv.prefix): lv.registry for lv in levels.LEVELS
}


def offer_by_territory(
    registry: pd.DataFrame,
    *,
    level: str,
    denominators: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Weight of the insertion offer per unit of ``level`` (commune, epci, ze, dep, reg).

    Columns: ``code``, ``n_<TYPE>`` (structures per type), ``n_siae`` (all types),
    ``capacite`` (sum of salariés en insertion, estimates included), ``capacite_estimee_part``
    (share of that capacity coming from national averages), and for each denominator given
    (``{"chomeurs": series, "pop1564": series, "demandeurs": series}`` indexed by unit code):
    ``capacite_pour_1000_<name> = 1000 × capacite / <name>`` (NaN where the denominator is
    missing or 0). Apply :func:`apply_capacity` first.
    """
    col = LEVEL_COLUMNS[level]
    reg = registry[registry[col].notna()]
    counts = pd.crosstab(reg[col], reg["type_siae"])
    counts = counts.reindex(columns=[t for t in TYPES if t in counts.columns] or None)
    out = counts.add_prefix("n_")
    out["n_siae"] = counts.sum(axis=1)
    cap = reg.groupby(col)["capacite"].sum(min_count=1)
    est = reg[reg["capacite_estimee"]].groupby(col)["capacite"].sum(min_count=1)
    out["capacite"] = cap
    out["capacite_estimee_part"] = (est.reindex(out.index).fillna(0) / cap).where(cap > 0)
    for name, series in (denominators or {}).items():
        den = series.reindex(out.index).astype("float64")
        out[f"capacite_pour_1000_{name}"] = 1000 * out["capacite"] / den.where(den > 0)
    out.index.name = "code"
    return out.reset_index()


#: Denominators of the offer's weight: name -> (commune indicator key, French label).
DENOMINATORS = {
    "chomeurs": ("p21_chom1564", "chômeurs de 15-64 ans (recensement 2021)"),
    "pop1564": ("p21_pop1564", "habitants de 15-64 ans (recensement 2021)"),
    "demandeurs": ("de_2024", JOB_SEEKERS),
}


def denominators(
    communes: pd.DataFrame, indicators: pd.DataFrame, *, by: str
) -> dict[str, pd.Series]:
    """Commune counts of :data:`DENOMINATORS` summed per value of the commune column ``by``.

    ``by`` is ``"code"`` (communes), ``"epci"``, ``"ze2020"``, ``"dep"``, ``"reg"`` or any
    column the caller adds (a whole territory). A unit gets a value only when every one of its
    communes has one (a partial sum would understate the denominator and overstate the offer's
    weight): census counts exist for Normandie and Île-de-France, job seekers for all France.
    """
    keys = [key for key, _label in DENOMINATORS.values() if key in indicators.columns]
    frame = communes[list(dict.fromkeys(["code", by]))].merge(
        indicators[["code", *keys]], on="code", how="left"
    )
    grouped = frame.groupby(by)
    totals = grouped[keys].sum(min_count=1)
    complete = frame[keys].notna().groupby(frame[by]).all()
    return {
        name: totals[key].where(complete[key])
        for name, (key, _label) in DENOMINATORS.items()
        if key in keys
    }


def attach_reseaux(registry: pd.DataFrame, membership: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``reseaux`` (list of network names) from a membership table (``siret, reseau``).

    A structure can belong to several réseaux; one with no membership gets an empty list.
    """
    out = registry.copy()
    if membership is None or membership.empty:
        out["reseaux"] = [[] for _ in range(len(out))]
        return out
    by_siret = membership.groupby("siret")["reseau"].agg(lambda s: sorted(set(s.dropna())))
    out["reseaux"] = [list(by_siret.get(s, [])) for s in out["siret"]]
    return out
