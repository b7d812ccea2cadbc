"""COG conversion to 2025, on the real mirror files copied in data/raw (figures checked by hand)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from coodiag import codes
from coodiag.errors import DataError
from coodiag.mirror.loaders.history import (
    load_cog_communes_2023,
    load_communes_2018_normandie,
    load_decoupage_communes,
)
from coodiag.mirror.sync import raw_path
from coodiag.reference.cog import convert_communes, current_code

NORMANDIE = ["14", "27", "50", "61", "76"]


@pytest.fixture(scope="module")
def communes_2018():
    return load_communes_2018_normandie()


@pytest.fixture(scope="module")
def lineage_2018(communes_2018):
    return current_code(communes_2018["code"], from_vintage=2018)


@pytest.fixture(scope="module")
def normandie_2025() -> set[str]:
    cog = pd.read_csv(raw_path("cog/insee-2025/seed_insee_communes.csv"), dtype=str)
    com = cog[cog["typecom"] == "COM"]
    return set(codes.commune(com.loc[codes.departement(com["dep"]).isin(NORMANDIE), "com"]))


@pytest.fixture(scope="module")
def rp2021_normandie() -> pd.DataFrame:
    df = pd.read_csv(raw_path("indicateurs/stats_communes_normandie_idf_rp2021.csv"), dtype=str)
    dep = codes.departement_of_commune(codes.commune(df["CODGEO"]))
    df = df[dep.isin(NORMANDIE)].copy()
    df["P21_POP"] = pd.to_numeric(df["P21_POP"])
    return df


# --- loaders ---------------------------------------------------------------------------


def test_load_cog_2023_types_and_counts():
    cog = load_cog_communes_2023()
    assert list(cog.columns) == ["typecom", "com", "reg", "dep", "libelle", "comparent"]
    assert cog["typecom"].value_counts().to_dict() == {
        "COM": 34945,
        "COMD": 2081,
        "COMA": 492,
        "ARM": 45,
    }
    assert (cog["com"].str.len() == 5).all()
    row = cog[(cog["com"] == "14011") & (cog["typecom"] == "COM")].iloc[0]
    assert (row["libelle"], row["dep"], row["reg"]) == ("Aurseulles", "14", "28")
    assert cog.loc[cog["com"] == "75101", "comparent"].iloc[0] == "75056"


def test_load_decoupage_communes():
    df = load_decoupage_communes()
    assert len(df) == 37590
    aurseulles = df[(df["code"] == "14581") & (df["type"] == "commune-actuelle")].iloc[0]
    assert aurseulles["anciens_codes"] == [
        "14011",
        "14267",
        "14376",
        "14479",
        "14526",
        "14673",
        "14695",
    ]
    assert df.loc[df["code"] == "01001", "codes_postaux"].iloc[0] == ["01400"]
    assert df.loc[df["code"] == "13201", "chef_lieu"].iloc[0] == "13055"


def test_load_communes_2018(communes_2018):
    assert len(communes_2018) == 2709
    assert communes_2018.crs.to_epsg() == 2154
    assert list(communes_2018.columns) == ["code", "nom", "geometry"]
    assert communes_2018["code"].str.len().eq(5).all()


# --- COG 2018 (Normandie polygons) ------------------------------------------------------


def test_2018_merged_codes_reach_their_2025_commune(lineage_2018):
    by_code = lineage_2018.set_index("code")
    # Nonant-le-Pin: commune déléguée of Merlerault-le-Pin in COG 2025.
    assert by_code.loc["61310", ["code_2025", "status"]].tolist() == ["61275", "fusionné"]
    # Coudray-Rabut: no delegated commune, found through Etalab's anciensCodes.
    assert by_code.loc["14185", "code_2025"] == "14514"  # Pont-l'Évêque
    # Aurseulles 14011 (2018) is renumbered 14581 in 2025.
    assert by_code.loc["14011", "code_2025"] == "14581"


def test_2018_obsolete_codes_all_placed_or_explained(lineage_2018, normandie_2025):
    obsolete = lineage_2018[~lineage_2018["code"].isin(normandie_2025)]
    # 59 codes had gone by COG 2023, 8 more by COG 2025.
    assert len(obsolete) == 67
    assert (obsolete["status"] == "fusionné").all()
    assert set(obsolete["code_2025"]) <= normandie_2025
    assert lineage_2018["detail"].notna().all()


def test_2018_saline_split_is_not_placed(lineage_2018):
    # Saline (14712, 2018) was split back into Troarn (14712) and Sannerville (14666).
    saline = lineage_2018.set_index("code").loc["14712"]
    assert saline["status"] == "scission"
    assert pd.isna(saline["code_2025"])
    assert "14666, 14712" in saline["detail"]


def test_2018_polygons_dissolved_by_2025_code(communes_2018, lineage_2018, normandie_2025):
    gdf = communes_2018.assign(code_2025=lineage_2018["code_2025"].to_numpy())
    dissolved = gdf.dropna(subset=["code_2025"]).dissolve("code_2025")
    # 2,644 Normandie communes in 2025, less Troarn and Sannerville (split out of Saline).
    assert len(normandie_2025) == 2644
    assert len(dissolved) == 2642
    assert set(normandie_2025) - set(dissolved.index) == {"14666", "14712"}


def test_2018_conversion_keeps_totals(communes_2018):
    df = pd.DataFrame({"code": communes_2018["code"], "km2": communes_2018.area / 1e6})
    res = convert_communes(df, from_vintage=2018, counts=["km2"])
    assert len(res.table) == 2642
    assert res.unplaced["code"].tolist() == ["14712"]
    assert res.unplaced["reason"].iloc[0].startswith("scission")
    total = res.table["km2"].sum() + res.unplaced["km2"].sum()
    assert total == pytest.approx(df["km2"].sum(), rel=1e-12)


# --- COG 2023: census 2021 -------------------------------------------------------------


def test_rp2021_population_total_kept(rp2021_normandie):
    df = rp2021_normandie
    assert len(df) == 2651
    res = convert_communes(df, from_vintage=2023, code_col="CODGEO", counts=["P21_POP"])
    assert len(res.table) == 2644
    assert res.unplaced.empty
    assert df["P21_POP"].sum() == 3327966
    assert res.table["P21_POP"].sum() + res.unplaced["P21_POP"].sum() == 3327966
    table = res.table.set_index("code")["P21_POP"]
    # May-sur-Orne 14408 (2,017) absorbed Saint-Martin-de-Fontenay 14623 (2,515).
    assert table["14408"] == 2017 + 2515
    assert table["14581"] == 1903  # Aurseulles, formerly 14011
    assert "COG 2023" in res.method


# --- COG 2021: comparateur de territoires 2022 ---------------------------------------------


def test_comparateur_2021_total_kept_and_splits_reported():
    from coodiag.mirror.loaders.france import load_comparateur_2022

    df = load_comparateur_2022()[["code", "P18_POP"]]
    res = convert_communes(df, from_vintage=2021, counts=["P18_POP"])
    total = df["P18_POP"].sum()
    assert res.table["P18_POP"].sum() + res.unplaced["P18_POP"].sum() == pytest.approx(total)
    # Splits since 2021: Neussargues (2025), Essarts-en-Bocage (85084 -> L'Oie, Sainte-Florence)
    # and 60054 (Les Hauts-Talican, 60694, carved out of it).
    assert sorted(res.unplaced["code"]) == ["15141", "60054", "85084"]
    assert res.unplaced["reason"].str.startswith("scission").all()
    table = res.table.set_index("code")["P18_POP"]
    assert table["93066"] == 112091 + 30828  # Saint-Denis + Pierrefitte-sur-Seine
    assert table["27676"] == 1780  # Les Trois Lacs, code 27058 in the COG 2021
    assert "COG 2021" in res.method


# --- hand-made frames ------------------------------------------------------------------


def test_rate_reweighted_on_merge():
    df = pd.DataFrame(
        {"code": ["14408", "14623", "14118"], "taux": [10.0, 20.0, 7.0], "pop": [100, 300, 0]}
    )
    res = convert_communes(df, from_vintage=2023, counts=["pop"], rates={"taux": "pop"})
    table = res.table.set_index("code")
    assert table.loc["14408", "taux"] == pytest.approx(17.5)  # (10*100 + 20*300) / 400
    assert table.loc["14408", "pop"] == 400
    assert table.loc["14118", "taux"] == 7.0  # alone: kept even with a zero weight


def test_nan_parts_give_nan():
    df = pd.DataFrame(
        {
            "code": ["14408", "14623", "61275", "61310", "14118"],
            "n": [5.0, math.nan, math.nan, math.nan, math.nan],
            "taux": [1.0, 2.0, 3.0, 4.0, 5.0],
            "w": [1.0, math.nan, 1.0, 1.0, math.nan],
        }
    )
    res = convert_communes(df, from_vintage=2023, counts=["n"], rates={"taux": "w"})
    table = res.table.set_index("code")
    assert pd.isna(table.loc["14408", "n"])  # one part secret: no partial sum
    assert pd.isna(table.loc["61275", "n"])  # all parts secret
    assert pd.isna(table.loc["14408", "taux"])  # a weight is missing
    assert table.loc["61275", "taux"] == pytest.approx(3.5)
    assert pd.isna(table.loc["14118", "n"])


def test_keep_takes_largest_part():
    df = pd.DataFrame(
        {"code": ["14408", "14623"], "pop": [2017, 2515], "nom": ["May", "Saint-Martin"]}
    )
    res = convert_communes(df, from_vintage=2023, counts=["pop"], keep=["nom"])
    assert res.table["nom"].tolist() == ["Saint-Martin"]


def test_unknown_code_unplaced_with_reason():
    df = pd.DataFrame({"code": ["99999", "14118"], "n": [12.0, 3.0]})
    res = convert_communes(df, from_vintage=2023, counts=["n"])
    assert res.table["code"].tolist() == ["14118"]
    assert res.unplaced["code"].tolist() == ["99999"]
    assert res.unplaced["n"].tolist() == [12.0]
    assert res.unplaced["reason"].iloc[0].startswith("code inconnu")


def test_neussargues_split():
    df = pd.DataFrame({"code": ["15141"], "n": [1000.0]})
    for vintage in (2023, 2024):
        res = convert_communes(df, from_vintage=vintage, counts=["n"])
        assert res.table.empty
        assert res.unplaced["reason"].iloc[0] == (
            "scission : commune répartie en 2025 entre 15031, 15035, 15047, 15141, 15171"
        )
    assert convert_communes(df, from_vintage=2025, counts=["n"]).table["n"].tolist() == [1000.0]


def test_comparateur_2021_splits_shared_by_population():
    """With ``share_splits``, a split commune's counts go to its successors in proportion to
    their population (Etalab 2026: Celles 217, Chalinargues 304, Chavagnac 88,
    Neussargues-Moissac 824, Sainte-Anastasie 122), rates are copied, nothing is unplaced."""
    from coodiag.mirror.loaders.france import load_comparateur_2022

    df = load_comparateur_2022()[["code", "P18_POP", "MED19"]]
    res = convert_communes(
        df, from_vintage=2021, counts=["P18_POP"], rates={"MED19": "P18_POP"}, share_splits=True
    )
    assert res.unplaced.empty
    assert res.table["P18_POP"].sum() == pytest.approx(df["P18_POP"].sum())
    table = res.table.set_index("code")
    raw = df.set_index("code")
    successors = {
        "15141": ["15031", "15035", "15047", "15141", "15171"],
        "60054": ["60054", "60694"],
        "85084": ["85084", "85165", "85212"],
    }
    assert sorted(res.shared["code"].unique()) == sorted(successors)
    for old, new in successors.items():
        assert table.loc[new, "P18_POP"].sum() == pytest.approx(raw.loc[old, "P18_POP"])
        assert (table.loc[new, "P18_POP"] > 0).all()
        assert (table.loc[new, "MED19"] == raw.loc[old, "MED19"]).all()
    assert table.loc["15031", "P18_POP"] == pytest.approx(1811 * 217 / 1555)
    assert res.shared.groupby("code")["share"].sum().round(12).eq(1).all()
    assert "prorata de leur population" in res.method and "15141 → 15031" in res.method


def test_essarts_split_in_2024_only_from_2023():
    codes_ = pd.Series(["85084", "60054"])
    assert current_code(codes_, from_vintage=2023)["status"].tolist() == ["scission"] * 2
    assert current_code(codes_, from_vintage=2024)["status"].tolist() == ["actuel"] * 2


def test_plm_arrondissements():
    df = pd.DataFrame({"code": ["75101", "75102", "13201"], "n": [1.0, 2.0, 4.0]})
    res = convert_communes(df, from_vintage=2023, counts=["n"])
    assert res.table.set_index("code")["n"].to_dict() == {"13055": 4.0, "75056": 3.0}
    both = pd.DataFrame({"code": ["75056", "75101"], "n": [3.0, 1.0]})
    res = convert_communes(both, from_vintage=2023, counts=["n"])
    assert res.unplaced["code"].tolist() == ["75101"]
    assert res.unplaced["reason"].iloc[0].startswith("doublon")


def test_current_code_statuses():
    out = current_code(pd.Series(["1001", "61310", "75101", "99999", None]))
    assert out["code"].tolist()[:2] == ["01001", "61310"]
    assert out["code_2025"].tolist()[:3] == ["01001", "61275", "75056"]
    assert out["status"].tolist() == ["actuel", "fusionné", "arrondissement", "inconnu", "inconnu"]


def test_errors_in_french():
    with pytest.raises(DataError, match="Millésime"):
        convert_communes(pd.DataFrame({"code": ["14118"]}), from_vintage=2019)
    with pytest.raises(DataError, match="en double"):
        convert_communes(pd.DataFrame({"code": ["14118", "14118"]}), from_vintage=2023)
    with pytest.raises(DataError, match="absentes"):
        convert_communes(pd.DataFrame({"code": ["14118"]}), from_vintage=2023, counts=["x"])


def test_keep_never_mixes_parts():
    df = pd.DataFrame(
        {"code": ["14408", "14623"], "pop": [1, 9], "a": ["x", None], "b": ["y", "z"]}
    )
    res = convert_communes(df, from_vintage=2023, counts=["pop"], keep=["a", "b"])
    assert pd.isna(res.table["a"].iloc[0])
    assert res.table["b"].iloc[0] == "z"
