"""The words around a map: legend title, units counted per class, source line.

Shared by the static maps, the web maps, the atlas and the explorer, so that a map says the
same thing wherever it is shown. What an indicator is arrives as an
:class:`~coodiag.base.indicators.Indicator`. No matplotlib here. Numbers go through
:mod:`coodiag.fr`.
"""

from __future__ import annotations

import pandas as pd

from coodiag import fr, levels, secrecy
from coodiag.base.indicators import Indicator

#: French names of the units of a level (singular, plural), for "(24 communes)": the levels
#: of :mod:`coodiag.levels`, and the other units a map may show.
LEVEL_NAMES: dict[str, tuple[str, str]] = {
    **{level.table: (level.singular, level.plural) for level in levels.LEVELS},
    "bassins_vie": ("bassin de vie", "bassins de vie"),
    "iris": ("IRIS", "IRIS"),
    "qpv": ("quartier", "quartiers"),
}
#: Units written after the numbers of a class ("12,3 %"); others go to the legend title.
SHORT_UNITS = {"%", "‰", "€", "km²", "ans", "h", "m", "km"}
#: Units meaning "a count of people" (secrecy applies).
PEOPLE_UNITS = {"personnes", "personne", "habitants", "salariés", "individus", "bénéficiaires"}


def level_names(level: str) -> tuple[str, str]:
    """``("commune", "communes")`` for ``"communes"``; an unknown level names itself."""
    return LEVEL_NAMES.get(level, (level, level))


def meta_text(meta: Indicator | None, field: str) -> str:
    """The field ``field`` of an indicator (``"label"``, ``"unit"``...), stripped; ``""``
    without an indicator."""
    return getattr(meta, field).strip() if meta is not None else ""


def is_people_count(meta: Indicator | None) -> bool:
    """Whether an indicator is a count of people (its unit), so that secrecy applies."""
    if meta is None:
        return False
    return meta.unit.strip().lower() in PEOPLE_UNITS and not meta.denominator


def source_line(meta: Indicator | None, *, secret: bool = False) -> str:
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


def geometry_credit(gdf: pd.DataFrame) -> str:
    """``"Fond : IGN ADMIN EXPRESS"``, from the ``geometry_source`` column (``""`` without)."""
    if "geometry_source" not in gdf.columns:
        return ""
    values = sorted({str(v) for v in gdf["geometry_source"].dropna().unique()})
    if not values:
        return ""
    names = ", ".join("IGN ADMIN EXPRESS" if v.upper() == "ADMIN EXPRESS" else v for v in values)
    return f"Fond : {names}"


def unit_phrase(unit: str) -> str:
    """``"en %"``, ``"en habitants par km²"``, ``"en nombre de personnes"``."""
    if unit in SHORT_UNITS or " " in unit or not unit.endswith("s"):
        return f"en {unit}"
    return f"en nombre {fr.de(unit)}"


def units_text(n: int, names: tuple[str, str]) -> str:
    """``"24 communes"``, ``"1 commune"`` (``names``: singular, plural)."""
    return f"{fr.integer(n)}{fr.NBSP}{names[0] if n <= 1 else names[1]}"
