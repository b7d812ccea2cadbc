"""Census 2022 population of the communes the IRIS/zonage sources leave out.

The zonage file (``commune_zonages_2024.csv``) and the Normandie IRIS files were built on the
2025 communes: a commune merged on 1 January 2025 (Saint-Martin-de-Fontenay into
Saint-Martin-de-May, Pierrefitte-sur-Seine into Saint-Denis) or renumbered (Orée d'Anjou, 49069
-> 49126) lost its IRIS, so the 2025 commune holds only its main part. Their 2022 population is
not published per commune in the mirror; the département total is (``departements_indicateurs``,
``P22_POP``). The missing parts share the gap between the département total and the sum of the
communes present, in proportion to their census 2021 population (national file): département
sums are then exact, and each part's value is an estimate, flagged by ``estimated``.
"""

from __future__ import annotations

import pandas as pd

from coodiag import codes

#: Bounds of the ratio gap / population 2021 of the missing parts: outside them (a gap that is
#: not explained by the missing parts), the parts keep their 2021 population.
GAP_RATIO_BOUNDS = (0.8, 1.25)


def missing_parts(zonages: pd.DataFrame, rp2021_france: pd.DataFrame) -> pd.DataFrame:
    """Metropolitan communes of the national census file (COG 2024) absent from the zonage file.

    Columns: ``code`` (COG 2024), ``dep``, ``p21_pop``, ``p21_men``.
    """
    nat = rp2021_france[rp2021_france["type"].eq("COM")]
    absent = ~nat["code"].isin(set(zonages["code"])) & ~nat["code"].str.startswith("97")
    out = nat.loc[absent, ["code", "P21_POP", "P21_MEN"]]
    out = out.rename(columns={"P21_POP": "p21_pop", "P21_MEN": "p21_men"})
    out.insert(1, "dep", codes.departement_of_commune(out["code"]))
    return out.reset_index(drop=True)


def estimate_missing_2022(
    zonages: pd.DataFrame, rp2021_france: pd.DataFrame, departements: pd.DataFrame
) -> pd.DataFrame:
    """The estimated 2022 population and households of the communes the zonage file lacks.

    ``zonages``: ``load_zonages_2024()`` (``code``, ``p22_pop``); ``rp2021_france``:
    ``load_rp2021_france()``; ``departements``: ``load_dep_indicateurs()``. Returns ``code``
    (COG 2024), ``p22_pop``, ``p22_men`` (households 2021 × the same ratio), ``factor``.
    """
    parts = missing_parts(zonages, rp2021_france)
    official = departements.loc[~departements["is_france"]].set_index("code")["P22_POP"]
    present = zonages.groupby(codes.departement_of_commune(zonages["code"]))["p22_pop"].sum()
    gap = official.sub(present, fill_value=0.0)
    parts_2021 = parts.groupby("dep")["p21_pop"].sum()
    ratio = (gap.reindex(parts_2021.index) / parts_2021.where(parts_2021 > 0)).fillna(1.0)
    low, high = GAP_RATIO_BOUNDS
    ratio = ratio.where(ratio.between(low, high), 1.0)
    parts["factor"] = parts["dep"].map(ratio).astype("float64")
    parts["p22_pop"] = parts["p21_pop"] * parts["factor"]
    parts["p22_men"] = parts["p21_men"] * parts["factor"]
    return parts[["code", "p22_pop", "p22_men", "factor"]]
