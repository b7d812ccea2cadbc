"""The metadata every analysis attaches to its indicators (``df.attrs["indicateurs"]``).

One dict per indicator column, in French, with the keys ``key, label, unit, numerator,
denominator, source, vintage, method``: what the figure is, in which unit, over which
denominator, from which source and vintage, computed how. The outputs print them under maps
and tables and in the XLSX notes.
"""

from __future__ import annotations


def indicator_meta(
    key: str,
    label: str,
    unit: str,
    *,
    numerator: str = "",
    denominator: str = "",
    source: str = "",
    vintage: str = "",
    method: str = "",
) -> dict:
    """The metadata dict of one indicator (empty strings where a field does not apply)."""
    return {
        "key": key,
        "label": label,
        "unit": unit,
        "numerator": numerator,
        "denominator": denominator,
        "source": source,
        "vintage": vintage,
        "method": method,
    }
