"""Coverage classes crossing need and accessible offer, and opening / closing scenarios.

Need: demand per 1,000 inhabitants (:mod:`coodiag.analyses.demand`); offer: the 2SFCA
accessibility (:func:`coodiag.analyses.access.accessibility`). Each is cut into three levels
and the pair gives a class (« besoin sans offre », « offre sans besoin »...); a scenario reruns
the 2SFCA after opening or closing structures and keeps the thresholds of the run before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import fr
from coodiag.analyses.access import (
    ALL,
    DEFAULT_RADIUS_ALL_KM,
    SRC_REGISTRY,
    TYPES_SIAE,
    accessibility,
    with_capacity,
)
from coodiag.analyses.demand import SRC_RP22
from coodiag.analyses.fca import DecayFn
from coodiag.analyses.offer import DARES_2019, estimated_capacity
from coodiag.analyses.points import commune_points
from coodiag.base.indicators import Indicator

CLASSES = (
    "besoin sans offre",
    "offre sans besoin",
    "équilibré",
    "besoin et offre faibles",
    "besoin et offre élevés",
)
UNCLASSIFIED = "non classé"


def coverage_classes(
    need: pd.Series,
    offer: pd.Series,
    *,
    method: str = "quantile",
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
    need_bounds: tuple[float, float] | None = None,
    offer_bounds: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Classes of coverage crossing a need and an offer (per commune or per territory).

    Each variable is cut into three levels, « faible » (≤ low bound), « moyen », « élevé »
    (> high bound). ``method="quantile"``: bounds = the ``quantiles`` of the variable over the
    given rows (default terciles; ``(0.5, 0.5)`` gives a split at the median, no middle level);
    ``method="seuils"``: bounds given (``need_bounds``, ``offer_bounds``), e.g. the thresholds of
    a reference run (:func:`scenario` keeps the classes of the "before" run). Classes:

    - « besoin sans offre »: need élevé and offer faible, or need above its median and no offer
      at all (offer = 0);
    - « offre sans besoin »: offer élevé and need faible;
    - « besoin et offre élevés »: both élevé;
    - « besoin et offre faibles »: both faible (offer > 0 or need below its median);
    - « équilibré »: everything else (at least one of the two at the middle level);
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
        how = (
            f"quantiles {fr.general(lo, '.3g')} et {fr.general(hi, '.3g')} "
            "des valeurs du territoire étudié"
        )
    elif method == "seuils":
        if need_bounds is None or offer_bounds is None:
            raise ValueError("method='seuils' demande need_bounds et offer_bounds.")
        nb, ob = tuple(map(float, need_bounds)), tuple(map(float, offer_bounds))
        how = "seuils fournis"
    else:
        raise ValueError("method doit valoir « quantile » ou « seuils ».")
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
    out.attrs["explication"] = (
        f"Niveaux ({how}) : besoin faible si ≤ {fr.general(nb[0])}, "
        f"élevé si > {fr.general(nb[1])} ; offre faible si ≤ {fr.general(ob[0])}, "
        f"élevée si > {fr.general(ob[1])} ; moyen entre les deux. "
        "« besoin sans offre » : besoin élevé et offre faible, ou besoin au-dessus de la "
        f"médiane ({fr.general(need_med)}) sans aucune offre à portée ; « offre sans besoin » : "
        "offre élevée et besoin faible ; « besoin et offre élevés » / « besoin et offre "
        "faibles » : les deux au même niveau extrême ; « équilibré » : les autres cas (au moins "
        "l'un des deux au niveau moyen) ; « non classé » : besoin ou offre inconnu. Ratio besoin / "
        "(besoin + offre) calculé sur les valeurs rapportées à leur moyenne (0,5 = équilibre)."
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
) -> pd.DataFrame:
    """Coverage classes of communes (``by=None``) or territories from :func:`accessibility`.

    Need: demand per 1,000 inhabitants, 1000 × Σ demande / Σ population (pop22) — unemployed
    (or job seekers) per 1,000 inhabitants. Offer: accessibility of the type (``acces_<t>``) per
    1,000 of the demand; for a territory, the demand-weighted mean Σ A_i D_i / Σ D_i (the
    offer in reach of the territory's unemployed). Classes and thresholds:
    :func:`coverage_classes`.

    Returns ``code`` (or ``by``), ``[nom,] demande, population`` then the columns of
    :func:`coverage_classes`.
    """
    col = f"acces_{type_siae}"
    df = acc.copy()
    if by is None:
        keys = ["code", "nom"] if "nom" in df.columns else ["code"]
        base = df[[*keys, "demande", "population"]].copy()
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
            method="0,5 = besoin et offre au même niveau relatif ; proche de 1 : besoin sans "
            "offre ; proche de 0 : offre sans besoin",
        ),
    ]
    out.attrs["seuils"] = cls.attrs["seuils"]
    out.attrs["explication"] = cls.attrs["explication"]
    out.attrs["parametres"] = {"niveau": level, "type_siae": type_siae, "method": method}
    return out


def scenario(
    communes: gpd.GeoDataFrame,
    registry: gpd.GeoDataFrame,
    demand_df: pd.DataFrame,
    *,
    open: Iterable[tuple[str, str, float | None]] = (),
    close: Iterable[str] = (),
    types: Sequence[str] | None = None,
    radius_km_by_type: Mapping[str, float] | None = None,
    radius_km_all: float | None = DEFAULT_RADIUS_ALL_KM,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    quantiles: tuple[float, float] = (1 / 3, 2 / 3),
) -> pd.DataFrame:
    """Accessibility and coverage class of every commune before and after opening / closing SIAE.

    ``open``: ``(code_commune, type, capacity)`` — a new structure at the commune's
    representative point; capacity None = DARES 2019 national average of the type (flagged as
    an estimate). ``close``: SIRETs to remove (every row of the SIRET). The 2SFCA runs twice
    with the same parameters (:func:`accessibility`); the "after" classes use the thresholds of
    the "before" run (:func:`coverage_classes` ``method="seuils"``), so a class changes only
    because the commune's offer changed. In 2SFCA, opening or closing structure j changes A_i
    only for the communes within the radius of j (R_k of the other structures does not
    depend on j).

    ``types``: default the types of the opened / closed structures; the all-types row
    (``ensemble``) is added when ``radius_km_all`` is not None. Returns, one row per commune
    and type: ``code, nom, type_siae, acces_avant, acces_apres, variation`` (salariés en
    insertion per person of the demand), ``variation_pour_1000``, ``classe_avant,
    classe_apres, classe_change``.
    """
    reg = with_capacity(registry)
    opened = list(open)
    closed = [str(s) for s in close]
    sirets = reg["siret"].astype("string")
    unknown = sorted(set(closed) - set(sirets.dropna()))
    if unknown:
        raise ValueError(f"SIRET inconnu(s) du registre : {', '.join(unknown)}")
    touched = set(reg.loc[sirets.isin(closed).to_numpy(), "type_siae"].astype(str))
    after = reg.loc[~sirets.isin(closed).to_numpy()]
    if opened:
        com = communes.set_index("code")
        pts = commune_points(communes)
        pts.index = communes["code"].to_numpy()
        rows = []
        for k, (code, kind, capa) in enumerate(opened, start=1):
            if code not in com.index:
                raise ValueError(f"Commune inconnue : {code}")
            if kind not in DARES_2019:
                raise ValueError(f"Type sans capacité de référence : {kind} (ACI, AI, EI, ETTI)")
            est = capa is None
            value = float(estimated_capacity(pd.Series([kind])).iloc[0]) if est else float(capa)
            rows.append(
                {
                    "siret": f"nouvelle-{k}",
                    "type_siae": kind,
                    "nom": f"nouvelle structure {kind} ({com.loc[code, 'nom']})"
                    if "nom" in com.columns
                    else f"nouvelle structure {kind}",
                    "code_commune": code,
                    "dep": com.loc[code, "dep"],
                    "capacite": value,
                    "capacite_estimee": est,
                    "geometry": pts.loc[code],
                }
            )
            touched.add(kind)
        new = gpd.GeoDataFrame(rows, geometry="geometry", crs=pts.crs).to_crs(reg.crs)
        after = pd.concat([after, new], ignore_index=True)
        after = gpd.GeoDataFrame(after, geometry="geometry", crs=reg.crs)
    run_types = list(types) if types else [t for t in TYPES_SIAE if t in touched]
    run_types = run_types or list(TYPES_SIAE)
    kw = {
        "radius_km_by_type": radius_km_by_type,
        "radius_km_all": radius_km_all,
        "decay": decay,
        "sigma_km": sigma_km,
        "types": run_types,
    }
    before_acc = accessibility(communes, reg, demand_df, **kw)
    after_acc = accessibility(communes, after, demand_df, **kw)
    names = list(run_types) + ([ALL] if radius_km_all is not None else [])
    frames = []
    for name in names:
        cb = coverage(before_acc, type_siae=name, quantiles=quantiles)
        ca = coverage(
            after_acc,
            type_siae=name,
            method="seuils",
            need_bounds=cb.attrs["seuils"]["besoin"],
            offer_bounds=cb.attrs["seuils"]["offre"],
        )
        df = pd.DataFrame({"code": before_acc["code"]})
        if "nom" in before_acc.columns:
            df["nom"] = before_acc["nom"]
        df["type_siae"] = name
        df["acces_avant"] = before_acc[f"acces_{name}"]
        df["acces_apres"] = after_acc[f"acces_{name}"]
        df["variation"] = df["acces_apres"] - df["acces_avant"]
        df["variation_pour_1000"] = 1000 * df["variation"]
        df["classe_avant"] = cb["classe"].to_numpy()
        df["classe_apres"] = ca["classe"].to_numpy()
        df["classe_change"] = df["classe_avant"] != df["classe_apres"]
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    params = dict(after_acc.attrs["parametres"])
    params.update({"ouvertures": opened, "fermetures": closed, "types": names})
    out.attrs["parametres"] = params
    out.attrs["indicateurs"] = [
        Indicator(
            key="acces_avant",
            label="Accessibilité avant le scénario",
            unit="salariés en insertion par personne de la demande",
            method="2SFCA sur le registre actuel (voir parametres)",
            source=SRC_REGISTRY,
        ),
        Indicator(
            key="acces_apres",
            label="Accessibilité après le scénario",
            unit="salariés en insertion par personne de la demande",
            method="2SFCA sur le registre après ouvertures et fermetures ; structure ouverte "
            "au point représentatif de sa commune, capacité estimée (moyenne DARES 2019 du "
            "type) si non fournie",
            source=SRC_REGISTRY,
        ),
        Indicator(
            key="variation_pour_1000",
            label="Variation de l'accessibilité pour 1 000 personnes de la demande",
            unit="salariés en insertion pour 1 000 personnes",
            numerator="accès après − accès avant",
            denominator="1 000 personnes de la demande",
            method="(acces_apres − acces_avant) × 1 000",
        ),
        Indicator(
            key="classe_apres",
            label="Classe de couverture après le scénario",
            unit="classe",
            method="seuils de la situation avant le scénario, appliqués aux valeurs après",
        ),
    ]
    return out
