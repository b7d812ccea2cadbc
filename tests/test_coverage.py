"""Coverage classes (hand-made thresholds, per commune and zone) and scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coodiag.analyses import coverage as C
from coodiag.analyses import scenario as S
from coodiag.analyses.access import ALL, accessibility

AVRANCHES = "50025"
AVRANCHES_AI = "37968077000029"


def test_coverage_classes_hand_made():
    need = pd.Series([3, 0.5, 3, 0.5, 1.5, 3, np.nan, 1.6], index=list("abcdefgh"))
    offer = pd.Series([0.5, 3, 3, 0.5, 1.5, 1.5, 1, 0], index=list("abcdefgh"))
    out = C.coverage_classes(need, offer, method="seuils", need_bounds=(1, 2), offer_bounds=(1, 2))
    assert out["classe"].to_dict() == {
        "a": C.LOW_ACCESS,
        "b": C.HIGH_OFFER,
        "c": C.BOTH_HIGH,
        "d": C.BOTH_LOW,
        "e": C.INTERMEDIATE,
        "f": C.INTERMEDIATE,
        "g": C.UNCLASSIFIED,
        "h": C.LOW_ACCESS,  # need above the median (1.5) and no offer at all
    }
    assert out.loc["a", "ratio_besoin_offre"] > 0.5 > out.loc["b", "ratio_besoin_offre"]
    assert C.LOW_ACCESS in out.attrs["explication"]
    q = C.coverage_classes(need, offer)
    assert q.attrs["seuils"]["besoin"] == (need.quantile(1 / 3), need.quantile(2 / 3))
    med = C.coverage_classes(need, offer, quantiles=(0.5, 0.5))
    assert C.INTERMEDIATE not in set(med["classe"])


# --------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(metro_data: dict) -> dict:
    return metro_data


def test_coverage_per_zone(data):
    acc = accessibility(data["communes"], data["registry"], data["demand"])
    com = C.coverage(acc)
    assert set(com["classe"].dropna()) <= {*C.CLASSES, C.UNCLASSIFIED}
    ze = C.coverage(acc, by="ze2020", type_siae="AI")
    assert ze["ze2020"].nunique() == len(ze) > 280
    assert (ze["classe"] != C.UNCLASSIFIED).all()
    assert any(m["key"] == "classe" for m in ze.attrs["indicateurs"])


def test_scenario_close_avranches_ai(data):
    communes, reg = data["communes"], data["registry"]
    out = S.scenario(communes, reg, data["demand"], close=[AVRANCHES_AI])
    assert set(out["type_siae"]) == {"AI", ALL}
    ai = out[out["type_siae"] == "AI"].set_index("code")
    assert ai.loc[AVRANCHES, "variation"] < 0
    ai_point = reg[reg["siret"] == AVRANCHES_AI].geometry.to_crs(2154).iloc[0]
    dist = communes.set_index("code")["point"].distance(ai_point) / 1000
    near = dist[dist <= 20].index
    far = dist[dist > 20].index
    assert (ai.loc[near, "variation"] < 0).all()  # every neighbour within the AI radius loses
    assert (ai.loc[far, "variation"] == 0).all()  # nothing changes beyond the radius
    assert len(near) > 50
    allt = out[out["type_siae"] == ALL].set_index("code")
    assert (allt.loc[dist[dist > 30].index, "variation"] == 0).all()
    assert ai["classe_change"].any()
    assert out.attrs["parametres"]["fermetures"] == [AVRANCHES_AI]
    with pytest.raises(ValueError, match="SIRET inconnu"):
        S.scenario(communes, reg, data["demand"], close=["00000000000000"])


def test_scenario_open_aci(data):
    out = S.scenario(
        data["communes"], data["registry"], data["demand"], open=[("61001", "ACI", 40)]
    )
    aci = out[out["type_siae"] == "ACI"].set_index("code")
    assert aci.loc["61001", "variation"] > 0
    assert (aci["variation"] >= -1e-15).all()
