"""Statistical secrecy: counts of individuals below a threshold are never shown.

Every output of coodiag (tables, map labels, tooltips, exports, atlases) goes through this package.

Rules
-----
**Threshold.** A count ``n`` of individuals is *primary secret* when ``0 < n < threshold``. The
threshold is, in order of precedence: the ``threshold=`` argument, the environment variable
``COODIAG_SECRET_THRESHOLD`` (read at call time), :data:`DEFAULT_THRESHOLD` (5). Some
administrations use 11 (``threshold=11``). A threshold below the legal floor
:data:`MIN_THRESHOLD` (5), or that is not a whole number, is refused with
:class:`ThresholdError` (a French :class:`~coodiag.errors.CoodiagError`). Zero is *not* secret
by default (``mask_zero=False``): "no one" discloses nothing about an individual, and hiding
zeros would blank most maps. Pass ``mask_zero=True`` where a zero is itself sensitive (e.g. "no
RQTH person in this commune" in a table whose population is otherwise known).

**Secondary secrecy.** When a table is published with row and/or column totals, a masked cell
could be recovered by subtraction (total minus the other cells). :func:`secondary_mask` masks more
cells until no published total allows this. Totals themselves are computed from the *unmasked*
data and are treated as cells of an extended table (the totals row, the totals column and the grand
total): a total is published when it is ``0`` or ``>= threshold``, and is masked otherwise (and
may be masked as a last resort by the secondary step).

Algorithm (:func:`secondary_mask`) — a heuristic, *not* an optimal suppression
------------------------------------------------------------------------------
Work on the extended table (cells + published totals). Each *line* is a linear relation between
published figures: a row of cells with its row total, a column of cells with its column total,
the totals row with the grand total, the totals column with the grand total.

1. Start from the primary mask (cells, and totals that are themselves secret).
2. Line step, repeated until stable: in every line holding exactly one masked entry, also mask
   the best other entry of that line, by order of preference: an inner cell rather than a total;
   a non-zero value rather than a zero; an entry whose crossing line also holds a lone masked
   entry (one suppression then protects two lines: this closes "rectangles" and avoids the
   cascades of a plain smallest-value rule); an entry whose crossing line holds no masked entry
   yet the least (it would start a new lone secret); the smallest value; the first in reading
   order (so the result is deterministic).
3. Linear step (``linear_check=True``, the default): compute which masked entries are still
   *exactly determined* by the linear system of all lines (a masked cell can be a "bridge"
   between two groups of masked cells, recoverable by adding and subtracting several totals even
   though no single line holds it alone). For each such entry, mask the best other entry of its
   first line, then go back to step 2. Stop when nothing changes.

A 1-D series published with its total is the one-column case: if exactly one value is masked, the
smallest other non-zero value (the second smallest) is masked too.

Limits, stated plainly:

- it is a greedy heuristic: it may mask more cells than an optimal solution (a linear program
  minimising the suppressed value, as in τ-Argus); what it does guarantee is the point below;
- the guarantee is *exact* recovery only: no masked entry can be computed exactly from published
  figures with the linear relations of this one table (checked exactly, in linear time: see
  :func:`is_recoverable` and :func:`~coodiag.secrecy.scan.determined`, which the tests compare
  with a rank computation). Interval attacks are not prevented: an attacker who uses
  non-negativity can sometimes bound a masked cell (e.g. learn that it lies in 1..4, which
  "< 5" already says; or bound a secondary cell);
- it protects one table at a time: the same counts published in two tables (communes and their
  EPCI, two overlapping zonings, two vintages) can be differenced. Publish nested levels from
  the same masked table, or mask the coarser level consistently;
- a zero is published as zero: a structural zero gives away nothing here, but a line holding only
  zeros and one secret cell relies on the total itself being secret (it is: it equals the cell).

**Row order.** A table sorted by a value that secrecy hides lets a reader bound each masked
row between its visible neighbours (sorted by impact, 52 of the 53 masked counts of a real
diagnosis came back). :func:`publication_order` sorts by a published value only, masked rows
grouped at the end in code order. The rule, tested on whole diagnoses: *no published artefact
changes when only masked cells change*.

Display
-------
:func:`mask_table` and :func:`mask_series` return copies for display/export where a primary
secret is replaced by ``label`` (default ``"< 5"``, i.e. ``f"< {threshold}"``) and a secondary
secret by ``secondary_label`` (default ``"s"``, the INSEE convention for "secret"). A secondary cell
holds a value at or above the threshold (or, as a last resort, a zero): showing it as "< 5" would
be false. Pass the same string to
both for a single marker. :func:`format_count` formats one count in French typography for labels
and tooltips.

Checking outputs
----------------
:func:`find_small_counts` scans a DataFrame or a text (HTML, CSV, text extracted from a PDF) for
counts of individuals between 1 and ``threshold - 1`` that escaped masking. It only sees counts it
is told about (columns that hold counts, the :data:`COUNT_CSS_CLASS` CSS class, or a regular
expression): see its docstring.

Modules
-------
:mod:`~coodiag.secrecy.threshold` (the threshold and its legal floor, the primary mask),
:mod:`~coodiag.secrecy.suppression` (secondary secrecy, masked copies, row order),
:mod:`~coodiag.secrecy.scan` (exactness checks, the scanner of outputs); this package exposes
their public names and formats one count (:func:`format_count`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from coodiag import fr
from coodiag.secrecy.scan import SmallCount, find_small_counts, is_recoverable, recoverable_cells
from coodiag.secrecy.suppression import (
    mask_series,
    mask_table,
    publication_order,
    secondary_mask,
)
from coodiag.secrecy.threshold import (
    COUNT_CSS_CLASS,
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    SECONDARY_LABEL,
    THRESHOLD_ENV,
    TOTAL_LABEL,
    ThresholdError,
    default_label,
    get_threshold,
    primary_mask,
)

__all__ = [
    "COUNT_CSS_CLASS",
    "DEFAULT_THRESHOLD",
    "MIN_THRESHOLD",
    "SECONDARY_LABEL",
    "THRESHOLD_ENV",
    "TOTAL_LABEL",
    "SmallCount",
    "ThresholdError",
    "default_label",
    "find_small_counts",
    "format_count",
    "get_threshold",
    "is_recoverable",
    "mask_series",
    "mask_table",
    "primary_mask",
    "publication_order",
    "recoverable_cells",
    "secondary_mask",
]


def format_count(
    n: Any,
    *,
    threshold: int | None = None,
    label: str | None = None,
    mask_zero: bool = False,
    na: str = fr.MISSING,
) -> str:
    """One count in French typography for labels and tooltips: ``"1 234"`` or ``"< 5"``.

    Thousands are separated by a narrow no-break space (U+202F, :func:`coodiag.fr.number`); a
    primary secret gives ``label`` (default ``"< 5"``); a missing value gives ``na``; a string (a
    marker already set by :func:`mask_table`, or a formatted figure) is returned unchanged. Only
    the primary rule can be applied to a lone value: figures of a table published with totals
    must come from :func:`mask_table` / :func:`mask_series` first.
    """
    if isinstance(n, str):
        return n
    if n is None or pd.isna(n):
        return na
    t = get_threshold(threshold)
    if primary_mask(n, threshold=t, mask_zero=mask_zero):
        return default_label(t) if label is None else label
    return fr.number(round(float(n)), 0)
