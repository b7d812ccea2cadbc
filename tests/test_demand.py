"""The need per commune: census unemployed, the estimator elsewhere, job seekers."""

from __future__ import annotations

import numpy as np
import pytest

from coodiag.analyses import demand as D

AVRANCHES = "50025"


@pytest.fixture(scope="module")
def data(base):
    from coodiag.base import store

    communes = store.read_level("communes", zone="metro")
    ind = store.read_table("indicateurs_communes")
    ze = store.read_table("indicateurs_zones_emploi")
    return {"communes": communes, "ind": ind, "ze": ze, "demand": D.demand(communes, ind, ze)}


def test_demand_estimator_against_known_normandie(data):
    communes, ind, ze = data["communes"], data["ind"], data["ze"]
    s, n = D.share_1564(ind)
    assert 0.6 < s < 0.68 and n > 3800  # Normandie + Île-de-France
    est = D.estimate_unemployed(communes, ind, ze)
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
    de = D.demand(communes, ind, ze, kind="demandeurs")
    assert not de["demande_estimee"].any()
    assert de["demande"].notna().mean() > 0.99
