"""A batch with a roster folder (``coodiag lot --salaries-dossier``): the Avranches AI with
the example roster named after its SIRET, a Manche SIAE without file, files matching no SIAE;
the same figures as the single diagnosis with ``--salaries``, the roster's sha256 in the
resume key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import coodiag
from coodiag.errors import DataError
from coodiag.outputs.batch import MANIFEST, current_row
from coodiag.outputs.batchindex import NO_ROSTER
from coodiag.outputs.exports import json_ready
from coodiag.reports import batch as lot
from coodiag.reports.batchrosters import (
    BAD_SUFFIX,
    NOT_IN_BATCH,
    NOT_SIRET,
    Roster,
    file_sha256,
    plan_rosters,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "salaries_ai_avranches_FICTIF.csv"
AVRANCHES = "37968077000029"
ELSEWHERE = "12345678901234"  # a SIRET of no SIAE of the batch


@pytest.fixture(scope="module")
def other(base: dict) -> str:
    """A Manche SIAE other than the Avranches AI (diagnosed without roster)."""
    sirets, _ = lot.sirets_in_territory("dep:50", coodiag.load_base())
    assert AVRANCHES in sirets
    return next(s for s in sirets if s != AVRANCHES)


@pytest.fixture(scope="module")
def rosters(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("salaries")
    shutil.copy(EXAMPLE, folder / f"{AVRANCHES}.csv")
    shutil.copy(EXAMPLE, folder / f"{ELSEWHERE}.csv")
    (folder / "salaries_2024.csv").write_text("id_salarie;code_commune\n", encoding="utf-8")
    (folder / "lisez-moi.txt").write_text("notes", encoding="utf-8")
    (folder / ".cache").write_text("caché", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def roster_run(other: str, rosters: Path, tmp_path_factory) -> dict:
    from distributed import Client, LocalCluster

    folder = tmp_path_factory.mktemp("lot") / "avranches"
    plans: list[tuple[int, int]] = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        first = coodiag.batch(folder, sirets=[AVRANCHES, other], client=client,
                              salaries_dossier=rosters, on_plan=lambda t, n: plans.append((t, n)))
        again = coodiag.batch(folder, sirets=[AVRANCHES, other], client=client,
                              salaries_dossier=rosters, on_plan=lambda t, n: plans.append((t, n)))
    return {"folder": folder, "first": first, "again": again, "plans": plans}


def _written(folder: Path, siret: str) -> dict:
    out = json.loads((folder / siret / f"diagnostic_{siret}.json").read_text("utf-8"))
    out.pop("date")
    return out


def _single(siret: str, **kwargs) -> dict:
    out = json.loads(json.dumps(json_ready(coodiag.diagnose(siret, **kwargs).snapshot())))
    out.pop("date")
    return out


def test_each_siae_uses_its_roster(roster_run, other: str) -> None:
    first = roster_run["first"]
    assert first["counts"] == {"done": 2, "current": 0, "failed": 0}
    folder = roster_run["folder"]
    with_roster = _written(folder, AVRANCHES)
    # the figures of « coodiag diagnostic --siret 37968077000029 --salaries <example> »
    assert with_roster == _single(AVRANCHES, salaries=EXAMPLE)
    assert with_roster["impact"] and with_roster["impact"] != _single(AVRANCHES)["impact"]
    assert len(with_roster["impact"]) > 5  # the residence communes of its salariés
    # the SIAE without a file: the diagnosis without roster (its zone d'emploi, no impact)
    assert _written(folder, other) == _single(other)
    rows = {r["siret"]: r for r in first["rows"]}
    assert rows[AVRANCHES]["salaries"] == f"{AVRANCHES}.csv"
    assert "salaries" not in rows[other]


def test_unmatched_files_listed_in_summary_and_index(roster_run, other: str) -> None:
    ignored = dict(roster_run["first"]["salaries_ignores"])
    assert ignored == {f"{ELSEWHERE}.csv": NOT_IN_BATCH, "lisez-moi.txt": BAD_SUFFIX,
                       "salaries_2024.csv": NOT_SIRET}
    page = (roster_run["folder"] / "index.html").read_text("utf-8")
    assert "3 fichier(s) du dossier des salariés sans SIAE du lot" in page
    assert f"{ELSEWHERE}.csv : SIRET absent du lot" in page
    assert "1 SIAE avec fichier, 1 sans" in page
    assert f"<td>{AVRANCHES}.csv</td>" in page
    import openpyxl

    wb = openpyxl.load_workbook(roster_run["folder"] / "index.xlsx", read_only=True)
    values = list(wb["Diagnostics"].iter_rows(values_only=True))
    col = values[0].index("Fichier des salariés")
    assert {r[0]: r[col] for r in values[1:]} == {AVRANCHES: f"{AVRANCHES}.csv",
                                                  other: NO_ROSTER}
    listed = list(wb["Fichiers non utilisés"].iter_rows(values_only=True))
    wb.close()
    assert any(f"{ELSEWHERE}.csv" in map(str, r) for r in listed)


def test_roster_hash_in_the_resume_key(roster_run, rosters: Path, other: str) -> None:
    assert roster_run["plans"] == [(2, 2), (2, 0)]  # the re-run: both current
    assert roster_run["again"]["counts"] == {"done": 0, "current": 2, "failed": 0}
    again = {r["siret"]: r for r in roster_run["again"]["rows"]}
    assert again[AVRANCHES]["salaries"] == f"{AVRANCHES}.csv"  # kept in the index
    folder = roster_run["folder"]
    shared, options = lot.Shared(), lot.BatchOptions()
    path = rosters / f"{AVRANCHES}.csv"
    sha = file_sha256(path)
    recorded = json.loads((folder / AVRANCHES / MANIFEST).read_text("utf-8"))["fingerprint"]
    assert recorded == lot.fingerprint(AVRANCHES, shared, options, sha)
    assert recorded != lot.fingerprint(AVRANCHES, shared, options)
    assert current_row(AVRANCHES, shared, options, folder, Roster(str(path), sha)) is not None
    edited = Roster(str(path), file_sha256(EXAMPLE.parent / "modele_salaries.csv"))
    assert current_row(AVRANCHES, shared, options, folder, edited) is None  # computed again
    assert current_row(AVRANCHES, shared, options, folder) is None  # no roster any more
    assert current_row(other, shared, options, folder) is not None


def test_lot_command_lists_the_unused_files(roster_run, rosters: Path, other: str,
                                            tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coodiag.cli import app

    listing = tmp_path / "sirets.txt"
    listing.write_text(f"{AVRANCHES}\n{other}\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["lot", "--sirets", str(listing), "--salaries-dossier",
                                   str(rosters), "--sortie", str(roster_run["folder"])])
    assert res.exit_code == 0, res.output
    assert "2 déjà à jour" in res.output
    assert "Fichiers des salariés non utilisés (3)" in res.output
    assert f"{ELSEWHERE}.csv : SIRET absent du lot" in res.output
    res = CliRunner().invoke(app, ["lot", "--sirets", str(listing), "--salaries-dossier",
                                   str(tmp_path / "absent"), "--sortie", str(tmp_path / "x")])
    assert res.exit_code == 1 and "Dossier des salariés introuvable" in res.output
    assert not (tmp_path / "x").exists()


def test_two_files_for_one_siret_fail_that_siae(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / f"{AVRANCHES}.csv")
    shutil.copy(EXAMPLE, tmp_path / f"{AVRANCHES}.ods")
    (tmp_path / "379 680 770 00037.xlsx").write_bytes(b"")
    plan = plan_rosters(tmp_path, [AVRANCHES, "37968077000037"])
    assert "plusieurs fichiers des salariés pour ce SIRET" in plan.refused[AVRANCHES]
    assert AVRANCHES not in plan.by_siret
    assert plan.by_siret["37968077000037"].name == "379 680 770 00037.xlsx"
    with pytest.raises(DataError, match="n'est pas un dossier"):
        plan_rosters(EXAMPLE, [AVRANCHES])
