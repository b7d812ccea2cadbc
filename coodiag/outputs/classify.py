"""Classification of indicator values for maps: palettes, French numbers, classes.

No matplotlib here: the static maps (:mod:`coodiag.outputs.maps`) and the web maps
(:mod:`coodiag.outputs.webmap`, the explorer) classify the same way.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coodiag import secrecy

if TYPE_CHECKING:  # pragma: no cover
    pass

# ------------------------------------------------------------------------------------------
# Palettes and constants
# ------------------------------------------------------------------------------------------

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

#: Fill of the "non disponible / secret" class (hatched in grey on static maps).
NODATA_COLOR = "#f0f0f0"
NODATA_HATCH_COLOR = "#a3a3a3"
CONTEXT_COLOR = "#e2e2e2"
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

#: French names of the territorial levels (singular, plural), for "(24 communes)".
LEVEL_NAMES = {
    "communes": ("commune", "communes"),
    "epci": ("EPCI", "EPCI"),
    "zones_emploi": ("zone d'emploi", "zones d'emploi"),
    "departements": ("département", "départements"),
    "regions": ("région", "régions"),
    "bassins_vie": ("bassin de vie", "bassins de vie"),
    "iris": ("IRIS", "IRIS"),
    "qpv": ("quartier", "quartiers"),
}

#: Schemes: key -> French name shown in the legend.
SCHEMES = {
    "quantiles": "quantiles",
    "natural_breaks": "seuils naturels (Jenks)",
    "equal_interval": "intervalles égaux",
    "std_mean": "écarts à la moyenne",
    "head_tail": "seuils emboîtés (head/tail)",
    "user_defined": "seuils choisis",
}
SCHEME_ALIASES = {
    "jenks": "natural_breaks",
    "fisher_jenks": "natural_breaks",
    "fisherjenks": "natural_breaks",
    "naturalbreaks": "natural_breaks",
    "equalinterval": "equal_interval",
    "quantile": "quantiles",
    "stdmean": "std_mean",
    "headtailbreaks": "head_tail",
    "head_tail_breaks": "head_tail",
    "userdefined": "user_defined",
    "user": "user_defined",
}
JENKS_MAX_SAMPLE = 1000
#: Population columns used to pick the communes to label, in order of preference.
POPULATION_COLUMNS = ("pop22", "p22_pop", "p21_pop", "population", "pop")
#: Units written after the numbers of a class ("12,3 %"); others go to the legend title.
SHORT_UNITS = {"%", "‰", "€", "km²", "ans", "h", "m", "km"}
#: Units meaning "a count of people" (secrecy applies).
PEOPLE_UNITS = {"personnes", "personne", "habitants", "salariés", "individus", "bénéficiaires"}
NBSP = "\u00a0"
MINUS = "\u2212"

RC = {
    "font.family": "DejaVu Sans",
    "svg.fonttype": "none",
    "svg.hashsalt": "coodiag",
    "hatch.linewidth": 0.45,
    "axes.unicode_minus": True,
    "pdf.fonttype": 42,
}


# ------------------------------------------------------------------------------------------
# French number formatting
# ------------------------------------------------------------------------------------------


def format_number(x: float, decimals: int = 1) -> str:
    """``1234.5`` -> ``"1 234,5"`` (narrow no-break space, decimal comma, true minus sign)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n.d."
    body = f"{abs(float(x)):,.{decimals}f}".replace(",", secrecy.NNBSP).replace(".", ",")
    negative = float(x) < 0 and round(abs(float(x)), decimals) > 0
    return (MINUS if negative else "") + body


def decimals_for(values: Sequence[float], unit: str, counts: bool) -> int:
    """Fewest decimals (at least the unit's usual) that keep the class bounds distinct."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0
    top = max(abs(v) for v in finite)
    if counts:
        base = 0
    elif unit in {"%", "‰"}:
        base = 1
    else:
        base = 0 if top >= 100 else (1 if top >= 1 else 2)
    for d in range(base, 5):
        shown = [format_number(v, d) for v in finite]
        if len(set(shown)) == len(set(finite)):
            return d
    return 4


def is_people_count(meta: Mapping[str, Any] | None) -> bool:
    """Whether an indicator is a count of people (its unit), so that secrecy applies."""
    if not meta:
        return False
    unit = str(meta.get("unit") or "").strip().lower()
    return unit in PEOPLE_UNITS and not meta.get("denominator")


def meta_text(meta: Mapping[str, Any] | None, key: str) -> str:
    if not meta:
        return ""
    value = meta.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def source_line(meta: Mapping[str, Any] | None, *, secret: bool = False) -> str:
    """The source line of a map: source (vintage), then how the figure is computed.

    ``"Source : INSEE, recensement de la population 2021 — Chômeurs de 15 à 64 ans / population
    active de 15 à 64 ans (en %)"``. ``secret=True`` adds the statistical secrecy note.
    """
    parts = []
    source, vintage = meta_text(meta, "source"), meta_text(meta, "vintage")
    if source:
        src = f"Source : {source}"
        if vintage and vintage.lower() not in source.lower():
            src += f" ({vintage})"
        parts.append(src)
    elif vintage:
        parts.append(f"Millésime : {vintage}")
    unit = meta_text(meta, "unit")
    num, den = meta_text(meta, "numerator"), meta_text(meta, "denominator")
    if num and den:
        calc = f"{num[:1].upper()}{num[1:]} / {den}"
        parts.append(f"{calc} (en {unit})" if unit else calc)
    elif unit:
        parts.append(f"Unité : {unit}")
    line = " — ".join(parts)
    if secret:
        t = secrecy.get_threshold()
        note = f"Secret statistique : effectifs inférieurs à {t} non diffusés."
        line = f"{line}. {note}" if line else note
    return line


# ------------------------------------------------------------------------------------------
# Classification (no matplotlib needed: shared with the web maps)
# ------------------------------------------------------------------------------------------


def jenks_exact(y: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the k classes minimising the within-class sum of squares (Fisher)."""
    x = np.sort(np.asarray(y, dtype=float))
    n = x.size
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(i: np.ndarray, j: int) -> np.ndarray:  # sum of squares of x[i..j] (inclusive)
        cnt = j - i + 1
        tot = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - tot * tot / cnt

    cost = np.full((k, n), np.inf)
    back = np.zeros((k, n), dtype=int)
    cost[0] = s2[1:] - s1[1:] ** 2 / np.arange(1, n + 1)
    for c in range(1, k):
        for j in range(c, n):
            i = np.arange(c, j + 1)  # first index of the last class
            total = cost[c - 1, i - 1] + ssd(i, j)
            best = int(np.argmin(total))
            cost[c, j] = total[best]
            back[c, j] = i[best]
    bounds = []
    j = n - 1
    for c in range(k - 1, -1, -1):
        bounds.append(x[j])
        if c > 0:
            j = back[c, j] - 1
    return np.array(sorted(bounds))


def class_breaks(y: np.ndarray, scheme: str, k: int, bins: Sequence[float] | None) -> np.ndarray:
    """Upper bounds of the classes of ``y`` (finite values), the last one being ``max(y)``."""
    import mapclassify

    top = float(np.max(y))
    n_unique = np.unique(y).size
    if scheme == "user_defined":
        if not bins:
            raise ValueError("Le découpage « seuils choisis » demande la liste des seuils (bins).")
        b = sorted(float(v) for v in bins)
        b = [v for v in b if v < top]
        return np.array([*b, top])
    k = max(1, min(k, n_unique))
    if k == 1:
        return np.array([top])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "quantiles":
            out = mapclassify.Quantiles(y, k=k).bins
        elif scheme == "equal_interval":
            out = mapclassify.EqualInterval(y, k=k).bins
        elif scheme == "std_mean":
            out = mapclassify.StdMean(y).bins
        elif scheme == "head_tail":
            out = mapclassify.HeadTailBreaks(y).bins
        elif scheme == "natural_breaks":
            sample = y
            if y.size > JENKS_MAX_SAMPLE:
                sample = np.quantile(y, np.linspace(0, 1, JENKS_MAX_SAMPLE))
            out = jenks_exact(sample, k)
        else:  # pragma: no cover - checked by scheme_key
            raise ValueError(scheme)
    out = np.unique(np.asarray(out, dtype=float))
    out = out[out < top]
    return np.array([*out, top])


def scheme_key(scheme: str) -> str:
    key = str(scheme).strip().lower().replace("-", "_").replace(" ", "_")
    key = SCHEME_ALIASES.get(key, SCHEME_ALIASES.get(key.replace("_", ""), key))
    if key not in SCHEMES:
        raise ValueError(
            f"Méthode de discrétisation inconnue : « {scheme} ». "
            f"Méthodes possibles : {', '.join(SCHEMES)}."
        )
    return key


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
    if n <= 0:
        return []
    if n == 1:
        return [side[2]]
    if n == 2:
        return [side[1], side[3]]
    idx = np.round(np.linspace(0, len(side) - 1, n)).astype(int)
    return [side[i] for i in idx]


@dataclass(frozen=True)
class Classification:
    """Classes of an indicator, shared by the static and the interactive maps."""

    scheme: str  #: key of :data:`SCHEMES`
    scheme_label: str  #: French name of the method
    lower: float  #: lowest shown value (lower bound of the first class)
    bins: tuple[float, ...]  #: upper bound of each class (inclusive)
    classes: np.ndarray  #: class of each unit, -1 for "non disponible / secret"
    colors: tuple[str, ...]  #: colour of each class
    counts: tuple[int, ...]  #: number of units in each class
    labels: tuple[str, ...]  #: legend text of each class, "12,3 – 15,0 % (24 communes)"
    ranges: tuple[str, ...]  #: the same without the count, "12,3 – 15,0 %"
    n_missing: int  #: units without a value
    n_secret: int  #: units whose count is secret
    nodata_label: str  #: legend text of the grey class ("" when it is empty)
    unit: str
    decimals: int
    diverging: bool
    counts_of_people: bool
    legend_title: str
    level_names: tuple[str, str]

    @property
    def k(self) -> int:
        return len(self.bins)

    @property
    def n_nodata(self) -> int:
        return self.n_missing + self.n_secret

    def unit_colors(self) -> list[str]:
        """The fill colour of each unit (``NODATA_COLOR`` for the grey class)."""
        return [self.colors[c] if c >= 0 else NODATA_COLOR for c in self.classes]

    def format_value(self, value: Any) -> str:
        """One value as shown in a tooltip: secret counts masked, unit appended."""
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return "non disponible"
        if self.counts_of_people:
            text = secrecy.format_count(value)
        else:
            text = format_number(float(value), self.decimals)
        return f"{text}{NBSP}{self.unit}" if self.unit else text


def unit_phrase(unit: str) -> str:
    """``"en %"``, ``"en habitants par km²"``, ``"en nombre de personnes"``."""
    if unit in SHORT_UNITS or " " in unit or not unit.endswith("s"):
        return f"en {unit}"
    article = "d'" if unit[:1].lower() in "aeiouyéèêh" else "de "
    return f"en nombre {article}{unit}"


def units_text(n: int, names: tuple[str, str]) -> str:
    return f"{n}{NBSP}{names[0] if n <= 1 else names[1]}"


def classify(
    values: Iterable[Any],
    *,
    meta: Mapping[str, Any] | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    palette: str | Sequence[str] | None = None,
    level: str = "communes",
    counts: bool | None = None,
) -> Classification:
    """Classify the values of an indicator for a map.

    - ``scheme``: a key of :data:`SCHEMES` (aliases: ``jenks``, ``user``...); ``bins`` gives the
      upper bounds for ``user_defined``. ``k`` between 2 and 9.
    - ``counts``: whether the values are counts of people (default: from ``meta["unit"]``); if so,
      values below the secrecy threshold go to the grey class, like missing values.
    - Values of both signs: diverging palette with a break at 0.
    """
    key = scheme_key(scheme)
    if not 1 <= int(k) <= 9:
        raise ValueError(f"Nombre de classes invalide : {k} (entre 2 et 9).")
    y = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    y = y.astype(float).to_numpy()
    missing = ~np.isfinite(y)
    people = is_people_count(meta) if counts is None else bool(counts)
    secret = np.zeros(y.size, dtype=bool)
    if people:
        secret = np.asarray(secrecy.primary_mask(np.where(missing, np.nan, y)), dtype=bool)
        secret &= ~missing
    valid = ~missing & ~secret
    yv = y[valid]
    unit = meta_text(meta, "unit")
    names = LEVEL_NAMES.get(level, (level, level))
    classes = np.full(y.size, -1, dtype=int)

    if yv.size:
        b = class_breaks(yv, key, int(k), bins)
        diverging = bool(yv.min() < 0 < yv.max())
        if diverging and not np.any(b == 0):
            b = np.sort(np.append(b, 0.0))
        classes[valid] = np.minimum(np.searchsorted(b, yv, side="left"), b.size - 1)
        lower = float(yv.min())
    else:
        b, diverging, lower = np.array([]), False, float("nan")

    n_cls = b.size
    if diverging:
        neg = int(np.sum(b <= 0))
        pos = n_cls - neg
        colors = side_colors(DIVERGING_NEG, neg)[::-1] + side_colors(DIVERGING_POS, pos)
    else:
        colors = sequential_colors(n_cls, palette) if n_cls else []
    counts_per = [int(np.sum(classes == c)) for c in range(n_cls)]

    decimals = decimals_for([lower, *b.tolist()], unit, people) if n_cls else 0
    suffix = f"{NBSP}{unit}" if unit in SHORT_UNITS else ""
    ranges, labels = [], []
    for c in range(n_cls):
        lo = lower if c == 0 else float(b[c - 1])
        hi = float(b[c])
        in_class = y[valid][classes[valid] == c]
        if (
            c > 0
            and in_class.size
            and format_number(lo, decimals)
            == format_number(float(b[c - 2]) if c > 1 else lower, decimals)
        ):
            # The class below holds a single value (ties, e.g. many zeros): start this one at
            # its own smallest value, or "0,0 – 6,1" would seem to overlap the class "0,0".
            lo = float(in_class.min())
        if format_number(lo, decimals) == format_number(hi, decimals):
            text = f"{format_number(hi, decimals)}{suffix}"
        else:
            text = f"{format_number(lo, decimals)} – {format_number(hi, decimals)}{suffix}"
        ranges.append(text)
        labels.append(f"{text} ({units_text(counts_per[c], names)})")

    n_missing, n_secret = int(missing.sum()), int(secret.sum())
    if n_missing and n_secret:
        what = "non disponible / secret"
    elif n_secret:
        what = f"secret statistique (moins de {secrecy.get_threshold()})"
    else:
        what = "non disponible"
    nodata_label = (
        f"{what} ({units_text(n_missing + n_secret, names)})" if (n_missing or n_secret) else ""
    )

    title = meta_text(meta, "label")
    if unit and unit not in {"ratio", "indice"}:
        how = unit_phrase(unit)
        title = f"{title}, {how}" if title else how[:1].upper() + how[1:]

    return Classification(
        scheme=key,
        scheme_label=SCHEMES[key],
        lower=lower,
        bins=tuple(float(v) for v in b),
        classes=classes,
        colors=tuple(colors),
        counts=tuple(counts_per),
        labels=tuple(labels),
        ranges=tuple(ranges),
        n_missing=n_missing,
        n_secret=n_secret,
        nodata_label=nodata_label,
        unit=unit,
        decimals=decimals,
        diverging=diverging,
        counts_of_people=people,
        legend_title=title,
        level_names=names,
    )
