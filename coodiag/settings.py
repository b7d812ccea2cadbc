"""Where coodiag reads and writes, in one place.

Every path can be overridden by an environment variable so that tests, CI and users can point the
tool at another mirror or another working folder without touching the code:

- ``COODIAG_MIRROR``: the read-only data mirror (default ``../shared/data`` from the project root);
- ``COODIAG_DATA``: the working data folder holding ``raw/`` and ``processed/`` (default ``data``).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The project root: the folder holding ``pyproject.toml`` when coodiag runs from a checkout,
#: else the current directory (an installed package has no checkout to lean on).
_PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = (
    _PACKAGE_DIR.parent if (_PACKAGE_DIR.parent / "pyproject.toml").exists() else Path.cwd()
)

#: The COG (code officiel géographique) vintage of every table inside the base.
COG_VINTAGE = 2025

#: Metric CRS: Lambert-93 for metropolitan France and Corsica, the official local CRS per DROM.
CRS_METRO = 2154
CRS_DROM = {
    "971": 5490,  # Guadeloupe: RGAF09 / UTM 20N
    "972": 5490,  # Martinique: RGAF09 / UTM 20N
    "973": 2972,  # Guyane: RGFG95 / UTM 22N
    "974": 2975,  # La Réunion: RGR92 / UTM 40S
    "976": 4471,  # Mayotte: RGM04 / UTM 38S
}
CRS_WEB = 4326


def mirror_dir() -> Path:
    """The data mirror folder (``COODIAG_MIRROR``, default ``<project>/../shared/data``)."""
    env = os.environ.get("COODIAG_MIRROR")
    return Path(env) if env else PROJECT_ROOT.parent / "shared" / "data"


def data_dir() -> Path:
    """The working data folder (``COODIAG_DATA``, default ``<project>/data``)."""
    env = os.environ.get("COODIAG_DATA")
    return Path(env) if env else PROJECT_ROOT / "data"


def raw_dir() -> Path:
    """Verified copies of the mirror files: the only place loaders read from."""
    return data_dir() / "raw"


def processed_dir() -> Path:
    """The territorial base (GeoParquet) and its build cache."""
    return data_dir() / "processed"
