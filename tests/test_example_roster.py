"""The shipped FICTITIOUS example roster (AI in Avranches, 2024) and its generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from coodiag import settings

EXAMPLE = settings.PROJECT_ROOT / "examples" / "salaries_ai_avranches_FICTIF.csv"
SCRIPT = settings.PROJECT_ROOT / "scripts" / "make_example_roster.py"
COLUMNS = [
    "id_salarie",
    "code_commune",
    "code_postal",
    "commune",
    "annee_naissance",
    "sexe",
    "niveau_formation",
    "public",
    "date_debut",
    "date_fin",
    "type_sortie",
    "siret",
]


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")


def test_format(roster: pd.DataFrame) -> None:
    assert EXAMPLE.read_text("utf-8").splitlines()[0] == ";".join(COLUMNS)
    assert list(roster.columns) == COLUMNS
    assert 330 <= len(roster) <= 370
    persons = roster.drop_duplicates("id_salarie")
    assert 260 <= len(persons) <= 300
    assert roster["id_salarie"].str.fullmatch(r"S\d{4}").all()
    assert roster["code_commune"].str.fullmatch(r"\d{5}").all()
    assert (roster["code_postal"] == "").all()
    assert (roster["siret"] == "37968077000029").all()
    assert set(roster["sexe"]) == {"F", "H"}
    assert set(roster["niveau_formation"]) <= {
        "sans diplôme",
        "CAP-BEP",
        "bac",
        "bac+2",
        "bac+3 et plus",
    }
    # a person's attributes are the same on every contract
    per_person = roster.drop(columns=["date_debut", "date_fin", "type_sortie"]).drop_duplicates()
    assert per_person["id_salarie"].is_unique


def test_dates_ages_outcomes(roster: pd.DataFrame) -> None:
    start = pd.to_datetime(roster["date_debut"], format="%d/%m/%Y")
    end = pd.to_datetime(roster["date_fin"].replace("", None), format="%d/%m/%Y")
    assert (start <= pd.Timestamp("2024-12-31")).all()
    assert (end.dropna() >= pd.Timestamp("2024-01-01")).all()  # every contract is active in 2024
    assert (end.dropna() > start[end.notna()]).all()
    months = (end - start).dt.days / 30.44
    assert months.dropna().between(0.9, 12.1).all()
    ongoing = end.isna()
    assert 0 < ongoing.sum() < len(roster)
    assert (roster.loc[ongoing, "type_sortie"] == "").all()
    assert set(roster.loc[~ongoing, "type_sortie"]) == {
        "emploi durable",
        "emploi de transition",
        "sortie positive",
        "autre",
    }
    birth = roster["annee_naissance"].astype(int)
    assert (start.dt.year - birth >= 16).all()  # no one under 16, even at the earliest start
    age = 2024 - birth
    assert age.between(18, 64).all()
    publics = roster["public"].str.split("|")
    assert all(set(p) - {""} <= {"DELD", "BRSA", "QPV", "RQTH", "JEUNE", "SENIOR"} for p in publics)
    assert (publics.map(lambda p: "JEUNE" in p) == (age < 26)).all()
    assert (publics.map(lambda p: "SENIOR" in p) == (age >= 50)).all()
    qpv = publics.map(lambda p: "QPV" in p)
    assert set(roster.loc[qpv, "code_commune"]) <= {"50025", "50218"}


def test_places_exist_and_are_local(roster: pd.DataFrame, base: dict) -> None:
    from coodiag.base import store

    communes = store.read_level("communes")[["code", "nom", "ze2020"]]
    merged = roster.merge(communes, left_on="code_commune", right_on="code", how="left")
    assert merged["code"].notna().all(), "codes communes absents de la base"
    assert (merged["commune"] == merged["nom"]).all()
    persons = merged.drop_duplicates("id_salarie")
    assert (persons["ze2020"] == "2802").mean() > 0.80
    assert (persons["code_commune"] == "50025").sum() == 80


def test_generator_is_reproducible(tmp_path: Path, base: dict) -> None:
    out = tmp_path / "roster.csv"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.PROJECT_ROOT,
    )
    assert "FICTIF" in run.stdout
    assert out.read_bytes() == EXAMPLE.read_bytes()
