"""The compact encoding of the SIAE points (:mod:`coodiag.outputs.webpoints`): decoded in the
page, it gives back exactly the GeoJSON features (same markers, tooltips and popups)."""

from __future__ import annotations

import html
import json
import shutil
import subprocess

from coodiag.outputs import weblayers, webmap, webpoints

#: Node.js (Debian package ``nodejs``, installed by scripts/setup.sh) runs the page's decoder.
NODE = shutil.which("node") or "node"


def _decode(expression: str) -> dict:
    out = subprocess.run([NODE, "-e", f"process.stdout.write(JSON.stringify({expression}))"],
                         capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


def test_compact_points_decode_to_the_same_features(manche: dict, monkeypatch) -> None:
    written: list[list[dict]] = []

    def capture(features):
        written.append(features)
        return webpoints.compact_points(features)

    monkeypatch.setattr(weblayers, "compact_points", capture)
    m = webmap.offline_map(title="Manche")
    layers = weblayers.points_layer(m, manche["siae"], size="capacite")
    assert sum(len(f) for f in written) == len(manche["siae"]) == 29
    for layer, features in zip(layers, written, strict=True):
        assert _decode(layer.data_json) == {"type": "FeatureCollection", "features": features}
    # A real structure keeps its name (tooltip) and its popup cells (type spelt out, address).
    row = manche["siae"].iloc[0]
    name = html.escape(row["nom"])
    feats = [f for fs in written for f in fs if f["properties"].get("_n") == name]
    assert feats and any("—" in text for _k, text in feats[0]["properties"]["_p"])
    page = webmap.render_html(m)
    webmap.assert_offline(page)
    assert page.count("p._p.push") == len(layers) == 4  # one decoder per SIAE type


def test_compact_points_weigh_less_for_france(monkeypatch) -> None:
    from coodiag.base import store

    written: list[list[dict]] = []
    monkeypatch.setattr(weblayers, "compact_points",
                        lambda f: written.append(f) or webpoints.compact_points(f))
    siae = store.read_level("siae")
    layers = weblayers.points_layer(webmap.offline_map(), siae, size="capacite")
    assert sum(len(f) for f in written) == siae.geometry.notna().sum() > 3500
    compact = sum(len(layer.data_json.encode()) for layer in layers)
    verbose = sum(len(webmap.js_literal({"type": "FeatureCollection", "features": f}).encode())
                  for f in written)
    assert compact < 0.6 * verbose
