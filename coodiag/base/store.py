"""Reading and writing the territorial base (GeoParquet in ``data/processed/base``).

Layout of the base folder:

- ``manifest.json``: COG vintage, build date, cache key, input checksums, tables and row counts;
- ``<level>.parquet``: every unit of France in WGS84 (EPSG:4326), the export for the web;
- ``<level>_<zone>.parquet``: the same units in the metric CRS of their zone (``metro``:
  Lambert-93 EPSG:2154; ``971``...``976``: the official UTM CRS of each DROM), for distances
  and areas;
- ``<table>.parquet``: plain tables (indicators, their metadata, monthly series).

Every Parquet file carries a ``coodiag`` key in its schema metadata with the COG vintage.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from coodiag import settings
from coodiag.errors import BaseMissingError

BASE_NAME = "base"
MANIFEST = "manifest.json"


def base_dir() -> Path:
    """The folder of the current territorial base."""
    return settings.processed_dir() / BASE_NAME


def write_table(df: pd.DataFrame, path: Path, meta: dict) -> None:
    """Write a (Geo)DataFrame as (Geo)Parquet with ``meta`` under the ``coodiag`` key.

    The metadata travels in the frame's ``attrs``, which pandas and geopandas both store in the
    Parquet schema (``PANDAS_ATTRS``) and restore on reading.
    """
    out = df.copy(deep=False)
    out.attrs = {"coodiag": meta}
    out.to_parquet(path, index=False, compression="zstd")


def file_meta(path: Path) -> dict:
    """The ``coodiag`` metadata of a Parquet file of the base."""
    raw = pq.read_schema(path).metadata or {}
    return json.loads(raw.get(b"PANDAS_ATTRS", b"{}")).get("coodiag", {})


def _path(name: str, base: Path | None = None) -> Path:
    path = (base or base_dir()) / f"{name}.parquet"
    if not path.exists():
        raise BaseMissingError(
            f"La base territoriale ne contient pas « {name} » ({path}). "
            "Construisez-la avec « coodiag build »."
        )
    return path


def read_level(
    level: str, *, zone: str | None = None, base: Path | None = None
) -> gpd.GeoDataFrame:
    """A territorial level: ``communes``, ``zones_emploi``, ``epci``, ``departements``, ``regions``.

    ``zone=None`` gives all of France in WGS84; ``zone="metro"`` metropolitan France and Corsica
    in Lambert-93; ``zone="971"`` (etc.) one DROM in its own metric CRS.
    """
    name = level if zone is None else f"{level}_{zone}"
    return gpd.read_parquet(_path(name, base))


def read_table(name: str, *, base: Path | None = None) -> pd.DataFrame:
    """A plain table of the base (indicators, metadata, monthly series)."""
    return pd.read_parquet(_path(name, base))


def read_manifest(base: Path | None = None) -> dict:
    """The manifest of the base, or raise :class:`BaseMissingError`."""
    path = (base or base_dir()) / MANIFEST
    if not path.exists():
        raise BaseMissingError(
            f"Aucune base territoriale dans {path.parent}. Lancez « coodiag data sync » puis "
            "« coodiag build »."
        )
    return json.loads(path.read_text("utf-8"))


class Base:
    """A built territorial base: levels and tables read on first use, then kept in memory.

    >>> base = Base.open()                        # doctest: +SKIP
    >>> base.level("communes", zone="metro").crs  # doctest: +SKIP
    <Projected CRS: EPSG:2154>
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.manifest = read_manifest(path)
        self._cache: dict[tuple[str, str | None], pd.DataFrame] = {}

    @classmethod
    def open(cls, path: Path | None = None) -> Base:
        """The base in ``path`` (default: :func:`base_dir`); French error if it is not built."""
        return cls(path or base_dir())

    def level(self, name: str, *, zone: str | None = None) -> gpd.GeoDataFrame:
        """A level (``communes``, ``zones_emploi``, ``epci``, ``departements``, ``regions``,
        ``siae``): WGS84, or the metric CRS of ``zone`` (``"metro"``, ``"971"``...)."""
        key = (name, zone)
        if key not in self._cache:
            self._cache[key] = read_level(name, zone=zone, base=self.path)
        return self._cache[key]

    def table(self, name: str) -> pd.DataFrame:
        """A plain table (``indicateurs_communes``, ``indicateurs_meta``...)."""
        key = (name, "table")
        if key not in self._cache:
            self._cache[key] = read_table(name, base=self.path)
        return self._cache[key]

    @property
    def communes(self) -> gpd.GeoDataFrame:
        """The 34,875 communes of the COG 2025 (WGS84)."""
        return self.level("communes")

    @property
    def siae(self) -> gpd.GeoDataFrame:
        """The SIAE registry (without the users' capacity figures)."""
        return self.level("siae")

    def __repr__(self) -> str:
        return f"Base({str(self.path)!r}, COG {self.manifest.get('cog_vintage', '?')})"
