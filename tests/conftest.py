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


@pytest.fixture(scope="session")
def manche(base: dict) -> dict:
    """Communes of the Manche (Lambert-93) with their indicators, neighbours, SIAE, metadata."""
    from coodiag.base import store
    from coodiag.base.indicators import Indicator

    dep = "50"
    communes = store.read_level("communes", zone="metro")
    ind = store.read_table("indicateurs_communes")
    meta = store.read_table("indicateurs_meta")
    meta = meta[meta["table"] == "indicateurs_communes"].set_index("key")
    deps = store.read_level("departements", zone="metro")
    gdf = communes[communes["dep"] == dep].merge(ind, on="code", how="left")
    siae = store.read_level("siae")
    return {
        "communes": gdf,
        "context": deps[deps["code"] != dep],
        "siae": siae[siae["dep"] == dep],
        "meta": {k: Indicator.from_row(meta.loc[k].to_dict() | {"key": k})
                 for k in ("tx_chom1564_21", "p21_chom1564")},
    }


@pytest.fixture(scope="session")
def metro_data(base: dict) -> dict:
    """Metropolitan communes (Lambert-93), the registry with capacity, indicators and need,
    from the same report context the diagnosis and the atlas use."""
    from coodiag.reports.context import Context

    ctx = Context()
    return {"communes": ctx.metro, "registry": ctx.registry, "ind": ctx.indicators,
            "ze": ctx.ze_indicators, "demand": ctx.demand}
