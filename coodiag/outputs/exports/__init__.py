"""Data exports of an atlas: XLSX workbook, CSV files and GeoPackage of the mapped layers.

An atlas folder (e.g. ``atlas/diagnostic_37968077000029/``) holds, beside the PDF and the HTML:

- ``<stem>.xlsx``: a first sheet « À lire » (title, date, what each sheet holds, conventions),
  one sheet per table, a last sheet « Sources » (one row per figure column: sheet, column,
  label, unit, numerator, denominator, source, vintage, method: :mod:`.sources`): :mod:`.xlsx`;
  counts of people are numbers, a masked one an empty cell flagged in the column « … (secret) »
  that follows (:func:`~.cells.split_secret`, also in the CSV);
- ``csv/<table>.csv``: one CSV per table, for French Excel (UTF-8 with BOM, ``;``, decimal
  comma): :mod:`.csv`;
- ``<stem>.gpkg``: one layer per mapped layer, opening in QGIS with its name, its geometry type,
  its CRS and the colours of its map (``layer_styles``: :mod:`.qgisstyle`): :mod:`.gpkg`;
- ``<stem>.json``: the snapshot, strict JSON (missing and infinite numbers as ``null``):
  :mod:`.snapshot`.

A table is declared by an :class:`~coodiag.outputs.document.ExportTable`; :mod:`.cells`
prepares its columns (shared by the XLSX, the CSV and the atlas pages), :mod:`.checks` refuses
what must not be written.

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
- **GeoPackage**: see :mod:`.gpkg` (layer names, geometry types, CRS, field names and types).
- **Atomic writes**: every file is written beside its target and replaces it in one step
  (:func:`coodiag._io.atomic_path`; a temporary ``.gpkg`` for the GeoPackage so that GDAL sees the
  right extension; :func:`coodiag._io.atomic_dir` for the CSV folder, so that CSV files of tables
  no longer exported disappear). A failure leaves the previous files intact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from coodiag._io import atomic_dir
from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports.cells import (
    Column,
    decimals_for,
    is_formula_like,
    neutralise_csv,
    prepare_columns,
)
from coodiag.outputs.exports.checks import (
    README_SHEET,
    SOURCES_SHEET,
    ExportError,
    ExportSecrecyError,
    check_secrecy,
    check_tables,
    slugify,
)
from coodiag.outputs.exports.csv import write_csv
from coodiag.outputs.exports.gpkg import check_layers, write_gpkg, write_prepared_gpkg
from coodiag.outputs.exports.snapshot import check_json, json_ready
from coodiag.outputs.exports.xlsx import SOURCES_HEADERS, indicator_meta, write_xlsx

__all__ = [
    "README_SHEET",
    "SOURCES_HEADERS",
    "SOURCES_SHEET",
    "Column",
    "ExportError",
    "ExportSecrecyError",
    "check_json",
    "check_layers",
    "check_secrecy",
    "check_tables",
    "decimals_for",
    "indicator_meta",
    "is_formula_like",
    "json_ready",
    "neutralise_csv",
    "prepare_columns",
    "slugify",
    "write_all",
    "write_csv",
    "write_gpkg",
    "write_xlsx",
]


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
        written["gpkg"] = write_prepared_gpkg(
            prepared_layers, folder / f"{stem}.gpkg", layer_titles, produced
        )
    return written
