"""A user's workbook (Excel .xlsx, LibreOffice .ods) read as grids of strings, one per sheet.

Cells are read as text the way the user sees them: a date cell gives ``AAAA-MM-JJ`` (with its
time when it has one), a whole number gives no ``.0``. Merged cells (a structure name merged
over the rows of its employees) are carried to every row of the merge, and said so.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from coodiag.errors import DataError, os_reason
from coodiag.userfiles.textfile import Grid

#: Above this size a workbook is streamed (read-only: merged cells are then not carried down).
STREAM_ABOVE_BYTES = 20_000_000


def clean_cell(value: object) -> str:
    """A cell as text: dates ISO, whole floats without ``.0``, booleans VRAI/FAUX."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value).strip()


def grid_of_rows(rows, formula_at=None) -> Grid | None:
    """A :class:`Grid` from rows of cell values (the first non-empty row is the header)."""
    header: list[str] | None = None
    header_line = 0
    out: list[list[str]] = []
    numbers: list[int] = []
    formulas: set[tuple[int, int]] = set()
    for idx, row in enumerate(rows, start=1):
        values = [clean_cell(v) for v in row]
        if not any(values):
            continue
        if header is None:
            header, header_line = values, idx
            continue
        for j in formula_at(idx) if formula_at else ():
            formulas.add((len(out), j))
        out.append(values)
        numbers.append(idx)
    if header is None:
        return None
    while header and header[-1] == "":
        header.pop()
    return Grid(header, out, numbers, header_line, "", formulas)


def _sheet_rows(ws, merged: dict[tuple[int, int], object]):
    """Rows of values of an openpyxl sheet (formulas kept as text), merged values carried."""
    flagged: dict[int, list[int]] = {}

    def rows():
        for idx, row in enumerate(ws.iter_rows(), start=1):
            values = []
            for j, cell in enumerate(row):
                v = cell.value
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(v, str) and v.startswith("=")
                ):
                    flagged.setdefault(idx, []).append(j)
                    v = str(v)
                if v is None and (idx, j + 1) in merged:
                    v = merged[(idx, j + 1)]
                values.append(v)
            yield values

    return rows(), lambda idx: flagged.get(idx, [])


def _merged_values(ws) -> tuple[dict[tuple[int, int], object], list[str]]:
    """(row, column) -> value of the top-left cell, for every cell of a merged range."""
    carried: dict[tuple[int, int], object] = {}
    ranges = []
    merged_cells = getattr(ws, "merged_cells", None)
    for rng in list(merged_cells.ranges) if merged_cells is not None else ():
        value = ws.cell(rng.min_row, rng.min_col).value
        ranges.append(str(rng.coord))
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    carried[(r, c)] = value
    return carried, ranges


def read_xlsx_grids(raw: bytes, name: str) -> list[tuple[str, Grid | None]]:
    """Every sheet of an .xlsx workbook as ``(title, grid or None when empty)``."""
    import openpyxl

    stream = len(raw) > STREAM_ABOVE_BYTES
    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=stream, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise DataError(f"{name} : classeur Excel illisible ({os_reason(exc)}).") from exc
    out = []
    try:
        for ws in wb.worksheets:
            merged, ranges = ({}, []) if stream else _merged_values(ws)
            rows, formula_at = _sheet_rows(ws, merged)
            grid = grid_of_rows(rows, formula_at)
            if grid is not None and ranges:
                grid.warnings.append(
                    f"Feuille « {ws.title} » : {len(ranges)} plage(s) de cellules fusionnées "
                    f"({', '.join(ranges[:5])}{' …' if len(ranges) > 5 else ''}) : la valeur de "
                    "la première cellule est recopiée sur chaque ligne de la plage."
                )
            out.append((ws.title, grid))
    finally:
        wb.close()
    return out


def read_ods_grids(raw: bytes, name: str) -> list[tuple[str, Grid | None]]:
    """Every sheet of a LibreOffice .ods workbook (pandas' odf reader), cells as text."""
    import pandas as pd

    try:
        sheets = pd.read_excel(io.BytesIO(raw), engine="odf", sheet_name=None, header=None,
                               dtype=object)
    except ImportError as exc:  # pragma: no cover - odfpy is a dependency
        raise DataError(f"{name} : lecture des classeurs .ods impossible ({exc}).") from exc
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        reason = os_reason(exc)
        raise DataError(f"{name} : classeur LibreOffice (.ods) illisible ({reason}).") from exc
    out = []
    for title, frame in sheets.items():
        rows = ([None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False))
        out.append((str(title), grid_of_rows(rows)))
    return out


def is_ods(raw: bytes) -> bool:
    """True for an OpenDocument spreadsheet (a zip whose ``mimetype`` says so)."""
    return raw[:4] == b"PK\x03\x04" and b"application/vnd.oasis.opendocument.spreadsheet" in raw[
        :200
    ]


def is_html(raw: bytes) -> bool:
    """True for an HTML page (web exports saved as « .xls »)."""
    head = raw[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) and (
        b"<html" in head or b"<table" in head
    )
