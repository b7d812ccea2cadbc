"""The SIAE registry, on the two real lists of the mirror."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from coodiag import territory
from coodiag.analyses import offer
from coodiag.base import store
from coodiag.cli import app
from coodiag.mirror.loaders import load


@pytest.fixture(scope="module")
def registry(base: dict) -> pd.DataFrame:
    return store.read_level("siae")


def test_registry_keeps_every_structure(registry, base) -> None:
    emplois, asp, geiq = load("siae_emplois_2021"), load("siae_asp_2019"), load("geiq")
    rejets = store.read_table("siae_rejets")
    assert len(registry) == 4035 == base["counts"]["siae"]
    assert registry[["siret", "type_siae"]].duplicated().sum() == 0
    assert registry["listes"].value_counts().to_dict() == {
        "2021 et 2019": 3809,
        "2019 seulement": 185,
        "2021 seulement": 41,
    }
    # Every source row is either a registry structure or a reported line.
    ea = rejets["motif"].str.startswith("entreprise adaptée")
    moved = rejets["motif"].str.contains("coordonnées ignorées")
    assert moved.sum() == 23
    geiq_paca = registry[registry["siret"] == "45086899700013"].iloc[0]
    assert geiq_paca["dep"] == "13" and geiq_paca["code_commune"] == "13055"  # Marseille
    dup = rejets["motif"].str.startswith("doublon")
    assert ea.sum() == 3 and dup.sum() == 109
    assert int(registry["dans_liste_2021"].sum()) + ea.sum() == len(emplois) == 3853
    in19 = registry["dans_liste_2019"] & (registry["type_siae"] != "GEIQ")
    assert int(in19.sum()) + dup.sum() == len(asp) == 3932
    assert int((registry["dans_liste_2019"] & (registry["type_siae"] == "GEIQ")).sum()) == len(geiq)
    # The duplicates are named by their line in the ASP file.
    assert set(rejets.loc[dup, "ligne"].astype(int)) <= set(range(2, 3934))
    # Structures without a commune are kept and listed with their reason.
    unplaced = registry[registry["code_commune"].isna()]
    assert len(unplaced) == 6
    overseas = unplaced["motif_non_place"].str.contains("collectivité d'outre-mer hors du COG")
    assert overseas.sum() == 5  # Saint-Martin and Saint-Pierre-et-Miquelon
    assert unplaced.loc[~overseas, "motif_non_place"].item().startswith(
        "code postal 95725 inconnu (CEDEX ou erroné)"
    )
    kept = rejets["motif"].str.startswith("structure conservée sans commune")
    assert set(rejets.loc[kept, "siret"]) == set(unplaced["siret"])


def test_counts_per_type_match_sources_in_manche(registry) -> None:
    emplois, asp = load("siae_emplois_2021"), load("siae_asp_2019")
    manche = registry[registry["dep"] == "50"]
    counts = manche["type_siae"].value_counts().to_dict()
    # The platform puts "GEIQ PROPRETE PACA" (13013 Marseille) in Cherbourg: the registry
    # trusts the declared département over such coordinates.
    assert counts == {"ACI": 13, "EI": 8, "AI": 7, "ETTI": 1}
    src21 = emplois[(emplois["departement"] == "50") & (emplois["type"] != "EA")]
    assert src21["type"].value_counts().to_dict() == counts
    src19 = asp[asp["departement"] == "50"].drop_duplicates(["siret", "type"])
    assert src19["type"].value_counts().to_dict() == {"ACI": 13, "EI": 8, "AI": 7, "ETTI": 1}


def test_avranches_ai(registry) -> None:
    ai = registry[registry["siret"] == "37968077000029"].iloc[0]
    assert (ai["type_siae"], ai["code_commune"], ai["commune"]) == ("AI", "50025", "Avranches")
    assert (ai["ze2020"], ai["epci"], ai["dep"]) == ("2802", "200069425", "50")
    assert ai["placement"] == "coordonnées dans la commune"
    assert ai["listes"] == "2021 et 2019"
    assert ai["geometry"].x == pytest.approx(-1.355137) and ai["geometry"].y == pytest.approx(
        48.679712
    )


def test_named_commune_wins_at_the_boundary(registry) -> None:
    """A platform point a few metres across the boundary of the commune both lists name goes
    to the named commune (50 m): the CIAS of Bernay falls 7 m inside Courbépine."""
    cias = registry[registry["siret"] == "20000377000050"].iloc[0]
    assert (cias["code_commune"], cias["commune"]) == ("27056", "Bernay")
    assert cias["placement"].startswith("coordonnées à 7 m de la commune nommée par les deux")
    assert not cias["communes_divergentes"]
    rejets = store.read_table("siae_rejets")
    fixed = rejets[rejets["motif"].str.startswith("commune corrigée")]
    # Measured: 21 corrections (19 SIAE named by the platform and the ASP list, 2 GEIQ of
    # La Motte-Servolex named by the platform and the GEIQ list). The next five divergent
    # points lie 51 to 76 m away (Cognin, Montfermeil, three in Voiron) and stay put: the
    # issue's 26 is the count within 77 m. Other readings checked, still 21 at 50 m: the
    # commune named by one list only (either), distance to the boundary of the point's own
    # commune, pairing by SIREN; 20 with distances in Web Mercator or in degrees.
    assert len(fixed) == 21
    assert set(fixed["siret"]) >= {"20000377000050", "52935445800018", "81774058200017"}
    voiron = registry[registry["siret"] == "39891491100043"].iloc[0]
    assert voiron["code_commune"] == "38133" and voiron["communes_divergentes"]
    assert int(registry["communes_divergentes"].sum()) == 20


def test_2019_structure_placed_by_postal_code_and_name(registry) -> None:
    # 01700 is shared by four communes; the ASP list only gives "ST MAURICE DE BEYNOST".
    row = registry[(registry["siret"] == "34356040500023") & (registry["type_siae"] == "AI")].iloc[
        0
    ]
    assert row["listes"] == "2019 seulement"
    assert row["code_commune"] == "01376" and row["commune"] == "Saint-Maurice-de-Beynost"
    assert row["position_source"] == "point de la commune (position approximative)"
    # 76440 is shared by 21 communes: "FORGES LES EAUX".
    row = registry[(registry["siret"] == "34755339800020")].iloc[0]
    assert row["code_commune"] == "76276"


def test_capacity_estimates_and_weight() -> None:
    reg = pd.DataFrame(
        {
            "siret": ["1", "2", "3", "4"],
            "type_siae": ["ACI", "AI", "GEIQ", "EI"],
            "code_commune": ["50025", "50025", "50025", "14118"],
            "dep": ["50", "50", "50", "14"],
        }
    )
    user = pd.DataFrame({"siret": ["2"], "etp": [31.5], "postes": [None], "salaries": [None]})
    out = offer.apply_capacity(reg, user)
    assert out["capacite"].iloc[0] == pytest.approx(52800 / 1907)  # 27.69 ACI average
    assert out["capacite"].iloc[1] == 31.5 and not out["capacite_estimee"].iloc[1]
    assert out["capacite_source"].iloc[1] == "fichier de capacité de l'utilisateur"
    assert pd.isna(out["capacite"].iloc[2]) and not out["capacite_estimee"].iloc[2]
    weight = offer.offer_by_territory(
        out, level="dep", denominators={"demandeurs": pd.Series({"50": 29475.0, "14": 0.0})}
    ).set_index("code")
    assert weight.loc["50", "n_siae"] == 3 and weight.loc["50", "n_ACI"] == 1
    assert weight.loc["50", "capacite"] == pytest.approx(52800 / 1907 + 31.5)
    assert weight.loc["50", "capacite_estimee_part"] == pytest.approx(
        (52800 / 1907) / (52800 / 1907 + 31.5)
    )
    assert weight.loc["50", "capacite_pour_1000_demandeurs"] == pytest.approx(
        1000 * (52800 / 1907 + 31.5) / 29475
    )
    assert pd.isna(weight.loc["14", "capacite_pour_1000_demandeurs"])  # denominator 0


def test_denominators_need_complete_coverage(base) -> None:
    communes = store.read_level("communes")
    indicators = store.read_table("indicateurs_communes")
    dens = offer.denominators(communes, indicators, by="dep")
    assert dens["demandeurs"]["50"] == 29475  # job seekers, all communes of the Manche
    assert dens["chomeurs"]["50"] == pytest.approx(19693.2, abs=0.1)
    # National census 2021: every département is complete, the Cantal too (the five communes
    # re-created on 1 January 2025 share Neussargues-Moissac's count).
    assert dens["chomeurs"]["01"] == pytest.approx(29109, abs=1)
    assert dens["chomeurs"]["15"] == pytest.approx(4523, abs=1)
    assert dens["chomeurs"].notna().all()
    by_commune = offer.denominators(communes, indicators, by="code")
    assert by_commune["chomeurs"]["50025"] == pytest.approx(477.3, abs=0.1)


def test_territory_parsing_errors(base) -> None:
    communes = store.read_level("communes")
    t = territory.parse("dep:50, ze:2802")
    assert str(t) == "dep:50,ze:2802" and t.mask(communes).sum() == 445
    with pytest.raises(Exception, match="mal formé"):
        territory.parse("dep50")
    with pytest.raises(Exception, match="préfixe inconnu « xx »"):
        territory.parse("xx:1")
    with pytest.raises(Exception, match="ze:9999 introuvable"):
        territory.check(territory.parse("ze:9999"), communes)


def test_cli_siae_list_and_show(base) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["siae", "list", "--territoire", "ze:2802"], terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "37968077000029" in result.output and "Avranches (zone d'emploi 2802)" in result.output
    assert "≈ 218" in result.output  # 1 ACI + 2 AI + 2 EI at the national averages
    result = runner.invoke(app, ["siae", "show", "37968077000029"], terminal_width=160)
    assert result.exit_code == 0 and "(2021-01)" in result.output
    result = runner.invoke(app, ["siae", "show", "00000000000000"])
    assert result.exit_code == 1 and "absent du registre" in result.output


def test_cli_poids_and_reseau_filter(base, tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "poids.csv"
    result = runner.invoke(
        app, ["siae", "poids", "--niveau", "ze", "-t", "dep:50", "--sortie", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Avranches (2802)" in result.output and "5 : 1 ACI, 2 AI," in result.output
    table = pd.read_csv(out, sep=";", dtype={"code": str}, decimal=",", encoding="utf-8-sig")
    assert table["code"].tolist() == ["2802", "2805", "2806", "2810", "2816"]
    assert table["n_siae"].sum() == 29  # the 29 SIAE of the Manche with a place
    membership = tmp_path / "reseaux.csv"
    membership.write_text(
        "siret;reseau\n37968077000029;Coorace\n42990684500012;Chantier école | FAS\n", "utf-8"
    )
    result = runner.invoke(
        app,
        ["siae", "list", "-t", "ze:2802", "--reseaux", str(membership), "--reseau", "FAS"],
        terminal_width=160,
    )
    assert result.exit_code == 0, result.output
    assert "42990684500012" in result.output and "37968077000029" not in result.output
    assert "Lignes lues : 2 ; utilisées : 2 ; rejetées : 0." in result.output
    result = runner.invoke(app, ["siae", "poids", "--niveau", "canton"])
    assert result.exit_code == 1 and "Niveau « canton » inconnu" in result.output


def test_attach_reseaux() -> None:
    reg = pd.DataFrame({"siret": ["1", "2"]})
    out = offer.attach_reseaux(
        reg, pd.DataFrame({"siret": ["1", "1"], "reseau": ["FAS", "Chantier école"]})
    )
    assert out["reseaux"].tolist() == [["Chantier école", "FAS"], []]
