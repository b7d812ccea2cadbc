"""The checks run before any export is written: names, and the statistical-secrecy safety net.

Statistical secrecy is applied by the caller (:func:`coodiag.secrecy.mask_table`,
:func:`~coodiag.secrecy.mask_series`). The writers are a safety net: a table or a layer
declaring ``person_counts`` columns (counts of people) that still hold a value in
``1..threshold-1`` is refused with :class:`ExportSecrecyError` (French message naming the table
and the column). Sheet names follow Excel's rules and must give distinct CSV file names
(:func:`slugify`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

import pandas as pd

from coodiag import secrecy
from coodiag.errors import CoodiagError
from coodiag.outputs.document import ExportTable

#: Name of the first sheet of the workbook.
README_SHEET = "À lire"
#: Name of the last sheet of the workbook.
SOURCES_SHEET = "Sources"
#: Excel limit on a sheet name.
MAX_SHEET_NAME = 31

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class ExportSecrecyError(CoodiagError, ValueError):
    """A table or a layer still holds counts of people below the secrecy threshold."""


class ExportError(CoodiagError, ValueError):
    """A table or a layer cannot be exported as declared (name, columns, geometry)."""


def slugify(text: str) -> str:
    """Lower snake_case ASCII: ``"Communes – chômage"`` -> ``"communes_chomage"``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def check_secrecy(
    frame: pd.DataFrame,
    person_counts: Sequence[str],
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    threshold: int | None = None,
) -> None:
    """Raise :class:`ExportSecrecyError` if a ``person_counts`` column holds 1..threshold-1.

    ``what`` names the table or layer in the message (« le tableau « Salariés » »).
    """
    t = secrecy.get_threshold(threshold)
    for col in person_counts:
        if col not in frame.columns:
            raise ExportError(
                f"Export refusé : {what} déclare la colonne de comptage de personnes « {col} », "
                "absente du tableau."
            )
        found = secrecy.find_small_counts(frame, [col], threshold=t)
        if found:
            header = (headers or {}).get(col)
            shown = f"« {col} »" + (f" (« {header} »)" if header and header != col else "")
            raise ExportSecrecyError(
                f"Export refusé (secret statistique) : {what} contient dans la colonne {shown} "
                f"{len(found)} effectif(s) de personnes non masqué(s), compris entre 1 et "
                f"{t - 1}. Masquez-les avec coodiag.secrecy.mask_table (ou mask_series) avant "
                "l'export."
            )


def _check_sheet_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ExportError("Chaque tableau exporté doit avoir un nom (nom de feuille).")
    if len(name) > MAX_SHEET_NAME:
        raise ExportError(
            f"Le nom de feuille « {name} » fait {len(name)} caractères : Excel en accepte "
            f"{MAX_SHEET_NAME} au plus."
        )
    if _SHEET_FORBIDDEN.search(name) or name.startswith("'") or name.endswith("'"):
        raise ExportError(
            f"Le nom de feuille « {name} » contient un caractère interdit par Excel "
            "([ ] : * ? / \\, ou une apostrophe au début ou à la fin)."
        )
    if name.casefold() in {README_SHEET.casefold(), SOURCES_SHEET.casefold(), "history"}:
        raise ExportError(f"Le nom de feuille « {name} » est réservé : choisissez-en un autre.")


def check_tables(tables: Sequence[ExportTable], *, threshold: int | None = None) -> None:
    """Check names (valid, unique sheet and file names) and secrecy of every table."""
    seen: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for table in tables:
        _check_sheet_name(table.name)
        key = table.name.casefold()
        if key in seen:
            raise ExportError(
                f"Deux tableaux portent le nom « {table.name} » (les noms de feuilles Excel "
                "doivent être uniques, sans distinction de casse)."
            )
        seen[key] = table.name
        slug = slugify(table.name)
        if not slug:
            raise ExportError(f"Le nom « {table.name} » ne donne pas de nom de fichier CSV.")
        if slug in slugs:
            raise ExportError(
                f"Les tableaux « {slugs[slug]} » et « {table.name} » donneraient le même fichier "
                f"CSV « {slug}.csv » : renommez l'un d'eux."
            )
        slugs[slug] = table.name
        check_secrecy(
            table.frame,
            table.person_counts,
            what=f"le tableau « {table.name} »",
            headers={c: table.header(c) for c in table.person_counts},
            threshold=threshold,
        )
