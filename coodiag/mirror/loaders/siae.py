"""Loaders of the SIAE lists of the mirror: the 2021 platform list and the July 2019 ASP list."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from coodiag import codes
from coodiag.errors import DataError
from coodiag.mirror.sync import raw_path

#: Date of each list, as shown next to every field taken from it.
DATE_EMPLOIS = "2021-01"
DATE_ASP = "2019-07"
DATE_GEIQ = "2019-11"


def _text(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    return s.mask(s == "")


def load_siae_emplois_2021() -> pd.DataFrame:
    """The 3,853 structures of the inclusion platform (early 2021), one row per (SIRET, type).

    Columns: ``siret, type, naf, nom, enseigne, adresse, code_postal, ville, departement, lon,
    lat, score_geocodage, convention, source_plateforme, maj``. ``lon``/``lat`` are NaN for the
    32 structures without coordinates.
    """
    rel = "siae/siaes_les-emplois_2021.json"
    try:
        rows = [r["fields"] for r in json.loads(raw_path(rel).read_text("utf-8"))]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{rel} : JSON illisible ou inattendu ({exc}).") from exc
    df = pd.DataFrame(rows)
    coords = df["coords"].astype("string").str.extract(r"POINT \(([-\d.]+) ([-\d.]+)\)")
    address = (
        df["address_line_1"].fillna("").str.strip() + " " + df["address_line_2"].fillna("")
    ).str.strip()
    return pd.DataFrame(
        {
            "siret": codes.siret(df["siret"]),
            "type": _text(df["kind"]),
            "naf": _text(df["naf"]),
            "nom": _text(df["name"]),
            "enseigne": _text(df["brand"]),
            "adresse": _text(address),
            "code_postal": _text(df["post_code"]),
            "ville": _text(df["city"]),
            "departement": codes.departement(df["department"]),
            "lon": pd.to_numeric(coords[0]).astype("float64"),
            "lat": pd.to_numeric(coords[1]).astype("float64"),
            "score_geocodage": pd.to_numeric(df["geocoding_score"]).astype("float64"),
            "convention": _text(df["convention"].astype("Int64").astype("string")),
            "source_plateforme": _text(df["source"]),
            "maj": _text(df["updated_at"]).str[:10],
        }
    )


def load_siae_asp_2019() -> pd.DataFrame:
    """The ASP list of conventioned SIAE (July 2019): 3,932 rows, one per (SIRET, measure) line.

    Columns: ``ligne`` (line number in the file, header = 1), ``siret, type, naf,
    forme_juridique, nom, adresse, code_postal, commune_nom, departement``, and ``romes``
    (list of ROME codes for the 228 structures of the companion file, else empty list).
    Duplicated lines are kept: the registry reports them.
    """
    rel = "siae/liste_siae_asp_2019_07.csv"
    df = pd.read_csv(raw_path(rel), sep=";", dtype=str, keep_default_na=False)
    missing = {"MESURE", "SIRET", "CODE_POSTAL", "COMMUNE"} - set(df.columns)
    if missing:
        raise DataError(f"{rel} : colonne(s) absente(s) : {', '.join(sorted(missing))}.")
    rome = pd.read_csv(
        raw_path("siae/liste_siae_asp_2019_07_rome.csv"), sep=";", dtype=str, keep_default_na=False
    )
    rome_cols = [c for c in rome.columns if c == "ROME" or c.startswith("ROME ")]
    romes = {
        siret: sorted({v.strip() for v in row if v.strip()})
        for siret, row in zip(codes.siret(rome["SIRET"]), rome[rome_cols].to_numpy(), strict=True)
    }
    address = (df["NUM_RUE"].str.strip() + " " + df["NOM_RUE"].str.strip()).str.strip()
    siret = codes.siret(df["SIRET"])
    return pd.DataFrame(
        {
            "ligne": np.arange(2, len(df) + 2),
            "siret": siret,
            "type": _text(df["MESURE"]),
            "naf": _text(df["CODE_NAF2"]),
            "forme_juridique": _text(df["NATURE_JURIDIQUE"]),
            "nom": _text(df["DENOMINATION_SOCIALE"]),
            "adresse": _text(address),
            "code_postal": codes.postcode(df["CODE_POSTAL"]),
            "commune_nom": _text(df["COMMUNE"]),
            "departement": codes.departement(df["CODE_DEPARTEMENT"]),
            "romes": [romes.get(s, []) for s in siret],
        }
    )


def load_geiq_2019() -> pd.DataFrame:
    """The 171 GEIQ of November 2019: ``siret, nom, adresse, code_postal, ville, naf``."""
    rel = "siae/geiq_2019_11.csv"
    df = pd.read_csv(raw_path(rel), dtype=str, keep_default_na=False)
    address = (df["ADRESSE"].str.strip() + " " + df["COMPLEMENT ADRESSE"].str.strip()).str.strip()
    return pd.DataFrame(
        {
            "siret": codes.siret(df["SIRET"]),
            "nom": _text(df["GEIQ"]),
            "adresse": _text(address),
            "code_postal": codes.postcode(df["CODE POSTAL"]),
            "ville": _text(df["VILLE"]),
            "naf": _text(df["NAF"]),
        }
    )
