"""Accessibility: nearest SIAE, population beyond a distance, 2SFCA of the SIAE (national)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coodiag.analyses import access as A
from coodiag.analyses.demand import demand
from coodiag.analyses.points import siae_zone
from coodiag.base.indicators import Indicator

AVRANCHES = "50025"
AVRANCHES_AI = "37968077000029"


@pytest.fixture(scope="module")
def data(metro_data: dict) -> dict:
    return metro_data


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


def test_accessibility_national_documented(data):
    """National 2SFCA, all types (its time is measured by ``bench/run.py``: ≤ 3 s)."""
    communes, reg, dem = data["communes"], data["registry"], data["demand"]
    acc = A.accessibility(communes, reg, dem, decay="gaussian")
    assert len(acc) == len(communes)
    for t in (*A.TYPES_SIAE, A.ALL):
        assert acc[f"acces_{t}"].notna().all()
        np.testing.assert_allclose(acc[f"acces_{t}_pour_1000"], 1000 * acc[f"acces_{t}"])
    params = acc.attrs["parametres"]
    assert params["rayons_km"] == {"ACI": 30, "AI": 20, "EI": 30, "ETTI": 30, "ensemble": 30}
    assert params["siae_sans_capacite"] == (reg["type_siae"] == "GEIQ").sum()
    keys = {m.key for m in acc.attrs["indicateurs"]}
    assert {"demande", "acces_AI", "acces_AI_pour_1000", "acces_ensemble"} <= keys
    meta = next(m for m in acc.attrs["indicateurs"] if m.key == "acces_AI_pour_1000")
    assert isinstance(meta, Indicator)
    assert all((meta.label, meta.unit, meta.numerator, meta.source, meta.vintage, meta.method))
    assert "1 000" in meta.denominator
    # The offer is shared out: Σ A·D = the capacity of the SIAE with demand in reach.
    ai = reg[(reg["type_siae"] == "AI") & (siae_zone(reg) == "metro").fillna(False)]
    total = (acc["acces_AI"] * acc["demande"].fillna(0)).sum()
    assert total <= ai["capacite"].sum() + 1e-6
    assert total > 0.95 * ai["capacite"].sum()


def test_accessibility_all_france_wgs84(data):
    from coodiag.base import store

    communes = store.read_level("communes")
    dem = demand(communes, data["ind"], data["ze"], kind="demandeurs")
    acc = A.accessibility(communes, data["registry"], dem, types=["ACI"], radius_km_all=None)
    drom = acc[acc["dep"].str.startswith("97")]
    assert len(drom) > 100 and drom["acces_ACI"].notna().all() and (drom["acces_ACI"] > 0).any()
