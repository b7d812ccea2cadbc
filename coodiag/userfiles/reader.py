"""Read a user's file (CSV in any common encoding and delimiter, or XLSX) as a table of strings.

Everything is read as text first: codes keep their leading zeros, nothing is guessed as a number
or a date behind the user's back. Typed parsing and row validation live in
:mod:`coodiag.userfiles._validate`.

Line numbers: ``ligne`` is the line the user sees in the file, the header being line 1 in a plain
CSV (a quoted value spanning several lines counts as the line where its record starts), the
spreadsheet row number in an XLSX file.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coodiag.errors import DataError, os_reason
from coodiag.userfiles.textfile import read_csv_grid
from coodiag.userfiles.workbook import is_html, is_ods, read_ods_grids, read_xlsx_grids

#: Cells an office suite would run as a formula when the file is opened again.
FORMULA_PREFIXES = ("=", "+", "-", "@")
_NUMBER_RE = re.compile(r"^[+-]?\d[\d\s]*(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


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
        raise DataError(f"{name} : fichier illisible ({os_reason(exc)}).") from exc
    if not raw.strip():
        raise DataError(f"{name} : fichier vide.")
    compressed = raw[:2] == b"\x1f\x8b"
    if compressed:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{name} : archive gzip illisible ({os_reason(exc)}).") from exc
    expected = ", ".join(synonyms)
    warnings: list[str] = []
    if is_html(raw):
        raise DataError(
            f"{name} : ce fichier est une page web (HTML), pas un classeur Excel, même si son nom "
            "se termine par .xls (export d'un site ou d'un logiciel) : ouvrez-le dans un tableur "
            "et enregistrez-le au format .xlsx ou CSV UTF-8."
        )
    if raw[:4] == b"PK\x03\x04":
        ods = is_ods(raw)
        sheets = read_ods_grids(raw, name) if ods else read_xlsx_grids(raw, name)
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
    elif raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(
            f"{name} : ancien format Excel (.xls) non pris en charge : enregistrez le classeur "
            "au format .xlsx ou CSV UTF-8."
        )
    else:
        grid = read_csv_grid(raw, name, compressed)
    warnings += grid.warnings
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
