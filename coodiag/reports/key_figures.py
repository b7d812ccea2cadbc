"""Key figures of a territory against its département, its région and France.

Shared by the diagnosis of one SIAE (:mod:`coodiag.reports.diagnostic`) and the territory atlas
(:mod:`coodiag.reports.territory_atlas`): one row per figure, its French label, unit, source and
vintage, then one column per level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from coodiag import codes as codelib
from coodiag import fr
from coodiag.base.indicator_specs import (
    JOB_SEEKERS_CATEGORY,
    JOB_SEEKERS_DATE,
    JOB_SEEKERS_SOURCE,
)
from coodiag.base.indicators import Indicator
from coodiag.errors import CoodiagError

#: A key figure is summed over a level only if at least this share of its communes has it.
MIN_COVERAGE = 0.99

#: The column of the studied territory.
TERRITORY = "Territoire"
#: The column of France métropolitaine (a territory equal to it takes its official values).
FRANCE = "France métropolitaine"

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
                  unit="% des actifs de 15-64 ans", numerator="chômeurs de 15-64 ans",
                  denominator="actifs de 15-64 ans", source="INSEE, RP 2021", vintage="2021"),
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

#: Filosofi 2021 figures that cannot be summed (a median; a rate of persons): (what is shown,
#: commune column, column of the official tables of zones d'emploi, départements and France).
_FILOSOFI_SOURCE = "INSEE, Filosofi 2021"
NOT_SUMMED: tuple[tuple[Indicator, str, str], ...] = (
    (
        Indicator(key="med21", label="Revenu disponible médian par unité de consommation",
                  unit="euros par an", source=_FILOSOFI_SOURCE, vintage="2021"),
        "med21",
        "rev_med_21",
    ),
    (
        Indicator(key="tp6021", label="Taux de pauvreté au seuil de 60 %",
                  unit="% des personnes",
                  numerator="personnes sous le seuil de pauvreté (60 % du niveau de vie médian)",
                  denominator="personnes des ménages fiscaux", source=_FILOSOFI_SOURCE,
                  vintage="2021"),
        "tp6021",
        "rev_txpauv_21",
    ),
)  # fmt: skip

#: Note of the Filosofi rows: where each column's value comes from.
FILOSOFI_NOTE = (
    "Revenu médian et taux de pauvreté (Filosofi 2021) : une médiane ne s'additionne pas ; "
    "valeur officielle de la commune, de la zone d'emploi, du département ou de la France "
    "métropolitaine quand le territoire en est un, sinon n.d. ; colonne France : ligne France "
    "de la source "
    "(indicateurs par territoire d'un observatoire open data) ; pas de valeur régionale."
)

#: Capacity over job seekers, from the two figures above.
CAPACITY_PER_1000 = Indicator(
    key="capacite_pour_1000_demandeurs",
    label="Capacité pour 1 000 demandeurs d'emploi",
    unit="salariés en insertion pour 1 000 demandeurs d'emploi",
    numerator="capacité d'insertion des SIAE × 1 000",
    denominator=f"demandeurs d'emploi inscrits ({JOB_SEEKERS_CATEGORY})",
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


def metropolitan(communes: pd.DataFrame) -> np.ndarray:
    """The communes of France métropolitaine (département outside 97x), as a mask: the level
    France of the comparisons (the DROM lack most commune indicators of the mirror)."""
    return ~communes["dep"].astype(str).str.startswith("97").to_numpy()


def key_figures(
    communes_all: pd.DataFrame,
    inside: pd.Series,
    ind: pd.DataFrame,
    registry: pd.DataFrame,
    dep: str,
    reg: str,
    *,
    official: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Key figures of the territory against its département, région and France.

    Counts are summed over the communes of each level; rates are ratios of sums, so the four
    columns are computed the same way. A level where a count is missing for more than 1 % of
    its communes gets no value (never a partial sum). Filosofi median and poverty rate
    (:data:`NOT_SUMMED`) are not summable: the commune's own value for a one-commune
    territory, else the official row of ``official`` (``{"ze2020": indicateurs_zones_emploi,
    "dep": indicateurs_departements, "france": indicateurs_france}``, ``code`` column) for a
    territory equal to one zone d'emploi, one département or France métropolitaine, and for
    the département and France columns; no value for the région (no regional source).
    """
    geo = [c for c in ("code", "dep", "reg", "ze2020") if c in communes_all.columns]
    frame = communes_all[geo].merge(ind, on="code", how="left")
    dep_name = communes_all.loc[communes_all["dep"] == dep, "dep_nom"].iloc[0]
    reg_name = communes_all.loc[communes_all["reg"] == reg, "reg_nom"].iloc[0]
    reg_counts = registry[registry["code_commune"].notna()]
    levels = {
        TERRITORY: inside.to_numpy(),
        f"Département : {dep_name}": (frame["dep"] == dep).to_numpy(),
        f"Région : {reg_name}": (frame["reg"] == reg).to_numpy(),
        FRANCE: metropolitan(frame),
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
    rows += _filosofi_rows(frame, inside.to_numpy(), levels, dep, official or {})
    for shown, col_filter in OFFER:
        row = _described(shown)
        for name, mask in levels.items():
            codes = set(frame.loc[mask, "code"])
            sel = reg_counts[codelib.isin(reg_counts["code_commune"], codes)]
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
    out = pd.DataFrame(rows)
    # every row's indicator, with its numerator and denominator (for the « Sources » sheet)
    out.attrs["indicateurs"] = [
        *(i for i, _, _ in SUMMED), *(i for i, _, _ in NOT_SUMMED), *(i for i, _ in OFFER),
        CAPACITY_PER_1000,
    ]
    return out


def official_tables(ctx: Any) -> dict[str, pd.DataFrame]:
    """The official tables of :func:`key_figures` from a report context (its ``base``)."""
    names = {"ze2020": "indicateurs_zones_emploi", "dep": "indicateurs_departements",
             "france": "indicateurs_france"}  # fmt: skip
    out = {}
    for key, name in names.items():
        try:
            out[key] = ctx.base.table(name)
        except CoodiagError:  # a base built without it: the rows stay n.d.
            continue
    return out


def _official_value(official: Mapping[str, pd.DataFrame], table: str, code: str, col: str) -> float:
    rows = official.get(table)
    if rows is None or col not in rows.columns:
        return float("nan")
    sel = rows.loc[rows["code"].astype(str) == code, col]
    return float(sel.iloc[0]) if len(sel) and sel.iloc[0] == sel.iloc[0] else float("nan")


def _filosofi_rows(
    frame: pd.DataFrame,
    mask_in: np.ndarray,
    levels: dict[str, np.ndarray],
    dep: str,
    official: Mapping[str, pd.DataFrame],
) -> list[dict]:
    """The :data:`NOT_SUMMED` rows: official values, never a mean of commune medians."""
    # (table, code) when the territory is exactly France, one zone d'emploi or one département
    whole = ("france", "00FR") if np.array_equal(mask_in, levels[FRANCE]) else None
    for table, col in (("ze2020", "ze2020"), ("dep", "dep")):
        if whole is None and col in frame.columns and mask_in.any():
            values = frame.loc[mask_in, col].dropna().unique()
            if len(values) == 1 and np.array_equal(frame[col] == values[0], mask_in):
                whole = (table, str(values[0]))
                break
    rows = []
    for shown, col, official_col in NOT_SUMMED:
        row = _described(shown)
        for name in levels:
            row[name] = float("nan")
        if mask_in.sum() == 1 and col in frame.columns:
            row[TERRITORY] = float(frame.loc[mask_in, col].iloc[0])
        elif whole is not None:
            row[TERRITORY] = _official_value(official, whole[0], whole[1], official_col)
        for name in levels:
            if name.startswith("Département"):
                row[name] = _official_value(official, "dep", dep, official_col)
        row[FRANCE] = _official_value(official, "france", "00FR", official_col)
        rows.append(row)
    return rows
