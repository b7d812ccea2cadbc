"""Key figures of a territory against its département, its région and France.

Shared by the diagnosis of one SIAE (:mod:`coodiag.reports.diagnostic`) and the territory atlas
(:mod:`coodiag.reports.territory_atlas`): one row per figure, its French label, unit, source and
vintage, then one column per level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coodiag import fr
from coodiag.base.indicator_specs import (
    JOB_SEEKERS_CATEGORY,
    JOB_SEEKERS_DATE,
    JOB_SEEKERS_SOURCE,
)
from coodiag.base.indicators import Indicator

#: A key figure is summed over a level only if at least this share of its communes has it.
MIN_COVERAGE = 0.99

#: The column of the studied territory.
TERRITORY = "Territoire"

_REGISTRY_SOURCE = "registre des SIAE (plateforme 2021, ASP 2019) ; DARES 2019"

#: Figures summed over the communes of each level: (what is shown, numerator column,
#: denominator column or None). A rate is 100 × sum of the numerator / sum of the denominator.
SUMMED: tuple[tuple[Indicator, str, str | None], ...] = (
    (
        Indicator(key="pop22", label="Population 2022", unit="personnes",
                  source="INSEE, RP 2022", vintage="2022"),
        "pop22",
        None,
    ),
    (
        Indicator(key="de_2024",
                  label=f"Demandeurs d'emploi inscrits ({JOB_SEEKERS_CATEGORY})",
                  unit="personnes", source=JOB_SEEKERS_SOURCE, vintage=JOB_SEEKERS_DATE),
        "de_2024",
        None,
    ),
    (
        Indicator(key="p21_chom1564", label="Chômeurs de 15-64 ans (recensement)",
                  unit="personnes", source="INSEE, RP 2021", vintage="2021"),
        "p21_chom1564",
        None,
    ),
    (
        Indicator(key="tx_chom1564_21", label="Taux de chômage des 15-64 ans (recensement)",
                  unit="% des actifs de 15-64 ans", source="INSEE, RP 2021", vintage="2021"),
        "p21_chom1564",
        "p21_act1564",
    ),
)  # fmt: skip

#: Figures of the SIAE registry: (what is shown, column summed, or None to count structures).
OFFER: tuple[tuple[Indicator, str | None], ...] = (
    (
        Indicator(key="n_siae", label="SIAE (toutes)", unit="structures",
                  source=_REGISTRY_SOURCE, vintage="2019-2021"),
        None,
    ),
    (
        Indicator(key="capacite", label="Capacité d'insertion",
                  unit="salariés en insertion (≈ estimée)", source=_REGISTRY_SOURCE,
                  vintage="2019-2021"),
        "capacite",
    ),
)  # fmt: skip

#: Capacity over job seekers, from the two figures above.
CAPACITY_PER_1000 = Indicator(
    key="capacite_pour_1000_demandeurs",
    label="Capacité pour 1 000 demandeurs d'emploi",
    unit="salariés en insertion pour 1 000 demandeurs d'emploi",
    source=f"registre des SIAE ; {JOB_SEEKERS_SOURCE} ({JOB_SEEKERS_CATEGORY})",
    vintage=f"SIAE 2019-2021 ; demandeurs d'emploi : {JOB_SEEKERS_DATE}",
)


def missing_in(frame: pd.DataFrame, mask: np.ndarray, keys: list[str]) -> int:
    """Communes of ``mask`` lacking any of ``keys`` (all of them if a column is absent)."""
    if any(k not in frame.columns for k in keys):
        return int(mask.sum())
    return int(frame.loc[mask, keys].isna().any(axis=1).sum())


def _described(indicator: Indicator) -> dict:
    return {
        "indicateur": indicator.label,
        "unite": indicator.unit,
        "source": indicator.source,
        "millesime": indicator.vintage,
    }


def key_figures(
    communes_all: pd.DataFrame,
    inside: pd.Series,
    ind: pd.DataFrame,
    registry: pd.DataFrame,
    dep: str,
    reg: str,
) -> pd.DataFrame:
    """Key figures of the territory against its département, région and France.

    Counts are summed over the communes of each level; rates are ratios of sums, so the four
    columns are computed the same way. A level where a count is missing for any commune gets
    no value (never a partial sum).
    """
    frame = communes_all[["code", "dep", "reg"]].merge(ind, on="code", how="left")
    dep_name = communes_all.loc[communes_all["dep"] == dep, "dep_nom"].iloc[0]
    reg_name = communes_all.loc[communes_all["reg"] == reg, "reg_nom"].iloc[0]
    reg_counts = registry[registry["code_commune"].notna()]
    levels = {
        TERRITORY: inside.to_numpy(),
        f"Département : {dep_name}": (frame["dep"] == dep).to_numpy(),
        f"Région : {reg_name}": (frame["reg"] == reg).to_numpy(),
        # France métropolitaine: the DROM lack most commune indicators of the mirror.
        "France métropolitaine": ~frame["dep"].str.startswith("97").to_numpy(),
    }

    def total(key: str, mask: np.ndarray) -> float:
        """Sum over the level's communes; NaN if more than 1 % of them lack the value."""
        values = frame.loc[mask, key] if key in frame.columns else pd.Series(dtype=float)
        if not len(values) or values.notna().mean() < MIN_COVERAGE:
            return float("nan")
        return float(values.sum())

    rows = []
    for shown, num, den in SUMMED:
        row = _described(shown)
        for name, mask in levels.items():
            value = total(num, mask)
            if den is not None:
                d = total(den, mask)
                value = 100 * value / d if d and d == d else float("nan")
            row[name] = value
        lacking = missing_in(frame, inside.to_numpy(), [num] + ([den] if den else []))
        if lacking and row[TERRITORY] == row[TERRITORY]:
            row["source"] += (
                f" ({fr.number(lacking)} commune(s) du territoire sans donnée, non comptée(s))"
            )
        rows.append(row)
    for shown, col_filter in OFFER:
        row = _described(shown)
        for name, mask in levels.items():
            codes = set(frame.loc[mask, "code"])
            sel = reg_counts[reg_counts["code_commune"].isin(codes)]
            row[name] = float(len(sel)) if col_filter is None else float(sel[col_filter].sum())
        rows.append(row)
    cap = rows[-1]
    de = rows[1]
    rows.append(
        {
            **_described(CAPACITY_PER_1000),
            **{
                name: (
                    1000 * cap[name] / de[name]
                    if de[name] and de[name] == de[name]
                    else float("nan")
                )
                for name in levels
            },
        }
    )
    return pd.DataFrame(rows)
