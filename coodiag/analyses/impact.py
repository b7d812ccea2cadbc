"""Impact on unemployment: how much unemployment would rise if an SIAE (or all SIAE) stopped.

Coodiag's published examples: "if this AI stopped, unemployment in Avranches would rise by
23.63 %" (salariés en parcours living in the commune over its unemployed), and the zones d'emploi
of Normandie compared by the weight of their whole insertion offer.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import fr
from coodiag.analyses.access import DEFAULT_RADIUS_ALL_KM
from coodiag.analyses.points import commune_points, zone_crs
from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE
from coodiag.base.indicators import Indicator
from coodiag.errors import CoodiagError

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


def parse_date(value: pd.Timestamp | dt.date | str, *, what: str = "date") -> pd.Timestamp:
    """A date given as ``JJ/MM/AAAA`` (or ``AAAA-MM-JJ``, or a date): else a French error."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value)
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise CoodiagError(
        f"{what.capitalize()} « {text} » invalide : date JJ/MM/AAAA attendue (ex. 30/06/2024)."
    )


def salaries_by_commune(
    salaries: pd.DataFrame,
    *,
    mode: str = "periode",
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    date: pd.Timestamp | str | None = None,
) -> pd.Series:
    """N_c: salariés en parcours per commune of residence.

    ``mode="periode"`` (the default): distinct persons with a contract overlapping [start, end]
    (default: the whole span of the file, first start to last start or end); ``mode="stock"``:
    distinct persons under contract on ``date`` (``date_debut ≤ date`` and no end or
    ``date_fin ≥ date``; default: the last date of the file; a date outside the file's span
    is refused, since an open contract says nothing of a later date). A person is counted
    once, in the commune of their latest contract of the window; without ``id_salarie`` each
    row is a person.
    Unit: persons. ``salaries`` is the ``data`` of the salariés import (``code_commune,
    date_debut, date_fin`` and optionally ``id_salarie``).

    The window counted is in ``attrs``: ``mode``, ``debut`` and ``fin`` (période) or ``date``
    (stock), as :class:`pandas.Timestamp`; :func:`window_text` prints it.
    """
    df = salaries.loc[salaries["code_commune"].notna()].copy()
    begin = pd.to_datetime(df["date_debut"])
    finish = pd.to_datetime(df["date_fin"])
    first, last = begin.min(), max(begin.max(), finish.max())
    if mode == "stock":
        when = parse_date(date) if date is not None else last
        if not first <= when <= last:  # open contracts say nothing of a date after the file
            raise CoodiagError(
                f"Date {fr.short_date(when)} hors de la période du fichier des salariés (du "
                f"{fr.short_date(first)} au {fr.short_date(last)}) : choisissez une date de "
                "cette période."
            )
        keep = (begin <= when) & (finish.isna() | (finish >= when))
        window = {"mode": "stock", "date": when}
    elif mode == "periode":
        lo = parse_date(start, what="début de période") if start is not None else first
        hi = parse_date(end, what="fin de période") if end is not None else last
        if lo > hi:
            raise CoodiagError(
                f"Période inversée : le début ({fr.short_date(lo)}) est après la fin "
                f"({fr.short_date(hi)}) ; indiquez --debut avant --fin."
            )
        keep = (begin <= hi) & (finish.isna() | (finish >= lo))
        window = {"mode": "periode", "debut": lo, "fin": hi}
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
    counts.attrs.update(window, fichier_debut=first, fichier_fin=last)
    return counts


def window_text(attrs: dict) -> str:
    """« du 03/07/2023 au 26/12/2024 » (période) or « au 30/06/2024 » (stock) from the
    ``attrs`` of :func:`salaries_by_commune`; « période non précisée » without them."""
    if attrs.get("mode") == "stock":
        return f"au {fr.short_date(attrs['date'])}"
    if attrs.get("debut") is not None and not pd.isna(attrs["debut"]):
        return f"du {fr.short_date(attrs['debut'])} au {fr.short_date(attrs['fin'])}"
    return "période non précisée"


def counted_text(attrs: dict) -> str:
    """Who is counted, in French: « personnes distinctes ayant eu au moins un contrat du … au
    … » (période) or « personnes sous contrat le … » (stock)."""
    if attrs.get("mode") == "stock":
        return f"personnes sous contrat le {fr.short_date(attrs['date'])}"
    return f"personnes distinctes ayant eu au moins un contrat {window_text(attrs)}"


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

    Rounding rule: census counts are weighted estimates (38.58 unemployed); U_c is rounded to
    the unit first and the impact computed on that published count, so that the printed
    figures agree (11 salariés / 39 chômeurs = 28.21 %, not 28.51 %).

    Returns ``code, nom, salaries, chomeurs, impact_pct``, sorted by commune code; the denominator
    chosen is in ``attrs["denominateur"]`` and the indicator metadata in
    ``attrs["indicateurs"]``.
    """
    key, label = UNEMPLOYED[denominator]
    u = indicators.set_index("code")[key].reindex(salaries.index).astype("float64").round(0)
    out = pd.DataFrame(
        {"code": salaries.index, "salaries": salaries.to_numpy(), "chomeurs": u.to_numpy()}
    )
    if names is not None:
        out.insert(1, "nom", out["code"].map(names))
    out["impact_pct"] = 100 * out["salaries"] / out["chomeurs"].where(out["chomeurs"] > 0)
    # Commune-code order, never an order by N_c or the impact: statistical secrecy masks small
    # N_c, and a table sorted by them would let a reader bound each masked row between its
    # neighbours (publish with coodiag.secrecy.publication_order).
    out = out.sort_values("code", ignore_index=True)
    out.attrs["denominateur"] = label
    out.attrs["indicateurs"] = [
        Indicator(
            key="impact_pct",
            label="Hausse du chômage si la structure s'arrêtait",
            unit="%",
            numerator="salariés en parcours résidant dans la commune (fichier de la SIAE : "
            f"{counted_text(salaries.attrs)})",
            denominator=label,
            source=f"fichier des salariés de la SIAE ; {label}",
            vintage=f"salariés {window_text(salaries.attrs)} ; " + vintage_of(label),
            method=f"impact = salariés résidant dans la commune / {who(label)} de la commune "
            "(arrondis à l'unité) × 100",
        )
    ]
    return out


#: Residence communes beyond this distance of the structure (the 2SFCA catchment radius, in km)
#: are « éloignées ».
FAR_KM = DEFAULT_RADIUS_ALL_KM


def residence_distances(
    codes: pd.Index | list[str],
    communes: gpd.GeoDataFrame,
    point: object,
    *,
    zone: str | None = None,
    radius_km: float = FAR_KM,
) -> pd.DataFrame:
    """Distance of each residence commune to the structure, and whether it is « éloignée ».

    .. math:: d_c = \\lVert p_c - p_s \\rVert

    p_c: representative point of commune c (town hall where known), p_s: the structure's point,
    both in the metric CRS of the structure's zone (Lambert-93 in metropolitan France). Unit: km.
    A commune is éloignée when it is outside ``zone`` (the structure's zone d'emploi, always
    part of its territory) and farther than ``radius_km`` (default: the 30 km catchment radius
    of the accessibility), or in another territorial zone (a DROM for a metropolitan structure:
    no common projection, ``distance_km`` NaN).

    ``communes``: the communes of the base (WGS84, with ``code, nom, dep, ze2020, crs_zone``);
    ``point``: the structure's point (WGS84). Returns ``code, nom, dep, distance_km,
    eloignee, motif`` (French: « à 812 km », « outre-mer »), one row per code, in the order given.
    """
    codes = pd.Index(codes, name="code").astype(str)
    com = communes.set_index("code").reindex(codes)
    home = gpd.GeoSeries([point], crs=communes.crs)
    out = pd.DataFrame(
        {"code": codes, "nom": com["nom"].to_numpy(), "dep": com["dep"].to_numpy()}
    )
    known = com["crs_zone"].notna().to_numpy()
    pts = commune_points(communes.set_index("code")).reindex(codes)
    zones = com["crs_zone"].astype("string").fillna("").to_numpy()
    home_zone = "metro"
    metro = known & (zones == home_zone)
    dist = np.full(len(codes), np.nan)
    if metro.any():
        crs = zone_crs(home_zone)
        xy = gpd.GeoSeries(pts[metro].to_numpy(), crs=communes.crs).to_crs(crs)
        dist[metro] = xy.distance(home.to_crs(crs).iloc[0]).to_numpy() / 1000
    out["distance_km"] = dist
    in_zone = (com["ze2020"].astype("string") == zone).fillna(False).to_numpy(bool)
    beyond = ~np.isnan(dist) & (dist > radius_km)
    other = ~metro
    out["eloignee"] = ~in_zone & (beyond | other)
    out["motif"] = None
    out.loc[beyond & ~in_zone, "motif"] = [
        f"à {fr.km(d, 0)} de la structure (plus de {fr.km(radius_km, 0)})"
        for d in dist[beyond & ~in_zone]
    ]
    out.loc[other & known, "motif"] = "outre-mer : hors du territoire métropolitain de la structure"
    out.loc[~known, "motif"] = "commune inconnue de la base"
    out["motif"] = out["motif"].astype("string")
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
    out["chomeurs"] = out["code"].map(unemployed).astype("float64").round(0)
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
            "(arrondis à l'unité) × 100",
        ),
        Indicator(
            key="chomeurs",
            label=denominator_label[0].upper() + denominator_label[1:],
            unit="personnes",
            source=denominator_label,
            vintage=vintage_of(denominator_label),
            method="somme des communes de la zone, arrondie à l'unité",
        ),
    ]
    return out
