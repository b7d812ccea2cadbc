"""coodiag benchmarks: print a table of measured figures against the targets of the issues.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py``). Each measure runs in a fresh
subprocess so that its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _child(code: str) -> tuple[float, float, str]:
    """Run ``code`` in a fresh interpreter: (wall seconds, peak RSS in MiB, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: measure the biggest first.
    return wall, max(peak, before) / 1024, out.stdout.strip()


def _command(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    console = Console()
    rows: list[tuple[str, str, str, str]] = []

    _child("from coodiag.sync import sync; sync()")
    wall, peak, out = _child(
        "import json; from coodiag.build import build; r = build(force=True); "
        "print(json.dumps({'seconds': r.seconds}))"
    )
    inner = json.loads(out)["seconds"]
    ok = "oui" if wall <= 60 else "NON"
    rows.append(("Construction nationale (processus complet)", f"{wall:.1f} s", "≤ 60 s", ok))
    rows.append(("  dont construction (hors démarrage Python)", f"{inner:.1f} s", "", ""))
    rows.append(("  mémoire maximale (RSS)", f"{peak:.0f} Mio", "", ""))

    noop_api, _, _ = _child("from coodiag.build import build; assert build().skipped")
    noop_cli = min(_command([str(BIN / "coodiag"), "build"]) for _ in range(3))
    rows.append(
        (
            "Reconstruction sans changement (API)",
            f"{noop_api:.2f} s",
            "≤ 2 s",
            "oui" if noop_api <= 2 else "NON",
        )
    )
    rows.append(
        (
            "Reconstruction sans changement (commande)",
            f"{noop_cli:.2f} s",
            "≤ 2 s",
            "oui" if noop_cli <= 2 else "NON",
        )
    )

    table = Table(title=f"Mesures coodiag — {os.cpu_count()} cœurs")
    for col in ("Mesure", "Valeur", "Cible", "Atteinte"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
