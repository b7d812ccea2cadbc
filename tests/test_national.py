"""Real-data tests of the national commune files (loaders.france) and their merge (base.national).

Expected values are read in the mirror files (``indicateurs/france/``, MANIFEST.md).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from coodiag.base import indicator_specs as specs
from coodiag.base import indicators as ind
from coodiag.mirror.loaders import france
from coodiag.mirror.loaders import indicators as regional

NORMANDIE_IDF = specs.COMMUNE_DEPARTEMENTS
REGIONAL, NATIONAL = specs.SOURCE_LABELS_RP21
SPLITS_2025 = ["15031", "15035", "15047", "15141", "15171"]  # Neussargues-en-Pinatelle
SPLITS_2024 = ["60054", "60694", "85084", "85165", "85212"]  # parents and their 2024 parts


@pytest.fixture(scope="module")
def rp_france(raw_synced) -> pd.DataFrame:
    return france.load_rp2021_france()


@pytest.fixture(scope="module")
def filo_france(raw_synced) -> pd.DataFrame:
    return france.load_filosofi2021_france()


@pytest.fixture(scope="module")
def comparateur(raw_synced) -> pd.DataFrame:
    return france.load_comparateur_2022()


@pytest.fixture(scope="module")
def communes(rp_france, filo_france, comparateur):
    from coodiag.mirror.loaders.territory import load_zonages_2024

    return ind.commune_indicators(
        regional.load_rp2021_communes(),
        regional.load_rp2022_iris(),
        regional.load_de_communes(),
        load_zonages_2024(),
        rp2021_france=rp_france,
        filosofi_france=filo_france,
        comparateur=comparateur,
    )


def _row(table: pd.DataFrame, code: str) -> pd.Series:
    rows = table[table["code"] == code]
    assert len(rows) == 1, code
    return rows.iloc[0]


# ----------------------------------------------------------------- loaders


def test_rp2021_france_one_row_per_code(rp_france):
    # 36,208 rows (one per postcode) -> 34,931 communes + 45 arrondissements (MANIFEST).
    assert len(rp_france) == 34976 and rp_france["code"].is_unique
    assert rp_france["type"].value_counts().to_dict() == {"COM": 34931, "ARM": 45}
    toulon = _row(rp_france, "83137")  # 3 postcodes in the source
    assert toulon["P21_POP"] == 180452 and toulon["P21_CHOM1564"] == 11182
    assert toulon["P21_ACT1564"] == 77151
    assert not rp_france[["P21_POP", "P21_CHOM1564"]].isna().any().any()


def test_filosofi_france_secret_and_arrondissements(filo_france):
    assert filo_france["code"].is_unique
    assert not filo_france["code"].str.match(france.ARRONDISSEMENT_PATTERN).any()
    assert {"75056", "69123", "13055"} <= set(filo_france["code"])
    # 34,909 rows - 45 arrondissements; MED21 is neither "s" nor "nd" on 31,304 rows of the
    # file (counted with awk; MANIFEST says 31,316), 45 of them arrondissements.
    assert len(filo_france) == 34864
    assert filo_france["MED21"].notna().sum() == 31304 - 45
    toulon = _row(filo_france, "83137")
    assert toulon["MED21"] == 20960 and toulon["TP6021"] == 22.0
    avranches = _row(filo_france, "50025")
    assert avranches["MED21"] == 21980 and avranches["TP6021"] == 14.0
    assert avranches["PIMP21"] == 46.0
    assert not (filo_france[["MED21", "TP6021", "NBMENFISC21"]] == 0).any().any()
    assert not filo_france["code"].str[:3].isin(["971", "973", "976"]).any()


def test_comparateur_2022_loader(comparateur):
    assert comparateur["code"].is_unique
    assert len(comparateur) == 35010 - 45  # COG 2021 communes, arrondissements dropped
    avranches = _row(comparateur, "50025")
    assert avranches["P18_POP"] == 10246 and avranches["ETTOT18"] == 572
    assert avranches["P18_CHOM1564"] == pytest.approx(619.699246, abs=1e-6)


# ----------------------------------------------------------------- census 2021, Filosofi 2021


def test_census_and_filosofi_for_every_commune(communes):
    table, unplaced = communes
    assert table["code"].is_unique
    assert table["p21_chom1564"].notna().sum() > 34800
    assert table["med21"].notna().sum() > 31000
    toulon = _row(table, "83137")
    assert toulon["p21_chom1564"] == 11182 and toulon["med21"] == 20960
    assert toulon["tx_chom1564_21"] == pytest.approx(100 * 11182 / 77151)
    assert toulon["source_rp21"] == NATIONAL
    assert toulon["source_filosofi21"] == specs.SOURCE_LABELS_FILO21[1]
    avranches = _row(table, "50025")
    assert avranches["med21"] == 21980 and avranches["tp6021"] == pytest.approx(14.0)
    assert avranches["source_rp21"] == REGIONAL
    assert avranches["source_filosofi21"] == specs.SOURCE_LABELS_FILO21[0]
    # The regional file keeps its unrounded counts (Avranches: 477.29 unemployed).
    assert avranches["p21_chom1564"] == pytest.approx(477.292128, abs=1e-5)
    # La Réunion: census and Filosofi; Guadeloupe: census only (no Filosofi rows).
    assert _row(table, "97411")["med21"] == 18270
    basse_terre = _row(table, "97105")
    assert basse_terre["p21_pop"] > 0 and math.isnan(basse_terre["med21"])
    # Nothing placed nationally is lost: Neussargues (split in 2025) is shared (see below).
    assert unplaced[unplaced["source"] == specs.SRC_RP21_FRANCE_SHORT].empty


def test_every_commune_says_its_source(communes):
    table, _ = communes
    in_regional = table["code"].str[:2].isin(NORMANDIE_IDF)
    assert table.loc[in_regional, "source_rp21"].eq(REGIONAL).all()
    national = table.loc[~in_regional, "source_rp21"]
    assert national.str.startswith(NATIONAL).all()
    estimated = table.loc[national.index[national.ne(NATIONAL)], "code"]
    assert sorted(estimated) == sorted(SPLITS_2025 + SPLITS_2024)


def test_merged_commune_rates_from_parts(communes, filo_france):
    table, _ = communes
    # Montignac-Charente (16226, 342 fiscal households, MED21 22,220, poverty rate secret)
    # merged into 16393 (953 households, MED21 23,400, poverty rate 9 %) in 2025.
    merged = _row(table, "16393")
    assert merged["nbmenfisc21"] == 953 + 342
    assert merged["med21"] == pytest.approx((23400 * 953 + 22220 * 342) / 1295)
    assert math.isnan(merged["tp6021"])  # a secret part: missing, never 0
    assert not (table[["med21", "tp6021", "pimp21"]] == 0).any().any()


def test_population_sums_per_departement(communes, rp_france):
    """Summed per département, the base equals the national file outside Normandie/IDF, and
    the regional file's exact counts agree with the national file's rounded ones within
    rounding (half a person per commune) in the 13 départements of the regional file."""
    table, _ = communes
    table_dep = table.groupby(table["code"].str[:2])["p21_pop"].sum()
    raw = rp_france.assign(dep=rp_france["code"].str[:2])
    raw_dep = raw.groupby("dep")["P21_POP"].sum()
    raw_n = raw.groupby("dep").size()
    outside = [d for d in raw_dep.index if d not in NORMANDIE_IDF]
    assert len(outside) > 80
    pd.testing.assert_series_equal(
        table_dep[outside], raw_dep[outside], check_names=False, check_index_type=False
    )
    # The national derivative lacks Les Trois Lacs (27676, 1,742 inhabitants in the regional
    # file, a COG 2024 commune of the zonage file): the regional file fills it.
    assert "27676" not in set(rp_france["code"])
    trois_lacs = _row(table, "27676")
    assert trois_lacs["p21_pop"] == 1742 and trois_lacs["source_rp21"] == REGIONAL
    table_dep["27"] -= 1742
    for dep in NORMANDIE_IDF:
        assert abs(table_dep[dep] - raw_dep[dep]) <= 0.5 * raw_n[dep], dep
    # Cantal complete: Neussargues-en-Pinatelle (15141, split in 2025) is shared.
    assert table_dep["15"] == pytest.approx(raw_dep["15"])
    # France: the national file's total, plus Les Trois Lacs it lacks (67,408,052).
    assert table["p21_pop"].sum() == pytest.approx(raw["P21_POP"].sum() + 1742)
    assert raw["P21_POP"].sum() == 67406310
    normandie = table_dep[list(specs.NORMANDIE)].sum()
    assert normandie == pytest.approx(3.327e6, rel=1e-3)


# ----------------------------------------------------------------- census 2018, evolution


def test_census_2018_and_evolution(communes):
    """Raw values of base_cc_comparateur.CSV (2022 edition, COG 2021) after conversion."""
    table, _ = communes
    toulon = _row(table, "83137")
    assert toulon["p18_pop"] == 176198 and toulon["ettot18"] == 4550
    assert toulon["etgu18"] == 3167 and toulon["etoq18"] == 786
    chom18, act18 = 11814.7037330565, 75144.2587225144
    assert toulon["p18_chom1564"] == pytest.approx(chom18)
    assert toulon["tx_chom1564_18"] == pytest.approx(100 * chom18 / act18)
    assert toulon["evol_pop_1821"] == pytest.approx(100 * (180452 - 176198) / 176198)
    assert toulon["evol_chom1564_1821"] == pytest.approx(100 * (11182 - chom18) / chom18)
    assert toulon["evol_tx_chom1564_1821"] == pytest.approx(
        100 * 11182 / 77151 - 100 * chom18 / act18
    )
    avranches = _row(table, "50025")
    assert avranches["p18_pop"] == 10246 and avranches["ettot18"] == 572
    assert avranches["etaz18"] == 2 and avranches["etbe18"] == 33 and avranches["etfz18"] == 21
    chom18, act18 = 619.699245744493, 4438.36414912917
    assert avranches["p18_act1564"] == pytest.approx(act18)
    assert avranches["tx_chom1564_18"] == pytest.approx(13.9623, abs=1e-4)
    assert avranches["evol_pop_1821"] == pytest.approx(100 * (10240 - 10246) / 10246)
    assert avranches["evol_tx_chom1564_1821"] == pytest.approx(
        avranches["tx_chom1564_21"] - 100 * chom18 / act18
    )
    # Saint-Denis absorbed Pierrefitte-sur-Seine (93059) in 2025: 2018 counts summed.
    saint_denis = _row(table, "93066")
    assert saint_denis["p18_pop"] == 112091 + 30828
    assert saint_denis["ettot18"] == 3582 + 570
    assert table["p18_chom1564"].notna().sum() > 34800


def test_census_2018_splits_shared(communes, comparateur):
    """Essarts-en-Bocage (85084, COG 2021, 9,053 inhabitants in 2018) was split in 2024 (L'Oie,
    Sainte-Florence), 60054 too (Les Hauts-Talican), Neussargues-en-Pinatelle in 2025: their
    2018 counts are shared among the successors by population, none is lost."""
    table, unplaced = communes
    assert unplaced[unplaced["source"] == specs.SRC_CC22_SHORT].empty
    raw = comparateur.set_index("code")["P18_POP"]
    p18 = table.set_index("code")["p18_pop"]
    for old, new in {"85084": ["85084", "85165", "85212"], "60054": ["60054", "60694"],
                     "15141": SPLITS_2025}.items():  # fmt: skip
        assert p18[new].sum() == pytest.approx(raw[old])
        assert (p18[new] > 0).all()
    assert p18["85084"] == pytest.approx(9053 * 6851 / (6851 + 1250 + 1359))
    assert table["p18_pop"].sum() == pytest.approx(raw.sum())
    assert "prorata de leur population" in ind.indicator_metadata().set_index("key").loc[
        "p18_pop", "method"]  # fmt: skip


def test_split_communes_get_census_2021(communes, rp_france):
    """Neussargues-en-Pinatelle (15141, 1,653 inhabitants in 2021) split on 1 January 2025:
    each successor gets its population share (Etalab 2026). Les Hauts-Talican (60694), L'Oie
    (85165) and Sainte-Florence (85212), created in 2024, have their population but zero
    households, 15-64, active and unemployed in the national file (their parent keeps the old
    commune's): the parent's counts are shared by 2021 population. All flagged as estimates."""
    table, _ = communes
    t = table.set_index("code")
    raw = rp_france.set_index("code")
    assert t.loc[SPLITS_2025, "p21_pop"].sum() == pytest.approx(1653)
    assert (t.loc[SPLITS_2025, "p21_pop"] > 50).all()
    assert t.loc["15031", "p21_pop"] == pytest.approx(1653 * 217 / 1555)
    assert t.loc[SPLITS_2025, "p21_chom1564"].sum() == pytest.approx(42)  # 15141 in 2021
    assert raw.loc["85165", "P21_CHOM1564"] == 0 and raw.loc["85084", "P21_CHOM1564"] == 293
    essarts = ["85084", "85165", "85212"]
    assert t.loc[essarts, "p21_chom1564"].sum() == pytest.approx(293)
    assert t.loc["85165", "p21_chom1564"] == pytest.approx(293 * 1259 / (6807 + 1259 + 1333))
    assert t.loc["60694", "p21_act1564"] == pytest.approx(444 * 543 / (335 + 543))
    assert t.loc["85165", "tx_chom1564_21"] == pytest.approx(t.loc["85084", "tx_chom1564_21"])
    assert t.loc["60694", "med21"] == 25320  # Filosofi of the old commune, copied
    for code in [*SPLITS_2025, *SPLITS_2024]:
        assert specs.SHARED_SPLIT_NOTE in t.loc[code, "source_rp21"], code
        assert specs.SHARED_SPLIT_NOTE in t.loc[code, "source_filosofi21"], code


def test_evolution_metadata_names_both_vintages():
    meta = ind.indicator_metadata().set_index("key")
    for key in ("evol_pop_1821", "evol_chom1564_1821", "evol_tx_chom1564_1821"):
        row = meta.loc[key]
        assert "évolution 2018-2021" in row["vintage"]
        assert "RP 2018" in row["vintage"] and "RP 2021" in row["vintage"]
    assert meta.loc["evol_tx_chom1564_1821", "unit"] == "points de %"
    assert meta.loc["ettot18", "vintage"].startswith("Sirene 2018")
    assert "COG 2021" in meta.loc["p18_pop", "method"]
