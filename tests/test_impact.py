"""Impact on unemployment: hand-computed cases and the Avranches example."""

from __future__ import annotations

import pandas as pd
import pytest

from coodiag.analyses import impact, offer
from coodiag.base import store
from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE


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
    # 113 / 478.2 × 100 = 23.6303...: the order of Coodiag's published 23.63 % for Avranches.
    assert out.loc["50025", "impact_pct"] == pytest.approx(23.6303, abs=1e-4)
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
    assert out.loc["50025", "impact_pct"] == pytest.approx(100 * 80 / chom)
    assert out.loc["50025", "impact_pct"] == pytest.approx(16.76, abs=0.01)
    assert out.attrs["indicateurs"][0]["unit"] == "%"


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
        "impact = capacité des SIAE de la zone / demandeurs d'emploi de la zone × 100"
    )
    assert meta["impact_pct"].vintage == f"SIAE 2019-2021 ; {JOB_SEEKERS_DATE}"
    assert meta["chomeurs"].vintage == JOB_SEEKERS_DATE
    assert "probablement A, B, C" in meta["chomeurs"].label
    census = impact.impact_zones(
        ctx.offer_by("ze"), dens["chomeurs"], denominator_label=impact.CENSUS_UNEMPLOYED
    )
    assert census.attrs["indicateurs"][0].method.endswith("/ chômeurs de la zone × 100")
    assert census.attrs["indicateurs"][0].vintage == "SIAE 2019-2021 ; RP 2021"
