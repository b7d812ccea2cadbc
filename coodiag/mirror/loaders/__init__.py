"""Loaders: one function per mirror dataset, reading the verified copies in ``data/raw/``.

Each returns a DataFrame (or GeoDataFrame) with typed columns: INSEE commune codes as 5-character
strings, zone d'emploi codes as 4-character strings (see :mod:`coodiag.codes`), numbers as floats
with secret or missing cells as NaN, never 0. The sources registry names the loader of each
dataset; :func:`load` resolves it.
"""

from __future__ import annotations

import importlib
from typing import Any

from coodiag.mirror import sources


def load(key: str, **kwargs: Any) -> Any:
    """Load the dataset registered under ``key`` with its registered loader."""
    source = sources.get(key)
    if source.loader is None:
        raise NotImplementedError(f"Aucun chargeur déclaré pour la source « {key} ».")
    module_name, func_name = source.loader.split(":")
    return getattr(importlib.import_module(module_name), func_name)(**kwargs)
