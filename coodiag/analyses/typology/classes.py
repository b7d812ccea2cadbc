"""Classes of a typology: cut of the tree, k-means consolidation, v-tests, names, paragons.

FactoMineR's ``HCPC`` and ``catdes`` (Husson, Lê, Pagès 2017, ch. 4): a class is described by
the v-tests of the variables (how far its mean is from the overall mean, in standard errors of
a random class of its size), named by its strongest significant v-tests, and illustrated by its
paragons (units nearest to its centre) and specific units (farthest from the other centres).
The description uses the observed values only, never the imputed ones.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Protocol

import numpy as np
import pandas as pd

from coodiag.analyses.typology.pca import PCAResult

#: Significance level of the v-tests (|v| ≥ 1.96 ⇔ p ≤ 0.05, two-sided).
ALPHA = 0.05
#: Number of paragons (and of specific units) listed per class.
N_PARAGONS = 5
#: Seed of every k-means (pre-clustering, consolidation): results are reproducible.
SEED = 0

_FEMININE = {"part", "capacité", "densité", "évolution", "population", "superficie", "proportion"}
_PLURAL = {"demandeurs", "établissements", "structures", "emplois", "logements", "ménages"}


class Partition(Protocol):
    """What the class names and description read of a typology (an ``HCPCResult``)."""

    pca: PCAResult
    description: pd.DataFrame
    centres: pd.DataFrame
    sizes: pd.Series
    names: pd.Series
    attrs: dict


def cut_linkage(z: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k−1 of the leaves after the first n − k merges of the linkage matrix ``z``."""
    n = len(z) + 1
    parent = list(range(2 * n - 1))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in range(n - k):
        a, b = int(z[row, 0]), int(z[row, 1])
        parent[find(a)] = n + row
        parent[find(b)] = n + row
    roots = np.array([find(i) for i in range(n)])
    _, labels = np.unique(roots, return_inverse=True)
    return labels


def kmeans(x, k, *, weights, init=None, seed=SEED, max_iter=300):
    """Weighted Lloyd k-means; without ``init``, a k-means++ start with one local trial.

    Minimises the within inertia Σ_i w_i ‖x_i − g_{c(i)}‖² (same units as ``x``). Used for the
    consolidation of the Ward classes (``init`` = their centroids, FactoMineR ``consol=TRUE``)
    and for the pre-clustering of large unit counts. Returns the fitted scikit-learn
    ``KMeans`` (``labels_``, ``cluster_centers_``); ``seed`` makes it reproducible.
    """
    from sklearn.cluster import KMeans, kmeans_plusplus

    with warnings.catch_warnings():
        # Duplicate points (identical communes) can leave fewer distinct points than clusters.
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        if init is None:
            # sklearn's default k-means++ tries 2 + log(k) candidates per centre: 5 s for 500
            # centres on 35,000 communes; one candidate (Arthur & Vassilvitskii's original
            # seeding) is enough for a pre-clustering and takes a tenth of a second.
            init, _ = kmeans_plusplus(
                x, k, sample_weight=weights, random_state=seed, n_local_trials=1
            )
        km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=max_iter, random_state=seed)
        km.fit(x, sample_weight=weights)
    return km


def vtest(
    mean_class: float | np.ndarray,
    mean_all: float | np.ndarray,
    sd_all: float | np.ndarray,
    n_class: float | np.ndarray,
    n_all: float | np.ndarray,
) -> float | np.ndarray:
    """FactoMineR ``catdes`` v-test of a quantitative variable in a class.

    v = (x̄_k − x̄) / √( s²/n_k × (N − n_k)/(N − 1) ), with s the *population* standard deviation
    of the N units and n_k units in the class: the mean of a class drawn at random without
    replacement has variance s²/n_k × (N − n_k)/(N − 1), so |v| ≥ 1.96 means the class mean is
    significantly different from the overall mean at 5 % (two-sided, normal approximation).
    """
    return (np.asarray(mean_class) - mean_all) / np.sqrt(
        np.asarray(sd_all) ** 2 / n_class * (n_all - n_class) / (n_all - 1)
    )


def class_description(values: pd.DataFrame, classes: pd.Series, roles: pd.Series) -> pd.DataFrame:
    """Long table of the class description (observed values only, unit weights).

    One row per class and variable (a variable observed for fewer than 3 units is skipped):
    ``classe, variable, role, moyenne_classe, moyenne_generale, ecart_type_classe,
    ecart_type_general`` (population standard deviations, in the unit of the variable),
    ``n_classe, n_total`` (units where the variable is observed: the denominators),
    ``v_test`` (:func:`vtest`) and ``p_value`` = 2 (1 − Φ(|v|)); sorted by class, then
    decreasing v-test. ``roles``: variable -> « active » / « supplémentaire ».
    """
    from scipy.stats import norm

    rows = []
    for var in values.columns:
        col = values[var]
        ok = col.notna()
        if ok.sum() < 3:
            continue
        x, cl = col[ok], classes[ok]
        n_all = len(x)
        mean_all = float(x.mean())
        sd_all = float(x.std(ddof=0))
        grouped = x.groupby(cl)
        stats = pd.DataFrame(
            {
                "moyenne_classe": grouped.mean(),
                "ecart_type_classe": grouped.std(ddof=0),
                "n_classe": grouped.size(),
            }
        )
        for k, st in stats.iterrows():
            n_k = st["n_classe"]
            if sd_all > 0 and n_k < n_all:
                v = float(vtest(st["moyenne_classe"], mean_all, sd_all, n_k, n_all))
            else:
                v = float("nan")
            rows.append(
                {
                    "classe": int(k),
                    "variable": var,
                    "role": roles.get(var, "active"),
                    "moyenne_classe": float(st["moyenne_classe"]),
                    "moyenne_generale": mean_all,
                    "ecart_type_classe": float(st["ecart_type_classe"]),
                    "ecart_type_general": sd_all,
                    "n_classe": int(n_k),
                    "n_total": n_all,
                    "v_test": v,
                    "p_value": float(2 * norm.sf(abs(v))) if np.isfinite(v) else float("nan"),
                }
            )
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values(["classe", "v_test"], ascending=[True, False], ignore_index=True)
    return out


def class_paragons(
    coords: pd.DataFrame, classes: pd.Series, centres: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paragons and specific units of each class: ``(paragons, specific)``.

    .. math:: d_{ik} = \\lVert F_i - g_k \\rVert

    F_i: coordinates of unit i on the retained axes, g_k: centre of class k (same axes), d in
    the units of the principal coordinates. Paragons of class k: its :data:`N_PARAGONS` members
    of least d to g_k (FactoMineR ``desc.ind$para``); specific units: its members whose nearest
    *other* centre is farthest (``desc.ind$dist``, ``distance`` = that nearest other centre).
    Both tables: ``classe, rang, id, distance``.
    """
    x = coords.to_numpy()
    c = centres.to_numpy()
    dist = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))  # n × k
    cls = classes.to_numpy()
    col = centres.index.get_indexer(cls)
    own = dist[np.arange(len(x)), col]
    para, spec = [], []
    for j, k in enumerate(centres.index):
        members = np.flatnonzero(cls == k)
        best = members[np.argsort(own[members], kind="stable")[:N_PARAGONS]]
        para += [
            {"classe": int(k), "rang": r + 1, "id": coords.index[i], "distance": float(own[i])}
            for r, i in enumerate(best)
        ]
        if len(centres) > 1:
            other = np.delete(dist[members], j, axis=1).min(axis=1)
            far = members[np.argsort(-other, kind="stable")[:N_PARAGONS]]
            spec += [
                {
                    "classe": int(k),
                    "rang": r + 1,
                    "id": coords.index[i],
                    "distance": float(np.delete(dist[i], j).min()),
                }
                for r, i in enumerate(far)
            ]
    return pd.DataFrame(para), pd.DataFrame(spec, columns=["classe", "rang", "id", "distance"])


def qualifier(label: str, high: bool) -> str:
    """« élevé(e)(s) » or « faible(s) » agreed with the first word of a short label.

    Gender from :data:`_FEMININE` (« part », « densité »...), number from :data:`_PLURAL` or a
    final « s » (« taux », « indice », « revenu » excepted): « part des retraités » -> « élevée »,
    « demandeurs d'emploi » -> « élevés ».
    """
    first = label.split()[0].lower().strip("'’") if label else ""
    fem = first in _FEMININE
    plural = first in _PLURAL or (
        first.endswith("s")
        and first not in {"taux", "indice"}
        and not fem
        and first not in {"revenu"}
    )
    if high:
        word = "élevée" if fem else "élevé"
        return word + ("s" if plural else "")
    return "faibles" if plural else "faible"


def class_names(
    result: Partition, *, labels: Mapping[str, str] | None = None, alpha: float = ALPHA
) -> pd.Series:
    """Automatic French name of each class, from its strongest significant v-tests only.

    The strongest positive and the strongest negative v-test among the active variables with
    p ≤ ``alpha`` give « <libellé court> élevé(e) » / « <libellé court> faible »; when one side
    has none, the two strongest of the other side. When two classes get the same name, the next
    strongest v-tests are appended until the names differ. A class with no significant v-test is
    « Classe proche de la moyenne ». Short labels: ``labels``, else the metadata's ``court``.
    """
    desc = result.description
    short = dict(result.pca.meta["court"])
    short.update(labels or {})
    if not len(desc):
        return pd.Series({k: "Classe proche de la moyenne" for k in result.centres.index})
    sig = desc[(desc["role"] == "active") & (desc["p_value"] <= alpha)]
    terms: dict[int, list[str]] = {}
    for k in result.centres.index:
        d = sig[sig["classe"] == k]
        pos = d[d["v_test"] > 0].sort_values("v_test", ascending=False)
        neg = d[d["v_test"] < 0].sort_values("v_test")
        first: list[tuple[str, bool]] = []
        if len(pos) and len(neg):
            first = [(pos["variable"].iloc[0], True), (neg["variable"].iloc[0], False)]
            rest = [(v, True) for v in pos["variable"].iloc[1:]] + [
                (v, False) for v in neg["variable"].iloc[1:]
            ]
        else:
            side = pos if len(pos) else neg
            items = [(v, len(pos) > 0) for v in side["variable"]]
            first, rest = items[:2], items[2:]
        ordered = d.set_index("variable")["v_test"].abs()
        rest.sort(key=lambda item: -ordered[item[0]])
        terms[int(k)] = [
            *(f"{short.get(v, v)} {qualifier(short.get(v, v), h)}" for v, h in first),
            *("\0" + f"{short.get(v, v)} {qualifier(short.get(v, v), h)}" for v, h in rest),
        ]
    used = {k: [t for t in ts if not t.startswith("\0")] for k, ts in terms.items()}
    extra = {k: [t[1:] for t in ts if t.startswith("\0")] for k, ts in terms.items()}
    for _ in range(10):
        names = {k: ", ".join(v) for k, v in used.items()}
        dup = {k for k, v in names.items() if list(names.values()).count(v) > 1 and v}
        if not dup:
            break
        for k in dup:
            if extra[k]:
                used[k].append(extra[k].pop(0))
    out = {}
    for k, ts in used.items():
        text = ", ".join(ts) if ts else "classe proche de la moyenne"
        out[k] = text[0].upper() + text[1:]
    return pd.Series(out, name="nom_classe", dtype="string").rename_axis("classe")


def describe_classes(
    result: Partition,
    labels: Mapping[str, str] | None = None,
    *,
    alpha: float | None = None,
) -> pd.DataFrame:
    """The class description in French, one row per class and variable (strongest v-test first).

    Columns: Classe, Nom de la classe, Effectif, Variable, Rôle, Unité, Moyenne dans la classe,
    Moyenne générale, Écart-type dans la classe, Écart-type général, Valeur-test, Probabilité,
    Significatif (p ≤ 5 %), Source. ``labels`` (key -> French label) overrides the labels of the
    base; ``alpha`` keeps only the rows with p ≤ ``alpha`` (FactoMineR's ``proba``).
    """
    d = result.description.copy()
    if alpha is not None:
        d = d[d["p_value"] <= alpha]
    meta = result.pca.meta
    lab = dict(meta["label"])
    lab.update(labels or {})
    d = d.assign(_abs=-d["v_test"].abs()).sort_values(["classe", "_abs"], kind="stable")
    out = pd.DataFrame(
        {
            "Classe": d["classe"].to_numpy(),
            "Nom de la classe": d["classe"].map(result.names).to_numpy(),
            "Effectif": d["classe"].map(result.sizes).to_numpy(),
            "Variable": d["variable"].map(lambda v: lab.get(v, v)).to_numpy(),
            "Rôle": d["role"].to_numpy(),
            "Unité": d["variable"].map(meta["unit"]).to_numpy(),
            "Moyenne dans la classe": d["moyenne_classe"].to_numpy(),
            "Moyenne générale": d["moyenne_generale"].to_numpy(),
            "Écart-type dans la classe": d["ecart_type_classe"].to_numpy(),
            "Écart-type général": d["ecart_type_general"].to_numpy(),
            "Valeur-test": d["v_test"].to_numpy(),
            "Probabilité": d["p_value"].to_numpy(),
            "Significatif (5 %)": (d["p_value"] <= ALPHA)
            .map({True: "oui", False: "non"})
            .to_numpy(),
            "Source": d["variable"]
            .map(lambda v: f"{meta.at[v, 'source']} ({meta.at[v, 'vintage']})".strip())
            .to_numpy(),
        }
    )
    out.attrs["methode"] = result.attrs.get("methode", "")
    return out.reset_index(drop=True)
