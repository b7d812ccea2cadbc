"""What every command group shares: the console, the French error exit, common options."""

from __future__ import annotations

import tempfile
import traceback
from pathlib import Path
from typing import Annotated

import typer
import typer.rich_utils
from rich.console import Console

from coodiag.cli import french
from coodiag.errors import CoodiagError, os_advice, os_reason

# French labels for the help screens and error messages drawn by Typer and click.
french.install()
typer.rich_utils.DEFAULT_STRING = "[défaut : {}]"
typer.rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
typer.rich_utils.ENVVAR_STRING = "[variable d'environnement : {}]"
typer.rich_utils.COMMANDS_PANEL_TITLE = "Commandes"

console = Console()


#: Where the technical details of an unexpected fault are written (never shown as a traceback).
FAULT_LOG = Path(tempfile.gettempdir()) / "coodiag-erreur.log"

def report_fault(exc: BaseException) -> int:
    """Print an unexpected fault in French (details in :data:`FAULT_LOG`); the exit code."""
    if isinstance(exc, KeyboardInterrupt):
        console.print("[bold red]Interrompu[/] (Ctrl+C) : aucun fichier partiel n'est conservé.")
        return 130
    if isinstance(exc, MemoryError):
        console.print("[bold red]Erreur :[/] mémoire insuffisante pour ce traitement (fichier "
                      "trop volumineux ?) : fermez d'autres programmes ou découpez le fichier.")
        return 1
    if isinstance(exc, OSError) and os_advice(exc):
        where = f" ({exc.filename})" if exc.filename else ""
        console.print(f"[bold red]Erreur :[/] {os_reason(exc)}{where} : {os_advice(exc)}.",
                      highlight=False)
        return 1
    try:
        FAULT_LOG.write_text(
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            encoding="utf-8",
        )
        details = f"détails techniques dans {FAULT_LOG}"
    except OSError:
        details = "détails techniques non enregistrés"
    console.print(
        f"[bold red]Erreur inattendue[/] ({type(exc).__name__}) : le traitement s'est arrêté "
        f"sans rien écrire de partiel ; {details}. Merci de signaler ce problème avec ce "
        "fichier.",
        highlight=False,
    )
    return 1


def fail(error: CoodiagError) -> typer.Exit:
    """Print a French error (one line, never wrapped) and return the exit to raise
    (``raise fail(exc) from None``)."""
    console.print(f"[bold red]Erreur :[/] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


TerritoireOpt = Annotated[
    str,
    typer.Option(
        "--territoire",
        "-t",
        help="Territoire : dep:50, ze:2802, epci:200069425, reg:28, com:50025, france (France "
        "métropolitaine) ; plusieurs : séparés par des virgules.",
    ),
]
CapaciteOpt = Annotated[
    Path | None,
    typer.Option("--capacite", help="Fichier de capacité (SIRET, ETP, postes, salariés)."),
]
AnneeOpt = Annotated[
    int | None,
    typer.Option("--annee", help="Année retenue dans le fichier de capacité (défaut : la plus "
                 "récente de chaque SIRET ; les années ne s'additionnent jamais)."),
]


ReseauxOpt = Annotated[
    Path | None,
    typer.Option("--reseaux", help="Fichier d'appartenance aux réseaux (SIRET, réseau)."),
]


def read_user_file(kind: str, path: Path | None, **kwargs):
    """Import a user file, print its report, return the import (None without a file)."""
    if path is None:
        return None
    import coodiag

    result = coodiag.read(kind, path, **kwargs)
    console.print(result.report_text(), highlight=False, markup=False)
    return result
