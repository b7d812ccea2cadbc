"""Accessibility: nearest SIAE, demand estimator, 2SFCA (hand case, pysal), coverage, scenario."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

from coodiag.analyses import access as A

AVRANCHES = "50025"
AVRANCHES_AI = "37968077000029"


# --------------------------------------------------------------------------------------------
# Hand-computed 2SFCA: 3 communes, 2 SIAE on a line (km), radius d0 = 12 km
# --------------------------------------------------------------------------------------------
#
#   C1 (0)   S1 (5)   C2 (10)                S2 (22)   C3 (25)
#   D = 100, 200, 50 unemployed; S1 = 30 salariés, S2 = 10 salariés.
#   Distances: S1-C1 5, S1-C2 5, S1-C3 20 (> 12, out); S2-C1 22 (out), S2-C2 12 (= d0: in,
#   the test is d ≤ d0), S2-C3 3.
#
# Step (W = 1):
#   R1 = 30 / (100 + 200) = 0.1 ;  R2 = 10 / (200 + 50) = 0.04
#   A1 = R1 = 0.1 ;  A2 = R1 + R2 = 0.14 ;  A3 = R2 = 0.04
#   check: Σ A·D = 10 + 28 + 2 = 40 = 30 + 10 (the offer is shared out, not duplicated)
#
# Gaussian, σ = d0 / 2 = 6 km, W(d) = exp(−d² / 72):
#   W(5) = exp(−25/72) = 0.706648 ; W(12) = exp(−2) = 0.135335 ; W(3) = exp(−1/8) = 0.882497
#   R1 = 30 / (0.706648·100 + 0.706648·200) = 30 / 211.9945 = 0.141513
#   R2 = 10 / (0.135335·200 + 0.882497·50) = 10 / (27.0671 + 44.1248) = 10 / 71.1919 = 0.140465
#   A1 = 0.706648·0.141513 = 0.1 (exactly 0.1: W(5) cancels)
#   A2 = 0.706648·0.141513 + 0.135335·0.140465 = 0.1 + 0.019010 = 0.119010
#   A3 = 0.882497·0.140465 = 0.123960
#   check: 100·0.1 + 200·0.119010 + 50·0.123960 = 10 + 23.802 + 6.198 = 40

HAND_DEMAND_XY = np.array([[0.0, 0.0], [10_000.0, 0.0], [25_000.0, 0.0]])
HAND_SUPPLY_XY = np.array([[5_000.0, 0.0], [22_000.0, 0.0]])
HAND_D = np.array([100.0, 200.0, 50.0])
HAND_S = np.array([30.0, 10.0])


def test_two_stage_fca_step_by_hand():
    res = A.two_stage_fca(HAND_SUPPLY_XY, HAND_S, HAND_DEMAND_XY, HAND_D, radius_km=12)
    np.testing.assert_allclose(res.ratio, [0.1, 0.04], rtol=1e-12)
    np.testing.assert_allclose(res.catchment_demand, [300, 250], rtol=1e-12)
    np.testing.assert_allclose(res.access, [0.1, 0.14, 0.04], rtol=1e-12)
    assert res.n_pairs == 4
    assert (res.access * HAND_D).sum() == pytest.approx(40)


def test_two_stage_fca_gaussian_by_hand():
    res = A.two_stage_fca(
        HAND_SUPPLY_XY, HAND_S, HAND_DEMAND_XY, HAND_D, radius_km=12, decay="gaussian"
    )
    np.testing.assert_allclose(res.ratio, [0.141513, 0.140465], rtol=1e-5)
    np.testing.assert_allclose(res.access, [0.1, 0.119010, 0.123960], rtol=1e-5)
    assert (res.access * HAND_D).sum() == pytest.approx(40)
    # sigma given explicitly = same thing
    res2 = A.two_stage_fca(
        HAND_SUPPLY_XY, HAND_S, HAND_DEMAND_XY, HAND_D, radius_km=12, decay="gaussian", sigma_km=6
    )
    np.testing.assert_array_equal(res.access, res2.access)


def test_two_stage_fca_edge_cases():
    # A supply with nobody in reach gets R = 0 (not inf), a commune with nothing in reach A = 0.
    res = A.two_stage_fca(
        np.array([[0.0, 0.0], [100_000.0, 0.0]]),
        [10, 5],
        np.array([[1000.0, 0.0], [50_000.0, 0.0]]),
        [20, 7],
        radius_km=10,
    )
    np.testing.assert_allclose(res.ratio, [0.5, 0.0])
    np.testing.assert_allclose(res.access, [0.5, 0.0])
    with pytest.raises(ValueError, match="Offre manquante"):
        A.two_stage_fca(HAND_SUPPLY_XY, [1, np.nan], HAND_DEMAND_XY, HAND_D, radius_km=12)
    w = A.decay_weights(np.array([0.0, 12.0]), radius_km=12, decay="gaussian_dai")
    np.testing.assert_allclose(w, [1.0, 0.0], atol=1e-15)


# --------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(base):
    from coodiag.analyses.offer import apply_capacity
    from coodiag.base import store

    communes = store.read_level("communes", zone="metro")
    registry = apply_capacity(store.read_level("siae"))
    ind = store.read_table("indicateurs_communes")
    ze = store.read_table("indicateurs_zones_emploi")
    dem = A.demand(communes, ind, ze)
    return {"communes": communes, "registry": registry, "ind": ind, "ze": ze, "demand": dem}


def test_nearest_siae_avranches(data):
    reg = data["registry"]
    near = A.nearest_siae(data["communes"], reg)
    row = near.set_index("code").loc[AVRANCHES]
    # The nearest AI is the Avranches AI itself, 0.89 km from the town hall (its address).
    assert row["siret_AI"] == AVRANCHES_AI
    ai = reg[reg["siret"] == AVRANCHES_AI].geometry.to_crs(2154).iloc[0]
    hall = data["communes"].set_index("code").loc[AVRANCHES, "point"]
    assert row["dist_AI_km"] == pytest.approx(hall.distance(ai) / 1000, abs=1e-9)
    assert row["dist_AI_km"] == pytest.approx(0.889, abs=0.01)
    assert row["siret_ACI"] == "42990684500012"
    # no ETTI in the south of the Manche: the nearest is far away
    assert row["dist_ETTI_km"] > 30
    assert near.attrs["parametres"]["siae_sans_position"] == 6
    assert {m["key"] for m in near.attrs["indicateurs"]} == {f"dist_{t}_km" for t in A.TYPES_SIAE}


def test_population_beyond_small_case():
    communes = pd.DataFrame({"code": ["a", "b", "c", "d"], "dep": ["01", "01", "02", "02"]})
    distances = pd.DataFrame(
        {"code": ["a", "b", "c", "d"], "dist_AI_km": [5.0, 25.0, np.nan, 20.0]}
    )
    values = pd.DataFrame({"code": ["a", "b", "c", "d"], "pop": [100.0, 50.0, 30.0, 20.0]})
    tot = A.population_beyond(communes, distances, values, km=20)
    # beyond 20 km: b (25 km) and c (no AI in its zone); d at exactly 20 km is within.
    row = tot.iloc[0]
    assert row["type_siae"] == "AI" and row["communes_au_dela"] == 2
    assert row["pop_au_dela"] == 80 and row["pop_total"] == 200
    assert row["pop_part_au_dela_pct"] == pytest.approx(40)
    per = A.population_beyond(communes, distances, values, km={"AI": 10}, by="dep")
    per = per.set_index("dep")
    assert per.loc["01", "pop_au_dela"] == 50 and per.loc["02", "pop_au_dela"] == 50
    assert per.loc["02", "pop_part_au_dela_pct"] == pytest.approx(100)
    assert tot.attrs["indicateurs"][0]["unit"] == "personnes"


def test_demand_estimator_against_known_normandie(data):
    communes, ind, ze = data["communes"], data["ind"], data["ze"]
    s, n = A.share_1564(ind)
    assert 0.6 < s < 0.68 and n > 3800  # Normandie + Île-de-France
    est = A.estimate_unemployed(communes, ind, ze)
    known = communes["code"].map(ind.set_index("code")["p21_chom1564"]).astype("float64")
    m = (communes["reg"] == "28") & known.notna() & est.notna()
    e, k = est[m], known[m]
    # Measured: total +3.9 %, commune-level weighted absolute error 31 %, correlation 0.993;
    # summed by zone d'emploi the weighted error is 4 %.
    assert abs(e.sum() / k.sum() - 1) < 0.08
    assert (e - k).abs().sum() / k.sum() < 0.40
    assert np.corrcoef(e, k)[0, 1] > 0.98

    dem = data["demand"].set_index("code")
    assert not dem.loc[AVRANCHES, "demande_estimee"]
    assert dem.loc[AVRANCHES, "demande"] == pytest.approx(known[communes["code"] == AVRANCHES])
    assert dem.loc["01001", "demande_estimee"]  # Ain: estimated
    assert dem.loc["01001", "demande_source"].startswith("estimation")
    assert data["demand"].attrs["parametres"]["part_1564"] == pytest.approx(s)
    de = A.demand(communes, ind, ze, kind="demandeurs")
    assert not de["demande_estimee"].any()
    assert de["demande"].notna().mean() > 0.99


def _pysal_access(d_xy, dem, s_xy, cap, radius, weight_fn):
    """pysal access two_stage_fca on the full cross join of the same points."""
    from access import Access

    n, m = len(d_xy), len(s_xy)
    origin = np.repeat(np.arange(n), m)
    dest = np.tile(np.arange(m), n)
    cost = np.hypot(d_xy[origin, 0] - s_xy[dest, 0], d_xy[origin, 1] - s_xy[dest, 1]) / 1000.0
    with warnings.catch_warnings():  # pysal access uses pandas APIs deprecated in pandas 3
        warnings.simplefilter("ignore")
        acc = Access(
            demand_df=pd.DataFrame({"geoid": np.arange(n), "demand": dem}),
            demand_index="geoid",
            demand_value="demand",
            supply_df=pd.DataFrame({"geoid": np.arange(m), "supply": cap}),
            supply_index="geoid",
            supply_value="supply",
            cost_df=pd.DataFrame({"origin": origin, "dest": dest, "cost": cost}),
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        res = acc.two_stage_fca(name="fca", max_cost=radius, weight_fn=weight_fn)
    return res["fca_supply"].reindex(np.arange(n)).fillna(0).to_numpy()


def test_two_stage_fca_equals_pysal_access_normandie(data):
    pytest.importorskip("access", reason="pysal access absent (extra « bench » / « dev »)")
    from access import weights

    communes = data["communes"]
    reg = data["registry"]
    norm = communes[communes["reg"] == "28"]
    ok = (
        (reg["reg"] == "28").fillna(False)
        & reg["type_siae"].isin(A.TYPES_SIAE)
        & reg["capacite"].notna()
        & A._usable(reg)
    ).to_numpy()
    siae = reg.loc[ok]
    d_xy = A._xy(norm["point"])
    s_xy = A._xy(siae.geometry.to_crs(2154))
    dem = norm["code"].map(data["demand"].set_index("code")["demande"]).to_numpy("float64")
    cap = siae["capacite"].to_numpy("float64")
    assert len(d_xy) > 2600 and len(s_xy) > 150
    for decay, fn in (("step", None), ("gaussian", weights.gaussian(15))):
        ours = A.two_stage_fca(s_xy, cap, d_xy, dem, radius_km=30, decay=decay, sigma_km=15)
        ref = _pysal_access(d_xy, dem, s_xy, cap, 30, fn)
        assert np.max(np.abs(ours.access - ref)) <= 1e-9
        assert ours.access.max() > 0.01


def test_accessibility_national_fast_and_documented(data):
    communes, reg, dem = data["communes"], data["registry"], data["demand"]
    A.accessibility(communes, reg, dem)  # warm-up (reprojection caches)
    start = time.perf_counter()
    acc = A.accessibility(communes, reg, dem, decay="gaussian")
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"2SFCA nationale trop lente : {elapsed:.2f} s"
    assert len(acc) == len(communes)
    for t in (*A.TYPES_SIAE, A.ALL):
        assert acc[f"acces_{t}"].notna().all()
        np.testing.assert_allclose(acc[f"acces_{t}_pour_1000"], 1000 * acc[f"acces_{t}"])
    params = acc.attrs["parametres"]
    assert params["rayons_km"] == {"ACI": 30, "AI": 20, "EI": 30, "ETTI": 30, "ensemble": 30}
    assert params["siae_sans_capacite"] == (reg["type_siae"] == "GEIQ").sum()
    keys = {m["key"] for m in acc.attrs["indicateurs"]}
    assert {"demande", "acces_AI", "acces_AI_pour_1000", "acces_ensemble"} <= keys
    meta = next(m for m in acc.attrs["indicateurs"] if m["key"] == "acces_AI_pour_1000")
    assert set(meta) == {
        "key",
        "label",
        "unit",
        "numerator",
        "denominator",
        "source",
        "vintage",
        "method",
    }
    assert "1 000" in meta["denominator"]
    # The offer is shared out: Σ A·D = the capacity of the SIAE with demand in reach.
    ai = reg[(reg["type_siae"] == "AI") & (A._siae_zone(reg) == "metro").fillna(False)]
    total = (acc["acces_AI"] * acc["demande"].fillna(0)).sum()
    assert total <= ai["capacite"].sum() + 1e-6
    assert total > 0.95 * ai["capacite"].sum()


def test_accessibility_all_france_wgs84(data):
    from coodiag.base import store

    communes = store.read_level("communes")
    dem = A.demand(communes, data["ind"], data["ze"], kind="demandeurs")
    acc = A.accessibility(communes, data["registry"], dem, types=["ACI"], radius_km_all=None)
    drom = acc[acc["dep"].str.startswith("97")]
    assert len(drom) > 100 and drom["acces_ACI"].notna().all() and (drom["acces_ACI"] > 0).any()


def test_coverage_classes_hand_made():
    need = pd.Series([3, 0.5, 3, 0.5, 1.5, 3, np.nan, 1.6], index=list("abcdefgh"))
    offer = pd.Series([0.5, 3, 3, 0.5, 1.5, 1.5, 1, 0], index=list("abcdefgh"))
    out = A.coverage_classes(need, offer, method="seuils", need_bounds=(1, 2), offer_bounds=(1, 2))
    assert out["classe"].to_dict() == {
        "a": "besoin sans offre",
        "b": "offre sans besoin",
        "c": "besoin et offre élevés",
        "d": "besoin et offre faibles",
        "e": "équilibré",
        "f": "équilibré",
        "g": "non classé",
        "h": "besoin sans offre",  # need above the median (1.5) and no offer at all
    }
    assert out.loc["a", "ratio_besoin_offre"] > 0.5 > out.loc["b", "ratio_besoin_offre"]
    assert "besoin sans offre" in out.attrs["explication"]
    q = A.coverage_classes(need, offer)
    assert q.attrs["seuils"]["besoin"] == (need.quantile(1 / 3), need.quantile(2 / 3))
    med = A.coverage_classes(need, offer, quantiles=(0.5, 0.5))
    assert "équilibré" not in set(med["classe"])


def test_coverage_per_zone(data):
    acc = A.accessibility(data["communes"], data["registry"], data["demand"])
    com = A.coverage(acc)
    assert set(com["classe"].dropna()) <= {*A.CLASSES, A.UNCLASSIFIED}
    ze = A.coverage(acc, by="ze2020", type_siae="AI")
    assert ze["ze2020"].nunique() == len(ze) > 280
    assert (ze["classe"] != A.UNCLASSIFIED).all()
    assert any(m["key"] == "classe" for m in ze.attrs["indicateurs"])


def test_scenario_close_avranches_ai(data):
    communes, reg = data["communes"], data["registry"]
    out = A.scenario(communes, reg, data["demand"], close=[AVRANCHES_AI])
    assert set(out["type_siae"]) == {"AI", A.ALL}
    ai = out[out["type_siae"] == "AI"].set_index("code")
    assert ai.loc[AVRANCHES, "variation"] < 0
    ai_point = reg[reg["siret"] == AVRANCHES_AI].geometry.to_crs(2154).iloc[0]
    dist = communes.set_index("code")["point"].distance(ai_point) / 1000
    near = dist[dist <= 20].index
    far = dist[dist > 20].index
    assert (ai.loc[near, "variation"] < 0).all()  # every neighbour within the AI radius loses
    assert (ai.loc[far, "variation"] == 0).all()  # nothing changes beyond the radius
    assert len(near) > 50
    allt = out[out["type_siae"] == A.ALL].set_index("code")
    assert (allt.loc[dist[dist > 30].index, "variation"] == 0).all()
    assert ai["classe_change"].any()
    assert out.attrs["parametres"]["fermetures"] == [AVRANCHES_AI]
    with pytest.raises(ValueError, match="SIRET inconnu"):
        A.scenario(communes, reg, data["demand"], close=["00000000000000"])


def test_scenario_open_aci(data):
    out = A.scenario(
        data["communes"], data["registry"], data["demand"], open=[("61001", "ACI", 40)]
    )
    aci = out[out["type_siae"] == "ACI"].set_index("code")
    assert aci.loc["61001", "variation"] > 0
    assert (aci["variation"] >= -1e-15).all()
