"""A batch of diagnoses on Dask: one atlas per SIAE, resumable, then the index.

``run_batch(sirets, folder, shared, options)`` writes ``folder/<siret>/`` (the same files as
``coodiag diagnostic``) for every SIRET and the index ``folder/index.html`` +
``folder/index.xlsx`` (:mod:`coodiag.outputs.batchindex`).

- **The task** :func:`run_one` is a plain function of picklable arguments (SIRET,
  :class:`~coodiag.reports.batch.Shared`, :class:`~coodiag.reports.batch.BatchOptions`, folder):
  any executor runs it. It never raises for one SIAE: a failure becomes a row with its French
  reason, so one bad SIAE never stops the batch.
- **Resumable**: each SIAE folder holds :data:`MANIFEST` (fingerprint of the inputs: coodiag
  version, base key, capacity file, SIRET, options — and the index row). A re-run skips, before
  any worker starts, the SIAE whose fingerprint is unchanged and whose files are there.
- **Dask**: by default a ``distributed.LocalCluster`` of processes (one per core, one thread
  each, no dashboard), always closed; ``scheduler="tcp://host:8786"`` sends the same tasks to
  an existing cluster (its workers must read the base and write ``folder``: a shared disk).
  The shared context is built once here and scattered to every worker (measured cheaper than
  building it in each worker: :mod:`coodiag.reports.batch`); only the SIAE's own work is
  done per task.
- **Flat memory**: after each SIAE, :func:`release_memory` (figures, geopandas' legend
  classes, ``malloc_trim``); the local workers run without Dask's statistical profiler
  (:data:`WORKER_CONFIG`), whose history grew with every diagnosis. Measured on 29 Manche
  SIAE in one worker: RSS 655 → 717 Mio, + 4 % after the 10th (+ 16 % before these fixes).
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


def current_row(siret: str, shared: Shared, options: BatchOptions, folder: Path) -> Row | None:
    """The index row recorded by an earlier run, when that SIAE's outputs are current."""
    manifest = Path(folder) / siret / MANIFEST
    try:
        done = read_json(manifest)
    except (OSError, ValueError):
        return None
    row = done.get("row") if isinstance(done, dict) else None
    if done.get("fingerprint") != fingerprint(siret, shared, options) or not row:
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
      ``malloc_trim``: without it the worker's RSS grows by fragmentation).
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


def _known(shared: Shared, siret: str) -> Row:
    """:func:`identity` from the shared context; empty if even the context failed."""
    try:
        return identity(shared.context().base.siae, siret)
    except Exception:  # the reason of the failure is reported, not this one
        return {}


def failed_row(siret: str, reason: str, **extra: Any) -> Row:
    return {"siret": siret, "statut": "failed", "raison": reason, "figures": [], **extra}


def run_one(siret: str, shared: Shared, options: BatchOptions, folder: Path | str) -> Row:
    """Diagnose one SIAE and write its atlas into ``folder/<siret>/``; its index row.

    Never raises for the SIAE itself: an invalid or unknown SIRET, a SIAE outside metropolitan
    France, a failed render give a row ``statut="failed"`` with the French reason.
    """
    from coodiag.outputs import atlas
    from coodiag.outputs.builders import document_of

    start = time.perf_counter()
    folder = Path(folder)
    try:
        siret = check_siret(siret)
        row = current_row(siret, shared, options, folder)
        if row is None:
            diag = diagnose_one(siret, shared, options)
            paths = atlas.render(document_of(diag), folder / siret, formats=options.formats)
            row = summary_row(diag, paths, folder)
            write_json_atomic(folder / siret / MANIFEST, {
                "fingerprint": fingerprint(siret, shared, options), "row": row,
            })
            row = {**row, "statut": "done"}
    except CoodiagError as exc:
        row = failed_row(siret, str(exc), **_known(shared, siret))
    except Exception as exc:  # one SIAE never stops the batch
        row = failed_row(
            siret, f"erreur inattendue ({type(exc).__name__} : {exc}) ; merci de la signaler.",
            **_known(shared, siret),
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
) -> list[Row]:
    """Run :func:`run_one` for each SIRET on Dask; the rows as they complete.

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
                    dashboard_address=None, silence_logs=logging.ERROR,
                ))
                client = stack.enter_context(Client(cluster))
        shared.warm(carry=True)  # built once, sent to every worker
        try:
            ref = client.scatter(shared, broadcast=True, hash=False)
        finally:
            shared.release()  # the workers hold it now
        futures = {client.submit(run_one, s, ref, options, str(folder), pure=False,
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
) -> dict[str, Any]:
    """Diagnose every SIRET into ``folder`` (resumable) and write the index.

    ``on_plan(total, to_compute)`` is called once the current SIAE are known; ``on_result(row)``
    after each SIAE (current ones included). Returns ``rows`` (in the order of ``sirets``),
    ``index_html``, ``index_xlsx``, ``counts`` (by status) and ``seconds``.
    """
    start = time.perf_counter()
    folder = check_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    order = plan(sirets)
    found: dict[str, Row] = {}
    pending: list[str] = []
    order = list(dict.fromkeys(check_siret_or(s) for s in order))
    registry = Base.open(shared.base_path).siae
    refused = precheck(order, registry)
    for siret in order:
        if siret in refused:
            found[siret] = failed_row(siret, refused[siret], **identity(registry, siret))
            continue
        row = current_row(siret, shared, options, folder)
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
                       scheduler=scheduler, on_result=on_result):
        found[row["siret"]] = row
    rows = [found.get(s) or failed_row(s, "non traité") for s in order]
    index = write_index(folder, rows, title=title, options=options)
    counts = {key: sum(r["statut"] == key for r in rows) for key in STATUS}
    return {"rows": rows, "index_html": index["html"], "index_xlsx": index["xlsx"],
            "counts": counts, "seconds": time.perf_counter() - start, "folder": folder}


def check_siret_or(text: str) -> str:
    """The SIRET of ``text``, or ``text`` itself when it is not one."""
    try:
        return check_siret(text)
    except CoodiagError:
        return text
