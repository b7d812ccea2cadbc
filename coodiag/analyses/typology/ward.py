"""Weighted Ward agglomeration: the tree of a typology (units or k-means pre-clusters).

Ward (1963): each merge is the one that increases the within-class inertia least. Equal
weights go through scipy's C implementation; unequal weights (pre-clusters weighted by their
units) through the nearest-neighbour chain, O(n²) time and O(n) memory.
"""

from __future__ import annotations

import math

import numpy as np


def ward_linkage(x: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Ward agglomeration of the rows of ``x``: (scipy linkage matrix, inertia gains).

    Merging classes a and b (weights w_a, w_b, centroids g_a, g_b) increases the within-class
    inertia by Δ(a, b) = w_a w_b / (w_a + w_b) ‖g_a − g_b‖² (Ward 1963); each step merges the
    pair of least Δ. Computed by the nearest-neighbour chain (Ward is reducible), O(n²) time and
    O(n) memory; with equal weights scipy's ``linkage(x, "ward")`` gives the same tree and is
    used. The linkage matrix stores scipy's height √(2Δ / w) for equal weights w, √(2Δ) else,
    so ``scipy.cluster.hierarchy`` tools can read it; ``gains`` (one per row, same order,
    ascending) are the Δ themselves.
    """
    from scipy.cluster.hierarchy import linkage

    x = np.asarray(x, dtype="float64")
    n = len(x)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype="float64").copy()
    if n < 2:
        return np.empty((0, 4)), np.empty(0)
    if np.allclose(w, w[0]):
        # Equal weights: scipy's C implementation, Δ = w × height² / 2.
        z = linkage(x, method="ward")
        return z, w[0] * z[:, 2] ** 2 / 2
    return ward_nn_chain(x, w)


def ward_nn_chain(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Ward by the nearest-neighbour chain (see :func:`ward_linkage`)."""
    x = np.asarray(x, dtype="float64")
    w = np.asarray(w, dtype="float64").copy()
    n = len(x)
    cen = x.copy()
    active = np.ones(n, dtype=bool)
    merges: list[tuple[int, int, float]] = []
    chain: list[int] = []
    for _ in range(n - 1):
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        while True:
            a = chain[-1]
            d = w[a] * w / (w[a] + w) * ((cen - cen[a]) ** 2).sum(axis=1)
            d[~active] = np.inf
            d[a] = np.inf
            b = int(np.argmin(d))
            if len(chain) > 1 and d[chain[-2]] <= d[b]:
                b = chain[-2]
            if len(chain) > 1 and b == chain[-2]:
                break
            chain.append(b)
        a, b = chain.pop(), chain.pop()
        merges.append((a, b, float(d[b])))
        cen[a] = (w[a] * cen[a] + w[b] * cen[b]) / (w[a] + w[b])
        w[a] += w[b]
        active[b] = False
    order = sorted(range(n - 1), key=lambda i: merges[i][2])  # stable: ties keep their order
    parent = list(range(n))
    cluster_id = list(range(n))
    size = [1] * n

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    z = np.empty((n - 1, 4))
    gains = np.empty(n - 1)
    for row, i in enumerate(order):
        a, b, delta = merges[i]
        ra, rb = find(a), find(b)
        ia, ib = sorted((cluster_id[ra], cluster_id[rb]))
        parent[rb] = ra
        size[ra] += size[rb]
        cluster_id[ra] = n + row
        z[row] = (ia, ib, math.sqrt(2 * max(delta, 0.0)), size[ra])
        gains[row] = delta
    return z, gains
