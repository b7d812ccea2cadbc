"""One report context: base -> offer -> 2SFCA computed once, shared by the reports."""

from __future__ import annotations

import pandas as pd

from coodiag.analyses import access
from coodiag.reports import diagnostic, territory_atlas
from coodiag.reports.context import Context


def test_one_accessibility_for_two_reports(base, monkeypatch) -> None:
    calls = []
    real = access.accessibility

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(access, "accessibility", counting)
    ctx = Context(with_reseaux=True)
    diag = diagnostic.run("37968077000029", context=ctx)
    atlas = territory_atlas.run("ze:2802", context=ctx)
    assert len(calls) == 1  # the 2SFCA ran once for both
    # Both reports read the same coverage classes for the communes they share.
    shared = set(diag.couverture["code"]) & set(atlas.communes["code"])
    assert "50025" in shared
    a = diag.couverture.set_index("code").loc[sorted(shared), "classe"]
    b = atlas.communes.set_index("code").loc[sorted(shared), "classe"]
    pd.testing.assert_series_equal(a, b, check_names=False)


def test_context_pieces(base) -> None:
    ctx = Context()
    assert ctx.accessibility is ctx.accessibility  # computed once, then kept
    assert len(ctx.metro) == len(ctx.accessibility.access) > 34_000
    assert "reseaux" not in ctx.registry.columns  # no membership file: no réseaux column
    assert ctx.registry["capacite_estimee"].any()  # DARES averages without a capacity file
    weight = ctx.offer_by("ze").set_index("code")
    assert weight.loc["2802", "n_siae"] > 0
    assert weight.loc["2802", "capacite_pour_1000_demandeurs"] > 0


def test_user_capacity_reaches_the_registry(base) -> None:
    siret = "37968077000029"
    capacity = pd.DataFrame({"siret": [siret], "etp": [40.0], "postes": [None],
                             "salaries": [120.0]})
    ctx = Context(capacite=capacity)
    row = ctx.registry.set_index("siret").loc[siret]
    row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
    assert row["capacite"] == 120.0 and not row["capacite_estimee"]


def test_elderly_typology_follows_the_data_coverage(base) -> None:
    """The « personnes âgées » typology runs where its indicators exist (IRIS 2022: Normandie
    today), decided from the data, not from a list of départements: the Var gets a note saying
    how many of its communes have them."""
    from coodiag.analyses import typology
    from coodiag.reports.context import data_coverage

    ctx = Context(with_reseaux=True)
    communes, ind = ctx.communes, ctx.indicators
    active = typology.PERSONNES_AGEES_ACTIVES
    have, total = data_coverage(communes, ind, communes["dep"] == "50", active)
    assert total == 445 and have / total >= typology.MIN_COVERAGE
    assert data_coverage(communes, ind, communes["dep"] == "83", active) == (0, 153)
    assert data_coverage(communes, ind, communes["dep"] == "50", ["absent"]) == (0, 445)
    var = territory_atlas.run("dep:83", context=ctx)
    assert var.typologie_communes is None
    assert any("0 des 153 communes" in n for n in var.notes)
    manche = territory_atlas.run("ze:2802", context=ctx)
    assert manche.typologie_communes is not None
    # Var key figures from the national census 2021 (helper h10a, issue 10 item 1: passes
    # once p21_chom1564 is national): Toulon alone has 11,182 unemployed.
    figures = var.chiffres_cles.set_index("indicateur")
    assert figures.loc["Chômeurs de 15-64 ans (recensement)", "Territoire"] > 11_182
    assert figures.loc["Taux de chômage des 15-64 ans (recensement)",
                       "France métropolitaine"] > 0
