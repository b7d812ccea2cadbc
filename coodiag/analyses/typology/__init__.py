"""Typologies of territories: PCA + hierarchical clustering on principal components (HCPC).

The method is FactoMineR's (Husson, Lê, Pagès, *Exploratory Multivariate Analysis by Example
Using R*, 2nd ed. 2017, ch. 1 and 4; FactoMineR ``PCA``, ``HCPC`` and ``catdes``), with pure
functions on DataFrames, one step per module:

1. :mod:`~.pca` — :func:`pca`, standardised PCA (every variable centred and reduced, so each
   weighs 1 and the total inertia is the number of variables); :mod:`~.meta` describes the
   variables (label, unit, source, vintage, short name);
2. :mod:`~.ward` — the weighted Ward tree; :mod:`~.hcpc` — :func:`hcpc`, Ward clustering of the
   units on their first principal coordinates (the noise of the last axes left out), the
   number of classes suggested by the relative loss of inertia, an optional k-means
   consolidation, the description of every class by v-tests and its paragons; large unit
   counts are pre-clustered by k-means first (FactoMineR's ``kk``);
3. :mod:`~.classes` — cut, consolidation, v-tests, :func:`describe_classes` and
   :func:`class_names` (the French description and an automatic name of each class, built
   only from its strongest v-tests), paragons;
4. :func:`typology` — the three steps on a user table; :mod:`~.presets`:
   :func:`preset_personnes_agees` (Coodiag example 2) and :func:`preset_offre_insertion`
   (example 3); :func:`preset_communes_france` (every commune, national variables);
5. :mod:`~.regions` — :func:`regions`, optional spatially constrained regions (SKATER or Ward
   with contiguity) with a population floor.

Missing values: by default a unit missing an active variable gets the (weighted) mean of the
variable — its standardised value is then 0, neutral for the axes — and the count of imputed
cells per variable is reported in ``PCAResult.missing``; ``missing="drop"`` leaves such units
out instead and lists them. Class descriptions use the observed values only (never the imputed).
"""

from coodiag.analyses.typology.classes import (
    ALPHA,
    N_PARAGONS,
    SEED,
    Partition,
    class_description,
    class_names,
    class_paragons,
    cut_linkage,
    describe_classes,
    kmeans,
    qualifier,
    vtest,
)
from coodiag.analyses.typology.hcpc import (
    PRECLUSTER_ABOVE,
    PRECLUSTER_DEFAULT,
    PRECLUSTER_MAX_ITER,
    HCPCResult,
    hcpc,
    typology,
)
from coodiag.analyses.typology.meta import SHORT_LABELS, variable_meta
from coodiag.analyses.typology.pca import INERTIA_THRESHOLD, PCAResult, pca
from coodiag.analyses.typology.presets import (
    FRANCE_SHORT_LABELS,
    FRANCE_ZONE_VARIABLES,
    MIN_COVERAGE,
    OFFER_SHORT_LABELS,
    OFFER_TYPES,
    OFFRE_CONTEXTE,
    OFFRE_SUPPLEMENTAIRES,
    PERSONNES_AGEES_ACTIVES,
    PERSONNES_AGEES_SUPPLEMENTAIRES,
    commune_table_france,
    offer_table,
    preset_communes_france,
    preset_offre_insertion,
    preset_personnes_agees,
)
from coodiag.analyses.typology.regions import RegionsResult, regions
from coodiag.analyses.typology.ward import ward_linkage, ward_nn_chain

__all__ = [
    "ALPHA",
    "FRANCE_SHORT_LABELS",
    "FRANCE_ZONE_VARIABLES",
    "INERTIA_THRESHOLD",
    "MIN_COVERAGE",
    "N_PARAGONS",
    "OFFER_SHORT_LABELS",
    "OFFER_TYPES",
    "OFFRE_CONTEXTE",
    "OFFRE_SUPPLEMENTAIRES",
    "PERSONNES_AGEES_ACTIVES",
    "PERSONNES_AGEES_SUPPLEMENTAIRES",
    "PRECLUSTER_ABOVE",
    "PRECLUSTER_DEFAULT",
    "PRECLUSTER_MAX_ITER",
    "SEED",
    "SHORT_LABELS",
    "HCPCResult",
    "PCAResult",
    "Partition",
    "RegionsResult",
    "class_description",
    "class_names",
    "class_paragons",
    "commune_table_france",
    "cut_linkage",
    "describe_classes",
    "hcpc",
    "kmeans",
    "offer_table",
    "pca",
    "preset_communes_france",
    "preset_offre_insertion",
    "preset_personnes_agees",
    "qualifier",
    "regions",
    "typology",
    "variable_meta",
    "vtest",
    "ward_linkage",
    "ward_nn_chain",
]
