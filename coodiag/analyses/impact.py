"""Impact on unemployment: how much unemployment would rise if an SIAE (or all SIAE) stopped.

Coodiag's published examples: "if this AI stopped, unemployment in Avranches would rise by
23.63 %" (salariés en parcours living in the commune over its unemployed), and the zones d'emploi
of Normandie compared by the weight of their whole insertion offer.
"""

from __future__ import annotations

import pandas as pd

from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE
from coodiag.base.indicators import Indicator

CENSUS_UNEMPLOYED = "chômeurs de 15 à 64 ans (recensement 2021, INSEE)"

#: The denominators a user can choose for the commune impact: key -> (indicator, French label).
UNEMPLOYED = {
    "chomeurs": ("p21_chom1564", CENSUS_UNEMPLOYED),
    "demandeurs": ("de_2024", JOB_SEEKERS),
}

#: Vintage of each denominator label (the job seekers' file states no date: say so).
VINTAGES = {CENSUS_UNEMPLOYED: "RP 2021", JOB_SEEKERS: JOB_SEEKERS_DATE}


def vintage_of(label: str) -> str:
    """The vintage of a denominator label (:data:`VINTAGES`, else its last parenthesis)."""
    return VINTAGES.get(label, label.split("(")[-1].rstrip(")"))


def who(label: str) -> str:
    """« demandeurs d'emploi » when the denominator label is job seekers, else « chômeurs »."""
    return "demandeurs d'emploi" if label.startswith("demandeurs") else "chômeurs"


def salaries_by_commune(
    salaries: pd.DataFrame,
    *,
    mode: str = "periode",
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    date: pd.Timestamp | str | None = None,
) -> pd.Series:
    """N_c: salariés en parcours per commune of residence.

    ``mode="periode"``: distinct persons with a contract overlapping [start, end] (default: the
    whole span of the file); ``mode="stock"``: distinct persons under contract on ``date``
    (``date_debut ≤ date`` and no end or ``date_fin ≥ date``). A person is counted once, in the
    commune of their latest contract of the window; without ``id_salarie`` each row is a person.
    Unit: persons. ``salaries`` is the ``data`` of the salariés import (``code_commune,
    date_debut, date_fin`` and optionally ``id_salarie``).
    """
    df = salaries.loc[salaries["code_commune"].notna()].copy()
    begin = pd.to_datetime(df["date_debut"])
    finish = pd.to_datetime(df["date_fin"])
    if mode == "stock":
        when = pd.Timestamp(date) if date is not None else finish.max()
        keep = (begin <= when) & (finish.isna() | (finish >= when))
    elif mode == "periode":
        lo = pd.Timestamp(start) if start is not None else begin.min()
        hi = pd.Timestamp(end) if end is not None else max(begin.max(), finish.max())
        keep = (begin <= hi) & (finish.isna() | (finish >= lo))
    else:
        raise ValueError(f"mode inconnu : {mode!r} (attendu « periode » ou « stock »)")
    df = df[keep].assign(_begin=begin[keep])
    has_id = "id_salarie" in df.columns and df["id_salarie"].notna().any()
    rows = pd.Series("ligne " + df.index.astype(str), index=df.index)
    person = df["id_salarie"].astype("string").fillna(rows) if has_id else rows
    latest = df.assign(_person=person).sort_values("_begin").groupby("_person").tail(1)
    counts = latest.groupby("code_commune").size().astype("int64")
    counts.index.name = "code"
    counts.name = "salaries"
    return counts


def impact_communes(
    salaries: pd.Series,
    indicators: pd.DataFrame,
    *,
    denominator: str = "chomeurs",
    names: pd.Series | None = None,
) -> pd.DataFrame:
    """Impact of an SIAE on unemployment in each commune where its salariés live.

    .. math:: \\text{impact}_c = \\frac{N_c}{U_c} \\times 100

    N_c: salariés en parcours living in commune c (:func:`salaries_by_commune`); U_c: the
    unemployed of the commune, ``denominator`` = ``"chomeurs"`` (census 2021 unemployed aged
    15-64) or ``"demandeurs"`` (job seekers registered at France
    Travail, all of France). Unit: % of U_c — the rise of unemployment in c if the SIAE stopped
    and its salariés became unemployed. NaN where U_c is missing or 0 (the commune is still
    listed, with its N_c).

    Returns ``code, nom, salaries, chomeurs, impact_pct``, sorted by impact; the denominator
    chosen is in ``attrs["denominateur"]`` and the indicator metadata in
    ``attrs["indicateurs"]``.
    """
    key, label = UNEMPLOYED[denominator]
    u = indicators.set_index("code")[key].reindex(salaries.index).astype("float64")
    out = pd.DataFrame(
        {"code": salaries.index, "salaries": salaries.to_numpy(), "chomeurs": u.to_numpy()}
    )
    if names is not None:
        out.insert(1, "nom", out["code"].map(names))
    out["impact_pct"] = 100 * out["salaries"] / out["chomeurs"].where(out["chomeurs"] > 0)
    out = out.sort_values(["impact_pct", "salaries"], ascending=False, ignore_index=True)
    out.attrs["denominateur"] = label
    out.attrs["indicateurs"] = [
        Indicator(
            key="impact_pct",
            label="Hausse du chômage si la structure s'arrêtait",
            unit="%",
            numerator="salariés en parcours résidant dans la commune (fichier de la SIAE)",
            denominator=label,
            source=f"fichier des salariés de la SIAE ; {label}",
            vintage="période du fichier ; " + vintage_of(label),
            method=f"impact = salariés résidant dans la commune / {who(label)} de la commune "
            "× 100",
        )
    ]
    return out


def impact_zones(
    offer: pd.DataFrame, unemployed: pd.Series, *, denominator_label: str
) -> pd.DataFrame:
    """Impact of the whole insertion offer of each zone d'emploi on its unemployment.

    .. math:: \\text{impact}_z = \\frac{\\text{capacité}_z}{U_z} \\times 100

    capacité_z: salariés en insertion of all the SIAE located in zone z
    (:func:`coodiag.analyses.offer.offer_by_territory` with ``level="ze"``: the user's figures where
    given, else DARES national averages per type, flagged in ``capacite_estimee_part``);
    U_z: unemployed (or job seekers) of the zone. Unit: %. This assumes the salariés live in
    the zone of their SIAE, as in Coodiag's Normandie example; long-term job seekers
    (DELD) are not in the mirror: a user file gives them.
    """
    out = offer[["code", "n_siae", "capacite", "capacite_estimee_part"]].copy()
    out["chomeurs"] = out["code"].map(unemployed).astype("float64")
    out["impact_pct"] = 100 * out["capacite"] / out["chomeurs"].where(out["chomeurs"] > 0)
    out = out.sort_values("impact_pct", ascending=False, ignore_index=True)
    out.attrs["denominateur"] = denominator_label
    out.attrs["indicateurs"] = [
        Indicator(
            key="impact_pct",
            label="Poids de l'offre d'insertion dans le chômage de la zone",
            unit="%",
            numerator="salariés en insertion des SIAE de la zone (capacité, estimée si "
            "inconnue : moyenne nationale du type, DARES 31/12/2019)",
            denominator=denominator_label,
            source="registre des SIAE (plateforme de l'inclusion 2021, ASP 2019) ; "
            + denominator_label,
            vintage="SIAE 2019-2021 ; " + vintage_of(denominator_label),
            method=f"impact = capacité des SIAE de la zone / {who(denominator_label)} de la zone "
            "× 100",
        ),
        Indicator(
            key="chomeurs",
            label=denominator_label[0].upper() + denominator_label[1:],
            unit="personnes",
            source=denominator_label,
            vintage=vintage_of(denominator_label),
            method="somme des communes de la zone",
        ),
    ]
    return out
