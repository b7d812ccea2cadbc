"""Prospecting: the BMO and nomenclature loaders, SIRENE prospects near an SIAE."""

from __future__ import annotations

import numpy as np
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
