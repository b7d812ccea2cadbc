"""The geocoding and COG lineage tables precomputed in the base (coodiag.base.reftables) equal
those assembled from the mirror, and give the same imports and conversions, on real data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coodiag.base.reftables import load_reference_tables
from coodiag.reference import cog, cog_reference, geocode
from coodiag.userfiles import read_salaries, salaries
from coodiag.userfiles.reftables import use_base_reference

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "imports"
ROSTERS = [
    ROOT / "examples" / "salaries_ai_avranches_FICTIF.csv",
    FIXTURES / "sal_code_postal_et_nom.csv",
    FIXTURES / "sal_code_postal_dans_insee.csv",
    FIXTURES / "sal_codes_obsoletes_inconnus.csv",
    FIXTURES / "sal_cp_commune.csv",
]


@pytest.fixture(scope="module")
def stored(base: dict) -> dict:
    tables = load_reference_tables()
    assert tables is not None, "la base construite ne contient pas les tables de référence"
    return tables


@pytest.fixture
def on_mirror(stored: dict, monkeypatch):
    """The reference modules assembled from the mirror for one test (a roster read does not
    install the base's tables), then back to the base's tables."""
    monkeypatch.setattr(salaries, "use_base_reference", lambda: False)
    geocode.use_reference(None)
    cog.use_reference(None)
    yield
    geocode.use_reference(stored["geocode"])
    cog.use_reference(stored["cog"])


def _use_stored(stored: dict) -> None:
    geocode.use_reference(stored["geocode"])
    cog.use_reference(stored["cog"])


def test_geocode_tables_equal_the_mirror_ones(stored: dict, on_mirror: None) -> None:
    built = geocode.load_reference()
    geocode.use_reference(stored["geocode"])
    loaded = geocode.load_reference()
    assert loaded is not built
    assert loaded == built  # every field: names, keys, old names, postal codes, départements
    assert len(loaded.names) == 34875
    assert loaded.by_postal["50300"][0] == "50025" and loaded.names["50025"] == "Avranches"
    assert loaded.old_keys["93066"] == frozenset({"PIERREFITTE SUR SEINE"})
    assert loaded.outside["98714"] == "Papeete (98735)"


def test_cog_tables_equal_the_mirror_ones(stored: dict) -> None:
    built = cog_reference.build_reference()
    loaded = cog_reference.reference_from_tables(stored["cog"])
    for name in ("com25", "names25", "parent25", "arm25", "ancien", "parent23", "com23"):
        assert getattr(loaded, name) == getattr(built, name), name
    assert list(loaded.pop25) == list(built.pop25)
    both = pd.DataFrame({"built": list(built.pop25.values()),
                         "loaded": list(loaded.pop25.values())}, dtype="Float64")
    assert both["built"].equals(both["loaded"])
    assert len(loaded.com25) == 34875 and loaded.arm25["75115"] == "75056"
    assert loaded.pop25["50025"] == built.pop25["50025"] > 10_000  # Avranches


def test_rosters_read_identically(stored: dict, on_mirror: None) -> None:
    before = [read_salaries(path) for path in ROSTERS]
    _use_stored(stored)
    after = [read_salaries(path) for path in ROSTERS]
    for path, a, b in zip(ROSTERS, before, after, strict=True):
        pd.testing.assert_frame_equal(a.data, b.data, obj=path.name)
        pd.testing.assert_frame_equal(a.rejects, b.rejects, obj=path.name)
        assert a.warnings == b.warnings, path.name
    example = after[0].data
    assert len(example) == 350 and example["code_commune"].notna().all()
    cp = after[1].data.set_index("id_salarie")["code_commune"]
    assert cp["P001"] == "14220"  # Deauville, found from « 14800 » + its name


def test_conversions_identical(stored: dict, on_mirror: None) -> None:
    from coodiag.mirror.loaders.france import load_comparateur_2022
    from coodiag.mirror.loaders.history import load_communes_2018_normandie

    df = load_comparateur_2022()[["code", "P18_POP", "MED19"]]
    old = load_communes_2018_normandie()["code"]

    def run() -> tuple:
        res = cog.convert_communes(df, from_vintage=2021, counts=["P18_POP"],
                                   rates={"MED19": "P18_POP"}, share_splits=True)
        return res, cog.current_code(old, from_vintage=2018)

    res_mirror, lineage_mirror = run()
    _use_stored(stored)
    res_base, lineage_base = run()
    pd.testing.assert_frame_equal(res_mirror.table, res_base.table)
    pd.testing.assert_frame_equal(res_mirror.unplaced, res_base.unplaced)
    pd.testing.assert_frame_equal(res_mirror.shared, res_base.shared)
    assert res_mirror.method == res_base.method
    pd.testing.assert_frame_equal(lineage_mirror, lineage_base)
    assert sorted(res_base.shared["code"].unique()) == ["15141", "60054", "85084"]
    assert (lineage_base["status"] == "scission").sum() >= 1


def test_use_base_reference(stored: dict, tmp_path: Path) -> None:
    assert use_base_reference() is True
    assert use_base_reference(tmp_path) is False  # no base there: the mirror stays the source
    assert geocode.resolve_one("93380", "PIERREFITTE SUR SEINE")[:2] == ("93066", geocode.RES_OLD)
