"""coodiag installed as a user installs it (``pip install .``, not editable), then run from a
folder outside the checkout: the package carries its Streamlit page and the outputs templates,
``coodiag explorer`` serves the page, and no request leaves the machine.

The venv gets the dependencies of the environment running the tests (a ``.pth`` file naming its
site-packages), so nothing but the build backend comes from a package index: ``--no-deps``.
The package is built from a clean copy of the checkout: setuptools builds in the source folder
and keeps an old ``build/lib`` there, which would ship modules deleted since.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from support import free_port, stop, wait_healthy

pytest.importorskip("streamlit")

ROOT = Path(__file__).resolve().parents[1]
#: Top-level entries of the checkout that are not part of the package's sources.
NOT_SOURCES = {".git", ".venv", "data", "atlas", "build", "tests", "bench", "notebooks",
               ".pytest_cache", ".ruff_cache"}
TIMEOUT = 180


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
    if Path(folder) == ROOT:
        skip |= NOT_SOURCES & set(names)
    return skip


def _run(args: list, *, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, f"{args} : {done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout


def _clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return {**env, "COODIAG_DATA": str(ROOT / "data"), **extra}


class _Trap:
    """A local HTTP proxy that answers nothing and records every request sent to it: given to
    the server as ``HTTP(S)_PROXY``, it catches any request meant for the outside world."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self._sock.accept()
            except OSError:  # closed
                return
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"?"
                self.requests.append(first.decode("latin-1"))

    def close(self) -> None:
        self._sock.close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A fresh venv with coodiag installed (not editable) from a copy of the checkout."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=_ignore)
    home = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(home)], cwd=tmp)
    python = home / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp).strip())
    # The dependencies of the running environment; its own .pth files (an editable coodiag)
    # are not read from a path added this way.
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "coodiag-test-dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    _run([python, "-m", "pip", "install", "--no-deps", "--quiet", str(src)], cwd=tmp,
         env=_clean_env())
    outside = tmp / "ailleurs"
    outside.mkdir()
    return {"home": home, "python": python, "site": site, "src": src, "cwd": outside}


def test_package_contents(venv: dict) -> None:
    installed = venv["site"] / "coodiag"
    found = _run([venv["python"], "-c", "import coodiag; from coodiag.explorer import components; "
                  "print(coodiag.__file__); print(components.app_path())"],
                 cwd=venv["cwd"], env=_clean_env()).split()
    assert Path(found[0]).parent == installed  # the installed copy, not the checkout
    page = Path(found[1])
    assert page == installed / "explorer" / "app.py" and page.is_file()
    sources = venv["src"] / "coodiag"
    # Every module (a folder without __init__.py would be left out) and every template.
    wanted = {p.relative_to(sources) for p in sources.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    shipped = {p.relative_to(installed) for p in installed.rglob("*") if p.is_file()}
    assert wanted - shipped == set()
    assert {"atlas_pdf.html", "atlas_web.html", "atlas_pdf.css", "atlas_web.css"} <= {
        p.name for p in (installed / "outputs" / "templates").iterdir()}


def test_installed_page_runs_outside_checkout(venv: dict, base: dict) -> None:
    """The installed page, run by Streamlit's AppTest from a folder outside the checkout, with
    the base found through ``COODIAG_DATA``."""
    from coodiag.base import display

    if not (display.display_dir() / "communes_28.parquet").exists():
        display.build_display_geometries()
    script = (
        "from streamlit.testing.v1 import AppTest\n"
        "from coodiag.explorer import components\n"
        f"at = AppTest.from_file(str(components.app_path()), default_timeout={TIMEOUT}).run()\n"
        "assert not at.exception, [e.message for e in at.exception]\n"
        "assert not at.error, [e.value for e in at.error]\n"
        "print(at.markdown[0].value)\n"
    )
    out = _run([venv["python"], "-c", script], cwd=venv["cwd"], env=_clean_env())
    assert "### Manche (département 50)" in out


def test_coodiag_explorer_serves_the_page(venv: dict, tmp_path: Path) -> None:
    port = free_port()
    trap = _Trap()
    proxies = {k: trap.url for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    env = _clean_env(**proxies, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    log = tmp_path / "streamlit.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(venv["home"] / "bin" / "coodiag"), "explorer", "--server.port", str(port),
             "--server.headless", "true"],
            cwd=venv["cwd"], env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log, timeout=TIMEOUT)
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
            html = r.read().decode("utf-8")
        assert '<div id="root">' in html and "<script" in html
        # The address banner is printed once the server is up (after any address lookup).
        deadline = time.monotonic() + 30
        while "You can now view" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "You can now view" in log.read_text(), log.read_text()[-3000:]
        assert "Collecting usage statistics" not in log.read_text()
    finally:
        stop(proc)
        trap.close()
    assert trap.requests == [], f"requêtes hors de la machine : {trap.requests}"
