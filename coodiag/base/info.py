"""What the base holds, as rich tables for ``coodiag info``."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from coodiag import fr, levels
from coodiag.base import store
from coodiag.base.indicators import Indicator
from coodiag.mirror import sources


def _level_label(level: levels.Level) -> str:
    label = level.plural[:1].upper() + level.plural[1:]
    # Zones d'emploi are redrawn (2010, 2020): the zoning's vintage is part of its name.
    return f"{label} 2020" if level is levels.ZONE_EMPLOI else label


#: Base table of each level -> its name in ``coodiag info``, in the order shown.
LEVEL_LABELS = {
    level.table: _level_label(level)
    for level in (
        levels.COMMUNE, levels.ZONE_EMPLOI, levels.EPCI, levels.DEPARTEMENT, levels.REGION
    )
}


def summary(*, detail: bool = False) -> list[Table]:
    """Tables describing the current base: levels, vintages, indicator coverage."""
    manifest = store.read_manifest()
    counts = manifest["counts"]
    by_level = Table(
        title=f"Base territoriale — COG {manifest['cog_vintage']}, "
        f"construite le {manifest['built_at']}"
    )
    by_level.add_column("Niveau")
    by_level.add_column("Unités", justify="right")
    by_level.add_column("Fichiers")
    for level, label in LEVEL_LABELS.items():
        if level in counts:
            by_level.add_row(
                label,
                fr.integer(counts[level]),
                f"{level}.parquet (WGS84) + {level}_<zone>.parquet (métrique)",
            )
    if "siae" in counts:
        rejets = counts.get("siae_rejets", 0)
        by_level.add_row(
            "SIAE (registre)",
            fr.integer(counts["siae"]),
            f"siae.parquet (WGS84) ; {fr.integer(rejets)} lignes signalées : coodiag siae rejets",
        )
    out = [by_level]

    vintages = Table(title="Millésimes des sources")
    vintages.add_column("Source")
    vintages.add_column("Millésime")
    vintages.add_column("Producteur")
    for s in sources.SOURCES:
        if s.loader:
            vintages.add_row(s.title, s.vintage, s.publisher)
    out.append(vintages)

    if "indicateurs_meta" in counts:
        meta = store.read_table("indicateurs_meta")
        coverage = indicator_coverage(meta, counts)
        out.append(_coverage_summary(coverage) if not detail else _coverage_detail(coverage))
    return out


def indicator_coverage(meta: pd.DataFrame, counts: dict[str, int]) -> pd.DataFrame:
    """One row per indicator: its table, key, label, level, vintage, rows with a value, and the
    share of the units of its level in France that have a value."""
    rows = []
    frames: dict[str, pd.DataFrame] = {}
    for row in (Indicator.from_row(r) for _i, r in meta.iterrows()):
        if row.table not in counts:
            continue
        if row.table not in frames:
            frames[row.table] = store.read_table(row.table)
        frame = frames[row.table]
        if row.key in frame.columns:
            filled = int(frame[row.key].notna().sum())
            units = counts.get(_table_of_level(row.level), len(frame))
        else:  # long tables (monthly series): one indicator over the whole table
            filled = int(frame["value"].notna().sum()) if "value" in frame.columns else 0
            units = len(frame)
        rows.append(
            {
                "table": row.table,
                "key": row.key,
                "label": row.label,
                "level": row.level,
                "vintage": row.vintage,
                "filled": filled,
                "units": units,
            }
        )
    return pd.DataFrame(rows)


def _coverage_summary(cov: pd.DataFrame) -> Table:
    table = Table(title="Indicateurs (coodiag info --detail pour le détail)")
    table.add_column("Table", no_wrap=True)
    table.add_column("Niveau")
    table.add_column("Indicateurs", justify="right")
    table.add_column("Unités renseignées")
    for name, group in cov.groupby("table", sort=False):
        filled = group["filled"]
        units = int(group["units"].iloc[0])
        span = (
            f"{fr.integer(filled.min())} à {fr.integer(filled.max())}"
            if filled.min() != filled.max()
            else fr.integer(filled.min())
        )
        table.add_row(
            str(name),
            str(group["level"].iloc[0]),
            str(len(group)),
            f"{span} sur {fr.integer(units)}",
        )
    return table


def _coverage_detail(cov: pd.DataFrame) -> Table:
    table = Table(title="Couverture des indicateurs")
    for col in ("Clé", "Indicateur", "Niveau", "Millésime", "Renseignés", "Couverture"):
        table.add_column(col, justify="right" if col in ("Renseignés", "Couverture") else "left")
    for row in cov.itertuples(index=False):
        table.add_row(
            row.key,
            row.label,
            row.level,
            row.vintage,
            fr.integer(row.filled),
            fr.percent(100 * row.filled / row.units) if row.units else fr.MISSING,
        )
    return table


def _table_of_level(level: str) -> str:
    """The base table of an indicator's ``level`` ("ze" -> "zones_emploi"); "" for a list of
    levels ("commune, departement, region": the long tables)."""
    try:
        return levels.get(level).table
    except KeyError:
        return ""
