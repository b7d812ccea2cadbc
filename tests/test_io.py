"""Atomic writes (coodiag._io): a killed run leaves nothing half-written, and its leftovers are
removed at the next run (issue 12). The kills are real: a child process SIGKILLs itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coodiag._io import (
    PID_FILE,
    STALE_SECONDS,
    atomic_dir,
    atomic_path,
    clean_leftovers,
)


def _killed_mid_write(target: Path, kind: str) -> None:
    """Run a child that starts an atomic write of ``target`` and is SIGKILLed inside it."""
    opener, write = {
        "dir": ("atomic_dir", "(tmp / 'moitie.csv').write_text('a;b')"),
        "file": ("atomic_path", "tmp.write_text('a;b')"),
    }[kind]
    code = "\n".join([
        "import os, signal",
        "from pathlib import Path",
        f"from coodiag._io import {opener}",
        f"with {opener}(Path({str(target)!r})) as tmp:",
        f"    {write}",
        "    os.kill(os.getpid(), signal.SIGKILL)",
    ])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def _leftovers(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.*.tmp"))


def test_a_killed_folder_write_is_cleaned_at_the_next_run(tmp_path: Path) -> None:
    target = tmp_path / "base"
    with atomic_dir(target) as tmp:
        (tmp / "communes.parquet").write_text("v1")
    _killed_mid_write(target, "dir")
    (left,) = _leftovers(target)
    assert (left / "moitie.csv").exists() and (left / PID_FILE).read_text().isdigit()
    assert (target / "communes.parquet").read_text() == "v1"  # the previous content is intact
    assert not (target / PID_FILE).exists()  # the owner pid never reaches the final folder
    with atomic_dir(target) as tmp:
        assert not left.exists()  # removed before the new write starts
        (tmp / "communes.parquet").write_text("v2")
    assert (target / "communes.parquet").read_text() == "v2"
    assert _leftovers(target) == []


def test_a_killed_file_write_is_cleaned_at_the_next_run(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    _killed_mid_write(target, "file")
    (left,) = _leftovers(target)
    assert left.read_text() == "a;b" and not target.exists()
    with atomic_path(target) as tmp:
        tmp.write_text("{}")
    assert target.read_text() == "{}" and _leftovers(target) == []


def test_a_live_write_and_a_recent_ownerless_one_are_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "atlas"
    mine = tmp_path / f".atlas.{os.getpid()}-enCours.tmp"  # this process: alive
    mine.mkdir()
    recent = tmp_path / ".atlas.ancienneVersion.tmp"  # no pid, just written
    recent.mkdir()
    old = tmp_path / ".atlas.tresAncien.tmp"  # no pid, two hours old
    old.mkdir()
    two_hours_ago = time.time() - 2 * STALE_SECONDS
    os.utime(old, (two_hours_ago, two_hours_ago))
    other = tmp_path / ".atlas-2.123-x.tmp"  # another target's: never touched
    other.mkdir()
    assert clean_leftovers(target) == [old]
    assert mine.exists() and recent.exists() and other.exists()


def test_a_pid_recorded_inside_the_folder_is_the_owner(tmp_path: Path) -> None:
    target = tmp_path / "atlas"
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = tmp_path / ".atlas.k1llED.tmp"
    dead.mkdir()
    (dead / PID_FILE).write_text(proc.stdout.strip())  # that process has ended
    alive = tmp_path / ".atlas.running.tmp"
    alive.mkdir()
    (alive / PID_FILE).write_text(str(os.getpid()))
    assert clean_leftovers(target) == [dead]
    assert alive.exists()


def test_a_run_killed_mid_swap_gets_its_previous_content_back(tmp_path: Path) -> None:
    target = tmp_path / "base"
    old = tmp_path / ".base.old"  # killed between "target -> old" and "tmp -> target"
    old.mkdir()
    (old / "communes.parquet").write_text("v1")
    with pytest.raises(RuntimeError), atomic_dir(target):
        raise RuntimeError("échec du calcul")
    assert (target / "communes.parquet").read_text() == "v1" and not old.exists()


def test_a_folder_is_not_a_file_target(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as err, atomic_path(tmp_path):
        pass
    assert err.value.filename == str(tmp_path)  # the folder given, not a temporary name
    assert _leftovers(tmp_path) == []
