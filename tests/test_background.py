"""Work in a short-lived forked child (:func:`coodiag.outputs.background.start_isolated`): the
PDF of each diagnosis in a worker of ``coodiag lot``, from the worker's task thread."""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest

from coodiag.errors import DataError
from coodiag.outputs.background import ChildLost, start_call, start_isolated


def in_thread(function):
    """``function()`` run in a thread that is not the main one (as a Dask task is)."""
    out = {}

    def run():
        try:
            out["value"] = function()
        except BaseException as exc:  # raised again in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_child_from_a_thread_returns_its_result_and_keeps_its_memory():
    parent = os.getpid()
    before = psutil.Process().memory_info().rss

    def heavy():
        start = psutil.Process().memory_info().rss
        block = bytearray(300 * 2**20)  # 300 Mio touched in the child only
        block[::4096] = b"x" * len(block[::4096])
        return os.getpid(), psutil.Process().memory_info().rss - start

    child, child_growth = in_thread(lambda: start_isolated(heavy, what="du test")())
    assert child != parent
    assert child_growth > 250 * 2**20  # the child did hold it
    assert psutil.Process().memory_info().rss - before < 50 * 2**20  # this process did not


def test_child_error_raised_in_the_parent():
    def failing():
        raise DataError("Fichier « x.csv », ligne 3, colonne « siret » : SIRET invalide.")

    wait = start_isolated(failing, what="du test")
    with pytest.raises(DataError, match="ligne 3, colonne « siret »"):
        wait()


def test_child_killed_reports_the_work_in_french():
    wait = start_isolated(lambda: os.kill(os.getpid(), signal.SIGKILL), what="du PDF")
    with pytest.raises(ChildLost, match="L'écriture du PDF s'est arrêtée sans résultat"):
        wait()


def test_child_stuck_is_killed_after_its_time() -> None:
    wait = start_isolated(lambda: time.sleep(60), what="du PDF", timeout=0.5)
    start = time.perf_counter()
    with pytest.raises(ChildLost, match=r"L'écriture du PDF n'a pas abouti en 0\.5 s"):
        wait()
    assert time.perf_counter() - start < 5


def test_pdf_typeset_here_when_its_child_is_lost(tmp_path, monkeypatch) -> None:
    """A batch worker's PDF: in a child after the worker's first; a child lost (here killed
    as it starts) leaves the PDF to the worker itself, the atlas complete."""
    import coodiag
    from coodiag.outputs import atlas
    from coodiag.outputs.builders import document_of

    doc = document_of(coodiag.diagnose("37968077000029"))
    first = atlas.render(doc, tmp_path / "un", formats=("pdf",), exports=False, pdf_child=True)
    assert os.getpid() in atlas._PDF_WARM
    parent, write = os.getpid(), atlas._write_pdf

    mark = tmp_path / "enfant"

    def killed_in_child(*args):
        if os.getpid() != parent:
            mark.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return write(*args)

    monkeypatch.setattr(atlas, "_write_pdf", killed_in_child)
    second = atlas.render(doc, tmp_path / "deux", formats=("pdf",), exports=False,
                          pdf_child=True)
    assert int(mark.read_text()) != parent  # the child was started, then lost
    assert second["_timings"]["pages"] == first["_timings"]["pages"] > 10
    assert second["pdf"].stat().st_size > 100_000


def test_cancel_stops_the_child():
    wait = start_isolated(lambda: time.sleep(60), what="du test")
    start = time.perf_counter()
    wait.cancel()
    assert time.perf_counter() - start < 5
    wait.cancel()  # twice: nothing left to stop


def test_start_call_runs_at_once_outside_the_main_thread():
    # the explorer's worker threads never fork: the call runs in the calling process
    assert in_thread(lambda: start_call(os.getpid, fork=True)()) == os.getpid()
