"""What every command group shares: the console, the French error exit, common options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import typer.rich_utils
from rich.console import Console

from coodiag.errors import CoodiagError

# French labels for the help screens drawn by Typer (its defaults are English).
typer.rich_utils.DEFAULT_STRING = "[défaut : {}]"
typer.rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
typer.rich_utils.ENVVAR_STRING = "[variable d'environnement : {}]"
typer.rich_utils.COMMANDS_PANEL_TITLE = "Commandes"

console = Console()


def fail(error: CoodiagError) -> typer.Exit:
    """Print a French error and return the exit to raise (``raise fail(exc) from None``)."""
    console.print(f"[bold red]Erreur :[/] {error}", highlight=False)
    return typer.Exit(code=1)


TerritoireOpt = Annotated[
    str,
    typer.Option(
        "--territoire",
        "-t",
        help="Territoire : dep:50, ze:2802, epci:200069425, reg:28, com:50025 (plusieurs : "
        "séparés par des virgules).",
    ),
]
CapaciteOpt = Annotated[
    Path | None,
    typer.Option("--capacite", help="Fichier de capacité (SIRET, ETP, postes, salariés)."),
]


ReseauxOpt = Annotated[
    Path | None,
    typer.Option("--reseaux", help="Fichier d'appartenance aux réseaux (SIRET, réseau)."),
]
