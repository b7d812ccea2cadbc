"""``coodiag import FORMAT FICHIER``: check a user's file, report used and rejected rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coodiag.cli.common import console, fail
from coodiag.errors import CoodiagError

app = typer.Typer()



@app.command("import")
def import_cmd(
    format_: Annotated[
        str, typer.Argument(metavar="FORMAT", help="salaries, capacite, reseaux ou sirene.")
    ],
    fichier: Annotated[Path, typer.Argument(help="Fichier CSV ou XLSX à vérifier.")],
    rejets: Annotated[
        Path | None,
        typer.Option("--rejets", help="Écrire les lignes rejetées dans ce fichier CSV."),
    ] = None,
    structures: Annotated[
        Path | None,
        typer.Option("--structures", help="Export fluxIAE des structures (format capacite)."),
    ] = None,
    geoloc: Annotated[
        Path | None,
        typer.Option("--geoloc", help="Fichier de géolocalisation SIRENE (format sirene)."),
    ] = None,
) -> None:
    """Vérifier un fichier de l'utilisateur : rapport de validation, rejets, résumé.

    Les données personnelles des salariés restent en mémoire : seul un résumé agrégé, soumis
    au secret statistique, est affiché.
    """
    import coodiag

    options = {"capacite": {"structures": structures}, "sirene": {"geoloc": geoloc}}
    try:
        result = coodiag.read(format_, fichier, **options.get(format_, {}))
        console.print(result.report_text(), highlight=False, markup=False)
        if rejets is not None and result.n_rejected:
            written = result.write_rejects(rejets)
            console.print(f"Rejets écrits dans {written}.", highlight=False)
    except CoodiagError as exc:
        raise fail(exc) from None
    if format_ == "salaries" and result.n_used:
        console.print(_residence_table(result.data))


def _residence_table(data) -> Table:
    """Salariés per commune of residence, statistical secrecy applied (total published)."""
    from coodiag import secrecy
    from coodiag.analyses.impact import salaries_by_commune
    from coodiag.base import store

    counts = salaries_by_commune(data)
    names = store.read_level("communes").set_index("code")["nom"]
    shown = secrecy.mask_series(counts.sort_values(ascending=False), append_total="Total")
    table = Table(
        title=f"Lieu de résidence des salariés en parcours (personnes distinctes ; secret "
        f"statistique : moins de {secrecy.get_threshold()} masqué)"
    )
    table.add_column("Commune")
    table.add_column("Salariés", justify="right")
    for code, value in shown.items():
        label = "Total" if code == "Total" else f"{names.get(code, code)} ({code})"
        table.add_row(label, secrecy.format_count(value))
    return table
