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


# --------------------------------------------------------------------------------------------
# Large territories: outline from the départements, fast polygons, simplified and rasterised
# --------------------------------------------------------------------------------------------


def test_outline_of_whole_departements_is_their_union_without_slivers(manche: dict) -> None:
    """The Manche's outline is the département of the base (not 446 communes dissolved), the
    same area as the union of its communes; a 1 m² gap between two communes is no hole."""
    import shapely

    from coodiag.base import store
    from coodiag.outputs.geometry import (
        SLIVER_AREA,
        departements_outline,
        hole_threshold,
        study_outline,
    )

    communes = manche["communes"]
    union = shapely.union_all(communes.geometry.to_numpy())
    deps = store.read_level("departements", zone="metro")
    dep = deps.loc[deps["code"] == DEP, "geometry"].iloc[0]
    from_levels = departements_outline(communes)
    assert from_levels is not None
    assert from_levels.symmetric_difference(dep).area < 1e-9 * dep.area
    assert abs(from_levels.area - union.area) < 1e-6 * union.area
    assert departements_outline(communes.iloc[1:]) is None  # one commune missing: dissolved

    outline = study_outline(communes)
    assert study_outline(communes.copy()) is outline  # once per layer, shared by the maps
    holes = [r for p in shapely.get_parts(union) for r in p.interiors]
    slivers = [r for r in holes if shapely.Polygon(r).area < SLIVER_AREA]
    assert slivers, "plus d'interstice entre communes : le test ne teste rien"
    kept = [r for p in shapely.get_parts(outline) for r in p.interiors]
    least = hole_threshold(outline)  # 1 % of the Manche's span (143 km), squared: 2 km²
    assert 1.9e6 < least < 2.2e6
    assert len(kept) == sum(shapely.Polygon(r).area >= least for r in holes)


def test_polygons_drawn_as_geopandas_draws_them(manche: dict) -> None:
    """One path per commune, the same vertices and codes as ``GeoDataFrame.plot``."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from coodiag.outputs.polygons import draw_polygons

    communes = manche["communes"]
    parts = communes.geometry.explode(index_parts=False)  # Polygons only, some with holes
    assert (parts.geom_type == "Polygon").all() and (parts.interiors.str.len() > 0).any()
    for layer in (communes.geometry, parts):
        fig = Figure()
        ax = fig.add_subplot()
        layer.plot(ax=ax)
        ref = ax.collections[0].get_paths()
        ours = draw_polygons(ax, layer, facecolor="#cccccc").get_paths()
        assert len(ours) == len(ref) == len(layer)
        for a, b in zip(ours, ref, strict=True):
            assert np.array_equal(a.vertices, b.vertices) and np.array_equal(a.codes, b.codes)
    assert not getattr(fig, "coodiag_rasterized", False)  # a département: vectors
    assert mpl.rcParams["path.simplify"]  # (matplotlib's own drawing left as it is)


def test_map_of_france_simplified_and_rasterised_in_svg(tmp_path: Path) -> None:
    """34,746 communes: drawn simplified below a pixel, the polygons an image inside the SVG
    (a few MB, not 60), every commune counted in the legend, the outline from the départements."""
    import re

    from coodiag.base import store
    from coodiag.outputs.polygons import RASTER_UNITS, draw_tolerance

    communes = store.read_level("communes", zone="metro")
    ind = store.read_table("indicateurs_communes")[["code", "tx_chom1564_21"]]
    gdf = communes.merge(ind, on="code", how="left")
    assert len(gdf) > RASTER_UNITS
    fig = maps.choropleth(gdf, "tx_chom1564_21", labels=False)
    assert fig.coodiag_rasterized
    ax = fig.axes[0]
    fills = [c for c in ax.collections if c.get_rasterized()]
    assert fills
    drawn = sum(len(p) for p in fills[0].get_paths())
    assert 0 < drawn < 0.8 * int(gdf.geometry.count_coordinates().sum())
    assert 100 < draw_tolerance(ax) < 1000  # metres: a quarter of a pixel at 200 dpi
    cl = fig.coodiag_classification
    assert sum(cl.counts) + cl.n_nodata == len(gdf)
    svg = maps.save(fig, tmp_path / "france", formats=("svg",))[0]
    text = svg.read_text(encoding="utf-8")
    assert svg.stat().st_size < 10_000_000 and "<image" in text
    counts = [int(n.replace("\u202f", "")) for n in re.findall(r"\(([\d\u202f]+)\u00a0communes?\)",
                                                               text)]
    assert sum(counts) == len(gdf)  # the classes and the missing values


def test_points_map_of_france_draws_symbols_in_place() -> None:
    """3,900 SIAE would all chain into one pile: drawn at their place, smaller, no zoom."""
    from matplotlib.text import Text

    from coodiag.base import store
    from coodiag.outputs.geometry import to_metric
    from coodiag.outputs.pointmaps import SPREAD_MAX

    siae = store.read_level("siae")
    siae = siae[~siae["reg"].isin(["01", "02", "03", "04", "06"]) & siae.geometry.notna()]
    assert len(siae) > SPREAD_MAX
    fig = maps.points_map(siae, size="capacite" if "capacite" in siae.columns else None)
    ax = fig.axes[0]
    assert not ax.child_axes  # no zoom inset
    symbols = np.vstack([c.get_offsets() for c in ax.collections if c.get_zorder() == 7])
    assert len(symbols) == len(siae)  # one symbol each, none gathered in a numbered pile
    raw = to_metric(siae).geometry.get_coordinates().to_numpy()
    assert {tuple(p) for p in np.round(symbols)} == {tuple(p) for p in np.round(raw)}  # in place
    texts = " ".join(t.get_text().replace("\n", " ") for t in fig.findobj(Text))
    assert "trop nombreuses à cette échelle" in texts
    assert f"({len(siae)} au total)" in _legend_title(fig)


def test_web_geometries_of_france_from_the_display_file(manche: dict) -> None:
    """France's communes on a web map: the national display file of the base (simplified once
    at build time), not simplified again; a département keeps its own simplification."""
    import geopandas as gpd
    import shapely

    from coodiag.base import display, store
    from coodiag.outputs.geometry import simplify_for_web

    communes = store.read_level("communes")
    metro = communes[~communes["reg"].isin(["01", "02", "03", "04", "06"])]
    geoms = simplify_for_web(metro)
    national = gpd.read_parquet(display.display_dir() / f"communes_{display.FRANCE}.parquet")
    expected = national.set_index("code").geometry.reindex(metro["code"]).to_numpy()
    assert len(geoms) == len(metro) and shapely.equals(geoms, expected).all()
    manche_geoms = simplify_for_web(manche["communes"])
    assert not shapely.equals(
        manche_geoms, national.set_index("code").geometry.reindex(manche["communes"]["code"])
        .to_numpy()).all()
