"""Hierarchical clustering on principal components (FactoMineR ``HCPC``) and the one-call
:func:`typology` of a user table.

Ward clustering of the units on their first principal coordinates (the noise of the last axes
left out), the number of classes suggested by the relative loss of inertia, an optional k-means
consolidation, the description of every class by v-tests and its paragons; large unit counts
are pre-clustered by k-means first (FactoMineR's ``kk``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from coodiag import fr
from coodiag.analyses.typology.classes import (
    SEED,
    class_description,
    class_names,
    class_paragons,
    cut_linkage,
    describe_classes,
    kmeans,
)
from coodiag.analyses.typology.pca import PCAResult, pca
from coodiag.analyses.typology.ward import ward_linkage
from coodiag.base.indicators import Indicator

#: Above this many units, :func:`hcpc` pre-clusters by k-means before Ward (``preclusters=None``).
PRECLUSTER_ABOVE = 5000
#: Number of k-means pre-clusters used then (FactoMineR's ``kk``).
PRECLUSTER_DEFAULT = 500
#: Lloyd iterations of the pre-clustering (a compression of the cloud, not the final partition).
PRECLUSTER_MAX_ITER = 50


@dataclass
class HCPCResult:
    """A hierarchical clustering on principal components (FactoMineR ``HCPC``).

    - ``classes``: class (1..k) of every unit, indexed by its id; ``sizes`` units per class;
    - ``n_classes``, ``suggested``: the number of classes kept and the one the rule suggests;
    - ``cut_table``: for k classes, within inertia W(k), its share of the total, the ratio
      W(k)/W(k−1) (the rule) and the gain Δ(k) = W(k) − W(k+1);
    - ``linkage`` and ``gains``: the Ward tree of the units or of the pre-clusters;
    - ``centres``: class centroids on the axes; ``inertia``: total, between, within, ratio;
    - ``description``: for every class and variable: means, standard deviations, v-test,
      p-value (:func:`vtest`); ``paragons`` / ``specific``: units nearest to their class
      centre / farthest from the other centres; ``names``: automatic French class names.
    """

    pca: PCAResult
    n_axes: int
    classes: pd.Series
    n_classes: int
    suggested: int
    cut_table: pd.DataFrame
    linkage: np.ndarray
    gains: np.ndarray
    centres: pd.DataFrame
    sizes: pd.Series
    inertia: dict
    description: pd.DataFrame
    paragons: pd.DataFrame
    specific: pd.DataFrame
    names: pd.Series
    consolidated: bool
    preclusters: int | None
    precluster_labels: pd.Series | None
    attrs: dict = field(default_factory=dict)

    def describe(
        self, labels: Mapping[str, str] | None = None, *, alpha: float | None = None
    ) -> pd.DataFrame:
        """The class description in French (see :func:`describe_classes`)."""
        return describe_classes(self, labels, alpha=alpha)

    def units(self, labels: pd.Series | None = None) -> pd.DataFrame:
        """One row per unit: id, optional label, class, class name, axes, distance to centre."""
        coords = self.pca.coordinates.iloc[:, : self.n_axes]
        centre = self.centres.loc[self.classes.to_numpy()].to_numpy()
        out = pd.DataFrame({"classe": self.classes})
        if labels is not None:
            out.insert(0, "libelle", labels.reindex(out.index))
        out["nom_classe"] = self.classes.map(self.names)
        out = out.join(coords)
        out["distance_centre"] = np.sqrt(((coords.to_numpy() - centre) ** 2).sum(axis=1))
        return out


def hcpc(
    pca_result: PCAResult,
    *,
    n_axes: int | None = None,
    n_classes: int | None = None,
    min_classes: int = 3,
    max_classes: int = 10,
    consolidate: bool = True,
    preclusters: int | Literal[False] | None = None,
    seed: int = SEED,
) -> HCPCResult:
    """Ward clustering of the units on their first ``n_axes`` principal coordinates.

    ``n_axes`` defaults to the axes retained by :func:`pca`. Ward's criterion is weighted by the
    PCA's row weights (normalised to 1, so the total inertia to split is Σ_{s ≤ n_axes} λ_s).

    Number of classes (``n_classes=None``): FactoMineR's rule (``HCPC`` ``nb.clust=-1``): with
    W(k) the within-class inertia of the cut into k classes (W(1) the total), the suggested k
    minimises the relative loss W(k)/W(k−1) for ``min_classes`` ≤ k ≤ ``max_classes`` — the
    cut after which splitting further gains little compared with the split just made (Husson
    et al., 2017, §4.3: choose k when Δ(k−1) = W(k−1) − W(k) is large next to Δ(k)).
    ``min_classes`` is 3 as in FactoMineR; set 2 to allow a two-class cut.

    ``consolidate``: k-means (Lloyd, weighted) on the units starting from the Ward class
    centroids (FactoMineR ``consol=TRUE``); it can only lower the within inertia.

    ``preclusters``: above :data:`PRECLUSTER_ABOVE` units (``None``, the default) or when an
    integer is given, the units are first grouped into that many k-means clusters
    (:data:`PRECLUSTER_DEFAULT`, FactoMineR's ``kk``), Ward runs on their centroids weighted by
    their total weights, and every unit takes the class of its pre-cluster (before
    consolidation); ``False`` disables it. Seeds are fixed (``seed``): results reproduce.
    Classes are numbered 1..k by the coordinate of their centre on the first axis.
    """
    n_axes = int(n_axes or pca_result.n_retained)
    n_axes = min(n_axes, pca_result.coordinates.shape[1])
    coords = pca_result.coordinates.iloc[:, :n_axes]
    x = coords.to_numpy()
    w = pca_result.weights.to_numpy()
    n = len(x)
    if preclusters is None:
        kk = PRECLUSTER_DEFAULT if n > PRECLUSTER_ABOVE else None
    elif preclusters is False:
        kk = None
    else:
        kk = int(preclusters) if int(preclusters) < n else None
    pre_labels = None
    if kk:
        km = kmeans(x, kk, weights=w, seed=seed, max_iter=PRECLUSTER_MAX_ITER)
        pre_labels = km.labels_
        used = np.unique(pre_labels)
        remap = np.full(kk, -1)
        remap[used] = np.arange(len(used))
        pre_labels = remap[pre_labels]
        leaf_w = np.bincount(pre_labels, weights=w)
        leaf_x = np.vstack(
            [np.bincount(pre_labels, weights=w * x[:, s]) / leaf_w for s in range(n_axes)]
        ).T
    else:
        leaf_x, leaf_w = x, w
    z, gains = ward_linkage(leaf_x, leaf_w)
    n_leaves = len(leaf_x)
    desc_gains = gains[::-1]  # Δ for 1→2, 2→3, ... classes
    within = np.concatenate([np.cumsum(desc_gains[::-1])[::-1], [0.0]])  # W(1), W(2)...
    max_k = max(2, min(max_classes, n_leaves - 1))
    min_k = max(2, min(min_classes, max_k))
    ks = np.arange(1, min(max_k + 1, n_leaves) + 1)
    total_between_leaves = within[0]
    cut_table = pd.DataFrame(
        {
            "inertie_intra": within[ks - 1],
            "inertie_intra_pct": 100 * within[ks - 1] / total_between_leaves,
            "gain": [desc_gains[k - 1] if k - 1 < len(desc_gains) else 0.0 for k in ks],
        },
        index=pd.Index(ks, name="classes"),
    )
    cut_table["ratio_intra"] = cut_table["inertie_intra"] / cut_table["inertie_intra"].shift(1)
    window = cut_table.loc[min_k:max_k, "ratio_intra"]
    suggested = int(window.idxmin())
    k = int(n_classes) if n_classes is not None else suggested
    if not 1 <= k <= n_leaves:
        raise ValueError(f"Nombre de classes impossible : {k} (unités : {n_leaves}).")
    leaf_class = cut_linkage(z, k)
    labels = leaf_class if pre_labels is None else leaf_class[pre_labels]
    if consolidate and k > 1:
        centres0 = np.vstack(
            [np.average(x[labels == c], axis=0, weights=w[labels == c]) for c in range(k)]
        )
        labels = kmeans(x, k, weights=w, init=centres0, seed=seed).labels_
    present = np.unique(labels)
    centres = np.vstack(
        [np.average(x[labels == c], axis=0, weights=w[labels == c]) for c in present]
    )
    # Classes numbered 1..k by their centre's coordinate on the first axis (then the next).
    order = np.lexsort(centres.T[::-1])
    rank = np.empty(len(present), dtype=int)
    rank[order] = np.arange(1, len(present) + 1)
    lookup = np.zeros(labels.max() + 1, dtype=int)
    lookup[present] = rank
    classes = pd.Series(lookup[labels], index=coords.index, name="classe")
    centres_df = pd.DataFrame(
        centres[order], index=pd.Index(rank[order], name="classe"), columns=coords.columns
    )
    k = len(present)
    g = np.average(x, axis=0, weights=w)
    total = float(w @ ((x - g) ** 2).sum(axis=1))
    cw = classes.groupby(classes).apply(lambda s: w[coords.index.get_indexer(s.index)].sum())
    between = float(
        sum(cw[c] * ((centres_df.loc[c].to_numpy() - g) ** 2).sum() for c in centres_df.index)
    )
    inertia = {
        "totale": total,
        "inter": between,
        "intra": total - between,
        "inter_sur_totale": between / total if total > 0 else float("nan"),
    }
    # Observed values only: ``pca_result.data`` keeps the missing cells the PCA imputed.
    values = pd.concat([pca_result.data, pca_result.supplementary], axis=1)
    roles = pca_result.meta["role"]
    description = class_description(values, classes, roles)
    paragons, specific = class_paragons(coords, classes, centres_df)
    result = HCPCResult(
        pca=pca_result,
        n_axes=n_axes,
        classes=classes,
        n_classes=k,
        suggested=suggested,
        cut_table=cut_table,
        linkage=z,
        gains=gains,
        centres=centres_df,
        sizes=classes.value_counts().sort_index().rename("effectif"),
        inertia=inertia,
        description=description,
        paragons=paragons,
        specific=specific,
        names=pd.Series(dtype="string"),
        consolidated=bool(consolidate and k > 1),
        preclusters=n_leaves if kk else None,
        precluster_labels=(pd.Series(pre_labels, index=coords.index, name="prc") if kk else None),
    )
    result.names = class_names(result)
    result.attrs = {
        "meta": pca_result.meta.to_dict(orient="index"),
        "missing": pca_result.missing,
        "methode": _method_text(result),
    }
    return result


def _method_text(result: HCPCResult) -> str:
    p = result.pca
    pre = (
        f"pré-classement par k-means en {result.preclusters} groupes, "
        if result.preclusters
        else ""
    )
    return (
        f"ACP normée de {len(p.variables)} variables sur {len(p.coordinates)} unités "
        f"({p.retention}) ; {pre}classification ascendante hiérarchique de Ward sur "
        f"{result.n_axes} axes ; {result.n_classes} classes "
        f"(règle de la perte relative d'inertie : {result.suggested})"
        + (" ; consolidation par k-means" if result.consolidated else "")
        + f" ; inertie inter-classes / totale = "
        f"{fr.number(100 * result.inertia['inter_sur_totale'], 1)} %"
    )


def typology(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    id_col: str = "code",
    label_col: str | None = None,
    supplementary: Sequence[str] = (),
    weights: str | Sequence[float] | None = None,
    n_components: int | None = None,
    rule: Literal["kaiser", "inertia"] = "kaiser",
    n_classes: int | None = None,
    min_classes: int = 3,
    max_classes: int = 10,
    consolidate: bool = True,
    preclusters: int | Literal[False] | None = None,
    missing: Literal["impute", "drop"] = "impute",
    meta: pd.DataFrame | None = None,
    meta_table: str | None = None,
    extra_meta: Mapping[str, Indicator] | None = None,
    short_labels: Mapping[str, str] | None = None,
    seed: int = SEED,
) -> HCPCResult:
    """PCA + HCPC of a user table: one row per unit (``id_col``), the ``variables`` active.

    ``meta``: the base's ``indicateurs_meta`` (labels, units, sources, vintages; without it
    the variables keep their keys as labels); ``extra_meta``, ``short_labels``: see :func:`pca`;
    ``label_col`` names the units in :meth:`HCPCResult.units` and in the paragons.
    """
    if data[id_col].duplicated().any():
        raise ValueError(f"Identifiants en double dans la colonne {id_col!r}.")
    frame = data.set_index(id_col)
    res_pca = pca(
        frame,
        variables=variables,
        weights=weights,
        n_components=n_components,
        rule=rule,
        missing=missing,
        supplementary=[s for s in supplementary if s not in variables],
        meta=meta,
        meta_table=meta_table,
        extra_meta=extra_meta,
        short_labels=short_labels,
    )
    result = hcpc(
        res_pca,
        n_classes=n_classes,
        min_classes=min_classes,
        max_classes=max_classes,
        consolidate=consolidate,
        preclusters=preclusters,
        seed=seed,
    )
    if label_col is not None:
        names = frame[label_col]
        result.attrs["libelles"] = names
        for table in (result.paragons, result.specific):
            if len(table):
                table["libelle"] = table["id"].map(names)
    return result
