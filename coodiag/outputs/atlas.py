"""Render an :class:`~coodiag.outputs.document.AtlasDocument`: PDF, self-contained HTML, maps,
snapshot and data exports, into one atlas folder.

``render(doc, folder)`` writes, in ``folder/``:

- ``cartes/<name>.png`` (170 dpi) and ``cartes/<name>.svg`` for every map;
- ``<slug>.pdf`` (WeasyPrint, A4 portrait): cover, table of contents with page numbers,
  « Points d'attention » box (``doc.warnings``), one chapter per section (each on a new page),
  « Méthode et sources », and « Évolution » when a previous snapshot is given; running header
  (atlas title, chapter) and footer « page N / M »;
- ``<slug>.html``: one self-contained page (CSS inline, images as ``data:`` URIs, interactive
  maps as ``<iframe srcdoc>`` holding an offline Leaflet map, see
  :mod:`coodiag.outputs.webmap`), same content and order as the PDF, with a sticky table of
  contents; checked with :func:`coodiag.outputs.webmap.assert_offline`;
- ``<slug>.json``: the document's snapshot (for a later « Évolution » page);
- ``<slug>.xlsx``, ``csv/``, ``<slug>.gpkg``: :func:`coodiag.outputs.exports.write_all`.

Choices
-------
- **Atomic**: everything is built in a temporary folder beside ``folder`` and swapped in at
  the end (:func:`coodiag._io.atomic_dir`): an interrupted or failed run leaves the previous
  atlas intact. The folder is replaced as a whole (do not keep other files in it).
- **One figure at a time**: each map's figure factory is called once, the figure saved as PNG
  and SVG then cleared, so memory stays flat however many maps an atlas holds. The PDF and the
  HTML use the same PNG (170 dpi: sharp in print, about 1 s per page to typeset).
- **French typography**: numbers with a narrow no-break space between thousands and a decimal
  comma (:func:`coodiag.outputs.maps.format_number`), « n.d. » for a missing value, a no-break
  space before « : ; ! ? % » and inside « guillemets » (filter :func:`typo`, applied to every
  text of the document as well as to the atlas's own words).
- **Secrecy**: counts of people (key figures whose unit is a count of people, table columns
  declared in ``ExportTable.person_counts``) go through :func:`coodiag.secrecy.format_count`
  (a value below the threshold left by mistake is shown « < 5 ») and are wrapped in
  ``<span class="coodiag-count">`` so that :func:`coodiag.secrecy.find_small_counts` can scan
  the HTML.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import math
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coodiag import secrecy
from coodiag._io import atomic_dir, write_json_atomic
from coodiag.outputs import exports as exports_mod
from coodiag.outputs import maps
from coodiag.outputs.document import (
    AtlasDocument,
    KeyFigures,
    MapItem,
    Paragraph,
    Recommendations,
    TableItem,
)

#: Folder of the Jinja2 templates and stylesheets.
TEMPLATES = Path(__file__).with_name("templates")
#: Resolution of the map PNGs (used by the PDF and the HTML).
MAP_DPI = 170
#: Largest size of a map image on an A4 page (text width, leaving room for title and sources).
PDF_MAP_MAX_MM = (174.0, 205.0)
#: Rows of a table shown in the HTML page (the PDF shows ``TableItem.max_rows``).
HTML_MAX_ROWS = 200
#: Height of an interactive map in the HTML page (CSS pixels).
WEBMAP_HEIGHT = 580
#: Columns of a key-figure frame that are not territory levels.
KEY_META_COLUMNS = ("indicateur", "unite", "source", "millesime", "key", "cle", "unit")
FORMATS = ("pdf", "html")

NBSP = "\u00a0"
NNBSP = secrecy.NNBSP
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
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

_TYPO_BEFORE = re.compile(r"[ \t]+([:;!?%»])")
_TYPO_BEFORE_NONE = re.compile(r"(?<=[\w)\]»])([;!?](?=\s|$)|%|»)")
_TYPO_AFTER = re.compile(r"«[ \t]*")


# ------------------------------------------------------------------------------------------
# French typography
# ------------------------------------------------------------------------------------------


def typo(text: Any) -> str:
    """French typography of a text: no-break space before ``: ; ! ? % »`` and after ``«``.

    A plain space before these signs becomes a no-break one (narrow before ``; ! ? %``); a
    missing one is added before ``; ! ? % »`` (never before ``:``, which URLs and times use).
    """
    if text is None:
        return ""
    s = str(text)
    if not s:
        return s

    def before(m: re.Match) -> str:
        sign = m.group(1)
        return (NBSP if sign in ":»" else NNBSP) + sign

    s = _TYPO_BEFORE.sub(before, s)
    s = _TYPO_BEFORE_NONE.sub(lambda m: (NBSP if m.group(1) == "»" else NNBSP) + m.group(1), s)
    return _TYPO_AFTER.sub("«" + NBSP, s)


def french_date(d: dt.date) -> str:
    """``2025-03-01`` -> ``"1er mars 2025"``."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MOIS[d.month - 1]} {d.year}"


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


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(float(value))
    return False


def _as_float(value: Any) -> float | None:
    if _is_missing(value) or isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
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


def _count_span(text: str) -> str:
    return f'<span class="{secrecy.COUNT_CSS_CLASS}">{html.escape(text)}</span>'


def _number_html(value: Any, decimals: int, *, count: bool) -> tuple[str, str]:
    """(HTML, CSS class) of one number of a table."""
    if isinstance(value, str):
        text = html.escape(value)
        return (_count_span(value) if count else text), "num"
    x = _as_float(value)
    if x is None:
        return '<span class="nd">n.d.</span>', "num"
    if count:
        return _count_span(secrecy.format_count(x)), "num"
    return html.escape(maps.format_number(x, decimals)), "num"


# ------------------------------------------------------------------------------------------
# Views: the document, ready for the templates
# ------------------------------------------------------------------------------------------


@dataclass
class _MapAsset:
    png: Path
    svg: Path
    width_px: int
    height_px: int


def _key_figures_view(item: KeyFigures) -> dict:
    frame = item.frame
    levels = [c for c in frame.columns if c not in KEY_META_COLUMNS]
    rows = []
    for rec in frame.to_dict("records"):
        unit = "" if _is_missing(rec.get("unite")) else str(rec.get("unite"))
        count = maps.is_people_count({"unit": unit})
        numbers = [_as_float(rec.get(level)) for level in levels]
        dec = _row_decimals([v for v in numbers if v is not None])
        cells = [_number_html(rec.get(level), dec, count=count)[0] for level in levels]
        source = "" if _is_missing(rec.get("source")) else str(rec.get("source"))
        vintage = "" if _is_missing(rec.get("millesime")) else str(rec.get("millesime"))
        if vintage and vintage.lower() not in source.lower():
            source = f"{source}, {vintage}" if source else vintage
        rows.append(
            {
                "label": typo(rec.get("indicateur", "")),
                "unit": typo(unit),
                "source": typo(source),
                "cells": cells,
            }
        )
    return {
        "kind": "keyfigures",
        "title": typo(item.title),
        "comment": typo(item.comment),
        "levels": [typo(str(level)) for level in levels],
        "rows": rows,
    }


def _table_frame(table: exports_mod.ExportTable) -> pd.DataFrame:
    """The frame as the exports write it: named index as first columns, no geometry."""
    frame = table.frame
    names = [n for n in frame.index.names if n is not None]
    if names:
        frame = frame.reset_index(level=names)
    geom = [c for c in frame.columns if str(frame[c].dtype) == "geometry"]
    return frame.drop(columns=geom)


def _cell_text(value: Any, number_format: str | None) -> str:
    """A table cell as French text (numbers with the decimals of the XLSX number format)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        dec = 0
        if number_format and "." in number_format:
            dec = len(number_format.split(".", 1)[1])
        return maps.format_number(value, dec)
    if isinstance(value, pd.Period):
        return value.strftime("%m/%Y")
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M" if value.time() != dt.time(0) else "%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return typo(value)


def _table_view(item: TableItem, limit: int) -> dict:
    table = item.export
    frame = _table_frame(table)
    n = len(frame)
    # decimals as in the XLSX (from the whole column) unless the table is very long
    shown = table if n <= 20_000 else dataclasses.replace(table, frame=table.frame.head(limit))
    columns = exports_mod.prepare_columns(shown)
    names = list(frame.columns)
    counts = {str(c) for c in table.person_counts}
    head = []
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
        head.append((typo(col.header), "num" if numeric else ""))
        for i, value in enumerate(col.values[:limit]):
            if is_count:
                cell = _number_html(value, 0, count=True)
            elif numeric:
                text = _cell_text(value, col.number_format)
                cell = (html.escape(text) if text else '<span class="nd">n.d.</span>', "num")
            else:
                cell = (html.escape(_cell_text(value, col.number_format)), "")
            body[i].append(cell)
    more = max(0, n - limit)
    return {
        "kind": "table",
        "title": typo(table.title or table.name),
        "name": typo(table.name),
        "comment": typo(item.comment),
        "head": head,
        "rows": body,
        "n_rows": n,
        "more": more,
        "more_text": (
            f"… {_int(more)} ligne{'s' if more > 1 else ''} de plus dans l'export XLSX "
            f"(feuille «{NBSP}{table.name}{NBSP}»)"
        )
        if more
        else "",
        "ncols": len(head),
    }


def _int(n: int) -> str:
    return f"{n:,}".replace(",", NNBSP)


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
        cards.append(
            {
                "priority": label,
                "css": css,
                "theme": typo(rec.get("theme", "")),
                "text": typo(rec.get("texte", "")),
                "reason": typo(rec.get("raison", "")),
            }
        )
    return {"kind": "recommendations", "cards": cards}


def _map_view(item: MapItem, asset: _MapAsset) -> dict:
    w_mm, h_mm = PDF_MAP_MAX_MM
    ratio = asset.height_px / max(asset.width_px, 1)
    width = min(w_mm, h_mm / ratio)
    sources = [typo(line) for line in (maps.source_line(m) for m in item.meta) if line]
    return {
        "kind": "map",
        "name": item.name,
        "title": typo(item.title),
        "comment": typo(item.comment),
        "sources": list(dict.fromkeys(sources)),
        "png": f"cartes/{asset.png.name}",
        "svg": f"cartes/{asset.svg.name}",
        "width_mm": round(width, 1),
        "height_mm": round(width * ratio, 1),
        "width_px": asset.width_px,
        "height_px": asset.height_px,
        "web": item.web is not None,
    }


def _sources_view(doc: AtlasDocument) -> list[dict]:
    rows = []
    seen = set()
    for meta in doc.sources:
        row = {
            "label": typo(maps.meta_text(meta, "label") or maps.meta_text(meta, "key")),
            "unit": typo(maps.meta_text(meta, "unit")),
            "source": typo(maps.meta_text(meta, "source")),
            "vintage": typo(maps.meta_text(meta, "vintage")),
            "method": typo(maps.meta_text(meta, "method")),
        }
        num, den = maps.meta_text(meta, "numerator"), maps.meta_text(meta, "denominator")
        if num and den and not row["method"]:
            row["method"] = typo(f"{num} / {den}")
        key = tuple(row.values())
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


def _change_html(old: float | None, new: float | None, unit: str, dec: int) -> str:
    if old is None or new is None:
        return '<span class="nd">n.d.</span>'
    diff = new - old
    sign = "+" if round(diff, dec) > 0 else ""
    if "%" in unit and "pour" not in unit:
        return html.escape(f"{sign}{maps.format_number(diff, max(dec, 1))}{NBSP}pt")
    text = f"{sign}{maps.format_number(diff, dec)}"
    if old:
        rel = 100 * diff / abs(old)
        rsign = "+" if round(rel, 1) > 0 else ""
        text += f" ({rsign}{maps.format_number(rel, 1)}{NNBSP}%)"
    return html.escape(text)


def _evolution_view(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict:
    """Key figures of two snapshots side by side: then, now, change."""
    old_recs = list(previous.get("chiffres_cles") or [])
    new_recs = list(current.get("chiffres_cles") or [])

    def key(rec: Mapping[str, Any]) -> str:
        return str(rec.get("key") or rec.get("indicateur") or "")

    old_by = {key(r): r for r in old_recs}
    groups = []
    for rec in new_recs:
        before = old_by.get(key(rec))
        unit = "" if _is_missing(rec.get("unite")) else str(rec.get("unite"))
        count = maps.is_people_count({"unit": unit})
        levels = [c for c in rec if c not in KEY_META_COLUMNS]
        rows = []
        for level in levels:
            old_v = before.get(level) if before else None
            new_v = rec.get(level)
            o, n = _as_float(old_v), _as_float(new_v)
            dec = _row_decimals([v for v in (o, n) if v is not None])
            rows.append(
                {
                    "level": typo(level),
                    "old": _number_html(old_v, dec, count=count)[0],
                    "new": _number_html(new_v, dec, count=count)[0],
                    "change": _change_html(o, n, unit, dec),
                }
            )
        groups.append(
            {"label": typo(rec.get("indicateur", "")), "unit": typo(unit), "rows": rows}
        )
    new_keys = {key(x) for x in new_recs}
    gone = [typo(r.get("indicateur", "")) for k, r in old_by.items() if k not in new_keys]
    d_old, d_new = snapshot_date(previous), snapshot_date(current)
    return {
        "old_date": french_date(d_old) if d_old else "atlas précédent",
        "new_date": french_date(d_new) if d_new else "cet atlas",
        "groups": groups,
        "gone": gone,
    }


def _view(
    doc: AtlasDocument,
    assets: Mapping[str, _MapAsset],
    previous: Mapping[str, Any] | None,
    produced: dt.date,
    files: Mapping[str, str],
) -> dict:
    sections = []
    for number, section in enumerate(doc.sections, start=1):
        items = []
        for item in section.items:
            if isinstance(item, KeyFigures):
                items.append(_key_figures_view(item))
            elif isinstance(item, MapItem):
                items.append(_map_view(item, assets[item.name]))
            elif isinstance(item, TableItem):
                view = _table_view(item, max(int(item.max_rows), 0))
                view["web"] = _table_view(item, max(HTML_MAX_ROWS, int(item.max_rows)))
                items.append(view)
            elif isinstance(item, Paragraph):
                kind = item.kind if item.kind in {"texte", "note", "alerte"} else "texte"
                items.append({"kind": "paragraph", "style": kind, "text": typo(item.text)})
            elif isinstance(item, Recommendations):
                items.append(_recommendations_view(item))
            else:  # pragma: no cover - the model is closed
                raise TypeError(f"Élément d'atlas inconnu : {type(item).__name__}")
        sections.append(
            {
                "id": f"chapitre-{number}",
                "number": number,
                "title": typo(section.title),
                "intro": typo(section.intro),
                "content": items,
            }
        )
    extra = [{"id": "methode", "title": "Méthode et sources"}]
    evolution = None
    if previous is not None:
        evolution = _evolution_view(previous, doc.snapshot)
        extra.append({"id": "evolution", "title": "Évolution"})
    return {
        "title": typo(doc.title),
        "raw_title": doc.title,
        "subtitle": typo(doc.subtitle),
        "cover_lines": [typo(x) for x in doc.cover_lines],
        "date": french_date(produced),
        "sections": sections,
        "extra": extra,
        "methods": [typo(p) for p in doc.methods],
        "sources": _sources_view(doc),
        "warnings": [typo(w) for w in doc.warnings],
        "evolution": evolution,
        "files": files,
        "threshold": secrecy.get_threshold(),
    }


# ------------------------------------------------------------------------------------------
# Stages
# ------------------------------------------------------------------------------------------


def _draw_maps(doc: AtlasDocument, folder: Path, dpi: int) -> dict[str, _MapAsset]:
    """Call each figure factory once, save PNG and SVG, release the figure."""
    from PIL import Image

    assets: dict[str, _MapAsset] = {}
    for item in doc.maps():
        if item.name in assets:
            raise ValueError(f"Deux cartes portent le même nom : « {item.name} ».")
        fig = item.figure()
        try:
            png, svg = maps.save(fig, folder / item.name, formats=("png", "svg"), dpi=dpi)
        finally:
            pyplot = sys.modules.get("matplotlib.pyplot")
            if pyplot is not None:  # a figure made with pyplot stays registered there
                pyplot.close(fig)
            fig.clear()
            del fig
        with Image.open(png) as im:
            w, h = im.size
        assets[item.name] = _MapAsset(png, svg, w, h)
    return assets


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def _write_pdf(env: Any, view: dict, folder: Path, target: Path) -> int:
    from weasyprint import CSS, HTML

    page = env.get_template("atlas_pdf.html").render(**view, view=view, mode="pdf")
    css = CSS(string=(TEMPLATES / "atlas_pdf.css").read_text("utf-8"))
    document = HTML(string=page, base_url=str(folder)).render(stylesheets=[css])
    document.write_pdf(target)
    return len(document.pages)


def _web_map_html(item: MapItem) -> str:
    from coodiag.outputs import webmap

    m = webmap.offline_map(bounds=item.layer if item.layer is not None else None, title=item.title)
    item.web(m)
    page = webmap.render_html(m)
    webmap.assert_offline(page)
    return page


def _write_html(
    env: Any, view: dict, doc: AtlasDocument, assets: Mapping[str, _MapAsset], target: Path
) -> None:
    from coodiag.outputs import webmap

    by_name = {m.name: m for m in doc.maps()}
    for section in view["sections"]:
        for item in section["content"]:
            if item["kind"] != "map":
                continue
            png = assets[item["name"]].png
            item["data_uri"] = "data:image/png;base64," + base64.b64encode(
                png.read_bytes()
            ).decode("ascii")
            item["srcdoc"] = _web_map_html(by_name[item["name"]]) if item["web"] else None
    css = (TEMPLATES / "atlas_web.css").read_text("utf-8")
    page = env.get_template("atlas_web.html").render(
        **view, view=view, mode="web", css=css, webmap_height=WEBMAP_HEIGHT
    )
    webmap.assert_offline(page)
    target.write_text(page, encoding="utf-8")
    for section in view["sections"]:  # the base64 images are large: drop them
        for item in section["content"]:
            item.pop("data_uri", None)
            item.pop("srcdoc", None)


def _share_modes(root: Path) -> None:
    """Usual modes (0644 files, 0755 folders, less the umask): temporary files and folders
    are created private (0600, 0700), the atlas is meant to be shared."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [root, *root.rglob("*")]:
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)


# ------------------------------------------------------------------------------------------
# Public entry point
# ------------------------------------------------------------------------------------------


def render(
    doc: AtlasDocument,
    folder: Path | str,
    *,
    formats: Sequence[str] = FORMATS,
    exports: bool = True,
    previous_snapshot: Mapping[str, Any] | None = None,
    produced: dt.date | None = None,
    dpi: int = MAP_DPI,
) -> dict[str, Any]:
    """Write the atlas of ``doc`` into ``folder`` (replaced as a whole, atomically).

    - ``formats``: ``"pdf"`` and/or ``"html"``;
    - ``exports``: also write the XLSX, the CSV files and the GeoPackage;
    - ``previous_snapshot``: the JSON snapshot of an earlier atlas (``<slug>.json``): adds the
      « Évolution » page comparing the key figures (``chiffres_cles``);
    - ``produced``: the date printed on the cover (default: the snapshot's ``date``, else
      today).

    Returns the written paths — ``pdf``, ``html``, ``json``, ``cartes`` (folder), ``xlsx``,
    ``csv`` (folder), ``gpkg``, ``folder`` — and ``_timings``: seconds per stage (``cartes``,
    ``pdf``, ``html``, ``exports``, ``total``), ``pages`` (PDF page count) and ``per_page``
    (PDF seconds per page).
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"Format d'atlas inconnu : {', '.join(unknown)} (pdf, html).")
    folder = Path(folder)
    produced = produced or snapshot_date(doc.snapshot) or dt.date.today()
    slug = doc.slug
    timings: dict[str, Any] = {}
    start = time.perf_counter()
    names: dict[str, Any] = {}
    with atomic_dir(folder) as tmp:
        t = time.perf_counter()
        assets = _draw_maps(doc, tmp / "cartes", dpi)
        timings["cartes"] = time.perf_counter() - t
        if assets:
            names["cartes"] = "cartes"

        written: dict[str, Any] = {}
        if exports:
            t = time.perf_counter()
            layers = {m.name: m.layer for m in doc.maps() if m.layer is not None}
            written = exports_mod.write_all(
                tmp,
                tables=[t_.export for t_ in doc.tables()],
                layers=layers,
                title=doc.title,
                stem=slug,
                person_counts={
                    m.name: list(m.person_counts)
                    for m in doc.maps()
                    if m.layer is not None and m.person_counts
                },
                layer_titles={m.name: m.title for m in doc.maps() if m.layer is not None},
                produced=produced,
            )
            timings["exports"] = time.perf_counter() - t
            if "xlsx" in written:
                names["xlsx"] = f"{slug}.xlsx"
                names["csv"] = "csv"
            if "gpkg" in written:
                names["gpkg"] = f"{slug}.gpkg"

        files = {k: names.get(k) for k in ("xlsx", "gpkg", "csv")}
        files["pdf"] = f"{slug}.pdf" if "pdf" in formats else None
        view = _view(doc, assets, previous_snapshot, produced, files)
        env = _env()
        if "pdf" in formats:
            t = time.perf_counter()
            pages = _write_pdf(env, view, tmp, tmp / f"{slug}.pdf")
            timings["pdf"] = time.perf_counter() - t
            timings["pages"] = pages
            timings["per_page"] = timings["pdf"] / max(pages, 1)
            names["pdf"] = f"{slug}.pdf"
        if "html" in formats:
            t = time.perf_counter()
            _write_html(env, view, doc, assets, tmp / f"{slug}.html")
            timings["html"] = time.perf_counter() - t
            names["html"] = f"{slug}.html"
        write_json_atomic(tmp / f"{slug}.json", doc.snapshot)
        names["json"] = f"{slug}.json"
        _share_modes(tmp)
    timings["total"] = time.perf_counter() - start
    result: dict[str, Any] = {key: folder / rel for key, rel in names.items()}
    result["folder"] = folder
    result["_timings"] = timings
    return result
