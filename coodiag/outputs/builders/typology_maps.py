"""The map of the typology of the zones d'emploi in the diagnosis of one SIAE: the zones of
its région coloured by their class of the national typology (like the communes' typology)."""

from __future__ import annotations

from typing import Any

from coodiag import fr
from coodiag.base.indicator_specs import JOB_SEEKERS, JOB_SEEKERS_DATE
from coodiag.base.indicators import Indicator
from coodiag.outputs import maps
from coodiag.outputs.document import MapItem


def zone_typology_map(diag: Any, result: Any, context: Any) -> MapItem | None:
    """The zones d'emploi of the structure's région (``diag.zones_geo``) by class of
    ``result`` (the national typology of the zones), or None without their geometries."""
    zones = getattr(diag, "zones_geo", None)
    if zones is None or not len(zones):
        return None
    layer = zones[["code", "nom", "geometry"]].copy()
    layer["classe"] = layer["code"].map(result.classes.astype(str))
    if "ze2020" in diag.communes.columns:  # the GeoPackage flags the zones of the région only
        layer["hors_territoire"] = ~layer["code"].astype(str).isin(
            set(diag.communes["ze2020"].astype(str)))
    names = {str(k): f"{k}. {v}" for k, v in result.names.items()}
    meta = Indicator(label="Typologie des zones d'emploi selon l'offre d'insertion",
                     unit="classe", source=f"registre des SIAE ; INSEE ; {JOB_SEEKERS}",
                     vintage=f"SIAE 2019-2021 ; INSEE RP 2022 ; demandeurs d'emploi : "
                     f"{JOB_SEEKERS_DATE}", method=str(result.attrs.get("methode", "")))
    zone = fr.de(str(diag.structure["ze_nom"]))
    return MapItem(
        name="typologie_zones",
        title="Typologie des zones d'emploi de la région : l'offre d'insertion",
        figure=lambda: maps.categorical(
            layer, "classe", categories=names, meta=meta, context=context,
            level="zones_emploi", title="Zones d'emploi de la région selon l'offre d'insertion",
            subtitle=f"La structure est dans la zone d'emploi {zone}",
        ),
        comment="Classes calculées sur les 287 zones d'emploi métropolitaines (ACP puis "
        "classification ascendante hiérarchique) ; la carte montre celles de la région de la "
        "structure.",
        meta=[meta],
        layer=layer,
    )
