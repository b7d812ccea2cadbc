"""IRIS 2022 indicators aggregated to communes (Normandie): counts summed, rates re-weighted.

Pure functions on the frame of :func:`coodiag.mirror.loaders.indicators.load_rp2022_iris`, from
the specs of :mod:`coodiag.base.indicator_specs` (``IRIS_COUNTS``, ``IRIS_RATES``).
"""

from __future__ import annotations

import pandas as pd

from coodiag.base import indicator_specs as specs


def iris_to_communes(iris: pd.DataFrame) -> pd.DataFrame:
    """Aggregate the IRIS 2022 frame to communes (COG 2024 codes, as in the source).

    Columns: ``code``, the counts of :data:`~coodiag.base.indicator_specs.IRIS_COUNTS`
    (summed), the rates of :data:`~coodiag.base.indicator_specs.IRIS_RATES` (weighted means,
    NaN when the IRIS holding a value cover less than
    :data:`~coodiag.base.indicator_specs.IRIS_MIN_COVERAGE` of the commune's population), and
    the weights ``w_<name>`` summed (used to re-weight rates in the COG conversion).
    """
    pop = iris["P22_POP"].fillna(0.0)

    def share(*cols: str) -> pd.Series:
        return sum((iris[c] for c in cols), start=pd.Series(0.0, index=iris.index)) / 100.0

    weights = {
        "pop": pop,
        "pop1524": pop * share("dm_1524_pct_22"),
        "pop2554": pop * share("dm_2554_pct_22"),
        "pop5564": pop * share("dm_5564_pct_22"),
        "pop1564": pop * share("dm_1524_pct_22", "dm_2554_pct_22", "dm_5564_pct_22"),
        "pop15p": pop * (1.0 - share("dm_0014_pct_22")),
        "pop5579": pop * share("dm_5564_pct_22", "dm_6579_pct_22"),
        "pop80p": pop * share("dm_80p_pct_22"),
        "men": iris["men_tot_stock_22"],
    }
    iris, active = rebuild_active(iris, weights)
    weights |= active
    weights = {k: v.fillna(0.0).clip(lower=0.0) for k, v in weights.items()}
    data: dict[str, pd.Series] = {"code": iris["COM"]}
    for src, (key, *_rest) in specs.IRIS_COUNTS.items():
        data[key] = iris[src]
    for name, w in weights.items():
        data[f"w_{name}"] = w
    for src, (key, _l, _n, _d, weight, _e) in specs.IRIS_RATES.items():
        value = iris[src]
        w = weights[weight]
        has = value.notna()
        data[f"{key}__num"] = (value * w).where(has, 0.0)
        data[f"{key}__den"] = w.where(has, 0.0)
        data[f"{key}__cov"] = pop.where(has, 0.0)
    frame = pd.DataFrame(data)
    summed = frame.groupby("code", sort=True).sum(min_count=1)
    out = pd.DataFrame(index=summed.index)
    for key, *_rest in specs.IRIS_COUNTS.values():
        out[key] = summed[key]
    for key, _l, _n, _d, _w, _e in specs.IRIS_RATES.values():
        den = summed[f"{key}__den"]
        covered = summed[f"{key}__cov"] >= specs.IRIS_MIN_COVERAGE * summed["p22_pop"]
        out[key] = (summed[f"{key}__num"] / den.where(den > 0)).where(covered)
    for name in weights:
        out[f"w_{name}"] = summed[f"w_{name}"]
    return out.reset_index()


def rebuild_active(
    iris: pd.DataFrame, weights: dict[str, pd.Series]
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The active population of each IRIS and age band, and the weight of its 15-64 rate.

    Per band (15-24, 25-54, 55-64), from employed = active × (1 − unemployment rate): active
    = population of the band × employment rate ÷ (1 − unemployment rate) (weights
    ``act1524``…; a band with no one employed and no rate has no active people). The source's
    band rates and employment rates share their counts (exploitation principale): the
    unemployed of a band nearly always come out as whole numbers.

    The source's 15-64 rate is not the band rates recombined: its denominator is the active
    population of the exploitation complémentaire (``P22_CHOM1564 / C22_ACT1564``, the
    publisher's formula), and so are, as measured below, the official commune, zone and
    département rates. It is kept as published and weighted by its
    own denominator, rebuilt as (unemployed of the three bands) ÷ rate (``act1564``); an IRIS
    with a rate of 0 or a band missing falls back on 15-64 population × employment rate ÷
    (1 − rate). Measured (official in brackets): Caen 15.16 (15.16), Mont-Saint-Aignan 13.48
    (13.41), Évreux 19.94 (19.95); per département and zone d'emploi of Normandie within 0.02
    point of the source. Recombining the band rates instead gives 13.29 and 19.81 (−0.05 on
    average per zone), the 15-64 rates weighted by 15-64 population × employment rate ÷
    (1 − rate) 15.41, 14.01, 19.93. Returns ``(iris, {weight name: series})``.
    """
    bands = ("1524", "2554", "5564")

    def active(pop: pd.Series, band: str) -> pd.Series:
        rate = iris[f"soc_txchom_{band}_22"] / 100.0
        employed = pop * iris[f"eco_txemp_{band}_22"] / 100.0
        act = employed / (1.0 - rate).where(rate < 1)
        return act.where(~(employed.eq(0) & rate.isna()), 0.0)

    out = {f"act{b}": active(weights[f"pop{b}"], b) for b in bands}
    unemployed = sum(
        out[f"act{b}"] * iris[f"soc_txchom_{b}_22"].fillna(0.0) / 100.0 for b in bands
    )
    rate = iris["soc_txchom_1564_22"] / 100.0
    by_band = unemployed.gt(0) & rate.gt(0)
    out["act1564"] = (unemployed / rate.where(by_band)).where(
        by_band, active(weights["pop1564"], "1564")
    )
    return iris, out
