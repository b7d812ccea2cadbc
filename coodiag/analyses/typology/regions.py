"""Spatially constrained regions: contiguous units homogeneous on some variables.

SKATER (spopt) or Ward restricted to Queen-contiguous neighbours (scikit-learn), with an
optional population floor per region; islands are linked to their nearest unit.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from coodiag import fr


@dataclass
class RegionsResult:
    """Contiguous regions: ``labels`` (1..n per unit), ``summary`` (units, population per
    region), ``method`` (French), ``floor_met`` (every region reaches the population floor)."""

    labels: pd.Series
    summary: pd.DataFrame
    method: str
    floor_met: bool
    attrs: dict = field(default_factory=dict)


def _contiguity(gdf):
    """Queen contiguity of the units; islands linked to their nearest unit (by centroid)."""
    from libpysal import weights as lw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands and disconnected parts
        w = lw.Queen.from_dataframe(gdf, use_index=False)
        n_comp, comp = _components(w)
        if n_comp > 1:
            pts = np.column_stack([gdf.geometry.centroid.x, gdf.geometry.centroid.y])
            neigh = {i: list(w.neighbors[i]) for i in range(len(gdf))}
            from scipy.spatial import cKDTree

            while n_comp > 1:
                # Link the smallest component to the nearest unit outside it.
                sizes = np.bincount(comp)
                small = int(np.argmin(sizes))
                inside = np.flatnonzero(comp == small)
                outside = np.flatnonzero(comp != small)
                tree = cKDTree(pts[outside])
                d, j = tree.query(pts[inside])
                i = inside[int(np.argmin(d))]
                o = outside[int(j[int(np.argmin(d))])]
                neigh[i].append(int(o))
                neigh[int(o)].append(int(i))
                w = lw.W(neigh, silence_warnings=True)
                n_comp, comp = _components(w)
    return w


def _components(w):
    from scipy.sparse.csgraph import connected_components

    return connected_components(w.sparse, directed=False)


def regions(
    gdf,
    variables: Sequence[str],
    *,
    n_regions: int,
    min_population: float | None = None,
    population_col: str = "pop22",
    method: Literal["skater", "ward"] = "ward",
    id_col: str = "code",
) -> RegionsResult:
    """Regions of contiguous units homogeneous on ``variables`` (standardised, missing → mean).

    ``method="ward"``: Ward agglomeration restricted to Queen-contiguous neighbours
    (scikit-learn ``AgglomerativeClustering`` with a libpysal connectivity matrix), then, if
    ``min_population`` is given, every region below it is merged into the contiguous region
    closest in standardised means (until all reach the floor — the region count can fall).
    ``method="skater"``: spopt's SKATER (Assunção et al. 2006: minimum spanning tree of the
    contiguity graph pruned into ``n_regions`` subtrees minimising the within dissimilarity)
    with ``min_population`` as the floor on each region's population (spopt counts units; this
    sums ``population_col``). SKATER is O(n²) per cut: for a département or region, not for
    all of France. Islands are linked to their nearest unit.
    """
    from sklearn.cluster import AgglomerativeClustering

    x = gdf[list(variables)].apply(pd.to_numeric, errors="coerce").astype("float64")
    x = x.fillna(x.mean())
    z = ((x - x.mean()) / x.std(ddof=0).replace(0, 1)).to_numpy()
    pop = (
        gdf[population_col].astype("float64").fillna(0).to_numpy()
        if min_population is not None
        else np.ones(len(gdf))
    )
    w = _contiguity(gdf)
    if method == "ward":
        model = AgglomerativeClustering(n_clusters=n_regions, linkage="ward", connectivity=w.sparse)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn: "the number of connected components"
            labels = model.fit_predict(z)
        text = "Ward sous contrainte de contiguïté (reine)"
        if min_population is not None:
            labels = _enforce_floor(labels, z, pop, w, min_population)
            text += f", régions de moins de {fr.number(min_population)} habitants fusionnées"
    elif method == "skater":
        labels = _skater(
            z, w, n_regions, pop if min_population is not None else None, min_population
        )
        text = "SKATER (spopt)" + (
            f", plancher de {fr.number(min_population)} habitants" if min_population else ""
        )
    else:
        raise ValueError(f"méthode inconnue : {method!r} (attendu « skater » ou « ward »)")
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels + 1
    ids = gdf[id_col].to_numpy() if id_col in gdf.columns else gdf.index.to_numpy()
    series = pd.Series(labels, index=pd.Index(ids, name=id_col), name="region")
    summary = pd.DataFrame(
        {"unites": np.bincount(labels)[1:], "population": np.bincount(labels, weights=pop)[1:]},
        index=pd.Index(np.arange(1, labels.max() + 1), name="region"),
    )
    met = min_population is None or bool((summary["population"] >= min_population).all())
    return RegionsResult(labels=series, summary=summary, method=text, floor_met=met)


def _enforce_floor(labels, z, pop, w, floor):
    labels = labels.copy()
    adj = w.sparse.tocsr()
    while True:
        regs = np.unique(labels)
        if len(regs) <= 1:
            return labels
        popr = pd.Series(pop).groupby(labels).sum()
        small = popr[popr < floor]
        if small.empty:
            return labels
        r = int(small.idxmin())
        members = np.flatnonzero(labels == r)
        neigh = np.unique(labels[adj[members].indices])
        neigh = neigh[neigh != r]
        if not len(neigh):
            return labels
        mean_r = z[members].mean(axis=0)
        best = min(neigh, key=lambda q: ((z[labels == q].mean(axis=0) - mean_r) ** 2).sum())
        labels[members] = best


def _skater(z, w, n_regions, pop, floor):
    from spopt.region.skater import SpanningForest

    class _PopulationForest(SpanningForest):
        """SKATER whose floor is a population sum rather than a unit count."""

        def score(self, data, labels=None, quorum=-np.inf):
            if labels is None:
                labels = self.current_labels_
            if pop is not None and (np.bincount(labels, weights=pop) < floor).any():
                return np.inf
            return super().score(data, labels=labels, quorum=-np.inf)

    model = _PopulationForest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(n_regions, w, data=z, quorum=-np.inf)
    return model.current_labels_
