"""The XLSX workbook of an atlas: « À lire », one sheet per table, « Sources ».

- A first sheet « À lire »: title, date, what each sheet holds, conventions; one sheet per
  table; a last sheet « Sources »: one row per documented column (sheet, column, label, unit,
  numerator, denominator, source, vintage, method: :mod:`.sources`).
- **Formula injection**: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is written as a string (``t="inlineStr"``, never an ``<f>`` formula element:
  openpyxl would otherwise store a text starting with ``=`` as a formula) **and** carries the
  ``quotePrefix`` style, which is what Excel stores when one types a leading apostrophe: the
  value stays exactly the original text (no ``'`` added to the data) and Excel or LibreOffice
  keep it as text even when the cell is edited.
- **Numbers stay numbers**, with the number formats of :func:`~.cells.prepare_columns`; the
  full precision is kept in the cell. Missing values are empty cells.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from coodiag import secrecy
from coodiag._io import atomic_path
from coodiag.base.indicators import Indicator
from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports.cells import (
    DATE_FORMAT,
    INT_FORMAT,
    SECRET_SUFFIX,
    is_formula_like,
    prepare_columns,
    split_secret,
)
from coodiag.outputs.exports.checks import README_SHEET, SOURCES_SHEET, ExportError, check_tables
from coodiag.outputs.exports.sources import sources_rows
from coodiag.outputs.exports.xlsxrows import FAST_ROWS, inject_rows, rows_xml

#: Excel limit on the text of a cell.
MAX_CELL_TEXT = 32_767
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
_MARKER = re.compile(r"^(<\s?\d+|s)$")


def indicator_meta(
    metadata: pd.DataFrame,
    keys: Sequence[str] | None = None,
    *,
    table: str | None = None,
) -> list[Indicator]:
    """The indicators ``keys`` of the base (all of them without ``keys``), in that order.

    ``metadata`` is the ``indicateurs_meta`` table of the base
    (``coodiag.base.store.read_table("indicateurs_meta")``): the outputs render what they are
    given and never read the base. ``table`` restricts to one table of the base
    (``"indicateurs_communes"``...): the same key may be documented for several levels.
    """
    meta = metadata
    if table is not None:
        meta = meta[meta["table"] == table]
    records: dict[str, Indicator] = {}
    for rec in meta.to_dict("records"):
        indicator = Indicator.from_row(rec)
        records.setdefault(indicator.key, indicator)
    if keys is None:
        return list(records.values())
    missing = [k for k in keys if k not in records]
    if missing:
        raise ExportError(
            "Indicateurs absents des métadonnées de la base (indicateurs_meta) : "
            + ", ".join(missing)
        )
    return [records[k] for k in keys]


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
        ws.append([_data_cell(ws, j, value, styles, formats, wrap) for j, value in enumerate(row)])
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n_rows + 1}"


def _data_cell(
    ws: Any,
    j: int,
    value: Any,
    styles: _Styles,
    formats: Sequence[tuple[str | None, str | None]] | None,
    wrap: Sequence[bool] | None,
) -> Any:
    """The cell of ``value`` in column ``j`` of a table."""
    nf, df = formats[j] if formats else (None, None)
    c = _cell(ws, value, number_format=nf, date_format=df)
    if isinstance(value, str) and _MARKER.match(value):
        c.alignment = styles.right  # secrecy markers among numbers
    elif wrap and wrap[j] and isinstance(value, str):
        c.alignment = styles.wrap
    return c


def _style_key(j: int, value: Any) -> Any:
    """What decides the style of a cell of a column (see :func:`_data_cell`)."""
    if isinstance(value, str):
        return ("s", is_formula_like(value), value if _MARKER.match(value) else None)
    return "n"


def _readme(
    wb: Any,
    tables: Sequence[ExportTable],
    styles: _Styles,
    *,
    title: str,
    produced: dt.date,
    n_sources: int,
    n_columns: Sequence[int],
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
    for table, n_cols in zip(tables, n_columns, strict=True):
        row = [table.name, table.title or table.name, len(table.frame), n_cols]
        ws.append([_cell(ws, v, number_format=INT_FORMAT) for v in row])
    ws.append(
        [
            _cell(ws, SOURCES_SHEET),
            _cell(ws, "Sources et définitions des indicateurs (une ligne par colonne chiffrée)"),
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
            "Effectifs de personnes : des nombres ; une cellule masquée est vide et la colonne "
            f"« …{SECRET_SUFFIX} » qui suit dit pourquoi : « secret statistique (moins de "
            f"{secrecy.get_threshold(threshold)}) » (effectif inférieur au seuil du secret "
            "statistique, ailleurs noté "
            f"« {label} ») ou « secret secondaire » (valeur masquée pour qu'une valeur secrète "
            f"ne puisse pas être retrouvée par différence, ailleurs notée "
            f"« {secrecy.SECONDARY_LABEL} »)."
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
    prepared = [split_secret(t, prepare_columns(t), threshold=threshold) for t in tables]
    sources = sources_rows(tables, prepared)
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
        n_columns=[len(columns) for columns in prepared],
        threshold=threshold,
    )
    fast: dict[int, str] = {}  # long sheets: their rows as XML text (:mod:`.xlsxrows`)
    for table, columns in zip(tables, prepared, strict=True):
        ws = wb.create_sheet(table.name)
        if table.title:
            ws.oddHeader.center.text = table.title.replace("&", "&&")
        formats = [(c.number_format, c.date_format) for c in columns]
        rows: Any = zip(*(c.values for c in columns), strict=True) if columns else iter(())
        if columns and len(table.frame) > FAST_ROWS:
            fast[len(wb.worksheets)] = rows_xml(
                [c.values for c in columns],
                lambda j, v, ws=ws, formats=formats: _data_cell(ws, j, v, styles, formats, None),
                _style_key,
            )
            rows = iter(())
        _write_grid(
            ws,
            [c.header for c in columns],
            rows,
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
        if fast:
            inject_rows(tmp, fast)
    return path
