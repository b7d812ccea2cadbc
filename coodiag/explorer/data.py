"""The explorer's data: loaded once per server (shared, read-only) or once per session.

- the base (commune attributes, SIAE registry, indicator tables and their catalogue) and the
  :class:`coodiag.base.store.Base` behind the 2SFCA, cached with ``st.cache_resource``;
- what the map and the panels compute from them (offer with the uploaded capacities,
  accessibility, coverage classes, typologies, a scenario), cached with ``st.cache_data``;
- the territories of the side panel (options, communes, French label);
- the files a user uploaded, kept in ``st.session_state`` for the session only;
- what the commune and structure boxes list (:func:`commune_labels`, :func:`matching`): on
  « France entière », only the matches of a typed text (all the names delayed the map).
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from coodiag import levels, territory
from coodiag.analyses import access, offer
from coodiag.analyses.scenario import scenario
from coodiag.base import display, store
from coodiag.base.indicator_specs import JOB_SEEKERS
from coodiag.base.indicators import Indicator
from coodiag.base.store import Base
from coodiag.reports.context import Context

#: The whole country, beside the prefixes of :mod:`coodiag.levels` in the territory choice.
FRANCE = "fr"
FRANCE_LABEL = "France entière"
DEFAULT_INDICATOR = "offre:capacite_pour_1000_demandeurs"
OFFER_SOURCE = (f"{access.SRC_REGISTRY} ; capacités : fichier importé, sinon {offer.DARES_SOURCE}")
#: What the offer indicators share: computed here on the structures shown.
_OFFER = Indicator(table="offre", source=OFFER_SOURCE, vintage="SIAE 2019-2021", level="toutes",
                   method="calculé par coodiag sur les structures affichées (filtres de type et "
                   "de réseau appliqués)")
#: The indicators of the offer, computed on the structures shown (first in the catalogue).
OFFER_INDICATORS = (
    replace(_OFFER, key="n_siae", label="Nombre de structures d'insertion (filtres appliqués)",
            unit="structures"),
    replace(_OFFER, key="capacite",
            label="Capacité d'insertion (salariés en insertion, estimations comprises)",
            unit="salariés en insertion"),
    replace(_OFFER, key="capacite_pour_1000_chomeurs",
            label="Capacité d'insertion pour 1 000 chômeurs de 15-64 ans",
            unit="salariés en insertion pour 1 000 chômeurs", numerator="capacité d'insertion",
            denominator="1 000 chômeurs de 15-64 ans (recensement 2021, Normandie et "
            "Île-de-France)"),
    replace(_OFFER, key="capacite_pour_1000_demandeurs",
            label="Capacité d'insertion pour 1 000 demandeurs d'emploi",
            unit="salariés en insertion pour 1 000 demandeurs", numerator="capacité d'insertion",
            denominator=f"1 000 {JOB_SEEKERS}"),
)
#: Indicator table -> where its values are published, in the indicator's label.
INDICATOR_WHERE = {
    "offre": "Offre",
    "indicateurs_communes": levels.COMMUNE.singular.capitalize(),
    "indicateurs_zones_emploi": levels.ZONE_EMPLOI.singular.capitalize(),
}


# ------------------------------------------------------------------------------------------
# Data, loaded once per server (shared, read-only)
# ------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Chargement de la base territoriale…")
def base() -> dict:
    # Commune attributes only (the geometries shown come from the display files).
    path = store.base_dir() / "communes.parquet"
    if not path.exists():
        store.read_level("communes")  # raises the French "build the base first" error
    attrs = pd.read_parquet(path, columns=display.COMMUNE_COLUMNS)
    # The tables the 2SFCA context reads too: one copy in memory for both.
    shared = store_base()
    meta = shared.table("indicateurs_meta")
    return {
        "communes": attrs,
        "registry": shared.siae,
        "ind": shared.table("indicateurs_communes"),
        "ze_ind": shared.table("indicateurs_zones_emploi"),
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


def indicator_catalogue(meta: pd.DataFrame) -> dict[str, Indicator]:
    """``"table:key"`` -> indicator, offer indicators first (``meta``: ``indicateurs_meta``)."""
    out = {f"{ind.table}:{ind.key}": ind for ind in OFFER_INDICATORS}
    for row in meta.itertuples(index=False):
        ind = Indicator.from_row(row._asdict())
        if ind.table not in ("indicateurs_communes", "indicateurs_zones_emploi"):
            continue
        if ind.table == "indicateurs_zones_emploi" and ind.key == "n_communes":
            continue
        out[f"{ind.table}:{ind.key}"] = ind
    return out


def indicator_label(spec: str) -> str:
    ind = base()["indicators"][spec]
    vintage = f", {ind.vintage}" if ind.vintage else ""
    return f"{INDICATOR_WHERE[ind.table]} — {ind.label} ({ind.unit}{vintage})"


@st.cache_data(show_spinner=False, max_entries=8)
def registry_with(capacite: pd.DataFrame | None, membership: pd.DataFrame | None):
    reg = offer.apply_capacity(base()["registry"], capacite)
    return offer.attach_reseaux(reg, membership)


@st.cache_data(show_spinner="Calcul de l'accessibilité (2SFCA)…", max_entries=4)
def accessibility(capacite: pd.DataFrame | None) -> pd.DataFrame:
    return Context(store_base(), capacite=capacite).accessibility.access


@st.cache_data(show_spinner=False, max_entries=16)
def coverage(capacite: pd.DataFrame | None, type_siae: str, prefix: str = FRANCE,
             code: str = "", reference: str = "territoire") -> pd.DataFrame:
    """Coverage classes of the territory ``(prefix, code)`` (default France), terciles over
    ``reference``: :meth:`Context.coverage`, the classification of every report."""
    ctx = Context(store_base(), capacite=capacite)
    codes = set(territory_communes(prefix, code)["code"])
    return ctx.coverage(codes, reference="france" if prefix == FRANCE else reference,
                        territory_label=territory_label(prefix, code), type_siae=type_siae,
                        access_table=accessibility(capacite))


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
    mask = territory_of(prefix, code).mask(b["communes"]) if prefix != FRANCE else None
    res = typology.preset_personnes_agees(b["communes"], b["ind"], territory_mask=mask,
                                          meta=b["meta"])
    return pd.DataFrame({"code": res.classes.index.astype(str),
                         "classe": [f"{c} — {res.names[c]}" for c in res.classes]})


@st.cache_resource(show_spinner=False, max_entries=64)
def display_layer(level: str, regs: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    return display.read_display(level, list(regs) if regs is not None else None)


@st.cache_data(show_spinner="Calcul du scénario…", max_entries=8)
def run_scenario(opened: tuple, closed: tuple, capacite: pd.DataFrame | None,
                 prefix: str = FRANCE, code: str = "",
                 reference: str = "territoire") -> pd.DataFrame:
    """The scenario on the territory ``(prefix, code)``: classes « avant » those of
    :func:`coverage` (same territory and reference)."""
    ctx = Context(store_base(), capacite=capacite)
    codes = set(territory_communes(prefix, code)["code"])
    ref = "france" if prefix == FRANCE else reference
    return scenario(ctx.metro, ctx.registry, ctx.demand, open=list(opened),
                    close=list(closed), codes=codes, reference=ref,
                    reference_codes=ctx.reference_codes(codes, ref),
                    reference_label=ctx.reference_label(codes, ref,
                                                        territory_label(prefix, code)))


# ------------------------------------------------------------------------------------------
# Territory
# ------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def territory_options(prefix: str) -> dict[str, str]:
    c = base()["communes"]
    level = levels.get(prefix)
    pairs = c[[level.code, level.name]].dropna().drop_duplicates().sort_values(level.name)
    return {str(k): f"{v} ({k})" for k, v in pairs.itertuples(index=False)}


def current_territory() -> tuple[str, str]:
    """The territory chosen in the side panel (its widgets' session state), else France."""
    prefix = st.session_state.get("terr_level", FRANCE)
    code = st.session_state.get(f"terr_{prefix}", "") if prefix != FRANCE else ""
    return prefix, str(code or "")


def territory_of(prefix: str, code: str) -> territory.Territory:
    return territory.Territory(((prefix, code),))


@st.cache_data(show_spinner=False, max_entries=64)
def territory_communes(prefix: str, code: str) -> pd.DataFrame:
    c = base()["communes"]
    if prefix == FRANCE:
        return c.reset_index(drop=True)
    return c[territory_of(prefix, code).mask(c)].reset_index(drop=True)


def territory_label(prefix: str, code: str) -> str:
    if prefix == FRANCE:
        return FRANCE_LABEL
    return territory_of(prefix, code).label(base()["communes"])


def territory_regions(communes: pd.DataFrame, prefix: str) -> tuple[str, ...] | None:
    """The régions whose display files hold the territory (``None``: the national files)."""
    if prefix == FRANCE:
        return None
    return tuple(sorted(communes[levels.REGION.code].dropna().unique()))


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


#: Above this many communes (France: 34,875), a commune box lists only the communes matching
#: the text typed before it: all the names weigh 0.8 MB per box and delayed the map's first
#: draw of « France entière » by 2-3 s.
MAX_LISTED_COMMUNES = 6000
#: At most this many communes matching a typed text are listed.
MAX_MATCHES = 200


def among(values: pd.Series, wanted) -> np.ndarray:
    """``values.isin(wanted)`` as a boolean array, ten times faster on the base's string
    columns (France: 35,000 codes; ``isin`` took 0.1 s per call, 7 calls per map)."""
    index = pd.Index(pd.unique(np.asarray(list(wanted), dtype=object)), dtype=object)
    return index.get_indexer(values.to_numpy(dtype=object)) >= 0


def _fold(text: pd.Series) -> pd.Series:
    """Lower case, no accents, hyphens and apostrophes as spaces: « Saint-Lô » ~ « saint lo »."""
    out = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return out.str.lower().str.replace(r"[-'’]", " ", regex=True).str.strip()


@st.cache_resource(show_spinner=False)
def _searchable() -> pd.DataFrame:
    """Every commune: code, « Nom (code) », folded name; sorted by name."""
    com = base()["communes"]
    frame = pd.DataFrame({"code": com["code"].to_numpy(),
                          "label": (com["nom"] + " (" + com["code"] + ")").to_numpy(),
                          "folded": _fold(com["nom"]).to_numpy()})
    return frame.sort_values("label").reset_index(drop=True)


def commune_labels(communes: pd.DataFrame, query: str | None = None,
                   keep: str | None = None) -> dict[str, str]:
    """Code -> « Nom (code) » of the communes a commune box offers, sorted by name: all of them
    up to :data:`MAX_LISTED_COMMUNES`; beyond, those whose name or code contains ``query``
    (accents, case and hyphens ignored; the names starting with it first; at most
    :data:`MAX_MATCHES`), and the commune ``keep`` (the one already chosen)."""
    if len(communes) <= MAX_LISTED_COMMUNES:
        labels = dict(zip(communes["code"], communes["nom"] + " (" + communes["code"] + ")",
                          strict=True))
        return dict(sorted(labels.items(), key=lambda kv: kv[1]))
    q = _fold(pd.Series([query or ""])).iloc[0]
    if not q and keep is None:  # nothing typed, nothing chosen: nothing listed
        return {}
    frame = _searchable()
    frame = frame[among(frame["code"], set(communes["code"]))]
    picked = frame.iloc[0:0]
    if q:
        code = frame["code"].str.startswith(q)
        rank = pd.Series(3, index=frame.index)  # 0 same name, 1 starts with, 2 contains
        rank[frame["folded"].str.contains(q, regex=False) | code] = 2
        rank[frame["folded"].str.startswith(q) | code] = 1
        rank[frame["folded"] == q] = 0
        picked = frame.assign(rank=rank)[rank < 3].sort_values("rank", kind="stable")
        picked = picked.head(MAX_MATCHES)
    if keep is not None and keep not in set(picked["code"]):
        picked = pd.concat([picked, frame[frame["code"] == keep]])
    return dict(zip(picked["code"], picked["label"], strict=True))


#: Above this many structures (France: 3,900), the structure box lists only the matches of a
#: typed text (0.17 MB of labels otherwise).
MAX_LISTED_STRUCTURES = 1500


def structure_labels(pts: pd.DataFrame) -> dict[str, str]:
    """SIRET -> « nom — type (commune) », in the order of ``pts`` (read as Python lists:
    ``itertuples`` over the base's Arrow strings took 0.2-0.3 s for France)."""
    cols = [pts[c].tolist() for c in ("siret", "nom", "type_siae", "commune")]
    return {s: f"{n} — {t} ({c})" for s, n, t, c in zip(*cols, strict=True)}


def matching(labels: dict[str, str], query: str | None, keep: str | None = None) -> dict:
    """The entries of ``labels`` whose key or label contains ``query`` (accents, case and
    hyphens ignored; at most :data:`MAX_MATCHES`), and the entry ``keep``."""
    q = _fold(pd.Series([query or ""])).iloc[0]
    out: dict = {}
    if q:
        folded = _fold(pd.Series(list(labels.values()), dtype=object))
        for (k, v), f in zip(labels.items(), folded, strict=True):
            if q in f or str(k).startswith(q):
                out[k] = v
                if len(out) >= MAX_MATCHES:
                    break
    if keep is not None and keep in labels:
        out.setdefault(keep, labels[keep])
    return out
