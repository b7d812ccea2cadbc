"""Loaders of the national commune indicator files (``indicateurs/france/`` in the mirror).

One function per dataset, no arguments, same conventions as
:mod:`coodiag.mirror.loaders.indicators`: ``code`` is a 5-character commune code of the
source's COG vintage, values keep their source names as floats, and secret or missing cells
are NaN, never 0.
"""

from __future__ import annotations

import zipfile

import pandas as pd

from coodiag import codes
from coodiag.errors import DataError
from coodiag.mirror.loaders.indicators import (
    check_codes,
    numeric_columns,
    read_csv,
    require_columns,
)
from coodiag.mirror.sync import raw_path

RP2021_FRANCE_FILE = "indicateurs/france/communes_rp2021_population_actifs_chomeurs.csv"
FILOSOFI2021_FILE = "indicateurs/france/cc_filosofi_2021_COM.csv"
COMPARATEUR2022_FILE = "indicateurs/france/base_cc_comparateur_2022_csv.zip"
COMPARATEUR2022_MEMBER = "base_cc_comparateur.CSV"

#: Columns of the national census file -> the comparateur names they hold (MANIFEST).
RP2021_FRANCE_COLUMNS = {
    "population_2021": "P21_POP",
    "population_2015": "P15_POP",
    "menages_2021": "P21_MEN",
    "pop_15_64_totale_2021": "P21_POP1564",
    "pop_15_64_active_2021": "P21_ACT1564",
    "pop_15_64_chomage_2021": "P21_CHOM1564",
    "superficie_km2": "SUPERF",
}

#: Filosofi 2021 columns read (the others are deciles and income shares not used by the base).
FILOSOFI2021_COLUMNS = ("NBMENFISC21", "NBPERSMENFISC21", "MED21", "PIMP21", "TP6021")

#: Filosofi marks: ``s`` secret, ``nd`` not available (a commune too small for the source).
FILOSOFI2021_MISSING = ("s", "nd")

#: Municipal arrondissements of Paris, Lyon and Marseille.
ARRONDISSEMENT_PATTERN = r"^(751(0[1-9]|1\d|20)|6938[1-9]|132(0[1-9]|1[0-6]))$"


def load_rp2021_france() -> pd.DataFrame:
    """Census 2021 for every commune of France (COG 2024), one row per INSEE code.

    Columns: ``code``, ``type`` (``COM``, ``COMD``, ``ARM``: Paris, Lyon and Marseille are given
    by arrondissement only), then ``P21_POP, P15_POP, P21_MEN, P21_POP1564, P21_ACT1564,
    P21_CHOM1564, SUPERF`` (floats, rounded to integers by the publisher of this derivative).

    The source has one row per postcode (36,208 rows): rows of the same code are identical
    and are deduplicated; a code whose rows disagree is an error.
    """
    relative = RP2021_FRANCE_FILE
    df = read_csv(relative, dtype="string")
    require_columns(df, ["insee_com", "commune_type", *RP2021_FRANCE_COLUMNS], relative)
    out = pd.DataFrame({"code": codes.commune(df["insee_com"]), "type": df["commune_type"]})
    check_codes(out["code"], codes.COMMUNE_PATTERN, relative, "insee_com", 2)
    for src, name in RP2021_FRANCE_COLUMNS.items():
        out[name] = df[src]
    out = numeric_columns(out, list(RP2021_FRANCE_COLUMNS.values()), relative)
    values = list(RP2021_FRANCE_COLUMNS.values())
    distinct = out.drop_duplicates(["code", *values])
    if distinct["code"].duplicated().any():
        dup = distinct.loc[distinct["code"].duplicated(), "code"].iloc[0]
        raise DataError(f"{relative} : la commune {dup} a des lignes de valeurs différentes.")
    # A commune déléguée chef-lieu shares its code with its commune: keep the COM row.
    out = out.sort_values("type", key=lambda s: s.ne("COM"), kind="stable")
    return out.drop_duplicates("code").sort_values("code", ignore_index=True)


def load_filosofi2021_france() -> pd.DataFrame:
    """Filosofi 2021 for every commune of the source (COG 2024).

    Columns: ``code``, ``NBMENFISC21``, ``NBPERSMENFISC21``, ``MED21`` (€), ``PIMP21`` and
    ``TP6021`` (in %, 14.0 for 14 %). Secret (``s``) and unavailable (``nd``) cells are NaN.
    The arrondissements of Paris, Lyon and Marseille, listed besides their commune, are
    dropped (the commune row holds the commune's own figures). No Guadeloupe, Guyane or
    Mayotte rows (INSEE's coverage).
    """
    relative = FILOSOFI2021_FILE
    df = read_csv(relative, sep=";", dtype="string")
    require_columns(df, ["CODGEO", *FILOSOFI2021_COLUMNS], relative)
    out = pd.DataFrame({"code": codes.commune(df["CODGEO"])})
    check_codes(out["code"], codes.COMMUNE_PATTERN, relative, "CODGEO", 2)
    for col in FILOSOFI2021_COLUMNS:
        out[col] = df[col].mask(df[col].str.strip().isin(FILOSOFI2021_MISSING))
    out = numeric_columns(out, list(FILOSOFI2021_COLUMNS), relative)
    out = out[~out["code"].str.match(ARRONDISSEMENT_PATTERN)]
    if out["code"].duplicated().any():
        dup = out.loc[out["code"].duplicated(), "code"].iloc[0]
        raise DataError(f"{relative} : la commune {dup} apparaît plusieurs fois (CODGEO).")
    return out.reset_index(drop=True)


def load_comparateur_2022() -> pd.DataFrame:
    """INSEE comparateur de territoires, 2022 edition (COG 2021), every commune of France.

    Columns: ``code`` then every numeric column of ``base_cc_comparateur.CSV`` under its source
    name (``P18_POP``, ``P18_CHOM1564``, ``ETTOT18``…, floats). An empty cell (secret or not
    available) is NaN. The arrondissements of Paris, Lyon and Marseille, listed besides their
    commune, are dropped.
    """
    relative = COMPARATEUR2022_FILE
    path = raw_path(relative)
    try:
        with zipfile.ZipFile(path) as archive, archive.open(COMPARATEUR2022_MEMBER) as handle:
            df = pd.read_csv(handle, sep=";", dtype="string", encoding="utf-8")
    except (KeyError, zipfile.BadZipFile, ValueError, pd.errors.ParserError) as exc:
        message = f"{relative} : lecture de {COMPARATEUR2022_MEMBER} impossible ({exc})."
        raise DataError(message) from exc
    require_columns(df, ["CODGEO", "P18_POP", "P18_CHOM1564", "ETTOT18"], relative)
    df.insert(0, "code", codes.commune(df.pop("CODGEO")))
    check_codes(df["code"], codes.COMMUNE_PATTERN, relative, "CODGEO", 2)
    if df["code"].duplicated().any():
        dup = df.loc[df["code"].duplicated(), "code"].iloc[0]
        raise DataError(f"{relative} : la commune {dup} apparaît plusieurs fois (CODGEO).")
    df = df[~df["code"].str.match(ARRONDISSEMENT_PATTERN)].reset_index(drop=True)
    return numeric_columns(df, [c for c in df.columns if c != "code"], relative)
