"""Build the territorial base from ``data/raw/``: sources -> communes -> levels -> indicators.

The build is keyed on the sha256 of its inputs and of coodiag's own code: when neither changed,
``build()`` returns at once. Everything is written into a temporary folder that replaces the
previous base in one step, so an interrupted build leaves the previous base valid.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from coodiag import levels, settings
from coodiag._io import atomic_dir, clean_leftovers
from coodiag.base import indicator_specs, indicators, store
from coodiag.base import registry as siae
from coodiag.base.communes import build_communes
from coodiag.base.dissolve import dissolve_level
from coodiag.base.reftables import write_reference_tables
from coodiag.mirror.loaders import load
from coodiag.mirror.sync import verify_raw

Progress = Callable[[str], None]

#: The table listing every source row the COG conversion could not place, with its reason.
UNPLACED = "codes_non_rattaches"


@dataclass
class BuildReport:
    """What a build did."""

    skipped: bool
    key: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


#: The code the base is built from: the core modules and the layers up to the base. A change
#: in the layers above (analyses, reports, outputs, faces) never invalidates the cached base.
BUILD_LAYERS = ("mirror", "reference", "base")


def code_fingerprint() -> str:
    """sha256 of the source files the base is built from: their change invalidates the cache."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    files = [p for p in package.glob("*.py") if p.name != "__init__.py"]
    for layer in BUILD_LAYERS:
        files += (package / layer).rglob("*.py")
    for path in sorted(files):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(checksums: dict[str, str]) -> str:
    """The build cache key: inputs' sha256, code fingerprint and COG vintage."""
    payload = json.dumps(
        {"inputs": checksums, "code": code_fingerprint(), "cog": settings.COG_VINTAGE},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _zones(gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Split a WGS84 level into its metric-CRS zones, each reprojected."""
    out = {}
    if "crs_zone" not in gdf.columns:
        return {}
    for zone, part in gdf.groupby("crs_zone", sort=True):
        epsg = settings.CRS_DROM.get(str(zone), settings.CRS_METRO)
        part = part.to_crs(epsg)
        if "point" in part.columns:
            part["point"] = gpd.GeoSeries(part["point"], crs=4326).to_crs(epsg)
        out[str(zone)] = part.reset_index(drop=True)
    return out


def build_tables(progress: Progress | None = None) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Compute every table of the base (pure computation on the loaded sources).

    Returns ``({name: frame}, warnings)``; level frames are GeoDataFrames in WGS84.
    """
    say = progress or (lambda _msg: None)
    warnings: list[str] = []
    # the reference tables come from the mirror, never from an earlier base of this process
    from coodiag.reference import cog, geocode

    geocode.use_reference(None)
    cog.use_reference(None)
    say("Chargement des communes et des zonages")
    cog = load("cog_communes")
    communes = build_communes(
        cog=cog,
        geo=load("communes_geo"),
        points=load("communes_points"),
        departements=load("cog_departements"),
        regions=load("cog_regions"),
        epci=load("epci"),
        ze=load("zones_emploi"),
        clpe=load("clpe"),
        zonages=load("zonages_2024"),
        bmo=load("bassins_bmo"),
        zrr=load("zrr"),
        frr=load("frr_normandie"),
    )
    rebuilt = communes.loc[communes["geometry_source"] != "ADMIN EXPRESS", ["code", "nom"]]
    if len(rebuilt):
        warnings.append(
            f"{len(rebuilt)} communes sans contour ADMIN EXPRESS reconstruites : "
            + ", ".join(f"{c} {n}" for c, n in rebuilt.itertuples(index=False))
        )
    tables: dict[str, pd.DataFrame] = {"communes": communes}
    for level in (lv.table for lv in levels.DISSOLVED):
        say(f"Agrégation : {level}")
        tables[level] = dissolve_level(communes, level, departements=tables.get("departements"))

    say("Registre des SIAE")
    from coodiag.reference.geocode import resolve_communes

    registry, rejets = siae.build_registry(
        emplois=load("siae_emplois_2021"),
        asp=load("siae_asp_2019"),
        geiq=load("geiq"),
        communes=communes,
        resolve=resolve_communes,
    )
    tables["siae"] = registry
    tables["siae_rejets"] = rejets
    unplaced_siae = registry["code_commune"].isna().sum()
    if unplaced_siae:
        warnings.append(
            f"{unplaced_siae} SIAE conservées sans commune (voir « coodiag siae rejets »)."
        )

    say("Indicateurs")
    names = indicator_specs.TABLES
    com_ind, lost_com = indicators.commune_indicators(
        load("rp2021_communes"),
        load("rp2022_iris"),
        load("de_communes"),
        load("zonages_2024"),
        rp2021_france=load("rp2021_communes_france"),
        filosofi_france=load("filosofi_2021_communes"),
        comparateur=load("comparateur_2022"),
        departements=load("dep_indicateurs"),
    )
    de_monthly, lost_de = indicators.job_seekers_monthly(load("de_mensuel"))
    tables[names["commune"]] = com_ind
    ze_raw = load("ze_indicateurs")
    tables[names["ze"]] = indicators.ze_indicators(ze_raw)
    tables[names["france"]] = indicators.france_indicators(ze_raw)
    tables[names["departement"]] = indicators.departement_indicators(load("dep_indicateurs"))
    tables[names["de_mensuel"]] = de_monthly
    tables[names["siae_mensuel"]] = indicators.siae_beneficiaries_monthly(load("barometre_siae"))
    tables[names["metadata"]] = indicators.indicator_metadata()
    say("Besoins en main-d'œuvre 2024 et nomenclatures")
    tables["bmo_2024"] = load("bmo_2024")
    tables["nomenclatures"] = load("nomenclatures")
    unplaced = pd.concat([lost_com, lost_de], ignore_index=True)
    tables[UNPLACED] = unplaced
    if len(unplaced):
        warnings.append(
            f"{len(unplaced)} lignes de sources non rattachées au COG 2025 (voir la table "
            f"{UNPLACED}) : "
            + ", ".join(
                sorted(
                    set(
                        unplaced["code"].astype(str)
                        + " ("
                        + unplaced["reason"].astype(str).str.split(" :").str[0]
                        + ")"
                    )
                )
            )
        )
    return tables, warnings


def build(*, force: bool = False, progress: Progress | None = None) -> BuildReport:
    """Build the base unless it is up to date; return what was done."""
    start = time.perf_counter()
    say = progress or (lambda _msg: None)
    say("Vérification des données brutes")
    checksums = verify_raw()
    key = cache_key(checksums)
    target = store.base_dir()
    # a build killed earlier left its temporary folders: removed even when nothing is rebuilt
    from coodiag.base.display import display_dir

    for folder in (target, display_dir(target)):
        clean_leftovers(folder)
    if not force and (target / store.MANIFEST).exists():
        manifest = store.read_manifest(target)
        if manifest.get("key") == key:
            return BuildReport(True, key, time.perf_counter() - start, manifest["counts"])

    tables, warnings = build_tables(progress)
    meta = {"cog": settings.COG_VINTAGE, "key": key}
    counts: dict[str, int] = {}
    say("Écriture de la base (GeoParquet)")
    with atomic_dir(target) as tmp:
        for name, frame in tables.items():
            counts[name] = len(frame)
            if isinstance(frame, gpd.GeoDataFrame):
                store.write_table(frame, tmp / f"{name}.parquet", {**meta, "crs": "EPSG:4326"})
                for zone, part in _zones(frame).items():
                    crs = f"EPSG:{part.crs.to_epsg()}"
                    store.write_table(part, tmp / f"{name}_{zone}.parquet", {**meta, "crs": crs})
            else:
                store.write_table(frame, tmp / f"{name}.parquet", meta)
        # the geocoding and COG lineage tables, loaded by every process reading a roster
        counts.update(write_reference_tables(tmp, meta))
        manifest = {
            "cog_vintage": settings.COG_VINTAGE,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "key": key,
            "inputs": checksums,
            "counts": counts,
            "warnings": warnings,
        }
        (tmp / store.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    say("Géométries simplifiées pour l'explorateur")
    from coodiag.base.display import build_display_geometries

    build_display_geometries(target)
    return BuildReport(False, key, time.perf_counter() - start, counts, warnings)
