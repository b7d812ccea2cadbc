"""Primary and secondary suppression on tables and series (see :mod:`coodiag.secrecy`).

:func:`secondary_mask` runs the heuristic described in the package docstring and returns a
boolean mask; :func:`mask_table` and :func:`mask_series` return the copies safe to display
or export, secrets replaced by their markers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from coodiag import fr
from coodiag.secrecy.scan import count_array, determined, extend_table, margin_flags, table_lines
from coodiag.secrecy.threshold import (
    SECONDARY_LABEL,
    TOTAL_LABEL,
    default_label,
    get_threshold,
    primary_mask,
)

# --------------------------------------------------------------------------------------------
# Secondary secrecy on the extended table
# --------------------------------------------------------------------------------------------


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
    ext = extend_table(values, row_totals, col_totals)
    margins = margin_flags(ext.shape, row_totals, col_totals)
    ext_primary = primary_mask(ext, threshold=threshold, mask_zero=mask_zero)
    n_rows, n_cols = primary.shape
    ext_primary[:n_rows, :n_cols] = primary  # the caller's primary mask rules the inner cells
    lines = table_lines(ext.shape, row_totals, col_totals)
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
        for p in determined(state.mask, lines, margins):
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
    values = count_array(table)
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
    - ``formatted=True`` also formats the shown counts in French typography, as
      :func:`~coodiag.secrecy.format_count` does (strings).

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
    values = count_array(df[count_columns].apply(pd.to_numeric))
    prim = primary_mask(values, threshold=t, mask_zero=mask_zero)
    rows, cols = row_total is not None, col_total is not None
    ext, ext_primary, mask = _suppress(values, prim, rows, cols, t, mask_zero, True)

    shown = ext.astype(object)
    for (i, j), v in np.ndenumerate(ext):
        if mask[i, j]:
            shown[i, j] = label if ext_primary[i, j] else secondary_label
        elif formatted:
            shown[i, j] = fr.integer(v)
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


# --------------------------------------------------------------------------------------------
# Row order of a published table
# --------------------------------------------------------------------------------------------


def publication_order(
    table: pd.DataFrame,
    shown: Sequence[bool] | pd.Series,
    *,
    by: str | None = None,
    key: str = "code",
    ascending: bool = False,
) -> pd.DataFrame:
    """The rows of ``table`` in an order that gives no masked value away.

    Sorting a table by a value that secrecy hides (a count, or a rate computed from it) lets a
    reader bound each masked row between its visible neighbours. Here the rows whose values
    are shown (``shown`` True) come first, sorted by ``by`` (a *published* column; descending
    unless ``ascending``; rows where it is missing after them), ties and missing values by
    ``key``; then the masked rows, grouped at the end and sorted by ``key`` alone (e.g. the
    commune code). ``by=None`` sorts everything by ``key``. The index is reset; ``attrs`` kept.
    """
    shown = np.asarray(shown, dtype=bool)
    keys = table[key].astype(str).to_numpy()
    if by is None:
        out = table.iloc[np.argsort(keys, kind="stable")]
    else:
        value = pd.to_numeric(table[by], errors="coerce").to_numpy(dtype=float)
        value = np.where(shown, value if ascending else -value, np.nan)  # masked: no value
        order = pd.DataFrame(
            {"masked": ~shown, "missing": np.isnan(value), "value": value, "key": keys}
        )
        ranked = order.sort_values(["masked", "missing", "value", "key"], kind="stable")
        out = table.iloc[ranked.index.to_numpy()]
    out = out.reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out
