"""Occupations hiring (BMO survey): hiring projects, métiers en tension, matching trades.

:func:`bmo_profile`: the hiring projects of the SIAE's bassin(s) by occupation, the métiers en
tension, the occupations matching the SIAE's activities
(:mod:`coodiag.reference.nomenclatures`). The result carries its indicator metadata in
``df.attrs["indicateurs"]`` and French column labels in ``df.attrs["libelles"]``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from coodiag.base.indicators import Indicator
from coodiag.reference.nomenclatures import FAP_DOMAINES, fap_correspondance, match_occupation

#: Métier en tension: share of difficult projects ≥ this (%), France Travail's "difficultés de
#: recrutement" (difficult projects / projects, xmet / met).
TENSION_PART_DIFFICILES = 50.0
#: ... and at least this many hiring projects in the bassin(s), so that a share computed on a
#: handful of projects does not make a métier "en tension".
TENSION_MIN_PROJETS = 20


def _sum_strict(values: pd.Series, by: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per group: the sum if every cell is known (else NaN), and the sum of the known cells."""
    known = values.groupby(by, sort=False).sum(min_count=1)
    secret = values.isna().groupby(by, sort=False).any()
    return known.where(~secret), known


def bmo_profile(
    bmo: pd.DataFrame,
    bassins: Iterable[str],
    *,
    romes: Iterable[str] | None = None,
    naf: str | None = None,
    type_siae: str | None = None,
    top: int | None = 20,
    seuil_tension: float = TENSION_PART_DIFFICILES,
    min_projets_tension: int = TENSION_MIN_PROJETS,
) -> pd.DataFrame:
    """Hiring projects by occupation in the given BMO bassin(s), with tension and matching.

    For each occupation (BMO/FAP code) over the rows of the ``bassins`` (4-character codes,
    summed; a bassin split across départements has one row per part):

    - ``projets`` (hiring projects, met), ``difficiles`` (xmet), ``saisonniers`` (smet):
      sums, NaN as soon as one part is secret ("*" in the source): a secret cell is never 0;
      ``projets_connus`` is the sum of the known parts (a lower bound);
    - ``part_difficiles`` = difficiles / projets × 100 and ``part_saisonniers`` =
      saisonniers / projets × 100 (%, denominator: the occupation's hiring projects in the
      bassin(s)), computed only when both numbers are known;
    - ``tension``: ``part_difficiles ≥ seuil_tension`` (50 %) and ``projets ≥
      min_projets_tension`` (20): "métier en tension" in the sense of France Travail's
      difficultés de recrutement; False when the share is unknown;
    - ``correspondance``: why the occupation matches the SIAE's activities (ROME codes, else
      NAF, else typical trades of its type: :func:`fap_correspondance`), NA otherwise;
      ``adequation`` (bool).

    Sorted by (adequation, projets) descending when ROME, NAF or type is given, else by
    projets; ``rang_projets`` is the rank by projets in the bassin(s). ``top`` keeps the first
    rows (None: all). ``attrs``: ``bassins`` (code -> name), ``total_projets_connus`` (sum of
    the known cells of the bassin(s): the survey's own bassin total is not in the file),
    ``metiers_secrets`` (occupations whose projects are secret), ``metiers_en_tension``.
    """
    codes_b = [str(b).zfill(4) for b in bassins]
    sel = bmo.loc[bmo["bassin"].isin(codes_b)]
    if sel.empty:
        raise ValueError(f"Aucune ligne BMO pour le(s) bassin(s) {', '.join(codes_b)}.")
    key = sel["metier"]
    first = sel.groupby(key, sort=False)[["metier_nom", "famille", "famille_nom"]].first()
    out = first.reset_index()
    for col in ("projets", "difficiles", "saisonniers"):
        strict, known = _sum_strict(sel[col].astype("float64"), key)
        out[col] = out["metier"].map(strict).astype("float64")
        if col == "projets":
            out["projets_connus"] = out["metier"].map(known).astype("float64")
    ok = out["projets"] > 0
    out["part_difficiles"] = (100 * out["difficiles"] / out["projets"]).where(ok)
    out["part_saisonniers"] = (100 * out["saisonniers"] / out["projets"]).where(ok)
    out["tension"] = (
        ((out["part_difficiles"] >= seuil_tension) & (out["projets"] >= min_projets_tension))
        .fillna(False)
        .astype(bool)
    )
    out["domaine_fap"] = out["metier"].str[0]
    out["domaine_fap_libelle"] = out["domaine_fap"].map(FAP_DOMAINES).astype("string")
    corr = fap_correspondance(romes=romes, naf=naf, type_siae=type_siae)
    out["correspondance"] = pd.array(
        [match_occupation(m, corr) for m in out["metier"]], dtype="string"
    )
    out["adequation"] = out["correspondance"].notna().astype(bool)
    out["rang_projets"] = out["projets"].rank(ascending=False, method="min").astype("Int64")
    by = ["adequation", "projets"] if corr else ["projets"]
    out = out.sort_values(by, ascending=False, na_position="last", kind="stable", ignore_index=True)
    names = sel.drop_duplicates("bassin").set_index("bassin")["bassin_nom"]
    attrs = {
        "bassins": {b: str(names.get(b, b)) for b in codes_b if b in names.index},
        "total_projets_connus": float(sel["projets"].sum()),
        "metiers_secrets": int(out["projets"].isna().sum()),
        "metiers_en_tension": out.loc[out["tension"], "metier"].tolist(),
        "seuil_tension": seuil_tension,
        "min_projets_tension": min_projets_tension,
        "correspondance": corr,
    }
    if top is not None:
        out = out.head(top).reset_index(drop=True)
    out.attrs.update(attrs)
    bassin_txt = ", ".join(f"{n} ({b})" for b, n in attrs["bassins"].items())
    src = "France Travail, enquête Besoins en main-d'œuvre (BMO) 2024"
    out.attrs["libelles"] = {
        "metier": "Code métier (FAP)",
        "metier_nom": "Métier",
        "projets": "Projets de recrutement",
        "projets_connus": "Projets de recrutement (parties connues)",
        "difficiles": "Projets jugés difficiles",
        "saisonniers": "Projets saisonniers",
        "part_difficiles": "Part des projets difficiles (%)",
        "part_saisonniers": "Part des projets saisonniers (%)",
        "tension": "Métier en tension",
        "domaine_fap_libelle": "Domaine professionnel",
        "correspondance": "Lien avec les activités de la structure",
        "adequation": "Métier en adéquation",
        "rang_projets": "Rang (projets)",
    }
    out.attrs["indicateurs"] = [
        Indicator(
            key="projets",
            label="Projets de recrutement",
            unit="projets de recrutement",
            numerator="projets de recrutement déclarés par les employeurs pour 2024",
            source=src,
            vintage="2024",
            method=f"somme sur le(s) bassin(s) {bassin_txt} ; cellule secrète (« * ») = "
            "inconnue, jamais 0 ; somme inconnue si une partie est secrète",
        ),
        Indicator(
            key="part_difficiles",
            label="Part des projets de recrutement jugés difficiles",
            unit="%",
            numerator="projets jugés difficiles (xmet)",
            denominator="projets de recrutement du métier (met)",
            source=src,
            vintage="2024",
            method="xmet / met × 100, calculé seulement si les deux sont connus",
        ),
        Indicator(
            key="part_saisonniers",
            label="Part des projets de recrutement saisonniers",
            unit="%",
            numerator="projets saisonniers (smet)",
            denominator="projets de recrutement du métier (met)",
            source=src,
            vintage="2024",
            method="smet / met × 100, calculé seulement si les deux sont connus",
        ),
        Indicator(
            key="tension",
            label="Métier en tension",
            unit="oui/non",
            numerator="projets jugés difficiles",
            denominator="projets de recrutement",
            source=src,
            vintage="2024",
            method=f"part des projets difficiles ≥ {seuil_tension:g} % et au moins "
            f"{min_projets_tension} projets",
        ),
    ]
    return out
