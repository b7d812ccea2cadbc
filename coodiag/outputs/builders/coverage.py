"""The coverage chapter of the diagnosis: need against accessible offer, accessibility."""

from __future__ import annotations

from typing import Any

from coodiag.base.indicators import Indicator
from coodiag.outputs import maps, weblayers
from coodiag.outputs.builders.common import (
    COVERAGE_CLASSES,
    COVERAGE_COLORS,
    NEED_SHORT,
    SRC_SIAE,
)
from coodiag.outputs.document import ExportTable, MapItem, Paragraph, Section, TableItem


def coverage_section(diag: Any, context: Any) -> Section:
    """Coverage classes (need against accessible offer) and accessibility (2SFCA)."""
    m_acc = Indicator(label="Accessibilité à l'offre d'insertion (2SFCA)", vintage="2019-2022",
                      unit="salariés en insertion pour 1 000 chômeurs", source=SRC_SIAE,
                      denominator=NEED_SHORT,
                      method="aire de chalandise flottante à deux étapes, rayon 30 km")
    m_cls = Indicator(label="Classes de couverture", unit="classe", vintage="2019-2022",
                      source=SRC_SIAE + " ; INSEE", method="besoin (chômeurs pour 1 000 "
                      "habitants) et offre (accessibilité) découpés en terciles")
    cov_layer = diag.communes[["code", "nom", "dep", "geometry", "classe", "acces_ensemble",
                               "besoin", "dist_ETTI_km", "dist_ACI_km", "dist_AI_km",
                               "dist_EI_km"]].copy()
    cov_layer["acces_pour_1000"] = 1000 * cov_layer["acces_ensemble"]
    classes_count = cov_layer["classe"].value_counts()
    uncovered = diag.couverture[diag.couverture["classe"] == "besoin sans offre"]
    cov_table = diag.couverture[["code", "nom", "classe", "besoin", "offre", "decile_besoin",
                                 "dist_ACI_km", "dist_AI_km", "dist_EI_km",
                                 "dist_ETTI_km"]].copy()
    for col in ("besoin", "offre", "dist_ACI_km", "dist_AI_km", "dist_EI_km", "dist_ETTI_km"):
        cov_table[col] = cov_table[col].round(1)
    cov_table = cov_table.sort_values(["classe", "besoin"], ascending=[True, False])
    return Section(
        "Couverture du territoire et accessibilité",
        [
            Paragraph(
                "Répartition des communes : " + ", ".join(
                    f"{COVERAGE_CLASSES.get(c, c).lower()} {n}" for c, n in classes_count.items()
                ) + f". {len(uncovered)} commune(s) où le besoin n'est pas couvert."
            ),
            MapItem(
                name="classes_couverture",
                title="Besoin d'insertion et offre accessible",
                figure=lambda: maps.categorical(
                    cov_layer, "classe", categories=COVERAGE_CLASSES, colors=COVERAGE_COLORS,
                    meta=m_cls, context=context,
                    title="Besoin d'insertion et offre accessible",
                ),
                comment=str(diag.couverture.attrs.get("explication", ""))[:900],
                meta=[m_cls],
                layer=cov_layer.drop(columns=["acces_ensemble"]),
            ),
            MapItem(
                name="accessibilite",
                title="Accessibilité à l'offre d'insertion (toutes SIAE)",
                figure=lambda: maps.choropleth(
                    cov_layer, "acces_pour_1000", meta=m_acc, context=context,
                    title="Accessibilité à l'offre d'insertion",
                ),
                comment="Salariés en insertion accessibles (rayon 30 km, 2SFCA) pour 1 000 "
                "chômeurs : la capacité de chaque SIAE est partagée entre les chômeurs de sa "
                "zone d'attraction, puis sommée pour chaque commune.",
                web=lambda m: weblayers.choropleth_layer(
                    m, cov_layer.to_crs(4326), "acces_pour_1000", meta=m_acc
                ),
                meta=[m_acc],
            ),
            TableItem(
                ExportTable(
                    name="Couverture par commune", frame=cov_table.reset_index(drop=True),
                    title="Classes de couverture, besoin, offre et distance à la SIAE la plus "
                    "proche de chaque type",
                    columns={"code": "Code commune", "nom": "Commune", "classe": "Classe",
                             "besoin": "Besoin (chômeurs pour 1 000 hab.)",
                             "offre": "Offre (pour 1 000 chômeurs)",
                             "decile_besoin": "Décile de besoin (France)",
                             "dist_ACI_km": "ACI la plus proche (km)",
                             "dist_AI_km": "AI la plus proche (km)",
                             "dist_EI_km": "EI la plus proche (km)",
                             "dist_ETTI_km": "ETTI la plus proche (km)"},
                    meta=[m_acc, m_cls],
                ),
                max_rows=20,
            ),
        ],
    )

