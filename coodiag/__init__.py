"""coodiag : diagnostic territorial de l'insertion par l'activité économique (IAE).

The public Python API: the command line, the explorer and notebooks all go through these
functions. Data flows one way through the package::

    mirror -> reference -> base -> userfiles -> analyses -> reports -> outputs -> cli / explorer

Example (after ``coodiag data sync`` and ``coodiag build``)::

    import coodiag

    diag = coodiag.diagnose("37968077000029",
                            salaries="examples/salaries_ai_avranches_FICTIF.csv")
    diag.impact_publie.head()          # impact on unemployment, statistical secrecy applied
    coodiag.render(diag, "atlas/avranches")   # PDF, HTML, XLSX, CSV, GeoPackage, maps

Heavy modules are imported inside the functions, so that ``import coodiag`` stays cheap.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from coodiag.base.store import Base
    from coodiag.reports.diagnostic import Diagnostic
    from coodiag.reports.territory_atlas import TerritoryAtlas
    from coodiag.userfiles import ImportResult

__version__ = "0.1.0"

__all__ = ["__version__", "batch", "diagnose", "load_base", "read", "render", "territory_atlas"]

#: The formats of the users' own files (see docs/formats.md).
USER_FORMATS = ("salaries", "capacite", "reseaux", "sirene")

def load_base(path: str | PathLike[str] | None = None) -> Base:
    """The territorial base (COG 2025): levels and tables read on demand, then kept.

    ``path``: a base folder (default: the one ``coodiag build`` writes). Raises
    :class:`~coodiag.errors.BaseMissingError` (French message) when no base is built.
    """
    from coodiag.base.store import Base

    return Base.open(Path(path) if path is not None else None)


def read(kind: str, path: str | PathLike[str], **options: Any) -> ImportResult:
    """Read and check a user's file: ``kind`` is salaries, capacite, reseaux or sirene.

    Returns an :class:`~coodiag.userfiles.ImportResult`: ``data`` (the rows used),
    ``rejects`` (each rejected row with its line, column and reason) and ``report_text()``.
    """
    from coodiag import userfiles
    from coodiag.errors import CoodiagError

    readers = {
        "salaries": userfiles.read_salaries,
        "capacite": userfiles.read_capacite,
        "reseaux": userfiles.read_reseaux,
        "sirene": userfiles.read_sirene,
    }
    if kind not in readers:
        raise CoodiagError(
            f"Format « {kind} » inconnu : choisissez parmi {', '.join(USER_FORMATS)}."
        )
    return readers[kind](Path(path), **options)


def _data(kind: str, value: Any) -> pd.DataFrame | None:
    """The table of a user file given as a path, an import result or a table."""
    if value is None:
        return None
    if isinstance(value, (str, PathLike)):
        return read(kind, value).data
    data = getattr(value, "data", None)
    return data if data is not None else value


def _unusable(kind: str, value: Any) -> list[str]:
    """A note for the first page when a user file was given but none of its rows is usable."""
    from coodiag.userfiles.result import unusable_notes

    return unusable_notes(kind, value)


def diagnose(
    siret: str,
    *,
    salaries: Any = None,
    capacite: Any = None,
    sirene: Any = None,
    territoire: str | None = None,
    rayon_km: float = 20.0,
    periode: tuple[str, str] | None = None,
    date: str | None = None,
    inclure_eloignees: bool = False,
    threshold: int | None = None,
    reference: str = "territoire",
) -> Diagnostic:
    """The diagnosis of one SIAE: every analysis of the Coodiag method for its territory.

    ``salaries``, ``capacite``, ``sirene``: a file path, an :func:`read` result or a table.
    ``territoire``: ``"dep:50"``, ``"ze:2802,epci:..."``... (default: the communes where its
    salariés live within 30 km plus its zone d'emploi; farther residence communes are listed
    apart, unless ``inclure_eloignees``). Salariés counted: distinct persons with a contract over
    ``periode`` (``("JJ/MM/AAAA", "JJ/MM/AAAA")``, default: the whole file), or under contract
    on ``date`` (``"JJ/MM/AAAA"``). ``threshold``: the statistical-secrecy threshold
    (default ``COODIAG_SECRET_THRESHOLD``, else 5). Tables ending in ``_publie`` are already
    under statistical secrecy. ``reference``: where the terciles of the coverage classes are
    computed — ``"territoire"`` (default), ``"region"`` or ``"france"``.
    """
    from coodiag.reports import diagnostic

    files = {k: read(k, v) if isinstance(v, (str, PathLike)) else v
             for k, v in (("salaries", salaries), ("capacite", capacite), ("sirene", sirene))}
    return diagnostic.run(
        siret,
        salaries=_data("salaries", files["salaries"]),
        capacite=_data("capacite", files["capacite"]),
        sirene=_data("sirene", files["sirene"]),
        import_notes=[n for k, v in files.items() for n in _unusable(k, v)],
        territoire_txt=territoire,
        rayon_km=rayon_km,
        periode=periode,
        date_stock=date,
        inclure_eloignees=inclure_eloignees,
        threshold=threshold,
        reference=reference,
    )


def territory_atlas(
    territoire: str, *, capacite: Any = None, reseaux: Any = None, reference: str = "territoire"
) -> TerritoryAtlas:
    """The atlas of a territory (``"dep:50"``, ``"ze:2802"``, ``"reg:28"``...) for a CDIAE or
    a réseau: offer and its weight, coverage gaps, typologies, key figures. ``reference``:
    where the terciles of the coverage classes are computed (``"territoire"``, ``"region"``,
    ``"france"``)."""
    from coodiag.reports import territory_atlas as report

    return report.run(
        territoire, capacite=_data("capacite", capacite), reseaux=_data("reseaux", reseaux),
        reference=reference,
    )


def render(
    result: Diagnostic | TerritoryAtlas,
    folder: str | PathLike[str] | None = None,
    *,
    formats: tuple[str, ...] = ("pdf", "html"),
    previous: dict | None = None,
    svg: bool | None = None,
) -> dict[str, Path]:
    """Write the atlas of a :func:`diagnose` or :func:`territory_atlas` result.

    Into ``folder`` (default ``atlas/<slug>``): PDF and/or offline HTML, XLSX, CSV, GeoPackage,
    PNG/SVG maps and the JSON snapshot; ``previous``: an earlier snapshot, for the evolution
    page; ``svg``: the SVG of every map (``True``), of none (``False``), or (``None``) of the
    maps drawn as vectors only (a map of the communes of France has its PNG only). Returns
    the path of each file written, by kind (``"pdf"``, ``"html"``, ``"xlsx"``...).
    The folder is replaced atomically: a failed run leaves the previous atlas intact.
    """
    from coodiag import settings
    from coodiag.outputs import atlas
    from coodiag.outputs.builders import document_of

    doc = document_of(result)
    target = Path(folder) if folder is not None else settings.PROJECT_ROOT / "atlas" / doc.slug
    return atlas.render(doc, target, formats=formats, previous_snapshot=previous, svg=svg)


def batch(
    folder: str | PathLike[str],
    *,
    sirets: Any = None,
    territoire: str | None = None,
    reseaux: Any = None,
    reseau: str | None = None,
    capacite: Any = None,
    formats: tuple[str, ...] = ("pdf", "html"),
    reference: str = "territoire",
    rayon_km: float = 20.0,
    threshold: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    on_result: Any = None,
    on_plan: Any = None,
    salaries_dossier: str | PathLike[str] | None = None,
) -> dict[str, Any]:
    """The diagnosis of many SIAE, one atlas each in ``folder/<siret>/``, and their index
    (``folder/index.html``, ``folder/index.xlsx``), on Dask.

    ``salaries_dossier``: a folder of rosters, one per SIAE named ``<siret>.csv``,
    ``<siret>.xlsx`` or ``<siret>.ods`` (docs/formats.md); a SIAE without one is diagnosed
    without roster, a file matching no SIAE of the batch is listed (``salaries_ignores``).

    Which SIAE: ``sirets`` (a list, or a file with one SIRET per line), or ``territoire``
    (``"dep:50"``: every SIAE placed in it), or ``reseaux`` (a réseaux file or import) with
    ``reseau`` (the réseau's name). A failing SIAE is listed with its reason, the others go on;
    a re-run skips the SIAE whose atlas is current. Runs on ``client`` (a
    ``distributed.Client``), else on the cluster at ``scheduler`` (``"tcp://host:8786"``),
    else on a local cluster of ``workers`` processes (default: one per core). Returns ``rows``
    (one per SIAE: ``statut`` done / current / failed, ``raison``...), ``counts``,
    ``index_html``, ``index_xlsx``, ``seconds``.
    """
    from coodiag.base.store import Base
    from coodiag.errors import CoodiagError
    from coodiag.outputs.batch import check_folder, run_batch
    from coodiag.reports import batch as lot

    target = check_folder(folder)  # refused before any computation
    options = lot.BatchOptions(formats=tuple(formats), reference=reference, rayon_km=rayon_km,
                               threshold=threshold)
    chosen = [x is not None for x in (sirets, territoire, reseaux)]
    if sum(chosen) != 1 or (reseaux is not None) != (reseau is not None):
        raise CoodiagError("Indiquez les SIAE du lot d'une seule façon : une liste de SIRET, "
                           "un territoire, ou un fichier des réseaux avec le nom du réseau.")
    shared = lot.Shared(capacite=_data("capacite", capacite))
    if territoire is not None:
        chosen_sirets, label = lot.sirets_in_territory(territoire, Base.open(shared.base_path))
        title = f"Diagnostics des SIAE — {label}"
        if not chosen_sirets:
            raise CoodiagError(f"Aucune SIAE dans le territoire {label}.")
    elif reseaux is not None:
        chosen_sirets = lot.sirets_of_reseau(_data("reseaux", reseaux), reseau,
                                              Base.open(shared.base_path))
        title = f"Diagnostics des SIAE — réseau {reseau}"
    elif isinstance(sirets, (str, PathLike)):
        chosen_sirets = lot.sirets_from_file(sirets)
        title = f"Diagnostics des SIAE — liste {Path(sirets).name}"
    else:
        chosen_sirets = lot.plan(sirets)
        title = "Diagnostics des SIAE"
    return run_batch(chosen_sirets, target, shared, options, title=title, client=client,
                     workers=workers, scheduler=scheduler, on_result=on_result,
                     on_plan=on_plan, salaries_dir=salaries_dossier)
