"""The command line under misuse and faults: French messages, no traceback, no data loss (issue 12).

Commands run as a user runs them (the installed ``coodiag`` script, in a subprocess), so that
what is checked is what reaches the terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coodiag.errors import DataError
from coodiag.outputs import folder as output_folder

COODIAG = str(Path(sys.executable).with_name("coodiag"))
ROSTER = Path(__file__).parents[1] / "examples" / "salaries_ai_avranches_FICTIF.csv"


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> tuple[int, str]:
    proc = subprocess.run(
        [COODIAG, *args], capture_output=True, text=True, cwd=cwd, timeout=120,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    return proc.returncode, " ".join(out.split())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["diagnostic", "--sirte", "1"], "Option inconnue : --sirte"),
        (["diagnostic"], "Option obligatoire manquante : « --siret »."),
        (["atlas", "-t"], "L'option « -t » attend une valeur."),
        (["nimporte"], "Commande inconnue : « nimporte »."),
        (["analyse", "typologie", "--classes", "abc"],
         "Valeur invalide pour « --classes » : nombre entier attendu"),
        (["import", "salaries"], "Argument obligatoire manquant"),
    ],
)
def test_typer_messages_are_french(args: list[str], expected: str) -> None:
    code, out = run(*args)
    assert code != 0
    assert expected in out
    assert not any(en in out for en in ("No such", "Missing", "Try '", "Error", "requires"))


def test_help_is_french() -> None:
    code, out = run("diagnostic", "--help")
    assert code == 0
    assert "Afficher cette aide et quitter." in out and "Show this message" not in out


def test_sortie_in_a_users_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    mine = tmp_path / "notes.txt"
    mine.write_text("mes notes", encoding="utf-8")
    for sortie in (".", str(tmp_path)):
        code, out = run("diagnostic", "--siret", "37968077000029", "--salaries", str(ROSTER),
                        "--sortie", sortie, cwd=tmp_path)
        assert code == 1
        assert f"Dossier de sortie refusé : {tmp_path} contient déjà des fichiers" in out
    assert mine.read_text(encoding="utf-8") == "mes notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_atlas_folders_are_replaceable(tmp_path: Path) -> None:
    marked = tmp_path / "marque"
    marked.mkdir()
    (marked / output_folder.MARKER).write_text("x")
    (marked / "autre.txt").write_text("x")
    assert output_folder.check_target(marked) == marked.resolve()
    old = tmp_path / "ancien"  # an atlas of an earlier version: its own files only
    (old / "cartes").mkdir(parents=True)
    for suffix in (".pdf", ".html", ".json", ".xlsx"):
        (old / f"diagnostic_37968077000029{suffix}").write_text("x")
    assert output_folder.check_target(old) == old.resolve()
    (old / "rapport_perso.docx").write_text("x")
    with pytest.raises(DataError, match="contient déjà des fichiers"):
        output_folder.check_target(old)
    with pytest.raises(DataError, match="est un fichier"):
        output_folder.check_target(old / "rapport_perso.docx")


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "atlas"
    dead = tmp_path / ".atlas.k1llED.tmp"
    dead.mkdir()
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    (dead / output_folder.PID_FILE).write_text(proc.stdout.strip())  # that process has ended
    alive = tmp_path / ".atlas.running.tmp"
    alive.mkdir()
    (alive / output_folder.PID_FILE).write_text(str(os.getpid()))
    assert output_folder.clean_leftovers(target) == [dead]
    assert alive.exists() and not dead.exists()


def test_unexpected_fault_prints_one_french_sentence(tmp_path: Path) -> None:
    # a folder where the base should be, but holding a file in place of the manifest folder
    data = tmp_path / "data"
    (data / "processed").mkdir(parents=True)
    (data / "processed" / "base").write_text("pas un dossier")
    code, out = run("info", env={"COODIAG_DATA": str(data)})
    assert code != 0
    assert out.startswith(("Erreur", "Erreur inattendue")), out


@pytest.mark.usefixtures("base")
def test_a_roster_without_usable_row_is_said_first(tmp_path: Path) -> None:
    import coodiag

    roster = tmp_path / "salaries.csv"
    header = ROSTER.read_text(encoding="utf-8").splitlines()[0]
    roster.write_text(header + "\nS1;99999;;Nulle part;1980;H;bac;;01/01/2024;;;37968077000029\n"
                      "S2;50025;;Avranches;1980;H;bac;;32/01/2024;;;37968077000029\n",
                      encoding="utf-8")
    diag = coodiag.diagnose("37968077000029", salaries=roster)
    assert diag.impact_publie is None
    note = diag.notes[0]
    assert note.startswith("Fichier des salariés en parcours « salaries.csv » : aucune ligne "
                           "utilisable (2 ligne(s) lue(s), 2 rejetée(s) ; motifs : ")
    assert "date inexistante (1)" in note and "l'impact sur le chômage" in note
