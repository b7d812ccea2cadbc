"""The atlas document model: what an atlas says, independent of how it is rendered.

A diagnosis (:mod:`coodiag.reports.diagnostic`) or a territory atlas is turned into an
:class:`AtlasDocument` — sections holding key messages, key figures, maps, tables and
paragraphs, plus workbook-only sheets — by
:mod:`coodiag.outputs.builders`, and :mod:`coodiag.outputs.atlas` renders it to a PDF
(WeasyPrint), a self-contained HTML page and the exports (XLSX, CSV, GeoPackage, PNG/SVG:
:mod:`coodiag.outputs.exports`, which write :class:`ExportTable` declarations). Every count of
people in a document is already under statistical secrecy: builders apply
:mod:`coodiag.secrecy` before filling it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from coodiag.base.indicators import Indicator

#: Readable headers of columns often left without one.
KNOWN_HEADERS = {
    "siret": "SIRET",
    "siren": "SIREN",
    "nom": "Nom",
    "commune": "Commune",
    "code": "Code",
    "code_commune": "Code commune",
    "naf": "Code NAF",
    "libelle_naf": "Activité (NAF)",
    "distance_km": "Distance (km)",
    "effectif": "Effectif",
    "tranche_effectif": "Tranche d'effectif",
    "score": "Score",
    "motif": "Motif",
    "raison": "Raison",
    "secteur": "Secteur",
    "type_siae": "Type",
    "capacite": "Capacité",
    "adresse": "Adresse",
}


def readable_header(name: Any) -> str:
    """A French header for a raw column name: ``dist_ACI_km`` -> « ACI la plus proche (km) »,
    ``part_pct`` -> « Part (%) », ``nb_salaries`` -> « Nb salaries »."""
    raw = str(name)
    if raw in KNOWN_HEADERS:
        return KNOWN_HEADERS[raw]
    m = re.fullmatch(r"dist_(.+)_km", raw)
    if m:
        return f"{m.group(1)} la plus proche (km)"
    if "_" not in raw and not raw.islower():
        return raw  # already a header (« Classe », « Valeur-test »)
    unit = ""
    for suffix, text in (("_km", " (km)"), ("_pct", " (%)"), ("_pour_1000", " (pour 1 000)")):
        if raw.endswith(suffix):
            raw, unit = raw[: -len(suffix)], text
    words = raw.replace("_", " ").strip()
    return (words[:1].upper() + words[1:] + unit) if words else raw


#: A function drawing a static map: returns a matplotlib Figure.
FigureFactory = Callable[[], Any]
#: A function adding layers to an offline folium map (``webmap.offline_map()``).
WebLayers = Callable[[Any], None]


@dataclass
class ExportTable:
    """One table of an atlas, written as one XLSX sheet and one CSV file.

    - ``name``: sheet name (French, at most 31 characters, none of ``[]:*?/\\``, unique in the
      workbook); the CSV file is named after it (:func:`coodiag.outputs.exports.slugify`).
    - ``frame``: the data, secrecy already applied (:mod:`coodiag.secrecy`).
    - ``title``: one line saying what the table holds (« À lire » sheet, page header).
    - ``columns``: column -> French header; columns not listed keep their name.
    - ``meta``: the indicators of the table (:class:`~coodiag.base.indicators.Indicator`:
      ``key, label, unit, numerator, denominator, source, vintage, method``) for the « Sources »
      sheet; ``None`` takes ``frame.attrs["indicateurs"]`` (analysis results) — see also
      :func:`coodiag.outputs.exports.indicator_meta`.
    - ``person_counts``: columns (original names) holding counts of people, checked for
      secrecy before any write.
    - ``decimals``: column -> number of decimals shown in the XLSX (overrides the default).
    """

    name: str
    frame: pd.DataFrame
    title: str = ""
    columns: Mapping[str, str] | None = None
    meta: list[Indicator] | None = None
    person_counts: Sequence[str] = ()
    decimals: Mapping[str, int] = field(default_factory=dict)

    @property
    def indicators(self) -> list[Indicator]:
        """The indicator metadata of the table (``meta``, else ``frame.attrs["indicateurs"]``)."""
        if self.meta is not None:
            return list(self.meta)
        return list(self.frame.attrs.get("indicateurs", []) or [])

    def header(self, column: Any) -> str:
        """The header of a column in the exports: its French header, else its name (the
        pages show :func:`readable_header` instead of a raw name)."""
        return str((self.columns or {}).get(column, column))


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

    ``name``: file stem of the PNG/SVG (lower snake_case). ``meta``: the indicators whose
    source line is printed under the map (label, unit, denominator, source, vintage).
    ``layer``: the mapped layer for the GeoPackage (stored under ``name``), with
    ``person_counts`` columns if any.
    """

    name: str
    title: str
    figure: FigureFactory
    comment: str = ""
    web: WebLayers | None = None
    meta: list[Indicator] = field(default_factory=list)
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


@dataclass
class KeyMessages:
    """The key messages of a synthèse: ``items`` are dicts with ``question`` (one of the four
    Coodiag questions), ``figure`` (the figure in short) and ``text`` (the message, with its
    comparison), generated by rules from the results
    (:mod:`coodiag.outputs.builders.synthesis`)."""

    items: list[dict]
    title: str = "Messages clés"


Item = KeyFigures | MapItem | TableItem | Paragraph | Recommendations | KeyMessages


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
    sources: list[Indicator]  # every indicator shown, once: label, unit, source, vintage...
    snapshot: dict
    warnings: list[str] = field(default_factory=list)
    #: sheets of the workbook with no table on the page (key figures, préconisations, classes)
    extra_tables: list[ExportTable] = field(default_factory=list)

    def maps(self) -> list[MapItem]:
        return [i for s in self.sections for i in s.items if isinstance(i, MapItem)]

    def tables(self) -> list[TableItem]:
        return [i for s in self.sections for i in s.items if isinstance(i, TableItem)]

    def export_tables(self) -> list[ExportTable]:
        """Every sheet of the workbook: the tables of the pages, then :attr:`extra_tables`."""
        return [t.export for t in self.tables()] + list(self.extra_tables)
