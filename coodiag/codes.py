"""One home for territorial codes: INSEE communes, départements, régions, zones d'emploi, EPCI.

Several source files lost their leading zeros ("1001" for "01001", "51" for the zone "0051"),
others carry three-character département codes ("001"). Every loader normalises its codes here,
so that inside coodiag a commune code is always a 5-character string, a zone d'emploi a
4-character string, a département 2 or 3 characters ("01", "2A", "971"), a région 2 characters
and an EPCI 9 characters.
"""

from __future__ import annotations

import re

import pandas as pd

_COMMUNE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def _clean(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    # Spreadsheets turn codes into floats: "1001.0".
    s = s.str.replace(r"\.0$", "", regex=True)
    return s.mask(s.isin(["", "nan", "NaN", "None", "\\N"]))


def commune(values: pd.Series) -> pd.Series:
    """INSEE commune codes as 5-character strings ("1001" -> "01001", "2a004" -> "2A004")."""
    return _clean(values).str.upper().str.zfill(5)


def departement(values: pd.Series) -> pd.Series:
    """Département codes: "1"/"001" -> "01", "2A" stays, "971" stays."""
    s = _clean(values).str.upper()
    s = s.str.replace(r"^0(\d{2})$", r"\1", regex=True)  # ASP's "001", "014"
    s = s.str.replace(r"^0(2[AB])$", r"\1", regex=True)
    return s.where(s.str.len() != 1, s.str.zfill(2))


def region(values: pd.Series) -> pd.Series:
    """Région codes as 2-character strings ("1" -> "01", "84" stays)."""
    return _clean(values).str.zfill(2)


def zone_emploi(values: pd.Series) -> pd.Series:
    """Zone d'emploi 2020 codes as 4-character strings ("51" -> "0051")."""
    return _clean(values).str.zfill(4)


def epci(values: pd.Series) -> pd.Series:
    """EPCI SIREN codes as 9-character strings; "ZZZZZZZZZ" (no EPCI) becomes missing."""
    s = _clean(values)
    return s.mask(s.str.upper() == "ZZZZZZZZZ")


def departement_of_commune(codes: pd.Series) -> pd.Series:
    """The département of a (normalised) commune code: "971xx" -> "971", "2A004" -> "2A"."""
    codes = codes.astype("string")
    return codes.str[:2].where(~codes.str.startswith("97"), codes.str[:3])


def is_commune_code(code: str) -> bool:
    """True for a well-formed commune code ("01001", "2A004", "97411")."""
    return bool(_COMMUNE_RE.match(code))


#: NAF rév. 2 sections: letter -> (first division, last division, French label).
NAF_SECTIONS: dict[str, tuple[int, int, str]] = {
    "A": (1, 3, "Agriculture, sylviculture et pêche"),
    "B": (5, 9, "Industries extractives"),
    "C": (10, 33, "Industrie manufacturière"),
    "D": (35, 35, "Production et distribution d'électricité, de gaz, de vapeur "
                  "et d'air conditionné"),
    "E": (36, 39, "Production et distribution d'eau ; assainissement, gestion des "
                  "déchets et dépollution"),
    "F": (41, 43, "Construction"),
    "G": (45, 47, "Commerce ; réparation d'automobiles et de motocycles"),
    "H": (49, 53, "Transports et entreposage"),
    "I": (55, 56, "Hébergement et restauration"),
    "J": (58, 63, "Information et communication"),
    "K": (64, 66, "Activités financières et d'assurance"),
    "L": (68, 68, "Activités immobilières"),
    "M": (69, 75, "Activités spécialisées, scientifiques et techniques"),
    "N": (77, 82, "Activités de services administratifs et de soutien"),
    "O": (84, 84, "Administration publique"),
    "P": (85, 85, "Enseignement"),
    "Q": (86, 88, "Santé humaine et action sociale"),
    "R": (90, 93, "Arts, spectacles et activités récréatives"),
    "S": (94, 96, "Autres activités de services"),
    "T": (97, 98, "Activités des ménages en tant qu'employeurs"),
    "U": (99, 99, "Activités extra-territoriales"),
}  # fmt: skip


def naf_section_of_division(division: str | int | None) -> str | None:
    """The NAF section letter of a 2-digit division (``"56"`` -> ``"I"``), None if unknown."""
    try:
        d = int(str(division)[:2])
    except (TypeError, ValueError):
        return None
    for letter, (lo, hi, _label) in NAF_SECTIONS.items():
        if lo <= d <= hi:
            return letter
    return None
