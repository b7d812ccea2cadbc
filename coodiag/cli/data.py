"""``coodiag data``, ``build`` and ``info``: the mirror, the territorial base."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from coodiag import fr, settings
from coodiag.cli.common import console, fail
from coodiag.errors import CoodiagError
from coodiag.mirror import sources

app = typer.Typer()
data_app = typer.Typer(help="Données de référence : miroir, synchronisation, sources.")


@data_app.command("sync")
def data_sync(
    mirror: Annotated[
        Path | None,
        typer.Option(
            "--mirror",
            help="Dossier du miroir de données (défaut : ../shared/data, ou COODIAG_MIRROR).",
        ),
    ] = None,
) -> None:
    """Copier le miroir de données dans data/raw/ en vérifiant les empreintes sha256."""
    from coodiag.mirror.sync import sync

    files = sources.all_files()
    with Progress(
        TextColumn("[bold]Synchronisation"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(files))

        def on_file(file: sources.MirrorFile) -> None:
            progress.update(task, advance=1, description=file.path)

        try:
            report = sync(mirror, on_file=on_file)
        except CoodiagError as exc:
            raise fail(exc) from None
    console.print(
        f"[green]✓[/] {len(files)} fichiers vérifiés dans {settings.raw_dir()} : "
        f"{len(report.copied)} copié{'s' if len(report.copied) > 1 else ''} "
        f"({fr.number(report.bytes_copied / 1e6, 1, unit='Mo')}), "
        f"{len(report.unchanged)} déjà à jour."
    )
    for path in report.restored:
        console.print(
            f"[yellow]Restauré :[/] {path} : la copie de data/raw avait une empreinte sha256 "
            "inattendue (fichier modifié) ; elle a été remplacée par la version vérifiée du "
            "miroir.",
            highlight=False,
        )


@data_app.command("sources")
def data_sources() -> None:
    """Lister les sources de données : producteur, millésime, licence, fichiers."""
    table = Table(title="Registre des sources", show_lines=False)
    for col in ("Clé", "Jeu de données", "Producteur", "Millésime", "Licence", "Fichiers"):
        table.add_column(col, overflow="fold")
    for s in sources.SOURCES:
        table.add_row(s.key, s.title, s.publisher, s.vintage, s.licence, str(len(s.files)))
    console.print(table)


@app.command("build")
def build_cmd(
    force: Annotated[
        bool, typer.Option("--force", help="Reconstruire même si la base est à jour.")
    ] = False,
) -> None:
    """Construire la base territoriale (GeoParquet) à partir de data/raw/."""
    from coodiag.base.build import build

    with console.status("Construction de la base…") as status:
        try:
            report = build(force=force, progress=lambda msg: status.update(f"{msg}…"))
        except CoodiagError as exc:
            raise fail(exc) from None
    if report.skipped:
        console.print(
            f"[green]✓[/] Base déjà à jour (clé {report.key[:12]}…), "
            f"vérifiée en {fr.number(report.seconds, 2, unit='s')}."
        )
    else:
        console.print(f"[green]✓[/] Base construite en {fr.number(report.seconds, 1, unit='s')}.")
    for warning in report.warnings:
        console.print(f"[yellow]Attention :[/] {warning}", highlight=False)


@app.command("info")
def info_cmd(
    detail: Annotated[
        bool, typer.Option("--detail", help="Couverture de chaque indicateur, un par ligne.")
    ] = False,
) -> None:
    """Afficher le contenu de la base : effectifs par niveau, millésimes, couverture."""
    from coodiag.base.info import summary

    try:
        tables = summary(detail=detail)
    except CoodiagError as exc:
        raise fail(exc) from None
    for table in tables:
        console.print(table)
