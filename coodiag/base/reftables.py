"""The reference tables of geocoding and of the COG lineage, precomputed with the base.

:mod:`coodiag.reference.geocode` (postal code + name -> commune) and
:mod:`coodiag.reference.cog` (old commune codes -> COG 2025) assemble their tables from the
mirror on first use in a process: 1.5 s and 1.3 s, paid again by every worker of a batch and
by every command reading a roster. The build writes them into the base as plain Parquet
tables (:func:`write_reference_tables`, ``reference_<module>_<table>.parquet``);
:func:`load_reference_tables` reads them back (a few hundredths of a second) and the layer
that reads users' files hands them to the reference modules (``geocode.use_reference``,
``cog.use_reference``): the same results, field for field (``tests/test_reftables.py``).
The reference layer never reads the base: without these tables it assembles them from the
mirror as before.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from coodiag.base import store

#: The reference modules whose tables the base stores.
MODULES = ("geocode", "cog")
PREFIX = "reference"


def _tables_of(module: str) -> dict[str, pd.DataFrame]:
    from coodiag.reference import cog, geocode

    return {"geocode": geocode, "cog": cog}[module].reference_tables()


def write_reference_tables(folder: Path, meta: dict) -> dict[str, int]:
    """Write the tables of every reference module into ``folder``; their row counts."""
    counts = {}
    for module in MODULES:
        for name, frame in _tables_of(module).items():
            table = f"{PREFIX}_{module}_{name}"
            store.write_table(frame, folder / f"{table}.parquet", meta)
            counts[table] = len(frame)
    return counts


def load_reference_tables(base: Path | None = None) -> dict[str, dict[str, pd.DataFrame]] | None:
    """``{module: {table: frame}}`` as the base stores them, or None when the base (or one of
    the tables: a base built by an older coodiag) is missing."""
    folder = base or store.base_dir()
    out: dict[str, dict[str, pd.DataFrame]] = {module: {} for module in MODULES}
    files = sorted(folder.glob(f"{PREFIX}_*.parquet")) if folder.is_dir() else []
    for path in files:
        module, _, name = path.stem.removeprefix(f"{PREFIX}_").partition("_")
        if module in out:
            out[module][name] = pq.read_table(path).to_pandas()
    return out if all(out.values()) else None
