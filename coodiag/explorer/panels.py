"""The explorer's side panel beside the map (key figures, a structure and its diagnosis, a
commune) and the notes printed under the map."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from coodiag import fr
from coodiag.analyses import access
from coodiag.base import registry as siae
from coodiag.base.indicator_specs import JOB_SEEKERS_CATEGORY, JOB_SEEKERS_DATE
from coodiag.explorer import data, view

#: The job seekers' line: category and date as the source states them.
DE_LABEL = f"Demandeurs d'emploi ({JOB_SEEKERS_CATEGORY} ; {JOB_SEEKERS_DATE})"


def territory_figures(communes: pd.DataFrame, pts: pd.DataFrame) -> None:
    b = data.base()
    ind = b["ind"].set_index("code")
    codes = communes["code"]
    pop = ind["pop22"].reindex(codes)
    de = ind["de_2024"].reindex(codes)
    rows = [("Communes", fr.number(len(communes))),
            ("Population 2022", fr.number(pop.sum()) if pop.notna().all() else fr.MISSING),
            (DE_LABEL, fr.number(de.sum()) if de.notna().mean() > 0.99
             else fr.MISSING),
            ("Structures (filtres appliqués)", fr.number(len(pts)))]
    for t, n in pts["type_siae"].value_counts().items():
        rows.append((f"  dont {t}", fr.number(n)))
    cap = pts["capacite"].sum()
    est = pts.loc[pts["capacite_estimee"].astype(bool), "capacite"].sum()
    rows.append(("Capacité (salariés en insertion)", fr.number(cap)))
    if cap > 0 and est > 0:
        rows.append(("  part estimée", fr.percent(100 * est / cap, 0)))
    st.table(pd.DataFrame(rows, columns=["Chiffre clé", "Valeur"]).set_index("Chiffre clé"))


def structure_panel(pts: pd.DataFrame) -> None:
    st.subheader("Structure")
    if not len(pts):
        st.caption("Aucune structure avec ces filtres.")
        return
    labels = data.structure_labels(pts.sort_values("nom"))
    if len(labels) > data.MAX_LISTED_STRUCTURES:  # France: type first, then choose
        query = st.text_input("Chercher une structure (nom, commune ou SIRET, puis Entrée)",
                              key="siae_query")
        labels = data.matching(labels, query, keep=st.session_state.get("siae_pick"))
    siret = st.selectbox("Choisir une structure (nom, type, commune)", list(labels),
                         format_func=labels.get, index=None, key="siae_pick",
                         placeholder="Tapez un nom ou une commune…")
    if siret is None:
        st.caption("Choisissez une structure pour voir ses chiffres et lancer son diagnostic.")
        return
    row = pts[pts["siret"] == siret].iloc[0]
    cap = row["capacite"]
    details = {
        "Nom": row["nom"],
        "Type": f"{row['type_siae']} — {siae.TYPES.get(row['type_siae'], '')}",
        "SIRET": siret,
        "Adresse": f"{row['adresse'] or ''} {row['code_postal'] or ''} {row['commune'] or ''}",
        "Capacité": (f"{fr.number(cap)} salariés en insertion"
                     + (" (estimation : moyenne nationale du type)"
                        if row["capacite_estimee"] else "")) if pd.notna(cap) else fr.MISSING,
        "Réseaux": ", ".join(row["reseaux"]) or "aucun (ou pas de fichier d'adhésions)",
        "Listes": str(row["listes"]),
        "Zone d'emploi": f"{row['ze_nom']} ({row['ze2020']})",
    }
    cov = data.coverage(data.upload_data("capacite"), access.ALL,
                        *data.current_territory()).set_index("code")
    if row["code_commune"] in cov.index:
        details["Couverture de sa commune"] = str(cov.loc[row["code_commune"], "classe"])
    st.table(pd.DataFrame(details.items(), columns=["", "Valeur"]).set_index(""))
    diag_panel(siret)


def diag_panel(siret: str) -> None:
    files = st.session_state.setdefault("diag_files", {})
    if st.button("Lancer le diagnostic de cette structure", key="diag_run"):
        with st.spinner("Diagnostic en cours (calculs, cartes, PDF)…"):
            try:
                files[siret] = run_diagnostic(siret)
            except Exception as exc:  # shown to the user, in French
                files[siret] = {"erreur": f"Diagnostic impossible : {exc}"}
    got = files.get(siret)
    if not got:
        return
    if "erreur" in got:
        st.error(got["erreur"])
        return
    st.success("Diagnostic prêt : téléchargez-le.")
    mimes = {"pdf": "application/pdf", "html": "text/html", "zip": "application/zip",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    labels = {"pdf": "Télécharger le PDF", "html": "Télécharger la page HTML",
              "xlsx": "Télécharger le classeur XLSX",
              "zip": "Télécharger le dossier complet (ZIP : page HTML, CSV, GeoPackage, cartes)"}
    for kind, (name, content) in got.items():
        st.download_button(labels[kind], content, file_name=name, mime=mimes[kind],
                           key=f"dl_{kind}_{siret}")


def run_diagnostic(siret: str) -> dict:
    """Run the diagnosis and render it into a temporary folder; return the files as bytes
    (the folder is deleted)."""
    from coodiag.outputs import atlas, builders
    from coodiag.reports import diagnostic

    diag = diagnostic.run(siret, salaries=data.upload_data("salaries"),
                          capacite=data.upload_data("capacite"),
                          sirene=data.upload_data("sirene"))
    doc = builders.diagnostic_document(diag)
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="coodiag-diag-") as tmp:
        paths = atlas.render(doc, Path(tmp) / "atlas", formats=("pdf", "html"), exports=True)
        for kind in ("pdf", "html", "xlsx"):
            path = paths.get(kind)
            if path is not None and Path(path).exists():
                out[kind] = (Path(path).name, Path(path).read_bytes())
        # The whole folder in one zip: the HTML page's links (CSV, GeoPackage, maps) work.
        folder = Path(tmp) / "atlas"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(folder.rglob("*")):
                if file.is_file():
                    archive.write(file, Path(f"diagnostic_{siret}") / file.relative_to(folder))
        out["zip"] = (f"diagnostic_{siret}.zip", buffer.getvalue())
    return out


def _picked_commune() -> None:
    code = st.session_state.get("commune_pick")
    if code:
        st.session_state["pick"] = {"level": "communes", "code": str(code)}
    else:
        st.session_state.pop("pick", None)


def commune_search(communes: pd.DataFrame) -> None:
    """The search box: a commune of the territory; the map zooms to it, its portrait shows."""
    query = None
    if len(communes) > data.MAX_LISTED_COMMUNES:  # France: type first, then choose
        query = st.text_input("Chercher une commune (début du nom ou code INSEE, puis Entrée)",
                              key="commune_query")
    labels = data.commune_labels(communes, query, keep=st.session_state.get("commune_pick"))
    view.keep_valid("commune_pick", labels)
    st.selectbox("Chercher une commune du territoire", sorted(labels, key=labels.get),
                 format_func=labels.get, index=None, key="commune_pick",
                 placeholder="Tapez un nom ou un code INSEE…", on_change=_picked_commune)


def map_notes(params: dict, info: dict) -> None:
    ind = info.get("indicator")
    if ind is not None:
        parts = [f"**{ind.label}** — unité : {ind.unit}"]
        if ind.denominator:
            parts.append(f"dénominateur : {ind.denominator}")
        parts.append(f"source : {ind.source or fr.MISSING}")
        parts.append(f"millésime : {ind.vintage or fr.MISSING}")
        st.markdown(" ; ".join(parts) + ".")
        counts = " ; ".join(f"{r} : {n}" for r, n in info["classes"])
        st.caption(f"Classes ({info['scheme']}, {len(info['classes'])} classes) — {counts}"
                   + (f" ; {info['nodata']}" if info.get("nodata") else "") + ".")
        if ind.method:
            st.caption(f"Méthode : {ind.method}")
    if "coverage" in info:
        counts = " ; ".join(f"{k} : {v}" for k, v in info["coverage"].items())
        st.caption(f"Communes par classe : {counts}.")
    for note in info["notes"]:
        if note:
            st.caption(note)
    st.caption("Carte hors ligne (aucune ressource externe) — "
               f"{fr.number(info['bytes'] / 1e6, 1, unit='Mo')}."
               if not params["tiles"] else
               "Fond OpenStreetMap activé : la carte charge des tuiles depuis Internet.")
