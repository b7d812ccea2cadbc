"""Shared validation machinery of the user file formats (see docs/formats.md).

The formats themselves live in :mod:`~coodiag.userfiles.salaries`,
:mod:`~coodiag.userfiles.capacite`, :mod:`~coodiag.userfiles.reseaux` and
:mod:`~coodiag.userfiles.sirene`; this module holds the reject collector, the French motifs and
the parsers they share (dates, numbers, SIRET), and :func:`finish`, which assembles the
:class:`~coodiag.userfiles.result.ImportResult` (the commune of residence is resolved in
:mod:`~coodiag.userfiles._residence`).

Every parser takes the column as strings and returns ``(parsed values, motif per row or NA)``;
options are keyword-only.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import pandas as pd

from coodiag import codes
from coodiag.userfiles.reader import RawTable, TableStream
from coodiag.userfiles.result import REJECT_COLUMNS, ImportResult
from coodiag.userfiles.textfile import listed_lines

# ---------------------------------------------------------------------------------------------
# Building blocks: each returns (parsed values, motif per row or NA)
# ---------------------------------------------------------------------------------------------


class Collector:
    """Reject lines of one file, cell by cell (for a file read in chunks: :meth:`start` each)."""

    def __init__(self, table: RawTable | TableStream) -> None:
        frame = getattr(table, "frame", None)
        rejects = getattr(table, "rejects", [])
        self.frame = frame
        self.rows: list[pd.DataFrame] = [pd.DataFrame(rejects, columns=REJECT_COLUMNS)]
        self.warnings = list(table.warnings)
        self.n_read = (0 if frame is None else len(frame)) + len(rejects)
        self._first = 1  # self.rows[_first:]: the rejects of the current chunk
        # Warnings gathered over the chunks, then written in the order of their first call.
        self._slots: dict[tuple, list] = {}

    def start(self, chunk: RawTable) -> None:
        """Validate the rows of a new chunk of the file (its rejects and warnings kept)."""
        self.frame = chunk.frame
        if chunk.rejects:
            self.rows.append(pd.DataFrame(chunk.rejects, columns=REJECT_COLUMNS))
        self._first = len(self.rows)
        self.n_read += len(chunk.frame) + len(chunk.rejects)
        self.note("lecture", chunk.warnings)

    def note(self, slot: str, texts: list[str]) -> None:
        """Warnings of the current chunk, kept after the earlier chunks' ones of ``slot``."""
        self._slots.setdefault(("note", slot), []).extend(texts)

    def close(self) -> None:
        """Write the warnings gathered over the chunks (once all are read)."""
        for key, value in self._slots.items():
            if key[0] == "note":
                self.warnings += value
            elif value[0]:
                count, lines, (_kind, column, text) = value[0], value[1], key
                shown = listed_lines(lines, total=count)
                self.warnings.append(f"colonne {column}, {count} ligne(s) ({shown}) : {text}")
        self._slots = {}

    def add(self, column: str, motif: pd.Series, *, show_value: bool = True) -> None:
        """Reject the rows where ``motif`` is set, citing ``column``'s cell."""
        bad = motif.notna()
        if not bad.any():
            return
        value = self.frame.loc[bad, column] if show_value and column in self.frame else ""
        self.rows.append(
            pd.DataFrame(
                {
                    "ligne": self.frame.loc[bad, "ligne"],
                    "colonne": column,
                    "valeur": value,
                    "motif": motif[bad],
                }
            )
        )

    def warn_lines(self, column: str, mask: pd.Series, text: str) -> None:
        """A warning about the rows of ``mask`` (kept, but changed): « colonne c, lignes … »,
        written by :meth:`close` (the lines of every chunk counted)."""
        slot = self._slots.setdefault(("lines", column, text), [0, []])
        if not mask.any():
            return
        lines = self.frame.loc[mask, "ligne"]
        slot[0] += len(lines)
        if len(slot[1]) < 5:
            slot[1] += lines.head(5 - len(slot[1])).astype(int).tolist()

    def bad_mask(self) -> pd.Series:
        lines = set()
        for r in self.rows[self._first :]:
            lines |= set(r["ligne"])
        return self.frame["ligne"].isin(lines)

    def rejects(self) -> pd.DataFrame:
        frames = [r for r in self.rows if len(r)]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in REJECT_COLUMNS}).astype(
                {"ligne": "int64"}
            )
        out = pd.concat(frames, ignore_index=True)
        out["ligne"] = out["ligne"].astype("int64")
        for c in ("colonne", "valeur", "motif"):
            out[c] = out[c].astype("string").fillna("")
        return out.sort_values(["ligne", "colonne"], kind="stable").reset_index(drop=True)


def per_value(parser: Callable) -> Callable:
    """An elementwise parser of a column, run once per distinct value then spread over the rows
    (a roster repeats its dates, years and codes: much faster, same result)."""

    @functools.wraps(parser)
    def wrapper(values: pd.Series, *args, **kwargs):
        codes, uniques = pd.factorize(values)
        if 2 * len(uniques) > len(values):
            return parser(values, *args, **kwargs)
        out = parser(pd.Series(uniques, dtype=values.dtype), *args, **kwargs)
        fill = bool((codes < 0).any())
        return tuple(
            pd.Series(o.array.take(codes, allow_fill=fill), index=values.index, name=o.name)
            for o in out
        )

    return wrapper


def _na(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


def reason_where(mask: pd.Series, text: str | pd.Series) -> pd.Series:
    if isinstance(text, str):
        return pd.Series(text, index=mask.index, dtype="string").where(mask)
    return text.astype("string").where(mask)


def first_reason(*motifs: pd.Series) -> pd.Series:
    out = motifs[0]
    for m in motifs[1:]:
        out = out.fillna(m)
    return out


def text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("string").fillna("").str.strip()
    return pd.Series("", index=frame.index, dtype="string")


_DATE_FORMATS = (
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y"),
)
M_DATE_FORMAT = "date au format non reconnu (attendu JJ/MM/AAAA, AAAA-MM-JJ ou JJ-MM-AAAA)"
M_DATE_INVALID = "date inexistante"
M_MISSING = "valeur manquante"


#: Excel's day 0 (serial numbers count days from it, with Lotus' 1900 leap-year bug absorbed).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@per_value
def excel_serial_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates typed as Excel serial numbers (``45292`` = 01/01/2024), a CSV saved from a column
    not formatted as dates: ``(dates, mask)`` for the whole numbers of 1990 to two years ahead."""
    s = values.astype("string").str.strip()
    n = pd.to_numeric(
        s.where(s.str.fullmatch(r"\d{5}").fillna(False).astype(bool)), errors="coerce"
    )
    lo = (pd.Timestamp("1990-01-01") - EXCEL_EPOCH).days
    hi = (pd.Timestamp(dt.date.today().year + 3, 1, 1) - EXCEL_EPOCH).days
    mask = (n >= lo) & (n < hi)
    mask = mask.fillna(False).astype(bool)
    dates = (EXCEL_EPOCH + pd.to_timedelta(n.where(mask), unit="D")).astype("datetime64[us]")
    return dates, mask


@per_value
def parse_dates(values: pd.Series, *, required: bool) -> tuple[pd.Series, pd.Series]:
    """DD/MM/YYYY, YYYY-MM-DD, DD-MM-YYYY; a trailing time (spreadsheet date cells with a time,
    « 2024-01-02 08:30:00 ») is ignored; Excel serial numbers are converted
    (:func:`excel_serial_dates`: say so with :meth:`Collector.warn_lines`)."""
    s = values.str.replace(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", "", regex=True)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    matched = pd.Series(False, index=s.index)
    serial, is_serial = excel_serial_dates(s)
    if is_serial.any():
        out[is_serial] = serial[is_serial]
        matched |= is_serial
    for pattern, fmt in _DATE_FORMATS:
        m = s.str.match(pattern).fillna(False).astype(bool)
        if m.any():
            out[m] = pd.to_datetime(s[m], format=fmt, errors="coerce").astype("datetime64[us]")
            matched |= m
    empty = s == ""
    last = dt.date.today().year + 2
    year = out.dt.year
    motif = first_reason(
        reason_where(empty, M_MISSING) if required else _na(s.index),
        reason_where(~empty & ~matched, M_DATE_FORMAT),
        reason_where(matched & out.isna(), M_DATE_INVALID),
        reason_where(
            out.notna() & ((year < 1990) | (year > last)),
            f"date hors de la plage plausible (1990 à {last})",
        ),
    )
    return out, motif


M_SIRET_DIGITS = "SIRET invalide : 14 chiffres attendus"
M_SIRET_LUHN = "SIRET invalide : clé de contrôle incorrecte (faute de frappe ?)"
M_SIRET_SCI = (
    "SIRET en notation scientifique : chiffres perdus par le tableur (formatez la colonne en "
    "texte et ressaisissez-la)"
)


@per_value
def parse_siret(values: pd.Series, *, required: bool) -> tuple[pd.Series, pd.Series]:
    """Spaces and dots dropped; 14 digits and a valid check key required."""
    s = values.str.replace(r"[\s.\u00a0]", "", regex=True)
    sci = values.str.match(r"^\d(?:[.,]\d+)?[eE]\+?\d+$").fillna(False).astype(bool)
    digits = s.str.fullmatch(codes.SIRET_PATTERN).fillna(False).astype(bool)
    empty = values == ""
    valid = [v for v in s[digits].unique() if codes.is_siret(v)]
    luhn = s.isin(valid).fillna(False).astype(bool) & digits
    motif = first_reason(
        reason_where(empty, M_MISSING) if required else _na(s.index),
        reason_where(sci, M_SIRET_SCI),
        reason_where(~empty & ~digits, M_SIRET_DIGITS),
        reason_where(digits & ~luhn, M_SIRET_LUHN),
    )
    return s.where(digits & luhn), motif


M_NUMBER = "nombre invalide (chiffres attendus, virgule ou point décimal)"


@per_value
def parse_number(values: pd.Series, *, integer: bool = False) -> tuple[pd.Series, pd.Series]:
    """Decimal comma or point, spaces as thousands separators; negative values rejected."""
    s = values.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    ok = s.str.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)").fillna(False).astype(bool)
    num = pd.to_numeric(s.where(ok), errors="coerce").astype("Float64")
    empty = values == ""
    motif = first_reason(
        reason_where(~empty & ~ok, M_NUMBER),
        reason_where(num.fillna(0) < 0, "nombre négatif"),
        reason_where(
            (num.fillna(0) % 1 != 0) if integer else pd.Series(False, index=s.index),
            "nombre entier attendu",
        ),
    )
    return num, motif


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


def finish(
    kind: str,
    table: RawTable,
    col: Collector,
    data: pd.DataFrame,
    *,
    key: list[str] | None,
    personal: bool = False,
    notes: list[str] | None = None,
    n_used: int | None = None,
    dup_motif: Callable[[int], str] | None = None,
) -> ImportResult:
    """Drop rejected rows, reject duplicates (first kept), assemble the result."""
    col.close()
    bad = col.bad_mask()
    good = data[~bad.to_numpy()]
    if key:
        dup = good.duplicated(subset=key, keep="first")
        if dup.any():
            firsts = good[~dup].assign(_k=list(zip(*[good.loc[~dup, k] for k in key], strict=True)))
            first_line = dict(zip(firsts["_k"], firsts["ligne"], strict=True))
            dups = good[dup]
            keys = list(zip(*[dups[k] for k in key], strict=True))
            motif = pd.Series(
                [(dup_motif or dup_text)(int(first_line[k])) for k in keys],
                index=dups.index,
                dtype="string",
            )
            col.rows.append(
                pd.DataFrame(
                    {
                        "ligne": dups["ligne"],
                        "colonne": "",
                        "valeur": "",
                        "motif": motif,
                    }
                )
            )
            good = good[~dup]
    rejects = col.rejects()
    n_read = col.n_read
    n_rejected = rejects["ligne"].nunique()
    result = ImportResult(
        kind=kind,
        path=table.path,
        source=table.source,
        data=good.reset_index(drop=True),
        rejects=rejects,
        warnings=col.warnings,
        n_read=n_read,
        n_used=n_read - n_rejected if n_used is None else n_used,
        n_rejected=n_rejected,
        personal=personal,
        notes=notes or [],
    )
    return result


def dup_text(first: int) -> str:
    return f"doublon de la ligne {first} (ligne identique ignorée)"
