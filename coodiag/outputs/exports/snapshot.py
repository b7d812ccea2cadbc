"""The JSON snapshot of an atlas (``<slug>.json``): strict JSON, for any parser.

Python's :mod:`json` writes ``NaN``, ``Infinity`` and ``-Infinity`` by default, which are not JSON
(RFC 8259): a strict parser (JavaScript's ``JSON.parse``, ``jq``, Go, Rust) refuses the whole
file. :func:`json_ready` turns every missing or infinite number into ``null`` and NumPy / pandas
scalars into plain Python values; :func:`check_json` is the guard (``allow_nan=False``) run before
the file is written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["check_json", "json_ready"]


def json_ready(value: Any) -> Any:
    """A copy of ``value`` that :func:`json.dumps` writes as strict JSON.

    Mappings (keys as strings), lists, tuples and sets are walked; ``NaN``, ``±inf``, ``None``,
    ``pd.NA`` and ``NaT`` become ``None`` (``null``); NumPy integers, floats and booleans become
    Python numbers and booleans; NumPy arrays become lists; dates and timestamps become ISO 8601
    strings. Other objects are returned unchanged (the writer turns them into strings).
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return None if pd.isna(value) else value.isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value


def check_json(value: Any) -> str:
    """The strict JSON text of ``value``; ``ValueError`` if it still holds NaN or infinity."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
