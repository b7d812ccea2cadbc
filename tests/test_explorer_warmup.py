"""The explorer's warm-up at server start (:mod:`coodiag.explorer.warmup`): it builds the very
maps the first pages ask for (same cache entries), and never raises."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from coodiag.base import display as display_geometries
from coodiag.explorer import components as explorer
from coodiag.explorer import data, mapview, warmup

APP = str(explorer.app_path())
TIMEOUT = 180


@pytest.fixture(scope="module")
def display(base: dict) -> None:
    if not (display_geometries.display_dir() / "communes_28.parquet").exists():
        display_geometries.build_display_geometries()


@pytest.fixture()
def spied(monkeypatch) -> dict:
    """The keys :func:`mapview.cached_map` is called with, and the maps really built."""
    calls: dict = {"keys": [], "built": 0}
    cached, build = mapview.cached_map, mapview.build_map

    def cached_spy(key, params, pts):
        calls["keys"].append(key)
        return cached(key, params, pts)

    def build_spy(params, pts):
        calls["built"] += 1
        return build(params, pts)

    monkeypatch.setattr(mapview, "cached_map", cached_spy)
    monkeypatch.setattr(mapview, "build_map", build_spy)
    return calls


@pytest.mark.parametrize(("query", "view", "title"), [
    ({"niveau": "fr"}, ("fr", ""), "### France entière"),
    ({}, ("dep", "50"), "### Manche (département 50)"),  # the landing page
    ({"niveau": "reg", "territoire": "28"}, ("reg", "28"), "### Normandie (région 28)"),
])
def test_warmed_map_is_the_one_the_first_page_reads(display: None, spied: dict, query: dict,
                                                    view: tuple, title: str) -> None:
    assert view in warmup.VIEWS
    warmup.warm_view(*view)
    assert len(spied["keys"]) == 1
    built = spied["built"]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.markdown[0].value == title
    # The page asked for the map of the warm-up, and did not build it again.
    assert spied["keys"] == [spied["keys"][0]] * 2
    assert spied["built"] == built
    # The default view: EPCI map of the capacity per 1,000 job seekers, every type shown.
    params = warmup.view_params(*view)
    assert params["map_level"] == "epci" and params["indicator"] == data.DEFAULT_INDICATOR
    assert at.sidebar.selectbox(key="indicator").value == params["indicator"]
    assert at.sidebar.multiselect(key="types").value == params["types"]
    n = int(spied["keys"][0][12].split(":")[0])  # the number of structures shown
    assert f"**{n} structures**" in next(m.value for m in at.markdown if "structures**" in m.value)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_errors_are_logged_not_raised(display: None, monkeypatch) -> None:
    handler = _Records()
    log = logging.getLogger(warmup.__name__)  # the Streamlit logger the warm-up writes to
    log.addHandler(handler)
    try:
        def broken(prefix: str, code: str = "") -> None:
            raise OSError("disque indisponible")

        monkeypatch.setattr(warmup, "warm_view", broken)
        secs = warmup.warm([("fr", "")])  # no exception
    finally:
        log.removeHandler(handler)
    assert secs >= 0
    assert handler.messages[0] == "Préchauffage de l'explorateur : vue fr  non préparée"
    assert handler.messages[-1].startswith(warmup.DONE)


def test_no_thread_when_switched_off(monkeypatch) -> None:
    monkeypatch.setenv(warmup.ENV, "0")
    assert warmup.start() is None
