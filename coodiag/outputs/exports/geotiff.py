"""GeoTIFF rasters (accessibility surfaces) that QGIS opens instantly and describes fully.

One file per layer, one band per measure (an SIAE type, or all SIAE), float32, in the metric
CRS of the zone (Lambert-93 EPSG:2154 for metropolitan France and Corsica, the official UTM CRS
of each DROM). Cloud-optimised: GDAL's ``COG`` driver when it is available (tiles of 512
cells, DEFLATE with a floating-point predictor, overviews averaged with nodata respected),
else a tiled GeoTIFF with internal overviews. Cells outside the territory hold :data:`NODATA`.

Metadata: the band description is the indicator's French label, the band unit its unit;
band tags ``INDICATEUR, LIBELLE, UNITE, NUMERATEUR, DENOMINATEUR, SOURCE, MILLESIME,
METHODE``; dataset tags are given by the caller (territory, resolution, parameters) plus
``SOURCE`` (every band's sources, joined) and ``LOGICIEL``. Written to a temporary file beside
the target that replaces it in one step (:func:`coodiag._io.atomic_path`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling

from coodiag._io import atomic_path
from coodiag.base.indicators import Indicator

#: Value of the cells outside the territory (and of undefined cells).
NODATA = -9999.0
#: Tile size of the file, cells.
BLOCK = 512
SOFTWARE = "coodiag"


def cog_available() -> bool:
    """True when GDAL has the Cloud Optimized GeoTIFF driver (GDAL ≥ 3.1)."""
    with rasterio.Env() as env:
        return "COG" in env.drivers()


def _profile(shape: tuple[int, int], count: int, crs, transform) -> dict:
    base = {"width": shape[1], "height": shape[0], "count": count, "dtype": "float32",
            "crs": crs, "transform": transform, "nodata": NODATA}
    if cog_available():
        return {**base, "driver": "COG", "BLOCKSIZE": BLOCK, "COMPRESS": "DEFLATE",
                "PREDICTOR": "YES", "OVERVIEWS": "AUTO", "RESAMPLING": "AVERAGE"}
    return {**base, "driver": "GTiff", "tiled": True, "blockxsize": BLOCK, "blockysize": BLOCK,
            "compress": "deflate", "predictor": 3}


def _band_tags(ind: Indicator) -> dict[str, str]:
    tags = {"INDICATEUR": ind.key, "LIBELLE": ind.label, "UNITE": ind.unit,
            "NUMERATEUR": ind.numerator, "DENOMINATEUR": ind.denominator,
            "SOURCE": ind.source, "MILLESIME": ind.vintage, "METHODE": ind.method}
    return {k: v for k, v in tags.items() if v}


def write_geotiff(
    path: Path | str,
    bands: Sequence[tuple[np.ndarray, Indicator]],
    *,
    crs,
    transform,
    tags: Mapping[str, str] | None = None,
) -> Path:
    """Write ``bands`` (``(values, indicator)``, 2-D arrays of one shape, NaN = no value) as
    one GeoTIFF at ``path``; returns the path."""
    path = Path(path)
    if not bands:
        raise ValueError("Aucune bande à écrire.")
    shape = bands[0][0].shape
    if any(v.shape != shape for v, _ in bands):
        raise ValueError("Bandes de tailles différentes.")
    sources = list(dict.fromkeys(s.strip() for _, ind in bands for s in ind.source.split(" ; ")
                                 if s.strip()))
    with atomic_path(path) as tmp:
        _write(tmp, bands, _profile(shape, len(bands), crs, transform),
               {"LOGICIEL": SOFTWARE, "SOURCE": " ; ".join(sources), **dict(tags or {})})
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files
    return path


def _write(tmp: Path, bands, profile: dict, tags: dict[str, str]) -> None:
    with rasterio.open(tmp, "w", **profile) as dst:
        for i, (values, ind) in enumerate(bands, start=1):
            data = np.where(np.isfinite(values), values, NODATA).astype("float32")
            dst.write(data, i)
            dst.set_band_description(i, ind.label)
            dst.set_band_unit(i, ind.unit)
            dst.update_tags(i, **_band_tags(ind))
        dst.update_tags(**tags)
        if dst.driver != "COG":
            dst.build_overviews(_overview_factors(profile["height"], profile["width"]),
                                Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")


def _overview_factors(height: int, width: int) -> list[int]:
    factors, f = [], 2
    while max(height, width) / f >= BLOCK / 2:
        factors.append(f)
        f *= 2
    return factors or [2]
