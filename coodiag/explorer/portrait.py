"""The portrait of a unit clicked on the map or found with the search box (a commune, an
EPCI, a zone d'emploi): its key figures against its département, its région and metropolitan
France, the SIAE within reach (the catchment radii of the 2SFCA) and its coverage class with
the reason (the one classification of every report,
:meth:`coodiag.reports.context.Context.coverage`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from coodiag import fr, levels
from coodiag.analyses import access
from coodiag.base import registry as siae
from coodiag.base.indicator_specs import JOB_SEEKERS_CATEGORY, JOB_SEEKERS_DATE
from coodiag.explorer import data

#: Figures of the portrait: label -> (numerator column, denominator column, factor); the
#: columns are sums over the communes (``"siae"``, ``"capacite"``: the structures shown).
FIGURES = {
    "Population municipale 2022": ("pop22", None, 1),
    f"Demandeurs d'emploi ({JOB_SEEKERS_CATEGORY} ; {JOB_SEEKERS_DATE})": ("de_2024", None, 1),
    "Chômeurs 15-64 ans (recensement 2021)": ("p21_chom1564", None, 1),
    "Taux de chômage 15-64 ans (RP 2021, %)": ("p21_chom1564", "p21_act1564", 100),
    "Structures d'insertion (filtres appliqués)": ("siae", None, 1),
    "Capacité d'insertion (salariés en insertion)": ("capacite", None, 1),
    "Capacité pour 1 000 demandeurs d'emploi": ("capacite", "de_2024", 1000),
}
FIGURES_SOURCE = ("Sources : Insee (population 2022, recensement 2021), France Travail "
                  f"(demandeurs d'emploi, {JOB_SEEKERS_DATE}), registre des SIAE de coodiag ; "
                  "capacités : fichier importé, sinon moyenne nationale du type (estimation).")


def unit_codes(level: str, code: str) -> list[str]:
    """The commune codes of the unit ``code`` of ``level`` (base table or prefix)."""
    c = data.base()["communes"]
    lv = levels.get(level)
    if lv is levels.COMMUNE:
        return [code] if code in set(c["code"]) else []
    return c.loc[c[lv.code].astype(str) == str(code), "code"].tolist()


def unit_name(level: str, code: str) -> str:
    c = data.base()["communes"]
    lv = levels.get(level)
    names = c.loc[c[lv.code].astype(str) == str(code), lv.name]
    name = str(names.iloc[0]) if len(names) else code
    return f"{name} ({lv.singular} {code})"


def _sums(codes: list[str], structures: pd.DataFrame) -> dict[str, float]:
    ind = data.base()["ind"].set_index("code")
    sub = ind.reindex(codes)
    # A sum is shown when at least 99 % of the communes have a value (as the territory's).
    out = {col: float(sub[col].sum(min_count=1)) if sub[col].notna().mean() > 0.99 else np.nan
           for col in ("pop22", "de_2024", "p21_chom1564", "p21_act1564")}
    inside = structures[structures["code_commune"].isin(set(codes))]
    out["siae"] = float(len(inside))
    out["capacite"] = float(inside["capacite"].sum())
    return out


def compare(level: str, code: str, structures: pd.DataFrame) -> pd.DataFrame:
    """Key figures of the unit beside its département, région and France (columns: their
    French names); ``structures``: the registry with the explorer's filters (whole country)."""
    c = data.base()["communes"]
    codes = unit_codes(level, code)
    first = c[c["code"].isin(set(codes))]
    columns = {unit_name(level, code): codes}
    # An EPCI or a zone over two départements: no single département to compare with.
    if len(first) and first["dep"].nunique() == 1:
        dep = first["dep"].iloc[0]
        columns[f"{first['dep_nom'].iloc[0]} (dép. {dep})"] = \
            c.loc[c["dep"] == dep, "code"].tolist()
    if len(first) and first["reg"].nunique() == 1:
        reg = first["reg"].iloc[0]
        columns[f"{first['reg_nom'].iloc[0]} (région)"] = c.loc[c["reg"] == reg, "code"].tolist()
    columns["France métropolitaine"] = c.loc[c["crs_zone"] == "metro", "code"].tolist()
    table = {}
    for name, cc in columns.items():
        sums = _sums(cc, structures)
        col = {}
        for label, (num, den, factor) in FIGURES.items():
            value = sums[num] if den is None else (
                sums[num] / sums[den] * factor if sums[den] and sums[den] > 0 else np.nan)
            digits = 1 if den is not None else 0
            col[label] = fr.number(value, digits) if pd.notna(value) else fr.MISSING
        table[name] = col
    return pd.DataFrame(table)


def within_reach(code: str, structures: pd.DataFrame, limit: int = 12) -> pd.DataFrame:
    """The structures within their catchment radius of the commune ``code`` (radius of their
    type, :data:`coodiag.analyses.access.DEFAULT_RADIUS_KM`), nearest first."""
    metro = data.metro()
    row = metro.loc[metro["code"] == code]
    if not len(row) or not len(structures):
        return pd.DataFrame(columns=["Structure", "Type", "Commune", "Distance"])
    point = row["point"].iloc[0] if "point" in row.columns else row.geometry.iloc[0].centroid
    pts = structures.to_crs(metro.crs)
    dist = pts.geometry.distance(point) / 1000
    radius = pts["type_siae"].map(access.DEFAULT_RADIUS_KM).fillna(access.DEFAULT_RADIUS_ALL_KM)
    near = pts.assign(km=dist)[dist <= radius].sort_values("km").head(limit)
    return pd.DataFrame({
        "Structure": near["nom"].astype(str).to_numpy(),
        "Type": near["type_siae"].astype(str).to_numpy(),
        "Commune": near["commune"].astype(str).to_numpy(),
        "Distance": [fr.km(v) for v in near["km"]],
    })


def coverage_reason(row: pd.Series) -> str:
    """Why a commune is in its coverage class: need and offer and their levels."""
    return (f"besoin : niveau {row['niveau_besoin']} ({fr.number(row['besoin'], 1)} chômeurs "
            f"pour 1 000 habitants) ; offre à portée : niveau {row['niveau_offre']} "
            f"({fr.number(row['offre'], 1)} salariés en insertion pour 1 000 chômeurs).")


def show(level: str, code: str, structures: pd.DataFrame) -> None:
    """The portrait in the side panel."""
    lv = levels.get(level)
    st.markdown(f"**Portrait : {unit_name(lv.table, code)}**")
    st.table(compare(lv.table, code, structures))
    st.caption(FIGURES_SOURCE)
    prefix, terr = data.current_territory()
    cov = data.coverage(data.upload_data("capacite"), access.ALL, prefix, terr)
    codes = set(unit_codes(lv.table, code))
    if lv is levels.COMMUNE:
        hit = cov[cov["code"] == code]
        if len(hit):
            row = hit.iloc[0]
            st.markdown(f"**Couverture** : {row['classe']} — {coverage_reason(row)}")
            st.caption(str(cov.attrs.get("note_seuils", "")))
        reach = within_reach(code, structures)
        st.markdown(f"**Structures à portée** ({len(reach)}, les plus proches d'abord, 12 au "
                    "plus ; rayon : "
                    + ", ".join(f"{t} {fr.number(r)} km"
                                for t, r in access.DEFAULT_RADIUS_KM.items()) + ")")
        if len(reach):
            st.dataframe(reach, hide_index=True, width="stretch")
        else:
            st.caption("Aucune structure à portée avec ces filtres.")
    else:
        counts = cov[cov["code"].isin(codes)]["classe"].value_counts()
        if len(counts):
            st.markdown("**Couverture de ses communes** : "
                        + " ; ".join(f"{k} : {fr.number(v)}" for k, v in counts.items()) + ".")
            st.caption(str(cov.attrs.get("note_seuils", "")))
    types = ", ".join(f"{t} ({siae.TYPES.get(t, '')})" for t in sorted(
        structures.loc[structures["code_commune"].isin(codes), "type_siae"].unique()))
    if types:
        st.caption(f"Types présents : {types}.")
