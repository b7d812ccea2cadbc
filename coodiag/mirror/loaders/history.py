"""Loaders of the older code vintages: COG 2023, Etalab's ``anciensCodes``, Normandie 2018 polygons.

These tables exist to convert commune codes of older vintages to COG 2025 (see
:mod:`coodiag.reference.cog`), never as the base itself. Codes are normalised by
:mod:`coodiag.codes`.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd

from coodiag import codes, settings
from coodiag.errors import DataError
from coodiag.mirror import sources
from coodiag.mirror.sync import raw_path

COG_2023 = "cog/v_commune_2023.csv"
DECOUPAGE_COMMUNES = "cog/etalab-decoupage-administratif-6.0.0/communes.json"


def load_cog_communes_2023() -> pd.DataFrame:
    """The INSEE COG 2023 commune file (COM, COMD, COMA and ARM rows).

    Returns
    -------
    pandas.DataFrame
        Columns ``typecom, com, reg, dep, libelle, comparent`` (lower-case), all strings; ``com``
        and ``comparent`` (the parent of a COMD/COMA/ARM, else missing) are 5-character codes.
    """
    path = raw_path(COG_2023)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = df.columns.str.lower()
    missing = {"typecom", "com", "reg", "dep", "libelle", "comparent"} - set(df.columns)
    if missing:
        raise DataError(f"{COG_2023} : colonnes absentes ({', '.join(sorted(missing))}).")
    return pd.DataFrame(
        {
            "typecom": df["typecom"].astype("string").str.strip(),
            "com": codes.commune(df["com"]),
            "reg": codes.region(df["reg"]),
            "dep": codes.departement(df["dep"]),
            "libelle": df["libelle"].astype("string"),
            "comparent": codes.commune(df["comparent"]),
        }
    )


def _str_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def load_decoupage_communes() -> pd.DataFrame:
    """Etalab's ``communes.json`` (COG 2025 communes, plus COMD, COMA, ARM and overseas COM).

    Returns
    -------
    pandas.DataFrame
        Columns ``code, nom, type`` (``commune-actuelle``, ``commune-deleguee``,
        ``commune-associee``, ``arrondissement-municipal``), ``departement, region``,
        ``codes_postaux`` and ``anciens_codes`` (lists of strings, empty when not given),
        ``population`` (nullable integer) and ``chef_lieu``: the parent commune of a commune
        déléguée or associée (``chefLieu``) or of a municipal arrondissement (``commune``).
    """
    path = raw_path(DECOUPAGE_COMMUNES)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{DECOUPAGE_COMMUNES} : JSON illisible ({exc}).") from exc
    raw = pd.DataFrame.from_records(records)
    if "code" not in raw or "type" not in raw:
        raise DataError(f"{DECOUPAGE_COMMUNES} : champs « code » ou « type » absents.")

    def column(name: str) -> pd.Series:
        return raw[name] if name in raw else pd.Series(pd.NA, index=raw.index, dtype=object)

    parent = column("chefLieu").where(column("chefLieu").notna(), column("commune"))
    return pd.DataFrame(
        {
            "code": codes.commune(raw["code"]),
            "nom": column("nom").astype("string"),
            "type": raw["type"].astype("string"),
            "departement": codes.departement(column("departement")),
            "region": codes.region(column("region")),
            "codes_postaux": column("codesPostaux").map(_str_list),
            "population": pd.to_numeric(column("population")).astype("Int64"),
            "anciens_codes": column("anciensCodes").map(_str_list),
            "chef_lieu": codes.commune(parent),
        }
    )


def load_communes_2018_normandie() -> gpd.GeoDataFrame:
    """The 2,709 Normandie commune polygons of COG 2018 (france-geojson, IGN).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (5-character string), ``nom``, ``geometry``, in Lambert-93
        (EPSG:2154). Invalid rings are repaired with ``make_valid``.
    """
    frames = []
    for file in sources.get("communes_2018_normandie").files:
        gdf = gpd.read_file(raw_path(file.path))
        if "code" not in gdf or "nom" not in gdf:
            raise DataError(f"{file.path} : propriétés « code » et « nom » attendues.")
        frames.append(gdf[["code", "nom", "geometry"]])
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    gdf["code"] = codes.commune(gdf["code"])
    gdf["nom"] = gdf["nom"].astype("string")
    if gdf["code"].duplicated().any():
        dup = ", ".join(gdf.loc[gdf["code"].duplicated(), "code"].unique()[:5])
        raise DataError(f"Contours communaux 2018 : codes en double ({dup}).")
    gdf = gdf.to_crs(settings.CRS_METRO)
    gdf["geometry"] = gdf.geometry.make_valid()
    return gdf
