"""Views of the items of an atlas document: every text and number ready for the templates.

:func:`item_view` turns one item of an :class:`~coodiag.outputs.document.AtlasDocument` into a
plain dict the PDF and the HTML templates (``templates/``) print as they are
(:func:`coodiag.outputs.atlas.document_view` assembles the whole document):

- **French typography** on every text (:func:`coodiag.fr.typography`: a no-break space before
  « : ; ! ? % » and inside « guillemets »), numbers in French (:func:`coodiag.fr.number`:
  narrow no-break space between thousands, decimal comma, true minus sign), « n.d. »
  (:data:`coodiag.fr.MISSING`) for a missing value, dates as « 1er mars 2025 ».
- **Numbers** of key figures get the decimals of their row (none for whole numbers and values
  of 100 or more); table cells the decimals of the XLSX export
  (:func:`coodiag.outputs.exports.prepare_columns`), so the page and the workbook agree.
- **Secrecy**: counts of people (key figures whose unit is a count of people, table columns
  declared in ``ExportTable.person_counts``) go through :func:`coodiag.secrecy.format_count`
  (a value below the threshold left by mistake is shown « < 5 ») and are wrapped in
  ``<span class="coodiag-count">`` so that :func:`coodiag.secrecy.find_small_counts` can scan
  the HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coodiag import fr
from coodiag.base.indicators import Indicator
from coodiag.outputs.captions import is_people_count, meta_text, source_line
from coodiag.outputs.document import (
    AtlasDocument,
    KeyFigures,
    KeyMessages,
    MapItem,
    Paragraph,
    Recommendations,
    TableItem,
)
from coodiag.outputs.tableview import (
    MISSING_HTML,
    as_float,
    messages_view,
    number_html,
    table_view,
)

#: Largest size of a map image on an A4 page (text width, leaving room for title and sources).
PDF_MAP_MAX_MM = (170.0, 180.0)
#: Rows of a table shown in the HTML page (the PDF shows ``TableItem.max_rows``).
HTML_MAX_ROWS = 200
#: Columns of a key-figure frame that are not territory levels.
KEY_META_COLUMNS = ("indicateur", "unite", "source", "millesime", "key", "cle", "unit")
PRIORITES = {
    "1": ("haute", "haute"),
    "haute": ("haute", "haute"),
    "élevée": ("haute", "haute"),
    "forte": ("haute", "haute"),
    "2": ("moyenne", "moyenne"),
    "moyenne": ("moyenne", "moyenne"),
    "normale": ("moyenne", "moyenne"),
    "3": ("basse", "basse"),
    "basse": ("basse", "basse"),
    "faible": ("basse", "basse"),
}


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def snapshot_date(snapshot: Mapping[str, Any] | None) -> dt.date | None:
    """The production date of a snapshot (``date`` key, ISO format), if any."""
    if not snapshot:
        return None
    for key in ("date", "produit_le", "date_production"):
        d = _parse_date(snapshot.get(key))
        if d is not None:
            return d
    return None


def _row_decimals(values: Sequence[float]) -> int:
    """Decimals for a row of key figures: none for whole numbers and values >= 100."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return 0
    if all(float(v).is_integer() for v in finite):
        return 0
    top = max(abs(v) for v in finite)
    return 0 if top >= 100 else (1 if top >= 1 else 2)


@dataclass
class MapAsset:
    """A map drawn once (:func:`coodiag.outputs.atlas.render`), shown by the PDF and the HTML."""

    png: Path
    svg: Path | None  # no SVG for a map of too many polygons (coodiag.outputs.mapdraw)
    width_px: int
    height_px: int


def _key_figures_view(item: KeyFigures) -> dict:
    frame = item.frame
    levels = [c for c in frame.columns if c not in KEY_META_COLUMNS]
    rows = []
    for rec in frame.to_dict("records"):
        unit = "" if fr.is_missing(rec.get("unite")) else str(rec.get("unite"))
        count = is_people_count(Indicator(unit=unit))
        numbers = [as_float(rec.get(level)) for level in levels]
        dec = _row_decimals([v for v in numbers if v is not None])
        cells = [number_html(rec.get(level), dec, count=count)[0] for level in levels]
        source = "" if fr.is_missing(rec.get("source")) else str(rec.get("source"))
        vintage = "" if fr.is_missing(rec.get("millesime")) else str(rec.get("millesime"))
        if vintage and vintage.lower() not in source.lower():
            source = f"{source}, {vintage}" if source else vintage
        rows.append(
            {
                "label": fr.typography(rec.get("indicateur", "")),
                "unit": fr.typography(unit),
                "source": fr.typography(source),
                "cells": cells,
            }
        )
    return {
        "kind": "keyfigures",
        "title": fr.typography(item.title),
        "comment": fr.typography(item.comment),
        "levels": [fr.typography(str(level)) for level in levels],
        "rows": rows,
    }


def _priority(p: Any) -> tuple[str, str]:
    key = str(p).strip().lower()
    if key in PRIORITES:
        label, css = PRIORITES[key]
        return f"Priorité {label}", css
    return (f"Priorité {p}" if str(p).strip() else "Priorité non précisée"), "autre"


def _recommendations_view(item: Recommendations) -> dict:
    cards = []
    for rec in item.items:
        label, css = _priority(rec.get("priorite", ""))
        rows = [fr.typography(x) for x in rec.get("liste") or []]  # finding: rows. À envisager
        end = (f"{fr.NBSP}:" if rows else ".") if "a_envisager" in rec else ""
        cards.append(
            {
                "priority": label,
                "css": css,
                "theme": fr.typography(rec.get("theme", "")),
                "text": fr.typography(str(rec.get("texte", "")) + end),
                "rows": rows, "action": fr.typography(rec.get("a_envisager", "")),
                "reason": fr.typography(rec.get("raison", "")),
            }
        )
    return {"kind": "recommendations", "cards": cards}


def _map_view(item: MapItem, asset: MapAsset) -> dict:
    w_mm, h_mm = PDF_MAP_MAX_MM
    ratio = asset.height_px / max(asset.width_px, 1)
    width = min(w_mm, h_mm / ratio)
    sources = [fr.typography(line) for line in (source_line(m) for m in item.meta) if line]
    return {
        "kind": "map",
        "name": item.name,
        "title": fr.typography(item.title),
        "comment": fr.typography(item.comment),
        "sources": list(dict.fromkeys(sources)),
        "png": f"cartes/{asset.png.name}",
        "svg": f"cartes/{asset.svg.name}" if asset.svg is not None else None,
        "width_mm": round(width, 1),
        "height_mm": round(width * ratio, 1),
        "width_px": asset.width_px,
        "height_px": asset.height_px,
        "web": item.web is not None,
    }


def sources_view(doc: AtlasDocument) -> list[dict]:
    rows = []
    seen = set()
    for meta in doc.sources:
        row = {
            "label": fr.typography(meta_text(meta, "label") or meta_text(meta, "key")),
            "unit": fr.typography(meta_text(meta, "unit")),
            "source": fr.typography(meta_text(meta, "source")),
            "vintage": fr.typography(meta_text(meta, "vintage")),
            "method": fr.typography(meta_text(meta, "method")),
        }
        num, den = meta_text(meta, "numerator"), meta_text(meta, "denominator")
        if num and den and not row["method"]:
            row["method"] = fr.typography(f"{num} / {den}")
        key = tuple(row.values())
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


def _change_html(old: float | None, new: float | None, unit: str, dec: int) -> str:
    if old is None or new is None:
        return MISSING_HTML
    diff = new - old
    sign = "+" if round(diff, dec) > 0 else ""
    if "%" in unit and "pour" not in unit:
        return html.escape(f"{sign}{fr.number(diff, max(dec, 1))}{fr.NBSP}pt")
    text = f"{sign}{fr.number(diff, dec)}"
    if old:
        rel = 100 * diff / abs(old)
        rsign = "+" if round(rel, 1) > 0 else ""
        text += f" ({rsign}{fr.number(rel, 1)}{fr.NNBSP}%)"
    return html.escape(text)


def evolution_view(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict:
    """Key figures of two snapshots side by side: then, now, change."""
    old_recs = list(previous.get("chiffres_cles") or [])
    new_recs = list(current.get("chiffres_cles") or [])

    def key(rec: Mapping[str, Any]) -> str:
        return str(rec.get("key") or rec.get("indicateur") or "")

    old_by = {key(r): r for r in old_recs}
    groups = []
    for rec in new_recs:
        before = old_by.get(key(rec))
        unit = "" if fr.is_missing(rec.get("unite")) else str(rec.get("unite"))
        count = is_people_count(Indicator(unit=unit))
        levels = [c for c in rec if c not in KEY_META_COLUMNS]
        rows = []
        for level in levels:
            old_v = before.get(level) if before else None
            new_v = rec.get(level)
            o, n = as_float(old_v), as_float(new_v)
            dec = _row_decimals([v for v in (o, n) if v is not None])
            rows.append(
                {
                    "level": fr.typography(level),
                    "old": number_html(old_v, dec, count=count)[0],
                    "new": number_html(new_v, dec, count=count)[0],
                    "change": _change_html(o, n, unit, dec),
                }
            )
        groups.append(
            {
                "label": fr.typography(rec.get("indicateur", "")),
                "unit": fr.typography(unit),
                "rows": rows,
            }
        )
    new_keys = {key(x) for x in new_recs}
    gone = [fr.typography(r.get("indicateur", "")) for k, r in old_by.items() if k not in new_keys]
    d_old, d_new = snapshot_date(previous), snapshot_date(current)
    return {
        "old_date": fr.date(d_old) if d_old else "atlas précédent",
        "new_date": fr.date(d_new) if d_new else "cet atlas",
        "groups": groups,
        "gone": gone,
    }


def item_view(item: Any, assets: Mapping[str, MapAsset]) -> dict:
    """The view of one item of a section (``kind`` names its template block)."""
    if isinstance(item, KeyFigures):
        return _key_figures_view(item)
    if isinstance(item, MapItem):
        return _map_view(item, assets[item.name])
    if isinstance(item, TableItem):
        view = table_view(item, max(int(item.max_rows), 0))
        view["web"] = table_view(item, max(HTML_MAX_ROWS, int(item.max_rows)))
        return view
    if isinstance(item, Paragraph):
        kind = item.kind if item.kind in {"texte", "note", "alerte"} else "texte"
        return {"kind": "paragraph", "style": kind, "text": fr.typography(item.text)}
    if isinstance(item, Recommendations):
        return _recommendations_view(item)
    if isinstance(item, KeyMessages):
        return messages_view(item)
    raise TypeError(f"Élément d'atlas inconnu : {type(item).__name__}")  # pragma: no cover
