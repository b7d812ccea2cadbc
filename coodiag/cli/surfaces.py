"""``coodiag analyse surfaces``: accessibility surfaces written as GeoTIFF (French output)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coodiag import fr
from coodiag.cli.analyses import parse_opening
from coodiag.cli.common import TerritoireOpt, console, fail
from coodiag.errors import CoodiagError

#: Accepted ``--noyau`` values and the decay of :func:`coodiag.analyses.fca.decay_weights`.
KERNELS = {"step": "step", "palier": "step", "gaussien": "gaussian", "gaussian": "gaussian"}
#: Largest grid accepted (cells inside the territory, estimated from its area).
MAX_CELLS = 40_000_000


def _check_options(noyau: str, sigma: float | None, resolution: float) -> str:
    from coodiag.analyses.surfaces import MAX_RESOLUTION_M, MIN_RESOLUTION_M

    decay = KERNELS.get(noyau.strip().lower())
    if decay is None:
        raise CoodiagError(f"--noyau « {noyau} » inconnu : step (poids 1 jusqu'au rayon) ou "
                           "gaussien.")
    if sigma is not None and (decay != "gaussian" or not sigma > 0):
        raise CoodiagError(f"--sigma {fr.general(sigma)} : un écart-type positif (km), avec "
                           "--noyau gaussien seulement.")
    if not MIN_RESOLUTION_M <= resolution <= MAX_RESOLUTION_M:
        raise CoodiagError(
            f"--resolution {fr.general(resolution)} : taille de cellule en mètres attendue, de "
            f"{fr.integer(MIN_RESOLUTION_M)} à {fr.integer(MAX_RESOLUTION_M)} (200 par défaut, "
            "1000 pour un aperçu)."
        )
    return decay


def surfaces_cmd(
    territoire: TerritoireOpt,
    sortie: Annotated[
        Path,
        typer.Option("--sortie", help="Dossier des GeoTIFF (nouveau, vide, ou écrit par coodiag "
                     "auparavant : son contenu est remplacé)."),
    ],
    resolution: Annotated[
        float, typer.Option("--resolution", help="Taille des cellules en mètres (1000 pour un "
                            "aperçu rapide).")
    ] = 200.0,
    noyau: Annotated[
        str, typer.Option("--noyau", help="step (poids 1 jusqu'au rayon) ou gaussien.")
    ] = "step",
    sigma: Annotated[
        float | None, typer.Option("--sigma", help="Écart-type du noyau gaussien, km (défaut : "
                                   "rayon / 2).")
    ] = None,
    ouvrir: Annotated[
        list[str] | None,
        typer.Option("--ouvrir", help="Scénario : COMMUNE:TYPE[:CAPACITE], ex. 50025:ACI:25 "
                     "(répétable)."),
    ] = None,
    fermer: Annotated[
        list[str] | None, typer.Option("--fermer", help="Scénario : SIRET à fermer (répétable).")
    ] = None,
    population: Annotated[
        Path | None,
        typer.Option("--population", help="Population carroyée INSEE Filosofi (carreaux de "
                     "200 m : idcar_200m, ind ; voir docs/formats.md) : la demande de chaque "
                     "commune est répartie sur ses carreaux habités."),
    ] = None,
) -> None:
    """Surfaces d'accessibilité en GeoTIFF : distance à la structure la plus proche et
    accessibilité 2SFCA par type, sur une grille de cellules (Lambert-93, UTM dans les DROM)."""
    from coodiag import territory
    from coodiag.outputs.folder import check_target
    from coodiag.reference.cog import current_code
    from coodiag.reports.context import Context
    from coodiag.userfiles.carroyage import read_grid_population

    try:
        decay = _check_options(noyau, sigma, resolution)
        opened = [parse_opening(item) for item in ouvrir or []]
        target = check_target(sortie)
        ctx = Context()
        communes = ctx.communes
        terr = territory.check(territory.parse(territoire), communes, lineage=current_code)
        cells = None if population is None else read_grid_population(population)
    except CoodiagError as exc:
        raise fail(exc) from None
    for note in terr.notes:
        console.print(f"[yellow]Note :[/] {note}", highlight=False)
    inside = communes.loc[terr.mask(communes)]
    label = terr.label(communes)
    n_cells = float(inside["superficie_km2"].sum()) * 1e6 / resolution**2
    if n_cells > MAX_CELLS:
        raise fail(CoodiagError(
            f"{label} à {fr.integer(resolution)} m : environ {fr.integer(n_cells)} cellules, plus "
            f"que les {fr.integer(MAX_CELLS)} acceptées : augmentez --resolution."))
    unknown = sorted(set(fermer or []) - set(ctx.registry["siret"].astype(str)))
    if unknown:
        raise fail(CoodiagError(f"--fermer : SIRET absent du registre : {', '.join(unknown)}."))
    results = _compute(ctx, inside, opened, fermer or [], resolution, decay, sigma, cells)
    if cells is not None and not any(r.params["population"] for r in results):
        raise fail(CoodiagError(f"--population {population.name} : carreaux en EPSG:"
                                f"{int(cells['epsg'].iloc[0])}, hors de la zone du territoire "
                                "(3035 pour la métropole, le CRS du DROM sinon)."))
    written = _write(target, results, label, resolution)
    for res in results:
        _print_summary(res, label)
    console.print(f"{len(written)} fichiers GeoTIFF écrits dans {target} : "
                  f"{', '.join(p.name for p in written)}.", highlight=False)


def _compute(ctx, inside, opened, closed, resolution, decay, sigma, cells):
    from coodiag.reports.surfaces import territory_surfaces

    try:
        return territory_surfaces(ctx, set(inside["code"]), resolution=resolution, decay=decay,
                                  sigma_km=sigma, open=opened, close=closed, population=cells)
    except ValueError as exc:
        what = "--ouvrir : " if "Commune inconnue" in str(exc) else ""
        raise fail(CoodiagError(f"{what}{exc} (la structure doit être dans une commune de la "
                                "même zone que le territoire).")) from None


def _write(target: Path, results, label: str, resolution: float) -> list[Path]:
    from coodiag._io import atomic_dir
    from coodiag.outputs.exports.geotiff import write_geotiff
    from coodiag.outputs.folder import mark
    from coodiag.reports.surfaces import LAYERS

    names = []
    with atomic_dir(target) as tmp:
        mark(tmp)
        for res in results:
            suffix = "" if len(results) == 1 else f"_{res.zone}"
            p = res.params
            tags = {
                "TERRITOIRE": label, "ZONE": res.zone,
                "RESOLUTION_M": fr.general(resolution),
                "DECROISSANCE": p["decroissance"],
                "RAYONS_KM": ", ".join(f"{k} {fr.general(v)}" for k, v in p["rayons_km"].items()),
                "SCENARIO": "; ".join([*(f"ouverture {c}:{t}" for c, t, _ in p["ouvertures"]),
                                       *(f"fermeture {s}" for s in p["fermetures"])]) or "aucun",
            }
            for layer, title in LAYERS.items():
                if layer not in res.layers:
                    continue
                bands = [(b.values, b.indicator) for b in res.layers[layer]]
                name = f"{layer}{suffix}.tif"
                write_geotiff(tmp / name, bands, crs=res.crs, transform=res.transform,
                              tags={**tags, "TITRE": title})
                names.append(target / name)
    return names


def _print_summary(res, label: str) -> None:
    from coodiag.reports.surfaces import LAYERS, as_table

    p = res.params
    table = Table(title=f"Surfaces d'accessibilité — {label} ({_zone_label(res.zone)}, "
                  f"{fr.integer(p['cellules'])} cellules de {fr.integer(p['resolution_m'])} m)")
    for col in ("Couche", "Type", "Unité", "Min", "Médiane", "Max"):
        table.add_column(col, justify="right" if col in ("Min", "Médiane", "Max") else "left")
    for r in as_table(res).itertuples(index=False):
        digits = 1 if r.unite == "km" else 2
        table.add_row(r.couche, r.bande, r.unite, fr.number(r.min, digits),
                      fr.number(r.mediane, digits), fr.number(r.max, digits))
    console.print(table)
    console.print(
        f"Couches : {' ; '.join(LAYERS[k] for k in res.layers)}. Rayons : "
        + ", ".join(f"{k} {fr.km(v, 0)}" for k, v in p["rayons_km"].items())
        + f" ; {p['decroissance']} ; R_j du 2SFCA (demande de toutes les communes de la zone : "
        f"{p['demande']}) ; {fr.integer(p['communes'])} communes dans le territoire, hors "
        "duquel les cellules sont sans valeur (nodata).",
        highlight=False,
    )


def _zone_label(zone: str) -> str:
    return "métropole, Lambert-93" if zone == "metro" else f"DROM {zone}, UTM"
