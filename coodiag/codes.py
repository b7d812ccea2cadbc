"""One home for territorial and business codes: parse and check.

INSEE communes, départements, régions, zones d'emploi, EPCI, postcodes, SIRET.

Several source files lost their leading zeros ("1001" for "01001", "51" for the zone "0051"),
others carry three-character département codes ("001"). Every loader normalises its codes here,
so that inside coodiag a commune code is always a 5-character string, a zone d'emploi a
4-character string, a département 2 or 3 characters ("01", "2A", "971"), a région 2 characters,
an EPCI 9 characters, a postcode 5 digits and a SIRET 14 digits.

- Series in, Series out (loaders and user files): :func:`commune`, :func:`departement`,
  :func:`region`, :func:`zone_emploi`, :func:`epci`, :func:`postcode`, :func:`siret`;
- one value (a user's input): :func:`parse_commune`, :func:`parse_postcode`,
  :func:`parse_siret`;
- membership of a column of codes in a set of codes: :func:`isin` (pandas boxes every wanted
  value of an Arrow string column one by one: 0.1 s for the 34,875 communes, 3 ms here);
- checks of the form of one code: ``is_<kind>``, and the ``*_PATTERN`` regular expressions for
  vectorised checks (``series.str.match(codes.COMMUNE_PATTERN)``). Whether a well-formed code
  exists is the job of :mod:`coodiag.reference` (COG, postcodes of the communes).

>>> is_commune_code("2A004"), is_siret("41071771400035"), parse_postcode("1500.0")
(True, True, '01500')
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

#: Well-formed codes, as regular expressions of the whole string.
COMMUNE_PATTERN = r"^(\d{5}|2[AB]\d{3})$"
DEPARTEMENT_PATTERN = r"^(\d{2}|2[AB]|97\d)$"
REGION_PATTERN = r"^\d{2}$"
ZONE_EMPLOI_PATTERN = r"^\d{4}$"
EPCI_PATTERN = r"^\d{9}$"
POSTCODE_PATTERN = r"^\d{5}$"
SIRET_PATTERN = r"^\d{14}$"

#: La Poste's establishments (this SIREN) do not follow the Luhn rule: their digits sum to a
#: multiple of 5.
LA_POSTE_SIREN = "356000000"

_COMMUNE_RE = re.compile(COMMUNE_PATTERN)
_DEPARTEMENT_RE = re.compile(DEPARTEMENT_PATTERN)
_REGION_RE = re.compile(REGION_PATTERN)
_ZONE_EMPLOI_RE = re.compile(ZONE_EMPLOI_PATTERN)
_EPCI_RE = re.compile(EPCI_PATTERN)
_POSTCODE_RE = re.compile(POSTCODE_PATTERN)
_SIRET_RE = re.compile(SIRET_PATTERN)


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


def postcode(values: pd.Series) -> pd.Series:
    """Postcodes as 5-character strings ("1500" -> "01500"), not checked (:func:`is_postcode`)."""
    return _clean(values).str.zfill(5)


def siret(values: pd.Series) -> pd.Series:
    """SIRET reduced to their digits (spaces, dots dropped); empty becomes missing. Not checked
    (see :func:`is_siret`)."""
    s = values.astype("string").str.replace(r"\D", "", regex=True)
    return s.mask(s == "")


def siret_of(siren: pd.Series, nic: pd.Series) -> pd.Series:
    """SIRET assembled from a SIREN (9 digits) and a NIC (5 digits), leading zeros restored."""
    return siren.str.zfill(9) + nic.str.zfill(5)


def commune_of(departement_: pd.Series, suffix: pd.Series) -> pd.Series:
    """Commune codes assembled from a département and the 3 last characters (old SIRENE layout:
    "1" + "4" -> "01004")."""
    return departement_.str.zfill(2) + suffix.str.zfill(3)


def departement_of_commune(codes: pd.Series) -> pd.Series:
    """The département of a (normalised) commune code: "971xx" -> "971", "2A004" -> "2A"."""
    codes = codes.astype("string")
    return codes.str[:2].where(~codes.str.startswith("97"), codes.str[:3])


def isin(values: pd.Series, wanted: Iterable[object]) -> pd.Series:
    """``values.isin(wanted)`` for a column of codes, computed by Arrow for string columns:
    missing values are never members. Same index as ``values``."""
    if not isinstance(values.dtype, pd.StringDtype):
        return values.isin(wanted)
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.chunked_array([pa.array(values.array)]) if len(values) else None
    if array is None:
        return pd.Series(False, index=values.index, dtype=bool)
    if isinstance(wanted, (pd.Series, pd.Index)):
        wanted = wanted.dropna().tolist()
    members = pa.array([w for w in wanted if isinstance(w, str)], type=array.type)
    found = pc.fill_null(pc.is_in(array, value_set=members, skip_nulls=True), False)
    return pd.Series(found.to_numpy(), index=values.index, dtype=bool)


def departements_of_postcode(postcode_: str) -> tuple[str, ...]:
    """The département(s) a postcode points to: "14000" -> ("14",), "97411" -> ("974",)."""
    if postcode_.startswith("97") or postcode_.startswith("98"):
        return (postcode_[:3],)
    if postcode_.startswith("20"):
        return ("2A",) if postcode_ < "20200" else ("2B",)
    return (postcode_[:2],)


def parse_commune(value: object) -> str | None:
    """A commune code as typed ("1001" -> "01001", "2a004" -> "2A004"), None when malformed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    s = re.sub(r"\.0$", "", str(value).strip().upper())
    return s.zfill(5) if s and is_commune_code(s.zfill(5)) else None


def parse_postcode(value: object) -> str | None:
    """A postcode as 5 digits ("1500" from a spreadsheet -> "01500"), else None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    s = str(value).strip().replace(" ", "")
    s = re.sub(r"\.0$", "", s)
    if re.fullmatch(r"\d{4}", s):
        s = "0" + s
    return s if _POSTCODE_RE.match(s) else None


def parse_siret(value: object) -> str:
    """The digits of a SIRET as typed ("410 717 714 00035" -> "41071771400035"), not checked."""
    return "".join(ch for ch in str(value) if ch.isdigit())


def is_commune_code(code: str) -> bool:
    """True for a well-formed commune code ("01001", "2A004", "97411")."""
    return bool(_COMMUNE_RE.fullmatch(code))


def is_departement_code(code: str) -> bool:
    """True for a well-formed département code ("01", "2A", "971")."""
    return bool(_DEPARTEMENT_RE.fullmatch(code))


def is_region_code(code: str) -> bool:
    """True for a well-formed région code ("28", "01")."""
    return bool(_REGION_RE.fullmatch(code))


def is_zone_emploi_code(code: str) -> bool:
    """True for a well-formed zone d'emploi 2020 code ("2802", "0051")."""
    return bool(_ZONE_EMPLOI_RE.fullmatch(code))


def is_epci_code(code: str) -> bool:
    """True for a well-formed EPCI SIREN ("200069425")."""
    return bool(_EPCI_RE.fullmatch(code))


def is_postcode(code: str) -> bool:
    """True for a well-formed postcode (5 digits); whether a commune has it is
    :func:`coodiag.reference.geocode.is_postal_code`'s question."""
    return bool(_POSTCODE_RE.fullmatch(code))


def is_siret(code: str) -> bool:
    """Luhn check of a 14-digit SIRET; La Poste's establishments (SIREN 356000000) use sum % 5."""
    if not _SIRET_RE.fullmatch(code):
        return False
    if code.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in code) % 5 == 0
    total = 0
    for i, c in enumerate(reversed(code)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


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
