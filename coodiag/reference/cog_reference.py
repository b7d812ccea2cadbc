"""The tables behind :mod:`coodiag.reference.cog`: COG 2025 communes and their lineage.

:func:`build_reference` assembles them from the mirror (COG 2025, COG 2023, Etalab découpage
administratif: about 1.3 s). :func:`reference_tables` turns them into plain tables, which the
base writes when it is built, and :func:`reference_from_tables` reads them back (a few
hundredths of a second): the same :class:`CogReference`, field for field.

Tables (every code is text):

- ``communes``: ``code`` (COG 2025 commune), ``nom``;
- ``population``: ``code``, ``population`` (Etalab, the share key of splits; may be missing);
- ``liens``: ``code``, ``cible``, ``lien`` — ``parent25`` (commune déléguée / associée -> its
  commune), ``arm25`` (municipal arrondissement -> PLM commune), ``ancien`` (Etalab
  ``anciensCodes`` -> current commune), ``parent23`` (COG 2023 commune déléguée / associée ->
  its 2023 commune);
- ``communes_2023``: ``code`` (the communes of the COG 2023).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from coodiag.errors import DataError

#: The links of table ``liens``, in the order of :class:`CogReference`.
LINKS = ("parent25", "arm25", "ancien", "parent23")
#: Table name -> its columns.
TABLES = {
    "communes": ("code", "nom"),
    "population": ("code", "population"),
    "liens": ("code", "cible", "lien"),
    "communes_2023": ("code",),
}


@dataclass(frozen=True)
class CogReference:
    com25: frozenset[str]
    names25: Mapping[str, str]
    parent25: Mapping[str, str]  # COMD/COMA code (not itself a COM) -> 2025 commune
    arm25: Mapping[str, str]  # municipal arrondissement -> PLM commune
    ancien: Mapping[str, str]  # Etalab anciensCodes -> current commune
    parent23: Mapping[str, str]  # COG 2023 COMD/COMA code (not itself a COM) -> 2023 commune
    com23: frozenset[str]
    pop25: Mapping[str, float]  # Etalab population of each 2025 commune (share key of splits)


def build_reference() -> CogReference:
    """The reference assembled from the mirror's COG and Etalab files."""
    from coodiag.mirror.loaders.history import load_cog_communes_2023, load_decoupage_communes
    from coodiag.mirror.loaders.territory import load_cog_communes

    cog = load_cog_communes().rename(
        columns={"code": "com", "parent_code": "comparent", "nom": "libelle"}
    )
    com = cog[cog["typecom"] == "COM"]
    com25 = frozenset(com["com"])
    sub = cog[(cog["typecom"] != "COM") & ~cog["com"].isin(com25)]
    arm = sub["typecom"] == "ARM"
    etalab = load_decoupage_communes()
    etalab = etalab[(etalab["type"] == "commune-actuelle") & etalab["code"].isin(com25)]
    ancien = etalab[["code", "anciens_codes"]].explode("anciens_codes").dropna()
    c23 = load_cog_communes_2023()
    com23 = frozenset(c23.loc[c23["typecom"] == "COM", "com"])
    sub23 = c23[c23["typecom"].isin(["COMD", "COMA"]) & ~c23["com"].isin(com23)]
    return CogReference(
        com25=com25,
        names25=dict(zip(com["com"], com["libelle"], strict=True)),
        parent25=dict(zip(sub.loc[~arm, "com"], sub.loc[~arm, "comparent"], strict=True)),
        arm25=dict(zip(sub.loc[arm, "com"], sub.loc[arm, "comparent"], strict=True)),
        ancien=dict(zip(ancien["anciens_codes"], ancien["code"], strict=True)),
        parent23=dict(zip(sub23["com"], sub23["comparent"], strict=True)),
        com23=com23,
        pop25=dict(zip(etalab["code"], etalab["population"].astype("Float64"), strict=True)),
    )


def reference_tables(ref: CogReference) -> dict[str, pd.DataFrame]:
    """``ref`` as plain tables (see the module docstring), in a stable order."""
    links = [(code, target, link) for link in LINKS
             for code, target in getattr(ref, link).items()]
    return {
        "communes": pd.DataFrame(
            {"code": list(ref.names25), "nom": list(ref.names25.values())}, dtype="string"
        ),
        "population": pd.DataFrame({
            "code": pd.array(list(ref.pop25), dtype="string"),
            "population": pd.array(list(ref.pop25.values()), dtype="Float64"),
        }),
        "liens": pd.DataFrame(links, columns=list(TABLES["liens"]), dtype="string"),
        "communes_2023": pd.DataFrame({"code": sorted(ref.com23)}, dtype="string"),
    }


def table_column(tables: Mapping[str, pd.DataFrame], table: str, column: str,
                 what: str = "du COG") -> list:
    """``column`` of the precomputed reference table ``table`` as a list; a missing one is an
    old base: the message says to rebuild it (``what``: whose tables, « du géocodage »...)."""
    frame = tables.get(table)
    if frame is None or column not in frame.columns:
        raise DataError(f"Table de référence {what} incomplète : « {table}.{column} » absent "
                        "(reconstruisez la base avec « coodiag build »).")
    return frame[column].astype(object).tolist()


def reference_from_tables(tables: Mapping[str, pd.DataFrame]) -> CogReference:
    """The :class:`CogReference` of tables written by :func:`reference_tables`."""
    codes = table_column(tables, "communes", "code")
    names = table_column(tables, "communes", "nom")
    pop = [pd.NA if pd.isna(v) else v for v in table_column(tables, "population", "population")]
    links: dict[str, dict[str, str]] = {link: {} for link in LINKS}
    for code, target, link in zip(table_column(tables, "liens", "code"),
                                  table_column(tables, "liens", "cible"),
                                  table_column(tables, "liens", "lien"), strict=True):
        links[link][code] = target
    return CogReference(
        com25=frozenset(codes),
        names25=dict(zip(codes, names, strict=True)),
        **links,
        com23=frozenset(table_column(tables, "communes_2023", "code")),
        pop25=dict(zip(table_column(tables, "population", "code"), pop, strict=True)),
    )
