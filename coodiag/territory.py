"""Territory selectors given by users: ``dep:50``, ``ze:2802``, ``epci:200069425``, ``reg:28``,
``com:50025`` (several joined by ``,``: ``dep:14,dep:50``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coodiag import levels
from coodiag.errors import CoodiagError


@dataclass(frozen=True)
class Territory:
    """A union of territorial units, each a (prefix, code) pair."""

    parts: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return ",".join(f"{p}:{c}" for p, c in self.parts)

    def mask(self, communes: pd.DataFrame) -> pd.Series:
        """Boolean mask of the communes (rows of the commune table) inside the territory."""
        inside = pd.Series(False, index=communes.index)
        for prefix, code in self.parts:
            inside |= communes[levels.get(prefix).code] == code
        return inside

    def label(self, communes: pd.DataFrame) -> str:
        """A French label: "Manche (département 50)", several joined by " + "."""
        names = []
        for prefix, code in self.parts:
            level = levels.get(prefix)
            hit = communes.loc[communes[level.code] == code, level.name]
            name = str(hit.iloc[0]) if len(hit) else code
            names.append(f"{name} ({level.singular} {code})")
        return " + ".join(names)


def parse(text: str) -> Territory:
    """Parse ``"dep:50"`` / ``"ze:2802,ze:2803"`` into a :class:`Territory`.

    Raises a French :class:`CoodiagError` naming the faulty part and the accepted prefixes.
    """
    parts = []
    for raw in text.split(","):
        item = raw.strip()
        if ":" not in item:
            raise CoodiagError(
                f"Territoire « {item} » mal formé : attendu préfixe:code, par exemple dep:50, "
                f"ze:2802, epci:200069425, reg:28 ou com:50025."
            )
        prefix, code = (s.strip() for s in item.split(":", 1))
        prefix = prefix.lower()
        if prefix not in levels.prefixes() or not code:
            raise CoodiagError(
                f"Territoire « {item} » : préfixe inconnu « {prefix} » (acceptés : "
                f"{', '.join(levels.prefixes())})."
            )
        normalised = levels.get(prefix).normalise(pd.Series([code])).iloc[0]
        parts.append((prefix, str(normalised)))
    return Territory(tuple(parts))


def check(territory: Territory, communes: pd.DataFrame) -> None:
    """Raise a French error for every part of ``territory`` that matches no commune."""
    for prefix, code in territory.parts:
        level = levels.get(prefix)
        if not (communes[level.code] == code).any():
            raise CoodiagError(
                f"Territoire {prefix}:{code} introuvable dans la base (COG 2025) : vérifiez le "
                f"code de {level.singular}."
            )
