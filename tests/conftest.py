"""Shared fixtures: the real data mirror, synced and built once per test session."""

from __future__ import annotations

import pytest

from coodiag import settings


@pytest.fixture(scope="session")
def raw_synced() -> None:
    """``data/raw`` holds a verified copy of the mirror (copies only what changed)."""
    from coodiag.mirror.sync import sync

    if not settings.mirror_dir().is_dir():
        pytest.fail(f"Miroir de données absent : {settings.mirror_dir()}")
    sync()


@pytest.fixture(scope="session")
def base(raw_synced: None) -> dict:
    """The territorial base, built (or found up to date); returns its manifest."""
    from coodiag.base import store
    from coodiag.base.build import build

    build()
    return store.read_manifest()
