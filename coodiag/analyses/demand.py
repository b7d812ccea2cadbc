"""The need of each commune: unemployed 15-64 (census, else estimated) or job seekers.

The denominator of the accessibility (:func:`coodiag.analyses.access.accessibility`) and the
need of the coverage classes (:mod:`coodiag.analyses.coverage`). The 2021 census count of
unemployed (``p21_chom1564``, every commune where a census file has it: the national
comparateur, the richer Normandie/Île-de-France file, see the base's ``source_rp21``) is the
need; only a commune without it falls back on an estimate from its population and its zone
d'emploi's employment and unemployment rates (:func:`estimate_unemployed`), flagged
``demande_estimee``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE, JOB_SEEKERS_SOURCE
from coodiag.base.indicators import Indicator

SRC_RP21 = "INSEE, recensement de la population 2021"
SRC_RP22 = "INSEE, recensement de la population 2022"
SRC_DE = JOB_SEEKERS_SOURCE

LABEL_KNOWN = "recensement 2021 : chômeurs de 15 à 64 ans (P21_CHOM1564)"
LABEL_ESTIMATE = (
    "estimation : population 2022 × part des 15-64 ans × taux d'emploi × taux de chômage / "
    "(1 − taux de chômage) de la zone d'emploi (RP 2022)"
)
LABEL_DE = f"{JOB_SEEKERS}, arrondis à 5"
LABEL_NONE = "indisponible"


def census_sources(indicators: pd.DataFrame) -> str:
    """The census 2021 source line: the files the communes' values come from (``source_rp21``).

    >>> census_sources(pd.DataFrame({"source_rp21": ["b", "a", "b", None]}))
    'INSEE, recensement de la population 2021 (a ; b)'
    """
    if "source_rp21" not in indicators.columns:
        return SRC_RP21
    files = sorted(indicators["source_rp21"].dropna().astype(str).unique())
    return f"{SRC_RP21} ({' ; '.join(files)})" if files else SRC_RP21


def share_1564(indicators: pd.DataFrame) -> tuple[float, int]:
    """s = Σ p21_pop1564 / Σ pop22 over the communes where both are known.

    Ratio of sums (a population-weighted share), RP 2021 numerator over RP 2022 denominator
    (the only 15-64 counts in the base are 2021; the one-year gap is part of the estimate's
    error). Returns ``(s, number of calibration communes)``.
    """
    both = indicators["p21_pop1564"].notna() & indicators["pop22"].notna()
    both &= indicators["pop22"] > 0
    n = int(both.sum())
    if n == 0:
        raise ValueError("Aucune commune avec p21_pop1564 et pop22 : calibration impossible.")
    cal = indicators.loc[both]
    return float(cal["p21_pop1564"].sum() / cal["pop22"].sum()), n


def estimate_unemployed(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    ze_indicators: pd.DataFrame,
    *,
    share: float | None = None,
) -> pd.Series:
    """Estimated unemployed 15-64 of every commune from its population and its zone's rates.

    .. math:: \\hat U_i = P_i \\cdot s \\cdot e_z \\cdot \\frac{c_z}{1 - c_z}

    P_i: population municipale 2022 of commune i (``pop22``); s: share of the 15-64 among the
    population (:func:`share_1564`, calibrated on the communes where both the 2021 census 15-64
    count and pop22 are known); e_z: employment rate 15-64 of the
    zone d'emploi (``eco_txemp_1564_22`` / 100, employed / population 15-64); c_z: unemployment
    rate 15-64 of the zone (``soc_txchom_1564_22`` / 100, unemployed / active 15-64). Since
    active = employed + unemployed, unemployed = employed × c/(1 − c) = P15-64 × e × c/(1 − c).
    Unit: persons (census definition, not job seekers). Indexed like ``communes``; NaN where
    pop22 or the zone's rates are missing (DROM).
    """
    s = share if share is not None else share_1564(indicators)[0]
    ind = indicators.set_index("code")
    ze = ze_indicators.set_index("code")
    pop = communes["code"].map(ind["pop22"]).astype("float64")
    zone = communes["ze2020"]
    e = zone.map(ze["eco_txemp_1564_22"]).astype("float64") / 100
    c = zone.map(ze["soc_txchom_1564_22"]).astype("float64") / 100
    return pd.Series((pop * s * e * c / (1 - c)).to_numpy(), index=communes.index, name="demande")


def demand(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    ze_indicators: pd.DataFrame,
    *,
    kind: str = "chomeurs",
) -> pd.DataFrame:
    """The need of each commune: ``code, demande, demande_estimee, demande_source, population``.

    ``kind="chomeurs"`` (default): unemployed 15-64 (census, INSEE definition). The 2021 census
    count ``p21_chom1564`` wherever the base has it (``demande_estimee=False``); only where it
    is missing, the fallback :func:`estimate_unemployed` (``demande_estimee=True``):
    pop22 × s × e_z × c_z / (1 − c_z), s calibrated on the communes with both counts (value in
    ``attrs["parametres"]["part_1564"]``; counts in ``communes_recensement`` and
    ``communes_estimees``). ``kind="demandeurs"``: job seekers registered at
    France Travail (``de_2024``, all France, rounded to 5 by the source; not an estimate).
    ``population``: pop22 (the denominator of the need per 1,000 inhabitants). Unit: persons.
    """
    if kind not in ("chomeurs", "demandeurs"):
        raise ValueError("kind doit valoir « chomeurs » ou « demandeurs ».")
    ind = indicators.set_index("code")
    code = communes["code"].astype("string")
    out = pd.DataFrame({"code": code.to_numpy()})
    out["population"] = code.map(ind["pop22"]).astype("float64").to_numpy()
    params: dict = {"kind": kind}
    if kind == "demandeurs":
        val = code.map(ind["de_2024"]).astype("float64").to_numpy()
        out["demande"] = val
        out["demande_estimee"] = False
        out["demande_source"] = pd.Series(LABEL_DE, index=out.index, dtype="string").where(
            ~np.isnan(val), LABEL_NONE
        )
        meta = Indicator(
            key="demande",
            label="Demandeurs d'emploi inscrits",
            unit="personnes",
            source=SRC_DE,
            vintage=JOB_SEEKERS_DATE,
            method=f"effectif de la source : {JOB_SEEKERS}, arrondi à 5",
        )
    else:
        s, n = share_1564(indicators)
        known = code.map(ind["p21_chom1564"]).astype("float64").to_numpy()
        est = estimate_unemployed(communes, indicators, ze_indicators, share=s).to_numpy()
        has = ~np.isnan(known)
        out["demande"] = np.where(has, known, est)
        out["demande_estimee"] = ~has & ~np.isnan(est)
        out["demande_source"] = pd.Series(
            np.where(has, LABEL_KNOWN, np.where(np.isnan(est), LABEL_NONE, LABEL_ESTIMATE)),
            dtype="string",
        )
        n_est = int(out["demande_estimee"].sum())
        params.update({"part_1564": s, "communes_calibration": n,
                       "communes_recensement": int(has.sum())})
        meta = Indicator(
            key="demande",
            label="Chômeurs de 15 à 64 ans (recensement 2021"
            + (" ; estimés, faute de valeur, pour les communes signalées)" if n_est else ")"),
            unit="personnes",
            source=census_sources(indicators)
            + (f" ; {SRC_RP22} (population communale, taux des zones d'emploi)" if n_est else ""),
            vintage="RP 2021" + (" (connus) ; RP 2022 (estimés)" if n_est else ""),
            method=(
                f"P21_CHOM1564 pour {int(has.sum())} communes ; à défaut, estimation de zone "
                f"signalée (demande_estimee, {n_est} communes) : population 2022 × s × taux "
                "d'emploi × taux de chômage / (1 − taux de chômage) de la zone d'emploi, s = "
                f"part des 15-64 ans = {s:.4f} (Σ P21_POP1564 / Σ population 2022 sur les {n} "
                "communes où les deux sont connus)"
            ),
        )
    out.attrs["indicateurs"] = [
        meta,
        Indicator(
            key="population",
            label="Population municipale 2022",
            unit="personnes",
            source=SRC_RP22,
            vintage="RP 2022",
            method="somme des IRIS de la commune ; absente dans les DROM",
        ),
    ]
    params["communes_estimees"] = int(out["demande_estimee"].sum())
    params["communes_sans_demande"] = int(out["demande"].isna().sum())
    out.attrs["parametres"] = params
    return out
