"""Convert commune tables of an older COG vintage (2018, 2021, 2023, 2024) to COG 2025 communes.

No INSEE "mouvements" file is in the mirror, so the old -> 2025 correspondence is assembled:

1. a code that is a 2025 commune (``COM``) maps to itself;
2. a 2025 commune déléguée or associée (``COMD``/``COMA``) maps to its ``comparent``, a PLM
   municipal arrondissement (``ARM``: 75101-75120, 69381-69389, 13201-13216) to its commune
   (75056, 69123, 13055), since the base is at commune level;
3. a code listed in the ``anciensCodes`` of an Etalab current commune maps to that commune;
4. anything else is unknown.

Splits (scissions): a 2025 commune that was not a commune in the source vintage was carved out
of an older one. Its predecessor is its parent in the COG 2023 (``COMD``/``COMA`` rows) or, for
COG 2018 in Normandie, the 2018 polygon holding its 2025 point. When the predecessor's own
2025 code differs, the predecessor was split: its values cannot be placed exactly and its rows
go to ``unplaced`` with the reason "scission", unless ``share_splits`` asks to share them
among the successors in proportion to their population (Etalab ``communes.json``, 2026
edition; equal shares if one lacks it): estimates, listed in ``ConversionResult.shared``.
Nothing is ever dropped silently.

The correspondence tables (:mod:`coodiag.reference.cog_reference`) are assembled from the
mirror on first use (1.3 s), or taken from those the base precomputed when a caller hands them
over (:func:`use_reference`; :mod:`coodiag.userfiles.reftables` does so before reading a user's
file): the same tables, in 0.04 s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import pandas as pd

from coodiag import codes as codelib
from coodiag import settings
from coodiag.errors import DataError
from coodiag.reference import cog_reference
from coodiag.reference.cog_method import conversion_method
from coodiag.reference.cog_reference import CogReference

VINTAGES = (2018, 2021, 2023, 2024, 2025)
NORMANDIE = frozenset({"14", "27", "50", "61", "76"})
PLM = {"75056": "Paris", "69123": "Lyon", "13055": "Marseille"}
STATUSES = ("actuel", "fusionné", "arrondissement", "scission", "inconnu")
_UNKNOWN = "code inconnu : absent du COG 2025, de ses communes déléguées et des anciens codes"


@dataclass
class ConversionResult:
    """The outcome of :func:`convert_communes`."""

    table: pd.DataFrame  # one row per COG 2025 commune code, column `code` + converted columns
    unplaced: pd.DataFrame  # columns: code (the old code), reason (French), rows lost: none
    method: str  # French text describing the method, to be stored in metadata
    #: split predecessors shared among their successors: code (old), code_2025, share (0-1)
    shared: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["code", "code_2025", "share"])
    )


#: Tables handed by :func:`use_reference` (those the base precomputed), else None: the mirror.
_GIVEN: dict[str, Mapping[str, pd.DataFrame] | None] = {"tables": None}


def given_reference() -> Mapping[str, pd.DataFrame] | None:
    """The tables handed by :func:`use_reference`, or None (assembled from the mirror)."""
    return _GIVEN["tables"]


def use_reference(tables: Mapping[str, pd.DataFrame] | None) -> None:
    """Use these reference tables (:func:`reference_tables`, as the base stores them) instead
    of assembling them from the mirror; ``None``: back to the mirror. Same results, faster
    (the base precomputes them when it is built)."""
    _GIVEN["tables"] = tables
    for cached in (_reference, _vintage_codes, _spatial_predecessors_2018):
        cached.cache_clear()


def reference_tables() -> dict[str, pd.DataFrame]:
    """The lineage tables of this process as plain tables (what the base stores)."""
    return cog_reference.reference_tables(_reference())


@lru_cache(maxsize=1)
def _reference() -> CogReference:
    given = _GIVEN["tables"]
    if given is not None:
        return cog_reference.reference_from_tables(given)
    return cog_reference.build_reference()


def _base_target(code: str, ref: CogReference) -> tuple[str | None, str, str]:
    """Rules 1-4 for one normalised code: (2025 code, status, French detail)."""
    if code in ref.com25:
        return code, "actuel", "commune du COG 2025"
    if code in ref.arm25:
        parent = ref.arm25[code]
        return parent, "arrondissement", f"arrondissement municipal de {PLM[parent]} ({parent})"
    target = ref.parent25.get(code) or ref.ancien.get(code)
    if target:
        return target, "fusionné", f"intégrée à {ref.names25.get(target, '?')} ({target})"
    if not codelib.is_commune_code(code):
        return None, "inconnu", "code inconnu : code commune mal formé"
    return None, "inconnu", _UNKNOWN


@lru_cache(maxsize=4)
def _vintage_codes(vintage: int) -> frozenset[str]:
    """The communes of ``vintage`` as far as the mirror tells (see :func:`convert_communes`)."""
    ref = _reference()
    if vintage == 2025:
        return ref.com25
    if vintage in (2021, 2023):
        # 2021: no COG 2021 file in the mirror; the converted table itself lists its communes
        # (see _splits), completed by the COG 2023.
        return ref.com23
    if vintage == 2024:
        from coodiag.mirror.loaders.territory import load_zonages_2024

        listed = set(load_zonages_2024()["code"]) - set(ref.arm25)
        deps = {c[:2] for c in listed}
        return frozenset(listed | set(PLM) | {c for c in ref.com25 if c[:2] not in deps})
    outside = {c for c in ref.com23 if c[:2] not in NORMANDIE}
    return frozenset(_normandie_2018()["code"]) | outside


@lru_cache(maxsize=1)
def _normandie_2018() -> gpd.GeoDataFrame:
    from coodiag.mirror.loaders.history import load_communes_2018_normandie

    return load_communes_2018_normandie()


@lru_cache(maxsize=1)
def _spatial_predecessors_2018() -> Mapping[str, str]:
    """Normandie 2025 communes absent from the 2018 polygons -> the 2018 polygon holding them."""
    ref, old = _reference(), _normandie_2018()
    new = {c for c in ref.com25 if c[:2] in NORMANDIE} - set(old["code"])
    from coodiag.mirror.loaders.territory import load_communes_points

    pts = load_communes_points()
    pts = pts[pts["code"].isin(new)]
    geom = gpd.points_from_xy(pts["lon"], pts["lat"])
    pts = gpd.GeoDataFrame(pts[["code"]], geometry=geom, crs=settings.CRS_WEB)
    hit = gpd.sjoin(pts.to_crs(old.crs), old[["code", "geometry"]], predicate="within")
    return dict(zip(hit["code_left"], hit["code_right"], strict=True))


def _splits(vintage: int, present: frozenset[str]) -> dict[str, list[str]]:
    """Codes of ``vintage`` split since then -> their sorted 2025 successors."""
    ref = _reference()
    known = _vintage_codes(vintage) | present
    spatial = _spatial_predecessors_2018() if vintage == 2018 else {}
    out: dict[str, set[str]] = {}
    for new in sorted(ref.com25 - known):
        pred = ref.parent23.get(new) or spatial.get(new)
        target = _base_target(pred, ref)[0] if pred else None
        if pred and target != new:
            out.setdefault(pred, {target} if target else set()).add(new)
    return {k: sorted(v) for k, v in out.items()}


def _shares(codes: pd.Series, vintage: int) -> pd.DataFrame:
    """Split predecessors -> ``row`` (index), ``code``, ``code_2025``, ``share`` (population)."""
    ref, rows = _reference(), []
    splits = _splits(vintage, frozenset(codes.dropna()))
    for idx, c in codes.items():
        succ = splits.get(c, [])
        pop = pd.Series([ref.pop25.get(s, pd.NA) for s in succ], dtype="Float64").fillna(0.0)
        key = pop / pop.sum() if (pop > 0).all() else pd.Series(1.0 / max(len(succ), 1), pop.index)
        rows += [(idx, c, s, float(k)) for s, k in zip(succ, key, strict=True)]
    return pd.DataFrame(rows, columns=["row", "code", "code_2025", "share"])


def split_shares(codes: pd.Series, *, from_vintage: int) -> pd.DataFrame:
    """The communes of ``codes`` (COG ``from_vintage``) split since: ``code``, ``code_2025`` (one
    row per successor) and ``share`` (the successor's share of their population, Etalab 2026;
    equal shares if one lacks it). The key :func:`convert_communes` uses with ``share_splits``."""
    _check_vintage(from_vintage)
    return _shares(codelib.commune(codes), from_vintage).drop(columns="row")


def _lineage(code: pd.Series, vintage: int | None) -> pd.DataFrame:
    ref = _reference()
    present = frozenset(code.dropna())
    splits = _splits(vintage, present) if vintage is not None else {}
    rows = []
    for c in code:
        if pd.isna(c):
            rows.append((None, "inconnu", "code manquant"))
        elif c in splits:
            parts = ", ".join(splits[c])
            rows.append((None, "scission", f"scission : commune répartie en 2025 entre {parts}"))
        else:
            rows.append(_base_target(c, ref))
    out = pd.DataFrame(rows, columns=["code_2025", "status", "detail"], index=code.index)
    out.insert(0, "code", code)
    return out.astype("string")


def _check_vintage(vintage: int | None) -> None:
    if vintage is not None and vintage not in VINTAGES:
        raise DataError(
            f"Millésime du COG non pris en charge : {vintage} (attendu : 2018, 2021, 2023, 2024 "
            "ou 2025)."
        )


def current_code(codes: pd.Series, *, from_vintage: int | None = None) -> pd.DataFrame:
    """The COG 2025 commune of each commune code, with a status.

    Parameters
    ----------
    codes : pandas.Series
        Commune codes, possibly without leading zeros (normalised with :func:`codes.commune`).
    from_vintage : int, optional
        The COG vintage of the codes (2018, 2021, 2023, 2024, 2025). Only when given are splits
        detected; without it, a code that is still a 2025 commune is taken as current.

    Returns
    -------
    pandas.DataFrame
        Same index as ``codes``; columns ``code`` (normalised), ``code_2025`` (missing unless
        placed), ``status`` (``actuel``, ``fusionné``, ``arrondissement`` for a PLM municipal
        arrondissement mapped to its commune, ``scission``, ``inconnu``) and ``detail`` (French).

    Notes
    -----
    Method: see the module docstring (COG 2025, Etalab ``anciensCodes``, COG 2023, 2018 polygons).
    """
    _check_vintage(from_vintage)
    return _lineage(codelib.commune(codes), from_vintage)


def _numeric(df: pd.DataFrame, col: str) -> pd.Series:
    try:
        return pd.to_numeric(df[col]).astype("Float64").astype(float)
    except (ValueError, TypeError) as exc:
        raise DataError(f"Colonne « {col} » : valeurs non numériques ({exc}).") from exc


def _validate(df, code_col, counts, rates, keep) -> None:
    wanted = [code_col, *counts, *rates, *rates.values(), *keep]
    missing = [c for c in dict.fromkeys(wanted) if c not in df.columns]
    if missing:
        raise DataError(f"Colonnes absentes du tableau à convertir : {', '.join(missing)}.")
    roles = [*counts, *rates, *keep]
    doubled = sorted({c for c in roles if roles.count(c) > 1} | ({code_col} & set(roles)))
    if doubled:
        raise DataError(f"Colonnes déclarées dans plusieurs rôles : {', '.join(doubled)}.")


def _aggregate(values: pd.DataFrame, key: pd.Series, counts, rates, keep) -> pd.DataFrame:
    """Counts: NaN-propagating sums; rates: weighted means; keep: value of the largest part."""
    g = key.rename("code")
    out = pd.DataFrame(index=pd.Index(sorted(key.unique()), name="code"))
    size = key.groupby(g).size()
    for col in counts:
        nan = values[col].isna().groupby(g).any()
        out[col] = values[col].groupby(g).sum().mask(nan)
    for col, w in rates.items():
        r, wt = values[col], values[f"__w_{w}"]
        nan = (r.isna() | wt.isna()).groupby(g).any()
        num, den = (r * wt).groupby(g).sum(), wt.groupby(g).sum()
        merged = (num / den.where(den != 0)).mask(nan)
        out[col] = r.groupby(g).first().where(size == 1, merged)
    if keep:
        order = values[counts[0]].fillna(float("-inf")) if counts else pd.Series(0, key.index)
        ranked = values.assign(__o=order, __k=key)
        ranked = ranked.sort_values("__o", ascending=False, kind="stable")
        first = ranked.drop_duplicates("__k").set_index("__k")[list(keep)]
        out[list(keep)] = first.reindex(out.index)
    return out.reset_index()


def convert_communes(
    df: pd.DataFrame,
    *,
    from_vintage: int,
    code_col: str = "code",
    counts: Sequence[str] = (),
    rates: Mapping[str, str] | None = None,
    keep: Sequence[str] = (),
    share_splits: bool = False,
) -> ConversionResult:
    """Convert a commune table of COG ``from_vintage`` to one row per COG 2025 commune.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per commune of the source vintage (duplicated codes are an error).
    from_vintage : int
        2018, 2021, 2023, 2024 or 2025 (2025: identity, apart from PLM arrondissements and codes of
        communes déléguées, mapped to their commune).
    code_col : str
        The commune code column (leading zeros may be lost).
    counts : sequence of str
        Count columns, summed over the communes merged into one 2025 commune. A sum with a
        missing (NaN, e.g. secret) part is NaN: a partial sum would silently pass for a total.
    rates : mapping, optional
        Rate column -> its weight column (a count of ``df``); merged communes get
        Σ(rate × weight) / Σ(weight), NaN if any part's rate or weight is NaN or Σ(weight) is 0.
        A commune left alone keeps its rate.
    keep : sequence of str
        Other columns, taken from the part with the largest first ``counts`` column (else the
        first part in input order). Columns not named anywhere are dropped.
    share_splits : bool
        Share the rows of a split commune among its 2025 successors (counts and rate weights
        × the successor's share of their population, rates and ``keep`` copied) instead of
        leaving them unplaced; ``shared`` lists them (values are estimates).

    Returns
    -------
    ConversionResult
        ``table`` (``code`` + converted columns, sorted by code), ``unplaced`` (the rows that
        could not be placed: ``code``, ``reason``, their values) and ``method`` (French).
        Every input row is in exactly one of them: sums over ``table`` plus ``unplaced`` equal
        the input sums.

    Notes
    -----
    The correspondence is described in :mod:`coodiag.reference.cog`. Rows of a split commune, of an
    unknown or missing code, and PLM arrondissements whose commune is also in the table (it
    would be counted twice) are unplaced, each with its reason.
    """
    _check_vintage(from_vintage)
    rates = dict(rates or {})
    counts, keep = list(counts), list(keep)
    _validate(df, code_col, counts, rates, keep)
    df = df.reset_index(drop=True)
    code = codelib.commune(df[code_col])
    dup = code[code.duplicated() & code.notna()]
    if len(dup):
        raise DataError(
            f"Colonne « {code_col} » : codes communes en double ({', '.join(dup.unique()[:5])})."
        )
    lineage = _lineage(code, from_vintage)
    double = (lineage["status"] == "arrondissement") & lineage["code_2025"].isin(set(code))
    lineage.loc[double, "detail"] = (
        "doublon : arrondissement municipal dont la commune figure déjà dans le tableau"
    )
    lineage.loc[double, "code_2025"] = pd.NA

    values = pd.DataFrame({"code": code}, index=df.index)
    for col in dict.fromkeys([*counts, *rates]):
        values[col] = _numeric(df, col)
    for w in set(rates.values()):
        values[f"__w_{w}"] = _numeric(df, w)
    for col in keep:
        values[col] = df[col]
    placed = lineage["code_2025"].notna()
    parts, target = values[placed], lineage.loc[placed, "code_2025"]
    shared = _shares(code[lineage["status"] == "scission"], from_vintage) if share_splits else None
    if shared is not None and len(shared):
        extra = values.loc[shared["row"]].reset_index(drop=True)
        for col in [*counts, *{f"__w_{w}" for w in rates.values()}]:
            extra[col] = extra[col] * shared["share"].to_numpy()
        parts = pd.concat([parts, extra], ignore_index=True)
        target = pd.concat([target, shared["code_2025"]], ignore_index=True)
        placed |= lineage.index.isin(shared["row"])
    table = _aggregate(parts, target, counts, rates, keep)
    columns = ["code", *dict.fromkeys([*counts, *rates]), *keep]
    unplaced = values.loc[~placed, columns].assign(reason=lineage.loc[~placed, "detail"])
    unplaced = unplaced[["code", "reason", *columns[1:]]].reset_index(drop=True)
    table["code"] = table["code"].astype("string")
    splits = set(lineage.loc[lineage["status"] == "scission", "code"])
    shared = shared if shared is not None else _shares(code.iloc[:0], from_vintage)
    shared = shared.drop(columns="row").reset_index(drop=True)
    splits = splits - set(shared["code"])
    method = conversion_method(from_vintage, counts, rates, keep, table, unplaced, len(df), splits)
    if len(shared):
        method += (
            " Communes scindées depuis, réparties entre les communes qui en sont issues au "
            "prorata de leur population (découpage administratif Etalab, édition 2026) : "
            "effectifs estimés, taux recopiés : "
            + ", ".join(f"{c} → {', '.join(g['code_2025'])}" for c, g in shared.groupby("code"))
            + "."
        )
    return ConversionResult(table=table[columns], unplaced=unplaced, method=method, shared=shared)
