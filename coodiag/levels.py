"""The territorial levels of coodiag, in one table.

Every other module (territory selectors, the base's dissolved levels, the offer per territory,
maps, the CLI and the explorer) reads its prefixes, columns and French names here.

=============  ========  ========  ==========  ===============  ===================
base table     prefix    code col  name col    singular         plural
=============  ========  ========  ==========  ===============  ===================
communes       com       code      nom         commune          communes
epci           epci      epci      epci_nom    EPCI             EPCI
zones_emploi   ze        ze2020    ze_nom      zone d'emploi    zones d'emploi
departements   dep       dep       dep_nom     département      départements
regions        reg       reg       reg_nom     région           régions
=============  ========  ========  ==========  ===============  ===================

>>> get("ze").table, get("zones_emploi").code, get("commune").prefix
('zones_emploi', 'ze2020', 'com')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from coodiag import codes


@dataclass(frozen=True)
class Level:
    """One territorial level.

    - ``table``: name of the level in the base (``zones_emploi``), ``prefix``: in territory
      selectors and options (``ze:2802``, ``--niveau ze``);
    - ``code`` / ``name``: columns of the commune table holding the unit's code and name;
    - ``registry``: column of the SIAE registry holding the unit's code;
    - ``singular`` / ``plural``: French names; ``feminine`` for agreement (« une zone »);
    - ``parent``: prefix of the level that contains every unit, if any;
    - ``extra``: columns of the commune table kept when the level is dissolved from communes;
    - ``normalise``: turns user codes into the base's form (``"2802"``, ``"50"``, ``"01001"``).
    """

    table: str
    prefix: str
    code: str
    name: str
    registry: str
    singular: str
    plural: str
    feminine: bool
    parent: str | None
    extra: tuple[str, ...]
    normalise: Callable[[pd.Series], pd.Series]

    def __str__(self) -> str:
        return self.singular


COMMUNE = Level("communes", "com", "code", "nom", "code_commune", "commune", "communes", True,
                "epci", (), codes.commune)
EPCI = Level("epci", "epci", "epci", "epci_nom", "epci", "EPCI", "EPCI", False, "dep",
             ("epci_nature",), codes.epci)
ZONE_EMPLOI = Level("zones_emploi", "ze", "ze2020", "ze_nom", "ze2020", "zone d'emploi",
                    "zones d'emploi", True, None, (), codes.zone_emploi)
DEPARTEMENT = Level("departements", "dep", "dep", "dep_nom", "dep", "département",
                    "départements", False, "reg", ("reg", "reg_nom"), codes.departement)
REGION = Level("regions", "reg", "reg", "reg_nom", "reg", "région", "régions", True, None, (),
               codes.region)

#: Finest first.
LEVELS: tuple[Level, ...] = (COMMUNE, EPCI, ZONE_EMPLOI, DEPARTEMENT, REGION)

#: The levels dissolved from the communes when the base is built.
DISSOLVED: tuple[Level, ...] = (ZONE_EMPLOI, EPCI, DEPARTEMENT, REGION)

_ALIASES = {
    "commune": COMMUNE,
    "zone_emploi": ZONE_EMPLOI,
    "zone d'emploi": ZONE_EMPLOI,
    "ze2020": ZONE_EMPLOI,
    "departement": DEPARTEMENT,
    "département": DEPARTEMENT,
    "region": REGION,
    "région": REGION,
}


def get(key: str) -> Level:
    """The level named by its prefix (``ze``), base table (``zones_emploi``), code column
    (``ze2020``) or French name; raises ``KeyError`` with the accepted names otherwise."""
    k = str(key).strip().lower()
    for level in LEVELS:
        if k in (level.prefix, level.table, level.code):
            return level
    if k in _ALIASES:
        return _ALIASES[k]
    raise KeyError(
        f"Niveau « {key} » inconnu : choisissez parmi {', '.join(lv.prefix for lv in LEVELS)}."
    )


def prefixes() -> tuple[str, ...]:
    """``("com", "epci", "ze", "dep", "reg")``."""
    return tuple(level.prefix for level in LEVELS)
