"""Prospecting: loaders, location quotients, BMO profile of Sud Manche, SIRENE prospects."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from coodiag.analyses import prospect as P
from coodiag.base import store
from coodiag.mirror.loaders import prospect as L
from coodiag.mirror.sync import raw_path

SUD_MANCHE = "2823"


@pytest.fixture(scope="module")
def bmo(raw_synced) -> pd.DataFrame:
    return L.load_bmo_2024()


@pytest.fixture(scope="module")
def raw_sud_manche(raw_synced) -> list[dict]:
    """The Sud Manche rows of the workbook, read with openpyxl (independently of the loader)."""
    wb = openpyxl.load_workbook(raw_path(L.BMO_FILE), read_only=True)
    rows = wb[L.BMO_SHEET].iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    out = [dict(zip(header, r, strict=True)) for r in rows if str(r[9]) == SUD_MANCHE]
    wb.close()
    return out


# --------------------------------------------------------------------------- loaders


def test_bmo_loader_types_and_secrets(bmo) -> None:
    assert len(bmo) == 53_443
    for col in ("projets", "difficiles", "saisonniers"):
        assert bmo[col].dtype == "float64"
        assert (bmo[col].dropna() >= 0).all()
    # "*" -> NaN, never 0: counts of the source's markers
    assert bmo["projets"].isna().sum() == 10_891
    assert bmo["difficiles"].isna().sum() == 20_507
    assert bmo["saisonniers"].isna().sum() == 39_359
    assert bmo["bassin"].str.len().eq(4).all()
    assert set(bmo.loc[bmo["dep"] == "971", "bassin"]) >= {"0101", "0102"}  # "101" padded


def test_bmo_bassins_join_the_communes(bmo, base) -> None:
    communes = store.read_level("communes")
    ours = set(communes["bassin_bmo"].dropna())
    theirs = set(bmo["bassin"])
    assert len(theirs) == 406
    assert theirs - ours == {"0104", "0304", "7549"}  # Iles du Nord, Matoury, Aiguillon
    assert ours <= theirs  # every commune's bassin has BMO rows
    assert bmo["bassin"].isin(ours).mean() == pytest.approx(0.9941, abs=1e-4)
    avranches = communes.set_index("code").loc["50025"]
    assert (avranches["bassin_bmo"], avranches["bassin_bmo_nom"]) == (SUD_MANCHE, "SUD MANCHE")


def test_nomenclatures(raw_synced) -> None:
    naf = L.load_naf()
    assert naf["niveau"].value_counts().to_dict() == {
        "sous-classe": 732,
        "classe": 615,
        "groupe": 272,
        "division": 88,
    }
    assert naf.set_index("code").loc["56.30Z", "section"] == "I"
    assert naf["section"].notna().all()
    rome = L.load_rome()
    assert len(rome) == 609
    assert rome.set_index("code_rome").loc["K2204", ["domaine", "grand_domaine"]].tolist() == [
        "K22",
        "K",
    ]
    long = L.load_nomenclatures()
    assert len(long) == len(naf) + len(rome)


# --------------------------------------------------------------------------- location quotient


def test_location_quotient_by_hand() -> None:
    # Territory: a=10, b=30, c=60 (n=100); reference: a=100, b=100, c=800 (N=1000).
    # a: (10/100)/(100/1000) = 0.10/0.10 = 1.00
    # b: (30/100)/(100/1000) = 0.30/0.10 = 3.00
    # c: (60/100)/(800/1000) = 0.60/0.80 = 0.75
    lq = P.location_quotient(
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
    lq = P.lq_etablissements(ind, communes, terr)
    etab = ind.set_index("code").loc[terr]
    assert lq["n"].sum() == etab["ettot21"].sum()  # GZ ⊂ GU counted once
    assert set(lq["secteur"]) == {"AZ", "BE", "FZ", "GZ", "HU", "OQ"}
    manche = communes.loc[communes["dep"] == "50", "code"]
    assert lq["n_ref"].sum() == ind.set_index("code").loc[manche, "ettot21"].sum()
    agri = lq.set_index("secteur").loc["AZ"]
    assert agri["n"] == etab["etaz21"].sum()
    assert agri["indice"] > 1  # a rural territory
    reg = P.lq_etablissements(ind, communes, terr, reference="reg")
    assert reg.attrs["reference"] == "région 28"
    assert reg.attrs["indicateurs"][0]["vintage"] == "Flores 2021"
    with pytest.raises(ValueError, match="Normandie"):
        P.lq_etablissements(ind, communes, ["13055"])


def test_lq_zone_emploi_against_metropolitan_mean(base) -> None:
    zones = store.read_table("indicateurs_zones_emploi")
    lq = P.lq_zone_emploi(zones, "2802").set_index("secteur")  # Avranches
    assert lq["part_ref"].sum() == pytest.approx(100.0, abs=0.05)
    w = zones["p22_pop"]
    ref_agri = (zones["eco_sectagri_pct_22"] * w).sum() / w.sum()
    assert lq.loc["AZ", "indice"] == pytest.approx(7.78 / ref_agri, rel=1e-4)  # shares renormalised
    assert lq.loc["AZ", "indice"] > 2.5
    assert "pondérée par leur population" in lq.attrs["indicateurs"][0]["denominator"]


# --------------------------------------------------------------------------- BMO


def test_bmo_sud_manche_totals_and_secrets(bmo, raw_sud_manche) -> None:
    prof = P.bmo_profile(bmo, [SUD_MANCHE], top=None)
    known = [r["met"] for r in raw_sud_manche if r["met"] != "*"]
    total = sum(int(v) for v in known)
    assert total == 6_559
    assert prof.attrs["total_projets_connus"] == total
    assert prof["projets"].sum() == total  # one row per occupation in this bassin
    secret = [r["Code métier BMO"] for r in raw_sud_manche if r["met"] == "*"]
    assert prof.attrs["metiers_secrets"] == len(secret) == 18
    assert prof.set_index("metier").loc[secret, "projets"].isna().all()
    # Eleveurs: 72 projects, 52 difficult, seasonal secret -> its share stays unknown
    eleveurs = prof.set_index("metier").loc["A0X41"]
    assert np.isnan(eleveurs["saisonniers"]) and np.isnan(eleveurs["part_saisonniers"])
    assert eleveurs["part_difficiles"] == pytest.approx(100 * 52 / 72)


def test_bmo_sud_manche_top_and_tension(bmo) -> None:
    prof = P.bmo_profile(bmo, [SUD_MANCHE], top=5)
    top = prof.iloc[0]
    assert (top["metier"], top["metier_nom"]) == ("S2X61", "Serveurs de cafés restaurants")
    assert (top["projets"], top["difficiles"], top["saisonniers"]) == (756, 441, 600)
    assert top["part_difficiles"] == pytest.approx(58.33, abs=0.01)
    assert prof["metier"].tolist() == ["S2X61", "S1X20", "S2X60", "S1X40", "A0X40"]
    assert prof["tension"].all()
    full = P.bmo_profile(bmo, [SUD_MANCHE], top=None).set_index("metier")
    assert not full.loc["R1X60", "tension"]  # 125 projects, 33.6 % difficult
    assert not full.loc["B1X30", "tension"]  # 100 % difficult but only 13 projects
    assert "V0X60" in prof.attrs["metiers_en_tension"]  # aides-soignants, 90.4 %
    assert prof.attrs["bassins"] == {SUD_MANCHE: "SUD MANCHE"}


def test_bmo_multi_department_bassin_is_summed(bmo) -> None:
    # 1119 Grand Roissy - Le Bourget: rows in 77, 93 and 95
    rows = bmo[bmo["bassin"] == "1119"]
    prof = P.bmo_profile(bmo, ["1119"], top=None).set_index("metier")
    for metier, grp in rows.groupby("metier"):
        expected = grp["projets"].sum() if grp["projets"].notna().all() else np.nan
        got = prof.loc[metier, "projets"]
        assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_matching_rome_k_to_fap_t(bmo) -> None:
    corr = P.fap_correspondance(romes=["K2204"])  # nettoyage de locaux
    assert "T" in corr and "ROME K2204" in corr["T"]
    assert P.match_occupation("T4X60", corr) is not None
    assert P.match_occupation("B1X31", corr) is None
    prof = P.bmo_profile(bmo, [SUD_MANCHE], romes=["K2204"], top=None)
    matched = prof[prof["adequation"]]
    assert set(matched["metier"].str[0]) == {"T", "V"}
    assert prof["adequation"].iloc[: len(matched)].all()  # matching occupations first
    assert matched["projets"].dropna().is_monotonic_decreasing  # secret projects last


def test_avranches_ai_falls_back_to_typical_trades(bmo, base) -> None:
    siae = store.read_level("siae")
    ai = siae[(siae["code_commune"] == "50025") & (siae["type_siae"] == "AI")].iloc[0]
    assert ai["naf"] == "8899B" and len(ai["romes"]) == 0
    prof = P.bmo_profile(bmo, [SUD_MANCHE], naf=ai["naf"], type_siae="AI", top=6)
    assert prof["adequation"].all()
    assert set(prof["correspondance"]) == {"métier typique des AI"}
    assert prof["metier"].tolist()[:2] == ["S1X20", "T2A60"]
    # 88.99B is generic: it does not pull the health occupations (V)
    full = P.bmo_profile(bmo, [SUD_MANCHE], naf="8899B", type_siae="AI", top=None)
    assert not full.loc[full["metier"].str.startswith("V"), "adequation"].any()
    # a specific NAF adds its division's domains: 81.21Z cleaning -> T and A
    corr = P.fap_correspondance(naf="81.21Z", type_siae="EI")
    assert set(corr) == {"T", "A"}


# --------------------------------------------------------------------------- SIRENE prospects


@pytest.fixture(scope="module")
def bars(raw_synced) -> pd.DataFrame:
    from coodiag.userfiles import read_sirene

    return read_sirene(raw_path("entreprises/sirene_debits-de-boissons_13_2017.csv")).data


MARSEILLE = (5.3698, 43.2965)  # Vieux-Port, WGS84 (a fictitious SIAE)


def test_prospects_within_5_km_of_marseille(bars, base) -> None:
    from pyproj import Transformer

    x0, y0 = Transformer.from_crs(4326, 2154, always_xy=True).transform(*MARSEILLE)
    d = np.hypot(bars["x"].astype(float) - x0, bars["y"].astype(float) - y0)
    exact = int((d <= 5000).sum())
    assert exact == 744
    res = P.prospects(bars, MARSEILLE, km=5, naf_of_siae="56.10A")
    assert len(res) == exact
    assert res.attrs["sans_position"] == bars["x"].isna().sum() == 20
    # with the commune points, the 7 Marseille bars without coordinates are added (approximate)
    communes = store.read_level("communes", zone="metro")
    res2 = P.prospects(bars, MARSEILLE, km=5, naf_of_siae="56.10A", communes=communes)
    assert len(res2) == exact + 7
    assert res2["position_approchee"].sum() == 7
    assert (res2["distance_km"] <= 5).all()
    assert res2["rang"].tolist() == list(range(1, len(res2) + 1))
    assert "distance_km" in res2.attrs["libelles"]


def test_prospects_ranking_by_closeness_then_size(bars) -> None:
    res = P.prospects(bars, MARSEILLE, km=5, naf_of_siae="56.10A")
    assert res["proximite"].is_monotonic_decreasing
    assert res.iloc[0]["naf"] == "56.10A"  # same sub-class first
    bars_only = res[res["naf"] == "56.30Z"]
    assert set(bars_only["proximite"]) == {2}  # same division 56
    size = bars_only["effectif_estime"]
    known = size.dropna()
    assert known.is_monotonic_decreasing
    assert known.iloc[0] == 34.5  # "12": 20 to 49 salariés
    assert size.isna().sum() == 0 or size.isna().to_numpy()[-size.isna().sum() :].all()
    # a generic SIAE code (88.99B) compares by trade domains only: an AI places aides de
    # cuisine (S1X20, domain S) and NAF 56 is domain S -> closeness 1; an EI with that code and
    # no ROME has no known trade -> 0
    ai = P.prospects(bars, MARSEILLE, km=5, naf_of_siae="8899B", type_siae="AI")
    assert set(ai.loc[ai["naf"] == "56.30Z", "proximite"]) == {1}
    ei = P.prospects(bars, MARSEILLE, km=5, naf_of_siae="8899B", type_siae="EI")
    assert set(ei["proximite"]) == {0}
