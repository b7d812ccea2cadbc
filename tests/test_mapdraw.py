"""Maps of a document drawn two at a time, SVG optional above a size, and the shortcuts that
make the France atlas fast (outline of the départements reused, grid mask from whole
départements, fast membership of codes): each gives the same result as the long way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

import coodiag
from coodiag import codes
from coodiag.base import store
from coodiag.outputs import geometry, mapdraw, maps
from coodiag.outputs.builders import document_of
from coodiag.outputs.document import AtlasDocument, MapItem, Section


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_maps_drawn_in_two_processes_are_the_same_files(base: dict, tmp_path: Path) -> None:
    """The Manche atlas: every map file is the same bytes whether the maps are shared with a
    forked child or drawn one after the other; the GeoPackage layers get their styles."""
    doc = document_of(coodiag.territory_atlas("dep:50"))
    items = list(doc.maps())
    assert len(items) >= mapdraw.PARALLEL_MAPS
    together = mapdraw.draw_maps(doc, tmp_path / "a", 170, parallel=True)
    styles = {i.name: i.layer.attrs.get("qgis_style") for i in items if i.layer is not None}
    alone = mapdraw.draw_maps(doc, tmp_path / "b", 170, parallel=False)
    assert list(together) == list(alone) == [i.name for i in items]  # the document's order
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == sorted(b) and a == b
    assert all(asset.svg is not None for asset in together.values())  # a département: vectors
    assert not (tmp_path / "a" / mapdraw.MAPS_NOTE).exists()
    assert any(s is not None for s in styles.values())
    assert styles == {i.name: i.layer.attrs.get("qgis_style") for i in items
                      if i.layer is not None}


def _france_document() -> AtlasDocument:
    communes = store.read_level("communes", zone="metro")
    ind = store.read_table("indicateurs_communes")[["code", "tx_chom1564_21"]]
    gdf = communes.merge(ind, on="code", how="left")
    item = MapItem(name="chomage_france", title="Chômage",
                   figure=lambda: maps.choropleth(gdf, "tx_chom1564_21", labels=False),
                   layer=gdf[["code", "tx_chom1564_21", "geometry"]])
    return AtlasDocument(title="France", subtitle="", slug="france", cover_lines=[],
                         sections=[Section("Carte", [item])], methods=[], sources=[],
                         snapshot={})


def test_map_of_too_many_polygons_has_its_png_only_unless_asked(base: dict,
                                                                tmp_path: Path) -> None:
    doc = _france_document()
    assets = mapdraw.draw_maps(doc, tmp_path / "auto", 120)
    assert assets["chomage_france"].svg is None
    assert [p.name for p in (tmp_path / "auto").iterdir()] != []
    assert not (tmp_path / "auto" / "chomage_france.svg").exists()
    note = (tmp_path / "auto" / mapdraw.MAPS_NOTE).read_text("utf-8")
    assert "- chomage_france.png" in note and "--svg" in note
    forced = mapdraw.draw_maps(doc, tmp_path / "svg", 120, svg=True)
    assert forced["chomage_france"].svg.stat().st_size > 100_000
    assert "- chomage_france.svg" in (tmp_path / "svg" / mapdraw.MAPS_NOTE).read_text("utf-8")
    # the PNG is the same either way
    assert ((tmp_path / "auto" / "chomage_france.png").read_bytes()
            == (tmp_path / "svg" / "chomage_france.png").read_bytes())


def test_outline_of_france_shared_by_its_levels(base: dict) -> None:
    """The zones d'emploi and the EPCI of France take the outline of its départements (built
    from its 13 régions): the same polygon as dissolving the départements one by one."""
    geometry.OUTLINES.clear()
    communes = store.read_level("communes", zone="metro")
    deps = store.read_level("departements", zone="metro")
    slow = geometry.without_slivers(
        shapely.union_all(np.asarray(deps.geometry.array, dtype=object)))
    outline = geometry.study_outline(communes)
    assert shapely.hausdorff_distance(outline, slow) < 1.0
    # no lake of France is 100 km² (1 % of its span, squared): none drawn as a speck
    assert geometry.hole_threshold(outline) > 99e6
    assert not shapely.get_num_interior_rings(shapely.get_parts(outline)).any()
    assert abs(outline.area - slow.area) < 10.0  # m², over 548,227 km²
    zones = store.read_level("zones_emploi", zone="metro")
    epci = store.read_level("epci", zone="metro")
    assert geometry.study_outline(zones) is outline
    assert geometry.study_outline(epci) is outline  # 4 island communes outside any EPCI
    geometry.OUTLINES.clear()
    assert shapely.hausdorff_distance(geometry.study_outline(epci), outline) < 1.0  # alone too
    geometry.OUTLINES.clear()
    manche = communes[communes["dep"] == "50"]
    cotentin = manche[manche["ze2020"] == manche["ze2020"].iloc[0]]
    first = geometry.study_outline(manche)
    assert geometry.study_outline(cotentin) is not first  # another area: dissolved itself
    geometry.OUTLINES.clear()


def test_grid_mask_from_whole_departements_is_the_communes_mask(base: dict) -> None:
    from coodiag.analyses import surfaces
    from coodiag.reports.context import Context
    from coodiag.reports.surfaces import mask_geometries

    ctx = Context()
    metro = ctx.metro
    for inside in (metro, metro[metro["reg"] == "28"],
                   metro[(metro["dep"] == "50") | (metro["ze2020"] == "2802")]):
        shapes = mask_geometries(ctx, "metro", inside)
        assert len(shapes) < len(inside)
        fast = surfaces.make_grid(shapes, metro.crs, 1000)
        slow = surfaces.make_grid(inside.geometry, metro.crs, 1000)
        assert (fast.x0, fast.y0, fast.inside.shape) == (slow.x0, slow.y0, slow.inside.shape)
        assert np.array_equal(fast.inside, slow.inside)
    assert int(surfaces.make_grid(mask_geometries(ctx, "metro", metro), metro.crs,
                                  1000).inside.sum()) == 548_202


@pytest.mark.parametrize("step", [1, 2, 7])
def test_isin_of_codes_is_pandas_isin(base: dict, step: int) -> None:
    table = store.read_table("indicateurs_communes")
    wanted = set(table["code"].iloc[::step]) | {"99999", None}
    col = table["code"].copy()
    col.iloc[3] = None
    assert codes.isin(col, wanted).equals(col.isin(wanted - {None}))
    assert codes.isin(col, list(wanted)).sum() == len(set(col.iloc[::step].dropna()))
    assert not codes.isin(col.iloc[:0], wanted).any()
    numbers = table["p21_pop"] if "p21_pop" in table else table.select_dtypes("number").iloc[:, 0]
    assert codes.isin(numbers, [numbers.iloc[0]]).equals(numbers.isin([numbers.iloc[0]]))


def test_atlas_command_offers_svg() -> None:
    from typer.testing import CliRunner

    from coodiag.cli import app

    out = CliRunner().invoke(app, ["atlas", "--help"], terminal_width=200)
    assert out.exit_code == 0 and "--svg" in out.output and "LISEZMOI" in out.output
