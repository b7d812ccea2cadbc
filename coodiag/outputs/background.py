"""Run one stage of a render beside the others, in a forked process (two cores): the exports
of a large atlas while its maps are drawn and its PDF typeset (the France atlas's XLSX, CSV and
GeoPackage take as long as a third of its PDF), half of the maps
(:mod:`coodiag.outputs.mapdraw`), the HTML page while the PDF is typeset; and, in a worker of
``coodiag lot``, each PDF in a short-lived child (:func:`start_isolated`)."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
import warnings
from collections.abc import Callable
from typing import Any

#: Rows of tables (all sheets) above which the exports are written in a forked process while
#: the PDF and the HTML are typeset (the France atlas: 3,858 SIAE, ~30,000 communes per sheet;
#: its XLSX takes as long as a third of its PDF).
PARALLEL_EXPORT_ROWS = 20_000


def start_call(call: Callable[[], Any], *, fork: bool,
               what: str = "des exports (XLSX, CSV, GeoPackage)") -> Callable[[], Any]:
    """Start ``call()`` and return a function waiting for its result (or raising its error).

    With ``fork`` (and a POSIX ``fork``, more than one core, not in a daemon process such as a
    Dask worker of ``coodiag lot``, from the main thread), ``call`` runs in a forked child
    sharing the parent's memory: nothing is pickled but the (small) result or the exception.
    Otherwise it runs at once. The returned function must be called (it reaps the child);
    ``what``: the French name of the work, in the message of a child stopped without result."""
    import multiprocessing as mp
    import threading

    if (not fork or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2
            or mp.current_process().daemon  # a Dask worker (daemon): its own tasks only
            # a server's worker thread (the explorer): a fork copies the locks its other
            # threads hold; only a program's main thread forks
            or threading.current_thread() is not threading.main_thread()):
        return _at_once(call)
    return start_isolated(call, what=what)


def _at_once(call: Callable[[], Any]) -> Callable[[], Any]:
    result = call()

    def done() -> Any:
        return result

    done.cancel = lambda: None  # type: ignore[attr-defined]
    return done


class ChildLost(RuntimeError):
    """A child of :func:`start_isolated` ended without a result (killed, crashed, or stopped
    after its time limit): the work can be done again in the parent."""


def start_isolated(call: Callable[[], Any], *, what: str,
                   timeout: float | None = None) -> Callable[[], Any]:
    """Start ``call()`` in a short-lived forked child, from any thread or process; a function
    waiting for its result (or raising its error), with ``cancel()`` to stop the child.

    For work whose native memory a long-lived process would keep: the PDF of each diagnosis
    of ``coodiag lot`` in a Dask worker (WeasyPrint's text stack keeps about 0.7 Mio per PDF,
    :func:`coodiag.outputs.atlas.render`). The child only runs ``call`` (the forking thread's
    work) and ends with ``os._exit``. A lock that another thread of the parent held at the
    fork stays held in the child: a child that has not answered after ``timeout`` seconds is
    killed, and the wait raises :class:`ChildLost` (as for a child killed or crashed), so that
    the caller can do the work itself. Runs at once where there is no ``fork``."""
    if not hasattr(os, "fork"):
        return _at_once(call)
    reader, writer = os.pipe()
    with warnings.catch_warnings():  # Python ≥ 3.12 warns on a fork of a threaded process
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(reader)
            try:
                outcome = ("ok", call())
            except BaseException as exc:  # sent to the parent, raised there
                outcome = ("error", exc)
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an exception or result that does not pickle: its text
                data = pickle.dumps(("error", RuntimeError(
                    str(outcome[1] if outcome[0] == "error" else exc))))
            with os.fdopen(writer, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    state = {"reaped": False}
    deadline = None if timeout is None else time.monotonic() + timeout

    def reap(kill: bool = False) -> int:
        if state["reaped"]:
            return 0
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        state["reaped"] = True
        return os.waitpid(pid, 0)[1]

    def read_all() -> bytes | None:
        """The child's answer, or None once ``timeout`` is over (the child then killed)."""
        chunks = []
        with os.fdopen(reader, "rb", buffering=0) as inp:
            while True:
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0 or not select.select([inp], [], [], left)[0]:
                        return None
                chunk = inp.read(1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    def wait() -> Any:
        data = None
        try:
            data = read_all()
        finally:
            status = reap(kill=data is None)
        if data is None:
            raise ChildLost(f"L'écriture {what} n'a pas abouti en {timeout:g} s "
                            f"(processus {pid} arrêté).")
        if not data:
            raise ChildLost(f"L'écriture {what} s'est arrêtée sans résultat "
                            f"(processus {pid}, état {status}).")
        kind, value = pickle.loads(data)
        if kind == "error":
            raise value
        return value

    def cancel() -> None:
        if not state["reaped"]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            reap()
            with contextlib.suppress(OSError):
                os.close(reader)

    wait.cancel = cancel  # type: ignore[attr-defined]  # the parent failed: stop the child
    return wait
