"""Run one stage of a render beside the others, in a forked process (two cores): the exports
of a large atlas while its maps are drawn and its PDF typeset (the France atlas's XLSX, CSV and
GeoPackage take as long as a third of its PDF), half of the maps
(:mod:`coodiag.outputs.mapdraw`), the HTML page while the PDF is typeset."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

#: Rows of tables (all sheets) above which the exports are written in a forked process while
#: the PDF and the HTML are typeset (the France atlas: 3,858 SIAE, ~30,000 communes per sheet;
#: its XLSX takes as long as a third of its PDF).
PARALLEL_EXPORT_ROWS = 20_000


def start_call(call: Callable[[], Any], *, fork: bool) -> Callable[[], Any]:
    """Start ``call()`` and return a function waiting for its result (or raising its error).

    With ``fork`` (and a POSIX ``fork``, more than one core, not in a daemon process such as a
    Dask worker of ``coodiag lot``, from the main thread), ``call`` runs in a forked child
    sharing the parent's memory: nothing is pickled but the (small) result or the exception.
    Otherwise it runs at once. The returned function must be called (it reaps the child)."""
    import multiprocessing as mp
    import threading

    if (not fork or "fork" not in mp.get_all_start_methods() or (os.cpu_count() or 1) < 2
            or mp.current_process().daemon  # a Dask worker (daemon) may not have children
            # a server's worker thread (the explorer): a fork copies the locks its other
            # threads hold; only a program's main thread forks
            or threading.current_thread() is not threading.main_thread()):
        result = call()

        def done() -> Any:
            return result

        done.cancel = lambda: None  # type: ignore[attr-defined]
        return done
    ctx = mp.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            outcome = ("ok", call())
        except BaseException as exc:  # sent to the parent, raised there
            outcome = ("error", exc)
        try:
            writer.send(outcome)
        except Exception as exc:  # an exception that does not pickle: its text
            writer.send(("error", RuntimeError(str(outcome[1] if outcome[0] == "error"
                                                   else exc))))

    proc = ctx.Process(target=child, name="coodiag-exports", daemon=True)
    proc.start()
    writer.close()

    def wait() -> Any:
        try:
            kind, value = reader.recv()
        except EOFError:
            kind, value = "error", RuntimeError(
                "L'écriture des exports (XLSX, CSV, GeoPackage) s'est arrêtée sans résultat.")
        finally:
            reader.close()
            proc.join()
        if kind == "error":
            raise value
        return value

    def cancel() -> None:
        if proc.is_alive():
            proc.terminate()
        proc.join()

    wait.cancel = cancel  # type: ignore[attr-defined]  # the parent failed: stop the child
    return wait
