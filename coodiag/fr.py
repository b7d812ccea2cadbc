"""French formatting, in one place: numbers, percentages, distances, dates, typography, elision.

Every figure coodiag shows a person (PDF, HTML, XLSX notes, terminal, explorer) goes through
these functions, so that the whole tool writes ``1 234,5`` (narrow no-break space U+202F between
thousands, decimal comma, true minus sign U+2212), ``23,6 %`` and one mark for a missing value,
:data:`MISSING` (« n.d. », non disponible).

>>> number(1234.5, 1)
'1\u202f234,5'
>>> percent(23.634)
'23,6\u00a0%'
>>> number(float("nan"))
'n.d.'
>>> de("Avranches"), de("Le Mans"), de("Les Pieux"), de("Caen")
("d'Avranches", 'du Mans', 'des Pieux', 'de Caen')
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

#: Narrow no-break space: thousands separator, and before ``; ! ? %``.
NNBSP = "\u202f"
#: No-break space: before ``:`` and ``»``, after ``«``.
NBSP = "\u00a0"
#: The true minus sign (a hyphen is not a minus in print).
MINUS = "\u2212"
#: The one mark of a missing value, everywhere (explained as « n.d. : non disponible »).
MISSING = "n.d."
MISSING_LABEL = "non disponible"

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def is_missing(value: Any) -> bool:
    """None, NaN, NA or an infinite number."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        try:
            import pandas as pd

            return bool(pd.isna(value))
        except (TypeError, ValueError):
            return False


def number(value: Any, decimals: int = 0, *, missing: str = MISSING, unit: str = "") -> str:
    """``1234.5`` -> ``"1 234,5"``: narrow no-break space, decimal comma, true minus sign.

    A string (a secrecy marker such as ``"< 5"``, an already formatted figure) is returned as
    it is; a missing value gives ``missing``. ``unit`` is appended after a no-break space
    (``number(12.3, 1, unit="km")`` -> ``"12,3 km"``).
    """
    if isinstance(value, str):
        return value
    if is_missing(value):
        return missing
    x = float(value)
    body = f"{abs(x):,.{decimals}f}".replace(",", NNBSP).replace(".", ",")
    negative = x < 0 and round(abs(x), decimals) > 0
    text = (MINUS if negative else "") + body
    return f"{text}{NBSP}{unit}" if unit else text


def integer(value: Any, *, missing: str = MISSING) -> str:
    """A count: ``12345`` -> ``"12 345"``."""
    return number(value, 0, missing=missing)


def percent(value: Any, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A percentage already multiplied by 100: ``23.634`` -> ``"23,6 %"``."""
    return number(value, decimals, missing=missing, unit="%")


def per_thousand(value: Any, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A rate per 1,000: ``4.25`` -> ``"4,3 ‰"``."""
    return number(value, decimals, missing=missing, unit="‰")


def km(value: Any, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A distance in kilometres: ``12.34`` -> ``"12,3 km"``."""
    return number(value, decimals, missing=missing, unit="km")


def general(value: Any, spec: str = ".4g", *, missing: str = MISSING) -> str:
    """A parameter in an explanation, ``format`` spec kept: ``0.01234`` -> ``"0,01234"``."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return missing
    return format(float(value), spec).replace(".", ",").replace("-", MINUS)


def date(d: dt.date) -> str:
    """``2025-03-01`` -> ``"1er mars 2025"``."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def short_date(d: dt.date) -> str:
    """``2025-03-01`` -> ``"01/03/2025"``."""
    return d.strftime("%d/%m/%Y")


def de(name: str) -> str:
    """« de » before a place name, with elision and contraction: d'Avranches, du Val-Saint-Père
    (for « Le Val-Saint-Père »), des Pieux, de La Haye."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1].lower() in "aeiouyhéèêâîôû":
        return "d'" + name
    return "de " + name


_TYPO_BEFORE = re.compile(r"[ \t]+([:;!?%»])")
_TYPO_BEFORE_NONE = re.compile(r"(?<=[\w)\]»])([;!?](?=\s|$)|%|»)")
_TYPO_AFTER = re.compile(r"«[ \t]*")


def typography(text: Any) -> str:
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
