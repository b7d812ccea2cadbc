"""The explorer (``coodiag/explorer/app.py``) driven by Streamlit's AppTest, on the real base."""

from __future__ import annotations

import re
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from coodiag.base import display as display_geometries
from coodiag.explorer import components as explorer

APP = str(explorer.app_path())
TIMEOUT = 180

#: Memberships in the Manche (dep 50): two good rows (one with two réseaux), one bad SIRET.
MEMBERSHIP = (
    "siret;reseau\n"
    "20005688500011;Coorace\n"
    "26500008300013;Coorace, Chantier école\n"
    "12345678901234;Coorace\n"
).encode()


@pytest.fixture(scope="module")
def display(base: dict) -> None:
    """The display geometries (written by ``coodiag build``; built here if missing)."""
    if not (display_geometries.display_dir() / "communes_28.parquet").exists():
        display_geometries.build_display_geometries()


def _app(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _no_error(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _count(at: AppTest) -> int:
    for md in at.markdown:
        hit = re.search(r"\*\*(\d+) structures\*\*", md.value)
        if hit:
            return int(hit.group(1))
    raise AssertionError("compte des structures absent")


def test_departement_changes_siae_count(display: None) -> None:
    at = _app()
    _no_error(at)
    assert at.markdown[0].value == "### Manche (département 50)"
    manche = _count(at)
    at.sidebar.selectbox(key="terr_dep").set_value("14").run()
    _no_error(at)
    assert "Calvados" in at.markdown[0].value
    calvados = _count(at)
    assert manche > 0 and calvados > 0 and manche != calvados
    # A région is searched the same way.
    at.sidebar.radio(key="terr_level").set_value("reg").run()
    _no_error(at)
    assert _count(at) > calvados


def test_type_filter_changes_counts(display: None) -> None:
    at = _app()
    everything = _count(at)
    at.sidebar.multiselect(key="types").set_value(["ACI"]).run()
    _no_error(at)
    aci = _count(at)
    assert 0 < aci < everything
    # The key figures of the side panel follow the filter.
    figures = at.table[0].value
    assert figures.loc["Structures (filtres appliqués)", "Valeur"] == str(aci)
    assert "  dont AI" not in figures.index


def test_membership_upload_report_and_reseau_filter(display: None) -> None:
    before = set(Path(tempfile.gettempdir()).glob("coodiag-upload-*"))
    result = explorer.read_upload("reseaux", "adhesions.csv", MEMBERSHIP)
    assert set(Path(tempfile.gettempdir()).glob("coodiag-upload-*")) == before  # deleted
    assert (result.n_read, result.n_used, result.n_rejected) == (3, 2, 1)
    report = result.report_text()
    assert "rejetées : 1" in report and "ligne 4" in report

    # The app shows the same French report and offers the réseaux of the file as a filter.
    at = _app(imports={"reseaux": result})
    _no_error(at)
    assert any("1 rejetée(s)" in w.value for w in at.warning)
    assert any("rejetées : 1" in c.value for c in at.code)
    reseau = at.sidebar.multiselect(key="reseaux")
    assert set(reseau.options) == {"Coorace", "Chantier école"}
    reseau.set_value(["Coorace"]).run()
    _no_error(at)
    assert _count(at) == 2
    at.sidebar.multiselect(key="reseaux").set_value(["Chantier école"]).run()
    assert _count(at) == 1


def test_map_layers(display: None) -> None:
    at = _app()
    captions = " ".join(c.value for c in at.caption)
    assert "Classes (quantiles, 5 classes)" in captions
    assert "hors ligne" in captions
    at.sidebar.radio(key="layer").set_value("Couverture (besoin / offre)").run()
    _no_error(at)
    assert "Communes par classe" in " ".join(c.value for c in at.caption)
    at.sidebar.radio(key="layer").set_value("Accessibilité").run()
    _no_error(at)
    at.sidebar.selectbox(key="scheme").set_value("natural_breaks").run()
    at.sidebar.slider(key="k").set_value(4).run()
    _no_error(at)
    assert "Seuils naturels" in " ".join(c.value for c in at.caption) or "seuils naturels" in (
        " ".join(c.value for c in at.caption)
    )
    at.sidebar.radio(key="layer").set_value("Typologie").run()
    _no_error(at)
    at.sidebar.radio(key="typology").set_value("communes").run()
    _no_error(at)
    # A zone-level indicator asked at commune level says why it is not drawn.
    at.sidebar.radio(key="layer").set_value("Indicateur").run()
    at.sidebar.selectbox(key="indicator").set_value(
        "indicateurs_zones_emploi:rev_txpauv_21"
    ).run()
    at.sidebar.radio(key="map_level").set_value("communes").run()
    _no_error(at)
    assert "publié par zone d'emploi" in " ".join(c.value for c in at.caption)
    at.sidebar.radio(key="map_level").set_value("zones_emploi").run()
    _no_error(at)
    assert "Taux de pauvreté" in " ".join(m.value for m in at.markdown)


def test_side_panel_structure_and_commune(display: None) -> None:
    at = _app()
    at.selectbox(key="siae_pick").set_value("20005688500011").run()
    _no_error(at)
    details = at.table[1].value
    assert details.loc["SIRET", "Valeur"] == "20005688500011"
    assert "estimation" in details.loc["Capacité", "Valeur"]
    # The diagnosis runs and its files are offered for download (rendered in a temporary
    # folder, deleted).
    before = set(Path(tempfile.gettempdir()).glob("coodiag-diag-*"))
    at.button(key="diag_run").click().run()
    _no_error(at)
    labels = {b.label for b in at.get("download_button")}
    assert {"Télécharger le PDF", "Télécharger la page HTML"} <= labels
    assert set(Path(tempfile.gettempdir()).glob("coodiag-diag-*")) == before
    at.selectbox(key="commune_pick").set_value("50129").run()  # Cherbourg-en-Cotentin
    _no_error(at)
    assert "Classe de couverture" in at.table[2].value.index


def test_scenario_opening(display: None) -> None:
    at = _app()
    at.selectbox(key="scn_commune").set_value("50025")  # a form: values sent on submit
    at.selectbox(key="scn_type").set_value("ACI")
    at.number_input(key="scn_cap").set_value(30)
    submit = next(b for b in at.button if "Calculer le scénario" in b.label)
    submit.click().run()
    _no_error(at)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Communes dont l'accès change"].replace("\u202f", "")) > 0
    assert "Changements de classe" in metrics


def _one_session(_: int) -> int:
    """One user session loading the Orne, in its own process (see the test below)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.sidebar.selectbox(key="terr_dep").set_value("61").run()
    _no_error(at)
    return _count(at)


def test_twenty_concurrent_sessions(display: None) -> None:
    # Twenty sessions at once, each in its own process: AppTest instances are not thread-safe
    # (shared widget registries, and CPython 3.11's ast.parse races between threads), whereas
    # processes load the app independently, as twenty browsers would on a server.
    import multiprocessing

    with ProcessPoolExecutor(
        max_workers=20, mp_context=multiprocessing.get_context("fork")
    ) as pool:
        counts = list(pool.map(_one_session, range(20)))
    assert len(set(counts)) == 1 and counts[0] > 0
