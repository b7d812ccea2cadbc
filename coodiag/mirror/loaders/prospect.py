"""Loaders for prospecting: the BMO 2024 survey and the NAF / ROME nomenclatures.

- :func:`load_bmo_2024`: France Travail "besoins en main-d'œuvre" 2024, one row per occupation
  (FAP code of the survey) × bassin d'emploi BMO × département part of the bassin;
- :func:`load_naf`: NAF rév. 2, every level (division, groupe, classe, sous-classe) with its
  section;
- :func:`load_rome`: the 609 ROME v3 codes with their domain and grand domain;
- :func:`load_nomenclatures`: both nomenclatures in one long table (the registered loader of the
  ``nomenclatures`` source, for caching in the base).

Reading the BMO workbook takes about 5 s (openpyxl): the base build should cache its result
(see :func:`load_bmo_2024`).
"""

from __future__ import annotations

import json

import pandas as pd

from coodiag import codes
from coodiag.codes import NAF_SECTIONS, naf_section_of_division
from coodiag.errors import DataError, os_reason
from coodiag.mirror.sync import raw_path

BMO_FILE = "indicateurs/bmo_2024/Base_open_data_BMO_2024.xlsx"
BMO_SHEET = "BMO_2024_open_data"
NAF_FILE = "nomenclatures/codes_naf_socialgouv.json"
ROME_FILE = "nomenclatures/code_rome_domaine_professionnel.csv"

#: Source column -> coodiag column of the BMO workbook (see ``bmo_2024_dictionnaire.csv``).
BMO_COLUMNS = {
    "annee": "annee",
    "Code métier BMO": "metier",
    "Nom métier BMO": "metier_nom",
    "Famille_met": "famille",
    "Lbl_fam_met": "famille_nom",
    "REG": "reg",
    "NOM_REG": "reg_nom",
    "Dept": "dep",
    "NomDept": "dep_nom",
    "BE24": "bassin",
    "NOMBE24": "bassin_nom",
    "met": "projets",
    "xmet": "difficiles",
    "smet": "saisonniers",
}
#: The marker of a secret cell in the BMO workbook.
BMO_SECRET = "*"

_NAF_LEVELS = {2: "division", 4: "groupe", 5: "classe", 6: "sous-classe"}


def _bmo_number(values: pd.Series, column: str) -> pd.Series:
    """Counts as floats; the secret marker "*" (and blanks) become NaN, never 0."""
    text = values.astype("string").str.strip()
    secret = text.isna() | (text == BMO_SECRET) | (text == "")
    num = pd.to_numeric(text.where(~secret), errors="coerce")
    bad = num.isna() & ~secret
    if bad.any():
        raise DataError(
            f"{BMO_FILE} : {int(bad.sum())} valeur(s) non numérique(s) dans la colonne {column} "
            f"(exemple « {text[bad].iloc[0]} »). Le fichier ne correspond pas au format attendu."
        )
    return num.astype("float64")


def load_bmo_2024() -> pd.DataFrame:
    """The BMO 2024 survey: one row per occupation × bassin BMO × département (53,443 rows).

    Columns: ``annee`` (int), ``metier`` (occupation code of the survey, a FAP code such as
    "T4X60"; its first letter is the FAP domain), ``metier_nom``, ``famille`` (the survey's
    occupation family letter) and ``famille_nom``, ``reg``, ``reg_nom``, ``dep``, ``dep_nom``,
    ``bassin`` (bassin d'emploi BMO, 4 characters, zero-padded: the workbook writes "101" for
    the DROM bassins, the commune table of the base "0101"), ``bassin_nom``, and the counts as
    floats: ``projets`` (met, hiring projects), ``difficiles`` (xmet, projects judged
    difficult by the employer), ``saisonniers`` (smet, seasonal projects). A secret cell ("*")
    is NaN, never 0.

    A bassin that straddles départements (24 bassins, e.g. 1119 Grand Roissy - Le Bourget over
    77, 93 and 95) has one row per département part: sum the parts to get the bassin.

    Caching: reading the workbook takes about 5 s. The base build should write this frame once
    (e.g. ``store.write_table(df, base / "bmo_2024.parquet", meta)``) and the analyses read it
    back with ``store.read_table("bmo_2024")``.
    """
    path = raw_path(BMO_FILE)
    try:
        raw = pd.read_excel(path, sheet_name=BMO_SHEET, dtype=str)
    except (ValueError, KeyError, OSError) as exc:
        raise DataError(
            f"{BMO_FILE} : lecture de la feuille « {BMO_SHEET} » impossible ({os_reason(exc)}). "
            "Relancez « coodiag data sync »."
        ) from exc
    missing = [c for c in BMO_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            f"{BMO_FILE} : colonne(s) attendue(s) absente(s) : {', '.join(missing)}. "
            "Le fichier ne correspond pas au format du registre des sources."
        )
    df = raw[list(BMO_COLUMNS)].rename(columns=BMO_COLUMNS)
    out = pd.DataFrame(
        {
            "annee": pd.to_numeric(df["annee"], errors="coerce").astype("Int64"),
            "metier": df["metier"].astype("string").str.strip().str.upper(),
            "metier_nom": df["metier_nom"].astype("string").str.strip(),
            "famille": df["famille"].astype("string").str.strip(),
            "famille_nom": df["famille_nom"].astype("string").str.strip(),
            "reg": codes.region(df["reg"]),
            "reg_nom": df["reg_nom"].astype("string").str.strip(),
            "dep": codes.departement(df["dep"]),
            "dep_nom": df["dep_nom"].astype("string").str.strip(),
            "bassin": df["bassin"].astype("string").str.strip().str.zfill(4),
            "bassin_nom": df["bassin_nom"].astype("string").str.strip(),
        }
    )
    for src, col in (("met", "projets"), ("xmet", "difficiles"), ("smet", "saisonniers")):
        out[col] = _bmo_number(df[col], src)
    return out


def load_naf() -> pd.DataFrame:
    """NAF rév. 2, every level: ``code, niveau, libelle, division, section, section_libelle``.

    ``code`` as in the source ("56", "56.3", "56.30", "56.30Z"); ``niveau`` is ``division``,
    ``groupe``, ``classe`` or ``sous-classe`` (the 5-character APE code of SIRENE); the section
    letter is derived from the division (the source file has no section rows).
    """
    try:
        rows = json.loads(raw_path(NAF_FILE).read_text("utf-8"))
        df = pd.DataFrame([{"code": r["id"], "libelle": r["label"]} for r in rows])
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{NAF_FILE} : JSON illisible ou inattendu ({exc}).") from exc
    df["code"] = df["code"].astype("string").str.strip()
    df["libelle"] = df["libelle"].astype("string")
    df["niveau"] = df["code"].str.len().map(_NAF_LEVELS).astype("string")
    df["division"] = df["code"].str[:2]
    df["section"] = df["division"].map(naf_section_of_division).astype("string")
    df["section_libelle"] = (
        df["section"].map({k: v[2] for k, v in NAF_SECTIONS.items()}).astype("string")
    )
    return df[["code", "niveau", "libelle", "division", "section", "section_libelle"]]


def load_rome() -> pd.DataFrame:
    """ROME v3: ``code_rome, libelle, domaine`` ("K22"), ``domaine_libelle``, ``grand_domaine``
    ("K"), ``grand_domaine_libelle``; 609 codes."""
    path = raw_path(ROME_FILE)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{ROME_FILE} : lecture impossible ({exc}).") from exc
    need = ["grand_domaine", "domaine_professionnel", "code_rome", "description_code_rome"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"{ROME_FILE} : colonne(s) absente(s) : {', '.join(missing)}.")
    gd = raw["grand_domaine"].str.split("-", n=1, expand=True)
    dom = raw["domaine_professionnel"].str.split("-", n=1, expand=True)
    return pd.DataFrame(
        {
            "code_rome": raw["code_rome"].str.strip().str.upper(),
            "libelle": raw["description_code_rome"].str.strip(),
            "domaine": dom[0].str.strip(),
            "domaine_libelle": dom[1].str.strip(),
            "grand_domaine": gd[0].str.strip(),
            "grand_domaine_libelle": gd[1].str.strip(),
        }
    ).astype("string")


def load_nomenclatures() -> pd.DataFrame:
    """NAF and ROME in one long table: ``nomenclature, niveau, code, libelle, parent``.

    ``nomenclature`` is "NAF rév. 2" or "ROME v3"; ``parent`` is the NAF section letter or the
    ROME domain ("K22"). The per-nomenclature frames of :func:`load_naf` and :func:`load_rome`
    are easier to use; this one is for caching both in the base.
    """
    naf = load_naf()
    rome = load_rome()
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "nomenclature": "NAF rév. 2",
                    "niveau": naf["niveau"],
                    "code": naf["code"],
                    "libelle": naf["libelle"],
                    "parent": naf["section"],
                }
            ),
            pd.DataFrame(
                {
                    "nomenclature": "ROME v3",
                    "niveau": "code ROME",
                    "code": rome["code_rome"],
                    "libelle": rome["libelle"],
                    "parent": rome["domaine"],
                }
            ),
        ],
        ignore_index=True,
    ).astype("string")
