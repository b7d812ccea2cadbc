"""Typologies of territories: PCA + hierarchical clustering on principal components (HCPC).

The method is FactoMineR's (Husson, Lê, Pagès, *Exploratory Multivariate Analysis by Example
Using R*, 2nd ed. 2017, ch. 1 and 4; FactoMineR ``PCA``, ``HCPC`` and ``catdes``), with pure
functions on DataFrames:

1. :func:`pca` — standardised PCA (every variable centred and reduced, so each weighs 1 and the
   total inertia is the number of variables);
2. :func:`hcpc` — Ward clustering of the units on their first principal coordinates (the noise
   of the last axes left out), the number of classes suggested by the relative loss of inertia,
   an optional k-means consolidation, the description of every class by v-tests and its
   paragons; large unit counts are pre-clustered by k-means first (FactoMineR's ``kk``);
3. :func:`describe_classes` and :func:`class_names` — the French description and an automatic
   name of each class, built only from its strongest v-tests;
4. :func:`typology` — the three steps on a user table; the presets
   :func:`preset_personnes_agees` (Coodiag example 2) and :func:`preset_offre_insertion`
   (example 3); :func:`preset_communes_france` (every commune, national variables);
5. :func:`regions` — optional spatially constrained regions (SKATER or Ward with contiguity)
   with a population floor.

Missing values: by default a unit missing an active variable gets the (weighted) mean of the
variable — its standardised value is then 0, neutral for the axes — and the count of imputed
cells per variable is reported in ``PCAResult.missing``; ``missing="drop"`` leaves such units
out instead and lists them. Class descriptions use the observed values only (never the imputed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

#: Default minimum cumulative inertia (%) of the ``rule="inertia"`` retention rule.
INERTIA_THRESHOLD = 80.0
#: Above this many units, :func:`hcpc` pre-clusters by k-means before Ward (``preclusters=None``).
PRECLUSTER_ABOVE = 5000
#: Number of k-means pre-clusters used then (FactoMineR's ``kk``).
PRECLUSTER_DEFAULT = 500
#: Significance level of the v-tests (|v| ≥ 1.96 ⇔ p ≤ 0.05, two-sided).
ALPHA = 0.05
#: Number of paragons (and of specific units) listed per class.
N_PARAGONS = 5
#: Lloyd iterations of the pre-clustering (a compression of the cloud, not the final partition).
PRECLUSTER_MAX_ITER = 50
#: Seed of every k-means (pre-clustering, consolidation): results are reproducible.
SEED = 0

#: Short French names of known indicators for class names (the meaning of the base's label).
SHORT_LABELS: dict[str, str] = {
    "med21": "revenu médian",
    "rev_med_21": "revenu médian",
    "tp6021": "taux de pauvreté",
    "rev_txpauv_21": "taux de pauvreté",
    "part_6579_22": "part des 65-79 ans",
    "part_75p_22": "part des 75 ans ou plus",
    "dmv_75p_pct_22": "part des 75 ans ou plus",
    "part_80p_22": "part des 80 ans ou plus",
    "part_seul_5579_22": "part des 55-79 ans vivant seuls",
    "dmv_6579_seul_pct_22": "part des 65-79 ans vivant seuls",
    "part_seul_80p_22": "part des 80 ans ou plus vivant seuls",
    "dmv_80p_seul_pct_22": "part des 80 ans ou plus vivant seuls",
    "part_men_seul_22": "part des ménages d'une personne",
    "part_csp_retraites_22": "part des retraités",
    "dsp_csp_retraites_pct_22": "part des retraités",
    "tx_chom1564_22": "taux de chômage",
    "soc_txchom_1564_22": "taux de chômage",
    "tx_emp1564_22": "taux d'emploi",
    "eco_txemp_1564_22": "taux d'emploi",
    "part_dipl_infbac_22": "part des diplômés infra-bac",
    "dsp_dipl_infbac_pct_22": "part des diplômés infra-bac",
    "part_hlm_22": "part des logements HLM",
    "dmv_iv_ind_22": "indice de vieillissement",
    "men_mono_pct_22": "part des familles monoparentales",
    "eco_sectindus_pct_22": "part de l'industrie",
    "eco_sectagri_pct_22": "part de l'agriculture",
}

_FEMININE = {"part", "capacité", "densité", "évolution", "population", "superficie", "proportion"}
_PLURAL = {"demandeurs", "établissements", "structures", "emplois", "logements", "ménages"}


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------


def _of(name: str) -> str:
    """« nombre d'EI », « nombre de GEIQ »: French elision before a vowel."""
    return f"nombre d'{name}" if name[:1] in "AEIOUÉ" else f"nombre de {name}"


def variable_meta(
    variables: Sequence[str],
    meta: pd.DataFrame | None,
    *,
    table: str | None = None,
    extra: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Label, unit, source, vintage, method of each variable (index: the variable key).

    Looked up in ``meta`` (the base's ``indicateurs_meta``), the rows of ``table`` first when a
    key is in several tables; ``extra`` (key -> fields) describes derived variables and wins.
    A key found nowhere gets its own name as label and « non renseignée » as source.
    """
    cols = ["label", "unit", "source", "vintage", "method"]
    rows = {}
    for key in variables:
        row = {c: "" for c in cols}
        row.update(label=key, source="non renseignée")
        if meta is not None and len(meta):
            hits = meta[meta["key"] == key]
            if table is not None and (hits["table"] == table).any():
                hits = hits[hits["table"] == table]
            if len(hits):
                first = hits.iloc[0]
                row.update({c: str(first[c]) if pd.notna(first.get(c)) else "" for c in cols})
        court = None
        if extra and key in extra:
            row.update({c: str(v) for c, v in extra[key].items() if c in cols})
            court = extra[key].get("court")
        row["court"] = court or SHORT_LABELS.get(key) or _lower_first(row["label"])
        rows[key] = row
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[*cols, "court"])
    out.index.name = "variable"
    return out


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


# --------------------------------------------------------------------------------------------
# PCA
# --------------------------------------------------------------------------------------------


@dataclass
class PCAResult:
    """A standardised PCA (FactoMineR ``PCA(scale.unit=TRUE)``). Axes are named ``Dim.1``...

    - ``eigenvalues``: ``valeur_propre`` λ_s, ``inertie_pct`` = 100 λ_s / p,
      ``inertie_cumulee_pct``; Σ λ_s = p (the number of active variables);
    - ``loadings``: correlation of each variable with each axis, r_js = u_js √λ_s;
    - ``var_contrib``: contribution (%) of variable j to axis s, 100 r_js² / λ_s = 100 u_js²;
    - ``var_cos2``: quality of representation of the variable on the axis, r_js²;
    - ``coordinates``: principal coordinates of the units F_is = Σ_j z_ij u_js (variance λ_s);
    - ``scores``: the same scaled to unit variance, F_is / √λ_s;
    - ``ind_contrib`` (%) = 100 w_i F_is² / λ_s and ``ind_cos2`` = F_is² / Σ_t F_it²;
    - ``n_retained`` axes by ``retention`` (the rule in French), ``missing`` the report of the
      missing values, ``meta`` each variable's label, unit, source, vintage.
    """

    variables: list[str]
    data: pd.DataFrame
    weights: pd.Series
    means: pd.Series
    stds: pd.Series
    eigenvalues: pd.DataFrame
    eigenvectors: pd.DataFrame
    loadings: pd.DataFrame
    var_contrib: pd.DataFrame
    var_cos2: pd.DataFrame
    coordinates: pd.DataFrame
    scores: pd.DataFrame
    ind_contrib: pd.DataFrame
    ind_cos2: pd.DataFrame
    n_retained: int
    retention: str
    missing: dict
    meta: pd.DataFrame
    supplementary: pd.DataFrame = field(default_factory=pd.DataFrame)
    sup_loadings: pd.DataFrame = field(default_factory=pd.DataFrame)
    attrs: dict = field(default_factory=dict)


def _weights(data: pd.DataFrame, weights) -> pd.Series:
    if weights is None:
        w = pd.Series(1.0, index=data.index)
    elif isinstance(weights, str):
        w = pd.to_numeric(data[weights], errors="coerce").astype("float64")
    else:
        w = pd.Series(np.asarray(weights, dtype="float64"), index=data.index)
    if w.isna().any() or (w < 0).any() or w.sum() <= 0:
        raise ValueError("Les poids doivent être positifs ou nuls, renseignés, de somme non nulle.")
    return w


def pca(
    data: pd.DataFrame,
    *,
    variables: Sequence[str],
    weights: str | Sequence[float] | pd.Series | None = None,
    n_components: int | None = None,
    rule: Literal["kaiser", "inertia"] = "kaiser",
    inertia_threshold: float = INERTIA_THRESHOLD,
    missing: Literal["impute", "drop"] = "impute",
    supplementary: Sequence[str] = (),
    meta: pd.DataFrame | None = None,
    meta_table: str | None = None,
    extra_meta: Mapping[str, Mapping[str, str]] | None = None,
) -> PCAResult:
    """Standardised (centred-reduced) PCA of ``data[variables]``, one row per unit.

    With row weights w_i (normalised to Σ w_i = 1; uniform by default): z_ij = (x_ij − m_j)/s_j
    with the weighted mean m_j and the weighted *population* standard deviation s_j; the
    correlation matrix R = Zᵀ diag(w) Z is diagonalised, R u_s = λ_s u_s, λ_1 ≥ λ_2 ≥ ...
    (each eigenvector's largest component is made positive, for reproducible signs).

    Retained axes (``n_retained``, used by :func:`hcpc`): ``n_components`` if given; else
    ``rule="kaiser"``: the axes with λ_s > 1, the mean eigenvalue of a standardised PCA (an axis
    summarising less than one variable is left out), at least 2 when p ≥ 2; ``rule="inertia"``:
    the fewest axes whose cumulative inertia reaches ``inertia_threshold`` %.

    Missing values (``missing``): ``"impute"`` (default) replaces a missing cell by the weighted
    mean of its variable (FactoMineR's default), counted per variable in ``result.missing``;
    ``"drop"`` leaves the incomplete units out, listed in ``result.missing["ids_retires"]``.
    ``supplementary`` variables are kept for the class description and correlated with the axes
    (``sup_loadings``) but do not shape them.
    """
    variables = list(dict.fromkeys(variables))
    if len(variables) < 2:
        raise ValueError("Une ACP demande au moins deux variables actives.")
    absent = [v for v in [*variables, *supplementary] if v not in data.columns]
    if absent:
        raise KeyError(f"Variables absentes du tableau : {', '.join(absent)}")
    raw = data[variables].apply(pd.to_numeric, errors="coerce").astype("float64")
    sup = data[list(supplementary)].apply(pd.to_numeric, errors="coerce").astype("float64")
    w = _weights(data, weights)
    incomplete = raw.isna().any(axis=1)
    report: dict = {
        "strategie": "imputation par la moyenne" if missing == "impute" else "unités retirées",
        "valeurs_manquantes": {k: int(v) for k, v in raw.isna().sum().items() if v},
        "unites_incompletes": int(incomplete.sum()),
        "ids_retires": [],
    }
    if missing == "drop":
        report["ids_retires"] = list(raw.index[incomplete])
        raw, sup, w = raw[~incomplete], sup[~incomplete], w[~incomplete]
    elif missing != "impute":
        raise ValueError(f"missing inconnu : {missing!r} (attendu « impute » ou « drop »)")
    if len(raw) < 3:
        raise ValueError("Trop peu d'unités complètes pour une ACP (3 au moins).")
    wn = (w / w.sum()).to_numpy()
    x = raw.to_numpy()
    means = np.array([np.average(col[~np.isnan(col)], weights=wn[~np.isnan(col)]) for col in x.T])
    x = np.where(np.isnan(x), means, x)
    centred = x - means
    stds = np.sqrt(wn @ centred**2)
    constant = [
        v
        for v, s in zip(variables, stds, strict=True)
        if not s > 1e-12 * (1 + abs(means[variables.index(v)]))
    ]
    if constant:
        raise ValueError(
            f"Variable(s) constante(s) sur ces unités, à retirer de l'ACP : {', '.join(constant)}"
        )
    z = centred / stds
    corr = z.T @ (z * wn[:, None])
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values = np.clip(values[order], 0.0, None)
    vectors = vectors[:, order]
    flip = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(vectors.shape[1])])
    vectors = vectors * np.where(flip == 0, 1.0, flip)
    p = len(variables)
    axes = [f"Dim.{s + 1}" for s in range(p)]
    coords = z @ vectors
    safe = np.where(values > 1e-12, values, np.nan)
    loadings = vectors * np.sqrt(values)
    inertia = 100 * values / values.sum()
    eig = pd.DataFrame(
        {
            "valeur_propre": values,
            "inertie_pct": inertia,
            "inertie_cumulee_pct": np.cumsum(inertia),
        },
        index=pd.Index(axes, name="axe"),
    )
    if n_components is not None:
        n_ret = int(max(1, min(n_components, p)))
        retention = f"{n_ret} axes demandés par l'utilisateur"
    elif rule == "kaiser":
        n_ret = max(int((values > 1).sum()), min(2, p))
        retention = (
            f"règle de Kaiser : {n_ret} axes de valeur propre supérieure à 1 (au moins 2), "
            f"{eig['inertie_cumulee_pct'].iloc[n_ret - 1]:.1f} % de l'inertie".replace(".", ",")
        )
    elif rule == "inertia":
        n_ret = int(np.searchsorted(np.cumsum(inertia), inertia_threshold - 1e-9) + 1)
        n_ret = min(max(n_ret, 1), p)
        retention = (
            f"inertie cumulée : {n_ret} axes pour atteindre {inertia_threshold:g} % "
            f"({eig['inertie_cumulee_pct'].iloc[n_ret - 1]:.1f} %)".replace(".", ",")
        )
    else:
        raise ValueError(f"règle inconnue : {rule!r} (attendu « kaiser » ou « inertia »)")
    ids = raw.index
    dist2 = (coords**2).sum(axis=1)
    ind_cos2 = coords**2 / np.where(dist2 > 0, dist2, np.nan)[:, None]
    sup_load = pd.DataFrame(index=pd.Index(list(supplementary), name="variable"), columns=axes)
    for name in supplementary:
        col = sup[name].to_numpy()
        ok = ~np.isnan(col)
        if ok.sum() > 2 and np.nanstd(col) > 0:
            sup_load.loc[name] = [_wcorr(col[ok], coords[ok, s], wn[ok]) for s in range(p)]
    meta_df = variable_meta([*variables, *supplementary], meta, table=meta_table, extra=extra_meta)
    meta_df["role"] = ["active"] * p + ["supplémentaire"] * len(supplementary)
    return PCAResult(
        variables=variables,
        data=raw,
        weights=pd.Series(wn, index=ids, name="poids"),
        means=pd.Series(means, index=variables),
        stds=pd.Series(stds, index=variables),
        eigenvalues=eig,
        eigenvectors=pd.DataFrame(vectors, index=variables, columns=axes),
        loadings=pd.DataFrame(loadings, index=variables, columns=axes),
        var_contrib=pd.DataFrame(100 * vectors**2, index=variables, columns=axes),
        var_cos2=pd.DataFrame(loadings**2, index=variables, columns=axes),
        coordinates=pd.DataFrame(coords, index=ids, columns=axes),
        scores=pd.DataFrame(coords / np.sqrt(safe), index=ids, columns=axes),
        ind_contrib=pd.DataFrame(100 * wn[:, None] * coords**2 / safe, index=ids, columns=axes),
        ind_cos2=pd.DataFrame(ind_cos2, index=ids, columns=axes),
        n_retained=n_ret,
        retention=retention,
        missing=report,
        meta=meta_df,
        supplementary=sup,
        sup_loadings=sup_load.astype("float64"),
        attrs={"meta": meta_df.to_dict(orient="index"), "missing": report},
    )


def _wcorr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    w = w / w.sum()
    a = a - w @ a
    b = b - w @ b
    den = math.sqrt((w @ a**2) * (w @ b**2))
    return float((w @ (a * b)) / den) if den > 0 else float("nan")


# --------------------------------------------------------------------------------------------
# Weighted Ward (nearest-neighbour chain)
# --------------------------------------------------------------------------------------------


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
    return _ward_nn_chain(x, w)


def _ward_nn_chain(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


# --------------------------------------------------------------------------------------------
# HCPC
# --------------------------------------------------------------------------------------------


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


def _describe(values: pd.DataFrame, classes: pd.Series, roles: pd.Series) -> pd.DataFrame:
    """Long table of the class description (observed values only, unit weights)."""
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


def _kmeans(x, k, *, weights, init=None, seed=SEED, max_iter=300):
    """Weighted Lloyd k-means; without ``init``, a k-means++ start with one local trial."""
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
        km = _kmeans(x, kk, weights=w, seed=seed, max_iter=PRECLUSTER_MAX_ITER)
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
        labels = _kmeans(x, k, weights=w, init=centres0, seed=seed).labels_
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
    description = _describe(values, classes, roles)
    paragons, specific = _paragons(coords, classes, centres_df)
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


def _paragons(coords: pd.DataFrame, classes: pd.Series, centres: pd.DataFrame):
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
        + f" ; inertie inter-classes / totale = {100 * result.inertia['inter_sur_totale']:.1f} %"
        .replace(".", ",")
    )


# --------------------------------------------------------------------------------------------
# Description in French, class names
# --------------------------------------------------------------------------------------------


def _qualifier(label: str, high: bool) -> str:
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
    result: HCPCResult, *, labels: Mapping[str, str] | None = None, alpha: float = ALPHA
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
            *(f"{short.get(v, v)} {_qualifier(short.get(v, v), h)}" for v, h in first),
            *("\0" + f"{short.get(v, v)} {_qualifier(short.get(v, v), h)}" for v, h in rest),
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
    result: HCPCResult,
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


# --------------------------------------------------------------------------------------------
# One call on a user table; presets
# --------------------------------------------------------------------------------------------


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
    extra_meta: Mapping[str, Mapping[str, str]] | None = None,
    seed: int = SEED,
) -> HCPCResult:
    """PCA + HCPC of a user table: one row per unit (``id_col``), the ``variables`` active.

    ``meta``: the base's ``indicateurs_meta`` (labels, units, sources, vintages; without it
    the variables keep their keys as labels);
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


#: Active and supplementary variables of Coodiag example 2 (sociology of elderly people).
PERSONNES_AGEES_ACTIVES = [
    "part_6579_22",
    "part_80p_22",
    "part_seul_5579_22",
    "part_seul_80p_22",
    "part_csp_retraites_22",
    "med21",
    "tx_chom1564_22",
]
PERSONNES_AGEES_SUPPLEMENTAIRES = [
    "tp6021",
    "part_men_seul_22",
    "part_hlm_22",
    "part_dipl_infbac_22",
    "p22_pop",
]
#: A variable becomes active only when observed for at least this share of the units.
MIN_COVERAGE = 0.9


def preset_personnes_agees(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    territory_mask: pd.Series | np.ndarray | None = None,
    n_classes: int | None = None,
    meta: pd.DataFrame | None = None,
    **kwargs,
) -> HCPCResult:
    """Coodiag example 2: communes by the sociology of their elderly people.

    Active: shares of the 65-79 and 80+ year-olds, of the 55-79 and 80+ living alone, of
    retirees (RP 2022 IRIS aggregates), median income (Filosofi 2021), census unemployment rate
    (RP 2022); the poverty rate (Filosofi 2021, secret below 1,000 households) becomes active
    only if observed for ≥ 90 % of the communes, else it is supplementary, like the share of
    one-person households, of HLM, of low diplomas and the population.

    The territory: the communes where the IRIS 2022 variables exist (Normandie in the base),
    restricted by ``territory_mask`` (boolean, aligned on ``communes``) if given. Every commune
    weighs the same (a typology of places, not of inhabitants).
    """
    frame = communes[["code", "nom"]].merge(indicators, on="code", how="left")
    keep = frame["part_6579_22"].notna().to_numpy().copy()
    if territory_mask is not None:
        keep &= np.asarray(territory_mask, dtype=bool)
    frame = frame[keep].reset_index(drop=True)
    if len(frame) < 10:
        raise ValueError(
            "Moins de 10 communes de ce territoire ont les indicateurs IRIS 2022 des personnes "
            "âgées (disponibles pour la Normandie)."
        )
    active = list(PERSONNES_AGEES_ACTIVES)
    sup = list(PERSONNES_AGEES_SUPPLEMENTAIRES)
    if frame["tp6021"].notna().mean() >= MIN_COVERAGE:
        active.append("tp6021")
        sup.remove("tp6021")
    return typology(
        frame,
        active,
        id_col="code",
        label_col="nom",
        supplementary=sup,
        n_classes=n_classes,
        meta=meta,
        meta_table="indicateurs_communes",
        **kwargs,
    )


#: Structure types counted in the insertion-offer typology.
OFFER_TYPES = ("ACI", "AI", "EI", "ETTI")
OFFRE_CONTEXTE = [
    "soc_txchom_1564_22",
    "rev_txpauv_21",
    "dsp_dipl_infbac_pct_22",
    "eco_txemp_1564_22",
]
OFFRE_SUPPLEMENTAIRES = ["rev_med_21", "dmv_75p_pct_22", "eco_sectindus_pct_22", "p22_pop"]


def offer_table(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    zones: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    user_capacity: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """Zones d'emploi with their insertion offer and context: (table, metadata of derived keys).

    From the SIAE registry (:func:`coodiag.base.registry.offer_by_territory`):
    ``siae_<TYPE>_pour_10000_de``
    = 10,000 × structures of the type / job seekers, and ``capacite_pour_1000_demandeurs`` =
    1,000 × salariés en insertion (DARES national averages per type unless ``user_capacity``) /
    job seekers (France Travail, ~2024). A zone with no SIAE has 0 structures and 0 capacity.
    """
    from coodiag.analyses.offer import apply_capacity, denominators, offer_by_territory

    den = denominators(communes, indicators, by="ze2020")
    offer = offer_by_territory(
        apply_capacity(registry, user_capacity), level="ze", denominators=den
    ).set_index("code")
    frame = zones.set_index("code").copy()
    de = den["demandeurs"].reindex(frame.index).astype("float64")
    de = de.where(de > 0)
    extra: dict[str, dict[str, str]] = {}
    src = "Registre des SIAE (coodiag) ; France Travail (demandeurs d'emploi, vers 2024)"
    for t in OFFER_TYPES:
        col = f"n_{t}"
        n = offer[col] if col in offer.columns else pd.Series(dtype="float64")
        n = n.reindex(frame.index).fillna(0).astype("float64")
        key = f"siae_{t.lower()}_pour_10000_de"
        frame[key] = 10_000 * n / de
        extra[key] = {
            "label": f"Structures {t} pour 10 000 demandeurs d'emploi",
            "unit": "structures pour 10 000 demandeurs d'emploi",
            "source": src,
            "vintage": "registre SIAE ; demandeurs vers 2024",
            "method": f"10 000 × nombre de {t} de la zone / demandeurs d'emploi de la zone",
            "court": f"{_of(t)} pour 10 000 demandeurs",
        }
    cap = offer["capacite"].reindex(frame.index).fillna(0).astype("float64")
    frame["capacite_pour_1000_demandeurs"] = 1000 * cap / de
    est = offer["capacite_estimee_part"].reindex(frame.index)
    frame.attrs["capacite_toute_estimee"] = bool(((est == 1) | est.isna()).all())
    extra["capacite_pour_1000_demandeurs"] = {
        "label": "Capacité d'insertion (salariés en SIAE) pour 1 000 demandeurs d'emploi",
        "unit": "salariés en insertion pour 1 000 demandeurs d'emploi",
        "source": src + " ; capacités estimées (DARES, 31/12/2019)",
        "vintage": "registre SIAE ; DARES 2019 ; demandeurs vers 2024",
        "method": "1 000 × capacité estimée (moyenne nationale par type sauf capacité fournie) "
        "/ demandeurs d'emploi de la zone — estimation",
        "court": "capacité d'insertion pour 1 000 demandeurs",
    }
    return frame.reset_index(), extra


def preset_offre_insertion(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    zones: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    territory_mask: pd.Series | np.ndarray | None = None,
    user_capacity: pd.DataFrame | None = None,
    n_classes: int | None = None,
    meta: pd.DataFrame | None = None,
    **kwargs,
) -> HCPCResult:
    """Coodiag example 3: zones d'emploi by their insertion offer and its context.

    Active: ACI, AI, EI, ETTI per 10,000 job seekers (:func:`offer_table`), census unemployment
    rate, poverty rate, share of low diplomas, employment rate (zone indicators, RP 2022 /
    Filosofi 2021), and the insertion capacity per 1,000 job seekers when some capacities come
    from ``user_capacity`` — with only DARES national averages per type it is an exact linear
    combination of the four densities (it would weigh the offer twice) and is supplementary,
    as are median income, share of 75+, of industry, population. ``zones`` is the base's
    ``indicateurs_zones_emploi`` (the 287 metropolitan zones), restricted by ``territory_mask``
    (boolean, aligned on ``zones``) if given.
    """
    frame, extra = offer_table(communes, indicators, zones, registry, user_capacity=user_capacity)
    all_estimated = frame.attrs.get("capacite_toute_estimee", True)
    if territory_mask is not None:
        frame = frame[np.asarray(territory_mask, dtype=bool)].reset_index(drop=True)
    active = [*(f"siae_{t.lower()}_pour_10000_de" for t in OFFER_TYPES), *OFFRE_CONTEXTE]
    sup = list(OFFRE_SUPPLEMENTAIRES)
    if all_estimated:
        sup.insert(0, "capacite_pour_1000_demandeurs")
    else:
        active.insert(len(OFFER_TYPES), "capacite_pour_1000_demandeurs")
    result = typology(
        frame,
        active,
        id_col="code",
        label_col="libelle",
        supplementary=sup,
        n_classes=n_classes,
        meta=meta,
        meta_table="indicateurs_zones_emploi",
        extra_meta=extra,
        **kwargs,
    )
    if "capacite_pour_1000_demandeurs" in sup:
        result.attrs["note_capacite"] = (
            "Capacité pour 1 000 demandeurs en variable supplémentaire : toutes les capacités "
            "sont des moyennes nationales par type (DARES 2019), elle serait une combinaison "
            "exacte des densités de structures par type déjà actives."
        )
    return result


#: Zone d'emploi indicators given to each commune in :func:`commune_table_france`.
FRANCE_ZONE_VARIABLES = [
    "soc_txchom_1564_22",
    "rev_med_21",
    "rev_txpauv_21",
    "dmv_75p_pct_22",
    "dsp_dipl_infbac_pct_22",
    "eco_txemp_1564_22",
]


def commune_table_france(
    communes: pd.DataFrame, indicators: pd.DataFrame, zones: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """Every metropolitan commune with variables known everywhere: (table, derived metadata).

    ``log_densite`` = log10(1 + population 2022 / km²), ``de_pour_1000_hab`` = 1,000 × job
    seekers (~2024) / population 2022, and the indicators of the commune's zone d'emploi
    (:data:`FRANCE_ZONE_VARIABLES`, prefixed ``ze_``: the same value for all its communes).
    """
    base = communes[["code", "nom", "ze2020", "superficie_km2"]].merge(
        indicators[["code", "pop22", "de_2024"]], on="code", how="left"
    )
    z = zones.set_index("code")[FRANCE_ZONE_VARIABLES].add_prefix("ze_")
    frame = base.join(z, on="ze2020")
    frame = frame[frame["ze_soc_txchom_1564_22"].notna()].reset_index(drop=True)
    pop = frame["pop22"].astype("float64")
    frame["log_densite"] = np.log10(
        1 + pop / frame["superficie_km2"].where(frame["superficie_km2"] > 0)
    )
    frame["de_pour_1000_hab"] = 1000 * frame["de_2024"] / pop.where(pop > 0)
    extra = {
        "log_densite": {
            "label": "Densité de population (log10 de 1 + habitants par km²)",
            "unit": "log10(habitants par km²)",
            "source": "INSEE, RP 2022 ; IGN ADMIN EXPRESS",
            "vintage": "RP 2022",
            "method": "log10(1 + pop22 / superficie_km2)",
            "court": "densité",
        },
        "de_pour_1000_hab": {
            "label": "Demandeurs d'emploi pour 1 000 habitants",
            "unit": "demandeurs pour 1 000 habitants",
            "source": "France Travail (vers 2024) ; INSEE RP 2022",
            "vintage": "vers 2024 ; RP 2022",
            "method": "1 000 × de_2024 / pop22",
            "court": "demandeurs d'emploi pour 1 000 habitants",
        },
    }
    for v in FRANCE_ZONE_VARIABLES:
        if v in SHORT_LABELS:
            extra[f"ze_{v}"] = {"court": SHORT_LABELS[v] + " de la zone"}
    return frame, extra


def preset_communes_france(
    communes: pd.DataFrame,
    indicators: pd.DataFrame,
    zones: pd.DataFrame,
    *,
    n_classes: int | None = None,
    preclusters: int | None = None,
    meta: pd.DataFrame | None = None,
    **kwargs,
) -> HCPCResult:
    """Typology of all metropolitan communes on :func:`commune_table_france` (pre-clustered)."""
    frame, extra = commune_table_france(communes, indicators, zones)
    if meta is not None:
        zone_meta = meta[meta["table"] == "indicateurs_zones_emploi"].copy()
        zone_meta["key"] = "ze_" + zone_meta["key"]
        zone_meta["label"] = zone_meta["label"] + " (zone d'emploi)"
        meta = pd.concat([meta, zone_meta], ignore_index=True)
    active = ["log_densite", "de_pour_1000_hab", *(f"ze_{v}" for v in FRANCE_ZONE_VARIABLES)]
    return typology(
        frame,
        active,
        id_col="code",
        label_col="nom",
        n_classes=n_classes,
        preclusters=preclusters if preclusters is not None else PRECLUSTER_DEFAULT,
        meta=meta,
        extra_meta=extra,
        **kwargs,
    )


# --------------------------------------------------------------------------------------------
# Spatially constrained regions
# --------------------------------------------------------------------------------------------


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
            text += f", régions de moins de {_fr(min_population)} habitants fusionnées"
    elif method == "skater":
        labels = _skater(
            z, w, n_regions, pop if min_population is not None else None, min_population
        )
        text = "SKATER (spopt)" + (
            f", plancher de {_fr(min_population)} habitants" if min_population else ""
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


def _fr(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


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
