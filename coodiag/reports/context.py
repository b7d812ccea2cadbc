"""What every report needs, read and computed once: base tables, the offer, accessibility.

The diagnosis, the territory atlas, the ``analyse`` commands and the explorer all start from
the same chain: base -> SIAE registry with capacity (and réseaux) -> need per commune -> 2SFCA
accessibility, nearest SIAE, coverage classes. :class:`Context` assembles it in one place, each
piece on first use, so that a report never reads a table twice nor computes the 2SFCA twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import pandas as pd

from coodiag import codes as codelib
from coodiag import levels
from coodiag.analyses import access, coverage, demand, offer, specificity, typology
from coodiag.base.store import Base
from coodiag.errors import BaseMissingError

#: The coverage classes in their order (:data:`coodiag.analyses.coverage.CLASSES`: low access,
#: high offer, intermediate, both low, both high), for the layers that render them.
COVERAGE_CLASSES = coverage.CLASSES
#: Appended to a class whose commune has an estimated need.
COVERAGE_ESTIMATE_MARK = coverage.ESTIMATE_MARK
#: Coverage classifications kept per context (one per territory): a batch stays bounded.
MAX_COVERAGE_CACHE = 64


def data_coverage(
    communes: pd.DataFrame, indicators: pd.DataFrame, mask, columns: list[str]
) -> tuple[int, int]:
    """``(communes of mask having every column, communes of mask)``: what the data covers.

    A column absent from ``indicators`` covers no commune.
    """
    codes = communes.loc[pd.Series(mask, index=communes.index).astype(bool), "code"]
    if any(c not in indicators.columns for c in columns):
        return 0, len(codes)
    values = indicators.set_index("code")[columns].reindex(codes)
    return int(values.notna().all(axis=1).sum()), len(codes)


def elderly_typology_note(have: int, total: int) -> str:
    """The note of a territory where the elderly typology lacks its data."""
    return (
        "Typologie « personnes âgées » non calculée : ses indicateurs (RP 2022 à l'IRIS, "
        f"Filosofi 2021) ne sont disponibles que pour {have} des {total} communes concernées "
        "(il en faut 90 %)."
    )


@dataclass(frozen=True)
class Accessibility:
    """The coverage chain on metropolitan communes (Lambert-93), see :mod:`coodiag.analyses.access`.

    - ``demand``: need per commune (:func:`~coodiag.analyses.demand.demand`);
    - ``access``: 2SFCA accessibility per type and all types (``acces_*``);
    - ``nearest``: distance to the nearest SIAE of each type (``dist_*``);
    - ``coverage``: need and accessible offer crossed into classes (``classe``) for all of
      metropolitan France, thresholds over France; a report uses :meth:`Context.coverage`
      (thresholds over the reference it names).
    """

    demand: pd.DataFrame
    access: pd.DataFrame
    nearest: pd.DataFrame
    coverage: pd.DataFrame


class Context:
    """The base, the user's capacity and réseaux files, and what is derived from them.

    ``capacite``: the capacity import (``siret, etp, postes, salaries``) or None (DARES national
    averages, flagged as estimates); ``reseaux``: the membership import (``siret, reseau``) or
    None (then :attr:`registry` has no ``reseaux`` column unless ``with_reseaux``).
    """

    def __init__(
        self,
        base: Base | None = None,
        *,
        capacite: pd.DataFrame | None = None,
        reseaux: pd.DataFrame | None = None,
        with_reseaux: bool = False,
    ) -> None:
        self.base = base if base is not None else Base.open()
        self.capacite = capacite
        self.reseaux = reseaux
        self.with_reseaux = with_reseaux or reseaux is not None
        self._coverage: dict[tuple, pd.DataFrame] = {}

    @cached_property
    def communes(self) -> gpd.GeoDataFrame:
        """All communes (WGS84)."""
        return self.base.communes

    @cached_property
    def metro(self) -> gpd.GeoDataFrame:
        """Metropolitan communes and Corsica (Lambert-93)."""
        return self.base.level("communes", zone="metro")

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """``indicateurs_communes``."""
        return self.base.table("indicateurs_communes")

    @cached_property
    def ze_indicators(self) -> pd.DataFrame:
        """``indicateurs_zones_emploi``."""
        return self.base.table("indicateurs_zones_emploi")

    @cached_property
    def ze_france(self) -> pd.Series | None:
        """The France row of the zone d'emploi source (official national values): the base's
        ``indicateurs_france`` table; None for a base built without it."""
        try:
            rows = self.base.table("indicateurs_france").set_index("code")
        except BaseMissingError:
            return None
        return rows.loc[specificity.FRANCE_ROW] if specificity.FRANCE_ROW in rows.index else None

    @cached_property
    def meta(self) -> pd.DataFrame:
        """``indicateurs_meta``: label, unit, denominator, source, vintage of every indicator."""
        return self.base.table("indicateurs_meta")

    @cached_property
    def registry(self) -> gpd.GeoDataFrame:
        """The SIAE registry with capacity (and réseaux when asked)."""
        reg = offer.apply_capacity(self.base.siae, self.capacite)
        if self.with_reseaux:
            reg = offer.attach_reseaux(reg, self.reseaux)
        return reg

    @cached_property
    def demand(self) -> pd.DataFrame:
        """Need per metropolitan commune: unemployed 15-64 (census, else estimated)."""
        return demand.demand(self.metro, self.indicators, self.ze_indicators, kind="chomeurs")

    @cached_property
    def accessibility(self) -> Accessibility:
        """Need, 2SFCA accessibility, nearest SIAE and coverage classes, computed once."""
        dem = self.demand
        acc = access.accessibility(self.metro, self.registry, dem)
        near = access.nearest_siae(self.metro, self.registry)
        acc = coverage.with_estimate(acc, dem)
        national = coverage.classify(
            acc, acc["code"], reference="france", label=coverage.REFERENCES["france"]
        )
        return Accessibility(demand=dem, access=acc, nearest=near, coverage=national)

    @cached_property
    def offer_typology(self) -> typology.HCPCResult:
        """The typology of the zones d'emploi by their insertion offer (national, the same for
        every SIAE): :func:`coodiag.analyses.typology.preset_offre_insertion`, computed once."""
        return typology.preset_offre_insertion(
            self.communes, self.indicators, self.ze_indicators, self.registry,
            user_capacity=self.capacite, meta=self.meta,
        )

    def reference_codes(self, codes, reference: str = coverage.DEFAULT_REFERENCE) -> set[str]:
        """The metropolitan communes over which the coverage thresholds of ``codes`` are
        computed: ``codes`` themselves (``territoire``), the communes of their région(s)
        (``region``) or all (``france``)."""
        key = coverage.check_reference(reference)
        metro = self.metro
        if key == "france":
            return set(metro["code"])
        inside = codelib.isin(metro["code"], set(codes))
        if key == "region":
            return set(metro.loc[codelib.isin(metro["reg"], set(metro.loc[inside, "reg"])), "code"])
        return set(metro.loc[inside, "code"])

    def reference_label(self, codes, reference: str, territory_label: str | None = None) -> str:
        """The reference in French: the territory's name, « la région Normandie », « la
        France métropolitaine »."""
        key = coverage.check_reference(reference)
        if key == "territoire":
            return territory_label or coverage.REFERENCES[key]
        if key == "region":
            metro = self.metro
            inside = codelib.isin(metro["code"], set(codes))
            names = sorted(set(metro.loc[inside, "reg_nom"].dropna()))
            if names:
                return ("la région " if len(names) == 1 else "les régions ") + ", ".join(names)
        return coverage.REFERENCES[key]

    def coverage(
        self,
        codes,
        *,
        reference: str = coverage.DEFAULT_REFERENCE,
        territory_label: str | None = None,
        type_siae: str = access.ALL,
        access_table: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Coverage classes of the communes ``codes``: terciles of need and offer over the
        reference (:meth:`reference_codes`), applied to ``codes``
        (:func:`coodiag.analyses.coverage.classify`). The one classification of every report:
        diagnosis, atlas, ``analyse couverture``, scenario, explorer. Computed once per
        territory, reference and type. ``access_table``: :attr:`accessibility` ``.access``
        when it was computed (and cached) elsewhere, as in the explorer."""
        wanted = frozenset(codes)
        key = (wanted, coverage.check_reference(reference), territory_label, type_siae)
        if access_table is None and key in self._coverage:
            return self._coverage[key]
        out = coverage.classify(
            self.accessibility.access if access_table is None else access_table,
            wanted,
            reference_codes=self.reference_codes(wanted, reference),
            reference=reference,
            label=self.reference_label(wanted, reference, territory_label),
            type_siae=type_siae,
        )
        if access_table is None:
            if len(self._coverage) >= MAX_COVERAGE_CACHE:  # bounded: a batch of many SIAE
                self._coverage.clear()
            self._coverage[key] = out
        return out

    def denominators(self, by: str) -> dict[str, pd.Series]:
        """Unemployed, 15-64 and job seekers summed per value of the commune column ``by``."""
        return offer.denominators(self.communes, self.indicators, by=by)

    def offer_by(self, level: str, registry: pd.DataFrame | None = None) -> pd.DataFrame:
        """Weight of the offer per unit of ``level`` (``epci``, ``ze``...), with denominators."""
        by = levels.get(level).code
        reg = self.registry if registry is None else registry
        return offer.offer_by_territory(reg, level=level, denominators=self.denominators(by))
