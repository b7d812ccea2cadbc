"""Territorial and business codes: parse and check, in one place."""

from __future__ import annotations

import pandas as pd
import pytest

from coodiag import codes


def test_series_normalisers() -> None:
    raw = pd.Series(["1001", "2a004", "1001.0", "", None, " 50025 "])
    assert codes.commune(raw).tolist() == ["01001", "2A004", "01001", pd.NA, pd.NA, "50025"]
    assert codes.departement(pd.Series(["1", "001", "2A", "02A", "971"])).tolist() == [
        "01", "01", "2A", "2A", "971",
    ]  # fmt: skip
    assert codes.postcode(pd.Series(["1500", "14000", None])).tolist() == ["01500", "14000", pd.NA]
    assert codes.siret(pd.Series(["410 717 714 00035", "", "41071771400035"])).tolist() == [
        "41071771400035", pd.NA, "41071771400035",
    ]  # fmt: skip
    assert codes.siret_of(pd.Series(["12345"]), pd.Series(["12"])).item() == "00001234500012"
    assert codes.commune_of(pd.Series(["1"]), pd.Series(["4"])).item() == "01004"
    communes = pd.Series(["97411", "2A004", "50025"])
    assert codes.departement_of_commune(communes).tolist() == ["974", "2A", "50"]


@pytest.mark.parametrize(
    ("typed", "code"),
    [("50025", "50025"), ("1001", "01001"), ("2a004", "2A004"), ("1001.0", "01001"),
     ("5X", None), ("", None), (None, None), ("123456", None)],
)  # fmt: skip
def test_parse_commune(typed, code) -> None:
    assert codes.parse_commune(typed) == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [("1500", "01500"), ("1500.0", "01500"), (" 14 000 ", "14000"), ("1400", "01400"),
     ("ABCDE", None), ("", None), (None, None), (float("nan"), None), (14000, "14000")],
)  # fmt: skip
def test_parse_postcode(typed, code) -> None:
    assert codes.parse_postcode(typed) == code


def test_departements_of_postcode() -> None:
    assert codes.departements_of_postcode("14000") == ("14",)
    assert codes.departements_of_postcode("97411") == ("974",)
    assert codes.departements_of_postcode("20000") == ("2A",)
    assert codes.departements_of_postcode("20200") == ("2B",)


def test_checks_of_form() -> None:
    assert codes.is_commune_code("2A004") and codes.is_commune_code("97411")
    assert not codes.is_commune_code("2C004") and not codes.is_commune_code("01001\n")
    assert codes.is_departement_code("2A") and codes.is_departement_code("971")
    assert not codes.is_departement_code("2C")
    assert codes.is_region_code("28") and not codes.is_region_code("028")
    assert codes.is_zone_emploi_code("0051") and not codes.is_zone_emploi_code("51")
    assert codes.is_epci_code("200069425") and not codes.is_epci_code("ZZZZZZZZZ")
    assert codes.is_postcode("01500") and not codes.is_postcode("1500")
    # The patterns check whole Series the same way.
    s = pd.Series(["2A004", "2C004"])
    assert s.str.fullmatch(codes.COMMUNE_PATTERN).tolist() == [True, False]


def test_siret() -> None:
    assert codes.parse_siret("410 717 714 00035") == "41071771400035"
    assert codes.is_siret("41071771400035")
    assert not codes.is_siret("41071771400036")  # Luhn key
    assert codes.is_siret("35600000000001")  # La Poste: sum of digits % 5
    assert not codes.is_siret("35600000000002")
    assert not codes.is_siret("4107177140003") and not codes.is_siret("41071771400035\n")
