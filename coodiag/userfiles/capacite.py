"""Reader of SIAE capacities: the documented CSV/XLSX format and the ASP extranet export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coodiag import fr
from coodiag.userfiles._validate import (
    Collector,
    finish,
    first_reason,
    parse_number,
    parse_siret,
    reason_where,
    text_column,
)
from coodiag.userfiles.capacite_asp import is_flux_export, read_flux_annexes
from coodiag.userfiles.capacity_bounds import CHECK_ABOVE, MAX_PLAUSIBLE, implausible
from coodiag.userfiles.reader import read_table
from coodiag.userfiles.result import ImportResult

# ---------------------------------------------------------------------------------------------
# 2. Capacité
# ---------------------------------------------------------------------------------------------

CAPACITE_COLUMNS: dict[str, tuple[str, ...]] = {
    "siret": ("n siret", "numero siret", "siret_siae", "siret structure", "siret_structure"),
    "etp": (
        "etp conventionnes",
        "etp_conventionnes",
        "nb_etp",
        "etp_insertion",
        "equivalents temps plein",
        "etp_postes_insertion",
        "af_etp_postes_insertion",
    ),
    "postes": (
        "postes conventionnes",
        "postes_conventionnes",
        "nb_postes",
        "nombre de postes",
        "postes_insertion",
    ),
    "salaries": (
        "nb_salaries",
        "nombre de salaries",
        "salaries_annee",
        "salaries en insertion",
        "nb_salaries_insertion",
        "effectif",
        "salaries_en_parcours",
    ),
    "annee": ("annee", "millesime", "exercice"),
    "nom": ("raison sociale", "raison_sociale", "denomination", "nom_structure", "structure"),
    "type": ("type_siae", "mesure", "dispositif", "type de structure"),
}
CAPACITE_REQUIRED = (("siret",), ("etp", "postes", "salaries"))
M_NO_CAPACITY = "aucune valeur de capacité (etp, postes ou salaries)"

def _one_year(data: pd.DataFrame, col: Collector, annee: int | None) -> None:
    """Reject, for each SIRET, the rows of another year than the chosen one (the most recent
    of the SIRET, or ``annee``); rows already rejected are left out of the choice."""
    ok = ~col.bad_mask().to_numpy()
    rows = data[ok]
    year = rows["annee"]
    if annee is not None:
        other = year.ne(annee).fillna(True).astype(bool)
        text = (
            "année " + year.astype("string").fillna("non indiquée")
            + f" : seule l'année {annee} est retenue (option --annee)"
        )
    else:
        latest = year.groupby(rows["siret"]).transform("max")
        other = (latest.notna() & year.fillna(-1).lt(latest)).astype(bool)
        text = (
            "année " + year.astype("string").fillna("non indiquée")
            + " : la ligne de l'année la plus récente de ce SIRET ("
            + latest.astype("string") + ") est retenue (les années ne s'additionnent pas)"
        )
    motif = reason_where(other, text).reindex(data.index)
    col.add("annee", motif)


def _peek(path: Path) -> str:
    import gzip

    try:
        with path.open("rb") as fh:
            raw = fh.read(200_000)
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(path) as fh:
                raw = fh.read(20_000)
    except (OSError, EOFError):
        return ""
    return raw.decode("latin-1")


def read_capacite(
    path: Path | str, *, structures: Path | str | None = None, annee: int | None = None
) -> ImportResult:
    """Read a capacity file: conventioned ETP, postes, salariés per SIAE (SIRET).

    One row per SIAE is kept: the one of the most recent year (column ``annee``), or of the
    year ``annee`` when given; the other years of the SIAE are in the rejects with their motif
    (values of several years are never summed). Values above :data:`MAX_PLAUSIBLE` are
    rejected, above :data:`CHECK_ABOVE` flagged « à vérifier ».

    The ASP extranet export of financial annexes (``fluxIAE_AnnexeFinanciere_*.csv[.gz]``) is
    detected and aggregated (see :func:`read_flux_annexes`); ``structures`` is then the matching
    ``fluxIAE_Structure_*.csv`` (default: found beside the file).

    Returns
    -------
    ImportResult
        ``data`` columns: ``ligne, siret, etp, postes, salaries`` (Float64 / Int64), ``annee``
        (Int64, optional), ``nom``, ``type``.
    """
    path = Path(path)
    if is_flux_export(_peek(path)):
        return read_flux_annexes(path, structures=structures, annee=annee)
    table = read_table(
        path, synonyms=CAPACITE_COLUMNS, required=CAPACITE_REQUIRED, label="capacité"
    )
    f = table.frame
    col = Collector(table)
    siret, m = parse_siret(text_column(f, "siret"), required=True)
    col.add("siret", m)
    values = {}
    for c, integer in (("etp", False), ("postes", False), ("salaries", True)):
        values[c], m = parse_number(text_column(f, c), integer=integer)
        col.add(c, first_reason(m, implausible(c, values[c])))
    none = pd.concat([text_column(f, c) == "" for c in values], axis=1).all(axis=1)
    col.add(
        "etp" if "etp" in f else "postes" if "postes" in f else "salaries",
        reason_where(none, M_NO_CAPACITY),
        show_value=False,
    )
    year, m = parse_number(text_column(f, "annee"), integer=True)
    col.add(
        "annee",
        first_reason(
            m,
            reason_where(
                year.notna() & ((year < 2000) | (year > 2100)),
                "année invalide (4 chiffres attendus)",
            ),
        ),
    )
    data = pd.DataFrame(
        {
            "ligne": f["ligne"],
            "siret": siret,
            "etp": values["etp"],
            "postes": values["postes"],
            "salaries": values["salaries"].astype("Int64"),
            "annee": year.astype("Int64"),
            "nom": text_column(f, "nom").replace("", pd.NA),
            "type": text_column(f, "type").str.upper().replace("", pd.NA),
        }
    )
    for c, bound in CHECK_ABOVE.items():
        big = (data[c] > bound) & (data[c] <= MAX_PLAUSIBLE[c])
        for line in data.loc[big.fillna(False).astype(bool), "ligne"]:
            col.warnings.append(
                f"ligne {line}, colonne {c} : valeur supérieure à {fr.integer(bound)}, "
                "à vérifier."
            )
    _one_year(data, col, annee)
    return finish(
        "capacité",
        table,
        col,
        data,
        key=["siret", "annee"],
        dup_motif=lambda n: f"SIRET déjà présent ligne {n} (même année) : ligne ignorée",
    )


__all__ = ["read_capacite", "read_flux_annexes"]
