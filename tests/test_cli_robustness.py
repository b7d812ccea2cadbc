"""The command line under misuse and faults: French messages, no traceback, no data loss (issue 12).

Commands run as a user runs them (the installed ``coodiag`` script, in a subprocess), so that
what is checked is what reaches the terminal. :data:`BAD_INPUTS` runs every command of
``coodiag --help`` on bad input (missing, empty, unreadable or malformed files, bad territories,
numbers, thresholds, SIRET...): each must end with one French sentence, exit 1, and print no
Python traceback and no English message. The leftovers of killed runs: ``tests/test_io.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from coodiag.errors import CoodiagError, DataError
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
    assert out.startswith("Utilisation : coodiag diagnostic [OPTIONS]") and "Usage" not in out


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


# --- Every command on bad input --------------------------------------------------------------

SIRET = "37968077000029"  # the Avranches AI of the fictitious roster
#: English that must never reach the user (click's, Python's, the system's, pandas').
ENGLISH = ("Traceback", "Error:", "Errno", "No such", "not found", "Missing", "Invalid",
           "invalid literal", "could not", "Could not", "cannot", "is not a", "expected",
           "Expecting", "Permission denied", "Usage:", "Try '", "object has no", "KeyError",
           "ValueError", "Erreur inattendue")


@dataclass(frozen=True)
class Bad:
    """One bad input: the command line (``{f}`` is the folder of bad files) and the French
    words its message must hold; ``env``: extra environment (``{f}`` expanded too)."""

    args: tuple[str, ...]
    expected: str
    env: tuple[tuple[str, str], ...] = ()
    code: int = 1


def bad(*args: str, expect: str, code: int = 1, **env: str) -> Bad:
    return Bad(args, expect, tuple(env.items()), code)


BAD_INPUTS: dict[str, Bad] = {
    # data sync / build / info, on an empty data folder or a wrong mirror
    "sources-extra-argument": bad("data", "sources", "de-trop", expect="Argument(s) en trop"),
    "sync-mirror-absent": bad("data", "sync", "--mirror", "{f}/nulle-part",
                              expect="Miroir de données introuvable", COODIAG_DATA="{f}/vide"),
    "sync-mirror-is-a-file": bad("data", "sync", "--mirror", "{f}/vide.csv",
                                 expect="Miroir de données introuvable",
                                 COODIAG_DATA="{f}/vide"),
    "sync-mirror-empty": bad("data", "sync", "--mirror", "{f}/dossier",
                             expect="fichier absent du miroir", COODIAG_DATA="{f}/vide"),
    "build-before-sync": bad("build", expect="fichier absent de data/raw",
                             COODIAG_DATA="{f}/vide"),
    "info-before-build": bad("info", expect="coodiag build", COODIAG_DATA="{f}/vide"),
    "import-before-build": bad("import", "salaries", str(ROSTER), expect="coodiag data sync",
                               COODIAG_DATA="{f}/vide"),
    "siae-before-build": bad("siae", "list", "-t", "dep:50", expect="coodiag build",
                             COODIAG_DATA="{f}/vide"),
    # territory selectors
    "territory-empty-code": bad("siae", "list", "-t", "dep:", expect="code de département "
                                "manquant après « dep: »"),
    "territory-empty": bad("siae", "list", "-t", "", expect="Territoire manquant"),
    "territory-no-prefix": bad("siae", "list", "-t", "50", expect="Territoire « 50 » mal formé"),
    "territory-unknown-prefix": bad("siae", "list", "-t", "canton:5001",
                                    expect="préfixe inconnu « canton »"),
    "territory-trailing-comma": bad("siae", "list", "-t", "dep:50,",
                                    expect="élément vide entre deux virgules"),
    "territory-malformed-region": bad("siae", "list", "-t", "reg:1x",
                                      expect="code de région mal formé « 1x »"),
    "territory-malformed-epci": bad("siae", "poids", "-t", "epci:123",
                                    expect="code d'EPCI mal formé « 123 »"),
    "territory-unknown-dep": bad("siae", "list", "-t", "dep:99",
                                 expect="Territoire dep:99 introuvable dans la base"),
    "territory-unknown-commune": bad("analyse", "couverture", "-t", "com:99999",
                                     expect="Territoire com:99999 introuvable dans la base"),
    "territory-unknown-ze": bad("analyse", "typologie", "-t", "ze:9999",
                                expect="Territoire ze:9999 introuvable"),
    "territory-empty-commune": bad("atlas", "-t", "com:", expect="code de commune manquant"),
    "territory-drom": bad("atlas", "-t", "dep:971", expect="France métropolitaine"),
    # siae
    "siae-unknown-siret": bad("siae", "show", "00000000000000",
                              expect="SIRET 00000000000000 absent du registre"),
    "siae-rejets-extra-argument": bad("siae", "rejets", "de-trop",
                                      expect="Argument(s) en trop : de-trop"),
    "siae-siret-letters": bad("siae", "show", "abc", expect="SIRET abc absent du registre"),
    "siae-unknown-level": bad("siae", "poids", "--niveau", "canton",
                              expect="Niveau « canton » inconnu"),
    "siae-capacity-missing": bad("siae", "list", "-t", "dep:50", "--capacite", "{f}/absent.csv",
                                 expect="absent.csv"),
    "siae-reseaux-empty": bad("siae", "list", "-t", "dep:50", "--reseaux", "{f}/vide.csv",
                              expect="vide.csv : fichier vide"),
    "siae-annee-text": bad("siae", "list", "-t", "dep:50", "--annee", "deux-mille",
                           expect="Valeur invalide pour « --annee »"),
    "siae-poids-sortie-under-a-file": bad("siae", "poids", "--sortie", "{f}/vide.csv/x.csv",
                                          expect="le fichier existe déjà"),
    # import
    "import-unknown-format": bad("import", "paie", str(ROSTER), expect="paie"),
    "import-missing-file": bad("import", "salaries", "{f}/absent.csv", expect="absent.csv"),
    "import-empty-file": bad("import", "salaries", "{f}/vide.csv", expect="fichier vide"),
    "import-blank-file": bad("import", "capacite", "{f}/blanc.csv", expect="fichier vide"),
    "import-a-folder": bad("import", "salaries", "{f}/dossier", expect="dossier"),
    "import-binary": bad("import", "salaries", "{f}/image.csv", expect="image.csv"),
    "import-header-only": bad("import", "salaries", "{f}/entete.csv", code=0,
                              expect="entete.csv : en-tête seul, aucune ligne de données"),
    "import-wrong-columns": bad("import", "capacite", "{f}/colonnes.csv", expect="colonnes.csv"),
    "import-fake-xlsx": bad("import", "reseaux", "{f}/faux.xlsx", expect="faux.xlsx"),
    "import-broken-gzip": bad("import", "sirene", "{f}/casse.csv.gz",
                              expect="archive gzip illisible"),
    "import-html-as-xls": bad("import", "reseaux", "{f}/page.xls", expect="HTML"),
    "import-rejects-under-a-file": bad("import", "salaries", "{f}/un-rejet.csv", "--rejets",
                                       "{f}/vide.csv/rejets.csv",
                                       expect="le fichier existe déjà"),
    # analyse
    "impact-missing-roster": bad("analyse", "impact", "--salaries", "{f}/absent.csv",
                                 expect="absent.csv"),
    "impact-unknown-denominator": bad("analyse", "impact", "--salaries", str(ROSTER),
                                      "--denominateur", "actifs",
                                      expect="Dénominateur « actifs » inconnu"),
    "impact-bad-stock-date": bad("analyse", "impact", "--salaries", str(ROSTER), "--stock",
                                 "2024-13-45", expect="2024-13-45"),
    "impact-bad-period": bad("analyse", "impact", "--salaries", str(ROSTER), "--debut", "hier",
                             expect="hier"),
    "impact-threshold-text": bad("analyse", "impact", "--salaries", str(ROSTER),
                                 expect="COODIAG_SECRET_THRESHOLD",
                                 COODIAG_SECRET_THRESHOLD="abc"),
    "impact-threshold-below-floor": bad("analyse", "impact", "--salaries", str(ROSTER),
                                        expect="COODIAG_SECRET_THRESHOLD",
                                        COODIAG_SECRET_THRESHOLD="2"),
    "couverture-unknown-reference": bad("analyse", "couverture", "-t", "dep:50", "--reference",
                                        "monde", expect="monde"),
    "couverture-unknown-type": bad("analyse", "couverture", "-t", "dep:50", "--type", "XYZ",
                                   expect="Type de SIAE « XYZ » inconnu : ACI, AI, EI, ETTI"),
    "surfaces-bad-resolution": bad("analyse", "surfaces", "-t", "dep:50", "--sortie", "{f}/s",
                                   "--resolution", "5", expect="taille de cellule en mètres"),
    "surfaces-missing-population": bad("analyse", "surfaces", "-t", "dep:50", "--sortie",
                                       "{f}/s", "--population", "{f}/absent.csv",
                                       expect="population carroyée introuvable"),
    "lot-two-selections": bad("lot", "--territoire", "dep:50", "--sirets", "{f}/vide.csv",
                              "--sortie", "{f}/lot", expect="d'une seule façon"),
    "lot-reseau-without-file": bad("lot", "--territoire", "dep:50", "--reseau", "Coorace",
                                   "--sortie", "{f}/lot", expect="--reseaux et --reseau vont"),
    "lot-sirets-absent": bad("lot", "--sirets", "{f}/absent.csv", "--sortie", "{f}/lot",
                             expect="absent.csv"),
    "lot-bad-formats": bad("lot", "--territoire", "dep:50", "--formats", "docx", "--sortie",
                           "{f}/lot", expect="--formats : « docx »"),
    "lot-users-folder": bad("lot", "--territoire", "dep:50", "--sortie", "{f}/dossier/..",
                            expect="lot coodiag"),
    "scenario-nothing-to-do": bad("analyse", "scenario", "-t", "dep:50",
                                  expect="Indiquez au moins une ouverture"),
    "scenario-unknown-commune": bad("analyse", "scenario", "-t", "dep:50", "--ouvrir",
                                    "99999:ACI", expect="commune 99999 introuvable"),
    "scenario-unknown-type": bad("analyse", "scenario", "-t", "dep:50", "--ouvrir", "50025:XYZ",
                                 expect="type de SIAE inconnu « XYZ »"),
    "scenario-capacity-text": bad("analyse", "scenario", "-t", "dep:50", "--ouvrir",
                                  "50025:ACI:beaucoup", expect="capacité « beaucoup » invalide"),
    "scenario-capacity-negative": bad("analyse", "scenario", "-t", "dep:50", "--ouvrir",
                                      "50025:ACI:-5", expect="capacité « -5 » invalide"),
    "scenario-capacity-nan": bad("analyse", "scenario", "-t", "dep:50", "--ouvrir",
                                 "50025:ACI:nan", expect="capacité « nan » invalide"),
    "scenario-malformed-commune": bad("analyse", "scenario", "-t", "dep:50", "--ouvrir",
                                      "5002X:ACI", expect="code commune INSEE mal formé"),
    "scenario-no-type": bad("analyse", "scenario", "-t", "dep:50", "--ouvrir", "50025",
                            expect="attendu COMMUNE:TYPE"),
    "scenario-unknown-siret": bad("analyse", "scenario", "-t", "dep:50", "--fermer",
                                  "00000000000000", expect="SIRET absent du registre"),
    "typologie-unknown-preset": bad("analyse", "typologie", "--preset", "jeunes",
                                    expect="Préréglage « jeunes » inconnu"),
    "typologie-zero-classes": bad("analyse", "typologie", "--classes", "0", expect="classes"),
    "typologie-one-class": bad("analyse", "typologie", "--classes", "1",
                               expect="Nombre de classes impossible : 1 (au moins 2)."),
    "typologie-too-many-classes": bad("analyse", "typologie", "--classes", "100000",
                                      expect="Nombre de classes impossible : 100000"),
    "couverture-sortie-is-a-folder": bad("analyse", "couverture", "-t", "dep:50", "--sortie",
                                         "{f}/dossier", expect="un dossier a été donné là où un "
                                         "fichier est attendu ({f}/dossier)"),
    "poids-sortie-is-a-folder": bad("siae", "poids", "--sortie", "{f}/dossier",
                                    expect="fichier est attendu ({f}/dossier)"),
    "impact-reversed-period": bad("analyse", "impact", "--salaries", str(ROSTER), "--debut",
                                  "2024-12-31", "--fin", "2024-01-01",
                                  expect="Période inversée : le début (31/12/2024) est après la "
                                  "fin (01/01/2024)"),
    "impact-stock-outside-file": bad("analyse", "impact", "--salaries", str(ROSTER), "--stock",
                                     "2030-12-31", expect="hors de la période du fichier"),
    "typologie-negative-classes": bad("analyse", "typologie", "--classes", "-3",
                                      expect="classes"),
    # diagnostic
    "diagnostic-siret-letters": bad("diagnostic", "--siret", "abc", expect="SIRET"),
    "diagnostic-unknown-siret": bad("diagnostic", "--siret", "00000000000000",
                                    expect="SIRET 00000000000000 absent du registre"),
    "diagnostic-siret-bad-check-digit": bad("diagnostic", "--siret", "37968077000028",
                                            expect="SIRET 37968077000028 absent du registre"),
    "diagnostic-radius-negative": bad("diagnostic", "--siret", SIRET, "--rayon", "-5",
                                      expect="Rayon de prospection invalide : « -5 » km"),
    "diagnostic-radius-nan": bad("diagnostic", "--siret", SIRET, "--rayon", "nan",
                                 expect="Rayon de prospection invalide : « nan » km"),
    "diagnostic-radius-infinite": bad("diagnostic", "--siret", SIRET, "--rayon", "inf",
                                      expect="Rayon de prospection invalide : « inf » km"),
    "diagnostic-radius-text": bad("diagnostic", "--siret", SIRET, "--rayon", "vingt",
                                  expect="Valeur invalide pour « --rayon »"),
    "diagnostic-missing-roster": bad("diagnostic", "--siret", SIRET, "--salaries",
                                     "{f}/absent.csv", expect="absent.csv"),
    "diagnostic-unknown-format": bad("diagnostic", "--siret", SIRET, "--formats", "docx",
                                     expect="Format(s) inconnu(s) : docx"),
    "diagnostic-snapshot-missing": bad("diagnostic", "--siret", SIRET, "--comparer",
                                       "{f}/absent.json", expect="instantané illisible "
                                       "(fichier ou dossier introuvable)"),
    "diagnostic-snapshot-not-json": bad("diagnostic", "--siret", SIRET, "--comparer",
                                        "{f}/vide.csv", expect="instantané illisible (JSON "
                                        "invalide, ligne 1, colonne 1)"),
    "diagnostic-snapshot-other-json": bad("diagnostic", "--siret", SIRET, "--comparer",
                                          "{f}/autre.json", expect="pas un instantané"),
    "diagnostic-sortie-is-a-file": bad("diagnostic", "--siret", SIRET, "--sortie",
                                       "{f}/vide.csv", expect="est un fichier"),
    "diagnostic-bad-territory": bad("diagnostic", "--siret", SIRET, "-t", "dep:",
                                    expect="code de département manquant"),
    "diagnostic-unknown-reference": bad("diagnostic", "--siret", SIRET, "--reference", "monde",
                                        expect="monde"),
    "diagnostic-threshold-text": bad("diagnostic", "--siret", SIRET,
                                     expect="COODIAG_SECRET_THRESHOLD",
                                     COODIAG_SECRET_THRESHOLD="cinq"),
    # atlas
    "atlas-sortie-root": bad("atlas", "-t", "dep:50", "--sortie", "/",
                             expect="Dossier de sortie refusé"),
    "atlas-unknown-format": bad("atlas", "-t", "dep:50", "--formats", "odt",
                                expect="Format(s) inconnu(s) : odt"),
    "atlas-missing-reseaux": bad("atlas", "-t", "dep:50", "--reseaux", "{f}/absent.csv",
                                 expect="absent.csv"),
    "atlas-bad-capacity-year": bad("atlas", "-t", "dep:50", "--annee", "2019.5",
                                   expect="Valeur invalide pour « --annee »"),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bad files of every kind, and an empty data folder."""
    f = tmp_path_factory.mktemp("mauvais")
    (f / "vide").mkdir()
    (f / "dossier").mkdir()
    (f / "vide.csv").write_bytes(b"")
    (f / "blanc.csv").write_text("  \n\n \t\n", encoding="utf-8")
    (f / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (f / "entete.csv").write_text(ROSTER.read_text(encoding="utf-8").splitlines()[0] + "\n",
                                  encoding="utf-8")
    (f / "colonnes.csv").write_text("nom;age\nDupont;42\n", encoding="utf-8")
    (f / "faux.xlsx").write_bytes(b"PK\x03\x04 ceci n'est pas un classeur")
    (f / "casse.csv.gz").write_bytes(b"\x1f\x8b\x08\x00 tronque")
    (f / "page.xls").write_text("<html><body><table><tr><td>siret</td></tr></table></body>"
                                "</html>", encoding="utf-8")
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    (f / "un-rejet.csv").write_text("\n".join([*lines[:20], lines[1].replace("/2023", "/20x3")])
                                    + "\n", encoding="utf-8")
    (f / "autre.json").write_text('{"bonjour": 1}', encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def bad_runs(bad_files: Path, base: dict) -> dict[str, tuple[int, str]]:
    """Every case run once, three at a time (each is a separate ``coodiag`` process)."""
    def one(case: Bad) -> tuple[int, str]:
        args = [a.replace("{f}", str(bad_files)) for a in case.args]
        env = {k: v.replace("{f}", str(bad_files)) for k, v in case.env}
        proc = subprocess.run([COODIAG, *args], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "COLUMNS": "250", **env})
        return proc.returncode, proc.stdout + proc.stderr

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(BAD_INPUTS, pool.map(one, BAD_INPUTS.values()), strict=True))


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_every_command_on_bad_input(name: str, bad_runs: dict, bad_files: Path) -> None:
    code, out = bad_runs[name]
    flat = " ".join(out.split())
    case = BAD_INPUTS[name]
    # exit 2: refused by the command line itself (Typer); 0: said, and nothing to do
    assert code == case.code or (case.code == 1 and code == 2), flat
    assert not [en for en in ENGLISH if en in out], flat
    assert "Erreur" in out or code == 0, flat
    assert " ".join(case.expected.replace("{f}", str(bad_files)).split()) in flat, flat


@pytest.mark.usefixtures("base")
def test_a_former_commune_code_is_resolved_and_said() -> None:
    code, out = run("siae", "list", "-t", "com:50516")
    assert code == 0
    assert out.startswith("Note : Territoire com:50516 : ancienne commune intégrée à Avranches "
                          "(50025) ; la base étant au COG 2025, le territoire retenu est la "
                          "commune d'Avranches (com:50025).")
    assert "SIAE — Avranches (commune 50025)" in out


@pytest.mark.parametrize("km", [-5.0, 0.0, float("nan"), float("inf"), float("-inf"), "vingt"])
def test_a_radius_must_be_positive_and_finite(km: float | str) -> None:
    from coodiag.reports.diagnostic import check_radius

    with pytest.raises(CoodiagError, match="Rayon de prospection invalide"):
        check_radius(km)  # type: ignore[arg-type]
    assert check_radius(12.5) == 12.5


def test_the_corpus_covers_every_command() -> None:
    from coodiag.cli import app

    typer_click = __import__("typer").main.get_command(app)
    commands = set()
    for name, cmd in typer_click.commands.items():
        subs = getattr(cmd, "commands", None)
        commands |= {f"{name} {sub}" for sub in subs} if subs else {name}
    covered = {" ".join(c.args[:2]) if c.args[0] in ("data", "siae", "analyse")
               else c.args[0] for c in BAD_INPUTS.values()}
    # the explorer starts a server: its misuse is Streamlit's (options passed through)
    assert commands - covered == {"explorer"}
    assert len(BAD_INPUTS) >= 60


def test_a_flipped_byte_stops_the_build_and_sync_restores_it(tmp_path: Path) -> None:
    import stat

    env = {"COODIAG_DATA": str(tmp_path)}
    code, out = run("data", "sync", env=env)
    assert code == 0 and "75 fichiers vérifiés" in out and "75 copiés" in out
    rel = "cog/insee-2025/seed_insee_communes.csv"
    path = tmp_path / "raw" / rel
    st = path.stat()
    path.chmod(st.st_mode | stat.S_IWUSR)
    path.write_bytes(path.read_bytes().replace(b"Avranches", b"Avranckes", 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same time
    code, out = run("build", env=env)
    assert code == 1
    assert out.startswith(f"Erreur : Données brutes invalides : - {rel} : empreinte sha256 "
                          "inattendue dans data/raw")
    assert not (tmp_path / "processed").exists()  # refused before reading anything
    code, out = run("data", "sync", env=env)
    assert code == 0 and "1 copié (2,7 Mo), 74 déjà à jour." in out
    assert f"Restauré : {rel} : la copie de data/raw avait une empreinte sha256 inattendue" in out
    assert b"Avranckes" not in path.read_bytes()
