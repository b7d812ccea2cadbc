"""A raster surface on a web map: classes, reprojection to Web Mercator, an inline PNG.

Leaflet draws an image between two latitude/longitude corners by stretching it linearly in
Web Mercator (EPSG:3857) pixels. A grid in Lambert-93 (or a DROM's UTM) is therefore first
classified cell by cell (:func:`surface_codes`: one small integer per class, 0 outside), then
warped to EPSG:3857 with rasterio (nearest neighbour: classes are never blended; each source
cell spans about :data:`SUPERSAMPLE` pixels per axis so that cells keep even sizes on
screen), and written as a palette PNG in a ``data:`` URI (nothing fetched: the map stays
offline). The corners given to Leaflet are those of the warped image, converted exactly
(longitude is linear in x and latitude monotonic in y in Web Mercator).

The classes are those of the atlas page (:func:`coodiag.outputs.surfacemap.surface_classes`:
quantiles of the cells with some offer in reach, the cells with none apart).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coodiag import fr
from coodiag.outputs.palettes import sequential_colors
from coodiag.outputs.surfacemap import ZERO_COLOR, K, surface_classes

#: Web Mercator pixels per source cell and per axis (nearest-neighbour warp).
SUPERSAMPLE = 2
#: Code of the cells outside the territory (transparent), of the cells with nothing in reach.
OUTSIDE, ZERO = 0, 1
WEB_MERCATOR = "EPSG:3857"


@dataclass(frozen=True)
class SurfaceClasses:
    """Classes of a surface: upper bounds of the positive classes, their colours and the
    legend rows ``(colour, text)`` with the number of cells per class (highest first)."""

    bounds: np.ndarray
    colors: list[str]
    rows: list[tuple[str, str]]

    @property
    def palette(self) -> list[str]:
        """Colour per code (index 0 unused: outside)."""
        return ["#000000", ZERO_COLOR, *self.colors]


@dataclass(frozen=True)
class WebImage:
    """A PNG ``data:`` URI and its ``[[south, west], [north, east]]`` corners (WGS84)."""

    url: str
    bounds: list[list[float]]
    shape: tuple[int, int]
    n_bytes: int


def surface_codes(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Code per cell (uint8): :data:`OUTSIDE` where NaN, :data:`ZERO` where ≤ 0, then 2 + the
    class index among ``bounds`` (upper bounds, increasing)."""
    codes = np.zeros(values.shape, dtype=np.uint8)
    finite = np.isfinite(values)
    pos = finite & (values > 0)
    codes[finite & ~pos] = ZERO
    if len(bounds):
        idx = np.searchsorted(bounds, values[pos], side="left")
        codes[pos] = 2 + np.minimum(idx, len(bounds) - 1)
    return codes


def classes_of(values: Sequence[np.ndarray], k: int = K, *, cells: str = "carreaux"
               ) -> SurfaceClasses:
    """The classes of one or several surfaces together (one legend for all their zones)."""
    flat = np.concatenate([np.ravel(v) for v in values]) if len(values) else np.array([])
    bounds = surface_classes(flat, k)
    colors = sequential_colors(max(len(bounds), 1))[: len(bounds)]
    codes = surface_codes(flat, bounds)
    rows = []
    pos = flat[np.isfinite(flat) & (flat > 0)]
    low = float(pos.min()) if len(pos) else 0.0
    for c, high in enumerate(bounds):
        n = int((codes == 2 + c).sum())
        rows.append((colors[c], f"{fr.number(low, 1)} à {fr.number(float(high), 1)} "
                                f"({fr.integer(n)} {cells})"))
        low = float(high)
    rows = rows[::-1]  # highest class on top
    n0 = int((codes == ZERO).sum())
    if n0:
        rows.append((ZERO_COLOR, f"Aucune structure à portée ({fr.integer(n0)} {cells})"))
    return SurfaceClasses(bounds=bounds, colors=list(colors), rows=rows)


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def png_data_uri(codes: np.ndarray, palette: Sequence[str]) -> str:
    """``codes`` (2-D uint8) as a palette PNG, code 0 transparent, in a ``data:`` URI."""
    from PIL import Image

    img = Image.fromarray(codes, mode="P")
    flat: list[int] = []
    for color in palette:
        flat.extend(_rgb(color))
    img.putpalette(flat + [0, 0, 0] * (256 - len(palette)))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True, transparency=0)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def to_web_mercator(codes: np.ndarray, transform: Any, crs: Any,
                    supersample: int = SUPERSAMPLE) -> tuple[np.ndarray, list[list[float]]]:
    """``codes`` (a grid in ``crs``, ``transform``: its affine transform) warped to EPSG:3857
    (nearest neighbour, :data:`OUTSIDE` where no cell falls) and its WGS84 corners."""
    from rasterio.crs import CRS
    from rasterio.transform import Affine, array_bounds
    from rasterio.warp import Resampling, reproject, transform_bounds

    src_crs = CRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
    h, w = codes.shape
    west, south, east, north = array_bounds(h, w, transform)
    mx0, my0, mx1, my1 = transform_bounds(src_crs, WEB_MERCATOR, west, south, east, north,
                                          densify_pts=21)
    # A cell of the projected grid spans about res / cos(latitude) Mercator metres.
    lat = transform_bounds(WEB_MERCATOR, "EPSG:4326", mx0, (my0 + my1) / 2, mx1,
                           (my0 + my1) / 2)[1]
    res = abs(transform.a) / np.cos(np.radians(lat)) / supersample
    dw, dh = int(np.ceil((mx1 - mx0) / res)), int(np.ceil((my1 - my0) / res))
    dst_transform = Affine(res, 0.0, mx0, 0.0, -res, my1)
    out = np.zeros((dh, dw), dtype=np.uint8)
    reproject(codes, out, src_transform=transform, src_crs=src_crs, src_nodata=OUTSIDE,
              dst_transform=dst_transform, dst_crs=WEB_MERCATOR, dst_nodata=OUTSIDE,
              resampling=Resampling.nearest)
    # Cropped to the cells drawn: the corners of a Lambert-93 rectangle stick out in Mercator.
    rows, cols = np.flatnonzero(out.any(axis=1)), np.flatnonzero(out.any(axis=0))
    if len(rows):
        out = out[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        dst_transform = dst_transform @ Affine.translation(cols[0], rows[0])
        dh, dw = out.shape
    mx0, my0, mx1, my1 = array_bounds(dh, dw, dst_transform)
    lon0, lat0, lon1, lat1 = transform_bounds(WEB_MERCATOR, "EPSG:4326", mx0, my0, mx1, my1)
    return out, [[lat0, lon0], [lat1, lon1]]


def web_image(values: np.ndarray, transform: Any, crs: Any, classes: SurfaceClasses
              ) -> WebImage:
    """The surface ``values`` (2-D, NaN outside) in ``classes``, ready for a Leaflet image
    overlay: the PNG warped to Web Mercator and its WGS84 corners."""
    warped, corners = to_web_mercator(surface_codes(values, classes.bounds), transform, crs)
    url = png_data_uri(warped, classes.palette)
    return WebImage(url=url, bounds=corners, shape=warped.shape, n_bytes=len(url))
