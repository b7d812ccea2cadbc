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
    assert lq.attrs["millesime"] == "Flores 2021"
    # Avranches values unchanged by the national 2018 fallback (Flores 2021, Manche).
    assert agri["n"] == 547 and agri["n_ref"] == 2304
    assert agri["indice"] == pytest.approx((547 / 3220) / (2304 / 16419), abs=1e-9)
    with pytest.raises(ValueError, match="Aucune commune"):
        S.lq_etablissements(ind, communes, ["99999"])


def test_lq_establishments_outside_normandie_uses_2018(base) -> None:
    """Zone d'emploi of Draguignan (Var): no Flores 2021 file there, establishments 2018."""
    ind = store.read_table("indicateurs_communes")
    communes = store.read_level("communes")
    terr = communes.loc[communes["ze2020"] == "9308", "code"]
    i = ind.set_index("code")
    assert i.loc[terr, "ettot21"].isna().all()
    lq = S.lq_etablissements(ind, communes, terr)
    vintage = "établissements 2018, comparateur de territoires INSEE édition 2022"
    assert lq.attrs["millesime"] == vintage
    meta = lq.attrs["indicateurs"][0]
    assert meta["vintage"] == vintage and "fin 2018" in meta["source"]
    assert meta["method"].startswith(vintage)
    assert lq.attrs["reference"] == "département 83"
    t = lq.set_index("secteur")
    # Real counts of the base (comparateur 2022, ETxx18), territory and Var.
    assert lq["n"].sum() == i.loc[terr, "ettot18"].sum() == 3886
    var = communes.loc[communes["dep"] == "83", "code"]
    assert lq["n_ref"].sum() == i.loc[var, "ettot18"].sum() == 38760
    assert t.loc["AZ", "n"] == 169 and t.loc["AZ", "n_ref"] == 1053
    assert t.loc["HU", "n"] == 2316 - 741  # GU − GZ
    assert t.loc["AZ", "indice"] == pytest.approx((169 / 3886) / (1053 / 38760), abs=1e-9)
    assert t.loc["AZ", "indice"] == pytest.approx(1.6008, abs=1e-4)
    assert t.loc["FZ", "indice"] == pytest.approx((686 / 3886) / (5019 / 38760), abs=1e-9)
    # Marseille: a territory outside Normandie/IDF no longer refused.
    assert S.lq_etablissements(ind, communes, ["13055"]).attrs["millesime"] == vintage


def test_lq_zone_emploi_against_official_national_shares(base) -> None:
    """Avranches (2802) against the France row of the zone source, not a mean of zones."""
    from coodiag.reports.context import Context

    zones = store.read_table("indicateurs_zones_emploi")
    france = Context().ze_france
    assert france is not None
    # The France row of zones_emploi_indicateurs.json: official national shares of jobs (%).
    assert france[["eco_sectagri_pct_22", "eco_sectindus_pct_22", "eco_sectconst_pct_22",
                   "eco_sectservi_pct_22", "eco_sectadmin_pct_22"]].tolist() == pytest.approx(
        [2.39, 11.62, 6.54, 48.37, 31.08])
    lq = S.lq_zone_emploi(zones, "2802", france=france).set_index("secteur")
    assert lq.loc["AZ", "indice"] == pytest.approx(7.78 / 2.39, abs=1e-3)  # 3.255
    assert lq.loc["BE", "indice"] == pytest.approx(19.44 / 11.62, abs=1e-3)  # 1.673
    assert lq.loc["AZ", "part_ref"] == pytest.approx(2.39, abs=0.01)
    assert lq.attrs["reference_officielle"]
    assert "ligne France de la source" in lq.attrs["indicateurs"][0]["denominator"]
    # The former reference, the population-weighted mean of the zones, gave 3.00 for AZ.
    w = zones["p22_pop"]
    mean_agri = (zones["eco_sectagri_pct_22"] * w).sum() / w.sum()
    assert 7.78 / mean_agri == pytest.approx(3.003, abs=1e-3)
    # A table without the France row still answers, saying it is an approximation.
    approx = S.lq_zone_emploi(zones[zones["code"] != S.FRANCE_ROW], "2802")
    assert not approx.attrs["reference_officielle"]
    assert "pondérée par la population" in approx.attrs["indicateurs"][0]["method"]
