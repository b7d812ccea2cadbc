"""Benchmark: accessibility surfaces (issue 16), against a bare scipy floor.

Rows:

- the Manche at 200 m: every layer of ``analyse surfaces`` (2SFCA per type and all SIAE,
  distance to the nearest SIAE per type and any type) computed and written as GeoTIFF, the
  base already loaded (target ≤ 5 s); and the whole command, Python start included;
- metropolitan France at 200 m, all SIAE, 30 km, step kernel: coodiag's tiled evaluation
  (:func:`coodiag.analyses.surfaces.access_surface`) in a fresh process, its time and peak RSS
  (target ≤ 2 GB), against a floor written here with scipy only: a KD-tree of the cells
  (by blocks of :data:`FLOOR_BLOCK` cells, since all the pairs at once would need ~20 GB),
  ``cKDTree.sparse_distance_matrix`` against the SIAE tree, then the sparse matrix × R_j
  product (target: coodiag ≤ 1.5 × the floor). Both start from the same grid and R_j; the
  largest difference between the two surfaces is printed.

Run: ``.venv/bin/python bench/bench_surfaces.py`` (or ``rows()`` from ``bench/run.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR_BLOCK = 1_000_000

_SETUP = """
import json, time, resource
import numpy as np
from coodiag.reports.context import Context
from coodiag.analyses import surfaces
ctx = Context()
m, reg, dem = ctx.metro, ctx.registry, ctx.demand
run = surfaces.supply_runs(m, reg, dem)[-1]   # all SIAE, 30 km
assert run.name == "ensemble"
t0 = time.perf_counter()
grid = surfaces.make_grid(m.geometry, m.crs, 200)
"""

_OURS = _SETUP + """
out = surfaces.access_surface(grid, run)
t1 = time.perf_counter()
np.save(OUT, out)
print(json.dumps({"s": t1 - t0, "cells": grid.n_cells, "siae": len(run.xy),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_FLOOR = _SETUP + """
from scipy.spatial import cKDTree
rows, cols = np.nonzero(grid.inside)
keep = run.ratio > 0
tree = cKDTree(run.xy[keep])
ratio = run.ratio[keep]
acc = np.empty(len(rows))
for a in range(0, len(rows), BLOCK):
    r, c = rows[a:a + BLOCK], cols[a:a + BLOCK]
    xy = np.column_stack([grid.x0 + (c + 0.5) * grid.resolution,
                          grid.y0 - (r + 0.5) * grid.resolution])
    w = cKDTree(xy).sparse_distance_matrix(tree, run.radius_km * 1000, output_type="coo_matrix")
    w.data[:] = 1.0
    acc[a:a + BLOCK] = w.tocsr() @ ratio
t1 = time.perf_counter()
ours = np.load(OUT)[rows, cols]
print(json.dumps({"s": t1 - t0, "diff": float(np.abs(ours - acc).max()),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_MANCHE = """
import json, time, tempfile, pathlib
from coodiag.reports.context import Context
from coodiag.reports.surfaces import territory_surfaces
from coodiag.outputs.exports.geotiff import write_geotiff
ctx = Context()
codes = set(ctx.metro.loc[ctx.metro["dep"] == "50", "code"])
ctx.registry, ctx.demand  # loaded once, as in the command
t = time.perf_counter()
res = territory_surfaces(ctx, codes, resolution=200)[0]
t1 = time.perf_counter()
folder = pathlib.Path(tempfile.mkdtemp())
for layer, bands in res.layers.items():
    write_geotiff(folder / f"{layer}.tif", [(b.values, b.indicator) for b in bands],
                  crs=res.crs, transform=res.transform)
t2 = time.perf_counter()
print(json.dumps({"s": t2 - t, "calc": t1 - t, "write": t2 - t1, "cells": res.grid.n_cells}))
"""


def _child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rows() -> list[tuple[str, str, str, str]]:
    """The bench rows: (measure, value, target, reached)."""
    from coodiag import fr

    man = _child(_MANCHE)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "coodiag"), "analyse", "surfaces",
                        "-t", "dep:50", "--resolution", "200", "--sortie", f"{tmp}/s"],
                       cwd=ROOT, check=True, capture_output=True)
        command = time.perf_counter() - start
        arr = str(Path(tmp) / "ours.npy")
        ours = _child(_OURS.replace("OUT", repr(arr)))
        floor = _child(_FLOOR.replace("OUT", repr(arr)).replace("BLOCK", str(FLOOR_BLOCK)))
    ratio = ours["s"] / floor["s"]
    return [
        (f"Surfaces de la Manche à 200 m ({fr.integer(man['cells'])} cellules, 10 bandes, "
         "GeoTIFF écrits)", f"{man['s']:.2f} s", "≤ 5 s", "oui" if man["s"] <= 5 else "NON"),
        ("  dont calcul / écriture", f"{man['calc']:.2f} s / {man['write']:.2f} s", "", ""),
        ("  commande complète (démarrage Python et lecture de la base compris)",
         f"{command:.1f} s", "", ""),
        (f"Surface nationale 200 m, toutes SIAE, 30 km ({fr.integer(ours['cells'])} cellules "
         f"× {fr.integer(ours['siae'])} SIAE)", f"{ours['s']:.1f} s", "", ""),
        ("  mémoire maximale (RSS, processus entier)", f"{ours['peak']:.0f} Mio", "≤ 2 048 Mio",
         "oui" if ours["peak"] <= 2048 else "NON"),
        (f"  plancher scipy (cKDTree + matrice creuse, blocs de {fr.integer(FLOOR_BLOCK)} "
         "cellules)", f"{floor['s']:.1f} s ; {floor['peak']:.0f} Mio", "", ""),
        ("  rapport coodiag / plancher", f"{ratio:.2f}", "≤ 1,5",
         "oui" if ratio <= 1.5 else "NON"),
        ("  écart maximal entre les deux surfaces (float32)", f"{floor['diff']:.1e}", "", ""),
    ]


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Surfaces d'accessibilité (issue 16)")
    for col in ("Mesure", "Valeur", "Cible", "Atteinte"):
        table.add_column(col)
    for row in rows():
        table.add_row(*row)
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
