"""coodiag benchmarks: print a table of measured figures against the targets of the issues.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py``). Each measure runs in a fresh
subprocess so that its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from coodiag import fr

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _child(code: str) -> tuple[float, float, str]:
    """Run ``code`` in a fresh interpreter: (wall seconds, its peak RSS in MiB, its stdout).

    The child reports its own peak (``ru_maxrss`` of itself) on its last line of stdout.
    """
    tail = "\nimport resource as _r; print(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss)"
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code + tail], cwd=ROOT, check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    *lines, peak_kib = out.stdout.strip().splitlines()
    return wall, int(peak_kib) / 1024, "\n".join(lines)


def _command(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def _roster(rows: int) -> Path:
    """A salariés file of ``rows`` rows written line by line from the fictitious example (unique
    ids), in a temporary folder: the writer's memory is not the importer's."""
    code = (
        "import sys, tempfile, pathlib; "
        "lines = pathlib.Path('examples/salaries_ai_avranches_FICTIF.csv').read_text("
        "encoding='utf-8').splitlines(); head, body = lines[0], lines[1:]; "
        f"n = {rows}; tmp = pathlib.Path(tempfile.mkdtemp()) / f'salaries_{{n}}.csv'; "
        "f = tmp.open('w', encoding='utf-8'); f.write(head + '\\n'); "
        "f.writelines(f'S{i:08d}' + body[i % len(body)][body[i % len(body)].index(';'):] "
        "+ '\\n' for i in range(n)); f.close(); print(tmp)"
    )
    _wall, _peak, out = _child(code)
    return Path(out.strip())


def _import_child(path: Path) -> tuple[float, dict]:
    """Import ``path`` in a fresh interpreter after a warm-up import of the example (reference
    tables loaded, the warm-up's peak forgotten): (peak RSS in MiB, measures)."""
    code = f"""
import gc, json, pathlib, time
import psutil
from coodiag.userfiles import read_salaries
read_salaries('examples/salaries_ai_avranches_FICTIF.csv')
gc.collect()
try:  # Linux: forget the warm-up's peak (the child's peak RSS is then the import's)
    pathlib.Path('/proc/self/clear_refs').write_text('5')
except OSError:
    pass
tmp = pathlib.Path({str(path)!r})
before = psutil.Process().memory_info().rss / 2**20
t = time.perf_counter()
r = read_salaries(tmp)
print(json.dumps({{'s': time.perf_counter() - t, 'used': r.n_used, 'read': r.n_read,
                  'mb': tmp.stat().st_size / 1e6, 'before': before}}))
"""
    _wall, peak, out = _child(code)
    return peak, json.loads(out)


def _user_file_rows() -> list[tuple[str, str, str, str]]:
    """Import of a 100,000-row salariés file, then of a large one (about 250 MB), both generated
    from the fictitious example; memory added per MB of file (peak RSS minus the RSS after a
    warm-up import, over the file's size)."""
    rows = []
    small = None
    for n, large in ((100_000, False), (2_600_000, True)):
        path = _roster(n)
        try:
            peak, res = _import_child(path)
        finally:
            path.unlink()
            path.parent.rmdir()
        per_mb = (peak - res["before"]) / res["mb"]
        rows += [
            (
                f"Import d'un fichier de salariés de {fr.integer(res['read'])} lignes "
                f"({res['mb']:.0f} Mo)",
                f"{res['s']:.1f} s",
                "",
                "",
            ),
            ("  mémoire maximale (RSS)", f"{peak:.0f} Mio", "", ""),
            (
                f"  mémoire ajoutée par Mo de fichier ({res['mb']:.1f} Mo)",
                f"{per_mb:.2f} Mio/Mo",
                "≤ 2 Mio/Mo (1 Go importé en ≤ 2 Go)" if large else "",
                ("oui" if per_mb <= 2 else "NON") if large else "",
            ),
        ]
        if large and small is not None:
            # Growth between the two files (fixed costs left out), carried to 1 GB.
            slope = (peak - small[0]) / (res["mb"] - small[1])
            gib = (peak + slope * (1000 - res["mb"])) / 1024
            rows.append(
                (
                    f"  mémoire estimée pour 1 Go de fichier ({slope:.2f} Mio/Mo au-delà)",
                    f"{gib:.2f} Gio",
                    "≤ 2 Gio",
                    "oui" if gib <= 2 else "NON",
                )
            )
        small = (peak, res["mb"])
    return rows


def _hash_rows() -> list[tuple[str, str, str, str]]:
    """sha256 of every raw file, as ``coodiag build`` and ``coodiag data sync`` do each time."""
    _wall, _, out = _child(
        "import json, time; from coodiag.mirror import sources; "
        "from coodiag.mirror.sync import verify_raw; t = time.perf_counter(); verify_raw(); "
        "s = time.perf_counter() - t; files = sources.all_files(); "
        "print(json.dumps({'s': s, 'n': len(files), 'mb': sum(f.size for f in files) / 1e6}))"
    )
    res = json.loads(out)
    return [
        (
            f"Empreintes sha256 des {res['n']} fichiers bruts ({res['mb']:.0f} Mo)",
            f"{res['s']:.2f} s",
            "< 1 s",
            "oui" if res["s"] < 1 else "NON",
        )
    ]


def _geocode_rows() -> list[tuple[str, str, str, str]]:
    """Postal code + name geocoding: the ASP 2019 list, then 100,000 rows of 5 distinct pairs."""
    code = (
        "import json, time; import pandas as pd; from coodiag.reference import geocode; "
        "from coodiag.mirror.sync import raw_path; "
        "df = pd.read_csv(raw_path('siae/liste_siae_asp_2019_07.csv'), sep=';', dtype=str, "
        "keep_default_na=False); t = time.perf_counter(); "
        "out = geocode.resolve_communes(df, postal_col='CODE_POSTAL', name_col='COMMUNE'); "
        "asp = time.perf_counter() - t; placed = float(out['code_commune'].notna().mean()); "
        "big = pd.DataFrame({'cp': ['14800', '75015', '13013', '50300', '14000'] * 20_000, "
        "'ville': ['Deauville', 'PARIS 15', 'MARSEILLE 13E', 'AVRANCHES', 'CAEN'] * 20_000}); "
        "geocode.resolve_one.cache_clear(); t = time.perf_counter(); "
        "geocode.resolve_communes(big, postal_col='cp', name_col='ville'); "
        "print(json.dumps({'asp': asp, 'placed': placed, 'big': time.perf_counter() - t, "
        "'n': len(df)}))"
    )
    _wall, _peak, out = _child(code)
    r = json.loads(out)
    return [
        (
            f"Géocodage de la liste ASP 2019 ({fr.integer(r['n'])} lignes, "
            f"{fr.percent(100 * r['placed'])} placées)",
            f"{r['asp']:.2f} s",
            "≤ 10 s",
            "oui" if r["asp"] <= 10 else "NON",
        ),
        (
            "Géocodage de 100 000 lignes (code postal + nom)",
            f"{r['big']:.2f} s",
            "≤ 5 s",
            "oui" if r["big"] <= 5 else "NON",
        ),
    ]


def _accessibility_rows() -> list[tuple[str, str, str, str]]:
    """The national 2SFCA of every type (``accessibility``, Gaussian decay), warm then timed."""
    code = (
        "import json, time; import coodiag; from coodiag.reports.context import Context; "
        "from coodiag.analyses import access; ctx = Context(); "
        "m, r, d = ctx.metro, ctx.registry, ctx.demand; access.accessibility(m, r, d); "
        "t = time.perf_counter(); a = access.accessibility(m, r, d, decay='gaussian'); "
        "print(json.dumps({'s': time.perf_counter() - t, 'n': len(a), 'k': len(r)}))"
    )
    _wall, peak, out = _child(code)
    r = json.loads(out)
    return [
        (
            f"Accessibilité 2SFCA nationale, tous types ({fr.integer(r['n'])} communes × "
            f"{fr.integer(r['k'])} SIAE, gaussienne)",
            f"{r['s']:.2f} s",
            "≤ 3 s",
            "oui" if r["s"] <= 3 else "NON",
        ),
        ("  mémoire maximale (RSS)", f"{peak:.0f} Mio", "", ""),
    ]


#: Metropolitan France as an atlas territory: its 13 régions.
FRANCE_METRO = ",".join(
    f"reg:{r}"
    for r in ("11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94")
)


def _territory_atlas(territoire: str) -> tuple[dict, float]:
    """A territory atlas (analyses, maps, PDF, HTML, exports) in a fresh interpreter: its
    timings (``coodiag.render``'s ``_timings`` plus ``analyses`` and ``total``) and peak RSS."""
    code = (
        "import json, time, tempfile, pathlib; import coodiag; t0 = time.perf_counter(); "
        f"a = coodiag.territory_atlas({territoire!r}); t1 = time.perf_counter(); "
        "out = coodiag.render(a, pathlib.Path(tempfile.mkdtemp()) / 'atlas'); "
        "t2 = time.perf_counter(); tm = out['_timings']; "
        "svg = sum(p.stat().st_size for p in out['cartes'].glob('*.svg')); "
        "print(json.dumps({**tm, 'analyses': t1 - t0, 'render': t2 - t1, 'all': t2 - t0, "
        "'svg_mb': svg / 1e6}))"
    )
    _wall, peak, out = _child(code)
    return json.loads(out), peak


def _atlas_rows() -> list[tuple[str, str, str, str]]:
    """The full Avranches diagnosis (analyses + maps + PDF + HTML + exports), timed; the
    atlases of the Manche and of metropolitan France: seconds per page, maps, total."""
    code = (
        "import json, time, tempfile, pathlib; t0 = time.perf_counter(); import coodiag; "
        "sal = coodiag.read('salaries', 'examples/salaries_ai_avranches_FICTIF.csv'); "
        "t1 = time.perf_counter(); d = coodiag.diagnose('37968077000029', salaries=sal); "
        "t2 = time.perf_counter(); "
        "out = coodiag.render(d, pathlib.Path(tempfile.mkdtemp()) / 'diag'); "
        "t3 = time.perf_counter(); tm = out['_timings']; "
        "print(json.dumps({'total': t3 - t0, 'analyses': t2 - t1, 'render': t3 - t2, "
        "'pages': tm['pages'], 'pdf': tm['pdf'], 'cartes': tm['cartes']}))"
    )
    _wall, peak, out = _child(code)
    r = json.loads(out)
    per_page = r["render"] / r["pages"]
    rows = [
        (
            "Diagnostic complet d'Avranches (HTML + PDF + exports)",
            f"{r['total']:.1f} s",
            "≤ 20 s",
            "oui" if r["total"] <= 20 else "NON",
        ),
        ("  dont analyses", f"{r['analyses']:.1f} s", "", ""),
        (f"  dont cartes, PDF ({r['pages']} pages), HTML, exports", f"{r['render']:.1f} s", "", ""),
        (
            "  rendu par page (tout compris)",
            f"{per_page:.2f} s",
            "≤ 1 s",
            "oui" if per_page <= 1 else "NON",
        ),
        (
            "  rapport à l'export d'atlas de QGIS (3 à 14 s par page)",
            f"{3 / per_page:.0f} à {14 / per_page:.0f} fois plus rapide",
            "",
            "",
        ),
        ("  mémoire maximale (RSS)", f"{peak:.0f} Mio", "", ""),
    ]
    for label, territoire, target in (
        ("Atlas de la Manche (dep:50)", "dep:50", None),
        ("Atlas de la France métropolitaine (13 régions)", FRANCE_METRO, 15.0),
    ):
        t, peak = _territory_atlas(territoire)
        page = t["render"] / max(t["pages"], 1)
        if target:  # the command as a user types it: Python started, modules imported
            import tempfile

            out = Path(tempfile.mkdtemp()) / "atlas"
            wall = _command([str(BIN / "coodiag"), "atlas", "--territoire", "france",
                             "--sortie", str(out)])
            rows.append(("Commande « coodiag atlas --territoire france » (tout compris)",
                         f"{wall:.1f} s", f"≤ {target:.0f} s", "oui" if wall <= target else "NON"))
        rows += [
            (f"{label} : analyses et rendu", f"{t['all']:.1f} s",
             f"≤ {target:.0f} s" if target else "",
             ("oui" if t["all"] <= target else "NON") if target else ""),
            ("  dont analyses", f"{t['analyses']:.1f} s", "", ""),
            (f"  dont cartes (SVG : {t['svg_mb']:.1f} Mo en tout)", f"{t['cartes']:.1f} s", "",
             ""),
            (f"  dont PDF ({t['pages']} pages)", f"{t['pdf']:.1f} s", "", ""),
            ("  dont HTML (écrit à côté du PDF : seule l'attente compte)",
             f"{t.get('html', 0.0):.1f} s", "", ""),
            ("  dont exports (XLSX, CSV, GeoPackage ; au-delà de 20 000 lignes, écrits à côté "
             "des cartes et du PDF : seule l'attente compte)", f"{t.get('exports', 0.0):.1f} s",
             "", ""),
            ("  rendu par page (tout compris)", f"{page:.2f} s", "≤ 1 s",
             "oui" if page <= 1 else "NON"),
            ("  mémoire maximale (RSS)", f"{peak:.0f} Mio", "", ""),
        ]
    return rows


def main() -> None:
    console = Console(width=max(Console().width, 110))
    rows: list[tuple[str, str, str, str]] = []

    _child("from coodiag.mirror.sync import sync; sync()")
    wall, peak, out = _child(
        "import json; from coodiag.base.build import build; r = build(force=True); "
        "print(json.dumps({'seconds': r.seconds}))"
    )
    inner = json.loads(out)["seconds"]
    ok = "oui" if wall <= 60 else "NON"
    rows.append(("Construction nationale (processus complet)", f"{wall:.1f} s", "≤ 60 s", ok))
    rows.append(("  dont construction (hors démarrage Python)", f"{inner:.1f} s", "", ""))
    rows.append(("  mémoire maximale (RSS)", f"{peak:.0f} Mio", "", ""))

    noop_api, _, _ = _child("from coodiag.base.build import build; assert build().skipped")
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

    rows.extend(_hash_rows())

    wall, _, out = _child(
        "import json, time; from coodiag.base import store; "
        "from coodiag.mirror.loaders import load; "
        "from coodiag.reference.geocode import resolve_communes; "
        "from coodiag.base.registry import build_registry; "
        "c = store.read_level('communes'); e = load('siae_emplois_2021'); "
        "a = load('siae_asp_2019'); g = load('geiq'); t = time.perf_counter(); "
        "r, _ = build_registry(emplois=e, asp=a, geiq=g, communes=c, resolve=resolve_communes); "
        "print(json.dumps({'s': time.perf_counter() - t, 'n': len(r)}))"
    )
    reg = json.loads(out)
    rows.append(
        (
            f"Registre des SIAE ({reg['n']} structures, placement compris)",
            f"{reg['s']:.2f} s",
            "",
            "",
        )
    )
    rows.extend(_geocode_rows())
    rows.extend(_accessibility_rows())
    rows.extend(_user_file_rows())
    rows.extend(_atlas_rows())
    rows.extend(__import__("bench_surfaces").rows())  # bench/ is the script's folder
    rows.extend(__import__("bench_batch").rows())  # coodiag lot (issue 15), about 10 min

    table = Table(title=f"Mesures coodiag — {os.cpu_count()} cœurs")
    for col in ("Mesure", "Valeur", "Cible", "Atteinte"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)

    # Each analysis bench prints its own table (the peer, pysal access, measured in this run).
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_access
    import bench_explorer
    import bench_typology

    bench_typology.main()
    bench_explorer.main()
    bench_access.main()


if __name__ == "__main__":
    main()
