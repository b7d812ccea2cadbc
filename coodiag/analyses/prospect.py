"""Prospecting: SIRENE establishments to approach near an SIAE, ranked.

:func:`prospects`: the establishments of a user's SIRENE file within a radius of the SIAE,
ranked by sector closeness (:data:`PROXIMITE`, through
:mod:`coodiag.reference.nomenclatures`), size and distance, ready for export. The sector
specificity of a territory is :mod:`coodiag.analyses.specificity`, the occupations hiring
:mod:`coodiag.analyses.occupations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from coodiag.base.indicators import Indicator
from coodiag.reference.nomenclatures import (
    NAF_GENERIQUES,
    NAF_VERS_FAP,
    fap_correspondance,
    norm_naf,
)

#: SIRENE headcount band -> midpoint headcount (salariés). "NN" (no employee or unknown) is
#: NaN; "53" (10 000 and more) takes its lower bound.
EFFECTIF_MILIEU: dict[str, float] = {
    "00": 0.0,
    "01": 1.5,
    "02": 4.0,
    "03": 7.5,
    "11": 14.5,
    "12": 34.5,
    "21": 74.5,
    "22": 149.5,
    "31": 224.5,
    "32": 374.5,
    "41": 749.5,
    "42": 1499.5,
    "51": 3499.5,
    "52": 7499.5,
    "53": 10000.0,
}

#: Sector closeness of an establishment to the SIAE (higher is closer).
PROXIMITE: dict[int, str] = {
    5: "même sous-classe NAF",
    4: "même classe NAF",
    3: "même groupe NAF",
    2: "même division NAF",
    1: "même section NAF ou domaine de métiers commun",
    0: "autre secteur",
}


def _closeness(naf: pd.Series, naf_siae: str | None, fap: set[str]) -> pd.Series:
    """Closeness score (:data:`PROXIMITE`) of each establishment NAF to the SIAE's."""
    from coodiag.codes import naf_section_of_division

    n = naf.astype("string").fillna("")
    score = pd.Series(0, index=naf.index, dtype="int64")
    if naf_siae:
        sec = naf_section_of_division(naf_siae[:2])
        sec_est = n.str[:2].map(naf_section_of_division)
        score = score.mask((sec_est == sec) & (n != ""), 1)
        for level, width in ((2, 2), (3, 4), (4, 5), (5, 6)):
            score = score.mask((n.str[:width] == naf_siae[:width]) & (n != ""), level)
    if fap:
        dom = n.str[:2].map(lambda d: bool(set(NAF_VERS_FAP.get(d, ())) & fap))
        score = score.mask(dom.astype(bool) & (score < 1), 1)
    return score


def _as_lambert(point: Any) -> tuple[float, float]:
    """(x, y) in Lambert-93 from a shapely point or a pair; (lon, lat) pairs are projected."""
    if hasattr(point, "x") and hasattr(point, "y"):
        x, y = float(point.x), float(point.y)
    else:
        x, y = (float(v) for v in point)
    if abs(x) <= 180 and abs(y) <= 90:
        from pyproj import Transformer

        tr = Transformer.from_crs(4326, 2154, always_xy=True)
        x, y = tr.transform(x, y)
    return x, y


def prospects(
    sirene: pd.DataFrame,
    siae_point: Any,
    *,
    km: float = 20.0,
    naf_of_siae: str | None = None,
    romes: Sequence[str] | None = None,
    type_siae: str | None = None,
    communes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """SIRENE establishments within ``km`` of the SIAE, ranked for prospecting.

    Position: the establishment's own coordinates (``x, y`` of the SIRENE import, Lambert-93)
    when known, else the representative point of its commune (``communes``: the commune level
    in Lambert-93, ``store.read_level("communes", zone="metro")``, with ``code, point``),
    flagged ``position_approchee``; without either the establishment is left out (counted in
    ``attrs["sans_position"]``). ``siae_point``: a shapely point or (x, y) in Lambert-93, or
    (longitude, latitude) in WGS84 (projected). Distance: straight line, km.

    Ranking: ``proximite`` (:data:`PROXIMITE`: same NAF sub-class 5 > class 4 > group 3 >
    division 2 > section, or a FAP domain shared with the SIAE's activities 1 > other 0; the
    NAF levels are skipped when the SIAE's code is generic, :data:`NAF_GENERIQUES`), then
    ``effectif_estime`` (midpoint of the SIRENE headcount band, :data:`EFFECTIF_MILIEU`;
    unknown last), then distance. Returns a plain DataFrame (``rang, siret, nom, naf,
    code_commune, tranche_effectif, tranche_libelle, effectif_estime, distance_km,
    position_approchee, proximite, proximite_libelle``) with French column labels in
    ``attrs["libelles"]``, ready for export.
    """
    x0, y0 = _as_lambert(siae_point)
    df = sirene.copy()
    empty = pd.Series(pd.NA, index=df.index, dtype="Float64")
    x = df["x"].astype("Float64") if "x" in df else empty.copy()
    y = df["y"].astype("Float64") if "y" in df else empty.copy()
    if "epsg" in df:
        foreign = df["epsg"].notna() & (df["epsg"].astype("Int64") != 2154)
        x, y = x.mask(foreign), y.mask(foreign)
    approx = x.isna() | y.isna()
    if communes is not None and approx.any():
        pts = communes.set_index("code")["point"]
        pts = pts[~pts.index.duplicated()]
        p = df.loc[approx, "code_commune"].map(pts)
        has = p.notna()
        idx = p.index[has]
        x[idx] = [g.x for g in p[has]]
        y[idx] = [g.y for g in p[has]]
    df["position_approchee"] = approx.to_numpy()
    located = x.notna() & y.notna()
    dist = np.hypot(x.astype("float64") - x0, y.astype("float64") - y0) / 1000
    df["distance_km"] = dist.round(2)
    sans_position = int((~located).sum())
    df = df.loc[located & (dist <= km)].copy()
    naf_siae = norm_naf(naf_of_siae)
    if naf_siae in NAF_GENERIQUES:
        naf_siae = None
    corr = fap_correspondance(romes=romes, naf=naf_of_siae, type_siae=type_siae)
    fap = {k for k in corr if len(k) == 1} | {k[0] for k in corr if len(k) > 1}
    df["proximite"] = _closeness(df["naf"], naf_siae, fap)
    df["proximite_libelle"] = df["proximite"].map(PROXIMITE).astype("string")
    tranche = df["tranche_effectif"].astype("string") if "tranche_effectif" in df else None
    df["effectif_estime"] = (
        tranche.map(EFFECTIF_MILIEU).astype("float64") if tranche is not None else np.nan
    )
    df = df.sort_values(
        ["proximite", "effectif_estime", "distance_km"],
        ascending=[False, False, True],
        na_position="last",
        kind="stable",
        ignore_index=True,
    )
    df.insert(0, "rang", np.arange(1, len(df) + 1))
    cols = [
        "rang",
        "siret",
        "nom",
        "naf",
        "code_commune",
        "tranche_effectif",
        "tranche_libelle",
        "effectif_estime",
        "distance_km",
        "position_approchee",
        "proximite",
        "proximite_libelle",
    ]
    out = pd.DataFrame({c: df.get(c, pd.NA) for c in cols})
    out.attrs["sans_position"] = sans_position
    out.attrs["rayon_km"] = km
    out.attrs["libelles"] = {
        "rang": "Rang",
        "siret": "SIRET",
        "nom": "Nom",
        "naf": "Code NAF (APE)",
        "code_commune": "Code commune",
        "tranche_effectif": "Tranche d'effectif (code)",
        "tranche_libelle": "Tranche d'effectif",
        "effectif_estime": "Effectif estimé (milieu de tranche)",
        "distance_km": "Distance à la structure (km, à vol d'oiseau)",
        "position_approchee": "Position approchée (centre de la commune)",
        "proximite": "Proximité sectorielle (0 à 5)",
        "proximite_libelle": "Proximité sectorielle",
    }
    out.attrs["indicateurs"] = [
        Indicator(
            key="distance_km",
            label="Distance à la structure",
            unit="km",
            source="fichier SIRENE fourni (coordonnées Lambert-93 de l'INSEE, sinon point "
            "de la commune)",
            vintage="date d'extraction du fichier",
            method="distance euclidienne en Lambert-93 (à vol d'oiseau)",
        ),
        Indicator(
            key="effectif_estime",
            label="Effectif salarié estimé",
            unit="salariés",
            source="tranche d'effectif salarié SIRENE",
            vintage="année de la tranche dans SIRENE",
            method="milieu de la tranche d'effectif (10 000 pour la tranche « 10 000 et "
            "plus ») ; NN = inconnu",
        ),
    ]
    return out
