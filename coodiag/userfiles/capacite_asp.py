"""Reader of the ASP extranet export of financial annexes: conventioned ETP per SIAE."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coodiag.errors import DataError
from coodiag.userfiles._validate import (
    M_MISSING,
    Collector,
    parse_dates,
    parse_number,
    reason_where,
    text_column,
)
from coodiag.userfiles.capacity_bounds import implausible
from coodiag.userfiles.reader import read_table
from coodiag.userfiles.result import ImportResult

#: The column that marks the export (its presence in the first bytes of a file).
FLUX_MARK = "af_etp_postes_insertion"

FLUX_COLUMNS: dict[str, tuple[str, ...]] = {
    c: ()
    for c in (
        "af_id_structure",
        "af_mesure_dispositif_code",
        "af_numero_annexe_financiere",
        "af_numero_avenant_modification",
        "af_id_annexe_financiere",
        "af_id_avenant_modification",
        "af_etat_annexe_financiere_code",
        "af_date_debut_effet",
        "af_date_fin_effet",
        "af_etp_postes_insertion",
    )
}
STRUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "structure_id_siae": (),
    "structure_siret_actualise": (),
    "structure_siret_signature": (),
    "structure_denomination": (),
    "structure_adresse_admin_code_insee": (),
}
VALID_STATES = ("VALIDE", "CLOTURE")
#: Besides FLUX_MARK, columns only the ASP export has: an ordinary capacity file with an
#: ``af_etp_postes_insertion`` column is not taken for an export.
FLUX_SIGNATURE = ("af_mesure_dispositif_code", "af_numero_annexe_financiere",
                  "af_etat_annexe_financiere_code")


def is_flux_export(head: str) -> bool:
    """True when the first bytes of a file are those of the ASP annexes export."""
    return FLUX_MARK in head and all(c in head for c in FLUX_SIGNATURE)


def read_flux_annexes(
    path: Path | str, *, structures: Path | str | None = None, annee: int | None = None
) -> ImportResult:
    """Aggregate an ASP extranet export of financial annexes to conventioned ETP per SIAE.

    Rules: IAE measures only (ACI, AI, EI, ETTI, EITI; the FDI has no postes); annexes in state
    VALIDE or CLOTURE (HISTORISE, PROVISOIRE, SAISI... are superseded or not yet valid); for an
    annex and year, the latest amendment; per SIAE, the latest year with a valid annex, summing
    its measures (or the year ``annee`` when given). Every other row is listed in the rejects
    with its reason.
    """
    path = Path(path)
    table = read_table(
        path,
        synonyms=FLUX_COLUMNS,
        required=[(c,) for c in FLUX_COLUMNS],
        label="export ASP des annexes financières",
    )
    if structures is None:
        found = sorted(path.parent.glob("fluxIAE_Structure*.csv*"))
        if not found:
            raise DataError(
                f"{path.name} : export ASP des annexes financières reconnu, mais le fichier des "
                f"structures (fluxIAE_Structure_*.csv) est introuvable dans {path.parent} : il "
                "donne le SIRET de chaque structure. Placez-le à côté ou indiquez-le."
            )
        structures = found[-1]
    st = read_table(
        structures,
        synonyms=STRUCT_COLUMNS,
        required=[("structure_id_siae",), ("structure_siret_actualise",)],
        label="export ASP des structures",
    ).frame
    st = st[st["structure_id_siae"] != ""]
    siret_of = dict(
        zip(
            st["structure_id_siae"],
            st["structure_siret_actualise"].where(
                st["structure_siret_actualise"] != "", st.get("structure_siret_signature", "")
            ),
            strict=True,
        )
    )
    ids = st["structure_id_siae"]
    name_of = dict(zip(ids, text_column(st, "structure_denomination"), strict=True))
    insee_of = dict(zip(ids, text_column(st, "structure_adresse_admin_code_insee"), strict=True))
    f = table.frame
    col = Collector(table)
    mesure = f["af_mesure_dispositif_code"].str.replace(r"_DC$", "", regex=True)
    iae = mesure.isin(["ACI", "AI", "EI", "ETTI", "EITI"])
    col.add(
        "af_mesure_dispositif_code",
        reason_where(
            ~iae, "mesure hors IAE conventionnée en postes (FDI ou autre) : pas d'ETP d'insertion"
        ),
    )
    state = f["af_etat_annexe_financiere_code"]
    col.add(
        "af_etat_annexe_financiere_code",
        reason_where(
            iae & ~state.isin(VALID_STATES),
            "annexe non retenue : état " + state + " (seuls VALIDE et CLOTURE comptent)",
        ),
    )
    debut, m = parse_dates(f["af_date_debut_effet"], required=True)
    col.add("af_date_debut_effet", m.where(iae & state.isin(VALID_STATES)))
    etp, m = parse_number(f["af_etp_postes_insertion"])
    m = m.fillna(reason_where(f["af_etp_postes_insertion"] == "", M_MISSING))
    m = m.fillna(implausible("etp", etp))
    col.add("af_etp_postes_insertion", m.where(iae & state.isin(VALID_STATES)))
    siret = f["af_id_structure"].map(siret_of).astype("string")
    col.add(
        "af_id_structure",
        reason_where(
            siret.isna() & iae & state.isin(VALID_STATES),
            "structure absente du fichier des structures (SIRET inconnu)",
        ),
    )
    avenant = pd.to_numeric(f["af_numero_avenant_modification"], errors="coerce").fillna(0)
    work = pd.DataFrame(
        {
            "ligne": f["ligne"],
            "siret": siret,
            "id": f["af_id_structure"],
            "mesure": mesure,
            "annexe": f["af_numero_annexe_financiere"],
            "avenant": avenant,
            "annee": debut.dt.year.astype("Int64"),
            "etp": etp,
        }
    )
    ok = work[~col.bad_mask().to_numpy()]
    # Identical rows (same annex, amendment, year, ETP): keep the first.
    dup = ok.duplicated(["annexe", "avenant", "annee", "etp", "siret"], keep="first")
    firsts = ok[~dup].groupby(["annexe", "avenant", "annee"])["ligne"].first()
    col.rows.append(
        pd.DataFrame(
            {
                "ligne": ok.loc[dup, "ligne"],
                "colonne": "",
                "valeur": "",
                "motif": [
                    f"doublon de la ligne {firsts[(a, v, y)]} (ligne identique ignorée)"
                    for a, v, y in ok.loc[dup, ["annexe", "avenant", "annee"]].itertuples(
                        index=False
                    )
                ],
            }
        )
    )
    ok = ok[~dup]
    latest_av = ok.groupby(["annexe", "annee"])["avenant"].transform("max")
    old = ok["avenant"] < latest_av
    col.rows.append(
        pd.DataFrame(
            {
                "ligne": ok.loc[old, "ligne"],
                "colonne": "af_numero_avenant_modification",
                "valeur": ok.loc[old, "avenant"].astype(int).astype(str),
                "motif": "avenant remplacé par un avenant plus récent de la même annexe",
            }
        )
    )
    ok = ok[~old]
    latest_year = ok.groupby("siret")["annee"].transform("max")
    if annee is not None:
        latest_year = pd.Series(annee, index=ok.index, dtype="Int64")
    older = ok["annee"].ne(latest_year).fillna(True).astype(bool)
    col.rows.append(
        pd.DataFrame(
            {
                "ligne": ok.loc[older, "ligne"],
                "colonne": "af_date_debut_effet",
                "valeur": ok.loc[older, "annee"].astype(str),
                "motif": "année "
                + ok.loc[older, "annee"].astype(str)
                + (
                    f" : seule l'année {annee} est retenue (option --annee)"
                    if annee is not None
                    else " antérieure à la dernière année conventionnée de la structure ("
                    + latest_year[older].astype(str)
                    + ")"
                ),
            }
        )
    )
    ok = ok[~older]
    agg = ok.groupby("siret", as_index=False).agg(
        annee=("annee", "first"),
        etp=("etp", "sum"),
        id=("id", "first"),
        type=("mesure", lambda s: ", ".join(sorted(set(s)))),
        ligne=("ligne", "min"),
        n_annexes=("ligne", "size"),
    )
    agg["postes"] = pd.array([pd.NA] * len(agg), dtype="Float64")
    agg["salaries"] = pd.array([pd.NA] * len(agg), dtype="Int64")
    agg["nom"] = agg["id"].map(name_of).astype("string")
    agg["code_commune"] = agg["id"].map(insee_of).astype("string")
    agg["etp"] = agg["etp"].astype("Float64").round(2)
    data = agg[
        [
            "ligne",
            "siret",
            "etp",
            "postes",
            "salaries",
            "annee",
            "nom",
            "type",
            "code_commune",
            "n_annexes",
        ]
    ]
    notes = [
        "Export ASP reconnu : ETP conventionnés (af_etp_postes_insertion) des annexes VALIDE "
        "ou CLOTURE, dernier avenant de chaque annexe, dernière année conventionnée de chaque "
        f"structure, mesures additionnées ; {len(data)} structures."
    ]
    n_read = len(f) + len(table.rejects)
    rej = col.rejects()
    col_res = ImportResult(
        kind="capacité (export ASP des annexes financières)",
        path=table.path,
        source=table.source,
        data=data.reset_index(drop=True),
        rejects=rej,
        warnings=col.warnings,
        n_read=n_read,
        n_used=n_read - rej["ligne"].nunique(),
        n_rejected=rej["ligne"].nunique(),
        notes=notes,
    )
    assert col_res.n_used == int(data["n_annexes"].sum())
    return col_res
