"""Coverage classes crossing need and accessible offer, thresholds over an explicit reference.

Need: demand per 1,000 inhabitants (:mod:`coodiag.analyses.demand`); offer: the 2SFCA
accessibility (:func:`coodiag.analyses.access.accessibility`). Each is cut into three levels
(terciles computed over a reference: the studied territory, its région or metropolitan France,
:func:`classify`) and the pair gives a class (« accessibilité faible au regard du besoin »,
« offre élevée au regard du besoin »...). Scenarios: :mod:`coodiag.analyses.scenario`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from coodiag import codes as codelib
from coodiag import fr
from coodiag.analyses.access import ALL, SRC_REGISTRY
from coodiag.analyses.demand import SRC_RP22
from coodiag.base.indicators import Indicator

LOW_ACCESS = "accessibilité faible au regard du besoin"
HIGH_OFFER = "offre élevée au regard du besoin"
INTERMEDIATE = "situation intermédiaire"
BOTH_LOW = "besoin et offre faibles"
BOTH_HIGH = "besoin et offre élevés"
CLASSES = (LOW_ACCESS, HIGH_OFFER, INTERMEDIATE, BOTH_LOW, BOTH_HIGH)
UNCLASSIFIED = "non classé"


def coverage_classes(
    need: pd.Series,
    offer: pd.Series,
    *,
    method: str = "quantile",
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
    need_bounds: tuple[float, float] | None = None,
    offer_bounds: tuple[float, float] | None = None,
    need_median: float | None = None,
    basis: str | None = None,
) -> pd.DataFrame:
    """Classes of coverage crossing a need and an offer (per commune or per territory).

    Each variable is cut into three levels, « faible » (≤ low bound), « moyen », « élevé »
    (> high bound). ``method="quantile"``: bounds = the ``quantiles`` of the variable over the
    given rows (default terciles; ``(0.5, 0.5)`` gives a split at the median, no middle level);
    ``method="seuils"``: bounds given (``need_bounds``, ``offer_bounds``), e.g. the thresholds of
    a reference (:func:`classify`) or of the run before a scenario; ``need_median`` the need's
    median of that reference (default the middle of ``need_bounds``); ``basis`` says in French
    where the bounds come from (printed in ``attrs["explication"]``). Classes:

    - ``LOW_ACCESS`` « accessibilité faible au regard du besoin »: need élevé and offer faible,
      or need above its median and no offer at all (offer = 0);
    - ``HIGH_OFFER`` « offre élevée au regard du besoin »: offer élevé and need faible;
    - « besoin et offre élevés »: both élevé;
    - « besoin et offre faibles »: both faible (offer > 0 or need below its median);
    - ``INTERMEDIATE`` « situation intermédiaire »: everything else (at least one of the two
      at the middle level);
    - « non classé »: need or offer missing.

    Also ``ratio_besoin_offre`` = n / (n + o), the GIP de l'inclusion-style ratio, on values
    scaled by their mean (n = need / mean(need), o = offer / mean(offer)) so that the units
    cancel: 0.5 = need and offer at the same relative level, → 1 need without offer, → 0 offer
    without need.

    Returns ``besoin, offre, niveau_besoin, niveau_offre, classe, ratio_besoin_offre`` (index of
    ``need``); ``attrs["seuils"]`` the bounds, ``attrs["explication"]`` the rules in French.
    """
    need = pd.Series(need, dtype="float64")
    offer = pd.Series(offer, index=need.index if not isinstance(offer, pd.Series) else None)
    offer = offer.astype("float64").reindex(need.index)
    if method == "quantile":
        lo, hi = quantiles
        nb = (float(need.quantile(lo)), float(need.quantile(hi)))
        ob = (float(offer.quantile(lo)), float(offer.quantile(hi)))
        how = basis or (
            f"quantiles {fr.general(lo, '.3g')} et {fr.general(hi, '.3g')} "
            f"des {int(need.notna().sum())} valeurs classées"
        )
    elif method == "seuils":
        if need_bounds is None or offer_bounds is None:
            raise ValueError("method='seuils' demande need_bounds et offer_bounds.")
        nb, ob = tuple(map(float, need_bounds)), tuple(map(float, offer_bounds))
        how = basis or "seuils fournis"
    else:
        raise ValueError("method doit valoir « quantile » ou « seuils ».")
    if need_median is not None:
        need_med = float(need_median)
    else:
        need_med = float(need.median()) if method == "quantile" else (nb[0] + nb[1]) / 2

    def level(v: pd.Series, b: tuple[float, float]) -> pd.Series:
        lv = np.select([v <= b[0], v > b[1]], ["faible", "élevé"], "moyen")
        return pd.Series(lv, index=v.index, dtype="string").where(v.notna())

    ln, lo_ = level(need, nb), level(offer, ob)
    missing = need.isna() | offer.isna()
    no_offer = (offer == 0) & (need > need_med)
    cls = np.select(
        [
            missing.to_numpy(),
            ((ln == "élevé") & (lo_ == "faible")).fillna(False).to_numpy() | no_offer.to_numpy(),
            ((ln == "faible") & (lo_ == "élevé")).fillna(False).to_numpy(),
            ((ln == "élevé") & (lo_ == "élevé")).fillna(False).to_numpy(),
            ((ln == "faible") & (lo_ == "faible")).fillna(False).to_numpy(),
        ],
        [UNCLASSIFIED, CLASSES[0], CLASSES[1], CLASSES[4], CLASSES[3]],
        CLASSES[2],
    )
    n_rel = need / need.mean() if need.mean() > 0 else need * np.nan
    o_rel = offer / offer.mean() if offer.mean() > 0 else offer * np.nan
    tot = n_rel + o_rel
    out = pd.DataFrame(
        {
            "besoin": need,
            "offre": offer,
            "niveau_besoin": ln,
            "niveau_offre": lo_,
            "classe": pd.Series(cls, index=need.index, dtype="string"),
            "ratio_besoin_offre": (n_rel / tot.where(tot > 0)),
        }
    )
    out.attrs["seuils"] = {"besoin": nb, "offre": ob, "besoin_mediane": need_med}
    rules = (
        f"« {LOW_ACCESS} » : besoin élevé et offre faible, ou besoin au-dessus de la "
        f"médiane ({fr.general(need_med)}) sans aucune offre à portée ; « {HIGH_OFFER} » : "
        f"offre élevée et besoin faible ; « {BOTH_HIGH} » / « {BOTH_LOW} » : les deux au même "
        f"niveau extrême ; « {INTERMEDIATE} » : les autres cas (au moins l'un des deux au niveau "
        f"moyen) ; « {UNCLASSIFIED} » : besoin ou offre inconnu. Ratio besoin / "
        "(besoin + offre) calculé sur les valeurs rapportées à leur moyenne (0,5 = équilibre)."
    )
    out.attrs["regles"] = rules
    out.attrs["explication"] = (
        f"Niveaux ({how}) : besoin faible si ≤ {fr.general(nb[0])}, "
        f"élevé si > {fr.general(nb[1])} ; offre faible si ≤ {fr.general(ob[0])}, "
        f"élevée si > {fr.general(ob[1])} ; moyen entre les deux. " + rules
    )
    return out


def coverage(
    acc: pd.DataFrame,
    *,
    type_siae: str = ALL,
    by: str | None = None,
    method: str = "quantile",
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
    need_bounds: tuple[float, float] | None = None,
    offer_bounds: tuple[float, float] | None = None,
    need_median: float | None = None,
    basis: str | None = None,
) -> pd.DataFrame:
    """Coverage classes of communes (``by=None``) or territories from :func:`accessibility`.

    Need: demand per 1,000 inhabitants, 1000 × Σ demande / Σ population (pop22) — unemployed
    (or job seekers) per 1,000 inhabitants. Offer: accessibility of the type (``acces_<t>``) per
    1,000 of the demand; for a territory, the demand-weighted mean Σ A_i D_i / Σ D_i (the
    offer in reach of the territory's unemployed). Classes and thresholds:
    :func:`coverage_classes`.

    ``acc`` may carry ``demande_estimee`` (:func:`with_estimate`): per commune, it gives
    ``besoin_estime`` (the need is an estimate, not a census count, and so is the class).

    Returns ``code`` (or ``by``), ``[nom,] demande, population[, besoin_estime]`` then the
    columns of :func:`coverage_classes`.
    """
    col = f"acces_{type_siae}"
    df = acc.copy()
    if by is None:
        keys = ["code", "nom"] if "nom" in df.columns else ["code"]
        base = df[[*keys, "demande", "population"]].copy()
        if "demande_estimee" in df.columns:
            base["besoin_estime"] = df["demande_estimee"].astype("boolean").fillna(False)
        need = 1000 * base["demande"] / base["population"].where(base["population"] > 0)
        offer = 1000 * df[col]
        level = "commune"
    else:
        df["_ad"] = df[col] * df["demande"]
        df = df[df[col].notna() & df["demande"].notna()]
        g = df.groupby(by, dropna=True)
        base = g[["demande", "population"]].sum(min_count=1).reset_index()
        ad = g["_ad"].sum().to_numpy()
        tot = base["demande"].to_numpy()
        need = 1000 * base["demande"] / base["population"].where(base["population"] > 0)
        offer = pd.Series(1000 * ad / np.where(tot > 0, tot, np.nan), index=base.index)
        level = by
    cls = coverage_classes(
        need,
        offer,
        method=method,
        quantiles=quantiles,
        need_bounds=need_bounds,
        offer_bounds=offer_bounds,
        need_median=need_median,
        basis=basis,
    )
    out = pd.concat([base.reset_index(drop=True), cls.reset_index(drop=True)], axis=1)
    unit_den = "personnes de la demande (chômeurs 15-64 ans ou demandeurs d'emploi)"
    out.attrs["indicateurs"] = [
        Indicator(
            key="besoin",
            label="Besoin : demande pour 1 000 habitants",
            unit="personnes pour 1 000 habitants",
            numerator=unit_den,
            denominator="1 000 habitants (population municipale 2022)",
            source=SRC_RP22,
            vintage="RP 2021-2022",
            method="besoin = 1 000 × demande / population"
            + ("" if by is None else " (sommes sur le territoire)"),
        ),
        Indicator(
            key="offre",
            label=f"Offre : accessibilité aux structures ({type_siae}) pour 1 000 personnes",
            unit="salariés en insertion pour 1 000 personnes",
            numerator="salariés en insertion des structures à portée (2SFCA)",
            denominator="1 000 " + unit_den,
            source=SRC_REGISTRY,
            vintage="SIAE 2019-2021",
            method="accessibilité 2SFCA × 1 000"
            + ("" if by is None else " ; moyenne des communes pondérée par la demande"),
        ),
        Indicator(
            key="classe",
            label="Classe de couverture",
            unit="classe",
            method=cls.attrs["explication"],
        ),
        Indicator(
            key="ratio_besoin_offre",
            label="Ratio besoin / (besoin + offre) (à la manière du GIP de la plateforme de "
            "l'inclusion)",
            unit="ratio de 0 à 1",
            numerator="besoin rapporté à sa moyenne",
            denominator="besoin rapporté à sa moyenne + offre rapportée à sa moyenne",
            method="0,5 = besoin et offre au même niveau relatif ; proche de 1 : besoin élevé "
            "et offre faible ; proche de 0 : offre élevée et besoin faible",
        ),
    ]
    if "besoin_estime" in out.columns:
        out.attrs["indicateurs"].append(
            Indicator(
                key="besoin_estime",
                label="Besoin estimé (commune sans chômeurs recensés)",
                unit="oui / non",
                source=SRC_RP22,
                vintage="RP 2021-2022",
                method="chômeurs estimés par la population 2022 et les taux de la zone "
                "d'emploi (coodiag.analyses.demand) ; la classe de la commune repose sur "
                "cette estimation",
            )
        )
    out.attrs["seuils"] = cls.attrs["seuils"]
    out.attrs["explication"] = cls.attrs["explication"]
    out.attrs["regles"] = cls.attrs["regles"]
    out.attrs["parametres"] = {"niveau": level, "type_siae": type_siae, "method": method}
    return out


# --------------------------------------------------------------------------------------------
# Thresholds computed over an explicit reference
# --------------------------------------------------------------------------------------------

#: Where the terciles are computed: option value -> French description.
REFERENCES = {
    "territoire": "le territoire étudié",
    "region": "sa région",
    "france": "la France métropolitaine",
}
DEFAULT_REFERENCE = "territoire"
#: Appended to a class (table, legend) when the commune's need is an estimate.
ESTIMATE_MARK = " (besoin estimé)"


def check_reference(reference: str) -> str:
    """The reference key (``territoire``, ``region``, ``france``), accents and case ignored."""
    key = str(reference).strip().lower().replace("é", "e")
    if key not in REFERENCES:
        raise ValueError(
            f"Référence des seuils inconnue : « {reference} » (territoire, region ou france)."
        )
    return key


def with_estimate(acc: pd.DataFrame, demand_df: pd.DataFrame) -> pd.DataFrame:
    """``acc`` with the ``demande_estimee`` flag of ``demand_df`` (by ``code``)."""
    out = acc.copy()
    if "demande_estimee" in demand_df.columns:
        flags = demand_df.set_index("code")["demande_estimee"]
        out["demande_estimee"] = out["code"].map(flags).astype("boolean").fillna(False)
    return out


def classify(
    acc: pd.DataFrame,
    codes: Iterable[str],
    *,
    reference_codes: Iterable[str] | None = None,
    reference: str = DEFAULT_REFERENCE,
    label: str | None = None,
    type_siae: str = ALL,
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
) -> pd.DataFrame:
    """Coverage classes of the communes ``codes``, thresholds computed over a reference.

    The need and offer bounds are the ``quantiles`` (terciles) over the communes
    ``reference_codes`` (default ``codes``: the studied territory; or the communes of its
    région, or of metropolitan France), then applied to the communes ``codes``
    (:func:`coverage` with ``method="seuils"``). ``reference`` names the choice
    (:data:`REFERENCES`), ``label`` the reference in French (default its description).
    ``attrs["reference"]``: key, label, number of communes, thresholds.
    """
    key = check_reference(reference)
    wanted = set(codes)
    ref_codes = wanted if reference_codes is None else set(reference_codes)
    ref = coverage(acc[codelib.isin(acc["code"], ref_codes)], type_siae=type_siae,
                   quantiles=quantiles)
    s = ref.attrs["seuils"]
    n_ref = int(ref["besoin"].notna().sum())
    name = label or REFERENCES[key]
    cut = (
        "terciles"
        if tuple(quantiles) == (1 / 3, 2 / 3)
        else f"quantiles {fr.general(quantiles[0], '.3g')} et {fr.general(quantiles[1], '.3g')}"
    )
    basis = f"{cut} des {fr.integer(n_ref)} communes de la référence, {name}"
    out = coverage(
        acc[codelib.isin(acc["code"], wanted)].reset_index(drop=True),
        type_siae=type_siae,
        method="seuils",
        need_bounds=s["besoin"],
        offer_bounds=s["offre"],
        need_median=s["besoin_mediane"],
        basis=basis,
    )
    out.attrs["parametres"]["reference"] = key
    out.attrs["reference"] = {"cle": key, "libelle": name, "communes": n_ref, "seuils": s}
    out.attrs["note_seuils"] = thresholds_note(out)
    if "besoin_estime" in out.columns:
        n_est = int((out["besoin_estime"] & (out["classe"] != UNCLASSIFIED)).sum())
        if n_est:
            out.attrs["explication"] += (
                f" Besoin estimé (pas de chômeurs recensés) pour {fr.integer(n_est)} "
                "commune(s) : leur classe repose sur cette estimation et est signalée."
            )
    return out


def thresholds_note(cov: pd.DataFrame) -> str:
    """One French sentence: the reference and the threshold values of :func:`classify`."""
    ref = cov.attrs.get("reference")
    s = cov.attrs.get("seuils")
    if not s:
        return ""
    nb, ob = s["besoin"], s["offre"]
    where = (
        f"terciles des {fr.integer(ref['communes'])} communes de la référence : {ref['libelle']}"
        if ref
        else "seuils de la classification"
    )
    return (
        f"Seuils ({where}) : besoin faible jusqu'à {fr.number(nb[0], 1)}, élevé au-delà de "
        f"{fr.number(nb[1], 1)} chômeurs pour 1 000 habitants ; offre faible jusqu'à "
        f"{fr.number(ob[0], 1)}, élevée au-delà de {fr.number(ob[1], 1)} salariés en insertion "
        "accessibles pour 1 000 chômeurs."
    )


def class_label(cov: pd.DataFrame) -> pd.Series:
    """The class of each row, with :data:`ESTIMATE_MARK` where the need is an estimate."""
    cls = cov["classe"].astype("string")
    if "besoin_estime" not in cov.columns:
        return cls
    flag = cov["besoin_estime"].astype("boolean").fillna(False) & (cls != UNCLASSIFIED)
    return cls.where(~flag, cls + ESTIMATE_MARK)
