"""The card of a préconisation, the parameters shared by the rules, and French formatting.

Numbers go through :mod:`coodiag.fr`; a card lists rows with the rounding of the table they
come from (``num``), so that its figures equal the published ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from coodiag import fr
from coodiag.fr import NBSP


@dataclass
class Recommendation:
    """One préconisation: theme, finding (``texte``), the rows it lists (``liste``), what to
    consider (``a_envisager``), reason, figures, priority (1 = high), rule, action keys."""

    theme: str
    texte: str
    raison: str
    chiffres: dict[str, Any] = field(default_factory=dict)
    priorite: int = 2
    regle: str = ""
    actions: list[str] = field(default_factory=list)
    liste: list[str] = field(default_factory=list)
    a_envisager: str = ""

    def full_text(self) -> str:
        """The préconisation in one paragraph: « finding : row ; row. À envisager : … »."""
        text = self.texte + (f"{NBSP}: " + " ; ".join(self.liste) if self.liste else "") + "."
        return text + (f" À envisager{NBSP}: {self.a_envisager}." if self.a_envisager else "")


@dataclass(frozen=True)
class Params:
    """What every rule reads: the audience (a type or ``TERRITOIRE``), the national need
    decile and the radius (km) of "missing nearby", the types looked at, the number of rows a
    text names, the statistical secrecy threshold."""

    aud: str
    decile_min: int
    km: float
    types: tuple[str, ...]
    max_listed: int
    t: int


def plural(n: int, word: str, many: str | None = None) -> str:
    """« 1 commune », « 3 communes »."""
    return f"{fr.integer(n)} {word if n <= 1 else (many or word + 's')}"


def cut(items: list[str], total: int, where: str) -> list[str]:
    """The items named, then the rest counted (« et 3 autres (voir le tableau …) »)."""
    rest = total - len(items)
    return [*items, f"et {plural(rest, 'autre')} ({where})"] if rest > 0 else list(items)


def num(x: Any, decimals: int) -> float | None:
    """The value with the rounding of its published table (None if missing)."""
    return None if fr.is_missing(x) else round(float(x), decimals)


def dist_cols(df: pd.DataFrame, types: Sequence[str]) -> dict[str, str]:
    return {ty: f"dist_{ty}_km" for ty in types if f"dist_{ty}_km" in df.columns}


def far(d: Any, km: float) -> bool:
    return fr.is_missing(d) or float(d) > km


def need_word(df: pd.DataFrame) -> str:
    kind = (df.attrs.get("parametres") or {}).get("demande", "chomeurs")
    return "demandeurs d'emploi" if str(kind).startswith("demandeurs") else "chômeurs"


def km_text(x: float) -> str:
    """A distance as given (``20`` -> « 20 km », ``27.3`` -> « 27,3 km »)."""
    return f"{fr.general(x, 'g')}{NBSP}km"


def upper_first(text: str) -> str:
    """« aucun ACI » -> « Aucun ACI » (``str.capitalize`` would lower « ACI »)."""
    return text[:1].upper() + text[1:]
