"""Préconisations on the REAL pipeline: the Avranches AI diagnosis and the Manche atlas.

Each card's figures are checked against the tables the document publishes (same communes, same
rounded values); at most three high priorities; a structure is only told what its type can do.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from coodiag.analyses.coverage import CLASSES
from coodiag.analyses.recommend import ALLOWED, TERRITOIRE, recommend, to_frame
from coodiag.analyses.recommend.actions import STRUCTURES, action_text
from coodiag.fr import NBSP

SIRET = "37968077000029"
ROSTER = "examples/salaries_ai_avranches_FICTIF.csv"


@pytest.fixture(scope="module")
def avranches(base):
    import coodiag

    return coodiag.diagnose(SIRET, salaries=ROSTER)


@pytest.fixture(scope="module")
def atlas50(base):
    import coodiag

    return coodiag.territory_atlas("dep:50")


@pytest.fixture(scope="module")
def avr_doc(avranches):
    from coodiag.outputs.builders.diagnostic import diagnostic_document

    return diagnostic_document(avranches)


def _results(diag) -> dict[str, pd.DataFrame]:
    """The tables the diagnosis hands to ``recommend`` (reports/diagnostic.py)."""
    return {"couverture": diag.couverture, "impact": diag.impact_publie, "bmo": diag.bmo,
            "specificite": diag.specificite}


def _by_rule(recos) -> dict:
    rules = [r.regle for r in recos]
    assert len(rules) == len(set(rules)), f"one card per rule: {rules}"
    return {r.regle: r for r in recos}


def _items(doc):
    for section in doc.sections:
        yield from ((section.title, item) for item in section.items)


def _table(doc, name: str) -> pd.DataFrame:
    found = [i.export.frame for _t, i in _items(doc) if getattr(i, "export", None) is not None
             and i.export.name == name]
    assert found, f"tableau « {name} » absent"
    return found[0]


def _cards(doc) -> list[dict]:
    found = [i.items for t, i in _items(doc) if t == "Préconisations" and hasattr(i, "items")]
    assert found, "section Préconisations absente"
    return found[0]


# --------------------------------------------------------------------------- Avranches


def test_avranches_three_high_priorities_at_most_and_grouped_cards(avranches) -> None:
    recos = avranches.recommandations
    assert sum(r.priorite == 1 for r in recos) <= 3
    by = _by_rule(recos)
    assert [r.priorite for r in recos] == sorted(r.priorite for r in recos)
    # one card lists every occupation in tension close to the AI's activities
    bmo = avranches.bmo
    expected = bmo[bmo["tension"].fillna(False).astype(bool) & bmo["adequation"]]
    card = by["metiers_en_tension"]
    assert card.priorite == 1
    assert [m["metier"] for m in card.chiffres["metiers"]] == list(
        expected.sort_values(["projets", "metier"], ascending=[False, True])["metier"]
    )
    assert card.chiffres["n_metiers"] == len(expected) == 7
    assert card.chiffres["metiers"][0] == {
        "metier": "S1X20",
        "metier_nom": "Aides de cuisine et employés polyvalents de la restauration",
        "projets": 754.0,
        "part_difficiles": 68.7,
        "correspondance": "métier typique des AI",
    }
    assert card.texte == ("7 métiers en tension dans les bassins SUD MANCHE, SAINT LO COUTANCES "
                          "et proches des activités de la structure (projets de recrutement 2024)")
    assert len(card.liste) == 7
    assert card.liste[0] == ("Aides de cuisine et employés polyvalents de la restauration "
                             f"(754 projets, 68,7{NBSP}% difficiles)")
    assert all(name in card.full_text() for name in expected["metier_nom"])
    # the "offre élevée" rule now fires on the real coverage table
    assert "offre_elevee" in by and by["offre_elevee"].chiffres["n_communes"] > 0


def test_avranches_ai_is_only_told_what_an_ai_can_do(avranches) -> None:
    recos = avranches.recommandations
    assert avranches.structure["type_siae"] == "AI"
    for r in recos:
        assert set(r.actions) <= ALLOWED["AI"], (r.regle, r.actions)
        assert "implantation" not in r.full_text(), r.full_text()
    absent = _by_rule(recos)["types_absents_proximite"]
    assert absent.actions == ["rapprocher", "partenariat"]  # its own type, then the others
    assert "nouer un partenariat avec un ACI ou une ETTI des environs" in absent.full_text()
    assert sorted(absent.chiffres["par_type"]) == ["ACI", "AI", "ETTI"]
    assert len(absent.chiffres["par_type"]["ETTI"]) == 8
    with pytest.raises(ValueError, match="hors du champ"):
        action_text("implanter", "AI")


@pytest.mark.parametrize("kind", [*STRUCTURES, TERRITOIRE])
def test_every_audience_gets_only_its_actions(avranches, kind) -> None:
    recos = recommend(_results(avranches), type_siae=kind)
    assert recos and sum(r.priorite == 1 for r in recos) <= 3
    for r in recos:
        assert set(r.actions) <= ALLOWED[kind], (kind, r.regle, r.actions)
    texts = " ".join(r.full_text() for r in recos)
    if kind == TERRITOIRE:
        assert "étudier l'implantation" in texts
        assert "impact_fort" not in {r.regle for r in recos}  # elected officials: a structure's
    else:
        assert "implantation" not in texts and "implanter" not in ALLOWED[kind]
    if kind == "ETTI":
        assert "nouer un partenariat avec un ACI ou une AI des environs" in texts


def test_avranches_cards_have_the_figures_of_the_sections(avranches, avr_doc) -> None:
    by = _by_rule(avranches.recommandations)
    cov = _table(avr_doc, "Couverture par commune")
    low = set(cov.loc[cov["classe"] == CLASSES[0], "code"])
    high = set(cov.loc[cov["classe"] == CLASSES[1], "code"])
    # the sentence of the coverage section counts the communes of the card
    said = re.compile(r"(\d+) commune\(s\) (?:où le besoin n'est pas couvert|à l'accessibilité "
                      r"faible au regard du besoin)")
    sentence = [m for _t, i in _items(avr_doc)
                if isinstance(getattr(i, "text", None), str) and (m := said.search(i.text))]
    assert sentence, "phrase « N commune(s) à l'accessibilité faible… » absente"
    n_said = int(sentence[0][1])
    card = by.get("acces_faible")
    assert n_said == len(low) == (card.chiffres["n_communes"] if card else 0)
    if card:
        assert {c["code"] for c in card.chiffres["communes"]} == low
        rows = cov.set_index("code")
        for c in card.chiffres["communes"]:
            assert (c["besoin"], c["offre"]) == (rows.loc[c["code"], "besoin"],
                                                 rows.loc[c["code"], "offre"])
        assert card.full_text().startswith(f"{len(low)} commune")
    assert {c["code"] for c in by["offre_elevee"].chiffres["communes"]} == high
    # high need (national decile) and no structure of a type within 20 km: the table's rows
    for kind, lacking in by["types_absents_proximite"].chiffres["par_type"].items():
        col = f"dist_{kind}_km"
        want = cov[(cov["decile_besoin"] >= 9) & ~(cov[col] <= 20)]
        assert {c["code"] for c in lacking} == set(want["code"]), kind
    # impact: the communes above 10 % among the published values, with the published figures
    imp = _table(avr_doc, "Impact par commune").set_index("code")
    shown = imp[pd.to_numeric(imp["impact_pct"], errors="coerce") > 10]
    card = by["impact_fort"]
    assert {c["code"] for c in card.chiffres["communes"]} == set(shown.index)
    for c in card.chiffres["communes"]:
        assert c["impact_pct"] == shown.loc[c["code"], "impact_pct"]
        assert c["chomeurs"] == shown.loc[c["code"], "chomeurs"]
        assert c["salaries"] == shown.loc[c["code"], "salaries"] >= 5
    first = card.chiffres["communes"][0]
    assert (first["code"], first["nom"], first["salaries"]) == ("50616", "Le Val-Saint-Père", 11)
    # the cards rendered are the recommendations, in the same order
    assert [(c["texte"], c["liste"], c["a_envisager"]) for c in _cards(avr_doc)] == [
        (r.texte, r.liste, r.a_envisager) for r in avranches.recommandations]


def test_impact_card_ignores_row_order_and_masked_rows(avranches) -> None:
    pub = avranches.impact_publie
    masked = pub[pub["salaries"].map(lambda v: isinstance(v, str))]
    assert len(masked) > 10
    base_card = recommend({"impact": pub}, type_siae="AI")
    shuffled = recommend({"impact": pub.sample(frac=1, random_state=3)}, type_siae="AI")
    assert [r.full_text() for r in shuffled] == [r.full_text() for r in base_card]
    text = base_card[0].full_text()
    assert not any(f"({code}" in text for code in masked["code"])
    assert "< 5" not in text


def test_thresholds_are_parameters(avranches) -> None:
    res = _results(avranches)
    assert sum(r.priorite == 1 for r in recommend(res, type_siae="AI", max_haute=1)) == 1
    strong = _by_rule(recommend(res, type_siae="AI", seuil_impact_pct=20.0))["impact_fort"]
    assert [c["code"] for c in strong.chiffres["communes"]] == ["50616", "50543"]
    assert strong.full_text().startswith("2 communes où les salariés en parcours")
    short = _by_rule(recommend(res, type_siae="AI", max_listed=3))["offre_elevee"]
    n = short.chiffres["n_communes"]
    assert f"et {n - 3} autres (voir le tableau de couverture)" in short.full_text()
    strict = _by_rule(recommend(res, type_siae="AI", decile_min=10))
    lacking = strict["types_absents_proximite"].chiffres["par_type"]["ETTI"]
    assert {c["decile_besoin"] for c in lacking} == {10}


def test_zone_shares_have_no_establishment_minimum(avranches) -> None:
    ze = avranches.specificite_ze
    recos = recommend({"specificite_ze": ze}, type_siae="AI")
    want = ze[ze["indice"] >= 1.2].sort_values(["indice", "secteur"], ascending=[False, True])
    if want.empty:
        assert recos == []
        return
    (card,) = recos
    assert [s["secteur"] for s in card.chiffres["secteurs"]] == list(want["secteur"])
    assert card.priorite == 3 and "de l'emploi" in card.full_text()


def test_missing_inputs_unknown_type_and_export(avranches) -> None:
    assert recommend({}) == []
    assert recommend({"couverture": avranches.couverture[["code", "nom"]]}) == []
    with pytest.raises(ValueError, match="Type de structure « EA » inconnu"):
        recommend({}, type_siae="EA")
    frame = to_frame(avranches.recommandations)
    assert frame.columns.tolist() == ["Priorité", "Thème", "Préconisation", "Raison"]
    assert frame["Priorité"].iloc[0] == "haute"
    assert len(frame) == len(avranches.recommandations)


# --------------------------------------------------------------------------- Manche atlas


def test_manche_atlas_speaks_to_the_territory(atlas50) -> None:
    from coodiag.outputs.builders.territory import territory_document

    recos = atlas50.recommandations
    assert recos and sum(r.priorite == 1 for r in recos) <= 3
    by = _by_rule(recos)
    for r in recos:
        assert set(r.actions) <= ALLOWED[TERRITOIRE]
    card = by["acces_faible"]
    low = atlas50.communes.loc[atlas50.communes["classe"] == CLASSES[0]]
    codes = [c["code"] for c in card.chiffres["communes"]]
    assert set(codes) == set(low["code"]) == set(atlas50.non_couvertes["code"])
    assert codes == list(atlas50.non_couvertes.sort_values(
        ["demande", "code"], ascending=[False, True])["code"])
    # the missing types within 20 km of those communes, from the published distances
    for kind, n in card.chiffres["types_absents"].items():
        assert n == int((~(low[f"dist_{kind}_km"] <= 20)).sum())
    assert "ETTI" in card.chiffres["types_absents"]
    assert card.a_envisager.startswith(
        "y étudier l'implantation d'une structure ou d'une antenne (types absents")
    assert "types_absents" not in by  # the four types are present in the Manche
    assert set(atlas50.par_type["type_siae"]) >= {"ACI", "AI", "EI", "ETTI"}
    doc = territory_document(atlas50)
    assert [(c["texte"], c["liste"]) for c in _cards(doc)] == [
        (r.texte, r.liste) for r in recos]
    unc = _table(doc, "Communes non couvertes")
    assert set(unc["code"]) == set(codes)


def test_a_type_missing_from_the_territory_is_named_for_the_territory_only(atlas50) -> None:
    res = {"offre_types": atlas50.par_type[~atlas50.par_type["type_siae"].isin(["ACI", "ETTI"])]}
    (card,) = recommend(res)
    assert card.regle == "types_absents" and card.priorite == 1
    assert card.texte == "Aucun ACI ni aucune ETTI dans le territoire"
    assert card.a_envisager == (
        "étudier l'implantation d'un ACI ou d'une ETTI, ou d'une antenne d'une structure voisine")
    assert recommend(res, type_siae="AI") == []  # a structure is not told to open one
