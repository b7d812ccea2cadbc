"""Évolution 2018-2021 from the census itself: population, unemployed, unemployment rate.

Shared by the diagnosis (:mod:`coodiag.reports.diagnostic`) and the territory atlas
(:mod:`coodiag.reports.territory_atlas`). Both vintages come from the base's commune table:
census 2018 (``p18_*``, INSEE comparateur de territoires, 2022 edition, COG 2021 converted to COG
2025) and census 2021 (``p21_*``). Per commune, the base's evolution columns (``evol_*``); per
level (territory, zone d'emploi, département, France métropolitaine), ratios of sums over the
communes having both vintages, given only when they are at least :data:`MIN_COVERAGE` of the
level's communes (as the key figures). Absent columns: :attr:`CensusEvolution.available` is
False and the note says the data is not available.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coodiag.base.indicators import Indicator
from coodiag.reports.key_figures import FRANCE, MIN_COVERAGE, metropolitan

#: The two vintages, as every label names them.
VINTAGE_BEFORE = "RP 2018"
VINTAGE_AFTER = "RP 2021"
SOURCE = (
    "INSEE, recensements de la population 2018 (comparateur de territoires, édition 2022) "
    "et 2021"
)

#: Census counts of both vintages: figure -> (2018 column, 2021 column).
COUNTS = {
    "pop": ("p18_pop", "p21_pop"),
    "chom": ("p18_chom1564", "p21_chom1564"),
    "act": ("p18_act1564", "p21_act1564"),
}
#: Commune columns of the base used per commune (the contract of issue 10).
COMMUNE_COLUMNS = [
    "p18_pop", "p21_pop", "evol_pop_1821",
    "p18_chom1564", "p21_chom1564", "evol_chom1564_1821",
    "tx_chom1564_18", "tx_chom1564_21", "evol_tx_chom1564_1821",
]  # fmt: skip

#: French headers of the tables (both vintages named).
HEADERS = {
    "code": "Code commune",
    "nom": "Commune",
    "niveau": "Niveau",
    "p18_pop": f"Population ({VINTAGE_BEFORE})",
    "p21_pop": f"Population ({VINTAGE_AFTER})",
    "evol_pop_1821": "Évolution de la population 2018-2021 (%)",
    "p18_chom1564": f"Chômeurs 15-64 ans ({VINTAGE_BEFORE})",
    "p21_chom1564": f"Chômeurs 15-64 ans ({VINTAGE_AFTER})",
    "evol_chom1564_1821": "Évolution des chômeurs 2018-2021 (%)",
    "tx_chom1564_18": f"Taux de chômage 15-64 ans ({VINTAGE_BEFORE}, %)",
    "tx_chom1564_21": f"Taux de chômage 15-64 ans ({VINTAGE_AFTER}, %)",
    "evol_tx_chom1564_1821": "Évolution du taux de chômage 2018-2021 (points)",
    "communes": "Communes comptées",
}

NOT_AVAILABLE = (
    "Évolution 2018-2021 non disponible : les colonnes du recensement 2018 (p18_*) ou "
    "d'évolution (evol_*) manquent dans la base."
)


@dataclass
class CensusEvolution:
    """The évolution 2018-2021 of a territory.

    ``niveaux``: one row per level (``niveau`` and the columns of :data:`COMMUNE_COLUMNS`,
    ``communes``: communes with both vintages); ``communes``: one row per commune of the
    territory; ``available``: False when the base lacks the columns (then both are empty and
    ``note`` says so); ``meta``: the indicators, for the method page and the XLSX.
    """

    niveaux: pd.DataFrame
    communes: pd.DataFrame
    available: bool
    note: str = ""
    meta: list[Indicator] = field(default_factory=list)


def _meta(known: pd.DataFrame | None) -> list[Indicator]:
    """The indicators of the base's metadata table for the columns shown, else built here."""
    rows = []
    for key in COMMUNE_COLUMNS:
        if known is not None and key in known.index:
            rows.append(Indicator.from_row({**known.loc[key].to_dict(), "key": key}))
        else:
            rows.append(Indicator(key=key, label=HEADERS[key], source=SOURCE,
                                  vintage="RP 2018 et RP 2021"))
    return rows


def with_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """The rates and evolutions of :data:`COMMUNE_COLUMNS` the base lacks, from the counts.

    The base's own columns are kept where present (same formulas: the indicator metadata of
    ``tx_chom1564_18``, ``evol_pop_1821``, ``evol_chom1564_1821``, ``evol_tx_chom1564_1821``).
    """
    out = frame.copy()

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        num, den = num.astype("float64"), den.astype("float64")
        return 100 * num / den.where(den > 0)

    derived = {
        "tx_chom1564_18": lambda f: ratio(f["p18_chom1564"], f["p18_act1564"]),
        "tx_chom1564_21": lambda f: ratio(f["p21_chom1564"], f["p21_act1564"]),
        "evol_pop_1821": lambda f: ratio(f["p21_pop"] - f["p18_pop"], f["p18_pop"]),
        "evol_chom1564_1821": lambda f: ratio(
            f["p21_chom1564"] - f["p18_chom1564"], f["p18_chom1564"]
        ),
        "evol_tx_chom1564_1821": lambda f: f["tx_chom1564_21"] - f["tx_chom1564_18"],
    }
    for col, formula in derived.items():
        if col not in out.columns:
            out[col] = formula(out)
    return out


def level_evolution(values: pd.DataFrame) -> dict[str, float]:
    """Évolution 2018-2021 of a set of communes, from sums over those having both vintages.

    .. math:: \\Delta P = 100 \\cdot \\frac{\\sum P^{21} - \\sum P^{18}}{\\sum P^{18}}, \\quad
              \\Delta\\tau = 100 \\cdot \\frac{\\sum C^{21}}{\\sum A^{21}}
                           - 100 \\cdot \\frac{\\sum C^{18}}{\\sum A^{18}}

    P: population, C: unemployed 15-64, A: active 15-64 (census counts). Percentages and
    points; NaN when fewer than :data:`MIN_COVERAGE` of the communes have both vintages.
    """
    cols = [c for pair in COUNTS.values() for c in pair]
    both = values[cols].notna().all(axis=1)
    out: dict[str, float] = {"communes": float(both.sum())}
    if not len(values) or both.mean() < MIN_COVERAGE:
        return out | {k: float("nan") for k in COMMUNE_COLUMNS}
    s = values.loc[both, cols].astype("float64").sum()

    def pct(a: float, b: float) -> float:
        return 100 * (a - b) / b if b else float("nan")

    tx18 = 100 * s["p18_chom1564"] / s["p18_act1564"] if s["p18_act1564"] else np.nan
    tx21 = 100 * s["p21_chom1564"] / s["p21_act1564"] if s["p21_act1564"] else np.nan
    return out | {
        "p18_pop": s["p18_pop"], "p21_pop": s["p21_pop"],
        "evol_pop_1821": pct(s["p21_pop"], s["p18_pop"]),
        "p18_chom1564": s["p18_chom1564"], "p21_chom1564": s["p21_chom1564"],
        "evol_chom1564_1821": pct(s["p21_chom1564"], s["p18_chom1564"]),
        "tx_chom1564_18": tx18, "tx_chom1564_21": tx21,
        "evol_tx_chom1564_1821": tx21 - tx18,
    }  # fmt: skip


def census_evolution(
    communes_all: pd.DataFrame,
    inside: pd.Series,
    ind: pd.DataFrame,
    levels: dict[str, pd.Series],
    *,
    meta: pd.DataFrame | None = None,
) -> CensusEvolution:
    """Évolution 2018-2021 of the territory ``inside`` and of ``levels`` (name -> mask).

    ``levels``: the comparison levels in display order (zone d'emploi, département, France
    métropolitaine), boolean masks aligned on ``communes_all``; the territory comes first.
    ``meta``: the base's ``indicateurs_meta`` (labels, sources of the columns), optional.
    """
    counts = [c for pair in COUNTS.values() for c in pair]
    if any(c not in ind.columns for c in counts):
        return CensusEvolution(pd.DataFrame(), pd.DataFrame(), False, NOT_AVAILABLE)
    present = [c for c in COMMUNE_COLUMNS if c in ind.columns and c not in counts]
    frame = communes_all[["code", "nom"]].merge(
        ind[["code", *counts, *present]], on="code", how="left"
    )
    frame = with_derived(frame)
    mask_in = np.asarray(inside, dtype=bool)
    rows = [{"niveau": "Territoire", **level_evolution(frame[mask_in])}]
    for name, mask in levels.items():
        rows.append({"niveau": name, **level_evolution(frame[np.asarray(mask, dtype=bool)])})
    niveaux = pd.DataFrame(rows, columns=["niveau", *COMMUNE_COLUMNS, "communes"])
    per_commune = frame.loc[mask_in, ["code", "nom", *COMMUNE_COLUMNS]]
    per_commune = per_commune.sort_values("p21_pop", ascending=False, ignore_index=True)
    known = None
    if meta is not None and "key" in meta.columns:
        known = meta[meta["table"] == "indicateurs_communes"].drop_duplicates("key")
        known = known.set_index("key")
    # Communes lacking a census count (not a rate undefined by 0 unemployed in 2018).
    lacking = int(frame.loc[mask_in, counts].isna().any(axis=1).sum())
    note = (
        f"{lacking} commune(s) du territoire sans l'un des deux recensements (fusion ou "
        "scission de communes, secret) : non comptée(s) dans les totaux."
        if lacking
        else ""
    )
    return CensusEvolution(niveaux, per_commune, True, note, _meta(known))


def comparison_levels(
    communes_all: pd.DataFrame, inside: pd.Series, *, ze: str, dep: str
) -> dict[str, np.ndarray]:
    """Zone d'emploi ``ze``, département ``dep`` and France métropolitaine, as masks on
    ``communes_all``; a level holding exactly the territory's communes is left out."""
    mask_in = np.asarray(inside, dtype=bool)
    named = communes_all.drop_duplicates("ze2020").set_index("ze2020")["ze_nom"]
    dep_names = communes_all.drop_duplicates("dep").set_index("dep")["dep_nom"]
    out = {
        f"Zone d'emploi : {named.get(ze, ze)}": (communes_all["ze2020"] == ze).to_numpy(),
        f"Département : {dep_names.get(dep, dep)}": (communes_all["dep"] == dep).to_numpy(),
        FRANCE: metropolitan(communes_all),
    }
    return {name: mask for name, mask in out.items() if not np.array_equal(mask, mask_in)}
