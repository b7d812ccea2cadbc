"""The explorer's map: the thematic layer chosen in the side panel (indicator, coverage,
accessibility, typology) over the territory's communes, the SIAE markers on top, written as a
self-contained offline page (:func:`build_map`, cached per choice by :func:`cached_map`)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from coodiag import fr, levels
from coodiag.analyses import access, offer
from coodiag.base import display
from coodiag.base.indicators import Indicator
from coodiag.errors import CoodiagError
from coodiag.explorer import components as explorer
from coodiag.explorer import (
    data,
    export,
    overseas,
    piles,
    pngexport,
    reseau_colors,
    surfacelayer,
)
from coodiag.outputs import palettes, weblayers, webmap
from coodiag.outputs.builders import COVERAGE_COLORS
from coodiag.outputs.exports.checks import slugify

MAP_HEIGHT = 700
LAYERS = ["Indicateur", "Couverture (besoin / offre)", "Accessibilité", "Typologie", "Aucune"]
ACCESS_TYPES = {access.ALL: "toutes les structures", **{t: t for t in access.TYPES_SIAE}}
ADDITIVE_UNITS = {"personnes", "établissements", "ménages", "logements", "emplois", "communes",
                  "structures", "salariés en insertion"}
COVERAGE_ORDER = dict(COVERAGE_COLORS)


def filtered_siae(reg: pd.DataFrame, codes: set[str] | None, types: list[str],
                  reseaux: list[str]):
    """The structures of the communes ``codes`` (``None``: everywhere) with the filters."""
    out = reg if codes is None else reg[data.among(reg["code_commune"], codes)]
    out = out[data.among(out["type_siae"], types)]
    if reseaux:
        wanted = set(reseaux)
        out = out[[bool(wanted & set(r)) for r in out["reseaux"]]]
    return out


def level_values(spec: str, level: str, units: pd.DataFrame, siae_pts: pd.DataFrame,
                 communes: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """Values of the indicator ``spec`` for the units of ``level`` (index: unit code), or
    (None, reason in French)."""
    b = data.base()
    ind = b["indicators"][spec]
    col = display.LEVELS[level]
    if ind.table == "offre":
        lv = levels.get(level)
        lvl = "commune" if lv is levels.COMMUNE else lv.prefix
        dens = offer.denominators(b["communes"], b["ind"], by=col)
        weight = offer.offer_by_territory(siae_pts, level=lvl, denominators=dens)
        values = weight.set_index("code")[ind.key].reindex(units["code"].astype(str))
        if ind.key in ("n_siae", "capacite"):
            values = values.fillna(0)
        else:  # no SIAE: capacity 0 where the denominator is known
            den = dens.get(ind.key.rsplit("_", 1)[1])
            if den is not None:
                zero = den.reindex(values.index)
                values = values.where(values.notna(), (zero * 0).where(zero > 0))
        return values, ""
    if ind.table == "indicateurs_zones_emploi":
        if level != levels.ZONE_EMPLOI.table:
            return None, "Indicateur publié par zone d'emploi : choisissez le niveau « Zones " \
                         "d'emploi »."
        return b["ze_ind"].set_index("code")[ind.key].reindex(units["code"]), ""
    by_commune = b["ind"].set_index("code")[ind.key]
    if level == levels.COMMUNE.table:
        return by_commune.reindex(units["code"]), ""
    if ind.unit not in ADDITIVE_UNITS:
        return None, ("Ce taux n'est disponible que par commune (il ne s'additionne pas) : "
                      "choisissez le niveau « Communes ».")
    frame = pd.DataFrame({"unit": b["communes"][col].to_numpy(),
                          "v": b["communes"]["code"].map(by_commune).to_numpy()})
    grouped = frame.groupby("unit")["v"]
    total = grouped.sum(min_count=1).where(grouped.apply(lambda s: s.notna().all()))
    return total.reindex(units["code"]), ""


def build_map(params: dict, siae_pts: gpd.GeoDataFrame) -> tuple[str, dict]:
    """The map page (HTML) and what to print under it."""
    b = data.base()
    prefix, code = params["prefix"], params["code"]
    communes = data.territory_communes(prefix, code)
    national = prefix == data.FRANCE
    regs = data.territory_regions(communes, prefix)
    precision, canvas = (4, True) if national else (5, False)
    com_geo = data.display_layer(levels.COMMUNE.table, regs)
    com_geo = com_geo[data.among(com_geo["code"], set(communes["code"]))].reset_index(drop=True)
    info: dict = {"notes": []}
    framed = com_geo
    if national:  # the mainland view (the DROM are on the map, reached by moving it)
        metro = set(communes.loc[communes["crs_zone"] == "metro", "code"])
        framed = com_geo[data.among(com_geo["code"], metro)]
        info["notes"].append("Vue cadrée sur la France métropolitaine : les boutons « Aller "
                             "à » de la carte montrent chaque département d'outre-mer (ou "
                             "choisissez sa région dans « Territoire »).")
    m = webmap.offline_map(bounds=explorer.bounds_of(framed), height=f"{MAP_HEIGHT - 10}px",
                           title=f"coodiag — {data.territory_label(prefix, code)}")
    if national:
        info["overseas"] = overseas.add_selector(m, com_geo, communes)
    if params["tiles"]:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap (en ligne)", overlay=False,
                         control=False).add_to(m)
    layer = params["layer"]
    if params.get("surface"):  # the accessibility surface replaces the thematic background
        surfacelayer.add_to_map(m, params, com_geo, info, precision=precision, canvas=canvas)
        layer = "Aucune"
    capacite = data.upload_data("capacite")
    if layer == "Indicateur":
        level = params["map_level"]
        spec = params["indicator"]
        if level == levels.COMMUNE.table:
            units = com_geo
        else:
            col = display.LEVELS[level]
            units = data.display_layer(level, regs)
            units = units[data.among(units["code"], set(communes[col].dropna()))]
            units = units.reset_index(drop=True)
        unit_pts = siae_pts
        if level != levels.COMMUNE.table:
            unit_pts = _whole_units(params, units, level, communes, info)
        values, reason = level_values(spec, level, units, unit_pts, communes)
        if values is None:
            info["notes"].append(reason)
        else:
            meta = b["indicators"][spec]
            shown = units.assign(valeur=values.to_numpy())
            _layer, cl = explorer.choropleth(
                m, shown, "valeur", meta=meta, scheme=params["scheme"], k=params["k"],
                level=level, precision=precision, canvas=canvas,
            )
            info["indicator"] = meta
            info["classes"] = list(zip(cl.ranges, cl.counts, strict=True))
            info["nodata"] = cl.nodata_label
            info["scheme"] = cl.scheme_label
            if national:
                info["notes"].append(overseas.missing_note(
                    pd.Series(values.to_numpy(), index=units["code"]), level, communes))
            _view_table(info, shown, {meta.key: values.tolist()}, [meta], meta.label,
                        {meta.key: f"{meta.label} ({meta.unit})"})
    elif layer == "Couverture (besoin / offre)":
        cov = data.coverage(capacite, params["access_type"], prefix, code)
        shown = com_geo.merge(cov[["code", "classe", "besoin", "offre"]], on="code",
                              how="left")
        explorer.categorical(
            m, shown, "classe", COVERAGE_ORDER,
            title=f"Couverture ({ACCESS_TYPES[params['access_type']]})",
            note="Besoin : chômeurs pour 1 000 habitants ; offre : accessibilité 2SFCA. "
                 + str(cov.attrs.get("note_seuils", "")),
            precision=precision, canvas=canvas,
        )
        info["notes"].append(cov.attrs.get("explication", ""))
        if national:
            info["notes"].append(overseas.missing_note(
                shown.set_index("code")["classe"], levels.COMMUNE.table, communes,
                shown_as="en gris"))
        info["coverage"] = shown["classe"].value_counts()
        _view_table(info, shown, {c: shown[c].tolist() for c in ("besoin", "offre", "classe")},
                    cov.attrs.get("indicateurs") or [], "Classes de couverture",
                    {"besoin": "Besoin", "offre": "Offre à portée", "classe": "Classe"})
    elif layer == "Accessibilité":
        acc = data.accessibility(capacite)
        col = f"acces_{params['access_type']}_pour_1000"
        shown = com_geo.merge(acc[["code", col]], on="code", how="left")
        meta = Indicator(
            label=f"Accessibilité ({ACCESS_TYPES[params['access_type']]})",
            unit="salariés en insertion pour 1 000 chômeurs",
            source=access.SRC_REGISTRY, vintage="SIAE 2019-2021, RP 2021-2022",
            numerator="salariés en insertion des structures à portée (2SFCA)",
            denominator="1 000 chômeurs de 15-64 ans (estimés hors Normandie et "
                        "Île-de-France)",
        )
        _layer, cl = explorer.choropleth(m, shown, col, meta=meta, scheme=params["scheme"],
                                         k=params["k"], precision=precision, canvas=canvas)
        info["indicator"] = meta
        info["classes"] = list(zip(cl.ranges, cl.counts, strict=True))
        info["nodata"] = cl.nodata_label
        info["scheme"] = cl.scheme_label
        if national:
            info["notes"].append(overseas.missing_note(
                shown.set_index("code")[col], levels.COMMUNE.table, communes))
        _view_table(info, shown, {col: shown[col].tolist()}, [replace(meta, key=col)],
                    meta.label, {col: f"{meta.label} ({meta.unit})"})
        info["notes"].append(
            "Accessibilité 2SFCA : capacité des structures dans un rayon de 30 km (20 km pour "
            "les AI) partagée entre les chômeurs à portée. Chômeurs estimés hors Normandie et "
            "Île-de-France ; capacités estimées (moyenne nationale du type) sans fichier.")
    elif layer == "Typologie":
        try:
            if params["typology"] == "ze":
                typo = data.typology_ze(capacite)
                units = data.display_layer(levels.ZONE_EMPLOI.table, regs)
                zones = set(communes[levels.ZONE_EMPLOI.code].dropna())
                units = units[data.among(units["code"], zones)]
                lvl = levels.ZONE_EMPLOI.table
                title = "Typologie des zones d'emploi (offre d'insertion)"
            else:
                typo = data.typology_communes(prefix, code)
                units, lvl = com_geo, levels.COMMUNE.table
                title = "Typologie des communes (personnes âgées)"
            shown = units.merge(typo, on="code", how="left").reset_index(drop=True)
            cats = sorted(typo["classe"].dropna().unique())
            hues = palettes.QUALITATIVE
            colors = {c: hues[i % len(hues)] for i, c in enumerate(cats)}
            explorer.categorical(m, shown, "classe", colors, title=title, level=lvl,
                                 note="ACP puis classification ascendante hiérarchique (Ward).",
                                 precision=precision, canvas=canvas)
            _view_table(info, shown, {"classe": shown["classe"].tolist()}, [], title,
                        {"classe": "Classe"})
        except (ValueError, CoodiagError, KeyError) as exc:
            info["notes"].append(f"Typologie indisponible pour ce territoire : {exc}")
    if len(siae_pts):
        pts = siae_pts.copy()
        pts["Réseaux"] = [", ".join(r) for r in pts["reseaux"]]
        pts["Capacité"] = [
            f"{fr.number(c)} salariés{' (estimation)' if e else ''}" if pd.notna(c)
            else fr.MISSING
            for c, e in zip(pts["capacite"], pts["capacite_estimee"], strict=True)
        ]
        by, colors, title = "type_siae", None, "Structures d'insertion (SIAE)"
        if params.get("by_reseau"):  # one colour per réseau (membership file imported)
            by, title = reseau_colors.COLUMN, reseau_colors.TITLE
            pts[by] = reseau_colors.category(pts["reseaux"], params["reseaux"])
            colors = reseau_colors.colors(pts[by])
        weblayers.points_layer(
            m, pts, size="capacite", estimated="capacite_estimee", size_label="salariés",
            popup_fields=("nom", "type_siae", "adresse", "commune", "siret", "Capacité",
                          "Réseaux"),
            attribution=f"Structures : {access.SRC_REGISTRY}", by=by, colors=colors,
            title=title,
        )
        piles.pile_counts(m, pts)
    what = info.get("title") or (info["indicator"].label if info.get("indicator") is not None
                                 else layer)
    title = f"{data.territory_label(prefix, code)} — {what}"
    m.add_child(pngexport.PngButton(title, slugify(f"coodiag {title}")[:80],
                                    legends=[surfacelayer.png_legend(info)]))
    folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    m._coodiag_layer_control = True  # collapsed: the expanded one hides the territory
    page = webmap.render_html(m)
    if not params["tiles"]:
        webmap.assert_offline(page)
    info["bytes"] = len(page.encode("utf-8"))
    return page, info


def _whole_units(params: dict, units: pd.DataFrame, level: str, communes: pd.DataFrame,
                 info: dict) -> pd.DataFrame:
    """The structures (filters applied) of the whole units drawn: an EPCI or a zone that goes
    beyond the territory is drawn whole, so its values count all its structures (noted)."""
    b = data.base()
    col = display.LEVELS[level]
    inside = set(units["code"])
    all_communes = b["communes"][data.among(b["communes"][col], inside)]
    outside = ~data.among(all_communes["code"], set(communes["code"]))
    n_out = all_communes.loc[outside, col].nunique()
    if n_out:
        lv = levels.get(level)
        info["notes"].append(
            f"{n_out} {lv.singular if n_out == 1 else lv.plural} "
            f"{'dépasse' if n_out == 1 else 'dépassent'} le territoire : "
            f"{'sa valeur est calculée' if n_out == 1 else 'leurs valeurs sont calculées'} "
            "sur toutes leurs communes et leurs structures (filtres appliqués).")
    reg = data.registry_with(data.upload_data("capacite"), data.upload_data("reseaux"))
    return filtered_siae(reg, set(all_communes["code"]), params["types"], params["reseaux"])


def _view_table(info: dict, units: pd.DataFrame, values: dict, meta: list, title: str,
                columns: dict) -> None:
    """What « Télécharger les valeurs » writes (:mod:`coodiag.explorer.export`)."""
    info["table"] = export.frame_of(units, values)
    info["table_meta"] = list(meta)
    info["table_title"] = title
    info["table_columns"] = {"code": "Code", "nom": "Nom", **columns}


def map_key(params: dict, siae_pts: pd.DataFrame, capacite: pd.DataFrame | None = None,
            membership: pd.DataFrame | None = None) -> tuple:
    """The key of :func:`cached_map` for the view ``params`` (the side panel's choices), the
    structures shown and the files imported: built here by the page and by the warm-up at
    server start (:mod:`coodiag.explorer.warmup`), so that both fill the same cache entry."""
    return (params["prefix"], params["code"], tuple(params["types"]), tuple(params["reseaux"]),
            params["layer"], params["map_level"], params["indicator"], params["scheme"],
            params["k"], params["access_type"], params["typology"], params["tiles"],
            sirets_digest(siae_pts), data.fingerprint(capacite), data.fingerprint(membership),
            params["by_reseau"], params["surface"], params["surface_type"])


def sirets_digest(siae_pts: pd.DataFrame) -> str:
    """The structures shown, in the cache key: a digest of their SIRETs in order (Streamlit
    hashed France's 3,900 SIRETs one by one, 0.2 s per page)."""
    text = "\n".join(str(s) for s in siae_pts["siret"].tolist())
    return f"{len(siae_pts)}:{hashlib.blake2b(text.encode('utf-8'), digest_size=16).hexdigest()}"


@st.cache_data(show_spinner="Préparation de la carte…", max_entries=32)
def cached_map(key: tuple, _params: dict, _siae_pts: gpd.GeoDataFrame) -> tuple[str, dict]:
    return build_map(_params, _siae_pts)


def show_map(page: str, height: int) -> None:
    """Embed a self-contained map page (``st.iframe`` where available)."""
    if hasattr(st, "iframe"):
        st.iframe(page, height=height)
    else:  # Streamlit < 1.50
        import streamlit.components.v1 as components

        components.html(page, height=height)
