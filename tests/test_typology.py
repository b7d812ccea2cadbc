"""Typologies (PCA + HCPC): formulas checked by hand, and the real Coodiag examples 2 and 3."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage

from coodiag.analyses import typology as T


def test_vtest_by_hand() -> None:
    # Six units valued 1..6; the class holds the units valued 1, 2, 3.
    # Overall mean 3.5; population variance s² = Σ(x − 3.5)² / 6 = 17.5 / 6 = 35/12.
    # Class mean 2, n_k = 3, N = 6:
    #   v = (2 − 3.5) / √(35/12 / 3 × (6 − 3)/(6 − 1)) = −1.5 / √(7/12) = −1.5 × √(12/7)
    #     = −1.963961012123931
    expected = -1.5 * math.sqrt(12 / 7)
    assert expected == pytest.approx(-1.963961012123931, abs=1e-12)
    assert T.vtest(2.0, 3.5, math.sqrt(35 / 12), 3, 6) == pytest.approx(expected, abs=1e-9)
    values = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6]})
    classes = pd.Series([1, 1, 1, 2, 2, 2])
    desc = T.class_description(values, classes, pd.Series({"x": "active"})).set_index("classe")
    assert desc.at[1, "v_test"] == pytest.approx(expected, abs=1e-9)
    assert desc.at[2, "v_test"] == pytest.approx(-expected, abs=1e-9)
    assert desc.at[1, "moyenne_classe"] == 2.0
    assert desc.at[1, "moyenne_generale"] == 3.5
    # Two-sided normal p-value of |v| = 1.9640: 2 × (1 − Φ(1.9640)) ≈ 0.0495.
    assert desc.at[1, "p_value"] == pytest.approx(0.04953, abs=1e-4)


def _random_table(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 2))
    return pd.DataFrame(
        {
            "a": base[:, 0],
            "b": base[:, 0] * 0.8 + rng.normal(scale=0.5, size=n),
            "c": base[:, 1] * 3 + 10,
            "d": rng.normal(size=n) + base[:, 1],
            "e": rng.exponential(size=n),
        }
    )


def test_pca_matches_numpy_eigen_decomposition() -> None:
    df = _random_table()
    res = T.pca(df, variables=list(df.columns), meta=None)
    expected = np.sort(np.linalg.eigvalsh(np.corrcoef(df.to_numpy().T)))[::-1]
    got = res.eigenvalues["valeur_propre"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-10)
    assert got.sum() == pytest.approx(df.shape[1], abs=1e-10)
    assert res.eigenvalues["inertie_cumulee_pct"].iloc[-1] == pytest.approx(100)
    # Loadings are the correlations of the variables with the unit coordinates.
    for var in df.columns:
        r = np.corrcoef(df[var], res.coordinates["Dim.1"])[0, 1]
        assert res.loadings.at[var, "Dim.1"] == pytest.approx(r, abs=1e-10)
    # Contributions of the variables sum to 100 % per axis; cos² per variable to 1.
    np.testing.assert_allclose(res.var_contrib.sum(axis=0), 100, atol=1e-9)
    np.testing.assert_allclose(res.var_cos2.sum(axis=1), 1, atol=1e-9)
    # Coordinates have variance λ (population), scores unit variance.
    np.testing.assert_allclose(res.coordinates.var(ddof=0), got, atol=1e-9)
    np.testing.assert_allclose(res.scores.var(ddof=0), 1, atol=1e-9)
    assert res.n_retained == int((got > 1).sum())


def test_pca_missing_values_are_reported() -> None:
    df = _random_table()
    df.loc[[3, 7], "a"] = np.nan
    df.loc[7, "c"] = np.nan
    imputed = T.pca(df, variables=list(df.columns))
    assert imputed.missing["valeurs_manquantes"] == {"a": 2, "c": 1}
    assert imputed.missing["unites_incompletes"] == 2
    assert len(imputed.coordinates) == len(df)
    assert imputed.data["a"].isna().sum() == 2  # observed values kept for the description
    dropped = T.pca(df, variables=list(df.columns), missing="drop")
    assert dropped.missing["ids_retires"] == [3, 7]
    assert len(dropped.coordinates) == len(df) - 2


def test_weighted_ward_chain_matches_scipy_and_weights() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(150, 3))
    z, gains = T.ward_nn_chain(x, np.ones(len(x)))
    ref = linkage(x, "ward")
    np.testing.assert_allclose(z, ref, atol=1e-9)
    np.testing.assert_allclose(gains, ref[:, 2] ** 2 / 2, atol=1e-9)
    # A point of weight 2 is two identical points of weight 1 (their merge costs nothing).
    w = np.ones(len(x))
    w[0] = 2
    _, g_weighted = T.ward_linkage(x, w)
    _, g_dup = T.ward_linkage(np.vstack([x, x[:1]]))
    np.testing.assert_allclose(np.sort(g_weighted), np.sort(g_dup)[1:], atol=1e-9)


def test_inertia_rule_finds_three_blobs() -> None:
    rng = np.random.default_rng(42)
    centres = np.array([[0, 0, 0, 0], [6, 6, 0, 0], [0, 6, 6, 3]])
    pts = np.vstack([c + rng.normal(size=(60, 4)) for c in centres])
    truth = np.repeat([0, 1, 2], 60)
    df = pd.DataFrame(pts, columns=list("abcd")).assign(code=[f"u{i}" for i in range(len(pts))])
    res = T.typology(df, list("abcd"), min_classes=2, meta=pd.DataFrame())
    assert res.suggested == 3
    assert res.n_classes == 3
    assert sorted(res.sizes.tolist()) == [60, 60, 60]
    # The classes are the blobs.
    assert pd.crosstab(res.classes.to_numpy(), truth).gt(0).sum(axis=1).tolist() == [1, 1, 1]
    assert res.inertia["inter_sur_totale"] > 0.8
    assert res.cut_table.loc[3, "ratio_intra"] == res.cut_table.loc[2:10, "ratio_intra"].min()
    # Paragons are members of their class, nearest first.
    for k, para in res.paragons.groupby("classe"):
        assert (res.classes[para["id"]] == k).all()
        assert para["distance"].is_monotonic_increasing
    # Pre-clustering (FactoMineR's kk) finds the same partition.
    pre = T.typology(df, list("abcd"), min_classes=2, preclusters=30, meta=pd.DataFrame())
    assert pre.preclusters == 30 and pre.n_classes == 3
    assert (pd.crosstab(pre.classes, res.classes).gt(0).sum(axis=1) == 1).all()


def test_class_names_use_only_vtests() -> None:
    assert T.qualifier("part des retraités", True) == "élevée"
    assert T.qualifier("revenu médian", True) == "élevé"
    assert T.qualifier("taux de chômage", False) == "faible"
    assert T.qualifier("demandeurs d'emploi pour 1 000 habitants", True) == "élevés"


# --------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(base: dict) -> dict:
    from coodiag.base import store

    return {
        "communes": store.read_level("communes"),
        "indicators": store.read_table("indicateurs_communes"),
        "zones": store.read_table("indicateurs_zones_emploi"),
        "siae": store.read_level("siae"),
        "meta": store.read_table("indicateurs_meta"),
    }


def test_normandie_personnes_agees(data: dict) -> None:
    res = T.preset_personnes_agees(data["communes"], data["indicators"], meta=data["meta"])
    # The communes of Normandie (IRIS 2022 aggregates) but 5 merged in 2025 whose IRIS cover
    # less than 90 % of the population (Saint-Martin-de-May, Aurseulles...): no share for them.
    assert len(res.classes) == 2639
    assert {"14408", "14581", "61275"}.isdisjoint(res.classes.index)
    assert res.pca.n_retained == 3
    assert res.n_classes == 3
    # (2022 unemployment rates of IRIS as published since issue 10: sizes were 1449, 690, 500)
    assert res.sizes.tolist() == [1433, 585, 621]
    assert res.pca.missing["valeurs_manquantes"] == {"part_seul_80p_22": 10, "med21": 133,
                                                     "tx_chom1564_22": 1}
    paragons = res.paragons.groupby("classe")["id"].apply(lambda s: s.head(3).tolist()).to_dict()
    assert paragons == {
        1: ["50185", "27154", "76243"],
        2: ["14228", "14166", "76221"],
        3: ["50592", "50099", "14352"],
    }
    assert res.names.to_dict() == {
        1: "Revenu médian élevé, part des retraités faible",
        2: "Part des 65-79 ans élevée, part des 55-79 ans vivant seuls faible",
        3: "Part des 55-79 ans vivant seuls élevée, revenu médian faible",
    }
    desc = T.describe_classes(res)
    assert {"Valeur-test", "Moyenne dans la classe", "Moyenne générale", "Source"} <= set(desc)
    assert res.pca.meta.at["part_seul_80p_22", "label"] == "Part des 80 ans ou plus vivant seuls"
    assert res.pca.meta.at["tp6021", "role"] == "supplémentaire"  # secret: too often missing
    assert "Ward" in res.attrs["methode"]


def test_zones_emploi_offre_insertion(data: dict) -> None:
    res = T.preset_offre_insertion(
        data["communes"], data["indicators"], data["zones"], data["siae"], meta=data["meta"]
    )
    assert len(res.classes) == 287
    assert res.n_classes == 3
    avranches = int(res.classes["2802"])
    assert avranches == 3
    assert res.names[avranches] == "Taux d'emploi élevé, taux de pauvreté faible"
    desc = T.describe_classes(res, alpha=0.05)
    mine = desc[desc["Classe"] == avranches].set_index("Variable")
    assert mine.at["Taux de pauvreté au seuil de 60 %", "Valeur-test"] < -1.96
    assert mine.at["Taux d'emploi des 15-64 ans", "Valeur-test"] > 1.96
    assert "Saint-Malo" in res.paragons.query("classe == 3")["libelle"].tolist()
    # Estimated capacities are a linear combination of the type densities: supplementary.
    assert res.pca.meta.at["capacite_pour_1000_demandeurs", "role"] == "supplémentaire"
    assert "DARES" in res.pca.meta.at["capacite_pour_1000_demandeurs", "source"]


def test_national_communes_preclustered(data: dict) -> None:
    res = T.preset_communes_france(
        data["communes"], data["indicators"], data["zones"], meta=data["meta"]
    )
    assert len(res.classes) > 34_000
    assert res.preclusters == T.PRECLUSTER_DEFAULT
    assert 3 <= res.n_classes <= 10
    assert res.sizes.sum() == len(res.classes)
    assert res.inertia["inter_sur_totale"] > 0.4
    units = res.units(res.attrs["libelles"])
    assert {"classe", "nom_classe", "libelle", "distance_centre"} <= set(units)


def test_regions_contiguous_with_population_floor(data: dict) -> None:
    from coodiag.base import store

    metro = store.read_level("communes", zone="metro")
    gdf = metro[metro["dep"] == "14"].merge(data["indicators"], on="code", how="left")
    variables = ["part_6579_22", "part_80p_22", "med21", "tx_chom1564_22"]
    for method in ("ward", "skater"):
        res = T.regions(gdf, variables, n_regions=6, min_population=20_000, method=method)
        assert res.floor_met, method
        assert (res.summary["population"] >= 20_000).all()
        assert res.labels.index.is_unique and len(res.labels) == len(gdf)
