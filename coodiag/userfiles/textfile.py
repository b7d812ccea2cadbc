"""A user's text file (CSV) read as a grid of strings: encoding, line ends, delimiter, quotes.

What people really have: UTF-8 with or without BOM, UTF-16 with or without BOM, Windows-1252,
Latin-1, Mac Roman; CR-only line ends (old Mac exports), CRLF or LF; ``;``, ``,``, tab or ``|``.
Two encodings mixed in one file (lines pasted from another export) are diagnosed with their line
numbers instead of being decoded into mojibake. A stray double quote that would silently swallow
the following lines into one value stops the import with the line of the opening quote: the
physical lines are counted as well as the parsed records.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from coodiag.errors import DataError

DELIMITERS = (";", ",", "\t", "|")
DELIM_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
#: The longest value a CSV cell may hold (the csv module's own limit, stated in French).
FIELD_LIMIT = csv.field_size_limit()
#: How many line numbers a message lists before « … ».
MAX_LINES_LISTED = 5


@dataclass
class Grid:
    """A table read as text: header, rows, the line of each row, where it came from."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    header_line: int
    source: str
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (row index, col index)
    warnings: list[str] = field(default_factory=list)


def _listed(lines: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:MAX_LINES_LISTED])
    return shown + (" …" if len(lines) > MAX_LINES_LISTED else "")


def _utf16_without_bom(raw: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` when the bytes look like UTF-16 text without a BOM."""
    head = raw[:4096]
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if zero_odd > 0.3 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.3 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def _mixed_encodings(raw: bytes, name: str) -> None:
    """Stop when some lines are UTF-8 and others another encoding (lines named)."""
    utf8, other = [], []
    physical = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    for number, line in enumerate(physical, 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(number)
        except UnicodeDecodeError:
            other.append(number)
    if utf8 and other:
        raise DataError(
            f"{name} : le fichier mélange deux encodages : UTF-8 (lignes {_listed(utf8)}) et un "
            f"autre encodage, probablement Windows-1252 (lignes {_listed(other)}). Les accents "
            "seraient mal lus : ouvrez le fichier dans un tableur et enregistrez-le au format "
            "CSV UTF-8."
        )


def _looks_mac_roman(raw: bytes) -> bool:
    """Mac Roman puts French accented letters in 0x80-0x9F, Windows-1252/Latin-1 in 0xC0-0xFF."""
    high = sum(raw.count(bytes([b])) for b in range(0xC0, 0x100))
    mac = sum(raw.count(bytes([b])) for b in (0x8E, 0x8F, 0x88, 0x8D, 0x90, 0x99, 0x9D, 0x94, 0x83))
    return mac > 0 and mac > 2 * high


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """Bytes -> (text, French name of the encoding)."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "UTF-8 avec BOM"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "UTF-16"
    utf16 = _utf16_without_bom(raw)
    if utf16:
        try:
            return raw.decode(utf16), "UTF-16 sans BOM"
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw[:4096]:
        raise DataError(
            f"{name} : fichier illisible : ce n'est ni un fichier texte (CSV) ni un classeur "
            "(.xlsx, .ods). Enregistrez-le au format CSV UTF-8 ou .xlsx."
        )
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    _mixed_encodings(raw, name)
    if _looks_mac_roman(raw):
        return raw.decode("mac_roman"), "Mac Roman"
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter giving the most header fields with consistent rows (``;`` wins ties)."""
    best, best_score = ";", (0, 0)
    sample = [ln[:10_000] for ln in lines[:50]]
    for delim in DELIMITERS:
        rows = list(csv.reader(sample, delimiter=delim))
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows[1:] if r)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _unclosed_quote(name: str, first: int, last: int) -> DataError:
    return DataError(
        f"{name} : ligne {first} : guillemet « \" » ouvert et jamais refermé : les lignes "
        f"{first + 1} à {last} ont été lues comme une seule valeur. Supprimez ou doublez ce "
        "guillemet (« \"\" ») puis réimportez le fichier : aucune ligne n'a été importée."
    )


def read_csv_grid(raw: bytes, name: str, compressed: bool) -> Grid:
    """Parse a CSV (already decompressed) into a :class:`Grid`; line numbers as the user sees
    them (the header is line 1; a record spanning several lines counts at its first line)."""
    text, encoding = decode(raw, name)
    text = text.lstrip("\ufeff")
    line_ends = "LF"
    if "\r" in text:
        line_ends = "CRLF" if "\r\n" in text else "CR"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    offset = 0
    # ASP extranet exports ("fluxIAE") start with a "DEB..." line of pipes before the header.
    first = lines[0].split("|") if lines else []
    if len(first) > 2 and first[0].startswith("DEB") and not any(first[1:]):
        offset = 1
    non_empty = [ln for ln in lines[offset : offset + 60] if ln.strip()]
    if not non_empty:
        raise DataError(f"{name} : fichier vide (aucune ligne d'en-tête).")
    delim = sniff_delimiter(non_empty)
    reader = csv.reader(io.StringIO("\n".join(lines[offset:])), delimiter=delim)
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    start = offset + 1
    line = start
    try:
        for record in reader:
            line = start
            start = offset + reader.line_num + 1
            span = start - line
            if span > 1 and header is not None:
                swallowed = lines[line : start - 1]  # physical lines after the first one
                if any(ln.count(delim) >= len(header) - 1 for ln in swallowed):
                    raise _unclosed_quote(name, line, start - 1)
            if not record or all(not c.strip() for c in record):
                continue
            if header is None:
                header, header_line = [c.strip() for c in record], line
                continue
            rows.append([c.strip() for c in record])
            numbers.append(line)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise DataError(
                f"{name} : ligne {start} : valeur de plus de {FIELD_LIMIT:,} caractères".replace(
                    ",", "\u202f"
                )
                + " : un guillemet « \" » est probablement ouvert et jamais refermé à partir de "
                "cette ligne ; corrigez-le puis réimportez le fichier."
            ) from exc
        raise DataError(f"{name} : ligne {start} : lecture CSV impossible ({exc}).") from exc
    if header is None:
        raise DataError(f"{name} : fichier vide (aucune ligne d'en-tête).")
    kind = "CSV compressé (gzip)" if compressed else "CSV"
    source = f"{kind}, encodage {encoding}, séparateur {DELIM_NAMES[delim]} « {delim} »".replace(
        "« \t »", "(tab)"
    )
    if line_ends == "CR":
        source += ", fins de ligne Mac (CR)"
    return Grid(header, rows, numbers, header_line, source)
