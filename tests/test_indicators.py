"""Real-data tests of the indicator loaders and tables (values checked in the source files)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from coodiag.base import indicator_specs as specs
from coodiag.base import indicators as ind
from coodiag.mirror.loaders import indicators as load

NORMANDIE = ("14", "27", "50", "61", "76")


@pytest.fixture(scope="module")
def rp2021() -> pd.DataFrame:
    return load.load_rp2021_communes()


@pytest.fixture(scope="module")
def iris2022() -> pd.DataFrame:
    return load.load_rp2022_iris()


@pytest.fixture(scope="module")
def de_communes() -> pd.DataFrame:
    return load.load_de_communes()


@pytest.fixture(scope="module")
def de_mensuel() -> pd.DataFrame:
    return load.load_de_mensuel()


@pytest.fixture(scope="module")
def communes(rp2021, iris2022, de_communes):
    from coodiag.mirror.loaders import france
    from coodiag.mirror.loaders.territory import load_zonages_2024

    return ind.commune_indicators(
        rp2021, iris2022, de_communes, load_zonages_2024(),
        rp2021_france=france.load_rp2021_france(),
        filosofi_france=france.load_filosofi2021_france(),
        comparateur=france.load_comparateur_2022(),
        departements=load.load_dep_indicateurs(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def ze() -> pd.DataFrame:
    return ind.ze_indicators(load.load_ze_indicateurs())


@pytest.fixture(scope="module")
def dep() -> pd.DataFrame:
    return ind.departement_indicators(load.load_dep_indicateurs())


@pytest.fixture(scope="module")
def monthly(de_mensuel):
    return ind.job_seekers_monthly(de_mensuel)


@pytest.fixture(scope="module")
def siae() -> pd.DataFrame:
    return ind.siae_beneficiaries_monthly(load.load_barometre_siae())


def _row(table: pd.DataFrame, code: str) -> pd.Series:
    rows = table[table["code"] == code]
    assert len(rows) == 1, code
    return rows.iloc[0]


# ----------------------------------------------------------------- loaders


def test_rp2021_loader_codes_and_secret_zeros(rp2021):
    assert len(rp2021) == 3919
    assert rp2021["code"].str.len().eq(5).all()
    caen = _row(rp2021, "14118")
    assert caen["P21_POP"] == 108200 and caen["MED21"] == 21600 and caen["TP6021"] == 0.21
    # Ablon (14001): poverty rate and share of taxed households are 0 in the file (secret).
    ablon = _row(rp2021, "14001")
    assert math.isnan(ablon["TP6021"]) and math.isnan(ablon["PIMP21"])
    assert ablon["MED21"] == 24480
    normandie = rp2021[rp2021["reg"] == "28"]
    assert len(normandie) == 2651
    assert normandie["TP6021"].isna().sum() == 2417  # MANIFEST: 2,417 secret poverty rates
    assert normandie["MED21"].isna().sum() == 137
    assert not (rp2021[["MED21", "TP6021", "PIMP21", "NBMENFISC21"]] == 0).any().any()


def test_de_communes_loader_totals(de_communes):
    assert len(de_communes) == 34977
    normandie = de_communes[de_communes["code"].str[:2].isin(NORMANDIE)]
    assert normandie["de"].sum() == 246645
    assert _row(de_communes, "14118")["de"] == 11470
    # Paris is listed both as a commune and by arrondissement: same total.
    arm = de_communes[de_communes["is_arrondissement"]]
    assert len(arm) == 45
    plm = de_communes[de_communes["code"].isin(["75056", "69123", "13055"])]
    assert arm["de"].sum() == plm["de"].sum() == 328480


def test_de_mensuel_levels_and_dates(de_mensuel):
    levels = de_mensuel.groupby("level")["code"].nunique().to_dict()
    assert levels == {"commune": 2288, "departement": 99, "region": 16}
    assert de_mensuel["date"].min() == pd.Timestamp("2020-01-01")
    assert de_mensuel["date"].max() == pd.Timestamp("2024-12-01")
    # "11" is the Aude here (a département); the région Île-de-France is "reg11".
    aude = de_mensuel[(de_mensuel["level"] == "departement") & (de_mensuel["code"] == "11")]
    idf = de_mensuel[(de_mensuel["level"] == "region") & (de_mensuel["code"] == "11")]
    dec = pd.Timestamp("2024-12-01")
    assert aude.loc[aude["date"] == dec, "value"].item() == 41680
    assert idf.loc[idf["date"] == dec, "value"].item() > 500000


# ----------------------------------------------------------------- commune table


def test_commune_table_rows(communes):
    table, unplaced = communes
    assert table["code"].is_unique
    assert table["code"].str.len().eq(5).all()
    deps = table["code"].str[:2]
    assert deps.isin(NORMANDIE).sum() == 2644  # Normandie communes in COG 2025
    assert deps.isin(specs.ILE_DE_FRANCE).sum() == 1266
    assert "75056" in set(table["code"])
    # Nothing of the territory is lost in the COG conversion.
    assert not unplaced["code"].str[:2].isin(specs.COMMUNE_DEPARTEMENTS).any()


def test_commune_values_match_sources(communes):
    table, _ = communes
    caen = _row(table, "14118")
    assert caen["p21_pop"] == 108200
    assert caen["med21"] == 21600
    assert caen["tp6021"] == pytest.approx(21.0)
    assert caen["ettot21"] == 4444
    assert caen["tx_chom1564_21"] == pytest.approx(7653.403413 / 48390.866955 * 100, rel=1e-6)
    assert caen["de_2024"] == 11470
    avranches = _row(table, "50025")
    assert avranches["p21_pop"] == 10240 and avranches["med21"] == 21980
    assert avranches["tp6021"] == pytest.approx(14.0)
    assert avranches["de_2024"] == 785
    paris = _row(table, "75056")
    assert paris["p21_pop"] == 2133111 and paris["med21"] == 29730
    assert paris["de_2024"] == 190670
    assert math.isnan(paris["p22_pop"])  # IRIS 2022 only for Normandie
    boulogne = _row(table, "92012")
    assert boulogne["med21"] == 35040 and boulogne["tp6021"] == pytest.approx(9.0)
    # Saint-Denis (93066) absorbed Pierrefitte-sur-Seine (93059) in 2025: counts summed,
    # Filosofi rates re-weighted by fiscal households (41,208 and 10,276).
    saint_denis = _row(table, "93066")
    assert saint_denis["p21_pop"] == 113942 + 32379
    assert saint_denis["tp6021"] == pytest.approx((36 * 41208 + 38 * 10276) / 51484)
    assert saint_denis["med21"] == pytest.approx((16620 * 41208 + 16080 * 10276) / 51484)


def test_commune_secret_cells_are_missing(communes):
    table, _ = communes
    ablon = _row(table, "14001")  # TP6021 = 0 in the source: secret
    assert math.isnan(ablon["tp6021"]) and math.isnan(ablon["pimp21"])
    assert ablon["med21"] == 24480
    assert not (table[["med21", "tp6021", "pimp21"]] == 0).any().any()


def test_commune_job_seekers_normandie_total(communes):
    table, _ = communes
    normandie = table[table["code"].str[:2].isin(NORMANDIE)]
    assert normandie["de_2024"].sum() == 246645


def test_iris_aggregation_by_hand(communes, iris2022):
    table, _ = communes
    avranches = _row(table, "50025")
    # Avranches has 4 IRIS (P22_POP 2685, 2493, 3219, 1827; 65-79 share 18.10, 22.66, 14.29,
    # 17.84 %): population-weighted mean.
    expected = (2685 * 18.10 + 2493 * 22.66 + 3219 * 14.29 + 1827 * 17.84) / 10224
    assert avranches["p22_pop"] == 10224
    assert avranches["part_6579_22"] == pytest.approx(expected, rel=1e-9)
    assert avranches["part_6579_22"] == pytest.approx(17.9659, abs=1e-4)
    # Share of the 80+ living alone, weighted by the 80+ population of each IRIS.
    pop80 = [2685 * 9.91, 2493 * 8.58, 3219 * 12.83, 1827 * 9.80]
    alone = [47.37, 42.52, 44.79, 29.05]
    expected80 = sum(w * v for w, v in zip(pop80, alone, strict=True)) / sum(pop80)
    assert avranches["part_seul_80p_22"] == pytest.approx(expected80, rel=1e-9)
    # Caen: 51 IRIS.
    caen_iris = iris2022[iris2022["COM"] == "14118"]
    assert len(caen_iris) == 51
    caen = _row(table, "14118")
    assert caen["p22_pop"] == caen_iris["P22_POP"].sum() == 108396
    # A commune without IRIS (Ablon): the commune value itself.
    ablon = _row(table, "14001")
    assert ablon["part_6579_22"] == pytest.approx(18.86)


def test_iris_unemployment_weighted_by_active_population(communes):
    """The 2022 rates of IRIS are weighted by their own denominator, the active population
    rebuilt per age band (population × employment rate ÷ (1 − unemployment rate); for the
    15-64 rate, published as unemployed ÷ actives of the exploitation complémentaire: the
    unemployed of the bands ÷ the rate), not by the 15-64 population. Official commune values
    (issue 10): Caen 15.16 %, Mont-Saint-Aignan 13.41 %, Évreux 19.95 %; measured 15.16,
    13.48, 19.94. Weighting by the 15-64 population gave 15.99, 16.61 and 20.91; recombining
    the band rates 15.16, 13.29 and 19.81."""
    table, _ = communes
    rate = table.set_index("code")["tx_chom1564_22"]
    assert rate["14118"] == pytest.approx(15.16, abs=0.01)
    assert rate["76451"] == pytest.approx(13.41, abs=0.1)
    assert rate["27229"] == pytest.approx(19.95, abs=0.1)
    meta = ind.indicator_metadata().set_index("key")
    assert "population active de 15 à 64 ans (reconstituée" in meta.loc["tx_chom1564_22", "method"]
    assert "population active de 15 à 24 ans" in meta.loc["tx_chom1524_22", "method"]


def test_labels_say_what_the_figures_are():
    meta = ind.indicator_metadata()
    com = meta[meta["table"] == specs.TABLES["commune"]].set_index("key")
    ze = meta[meta["table"] == specs.TABLES["ze"]].set_index("key")
    assert "actifs occupés" in ze.loc["eco_sal_pct_22", "label"]
    assert "lieu de travail" in com.loc["part_emplt_sal_21", "label"]
    assert com.loc["p15_pop", "vintage"] == "RP 2015"
    assert "(p21_pop − p15_pop) / p15_pop" in com.loc["evol_pop_1521", "method"]
    assert "part approximative" in com.loc["part_csp_cadres_22", "method"]
    from coodiag.mirror import sources

    assert "COG 2024" in sources.get("de_communes").vintage


# ----------------------------------------------------------------- zones d'emploi, départements


def test_ze_table(ze):
    assert len(ze) == 287
    assert ze["code"].str.fullmatch(r"\d{4}").all()
    alencon = _row(ze, "0051")
    assert alencon["libelle"] == "Alençon"
    assert alencon["p22_pop"] == 124291
    assert alencon["soc_txchom_1564_22"] == pytest.approx(10.84)


def test_ze_france_row_flagged():
    raw = load.load_ze_indicateurs()
    france = raw[raw["is_france"]]
    assert list(france["code"]) == ["00FR"]
    assert france["P22_POP"].isna().all()  # not a national total in the source
    with_fr = ind.ze_indicators(raw, include_france=True)
    assert _row(with_fr, "00FR")["soc_txchom_1564_22"] == pytest.approx(11.31)
    # The base keeps it apart (indicateurs_france), out of the 287 zones.
    alone = ind.france_indicators(raw)
    assert list(alone["code"]) == ["00FR"]
    assert alone.columns.equals(with_fr.columns)


def test_france_row_in_the_base(base):
    from coodiag.base import store

    france = store.read_table("indicateurs_france")
    assert list(france["code"]) == ["00FR"]
    assert "00FR" not in set(store.read_table("indicateurs_zones_emploi")["code"])


def test_departement_table(dep):
    assert len(dep) == 96
    assert {"01", "2A", "2B", "95"} <= set(dep["code"])
    calvados = _row(dep, "14")
    assert calvados["p22_pop"] == 704605
    assert calvados["rev_txpauv_21"] == pytest.approx(12.5)


# ----------------------------------------------------------------- monthly series


def test_job_seekers_monthly(monthly):
    table, unplaced = monthly
    assert table.duplicated(["level", "code", "date"]).sum() == 0
    assert len(unplaced) == 0

    def value(level, code, date):
        sel = (table["level"] == level) & (table["code"] == code)
        return table.loc[sel & (table["date"] == pd.Timestamp(date)), "value"].item()

    assert value("commune", "14118", "2024-12-01") == 13590  # Caen
    assert value("commune", "50025", "2020-01-01") == 1020  # Avranches
    assert value("departement", "14", "2024-12-01") == 61830
    assert value("region", "28", "2024-12-01") == 286150
    # Duplicate line dropped (01313 twice 540), copy of Vandœuvre's series dropped for Nancy,
    # Saint-Denis + Pierrefitte-sur-Seine summed (merged 2025): 13,990 + 3,580.
    assert value("commune", "01313", "2020-01-01") == 540
    assert value("commune", "54395", "2020-01-01") == 10720
    assert value("commune", "93066", "2020-01-01") == 17570
    # Orée d'Anjou changed its code from 49069 (COG 2024) to 49126 (COG 2025).
    assert "49069" not in set(table["code"])
    assert value("commune", "49126", "2020-01-01") == 1300


def test_siae_beneficiaries_monthly(siae):
    assert siae["departement"].nunique() == 101
    assert siae["date"].nunique() == 69
    sel = (siae["departement"] == "14") & (siae["date"] == pd.Timestamp("2022-09-01"))
    assert siae.loc[sel, "value"].item() == 1814
    sel = (siae["departement"] == "76") & (siae["date"] == pd.Timestamp("2022-09-01"))
    assert siae.loc[sel, "value"].item() == 3608


# ----------------------------------------------------------------- metadata


def test_metadata_matches_every_indicator_column(communes, ze, dep, monthly, siae):
    meta = ind.indicator_metadata()
    assert not meta.duplicated(["table", "key"]).any()
    produced = {
        specs.TABLES["commune"]: set(communes[0].columns) - {"code"},
        specs.TABLES["ze"]: set(ze.columns) - {"code", "libelle"},
        specs.TABLES["departement"]: set(dep.columns) - {"code", "libelle"},
        specs.TABLES["de_mensuel"]: set(monthly[0]["indicator"]),
        specs.TABLES["siae_mensuel"]: set(siae["indicator"]),
    }
    described = {t: set(g["key"]) for t, g in meta.groupby("table")}
    assert described == produced


def test_metadata_fields_filled():
    meta = ind.indicator_metadata()
    for col in ("label", "unit", "source", "vintage", "level", "method"):
        assert meta[col].fillna("").str.strip().ne("").all(), col
    rates = meta[meta["unit"] == "%"]
    assert rates["denominator"].str.strip().ne("").all()
    chom = meta[(meta["table"] == specs.TABLES["commune"]) & (meta["key"] == "tx_chom1564_21")]
    assert chom["denominator"].item() == "population active de 15 à 64 ans"
    iris_rate = meta[(meta["table"] == specs.TABLES["commune"]) & (meta["key"] == "part_6579_22")]
    assert "moyenne pondérée par la population des IRIS" in iris_rate["method"].item()


def test_indicator_reads_like_its_metadata_row():
    meta = ind.indicator_metadata()
    row = meta[meta["key"] == "tx_chom1564_21"].iloc[0]
    chom = ind.Indicator.from_row(row)
    assert chom.as_dict() == {k: str(v) for k, v in row.items()}
    assert list(chom) == list(meta.columns)  # the column order of indicateurs_meta
    assert chom["label"] == chom.label == "Taux de chômage des 15-64 ans (recensement)"
    assert chom.get("denominator") == "population active de 15 à 64 ans"
    assert chom.get("nothing", "x") == "x" and "nothing" not in chom
    with pytest.raises(KeyError):
        chom["nothing"]
    assert {**chom} == dict(chom) == chom.as_dict()
    # Missing fields and values of another shape (an analysis' dict) become empty strings.
    bare = ind.Indicator.from_row({"key": "k", "label": "L", "unit": None, "other": 1})
    assert bare == ind.Indicator(key="k", label="L")
    assert bare.unit == "" and bare.table == ""
    assert hash(bare) == hash(ind.Indicator(key="k", label="L"))
    assert [r.as_dict() for r in ind.all_indicators()] == meta.to_dict("records")


def test_population_2022_all_metropolitan_communes(communes):
    table, unplaced = communes
    pop = table.set_index("code")["pop22"]
    # 34,737 communes of the zonage file + 4 renumbered in 2025 (12218, 14581, 49126, 69114)
    # that it lacked entirely (see test_population.py) + the 5 successors of
    # Neussargues-en-Pinatelle (15141, split in 2025) sharing its population.
    assert pop.notna().sum() == 34746
    assert pop["50025"] == 10224  # Avranches, sum of its IRIS
    assert pop["75056"] == 2113697  # Paris, its 20 arrondissements summed
    assert pop.sum() == pytest.approx(65.845e6, rel=1e-4)
    assert pd.isna(pop.get("97411"))  # no DROM in the source
    # Neussargues-en-Pinatelle, split in 2025: shared by population (estimates), not lost.
    assert unplaced[unplaced["source"] == "population 2022 par commune (COG 2024)"].empty
    assert pop[["15031", "15035", "15047", "15141", "15171"]].sum() == pytest.approx(1577)


# ----------------------------------------------------------------- one shape, base to legend
#
# The same Indicator travels from the analyses (``df.attrs["indicateurs"]``) and the base
# (``indicateurs_meta``) to the legend, the source line under the map and the XLSX notes.

AVRANCHES_ROSTER = {"50025": 80, "50041": 12, "50322": 7, "50107": 3}


def _texts(fig) -> str:
    """Every text of a matplotlib figure, without whitespace (the source line is wrapped)."""
    from matplotlib.text import Text

    return "".join("".join(t.get_text().split()) for t in fig.findobj(Text))


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def impact_result(manche) -> pd.DataFrame:
    from coodiag.analyses.impact import impact_communes
    from coodiag.base import store

    salaries = pd.Series(AVRANCHES_ROSTER, name="salaries")
    names = manche["communes"].set_index("code")["nom"]
    return impact_communes(salaries, store.read_table("indicateurs_communes"), names=names)


def _filled(indicator: ind.Indicator) -> bool:
    return all(getattr(indicator, f) for f in ("key", "label", "unit", "source", "vintage"))


def test_analysis_results_carry_indicators(impact_result, metro_data):
    from coodiag.analyses.access import accessibility
    from coodiag.analyses.coverage import coverage

    (impact,) = impact_result.attrs["indicateurs"]
    assert isinstance(impact, ind.Indicator) and _filled(impact)
    assert impact.key == "impact_pct" and impact.unit == "%"
    assert impact.denominator == impact_result.attrs["denominateur"]

    communes = metro_data["communes"]
    manche = communes[communes["dep"] == "50"]
    acc = accessibility(manche, metro_data["registry"], metro_data["demand"])
    cov = coverage(acc)
    for frame in (metro_data["demand"], acc, cov):
        assert all(isinstance(m, ind.Indicator) for m in frame.attrs["indicateurs"])
    # The need travels from the demand into the accessibility, unchanged.
    assert acc.attrs["indicateurs"][0] == metro_data["demand"].attrs["indicateurs"][0]
    by_key = {m.key: m for m in cov.attrs["indicateurs"]}
    assert _filled(by_key["besoin"]) and _filled(by_key["offre"])
    assert by_key["besoin"].denominator == "1 000 habitants (population municipale 2022)"
    assert by_key["classe"].method == cov.attrs["explication"]


def test_map_prints_the_indicator_of_the_analysis(impact_result, manche):
    from coodiag.outputs import maps, weblayers, webmap

    (impact,) = impact_result.attrs["indicateurs"]
    layer = manche["communes"][["code", "nom", "geometry"]].merge(
        impact_result[["code", "impact_pct"]], on="code", how="left"
    )
    texts = _texts(maps.choropleth(layer, "impact_pct", meta=impact, context=manche["context"]))
    assert _flat(f"{impact.label} — {impact.vintage}") in texts  # the title
    assert _flat(f"{impact.label}, en %") in texts  # the legend title
    numerator = impact.numerator[:1].upper() + impact.numerator[1:]
    source_line = (
        f"Source : {impact.source} ({impact.vintage}) — {numerator} / {impact.denominator} "
        "(en %)"
    )
    assert _flat(source_line) in texts
    web = weblayers.choropleth_layer(webmap.offline_map(), layer.to_crs(4326), "impact_pct",
                                     meta=impact)
    assert web.layer_name == f"{impact.label} (%)"
    assert web.classification.legend_title == f"{impact.label}, en %"


def test_xlsx_notes_of_an_analysis_result(impact_result, tmp_path):
    import openpyxl

    from coodiag.outputs.document import ExportTable
    from coodiag.outputs.exports import SOURCES_HEADERS, write_xlsx

    (impact,) = impact_result.attrs["indicateurs"]
    table = ExportTable("Impact", impact_result, columns={"impact_pct": "Impact (%)"})
    assert table.indicators == [impact]  # no ``meta``: the frame's own indicators
    path = write_xlsx([table], tmp_path / "impact.xlsx", title="Impact")
    rows = list(openpyxl.load_workbook(path)["Sources"].iter_rows(values_only=True))
    assert rows[0] == SOURCES_HEADERS
    by_column = {r[1]: r for r in rows[1:]}
    assert by_column["Impact (%)"] == (
        "Impact", "Impact (%)", impact.label, impact.unit, impact.numerator,
        impact.denominator, impact.source, impact.vintage, impact.method,
    )


def test_base_indicators_reach_outputs_and_explorer():
    from coodiag.analyses.typology import variable_meta
    from coodiag.explorer.data import OFFER_INDICATORS, indicator_catalogue
    from coodiag.outputs.exports import indicator_meta

    meta = ind.indicator_metadata()
    chom = next(
        i for i in ind.all_indicators()
        if i.table == "indicateurs_communes" and i.key == "tx_chom1564_21"
    )
    assert indicator_meta(meta, ["tx_chom1564_21"], table="indicateurs_communes") == [chom]
    catalogue = indicator_catalogue(meta)
    assert list(catalogue.values())[: len(OFFER_INDICATORS)] == list(OFFER_INDICATORS)
    assert catalogue["indicateurs_communes:tx_chom1564_21"] == chom
    assert all(isinstance(i, ind.Indicator) for i in catalogue.values())
    # A typology describes its variables from the base, and its derived ones from Indicators.
    derived = ind.Indicator(key="x", label="Variable dérivée", unit="%", source="calcul")
    table = variable_meta(["tx_chom1564_21", "x"], meta, table="indicateurs_communes",
                          extra={"x": derived}, short={"x": "dérivée"})
    assert table.loc["tx_chom1564_21", "label"] == chom.label
    assert table.loc["x"].to_dict() == {
        "label": "Variable dérivée", "unit": "%", "source": "calcul", "vintage": "",
        "method": "", "court": "dérivée",
    }


def test_indicators_in_copies_caches_and_files(impact_result, tmp_path):
    import json
    import pickle

    indicators = impact_result.attrs["indicateurs"]
    assert impact_result.copy().attrs["indicateurs"] == indicators
    # st.cache_data pickles what the explorer's map returns, its indicator with it.
    assert pickle.loads(pickle.dumps(indicators)) == indicators
    # JSON takes them as they are (an Indicator is a read-only dict of its fields)...
    text = json.dumps(indicators, ensure_ascii=False)
    assert [ind.Indicator.from_row(d) for d in json.loads(text)] == indicators
    # ... so a user can save a result to Parquet, which writes ``attrs`` as JSON.
    path = tmp_path / "impact.parquet"
    impact_result.to_parquet(path)
    back = pd.read_parquet(path).attrs["indicateurs"]
    assert [ind.Indicator.from_row(d) for d in back] == indicators
    with pytest.raises(TypeError, match="lecture seule"):
        indicators[0]["label"] = "autre"
