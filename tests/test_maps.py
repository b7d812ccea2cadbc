"""Static maps (matplotlib) on the Manche (dép. 50)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("mapclassify")

from coodiag.outputs import maps

DEP = "50"


def _png_ok(path: Path) -> None:
    from matplotlib import image

    img = image.imread(path)
    assert img.ndim == 3 and img.shape[0] > 800 and img.shape[1] > 800
    rgb = (img[..., :3] * 255).astype(np.uint8)
    assert rgb.std() > 20, "image presque uniforme"
    colours = np.unique(rgb[::4, ::4].reshape(-1, 3), axis=0)
    assert len(colours) > 20, f"trop peu de couleurs distinctes : {len(colours)}"


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
