"""The threshold of statistical secrecy and the primary mask (see :mod:`coodiag.secrecy`).

The lowest piece of the package: :mod:`~coodiag.secrecy.suppression`,
:mod:`~coodiag.secrecy.scan` and the package's public face all read the threshold here.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np
import pandas as pd

from coodiag.errors import CoodiagError

#: The default threshold: counts 1..4 are secret.
DEFAULT_THRESHOLD = 5
#: The legal floor: no threshold below it is accepted (counts of 1 to 4 persons are never shown).
MIN_THRESHOLD = 5
#: Environment variable overriding the default threshold (an integer >= :data:`MIN_THRESHOLD`).
THRESHOLD_ENV = "COODIAG_SECRET_THRESHOLD"
#: Marker of a secondary secret (INSEE convention).
SECONDARY_LABEL = "s"
#: Label of the totals row/column in the extended mask returned by ``secondary_mask``.
TOTAL_LABEL = "Total"
#: CSS class that HTML outputs put on every element holding a count of individuals.
COUNT_CSS_CLASS = "coodiag-count"


class ThresholdError(CoodiagError, ValueError):
    """The secrecy threshold asked for is not an integer, or is below the legal floor (French)."""


def _refuse(value: object, where: str) -> ThresholdError:
    shown = value if isinstance(value, str) else repr(value)
    return ThresholdError(
        f"{where} vaut « {shown} » : le seuil du secret statistique doit être un nombre entier "
        f"de personnes, au moins {MIN_THRESHOLD} (plancher légal ; par exemple "
        f"{MIN_THRESHOLD} ou 11)."
    )


def get_threshold(threshold: int | None = None) -> int:
    """The threshold in force: ``threshold`` if given, else ``COODIAG_SECRET_THRESHOLD``, else 5.

    A value that is not a whole number (``"abc"``, ``2.5``, ``True``) or that is below the legal
    floor :data:`MIN_THRESHOLD` (``0``, ``-1``, ``2``) raises :class:`ThresholdError`, a
    :class:`~coodiag.errors.CoodiagError` with a French message that the command line prints
    without a traceback: a lower threshold would publish counts of 1 to 4 persons.
    """
    if threshold is None:
        raw = os.environ.get(THRESHOLD_ENV, "").strip()
        if not raw:
            return DEFAULT_THRESHOLD
        where = f"La variable d'environnement {THRESHOLD_ENV}"
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise _refuse(raw, where)
        value = int(raw)
        if value < MIN_THRESHOLD:
            raise _refuse(raw, where)
        return value
    where = "Le seuil de secret statistique demandé"
    whole = isinstance(threshold, (int, np.integer)) or (
        isinstance(threshold, (float, np.floating)) and float(threshold).is_integer()
    )
    if isinstance(threshold, bool) or not whole:
        raise _refuse(threshold, where)
    if threshold < MIN_THRESHOLD:
        raise _refuse(threshold, where)
    return int(threshold)


def default_label(threshold: int | None = None) -> str:
    """The marker of a primary secret: ``"< 5"`` for the threshold 5 (an ordinary space)."""
    return f"< {get_threshold(threshold)}"


def primary_mask(counts: Any, *, threshold: int | None = None, mask_zero: bool = False) -> Any:
    """Boolean mask of the primary secrets: ``0 < n < threshold`` (and ``n == 0`` if ``mask_zero``).

    ``counts`` may be a scalar, a NumPy array, a Series or a DataFrame of numbers; the mask has
    the same shape and type (a ``bool`` for a scalar). Missing values are never secret (there is
    nothing to show).
    """
    t = get_threshold(threshold)
    if isinstance(counts, pd.DataFrame):
        return pd.DataFrame(
            primary_mask(
                counts.apply(pd.to_numeric).to_numpy(dtype=float, na_value=np.nan),
                threshold=t,
                mask_zero=mask_zero,
            ),
            index=counts.index,
            columns=counts.columns,
        )
    if isinstance(counts, pd.Series):
        return pd.Series(
            primary_mask(
                pd.to_numeric(counts).to_numpy(dtype=float, na_value=np.nan),
                threshold=t,
                mask_zero=mask_zero,
            ),
            index=counts.index,
            name=counts.name,
        )
    arr = np.asarray(counts, dtype=float)
    with np.errstate(invalid="ignore"):
        above = (arr >= 0) if mask_zero else (arr > 0)
        out = above & (arr < t) & ~np.isnan(arr)
    return bool(out) if out.ndim == 0 else out
