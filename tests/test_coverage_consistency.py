"""One coverage classification everywhere, on the real pipeline.

The Manche (dep:50): the atlas's coverage layer, the diagnosis's layer and exported table, the
``analyse couverture`` CSV, the scenario's « avant » and the explorer's function give the same
class to every commune; terciles computed over the territory (not France). The Var (dep:83):
commune-level need and no « accessibilité faible » commune above the territory's median offer.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from coodiag.analyses import coverage as C
from coodiag.analyses import scenario as S

AVRANCHES_AI = "37968077000029"


def _items(doc):
    for section in doc.sections:
        yield from section.items


def _map_layer(doc, name: str = "classes_couverture") -> pd.DataFrame:
    found = [i.layer for i in _items(doc) if getattr(i, "name", None) == name]
    assert found, f"carte « {name} » absente"
    return found[0]


def _table(doc, name: str) -> pd.DataFrame:
    found = [i.export.frame for i in _items(doc)
             if getattr(i, "export", None) is not None and i.export.name == name]
    assert found, f"tableau « {name} » absent"
    return found[0]


def _classes(frame: pd.DataFrame, column: str = "classe") -> pd.Series:
    """The class of each commune, by code (plain Python strings: comparable across outputs)."""
    out = pd.Series([str(v) for v in frame[column]], index=[str(c) for c in frame["code"]])
    return out.sort_index()


@pytest.fixture(scope="module")
def ctx(base):
    from coodiag.reports.context import Context

    return Context()


@pytest.fixture(scope="module")
def atlas50(base):
    import coodiag

    return coodiag.territory_atlas("dep:50")


@pytest.fixture(scope="module")
def atlas83(base):
    import coodiag

    return coodiag.territory_atlas("dep:83")


@pytest.fixture(scope="module")
def diag50(base):
    import coodiag

    return coodiag.diagnose(AVRANCHES_AI, territoire="dep:50")


def test_manche_one_classification(atlas50, diag50, ctx, tmp_path) -> None:
    from coodiag.cli import app
    from coodiag.explorer import data as explorer_data
    from coodiag.outputs.builders.diagnostic import diagnostic_document
    from coodiag.outputs.builders.territory import territory_document

    atlas_layer = _classes(_map_layer(territory_document(atlas50)))
    doc = diagnostic_document(diag50)
    diag_layer = _classes(_map_layer(doc))
    diag_table = _classes(_table(doc, "Couverture par commune"))
    csv = tmp_path / "couverture.csv"
    result = CliRunner().invoke(app, ["analyse", "couverture", "-t", "dep:50", "--sortie",
                                      str(csv)])
    assert result.exit_code == 0, result.output
    cli = _classes(pd.read_csv(csv, sep=";", dtype={"code": str}, decimal=","))
    codes = set(atlas50.communes["code"])
    res = S.scenario(ctx.metro, ctx.registry, ctx.demand, close=[AVRANCHES_AI], codes=codes,
                     reference_codes=ctx.reference_codes(codes, "territoire"))
    before = _classes(res[res["type_siae"] == "ensemble"], "classe_avant")
    explorer = _classes(explorer_data.coverage(None, "ensemble", "dep", "50"))

    assert len(atlas_layer) == 445
    for other in (diag_layer, diag_table, cli, before, explorer):
        pd.testing.assert_series_equal(other, atlas_layer, check_names=False)
    counts = atlas_layer.value_counts()
    assert set(counts.index) == set(C.CLASSES)
    # Terciles over the Manche: a third of the communes at each need level, no corner class
    # holding more than a quarter of them (264 of 445 were « offre sans besoin »).
    cov = atlas50.couverture
    shares = cov["niveau_besoin"].value_counts(normalize=True)
    assert shares.between(0.32, 0.345).all(), shares
    assert (counts[[c for c in C.CLASSES if c != C.INTERMEDIATE]] < 0.25 * 445).all(), counts
    # The reference and the thresholds are printed: the Manche's, not France's.
    ref = cov.attrs["reference"]
    assert ref["cle"] == "territoire" and ref["communes"] == 445
    assert "Manche" in ref["libelle"]
    france = ctx.accessibility.coverage.attrs["seuils"]
    assert cov.attrs["seuils"]["offre"] != france["offre"]
    text = " ".join(getattr(i, "text", "") for i in _items(doc))
    assert cov.attrs["note_seuils"] in text and "445 communes" in cov.attrs["note_seuils"]


def test_scenario_reports_impact_and_names(ctx) -> None:
    codes = ctx.reference_codes(set(ctx.metro.loc[ctx.metro["dep"] == "50", "code"]),
                                "territoire")
    res = S.scenario(ctx.metro, ctx.registry, ctx.demand, close=[AVRANCHES_AI], codes=codes,
                     open=[("50099", "ACI", 20)])
    moved = res.attrs["structures"].set_index("changement")
    assert moved.loc["fermeture", "nom"] == "ASSOC INTERMEDIAIRE"
    assert moved.loc["fermeture", "commune"] == "Avranches"
    assert moved.loc["ouverture", "type_siae"] == "ACI"
    assert "siret" not in res.attrs["structures"].columns
    reach = moved.loc["fermeture", "chomeurs_a_portee"]
    assert moved.loc["fermeture", "places_pour_100_chomeurs_a_portee"] == pytest.approx(
        100 * moved.loc["fermeture", "capacite"] / reach)
    imp = res.attrs["impact"].set_index("type_siae")
    allt = res[res["type_siae"] == "ensemble"]
    d = allt["demande"]
    assert imp.loc["ensemble", "chomeurs"] == pytest.approx(d.sum())
    assert imp.loc["ensemble", "taux_avant"] == pytest.approx(
        100 * (allt["acces_avant"] * d).sum() / d.sum())
    assert imp.loc["AI", "variation_points"] < 0  # the AI closes, nothing of its type opens
    assert any(m.key == S.COVERAGE_RATE.key for m in res.attrs["indicateurs"])
    # unchanged communes are drawn in a neutral class, the others with their class after
    same = allt["variation"].abs() <= 1e-12
    assert (allt.loc[same, "classe_scenario"] == S.UNCHANGED).all() and same.any()
    assert (allt.loc[~same, "classe_scenario"] == allt.loc[~same, "classe_apres"]).all()


def test_var_commune_need_and_low_access(atlas83) -> None:
    from coodiag.outputs.builders.territory import territory_document

    com = atlas83.communes
    assert len(com) == 153
    assert com["besoin"].notna().all() and com["besoin"].nunique() > 140
    assert not com["besoin_estime"].any()  # census unemployed for every commune
    low = com[com["classe"] == C.CLASSES[0]]
    median = com["offre"].median()
    assert len(low) > 5
    assert (low["offre"] <= median).all()
    assert atlas83.couverture.attrs["reference"]["communes"] == 153
    assert "Var" in atlas83.seuils_couverture
    layer = _map_layer(territory_document(atlas83))
    assert set(layer["classe"]) <= set(C.CLASSES)


def test_reference_region_and_france(ctx) -> None:
    codes = set(ctx.metro.loc[ctx.metro["dep"] == "50", "code"])
    region = ctx.reference_codes(codes, "région")
    normandie = ctx.metro.loc[ctx.metro["reg"] == "28", "code"]
    assert region == set(normandie) and codes < region
    by_reg = ctx.coverage(codes, reference="region")
    assert len(by_reg) == 445
    assert by_reg.attrs["reference"]["libelle"] == "la région Normandie"
    assert by_reg.attrs["reference"]["communes"] == len(normandie)
    fr_ = ctx.coverage(codes, reference="france")
    national = ctx.accessibility.coverage.set_index("code").loc[sorted(codes), "classe"]
    pd.testing.assert_series_equal(_classes(fr_), _classes(national.reset_index()),
                                   check_names=False)
    with pytest.raises(ValueError, match="Référence des seuils inconnue"):
        ctx.coverage(codes, reference="monde")


def test_cli_reference_option(base) -> None:
    from coodiag.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["analyse", "couverture", "-t", "dep:50", "--reference", "monde"])
    assert bad.exit_code == 1 and "Référence des seuils inconnue" in bad.output
    ok = runner.invoke(app, ["analyse", "couverture", "-t", "dep:50", "--reference", "france"])
    assert ok.exit_code == 0 and "la France métropolitaine" in ok.output


def test_estimated_need_is_flagged(ctx) -> None:
    """Where the census count is missing, the need is estimated and every output says so."""
    from coodiag.analyses.access import accessibility
    from coodiag.analyses.demand import demand
    from coodiag.outputs.builders.coverage import class_shown, coverage_legend

    manche = ctx.metro[ctx.metro["dep"] == "50"]
    gone = ["50025", "50041", "50129"]
    ind = ctx.indicators.copy()
    ind.loc[ind["code"].isin(gone), "p21_chom1564"] = float("nan")
    dem = demand(manche, ind, ctx.ze_indicators, kind="chomeurs")
    acc = C.with_estimate(accessibility(manche, ctx.registry, dem), dem)
    cov = C.classify(acc, manche["code"])
    flagged = cov.loc[cov["besoin_estime"], "code"]
    assert set(flagged) == set(gone)
    assert "Besoin estimé (pas de chômeurs recensés) pour 3 commune(s)" in cov.attrs[
        "explication"]
    shown = class_shown(cov)
    assert shown[cov["besoin_estime"]].str.endswith(" (besoin estimé)").all()
    assert not shown[~cov["besoin_estime"]].str.contains("estimé").any()
    cats, colors = coverage_legend(shown)
    assert any(k.endswith("(besoin estimé)") for k in cats) and set(cats) == set(colors)
