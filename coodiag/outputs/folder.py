"""The output folder of an atlas: coodiag replaces only a folder it made, never the user's files.

An atlas is written into a temporary folder beside the target and swapped in as a whole
(:func:`coodiag._io.atomic_dir`). Swapping replaces the target's content, so the target must
be coodiag's own: absent, empty, or holding the :data:`MARKER` file that every atlas carries
(folders written by earlier versions, holding only an atlas's own files, are recognised too).
Anything else — ``--sortie .`` in a working folder, ``--sortie "$HOME"`` — is refused with a
French message before anything is written. Temporary folders left by a killed run are removed
at the next run by :func:`coodiag._io.atomic_dir` itself.
"""

from __future__ import annotations

from pathlib import Path

from coodiag.errors import DataError

#: The file that marks a folder as an atlas written by coodiag.
MARKER = ".coodiag-atlas"
MARKER_TEXT = (
    "Dossier écrit par coodiag : son contenu est remplacé en entier à chaque nouvelle édition.\n"
    "N'y rangez pas d'autres fichiers.\n"
)
#: What an atlas folder holds besides its ``<slug>.*`` files (earlier versions had no marker).
ATLAS_ENTRIES = {"cartes", "csv", MARKER}
ATLAS_SUFFIXES = {".pdf", ".html", ".json", ".xlsx", ".gpkg"}


def _is_atlas(folder: Path) -> bool:
    entries = list(folder.iterdir())
    if any(e.name == MARKER for e in entries):
        return True
    stems = {e.stem for e in entries if e.is_file() and e.suffix in ATLAS_SUFFIXES}
    return bool(entries) and len(stems) == 1 and all(
        e.name in ATLAS_ENTRIES or (e.is_file() and e.suffix in ATLAS_SUFFIXES) for e in entries
    )


def check_owned(folder: Path | str, *, what: str, ours, foreign: str) -> Path:
    """The absolute ``folder``, once it is new, empty or ``ours(folder)`` (else DataError).

    ``what`` names the folder in messages (« Dossier de sortie »); ``foreign`` ends the message
    refusing a folder holding other files (why, and what to give instead).
    """
    target = Path(folder).expanduser().resolve()
    if target == Path(target.anchor) or target == Path.home().resolve():
        raise DataError(f"{what} refusé : {target} (racine ou dossier personnel).")
    if target.exists() and not target.is_dir():
        raise DataError(f"{what} : {target} est un fichier, pas un dossier.")
    if target.is_dir() and any(target.iterdir()) and not ours(target):
        raise DataError(
            f"{what} refusé : {target} contient déjà des fichiers qui ne viennent pas {foreign}"
        )
    return target


def check_target(folder: Path | str) -> Path:
    """The absolute target folder, once it is known to be safe to replace (else DataError)."""
    return check_owned(
        folder, what="Dossier de sortie", ours=_is_atlas,
        foreign="de coodiag, et un atlas remplace tout le contenu de son dossier. Indiquez un "
        "dossier vide ou nouveau (par exemple --sortie atlas/mon-diagnostic).",
    )


def mark(tmp: Path) -> None:
    """Mark a folder being written as an atlas (its owner pid is recorded by ``atomic_dir``)."""
    (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")

