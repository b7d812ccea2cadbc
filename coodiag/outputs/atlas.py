"""Render an :class:`~coodiag.outputs.document.AtlasDocument`: PDF, self-contained HTML, maps,
snapshot and data exports, into one atlas folder.

``render(doc, folder)`` writes, in ``folder/``:

- ``cartes/<name>.png`` (170 dpi) and ``cartes/<name>.svg`` for every map, drawn two at a time
  (:mod:`coodiag.outputs.mapdraw`); a map of too many polygons to stay vectors has no SVG
  unless asked (``svg=True``): ``cartes/LISEZMOI.txt`` says which;
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
  atlas intact. The folder is replaced as a whole, so only a folder coodiag made is accepted
  (:mod:`coodiag.outputs.folder`: a marker file; a folder of the user's files is refused).
- **One figure at a time**: each map's figure factory is called once, the figure saved as PNG
  and SVG then cleared, so memory stays flat however many maps an atlas holds. The PDF and the
  HTML use the same PNG (170 dpi: sharp in print, about 1 s per page to typeset).
- **Large atlases in parallel**: above :data:`~coodiag.outputs.background.PARALLEL_EXPORT_ROWS`
  rows of tables (the France atlas), the XLSX and CSV are written in a forked process while the
  maps are drawn, the GeoPackage (styled as the maps) while the PDF and HTML are typeset
  (:mod:`coodiag.outputs.background`); ``_timings["exports"]`` is then the wait only.
- **French typography**: numbers with a narrow no-break space between thousands and a decimal
  comma (:func:`coodiag.fr.number`), « n.d. » for a missing value, a no-break space before
  « : ; ! ? % » and inside « guillemets » (:func:`coodiag.fr.typography`, applied to every
  text of the document as well as to the atlas's own words), by the views of
  :mod:`coodiag.outputs.views`.
- **Secrecy**: counts of people (key figures whose unit is a count of people, table columns
  declared in ``ExportTable.person_counts``) go through :func:`coodiag.secrecy.format_count`
  (a value below the threshold left by mistake is shown « < 5 ») and are wrapped in
  ``<span class="coodiag-count">`` so that :func:`coodiag.secrecy.find_small_counts` can scan
  the HTML.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from coodiag import fr, secrecy
from coodiag._io import atomic_dir, write_json_atomic
from coodiag.outputs import folder as output_folder
from coodiag.outputs.background import (
    PARALLEL_EXPORT_ROWS,
    ChildLost,
    start_call,
    start_isolated,
)
from coodiag.outputs.document import AtlasDocument, MapItem
from coodiag.outputs.exports import check_json, json_ready, write_all
from coodiag.outputs.mapdraw import draw_maps
from coodiag.outputs.views import MapAsset, evolution_view, item_view, snapshot_date, sources_view

#: Folder of the Jinja2 templates and stylesheets.
TEMPLATES = Path(__file__).with_name("templates")
#: Resolution of the map PNGs (used by the PDF and the HTML).
MAP_DPI = 170
#: Height of an interactive map in the HTML page (CSS pixels).
WEBMAP_HEIGHT = 580
FORMATS = ("pdf", "html")


# ------------------------------------------------------------------------------------------
# The view: the document, ready for the templates
# ------------------------------------------------------------------------------------------


def document_view(
    doc: AtlasDocument,
    assets: Mapping[str, MapAsset],
    previous: Mapping[str, Any] | None,
    produced: dt.date,
    files: Mapping[str, str],
) -> dict:
    """The whole document as the templates read it: cover, chapters, method, « Évolution »."""
    sections = [
        {
            "id": f"chapitre-{number}",
            "number": number,
            "title": fr.typography(section.title),
            "intro": fr.typography(section.intro),
            "content": [item_view(item, assets) for item in section.items],
        }
        for number, section in enumerate(doc.sections, start=1)
    ]
    extra = [{"id": "methode", "title": "Méthode et sources"}]
    evolution = None
    if previous is not None:
        evolution = evolution_view(previous, doc.snapshot)
        extra.append({"id": "evolution", "title": "Évolution"})
    return {
        "title": fr.typography(doc.title),
        "raw_title": doc.title,
        "subtitle": fr.typography(doc.subtitle),
        "cover_lines": [fr.typography(x) for x in doc.cover_lines],
        "date": fr.date(produced),
        "sections": sections,
        "extra": extra,
        "methods": [fr.typography(p) for p in doc.methods],
        "sources": sources_view(doc),
        "warnings": [fr.typography(w) for w in doc.warnings],
        "evolution": evolution,
        "files": files,
        "threshold": threshold_of(doc),
    }


def threshold_of(doc: AtlasDocument) -> int:
    """The secrecy threshold the document was computed with (``parametres.seuil_secret`` of its
    snapshot, e.g. ``coodiag.diagnose(..., threshold=11)``), else the one in force."""
    params = doc.snapshot.get("parametres") if isinstance(doc.snapshot, Mapping) else None
    return secrecy.get_threshold((params or {}).get("seuil_secret"))


# ------------------------------------------------------------------------------------------
# Stages
# ------------------------------------------------------------------------------------------


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
    env: Any, view: dict, doc: AtlasDocument, assets: Mapping[str, MapAsset], target: Path
) -> None:
    import markupsafe

    from coodiag.outputs import webmap

    by_name = {m.name: m for m in doc.maps()}
    # The page is rendered and checked with short tokens in place of the images and the
    # interactive maps (each map page is checked on its own): scanning the 20 MB France page
    # took seconds. The tokens are then replaced, the map pages escaped as Jinja would.
    heavy: dict[str, str] = {}
    for section in view["sections"]:
        for item in section["content"]:
            if item["kind"] != "map":
                continue
            png = assets[item["name"]].png
            token = f"coodiag-inline-{len(heavy)}-"
            heavy[token] = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode(
                "ascii"
            )
            item["data_uri"] = token
            if item["web"]:
                srcdoc = f"coodiag-inline-{len(heavy)}-"
                heavy[srcdoc] = str(markupsafe.escape(_web_map_html(by_name[item["name"]])))
                item["srcdoc"] = srcdoc
            else:
                item["srcdoc"] = None
    css = (TEMPLATES / "atlas_web.css").read_text("utf-8")
    page = env.get_template("atlas_web.html").render(
        **view, view=view, mode="web", css=css, webmap_height=WEBMAP_HEIGHT
    )
    webmap.assert_offline(page)
    if heavy:
        page = re.sub(r"coodiag-inline-\d+-", lambda m: heavy[m.group(0)], page)
    target.write_text(page, encoding="utf-8")
    for section in view["sections"]:  # the base64 images are large: drop them
        for item in section["content"]:
            item.pop("data_uri", None)
            item.pop("srcdoc", None)


#: Processes that have typeset a PDF themselves: the first PDF of a process warms WeasyPrint
#: (fonts, styles), which a PDF typeset in a child forked later finds ready (0.45 → 0.13 s).
_PDF_WARM: set[int] = set()
#: Seconds after which a PDF typeset in a child is given up and typeset here (a diagnosis:
#: 2 to 3 s; a lock held by another thread at the fork would leave the child stuck).
PDF_CHILD_TIMEOUT_S = 300.0


def _typeset(
    doc: AtlasDocument,
    view: dict,
    assets: Mapping[str, MapAsset],
    tmp: Path,
    formats: Sequence[str],
    timings: dict[str, Any],
    pdf_child: bool = False,
) -> dict[str, str]:
    """Write the PDF and/or the HTML page; their file names, timings in ``timings``."""
    names: dict[str, str] = {}
    env = _env()
    target = tmp / f"{doc.slug}.pdf"
    t_pdf = time.perf_counter()
    pdf = None  # the PDF in a short-lived child (``pdf_child``), the HTML written meanwhile
    if "pdf" in formats and pdf_child and os.getpid() in _PDF_WARM:
        pdf = start_isolated(lambda: _write_pdf(env, view, tmp, target), what="du PDF",
                             timeout=PDF_CHILD_TIMEOUT_S)
    html = None
    try:
        if "html" in formats:  # else beside the PDF, in a forked child (two cores)
            html = start_call(
                lambda: _write_html(env, view, doc, assets, tmp / f"{doc.slug}.html"),
                fork="pdf" in formats and pdf is None, what="de la page HTML")
            names["html"] = f"{doc.slug}.html"
        if "pdf" in formats:
            if pdf is None:
                t_pdf = time.perf_counter()
                pages = _write_pdf(env, view, tmp, target)
                _PDF_WARM.add(os.getpid())
            else:
                try:
                    pages = pdf()
                except ChildLost:  # the child killed, crashed or stuck: typeset here
                    t_pdf = time.perf_counter()
                    pages = _write_pdf(env, view, tmp, target)
            timings["pdf"] = time.perf_counter() - t_pdf
            timings["pages"] = pages
            timings["per_page"] = timings["pdf"] / max(pages, 1)
            names["pdf"] = target.name
    except BaseException:
        for started in (html, pdf):
            if started is not None:
                started.cancel()
        raise
    if html is not None:
        t = time.perf_counter()
        html()
        timings["html"] = time.perf_counter() - t  # beside the PDF: the wait only
    return names


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
    svg: bool | None = None,
    pdf_child: bool = False,
) -> dict[str, Any]:
    """Write the atlas of ``doc`` into ``folder`` (replaced as a whole, atomically).

    - ``formats``: ``"pdf"`` and/or ``"html"``;
    - ``exports``: also write the XLSX, the CSV files and the GeoPackage;
    - ``previous_snapshot``: the JSON snapshot of an earlier atlas (``<slug>.json``): adds the
      « Évolution » page comparing the key figures (``chiffres_cles``);
    - ``produced``: the date printed on the cover (default: the snapshot's ``date``, else
      today);
    - ``svg``: ``None`` writes the SVG of every map drawn as vectors, ``True`` of every map,
      ``False`` of none (:mod:`coodiag.outputs.mapdraw`);
    - ``pdf_child``: typeset the PDF in a short-lived child process (from any thread), once this
      process has typeset one itself: a long-lived process (a worker of ``coodiag lot``) does
      not keep the native memory WeasyPrint's text stack leaves behind each PDF (~0.7 Mio);
      a child lost, or stuck past :data:`PDF_CHILD_TIMEOUT_S`, leaves the PDF to this process.

    Returns the written paths — ``pdf``, ``html``, ``json``, ``cartes`` (folder), ``xlsx``,
    ``csv`` (folder), ``gpkg``, ``folder`` — and ``_timings``: seconds per stage (``cartes``,
    ``pdf``, ``html``, ``exports``, ``total``), ``pages`` (PDF page count) and ``per_page``
    (PDF seconds per page).
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"Format d'atlas inconnu : {', '.join(unknown)} (pdf, html).")
    folder = output_folder.check_target(folder)
    produced = produced or snapshot_date(doc.snapshot) or dt.date.today()
    slug = doc.slug
    timings: dict[str, Any] = {}
    start = time.perf_counter()
    names: dict[str, Any] = {}
    with atomic_dir(folder) as tmp:
        output_folder.mark(tmp)
        waits: list = []  # the exports: the tables need no map, the layers need their styles
        tables = doc.export_tables() if exports else []
        fork = sum(len(table.frame) for table in tables) > PARALLEL_EXPORT_ROWS
        common = {"title": doc.title, "stem": slug, "threshold": threshold_of(doc),
                  "produced": produced}
        try:
            t = time.perf_counter()
            if tables:  # XLSX and CSV, beside the maps when large
                waits.append(start_call(lambda: write_all(tmp, tables, {}, **common), fork=fork))
            timings["exports"] = time.perf_counter() - t
            t = time.perf_counter()
            assets = draw_maps(doc, tmp / "cartes", dpi, svg=svg)
            timings["cartes"] = time.perf_counter() - t
            if assets:
                names["cartes"] = "cartes"
            t = time.perf_counter()
            layered = [m for m in doc.maps() if m.layer is not None] if exports else []
            if layered:  # the GeoPackage, its layers styled as the maps
                waits.append(start_call(lambda: write_all(
                    tmp, [], {m.name: m.layer for m in layered},
                    person_counts={m.name: list(m.person_counts)
                                   for m in layered if m.person_counts},
                    layer_titles={m.name: m.title for m in layered}, **common,
                ), fork=fork))
            timings["exports"] += time.perf_counter() - t
            if tables:
                names["xlsx"], names["csv"] = f"{slug}.xlsx", "csv"
            if layered:
                names["gpkg"] = f"{slug}.gpkg"
            files = {k: names.get(k) for k in ("xlsx", "gpkg", "csv")}
            files["pdf"] = f"{slug}.pdf" if "pdf" in formats else None
            view = document_view(doc, assets, previous_snapshot, produced, files)
            names.update(_typeset(doc, view, assets, tmp, formats, timings, pdf_child))
        except BaseException:
            for wait in waits:  # a child still writing is stopped, its files dropped
                wait.cancel()
            raise
        t = time.perf_counter()
        written: dict[str, Any] = {}
        for k, wait in enumerate(waits):
            try:
                written.update(wait())
            except BaseException:
                for other in waits[k + 1:]:
                    other.cancel()
                raise
        timings["exports"] += time.perf_counter() - t  # when forked: only the wait
        for key, name in (("xlsx", "xlsx"), ("xlsx", "csv"), ("gpkg", "gpkg")):
            if key not in written:
                names.pop(name, None)
        snapshot = json_ready(doc.snapshot)  # NaN / infinity -> null: strict JSON
        check_json(snapshot)
        write_json_atomic(tmp / f"{slug}.json", snapshot)
        names["json"] = f"{slug}.json"
        _share_modes(tmp)
    timings["total"] = time.perf_counter() - start
    result: dict[str, Any] = {key: folder / rel for key, rel in names.items()}
    result["folder"] = folder
    result["_timings"] = timings
    return result
