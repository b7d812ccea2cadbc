"""A user's text file (CSV) read as a stream of records: encoding, line ends, delimiter, quotes.

What people really have: UTF-8 with or without BOM, UTF-16 with or without BOM, Windows-1252,
Latin-1, Mac Roman; CR-only line ends (old Mac exports), CRLF or LF; ``;``, ``,``, tab or ``|``.
Two encodings mixed in one file (lines pasted from another export) are diagnosed with their line
numbers instead of being decoded into mojibake. A stray double quote that would silently swallow
the following lines into one value stops the import with the line of the opening quote: the
physical lines are counted as well as the parsed records.

The file is never held whole in memory: a first pass over its bytes (in blocks) chooses the
encoding, a second one decodes and parses it record by record (:func:`read_csv_records`), so
that a roster of a gigabyte is read in bounded memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from coodiag.errors import DataError, os_reason

DELIMITERS = (";", ",", "\t", "|")
DELIM_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
#: The longest value a CSV cell may hold (the csv module's own limit, stated in French).
FIELD_LIMIT = csv.field_size_limit()
#: How many line numbers a message lists before « … ».
MAX_LINES_LISTED = 5
#: Bytes read at a time when scanning a file.
BLOCK_BYTES = 1 << 23
#: Bytes that Windows-1252 leaves undefined (a file holding them is Latin-1).
_CP1252_HOLES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_MAC_LETTERS = (0x8E, 0x8F, 0x88, 0x8D, 0x90, 0x99, 0x9D, 0x94, 0x83)
#: Exceptions a (possibly gzip-compressed) file may raise while being read.
READ_ERRORS = (OSError, EOFError, zlib.error)

Opener = Callable[[], BinaryIO]


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


@dataclass
class Records:
    """A table read record by record: header, then ``(cells, line)`` pairs (cells unstripped)."""

    header: list[str]
    header_line: int
    source: str
    records: Iterator[tuple[list[str], int]]
    formula_lines: set[tuple[int, int]] = field(default_factory=set)  # (line, col index)
    warnings: list[str] = field(default_factory=list)
    close: Callable[[], None] = lambda: None  # the file, when the records are not read
    max_rows: int = 0  # about the most records the file may hold (0: unknown)


def grid_records(grid: Grid) -> Records:
    """A workbook sheet's :class:`Grid` as :class:`Records`."""
    flagged = {(grid.lines[k], j) for k, j in grid.formula_cells}
    return Records(
        grid.header,
        grid.header_line,
        grid.source,
        zip(grid.rows, grid.lines, strict=True),
        flagged,
        grid.warnings,
        max_rows=len(grid.rows),
    )


def listed_lines(lines: Sequence[int], *, total: int | None = None,
                 limit: int = MAX_LINES_LISTED) -> str:
    """Line numbers for a message: the first ``limit``, then « … » when there are more
    (``total``: how many there are, when only the first ones were kept)."""
    lines = [int(n) for n in lines]
    count = len(lines) if total is None else total
    return ", ".join(map(str, lines[:limit])) + (" …" if count > limit else "")


def _blocks(opener: Opener) -> Iterator[bytes]:
    with opener() as fh:
        while block := fh.read(BLOCK_BYTES):
            yield block


def _line_ends(opener: Opener) -> int:
    """About the number of physical lines (line-end bytes counted; enough for a CRLF file)."""
    lf = cr = 0
    for block in _blocks(opener):
        lf += block.count(b"\n")
        cr += block.count(b"\r")
    return max(lf, cr) + 1


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


def _decodes(opener: Opener, codec: str, skip: int = 0) -> bool:
    """True when the whole file decodes with ``codec`` (read in blocks)."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for n, block in enumerate(_blocks(opener)):
            decoder.decode(block[skip:] if n == 0 else block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _physical_lines(opener: Opener) -> Iterator[bytes]:
    """The file's physical lines as bytes (CR, LF and CRLF ends), read in blocks."""
    rest = b""
    for block in _blocks(opener):
        block = rest + block
        cut = len(block) - 1 if block.endswith(b"\r") else len(block)  # a CRLF split in two
        parts = block[:cut].replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        rest = parts.pop() + block[cut:]
        yield from parts
    if rest:
        yield from rest.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")


def _mixed_encodings(opener: Opener, name: str) -> None:
    """Stop when some lines are UTF-8 and others another encoding (lines named)."""
    utf8, other = [], []
    for number, line in enumerate(_physical_lines(opener), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(number)
        except UnicodeDecodeError:
            other.append(number)
    if utf8 and other:
        raise DataError(
            f"{name} : le fichier mélange deux encodages : UTF-8 (lignes "
            f"{listed_lines(utf8)}) et un autre encodage, probablement Windows-1252 (lignes "
            f"{listed_lines(other)}). Les accents "
            "seraient mal lus : ouvrez le fichier dans un tableur et enregistrez-le au format "
            "CSV UTF-8."
        )


def _byte_counts(opener: Opener) -> list[int]:
    counts = [0] * 256
    for block in _blocks(opener):
        for b in range(0x80, 0x100):
            counts[b] += block.count(b)
    return counts


def _looks_mac_roman(counts: Sequence[int]) -> bool:
    """Mac Roman puts French accented letters in 0x80-0x9F, Windows-1252/Latin-1 in 0xC0-0xFF."""
    high = sum(counts[0xC0:0x100])
    mac = sum(counts[b] for b in _MAC_LETTERS)
    return mac > 0 and mac > 2 * high


def sniff_encoding(opener: Opener, head: bytes, name: str) -> tuple[str, str]:
    """(Python codec, French name of the encoding) of a text file, scanned in blocks."""
    if head.startswith(codecs.BOM_UTF8) and _decodes(opener, "utf-8", len(codecs.BOM_UTF8)):
        return "utf-8-sig", "UTF-8 avec BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if not _decodes(opener, "utf-16"):
            raise DataError(f"{name} : fichier UTF-16 illisible (octets invalides).")
        return "utf-16", "UTF-16"
    utf16 = _utf16_without_bom(head)
    if utf16 and _decodes(opener, utf16):
        return utf16, "UTF-16 sans BOM"
    if b"\x00" in head[:4096]:
        raise DataError(
            f"{name} : fichier illisible : ce n'est ni un fichier texte (CSV) ni un classeur "
            "(.xlsx, .ods). Enregistrez-le au format CSV UTF-8 ou .xlsx."
        )
    if _decodes(opener, "utf-8"):
        return "utf-8", "UTF-8"
    _mixed_encodings(opener, name)
    counts = _byte_counts(opener)
    if _looks_mac_roman(counts):
        return "mac_roman", "Mac Roman"
    if not any(counts[b] for b in _CP1252_HOLES):
        return "cp1252", "Windows-1252"
    return "latin-1", "Latin-1 (ISO-8859-1)"


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
        f'{name} : ligne {first} : guillemet « " » ouvert et jamais refermé : les lignes '
        f"{first + 1} à {last} ont été lues comme une seule valeur. Supprimez ou doublez ce "
        'guillemet (« "" ») puis réimportez le fichier : aucune ligne n\'a été importée.'
    )


def _too_long(name: str, line: int) -> DataError:
    return DataError(
        f"{name} : ligne {line} : valeur de plus de {FIELD_LIMIT:,} caractères".replace(
            ",", "\u202f"
        )
        + ' : un guillemet « " » est probablement ouvert et jamais refermé à partir de '
        "cette ligne ; corrigez-le puis réimportez le fichier."
    )


def read_csv_records(opener: Opener, head: bytes, name: str, compressed: bool) -> Records:
    """Open a CSV (``opener`` gives its decompressed bytes) as :class:`Records`; line numbers as
    the user sees them (the header is line 1; a record spanning several lines counts at its first
    line). The records are parsed lazily: a stray quote or an over-long value raises
    :class:`DataError` while iterating; ``source`` is complete once they are all read."""
    codec, encoding = sniff_encoding(opener, head, name)
    fh = opener()
    # Universal newlines: CR, LF and CRLF all end a line (inside quoted values too).
    text = io.TextIOWrapper(fh, encoding=codec, newline=None)
    try:
        first = text.readline().lstrip("\ufeff")
        offset = 0
        # ASP extranet exports ("fluxIAE") start with a "DEB..." line of pipes before the header.
        cells = first.rstrip("\n").split("|")
        if len(cells) > 2 and cells[0].startswith("DEB") and not any(cells[1:]):
            offset, first = 1, text.readline()
        sample = [first] + [ln for ln in itertools.islice(text, 59) if ln]
        sample = [ln for ln in sample if ln]
    except READ_ERRORS as exc:
        fh.close()
        raise DataError(f"{name} : lecture impossible ({os_reason(exc)}).") from exc
    non_empty = [ln.rstrip("\n") for ln in sample if ln.strip()]
    if not non_empty:
        fh.close()
        raise DataError(f"{name} : fichier vide (aucune ligne d'en-tête).")
    delim = sniff_delimiter(non_empty)
    reader = csv.reader(itertools.chain(sample, text), delimiter=delim)
    header: list[str] | None = None
    header_line = 0
    start = offset + 1
    try:
        for record in reader:
            line, start = start, offset + reader.line_num + 1
            if not record or not "".join(record).strip():
                continue
            header, header_line = [c.strip() for c in record], line
            break
    except csv.Error as exc:
        fh.close()
        if "field larger than field limit" in str(exc):
            raise _too_long(name, start) from exc
        reason = os_reason(exc)
        raise DataError(f"{name} : ligne {start} : lecture CSV impossible ({reason}).") from exc
    if header is None:
        fh.close()
        raise DataError(f"{name} : fichier vide (aucune ligne d'en-tête).")
    kind = "CSV compressé (gzip)" if compressed else "CSV"
    source = f"{kind}, encodage {encoding}, séparateur {DELIM_NAMES[delim]} « {delim} »".replace(
        "« \t »", "(tab)"
    )
    width = len(header)

    def records() -> Iterator[tuple[list[str], int]]:
        line = start
        try:
            for record in reader:
                first, line = line, offset + reader.line_num + 1
                if line - first > 1:
                    # The physical lines after the record's first one (its values' line ends).
                    swallowed = delim.join(record).split("\n")[1:]
                    if any(ln.count(delim) >= width - 1 for ln in swallowed):
                        raise _unclosed_quote(name, first, line - 1)
                if not record or not "".join(record).strip():
                    continue
                yield record, first
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _too_long(name, line) from exc
            reason = os_reason(exc)
            raise DataError(f"{name} : ligne {line} : lecture CSV impossible ({reason}).") from exc
        except UnicodeDecodeError as exc:
            reason = os_reason(exc)
            raise DataError(f"{name} : ligne {line} : encodage illisible ({reason}).") from exc
        except READ_ERRORS as exc:
            raise DataError(f"{name} : lecture impossible ({os_reason(exc)}).") from exc
        finally:
            newlines = text.newlines or ()
            kinds = {newlines} if isinstance(newlines, str) else set(newlines)
            if "\r" in kinds and "\r\n" not in kinds:
                out.source += ", fins de ligne Mac (CR)"  # known once the file is read
            fh.close()

    out = Records(
        header, header_line, source, records(), close=fh.close, max_rows=_line_ends(opener)
    )
    return out
