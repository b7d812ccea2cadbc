"""Build orchestration: cache, atomic replacement, command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from coodiag.base import build as build_module
from coodiag.base import store
from coodiag.cli import app


def test_noop_rebuild_is_skipped(base: dict) -> None:
    report = build_module.build()
    assert report.skipped
    assert report.key == base["key"]
    assert report.counts == base["counts"]


def test_cache_key_follows_inputs(base: dict) -> None:
    inputs = dict(base["inputs"])
    assert build_module.cache_key(inputs) == base["key"]
    inputs["cog/insee-2025/seed_insee_regions.csv"] = "0" * 64
    assert build_module.cache_key(inputs) != base["key"]


def test_interrupted_build_keeps_previous_base(base: dict, monkeypatch) -> None:
    regions = store.read_level("regions")

    def small_tables(progress=None):
        return {"regions": regions, "departements": store.read_level("departements")}, []

    calls = {"n": 0}
    real_write = store.write_table

    def failing_write(df, path, meta):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("coupure simulée")
        real_write(df, path, meta)

    monkeypatch.setattr(build_module, "build_tables", small_tables)
    monkeypatch.setattr(store, "write_table", failing_write)
    with pytest.raises(KeyboardInterrupt):
        build_module.build(force=True)
    assert calls["n"] == 3
    # The previous base is untouched and complete.
    assert store.read_manifest() == base
    assert len(store.read_level("communes")) == 34875
    leftovers = [p.name for p in store.base_dir().parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_killed_build_leaves_nothing_after_the_next_one(base: dict) -> None:
    """A build SIGKILLed while writing: the next ``build`` (even a no-op) removes its folder."""
    import os
    import signal
    import subprocess
    import sys

    target = store.base_dir()
    code = (
        "import os, signal\nfrom coodiag._io import atomic_dir\n"
        "from coodiag.base import store\n"
        "with atomic_dir(store.base_dir()) as tmp:\n"
        "    (tmp / 'communes.parquet').write_bytes(b'PAR1 moitie')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=dict(os.environ))
    assert proc.returncode == -signal.SIGKILL
    (left,) = target.parent.glob(f".{target.name}.*.tmp")
    assert (left / "communes.parquet").exists()
    assert build_module.build().skipped
    assert not left.exists() and store.read_manifest() == base


def test_cli_info_and_bad_mirror(base: dict, tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["info"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "34\u202f875" in result.output and "Zones d'emploi 2020" in result.output
    result = runner.invoke(app, ["data", "sync", "--mirror", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert "Miroir de données introuvable" in result.output
