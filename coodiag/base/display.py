"""Display geometries: simplified, topology-preserving copies of the base for web maps.

Written at the end of ``coodiag build`` into ``data/processed/display/`` (one file per level
and région, plus one per level for all of France), read by the explorer. Only core
dependencies (geopandas, shapely): the build does not need the ``app`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coodiag import levels, settings
from coodiag._io import atomic_dir
from coodiag.base import store

#: Base table of each level -> its code column in the commune table.
LEVELS = {lv.table: lv.code for lv in levels.LEVELS}
#: Simplification tolerance (metres, ``coverage_simplify``) of the régional files.
TOLERANCE_REGION = 250.0
#: Simplification tolerance (metres) of the national files (``<level>_FR``).
TOLERANCE_FRANCE = 1000.0
#: Name of the national file suffix.
FRANCE = "FR"
#: Columns of the commune table kept in the display files (to select and aggregate).
COMMUNE_COLUMNS = [
    "code",
    "nom",
    "dep",
    "dep_nom",
    "reg",
    "reg_nom",
    "epci",
    "epci_nom",
    "ze2020",
    "ze_nom",
    "crs_zone",
]


#: Upload kinds -> (reader name, French label).
def display_dir(base_dir: Path | None = None) -> Path:
    """``data/processed/display`` (beside the base folder ``base_dir`` when given)."""
    return (Path(base_dir).parent if base_dir is not None else settings.processed_dir()) / (
        "display"
    )


# ------------------------------------------------------------------------------------------
# Display geometries, built once
# ------------------------------------------------------------------------------------------


def _simplify(gdf: gpd.GeoDataFrame, tolerance: float) -> np.ndarray:
    """Coverage-simplified geometries (per metric zone), WGS84, 5 decimals."""
    out = np.empty(len(gdf), dtype=object)
    zones = gdf["crs_zone"].astype(str).to_numpy()
    for zone in np.unique(zones):
        idx = np.flatnonzero(zones == zone)
        epsg = settings.CRS_DROM.get(zone, settings.CRS_METRO)
        part = gdf.iloc[idx].to_crs(epsg)
        geoms = np.asarray(part.geometry.array, dtype=object)
        geoms = shapely.make_valid(geoms)
        try:
            simple = shapely.coverage_simplify(geoms, tolerance)
        except Exception:  # not a clean coverage: each polygon on its own
            simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
        wgs = gpd.GeoSeries(simple, crs=epsg).to_crs(4326)
        out[idx] = shapely.transform(np.asarray(wgs.array, dtype=object), lambda c: np.round(c, 5))
    return out


def build_display_geometries(base_dir: Path | None = None) -> list[Path]:
    """Write the display geometries of every level (see the module docstring).

    ``base_dir``: the base folder (default ``data/processed/base``); the files go to the
    ``display`` folder beside it. Returns the written paths. Called at the end of
    ``coodiag build``; the explorer only reads these files. The folder is replaced in one
    step, so the explorer never reads a half-written set.
    """
    final = display_dir(base_dir)
    with atomic_dir(final) as out_dir:
        written = _write_display(out_dir, base_dir)
    return [final / p.name for p in written]


def _write_display(out_dir: Path, base_dir: Path | None) -> list[Path]:
    communes = store.read_level("communes", base=base_dir)
    meta = {"cog": settings.COG_VINTAGE, "usage": "affichage (géométries simplifiées)"}
    written: list[Path] = []
    for level, col in LEVELS.items():
        if level == "communes":
            gdf = communes[[*COMMUNE_COLUMNS, "geometry"]].copy()
        else:
            gdf = store.read_level(level, base=base_dir)
            keep = [c for c in ("code", "nom", "crs_zone", "geometry") if c in gdf.columns]
            gdf = gdf[keep].copy()
        pairs = pd.DataFrame(
            {"code": communes[col].astype(str), "reg": communes["reg"].astype(str)}
        ).drop_duplicates()
        for suffix, tol in ((None, TOLERANCE_REGION), (FRANCE, TOLERANCE_FRANCE)):
            simple = gdf.copy()
            simple["geometry"] = _simplify(gdf, tol)
            simple = gpd.GeoDataFrame(simple, geometry="geometry", crs=4326)
            if suffix == FRANCE:
                path = out_dir / f"{level}_{FRANCE}.parquet"
                store.write_table(simple, path, {**meta, "tolerance_m": tol})
                written.append(path)
                continue
            codes = simple["code"].astype(str)
            for reg, in_reg in pairs.groupby("reg")["code"]:
                path = out_dir / f"{level}_{reg}.parquet"
                part = simple[codes.isin(set(in_reg)).to_numpy()].reset_index(drop=True)
                store.write_table(part, path, {**meta, "tolerance_m": tol, "reg": reg})
                written.append(path)
    return written


def read_display(
    level: str, regs: Sequence[str] | None, *, base_dir: Path | None = None
) -> gpd.GeoDataFrame:
    """Display geometries of ``level`` for the régions ``regs`` (None: all France, coarser).

    Falls back to simplifying the base on the fly (slow) if the files were not built.
    """
    folder = display_dir(base_dir)
    names = [FRANCE] if regs is None else list(dict.fromkeys(str(r) for r in regs))
    paths = [folder / f"{level}_{name}.parquet" for name in names]
    if all(p.exists() for p in paths):
        parts = [gpd.read_parquet(p) for p in paths]
        gdf = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=4326)
        return gdf.drop_duplicates("code").reset_index(drop=True)
    # Not built yet: simplify now (the caller should cache the result).
    gdf = store.read_level(level, base=base_dir)
    if level == "communes":
        gdf = gdf[[*COMMUNE_COLUMNS, "geometry"]]
        if regs is not None:
            gdf = gdf[gdf["reg"].isin(names)]
    elif regs is not None:
        communes = store.read_level("communes", base=base_dir)
        codes = set(communes.loc[communes["reg"].isin(names), LEVELS[level]])
        gdf = gdf[gdf["code"].isin(codes)]
    gdf = gdf.reset_index(drop=True).copy()
    gdf["geometry"] = _simplify(gdf, TOLERANCE_FRANCE if regs is None else TOLERANCE_REGION)
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=4326)


# ------------------------------------------------------------------------------------------
# Compact polygon layers
# ------------------------------------------------------------------------------------------
