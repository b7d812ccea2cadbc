"""Standardised PCA (FactoMineR ``PCA(scale.unit=TRUE)``), the first step of a typology.

Husson, Lê, Pagès, *Exploratory Multivariate Analysis by Example Using R*, 2nd ed. 2017, ch. 1.
Every variable is centred and reduced, so each weighs 1 and the total inertia is the number of
variables; missing cells are imputed by the mean (counted) or their units dropped (listed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from coodiag import fr
from coodiag.analyses.typology.meta import variable_meta
from coodiag.base.indicators import Indicator

#: Default minimum cumulative inertia (%) of the ``rule="inertia"`` retention rule.
INERTIA_THRESHOLD = 80.0


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
    extra_meta: Mapping[str, Indicator] | None = None,
    short_labels: Mapping[str, str] | None = None,
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
    (``sup_loadings``) but do not shape them. What each variable is (``result.meta``, see
    :func:`~coodiag.analyses.typology.meta.variable_meta`): ``meta`` (the base's
    ``indicateurs_meta``, rows of ``meta_table`` first), ``extra_meta`` for derived variables,
    ``short_labels`` for the short names in the class names.
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
            f"{fr.number(eig['inertie_cumulee_pct'].iloc[n_ret - 1], 1)} % de l'inertie"
        )
    elif rule == "inertia":
        n_ret = int(np.searchsorted(np.cumsum(inertia), inertia_threshold - 1e-9) + 1)
        n_ret = min(max(n_ret, 1), p)
        retention = (
            f"inertie cumulée : {n_ret} axes pour atteindre {fr.general(inertia_threshold, 'g')} % "
            f"({fr.number(eig['inertie_cumulee_pct'].iloc[n_ret - 1], 1)} %)"
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
    meta_df = variable_meta(
        [*variables, *supplementary], meta, table=meta_table, extra=extra_meta, short=short_labels
    )
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
