"""Accessibility surfaces of a territory, ready to write or draw.

Assembles, for each zone the territory touches (metropolitan France, or one DROM in its own UTM
projection), the grid clipped to the territory's communes and its bands
(:mod:`coodiag.analyses.surfaces`): the distance to the nearest SIAE of each type and of any
type, the 2SFCA accessibility per type and for all SIAE, and, for a scenario, the change in
accessibility. Every band carries its :class:`~coodiag.base.indicators.Indicator`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from coodiag import codes as codelib
from coodiag import fr, settings
from coodiag.analyses import demand as demand_mod
from coodiag.analyses import surfaces
from coodiag.analyses.access import ALL, SRC_REGISTRY
from coodiag.analyses.fca import DecayFn
from coodiag.analyses.offer import DARES_SOURCE
from coodiag.analyses.surface_demand import grid_demand
from coodiag.base.dissolve import filled_units
from coodiag.base.indicators import Indicator
from coodiag.reports.context import Context

#: The kinds of layer, in the order they are written: file stem and French title.
LAYERS = {
    "accessibilite": "Accessibilité 2SFCA (salariés en insertion pour 1 000 chômeurs)",
    "distance": "Distance à la structure la plus proche (km)",
    "variation": "Variation de l'accessibilité du scénario (pour 1 000 chômeurs)",
}
DECAYS = {"step": "sans décroissance (poids 1 jusqu'au rayon)",
          "gaussian": "décroissance gaussienne W(d) = exp(−d² / 2σ²)"}


@dataclass(frozen=True)
class Band:
    """One raster band: values (float32, NaN outside the territory) and what they are."""

    name: str
    values: np.ndarray
    indicator: Indicator


@dataclass
class Surfaces:
    """The surfaces of one zone: its grid and bands per layer (:data:`LAYERS`)."""

    zone: str
    grid: surfaces.Grid
    layers: dict[str, list[Band]] = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    @property
    def crs(self):
        return self.grid.crs

    @property
    def transform(self):
        return self.grid.transform


def _to(name: str) -> str:
    return ("à toutes les structures (ACI, AI, EI, ETTI)" if name == ALL
            else f"aux structures {name}")


def _zone_inputs(ctx: Context, zone: str):
    if zone == "metro":
        return ctx.metro, ctx.demand
    communes = ctx.base.level("communes", zone=zone)
    dem = demand_mod.demand(communes, ctx.indicators, ctx.ze_indicators, kind="chomeurs")
    return communes, dem


def mask_geometries(ctx: Context, zone: str, inside: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The polygons whose cells make the grid of ``inside`` (communes of ``zone``): every
    département that ``inside`` fills whole is taken as one polygon of the base (the
    rasterisation reads 96 départements instead of 34,875 communes for France: 0.1 s, not
    1.8 s; the cell-centre rule gives the same cells, less the slivers between communes)."""
    if "dep" not in inside.columns or not len(inside):
        return inside.geometry
    deps = ctx.base.level("departements", zone=zone)
    whole = filled_units(inside, deps)
    if not whole:
        return inside.geometry
    rest = inside.loc[~codelib.isin(inside["dep"].astype("string"), whole), "geometry"]
    chosen = deps.loc[codelib.isin(deps["code"].astype("string"), whole), "geometry"]
    if chosen.crs != inside.crs:
        chosen = chosen.to_crs(inside.crs)
    return gpd.GeoSeries(pd.concat([chosen, rest], ignore_index=True), crs=inside.crs)


def territory_surfaces(
    ctx: Context,
    codes: Iterable[str],
    *,
    resolution: float = surfaces.DEFAULT_RESOLUTION_M,
    decay: str | DecayFn = "step",
    sigma_km: float | None = None,
    open: Iterable[tuple[str, str, float | None]] = (),
    close: Iterable[str] = (),
    distances: bool = True,
    only_all: bool = False,
    population: pd.DataFrame | None = None,
) -> list[Surfaces]:
    """The surfaces of the communes ``codes``, one :class:`Surfaces` per zone they lie in.

    R_j is the commune 2SFCA's, computed over every commune of the zone (an SIAE near the
    territory's edge also serves beyond it). ``open`` / ``close``: a scenario (as ``analyse
    scenario``), giving the layer ``variation`` for the types touched and all SIAE.
    """
    wanted = set(codes)
    opened, closed = list(open), list(close)
    zones = ctx.communes.loc[codelib.isin(ctx.communes["code"], wanted), "crs_zone"].dropna()
    out = []
    for zone in sorted(set(zones.astype(str)), key=lambda z: (z != "metro", z)):
        communes, dem = _zone_inputs(ctx, zone)
        inside = communes[codelib.isin(communes["code"], wanted)]
        grid = surfaces.make_grid(mask_geometries(ctx, zone, inside), communes.crs, resolution)
        kw = {"decay": decay, "sigma_km": sigma_km}
        placed, grid_note = None, "demande placée aux points représentatifs des communes"
        if population is not None and zone in _population_zones(population):
            xy, values, stats = grid_demand(population, communes, dem)
            placed = (xy, values)
            grid_note = (f"demande de chaque commune répartie sur ses carreaux habités "
                         f"({fr.integer(stats['cellules'])} carreaux) au prorata des individus "
                         "(population carroyée)")
        runs = surfaces.supply_runs(communes, ctx.registry, dem, demand_points=placed, **kw)
        res = Surfaces(zone=zone, grid=grid)
        before = {run.name: surfaces.access_surface(grid, run, **kw) for run in runs
                  if run.name == ALL or not only_all}
        dem_meta = next((m for m in dem.attrs.get("indicateurs", []) if m.key == "demande"),
                        None)
        source = f"{SRC_REGISTRY} ; {DARES_SOURCE}" + (f" ; {dem_meta.source}" if dem_meta
                                                       else "")
        vintage = "SIAE 2019-2021 ; " + (dem_meta.vintage if dem_meta else "")
        if placed is not None:
            source += f" ; {population.attrs.get('source', 'population carroyée')}"
        decay_label = DECAYS.get(decay, str(decay)) if isinstance(decay, str) else "fournie"
        if decay == "gaussian":
            decay_label += f", σ = {sigma_km:g} km" if sigma_km else ", σ = rayon / 2"
        cell = f"centre de chaque cellule de {resolution:g} m"
        res.layers["accessibilite"] = [
            Band(run.name, 1000 * before[run.name], Indicator(
                key=f"acces_{run.name}_pour_1000",
                label=f"Accessibilité {_to(run.name)}, pour 1 000 chômeurs",
                unit="salariés en insertion pour 1 000 chômeurs",
                numerator="salariés en insertion (capacité) des structures à portée",
                denominator="1 000 chômeurs de 15-64 ans à portée de ces structures",
                source=source, vintage=vintage,
                method=f"2SFCA, rayon {run.radius_km:g} km à vol d'oiseau, {decay_label} : "
                "R_j = capacité_j / Σ_k W(d_kj) chômeurs_k (communes k à moins du rayon, "
                f"comme le 2SFCA communal) ; A(x) = Σ_j W(d(x, j)) R_j au {cell} ; × 1 000 ; "
                "capacité estimée (moyenne nationale DARES 2019 du type) quand elle est "
                f"inconnue ; {grid_note}"))
            for run in runs if run.name in before
        ]
        if distances:
            res.layers["distance"] = [
                Band(name, surfaces.nearest_surface(grid, xy), Indicator(
                    key=f"dist_{name}_km",
                    label=f"Distance à la structure {name} la plus proche" if name != ALL
                    else "Distance à la structure la plus proche (ACI, AI, EI, ETTI)",
                    unit="km", source=SRC_REGISTRY, vintage="SIAE 2019-2021",
                    method=f"distance à vol d'oiseau du {cell} à la structure la plus proche "
                    "de la même zone ; vide si la zone n'en a aucune"))
                for name, xy in surfaces.nearest_supply(ctx.registry, zone, communes.crs).items()
            ]
        if opened or closed:
            after_reg, touched = surfaces.registry_after(communes, ctx.registry, open=opened,
                                                         close=closed)
            after = {run.name: run for run in surfaces.supply_runs(
                communes, after_reg, dem, demand_points=placed, **kw)}
            change = {name: surfaces.access_surface(grid, after[name], **kw) - before[name]
                      for name in [*touched, ALL]}
            res.layers["variation"] = [
                Band(name, 1000 * change[name],
                     Indicator(
                         key=f"variation_{name}_pour_1000",
                         label=f"Variation de l'accessibilité {_to(name)}, pour 1 000 "
                         "chômeurs",
                         unit="salariés en insertion pour 1 000 chômeurs",
                         numerator="accessibilité après − accessibilité avant le scénario",
                         denominator="1 000 chômeurs de 15-64 ans à portée",
                         source=source, vintage=vintage,
                         method="(A après − A avant) × 1 000 ; structure ouverte au point "
                         "représentatif de sa commune, capacité estimée (moyenne DARES 2019 du "
                         f"type) si non fournie ; {decay_label}"))
                for name in change
            ]
        res.params = {
            "zone": zone, "resolution_m": float(resolution), "cellules": grid.n_cells,
            "rayons_km": {run.name: run.radius_km for run in runs},
            "decroissance": decay_label, "siae": {run.name: len(run.xy) for run in runs},
            "ouvertures": opened, "fermetures": closed,
            "communes": len(inside), "demande": grid_note,
            "population": population.attrs.get("source") if placed is not None else None,
        }
        out.append(res)
    return out


#: Cell size of the atlas map by territory area: ≤ 15,000 km² at 200 m, ≤ 60,000 at 500 m.
ATLAS_RESOLUTIONS = ((15_000.0, 200.0), (60_000.0, 500.0))


def atlas_surface(ctx: Context, codes: Iterable[str]) -> Surfaces | None:
    """The 2SFCA surface to all SIAE drawn in the territory atlas (metropolitan territory),
    at 200 m for a département, coarser for a larger territory (:data:`ATLAS_RESOLUTIONS`)."""
    wanted = set(codes)
    area = float(ctx.metro.loc[codelib.isin(ctx.metro["code"], wanted), "superficie_km2"].sum())
    res = next((r for limit, r in ATLAS_RESOLUTIONS if area <= limit), 1000.0)
    found = territory_surfaces(ctx, wanted, resolution=res, distances=False, only_all=True)
    return found[0] if found else None


def _population_zones(population: pd.DataFrame) -> set[str]:
    """The zones a gridded population may cover, from its CRS (3035 or 2154: metropolitan
    France; a DROM's own CRS, shared by Guadeloupe and Martinique)."""
    epsg = int(population["epsg"].iloc[0])
    if epsg in (3035, settings.CRS_METRO):
        return {"metro"}
    return {z for z, code in settings.CRS_DROM.items() if code == epsg}


def band_summary(band: Band) -> dict[str, float]:
    """Cells, min, median, max of a band over the territory."""
    v = band.values[np.isfinite(band.values)]
    if len(v) == 0:
        return {"cellules": 0, "min": np.nan, "mediane": np.nan, "max": np.nan}
    return {"cellules": len(v), "min": float(v.min()), "mediane": float(np.median(v)),
            "max": float(v.max())}


def as_table(res: Surfaces) -> pd.DataFrame:
    """One row per band: layer, key, label, unit, cells, min, median, max."""
    rows = [
        {"couche": layer, "bande": b.name, "cle": b.indicator.key, "libelle": b.indicator.label,
         "unite": b.indicator.unit, **band_summary(b)}
        for layer, bands in res.layers.items() for b in bands
    ]
    return pd.DataFrame(rows)
