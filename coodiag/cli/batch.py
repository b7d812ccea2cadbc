"""``coodiag lot``: the diagnosis of every SIAE of a territory, a réseau or a list, on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coodiag import fr, secrecy
from coodiag.cli.common import (
    AnneeOpt,
    CapaciteOpt,
    ReseauxOpt,
    console,
    fail,
    read_user_file,
)
from coodiag.errors import CoodiagError

app = typer.Typer()

#: The status of a SIAE -> how the progress line shows it.
SHOWN = {"done": "[green]✓[/]", "current": "[cyan]=[/]", "failed": "[red]✗[/]"}


@app.command("lot")
def lot_cmd(
    sortie: Annotated[Path, typer.Option("--sortie", help="Dossier du lot : un sous-dossier "
                                         "par SIAE, index.html et index.xlsx.")],
    territoire: Annotated[
        str | None, typer.Option("--territoire", "-t", help="Toutes les SIAE d'un territoire : "
                                 "dep:50, ze:2802, epci:..., reg:28.")] = None,
    reseaux: ReseauxOpt = None,
    reseau: Annotated[
        str | None, typer.Option("--reseau", help="Les membres de ce réseau (avec --reseaux).")
    ] = None,
    sirets: Annotated[
        Path | None, typer.Option("--sirets", help="Fichier des SIRET (un par ligne).")
    ] = None,
    salaries_dossier: Annotated[
        Path | None, typer.Option("--salaries-dossier", help="Dossier des fichiers des salariés "
                                  "en parcours : un par SIAE, nommé <siret>.csv, .xlsx ou .ods "
                                  "(voir docs/formats.md).")] = None,
    capacite: CapaciteOpt = None,
    annee: AnneeOpt = None,
    reference: Annotated[
        str, typer.Option("--reference", help="Référence des terciles des classes de "
                          "couverture : territoire (défaut), region ou france.")] = "territoire",
    rayon: Annotated[float, typer.Option("--rayon", help="Rayon de prospection (km).")] = 20.0,
    formats: Annotated[
        str, typer.Option("--formats", help="Formats séparés par des virgules : pdf, html.")
    ] = "pdf,html",
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Processus de calcul locaux "
                                 "(défaut : un par cœur).")] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Adresse d'un ordonnanceur Dask existant "
                                 "(tcp://hote:8786) ; ses processus doivent lire la base "
                                 "et --salaries-dossier, et écrire dans --sortie.")] = None,
) -> None:
    """Diagnostics de toutes les SIAE d'un territoire, d'un réseau ou d'une liste, avec index.

    Un diagnostic par SIAE dans SORTIE/<siret>/ (fichiers de « coodiag diagnostic »).
    Avec --salaries-dossier, chaque SIAE est diagnostiquée avec son fichier des salariés
    (<siret>.csv, .xlsx ou .ods) ; une SIAE sans fichier l'est sans salariés.
    Index : SORTIE/index.html et SORTIE/index.xlsx.
    Une SIAE en échec n'arrête pas le lot : son motif est listé.
    Relancé, le lot saute les SIAE dont le diagnostic est à jour.
    """
    import coodiag
    from coodiag.analyses.coverage import check_reference
    from coodiag.outputs.batch import check_folder

    try:
        secrecy.get_threshold()  # a threshold below the legal floor: refused first
        try:
            ref = check_reference(reference)
        except ValueError as exc:
            raise CoodiagError(f"--reference : {exc}") from None
        chosen = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
        if not chosen or any(f not in ("pdf", "html") for f in chosen):
            raise CoodiagError(f"--formats : « {formats} » ; choisissez pdf, html ou pdf,html.")
        if (reseaux is None) != (reseau is None):
            raise CoodiagError("--reseaux et --reseau vont ensemble : le fichier des réseaux "
                               "et le nom du réseau dont on veut les membres.")
        if sum(x is not None for x in (territoire, reseaux, sirets)) != 1:
            raise CoodiagError("Indiquez les SIAE du lot d'une seule façon : --territoire, "
                               "--reseaux avec --reseau, ou --sirets.")
        check_folder(sortie)
        data_res = read_user_file("reseaux", reseaux)
        data_cap = read_user_file("capacite", capacite, annee=annee)
        result = _run(coodiag, sortie, sirets=sirets, territoire=territoire, reseaux=data_res,
                      reseau=reseau, capacite=data_cap, formats=chosen, reference=ref,
                      salaries_dossier=salaries_dossier,
                      rayon_km=rayon, workers=workers, scheduler=scheduler)
    except CoodiagError as exc:
        raise fail(exc) from None
    _summary(result)
    if result["rows"] and result["counts"].get("failed", 0) == len(result["rows"]):
        raise typer.Exit(code=1)


def _run(coodiag, sortie: Path, **kwargs) -> dict:
    """Run the batch under a rich progress bar (one line per SIAE as it ends)."""
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TextColumn("reste"), TimeRemainingColumn(), console=console,
        transient=False,
    )
    state: dict = {}

    def on_plan(total: int, todo: int) -> None:
        state["task"] = progress.add_task("Diagnostics", total=total)
        console.print(f"{fr.integer(total)} SIAE, dont {fr.integer(todo)} à calculer (les "
                      "autres sont à jour ou refusées d'emblée).", highlight=False)

    def on_result(row: dict) -> None:
        if row["statut"] != "current":
            name = escape(row.get("nom") or "")
            extra = f" — {escape(str(row.get('raison')))}" if row["statut"] == "failed" else ""
            seconds = fr.number(row.get("secondes") or 0, 1, unit="s")
            progress.console.print(f"  {SHOWN[row['statut']]} {row['siret']} {name} "
                                   f"({seconds}){extra}", highlight=False, markup=True)
        if "task" in state:
            progress.advance(state["task"])

    with progress:
        return coodiag.batch(sortie, on_plan=on_plan, on_result=on_result, **kwargs)


def _summary(result: dict) -> None:
    from rich.markup import escape

    counts = result["counts"]
    elapsed = fr.number(result["seconds"], 1, unit="s")
    console.print(
        f"[green]✓[/] Lot écrit en {elapsed} : {fr.integer(counts.get('done', 0))} "
        f"diagnostic(s) produit(s), {fr.integer(counts.get('current', 0))} déjà à jour, "
        f"{fr.integer(counts.get('failed', 0))} échec(s).", highlight=False,
    )
    failed = [r for r in result["rows"] if r["statut"] == "failed"]
    if failed:
        console.print("[bold red]Échecs :[/]")
        for r in failed:
            name = f" {escape(r['nom'])}" if r.get("nom") else ""
            console.print(f"  {escape(r['siret'])}{name} : {escape(str(r.get('raison')))}",
                          highlight=False, soft_wrap=True)
    ignored = result.get("salaries_ignores") or []
    if ignored:
        console.print(f"[bold yellow]Fichiers des salariés non utilisés "
                      f"({fr.integer(len(ignored))}) :[/]")
        for name, why in ignored:
            console.print(f"  {escape(name)} : {escape(why)}", highlight=False, soft_wrap=True)
    console.print(f"  INDEX {result['index_html']}", highlight=False)
    console.print(f"  XLSX  {result['index_xlsx']}", highlight=False)
