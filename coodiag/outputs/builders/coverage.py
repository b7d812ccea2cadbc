"""The coverage chapter of the diagnosis (need against accessible offer, accessibility) and the
coverage map shared with the territory atlas."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
from matplotlib.colors import to_hex, to_rgb

from coodiag import fr
from coodiag.base.indicators import Indicator
from coodiag.outputs import maps, weblayers
from coodiag.outputs.builders.common import (
    COVERAGE_CLASSES,
    COVERAGE_COLORS,
    NEED_SHORT,
    SRC_SIAE,
    territory_siae,
)
from coodiag.outputs.document import ExportTable, MapItem, Paragraph, Section, TableItem
from coodiag.reports.context import COVERAGE_CLASSES as COVERAGE_KEYS
from coodiag.reports.context import COVERAGE_ESTIMATE_MARK as ESTIMATE_MARK

#: The class « accessibilité faible au regard du besoin ».
LOW_ACCESS = COVERAGE_KEYS[0]


def class_shown(frame: pd.DataFrame) -> pd.Series:
    """The class of each commune as published: marked where the need is an estimate."""
    cls = frame["classe"].astype("string")
    if "besoin_estime" not in frame.columns:
        return cls
    flag = frame["besoin_estime"].astype("boolean").fillna(False) & cls.isin(COVERAGE_CLASSES)
    return cls.where(~flag, cls + ESTIMATE_MARK)


def _lighter(color: str) -> str:
    r, g, b = to_rgb(color)
    return to_hex((r + (1 - r) * 0.55, g + (1 - g) * 0.55, b + (1 - b) * 0.55))


def coverage_legend(shown: pd.Series) -> tuple[dict[str, str], dict[str, str]]:
    """Categories (value -> legend label) and colours of the coverage map: one per class, and
    a lighter one per class where some communes have an estimated need."""
    cats, colors = {}, {}
    present = set(shown.dropna())
    for key, label in COVERAGE_CLASSES.items():
        cats[key], colors[key] = label, COVERAGE_COLORS[key]
        if key + ESTIMATE_MARK in present:
            cats[key + ESTIMATE_MARK] = label + ESTIMATE_MARK
            colors[key + ESTIMATE_MARK] = _lighter(COVERAGE_COLORS[key])
    return cats, colors


def class_counts_text(frame: pd.DataFrame) -> str:
    """« Accessibilité faible au regard du besoin 54, ... » in the legend's order."""
    counts = frame["classe"].value_counts()
    parts = [f"{label.lower()} {fr.integer(counts.get(key, 0))}"
             for key, label in COVERAGE_CLASSES.items()]
    other = int(len(frame) - sum(counts.get(k, 0) for k in COVERAGE_CLASSES))
    if other:
        parts.append(f"non classées {fr.integer(other)}")
    return ", ".join(parts)


def thresholds_text(cov: pd.DataFrame) -> str:
    """The reference of the terciles and the threshold values, as the classification wrote
    them (:func:`coodiag.analyses.coverage.classify`)."""
    return str(cov.attrs.get("note_seuils", ""))


def thresholds_subtitle(cov: pd.DataFrame) -> str | None:
    """The map's subtitle: the reference of the terciles and their values, short."""
    ref, s = cov.attrs.get("reference"), cov.attrs.get("seuils")
    if not ref or not s:
        return None
    short = {"territoire": "du territoire étudié", "region": "de la région",
             "france": "de France métropolitaine"}.get(ref["cle"], "de la référence")
    nb, ob = s["besoin"], s["offre"]
    return (f"Terciles {short} ({fr.integer(ref['communes'])} communes) — besoin : "
            f"{fr.number(nb[0], 1)} / {fr.number(nb[1], 1)} ; offre : {fr.number(ob[0], 1)} / "
            f"{fr.number(ob[1], 1)}")


def estimate_text(frame: pd.DataFrame) -> str:
    """How many communes have an estimated need (their class says so), or that none has."""
    n = int(frame["besoin_estime"].fillna(False).sum()) if "besoin_estime" in frame else 0
    if not n:
        return "Besoin mesuré pour chaque commune (chômeurs du recensement 2021)."
    return (f"Besoin estimé pour {fr.integer(n)} commune(s) sans chômeurs recensés : leur "
            f"classe porte la mention « {ESTIMATE_MARK.strip(' ()')} » (teinte plus claire "
            "sur la carte).")


def classes_indicator(cov: pd.DataFrame) -> Indicator:
    """The indicator of the coverage classes, with the reference and thresholds."""
    return Indicator(
        label="Classes de couverture", unit="classe", vintage="2019-2022",
        source=SRC_SIAE + " ; INSEE",
        method="besoin (chômeurs pour 1 000 habitants) et offre (accessibilité 2SFCA) "
        "découpés en terciles. " + thresholds_text(cov),
    )


def coverage_map(layer: gpd.GeoDataFrame, cov: pd.DataFrame, context: Any, *,
                 name: str = "classes_couverture", towns: Any = None,
                 points: Any = None) -> MapItem:
    """The map of the coverage classes (``layer``: ``classe``[, ``besoin_estime``]); ``cov``
    the classification (its attrs give the reference and the thresholds); ``towns`` the
    communes whose main towns are named, ``points`` the SIAE drawn over it."""
    shown = layer.copy()
    shown["classe"] = class_shown(layer)
    cats, colors = coverage_legend(shown["classe"])
    m_cls = classes_indicator(cov)
    title = "Besoin d'insertion et offre accessible"
    comment = " ".join(t for t in (thresholds_text(cov), estimate_text(layer),
                                   str(cov.attrs.get("regles", ""))) if t)
    return MapItem(
        name=name,
        title=title,
        figure=lambda: maps.categorical(shown, "classe", categories=cats, colors=colors,
                                        meta=m_cls, context=context, title=title,
                                        subtitle=thresholds_subtitle(cov), towns=towns,
                                        points=points),
        comment=comment,
        meta=[m_cls],
        layer=shown,
    )


def coverage_section(diag: Any, context: Any) -> Section:
    """Coverage classes (need against accessible offer) and accessibility (2SFCA)."""
    m_acc = Indicator(label="Accessibilité à l'offre d'insertion (2SFCA)", vintage="2019-2022",
                      unit="salariés en insertion pour 1 000 chômeurs", source=SRC_SIAE,
                      denominator=NEED_SHORT,
                      method="aire de chalandise flottante à deux étapes, rayon 30 km")
    cov = diag.couverture
    keep = ["code", "nom", "dep", "geometry", "classe", "acces_ensemble", "besoin",
            "besoin_estime", "dist_ETTI_km", "dist_ACI_km", "dist_AI_km", "dist_EI_km"]
    cov_layer = diag.communes[[c for c in keep if c in diag.communes.columns]].copy()
    cov_layer["acces_pour_1000"] = 1000 * cov_layer["acces_ensemble"]
    uncovered = cov[cov["classe"] == LOW_ACCESS]
    cols = ["code", "nom", "classe", "besoin", "besoin_estime", "offre", "decile_besoin",
            "dist_ACI_km", "dist_AI_km", "dist_EI_km", "dist_ETTI_km"]
    cov_table = cov[[c for c in cols if c in cov.columns]].copy()
    cov_table["classe"] = class_shown(cov)
    if "besoin_estime" in cov_table:
        cov_table["besoin_estime"] = cov_table["besoin_estime"].map(
            lambda v: "oui" if v is True or v == 1 else "non")
    for col in ("besoin", "offre", "dist_ACI_km", "dist_AI_km", "dist_EI_km", "dist_ETTI_km"):
        cov_table[col] = cov_table[col].round(1)
    cov_table = cov_table.sort_values(["classe", "code"])
    siae_in = territory_siae(diag.offre, diag.communes)
    cov_map = coverage_map(cov_layer.drop(columns=["acces_ensemble"]), cov, context,
                           towns=diag.communes, points=siae_in)
    return Section(
        "Couverture du territoire et accessibilité",
        [
            cov_map,
            Paragraph(
                f"Répartition des communes : {class_counts_text(cov)}. "
                f"{fr.integer(len(uncovered))} commune(s) à l'accessibilité faible au regard "
                f"du besoin. {thresholds_text(cov)} {estimate_text(cov)}"
            ),
            MapItem(
                name="accessibilite",
                title="Accessibilité à l'offre d'insertion (toutes SIAE)",
                figure=lambda: maps.choropleth(
                    cov_layer, "acces_pour_1000", meta=m_acc, context=context,
                    title="Accessibilité à l'offre d'insertion", towns=diag.communes,
                    points=siae_in,
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
                             "besoin_estime": "Besoin estimé",
                             "offre": "Offre (pour 1 000 chômeurs)",
                             "decile_besoin": "Décile de besoin (France)",
                             "dist_ACI_km": "ACI la plus proche (km)",
                             "dist_AI_km": "AI la plus proche (km)",
                             "dist_EI_km": "EI la plus proche (km)",
                             "dist_ETTI_km": "ETTI la plus proche (km)"},
                    meta=[m_acc, classes_indicator(cov)],
                ),
                comment="Classes de couverture : seuils et définitions sous la carte des classes.",
                max_rows=12,
            ),
        ],
    )
