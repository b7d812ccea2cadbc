"""The table of territorial levels, and the modules that read it."""

from __future__ import annotations

import pandas as pd
import pytest

from coodiag import levels, territory


def test_one_table() -> None:
    assert levels.prefixes() == ("com", "epci", "ze", "dep", "reg")
    assert [lv.table for lv in levels.DISSOLVED] == [
        "zones_emploi", "epci", "departements", "regions"
    ]
    ze = levels.get("ze")
    assert (ze.code, ze.name, ze.singular, ze.plural) == (
        "ze2020", "ze_nom", "zone d'emploi", "zones d'emploi"
    )


@pytest.mark.parametrize("alias", ["ze", "zones_emploi", "ze2020", "zone d'emploi", "ZE"])
def test_aliases(alias) -> None:
    assert levels.get(alias) is levels.ZONE_EMPLOI


def test_unknown_level_names_the_accepted_ones() -> None:
    with pytest.raises(KeyError, match="com, epci, ze, dep, reg"):
        levels.get("canton")


def test_normalisers() -> None:
    assert levels.get("com").normalise(pd.Series(["1001"])).iloc[0] == "01001"
    assert levels.get("ze").normalise(pd.Series(["51"])).iloc[0] == "0051"


def test_territory_reads_the_table(base) -> None:
    from coodiag.base import store

    communes = store.read_level("communes")
    terr = territory.parse("ze:2802,com:50025")
    assert terr.parts == (("ze", "2802"), ("com", "50025"))
    label = terr.label(communes)
    assert "(zone d'emploi 2802)" in label and "Avranches (commune 50025)" in label
    assert terr.mask(communes).sum() > 1


def test_dissolved_levels_in_the_base(base) -> None:
    from coodiag.base import store

    for lv in levels.DISSOLVED:
        table = store.read_level(lv.table)
        assert {"code", "nom", *lv.extra} <= set(table.columns)
    assert len(store.read_level("departements")) == 101
