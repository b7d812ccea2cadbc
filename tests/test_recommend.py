"""Préconisations: a hand-made results dict gives exactly the expected texts and figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coodiag.analyses import occupations, specificity
from coodiag.analyses.recommend import Recommendation, recommend, to_frame
from coodiag.fr import NBSP, NNBSP


def _couverture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["50025", "50041", "50100", "50200", "50300", "50400"],
            "nom": ["Avranches", "Commune A", "Commune B", "Commune C", "Commune D", "Commune E"],
            "chomeurs": [312, 1234, 40, 800, 3, 900],
            "decile_besoin": [9, 10, 2, 9, 9, 5],
            "dist_ACI_km": [27.3, np.nan, 0.0, 5.0, 30.0, 40.0],
            "dist_AI_km": [0.5, 25.0, 0.0, 4.0, 2.0, 40.0],
            "dist_EI_km": [0.8, 3.0, 0.0, 6.0, 2.0, 40.0],
            "dist_ETTI_km": [12.0, 5.0, 0.0, 19.9, 2.0, 40.0],
            "classe_couverture": [
                "besoin sans offre",
                "besoin sans offre",
                "offre sans besoin",
                "équilibré",
                "besoin sans offre",
                "besoin et offre faibles",
            ],
        }
    )


def _impact() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "code": ["50025", "50041", "50100"],
            "nom": ["Avranches", "Commune A", "Commune B"],
            "salaries": [45, 3, 10],  # 3: secret, its share is not published
            "chomeurs": [190, 10, 500],
            "impact_pct": [100 * 45 / 190, 30.0, 2.0],
        }
    )
    return df


def _bmo() -> pd.DataFrame:
    """A bassin with three occupations, run through the real bmo_profile."""
    rows = pd.DataFrame(
        {
            "metier": ["T2A60", "S2X61", "A1X41"],
            "metier_nom": [
                "Aides à domicile et auxiliaires de vie",
                "Serveurs de cafés restaurants",
                "Jardiniers des espaces verts et naturels",
            ],
            "famille": ["V", "V", "Z"],
            "famille_nom": ["x", "x", "x"],
            "bassin": ["2823"] * 3,
            "bassin_nom": ["SUD MANCHE"] * 3,
            "projets": [111.0, 756.0, 106.0],
            "difficiles": [86.0, 441.0, 50.0],
            "saisonniers": [12.0, 600.0, np.nan],
        }
    )
    # ROME K1304 (services domestiques) -> FAP T, V: T2A60 matches; S2X61 is in tension but
    # does not match; A1X41 matches nothing and is not in tension (47 %).
    return occupations.bmo_profile(rows, ["2823"], romes=["K1304"], top=None)


def _specificite() -> pd.DataFrame:
    # n = 200, N = 1000. AZ: 25 % / 10 % = 2.5 (50 establishments: kept);
    # FZ: 5 % / 1 % = 5.0 but 10 establishments only (< 20: left out); HU: 70 % / 89 % = 0.79
    lq = specificity.location_quotient(
        pd.Series({"AZ": 50, "FZ": 10, "HU": 140}),
        pd.Series({"AZ": 100, "FZ": 10, "HU": 890}),
        labels={"AZ": "Agriculture, sylviculture et pêche", "FZ": "Construction"},
    )
    lq.attrs.update(reference="département 50", unite_n="établissements")
    return lq


def _results() -> dict[str, pd.DataFrame]:
    return {
        "couverture": _couverture(),
        "impact": _impact(),
        "bmo": _bmo(),
        "specificite": _specificite(),
    }


def test_expected_recommendations_with_their_figures() -> None:
    recos = recommend(_results())
    assert all(isinstance(r, Recommendation) for r in recos)
    km20 = f"20{NBSP}km"
    assert [r.texte for r in recos] == [
        f"Commune A (50041) — besoin élevé (rang décile 10, 1{NNBSP}234 chômeurs) et aucune "
        f"ACI ni AI à moins de {km20}{NBSP}: étudier une implantation ou une antenne.",
        "Avranches (50025) — besoin élevé (rang décile 9, 312 chômeurs) et aucune ACI à moins "
        f"de {km20}{NBSP}: étudier une implantation ou une antenne.",
        "Commune D (50300) — besoin élevé (rang décile 9, < 5 chômeurs) et aucune ACI à moins "
        f"de {km20}{NBSP}: étudier une implantation ou une antenne.",
        "Aides à domicile et auxiliaires de vie — métier en tension dans le bassin SUD MANCHE "
        f"(111 projets de recrutement en 2024, dont 77{NBSP}% jugés difficiles) et en lien avec "
        f"les activités de la structure{NBSP}: le cibler pour la formation et le placement des "
        "salariés en parcours.",
        "Commune B (50100) — offre d'insertion présente mais besoin faible (rang décile 2, 40 "
        f"chômeurs){NBSP}: envisager de redéployer une partie des postes vers les communes à "
        "besoin non couvert, ou de mutualiser avec les structures voisines.",
        "Avranches (50025) — les salariés en parcours qui y résident représentent "
        f"23,7{NBSP}% des chômeurs (45 salariés, 190 chômeurs){NBSP}: à mettre en avant auprès "
        "des élus de la commune.",
        "Agriculture, sylviculture et pêche — secteur surreprésenté (indice de spécificité "
        f"2,50 ; 50 établissements, 25,0{NBSP}% contre 10,0{NBSP}% ; référence{NBSP}: "
        f"département 50){NBSP}: prospecter les entreprises de ce secteur (recrutement, clauses "
        "sociales, achats responsables).",
    ]
    assert [r.regle for r in recos] == [
        "besoin_non_couvert",
        "besoin_non_couvert",
        "besoin_non_couvert",
        "metier_en_tension",
        "offre_sans_besoin",
        "impact_fort",
        "secteur_surrepresente",
    ]
    assert [r.priorite for r in recos] == [1, 1, 1, 1, 2, 2, 3]
    first = recos[0]
    assert first.theme == "Territoire non couvert"
    assert first.chiffres == {
        "code": "50041",
        "nom": "Commune A",
        "decile_besoin": 10,
        "chomeurs": 1234.0,
        "distances_km": {"ACI": None, "AI": 25.0, "EI": 3.0, "ETTI": 5.0},
    }
    assert first.raison == (
        f"Rang décile de besoin ≥ 9 et pas de structure de ce type à moins de {km20} "
        f"(aucune ACI ; AI la plus proche à 25{NBSP}km)."
    )
    tension = recos[3]
    assert tension.chiffres["metier"] == "T2A60"
    assert tension.chiffres["part_difficiles"] == pytest.approx(77.5)
    assert "code ROME K1304 de la structure" in tension.raison
    impact = recos[5]
    assert impact.chiffres["impact_pct"] == 23.7 and impact.chiffres["salaries"] == 45
    sector = recos[6]
    assert sector.chiffres["indice"] == 2.5 and sector.chiffres["n"] == 50


def test_thresholds_are_parameters() -> None:
    recos = recommend(
        _results(),
        decile_min=10,
        seuil_impact_pct=25.0,
        seuil_indice=6.0,
        types=("ACI",),
    )
    assert [r.regle for r in recos] == [
        "besoin_non_couvert",
        "metier_en_tension",
        "offre_sans_besoin",
    ]
    assert recos[0].chiffres["code"] == "50041"
    assert "aucune ACI à moins" in recos[0].texte
    capped = recommend({"couverture": _couverture()}, max_par_regle=1)
    assert [r.chiffres["code"] for r in capped] == ["50041", "50100"]
    # small establishment counts count again when the minimum is lowered
    low = recommend({"specificite": _specificite()}, min_etablissements=10)
    assert [r.chiffres["secteur"] for r in low] == ["FZ", "AZ"]


def test_missing_inputs_give_nothing_and_export() -> None:
    assert recommend({}) == []
    assert recommend({"couverture": _couverture()[["code", "nom"]]}) == []
    frame = to_frame(recommend(_results()))
    assert frame.columns.tolist() == ["Priorité", "Thème", "Préconisation", "Raison"]
    assert frame["Priorité"].iloc[0] == "haute"
    assert len(frame) == 7


def test_zone_shares_have_no_establishment_minimum(raw_synced) -> None:
    zones = pd.DataFrame(
        {
            "code": ["0001", "0002"],
            "libelle": ["Zone rurale", "Zone urbaine"],
            "p22_pop": [100_000.0, 900_000.0],
            "eco_sectagri_pct_22": [10.0, 1.0],
            "eco_sectindus_pct_22": [20.0, 10.0],
            "eco_sectconst_pct_22": [10.0, 6.0],
            "eco_sectservi_pct_22": [30.0, 53.0],
            "eco_sectadmin_pct_22": [30.0, 30.0],
        }
    )
    lq = specificity.lq_zone_emploi(zones, "0001")
    # reference agriculture: (0.1 × 10 + 0.9 × 1) = 1.9 % -> index 10 / 1.9 = 5.26
    recos = recommend({"specificite_ze": lq})
    assert [r.chiffres["secteur"] for r in recos] == ["AZ", "BE", "FZ"]
    assert recos[0].chiffres["indice"] == pytest.approx(5.26)
    assert f"10,0{NBSP}% de l'emploi contre 1,9{NBSP}%" in recos[0].texte
