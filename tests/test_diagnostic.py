"""The diagnosis of the Avranches AI on the fictitious roster: every analysis assembled."""

from __future__ import annotations

import json

import pytest

from coodiag.base.indicator_specs import JOB_SEEKERS_CATEGORY, JOB_SEEKERS_DATE
from coodiag.errors import CoodiagError
from coodiag.reports import diagnostic


@pytest.fixture(scope="module")
def diag(base) -> diagnostic.Diagnostic:
    from coodiag.userfiles import read_salaries

    salaries = read_salaries("examples/salaries_ai_avranches_FICTIF.csv").data
    return diagnostic.run("37968077000029", salaries=salaries)


def test_structure_and_territory(diag) -> None:
    assert diag.structure["type_siae"] == "AI" and diag.structure["commune"] == "Avranches"
    assert diag.territoire.startswith("ze:2802,com:")
    assert "50025" in set(diag.communes["code"])
    assert diag.communes.crs.to_epsg() == 2154
    assert diag.communes["ze2020"].eq("2802").sum() >= 100


def test_impact_is_published_under_secrecy(diag) -> None:
    pub = diag.impact_publie.set_index("code")
    assert pub.loc["50025", "salaries"] == 80
    assert pub.loc["50025", "impact_pct"] == pytest.approx(100 * 80 / 477)  # rounded den.
    small = pub[pub["salaries"].map(lambda v: isinstance(v, str))]
    assert len(small) > 10 and small["impact_pct"].isna().all()
    numbers = [v for v in pub["salaries"] if not isinstance(v, str)]
    assert min(numbers) >= 5
    assert pub.attrs["total_salaries"] == 280


def test_key_figures_compare_levels(diag) -> None:
    figures = diag.chiffres_cles.set_index("indicateur")
    de = figures.loc[f"Demandeurs d'emploi inscrits ({JOB_SEEKERS_CATEGORY})"]
    assert de["millesime"] == JOB_SEEKERS_DATE
    assert de["Département : Manche"] == 29475
    assert de["Région : Normandie"] == 246645  # MANIFEST: Normandie 246,645 job seekers
    assert figures.loc["SIAE (toutes)", "Département : Manche"] == 29
    assert figures.loc["Taux de chômage des 15-64 ans (recensement)", "Territoire"] > 0


def test_evolution_2018_2021(diag) -> None:
    """Passes once the census 2018 columns exist (helper h10a, issue 10 item 3)."""
    evo = diag.evolution
    assert evo is not None and evo.available
    assert list(evo.niveaux["niveau"]) == [
        "Territoire", "Zone d'emploi : Avranches", "Département : Manche", "France métropolitaine"
    ]
    assert set(evo.communes["code"]) == set(diag.communes["code"])
    zone = evo.niveaux.set_index("niveau").loc["Zone d'emploi : Avranches"]
    assert zone["tx_chom1564_21"] == pytest.approx(8.37, abs=0.01)
    assert zone["evol_chom1564_1821"] == pytest.approx(-8.39, abs=0.01)


def test_coverage_typology_prospecting_recommendations(diag) -> None:
    cov = diag.couverture.set_index("code")
    assert cov.loc["50025", "siret_AI"] == "37968077000029"
    assert {"classe", "decile_besoin", "dist_ETTI_km"} <= set(cov.columns)
    assert diag.typologie["zones"].classes["2802"] in set(diag.typologie["zones"].classes)
    assert "personnes_agees" in diag.typologie
    assert diag.bmo is not None and len(diag.bmo) > 0
    assert diag.specificite is not None and diag.specificite_ze is not None
    assert diag.recommandations, "no recommendation computed"
    assert all(r.raison and r.texte for r in diag.recommandations)


def test_snapshot_is_json(diag) -> None:
    snap = diag.snapshot()
    text = json.dumps(snap, ensure_ascii=False)
    assert snap["version"] == diagnostic.SNAPSHOT_VERSION and snap["siret"] == "37968077000029"
    assert '"salaries": "< 5"' in text or '"salaries":"< 5"' in text
    assert len(snap["chiffres_cles"]) == len(diag.chiffres_cles)


def test_unknown_siret(base) -> None:
    with pytest.raises(CoodiagError, match="absent du registre"):
        diagnostic.run("00000000000000")
