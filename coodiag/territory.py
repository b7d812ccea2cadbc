"""Territory selectors given by users: ``dep:50``, ``ze:2802``, ``epci:200069425``, ``reg:28``,
``com:50025`` (several joined by ``,``: ``dep:14,dep:50``), and ``france``: metropolitan France
(its 13 régions, Corse included).

:func:`parse` checks the form (prefix, code present and well formed); :func:`check` checks that
each unit exists in the base and returns the territory to use. A commune code that imports
accept but that is no longer a commune — merged into a newer commune (``com:50516``) or a
Paris/Lyon/Marseille municipal arrondissement (``com:75115``) — is resolved to its COG 2025
commune by the ``lineage`` function given (:func:`coodiag.reference.cog.current_code`: this core
module cannot import the reference layer), with a French note in :attr:`Territory.notes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from coodiag import codes, fr, levels
from coodiag.errors import CoodiagError

#: Form of a code per prefix: (check, French description of the expected form).
_FORMS: dict[str, tuple[Callable[[str], bool], str]] = {
    "com": (codes.is_commune_code, "5 caractères, par exemple com:50025 ou com:2A004"),
    "epci": (codes.is_epci_code, "9 chiffres (SIREN), par exemple epci:200069425"),
    "ze": (codes.is_zone_emploi_code, "4 chiffres, par exemple ze:2802"),
    "dep": (codes.is_departement_code, "2 caractères ou 3 chiffres, par exemple dep:50, dep:2A "
            "ou dep:971"),
    "reg": (codes.is_region_code, "2 chiffres, par exemple reg:28"),
}
_EXAMPLES = "dep:50, ze:2802, epci:200069425, reg:28, com:50025 ou france"
#: The 13 régions of metropolitan France (Corse included).
METRO_REGIONS = ("11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94")
_FRANCE = tuple(("reg", code) for code in METRO_REGIONS)
#: Selectors naming a whole set of units, and the French label of that set.
ALIASES = {"france": (_FRANCE, "France métropolitaine"),
           "metropole": (_FRANCE, "France métropolitaine")}

#: ``lineage(codes)`` -> frame with ``code_2025``, ``status``, ``detail`` (French), same index.
Lineage = Callable[[pd.Series], pd.DataFrame]


@dataclass(frozen=True)
class Territory:
    """A union of territorial units, each a (prefix, code) pair.

    ``notes``: French notes on how the units typed were read (a merged commune replaced by its
    current commune...), for the user and the deliverable.
    """

    parts: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = field(default=(), compare=False)

    def _grouped(self) -> list[tuple[str, str] | str]:
        """The parts, with the set of an alias (``france``) given as its name."""
        if not set(_FRANCE) <= set(self.parts):
            return list(self.parts)
        rest = [p for p in self.parts if p not in _FRANCE]
        return ["france", *rest]

    def __str__(self) -> str:
        return ",".join(p if isinstance(p, str) else f"{p[0]}:{p[1]}" for p in self._grouped())

    def mask(self, communes: pd.DataFrame) -> pd.Series:
        """Boolean mask of the communes (rows of the commune table) inside the territory."""
        inside = pd.Series(False, index=communes.index)
        for prefix, code in self.parts:
            inside |= communes[levels.get(prefix).code] == code
        return inside

    def label(self, communes: pd.DataFrame) -> str:
        """A French label: "Manche (département 50)", several joined by " + "."""
        names = []
        for part in self._grouped():
            if isinstance(part, str):
                names.append(ALIASES[part][1])
                continue
            prefix, code = part
            level = levels.get(prefix)
            hit = communes.loc[communes[level.code] == code, level.name]
            name = str(hit.iloc[0]) if len(hit) else code
            names.append(f"{name} ({level.singular} {code})")
        return " + ".join(names)


def parse(text: str | None) -> Territory:
    """Parse ``"dep:50"`` / ``"ze:2802,ze:2803"`` into a :class:`Territory`.

    Raises a French :class:`CoodiagError` naming the faulty part: missing territory, missing
    prefix or code, unknown prefix (with the accepted ones), malformed code (with its form).
    """
    if text is None or not str(text).strip():
        raise CoodiagError(f"Territoire manquant : indiquez par exemple {_EXAMPLES}.")
    parts: list[tuple[str, str]] = []
    for raw in str(text).split(","):
        item = raw.strip()
        if not item:
            raise CoodiagError(
                f"Territoire « {text} » : élément vide entre deux virgules (attendu : "
                f"{_EXAMPLES})."
            )
        if item.lower() in ALIASES:
            parts += [p for p in ALIASES[item.lower()][0] if p not in parts]
            continue
        if ":" not in item:
            raise CoodiagError(
                f"Territoire « {item} » mal formé : attendu préfixe:code, par exemple "
                f"{_EXAMPLES}."
            )
        prefix, code = (s.strip() for s in item.split(":", 1))
        prefix = prefix.lower()
        if prefix not in levels.prefixes():
            raise CoodiagError(
                f"Territoire « {item} » : préfixe inconnu « {prefix} » (acceptés : "
                f"{', '.join(levels.prefixes())})."
            )
        level = levels.get(prefix)
        if not code:
            raise CoodiagError(
                f"Territoire « {item} » : code {fr.de(level.singular)} manquant après "
                f"« {prefix}: » ({_FORMS[prefix][1]})."
            )
        normalised = level.normalise(pd.Series([code])).iloc[0]
        is_form, form = _FORMS[prefix]
        if pd.isna(normalised) or not is_form(str(normalised)):
            raise CoodiagError(
                f"Territoire « {item} » : code {fr.de(level.singular)} mal formé « {code} » "
                f"(attendu : {form})."
            )
        if (prefix, str(normalised)) not in parts:
            parts.append((prefix, str(normalised)))
    return Territory(tuple(parts))


def _unknown(prefix: str, code: str, detail: str = "") -> CoodiagError:
    level = levels.get(prefix)
    why = f" ({detail})" if detail else ""
    return CoodiagError(
        f"Territoire {prefix}:{code} introuvable dans la base (COG 2025){why} : vérifiez le "
        f"code {fr.de(level.singular)}."
    )


def check(
    territory: Territory, communes: pd.DataFrame, *, lineage: Lineage | None = None
) -> Territory:
    """The territory to use: every part checked against the commune table of the base.

    A commune code absent from the base is looked up with ``lineage`` when given: a merged
    commune or a municipal arrondissement is replaced by its COG 2025 commune, with a French
    note. Raises a French :class:`CoodiagError` for the first part that matches nothing.
    """
    parts: list[tuple[str, str]] = []
    notes = list(territory.notes)
    for prefix, code in territory.parts:
        level = levels.get(prefix)
        if (communes[level.code] == code).any():
            part = (prefix, code)
        elif prefix == "com" and lineage is not None:
            found = lineage(pd.Series([code], dtype="string")).iloc[0]
            current = found["code_2025"]
            if pd.isna(current) or not (communes["code"] == current).any():
                raise _unknown(prefix, code, str(found["detail"]))
            name = communes.loc[communes["code"] == current, "nom"].iloc[0]
            if found["status"] == "arrondissement":
                why = (f"{found['detail']} ; la base étant à la commune, le territoire retenu "
                       f"est la commune entière {fr.de(str(name))} (com:{current}).")
            else:
                why = (f"ancienne commune {found['detail']} ; la base étant au COG 2025, le "
                       f"territoire retenu est la commune {fr.de(str(name))} (com:{current}).")
            notes.append(f"Territoire com:{code} : {why}")
            part = (prefix, str(current))
        else:
            raise _unknown(prefix, code)
        if part not in parts:
            parts.append(part)
    return Territory(tuple(parts), tuple(notes))
