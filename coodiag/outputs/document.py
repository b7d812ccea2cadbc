"""The atlas document model: what an atlas says, independent of how it is rendered.

A diagnosis (:mod:`coodiag.reports.diagnostic`) or a territory atlas is turned into an
:class:`AtlasDocument` — sections holding key figures, maps, tables and paragraphs — and
:mod:`coodiag.outputs.atlas` renders it to a PDF (WeasyPrint), a self-contained HTML page and
the exports (XLSX, CSV, GeoPackage, PNG/SVG). Every count of people in a document is already
under statistical secrecy: builders apply :mod:`coodiag.secrecy` before filling it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from coodiag.outputs.exports import ExportTable

#: A function drawing a static map: returns a matplotlib Figure.
FigureFactory = Callable[[], Any]
#: A function adding layers to an offline folium map (``webmap.offline_map()``).
WebLayers = Callable[[Any], None]


@dataclass
class KeyFigures:
    """A table of key figures: one row per indicator, one column per territory level.

    ``frame`` columns: ``indicateur, unite, source, millesime`` then one column per level
    (values as floats, NaN = not available).
    """

    title: str
    frame: pd.DataFrame
    comment: str = ""


@dataclass
class MapItem:
    """One map: a static figure (PDF, PNG, SVG) and optionally an interactive version (HTML).

    ``name``: file stem of the PNG/SVG (lower snake_case). ``meta``: indicator metadata dicts
    printed under the map (label, unit, denominator, source, vintage). ``layer``: the mapped
    layer for the GeoPackage (stored under ``name``), with ``person_counts`` columns if any.
    """

    name: str
    title: str
    figure: FigureFactory
    comment: str = ""
    web: WebLayers | None = None
    meta: list[dict] = field(default_factory=list)
    layer: gpd.GeoDataFrame | None = None
    person_counts: list[str] = field(default_factory=list)


@dataclass
class TableItem:
    """One table: shown (first ``max_rows`` rows) and exported in full (XLSX sheet, CSV)."""

    export: ExportTable
    comment: str = ""
    max_rows: int = 25


@dataclass
class Paragraph:
    """Plain French text; ``kind`` "note" is set in a smaller font, "alerte" is highlighted."""

    text: str
    kind: str = "texte"


@dataclass
class Recommendations:
    """The préconisations: ``items`` are dicts with ``theme, texte, raison, priorite``."""

    items: list[dict]


Item = KeyFigures | MapItem | TableItem | Paragraph | Recommendations


@dataclass
class Section:
    """A chapter of the atlas (one entry of the table of contents)."""

    title: str
    items: list[Item] = field(default_factory=list)
    intro: str = ""


@dataclass
class AtlasDocument:
    """A whole atlas: cover, sections, method and sources, machine-readable snapshot."""

    title: str
    subtitle: str
    slug: str  # folder and file stem, e.g. "diagnostic_37968077000029"
    cover_lines: list[str]
    sections: list[Section]
    methods: list[str]  # paragraphs of the method page (formulas, estimates flagged)
    sources: list[dict]  # indicator metadata dicts: label, unit, source, vintage, method
    snapshot: dict
    warnings: list[str] = field(default_factory=list)

    def maps(self) -> list[MapItem]:
        return [i for s in self.sections for i in s.items if isinstance(i, MapItem)]

    def tables(self) -> list[TableItem]:
        return [i for s in self.sections for i in s.items if isinstance(i, TableItem)]
