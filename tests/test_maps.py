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


# --------------------------------------------------------------------------------------------
# Maps of the real Avranches diagnosis (issue 13: maps a reader can find their way in)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def avranches(base) -> dict:
    """The Avranches AI diagnosis, its document, its maps by name."""
    from coodiag.outputs.builders import diagnostic_document
    from coodiag.reports import diagnostic
    from coodiag.userfiles import read_salaries

    salaries = read_salaries("examples/salaries_ai_avranches_FICTIF.csv").data
    diag = diagnostic.run("37968077000029", salaries=salaries)
    doc = diagnostic_document(diag)
    return {"diag": diag, "doc": doc, "maps": {m.name: m for m in doc.maps()}}


def _legend_texts(fig) -> list[str]:
    return [t.get_text().replace("\n", " ") for leg in fig.legends for t in leg.get_texts()]


def _legend_title(fig) -> str:
    return fig.legends[0].get_title().get_text().replace("\n", " ")


def test_siae_map_counts_what_the_table_lists(avranches: dict) -> None:
    """« 10 au total » while the table listed 8: the SIAE outside the territory are apart."""
    diag, item = avranches["diag"], avranches["maps"]["offre_siae"]
    codes = set(diag.communes["code"])
    table = diag.offre[diag.offre["code_commune"].isin(codes)]
    assert len(table) == 8 and len(diag.offre) > len(table)  # Maen Roch is outside
    assert set(item.layer["siret"]) == set(table["siret"])  # the layer: territory SIAE only
    fig = item.figure()
    assert _legend_title(fig) == f"Type de structure ({len(table)} au total)"
    texts = _legend_texts(fig)
    per_type = table["type_siae"].value_counts()
    for t, n in per_type.items():
        assert any(x.startswith(f"{t} — ") and x.endswith(f"({n})") for x in texts), (t, texts)
    assert not any(x.startswith("SIAE voisines") for x in texts)  # Maen Roch is off the map


def test_colocated_siae_are_spread_not_hidden(avranches: dict, manche: dict) -> None:
    """The ACI of Avranches was behind the AI square; 10 SIAE of Cherbourg made one blob."""
    from coodiag.outputs.geometry import piles, spread, to_metric

    for pts, radius in ((avranches["maps"]["offre_siae"].layer, 900.0),
                        (manche["siae"], 1500.0)):
        m = to_metric(pts)
        xy = np.column_stack([m.geometry.x, m.geometry.y])
        radii = np.full(len(xy), radius)
        assert piles(xy, radii), "aucune structure superposée : le test ne teste rien"
        out, moved = spread(xy, radii)
        d = np.hypot(out[:, None, 0] - out[None, :, 0], out[:, None, 1] - out[None, :, 1])
        np.fill_diagonal(d, np.inf)
        assert d.min() >= 0.9 * 2 * radius, "deux symboles se recouvrent encore"
        assert moved.any() and np.all(out[~moved] == xy[~moved])


def test_salaries_map_zeros_are_a_class_secret_is_hatched(avranches: dict) -> None:
    """50 communes without any salarié were hatched « non disponible » with the secret ones;
    no class is empty, no value is printed in two classes."""
    diag, item = avranches["diag"], avranches["maps"]["salaries_par_commune"]
    pub = diag.impact_publie
    n_communes = len(diag.communes)
    n_secret = int(pub["salaries"].map(lambda v: isinstance(v, str)).sum())
    n_zero = n_communes - len(pub)
    assert n_secret > 0 and n_zero > 0
    fig = item.figure()
    cl = fig.coodiag_classification
    assert all(n > 0 for n in cl.counts)
    assert sum(cl.counts) + cl.n_nodata == n_communes
    assert cl.ranges[0] == "0" and cl.counts[0] == n_zero
    assert cl.n_nodata == n_secret and cl.nodata_label.startswith("secret statistique")
    texts = _legend_texts(fig)
    assert f"0 ({n_zero}\u00a0communes)" in texts
    lows = [int(r.split(" – ")[0]) for r in cl.ranges]
    highs = [int(r.split(" – ")[-1]) for r in cl.ranges]
    assert all(h < lo for h, lo in zip(highs[:-1], lows[1:], strict=True)), cl.ranges
    # the table of the same page lists the same published communes
    shown = pub[~pub["salaries"].map(lambda v: isinstance(v, str))]
    assert sum(cl.counts[1:]) == len(shown)


def test_area_maps_name_towns_and_show_the_siae(avranches: dict) -> None:
    diag = avranches["diag"]
    n_siae = int(diag.offre["code_commune"].isin(set(diag.communes["code"])).sum())
    for name in ("classes_couverture", "accessibilite"):
        fig = avranches["maps"][name].figure()
        texts = _legend_texts(fig)
        assert f"Structures d'insertion ({n_siae})" in texts, (name, texts)
        names = {t.get_text() for ax in fig.axes for t in ax.texts}
        assert {"Avranches", "Granville"} <= names, (name, names)
        if name == "classes_couverture":
            assert all("(0\u00a0commune" not in t for t in texts)


def test_epci_names_on_a_map_of_epci(manche: dict) -> None:
    gdf = manche["communes"][["epci", "epci_nom", "p21_chom1564", "geometry"]]
    epci = gdf.dissolve(by="epci", aggfunc={"epci_nom": "first", "p21_chom1564": "sum"})
    epci = epci.reset_index().rename(columns={"epci_nom": "nom"})
    fig = maps.choropleth(epci, "p21_chom1564", meta=manche["meta"]["p21_chom1564"],
                          context=manche["context"], level="epci")
    names = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert "CA du Cotentin" in names, names  # « Communauté d'agglomération » abbreviated
    assert sum("\n" in n for n in names) >= 1  # long names on two lines


def test_points_map_zoom_inset_locator_and_sea(manche: dict) -> None:
    """The SIAE of Cherbourg (one blob) get a zoom inset; France locates the Manche; the sea
    and the land around are not drawn alike."""
    from matplotlib.colors import to_hex

    from coodiag.outputs.palettes import CONTEXT_COLOR, SEA_COLOR

    siae = manche["siae"]
    fig = maps.points_map(siae, base=manche["communes"], context=manche["context"])
    ax = fig.axes[0]
    n_cherbourg = int((siae["commune"] == "Cherbourg-en-Cotentin").sum())
    assert n_cherbourg >= 6
    insets = ax.child_axes
    assert len(insets) == 2  # the zoom and the locator, in two different corners
    assert len(set(ax.coodiag_corners)) == 2
    titles = {t.get_text() for a in insets for t in a.texts}
    assert any(t.startswith("Cherbourg-en-Cotentin") and t.endswith(" structures") for t in titles)
    counts = [t.get_text() for t in ax.texts if t.get_text().isdigit()]
    assert counts and int(counts[0]) >= n_cherbourg  # one numbered symbol on the map
    assert _legend_title(fig) == f"Type de structure ({len(siae)} au total)"
    faces = {to_hex(p.get_facecolor()) for p in ax.patches}
    assert SEA_COLOR in faces
    land = {to_hex(c) for coll in ax.collections for c in coll.get_facecolor()}
    assert CONTEXT_COLOR in land and SEA_COLOR != CONTEXT_COLOR
