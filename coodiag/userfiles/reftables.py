"""Hand the base's precomputed geocoding and COG tables to :mod:`coodiag.reference`.

Reading a roster geocodes its residences (:mod:`coodiag.reference.geocode`) and checks its
commune codes against the COG lineage (:mod:`coodiag.reference.cog`). Their tables, assembled
from the mirror, cost 1.5 s + 1.3 s on first use in every process; the base stores them
(:mod:`coodiag.base.reftables`) and :func:`use_base_reference` installs them (under 0.3 s,
once per process and base). Without a built base the reference modules fall back on the
mirror: same results, only slower.
"""

from __future__ import annotations

from pathlib import Path

from coodiag.base.reftables import load_reference_tables
from coodiag.base.store import base_dir, read_manifest
from coodiag.errors import BaseMissingError
from coodiag.reference import cog, geocode

#: The base whose tables are installed in this process: (folder, build key), and the tables.
_INSTALLED: dict = {"base": None, "tables": None}


def use_base_reference(base: Path | None = None) -> bool:
    """Install the reference tables of the base in ``base`` (default: the current base) unless
    they are already; False when there is no base or it lacks them (the mirror is then used)."""
    folder = Path(base) if base is not None else base_dir()
    try:
        key = (str(folder.resolve()), str(read_manifest(folder).get("key", "")))
    except (BaseMissingError, OSError, ValueError):
        return False
    done = _INSTALLED["tables"]
    if _INSTALLED["base"] == key and done is not None and (
        geocode.given_reference() is done["geocode"] and cog.given_reference() is done["cog"]
    ):
        return True
    tables = load_reference_tables(folder)
    if tables is None:
        return False
    geocode.use_reference(tables["geocode"])
    cog.use_reference(tables["cog"])
    _INSTALLED.update(base=key, tables=tables)
    return True
