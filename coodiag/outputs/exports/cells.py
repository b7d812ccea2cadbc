"""Cells of an export: a table's columns as French headers, Python values and number formats.

:func:`prepare_columns` turns an :class:`~coodiag.outputs.document.ExportTable` into the
columns the XLSX and the CSV writers share (and the atlas shows): values as ``None``, ``int``,
``float``, ``str``, dates or monthly periods, lists joined with ``", "``, booleans « oui » /
« non »; the number format of each numeric column (:func:`decimals_for`). In the files (not on
the pages), :func:`split_secret` keeps counts of people as numbers: a masked cell is empty and a
flag column after it says why (« secret statistique (moins de 5) », « secret secondaire »).
Formula injection
(OWASP « CSV injection »): :func:`is_formula_like` spots a text a spreadsheet would evaluate,
:func:`neutralise_csv` defuses it for a CSV cell.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coodiag import secrecy
from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports.checks import ExportError

#: First characters that make a spreadsheet evaluate a text (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Number formats (invariant OOXML syntax; French Excel shows ``# ##0`` and ``# ##0,0``).
INT_FORMAT = "#,##0"
DECIMAL_FORMATS = {0: INT_FORMAT, 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONTH_FORMAT = "mm/yyyy"
#: Suffix of the header of the flag column that follows a count column with masked cells.
SECRET_SUFFIX = " (secret)"
#: Excel limits.
MAX_ROWS = 1_048_576
MAX_COLS = 16_384


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could evaluate this text (it starts with ``= + - @``, tab or CR)."""
    return text.startswith(FORMULA_PREFIXES)


def neutralise_csv(text: str) -> str:
    """A text safe in a CSV cell: a formula-looking text gets a leading apostrophe."""
    return "'" + text if is_formula_like(text) else text


def is_missing(value: Any) -> bool:
    """An empty cell: None, NA, NaT or NaN (an infinite float is left to :func:`scalar`)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def cell_text(value: Any) -> str:
    """A cell value as text, for the parts of lists and dicts."""
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def join_items(value: Any) -> str:
    """A list, tuple, set, array or dict as one text (``", "`` between items)."""
    if isinstance(value, Mapping):
        return ", ".join(f"{cell_text(k)} : {cell_text(v)}" for k, v in value.items())
    items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    return ", ".join(cell_text(v) for v in items if not is_missing(v))


def scalar(value: Any) -> Any:
    """A Python value for a cell: None, int, float, str, datetime, date, or a pandas Period."""
    if isinstance(value, list | tuple | set | frozenset | np.ndarray | Mapping):
        return join_items(value)
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | decimal.Decimal):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert("Europe/Paris").tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | pd.Period):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, str):
        return value
    if isinstance(value, shapely.Geometry):
        return value.wkt
    return str(value)


def plain_values(series: pd.Series) -> list[Any] | None:
    """:func:`scalar` of every value of a column of numbers, booleans or texts, computed by
    column (the France atlas writes 1.3 million cells): ``None`` for any other column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) and not series.isna().any():
        return np.where(series.to_numpy(dtype=bool), "oui", "non").astype(object).tolist()
    if pd.api.types.is_float_dtype(dtype):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        out = numbers.astype(object)
        out[~np.isfinite(numbers)] = None
        return out.tolist()
    if pd.api.types.is_integer_dtype(dtype):
        missing = series.isna().to_numpy()
        out = series.to_numpy(dtype=object, na_value=None)
        out = np.array([None if m else int(v) for v, m in zip(out, missing, strict=True)],
                       dtype=object)
        return out.tolist()
    if isinstance(dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, na_value=None).tolist()
    return None


@dataclass
class Column:
    """A column ready to write: French header, Python values, XLSX number/date format."""

    header: str
    values: list[Any]
    number_format: str | None = None
    date_format: str | None = None


def decimals_for(numbers: np.ndarray) -> int:
    """Decimals shown: those of the data when it has at most 3 (``1.25`` -> 2), else 1 for a
    column reaching 10 (rates in %) and 2 below (ratios, indices)."""
    finite = numbers[np.isfinite(numbers)]
    for dec in range(4):
        scaled = finite * 10**dec
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6):
            return dec
    return 1 if np.abs(finite).max() >= 10 else 2


def prepare_columns(table: ExportTable) -> list[Column]:
    """The columns of a table as written in the XLSX and the CSV."""
    frame = table.frame
    names = [n for n in frame.index.names if n is not None]
    if names:
        frame = frame.reset_index(level=names)
    geom_cols = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    frame = frame.drop(columns=geom_cols)
    if len(frame) + 1 > MAX_ROWS or len(frame.columns) > MAX_COLS:
        raise ExportError(
            f"Le tableau « {table.name} » dépasse les limites d'une feuille Excel "
            f"({MAX_ROWS - 1} lignes, {MAX_COLS} colonnes)."
        )
    columns: list[Column] = []
    headers: dict[str, Any] = {}
    for pos, col in enumerate(frame.columns):
        header = table.header(col)
        if header.casefold() in headers:
            raise ExportError(
                f"Le tableau « {table.name} » a deux colonnes d'en-tête « {header} » "
                f"(« {headers[header.casefold()]} » et « {col} »)."
            )
        headers[header.casefold()] = col
        series = frame.iloc[:, pos]
        if isinstance(series.dtype, pd.PeriodDtype):
            values = [None if is_missing(v) else v for v in series.astype(object)]
        else:
            values = plain_values(series)
            if values is None:
                values = [scalar(v) for v in series.astype(object).tolist()]
        column = Column(header, values)
        numbers = np.array(
            [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)],
            dtype=float,
        )
        if numbers.size:
            dec = table.decimals.get(col)
            dec = decimals_for(numbers) if dec is None else int(dec)
            column.number_format = DECIMAL_FORMATS.get(dec, "#,##0." + "0" * dec)
        dates = [v for v in values if isinstance(v, dt.date | pd.Period)]
        if dates:
            if any(isinstance(v, pd.Period) for v in dates):
                column.date_format = MONTH_FORMAT
            elif any(isinstance(v, dt.datetime) and v.time() != dt.time(0) for v in dates):
                column.date_format = DATETIME_FORMAT
            else:
                column.date_format = DATE_FORMAT
        columns.append(column)
    return columns



def secret_flag(marker: str | None, threshold: int | None = None) -> str | None:
    """The flag of a masked count: « secret statistique (moins de 5) », « secret secondaire »."""
    if marker is None:
        return None
    t = secrecy.get_threshold(threshold)
    if marker == secrecy.default_label(t):
        return f"secret statistique (moins de {t})"
    if marker == secrecy.SECONDARY_LABEL:
        return "secret secondaire"
    return marker


def split_secret(
    table: ExportTable, columns: list[Column], *, threshold: int | None = None
) -> list[Column]:
    """Counts of people as numbers in the files: in each ``person_counts`` column holding
    masks (« < 5 », « s »), the masked cells are emptied and a column « <header> (secret) »
    right after it flags them; the other columns are kept as they are."""
    counts = {table.header(c) for c in table.person_counts}
    out: list[Column] = []
    for column in columns:
        markers = [v if isinstance(v, str) else None for v in column.values]
        if column.header not in counts or not any(markers):
            out.append(column)
            continue
        out.append(Column(
            column.header,
            [None if isinstance(v, str) else v for v in column.values],
            number_format=column.number_format or INT_FORMAT,
        ))
        out.append(Column(column.header + SECRET_SUFFIX,
                          [secret_flag(m, threshold) for m in markers]))
    return out
