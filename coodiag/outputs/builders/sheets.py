"""Sheets of the workbook that have no table on the page: the key figures, the préconisations
and the commune (or zone d'emploi) -> class table of each typology, so that a reader can reuse
them in a spreadsheet (:attr:`coodiag.outputs.document.AtlasDocument.extra_tables`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from coodiag.base.indicators import Indicator
from coodiag.outputs.document import ExportTable

#: The key-figure columns that are not territory levels.
META_COLUMNS = ("indicateur", "unite", "source", "millesime")


def key_figures_sheet(frame: pd.DataFrame) -> ExportTable:
    """« Chiffres clés »: one row per figure, one numeric column per level."""
    known = {Indicator.from_row(i).label: Indicator.from_row(i)
             for i in frame.attrs.get("indicateurs", [])}
    levels = [c for c in frame.columns if c not in META_COLUMNS]
    out = frame[[*[c for c in META_COLUMNS if c in frame.columns], *levels]].copy()
    return ExportTable(
        name="Chiffres clés", frame=out.reset_index(drop=True),
        title="Chiffres clés du territoire et de ses niveaux de comparaison",
        columns={"indicateur": "Indicateur", "unite": "Unité", "source": "Source",
                 "millesime": "Millésime"},
        meta=[_row_indicator(r, known) for _, r in frame.iterrows()],
    )


def _row_indicator(row: pd.Series, known: dict[str, Indicator]) -> Indicator:
    """The indicator of a key-figure row: the one the table declares (numerator,
    denominator...) with the row's own source line, else one described by the row."""
    described = {"label": str(row["indicateur"]), "unit": str(row.get("unite", "") or ""),
                 "source": str(row.get("source", "") or ""),
                 "vintage": str(row.get("millesime", "") or "")}
    declared = known.get(described["label"])
    if declared is None:
        return Indicator(**described)
    return Indicator.from_row({**declared.as_dict(), **described})


def recommendations_sheet(recommendations: list[Any]) -> ExportTable | None:
    """« Préconisations »: priority, theme, finding with its rows, what to consider, why."""
    if not recommendations:
        return None
    rows = [{
        "priorite": r.priorite, "theme": r.theme,
        "constat": r.texte + (" : " + " ; ".join(r.liste) if r.liste else ""),
        "a_envisager": r.a_envisager, "raison": r.raison,
    } for r in recommendations]
    return ExportTable(
        name="Préconisations", frame=pd.DataFrame(rows),
        title="Préconisations tirées des résultats (1 : priorité haute)",
        columns={"priorite": "Priorité", "theme": "Thème", "constat": "Constat",
                 "a_envisager": "À envisager", "raison": "Pourquoi"},
        meta=[Indicator(label="Préconisations", unit="règles appliquées aux résultats",
                        source="coodiag, règles de préconisation")],
    )


def typology_sheet(result: Any, units: pd.DataFrame, *, name: str, title: str,
                   unit_label: str, meta: Indicator) -> ExportTable:
    """The class of each unit of ``units`` (``code, nom``) in a typology result (``classes``:
    code -> class, ``names``: class -> name)."""
    classes = result.classes.astype(str)
    out = units[["code", "nom"]].drop_duplicates("code").copy()
    out["classe"] = out["code"].astype(str).map(classes)
    out = out[out["classe"].notna()]
    names = {str(k): v for k, v in result.names.items()}
    out["nom_classe"] = out["classe"].map(names)
    out = out.sort_values(["classe", "code"]).reset_index(drop=True)
    return ExportTable(
        name=name, frame=out, title=title,
        columns={"code": f"Code {unit_label}", "nom": unit_label.capitalize(),
                 "classe": "Classe", "nom_classe": "Nom de la classe"},
        meta=[meta],
    )


def coverage_sheet(communes: pd.DataFrame, meta: Indicator) -> ExportTable:
    """« Classes de couverture »: the coverage class of every commune (``code, nom, classe``
    and, when present, ``besoin``, ``offre``), by class then code."""
    cols = [c for c in ("code", "nom", "classe", "besoin", "offre") if c in communes.columns]
    out = communes[cols].copy()
    out = out.sort_values(["classe", "code"], na_position="last").reset_index(drop=True)
    return ExportTable(
        name="Classes de couverture", frame=out,
        title="Classe de couverture de chaque commune : besoin d'insertion et offre accessible",
        columns={"code": "Code commune", "nom": "Commune", "classe": "Classe",
                 "besoin": "Besoin (chômeurs pour 1 000 hab.)",
                 "offre": "Offre (pour 1 000 chômeurs)"},
        meta=[meta], decimals={"besoin": 1, "offre": 1},
    )


def workbook_sheets(key_figures: pd.DataFrame, recommendations: list[Any],
                    typologies: dict[str, Any], communes: pd.DataFrame,
                    zones: pd.DataFrame, *, coverage: pd.DataFrame | None = None,
                    coverage_meta: Indicator | None = None) -> list[ExportTable]:
    """The extra sheets of an atlas: key figures, préconisations, the class of each
    commune (typology of the elderly) and zone d'emploi (typology of the offer), and the
    coverage class of each commune (``coverage``: the atlas's communes with ``classe``)."""
    sheets = [key_figures_sheet(key_figures)]
    recos = recommendations_sheet(list(recommendations or []))
    if recos is not None:
        sheets.append(recos)
    elderly = typologies.get("personnes_agees")
    if elderly is not None:
        sheets.append(typology_sheet(
            elderly, communes, name="Classes des communes", unit_label="commune",
            title="Classe de chaque commune : typologie selon la sociologie des personnes âgées",
            meta=Indicator(label="Typologie des communes selon la sociologie des personnes "
                           "âgées", unit="classe", source="INSEE, RP 2022 (IRIS), Filosofi 2021",
                           vintage="2021-2022", method=str(elderly.attrs.get("methode", ""))),
        ))
    offer = typologies.get("zones")
    if offer is not None:
        sheets.append(typology_sheet(
            offer, zones, name="Classes des zones d'emploi", unit_label="zone d'emploi",
            title="Classe de chaque zone d'emploi : typologie selon l'offre d'insertion",
            meta=Indicator(label="Typologie des zones d'emploi selon l'offre d'insertion",
                           unit="classe", source="registre des SIAE ; INSEE ; France Travail",
                           method=str(offer.attrs.get("methode", ""))),
        ))
    if coverage is not None and "classe" in coverage.columns and coverage_meta is not None:
        sheets.append(coverage_sheet(coverage, coverage_meta))
    return sheets
