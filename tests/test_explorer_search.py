"""The commune boxes of the explorer on « France entière »: the 34,875 names are not sent to the
browser (0.8 MB per box, 2-3 s on the first draw of the map); a typed text lists the matches."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from coodiag.explorer import components as explorer
from coodiag.explorer import data


def test_commune_labels_small_territory_lists_all() -> None:
    manche = data.territory_communes("dep", "50")
    labels = data.commune_labels(manche)
    assert len(labels) == len(manche) == 445
    assert labels["50025"] == "Avranches (50025)"
    assert list(labels.values()) == sorted(labels.values())


def test_commune_labels_france_lists_matches_only() -> None:
    france = data.territory_communes(data.FRANCE, "")
    assert len(france) > data.MAX_LISTED_COMMUNES
    assert data.commune_labels(france) == {}
    # Accents, case and hyphens ignored; the very name first, then the names starting with it.
    saint_lo = list(data.commune_labels(france, "saint lo"))
    assert saint_lo[0] == "50502" and len(saint_lo) <= data.MAX_MATCHES
    assert list(data.commune_labels(france, "AVRANCHES")) == ["50025", "50554"]
    assert data.commune_labels(france, "50025") == {"50025": "Avranches (50025)"}
    # The commune already chosen stays in the list.
    kept = data.commune_labels(france, "avranches", keep="50129")
    assert kept["50129"] == "Cherbourg-en-Cotentin (50129)" and len(kept) == 3


def test_france_view_search_box_in_the_app() -> None:
    at = AppTest.from_file(str(explorer.app_path()), default_timeout=300)
    at.query_params["niveau"] = "fr"
    at.run()
    assert not at.exception
    assert at.selectbox(key="commune_pick").options == []
    at.text_input(key="commune_query").set_value("avranches").run()
    options = at.selectbox(key="commune_pick").options
    assert options == ["Avranches (50025)", "Saint-Senier-sous-Avranches (50554)"]
    at.selectbox(key="commune_pick").set_value("50025").run()
    assert not at.exception
    assert at.session_state["pick"] == {"level": "communes", "code": "50025"}
    # The structures of France (3,900): typed first too; the Avranches AI found by its town.
    assert at.selectbox(key="siae_pick").options == []
    at.text_input(key="siae_query").set_value("Avranches").run()
    assert "ASSOC INTERMEDIAIRE — AI (Avranches)" in at.selectbox(key="siae_pick").options
    at.selectbox(key="siae_pick").set_value("37968077000029").run()
    assert not at.exception
    assert any("37968077000029" in str(t.value) for t in at.table) or any(
        "37968077000029" in m.value for m in at.markdown)


def test_matching_structures_by_name_town_or_siret() -> None:
    reg = data.registry_with(None, None)
    france = reg.sort_values("nom")
    labels = {r.siret: f"{r.nom} — {r.type_siae} ({r.commune})" for r in france.itertuples()}
    assert len(labels) > data.MAX_LISTED_STRUCTURES
    assert data.matching(labels, "") == {}
    assert set(data.matching(labels, "avranches")) == set(
        france.loc[france["commune"] == "Avranches", "siret"])
    assert list(data.matching(labels, "3796807700")) == ["37968077000029"]
    assert len(data.matching(labels, "a")) == data.MAX_MATCHES
    assert list(data.matching(labels, "zzzz", keep="37968077000029")) == ["37968077000029"]


def test_france_scenario_closures_typed_first() -> None:
    """The scenario's « Structures à fermer » on France: the 3,900 names are not sent, a typed
    text lists the matches; a structure or a commune chosen (not yet computed) stays chosen
    when another text is typed."""
    at = AppTest.from_file(str(explorer.app_path()), default_timeout=300)
    at.query_params["niveau"] = "fr"
    at.run()
    assert not at.exception
    assert at.multiselect(key="scn_close").options == []
    at.text_input(key="scn_close_query").set_value("Avranches").run()
    options = at.multiselect(key="scn_close").options
    assert "ASSOC INTERMEDIAIRE — AI (Avranches)" in options and len(options) < 20
    at.multiselect(key="scn_close").set_value(["37968077000029"]).run()  # chosen, not sent
    at.text_input(key="scn_close_query").set_value("Cherbourg").run()
    assert not at.exception
    options = at.multiselect(key="scn_close").options
    assert "ASSOC INTERMEDIAIRE — AI (Avranches)" in options
    cherbourg = [o for o in options if "(Cherbourg-en-Cotentin)" in o]
    assert cherbourg
    assert at.multiselect(key="scn_close").value == ["37968077000029"]
    labels = data.structure_labels(data.registry_with(None, None))
    second = next(siret for siret, label in labels.items() if label == cherbourg[0])
    at.multiselect(key="scn_close").select(second).run()  # a second one, from another text
    assert len(at.multiselect(key="scn_close").value) == 2
    # The commune box too: Avranches chosen, then another text typed: Avranches stays.
    at.text_input(key="scn_query").set_value("avranches").run()
    at.selectbox(key="scn_commune").set_value("50025").run()
    at.text_input(key="scn_query").set_value("granville").run()
    assert not at.exception
    assert at.selectbox(key="scn_commune").value == "50025"
    assert "Avranches (50025)" in at.selectbox(key="scn_commune").options
    assert "Granville (50218)" in at.selectbox(key="scn_commune").options
    assert "scenario" not in at.session_state  # nothing computed before the button
    # In the Manche (29 structures) all are listed, no text box.
    at = AppTest.from_file(str(explorer.app_path()), default_timeout=300).run()
    from coodiag.analyses import access

    reg = data.registry_with(None, None)
    manche = reg[data.among(reg["code_commune"], set(data.territory_communes("dep", "50")["code"]))]
    n = int(manche["type_siae"].isin(list(access.TYPES_SIAE)).sum())
    assert 0 < n == len(at.multiselect(key="scn_close").options)
    assert not [t for t in at.text_input if t.key == "scn_close_query"]
