"""Copy the data mirror into ``data/raw/``, verifying every file against the sources registry.

Loaders read ``data/raw/`` only, so a file that was not verified here never reaches the base.
Every check hashes the whole file (sha256): size and modification time are never trusted, since
a byte flipped inside a file keeps both (76 MB hash in about a quarter of a second). A sync
restores from the mirror any copy whose sha256 differs, and says so; a build refuses to start
while a copy differs, naming the file. A stamp (``data/raw/.sync.json``) records what the last
sync verified, for the record only. Loaders reach a file through :func:`raw_path`, which hashes
it too (once per process while the file is unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from coodiag import settings
from coodiag._io import copy_atomic, sha256_file, write_json_atomic
from coodiag.errors import DataError
from coodiag.mirror import sources

STAMP_NAME = ".sync.json"


@dataclass
class SyncReport:
    """What a sync did: files copied (new or restored), files already intact, bytes copied.

    ``restored``: the files of ``copied`` whose earlier copy in ``data/raw`` was altered.
    """

    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    bytes_copied: int = 0


_WHERE = {"mirror": ("du miroir", "dans le miroir"), "raw": ("de data/raw", "dans data/raw")}
_ADVICE = {
    "mirror": (
        "Restaurez la version d'origine, ou mettez à jour le registre des sources "
        "(coodiag/mirror/sources.py) si le millésime a changé."
    ),
    "raw": "Lancez « coodiag data sync » : il restaure la copie vérifiée depuis le miroir.",
}


def _problem(file: sources.MirrorFile, path: Path, where: str) -> str | None:
    """A French sentence describing what is wrong with ``path``, or None if it is intact."""
    where_from, where_in = _WHERE[where]
    if not path.is_file():
        if where == "raw":
            return f"{file.path} : fichier absent {where_from} ({path}). {_ADVICE['raw']}"
        return (
            f"{file.path} : fichier absent {where_from} ({path}). "
            "Restaurez le miroir de données (../shared/data) ou indiquez son emplacement "
            "avec --mirror ou la variable COODIAG_MIRROR."
        )
    size = path.stat().st_size
    if size < file.size:
        return (
            f"{file.path} : fichier tronqué {where_in} ({size} octets au lieu de {file.size}). "
            + (_ADVICE["raw"] if where == "raw" else
               "Recopiez-le depuis la source officielle puis relancez « coodiag data sync ».")
        )
    digest = sha256_file(path)
    if size != file.size or digest != file.sha256:
        return (
            f"{file.path} : empreinte sha256 inattendue {where_in} ({digest[:12]}… au lieu de "
            f"{file.sha256[:12]}…) : le fichier a été modifié. {_ADVICE[where]}"
        )
    return None


def _intact(file: sources.MirrorFile, path: Path) -> bool:
    """True when ``path`` holds exactly the registered file (whole-file sha256)."""
    return (
        path.is_file() and path.stat().st_size == file.size and sha256_file(path) == file.sha256
    )


def sync(
    mirror: Path | None = None,
    raw: Path | None = None,
    *,
    on_file: Callable[[sources.MirrorFile], None] | None = None,
) -> SyncReport:
    """Copy every registered mirror file into ``raw`` after checking its sha256.

    Every copy already in ``raw`` is hashed too: an altered one is restored from the mirror and
    listed in ``SyncReport.restored``. All files are checked before anything is reported, so that
    one run lists every problem. Raises :class:`DataError` (in French, one line per file) if a
    mirror file is missing, truncated or altered; files that passed are still copied.
    """
    mirror = Path(mirror) if mirror else settings.mirror_dir()
    raw = Path(raw) if raw else settings.raw_dir()
    if not mirror.is_dir():
        raise DataError(
            f"Miroir de données introuvable : {mirror}. Placez le dossier shared/ à côté du "
            "projet, ou indiquez le miroir avec --mirror DOSSIER ou COODIAG_MIRROR=DOSSIER."
        )
    report = SyncReport()
    problems: list[str] = []
    stamp: dict[str, dict] = {}
    for file in sources.all_files():
        src, dst = mirror / file.path, raw / file.path
        problem = None
        if _intact(file, dst):
            report.unchanged.append(file.path)
        elif problem := _problem(file, src, "mirror"):
            problems.append(problem)
        else:
            if dst.exists():
                report.restored.append(file.path)
            copy_atomic(src, dst)
            report.copied.append(file.path)
            report.bytes_copied += file.size
        if not problem:
            stamp[file.path] = {"sha256": file.sha256, "size": file.size}
        if on_file:
            on_file(file)
    raw.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        raw / STAMP_NAME,
        {"verified_at": datetime.now(UTC).isoformat(timespec="seconds"), "files": stamp},
    )
    if problems:
        raise DataError("Synchronisation incomplète :\n- " + "\n- ".join(problems))
    return report


def verify_raw(raw: Path | None = None) -> dict[str, str]:
    """Hash every file of ``raw`` and check it against the registry; return ``{path: sha256}``.

    Raises :class:`DataError` naming each missing, truncated or altered file (the build stops
    before reading anything).
    """
    raw = Path(raw) if raw else settings.raw_dir()
    problems = [
        problem
        for file in sources.all_files()
        if (problem := _problem(file, raw / file.path, "raw"))
    ]
    if problems:
        raise DataError("Données brutes invalides :\n- " + "\n- ".join(problems))
    return {file.path: file.sha256 for file in sources.all_files()}


@lru_cache(maxsize=512)
def _digest(path: str, inode: int, size: int, mtime_ns: int, ctime_ns: int) -> str:
    """sha256 of a file, remembered while none of its inode, size or times changes (the
    change time cannot be set back by hand: any write moves it)."""
    return sha256_file(Path(path))


@lru_cache(maxsize=1)
def _registered() -> dict[str, sources.MirrorFile]:
    return {file.path: file for file in sources.all_files()}


def raw_path(relative: str) -> Path:
    """The path of a mirror file's verified copy in ``data/raw/``.

    A registered file is hashed on first use in the process (and again whenever it changes):
    loaders never read an altered copy, even one altered after the base was built.
    """
    path = settings.raw_dir() / relative
    if not path.exists():
        raise DataError(f"{relative} : absent de data/raw ({path}). Lancez « coodiag data sync ».")
    stem = Path(relative).with_suffix("")  # a shapefile's .dbf, .shx... are read with it
    for file in _registered().values():
        if Path(file.path).with_suffix("") != stem:
            continue
        sibling = settings.raw_dir() / file.path
        st = sibling.stat() if sibling.is_file() else None
        if st is None or st.st_size != file.size or _digest(
            str(sibling), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns
        ) != file.sha256:
            raise DataError(_problem(file, sibling, "raw") or f"{file.path} : fichier modifié.")
    return path
