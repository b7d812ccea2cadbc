"""Indicator tables of the territorial base, built from the loaded indicator files.

Pure functions: each takes the frames returned by :mod:`coodiag.mirror.loaders.indicators` and
returns the table the base stores, with stable snake_case keys, from the specs of
:mod:`coodiag.base.indicator_specs`. :func:`indicator_metadata` describes every indicator column
of every table (label, unit, numerator, denominator, source, vintage, level, method); maps and
tables read their labels and units there, one :class:`Indicator` per row.

Suggested base table names: see :data:`~coodiag.base.indicator_specs.TABLES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from coodiag.base import indicator_specs as specs
from coodiag.base.indicator_specs import TABLES
from coodiag.base.iris import iris_to_communes


@dataclass(frozen=True, eq=True)
class Indicator(dict):
    """One indicator: what the figure is and how to read it (a row of ``indicateurs_meta``).

    - ``table``, ``key``: where it lives (base table, column; for the long tables, the value of
      their ``indicator`` column);
    - ``label``, ``unit``, ``numerator``, ``denominator`` (empty for a count), ``source``,
      ``vintage``, ``level``, ``method``: French texts, empty where they do not apply.

    It is also a read-only dict of its fields (``ind["label"]``, ``ind.get("unit")``,
    ``dict(ind)``, ``**ind``): code written for the dict rows keeps working, and a table whose
    ``attrs`` hold indicators still serialises them (pandas writes ``attrs`` as JSON in Parquet).

    >>> ind = Indicator.from_row({"key": "pop22", "label": "Population", "unit": "personnes"})
    >>> ind.label, ind["unit"], ind.get("denominator"), ind.as_dict()["key"]
    ('Population', 'personnes', '', 'pop22')
    """

    table: str = ""
    key: str = ""
    label: str = ""
    unit: str = ""
    numerator: str = ""
    denominator: str = ""
    source: str = ""
    vintage: str = ""
    level: str = ""
    method: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Indicator:
        """From a mapping: a dict, a row of ``indicateurs_meta`` (Series, ``_asdict()``).

        Missing fields and missing values (None, NA) become empty strings; other keys are
        ignored.
        """
        values = {}
        for f in fields(cls):
            value = row.get(f.name)
            values[f.name] = "" if value is None or pd.isna(value) else str(value)
        return cls(**values)

    def __post_init__(self) -> None:
        dict.update(self, {f.name: getattr(self, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, str]:
        """The fields as a plain dict, in the column order of ``indicateurs_meta``."""
        return dict(self)

    def __reduce__(self) -> tuple:
        # Rebuilt from its fields (pickle, copy): the dict content follows in __post_init__.
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Indicator est en lecture seule : créez-en un autre (dataclasses.replace).")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _read_only
    __ior__ = _read_only


_FIELDS = tuple(f.name for f in fields(Indicator))


def all_indicators() -> list[Indicator]:
    """Every indicator column of every table built here (see :func:`indicator_metadata`)."""
    return [Indicator.from_row(row) for row in specs.metadata_rows()]


def indicator_metadata() -> pd.DataFrame:
    """One row per indicator column of every table built here.

    Columns: ``table`` (base table name, see :data:`~coodiag.base.indicator_specs.TABLES`),
    ``key`` (column name; for the long tables, the value of their ``indicator`` column),
    ``label``, ``unit``, ``numerator``, ``denominator`` (empty for counts), ``source``,
    ``vintage``, ``level``, ``method``. All in French. ``(table, key)`` is unique.
    """
    return pd.DataFrame([r.as_dict() for r in all_indicators()]).astype("string")


# ----------------------------------------------------------------- helpers


def _convert(df: pd.DataFrame, *, from_vintage: int, counts, rates=None, share_splits=False):
    """Convert commune codes to COG 2025 with :func:`coodiag.reference.cog.convert_communes`."""
    from coodiag.reference.cog import convert_communes

    result = convert_communes(
        df, from_vintage=from_vintage, code_col="code", counts=tuple(counts), rates=rates,
        share_splits=share_splits,
    )  # fmt: skip
    return result.table, result.unplaced


def _in_territory(codes_: pd.Series) -> pd.Series:
    return codes_.str[:2].isin(specs.COMMUNE_DEPARTEMENTS)


def _ratio(num: pd.Series, den: pd.Series, factor: float = 1.0) -> pd.Series:
    den = den.where(den > 0)
    return (num / den * factor).astype("float64")


# ----------------------------------------------------------------- table builders


def commune_indicators(
    rp2021: pd.DataFrame,
    iris2022: pd.DataFrame,
    de_communes: pd.DataFrame,
    zonages: pd.DataFrame | None = None,
    *,
    rp2021_france: pd.DataFrame | None = None,
    filosofi_france: pd.DataFrame | None = None,
    comparateur: pd.DataFrame | None = None,
    departements: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The commune indicator table (COG 2025), one row per commune of France.

    Takes the frames of ``load_rp2021_communes``, ``load_rp2022_iris`` and ``load_de_communes``
    (and ``load_zonages_2024``, ``load_rp2021_france``, ``load_filosofi2021_france``,
    ``load_comparateur_2022`` for census 2018, establishments 2018 and the 2018-2021 evolution,
    ``load_dep_indicateurs`` to complete the 2022 population of the communes merged or
    renumbered in 2025, see :mod:`coodiag.base.population`).
    Returns ``(table, unplaced)``: ``table`` has one row per COG 2025 commune code (``code``)
    and one column per indicator described in :func:`indicator_metadata` (census 2021 counts and
    Filosofi 2021 for every commune — the Normandie/IDF file where it has the commune, the
    national files elsewhere, ``source_rp21`` / ``source_filosofi21`` saying which —,
    establishments 2021 and jobs for Normandie/IDF, derived rates, IRIS 2022 aggregates for
    Normandie, job seekers); ``unplaced`` lists the source codes the COG conversion could not
    place (columns ``source``, ``code``, ``reason``).
    """
    from coodiag.base import national

    unplaced: list[pd.DataFrame] = []

    # Census 2021, Filosofi 2021, establishments 2021 (COG 2023).
    rename = {src: key for src, (key, *_r) in specs.RP21_COUNTS.items()}
    rename |= {src: key for src, (key, *_r) in specs.FILO21_COUNTS.items()}
    rename |= {src: spec[0] for src, spec in specs.FILO21_RATES.items()}
    rename |= {src: key for src, (key, _l) in specs.ET21_COUNTS.items()}
    rp = rp2021[["code", *rename]].rename(columns=rename)
    for key, *_r, scale in specs.FILO21_RATES.values():
        rp[key] = rp[key] * scale
    count_keys = [
        rename[c] for c in (*specs.RP21_COUNTS, *specs.FILO21_COUNTS, *specs.ET21_COUNTS)
    ]
    rates = {spec[0]: "nbmenfisc21" for spec in specs.FILO21_RATES.values()}
    rp, lost = _convert(rp, from_vintage=2023, counts=count_keys, rates=rates)
    unplaced.append(lost.assign(source="recensement 2021 (COG 2023)"))
    rp = rp[_in_territory(rp["code"])]
    if rp2021_france is not None:
        rp, lost = national.census_2021(rp, rp2021_france)
        unplaced.append(lost)
    if filosofi_france is not None:
        rp, lost = national.filosofi_2021(rp, filosofi_france)
        unplaced.append(lost)
    for key, (_l, _u, _n, _d, ncol, dcol, factor) in specs.RP21_DERIVED.items():
        num = rp[ncol] - rp[dcol] if key == "evol_pop_1521" else rp[ncol]
        rp[key] = _ratio(num, rp[dcol], factor)
    if comparateur is not None:
        rp, lost = national.census_2018(rp, comparateur)
        unplaced.append(lost)

    # IRIS 2022 (Normandie, COG 2024).
    iris = iris_to_communes(iris2022)
    iris_rates = {spec[0]: f"w_{spec[4]}" for spec in specs.IRIS_RATES.values()}
    weight_cols = [c for c in iris.columns if c.startswith("w_")]
    iris_counts = [key for key, *_r in specs.IRIS_COUNTS.values()] + weight_cols
    iris, lost = _convert(iris, from_vintage=2024, counts=iris_counts, rates=iris_rates)
    unplaced.append(lost.assign(source="IRIS 2022 (COG 2024)"))
    iris = iris.drop(columns=[c for c in weight_cols if c in iris.columns])
    estimates = None
    if zonages is not None and rp2021_france is not None and departements is not None:
        from coodiag.base.population import estimate_missing_2022

        estimates = estimate_missing_2022(zonages, rp2021_france, departements)
        iris = _complete_iris(iris, estimates)

    # Job seekers per commune (all France, COG 2024; arrondissements duplicate their commune).
    de = de_communes.loc[~de_communes["is_arrondissement"], ["code", "de"]]
    de = de.rename(columns={"de": "de_2024"})
    de, lost = _convert(de, from_vintage=2024, counts=["de_2024"])
    unplaced.append(lost.assign(source="demandeurs d'emploi par commune (COG 2024)"))

    # Population 2022 of every metropolitan commune (``load_zonages_2024``: code, p22_pop).
    if zonages is not None:
        pop = zonages[["code", "p22_pop"]]
        if estimates is not None:  # communes merged or renumbered in 2025 (see population.py)
            pop = pd.concat([pop, estimates[["code", "p22_pop"]]], ignore_index=True)
        pop = pop.rename(columns={"p22_pop": "pop22"})
        pop, lost = _convert(pop, from_vintage=2024, counts=["pop22"], share_splits=True)
        unplaced.append(lost.assign(source="population 2022 par commune (COG 2024)"))

    # IRIS figures cover Normandie; census, Filosofi and job seekers all of France.
    table = rp.merge(iris[_in_territory(iris["code"])], on="code", how="outer")
    table = table.merge(de, on="code", how="outer")
    if zonages is not None:
        table = table.merge(pop, on="code", how="outer")
    columns = ["code", *[k for k in _commune_keys() if k in table.columns]]
    table = table[columns].sort_values("code", ignore_index=True)
    table["code"] = table["code"].astype("string")
    lost_all = pd.concat([u[["source", "code", "reason"]] for u in unplaced], ignore_index=True)
    return table, lost_all.astype("string")


def _complete_iris(iris: pd.DataFrame, estimates: pd.DataFrame) -> pd.DataFrame:
    """IRIS communes (COG 2025) completed with the parts the IRIS files lack (Normandie).

    Counts (``p22_pop``, ``p22_men``) get the estimated parts added; rates stay those of the
    IRIS present, and become missing when the IRIS present hold less than
    :data:`~coodiag.base.indicator_specs.IRIS_MIN_COVERAGE` of the completed population.
    """
    extra = estimates[_in_territory(estimates["code"]) & estimates["code"].str[:2].isin(
        specs.NORMANDIE)]
    extra, _lost = _convert(extra[["code", "p22_pop", "p22_men"]], from_vintage=2024,
                            counts=["p22_pop", "p22_men"])  # fmt: skip
    extra = extra.set_index("code")
    out = iris.set_index("code").reindex(iris["code"].tolist() + [
        c for c in extra.index if c not in set(iris["code"])])
    added_pop = extra["p22_pop"].reindex(out.index).fillna(0.0)
    present = out["p22_pop"].fillna(0.0)
    for key in ("p22_pop", "p22_men"):
        out[key] = out[key].fillna(0.0) + extra[key].reindex(out.index).fillna(0.0)
    short = present < specs.IRIS_MIN_COVERAGE * (present + added_pop)
    rates = [spec[0] for spec in specs.IRIS_RATES.values()]
    out.loc[short, rates] = float("nan")
    return out.rename_axis("code").reset_index()


def _commune_keys() -> list[str]:
    return [r.key for r in all_indicators() if r.table == TABLES["commune"]]


def _territory_indicators(df: pd.DataFrame, level: str, include_france: bool) -> pd.DataFrame:
    rows = df if include_france else df[~df["is_france"]]
    present = [c for c in specs.TERRITORY if c in rows.columns]
    missing = [c for c in specs.TERRITORY if c not in rows.columns]
    if missing:
        from coodiag.errors import DataError

        raise DataError(
            f"Indicateurs par {level} : colonne(s) absente(s) de la source : {', '.join(missing)}."
        )
    out = rows[["code", "libelle", *present]].rename(columns={c: c.lower() for c in present})
    return out.sort_values("code", ignore_index=True)


def ze_indicators(ze: pd.DataFrame, *, include_france: bool = False) -> pd.DataFrame:
    """The zone d'emploi indicator table from ``load_ze_indicateurs()``.

    Columns: ``code`` (4 characters), ``libelle``, then the indicators of
    :data:`~coodiag.base.indicator_specs.TERRITORY` (lower-case source keys). 287 metropolitan
    zones; the France row (``code`` ``"00FR"``, population fields NaN) only with
    ``include_france=True``.
    """
    return _territory_indicators(ze, "zone d'emploi", include_france)


def france_indicators(ze: pd.DataFrame) -> pd.DataFrame:
    """The France row of the zone d'emploi source (code ``"00FR"``): the official national
    values (e.g. the sector shares of employment), same columns as :func:`ze_indicators`."""
    return _territory_indicators(ze[ze["is_france"]], "France", True)


def departement_indicators(dep: pd.DataFrame, *, include_france: bool = False) -> pd.DataFrame:
    """The département indicator table from ``load_dep_indicateurs()`` (96 départements).

    Same columns as :func:`ze_indicators`, ``code`` being a département code.
    """
    return _territory_indicators(dep, "département", include_france)


def _drop_copied_series(communes: pd.DataFrame) -> pd.DataFrame:
    """Resolve the communes with several rows per month in the monthly job-seekers file.

    Each (code, occurrence) is one series of 60 months. A series equal to another series of
    the same code is a duplicate line: dropped. A series equal to the series of another commune
    is a copy of its neighbour in the file: dropped. The series left under one code (communes
    merged into it) are summed by the caller.
    """
    wide = communes.pivot_table(
        index=["code", "occurrence"], columns="date", values="value", aggfunc="first"
    )
    multi = wide.index.get_level_values("code").duplicated(keep=False)
    signature = pd.Series(
        [tuple(np.nan_to_num(row, nan=-1.0)) for row in wide.to_numpy()], index=wide.index
    )
    keep = pd.Series(True, index=wide.index)
    # Exact duplicates under the same code.
    same_code_dup = pd.Series(
        list(zip(wide.index.get_level_values("code"), signature, strict=True)), index=wide.index
    ).duplicated()
    keep &= ~same_code_dup
    # Copies of another commune's series (only among codes holding several series).
    codes_by_signature: dict[tuple, set[str]] = {}
    for (code, _occ), sig in signature.items():
        codes_by_signature.setdefault(sig, set()).add(code)
    for idx in wide.index[multi]:
        if len(codes_by_signature[signature[idx]] - {idx[0]}) > 0:
            keep[idx] = False
    kept = keep[keep].index
    return communes.set_index(["code", "occurrence"]).loc[
        lambda d: d.index.isin(kept)
    ].reset_index()


def job_seekers_monthly(de_mensuel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly job seekers, long, from ``load_de_mensuel()``.

    Returns ``(table, unplaced)``. ``table`` columns: ``indicator`` (``"de_mensuel"``), ``level``
    (``commune``, ``departement``, ``region``), ``code`` (communes in COG 2025), ``date`` (first
    of the month), ``value``. Commune duplicates are resolved (see :func:`_drop_copied_series`)
    then codes are converted from COG 2024 to 2025 (counts summed). ``unplaced``: columns
    ``source``, ``code``, ``reason``.
    """
    com = de_mensuel[de_mensuel["level"] == "commune"]
    com = _drop_copied_series(com)
    wide = com.pivot_table(index="code", columns="date", values="value", aggfunc="sum")
    dates = list(wide.columns)
    wide.columns = [f"m{i}" for i in range(len(dates))]
    wide = wide.reset_index()
    converted, lost = _convert(wide, from_vintage=2024, counts=list(wide.columns[1:]))
    long = converted.melt(id_vars="code", var_name="m", value_name="value").dropna(
        subset=["value"]
    )
    long["date"] = long["m"].map({f"m{i}": d for i, d in enumerate(dates)})
    long["level"] = "commune"
    others = de_mensuel.loc[de_mensuel["level"] != "commune", ["level", "code", "date", "value"]]
    table = pd.concat([long[["level", "code", "date", "value"]], others], ignore_index=True)
    table.insert(0, "indicator", "de_mensuel")
    table = table.astype({"indicator": "string", "level": "string", "code": "string"})
    table["date"] = pd.to_datetime(table["date"])
    table = table.sort_values(["level", "code", "date"], ignore_index=True)
    lost = lost.assign(source="demandeurs d'emploi mensuels (COG 2024)")
    return table, lost[["source", "code", "reason"]].astype("string")


def siae_beneficiaries_monthly(barometre: pd.DataFrame) -> pd.DataFrame:
    """People employed in SIAE per département and month, long, from ``load_barometre_siae()``.

    Columns: ``indicator`` (``"beneficiaires_siae"``), ``departement``, ``date`` (first of the
    month), ``value``.
    """
    table = barometre[["departement", "date", "value"]].copy()
    table.insert(0, "indicator", "beneficiaires_siae")
    table = table.astype({"indicator": "string", "departement": "string"})
    return table.sort_values(["departement", "date"], ignore_index=True)
