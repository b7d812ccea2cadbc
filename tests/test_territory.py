"""Territory selectors (coodiag.territory) on the real base: what imports accept, selectors
accept too (issue 12): merged communes and municipal arrondissements resolve with a note."""

from __future__ import annotations

import pandas as pd
import pytest

from coodiag import territory
from coodiag.errors import CoodiagError
from coodiag.reference.cog import current_code


@pytest.fixture(scope="module")
def communes(base: dict) -> pd.DataFrame:
    from coodiag.base import store

    return store.read_level("communes")


def select(text: str, communes: pd.DataFrame) -> territory.Territory:
    return territory.check(territory.parse(text), communes, lineage=current_code)


def test_a_merged_commune_resolves_to_its_current_commune(communes: pd.DataFrame) -> None:
    terr = select("com:50516", communes)
    assert terr.parts == (("com", "50025"),)
    assert terr.notes == (
        "Territoire com:50516 : ancienne commune intégrée à Avranches (50025) ; la base étant "
        "au COG 2025, le territoire retenu est la commune d'Avranches (com:50025).",
    )
    assert terr.label(communes) == "Avranches (commune 50025)"
    assert terr.mask(communes).sum() == 1


def test_an_arrondissement_resolves_to_its_commune(communes: pd.DataFrame) -> None:
    terr = select("com:75115,com:75056", communes)
    assert terr.parts == (("com", "75056"),)  # one unit, not counted twice
    (note,) = terr.notes
    assert note.startswith("Territoire com:75115 : arrondissement municipal de Paris (75056) ; ")
    assert note.endswith("le territoire retenu est la commune entière de Paris (com:75056).")


def test_current_units_keep_their_codes_without_note(communes: pd.DataFrame) -> None:
    terr = select("dep:50, ze:2802 ,com:1001", communes)
    assert terr.parts == (("dep", "50"), ("ze", "2802"), ("com", "01001"))
    assert terr.notes == ()
    assert terr.mask(communes).sum() == (communes["dep"] == "50").sum() + (
        (communes["ze2020"] == "2802") & (communes["dep"] != "50")
    ).sum() + 1


def test_without_lineage_a_former_code_is_unknown(communes: pd.DataFrame) -> None:
    with pytest.raises(CoodiagError, match=r"Territoire com:50516 introuvable dans la base"):
        territory.check(territory.parse("com:50516"), communes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dep:", "Territoire « dep: » : code de département manquant après « dep: » (2 "
                 "caractères ou 3 chiffres, par exemple dep:50, dep:2A ou dep:971)."),
        ("com:", "Territoire « com: » : code de commune manquant après « com: »"),
        ("ze: ", "Territoire « ze: » : code de zone d'emploi manquant"),
        ("", "Territoire manquant : indiquez par exemple dep:50"),
        ("dep:50,,dep:14", "Territoire « dep:50,,dep:14 » : élément vide entre deux virgules"),
        ("Manche", "Territoire « Manche » mal formé : attendu préfixe:code"),
        ("departement:50", "préfixe inconnu « departement » (acceptés : com, epci, ze, dep, "
                           "reg)"),
        ("dep:ABC", "Territoire « dep:ABC » : code de département mal formé « ABC »"),
        ("epci:12", "code d'EPCI mal formé « 12 » (attendu : 9 chiffres (SIREN)"),
        ("reg:123", "code de région mal formé « 123 »"),
        ("com:5002X", "code de commune mal formé « 5002X »"),
    ],
)
def test_malformed_selectors(text: str, message: str) -> None:
    with pytest.raises(CoodiagError) as err:
        territory.parse(text)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dep:99", "Territoire dep:99 introuvable dans la base (COG 2025) : vérifiez le code de "
                   "département."),
        ("com:99999", "Territoire com:99999 introuvable dans la base (COG 2025) (code inconnu : "
                      "absent du COG 2025, de ses communes déléguées et des anciens codes)"),
        ("ze:9999", "vérifiez le code de zone d'emploi."),
        ("epci:200000000", "vérifiez le code d'EPCI."),
        ("dep:50,reg:99", "Territoire reg:99 introuvable"),
    ],
)
def test_unknown_units(text: str, message: str, communes: pd.DataFrame) -> None:
    with pytest.raises(CoodiagError) as err:
        select(text, communes)
    assert message in str(err.value)


def test_france_is_metropolitan_france(communes: pd.DataFrame) -> None:
    chosen = territory.check(territory.parse("france"), communes)
    assert len(chosen.parts) == 13 and {p for p, _ in chosen.parts} == {"reg"}
    assert str(chosen) == "france"  # the atlas folder is atlas_france
    assert chosen.label(communes) == "France métropolitaine"
    inside = chosen.mask(communes)
    assert int(inside.sum()) == 34_746  # every commune but the 129 of the DROM
    assert not communes.loc[inside, "dep"].str.startswith("97").any()
    with_drom = territory.parse("france,dep:971")
    assert str(with_drom) == "france,dep:971"
    assert with_drom.label(communes) == "France métropolitaine + Guadeloupe (département 971)"
    assert set(territory.parse("reg:28,FRANCE").parts) == set(chosen.parts)
