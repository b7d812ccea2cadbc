"""A batch of diagnoses on Dask: one atlas per SIAE, resumable, then the index.

``run_batch(sirets, folder, shared, options)`` writes ``folder/<siret>/`` (the same files as
``coodiag diagnostic``) for every SIRET and the index ``folder/index.html`` +
``folder/index.xlsx`` (:mod:`coodiag.outputs.batchindex`).

- **The task** :func:`run_one` is a plain function of picklable arguments (SIRET,
  :class:`~coodiag.reports.batch.Shared`, :class:`~coodiag.reports.batch.BatchOptions`, folder):
  any executor runs it. It never raises for one SIAE: a failure becomes a row with its French
  reason, so one bad SIAE never stops the batch.
- **Resumable**: each SIAE folder holds :data:`MANIFEST` (fingerprint of the inputs: coodiag
  version, base key, capacity file, SIRET, options, the sha256 of its roster file — and the
  index row). A re-run skips, before any worker starts, the SIAE whose fingerprint is
  unchanged and whose files are there.
- **Rosters**: ``salaries_dir`` holds one roster per SIAE, ``<siret>.csv|.xlsx|.ods``
  (:mod:`coodiag.reports.batchrosters`); each is read in the worker that diagnoses its SIAE.
- **Dask**: by default a ``distributed.LocalCluster`` of processes (one per core, one thread
  each, its HTTP status on a free port: never the 8787 of another cluster), always closed;
  ``scheduler="tcp://host:8786"`` sends the same tasks to an existing cluster (its workers
  must read the base and write ``folder``: a shared disk).
  The shared context (:class:`~coodiag.reports.batch.Shared`) is built once here and
  scattered to every worker, local or not. Built by each local worker instead, it is ready
  sooner (``bench/bench_batch.py``: 1.7 s against 2.6 s for 2 workers) but the batch is no
  faster (12 Manche SIAE on one worker: 69-71 s either way) and each worker holds 27 Mio more
  (673 against 646 Mio: the unpickled copy is compact). Only the SIAE's own work is done per
  task.
- **Flat memory**: each PDF after a worker's first is typeset in a short-lived forked child
  (``atlas.render(pdf_child=True)``, :func:`coodiag.outputs.background.start_isolated`), the
  HTML page written meanwhile: WeasyPrint's text stack (Pango, HarfBuzz, fontconfig) keeps
  about 0.7 Mio of native memory per PDF, which a worker kept. After each SIAE,
  :func:`release_memory` (figures, geopandas' legend classes, ``malloc_trim``, Arrow's pool);
  the local workers run without Dask's statistical profiler (:data:`WORKER_CONFIG`), whose
  history grew with every diagnosis. Measured on 100 SIAE of the Bouches-du-Rhône and the Var
  in one worker (``bench/bench_batch.py --memoire 100``): RSS 640 Mio after the 1st, 640 after
  the 10th, at most 641 after (+ 0.1 %), 5.2 s per diagnosis; the PDF typeset in the
  worker (earlier run): 642 → 733 Mio, + 10.4 % after the 10th, 8.4 s per diagnosis.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from coodiag._io import read_json, write_json_atomic
from coodiag.base.store import Base
from coodiag.errors import CoodiagError, DataError
from coodiag.outputs.batchindex import STATUS, summary_row, write_index
from coodiag.outputs.folder import check_owned
from coodiag.reports.batch import (
    BatchOptions,
    Shared,
    check_siret,
    diagnose_one,
    fingerprint,
    plan,
    precheck,
)
from coodiag.reports.batchrosters import Roster, RosterPlan, plan_rosters

#: The file that marks a folder as a batch written by coodiag.
MARKER = ".coodiag-lot"
MARKER_TEXT = (
    "Dossier d'un lot de diagnostics écrit par coodiag : un sous-dossier par SIAE (remplacé à "
    "chaque nouvelle édition), index.html et index.xlsx.\n"
)
#: The manifest of one SIAE of a batch, inside its folder.
MANIFEST = ".coodiag-lot.json"
#: Dask settings of the local workers (passed to their processes).
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
#: The class geopandas registers in matplotlib's legend handlers at each polygon plot.
GEOPANDAS_COLLECTION = "_GeoPandasPolyCollection"

Row = dict[str, Any]


def check_folder(folder: Path | str) -> Path:
    """The batch folder, absolute, once known to be new, empty or an earlier batch."""
    return check_owned(
        folder, what="Dossier du lot", ours=lambda target: (target / MARKER).is_file(),
        foreign="d'un lot coodiag. Indiquez un dossier vide ou nouveau (par exemple --sortie "
        "lots/manche), ou le dossier d'un lot précédent pour le reprendre.",
    )


def _rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def current_row(siret: str, shared: Shared, options: BatchOptions, folder: Path,
                roster: Roster | None = None) -> Row | None:
    """The index row recorded by an earlier run, when that SIAE's outputs are current (same
    fingerprint: inputs, options and its roster file's sha256)."""
    manifest = Path(folder) / siret / MANIFEST
    try:
        done = read_json(manifest)
    except (OSError, ValueError):
        return None
    row = done.get("row") if isinstance(done, dict) else None
    key = fingerprint(siret, shared, options, roster.sha256 if roster else "")
    if done.get("fingerprint") != key or not row:
        return None
    files = [row.get(k) for k in ("pdf", "html")]
    if not all((Path(folder) / f).is_file() for f in files if f):
        return None
    return {**row, "statut": "current", "secondes": 0.0}


def identity(registry: Any, siret: str) -> Row:
    """Name, type and commune of a SIRET from the registry (empty when unknown)."""
    rows = registry[registry["siret"] == siret]
    if rows.empty:
        return {}
    r = rows.iloc[0]
    return {k: (None if r.get(k) is None else str(r.get(k)))
            for k in ("nom", "type_siae", "commune")}


def release_memory() -> None:
    """What one diagnosis leaves behind, released so that a worker's memory stays flat.

    - figures still registered in pyplot;
    - the legend handler class that geopandas defines and registers in matplotlib's default
      handler map on **every** polygon plot (``_GeoPandasPolyCollection``, with its signature
      caches: about 18 classes per diagnosis, never freed otherwise);
    - then a garbage collection, and the free heap returned to the system (glibc
      ``malloc_trim``: without it the worker's RSS grows by fragmentation), Arrow's pool
      included (``release_unused``: its mimalloc keeps some 20 Mio freed by pandas' text
      columns).
    """
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    legend = sys.modules.get("matplotlib.legend")
    if legend is not None:
        handlers = legend.Legend.get_default_handler_map()
        kept = {k: v for k, v in handlers.items()
                if getattr(k, "__name__", "") != GEOPANDAS_COLLECTION}
        if len(kept) < len(handlers):
            legend.Legend.set_default_handler_map(kept)
    gc.collect()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()


def _known(shared: Shared, siret: str) -> Row:
    """:func:`identity` from the shared context; empty if even the context failed."""
    try:
        return identity(shared.context().base.siae, siret)
    except Exception:  # the reason of the failure is reported, not this one
        return {}


def failed_row(siret: str, reason: str, **extra: Any) -> Row:
    return {"siret": siret, "statut": "failed", "raison": reason, "figures": [], **extra}


def _diagnose(siret: str, shared: Shared, options: BatchOptions, roster: Roster | None):
    """The diagnosis of one SIAE, with its roster read here (in the worker) when it has one."""
    if roster is None:
        return diagnose_one(siret, shared, options)
    from coodiag.userfiles import read_salaries
    from coodiag.userfiles.result import unusable_notes

    imported = read_salaries(roster.path)
    return diagnose_one(siret, shared, options, salaries=imported.data,
                        import_notes=unusable_notes("salaries", imported))


def run_one(siret: str, shared: Shared, options: BatchOptions, folder: Path | str,
            roster: Roster | None = None) -> Row:
    """Diagnose one SIAE and write its atlas into ``folder/<siret>/``; its index row.

    ``roster``: its file of salariés en parcours (:mod:`coodiag.reports.batchrosters`), read
    in this process. Never raises for the SIAE itself: an invalid or unknown SIRET, a SIAE
    outside metropolitan France, an unreadable roster, a failed render give a row
    ``statut="failed"`` with the French reason.
    """
    from coodiag.outputs import atlas
    from coodiag.outputs.builders import document_of

    start = time.perf_counter()
    folder = Path(folder)
    used = {"salaries": roster.name} if roster is not None else {}
    try:
        siret = check_siret(siret)
        row = current_row(siret, shared, options, folder, roster)
        if row is None:
            diag = _diagnose(siret, shared, options, roster)
            paths = atlas.render(document_of(diag), folder / siret, formats=options.formats,
                                 pdf_child=True)
            row = {**summary_row(diag, paths, folder), **used}
            key = fingerprint(siret, shared, options, roster.sha256 if roster else "")
            write_json_atomic(folder / siret / MANIFEST, {"fingerprint": key, "row": row})
            row = {**row, "statut": "done"}
    except CoodiagError as exc:
        row = failed_row(siret, str(exc), **_known(shared, siret), **used)
    except Exception as exc:  # one SIAE never stops the batch
        row = failed_row(
            siret, f"erreur inattendue ({type(exc).__name__} : {exc}) ; merci de la signaler.",
            **_known(shared, siret), **used,
        )
    finally:
        release_memory()
    return {**row, "secondes": time.perf_counter() - start, "rss_mio": _rss_mib(),
            "pid": os.getpid()}


def execute(
    sirets: Sequence[str],
    folder: Path,
    shared: Shared,
    options: BatchOptions,
    *,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    on_result: Callable[[Row], None] | None = None,
    rosters: RosterPlan | None = None,
) -> list[Row]:
    """Run :func:`run_one` for each SIRET on Dask; the rows as they complete.

    ``rosters``: the roster file of each SIAE that has one (:func:`plan_rosters`).

    ``client``: a ``distributed.Client`` already connected (left open); else ``scheduler``
    (address of an existing cluster), else a ``LocalCluster`` of ``workers`` processes
    (default: the machine's cores), closed at the end.
    """
    import dask
    from distributed import Client, LocalCluster, as_completed

    rows: list[Row] = []
    if not sirets:
        return rows
    with contextlib.ExitStack() as stack:
        if client is None:
            if scheduler:
                try:
                    client = stack.enter_context(Client(scheduler, timeout="20s"))
                except (OSError, TimeoutError) as exc:
                    raise DataError(f"Ordonnanceur Dask injoignable à {scheduler} "
                                    f"({type(exc).__name__}) : vérifiez l'adresse.") from None
            else:
                n = max(1, min(workers or os.cpu_count() or 1, len(sirets)))
                # the workers' statistical profiler keeps an hour of call trees: a worker's
                # memory would grow with every diagnosis (a cluster of one's own: configured
                # by its owner)
                stack.enter_context(dask.config.set(WORKER_CONFIG))
                cluster = stack.enter_context(LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True,
                    dashboard_address=":0", silence_logs=logging.ERROR,
                ))
                client = stack.enter_context(Client(cluster))
        shared.warm(carry=True)  # built once, sent to every worker
        try:
            ref = client.scatter(shared, broadcast=True, hash=False)
        finally:
            shared.release()  # the workers hold it now
        futures = {client.submit(run_one, s, ref, options, str(folder),
                                 rosters.roster(s) if rosters else None, pure=False,
                                 key=f"diagnostic-{s}-{i}"): s
                   for i, s in enumerate(sirets)}
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as exc:  # a worker lost: reported
                row = failed_row(futures[future], "le processus de calcul s'est arrêté "
                                 f"({type(exc).__name__}) : mémoire insuffisante ?")
            rows.append(row)
            if on_result is not None:
                on_result(row)
            future.release()
    return rows


def run_batch(
    sirets: Sequence[str],
    folder: Path | str,
    shared: Shared,
    options: BatchOptions,
    *,
    title: str = "Lot de diagnostics",
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    on_result: Callable[[Row], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    salaries_dir: Path | str | None = None,
) -> dict[str, Any]:
    """Diagnose every SIRET into ``folder`` (resumable) and write the index.

    ``salaries_dir``: a folder of rosters, one per SIAE named ``<siret>.csv|.xlsx|.ods``
    (:mod:`coodiag.reports.batchrosters`). ``on_plan(total, to_compute)`` is called once the
    current SIAE are known; ``on_result(row)`` after each SIAE (current ones included).
    Returns ``rows`` (in the order of ``sirets``), ``index_html``, ``index_xlsx``, ``counts``
    (by status), ``seconds`` and ``salaries_ignores`` (the files of ``salaries_dir`` no SIAE
    uses: file name, French reason).
    """
    start = time.perf_counter()
    folder = check_folder(folder)
    order = list(dict.fromkeys(check_siret_or(s) for s in plan(sirets)))
    # a missing roster folder is refused before anything is written
    rosters = plan_rosters(salaries_dir, order) if salaries_dir is not None else None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    found: dict[str, Row] = {}
    pending: list[str] = []
    registry = Base.open(shared.base_path).siae
    refused = precheck(order, registry) | (rosters.refused if rosters else {})
    for siret in order:
        roster = rosters.roster(siret) if rosters else None
        if siret in refused:
            used = {"salaries": roster.name} if roster else {}
            found[siret] = failed_row(siret, refused[siret], **identity(registry, siret), **used)
            continue
        row = current_row(siret, shared, options, folder, roster)
        if row is None:
            pending.append(siret)
        else:
            found[siret] = row
    if on_plan is not None:
        on_plan(len(order), len(pending))
    if on_result is not None:
        for row in found.values():
            on_result(row)
    for row in execute(pending, folder, shared, options, client=client, workers=workers,
                       scheduler=scheduler, on_result=on_result, rosters=rosters):
        found[row["siret"]] = row
    rows = [found.get(s) or failed_row(s, "non traité") for s in order]
    ignored = rosters.unmatched if rosters else []
    index = write_index(folder, rows, title=title, options=options,
                        rosters=None if rosters is None else (rosters.folder, ignored))
    counts = {key: sum(r["statut"] == key for r in rows) for key in STATUS}
    return {"rows": rows, "index_html": index["html"], "index_xlsx": index["xlsx"],
            "counts": counts, "seconds": time.perf_counter() - start, "folder": folder,
            "salaries_ignores": ignored}


def check_siret_or(text: str) -> str:
    """The SIRET of ``text``, or ``text`` itself when it is not one."""
    try:
        return check_siret(text)
    except CoodiagError:
        return text
