"""Accessibility surfaces (issue 16) on the real base: the 2SFCA at any point equals the commune
2SFCA at the commune points; the GeoTIFF written by ``analyse surfaces`` holds what a direct
(brute force numpy) computation gives."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import shapely
from scipy.spatial import cKDTree
from typer.testing import CliRunner

from coodiag.analyses import access, surfaces
from coodiag.analyses.points import to_xy
from coodiag.cli import app
from coodiag.outputs.exports.geotiff import NODATA

AVRANCHES = "50025"


@pytest.fixture(scope="module")
def runs(metro_data) -> dict:
    m = metro_data
    return {decay: surfaces.supply_runs(m["communes"], m["registry"], m["demand"], decay=decay)
            for decay in ("step", "gaussian")}


@pytest.mark.parametrize("decay", ["step", "gaussian"])
def test_surface_at_commune_points_equals_the_commune_2sfca(metro_data, runs, decay) -> None:
    m = metro_data
    commune_acc = access.accessibility(m["communes"], m["registry"], m["demand"], decay=decay)
    xy = to_xy(m["communes"]["point"])
    names = [r.name for r in runs[decay]]
    assert names == [*access.TYPES_SIAE, access.ALL]
    for run in runs[decay]:
        at = surfaces.access_at(xy, run, decay=decay)
        ref = commune_acc[f"acces_{run.name}"].to_numpy()
        assert np.isfinite(at).all() and np.isfinite(ref).all()
        assert np.abs(at - ref).max() <= 1e-9, run.name
        assert (ref > 0).sum() > 20_000  # not a trivially empty comparison
    # The same SIAE as the commune 2SFCA: all metropolitan SIAE of the four types with capacity.
    assert len(runs[decay][-1].xy) == commune_acc.attrs["parametres"]["siae_utilisees"]["ensemble"]


def _brute_access(cells_xy, communes, registry, demand, kind, radius_km) -> np.ndarray:
    """A(x) straight from the definition, dense numpy, independent of the module's code."""
    reg = registry[(registry["dep"].astype(str).str[:2] != "97") & registry["capacite"].notna()
                   & ~registry.geometry.is_empty & registry.geometry.notna()]
    reg = reg[reg["type_siae"] == kind] if kind != access.ALL else reg[
        reg["type_siae"].isin(access.TYPES_SIAE)]
    sxy = to_xy(reg.geometry.to_crs(communes.crs))
    cap = reg["capacite"].to_numpy("float64")
    d_cell = np.hypot(cells_xy[:, None, 0] - sxy[None, :, 0],
                      cells_xy[:, None, 1] - sxy[None, :, 1]) / 1000
    near = (d_cell <= radius_km).any(axis=0)  # SIAE in reach of one of the cells
    cxy = to_xy(communes["point"])
    dem = communes["code"].map(demand.set_index("code")["demande"]).fillna(0).to_numpy()
    d_com = np.hypot(cxy[:, None, 0] - sxy[None, near, 0],
                     cxy[:, None, 1] - sxy[None, near, 1]) / 1000
    ratio = cap[near] / ((d_com <= radius_km) * dem[:, None]).sum(axis=0)
    return ((d_cell[:, near] <= radius_km) * ratio[None, :]).sum(axis=1)


@pytest.fixture(scope="module")
def manche_tif(base, tmp_path_factory):
    out = tmp_path_factory.mktemp("surfaces") / "manche"
    result = CliRunner().invoke(app, ["analyse", "surfaces", "-t", "dep:50", "--resolution",
                                      "200", "--sortie", str(out), "--ouvrir",
                                      f"{AVRANCHES}:ACI:25"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_geotiff_metadata_and_cells(manche_tif, metro_data) -> None:
    out, text = manche_tif
    assert "Surfaces d'accessibilité — Manche (département 50)" in text
    assert "3 fichiers GeoTIFF écrits" in text and (out / ".coodiag-atlas").exists()
    communes = metro_data["communes"]
    manche = communes[communes["dep"] == "50"]
    with rasterio.open(out / "accessibilite.tif") as src:
        assert src.crs.to_epsg() == 2154
        t = src.transform
        assert (t.a, t.e, t.b, t.d) == (200.0, -200.0, 0.0, 0.0)
        assert t.c % 200 == 0 and t.f % 200 == 0
        x0, _, _, y1 = manche.total_bounds
        assert t.c <= x0 < t.c + 200 and t.f - 200 < y1 <= t.f
        assert src.nodata == NODATA and src.dtypes[0] == "float32" and src.count == 5
        assert src.block_shapes[0] == (512, 512) and src.overviews(1)
        assert src.descriptions[0] == "Accessibilité aux structures ACI, pour 1 000 chômeurs"
        assert src.units[0] == "salariés en insertion pour 1 000 chômeurs"
        tags, band = src.tags(), src.tags(5)
        assert tags["TERRITOIRE"] == "Manche (département 50)" and tags["RESOLUTION_M"] == "200"
        assert "DARES" in tags["SOURCE"] and "registre des SIAE" in tags["SOURCE"]
        assert band["INDICATEUR"] == "acces_ensemble_pour_1000" and "2SFCA" in band["METHODE"]
        assert band["MILLESIME"].startswith("SIAE 2019-2021")
        acc = src.read()
    # Clipped to the territory: a cell is valid exactly where its centre is in the Manche.
    valid = acc[4] != NODATA
    rows, cols = np.indices(valid.shape)
    xs = t.c + (cols + 0.5) * 200
    ys = t.f - (rows + 0.5) * 200
    pick = np.random.default_rng(0).choice(valid.size, 4000, replace=False)
    shape = shapely.union_all(manche.geometry.to_numpy())
    centre_in = shapely.contains_xy(shape, xs.ravel()[pick], ys.ravel()[pick])
    assert (valid.ravel()[pick] == centre_in).mean() > 0.998  # border cells: GDAL's rounding
    # A few cells against the definition: Avranches' town hall, the Hague, inland cells.
    av = to_xy(manche.loc[manche["code"] == AVRANCHES, "point"])[0]
    r_av, c_av = int((t.f - av[1]) // 200), int((av[0] - t.c) // 200)
    cells = [(r_av, c_av), *[tuple(rc) for rc in np.argwhere(valid)[::20_000]]]
    cxy = np.array([[t.c + (c + 0.5) * 200, t.f - (r + 0.5) * 200] for r, c in cells])
    for kind, radius, b in [("ACI", 30, 0), ("AI", 20, 1), ("ensemble", 30, 4)]:
        want = 1000 * _brute_access(cxy, communes, metro_data["registry"], metro_data["demand"],
                                    kind, radius)
        got = np.array([acc[b][r, c] for r, c in cells])
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6, err_msg=kind)
        assert (want > 0).sum() >= 5
    with rasterio.open(out / "distance.tif") as src:
        assert src.units[0] == "km" and src.tags(1)["INDICATEUR"] == "dist_ACI_km"
        dist = src.read(1)
    reg = metro_data["registry"]
    sxy = to_xy(reg[reg["type_siae"] == "ACI"].geometry.to_crs(communes.crs).dropna())
    want = np.hypot(cxy[:, None, 0] - sxy[None, :, 0], cxy[:, None, 1] - sxy[None, :, 1])
    got = np.array([dist[r, c] for r, c in cells])
    np.testing.assert_allclose(got, np.nanmin(want, axis=1) / 1000, rtol=1e-6)


def test_scenario_raster_is_the_new_structure_share(manche_tif, metro_data) -> None:
    """Opening an ACI of 25 places at Avranches' town hall leaves every other R_j unchanged:
    the change is 1000 × 25 / (unemployed within 30 km of it) within 30 km, 0 beyond."""
    out, _ = manche_tif
    communes, dem = metro_data["communes"], metro_data["demand"]
    av = to_xy(communes.loc[communes["code"] == AVRANCHES, "point"])[0]
    cxy = to_xy(communes["point"])
    d = np.hypot(cxy[:, 0] - av[0], cxy[:, 1] - av[1]) / 1000
    reach = communes["code"].map(dem.set_index("code")["demande"]).fillna(0).to_numpy()
    share = 1000 * 25 / reach[d <= 30].sum()
    with rasterio.open(out / "variation.tif") as src:
        assert [src.tags(i)["INDICATEUR"] for i in (1, 2)] == [
            "variation_ACI_pour_1000", "variation_ensemble_pour_1000"]
        var, t = src.read(1), src.transform
    rows, cols = np.indices(var.shape)
    dc = np.hypot(t.c + (cols + 0.5) * 200 - av[0], t.f - (rows + 0.5) * 200 - av[1]) / 1000
    valid = var != NODATA
    np.testing.assert_allclose(var[valid & (dc < 29.9)], share, rtol=1e-5)
    assert (var[valid & (dc > 30.1)] == 0).all()
    assert (valid & (dc < 29.9)).sum() > 10_000


def test_overseas_zone_in_its_utm(base, tmp_path) -> None:
    out = tmp_path / "reunion"
    result = CliRunner().invoke(app, ["analyse", "surfaces", "-t", "dep:974", "--resolution",
                                      "1000", "--sortie", str(out), "--noyau", "gaussien"])
    assert result.exit_code == 0, result.output
    with rasterio.open(out / "accessibilite.tif") as src:
        assert src.crs.to_epsg() == 2975 and src.transform.a == 1000
        assert "gaussienne" in src.tags()["DECROISSANCE"]
        v = src.read(5, masked=True)
    assert 2000 < v.count() < 3000  # La Réunion: 2,512 km²
    assert float(v.max()) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resolution", "10"], "--resolution 10 : taille de cellule en mètres attendue"),
        (["--noyau", "triangle"], "--noyau « triangle » inconnu"),
        (["--sigma", "5"], "--sigma 5 : un écart-type positif (km), avec --noyau gaussien"),
        (["--ouvrir", "50025:XYZ"], "type de SIAE inconnu « XYZ »"),
        (["--fermer", "99999999999999"], "SIRET absent du registre : 99999999999999"),
        (["-t", "dep:999"], "999"),
        (["--ouvrir", "5X:ACI"], "code commune INSEE mal formé"),
        (["--ouvrir", "97411:ACI"], "Commune inconnue : 97411 (la structure doit être dans une "
         "commune de la même zone que le territoire)"),
    ],
)
def test_bad_input_french_message(base, tmp_path, args, message) -> None:
    cmd = ["analyse", "surfaces", "-t", "dep:50", "--sortie", str(tmp_path / "s"), *args]
    if "-t" in args:
        cmd = cmd[:2] + cmd[4:]
    result = CliRunner().invoke(app, cmd)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def test_refuses_a_folder_not_written_by_coodiag(base, tmp_path) -> None:
    (tmp_path / "mes-notes.txt").write_text("à garder")
    result = CliRunner().invoke(app, ["analyse", "surfaces", "-t", "dep:50", "--sortie",
                                      str(tmp_path)])
    assert result.exit_code == 1 and "Dossier de sortie refusé" in result.output
    assert (tmp_path / "mes-notes.txt").read_text() == "à garder"



def test_atlas_surface_page(base) -> None:
    """The atlas page: the surface to all SIAE of the Manche at 200 m, drawn in classes whose
    legend counts every cell of the territory, under the SIAE points."""
    import matplotlib.pyplot as plt

    from coodiag.outputs.surfacemap import surface_section
    from coodiag.reports.context import Context
    from coodiag.reports.surfaces import atlas_surface

    ctx = Context()
    manche = ctx.metro[ctx.metro["dep"] == "50"]
    surface = atlas_surface(ctx, set(manche["code"]))
    assert surface.params["resolution_m"] == 200 and surface.grid.n_cells > 140_000
    assert [b.name for b in surface.layers["accessibilite"]] == [access.ALL]
    values = surface.layers["accessibilite"][0].values
    offer = ctx.registry[ctx.registry["dep"] == "50"].to_crs(manche.crs)
    item = surface_section(surface, manche, offer, None).items[0]
    fig = item.figure()
    try:
        texts = [t.get_text() for t in fig.legends[0].get_texts()]
        counts = [int(t.split("(")[-1].split(" cellules")[0].replace("\u202f", ""))
                  for t in texts if "cellules)" in t]
        assert sum(counts) == np.isfinite(values).sum() == surface.grid.n_cells
        assert f"Structures d'insertion ({len(offer)})" in texts
        assert fig.axes[0].images  # the raster is drawn
    finally:
        plt.close(fig)


@pytest.fixture(scope="module")
def grid_file(metro_data, tmp_path_factory) -> tuple:
    """A file in the Filosofi format built from the real base: the 200 m cell (EPSG:3035)
    holding each metropolitan commune's representative point, Ind = its population 2022."""
    from pyproj import Transformer

    m = metro_data["communes"]
    xy = to_xy(m["point"])
    x, y = Transformer.from_crs(2154, 3035, always_xy=True).transform(xy[:, 0], xy[:, 1])
    e, n = (np.floor(x / 200) * 200).astype(int), (np.floor(y / 200) * 200).astype(int)
    pop = m["code"].map(metro_data["ind"].set_index("code")["pop22"]).fillna(0).round(1)
    path = tmp_path_factory.mktemp("carroyage") / "carreaux_200m_met.csv"
    path.write_text("Idcar_200m;Ind;Men\n" + "".join(
        f"CRS3035RES200mN{b}E{a};{str(p).replace('.', ',')};1\n"
        for a, b, p in zip(e, n, pop, strict=True)), encoding="utf-8")
    return path, int((pop > 0).sum())


def test_gridded_population_places_the_commune_demand(metro_data, grid_file) -> None:
    from coodiag.analyses.surface_demand import grid_demand
    from coodiag.userfiles.carroyage import read_grid_population

    path, inhabited = grid_file
    cells = read_grid_population(path)
    assert len(cells) == inhabited and set(cells["epsg"]) == {3035}
    assert set(cells["taille_m"]) == {200}
    m, dem = metro_data["communes"], metro_data["demand"]
    xy, values, stats = grid_demand(cells, m, dem)
    # Nothing lost: the demand of every commune is placed somewhere.
    total = float(dem["demande"].fillna(0).sum())
    assert abs(values.sum() - total) < 1e-6 * total and stats["cellules"] > 34_000
    # Each cell is within 200 m of the commune point it was built from.
    near, _ = cKDTree(to_xy(m["point"])).query(xy[: stats["cellules"]])
    assert near.max() < 142  # half the diagonal of a 200 m cell
    # 2SFCA conservation on the new demand points: Σ A(x_i) D_i = Σ S_j over the SIAE with
    # demand in reach (the offer is shared out, not duplicated).
    run = surfaces.supply_runs(m, metro_data["registry"], dem, demand_points=(xy, values))[-1]
    shared = (run.capacity * (run.ratio > 0)).sum()
    at = surfaces.access_at(xy, run)
    assert abs((at * values).sum() - shared) < 1e-6 * shared
    # The commune 2SFCA moved by at most ~140 m per commune: nearly the same values.
    ref = surfaces.supply_runs(m, metro_data["registry"], dem)[-1]
    a_ref = surfaces.access_at(to_xy(m["point"]), ref)
    a_new = surfaces.access_at(to_xy(m["point"]), run)
    assert np.corrcoef(a_ref, a_new)[0, 1] > 0.99 and not np.allclose(a_ref, a_new)


def test_gridded_population_in_the_command(base, grid_file, tmp_path) -> None:
    path, _ = grid_file
    out = tmp_path / "pop"
    result = CliRunner().invoke(app, ["analyse", "surfaces", "-t", "dep:50", "--resolution",
                                      "1000", "--sortie", str(out), "--population", str(path)])
    assert result.exit_code == 0, result.output
    with rasterio.open(out / "accessibilite.tif") as src:
        assert "population carroyée" in src.tags(5)["METHODE"]
        assert "carreaux_200m_met.csv" in src.tags()["SOURCE"]
    result = CliRunner().invoke(app, ["analyse", "surfaces", "-t", "dep:974", "--resolution",
                                      "1000", "--sortie", str(tmp_path / "r"), "--population",
                                      str(path)])
    assert result.exit_code == 1 and "hors de la zone du territoire" in result.output


def test_gridded_population_bad_rows_in_french(base, tmp_path) -> None:
    from coodiag.errors import DataError
    from coodiag.userfiles.carroyage import read_grid_population

    bad = tmp_path / "carreaux.csv"
    bad.write_text("idcar_200m;ind\nCRS3035RES200mN2573200E3928400;12\nN2573200E39;4\n"
                   "CRS3035RES200mN2573400E3928400;-3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"carreaux.csv, colonne idcar_200m : identifiant de "
                       r"carreau illisible .* aux lignes 3 \(« N2573200E39 »\)"):
        read_grid_population(bad)
    bad.write_text("idcar_200m;ind\nCRS3035RES200mN2573400E3928400;-3\n", encoding="utf-8")
    with pytest.raises(DataError, match="colonne ind : nombre d'individus absent ou négatif "
                       "aux lignes 2"):
        read_grid_population(bad)
    bad.write_text("carreau;habitants\nx;1\n", encoding="utf-8")
    with pytest.raises(DataError, match="colonne obligatoire absente"):
        read_grid_population(bad)
