"""Offline interactive maps (folium/Leaflet) on the Manche (dép. 50)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from support import chromium_command

pytest.importorskip("matplotlib")
pytest.importorskip("mapclassify")
pytest.importorskip("folium")
pytest.importorskip("xstatic.pkg.leaflet")

from coodiag import secrecy
from coodiag.outputs import weblayers, webmap

DEP = "50"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


# --------------------------------------------------------------------------------------------
# Interactive maps
# --------------------------------------------------------------------------------------------


def _manche_html(manche: dict) -> str:
    m = webmap.offline_map(title="Manche")
    weblayers.choropleth_layer(
        m, manche["communes"], "p21_chom1564", meta=manche["meta"]["p21_chom1564"]
    )
    weblayers.choropleth_layer(
        m, manche["communes"], "tx_chom1564_21", meta=manche["meta"]["tx_chom1564_21"], show=False
    )
    weblayers.points_layer(m, manche["siae"])
    return m


def test_offline_webmap(manche: dict, tmp_path: Path) -> None:
    path = webmap.to_html(_manche_html(manche), tmp_path / "manche.html")
    page = path.read_text(encoding="utf-8")
    webmap.assert_offline(page)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?://""", page)
    assert "Leaflet 1.9.3" in page or "1.9.3" in page
    assert "L.map(" in page and "<script src" not in page
    assert "data:image/png;base64," in page  # Leaflet's CSS images inlined
    assert path.stat().st_size < 3_000_000
    assert "Chômeurs de 15 à 64 ans (recensement), en nombre de personnes" in page  # legend
    assert "ACI — atelier et chantier d&#x27;insertion" in page

    # counts of people: secret values shown as "< 5" in a coodiag-count span, never raw
    gdf = manche["communes"]
    small = gdf[(gdf["p21_chom1564"] > 0) & (gdf["p21_chom1564"] < 5)]
    assert len(small) > 0
    code = small["code"].iloc[0]
    m = re.search(r'"_v":"([^"]*)","code":"' + code + '"', page)
    assert m is not None
    assert m.group(1) == "<span class='coodiag-count'>&lt; 5</span>\u00a0personnes"
    assert secrecy.find_small_counts(page) == []
    assert page.count("class='coodiag-count'") >= len(gdf)


def test_webmap_is_deterministic(manche: dict) -> None:
    def build() -> str:
        m = webmap.offline_map(bounds=manche["communes"])
        weblayers.points_layer(m, manche["siae"])
        return webmap.render_html(m)

    assert build() == build()


def test_assert_offline_catches_external_requests() -> None:
    webmap.assert_offline("<p>Voir https://www.insee.fr (texte)</p><a href='#'>x</a>")
    for bad in (
        '<script src="https://cdn.jsdelivr.net/npm/leaflet.js"></script>',
        "<link rel='stylesheet' href='http://example.org/a.css'>",
        "<style>.a { background: url(https://tiles.example/x.png) }</style>",
        '<script src="//code.jquery.com/jquery.js"></script>',
        "<style>@import 'https://fonts.googleapis.com/css';</style>",
    ):
        with pytest.raises(webmap.OfflineError):
            webmap.assert_offline(bad)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium absent (apt-get install chromium)")
def test_webmap_renders_offline_in_chromium(manche: dict, tmp_path: Path) -> None:
    from matplotlib import image

    path = webmap.to_html(_manche_html(manche), tmp_path / "manche.html")
    shot = tmp_path / "shot.png"
    cmd = [
        *chromium_command(tmp_path),
        f"--screenshot={shot}",
        "--window-size=1200,900",
        "--virtual-time-budget=5000",
        path.as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    img = (image.imread(shot)[..., :3] * 255).astype(np.uint8)
    assert img.std() > 20
    colours = np.unique(img[::3, ::3].reshape(-1, 3), axis=0)
    assert len(colours) > 20, "la carte ne s'est pas affichée (Leaflet non chargé ?)"
    # the classes' colours (85 % opaque over the background) are on screen
    bg = np.array([0xF3, 0xF5, 0xF7])
    darkest = np.array([0x25, 0x34, 0x94]) * 0.85 + bg * 0.15
    dist = np.abs(colours.astype(float) - darkest).max(axis=1)
    assert dist.min() <= 4, "aucune couleur de classe à l'écran"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium absent (apt-get install chromium)")
def test_webmap_fits_the_territory_once_its_frame_is_shown(manche: dict, tmp_path: Path) -> None:
    """A map made in a hidden frame (size 0) opened on the whole world (zoom 0): it now fits
    the territory when the frame is shown, like the atlas's iframes."""
    import html as html_mod

    m = webmap.offline_map(title="Manche")
    weblayers.outline_layer(m, manche["communes"])
    weblayers.points_layer(m, manche["siae"])
    page = webmap.render_html(m)
    assert "ResizeObserver" in page
    wrapper = tmp_path / "wrapper.html"
    wrapper.write_text(
        '<!doctype html><html><body style="margin:0">'
        '<div id="w" style="display:none"><iframe id="f" style="width:900px;height:560px" '
        f'srcdoc="{html_mod.escape(page)}"></iframe></div><pre id="out"></pre><script>'
        'setTimeout(function () { document.getElementById("w").style.display = "block"; }, 700);'
        'setTimeout(function () {'
        '  var w = document.getElementById("f").contentWindow, out = [];'
        '  for (var k in w) { try { if (w.L && w[k] instanceof w.L.Map) {'
        '    var b = w[k].getBounds().toBBoxString();'
        '    out.push(w[k].getZoom() + "|" + w[k].getSize().x + "|" + b);'
        '  } } catch (e) {} }'
        '  document.getElementById("out").textContent = "ZOOM:" + out.join(";") + ":END";'
        '}, 2500);</script></body></html>',
        encoding="utf-8",
    )
    cmd = [*chromium_command(tmp_path), "--window-size=1280,800", "--virtual-time-budget=5000",
           "--dump-dom", wrapper.as_uri()]
    dom = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"ZOOM:(\d+(?:\.\d+)?)\|(\d+)\|([-\d.,]+):END", dom)
    assert found, "carte introuvable dans la page"
    zoom, width = float(found.group(1)), int(found.group(2))
    west, south, east, north = (float(v) for v in found.group(3).split(","))
    assert width == 900
    assert zoom >= 7, f"vue du monde entier (zoom {zoom})"
    # the whole Manche is in view, and fills it (not a dot in the middle of France)
    minx, miny, maxx, maxy = manche["communes"].to_crs(4326).total_bounds
    assert west <= minx and east >= maxx and south <= miny and north >= maxy
    assert (maxy - miny) / (north - south) > 0.6 or (maxx - minx) / (east - west) > 0.6
