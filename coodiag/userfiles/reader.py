"""Read a user's file (CSV in any common encoding and delimiter, or XLSX) as a table of strings.

Everything is read as text first: codes keep their leading zeros, nothing is guessed as a number
or a date behind the user's back. Typed parsing and row validation live in
:mod:`coodiag.userfiles._validate`.

A file is read in chunks of :data:`CHUNK_ROWS` rows (:func:`iter_table`), so that a roster of a
gigabyte is imported in bounded memory; :func:`read_table` gathers the chunks of the small
formats into one table.

Line numbers: ``ligne`` is the line the user sees in the file, the header being line 1 in a plain
CSV (a quoted value spanning several lines counts as the line where its record starts), the
spreadsheet row number in an XLSX file.
"""

from __future__ import annotations

import gzip
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coodiag.errors import DataError, os_reason
from coodiag.userfiles.textfile import (
    BLOCK_BYTES,
    READ_ERRORS,
    Records,
    grid_records,
    read_csv_records,
)
from coodiag.userfiles.workbook import is_html, is_ods, read_ods_grids, read_xlsx_grids

#: Cells an office suite would run as a formula when the file is opened again.
FORMULA_PREFIXES = ("=", "+", "-", "@")
_NUMBER_RE = re.compile(r"^[+-]?\d[\d\s]*(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")
#: Rows validated at a time: a file is never held whole in memory as Python strings.
CHUNK_ROWS = 50_000
#: Bytes looked at to recognise a file's kind (BOM, gzip, zip, HTML, UTF-16).
HEAD_BYTES = 4096


def header_key(name: object) -> str:
    """A header reduced for matching: "Code INSEE" / "code_insee" / "CODE-INSÉE" -> "code_insee"."""
    s = unicodedata.normalize("NFKD", str(name).replace("\ufeff", ""))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


@dataclass
class RawTable:
    """A user file (or one chunk of it) read as text, columns renamed to their canonical names."""

    path: Path
    frame: pd.DataFrame  # canonical columns (strings, "" for empty) + ``ligne`` (int)
    source: str  # French description: format, encoding, delimiter or sheet
    columns_found: list[str]  # the file's own headers, in order
    mapping: dict[str, str]  # file header -> canonical name
    warnings: list[str] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)  # structural rejects (ragged rows)
    formulas: list[tuple[int, str]] = field(default_factory=list)  # (ligne, canonical column)


@dataclass
class TableStream:
    """A user file being read chunk by chunk: iterate it for :class:`RawTable` chunks (the last
    one may be empty). ``warnings`` are the file's own (sheet, ignored columns); each chunk
    carries its rows' warnings. ``source`` is complete once every chunk is read."""

    path: Path
    columns_found: list[str]
    mapping: dict[str, str]
    warnings: list[str]
    records: Records
    chunks: Iterator[RawTable]

    @property
    def source(self) -> str:
        return self.records.source

    @property
    def max_rows(self) -> int:
        """About the most rows the file may hold (to reserve memory once; 0: unknown)."""
        return self.records.max_rows

    def __iter__(self) -> Iterator[RawTable]:
        return self.chunks


def is_formula_like(value: str) -> bool:
    """True for a cell a spreadsheet would evaluate ("=SUM(A1)", "@cmd", "+A1"), not "-3,5"."""
    if not value or value[0] not in FORMULA_PREFIXES:
        return False
    if value[0] == "=" or value[0] == "@":
        return True
    return not _NUMBER_RE.match(value.replace("\u00a0", ""))


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


def _open_records(
    path: Path, synonyms: Mapping[str, Iterable[str]], required: Sequence[Sequence[str]], label: str
) -> tuple[Records, list[str]]:
    """Recognise the file's kind and open it as :class:`Records` (+ the sheet warning)."""
    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
            blank = not head.strip()
            while blank and (more := fh.read(BLOCK_BYTES)):
                blank = not more.strip()
    except OSError as exc:
        raise DataError(f"{name} : fichier illisible ({os_reason(exc)}).") from exc
    if blank:
        raise DataError(f"{name} : fichier vide.")
    compressed = head[:2] == b"\x1f\x8b"

    def opener():
        return gzip.open(path, "rb") if compressed else path.open("rb")

    if compressed:
        try:
            with opener() as fh:
                head = fh.read(HEAD_BYTES)
        except READ_ERRORS as exc:
            raise DataError(f"{name} : archive gzip illisible ({os_reason(exc)}).") from exc
    expected = ", ".join(synonyms)
    warnings: list[str] = []
    if is_html(head):
        raise DataError(
            f"{name} : ce fichier est une page web (HTML), pas un classeur Excel, même si son nom "
            "se termine par .xls (export d'un site ou d'un logiciel) : ouvrez-le dans un tableur "
            "et enregistrez-le au format .xlsx ou CSV UTF-8."
        )
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(
            f"{name} : ancien format Excel (.xls) non pris en charge : enregistrez le classeur "
            "au format .xlsx ou CSV UTF-8."
        )
    if head[:4] != b"PK\x03\x04":
        try:
            return read_csv_records(opener, head, name, compressed), warnings
        except READ_ERRORS as exc:
            what = "archive gzip illisible" if compressed else "fichier illisible"
            raise DataError(f"{name} : {what} ({os_reason(exc)}).") from exc
    try:
        with opener() as fh:
            raw = fh.read()
    except READ_ERRORS as exc:
        raise DataError(f"{name} : archive gzip illisible ({os_reason(exc)}).") from exc
    ods = is_ods(raw)
    sheets = read_ods_grids(raw, name) if ods else read_xlsx_grids(raw, name)
    del raw
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
    grid.source = f"classeur {'LibreOffice' if ods else 'Excel'}, feuille « {title} »"
    if len(sheets) > 1:
        warnings.append(
            f"Classeur de {len(sheets)} feuilles : feuille « {title} » utilisée (la première "
            "dont l'en-tête correspond au format)."
        )
    return grid_records(grid), warnings


def _chunk(
    rows: list[list[str]],
    lines: list[int],
    by_index: Mapping[int, str],
    flagged: set[tuple[int, int]],
) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Rows of cells -> (frame of the mapped columns, stripped, + ``ligne``; formula cells)."""
    columns = list(itertools.zip_longest(*rows, fillvalue="")) if rows else []
    blank = ("",) * len(rows)
    data = {}
    for i, c in by_index.items():
        values = pd.Series(pd.array(columns[i] if i < len(columns) else blank, dtype="string"))
        data[c] = values.str.strip()
    del columns
    frame = pd.DataFrame(data) if data else pd.DataFrame(index=range(len(rows)))
    frame["ligne"] = pd.array(lines, dtype="int64")
    formulas: list[tuple[int, str]] = []
    marked = {(line, i) for line, i in flagged if i in by_index}
    for i, c in by_index.items():
        s = frame[c]
        maybe = s.str[:1].isin(FORMULA_PREFIXES).to_numpy(dtype=bool)
        for line, value in zip(frame["ligne"][maybe], s[maybe], strict=True):
            if (line, i) not in marked and is_formula_like(value):
                formulas.append((int(line), c))
    if marked:
        at = set(lines)
        formulas += [(line, by_index[i]) for line, i in marked if line in at]
    return frame, sorted(set(formulas))


def iter_table(
    path: Path | str,
    *,
    synonyms: Mapping[str, Iterable[str]],
    required: Sequence[Sequence[str]],
    label: str,
) -> TableStream:
    """Open a user file, map its headers to canonical column names, read it in chunks.

    Same parameters and errors as :func:`read_table` (errors in a row, such as a stray quote,
    are raised while iterating). Each chunk holds at most :data:`CHUNK_ROWS` rows.
    """
    path = Path(path)
    name = path.name
    records, warnings = _open_records(path, synonyms, required, label)
    expected = ", ".join(synonyms)
    warnings += records.warnings
    header = records.header
    by_index, by_name, _dups = _map_columns(header, synonyms)
    missing = _missing(set(by_index.values()), required)
    if missing:
        records.close()
        found = ", ".join(f"« {h} »" for h in header if h) or "aucune"
        raise DataError(
            f"{name} : colonne obligatoire absente pour le format {label} : "
            f"{' ; '.join(missing)}. Colonnes trouvées : {found}. Colonnes attendues : "
            f"{expected} (voir docs/formats.md)."
        )
    ignored = [h for i, h in enumerate(header) if h and i not in by_index]
    if ignored and len(ignored) <= 15:
        warnings.append(f"Colonnes ignorées : {', '.join(ignored)}.")
    elif ignored:
        warnings.append(f"{len(ignored)} colonnes ignorées (non utilisées par le format {label}).")
    width = len(header)

    def chunks() -> Iterator[RawTable]:
        size = max(1, CHUNK_ROWS)
        rows: list[list[str]] = []
        lines: list[int] = []
        rejects: list[dict] = []
        seen = 0
        done = False
        records_it = records.records
        while not done:
            for record, line in records_it:
                seen += 1
                if len(record) > width and any(c.strip() for c in record[width:]):
                    rejects.append(
                        {
                            "ligne": line,
                            "colonne": "",
                            "valeur": "",
                            "motif": f"ligne de {len(record)} champs pour {width} colonnes "
                            "d'en-tête (séparateur ou guillemet en trop dans une valeur ?)",
                        }
                    )
                    continue
                rows.append(record)
                lines.append(line)
                if len(rows) >= size:
                    break
            else:
                done = True
            frame, formulas = _chunk(rows, lines, by_index, records.formula_lines)
            chunk_warnings = [
                f"ligne {line}, colonne {c} : cellule commençant par « = », « + », « - » ou "
                "« @ » (formule ?), lue comme du texte."
                for line, c in formulas
            ]
            if done and not seen:
                chunk_warnings.append(f"{name} : en-tête seul, aucune ligne de données.")
            yield RawTable(
                path,
                frame,
                records.source,
                list(header),
                by_name,
                chunk_warnings,
                rejects,
                formulas,
            )
            rows, lines, rejects = [], [], []

    return TableStream(path, list(header), by_name, warnings, records, chunks())


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
    stream = iter_table(path, synonyms=synonyms, required=required, label=label)
    parts = list(stream)
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    return RawTable(
        path=stream.path,
        frame=frame,
        source=stream.source,
        columns_found=stream.columns_found,
        mapping=stream.mapping,
        warnings=stream.warnings + [w for p in parts for w in p.warnings],
        rejects=[r for p in parts for r in p.rejects],
        formulas=[f for p in parts for f in p.formulas],
    )
