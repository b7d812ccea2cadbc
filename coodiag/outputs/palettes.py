"""Colours and symbols of every map, static (matplotlib) or interactive (Leaflet, explorer).

- **Classes**: ColorBrewer palettes, colour-blind safe and readable in grey print: ``YlGnBu``
  (sequential, default), ``YlOrRd``, ``Purples``; ``RdBu`` (diverging) when the values take
  both signs, each side ordered from zero outwards.
- **Categories** (typology classes, coverage classes): :data:`QUALITATIVE`, Okabe-Ito without
  black.
- **SIAE types**: Okabe-Ito colours with one marker shape per type (:data:`SIAE_TYPES`), so
  that a type stays recognisable without colour; other types take :data:`OTHER_COLORS`.
- **Missing and secret values**: a light grey hatched class (:data:`NODATA_COLOR`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: ColorBrewer YlGnBu, the k-class schemes as published (colour-blind safe, print friendly).
YLGNBU = {
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
    7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
    8: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
    9: [
        "#ffffd9",
        "#edf8b1",
        "#c7e9b4",
        "#7fcdbb",
        "#41b6c4",
        "#1d91c0",
        "#225ea8",
        "#253494",
        "#081d58",
    ],
}
#: Other ColorBrewer sequential palettes (9 classes; fewer classes take evenly spaced colours).
SEQUENTIAL_9 = {
    "YlOrRd": [
        "#ffffcc",
        "#ffeda0",
        "#fed976",
        "#feb24c",
        "#fd8d3c",
        "#fc4e2a",
        "#e31a1c",
        "#bd0026",
        "#800026",
    ],
    "Purples": [
        "#fcfbfd",
        "#efedf5",
        "#dadaeb",
        "#bcbddc",
        "#9e9ac8",
        "#807dba",
        "#6a51a3",
        "#54278f",
        "#3f007d",
    ],
}
#: ColorBrewer RdBu, each side ordered from zero outwards.
DIVERGING_NEG = ["#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
DIVERGING_POS = ["#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"]
DEFAULT_PALETTE = "YlGnBu"

#: Colour-blind-safe qualitative palette (Okabe-Ito without black), for classes and types.
QUALITATIVE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
]

#: Fill of the "non disponible / secret" class (hatched in grey on static maps).
NODATA_COLOR = "#f0f0f0"
NODATA_HATCH_COLOR = "#a3a3a3"
NODATA_HATCH = "//////"
CONTEXT_COLOR = "#e2e2e2"
SEA_COLOR = "#dde9f2"
OUTLINE_COLOR = "#3a3a3a"
TEXT_GREY = "#555555"

#: SIAE types: French names, Okabe-Ito colours and marker shapes (colour-blind safe).
SIAE_TYPES: dict[str, dict[str, str]] = {
    "ACI": {"nom": "atelier et chantier d'insertion", "color": "#E69F00", "marker": "o"},
    "AI": {"nom": "association intermédiaire", "color": "#56B4E9", "marker": "s"},
    "EI": {"nom": "entreprise d'insertion", "color": "#009E73", "marker": "^"},
    "ETTI": {
        "nom": "entreprise de travail temporaire d'insertion",
        "color": "#CC79A7",
        "marker": "D",
    },
    "EITI": {
        "nom": "entreprise d'insertion par le travail indépendant",
        "color": "#0072B2",
        "marker": "v",
    },
    "GEIQ": {
        "nom": "groupement d'employeurs pour l'insertion et la qualification",
        "color": "#D55E00",
        "marker": "P",
    },
}
OTHER_COLORS = ["#000000", "#F0E442", "#999999"]
OTHER_MARKERS = ["X", "h", "*"]


def sequential_colors(k: int, palette: str | Sequence[str] | None = None) -> list[str]:
    """``k`` colours of a sequential palette (a ColorBrewer name or an explicit list)."""
    if palette is not None and not isinstance(palette, str):
        colors = list(palette)
        if len(colors) < k:
            raise ValueError(f"La palette fournie a {len(colors)} couleurs pour {k} classes.")
        return colors[:k]
    name = palette or DEFAULT_PALETTE
    if name == "YlGnBu":
        if k <= 3:
            return YLGNBU[3][-k:] if k < 3 else YLGNBU[3]
        return YLGNBU[min(k, 9)]
    if name not in SEQUENTIAL_9:
        raise ValueError(
            f"Palette inconnue : « {name} » (YlGnBu, {', '.join(SEQUENTIAL_9)} ou une liste)."
        )
    full = SEQUENTIAL_9[name]
    idx = np.round(np.linspace(1 if k < 8 else 0, 8, k)).astype(int)
    return [full[i] for i in idx]


def side_colors(side: list[str], n: int) -> list[str]:
    """``n`` colours of one side of the diverging palette, from zero outwards."""
    if n <= 0:
        return []
    if n == 1:
        return [side[2]]
    if n == 2:
        return [side[1], side[3]]
    idx = np.round(np.linspace(0, len(side) - 1, n)).astype(int)
    return [side[i] for i in idx]


def diverging_colors(n_negative: int, n_positive: int) -> list[str]:
    """Colours of classes on both sides of 0, lowest class first: reds below, blues above."""
    return side_colors(DIVERGING_NEG, n_negative)[::-1] + side_colors(DIVERGING_POS, n_positive)


def siae_style(types: Sequence[str]) -> dict[str, dict[str, str]]:
    """``{type: {"nom", "color", "marker"}}`` for the types present: the known SIAE types in
    their usual order, then the others (sorted) in :data:`OTHER_COLORS`."""
    known = [t for t in SIAE_TYPES if t in types]
    others = sorted(t for t in set(types) if t not in SIAE_TYPES)
    style = {t: SIAE_TYPES[t] for t in known}
    for i, t in enumerate(others):
        style[t] = {
            "nom": "",
            "color": OTHER_COLORS[i % len(OTHER_COLORS)],
            "marker": OTHER_MARKERS[i % len(OTHER_MARKERS)],
        }
    return style
