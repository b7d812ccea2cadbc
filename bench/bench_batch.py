"""Benchmark: a batch of diagnoses (``coodiag lot``) against one ``coodiag diagnostic`` per SIAE.

Measured in one run, on the SIAE of the Manche (no roster, PDF + HTML + exports):

- one ``coodiag diagnostic`` command per SIAE (a new Python each time) on a sample of them:
  seconds per SIAE;
- the whole Manche batch on a ``LocalCluster`` of 1 worker, then of 2 workers (each in a new
  folder: nothing skipped): seconds per SIAE (wall time of the batch over its SIAE), the
  ratio to the command (target ≤ 0.5) and the speed-up of 2 workers over 1 (target ≥ 1.6);
- the memory (RSS) of the worker of the 1-worker batch after each diagnosis: growth after
  the 10th (target ≤ 10 %);
- the shared context (base read, national 2SFCA, typology): seconds until 2 workers hold it,
  built in each worker at once, or built once and scattered (``client.scatter(...,
  broadcast=True)``), and its pickled size (the batch sends it: no slower in all, and a
  worker holds 27 Mio less than when it builds it, see :mod:`coodiag.outputs.batch`).

Run: ``.venv/bin/python bench/bench_batch.py`` (or ``rows()`` / ``main()`` from
``bench/run.py``). Takes about 10 minutes on 2 cores.

Memory over many diagnoses: ``.venv/bin/python bench/bench_batch.py --memoire 100`` runs a
batch of N (≥ 100) different SIAE (those of the Bouches-du-Rhône, then of the Var:
:data:`MEMORY_TERRITORIES`) on **one** worker and records its RSS after each diagnosis (in
the order they end), then prints the growth after the 10th (target ≤ 10 %) and the RSS every
10 diagnoses. About 5 to 10 s per diagnosis on 2 cores: 10 to 20 minutes for 100.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TERRITORY = "dep:50"
#: SIAE of the Manche timed one command each (every 7th of the list).
SAMPLE_STEP = 7
#: The SIAE of the memory run, in this order (137 SIAE: 101 + 36).
MEMORY_TERRITORIES = ("dep:13", "dep:83")


def _child(code: str) -> dict:
    """Run ``code`` in a new interpreter; its last stdout line is JSON."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sirets() -> list[str]:
    return _child(
        "import json, coodiag; from coodiag.reports.batch import sirets_in_territory; "
        f"s, _ = sirets_in_territory({TERRITORY!r}, coodiag.load_base()); print(json.dumps(s))"
    )


def command_seconds(sample: list[str], tmp: Path) -> list[float]:
    """Wall seconds of ``coodiag diagnostic --siret S`` for each SIRET of ``sample``."""
    out = []
    for s in sample:
        start = time.perf_counter()
        subprocess.run([str(BIN / "coodiag"), "diagnostic", "--siret", s, "--sortie",
                        str(tmp / f"cmd-{s}")], cwd=ROOT, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def batch_run(workers: int, folder: Path) -> dict:
    """The Manche batch on ``workers`` local processes: wall seconds and its rows."""
    code = f"""
import json, time, coodiag
t = time.perf_counter()
r = coodiag.batch({str(folder)!r}, territoire={TERRITORY!r}, workers={workers})
rows = [{{k: row.get(k) for k in ("siret", "statut", "secondes", "rss_mio", "pid")}}
        for row in r["rows"]]
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": rows, "counts": r["counts"]}}))
"""
    return _child(code)


def context_costs() -> dict:
    """Seconds until 2 local workers hold the warm context: built in each worker at once, or
    built once here and scattered (pickle size too)."""
    code = """
import json, logging, pickle, time
from distributed import Client, LocalCluster
from coodiag.reports.batch import Shared

def ready(shared):
    shared.context()

out = {}
for mode in ("scatter", "build"):
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("coodiag.outputs.batch"))  # imports: the same for both
        t = time.perf_counter()
        shared = Shared()
        if mode == "scatter":
            shared.warm(carry=True)
        ref = client.scatter(shared, broadcast=True, hash=False)
        workers = list(client.scheduler_info()["workers"])
        client.gather([client.submit(ready, ref, workers=[w], pure=False) for w in workers])
        out[mode] = time.perf_counter() - t
        if mode == "scatter":
            out["mb"] = len(pickle.dumps(shared, protocol=5)) / 1e6
        shared.release()
print(json.dumps(out))
"""
    return _child(code)


def growth_after_10th(rss: list[float]) -> float:
    """Growth of the RSS after the 10th diagnosis, in % of the RSS at the 10th."""
    if len(rss) < 11:
        return float("nan")
    return 100 * (max(rss[10:]) - rss[9]) / rss[9]


def memory_run(n: int, folder: Path) -> dict:
    """A batch of ``n`` different SIAE on one local worker: its RSS after each diagnosis."""
    code = f"""
import json, time, coodiag
from coodiag.reports.batch import sirets_in_territory
base = coodiag.load_base()
chosen = []
for text in {MEMORY_TERRITORIES!r}:
    chosen += [s for s in sirets_in_territory(text, base)[0] if s not in chosen]
chosen = chosen[:{n}]
ended = []
t = time.perf_counter()
r = coodiag.batch({str(folder)!r}, sirets=chosen, workers=1, on_result=ended.append)
rows = [{{k: row.get(k) for k in ("siret", "statut", "secondes", "rss_mio", "pid")}}
        for row in ended]
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": rows, "counts": r["counts"],
                  "asked": len(chosen)}}))
"""
    return _child(code)


def memory_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """The rows of the memory run (measure, value, target, reached)."""
    from coodiag import fr

    ran = [r for r in result["rows"] if r["statut"] != "current" and r.get("rss_mio")]
    done = [r for r in ran if r["statut"] == "done"]
    rss = [r["rss_mio"] for r in ran]
    growth = growth_after_10th(rss)
    pids = {r["pid"] for r in ran}
    mib = lambda x: fr.number(x, 0, unit="Mio")  # noqa: E731
    out = [
        (f"Diagnostics sur 1 processus ({', '.join(MEMORY_TERRITORIES)})",
         f"{fr.integer(len(done))} faits, {fr.integer(len(ran) - len(done))} échec(s), "
         f"{fr.integer(len(pids))} processus", "≥ 100", "oui" if len(done) >= 100 else "NON"),
        ("  durée par diagnostic", fr.number(result["seconds"] / max(len(ran), 1), 2, unit="s"),
         "", ""),
        ("  RSS après le 1er / le 10e / maximum après le 10e / dernier",
         " / ".join(mib(x) for x in (rss[0], rss[9], max(rss[10:]), rss[-1]))
         if len(rss) > 10 else "—", "", ""),
        ("  croissance après le 10e diagnostic", fr.number(growth, 1, unit="%"), "≤ 10 %",
         "oui" if growth <= 10 else "NON"),
    ]
    steps = " ; ".join(f"{i} : {fr.number(rss[i - 1], 0)}" for i in range(10, len(rss) + 1, 10))
    out.append(("  RSS tous les 10 diagnostics (Mio)", steps, "", ""))
    return out


def memory_main(n: int) -> list[tuple[str, str, str, str]]:

    with tempfile.TemporaryDirectory(prefix="bench-lot-memoire-") as tmp:
        result = memory_run(n, Path(tmp) / "lot")
    if "--json" in sys.argv:
        print(json.dumps(result))
    out = memory_rows(result)
    print_table(f"Mémoire d'un processus de calcul sur {n} diagnostics (coodiag lot)", out)
    return out


def measure() -> dict:
    listing = sirets()
    sample = listing[::SAMPLE_STEP]
    with tempfile.TemporaryDirectory(prefix="bench-lot-") as tmp:
        tmp_path = Path(tmp)
        cmd = command_seconds(sample, tmp_path)
        one = batch_run(1, tmp_path / "lot1")
        two = batch_run(2, tmp_path / "lot2")
    ctx = context_costs()
    done = [r for r in one["rows"] if r["statut"] == "done"]
    rss = [r["rss_mio"] for r in done]
    return {"n": len(listing), "sample": len(sample), "cmd": sum(cmd) / len(cmd),
            "one": one, "two": two, "rss": rss, "growth": growth_after_10th(rss), "ctx": ctx}


def rows(result: dict | None = None) -> list[tuple[str, str, str, str]]:
    """The bench rows (measure, value, target, reached), for ``bench/run.py``."""
    from coodiag import fr

    r = result or measure()
    n = r["n"]
    per_one = r["one"]["seconds"] / n
    per_two = r["two"]["seconds"] / n
    ratio = per_two / r["cmd"]
    speedup = r["one"]["seconds"] / r["two"]["seconds"]
    failed = r["two"]["counts"].get("failed", 0)
    ctx = r["ctx"]
    s = lambda x: fr.number(x, 2, unit="s")  # noqa: E731
    return [
        (f"Diagnostic par commande (« coodiag diagnostic », {r['sample']} SIAE de la Manche)",
         s(r["cmd"]) + " par SIAE", "", ""),
        (f"Lot de la Manche ({n} SIAE, {failed} échec(s)), 2 processus", fr.number(
            r["two"]["seconds"], 1, unit="s"), "", ""),
        ("  coût par SIAE dans le lot / par commande", f"{s(per_two)} / {s(r['cmd'])} = "
         f"{fr.number(ratio, 2)}", "≤ 0,5", "oui" if ratio <= 0.5 else "NON"),
        ("  lot sur 1 processus", f"{fr.number(r['one']['seconds'], 1, unit='s')} "
         f"({s(per_one)} par SIAE, {fr.number(per_one / r['cmd'], 2)} de la commande)", "", ""),
        ("  accélération 2 processus / 1", f"{fr.number(speedup, 2)} ×", "≥ 1,6 ×",
         "oui" if speedup >= 1.6 else "NON"),
        (f"  mémoire du processus de calcul sur {len(r['rss'])} diagnostics (RSS)",
         f"{fr.number(r['rss'][0] if r['rss'] else 0)} → "
         f"{fr.number(max(r['rss']) if r['rss'] else 0)} Mio", "", ""),
        ("  croissance après le 10e diagnostic", fr.number(r["growth"], 1, unit="%"), "≤ 10 %",
         "oui" if r["growth"] <= 10 else "NON"),
        ("  contexte partagé prêt dans 2 processus : construit dans chacun", s(ctx["build"]),
         "", ""),
        (f"  … construit une fois et envoyé (pickle de {fr.number(ctx['mb'])} Mo)",
         s(ctx["scatter"]), "", ""),
    ]


def main() -> list[tuple[str, str, str, str]]:

    out = rows()
    print_table("Lot de diagnostics (coodiag lot) — Dask LocalCluster", out)
    return out


def print_table(title: str, out: list[tuple[str, str, str, str]]) -> None:
    """The measured rows as a table: measure, value, target, reached."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in ("Mesure", "Valeur", "Cible", "Atteinte"):
        table.add_column(col)
    for row in out:
        table.add_row(*row)
    Console(width=max(Console().width, 120)).print(table)


if __name__ == "__main__":
    if "--memoire" in sys.argv:
        count = int(sys.argv[sys.argv.index("--memoire") + 1])
        if count < 100:
            sys.exit("--memoire N : au moins 100 diagnostics (la croissance se lit après le 10e).")
        memory_main(count)
    elif "--json" in sys.argv:
        print(json.dumps(measure()))
    else:
        main()
