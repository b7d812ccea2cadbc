"""Small I/O helpers shared by every edge of coodiag: hashing, atomic writes, JSON.

Atomic writes go through a temporary file or folder beside the target, named
``.<target>.<pid>-<random>.tmp`` (a folder also holds :data:`PID_FILE`): the owner's process id.
A run killed mid-write leaves it behind; the next write to the same target removes it
(:func:`clean_leftovers`) once its owner is dead — or, without a readable owner, once it is
older than :data:`STALE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20

#: The file inside a temporary folder that records its owner's process id.
PID_FILE = ".coodiag-pid"
#: A leftover temporary file or folder older than this, without a known owner, is removed.
STALE_SECONDS = 3600


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _alive(pid: int) -> bool:
    """True when process ``pid`` runs (or belongs to another user: then it is left alone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _owner(tmp: Path, token: str) -> int | None:
    """The pid recorded for a temporary path: its :data:`PID_FILE`, else its name."""
    pid_file = tmp / PID_FILE
    try:
        if tmp.is_dir() and pid_file.is_file():
            return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    match = re.fullmatch(r"(\d+)-.*", token)
    return int(match.group(1)) if match else None


def clean_leftovers(target: Path) -> list[Path]:
    """Remove the temporary files and folders that killed runs left beside ``target``.

    A leftover is removed when its owner process is dead, or, without a known owner (older
    versions, unreadable pid), when it is older than :data:`STALE_SECONDS`. A write in progress
    (live owner) is never touched. Returns the removed paths.
    """
    target = Path(target)
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    pattern = re.compile(rf"\.{re.escape(target.name)}\.([^./]+)\.tmp")
    for tmp in target.parent.iterdir():
        match = pattern.fullmatch(tmp.name)
        if not match:
            continue
        pid = _owner(tmp, match.group(1))
        try:
            age = time.time() - tmp.lstat().st_mtime
        except OSError:
            continue
        if (pid is not None and not _alive(pid)) or (pid is None and age > STALE_SECONDS):
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _tmp_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}-"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    A crash or an exception leaves ``target`` as it was: readers never see a half-written file.
    A folder as ``target`` is refused (``IsADirectoryError`` naming it, not the temporary
    file). Leftovers of killed earlier writes to ``target`` are removed first
    (:func:`clean_leftovers`).
    """
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it takes ``target``'s place.

    The previous folder is moved aside and removed only once the new one is in place, so an
    interrupted write leaves the previous content valid (a run killed between the two moves
    leaves it in ``.<target>.old``: the next run puts it back first). The temporary folder
    records its owner's pid (:data:`PID_FILE`, dropped before the swap); leftovers of killed
    runs are removed first (:func:`clean_leftovers`).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.old")
    if old.is_dir() and not target.exists():
        os.replace(old, target)  # a run killed mid-swap: the previous content comes back
    clean_leftovers(target)
    tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        (tmp / PID_FILE).write_text(str(os.getpid()))
        yield tmp
        (tmp / PID_FILE).unlink(missing_ok=True)
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` atomically, keeping the modification time."""
    with atomic_path(dst) as tmp:
        shutil.copy2(src, tmp)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), "utf-8")


def read_json(path: Path) -> Any:
    """Read a UTF-8 JSON file."""
    return json.loads(path.read_text("utf-8"))
