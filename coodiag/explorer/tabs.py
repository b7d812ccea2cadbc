"""The explorer's tabs beside the map: « Scénario » (open or close a structure, coverage
before and after) and « Vos fichiers » (uploads, read with the command line's validation)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coodiag import fr
from coodiag.analyses import access, scenario
from coodiag.errors import CoodiagError
from coodiag.explorer import components as explorer
from coodiag.explorer import data, mapview
from coodiag.outputs import webmap

#: The neutral colour of the communes a scenario does not touch (grey is for missing data).
UNCHANGED_COLOR = "#FBF8F1"
#: Upload kind -> label of its file field, in the order shown.
UPLOAD_LABELS = {
    "reseaux": "Adhésions aux réseaux (SIRET ; réseau — plusieurs réseaux possibles)",
    "capacite": "Capacité (SIRET ; ETP, postes ou salariés)",
    "salaries": "Salariés en parcours (données personnelles : pour le diagnostic)",
    "sirene": "Établissements SIRENE (pour la prospection du diagnostic)",
}

UPLOAD_SHORT = {"reseaux": "adhésions", "capacite": "capacité"}
#: The templates offered beside the file fields (those of ``examples/``: fictitious SIRETs).
TEMPLATES = {
    "reseaux": ("siret;nom;reseau\n"
                "99900001000010;STRUCTURE FICTIVE A;Chantier école | FAS\n"
                "99900002000019;STRUCTURE FICTIVE B;Coorace\n"
                "99900003000018;STRUCTURE FICTIVE C;FEI\n"),
    "capacite": ("siret;nom;type;annee;etp;postes;salaries\n"
                 "99900001000010;STRUCTURE FICTIVE A;ACI;2024;12,5;15;31\n"
                 "99900002000019;STRUCTURE FICTIVE B;AI;2024;35;;120\n"
                 "99900003000018;STRUCTURE FICTIVE C;EI;2024;;8;\n"),
}

# ------------------------------------------------------------------------------------------
# Scenario
# ------------------------------------------------------------------------------------------


def scenario_tab(prefix: str, code: str, communes: pd.DataFrame, pts: pd.DataFrame) -> None:
    st.markdown("Placez une nouvelle structure ou fermez-en une, puis comparez la couverture "
                "avant et après (accessibilité 2SFCA, seuils de classes de la situation "
                "actuelle).")
    names = data.structure_labels(pts[pts["type_siae"].isin(list(access.TYPES_SIAE))])
    scenario_choice(communes, names)
    if "scenario" not in st.session_state:
        return
    opened, closed = st.session_state["scenario"]
    try:
        full = data.run_scenario(opened, closed, data.upload_data("capacite"), prefix, code)
    except ValueError as exc:
        st.error(f"Scénario impossible : {exc}")
        return
    labels = data.commune_labels(communes, None, keep=opened[0][0] if opened else None)
    res = full[(full["type_siae"] == access.ALL) & full["code"].isin(set(communes["code"]))]
    what = [f"ouverture d'un(e) {k} à {labels.get(c, c)}"
            + (f" ({fr.number(v)} salariés)" if v else " (capacité estimée)")
            for c, k, v in opened] + [f"fermeture de {names.get(s, s)}" for s in closed]
    st.markdown(f"**Scénario** : {' ; '.join(what)}.")
    changed = res[res["variation"].abs() > 1e-12]
    imp = full.attrs.get("impact")
    rate = imp[imp["type_siae"] == access.ALL] if imp is not None and len(imp) else None
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Communes dont l'accès change", fr.number(len(changed)))
    m2.metric("Changements de classe", fr.number(int(res["classe_change"].sum())))
    m3.metric("Variation moyenne (pour 1 000 chômeurs)",
              fr.number(changed["variation_pour_1000"].mean(), 2) if len(changed) else "0")
    if rate is not None and len(rate):
        r = rate.iloc[0]
        m4.metric("Places à portée pour 100 chômeurs", fr.number(r["taux_apres"], 2),
                  delta=f"{fr.number(r['variation_points'], 2)} points",
                  help=f"{scenario.COVERAGE_RATE.label} : {scenario.COVERAGE_RATE.method}. "
                  f"Avant : {fr.number(r['taux_avant'], 2)}.")
    moved = full.attrs.get("structures")
    if moved is not None and len(moved):
        shown = moved[["changement", "nom", "type_siae", "commune", "capacite",
                       "chomeurs_a_portee", "places_pour_100_chomeurs_a_portee"]].rename(
            columns={"changement": "Changement", "nom": "Structure", "type_siae": "Type",
                     "commune": "Commune", "capacite": "Capacité",
                     "chomeurs_a_portee": "Chômeurs à portée",
                     "places_pour_100_chomeurs_a_portee": "Places pour 100 chômeurs à portée"})
        for col in ("Capacité", "Chômeurs à portée", "Places pour 100 chômeurs à portée"):
            shown[col] = [fr.number(v, 1) for v in shown[col]]  # « 27,7 », not « 27.7 »
        st.dataframe(shown, hide_index=True, width="stretch")
    left, right = st.columns([3, 2])
    with right:
        st.markdown("**Changements de classe de couverture** (nombre de communes)")
        moves = res[res["classe_change"]]
        if len(moves):
            table = moves.groupby(["classe_avant", "classe_apres"]).size().rename("communes")
            st.dataframe(table.reset_index().rename(columns={
                "classe_avant": "Classe avant", "classe_apres": "Classe après",
                "communes": "Communes"}), hide_index=True, width="stretch")
        else:
            st.caption("Aucune commune ne change de classe.")
        before = res["classe_avant"].value_counts().rename("Avant")
        after = res["classe_scenario"].value_counts().rename("Après")
        st.markdown("**Communes par classe**")
        st.dataframe(pd.concat([before, after], axis=1).fillna(0).astype(int),
                     width="stretch")
    with left:
        national = prefix == data.FRANCE
        geo = data.display_layer("communes", data.territory_regions(communes, prefix))
        geo = geo[geo["code"].isin(set(communes["code"]))]
        shown = geo.merge(res[["code", "variation_pour_1000", "classe_scenario"]], on="code",
                          how="left")
        m = webmap.offline_map(bounds=explorer.bounds_of(shown),
                               height=f"{mapview.MAP_HEIGHT - 110}px")
        if len(changed):
            explorer.categorical(
                m, shown, "classe_scenario",
                {**mapview.COVERAGE_ORDER, scenario.UNCHANGED: UNCHANGED_COLOR},
                title="Classe de couverture après le scénario",
                note="« inchangée » : accès identique avant et après. "
                     + str(full.attrs.get("note_seuils", "")),
                precision=4 if national else 5, canvas=national)
        page = webmap.render_html(m)
        webmap.assert_offline(page)
        mapview.show_map(page, mapview.MAP_HEIGHT - 100)


@st.fragment
def scenario_choice(communes: pd.DataFrame, names: dict[str, str]) -> None:
    """The scenario's boxes, rerun alone at each choice (a fragment, no form): a commune or a
    structure chosen stays chosen while another text is searched (France: type, choose, type
    again), and the page is redrawn only by « Calculer le scénario »."""
    query = None
    if len(communes) > data.MAX_LISTED_COMMUNES:  # France: type first, then choose
        query = st.text_input("Commune d'implantation : début du nom ou code INSEE, puis "
                              "Entrée", key="scn_query")
    labels = data.commune_labels(communes, query, keep=st.session_state.get("scn_commune"))
    listed = names
    if len(names) > data.MAX_LISTED_STRUCTURES:  # France: 3,900 names (0.17 MB) otherwise
        found = data.matching(names, st.text_input(
            "Structure à fermer : nom, commune ou SIRET, puis Entrée", key="scn_close_query"))
        listed = {**found, **{s: names[s] for s in st.session_state.get("scn_close", [])
                              if s in names}}
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Ouvrir une structure**")
        commune = st.selectbox("Commune d'implantation", sorted(labels, key=labels.get),
                               format_func=labels.get, index=None, key="scn_commune",
                               placeholder="Tapez un nom de commune…")
        kind = st.selectbox("Type", list(access.TYPES_SIAE), key="scn_type")
        capa = st.number_input("Capacité (salariés en insertion ; 0 = moyenne nationale "
                               "du type, estimation)", min_value=0, value=0, step=1,
                               key="scn_cap")
    with c2:
        st.markdown("**Fermer une structure**")
        closed = st.multiselect("Structures à fermer", list(listed), format_func=names.get,
                                key="scn_close", placeholder="Choisir…")
    if st.button("Calculer le scénario", key="scn_go", type="primary"):
        if commune is None and not closed:
            st.warning("Choisissez une commune d'implantation ou une structure à fermer.")
        else:
            opened = ((commune, kind, float(capa) if capa else None),) if commune else ()
            st.session_state["scenario"] = (opened, tuple(closed))
            st.rerun()  # the whole page: the scenario's figures and map


# ------------------------------------------------------------------------------------------
# Uploads (kept in memory for the session)
# ------------------------------------------------------------------------------------------


def handle_upload(kind: str, uploaded) -> None:
    ids = st.session_state.setdefault("upload_ids", {})
    if uploaded is None:
        if kind in ids:  # the user removed the file
            ids.pop(kind)
            data.imports().pop(kind, None)
        return
    if ids.get(kind) == uploaded.file_id:
        return
    ids[kind] = uploaded.file_id
    try:
        data.imports()[kind] = explorer.read_upload(kind, uploaded.name, uploaded.getvalue())
    except CoodiagError as exc:
        data.imports()[kind] = f"Fichier « {uploaded.name} » refusé : {exc}"


def show_import(kind: str) -> None:
    res = data.imports().get(kind)
    if res is None:
        return
    if isinstance(res, str):
        st.error(res)
        return
    text = (f"{res.path.name} : {res.n_read} ligne(s) lue(s), {res.n_used} utilisée(s), "
            f"{res.n_rejected} rejetée(s).")
    unknown, summary = (reseau_check(res.data, data.base()["registry"]) if kind == "reseaux"
                        else ([], None))
    (st.warning if res.n_rejected or res.warnings or unknown else st.success)(text)
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        st.warning(f"{len(unknown)} SIRET du fichier sans structure d'insertion "
                   f"correspondante dans le registre (absents de la carte) : {shown}.")
    if summary is not None and len(summary):
        st.markdown("**Résumé par réseau** (structures du registre reconnues)")
        st.dataframe(summary, hide_index=True, width="stretch")
    with st.expander("Rapport de lecture", expanded=bool(res.n_rejected)):
        st.code(res.report_text(), language=None, wrap_lines=True)


def reseau_check(membership: pd.DataFrame, registry: pd.DataFrame
                 ) -> tuple[list[str], pd.DataFrame]:
    """The SIRETs of a membership file that match no SIAE of the registry, and per réseau:
    structures recognised, their types, their capacity (national averages where unknown)."""
    known = set(registry["siret"].astype(str))
    sirets = membership["siret"].astype(str)
    unknown = sorted(set(sirets[~sirets.isin(known)]))
    reg = data.registry_with(data.upload_data("capacite"), None)
    merged = membership.assign(siret=sirets).merge(
        reg[["siret", "type_siae", "capacite", "capacite_estimee"]], on="siret", how="left")
    rows = []
    for name, grp in merged.groupby("reseau", sort=True):
        found = grp.dropna(subset=["type_siae"]).drop_duplicates("siret")
        types = found["type_siae"].value_counts()
        rows.append({
            "Réseau": name,
            "Structures reconnues": fr.number(len(found)),
            "SIRET inconnus": fr.number(grp["type_siae"].isna().sum()),
            "Types": ", ".join(f"{t} {fr.number(n)}" for t, n in types.items()) or fr.MISSING,
            "Capacité (salariés en insertion)": fr.number(found["capacite"].sum())
            + (" (estimations comprises)" if found["capacite_estimee"].astype(bool).any()
               else ""),
        })
    return unknown, pd.DataFrame(rows)


def files_tab() -> None:
    st.markdown("Vos fichiers restent **en mémoire pour cette session** : ils ne sont pas "
                "enregistrés (ils passent seulement dans un dossier temporaire, effacé aussitôt, "
                "le temps de leur lecture). Même contrôle que la ligne de commande "
                "(« coodiag import »).")
    for kind, label in UPLOAD_LABELS.items():
        up = st.file_uploader(label, type=["csv", "txt", "xlsx", "gz"], key=f"up_{kind}")
        if kind in TEMPLATES:
            st.download_button(f"Modèle de fichier ({UPLOAD_SHORT[kind]}, CSV)",
                               TEMPLATES[kind].encode("utf-8"), file_name=f"modele_{kind}.csv",
                               mime="text/csv", key=f"tpl_{kind}", on_click="ignore")
        handle_upload(kind, up)
        show_import(kind)
