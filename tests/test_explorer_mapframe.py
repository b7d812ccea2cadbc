"""How the map page travels to the browser (:mod:`coodiag.explorer.mapframe`): gzipped, or as
is for a browser without ``DecompressionStream``; the same key either way."""

from __future__ import annotations

import base64
import gzip

import pytest

pytest.importorskip("streamlit")

from coodiag.explorer import data, mapframe, mapview, warmup


def test_gzipped_for_recent_browsers_plain_when_asked(base: dict) -> None:
    from coodiag.base import display

    if not (display.display_dir() / "communes_28.parquet").exists():
        display.build_display_geometries()
    params = warmup.view_params("dep", "50")
    communes = data.territory_communes("dep", "50")
    pts = mapview.filtered_siae(data.registry_with(None, None), set(communes["code"]),
                                params["types"], [])
    page, _info = mapview.build_map(params, pts)
    key, packed = mapframe.packed_page(page)
    same_key, plain = mapframe.plain_page(page)
    assert key == same_key  # the browser does not reload a page it already shows
    assert gzip.decompress(base64.b64decode(packed)).decode("utf-8") == page
    assert base64.b64decode(plain).decode("utf-8") == page
    assert len(packed) * 3 < len(plain)  # what a recent browser is spared
    # The component's script asks for the plain page only where DecompressionStream lacks.
    assert 'typeof DecompressionStream !== "function"' in mapframe.SCRIPT
    assert 'setStateValue("plain", true)' in mapframe.SCRIPT
    assert not mapframe.wants_plain("no-such-component")
