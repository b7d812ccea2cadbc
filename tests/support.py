"""Helpers shared by the tests that drive a browser or a Streamlit server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

#: Debian's Chromium (``apt-get install chromium``), never a downloaded one.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

#: Flags for a headless Chromium on a machine without outside network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_command(tmp_path: Path, *args: str) -> list[str]:
    """A headless Chromium with its own profile and every outside request blocked."""
    return [
        CHROMIUM, "--headless", *CHROMIUM_ARGS, f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", *args,
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, *, timeout: float = 60) -> None:
    """Wait until the Streamlit server at ``url`` answers its health check; raise with the end
    of its log if it stops or does not answer in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"Streamlit n'a pas démarré : {log.read_text()[-3000:]}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
