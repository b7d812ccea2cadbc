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
    # A zone-level indicator is not offered on the commune map: listed apart, with the reason.
    at.sidebar.radio(key="layer").set_value("Indicateur").run()
    at.sidebar.radio(key="map_level").set_value("communes").run()
    _no_error(at)
    assert "Revenus et pauvreté" in at.sidebar.selectbox(key="theme").options
    at.sidebar.selectbox(key="theme").set_value("Revenus et pauvreté").run()
    from coodiag.explorer import catalogue

    poverty = catalogue.label("indicateurs_zones_emploi:rev_txpauv_21")
    assert poverty not in at.sidebar.selectbox(key="indicator").options
    apart = " ".join(c.value for c in at.sidebar.caption)
    assert "Taux de pauvreté au seuil de 60" in apart and "publié par zone d'emploi" in apart
    at.sidebar.radio(key="map_level").set_value("zones_emploi").run()
    at.sidebar.selectbox(key="theme").set_value("Revenus et pauvreté").run()
    at.sidebar.selectbox(key="indicator").set_value(
        "indicateurs_zones_emploi:rev_txpauv_21"
    ).run()
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
    # The whole folder in one zip, so that the HTML page's links work.
    import io
    import zipfile

    name, content = at.session_state["diag_files"]["20005688500011"]["zip"]
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    html_pages = [n for n in names if n.endswith(".html")]
    assert html_pages and any("/csv/" in n for n in names) and name.endswith(".zip")
    assert set(Path(tempfile.gettempdir()).glob("coodiag-diag-*")) == before
    at.selectbox(key="commune_pick").set_value("50129").run()  # Cherbourg-en-Cotentin
    _no_error(at)
    assert any(m.value.startswith("**Portrait : Cherbourg-en-Cotentin (commune 50129)")
               for m in at.markdown)
    assert any(m.value.startswith("**Couverture** : ") for m in at.markdown)


def test_scenario_opening(display: None) -> None:
    at = _app()
    at.selectbox(key="scn_commune").set_value("50025")
    at.selectbox(key="scn_type").set_value("ACI")
    at.number_input(key="scn_cap").set_value(30)
    submit = next(b for b in at.button if "Calculer le scénario" in b.label)
    submit.click().run()
    _no_error(at)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Communes dont l'accès change"].replace("\u202f", "")) > 0
    assert "Changements de classe" in metrics
    moved = next(d.value for d in at.dataframe if "Chômeurs à portée" in d.value.columns)
    assert moved["Changement"].tolist() == ["ouverture"]
    assert moved["Capacité"].tolist() == ["30,0"]  # French figures, not « 30.0 »
    assert moved["Chômeurs à portée"].str.fullmatch(r"[\d\u202f]+,\d").all()
    # Another territory: the scenario (placed in the Manche) is dropped.
    at.sidebar.selectbox(key="terr_dep").set_value("14").run()
    _no_error(at)
    assert "scenario" not in at.session_state
    assert not [m for m in at.metric if m.label == "Communes dont l'accès change"]


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


# ------------------------------------------------------------------------------------------
# Issue 14: launch settings, indicators offered, portrait, view in the address, export, réseaux
# ------------------------------------------------------------------------------------------


def test_config_file_and_launcher_agree() -> None:
    """``streamlit run app.py`` reads .streamlit/config.toml, ``coodiag explorer`` passes
    flags: the same settings (no usage metrics, address set, viewer toolbar)."""
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml")
                           .read_text(encoding="utf-8"))
    flat = {f"{section}.{k}": v for section, opts in config.items() for k, v in opts.items()}
    assert flat == explorer.STREAMLIT_OPTIONS
    assert flat["browser.gatherUsageStats"] is False
    argv = explorer.streamlit_argv(["--server.port", "8600"])
    assert argv[:3] == ["streamlit", "run", APP] and argv[-2:] == ["--server.port", "8600"]
    assert argv[argv.index("--client.toolbarMode") + 1] == "viewer"


def test_view_from_address_portrait_and_level_memory(display: None, base: dict) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(niveau="ze", territoire="2802", commune="50025", couche="Indicateur",
                           carte="communes", indicateur="offre:n_siae")
    at.run()
    _no_error(at)
    assert at.markdown[0].value == "### Avranches (zone d'emploi 2802)"
    assert at.sidebar.selectbox(key="indicator").value == "offre:n_siae"
    assert at.sidebar.radio(key="map_level").value == "communes"
    # The portrait of Avranches: its figures beside the Manche, Normandie, metropolitan France.
    assert any(m.value == "**Portrait : Avranches (commune 50025)**" for m in at.markdown)
    table = next(t.value for t in at.table if "France métropolitaine" in t.value.columns)
    assert list(table.columns) == ["Avranches (commune 50025)", "Manche (dép. 50)",
                                   "Normandie (région)", "France métropolitaine"]
    from coodiag.base.store import Base

    n = int((Base.open().siae["code_commune"] == "50025").sum())
    assert n > 0
    assert table.loc["Structures d'insertion (filtres appliqués)",
                     "Avranches (commune 50025)"] == str(n)
    coverage_line = next(m.value for m in at.markdown if m.value.startswith("**Couverture**"))
    assert "besoin : niveau" in coverage_line and "offre à portée : niveau" in coverage_line
    assert any("Structures à portée" in m.value for m in at.markdown)
    # The view goes back into the address.
    assert at.query_params["territoire"] in ("2802", ["2802"])
    assert at.query_params["commune"] in ("50025", ["50025"])
    # EPCI, then back to the zones d'emploi: Avranches again (not the first of the list).
    at.sidebar.radio(key="terr_level").set_value("epci").run()
    _no_error(at)
    assert "Mont-Saint-Michel-Normandie" in at.markdown[0].value  # holds most of the zone
    at.sidebar.radio(key="terr_level").set_value("ze").run()
    assert at.markdown[0].value == "### Avranches (zone d'emploi 2802)"


def test_indicators_offered_where_they_exist(display: None) -> None:
    at = _app(terr_level="reg", terr_reg="93")  # PACA: no 2022 census rates per commune
    at.sidebar.radio(key="map_level").set_value("communes").run()
    at.sidebar.selectbox(key="theme").set_value("Emploi, chômage et activité").run()
    _no_error(at)
    from coodiag.explorer import catalogue

    rate_22 = catalogue.label("indicateurs_communes:tx_chom1564_22")
    rate_21 = catalogue.label("indicateurs_communes:tx_chom1564_21")
    options = at.sidebar.selectbox(key="indicator").options  # shown labels
    assert rate_22 != rate_21
    assert rate_22 not in options
    assert rate_21 in options  # the 2021 census covers PACA
    apart = " ".join(c.value for c in at.sidebar.caption)
    assert "aucune valeur pour les communes de ce territoire" in apart
    at.sidebar.selectbox(key="indicator").set_value("indicateurs_communes:tx_chom1564_21").run()
    _no_error(at)
    assert "0 classes" not in " ".join(c.value for c in at.caption)
    # In the Manche, the same 2022 rate is offered.
    at.sidebar.radio(key="terr_level").set_value("dep").run()
    at.sidebar.selectbox(key="terr_dep").set_value("50").run()
    at.sidebar.selectbox(key="theme").set_value("Emploi, chômage et activité").run()
    assert rate_22 in at.sidebar.selectbox(key="indicator").options


def test_export_of_the_view(display: None) -> None:
    import io

    import openpyxl
    import pandas as pd

    from coodiag.explorer import data, export, mapview

    communes = data.territory_communes("dep", "50")
    reg = data.registry_with(None, None)
    types = list(reg["type_siae"].unique())
    pts = mapview.filtered_siae(reg, set(communes["code"]), types, [])
    params = {"prefix": "dep", "code": "50", "types": types, "reseaux": [], "layer": "Indicateur",
              "map_level": "epci", "indicator": "offre:n_siae", "scheme": "quantiles", "k": 5,
              "access_type": "ensemble", "typology": "ze", "tiles": False}
    _page, info = mapview.build_map(params, pts)
    table = export.view_table(info, "Manche (département 50)")
    csv = export.file_bytes(table, "csv", "coodiag — test").decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(csv), sep=None, engine="python", dtype=str)
    assert len(frame) == communes["epci"].nunique()
    counts = pd.to_numeric(frame.iloc[:, 2].str.replace(",", "."), errors="coerce")
    # The EPCIs are drawn whole: their structures, in the Manche or beyond.
    whole = data.base()["communes"]
    whole = whole[whole["epci"].isin(set(communes["epci"]))]
    assert int(counts.sum()) == int(reg["code_commune"].isin(set(whole["code"])).sum())
    assert int(counts.sum()) >= len(pts) > 0
    book = openpyxl.load_workbook(io.BytesIO(export.file_bytes(table, "xlsx", "coodiag")))
    assert "Carte" in book.sheetnames and "Sources" in book.sheetnames


#: One structure of the Manche, one SIRET (valid) that is no SIAE.
MEMBERSHIP_UNKNOWN = (
    b"siret;reseau\n"
    b"20005688500011;Coorace\n"
    b"73282932000074;Coorace\n"
)


def test_membership_unknown_siret_warned(display: None) -> None:
    result = explorer.read_upload("reseaux", "adhesions.csv", MEMBERSHIP_UNKNOWN)
    assert (result.n_read, result.n_used) == (2, 2)
    at = _app(imports={"reseaux": result})
    _no_error(at)
    warned = " ".join(w.value for w in at.warning)
    assert "1 SIRET du fichier sans structure d'insertion correspondante" in warned
    assert "73282932000074" in warned
    summary = next(d.value for d in at.dataframe if "Réseau" in d.value.columns)
    row = summary.set_index("Réseau").loc["Coorace"]
    assert row["Structures reconnues"] == "1" and row["SIRET inconnus"] == "1"


def test_one_colour_per_reseau_and_two_maps(display: None) -> None:
    from coodiag.explorer import reseau_colors

    result = explorer.read_upload("reseaux", "adhesions.csv", MEMBERSHIP)
    at = _app(imports={"reseaux": result})
    _no_error(at)
    everything = _count(at)
    at.sidebar.checkbox(key="by_reseau").check().run()
    _no_error(at)
    legend = next(m.value for m in at.markdown if reseau_colors.TITLE in m.value)
    # 20005688500011: Coorace; 26500008300013: Coorace and Chantier école; the others: none.
    assert "Coorace (1)" in legend and f"{reseau_colors.SEVERAL} (1)" in legend
    assert f"{reseau_colors.NONE} ({everything - 2})" in legend
    assert at.query_params["couleurs"] in ("1", ["1"])
    # The réseau filter still applies: both structures of Coorace, in its colour.
    at.sidebar.multiselect(key="reseaux").set_value(["Coorace"]).run()
    _no_error(at)
    assert _count(at) == 2
    legend = next(m.value for m in at.markdown if reseau_colors.TITLE in m.value)
    assert "Coorace (2)" in legend and reseau_colors.SEVERAL not in legend
    # Two maps side by side: the need (job seekers, summed per EPCI) beside the offer.
    at.sidebar.checkbox(key="pair").check().run()
    _no_error(at)
    assert at.sidebar.selectbox(key="indicator2").value == "indicateurs_communes:de_2024"
    shown = [m.value for m in at.markdown]
    assert "**Carte de gauche**" in shown and "**Carte de droite**" in shown
    assert any(v.startswith("**Demandeurs d'emploi") for v in shown)
    assert at.query_params["deux_cartes"] in ("1", ["1"])
    assert at.query_params["droite"] in ("indicateurs_communes:de_2024",
                                         ["indicateurs_communes:de_2024"])


def test_reseau_colours_on_the_map_page(display: None) -> None:
    import html

    from coodiag.explorer import data, mapview, reseau_colors
    from coodiag.outputs import palettes

    membership = explorer.read_upload("reseaux", "adhesions.csv", MEMBERSHIP).data
    reg = data.registry_with(None, membership)
    communes = data.territory_communes("dep", "50")
    types = list(reg["type_siae"].unique())
    pts = mapview.filtered_siae(reg, set(communes["code"]), types, [])
    params = {"prefix": "dep", "code": "50", "types": types, "reseaux": [], "layer": "Aucune",
              "map_level": "communes", "indicator": "offre:n_siae", "scheme": "quantiles",
              "k": 5, "access_type": "ensemble", "typology": "ze", "tiles": False,
              "by_reseau": True}
    page, _info = mapview.build_map(params, pts)
    # The legend (plain HTML in the map): one row per réseau, counted.
    rows = re.findall(r'background:(#[0-9A-Fa-f]{6})\\"></i><span>([^<]*)</span>', page)
    assert rows == [  # drawn in this order: the members of a réseau on top
        (reseau_colors.NONE_COLOR, html.escape(f"{reseau_colors.NONE} ({len(pts) - 2})")),
        (reseau_colors.SEVERAL_COLOR, f"{reseau_colors.SEVERAL} (1)"),
        (palettes.QUALITATIVE[0], "Coorace (1)"),  # the only réseau alone on a structure
    ]
    assert html.escape(f"{reseau_colors.TITLE} : {len(pts)}") in page
    assert "ACI — atelier" not in page  # not coloured by type


def test_france_view_goes_overseas(display: None) -> None:
    import json
    import re as regex

    from coodiag.explorer import data, mapview

    b = data.base()
    communes = data.territory_communes("fr", "")
    overseas = (communes[communes["crs_zone"] != "metro"].sort_values("crs_zone")
                .drop_duplicates("crs_zone")["reg_nom"].tolist())
    assert overseas == ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]
    reg = data.registry_with(None, None)
    types = list(reg["type_siae"].unique())
    pts = mapview.filtered_siae(reg, None, types, [])
    params = {"prefix": "fr", "code": "", "types": types, "reseaux": [], "layer": "Indicateur",
              "map_level": "communes", "indicator": "indicateurs_communes:med21",
              "scheme": "quantiles", "k": 5, "access_type": "ensemble", "typology": "ze",
              "tiles": False}
    page, info = mapview.build_map(params, pts)
    assert info["overseas"] == overseas
    views = json.loads(regex.search(r"var views = (\[.*?\]\]\]);", page).group(1))
    assert [v[0] for v in views] == ["Métropole", *overseas]
    (south, west), (north, east) = views[4][1]  # La Réunion, in the Indian Ocean
    assert -21.5 < south < north < -20.8 and 55.1 < west < east < 55.9
    # Where the median income has no value at all, the note says so (the others not).
    med = b["ind"].set_index("code")["med21"]
    dom = communes[communes["crs_zone"] != "metro"]
    empty = [n for n in overseas if med.reindex(dom.loc[dom["reg_nom"] == n, "code"]).isna().all()]
    assert "Mayotte" in empty  # Filosofi does not cover it
    note = next(n for n in info["notes"] if n.startswith("Aucune valeur outre-mer"))
    assert note.startswith(f"Aucune valeur outre-mer pour : {', '.join(empty)} (hachuré")
    assert all(n not in note for n in overseas if n not in empty and
               med.reindex(dom.loc[dom["reg_nom"] == n, "code"]).notna().all())


def test_epci_in_a_zone_source_line_and_template(display: None) -> None:
    from coodiag.explorer import data, mapview, tabs

    at = _app(terr_level="ze", terr_ze="2802", map_level="epci")
    _no_error(at)
    assert at.markdown[0].value == "### Avranches (zone d'emploi 2802)"
    # The EPCIs are drawn whole, beyond the zone: said under the map, counted from the data.
    c = data.base()["communes"]
    zone_epci = set(c.loc[c["ze2020"] == "2802", "epci"])
    n_out = c[c["epci"].isin(zone_epci) & (c["ze2020"] != "2802")]["epci"].nunique()
    assert n_out >= 1  # Coutances Mer et Bocage has one commune in the zone
    captions = " ".join(x.value for x in at.caption)
    assert f"{n_out} EPCI {'dépasse' if n_out == 1 else 'dépassent'} le territoire" in captions
    # The source line names the indicator's source (not always the SIAE lists).
    at.sidebar.selectbox(key="theme").set_value("Emploi, chômage et activité").run()
    at.sidebar.selectbox(key="indicator").set_value("indicateurs_communes:de_2024").run()
    _no_error(at)
    meta = data.base()["indicators"]["indicateurs_communes:de_2024"]
    assert "France Travail" in meta.source
    assert any(f"source : {meta.source}" in m.value for m in at.markdown)
    # The same EPCI has the same value in the zone's view and in the Manche's (issue 14:
    # Coutances Mer et Bocage read 35,3 in the Manche, 0 in Avranches).
    reg = data.registry_with(None, None)
    types = list(reg["type_siae"].unique())
    values = {}
    for prefix, code in (("ze", "2802"), ("dep", "50")):
        communes = data.territory_communes(prefix, code)
        params = {"prefix": prefix, "code": code, "types": types, "reseaux": [],
                  "layer": "Indicateur", "map_level": "epci",
                  "indicator": "offre:capacite_pour_1000_demandeurs", "scheme": "quantiles",
                  "k": 5, "access_type": "ensemble", "typology": "ze", "tiles": False}
        page, info = mapview.build_map(
            params, mapview.filtered_siae(reg, set(communes["code"]), types, []))
        assert meta.source not in page  # the offer map's source line: the SIAE lists
        values[prefix] = info["table"].set_index("code").iloc[:, -1]
    coutances = "200067023"
    assert values["ze"][coutances] == values["dep"][coutances] > 0
    # The réseau template is offered beside the file field, and it reads without rejection.
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Modèle de fichier (adhésions, CSV)" in labels
    template = explorer.read_upload("reseaux", "modele_reseaux.csv",
                                    tabs.TEMPLATES["reseaux"].encode())
    assert (template.n_read, template.n_used, template.n_rejected) == (3, 3, 0)


def test_an_overseas_region_on_its_own(display: None) -> None:
    from coodiag.explorer import data

    at = _app(terr_level="reg", terr_reg="06", map_level="communes")  # Mayotte
    _no_error(at)
    assert at.markdown[0].value.startswith("### Mayotte")
    c = data.base()["communes"]
    mayotte = set(c.loc[c["reg"] == "06", "code"])
    reg = data.base()["registry"]
    assert _count(at) == int(reg["code_commune"].isin(mayotte).sum()) > 0
    # Its indicators only: the median income (Filosofi does not cover Mayotte) is listed
    # apart, with the reason.
    apart = " ".join(x.value for x in at.sidebar.caption)
    from coodiag.explorer import catalogue

    med = catalogue.label("indicateurs_communes:med21")
    assert f"{med} : aucune valeur pour les communes de ce territoire" in apart
    offered = [s for g in catalogue.offered("reg", "06", "communes")[0].values() for s in g]
    assert "indicateurs_communes:med21" not in offered and offered
