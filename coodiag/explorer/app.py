"""coodiag — explorateur cartographique de l'IAE (Streamlit).

Lancement : ``coodiag explorer`` ou ``streamlit run app.py``. Fonctionne hors ligne : Leaflet est
inclus dans la page de la carte (aucun CDN), pas de fond de carte par défaut. Les fichiers
importés restent en mémoire pour la session (ils ne passent sur le disque que dans un dossier
temporaire le temps de leur lecture).

The map is drawn with ``st.components.v1.html(render_html(m))`` (a self-contained page checked
by :func:`coodiag.outputs.webmap.assert_offline`) rather than ``st_folium``: selecting a SIAE
or a commune happens in the side panel (searchable select boxes), and the map popups show the
details. This file is the page (layout, widgets, flow); the rest of the explorer:

- :mod:`coodiag.explorer.data`: cached loaders, territories, the session's uploads;
- :mod:`coodiag.explorer.mapview`: the map and its thematic layer;
- :mod:`coodiag.explorer.panels`: the side panel and the notes under the map;
- :mod:`coodiag.explorer.tabs`: the « Scénario » and « Vos fichiers » tabs;
- :mod:`coodiag.explorer.components`: the non-UI parts (compact layers, legends, reading an
  upload, the ``coodiag explorer`` command);
- :mod:`coodiag.explorer.overseas`: « France entière », the « Aller à » buttons to each
  overseas département and where an indicator has no value there;
- :mod:`coodiag.explorer.reseau_colors`: one colour per réseau on the SIAE layer;
- :mod:`coodiag.explorer.sidebyside`: two maps side by side, moves and zooms synchronised.
- :mod:`coodiag.explorer.surfacelayer`: the 2SFCA accessibility surface (an image under the
  outlines and the SIAE, its legend under the map).
"""

from __future__ import annotations

import streamlit as st

from coodiag import levels
from coodiag.analyses import access
from coodiag.base import registry as siae
from coodiag.errors import CoodiagError
from coodiag.explorer import (
    catalogue,
    data,
    export,
    mapframe,
    mapview,
    panels,
    portrait,
    reseau_colors,
    sidebyside,
    surfacelayer,
    tabs,
    view,
)

st.set_page_config(page_title="coodiag — explorateur de l'IAE", layout="wide")

#: Displayed names that say more than the level's French name.
LEVEL_OVERRIDES = {"epci": "EPCI (intercommunalité)"}
#: Territory levels offered in the side panel, coarsest first, then the whole country.
LEVEL_LABELS = {
    **{lv.prefix: LEVEL_OVERRIDES.get(lv.prefix, lv.singular[:1].upper() + lv.singular[1:])
       for lv in (levels.REGION, levels.DEPARTEMENT, levels.ZONE_EMPLOI, levels.EPCI)},
    data.FRANCE: data.FRANCE_LABEL,
}
SCHEME_LABELS = {
    "quantiles": "Quantiles (effectifs égaux)",
    "natural_breaks": "Seuils naturels (Jenks)",
    "equal_interval": "Intervalles égaux",
}
#: Levels the indicator map can be drawn at (base table -> French plural).
MAP_LEVELS = {lv.table: lv.plural[:1].upper() + lv.plural[1:]
              for lv in (levels.COMMUNE, levels.EPCI, levels.ZONE_EMPLOI)}


def sidebar() -> dict:
    sb = st.sidebar
    sb.title("coodiag — explorateur")
    sb.caption("Diagnostic territorial de l'insertion par l'activité économique.")
    view.restore(LEVEL_LABELS)
    sb.header("Territoire")
    view.keep_valid("terr_level", LEVEL_LABELS, "dep")
    prefix = sb.radio("Niveau", list(LEVEL_LABELS), format_func=LEVEL_LABELS.get,
                      key="terr_level", horizontal=True)
    code = ""
    if prefix != data.FRANCE:
        options = data.territory_options(prefix)
        view.keep_valid(f"terr_{prefix}", options, view.territory_default(
            prefix, options, {"dep": "50", "reg": "28"}.get(prefix)))
        code = sb.selectbox(f"{LEVEL_LABELS[prefix]} (nom ou code)", list(options),
                            format_func=options.get, key=f"terr_{prefix}")
        view.remember(prefix, code)
    sb.header("Structures")
    types_all = [t for t in siae.TYPES if t in set(data.base()["registry"]["type_siae"])]
    view.keep_valid_list("types", types_all)
    st.session_state.setdefault("types", types_all)
    types = sb.multiselect("Types de structure", types_all, key="types",
                           help="\n".join(f"- {t} : {siae.TYPES[t]}" for t in types_all))
    membership = data.upload_data("reseaux")
    reseaux_all = sorted(membership["reseau"].dropna().unique()) if membership is not None else []
    view.keep_valid_list("reseaux", reseaux_all)
    reseaux = sb.multiselect("Réseaux", reseaux_all, key="reseaux",
                             placeholder="Tous" if reseaux_all else "Importez les adhésions",
                             disabled=not reseaux_all)
    if not reseaux_all:
        sb.caption("Pour filtrer par réseau, importez un fichier d'adhésions (onglet "
                   "« Vos fichiers »).")
        st.session_state.pop("by_reseau", None)
    by_reseau = sb.checkbox("Une couleur par réseau", key="by_reseau", disabled=not reseaux_all,
                            help="Les structures prennent la couleur de leur réseau (au lieu "
                            "de celle de leur type) ; légende sur la carte et sous la carte.")
    sb.header("Carte")
    surface = surfacelayer.options(sb)
    view.keep_valid("layer", mapview.LAYERS)
    layer = sb.radio("Fond thématique", mapview.LAYERS, key="layer",
                     disabled=surface["surface"])
    params = {"prefix": prefix, "code": code, "types": types, "types_all": types_all,
              "reseaux": reseaux, "layer": layer, "map_level": "communes",
              "indicator": "offre:n_siae", "scheme": "quantiles", "k": 5,
              "access_type": access.ALL, "typology": "ze", "by_reseau": bool(by_reseau),
              "pair": False, "indicator2": "", **surface}
    if layer == "Indicateur":
        params.update(indicator_choice(sb, prefix, code))
    if layer in ("Couverture (besoin / offre)", "Accessibilité"):
        view.keep_valid("access_type", mapview.ACCESS_TYPES)
        params["access_type"] = sb.selectbox("Structures prises en compte",
                                             list(mapview.ACCESS_TYPES),
                                             format_func=mapview.ACCESS_TYPES.get,
                                             key="access_type")
    if layer == "Typologie":
        view.keep_valid("typology", ["ze", "communes"])
        params["typology"] = sb.radio(
            "Typologie", ["ze", "communes"], key="typology",
            format_func={"ze": "Zones d'emploi : offre d'insertion et contexte",
                         "communes": "Communes : personnes âgées (Normandie)"}.get)
    if layer in ("Indicateur", "Accessibilité"):
        view.keep_valid("scheme", SCHEME_LABELS)
        params["scheme"] = sb.selectbox("Méthode de classes", list(SCHEME_LABELS),
                                        format_func=SCHEME_LABELS.get, key="scheme")
        view.keep_valid("k", range(3, 8), 5)
        params["k"] = sb.slider("Nombre de classes", 3, 7, key="k")
    if surface["surface"]:
        params["pair"] = False  # one map: the surface replaces the thematic background
    params["tiles"] = sb.checkbox("Fond OpenStreetMap (connexion Internet nécessaire)",
                                  value=False, key="tiles")
    return params


def indicator_choice(sb, prefix: str, code: str) -> dict:
    """Map level, then theme, then one of the indicators that exist there (the others listed
    apart, with the reason)."""
    view.keep_valid("map_level", MAP_LEVELS, levels.EPCI.table)
    level = sb.radio("Niveau de la carte", list(MAP_LEVELS), format_func=MAP_LEVELS.get,
                     key="map_level", horizontal=True)
    groups, missing = catalogue.offered(prefix, code, level)
    cat = data.base()["indicators"]
    wanted = st.session_state.get("indicator", data.DEFAULT_INDICATOR)
    theme_default = next((t for t, specs in groups.items() if wanted in specs),
                         catalogue.theme_of(cat[data.DEFAULT_INDICATOR]))
    view.keep_valid("theme", groups, theme_default)
    theme = sb.selectbox("Thème", list(groups), key="theme")
    specs = groups[theme]
    view.keep_valid("indicator", specs,
                    data.DEFAULT_INDICATOR if data.DEFAULT_INDICATOR in specs else specs[0])
    spec = sb.selectbox("Indicateur", specs, format_func=catalogue.label, key="indicator")
    offered_all = [s for group in groups.values() for s in group]
    pair = sb.checkbox("Deux cartes côte à côte (même vue)", key="pair",
                       help="Une seconde carte, à droite, pour un autre indicateur : les deux "
                       "cartes se déplacent et zooment ensemble.")
    spec2 = ""
    if pair:
        view.keep_valid("indicator2", offered_all, sidebyside.second_default(spec, offered_all))
        spec2 = sb.selectbox("Indicateur de la carte de droite", offered_all,
                             format_func=catalogue.label, key="indicator2")
    if missing:
        with sb.expander(f"Non disponibles à ce niveau ou sur ce territoire ({len(missing)})"):
            st.caption("\n".join(f"- {catalogue.label(s)} : {why}."
                                  for s, why in missing.items()))
    return {"map_level": level, "theme": theme, "indicator": spec, "pair": bool(pair),
            "indicator2": spec2}


def main() -> None:
    try:
        data.base()
    except CoodiagError as exc:
        st.error(str(exc))
        st.stop()
    # Uploads first: the sidebar's réseau filter reads them.
    tab_map, tab_scn, tab_files = st.tabs(["Carte", "Scénario", "Vos fichiers"])
    with tab_files:
        tabs.files_tab()
    params = sidebar()
    prefix, code = params["prefix"], params["code"]
    communes = data.territory_communes(prefix, code)
    reg = data.registry_with(data.upload_data("capacite"), data.upload_data("reseaux"))
    pts = mapview.filtered_siae(reg, set(communes["code"]), params["types"], params["reseaux"])
    label = data.territory_label(prefix, code)
    if st.session_state.get("shown_territory") != (prefix, code):
        # Another territory: the scenario and the unit picked belonged to the previous one.
        if "shown_territory" in st.session_state:
            for name in ("scenario", "pick", "commune_pick"):
                st.session_state.pop(name, None)
        st.session_state["shown_territory"] = (prefix, code)
    pick = st.session_state.get("pick")
    with tab_map:
        st.markdown(f"### {label}")
        n_est = int(pts["capacite_estimee"].astype(bool).sum())
        st.markdown(
            f"**{len(pts)} structures** d'insertion affichées"
            + (f" (réseaux : {', '.join(params['reseaux'])})" if params["reseaux"] else "")
            + f" — {len(communes)} communes."
            + (f" Capacité estimée (moyenne nationale du type) pour {n_est} d'entre elles "
               "(cercles blancs cerclés de la couleur du "
               + ("réseau)." if params["by_reseau"] else "type).") if n_est else ""),
        )
        # Two maps side by side take the whole width (the side panel goes under them).
        map_col, side = (st.container(), st.container()) if params["pair"] else st.columns([3, 1])
        with map_col:
            key = mapview.map_key(params, pts, data.upload_data("capacite"),
                                  data.upload_data("reseaux"))
            page, info = mapview.cached_map(key, params, pts)
            info2 = None
            if params["pair"]:
                right = {**params, "indicator": params["indicator2"]}
                page2, info2 = mapview.cached_map((*key[:6], right["indicator"], *key[7:]),
                                                  right, pts)
                page = sidebyside.pair_page(page, page2)
            clicked = mapframe.show(page, mapview.MAP_HEIGHT,
                                    focus=pick["code"] if pick else None)
            if clicked and clicked != pick:
                pick = st.session_state["pick"] = clicked
                if clicked["level"] == levels.COMMUNE.table:
                    st.session_state["commune_pick"] = clicked["code"]
            view.write(params, pick)
            surfacelayer.legend(info)
            if params["by_reseau"] and len(pts):
                st.markdown(reseau_colors.legend_markdown(
                    reseau_colors.category(pts["reseaux"], params["reseaux"])),
                    unsafe_allow_html=True)
            if info2 is not None:
                st.markdown("**Carte de gauche**")
            panels.map_notes(params, info)
            if info2 is not None:
                st.markdown("**Carte de droite**")
                panels.map_notes(params, info2)
            export.buttons(info, label)
        with side:
            panels.commune_search(communes)
            st.subheader("Chiffres clés du territoire")
            panels.territory_figures(communes, pts)
            panels.structure_panel(pts)
        if pick:
            everywhere = mapview.filtered_siae(reg, None, params["types"], params["reseaux"])
            portrait.show(pick["level"], pick["code"], everywhere)
        else:
            st.caption("Cliquez sur une commune (ou un EPCI, une zone d'emploi) de la carte, "
                       "ou cherchez une commune à droite, pour voir son portrait.")
    with tab_scn:
        tabs.scenario_tab(prefix, code, communes,
                          reg[data.among(reg["code_commune"], set(communes["code"]))])


main()
