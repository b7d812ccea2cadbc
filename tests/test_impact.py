"""Impact on unemployment: hand-computed cases and the Avranches example."""

from __future__ import annotations

import pandas as pd
import pytest

from coodiag.analyses import impact, offer
from coodiag.base import store
from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE
from coodiag.errors import CoodiagError


def _contracts() -> pd.DataFrame:
    # Four people: P1 moves from 50025 to 50041 (counted once, in the latest commune),
    # P2 in 50025 all year, P3 ended before the window, P4 without an end date.
    return pd.DataFrame(
        {
            "id_salarie": ["P1", "P1", "P2", "P3", "P4"],
            "code_commune": ["50025", "50041", "50025", "50025", "50041"],
            "date_debut": pd.to_datetime(
                ["2024-01-01", "2024-07-01", "2024-02-01", "2023-01-01", "2024-11-01"]
            ),
            "date_fin": pd.to_datetime(
                ["2024-06-30", "2024-12-31", "2024-12-31", "2023-06-30", None]
            ),
        }
    )


def test_salaries_over_a_period_and_in_stock() -> None:
    n = impact.salaries_by_commune(_contracts(), start="2024-01-01", end="2024-12-31")
    assert n.to_dict() == {"50025": 1, "50041": 2}  # P2 | P1 (latest commune) and P4
    stock = impact.salaries_by_commune(_contracts(), mode="stock", date="2024-03-15")
    assert stock.to_dict() == {"50025": 2}  # P1 (first contract) and P2
    with pytest.raises(ValueError, match="mode inconnu"):
        impact.salaries_by_commune(_contracts(), mode="annee")


def test_impact_formula_by_hand() -> None:
    n = pd.Series({"50025": 113, "50041": 3, "99999": 2}, name="salaries")
    indicators = pd.DataFrame(
        {"code": ["50025", "50041"], "p21_chom1564": [478.2, 0.0], "de_2024": [785.0, 12.0]}
    )
    out = impact.impact_communes(n, indicators).set_index("code")
    # 478.2 weighted unemployed are published as 478, and the impact computed on them:
    # 113 / 478 × 100 = 23.6402 (the order of Coodiag's published 23.63 % for Avranches).
    assert out.loc["50025", "chomeurs"] == 478
    assert out.loc["50025", "impact_pct"] == pytest.approx(23.6402, abs=1e-4)
    assert pd.isna(out.loc["50041", "impact_pct"])  # no unemployed: undefined, not infinite
    assert pd.isna(out.loc["99999", "chomeurs"])  # kept, with its salariés
    out = impact.impact_communes(n, indicators, denominator="demandeurs").set_index("code")
    assert out.loc["50041", "impact_pct"] == pytest.approx(25.0)
    assert "demandeurs d'emploi" in out.attrs["denominateur"]


def test_avranches_example_roster(base) -> None:
    from coodiag.userfiles import read_salaries

    result = read_salaries("examples/salaries_ai_avranches_FICTIF.csv")
    n = impact.salaries_by_commune(result.data, start="2024-01-01", end="2024-12-31")
    assert n.sum() == 280 and n["50025"] == 80
    indicators = store.read_table("indicateurs_communes")
    out = impact.impact_communes(n, indicators).set_index("code")
    chom = indicators.set_index("code").loc["50025", "p21_chom1564"]
    assert chom == pytest.approx(477.29, abs=0.01) and out.loc["50025", "chomeurs"] == 477
    assert out.loc["50025", "impact_pct"] == pytest.approx(100 * 80 / 477)  # 16.77 %
    # Le Val-Saint-Père: 11 salariés, 38.58 weighted unemployed published as 39: 28.21 %.
    assert out.loc["50616", ["salaries", "chomeurs"]].tolist() == [11, 39]
    assert out.loc["50616", "impact_pct"] == pytest.approx(100 * 11 / 39)
    meta = out.attrs["indicateurs"][0]
    assert meta["unit"] == "%"
    assert meta.vintage == "salariés du 01/01/2024 au 31/12/2024 ; RP 2021"


def test_avranches_period_and_stock(base) -> None:
    """The whole file (default) against the persons under contract on a date."""
    from coodiag.userfiles import read_salaries

    data = read_salaries("examples/salaries_ai_avranches_FICTIF.csv").data
    whole = impact.salaries_by_commune(data)
    assert impact.window_text(whole.attrs) == "du 03/07/2023 au 26/12/2024"
    assert whole.sum() == 280 and whole["50025"] == 80
    stock = impact.salaries_by_commune(data, mode="stock", date="30/06/2024")
    assert impact.window_text(stock.attrs) == "au 30/06/2024"
    assert impact.counted_text(stock.attrs) == "personnes sous contrat le 30/06/2024"
    assert stock.sum() < whole.sum() and stock["50025"] < whole["50025"]
    indicators = store.read_table("indicateurs_communes")
    out = impact.impact_communes(stock, indicators).set_index("code")
    assert out.loc["50025", "impact_pct"] == pytest.approx(100 * stock["50025"] / 477)
    assert out.attrs["indicateurs"][0].vintage == "salariés au 30/06/2024 ; RP 2021"
    with pytest.raises(CoodiagError, match="Date « 31/02/2024 » invalide : date JJ/MM/AAAA"):
        impact.salaries_by_commune(data, mode="stock", date="31/02/2024")


def test_far_residences_of_avranches(base) -> None:
    """Corsica, La Réunion and Paris are far from the Avranches AI; its zone d'emploi is not,
    even beyond 30 km, and a commune of a neighbouring zone within 30 km neither."""
    from coodiag.reports.context import Context

    ctx = Context()
    reg = ctx.registry.set_index("siret")
    point = reg.loc["37968077000029", "geometry"]
    out = impact.residence_distances(
        ["50025", "50540", "50272", "2A004", "97411", "75056"], ctx.communes, point, zone="2802"
    ).set_index("code")
    assert out["eloignee"].to_dict() == {
        "50025": False, "50540": False, "50272": True, "2A004": True, "97411": True,
        "75056": True,
    }
    assert out.loc["50025", "distance_km"] < 2
    assert 1000 < out.loc["2A004", "distance_km"] < 1200
    assert 250 < out.loc["75056", "distance_km"] < 300
    assert pd.isna(out.loc["97411", "distance_km"])
    assert out.loc["97411", "motif"].startswith("outre-mer")
    assert out.loc["75056", "motif"] == "à 272\u00a0km de la structure (plus de 30\u00a0km)"


def test_impact_of_zones() -> None:
    offer = pd.DataFrame(
        {"code": ["2802", "2803"], "n_siae": [5, 0], "capacite": [218.0, 0.0],
         "capacite_estimee_part": [1.0, None]}
    )
    out = impact.impact_zones(
        offer, pd.Series({"2802": 5410.0, "2803": 0.0}), denominator_label="demandeurs"
    ).set_index("code")
    assert out.loc["2802", "impact_pct"] == pytest.approx(100 * 218 / 5410)
    assert pd.isna(out.loc["2803", "impact_pct"])


def test_zone_method_names_its_denominator(base) -> None:
    """The zones of the Manche against their job seekers: the method line says « demandeurs
    d'emploi », the vintage is the source's (no date stated), never « vers 2024 »."""
    from coodiag.reports.context import Context

    ctx = Context()
    dens = ctx.denominators("ze2020")
    label = offer.DENOMINATORS["demandeurs"][1]
    assert label == JOB_SEEKERS
    zones = impact.impact_zones(ctx.offer_by("ze"), dens["demandeurs"], denominator_label=label)
    avranches = zones.set_index("code").loc["2802"]
    assert avranches["chomeurs"] == dens["demandeurs"]["2802"] > 4000
    meta = {m.key: m for m in zones.attrs["indicateurs"]}
    assert meta["impact_pct"].method == (
        "impact = capacité des SIAE de la zone / demandeurs d'emploi de la zone (arrondis à "
        "l'unité) × 100"
    )
    assert meta["impact_pct"].vintage == f"SIAE 2019-2021 ; {JOB_SEEKERS_DATE}"
    assert meta["chomeurs"].vintage == JOB_SEEKERS_DATE
    assert "probablement A, B, C" in meta["chomeurs"].label
    census = impact.impact_zones(
        ctx.offer_by("ze"), dens["chomeurs"], denominator_label=impact.CENSUS_UNEMPLOYED
    )
    assert census.attrs["indicateurs"][0].method.endswith(
        "/ chômeurs de la zone (arrondis à l'unité) × 100"
    )
    assert census.attrs["indicateurs"][0].vintage == "SIAE 2019-2021 ; RP 2021"


def test_far_residents_stay_out_of_the_default_territory(base) -> None:
    """The example roster plus residents in Ajaccio, Saint-Denis (La Réunion) and Paris: the
    real diagnosis lists them apart (counts masked) and keeps them out of the key figures,
    unless asked (then the territory's job seekers exceed the whole Manche)."""
    from coodiag.reports import diagnostic
    from coodiag.reports.context import Context
    from coodiag.userfiles import read_salaries

    ctx = Context()
    data = read_salaries("examples/salaries_ai_avranches_FICTIF.csv").data
    extra = data.iloc[:6].assign(
        id_salarie=[f"X{i}" for i in range(6)],
        code_commune=["2A004", "2A004", "97411", "75056", "75056", "75056"],
    )
    roster = pd.concat([data, extra], ignore_index=True)
    diag = diagnostic.run("37968077000029", salaries=roster, context=ctx)
    far = diag.residences_eloignees
    assert far["code"].tolist() == ["50272", "75056", "2A004", "97411"]  # by distance
    assert far["salaries"].tolist() == ["< 5"] * 4
    codes_in = set(diag.communes["code"])
    assert not codes_in & set(far["code"]) and "50025" in codes_in
    assert not set(diag.impact_publie["code"]) & set(far["code"])
    assert diag.impact_publie.attrs["total_salaries"] == 286  # everybody, far ones included
    assert diag.territoire_label.endswith("résidence des salariés à moins de 30\u00a0km")
    figures = diag.chiffres_cles.set_index("indicateur")
    seekers = figures.loc[figures.index.str.startswith("Demandeurs d'emploi")].iloc[0]
    assert seekers["Territoire"] < seekers["Département : Manche"]
    assert seekers["Territoire"] == 7650

    asked = diagnostic.run("37968077000029", salaries=roster, context=ctx,
                           inclure_eloignees=True)
    assert asked.residences_eloignees is None
    assert {"75056", "2A004"} <= set(asked.communes["code"])
    assert "y compris éloignées" in asked.territoire_label
    figures = asked.chiffres_cles.set_index("indicateur")
    seekers = figures.loc[figures.index.str.startswith("Demandeurs d'emploi")].iloc[0]
    assert seekers["Territoire"] > seekers["Département : Manche"]

    # A territory given by the user keeps its communes, however far: only the others are apart.
    manche = diagnostic.run("37968077000029", salaries=roster, context=ctx,
                            territoire_txt="dep:50")
    assert manche.residences_eloignees["code"].tolist() == ["75056", "2A004", "97411"]
    assert "50272" in set(manche.impact_publie["code"])


def test_diagnostic_date_outside_the_file_is_refused(base) -> None:
    """``--date`` after the file's end: a French message giving the file's period, no
    traceback; a malformed date names the expected format."""
    from typer.testing import CliRunner

    from coodiag.cli import app

    roster = "examples/salaries_ai_avranches_FICTIF.csv"
    args = ["diagnostic", "--siret", "37968077000029", "--salaries", roster, "--date"]
    result = CliRunner().invoke(app, [*args, "01/01/2030"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    flat = " ".join(result.output.split())
    assert ("Date 01/01/2030 hors de la période du fichier des salariés (du 03/07/2023 au "
            "26/12/2024)") in flat
    result = CliRunner().invoke(app, [*args, "2024/06/30"])
    assert result.exit_code != 0
    assert "Date « 2024/06/30 » invalide : date JJ/MM/AAAA attendue" in " ".join(
        result.output.split()
    )
