"""The data layer: mirror sync, checksums, and the French messages for bad input."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from coodiag import settings
from coodiag.errors import DataError
from coodiag.mirror import sources
from coodiag.mirror.sync import STAMP_NAME, sync, verify_raw

TARGET = "cog/insee-2025/seed_insee_regions.csv"


def _fake_mirror(tmp_path: Path) -> Path:
    """A mirror of symlinks to the real files, so that one file can be broken cheaply."""
    real = settings.mirror_dir()
    mirror = tmp_path / "mirror"
    for file in sources.all_files():
        dst = mirror / file.path
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.symlink_to(real / file.path)
    return mirror


def _replace(mirror: Path, relative: str, data: bytes) -> None:
    path = mirror / relative
    path.unlink()
    path.write_bytes(data)


def test_registry_covers_every_mirror_file() -> None:
    listed = {f.path for f in sources.all_files()}
    on_disk = {
        p.relative_to(settings.mirror_dir()).as_posix()
        for p in settings.mirror_dir().rglob("*")
        if p.is_file() and p.name != "MANIFEST.md"
    }
    assert listed == on_disk
    for source in sources.SOURCES:
        assert source.publisher and source.url.startswith("https://") and source.licence
        assert all(len(f.sha256) == 64 for f in source.files)


def test_sync_copies_and_verifies(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    report = sync(settings.mirror_dir(), raw)
    assert len(report.copied) == len(sources.all_files()) == 75
    assert report.bytes_copied == sum(f.size for f in sources.all_files())
    again = sync(settings.mirror_dir(), raw)
    assert again.copied == [] and len(again.unchanged) == 75
    assert (raw / STAMP_NAME).exists()
    assert verify_raw(raw)[TARGET] == sources.get("cog_regions").files[0].sha256


def test_missing_mirror_file(tmp_path: Path) -> None:
    mirror = _fake_mirror(tmp_path)
    (mirror / TARGET).unlink()
    with pytest.raises(DataError) as err:
        sync(mirror, tmp_path / "raw")
    message = str(err.value)
    assert message.startswith("Synchronisation incomplète :\n- cog/insee-2025/seed_insee_regions")
    assert f"{TARGET} : fichier absent du miroir" in message
    assert "COODIAG_MIRROR" in message
    # The other 71 files were still copied: nothing else is lost.
    assert (tmp_path / "raw" / "cog/insee-2025/seed_insee_departements.csv").exists()


def test_truncated_mirror_file(tmp_path: Path) -> None:
    mirror = _fake_mirror(tmp_path)
    data = (settings.mirror_dir() / TARGET).read_bytes()
    _replace(mirror, TARGET, data[:100])
    with pytest.raises(DataError) as err:
        sync(mirror, tmp_path / "raw")
    size = sources.get("cog_regions").files[0].size
    assert f"{TARGET} : fichier tronqué dans le miroir (100 octets au lieu de {size})" in str(
        err.value
    )


def test_checksum_mismatch(tmp_path: Path) -> None:
    mirror = _fake_mirror(tmp_path)
    data = (settings.mirror_dir() / TARGET).read_bytes()
    _replace(mirror, TARGET, data.replace(b"Normandie", b"Normandii"))
    with pytest.raises(DataError) as err:
        sync(mirror, tmp_path / "raw")
    message = str(err.value)
    assert f"{TARGET} : empreinte sha256 inattendue dans le miroir" in message
    assert "le fichier a été modifié" in message


def test_altered_raw_copy_is_caught_before_build(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    sync(settings.mirror_dir(), raw)
    path = raw / TARGET
    path.write_bytes(path.read_bytes().replace(b"Bretagne", b"Bretagme"))
    with pytest.raises(DataError) as err:
        verify_raw(raw)
    assert f"{TARGET} : empreinte sha256 inattendue dans data/raw" in str(err.value)
    assert "Lancez « coodiag data sync » : il restaure la copie vérifiée" in str(err.value)
    shutil.copy2(settings.mirror_dir() / TARGET, path)
    assert verify_raw(raw)


COMMUNES = "cog/insee-2025/seed_insee_communes.csv"


def _flip_byte_keep_size_and_time(path: Path, old: bytes, new: bytes) -> None:
    """What a disk fault or a careless edit does: same size, same modification time."""
    st = path.stat()
    data = path.read_bytes()
    assert data.count(old) >= 1 and len(old) == len(new)
    path.chmod(st.st_mode | stat.S_IWUSR)  # copies keep the mirror's read-only mode
    path.write_bytes(data.replace(old, new, 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_a_flipped_byte_is_caught_by_build_and_restored_by_sync(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    sync(settings.mirror_dir(), raw)
    path = raw / COMMUNES
    _flip_byte_keep_size_and_time(path, b"Avranches", b"Avranckes")
    with pytest.raises(DataError) as err:  # the build's first step
        verify_raw(raw)
    message = str(err.value)
    assert message.startswith(f"Données brutes invalides :\n- {COMMUNES} : empreinte sha256 "
                              "inattendue dans data/raw")
    assert message.count("\n- ") == 1  # only the altered file is named
    report = sync(settings.mirror_dir(), raw)
    assert report.restored == report.copied == [COMMUNES]
    assert len(report.unchanged) == len(sources.all_files()) - 1
    assert b"Avranckes" not in path.read_bytes() and b"Avranches" in path.read_bytes()
    assert verify_raw(raw)[COMMUNES] == sources.get("cog_communes").files[0].sha256
    assert sync(settings.mirror_dir(), raw).restored == []


def test_a_missing_raw_copy_stops_the_build_and_sync_brings_it_back(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    sync(settings.mirror_dir(), raw)
    (raw / TARGET).unlink()
    with pytest.raises(DataError, match=f"{TARGET} : fichier absent de data/raw .* Lancez"):
        verify_raw(raw)
    report = sync(settings.mirror_dir(), raw)
    assert report.copied == [TARGET] and report.restored == []


def test_missing_mirror_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="Miroir de données introuvable"):
        sync(tmp_path / "nowhere", tmp_path / "raw")


def test_loaders_never_read_an_altered_copy(tmp_path: Path, monkeypatch) -> None:
    """A copy altered after the build (same size and time) is refused where a loader opens it:
    analyses never compute on it (issue 12: a corrupted raw file gave an InvalidIndexError)."""
    from coodiag.mirror.loaders import load
    from coodiag.mirror.sync import raw_path

    monkeypatch.setenv("COODIAG_DATA", str(tmp_path))
    raw = settings.raw_dir()
    sync(settings.mirror_dir(), raw)
    assert load("cog_regions")["code"].tolist()[:3] == ["01", "02", "03"]
    _flip_byte_keep_size_and_time(raw / TARGET, b"Normandie", b"Normandii")
    with pytest.raises(DataError) as err:
        load("cog_regions")
    assert str(err.value).startswith(f"{TARGET} : empreinte sha256 inattendue dans data/raw")
    shp = "geo/ze2020_2023/ze2020_2023.shp"  # a shapefile's sidecars are checked with it
    dbf = raw / shp.replace(".shp", ".dbf")
    dbf.chmod(0o644)
    with open(dbf, "r+b") as handle:
        handle.seek(-10, os.SEEK_END)
        handle.write(b"X")
    with pytest.raises(DataError, match=r"ze2020_2023\.dbf : empreinte sha256 inattendue"):
        raw_path(shp)
