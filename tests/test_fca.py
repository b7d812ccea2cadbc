"""The 2SFCA method: hand-computed cases, edge cases, and pysal ``access`` on real points."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from coodiag.analyses.access import TYPES_SIAE
from coodiag.analyses.fca import decay_weights, two_stage_fca
from coodiag.analyses.points import to_xy, usable_siae

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
    res = two_stage_fca(HAND_SUPPLY_XY, HAND_S, HAND_DEMAND_XY, HAND_D, radius_km=12)
    np.testing.assert_allclose(res.ratio, [0.1, 0.04], rtol=1e-12)
    np.testing.assert_allclose(res.catchment_demand, [300, 250], rtol=1e-12)
    np.testing.assert_allclose(res.access, [0.1, 0.14, 0.04], rtol=1e-12)
    assert res.n_pairs == 4
    assert (res.access * HAND_D).sum() == pytest.approx(40)


def test_two_stage_fca_gaussian_by_hand():
    res = two_stage_fca(
        HAND_SUPPLY_XY, HAND_S, HAND_DEMAND_XY, HAND_D, radius_km=12, decay="gaussian"
    )
    np.testing.assert_allclose(res.ratio, [0.141513, 0.140465], rtol=1e-5)
    np.testing.assert_allclose(res.access, [0.1, 0.119010, 0.123960], rtol=1e-5)
    assert (res.access * HAND_D).sum() == pytest.approx(40)
    # sigma given explicitly = same thing
    res2 = two_stage_fca(
        HAND_SUPPLY_XY, HAND_S, HAND_DEMAND_XY, HAND_D, radius_km=12, decay="gaussian", sigma_km=6
    )
    np.testing.assert_array_equal(res.access, res2.access)


def test_two_stage_fca_edge_cases():
    # A supply with nobody in reach gets R = 0 (not inf), a commune with nothing in reach A = 0.
    res = two_stage_fca(
        np.array([[0.0, 0.0], [100_000.0, 0.0]]),
        [10, 5],
        np.array([[1000.0, 0.0], [50_000.0, 0.0]]),
        [20, 7],
        radius_km=10,
    )
    np.testing.assert_allclose(res.ratio, [0.5, 0.0])
    np.testing.assert_allclose(res.access, [0.5, 0.0])
    with pytest.raises(ValueError, match="Offre manquante"):
        two_stage_fca(HAND_SUPPLY_XY, [1, np.nan], HAND_DEMAND_XY, HAND_D, radius_km=12)
    w = decay_weights(np.array([0.0, 12.0]), radius_km=12, decay="gaussian_dai")
    np.testing.assert_allclose(w, [1.0, 0.0], atol=1e-15)


# --------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(metro_data: dict) -> dict:
    return metro_data


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
        & reg["type_siae"].isin(TYPES_SIAE)
        & reg["capacite"].notna()
        & usable_siae(reg)
    ).to_numpy()
    siae = reg.loc[ok]
    d_xy = to_xy(norm["point"])
    s_xy = to_xy(siae.geometry.to_crs(2154))
    dem = norm["code"].map(data["demand"].set_index("code")["demande"]).to_numpy("float64")
    cap = siae["capacite"].to_numpy("float64")
    assert len(d_xy) > 2600 and len(s_xy) > 150
    for decay, fn in (("step", None), ("gaussian", weights.gaussian(15))):
        ours = two_stage_fca(s_xy, cap, d_xy, dem, radius_km=30, decay=decay, sigma_km=15)
        ref = _pysal_access(d_xy, dem, s_xy, cap, 30, fn)
        assert np.max(np.abs(ours.access - ref)) <= 1e-9
        assert ours.access.max() > 0.01
