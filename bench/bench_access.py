"""Benchmark: national 2SFCA of coodiag (sparse KD-tree pairs) against pysal ``access``.

Same inputs on both sides: every metropolitan commune (representative point, Lambert-93;
demand = unemployed 15-64, census where known, estimated elsewhere: ``demand.demand``) × every
metropolitan SIAE with a capacity (ACI, AI, EI, ETTI; DARES averages where unknown), one
radius (30 km), step and Gaussian decay (σ = 15 km, pysal's ``weights.gaussian``).

pysal ``access`` needs a cost table: it gets the full cross join (every commune × every SIAE,
the way its ``create_euclidean_distance`` builds it, here in numpy to spare it 2 × 130 million
shapely points) with the same distance expression (``hypot(dx, dy) / 1000``), then
``Access.two_stage_fca(max_cost=30, weight_fn=...)``. It runs in a subprocess whose memory is
watched: above the limit it is stopped and the comparison is redone on a large real subset
(the northern half of France), which the table then says. A last row feeds pysal only the
pairs within the radius (coodiag's sparse pairs) to show what the cross join costs.

Run: ``.venv/bin/python bench/bench_access.py`` (or ``main()`` from ``bench/run.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RADIUS_KM = 30.0
SIGMA_KM = 15.0
REPEAT = 5
#: Northern half of France (régions), the fallback when the national cross join does not fit.
SUBSET_REGIONS = ("11", "24", "27", "28", "32", "44", "52", "53")
SUBSET_LABEL = (
    "moitié nord (Île-de-France, Centre-Val de Loire, Bourgogne-Franche-Comté, Normandie, "
    "Hauts-de-France, Grand Est, Pays de la Loire, Bretagne)"
)


def inputs(regions: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Commune points / demand and SIAE points / capacity (metres, Lambert-93), as arrays."""
    from coodiag.analyses import access, demand, points
    from coodiag.analyses.offer import apply_capacity
    from coodiag.base import store

    communes = store.read_level("communes", zone="metro")
    reg = apply_capacity(store.read_level("siae"))
    dem = demand.demand(
        communes,
        store.read_table("indicateurs_communes"),
        store.read_table("indicateurs_zones_emploi"),
    )
    ok = (
        points.usable_siae(reg)
        & (points.siae_zone(reg) == "metro").fillna(False)
        & reg["type_siae"].isin(access.TYPES_SIAE)
        & reg["capacite"].notna()
    ).to_numpy()
    reg = reg.loc[ok]
    if regions is not None:
        communes = communes[communes["reg"].isin(regions)]
        reg = reg[reg["reg"].isin(regions).fillna(False)]
    d = dem.set_index("code")["demande"]
    return {
        "d_xy": points.to_xy(communes["point"]),
        "dem": np.nan_to_num(communes["code"].map(d).to_numpy("float64"), nan=0.0),
        "s_xy": points.to_xy(reg.geometry.to_crs(communes.crs)),
        "cap": reg["capacite"].to_numpy("float64"),
    }


def ours(data: dict[str, np.ndarray], decay: str) -> tuple[float, np.ndarray]:
    """Best wall time of :func:`coodiag.analyses.fca.two_stage_fca` and its result."""
    from coodiag.analyses.fca import two_stage_fca

    best, res = float("inf"), None
    for _ in range(REPEAT):
        start = time.perf_counter()
        res = two_stage_fca(
            data["s_xy"],
            data["cap"],
            data["d_xy"],
            data["dem"],
            radius_km=RADIUS_KM,
            decay=decay,
            sigma_km=SIGMA_KM,
        )
        best = min(best, time.perf_counter() - start)
    return best, res.access


def _pysal_child(path_in: str, path_out: str, sparse: bool) -> None:
    """In the subprocess: build the cost table, run pysal ``access``, save times and values."""
    import pandas as pd
    from access import Access, weights

    data = np.load(path_in)
    d_xy, s_xy, dem, cap = data["d_xy"], data["s_xy"], data["dem"], data["cap"]
    n, m = len(d_xy), len(s_xy)
    start = time.perf_counter()
    if sparse:
        from coodiag.analyses.fca import pairs_within

        i, j, cost = pairs_within(d_xy, s_xy, RADIUS_KM)
        origin, dest = i.astype(np.int32), j.astype(np.int32)
    else:
        origin = np.repeat(np.arange(n, dtype=np.int32), m)
        dest = np.tile(np.arange(m, dtype=np.int32), n)
        cost = np.hypot(d_xy[origin, 0] - s_xy[dest, 0], d_xy[origin, 1] - s_xy[dest, 1])
        cost /= 1000.0
    cost_df = pd.DataFrame({"origin": origin, "dest": dest, "cost": cost})
    del origin, dest, cost
    t_cost = time.perf_counter() - start
    out = {"t_cost": t_cost, "rows": len(cost_df)}
    for decay, fn in (("step", None), ("gaussian", weights.gaussian(SIGMA_KM))):
        acc = Access(
            demand_df=pd.DataFrame({"geoid": np.arange(n), "demand": dem}),
            demand_index="geoid",
            demand_value="demand",
            supply_df=pd.DataFrame({"geoid": np.arange(m), "supply": cap}),
            supply_index="geoid",
            supply_value="supply",
            cost_df=cost_df,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        start = time.perf_counter()
        res = acc.two_stage_fca(name="fca", max_cost=RADIUS_KM, weight_fn=fn)
        out[f"t_{decay}"] = time.perf_counter() - start
        out[f"a_{decay}"] = res["fca_supply"].reindex(np.arange(n)).fillna(0).to_numpy()
    np.savez(path_out, **out)


def pysal(
    data: dict[str, np.ndarray], *, sparse: bool = False, limit_bytes: int | None = None
) -> dict | None:
    """Run pysal in a subprocess under a memory watch; None if it went over the limit."""
    import psutil

    if limit_bytes is None:
        limit_bytes = int(min(14 * 2**30, 0.75 * psutil.virtual_memory().available))
    with tempfile.TemporaryDirectory() as tmp:
        path_in, path_out = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(path_in, **data)
        args = [sys.executable, __file__, "--pysal-child", str(path_in), str(path_out)]
        if sparse:
            args.append("--sparse")
        proc = subprocess.Popen(args, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        child = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                rss = child.memory_info().rss
            except psutil.NoSuchProcess:
                break
            peak = max(peak, rss)
            if rss > limit_bytes:
                proc.kill()
                proc.wait()
                return None
            time.sleep(0.05)
        err = proc.stderr.read() if proc.stderr else ""
        if proc.returncode != 0:
            if "MemoryError" in err or proc.returncode < 0:
                return None
            raise RuntimeError(f"pysal access a échoué :\n{err}")
        with np.load(path_out) as res:
            out = {k: res[k] for k in res.files}
        out["peak_mib"] = peak / 2**20
        return out


def main() -> list[dict]:
    """Print the comparison table; return its rows (for ``bench/run.py``)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 140))
    scope = "France métropolitaine"
    data = inputs()
    ref = pysal(data)
    if ref is None:
        console.print(
            "[yellow]pysal access : la jointure complète nationale dépasse la mémoire "
            f"allouée ; comparaison sur la {SUBSET_LABEL}.[/yellow]"
        )
        scope = SUBSET_LABEL
        data = inputs(SUBSET_REGIONS)
        ref = pysal(data)
        if ref is None:
            raise RuntimeError("pysal access dépasse la mémoire même sur le sous-ensemble.")
    sparse_ref = pysal(data, sparse=True)
    n, m = len(data["d_xy"]), len(data["s_xy"])
    rows = []
    for decay in ("step", "gaussian"):
        t_ours, a_ours = ours(data, decay)
        a_ref = ref[f"a_{decay}"]
        t_ref = float(ref[f"t_{decay}"])
        t_ref_all = t_ref + float(ref["t_cost"])
        rows.append(
            {
                "decroissance": decay,
                "communes": n,
                "siae": m,
                "paires_jointure": int(ref["rows"]),
                "coodiag_s": t_ours,
                "pysal_s": t_ref,
                "pysal_avec_jointure_s": t_ref_all,
                "ratio": t_ref / t_ours,
                "ratio_avec_jointure": t_ref_all / t_ours,
                "ecart_max": float(np.max(np.abs(a_ours - a_ref))),
                "pysal_paires_rayon_s": float(sparse_ref[f"t_{decay}"]) if sparse_ref else None,
                "ecart_max_paires_rayon": float(np.max(np.abs(a_ours - sparse_ref[f"a_{decay}"])))
                if sparse_ref
                else None,
                "pysal_memoire_mib": float(ref["peak_mib"]),
                "perimetre": scope,
            }
        )
    table = Table(
        title=f"2SFCA, rayon {RADIUS_KM:g} km — {scope} : {n} communes × {m} SIAE "
        f"({int(ref['rows']):,} paires pour pysal ; {os.cpu_count()} cœurs)".replace(",", " ")
    )
    for col in (
        "Décroissance",
        "coodiag",
        "pysal access",
        "pysal + jointure",
        "Rapport",
        "Cible",
        "Écart max",
        "pysal sur paires < rayon",
    ):
        table.add_column(col)
    for r in rows:
        label = "pas (step)" if r["decroissance"] == "step" else f"gaussienne σ={SIGMA_KM:g} km"
        table.add_row(
            label,
            f"{r['coodiag_s'] * 1000:.0f} ms",
            f"{r['pysal_s']:.1f} s",
            f"{r['pysal_avec_jointure_s']:.1f} s",
            f"× {r['ratio']:.0f} (× {r['ratio_avec_jointure']:.0f})",
            "≥ × 20 " + ("oui" if r["ratio"] >= 20 else "NON"),
            f"{r['ecart_max']:.1e} " + ("oui" if r["ecart_max"] <= 1e-9 else "NON"),
            f"{r['pysal_paires_rayon_s']:.2f} s" if r["pysal_paires_rayon_s"] else "—",
        )
    console.print(table)
    console.print(
        f"Mémoire maximale de pysal (RSS) : {rows[0]['pysal_memoire_mib']:.0f} Mio ; "
        f"jointure complète construite en {float(ref['t_cost']):.1f} s (numpy)."
    )
    return rows


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--pysal-child":
        _pysal_child(sys.argv[2], sys.argv[3], sparse="--sparse" in sys.argv)
    else:
        main()
