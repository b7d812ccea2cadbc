"""Statistical secrecy: counts of individuals below a threshold are never shown.

Every output of coodiag (tables, map labels, tooltips, exports, atlases) goes through this module.

Rules
-----
**Threshold.** A count ``n`` of individuals is *primary secret* when ``0 < n < threshold``. The
threshold is, in order of precedence: the ``threshold=`` argument, the environment variable
``COODIAG_SECRET_THRESHOLD`` (read at call time), :data:`DEFAULT_THRESHOLD` (5). Some
administrations use 11 (``threshold=11``). Zero is *not* secret by default (``mask_zero=False``):
"no one" discloses nothing about an individual, and hiding zeros would blank most maps. Pass
``mask_zero=True`` where a zero is itself sensitive (e.g. "no RQTH person in this commune" in a
table whose population is otherwise known).

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
  :func:`is_recoverable` and ``_determined``, which the tests compare with a rank computation).
  Interval
  attacks are not prevented: an attacker who uses non-negativity can sometimes bound a masked cell
  (e.g. learn that it lies in 1..4, which "< 5" already says; or bound a secondary cell);
- it protects one table at a time: the same counts published in two tables (communes and their
  EPCI, two overlapping zonings, two vintages) can be differenced. Publish nested levels from
  the same masked table, or mask the coarser level consistently;
- a zero is published as zero: a structural zero gives away nothing here, but a line holding only
  zeros and one secret cell relies on the total itself being secret (it is: it equals the cell).

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
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

#: The default threshold: counts 1..4 are secret.
DEFAULT_THRESHOLD = 5
#: Environment variable overriding the default threshold (an integer >= 1).
THRESHOLD_ENV = "COODIAG_SECRET_THRESHOLD"
#: Marker of a secondary secret (INSEE convention).
SECONDARY_LABEL = "s"
#: Label of the totals row/column in the extended mask returned by ``secondary_mask``.
TOTAL_LABEL = "Total"
#: CSS class that HTML outputs put on every element holding a count of individuals.
COUNT_CSS_CLASS = "coodiag-count"
#: Narrow no-break space (U+202F), the French thousands separator.
NNBSP = "\u202f"

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_INT = re.compile(r"^[+-]?\d+$")


# --------------------------------------------------------------------------------------------
# Threshold and primary secrecy
# --------------------------------------------------------------------------------------------


def get_threshold(threshold: int | None = None) -> int:
    """The threshold in force: ``threshold`` if given, else ``COODIAG_SECRET_THRESHOLD``, else 5."""
    if threshold is None:
        raw = os.environ.get(THRESHOLD_ENV, "").strip()
        if not raw:
            return DEFAULT_THRESHOLD
        try:
            threshold = int(raw)
        except ValueError:
            raise ValueError(
                f"La variable d'environnement {THRESHOLD_ENV} vaut « {raw} » : "
                "indiquez un entier supérieur ou égal à 1 (par exemple 5 ou 11)."
            ) from None
    if isinstance(threshold, bool) or int(threshold) != threshold or threshold < 1:
        raise ValueError(
            f"Seuil de secret statistique invalide : {threshold!r} (entier >= 1 attendu)."
        )
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


# --------------------------------------------------------------------------------------------
# Secondary secrecy on the extended table
# --------------------------------------------------------------------------------------------


def _as_values(table: pd.DataFrame | pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(table, pd.DataFrame | pd.Series):
        arr = table.to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.asarray(table, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError("Le tableau de comptages doit avoir une ou deux dimensions.")
    if np.isnan(arr).any():
        raise ValueError(
            "Le tableau de comptages contient des valeurs manquantes : remplacez-les par 0 "
            "(ou retirez les lignes concernées) avant d'appliquer le secret statistique."
        )
    if (arr < 0).any():
        raise ValueError("Le tableau de comptages contient des valeurs négatives.")
    return arr


def _extend(values: np.ndarray, row_totals: bool, col_totals: bool) -> np.ndarray:
    """Cells plus the totals column (row totals), the totals row and the grand total."""
    ext = values
    if row_totals:
        ext = np.hstack([ext, ext.sum(axis=1, keepdims=True)])
    if col_totals:
        ext = np.vstack([ext, ext.sum(axis=0, keepdims=True)])
    return ext


def _lines(shape: tuple[int, int], row_totals: bool, col_totals: bool) -> list[list[tuple]]:
    """The linear relations of the extended table, each as its entries, the total last."""
    n_rows, n_cols = shape  # extended shape
    lines: list[list[tuple]] = []
    if row_totals:
        lines += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    if col_totals:
        lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return lines


def _margin_flags(shape: tuple[int, int], row_totals: bool, col_totals: bool) -> np.ndarray:
    flags = np.zeros(shape, dtype=bool)
    if row_totals:
        flags[:, -1] = True
    if col_totals:
        flags[-1, :] = True
    return flags


def _bridges(n_nodes: int, edges: list[tuple[int, int]]) -> set[int]:
    """Ids of the bridges of a multigraph (edges on no cycle), iterative Tarjan, O(V + E)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for eid, (u, v) in enumerate(edges):
        adj[u].append((v, eid))
        if v != u:
            adj[v].append((u, eid))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    timer = 0
    bridges: set[int] = set()
    for root in range(n_nodes):
        if disc[root] != -1:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack = [(root, -1, iter(adj[root]))]
        while stack:
            node, parent_edge, it = stack[-1]
            for nb, eid in it:
                if eid == parent_edge:
                    continue
                if disc[nb] == -1:
                    disc[nb] = low[nb] = timer
                    timer += 1
                    stack.append((nb, eid, iter(adj[nb])))
                    break
                low[node] = min(low[node], disc[nb])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        bridges.add(parent_edge)
    return bridges


def _determined(
    mask: np.ndarray, lines: list[list[tuple]], margins: np.ndarray
) -> list[tuple[int, int]]:
    """Masked entries that the linear system of the published lines determines exactly.

    Exact, and linear in the size of the table. Replace each total ``T`` by ``-T``: every line
    then reads "sum of its unknowns = a published figure" with all coefficients +1. Every entry
    lies on at most two lines, one horizontal and one vertical, so the system is the incidence
    matrix of a bipartite multigraph: nodes are the lines plus one "ground" node standing for "no
    published relation" (an entry on fewer than two lines is joined to it), edges are the masked
    entries. The kernel of an unsigned incidence matrix is spanned by the cycles of even length
    (signs alternating) and by the cycles through the ground node (which carries no equation), so
    an entry is determined iff it lies on no cycle: iff its edge is a bridge. Summing, with signs
    + for horizontal and - for vertical lines, the equations of the side of the bridge without
    the ground node gives its value.
    """
    index: dict[tuple, list[int]] = {}
    for k, line in enumerate(lines):
        for p in line:
            index.setdefault(p, []).append(k)
    ground = len(lines)
    unknown = [tuple(int(x) for x in p) for p in np.argwhere(mask)]
    edges = []
    for p in unknown:
        ends = [*index.get(p, []), ground, ground][:2]
        edges.append((ends[0], ends[1]))
    return [unknown[e] for e in sorted(_bridges(ground + 1, edges))]


def _determined_svd(
    mask: np.ndarray, lines: list[list[tuple]], margins: np.ndarray
) -> list[tuple[int, int]]:
    """Dense linear-algebra twin of :func:`_determined`, kept to cross-check it in the tests.

    Unknowns are the masked entries; each line gives ``sum(inner) - total = 0``. An unknown is
    determined iff its unit vector lies in the row space of the system restricted to the
    unknowns, i.e. iff the orthogonal projection of that unit vector on the row space has norm 1.
    """
    unknown = [tuple(p) for p in np.argwhere(mask)]
    if not unknown:
        return []
    col = {p: k for k, p in enumerate(unknown)}
    rows = []
    for line in lines:
        coeffs = np.zeros(len(unknown))
        touched = False
        for p in line:
            if p in col:
                coeffs[col[p]] = -1.0 if margins[p] else 1.0
                touched = True
        if touched:
            rows.append(coeffs)
    if not rows:
        return []
    a = np.vstack(rows)
    _, s, vh = np.linalg.svd(a, full_matrices=False)
    rank = int((s > 1e-9 * max(a.shape) * (s[0] if s.size else 1.0)).sum())
    proj = (vh[:rank] ** 2).sum(axis=0)  # squared norm of the projection of each unit vector
    return [unknown[k] for k in np.flatnonzero(proj > 1 - 1e-8)]


class _State:
    """The extended table being suppressed, with the masked count of every line kept up to date."""

    def __init__(self, ext: np.ndarray, mask: np.ndarray, lines: list[list[tuple]], margins):
        self.ext, self.mask, self.lines, self.margins = ext, mask, lines, margins
        self.lines_of: dict[tuple, list[int]] = {}
        for k, line in enumerate(lines):
            for p in line:
                self.lines_of.setdefault(p, []).append(k)
        self.hidden = np.array([sum(bool(mask[p]) for p in line) for line in lines], dtype=int)

    def hide(self, p: tuple) -> None:
        self.mask[p] = True
        for k in self.lines_of.get(p, []):
            self.hidden[k] += 1

    def best_candidate(self, k: int) -> tuple | None:
        """The entry of line ``k`` to mask next (see the module docstring for the order)."""
        cands = [p for p in self.lines[k] if not self.mask[p]]
        if not cands:
            return None

        def key(p: tuple) -> tuple:
            others = [self.hidden[m] for m in self.lines_of[p] if m != k]
            fixes = sum(h == 1 for h in others)  # other lines it saves from a lone secret
            creates = sum(h == 0 for h in others)  # other lines it leaves with a lone secret
            value = self.ext[p]
            return (bool(self.margins[p]), value == 0, -fixes, creates, value, p)

        return min(cands, key=key)


def _suppress(
    values: np.ndarray,
    primary: np.ndarray,
    row_totals: bool,
    col_totals: bool,
    threshold: int,
    mask_zero: bool,
    linear_check: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the heuristic on the extended table; return (extended values, primary, final mask)."""
    ext = _extend(values, row_totals, col_totals)
    margins = _margin_flags(ext.shape, row_totals, col_totals)
    ext_primary = primary_mask(ext, threshold=threshold, mask_zero=mask_zero)
    n_rows, n_cols = primary.shape
    ext_primary[:n_rows, :n_cols] = primary  # the caller's primary mask rules the inner cells
    lines = _lines(ext.shape, row_totals, col_totals)
    state = _State(ext, ext_primary.copy(), lines, margins)
    while True:
        changed = True
        while changed:
            changed = False
            for k in range(len(lines)):
                if state.hidden[k] == 1:
                    best = state.best_candidate(k)
                    if best is not None:
                        state.hide(best)
                        changed = True
        if not linear_check:
            break
        added = False
        for p in _determined(state.mask, lines, margins):
            if state.mask.sum() == state.mask.size:
                break
            for k in state.lines_of.get(p, []):
                best = state.best_candidate(k)
                if best is not None:
                    state.hide(best)
                    added = True
                    break
        if not added:
            break
    return ext, ext_primary, state.mask


def secondary_mask(
    table: pd.DataFrame,
    primary: pd.DataFrame | None = None,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    threshold: int | None = None,
    mask_zero: bool = False,
    linear_check: bool = True,
    extended: bool = False,
) -> pd.DataFrame:
    """Primary + secondary secrecy mask of ``table`` published with the given totals.

    ``primary`` defaults to :func:`primary_mask` of ``table``. The result is a boolean DataFrame
    shaped like ``table`` (``True`` = do not show). With ``extended=True`` it also holds the totals
    column and/or row (labelled :data:`TOTAL_LABEL`), masked when a total is itself secret or had
    to be suppressed. See the module docstring for the algorithm and its limits.
    """
    if not isinstance(table, pd.DataFrame):
        table = pd.DataFrame(table)
    t = get_threshold(threshold)
    values = _as_values(table)
    if primary is None:
        prim = primary_mask(values, threshold=t, mask_zero=mask_zero)
    else:
        prim = np.asarray(primary, dtype=bool)
        if prim.shape != values.shape:
            raise ValueError("Le masque primaire n'a pas la forme du tableau.")
    _, _, mask = _suppress(values, prim, row_totals, col_totals, t, mask_zero, linear_check)
    index, columns = table.index, table.columns
    if extended:
        if row_totals:
            columns = columns.append(pd.Index([TOTAL_LABEL]))
        if col_totals:
            index = index.append(pd.Index([TOTAL_LABEL]))
        return pd.DataFrame(mask, index=index, columns=columns)
    n_rows, n_cols = values.shape
    return pd.DataFrame(mask[:n_rows, :n_cols], index=index, columns=columns)


def recoverable_cells(
    table: pd.DataFrame | np.ndarray,
    mask: pd.DataFrame | np.ndarray,
    row_totals: bool = True,
    col_totals: bool = True,
    *,
    method: str = "subtraction",
) -> list[tuple[int, int]]:
    """Positions (in the extended table) of masked entries an attacker can compute exactly.

    ``mask`` is either shaped like ``table`` (every total is then taken as published) or like
    the extended table (``secondary_mask(..., extended=True)``: masked totals are unknown too).

    - ``method="subtraction"``: a masked entry is recoverable when it is the only masked entry of
      a line that has a published total; recovered entries become known and the search repeats
      (chained subtractions).
    - ``method="linear"``: a masked entry is recoverable when the linear system of all lines
      determines it exactly (sums and differences of any number of totals). This is stronger
      than ``"subtraction"``. Neither considers bounds from non-negativity (interval attacks).
    """
    values = _as_values(table)
    ext = _extend(values, row_totals, col_totals)
    m = np.asarray(mask, dtype=bool)
    if m.ndim == 1:
        m = m[:, None]
    if m.shape == values.shape:
        full = np.zeros(ext.shape, dtype=bool)
        full[: m.shape[0], : m.shape[1]] = m
        m = full
    elif m.shape != ext.shape:
        raise ValueError("Le masque n'a ni la forme du tableau ni celle du tableau étendu.")
    lines = _lines(ext.shape, row_totals, col_totals)
    margins = _margin_flags(ext.shape, row_totals, col_totals)
    if method == "linear":
        return sorted(_determined(m, lines, margins))
    if method != "subtraction":
        raise ValueError(f"Méthode inconnue : {method!r} (« subtraction » ou « linear »).")
    unknown = m.copy()
    found: list[tuple[int, int]] = []
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [p for p in line if unknown[p]]
            if len(hidden) == 1:
                unknown[hidden[0]] = False
                found.append(tuple(int(x) for x in hidden[0]))
                changed = True
    return sorted(found)


def is_recoverable(
    table: pd.DataFrame | np.ndarray,
    mask: pd.DataFrame | np.ndarray,
    row_totals: bool = True,
    col_totals: bool = True,
    *,
    method: str = "subtraction",
) -> bool:
    """Whether any masked entry can be recovered from the published totals.

    See :func:`recoverable_cells` for the two methods (``"subtraction"``, ``"linear"``).
    """
    return bool(recoverable_cells(table, mask, row_totals, col_totals, method=method))


# --------------------------------------------------------------------------------------------
# Masked copies for display and export
# --------------------------------------------------------------------------------------------


def mask_table(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    threshold: int | None = None,
    row_total: str | None = None,
    col_total: str | None = None,
    label: str | None = None,
    secondary_label: str = SECONDARY_LABEL,
    mask_zero: bool = False,
    formatted: bool = False,
) -> pd.DataFrame:
    """A copy of ``df`` safe to display or export: secret counts replaced by markers.

    - ``count_columns``: the columns holding counts of individuals; together they form the table
      (other columns, such as names, are kept as they are).
    - ``row_total``: name of a totals column to add (sum of the count columns on each row);
      ``col_total``: label of a totals row to add at the bottom (its index label, also written in
      the first non-count column if any). Totals are computed from the unmasked data, and are
      shown when they are 0 or >= threshold; ``None`` = that total is not published, and then no
      secondary secrecy is needed along that direction.
    - A primary secret becomes ``label`` (default ``"< 5"`` for the threshold 5), a secondary one
      ``secondary_label`` (default ``"s"``).
    - ``formatted=True`` also formats the shown counts with :func:`format_count` (strings).

    Count columns of the result have the ``object`` dtype (numbers and markers mixed).
    """
    t = get_threshold(threshold)
    label = default_label(t) if label is None else label
    count_columns = list(count_columns)
    missing = [c for c in count_columns if c not in df.columns]
    if missing:
        raise KeyError(f"Colonnes de comptage absentes : {missing}")
    if row_total is not None and row_total in df.columns:
        raise ValueError(f"La colonne de total « {row_total} » existe déjà.")
    values = _as_values(df[count_columns].apply(pd.to_numeric))
    prim = primary_mask(values, threshold=t, mask_zero=mask_zero)
    rows, cols = row_total is not None, col_total is not None
    ext, ext_primary, mask = _suppress(values, prim, rows, cols, t, mask_zero, True)

    shown = ext.astype(object)
    for (i, j), v in np.ndenumerate(ext):
        if mask[i, j]:
            shown[i, j] = label if ext_primary[i, j] else secondary_label
        elif formatted:
            shown[i, j] = format_count(v, threshold=1)
        else:
            shown[i, j] = int(v) if float(v).is_integer() else v

    out = df.copy()
    ext_cols = count_columns + ([row_total] if rows else [])
    n = len(df)
    for j, c in enumerate(count_columns):
        out[c] = pd.Series(list(shown[:n, j]), index=df.index, dtype=object)
    if rows:
        out[row_total] = pd.Series(list(shown[:n, -1]), index=df.index, dtype=object)
    if cols:
        other = [c for c in out.columns if c not in ext_cols]
        total_row = {c: pd.NA for c in other}
        if other:
            total_row[other[0]] = col_total
        total_row.update({c: shown[-1, j] for j, c in enumerate(ext_cols)})
        bottom = pd.DataFrame([total_row], index=[col_total], columns=out.columns, dtype=object)
        out = pd.concat([out.astype(object), bottom])
    return out


def mask_series(
    series: pd.Series,
    *,
    threshold: int | None = None,
    total: bool = True,
    append_total: str | None = None,
    label: str | None = None,
    secondary_label: str = SECONDARY_LABEL,
    mask_zero: bool = False,
    formatted: bool = False,
) -> pd.Series:
    """A copy of 1-D counts (e.g. salariés per commune) with secret values replaced by markers.

    ``total=True`` means the total of the series is published (in the same output or next to
    it): if exactly one value is masked, the second smallest non-zero value is masked too, so that
    the total gives nothing away. ``append_total`` adds the total under that index label (shown,
    or masked if it is itself secret). ``total=False``: primary secrecy only — use it only when
    no total, sub-total or share of this series is published anywhere.
    """
    name = series.name if series.name is not None else "n"
    frame = series.to_frame(name)
    if total:
        out = mask_table(
            frame,
            [name],
            threshold=threshold,
            col_total=append_total if append_total is not None else TOTAL_LABEL,
            label=label,
            secondary_label=secondary_label,
            mask_zero=mask_zero,
            formatted=formatted,
        )[name]
        if append_total is None:
            out = out.iloc[:-1]
    else:
        out = mask_table(
            frame,
            [name],
            threshold=threshold,
            label=label,
            secondary_label=secondary_label,
            mask_zero=mask_zero,
            formatted=formatted,
        )[name]
    out.name = series.name
    return out


def format_count(
    n: Any,
    *,
    threshold: int | None = None,
    label: str | None = None,
    mask_zero: bool = False,
    na: str = "n.d.",
) -> str:
    """One count in French typography for labels and tooltips: ``"1 234"`` or ``"< 5"``.

    Thousands are separated by a narrow no-break space (U+202F); a primary secret gives ``label``
    (default ``"< 5"``); a missing value gives ``na``; a string (a marker already set by
    :func:`mask_table`, or a formatted figure) is returned unchanged. Only the primary rule can be
    applied to a lone value: figures of a table published with totals must come from
    :func:`mask_table` / :func:`mask_series` first.
    """
    if isinstance(n, str):
        return n
    if n is None or pd.isna(n):
        return na
    t = get_threshold(threshold)
    if primary_mask(n, threshold=t, mask_zero=mask_zero):
        return default_label(t) if label is None else label
    return f"{round(float(n)):,}".replace(",", NNBSP)


# --------------------------------------------------------------------------------------------
# Scanner for tests: unmasked small counts in outputs
# --------------------------------------------------------------------------------------------


class SmallCount(NamedTuple):
    """An unmasked small count found by :func:`find_small_counts`."""

    where: Any  #: row label (DataFrame, CSV) or character offset (HTML, text)
    column: str | None  #: the column, or ``None`` for text
    value: int


def _parse_count(raw: Any) -> int | None:
    """An integer count from a cell or a text fragment; ``None`` for markers and non-integers."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | np.integer):
        return int(raw)
    if isinstance(raw, float | np.floating):
        return int(raw) if np.isfinite(raw) and float(raw).is_integer() else None
    text = _SPACES.sub("", html.unescape(re.sub(r"<[^>]*>", "", str(raw))))
    return int(text) if _INT.match(text) else None


def _scan_frame(df: pd.DataFrame, columns: Iterable[str], t: int) -> list[SmallCount]:
    found = []
    for c in columns:
        if c not in df.columns:
            raise KeyError(f"Colonne de comptage absente : {c!r}")
        for idx, raw in df[c].items():
            v = _parse_count(raw)
            if v is not None and 0 < v < t:
                found.append(SmallCount(idx, str(c), v))
    return found


def find_small_counts(
    obj: pd.DataFrame | str,
    columns: Iterable[str] | None = None,
    *,
    threshold: int | None = None,
    css_class: str = COUNT_CSS_CLASS,
    pattern: str | None = None,
    sep: str | None = None,
) -> list[SmallCount]:
    """Counts of individuals between 1 and ``threshold - 1`` left visible in an output.

    - DataFrame: ``columns`` names the columns holding counts of individuals; cells holding an
      integer (number, or string such as ``"3"`` or ``"1 234"``) in 1..threshold-1 are reported.
      Markers (``"< 5"``, ``"s"``), empty cells and non-integers are skipped.
    - Text with ``columns``: CSV text (separator ``sep``, guessed if ``None``), read with pandas
      as strings, then scanned as a DataFrame.
    - Text with ``pattern``: a regular expression whose first group (or the group named
      ``count``) captures a count, for plain text such as text extracted from a PDF (e.g.
      ``r"(\\d+) salariés"``).
    - Other text: HTML, where counts are the content of elements carrying the CSS class
      ``css_class`` (default :data:`COUNT_CSS_CLASS`: every HTML writer of coodiag must put it on
      count cells, labels and tooltips). Nested tags are stripped, entities decoded.

    What it cannot detect: counts not marked as such (a small number in a sentence without a
    pattern, a figure inside an image or a map tile, a share computed from a secret count),
    counts recoverable by subtraction (use :func:`is_recoverable` on the source table), and
    non-integer values (shares, rates, ETP) which it never considers counts.
    """
    t = get_threshold(threshold)
    if isinstance(obj, pd.DataFrame):
        if columns is None:
            raise ValueError("Indiquez les colonnes qui contiennent des comptages de personnes.")
        return _scan_frame(obj, columns, t)
    text = str(obj)
    if columns is not None:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, engine="python", dtype=str, keep_default_na=False
        )
        return _scan_frame(frame, columns, t)
    found = []
    if pattern is not None:
        for m in re.finditer(pattern, text):
            raw = m.group("count") if "count" in m.re.groupindex else m.group(1)
            v = _parse_count(raw)
            if v is not None and 0 < v < t:
                found.append(SmallCount(m.start(), None, v))
        return found
    tag = re.compile(
        r"<(?P<tag>[a-zA-Z][\w-]*)\b[^>]*\bclass\s*=\s*([\"'])(?:(?!\2).)*(?<![\w-])"
        + re.escape(css_class)
        + r"(?![\w-])(?:(?!\2).)*\2[^>]*>(?P<body>.*?)</(?P=tag)\s*>",
        re.DOTALL,
    )
    for m in tag.finditer(text):
        v = _parse_count(m.group("body"))
        if v is not None and 0 < v < t:
            found.append(SmallCount(m.start(), None, v))
    return found
