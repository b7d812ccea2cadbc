"""Exactness checks on a published table, and a scanner of outputs for unmasked small counts.

See :mod:`coodiag.secrecy` for the rules. A table published with totals is read as its
*extended* table (cells, totals column, totals row, grand total) and its *lines*, the linear
relations between published figures; :func:`determined` tells which masked entries those
relations give away exactly (the suppression heuristic relies on it), :func:`is_recoverable`
asks the question of a finished mask, and :func:`find_small_counts` scans a rendered output.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from coodiag.secrecy.threshold import COUNT_CSS_CLASS, get_threshold

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_INT = re.compile(r"^[+-]?\d+$")


# --------------------------------------------------------------------------------------------
# The extended table and its linear relations
# --------------------------------------------------------------------------------------------


def count_array(table: pd.DataFrame | pd.Series | np.ndarray) -> np.ndarray:
    """The counts of a table as a 2-D float array (a series is one column), checked: no missing
    and no negative value."""
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


def extend_table(values: np.ndarray, row_totals: bool, col_totals: bool) -> np.ndarray:
    """Cells plus the totals column (row totals), the totals row and the grand total."""
    ext = values
    if row_totals:
        ext = np.hstack([ext, ext.sum(axis=1, keepdims=True)])
    if col_totals:
        ext = np.vstack([ext, ext.sum(axis=0, keepdims=True)])
    return ext


def table_lines(shape: tuple[int, int], row_totals: bool, col_totals: bool) -> list[list[tuple]]:
    """The linear relations of the extended table, each as its entries, the total last."""
    n_rows, n_cols = shape  # extended shape
    lines: list[list[tuple]] = []
    if row_totals:
        lines += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    if col_totals:
        lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return lines


def margin_flags(shape: tuple[int, int], row_totals: bool, col_totals: bool) -> np.ndarray:
    """True on the totals of the extended table (the last entry of every line)."""
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


def determined(
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


def determined_svd(
    mask: np.ndarray, lines: list[list[tuple]], margins: np.ndarray
) -> list[tuple[int, int]]:
    """Dense linear-algebra twin of :func:`determined`, kept to cross-check it in the tests.

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
    values = count_array(table)
    ext = extend_table(values, row_totals, col_totals)
    m = np.asarray(mask, dtype=bool)
    if m.ndim == 1:
        m = m[:, None]
    if m.shape == values.shape:
        full = np.zeros(ext.shape, dtype=bool)
        full[: m.shape[0], : m.shape[1]] = m
        m = full
    elif m.shape != ext.shape:
        raise ValueError("Le masque n'a ni la forme du tableau ni celle du tableau étendu.")
    lines = table_lines(ext.shape, row_totals, col_totals)
    margins = margin_flags(ext.shape, row_totals, col_totals)
    if method == "linear":
        return sorted(determined(m, lines, margins))
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
