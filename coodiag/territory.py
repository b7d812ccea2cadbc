"""Territory selectors given by users: ``dep:50``, ``ze:2802``, ``epci:200069425``, ``reg:28``,
``com:50025`` (several joined by ``,``: ``dep:14,dep:50``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coodiag import codes
from coodiag.errors import CoodiagError

#: Prefix -> (column of the commune table, French name of the level, code normaliser).
PREFIXES = {
    "com": ("code", "commune", codes.commune),
    "epci": ("epci", "EPCI", codes.epci),
    "ze": ("ze2020", "zone d'emploi", codes.zone_emploi),
    "dep": ("dep", "département", codes.departement),
    "reg": ("reg", "région", codes.region),
}


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
            inside |= communes[PREFIXES[prefix][0]] == code
        return inside

    def label(self, communes: pd.DataFrame) -> str:
        """A French label: "Manche (département 50)", several joined by " + "."""
        names = []
        name_cols = {"code": "nom", "epci": "epci_nom", "ze2020": "ze_nom", "dep": "dep_nom",
                     "reg": "reg_nom"}
        for prefix, code in self.parts:
            col, level, _norm = PREFIXES[prefix]
            hit = communes.loc[communes[col] == code, name_cols[col]]
            name = str(hit.iloc[0]) if len(hit) else code
            names.append(f"{name} ({level} {code})")
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
        if prefix not in PREFIXES or not code:
            raise CoodiagError(
                f"Territoire « {item} » : préfixe inconnu « {prefix} » (acceptés : "
                f"{', '.join(PREFIXES)})."
            )
        normalised = PREFIXES[prefix][2](pd.Series([code])).iloc[0]
        parts.append((prefix, str(normalised)))
    return Territory(tuple(parts))


def check(territory: Territory, communes: pd.DataFrame) -> None:
    """Raise a French error for every part of ``territory`` that matches no commune."""
    for prefix, code in territory.parts:
        col, level, _norm = PREFIXES[prefix]
        if not (communes[col] == code).any():
            raise CoodiagError(
                f"Territoire {prefix}:{code} introuvable dans la base (COG 2025) : vérifiez le "
                f"code de {level}."
            )
