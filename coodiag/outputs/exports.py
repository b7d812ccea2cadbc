"""Data exports of an atlas: XLSX workbook, CSV files and GeoPackage of the mapped layers.

An atlas folder (e.g. ``atlas/diagnostic_37968077000029/``) holds, beside the PDF and the HTML:

- ``<stem>.xlsx``: a first sheet « À lire » (title, date, what each sheet holds, conventions),
  one sheet per table, a last sheet « Sources » (one row per indicator: sheet, column, label,
  unit, numerator, denominator, source, vintage, method);
- ``csv/<table>.csv``: one CSV per table, for French Excel (UTF-8 with BOM, ``;``, decimal comma);
- ``<stem>.gpkg``: one layer per mapped layer, opening in QGIS with its name, its geometry type
  and its CRS.

Choices
-------
- **Statistical secrecy** is applied by the caller (:func:`coodiag.secrecy.mask_table`,
  :func:`~coodiag.secrecy.mask_series`). The writers are a safety net: a table or a layer
  declaring ``person_counts`` columns (counts of people) that still hold a value in
  ``1..threshold-1`` is refused with :class:`ExportSecrecyError` (French message naming the table
  and the column), and :func:`write_all` checks every table and layer *before* writing anything.
- **Formula injection** (OWASP « CSV injection »): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is never evaluated.

  * XLSX: the cell is written as a string (``t="inlineStr"``, never an ``<f>`` formula element:
    openpyxl would otherwise store a text starting with ``=`` as a formula) **and** carries the
    ``quotePrefix`` style, which is what Excel stores when one types a leading apostrophe: the
    value stays exactly the original text (no ``'`` added to the data) and Excel or LibreOffice
    keep it as text even when the cell is edited.
  * CSV: a CSV has no cell types, so such a text is written with a leading apostrophe ``'``
    (``'=HYPERLINK(...)``, ``'+33 6 12``), as OWASP recommends. Numbers are never prefixed
    (a negative number is a number, not a text).
- **Numbers stay numbers** in the XLSX, with number formats stored in the file's invariant
  syntax, which Excel displays in the reader's locale: ``#,##0`` (French Excel: ``# ##0``) for
  whole numbers, ``#,##0.0`` / ``#,##0.00`` (``# ##0,0``) for decimals: as many as the data
  has when it has at most three (``1.25`` -> two), else one when the column reaches 10 (rates
  in %) and two below (ratios, indices); ``ExportTable.decimals`` overrides it. The
  full precision is kept in the cell. Dates are dates (``jj/mm/aaaa``), monthly periods are the
  first day of the month shown ``mm/aaaa``. Booleans are written « oui » / « non ». Lists
  (e.g. ROME codes) are joined with ``", "``. Missing values are empty cells.
- **CSV**: UTF-8 with BOM, ``;``, decimal comma, CRLF line ends, French headers, integers without
  thousands separator (so that Excel reads them as numbers), dates in ISO 8601 (``2024-01-31``,
  recognised by Excel whatever its locale), periods as ``2024-01``. Codes such as ``01001`` or
  SIRET numbers are text in the XLSX; Excel strips the leading zeros of a CSV on opening (use
  the XLSX, or the import wizard).
- **Tables**: geometry columns are dropped (the geometries go to the GeoPackage); an index with a
  name becomes a first column, an unnamed index is dropped.
- **GeoPackage**: layer names are lower snake_case (``communes_impact``, ``siae``); polygon
  layers are ``MultiPolygon`` (single polygons promoted), point layers ``Point``; a layer in a
  geographic CRS (WGS84) is reprojected into the metric CRS of its zone when all of it lies in
  one zone (Lambert-93 EPSG:2154 for metropolitan France and Corsica, the official UTM CRS of
  each DROM: :data:`coodiag.settings.CRS_DROM`), and kept in WGS84 when it spans several zones;
  a layer already projected is kept as it is. Field names are cut to 63 characters (unique,
  case-insensitively; ``fid`` and ``geom`` are renamed, being the GeoPackage's own columns);
  lists become ``", "``-joined text, dicts ``"clé : valeur"`` text; booleans are GeoPackage
  booleans (integers with the boolean subtype, shown as such by QGIS); other geometry columns
  (the ``point`` of the communes) are dropped. The optional layer title becomes the
  GeoPackage ``IDENTIFIER`` (shown by QGIS).
- **Atomic writes**: every file is written beside its target and replaces it in one step
  (:func:`coodiag._io.atomic_path`; a temporary ``.gpkg`` for the GeoPackage so that GDAL sees the
  right extension; :func:`coodiag._io.atomic_dir` for the CSV folder, so that CSV files of tables
  no longer exported disappear). A failure leaves the previous files intact.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coodiag import secrecy, settings
from coodiag._io import atomic_dir, atomic_path
from coodiag.errors import CoodiagError

#: Name of the first sheet of the workbook.
README_SHEET = "À lire"
#: Name of the last sheet of the workbook.
SOURCES_SHEET = "Sources"
#: First characters that make a spreadsheet evaluate a text (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Number formats (invariant OOXML syntax; French Excel shows ``# ##0`` and ``# ##0,0``).
INT_FORMAT = "#,##0"
DECIMAL_FORMATS = {0: INT_FORMAT, 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONTH_FORMAT = "mm/yyyy"
#: Excel limits.
MAX_SHEET_NAME = 31
MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL_TEXT = 32_767
#: GeoPackage field names are cut to this length.
MAX_FIELD_NAME = 63
#: Headers of the « Sources » sheet (and of the ``sources`` CSV-like rows).
SOURCES_HEADERS = (
    "Feuille",
    "Colonne",
    "Indicateur",
    "Unité",
    "Numérateur",
    "Dénominateur",
    "Source",
    "Millésime",
    "Méthode",
)
_META_KEYS = ("label", "unit", "numerator", "denominator", "source", "vintage", "method")

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_LAYER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MARKER = re.compile(r"^(<\s?\d+|s)$")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: Extents (lon/lat, generous) of the zones of the base, to choose the metric CRS of a layer.
ZONE_EXTENTS: dict[str, tuple[float, float, float, float]] = {
    "metro": (-5.8, 41.2, 10.0, 51.6),
    "971": (-61.9, 15.8, -60.9, 16.6),
    "972": (-61.3, 14.3, -60.7, 15.0),
    "973": (-54.7, 2.0, -51.5, 6.0),
    "974": (55.1, -21.5, 56.0, -20.8),
    "976": (44.9, -13.1, 45.4, -12.5),
}


class ExportSecrecyError(CoodiagError, ValueError):
    """A table or a layer still holds counts of people below the secrecy threshold."""


class ExportError(CoodiagError, ValueError):
    """A table or a layer cannot be exported as declared (name, columns, geometry)."""


# ------------------------------------------------------------------------------------------
# Declaration of a table
# ------------------------------------------------------------------------------------------


@dataclass
class ExportTable:
    """One table of an atlas, written as one XLSX sheet and one CSV file.

    - ``name``: sheet name (French, at most 31 characters, none of ``[]:*?/\\``, unique in the
      workbook); the CSV file is named after it (:func:`slugify`).
    - ``frame``: the data, secrecy already applied (:mod:`coodiag.secrecy`).
    - ``title``: one line saying what the table holds (« À lire » sheet, page header).
    - ``columns``: column -> French header; columns not listed keep their name.
    - ``meta``: indicator metadata dicts (``key, label, unit, numerator, denominator, source,
      vintage, method``) for the « Sources » sheet; ``None`` takes
      ``frame.attrs["indicateurs"]`` (analysis results) — see also :func:`indicator_meta`.
    - ``person_counts``: columns (original names) holding counts of people, checked for
      secrecy before any write.
    - ``decimals``: column -> number of decimals shown in the XLSX (overrides the default).
    """

    name: str
    frame: pd.DataFrame
    title: str = ""
    columns: Mapping[str, str] | None = None
    meta: list[dict] | None = None
    person_counts: Sequence[str] = ()
    decimals: Mapping[str, int] = field(default_factory=dict)

    @property
    def indicators(self) -> list[dict]:
        """The indicator metadata of the table (``meta``, else ``frame.attrs["indicateurs"]``)."""
        if self.meta is not None:
            return list(self.meta)
        return list(self.frame.attrs.get("indicateurs", []) or [])

    def header(self, column: Any) -> str:
        """The French header of a column."""
        return str((self.columns or {}).get(column, column))


def slugify(text: str) -> str:
    """Lower snake_case ASCII: ``"Communes – chômage"`` -> ``"communes_chomage"``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def indicator_meta(
    keys: Sequence[str] | None = None,
    *,
    table: str | None = None,
    base: Path | None = None,
) -> list[dict]:
    """Metadata of indicators of the base (``indicateurs_meta``) as dicts, in the order of ``keys``.

    ``table`` restricts to one table of the base (``"indicateurs_communes"``...): the same key
    may be documented for several levels.
    """
    from coodiag.base import store

    meta = store.read_table("indicateurs_meta", base=base)
    if table is not None:
        meta = meta[meta["table"] == table]
    records = {}
    for rec in meta.to_dict("records"):
        clean = {k: (None if _is_missing(v) else v) for k, v in rec.items()}
        records.setdefault(clean["key"], clean)
    if keys is None:
        return list(records.values())
    missing = [k for k in keys if k not in records]
    if missing:
        raise ExportError(
            "Indicateurs absents des métadonnées de la base (indicateurs_meta) : "
            + ", ".join(missing)
        )
    return [records[k] for k in keys]


# ------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------


def check_secrecy(
    frame: pd.DataFrame,
    person_counts: Sequence[str],
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    threshold: int | None = None,
) -> None:
    """Raise :class:`ExportSecrecyError` if a ``person_counts`` column holds 1..threshold-1.

    ``what`` names the table or layer in the message (« le tableau « Salariés » »).
    """
    t = secrecy.get_threshold(threshold)
    for col in person_counts:
        if col not in frame.columns:
            raise ExportError(
                f"Export refusé : {what} déclare la colonne de comptage de personnes « {col} », "
                "absente du tableau."
            )
        found = secrecy.find_small_counts(frame, [col], threshold=t)
        if found:
            header = (headers or {}).get(col)
            shown = f"« {col} »" + (f" (« {header} »)" if header and header != col else "")
            raise ExportSecrecyError(
                f"Export refusé (secret statistique) : {what} contient dans la colonne {shown} "
                f"{len(found)} effectif(s) de personnes non masqué(s), compris entre 1 et "
                f"{t - 1}. Masquez-les avec coodiag.secrecy.mask_table (ou mask_series) avant "
                "l'export."
            )


def _check_sheet_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ExportError("Chaque tableau exporté doit avoir un nom (nom de feuille).")
    if len(name) > MAX_SHEET_NAME:
        raise ExportError(
            f"Le nom de feuille « {name} » fait {len(name)} caractères : Excel en accepte "
            f"{MAX_SHEET_NAME} au plus."
        )
    if _SHEET_FORBIDDEN.search(name) or name.startswith("'") or name.endswith("'"):
        raise ExportError(
            f"Le nom de feuille « {name} » contient un caractère interdit par Excel "
            "([ ] : * ? / \\, ou une apostrophe au début ou à la fin)."
        )
    if name.casefold() in {README_SHEET.casefold(), SOURCES_SHEET.casefold(), "history"}:
        raise ExportError(f"Le nom de feuille « {name} » est réservé : choisissez-en un autre.")


def check_tables(tables: Sequence[ExportTable], *, threshold: int | None = None) -> None:
    """Check names (valid, unique sheet and file names) and secrecy of every table."""
    seen: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for table in tables:
        _check_sheet_name(table.name)
        key = table.name.casefold()
        if key in seen:
            raise ExportError(
                f"Deux tableaux portent le nom « {table.name} » (les noms de feuilles Excel "
                "doivent être uniques, sans distinction de casse)."
            )
        seen[key] = table.name
        slug = slugify(table.name)
        if not slug:
            raise ExportError(f"Le nom « {table.name} » ne donne pas de nom de fichier CSV.")
        if slug in slugs:
            raise ExportError(
                f"Les tableaux « {slugs[slug]} » et « {table.name} » donneraient le même fichier "
                f"CSV « {slug}.csv » : renommez l'un d'eux."
            )
        slugs[slug] = table.name
        check_secrecy(
            table.frame,
            table.person_counts,
            what=f"le tableau « {table.name} »",
            headers={c: table.header(c) for c in table.person_counts},
            threshold=threshold,
        )


# ------------------------------------------------------------------------------------------
# Cell values
# ------------------------------------------------------------------------------------------


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could evaluate this text (it starts with ``= + - @``, tab or CR)."""
    return text.startswith(FORMULA_PREFIXES)


def neutralise_csv(text: str) -> str:
    """A text safe in a CSV cell: a formula-looking text gets a leading apostrophe."""
    return "'" + text if is_formula_like(text) else text


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def _text(value: Any) -> str:
    """A cell value as text, for the parts of lists and dicts."""
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _join(value: Any) -> str:
    """A list, tuple, set, array or dict as one text (``", "`` between items)."""
    if isinstance(value, Mapping):
        return ", ".join(f"{_text(k)} : {_text(v)}" for k, v in value.items())
    items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    return ", ".join(_text(v) for v in items if not _is_missing(v))


def _scalar(value: Any) -> Any:
    """A Python value for a cell: None, int, float, str, datetime, date, or a pandas Period."""
    if isinstance(value, list | tuple | set | frozenset | np.ndarray | Mapping):
        return _join(value)
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | decimal.Decimal):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert("Europe/Paris").tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | pd.Period):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, str):
        return value
    if isinstance(value, shapely.Geometry):
        return value.wkt
    return str(value)


@dataclass
class _Column:
    """A column ready to write: French header, Python values, XLSX number/date format."""

    header: str
    values: list[Any]
    number_format: str | None = None
    date_format: str | None = None


def decimals_for(numbers: np.ndarray) -> int:
    """Decimals shown: those of the data when it has at most 3 (``1.25`` -> 2), else 1 for a
    column reaching 10 (rates in %) and 2 below (ratios, indices)."""
    finite = numbers[np.isfinite(numbers)]
    for dec in range(4):
        scaled = finite * 10**dec
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6):
            return dec
    return 1 if np.abs(finite).max() >= 10 else 2


def prepare_columns(table: ExportTable) -> list[_Column]:
    """The columns of a table as written in the XLSX and the CSV."""
    frame = table.frame
    names = [n for n in frame.index.names if n is not None]
    if names:
        frame = frame.reset_index(level=names)
    geom_cols = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    frame = frame.drop(columns=geom_cols)
    if len(frame) + 1 > MAX_ROWS or len(frame.columns) > MAX_COLS:
        raise ExportError(
            f"Le tableau « {table.name} » dépasse les limites d'une feuille Excel "
            f"({MAX_ROWS - 1} lignes, {MAX_COLS} colonnes)."
        )
    columns: list[_Column] = []
    headers: dict[str, Any] = {}
    for pos, col in enumerate(frame.columns):
        header = table.header(col)
        if header.casefold() in headers:
            raise ExportError(
                f"Le tableau « {table.name} » a deux colonnes d'en-tête « {header} » "
                f"(« {headers[header.casefold()]} » et « {col} »)."
            )
        headers[header.casefold()] = col
        series = frame.iloc[:, pos]
        if isinstance(series.dtype, pd.PeriodDtype):
            values = [None if _is_missing(v) else v for v in series.astype(object)]
        else:
            values = [_scalar(v) for v in series.astype(object).tolist()]
        column = _Column(header, values)
        numbers = np.array(
            [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)],
            dtype=float,
        )
        if numbers.size:
            dec = table.decimals.get(col)
            dec = decimals_for(numbers) if dec is None else int(dec)
            column.number_format = DECIMAL_FORMATS.get(dec, "#,##0." + "0" * dec)
        dates = [v for v in values if isinstance(v, dt.date | pd.Period)]
        if dates:
            if any(isinstance(v, pd.Period) for v in dates):
                column.date_format = MONTH_FORMAT
            elif any(isinstance(v, dt.datetime) and v.time() != dt.time(0) for v in dates):
                column.date_format = DATETIME_FORMAT
            else:
                column.date_format = DATE_FORMAT
        columns.append(column)
    return columns


# ------------------------------------------------------------------------------------------
# XLSX
# ------------------------------------------------------------------------------------------


def _display_len(value: Any, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float):
        dec = number_format.count("0") - 1 if number_format and "." in number_format else 0
        return len(f"{value:,.{dec}f}")
    if isinstance(value, dt.datetime):
        return 16 if value.time() != dt.time(0) else 10
    if isinstance(value, dt.date | pd.Period):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _width(header: str, values: Sequence[Any], number_format: str | None) -> float:
    sample = values[:2000]
    longest = max((_display_len(v, number_format) for v in sample), default=0)
    return float(min(max(longest + 2, min(len(header), 40) * 1.1 + 3, 8), 60))


class _Styles:
    """Fonts and alignments shared by the cells of a workbook."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.bold = Font(bold=True)
        self.title = Font(bold=True, size=14)
        self.header_fill = PatternFill("solid", fgColor="DDE6F0")
        self.header_align = Alignment(wrap_text=True, vertical="top")
        self.right = Alignment(horizontal="right")
        self.wrap = Alignment(wrap_text=True, vertical="top")


def _cell(ws: Any, value: Any, *, number_format: str | None = None, date_format=None) -> Any:
    """A write-only cell; texts are always strings, formula-looking ones with ``quotePrefix``."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, pd.Period):
        value = value.to_timestamp().to_pydatetime()
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not text:
            return WriteOnlyCell(ws, None)
        if len(text) > MAX_CELL_TEXT:
            text = text[: MAX_CELL_TEXT - 1] + "…"
        cell = WriteOnlyCell(ws, text)
        cell.data_type = "s"  # never "f": a text is never stored as a formula
        if is_formula_like(text):
            cell.quotePrefix = True  # what Excel stores for a typed leading apostrophe
        return cell
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, int | float) and number_format:
        cell.number_format = number_format
    elif isinstance(value, dt.date) and date_format:
        cell.number_format = date_format
    return cell


def _write_grid(
    ws: Any,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]] | Iterator[Sequence[Any]],
    styles: _Styles,
    *,
    widths: Sequence[float],
    formats: Sequence[tuple[str | None, str | None]] | None = None,
    n_rows: int,
    wrap: Sequence[bool] | None = None,
) -> None:
    """A table with a bold, frozen, filterable header row."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    head = []
    for h in headers:
        c = _cell(ws, h)
        c.font = styles.bold
        c.fill = styles.header_fill
        c.alignment = styles.header_align
        head.append(c)
    ws.append(head)
    for row in rows:
        cells = []
        for j, value in enumerate(row):
            nf, df = formats[j] if formats else (None, None)
            c = _cell(ws, value, number_format=nf, date_format=df)
            if isinstance(value, str) and _MARKER.match(value):
                c.alignment = styles.right  # secrecy markers among numbers
            elif wrap and wrap[j] and isinstance(value, str):
                c.alignment = styles.wrap
            cells.append(c)
        ws.append(cells)
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n_rows + 1}"


def _sources_rows(tables: Sequence[ExportTable]) -> list[list[Any]]:
    rows = []
    for table in tables:
        seen = set()
        for meta in table.indicators:
            key = meta.get("key")
            if key is not None and key in seen:
                continue
            seen.add(key)
            column = table.header(key) if key in table.frame.columns else (key or "")
            rows.append(
                [table.name, column]
                + [None if _is_missing(meta.get(k)) else meta.get(k) for k in _META_KEYS]
            )
    return rows


def _readme(
    wb: Any,
    tables: Sequence[ExportTable],
    styles: _Styles,
    *,
    title: str,
    produced: dt.date,
    n_sources: int,
    threshold: int | None,
) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("coodiag")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        release = "?"
    ws = wb.create_sheet(README_SHEET)
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 10
    t = _cell(ws, title)
    t.font = styles.title
    ws.append([t])
    ws.append(
        [
            _cell(ws, "Produit le"),
            _cell(ws, produced, date_format=DATE_FORMAT),
            _cell(ws, f"coodiag {release}"),
        ]
    )
    ws.append([])
    head = []
    for h in ("Feuille", "Contenu", "Lignes", "Colonnes"):
        c = _cell(ws, h)
        c.font = styles.bold
        c.fill = styles.header_fill
        head.append(c)
    ws.append(head)
    for table in tables:
        n_cols = len(table.frame.columns) + len([n for n in table.frame.index.names if n])
        n_cols -= sum(isinstance(d, gpd.array.GeometryDtype) for d in table.frame.dtypes.tolist())
        row = [table.name, table.title or table.name, len(table.frame), n_cols]
        ws.append([_cell(ws, v, number_format=INT_FORMAT) for v in row])
    ws.append(
        [
            _cell(ws, SOURCES_SHEET),
            _cell(ws, "Sources et définitions des indicateurs (une ligne par indicateur)"),
            _cell(ws, n_sources, number_format=INT_FORMAT),
            _cell(ws, len(SOURCES_HEADERS), number_format=INT_FORMAT),
        ]
    )
    ws.append([])
    c = _cell(ws, "Conventions")
    c.font = styles.bold
    ws.append([c])
    notes = ["Cellule vide : donnée non disponible."]
    if any(table.person_counts for table in tables):
        label = secrecy.default_label(threshold)
        notes.append(
            f"« {label} » : effectif de personnes inférieur au seuil du secret statistique ; "
            f"« {secrecy.SECONDARY_LABEL} » : valeur masquée pour qu'une valeur secrète ne "
            "puisse pas être retrouvée par différence (secret secondaire)."
        )
    notes.append(
        "Les textes commençant par =, +, - ou @ sont enregistrés comme du texte, jamais comme "
        "des formules."
    )
    for note in notes:
        ws.append([None, _cell(ws, note)])


def write_xlsx(
    tables: Sequence[ExportTable],
    path: Path | str,
    *,
    title: str,
    sources_note: str | None = None,
    threshold: int | None = None,
    produced: dt.date | None = None,
) -> Path:
    """Write the workbook: « À lire », one sheet per table, « Sources »; return its path.

    Every table is checked first (:func:`check_tables`): nothing is written if one is refused.
    ``produced`` is the date shown on the first sheet (today by default).
    """
    import openpyxl

    tables = list(tables)
    check_tables(tables, threshold=threshold)
    prepared = [prepare_columns(t) for t in tables]
    sources = _sources_rows(tables)
    path = Path(path)
    styles = _Styles()
    wb = openpyxl.Workbook(write_only=True)
    wb.properties.title = title
    wb.properties.creator = "coodiag"
    _readme(
        wb,
        tables,
        styles,
        title=title,
        produced=produced or dt.date.today(),
        n_sources=len(sources),
        threshold=threshold,
    )
    for table, columns in zip(tables, prepared, strict=True):
        ws = wb.create_sheet(table.name)
        if table.title:
            ws.oddHeader.center.text = table.title.replace("&", "&&")
        _write_grid(
            ws,
            [c.header for c in columns],
            zip(*(c.values for c in columns), strict=True) if columns else iter(()),
            styles,
            widths=[_width(c.header, c.values, c.number_format) for c in columns],
            formats=[(c.number_format, c.date_format) for c in columns],
            n_rows=len(table.frame),
        )
    ws = wb.create_sheet(SOURCES_SHEET)
    widths = [
        min(_width(h, [r[j] for r in sources], None), 45.0) for j, h in enumerate(SOURCES_HEADERS)
    ]
    _write_grid(
        ws,
        SOURCES_HEADERS,
        sources,
        styles,
        widths=widths,
        n_rows=len(sources),
        wrap=[False, False, True, False, True, True, True, False, True],
    )
    if sources_note:
        ws.append([])
        c = _cell(ws, "Note")
        c.font = styles.bold
        ws.append([c, _cell(ws, sources_note)])
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


# ------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return np.format_float_positional(value, trim="-").replace(".", ",")
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise_csv(str(value))


def write_csv(table: ExportTable, path: Path | str, *, threshold: int | None = None) -> Path:
    """Write one table as CSV for French Excel (BOM, ``;``, decimal comma); return its path."""
    check_tables([table], threshold=threshold)
    columns = prepare_columns(table)
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow([neutralise_csv(c.header) for c in columns])
        for row in zip(*(c.values for c in columns), strict=True):
            writer.writerow([_csv_cell(v) for v in row])
    return path


# ------------------------------------------------------------------------------------------
# GeoPackage
# ------------------------------------------------------------------------------------------


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
            [None if _is_missing(v) else str(v) for v in series.astype(object)],
            index=series.index,
            dtype=object,
        )
    if not is_object:
        return series
    values = [
        _join(v)
        if isinstance(v, list | tuple | set | frozenset | np.ndarray | Mapping)
        else (None if _is_missing(v) else v)
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
        [None if v is None else _text(v) if not isinstance(v, str) else v for v in values],
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


def _write_prepared_gpkg(
    prepared: Mapping[str, tuple[gpd.GeoDataFrame, str, bool]],
    path: Path,
    titles: Mapping[str, str] | None,
) -> Path:
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
    return _write_prepared_gpkg(prepared, Path(path), titles)


# ------------------------------------------------------------------------------------------
# All the exports of an atlas
# ------------------------------------------------------------------------------------------


def write_all(
    folder: Path | str,
    tables: Sequence[ExportTable],
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str,
    sources_note: str | None = None,
    stem: str | None = None,
    person_counts: Mapping[str, Sequence[str]] | None = None,
    layer_titles: Mapping[str, str] | None = None,
    threshold: int | None = None,
    produced: dt.date | None = None,
) -> dict[str, Any]:
    """Write the XLSX, the CSV files and the GeoPackage of an atlas into ``folder``.

    Files: ``<stem>.xlsx``, ``csv/<slug of the table name>.csv``, ``<stem>.gpkg`` (``stem``
    defaults to the folder name, e.g. ``diagnostic_37968077000029``). Every table and layer is
    checked (names, secrecy) before the first write. The CSV folder is replaced as a whole.

    Returns ``{"xlsx": Path, "csv": {table name: Path}, "gpkg": Path}`` (``xlsx`` and ``csv``
    only when there are tables, ``gpkg`` only when there are layers).
    """
    folder = Path(folder)
    stem = stem or folder.name
    tables = list(tables)
    check_tables(tables, threshold=threshold)
    prepared_layers = check_layers(layers, person_counts=person_counts, threshold=threshold)
    written: dict[str, Any] = {}
    if tables:
        written["xlsx"] = write_xlsx(
            tables,
            folder / f"{stem}.xlsx",
            title=title,
            sources_note=sources_note,
            threshold=threshold,
            produced=produced,
        )
        csv_dir = folder / "csv"
        names = {t.name: f"{slugify(t.name)}.csv" for t in tables}
        with atomic_dir(csv_dir) as tmp:
            for table in tables:
                write_csv(table, tmp / names[table.name], threshold=threshold)
        written["csv"] = {name: csv_dir / file for name, file in names.items()}
    if prepared_layers:
        written["gpkg"] = _write_prepared_gpkg(
            prepared_layers, folder / f"{stem}.gpkg", layer_titles
        )
    return written
