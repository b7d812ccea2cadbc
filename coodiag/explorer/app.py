"""coodiag — explorateur cartographique de l'IAE (Streamlit).

Lancement : ``coodiag explorer`` ou ``streamlit run app.py``. Fonctionne hors ligne : Leaflet est
inclus dans la page de la carte (aucun CDN), pas de fond de carte par défaut. Les fichiers
importés restent en mémoire pour la session (ils ne passent sur le disque que dans un dossier
temporaire le temps de leur lecture).

The map is drawn with ``st.components.v1.html(render_html(m))`` (a self-contained page checked
by :func:`coodiag.outputs.webmap.assert_offline`) rather than ``st_folium``: selecting a SIAE
or a commune happens in the side panel (searchable select boxes), and the map popups show the
details. See :mod:`coodiag.explorer.components` for the non-UI parts.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from coodiag import territory
from coodiag.analyses import access, offer
from coodiag.base import registry as siae
from coodiag.base import store
from coodiag.base.store import Base
from coodiag.errors import CoodiagError
from coodiag.explorer import components as explorer
from coodiag.outputs import maps, webmap
from coodiag.outputs.builders import COVERAGE_COLORS
from coodiag.reports.context import Context

st.set_page_config(page_title="coodiag — explorateur de l'IAE", layout="wide")

MAP_HEIGHT = 640
LEVEL_LABELS = {
    "reg": "Région",
    "dep": "Département",
    "ze": "Zone d'emploi",
    "epci": "EPCI (intercommunalité)",
    "fr": "France entière",
}
SCHEME_LABELS = {
    "quantiles": "Quantiles (effectifs égaux)",
    "natural_breaks": "Seuils naturels (Jenks)",
    "equal_interval": "Intervalles égaux",
}
MAP_LEVELS = {"communes": "Communes", "epci": "EPCI", "zones_emploi": "Zones d'emploi"}
LAYERS = ["Indicateur", "Couverture (besoin / offre)", "Accessibilité", "Typologie", "Aucune"]
ACCESS_TYPES = {access.ALL: "toutes les structures", **{t: t for t in access.TYPES_SIAE}}
ADDITIVE_UNITS = {"personnes", "établissements", "ménages", "logements", "emplois", "communes",
                  "structures", "salariés en insertion"}
COVERAGE_ORDER = {k: COVERAGE_COLORS[k] for k in (
    "besoin sans offre", "besoin et offre faibles", "équilibré", "besoin et offre élevés",
    "offre sans besoin")}
OFFER_META = {
    "n_siae": ("Nombre de structures d'insertion (filtres appliqués)", "structures",
               "", ""),
    "capacite": ("Capacité d'insertion (salariés en insertion, estimations comprises)",
                 "salariés en insertion", "", ""),
    "capacite_pour_1000_chomeurs": (
        "Capacité d'insertion pour 1 000 chômeurs de 15-64 ans",
        "salariés en insertion pour 1 000 chômeurs", "capacité d'insertion",
        "1 000 chômeurs de 15-64 ans (recensement 2021, Normandie et Île-de-France)"),
    "capacite_pour_1000_demandeurs": (
        "Capacité d'insertion pour 1 000 demandeurs d'emploi",
        "salariés en insertion pour 1 000 demandeurs", "capacité d'insertion",
        "1 000 demandeurs d'emploi inscrits (France Travail, vers 2024)"),
}
DEFAULT_INDICATOR = "offre:capacite_pour_1000_demandeurs"
OFFER_SOURCE = (f"{access.SRC_REGISTRY} ; capacités : fichier importé, sinon {offer.DARES_SOURCE}")


def fr_number(x: float, digits: int = 0) -> str:
    if x is None or pd.isna(x):
        return "–"
    return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


# ------------------------------------------------------------------------------------------
# Data, loaded once per server (shared, read-only)
# ------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Chargement de la base territoriale…")
def base() -> dict:
    # Commune attributes only (the geometries shown come from the display files).
    path = store.base_dir() / "communes.parquet"
    if not path.exists():
        store.read_level("communes")  # raises the French "build the base first" error
    attrs = pd.read_parquet(path, columns=explorer.COMMUNE_COLUMNS)
    meta = store.read_table("indicateurs_meta")
    return {
        "communes": attrs,
        "registry": store.read_level("siae"),
        "ind": store.read_table("indicateurs_communes"),
        "ze_ind": store.read_table("indicateurs_zones_emploi"),
        "meta": meta,
        "indicators": indicator_catalogue(meta),
    }


@st.cache_resource(show_spinner=False)
def store_base() -> Base:
    """The base, its tables kept in memory once read (shared by every session, read-only)."""
    return Base.open()


@st.cache_resource(show_spinner="Chargement des communes (Lambert-93)…")
def metro() -> gpd.GeoDataFrame:
    """Metropolitan communes in Lambert-93 with their representative points (2SFCA)."""
    return store_base().level("communes", zone="metro")


def indicator_catalogue(meta: pd.DataFrame) -> dict[str, dict]:
    """``"table:key"`` -> metadata (French), offer indicators first."""
    out: dict[str, dict] = {}
    for key, (label, unit, num, den) in OFFER_META.items():
        out[f"offre:{key}"] = {"table": "offre", "key": key, "label": label, "unit": unit,
                               "numerator": num, "denominator": den, "source": OFFER_SOURCE,
                               "vintage": "SIAE 2019-2021", "level": "toutes",
                               "method": "calculé par coodiag sur les structures affichées "
                                         "(filtres de type et de réseau appliqués)"}
    for row in meta.itertuples(index=False):
        if row.table not in ("indicateurs_communes", "indicateurs_zones_emploi"):
            continue
        if row.table == "indicateurs_zones_emploi" and row.key == "n_communes":
            continue
        out[f"{row.table}:{row.key}"] = {k: ("" if pd.isna(v) else str(v))
                                         for k, v in row._asdict().items()}
    return out


def indicator_label(spec: str) -> str:
    m = base()["indicators"][spec]
    where = {"offre": "Offre", "indicateurs_communes": "Commune",
             "indicateurs_zones_emploi": "Zone d'emploi"}[m["table"]]
    vintage = f", {m['vintage']}" if m.get("vintage") else ""
    return f"{where} — {m['label']} ({m['unit']}{vintage})"


@st.cache_data(show_spinner=False, max_entries=8)
def registry_with(capacite: pd.DataFrame | None, membership: pd.DataFrame | None):
    reg = offer.apply_capacity(base()["registry"], capacite)
    return offer.attach_reseaux(reg, membership)


@st.cache_data(show_spinner="Calcul de l'accessibilité (2SFCA)…", max_entries=4)
def accessibility(capacite: pd.DataFrame | None) -> pd.DataFrame:
    return Context(store_base(), capacite=capacite).accessibility.access


@st.cache_data(show_spinner=False, max_entries=16)
def coverage(capacite: pd.DataFrame | None, type_siae: str) -> pd.DataFrame:
    cov = access.coverage(accessibility(capacite), type_siae=type_siae)
    return cov


@st.cache_data(show_spinner="Typologie des zones d'emploi…", max_entries=4)
def typology_ze(capacite: pd.DataFrame | None) -> pd.DataFrame:
    from coodiag.analyses import typology

    b = base()
    reg = offer.apply_capacity(b["registry"], capacite)
    res = typology.preset_offre_insertion(b["communes"], b["ind"], b["ze_ind"], reg,
                                          user_capacity=capacite, meta=b["meta"])
    return pd.DataFrame({"code": res.classes.index.astype(str),
                         "classe": [f"{c} — {res.names[c]}" for c in res.classes]})


@st.cache_data(show_spinner="Typologie des communes…", max_entries=8)
def typology_communes(prefix: str, code: str) -> pd.DataFrame:
    from coodiag.analyses import typology

    b = base()
    mask = territory_of(prefix, code).mask(b["communes"]) if prefix != "fr" else None
    res = typology.preset_personnes_agees(b["communes"], b["ind"], territory_mask=mask,
                                          meta=b["meta"])
    return pd.DataFrame({"code": res.classes.index.astype(str),
                         "classe": [f"{c} — {res.names[c]}" for c in res.classes]})


@st.cache_resource(show_spinner=False, max_entries=64)
def display_layer(level: str, regs: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    return explorer.read_display(level, list(regs) if regs is not None else None)


# ------------------------------------------------------------------------------------------
# Territory
# ------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def territory_options(prefix: str) -> dict[str, str]:
    c = base()["communes"]
    col, name = {"reg": ("reg", "reg_nom"), "dep": ("dep", "dep_nom"),
                 "ze": ("ze2020", "ze_nom"), "epci": ("epci", "epci_nom")}[prefix]
    pairs = c[[col, name]].dropna().drop_duplicates().sort_values(name)
    return {str(k): f"{v} ({k})" for k, v in pairs.itertuples(index=False)}


def territory_of(prefix: str, code: str) -> territory.Territory:
    return territory.Territory(((prefix, code),))


@st.cache_data(show_spinner=False, max_entries=64)
def territory_communes(prefix: str, code: str) -> pd.DataFrame:
    c = base()["communes"]
    if prefix == "fr":
        return c.reset_index(drop=True)
    return c[territory_of(prefix, code).mask(c)].reset_index(drop=True)


def territory_label(prefix: str, code: str) -> str:
    if prefix == "fr":
        return "France entière"
    return territory_of(prefix, code).label(base()["communes"])


# ------------------------------------------------------------------------------------------
# Uploads (kept in memory for the session)
# ------------------------------------------------------------------------------------------


def imports() -> dict:
    return st.session_state.setdefault("imports", {})


def fingerprint(df: pd.DataFrame | None) -> str:
    """A content hash of an imported table (part of the map's cache key)."""
    if df is None:
        return ""
    return str(int(pd.util.hash_pandas_object(df.astype(str), index=False).sum()))


def upload_data(kind: str) -> pd.DataFrame | None:
    res = imports().get(kind)
    return res.data if res is not None and not isinstance(res, str) else None


def handle_upload(kind: str, uploaded) -> None:
    ids = st.session_state.setdefault("upload_ids", {})
    if uploaded is None:
        if kind in ids:  # the user removed the file
            ids.pop(kind)
            imports().pop(kind, None)
        return
    if ids.get(kind) == uploaded.file_id:
        return
    ids[kind] = uploaded.file_id
    try:
        imports()[kind] = explorer.read_upload(kind, uploaded.name, uploaded.getvalue())
    except CoodiagError as exc:
        imports()[kind] = f"Fichier « {uploaded.name} » refusé : {exc}"


def show_import(kind: str) -> None:
    res = imports().get(kind)
    if res is None:
        return
    if isinstance(res, str):
        st.error(res)
        return
    text = (f"{res.path.name} : {res.n_read} ligne(s) lue(s), {res.n_used} utilisée(s), "
            f"{res.n_rejected} rejetée(s).")
    (st.warning if res.n_rejected or res.warnings else st.success)(text)
    with st.expander("Rapport de lecture", expanded=bool(res.n_rejected)):
        st.code(res.report_text(), language=None, wrap_lines=True)


# ------------------------------------------------------------------------------------------
# Map
# ------------------------------------------------------------------------------------------


def filtered_siae(reg: pd.DataFrame, codes: set[str], types: list[str], reseaux: list[str]):
    out = reg[reg["code_commune"].isin(codes)]
    out = out[out["type_siae"].isin(types)]
    if reseaux:
        wanted = set(reseaux)
        out = out[[bool(wanted & set(r)) for r in out["reseaux"]]]
    return out


def level_values(spec: str, level: str, units: pd.DataFrame, siae_pts: pd.DataFrame,
                 communes: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """Values of the indicator ``spec`` for the units of ``level`` (index: unit code), or
    (None, reason in French)."""
    b = base()
    m = b["indicators"][spec]
    col = explorer.LEVELS[level]
    if m["table"] == "offre":
        lvl = {"communes": "commune", "epci": "epci", "zones_emploi": "ze"}[level]
        dens = offer.denominators(b["communes"], b["ind"], by=col)
        weight = offer.offer_by_territory(siae_pts, level=lvl, denominators=dens)
        values = weight.set_index("code")[m["key"]].reindex(units["code"].astype(str))
        if m["key"] in ("n_siae", "capacite"):
            values = values.fillna(0)
        else:  # no SIAE: capacity 0 where the denominator is known
            den = dens.get(m["key"].rsplit("_", 1)[1])
            if den is not None:
                zero = den.reindex(values.index)
                values = values.where(values.notna(), (zero * 0).where(zero > 0))
        return values, ""
    if m["table"] == "indicateurs_zones_emploi":
        if level != "zones_emploi":
            return None, "Indicateur publié par zone d'emploi : choisissez le niveau « Zones " \
                         "d'emploi »."
        return b["ze_ind"].set_index("code")[m["key"]].reindex(units["code"]), ""
    ind = b["ind"].set_index("code")[m["key"]]
    if level == "communes":
        return ind.reindex(units["code"]), ""
    if m["unit"] not in ADDITIVE_UNITS:
        return None, ("Ce taux n'est disponible que par commune (il ne s'additionne pas) : "
                      "choisissez le niveau « Communes ».")
    frame = pd.DataFrame({"unit": b["communes"][col].to_numpy(),
                          "v": b["communes"]["code"].map(ind).to_numpy()})
    grouped = frame.groupby("unit")["v"]
    total = grouped.sum(min_count=1).where(grouped.apply(lambda s: s.notna().all()))
    return total.reindex(units["code"]), ""


def build_map(params: dict, siae_pts: gpd.GeoDataFrame) -> tuple[str, dict]:
    """The map page (HTML) and what to print under it."""
    b = base()
    prefix, code = params["prefix"], params["code"]
    communes = territory_communes(prefix, code)
    national = prefix == "fr"
    regs = None if national else tuple(sorted(communes["reg"].dropna().unique()))
    precision, canvas = (4, True) if national else (5, False)
    com_geo = display_layer("communes", regs)
    com_geo = com_geo[com_geo["code"].isin(set(communes["code"]))].reset_index(drop=True)
    info: dict = {"notes": []}
    m = webmap.offline_map(bounds=explorer.bounds_of(com_geo), height=f"{MAP_HEIGHT - 10}px",
                           title=f"coodiag — {territory_label(prefix, code)}")
    if params["tiles"]:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap (en ligne)", overlay=False,
                         control=False).add_to(m)
    layer = params["layer"]
    capacite = upload_data("capacite")
    if layer == "Indicateur":
        level = params["map_level"]
        spec = params["indicator"]
        if level == "communes":
            units = com_geo
        else:
            col = explorer.LEVELS[level]
            units = display_layer(level, regs)
            units = units[units["code"].isin(set(communes[col].dropna()))].reset_index(drop=True)
        values, reason = level_values(spec, level, units, siae_pts, communes)
        if values is None:
            info["notes"].append(reason)
        else:
            meta = dict(b["indicators"][spec])
            shown = units.assign(valeur=values.to_numpy())
            _layer, cl = explorer.choropleth(
                m, shown, "valeur", meta=meta, scheme=params["scheme"], k=params["k"],
                level=level, precision=precision, canvas=canvas, with_attribution=False,
            )
            info["indicator"] = meta
            info["classes"] = list(zip(cl.ranges, cl.counts, strict=True))
            info["nodata"] = cl.nodata_label
            info["scheme"] = cl.scheme_label
    elif layer == "Couverture (besoin / offre)":
        cov = coverage(capacite, params["access_type"])
        shown = com_geo.merge(cov[["code", "classe"]], on="code", how="left")
        explorer.categorical(
            m, shown, "classe", COVERAGE_ORDER,
            title=f"Couverture ({ACCESS_TYPES[params['access_type']]})",
            note="Besoin : chômeurs pour 1 000 habitants ; offre : accessibilité 2SFCA. "
                 "Terciles calculés sur la France métropolitaine.",
            precision=precision, canvas=canvas,
        )
        info["notes"].append(cov.attrs.get("explication", ""))
        info["coverage"] = shown["classe"].value_counts()
    elif layer == "Accessibilité":
        acc = accessibility(capacite)
        col = f"acces_{params['access_type']}_pour_1000"
        shown = com_geo.merge(acc[["code", col]], on="code", how="left")
        meta = {
            "label": f"Accessibilité ({ACCESS_TYPES[params['access_type']]})",
            "unit": "salariés en insertion pour 1 000 chômeurs",
            "source": access.SRC_REGISTRY, "vintage": "SIAE 2019-2021, RP 2021-2022",
            "numerator": "salariés en insertion des structures à portée (2SFCA)",
            "denominator": "1 000 chômeurs de 15-64 ans (estimés hors Normandie et "
                           "Île-de-France)",
        }
        _layer, cl = explorer.choropleth(m, shown, col, meta=meta, scheme=params["scheme"],
                                         k=params["k"], precision=precision, canvas=canvas,
                                         with_attribution=False)
        info["indicator"] = meta
        info["classes"] = list(zip(cl.ranges, cl.counts, strict=True))
        info["nodata"] = cl.nodata_label
        info["scheme"] = cl.scheme_label
        info["notes"].append(
            "Accessibilité 2SFCA : capacité des structures dans un rayon de 30 km (20 km pour "
            "les AI) partagée entre les chômeurs à portée. Chômeurs estimés hors Normandie et "
            "Île-de-France ; capacités estimées (moyenne nationale du type) sans fichier.")
    elif layer == "Typologie":
        try:
            if params["typology"] == "ze":
                typo = typology_ze(capacite)
                units = display_layer("zones_emploi", regs)
                units = units[units["code"].isin(set(communes["ze2020"]))]
                lvl, title = "zones_emploi", "Typologie des zones d'emploi (offre d'insertion)"
            else:
                typo = typology_communes(prefix, code)
                units, lvl = com_geo, "communes"
                title = "Typologie des communes (personnes âgées)"
            shown = units.merge(typo, on="code", how="left").reset_index(drop=True)
            cats = sorted(typo["classe"].dropna().unique())
            colors = {c: maps.QUALITATIVE[i % len(maps.QUALITATIVE)] for i, c in enumerate(cats)}
            explorer.categorical(m, shown, "classe", colors, title=title, level=lvl,
                                 note="ACP puis classification ascendante hiérarchique (Ward).",
                                 precision=precision, canvas=canvas)
        except (ValueError, CoodiagError, KeyError) as exc:
            info["notes"].append(f"Typologie indisponible pour ce territoire : {exc}")
    if len(siae_pts):
        pts = siae_pts.copy()
        pts["Réseaux"] = [", ".join(r) for r in pts["reseaux"]]
        pts["Capacité"] = [
            f"{fr_number(c, 0)} salariés{' (estimation)' if e else ''}" if pd.notna(c) else "–"
            for c, e in zip(pts["capacite"], pts["capacite_estimee"], strict=True)
        ]
        webmap.points_layer(
            m, pts, size="capacite", estimated="capacite_estimee", size_label="salariés",
            popup_fields=("nom", "type_siae", "adresse", "commune", "siret", "Capacité",
                          "Réseaux"),
        )
    folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    m._coodiag_layer_control = True  # collapsed: the expanded one hides the territory
    page = webmap.render_html(m)
    if not params["tiles"]:
        webmap.assert_offline(page)
    info["bytes"] = len(page.encode("utf-8"))
    return page, info


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


# ------------------------------------------------------------------------------------------
# Side panel
# ------------------------------------------------------------------------------------------


def territory_figures(communes: pd.DataFrame, pts: pd.DataFrame) -> None:
    b = base()
    ind = b["ind"].set_index("code")
    codes = communes["code"]
    pop = ind["pop22"].reindex(codes)
    de = ind["de_2024"].reindex(codes)
    rows = [("Communes", fr_number(len(communes))),
            ("Population 2022", fr_number(pop.sum()) if pop.notna().all() else "n.d."),
            ("Demandeurs d'emploi (vers 2024)", fr_number(de.sum()) if de.notna().mean() > 0.99
             else "n.d."),
            ("Structures (filtres appliqués)", fr_number(len(pts)))]
    for t, n in pts["type_siae"].value_counts().items():
        rows.append((f"  dont {t}", fr_number(n)))
    cap = pts["capacite"].sum()
    est = pts.loc[pts["capacite_estimee"].astype(bool), "capacite"].sum()
    rows.append(("Capacité (salariés en insertion)", fr_number(cap)))
    if cap > 0 and est > 0:
        rows.append(("  part estimée", f"{fr_number(100 * est / cap)} %"))
    st.table(pd.DataFrame(rows, columns=["Chiffre clé", "Valeur"]).set_index("Chiffre clé"))


def structure_panel(pts: pd.DataFrame) -> None:
    st.subheader("Structure")
    if not len(pts):
        st.caption("Aucune structure avec ces filtres.")
        return
    labels = {r.siret: f"{r.nom} — {r.type_siae} ({r.commune})"
              for r in pts.sort_values("nom").itertuples()}
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
        "Capacité": (f"{fr_number(cap)} salariés en insertion"
                     + (" (estimation : moyenne nationale du type)"
                        if row["capacite_estimee"] else "")) if pd.notna(cap) else "inconnue",
        "Réseaux": ", ".join(row["reseaux"]) or "aucun (ou pas de fichier d'adhésions)",
        "Listes": str(row["listes"]),
        "Zone d'emploi": f"{row['ze_nom']} ({row['ze2020']})",
    }
    cov = coverage(upload_data("capacite"), access.ALL).set_index("code")
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
    mimes = {"pdf": "application/pdf", "html": "text/html",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    labels = {"pdf": "Télécharger le PDF", "html": "Télécharger la page HTML",
              "xlsx": "Télécharger le classeur XLSX"}
    for kind, (name, data) in got.items():
        st.download_button(labels[kind], data, file_name=name, mime=mimes[kind],
                           key=f"dl_{kind}_{siret}")


def run_diagnostic(siret: str) -> dict:
    """Run the diagnosis and render it into a temporary folder; return the files as bytes
    (the folder is deleted)."""
    from coodiag.outputs import atlas, builders
    from coodiag.reports import diagnostic

    diag = diagnostic.run(siret, salaries=upload_data("salaries"),
                          capacite=upload_data("capacite"), sirene=upload_data("sirene"))
    doc = builders.diagnostic_document(diag)
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="coodiag-diag-") as tmp:
        paths = atlas.render(doc, Path(tmp) / "atlas", formats=("pdf", "html"), exports=True)
        for kind in ("pdf", "html", "xlsx"):
            path = paths.get(kind)
            if path is not None and Path(path).exists():
                out[kind] = (Path(path).name, Path(path).read_bytes())
    return out


def commune_panel(communes: pd.DataFrame, pts: pd.DataFrame) -> None:
    st.subheader("Commune")
    labels = dict(zip(communes["code"], communes["nom"] + " (" + communes["code"] + ")",
                      strict=True))
    code = st.selectbox("Choisir une commune du territoire", sorted(labels, key=labels.get),
                        format_func=labels.get, index=None, key="commune_pick",
                        placeholder="Tapez un nom ou un code INSEE…")
    if code is None:
        return
    b = base()
    ind = b["ind"].set_index("code")
    rows = {"Population 2022": fr_number(ind["pop22"].get(code, np.nan)),
            "Demandeurs d'emploi (vers 2024)": fr_number(ind["de_2024"].get(code, np.nan)),
            "Chômeurs 15-64 ans (RP 2021)": fr_number(ind["p21_chom1564"].get(code, np.nan)),
            "Structures dans la commune": fr_number((pts["code_commune"] == code).sum())}
    acc = accessibility(upload_data("capacite")).set_index("code")
    if code in acc.index:
        rows["Accès (salariés pour 1 000 chômeurs)"] = fr_number(
            acc.loc[code, "acces_ensemble_pour_1000"], 1)
        rows["Chômeurs (estimation si hors RP)"] = fr_number(acc.loc[code, "demande"])
        cov = coverage(upload_data("capacite"), access.ALL).set_index("code")
        rows["Classe de couverture"] = str(cov.loc[code, "classe"])
    st.table(pd.DataFrame(rows.items(), columns=["", "Valeur"]).set_index(""))


# ------------------------------------------------------------------------------------------
# Scenario
# ------------------------------------------------------------------------------------------


@st.cache_data(show_spinner="Calcul du scénario…", max_entries=8)
def run_scenario(opened: tuple, closed: tuple, capacite: pd.DataFrame | None) -> pd.DataFrame:
    ctx = Context(store_base(), capacite=capacite)
    return access.scenario(ctx.metro, ctx.registry, ctx.demand, open=list(opened),
                           close=list(closed))


def scenario_tab(prefix: str, code: str, communes: pd.DataFrame, pts: pd.DataFrame) -> None:
    st.markdown("Placez une nouvelle structure ou fermez-en une, puis comparez la couverture "
                "avant et après (accessibilité 2SFCA, seuils de classes de la situation "
                "actuelle).")
    labels = dict(zip(communes["code"], communes["nom"] + " (" + communes["code"] + ")",
                      strict=True))
    with st.form("scenario_form"):
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
            names = {r.siret: f"{r.nom} — {r.type_siae} ({r.commune})"
                     for r in pts.itertuples() if r.type_siae in access.TYPES_SIAE}
            closed = st.multiselect("Structures à fermer", list(names), format_func=names.get,
                                    key="scn_close", placeholder="Choisir…")
        go = st.form_submit_button("Calculer le scénario")
    if go:
        if commune is None and not closed:
            st.warning("Choisissez une commune d'implantation ou une structure à fermer.")
        else:
            opened = ((commune, kind, float(capa) if capa else None),) if commune else ()
            st.session_state["scenario"] = (opened, tuple(closed))
    if "scenario" not in st.session_state:
        return
    opened, closed = st.session_state["scenario"]
    try:
        res = run_scenario(opened, closed, upload_data("capacite"))
    except ValueError as exc:
        st.error(f"Scénario impossible : {exc}")
        return
    res = res[(res["type_siae"] == access.ALL) & res["code"].isin(set(communes["code"]))]
    what = [f"ouverture d'un(e) {k} à {labels.get(c, c)}"
            + (f" ({fr_number(v)} salariés)" if v else " (capacité estimée)")
            for c, k, v in opened] + [f"fermeture de {s}" for s in closed]
    st.markdown(f"**Scénario** : {' ; '.join(what)}.")
    changed = res[res["variation"].abs() > 1e-12]
    m1, m2, m3 = st.columns(3)
    m1.metric("Communes dont l'accès change", fr_number(len(changed)))
    m2.metric("Changements de classe", fr_number(int(res["classe_change"].sum())))
    m3.metric("Variation moyenne (pour 1 000 chômeurs)",
              fr_number(changed["variation_pour_1000"].mean(), 2) if len(changed) else "0")
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
        after = res["classe_apres"].value_counts().rename("Après")
        st.markdown("**Communes par classe**")
        st.dataframe(pd.concat([before, after], axis=1).fillna(0).astype(int),
                     width="stretch")
    with left:
        national = prefix == "fr"
        regs = None if national else tuple(sorted(communes["reg"].dropna().unique()))
        geo = display_layer("communes", regs)
        geo = geo[geo["code"].isin(set(communes["code"]))]
        shown = geo.merge(res[["code", "variation_pour_1000"]], on="code", how="left")
        m = webmap.offline_map(bounds=explorer.bounds_of(shown), height=f"{MAP_HEIGHT - 110}px")
        if len(changed):
            meta = {"label": "Variation de l'accessibilité",
                    "unit": "salariés en insertion pour 1 000 chômeurs",
                    "source": access.SRC_REGISTRY}
            explorer.choropleth(m, shown, "variation_pour_1000", meta=meta, k=5,
                                precision=4 if national else 5, canvas=national)
        page = webmap.render_html(m)
        webmap.assert_offline(page)
        show_map(page, MAP_HEIGHT - 100)


# ------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------


def sidebar() -> dict:
    sb = st.sidebar
    sb.title("coodiag — explorateur")
    sb.caption("Diagnostic territorial de l'insertion par l'activité économique.")
    sb.header("Territoire")
    prefix = sb.radio("Niveau", list(LEVEL_LABELS), format_func=LEVEL_LABELS.get, index=1,
                      key="terr_level", horizontal=True)
    code = ""
    if prefix != "fr":
        options = territory_options(prefix)
        default = {"dep": "50", "reg": "28"}.get(prefix)
        keys = list(options)
        code = sb.selectbox(f"{LEVEL_LABELS[prefix]} (nom ou code)", keys,
                            format_func=options.get, key=f"terr_{prefix}",
                            index=keys.index(default) if default in keys else 0)
    sb.header("Structures")
    types_all = [t for t in siae.TYPES if t in set(base()["registry"]["type_siae"])]
    types = sb.multiselect("Types de structure", types_all, default=types_all, key="types",
                           help="\n".join(f"- {t} : {siae.TYPES[t]}" for t in types_all))
    membership = upload_data("reseaux")
    reseaux_all = sorted(membership["reseau"].dropna().unique()) if membership is not None else []
    reseaux = sb.multiselect("Réseaux", reseaux_all, key="reseaux",
                             placeholder="Tous" if reseaux_all else "Importez les adhésions",
                             disabled=not reseaux_all)
    if not reseaux_all:
        sb.caption("Pour filtrer par réseau, importez un fichier d'adhésions (onglet "
                   "« Vos fichiers »).")
    sb.header("Carte")
    layer = sb.radio("Fond thématique", LAYERS, key="layer")
    params = {"prefix": prefix, "code": code, "types": types, "reseaux": reseaux,
              "layer": layer, "map_level": "communes", "indicator": "offre:n_siae",
              "scheme": "quantiles", "k": 5, "access_type": access.ALL, "typology": "ze"}
    if layer == "Indicateur":
        cat = base()["indicators"]
        keys = list(cat)
        params["indicator"] = sb.selectbox("Indicateur", keys, format_func=indicator_label,
                                           key="indicator",
                                           index=keys.index(DEFAULT_INDICATOR))
        params["map_level"] = sb.radio("Niveau de la carte", list(MAP_LEVELS),
                                       format_func=MAP_LEVELS.get, key="map_level",
                                       horizontal=True, index=1)
    if layer in ("Couverture (besoin / offre)", "Accessibilité"):
        params["access_type"] = sb.selectbox("Structures prises en compte", list(ACCESS_TYPES),
                                             format_func=ACCESS_TYPES.get, key="access_type")
    if layer == "Typologie":
        params["typology"] = sb.radio(
            "Typologie", ["ze", "communes"], key="typology",
            format_func={"ze": "Zones d'emploi : offre d'insertion et contexte",
                         "communes": "Communes : personnes âgées (Normandie)"}.get)
    if layer in ("Indicateur", "Accessibilité"):
        params["scheme"] = sb.selectbox("Méthode de classes", list(SCHEME_LABELS),
                                        format_func=SCHEME_LABELS.get, key="scheme")
        params["k"] = sb.slider("Nombre de classes", 3, 7, 5, key="k")
    params["tiles"] = sb.checkbox("Fond OpenStreetMap (connexion Internet nécessaire)",
                                  value=False, key="tiles")
    return params


def files_tab() -> None:
    st.markdown("Vos fichiers restent **en mémoire pour cette session** : ils ne sont pas "
                "enregistrés (ils passent seulement dans un dossier temporaire, effacé aussitôt, "
                "le temps de leur lecture). Même contrôle que la ligne de commande "
                "(« coodiag import »).")
    labels = {"reseaux": "Adhésions aux réseaux (SIRET ; réseau — plusieurs réseaux possibles)",
              "capacite": "Capacité (SIRET ; ETP, postes ou salariés)",
              "salaries": "Salariés en parcours (données personnelles : pour le diagnostic)",
              "sirene": "Établissements SIRENE (pour la prospection du diagnostic)"}
    for kind, label in labels.items():
        up = st.file_uploader(label, type=["csv", "txt", "xlsx", "gz"], key=f"up_{kind}")
        handle_upload(kind, up)
        show_import(kind)


def main() -> None:
    try:
        base()
    except CoodiagError as exc:
        st.error(str(exc))
        st.stop()
    # Uploads first: the sidebar's réseau filter reads them.
    tab_map, tab_scn, tab_files = st.tabs(["Carte", "Scénario", "Vos fichiers"])
    with tab_files:
        files_tab()
    params = sidebar()
    prefix, code = params["prefix"], params["code"]
    communes = territory_communes(prefix, code)
    reg = registry_with(upload_data("capacite"), upload_data("reseaux"))
    pts = filtered_siae(reg, set(communes["code"]), params["types"], params["reseaux"])
    label = territory_label(prefix, code)
    with tab_map:
        st.markdown(f"### {label}")
        n_est = int(pts["capacite_estimee"].astype(bool).sum())
        st.markdown(
            f"**{len(pts)} structures** d'insertion affichées"
            + (f" (réseaux : {', '.join(params['reseaux'])})" if params["reseaux"] else "")
            + f" — {len(communes)} communes."
            + (f" Capacité estimée (moyenne nationale du type) pour {n_est} d'entre elles "
               "(cercles blancs cerclés de la couleur du type)." if n_est else ""),
        )
        map_col, side = st.columns([5, 2])
        with map_col:
            key = (prefix, code, tuple(params["types"]), tuple(params["reseaux"]),
                   params["layer"], params["map_level"], params["indicator"], params["scheme"],
                   params["k"], params["access_type"], params["typology"], params["tiles"],
                   tuple(pts["siret"]), fingerprint(upload_data("capacite")),
                   fingerprint(upload_data("reseaux")))
            page, info = cached_map(key, params, pts)
            show_map(page, MAP_HEIGHT)
            map_notes(params, info)
        with side:
            st.subheader("Chiffres clés du territoire")
            territory_figures(communes, pts)
            structure_panel(pts)
            commune_panel(communes, pts)
    with tab_scn:
        scenario_tab(prefix, code, communes, reg[reg["code_commune"].isin(set(communes["code"]))])


def map_notes(params: dict, info: dict) -> None:
    meta = info.get("indicator")
    if meta:
        parts = [f"**{meta['label']}** — unité : {meta['unit']}"]
        if meta.get("denominator"):
            parts.append(f"dénominateur : {meta['denominator']}")
        parts.append(f"source : {meta.get('source') or 'n.d.'}")
        parts.append(f"millésime : {meta.get('vintage') or 'n.d.'}")
        st.markdown(" ; ".join(parts) + ".")
        counts = " ; ".join(f"{r} : {n}" for r, n in info["classes"])
        st.caption(f"Classes ({info['scheme']}, {len(info['classes'])} classes) — {counts}"
                   + (f" ; {info['nodata']}" if info.get("nodata") else "") + ".")
        if meta.get("method"):
            st.caption(f"Méthode : {meta['method']}")
    if "coverage" in info:
        counts = " ; ".join(f"{k} : {v}" for k, v in info["coverage"].items())
        st.caption(f"Communes par classe : {counts}.")
    for note in info["notes"]:
        if note:
            st.caption(note)
    st.caption("Carte hors ligne (aucune ressource externe) — "
               f"{fr_number(info['bytes'] / 1e6, 1)} Mo."
               if not params["tiles"] else
               "Fond OpenStreetMap activé : la carte charge des tuiles depuis Internet.")


main()
