"""Errors a user can act on, worded in French.

The CLI prints ``str(error)`` as it is, with no traceback: every message names the file (and,
where it applies, the row and column) and says what to do.
"""

from __future__ import annotations

import errno
import gzip
import json
import lzma
import zipfile


class CoodiagError(Exception):
    """Base of every error that coodiag reports to its user."""


class DataError(CoodiagError):
    """A data file is missing, altered, truncated or malformed."""


class BaseMissingError(CoodiagError):
    """The territorial base has not been built yet."""


#: errno -> (what happened, what to do), in French: the system's own text is English.
OS_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("fichier ou dossier introuvable", "vérifiez le chemin indiqué"),
    errno.EACCES: ("accès refusé (droits insuffisants)", "choisissez un autre dossier ou fichier"),
    errno.EPERM: ("opération non permise (droits insuffisants)",
                  "choisissez un autre dossier ou fichier"),
    errno.ENOSPC: ("disque plein", "libérez de la place ou choisissez un autre dossier (--sortie)"),
    errno.EDQUOT: ("quota disque dépassé",
                   "libérez de la place ou choisissez un autre dossier (--sortie)"),
    errno.EROFS: ("disque en lecture seule", "choisissez un autre dossier (--sortie)"),
    errno.EISDIR: ("un dossier a été donné là où un fichier est attendu",
                   "indiquez le chemin du fichier"),
    errno.ENOTDIR: ("un fichier a été donné là où un dossier est attendu",
                    "indiquez le chemin d'un dossier"),
    errno.ENAMETOOLONG: ("nom de fichier trop long", "raccourcissez le chemin"),
    errno.EIO: ("erreur de lecture ou d'écriture du disque", "vérifiez le support (clé, réseau)"),
    errno.EMFILE: ("trop de fichiers ouverts", "fermez d'autres programmes puis relancez"),
    errno.EBUSY: ("fichier ou dossier occupé par un autre programme",
                  "fermez-le puis relancez"),
    errno.EEXIST: ("le fichier existe déjà", "choisissez un autre nom"),
    errno.ENOTEMPTY: ("dossier non vide", "choisissez un dossier vide"),
}


def os_reason(exc: BaseException) -> str:
    """Why a file could not be read or written, in French, for a message's parentheses.

    ``open()`` and friends raise :class:`OSError` whose text is the system's English
    (« [Errno 2] No such file or directory: 'x.csv' »): this gives « fichier ou dossier
    introuvable » instead. The file is not repeated (the message names it already). Compressed
    archives', JSON and decoding errors are worded too; any other exception keeps its own text.

    >>> os_reason(FileNotFoundError(2, "No such file or directory", "x.csv"))
    'fichier ou dossier introuvable'
    """
    if isinstance(exc, OSError) and exc.errno in OS_REASONS:
        return OS_REASONS[exc.errno][0]
    if isinstance(exc, gzip.BadGzipFile):
        return "ce n'est pas une archive gzip valide"
    if isinstance(exc, zipfile.BadZipFile):
        return "ce n'est pas une archive zip valide"
    if isinstance(exc, json.JSONDecodeError):
        return f"JSON invalide, ligne {exc.lineno}, colonne {exc.colno}"
    if isinstance(exc, lzma.LZMAError):
        return "ce n'est pas une archive xz valide, ou elle est tronquée"
    if isinstance(exc, UnicodeDecodeError):
        return f"texte illisible en {exc.encoding} (octet {exc.start + 1})"
    if isinstance(exc, EOFError):
        return "fichier tronqué (fin inattendue)"
    if isinstance(exc, OSError):
        code = errno.errorcode.get(exc.errno) if isinstance(exc.errno, int) else None
        return f"erreur du système ({code})" if code else "erreur d'entrée-sortie du système"
    return str(exc)


def os_advice(exc: BaseException) -> str | None:
    """What to do about an :class:`OSError` (French), or None when nothing specific applies."""
    if isinstance(exc, OSError) and exc.errno in OS_REASONS:
        return OS_REASONS[exc.errno][1]
    return None
