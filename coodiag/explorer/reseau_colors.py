"""One colour per réseau on the explorer's SIAE layer (an option once a membership file is
imported): each structure takes the colour of its réseau among those shown (the réseau filter,
else all), « Plusieurs réseaux » when it belongs to several, « Sans réseau » when to none.
The legend is plain HTML (in the map, foldable, and beside it in the page): no branca
colormap, which would pull scripts from a CDN."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from coodiag import fr
from coodiag.outputs import palettes

SEVERAL = "Plusieurs réseaux"
NONE = "Sans réseau (d'après le fichier importé)"
SEVERAL_COLOR = "#333333"
NONE_COLOR = "#bdbdbd"
#: Column added to the structures shown: their category.
COLUMN = "reseau_couleur"
TITLE = "Structures par réseau"


def category(reseaux: Sequence[Iterable[str]], selected: Sequence[str] = ()) -> list[str]:
    """The réseau of each structure (its list of réseaux), among ``selected`` if given."""
    wanted = set(selected)
    out = []
    for names in reseaux:
        mine = sorted({str(n) for n in names if not wanted or n in wanted})
        out.append(NONE if not mine else mine[0] if len(mine) == 1 else SEVERAL)
    return out


def colors(categories: Iterable[str]) -> dict[str, str]:
    """Category -> colour, in drawing and legend order: « Sans réseau » (drawn first, under
    the others), « Plusieurs réseaux », then the réseaux (sorted, colour-blind-safe palette)."""
    present = set(categories)
    named = sorted(present - {SEVERAL, NONE})
    hues = palettes.QUALITATIVE
    out = {}
    if NONE in present:
        out[NONE] = NONE_COLOR
    if SEVERAL in present:
        out[SEVERAL] = SEVERAL_COLOR
    out.update({name: hues[i % len(hues)] for i, name in enumerate(named)})
    return out


def legend_markdown(categories: Sequence[str]) -> str:
    """The legend as HTML for the page beside the map (counts per category)."""
    counts = {c: 0 for c in colors(categories)}
    for c in categories:
        counts[c] += 1
    spans = [
        f'<span style="white-space:nowrap;margin-right:1em"><span style="display:inline-block;'
        f'width:0.8em;height:0.8em;border-radius:50%;background:{color};'
        f'border:1px solid #1a1a1a;margin-right:0.3em"></span>{html.escape(name, quote=False)} '
        f"({fr.number(counts[name])})</span>"
        for name, color in colors(categories).items()
    ]
    return f"**{TITLE}** : " + " ".join(spans)
