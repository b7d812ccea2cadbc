"""Benchmark of the typologies (PCA + HCPC): measured times against the targets.

Run with ``.venv/bin/python bench/bench_typology.py``. Targets: the typology of every
metropolitan commune (PCA + k-means pre-clustering + Ward + consolidation) in ≤ 10 s, the
zones d'emploi (insertion offer) in < 1 s. Times are wall-clock, after the data are read and the
libraries imported (both measured apart), best of ``REPEAT`` runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

REPEAT = 3


def _best(func, repeat: int = REPEAT):
    """(best wall seconds, last result) of ``repeat`` calls of ``func``."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    console = Console(width=120)
    rows: list[tuple[str, str, str, str]] = []

    start = time.perf_counter()
    import scipy.cluster.hierarchy  # noqa: F401
    import sklearn.cluster  # noqa: F401

    from coodiag.analyses import typology as T

    rows.append(
        ("Import (coodiag, scipy, scikit-learn)", f"{time.perf_counter() - start:.2f} s", "", "")
    )

    from coodiag.base import store

    start = time.perf_counter()
    communes = store.read_level("communes")
    indicators = store.read_table("indicateurs_communes")
    zones = store.read_table("indicateurs_zones_emploi")
    registry = store.read_level("siae")
    meta = store.read_table("indicateurs_meta")
    rows.append(
        (
            "Lecture de la base (communes, indicateurs, SIAE)",
            f"{time.perf_counter() - start:.2f} s",
            "",
            "",
        )
    )

    # All metropolitan communes: table, PCA, pre-clustering, Ward, consolidation, description.
    frame, extra = T.commune_table_france(communes, indicators, zones)
    seconds, res = _best(lambda: T.preset_communes_france(communes, indicators, zones, meta=meta))
    rows.append(
        (
            f"Typologie de toutes les communes ({len(res.classes):,} communes".replace(",", " ")
            + f", {len(res.pca.variables)} variables)",
            f"{seconds:.2f} s",
            "≤ 10 s",
            "oui" if seconds <= 10 else "NON",
        )
    )
    variables = res.pca.variables
    data = frame.set_index("code")
    t_pca, p = _best(
        lambda: T.pca(data, variables=variables, meta=meta, extra_meta=extra,
                      short_labels=T.FRANCE_SHORT_LABELS)
    )
    rows.append(("  dont ACP", f"{t_pca:.2f} s", "", ""))
    t_pre, _ = _best(
        lambda: T.kmeans(
            p.coordinates.iloc[:, : p.n_retained].to_numpy(),
            T.PRECLUSTER_DEFAULT,
            weights=p.weights.to_numpy(),
            max_iter=T.PRECLUSTER_MAX_ITER,
        )
    )
    rows.append(
        (
            f"  dont pré-classement k-means ({T.PRECLUSTER_DEFAULT} groupes)",
            f"{t_pre:.2f} s",
            "",
            "",
        )
    )
    t_hcpc, _ = _best(lambda: T.hcpc(p, preclusters=T.PRECLUSTER_DEFAULT))
    rows.append(
        (
            "  dont HCPC (pré-classement, Ward, consolidation, description)",
            f"{t_hcpc:.2f} s",
            "",
            "",
        )
    )
    rows.append(
        (
            "  résultat",
            f"{res.n_classes} classes, inter/totale {100 * res.inertia['inter_sur_totale']:.0f} %",
            "",
            "",
        )
    )

    seconds, res_ze = _best(
        lambda: T.preset_offre_insertion(communes, indicators, zones, registry, meta=meta)
    )
    rows.append(
        (
            f"Typologie des zones d'emploi, offre d'insertion ({len(res_ze.classes)} zones)",
            f"{seconds:.2f} s",
            "< 1 s",
            "oui" if seconds < 1 else "NON",
        )
    )
    rows.append(
        (
            "  résultat",
            f"{res_ze.n_classes} classes, Avranches en classe {res_ze.classes['2802']}",
            "",
            "",
        )
    )

    seconds, res_pa = _best(lambda: T.preset_personnes_agees(communes, indicators, meta=meta))
    rows.append(
        (
            f"Typologie personnes âgées, Normandie ({len(res_pa.classes)} communes, sans "
            "pré-classement)",
            f"{seconds:.2f} s",
            "",
            "",
        )
    )

    metro = store.read_level("communes", zone="metro")
    calvados = metro[metro["dep"] == "14"].merge(indicators, on="code", how="left")
    regvars = ["part_6579_22", "part_80p_22", "med21", "tx_chom1564_22"]
    for method in ("ward", "skater"):
        seconds, reg = _best(
            lambda method=method: T.regions(
                calvados, regvars, n_regions=6, min_population=20_000, method=method
            ),
            repeat=1,
        )
        rows.append(
            (
                f"Régions contiguës, Calvados ({len(calvados)} communes, {method}, plancher "
                "20 000 hab.)",
                f"{seconds:.2f} s",
                "",
                "oui" if reg.floor_met else "plancher non atteint",
            )
        )

    table = Table(title=f"Typologies coodiag — {os.cpu_count()} cœurs (meilleur de {REPEAT})")
    for col in ("Mesure", "Valeur", "Cible", "Atteinte"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
