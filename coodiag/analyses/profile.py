"""Profile of the salariés en parcours of a structure, from its roster: who they are and how
they leave, under statistical secrecy.

:func:`roster_profile` counts the same persons as
:func:`coodiag.analyses.impact.salaries_by_commune` (distinct persons with a contract in the
window, each described by their latest contract of the window) by sex, age band at entry,
training level and priority public, and the exits of the window by type, with the DARES rate
of « sorties dynamiques »:

.. math::

    \\text{taux de sorties dynamiques} = 100 \\times
    \\frac{S_{\\text{durable}} + S_{\\text{transition}} + S_{\\text{positive}}}{S}

where :math:`S` counts the exits of the window whose type is known (a contract ending in the
window with a ``type_sortie``): **emploi durable** (CDI, CDD of 6 months or more, civil
service, business creation), **emploi de transition** (CDD under 6 months, subsidised
contract outside the IAE), **sortie positive** (another SIAE, qualifying training, retirement);
« autre » is every other exit. Reference: Île-de-France 2016, 70 % of dynamic exits.

Secrecy (:mod:`coodiag.secrecy`): each theme of exclusive categories (sex, age, training level,
exits) is masked with its total published (primary and secondary secrecy); a public (not
exclusive) is masked alone; a share of a masked count is masked; the dynamic exits are
published only when no exit count is masked (else they would give the masked one by
difference). Rows keep a fixed order (the categories' own), never an order by a count: the
published table does not change when only masked cells change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coodiag import secrecy
from coodiag.analyses.impact import parse_date
from coodiag.base.indicators import Indicator

#: Themes of the profile, in reading order.
THEMES = ("Sexe", "Âge à l'entrée", "Niveau de formation", "Publics prioritaires", "Sorties")
#: Age bands at entry (IAE conventions).
AGE_BANDS = ("moins de 26 ans", "26 à 49 ans", "50 ans ou plus")
SEXES = {"F": "femmes", "H": "hommes"}
#: Training levels of the roster format (:data:`coodiag.userfiles.salaries.NIVEAUX`).
LEVELS = ("sans diplôme", "CAP-BEP", "bac", "bac+2", "bac+3 et plus")
#: Below the bac: the levels compared with the census share of the same name.
BELOW_BAC = ("sans diplôme", "CAP-BEP")
PUBLICS = {"deld": "demandeurs d'emploi de longue durée (DELD)",
           "brsa": "bénéficiaires du RSA (BRSA)", "qpv": "résidents d'un QPV",
           "rqth": "travailleurs handicapés (RQTH)", "jeune": "jeunes (moins de 26 ans)",
           "senior": "seniors (50 ans ou plus)"}
#: Exit types of the roster format, the first three are « dynamiques » (DARES).
EXITS = ("emploi durable", "emploi de transition", "sortie positive", "autre")
DYNAMIC = EXITS[:3]
UNKNOWN = "non renseigné"
DYNAMIC_LABEL = "dont sorties dynamiques (durable, transition, positive)"
#: The indicator of the profile table.
META = Indicator(
    key="profil_salaries", label="Profil des salariés en parcours", unit="personnes",
    source="fichier des salariés de la structure",
    method="personnes distinctes de la période (leur dernier contrat) ; sorties : contrats "
    "terminés sur la période avec un type de sortie ; sorties dynamiques (DARES) : emploi "
    "durable, emploi de transition, sortie positive ; secret statistique",
)


def _window(salaries: pd.DataFrame, mode: str, start, end, date) -> tuple[pd.Series, dict]:
    """Rows in the window (as :func:`coodiag.analyses.impact.salaries_by_commune`)."""
    begin = pd.to_datetime(salaries["date_debut"])
    finish = pd.to_datetime(salaries["date_fin"])
    first, last = begin.min(), max(begin.max(), finish.max())
    if mode == "stock":
        when = parse_date(date) if date is not None else last
        keep = (begin <= when) & (finish.isna() | (finish >= when))
        return keep, {"lo": when, "hi": when}
    lo = parse_date(start) if start is not None else first
    hi = parse_date(end) if end is not None else last
    return (begin <= hi) & (finish.isna() | (finish >= lo)), {"lo": lo, "hi": hi}


def _age_band(age: pd.Series) -> pd.Series:
    band = pd.cut(age.astype("float"), [-np.inf, 25.5, 49.5, np.inf], labels=list(AGE_BANDS))
    return band.astype(object).where(band.notna(), UNKNOWN)


def _theme(name: str, values: pd.Series, order: tuple[str, ...], threshold: int) -> pd.DataFrame:
    """One theme of exclusive categories, masked with its total."""
    counts = values.value_counts().reindex([*order, UNKNOWN], fill_value=0)
    if counts[UNKNOWN] == 0:
        counts = counts.drop(UNKNOWN)
    masked = secrecy.mask_series(counts, threshold=threshold, append_total="Total")
    total = int(counts.sum())
    rows = [(name, k, masked[k], 100 * counts[k] / total if total else np.nan)
            for k in counts.index]
    rows.append((name, "ensemble", masked["Total"], 100.0 if total else np.nan))
    return pd.DataFrame(rows, columns=["theme", "modalite", "effectif", "part"])


def roster_profile(
    salaries: pd.DataFrame,
    *,
    mode: str = "periode",
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    date: pd.Timestamp | str | None = None,
    threshold: int | None = None,
) -> pd.DataFrame:
    """The profile of the salariés of the window, under secrecy.

    Parameters
    ----------
    salaries
        The ``data`` of the roster import (:func:`coodiag.userfiles.salaries.read_salaries`).
    mode, start, end, date
        The window, as :func:`coodiag.analyses.impact.salaries_by_commune`.
    threshold
        Secrecy threshold (:func:`coodiag.secrecy.get_threshold`).

    Returns
    -------
    pandas.DataFrame
        ``theme, modalite, effectif`` (int, or the secrecy label as text), ``part`` (% of the
        theme's persons or exits; NaN where the count is masked), in a fixed order;
        ``attrs``: ``personnes`` (published total), ``taux_dynamiques`` (% or None),
        ``sorties`` (published), ``indicateurs``.

    Examples
    --------
    >>> roster_profile(data).query("theme == 'Sexe'")  # doctest: +SKIP
    """
    t = secrecy.get_threshold(threshold)
    df = salaries.loc[salaries["code_commune"].notna()]
    keep, win = _window(df, mode, start, end, date)
    rows = df[keep].assign(_begin=pd.to_datetime(df.loc[keep, "date_debut"]))
    has_id = "id_salarie" in rows.columns and rows["id_salarie"].notna().any()
    line = pd.Series("ligne " + rows.index.astype(str), index=rows.index)
    person = rows["id_salarie"].astype("string").fillna(line) if has_id else line
    latest = rows.assign(_person=person).sort_values("_begin").groupby("_person").tail(1)
    parts = [
        _theme("Sexe", latest["sexe"].map(SEXES).fillna(UNKNOWN), tuple(SEXES.values()), t),
        _theme("Âge à l'entrée", _age_band(latest["age_entree"]), AGE_BANDS, t),
        _theme("Niveau de formation", latest["niveau_formation"].astype(object).fillna(UNKNOWN),
               LEVELS, t),
    ]
    n = len(latest)
    pub = []
    for col, label in PUBLICS.items():
        k = int(latest[col].fillna(False).astype(bool).sum()) if col in latest else 0
        shown = secrecy.mask_series(pd.Series([k]), threshold=t).iloc[0]
        pub.append(("Publics prioritaires", label, shown,
                    np.nan if isinstance(shown, str) or not n else 100 * k / n))
    parts.append(pd.DataFrame(pub, columns=["theme", "modalite", "effectif", "part"]))
    end_ = pd.to_datetime(rows["date_fin"])
    exits = rows[end_.notna() & (end_ >= win["lo"]) & (end_ <= win["hi"])
                 & rows["type_sortie"].notna()]
    out = _theme("Sorties", exits["type_sortie"].astype(object), EXITS, t)
    out = out[out["modalite"] != UNKNOWN]
    counts = exits["type_sortie"].value_counts()
    n_exits = int(counts.sum())
    dyn = int(counts.reindex(list(DYNAMIC), fill_value=0).sum())
    clear = not out["effectif"].map(lambda v: isinstance(v, str)).any()
    rate = 100 * dyn / n_exits if clear and n_exits else None
    out = pd.concat([out, pd.DataFrame([("Sorties", DYNAMIC_LABEL, dyn if clear else "s",
                                         rate if rate is not None else np.nan)],
                                       columns=out.columns)], ignore_index=True)
    parts.append(out)
    frame = pd.concat(parts, ignore_index=True)
    secret = frame["effectif"].map(lambda v: isinstance(v, str))
    frame.loc[secret, "part"] = np.nan
    frame["effectif"] = frame["effectif"].astype(object)
    total = secrecy.mask_series(pd.Series([n]), threshold=t).iloc[0]
    frame.attrs = {"personnes": total, "taux_dynamiques": rate, "sorties": n_exits if clear
                   else None, "indicateurs": [META]}
    return frame


def below_bac_share(profile: pd.DataFrame) -> float | None:
    """Share (%) of the salariés below the bac (sans diplôme, CAP-BEP) among those whose level
    is known; None when a count is masked or no level is known."""
    lv = profile[(profile["theme"] == "Niveau de formation")
                 & ~profile["modalite"].isin([UNKNOWN, "ensemble"])]
    if lv["effectif"].map(lambda v: isinstance(v, str)).any():
        return None
    known = float(lv["effectif"].sum())
    low = float(lv.loc[lv["modalite"].isin(BELOW_BAC), "effectif"].sum())
    return 100 * low / known if known else None


def census_below_bac(indicators: pd.DataFrame, codes: set[str]) -> float | None:
    """Share (%) of the population non scolarisée de 15 ans ou plus below the bac in the
    communes ``codes`` (census 2022 at the IRIS; mean of the communes weighted by their
    population of 15 or more), None where the census lacks it (outside Normandie)."""
    if "part_dipl_infbac_22" not in indicators.columns:
        return None
    ind = indicators[indicators["code"].isin(codes)]
    share = ind["part_dipl_infbac_22"]
    weight = ind["pop22"] * (1 - ind.get("part_0014_22", 0) / 100)
    ok = share.notna() & weight.notna()
    if not len(ind) or weight[ok].sum() < 0.9 * weight.sum():
        return None
    return float((share[ok] * weight[ok]).sum() / weight[ok].sum())
