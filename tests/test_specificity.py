"""Sector specificity: location quotient by hand, establishments (Flores), zone d'emploi jobs."""

from __future__ import annotations

import pandas as pd
import pytest

from coodiag.analyses import specificity as S
from coodiag.base import store


def test_location_quotient_by_hand() -> None:
    # Territory: a=10, b=30, c=60 (n=100); reference: a=100, b=100, c=800 (N=1000).
    # a: (10/100)/(100/1000) = 0.10/0.10 = 1.00
    # b: (30/100)/(100/1000) = 0.30/0.10 = 3.00
    # c: (60/100)/(800/1000) = 0.60/0.80 = 0.75
    lq = S.location_quotient(
        pd.Series({"a": 10, "b": 30, "c": 60}), pd.Series({"a": 100, "b": 100, "c": 800})
    ).set_index("secteur")
    assert lq["indice"].to_dict() == pytest.approx({"a": 1.0, "b": 3.0, "c": 0.75})
    assert lq.loc["b", "part"] == pytest.approx(30.0)
    assert lq.loc["c", "part_ref"] == pytest.approx(80.0)
    assert lq.index.tolist() == ["b", "a", "c"]  # by decreasing index


def test_lq_establishments_no_double_count(base) -> None:
    ind = store.read_table("indicateurs_communes")
    communes = store.read_level("communes")
    terr = communes.loc[communes["epci"] == "200069425", "code"]  # CA Mont-Saint-Michel-Normandie
    lq = S.lq_etablissements(ind, communes, terr)
    etab = ind.set_index("code").loc[terr]
    assert lq["n"].sum() == etab["ettot21"].sum()  # GZ ⊂ GU counted once
    assert set(lq["secteur"]) == {"AZ", "BE", "FZ", "GZ", "HU", "OQ"}
    manche = communes.loc[communes["dep"] == "50", "code"]
    assert lq["n_ref"].sum() == ind.set_index("code").loc[manche, "ettot21"].sum()
    agri = lq.set_index("secteur").loc["AZ"]
    assert agri["n"] == etab["etaz21"].sum()
    assert agri["indice"] > 1  # a rural territory
    reg = S.lq_etablissements(ind, communes, terr, reference="reg")
    assert reg.attrs["reference"] == "région 28"
    assert reg.attrs["indicateurs"][0]["vintage"] == "Flores 2021"
    with pytest.raises(ValueError, match="Normandie"):
        S.lq_etablissements(ind, communes, ["13055"])


def test_lq_zone_emploi_against_metropolitan_mean(base) -> None:
    zones = store.read_table("indicateurs_zones_emploi")
    lq = S.lq_zone_emploi(zones, "2802").set_index("secteur")  # Avranches
    assert lq["part_ref"].sum() == pytest.approx(100.0, abs=0.05)
    w = zones["p22_pop"]
    ref_agri = (zones["eco_sectagri_pct_22"] * w).sum() / w.sum()
    assert lq.loc["AZ", "indice"] == pytest.approx(7.78 / ref_agri, rel=1e-4)  # shares renormalised
    assert lq.loc["AZ", "indice"] > 2.5
    assert "pondérée par leur population" in lq.attrs["indicateurs"][0]["denominator"]
