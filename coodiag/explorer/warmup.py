"""The explorer warmed at server start (``coodiag explorer``): its heavy modules imported before
the server starts (:func:`preload`), then, in one background thread once the server listens
(:func:`start`), the base loaded and the maps of the default views built into the app's caches
(:data:`VIEWS`: « France entière », then the landing view, the Manche, and Normandie), exactly
as a first visitor's page would build them (same cache key:
:func:`coodiag.explorer.mapview.map_key`).

So the first visitor asking for « France entière » after a start gets it as fast as the next
ones (the map of all France's EPCI took 1-2 s to build, and the base 1-2 s to load). The thread
never delays nor breaks the start: it waits for the server to listen, runs on one core (one
Python thread), logs its errors instead of raising them, and does nothing when the environment
variable :data:`ENV` is ``0``. ``streamlit run app.py`` is not warmed (no hook at its start).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time

#: ``COODIAG_EXPLORER_WARMUP=0``: no warm-up (e.g. to measure a cold start).
ENV = "COODIAG_EXPLORER_WARMUP"
#: The views warmed, in this order: (territory level, code): « France entière » (the slowest
#: map), the landing page (the Manche) and its région (where the walk-through of issue 14
#: starts); any other view is built by its first page (0.5-1 s more).
VIEWS = (("fr", ""), ("dep", "50"), ("reg", "28"))
#: Logged when the warm-up is over (the benchmark waits for it).
DONE = "Explorateur préchauffé"
THREAD_NAME = "coodiag-warmup"
#: Seconds to wait for the server to listen before giving up.
WAIT_S = 120.0

#: The app's heavy imports (mapclassify, matplotlib, scikit-learn, folium...): 2-4 s on first
#: use (``classify`` imports mapclassify lazily).
HEAVY_MODULES = ("coodiag.outputs.maps", "coodiag.analyses.access", "coodiag.base.registry",
                 "folium", "mapclassify")


def _logger() -> logging.Logger:
    from streamlit.logger import get_logger

    return get_logger(__name__)


def preload() -> None:
    """Import :data:`HEAVY_MODULES` (before the server starts: not during the first page)."""
    for name in HEAVY_MODULES:
        importlib.import_module(name)


def view_params(prefix: str, code: str = "") -> dict:
    """The side panel's choices for the territory ``(prefix, code)`` when nothing else is
    chosen (no address, no file imported): those of ``app.py``'s ``sidebar`` (a test compares
    the cache keys)."""
    from coodiag import levels
    from coodiag.analyses import access
    from coodiag.base import registry as siae
    from coodiag.explorer import catalogue, data

    types_all = [t for t in siae.TYPES if t in set(data.base()["registry"]["type_siae"])]
    level = levels.EPCI.table
    groups, _missing = catalogue.offered(prefix, code, level)
    wanted = data.DEFAULT_INDICATOR
    theme = next((t for t, specs in groups.items() if wanted in specs),
                 catalogue.theme_of(data.base()["indicators"][wanted]))
    specs = groups.get(theme) or next(iter(groups.values()))
    return {"prefix": prefix, "code": code, "types": types_all, "types_all": types_all,
            "reseaux": [], "layer": "Indicateur", "map_level": level,
            "indicator": wanted if wanted in specs else specs[0], "scheme": "quantiles", "k": 5,
            "access_type": access.ALL, "typology": "ze", "by_reseau": False, "pair": False,
            "indicator2": "", "surface": False, "surface_type": access.ALL, "tiles": False,
            "theme": theme}


def warm_view(prefix: str, code: str = "") -> None:
    """Build the default map of ``(prefix, code)`` into the caches a page reads."""
    from coodiag.explorer import data, mapframe, mapview

    params = view_params(prefix, code)
    communes = data.territory_communes(prefix, code)
    reg = data.registry_with(None, None)
    pts = mapview.filtered_siae(reg, set(communes["code"]), params["types"], params["reseaux"])
    page, _info = mapview.cached_map(mapview.map_key(params, pts), params, pts)
    mapframe.packed_page(page)  # the page as sent to the browser (gzipped)
    data.commune_labels(communes)  # the commune boxes (France: the table searched)


def warm(views=VIEWS) -> float:
    """Warm ``views``; the seconds taken. Errors are logged, never raised."""
    log = _logger()
    t = time.perf_counter()
    for prefix, code in views:
        try:
            warm_view(prefix, code)
        except Exception:  # a failed warm-up must not stop the server
            log.exception("Préchauffage de l'explorateur : vue %s %s non préparée", prefix, code)
    secs = time.perf_counter() - t
    log.info("%s en %.1f s (%s)", DONE, secs, ", ".join(f"{p} {c}".strip() for p, c in views))
    return secs


def _server_listening(timeout: float) -> bool:
    from streamlit.runtime import Runtime, RuntimeState

    ready = (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Runtime.exists() and Runtime.instance().state in ready:
            return True
        time.sleep(0.1)
    return False


class _NoContextWarning(logging.Filter):
    """Drops Streamlit's « missing ScriptRunContext » warning for the warm-up thread (it
    calls the app's cached functions outside a page, on purpose)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD_NAME


def _run(views) -> None:
    try:
        if not _server_listening(WAIT_S):
            _logger().warning("Préchauffage de l'explorateur abandonné : serveur non démarré.")
            return
        warm(views)
    except Exception:  # never let an error of the thread reach the server
        _logger().exception("Préchauffage de l'explorateur interrompu")


def start(views=VIEWS) -> threading.Thread | None:
    """Start the warm-up thread (daemon: it never holds the server's exit); ``None`` when
    :data:`ENV` is ``0``."""
    if os.environ.get(ENV, "1").strip() == "0":
        return None
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _NoContextWarning())
    thread = threading.Thread(target=_run, args=(views,), name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
