"""The structure's salariés in a diagnosis: who is counted, where they live, what is published.

:func:`count_salaries` counts the salariés per commune of residence (over the file's period, or
under contract on a date), :func:`far_residences` sets apart the communes far from the structure
(they do not enter the default territory), :func:`publish` applies statistical secrecy once over
every residence commune, then splits the published table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coodiag import fr, secrecy
from coodiag.analyses import impact
from coodiag.errors import CoodiagError


def count_salaries(
    salaries: pd.DataFrame, periode: tuple[str, str] | None, date_stock: str | None
) -> pd.Series:
    """Salariés per residence commune: over ``periode`` (default: the whole file) or on
    ``date_stock`` (``JJ/MM/AAAA``); a French error when nobody is counted."""
    if date_stock is not None and periode:
        raise CoodiagError("Choisissez une période ou une date (--date), pas les deux.")
    if date_stock is not None:
        n_c = impact.salaries_by_commune(salaries, mode="stock", date=date_stock)
    else:
        start, end = periode if periode else (None, None)
        n_c = impact.salaries_by_commune(salaries, start=start, end=end)
    if n_c.empty:
        attrs = n_c.attrs
        span = impact.window_text(
            {"mode": "periode", "debut": attrs["fichier_debut"], "fin": attrs["fichier_fin"]}
        )
        raise CoodiagError(
            f"Aucun salarié en parcours {impact.window_text(attrs)} dans le fichier des "
            f"salariés, qui couvre la période {span} : choisissez une date de cette période."
        )
    return n_c


def far_residences(
    n_c: pd.Series, communes: pd.DataFrame, registry: pd.DataFrame, main: pd.Series
) -> pd.DataFrame | None:
    """The residence communes « éloignées » of the structure ``main`` (see
    :func:`coodiag.analyses.impact.residence_distances`), None when its point is unknown."""
    point = registry.loc[registry["siret"] == main["siret"], "geometry"].dropna()
    if point.empty:
        return None
    dist = impact.residence_distances(
        n_c.index, communes, point.iloc[0], zone=str(main["ze2020"])
    )
    return dist[dist["eloignee"]].drop(columns=["eloignee"]).reset_index(drop=True)


def publish(
    imp: pd.DataFrame, far: pd.DataFrame | None, *, threshold: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(impact table of the territory, table of the far residence communes), under secrecy.

    The counts are masked once over every residence commune, with the total published
    (``attrs["total_salaries"]``), so that no masked count of either table can be derived from
    it; the far communes are then moved to their own table (``code, nom, dep, distance_km,
    motif, salaries``, by distance), without a sub-total. A share of a masked count is masked.
    """
    masked = secrecy.mask_series(
        imp.set_index("code")["salaries"], threshold=threshold, append_total="Total"
    )
    pub = imp.copy()
    pub["salaries"] = pub["code"].map(masked).astype(object)
    secret = pub["salaries"].map(lambda v: isinstance(v, str))
    pub.loc[secret, "impact_pct"] = np.nan
    # Sorted by the published impact, masked rows last by commune code: an order by a hidden
    # value would bound each masked count between its neighbours.
    pub = secrecy.publication_order(pub, ~secret.to_numpy(), by="impact_pct")
    attrs = dict(imp.attrs) | {"total_salaries": masked.get("Total"), "n_eloignees": 0}
    far_pub = None
    if far is not None and len(far):
        away = pub["code"].isin(set(far["code"]))
        far_pub = far.merge(pub.loc[away, ["code", "salaries"]], on="code", how="left")
        far_pub = far_pub.sort_values(["distance_km", "code"], ignore_index=True)
        far_pub["distance_km"] = far_pub["distance_km"].round(0)
        pub = pub[~away].reset_index(drop=True)
        attrs["n_eloignees"] = len(far_pub)
    pub.attrs = attrs
    return pub, far_pub


def window_parameters(n_c: pd.Series | None) -> dict[str, Any]:
    """What was counted, for the documents: mode, dates (ISO) and the French texts."""
    if n_c is None:
        return {"decompte": None, "periode": None, "date_stock": None}
    attrs = n_c.attrs
    iso = {k: attrs[k].date().isoformat() for k in ("debut", "fin", "date") if k in attrs}
    return {
        "decompte": attrs["mode"],
        "periode": [iso["debut"], iso["fin"]] if attrs["mode"] == "periode" else None,
        "date_stock": iso.get("date"),
        "fenetre_salaries": impact.window_text(attrs),
        "salaries_comptes": impact.counted_text(attrs),
    }


def default_label(
    main: pd.Series, n_c: pd.Series | None, far: pd.DataFrame | None, *, include: bool = False
) -> str:
    """« zone d'emploi d'Avranches (2802) et communes de résidence des salariés à moins de
    30 km »: the default territory, in words (``include``: the far communes were asked for)."""
    text = f"zone d'emploi {fr.de(str(main['ze_nom']))} ({main['ze2020']})"
    if n_c is None:
        return text
    if include:
        return text + " et toutes les communes de résidence des salariés, y compris éloignées"
    if far is None:
        return text + " et communes de résidence des salariés"
    return text + f" et communes de résidence des salariés à moins de {fr.km(impact.FAR_KM, 0)}"
