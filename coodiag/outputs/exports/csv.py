"""CSV files of an atlas's tables, for French Excel.

UTF-8 with BOM, ``;``, decimal comma, CRLF line ends, French headers, integers without
thousands separator (so that Excel reads them as numbers), dates in ISO 8601 (``2024-01-31``,
recognised by Excel whatever its locale), periods as ``2024-01``. Codes such as ``01001`` or
SIRET numbers lose their leading zeros when Excel opens a CSV (use the XLSX, or the import
wizard). A CSV has no cell types, so a text a spreadsheet would evaluate (``=``, ``+``, ``-``,
``@``, tab, CR) is written with a leading apostrophe ``'`` (``'=HYPERLINK(...)``,
``'+33 6 12``), as OWASP recommends; numbers are never prefixed (a negative number is a
number, not a text). Counts of people stay numbers: a masked cell is empty and flagged in a
column « … (secret) » after it (:func:`~coodiag.outputs.exports.cells.split_secret`).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coodiag._io import atomic_path
from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports.cells import neutralise_csv, prepare_columns, split_secret
from coodiag.outputs.exports.checks import check_tables


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
    columns = split_secret(table, prepare_columns(table), threshold=threshold)
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow([neutralise_csv(c.header) for c in columns])
        for row in zip(*(c.values for c in columns), strict=True):
            writer.writerow([_csv_cell(v) for v in row])
    return path
