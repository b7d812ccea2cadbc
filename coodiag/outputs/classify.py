"""Classes of indicator values for maps: one :func:`classify` entry over a table of methods.

Like mapclassify's ``classify(y, scheme, k=5)``: :data:`SCHEMES` maps each method to its
French name and the function giving the class bounds; :func:`classify` adds what a map of
French territories needs on top (secret counts, a diverging palette around 0, legend texts).
No matplotlib here: the static maps (:mod:`coodiag.outputs.maps`), the web maps
(:mod:`coodiag.outputs.weblayers`) and the explorer show the same classes.

- Quantiles, equal intervals, standard deviations and head/tail breaks come from
  ``mapclassify``; natural breaks are an exact Fisher-Jenks written here with NumPy
  (``mapclassify.FisherJenks`` needs numba to be usable: 23 s for 4 000 values without it).
  Above :data:`JENKS_MAX_SAMPLE` values, Jenks runs on evenly spaced quantiles of the data
  (deterministic, unlike ``FisherJenksSampled``).
- **Counts of people** (indicator unit ``personnes``, or ``counts=True``): values below the
  secrecy threshold (:mod:`coodiag.secrecy`) are not classified; they join the grey "secret"
  class, so no class bound nor tooltip discloses them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coodiag import fr, secrecy
from coodiag.base.indicators import Indicator
from coodiag.outputs import palettes
from coodiag.outputs.captions import (
    SHORT_UNITS,
    is_people_count,
    level_names,
    meta_text,
    unit_phrase,
    units_text,
)

JENKS_MAX_SAMPLE = 1000

# ------------------------------------------------------------------------------------------
# Class bounds, one function per method
# ------------------------------------------------------------------------------------------

#: ``breaks(y, k, bins)``: upper bounds of the classes of the finite values ``y``.
Breaks = Callable[[np.ndarray, int, Sequence[float] | None], Any]


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


def natural_breaks(y: np.ndarray, k: int, bins: Sequence[float] | None = None) -> np.ndarray:
    """Exact Fisher-Jenks, on :data:`JENKS_MAX_SAMPLE` evenly spaced quantiles above that."""
    sample = y
    if y.size > JENKS_MAX_SAMPLE:
        sample = np.quantile(y, np.linspace(0, 1, JENKS_MAX_SAMPLE))
    return jenks_exact(sample, k)


def user_breaks(y: np.ndarray, k: int, bins: Sequence[float] | None = None) -> list[float]:
    """The bounds chosen by the user (``bins``), sorted."""
    if not bins:
        raise ValueError("Le découpage « seuils choisis » demande la liste des seuils (bins).")
    return sorted(float(v) for v in bins)


def mapclassify_breaks(name: str, *, with_k: bool = True) -> Breaks:
    """The bounds of a ``mapclassify`` classifier (imported when first used: it is slow)."""

    def breaks(y: np.ndarray, k: int, bins: Sequence[float] | None = None) -> np.ndarray:
        import mapclassify

        classifier = getattr(mapclassify, name)
        return (classifier(y, k=k) if with_k else classifier(y)).bins

    return breaks


@dataclass(frozen=True)
class Scheme:
    """A classification method: its French name in the legend, its class bounds."""

    label: str
    breaks: Breaks
    user: bool = False  #: bounds given by the user: ``k`` is ignored


#: The methods, by key (see :data:`SCHEME_ALIASES` for the other accepted names).
SCHEMES: dict[str, Scheme] = {
    "quantiles": Scheme("quantiles", mapclassify_breaks("Quantiles")),
    "natural_breaks": Scheme("seuils naturels (Jenks)", natural_breaks),
    "equal_interval": Scheme("intervalles égaux", mapclassify_breaks("EqualInterval")),
    "std_mean": Scheme("écarts à la moyenne", mapclassify_breaks("StdMean", with_k=False)),
    "head_tail": Scheme(
        "seuils emboîtés (head/tail)", mapclassify_breaks("HeadTailBreaks", with_k=False)
    ),
    "user_defined": Scheme("seuils choisis", user_breaks, user=True),
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


def scheme_key(scheme: str) -> str:
    """The key of :data:`SCHEMES` for a method name or alias (``"Jenks"`` -> ``natural_breaks``)."""
    key = str(scheme).strip().lower().replace("-", "_").replace(" ", "_")
    key = SCHEME_ALIASES.get(key, SCHEME_ALIASES.get(key.replace("_", ""), key))
    if key not in SCHEMES:
        raise ValueError(
            f"Méthode de discrétisation inconnue : « {scheme} ». "
            f"Méthodes possibles : {', '.join(SCHEMES)}."
        )
    return key


def class_breaks(y: np.ndarray, scheme: str, k: int, bins: Sequence[float] | None) -> np.ndarray:
    """Upper bounds of the classes of ``y`` (finite values), the last one being ``max(y)``."""
    method = SCHEMES[scheme]
    top = float(np.max(y))
    if not method.user:
        k = max(1, min(k, np.unique(y).size))
        if k == 1:
            return np.array([top])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = method.breaks(y, k, bins)
    out = np.asarray(out, dtype=float)
    out = out if method.user else np.unique(out)
    out = out[out < top]
    return np.array([*out, top])


# ------------------------------------------------------------------------------------------
# The classes of a map
# ------------------------------------------------------------------------------------------


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
        shown = [fr.number(v, d) for v in finite]
        if len(set(shown)) == len(set(finite)):
            return d
    return 4


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
        return [self.colors[c] if c >= 0 else palettes.NODATA_COLOR for c in self.classes]

    def format_value(self, value: Any) -> str:
        """One value as shown in a tooltip: secret counts masked, unit appended."""
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return fr.MISSING_LABEL
        if self.counts_of_people:
            text = secrecy.format_count(value)
        else:
            text = fr.number(float(value), self.decimals)
        return f"{text}{fr.NBSP}{self.unit}" if self.unit else text


def class_ranges(
    y: np.ndarray, classes: np.ndarray, lower: float, b: np.ndarray, decimals: int, unit: str,
    *, observed: bool = True,
) -> list[str]:
    """Legend text of each class without its count: ``"12,3 – 15,0 %"``.

    ``y`` and ``classes``: the classified values only (no missing nor secret one).
    ``observed`` (whole numbers: counts): each class from its smallest to its largest value
    (no value is printed in two classes, no bound is a value nobody has: "9 – 11" then
    "12 – 80", not "11 – 80"); otherwise from the bound below to its upper bound (included).
    """
    suffix = f"{fr.NBSP}{unit}" if unit in SHORT_UNITS else ""
    ranges = []
    for c in range(b.size):
        lo = lower if c == 0 else float(b[c - 1])
        hi = float(b[c])
        in_class = y[classes == c]
        if observed and in_class.size:
            lo, hi = float(in_class.min()), float(in_class.max())
        elif c > 0 and in_class.size and fr.number(lo, decimals) == fr.number(
            float(b[c - 2]) if c > 1 else lower, decimals
        ):
            # The class below holds a single value (ties, e.g. many zeros): start this one at
            # its own smallest value, or "0,0 – 6,1" would seem to overlap the class "0,0".
            lo = float(in_class.min())
        if fr.number(lo, decimals) == fr.number(hi, decimals):
            text = f"{fr.number(hi, decimals)}{suffix}"
        else:
            text = f"{fr.number(lo, decimals)} – {fr.number(hi, decimals)}{suffix}"
        ranges.append(text)
    return ranges


def observed_bounds(y: np.ndarray, classes: np.ndarray, n: int) -> list[float]:
    """The smallest and largest value of each of the ``n`` classes."""
    out: list[float] = []
    for c in range(n):
        in_class = y[classes == c]
        if in_class.size:
            out += [float(in_class.min()), float(in_class.max())]
    return out


def classify(
    values: Iterable[Any],
    scheme: str = "quantiles",
    k: int = 5,
    *,
    bins: Sequence[float] | None = None,
    meta: Indicator | None = None,
    palette: str | Sequence[str] | None = None,
    level: str = "communes",
    counts: bool | None = None,
    nodata: str | None = None,
) -> Classification:
    """Classify the values of an indicator for a map.

    - ``scheme``: a key of :data:`SCHEMES` (aliases: ``jenks``, ``user``...); ``bins`` gives the
      upper bounds for ``user_defined``. ``k`` between 2 and 9.
    - ``meta``: the indicator (its ``label``, ``unit``...): legend title, unit.
    - ``counts``: whether the values are counts of people (default: from ``meta.unit``); if so,
      values below the secrecy threshold go to the grey class, like missing values.
    - Values of both signs: diverging palette with a break at 0.
    - ``level``: names the units in the legend ("communes", "epci", "zones_emploi"...).
    - ``nodata``: the name of the grey class when the caller knows why values are missing
      (e.g. "secret statistique" for rates computed from secret counts).
    - No class is empty; a class of zeros is a class (0 is a known value, not "non disponible").
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
    names = level_names(level)
    classes = np.full(y.size, -1, dtype=int)

    if yv.size:
        positive = yv[yv > 0]
        if not SCHEMES[key].user and yv.min() == 0 and np.unique(positive).size >= 2 and k > 2:
            # Zeros (no salarié, no SIAE...) are a class of their own; the classes of the
            # method cut the positive values (else the zeros eat most quantile classes).
            b = np.array([0.0, *class_breaks(positive, key, int(k) - 1, bins)])
        else:
            b = class_breaks(yv, key, int(k), bins)
        diverging = bool(yv.min() < 0 < yv.max())
        if diverging and not np.any(b == 0):
            b = np.sort(np.append(b, 0.0))
        classes[valid] = np.minimum(np.searchsorted(b, yv, side="left"), b.size - 1)
        used = np.unique(classes[valid])
        if used.size < b.size:  # an empty class has no place in a legend: it joins the next
            b = b[used]
            classes[valid] = np.minimum(np.searchsorted(b, yv, side="left"), b.size - 1)
        lower = float(yv.min())
    else:
        b, diverging, lower = np.array([]), False, float("nan")

    n_cls = b.size
    if diverging:
        neg = int(np.sum(b <= 0))
        colors = palettes.diverging_colors(neg, n_cls - neg)
    else:
        colors = palettes.sequential_colors(n_cls, palette) if n_cls else []
    counts_per = [int(np.sum(classes == c)) for c in range(n_cls)]

    observed = not SCHEMES[key].user and bool(np.all(yv == np.round(yv)))
    shown = (observed_bounds(yv, classes[valid], n_cls) if observed else [lower, *b.tolist()])
    decimals = decimals_for(shown, unit, people) if n_cls else 0
    ranges = class_ranges(yv, classes[valid], lower, b, decimals, unit, observed=observed)
    labels = [f"{r} ({units_text(n, names)})" for r, n in zip(ranges, counts_per, strict=True)]

    n_missing, n_secret = int(missing.sum()), int(secret.sum())
    if n_missing and n_secret:
        what = "non disponible / secret"
    elif n_secret:
        what = f"secret statistique (moins de {secrecy.get_threshold()})"
    else:
        what = fr.MISSING_LABEL
    what = nodata or what
    nodata_label = (
        f"{what} ({units_text(n_missing + n_secret, names)})" if (n_missing or n_secret) else ""
    )

    title = meta_text(meta, "label")
    if unit and unit not in {"ratio", "indice"}:
        how = unit_phrase(unit)
        title = f"{title}, {how}" if title else how[:1].upper() + how[1:]

    return Classification(
        scheme=key,
        scheme_label=SCHEMES[key].label,
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
