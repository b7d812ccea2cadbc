"""``coodiag diagnostic`` and ``coodiag atlas``: the deliverables, PDF + HTML + exports."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from coodiag import fr, secrecy
from coodiag.cli.common import AnneeOpt, console, fail, read_user_file
from coodiag.errors import CoodiagError, os_reason
from coodiag.outputs.folder import check_target

app = typer.Typer()

FormatOpt = Annotated[
    str, typer.Option("--formats", help="Formats séparés par des virgules : pdf, html.")
]
SortieOpt = Annotated[
    Path | None, typer.Option("--sortie", help="Dossier de sortie (défaut : atlas/...).")
]
ComparerOpt = Annotated[
    Path | None,
    typer.Option("--comparer", help="Instantané JSON d'un atlas précédent (évolution)."),
]
CapaciteOpt = Annotated[
    Path | None, typer.Option("--capacite", help="Fichier de capacité des SIAE.")
]
ReferenceOpt = Annotated[
    str,
    typer.Option("--reference", help="Référence des terciles des classes de couverture : "
                 "territoire (défaut), region ou france."),
]


def check_reference(value: str) -> str:
    """The ``--reference`` value checked (``territoire``, ``region``, ``france``)."""
    from coodiag.analyses.coverage import check_reference as check

    try:
        return check(value)
    except ValueError as exc:
        raise CoodiagError(f"--reference : {exc}") from None


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in ("pdf", "html")]
    if unknown or not chosen:
        raise CoodiagError(f"Format(s) inconnu(s) : {', '.join(unknown) or text} (pdf, html).")
    return chosen


def _previous(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        snap = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CoodiagError(f"{path} : instantané illisible ({os_reason(exc)}).") from exc
    if not isinstance(snap, dict) or "chiffres_cles" not in snap:
        raise CoodiagError(f"{path} : ce fichier n'est pas un instantané coodiag (JSON écrit "
                           "à côté de chaque atlas).")
    return snap


def _render(result, sortie: Path | None, formats: tuple[str, ...], previous: dict | None,
            start: float, svg: bool | None = None) -> None:
    """Render ``result`` into ``sortie`` (default ``atlas/<slug>``), list what was written."""
    import coodiag

    with console.status("Cartes, PDF, HTML et exports…"):
        paths = coodiag.render(result, sortie, formats=formats, previous=previous, svg=svg)
    elapsed = fr.number(time.perf_counter() - start, 1, unit="s")
    console.print(f"[green]✓[/] Atlas écrit en {elapsed} :")
    for key in ("pdf", "html", "xlsx", "gpkg", "json"):
        if key in paths:
            console.print(f"  {key.upper():5} {paths[key]}", highlight=False)


@app.command("diagnostic")
def diagnostic_cmd(
    siret: Annotated[str, typer.Option("--siret", help="SIRET de la SIAE.")],
    salaries: Annotated[
        Path | None, typer.Option("--salaries", help="Fichier des salariés en parcours.")
    ] = None,
    capacite: CapaciteOpt = None,
    annee: AnneeOpt = None,
    sirene: Annotated[
        Path | None, typer.Option("--sirene", help="Établissements SIRENE (prospection).")
    ] = None,
    territoire: Annotated[
        str | None,
        typer.Option("--territoire", "-t",
                     help="Territoire (défaut : communes de recrutement + zone d'emploi)."),
    ] = None,
    rayon: Annotated[float, typer.Option("--rayon", help="Rayon de prospection (km).")] = 20.0,
    date_stock: Annotated[
        str | None,
        typer.Option("--date", help="Compter les salariés sous contrat à cette date "
                     "(JJ/MM/AAAA) ; défaut : toutes les personnes de la période du fichier."),
    ] = None,
    eloignees: Annotated[
        bool,
        typer.Option("--inclure-eloignees", help="Inclure dans le territoire les communes de "
                     "résidence à plus de 30 km (hors zone d'emploi), listées à part sinon."),
    ] = False,
    reference: ReferenceOpt = "territoire",
    sortie: SortieOpt = None,
    comparer: ComparerOpt = None,
    formats: FormatOpt = "pdf,html",
) -> None:
    """Diagnostic d'une SIAE : PDF, HTML autonome, XLSX, CSV, GeoPackage, cartes PNG/SVG."""
    import coodiag
    from coodiag.reports.diagnostic import check_radius

    start = time.perf_counter()
    try:
        secrecy.get_threshold()  # a threshold below the legal floor: refused first
        check_radius(rayon)
        chosen = _formats(formats)
        previous = _previous(comparer)
        if sortie is not None:  # refused before any computation, not after
            check_target(sortie)
        with console.status("Lecture des fichiers…"):
            data_sal = read_user_file("salaries", salaries)
            data_cap = read_user_file("capacite", capacite, annee=annee)
            data_sir = read_user_file("sirene", sirene)
        with console.status("Analyses…"):
            diag = coodiag.diagnose(siret, salaries=data_sal, capacite=data_cap,
                                    sirene=data_sir, territoire=territoire, rayon_km=rayon,
                                    date=date_stock, inclure_eloignees=eloignees,
                                    reference=check_reference(reference))
        _render(diag, sortie, chosen, previous, start)
    except CoodiagError as exc:
        raise fail(exc) from None


@app.command("atlas")
def atlas_cmd(
    territoire: Annotated[
        str, typer.Option("--territoire", "-t", help="dep:50, ze:2802, epci:..., reg:28.")
    ],
    reseaux: Annotated[
        Path | None, typer.Option("--reseaux", help="Appartenance des SIAE aux réseaux.")
    ] = None,
    capacite: CapaciteOpt = None,
    annee: AnneeOpt = None,
    reference: ReferenceOpt = "territoire",
    sortie: SortieOpt = None,
    comparer: ComparerOpt = None,
    formats: FormatOpt = "pdf,html",
    svg: Annotated[
        bool, typer.Option("--svg", help="Écrire aussi le SVG des cartes de très nombreux "
                           "polygones (communes d'une région ou de la France) : par défaut, "
                           "leur PNG seulement (cartes/LISEZMOI.txt).")
    ] = False,
) -> None:
    """Atlas d'un territoire pour un CDIAE ou un réseau : offre, poids, zones blanches."""
    import coodiag

    start = time.perf_counter()
    try:
        secrecy.get_threshold()  # a threshold below the legal floor: refused first
        chosen = _formats(formats)
        previous = _previous(comparer)
        if sortie is not None:  # refused before any computation, not after
            check_target(sortie)
        data_res = read_user_file("reseaux", reseaux)
        data_cap = read_user_file("capacite", capacite, annee=annee)
        with console.status("Analyses…"):
            result = coodiag.territory_atlas(territoire, capacite=data_cap, reseaux=data_res,
                                             reference=check_reference(reference))
        _render(result, sortie, chosen, previous, start, svg=True if svg else None)
    except CoodiagError as exc:
        raise fail(exc) from None


@app.command(
    "explorer",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def explorer_cmd(ctx: typer.Context) -> None:
    """Ouvrir l'explorateur cartographique (Streamlit) dans le navigateur.

    Les options supplémentaires sont passées à Streamlit (par exemple --server.port 8600).
    """
    from coodiag.explorer.launcher import main

    main(list(ctx.args))
