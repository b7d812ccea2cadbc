"""French formatting: one home for numbers, percentages, distances, dates, typography, elision."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from coodiag import fr


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1\u202f234,5"),
        (1234567, 0, "1\u202f234\u202f567"),
        (-3.25, 1, "\u22123,2"),  # banker's rounding of Python's format, true minus sign
        (-0.04, 1, "0,0"),  # no "−0,0"
        (0, 2, "0,00"),
        (np.int64(80), 0, "80"),
    ],
)
def test_number(value, decimals, expected) -> None:
    assert fr.number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, float("inf")])
def test_one_missing_mark(missing) -> None:
    assert fr.number(missing) == fr.MISSING == "n.d."
    assert fr.percent(missing) == "n.d."
    assert fr.km(missing) == "n.d."
    assert fr.number(missing, missing="–") == "–"


def test_strings_pass_through() -> None:
    """A secrecy marker or an already formatted figure is never reformatted."""
    assert fr.number("< 5") == "< 5"
    assert fr.percent("secret") == "secret"


def test_units() -> None:
    assert fr.percent(23.634) == "23,6\u00a0%"
    assert fr.percent(23.634, 2) == "23,63\u00a0%"
    assert fr.per_thousand(4.25, 2) == "4,25\u00a0‰"
    assert fr.km(12.34) == "12,3\u00a0km"
    assert fr.integer(12345.4) == "12\u202f345"
    assert fr.general(0.0123456) == "0,01235"  # 4 significant digits, as in the explanations
    assert fr.general(-2.5, ".2f") == "\u22122,50"


def test_dates() -> None:
    assert fr.date(dt.date(2025, 3, 1)) == "1er mars 2025"
    assert fr.date(dt.date(2024, 12, 31)) == "31 décembre 2024"
    assert fr.short_date(dt.date(2025, 3, 1)) == "01/03/2025"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Avranches", "d'Avranches"),
        ("Le Mans", "du Mans"),
        ("Les Pieux", "des Pieux"),
        ("La Haye", "de La Haye"),
        ("Évreux", "d'Évreux"),
        ("Hambye", "d'Hambye"),
        ("Caen", "de Caen"),
    ],
)
def test_de(name, expected) -> None:
    assert fr.de(name) == expected


def test_typography() -> None:
    nb, nnb = "\u00a0", "\u202f"
    assert fr.typography("Attention : 23 % ; vraiment ?") == (
        f"Attention{nb}: 23{nnb}%{nnb}; vraiment{nnb}?"
    )
    assert fr.typography("« besoin sans offre »") == f"«{nb}besoin sans offre{nb}»"
    assert fr.typography("https://www.insee.fr") == "https://www.insee.fr"  # no space before ':'
    assert fr.typography(None) == ""
