"""Copy the data mirror into ``data/raw/``, verifying every file against the sources registry.

Loaders read ``data/raw/`` only, so a file that was not verified here never reaches the base.
A stamp (``data/raw/.sync.json``) records size, modification time and sha256 of every copy:
later checks re-hash a file only when its size or time changed, which keeps a no-op build fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coodiag import settings
from coodiag._io import copy_atomic, read_json, sha256_file, write_json_atomic
from coodiag.errors import DataError
from coodiag.mirror import sources

STAMP_NAME = ".sync.json"


@dataclass
class SyncReport:
    """What a sync did: files copied, files already up to date, bytes copied."""

    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    bytes_copied: int = 0


_WHERE = {"mirror": ("du miroir", "dans le miroir"), "raw": ("de data/raw", "dans data/raw")}


def _problem(file: sources.MirrorFile, path: Path, where: str) -> str | None:
    """A French sentence describing what is wrong with ``path``, or None if it is intact."""
    where_from, where_in = _WHERE[where]
    if not path.exists():
        return (
            f"{file.path} : fichier absent {where_from} ({path}). "
            "Restaurez le miroir de données (../shared/data) ou indiquez son emplacement "
            "avec --mirror ou la variable COODIAG_MIRROR."
        )
    size = path.stat().st_size
    if size < file.size:
        return (
            f"{file.path} : fichier tronqué {where_in} ({size} octets au lieu de {file.size}). "
            "Recopiez-le depuis la source officielle puis relancez « coodiag data sync »."
        )
    digest = sha256_file(path)
    if size != file.size or digest != file.sha256:
        return (
            f"{file.path} : empreinte sha256 inattendue {where_in} ({digest[:12]}… au lieu de "
            f"{file.sha256[:12]}…) : le fichier a été modifié. Restaurez la version d'origine, "
            "ou mettez à jour le registre des sources (coodiag/mirror/sources.py) si le "
            "millésime a changé."
        )
    return None


def _load_stamp(raw: Path) -> dict[str, dict]:
    stamp = raw / STAMP_NAME
    return read_json(stamp) if stamp.exists() else {}


def _stamp_entry(path: Path, sha: str) -> dict:
    st = path.stat()
    return {"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _stamp_matches(entry: dict | None, path: Path, file: sources.MirrorFile) -> bool:
    if not entry or not path.exists() or entry.get("sha256") != file.sha256:
        return False
    st = path.stat()
    return entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns


def sync(
    mirror: Path | None = None,
    raw: Path | None = None,
    *,
    on_file: Callable[[sources.MirrorFile], None] | None = None,
) -> SyncReport:
    """Copy every registered mirror file into ``raw`` after checking its sha256.

    All files are checked before anything is reported, so that one run lists every problem.
    Raises :class:`DataError` (in French, one line per file) if a mirror file is missing,
    truncated or altered; files that passed are still copied.
    """
    mirror = Path(mirror) if mirror else settings.mirror_dir()
    raw = Path(raw) if raw else settings.raw_dir()
    if not mirror.is_dir():
        raise DataError(
            f"Miroir de données introuvable : {mirror}. Placez le dossier shared/ à côté du "
            "projet, ou indiquez le miroir avec --mirror DOSSIER ou COODIAG_MIRROR=DOSSIER."
        )
    stamp = _load_stamp(raw)
    report = SyncReport()
    problems: list[str] = []
    for file in sources.all_files():
        src, dst = mirror / file.path, raw / file.path
        problem = _problem(file, src, "mirror")
        if problem:
            problems.append(problem)
        elif _stamp_matches(stamp.get(file.path), dst, file):
            report.unchanged.append(file.path)
        else:
            copy_atomic(src, dst)
            stamp[file.path] = _stamp_entry(dst, file.sha256)
            report.copied.append(file.path)
            report.bytes_copied += file.size
        if on_file:
            on_file(file)
    write_json_atomic(raw / STAMP_NAME, stamp)
    if problems:
        raise DataError("Synchronisation incomplète :\n- " + "\n- ".join(problems))
    return report


def verify_raw(raw: Path | None = None) -> dict[str, str]:
    """Check every file of ``raw`` against the registry; return ``{path: sha256}``.

    Re-hashes only the files whose size or modification time changed since the sync.
    Raises :class:`DataError` naming each missing, truncated or altered file.
    """
    raw = Path(raw) if raw else settings.raw_dir()
    stamp = _load_stamp(raw)
    problems: list[str] = []
    changed = False
    for file in sources.all_files():
        path = raw / file.path
        if _stamp_matches(stamp.get(file.path), path, file):
            continue
        problem = _problem(file, path, "raw")
        if problem:
            if not path.exists():
                problem += " Lancez d'abord « coodiag data sync »."
            problems.append(problem)
        else:
            stamp[file.path] = _stamp_entry(path, file.sha256)
            changed = True
    if changed and raw.exists():
        write_json_atomic(raw / STAMP_NAME, stamp)
    if problems:
        raise DataError("Données brutes invalides :\n- " + "\n- ".join(problems))
    return {file.path: file.sha256 for file in sources.all_files()}


def raw_path(relative: str) -> Path:
    """The path of a mirror file's verified copy in ``data/raw/``."""
    path = settings.raw_dir() / relative
    if not path.exists():
        raise DataError(f"{relative} : absent de data/raw ({path}). Lancez « coodiag data sync ».")
    return path
