"""Draw the maps of a document, each once: a PNG for the PDF and the HTML, an SVG beside it.

- **SVG above a size is optional**: a map whose polygons are too many to stay vectors (the
  communes of a région or of France, :data:`coodiag.outputs.polygons.RASTER_UNITS`) would hold
  them as an image inside its SVG anyway; drawing that SVG costs more than the PNG (1.2 to 1.9 s
  for a France map). Such maps get their PNG only, unless ``svg=True`` (``coodiag atlas
  --svg``); ``cartes/LISEZMOI.txt`` lists them. Every other map gets its SVG (titles, legend,
  names and symbols editable).
- **Two processes**: with :data:`PARALLEL_MAPS` maps or more and a second core, a forked child
  (:func:`coodiag.outputs.background.start_call`) and this process each take the next map
  when free (a shared counter: the France maps cost 0.3 to 1.7 s each); each writes its own
  files, the child sends back their sizes and styles. The files are the same bytes as when
  drawn one after the other (tested).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coodiag.outputs import maps
from coodiag.outputs.background import start_call
from coodiag.outputs.document import AtlasDocument, MapItem
from coodiag.outputs.exports.qgisstyle import style_of
from coodiag.outputs.views import MapAsset

#: The note written beside maps whose SVG holds an image or was not written.
MAPS_NOTE = "LISEZMOI.txt"
#: Maps from which the drawing is shared with a forked child (with two cores or more).
PARALLEL_MAPS = 3


@dataclass
class Drawn:
    """What drawing one map gives back (from this process or a child)."""

    name: str
    asset: MapAsset
    style: dict | None
    rasterized: bool


def _draw_one(item: MapItem, folder: Path, dpi: int, svg: bool | None) -> Drawn:
    from PIL import Image

    fig = item.figure()
    rasterized = bool(getattr(fig, "coodiag_rasterized", False))
    formats = ("png", "svg") if (svg or (svg is None and not rasterized)) else ("png",)
    style = style_of(fig) if item.layer is not None else None
    try:
        paths = maps.save(fig, folder / item.name, formats=formats, dpi=dpi)
    finally:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:  # a figure made with pyplot stays registered there
            pyplot.close(fig)
        fig.clear()
        del fig
    with Image.open(paths[0]) as im:
        w, h = im.size
    return Drawn(item.name, MapAsset(paths[0], paths[1] if len(paths) > 1 else None, w, h),
                 style, rasterized)


def _units(item: MapItem) -> int:
    layer = item.layer
    return len(layer) if layer is not None else 0


def _note(folder: Path, drawn: Sequence[Drawn]) -> None:
    inside = [d.name for d in drawn if d.rasterized and d.asset.svg is not None]
    without = [d.name for d in drawn if d.asset.svg is None]
    if not inside and not without:
        return
    lines = ["Cartes de cet atlas", "===================", ""]
    if without:
        lines += [
            "Les cartes suivantes n'ont que leur PNG : leurs polygones (communes, "
            "intercommunalités ou zones) sont trop nombreux pour rester des tracés, leur SVG "
            "ne serait qu'une image de plus. Pour les obtenir quand même : « coodiag atlas "
            "... --svg ». Les géométries complètes sont dans le GeoPackage de l'atlas.",
            "",
            *[f"- {name}.png" for name in without],
            "",
        ]
    if inside:
        lines += [
            "Dans les SVG suivants, les polygones (communes, intercommunalités ou zones) sont "
            "une image (mêmes pixels que le PNG) : trop nombreux pour rester des tracés, ils "
            "feraient des fichiers de plusieurs dizaines de Mo. Titres, légende, échelle, noms, "
            "contour et structures restent des tracés et du texte modifiables. Les géométries "
            "complètes sont dans le GeoPackage de l'atlas.",
            "",
            *[f"- {name}.svg" for name in inside],
            "",
        ]
    (folder / MAPS_NOTE).write_text("\n".join(lines), encoding="utf-8")


def draw_maps(
    doc: AtlasDocument, folder: Path, dpi: int, *, svg: bool | None = None, parallel: bool = True
) -> dict[str, Any]:
    """Draw every map of ``doc`` into ``folder`` (PNG, and SVG as the module says); the
    :class:`MapAsset` of each map by name, in the document's order. The GeoPackage layer of a
    map gets the map's colours (``layer.attrs["qgis_style"]``)."""
    items = list(doc.maps())
    names = [item.name for item in items]
    for k, name in enumerate(names):
        if name in names[:k]:
            raise ValueError(f"Deux cartes portent le même nom : « {name} ».")
    folder.mkdir(parents=True, exist_ok=True)
    if parallel and len(items) >= PARALLEL_MAPS:
        import multiprocessing as mp

        todo = list(items)
        turn = mp.Value("i", 0)  # shared with the child: the next map to draw

        def take() -> int:
            with turn.get_lock():
                k = turn.value
                turn.value = k + 1
            return k

        def share() -> list[Drawn]:  # each process takes the next map when free
            out = []
            while (k := take()) < len(todo):
                out.append(_draw_one(todo[k], folder, dpi, svg))
            return out

        # the map of the largest layer first, here: the child inherits its outline and paths
        first = max(range(len(todo)), key=lambda k: _units(todo[k]))
        drawn = [_draw_one(todo.pop(first), folder, dpi, svg)]
        wait = start_call(share, fork=True, what="des cartes")  # without a child: all here
        try:
            drawn += share()
        except BaseException:
            wait.cancel()
            raise
        drawn += wait()
    else:
        drawn = [_draw_one(item, folder, dpi, svg) for item in items]
    by_name = {d.name: d for d in drawn}
    for item in items:
        if item.layer is not None:  # the GeoPackage layer opens with the map's colours
            item.layer.attrs["qgis_style"] = by_name[item.name].style
    ordered = [by_name[name] for name in names]
    _note(folder, ordered)
    return {d.name: d.asset for d in ordered}
