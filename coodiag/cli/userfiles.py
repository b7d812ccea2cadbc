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
    annee: Annotated[
        int | None,
        typer.Option("--annee", help="Année retenue (format capacite ; défaut : la plus "
                     "récente de chaque SIRET)."),
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

    options = {
        "capacite": {"structures": structures, "annee": annee},
        "sirene": {"geoloc": geoloc},
    }
    try:
        result = coodiag.read(format_, fichier, **options.get(format_, {}))
        console.print(result.report_text(), highlight=False, markup=False)
        if rejets is not None and result.n_rejected:
            written = result.write_rejects(rejets)
            console.print(f"Rejets écrits dans {written}.", highlight=False)
    except CoodiagError as exc:
        raise fail(exc) from None
    if format_ == "salaries" and result.n_used:
        try:
            table = _residence_table(result.data)
        except CoodiagError as exc:
            raise fail(exc) from None
        console.print(table)


def _residence_table(data) -> Table:
    """Salariés per commune of residence, statistical secrecy applied (total published)."""
    from coodiag import secrecy
    from coodiag.analyses.impact import counted_text, salaries_by_commune
    from coodiag.base import store

    threshold = secrecy.get_threshold()
    counts = salaries_by_commune(data)
    names = store.read_level("communes").set_index("code")["nom"]
    shown = secrecy.mask_series(counts, threshold=threshold, append_total="Total")
    rows = shown.drop("Total").rename("n").rename_axis("code").reset_index()
    hidden = rows["n"].map(lambda v: isinstance(v, str)).to_numpy()
    # Largest published counts first, masked communes last by code: no order by a hidden count.
    rows = secrecy.publication_order(rows, ~hidden, by="n")
    table = Table(
        title=f"Lieu de résidence des salariés en parcours ({counted_text(counts.attrs)} ; "
        f"secret statistique : moins de {threshold} masqué)"
    )
    table.add_column("Commune")
    table.add_column("Salariés", justify="right")
    for code, value in zip(rows["code"], rows["n"], strict=True):
        table.add_row(f"{names.get(code, code)} ({code})", secrecy.format_count(value))
    table.add_row("Total", secrecy.format_count(shown["Total"], threshold=threshold))
    return table
