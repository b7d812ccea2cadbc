"""The view of one table of an atlas: cells in French, headers a reader understands, a source
line, and a layout that fits the page.

:func:`table_view` turns a :class:`~coodiag.outputs.document.TableItem` into the plain dict
the templates print (``templates/_items.html``, macro ``table``):

- **Cells** carry the decimals of the XLSX export (:func:`coodiag.outputs.exports.prepare_columns`),
  so the page and the workbook agree; counts of people go through
  :func:`coodiag.secrecy.format_count` inside a ``coodiag-count`` span.
- **Headers**: a column left without a French header (``dist_ACI_km``) gets a readable one
  on the page (:func:`coodiag.outputs.document.readable_header`), never its raw name.
- **Sources**: one line per indicator of the table (:func:`coodiag.outputs.captions.source_line`),
  printed under it.
- **Layout** (:func:`table_layout`): the width of every column is estimated from its longest
  word (a header wraps between words, never inside one) and its widest number; a table too
  wide for an A4 portrait page gets a smaller font, then a landscape page of its own, so that
  no column is cut at the right edge.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from typing import Any

import numpy as np
import pandas as pd

from coodiag import fr, secrecy
from coodiag.outputs.captions import meta_text
from coodiag.outputs.document import ExportTable, KeyMessages, TableItem, readable_header
from coodiag.outputs.exports import prepare_columns

#: A table cut for the page shows all its rows when at most this many would be left out.
WIDOW_ROWS = 5
#: A missing number in a page.
MISSING_HTML = f'<span class="nd">{fr.MISSING}</span>'
#: Usable width of an A4 page (mm), portrait and landscape, between the margins.
PORTRAIT_MM = 174.0
LANDSCAPE_MM = 261.0
#: Width of one character (mm) at the table font sizes (8 pt, 7 pt; Liberation Sans, average).
CHAR_MM = {"normal": 1.55, "wide": 1.36}
#: Horizontal padding of a cell (mm) at those sizes.
PAD_MM = {"normal": 3.4, "wide": 2.4}
#: A text column wraps between words: its width is estimated for at most this many characters.
TEXT_WRAP_CHARS = 26

def as_float(value: Any) -> float | None:
    """A number as a float; None for a missing value, a boolean or a text."""
    if fr.is_missing(value) or isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return None


def count_span(text: str) -> str:
    """A count of people, marked for :func:`coodiag.secrecy.find_small_counts`."""
    return f'<span class="{secrecy.COUNT_CSS_CLASS}">{html.escape(text)}</span>'


def number_html(value: Any, decimals: int, *, count: bool) -> tuple[str, str]:
    """(HTML, CSS class) of one number of a table."""
    if isinstance(value, str):
        text = html.escape(value)
        return (count_span(value) if count else text), "num"
    x = as_float(value)
    if x is None:
        return MISSING_HTML, "num"
    if count:
        return count_span(secrecy.format_count(x)), "num"
    return html.escape(fr.number(x, decimals)), "num"


def table_frame(table: ExportTable) -> pd.DataFrame:
    """The frame as the exports write it: named index as first columns, no geometry."""
    frame = table.frame
    names = [n for n in frame.index.names if n is not None]
    if names:
        frame = frame.reset_index(level=names)
    geom = [c for c in frame.columns if str(frame[c].dtype) == "geometry"]
    return frame.drop(columns=geom)


def cell_text(value: Any, number_format: str | None) -> str:
    """A table cell as French text (numbers with the decimals of the XLSX number format)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        dec = 0
        if number_format and "." in number_format:
            dec = len(number_format.split(".", 1)[1])
        return fr.number(value, dec)
    if isinstance(value, pd.Period):
        return value.strftime("%m/%Y")
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M" if value.time() != dt.time(0) else "%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return fr.typography(value)


def _plain(cell_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell_html))


def column_chars(header: str, cells: list[str], *, numeric: bool) -> int:
    """Characters a column needs: its longest header word, its widest number (numbers never
    wrap) or its text up to :data:`TEXT_WRAP_CHARS` (text wraps between words)."""
    need = max((len(w) for w in header.split()), default=1)
    for text in cells:
        if numeric:
            need = max(need, len(text))
        else:
            longest_word = max((len(w) for w in text.split()), default=0)
            need = max(need, min(len(text), TEXT_WRAP_CHARS), longest_word)
    return need


def table_layout(chars: list[int]) -> str:
    """« normal », « wide » (smaller font), « landscape » (a landscape page of its own) or
    « landscape-wide » (landscape and smaller font), from the characters each column needs."""
    def width(size: str) -> float:
        return sum(c * CHAR_MM[size] + PAD_MM[size] for c in chars)

    if width("normal") <= PORTRAIT_MM:
        return "normal"
    if width("wide") <= PORTRAIT_MM:
        return "wide"
    if width("normal") <= LANDSCAPE_MM:
        return "landscape"
    return "landscape-wide"


def table_sources(table: ExportTable) -> list[str]:
    """The source line of a table: each source once, with its vintage (« Source : INSEE,
    RP 2021 ; registre des SIAE (2019-2021) »); the formulas are on the method page."""
    seen: dict[str, None] = {}
    for meta in table.indicators:
        source, vintage = meta_text(meta, "source"), meta_text(meta, "vintage")
        if not source:
            continue
        if vintage and vintage.lower() not in source.lower():
            source = f"{source} ({vintage})"
        seen.setdefault(source, None)
    if not seen:
        return []
    label = "Source" if len(seen) == 1 else "Sources"
    return [fr.typography(f"{label} : {' ; '.join(seen)}")]


def table_view(item: TableItem, limit: int) -> dict:
    """The view of a table showing its first ``limit`` rows (the XLSX has them all)."""
    if limit > 0 and 0 < len(item.export.frame) - limit <= WIDOW_ROWS:
        limit = len(item.export.frame)  # never « 26 lignes ; 25 premières »: show the few left
    table = item.export
    frame = table_frame(table)
    n = len(frame)
    # decimals as in the XLSX (from the whole column) unless the table is very long
    shown = table if n <= 20_000 else dataclasses.replace(table, frame=table.frame.head(limit))
    columns = prepare_columns(shown)
    names = list(frame.columns)
    counts = {str(c) for c in table.person_counts}
    mapped = set((table.columns or {}).keys())
    head = []
    chars = []
    body: list[list[tuple[str, str]]] = [[] for _ in range(min(n, limit))]
    for name, col in zip(names, columns, strict=True):
        is_count = str(name) in counts
        numeric = is_count or (
            col.number_format is not None
            and all(
                v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                for v in col.values[:limit]
            )
        )
        header = col.header if name in mapped else readable_header(col.header)
        head.append((fr.typography(header), "num" if numeric else ""))
        texts = []
        for i, value in enumerate(col.values[:limit]):
            if is_count:
                cell = number_html(value, 0, count=True)
            elif numeric:
                text = cell_text(value, col.number_format)
                cell = (html.escape(text) if text else MISSING_HTML, "num")
            else:
                cell = (html.escape(cell_text(value, col.number_format)), "")
            body[i].append(cell)
            texts.append(_plain(cell[0]))
        chars.append(column_chars(header, texts, numeric=numeric))
    more = max(0, n - limit)
    sources = table_sources(table)
    return {
        "kind": "table",
        "title": fr.typography(table.title or table.name),
        "name": fr.typography(table.name),
        "comment": fr.typography(item.comment),
        "head": head,
        "rows": body,
        "n_rows": n,
        "more": more,
        "more_text": (
            f"Les {fr.integer(n)} lignes sont dans l'export XLSX (feuille «{fr.NBSP}"
            f"{table.name}{fr.NBSP}») ; {fr.integer(limit)} premières ci-dessus."
        )
        if more
        else "",
        "ncols": len(head),
        "layout": table_layout(chars),
        "sources": sources,
    }


def messages_view(item: KeyMessages) -> dict:
    """The key messages of a synthèse, grouped by question in their order."""
    groups: dict[str, list[dict]] = {}
    for m in item.items:
        groups.setdefault(fr.typography(m["question"]), []).append(
            {"figure": fr.typography(m["figure"]), "text": fr.typography(m["text"])}
        )
    return {"kind": "messages", "title": fr.typography(item.title),
            "groups": [{"question": q, "messages": ms} for q, ms in groups.items()]}
