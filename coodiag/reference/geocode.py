"""Find the INSEE commune (COG 2025) of a postal code + commune name.

A postal code is not an INSEE code: several communes share one postal code ("14210" covers about
twenty communes), one commune can have several postal codes (Marseille 13001-13016), CEDEX codes
belong to no commune, and names come in every spelling ("ST MAURICE DE BEYNOST",
"Saint-Maurice-de-Beynost", "HAVRE (LE)", "PARIS 15", "MARSEILLE 13EME", "CAEN CEDEX 9").

Method, for each distinct (postal code, name) pair:

1. normalise the name: accents removed, upper case, punctuation to spaces, ST/STE expanded to
   SAINT/SAINTE, a leading or bracketed article (LE, LA, LES, L') dropped, a CEDEX suffix and a
   Paris/Lyon/Marseille arrondissement number dropped;
2. candidates: the current communes whose Etalab postal codes include the code (a municipal
   arrondissement's postal code counts for its commune); each candidate answers to its own name,
   to the names of its communes déléguées / associées (COG 2025) and to the names of the
   communes merged into it since the COG 2023;
3. exact match of the normalised name among the candidates ("code postal + nom", or
   "code postal + ancien nom" for a delegated or merged commune's name);
4. approximate match among the candidates (difflib ratio >= 0.85, best unique candidate);
5. exact name in the département of the postal code (its first two digits; 97x: three;
   20xxx: 2A or 2B), for CEDEX codes and codes that straddle départements;
6. the only commune of the postal code, when it has only one ("code postal seul").

Anything else stays unplaced with a French reason. Results are cached per distinct pair, so
100,000 rows with a few thousand distinct pairs take about a second.

The tables behind steps 2-6 are assembled from the mirror on first use (1.5 s), or taken from
those the base precomputed when a caller hands them over (:func:`use_reference`;
:mod:`coodiag.userfiles.reftables` does so before reading a roster): the same tables, in
0.2 s.
"""

from __future__ import annotations

import difflib
import gc
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from coodiag import codes
from coodiag.reference.cog_reference import table_column

FUZZY_MIN = 0.85

RES_EXACT = "code postal + nom"
RES_OLD = "code postal + ancien nom (commune déléguée ou fusionnée)"
RES_FUZZY = "code postal + nom approché"
RES_DEP = "nom seul dans le département"
RES_SINGLE = "code postal seul (commune unique)"

_ARTICLES = ("LE", "LA", "LES", "L")
_PLM_RE = re.compile(
    r"^(PARIS|LYON|MARSEILLE)(?: (?:\d{1,2}|[IVX]+)(?: ?(?:E|EME|ER|ERE|IEME|EM))?)?"
    r"(?: ARRONDISSEMENT| ARR| ARRT)?$"
)
_CEDEX_RE = re.compile(r" CEDEX(?: ?\d{0,3})?$| CEDEX .*$")


def ascii_fold(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def normalize_name(name: str) -> str:
    """A commune name reduced to a comparison key ("Saint-Lô" and "ST LO" both give "SAINT LO")."""
    s = ascii_fold(str(name)).upper()
    s = re.sub(r"[^A-Z0-9()]+", " ", s)
    # Old INSEE style "HAVRE (LE)", "ANDELYS (LES)": drop the bracketed article.
    s = re.sub(r"\(\s*(?:LE|LA|LES|L)\s*\)", " ", s)
    s = s.replace("(", " ").replace(")", " ")
    s = re.sub(r"\s+", " ", s).strip()
    s = _CEDEX_RE.sub("", s).strip()
    words = s.split(" ") if s else []
    words = ["SAINT" if w in ("ST", "SNT") else "SAINTE" if w == "STE" else w for w in words]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    s = " ".join(words)
    plm = _PLM_RE.match(s)
    if plm:
        return plm.group(1)
    return s


@dataclass(frozen=True)
class _Reference:
    names: dict[str, str]  # current commune -> its 2025 name
    deps: dict[str, str]  # current commune -> its département
    keys: dict[str, frozenset[str]]  # current commune -> its own normalised name(s)
    old_keys: dict[str, frozenset[str]]  # current commune -> delegated / merged names
    by_postal: dict[str, tuple[str, ...]]  # postal code -> current communes
    by_dep: dict[str, dict[str, frozenset[str]]]  # département -> name key -> communes
    postal_codes: frozenset[str]
    outside: dict[str, str]  # postal code -> overseas collectivity outside the COG communes


#: Tables handed by :func:`use_reference` (those the base precomputed), else None: the mirror.
_GIVEN: dict[str, Mapping[str, pd.DataFrame] | None] = {"tables": None}


def given_reference() -> Mapping[str, pd.DataFrame] | None:
    """The tables handed by :func:`use_reference`, or None (assembled from the mirror)."""
    return _GIVEN["tables"]


def use_reference(tables: Mapping[str, pd.DataFrame] | None) -> None:
    """Use these reference tables (:func:`reference_tables`, as the base stores them) instead
    of assembling them from the mirror; ``None``: back to the mirror. Same results, faster."""
    _GIVEN["tables"] = tables
    load_reference.cache_clear()
    resolve_one.cache_clear()


@lru_cache(maxsize=1)
def load_reference() -> _Reference:
    """The communes, their name keys and postal codes (from :func:`use_reference`'s tables,
    else assembled from the mirror's COG 2025, COG 2023 and Etalab files: about 1.5 s)."""
    given = _GIVEN["tables"]
    if given is None:
        return _build_reference()
    # some 150,000 small sets and dicts: without the cyclic collector running over and over
    # while they are made, 0.07 s instead of 0.25 s (they hold no cycles)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _from_tables(given)
    finally:
        if enabled:
            gc.enable()


def _build_reference() -> _Reference:
    from coodiag.mirror.loaders.history import load_cog_communes_2023, load_decoupage_communes
    from coodiag.mirror.loaders.territory import load_cog_communes

    cog = load_cog_communes()
    com = cog[cog["typecom"] == "COM"]
    com25 = set(com["code"])
    names = dict(zip(com["code"], com["nom"], strict=True))
    dep_of = dict(zip(com["code"], com["dep"], strict=True))
    keys: dict[str, set[str]] = {c: {normalize_name(n)} for c, n in names.items()}
    old: dict[str, set[str]] = {c: set() for c in com25}
    parent = {}
    for code, nom, typ, par in cog[["code", "nom", "typecom", "parent_code"]].itertuples(
        index=False
    ):
        if typ == "COM" or pd.isna(par) or par not in com25:
            continue
        parent[code] = par
        if typ in ("COMD", "COMA"):
            old[par].add(normalize_name(nom))
        else:  # ARM: "Paris 15e Arrondissement" normalises to "PARIS" anyway
            keys[par].add(normalize_name(nom))
    etalab = load_decoupage_communes()
    for code, ancien in etalab[["code", "anciens_codes"]].itertuples(index=False):
        for a in ancien:
            parent.setdefault(a, code)
    c23 = load_cog_communes_2023()
    for code, nom, typ, par in c23[["com", "libelle", "typecom", "comparent"]].itertuples(
        index=False
    ):
        target = code if code in com25 else parent.get(code)
        if typ != "COM" and target is None and isinstance(par, str):
            target = par if par in com25 else parent.get(par)
        if (target in com25 and target != code) or (target in com25 and typ != "COM"):
            old[target].add(normalize_name(nom))
    by_postal: dict[str, set[str]] = {}
    outside: dict[str, str] = {}
    for code, nom, typ, cps in etalab[["code", "nom", "type", "codes_postaux"]].itertuples(
        index=False
    ):
        target = code if code in com25 else parent.get(code)
        if target not in com25:
            if typ == "commune-actuelle":
                outside.update({cp: f"{nom} ({code})" for cp in cps})
            continue
        for cp in cps:
            by_postal.setdefault(cp, set()).add(target)
    by_dep: dict[str, dict[str, set[str]]] = {}
    for code in com25:
        dep = dep_of[code]
        for k in keys[code] | old[code]:
            by_dep.setdefault(dep, {}).setdefault(k, set()).add(code)
    for c in com25:
        old[c] -= keys[c]
    return _Reference(
        names=names,
        deps=dep_of,
        keys={c: frozenset(v) for c, v in keys.items()},
        old_keys={c: frozenset(v) for c, v in old.items()},
        by_postal={cp: tuple(sorted(v)) for cp, v in by_postal.items()},
        by_dep={d: {k: frozenset(v) for k, v in m.items()} for d, m in by_dep.items()},
        postal_codes=frozenset(by_postal),
        outside=outside,
    )


def reference_tables() -> dict[str, pd.DataFrame]:
    """The reference of this process as plain tables (what the base stores; every column is
    text): ``communes`` (``code``, ``nom``, ``dep``), ``cles`` (``code``, ``cle``: a normalised
    name, ``ancien``: "1" for a delegated / merged commune's name), ``postaux``
    (``code_postal``, ``code``) and ``hors_cog`` (``code_postal``, ``libelle``: overseas
    collectivities outside the COG communes)."""
    ref = load_reference()
    keys = [(c, k, "0") for c, ks in ref.keys.items() for k in sorted(ks)]
    keys += [(c, k, "1") for c, ks in ref.old_keys.items() for k in sorted(ks)]

    def frame(rows: list, columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=columns, dtype="string")

    return {
        "communes": frame([(c, n, ref.deps[c]) for c, n in ref.names.items()],
                          ["code", "nom", "dep"]),
        "cles": frame(keys, ["code", "cle", "ancien"]),
        "postaux": frame([(p, c) for p, cs in ref.by_postal.items() for c in cs],
                         ["code_postal", "code"]),
        "hors_cog": frame(list(ref.outside.items()), ["code_postal", "libelle"]),
    }


def _column(tables: Mapping[str, pd.DataFrame], table: str, column: str) -> list[str]:
    return table_column(tables, table, column, "du géocodage")


def _from_tables(tables: Mapping[str, pd.DataFrame]) -> _Reference:
    """The :class:`_Reference` of tables written by :func:`reference_tables`."""
    codes_ = _column(tables, "communes", "code")
    names = dict(zip(codes_, _column(tables, "communes", "nom"), strict=True))
    deps = dict(zip(codes_, _column(tables, "communes", "dep"), strict=True))
    keys: dict[str, set[str]] = {c: set() for c in codes_}
    old: dict[str, set[str]] = {c: set() for c in codes_}
    by_dep: dict[str, dict[str, set[str]]] = {}
    for c, k, ancien in zip(_column(tables, "cles", "code"), _column(tables, "cles", "cle"),
                            _column(tables, "cles", "ancien"), strict=True):
        (old if ancien == "1" else keys)[c].add(k)
        by_dep.setdefault(deps[c], {}).setdefault(k, set()).add(c)
    by_postal: dict[str, list[str]] = {}
    for p, c in zip(_column(tables, "postaux", "code_postal"),
                    _column(tables, "postaux", "code"), strict=True):
        by_postal.setdefault(p, []).append(c)
    return _Reference(
        names=names,
        deps=deps,
        keys={c: frozenset(v) for c, v in keys.items()},
        old_keys={c: frozenset(v) for c, v in old.items()},
        by_postal={p: tuple(v) for p, v in by_postal.items()},
        by_dep={d: {k: frozenset(v) for k, v in m.items()} for d, m in by_dep.items()},
        postal_codes=frozenset(by_postal),
        outside=dict(zip(_column(tables, "hors_cog", "code_postal"),
                         _column(tables, "hors_cog", "libelle"), strict=True)),
    )


def is_postal_code(value: str) -> bool:
    """True when ``value`` is a postal code of at least one current commune."""
    return value in load_reference().postal_codes


def communes_of_postal(postal: str) -> tuple[str, ...]:
    """The current communes (COG 2025) whose postal codes include ``postal``."""
    return load_reference().by_postal.get(postal, ())


def commune_name(code: str) -> str | None:
    """The COG 2025 name of a current commune."""
    return load_reference().names.get(code)


def _list(codes: tuple[str, ...] | frozenset[str], ref: _Reference, limit: int = 5) -> str:
    items = sorted(codes)
    shown = ", ".join(f"{ref.names[c]} ({c})" for c in items[:limit])
    return shown + (f" et {len(items) - limit} autres" if len(items) > limit else "")


@lru_cache(maxsize=500_000)
def resolve_one(postal: str | None, name: str | None) -> tuple[str | None, str | None, str | None]:
    """(COG 2025 code, resolution, reason) for one normalised postal code and raw name."""
    ref = load_reference()
    key = normalize_name(name) if name else ""
    if postal is None and not key:
        return None, None, "code postal et nom de commune manquants"
    if postal is None:
        return None, None, "code postal manquant ou mal formé (5 chiffres attendus)"
    cands = ref.by_postal.get(postal, ())
    if not cands and postal in ref.outside:
        return (
            None,
            None,
            (
                f"code postal {postal} d'une collectivité d'outre-mer hors du COG des communes "
                f"({ref.outside[postal]})"
            ),
        )
    if key:
        exact = {c for c in cands if key in ref.keys[c]}
        if len(exact) == 1:
            return exact.pop(), RES_EXACT, None
        if not exact:
            old = {c for c in cands if key in ref.old_keys[c]}
            if len(old) == 1:
                return old.pop(), RES_OLD, None
        scored = []
        for c in cands:
            best = max(
                difflib.SequenceMatcher(None, key, k).ratio() for k in ref.keys[c] | ref.old_keys[c]
            )
            scored.append((best, c))
        scored.sort(reverse=True)
        if (
            scored
            and scored[0][0] >= FUZZY_MIN
            and (len(scored) == 1 or scored[1][0] < scored[0][0])
        ):
            return scored[0][1], RES_FUZZY, None
        # A commune renamed with a suffix ("HERBLAY" -> "Herblay-sur-Seine").
        longer = {c for c in cands if any(k.startswith(key + " ") for k in ref.keys[c])}
        if len(longer) == 1:
            return longer.pop(), RES_FUZZY, None
        in_dep: set[str] = set()
        for dep in codes.departements_of_postcode(postal):
            in_dep |= ref.by_dep.get(dep, {}).get(key, frozenset())
        if len(in_dep) == 1:
            return next(iter(in_dep)), RES_DEP, None
        if len(cands) == 1:
            return cands[0], RES_SINGLE, None
        if len(in_dep) > 1:
            shown = _list(frozenset(in_dep), ref)
            return None, None, f"nom porté par plusieurs communes du département : {shown}"
        if not cands:
            return (
                None,
                None,
                (
                    f"code postal {postal} inconnu (CEDEX ou erroné) et nom introuvable dans le "
                    "département"
                ),
            )
        return (
            None,
            None,
            (f"nom introuvable parmi les communes du code postal {postal} ({_list(cands, ref)})"),
        )
    if len(cands) == 1:
        return cands[0], RES_SINGLE, None
    if not cands:
        return None, None, f"code postal {postal} inconnu et nom de commune manquant"
    return (
        None,
        None,
        (f"nom de commune manquant et code postal {postal} partagé par {len(cands)} communes"),
    )


def resolve_communes(df: pd.DataFrame, *, postal_col: str, name_col: str) -> pd.DataFrame:
    """Find the COG 2025 commune of each row from a postal code and a commune name.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table; ``postal_col`` and ``name_col`` hold the postal code (leading zero may be lost)
        and the commune name (any spelling).
    postal_col, name_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with three added string columns: ``code_commune`` (COG 2025 commune code,
        missing when not found), ``resolution`` (French: how it was found, see the module
        constants ``RES_*``) and ``reason`` (French: why it was not found, else missing).
    """
    postal = df[postal_col].map(codes.parse_postcode)
    names = df[name_col].astype("string").str.strip()
    names = names.mask(names == "")
    pairs = pd.DataFrame({"p": postal.astype(object), "n": names.astype(object)})
    pairs = pairs.where(pairs.notna(), None)
    uniq = pairs.drop_duplicates()
    results = [resolve_one(p, n) for p, n in uniq.itertuples(index=False)]
    found = pd.DataFrame(results, columns=["code_commune", "resolution", "reason"])
    found["p"], found["n"] = uniq["p"].to_numpy(), uniq["n"].to_numpy()
    key_cols = ["p", "n"]
    merged = pairs.reset_index(drop=True).merge(found, on=key_cols, how="left")
    out = df.copy()
    for col in ("code_commune", "resolution", "reason"):
        out[col] = pd.array(merged[col].to_numpy(), dtype="string")
    return out
