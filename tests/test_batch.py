"""A batch of diagnoses on a Dask LocalCluster of 2 processes: the same atlases as the single
diagnosis, a failing SIRET reported while the others finish, a re-run that skips them all."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

import coodiag
from coodiag.errors import CoodiagError, DataError
from coodiag.outputs.batch import MANIFEST, check_folder
from coodiag.outputs.exports import json_ready
from coodiag.reports import batch as lot

UNKNOWN = "99999999999999"  # 14 digits, in no registry


@pytest.fixture(scope="module")
def manche_sirets(base: dict) -> list[str]:
    sirets, label = lot.sirets_in_territory("dep:50", coodiag.load_base())
    assert label == "Manche (département 50)"
    assert len(sirets) == 29  # the SIAE placed in the Manche, each once
    return sirets[:3]


@pytest.fixture(scope="module")
def drom(base: dict) -> str:
    """A SIAE of Guadeloupe: known, placed, but outside the metropolitan diagnosis."""
    sirets, _ = lot.sirets_in_territory("dep:971", coodiag.load_base())
    return sirets[0]


@pytest.fixture(scope="module")
def asked(manche_sirets: list[str], drom: str) -> list[str]:
    return [*manche_sirets, drom, UNKNOWN, "abc"]


@pytest.fixture(scope="module")
def batch_run(asked: list[str], tmp_path_factory) -> dict:
    """3 Manche SIAE (no roster), a SIAE that fails in its worker (Guadeloupe), an unknown
    SIRET and a text that is no SIRET (both refused before any worker), on 2 workers; then the
    same batch again."""
    from distributed import Client, LocalCluster

    assert coodiag.load_base().siae["siret"].eq(UNKNOWN).sum() == 0
    folder = tmp_path_factory.mktemp("lot") / "manche"
    order: list[dict] = []
    plans: list[tuple[int, int]] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        first = coodiag.batch(folder, sirets=asked, client=client,
                              on_result=order.append, on_plan=lambda t, n: plans.append((t, n)))
        stamps = {p: p.stat().st_mtime_ns for p in folder.rglob("*.pdf")}
        index = (folder / "index.html").read_text("utf-8"), _sheet(folder / "index.xlsx")
        again = coodiag.batch(folder, sirets=asked, client=client,
                              on_plan=lambda t, n: plans.append((t, n)))
    return {"folder": folder, "first": first, "again": again, "order": order, "plans": plans,
            "stamps": stamps, "index": index}


def _sheet(path: Path) -> tuple[list[tuple], list[str]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Diagnostics"].iter_rows(values_only=True))
    names = wb.sheetnames
    wb.close()
    return rows, names


def test_batch_reports_the_failures_and_finishes_the_others(
    batch_run, manche_sirets, asked, drom
) -> None:
    rows = {r["siret"]: r for r in batch_run["first"]["rows"]}
    assert list(rows) == asked  # the order asked
    assert batch_run["first"]["counts"] == {"done": 3, "current": 0, "failed": 3}
    assert "couvre la France métropolitaine" in rows[drom]["raison"]
    assert rows[drom]["nom"] and rows[drom]["pid"] in {rows[s]["pid"] for s in manche_sirets}
    assert "absent du registre des SIAE" in rows[UNKNOWN]["raison"]
    assert "n'est pas un numéro SIRET" in rows["abc"]["raison"]
    # the 3 SIAE ran on the 2 worker processes, never in this one
    pids = {rows[s]["pid"] for s in manche_sirets}
    assert len(pids) == 2
    folder = batch_run["folder"]
    for s in manche_sirets:
        assert rows[s]["statut"] == "done"
        assert (folder / rows[s]["pdf"]).is_file() and (folder / rows[s]["html"]).is_file()
        assert (folder / s / MANIFEST).is_file()
        assert rows[s]["nom"] and rows[s]["type_siae"] in {"ACI", "AI", "EI", "ETTI", "GEIQ"}
    # the index: every SIAE, the failure's reason, relative links
    page, (values, sheets) = batch_run["index"]
    assert "3 diagnostic(s) non produit(s)" in page
    assert "6 SIAE (3 produits ; 3 en échec)" in page
    assert f"{UNKNOWN} : SIRET {UNKNOWN} absent du registre des SIAE" in page
    for s in manche_sirets:
        assert f'href="{s}/diagnostic_{s}.pdf"' in page
    header = values[0]
    assert header[:2] == ("SIRET", "Structure")
    status = header.index("Statut")
    assert [r[0] for r in values[1:]] == asked
    assert [r[status] for r in values[1:]] == ["fait"] * 3 + ["échec"] * 3
    assert "Sources" in sheets


def test_batch_figures_equal_the_single_diagnosis(batch_run, manche_sirets) -> None:
    rows = {r["siret"]: r for r in batch_run["first"]["rows"]}
    for s in manche_sirets:
        written = json.loads((batch_run["folder"] / s / f"diagnostic_{s}.json").read_text())
        single = json.loads(json.dumps(json_ready(coodiag.diagnose(s).snapshot())))
        written.pop("date"), single.pop("date")
        assert written == single
        figures = {f["key"]: f["valeur"] for f in rows[s]["figures"]}
        population = next(r for r in single["chiffres_cles"]
                          if r["indicateur"].startswith("Population"))
        assert figures["population"] == population["Territoire"] > 0


def _pdf_text(path: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return pages, re.sub(r"\b\d{1,2}(er)? \w+ 20\d\d\b", "<date>", text)


def test_batch_pages_equal_the_single_command(batch_run, tmp_path) -> None:
    """The SIAE a worker ran second (its context reused) gives the same PDF as alone."""
    order = [r for r in batch_run["order"] if r["statut"] == "done"]
    pids = [r["pid"] for r in order]
    second = next(r for i, r in enumerate(order) if r["pid"] in pids[:i])
    s = second["siret"]
    single = coodiag.render(coodiag.diagnose(s), tmp_path / s, formats=("pdf",))
    pages, text = _pdf_text(batch_run["folder"] / second["pdf"])
    assert (pages, text) == _pdf_text(single["pdf"])
    assert pages == second["pages"] > 10


def test_rerun_skips_every_current_siae(batch_run, manche_sirets) -> None:
    again = batch_run["again"]
    assert again["counts"] == {"done": 0, "current": 3, "failed": 3}
    # before any worker: 6 asked, 2 refused, only the failure of a worker tried again
    assert batch_run["plans"] == [(6, 4), (6, 1)]
    stamps = {p: p.stat().st_mtime_ns for p in batch_run["folder"].rglob("*.pdf")}
    assert stamps == batch_run["stamps"] and len(stamps) == 3
    rows = {r["siret"]: r for r in again["rows"]}
    assert all(rows[s]["figures"] for s in manche_sirets)  # the index keeps their figures
    values, _ = _sheet(batch_run["folder"] / "index.xlsx")
    status = values[0].index("Statut")
    assert [r[status] for r in values[1:]] == ["déjà à jour"] * 3 + ["échec"] * 3
    assert values[1][5] == batch_run["index"][1][0][1][5] > 0  # the same figures as before


def test_fingerprint_follows_the_inputs(base: dict, manche_sirets) -> None:
    shared = lot.Shared()
    s = manche_sirets[0]
    ref = lot.fingerprint(s, shared, lot.BatchOptions())
    assert ref == lot.fingerprint(s, lot.Shared(), lot.BatchOptions())
    assert ref != lot.fingerprint(s, shared, lot.BatchOptions(rayon_km=10))
    assert ref != lot.fingerprint(s, shared, lot.BatchOptions(formats=("pdf",)))
    assert ref != lot.fingerprint(manche_sirets[1], shared, lot.BatchOptions())
    with pytest.raises(CoodiagError, match="Rayon de prospection invalide"):
        lot.BatchOptions(rayon_km=-1)


def test_sirets_file_and_folder_checks(tmp_path: Path) -> None:
    listing = tmp_path / "sirets.csv"
    listing.write_text("siret;nom\n379 680 770 00029;Avranches\n37968077000029;bis\n\nabc;x\n",
                       encoding="utf-8")
    assert lot.sirets_from_file(listing) == ["37968077000029", "abc"]
    empty = tmp_path / "vide.txt"
    empty.write_text("siret\n", encoding="utf-8")
    with pytest.raises(DataError, match="aucun SIRET trouvé"):
        lot.sirets_from_file(empty)
    mine = tmp_path / "mes-fichiers"
    mine.mkdir()
    (mine / "notes.txt").write_text("à garder", encoding="utf-8")
    with pytest.raises(DataError, match="ne viennent pas d'un lot coodiag"):
        check_folder(mine)
    assert check_folder(tmp_path / "nouveau") == (tmp_path / "nouveau").resolve()


def test_lot_command_refuses_bad_input_in_french(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coodiag.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["lot", "--territoire", "dep:50", "--reseau", "Coorace",
                              "--sortie", str(tmp_path / "x")])
    assert res.exit_code == 1 and "--reseaux et --reseau vont ensemble" in res.output
    res = runner.invoke(app, ["lot", "--sortie", str(tmp_path / "x")])
    assert res.exit_code == 1 and "d'une seule façon" in res.output
    res = runner.invoke(app, ["lot", "--territoire", "dep:50", "--formats", "docx",
                              "--sortie", str(tmp_path / "x")])
    assert res.exit_code == 1 and "--formats" in res.output
    assert not (tmp_path / "x").exists()


def test_members_of_a_reseau(manche_sirets, tmp_path: Path) -> None:
    a, b, c = manche_sirets
    listing = tmp_path / "reseaux.csv"
    listing.write_text(f"siret;reseau\n99900002000019;Coorace\n{c};FEDERATION COORACE\n"
                       f"{a};Coorace | FAS\n{b};FEI\n", encoding="utf-8")
    members = coodiag.read("reseaux", listing).data
    base = coodiag.load_base()
    # any spelling of the réseau; SIAE of the registry first (type, commune, name), then others
    assert lot.sirets_of_reseau(members, "coorace", base) == [a, c, "99900002000019"]
    assert lot.sirets_of_reseau(members, "Fédération des entreprises d'insertion", base) == [b]
    with pytest.raises(DataError, match="Réseau « Emmaüs » absent du fichier des réseaux"):
        lot.sirets_of_reseau(members, "Emmaüs", base)
