"""Key figures of a territory against its département, région and France, on the real base."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coodiag.base.indicator_specs import JOB_SEEKERS_CATEGORY, JOB_SEEKERS_DATE
from coodiag.reports.context import Context
from coodiag.reports.key_figures import TERRITORY, key_figures

PACKAGE = Path(__file__).resolve().parents[1] / "coodiag"
FRANCE = "France métropolitaine"


@pytest.fixture(scope="module")
def ctx(base) -> Context:
    return Context()


def _figures(ctx: Context, inside: pd.Series, dep: str, reg: str) -> pd.DataFrame:
    return key_figures(ctx.communes, inside, ctx.indicators, ctx.registry, dep, reg).set_index(
        "indicateur"
    )


@pytest.fixture(scope="module")
def avranches(ctx) -> pd.DataFrame:
    """Key figures of the zone d'emploi of Avranches (2802), in the Manche and Normandie."""
    return _figures(ctx, ctx.communes["ze2020"] == "2802", "50", "28")


def test_job_seekers_say_their_category_and_date(avranches) -> None:
    label = f"Demandeurs d'emploi inscrits ({JOB_SEEKERS_CATEGORY})"
    de = avranches.loc[label]
    assert de["millesime"] == JOB_SEEKERS_DATE
    assert "probablement A, B, C" in label and JOB_SEEKERS_DATE == "date non indiquée par la source"
    assert de["Département : Manche"] == 29475
    assert de["Région : Normandie"] == 246645  # MANIFEST: Normandie 246,645 job seekers
    per_1000 = avranches.loc["Capacité pour 1 000 demandeurs d'emploi"]
    assert JOB_SEEKERS_CATEGORY in per_1000["source"]
    assert JOB_SEEKERS_DATE in per_1000["millesime"]
    text = " ".join(str(v) for v in avranches.reset_index().to_numpy().ravel())
    assert "vers 2024" not in text


def test_no_guessed_job_seeker_date_in_the_package() -> None:
    """The job seekers' file has no date: no module may write one (« vers 2024 »)."""
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*")
        if p.suffix in {".py", ".html", ".j2", ".css"} and "vers 2024" in p.read_text("utf-8")
    ]
    assert offenders == []


def test_footnote_counts_the_territory_own_communes(ctx, avranches) -> None:
    """Two Vendée communes lack job seekers (split on 1 January 2025, the COG 2023 source
    cannot share them out); the zone of Avranches lacks none: only the Vendée says so."""
    ind = ctx.indicators.set_index("code")
    vendee_codes = ctx.communes.loc[ctx.communes["dep"] == "85", "code"]
    lacking = ind["de_2024"].reindex(vendee_codes).isna()
    assert sorted(vendee_codes[lacking.to_numpy()]) == ["85084", "85212"]
    vendee = _figures(ctx, ctx.communes["dep"] == "85", "85", "52")
    de = vendee.loc[f"Demandeurs d'emploi inscrits ({JOB_SEEKERS_CATEGORY})"]
    assert de[TERRITORY] > 0
    assert de["source"].endswith("(2 commune(s) du territoire sans donnée, non comptée(s))")
    # No global « au plus 9 communes » note copied from France onto every territory.
    sources = " ".join(avranches["source"])
    assert "sans donnée" not in sources and "au plus" not in sources


def test_france_column_is_filled_by_the_national_census(avranches) -> None:
    """Passes once the national census 2021 columns exist (helper h10a, issue 10 item 1):
    with ~34,900 communes covered, France métropolitaine gets the unemployed and the rate."""
    chom = avranches.loc["Chômeurs de 15-64 ans (recensement)"]
    rate = avranches.loc["Taux de chômage des 15-64 ans (recensement)"]
    assert chom[FRANCE] > 2_000_000
    assert 8 < rate[FRANCE] < 16
    assert rate["Région : Normandie"] == pytest.approx(12.5, abs=2.5)


def test_census_evolution_2018_2021(ctx) -> None:
    """Évolution 2018-2021 of the zone of Avranches, from the census columns of the base.

    Passes once the census 2018 columns exist (helper h10a, issue 10 item 3: p18_*, evol_*)."""
    from coodiag.reports.evolution import census_evolution, comparison_levels

    communes = ctx.communes
    inside = communes["ze2020"] == "2802"
    levels = comparison_levels(communes, inside, ze="2802", dep="50")
    assert list(levels) == ["Département : Manche", FRANCE]  # the zone is the territory
    evo = census_evolution(communes, inside, ctx.indicators, levels, meta=ctx.meta)
    assert evo.available and evo.note == ""
    lv = evo.niveaux.set_index("niveau")
    assert list(lv.index) == [TERRITORY, "Département : Manche", FRANCE]
    manche = lv.loc["Département : Manche"]
    assert manche["p18_pop"] == pytest.approx(495_983, abs=2)
    assert manche["p21_pop"] == pytest.approx(495_508, abs=2)
    assert manche["tx_chom1564_18"] == pytest.approx(10.40, abs=0.01)
    assert manche["tx_chom1564_21"] == pytest.approx(8.99, abs=0.01)
    assert manche["evol_tx_chom1564_1821"] == pytest.approx(-1.41, abs=0.01)
    assert manche["communes"] == 445
    assert lv.loc[FRANCE, "p21_pop"] > 65_000_000
    assert lv.loc[FRANCE, "evol_tx_chom1564_1821"] == pytest.approx(-1.30, abs=0.05)
    avr = evo.communes.set_index("code").loc["50025"]
    assert (avr["p18_pop"], avr["p21_pop"]) == (10246, 10240)
    assert avr["tx_chom1564_18"] == pytest.approx(13.96, abs=0.01)
    assert avr["tx_chom1564_21"] == pytest.approx(10.66, abs=0.01)
    assert avr["evol_tx_chom1564_1821"] == pytest.approx(-3.30, abs=0.01)
    vintages = {m.key: m.vintage for m in evo.meta}
    assert vintages["p18_pop"] == "RP 2018" and vintages["p21_chom1564"] == "RP 2021"


def test_census_evolution_without_the_2018_columns(ctx) -> None:
    """A base without the census 2018 columns: the section says the data is not available."""
    from coodiag.outputs.builders.common import evolution_section
    from coodiag.reports.evolution import NOT_AVAILABLE, census_evolution

    ind = ctx.indicators
    without = ind.drop(columns=[c for c in ind.columns if c.startswith("p18_")])
    inside = ctx.communes["ze2020"] == "2802"
    evo = census_evolution(ctx.communes, inside, without, {})
    assert not evo.available and evo.note == NOT_AVAILABLE
    section = evolution_section(evo)
    assert section.title == "Évolution 2018-2021"
    assert [item.text for item in section.items] == [NOT_AVAILABLE]


MEDIAN = "Revenu disponible médian par unité de consommation"
POVERTY = "Taux de pauvreté au seuil de 60 %"


def test_filosofi_rows_take_official_values(ctx) -> None:
    """Median and poverty rate are not summed: the commune's, zone's, département's and
    France's own values (Filosofi 2021), never a mean of commune medians; no regional value."""
    from coodiag.reports.key_figures import official_tables

    official = official_tables(ctx)
    deps = official["dep"].set_index("code")
    france = official["france"].set_index("code").loc["00FR"]
    zones = official["ze2020"].set_index("code")
    c = ctx.communes

    def figures(inside, dep, reg):
        return key_figures(c, inside, ctx.indicators, ctx.registry, dep, reg,
                           official=official).set_index("indicateur")

    var = figures(c["dep"] == "83", "83", "93")
    assert var.loc[MEDIAN, TERRITORY] == deps.loc["83", "rev_med_21"] == 23120
    assert var.loc[POVERTY, TERRITORY] == deps.loc["83", "rev_txpauv_21"] == 15.6
    assert var.loc[MEDIAN, FRANCE] == france["rev_med_21"] == 23080
    assert var.loc[POVERTY, FRANCE] == france["rev_txpauv_21"] == 14.9
    assert np.isnan(var.loc[MEDIAN, "Région : Provence-Alpes-Côte d'Azur"])
    toulon = figures(c["code"] == "83137", "83", "93")
    assert toulon.loc[MEDIAN, TERRITORY] == 20960  # the Toulon value
    assert toulon.loc["Chômeurs de 15-64 ans (recensement)", TERRITORY] == 11182
    drag = figures(c["ze2020"] == "9308", "83", "93")
    assert drag.loc[MEDIAN, TERRITORY] == zones.loc["9308", "rev_med_21"] == 22020
    assert drag.loc[MEDIAN, "Département : Var"] == 23120
    # An intercommunality is neither a commune, a zone nor a département: no median.
    epci = figures((c["epci"] == "248300493").fillna(False).astype(bool), "83", "93")
    assert np.isnan(epci.loc[MEDIAN, TERRITORY])
    # Avranches keeps its Filosofi 2021 value (Normandie file): median 21,980, poverty 14 %.
    avr = figures(c["code"] == "50025", "50", "28")
    assert avr.loc[MEDIAN, TERRITORY] == 21980
    assert avr.loc[POVERTY, TERRITORY] == pytest.approx(14)


def test_evolution_note_counts_missing_census_not_zero_unemployed(ctx) -> None:
    """Zone of Draguignan: 83020 and 83147 have both censuses but 0 unemployed in 2018 (an
    undefined % evolution); they are not « sans l'un des deux recensements »."""
    from coodiag.reports.evolution import census_evolution, comparison_levels

    c = ctx.communes
    inside = c["ze2020"] == "9308"
    evo = census_evolution(c, inside, ctx.indicators,
                           comparison_levels(c, inside, ze="9308", dep="83"))
    per = evo.communes.set_index("code")
    assert per.loc[["83020", "83147"], "evol_chom1564_1821"].isna().all()
    assert (ctx.indicators.set_index("code").loc[["83020", "83147"], "p18_chom1564"] == 0).all()
    assert evo.note == ""
    lv = evo.niveaux.set_index("niveau")
    assert lv.loc[TERRITORY, "communes"] == 39
    assert lv.loc[TERRITORY, "p21_chom1564"] == 6875


@pytest.fixture(scope="module")
def france(base):
    import coodiag

    return coodiag.territory_atlas("france")


def test_territory_france_is_its_own_reference(ctx, france) -> None:
    """The atlas of France métropolitaine: its Filosofi rows are the national ones (no « n.d. »
    for want of the secret communes), no France column or évolution row repeating it, and its
    messages compare it with nothing rather than with itself."""
    from coodiag.outputs.builders.synthesis import territory_messages
    from coodiag.reports.key_figures import official_tables

    atlas = france
    figures = atlas.chiffres_cles.set_index("indicateur")
    assert list(figures.columns) == ["unite", "source", "millesime", TERRITORY]
    national = official_tables(ctx)["france"].set_index("code").loc["00FR"]
    assert figures.loc[POVERTY, TERRITORY] == national["rev_txpauv_21"] == 14.9
    assert figures.loc[MEDIAN, TERRITORY] == national["rev_med_21"] == 23080
    assert list(atlas.evolution.niveaux["niveau"]) == [TERRITORY]
    texts = [m["text"] for m in territory_messages(atlas)]
    assert any(t.startswith("Taux de chômage des 15-64 ans (recensement 2021) : 11,7 %.")
               for t in texts), texts
    assert not any(", ." in t or "contre" in t for t in texts), texts


def test_epci_without_siae_at_zero_unknown_ones_missing(france) -> None:
    """Capacity for 1,000 job seekers per EPCI of France: 0 exactly where no SIAE is set up
    (458 of 1,230); an EPCI with SIAE but no known capacity or job seekers is missing (n.d.
    on the map), never shown as « 0 »."""
    ep = france.epci.set_index("nom")
    col = "capacite_pour_1000_demandeurs"
    assert len(ep) == 1230
    assert ((ep[col] == 0) == (ep["n_siae"] == 0)).all()
    assert int((ep["n_siae"] == 0).sum()) == 458
    assert (ep.loc[ep["n_siae"] == 0, "capacite"] == 0).all()
    unknown = ep[ep[col].isna()]
    assert len(unknown) == 4 and (unknown["n_siae"] > 0).all()
    # an SIAE of 28 places, but no job seekers known for the EPCI: not « 0 »
    assert ep.loc["Communauté de communes Hautes Terres Communauté", "capacite"] == \
        pytest.approx(27.69, abs=0.01)


def test_offer_by_type_leaves_unpublished_capacity_missing(france) -> None:
    """« Structures et capacité par type »: the GEIQ (168 in France) have no capacity in the
    DARES figures nor in a user's file: n.d., not a capacity of 0."""
    by_type = france.par_type.set_index("type_siae")
    assert by_type.loc["GEIQ", "structures"] == 168
    assert np.isnan(by_type.loc["GEIQ", "capacite"])
    assert by_type.loc["ACI", "structures"] == 1796
    assert by_type.loc["ACI", "capacite"] == pytest.approx(1796 * 52_800 / 1_907, rel=0.01)
