"""Static maps (matplotlib) and offline interactive maps (folium) on the Manche (dép. 50)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("mapclassify")
pytest.importorskip("folium")
pytest.importorskip("xstatic.pkg.leaflet")

from coodiag import secrecy
from coodiag.outputs import maps, webmap

DEP = "50"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


@pytest.fixture(scope="module")
def manche(base: dict) -> dict:
    """Communes of the Manche (Lambert-93) with their indicators, neighbours, SIAE, metadata."""
    from coodiag.base import store

    communes = store.read_level("communes", zone="metro")
    ind = store.read_table("indicateurs_communes")
    meta = store.read_table("indicateurs_meta")
    meta = meta[meta["table"] == "indicateurs_communes"].set_index("key")
    deps = store.read_level("departements", zone="metro")
    gdf = communes[communes["dep"] == DEP].merge(ind, on="code", how="left")
    siae = store.read_level("siae")
    return {
        "communes": gdf,
        "context": deps[deps["code"] != DEP],
        "siae": siae[siae["dep"] == DEP],
        "meta": {k: meta.loc[k].to_dict() for k in ("tx_chom1564_21", "p21_chom1564")},
    }


def _png_ok(path: Path) -> None:
    from matplotlib import image

    img = image.imread(path)
    assert img.ndim == 3 and img.shape[0] > 800 and img.shape[1] > 800
    rgb = (img[..., :3] * 255).astype(np.uint8)
    assert rgb.std() > 20, "image presque uniforme"
    colours = np.unique(rgb[::4, ::4].reshape(-1, 3), axis=0)
    assert len(colours) > 20, f"trop peu de couleurs distinctes : {len(colours)}"


# --------------------------------------------------------------------------------------------
# Classification and formatting (no data needed)
# --------------------------------------------------------------------------------------------


def test_format_number_french() -> None:
    assert maps.format_number(1234.56, 1) == "1\u202f234,6"
    assert maps.format_number(-2.5, 1) == "\u22122,5"
    assert maps.format_number(-0.01, 1) == "0,0"


def test_jenks_matches_mapclassify() -> None:
    import mapclassify

    y = np.random.default_rng(3).gamma(2.0, 3.0, 120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "numba not installed"
        ref = mapclassify.FisherJenks(y, k=5).bins
    np.testing.assert_allclose(maps.jenks_exact(y, 5), ref)


def test_classify_counts_secret_and_diverging() -> None:
    meta = {"label": "Demandeurs d'emploi", "unit": "personnes"}
    cl = maps.classify([0, 2, 4, 7, 12, 30, 80, None], meta=meta, k=3)
    assert cl.n_secret == 2 and cl.n_missing == 1
    assert sum(cl.counts) + cl.n_nodata == 8
    assert cl.format_value(3) == "< 5\u00a0personnes"
    assert cl.nodata_label == "non disponible / secret (3\u00a0communes)"
    div = maps.classify([-5, -2, -1, 1, 3, 8, 9], meta={"unit": "%"}, scheme="equal_interval")
    assert div.diverging and 0.0 in div.bins
    assert set(div.colors[: sum(b <= 0 for b in div.bins)]) <= set(maps.DIVERGING_NEG)


# --------------------------------------------------------------------------------------------
# Static maps
# --------------------------------------------------------------------------------------------


def test_choropleth_manche(manche: dict, tmp_path: Path) -> None:
    gdf = manche["communes"]
    meta = manche["meta"]["tx_chom1564_21"]
    fig = maps.choropleth(
        gdf, "tx_chom1564_21", meta=meta, context=manche["context"], subtitle="Manche, communes"
    )
    png, svg = maps.save(fig, tmp_path / "chomage.png")
    assert png.suffix == ".png" and svg.suffix == ".svg"
    assert not list(tmp_path.glob(".*.tmp")), "fichier temporaire oublié"
    assert png.stat().st_mode & 0o044 == 0o044, "fichier illisible par les autres"
    _png_ok(png)

    text = svg.read_text(encoding="utf-8")
    assert "communes)" in text
    assert "Classes : quantiles" in text
    assert "Source : INSEE, recensement de la population 2021" in text
    assert "population active de 15 à 64 ans (en %)" in text
    assert re.search(r">\d+\u00a0km<", text), "libellé de l'échelle absent"
    assert "Cherbourg-en-Cotentin" in text and "Calvados" in text
    counts = [int(n) for n in re.findall(r"\((\d+)\u00a0communes?\)", text)]
    assert sum(counts) == len(gdf)
    cl = fig.coodiag_classification
    assert sum(cl.counts) + cl.n_nodata == len(gdf)
    assert re.search(r"\d+,\d\u00a0–|\d+,\d – \d+,\d\u00a0%", text)

    # the same figure saved twice gives the same SVG (deterministic output)
    again = maps.save(fig, tmp_path / "again", formats=("svg",))[0]
    assert again.read_bytes() == svg.read_bytes()


def test_choropleth_counts_are_masked(manche: dict, tmp_path: Path) -> None:
    gdf = manche["communes"]
    fig = maps.choropleth(
        gdf,
        "p21_chom1564",
        meta=manche["meta"]["p21_chom1564"],
        scheme="natural_breaks",
        labels=False,
    )
    svg = maps.save(fig, tmp_path / "chomeurs", formats=("svg",))[0]
    text = svg.read_text(encoding="utf-8")
    n_secret = int(((gdf["p21_chom1564"] > 0) & (gdf["p21_chom1564"] < 5)).sum())
    assert n_secret > 0
    assert "secret statistique (moins de 5)" in text and f"({n_secret}\u00a0communes)" in text
    assert fig.coodiag_classification.n_secret == n_secret
    assert "seuils naturels (Jenks)" in text
    assert "Secret statistique : effectifs inférieurs à 5 non diffusés." in text


def test_points_map_manche(manche: dict, tmp_path: Path) -> None:
    siae = manche["siae"].copy()
    siae["postes"] = np.arange(len(siae)) % 7 * 5 + 5.0
    siae["estime"] = np.arange(len(siae)) % 3 == 0
    fig = maps.points_map(
        siae,
        size="postes",
        estimated="estime",
        base=manche["communes"],
        context=manche["context"],
        subtitle="Manche",
    )
    png, svg = maps.save(fig, tmp_path / "siae")
    _png_ok(png)
    text = html.unescape(svg.read_text(encoding="utf-8"))
    n_aci = int((siae["type_siae"] == "ACI").sum())
    assert "ACI — atelier et chantier" in text and f"d'insertion\u00a0({n_aci})" in text
    assert "capacité estimée" in text and "Capacité (postes)" in text


# --------------------------------------------------------------------------------------------
# Interactive maps
# --------------------------------------------------------------------------------------------


def _manche_html(manche: dict) -> str:
    m = webmap.offline_map(title="Manche")
    webmap.choropleth_layer(
        m, manche["communes"], "p21_chom1564", meta=manche["meta"]["p21_chom1564"]
    )
    webmap.choropleth_layer(
        m, manche["communes"], "tx_chom1564_21", meta=manche["meta"]["tx_chom1564_21"], show=False
    )
    webmap.points_layer(m, manche["siae"])
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
        webmap.points_layer(m, manche["siae"])
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
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",  # network blocked
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
