"""What the base holds, as rich tables for ``coodiag info``."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from coodiag.base import store
from coodiag.mirror import sources

LEVEL_LABELS = {
    "communes": "Communes",
    "zones_emploi": "Zones d'emploi 2020",
    "epci": "EPCI",
    "departements": "Départements",
    "regions": "Régions",
}


def _fmt(n: float) -> str:
    return f"{n:,.0f}".replace(",", "\u202f")


def summary(*, detail: bool = False) -> list[Table]:
    """Tables describing the current base: levels, vintages, indicator coverage."""
    manifest = store.read_manifest()
    counts = manifest["counts"]
    levels = Table(
        title=f"Base territoriale — COG {manifest['cog_vintage']}, "
        f"construite le {manifest['built_at']}"
    )
    levels.add_column("Niveau")
    levels.add_column("Unités", justify="right")
    levels.add_column("Fichiers")
    for level, label in LEVEL_LABELS.items():
        if level in counts:
            levels.add_row(
                label,
                _fmt(counts[level]),
                f"{level}.parquet (WGS84) + {level}_<zone>.parquet (métrique)",
            )
    if "siae" in counts:
        rejets = counts.get("siae_rejets", 0)
        levels.add_row(
            "SIAE (registre)",
            _fmt(counts["siae"]),
            f"siae.parquet (WGS84) ; {_fmt(rejets)} lignes signalées : coodiag siae rejets",
        )
    out = [levels]

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
    for row in meta.itertuples(index=False):
        if row.table not in counts:
            continue
        if row.table not in frames:
            frames[row.table] = store.read_table(row.table)
        frame = frames[row.table]
        if row.key in frame.columns:
            filled = int(frame[row.key].notna().sum())
            units = counts.get(_LEVEL_OF.get(row.level, ""), len(frame))
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
            f"{_fmt(filled.min())} à {_fmt(filled.max())}"
            if filled.min() != filled.max()
            else _fmt(filled.min())
        )
        table.add_row(
            str(name),
            str(group["level"].iloc[0]),
            str(len(group)),
            f"{span} sur {_fmt(units)}",
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
            _fmt(row.filled),
            f"{100 * row.filled / row.units:.1f} %" if row.units else "–",
        )
    return table


_LEVEL_OF = {
    "commune": "communes",
    "ze": "zones_emploi",
    "departement": "departements",
    "region": "regions",
    "epci": "epci",
}
