"""The rows of the « Sources » sheet: one per documented column of every sheet.

Each row says for one column (or one row of a table of key figures) what the figure is: label,
unit, numerator, denominator, source, vintage, method, from the table's
:class:`~coodiag.base.indicators.Indicator` metadata. An indicator is placed on its column by
its ``key``; one described by the builders without a key is placed on the numeric column whose
header matches its label (« Capacité (salariés) » for « Capacité d'insertion »), on the row of a
key-figure table holding its label, on the « Classe » column for a typology, else on the only
numeric column left. A numeric column left without indicator still gets a row (its header, its
unit read from the header, the table's sources) so that no figure of the workbook goes
unexplained. A count has no denominator: « sans objet (effectif) ».
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from coodiag.base.indicators import Indicator
from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports.cells import SECRET_SUFFIX, Column

#: Fields of an indicator written in the sheet, after the sheet name and the column.
META_FIELDS = ("label", "unit", "numerator", "denominator", "source", "vintage", "method")
#: The denominator of a count.
NO_DENOMINATOR = "sans objet (effectif)"
#: Units that are not counts (a rate, a ratio, a distance, a class...).
_NOT_COUNT = re.compile(r"%|pour |par |point|indice|km|classe|rang|décile|euros|règle|minutes")
_UNIT = re.compile(r"\(([^()]*)\)\s*$")


def _words(text: str) -> list[str]:
    """Lower ASCII words of a text, parenthesised parts left out."""
    text = re.sub(r"\([^()]*\)", " ", str(text))
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [w for w in re.split(r"[^a-z0-9]+", ascii_text.lower()) if len(w) > 1]


def _header_unit(header: str) -> str:
    """The unit a header ends with: « Impact (%) » -> « % »."""
    found = _UNIT.search(header)
    return found.group(1) if found else ""


def _is_count(unit: str) -> bool:
    return bool(unit) and not _NOT_COUNT.search(unit)


def _match(label: str, headers: Sequence[str]) -> str | None:
    """The header best matching an indicator label (every word of the header in the label)."""
    label_words = set(_words(label))
    best, score = None, 0
    for header in headers:
        words = _words(header)
        if words and set(words) <= label_words and len(words) > score:
            best, score = header, len(words)
    return best


def _row(sheet: str, column: str | None, ind: Indicator) -> list[Any]:
    values = {f: getattr(ind, f) or None for f in META_FIELDS}
    if _is_count(ind.unit) and not ind.denominator:
        values["numerator"] = values["numerator"] or ind.label
        values["denominator"] = NO_DENOMINATOR
    return [sheet, column, *(values[f] for f in META_FIELDS)]


def _unique(indicators: list[Indicator]) -> list[Indicator]:
    seen, out = set(), []
    for ind in indicators:
        ident = ind.key or (ind.label, ind.unit, ind.source)
        if ident not in seen:
            seen.add(ident)
            out.append(ind)
    return out


def _table_rows(table: ExportTable, columns: Sequence[Column]) -> list[list[Any]]:
    indicators = _unique(table.indicators)
    frame_columns = set(table.frame.columns) | {n for n in table.frame.index.names if n}
    headers = [c.header for c in columns]
    numeric = [c.header for c in columns
               if c.number_format is not None and not c.header.endswith(SECRET_SUFFIX)]
    texts = {str(v) for c in columns if c.number_format is None for v in c.values if v}
    placed: dict[str, Indicator] = {}
    on_rows: list[Indicator] = []
    left: list[Indicator] = []
    for ind in indicators:
        if ind.key and ind.key in frame_columns and table.header(ind.key) not in placed:
            placed[table.header(ind.key)] = ind
        elif ind.label in texts:
            on_rows.append(ind)
        else:
            left.append(ind)
    still: list[Indicator] = []
    for ind in left:
        free = [h for h in numeric if h not in placed]
        header = _match(ind.label, free)
        if header is None and ind.unit == "classe":
            header = next((h for h in headers if h.startswith("Classe") and h not in placed),
                          None)
        if header is None and ind.unit:  # the only free column in the indicator's unit
            unit = _words(ind.unit)[:1] or [ind.unit]
            same = [h for h in free if _header_unit(h) == ind.unit
                    or set(unit) <= set(_words(h))]
            header = same[0] if len(same) == 1 else None
        if header is None:
            still.append(ind)
        else:
            placed[header] = ind
    free = [h for h in numeric if h not in placed]
    if len(still) == 1 and len(free) == 1:
        placed[free[0]] = still.pop()
    rows = []
    sources = "; ".join(dict.fromkeys(i.source for i in indicators if i.source))
    vintages = ", ".join(dict.fromkeys(i.vintage for i in indicators if i.vintage))
    whole = {c.header: all(isinstance(v, int) or (isinstance(v, float) and v.is_integer())
                           for v in c.values if v is not None) for c in columns}
    for header in headers:
        if header in placed:
            rows.append(_row(table.name, header, placed[header]))
        elif header in numeric and not on_rows:  # a key-figure table: its rows say it all
            unit = _header_unit(header) or ("nombre" if whole[header] else "")
            derived = Indicator(
                label=re.sub(r"\s*\([^()]*\)\s*$", "", header), unit=unit,
                source=("coodiag, à partir de : " + sources) if sources else "coodiag",
                vintage=vintages,
                method=f"colonne du tableau « {table.title or table.name} » (voir la page "
                "« Méthode et sources » de l'atlas)",
            )
            rows.append(_row(table.name, header, derived))
    rows += [_row(table.name, f"ligne « {ind.label} »", ind) for ind in on_rows]
    rows += [_row(table.name, "(tableau entier)", ind) for ind in still]
    return rows


def sources_rows(tables: Sequence[ExportTable],
                 prepared: Sequence[Sequence[Column]]) -> list[list[Any]]:
    """The rows of the « Sources » sheet (``SOURCES_HEADERS`` order) for the tables and their
    prepared columns (:func:`~coodiag.outputs.exports.cells.prepare_columns`)."""
    return [row for table, columns in zip(tables, prepared, strict=True)
            for row in _table_rows(table, columns)]
