"""Export of the map's current view: the values of the units drawn, as CSV and XLSX, written by
the atlas exporters (:mod:`coodiag.outputs.exports`: same cells, same « Sources » sheet, the
indicator's label, unit, source and vintage), built when the button is clicked."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports.checks import slugify
from coodiag.outputs.exports.csv import write_csv
from coodiag.outputs.exports.xlsx import write_xlsx

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def view_table(info: dict, territory: str) -> ExportTable | None:
    """The table of the view (``info`` from :func:`coodiag.explorer.mapview.build_map`)."""
    frame = info.get("table")
    if frame is None or not len(frame):
        return None
    meta = info.get("table_meta")
    return ExportTable(
        name="Carte",
        frame=frame.reset_index(drop=True),
        title=f"{info.get('table_title', 'Valeurs de la carte')} — {territory}",
        columns=info.get("table_columns"),
        meta=list(meta) if meta else [],
    )


def file_bytes(table: ExportTable, kind: str, title: str) -> bytes:
    """The CSV (``kind="csv"``) or XLSX (``"xlsx"``) of ``table``, written in a temporary
    folder (deleted) by the atlas exporters."""
    with tempfile.TemporaryDirectory(prefix="coodiag-export-") as tmp:
        path = Path(tmp) / f"carte.{kind}"
        if kind == "csv":
            write_csv(table, path)
        else:
            write_xlsx([table], path, title=title)
        return path.read_bytes()


def buttons(info: dict, territory: str) -> None:
    """« Télécharger les valeurs (CSV / XLSX) » under the map (files made on click)."""
    table = view_table(info, territory)
    if table is None:
        return
    stem = slugify(f"coodiag {territory} {info.get('table_title', 'carte')}")[:80]
    title = f"coodiag — {table.title}"
    c1, c2, _ = st.columns(3)
    c1.download_button("Valeurs de la carte (CSV)", lambda: file_bytes(table, "csv", title),
                       file_name=f"{stem}.csv", mime="text/csv", key="dl_view_csv",
                       on_click="ignore")
    c2.download_button("Valeurs de la carte (XLSX)", lambda: file_bytes(table, "xlsx", title),
                       file_name=f"{stem}.xlsx", mime=XLSX_MIME, key="dl_view_xlsx",
                       on_click="ignore")


def frame_of(units: pd.DataFrame, values: dict[str, list]) -> pd.DataFrame:
    """Code and name of the units drawn, then ``values`` (column -> values, in unit order)."""
    out = pd.DataFrame({"code": units["code"].astype(str).to_numpy(),
                        "nom": units["nom"].astype(str).to_numpy()
                        if "nom" in units.columns else [""] * len(units)})
    for col, vals in values.items():
        out[col] = list(vals)
    return out
