"""The view of the explorer kept in the page address (query parameters), so that a link shows
the same territory, level, layer, indicator, filters and commune; and the territory
remembered per level (ZE Avranches → EPCI → back to the ZE shows Avranches again).

The side panel's widgets hold the view (their keys in ``st.session_state``): they are set
from the address once, at the start of a session (:func:`restore`), and the address follows
them on each run (:func:`write`). Values read from an address are checked against the
widgets' options: a wrong value is ignored, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from coodiag import levels
from coodiag.explorer import data

#: Query parameter -> widget key (the territory's key depends on the level: ``terr_<niveau>``).
PARAMS = {
    "couche": "layer",
    "carte": "map_level",
    "theme": "theme",
    "indicateur": "indicator",
    "classes": "scheme",
    "k": "k",
    "acces": "access_type",
    "typologie": "typology",
    "commune": "commune_pick",
    "droite": "indicator2",
    "type_surface": "surface_type",
}
#: Query parameters of the check boxes (``1`` when ticked).
BOOL_PARAMS = {"couleurs": "by_reseau", "deux_cartes": "pair", "surface": "surface"}
LIST_PARAMS = {"types": "types", "reseaux": "reseaux"}
MEMORY = "terr_memory"


def restore(levels_offered: Iterable[str]) -> None:
    """Set the widgets from the address, once per session."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    q = st.query_params
    prefix = q.get("niveau")
    if prefix in set(levels_offered):
        st.session_state["terr_level"] = prefix
        code = q.get("territoire")
        if prefix != data.FRANCE and code in data.territory_options(prefix):
            st.session_state[f"terr_{prefix}"] = code
            st.session_state.setdefault(MEMORY, {})[prefix] = code
    for name, key in PARAMS.items():
        if name in q:
            value = q.get(name)
            st.session_state[key] = int(value) if key == "k" and value.isdigit() else value
    for name, key in LIST_PARAMS.items():
        if name in q:
            st.session_state[key] = [v for v in q.get(name).split(",") if v]
    for name, key in BOOL_PARAMS.items():
        if name in q:
            st.session_state[key] = q.get(name) == "1"
    if st.session_state.get("commune_pick"):
        st.session_state["pick"] = {"level": levels.COMMUNE.table,
                                    "code": st.session_state["commune_pick"]}


def keep_valid(key: str, options: Iterable, default=None) -> None:
    """Before a widget is drawn: its value from the address or an earlier run if it is one
    of ``options``, else ``default`` (``None``: the widget's own default)."""
    options = list(options)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
    if key not in st.session_state and default is not None and default in options:
        st.session_state[key] = default


def keep_valid_list(key: str, options: Iterable) -> None:
    allowed = set(options)
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in allowed]


def territory_default(prefix: str, options: Mapping[str, str], fallback: str | None) -> str:
    """The unit of ``prefix`` shown when the level is chosen: the one shown last time at this
    level, else the one holding most communes of the territory shown before, else
    ``fallback``, else the first."""
    remembered = st.session_state.get(MEMORY, {}).get(prefix)
    if remembered in options:
        return remembered
    before = st.session_state.get("shown_territory")
    if before and before[0] != data.FRANCE:
        communes = data.territory_communes(*before)
        col = levels.get(prefix).code
        if len(communes) and col in communes.columns:
            guess = communes[col].dropna().astype(str)
            if len(guess):
                top = str(guess.mode().iloc[0])
                if top in options:
                    return top
    return fallback if fallback in options else next(iter(options))


def remember(prefix: str, code: str) -> None:
    if prefix != data.FRANCE and code:
        st.session_state.setdefault(MEMORY, {})[prefix] = code


def query(params: Mapping, pick: Mapping | None) -> dict[str, str]:
    """The address parameters of the view ``params`` (the side panel's choices)."""
    out = {"niveau": params["prefix"]}
    if params["prefix"] != data.FRANCE:
        out["territoire"] = params["code"]
    out["couche"] = params["layer"]
    if params["layer"] == "Indicateur":
        out.update(carte=params["map_level"], theme=params.get("theme", ""),
                   indicateur=params["indicator"])
        if params.get("pair"):
            out.update(deux_cartes="1", droite=params.get("indicator2", ""))
    if params["layer"] in ("Indicateur", "Accessibilité"):
        out.update(classes=params["scheme"], k=str(params["k"]))
    if params["layer"] in ("Couverture (besoin / offre)", "Accessibilité"):
        out["acces"] = params["access_type"]
    if params["layer"] == "Typologie":
        out["typologie"] = params["typology"]
    types_all = params.get("types_all")
    if types_all is not None and list(params["types"]) != list(types_all):
        out["types"] = ",".join(params["types"])
    if params["reseaux"]:
        out["reseaux"] = ",".join(params["reseaux"])
    if params.get("by_reseau"):
        out["couleurs"] = "1"
    if params.get("surface"):
        out.update(surface="1", type_surface=params.get("surface_type", ""))
    if pick and pick.get("level") == levels.COMMUNE.table:
        out["commune"] = pick["code"]
    return {k: v for k, v in out.items() if v not in (None, "")}


def write(params: Mapping, pick: Mapping | None) -> None:
    """Put the view in the address (only when it changed: no needless browser update)."""
    wanted = query(params, pick)
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)

