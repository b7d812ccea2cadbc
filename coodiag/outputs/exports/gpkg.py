"""The GeoPackage of an atlas: one layer per mapped layer, opening in QGIS as it should.

Layer names are lower snake_case (``communes_impact``, ``siae``); polygon layers are
``MultiPolygon`` (single polygons promoted), point layers ``Point``; a layer in a geographic CRS
(WGS84) is reprojected into the metric CRS of its zone when all of it lies in one zone
(Lambert-93 EPSG:2154 for metropolitan France and Corsica, the official UTM CRS of each DROM:
:data:`coodiag.settings.CRS_DROM`), and kept in WGS84 when it spans several zones; a layer
already projected is kept as it is. Field names are cut to 63 characters (unique,
case-insensitively; ``fid`` and ``geom`` are renamed, being the GeoPackage's own columns);
lists become ``", "``-joined text, dicts ``"clé : valeur"`` text; booleans are GeoPackage
booleans (integers with the boolean subtype, shown as such by QGIS); other geometry columns
(the ``point`` of the communes) are dropped. The optional layer title becomes the GeoPackage
``IDENTIFIER`` (shown by QGIS). Each layer opens in QGIS with the colours of its map: the
``layer_styles`` table (:mod:`.qgisstyle`), from the style the map recorded in the layer's
``attrs["qgis_style"]``. The file is written as a temporary ``.gpkg`` beside its target
(GDAL wants the extension) that replaces it in one step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import settings
from coodiag.outputs.exports.cells import cell_text, is_missing, join_items
from coodiag.outputs.exports.checks import ExportError, check_secrecy, slugify
from coodiag.outputs.exports.qgisstyle import write_layer_styles

#: GeoPackage field names are cut to this length.
MAX_FIELD_NAME = 63
#: Extents (lon/lat, generous) of the zones of the base, to choose the metric CRS of a layer.
ZONE_EXTENTS: dict[str, tuple[float, float, float, float]] = {
    "metro": (-5.8, 41.2, 10.0, 51.6),
    "971": (-61.9, 15.8, -60.9, 16.6),
    "972": (-61.3, 14.3, -60.7, 15.0),
    "973": (-54.7, 2.0, -51.5, 6.0),
    "974": (55.1, -21.5, 56.0, -20.8),
    "976": (44.9, -13.1, 45.4, -12.5),
}

_LAYER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _zone_of(bounds: np.ndarray) -> str | None:
    """The zone of the base whose extent holds ``bounds`` (lon/lat), or ``None``."""
    minx, miny, maxx, maxy = bounds
    for zone, (x0, y0, x1, y1) in ZONE_EXTENTS.items():
        if minx >= x0 and miny >= y0 and maxx <= x1 and maxy <= y1:
            return zone
    return None


def _target_crs(gdf: gpd.GeoDataFrame) -> Any:
    """The CRS of the layer in the GeoPackage (see the module docstring)."""
    if not gdf.crs.is_geographic:
        return gdf.crs
    valid = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if valid.empty:
        return settings.CRS_METRO
    bounds = valid.to_crs(settings.CRS_WEB).total_bounds
    zone = _zone_of(bounds)
    if zone == "metro":
        return settings.CRS_METRO
    if zone is not None:
        return settings.CRS_DROM[zone]
    return gdf.crs


def _geometry_type(name: str, geoms: gpd.GeoSeries) -> tuple[str, bool]:
    """The GeoPackage geometry type of a layer and whether to promote to multi-geometries."""
    types = set(geoms[~(geoms.isna() | geoms.is_empty)].geom_type.unique())
    if not types:
        return "Unknown", False
    families = {t.removeprefix("Multi") for t in types}
    if len(families) > 1:
        raise ExportError(
            f"La couche « {name} » mélange des géométries de types différents "
            f"({', '.join(sorted(types))}) : faites-en une couche par type."
        )
    family = families.pop()
    if family == "Polygon":
        return "MultiPolygon", True
    if family == "LineString":
        return "MultiLineString", True
    if family == "Point":
        return ("MultiPoint", True) if "MultiPoint" in types else ("Point", False)
    raise ExportError(
        f"La couche « {name} » contient des géométries {family} : non prises en charge."
    )


def _field_names(name: str, columns: Sequence[Any]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for col in columns:
        base = str(col).strip() or "champ"
        if base.casefold() in {"fid", "geom"}:
            base = f"{base}_source"
        base = base[:MAX_FIELD_NAME]
        candidate, k = base, 1
        while candidate.casefold() in seen:
            k += 1
            suffix = f"_{k}"
            candidate = base[: MAX_FIELD_NAME - len(suffix)] + suffix
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _field_values(series: pd.Series) -> pd.Series:
    """A column in a type GDAL writes: lists and dicts joined, mixed objects as text."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        if series.isna().any():
            return series.astype("boolean")
        return series.astype(bool)
    is_object = pd.api.types.is_object_dtype(dtype)
    if isinstance(dtype, pd.PeriodDtype | pd.CategoricalDtype) or (
        pd.api.types.is_string_dtype(dtype) and not is_object
    ):
        return pd.Series(
            [None if is_missing(v) else str(v) for v in series.astype(object)],
            index=series.index,
            dtype=object,
        )
    if not is_object:
        return series
    values = [
        join_items(v)
        if isinstance(v, list | tuple | set | frozenset | np.ndarray | Mapping)
        else (None if is_missing(v) else v)
        for v in series.tolist()
    ]
    present = [v for v in values if v is not None]
    if present and all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
        for v in present
    ):
        return pd.to_numeric(pd.Series(values, index=series.index, dtype=object))
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        return pd.Series(values, index=series.index, dtype="boolean")
    return pd.Series(
        [None if v is None else cell_text(v) if not isinstance(v, str) else v for v in values],
        index=series.index,
        dtype=object,
    )


def _prepare_layer(
    name: str,
    gdf: gpd.GeoDataFrame,
    *,
    person_counts: Sequence[str],
    threshold: int | None,
) -> tuple[gpd.GeoDataFrame, str, bool]:
    if not isinstance(name, str) or not _LAYER_NAME.match(name) or len(name) > MAX_FIELD_NAME:
        raise ExportError(
            f"Nom de couche invalide : « {name} ». Utilisez des minuscules sans accent, des "
            f"chiffres et des « _ » (par exemple « {slugify(str(name)) or 'communes'} »)."
        )
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf._geometry_column_name not in gdf.columns:
        raise ExportError(f"La couche « {name} » n'a pas de colonne de géométrie.")
    if gdf.crs is None:
        raise ExportError(
            f"La couche « {name} » n'a pas de système de coordonnées (CRS) : définissez-le."
        )
    check_secrecy(gdf, person_counts, what=f"la couche « {name} »", threshold=threshold)
    geom_name = gdf.geometry.name
    names = [n for n in gdf.index.names if n is not None]
    out = gdf.reset_index(level=names) if names else gdf
    out = out.reset_index(drop=True)
    extra = [
        c
        for c in out.columns
        if c != geom_name and isinstance(out[c].dtype, gpd.array.GeometryDtype)
    ]
    out = out.drop(columns=extra)
    out = out.to_crs(_target_crs(out))
    gtype, promote = _geometry_type(name, out.geometry)
    attrs = [c for c in out.columns if c != geom_name]
    data = {
        field_name: _field_values(out[c])
        for field_name, c in zip(_field_names(name, attrs), attrs, strict=True)
    }
    frame = gpd.GeoDataFrame(
        data, geometry=out.geometry.values, crs=out.crs, index=pd.RangeIndex(len(out))
    )
    frame.attrs = {"qgis_style": gdf.attrs.get("qgis_style")}
    return frame, gtype, promote


@contextlib.contextmanager
def _atomic_gpkg(target: Path) -> Iterator[Path]:
    """A temporary ``.gpkg`` beside ``target`` (GDAL wants the extension) that replaces it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp.gpkg", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # GDAL creates the file: an empty file is not a valid GeoPackage
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        for leftover in (tmp_path, *(Path(f"{tmp}{s}") for s in ("-journal", "-wal", "-shm"))):
            if leftover.exists():
                leftover.unlink()


def _layer_person_counts(
    name: str, gdf: gpd.GeoDataFrame, person_counts: Mapping[str, Sequence[str]] | None
) -> Sequence[str]:
    if person_counts and name in person_counts:
        return list(person_counts[name])
    return list(gdf.attrs.get("person_counts", ()) or ())


def check_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    person_counts: Mapping[str, Sequence[str]] | None = None,
    threshold: int | None = None,
) -> dict[str, tuple[gpd.GeoDataFrame, str, bool]]:
    """Check and prepare every layer (name, CRS, geometry type, fields, secrecy)."""
    unknown = set(person_counts or {}) - set(layers)
    if unknown:
        raise ExportError(
            "Comptages de personnes déclarés pour des couches absentes : "
            + ", ".join(sorted(unknown))
        )
    return {
        name: _prepare_layer(
            name,
            gdf,
            person_counts=_layer_person_counts(name, gdf, person_counts),
            threshold=threshold,
        )
        for name, gdf in layers.items()
    }


def write_prepared_gpkg(
    prepared: Mapping[str, tuple[gpd.GeoDataFrame, str, bool]],
    path: Path,
    titles: Mapping[str, str] | None,
    produced: dt.date | None = None,
) -> Path:
    """Write layers already checked by :func:`check_layers` (the atlas checks all its exports
    before writing any), with their QGIS styles (:mod:`.qgisstyle`)."""
    import pyogrio

    if not prepared:
        raise ExportError("Aucune couche à écrire dans le GeoPackage.")
    with _atomic_gpkg(path) as tmp:
        for name, (frame, gtype, promote) in prepared.items():
            options = {}
            if titles and titles.get(name):
                options["IDENTIFIER"] = titles[name]
            pyogrio.write_dataframe(
                frame,
                tmp,
                layer=name,
                driver="GPKG",
                geometry_type=gtype,
                promote_to_multi=promote,
                layer_options=options or None,
            )
        write_layer_styles(
            tmp, {name: frame.attrs.get("qgis_style") for name, (frame, _, _) in prepared.items()},
            titles, produced,
        )
    return path


def write_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: Path | str,
    *,
    person_counts: Mapping[str, Sequence[str]] | None = None,
    titles: Mapping[str, str] | None = None,
    threshold: int | None = None,
) -> Path:
    """Write one GeoPackage layer per mapped layer, atomically; return the path.

    - ``layers``: layer name (lower snake_case: ``communes_impact``, ``siae``) -> GeoDataFrame.
    - ``person_counts``: layer name -> columns holding counts of people (also read from
      ``gdf.attrs["person_counts"]``), refused if one still holds 1..threshold-1.
    - ``titles``: layer name -> French title (GeoPackage ``IDENTIFIER``, shown by QGIS).

    Every layer is checked before anything is written.
    """
    prepared = check_layers(layers, person_counts=person_counts, threshold=threshold)
    return write_prepared_gpkg(prepared, Path(path), titles)
