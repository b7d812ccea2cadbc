"""Postal code + commune name -> INSEE commune (COG 2025)."""

from __future__ import annotations

import pandas as pd
import pytest

from coodiag import codes
from coodiag.mirror.sync import raw_path
from coodiag.reference import geocode

pytestmark = pytest.mark.usefixtures("raw_synced")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Saint-Lô", "SAINT LO"),
        ("ST LO", "SAINT LO"),
        ("STE MERE EGLISE", "SAINTE MERE EGLISE"),
        ("HAVRE (LE)", "HAVRE"),
        ("Le Havre", "HAVRE"),
        ("L'Aigle", "AIGLE"),
        ("PARIS 15", "PARIS"),
        ("Paris 15e Arrondissement", "PARIS"),
        ("MARSEILLE 13E", "MARSEILLE"),
        ("LYON 3EME", "LYON"),
        ("CAEN CEDEX 9", "CAEN"),
        ("Œuilly", "OEUILLY"),
    ],
)
def test_normalize_name(name: str, key: str) -> None:
    assert geocode.normalize_name(name) == key


@pytest.mark.parametrize(
    ("postal", "name", "code", "resolution"),
    [
        ("14800", "Deauville", "14220", geocode.RES_EXACT),  # 8 communes share 14800
        ("14800", "TROUVILLE SUR MER", "14715", geocode.RES_DEP),  # its code is 14360
        ("75015", "PARIS 15", "75056", geocode.RES_EXACT),
        ("13013", "MARSEILLE 13E", "13055", geocode.RES_EXACT),
        ("69003", "LYON 3EME", "69123", geocode.RES_EXACT),
        ("76600", "HAVRE (LE)", "76351", geocode.RES_EXACT),
        ("14050", "CAEN CEDEX 4", "14118", geocode.RES_DEP),  # CEDEX code: no commune
        ("1500", "AMBERIEU EN BUGEY", "01004", geocode.RES_EXACT),  # zero lost
        ("50300", "SAINT MARTIN DES CHAMPS", "50025", geocode.RES_OLD),  # merged into Avranches
        ("14800", "Deauvile", "14220", geocode.RES_FUZZY),  # typo
        ("95220", "HERBLAY", "95306", geocode.RES_FUZZY),  # renamed Herblay-sur-Seine
        ("14000", None, "14118", geocode.RES_SINGLE),
    ],
)
def test_resolve_one(postal, name, code, resolution) -> None:
    got = geocode.resolve_one(codes.parse_postcode(postal), name)
    assert got == (code, resolution, None)


def test_resolve_failures_say_why() -> None:
    assert geocode.resolve_one("14800", None) == (
        None,
        None,
        "nom de commune manquant et code postal 14800 partagé par 8 communes",
    )
    assert geocode.resolve_one(None, "Caen") == (
        None,
        None,
        "code postal manquant ou mal formé (5 chiffres attendus)",
    )
    code, res, why = geocode.resolve_one("97150", "SAINT MARTIN")
    assert (code, res) == (None, None)
    assert why == (
        "code postal 97150 d'une collectivité d'outre-mer hors du COG des communes "
        "(Saint-Martin (97801))"
    )


def test_resolve_communes_frame_keeps_rows_and_index() -> None:
    df = pd.DataFrame(
        {"cp": ["14800", "14800", None, "75015"], "ville": ["Deauville", "Nulle", "Caen", "PARIS"]},
        index=[10, 11, 12, 13],
    )
    out = geocode.resolve_communes(df, postal_col="cp", name_col="ville")
    assert list(out.index) == [10, 11, 12, 13]
    assert out["code_commune"].tolist() == ["14220", pd.NA, pd.NA, "75056"]
    assert out.loc[11, "reason"].startswith("nom introuvable parmi les communes du code postal")


def test_asp_2019_list_share_placed() -> None:
    """The ASP July 2019 SIAE list: postal code + name places 99.7 % of the 3,932 rows."""
    df = pd.read_csv(
        raw_path("siae/liste_siae_asp_2019_07.csv"), sep=";", dtype=str, keep_default_na=False
    )
    out = geocode.resolve_communes(df, postal_col="CODE_POSTAL", name_col="COMMUNE")
    assert len(out) == 3932
    placed = out["code_commune"].notna()
    assert placed.sum() == 3922  # 99.7 %
    counts = out["resolution"].value_counts()
    assert counts[geocode.RES_EXACT] == 3911
    # The 10 left: Capavenir Vosges (renamed Thaon-les-Vosges, old name absent from the
    # references) and the overseas collectivities Saint-Martin and Saint-Pierre-et-Miquelon.
    left = set(out.loc[~placed, "COMMUNE"])
    assert left == {"CAPAVENIR VOSGES", "ST MARTIN", "SAINT MARTIN", "ST PIERRE", "SAINT PIERRE"}
    assert out.loc[~placed, "reason"].notna().all()
    # 02200 is shared by 25 communes; "ASSOC LE BOIS DE DEUX MAINS" is in Pommiers (02610).
    row = out[out["SIRET"] == "81322907700025"].iloc[0]
    assert len(geocode.communes_of_postal("02200")) == 25
    assert (row["CODE_POSTAL"], row["COMMUNE"], row["code_commune"]) == (
        "02200",
        "POMMIERS",
        "02610",
    )
    # 16320 is shared by 10 communes: Villebois-Lavalette (16408).
    row = out[out["SIRET"] == "38773231600022"].iloc[0]
    assert row["code_commune"] == "16408"
    # Pierrefitte-sur-Seine merged into Saint-Denis (93066) on 1 January 2025.
    row = out[out["COMMUNE"] == "PIERREFITTE SUR SEINE"].iloc[0]
    assert (row["code_commune"], row["resolution"]) == ("93066", geocode.RES_OLD)


def test_100k_rows_are_fast() -> None:
    df = pd.DataFrame(
        {
            "cp": ["14800", "75015", "13013", "50300", "14000"] * 20_000,
            "ville": ["Deauville", "PARIS 15", "MARSEILLE 13E", "AVRANCHES", "CAEN"] * 20_000,
        }
    )
    geocode.resolve_one.cache_clear()
    out = geocode.resolve_communes(df, postal_col="cp", name_col="ville")
    assert out["code_commune"].notna().all()
