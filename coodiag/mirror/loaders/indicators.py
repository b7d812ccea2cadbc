"""Loaders of the socio-economic indicator files (``indicateurs/`` in the mirror).

One function per dataset, no arguments. Each returns a DataFrame with normalised codes (see
:mod:`coodiag.codes`), numbers as floats, and secret or missing cells as NaN, never 0. The
loaders keep the source's column names for the values: selecting, renaming and documenting
the indicators is the job of :mod:`coodiag.base.indicators`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from coodiag import codes
from coodiag.errors import DataError, os_reason
from coodiag.mirror.sync import raw_path

RP2021_FILE = "indicateurs/stats_communes_normandie_idf_rp2021.csv"
IRIS2022_FILES = tuple(
    f"indicateurs/iris_rp2022/agg_iris_{dep}.parquet" for dep in ("14", "27", "50", "61", "76")
)
ZE_FILE = "indicateurs/zones_emploi_indicateurs.json"
DEP_FILE = "indicateurs/departements_indicateurs.json"
DE_MENSUEL_FILE = "indicateurs/demandeurs_emploi_mensuel_2020_2024.csv"
DE_COMMUNES_FILE = "indicateurs/demandeurs_emploi_communes.json"
BAROMETRE_SIAE_FILE = "indicateurs/barometre/nb-beneficiaires-siae_departements.csv"

#: Code of the France row of the zone d'emploi and département indicator files.
FRANCE_CODE = "00FR"

#: Filosofi columns of the census file where the publisher wrote 0 for a secret cell. A zero
#: cannot be a real value there (a median income, a poverty rate, a share of taxed households,
#: a number of fiscal households of an inhabited commune).
RP2021_SECRET_ZERO = ("MED21", "TP6021", "PIMP21", "NBMENFISC21")

#: Fields of the France row that hold a typical zone's (or département's) value, not a total.
FRANCE_NOT_TOTALS = ("n_communes", "P22_POP", "P23_POP")

_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip
_MONTH_RE = re.compile(r"^([a-z]+)_(\d{4})$")
_REGION_RE = r"^reg(\d{2})$"
#: Municipal arrondissements of Paris, Lyon and Marseille (not communes).
_ARRONDISSEMENT_RE = r"^(751(0[1-9]|1\d|20)|6938[1-9]|132(0[1-9]|1[0-6]))$"


# --------------------------------------------------------------------------- helpers


def require_columns(df: pd.DataFrame, columns: list[str] | tuple[str, ...], relative: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"{relative} : colonne(s) absente(s) : {', '.join(missing)}. Le fichier n'a pas le "
            "format attendu : restaurez la version d'origine (coodiag data sync)."
        )


def numeric_columns(
    df: pd.DataFrame, columns: list[str], relative: str, *, row_offset: int = 2
) -> pd.DataFrame:
    """``df`` with ``columns`` converted to float; infinities become NaN.

    Raises :class:`DataError` naming the file, the row and the column of the first value that
    is not a number. ``row_offset`` turns a 0-based position into the row a user sees (2 for a
    CSV with a header line, 1 for the n-th object of a JSON list).
    """
    converted: dict[str, pd.Series] = {}
    for col in columns:
        raw = df[col]
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            values = raw.astype("float64")
        else:
            text = raw.astype("string").str.strip().str.replace(",", ".", regex=False)
            text = text.mask(text.isin(["", "NA", "NaN", "nan", "null", "None"]))
            values = pd.to_numeric(text, errors="coerce").astype("float64")
            bad = values.isna() & text.notna()
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{relative}, ligne {pos + row_offset}, colonne « {col} » : valeur non "
                    f"numérique « {text.iloc[pos]} »."
                )
        converted[col] = values.replace([np.inf, -np.inf], np.nan)
    if not converted:
        return df
    rest = df.drop(columns=list(converted))
    return pd.concat([rest, pd.DataFrame(converted, index=df.index)], axis=1)[list(df.columns)]


def read_csv(relative: str, **kwargs) -> pd.DataFrame:
    path = raw_path(relative)
    try:
        return pd.read_csv(path, **kwargs)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{relative} : lecture CSV impossible ({exc}).") from exc


def _read_json_records(relative: str) -> pd.DataFrame:
    path: Path = raw_path(relative)
    try:
        with open(path, encoding="utf-8") as handle:
            records = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{relative} : JSON illisible ({exc}).") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DataError(f"{relative} : une liste d'objets JSON était attendue.")
    return pd.DataFrame.from_records(records)


def check_codes(codes_: pd.Series, pattern: str, relative: str, column: str, offset: int) -> None:
    bad = ~codes_.fillna("").str.match(pattern)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{relative}, ligne {pos + offset}, colonne « {column} » : code invalide "
            f"« {codes_.iloc[pos]} »."
        )


# --------------------------------------------------------------------------- loaders


def load_rp2021_communes() -> pd.DataFrame:
    """Census 2021 / Filosofi 2021 / establishments 2021 for Normandie and Île-de-France communes.

    Columns: ``code`` (COG 2023 commune code), ``reg`` (région code), every numeric column of
    the source under its source name (``P21_POP``, ``MED21``, ``TP6021``…, floats; ``TP6021`` is
    a proportion, 0.21 for 21 %), ``population_category``. The zeros the publisher wrote for
    secret Filosofi cells (:data:`RP2021_SECRET_ZERO`) are NaN; infinite ratios are NaN.
    """
    relative = RP2021_FILE
    df = read_csv(relative, dtype={"CODGEO": "string", "REG": "string"})
    require_columns(df, ["CODGEO", "REG", "P21_POP", *RP2021_SECRET_ZERO], relative)
    df.insert(0, "code", codes.commune(df.pop("CODGEO")))
    check_codes(df["code"], codes.COMMUNE_PATTERN, relative, "CODGEO", 2)
    if df["code"].duplicated().any():
        dup = df.loc[df["code"].duplicated(), "code"].iloc[0]
        raise DataError(f"{relative} : la commune {dup} apparaît plusieurs fois (CODGEO).")
    df.insert(1, "reg", codes.region(df.pop("REG")))
    text_cols = {"code", "reg", "population_category"}
    df = numeric_columns(df, [c for c in df.columns if c not in text_cols], relative)
    for col in RP2021_SECRET_ZERO:
        df[col] = df[col].mask(df[col] == 0)
    if "population_category" in df.columns:
        df["population_category"] = df["population_category"].astype("string")
    return df


def load_rp2022_iris() -> pd.DataFrame:
    """IRIS indicators (census 2022, Filosofi 2021…) of the five Normandie départements.

    Columns: ``code`` (9-character IRIS code), ``COM`` (commune code, COG 2024), ``dep``,
    ``reg``, ``ze2020`` (4 characters), ``epci`` (9 characters), ``aav2020``, ``bv2022``,
    ``uu2020``, ``libelle``, ``libelle_com``, ``TYP_IRIS``, then the 250-odd indicators under
    their source names as floats (``P22_POP`` and shares/rates in %), plus the few text columns of
    the source (dominant sectors). One row per IRIS (3,279).
    """
    frames = []
    for relative in IRIS2022_FILES:
        path = raw_path(relative)
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise DataError(f"{relative} : fichier Parquet illisible ({os_reason(exc)}).") from exc
        require_columns(frame, ["code", "COM", "P22_POP"], relative)
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    relative = "indicateurs/iris_rp2022/agg_iris_*.parquet"
    df["code"] = df["code"].astype("string").str.strip()
    df["COM"] = codes.commune(df["COM"])
    check_codes(df["COM"], codes.COMMUNE_PATTERN, relative, "COM", 1)
    if df["code"].duplicated().any():
        dup = df.loc[df["code"].duplicated(), "code"].iloc[0]
        raise DataError(f"{relative} : l'IRIS {dup} apparaît plusieurs fois (colonne code).")
    if "dep" in df.columns:
        df["dep"] = codes.departement(df["dep"])
    if "reg" in df.columns:
        df["reg"] = codes.region(df["reg"])
    if "ze2020" in df.columns:
        df["ze2020"] = codes.zone_emploi(df["ze2020"])
    if "epci" in df.columns:
        df["epci"] = codes.epci(df["epci"])
    text_cols = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    for col in text_cols:
        df[col] = df[col].astype("string")
    numeric_cols = [c for c in df.columns if c not in text_cols and c not in ("ze2020", "epci")]
    df = numeric_columns(df, numeric_cols, relative, row_offset=1)
    return df


def _load_territory_indicators(relative: str, code_fn) -> pd.DataFrame:
    df = _read_json_records(relative)
    require_columns(df, ["code", "libelle", "P22_POP"], relative)
    df["code"] = code_fn(df["code"])
    df["libelle"] = df["libelle"].astype("string")
    if "regdep" in df.columns:
        df["regdep"] = df["regdep"].astype("string")
    numeric_cols = [c for c in df.columns if c not in ("code", "libelle", "regdep")]
    df = numeric_columns(df, numeric_cols, relative, row_offset=1)
    df.insert(2, "is_france", (df["code"] == FRANCE_CODE).to_numpy(dtype=bool))
    not_totals = [c for c in FRANCE_NOT_TOTALS if c in df.columns]
    df.loc[df["is_france"], not_totals] = np.nan
    if df["code"].duplicated().any():
        dup = df.loc[df["code"].duplicated(), "code"].iloc[0]
        raise DataError(f"{relative} : le code {dup} apparaît plusieurs fois.")
    return df


def load_ze_indicateurs() -> pd.DataFrame:
    """Indicators of the zones d'emploi 2020 (287 metropolitan zones) plus the France row.

    Columns: ``code`` (4 characters; ``"00FR"`` for France), ``libelle``, ``is_france``,
    ``regdep``, then the 144 indicators under their source names as floats. The France row's
    ``n_communes``, ``P22_POP`` and ``P23_POP`` are set to NaN: the source holds there the value
    of a typical zone, not the national total.
    """
    df = _load_territory_indicators(ZE_FILE, codes.zone_emploi)
    zones = df.loc[~df["is_france"], "code"]
    check_codes(zones, r"^\d{4}$", ZE_FILE, "code", 1)
    return df


def load_dep_indicateurs() -> pd.DataFrame:
    """Indicators of the 96 metropolitan départements plus the France row.

    Same columns as :func:`load_ze_indicateurs`; ``code`` is a département code (``"01"``,
    ``"2A"``) or ``"00FR"``.
    """
    df = _load_territory_indicators(DEP_FILE, codes.departement)
    deps = df.loc[~df["is_france"], "code"]
    check_codes(deps, codes.DEPARTEMENT_PATTERN, DEP_FILE, "code", 1)
    return df


def load_de_mensuel() -> pd.DataFrame:
    """Monthly job seekers (France Travail), January 2020 – December 2024.

    Columns: ``level`` (``"commune"``, ``"departement"``, ``"region"``), ``code`` (5-character
    commune code, département code ``"14"``/``"2A"``/``"971"``, 2-character région code),
    ``date`` (first day of the month), ``value`` (float, rounded to 10 by the source),
    ``occurrence`` (0 for the first row of a code and month in the file, 1 for the second…: a few
    communes have several rows, see :func:`coodiag.base.indicators.job_seekers_monthly`).

    The source's ``codgeo`` tells the levels apart: ``regNN`` is a région, 5 characters a
    commune, 2 or 3 characters a département.
    """
    relative = DE_MENSUEL_FILE
    df = read_csv(relative, dtype="string")
    require_columns(df, ["codgeo", "YEAR", "Demandeurs_Emploi"], relative)
    raw_code = df["codgeo"].str.strip()
    region = raw_code.str.extract(_REGION_RE, expand=False)
    is_region = region.notna()
    is_commune = ~is_region & raw_code.str.len().eq(5)
    level = pd.Series("departement", index=df.index, dtype="string")
    level[is_commune] = "commune"
    level[is_region] = "region"
    code = pd.Series(pd.NA, index=df.index, dtype="string")
    code[is_region] = codes.region(region[is_region])
    code[is_commune] = codes.commune(raw_code[is_commune])
    is_dep = level.eq("departement")
    code[is_dep] = codes.departement(raw_code[is_dep])
    patterns = {
        "commune": codes.COMMUNE_PATTERN,
        "departement": codes.DEPARTEMENT_PATTERN,
        "region": codes.REGION_PATTERN,
    }
    for lvl, pattern in patterns.items():
        sel = level.eq(lvl)
        bad = sel & ~code.fillna("").str.match(pattern)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{relative}, ligne {pos + 2}, colonne « codgeo » : code géographique "
                f"non reconnu « {raw_code.iloc[pos]} »."
            )

    months = df["YEAR"].str.strip().str.lower()
    parsed = months.str.extract(_MONTH_RE)
    month_num = parsed[0].map(_MONTHS)
    bad = month_num.isna() | parsed[1].isna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{relative}, ligne {pos + 2}, colonne « YEAR » : mois non reconnu "
            f"« {df['YEAR'].iloc[pos]} » (attendu : « janvier_2020 »)."
        )
    dates = pd.to_datetime(
        {"year": parsed[1].astype(int), "month": month_num.astype(int), "day": 1}
    )
    out = pd.DataFrame({"level": level, "code": code, "date": dates})
    out["value"] = df["Demandeurs_Emploi"]
    out = numeric_columns(out, ["value"], relative)
    out["occurrence"] = out.groupby(["level", "code", "date"]).cumcount()
    return out


def load_de_communes() -> pd.DataFrame:
    """Job seekers per commune, all France, one date around 2024 (probably categories A, B, C).

    Columns: ``code`` (5 characters, COG 2024: the file holds the communes created in 2024 and
    not those merged in 2024), ``nom``, ``de`` (float, the source field ``population``, which
    actually holds job seekers; rounded to 5), ``is_arrondissement`` (True for the municipal
    arrondissements of Paris, Lyon, Marseille, which the file lists besides their commune).
    """
    relative = DE_COMMUNES_FILE
    df = _read_json_records(relative)
    require_columns(df, ["insee", "nom_commune", "population"], relative)
    out = pd.DataFrame({"code": codes.commune(df["insee"]), "nom": df["nom_commune"]})
    out["nom"] = out["nom"].astype("string")
    check_codes(out["code"], codes.COMMUNE_PATTERN, relative, "insee", 1)
    out["de"] = df["population"]
    out = numeric_columns(out, ["de"], relative, row_offset=1)
    if out["code"].duplicated().any():
        dup = out.loc[out["code"].duplicated(), "code"].iloc[0]
        raise DataError(f"{relative} : la commune {dup} apparaît plusieurs fois (insee).")
    out["is_arrondissement"] = out["code"].str.match(_ARRONDISSEMENT_RE).astype(bool)
    return out


def load_barometre_siae() -> pd.DataFrame:
    """People employed in SIAE per département and month (government results barometer).

    Columns: ``departement`` (``"01"``, ``"2A"``, ``"971"``), ``date`` (first day of the month;
    the source dates the stock at the last day of the month), ``value`` (float).
    Covers January 2017 – September 2022, 101 départements.
    """
    relative = BAROMETRE_SIAE_FILE
    df = read_csv(relative, dtype="string")
    require_columns(df, ["id_indicateur", "code_departement", "date", "valeur"], relative)
    other = df["id_indicateur"].ne("nb-beneficiaires-siae")
    if other.any():
        pos = int(np.flatnonzero(other.to_numpy())[0])
        raise DataError(
            f"{relative}, ligne {pos + 2}, colonne « id_indicateur » : indicateur inattendu "
            f"« {df['id_indicateur'].iloc[pos]} » (attendu : nb-beneficiaires-siae)."
        )
    out = pd.DataFrame({"departement": codes.departement(df["code_departement"])})
    check_codes(out["departement"], codes.DEPARTEMENT_PATTERN, relative, "code_departement", 2)
    dates = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        pos = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(
            f"{relative}, ligne {pos + 2}, colonne « date » : date invalide "
            f"« {df['date'].iloc[pos]} » (attendu : AAAA-MM-JJ)."
        )
    out["date"] = dates.dt.to_period("M").dt.to_timestamp()
    out["value"] = df["valeur"]
    out = numeric_columns(out, ["value"], relative)
    if out.duplicated(["departement", "date"]).any():
        pos = int(np.flatnonzero(out.duplicated(["departement", "date"]).to_numpy())[0])
        raise DataError(
            f"{relative}, ligne {pos + 2} : le département {out['departement'].iloc[pos]} a "
            "deux valeurs pour le même mois."
        )
    return out
