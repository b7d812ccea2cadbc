"""Rule-based préconisations computed from the results of the other analyses.

Each :class:`Recommendation` states what to consider (``texte``), why (``raison``: the rule and
its threshold), the figures it rests on (``chiffres``) and the actions it calls for
(``actions``, keys of :data:`~coodiag.analyses.recommend.actions.ACTIONS`). One rule gives at
most one card, listing every commune, occupation or sector it found: the figures are those of
the tables the rule read (same rows, same rounding as the published tables), so a card never
contradicts a section. A card addresses its audience only with actions its type can take
(:mod:`coodiag.analyses.recommend.actions`). French typography through :mod:`coodiag.fr`;
counts of people through :func:`coodiag.secrecy.format_count`.

Modules: ``actions`` (what each type of structure can do: a declarative table), ``cards``
(the card, the rules' parameters, formatting), ``coverage_rules`` (coverage table),
``result_rules`` (impact, BMO, sectors).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import pandas as pd

from coodiag.analyses.recommend.actions import (
    ACTIONS,
    ALLOWED,
    AUDIENCES,
    TERRITOIRE,
    audience,
)
from coodiag.analyses.recommend.cards import Params, Recommendation
from coodiag.analyses.recommend.coverage_rules import (
    absent_types,
    high_offer,
    low_access,
    missing_nearby,
)
from coodiag.analyses.recommend.result_rules import (
    over_represented,
    strong_impact,
    tension_occupations,
)
from coodiag.secrecy import get_threshold

__all__ = [
    "ACTIONS",
    "ALLOWED",
    "AUDIENCES",
    "TERRITOIRE",
    "Recommendation",
    "recommend",
    "to_frame",
]

#: Default thresholds of the rules (see :func:`recommend`).
DECILE_MIN = 9
DISTANCE_KM = 20.0
TYPES_SIAE = ("ACI", "AI", "EI", "ETTI")
SEUIL_IMPACT_PCT = 10.0
SEUIL_INDICE = 1.2
MIN_ETABLISSEMENTS = 20
MAX_LISTED = 10
MAX_HAUTE = 3

PRIORITES = {1: "haute", 2: "moyenne", 3: "basse"}


def _tables(results: Mapping[str, pd.DataFrame], prefix: str) -> Iterator[pd.DataFrame]:
    for key, df in results.items():
        if (key == prefix or key.startswith(prefix + "_")) and isinstance(df, pd.DataFrame):
            yield df


# --------------------------------------------------------------------------- entry point


def recommend(
    results: Mapping[str, pd.DataFrame],
    *,
    type_siae: str | None = None,
    decile_min: int = DECILE_MIN,
    distance_km: float = DISTANCE_KM,
    types: Sequence[str] = TYPES_SIAE,
    seuil_impact_pct: float = SEUIL_IMPACT_PCT,
    seuil_indice: float = SEUIL_INDICE,
    min_etablissements: int = MIN_ETABLISSEMENTS,
    max_listed: int = MAX_LISTED,
    max_haute: int = MAX_HAUTE,
    threshold: int | None = None,
) -> list[Recommendation]:
    """Préconisations from the results of the analyses, by priority (at most ``max_haute`` high).

    ``type_siae``: the type of the structure addressed (ACI, AI, EI, ETTI, EITI, GEIQ); None: the
    actors of a territory (CDIAE, réseau), who alone are told to open a structure. ``results``
    maps names to tables, read by prefix (``"bmo"``, ``"bmo_sud"``...):

    - ``couverture``: :func:`coodiag.analyses.coverage.coverage` per commune (``code, nom,
      demande, besoin, offre, classe``) with, optionally, ``decile_besoin`` and
      ``dist_<type>_km`` (NaN: no structure of that type);
    - ``impact``: the published :func:`coodiag.analyses.impact.impact_communes` (``code, nom,
      salaries, chomeurs, impact_pct``; masked counts are strings, their impact NaN);
    - ``bmo``: :func:`coodiag.analyses.occupations.bmo_profile`;
    - ``specificite``: a location quotient table (:mod:`coodiag.analyses.specificity`);
    - ``offre_types``: the offer by type of the territory (``type_siae, structures``).

    One card per rule, listing every row found (the text names the first ``max_listed``):

    =======================  ============  ======================================  ========
    rule (``regle``)         input         condition                               priority
    =======================  ============  ======================================  ========
    acces_faible             couverture    ``classe == CLASSES[0]``                1
    metiers_en_tension       bmo           ``tension`` and ``adequation``          1
    types_absents            offre_types   a type of ``types`` absent (territory   1
                                           only)
    types_absents_proximite  couverture    ``decile_besoin ≥ decile_min`` and no   2 (1 for
                                           structure of a type within              territory)
                                           ``distance_km``
    offre_elevee             couverture    ``classe == CLASSES[1]``                2
    impact_fort              impact        ``impact_pct > seuil_impact_pct`` and   2
                                           published salariés ≥ the threshold
    secteurs_surrepresentes  specificite   ``indice ≥ seuil_indice`` (and ``n ≥    3
                                           min_etablissements`` for counts)
    =======================  ============  ======================================  ========

    Beyond ``max_haute`` high priorities, the last ones are lowered to « moyenne ».
    ``threshold``: the statistical secrecy threshold (default: :mod:`coodiag.secrecy`'s).
    """
    p = Params(
        aud=audience(type_siae),
        decile_min=decile_min,
        km=float(distance_km),
        types=tuple(types),
        max_listed=max_listed,
        t=get_threshold(threshold),
    )
    recos: list[Recommendation] = []
    for df in _tables(results, "couverture"):
        recos += low_access(df, p)
    for df in _tables(results, "bmo"):
        recos += tension_occupations(df, p)
    for df in _tables(results, "offre_types"):
        recos += absent_types(df, p)
    for df in _tables(results, "couverture"):
        recos += missing_nearby(df, p)
        recos += high_offer(df, p)
    for df in _tables(results, "impact"):
        recos += strong_impact(df, seuil_impact_pct, p)
    for df in _tables(results, "specificite"):
        recos += over_represented(df, seuil_indice, min_etablissements, p)
    recos = sorted(recos, key=lambda r: r.priorite)  # stable: rule order kept within a priority
    for r in [r for r in recos if r.priorite == 1][max_haute:]:
        r.priorite = 2
    return sorted(recos, key=lambda r: r.priorite)


def to_frame(recos: Sequence[Recommendation]) -> pd.DataFrame:
    """The préconisations as a table for export (French column labels)."""
    return pd.DataFrame(
        {
            "Priorité": [PRIORITES.get(r.priorite, str(r.priorite)) for r in recos],
            "Thème": [r.theme for r in recos],
            "Préconisation": [r.full_text() for r in recos],
            "Raison": [r.raison for r in recos],
        }
    )
