"""Occupations hiring: BMO profile of Sud Manche (totals, secrets, tension) and the FAP matching."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from coodiag.analyses import occupations
from coodiag.base import store
from coodiag.mirror.loaders import prospect as L
from coodiag.mirror.sync import raw_path
from coodiag.reference import nomenclatures as fap

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


def test_bmo_sud_manche_totals_and_secrets(bmo, raw_sud_manche) -> None:
    prof = occupations.bmo_profile(bmo, [SUD_MANCHE], top=None)
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
    prof = occupations.bmo_profile(bmo, [SUD_MANCHE], top=5)
    top = prof.iloc[0]
    assert (top["metier"], top["metier_nom"]) == ("S2X61", "Serveurs de cafés restaurants")
    assert (top["projets"], top["difficiles"], top["saisonniers"]) == (756, 441, 600)
    assert top["part_difficiles"] == pytest.approx(58.33, abs=0.01)
    assert prof["metier"].tolist() == ["S2X61", "S1X20", "S2X60", "S1X40", "A0X40"]
    assert prof["tension"].all()
    full = occupations.bmo_profile(bmo, [SUD_MANCHE], top=None).set_index("metier")
    assert not full.loc["R1X60", "tension"]  # 125 projects, 33.6 % difficult
    assert not full.loc["B1X30", "tension"]  # 100 % difficult but only 13 projects
    assert "V0X60" in prof.attrs["metiers_en_tension"]  # aides-soignants, 90.4 %
    assert prof.attrs["bassins"] == {SUD_MANCHE: "SUD MANCHE"}


def test_bmo_multi_department_bassin_is_summed(bmo) -> None:
    # 1119 Grand Roissy - Le Bourget: rows in 77, 93 and 95
    rows = bmo[bmo["bassin"] == "1119"]
    prof = occupations.bmo_profile(bmo, ["1119"], top=None).set_index("metier")
    for metier, grp in rows.groupby("metier"):
        expected = grp["projets"].sum() if grp["projets"].notna().all() else np.nan
        got = prof.loc[metier, "projets"]
        assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_matching_rome_k_to_fap_t(bmo) -> None:
    corr = fap.fap_correspondance(romes=["K2204"])  # nettoyage de locaux
    assert "T" in corr and "ROME K2204" in corr["T"]
    assert fap.match_occupation("T4X60", corr) is not None
    assert fap.match_occupation("B1X31", corr) is None
    prof = occupations.bmo_profile(bmo, [SUD_MANCHE], romes=["K2204"], top=None)
    matched = prof[prof["adequation"]]
    assert set(matched["metier"].str[0]) == {"T", "V"}
    assert prof["adequation"].iloc[: len(matched)].all()  # matching occupations first
    assert matched["projets"].dropna().is_monotonic_decreasing  # secret projects last


def test_avranches_ai_falls_back_to_typical_trades(bmo, base) -> None:
    siae = store.read_level("siae")
    ai = siae[(siae["code_commune"] == "50025") & (siae["type_siae"] == "AI")].iloc[0]
    assert ai["naf"] == "8899B" and len(ai["romes"]) == 0
    prof = occupations.bmo_profile(bmo, [SUD_MANCHE], naf=ai["naf"], type_siae="AI", top=6)
    assert prof["adequation"].all()
    assert set(prof["correspondance"]) == {"métier typique des AI"}
    assert prof["metier"].tolist()[:2] == ["S1X20", "T2A60"]
    # 88.99B is generic: it does not pull the health occupations (V)
    full = occupations.bmo_profile(bmo, [SUD_MANCHE], naf="8899B", type_siae="AI", top=None)
    assert not full.loc[full["metier"].str.startswith("V"), "adequation"].any()
    # a specific NAF adds its division's domains: 81.21Z cleaning -> T and A
    corr = fap.fap_correspondance(naf="81.21Z", type_siae="EI")
    assert set(corr) == {"T", "A"}
