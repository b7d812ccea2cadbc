"""National commune indicators: census 2021 and Filosofi 2021 for every commune, census 2018.

Pure functions on loaded frames (:mod:`coodiag.mirror.loaders.france`), converted to COG 2025
with :func:`coodiag.reference.cog.convert_communes`: counts summed over merged communes, rates
recomputed from counts or re-weighted, a rate missing when a part is secret.

Where the richer regional file (Normandie and Île-de-France) has a commune's values they are
kept; elsewhere the national file fills them, and the columns ``source_rp21`` and
``source_filosofi21`` say, per commune, which file the values come from.
"""

from __future__ import annotations

import pandas as pd

from coodiag.base import indicator_specs as specs


def convert(df: pd.DataFrame, *, from_vintage: int, counts, rates=None, source: str):
    """Convert to COG 2025; returns ``(table, unplaced)``, ``unplaced`` tagged with ``source``.

    A commune split since ``from_vintage`` (Neussargues-en-Pinatelle 15141 in 2025, 60054 and
    85084 since 2021) is shared among its successors in proportion to their population
    (``share_splits``): ``table.attrs["shared"]`` lists them (code, code_2025, share).
    """
    from coodiag.reference.cog import convert_communes

    result = convert_communes(
        df,
        from_vintage=from_vintage,
        code_col="code",
        counts=tuple(counts),
        rates=rates,
        share_splits=True,
    )
    result.table.attrs["shared"] = result.shared
    return result.table, result.unplaced.assign(source=source)


def split_notes(shared: pd.DataFrame) -> dict[str, str]:
    """Per successor code (``shared``: code, code_2025, share), the French note saying its values
    are estimates: one text for all, so that a source line listing the files stays short."""
    return dict.fromkeys(shared["code_2025"], specs.SHARED_SPLIT_NOTE)


def flag(table: pd.DataFrame, notes: dict[str, str], source_col: str) -> pd.DataFrame:
    """``table`` with each note appended to ``source_col`` of its commune."""
    out = table.copy()
    hit = out["code"].isin(notes)
    out.loc[hit, source_col] = out.loc[hit, source_col].astype("string") + " ; " + out.loc[
        hit, "code"
    ].map(notes)
    return out


def fill_split_detail(nat: pd.DataFrame, columns, blank: pd.Series, weight=None, copy=()):
    """Communes created in 2024 out of a 2023 commune (60694 out of 60054, 85165 and 85212 out
    of 85084) appear in the COG 2024 national files with their population but blank details
    (zero or missing households, 15-64, active, unemployed, fiscal households), the parent
    holding the whole old commune's. Share the parent's ``columns`` among the parent and its
    blank successors in proportion to ``weight`` (a column, e.g. ``p21_pop``) or, without it,
    to the successors' population (Etalab 2026); ``copy`` columns (rates, medians) are copied.
    Returns ``(nat, notes)``."""
    from coodiag.reference.cog import split_shares

    shares = split_shares(nat.loc[~blank, "code"], from_vintage=2023)
    blanks = set(nat.loc[blank, "code"])
    keep = shares["code_2025"].isin(blanks) | shares["code_2025"].eq(shares["code"])
    shares = shares[keep & shares["code"].isin(shares.loc[keep & shares["code_2025"].isin(blanks),
                                                         "code"])].copy()  # fmt: skip
    out = nat.set_index("code")
    if weight is not None:
        w = shares["code_2025"].map(out[weight]).astype("float64")
        shares["share"] = w / w.groupby(shares["code"]).transform("sum")
    for col in [*columns, *copy]:
        parent = shares["code"].map(out[col]).astype("float64")
        value = parent * shares["share"] if col in columns else parent
        out.loc[shares["code_2025"].to_numpy(), col] = value.to_numpy()
    notes = split_notes(shares)
    return out.rename_axis("code").reset_index(), notes


def prefer_regional(
    regional: pd.DataFrame,
    national: pd.DataFrame,
    columns: list[str],
    *,
    has_value: str,
    labels: tuple[str, str],
    source_col: str,
) -> pd.DataFrame:
    """``regional`` completed by ``national`` for ``columns``, commune by commune.

    A commune whose regional ``has_value`` column is filled keeps all its regional values
    (secret cells of the regional file stay missing); any other commune takes the national
    values of ``columns``. ``source_col`` receives ``labels[0]`` (regional), ``labels[1]``
    (a row of the national table, even with secret values) or NA (in neither). Rows: the
    union of both tables' codes.
    """
    reg = regional.set_index("code")
    nat = national.set_index("code")
    index = reg.index.union(nat.index)
    out = reg.reindex(index)
    use_reg = out[has_value].notna()
    take = index[~use_reg.to_numpy()]
    for col in columns:
        if col not in out.columns:
            out[col] = float("nan")
        out.loc[take, col] = nat[col].reindex(take).to_numpy()
    in_nat = index.isin(nat.index)
    source = pd.Series(pd.NA, index=index, dtype="string")
    source[in_nat & ~use_reg.to_numpy()] = labels[1]
    source[use_reg.to_numpy()] = labels[0]
    out[source_col] = source
    return out.rename_axis("code").reset_index()


def census_2021(regional: pd.DataFrame, france: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Census 2021 counts of every commune (COG 2025) and their source.

    ``regional``: the converted Normandie/IDF census table (keys of
    :data:`~coodiag.base.indicator_specs.RP21_COUNTS`); ``france``: ``load_rp2021_france()``.
    Returns ``(table, unplaced)``.
    """
    nat = france[["code", *specs.RP21_FRANCE]].rename(columns=specs.RP21_FRANCE)
    keys = list(specs.RP21_FRANCE.values())
    detail = ["p21_men", "p21_pop1564", "p21_act1564", "p21_chom1564"]
    blank = nat["p21_pop"].gt(0) & nat[detail].fillna(0).eq(0).all(axis=1)
    nat, notes = fill_split_detail(nat, detail, blank, weight="p21_pop")
    nat, lost = convert(nat, from_vintage=2024, counts=keys, source=specs.SRC_RP21_FRANCE_SHORT)
    table = prefer_regional(
        regional, nat, keys, has_value="p21_pop",
        labels=specs.SOURCE_LABELS_RP21, source_col="source_rp21",
    )  # fmt: skip
    notes |= split_notes(nat.attrs["shared"])
    return flag(table, notes, "source_rp21"), lost


def filosofi_2021(table: pd.DataFrame, france: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Filosofi 2021 of every commune of the source (COG 2025) and its source.

    ``table``: the commune table holding the regional Filosofi keys; ``france``:
    ``load_filosofi2021_france()``. Medians and the share of taxed households are re-weighted by
    fiscal households, the poverty rate by the persons of fiscal households, for a commune
    merged since 2024; any secret part leaves the merged value missing.
    """
    rename = {src: key for src, (key, _w) in specs.FILO21_FRANCE.items()}
    nat = france[["code", *rename]].rename(columns=rename)
    counts = [key for key, w in specs.FILO21_FRANCE.values() if w is None]
    rates = {key: w for key, w in specs.FILO21_FRANCE.values() if w is not None}
    nat, notes = fill_split_detail(nat, counts, nat[counts].isna().all(axis=1), copy=list(rates))
    nat, lost = convert(
        nat, from_vintage=2024, counts=counts, rates=rates, source=specs.SRC_FILO21_FRANCE_SHORT
    )
    columns = [key for key in rename.values() if key in specs.FILO21_KEYS]
    out = prefer_regional(
        table, nat, columns, has_value="nbmenfisc21",
        labels=specs.SOURCE_LABELS_FILO21, source_col="source_filosofi21",
    )  # fmt: skip
    notes |= split_notes(nat.attrs["shared"])
    return flag(out, notes, "source_filosofi21"), lost


def census_2018(table: pd.DataFrame, comparateur: pd.DataFrame):
    """Census 2018, establishments 2018 (comparateur 2022, COG 2021) and the 2018-2021 evolution.

    ``table``: the commune table with the census 2021 counts and ``tx_chom1564_21``;
    ``comparateur``: ``load_comparateur_2022()``. Returns ``(table, unplaced)``: ``table`` with
    the keys of :data:`~coodiag.base.indicator_specs.RP18_COUNTS`,
    :data:`~coodiag.base.indicator_specs.ET18_COUNTS` and
    :data:`~coodiag.base.indicator_specs.RP18_DERIVED` added.
    """
    rename = {src: spec[0] for src, spec in {**specs.RP18_COUNTS, **specs.ET18_COUNTS}.items()}
    cc = comparateur[["code", *rename]].rename(columns=rename)
    cc, lost = convert(cc, from_vintage=2021, counts=list(rename.values()),
                       source=specs.SRC_CC22_SHORT)  # fmt: skip
    out = table.merge(cc, on="code", how="outer")

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return (100.0 * num / den.where(den > 0)).astype("float64")

    out["tx_chom1564_18"] = ratio(out["p18_chom1564"], out["p18_act1564"])
    out["evol_pop_1821"] = ratio(out["p21_pop"] - out["p18_pop"], out["p18_pop"])
    out["evol_chom1564_1821"] = ratio(
        out["p21_chom1564"] - out["p18_chom1564"], out["p18_chom1564"]
    )
    out["evol_tx_chom1564_1821"] = out["tx_chom1564_21"] - out["tx_chom1564_18"]
    return out, lost
