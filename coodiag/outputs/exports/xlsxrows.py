"""The rows of a long XLSX sheet written as XML text (the France atlas: 650,000 cells).

openpyxl builds and serialises one object per cell (about 18 µs each: 12 s for the France
atlas's workbook). Here the cells of a long sheet are written as the XML openpyxl would write —
same ``r``, ``s`` (style index, taken from one openpyxl cell per kind of cell, so the styles
registered in the workbook are the same), ``t`` and value text (``%.16g`` numbers, inline
strings) — and put into the saved workbook in place of its empty ``<sheetData>`` rows.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

#: Sheets of more data rows than this are written by :func:`rows_xml`.
FAST_ROWS = 1000

_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _letters(n: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(j) for j in range(1, n + 1)]


def _generic(cell: Any, ref: str) -> str:
    """One cell of an unusual type (date, boolean...), from the openpyxl cell's public
    attributes, as openpyxl writes it (dates as serial numbers in the cell's date format)."""
    from openpyxl.compat import safe_string
    from openpyxl.utils.datetime import to_excel

    value = cell.value
    head = f' r="{ref}"' + (f' s="{cell.style_id}"' if cell.has_style else "")
    if value is None or value == "":
        return f"<c{head}/>"
    if cell.is_date:
        return f'<c{head} t="n"><v>{safe_string(to_excel(value))}</v></c>'
    if cell.data_type == "b":
        return f'<c{head} t="b"><v>{int(bool(value))}</v></c>'
    return f'<c{head} t="{cell.data_type}"><v>{safe_string(value)}</v></c>'


def rows_xml(
    columns: Sequence[Sequence[Any]],
    prototype: Callable[[int, Any], Any],
    style_key: Callable[[int, Any], Hashable],
    *,
    first_row: int = 2,
) -> str:
    """The ``<row>`` elements of the values ``columns`` (one sequence per column).

    ``prototype(j, value)`` is the openpyxl write-only cell the sheet would hold for ``value``
    in column ``j`` (its style registers in the workbook); ``style_key(j, value)`` is equal for
    two values of a column whose cells have the same style (one prototype per key)."""
    letters = _letters(len(columns))
    styles: dict[Hashable, str] = {}
    out: list[str] = []
    n = len(columns[0]) if columns else 0
    for i in range(n):
        r = first_row + i
        cells = [f'<row r="{r}">']
        for j, col in enumerate(columns):
            value = col[i]
            if value is None:
                continue
            ref = f"{letters[j]}{r}"
            if isinstance(value, str) or (
                isinstance(value, int | float) and not isinstance(value, bool)
            ):
                key = (j, style_key(j, value))
                s = styles.get(key)
                if s is None:
                    cell = prototype(j, value)
                    if cell.value is None:  # an empty text: no cell, as openpyxl
                        continue
                    s = styles[key] = f' s="{cell.style_id}"' if cell.has_style else ""
                if isinstance(value, str):
                    text = prototype(j, value).value if _needs_cleaning(value) else value
                    if not text:
                        continue
                    space = ' xml:space="preserve"' if text.strip() != text and text.strip() else ""
                    cells.append(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>'
                                 f"{text.translate(_ESCAPE)}</t></is></c>")
                else:
                    v = "" if math.isnan(value) or math.isinf(value) else f"{value:.16g}"
                    cells.append(f'<c r="{ref}"{s} t="n"><v>{v}</v></c>')
            else:
                cells.append(_generic(prototype(j, value), ref))
        cells.append("</row>")
        out.append("".join(cells))
    return "".join(out)


def _needs_cleaning(text: str) -> bool:
    """A text with characters XML refuses, or too long for a cell: cleaned by the prototype."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return len(text) > 32_000 or ILLEGAL_CHARACTERS_RE.search(text) is not None


def inject_rows(path: Path, sheets: Mapping[int, str]) -> None:
    """Put the rows ``sheets`` (sheet position from 1 -> rows XML) into the saved workbook
    ``path``, after the header row of each of these sheets; the other parts are copied."""
    new = path.with_name(path.name + ".rows")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(new, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            name = info.filename
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                index = int(name[len("xl/worksheets/sheet"):-len(".xml")])
                if index in sheets:
                    text = data.decode("utf-8")
                    if text.count("</sheetData>") != 1:  # pragma: no cover - openpyxl changed
                        raise RuntimeError(f"Feuille XLSX inattendue : {name}")
                    data = text.replace("</sheetData>", sheets[index] + "</sheetData>").encode()
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    os.replace(new, path)
