"""Read a user's file (CSV in any common encoding and delimiter, or XLSX) as a table of strings.

Everything is read as text first: codes keep their leading zeros, nothing is guessed as a number
or a date behind the user's back. Typed parsing and row validation live in
:mod:`coodiag.userfiles._validate`.

Line numbers: ``ligne`` is the line the user sees in the file, the header being line 1 in a plain
CSV (a quoted value spanning several lines counts as the line where its record starts), the
spreadsheet row number in an XLSX file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coodiag.errors import DataError

#: Cells an office suite would run as a formula when the file is opened again.
FORMULA_PREFIXES = ("=", "+", "-", "@")
_NUMBER_RE = re.compile(r"^[+-]?\d[\d\s]*(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")
_DELIMITERS = (";", ",", "\t", "|")
_DELIM_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}


def header_key(name: object) -> str:
    """A header reduced for matching: "Code INSEE" / "code_insee" / "CODE-INSÉE" -> "code_insee"."""
    s = unicodedata.normalize("NFKD", str(name).replace("\ufeff", ""))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


@dataclass
class RawTable:
    """A user file read as text, with columns renamed to their canonical names."""

    path: Path
    frame: pd.DataFrame  # canonical columns (strings, "" for empty) + ``ligne`` (int)
    source: str  # French description: format, encoding, delimiter or sheet
    columns_found: list[str]  # the file's own headers, in order
    mapping: dict[str, str]  # file header -> canonical name
    warnings: list[str] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)  # structural rejects (ragged rows)
    formulas: list[tuple[int, str]] = field(default_factory=list)  # (ligne, canonical column)


def is_formula_like(value: str) -> bool:
    """True for a cell a spreadsheet would evaluate ("=SUM(A1)", "@cmd", "+A1"), not "-3,5"."""
    if not value or value[0] not in FORMULA_PREFIXES:
        return False
    if value[0] == "=" or value[0] == "@":
        return True
    return not _NUMBER_RE.match(value.replace("\u00a0", ""))


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """Bytes -> (text, French name): UTF-8 (with or without BOM), UTF-16, cp1252, latin-1."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "UTF-8 avec BOM"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "UTF-16"
    if b"\x00" in raw[:4096]:
        raise DataError(
            f"{name} : fichier illisible : ce n'est ni un fichier texte (CSV) ni un classeur "
            "Excel .xlsx. Enregistrez-le au format CSV UTF-8 ou .xlsx."
        )
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def _sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter giving the most header fields with consistent rows (``;`` wins ties)."""
    best, best_score = ";", (0, 0)
    sample = list(lines[:50])
    for delim in _DELIMITERS:
        rows = list(csv.reader(sample, delimiter=delim))
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows[1:] if r)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _clean_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value).strip()


@dataclass
class _Grid:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    header_line: int
    source: str
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (row index, col index)


def _read_csv_grid(raw: bytes, name: str, compressed: bool) -> _Grid:
    text, encoding = _decode(raw, name)
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    offset = 0
    # ASP extranet exports ("fluxIAE") start with a "DEB..." line of pipes before the header.
    first = lines[0].rstrip("\r\n").split("|") if lines else []
    if len(first) > 2 and first[0].startswith("DEB") and not any(first[1:]):
        offset = 1
    non_empty = [ln for ln in lines[offset : offset + 60] if ln.strip()]
    if not non_empty:
        raise DataError(f"{name} : fichier vide (aucune ligne d'en-tête).")
    delim = _sniff_delimiter(non_empty)
    reader = csv.reader(io.StringIO("".join(lines[offset:])), delimiter=delim)
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    start = offset + 1
    try:
        for record in reader:
            line = start
            start = offset + reader.line_num + 1
            if not record or all(not c.strip() for c in record):
                continue
            if header is None:
                header, header_line = [c.strip() for c in record], line
                continue
            rows.append([c.strip() for c in record])
            numbers.append(line)
    except csv.Error as exc:
        raise DataError(f"{name} : ligne {start} : lecture CSV impossible ({exc}).") from exc
    if header is None:
        raise DataError(f"{name} : fichier vide (aucune ligne d'en-tête).")
    kind = "CSV compressé (gzip)" if compressed else "CSV"
    source = f"{kind}, encodage {encoding}, séparateur {_DELIM_NAMES[delim]} « {delim} »".replace(
        "« \t »", "(tab)"
    )
    return _Grid(header, rows, numbers, header_line, source)


def _sheet_grid(ws, name: str) -> _Grid | None:
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    formulas: set[tuple[int, int]] = set()
    for idx, row in enumerate(ws.iter_rows(), start=1):
        values = []
        fcols = []
        for j, cell in enumerate(row):
            v = cell.value
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(v, str) and v.startswith("=")
            ):
                fcols.append(j)
                v = str(v) if not isinstance(v, str) else v
            values.append(_clean_cell(v))
        if not any(values):
            continue
        if header is None:
            header, header_line = values, idx
            continue
        for j in fcols:
            formulas.add((len(rows), j))
        rows.append(values)
        numbers.append(idx)
    if header is None:
        return None
    while header and header[-1] == "":
        header.pop()
    return _Grid(header, rows, numbers, header_line, "", formulas)


def _read_xlsx_grids(raw: bytes, name: str) -> list[tuple[str, _Grid | None]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError(f"{name} : classeur Excel illisible ({exc}).") from exc
    try:
        return [(ws.title, _sheet_grid(ws, name)) for ws in wb.worksheets]
    finally:
        wb.close()


def _map_columns(
    header: Sequence[str], synonyms: Mapping[str, Iterable[str]]
) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """File columns -> canonical names. Returns (index -> canonical, header -> canonical, dups)."""
    lookup: dict[str, str] = {}
    for canonical, names in synonyms.items():
        lookup[header_key(canonical)] = canonical
        for n in names:
            lookup.setdefault(header_key(n), canonical)
    by_index: dict[int, str] = {}
    by_name: dict[str, str] = {}
    duplicates = []
    for i, h in enumerate(header):
        canonical = lookup.get(header_key(h))
        if canonical is None:
            continue
        if canonical in by_index.values():
            duplicates.append(h)
            continue
        by_index[i] = canonical
        by_name[h] = canonical
    return by_index, by_name, duplicates


def _missing(present: set[str], required: Sequence[Sequence[str]]) -> list[str]:
    """Requirement groups (any one column of a group suffices) not met, worded in French."""
    out = []
    for group in required:
        if not any(c in present for c in group):
            out.append(" ou ".join(f"« {c} »" for c in group))
    return out


def read_table(
    path: Path | str,
    *,
    synonyms: Mapping[str, Iterable[str]],
    required: Sequence[Sequence[str]],
    label: str,
) -> RawTable:
    """Read a user file and map its headers to canonical column names.

    Parameters
    ----------
    path : path-like
        A CSV (UTF-8 with or without BOM, UTF-16, Windows-1252, Latin-1; ``;``, ``,``, tab or
        ``|`` delimiter; optionally gzip-compressed) or an XLSX workbook.
    synonyms : mapping
        Canonical column -> accepted header variants (compared after :func:`header_key`).
    required : sequence of sequences
        Requirement groups: at least one column of each group must be present.
    label : str
        The format's French name, for messages ("salariés en parcours").

    Returns
    -------
    RawTable
        Only mapped columns are kept (others are listed in a warning), all as strings.

    Raises
    ------
    DataError
        Unreadable, empty or header-less file, or a required column missing (the message lists
        the columns found and the ones expected).
    """
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{name} : fichier illisible ({exc.strerror or exc}).") from exc
    if not raw.strip():
        raise DataError(f"{name} : fichier vide.")
    compressed = raw[:2] == b"\x1f\x8b"
    if compressed:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{name} : archive gzip illisible ({exc}).") from exc
    expected = ", ".join(synonyms)
    warnings: list[str] = []
    if raw[:4] == b"PK\x03\x04":
        sheets = _read_xlsx_grids(raw, name)
        chosen = None
        seen = []
        for title, grid in sheets:
            if grid is None:
                seen.append(f"« {title} » (vide)")
                continue
            by_index, _, _ = _map_columns(grid.header, synonyms)
            if not _missing(set(by_index.values()), required):
                chosen = (title, grid)
                break
            seen.append(f"« {title} » ({', '.join(h for h in grid.header if h) or 'aucune'})")
        if chosen is None:
            if all(g is None for _t, g in sheets):
                raise DataError(f"{name} : classeur vide (aucune feuille ne contient de données).")
            raise DataError(
                f"{name} : aucune feuille ne contient les colonnes attendues pour le format "
                f"{label}. Feuilles et colonnes trouvées : {' ; '.join(seen)}. Colonnes "
                f"attendues : {expected} (voir docs/formats.md)."
            )
        title, grid = chosen
        grid.source = f"classeur Excel, feuille « {title} »"
        if len(sheets) > 1:
            warnings.append(
                f"Classeur de {len(sheets)} feuilles : feuille « {title} » utilisée (la première "
                "dont l'en-tête correspond au format)."
            )
    elif raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(
            f"{name} : ancien format Excel (.xls) non pris en charge : enregistrez le classeur "
            "au format .xlsx ou CSV UTF-8."
        )
    else:
        grid = _read_csv_grid(raw, name, compressed)
    by_index, by_name, _dups = _map_columns(grid.header, synonyms)
    missing = _missing(set(by_index.values()), required)
    if missing:
        found = ", ".join(f"« {h} »" for h in grid.header if h) or "aucune"
        raise DataError(
            f"{name} : colonne obligatoire absente pour le format {label} : "
            f"{' ; '.join(missing)}. Colonnes trouvées : {found}. Colonnes attendues : "
            f"{expected} (voir docs/formats.md)."
        )
    ignored = [h for i, h in enumerate(grid.header) if h and i not in by_index]
    if ignored and len(ignored) <= 15:
        warnings.append(f"Colonnes ignorées : {', '.join(ignored)}.")
    elif ignored:
        warnings.append(f"{len(ignored)} colonnes ignorées (non utilisées par le format {label}).")
    width = len(grid.header)
    rejects: list[dict] = []
    keep: list[int] = []
    for k, row in enumerate(grid.rows):
        if len(row) > width and any(row[width:]):
            rejects.append(
                {
                    "ligne": grid.lines[k],
                    "colonne": "",
                    "valeur": "",
                    "motif": f"ligne de {len(row)} champs pour {width} colonnes d'en-tête "
                    "(séparateur ou guillemet en trop dans une valeur ?)",
                }
            )
        else:
            keep.append(k)
    rows = [grid.rows[k] for k in keep]
    keep_lines = [grid.lines[k] for k in keep]
    cols = {c: [r[i] if i < len(r) else "" for r in rows] for i, c in by_index.items()}
    formulas: list[tuple[int, str]] = []
    kept_pos = {k: pos for pos, k in enumerate(keep)}
    flagged = {(kept_pos[k], i) for k, i in grid.formula_cells if k in kept_pos}
    for i, c in by_index.items():
        for pos, value in enumerate(cols[c]):
            if (pos, i) in flagged or (value[:1] in FORMULA_PREFIXES and is_formula_like(value)):
                formulas.append((keep_lines[pos], c))
    formulas.sort()
    frame = pd.DataFrame(cols, dtype="string") if cols else pd.DataFrame(index=range(0))
    frame = frame.fillna("")
    frame["ligne"] = pd.array(keep_lines, dtype="int64")
    if not grid.rows:
        warnings.append(f"{name} : en-tête seul, aucune ligne de données.")
    for line, c in formulas:
        warnings.append(
            f"ligne {line}, colonne {c} : cellule commençant par « = », « + », « - » ou « @ » "
            "(formule ?), lue comme du texte."
        )
    return RawTable(
        path=path,
        frame=frame,
        source=grid.source,
        columns_found=list(grid.header),
        mapping=by_name,
        warnings=warnings,
        rejects=rejects,
        formulas=formulas,
    )
